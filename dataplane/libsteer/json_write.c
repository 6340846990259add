/* Minimal JSON (RFC 8259) for the control protocol: the writer (the
 * parser is json.c's). It appends to a malloc'd buffer (control thread
 * only) and always produces valid JSON, even from invalid UTF-8 input (see
 * jw_strn()). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json-int.h"

/* Room for N more bytes and the NUL. */
static bool jw_reserve(struct jw *w, size_t n)
{
	size_t cap = w->cap;
	char *b;

	if (w->failed)
		return false;
	if (w->cap - w->len > n)
		return true;
	if (n > SIZE_MAX / 2 - w->len) {
		w->failed = true;
		return false;
	}
	if (cap < 64)
		cap = 64;
	while (cap - w->len <= n)
		cap *= 2;
	if ((b = realloc(w->buf, cap)) == NULL) {
		w->failed = true;
		return false;
	}
	w->buf = b;
	w->cap = cap;
	return true;
}

static void put(struct jw *w, const char *s, size_t n)
{
	if (!jw_reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* Before any value or key: the separator from the previous sibling. */
static void sep(struct jw *w)
{
	if (w->need_comma)
		put(w, ",", 1);
}

void jw_init(struct jw *w)
{
	*w = (struct jw){ 0 };
	/* so that buf is a valid (empty) string before anything is written */
	jw_reserve(w, 0);
	if (!w->failed)
		w->buf[0] = '\0';
}

void jw_free(struct jw *w)
{
	free(w->buf);
	*w = (struct jw){ 0 };
}

void jw_obj_begin(struct jw *w)
{
	sep(w);
	put(w, "{", 1);
	w->need_comma = false;
}

void jw_obj_end(struct jw *w)
{
	put(w, "}", 1);
	w->need_comma = true;
}

void jw_arr_begin(struct jw *w)
{
	sep(w);
	put(w, "[", 1);
	w->need_comma = false;
}

void jw_arr_end(struct jw *w)
{
	put(w, "]", 1);
	w->need_comma = true;
}

/* S[0..N) as the contents of a JSON string. Escapes what RFC 8259 section
 * 7 requires (quote, backslash, U+0000..U+001F), passes valid UTF-8
 * through, and writes U+FFFD for each byte that is not part of a valid
 * sequence: messages quote user input (a config line in Latin-1, say), and
 * one bad byte must not make the whole reply unparseable. */
static void put_escaped(struct jw *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + n;

	put(w, "\"", 1);
	while (p < end) {
		const unsigned char *run = p;
		char esc[8];
		unsigned k;

		/* copy the longest run that needs no escaping at once */
		while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' &&
		       (k = json_utf8_len(p, end)) != 0)
			p += k;
		put(w, (const char *)run, (size_t)(p - run));
		if (p >= end)
			break;
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(w, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			put(w, esc, 6);
		} else {
			put(w, "\xef\xbf\xbd", 3);       /* U+FFFD */
		}
		p++;
	}
	put(w, "\"", 1);
}

void jw_key(struct jw *w, const char *key)
{
	sep(w);
	put_escaped(w, key, strlen(key));
	put(w, ":", 1);
	w->need_comma = false;
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	sep(w);
	put_escaped(w, s, n);
	w->need_comma = true;
}

void jw_str(struct jw *w, const char *s)
{
	jw_strn(w, s, strlen(s));
}

void jw_int(struct jw *w, long long v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%lld", v);

	jw_raw(w, b, (size_t)n);
}

void jw_uint(struct jw *w, unsigned long long v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%llu", v);

	jw_raw(w, b, (size_t)n);
}

void jw_bool(struct jw *w, bool v)
{
	jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *w)
{
	jw_raw(w, "null", 4);
}

void jw_raw(struct jw *w, const char *s, size_t n)
{
	sep(w);
	put(w, s, n);
	w->need_comma = true;
}
