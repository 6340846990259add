/* libFuzzer target for the HTTP/1.1 framing parsers. The first byte picks a
 * mode: a response to GET, to HEAD or to CONNECT (heads until a final one,
 * then its body framed by hf_resp_body_kind()), or a chunked request body.
 * The rest is fed at once, byte by byte, in pieces sized from the input's
 * own bytes, and in such pieces passing opaque bytes with hf_body_skip();
 * all four must agree on every count, error and the whole final state. A
 * feed never takes more than it is given, nor anything after the message
 * ended. Any disagreement aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { M_GET, M_HEAD, M_CONNECT, M_CHUNKED };
enum { S_WHOLE, S_BYTES, S_PIECES, S_SKIP };

struct outcome {
	long head;                /* bytes of the heads, or -1 */
	long body;                /* bytes of the body, or -1 */
	int heads;
	enum hf_kind kind;
	uint64_t length;
	struct hf_resp r;
	struct hf_body b;
};

static struct outcome runs[4];

#define need(cond)                                                            \
	do {                                                                  \
		if (!(cond))                                                  \
			abort();                                              \
	} while (0)

/* A complete head keeps the promises its fields make. */
static void check_head(const struct hf_resp *r)
{
	need(r->error == HF_ERR_NONE);
	need(r->status >= 100 && r->status <= 999);
	need(r->minor <= 1);
	need(!(r->te && r->content_length >= 0));
	need(!r->chunked || r->te);
	need(!r->te || r->minor == 1);
	need(r->content_length >= -1 &&
	     r->content_length <= 999999999999999999);
	need(r->n_fields <= HF_MAX_FIELDS);
	need(r->head_len <= HF_MAX_HEAD);
}

static size_t next_piece(int how, const uint8_t *in, size_t len, size_t off,
			 size_t *k)
{
	size_t n;

	if (how == S_WHOLE)
		return len - off;
	if (how == S_BYTES)
		return 1;
	/* Sizes from the input's bytes read from its end, so they vary
	 * independently of the head at its start. */
	n = 1 + (*k > 0 ? in[--*k] % 64 : 63);
	return n < len - off ? n : len - off;
}

/* Body bytes P[0..M): fed, or in S_SKIP partly skipped. Returns the bytes
 * taken or -1. */
static long body_take(struct outcome *o, int how, const char *p, size_t m)
{
	if (how == S_SKIP) {
		uint64_t op = hf_body_opaque(&o->b);
		if (op > 0) {
			uint64_t n = op < m ? op : m;
			hf_body_skip(&o->b, n);
			need(hf_body_opaque(&o->b) == op - n ||
			     op == UINT64_MAX);
			return (long)n;
		}
		/* Framing bytes a byte at a time. */
		m = m > 0 ? 1 : 0;
	}
	long r = hf_body_feed(&o->b, p, m);
	if (r == HF_BODY_ERROR) {
		need(o->b.error > HF_ERR_NONE && o->b.error < HF_ERR__COUNT);
		need(hf_body_feed(&o->b, p, m) == HF_BODY_ERROR);
		return -1;
	}
	need(r >= 0 && (size_t)r <= m);
	need((size_t)r == m || o->b.done);
	return r;
}

static void run(struct outcome *o, int mode, int how, const char *in,
		size_t len)
{
	size_t off = 0, k = len;
	int phase = 0;            /* 0 heads, 1 body, 2 ended, 3 failed */

	memset(o, 0, sizeof(*o));
	hf_resp_init(&o->r);
	if (mode == M_CHUNKED) {
		hf_body_init(&o->b, HF_CHUNKED, 0);
		phase = 1;
	}
	while (off < len && phase < 2) {
		size_t n = next_piece(how, (const uint8_t *)in, len, off, &k);
		size_t used = 0;

		while (used < n && phase < 2) {
			const char *p = in + off + used;
			size_t m = n - used;
			long r;

			if (phase == 1) {
				r = body_take(o, how, p, m);
				if (r < 0) {
					o->body = -1;
					phase = 3;
					break;
				}
				used += (size_t)r;
				o->body += r;
				if (o->b.done)
					phase = 2;
				continue;
			}
			r = hf_resp_feed(&o->r, p, m);
			if (r == HF_RESP_ERROR) {
				need(o->r.error > HF_ERR_NONE &&
				     o->r.error < HF_ERR__COUNT);
				need(hf_resp_feed(&o->r, p, m) == HF_RESP_ERROR);
				need(o->r.head_len <= HF_MAX_HEAD);
				o->head = -1;
				phase = 3;
				break;
			}
			need(r >= 0 && (size_t)r <= m);
			need((size_t)r == m || o->r.done);
			used += (size_t)r;
			o->head += r;
			if (!o->r.done)
				continue;
			check_head(&o->r);
			o->heads++;
			o->kind = hf_resp_body_kind(&o->r, mode == M_HEAD,
						    mode == M_CONNECT, &o->length);
			if (o->r.status < 200 && o->r.status != 101) {
				/* Interim: another head follows. */
				need(o->kind == HF_NONE);
				hf_resp_init(&o->r);
				continue;
			}
			need(o->kind != HF_TUNNEL || o->r.status == 101 ||
			     mode == M_CONNECT);
			need(!hf_resp_keepalive(&o->r, o->kind) ||
			     (o->kind != HF_CLOSE && o->kind != HF_TUNNEL));
			hf_body_init(&o->b, o->kind, o->length);
			phase = o->b.done ? 2 : 1;
		}
		if (phase == 2) {
			/* Nothing after the message is taken. */
			size_t at = off + used;
			need(hf_body_feed(&o->b, in + at, len - at) == 0);
			need(hf_body_opaque(&o->b) == 0);
			if (mode != M_CHUNKED)
				need(hf_resp_feed(&o->r, in + at, len - at) == 0);
		}
		off += n;
	}
	if (o->body >= 0 && o->b.kind == HF_LENGTH && phase != 0)
		need((uint64_t)o->body <= o->length &&
		     o->b.done == ((uint64_t)o->body == o->length));
	if (o->body >= 0 && (o->b.kind == HF_CLOSE || o->b.kind == HF_TUNNEL))
		need(!o->b.done && (size_t)(o->head + o->body) == len);
}

static int same(const struct outcome *a, const struct outcome *b)
{
	const struct hf_resp *r = &a->r, *s = &b->r;
	const struct hf_body *x = &a->b, *y = &b->b;

	return a->head == b->head && a->body == b->body &&
	       a->heads == b->heads && a->kind == b->kind &&
	       a->length == b->length &&
	       r->status == s->status && r->minor == s->minor &&
	       r->done == s->done && r->chunked == s->chunked &&
	       r->te == s->te && r->conn_close == s->conn_close &&
	       r->conn_keepalive == s->conn_keepalive &&
	       r->content_length == s->content_length &&
	       r->error == s->error && r->st == s->st && r->pos == s->pos &&
	       r->names == s->names && r->field == s->field &&
	       r->digits == s->digits && r->n_fields == s->n_fields &&
	       r->list.st == s->list.st && r->list.words == s->list.words &&
	       r->list.pos == s->list.pos &&
	       r->list.members == s->list.members &&
	       r->head_len == s->head_len &&
	       x->left == y->left && x->line == y->line &&
	       x->trailer == y->trailer && x->kind == y->kind &&
	       x->st == y->st && x->error == y->error && x->done == y->done;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	int mode = data[0] % 4;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;

	for (int how = S_WHOLE; how <= S_SKIP; how++)
		run(&runs[how], mode, how, in, len);
	for (int how = S_BYTES; how <= S_SKIP; how++)
		need(same(&runs[S_WHOLE], &runs[how]));
	return 0;
}
