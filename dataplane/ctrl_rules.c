/* The control commands that change the rules: intercept.add and .remove,
 * tunnel.add and .remove, backend.add, .remove and .drain
 * (docs/control.md). Each turns its request into a struct conf_edit, which
 * ctrl_apply_edit() (ctrl_reload.c) applies, or for an intercept into the
 * arguments of ctrl_apply_intercept(); the added intercept or tunnel is
 * written as libconfig text here, for the loader's code to validate.
 * Dispatched by ctrl.c. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "ctrl-int.h"
#include "json.h"
#include "publish.h"
#include "rules.h"

/* Append `KEY = "VALUE"; ` to a libconfig text. */
static bool put_kv(char *text, size_t len, const char *key, const char *value,
		   char *err, size_t errlen)
{
	char q[2 * LINE_MAX_BYTES / 8];
	size_t n = strlen(text);

	if (conf_quote(q, sizeof(q), value) < 0) {
		snprintf(err, errlen, "field '%s': control characters are not allowed", key);
		return false;
	}
	if ((size_t)snprintf(text + n, len - n, "%s = %s; ", key, q) >= len - n) {
		snprintf(err, errlen, "request too large");
		return false;
	}
	return true;
}

static bool put_raw(char *text, size_t len, const char *s, char *err, size_t errlen)
{
	size_t n = strlen(text);

	if ((size_t)snprintf(text + n, len - n, "%s", s) >= len - n) {
		snprintf(err, errlen, "request too large");
		return false;
	}
	return true;
}

/* intercept.add fields -> one libconfig group (the loader validates it). */
static bool intercept_text(const struct json_node *req, char *text, size_t len,
			   char *err, size_t errlen)
{
	static const char *const strs[] = { "name", "service", "tunnel",
		"path_equal", "path_prefix", "path_regex", "preview" };
	char v[4096];

	text[0] = '\0';
	if (!put_raw(text, len, "{ ", err, errlen))
		return false;
	for (unsigned i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (!ctrl_get_str(req, strs[i], v, sizeof(v), i < 3, err, errlen))
			return false;
		if (v[0] == '\0' && json_get(ctrl_nodes, req, strs[i]) == NULL)
			continue;
		if (!put_kv(text, len, strs[i], v, err, errlen))
			return false;
	}
	const struct json_node *h = json_get(ctrl_nodes, req, "headers");
	if (h == NULL)
		return put_raw(text, len, "}", err, errlen);
	if (h->type != JSON_ARRAY) {
		snprintf(err, errlen, "field 'headers' must be a list of matchers");
		return false;
	}
	if (!put_raw(text, len, "headers = ( ", err, errlen))
		return false;
	for (uint32_t i = 0; i < h->n_children; i++) {
		const struct json_node *m = json_child(ctrl_nodes, h, i);
		static const char *const keys[] = { "name", "baggage", "value",
						    "prefix", "regex" };
		if (m == NULL || m->type != JSON_OBJECT) {
			snprintf(err, errlen, "headers[%u] must be an object", i);
			return false;
		}
		if (!put_raw(text, len, i ? ", { " : "{ ", err, errlen))
			return false;
		for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (json_get(ctrl_nodes, m, keys[k]) == NULL)
				continue;
			if (!ctrl_get_str(m, keys[k], v, sizeof(v), true, err, errlen) ||
			    !put_kv(text, len, keys[k], v, err, errlen))
				return false;
		}
		const struct json_node *p = json_get(ctrl_nodes, m, "present");
		if (p != NULL) {
			if (p->type != JSON_BOOL) {
				snprintf(err, errlen, "headers[%u].present must be true", i);
				return false;
			}
			if (!put_raw(text, len, p->boolean ? "present = true; " :
				     "present = false; ", err, errlen))
				return false;
		}
		if (!put_raw(text, len, "}", err, errlen))
			return false;
	}
	return put_raw(text, len, " ); }", err, errlen);
}

static bool tunnel_text(const struct json_node *req, char *text, size_t len,
			char *err, size_t errlen)
{
	static const char *const strs[] = { "name", "type", "target", "remote",
					    "source" };
	char v[256];

	text[0] = '\0';
	if (!put_raw(text, len, "{ ", err, errlen))
		return false;
	for (unsigned i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (json_get(ctrl_nodes, req, strs[i]) == NULL && i >= 2)
			continue;
		if (!ctrl_get_str(req, strs[i], v, sizeof(v), true, err, errlen) ||
		    !put_kv(text, len, strs[i], v, err, errlen))
			return false;
	}
	const struct json_node *n = json_get(ctrl_nodes, req, "vni");
	if (n != NULL) {
		char num[64];
		if (n->type != JSON_NUMBER || n->number < 0 || n->number > 16777215 ||
		    n->number != (double)(long long)n->number) {
			snprintf(err, errlen, "field 'vni' must be an integer 0..16777215");
			return false;
		}
		snprintf(num, sizeof(num), "vni = %lld; ", (long long)n->number);
		if (!put_raw(text, len, num, err, errlen))
			return false;
	}
	n = json_get(ctrl_nodes, req, "fail_open");
	if (n != NULL) {
		if (n->type != JSON_BOOL) {
			snprintf(err, errlen, "field 'fail_open' must be true or false");
			return false;
		}
		if (!put_raw(text, len, n->boolean ? "fail_open = true; " :
			     "fail_open = false; ", err, errlen))
			return false;
	}
	return put_raw(text, len, "}", err, errlen);
}

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

	if (!(icpt ? intercept_text(req, text, sizeof(text), err, sizeof(err)) :
		     tunnel_text(req, text, sizeof(text), err, sizeof(err)))) {
		ctrl_reply_error(w, err);
		return;
	}
	if (icpt) {
		ctrl_apply_intercept(sh, text, -1, w);
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
		if (wt->type != JSON_NUMBER || wt->number < 1 || wt->number > 1000 ||
		    wt->number != (double)(long long)wt->number) {
			ctrl_reply_error(w, "field 'weight' must be an integer 1..1000");
			return;
		}
		e.backend_weight = (uint32_t)wt->number;
	}
	e.backend_service = svc;
	ctrl_apply_edit(sh, &e, w);
}
