/* An intercept or tunnel as a JSON object (the fields of the control
 * protocol's intercept.add and tunnel.add, docs/control.md, which are also
 * the values under /steer/<cluster>/ in etcd, docs/scale-out.md) into one
 * libconfig group for the loader to validate. Shared by steerd's control
 * commands (ctrl_rules.c) and steerctl --etcd, which validates before it
 * writes. */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "conf_json.h"

bool conf_json_str(const struct json_node *nodes, const struct json_node *req,
		   const char *key, char *buf, size_t len, bool required,
		   char *err, size_t errlen)
{
	const struct json_node *n = json_get(nodes, req, key);

	buf[0] = '\0';
	if (n == NULL) {
		if (required)
			snprintf(err, errlen, "missing field '%s'", key);
		return !required;
	}
	if (n->type != JSON_STRING || json_str_copy(n, buf, len) < 0) {
		snprintf(err, errlen, "field '%s' must be a string of at most %zu bytes",
			 key, len - 1);
		return false;
	}
	return true;
}

/* Append `KEY = "VALUE"; ` to a libconfig text. */
static bool put_kv(char *text, size_t len, const char *key, const char *value,
		   char *err, size_t errlen)
{
	char q[2 * 65536 / 8];
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

bool conf_json_intercept(const struct json_node *nodes,
			 const struct json_node *req, char *text, size_t len,
			   char *err, size_t errlen)
{
	static const char *const strs[] = { "name", "service", "tunnel",
		"path_equal", "path_prefix", "path_regex", "preview" };
	char v[4096];

	text[0] = '\0';
	if (!put_raw(text, len, "{ ", err, errlen))
		return false;
	for (unsigned i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (!conf_json_str(nodes, req, strs[i], v, sizeof(v), i < 3, err, errlen))
			return false;
		if (v[0] == '\0' && json_get(nodes, req, strs[i]) == NULL)
			continue;
		if (!put_kv(text, len, strs[i], v, err, errlen))
			return false;
	}
	const struct json_node *h = json_get(nodes, req, "headers");
	if (h == NULL)
		return put_raw(text, len, "}", err, errlen);
	if (h->type != JSON_ARRAY) {
		snprintf(err, errlen, "field 'headers' must be a list of matchers");
		return false;
	}
	if (!put_raw(text, len, "headers = ( ", err, errlen))
		return false;
	for (uint32_t i = 0; i < h->n_children; i++) {
		const struct json_node *m = json_child(nodes, h, i);
		static const char *const keys[] = { "name", "baggage", "value",
						    "prefix", "regex" };
		if (m == NULL || m->type != JSON_OBJECT) {
			snprintf(err, errlen, "headers[%u] must be an object", i);
			return false;
		}
		if (!put_raw(text, len, i ? ", { " : "{ ", err, errlen))
			return false;
		for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (json_get(nodes, m, keys[k]) == NULL)
				continue;
			if (!conf_json_str(nodes, m, keys[k], v, sizeof(v), true, err, errlen) ||
			    !put_kv(text, len, keys[k], v, err, errlen))
				return false;
		}
		const struct json_node *p = json_get(nodes, m, "present");
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

bool conf_json_tunnel(const struct json_node *nodes,
		      const struct json_node *req, char *text, size_t len,
			char *err, size_t errlen)
{
	static const char *const strs[] = { "name", "type", "target", "remote",
					    "source" };
	char v[256];

	text[0] = '\0';
	if (!put_raw(text, len, "{ ", err, errlen))
		return false;
	for (unsigned i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (json_get(nodes, req, strs[i]) == NULL && i >= 2)
			continue;
		if (!conf_json_str(nodes, req, strs[i], v, sizeof(v), true, err, errlen) ||
		    !put_kv(text, len, strs[i], v, err, errlen))
			return false;
	}
	const struct json_node *n = json_get(nodes, req, "vni");
	if (n != NULL) {
		char num[64];
		long long vni;
		if (!json_int(n, &vni) || vni < 0 || vni > 16777215) {
			snprintf(err, errlen, "field 'vni' must be an integer 0..16777215");
			return false;
		}
		snprintf(num, sizeof(num), "vni = %lld; ", vni);
		if (!put_raw(text, len, num, err, errlen))
			return false;
	}
	n = json_get(nodes, req, "fail_open");
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

/* ---- any group: services, listeners, previews ---- */

/* A libconfig setting name: a letter, then letters, digits, '_' or '-'. */
static bool good_key(const char *k, size_t n)
{
	if (n == 0 || n >= CONF_NAME_MAX ||
	    !((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || k[i] == '-'))
			return false;
	return true;
}

static bool put_value(char *text, size_t len, const struct json_node *nodes,
		      const struct json_node *n, const char *where, int depth,
		      char *err, size_t errlen)
{
	char s[4096], q[sizeof(s) * 2 + 8], num[64];
	long long iv;

	if (depth > 8) {
		snprintf(err, errlen, "%s: nested too deep", where);
		return false;
	}
	switch (n->type) {
	case JSON_NULL:
		snprintf(err, errlen, "%s: null is not a value", where);
		return false;
	case JSON_BOOL:
		return put_raw(text, len, n->boolean ? "true" : "false", err, errlen);
	case JSON_NUMBER:
		/* the schema's numbers are integers; the loader checks ranges */
		if (!json_int(n, &iv)) {
			snprintf(err, errlen, "%s: an integer", where);
			return false;
		}
		snprintf(num, sizeof(num), "%lld%s", iv,
			 iv > 2147483647LL || iv < -2147483648LL ? "L" : "");
		return put_raw(text, len, num, err, errlen);
	case JSON_STRING:
		if (json_str_copy(n, s, sizeof(s)) < 0 ||
		    conf_quote(q, sizeof(q), s) < 0) {
			snprintf(err, errlen, "%s: a string of at most %zu bytes without "
				 "control characters", where, sizeof(s) - 1);
			return false;
		}
		return put_raw(text, len, q, err, errlen);
	case JSON_ARRAY: {
		/* a list of groups, or an array of scalars: what the schema
		 * has (backends, routes; none of scalars yet) */
		bool groups = n->n_children == 0 ||
			      json_child(nodes, n, 0)->type == JSON_OBJECT;
		if (!put_raw(text, len, groups ? "( " : "[ ", err, errlen))
			return false;
		for (uint32_t i = 0; i < n->n_children; i++) {
			const struct json_node *c = json_child(nodes, n, i);
			char w[128];
			snprintf(w, sizeof(w), "%s[%u]", where, i);
			if ((c->type == JSON_OBJECT) != groups) {
				snprintf(err, errlen, "%s: all objects or no object", w);
				return false;
			}
			if ((i && !put_raw(text, len, ", ", err, errlen)) ||
			    !put_value(text, len, nodes, c, w, depth + 1, err, errlen))
				return false;
		}
		return put_raw(text, len, groups ? " )" : " ]", err, errlen);
	}
	case JSON_OBJECT:
		break;
	}
	if (!put_raw(text, len, "{ ", err, errlen))
		return false;
	for (uint32_t i = 0; i < n->n_children; i++) {
		const struct json_node *c = json_child(nodes, n, i);
		char w[160];
		if (!good_key(c->key, c->key_len)) {
			snprintf(err, errlen, "%s: bad key '%.*s'", where,
				 (int)(c->key_len > 63 ? 63 : c->key_len), c->key);
			return false;
		}
		snprintf(w, sizeof(w), "%.*s", (int)c->key_len, c->key);
		if (!put_raw(text, len, w, err, errlen) ||
		    !put_raw(text, len, " = ", err, errlen))
			return false;
		snprintf(w, sizeof(w), "%.100s.%.*s", where, (int)c->key_len, c->key);
		if (!put_value(text, len, nodes, c, w, depth + 1, err, errlen) ||
		    !put_raw(text, len, "; ", err, errlen))
			return false;
	}
	return put_raw(text, len, "}", err, errlen);
}

bool conf_json_group(const struct json_node *nodes, const struct json_node *obj,
		     const char *what, char *text, size_t len, char *err,
		     size_t errlen)
{
	text[0] = '\0';
	if (obj->type != JSON_OBJECT) {
		snprintf(err, errlen, "%s: a JSON object", what);
		return false;
	}
	return put_value(text, len, nodes, obj, what, 0, err, errlen);
}

bool conf_json_object(enum conf_okind kind, const struct json_node *nodes,
		      const struct json_node *obj, char *text, size_t len,
		      char *err, size_t errlen)
{
	if (obj->type != JSON_OBJECT) {
		snprintf(err, errlen, "a JSON object");
		return false;
	}
	switch (kind) {
	case CO_TUNNEL:
		return conf_json_tunnel(nodes, obj, text, len, err, errlen);
	case CO_INTERCEPT:
		return conf_json_intercept(nodes, obj, text, len, err, errlen);
	case CO_SERVICE:
	case CO_LISTENER:
		return conf_json_group(nodes, obj, conf_okind_name(kind), text, len,
				       err, errlen);
	case CO_KINDS:
		break;
	}
	snprintf(err, errlen, "no such kind of object");
	return false;
}
