/* Frames the packet-path fuzzer sends (packet_frame.h). */
#include "packet_frame.h"

#include <string.h>

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

bool fr_mut_taints(enum fr_mut mut)
{
	/* padding is stripped and a foreign MAC is dropped; everything else
	 * may reach a spliced flow that forwards it unchecked */
	return mut != FR_OK && mut != FR_PAD && mut != FR_MAC;
}

static uint32_t pseudo(uint32_t sip, uint32_t dip, uint8_t proto, unsigned len)
{
	uint8_t ph[12];

	put32(ph, sip);
	put32(ph + 4, dip);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)len);
	return h_sum(ph, sizeof(ph), 0);
}

/* Ethernet + IPv4 around the L4 bytes, then MUT applied. */
static void ip_frame(struct fr_frame *f, const struct rte_ether_addr *src_mac,
		     const struct rte_ether_addr *dst_mac, uint32_t sip,
		     uint32_t dip, uint8_t proto, const uint8_t *l4,
		     unsigned l4len, enum fr_mut mut, uint8_t arg)
{
	static const struct rte_ether_addr other = {{ 0x02, 0x99, 0, 0, 0, 1 }};
	unsigned ihl = mut == FR_IP_OPTS ? 20 + 4 * (1 + arg % 10) : 20;
	uint8_t *p = f->b, *ip = p + 14;

	if (14 + ihl + l4len > FR_MAX)
		l4len = FR_MAX - 14 - ihl;
	memcpy(p, mut == FR_MAC ? &other : dst_mac, 6);
	memcpy(p + 6, src_mac, 6);
	put16(p + 12, 0x0800);
	memset(ip, 0, ihl);
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	put16(ip + 2, (uint16_t)(ihl + l4len));
	put16(ip + 4, 0x4242);
	put16(ip + 6, 0x4000);    /* DF */
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, sip);
	put32(ip + 16, dip);
	if (ihl > 20)
		memset(ip + 20, 1, ihl - 20);   /* NOPs */
	if (mut == FR_FRAG_MF)
		put16(ip + 6, 0x2000);
	else if (mut == FR_FRAG_OFF)
		put16(ip + 6, (uint16_t)(1 + arg));
	else if (mut == FR_IP_VER && (arg & 0x80))
		ip[0] = (uint8_t)(0x40 | arg % 5);  /* IHL below 5 */
	else if (mut == FR_IP_VER)
		ip[0] = (uint8_t)((arg % 16 == 4 ? 6 : arg % 16) << 4 | 5);
	memcpy(ip + ihl, l4, l4len);
	f->len = 14 + ihl + l4len;
	if (mut == FR_IP_LONG)
		put16(ip + 2, (uint16_t)(ihl + l4len + 1 + arg));
	else if (mut == FR_IP_SHORT)
		put16(ip + 2, (uint16_t)(arg % (ihl + l4len)));
	put16(ip + 10, (uint16_t)~h_fold(h_sum(ip, ihl, 0)));
	if (mut == FR_IP_CSUM)
		ip[11] ^= (uint8_t)(1u << (arg % 8));
	if (mut == FR_PAD) {
		unsigned n = 1 + arg % 46;
		if (f->len + n <= FR_MAX) {
			memset(p + f->len, 0, n);
			f->len += n;
		}
	} else if (mut == FR_TRUNC) {
		if (14u + arg < f->len)
			f->len = 14u + arg;
	}
}

void fr_tcp(struct fr_frame *f, const struct fr_tcp *t)
{
	uint8_t l4[FR_MAX];
	unsigned optlen = (t->optlen > 40 ? 40 : t->optlen + 3) & ~3u;
	unsigned thl = 20 + optlen;
	unsigned len = t->len;

	if (thl + len > FR_MAX - 14 - 60)
		len = FR_MAX - 14 - 60 - thl;
	memset(l4, 0, thl);
	put16(l4, t->sport);
	put16(l4 + 2, t->dport);
	put32(l4 + 4, t->seq);
	put32(l4 + 8, t->ack);
	l4[12] = (uint8_t)(thl / 4 << 4);
	if (t->mut == FR_TCP_DOFF)
		l4[12] = (uint8_t)((thl / 4 + 1 + t->mut_arg % 4) << 4);
	else if (t->mut == FR_TCP_DOFF_LOW)
		l4[12] = (uint8_t)((t->mut_arg % 5) << 4);
	l4[13] = t->flags;
	put16(l4 + 14, t->win);
	put16(l4 + 18, t->urp);
	memcpy(l4 + 20, t->opts, t->optlen > 40 ? 40 : t->optlen);
	if (len)
		memcpy(l4 + thl, t->data, len);
	put16(l4 + 16, (uint16_t)~h_fold(h_sum(l4, thl + len,
					       pseudo(t->sip, t->dip, 6, thl + len))));
	if (t->mut == FR_TCP_CSUM)
		l4[17] ^= (uint8_t)(1u << (t->mut_arg % 8));
	ip_frame(f, &t->src_mac, &t->dst_mac, t->sip, t->dip, 6, l4, thl + len,
		 t->mut, t->mut_arg);
}

void fr_udp(struct fr_frame *f, const struct rte_ether_addr *src_mac,
	    const struct rte_ether_addr *dst_mac, uint32_t sip, uint32_t dip,
	    uint16_t sport, uint16_t dport, const void *payload, unsigned len,
	    bool csum)
{
	uint8_t l4[FR_MAX];

	if (len > FR_MAX - 14 - 20 - 8)
		len = FR_MAX - 14 - 20 - 8;
	put16(l4, sport);
	put16(l4 + 2, dport);
	put16(l4 + 4, (uint16_t)(8 + len));
	put16(l4 + 6, 0);
	memcpy(l4 + 8, payload, len);
	if (csum) {
		uint16_t s = (uint16_t)~h_fold(h_sum(l4, 8 + len,
						     pseudo(sip, dip, 17, 8 + len)));
		put16(l4 + 6, s ? s : 0xffff);
	}
	ip_frame(f, src_mac, dst_mac, sip, dip, 17, l4, 8 + len, FR_OK, 0);
}

void fr_vxlan(struct fr_frame *f, const struct fr_frame *inner,
	      uint32_t flags, uint32_t vni, enum fr_mut mut, uint8_t mut_arg)
{
	uint8_t l4[FR_MAX];
	unsigned il = inner->len;

	if (il > FR_MAX - 14 - 20 - 16 - 60)
		il = FR_MAX - 14 - 20 - 16 - 60;
	put16(l4, (uint16_t)(49152 + mut_arg));
	put16(l4 + 2, 4789);
	put16(l4 + 4, (uint16_t)(16 + il));
	put16(l4 + 6, 0);         /* RFC 7348: zero UDP checksum over IPv4 */
	put32(l4 + 8, flags);
	put32(l4 + 12, vni << 8);
	memcpy(l4 + 16, inner->b, il);
	if (mut == FR_TCP_CSUM)
		put16(l4 + 6, (uint16_t)(1 + mut_arg));   /* wrong, non-zero */
	else if (mut == FR_TCP_DOFF)
		put16(l4 + 4, (uint16_t)(16 + il + 1 + mut_arg));
	else if (mut == FR_TCP_DOFF_LOW)
		put16(l4 + 4, (uint16_t)(mut_arg % 16));
	ip_frame(f, &h_vtep_mac, &h_inner_mac, H_VTEP_IP, H_INNER_IP, 17, l4,
		 16 + il, mut, mut_arg);
}

struct rte_mbuf *fr_mbuf(struct h_env *e, const struct fr_frame *f)
{
	return h_raw_frame(e, f->b, f->len);
}
