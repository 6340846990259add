/* The writers conf_dump.c builds its text with: a growing buffer whose
 * out-of-memory error is sticky, libconfig string literals, one
 * ` KEY = VALUE;` at a time (each key brings its leading space), and lists
 * of groups. Private to libsteer; not an API. */
#ifndef STEER_CONF_DUMP_OUT_H
#define STEER_CONF_DUMP_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The growing output text. Errors (out of memory) are sticky. */
struct out {
	char *buf;
	size_t len;
	size_t cap;
	bool failed;
};

void out_puts(struct out *o, const char *s);
/* Numbers, addresses and key names only: a result longer than 255 bytes
 * fails O. */
void __attribute__((format(printf, 2, 3)))
out_printf(struct out *o, const char *fmt, ...);

/* S as a string literal, control characters escaped (libconfig 1.5
 * escapes), so that no string in the text holds a raw line break. */
void out_lit(struct out *o, const char *s);
/* ` KEY = "S";` */
void out_str(struct out *o, const char *key, const char *s);
/* ` KEY = N;`, with the L suffix beyond 32 bits. */
void out_uint(struct out *o, const char *key, unsigned long long v);
/* ` KEY = true;` / ` KEY = false;` */
void out_bool(struct out *o, const char *key, bool v);
/* "a.b.c.d" (IP in host byte order) into BUF. */
void fmt_ip(char buf[16], uint32_t ip);
/* ` KEY = "a.b.c.d";` */
void out_ip(struct out *o, const char *key, uint32_t ip);
/* ` KEY = "a.b.c.d:port";` */
void out_ip_port(struct out *o, const char *key, uint32_t ip, uint16_t port);

/* A list of groups, one element per line at INDENT:
 *   KEY = (
 *     { ... },
 *     { ... }
 *   );
 * and `KEY = ( );` when empty. */
struct list {
	struct out *o;
	const char *indent;
	unsigned n;
};

/* `KEY = (`, elements at INDENT. */
void list_begin(struct list *l, struct out *o, const char *indent,
		const char *key);
/* Starts the next element; the caller writes "{ ...}" */
void list_elem(struct list *l);
/* ` )` when empty, else the closing parenthesis on its own line. */
void list_end(struct list *l);

#endif
