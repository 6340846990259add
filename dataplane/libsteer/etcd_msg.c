/* etcd's JSON gateway messages (etcd.h): request bodies built with the
 * JSON writer, responses read with the bounded parser. Pure: no sockets,
 * so tests/unit/etcd_test.c feeds it recorded answers of a real etcd 3.4.
 * The gateway writes int64 fields as strings and omits fields at their
 * proto3 default (a PUT event has no "type", a failed txn no
 * "succeeded"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int etcd_b64_encode(const void *in, size_t n, char *out, size_t outlen)
{
	const unsigned char *p = in;
	size_t o = 0;

	if ((n + 2) / 3 * 4 + 1 > outlen)
		return -1;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return (int)o;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

int etcd_b64_decode(const char *in, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	if (n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		unsigned pad = 0;
		for (int k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == n && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad || (v[k] = b64_val(in[i + k])) < 0)
				return -1;
		}
		unsigned x = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 |
			     (unsigned)v[2] << 6 | (unsigned)v[3];
		if (o + 3 - pad + 1 > outlen)
			return -1;
		out[o++] = (char)(x >> 16);
		if (pad < 2)
			out[o++] = (char)(x >> 8 & 255);
		if (pad < 1)
			out[o++] = (char)(x & 255);
	}
	if (o + 1 > outlen)
		return -1;
	out[o] = '\0';
	return (int)o;
}

void etcd_prefix_end(const char *prefix, char *out, size_t outlen)
{
	size_t n = strlen(prefix);

	snprintf(out, outlen, "%s", prefix);
	/* our prefixes end in '/', never 0xff, so one byte up is enough */
	if (n > 0 && n < outlen)
		out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
}

static void put_b64(struct jw *w, const char *name, const char *s, size_t n)
{
	char *e = malloc((n + 2) / 3 * 4 + 1);

	if (e == NULL) {
		w->failed = true;
		return;
	}
	etcd_b64_encode(s, n, e, (n + 2) / 3 * 4 + 1);
	jw_key(w, name);
	jw_str(w, e);
	free(e);
}

static void put_i64(struct jw *w, const char *name, int64_t v)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld", (long long)v);
	jw_key(w, name);
	jw_str(w, s);
}

static void key_range(struct jw *w, const char *key, bool prefix)
{
	char end[ETCD_KEY_MAX];

	put_b64(w, "key", key, strlen(key));
	if (prefix) {
		etcd_prefix_end(key, end, sizeof(end));
		put_b64(w, "range_end", end, strlen(end));
	}
}

void etcd_req_range(struct jw *w, const char *key, bool prefix)
{
	jw_obj_begin(w);
	key_range(w, key, prefix);
	jw_obj_end(w);
}

static void put_body(struct jw *w, const char *key, const char *val,
		     int64_t lease)
{
	put_b64(w, "key", key, strlen(key));
	put_b64(w, "value", val, strlen(val));
	if (lease != 0)
		put_i64(w, "lease", lease);
}

void etcd_req_put(struct jw *w, const char *key, const char *val, int64_t lease)
{
	jw_obj_begin(w);
	put_body(w, key, val, lease);
	jw_obj_end(w);
}

void etcd_req_delete(struct jw *w, const char *key)
{
	etcd_req_range(w, key, false);
}

void etcd_req_watch(struct jw *w, const char *prefix, int64_t start_rev)
{
	jw_obj_begin(w);
	jw_key(w, "create_request");
	jw_obj_begin(w);
	key_range(w, prefix, true);
	if (start_rev > 0)
		put_i64(w, "start_revision", start_rev);
	jw_obj_end(w);
	jw_obj_end(w);
}

void etcd_req_lease_grant(struct jw *w, int64_t ttl_s)
{
	jw_obj_begin(w);
	put_i64(w, "TTL", ttl_s);
	jw_obj_end(w);
}

void etcd_req_lease_id(struct jw *w, int64_t id)
{
	jw_obj_begin(w);
	put_i64(w, "ID", id);
	jw_obj_end(w);
}

void etcd_req_txn(struct jw *w, const char *prefix, int64_t rev,
		  const char *absent, const char *key, const char *val,
		  int64_t lease, const char *epoch_key)
{
	etcd_req_txn_n(w, prefix, rev, absent, &key, &val, 1, lease, epoch_key);
}

void etcd_req_txn_n(struct jw *w, const char *prefix, int64_t rev,
		    const char *absent, const char *const *keys,
		    const char *const *vals, unsigned n, int64_t lease,
		    const char *epoch_key)
{
	jw_obj_begin(w);
	jw_key(w, "compare");
	jw_arr_begin(w);
	jw_obj_begin(w);
	jw_key(w, "result");
	jw_str(w, "LESS");
	jw_key(w, "target");
	jw_str(w, "MOD");
	key_range(w, prefix, true);
	put_i64(w, "mod_revision", rev + 1);
	jw_obj_end(w);
	if (absent != NULL) {
		jw_obj_begin(w);
		jw_key(w, "result");
		jw_str(w, "EQUAL");
		jw_key(w, "target");
		jw_str(w, "CREATE");
		put_b64(w, "key", absent, strlen(absent));
		put_i64(w, "create_revision", 0);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "success");
	jw_arr_begin(w);
	for (unsigned i = 0; i < n; i++) {
		jw_obj_begin(w);
		if (vals[i] != NULL) {
			jw_key(w, "request_put");
			jw_obj_begin(w);
			put_body(w, keys[i], vals[i], lease);
		} else {
			jw_key(w, "request_delete_range");
			jw_obj_begin(w);
			put_b64(w, "key", keys[i], strlen(keys[i]));
		}
		jw_obj_end(w);
		jw_obj_end(w);
	}
	if (epoch_key != NULL) {
		jw_obj_begin(w);
		jw_key(w, "request_put");
		jw_obj_begin(w);
		put_body(w, epoch_key, n ? keys[0] : "", 0);
		jw_obj_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

/* ---- responses ---- */

/* An int64 field, as the gateway writes it (a string) or as a number;
 * absent is 0. */
static int64_t get_i64(const struct json_node *nodes,
		       const struct json_node *o, const char *key)
{
	const struct json_node *n = o ? json_get(nodes, o, key) : NULL;
	char s[32];
	long long v;

	if (n == NULL)
		return 0;
	if (n->type == JSON_NUMBER)
		return json_int(n, &v) ? v : 0;
	if (n->type != JSON_STRING || json_str_copy(n, s, sizeof(s)) < 0)
		return 0;
	return strtoll(s, NULL, 10);
}

static bool get_bool(const struct json_node *nodes,
		     const struct json_node *o, const char *key)
{
	const struct json_node *n = json_get(nodes, o, key);
	return n != NULL && n->type == JSON_BOOL && n->boolean;
}

/* A base64 string member into a malloc'd buffer; NULL if absent. */
static int get_b64(const struct json_node *nodes, const struct json_node *o,
		   const char *key, char **out, size_t *len)
{
	const struct json_node *n = json_get(nodes, o, key);

	*out = NULL;
	*len = 0;
	if (n == NULL)
		return 0;
	if (n->type != JSON_STRING || n->escaped)
		return -EPROTO;
	if ((*out = malloc(n->str_len / 4 * 3 + 1)) == NULL)
		return -ENOMEM;
	int r = etcd_b64_decode(n->str, n->str_len, *out, n->str_len / 4 * 3 + 1);
	if (r < 0) {
		free(*out);
		*out = NULL;
		return -EPROTO;
	}
	*len = (size_t)r;
	return 0;
}

static int parse_kv(const struct json_node *nodes, const struct json_node *kv,
		    bool deleted, struct etcd_kv *out)
{
	char *k;
	size_t kl;
	int r;

	if (kv == NULL || kv->type != JSON_OBJECT)
		return -EPROTO;
	if ((r = get_b64(nodes, kv, "key", &k, &kl)) < 0)
		return r;
	if (k == NULL || kl == 0 || kl >= sizeof(out->key) || memchr(k, 0, kl)) {
		free(k);
		return -EPROTO;
	}
	memcpy(out->key, k, kl + 1);
	free(k);
	out->create_rev = get_i64(nodes, kv, "create_revision");
	out->mod_rev = get_i64(nodes, kv, "mod_revision");
	out->lease = get_i64(nodes, kv, "lease");
	if (deleted)
		return 0;
	if ((r = get_b64(nodes, kv, "value", &out->value, &out->value_len)) < 0)
		return r;
	if (out->value == NULL && (out->value = calloc(1, 1)) == NULL)
		return -ENOMEM;   /* an empty value is omitted, like any default */
	return 0;
}

/* "kvs" of a range, or "events" of a watch message. */
static int parse_list(const struct json_node *nodes, const struct json_node *l,
		      bool events, struct etcd_resp *r)
{
	if (l == NULL)
		return 0;
	/* A range has "kvs", a watch message "events": never both (the
	 * second list would overwrite the first's array). */
	if (l->type != JSON_ARRAY || r->kvs != NULL)
		return -EPROTO;
	if (l->n_children && (r->kvs = calloc(l->n_children, sizeof(*r->kvs))) == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < l->n_children; i++) {
		const struct json_node *e = json_child(nodes, l, i), *kv = e;
		bool del = false;
		int rc;
		if (events) {
			const struct json_node *t = e ? json_get(nodes, e, "type") : NULL;
			del = t != NULL && t->type == JSON_STRING &&
			      t->str_len == 6 && memcmp(t->str, "DELETE", 6) == 0;
			kv = e ? json_get(nodes, e, "kv") : NULL;
		}
		rc = parse_kv(nodes, kv, del, &r->kvs[r->n_kvs]);
		r->n_kvs++;    /* so that etcd_resp_free() frees a half-parsed one */
		if (rc < 0)
			return rc;
	}
	return 0;
}

int etcd_parse(const char *body, size_t len, struct etcd_resp *r)
{
	/* every JSON node takes at least two bytes of text but the last
	 * (a digit and a comma): a range of thousands of keys fits */
	size_t max = len / 2 + 16 > ETCD_NODES_MAX ? len / 2 + 16 : ETCD_NODES_MAX;
	if (max > UINT32_MAX / 2)
		return -ENOMEM;
	struct json_node *nodes = malloc(max * sizeof(*nodes));
	const char *jerr;
	int rc = -EPROTO;

	memset(r, 0, sizeof(*r));
	if (nodes == NULL)
		return -ENOMEM;
	if (json_parse(body, len, nodes, (unsigned)max, &jerr) < 0 ||
	    nodes[0].type != JSON_OBJECT) {
		snprintf(r->error, sizeof(r->error), "etcd: not a JSON object: %.*s",
			 (int)(len > 80 ? 80 : len), body);
		goto out;
	}
	const struct json_node *o = &nodes[0], *e = json_get(nodes, o, "error");
	const struct json_node *res = json_get(nodes, o, "result");
	if (e != NULL) {
		const struct json_node *m = json_get(nodes, o, "message");
		char msg[200] = "?";
		if (m == NULL || m->type != JSON_STRING)
			m = e;
		if (m->type == JSON_STRING)
			json_str_copy(m, msg, sizeof(msg));
		snprintf(r->error, sizeof(r->error), "etcd: %s", msg);
		rc = -EREMOTEIO;
		goto out;
	}
	if (res != NULL) {
		if (res->type != JSON_OBJECT)
			goto out;
		o = res;
	}
	const struct json_node *h = json_get(nodes, o, "header");
	r->revision = get_i64(nodes, h, "revision");
	r->succeeded = get_bool(nodes, o, "succeeded");
	r->created = get_bool(nodes, o, "created");
	r->canceled = get_bool(nodes, o, "canceled");
	r->compact_rev = get_i64(nodes, o, "compact_revision");
	r->id = get_i64(nodes, o, "ID");
	r->ttl = get_i64(nodes, o, "TTL");
	rc = parse_list(nodes, json_get(nodes, o, "kvs"), false, r);
	if (rc == 0)
		rc = parse_list(nodes, json_get(nodes, o, "events"), true, r);
	if (rc == -EPROTO)
		snprintf(r->error, sizeof(r->error), "etcd: a key-value of the wrong shape");
out:
	/* A failed parse keeps nothing (callers free only what succeeded;
	 * etcd_resp_free() is idempotent for those that free anyway). */
	if (rc < 0)
		etcd_resp_free(r);
	free(nodes);
	return rc;
}

void etcd_resp_free(struct etcd_resp *r)
{
	for (unsigned i = 0; i < r->n_kvs; i++)
		free(r->kvs[i].value);
	free(r->kvs);
	r->kvs = NULL;
	r->n_kvs = 0;
}
