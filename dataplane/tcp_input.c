/* The top of the TCP stages (DESIGN.md "A connection's life"): every
 * segment worker.c takes for a listener or one of our source ports, and
 * every flow timer, starts here and is handed down by the flow's state:
 *
 *   tcp_input.c      this file: dispatch by state
 *   tcp_request.c    per-request routing, client side; first decisions
 *   tcp_decide.c     rules, injection
 *   tcp_connect.c    backend connect, retries, connection limits
 *   tcp_response.c   response framing
 *   tcp_splice.c     translation both ways, the buffered request
 *   tcp_leg.c        backend legs left behind by a re-bind
 *   tcp_client.c     handshake, header buffer, our own responses
 *   pkt.c, flow.c    frames, tables, timers
 *
 * Each calls only those below it; what a lower stage finds that an upper
 * one must act on is returned, not called back — or, for a backend
 * connection freed for a waiting flow (flow.c), left on the worker's ready
 * list that tcp_ready() runs at the end of each loop iteration. */
#include <rte_cycles.h>

#include "flow.h"
#include "http.h"
#include "owner.h"
#include "pkt.h"
#include "publish.h"
#include "stats.h"
#include "tcp.h"

/* RFC 5961 section 3.2, for a flow we terminate ourselves (before the
 * splice): a client RST counts only at exactly the next byte we expect
 * (RCV.NXT); one elsewhere in the window we advertised gets a challenge
 * ACK, one outside it is dropped. Returns true when the flow was freed
 * (S consumed either way). */
static bool client_rst(struct worker *w, struct flow *f, struct seg *s)
{
	uint32_t nxt = f->state == FS_SYN_RCVD ? f->c_isn + 1 : f->h_seq + f->hlen;

	if (f->c_fin && f->state == FS_RESPOND)
		nxt = f->c_snd;
	if (s->seq == nxt) {
		w->st.cnt[CNT_closed_rst_client]++;
		count_consumed(w, s->m);
		flow_free(w, f);
		return true;
	}
	if (s->seq - nxt < w->sh->conf->dataplane.header_max) {
		client_ack(w, f);
		count_drop(w, DROP_rst_challenged, s->m);
	} else {
		count_drop(w, DROP_tcp_out_of_window, s->m);
	}
	return false;
}

/* A client segment of a spliced flow. */
static void client_spliced(struct worker *w, struct flow *f, struct seg *s)
{
	if (unlikely(splice_csum_bad(f, s, true))) {
		count_drop(w, DROP_tcp_csum, s->m);
		return;
	}
	if (f->per_req) {
		/* An RST's bytes are no data (RFC 9293 3.5.3): not framed as
		 * a request; the RST goes on as one. */
		if (s->len && !(s->flags & TCP_RST))
			req_client_data(w, f, s);
		else if (req_client_ctl(w, f, s))
			splice_to_backend(w, f, s);
		if (f->state == FS_SPLICE && (f->held || f->err_pending))
			req_progress(w, f);
		return;
	}
	splice_to_backend(w, f, s);
}

/* A backend segment of a spliced flow. */
static void backend_spliced(struct worker *w, struct flow *f, struct seg *s)
{
	if (unlikely(splice_csum_bad(f, s, false))) {
		count_drop(w, DROP_tcp_csum, s->m);
		return;
	}
	if (f->per_req && f->state == FS_SPLICE && !(s->flags & TCP_SYN)) {
		/* Nor is a backend RST's a response: framed, bad ones would
		 * have the RST answered with one (RFC 9293 3.10.7). */
		if (s->len && !(s->flags & TCP_RST) && !resp_backend_data(w, f, s))
			return;           /* dropped, or the flow was ended */
		if (req_backend_fin(w, f, s))
			return;
	}
	if (splice_to_client(w, f, s))
		req_delivered(w, f);
	if (f->per_req && f->state == FS_SPLICE && (f->held || f->err_pending))
		req_progress(w, f);
}

/* Run the parser over what we have; decide when the header is complete. */
static void first_parse(struct worker *w, struct flow *f)
{
	int n = flow_parse(w, f);

	if (n == HTTP_ERROR) {
		flow_respond(w, f, http_error_status(w->req.error));
		return;
	}
	if (n == HTTP_INCOMPLETE) {
		client_ack(w, f);
		return;
	}
	hist_add(w, HIST_header, rte_rdtsc() - f->t_syn);
	client_ack(w, f);
	req_decide_first(w, f);
}

static void header_input(struct worker *w, struct flow *f, struct seg *s)
{
	if (s->flags & TCP_ACK)
		f->c_wnd = rte_be_to_cpu_16(s->th->rx_win);
	if (s->len == 0) {
		if ((s->flags & TCP_FIN) &&
		    s->seq == f->h_seq + f->hlen && f->state == FS_HEADER) {
			/* The client finished sending and the header is not
			 * complete: it never will be. */
			f->c_fin = true;
			f->c_snd = s->seq + 1;
			/* Nothing sent at all: a connect-and-close (a health
			 * check), not a bad request. Just close. */
			flow_respond(w, f, f->hlen ? 400 : 0);
		} else if (s->flags & TCP_FIN) {
			count_drop(w, DROP_fin_early, s->m);
			return;
		}
		count_consumed(w, s->m);
		return;
	}
	int r = flow_collect(w, f, s->seq, s->data, s->len);
	if (r != COL_ADVANCED) {
		/* duplicate, out of order or refused: a duplicate ACK says
		 * what we have (RFC 9293 section 3.10.7.4). A segment kept
		 * out of order is not a drop; anything else is, once. */
		client_ack(w, f);
		if (r == COL_KEPT)
			count_consumed(w, s->m);
		else
			count_drop(w, (enum steer_drop)r, s->m);
		return;
	}
	if (f->state == FS_HEADER) {
		first_parse(w, f);
	} else {
		/* FS_QUEUED, FS_CONNECT: body bytes (or the next
		 * request's) while waiting or connecting. */
		if (f->per_req)
			req_buffer_grew(w, f);
		client_ack(w, f);
	}
	count_consumed(w, s->m);
}

bool tcp_client_input(struct worker *w, struct seg *s, int listener)
{
	struct flow_key k = { .c_ip = s->ip->src_addr, .l_ip = s->ip->dst_addr,
			      .c_port = s->th->src_port, .l_port = s->th->dst_port };
	struct flow *f = flow_lookup_client(w, &k);

	if (listener == LISTENER_LOOKUP &&
	    (f == NULL || ((s->flags & TCP_SYN) && f->state == FS_LINGER)))
		listener = rs_listener_find(w->pub->rs,
					    rte_be_to_cpu_32(k.l_ip),
					    rte_be_to_cpu_16(k.l_port));
	if (f == NULL && listener < 0)
		return false;
	if ((f == NULL || !f->spliced) && unlikely(!seg_csum_ok(s))) {
		count_drop(w, DROP_tcp_csum, s->m);
		return true;
	}
	if (f == NULL) {
		/* Another node's flow that ECMP moved here (owner.h)? */
		if (owner_forward(w, s))
			return true;
		/* A SYN, or the ACK that returns a SYN cookie (then the new
		 * flow takes S in as header bytes). */
		f = flow_accept(w, s, (unsigned)listener);
		if (f != NULL)
			header_input(w, f, s);
		return true;
	}
	f->last_active = w->now;
	if ((s->flags & TCP_SYN) && !(s->flags & (TCP_ACK | TCP_RST)) &&
	    f->state == FS_LINGER && listener >= 0 &&
	    SEQ_LT(f->spliced ? f->c_snd : f->h_seq + f->hlen, s->seq) &&
	    seg_csum_ok(s)) {
		/* A new connection on the tuple of one that is closed and only
		 * lingering (the client reuses its port at once): as a TCP in
		 * TIME-WAIT accepts a SYN with a higher sequence number
		 * (RFC 9293 3.10.7.4), start afresh instead of making the
		 * client wait for its SYN retransmission. */
		flow_free(w, f);
		flow_accept(w, s, (unsigned)listener);
		return true;
	}
	if ((s->flags & TCP_SYN) && f->state != FS_SYN_RCVD) {
		count_drop(w, DROP_syn_in_flow, s->m);
		return true;
	}
	switch (f->state) {
	case FS_SYN_RCVD:
		if (s->flags & TCP_RST) {
			client_rst(w, f, s);
			return true;
		}
		if (s->flags & TCP_SYN) {
			/* Our SYN-ACK was lost: the client asks again. */
			flow_synack(w, f);
			count_consumed(w, s->m);
			return true;
		}
		if (!(s->flags & TCP_ACK) || s->ack != f->r_isn + 1) {
			count_drop(w, DROP_tcp_bad_flags, s->m);
			return true;
		}
		f->state = FS_HEADER;
		w->n_half_open--;
		flow_timer(w, f, w->sh->conf->dataplane.timeouts.header_ms);
		header_input(w, f, s);
		return true;
	case FS_HEADER:
	case FS_QUEUED:
	case FS_CONNECT:
		if (s->flags & TCP_RST) {
			client_rst(w, f, s);
			return true;
		}
		header_input(w, f, s);
		return true;
	case FS_SPLICE:
		client_spliced(w, f, s);
		return true;
	case FS_RESPOND:
		flow_respond_input(w, f, s);
		return true;
	case FS_LINGER:
		if (f->spliced) {
			if (unlikely(splice_csum_bad(f, s, true))) {
				count_drop(w, DROP_tcp_csum, s->m);
				return true;
			}
			if (f->b.local_port == 0)
				splice_linger_client(w, f, s);
			else
				splice_to_backend(w, f, s);
			return true;
		}
		flow_respond_input(w, f, s);
		return true;
	default:
		count_drop(w, DROP_tcp_no_flow, s->m);
	}
	return true;
}

void tcp_backend_input(struct worker *w, struct seg *s)
{
	struct flow *f = flow_by_sport(w, rte_be_to_cpu_16(s->th->dst_port));

	if ((f == NULL || !f->spliced) && unlikely(!seg_csum_ok(s))) {
		count_drop(w, DROP_tcp_csum, s->m);
		return;
	}
	if (f == NULL || f->b.peer_ip != s->ip->src_addr ||
	    f->b.peer_port != s->th->src_port) {
		/* tcp_reply_rst() writes a plain frame: never for a
		 * decapsulated overlay segment (it would leak the overlay's
		 * addresses onto the underlay). */
		if (s->zone == 0)
			tcp_reply_rst(w, s->port, s->eth, s->ip, s->th, s->len);
		count_drop(w, DROP_tcp_no_flow, s->m);
		return;
	}
	f->last_active = w->now;
	switch (f->state) {
	case FS_CONNECT:
		if ((s->flags & TCP_RST) && (s->flags & TCP_ACK) &&
		    s->ack == f->s_isn + 1) {
			/* RFC 9293 3.10.7.3: an acceptable RST in SYN-SENT. */
			count_consumed(w, s->m);
			flow_connect_failed(w, f);
			return;
		}
		if ((s->flags & TCP_ACK) && !(s->flags & TCP_RST) &&
		    s->ack != f->s_isn + 1) {
			/* RFC 9293 3.10.7.3: an unacceptable ACK in SYN-SENT
			 * gets <SEQ=SEG.ACK><CTL=RST>. This is what a backend
			 * still in TIME_WAIT for this port pair answers (e.g.
			 * after a restart): the RST clears it, and our SYN
			 * goes again at once instead of after the RTO. */
			struct rte_mbuf *r = tcp_build(w, &f->b, s->ack, 0, TCP_RST,
						       0, NULL, 0, NULL, 0);
			if (r != NULL && flow_send_backend(w, f, r))
				w->st.cnt[CNT_rst_sent]++;
			count_drop(w, DROP_tcp_bad_flags, s->m);
			flow_send_syn(w, f);
			return;
		}
		if ((s->flags & (TCP_SYN | TCP_ACK)) != (TCP_SYN | TCP_ACK) ||
		    s->ack != f->s_isn + 1 || (s->flags & TCP_RST)) {
			count_drop(w, DROP_tcp_bad_flags, s->m);
			return;
		}
		if (f->tunnel < 0 && f->gen == w->pub->generation)
			hc_connected(w->sh, dp_health_load(w->pub), f->service,
				     f->backend);
		splice_established(w, f, s);
		if (f->per_req)
			req_on_leg(w, f);
		splice_push(w, f, false);
		flow_timer(w, f, 200);    /* RTO for the buffered request */
		return;
	case FS_SPLICE:
	case FS_LINGER:
		if (f->spliced) {
			backend_spliced(w, f, s);
			return;
		}
		/* fall through */
	default:
		count_drop(w, DROP_tcp_no_flow, s->m);
		return;
	case FS_LEG_CLOSE:
	case FS_LEG_IDLE:
		leg_input(w, f, s);
		return;
	}
}

void tcp_expire(struct worker *w, struct flow *f)
{
	const struct conf_timeouts *t = &w->sh->conf->dataplane.timeouts;

	switch (f->state) {
	case FS_SYN_RCVD:
		w->st.cnt[CNT_closed_syn_timeout]++;
		flow_free(w, f);
		return;
	case FS_HEADER:
		flow_respond(w, f, 408);
		return;
	case FS_QUEUED:
		flow_queue_expire(w, f);
		return;
	case FS_CONNECT:
		if (w->now >= f->conn_deadline) {
			flow_connect_failed(w, f);
			return;
		}
		flow_send_syn(w, f);
		return;
	case FS_LEG_CLOSE:
	case FS_LEG_IDLE:
		leg_expire(w, f);
		return;
	case FS_SPLICE:
		if (f->hbuf && SEQ_LT(f->b_una, f->b_base + owned(f))) {
			/* The buffered request is ours to deliver. */
			/* 15, Linux's tcp_retries2 (RFC 1122's R2 >= 100 s
			 * in intent; here ~70 s at our 6.4 s cap): a backend
			 * whose accept queue overflowed drops our request
			 * until it has room, as it would a kernel client's. */
			if (++f->retries > 15) {
				/* Not silently: the client would wait for an
				 * answer that never comes. The backend took
				 * none of it: its RST goes at b_una, the one
				 * sequence number RFC 5961 3.2 accepts. */
				flow_reset_both(w, f, f->b_una);
				w->st.cnt[CNT_closed_error]++;
				flow_free(w, f);
				return;
			}
			splice_push(w, f, true);
			flow_timer(w, f, 200u << (f->retries < 5 ? f->retries : 5));
			return;
		}
		if (f->per_req && req_expire(w, f))
			return;
		if (w->now - f->last_active < (uint64_t)t->idle_s * 1000) {
			flow_timer(w, f, (uint64_t)t->idle_s * 1000 -
				   (w->now - f->last_active));
			return;
		}
		/* Idle: tell both ends rather than vanish. */
		flow_reset_both(w, f, f->per_req ? f->s_nxt : f->c_snd + f->c2b);
		w->st.cnt[CNT_closed_idle]++;
		flow_free(w, f);
		return;
	case FS_RESPOND:
		flow_respond_expire(w, f);
		return;
	case FS_LINGER:
	default:
		flow_free(w, f);
		return;
	}
}

void tcp_ready(struct worker *w)
{
	if (unlikely(w->ready.head != FLOW_NONE))
		flow_connect_ready(w);
}
