/* Frames the benchmark's peers write and read. Byte by byte with their own
 * checksum code, as the packet tests do: a checksum bug shared by the router
 * and DPDK's helpers would still show. Speed does not matter here (none of
 * this is timed). */
#include <stdio.h>
#include <string.h>

#include "bench_dp.h"
#include "pkt.h"

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint32_t wire_sum(const void *buf, unsigned len, uint32_t acc)
{
	const uint8_t *p = buf;

	for (unsigned i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	return acc;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static uint32_t pseudo_sum(uint32_t sip, uint32_t dip, unsigned l4len)
{
	uint8_t ph[12];

	put32(ph, sip);
	put32(ph + 4, dip);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP;
	put16(ph + 10, (uint16_t)l4len);
	return wire_sum(ph, sizeof(ph), 0);
}

void wire_write(struct rte_mbuf *m, const struct wire_seg *s)
{
	unsigned thl = 20 + s->optlen;
	unsigned len = 14 + 20 + thl + s->len;

	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	m->nb_segs = 1;
	m->next = NULL;
	m->ol_flags = 0;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *ip = p + 14, *th = ip + 20;

	memcpy(p, s->dst_mac, 6);
	memcpy(p + 6, s->src_mac, 6);
	put16(p + 12, RTE_ETHER_TYPE_IPV4);
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + thl + s->len));
	put16(ip + 4, 0);
	put16(ip + 6, 0x4000);            /* DF, as Linux sends TCP */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	put16(ip + 10, 0);
	put32(ip + 12, s->sip);
	put32(ip + 16, s->dip);
	put16(ip + 10, (uint16_t)~fold(wire_sum(ip, 20, 0)));
	put16(th, s->sport);
	put16(th + 2, s->dport);
	put32(th + 4, s->seq);
	put32(th + 8, s->ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = s->flags;
	put16(th + 14, s->win);
	put16(th + 16, 0);
	put16(th + 18, 0);
	if (s->optlen)
		memcpy(th + 20, s->opts, s->optlen);
	uint32_t sum = pseudo_sum(s->sip, s->dip, thl + s->len) + wire_sum(th, thl, 0);
	if (s->data) {
		memcpy(th + thl, s->data, s->len);
		sum += wire_sum(th + thl, s->len, 0);
	} else {
		sum += s->data_sum;
	}
	put16(th + 16, (uint16_t)~fold(sum));
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
	if (get16(b + 12) != RTE_ETHER_TYPE_IPV4)
		PERR("not IPv4");
	memcpy(&p->dst_mac, b, 6);
	memcpy(&p->src_mac, b + 6, 6);
	const uint8_t *ip = b + 14;
	if (ip[0] != 0x45)
		PERR("IPv4 version/IHL not 4/5");
	unsigned tot = get16(ip + 2);
	if (tot != len - 14)
		PERR("IPv4 total length is not the frame's");
	if (ip[9] != IPPROTO_TCP)
		PERR("not TCP");
	if (csum && fold(wire_sum(ip, 20, 0)) != 0xffff)
		PERR("IPv4 header checksum wrong");
	p->sip = get32(ip + 12);
	p->dip = get32(ip + 16);
	const uint8_t *th = ip + 20;
	unsigned l4 = tot - 20, thl = (th[12] >> 4) * 4u;
	if (thl < 20 || thl > l4)
		PERR("TCP header length wrong");
	if (csum && fold(pseudo_sum(p->sip, p->dip, l4) + wire_sum(th, l4, 0)) != 0xffff)
		PERR("TCP checksum wrong");
	p->sport = get16(th);
	p->dport = get16(th + 2);
	p->seq = get32(th + 4);
	p->ack = get32(th + 8);
	p->flags = th[13];
	p->win = get16(th + 14);
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
			p->mss = get16(th + i + 2);
		else if (kind == 3 && th[i + 1] == 3)
			p->ws = th[i + 2];
		else if (kind == 4)
			p->sackok = true;
		i += th[i + 1];
	}
	return NULL;
}
