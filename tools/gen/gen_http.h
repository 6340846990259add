/* HTTP/1.1 messages steer-gen writes and reads: requests of a mix entry,
 * responses of a server, and one small header parser for both. The parser
 * follows picohttpparser's contract: (buf, len) -> header length, -2 when
 * incomplete, -1 when malformed; it never allocates and points into BUF. */
#ifndef STEER_GEN_HTTP_H
#define STEER_GEN_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define GEN_ID_LEN 13             /* "%08x-%04x": fixed, so a message's
				     length does not depend on its number */
#define GEN_HDR_MAX 1024          /* longest header we write or keep */

/* What a request needs to be written. EXTRA: whole header lines, each
 * ending in CRLF (may be empty). */
struct gen_req {
	const char *method, *host, *path, *extra;
	uint32_t body;            /* Content-Length; 0: none sent */
	bool close;               /* last request of the connection */
};

/* Write REQ's header with ID into BUF (CAP bytes). Returns its length, or
 * 0 when it does not fit. The body is gen_body_fill() bytes. */
size_t gen_req_build(char *buf, size_t cap, const struct gen_req *req,
		     const char *id);

/* Write a 200 response header naming SERVED_BY, echoing ID and, when
 * non-empty, ECHO (the value of the echoed request header, as X-Echo) and
 * FWD (the request's X-Forwarded-For, as X-Echo-For) into BUF. Returns
 * its length or 0. */
size_t gen_resp_build(char *buf, size_t cap, const char *served_by,
		      const char *id, const char *echo, const char *fwd,
		      uint32_t body, bool close);

/* A slowloris connection's stream: a request line and its Host line,
 * then GEN_SLOW_LINE over and over, never the empty line that would end
 * the header. Write the first part for HOST into BUF (CAP bytes);
 * returns its length, or 0 when it does not fit. */
size_t gen_slow_prefix(char *buf, size_t cap, const char *host);

#define GEN_SLOW_LINE "X-Slowloris: 1\r\n"
#define GEN_SLOW_LINE_LEN 16u

/* Fill DST with bytes [OFF, OFF+LEN) of the slowloris stream whose first
 * part is PREFIX (PLEN bytes). */
void gen_slow_fill(uint8_t *dst, uint32_t off, uint32_t len,
		   const char *prefix, uint32_t plen);

/* Status of the response whose first LEN bytes are P ("HTTP/1.x DDD"),
 * or -1 when they are too few or are not a status line. */
int gen_http_status(const char *p, size_t len);

/* Body bytes: a pattern both ends can check, byte I of a body is
 * 'a' + I % 26. Fill DST with body bytes [OFF, OFF+LEN). */
void gen_body_fill(uint8_t *dst, uint32_t off, uint32_t len);

/* True when SRC holds body bytes [OFF, OFF+LEN). */
bool gen_body_check(const uint8_t *src, uint32_t off, uint32_t len);

struct gen_str {
	const char *p;
	size_t len;
};

/* A header field given twice reads as this value: the checks then see a
 * value nobody expects (an injected line must be there exactly once). */
#define GEN_REPEATED "(repeated)"

/* A parsed header. Absent fields have len 0 (content_length -1). */
struct gen_http_msg {
	int status;               /* responses */
	struct gen_str method, path; /* requests */
	int64_t content_length;
	bool close;               /* Connection: close */
	struct gen_str served_by; /* X-Served-By */
	struct gen_str id;        /* X-Gen-Id */
	struct gen_str echo;      /* X-Echo (responses) or the echo header */
	struct gen_str forwarded_for; /* X-Echo-For (responses) or
				     X-Forwarded-For (requests) */
};

/* Parse a request (IS_RESPONSE false) or response header in BUF[0..LEN).
 * ECHO_NAME: the request header whose value is kept in msg->echo (NULL:
 * none; responses keep X-Echo). Returns the header length including the
 * final CRLF CRLF, -2 incomplete, -1 malformed. */
int gen_http_parse(const char *buf, size_t len, bool is_response,
		   const char *echo_name, struct gen_http_msg *msg);

#endif
