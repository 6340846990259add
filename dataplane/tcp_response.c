/* Per-request routing, backend side: response framing (RFC 9112 section
 * 6.3). Every response byte is spliced to the client as it comes; this
 * stage only follows where each response ends, so that the client side
 * knows when the leg is quiet and another request may go to another
 * target. Responses come in request order (section 9.3.2): the pending
 * requests of a leg are a count and a bit per HEAD request. A response
 * the framing cannot follow ends the connection: it would otherwise let
 * the client and the router disagree about what the next request is. */
#include "flow.h"
#include "http_frame.h"
#include "stats.h"
#include "tcp.h"

void resp_expect(struct flow *f, bool head)
{
	if (f->n_pend < PEND_MAX) {
		f->pend_head |= (uint8_t)((head ? 1u : 0u) << f->n_pend);
		f->n_pend++;
	}
	if (f->rs == RS_IDLE) {
		f->rs = RS_HEAD;
		hf_resp_init(&f->rs_head);
	}
}

static void resp_done(struct flow *f)
{
	f->pend_head >>= 1;
	if (f->n_pend)
		f->n_pend--;
	if (f->n_pend) {
		f->rs = RS_HEAD;
		hf_resp_init(&f->rs_head);
	} else {
		f->rs = RS_IDLE;
	}
}

static void head_done(struct flow *f)
{
	uint16_t st = f->rs_head.status;
	uint64_t len = 0;

	if (st >= 100 && st < 200 && st != 101) {
		/* Interim (100 Continue, 103): the final one follows. */
		hf_resp_init(&f->rs_head);
		return;
	}
	enum hf_kind k = hf_resp_body_kind(&f->rs_head, f->pend_head & 1, false, &len);
	if (!hf_resp_keepalive(&f->rs_head, k))
		f->resp_last = true;
	if (k == HF_TUNNEL) {
		f->rs = RS_TUNNEL;
		return;
	}
	if (k == HF_NONE) {
		resp_done(f);
		return;
	}
	hf_body_init(&f->rs_body, k, len);
	f->rs = RS_BODY;
	if (f->rs_body.done)
		resp_done(f);
}

static bool resp_abort(struct worker *w, struct flow *f, struct seg *s,
		       enum steer_drop why)
{
	count_drop(w, why, s->m);
	flow_reset_both(w, f, f->s_nxt);
	w->st.cnt[CNT_closed_error]++;
	flow_free(w, f);
	return false;
}

bool resp_backend_data(struct worker *w, struct flow *f, struct seg *s)
{
	uint32_t a = s->seq, e = s->seq + s->len;

	if (f->rs == RS_TUNNEL || SEQ_LEQ(e, f->rs_frame))
		return true;      /* no framing, or framed already */
	if (SEQ_LT(f->rs_frame, a)) {
		/* Out of order: fine inside a body's opaque bytes. */
		if (f->rs != RS_BODY ||
		    (uint64_t)(a - f->rs_frame) > hf_body_opaque(&f->rs_body)) {
			count_drop(w, DROP_frame_ooo, s->m);
			return false;
		}
		hf_body_skip(&f->rs_body, a - f->rs_frame);
		f->rs_frame = a;
		if (f->rs_body.done)
			resp_done(f);
	}
	uint32_t off = f->rs_frame - a;
	while (off < s->len) {
		long n;
		switch (f->rs) {
		case RS_HEAD:
			n = hf_resp_feed(&f->rs_head, s->data + off, s->len - off);
			if (n < 0)
				return resp_abort(w, f, s, DROP_resp_framing);
			off += (uint32_t)n;
			if (f->rs_head.done)
				head_done(f);
			else if (n == 0)
				return resp_abort(w, f, s, DROP_resp_framing);
			break;
		case RS_BODY: {
			uint64_t op = hf_body_opaque(&f->rs_body);
			if (op >= s->len - off) {
				hf_body_skip(&f->rs_body, s->len - off);
				n = s->len - off;
			} else {
				n = hf_body_feed(&f->rs_body, s->data + off, s->len - off);
				if (n < 0)
					return resp_abort(w, f, s, DROP_resp_framing);
			}
			off += (uint32_t)n;
			if (f->rs_body.done)
				resp_done(f);
			else if (n == 0)
				return resp_abort(w, f, s, DROP_resp_framing);
			break;
		}
		case RS_TUNNEL:
			off = s->len;
			break;
		case RS_IDLE:
		default:
			/* Bytes nobody asked for: a backend out of step. */
			return resp_abort(w, f, s, DROP_resp_unsolicited);
		}
	}
	f->rs_frame = e;
	return true;
}
