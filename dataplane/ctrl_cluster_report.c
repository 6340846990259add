/* What a node says about its cluster (docs/scale-out.md): cluster.report
 * is steer-etcd's heartbeat, kept here for status and the metrics; the
 * rules themselves are ctrl_cluster.c's. Main lcore only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "ctrl-int.h"
#include "ctrl_cluster.h"
#include "json.h"

static struct {
	bool reported;
	char cluster[64], node[64], endpoints[512], last_error[512];
	long long revision;        /* the etcd revision steer-etcd is at */
	unsigned long long refused;
	double last_ok;            /* CLOCK_REALTIME s etcd last answered */
	double last_report;
} cl;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void get(const struct json_node *req, const char *key, char *buf, size_t len)
{
	char err[128];
	ctrl_get_str(req, key, buf, len, false, err, sizeof(err));
}

void ctrl_cmd_cluster_report(const struct json_node *req, struct jw *w)
{
	const struct json_node *n;
	long long v;

	get(req, "cluster", cl.cluster, sizeof(cl.cluster));
	get(req, "node", cl.node, sizeof(cl.node));
	get(req, "endpoints", cl.endpoints, sizeof(cl.endpoints));
	get(req, "last_error", cl.last_error, sizeof(cl.last_error));
	if ((n = json_get(ctrl_nodes, req, "revision")) && json_int(n, &v))
		cl.revision = v;
	if ((n = json_get(ctrl_nodes, req, "refused")) && json_int(n, &v) && v >= 0)
		cl.refused = (unsigned long long)v;
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
	jw_bool(w, ctrl_cluster_applied(NULL));
	jw_obj_end(w);
}

void ctrl_cluster_status(const struct steer_conf *c, struct jw *w)
{
	long long rev = 0;
	bool applied = ctrl_cluster_applied(&rev);
	if (!cl.reported && c->cluster.name == NULL && rev == 0)
		return;
	double now = now_s();
	jw_key(w, "cluster");
	jw_obj_begin(w);
	/* what steer-bgp-hook waits for before it announces the node: the
	 * rules are the cluster's once the first apply is in force */
	jw_key(w, "rules_source");
	jw_str(w, applied ? "etcd" : "file");
	jw_key(w, "etcd_applied_revision");
	jw_int(w, rev);
	if (!cl.reported) {
		/* configured, but no steer-etcd has reported yet */
		jw_key(w, "name");
		jw_str(w, c->cluster.name ? c->cluster.name : "");
		jw_key(w, "etcd_endpoints");
		jw_str(w, c->cluster.etcd ? c->cluster.etcd : "");
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
