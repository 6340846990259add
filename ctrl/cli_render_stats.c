/* steerctl status and steerctl stats as text: the daemon's summary, and
 * its non-zero counters, drops (each with its meaning, from the one
 * X-macro table of counters.h), ports and decisions per intercept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-int.h"
#include "counters.h"

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

int render_status(const struct doc *d, FILE *out)
{
	static const char *const port_cols[] = { "PORT", "DEVICE", "ADDRESS" };
	const struct json_node *up = doc_get(d, d->root, "uptime_s");
	const struct json_node *ic = doc_get(d, d->root, "intercepts");
	const struct json_node *ports = doc_get(d, d->root, "ports");
	struct table t = { 0 };
	char buf[64];
	int r;

	fputs("version     ", out);
	node_print(out, doc_get(d, d->root, "version"));
	fputs("\nuptime      ", out);
	if (up != NULL && up->type == JSON_NUMBER) {
		fmt_uptime(up->number, buf, sizeof(buf));
		fputs(buf, out);
	} else {
		node_print(out, up);
	}
	fputs("\nconfig      ", out);
	node_print(out, doc_get(d, d->root, "config"));
	fputs("\nworkers     ", out);
	node_print(out, doc_get(d, d->root, "workers"));
	fputs("\nserving     ", out);
	node_print(out, doc_get(d, d->root, "serving"));
	fputs("\ngeneration  ", out);
	node_print(out, doc_get(d, d->root, "generation"));
	fputs("\nintercepts  ", out);
	/* a count; should it ever be the list, count it */
	if (node_is(ic, JSON_ARRAY))
		fprintf(out, "%u", ic->n_children);
	else
		node_print(out, ic);
	fputs("\n", out);
	const struct json_node *cl = doc_get(d, d->root, "cluster");
	if (node_is(cl, JSON_OBJECT)) {
		/* steer-etcd's last report (docs/scale-out.md) */
		static const char *const rows[][2] = {
			{ "cluster     ", "name" }, { "node        ", "node" },
			{ "etcd        ", "etcd_endpoints" },
			{ "revision    ", "revision" },
			{ "etcd seen   ", "etcd_last_reachable_s" },
			{ "refused     ", "changes_refused" },
			{ "last error  ", "last_error" },
		};
		for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
			const struct json_node *v = doc_get(d, cl, rows[i][1]);
			fputs(rows[i][0], out);
			node_print(out, v);
			fputs(i == 4 && node_is(v, JSON_NUMBER) ? "s ago\n" : "\n", out);
		}
	}
	if (!node_is(ports, JSON_ARRAY) || ports->n_children == 0)
		return 0;
	fputs("\n", out);
	tab_header(&t, port_cols, ARRAY_SIZE(port_cols));
	FOR_CHILD(d, ports, p) {
		tab_addn(&t, doc_get(d, p, "name"));
		tab_addn(&t, doc_get(d, p, "device"));
		tab_addn(&t, doc_get(d, p, "address"));
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
	char *s = node_key(key);

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
	const struct json_node *obj = doc_get(d, d->root, field);
	struct table t = { 0 };
	unsigned rows = 0;
	char col[32];
	int r = 0;

	if (!node_is(obj, JSON_OBJECT))
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
		tab_add(&t, node_key(c));
		tab_addn(&t, c);
		key = node_str(c, true);
		if (workers != NULL)
			FOR_CHILD(d, workers, w)
				tab_addn(&t, key ? doc_get(d, doc_get(d, w, field),
							   key) : NULL);
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
	const struct json_node *ports = doc_get(d, d->root, "ports");
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
		tab_add(&t, ports->type == JSON_OBJECT ? node_key(p) :
			    node_text(doc_get(d, p, "name")));
		FOR_CHILD(d, first, k) {
			char *key = node_str(k, true);

			tab_addn(&t, key ? doc_get(d, p, key) : NULL);
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
	const struct json_node *ic = doc_get(d, d->root, "intercepts");
	struct table t = { 0 };
	int r;

	if (!node_is(ic, JSON_OBJECT) || ic->n_children == 0)
		return 0;
	t.cols = 2;
	tab_add(&t, strdup("INTERCEPT"));
	tab_add(&t, strdup("DECISIONS"));
	FOR_CHILD(d, ic, c) {
		tab_add(&t, node_key(c));
		tab_addn(&t, c);
	}
	section(out, any);
	r = tab_print(&t, out);
	tab_free(&t);
	return r;
}

int render_stats(const struct doc *d, FILE *out)
{
	const struct json_node *workers = doc_get(d, d->root, "workers");
	bool any = false;

	/* present only with per_worker */
	if (!node_is(workers, JSON_ARRAY) || workers->n_children == 0)
		workers = NULL;
	if (stats_counts(d, out, &any, "counters", "COUNTER", workers,
			 false) != 0 ||
	    stats_counts(d, out, &any, "drops", "DROP", workers, true) != 0 ||
	    stats_ports(d, out, &any) != 0 ||
	    stats_intercepts(d, out, &any) != 0)
		return -1;
	return 0;
}
