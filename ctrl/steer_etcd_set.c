/* steer-etcd's set of objects (steer_etcd.h): the cluster's tunnels and
 * intercepts as steerd runs them. A change is tried on a copy and handed
 * to steerd whole (cluster.apply), which validates, compiles and publishes
 * it, or refuses it and keeps what it runs. */
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

static int set_copy(struct objset *dst, const struct objset *src)
{
	dst->n = 0;
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
	static struct json_node nodes[4096];
	char name[CONF_NAME_MAX], nm[CONF_NAME_MAX];
	enum etcd_kind k = etcd_key_kind(f->prefix, key, name, sizeof(name));
	unsigned i;
	const char *jerr;

	if (k != EK_TUNNEL && k != EK_INTERCEPT)
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
	if (json_parse(value, strlen(value), nodes, 4096, &jerr) < 0 ||
	    nodes[0].type != JSON_OBJECT ||
	    (n = json_get(nodes, &nodes[0], "name")) == NULL ||
	    json_str_copy(n, nm, sizeof(nm)) < 0 || strcmp(nm, name) != 0) {
		snprintf(err, errlen, "%s: not a JSON object whose \"name\" is \"%s\"",
			 key, name);
		return -EINVAL;
	}
	if (i == s->n && s->n == SET_MAX) {
		snprintf(err, errlen, "%s: more than %d objects", key, SET_MAX);
		return -EINVAL;
	}
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
	s->o[i].tunnel = k == EK_TUNNEL;
	return 0;
}

/* cluster.apply with every object of S; the values are JSON objects
 * already (set_put() parsed them), so they go in as they are. */
static int apply(struct follower *f, const struct objset *s, char *err,
		 size_t errlen)
{
	struct jw w;
	int r;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_key(&w, "cmd");
	jw_str(&w, "cluster.apply");
	for (int t = 1; t >= 0; t--) {
		jw_key(&w, t ? "tunnels" : "intercepts");
		jw_arr_begin(&w);
		for (unsigned i = 0; i < s->n; i++)
			if (s->o[i].tunnel == (bool)t)
				jw_raw(&w, s->o[i].value, strlen(s->o[i].value));
		jw_arr_end(&w);
	}
	jw_obj_end(&w);
	if (w.failed) {
		jw_free(&w);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r = steerd_call(f, w.buf, w.len, err, errlen);
	jw_free(&w);
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
	set_free(&f->good);
	f->good = cand;
	cand.n = 0;
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
		set_free(&f->good);
		f->good = all;
		all.n = 0;
		fprintf(stderr, "steer-etcd: resync: %u objects at revision %lld\n",
			f->good.n, (long long)f->revision);
		return;
	}
	set_free(&all);
	/* one at a time, tunnels first, from nothing */
	set_free(&f->good);
	for (int t = 1; t >= 0; t--)
		for (unsigned i = 0; i < n; i++) {
			char name[CONF_NAME_MAX];
			if (etcd_key_kind(f->prefix, kvs[i].key, name, sizeof(name)) ==
			    (t ? EK_TUNNEL : EK_INTERCEPT))
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
