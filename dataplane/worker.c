/* The worker: poll loop, and the input stages from Ethernet to TCP:
 * validation (each failure a named drop), ARP to the main lcore, ICMP echo,
 * VXLAN decapsulation, hand-off of backend replies to the worker owning
 * the source port, then the TCP stages in tcp_*.c. */
#include <string.h>

#include <stdio.h>
#include <sys/random.h>

#include <rte_cycles.h>
#include <rte_random.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "csum.h"
#include "flow.h"
#include "hc_table.h"
#include "neigh.h"
#include "owner.h"
#include "pkt.h"
#include "publish.h"
#include "tcp.h"
#include "worker.h"

static inline bool is_port_ip(const struct dp_shared *sh, uint32_t ip)
{
	for (unsigned p = 0; p < sh->n_ports; p++)
		if (sh->ports[p].ip == ip)
			return true;
	return false;
}

static void icmp_input(struct worker *w, struct rte_mbuf *m, unsigned port,
		       struct rte_ether_hdr *eth, struct rte_ipv4_hdr *ip,
		       uint32_t l4len)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((char *)ip + sizeof(*ip));

	if (l4len < sizeof(*ic) || csum_raw(ic, l4len) != 0xffff) {
		count_drop(w, DROP_icmp_bad, m);
		return;
	}
	if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || ic->icmp_code != 0) {
		count_drop(w, DROP_icmp_other, m);
		return;
	}
	/* Echo reply in place (RFC 792): swap, retype, fix the checksums. */
	struct rte_ether_addr mac = eth->src_addr;
	eth->src_addr = w->sh->ports[port].mac;
	eth->dst_addr = mac;
	uint32_t a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = ipv4_hdr20_csum(ip);
	/* The sum from scratch, not RFC 1624's update: a reply of all zeros
	 * (identifier, sequence and data 0) sums to +0, whose checksum is
	 * 0xffff, where the update writes 0x0000 and the sender drops it. */
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~csum_raw(ic, l4len);
	w->st.cnt[CNT_icmp_echo_replies]++;
	tx_send(w, port, m);
}

/* Frames the main lcore handles: ARP, and replies to its health checks
 * (counted under FULL when its ring is full). */
static void to_control(struct worker *w, struct rte_mbuf *m, unsigned port,
		       uint32_t zone, enum steer_drop full)
{
	m->port = (uint16_t)port;
	MBUF_ZONE(m) = zone;
	if (rte_ring_enqueue(w->sh->ctrl_ring, m) != 0)
		count_drop(w, full, m);
}

static void frame_input(struct worker *w, struct rte_mbuf *m, unsigned port,
			uint32_t zone);

/* A tunnel by its VXLAN VNI and VTEP address, or -1. */
static int tunnel_by_vni(const struct steer_conf *c, uint32_t vni, uint32_t vtep)
{
	for (unsigned t = 0; t < c->n_tunnels; t++)
		if (c->tunnels[t].type == CONF_TUNNEL_VXLAN &&
		    c->tunnels[t].vni == vni &&
		    rte_cpu_to_be_32(c->tunnels[t].remote) == vtep)
			return (int)t;
	return -1;
}

static void vxlan_input(struct worker *w, struct rte_mbuf *m, unsigned port,
			struct rte_ipv4_hdr *ip, uint32_t l4len)
{
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	struct rte_vxlan_hdr *vx = (struct rte_vxlan_hdr *)(udp + 1);
	unsigned outer = sizeof(struct rte_ether_hdr) + sizeof(*ip) +
			 sizeof(*udp) + sizeof(*vx);

	if (l4len < sizeof(*udp) + sizeof(*vx) + sizeof(struct rte_ether_hdr) ||
	    rte_be_to_cpu_16(udp->dgram_len) != l4len ||
	    !(rte_be_to_cpu_32(vx->vx_flags) & 0x08000000)) {
		count_drop(w, DROP_vxlan_bad, m);
		return;
	}
	uint32_t vni = rte_be_to_cpu_32(vx->vx_vni) >> 8;
	if (vni == OWNER_VNI) {
		/* Another node's segment of one of our flows (owner.h). */
		int p = owner_rx(w, m, ip);
		if (p >= 0) {
			w->fwd_in = true;
			frame_input(w, m, (unsigned)p, 0);
			w->fwd_in = false;
		}
		return;
	}
	const struct ruleset *rs = w->pub->rs;
	int t = tunnel_by_vni(rs_conf(rs), vni, ip->src_addr);
	if (t < 0) {
		count_drop(w, DROP_vxlan_vni, m);
		return;
	}
	rte_pktmbuf_adj(m, (uint16_t)outer);
	frame_input(w, m, port, (uint32_t)t + 1);
}

/* Give M to worker OWNER over its hand-off ring (counted either way). */
/* A 128-bit secret from the kernel's CSPRNG (getrandom(2), at boot only):
 * rte_rand() is a fast generator whose outputs other code may reveal.
 * Never all zero. */
static void secret_key(uint64_t key[2])
{
	if (getrandom(key, 16, 0) != 16) {
		/* Not on any kernel steerd runs on (3.17+); still a secret,
		 * if a weaker one. */
		key[0] = rte_rand();
		key[1] = rte_rand();
	}
	key[1] |= 1;
}

static void handoff(struct worker *w, struct rte_mbuf *m, unsigned port,
		    uint32_t zone, unsigned owner)
{
	m->port = (uint16_t)port;
	MBUF_ZONE(m) = zone | (w->fwd_in ? MBUF_FWD : 0);
	if (rte_ring_enqueue(w->sh->workers[owner]->handoff, m) != 0)
		count_drop(w, DROP_handoff_full, m);
	else
		w->st.cnt[CNT_handoffs]++;
}

/* A client segment the port gave to a worker that does not own its flow.
 * With a NIC's RSS hash (RTE_MBUF_F_RX_RSS_HASH) the queue is the owner:
 * every segment of a tuple gets the same hash. Without one (af_packet,
 * memif, a NIC without RSS), the owner is client_owner()'s. */
static bool client_misdirected(struct worker *w, struct rte_mbuf *m,
			       const struct rte_ipv4_hdr *ip,
			       const struct rte_tcp_hdr *th, unsigned *owner)
{
	if (w->sh->n_workers < 2 || (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH))
		return false;
	*owner = client_owner(w->sh, ip->src_addr, ip->dst_addr, th->src_port,
			      th->dst_port);
	return *owner != w->id;
}

/* Is P (host order) one of the workers' source ports? */
static inline bool is_sport(const struct dp_shared *sh, uint16_t p)
{
	return p >= SRC_PORT_FIRST &&
	       (unsigned)(p - SRC_PORT_FIRST) < sh->ports_per_worker * sh->n_workers;
}

static void tcp_input(struct worker *w, struct rte_mbuf *m, unsigned port,
		      uint32_t zone, struct rte_ether_hdr *eth,
		      struct rte_ipv4_hdr *ip, uint32_t l4len)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	unsigned thl = (th->data_off >> 4) * 4u;

	if (l4len < sizeof(*th) || thl < sizeof(*th) || thl > l4len) {
		count_drop(w, DROP_tcp_short, m);
		return;
	}
	struct seg s = { .m = m, .eth = eth, .ip = ip, .th = th,
			 .data = (const char *)th + thl, .len = l4len - thl,
			 .seq = rte_be_to_cpu_32(th->sent_seq),
			 .ack = rte_be_to_cpu_32(th->recv_ack),
			 .flags = th->tcp_flags, .port = port, .zone = zone };
	uint16_t dport = rte_be_to_cpu_16(th->dst_port);
	const struct dp_shared *sh = w->sh;

	if (zone == 0 && is_sport(sh, dport)) {
		/* A backend's reply to one of our flows: no listener lookup.
		 * Anything else to a source port (another worker's, no flow,
		 * a listener a reload put on one) takes the full path. */
		const struct flow *f = flow_by_sport(w, dport);
		if (f != NULL && f->b.peer_ip == ip->src_addr &&
		    f->b.peer_port == th->src_port) {
			tcp_backend_input(w, &s);
			return;
		}
	} else if (zone == 0 && dport < HC_PORT_FIRST) {
		/* A client's segment: its flow first, the listener only for
		 * a segment without one (tcp_client_input()). */
		unsigned owner;
		if (unlikely(client_misdirected(w, m, ip, th, &owner))) {
			handoff(w, m, port, zone, owner);
			return;
		}
		if (tcp_client_input(w, &s, LISTENER_LOOKUP))
			return;
		if (!is_port_ip(sh, ip->dst_addr)) {
			count_drop(w, DROP_ip_not_local, m);
			return;
		}
		goto no_listener;
	}
	if (zone == 0) {
		const struct ruleset *rs = w->pub->rs;
		int l = rs_listener_find(rs, rte_be_to_cpu_32(ip->dst_addr), dport);
		unsigned owner;
		if (l < 0 && dport >= HC_PORT_FIRST && is_port_ip(sh, ip->dst_addr)) {
			/* A backend answering one of the main lcore's health
			 * checks (a listener on such a port stays a listener:
			 * the checks never take its port). */
			if (hc_port_expects(sh, dport, ip->src_addr, th->src_port))
				to_control(w, m, port, zone, DROP_health_ring_full);
			else
				count_drop(w, DROP_health_stray, m);
			return;
		}
		if ((l >= 0 || !is_sport(sh, dport)) &&
		    unlikely(client_misdirected(w, m, ip, th, &owner))) {
			handoff(w, m, port, zone, owner);
			return;
		}
		if (l >= 0) {
			tcp_client_input(w, &s, l);
			return;
		}
		/* No listener now, but a reload may have moved or removed one
		 * whose connections are still open: they live on until they
		 * close. Backend replies (to our source ports) never look. */
		if (!is_sport(sh, dport) && tcp_client_input(w, &s, -1))
			return;
		/* Our MAC but not our address: not ours to answer (an RST
		 * would speak for that host). Backend replies come to a
		 * port address: FullNAT connects from one. */
		if (!is_port_ip(sh, ip->dst_addr)) {
			count_drop(w, DROP_ip_not_local, m);
			return;
		}
	}
	if (is_sport(sh, dport)) {
		unsigned owner = sport_owner(sh, dport);
		if (owner != w->id) {
			/* Backend replies follow the NIC's hash, not our port
			 * ranges: give them to the worker that owns the flow. */
			handoff(w, m, port, zone, owner);
			return;
		}
		tcp_backend_input(w, &s);
		return;
	}
no_listener:
	/* An RST built here would leave unencapsulated: only the
	 * underlay gets one, and only for a segment that is intact. */
	if (zone == 0 && seg_csum_ok(&s))
		tcp_reply_rst(w, port, eth, ip, th, s.len);
	count_drop(w, DROP_tcp_no_listener, m);
}

static void ipv4_input(struct worker *w, struct rte_mbuf *m, unsigned port,
		       uint32_t zone, struct rte_ether_hdr *eth)
{
	uint32_t len = rte_pktmbuf_data_len(m) - (uint32_t)sizeof(*eth);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	if (len < sizeof(*ip)) {
		count_drop(w, DROP_ip_short, m);
		return;
	}
	if ((ip->version_ihl >> 4) != 4) {
		count_drop(w, DROP_ip_version, m);
		return;
	}
	unsigned ihl = (ip->version_ihl & 0xf) * 4u;
	if (ihl < sizeof(*ip) || ihl > len) {
		count_drop(w, DROP_ip_hdr_len, m);
		return;
	}
	if (ihl != sizeof(*ip)) {
		count_drop(w, DROP_ip_options, m);
		return;
	}
	/* The NIC's verdict where it gave one (underlay frames only: for a
	 * decapsulated frame the flags are the outer header's). */
	uint64_t nic = zone == 0 ? m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK :
				   RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN;
	if (nic == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    (nic != RTE_MBUF_F_RX_IP_CKSUM_GOOD && !ipv4_hdr20_csum_ok(ip))) {
		count_drop(w, DROP_ip_csum, m);
		return;
	}
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	if (tot < ihl || tot > len) {
		count_drop(w, DROP_ip_len, m);
		return;
	}
	/* Ethernet pads short frames: the IP length is the truth. */
	if (tot < len)
		rte_pktmbuf_trim(m, (uint16_t)(len - tot));
	if (rte_be_to_cpu_16(ip->fragment_offset) &
	    (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		count_drop(w, DROP_ip_frag, m);
		return;
	}
	uint32_t l4len = tot - ihl;
	switch (ip->next_proto_id) {
	case IPPROTO_TCP:
		tcp_input(w, m, port, zone, eth, ip, l4len);
		return;
	case IPPROTO_UDP:
		if (zone == 0 && l4len >= sizeof(struct rte_udp_hdr) &&
		    ((struct rte_udp_hdr *)(ip + 1))->dst_port ==
		    rte_cpu_to_be_16(VXLAN_PORT) && is_port_ip(w->sh, ip->dst_addr)) {
			vxlan_input(w, m, port, ip, l4len);
			return;
		}
		count_drop(w, DROP_udp_other, m);
		return;
	case IPPROTO_ICMP:
		if (zone == 0 && is_port_ip(w->sh, ip->dst_addr)) {
			icmp_input(w, m, port, eth, ip, l4len);
			return;
		}
		count_drop(w, DROP_ip_not_local, m);
		return;
	default:
		count_drop(w, DROP_ip_proto, m);
	}
}

static void frame_input(struct worker *w, struct rte_mbuf *m, unsigned port,
			uint32_t zone)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eth) || m->nb_segs != 1)) {
		count_drop(w, DROP_eth_short, m);
		return;
	}
	uint16_t type = rte_be_to_cpu_16(eth->ether_type);
	if (type == RTE_ETHER_TYPE_ARP) {
		to_control(w, m, port, zone, DROP_arp_ring_full);
		return;
	}
	if (type != RTE_ETHER_TYPE_IPV4) {
		count_drop(w, DROP_eth_type, m);
		return;
	}
	/* Overlay frames are addressed to our overlay MAC; the VNI and VTEP
	 * were checked already. */
	if (zone == 0 && !rte_is_same_ether_addr(&eth->dst_addr,
						 &w->sh->ports[port].mac)) {
		count_drop(w, DROP_eth_dst, m);
		return;
	}
	ipv4_input(w, m, port, zone, eth);
}

void worker_input(struct worker *w, struct rte_mbuf **pkts, unsigned n,
		  unsigned port)
{
	uint64_t bytes = 0;

	w->pub = dp_pub_load(w->sh);
	/* The RX counters once per burst (frame_input() may free a frame:
	 * its length is read first). */
	for (unsigned i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	w->st.cnt[CNT_rx_packets] += n;
	w->st.cnt[CNT_rx_bytes] += bytes;
	w->st.port_rx[port] += n;
	w->st.port_rx_bytes[port] += bytes;
	for (unsigned i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		frame_input(w, pkts[i], port, 0);
	}
}

/* Work other lcores queued for us: hand-offs and frames to send. */
static unsigned worker_rings(struct worker *w)
{
	struct rte_mbuf *pkts[BURST];
	unsigned n, total = 0;

	n = rte_ring_dequeue_burst(w->handoff, (void **)pkts, BURST, NULL);
	for (unsigned i = 0; i < n; i++) {
		w->fwd_in = MBUF_ZONE(pkts[i]) & MBUF_FWD;
		frame_input(w, pkts[i], pkts[i]->port, MBUF_ZONE(pkts[i]) & ~MBUF_FWD);
	}
	w->fwd_in = false;
	total += n;
	n = rte_ring_dequeue_burst(w->txr, (void **)pkts, BURST, NULL);
	for (unsigned i = 0; i < n; i++)
		tx_send(w, pkts[i]->port, pkts[i]);
	return total + n;
}

void worker_tick(struct worker *w)
{
	w->pub = dp_pub_load(w->sh);
	worker_rings(w);
	if (unlikely(w->n_hold))
		pkt_hold_run(w);
	flow_timers_run(w, tcp_expire);
	tcp_ready(w);
	tx_flush(w);
}

int worker_loop(void *arg)
{
	struct worker *w = arg;
	struct dp_shared *sh = w->sh;
	const struct conf_dataplane *dp = &sh->conf->dataplane;
	struct rte_mbuf *pkts[BURST];

	w->now = worker_ms();
	w->wheel_now = w->now;
	rte_rcu_qsbr_thread_register(sh->qsbr, w->id);
	rte_rcu_qsbr_thread_online(sh->qsbr, w->id);
	while (!sh->quit) {
		uint64_t t0 = rte_rdtsc();
		unsigned got = 0;

		/* One ruleset for the whole iteration; the quiescent report
		 * at its end tells the control thread we let go of it. */
		w->pub = dp_pub_load(sh);
		w->now = worker_ms();
		for (unsigned p = 0; p < sh->n_ports; p++) {
			uint16_t n = rte_eth_rx_burst(sh->ports[p].port_id, w->queue,
						      pkts, BURST);
			if (n) {
				worker_input(w, pkts, n, p);
				got += n;
			}
		}
		got += worker_rings(w);
		if (unlikely(w->n_hold))
			pkt_hold_run(w);
		flow_timers_run(w, tcp_expire);
		tcp_ready(w);
		tx_flush(w);
		w->st.cnt[CNT_polls]++;
		rte_rcu_qsbr_quiescent(sh->qsbr, w->id);

		uint64_t t1 = rte_rdtsc();
		if (got) {
			w->st.cnt[CNT_busy_cycles] += t1 - t0;
			w->empty_polls = 0;
			w->backoff_us = 0;
			continue;
		}
		w->st.cnt[CNT_idle_cycles] += t1 - t0;
		/* On a machine whose cores are shared with the kernel's
		 * clients and servers, spinning starves them: back off after
		 * a run of empty polls (DESIGN.md "Running without NICs"). */
		if (dp->idle_backoff && ++w->empty_polls > 256) {
			w->backoff_us = w->backoff_us ? w->backoff_us * 2 : 1;
			if (w->backoff_us > dp->idle_backoff_max_us)
				w->backoff_us = dp->idle_backoff_max_us;
			rte_delay_us_sleep(w->backoff_us);
			w->st.cnt[CNT_idle_cycles] += rte_rdtsc() - t1;
		}
	}
	/* Leaving: tell every peer of ours (still online for the RCU, so
	 * the ruleset loaded here stays ours while we do). */
	w->pub = dp_pub_load(sh);
	w->now = worker_ms();
	tcp_shutdown(w);
	pkt_hold_flush(w);
	rte_rcu_qsbr_thread_offline(sh->qsbr, w->id);
	rte_rcu_qsbr_thread_unregister(sh->qsbr, w->id);
	return 0;
}

int worker_create(struct dp_shared *sh, unsigned i, unsigned lcore,
			struct ruleset *rs)
{
	const struct steer_conf *c = sh->conf;
	char name[64];
	struct worker *w = rte_zmalloc("worker", sizeof(*w), RTE_CACHE_LINE_SIZE);

	if (w == NULL)
		return -ENOMEM;
	sh->workers[i] = w;
	w->id = i;
	w->lcore = lcore;
	w->queue = (uint16_t)i;
	w->sh = sh;
	w->isn_base_tsc = rte_rdtsc();
	if (sh->cookie_key[0] == 0 && sh->cookie_key[1] == 0) {
		/* One secret each for every worker (any may see a flow's ACK
		 * before the hand-off); never zero, so they are set once. */
		secret_key(sh->cookie_key);
		secret_key(sh->isn_key);
	}
	w->ns_per_cycle_q20 = (1000000000ull << 20) / rte_get_tsc_hz();
	snprintf(name, sizeof(name), "pool%u", i);
	w->pool = rte_pktmbuf_pool_create(name, 8191 * (c->n_ports > 1 ? 2 : 1), 256, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	snprintf(name, sizeof(name), "handoff%u", i);
	w->handoff = rte_ring_create(name, 4096, (int)rte_socket_id(), RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "txr%u", i);
	w->txr = rte_ring_create(name, 1024, (int)rte_socket_id(), RING_F_SC_DEQ);
	(void)rs;
	w->st.n_decisions = STEER_MAX_SLOTS;
	w->st.decisions = rte_zmalloc("decisions", sizeof(uint64_t) * STEER_MAX_SLOTS, 0);
	if (w->pool == NULL || w->handoff == NULL || w->txr == NULL ||
	    w->st.decisions == NULL)
		return -ENOMEM;
	return flow_init(w, c->dataplane.max_flows,
			 c->dataplane.header_max + INJECT_ROOM,
			 c->dataplane.header_buffers);
}
