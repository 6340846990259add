/* wire: frames built byte by byte for the packet tests and the benchmarks
 * (tests/packet/harness.c, tools/bench_dp_wire.c). Its own checksum code,
 * not DPDK's or the router's: a checksum bug shared by the router and
 * DPDK's helpers would still show. Plain byte buffers, no mbufs, no EAL;
 * the caller sizes the buffer. All addresses, ports and numbers are in
 * host order; the bytes written are in network order. Speed does not
 * matter here (none of it is timed). */
#ifndef STEER_WIRE_H
#define STEER_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_ETH_LEN 14
#define WIRE_IPV4_LEN 20
#define WIRE_TCP_LEN 20           /* without options */
#define WIRE_ARP_LEN 28
#define WIRE_VXLAN_OUTER_LEN (14 + 20 + 8 + 8) /* Ethernet + IPv4 + UDP + VXLAN */

#define WIRE_ETHERTYPE_IPV4 0x0800
#define WIRE_ETHERTYPE_ARP 0x0806
#define WIRE_VXLAN_PORT 4789

static inline void wire_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wire_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t wire_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t wire_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- checksums (RFC 1071) ----------------------------------------------- */

/* Sum of BUF as big-endian 16-bit words added to ACC, not folded. */
uint32_t wire_sum(const void *buf, size_t len, uint32_t acc);
/* Fold a sum to 16 bits (not inverted). */
uint16_t wire_fold(uint32_t s);
/* Sum of the IPv4 pseudo-header of a PROTO segment of LEN bytes. */
uint32_t wire_pseudo_sum(uint32_t sip, uint32_t dip, uint8_t proto, unsigned len);

/* ---- headers ------------------------------------------------------------ */

/* Ethernet header at P (6-byte MACs). */
void wire_eth(uint8_t *p, const void *dst_mac, const void *src_mac, uint16_t type);

/* IPv4 header at IP (IHL 5, DF, TTL 64, identification ID), checksum
 * complete; TOT is the IPv4 total length. */
void wire_ipv4(uint8_t *ip, unsigned tot, uint8_t proto, uint32_t sip,
	       uint32_t dip, uint16_t id);

/* ---- frames ------------------------------------------------------------- */

/* A TCP segment in Ethernet + IPv4. */
struct wire_tcp {
	const void *src_mac, *dst_mac;  /* 6 bytes each */
	uint32_t sip, dip;
	uint16_t ip_id;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opts;            /* raw option bytes, a multiple of 4 */
	unsigned optlen;
	const void *data;               /* NULL: the payload is already in
					 * place after the header, and its
					 * sum is DATA_SUM */
	unsigned len;
	uint32_t data_sum;
};

/* Bytes of T's frame. */
unsigned wire_tcp_len(const struct wire_tcp *t);

/* Write T's frame at BUF (wire_tcp_len bytes), checksums complete. */
void wire_tcp_frame(uint8_t *buf, const struct wire_tcp *t);

/* An ARP frame at BUF (WIRE_ETH_LEN + WIRE_ARP_LEN bytes), Ethernet/IPv4,
 * OP 1 (request) or 2 (reply), from SHA/SIP to THA/TIP; the Ethernet
 * header goes from SHA to ETH_DST. */
void wire_arp_frame(uint8_t *buf, const void *eth_dst, uint16_t op,
		    const void *sha, uint32_t sip, const void *tha, uint32_t tip);

/* Ethernet + IPv4 + UDP + VXLAN at BUF (WIRE_VXLAN_OUTER_LEN bytes) for an
 * inner Ethernet frame of INNER_LEN bytes that the caller puts right after:
 * UDP from SPORT to 4789 with a zero checksum (RFC 7348 over IPv4), the
 * I flag and VNI. */
void wire_vxlan_outer(uint8_t *buf, const void *dst_mac, const void *src_mac,
		      uint32_t sip, uint32_t dip, uint16_t ip_id, uint16_t sport,
		      uint32_t vni, unsigned inner_len);

/* An ICMP echo request at BUF (Ethernet + IPv4 + 8 + PLEN bytes), its
 * payload 'a'..'z' repeated. */
void wire_icmp_echo_frame(uint8_t *buf, const void *dst_mac, const void *src_mac,
			  uint32_t sip, uint32_t dip, uint16_t ip_id, uint16_t id,
			  uint16_t seq, unsigned plen);

#endif
