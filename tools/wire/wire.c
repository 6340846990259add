/* Frames built byte by byte (wire.h). */
#include "wire.h"

#include <string.h>

uint32_t wire_sum(const void *buf, size_t len, uint32_t acc)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i + 1 < len; i += 2)
		acc += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	return acc;
}

uint16_t wire_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

uint32_t wire_pseudo_sum(uint32_t sip, uint32_t dip, uint8_t proto, unsigned len)
{
	uint8_t ph[12];

	wire_put32(ph, sip);
	wire_put32(ph + 4, dip);
	ph[8] = 0;
	ph[9] = proto;
	wire_put16(ph + 10, (uint16_t)len);
	return wire_sum(ph, sizeof(ph), 0);
}

void wire_eth(uint8_t *p, const void *dst_mac, const void *src_mac, uint16_t type)
{
	memcpy(p, dst_mac, 6);
	memcpy(p + 6, src_mac, 6);
	wire_put16(p + 12, type);
}

void wire_ipv4(uint8_t *ip, unsigned tot, uint8_t proto, uint32_t sip,
	       uint32_t dip, uint16_t id)
{
	ip[0] = 0x45;
	ip[1] = 0;
	wire_put16(ip + 2, (uint16_t)tot);
	wire_put16(ip + 4, id);
	wire_put16(ip + 6, 0x4000);       /* DF, as Linux sends TCP */
	ip[8] = 64;
	ip[9] = proto;
	wire_put16(ip + 10, 0);
	wire_put32(ip + 12, sip);
	wire_put32(ip + 16, dip);
	wire_put16(ip + 10, (uint16_t)~wire_fold(wire_sum(ip, WIRE_IPV4_LEN, 0)));
}

unsigned wire_tcp_len(const struct wire_tcp *t)
{
	return WIRE_ETH_LEN + WIRE_IPV4_LEN + WIRE_TCP_LEN + t->optlen + t->len;
}

void wire_tcp_frame(uint8_t *buf, const struct wire_tcp *t)
{
	unsigned thl = WIRE_TCP_LEN + t->optlen;
	uint8_t *ip = buf + WIRE_ETH_LEN, *th = ip + WIRE_IPV4_LEN;

	wire_eth(buf, t->dst_mac, t->src_mac, WIRE_ETHERTYPE_IPV4);
	wire_ipv4(ip, WIRE_IPV4_LEN + thl + t->len, 6, t->sip, t->dip, t->ip_id);
	wire_put16(th, t->sport);
	wire_put16(th + 2, t->dport);
	wire_put32(th + 4, t->seq);
	wire_put32(th + 8, t->ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = t->flags;
	wire_put16(th + 14, t->win);
	wire_put16(th + 16, 0);
	wire_put16(th + 18, 0);
	if (t->optlen)
		memcpy(th + WIRE_TCP_LEN, t->opts, t->optlen);
	/* thl is even, so the payload's sum adds on at a word boundary */
	uint32_t sum = wire_pseudo_sum(t->sip, t->dip, 6, thl + t->len) +
		       wire_sum(th, thl, 0);
	if (t->data) {
		if (t->len)
			memcpy(th + thl, t->data, t->len);
		sum = wire_sum(th + thl, t->len, sum);
	} else {
		sum += t->data_sum;
	}
	wire_put16(th + 16, (uint16_t)~wire_fold(sum));
}

void wire_arp_frame(uint8_t *buf, const void *eth_dst, uint16_t op,
		    const void *sha, uint32_t sip, const void *tha, uint32_t tip)
{
	uint8_t *a = buf + WIRE_ETH_LEN;

	wire_eth(buf, eth_dst, sha, WIRE_ETHERTYPE_ARP);
	wire_put16(a, 1);
	wire_put16(a + 2, WIRE_ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	wire_put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	wire_put32(a + 14, sip);
	memcpy(a + 18, tha, 6);
	wire_put32(a + 24, tip);
}

void wire_vxlan_outer(uint8_t *buf, const void *dst_mac, const void *src_mac,
		      uint32_t sip, uint32_t dip, uint16_t ip_id, uint16_t sport,
		      uint32_t vni, unsigned inner_len)
{
	uint8_t *ip = buf + WIRE_ETH_LEN, *udp = ip + WIRE_IPV4_LEN, *vx = udp + 8;

	wire_eth(buf, dst_mac, src_mac, WIRE_ETHERTYPE_IPV4);
	wire_ipv4(ip, WIRE_IPV4_LEN + 8 + 8 + inner_len, 17, sip, dip, ip_id);
	wire_put16(udp, sport);
	wire_put16(udp + 2, WIRE_VXLAN_PORT);
	wire_put16(udp + 4, (uint16_t)(8 + 8 + inner_len));
	wire_put16(udp + 6, 0);
	wire_put32(vx, 0x08000000);
	wire_put32(vx + 4, vni << 8);
}

void wire_icmp_echo_frame(uint8_t *buf, const void *dst_mac, const void *src_mac,
			  uint32_t sip, uint32_t dip, uint16_t ip_id, uint16_t id,
			  uint16_t seq, unsigned plen)
{
	uint8_t *ip = buf + WIRE_ETH_LEN, *ic = ip + WIRE_IPV4_LEN;

	wire_eth(buf, dst_mac, src_mac, WIRE_ETHERTYPE_IPV4);
	wire_ipv4(ip, WIRE_IPV4_LEN + 8 + plen, 1, sip, dip, ip_id);
	ic[0] = 8;
	ic[1] = 0;
	wire_put16(ic + 2, 0);
	wire_put16(ic + 4, id);
	wire_put16(ic + 6, seq);
	for (unsigned i = 0; i < plen; i++)
		ic[8 + i] = (uint8_t)('a' + i % 26);
	wire_put16(ic + 2, (uint16_t)~wire_fold(wire_sum(ic, 8 + plen, 0)));
}
