/* The control commands that change the rules: intercept.add and .remove,
 * tunnel.add and .remove, backend.add, .remove and .drain
 * (docs/control.md). Each turns its request into a struct conf_edit, which
 * ctrl_apply_edit() (ctrl_reload.c) applies, or for an intercept into the
 * arguments of ctrl_apply_intercept(); the added intercept or tunnel is
 * written as libconfig text by conf_json.c, for the loader's code to
 * validate. An intercept added with a "ttl" gets its deadline in
 * ctrl_ttl.c.
 * Dispatched by ctrl.c. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "conf_json.h"
#include "ctrl-int.h"
#include "ctrl_ttl.h"
#include "json.h"
#include "publish.h"
#include "rules.h"

static bool parse_addr(const char *s, uint32_t *ip, uint16_t *port)
{
	unsigned a, b, c, d, p;
	char tail;

	if (sscanf(s, "%u.%u.%u.%u:%u%c", &a, &b, &c, &d, &p, &tail) != 5 ||
	    a > 255 || b > 255 || c > 255 || d > 255 || p == 0 || p > 65535)
		return false;
	*ip = a << 24 | b << 16 | c << 8 | d;
	*port = (uint16_t)p;
	return true;
}

/* intercept.add (ICPT) or tunnel.add: the request's fields become one
 * libconfig group, added to the running configuration (an intercept by
 * deriving the new rules from the running ones, ctrl_apply_intercept()). */
void ctrl_cmd_add(struct dp_shared *sh, const struct json_node *req, bool icpt,
		  struct jw *w)
{
	static char text[LINE_MAX_BYTES * 2];
	char err[1024];

	if (!(icpt ? conf_json_intercept(ctrl_nodes, req, text, sizeof(text), err, sizeof(err)) :
		     conf_json_tunnel(ctrl_nodes, req, text, sizeof(text), err, sizeof(err)))) {
		ctrl_reply_error(w, err);
		return;
	}
	if (icpt) {
		const struct json_node *ttl = json_get(ctrl_nodes, req, "ttl");
		uint64_t ttl_s;
		if (!ctrl_ttl_arg(ttl, &ttl_s, w))
			return;
		uint64_t gen = dp_pub_load(sh)->generation;
		ctrl_apply_intercept(sh, text, -1, w);
		if (dp_pub_load(sh)->generation == gen)
			return;
		char name[CONF_NAME_MAX];
		ctrl_get_str(req, "name", name, sizeof(name), true, err, sizeof(err));
		/* added: its ttl starts now (a name added again starts afresh) */
		if (ttl == NULL)
			ctrl_ttl_forget(name);
		else if (ctrl_ttl_set(name, ttl_s, worker_ms()) < 0)
			fprintf(stderr, "steerd: intercept '%s': too many ttls, it "
				"will not expire\n", name);
		return;
	}
	struct conf_edit e = { .add_tunnel = text };
	ctrl_apply_edit(sh, &e, w);
}

/* intercept.remove (ICPT) or tunnel.remove: by name; a tunnel only once no
 * intercept uses it. An intercept is found by the ruleset's name index and
 * removed by deriving the new rules from the running ones. */
void ctrl_cmd_remove(struct dp_shared *sh, const struct json_node *req,
		     bool icpt, struct jw *w)
{
	char err[1024], name[CONF_NAME_MAX];

	if (!ctrl_get_str(req, "name", name, sizeof(name), true, err, sizeof(err))) {
		ctrl_reply_error(w, err);
		return;
	}
	const struct steer_conf *c = ctrl_running(sh);
	int i = icpt ? rs_find_intercept(dp_pub_load(sh)->rs, name) :
		       conf_find_tunnel(c, name);
	if (i < 0) {
		snprintf(err, sizeof(err), "no %s named '%s'",
			 icpt ? "intercept" : "tunnel", name);
		ctrl_reply_error(w, err);
		return;
	}
	if (icpt) {
		ctrl_apply_intercept(sh, NULL, i, w);
		if (rs_find_intercept(dp_pub_load(sh)->rs, name) < 0)
			ctrl_ttl_forget(name);
		return;
	}
	for (unsigned k = 0; k < c->n_intercepts; k++)
		if (c->intercepts[k]->tunnel == (unsigned)i) {
			snprintf(err, sizeof(err),
				 "tunnel '%s' is used by intercept '%s'; remove that first",
				 name, c->intercepts[k]->name);
			ctrl_reply_error(w, err);
			return;
		}
	struct conf_edit e = { .drop_tunnel = name };
	ctrl_apply_edit(sh, &e, w);
}

void ctrl_cmd_backend(struct dp_shared *sh, const struct json_node *req,
		      enum conf_backend_op op, struct jw *w)
{
	char svc[CONF_NAME_MAX], addr[64], err[256];
	struct conf_edit e = { .backend_op = op };
	const struct json_node *wt = json_get(ctrl_nodes, req, "weight");

	if (!ctrl_get_str(req, "service", svc, sizeof(svc), true, err, sizeof(err)) ||
	    !ctrl_get_str(req, "address", addr, sizeof(addr), true, err, sizeof(err))) {
		ctrl_reply_error(w, err);
		return;
	}
	if (!parse_addr(addr, &e.backend_ip, &e.backend_port)) {
		ctrl_reply_error(w, "field 'address' must be a.b.c.d:port");
		return;
	}
	if (wt != NULL) {
		long long v;
		if (!json_int(wt, &v) || v < 1 || v > 1000) {
			ctrl_reply_error(w, "field 'weight' must be an integer 1..1000");
			return;
		}
		e.backend_weight = (uint32_t)v;
	}
	e.backend_service = svc;
	ctrl_apply_edit(sh, &e, w);
}
