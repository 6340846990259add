/* Per-request routing, client side (listeners[].routing = "request";
 * DESIGN.md "Per-request routing"). The client's byte stream is framed
 * request by request: a header is collected in the flow's buffer and
 * decided with the rules in force when it arrives; its body (Content-Length
 * or chunked, http_frame.h) is spliced; the next header is collected again.
 * A request for the leg the flow is spliced to goes on at once; one for
 * another target waits until the leg is quiet (every response complete and
 * acknowledged by the client, every byte we sent acknowledged by the
 * backend), then the leg goes to the idle pool or is closed (tcp_leg.c),
 * and the request goes on an idle leg to its target or a new one.
 *
 * Sequence spaces: hbuf[0] is client byte h_seq and backend byte b_base.
 * Bytes the body spliced past the buffer map by c2b; the previous
 * request's spliced bytes, [c_prev_lo, c_prev_hi), by c2b_prev. One
 * buffered request is on its way at a time: bytes of the next one that
 * arrive while it is not yet acknowledged are kept behind it in the buffer
 * when they follow it there, and otherwise refused (req_wait) for the
 * client to send again. */
#include <string.h>

#include <rte_mempool.h>

#include "flow.h"
#include "http.h"
#include "http_frame.h"
#include "pkt.h"
#include "stats.h"
#include "tcp.h"

/* A duplicate: say again what we have (RFC 9293 section 3.10.7.4). */
static void dup_ack(struct worker *w, struct flow *f, struct seg *s)
{
	uint32_t win = f->b_wnd >> our_wscale(f);
	struct rte_mbuf *m = tcp_build(w, &f->c, s->ack, f->c_acked, TCP_ACK,
				       (uint16_t)(win > 65535 ? 65535 : win),
				       NULL, 0, NULL, 0);
	if (m)
		tx_send(w, f->c.port, m);
	count_drop(w, DROP_tcp_dup, s->m);
}

/* The ACK S carries is the backend's even when S's bytes stay with us:
 * take it (and the window) before they are used, and say whether it is
 * news for the backend. */
static bool ack_take(struct flow *f, const struct seg *s)
{
	if (!(s->flags & TCP_ACK))
		return false;
	uint32_t ack = s->ack - f->b2c;
	bool news = flow_leg_alive(f) &&
		    (ack != f->b_ack || f->c_wnd != rte_be_to_cpu_16(s->th->rx_win));
	f->c_wnd = rte_be_to_cpu_16(s->th->rx_win);
	if (flow_leg_alive(f) && SEQ_LT(f->b_ack, ack))
		f->b_ack = ack;
	return news;
}

/* A pure ACK to the backend with what ack_take() took, when no segment of
 * ours carried it since. */
static void ack_to_backend(struct worker *w, struct flow *f, bool news,
			   uint32_t s_nxt_before)
{
	if (!news || !flow_leg_alive(f) || f->s_nxt != s_nxt_before)
		return;
	uint8_t bs = f->b_ws_ok ? f->c_wscale : 0;
	uint32_t win = (uint32_t)f->c_wnd << (f->c_ws_ok ? f->c_wscale : 0) >> bs;
	struct rte_mbuf *m = tcp_build(w, &f->b, f->s_nxt, f->b_ack, TCP_ACK,
				       (uint16_t)(win > 65535 ? 65535 : win),
				       NULL, 0, NULL, 0);
	if (m != NULL)
		flow_send_backend(w, f, m);
}

/* The body framing failed: nothing more of this stream can be trusted. */
static void body_error(struct worker *w, struct flow *f)
{
	w->st.drop[DROP_req_framing]++;
	if (f->held || !flow_leg_alive(f)) {
		req_fail(w, f, 400);
		return;
	}
	flow_reset_both(w, f, f->s_nxt);
	w->st.cnt[CNT_closed_error]++;
	flow_free(w, f);
}

/* Frame the buffer's contiguous bytes past rq_frame (the decided request's
 * body). Returns false when the flow was closed. */
static bool frame_buffer(struct worker *w, struct flow *f)
{
	if (f->rq != RQ_BODY)
		return true;
	uint32_t from = f->rq_frame - f->h_seq;
	if (from >= f->hlen)
		return true;
	long n = hf_body_feed(&f->rq_body, f->hbuf + phys(f, from), f->hlen - from);
	if (n < 0) {
		body_error(w, f);
		return false;
	}
	f->rq_frame += (uint32_t)n;
	f->out_len = f->rq_frame - f->h_seq;
	if (f->rq_body.done) {
		f->rq = RQ_DONE;
		f->c_msg_end = f->rq_frame;
	}
	return true;
}

void req_decided(struct worker *w, struct flow *f)
{
	uint64_t len = 0;
	enum hf_kind k = hf_req_body_kind(&w->req, &len);

	f->nx_head = hf_req_is_head(&w->req);
	/* RFC 9112 section 9.3 (Connection: close, HTTP/1.0 without
	 * keep-alive) and RFC 9110 section 7.8 (Upgrade): nothing after this
	 * request is ours to decide. */
	f->nx_last = hf_req_last(&w->req);
	hf_body_init(&f->rq_body, k, len);
	f->rq = RQ_BODY;
	f->rq_frame = f->h_seq + f->hdr_end;
	f->out_len = f->hdr_end;
	if (f->rq_body.done) {
		f->rq = RQ_DONE;
		f->c_msg_end = f->rq_frame;
		return;
	}
	frame_buffer(w, f);
}

void req_buffer_grew(struct worker *w, struct flow *f)
{
	frame_buffer(w, f);
}

void req_on_leg(struct worker *w, struct flow *f)
{
	(void)w;
	f->held = false;
	f->held_switch = false;
	resp_expect(f, f->nx_head);
	if (f->nx_last) {
		/* From here on, connection routing: every byte the buffer
		 * holds goes, and the rest is spliced. */
		f->per_req = false;
		f->rq = RQ_TUNNEL;
		f->out_len = f->hlen;
		f->c_buf_end = f->h_seq + f->hlen;
	}
}

/* The request in the buffer goes on the leg it is spliced to. */
static void same_leg(struct worker *w, struct flow *f)
{
	w->st.cnt[CNT_requests_same_leg]++;
	f->c2b = f->b_base + f->inj_len - f->h_seq;
	f->c_buf_end = f->h_seq + f->out_len;
	f->b_sent = 0;
	f->b_una = f->b_base;
	f->retries = 0;
	req_on_leg(w, f);
	splice_push(w, f, false);
	flow_timer(w, f, 200);    /* RTO for the buffered request */
}

/* Start the buffer afresh at client byte SEQ, where the last request
 * ended: its spliced bytes keep their offset as the previous region. */
static void buffer_restart(struct worker *w, struct flow *f, uint32_t seq)
{
	f->c_prev_lo = f->c_buf_end;
	f->c_prev_hi = seq;
	f->c2b_prev = f->c2b;
	f->b_base = seq + f->c2b;
	f->h_seq = seq;
	f->c_buf_end = seq;
	f->hdr_end = 0;
	f->inj_len = 0;
	f->out_len = 0;
	f->parse_scanned = 0;
	f->parse_eol = 0;
	f->b_sent = 0;
	f->b_una = f->b_base;
	f->rq = RQ_HEADER;
	f->t_req = 0;
	if (f->hbuf && f->hlen == 0 && f->n_ooo == 0)
		flow_put_hbuf(w, f);
}

static void header_progress(struct worker *w, struct flow *f);

void req_delivered(struct worker *w, struct flow *f)
{
	uint32_t out = f->out_len;

	if (out == 0 || f->held)
		return;
	/* Bytes of the next request behind the delivered one move to the
	 * front; the request's spliced rest (if any) keeps c2b. */
	f->b_base += buffered(f);
	hbuf_drop_front(f, out);
	f->c_buf_end = f->h_seq;
	f->hdr_end = 0;
	f->inj_len = 0;
	f->out_len = 0;
	f->b_sent = 0;
	f->b_una = f->b_base;
	flow_timer(w, f, (uint64_t)w->sh->conf->dataplane.timeouts.idle_s * 1000);
	if (f->rq == RQ_DONE) {
		buffer_restart(w, f, f->c_msg_end);
		header_progress(w, f);
		return;
	}
	/* The body goes on by splicing: nothing buffered is left. */
	f->c_prev_lo = f->c_prev_hi = f->h_seq;
	f->c2b_prev = f->c2b;
	if (f->hlen == 0 && f->n_ooo == 0)
		flow_put_hbuf(w, f);
}

void req_fail(struct worker *w, struct flow *f, int status)
{
	f->err_pending = (int16_t)status;
	f->held = false;
	req_progress(w, f);
}

/* The leg has nothing in flight either way: every response is complete
 * and acknowledged by the client, every byte we sent is acknowledged. */
static bool leg_quiet(const struct flow *f)
{
	if (!flow_leg_alive(f))
		return true;
	return f->n_pend == 0 && f->rs == RS_IDLE &&
	       SEQ_LEQ(f->s_nxt, f->b_acked) &&
	       SEQ_LEQ(f->b_snd + f->b2c, f->c_ack_rcv);
}

/* Leave the leg (closing it cleanly); our next byte to the client is the
 * one the backend's would have been. */
static void leave_leg(struct worker *w, struct flow *f)
{
	if (flow_leg_alive(f)) {
		f->r_nxt = f->b_snd + f->b2c;
		leg_leave(w, f);
	}
	f->r_base = f->r_nxt;
}

void req_progress(struct worker *w, struct flow *f)
{
	if (f->state != FS_SPLICE)
		return;
	if (f->err_pending) {
		if (!leg_quiet(f))
			return;
		int status = f->err_pending;
		f->err_pending = 0;
		leave_leg(w, f);
		flow_respond(w, f, status);
		return;
	}
	if (!f->held)
		return;
	if (!f->held_switch) {
		if (f->n_pend < PEND_MAX)
			same_leg(w, f);
		return;
	}
	if (!leg_quiet(f))
		return;
	if (flow_leg_alive(f))
		w->st.cnt[CNT_rebinds]++;
	leave_leg(w, f);
	if (!flow_target_set(w, f))
		return;
	/* Never the first request of a connection (that one connects,
	 * req_decide_first()): a pooled leg the backend is closing just now
	 * fails this request, which the client may retry only on a
	 * connection that served one before (HAProxy's "safe" reuse). */
	if (leg_take(w, f)) {
		req_on_leg(w, f);
		splice_push(w, f, false);
		flow_timer(w, f, 200);    /* RTO for the buffered request */
		return;
	}
	flow_connect_start(w, f);
}

/* A complete header is in the buffer: decide it and send it on, or hold
 * it for its leg. */
static void decide_next(struct worker *w, struct flow *f)
{
	int status = flow_decide_rules(w, f);

	if (status != 0) {
		req_fail(w, f, status);
		return;
	}
	req_decided(w, f);
	if (f->state != FS_SPLICE)
		return;
	f->held = true;
	f->held_switch = !flow_target_is_leg(w, f);
	if (f->held_switch ? f->n_pend > 0 : f->n_pend >= PEND_MAX)
		w->st.cnt[CNT_requests_held]++;
	req_progress(w, f);
}

static void header_progress(struct worker *w, struct flow *f)
{
	if (f->rq != RQ_HEADER || f->hbuf == NULL || f->hlen == 0 ||
	    f->state != FS_SPLICE || f->err_pending)
		return;
	if (f->t_req == 0) {
		f->t_req = w->now;
		if (!(f->hbuf && SEQ_LT(f->b_una, f->b_base + owned(f))))
			flow_timer(w, f, w->sh->conf->dataplane.timeouts.header_ms);
	}
	int n = flow_parse(w, f);
	if (n == HTTP_INCOMPLETE)
		return;
	if (n == HTTP_ERROR) {
		req_fail(w, f, http_error_status(w->req.error));
		return;
	}
	f->t_req = 0;
	decide_next(w, f);
}

/* Client bytes [A, end of S) go into the buffer. Returns the drop reason,
 * or -1 when they were kept. */
static int take_bytes(struct worker *w, struct flow *f, const struct seg *s,
		      uint32_t a)
{
	uint32_t e = s->seq + s->len;

	if (f->err_pending)
		return DROP_data_after_close;
	if (f->rq == RQ_DONE && f->c_msg_end != f->h_seq + f->out_len)
		return DROP_req_wait;     /* not behind the request in hbuf */
	if (f->hbuf == NULL && !hbuf_take(w, f))
		return DROP_hdr_buffers_full;
	int r = flow_collect(w, f, a, s->data + (a - s->seq), e - a);
	if (r == COL_KEPT)
		return -1;
	if (r != COL_ADVANCED)
		return r;
	if (f->rq == RQ_BODY) {
		if (!frame_buffer(w, f))
			return -2;
	} else if (f->rq == RQ_HEADER) {
		header_progress(w, f);
		if (f->state == FS_FREE)
			return -2;
	}
	return -1;
}

/* Bytes [A, E) of S are the spliced body of the request on the leg. */
static void body_splice(struct worker *w, struct flow *f, struct seg *s,
			uint32_t a, uint32_t e)
{
	struct hf_body *b = &f->rq_body;

	if (SEQ_LT(f->rq_frame, a)) {
		/* Out of order: fine inside the body's opaque bytes. */
		if ((uint64_t)(a - f->rq_frame) > hf_body_opaque(b)) {
			count_drop(w, DROP_frame_ooo, s->m);
			return;
		}
		hf_body_skip(b, a - f->rq_frame);
		f->rq_frame = a;
	}
	if (SEQ_LT(f->rq_frame, e) && !b->done) {
		uint32_t from = f->rq_frame - s->seq;
		uint64_t op = hf_body_opaque(b);
		if (op >= e - f->rq_frame) {
			hf_body_skip(b, e - f->rq_frame);
			f->rq_frame = e;
		} else {
			long n = hf_body_feed(b, s->data + from, e - f->rq_frame);
			if (n < 0) {
				rte_pktmbuf_free(s->m);
				body_error(w, f);
				return;
			}
			f->rq_frame += (uint32_t)n;
		}
	}
	if (!b->done) {
		splice_client_seg(w, f, s, f->c2b);
		return;
	}
	/* The request ended in this segment (or just before it). */
	if (f->rq == RQ_BODY) {
		f->rq = RQ_DONE;
		f->c_msg_end = f->rq_frame;
		if (!SEQ_LT(f->b_una, f->b_base + owned(f)) || f->hbuf == NULL)
			buffer_restart(w, f, f->c_msg_end);
	}
	uint32_t end = f->c_msg_end;
	if (SEQ_LEQ(e, end)) {
		splice_client_seg(w, f, s, f->c2b);
		return;
	}
	uint32_t before = f->s_nxt;
	bool news = ack_take(f, s);
	if (SEQ_LT(a, end)) {
		splice_client_bytes(w, f, s, a, end, f->c2b);
		before = f->s_nxt;
	}
	/* What follows is the next request. */
	int r = take_bytes(w, f, s, end);
	if (r != -2)
		ack_to_backend(w, f, news, before);
	if (r == -2) {
		count_consumed(w, s->m);
		return;
	}
	client_ack(w, f);
	if (r >= 0)
		count_drop(w, (enum steer_drop)r, s->m);
	else
		count_consumed(w, s->m);
}

void req_client_data(struct worker *w, struct flow *f, struct seg *s)
{
	uint32_t a = s->seq, e = s->seq + s->len;
	uint32_t hold_end = f->h_seq + f->hlen;

	if ((s->flags & TCP_ACK) && SEQ_LT(f->c_ack_rcv, s->ack))
		f->c_ack_rcv = s->ack;
	if (SEQ_LT(f->c_snd, e))
		f->c_snd = e;
	/* Bytes before the buffer: the previous request's spliced ones go
	 * again with their offset; anything older was acknowledged. */
	if (SEQ_LT(a, f->h_seq)) {
		if (SEQ_LEQ(f->c_prev_lo, a) && SEQ_LT(a, f->c_prev_hi) && flow_leg_alive(f)) {
			if (SEQ_LEQ(e, f->c_prev_hi)) {
				splice_client_seg(w, f, s, f->c2b_prev);
				return;
			}
			splice_client_bytes(w, f, s, a, f->c_prev_hi, f->c2b_prev);
		}
		/* HOLD_END must lie in the segment to cut it there: one
		 * 2^31 or more behind the buffer also reads as reaching past
		 * it (found by the packet fuzzer: the bytes up to the body's
		 * end were copied from 2 GB past the segment) */
		if (SEQ_LEQ(e, hold_end) || hold_end - s->seq > s->len) {
			dup_ack(w, f, s);
			return;
		}
		a = hold_end;
	} else if (SEQ_LT(a, hold_end)) {
		if (SEQ_LEQ(e, hold_end)) {
			dup_ack(w, f, s);
			return;
		}
		a = hold_end;
	}
	if (f->rq == RQ_BODY && !f->held && flow_leg_alive(f) &&
	    f->out_len == f->hlen && SEQ_LEQ(f->c_buf_end, a)) {
		if (s->flags & TCP_ACK)
			f->c_wnd = rte_be_to_cpu_16(s->th->rx_win);
		body_splice(w, f, s, a, e);
		return;
	}
	/* Into the buffer: the next request, or the body of one that waits
	 * for its leg. */
	uint32_t before = f->s_nxt;
	uint16_t leg_before = f->b.local_port;
	bool news = ack_take(f, s);
	int r = take_bytes(w, f, s, a);
	if (r == -2) {
		count_consumed(w, s->m);
		return;
	}
	/* Sent on: more bytes on the same leg, or any on a leg taken from
	 * the pool just now (another sequence space). */
	bool sent = f->b.local_port == leg_before ? SEQ_LT(before, f->s_nxt)
						   : f->b_sent > 0;
	if (f->b.local_port == leg_before)
		ack_to_backend(w, f, news, before);
	/* A request that went on to the leg at once needs no ACK of ours:
	 * the backend's (with its response, or on its own) reaches the client
	 * translated, and covers these bytes (ack_to_client()). That saves a
	 * frame per keep-alive request. One that waits — held behind a
	 * response, for a new leg, or incomplete — is acknowledged now, or
	 * the client would resend it. */
	bool forwarded = f->state == FS_SPLICE && !f->held && f->rq != RQ_HEADER &&
			 r < 0 && sent;
	if (!forwarded &&
	    (f->state == FS_SPLICE || f->state == FS_QUEUED || f->state == FS_CONNECT))
		client_ack(w, f);
	if (r >= 0)
		count_drop(w, (enum steer_drop)r, s->m);
	else
		count_consumed(w, s->m);
}

bool req_expire(struct worker *w, struct flow *f)
{
	const struct conf_timeouts *t = &w->sh->conf->dataplane.timeouts;
	uint64_t idle = (uint64_t)t->idle_s * 1000;

	if (f->rq == RQ_HEADER && f->hlen > 0 && f->t_req) {
		if (w->now - f->t_req >= t->header_ms) {
			/* Bytes of a request arrived and it never completed.
			 * The 408 may wait for a response to end: the idle
			 * timer stands meanwhile (flow_respond() replaces it
			 * if the 408 goes now), or a response that never ends
			 * would hold the flow for ever. */
			uint64_t since = w->now - f->last_active;
			f->t_req = 0;
			flow_timer(w, f, since < idle ? idle - since : 0);
			req_fail(w, f, 408);
			return true;
		}
		flow_timer(w, f, t->header_ms - (w->now - f->t_req));
		return true;
	}
	if (w->now - f->last_active < idle) {
		flow_timer(w, f, idle - (w->now - f->last_active));
		return true;
	}
	if (f->rq == RQ_HEADER && f->hlen == 0 && leg_quiet(f)) {
		/* An idle keep-alive connection: close it quietly. */
		leave_leg(w, f);
		flow_respond(w, f, 0);
		return true;
	}
	if (!flow_leg_alive(f)) {
		leave_leg(w, f);
		flow_respond(w, f, 0);
		return true;
	}
	return false;
}

bool req_client_ctl(struct worker *w, struct flow *f, struct seg *s)
{
	if ((s->flags & TCP_ACK) && SEQ_LT(f->c_ack_rcv, s->ack))
		f->c_ack_rcv = s->ack;
	if (f->leg_gone) {
		/* No leg: the client's control segments are ours. */
		if (s->flags & TCP_RST) {
			w->st.cnt[CNT_closed_rst_client]++;
			count_consumed(w, s->m);
			flow_free(w, f);
			return false;
		}
		if ((s->flags & TCP_FIN) && s->seq == f->h_seq + f->hlen) {
			f->c_fin = true;
			f->c_snd = s->seq + 1;
			f->r_base = f->r_nxt;
			flow_respond(w, f, f->hlen ? 400 : 0);
		}
		count_consumed(w, s->m);
		return false;
	}
	if ((s->flags & TCP_FIN) &&
	    (f->held || f->out_len != f->hlen || s->seq != f->h_seq + f->hlen ||
	     f->b_sent != owned(f))) {
		/* A FIN behind bytes we hold: taken when it comes again, once
		 * they are through. */
		count_drop(w, DROP_fin_early, s->m);
		return false;
	}
	return true;
}

bool req_backend_fin(struct worker *w, struct flow *f, struct seg *s)
{
	if (!(s->flags & TCP_FIN) || (s->flags & TCP_RST) || s->len ||
	    f->rs != RS_IDLE || f->n_pend || f->c_fin || f->resp_last ||
	    s->seq != f->b_snd)
		return false;
	/* The backend closed an idle leg (its keep-alive time-out raced
	 * ours): not the client's business. The next request gets a new
	 * leg. */
	w->st.cnt[CNT_legs_backend_closed]++;
	f->r_nxt = s->seq + f->b2c;
	f->b_snd = s->seq + 1;
	f->b_fin = true;
	count_consumed(w, s->m);
	leg_detach(w, f);
	f->r_base = f->r_nxt;
	req_progress(w, f);
	return true;
}

void req_decide_first(struct worker *w, struct flow *f)
{
	int status = flow_decide_rules(w, f);

	if (status != 0) {
		flow_respond(w, f, status);
		return;
	}
	if (f->per_req)
		req_decided(w, f);
	flow_connect_target(w, f);
}
