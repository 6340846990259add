/* HTTP/1.1 framing: what the body and response-head parsers share
 * (character classes, connection options, error texts) and the request
 * helpers, which read a header http_parse_request() already accepted. The
 * body parser is in http_frame_body.c, the response head in
 * http_frame_resp.c. */
#include <string.h>

#include "http.h"
#include "http-int.h"
#include "http_frame.h"
#include "http_frame-int.h"

/* HF_C_* of every octet; tests/unit/http_frame_test.c checks each byte
 * against the grammar through the parsers. */
const uint8_t hf_ctype[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 00 */
	0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 08 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 18 */
	0x0a, 0x0b, 0x02, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,  /* 20 */
	0x0a, 0x0a, 0x0b, 0x0b, 0x0a, 0x0b, 0x0b, 0x0a,  /* 28 */
	0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,  /* 30 */
	0x0f, 0x0f, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* 38 */
	0x0a, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0b,  /* 40 */
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,  /* 48 */
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,  /* 50 */
	0x0b, 0x0b, 0x0b, 0x0a, 0x02, 0x0a, 0x0b, 0x0b,  /* 58 */
	0x0b, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0b,  /* 60 */
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,  /* 68 */
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,  /* 70 */
	0x0b, 0x0b, 0x0b, 0x0a, 0x0b, 0x0a, 0x0b, 0x00,  /* 78 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* 80 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* 88 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* 90 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* 98 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* a0 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* a8 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* b0 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* b8 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* c0 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* c8 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* d0 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* d8 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* e0 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* e8 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* f0 */
	0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,  /* f8 */
};

const struct hf_word hf_conn_words[HF_W__COUNT] = {
	[HF_W_CLOSE] = { "close", 5 },
	[HF_W_KEEPALIVE] = { "keep-alive", 10 },
	[HF_W_UPGRADE] = { "upgrade", 7 },
};

static const char *const errors[HF_ERR__COUNT] = {
#define HF_ERR_ROW(n, t) [HF_ERR_##n] = t,
	HF_ERRORS(HF_ERR_ROW)
#undef HF_ERR_ROW
};

const char *hf_error_str(enum hf_error e)
{
	if ((unsigned)e >= HF_ERR__COUNT)
		return "unknown error";
	return errors[e];
}

enum hf_kind hf_req_body_kind(const struct http_req *q, uint64_t *length)
{
	enum hf_kind k = HF_NONE;
	uint64_t n = 0;

	/* http_parse_request() refused Content-Length with Transfer-Encoding
	 * and any Transfer-Encoding not ending in chunked, so at most one of
	 * these holds (RFC 9112 section 6.3 items 3 to 6). */
	if (q->chunked) {
		k = HF_CHUNKED;
	} else if (q->content_length >= 0) {
		k = HF_LENGTH;
		n = (uint64_t)q->content_length;
	}
	if (length != NULL)
		*length = n;
	return k;
}

/* The connection options every Connection field of a request lists, and
 * whether it has an Upgrade field: one pass over the fields. */
struct conn_options {
	bool seen[HF_W__COUNT];
	bool bad;                 /* a value is not a list of tokens */
	bool upgrade_field;
};

/* Whether value V[0..N) is exactly the one option word W, in any case: the
 * common values ("keep-alive", "close", "Upgrade") need no tokenizer. A
 * parsed field value holds no CR, so the parser's word-at-a-time compare
 * applies. */
static bool value_is_word(const char *v, size_t n, const struct hf_word *w)
{
	if (n != w->len)
		return false;
	if (n >= 4)
		return http_eq_lower(v, w->s, n);
	for (size_t i = 0; i < n; i++)
		if (hf_lower((unsigned char)v[i]) != (unsigned char)w->s[i])
			return false;
	return true;
}

static void list_options(const struct http_field *f, struct conn_options *o)
{
	for (unsigned w = 0; w < HF_W__COUNT; w++)
		if (value_is_word(f->value, f->value_len, &hf_conn_words[w])) {
			o->seen[w] = true;
			return;
		}
	/* The streaming tokenizer the response parser uses, so both
	 * directions read a Connection list alike. */
	struct hf_list l;
	int m;

	hf_list_init(&l);
	for (size_t i = 0; i <= f->value_len; i++) {
		if (i < f->value_len)
			m = hf_list_step(&l, hf_conn_words, HF_W__COUNT,
					 (unsigned char)f->value[i]);
		else
			m = hf_list_end(&l, hf_conn_words, HF_W__COUNT);
		if (m == HF_LIST_BAD)
			o->bad = true;
		else if (m >= 0 && m < HF_W__COUNT)
			o->seen[m] = true;
	}
}

/* The parser noted the Connection and Upgrade fields: most requests have
 * one Connection field or none, and no walk over the fields. */
static void conn_options(const struct http_req *q, struct conn_options *o)
{
	memset(o, 0, sizeof(*o));
	o->upgrade_field = q->upgrade_field;
	if (q->n_conn == 0)
		return;
	if (q->n_conn == 1) {
		list_options(&q->fields[q->conn_field - 1], o);
		return;
	}
	for (int k = q->conn_field - 1; k < q->n_fields; k++) {
		const struct http_field *f = &q->fields[k];
		/* the length first: most names are ruled out by it */
		if (f->name_len == 10 && http_name_eq(f, "connection", 10))
			list_options(f, o);
	}
}

/* RFC 9112 section 9.3, in its order: close ends the connection, then 1.1
 * persists, then 1.0 persists only with keep-alive. A list we cannot read
 * is taken as close: closing is always safe. */
static bool keepalive(const struct http_req *q, const struct conn_options *o)
{
	if (o->bad || o->seen[HF_W_CLOSE])
		return false;
	return q->minor >= 1 || o->seen[HF_W_KEEPALIVE];
}

/* A server must ignore Upgrade in an HTTP/1.0 request, and a sender of
 * Upgrade must list it in Connection (RFC 9110 section 7.8). */
static bool upgrade(const struct http_req *q, const struct conn_options *o)
{
	return q->minor >= 1 && o->upgrade_field && !o->bad &&
	       o->seen[HF_W_UPGRADE];
}

bool hf_req_keepalive(const struct http_req *q)
{
	struct conn_options o;

	conn_options(q, &o);
	return keepalive(q, &o);
}

bool hf_req_upgrade(const struct http_req *q)
{
	struct conn_options o;

	conn_options(q, &o);
	return upgrade(q, &o);
}

bool hf_req_last(const struct http_req *q)
{
	struct conn_options o;

	conn_options(q, &o);
	return !keepalive(q, &o) || upgrade(q, &o);
}

bool hf_req_is_head(const struct http_req *q)
{
	return q->method_len == 4 && memcmp(q->method, "HEAD", 4) == 0;
}
