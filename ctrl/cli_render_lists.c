/* The list responses as tables, one row per object: intercepts,
 * tunnels, backends (with their health) and the flow sample. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-int.h"

/* One header matcher as "h=v", "h^=prefix", "h~=regex", "h (present)";
 * baggage members as "baggage[k]...". */
static char *matcher_text(const struct doc *d, const struct json_node *m)
{
	static const struct { const char *key, *op; } conds[] = {
		{ "value", "=" }, { "prefix", "^=" }, { "regex", "~=" },
	};
	const struct json_node *subj = doc_get(d, m, "name");
	const struct json_node *arg = NULL;
	bool baggage = subj == NULL;
	char *s = NULL, *a = NULL, *out;
	const char *op = " (present)";
	size_t len;

	if (baggage)
		subj = doc_get(d, m, "baggage");
	for (size_t i = 0; i < ARRAY_SIZE(conds) && arg == NULL; i++)
		if ((arg = doc_get(d, m, conds[i].key)) != NULL)
			op = conds[i].op;
	if ((s = node_text(subj)) == NULL ||
	    (arg != NULL && (a = node_text(arg)) == NULL)) {
		free(s);
		return NULL;
	}
	len = strlen(s) + strlen(op) + (a ? strlen(a) : 0) + 16;
	if ((out = malloc(len)) != NULL)
		snprintf(out, len, "%s%s%s%s%s", baggage ? "baggage[" : "", s,
			 baggage ? "]" : "", op, a ? a : "");
	free(s);
	free(a);
	return out;
}

static char *matchers_text(const struct doc *d, const struct json_node *h)
{
	char *out = NULL, *m, *n;
	size_t len = 0;

	if (!node_is(h, JSON_ARRAY) || h->n_children == 0)
		return strdup("-");
	FOR_CHILD(d, h, c) {
		if ((m = matcher_text(d, c)) == NULL ||
		    (n = realloc(out, len + strlen(m) + 3)) == NULL) {
			free(m);
			free(out);
			return NULL;
		}
		out = n;
		len += (size_t)sprintf(out + len, "%s%s", len ? ", " : "", m);
		free(m);
	}
	return out;
}

static char *path_text(const struct doc *d, const struct json_node *ic)
{
	static const struct { const char *key, *label; } kinds[] = {
		{ "path_equal", "equal " }, { "path_prefix", "prefix " },
		{ "path_regex", "regex " },
	};

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		const struct json_node *p = doc_get(d, ic, kinds[i].key);
		char *v, *out;

		if (p == NULL || p->type != JSON_STRING)
			continue;
		if ((v = node_text(p)) == NULL ||
		    (out = malloc(strlen(v) + 8)) == NULL) {
			free(v);
			return NULL;
		}
		sprintf(out, "%s%s", kinds[i].label, v);
		free(v);
		return out;
	}
	return strdup("-");
}

/* A list response as a table: LIST_KEY's objects, COLS named by KEYS. */
typedef char *(*cell_fn)(const struct doc *d, const struct json_node *obj);

struct column {
	const char *title;
	const char *key;          /* member shown as is, or NULL: FN */
	cell_fn fn;
};

static int render_list(const struct doc *d, FILE *out, const char *list_key,
		       const struct column *cols, unsigned n_cols,
		       char *err, size_t errlen)
{
	const struct json_node *list = doc_get(d, d->root, list_key);
	struct table t = { 0 };
	int r = 0;

	if (!node_is(list, JSON_ARRAY))
		return cli_errf(err, errlen, -1,
				"malformed response: no '%s' list", list_key);
	if (list->n_children == 0) {
		fprintf(out, "no %s\n", list_key);
		return 0;
	}
	t.cols = n_cols;
	for (unsigned c = 0; c < n_cols; c++)
		tab_add(&t, strdup(cols[c].title));
	FOR_CHILD(d, list, e)
		for (unsigned c = 0; c < n_cols; c++)
			tab_add(&t, cols[c].key ?
				    node_text(doc_get(d, e, cols[c].key)) :
				    cols[c].fn(d, e));
	if (tab_print(&t, out) != 0)
		r = cli_errf(err, errlen, -1, "out of memory");
	tab_free(&t);
	return r;
}

static char *ic_matchers(const struct doc *d, const struct json_node *ic)
{
	return matchers_text(d, doc_get(d, ic, "headers"));
}

/* MS as "850ms", "3.2s", "4m05s" or "2h07m" into BUF. */
static void ms_text(char *buf, size_t len, long long ms)
{
	if (ms < 1000)
		snprintf(buf, len, "%lldms", ms);
	else if (ms < 60000)
		snprintf(buf, len, "%lld.%llds", ms / 1000, ms % 1000 / 100);
	else if (ms < 3600000)
		snprintf(buf, len, "%lldm%02llds", ms / 60000, ms / 1000 % 60);
	else
		snprintf(buf, len, "%lldh%02lldm", ms / 3600000, ms / 60000 % 60);
}

static bool is_ms(const struct json_node *a)
{
	return a != NULL && a->type == JSON_NUMBER && a->number >= 0 &&
	       a->number <= 9e15;
}

static char *flow_age(const struct doc *d, const struct json_node *f)
{
	const struct json_node *a = doc_get(d, f, "age_ms");
	char buf[48];

	if (!is_ms(a))
		return node_text(a);
	ms_text(buf, sizeof(buf), (long long)a->number);
	return strdup(buf);
}

/* "status 500, 3.2s ago", "timeout, 850ms ago", or "-". */
static char *backend_last_failure(const struct doc *d, const struct json_node *b)
{
	const struct json_node *lf = doc_get(d, b, "last_failure");
	const struct json_node *st, *ago;
	char when[48], *reason, *out;
	size_t len;

	if (!node_is(lf, JSON_OBJECT))
		return strdup("-");
	if ((reason = node_text(doc_get(d, lf, "reason"))) == NULL)
		return NULL;
	st = doc_get(d, lf, "status");
	ago = doc_get(d, lf, "ago_ms");
	when[0] = '\0';
	if (is_ms(ago)) {
		strcpy(when, ", ");
		ms_text(when + 2, sizeof(when) - 2, (long long)ago->number);
		strcat(when, " ago");
	}
	len = strlen(reason) + strlen(when) + 24;
	if ((out = malloc(len)) != NULL) {
		if (st != NULL && st->type == JSON_NUMBER && st->number >= 0 &&
		    st->number < 1000)
			snprintf(out, len, "%s %d%s", reason, (int)st->number, when);
		else
			snprintf(out, len, "%s%s", reason, when);
	}
	free(reason);
	return out;
}

static const struct column intercept_cols[] = {
	{ "NAME", "name", NULL }, { "SERVICE", "service", NULL },
	{ "TUNNEL", "tunnel", NULL }, { "MATCHERS", NULL, ic_matchers },
	{ "PATH", NULL, path_text }, { "PREVIEW", "preview", NULL },
	{ "DECISIONS", "decisions", NULL },
};

/* An intercept that expires (intercept add --ttl): its time left. */
static char *ttl_text(const struct doc *d, const struct json_node *ic)
{
	const struct json_node *t = doc_get(d, ic, "ttl_left_s");
	char *out = malloc(24);

	if (out == NULL)
		return NULL;
	long long v;
	if (json_int(t, &v) && v >= 0)
		snprintf(out, 24, "%llds", v);
	else
		snprintf(out, 24, "-");
	return out;
}

static const struct column intercept_ttl_cols[] = {
	{ "NAME", "name", NULL }, { "SERVICE", "service", NULL },
	{ "TUNNEL", "tunnel", NULL }, { "MATCHERS", NULL, ic_matchers },
	{ "PATH", NULL, path_text }, { "PREVIEW", "preview", NULL },
	{ "TTL", NULL, ttl_text }, { "DECISIONS", "decisions", NULL },
};

static const struct column tunnel_cols[] = {
	{ "NAME", "name", NULL }, { "TYPE", "type", NULL },
	{ "TARGET", "target", NULL }, { "REMOTE", "remote", NULL },
	{ "VNI", "vni", NULL }, { "SOURCE", "source", NULL },
	{ "FAIL_OPEN", "fail_open", NULL },
};

static const struct column flow_cols[] = {
	{ "WORKER", "worker", NULL }, { "CLIENT", "client", NULL },
	{ "LISTENER", "listener", NULL }, { "STATE", "state", NULL },
	{ "SERVICE", "service", NULL }, { "INTERCEPT", "intercept", NULL },
	{ "TUNNEL", "tunnel", NULL }, { "TARGET", "target", NULL },
	{ "AGE", NULL, flow_age },
};

static const struct column backend_cols[] = {
	{ "SERVICE", "service", NULL }, { "ADDRESS", "address", NULL },
	{ "STATE", "state", NULL }, { "DRAIN", "drain", NULL },
	{ "FAILS", "consecutive_failures", NULL },
	{ "OKS", "consecutive_successes", NULL }, { "CHECKS", "checks", NULL },
	{ "LAST_FAILURE", NULL, backend_last_failure },
};

int render_intercepts(const struct doc *d, FILE *out, char *err,
		      size_t errlen)
{
	const struct json_node *l = doc_get(d, d->root, "intercepts");
	bool ttl = false;

	/* the TTL column only when some intercept expires */
	if (l != NULL && l->type == JSON_ARRAY)
		FOR_CHILD(d, l, ic)
			ttl |= doc_get(d, ic, "ttl_left_s") != NULL;
	if (ttl)
		return render_list(d, out, "intercepts", intercept_ttl_cols,
				   ARRAY_SIZE(intercept_ttl_cols), err, errlen);
	return render_list(d, out, "intercepts", intercept_cols,
			   ARRAY_SIZE(intercept_cols), err, errlen);
}

int render_tunnels(const struct doc *d, FILE *out, char *err, size_t errlen)
{
	return render_list(d, out, "tunnels", tunnel_cols,
			   ARRAY_SIZE(tunnel_cols), err, errlen);
}

int render_backends(const struct doc *d, FILE *out, char *err, size_t errlen)
{
	return render_list(d, out, "backends", backend_cols,
			   ARRAY_SIZE(backend_cols), err, errlen);
}

int render_flows(const struct doc *d, FILE *out, char *err, size_t errlen)
{
	return render_list(d, out, "flows", flow_cols, ARRAY_SIZE(flow_cols),
			   err, errlen);
}
