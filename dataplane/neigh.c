/* ARP on the main lcore (RFC 826): answers for our addresses (ports and,
 * inside each VXLAN overlay, the tunnel's source address), learns
 * neighbours, resolves next hops on request with bounded retries, expires
 * entries, and announces our addresses at start. Workers only read the
 * table (neigh.h). Frames leave through worker 0's TX ring. */
#include <string.h>

#include <rte_arp.h>
#include <rte_malloc.h>

#include "neigh.h"
#include "pkt.h"
#include "publish.h"
#include "worker.h"

struct neigh_table *neigh_create(void)
{
	return rte_zmalloc("neigh", sizeof(struct neigh_table), RTE_CACHE_LINE_SIZE);
}

static struct neigh_entry *entry_get(struct neigh_table *t, uint64_t key, bool add)
{
	for (uint32_t i = neigh_slot(key), n = 0; n < NEIGH_SLOTS;
	     i = (i + 1) & (NEIGH_SLOTS - 1), n++) {
		uint64_t k = atomic_load_explicit(&t->e[i].key, memory_order_relaxed);
		if (k == key)
			return &t->e[i];
		if (k == 0) {
			/* Bounded: keep a quarter free so probes stay short. */
			if (!add || t->n >= NEIGH_SLOTS * 3 / 4)
				return NULL;
			atomic_store_explicit(&t->e[i].mac, 0, memory_order_relaxed);
			/* release: a reader that sees the key sees mac = 0. */
			atomic_store_explicit(&t->e[i].key, key, memory_order_release);
			t->n++;
			return &t->e[i];
		}
	}
	return NULL;
}

static const struct conf_tunnel *zone_tunnel(const struct dp_shared *sh, uint32_t zone)
{
	const struct steer_conf *c = rs_conf(dp_pub_load(sh)->rs);

	if (zone == 0 || zone > c->n_tunnels ||
	    c->tunnels[zone - 1].type != CONF_TUNNEL_VXLAN)
		return NULL;
	return &c->tunnels[zone - 1];
}

/* Send the ARP frame M: on the port for the underlay, wrapped in VXLAN to
 * the tunnel's VTEP for an overlay. */
static bool arp_send(struct dp_shared *sh, struct rte_mbuf *m, uint32_t zone,
		     unsigned port)
{
	if (zone == 0) {
		ctrl_tx(sh, port, m);
		return true;
	}
	const struct conf_tunnel *t = zone_tunnel(sh, zone);
	unsigned p;
	uint32_t nh, vtep = t ? rte_cpu_to_be_32(t->remote) : 0;
	struct rte_ether_addr mac;
	/* Our own frame, but a frame all the same: every free is counted,
	 * here on the main lcore's counters. */
	if (t == NULL || !route_lookup(sh, vtep, &p, &nh)) {
		sh->ctrl_st.drop[DROP_no_route]++;
		rte_pktmbuf_free(m);
		return false;
	}
	if (!neigh_lookup(sh->neigh, 0, nh, &mac)) {
		neigh_request(sh, 0, nh, p);
		sh->ctrl_st.drop[DROP_arp_vtep_unresolved]++;
		rte_pktmbuf_free(m);
		return false;
	}
	if (!vxlan_wrap(m, &sh->ports[p], &mac, vtep, t->vni, 49152)) {
		sh->ctrl_st.drop[DROP_mbuf_alloc]++;
		rte_pktmbuf_free(m);
		return false;
	}
	ctrl_tx(sh, p, m);
	return true;
}

/* Our address and MAC in ZONE as seen from PORT. */
static bool our_addr(const struct dp_shared *sh, uint32_t zone, unsigned port,
		     uint32_t *ip, struct rte_ether_addr *mac)
{
	if (zone == 0) {
		*ip = sh->ports[port].ip;
		*mac = sh->ports[port].mac;
		return true;
	}
	const struct conf_tunnel *t = zone_tunnel(sh, zone);
	if (t == NULL)
		return false;
	*ip = rte_cpu_to_be_32(t->source);
	vxlan_overlay_mac(t->vni, mac);
	return true;
}

static struct rte_mbuf *arp_build(struct dp_shared *sh, uint16_t op,
				  const struct rte_ether_addr *src_mac, uint32_t src_ip,
				  const struct rte_ether_addr *dst_mac, uint32_t dst_ip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(sh->workers[0]->pool);
	if (m == NULL)
		return NULL;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)
		rte_pktmbuf_append(m, sizeof(*eth) + sizeof(struct rte_arp_hdr));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	static const struct rte_ether_addr bcast = {{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }};

	eth->dst_addr = op == RTE_ARP_OP_REQUEST ? bcast : *dst_mac;
	eth->src_addr = *src_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = *src_mac;
	a->arp_data.arp_sip = src_ip;
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	if (op == RTE_ARP_OP_REPLY)
		a->arp_data.arp_tha = *dst_mac;
	a->arp_data.arp_tip = dst_ip;
	return m;
}

static void learn(struct neigh_table *t, uint64_t key, const struct rte_ether_addr *mac,
		  unsigned port, bool add)
{
	struct neigh_entry *e = entry_get(t, key, add);
	uint64_t v = NEIGH_VALID;

	if (e == NULL)
		return;
	for (int b = 0; b < 6; b++)
		v |= (uint64_t)mac->addr_bytes[b] << (8 * (5 - b));
	e->port = (uint8_t)port;
	e->heard = worker_ms();
	e->expires = e->heard + NEIGH_REACHABLE_MS;
	e->tries = 0;
	/* relaxed: a 64-bit store is seen whole; the key is already out. */
	atomic_store_explicit(&e->mac, v, memory_order_relaxed);
}

void neigh_input(struct dp_shared *sh, struct rte_mbuf *m, uint32_t zone)
{
	unsigned port = m->port;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eth + 1);
	uint32_t ip;
	struct rte_ether_addr mac;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*a) ||
	    a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != 6 || a->arp_plen != 4 ||
	    !our_addr(sh, zone, port, &ip, &mac)) {
		sh->ctrl_st.drop[DROP_arp_bad]++;
		rte_pktmbuf_free(m);
		return;
	}
	bool for_us = a->arp_data.arp_tip == ip;
	/* RFC 826 "merge": update a sender we know; add it if the frame is
	 * for us (it will talk to us next). */
	learn(sh->neigh, neigh_key(zone, a->arp_data.arp_sip), &a->arp_data.arp_sha,
	      port, for_us);
	if (for_us && a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		struct rte_mbuf *r = arp_build(sh, RTE_ARP_OP_REPLY, &mac, ip,
					       &a->arp_data.arp_sha, a->arp_data.arp_sip);
		if (r) {
			sh->ctrl_st.cnt[CNT_arp_replies]++;
			arp_send(sh, r, zone, port);
		}
	}
	sh->ctrl_st.cnt[CNT_rx_consumed]++;
	rte_pktmbuf_free(m);
}

static void send_request(struct dp_shared *sh, struct neigh_entry *e,
			 uint32_t zone, uint32_t target, unsigned port)
{
	uint32_t ip;
	struct rte_ether_addr mac;

	e->next_try = worker_ms() + NEIGH_RETRY_MS;
	e->tries++;
	if (!our_addr(sh, zone, port, &ip, &mac))
		return;
	struct rte_mbuf *m = arp_build(sh, RTE_ARP_OP_REQUEST, &mac, ip, NULL, target);
	if (m == NULL)
		return;
	sh->ctrl_st.cnt[CNT_arp_requests]++;
	if (!arp_send(sh, m, zone, port)) {
		/* Not sent (the overlay's VTEP is being resolved first): it
		 * was no try, and the next want may ask again at once rather
		 * than a retry period later. */
		e->tries--;
		e->next_try = 0;
	}
}

void neigh_request(struct dp_shared *sh, uint32_t zone, uint32_t ip, unsigned port)
{
	struct neigh_entry *e = entry_get(sh->neigh, neigh_key(zone, ip), true);

	if (e == NULL)
		return;
	e->wanted = true;
	e->port = (uint8_t)port;
	if (atomic_load_explicit(&e->mac, memory_order_relaxed) & NEIGH_VALID)
		return;
	if (worker_ms() >= e->next_try && e->tries < NEIGH_TRIES)
		send_request(sh, e, zone, ip, port);
}

void neigh_probe(struct dp_shared *sh, uint32_t ip, unsigned port)
{
	struct neigh_entry *e = entry_get(sh->neigh, neigh_key(0, ip), true);

	if (e == NULL)
		return;
	e->wanted = true;
	e->port = (uint8_t)port;
	send_request(sh, e, 0, ip, port);
	/* A probe is no resolve try: neigh_tick()'s own tries go on (and a
	 * valid entry is not dropped for a dead node's silence here). */
	if (e->tries > NEIGH_TRIES)
		e->tries = NEIGH_TRIES;
}

uint64_t neigh_heard(struct dp_shared *sh, uint32_t ip)
{
	struct neigh_entry *e = entry_get(sh->neigh, neigh_key(0, ip), false);

	return e != NULL ? e->heard : 0;
}

void neigh_tick(struct dp_shared *sh, uint64_t now)
{
	struct neigh_table *t = sh->neigh;

	for (unsigned i = 0; i < NEIGH_SLOTS; i++) {
		struct neigh_entry *e = &t->e[i];
		uint64_t key = atomic_load_explicit(&e->key, memory_order_relaxed);
		if (key == 0)
			continue;
		uint32_t zone = (uint32_t)(key >> 32) & 0xffff;
		uint32_t ip = (uint32_t)key;
		uint64_t mac = atomic_load_explicit(&e->mac, memory_order_relaxed);
		if (mac & NEIGH_VALID) {
			if (now < e->expires)
				continue;
			/* Stale: ask again, keep using it for a few tries. */
			if (e->tries >= NEIGH_TRIES) {
				atomic_store_explicit(&e->mac, 0, memory_order_relaxed);
				e->tries = 0;
				e->next_try = now + 5 * NEIGH_RETRY_MS;
			} else if (now >= e->next_try) {
				send_request(sh, e, zone, ip, e->port);
			}
			continue;
		}
		if (!e->wanted)
			continue;
		if (e->tries >= NEIGH_TRIES) {
			/* Failed: rest, then let a new request start over. */
			if (now >= e->next_try + 5 * NEIGH_RETRY_MS) {
				e->tries = 0;
				e->wanted = false;
			}
			continue;
		}
		if (now >= e->next_try)
			send_request(sh, e, zone, ip, e->port);
	}
}

void neigh_announce(struct dp_shared *sh)
{
	/* Gratuitous ARP (RFC 5227 section 3): sender = target = ours. */
	for (unsigned p = 0; p < sh->n_ports; p++) {
		struct rte_mbuf *m = arp_build(sh, RTE_ARP_OP_REQUEST, &sh->ports[p].mac,
					       sh->ports[p].ip, NULL, sh->ports[p].ip);
		if (m)
			ctrl_tx(sh, p, m);
	}
}

void neigh_want(struct worker *w, uint32_t zone, uint32_t ip, unsigned port)
{
	/* Many flows wait on one next hop at once: ask once per 50 ms, or
	 * the requests crowd the ARP replies out of the control ring. */
	uint64_t key = neigh_key(zone, ip);
	unsigned slot = (unsigned)(key * 0x9e3779b97f4a7c15ull >> 58);
	if (w->want_key[slot] == key && w->now - w->want_at[slot] < 50)
		return;
	w->want_key[slot] = key;
	w->want_at[slot] = w->now;

	/* A resolve request travels as a tagged integer, not an mbuf:
	 * mbuf pointers are aligned, so bit 0 tells them apart. */
	uintptr_t v = ((uintptr_t)zone << 41) | ((uintptr_t)port << 33) |
		      ((uintptr_t)ip << 1) | 1;
	rte_ring_enqueue(w->sh->ctrl_ring, (void *)v);
}
