/* A cluster's rules, as steer-etcd hands them over (docs/scale-out.md).
 * cluster.apply carries every rule object under the cluster's etcd
 * prefix (tunnels, intercepts, services, listeners, previews); steerd
 * drops the ones the previous apply brought that are gone, replaces or
 * adds the rest, and validates, compiles and publishes the result once,
 * like any edit: all or nothing, and a refused set leaves the running
 * rules in place. The rules of the file (and steerctl edits over the
 * socket) stay; an etcd object of the same name takes their place.
 *
 * A set larger than one request line (64 KiB) comes in parts: each part
 * a request of its own ("part": i of "parts": n, in order), whose objects
 * are turned into configuration text and kept; the last part applies
 * the whole. Bounded by MAX_OBJECTS and MAX_TEXT. Main lcore only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_json.h"
#include "conf_overlay.h"
#include "ctrl-int.h"
#include "json.h"
#include "publish.h"

#define MAX_OBJECTS 200000
#define MAX_TEXT (256u << 20)        /* bytes of staged text */
#define MAX_PARTS 100000

/* The request's lists, by overlay kind. */
static const char *const lists[CO_KINDS] = {
	[CO_TUNNEL] = "tunnels", [CO_INTERCEPT] = "intercepts",
	[CO_SERVICE] = "services", [CO_LISTENER] = "listeners",
};

struct staged {
	enum conf_okind kind;
	char name[CONF_NAME_MAX];
	char *text;
	char *label;
};

static struct {
	/* the parts received so far of the apply under way */
	struct staged *s;
	unsigned n, cap;
	size_t bytes;
	char *previews;            /* staged previews group, or NULL */
	unsigned next_part;        /* 0: none under way */
	unsigned parts;
	/* what the last apply in force brought, so the next can drop it */
	struct conf_overlay_drop *last;
	char (*last_names)[CONF_NAME_MAX];
	unsigned n_last;
	bool last_previews;
	char *file_previews;       /* the previews before the cluster's */
	/* the node's own objects a cluster's one replaced, put back when
	 * that one goes */
	struct staged *shadow;
	unsigned n_shadow, cap_shadow;
	bool applied;              /* a cluster.apply is in force (no reload since) */
	long long applied_rev;     /* the revision of the last one; 0: none yet */
} cl;

bool ctrl_cluster_applied(long long *rev)
{
	if (rev != NULL)
		*rev = cl.applied_rev;
	return cl.applied;
}

static void stage_reset(void)
{
	for (unsigned i = 0; i < cl.n; i++) {
		free(cl.s[i].text);
		free(cl.s[i].label);
	}
	cl.n = 0;
	cl.bytes = 0;
	free(cl.previews);
	cl.previews = NULL;
	cl.next_part = 0;
}

static bool stage_add(enum conf_okind k, const char *name, const char *text)
{
	char label[CONF_NAME_MAX + 32];

	if (cl.n == cl.cap) {
		unsigned cap = cl.cap ? cl.cap * 2 : 256;
		struct staged *s = realloc(cl.s, sizeof(*s) * cap);
		if (s == NULL)
			return false;
		cl.s = s;
		cl.cap = cap;
	}
	snprintf(label, sizeof(label), "cluster:%s/%s", lists[k], name);
	struct staged *s = &cl.s[cl.n];
	s->kind = k;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->text = strdup(text);
	s->label = strdup(label);
	if (s->text == NULL || s->label == NULL) {
		free(s->text);
		free(s->label);
		return false;
	}
	cl.bytes += strlen(text);
	cl.n++;
	return true;
}

static int shadow_find(enum conf_okind k, const char *name)
{
	for (unsigned i = 0; i < cl.n_shadow; i++)
		if (cl.shadow[i].kind == k && strcmp(cl.shadow[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Keep RUN's object NAME of K, which the cluster's replaces from now. */
static void shadow_save(const struct steer_conf *run, enum conf_okind k,
			const char *name)
{
	int i = conf_overlay_find(run, k, name);
	char label[CONF_NAME_MAX + 32];

	if (i < 0 || shadow_find(k, name) >= 0)
		return;
	if (cl.n_shadow == cl.cap_shadow) {
		unsigned cap = cl.cap_shadow ? cl.cap_shadow * 2 : 16;
		struct staged *s = realloc(cl.shadow, sizeof(*s) * cap);
		if (s == NULL)
			return;
		cl.shadow = s;
		cl.cap_shadow = cap;
	}
	struct staged *s = &cl.shadow[cl.n_shadow];
	snprintf(label, sizeof(label), "%s:%s", run->file, name);
	s->kind = k;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->text = conf_dump_one(run, k, (unsigned)i);
	s->label = strdup(label);
	if (s->text == NULL || s->label == NULL) {
		free(s->text);
		free(s->label);
		return;
	}
	cl.n_shadow++;
}

static void shadow_forget(unsigned i)
{
	free(cl.shadow[i].text);
	free(cl.shadow[i].label);
	cl.shadow[i] = cl.shadow[--cl.n_shadow];
}

/* The objects of one request into the stage; false with ERR. */
static bool stage_request(const struct json_node *req, char *err, size_t errlen)
{
	static char text[LINE_MAX_BYTES * 2];
	char name[CONF_NAME_MAX], e[768];

	for (int k = 0; k < CO_KINDS; k++) {
		const struct json_node *l = json_get(ctrl_nodes, req, lists[k]);
		if (l != NULL && l->type != JSON_ARRAY) {
			snprintf(err, errlen, "cluster.apply: '%s' is a list", lists[k]);
			return false;
		}
		for (uint32_t i = 0; l && i < l->n_children; i++) {
			const struct json_node *o = json_child(ctrl_nodes, l, i);
			const struct json_node *nm = json_get(ctrl_nodes, o, "name");
			if (o->type != JSON_OBJECT || nm == NULL ||
			    json_str_copy(nm, name, sizeof(name)) < 0) {
				snprintf(err, errlen, "%s[%u]: an object with a name",
					 lists[k], i);
				return false;
			}
			if (!conf_json_object(k, ctrl_nodes, o, text, sizeof(text), e,
					      sizeof(e))) {
				snprintf(err, errlen, "%s '%s': %s", conf_okind_name(k),
					 name, e);
				return false;
			}
			if (cl.n >= MAX_OBJECTS || cl.bytes + strlen(text) > MAX_TEXT) {
				snprintf(err, errlen, "cluster.apply: more than %u objects "
					 "or %u MiB in all", MAX_OBJECTS, MAX_TEXT >> 20);
				return false;
			}
			if (!stage_add(k, name, text)) {
				snprintf(err, errlen, "out of memory");
				return false;
			}
		}
	}
	const struct json_node *p = json_get(ctrl_nodes, req, "previews");
	if (p != NULL) {
		if (!conf_json_group(ctrl_nodes, p, "previews", text, sizeof(text), e,
				     sizeof(e))) {
			snprintf(err, errlen, "%s", e);
			return false;
		}
		free(cl.previews);
		if ((cl.previews = strdup(text)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return false;
		}
	}
	return true;
}

/* The running previews as a group, to put back when the cluster's go. */
static char *previews_text(const struct conf_previews *p)
{
	char d[600], h[600], *t = malloc(1300);

	if (t == NULL)
		return NULL;
	if (p->domain != NULL && conf_quote(d, sizeof(d), p->domain) < 0)
		d[0] = '\0';
	if (conf_quote(h, sizeof(h), p->header) < 0)
		snprintf(h, sizeof(h), "\"x-telepresence-intercept-id\"");
	snprintf(t, 1300, "{ %s%s%s header = %s; }", p->domain ? "domain = " : "",
		 p->domain ? d : "", p->domain ? ";" : "", h);
	return t;
}

/* The stage in force: remember what it brought. */
static void remember(void)
{
	free(cl.last);
	free(cl.last_names);
	cl.n_last = 0;
	cl.last = calloc(cl.n ? cl.n : 1, sizeof(*cl.last));
	cl.last_names = calloc(cl.n ? cl.n : 1, sizeof(*cl.last_names));
	if (cl.last == NULL || cl.last_names == NULL)
		return;
	for (unsigned i = 0; i < cl.n; i++) {
		memcpy(cl.last_names[i], cl.s[i].name, CONF_NAME_MAX);
		cl.last[i] = (struct conf_overlay_drop){ cl.s[i].kind, cl.last_names[i] };
	}
	cl.n_last = cl.n;
}

static struct conf_overlay *blame_ov;

static void blame(char *err, size_t errlen)
{
	conf_overlay_blame(blame_ov, "cluster", err, errlen);
}

/* The staged set over the running rules, published; replies. */
static void apply_stage(struct dp_shared *sh, long long rev, struct jw *w)
{
	const struct steer_conf *run = ctrl_running(sh);
	struct conf_overlay ov = { 0 };
	struct conf_overlay_drop *drop = NULL;
	char err[1024];
	unsigned nd = 0;

	struct conf_overlay last = { .drop = cl.last, .n_drop = cl.n_last };
	bool *restored = calloc(cl.n_shadow + 1, sizeof(bool));

	ov.o = calloc(cl.n + cl.n_last + 1, sizeof(*ov.o));
	drop = calloc(cl.n_last ? cl.n_last : 1, sizeof(*drop));
	if (ov.o == NULL || drop == NULL || restored == NULL ||
	    conf_overlay_index(&last) < 0) {
		ctrl_reply_error(w, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < cl.n; i++) {
		struct conf_overlay_obj *o = &ov.o[ov.n++];
		o->kind = cl.s[i].kind;
		memcpy(o->name, cl.s[i].name, CONF_NAME_MAX);
		o->text = cl.s[i].text;
		o->label = cl.s[i].label;
		/* the first time it replaces one of the node's own */
		if (!conf_overlay_hides(&last, o->kind, o->name))
			shadow_save(run, o->kind, o->name);
	}
	/* what the last apply brought and this one does not */
	if (conf_overlay_index(&ov) < 0) {
		ctrl_reply_error(w, "out of memory");
		goto out;
	}
	for (unsigned i = 0; i < cl.n_last; i++) {
		const struct conf_overlay_drop *d = &cl.last[i];
		int sh;
		if (conf_overlay_hides(&ov, d->kind, d->name))
			continue;
		if ((sh = shadow_find(d->kind, d->name)) < 0) {
			drop[nd++] = *d;
			continue;
		}
		/* gone from the cluster: the node's own comes back */
		struct conf_overlay_obj *o = &ov.o[ov.n++];
		o->kind = d->kind;
		memcpy(o->name, d->name, CONF_NAME_MAX);
		o->text = cl.shadow[sh].text;
		o->label = cl.shadow[sh].label;
		restored[sh] = true;
	}
	ov.drop = drop;
	ov.n_drop = nd;
	if (cl.previews != NULL && !cl.last_previews) {
		free(cl.file_previews);
		cl.file_previews = previews_text(&run->previews);
	}
	ov.previews = cl.previews != NULL ? cl.previews :
		      cl.last_previews ? cl.file_previews : NULL;
	ov.previews_label = "cluster:previews";
	struct steer_conf *nc = conf_overlay_load(run, &ov, "cluster", err, sizeof(err));
	if (nc == NULL) {
		ctrl_reply_error(w, err);
		goto out;
	}
	uint64_t gen = dp_pub_load(sh)->generation;
	blame_ov = &ov;
	ctrl_publish_conf_fix(sh, nc, blame, w);
	blame_ov = NULL;
	if (dp_pub_load(sh)->generation != gen) {
		for (unsigned i = cl.n_shadow; i-- > 0;)
			if (restored[i])
				shadow_forget(i);
		remember();
		cl.last_previews = cl.previews != NULL;
		cl.applied = true;
		cl.applied_rev = rev > 0 ? rev : cl.applied_rev + 1;
	}
out:
	free(last.hide);
	free(restored);
	free(ov.hide);
	free(ov.o);
	free(drop);
	stage_reset();
}

void ctrl_cmd_cluster_apply(struct dp_shared *sh, const struct json_node *req,
			    struct jw *w)
{
	const struct json_node *pn = json_get(ctrl_nodes, req, "part");
	const struct json_node *nn = json_get(ctrl_nodes, req, "parts");
	const struct json_node *rv = json_get(ctrl_nodes, req, "revision");
	double part = pn && pn->type == JSON_NUMBER ? pn->number : 0;
	double parts = nn && nn->type == JSON_NUMBER ? nn->number : 1;
	char err[1024];

	if ((pn && pn->type != JSON_NUMBER) || (nn && nn->type != JSON_NUMBER) ||
	    parts < 1 || parts > MAX_PARTS || part < 0 || part >= parts ||
	    part != (unsigned)part || parts != (unsigned)parts) {
		stage_reset();
		ctrl_reply_error(w, "cluster.apply: 'part' 0..parts-1, 'parts' 1..100000");
		return;
	}
	/* part 0 starts an apply (and drops one left half-sent) */
	if (part == 0)
		stage_reset();
	else if ((unsigned)part != cl.next_part || (unsigned)parts != cl.parts) {
		snprintf(err, sizeof(err), "cluster.apply: part %u of %u out of order "
			 "(expected %u of %u); start again at part 0", (unsigned)part,
			 (unsigned)parts, cl.next_part, cl.parts);
		stage_reset();
		ctrl_reply_error(w, err);
		return;
	}
	cl.parts = (unsigned)parts;
	if (!stage_request(req, err, sizeof(err))) {
		stage_reset();
		ctrl_reply_error(w, err);
		return;
	}
	if ((unsigned)part + 1 < cl.parts) {
		cl.next_part = (unsigned)part + 1;
		jw_obj_begin(w);
		jw_key(w, "ok");
		jw_bool(w, true);
		jw_key(w, "staged");
		jw_uint(w, cl.n);
		jw_obj_end(w);
		return;
	}
	long long rev = 0;         /* absent or not an integer: 0 */
	json_int(rv, &rev);
	apply_stage(sh, rev, w);
}

void ctrl_cluster_reloaded(void)
{
	/* the file replaced the rules: the cluster's objects are gone */
	cl.applied = false;
	cl.n_last = 0;
	cl.last_previews = false;
	while (cl.n_shadow > 0)
		shadow_forget(cl.n_shadow - 1);
}
