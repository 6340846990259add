/* Backends' health as JSON and Prometheus text (health_view.h): a read of
 * the registry the main lcore itself writes, so no care is needed. */
#include <stdio.h>

#include "health_view.h"
#include "hc_table.h"
#include "publish.h"

typedef void (*backend_fn)(const struct conf_service *cs,
			   const struct conf_backend *be,
			   const struct hc_slot *e, void *arg);

/* FN for every backend of the running rules; E is NULL for an untracked
 * one. */
static void each_backend(const struct dp_shared *sh, backend_fn fn, void *arg)
{
	const struct dp_pub *p = dp_pub_load(sh);
	const struct dp_health *h = dp_health_load(p);
	const struct steer_conf *c = rs_conf(p->rs);

	for (unsigned s = 0; s < c->n_services; s++) {
		const struct conf_service *cs = &c->services[s];
		for (unsigned b = 0; b < cs->n_backends; b++) {
			uint32_t slot = h && s < h->n_svc ? h->svc[s].slot[b] : HC_NONE;
			fn(cs, &cs->backends[b],
			   slot != HC_NONE ? &sh->hc->slot[slot] : NULL, arg);
		}
	}
}

static void fmt_addr(char *buf, size_t len, uint32_t ip, uint16_t port)
{
	snprintf(buf, len, "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 255,
		 (ip >> 8) & 255, ip & 255, port);
}

static const char *state_of(const struct conf_service *cs,
			    const struct hc_slot *e)
{
	struct hc_params p;

	if (e == NULL)
		return cs->health.enabled ? "up" : "unchecked";
	hc_params_of(&p, cs->health.enabled, cs->health.rise, cs->health.fall);
	return hc_verdict_state(&e->v, &p);
}

/* ---- backend.list --------------------------------------------------------- */

struct json_arg {
	struct jw *w;
	uint64_t now;
};

static void backend_json(const struct conf_service *cs,
			 const struct conf_backend *be,
			 const struct hc_slot *e, void *arg)
{
	struct json_arg *a = arg;
	struct jw *w = a->w;
	char addr[32];

	fmt_addr(addr, sizeof(addr), be->ip, be->port);
	jw_obj_begin(w);
	jw_key(w, "service");
	jw_str(w, cs->name);
	jw_key(w, "address");
	jw_str(w, addr);
	jw_key(w, "weight");
	jw_uint(w, be->weight);
	jw_key(w, "drain");
	jw_bool(w, be->drained);
	jw_key(w, "state");
	jw_str(w, state_of(cs, e));
	jw_key(w, "checked");
	jw_bool(w, cs->health.enabled);
	if (e != NULL) {
		const struct hc_verdict *v = &e->v;
		jw_key(w, "consecutive_failures");
		jw_uint(w, v->fails);
		jw_key(w, "consecutive_successes");
		jw_uint(w, v->oks);
		jw_key(w, "checks");
		jw_uint(w, v->checks);
		jw_key(w, "check_failures");
		jw_uint(w, v->check_fails);
		jw_key(w, "downs");
		jw_uint(w, v->downs);
		jw_key(w, "last_failure");
		if (!v->failed) {
			jw_null(w);
		} else {
			jw_obj_begin(w);
			jw_key(w, "reason");
			jw_str(w, hc_reason_names[v->reason]);
			if (v->reason == HC_R_status) {
				jw_key(w, "status");
				jw_uint(w, v->status);
			}
			jw_key(w, "ago_ms");
			jw_uint(w, a->now > v->failed_at ? a->now - v->failed_at : 0);
			jw_obj_end(w);
		}
	}
	jw_obj_end(w);
}

void health_list_json(const struct dp_shared *sh, struct jw *w, uint64_t now)
{
	struct json_arg a = { .w = w, .now = now };

	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "backends");
	jw_arr_begin(w);
	each_backend(sh, backend_json, &a);
	jw_arr_end(w);
	jw_obj_end(w);
}

/* ---- metrics ---------------------------------------------------------------- */

enum series { S_UP, S_CHECKS, S_DOWNS, S_FAILS, S_LAST, S__COUNT };

struct metrics_arg {
	FILE *f;
	enum series s;
	uint64_t now;
	double wall_s;
};

static void backend_metric(const struct conf_service *cs,
			   const struct conf_backend *be,
			   const struct hc_slot *e, void *arg)
{
	struct metrics_arg *a = arg;
	char addr[32], lbl[128];

	fmt_addr(addr, sizeof(addr), be->ip, be->port);
	/* names and addresses need no escaping: [A-Za-z0-9._-] and digits */
	snprintf(lbl, sizeof(lbl), "service=\"%s\",backend=\"%s\"", cs->name, addr);
	const struct hc_verdict *v = e ? &e->v : NULL;
	switch (a->s) {
	case S_UP:
		fprintf(a->f, "steer_backend_up{%s} %d\n", lbl, !(v && v->down));
		break;
	case S_CHECKS:
		if (v && cs->health.enabled)
			fprintf(a->f, "steer_backend_checks_total{%s,result=\"pass\"} %llu\n"
				"steer_backend_checks_total{%s,result=\"fail\"} %llu\n",
				lbl, (unsigned long long)(v->checks - v->check_fails),
				lbl, (unsigned long long)v->check_fails);
		break;
	case S_DOWNS:
		if (v)
			fprintf(a->f, "steer_backend_downs_total{%s} %llu\n", lbl,
				(unsigned long long)v->downs);
		break;
	case S_FAILS:
		if (v && cs->health.enabled)
			fprintf(a->f, "steer_backend_consecutive_failures{%s} %u\n",
				lbl, v->fails);
		break;
	case S_LAST:
		if (v && v->failed) {
			double ago = (double)(a->now > v->failed_at ? a->now - v->failed_at : 0);
			char st[24] = "";
			if (v->reason == HC_R_status)
				snprintf(st, sizeof(st), ",status=\"%u\"", v->status);
			fprintf(a->f, "steer_backend_last_failure_timestamp_seconds{%s,reason=\"%s\"%s} %.3f\n",
				lbl, hc_reason_names[v->reason], st, a->wall_s - ago / 1000);
		}
		break;
	case S__COUNT:
		break;
	}
}

void health_metrics(const struct dp_shared *sh, FILE *f, uint64_t now,
		    double wall_s)
{
	static const char *const head[S__COUNT] = {
		[S_UP] = "# HELP steer_backend_up 1 up, 0 down (health checks or its clients' connects failing).\n"
			 "# TYPE steer_backend_up gauge\n",
		[S_CHECKS] = "# HELP steer_backend_checks_total Active health checks, by result.\n"
			     "# TYPE steer_backend_checks_total counter\n",
		[S_DOWNS] = "# HELP steer_backend_downs_total Times the backend went down.\n"
			    "# TYPE steer_backend_downs_total counter\n",
		[S_FAILS] = "# HELP steer_backend_consecutive_failures Active checks failed in a row.\n"
			    "# TYPE steer_backend_consecutive_failures gauge\n",
		[S_LAST] = "# HELP steer_backend_last_failure_timestamp_seconds When the backend last failed a check or its clients' connects, and why.\n"
			   "# TYPE steer_backend_last_failure_timestamp_seconds gauge\n",
	};
	struct metrics_arg a = { .f = f, .now = now, .wall_s = wall_s };

	for (a.s = 0; a.s < S__COUNT; a.s++) {
		fputs(head[a.s], f);
		each_backend(sh, backend_metric, &a);
	}
}
