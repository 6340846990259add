/* Minimal JSON (RFC 8259) for the control protocol: a bounded parser that
 * fills a caller-provided node array (no allocation) and a growing writer.
 * Strings stay in the input; json_str_copy() unescapes them. */
#ifndef STEER_JSON_H
#define STEER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_node {
	enum json_type type;
	const char *key;          /* member name in an object (raw, as in input) */
	uint32_t key_len;
	const char *str;          /* JSON_STRING: raw contents between quotes */
	uint32_t str_len;
	bool escaped;             /* the raw string contains backslash escapes */
	bool boolean;
	double number;
	uint32_t n_children;      /* arrays and objects */
	uint32_t next;            /* index of the next sibling, 0 = none */
	uint32_t first;           /* index of the first child, 0 = none */
};

/* Parse TEXT[0..LEN) into NODES (node 0 is the root). Returns the number of
 * nodes used, or -1 with *ERR set to a static message (syntax error, depth
 * over 32, more than MAX nodes, trailing bytes). Whitespace around the value
 * is allowed. Strings must be valid UTF-8 escapes-wise (\uXXXX surrogates
 * paired). */
int json_parse(const char *text, size_t len, struct json_node *nodes,
	       unsigned max, const char **err);

/* Member KEY of object node OBJ, or NULL. */
const struct json_node *json_get(const struct json_node *nodes,
				 const struct json_node *obj, const char *key);

/* The I-th child of an array or object, or NULL. */
const struct json_node *json_child(const struct json_node *nodes,
				   const struct json_node *n, uint32_t i);

/* Unescape string node N into BUF (NUL-terminated). Returns the length, or
 * -1 if it does not fit or contains a NUL (\u0000). */
int json_str_copy(const struct json_node *n, char *buf, size_t len);

/* Number node N as an integer: true and *V set when N is a number with no
 * fraction inside +-9.2e18 (checked before any cast: casting a double out
 * of long long's range is undefined); false and *V untouched otherwise,
 * N NULL included. */
bool json_int(const struct json_node *n, long long *v);

/* Writer: appends to a malloc'd, NUL-terminated buffer. Errors (out of
 * memory) are sticky: check jw.failed at the end. */
struct jw {
	char *buf;
	size_t len;
	size_t cap;
	bool failed;
	bool need_comma;
};

void jw_init(struct jw *w);
void jw_free(struct jw *w);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);       /* inside an object */
void jw_str(struct jw *w, const char *s);         /* escaped as needed */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, long long v);
void jw_uint(struct jw *w, unsigned long long v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Raw JSON text (already valid), e.g. a nested document. */
void jw_raw(struct jw *w, const char *s, size_t n);

#endif
