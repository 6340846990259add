/* The control commands that read what is running: status, stats,
 * intercept.list, tunnel.list and flows (docs/control.md). backend.list is
 * health_view.c's. Dispatched by ctrl.c. */
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"
#include "ctrl-int.h"
#include "ctrl_ttl.h"
#include "json.h"
#include "publish.h"
#include "stats.h"
#include "worker.h"

/* meson's project version (dataplane/meson.build passes it). */
#ifndef STEER_VERSION
#define STEER_VERSION "unknown"
#endif

void ctrl_cmd_status(struct dp_shared *sh, struct jw *w)
{
	const struct steer_conf *c = ctrl_running(sh);

	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "version");
	jw_str(w, STEER_VERSION);
	jw_key(w, "uptime_s");
	jw_uint(w, (worker_ms() - sh->start_ms) / 1000);
	jw_key(w, "workers");
	jw_uint(w, sh->n_workers);
	/* What a routing health hook reads (docs/scale-out.md): announce the
	 * listeners' addresses only while this is true. */
	jw_key(w, "serving");
	jw_bool(w, sh->serving && !sh->quit);
	jw_key(w, "ports");
	jw_arr_begin(w);
	for (unsigned p = 0; p < sh->conf->n_ports; p++) {
		const struct conf_port *cp = &sh->conf->ports[p];
		char a[32];
		snprintf(a, sizeof(a), "%u.%u.%u.%u/%u", cp->ip >> 24, (cp->ip >> 16) & 255,
			 (cp->ip >> 8) & 255, cp->ip & 255, cp->plen);
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, cp->name);
		jw_key(w, "device");
		jw_str(w, cp->device);
		jw_key(w, "address");
		jw_str(w, a);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "generation");
	jw_uint(w, dp_pub_load(sh)->generation);
	jw_key(w, "intercepts");
	jw_uint(w, c->n_intercepts);
	jw_key(w, "listeners");
	jw_arr_begin(w);
	for (unsigned l = 0; l < c->n_listeners; l++) {
		const struct conf_listener *cl = &c->listeners[l];
		char a[32];
		snprintf(a, sizeof(a), "%u.%u.%u.%u:%u", cl->ip >> 24, (cl->ip >> 16) & 255,
			 (cl->ip >> 8) & 255, cl->ip & 255, cl->port);
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, cl->name);
		jw_key(w, "address");
		jw_str(w, a);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "config");
	jw_str(w, sh->config_path);
	ctrl_cluster_status(c, w);
	jw_obj_end(w);
}

void ctrl_cmd_stats(struct dp_shared *sh, const struct json_node *req, struct jw *w)
{
	const struct json_node *pw = json_get(ctrl_nodes, req, "per_worker");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL) {
		ctrl_reply_error(w, "out of memory");
		return;
	}
	stats_write_json(sh, f, pw && pw->type == JSON_BOOL && pw->boolean);
	fclose(f);
	/* stats JSON is an object: splice "ok" in front of its members */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	char *whole = malloc(len + 16);
	if (whole == NULL) {
		free(buf);
		ctrl_reply_error(w, "out of memory");
		return;
	}
	int n = snprintf(whole, len + 16, "{\"ok\":true,%.*s", (int)(len - 1), buf + 1);
	jw_raw(w, whole, (size_t)n);
	free(whole);
	free(buf);
}

static void put_matchers(struct jw *w, const struct conf_intercept *ci)
{
	static const char *const kinds[] = { "value", "prefix", "regex", "present" };

	jw_arr_begin(w);
	for (unsigned k = 0; k < ci->n_matchers; k++) {
		const struct conf_matcher *m = &ci->matchers[k];
		jw_obj_begin(w);
		jw_key(w, m->name ? "name" : "baggage");
		jw_str(w, m->name ? m->name : m->baggage);
		jw_key(w, kinds[m->kind]);
		if (m->kind == CONF_MATCH_PRESENT)
			jw_bool(w, true);
		else
			jw_str(w, m->arg);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void ctrl_cmd_intercept_list(struct dp_shared *sh, struct jw *w)
{
	static const char *const pk[] = { NULL, "path_equal", "path_prefix", "path_regex" };
	const struct steer_conf *c = ctrl_running(sh);
	struct steer_stats sum;

	stats_sum(sh, &sum);
	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "intercepts");
	jw_arr_begin(w);
	for (unsigned i = 0; i < c->n_intercepts; i++) {
		const struct conf_intercept *ci = c->intercepts[i];
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, ci->name);
		jw_key(w, "service");
		jw_str(w, c->services[ci->service].name);
		jw_key(w, "tunnel");
		jw_str(w, c->tunnels[ci->tunnel].name);
		jw_key(w, "headers");
		put_matchers(w, ci);
		if (ci->path_kind != CONF_PATH_NONE) {
			jw_key(w, pk[ci->path_kind]);
			jw_str(w, ci->path);
		}
		if (ci->preview) {
			jw_key(w, "preview");
			jw_str(w, ci->preview);
		}
		long long left = ctrl_ttl_left_s(ci->name, worker_ms());
		if (left >= 0) {
			jw_key(w, "ttl_left_s");
			jw_int(w, left);
		}
		jw_key(w, "decisions");
		jw_uint(w, sum.n_decisions ? dp_decisions(sh, sum.decisions, i) : 0);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	stats_release(&sum);
}

static void fmt_ipport(char *buf, size_t len, uint32_t ip, uint16_t port)
{
	if (port)
		snprintf(buf, len, "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 255,
			 (ip >> 8) & 255, ip & 255, port);
	else
		snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255,
			 (ip >> 8) & 255, ip & 255);
}

void ctrl_cmd_tunnel_list(struct dp_shared *sh, struct jw *w)
{
	const struct steer_conf *c = ctrl_running(sh);
	char a[32];

	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "tunnels");
	jw_arr_begin(w);
	for (unsigned i = 0; i < c->n_tunnels; i++) {
		const struct conf_tunnel *t = &c->tunnels[i];
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, t->name);
		jw_key(w, "type");
		jw_str(w, t->type == CONF_TUNNEL_VXLAN ? "vxlan" : "direct");
		fmt_ipport(a, sizeof(a), t->target_ip, t->target_port);
		jw_key(w, "target");
		jw_str(w, a);
		if (t->type == CONF_TUNNEL_VXLAN) {
			fmt_ipport(a, sizeof(a), t->remote, 0);
			jw_key(w, "remote");
			jw_str(w, a);
			jw_key(w, "vni");
			jw_uint(w, t->vni);
			fmt_ipport(a, sizeof(a), t->source, 0);
			jw_key(w, "source");
			jw_str(w, a);
		}
		jw_key(w, "fail_open");
		jw_bool(w, t->fail_open);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static const char *const state_names[] = {
	"free", "syn_rcvd", "header", "queued", "connect", "splice", "respond", "linger",
};

void ctrl_cmd_flows(struct dp_shared *sh, const struct json_node *req, struct jw *w)
{
	const struct json_node *ln = json_get(ctrl_nodes, req, "limit");
	unsigned limit = 20, n = 0;
	const struct steer_conf *c = ctrl_running(sh);
	uint64_t now = worker_ms();

	if (ln != NULL && ln->type == JSON_NUMBER && ln->number >= 1)
		limit = ln->number > 1000 ? 1000 : (unsigned)ln->number;
	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "flows");
	jw_arr_begin(w);
	/* A sample read without stopping the workers: a field may be a
	 * packet old; the flow array itself never moves. */
	for (unsigned wi = 0; wi < sh->n_workers && n < limit; wi++) {
		const struct worker *wk = sh->workers[wi];
		for (uint32_t i = 0; i < wk->max_flows && n < limit; i++) {
			struct flow f = wk->flows[i];
			char a[32];
			if (f.state == FS_FREE || f.state > FS_LINGER)
				continue;
			n++;
			jw_obj_begin(w);
			jw_key(w, "worker");
			jw_uint(w, wi);
			fmt_ipport(a, sizeof(a), rte_be_to_cpu_32(f.c.peer_ip),
				   rte_be_to_cpu_16(f.c.peer_port));
			jw_key(w, "client");
			jw_str(w, a);
			fmt_ipport(a, sizeof(a), rte_be_to_cpu_32(f.c.local_ip),
				   rte_be_to_cpu_16(f.c.local_port));
			jw_key(w, "listener");
			jw_str(w, a);
			jw_key(w, "state");
			jw_str(w, state_names[f.state]);
			if (f.hdr_end && f.service < c->n_services &&
			    f.gen == dp_pub_load(sh)->generation) {
				jw_key(w, "service");
				jw_str(w, c->services[f.service].name);
				if (f.intercept >= 0 && (uint32_t)f.intercept < c->n_intercepts) {
					jw_key(w, "intercept");
					jw_str(w, c->intercepts[f.intercept]->name);
				}
				if (f.tunnel >= 0 && (uint32_t)f.tunnel < c->n_tunnels) {
					jw_key(w, "tunnel");
					jw_str(w, c->tunnels[f.tunnel].name);
				}
			}
			if (f.b.peer_ip) {
				fmt_ipport(a, sizeof(a), rte_be_to_cpu_32(f.b.peer_ip),
					   rte_be_to_cpu_16(f.b.peer_port));
				jw_key(w, "target");
				jw_str(w, a);
			}
			jw_key(w, "age_ms");
			jw_uint(w, now > f.created ? now - f.created : 0);
			jw_key(w, "idle_ms");
			jw_uint(w, now > f.last_active ? now - f.last_active : 0);
			jw_obj_end(w);
		}
	}
	jw_arr_end(w);
	jw_obj_end(w);
}
