/* Health checks on the main lcore (health.h).
 *
 * Active checks: for each backend of a service with a health group, every
 * interval_ms a TCP connection from one of the health checks' ports
 * (HC_PORT_FIRST.., never a worker's) to the backend's address (or the
 * group's port), `GET path HTTP/1.1`, the status line, RST; the exchange
 * itself is libsteer's hc_probe. Frames leave through worker 0's TX ring
 * like ARP's; the workers pass the answers back over the control ring.
 * Next hops come from route.c and neigh.c (a check whose next hop is not
 * resolved yet asks for it and sends its SYN once it is, within its
 * timeout).
 *
 * Passive detection: connect failures the workers counted (hc_table.h).
 *
 * Each backend's verdict (hc_verdict) lives in its health slot; when one
 * changes, the health view is rebuilt and published (dp_publish_health). */
#include <errno.h>
#include <stdio.h>

#include <rte_random.h>

#include "csum.h"
#include "conf.h"
#include "health.h"
#include "hc_table.h"
#include "neigh.h"
#include "pkt.h"
#include "publish.h"
#include "route.h"

int health_init(struct dp_shared *sh)
{
	return hc_registry_create(sh);
}

void health_fini(struct dp_shared *sh)
{
	hc_registry_free(sh);
}

static void params_of(struct hc_params *p, const struct conf_service *cs)
{
	hc_params_of(p, cs->health.enabled, cs->health.rise, cs->health.fall);
}

/* ---- sending -------------------------------------------------------------- */

/* Send what the check of slot E asked for. */
static void check_tx(struct dp_shared *sh, struct hc_slot *e,
		     const struct hc_tx *tx)
{
	struct hc_check *k = &e->chk;
	const struct port_info *pi = &sh->ports[k->out];
	struct flow_end fe = { .peer_ip = k->ip, .local_ip = pi->ip,
			       .peer_port = k->port,
			       .local_port = rte_cpu_to_be_16(k->sport),
			       .port = k->out };
	uint8_t mss[4];
	unsigned optlen = 0;

	if (!tx->send)
		return;
	if (!neigh_lookup(sh->neigh, 0, k->nexthop, &fe.peer_mac)) {
		/* Only a SYN can find the next hop unknown (the check's
		 * answers came through it); the tick sends it once ARP is
		 * done, or the check times out. */
		neigh_request(sh, 0, k->nexthop, k->out);
		k->syn_pending = (tx->flags & HC_SYN) != 0;
		if (!k->syn_pending)
			sh->ctrl_st.drop[DROP_neigh_unresolved]++;
		return;
	}
	if (tx->flags & HC_SYN) {
		uint16_t m = (uint16_t)(pi->mtu - 40);
		mss[0] = 2;
		mss[1] = 4;
		mss[2] = (uint8_t)(m >> 8);
		mss[3] = (uint8_t)m;
		optlen = 4;
		k->syn_pending = false;
	}
	struct rte_mbuf *m = tcp_frame(sh->workers[0]->pool, &pi->mac, &fe,
				       tx->seq, tx->ack, tx->flags, 65535,
				       mss, optlen, tx->req ? k->req : NULL,
				       tx->req ? k->req_len : 0);
	if (m == NULL) {
		sh->ctrl_st.drop[DROP_mbuf_alloc]++;
		return;
	}
	ctrl_tx(sh, k->out, m);
}

/* ---- results ---------------------------------------------------------------- */

/* The check of slot E ended: its port takes nothing more from its peer. */
static void check_end(struct dp_shared *sh, const struct hc_slot *e)
{
	if (e->chk.sport >= HC_PORT_FIRST)
		atomic_store_explicit(&sh->hc->port_peer[e->chk.sport - HC_PORT_FIRST],
				      0, memory_order_relaxed);
}

/* A check of slot E (a backend of CS) ended with R at NOW. Returns true
 * when the backend's state changed. */
static bool check_done(struct dp_shared *sh, const struct conf_service *cs,
		       struct hc_slot *e, struct hc_result r, uint64_t now)
{
	struct hc_params p;

	params_of(&p, cs);
	sh->ctrl_st.cnt[CNT_health_checks]++;
	if (r.reason != HC_R_none)
		sh->ctrl_st.cnt[CNT_health_check_fails]++;
	bool changed = hc_verdict_check(&e->v, &p, r.reason, r.status, now);
	if (changed && e->v.down)
		sh->ctrl_st.cnt[CNT_backends_down]++;
	return changed;
}

/* ---- starting a check --------------------------------------------------------- */

/* A free port of ours for a check from LOCAL_IP, or 0. */
static uint16_t port_take(struct dp_shared *sh, uint32_t local_ip, uint32_t s)
{
	struct hc_registry *r = sh->hc;
	const struct ruleset *rs = dp_pub_load(sh)->rs;

	/* Round robin: a port is used again only after all the others, so
	 * nothing of its last check can still be on the wire. */
	for (unsigned n = 0; n < HC_PORT_COUNT; n++) {
		unsigned i = r->next_port++ % HC_PORT_COUNT;
		uint16_t port = (uint16_t)(HC_PORT_FIRST + i);
		uint32_t o = r->port_slot[i];
		if (o != HC_NONE && o < r->cap && r->slot[o].used &&
		    r->slot[o].chk.probe.state != HCP_IDLE &&
		    r->slot[o].chk.sport == port)
			continue;
		/* a listener's port stays the listener's */
		if (rs_listener_find(rs, rte_be_to_cpu_32(local_ip), port) >= 0)
			continue;
		r->port_slot[i] = s;
		return port;
	}
	return 0;
}

static void fmt_addr(char *buf, size_t len, uint32_t ip_be, uint16_t port_be)
{
	uint32_t ip = rte_be_to_cpu_32(ip_be);

	snprintf(buf, len, "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 255,
		 (ip >> 8) & 255, ip & 255, rte_be_to_cpu_16(port_be));
}

/* Start the check of slot S, backend BE of CS, at NOW. Returns true when
 * the backend's state changed (a check that cannot even start fails). */
static bool check_start(struct dp_shared *sh, const struct conf_service *cs,
			const struct conf_backend *be, uint32_t s, uint64_t now)
{
	struct hc_slot *e = &sh->hc->slot[s];
	struct hc_check *k = &e->chk;
	const struct conf_health *h = &cs->health;
	unsigned out;
	struct hc_tx tx;

	k->ip = rte_cpu_to_be_32(be->ip);
	k->port = rte_cpu_to_be_16(h->port ? h->port : be->port);
	if (!route_lookup(sh, k->ip, &out, &k->nexthop))
		return check_done(sh, cs, e, (struct hc_result){
			.done = true, .reason = HC_R_no_route }, now);
	k->out = (uint8_t)out;
	k->sport = port_take(sh, sh->ports[out].ip, s);
	if (k->sport == 0)
		return false;     /* every port busy: the next interval */
	atomic_store_explicit(&sh->hc->port_peer[k->sport - HC_PORT_FIRST],
			      hc_peer_key(k->ip, k->port), memory_order_relaxed);
	char host[32];
	fmt_addr(host, sizeof(host), k->ip, k->port);
	int n = snprintf(k->req, sizeof(k->req),
			 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: steer-health\r\n"
			 "Connection: close\r\n\r\n", h->path, h->host ? h->host : host);
	/* bounded by the config's limits on path and host */
	k->req_len = (uint16_t)(n > 0 && (size_t)n < sizeof(k->req) ? n : 0);
	hc_probe_start(&k->probe, (uint32_t)rte_rand(), k->req_len, now,
		       h->timeout_ms, &tx);
	check_tx(sh, e, &tx);
	return false;
}

/* ---- segments in ----------------------------------------------------------------- */

/* The service (in the running rules) of slot S, or NULL. */
static const struct conf_service *slot_service(const struct dp_shared *sh,
					       uint32_t s)
{
	const struct steer_conf *c = rs_conf(dp_pub_load(sh)->rs);
	int i = conf_find_service(c, sh->hc->slot[s].service);

	return i < 0 ? NULL : &c->services[i];
}

/* RFC 9293 section 3.1: over the pseudo-header, header and data. */
static bool tcp_csum_ok(const struct rte_ipv4_hdr *ip,
			const struct rte_tcp_hdr *th, uint32_t l4)
{
	uint64_t sum = csum_phdr4(ip->src_addr, ip->dst_addr, IPPROTO_TCP, l4);

	return csum_fold64(csum_partial(th, l4, sum)) == 0xffff;
}

void health_input(struct dp_shared *sh, struct rte_mbuf *m, uint64_t now)
{
	struct hc_registry *r = sh->hc;
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	/* The worker checked the IPv4 header, its lengths and the TCP
	 * header's; the checksum is ours to check, as an endpoint's. */
	uint32_t l4 = rte_be_to_cpu_16(ip->total_length) - (uint32_t)sizeof(*ip);
	uint32_t thl = (th->data_off >> 4) * 4u;
	uint16_t dport = rte_be_to_cpu_16(th->dst_port);

	if (r == NULL || dport < HC_PORT_FIRST || !tcp_csum_ok(ip, th, l4)) {
		sh->ctrl_st.drop[DROP_health_bad]++;
		rte_pktmbuf_free(m);
		return;
	}
	uint32_t s = r->port_slot[dport - HC_PORT_FIRST];
	struct hc_slot *e = s < r->cap ? &r->slot[s] : NULL;
	const struct conf_service *cs = e && e->used ? slot_service(sh, s) : NULL;
	if (cs == NULL || e->chk.probe.state == HCP_IDLE ||
	    e->chk.sport != dport || e->chk.ip != ip->src_addr ||
	    e->chk.port != th->src_port) {
		/* The rest of an answer after our RST, or a stranger. */
		sh->ctrl_st.drop[DROP_health_stray]++;
		rte_pktmbuf_free(m);
		return;
	}
	struct hc_seg seg = { .flags = th->tcp_flags,
			      .seq = rte_be_to_cpu_32(th->sent_seq),
			      .ack = rte_be_to_cpu_32(th->recv_ack),
			      .data = (const char *)th + thl, .len = l4 - thl };
	struct hc_tx tx;
	struct hc_result res = hc_probe_input(&e->chk.probe, &seg, &tx);
	/* consumed: the probe copied the bytes it keeps */
	sh->ctrl_st.cnt[CNT_rx_consumed]++;
	rte_pktmbuf_free(m);
	check_tx(sh, e, &tx);
	if (res.done)
		check_end(sh, e);
	if (res.done && check_done(sh, cs, e, res, now) &&
	    dp_publish_health(sh) != 0)
		fprintf(stderr, "steerd: out of memory publishing backend health\n");
}

/* ---- the tick -------------------------------------------------------------------- */

/* Backend BE of service CS with health slot S at NOW: true if its state
 * changed. */
static bool backend_tick(struct dp_shared *sh, const struct conf_service *cs,
			 const struct conf_backend *be, uint32_t s, uint64_t now)
{
	struct hc_registry *r = sh->hc;
	struct hc_slot *e = &r->slot[s];
	struct hc_check *k = &e->chk;
	struct hc_params p;
	struct hc_tx tx;
	bool changed = false;

	params_of(&p, cs);
	uint32_t fails = atomic_load_explicit(&r->fails[s], memory_order_relaxed);
	if (fails > 0) {
		changed = hc_verdict_passive(&e->v, &p, fails, now);
		/* Down, the count starts again: failures of flows that were
		 * already connecting say nothing new. */
		if (e->v.down)
			atomic_store_explicit(&r->fails[s], 0, memory_order_relaxed);
	}
	if (k->probe.state != HCP_IDLE) {
		struct hc_result res = hc_probe_timeout(&k->probe, now, &tx);
		if (res.done) {
			/* A SYN never sent needs no RST: say why instead. */
			if (k->syn_pending)
				res.reason = HC_R_unresolved;
			else
				check_tx(sh, e, &tx);
			k->syn_pending = false;
			check_end(sh, e);
			changed |= check_done(sh, cs, e, res, now);
		} else if (k->syn_pending) {
			check_tx(sh, e, &(struct hc_tx){ .send = true,
				.flags = HC_SYN, .seq = k->probe.iss });
		}
	}
	if (cs->health.enabled && k->probe.state == HCP_IDLE && now >= k->next) {
		/* Every interval_ms from the last start; after a pause
		 * (a long reload) from now, not a burst to catch up. */
		k->next = k->next + cs->health.interval_ms > now ?
			  k->next + cs->health.interval_ms :
			  now + cs->health.interval_ms;
		changed |= check_start(sh, cs, be, s, now);
	}
	return hc_verdict_tick(&e->v, &p, now) || changed;
}

void health_tick(struct dp_shared *sh, uint64_t now)
{
	struct dp_pub *pub = dp_pub_load(sh);
	const struct dp_health *h = pub ? dp_health_load(pub) : NULL;
	bool changed = false;

	if (h == NULL)
		return;
	const struct steer_conf *c = rs_conf(pub->rs);
	for (unsigned s = 0; s < c->n_services && s < h->n_svc; s++) {
		const struct conf_service *cs = &c->services[s];
		for (unsigned b = 0; b < cs->n_backends; b++)
			if (h->svc[s].slot[b] != HC_NONE)
				changed |= backend_tick(sh, cs, &cs->backends[b],
							h->svc[s].slot[b], now);
	}
	if (changed && dp_publish_health(sh) != 0)
		fprintf(stderr, "steerd: out of memory publishing backend health\n");
}
