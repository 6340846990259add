/* steer-gen's SYN flood (--syn-flood): spoofed SYNs from random sources
 * of run.flood_src to the listener, paced on the TSC, added to the normal
 * mix while the run opens connections (and at most flood_duration_s).
 * The frames go to the router's MAC that the real clients use; what the
 * router sends back to a spoofed source is counted and dropped, never
 * answered (an answer would complete the handshakes the flood leaves
 * half-open). gen_spoof.c refuses sources and targets outside the test
 * blocks, here and when the options are read. */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_tcp.h>

#include "gen.h"

/* Frames sent at most per loop: a loop that fell behind catches up over
 * several loops instead of filling the TX ring at once. */
#define FLOOD_ROUNDS 4

void gen_flood_start(struct gen *g, uint64_t start_ms)
{
	const struct gen_run *r = &g->conf->run;
	unsigned secs = r->duration_s;

	if (r->syn_flood == 0)
		return;
	if (r->flood_duration_s && r->flood_duration_s < secs)
		secs = r->flood_duration_s;
	g->flood_end_ms = start_ms + secs * 1000ull;
	g->flood_ms = start_ms;       /* its start, until it stops */
	/* At most a millisecond's worth (and a burst) owed at once. */
	uint32_t burst = r->syn_flood / 1000 > GEN_BURST ? r->syn_flood / 1000 : GEN_BURST;
	gen_pace_init(&g->flood_pace, r->syn_flood, g->tsc_hz, burst, g->now_tsc);
	g->flooding = true;
}

void gen_flood_tick(struct gen *g)
{
	struct gen_port *gp = &g->port[PORT_EDGE];
	const struct gen_run *r = &g->conf->run;
	struct rte_mbuf *m[GEN_BURST];

	if (!g->flooding)
		return;
	if (!g->opening || g->now_ms >= g->flood_end_ms) {
		g->flooding = false;
		g->flood_ms = g->now_ms - g->flood_ms;
		return;
	}
	for (unsigned round = 0; round < FLOOD_ROUNDS; round++) {
		uint32_t n = gen_pace_take(&g->flood_pace, g->now_tsc, GEN_BURST);
		if (n == 0)
			return;
		if (rte_pktmbuf_alloc_bulk(g->pool, m, n) != 0) {
			g->st.flood.alloc_failed += n;
			return;
		}
		uint16_t k = 0;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t a = gen_rand(g), b = gen_rand(g);
			struct gen_syn s = {
				.dst_ip = g->conf->listener_ip, .dport = g->conf->listener_port,
				.seq = (uint32_t)b, .ip_id = (uint16_t)(b >> 32), .mss = GEN_MSS,
			};
			memcpy(s.src_mac, gp->mac.addr_bytes, 6);
			memcpy(s.dst_mac, gp->router_mac.addr_bytes, 6);
			gen_spoof_draw(&r->flood_src, a, &s.src_ip, &s.sport);
			uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[i], GEN_SYN_FRAME_LEN);
			if (p == NULL || gen_syn_frame(p, GEN_SYN_FRAME_LEN, &s) == 0) {
				/* the builder refused the addresses: the option
				 * check let something through it should not have */
				rte_pktmbuf_free(m[i]);
				g->st.flood.refused++;
				continue;
			}
			m[k++] = m[i];
		}
		/* Straight to the ring, after the real clients' frames of this
		 * loop: a full ring drops flood frames, not theirs. */
		uint16_t sent = rte_eth_tx_burst(gp->id, 0, m, k);
		g->st.flood.syns_sent += sent;
		for (uint16_t i = sent; i < k; i++) {
			rte_pktmbuf_free(m[i]);
			g->st.flood.tx_dropped++;
		}
		if (n < GEN_BURST)
			return;
	}
}

void gen_flood_input(struct gen *g, struct rte_mbuf *m,
		     const struct rte_ipv4_hdr *ip, uint32_t l4len)
{
	const struct rte_tcp_hdr *th =
		(const struct rte_tcp_hdr *)((const char *)ip + rte_ipv4_hdr_len(ip));

	if (ip->next_proto_id != IPPROTO_TCP || l4len < sizeof(*th))
		g->st.flood.other_seen++;
	else if ((th->tcp_flags & (GTCP_SYN | GTCP_ACK | GTCP_RST)) == (GTCP_SYN | GTCP_ACK))
		g->st.flood.synacks_seen++;
	else if (th->tcp_flags & GTCP_RST)
		g->st.flood.rsts_seen++;
	else
		g->st.flood.other_seen++;
	rte_pktmbuf_free(m);
}
