/* steerctl --etcd: the cluster's rules in etcd (docs/scale-out.md).
 * A change is validated before it is written: the prefix is read with its
 * revision, the would-be rule set (the node configuration of --config
 * plus every rule object in etcd, with the change) is loaded and
 * compiled as steerd would, and the write is a txn that holds only if no
 * key under the prefix changed since that revision. A lost race is
 * retried with a fresh read, a few times. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "conf_json_out.h"
#include "etcd.h"
#include "etcd_layout.h"
#include "rules.h"
#include "steerctl_etcd-int.h"

#define RETRIES 5

int fail(struct ectx *x, const char *what)
{
	fprintf(stderr, "%s: %s%s%s\n", STEERCTL, what, *x->err ? ": " : "", x->err);
	return 1;
}

int call(struct ectx *x, const char *path, struct jw *w, struct etcd_resp *r)
{
	int rc;

	if (w->failed) {
		snprintf(x->err, sizeof(x->err), "out of memory");
		return -ENOMEM;
	}
	rc = etcd_call(&x->c, path, w->buf, w->len, r, x->err, sizeof(x->err));
	jw_free(w);
	return rc;
}

int range_prefix(struct ectx *x, struct etcd_resp *r)
{
	struct jw w;

	jw_init(&w);
	etcd_req_range(&w, x->prefix, true);
	return call(x, "/v3/kv/range", &w, r);
}

struct steer_conf *etcd_node_conf(struct ectx *x)
{
	if (x->o->config == NULL) {
		snprintf(x->err, sizeof(x->err), "--config FILE is needed: the node "
			 "configuration (services, listeners) the change is "
			 "validated against");
		return NULL;
	}
	return conf_load_file(x->o->config, x->err, sizeof(x->err));
}

/* Validate the prefix's rules with the N changes CH made. */
static int validate(struct ectx *x, const struct etcd_resp *cur,
		    const struct change *ch, unsigned n)
{
	struct etcd_kv *kvs = calloc(cur->n_kvs + n + 1, sizeof(*kvs));
	struct steer_conf *base, *c;
	unsigned k = 0;

	if (kvs == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < cur->n_kvs; i++) {
		bool changed = false;
		for (unsigned j = 0; j < n && !changed; j++)
			changed = strcmp(cur->kvs[i].key, ch[j].key) == 0;
		if (!changed)
			kvs[k++] = cur->kvs[i];
	}
	for (unsigned j = 0; j < n; j++)
		if (ch[j].val != NULL) {
			memcpy(kvs[k].key, ch[j].key, sizeof(kvs[k].key));
			kvs[k].value = ch[j].val;
			kvs[k++].value_len = strlen(ch[j].val);
		}
	if ((base = etcd_node_conf(x)) == NULL) {
		free(kvs);
		return -EINVAL;
	}
	c = etcd_conf_apply(base, x->prefix, kvs, k, true, x->err, sizeof(x->err));
	conf_free(base);
	free(kvs);
	if (c == NULL)
		return -EINVAL;
	conf_free(c);
	return 0;
}

static void changes_free(struct change *ch, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(ch[i].val);
}

int write_changes(struct ectx *x, const char *what, make_fn make, void *arg,
		  int64_t lease, const char *absent)
{
	char epoch[ETCD_KEY_MAX];

	etcd_key(epoch, sizeof(epoch), x->cluster, EK_EPOCH, "");
	for (int attempt = 0; attempt < RETRIES; attempt++) {
		static struct change ch[CHANGES_MAX];
		const char *keys[CHANGES_MAX], *vals[CHANGES_MAX];
		struct etcd_resp cur, r;
		unsigned n = 0;
		struct jw w;
		int rc;

		if (range_prefix(x, &cur) < 0)
			return fail(x, "reading etcd");
		x->err[0] = '\0';
		if ((rc = make(x, &cur, ch, &n, arg)) < 0) {
			changes_free(ch, n);
			etcd_resp_free(&cur);
			return fail(x, what);
		}
		rc = validate(x, &cur, ch, n);
		etcd_resp_free(&cur);
		if (rc < 0) {
			changes_free(ch, n);
			return fail(x, "refused, nothing written");
		}
		for (unsigned i = 0; i < n; i++) {
			keys[i] = ch[i].key;
			vals[i] = ch[i].val;
		}
		jw_init(&w);
		etcd_req_txn_n(&w, x->prefix, cur.revision, absent, keys, vals, n,
			       lease, epoch);
		changes_free(ch, n);
		if (call(x, "/v3/kv/txn", &w, &r) < 0)
			return fail(x, "writing etcd");
		etcd_resp_free(&r);
		if (r.succeeded) {
			printf("%s: ok (etcd revision %lld)\n", what, (long long)r.revision);
			return flush_stdout();
		}
		/* someone wrote under the prefix since we read it: again */
	}
	snprintf(x->err, sizeof(x->err), "the rules in etcd kept changing under us "
		 "(%d attempts); nothing written, try again", RETRIES);
	return fail(x, what);
}

/* One key to a value given in advance (write_checked()). */
struct one {
	const char *key, *val;
	bool must_not_exist;
};

static int make_one(struct ectx *x, const struct etcd_resp *cur,
		    struct change *ch, unsigned *n, void *arg)
{
	const struct one *o = arg;
	bool exists = false;

	for (unsigned i = 0; i < cur->n_kvs; i++)
		exists |= strcmp(cur->kvs[i].key, o->key) == 0;
	if (o->must_not_exist && exists) {
		snprintf(x->err, sizeof(x->err), "%s already exists", o->key);
		return -EEXIST;
	}
	if (o->val == NULL && !exists) {
		snprintf(x->err, sizeof(x->err), "no key %s", o->key);
		return -ENOENT;
	}
	snprintf(ch[0].key, sizeof(ch[0].key), "%s", o->key);
	ch[0].val = o->val ? strdup(o->val) : NULL;
	if (o->val != NULL && ch[0].val == NULL)
		return -ENOMEM;
	*n = 1;
	return 0;
}

/* Write KEY = VAL (NULL: delete) after validating, retrying lost races. */
static int write_checked(struct ectx *x, const char *what, const char *key,
			 const char *val, int64_t lease, bool must_not_exist)
{
	struct one o = { key, val, must_not_exist };

	return write_changes(x, what, make_one, &o, lease,
			     must_not_exist ? key : NULL);
}

static int lease_grant(struct ectx *x, int64_t ttl, int64_t *id)
{
	struct etcd_resp r;
	struct jw w;

	jw_init(&w);
	etcd_req_lease_grant(&w, ttl);
	if (call(x, "/v3/lease/grant", &w, &r) < 0)
		return -1;
	*id = r.id;
	return 0;
}

static void lease_revoke(struct ectx *x, int64_t id)
{
	struct etcd_resp r;
	struct jw w;

	jw_init(&w);
	etcd_req_lease_id(&w, id);
	if (call(x, "/v3/lease/revoke", &w, &r) == 0)
		etcd_resp_free(&r);
}

/* add: the request's fields but "cmd" and "ttl" are the value. */
static int do_add(struct ectx *x, enum etcd_kind kind, const char *req, size_t len)
{
	static struct json_node nodes[4096];
	static const char *const skip[] = { "cmd", "ttl", NULL };
	const char *jerr;
	char name[CONF_NAME_MAX], key[ETCD_KEY_MAX], what[300];
	int64_t lease = 0;
	struct jw v;
	int rc;

	if (json_parse(req, len, nodes, 4096, &jerr) < 0)
		return fail(x, "internal: bad request");
	const struct json_node *nm = json_get(nodes, &nodes[0], "name");
	const struct json_node *ttl = json_get(nodes, &nodes[0], "ttl");
	if (nm == NULL || json_str_copy(nm, name, sizeof(name)) < 0 ||
	    etcd_key(key, sizeof(key), x->cluster, kind, name) < 0) {
		snprintf(x->err, sizeof(x->err), "a name without '/', at most %d bytes",
			 CONF_NAME_MAX - 1);
		return fail(x, "bad name");
	}
	jw_init(&v);
	conf_json_copy(&v, nodes, &nodes[0], skip);
	if (v.failed)
		return fail(x, "out of memory");
	snprintf(what, sizeof(what), "%s add %s",
		 kind == EK_TUNNEL ? "tunnel" : "intercept", name);
	if (ttl != NULL && lease_grant(x, (int64_t)ttl->number, &lease) < 0) {
		jw_free(&v);
		return fail(x, "granting a lease");
	}
	rc = write_checked(x, what, key, v.buf, lease, true);
	if (rc != 0 && lease != 0)
		lease_revoke(x, lease);
	jw_free(&v);
	return rc;
}

static int do_remove(struct ectx *x, enum etcd_kind kind, const char *name)
{
	char key[ETCD_KEY_MAX], what[300];

	if (etcd_key(key, sizeof(key), x->cluster, kind, name) < 0)
		return fail(x, "bad name");
	snprintf(what, sizeof(what), "%s remove %s",
		 kind == EK_TUNNEL ? "tunnel" : "intercept", name);
	return write_checked(x, what, key, NULL, 0, false);
}

/* Seconds left on lease ID, -1 if none. */
static long long lease_left(struct ectx *x, int64_t id)
{
	struct etcd_resp r;
	struct jw w;

	if (id == 0)
		return -1;
	jw_init(&w);
	etcd_req_lease_id(&w, id);
	if (call(x, "/v3/lease/timetolive", &w, &r) < 0)
		return -1;
	return r.ttl;
}

static int do_list(struct ectx *x, enum etcd_kind kind)
{
	struct etcd_resp r;
	char name[CONF_NAME_MAX];

	if (range_prefix(x, &r) < 0)
		return fail(x, "reading etcd");
	if (!x->o->json)
		printf("%-24s %-10s %-8s %s\n", "NAME", "REVISION", "TTL", "VALUE");
	for (unsigned i = 0; i < r.n_kvs; i++) {
		if (etcd_key_kind(x->prefix, r.kvs[i].key, name, sizeof(name)) != kind)
			continue;
		long long left = lease_left(x, r.kvs[i].lease);
		if (x->o->json) {
			printf("{\"key\":\"%s\",\"mod_revision\":%lld,\"ttl_left\":%lld,"
			       "\"value\":%s}\n", r.kvs[i].key,
			       (long long)r.kvs[i].mod_rev, left, r.kvs[i].value);
			continue;
		}
		char t[24] = "-";
		if (left >= 0)
			snprintf(t, sizeof(t), "%llds", left);
		printf("%-24s %-10lld %-8s %s\n", name, (long long)r.kvs[i].mod_rev,
		       t, r.kvs[i].value);
	}
	if (!x->o->json)
		printf("(etcd revision %lld)\n", (long long)r.revision);
	etcd_resp_free(&r);
	return flush_stdout();
}

/* renew: keep the intercept's lease alive (its TTL starts again); with
 * --ttl, a new lease of that length replaces it. */
static int do_renew(struct ectx *x, const char *name, long long ttl)
{
	char key[ETCD_KEY_MAX];
	struct etcd_resp r, k;
	struct jw w;

	if (etcd_key(key, sizeof(key), x->cluster, EK_INTERCEPT, name) < 0)
		return fail(x, "bad name");
	jw_init(&w);
	etcd_req_range(&w, key, false);
	if (call(x, "/v3/kv/range", &w, &r) < 0)
		return fail(x, "reading etcd");
	if (r.n_kvs != 1 || r.kvs[0].lease == 0) {
		etcd_resp_free(&r);
		snprintf(x->err, sizeof(x->err), "%s", r.n_kvs ? "it has no --ttl" :
			 "no such intercept in etcd");
		return fail(x, "intercept renew");
	}
	int64_t old = r.kvs[0].lease, lease = old;
	if (ttl > 0) {
		if (lease_grant(x, ttl, &lease) < 0) {
			etcd_resp_free(&r);
			return fail(x, "granting a lease");
		}
		jw_init(&w);
		etcd_req_put(&w, key, r.kvs[0].value, lease);
		etcd_resp_free(&r);
		if (call(x, "/v3/kv/put", &w, &k) < 0)
			return fail(x, "writing etcd");
		lease_revoke(x, old);
	} else {
		etcd_resp_free(&r);
		jw_init(&w);
		etcd_req_lease_id(&w, old);
		if (call(x, "/v3/lease/keepalive", &w, &k) < 0)
			return fail(x, "renewing the lease");
		if (k.ttl <= 0) {
			snprintf(x->err, sizeof(x->err), "its lease has expired");
			return fail(x, "intercept renew");
		}
	}
	printf("intercept renew %s: ok (%llds left)\n", name, lease_left(x, lease));
	return flush_stdout();
}

/* status --cluster: every node's registration. */
static int do_cluster_status(struct ectx *x)
{
	struct etcd_resp r;
	char name[CONF_NAME_MAX];

	if (range_prefix(x, &r) < 0)
		return fail(x, "reading etcd");
	printf("cluster %s, etcd revision %lld\n", x->cluster, (long long)r.revision);
	printf("%-20s %s\n", "NODE", "STATE");
	for (unsigned i = 0; i < r.n_kvs; i++)
		if (etcd_key_kind(x->prefix, r.kvs[i].key, name, sizeof(name)) == EK_NODE)
			printf("%-20s %s\n", name, r.kvs[i].value);
	etcd_resp_free(&r);
	return flush_stdout();
}

int do_etcd(const struct cli_opts *o, int argc, char **argv)
{
	struct ectx x = { .o = o, .cluster = o->cluster ? o->cluster : "default" };
	char cmd[64];
	struct jw w;
	int rc = 2;

	if (etcd_client_init(&x.c, o->etcd, o->timeout_ms, x.err, sizeof(x.err)) < 0 ||
	    etcd_prefix(x.prefix, sizeof(x.prefix), x.cluster) < 0) {
		fprintf(stderr, "%s: %s\n", STEERCTL, *x.err ? x.err : "bad --cluster");
		return 2;
	}
	if (argc >= 2 && strcmp(argv[0], "status") == 0 &&
	    strcmp(argv[1], "--cluster") == 0)
		return do_cluster_status(&x);
	if (argc >= 1 && strcmp(argv[0], "import") == 0) {
		if (argc != 2) {
			fprintf(stderr, "%s: usage: import FILE\n", STEERCTL);
			return 2;
		}
		return etcd_import(&x, argv[1]);
	}
	jw_init(&w);
	if (cli_request(argc, argv, &w, x.err, sizeof(x.err)) != 0 ||
	    cli_request_cmd(w.buf, w.len, cmd, sizeof(cmd)) != 0) {
		fprintf(stderr, "%s: %s\n", STEERCTL, x.err);
		goto out;
	}
	if (strcmp(cmd, "dump") == 0) {
		rc = etcd_dump(&x);
		goto out;
	}
	if (strncmp(cmd, "backend.", 8) == 0) {
		rc = etcd_backend(&x, w.buf, w.len);
		goto out;
	}
	bool icpt = strncmp(cmd, "intercept.", 10) == 0;
	enum etcd_kind kind = icpt ? EK_INTERCEPT : EK_TUNNEL;
	const char *verb = strchr(cmd, '.') ? strchr(cmd, '.') + 1 : cmd;
	if (!icpt && strncmp(cmd, "tunnel.", 7) != 0) {
		fprintf(stderr, "%s: with --etcd: intercept add|remove|list|renew, "
			"tunnel add|remove|list, backend add|remove|drain|list, "
			"import FILE, dump, status --cluster\n", STEERCTL);
		goto out;
	}
	if (strcmp(verb, "add") == 0) {
		rc = do_add(&x, kind, w.buf, w.len);
	} else if (strcmp(verb, "list") == 0) {
		rc = do_list(&x, kind);
	} else if (strcmp(verb, "remove") == 0 || strcmp(verb, "renew") == 0) {
		static struct json_node nodes[64];
		const char *jerr;
		char name[CONF_NAME_MAX] = "";
		json_parse(w.buf, w.len, nodes, 64, &jerr);
		json_str_copy(json_get(nodes, &nodes[0], "name"), name, sizeof(name));
		const struct json_node *t = json_get(nodes, &nodes[0], "ttl");
		rc = strcmp(verb, "remove") == 0 ? do_remove(&x, kind, name) :
		     do_renew(&x, name, t ? (long long)t->number : 0);
	} else {
		fprintf(stderr, "%s: %s is not for --etcd\n", STEERCTL, cmd);
	}
out:
	jw_free(&w);
	return rc;
}
