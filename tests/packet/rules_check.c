#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rules_check.h"

#define TOK_MAX 96
#define REC_MAX 64               /* recording rules in a file */
#define SRC_MAX 8                /* steer_* metrics one of them reads */

/* The steer_* metrics a name stands for: itself, or what a recording
 * rule's expression reads. */
struct srcs {
	const char *what;             /* the name in the rules, for messages */
	unsigned n;
	char name[SRC_MAX][TOK_MAX];
	char name_buf[TOK_MAX];   /* WHAT, for a recording rule */
};

struct ctx {
	const char *text;             /* the exposition */
	const char *const *reasons;
	unsigned n_reasons;
	bool values;
	char *err;
	size_t len, used;
	unsigned problems;
	unsigned line;                /* of the rules file, from 1 */
	struct srcs rec[REC_MAX];
	unsigned n_rec;
};

static void problem(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	c->problems++;
	if (c->used + 1 >= c->len)
		return;
	n = snprintf(c->err + c->used, c->len - c->used, "line %u: ", c->line);
	if (n > 0)
		c->used += (size_t)n < c->len - c->used ? (size_t)n : c->len - c->used - 1;
	va_start(ap, fmt);
	n = vsnprintf(c->err + c->used, c->len - c->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->used += (size_t)n < c->len - c->used ? (size_t)n : c->len - c->used - 1;
	if (c->used + 1 < c->len) {
		c->err[c->used++] = '\n';
		c->err[c->used] = '\0';
	}
}

static bool is_ident_start(char ch)
{
	return isalpha((unsigned char)ch) || ch == '_';
}

/* Colons belong to names in PromQL (recording rules use them). */
static bool is_ident(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == ':';
}

/* Copy the identifier at P (no colons) into TOK; returns its end. */
static const char *label_ident(const char *p, char *tok)
{
	size_t n = 0;

	while ((isalnum((unsigned char)p[n]) || p[n] == '_') && n + 1 < TOK_MAX)
		n++;
	memcpy(tok, p, n);
	tok[n] = '\0';
	return p + n;
}

static bool span_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && strncmp(s, word, n) == 0;
}

/* Does the label list P (just past '{', up to END) hold LABEL, with VALUE
 * unless VALUE is NULL? steerd writes no escapes in its values. */
static bool labels_have(const char *p, const char *end, const char *label,
			const char *value)
{
	while (p < end && *p != '}') {
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || eq + 1 >= end || eq[1] != '"')
			return false;
		const char *v = eq + 2;
		const char *q = memchr(v, '"', (size_t)(end - v));
		if (q == NULL)
			return false;
		if (span_is(p, (size_t)(eq - p), label) &&
		    (value == NULL || span_is(v, (size_t)(q - v), value)))
			return true;
		p = q + 1;
		if (p < end && *p == ',')
			p++;
	}
	return false;
}

/* Is there a sample line in TEXT of METRIC (NULL: of any steer_* metric)
 * carrying LABEL (NULL: any sample at all) with VALUE (NULL: any)? */
static bool sample_has(const char *text, const char *metric, const char *label,
		       const char *value)
{
	for (const char *l = text; *l != '\0';) {
		const char *end = strchr(l, '\n');
		if (end == NULL)
			end = l + strlen(l);
		if (*l != '#') {
			size_t n = strcspn(l, "{ \n");
			bool ours = metric ? span_is(l, n, metric)
					   : strncmp(l, "steer_", 6) == 0;
			if (ours && (label == NULL ||
				     (l[n] == '{' && labels_have(l + n + 1, end, label, value))))
				return true;
		}
		l = *end ? end + 1 : end;
	}
	return false;
}

static bool type_line(const char *text, const char *metric)
{
	char pat[TOK_MAX + 16];

	snprintf(pat, sizeof(pat), "# TYPE %s ", metric);
	return strstr(text, pat) != NULL;
}

/* A label aggregated on or printed: on some steer_* series, or one of the
 * target labels Prometheus adds to every scraped series. */
static void check_label_any(struct ctx *c, const char *label)
{
	if (label[0] == '\0') {
		problem(c, "empty label name");
		return;
	}
	if (strcmp(label, "instance") == 0 || strcmp(label, "job") == 0)
		return;
	if (!sample_has(c->text, NULL, label, NULL))
		problem(c, "label \"%s\" is on no steer_* series", label);
}

static bool srcs_have(const struct ctx *c, const struct srcs *s, const char *label,
		      const char *value)
{
	for (unsigned i = 0; i < s->n; i++)
		if (sample_has(c->text, s->name[i], label, value))
			return true;
	return false;
}

static void check_value(struct ctx *c, const struct srcs *s, const char *label,
			const char *value)
{
	for (unsigned i = 0; i < s->n; i++) {
		if (strcmp(s->name[i], "steer_drops_total") != 0 || strcmp(label, "reason") != 0)
			continue;
		for (unsigned r = 0; r < c->n_reasons; r++)
			if (strcmp(c->reasons[r], value) == 0)
				return;
		problem(c, "%s: no drop reason \"%s\" (dataplane/counters.h)", s->what, value);
		return;
	}
	if (c->values && !srcs_have(c, s, label, value))
		problem(c, "%s{%s=\"%s\"}: steerd exports no such value", s->what,
			label, value);
}

static void check_matcher(struct ctx *c, const struct srcs *s, const char *label,
			  const char *value, bool regex)
{
	if (strcmp(label, "instance") == 0 || strcmp(label, "job") == 0)
		return;           /* Prometheus's own target labels */
	if (!srcs_have(c, s, NULL, NULL)) {
		problem(c, "%s{%s}: no samples to check the label against", s->what, label);
		return;
	}
	if (!srcs_have(c, s, label, NULL)) {
		problem(c, "%s has no label \"%s\"", s->what, label);
		return;
	}
	if (strstr(value, "{{") != NULL)
		return;           /* a template: its value is the alert's */
	if (!regex) {
		check_value(c, s, label, value);
		return;
	}
	/* Only plain words joined by '|' can be checked one by one. */
	for (const char *a = value;;) {
		size_t n = strcspn(a, "|");
		char alt[TOK_MAX];
		bool plain = n > 0 && n < sizeof(alt);
		for (size_t i = 0; plain && i < n; i++)
			plain = isalnum((unsigned char)a[i]) || a[i] == '_' || a[i] == '-';
		if (!plain) {
			problem(c, "%s{%s=~\"%s\"}: not plain alternatives, cannot be checked",
				s->what, label, value);
			return;
		}
		memcpy(alt, a, n);
		alt[n] = '\0';
		check_value(c, s, label, alt);
		if (a[n] == '\0')
			return;
		a += n + 1;
	}
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* The {matchers} at P (just past the name S->what); returns where
 * scanning goes on. Matchers do not span lines. */
static const char *check_matchers(struct ctx *c, const struct srcs *s, const char *p)
{
	char label[TOK_MAX], value[256];

	if (*p != '{')
		return p;
	for (p++;;) {
		p = skip_blanks(p);
		if (*p == '}')
			return p + 1;
		p = skip_blanks(label_ident(p, label));
		bool regex = false;
		if (strncmp(p, "=~", 2) == 0 || strncmp(p, "!~", 2) == 0) {
			regex = true;
			p += 2;
		} else if (strncmp(p, "!=", 2) == 0) {
			p += 2;
		} else if (*p == '=') {
			p++;
		} else {
			problem(c, "%s: matcher not understood", s->what);
			return p;
		}
		p = skip_blanks(p);
		if (*p == '\\')       /* inside a YAML double-quoted string */
			p++;
		if (*p != '"') {
			problem(c, "%s{%s}: value not quoted", s->what, label);
			return p;
		}
		const char *v = ++p;
		while (*p != '\0' && *p != '"' && *p != '\n')
			p++;
		if (*p != '"') {
			problem(c, "%s{%s}: value not closed on its line", s->what, label);
			return p;
		}
		size_t n = (size_t)(p - v);
		if (n > 0 && v[n - 1] == '\\')
			n--;
		if (n >= sizeof(value))
			n = sizeof(value) - 1;
		memcpy(value, v, n);
		value[n] = '\0';
		check_matcher(c, s, label, value, regex);
		p = skip_blanks(p + 1);
		if (*p == ',')
			p++;
	}
}

/* A by / without / on / ignoring / group_* keyword just before P: check
 * its (label, ...) list, if one follows. */
static const char *check_grouping(struct ctx *c, const char *p)
{
	char label[TOK_MAX];

	p = skip_blanks(p);
	if (*p != '(')
		return p;
	for (p++;;) {
		p = skip_blanks(p);
		if (*p == ')')
			return p + 1;
		p = label_ident(p, label);
		check_label_any(c, label);
		p = skip_blanks(p);
		if (*p == ',')
			p++;
		else if (*p != ')') {
			problem(c, "label list not understood");
			return p;
		}
	}
}

static bool is_grouping(const char *tok)
{
	static const char *const kw[] = { "by", "without", "on", "ignoring",
					  "group_left", "group_right" };

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strcmp(tok, kw[i]) == 0)
			return true;
	return false;
}

/* The identifier starting at *PP, if one starts there (a YAML comment is
 * skipped first); copied into TOK, *PP moved past it. False at the end of
 * the text or where no identifier starts (*PP then moves by one, past a
 * newline counted in *LINE). */
static bool next_ident(const char *rules, const char **pp, char *tok, unsigned *line)
{
	const char *p = *pp;

	if (*p == '#' && (p == rules || isspace((unsigned char)p[-1])))
		p += strcspn(p, "\n");
	if (*p == '\0') {
		*pp = p;
		return false;
	}
	if (!is_ident_start(*p) || (p > rules && is_ident(p[-1]))) {
		if (*p == '\n')
			(*line)++;
		*pp = p + 1;
		return false;
	}
	const char *s = p;
	while (is_ident(*p))
		p++;
	size_t n = (size_t)(p - s) < TOK_MAX ? (size_t)(p - s) : TOK_MAX - 1;
	memcpy(tok, s, n);
	tok[n] = '\0';
	*pp = p;
	return true;
}

static const struct srcs *rec_find(const struct ctx *c, const char *name)
{
	for (unsigned i = 0; i < c->n_rec; i++)
		if (strcmp(c->rec[i].what, name) == 0)
			return &c->rec[i];
	return NULL;
}

static void srcs_add(struct srcs *s, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (strcmp(s->name[i], name) == 0)
			return;
	if (s->n < SRC_MAX)
		snprintf(s->name[s->n++], TOK_MAX, "%s", name);
}

/* First pass: each "record: NAME" and the steer_* metrics its expression
 * reads, directly or through a recording rule defined before it. */
static void read_records(struct ctx *c, const char *rules)
{
	char tok[TOK_MAX];
	unsigned line = 1;
	struct srcs *cur = NULL;

	for (const char *p = rules; *p != '\0';) {
		if (!next_ident(rules, &p, tok, &line))
			continue;
		if (strcmp(tok, "alert:") == 0 || strcmp(tok, "alert") == 0) {
			cur = NULL;
		} else if (strcmp(tok, "record:") == 0 || strcmp(tok, "record") == 0) {
			p = skip_blanks(p + (*p == ':'));
			cur = NULL;
			if (c->n_rec < REC_MAX && next_ident(rules, &p, tok, &line)) {
				cur = &c->rec[c->n_rec++];
				snprintf(cur->name_buf, sizeof(cur->name_buf), "%s", tok);
				cur->what = cur->name_buf;
				cur->n = 0;
			}
		} else if (cur && strncmp(tok, "steer_", 6) == 0 && !strchr(tok, ':')) {
			srcs_add(cur, tok);
		} else if (cur && rec_find(c, tok) && rec_find(c, tok) != cur) {
			const struct srcs *r = rec_find(c, tok);
			for (unsigned i = 0; i < r->n; i++)
				srcs_add(cur, r->name[i]);
		}
	}
}

unsigned rules_check(const struct rules_check_in *in, char *err, size_t len,
		     unsigned *refs)
{
	static struct ctx c;          /* records: too large for the stack */
	const char *rules = in->rules, *text = in->text;
	char tok[TOK_MAX];

	c = (struct ctx){ .text = text, .reasons = in->reasons,
			  .n_reasons = in->n_reasons, .values = in->values,
			  .err = err, .len = len, .line = 1 };
	if (len)
		err[0] = '\0';
	*refs = 0;
	if (in->defs != NULL)
		read_records(&c, in->defs);
	read_records(&c, rules);
	for (const char *p = rules; *p != '\0';) {
		if (strncmp(p, "$labels.", 8) == 0) {
			p = label_ident(p + 8, tok);
			check_label_any(&c, tok);
			continue;
		}
		if (!next_ident(rules, &p, tok, &c.line))
			continue;
		if (strncmp(tok, "steer_", 6) == 0 && strchr(tok, ':') == NULL) {
			struct srcs one = { .what = tok, .n = 1 };
			snprintf(one.name[0], TOK_MAX, "%s", tok);
			(*refs)++;
			if (!sample_has(text, tok, NULL, NULL) && !type_line(text, tok))
				problem(&c, "%s: steerd exports no such metric", tok);
			p = check_matchers(&c, &one, p);
		} else if (strstr(tok, ":steer_") != NULL) {
			const struct srcs *r = rec_find(&c, tok);
			if (r == NULL)
				problem(&c, "%s: no recording rule of that name here", tok);
			else
				p = check_matchers(&c, r, p);
		} else if (is_grouping(tok)) {
			p = check_grouping(&c, p);
		}
	}
	return c.problems;
}
