/* A cluster's rules, as steer-etcd hands them over (docs/scale-out.md).
 * cluster.apply carries every tunnel and intercept under the cluster's
 * etcd prefix; steerd drops the ones the previous apply brought that are
 * gone, replaces or adds the rest, and validates, compiles and publishes
 * the result once, like any edit: all or nothing, and a refused set leaves
 * the running rules in place. The rules of the file (and steerctl edits
 * over the socket) stay; an etcd object of the same name takes their
 * place. cluster.report is steer-etcd's heartbeat: what status and the
 * metrics say about etcd. Main lcore only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "conf_json.h"
#include "ctrl-int.h"
#include "ctrl_cluster.h"
#include "json.h"
#include "publish.h"

#define MAX_OBJECTS 1024

static struct {
	bool reported;
	char cluster[64], node[64], endpoints[512], last_error[512];
	long long revision;        /* the etcd revision the rules are at */
	unsigned long long refused;
	double last_ok;            /* CLOCK_REALTIME s etcd last answered */
	double last_report;
	bool applied;              /* a cluster.apply is in force (no reload since) */
	/* the names the last apply brought, so the next can drop them */
	char (*names)[CONF_NAME_MAX];
	bool *is_tunnel;
	unsigned n_names;
} cl;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* One edit of C (dump, edit, load again); C is replaced on success. */
static bool edit(struct steer_conf **c, const struct conf_edit *e, char *err,
		 size_t errlen)
{
	char *t = conf_dump(*c, e, err, errlen);
	struct steer_conf *nc;

	if (t == NULL)
		return false;
	nc = conf_load_string(t, "cluster", err, errlen);
	free(t);
	if (nc == NULL)
		return false;
	conf_free(*c);
	*c = nc;
	return true;
}

static bool in_list(const struct json_node *l, const char *name)
{
	char n[CONF_NAME_MAX];

	for (uint32_t i = 0; l && i < l->n_children; i++) {
		const struct json_node *o = json_child(ctrl_nodes, l, i);
		const struct json_node *nm = json_get(ctrl_nodes, o, "name");
		if (nm && json_str_copy(nm, n, sizeof(n)) >= 0 && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

static bool add_all(struct steer_conf **c, const struct json_node *l,
		    bool tunnel, char *err, size_t errlen)
{
	static char text[LINE_MAX_BYTES];
	char name[CONF_NAME_MAX], e[768];

	for (uint32_t i = 0; l && i < l->n_children; i++) {
		const struct json_node *o = json_child(ctrl_nodes, l, i);
		const struct json_node *nm = o ? json_get(ctrl_nodes, o, "name") : NULL;
		if (o == NULL || o->type != JSON_OBJECT || nm == NULL ||
		    json_str_copy(nm, name, sizeof(name)) < 0) {
			snprintf(err, errlen, "%s[%u]: an object with a name",
				 tunnel ? "tunnels" : "intercepts", i);
			return false;
		}
		if (!(tunnel ? conf_json_tunnel : conf_json_intercept)(
			    ctrl_nodes, o, text, sizeof(text), e, sizeof(e))) {
			snprintf(err, errlen, "%s '%s': %s", tunnel ? "tunnel" :
				 "intercept", name, e);
			return false;
		}
		struct conf_edit ed = { 0 };
		if (tunnel) {
			ed.add_tunnel = text;
			if (conf_find_tunnel(*c, name) >= 0)
				ed.drop_tunnel = name;
		} else {
			ed.add_intercept = text;
			if (conf_find_intercept(*c, name) >= 0)
				ed.drop_intercept = name;
		}
		if (!edit(c, &ed, e, sizeof(e))) {
			snprintf(err, errlen, "%s '%s': %s", tunnel ? "tunnel" :
				 "intercept", name, e);
			return false;
		}
	}
	return true;
}

static void remember(const struct json_node *tl, const struct json_node *il)
{
	unsigned n = (tl ? tl->n_children : 0) + (il ? il->n_children : 0), k = 0;

	free(cl.names);
	free(cl.is_tunnel);
	cl.names = calloc(n ? n : 1, sizeof(*cl.names));
	cl.is_tunnel = calloc(n ? n : 1, sizeof(*cl.is_tunnel));
	cl.n_names = 0;
	if (cl.names == NULL || cl.is_tunnel == NULL)
		return;
	for (int t = 0; t < 2; t++) {
		const struct json_node *l = t ? tl : il;
		for (uint32_t i = 0; l && i < l->n_children; i++) {
			const struct json_node *o = json_child(ctrl_nodes, l, i);
			json_str_copy(json_get(ctrl_nodes, o, "name"), cl.names[k],
				      CONF_NAME_MAX);
			cl.is_tunnel[k++] = t;
		}
	}
	cl.n_names = k;
}

void ctrl_cmd_cluster_apply(struct dp_shared *sh, const struct json_node *req,
			    struct jw *w)
{
	const struct json_node *tl = json_get(ctrl_nodes, req, "tunnels");
	const struct json_node *il = json_get(ctrl_nodes, req, "intercepts");
	char err[1024], *t;
	struct steer_conf *c;

	if ((tl && tl->type != JSON_ARRAY) || (il && il->type != JSON_ARRAY) ||
	    (tl ? tl->n_children : 0) + (il ? il->n_children : 0) > MAX_OBJECTS) {
		ctrl_reply_error(w, "cluster.apply: 'tunnels' and 'intercepts' are "
				 "lists of at most 1024 objects in all");
		return;
	}
	if ((t = conf_dump(ctrl_running(sh), NULL, err, sizeof(err))) == NULL) {
		ctrl_reply_error(w, "out of memory");
		return;
	}
	c = conf_load_string(t, "running-config", err, sizeof(err));
	free(t);
	if (c == NULL) {
		ctrl_reply_error(w, err);
		return;
	}
	/* what the last apply brought and this one does not: intercepts
	 * first, so that a tunnel is no longer in use when it goes */
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < cl.n_names; i++) {
			const char *n = cl.names[i];
			struct conf_edit e = { 0 };
			if (cl.is_tunnel[i] != (pass == 1) ||
			    in_list(pass ? tl : il, n))
				continue;
			if (pass ? conf_find_tunnel(c, n) < 0 : conf_find_intercept(c, n) < 0)
				continue;
			*(pass ? &e.drop_tunnel : &e.drop_intercept) = n;
			if (!edit(&c, &e, err, sizeof(err)))
				goto refuse;
		}
	if (!add_all(&c, tl, true, err, sizeof(err)) ||
	    !add_all(&c, il, false, err, sizeof(err)))
		goto refuse;
	uint64_t gen = dp_pub_load(sh)->generation;
	ctrl_publish_conf(sh, c, w);
	if (dp_pub_load(sh)->generation != gen) {
		remember(tl, il);
		cl.applied = true;
	}
	return;
refuse:
	conf_free(c);
	ctrl_reply_error(w, err);
}

static void get(const struct json_node *req, const char *key, char *buf, size_t len)
{
	char err[128];
	ctrl_get_str(req, key, buf, len, false, err, sizeof(err));
}

void ctrl_cmd_cluster_report(const struct json_node *req, struct jw *w)
{
	const struct json_node *n;

	get(req, "cluster", cl.cluster, sizeof(cl.cluster));
	get(req, "node", cl.node, sizeof(cl.node));
	get(req, "endpoints", cl.endpoints, sizeof(cl.endpoints));
	get(req, "last_error", cl.last_error, sizeof(cl.last_error));
	if ((n = json_get(ctrl_nodes, req, "revision")) && n->type == JSON_NUMBER)
		cl.revision = (long long)n->number;
	if ((n = json_get(ctrl_nodes, req, "refused")) && n->type == JSON_NUMBER)
		cl.refused = (unsigned long long)n->number;
	/* steer-etcd says how long ago etcd answered; the time is kept here
	 * so that it keeps growing if steer-etcd itself goes away */
	if ((n = json_get(ctrl_nodes, req, "etcd_ago_s")) && n->type == JSON_NUMBER &&
	    n->number >= 0)
		cl.last_ok = now_s() - n->number;
	cl.last_report = now_s();
	cl.reported = true;
	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	/* false for a steerd that has not been given the set (it started
	 * after steer-etcd) or has reloaded its file since: send it again */
	jw_key(w, "applied");
	jw_bool(w, cl.applied);
	jw_obj_end(w);
}

void ctrl_cluster_reloaded(void)
{
	/* the file replaced the rules: the cluster's objects are gone */
	cl.applied = false;
	cl.n_names = 0;
}

void ctrl_cluster_status(const struct steer_conf *c, struct jw *w)
{
	if (!cl.reported && c->cluster.name == NULL)
		return;
	double now = now_s();
	jw_key(w, "cluster");
	jw_obj_begin(w);
	if (!cl.reported) {
		/* configured, but no steer-etcd has reported yet */
		jw_key(w, "name");
		jw_str(w, c->cluster.name);
		jw_key(w, "etcd_endpoints");
		jw_str(w, c->cluster.etcd);
		jw_key(w, "last_error");
		jw_str(w, "steer-etcd has not reported: the rules are the file's");
		jw_obj_end(w);
		return;
	}
	jw_key(w, "name");
	jw_str(w, cl.cluster);
	jw_key(w, "node");
	jw_str(w, cl.node);
	jw_key(w, "etcd_endpoints");
	jw_str(w, cl.endpoints);
	jw_key(w, "revision");
	jw_int(w, cl.revision);
	jw_key(w, "etcd_last_reachable_s");
	jw_uint(w, cl.last_ok > 0 ? (unsigned long long)(now - cl.last_ok) : 0);
	jw_key(w, "etcd_reachable_ever");
	jw_bool(w, cl.last_ok > 0);
	jw_key(w, "changes_refused");
	jw_uint(w, cl.refused);
	jw_key(w, "last_error");
	jw_str(w, cl.last_error);
	jw_key(w, "report_age_s");
	jw_uint(w, (unsigned long long)(now - cl.last_report));
	jw_obj_end(w);
}

void ctrl_cluster_metrics(FILE *f)
{
	if (!cl.reported)
		return;
	double now = now_s();
	fprintf(f, "# HELP steer_cluster_info The cluster this node follows in etcd.\n"
		   "# TYPE steer_cluster_info gauge\n"
		   "steer_cluster_info{cluster=\"%s\",node=\"%s\",endpoints=\"%s\"} 1\n",
		cl.cluster, cl.node, cl.endpoints);
	fprintf(f, "# HELP steer_cluster_revision etcd revision of the rules applied.\n"
		   "# TYPE steer_cluster_revision gauge\nsteer_cluster_revision %lld\n",
		cl.revision);
	fprintf(f, "# HELP steer_cluster_etcd_last_reachable_seconds Seconds since etcd last answered.\n"
		   "# TYPE steer_cluster_etcd_last_reachable_seconds gauge\n"
		   "steer_cluster_etcd_last_reachable_seconds %.1f\n",
		cl.last_ok > 0 ? now - cl.last_ok : -1.0);
	fprintf(f, "# HELP steer_cluster_changes_refused_total Changes from etcd that failed validation.\n"
		   "# TYPE steer_cluster_changes_refused_total counter\n"
		   "steer_cluster_changes_refused_total %llu\n", cl.refused);
}
