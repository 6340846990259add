/* Owner forwarding (docs/scale-out.md "Flows that move"): the client-side
 * ISNs a node chooses carry its node id, so a node that ECMP hands a
 * segment of a flow it never saw can tell whose flow it is and forward
 * the segment there, in VXLAN on the reserved VNI, over the inner
 * network; the owner takes it in as if it came from the client.
 *
 * ISN layout with `cluster.id` set (the id is 1..15):
 *
 *   bit 31..28  node id
 *   bit 27      guard, 0
 *   bit 26..0   RFC 6528 ISN (SipHash of the tuple + clock), or a SYN
 *               cookie made in 27 bits
 *
 * The client's ACK number is ISN + 1 + the bytes we sent; the id reads
 * right while the low 28 bits have not carried, which for any ISN holds
 * for the first 2^27 bytes (128 MiB) sent on the flow, and for a random
 * one up to 2^28 (256 MiB). */
#ifndef STEER_OWNER_H
#define STEER_OWNER_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "tcp.h"

#define OWNER_VNI CONF_NODE_VNI     /* node-to-node VXLAN; no tunnel may use it */
#define OWNER_ID_SHIFT 28
#define OWNER_LOW_BITS 27
#define OWNER_LOW_MASK ((1u << OWNER_LOW_BITS) - 1)
#define OWNER_PROBE_MS 500          /* an ARP request to each node this often */
#define OWNER_DEAD_MS 1600          /* no ARP answer for this long: not live */

/* ISN with node id ID in its top bits (ID 0: ISN as it is). */
static inline uint32_t owner_isn(unsigned id, uint32_t isn)
{
	return id ? (uint32_t)id << OWNER_ID_SHIFT | (isn & OWNER_LOW_MASK) : isn;
}

/* The node id an ACK number ACK of one of our client flows carries. */
static inline unsigned owner_of_ack(uint32_t ack)
{
	return (ack - 1) >> OWNER_ID_SHIFT;
}

/* This node's id in the running ruleset, 0: no owner forwarding. */
unsigned owner_self(const struct worker *w);

/* A client segment S of no flow here (not a SYN). Forward it to the node
 * its ACK number names when that is another node of the cluster and live:
 * true, S consumed (forwarded, or dropped and counted). False: not for
 * forwarding (no cluster, our own id, an id of no node, a node not live,
 * a segment that was forwarded to us already): S is the caller's, to
 * handle as today. */
bool owner_forward(struct worker *w, struct seg *s);

/* A VXLAN frame M on OWNER_VNI, outer IPv4 header IP (checked by the
 * caller up to the VXLAN header): from a node of the cluster? Then the
 * outer headers are stripped and the inner frame readdressed as if it had
 * come from the client's next hop, and the port to take it in on is
 * returned; -1: M dropped and counted. */
int owner_rx(struct worker *w, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip);

/* Main lcore, every tick: ask each other node's address by ARP every
 * OWNER_PROBE_MS and publish which nodes answered within OWNER_DEAD_MS
 * (dp_shared.owner_live). */
void owner_tick(struct dp_shared *sh, uint64_t now);

#endif
