/* Internals of the request-header parser shared by its scan paths: the
 * character classes, the checks the line loops hand a field to, and the
 * paths themselves (scalar, SSE4.2, AVX2), one of which http.c picks at
 * start-up. Not for callers outside the parser and its tests. */
#ifndef STEER_HTTP_INT_H
#define STEER_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http-t.h"

#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif
#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif

/* The header's lengths are uint16_t: a header that has not ended within
 * this many bytes never will. */
#define HTTP_MAX_HEADER 65535u

/* Character classes, one byte per octet (http_ctype). */
enum {
	C_TCHAR = 0x01,   /* token, RFC 9110 section 5.6.2 */
	C_VALUE = 0x02,   /* field-vchar / SP / HTAB, RFC 9110 section 5.5 */
	C_HOST = 0x04,    /* unreserved / sub-delims / '%', RFC 3986 3.2.2 */
	C_TARGET = 0x08,  /* VCHAR: what a request-target may hold */
	C_SCAN = 0x10,    /* NUL, LF, CR: the bytes the arrival scan stops on */
};

extern const uint8_t http_ctype[256];

/* Whether S[0..N) is NAME[0..N) (lowercase letters and '-'), ignoring
 * case, for N >= 4, a word at a time with 0x20 or'ed in: for a byte c,
 * c | 0x20 is a given lowercase letter only when c is that letter in
 * either case, and '-' only when c is '-' or CR, so S must hold no CR (a
 * field name's tchars, a parsed field value). For the parser's field
 * names and the framer's Connection options. */
static inline bool http_eq_lower(const void *s, const char *name, size_t n)
{
	const unsigned char *p = s;
	uint64_t a, b;
	uint32_t a4, b4, c4, d4;

	if (n < 8) {
		/* two words of 4 that overlap (the same one at N = 4) */
		memcpy(&a4, p, 4);
		memcpy(&b4, name, 4);
		memcpy(&c4, p + n - 4, 4);
		memcpy(&d4, name + n - 4, 4);
		return (a4 | 0x20202020u) == b4 && (c4 | 0x20202020u) == d4;
	}
	/* the words before the last; up to 16 bytes, the first one only */
	for (size_t i = 0; i + 8 < n; i += 8) {
		memcpy(&a, p + i, 8);
		memcpy(&b, name + i, 8);
		if ((a | 0x2020202020202020ull) != b)
			return false;
	}
	memcpy(&a, p + n - 8, 8);
	memcpy(&b, name + n - 8, 8);
	return (a | 0x2020202020202020ull) == b;
}

/* The checks of http.c the line loops call (see there). */
int http_host_check(const unsigned char *s, size_t n, size_t from);
enum http_error http_target_parse(struct http_req *r);
enum http_error http_content_length_parse(struct http_req *r,
					  const unsigned char *v, size_t n);
enum http_error http_transfer_encoding_parse(struct http_req *r,
					     const unsigned char *v, size_t n);

/* One scan path: http_parse_request() without its first check. Every path
 * gives the same result and leaves the same resume state for any input. */
typedef int (*http_parse_fn)(struct http_req *r, const char *buf, size_t len);

int http_parse_scalar(struct http_req *r, const char *buf, size_t len);
#if defined(__x86_64__) || defined(__i386__)
#define HTTP_HAVE_X86 1
int http_parse_sse42(struct http_req *r, const char *buf, size_t len);
int http_parse_avx2(struct http_req *r, const char *buf, size_t len);
#endif

/* For tests and the differential fuzzer: the paths this build has (index 0
 * is the scalar one), their names, whether this CPU runs them, and a way
 * to force one for every later http_parse_request() (not thread-safe: the
 * choice is a plain pointer, written at start-up). */
int http_path_count(void);
const char *http_path_name(int i);
int http_path_supported(int i);
/* Returns 0, or -1 when I is out of range or not supported. */
int http_path_use(int i);
/* Index of the path in use. */
int http_path_current(void);
/* Parse with path I regardless of the one in use (I must be supported). */
int http_parse_with(int i, struct http_req *r, const char *buf, size_t len);

#endif
