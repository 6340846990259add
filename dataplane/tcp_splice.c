/* Splice (below the request and connect stages; tcp_input.c calls it):
 * once the target answered, every segment of the flow is rewritten
 * in place, not terminated: addresses and ports (FullNAT), seq/ack by the
 * per-direction offsets, SACK blocks, the window (rescaled where the two
 * sides' shifts differ), checksums updated incrementally (RFC 1624). Until
 * the target acknowledged the buffered request we own its retransmission. */
#include <string.h>

#include <rte_cycles.h>

#include "csum.h"
#include "http_frame.h"
#include "flow.h"
#include "pkt.h"
#include "stats.h"
#include "tcp.h"

/* The rewrites below each add their words' changes to ACC, the TCP
 * checksum's pending update (csum_acc*); the caller applies it once. */

/* Rewrite the IPv4 addresses to SRC/DST: the IP header checksum here, the
 * TCP pseudo-header's share into ACC. */
static inline void nat_ip(struct rte_ipv4_hdr *ip, uint32_t *acc,
			  uint32_t src, uint32_t dst)
{
	uint32_t a = csum_acc4(csum_acc4(0, ip->src_addr, src), ip->dst_addr, dst);

	csum_apply((void *)&ip->hdr_checksum, a);
	*acc += a;
	ip->src_addr = src;
	ip->dst_addr = dst;
}

static inline void nat_ports(struct rte_tcp_hdr *th, uint32_t *acc,
			     uint16_t sport, uint16_t dport)
{
	*acc = csum_acc2(csum_acc2(*acc, th->src_port, sport), th->dst_port, dport);
	th->src_port = sport;
	th->dst_port = dport;
}

/* The same rewrite for a segment of the leg's own tuple: the changes were
 * summed once per leg (splice_established()). The caller checks the
 * tuple: a segment that differs takes nat_ip() and nat_ports(). */
static inline void nat_leg(struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *th,
			   uint32_t *acc, uint32_t d_ip, uint32_t d_tcp,
			   const struct flow_end *to)
{
	csum_apply((void *)&ip->hdr_checksum, d_ip);
	*acc += d_tcp;
	ip->src_addr = to->local_ip;
	ip->dst_addr = to->peer_ip;
	th->src_port = to->local_port;
	th->dst_port = to->peer_port;
}

/* The rewrite's checksum changes of F's current leg, both ways. */
static void nat_sums(struct flow *f)
{
	f->nat_ip_c2b = csum_acc4(csum_acc4(0, f->c.peer_ip, f->b.local_ip),
				  f->c.local_ip, f->b.peer_ip);
	f->nat_tcp_c2b = csum_acc2(csum_acc2(f->nat_ip_c2b, f->c.peer_port, f->b.local_port),
				   f->c.local_port, f->b.peer_port);
	f->nat_ip_b2c = csum_acc4(csum_acc4(0, f->b.peer_ip, f->c.local_ip),
				  f->b.local_ip, f->c.peer_ip);
	f->nat_tcp_b2c = csum_acc2(csum_acc2(f->nat_ip_b2c, f->b.peer_port, f->c.local_port),
				   f->b.local_port, f->c.peer_port);
}

static inline void set_seq(struct rte_tcp_hdr *th, uint32_t *acc, uint32_t seq)
{
	uint32_t v = rte_cpu_to_be_32(seq);
	*acc = csum_acc4(*acc, th->sent_seq, v);
	th->sent_seq = v;
}

static inline void set_ack(struct rte_tcp_hdr *th, uint32_t *acc, uint32_t ack)
{
	uint32_t v = rte_cpu_to_be_32(ack);
	*acc = csum_acc4(*acc, th->recv_ack, v);
	th->recv_ack = v;
}

/* Re-express a window field from shift IN to shift OUT (RFC 7323 2.2). */
static inline void rescale_win(struct rte_tcp_hdr *th, uint32_t *acc,
			       uint8_t in, uint8_t out)
{
	if (in == out)
		return;
	uint32_t win = (uint32_t)rte_be_to_cpu_16(th->rx_win) << in >> out;
	uint16_t v = rte_cpu_to_be_16((uint16_t)(win > 65535 ? 65535 : win));
	*acc = csum_acc2(*acc, th->rx_win, v);
	th->rx_win = v;
}

/* SACK blocks (RFC 2018) acknowledge the other direction's bytes: move
 * their edges by -SUB. */
static void sack_shift(struct rte_tcp_hdr *th, uint32_t *acc, uint32_t sub)
{
	uint8_t *p = (uint8_t *)(th + 1);
	uint8_t *end = (uint8_t *)th + ((th->data_off >> 4) * 4);

	while (p < end) {
		if (p[0] == 0)
			return;
		if (p[0] == 1) {
			p++;
			continue;
		}
		if (p + 1 >= end || p[1] < 2 || p + p[1] > end)
			return;
		if (p[0] == 5) {
			for (uint8_t *e = p + 2; e + 4 <= p + p[1]; e += 4) {
				uint32_t old = load32(e);
				uint32_t v = rte_cpu_to_be_32(rte_be_to_cpu_32(old) - sub);
				uint32_t d = csum_acc4(0, old, v);
				/* The checksum sums 16-bit words from the header's
				 * start: an edge at an odd offset straddles them,
				 * and its change counts byte-swapped (RFC 1071
				 * section 2(B)). */
				if ((uintptr_t)(e - (uint8_t *)th) & 1)
					d = rte_bswap16(csum_fold32(d));
				*acc += d;
				store32(e, v);
			}
		}
		p += p[1];
	}
}

static inline uint8_t c_shift(const struct flow *f)
{
	return f->c_ws_ok ? f->c_wscale : 0;
}

/* The shift the backend applies to windows we send it: the client's, if
 * the backend agreed to scaling at all. */
static inline uint8_t cb_shift(const struct flow *f)
{
	return f->b_ws_ok ? f->c_wscale : 0;
}

/* The largest segment the backend leg takes: its MSS, and what the
 * port's MTU leaves (less VXLAN's overhead for an overlay target). */
static inline uint32_t leg_mss(const struct worker *w, const struct flow *f)
{
	uint32_t mss = f->b_mss ? f->b_mss : TCP_DEFAULT_MSS;
	uint32_t room = w->sh->ports[f->b.port].mtu - 40u -
			(f->vxlan ? VXLAN_OVERHEAD : 0u);

	return mss < room ? mss : room;
}

void splice_push(struct worker *w, struct flow *f, bool retransmit)
{
	uint32_t total = owned(f);
	uint32_t acked = f->b_una - f->b_base;
	uint32_t mss = leg_mss(w, f);
	uint32_t win = (uint32_t)f->c_wnd << c_shift(f) >> cb_shift(f);

	if (f->hbuf == NULL || acked >= total)
		return;
	if (retransmit) {
		f->b_sent = acked;  /* go back to the first unacknowledged byte */
		w->st.cnt[CNT_retransmits]++;
		if (f->b_wnd == 0) {
			/* A zero window (even the SYN-ACK's): probe it with
			 * one byte past it (RFC 9293 section 3.8.6.1), which
			 * does not count as sent; the ACK it draws says when
			 * the window opens. */
			struct rte_mbuf *m = tcp_build(w, &f->b, f->b_base + acked,
						       f->b_ack, TCP_ACK,
						       (uint16_t)(win > 65535 ? 65535 : win),
						       NULL, 0, f->hbuf + acked, 1);
			if (m)
				flow_send_backend(w, f, m);
			return;
		}
	}
	if (f->b_sent < acked)
		f->b_sent = acked;  /* a probe's byte was taken */
	while (f->b_sent < total && f->b_sent - acked < f->b_wnd) {
		uint32_t n = total - f->b_sent;
		if (n > mss)
			n = mss;
		if (n > f->b_wnd - (f->b_sent - acked))
			n = f->b_wnd - (f->b_sent - acked);
		uint8_t flags = TCP_ACK | (f->b_sent + n == total ? TCP_PSH : 0);
		struct rte_mbuf *m = tcp_build(w, &f->b, f->b_base + f->b_sent,
					       f->b_ack, flags,
					       (uint16_t)(win > 65535 ? 65535 : win),
					       NULL, 0, f->hbuf + f->b_sent, n);
		if (m == NULL || !flow_send_backend(w, f, m))
			return;
		f->b_sent += n;
		if (SEQ_LT(f->s_nxt, f->b_base + f->b_sent))
			f->s_nxt = f->b_base + f->b_sent;
	}
}

void splice_leg_begin(struct flow *f, uint32_t s_next, uint32_t b_next)
{
	f->b_base = s_next;
	f->b_una = s_next;
	f->b_acked = s_next;
	f->s_nxt = s_next;
	f->b_snd = b_next;
	f->b_fin = false;
	f->b_sent = 0;
	/* Client bytes past the buffer map to backend bytes past buffer +
	 * injected lines; backend bytes continue the client's view of our
	 * sequence space (r_nxt: r_isn + 1 for the first leg). */
	f->c_buf_end = f->h_seq + (f->per_req ? f->out_len : f->hlen);
	if (SEQ_LT(f->c_snd, f->h_seq + f->hlen))
		f->c_snd = f->h_seq + f->hlen;
	f->c2b = f->b_base + f->inj_len - f->h_seq;
	f->c2b_prev = f->c2b;
	f->c_prev_lo = f->c_prev_hi = f->h_seq;
	f->b2c = f->r_nxt - b_next;
	f->rs_frame = b_next;
	f->rs = RS_IDLE;
	f->n_pend = 0;
	f->pend_head = 0;
	f->leg_gone = false;
	f->resp_last = false;
	nat_sums(f);
	f->state = FS_SPLICE;
	f->spliced = true;
	f->retries = 0;
}

void splice_established(struct worker *w, struct flow *f, struct seg *s)
{
	struct tcp_opts o;

	tcp_parse_opts(s->th, &o);
	hist_add(w, HIST_connect, rte_rdtsc() - f->t_conn);
	f->b_isn = s->seq;
	f->b_ws_ok = f->c_ws_ok && o.wscale >= 0;
	f->b_wscale = f->b_ws_ok ? (uint8_t)o.wscale : 0;
	f->b_mss = o.mss ? o.mss : TCP_DEFAULT_MSS;
	/* RFC 7323 section 2.2: the window of a SYN is never scaled. */
	f->b_wnd = rte_be_to_cpu_16(s->th->rx_win);
	f->b_ack = f->b_isn + 1;
	splice_leg_begin(f, f->s_isn + 1, f->b_isn + 1);
	count_consumed(w, s->m);
}

static void maybe_closed(struct worker *w, struct flow *f)
{
	if (f->c_fin && f->b_fin && f->state == FS_SPLICE)
		flow_linger(w, f, CNT_closed_fin);
}

/* Both FINs are through and acknowledged on the backend leg: the backend's
 * by the ACK we passed on (b_ack), ours by the backend's (b_acked; our FIN
 * is byte s_nxt). Whoever closed first, nothing more is due on the leg, so
 * its source port goes back now, not when linger_ms ends (issue 11: one
 * worker's ~63 000 ports over a 2 s linger capped it at ~32 000 new
 * backend connections a second). A backend still in LAST-ACK that resends
 * its FIN gets a RST, which ends that state as well as an ACK would. The
 * flow lingers on for the client's side (splice_linger_client()). After a
 * RST the leg keeps its port through linger, to absorb what was in flight. */
static void maybe_leg_over(struct worker *w, struct flow *f)
{
	if (f->state == FS_LINGER && f->b.local_port != 0 && f->c_fin && f->b_fin &&
	    SEQ_LEQ(f->b_snd, f->b_ack) && SEQ_LT(f->s_nxt, f->b_acked)) {
		flow_put_sport(w, f);
		w->st.cnt[CNT_sports_released_at_close]++;
	}
}

void splice_linger_client(struct worker *w, struct flow *f, struct seg *s)
{
	/* The leg is gone; as a TCP in TIME-WAIT (RFC 9293 section
	 * 3.10.7.4), a retransmitted FIN (or any data) is acknowledged
	 * again, at what the backend last sent, and nothing else is said. */
	if ((s->flags & (TCP_FIN | TCP_RST)) != TCP_FIN && s->len == 0) {
		count_drop(w, DROP_time_wait, s->m);
		return;
	}
	struct rte_mbuf *m = tcp_build(w, &f->c, f->b_snd + f->b2c, f->c_snd,
				       TCP_ACK, 0, NULL, 0, NULL, 0);
	if (m)
		tx_send(w, f->c.port, m);
	count_drop(w, DROP_tcp_dup, s->m);
}

/* The client-space ACK for backend ACK ACK_B of a per-request flow: the
 * buffered request's bytes were acknowledged by us; the previous
 * request's spliced ones map by c2b_prev, bytes past the buffer by c2b. */
static uint32_t ack_to_client(const struct flow *f, uint32_t ack_b)
{
	uint32_t own = owned(f);
	uint32_t ack;

	if (own == 0 || SEQ_LEQ(ack_b, f->b_base))
		ack = ack_b - f->c2b_prev;
	else if (SEQ_LT(ack_b, f->b_base + own))
		ack = f->h_seq;   /* inside our own bytes: acked by us */
	else
		ack = ack_b - f->c2b;
	/* Nothing spliced before the buffer is outstanding: the buffer's
	 * bytes are ours to acknowledge. */
	if (SEQ_LEQ(f->b_base, ack_b) && SEQ_LT(ack, f->h_seq + f->hlen))
		ack = f->h_seq + f->hlen;
	if (SEQ_LT(ack, f->c_acked))
		ack = f->c_acked;
	return ack;
}

/* Client segment S is larger than the leg takes (issue 9, item 6: the
 * client's MSS was agreed with us, the backend may have announced less):
 * send it as segments of our own, each within the leg's MSS. */
static void split_to_backend(struct worker *w, struct flow *f, struct seg *s,
			     uint32_t c2b, uint32_t mss)
{
	uint32_t ack = s->ack - f->b2c;
	uint32_t win = (uint32_t)rte_be_to_cpu_16(s->th->rx_win) << c_shift(f) >> cb_shift(f);

	for (uint32_t off = 0; off < s->len; off += mss) {
		uint32_t n = s->len - off < mss ? s->len - off : mss;
		bool last = off + n == s->len;
		uint8_t flags = (uint8_t)(TCP_ACK | (last ? s->flags & (TCP_PSH | TCP_FIN) : 0));
		struct rte_mbuf *m = tcp_build(w, &f->b, s->seq + off + c2b, ack, flags,
					       (uint16_t)(win > 65535 ? 65535 : win),
					       NULL, 0, s->data + off, n);
		if (m == NULL || !flow_send_backend(w, f, m))
			break;
	}
	if (s->flags & TCP_ACK)
		f->b_ack = ack;
	if (SEQ_LT(f->s_nxt, s->seq + c2b + s->len))
		f->s_nxt = s->seq + c2b + s->len;
	count_consumed(w, s->m);
}

void splice_client_seg(struct worker *w, struct flow *f, struct seg *s,
		       uint32_t c2b)
{
	struct rte_tcp_hdr *th = s->th;
	bool rst = s->flags & TCP_RST;
	uint32_t acc = 0;
	uint32_t mss = leg_mss(w, f);

	if (unlikely(s->len > mss) && !rst && (s->flags & TCP_ACK)) {
		split_to_backend(w, f, s, c2b, mss);
		return;
	}

	if (likely(s->ip->src_addr == f->c.peer_ip && s->ip->dst_addr == f->c.local_ip &&
		   th->src_port == f->c.peer_port && th->dst_port == f->c.local_port)) {
		nat_leg(s->ip, th, &acc, f->nat_ip_c2b, f->nat_tcp_c2b, &f->b);
	} else {
		nat_ip(s->ip, &acc, f->b.local_ip, f->b.peer_ip);
		nat_ports(th, &acc, f->b.local_port, f->b.peer_port);
	}
	set_seq(th, &acc, s->seq + c2b);
	if (s->len && SEQ_LT(f->s_nxt, s->seq + c2b + s->len))
		f->s_nxt = s->seq + c2b + s->len;
	if (s->flags & TCP_ACK) {
		uint32_t ack = s->ack - f->b2c;
		if (!rst)
			f->b_ack = ack;
		set_ack(th, &acc, ack);
		sack_shift(th, &acc, f->b2c);
	}
	rescale_win(th, &acc, c_shift(f), cb_shift(f));
	csum_apply((void *)&th->cksum, acc);
	flow_send_backend(w, f, s->m);
}

void splice_client_bytes(struct worker *w, struct flow *f, const struct seg *s,
			 uint32_t from, uint32_t to, uint32_t c2b)
{
	uint32_t ack = s->ack - f->b2c;
	uint32_t win = (uint32_t)rte_be_to_cpu_16(s->th->rx_win) << c_shift(f) >> cb_shift(f);
	struct rte_mbuf *m = tcp_build(w, &f->b, from + c2b, ack,
				       (uint8_t)(TCP_ACK | (s->flags & TCP_PSH)),
				       (uint16_t)(win > 65535 ? 65535 : win),
				       NULL, 0, s->data + (from - s->seq), to - from);
	if (m == NULL || !flow_send_backend(w, f, m))
		return;
	f->b_ack = ack;
	if (SEQ_LT(f->s_nxt, to + c2b))
		f->s_nxt = to + c2b;
}

void splice_to_backend(struct worker *w, struct flow *f, struct seg *s)
{
	struct rte_tcp_hdr *th = s->th;

	if (!f->per_req && s->len && SEQ_LT(s->seq, f->c_buf_end)) {
		/* Bytes we acknowledged ourselves: the client missed our
		 * ACK. Say it again; it resends from there. */
		uint32_t win = f->b_wnd >> our_wscale(f);
		uint32_t ack = SEQ_LT(f->c_acked, f->c_buf_end) ? f->c_buf_end : f->c_acked;
		struct rte_mbuf *m = tcp_build(w, &f->c, s->ack, ack,
					       TCP_ACK, (uint16_t)(win > 65535 ? 65535 : win),
					       NULL, 0, NULL, 0);
		if (m)
			tx_send(w, f->c.port, m);
		count_drop(w, DROP_tcp_dup, s->m);
		return;
	}
	/* RFC 5961 section 3.2: a RST ends the flow only when its sequence
	 * number is exactly the client's next byte. Any other is still passed
	 * on — the backend ignores it, or answers a challenge ACK, which comes
	 * back through us to the sender — but changes nothing here:
	 * otherwise anyone who can guess a sequence number in the window and
	 * knows the client's address and port could cut the flow. */
	bool rst = s->flags & TCP_RST;
	bool rst_ok = rst && s->seq == f->c_snd;
	uint32_t end = s->seq + s->len + !!(s->flags & TCP_FIN);
	if (!rst && SEQ_LT(f->c_snd, end))
		f->c_snd = end;
	if (s->flags & TCP_FIN)
		f->c_fin = true;
	if ((s->flags & TCP_ACK) && !rst)
		f->c_wnd = rte_be_to_cpu_16(th->rx_win);
	/* Per request, a segment without data speaks at the backend's next
	 * byte: the client's own may be past bytes we hold. */
	uint32_t c2b = f->c2b;
	if (f->per_req && s->len == 0)
		c2b = f->s_nxt + (f->c_fin && !(s->flags & TCP_FIN)) - s->seq;
	splice_client_seg(w, f, s, c2b);

	if (rst) {
		if (rst_ok)
			flow_linger(w, f, CNT_closed_rst_client);
	} else {
		maybe_closed(w, f);
		maybe_leg_over(w, f);
	}
}

bool splice_to_client(struct worker *w, struct flow *f, struct seg *s)
{
	struct rte_tcp_hdr *th = s->th;
	uint32_t total = f->b_base + owned(f);
	bool delivered = false;

	if (s->flags & TCP_SYN) {
		/* SYN-ACK again: our first segment was lost — or the backend
		 * dropped our handshake's ACK with it, its accept queue full.
		 * It is alive and wants the connection: our count of
		 * retransmissions starts over (its own SYN-ACK retries bound
		 * this), as a kernel client would keep answering it. */
		f->retries = 0;
		splice_push(w, f, true);
		count_drop(w, DROP_tcp_dup, s->m);
		return false;
	}
	/* RFC 5961 3.2, as in splice_to_backend(): the backend's next byte. */
	bool rst = s->flags & TCP_RST;
	bool rst_ok = rst && s->seq == f->b_snd;
	uint32_t end = s->seq + s->len + !!(s->flags & TCP_FIN);
	if (!rst && SEQ_LT(f->b_snd, end))
		f->b_snd = end;
	if (s->flags & TCP_FIN)
		f->b_fin = true;
	if ((s->flags & TCP_ACK) && !rst) {
		f->b_wnd = (uint32_t)rte_be_to_cpu_16(th->rx_win) << f->b_wscale;
		if (SEQ_LT(f->b_acked, s->ack))
			f->b_acked = s->ack;
		if (SEQ_LT(f->b_una, s->ack) && SEQ_LT(f->b_una, total)) {
			/* An ACK past the buffer (it covers body bytes
			 * spliced after it) delivered it all too. */
			f->b_una = SEQ_LEQ(s->ack, total) ? s->ack : total;
			f->retries = 0;
		}
		if (f->hbuf && owned(f)) {
			if (f->b_una == total) {
				/* Delivered: the buffer and its timer go. */
				if (f->per_req) {
					delivered = true;
				} else {
					flow_put_hbuf(w, f);
					flow_timer(w, f, (uint64_t)w->sh->conf->dataplane.timeouts.idle_s * 1000);
				}
			} else {
				splice_push(w, f, false);
			}
		}
	}
	uint32_t acc = 0;
	if (likely(s->ip->src_addr == f->b.peer_ip && s->ip->dst_addr == f->b.local_ip &&
		   th->src_port == f->b.peer_port && th->dst_port == f->b.local_port)) {
		nat_leg(s->ip, th, &acc, f->nat_ip_b2c, f->nat_tcp_b2c, &f->c);
	} else {
		nat_ip(s->ip, &acc, f->c.local_ip, f->c.peer_ip);
		nat_ports(th, &acc, f->c.local_port, f->c.peer_port);
	}
	set_seq(th, &acc, s->seq + f->b2c);
	if (s->flags & TCP_ACK) {
		/* Acks inside the buffered request were already given to
		 * the client by us: never go back below that. */
		uint32_t ack;
		if (f->per_req) {
			ack = ack_to_client(f, s->ack);
		} else {
			ack = s->ack - f->c2b;
			if (SEQ_LT(ack, f->c_buf_end))
				ack = f->c_buf_end;
		}
		if (SEQ_LT(f->c_acked, ack))
			f->c_acked = ack;
		set_ack(th, &acc, ack);
		sack_shift(th, &acc, f->c2b);
	}
	rescale_win(th, &acc, f->b_wscale, our_wscale(f));
	csum_apply((void *)&th->cksum, acc);
	s->eth->dst_addr = f->c.peer_mac;
	s->eth->src_addr = w->sh->ports[f->c.port].mac;
	tx_send(w, f->c.port, s->m);

	if (rst) {
		if (rst_ok)
			flow_linger(w, f, CNT_closed_rst_backend);
	} else {
		maybe_closed(w, f);
		maybe_leg_over(w, f);
	}
	return delivered && f->state == FS_SPLICE;
}

