/* steer-gen's frames: port bring-up, input (ARP, IPv4, VXLAN
 * decapsulation, TCP to the client or server side), building TCP frames,
 * VXLAN encapsulation and TX buffering. */
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "gen.h"

#define RX_DESC 1024
#define TX_DESC 1024

int gen_ports_start(struct gen *g)
{
	const char *dev[GEN_N_PORTS] = { g->conf->edge_dev, g->conf->inner_dev };
	uint32_t router[GEN_N_PORTS] = { g->conf->edge_router, g->conf->inner_router };
	struct rte_eth_conf ec = { 0 };

	for (unsigned p = 0; p < GEN_N_PORTS; p++) {
		struct gen_port *gp = &g->port[p];
		if (rte_eth_dev_get_port_by_name(dev[p], &gp->id) != 0) {
			fprintf(stderr, "steer-gen: no DPDK device '%s' (add a --vdev to eal)\n", dev[p]);
			return -1;
		}
		if (rte_eth_dev_configure(gp->id, 1, 1, &ec) != 0 ||
		    rte_eth_rx_queue_setup(gp->id, 0, RX_DESC, (unsigned)rte_socket_id(),
					   NULL, g->pool) != 0 ||
		    rte_eth_tx_queue_setup(gp->id, 0, TX_DESC, (unsigned)rte_socket_id(),
					   NULL) != 0 ||
		    rte_eth_dev_start(gp->id) != 0) {
			fprintf(stderr, "steer-gen: cannot start '%s'\n", dev[p]);
			return -1;
		}
		rte_eth_macaddr_get(gp->id, &gp->mac);
		gp->router_ip = rte_cpu_to_be_32(router[p]);
	}
	/* memif client ports come up when the server accepts them. */
	for (unsigned p = 0; p < GEN_N_PORTS; p++) {
		struct rte_eth_link link;
		unsigned waited = 0;
		do {
			rte_eth_link_get_nowait(g->port[p].id, &link);
			if (link.link_status)
				break;
			rte_delay_ms(10);
		} while (++waited < 1000);
		if (!link.link_status) {
			fprintf(stderr, "steer-gen: '%s' stays down after 10 s\n", dev[p]);
			return -1;
		}
	}
	return 0;
}

void gen_overlay_mac(uint32_t ip, struct rte_ether_addr *mac)
{
	/* Locally administered, one per overlay address. */
	uint8_t b[6] = { 0x02, 0x67, 0x65, (uint8_t)(ip >> 8), (uint8_t)(ip >> 16),
			 (uint8_t)(ip >> 24) };
	memcpy(mac->addr_bytes, b, 6);
}

void gen_send(struct gen *g, unsigned port, struct rte_mbuf *m)
{
	struct gen_port *gp = &g->port[port];

	if (gp->n_tx == GEN_BURST)
		gen_tx_flush(g);
	gp->tx[gp->n_tx++] = m;
}

void gen_tx_flush(struct gen *g)
{
	for (unsigned p = 0; p < GEN_N_PORTS; p++) {
		struct gen_port *gp = &g->port[p];
		uint16_t sent = 0;
		/* A full ring on the router's side: try twice more before
		 * dropping (TCP retransmits what we drop). */
		for (unsigned tries = 0; tries < 3 && sent < gp->n_tx; tries++)
			sent = (uint16_t)(sent + rte_eth_tx_burst(gp->id, 0, gp->tx + sent,
							  (uint16_t)(gp->n_tx - sent)));
		g->st.notes.tx_frames += sent;
		for (unsigned i = sent; i < gp->n_tx; i++) {
			rte_pktmbuf_free(gp->tx[i]);
			g->st.notes.tx_dropped++;
		}
		gp->n_tx = 0;
	}
}

struct rte_mbuf *gen_tcp_frame(struct gen *g, uint32_t src_ip, uint32_t dst_ip,
			       uint16_t sport, uint16_t dport,
			       const struct rte_ether_addr *src_mac,
			       const struct rte_ether_addr *dst_mac,
			       const struct gtcp *t, uint32_t seq, uint8_t flags,
			       gen_fill_fn fill, void *arg, uint32_t off,
			       uint32_t len)
{
	unsigned optlen = (flags & GTCP_SYN) ? 4 : 0;
	unsigned hl = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
		      sizeof(struct rte_tcp_hdr) + optlen;
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	char *p;

	if (m == NULL || (p = rte_pktmbuf_append(m, (uint16_t)(hl + len))) == NULL) {
		rte_pktmbuf_free(m);
		g->st.notes.mbuf_alloc_failed++;
		return NULL;
	}
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint8_t *opt = (uint8_t *)(th + 1);

	eth->dst_addr = *dst_mac;
	eth->src_addr = *src_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(hl + len - sizeof(*eth)));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = src_ip;
	ip->dst_addr = dst_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->src_port = sport;
	th->dst_port = dport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32((flags & GTCP_ACK) ? t->rcv_nxt : 0);
	th->data_off = (uint8_t)(((sizeof(*th) + optlen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(GTCP_WINDOW);
	th->tcp_urp = 0;
	if (optlen) {
		opt[0] = 2;               /* MSS, RFC 9293 section 3.2 */
		opt[1] = 4;
		opt[2] = (uint8_t)(t->mss >> 8);
		opt[3] = (uint8_t)t->mss;
	}
	if (len)
		fill(arg, opt + optlen, off, len);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	if (flags & GTCP_RST)
		g->st.notes.rst_sent++;
	return m;
}

bool gen_vxlan_wrap(struct gen *g, struct rte_mbuf *m, uint32_t vni,
		    uint32_t dst_ip, const struct rte_ether_addr *dst_mac,
		    uint16_t entropy)
{
	unsigned outer = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
			 sizeof(struct rte_udp_hdr) + sizeof(struct rte_vxlan_hdr);
	uint16_t inner = (uint16_t)rte_pktmbuf_pkt_len(m);
	char *p = rte_pktmbuf_prepend(m, (uint16_t)outer);

	if (p == NULL)
		return false;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	struct rte_vxlan_hdr *vx = (struct rte_vxlan_hdr *)(udp + 1);

	eth->dst_addr = *dst_mac;
	eth->src_addr = g->port[PORT_INNER].mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(inner + outer - sizeof(*eth)));
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(g->conf->vtep_ip);
	ip->dst_addr = dst_ip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	/* RFC 7348 section 5: source port from the inner flow's hash, a
	 * zero UDP checksum is allowed over IPv4. */
	udp->src_port = rte_cpu_to_be_16((uint16_t)(49152 | (entropy & 0x3fff)));
	udp->dst_port = rte_cpu_to_be_16(VXLAN_UDP_PORT);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(inner + sizeof(*udp) + sizeof(*vx)));
	udp->dgram_cksum = 0;
	vx->vx_flags = rte_cpu_to_be_32(0x08000000);
	vx->vx_vni = rte_cpu_to_be_32(vni << 8);
	return true;
}

/* Where a frame came from when it was inside VXLAN. */
struct vx_ctx {
	uint32_t vni;
	uint32_t outer_ip;                /* the router's, network order */
	struct rte_ether_addr outer_mac;
};

/* Do we play IP (network order) on PORT, in overlay VX (NULL: none)? */
static bool plays(const struct gen *g, unsigned port, uint32_t ip,
		  const struct vx_ctx *vx)
{
	const struct gen_conf *c = g->conf;
	uint32_t h = rte_be_to_cpu_32(ip);

	if (port == PORT_EDGE)
		return !vx && h >= c->client_first && h <= c->client_last;
	if (!vx && c->vtep_ip && h == c->vtep_ip)
		return true;
	for (unsigned s = 0; s < c->mix.n_servers; s++) {
		const struct gen_server *sv = &c->mix.server[s];
		if (sv->ip == h && sv->vxlan == (vx != NULL) &&
		    (!vx || sv->vni == vx->vni))
			return true;
	}
	return false;
}

static void arp_input(struct gen *g, unsigned port, struct rte_mbuf *m,
		      const struct vx_ctx *vx)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	struct gen_port *gp = &g->port[port];

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*a) ||
	    a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		g->st.notes.unknown_frames++;
		rte_pktmbuf_free(m);
		return;
	}
	/* Learn the router's MAC from anything it says (a gratuitous ARP
	 * at its start, its requests, its replies to ours). */
	if (!vx && a->arp_data.arp_sip == gp->router_ip) {
		gp->router_mac = a->arp_data.arp_sha;
		gp->router_known = true;
	}
	if (a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) ||
	    !plays(g, port, a->arp_data.arp_tip, vx)) {
		rte_pktmbuf_free(m);
		return;
	}
	/* Reply in place (RFC 826): swap sender and target. */
	struct rte_ether_addr mine = gp->mac;
	if (vx)
		gen_overlay_mac(a->arp_data.arp_tip, &mine);
	uint32_t tip = a->arp_data.arp_tip;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = mine;
	a->arp_data.arp_sip = tip;
	eth->dst_addr = eth->src_addr;
	eth->src_addr = mine;
	g->st.notes.arp_answered++;
	if (vx && !gen_vxlan_wrap(g, m, vx->vni, vx->outer_ip, &vx->outer_mac,
				  (uint16_t)tip)) {
		rte_pktmbuf_free(m);
		return;
	}
	gen_send(g, port, m);
}

static void frame_input(struct gen *g, unsigned port, struct rte_mbuf *m,
			const struct vx_ctx *vx);

static void vxlan_input(struct gen *g, unsigned port, struct rte_mbuf *m,
			struct rte_ipv4_hdr *ip, struct rte_udp_hdr *udp)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_vxlan_hdr *vx = (struct rte_vxlan_hdr *)(udp + 1);
	unsigned outer = (unsigned)((char *)(vx + 1) - (char *)eth);

	if (rte_pktmbuf_data_len(m) < outer + sizeof(struct rte_ether_hdr) ||
	    !(rte_be_to_cpu_32(vx->vx_flags) & 0x08000000)) {
		g->st.notes.unknown_frames++;
		rte_pktmbuf_free(m);
		return;
	}
	struct vx_ctx c = { .vni = rte_be_to_cpu_32(vx->vx_vni) >> 8,
			    .outer_ip = ip->src_addr, .outer_mac = eth->src_addr };
	rte_pktmbuf_adj(m, (uint16_t)outer);
	frame_input(g, port, m, &c);
}

static void tcp_input(struct gen *g, unsigned port, struct rte_mbuf *m,
		      struct rte_ipv4_hdr *ip, uint32_t l4len,
		      const struct vx_ctx *vx)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((char *)ip + rte_ipv4_hdr_len(ip));
	unsigned thl = (th->data_off >> 4) * 4u;

	if (l4len < sizeof(*th) || thl < sizeof(*th) || thl > l4len) {
		g->st.notes.unknown_frames++;
		goto out;
	}
	/* Verified, not trusted: the router rewrites checksums
	 * incrementally, and a wrong one is a bug we want to see. The sum
	 * over pseudo-header and segment, checksum included, is 0xffff. */
	uint32_t sum = (uint32_t)rte_ipv4_phdr_cksum(ip, 0) + rte_raw_cksum(th, l4len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	if (sum != 0xffff) {
		g->st.err[GEN_ERR_bad_checksum]++;
		goto out;
	}
	struct gtcp_seg s = {
		.seq = rte_be_to_cpu_32(th->sent_seq),
		.ack = rte_be_to_cpu_32(th->recv_ack),
		.flags = th->tcp_flags, .win = rte_be_to_cpu_16(th->rx_win),
		.len = l4len - thl,
	};
	/* The only option we read is MSS (RFC 9293 section 3.2). */
	const uint8_t *o = (const uint8_t *)(th + 1), *oe = (const uint8_t *)th + thl;
	while ((th->tcp_flags & GTCP_SYN) && o < oe && *o != 0) {
		if (*o == 1) {
			o++;
			continue;
		}
		if (o + 1 >= oe || o[1] < 2 || o + o[1] > oe)
			break;
		if (o[0] == 2 && o[1] == 4)
			s.mss = (uint16_t)(o[2] << 8 | o[3]);
		o += o[1];
	}
	const uint8_t *payload = (const uint8_t *)th + thl;
	g->st.rx_bytes += s.len;
	if (port == PORT_EDGE) {
		if (!gen_slow_input(g, &s, ip->dst_addr, th->dst_port, payload))
			gen_client_input(g, &s, ip->dst_addr, th->dst_port, payload);
	} else {
		int sv = gen_mix_server(&g->conf->mix, rte_be_to_cpu_32(ip->dst_addr),
					rte_be_to_cpu_16(th->dst_port), vx != NULL,
					vx ? vx->vni : 0);
		if (sv < 0)
			g->st.notes.stray_segments++;
		else
			gen_server_input(g, &s, eth, ip->src_addr, ip->dst_addr,
					 th->src_port, th->dst_port, sv,
					 vx ? vx->outer_ip : 0,
					 vx ? &vx->outer_mac : NULL, payload);
	}
out:
	rte_pktmbuf_free(m);
}

static void frame_input(struct gen *g, unsigned port, struct rte_mbuf *m,
			const struct vx_ctx *vx)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint32_t len = rte_pktmbuf_data_len(m);

	if (len < sizeof(*eth))
		goto drop;
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		arp_input(g, port, m, vx);
		return;
	}
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    len < sizeof(*eth) + sizeof(struct rte_ipv4_hdr))
		goto drop;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	unsigned ihl = rte_ipv4_hdr_len(ip);
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot < ihl ||
	    len < sizeof(*eth) + tot)
		goto drop;
	if (rte_ipv4_cksum(ip) != 0 && ip->hdr_checksum != 0) {
		/* rte_ipv4_cksum() of a header with a correct checksum
		 * gives 0 (one's complement of 0xffff). */
		g->st.err[GEN_ERR_bad_checksum]++;
		rte_pktmbuf_free(m);
		return;
	}
	/* The router's answers to the flood's spoofed sources: counted,
	 * never answered, not even by ARP (plays() knows none of them). */
	if (port == PORT_EDGE && !vx && gen_flood_dst(g, ip->dst_addr)) {
		gen_flood_input(g, m, ip, tot - ihl);
		return;
	}
	if (!plays(g, port, ip->dst_addr, vx))
		goto drop;
	if (ip->next_proto_id == IPPROTO_TCP) {
		tcp_input(g, port, m, ip, tot - ihl, vx);
		return;
	}
	if (ip->next_proto_id == IPPROTO_UDP && !vx && port == PORT_INNER &&
	    tot >= ihl + sizeof(struct rte_udp_hdr) + sizeof(struct rte_vxlan_hdr)) {
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)((char *)ip + ihl);
		if (udp->dst_port == rte_cpu_to_be_16(VXLAN_UDP_PORT) &&
		    rte_be_to_cpu_32(ip->dst_addr) == g->conf->vtep_ip) {
			vxlan_input(g, port, m, ip, udp);
			return;
		}
	}
drop:
	g->st.notes.unknown_frames++;
	rte_pktmbuf_free(m);
}

void gen_rx(struct gen *g)
{
	struct rte_mbuf *pk[GEN_BURST];

	for (unsigned p = 0; p < GEN_N_PORTS; p++) {
		uint16_t n = rte_eth_rx_burst(g->port[p].id, 0, pk, GEN_BURST);
		g->st.notes.rx_frames += n;
		for (uint16_t i = 0; i < n; i++)
			frame_input(g, p, pk[i], NULL);
	}
}

void gen_arp_tick(struct gen *g)
{
	/* Until the edge router's MAC is known no SYN can leave: ask for it
	 * from our first client address (its gratuitous ARP may have gone
	 * out before we were connected). */
	struct gen_port *gp = &g->port[PORT_EDGE];
	static const struct rte_ether_addr bcast = {{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }};

	if (gp->router_known)
		return;
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->pool);
	if (m == NULL)
		return;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)
		rte_pktmbuf_append(m, sizeof(*eth) + sizeof(struct rte_arp_hdr));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	eth->dst_addr = bcast;
	eth->src_addr = gp->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = gp->mac;
	a->arp_data.arp_sip = rte_cpu_to_be_32(g->conf->client_first);
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	a->arp_data.arp_tip = gp->router_ip;
	gen_send(g, PORT_EDGE, m);
}
