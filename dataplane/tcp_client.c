/* What the router itself sends and keeps on a flow's client side, below
 * every stage that decides (tcp_input.c calls down to it): the handshake
 * (our ISN, SYN-ACK, the new flow), the header buffer (in-order and
 * out-of-order collection, the resumable parse) and the ACKs of what it
 * holds. Its own responses and the close helpers are tcp_respond.c's. */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash_crc.h>

#include "flow.h"
#include "http.h"
#include "owner.h"
#include "pkt.h"
#include "publish.h"
#include "stats.h"
#include "syncookie.h"
#include "tcp.h"

uint32_t isn_make(struct worker *w, uint32_t a, uint32_t b, uint32_t ports)
{
	/* Whole seconds and the rest apart: cycles * 10^6 in 64 bits would
	 * wrap after ~1.7 h at 3 GHz and send the clock back (RFC 6528 asks
	 * for one that only moves forward). */
	uint64_t hz = rte_get_tsc_hz();
	uint64_t dt = rte_get_tsc_cycles() - w->isn_base_tsc;
	uint64_t us = dt / hz * 1000000 + dt % hz * 1000000 / hz;
	/* F(tuple, secret): SipHash-2-4 under a key from getrandom(2), so
	 * an ISN seen on one connection says nothing about another's (a CRC
	 * is linear: one ISN would give every other tuple's, and a blind
	 * handshake from a spoofed address, X-Forwarded-For and all). */
	uint8_t m[16] = { 0 };
	memcpy(m, &a, 4);
	memcpy(m + 4, &b, 4);
	memcpy(m + 8, &ports, 4);
	uint32_t h = (uint32_t)siphash24_16(w->sh->isn_key, m);
	return (uint32_t)(us / 4) + h;
}

void client_ack(struct worker *w, struct flow *f)
{
	uint32_t ack = f->h_seq + f->hlen;

	/* Bytes spliced before the buffer are the backend's to acknowledge:
	 * a cumulative ACK past them would speak for it (tcp_request.c). */
	if (f->spliced && !held_ackable(f))
		return;
	/* Our next byte: past what the leg sent the client, if any. */
	uint32_t seq = f->spliced ? f->b_snd + f->b2c : f->r_nxt;
	struct rte_mbuf *m = tcp_build(w, &f->c, seq, ack, TCP_ACK,
				       client_window(f, w->sh->conf->dataplane.header_max),
				       NULL, 0, NULL, 0);
	if (m == NULL)
		return;
	f->c_acked = ack;
	tx_send(w, f->c.port, m);
}

/* A SYN-ACK to client end C: our ISN, the client's ISN + 1, and the
 * options we answer with (MSS, SACK-permitted, window scale). */
static void synack_send(struct worker *w, const struct flow_end *c, uint32_t isn,
			uint32_t ack, uint16_t c_mss, bool sack_ok, bool ws_ok)
{
	uint8_t opts[12];
	unsigned n = 0;
	/* Leave room for VXLAN on every flow: the target is not known yet
	 * and the client's segments must fit the tunnel's MTU later. */
	uint16_t mss = (uint16_t)(w->sh->ports[c->port].mtu - 40 - VXLAN_OVERHEAD);

	if (c_mss && c_mss < mss)
		mss = c_mss;
	opts[n++] = 2;
	opts[n++] = 4;
	opts[n++] = (uint8_t)(mss >> 8);
	opts[n++] = (uint8_t)mss;
	if (sack_ok) {
		opts[n++] = 1;
		opts[n++] = 1;
		opts[n++] = 4;
		opts[n++] = 2;
	}
	if (ws_ok) {
		opts[n++] = 1;
		opts[n++] = 3;
		opts[n++] = 3;
		opts[n++] = OUR_WSCALE;
	}
	uint32_t cap = w->sh->conf->dataplane.header_max;
	struct rte_mbuf *m = tcp_build(w, c, isn, ack, TCP_SYN | TCP_ACK,
				       (uint16_t)(cap > 65535 ? 65535 : cap),
				       opts, n, NULL, 0);
	if (m)
		tx_send(w, c->port, m);
}

void flow_synack(struct worker *w, struct flow *f)
{
	synack_send(w, &f->c, f->r_isn, f->c_isn + 1, f->c_mss, f->sack_ok,
		    f->c_ws_ok);
}

/* ---- SYN cookies (syncookie.h) ---------------------------------------- */

static struct cookie_tuple seg_tuple(const struct seg *s)
{
	return (struct cookie_tuple){ .c_ip = s->ip->src_addr, .l_ip = s->ip->dst_addr,
				      .c_port = s->th->src_port, .l_port = s->th->dst_port };
}

/* Does this SYN get a cookie rather than a flow entry? */
static bool cookies_now(const struct worker *w)
{
	const struct conf_dataplane *d = &w->sh->conf->dataplane;

	return d->syn_cookies == CONF_COOKIES_ALWAYS ||
	       (d->syn_cookies == CONF_COOKIES_AUTO &&
		w->n_half_open >= d->syn_backlog);
}

/* Answer SYN S with a cookie: no state kept. */
static void cookie_synack(struct worker *w, struct seg *s)
{
	struct cookie_tuple t = seg_tuple(s);
	struct tcp_opts o;

	tcp_parse_opts(s->th, &o);
	struct cookie_opts co = { .mss = o.mss ? o.mss : TCP_DEFAULT_MSS,
				  .wscale = o.wscale, .sack_ok = o.sack_ok };
	unsigned id = owner_self(w);
	uint32_t isn = owner_isn(id, cookie_make(w->sh->cookie_key, &t, s->seq, w->now,
						 &co, id ? OWNER_LOW_BITS : 32));
	struct flow_end c = {
		.peer_ip = t.c_ip, .local_ip = t.l_ip, .peer_port = t.c_port,
		.local_port = t.l_port, .peer_mac = s->eth->src_addr,
		.port = (uint8_t)s->port, .mac_known = true,
	};
	synack_send(w, &c, isn, s->seq + 1, co.mss, co.sack_ok, co.wscale >= 0);
	w->cookie_sent_ms = w->now ? w->now : 1;
	w->st.cnt[CNT_syn_cookies_sent]++;
	count_consumed(w, s->m);
}

/* Were cookies sent recently enough for an ACK to carry one (two
 * periods: as long as a cookie is good)? */
static bool cookies_recent(const struct worker *w)
{
	return w->cookie_sent_ms &&
	       w->now - w->cookie_sent_ms < (2ull << COOKIE_PERIOD_SHIFT);
}

/* The fields of a new flow from its SYN (or the cookie that stood for
 * it): the client's ISN C_ISN, ours R_ISN, its options. */
static void flow_init_client(struct worker *w, struct flow *f, const struct seg *s,
			     unsigned listener, uint32_t c_isn, uint32_t r_isn,
			     uint16_t mss, int wscale, bool sack_ok)
{
	f->listener = (uint16_t)listener;
	f->c.peer_mac = s->eth->src_addr;
	f->c.mac_known = true;
	f->c.port = (uint8_t)s->port;
	f->c_isn = c_isn;
	f->c_mss = mss;
	f->c_ws_ok = wscale >= 0;
	f->c_wscale = wscale >= 0 ? (uint8_t)wscale : 0;
	f->sack_ok = sack_ok;
	f->c_wnd = rte_be_to_cpu_16(s->th->rx_win);
	f->r_isn = r_isn;
	f->h_seq = f->c_isn + 1;
	/* The client's highest sequence number starts at its first byte: a
	 * 0 here would compare (SEQ_LT) as ahead of any ISN in the upper
	 * half of the space, and an RST of such a flow never matched. */
	f->c_snd = f->h_seq;
	f->r_base = f->r_isn + 1;
	f->r_nxt = f->r_base;
	f->c_ack_rcv = f->r_base;
	f->per_req = rs_conf(w->pub->rs)->listeners[listener].routing ==
		     CONF_ROUTING_REQUEST;
	f->hash = flow_choice_hash(f->c.peer_ip, f->c.local_ip, f->c.peer_port,
				   f->c.local_port);
	f->t_syn = rte_rdtsc();
}

/* An ACK of no flow: the end of a handshake answered with a cookie? Then
 * the flow, in FS_HEADER, else NULL (S consumed). */
static struct flow *cookie_ack(struct worker *w, struct seg *s, unsigned listener)
{
	struct cookie_tuple t = seg_tuple(s);
	struct cookie_opts co;

	unsigned id = owner_self(w);

	/* In a cluster the cookie is the ISN's low bits, our id above
	 * (owner.h); another node's id never got this far. */
	if (!cookies_recent(w) || (id && owner_of_ack(s->ack) != id) ||
	    !cookie_check(w->sh->cookie_key, &t, s->seq - 1,
			  id ? (s->ack - 1) & OWNER_LOW_MASK : s->ack - 1, w->now, &co,
			  id ? OWNER_LOW_BITS : 32)) {
		tcp_reply_rst(w, s->port, s->eth, s->ip, s->th, s->len);
		count_drop(w, cookies_recent(w) ? DROP_syn_cookie_bad : DROP_tcp_no_flow,
			   s->m);
		return NULL;
	}
	struct flow_key k = { .c_ip = t.c_ip, .l_ip = t.l_ip, .c_port = t.c_port,
			      .l_port = t.l_port };
	struct flow *f = flow_create(w, &k);
	if (f == NULL) {
		tcp_reply_rst(w, s->port, s->eth, s->ip, s->th, s->len);
		rte_pktmbuf_free(s->m);
		return NULL;
	}
	flow_init_client(w, f, s, listener, s->seq - 1, s->ack - 1, co.mss,
			 co.wscale, co.sack_ok);
	w->st.cnt[CNT_syn_cookies_ok]++;
	f->state = FS_HEADER;
	flow_timer(w, f, w->sh->conf->dataplane.timeouts.header_ms);
	return f;
}

struct flow *flow_accept(struct worker *w, struct seg *s, unsigned listener)
{
	struct flow_key k = { .c_ip = s->ip->src_addr, .l_ip = s->ip->dst_addr,
			      .c_port = s->th->src_port, .l_port = s->th->dst_port };
	struct tcp_opts o;
	uint8_t fl = s->flags & (TCP_SYN | TCP_ACK | TCP_RST);

	if (fl == TCP_ACK)
		return cookie_ack(w, s, listener);
	if (fl != TCP_SYN || (s->flags & TCP_FIN)) {
		if (!(s->flags & TCP_RST))
			tcp_reply_rst(w, s->port, s->eth, s->ip, s->th, s->len);
		count_drop(w, DROP_tcp_no_flow, s->m);
		return NULL;
	}
	if (cookies_now(w)) {
		cookie_synack(w, s);
		return NULL;
	}
	struct flow *f = flow_create(w, &k);
	if (f == NULL) {
		/* Refused: counted by flow_create; an RST tells the client
		 * at once instead of letting it retry into a full table. */
		tcp_reply_rst(w, s->port, s->eth, s->ip, s->th, s->len);
		rte_pktmbuf_free(s->m);
		return NULL;
	}
	tcp_parse_opts(s->th, &o);
	f->state = FS_SYN_RCVD;
	w->n_half_open++;
	flow_init_client(w, f, s, listener, s->seq,
			 owner_isn(owner_self(w), isn_make(w, k.c_ip, k.l_ip,
					(uint32_t)k.c_port << 16 | k.l_port)),
			 o.mss ? o.mss : TCP_DEFAULT_MSS, o.wscale, o.sack_ok);
	flow_synack(w, f);
	flow_timer(w, f, w->sh->conf->dataplane.timeouts.syn_ms);
	count_consumed(w, s->m);
	return NULL;
}

/* ---- header collection ---------------------------------------------- */

static void ooo_merge(struct flow *f)
{
	bool again = true;

	while (again) {
		again = false;
		for (unsigned i = 0; i < f->n_ooo; i++) {
			if (f->ooo_start[i] > f->hlen)
				continue;
			if (f->ooo_end[i] > f->hlen)
				f->hlen = f->ooo_end[i];
			f->ooo_start[i] = f->ooo_start[f->n_ooo - 1];
			f->ooo_end[i] = f->ooo_end[f->n_ooo - 1];
			f->n_ooo--;
			again = true;
			break;
		}
	}
}

/* Buffer pressure (slowloris): a connection that has held its buffer this
 * long without completing its header may lose it to one that needs one;
 * among the oldest EVICT_LOOK, the one with the fewest bytes per ms goes.
 * An honest client completes a header within a few round trips. */
#define EVICT_MIN_AGE_MS 1000
#define EVICT_LOOK 8

static bool hbuf_evict(struct worker *w)
{
	struct flow *v = NULL;
	uint64_t v_bytes = 0, v_age = 1;
	unsigned n = 0;

	for (uint32_t i = w->hq_head; i != FLOW_NONE && n < EVICT_LOOK;
	     i = w->flows[i].hq_next, n++) {
		struct flow *c = &w->flows[i];
		uint64_t age = w->now - c->t_hbuf;
		if (age < EVICT_MIN_AGE_MS)
			break;            /* oldest first: the rest are younger */
		if (c->state != FS_HEADER)
			continue;         /* not on the list (flow_respond) */
		uint64_t bytes = hbuf_extent(c);
		if (v == NULL || bytes * v_age < v_bytes * age) {
			v = c;
			v_bytes = bytes;
			v_age = age;
		}
	}
	if (v == NULL)
		return false;
	w->st.cnt[CNT_header_evicted]++;
	flow_respond(w, v, 408);
	flow_put_hbuf(w, v);
	return true;
}

bool hbuf_take(struct worker *w, struct flow *f)
{
	if (flow_get_hbuf(w, f))
		return true;
	return hbuf_evict(w) && flow_get_hbuf(w, f);
}

/* Store LEN bytes of DATA at client sequence SEQ. Returns COL_ADVANCED,
 * COL_KEPT, or the drop reason (enum steer_drop) when nothing was kept. */
int flow_collect(struct worker *w, struct flow *f, uint32_t seq,
		 const char *data, uint32_t len)
{
	uint32_t cap = w->sh->conf->dataplane.header_max;
	uint32_t off = seq - f->h_seq;

	if (unlikely(f->hbuf == NULL) && !hbuf_take(w, f))
		return DROP_hdr_buffers_full;

	if ((int32_t)off < 0) {
		/* unsigned negation: off may be 2^31, whose int32_t has no
		 * negative (UBSan, found by the packet fuzzer) */
		uint32_t skip = 0u - off;
		if (skip >= len)
			return DROP_tcp_dup;
		data += skip;
		len -= skip;
		off = 0;
	}
	if (off >= cap)
		return DROP_tcp_out_of_window;
	if (off + len > cap)
		len = cap - off;
	uint32_t end = off + len;
	if (end <= f->hlen)
		return DROP_tcp_dup;
	if (off < f->hlen) {
		/* Keep only what is new: bytes below hlen are in place already
		 * (and past hdr_end they sit moved up by the injected lines, so
		 * copying them again at OFF would overwrite those). */
		data += f->hlen - off;
		len -= f->hlen - off;
		off = f->hlen;
	}
	if (off > f->hlen) {
		/* Out of order: keep it where it belongs (bounded ranges). */
		unsigned i;
		for (i = 0; i < f->n_ooo; i++)
			if (off <= f->ooo_end[i] && end >= f->ooo_start[i])
				break;
		if (i == f->n_ooo) {
			if (f->n_ooo == OOO_MAX)
				return DROP_tcp_ooo_limit;
			f->ooo_start[i] = off;
			f->ooo_end[i] = end;
			f->n_ooo++;
		} else {
			if (off >= f->ooo_start[i] && end <= f->ooo_end[i])
				return DROP_tcp_dup;
			if (off < f->ooo_start[i])
				f->ooo_start[i] = off;
			if (end > f->ooo_end[i])
				f->ooo_end[i] = end;
		}
		memcpy(f->hbuf + phys(f, off), data, len);
		return COL_KEPT;
	}
	memcpy(f->hbuf + phys(f, off), data, len);
	f->hlen = end;
	ooo_merge(f);
	return COL_ADVANCED;
}

/* RFC 9112 section 2.2: a server SHOULD ignore at least one empty line
 * before a request line (old clients send a CRLF after a POST body). They
 * are dropped from the buffer, never sent on; a bounded number, so a
 * stream of them is a bad request like any other. */
#define LEAD_CRLF_MAX 8

static void skip_leading_crlf(struct flow *f)
{
	unsigned n = 0;

	while (f->parse_scanned == 0 && f->hdr_end == 0 &&
	       n < 2 * LEAD_CRLF_MAX && f->hlen - n >= 2 &&
	       f->hbuf[n] == '\r' && f->hbuf[n + 1] == '\n')
		n += 2;
	if (n)
		hbuf_drop_front(f, n);
}

void hbuf_drop_front(struct flow *f, uint32_t n)
{
	uint32_t pn = phys(f, n), end = phys(f, hbuf_extent(f));

	memmove(f->hbuf, f->hbuf + pn, end - pn);
	for (unsigned i = 0; i < f->n_ooo; i++) {
		f->ooo_start[i] -= n;
		f->ooo_end[i] -= n;
	}
	f->hlen -= n;
	f->h_seq += n;
}

int flow_parse(struct worker *w, struct flow *f)
{
	struct http_req *r = &w->req;

	if (f->per_req)
		skip_leading_crlf(f);
	http_req_init(r);
	r->scanned = f->parse_scanned;
	r->eol = f->parse_eol;
	int n = http_parse_request(r, f->hbuf, f->hlen);
	f->parse_scanned = r->scanned;
	f->parse_eol = r->eol;
	if (n == HTTP_INCOMPLETE && f->hlen >= w->sh->conf->dataplane.header_max) {
		r->error = HTTP_ERR_TOO_LARGE;
		return HTTP_ERROR;
	}
	if (n > 0) {
		f->hdr_end = (uint32_t)n;
		flow_hq_del(w, f);        /* no longer slow, whatever it took */
	}
	return n;
}
