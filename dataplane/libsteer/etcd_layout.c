/* The etcd key layout (etcd_layout.h) and the rule set a range of it makes
 * on top of a node's own configuration (conf_overlay.h: one load). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_json.h"
#include "conf_overlay.h"
#include "etcd_layout.h"
#include "json.h"
#include "rules.h"

/* The directory of each kind; epoch and previews are keys of their own. */
static const char *const dirs[] = {
	[EK_TUNNEL] = "tunnels/", [EK_INTERCEPT] = "intercepts/",
	[EK_NODE] = "nodes/", [EK_EPOCH] = NULL,
	[EK_SERVICE] = "services/", [EK_LISTENER] = "listeners/",
	[EK_PREVIEWS] = NULL,
};
#define N_KINDS (int)(sizeof(dirs) / sizeof(dirs[0]))

bool etcd_kind_is_rule(enum etcd_kind k)
{
	return k == EK_TUNNEL || k == EK_INTERCEPT || k == EK_SERVICE ||
	       k == EK_LISTENER || k == EK_PREVIEWS;
}

int etcd_okind(enum etcd_kind k)
{
	switch (k) {
	case EK_TUNNEL: return CO_TUNNEL;
	case EK_INTERCEPT: return CO_INTERCEPT;
	case EK_SERVICE: return CO_SERVICE;
	case EK_LISTENER: return CO_LISTENER;
	default: return -1;
	}
}

const char *etcd_kind_dir(enum etcd_kind k)
{
	static const char *const names[] = {
		[EK_TUNNEL] = "tunnels", [EK_INTERCEPT] = "intercepts",
		[EK_NODE] = "nodes", [EK_EPOCH] = "epoch",
		[EK_SERVICE] = "services", [EK_LISTENER] = "listeners",
		[EK_PREVIEWS] = "previews",
	};
	return k >= 0 && k < N_KINDS ? names[k] : "";
}

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

	if (etcd_prefix(p, sizeof(p), cluster) < 0 || kind < 0 || kind >= N_KINDS)
		return -1;
	if (dirs[kind] == NULL)
		return (size_t)snprintf(out, len, "%s%s", p, etcd_kind_dir(kind)) >= len ?
		       -1 : 0;
	if (*name == '\0' || strchr(name, '/') ||
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
	if (strcmp(key, "previews") == 0) {
		if (len > 0)
			name[0] = '\0';
		return EK_PREVIEWS;
	}
	for (int k = 0; k < N_KINDS; k++) {
		if (dirs[k] == NULL)
			continue;
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

int etcd_object_text(const struct etcd_kv *kv, enum etcd_kind kind,
		     const char *name, char *text, size_t len, char *err,
		     size_t errlen)
{
	static struct json_node nodes[ETCD_NODES_MAX];
	const char *jerr;
	char nm[CONF_NAME_MAX], e[512];
	const struct json_node *n;
	bool ok;

	if (json_parse(kv->value, kv->value_len, nodes, ETCD_NODES_MAX, &jerr) < 0 ||
	    nodes[0].type != JSON_OBJECT) {
		snprintf(err, errlen, "%s: not a JSON object (%s)", kv->key,
			 jerr ? jerr : "not an object");
		return -1;
	}
	n = json_get(nodes, &nodes[0], "name");
	if (kind != EK_PREVIEWS &&
	    (n == NULL || n->type != JSON_STRING ||
	     json_str_copy(n, nm, sizeof(nm)) < 0 || strcmp(nm, name) != 0)) {
		snprintf(err, errlen, "%s: \"name\" must be \"%s\", the key's last part",
			 kv->key, name);
		return -1;
	}
	if (kind == EK_PREVIEWS)
		ok = conf_json_group(nodes, &nodes[0], "previews", text, len, e,
				     sizeof(e));
	else
		ok = conf_json_object(etcd_okind(kind), nodes, &nodes[0], text, len,
				      e, sizeof(e));
	if (!ok) {
		snprintf(err, errlen, "%s: %s", kv->key, e);
		return -1;
	}
	return 0;
}

/* The objects' texts and labels, freed together. */
struct texts {
	char **s;
	unsigned n;
};

static char *keep(struct texts *t, const char *s)
{
	char *d = strdup(s);

	if (d != NULL)
		t->s[t->n++] = d;
	return d;
}

struct steer_conf *etcd_conf_apply(const struct steer_conf *base,
				   const char *prefix,
				   const struct etcd_kv *kvs, unsigned n,
				   bool compile, char *err, size_t errlen)
{
	static char text[262144];
	struct conf_overlay ov = { 0 };
	struct texts t = { calloc(2 * n + 2, sizeof(char *)), 0 };
	struct steer_conf *c = NULL;

	ov.o = calloc(n ? n : 1, sizeof(*ov.o));
	if (t.s == NULL || ov.o == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < n; i++) {
		char name[CONF_NAME_MAX], label[ETCD_KEY_MAX + 8];
		enum etcd_kind k = etcd_key_kind(prefix, kvs[i].key, name, sizeof(name));
		if (kvs[i].value == NULL || !etcd_kind_is_rule(k))
			continue;
		if (etcd_object_text(&kvs[i], k, name, text, sizeof(text), err,
				     errlen) < 0)
			goto out;
		snprintf(label, sizeof(label), "etcd:%s", kvs[i].key);
		const char *tx = keep(&t, text), *lb = keep(&t, label);
		if (tx == NULL || lb == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (k == EK_PREVIEWS) {
			ov.previews = tx;
			ov.previews_label = lb;
			continue;
		}
		struct conf_overlay_obj *o = &ov.o[ov.n++];
		o->kind = (enum conf_okind)etcd_okind(k);
		snprintf(o->name, sizeof(o->name), "%s", name);
		o->text = tx;
		o->label = lb;
	}
	c = conf_overlay_load(base, &ov, "etcd", err, errlen);
	if (c != NULL && compile) {
		struct ruleset *rs = rs_compile(c, err, errlen);
		if (rs == NULL) {
			conf_free(c);
			c = NULL;
			conf_overlay_blame(&ov, "etcd", err, errlen);
		} else {
			/* the ruleset owns C: a copy by dump and load */
			char *d = conf_dump(c, NULL, err, errlen);
			c = d ? conf_load_string(d, "etcd", err, errlen) : NULL;
			free(d);
			rs_free(rs);
		}
	}
out:
	for (unsigned i = 0; t.s != NULL && i < t.n; i++)
		free(t.s[i]);
	free(t.s);
	free(ov.o);
	return c;
}
