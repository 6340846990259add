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
		if (n->type != JSON_NUMBER || n->number < 0 || n->number > 16777215 ||
		    n->number != (double)(long long)n->number) {
			snprintf(err, errlen, "field 'vni' must be an integer 0..16777215");
			return false;
		}
		snprintf(num, sizeof(num), "vni = %lld; ", (long long)n->number);
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
