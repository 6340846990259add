/* steerd's responses as text for humans (docs/control.md).
 *
 * A response is one JSON object; it is parsed whole into a node array
 * sized from the text (see nodes_bound()), so a dump of a large
 * configuration or a full flow sample needs no fixed limit. Strings from
 * steerd are user data (names, regexes, error messages quoting a config
 * line): control characters are escaped before they reach a terminal. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "counters.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- parsed documents ---- */

struct doc {
	struct json_node *nodes;
	const struct json_node *root;
};

/* An upper bound of the values in TEXT[0..LEN): every value but the root
 * follows a '[', '{' or ',' outside a string. */
static size_t nodes_bound(const char *t, size_t len)
{
	size_t n = 1;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = t[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{' || c == ',') {
			n++;
		}
	}
	return n;
}

static int __attribute__((format(printf, 3, 4)))
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Parse TEXT into D; its root must be an object. */
static int doc_parse(struct doc *d, const char *text, size_t len,
		     const char *what, char *err, size_t errlen)
{
	size_t max = nodes_bound(text, len);
	const char *why = NULL;

	d->root = NULL;
	if (max > INT32_MAX)
		return errf(err, errlen, "%s too large", what);
	if ((d->nodes = calloc(max, sizeof(*d->nodes))) == NULL)
		return errf(err, errlen, "out of memory");
	if (json_parse(text, len, d->nodes, (unsigned)max, &why) < 0) {
		free(d->nodes);
		d->nodes = NULL;
		return errf(err, errlen, "malformed %s: %s", what,
			    why ? why : "unknown error");
	}
	if (d->nodes[0].type != JSON_OBJECT) {
		free(d->nodes);
		d->nodes = NULL;
		return errf(err, errlen, "malformed %s: not a JSON object",
			    what);
	}
	d->root = &d->nodes[0];
	return 0;
}

static void doc_free(struct doc *d)
{
	free(d->nodes);
	d->nodes = NULL;
}

#define FOR_CHILD(d, parent, c)                                         \
	for (const struct json_node *c = (parent)->first ?              \
		     &(d)->nodes[(parent)->first] : NULL;                \
	     c != NULL; c = c->next ? &(d)->nodes[c->next] : NULL)

static const struct json_node *get(const struct doc *d,
				   const struct json_node *obj,
				   const char *key)
{
	return json_get(d->nodes, obj, key);
}

static bool is_container(const struct json_node *n, enum json_type t)
{
	return n != NULL && n->type == t;
}

/* ---- text ---- */

/* Unescaped string node N (or an object member's key, with KEY) into a
 * malloc'd buffer; NULL when out of memory or N holds a NUL. */
static char *str_dup(const struct json_node *n, bool key)
{
	struct json_node k = { .type = JSON_STRING };
	char *buf;

	if (key) {
		k.str = n->key;
		k.str_len = n->key_len;
		n = &k;
	}
	if ((buf = malloc((size_t)n->str_len + 1)) == NULL)
		return NULL;
	if (json_str_copy(n, buf, (size_t)n->str_len + 1) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* S with C0 and C1 control characters (and DEL) written as \xNN or
 * \u00NN, so a name or message cannot move the cursor or change a
 * terminal's state; other UTF-8 passes through. Malloc'd, or NULL. */
static char *sanitize(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = malloc(n * 4 + 1);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			o += (size_t)sprintf(out + o, "\\x%02x", c);
		} else if (c == 0xc2 && i + 1 < n &&
			   (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0x9f) {
			/* U+0080..U+009F: two bytes become six characters */
			o += (size_t)sprintf(out + o, "\\u%04x",
					     (unsigned char)s[++i]);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

/* A number as an integer when it is one. */
static void fmt_number(double v, char *buf, size_t len)
{
	if (v >= -9e15 && v <= 9e15 && v == (double)(long long)v)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%g", v);
}

/* Any scalar N as display text (malloc'd); absent or null is "-". */
static char *text_of(const struct json_node *n)
{
	char num[40], *raw, *s;

	if (n == NULL || n->type == JSON_NULL)
		return strdup("-");
	switch (n->type) {
	case JSON_BOOL:
		return strdup(n->boolean ? "yes" : "no");
	case JSON_NUMBER:
		fmt_number(n->number, num, sizeof(num));
		return strdup(num);
	case JSON_STRING:
		if ((raw = str_dup(n, false)) == NULL)
			return strdup("?");
		s = sanitize(raw);
		free(raw);
		return s;
	default:
		return strdup(n->type == JSON_ARRAY ? "[...]" : "{...}");
	}
}

/* An object member's key as display text (malloc'd). */
static char *key_of(const struct json_node *n)
{
	char *raw = str_dup(n, true), *s;

	if (raw == NULL)
		return strdup("?");
	s = sanitize(raw);
	free(raw);
	return s;
}

static void print_node(FILE *out, const struct json_node *n)
{
	char *s = text_of(n);

	fputs(s ? s : "?", out);
	free(s);
}

/* Display width of UTF-8 S: code points (no wide-character tables). */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* ---- tables ---- */

/* Rows of COLS cells, the first row the header; cells are malloc'd and
 * owned by the table. */
struct table {
	unsigned cols;
	size_t n;                 /* cells */
	size_t cap;
	char **cells;
	bool failed;
};

static void tab_add(struct table *t, char *cell)
{
	if (cell == NULL)
		t->failed = true;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **c = realloc(t->cells, cap * sizeof(*c));

		if (c == NULL) {
			t->failed = true;
			free(cell);
			return;
		}
		t->cells = c;
		t->cap = cap;
	}
	t->cells[t->n++] = cell;
}

static void tab_addn(struct table *t, const struct json_node *n)
{
	tab_add(t, text_of(n));
}

static void tab_header(struct table *t, const char *const *names, unsigned n)
{
	t->cols = n;
	for (unsigned i = 0; i < n; i++)
		tab_add(t, strdup(names[i]));
}

/* Columns separated by two spaces, each as wide as its widest cell; the
 * last column is not padded. Returns -1 when out of memory. */
static int tab_print(const struct table *t, FILE *out)
{
	size_t *w = calloc(t->cols ? t->cols : 1, sizeof(*w));

	if (w == NULL || t->failed) {
		free(w);
		return -1;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t c = i % t->cols, cw = width(t->cells[i]);

		if (cw > w[c])
			w[c] = cw;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t c = i % t->cols;

		fputs(t->cells[i], out);
		if (c + 1 == t->cols || i + 1 == t->n)
			fputc('\n', out);
		else
			fprintf(out, "%*s",
				(int)(w[c] - width(t->cells[i]) + 2), "");
	}
	free(w);
	return 0;
}

static void tab_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
	*t = (struct table){ 0 };
}

/* ---- commands ---- */

static void fmt_uptime(double s, char *buf, size_t len)
{
	unsigned long long t = s > 0 ? (unsigned long long)s : 0;
	unsigned long long d = t / 86400, h = t / 3600 % 24, m = t / 60 % 60;

	if (d > 0)
		snprintf(buf, len, "%llud %lluh %llum %llus", d, h, m, t % 60);
	else if (h > 0)
		snprintf(buf, len, "%lluh %llum %llus", h, m, t % 60);
	else if (m > 0)
		snprintf(buf, len, "%llum %llus", m, t % 60);
	else
		snprintf(buf, len, "%llus", t);
}

static int render_status(const struct doc *d, FILE *out)
{
	static const char *const port_cols[] = { "PORT", "DEVICE", "ADDRESS" };
	const struct json_node *up = get(d, d->root, "uptime_s");
	const struct json_node *ic = get(d, d->root, "intercepts");
	const struct json_node *ports = get(d, d->root, "ports");
	struct table t = { 0 };
	char buf[64];
	int r;

	fputs("version     ", out);
	print_node(out, get(d, d->root, "version"));
	fputs("\nuptime      ", out);
	if (up != NULL && up->type == JSON_NUMBER) {
		fmt_uptime(up->number, buf, sizeof(buf));
		fputs(buf, out);
	} else {
		print_node(out, up);
	}
	fputs("\nconfig      ", out);
	print_node(out, get(d, d->root, "config"));
	fputs("\nworkers     ", out);
	print_node(out, get(d, d->root, "workers"));
	fputs("\ngeneration  ", out);
	print_node(out, get(d, d->root, "generation"));
	fputs("\nintercepts  ", out);
	/* a count; should it ever be the list, count it */
	if (is_container(ic, JSON_ARRAY))
		fprintf(out, "%u", ic->n_children);
	else
		print_node(out, ic);
	fputs("\n", out);
	if (!is_container(ports, JSON_ARRAY) || ports->n_children == 0)
		return 0;
	fputs("\n", out);
	tab_header(&t, port_cols, ARRAY_SIZE(port_cols));
	FOR_CHILD(d, ports, p) {
		tab_addn(&t, get(d, p, "name"));
		tab_addn(&t, get(d, p, "device"));
		tab_addn(&t, get(d, p, "address"));
	}
	r = tab_print(&t, out);
	tab_free(&t);
	return r;
}

/* The text of drop reason NAME from the one X-macro table, or "". */
static const char *drop_why(const char *name)
{
	static const char *const names[] = {
#define X(n, s) #n,
		STEER_DROPS(X)
#undef X
	};
	static const char *const why[] = {
#define X(n, s) s,
		STEER_DROPS(X)
#undef X
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(names[i], name) == 0)
			return why[i];
	return "";
}

static bool nonzero(const struct json_node *n)
{
	return n != NULL && !(n->type == JSON_NUMBER && n->number == 0);
}

/* A blank line between the sections of stats. */
static void section(FILE *out, bool *any)
{
	if (*any)
		fputc('\n', out);
	*any = true;
}

/* Member KEY's name upper-cased, as a column title (malloc'd). */
static char *title_of(const struct json_node *key)
{
	char *s = key_of(key);

	for (char *p = s; p != NULL && *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return s;
}

/* The non-zero members of object FIELD under column TITLE, with a column
 * per worker when WORKERS (the per-worker list) is given, and for drops
 * the reason's text. */
static int stats_counts(const struct doc *d, FILE *out, bool *any,
			const char *field, const char *title,
			const struct json_node *workers, bool drops)
{
	const struct json_node *obj = get(d, d->root, field);
	struct table t = { 0 };
	unsigned rows = 0;
	char col[32];
	int r = 0;

	if (!is_container(obj, JSON_OBJECT))
		return 0;
	t.cols = 2 + (workers ? workers->n_children : 0) + drops;
	tab_add(&t, strdup(title));
	tab_add(&t, strdup("TOTAL"));
	if (workers != NULL)
		for (unsigned w = 0; w < workers->n_children; w++) {
			snprintf(col, sizeof(col), "W%u", w);
			tab_add(&t, strdup(col));
		}
	if (drops)
		tab_add(&t, strdup("MEANING"));
	FOR_CHILD(d, obj, c) {
		char *key;

		if (!nonzero(c))
			continue;
		rows++;
		tab_add(&t, key_of(c));
		tab_addn(&t, c);
		key = str_dup(c, true);
		if (workers != NULL)
			FOR_CHILD(d, workers, w)
				tab_addn(&t, key ? get(d, get(d, w, field), key) :
					 NULL);
		if (drops)
			tab_add(&t, strdup(key ? drop_why(key) : ""));
		free(key);
	}
	section(out, any);
	if (t.failed)
		r = -1;
	else if (rows == 0)
		fprintf(out, "%s: %s\n", field, drops ? "none" : "all zero");
	else
		r = tab_print(&t, out);
	tab_free(&t);
	return r;
}

/* Stats "ports": an object of per-port objects (or a list of them with
 * names), one row per port, one column per member of the first. */
static int stats_ports(const struct doc *d, FILE *out, bool *any)
{
	const struct json_node *ports = get(d, d->root, "ports");
	const struct json_node *first;
	struct table t = { 0 };
	int r;

	if (ports == NULL || (ports->type != JSON_OBJECT &&
			      ports->type != JSON_ARRAY) ||
	    ports->n_children == 0)
		return 0;
	first = &d->nodes[ports->first];
	if (first->type != JSON_OBJECT)
		return 0;
	t.cols = 1 + first->n_children;
	tab_add(&t, strdup("PORT"));
	FOR_CHILD(d, first, k)
		tab_add(&t, title_of(k));
	FOR_CHILD(d, ports, p) {
		tab_add(&t, ports->type == JSON_OBJECT ? key_of(p) :
			    text_of(get(d, p, "name")));
		FOR_CHILD(d, first, k) {
			char *key = str_dup(k, true);

			tab_addn(&t, key ? get(d, p, key) : NULL);
			free(key);
		}
	}
	section(out, any);
	r = tab_print(&t, out);
	tab_free(&t);
	return r;
}

/* Decisions per intercept, zero included: an intercept that never
 * matches is worth seeing. */
static int stats_intercepts(const struct doc *d, FILE *out, bool *any)
{
	const struct json_node *ic = get(d, d->root, "intercepts");
	struct table t = { 0 };
	int r;

	if (!is_container(ic, JSON_OBJECT) || ic->n_children == 0)
		return 0;
	t.cols = 2;
	tab_add(&t, strdup("INTERCEPT"));
	tab_add(&t, strdup("DECISIONS"));
	FOR_CHILD(d, ic, c) {
		tab_add(&t, key_of(c));
		tab_addn(&t, c);
	}
	section(out, any);
	r = tab_print(&t, out);
	tab_free(&t);
	return r;
}

static int render_stats(const struct doc *d, FILE *out)
{
	const struct json_node *workers = get(d, d->root, "workers");
	bool any = false;

	/* present only with per_worker */
	if (!is_container(workers, JSON_ARRAY) || workers->n_children == 0)
		workers = NULL;
	if (stats_counts(d, out, &any, "counters", "COUNTER", workers,
			 false) != 0 ||
	    stats_counts(d, out, &any, "drops", "DROP", workers, true) != 0 ||
	    stats_ports(d, out, &any) != 0 ||
	    stats_intercepts(d, out, &any) != 0)
		return -1;
	return 0;
}

/* One header matcher as "h=v", "h^=prefix", "h~=regex", "h (present)";
 * baggage members as "baggage[k]...". */
static char *matcher_text(const struct doc *d, const struct json_node *m)
{
	static const struct { const char *key, *op; } conds[] = {
		{ "value", "=" }, { "prefix", "^=" }, { "regex", "~=" },
	};
	const struct json_node *subj = get(d, m, "name");
	const struct json_node *arg = NULL;
	bool baggage = subj == NULL;
	char *s = NULL, *a = NULL, *out;
	const char *op = " (present)";
	size_t len;

	if (baggage)
		subj = get(d, m, "baggage");
	for (size_t i = 0; i < ARRAY_SIZE(conds) && arg == NULL; i++)
		if ((arg = get(d, m, conds[i].key)) != NULL)
			op = conds[i].op;
	if ((s = text_of(subj)) == NULL ||
	    (arg != NULL && (a = text_of(arg)) == NULL)) {
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

	if (!is_container(h, JSON_ARRAY) || h->n_children == 0)
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
		const struct json_node *p = get(d, ic, kinds[i].key);
		char *v, *out;

		if (p == NULL || p->type != JSON_STRING)
			continue;
		if ((v = text_of(p)) == NULL ||
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
	const struct json_node *list = get(d, d->root, list_key);
	struct table t = { 0 };
	int r = 0;

	if (!is_container(list, JSON_ARRAY))
		return errf(err, errlen, "malformed response: no '%s' list",
			    list_key);
	if (list->n_children == 0) {
		fprintf(out, "no %s\n", list_key);
		return 0;
	}
	t.cols = n_cols;
	for (unsigned c = 0; c < n_cols; c++)
		tab_add(&t, strdup(cols[c].title));
	FOR_CHILD(d, list, e)
		for (unsigned c = 0; c < n_cols; c++)
			tab_add(&t, cols[c].key ? text_of(get(d, e, cols[c].key)) :
				    cols[c].fn(d, e));
	if (tab_print(&t, out) != 0)
		r = errf(err, errlen, "out of memory");
	tab_free(&t);
	return r;
}

static char *ic_matchers(const struct doc *d, const struct json_node *ic)
{
	return matchers_text(d, get(d, ic, "headers"));
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
	const struct json_node *a = get(d, f, "age_ms");
	char buf[48];

	if (!is_ms(a))
		return text_of(a);
	ms_text(buf, sizeof(buf), (long long)a->number);
	return strdup(buf);
}

/* "status 500, 3.2s ago", "timeout, 850ms ago", or "-". */
static char *backend_last_failure(const struct doc *d, const struct json_node *b)
{
	const struct json_node *lf = get(d, b, "last_failure");
	const struct json_node *st, *ago;
	char when[48], *reason, *out;
	size_t len;

	if (!is_container(lf, JSON_OBJECT))
		return strdup("-");
	if ((reason = text_of(get(d, lf, "reason"))) == NULL)
		return NULL;
	st = get(d, lf, "status");
	ago = get(d, lf, "ago_ms");
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

static int render_dump(const struct doc *d, FILE *out, char *err,
		       size_t errlen)
{
	const struct json_node *c = get(d, d->root, "config");
	char *text;
	size_t n;

	if (c == NULL || c->type != JSON_STRING)
		return errf(err, errlen, "malformed response: no 'config' text");
	/* as is: this is a configuration file to redirect somewhere */
	if ((text = str_dup(c, false)) == NULL)
		return errf(err, errlen, "malformed response: bad 'config' text");
	n = strlen(text);
	fwrite(text, 1, n, out);
	if (n > 0 && text[n - 1] != '\n')
		fputc('\n', out);
	free(text);
	return 0;
}

/* What each change did, for "intercept added (generation 7)". */
static const struct {
	const char *cmd, *done;
} changes[] = {
	{ "intercept.add", "intercept added" },
	{ "intercept.remove", "intercept removed" },
	{ "tunnel.add", "tunnel added" },
	{ "tunnel.remove", "tunnel removed" },
	{ "backend.add", "backend added" },
	{ "backend.remove", "backend removed" },
	{ "backend.drain", "backend draining" },
	{ "reload", "configuration reloaded" },
};

int cli_response_ok(const char *response, size_t len, char *err,
		    size_t errlen)
{
	const struct json_node *ok, *e;
	struct doc d;
	char *msg;

	if (doc_parse(&d, response, len, "response from steerd", err,
		      errlen) != 0)
		return -1;
	ok = get(&d, d.root, "ok");
	if (ok == NULL || ok->type != JSON_BOOL) {
		doc_free(&d);
		return errf(err, errlen,
			    "malformed response from steerd: no 'ok'");
	}
	if (ok->boolean) {
		doc_free(&d);
		return 1;
	}
	e = get(&d, d.root, "error");
	msg = e != NULL && e->type == JSON_STRING ? text_of(e) : NULL;
	errf(err, errlen, "%s", msg ? msg : "steerd refused the request "
		     "without a message");
	free(msg);
	doc_free(&d);
	return 0;
}

long long cli_response_generation(const char *response, size_t len)
{
	const struct json_node *g;
	struct doc d;
	long long v = -1;

	if (doc_parse(&d, response, len, "response", NULL, 0) != 0)
		return -1;
	g = get(&d, d.root, "generation");
	if (g != NULL && g->type == JSON_NUMBER && g->number >= 0 &&
	    g->number <= 9e15)
		v = (long long)g->number;
	doc_free(&d);
	return v;
}

int cli_request_cmd(const char *req, size_t len, char *buf, size_t buflen)
{
	const struct json_node *c;
	struct doc d;
	int r = -1;

	if (doc_parse(&d, req, len, "request", NULL, 0) != 0)
		return -1;
	c = get(&d, d.root, "cmd");
	if (c != NULL && c->type == JSON_STRING &&
	    json_str_copy(c, buf, buflen) >= 0)
		r = 0;
	doc_free(&d);
	return r;
}

int cli_render(const char *cmd, const char *response, size_t len, FILE *out,
	       char *err, size_t errlen)
{
	const struct json_node *g;
	struct doc d;
	int r;

	if ((r = cli_response_ok(response, len, err, errlen)) != 1)
		return -1;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (doc_parse(&d, response, len, "response from steerd", err,
		      errlen) != 0)
		return -1;
	r = 0;
	if (strcmp(cmd, "status") == 0) {
		r = render_status(&d, out);
	} else if (strcmp(cmd, "stats") == 0) {
		r = render_stats(&d, out);
	} else if (strcmp(cmd, "intercept.list") == 0) {
		r = render_list(&d, out, "intercepts", intercept_cols,
				ARRAY_SIZE(intercept_cols), err, errlen);
	} else if (strcmp(cmd, "tunnel.list") == 0) {
		r = render_list(&d, out, "tunnels", tunnel_cols,
				ARRAY_SIZE(tunnel_cols), err, errlen);
	} else if (strcmp(cmd, "backend.list") == 0) {
		r = render_list(&d, out, "backends", backend_cols,
				ARRAY_SIZE(backend_cols), err, errlen);
	} else if (strcmp(cmd, "flows") == 0) {
		r = render_list(&d, out, "flows", flow_cols,
				ARRAY_SIZE(flow_cols), err, errlen);
	} else if (strcmp(cmd, "dump") == 0) {
		r = render_dump(&d, out, err, errlen);
	} else {
		const char *done = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(changes); i++)
			if (strcmp(cmd, changes[i].cmd) == 0)
				done = changes[i].done;
		g = get(&d, d.root, "generation");
		if (done == NULL) {
			/* a command this steerctl does not know: show it all */
			fwrite(response, 1, len, out);
			if (len == 0 || response[len - 1] != '\n')
				fputc('\n', out);
		} else if (g != NULL) {
			fprintf(out, "%s (generation ", done);
			print_node(out, g);
			fputs(")\n", out);
		} else {
			fprintf(out, "%s\n", done);
		}
	}
	if (r != 0 && err != NULL && errlen > 0 && err[0] == '\0')
		errf(err, errlen, "out of memory");
	doc_free(&d);
	return r;
}
