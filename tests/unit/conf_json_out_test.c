/* Services, listeners and previews as etcd's JSON (conf_json_out.c): each
 * written out and laid back over its own configuration gives the same
 * configuration, and a backend edit inside a service object changes that
 * backend alone. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"
#include "conf_json.h"
#include "conf_json_out.h"
#include "conf_overlay.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct json_node nodes[16384];

/* Object text J as overlay group text into OUT. */
static void group_of(const char *j, char *out, size_t len)
{
	const char *jerr;
	char err[512];

	if (json_parse(j, strlen(j), nodes, 16384, &jerr) < 0)
		fail_msg("bad JSON written: %s: %s", jerr, j);
	if (!conf_json_group(nodes, &nodes[0], "x", out, len, err, sizeof(err)))
		fail_msg("%s: %s", err, j);
}

static void round_trip(const char *path)
{
	char err[1024];
	struct steer_conf *c = conf_load_file(path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	unsigned n = c->n_services + c->n_listeners;
	struct conf_overlay ov = { .o = calloc(n + 1, sizeof(*ov.o)) };
	char **texts = calloc(n + 2, sizeof(char *));
	assert_non_null(ov.o);
	for (unsigned i = 0; i < n; i++) {
		bool svc = i < c->n_services;
		unsigned k = svc ? i : i - c->n_services;
		struct jw w;
		jw_init(&w);
		if (svc)
			conf_json_put_service(&w, c, k);
		else
			conf_json_put_listener(&w, c, k);
		assert_false(w.failed);
		texts[i] = malloc(65536);
		group_of(w.buf, texts[i], 65536);
		jw_free(&w);
		ov.o[ov.n].kind = svc ? CO_SERVICE : CO_LISTENER;
		snprintf(ov.o[ov.n].name, CONF_NAME_MAX, "%s",
			 svc ? c->services[k].name : c->listeners[k].name);
		ov.o[ov.n].text = texts[i];
		ov.o[ov.n++].label = "test";
	}
	struct jw pw;
	jw_init(&pw);
	conf_json_put_previews(&pw, c);
	texts[n] = malloc(4096);
	group_of(pw.buf, texts[n], 4096);
	jw_free(&pw);
	ov.previews = texts[n];
	ov.previews_label = "test";
	struct steer_conf *d = conf_overlay_load(c, &ov, c->file, err, sizeof(err));
	if (d == NULL)
		fail_msg("%s: its own objects do not load back: %s", path, err);
	char *a = conf_dump(c, NULL, err, sizeof(err));
	char *b = conf_dump(d, NULL, err, sizeof(err));
	assert_non_null(a);
	assert_non_null(b);
	if (strcmp(a, b) != 0)
		fail_msg("%s: differs after the round trip:\n%s\n----\n%s", path, a, b);
	free(a);
	free(b);
	for (unsigned i = 0; i <= n; i++)
		free(texts[i]);
	free(texts);
	free(ov.o);
	conf_free(c);
	conf_free(d);
}

static void the_shipped_configs_round_trip_through_json(void **state)
{
	static const char *const files[] = { "config/demo.conf", "config/minimal.conf",
					     "config/steer.conf.example" };
	const char *src = getenv("STEER_SRC");
	char p[1024];
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(p, sizeof(p), "%s/%s", src ? src : ".", files[i]);
		round_trip(p);
	}
}

static void a_backend_edit_changes_that_backend_alone(void **state)
{
	static const char svc[] =
		"{\"name\":\"web\",\"retries\":1,\"health\":{\"path\":\"/h\"},\"backends\":["
		"{\"address\":\"10.0.0.1:80\",\"weight\":2},"
		"{\"address\":\"10.0.0.2:80\",\"max_conns\":5}]}";
	static const struct {
		enum conf_backend_op op;
		uint32_t ip;
		uint16_t port;
		uint32_t weight;
		int rc;
		const char *want;
	} cases[] = {
		{ CONF_BE_ADD, 0x0a000003, 80, 4, 0,
		  "{\"name\":\"web\",\"retries\":1,\"health\":{\"path\":\"/h\"},\"backends\":["
		  "{\"address\":\"10.0.0.1:80\",\"weight\":2},"
		  "{\"address\":\"10.0.0.2:80\",\"max_conns\":5},"
		  "{\"address\":\"10.0.0.3:80\",\"weight\":4}]}" },
		{ CONF_BE_ADD, 0x0a000001, 80, 0, -EEXIST, NULL },
		{ CONF_BE_REMOVE, 0x0a000001, 80, 0, 0,
		  "{\"name\":\"web\",\"retries\":1,\"health\":{\"path\":\"/h\"},\"backends\":["
		  "{\"address\":\"10.0.0.2:80\",\"max_conns\":5}]}" },
		{ CONF_BE_REMOVE, 0x0a000001, 81, 0, -ENOENT, NULL },
		{ CONF_BE_DRAIN, 0x0a000002, 80, 0, 0,
		  "{\"name\":\"web\",\"retries\":1,\"health\":{\"path\":\"/h\"},\"backends\":["
		  "{\"address\":\"10.0.0.1:80\",\"weight\":2},"
		  "{\"address\":\"10.0.0.2:80\",\"max_conns\":5,\"drain\":true}]}" },
	};
	char err[256];
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct jw w;
		jw_init(&w);
		int rc = conf_json_backend_edit(svc, strlen(svc), cases[i].op, cases[i].ip,
						cases[i].port, cases[i].weight, &w, err,
						sizeof(err));
		assert_int_equal(rc, cases[i].rc);
		if (rc == 0)
			assert_string_equal(w.buf, cases[i].want);
		jw_free(&w);
	}
	/* a service without backends gets its first */
	struct jw w;
	jw_init(&w);
	assert_int_equal(conf_json_backend_edit("{\"name\":\"x\"}", 12, CONF_BE_ADD,
						0x0a000001, 8080, 0, &w, err,
						sizeof(err)), 0);
	assert_string_equal(w.buf, "{\"name\":\"x\",\"backends\":[{\"address\":\"10.0.0.1:8080\"}]}");
	jw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_shipped_configs_round_trip_through_json),
		cmocka_unit_test(a_backend_edit_changes_that_backend_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
