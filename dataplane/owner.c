/* Owner forwarding: see owner.h and docs/scale-out.md "Flows that move".
 * Below tcp_input.c (which asks owner_forward() about a segment of no
 * flow) and worker.c (which hands owner_rx() the node-to-node VXLAN);
 * calls only the bottom of the packet path (route, neigh, vxlan, pkt). */
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "flow.h"
#include "neigh.h"
#include "owner.h"
#include "pkt.h"
#include "publish.h"
#include "route.h"
#include "stats.h"
#include "vxlan.h"

static const struct conf_cluster *cluster_of(const struct worker *w)
{
	return &rs_conf(w->pub->rs)->cluster;
}

unsigned owner_self(const struct worker *w)
{
	return cluster_of(w)->id;
}

static const struct conf_node *node_by_id(const struct conf_cluster *cl,
					  unsigned id)
{
	for (unsigned i = 0; i < cl->n_nodes; i++)
		if (cl->nodes[i].id == id)
			return &cl->nodes[i];
	return NULL;
}

/* ADDR in network order. */
static const struct conf_node *node_by_addr(const struct conf_cluster *cl,
					    uint32_t addr)
{
	for (unsigned i = 0; i < cl->n_nodes; i++)
		if (rte_cpu_to_be_32(cl->nodes[i].addr) == addr &&
		    cl->nodes[i].id != cl->id)
			return &cl->nodes[i];
	return NULL;
}

bool owner_forward(struct worker *w, struct seg *s)
{
	const struct conf_cluster *cl = cluster_of(w);

	/* A segment without ACK carries no id; one that came from another
	 * node is never sent on (two nodes whose files disagree would
	 * otherwise pass it back and forth). */
	if (likely(cl->id == 0) || s->zone != 0 || w->fwd_in ||
	    (s->flags & (TCP_ACK | TCP_SYN)) != TCP_ACK)
		return false;
	unsigned id = owner_of_ack(s->ack);
	if (id == cl->id)
		return false;
	const struct conf_node *nd = node_by_id(cl, id);
	if (nd == NULL) {
		w->st.cnt[CNT_owner_id_unknown]++;
		return false;
	}
	/* relaxed: a bit a probe round late is one segment's fate either
	 * way (forwarded into a dying node, or answered with an RST). */
	if (!(atomic_load_explicit(&w->sh->owner_live, memory_order_relaxed) &
	      (1u << id))) {
		w->st.cnt[CNT_owner_node_down]++;
		return false;
	}
	uint32_t peer = rte_cpu_to_be_32(nd->addr);
	unsigned port;
	uint32_t nh;
	struct rte_ether_addr mac;
	if (unlikely(!route_lookup(w->sh, peer, &port, &nh))) {
		count_drop(w, DROP_owner_no_route, s->m);
		return true;
	}
	if (unlikely(!neigh_lookup(w->sh->neigh, 0, nh, &mac))) {
		neigh_want(w, 0, nh, port);
		count_drop(w, DROP_owner_unresolved, s->m);
		return true;
	}
	/* The client's frame as it came, inside: the owner readdresses it.
	 * Its segments fit: our MSS leaves room for VXLAN (tcp_client.c). */
	uint32_t h = flow_choice_hash(s->ip->src_addr, s->ip->dst_addr,
				      s->th->src_port, s->th->dst_port);
	if (unlikely(!vxlan_wrap(s->m, &w->sh->ports[port], &mac, peer, OWNER_VNI,
				 (uint16_t)(49152 + (h & 0x3fff))))) {
		count_drop(w, DROP_mbuf_alloc, s->m);
		return true;
	}
	w->st.cnt[CNT_owner_forwarded]++;
	tx_send(w, port, s->m);
	return true;
}

/* Where frames to the client of the inner frame's tuple go from here:
 * the flow's own client end when this worker has it, else the route. */
static int client_side(struct worker *w, const struct rte_ipv4_hdr *ip,
		       const struct rte_tcp_hdr *th, struct rte_ether_addr *mac)
{
	struct flow_key k = { .c_ip = ip->src_addr, .l_ip = ip->dst_addr,
			      .c_port = th->src_port, .l_port = th->dst_port };
	struct flow *f = flow_lookup_client(w, &k);
	unsigned port;
	uint32_t nh;

	if (f != NULL && f->c.mac_known) {
		*mac = f->c.peer_mac;
		return f->c.port;
	}
	if (!route_lookup(w->sh, ip->src_addr, &port, &nh))
		return -DROP_no_route;
	if (!neigh_lookup(w->sh->neigh, 0, nh, mac)) {
		neigh_want(w, 0, nh, port);
		return -DROP_owner_client_unresolved;
	}
	return (int)port;
}

int owner_rx(struct worker *w, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	const unsigned outer = sizeof(struct rte_ether_hdr) + sizeof(*ip) +
			       sizeof(struct rte_udp_hdr) + sizeof(struct rte_vxlan_hdr);
	const unsigned inner = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
			       sizeof(struct rte_tcp_hdr);
	const struct conf_cluster *cl = cluster_of(w);

	if (cl->id == 0 || node_by_addr(cl, ip->src_addr) == NULL ||
	    rte_pktmbuf_data_len(m) < outer + inner) {
		count_drop(w, DROP_owner_bad, m);
		return -1;
	}
	rte_pktmbuf_adj(m, (uint16_t)outer);
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *iip = (struct rte_ipv4_hdr *)(eth + 1);
	/* Only what a node forwards: a client's TCP segment (IPv4 without
	 * options; the rest is checked again by the normal path). */
	if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    iip->version_ihl != RTE_IPV4_VHL_DEF || iip->next_proto_id != IPPROTO_TCP) {
		count_drop(w, DROP_owner_bad, m);
		return -1;
	}
	struct rte_ether_addr mac;
	int port = client_side(w, iip, (const struct rte_tcp_hdr *)(iip + 1), &mac);
	if (port < 0) {
		count_drop(w, (enum steer_drop)-port, m);
		return -1;
	}
	/* As if from the client's next hop, to our port towards it: what we
	 * send in answer (an RST, a cookie's flow) goes that way. */
	eth->src_addr = mac;
	eth->dst_addr = w->sh->ports[port].mac;
	w->st.cnt[CNT_owner_received]++;
	return port;
}

void owner_tick(struct dp_shared *sh, uint64_t now)
{
	const struct conf_cluster *cl = &rs_conf(dp_pub_load(sh)->rs)->cluster;
	bool probe = now - sh->owner_probe_ms >= OWNER_PROBE_MS;
	uint32_t live = 0;

	if (cl->id == 0) {
		atomic_store_explicit(&sh->owner_live, 0, memory_order_relaxed);
		return;
	}
	if (probe)
		sh->owner_probe_ms = now;
	for (unsigned i = 0; i < cl->n_nodes; i++) {
		const struct conf_node *nd = &cl->nodes[i];
		uint32_t a = rte_cpu_to_be_32(nd->addr);
		unsigned port;
		uint32_t nh;

		if (nd->id == cl->id || !route_lookup(sh, a, &port, &nh))
			continue;
		/* Liveness is the node's own ARP answer: its address is on
		 * one of our ports' subnets (conf_cluster.c), nh == a. */
		if (probe)
			neigh_probe(sh, nh, port);
		uint64_t heard = neigh_heard(sh, nh);
		if (heard != 0 && heard + OWNER_DEAD_MS > now)
			live |= 1u << nd->id;
	}
	atomic_store_explicit(&sh->owner_live, live, memory_order_relaxed);
}
