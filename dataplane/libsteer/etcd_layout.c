/* The etcd key layout (etcd_layout.h) and the rule set a range of it makes
 * on top of a node's own configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_json.h"
#include "etcd_layout.h"
#include "json.h"

static const char *const dirs[] = { "tunnels/", "intercepts/", "nodes/" };

int etcd_prefix(char *out, size_t len, const char *cluster)
{
	if (*cluster == '\0' || strchr(cluster, '/') != NULL ||
	    (size_t)snprintf(out, len, "/steer/%s/", cluster) >= len)
		return -1;
	return 0;
}

int etcd_key(char *out, size_t len, const char *cluster, enum etcd_kind kind,
	     const char *name)
{
	char p[ETCD_KEY_MAX];

	if (etcd_prefix(p, sizeof(p), cluster) < 0)
		return -1;
	if (kind == EK_EPOCH)
		return (size_t)snprintf(out, len, "%sepoch", p) >= len ? -1 : 0;
	if (kind < 0 || kind > EK_NODE || *name == '\0' || strchr(name, '/') ||
	    (size_t)snprintf(out, len, "%s%s%s", p, dirs[kind], name) >= len)
		return -1;
	return 0;
}

enum etcd_kind etcd_key_kind(const char *prefix, const char *key, char *name,
			     size_t len)
{
	size_t pl = strlen(prefix);

	if (strncmp(key, prefix, pl) != 0)
		return EK_NONE;
	key += pl;
	if (strcmp(key, "epoch") == 0)
		return EK_EPOCH;
	for (int k = 0; k <= EK_NODE; k++) {
		size_t dl = strlen(dirs[k]);
		if (strncmp(key, dirs[k], dl) != 0)
			continue;
		key += dl;
		if (*key == '\0' || strchr(key, '/') ||
		    (size_t)snprintf(name, len, "%s", key) >= len)
			return EK_NONE;
		return (enum etcd_kind)k;
	}
	return EK_NONE;
}

/* One object's value into group text; its "name" must be the key's. */
static int object_text(const struct etcd_kv *kv, enum etcd_kind kind,
		       const char *name, char *text, size_t len, char *err,
		       size_t errlen)
{
	static struct json_node nodes[4096];
	const char *jerr;
	char nm[CONF_NAME_MAX], e[512];
	const struct json_node *n;

	if (json_parse(kv->value, kv->value_len, nodes, 4096, &jerr) < 0 ||
	    nodes[0].type != JSON_OBJECT) {
		snprintf(err, errlen, "%s: not a JSON object (%s)", kv->key,
			 jerr ? jerr : "not an object");
		return -1;
	}
	n = json_get(nodes, &nodes[0], "name");
	if (n == NULL || n->type != JSON_STRING ||
	    json_str_copy(n, nm, sizeof(nm)) < 0 || strcmp(nm, name) != 0) {
		snprintf(err, errlen, "%s: \"name\" must be \"%s\", the key's last part",
			 kv->key, name);
		return -1;
	}
	if (!(kind == EK_TUNNEL ? conf_json_tunnel : conf_json_intercept)(
		    nodes, &nodes[0], text, len, e, sizeof(e))) {
		snprintf(err, errlen, "%s: %s", kv->key, e);
		return -1;
	}
	return 0;
}

/* Tunnels first, so that intercepts may name them. Each object is one
 * edit of the running text, loaded again: the loader's message names
 * the object (its line in "etcd:<key>"). */
struct steer_conf *etcd_conf_apply(const struct steer_conf *base,
				   const char *prefix,
				   const struct etcd_kv *kvs, unsigned n,
				   char *err, size_t errlen)
{
	static char text[131072];
	char *dump = conf_dump(base, NULL, err, errlen);
	struct steer_conf *c;

	if (dump == NULL || (c = conf_load_string(dump, base->file, err, errlen)) == NULL) {
		free(dump);
		return NULL;
	}
	free(dump);
	for (int pass = EK_TUNNEL; pass <= EK_INTERCEPT; pass++)
		for (unsigned i = 0; i < n; i++) {
			char name[CONF_NAME_MAX];
			if (kvs[i].value == NULL ||
			    etcd_key_kind(prefix, kvs[i].key, name, sizeof(name)) !=
			    (enum etcd_kind)pass)
				continue;
			if (object_text(&kvs[i], pass, name, text, sizeof(text),
					err, errlen) < 0)
				goto fail;
			struct conf_edit e = {
				.add_tunnel = pass == EK_TUNNEL ? text : NULL,
				.add_intercept = pass == EK_INTERCEPT ? text : NULL,
				.drop_tunnel = NULL,
			};
			/* an object of the same name from the file gives way */
			if (pass == EK_TUNNEL && conf_find_tunnel(c, name) >= 0)
				e.drop_tunnel = name;
			if (pass == EK_INTERCEPT && conf_find_intercept(c, name) >= 0)
				e.drop_intercept = name;
			char *t = conf_dump(c, &e, err, errlen);
			char where[ETCD_KEY_MAX + 8];
			if (t == NULL)
				goto fail;
			snprintf(where, sizeof(where), "etcd:%s", kvs[i].key);
			struct steer_conf *nc = conf_load_string(t, where, err, errlen);
			free(t);
			if (nc == NULL)
				goto fail;
			conf_free(c);
			c = nc;
		}
	return c;
fail:
	conf_free(c);
	return NULL;
}
