/* HTTP/1.x request-header parser: incremental, never allocates, points into
 * the caller's buffer. Strict where leniency enables request smuggling
 * (RFC 9112 sections 2.2, 3, 5, 6.1). */
#ifndef STEER_HTTP_H
#define STEER_HTTP_H

#include <stddef.h>
#include "http-t.h"

#define HTTP_INCOMPLETE (-2)
#define HTTP_ERROR (-1)

/* Reset R for a new request. */
void http_req_init(struct http_req *r);

/* Parse the request header at BUF[0..LEN). Call again with the same R and a
 * longer LEN as bytes arrive; work already done is not repeated (bytes are
 * checked once on arrival, the full parse runs once the blank line is in).
 * Returns the header's length including the final CRLFCRLF (> 0) when
 * complete, HTTP_INCOMPLETE when more bytes are needed, or HTTP_ERROR with
 * R->error set. Bytes past the header (a body) are not looked at. Errors are
 * reported as soon as a bad byte is seen, not only at the end. */
int http_parse_request(struct http_req *r, const char *buf, size_t len);

/* The status to answer an error with (400 or 431), and a short text. */
int http_error_status(enum http_error e);
const char *http_error_str(enum http_error e);

/* Case-insensitive comparison of a field name with a lowercase NAME. */
int http_name_eq(const struct http_field *f, const char *name, size_t len);

/* Index of the first field named NAME (lowercase), starting at FROM, or -1. */
int http_find_field(const struct http_req *r, const char *name, size_t len,
		    int from);

#endif
