/* libFuzzer target for the JSON parser and writer. Any bytes must parse or
 * be refused with a message, never crash or read outside the input. A
 * parsed document must be a well-formed tree (indexes in range, children
 * after their parent, counts right, pointers inside the input), and writing
 * it back with the writer must give a document that parses to the same
 * tree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_NODES 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct json_node nodes[MAX_NODES], again[MAX_NODES];
static char sbuf[1 << 17];

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool inside(const char *p, uint32_t n, const char *text, size_t len)
{
	return p >= text && (size_t)(p - text) <= len &&
	       n <= len - (size_t)(p - text);
}

/* Node I and its subtree; returns how many nodes that is. */
static uint32_t walk(const struct json_node *nd, int n, uint32_t i,
		     const char *text, size_t len, bool in_object)
{
	const struct json_node *x = &nd[i];
	uint32_t count = 1, kids = 0;

	if (in_object)
		check(x->key != NULL && inside(x->key, x->key_len, text, len));
	else
		check(x->key == NULL);
	if (x->type == JSON_STRING)
		check(x->str != NULL && inside(x->str, x->str_len, text, len));
	if (x->type != JSON_ARRAY && x->type != JSON_OBJECT) {
		check(x->first == 0 && x->n_children == 0);
		return 1;
	}
	for (uint32_t c = x->first, prev = i; c != 0; c = nd[c].next) {
		/* pre-order: every link points forward, so no cycle */
		check(c > prev && c < (uint32_t)n);
		count += walk(nd, n, c, text, len, x->type == JSON_OBJECT);
		prev = c;
		kids++;
	}
	check(kids == x->n_children);
	return count;
}

/* A raw string (key or value) written back through the writer. */
static void put_string(struct jw *w, const char *s, uint32_t len, bool key)
{
	struct json_node t = { .type = JSON_STRING, .str = s, .str_len = len };
	int n = json_str_copy(&t, sbuf, sizeof(sbuf));

	if (n < 0) {
		/* \u0000, which no C string holds, or longer than sbuf: the
		 * raw text is valid JSON, so write it as it came. jw_raw()
		 * then leaves need_comma set, which a key must clear. */
		if (len + 3 > sizeof(sbuf))
			abort();
		sbuf[0] = '"';
		memcpy(sbuf + 1, s, len);
		memcpy(sbuf + 1 + len, "\":", 2);
		jw_raw(w, sbuf, len + (key ? 3 : 2));
		if (key)
			w->need_comma = false;
		return;
	}
	if (key)
		jw_key(w, sbuf);
	else
		jw_strn(w, sbuf, (size_t)n);
}

static void rewrite(const struct json_node *nd, uint32_t i, struct jw *w)
{
	const struct json_node *x = &nd[i];
	char num[40];

	switch (x->type) {
	case JSON_NULL:
		jw_null(w);
		return;
	case JSON_BOOL:
		jw_bool(w, x->boolean);
		return;
	case JSON_NUMBER:
		/* 17 significant digits read back as the same double */
		snprintf(num, sizeof(num), "%.17g", x->number);
		jw_raw(w, num, strlen(num));
		return;
	case JSON_STRING:
		put_string(w, x->str, x->str_len, false);
		return;
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (x->type == JSON_ARRAY)
			jw_arr_begin(w);
		else
			jw_obj_begin(w);
		for (uint32_t c = x->first; c != 0; c = nd[c].next) {
			if (x->type == JSON_OBJECT)
				put_string(w, nd[c].key, nd[c].key_len, true);
			rewrite(nd, c, w);
		}
		if (x->type == JSON_ARRAY)
			jw_arr_end(w);
		else
			jw_obj_end(w);
		return;
	}
}

/* Same shape and values; strings compared unescaped. */
static void same(const struct json_node *a, const struct json_node *b, int n)
{
	static char ua[1 << 16], ub[1 << 16];

	for (int i = 0; i < n; i++) {
		check(a[i].type == b[i].type && a[i].first == b[i].first &&
		      a[i].next == b[i].next && a[i].n_children == b[i].n_children);
		if (a[i].type == JSON_BOOL)
			check(a[i].boolean == b[i].boolean);
		if (a[i].type == JSON_NUMBER)
			check(memcmp(&a[i].number, &b[i].number, sizeof(double)) == 0);
		if (a[i].type == JSON_STRING) {
			int la = json_str_copy(&a[i], ua, sizeof(ua));
			int lb = json_str_copy(&b[i], ub, sizeof(ub));

			check(la == lb && (la < 0 || memcmp(ua, ub, (size_t)la) == 0));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *err = NULL;
	int n = json_parse(text, size, nodes, MAX_NODES, &err);
	struct jw w;
	int m;

	if (n < 0) {
		check(err != NULL && *err != '\0');
		return 0;
	}
	check(n > 0 && n <= MAX_NODES && err == NULL);
	check(nodes[0].next == 0 && nodes[0].key == NULL);
	check(walk(nodes, n, 0, text, size, false) == (uint32_t)n);

	jw_init(&w);
	rewrite(nodes, 0, &w);
	if (w.failed) {
		jw_free(&w);
		return 0;
	}
	m = json_parse(w.buf, w.len, again, MAX_NODES, &err);
	if (m != n) {
		fprintf(stderr, "re-parse: %d nodes (want %d): %s\n%.*s\n", m, n,
			err ? err : "", (int)(w.len < 500 ? w.len : 500), w.buf);
		abort();
	}
	same(nodes, again, n);
	jw_free(&w);
	return 0;
}
