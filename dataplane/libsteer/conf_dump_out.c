/* The output side of conf_dump(): a growing text buffer, libconfig string
 * literals (and conf_quote(), the same quoting for callers outside) and
 * the ` key = value;` and list writers the sections are made of; see
 * conf_dump_out.h.
 *
 * Control thread only (malloc). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_dump_out.h"

/* Room for N more bytes and the NUL. */
static bool out_reserve(struct out *o, size_t n)
{
	size_t cap = o->cap ? o->cap : 4096;
	char *b;

	if (o->failed)
		return false;
	if (o->cap - o->len > n)
		return true;
	while (cap - o->len <= n && cap < SIZE_MAX / 2)
		cap *= 2;
	if (cap - o->len <= n || (b = realloc(o->buf, cap)) == NULL) {
		o->failed = true;
		return false;
	}
	o->buf = b;
	o->cap = cap;
	return true;
}

static void out_put(struct out *o, const char *s, size_t n)
{
	if (!out_reserve(o, n))
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

void out_puts(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

void out_printf(struct out *o, const char *fmt, ...)
{
	char b[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	/* only used for numbers, addresses and key names: never longer */
	if (n < 0 || (size_t)n >= sizeof(b)) {
		o->failed = true;
		return;
	}
	out_put(o, b, (size_t)n);
}

/* ---- string literals ---- */

/* S as a libconfig 1.5 string literal into DST (NULL: only count); returns
 * its length. libconfig's scanner knows \" \\ \n \r \t \f and \xNN; any
 * other byte is taken as it is. With CTL false, a control character sets
 * *BAD instead. With CTL true (dumping a loaded config, whose strings the
 * loader accepted) control characters are written as escapes, so the text
 * never has a raw line break inside a string: the loader's @include check
 * works line by line. \x00 cannot occur: S is a C string. */
static size_t quote(char *dst, const char *s, bool ctl, bool *bad)
{
	static const char hex[] = "0123456789abcdef";
	static const char esc_in[] = "\"\\\n\r\t\f", esc_out[] = "\"\\nrtf";
	size_t n = 0;

#define EMIT(c) do { if (dst != NULL) dst[n] = (c); n++; } while (0)
	EMIT('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *e;

		if (*p >= 0x20 && *p != 0x7f && *p != '"' && *p != '\\') {
			EMIT((char)*p);
			continue;
		}
		if (*p != '"' && *p != '\\' && !ctl) {
			*bad = true;
			return 0;
		}
		EMIT('\\');
		if ((e = strchr(esc_in, *p)) != NULL) {
			EMIT(esc_out[e - esc_in]);
		} else {
			EMIT('x');
			EMIT(hex[*p >> 4]);
			EMIT(hex[*p & 15]);
		}
	}
	EMIT('"');
#undef EMIT
	return n;
}

int conf_quote(char *buf, size_t len, const char *s)
{
	bool bad = false;
	size_t n = quote(NULL, s, false, &bad);

	if (bad)
		return -EINVAL;
	if (n >= len || n > INT32_MAX)
		return -ENOSPC;
	quote(buf, s, false, &bad);
	buf[n] = '\0';
	return (int)n;
}

/* S as a string literal (escaped, see quote()). */
void out_lit(struct out *o, const char *s)
{
	bool bad = false;
	size_t n = quote(NULL, s, true, &bad);

	if (!out_reserve(o, n))
		return;
	quote(o->buf + o->len, s, true, &bad);
	o->len += n;
	o->buf[o->len] = '\0';
}

/* ` KEY = "S";` (each key brings its leading space) */
void out_str(struct out *o, const char *key, const char *s)
{
	out_printf(o, " %s = ", key);
	out_lit(o, s);
	out_puts(o, ";");
}

/* ` KEY = N;`. libconfig reads a literal beyond 32 bits without the L
 * suffix as a truncated int (docs/configuration.md, "Limits of libconfig
 * 1.5"): larger values get the suffix. None of today's keys can reach
 * that, but the dump must stay right if one grows. */
void out_uint(struct out *o, const char *key, unsigned long long v)
{
	out_printf(o, " %s = %llu%s;", key, v, v > INT32_MAX ? "L" : "");
}

void out_bool(struct out *o, const char *key, bool v)
{
	out_printf(o, " %s = %s;", key, v ? "true" : "false");
}

void fmt_ip(char buf[16], uint32_t ip)
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255,
		 ip >> 8 & 255, ip & 255);
}

/* ` KEY = "a.b.c.d";` */
void out_ip(struct out *o, const char *key, uint32_t ip)
{
	char b[16];

	fmt_ip(b, ip);
	out_printf(o, " %s = \"%s\";", key, b);
}

/* ` KEY = "a.b.c.d:port";` */
void out_ip_port(struct out *o, const char *key, uint32_t ip,
			uint16_t port)
{
	char b[16];

	fmt_ip(b, ip);
	out_printf(o, " %s = \"%s:%u\";", key, b, port);
}

void list_begin(struct list *l, struct out *o, const char *indent,
		       const char *key)
{
	*l = (struct list){ .o = o, .indent = indent };
	out_printf(o, "%s = (", key);
}

/* Starts the next element; the caller writes "{ ...}" */
void list_elem(struct list *l)
{
	out_puts(l->o, l->n++ ? ",\n" : "\n");
	out_puts(l->o, l->indent);
	out_puts(l->o, "  ");
}

void list_end(struct list *l)
{
	if (l->n == 0) {
		out_puts(l->o, " )");
		return;
	}
	out_puts(l->o, "\n");
	out_puts(l->o, l->indent);
	out_puts(l->o, ")");
}
