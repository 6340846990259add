/* steer-etcd's set of objects (steer_etcd.h): the cluster's rule objects
 * (tunnels, intercepts, services, listeners, previews) as steerd runs
 * them. A change is tried on a copy and handed to steerd whole
 * (cluster.apply, in parts when it is larger than one request), which
 * validates, compiles and publishes it, or refuses it and keeps what it
 * runs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "conf-t.h"
#include "etcd_layout.h"
#include "steer_etcd.h"
#include "steerctl-int.h"

int steerd_call(struct follower *f, const char *req, size_t len, char *err,
		size_t errlen)
{
	char *resp = NULL;
	size_t rl = 0;
	int r;

	if (ctl_call(f->socket, req, len, f->timeout_ms, NULL, &resp, &rl, err,
		     errlen) != 0)
		return -1;
	r = cli_response_ok(resp, rl, err, errlen) == 1 ? 0 : -1;
	free(resp);
	return r;
}

static void set_free(struct objset *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->o[i].value);
	s->n = 0;
}

static int set_room(struct objset *s, unsigned n)
{
	if (n <= s->cap)
		return 0;
	unsigned cap = s->cap ? s->cap : 64;
	while (cap < n)
		cap *= 2;
	struct obj *o = realloc(s->o, sizeof(*o) * cap);
	if (o == NULL)
		return -ENOMEM;
	s->o = o;
	s->cap = cap;
	return 0;
}

static int set_copy(struct objset *dst, const struct objset *src)
{
	dst->n = 0;
	if (set_room(dst, src->n) < 0)
		return -ENOMEM;
	for (unsigned i = 0; i < src->n; i++) {
		dst->o[i] = src->o[i];
		if ((dst->o[i].value = strdup(src->o[i].value)) == NULL) {
			set_free(dst);
			return -ENOMEM;
		}
		dst->n++;
	}
	return 0;
}

/* KEY set to VALUE in S (NULL: removed). Keys of other kinds are not
 * objects: 1, nothing to do. A value that is not a JSON object naming
 * itself after its key: -EINVAL with ERR. */
static int set_put(struct follower *f, struct objset *s, const char *key,
		   const char *value, char *err, size_t errlen)
{
	static struct json_node nodes[ETCD_NODES_MAX];
	char name[CONF_NAME_MAX], nm[CONF_NAME_MAX];
	enum etcd_kind k = etcd_key_kind(f->prefix, key, name, sizeof(name));
	unsigned i;
	const char *jerr;

	if (!etcd_kind_is_rule(k))
		return 1;
	for (i = 0; i < s->n && strcmp(s->o[i].key, key) != 0; i++)
		;
	if (value == NULL) {
		if (i == s->n)
			return 1;
		free(s->o[i].value);
		s->o[i] = s->o[--s->n];
		return 0;
	}
	const struct json_node *n = NULL;
	if (json_parse(value, strlen(value), nodes, ETCD_NODES_MAX, &jerr) < 0 ||
	    nodes[0].type != JSON_OBJECT ||
	    (k != EK_PREVIEWS &&
	     ((n = json_get(nodes, &nodes[0], "name")) == NULL ||
	      json_str_copy(n, nm, sizeof(nm)) < 0 || strcmp(nm, name) != 0))) {
		snprintf(err, errlen, "%s: not a JSON object whose \"name\" is \"%s\"",
			 key, name);
		return -EINVAL;
	}
	if (i == s->n && s->n == SET_MAX) {
		snprintf(err, errlen, "%s: more than %d objects", key, SET_MAX);
		return -EINVAL;
	}
	if (i == s->n && set_room(s, s->n + 1) < 0)
		return -ENOMEM;
	char *v = strdup(value);
	if (v == NULL)
		return -ENOMEM;
	if (i == s->n) {
		snprintf(s->o[i].key, sizeof(s->o[i].key), "%s", key);
		s->n++;
	} else {
		free(s->o[i].value);
	}
	s->o[i].value = v;
	s->o[i].kind = k;
	return 0;
}

/* An upper bound of the JSON nodes of V: every node but the root
 * follows a ':', ',' or '['. */
static unsigned nodes_of(const char *v)
{
	unsigned n = 1;

	for (; *v; v++)
		n += *v == ':' || *v == ',' || *v == '[';
	return n;
}

/* Part P of N: the objects [FROM, TO) of S, whose kinds are the lists. */
static char *part_text(const struct objset *s, unsigned from, unsigned to,
		       unsigned p, unsigned n, long long rev)
{
	static const enum etcd_kind kinds[] = { EK_TUNNEL, EK_INTERCEPT,
						EK_SERVICE, EK_LISTENER };
	struct jw w;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_key(&w, "cmd");
	jw_str(&w, "cluster.apply");
	jw_key(&w, "revision");
	jw_int(&w, rev);
	jw_key(&w, "part");
	jw_uint(&w, p);
	jw_key(&w, "parts");
	jw_uint(&w, n);
	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		jw_key(&w, etcd_kind_dir(kinds[k]));
		jw_arr_begin(&w);
		for (unsigned i = from; i < to; i++)
			if (s->o[i].kind == kinds[k])
				jw_raw(&w, s->o[i].value, strlen(s->o[i].value));
		jw_arr_end(&w);
	}
	for (unsigned i = from; i < to; i++)
		if (s->o[i].kind == EK_PREVIEWS) {
			jw_key(&w, "previews");
			jw_raw(&w, s->o[i].value, strlen(s->o[i].value));
		}
	jw_obj_end(&w);
	if (w.failed) {
		jw_free(&w);
		return NULL;
	}
	return w.buf;   /* NUL-terminated, the caller's */
}

int set_parts(const struct objset *s, long long rev, char ***parts, unsigned *n)
{
	unsigned *cut = malloc(sizeof(*cut) * (s->n + 2)), nc = 0;
	char **out = NULL;

	if (cut == NULL)
		return -ENOMEM;
	/* where each part starts: a new one when the next object would
	 * take this one past a limit */
	cut[nc++] = 0;
	size_t bytes = 0;
	unsigned nodes = 0;
	for (unsigned i = 0; i < s->n; i++) {
		size_t b = strlen(s->o[i].value) + 2;
		unsigned nn = nodes_of(s->o[i].value);
		if (i > cut[nc - 1] && (bytes + b > PART_BYTES || nodes + nn > PART_NODES)) {
			cut[nc++] = i;
			bytes = nodes = 0;
		}
		bytes += b;
		nodes += nn;
	}
	cut[nc] = s->n;
	if ((out = calloc(nc, sizeof(*out))) == NULL) {
		free(cut);
		return -ENOMEM;
	}
	for (unsigned p = 0; p < nc; p++)
		if ((out[p] = part_text(s, cut[p], cut[p + 1], p, nc, rev)) == NULL) {
			while (p-- > 0)
				free(out[p]);
			free(out);
			free(cut);
			return -ENOMEM;
		}
	free(cut);
	*parts = out;
	*n = nc;
	return 0;
}

/* cluster.apply with every object of S, in as many parts as it takes;
 * the values are JSON objects already (set_put() parsed them). */
static int apply(struct follower *f, const struct objset *s, char *err,
		 size_t errlen)
{
	char **parts;
	unsigned n;
	int r = 0;

	if (set_parts(s, f->revision, &parts, &n) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned p = 0; p < n; p++) {
		if (r == 0)
			r = steerd_call(f, parts[p], strlen(parts[p]), err, errlen);
		free(parts[p]);
	}
	free(parts);
	return r;
}

static void refuse(struct follower *f, const char *key, const char *err)
{
	f->refused++;
	int n = snprintf(f->last_error, sizeof(f->last_error), "%s: ", key);
	if (n > 0 && (size_t)n < sizeof(f->last_error)) {
		size_t room = sizeof(f->last_error) - (size_t)n - 1;
		size_t el = strnlen(err, room);
		memcpy(f->last_error + n, err, el);   /* cut to fit */
		f->last_error[(size_t)n + el] = '\0';
	}
	fprintf(stderr, "steer-etcd: refused %s (revision %lld): %s\n", key,
		(long long)f->revision, err);
}

int set_change(struct follower *f, const char *key, const char *value)
{
	static struct objset cand;
	char err[2048];
	int r;

	int64_t t0 = now_ms();

	if (set_copy(&cand, &f->good) < 0)
		return -1;
	r = set_put(f, &cand, key, value, err, sizeof(err));
	if (r == 1) {
		set_free(&cand);
		return 0;
	}
	if (r < 0 || apply(f, &cand, err, sizeof(err)) < 0) {
		refuse(f, key, r == -ENOMEM ? "out of memory" : err);
		set_free(&cand);
		return -1;
	}
	struct objset t = f->good;
	f->good = cand;
	cand = t;
	set_free(&cand);
	fprintf(stderr, "steer-etcd: applied %s %s (revision %lld, %lld ms)\n",
		value ? "put" : "delete", key, (long long)f->revision,
		(long long)(now_ms() - t0));
	return 0;
}

void set_resync(struct follower *f, const struct etcd_kv *kvs, unsigned n)
{
	static struct objset all;
	char err[2048];
	bool bad = false;

	all.n = 0;
	for (unsigned i = 0; i < n; i++)
		bad |= set_put(f, &all, kvs[i].key, kvs[i].value, err, sizeof(err)) < 0;
	if (!bad && apply(f, &all, err, sizeof(err)) == 0) {
		struct objset t = f->good;
		f->good = all;
		all = t;
		set_free(&all);
		fprintf(stderr, "steer-etcd: resync: %u objects at revision %lld\n",
			f->good.n, (long long)f->revision);
		return;
	}
	set_free(&all);
	/* one at a time, from nothing, what others name first */
	static const enum etcd_kind order[] = { EK_SERVICE, EK_TUNNEL,
		EK_PREVIEWS, EK_LISTENER, EK_INTERCEPT };
	set_free(&f->good);
	for (unsigned t = 0; t < sizeof(order) / sizeof(order[0]); t++)
		for (unsigned i = 0; i < n; i++) {
			char name[CONF_NAME_MAX];
			if (etcd_key_kind(f->prefix, kvs[i].key, name, sizeof(name)) ==
			    order[t])
				set_change(f, kvs[i].key, kvs[i].value);
		}
	if (f->good.n == 0)
		apply(f, &f->good, err, sizeof(err));   /* drop what was there */
}

void set_reapply(struct follower *f)
{
	char err[2048];

	if (apply(f, &f->good, err, sizeof(err)) < 0)
		fprintf(stderr, "steer-etcd: steerd refused the set it ran before: %s\n",
			err);
}
