/* Frames the benchmark's peers write and read, on mbufs. Built and checked
 * by tools/wire (wire.h), as the packet tests' are: its own checksum code,
 * so a checksum bug shared by the router and DPDK's helpers would still
 * show. Speed does not matter here (none of this is timed). */
#include <stdio.h>
#include <string.h>

#include "bench_dp.h"
#include "pkt.h"

void wire_write(struct rte_mbuf *m, const struct wire_tcp *s)
{
	unsigned len = wire_tcp_len(s);

	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	m->nb_segs = 1;
	m->next = NULL;
	m->ol_flags = 0;
	wire_tcp_frame(rte_pktmbuf_mtod(m, uint8_t *), s);
}

#define PERR(msg) return (msg)

const char *wire_parse(const struct rte_mbuf *m, bool csum, struct wire_pkt *p)
{
	const uint8_t *b = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned len = rte_pktmbuf_data_len(m);

	if (m->nb_segs != 1 || len != rte_pktmbuf_pkt_len(m))
		PERR("frame in more than one segment");
	if (len < 14 + 20 + 20)
		PERR("frame too short for Ethernet + IPv4 + TCP");
	if (wire_get16(b + 12) != RTE_ETHER_TYPE_IPV4)
		PERR("not IPv4");
	memcpy(&p->dst_mac, b, 6);
	memcpy(&p->src_mac, b + 6, 6);
	const uint8_t *ip = b + 14;
	if (ip[0] != 0x45)
		PERR("IPv4 version/IHL not 4/5");
	unsigned tot = wire_get16(ip + 2);
	if (tot != len - 14)
		PERR("IPv4 total length is not the frame's");
	if (ip[9] != IPPROTO_TCP)
		PERR("not TCP");
	if (csum && wire_fold(wire_sum(ip, 20, 0)) != 0xffff)
		PERR("IPv4 header checksum wrong");
	p->sip = wire_get32(ip + 12);
	p->dip = wire_get32(ip + 16);
	const uint8_t *th = ip + 20;
	unsigned l4 = tot - 20, thl = (th[12] >> 4) * 4u;
	if (thl < 20 || thl > l4)
		PERR("TCP header length wrong");
	if (csum && wire_fold(wire_sum(th, l4, wire_pseudo_sum(p->sip, p->dip,
							   IPPROTO_TCP, l4))) != 0xffff)
		PERR("TCP checksum wrong");
	p->sport = wire_get16(th);
	p->dport = wire_get16(th + 2);
	p->seq = wire_get32(th + 4);
	p->ack = wire_get32(th + 8);
	p->flags = th[13];
	p->win = wire_get16(th + 14);
	p->data = th + thl;
	p->len = l4 - thl;
	p->mss = 0;
	p->ws = -1;
	p->sackok = false;
	for (unsigned i = 20; i < thl;) {
		uint8_t kind = th[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= thl || th[i + 1] < 2 || i + th[i + 1] > thl)
			PERR("TCP option malformed");
		if (kind == 2 && th[i + 1] == 4)
			p->mss = wire_get16(th + i + 2);
		else if (kind == 3 && th[i + 1] == 3)
			p->ws = th[i + 2];
		else if (kind == 4)
			p->sackok = true;
		i += th[i + 1];
	}
	return NULL;
}
