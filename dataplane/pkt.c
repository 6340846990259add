/* Packets the router writes itself and TX buffering; VXLAN framing is in
 * vxlan.c. */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "csum.h"
#include "flow.h"
#include "neigh.h"
#include "pkt.h"
#include "vxlan.h"

void tcp_parse_opts(const struct rte_tcp_hdr *th, struct tcp_opts *o)
{
	const uint8_t *p = (const uint8_t *)(th + 1);
	const uint8_t *end = (const uint8_t *)th + ((th->data_off >> 4) * 4);

	o->mss = 0;
	o->wscale = -1;
	o->sack_ok = false;
	while (p < end) {
		uint8_t kind = p[0];
		if (kind == 0)
			break;
		if (kind == 1) {
			p++;
			continue;
		}
		if (p + 1 >= end || p[1] < 2 || p + p[1] > end)
			break;
		switch (kind) {
		case 2:
			if (p[1] == 4)
				o->mss = (uint16_t)(p[2] << 8 | p[3]);
			break;
		case 3:
			/* RFC 7323 section 2.3: a shift above 14 is used as 14. */
			if (p[1] == 3)
				o->wscale = (int8_t)(p[2] > 14 ? 14 : p[2]);
			break;
		case 4:
			o->sack_ok = true;
			break;
		}
		p += p[1];
	}
}

void tx_send(struct worker *w, unsigned port, struct rte_mbuf *m)
{
	struct tx_buf *b = &w->tx[port];

	if (unlikely(b->n == BURST))
		tx_flush(w);
	b->m[b->n++] = m;
}

/* The TX counters, once per burst (tx_send() only buffers). */
static void tx_count(struct worker *w, unsigned port, const struct tx_buf *b)
{
	uint64_t bytes = 0;

	for (unsigned i = 0; i < b->n; i++)
		bytes += rte_pktmbuf_pkt_len(b->m[i]);
	w->st.port_tx[port] += b->n;
	w->st.port_tx_bytes[port] += bytes;
	w->st.cnt[CNT_tx_packets] += b->n;
	w->st.cnt[CNT_tx_bytes] += bytes;
}

void tx_flush(struct worker *w)
{
	for (unsigned p = 0; p < w->sh->n_ports; p++) {
		struct tx_buf *b = &w->tx[p];
		if (b->n == 0)
			continue;
		tx_count(w, p, b);
		if (w->capture) {
			for (unsigned i = 0; i < b->n; i++) {
				b->m[i]->port = (uint16_t)p;
				if (w->n_capture < w->cap_capture)
					w->capture[w->n_capture++] = b->m[i];
				else
					count_drop(w, DROP_tx_full, b->m[i]);
			}
			b->n = 0;
			continue;
		}
		uint16_t sent = rte_eth_tx_burst(w->sh->ports[p].port_id,
						 w->queue, b->m, b->n);
		for (uint16_t i = sent; i < b->n; i++)
			count_drop(w, DROP_tx_full, b->m[i]);
		b->n = 0;
	}
}

struct rte_mbuf *tcp_build(struct worker *w, const struct flow_end *e,
			   uint32_t seq, uint32_t ack, uint8_t flags,
			   uint16_t win, const uint8_t *opts, unsigned optlen,
			   const void *data, unsigned len)
{
	struct rte_mbuf *m = tcp_frame(w->pool, &w->sh->ports[e->port].mac, e,
				       seq, ack, flags, win, opts, optlen,
				       data, len);

	if (unlikely(m == NULL))
		w->st.drop[DROP_mbuf_alloc]++;
	return m;
}

struct rte_mbuf *tcp_frame(struct rte_mempool *pool,
			   const struct rte_ether_addr *src_mac,
			   const struct flow_end *e, uint32_t seq, uint32_t ack,
			   uint8_t flags, uint16_t win, const uint8_t *opts,
			   unsigned optlen, const void *data, unsigned len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	unsigned hl = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
		      sizeof(struct rte_tcp_hdr) + optlen;

	if (unlikely(m == NULL))
		return NULL;
	char *p = rte_pktmbuf_append(m, (uint16_t)(hl + len));
	if (unlikely(p == NULL)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	eth->dst_addr = e->peer_mac;
	eth->src_addr = *src_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(hl + len - sizeof(*eth)));
	ip->packet_id = 0;
	/* DF: we never fragment, and PMTU discovery is the endpoints'. */
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = e->local_ip;
	ip->dst_addr = e->peer_ip;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = ipv4_hdr20_csum(ip);
	th->src_port = e->local_port;
	th->dst_port = e->peer_port;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((sizeof(*th) + optlen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	th->tcp_urp = 0;
	if (optlen)
		memcpy(th + 1, opts, optlen);
	if (len)
		memcpy((char *)(th + 1) + optlen, data, len);
	th->cksum = 0;
	uint32_t l4 = (uint32_t)(sizeof(*th) + optlen + len);
	th->cksum = (uint16_t)~csum_fold64(csum_partial(th, l4,
		csum_phdr4(ip->src_addr, ip->dst_addr, IPPROTO_TCP, l4)));
	return m;
}

/* Are the MACs F's backend frames need known (looked up and cached in F
 * when they are; asked for when not)? 0, or the drop reason. */
static int backend_next_hop(struct worker *w, struct flow *f)
{
	unsigned port;
	uint32_t nh;

	if (f->vxlan) {
		if (unlikely(!f->b.mac_known) &&
		    neigh_lookup(w->sh->neigh, (uint32_t)f->tunnel + 1,
				 f->b.peer_ip, &f->b.peer_mac))
			f->b.mac_known = true;
		if (unlikely(!f->vtep_mac_known)) {
			if (route_lookup(w->sh, f->vtep_ip, &port, &nh) &&
			    neigh_lookup(w->sh->neigh, 0, nh, &f->vtep_mac)) {
				f->vtep_mac_known = true;
				f->b.port = (uint8_t)port;
			} else if (route_lookup(w->sh, f->vtep_ip, &port, &nh)) {
				neigh_want(w, 0, nh, port);
			}
		}
		if (unlikely(!f->b.mac_known))
			neigh_want(w, (uint32_t)f->tunnel + 1, f->b.peer_ip, f->b.port);
		if (unlikely(!f->b.mac_known || !f->vtep_mac_known))
			return DROP_neigh_unresolved;
		return 0;
	}
	if (likely(f->b.mac_known))
		return 0;
	if (!route_lookup(w->sh, f->b.peer_ip, &port, &nh))
		return DROP_no_route;
	f->b.port = (uint8_t)port;
	if (!neigh_lookup(w->sh->neigh, 0, nh, &f->b.peer_mac)) {
		neigh_want(w, 0, nh, port);
		return DROP_neigh_unresolved;
	}
	f->b.mac_known = true;
	return 0;
}

/* A frame whose next hop is being resolved waits, as a kernel's neighbour
 * queue does, for as long as ARP tries (NEIGH_TRIES x NEIGH_RETRY_MS). */
#define HOLD_MS (NEIGH_TRIES * NEIGH_RETRY_MS)

static void hold_push(struct worker *w, struct rte_mbuf *m, uint64_t until,
		      uint32_t flow, uint32_t peer_ip, uint16_t sport)
{
	uint32_t i = (w->hold_head + w->n_hold++) % HOLD_MAX;

	w->hold[i].m = m;
	w->hold[i].until = until;
	w->hold[i].flow = flow;
	w->hold[i].peer_ip = peer_ip;
	w->hold[i].sport = sport;
}

static bool hold(struct worker *w, struct flow *f, struct rte_mbuf *m)
{
	if (w->n_hold == HOLD_MAX)
		return false;
	hold_push(w, m, w->now + HOLD_MS, flow_index(w, f), f->b.peer_ip,
		  f->b.local_port);
	w->st.cnt[CNT_neigh_held]++;
	return true;
}

static void backend_out(struct worker *w, struct flow *f, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	if (f->vxlan) {
		vxlan_overlay_mac(f->vni, &eth->src_addr);
		eth->dst_addr = f->b.peer_mac;
		if (unlikely(!vxlan_wrap(m, &w->sh->ports[f->b.port], &f->vtep_mac,
					 f->vtep_ip, f->vni,
					 (uint16_t)(49152 + (f->hash & 0x3fff))))) {
			count_drop(w, DROP_mbuf_alloc, m);
			return;
		}
	} else {
		eth->dst_addr = f->b.peer_mac;
		eth->src_addr = w->sh->ports[f->b.port].mac;
	}
	tx_send(w, f->b.port, m);
}

bool flow_send_backend(struct worker *w, struct flow *f, struct rte_mbuf *m)
{
	int r = backend_next_hop(w, f);

	if (unlikely(r != 0)) {
		/* Behind frames already held for this flow, or on its own:
		 * either way after them, so a flow's frames keep their order. */
		if (r == DROP_neigh_unresolved && hold(w, f, m))
			return true;
		count_drop(w, (enum steer_drop)r, m);
		return false;
	}
	backend_out(w, f, m);
	return true;
}

void pkt_hold_run(struct worker *w)
{
	for (uint32_t n = w->n_hold; n > 0; n--) {
		uint32_t i = w->hold_head;
		struct rte_mbuf *m = w->hold[i].m;
		struct flow *f = &w->flows[w->hold[i].flow];

		w->hold_head = (i + 1) % HOLD_MAX;
		w->n_hold--;
		if (f->state == FS_FREE || f->b.local_port != w->hold[i].sport ||
		    f->b.peer_ip != w->hold[i].peer_ip) {
			count_drop(w, DROP_neigh_hold_stale, m);
			continue;
		}
		if (backend_next_hop(w, f) == 0) {
			w->st.cnt[CNT_neigh_held_sent]++;
			backend_out(w, f, m);
			continue;
		}
		if (w->now >= w->hold[i].until) {
			count_drop(w, DROP_neigh_unresolved, m);
			continue;
		}
		/* still waiting: to the back (there is room: one was taken) */
		hold_push(w, m, w->hold[i].until, w->hold[i].flow,
			  w->hold[i].peer_ip, w->hold[i].sport);
	}
}

void pkt_hold_flush(struct worker *w)
{
	while (w->n_hold) {
		rte_pktmbuf_free(w->hold[w->hold_head].m);
		w->hold_head = (w->hold_head + 1) % HOLD_MAX;
		w->n_hold--;
	}
}

void tcp_reply_rst(struct worker *w, unsigned port,
		   const struct rte_ether_hdr *eth,
		   const struct rte_ipv4_hdr *ip,
		   const struct rte_tcp_hdr *th, unsigned payload)
{
	struct flow_end e = {
		.peer_ip = ip->src_addr, .local_ip = ip->dst_addr,
		.peer_port = th->src_port, .local_port = th->dst_port,
		.peer_mac = eth->src_addr, .port = (uint8_t)port,
	};
	uint32_t seq = 0, ack;
	uint8_t flags = TCP_RST;

	if (th->tcp_flags & TCP_RST)
		return;                 /* never answer a RST */
	/* RFC 9293 section 3.10.7.1: if the segment has ACK, the RST takes
	 * its sequence number from it; otherwise seq 0 and ACK of the
	 * segment's end. */
	if (th->tcp_flags & TCP_ACK) {
		seq = rte_be_to_cpu_32(th->recv_ack);
		ack = 0;
	} else {
		ack = rte_be_to_cpu_32(th->sent_seq) + payload +
		      !!(th->tcp_flags & TCP_SYN) + !!(th->tcp_flags & TCP_FIN);
		flags |= TCP_ACK;
	}
	struct rte_mbuf *m = tcp_build(w, &e, seq, ack, flags, 0, NULL, 0, NULL, 0);
	if (m == NULL)
		return;
	w->st.cnt[CNT_rst_sent]++;
	tx_send(w, port, m);
}

void ctrl_tx(struct dp_shared *sh, unsigned port, struct rte_mbuf *m)
{
	m->port = (uint16_t)port;
	if (rte_ring_enqueue(sh->workers[0]->txr, m) != 0) {
		sh->ctrl_st.drop[DROP_tx_full]++;
		rte_pktmbuf_free(m);
	}
}
