/* Packet-test harness (see harness.h): frames built (on tools/wire) and
 * parsed byte by byte, not with DPDK's helpers, so a checksum bug shared by
 * the router and DPDK's helpers would still show. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "wire.h"

#define MAC(a, b, c, d, e, f) {{ 0x##a, 0x##b, 0x##c, 0x##d, 0x##e, 0x##f }}

/* ---- checksums ---------------------------------------------------------- */

uint32_t h_sum(const void *buf, size_t len, uint32_t acc) { return wire_sum(buf, len, acc); }
uint16_t h_fold(uint32_t s) { return wire_fold(s); }

/* ---- builders ------------------------------------------------------------ */

unsigned h_opts_encode(const struct h_topts *o, uint8_t *b)
{
	unsigned n = 0;

	if (o->mss) {
		b[n++] = 2; b[n++] = 4;
		wire_put16(b + n, o->mss); n += 2;
	}
	if (o->sackok) {
		b[n++] = 1; b[n++] = 1; b[n++] = 4; b[n++] = 2;
	}
	if (o->ws) {
		b[n++] = 1; b[n++] = 3; b[n++] = 3; b[n++] = (uint8_t)(o->ws - 1);
	}
	if (o->n_sack) {
		b[n++] = 1;
		if (!o->sack_odd)
			b[n++] = 1;
		b[n++] = 5; b[n++] = (uint8_t)(2 + 8 * o->n_sack);
		for (unsigned i = 0; i < o->n_sack; i++) {
			wire_put32(b + n, o->sack[i][0]); n += 4;
			wire_put32(b + n, o->sack[i][1]); n += 4;
		}
	}
	while (n % 4)
		b[n++] = 1;
	return n;
}

static uint8_t *frame_alloc(struct h_env *e, unsigned len, struct rte_mbuf **mp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);

	assert_non_null(m);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(p);
	memset(p, 0, len);
	*mp = m;
	return p;
}

/* The IPv4 identification of every frame the harness builds. */
#define H_IP_ID 0x1234

struct rte_mbuf *h_tcp_frame(struct h_env *e, const struct h_tcp *t)
{
	const struct wire_tcp w = {
		.src_mac = &t->src_mac, .dst_mac = &t->dst_mac,
		.sip = t->sip, .dip = t->dip, .ip_id = H_IP_ID,
		.sport = t->sport, .dport = t->dport, .seq = t->seq, .ack = t->ack,
		.flags = t->flags, .win = t->win, .opts = t->opts, .optlen = t->optlen,
		.data = t->data ? t->data : "", .len = t->len,
	};
	struct rte_mbuf *m;

	assert_true(t->optlen % 4 == 0 && t->optlen <= 40);
	wire_tcp_frame(frame_alloc(e, wire_tcp_len(&w), &m), &w);
	return m;
}

struct rte_mbuf *h_raw_frame(struct h_env *e, const void *bytes, unsigned len)
{
	struct rte_mbuf *m;
	uint8_t *p = frame_alloc(e, len, &m);

	memcpy(p, bytes, len);
	return m;
}

struct rte_mbuf *h_vxlan_frame(struct h_env *e, struct rte_mbuf *inner,
			       uint32_t vtep_ip, uint32_t vni)
{
	unsigned il = rte_pktmbuf_pkt_len(inner);
	struct rte_mbuf *m;
	uint8_t *p = frame_alloc(e, WIRE_VXLAN_OUTER_LEN + il, &m);

	wire_vxlan_outer(p, &h_inner_mac, &h_vtep_mac, vtep_ip, H_INNER_IP,
			 H_IP_ID, 51234, vni, il);
	memcpy(p + WIRE_VXLAN_OUTER_LEN, rte_pktmbuf_mtod(inner, void *), il);
	rte_pktmbuf_free(inner);
	return m;
}

struct rte_mbuf *h_arp_frame(struct h_env *e, uint16_t op,
			     const struct rte_ether_addr *sha, uint32_t sip,
			     const struct rte_ether_addr *tha, uint32_t tip)
{
	static const struct rte_ether_addr bcast = MAC(ff, ff, ff, ff, ff, ff);
	static const struct rte_ether_addr zero = MAC(00, 00, 00, 00, 00, 00);
	struct rte_mbuf *m;
	uint8_t *p = frame_alloc(e, WIRE_ETH_LEN + WIRE_ARP_LEN, &m);

	wire_arp_frame(p, op == 1 ? &bcast : tha, op, sha, sip,
		       op == 1 ? &zero : tha, tip);
	return m;
}

struct rte_mbuf *h_icmp_echo(struct h_env *e, uint32_t dst, uint16_t id,
			     uint16_t seq, unsigned plen)
{
	struct rte_mbuf *m;
	uint8_t *p = frame_alloc(e, WIRE_ETH_LEN + WIRE_IPV4_LEN + 8 + plen, &m);

	wire_icmp_echo_frame(p, &h_edge_mac, &h_client_mac, H_CLIENT_IP, dst,
			     H_IP_ID, id, seq, plen);
	return m;
}

/* ---- parser -------------------------------------------------------------- */

#define PERR(...) do { snprintf(p->err, sizeof(p->err), __VA_ARGS__); return false; } while (0)

static bool parse_tcp_opts(const uint8_t *o, unsigned n, struct h_pkt *p)
{
	unsigned i = 0;

	while (i < n) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			PERR("TCP option %u malformed", o[i]);
		switch (o[i]) {
		case 2:
			if (o[i + 1] != 4)
				PERR("MSS option length %u", o[i + 1]);
			p->o.mss = wire_get16(o + i + 2);
			break;
		case 3:
			if (o[i + 1] != 3)
				PERR("WS option length %u", o[i + 1]);
			p->o.ws = (uint8_t)(o[i + 2] + 1);
			break;
		case 4:
			if (o[i + 1] != 2)
				PERR("SACK-permitted length %u", o[i + 1]);
			p->o.sackok = true;
			break;
		case 5:
			if ((o[i + 1] - 2) % 8 || o[i + 1] > 34)
				PERR("SACK option length %u", o[i + 1]);
			p->o.n_sack = (uint8_t)((o[i + 1] - 2) / 8);
			for (unsigned k = 0; k < p->o.n_sack; k++) {
				p->o.sack[k][0] = wire_get32(o + i + 2 + 8 * k);
				p->o.sack[k][1] = wire_get32(o + i + 6 + 8 * k);
			}
			break;
		default:
			break;
		}
		i += o[i + 1];
	}
	return true;
}

static bool parse_eth(const uint8_t *f, unsigned flen, struct h_pkt *p, bool inner);

static bool parse_ipv4(const uint8_t *ip, unsigned len, struct h_pkt *p, bool inner)
{
	if (len < 20)
		PERR("IPv4 header truncated");
	if ((ip[0] >> 4) != 4 || (ip[0] & 0xf) != 5)
		PERR("IPv4 version/IHL 0x%02x", ip[0]);
	if (h_fold(h_sum(ip, 20, 0)) != 0xffff)
		PERR("IPv4 header checksum wrong (0x%04x)", wire_get16(ip + 10));
	unsigned tot = wire_get16(ip + 2);
	if (tot != len)
		PERR("IPv4 total length %u, frame carries %u", tot, len);
	uint32_t sip = wire_get32(ip + 12), dip = wire_get32(ip + 16);
	uint8_t proto = ip[9];
	const uint8_t *l4 = ip + 20;
	unsigned l4len = tot - 20;

	if (inner || !p->vxlan) {
		p->sip = sip;
		p->dip = dip;
		p->proto = proto;
		p->ttl = ip[8];
		p->frag = wire_get16(ip + 6);
	}
	if (wire_get16(ip + 6) & 0x3fff)
		PERR("router emitted an IPv4 fragment");
	if (proto == 6) {
		if (l4len < 20)
			PERR("TCP header truncated");
		unsigned thl = (l4[12] >> 4) * 4u;
		if (thl < 20 || thl > l4len)
			PERR("TCP data offset %u", thl);
		if (h_fold(h_sum(l4, l4len, wire_pseudo_sum(sip, dip, 6, l4len))) != 0xffff)
			PERR("TCP checksum wrong (0x%04x)", wire_get16(l4 + 16));
		p->sport = wire_get16(l4);
		p->dport = wire_get16(l4 + 2);
		p->seq = wire_get32(l4 + 4);
		p->ack = wire_get32(l4 + 8);
		p->flags = l4[13];
		p->win = wire_get16(l4 + 14);
		if (!parse_tcp_opts(l4 + 20, thl - 20, p))
			return false;
		p->data = l4 + thl;
		p->len = l4len - thl;
		return true;
	}
	if (proto == 17) {
		if (l4len < 8 || wire_get16(l4 + 4) != l4len)
			PERR("UDP length %u, IP says %u", l4len >= 8 ? wire_get16(l4 + 4) : 0, l4len);
		if (wire_get16(l4 + 6) != 0 &&
		    h_fold(h_sum(l4, l4len, wire_pseudo_sum(sip, dip, 17, l4len))) != 0xffff)
			PERR("UDP checksum wrong");
		if (inner || wire_get16(l4 + 2) != 4789)
			PERR("UDP to port %u", wire_get16(l4 + 2));
		if (l4len < 16 + 14)
			PERR("VXLAN too short");
		p->vxlan = true;
		p->o_sip = sip;
		p->o_dip = dip;
		p->o_sport = wire_get16(l4);
		p->o_dport = wire_get16(l4 + 2);
		if (wire_get32(l4 + 8) != 0x08000000)
			PERR("VXLAN flags 0x%08x", wire_get32(l4 + 8));
		if (wire_get32(l4 + 12) & 0xff)
			PERR("VXLAN reserved bits set");
		p->vni = wire_get32(l4 + 12) >> 8;
		return parse_eth(l4 + 16, l4len - 16, p, true);
	}
	if (proto == 1) {
		if (l4len < 8 || h_fold(h_sum(l4, l4len, 0)) != 0xffff)
			PERR("ICMP checksum wrong");
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		p->data = l4 + 8;
		p->len = l4len - 8;
		return true;
	}
	PERR("IP protocol %u", proto);
}

static bool parse_eth(const uint8_t *f, unsigned flen, struct h_pkt *p, bool inner)
{
	if (flen < 14)
		PERR("frame of %u bytes", flen);
	if (inner) {
		p->o_dst_mac = p->dst_mac;
		p->o_src_mac = p->src_mac;
	}
	memcpy(&p->dst_mac, f, 6);
	memcpy(&p->src_mac, f + 6, 6);
	p->ethertype = wire_get16(f + 12);
	if (p->ethertype == 0x0806) {
		const uint8_t *a = f + 14;
		if (flen < 14 + 28)
			PERR("ARP truncated");
		if (wire_get16(a) != 1 || wire_get16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
			PERR("ARP not Ethernet/IPv4");
		p->arp_op = wire_get16(a + 6);
		memcpy(&p->arp_sha, a + 8, 6);
		p->arp_sip = wire_get32(a + 14);
		memcpy(&p->arp_tha, a + 18, 6);
		p->arp_tip = wire_get32(a + 24);
		return true;
	}
	if (p->ethertype != 0x0800)
		PERR("ethertype 0x%04x", p->ethertype);
	return parse_ipv4(f + 14, flen - 14, p, inner);
}

bool h_parse(const struct rte_mbuf *m, struct h_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->port = m->port;
	if (m->nb_segs != 1) {
		snprintf(p->err, sizeof(p->err), "multi-segment mbuf");
		return false;
	}
	return parse_eth(rte_pktmbuf_mtod(m, const uint8_t *),
			 rte_pktmbuf_data_len(m), p, false);
}

const char *h_ipstr(uint32_t ip, char *b)
{
	sprintf(b, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
	return b;
}

const char *h_describe(const struct h_pkt *p, char *buf, size_t len)
{
	char a[16], b[16], fl[8];
	unsigned n = 0;

	if (p->ethertype == 0x0806) {
		snprintf(buf, len, "port %u%s ARP %s who-has/is-at %s tell %s",
			 p->port, p->vxlan ? " vxlan" : "",
			 p->arp_op == 1 ? "request" : "reply",
			 h_ipstr(p->arp_tip, a), h_ipstr(p->arp_sip, b));
		return buf;
	}
	if (p->proto == 1) {
		snprintf(buf, len, "port %u ICMP type %u %s -> %s", p->port,
			 p->icmp_type, h_ipstr(p->sip, a), h_ipstr(p->dip, b));
		return buf;
	}
	if (p->flags & TCP_SYN) fl[n++] = 'S';
	if (p->flags & TCP_FIN) fl[n++] = 'F';
	if (p->flags & TCP_RST) fl[n++] = 'R';
	if (p->flags & TCP_PSH) fl[n++] = 'P';
	if (p->flags & TCP_ACK) fl[n++] = '.';
	fl[n] = 0;
	snprintf(buf, len, "port %u%s %s:%u -> %s:%u [%s] seq %u ack %u win %u len %u"
		 " mss %u ws %d sackok %d nsack %u",
		 p->port, p->vxlan ? " vxlan" : "", h_ipstr(p->sip, a), p->sport,
		 h_ipstr(p->dip, b), p->dport, fl, p->seq, p->ack, p->win, p->len,
		 p->o.mss, p->o.ws ? p->o.ws - 1 : -1, p->o.sackok, p->o.n_sack);
	return buf;
}
