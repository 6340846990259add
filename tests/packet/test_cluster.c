/* cluster.apply, steer-etcd's hand-over of the cluster's rules
 * (dataplane/ctrl_cluster.c, docs/scale-out.md): a set larger than one
 * request line comes in parts and is published once, whole; services,
 * listeners and previews from etcd replace the file's; a bad set changes
 * nothing; and status says when the cluster's rules are in force, which
 * steer-bgp-hook waits for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctrl-int.h"
#include "harness.h"
#include "json.h"
#include "publish.h"

/* REQ through cluster.apply (as ctrl.c's dispatch would) into OUT. */
static void apply(struct h_env *e, const char *req, char *out, size_t len)
{
	const char *jerr = NULL;
	struct jw w;

	if (strlen(req) > LINE_MAX_BYTES)
		fail_msg("request of %zu bytes: over a line", strlen(req));
	if (json_parse(req, strlen(req), ctrl_nodes, MAX_NODES, &jerr) < 0)
		fail_msg("test request: %s", jerr);
	jw_init(&w);
	ctrl_cmd_cluster_apply(e->sh, &ctrl_nodes[0], &w);
	assert_false(w.failed);
	snprintf(out, len, "%.*s", (int)w.len, w.buf);
	jw_free(&w);
}

static uint64_t generation(struct h_env *e)
{
	return dp_pub_load(e->sh)->generation;
}

static const struct steer_conf *running(struct h_env *e)
{
	return rs_conf(dp_pub_load(e->sh)->rs);
}

static void status(struct h_env *e, char *out, size_t len)
{
	struct jw w;

	e->sh->config_path = "harness.conf";
	jw_init(&w);
	ctrl_cmd_status(e->sh, &w);
	snprintf(out, len, "%.*s", (int)w.len, w.buf);
	jw_free(&w);
}

#define PARTS 3
#define PER_PART 300

/* Part P of the set: PER_PART intercepts on the tunnel of part 0. */
static char *part_text(unsigned p)
{
	size_t cap = 1 << 17, n = 0;
	char *b = malloc(cap);

	assert_non_null(b);
	n += (size_t)snprintf(b + n, cap - n, "{\"cmd\":\"cluster.apply\",\"revision\":77,"
			      "\"part\":%u,\"parts\":%u,", p, PARTS);
	if (p == 0)
		n += (size_t)snprintf(b + n, cap - n, "\"tunnels\":[{\"name\":\"carol\","
				      "\"type\":\"direct\",\"target\":\"198.18.1.22:9000\"}],");
	n += (size_t)snprintf(b + n, cap - n, "\"intercepts\":[");
	for (unsigned i = 0; i < PER_PART; i++)
		n += (size_t)snprintf(b + n, cap - n, "%s{\"name\":\"dev-%u-%03u\","
				      "\"service\":\"web\",\"tunnel\":\"carol\",\"headers\":"
				      "[{\"name\":\"x-dev\",\"value\":\"developer-%u-%03u\"}]}",
				      i ? "," : "", p, i, p, i);
	n += (size_t)snprintf(b + n, cap - n, "]}");
	assert_true(n < cap);
	return b;
}

static void a_set_above_one_line_is_applied_in_parts_and_published_once(void **state)
{
	struct h_env *e = *state;
	char r[4096];
	size_t total = 0;
	uint64_t g0 = generation(e);

	for (unsigned p = 0; p < PARTS; p++) {
		char *t = part_text(p);
		total += strlen(t);
		apply(e, t, r, sizeof(r));
		free(t);
		if (strstr(r, "\"ok\":true") == NULL)
			fail_msg("part %u: %s", p, r);
		/* nothing is in force until the last part */
		assert_int_equal(generation(e), g0 + (p + 1 == PARTS));
	}
	if (total <= 65536)
		fail_msg("the set is %zu bytes: not above the old 64 KiB limit", total);
	const struct steer_conf *c = running(e);
	assert_int_equal(c->n_intercepts, 2 + PARTS * PER_PART);
	assert_true(conf_find_intercept(c, "dev-2-299") >= 0);
	assert_true(conf_find_tunnel(c, "carol") >= 0);
	status(e, r, sizeof(r));
	if (strstr(r, "\"rules_source\":\"etcd\"") == NULL ||
	    strstr(r, "\"etcd_applied_revision\":77") == NULL)
		fail_msg("status does not say the cluster's rules are in force: %s", r);

	/* the next, single-part apply without them removes them */
	apply(e, "{\"cmd\":\"cluster.apply\",\"revision\":78,\"intercepts\":[]}", r,
	      sizeof(r));
	assert_non_null(strstr(r, "\"ok\":true"));
	assert_int_equal(running(e)->n_intercepts, 2);
	assert_int_equal(conf_find_tunnel(running(e), "carol"), -1);
}

static void a_part_out_of_order_is_refused_and_nothing_changes(void **state)
{
	struct h_env *e = *state;
	char r[4096], *t0 = part_text(0), *t2 = part_text(2);
	uint64_t g0 = generation(e);

	apply(e, t0, r, sizeof(r));
	assert_non_null(strstr(r, "\"ok\":true"));
	apply(e, t2, r, sizeof(r));      /* part 1 was skipped */
	if (strstr(r, "out of order") == NULL)
		fail_msg("skipped part taken: %s", r);
	/* and the stage is gone: the old part 1 cannot complete it */
	apply(e, t2, r, sizeof(r));
	assert_non_null(strstr(r, "\"ok\":false"));
	assert_int_equal(generation(e), g0);
	assert_int_equal(running(e)->n_intercepts, 2);
	free(t0);
	free(t2);
	status(e, r, sizeof(r));
	/* no cluster section and no apply: a single node says nothing */
	assert_null(strstr(r, "rules_source"));
}

static void services_listeners_and_previews_from_the_cluster_replace_the_files(void **state)
{
	struct h_env *e = *state;
	char r[4096];
	uint64_t g0 = generation(e);

	apply(e, "{\"cmd\":\"cluster.apply\",\"revision\":5,"
	      "\"services\":[{\"name\":\"web\",\"backends\":[{\"address\":\"198.18.1.30:8080\","
	      "\"weight\":2}]},{\"name\":\"shop\",\"backends\":[{\"address\":\"198.18.1.31:80\"}]}],"
	      "\"listeners\":[{\"name\":\"shop\",\"address\":\"198.18.0.1:8080\","
	      "\"default_service\":\"shop\"}],"
	      "\"previews\":{\"domain\":\"pv.example.test\"}}", r, sizeof(r));
	if (strstr(r, "\"ok\":true") == NULL)
		fail_msg("%s", r);
	const struct steer_conf *c = running(e);
	int web = conf_find_service(c, "web");
	assert_true(web >= 0 && conf_find_service(c, "shop") >= 0);
	assert_int_equal(c->services[web].n_backends, 1);
	assert_int_equal(c->services[web].backends[0].ip, 0xc612011e);
	assert_int_equal(c->n_listeners, 2);
	assert_string_equal(c->previews.domain, "pv.example.test");
	assert_int_equal(generation(e), g0 + 1);

	/* a bad listener: refused whole, named, and nothing changes */
	apply(e, "{\"cmd\":\"cluster.apply\",\"revision\":6,"
	      "\"services\":[{\"name\":\"web\",\"backends\":[]}],"
	      "\"listeners\":[{\"name\":\"shop\",\"address\":\"198.18.0.1:8080\","
	      "\"default_service\":\"gone\"}]}", r, sizeof(r));
	if (strstr(r, "cluster:listeners/shop:1:") == NULL)
		fail_msg("refusal does not name the listener: %s", r);
	assert_int_equal(generation(e), g0 + 1);
	assert_int_equal(running(e)->services[web].n_backends, 1);

	/* an empty set: the shop service and listener go, the file's web
	 * (two backends) and previews come back */
	apply(e, "{\"cmd\":\"cluster.apply\",\"revision\":7}", r, sizeof(r));
	if (strstr(r, "\"ok\":true") == NULL)
		fail_msg("%s", r);
	c = running(e);
	assert_int_equal(conf_find_service(c, "shop"), -1);
	assert_int_equal(c->n_listeners, 1);
	assert_int_equal(c->services[conf_find_service(c, "web")].n_backends, 2);
	assert_string_equal(c->previews.domain, "preview.example.test");
}

static const struct CMUnitTest tests[] = {
	T(a_set_above_one_line_is_applied_in_parts_and_published_once),
	T(a_part_out_of_order_is_refused_and_nothing_changes),
	T(services_listeners_and_previews_from_the_cluster_replace_the_files),
};

H_MAIN("packet_cluster", tests)
