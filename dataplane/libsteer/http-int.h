/* Internals of the request-header parser shared by its scan paths: the
 * character classes, the checks the line loops hand a field to, and the
 * paths themselves (scalar, SSE4.2, AVX2), one of which http.c picks at
 * start-up. Not for callers outside the parser and its tests. */
#ifndef STEER_HTTP_INT_H
#define STEER_HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

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
