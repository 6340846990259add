/* HTTP/1.1 message framing: where a request or response body ends, the
 * response head, and whether a connection persists. Pure C, no allocation,
 * resumable at any byte: the dataplane feeds TCP segments as they come and
 * keeps the state in its flow entry. Strict wherever a disagreement with a
 * client or backend about where a message ends would let a request be
 * smuggled past the rules (RFC 9112 sections 4 to 7, 9.3). */
#ifndef STEER_HTTP_FRAME_H
#define STEER_HTTP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "http-t.h"
#include "http_frame-t.h"

#define HF_BODY_ERROR (-1)
#define HF_RESP_ERROR (-1)

/* ---- bodies ---- */

/* Start body B framed as KIND; LENGTH is the Content-Length for HF_LENGTH
 * and ignored otherwise. HF_NONE, and HF_LENGTH with 0, start done. */
void hf_body_init(struct hf_body *b, enum hf_kind kind, uint64_t length);

/* Consume body bytes P[0..LEN). Returns how many belong to this message
 * (<= LEN; fewer than LEN only when the message ended inside P, and then
 * B->done is set), or HF_BODY_ERROR with B->error set. Once done it
 * returns 0, once failed HF_BODY_ERROR. HF_CLOSE and HF_TUNNEL take every
 * byte and never end. Chunk data bytes are skipped by count, never read. */
long hf_body_feed(struct hf_body *b, const char *p, size_t len);

/* How many bytes from the current position are opaque, to be passed on
 * without being looked at: HF_LENGTH, what is left; HF_CHUNKED, what is
 * left of the current chunk's data (0 on size lines, CRLFs and trailers);
 * HF_CLOSE and HF_TUNNEL, UINT64_MAX; done, failed or HF_NONE, 0. Inline:
 * every spliced body segment asks, in both directions. */
static inline uint64_t hf_body_opaque(const struct hf_body *b)
{
	if (b->done || b->error != HF_ERR_NONE)
		return 0;
	switch (b->kind) {
	case HF_LENGTH:
		return b->left;
	case HF_CHUNKED:
		return b->st == HF_BODY_ST_DATA ? b->left : 0;
	case HF_CLOSE:
	case HF_TUNNEL:
		return UINT64_MAX;
	default:
		return 0;
	}
}

/* Advance B over N opaque bytes without seeing them; N is cut to
 * hf_body_opaque(B). The last byte of an HF_LENGTH body sets done; the last
 * data byte of a chunk moves on to the CRLF that must follow it. */
static inline void hf_body_skip(struct hf_body *b, uint64_t n)
{
	uint64_t max = hf_body_opaque(b);

	if (n > max)
		n = max;
	if (n == 0 || b->kind == HF_CLOSE || b->kind == HF_TUNNEL)
		return;
	/* HF_LENGTH, or HF_CHUNKED in chunk data. */
	b->left -= n;
	if (b->left != 0)
		return;
	if (b->kind == HF_LENGTH)
		b->done = true;
	else
		b->st = HF_BODY_ST_DATA_CR;
}

/* ---- response heads ---- */

/* Reset R for a new response head (also after an interim 1xx response). */
void hf_resp_init(struct hf_resp *r);

/* Feed response head bytes P[0..LEN). Returns how many were consumed
 * (<= LEN; fewer only when the head ended inside P, and then R->done is
 * set), or HF_RESP_ERROR with R->error set. Once done it returns 0, once
 * failed HF_RESP_ERROR. The status line may omit the reason phrase, with
 * or without the SP before it ("HTTP/1.1 204\r\n"): RFC 9112 section 4
 * asks for the SP, but many servers leave it out and the framing does not
 * depend on it. */
long hf_resp_feed(struct hf_resp *r, const char *p, size_t len);

/* How the body of the complete response head R is framed (RFC 9112
 * section 6.3), for a request whose method was HEAD (REQ_HEAD) or CONNECT
 * (REQ_CONNECT): 101 is HF_TUNNEL; other 1xx, 204, 304 and any response to
 * HEAD are HF_NONE (after a 1xx other than 101 another head follows: the
 * caller checks the status); 2xx to CONNECT is HF_TUNNEL; then chunked is
 * HF_CHUNKED, other Transfer-Encodings HF_CLOSE, a Content-Length
 * HF_LENGTH with *LENGTH set (LENGTH may be NULL), and HF_CLOSE otherwise.
 * A head that is not done gives HF_CLOSE. */
enum hf_kind hf_resp_body_kind(const struct hf_resp *r, bool req_head,
			       bool req_connect, uint64_t *length);

/* Whether the connection persists after response R framed as K (RFC 9112
 * section 9.3): HTTP/1.1 unless Connection lists close, HTTP/1.0 only if
 * it lists keep-alive (and not close); never after HF_CLOSE, nor after
 * HF_TUNNEL (what follows is no longer HTTP), nor when R is not a complete
 * head. */
bool hf_resp_keepalive(const struct hf_resp *r, enum hf_kind k);

/* ---- requests, over a header http_parse_request() accepted ---- */

/* chunked, Content-Length, or none: a request with neither has no body
 * (RFC 9112 section 6.3 items 4 to 7). *LENGTH (may be NULL) is the
 * Content-Length for HF_LENGTH, else 0. */
enum hf_kind hf_req_body_kind(const struct http_req *q, uint64_t *length);

/* Whether the client wants the connection kept: HTTP/1.1 unless a
 * Connection field lists close, HTTP/1.0 only if one lists keep-alive and
 * none close (RFC 9112 section 9.3). Connection fields are comma lists of
 * case-insensitive tokens and several combine (RFC 9110 section 7.6.1); a
 * value that is not such a list means close, which is always safe. */
bool hf_req_keepalive(const struct http_req *q);

/* Whether Q asks to switch protocols: an Upgrade field is present and
 * Connection lists upgrade (RFC 9110 section 7.8). */
bool hf_req_upgrade(const struct http_req *q);

/* Whether Q is the connection's last request: not kept alive, or an
 * upgrade (!hf_req_keepalive(Q) || hf_req_upgrade(Q), in one pass over
 * its fields). */
bool hf_req_last(const struct http_req *q);

/* Whether Q's method is exactly HEAD (methods are case-sensitive, RFC 9110
 * section 9.1). */
bool hf_req_is_head(const struct http_req *q);

/* A short text for E. */
const char *hf_error_str(enum hf_error e);

#endif
