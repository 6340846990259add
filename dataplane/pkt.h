/* Building and sending packets: TX buffering, TCP segments the router
 * writes itself, VXLAN encapsulation. */
#ifndef STEER_PKT_H
#define STEER_PKT_H

#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp.h"
#include "vxlan.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

#define OUR_WSCALE 7              /* what we offer clients (as Linux does) */
#define TCP_DEFAULT_MSS 536       /* RFC 9293 section 3.7.1 */

struct tcp_opts {
	uint16_t mss;             /* 0: absent */
	int8_t wscale;            /* -1: absent */
	bool sack_ok;
};

/* Parse the options of TH (header length already checked). */
void tcp_parse_opts(const struct rte_tcp_hdr *th, struct tcp_opts *o);

/* Queue M on conf port PORT; sent at the end of the burst. */
void tx_send(struct worker *w, unsigned port, struct rte_mbuf *m);

/* Send everything queued (or hand it to the test capture). */
void tx_flush(struct worker *w);

/* Build Ethernet + IPv4 + TCP from E's local end to its peer, with OPTS and
 * DATA as payload; checksums complete. Returns NULL (counted) when the pool
 * is empty. */
struct rte_mbuf *tcp_build(struct worker *w, const struct flow_end *e,
			   uint32_t seq, uint32_t ack, uint8_t flags,
			   uint16_t win, const uint8_t *opts, unsigned optlen,
			   const void *data, unsigned len);

/* tcp_build() for any lcore: from POOL, with SRC_MAC; NULL (not counted)
 * when the pool is empty. */
struct rte_mbuf *tcp_frame(struct rte_mempool *pool,
			   const struct rte_ether_addr *src_mac,
			   const struct flow_end *e, uint32_t seq, uint32_t ack,
			   uint8_t flags, uint16_t win, const uint8_t *opts,
			   unsigned optlen, const void *data, unsigned len);

/* Main lcore: send M on conf port PORT through worker 0's TX ring
 * (counted on the main lcore's counters if the ring is full). */
void ctrl_tx(struct dp_shared *sh, unsigned port, struct rte_mbuf *m);

/* Send M (a frame built for F's backend side) to the backend: plain, or
 * wrapped in VXLAN for tunnel flows. A next hop being resolved: M waits in
 * the worker's hold queue (true). Returns false (M freed and counted) when
 * there is no route or the hold queue is full. */
bool flow_send_backend(struct worker *w, struct flow *f, struct rte_mbuf *m);
/* Send held frames whose next hop is known now; drop (counted) those held
 * too long or whose flow moved on. Once per loop. */
void pkt_hold_run(struct worker *w);
/* Free every held frame (shutdown). */
void pkt_hold_flush(struct worker *w);

/* RST in reply to a segment that has no flow (RFC 9293 section 3.10.7.1):
 * IP/TCP headers of the offending segment, PORT it came in on, ETH its
 * Ethernet header. */
void tcp_reply_rst(struct worker *w, unsigned port,
		   const struct rte_ether_hdr *eth,
		   const struct rte_ipv4_hdr *ip,
		   const struct rte_tcp_hdr *th, unsigned payload);

#endif
