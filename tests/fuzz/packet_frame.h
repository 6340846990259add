/* Frames the packet-path fuzzer sends (packet_fuzz.c): Ethernet + IPv4 +
 * TCP with any options, built byte by byte with right checksums, then
 * broken on request (a checksum, a length, a fragment, IP options), and
 * VXLAN around any inner frame. The harness's builders make only well
 * formed frames; these make the rest too. */
#ifndef STEER_PACKET_FRAME_H
#define STEER_PACKET_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"

/* How a frame is broken after it is built. */
enum fr_mut {
	FR_OK,
	FR_PAD,                   /* Ethernet padding after the IP datagram */
	FR_TCP_CSUM,              /* TCP (or UDP) checksum off by one bit */
	FR_IP_CSUM,
	FR_IP_LONG,               /* total length past the frame's end */
	FR_IP_SHORT,              /* total length cutting into the segment */
	FR_TRUNC,                 /* frame cut short */
	FR_FRAG_MF,               /* first fragment */
	FR_FRAG_OFF,              /* a later fragment */
	FR_IP_OPTS,               /* IHL > 5 with NOP options */
	FR_TCP_DOFF,              /* data offset past the segment's end */
	FR_TCP_DOFF_LOW,          /* data offset below 5 */
	FR_IP_VER,                /* not version 4, or IHL < 5 */
	FR_MAC,                   /* Ethernet destination not ours */
	FR__COUNT,
};

/* Whether the router may forward a frame broken by MUT as it came (so
 * what it emits need not check out). */
bool fr_mut_taints(enum fr_mut mut);

#define FR_MAX 2048               /* bytes of one frame */

struct fr_frame {
	uint8_t b[FR_MAX];
	unsigned len;
};

struct fr_tcp {
	struct rte_ether_addr src_mac, dst_mac;
	uint32_t sip, dip;        /* host order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t urp;
	const uint8_t *opts;      /* raw option bytes, any length <= 40 */
	unsigned optlen;          /* padded with EOL to a multiple of 4 */
	const void *data;
	unsigned len;
	enum fr_mut mut;
	uint8_t mut_arg;          /* FR_TRUNC: bytes kept past the Ethernet
				   * header; FR_PAD: padding bytes */
};

/* Build T into F. */
void fr_tcp(struct fr_frame *f, const struct fr_tcp *t);

/* UDP from SIP:SPORT to DIP:DPORT (host order) with PAYLOAD, between the
 * given MACs; CSUM: a real UDP checksum (else zero). */
void fr_udp(struct fr_frame *f, const struct rte_ether_addr *src_mac,
	    const struct rte_ether_addr *dst_mac, uint32_t sip, uint32_t dip,
	    uint16_t sport, uint16_t dport, const void *payload, unsigned len,
	    bool csum);

/* INNER (an Ethernet frame) in VXLAN from the VTEP to our inner port:
 * FLAGS is the first word (0x08000000: VNI valid), VNI the segment; MUT
 * breaks the outer headers. Replaces F. */
void fr_vxlan(struct fr_frame *f, const struct fr_frame *inner,
	      uint32_t flags, uint32_t vni, enum fr_mut mut, uint8_t mut_arg);

/* F as an mbuf of E's pool. */
struct rte_mbuf *fr_mbuf(struct h_env *e, const struct fr_frame *f);

#endif
