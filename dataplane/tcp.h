/* The TCP stages of a flow's life (DESIGN.md "A connection's life"):
 * tcp_client.c answers SYNs, collects the request header and writes our own
 * short responses; tcp_connect.c decides and connects to the target;
 * tcp_splice.c translates both directions once connected. */
#ifndef STEER_TCP_H
#define STEER_TCP_H

#include <rte_ip.h>
#include <rte_tcp.h>

#include "dp.h"

/* A parsed TCP segment, pointers into its mbuf. */
struct seg {
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	const char *data;
	uint32_t len;             /* payload bytes */
	uint32_t seq;             /* host order */
	uint32_t ack;
	uint8_t flags;
	unsigned port;            /* conf port it arrived on */
	uint32_t zone;            /* 0 underlay, tunnel + 1 overlay */
};

/* RFC 9293 section 3.1: the checksum covers the pseudo-header, header and
 * data. Checked for every segment the router takes in itself (handshake,
 * header bytes, our responses, the target's SYN-ACK, RST replies) — not for
 * spliced ones, which are rewritten incrementally so a wrong sum stays wrong
 * and the endpoint drops it, and whose bytes the router never reads. */
static inline bool seg_csum_ok(const struct seg *s)
{
	uint32_t l4 = (uint32_t)((const char *)s->data - (const char *)s->th) + s->len;
	uint32_t sum = (uint32_t)rte_raw_cksum(s->th, l4) +
		       rte_ipv4_phdr_cksum(s->ip, 0);

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)

/* Client side: a segment to listener LISTENER (S->m is consumed). */
void tcp_client_input(struct worker *w, struct seg *s, unsigned listener);

/* Backend side: a segment to one of our source ports. */
void tcp_backend_input(struct worker *w, struct seg *s);

/* A flow's timer fired. */
void tcp_expire(struct worker *w, struct flow *f);

/* tcp_client.c: answer the client with STATUS and close (400, 408, 431,
 * 502, 503). */
void flow_respond(struct worker *w, struct flow *f, int status);

/* tcp_client.c: ACK the client's contiguous data; advertise what is left
 * of the header buffer. */
void client_ack(struct worker *w, struct flow *f);

/* tcp_connect.c: the header is complete in f->hbuf: decide and connect. */
void flow_decide(struct worker *w, struct flow *f);

/* tcp_connect.c: the connect attempt failed (RST or timeout): next
 * backend, fail-open, or an error response. */
void flow_connect_failed(struct worker *w, struct flow *f);

/* tcp_connect.c: (re)send the SYN of the current attempt. */
void flow_send_syn(struct worker *w, struct flow *f);

/* tcp_splice.c: translate a client segment towards the backend. */
void splice_to_backend(struct worker *w, struct flow *f, struct seg *s);

/* tcp_splice.c: send buffered bytes the backend's window allows. */
void splice_push(struct worker *w, struct flow *f, bool retransmit);

/* Enter LINGER: keep the entry for linger_ms, then free it. */
void flow_linger(struct worker *w, struct flow *f, enum steer_counter why);

/* The client-facing window shift we use for F. */
static inline uint8_t our_wscale(const struct flow *f)
{
	return f->c_ws_ok ? 7 : 0;
}

/* Our ISN (RFC 6528: a 4 us clock plus a keyed hash of the tuple). */
uint32_t isn_make(struct worker *w, uint32_t a, uint32_t b, uint32_t ports);

#endif
