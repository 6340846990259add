/* steerctl --etcd on services, listeners and previews (docs/scale-out.md):
 * import a file's into etcd, change a backend of a service there, list
 * the backends, and dump the configuration a node of the cluster runs.
 * Every write goes through write_changes(): validated against the node
 * file with every object in etcd, then compared on the revision read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_json_out.h"
#include "steerctl_etcd-int.h"

/* ---- import ---- */

static char *json_of(void (*put)(struct jw *, const struct steer_conf *, unsigned),
		     const struct steer_conf *c, unsigned i)
{
	struct jw w;

	jw_init(&w);
	put(&w, c, i);
	if (w.failed) {
		jw_free(&w);
		return NULL;
	}
	return w.buf;
}

static void put_previews(struct jw *w, const struct steer_conf *c, unsigned i)
{
	(void)i;
	conf_json_put_previews(w, c);
}

static int make_import(struct ectx *x, const struct etcd_resp *cur,
		       struct change *ch, unsigned *n, void *arg)
{
	const struct steer_conf *c = arg;
	unsigned k = 0;

	(void)cur;
	if (c->n_services + c->n_listeners + 1 > CHANGES_MAX) {
		snprintf(x->err, sizeof(x->err), "%u services and listeners: one write "
			 "takes at most %d keys (etcd's txn limit); import smaller files",
			 c->n_services + c->n_listeners, CHANGES_MAX - 1);
		return -E2BIG;
	}
	for (unsigned i = 0; i < c->n_services; i++, k++) {
		etcd_key(ch[k].key, sizeof(ch[k].key), x->cluster, EK_SERVICE,
			 c->services[i].name);
		if ((ch[k].val = json_of(conf_json_put_service, c, i)) == NULL)
			goto oom;
	}
	for (unsigned i = 0; i < c->n_listeners; i++, k++) {
		etcd_key(ch[k].key, sizeof(ch[k].key), x->cluster, EK_LISTENER,
			 c->listeners[i].name);
		if ((ch[k].val = json_of(conf_json_put_listener, c, i)) == NULL)
			goto oom;
	}
	etcd_key(ch[k].key, sizeof(ch[k].key), x->cluster, EK_PREVIEWS, "");
	if ((ch[k++].val = json_of(put_previews, c, 0)) == NULL)
		goto oom;
	*n = k;
	return 0;
oom:
	*n = k;
	snprintf(x->err, sizeof(x->err), "out of memory");
	return -ENOMEM;
}

int etcd_import(struct ectx *x, const char *file)
{
	char what[600];
	struct steer_conf *c = conf_load_file(file, x->err, sizeof(x->err));

	if (c == NULL)
		return fail(x, "import");
	snprintf(what, sizeof(what), "import %s (%u services, %u listeners, previews)",
		 file, c->n_services, c->n_listeners);
	int rc = write_changes(x, what, make_import, c, 0, NULL);
	conf_free(c);
	return rc;
}

/* ---- dump ---- */

int etcd_dump(struct ectx *x)
{
	struct etcd_resp r;
	struct steer_conf *base, *c;

	if ((base = etcd_node_conf(x)) == NULL)
		return fail(x, "dump");
	if (range_prefix(x, &r) < 0) {
		conf_free(base);
		return fail(x, "reading etcd");
	}
	c = etcd_conf_apply(base, x->prefix, r.kvs, r.n_kvs, false, x->err,
			    sizeof(x->err));
	conf_free(base);
	long long rev = (long long)r.revision;
	etcd_resp_free(&r);
	if (c == NULL)
		return fail(x, "the rules in etcd do not load");
	char *t = conf_dump(c, NULL, x->err, sizeof(x->err));
	conf_free(c);
	if (t == NULL)
		return fail(x, "dump");
	printf("# %s with the objects under %s at etcd revision %lld\n%s",
	       x->o->config, x->prefix, rev, t);
	free(t);
	return flush_stdout();
}

/* ---- backends ---- */

struct be_edit {
	enum conf_backend_op op;
	char service[CONF_NAME_MAX];
	uint32_t ip;
	uint16_t port;
	uint32_t weight;
};

static int make_backend(struct ectx *x, const struct etcd_resp *cur,
			struct change *ch, unsigned *n, void *arg)
{
	const struct be_edit *e = arg;
	char key[ETCD_KEY_MAX];
	struct jw w;

	etcd_key(key, sizeof(key), x->cluster, EK_SERVICE, e->service);
	for (unsigned i = 0; i < cur->n_kvs; i++) {
		if (strcmp(cur->kvs[i].key, key) != 0)
			continue;
		jw_init(&w);
		int rc = conf_json_backend_edit(cur->kvs[i].value, cur->kvs[i].value_len,
						e->op, e->ip, e->port, e->weight, &w,
						x->err, sizeof(x->err));
		if (rc < 0 || w.failed) {
			jw_free(&w);
			return rc < 0 ? rc : -ENOMEM;
		}
		snprintf(ch[0].key, sizeof(ch[0].key), "%s", key);
		ch[0].val = w.buf;
		*n = 1;
		return 0;
	}
	snprintf(x->err, sizeof(x->err), "service '%s' is not in etcd (steerctl "
		 "--etcd ... import FILE puts a file's services there)", e->service);
	return -ENOENT;
}

static int backend_list(struct ectx *x)
{
	static struct json_node nodes[16384];
	struct etcd_resp r;
	char name[CONF_NAME_MAX];
	const char *jerr;

	if (range_prefix(x, &r) < 0)
		return fail(x, "reading etcd");
	printf("%-20s %-22s %-6s %s\n", "SERVICE", "ADDRESS", "WEIGHT", "DRAIN");
	for (unsigned i = 0; i < r.n_kvs; i++) {
		if (etcd_key_kind(x->prefix, r.kvs[i].key, name, sizeof(name)) != EK_SERVICE ||
		    json_parse(r.kvs[i].value, r.kvs[i].value_len, nodes, 16384, &jerr) < 0)
			continue;
		const struct json_node *be = json_get(nodes, &nodes[0], "backends");
		for (uint32_t j = 0; be && be->type == JSON_ARRAY && j < be->n_children; j++) {
			const struct json_node *b = json_child(nodes, be, j);
			const struct json_node *a = json_get(nodes, b, "address");
			const struct json_node *wt = json_get(nodes, b, "weight");
			const struct json_node *d = json_get(nodes, b, "drain");
			char addr[64] = "?";
			if (a)
				json_str_copy(a, addr, sizeof(addr));
			long long wv = 1;   /* absent: the default weight */
			json_int(wt, &wv);
			printf("%-20s %-22s %-6lld %s\n", name, addr, wv,
			       d && d->type == JSON_BOOL && d->boolean ? "yes" : "no");
		}
	}
	printf("(etcd revision %lld)\n", (long long)r.revision);
	etcd_resp_free(&r);
	return flush_stdout();
}

int etcd_backend(struct ectx *x, const char *req, size_t len)
{
	static struct json_node nodes[64];
	static const struct { const char *cmd; enum conf_backend_op op; } ops[] = {
		{ "backend.add", CONF_BE_ADD }, { "backend.remove", CONF_BE_REMOVE },
		{ "backend.drain", CONF_BE_DRAIN },
	};
	struct be_edit e = { .op = CONF_BE_NONE };
	char cmd[64] = "", addr[64] = "", what[300];
	unsigned a, b, c, d, p;
	const char *jerr;

	if (json_parse(req, len, nodes, 64, &jerr) < 0)
		return fail(x, "internal: bad request");
	json_str_copy(json_get(nodes, &nodes[0], "cmd"), cmd, sizeof(cmd));
	if (strcmp(cmd, "backend.list") == 0)
		return backend_list(x);
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(cmd, ops[i].cmd) == 0)
			e.op = ops[i].op;
	const struct json_node *s = json_get(nodes, &nodes[0], "service");
	const struct json_node *ad = json_get(nodes, &nodes[0], "address");
	const struct json_node *wt = json_get(nodes, &nodes[0], "weight");
	if (e.op == CONF_BE_NONE || s == NULL || ad == NULL ||
	    json_str_copy(s, e.service, sizeof(e.service)) < 0 ||
	    json_str_copy(ad, addr, sizeof(addr)) < 0 ||
	    sscanf(addr, "%u.%u.%u.%u:%u", &a, &b, &c, &d, &p) != 5) {
		snprintf(x->err, sizeof(x->err), "backend add|remove|drain SERVICE IP:PORT");
		return fail(x, "usage");
	}
	e.ip = a << 24 | b << 16 | c << 8 | d;
	e.port = (uint16_t)p;
	e.weight = wt && wt->type == JSON_NUMBER ? (uint32_t)wt->number : 0;
	snprintf(what, sizeof(what), "%s %s %s", cmd, e.service, addr);
	return write_changes(x, what, make_backend, &e, 0, NULL);
}
