/* Backend connect (after the decision, tcp_decide.c): SYN to the target
 * from our own address and a worker-owned port, retransmitted; a backend
 * at its max_conns first waits for a connection; on RST or timeout try the
 * next backend (Maglev) or the same one again, up to the service's
 * retries, fail open from a dead tunnel to the cluster, or answer 502/503
 * (docs/architecture.md, "Connect policy"). */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>

#include "flow.h"
#include "neigh.h"
#include "pkt.h"
#include "publish.h"
#include "stats.h"
#include "tcp.h"

#define SYN_BACKOFF_MAX 16        /* doublings of syn_rto_ms: past any connect_ms */

/* The target of decision fields F->service/backend/tunnel, as an address. */
struct target {
	uint32_t ip;              /* network order */
	uint16_t port;
	bool vxlan;
	uint32_t vni;
};

static void target_of(const struct flow *f, const struct steer_conf *c,
		      struct target *t)
{
	if (f->tunnel >= 0) {
		const struct conf_tunnel *tu = &c->tunnels[f->tunnel];
		t->ip = rte_cpu_to_be_32(tu->target_ip);
		t->port = rte_cpu_to_be_16(tu->target_port);
		t->vxlan = tu->type != CONF_TUNNEL_DIRECT;
		t->vni = t->vxlan ? tu->vni : 0;
		return;
	}
	const struct conf_backend *b = &c->services[f->service].backends[f->backend];
	t->ip = rte_cpu_to_be_32(b->ip);
	t->port = rte_cpu_to_be_16(b->port);
	t->vxlan = false;
	t->vni = 0;
}

bool flow_target_is_leg(struct worker *w, const struct flow *f)
{
	struct target t;

	if (f->leg_gone || f->b.local_port == 0 || f->b_fin)
		return false;
	target_of(f, rs_conf(w->pub->rs), &t);
	return t.ip == f->b.peer_ip && t.port == f->b.peer_port &&
	       t.vxlan == f->vxlan && (!t.vxlan || t.vni == f->vni);
}

static bool target_addr(struct worker *w, struct flow *f, uint32_t ip_host,
			uint16_t port_host)
{
	unsigned port;
	uint32_t nh;

	f->b.peer_ip = rte_cpu_to_be_32(ip_host);
	f->b.peer_port = rte_cpu_to_be_16(port_host);
	f->b.mac_known = false;
	if (!route_lookup(w->sh, f->b.peer_ip, &port, &nh)) {
		w->st.drop[DROP_no_route]++;
		return false;
	}
	f->b.port = (uint8_t)port;
	f->b.local_ip = w->sh->ports[port].ip;
	f->vxlan = false;
	return true;
}

static bool target_backend(struct worker *w, struct flow *f, const struct steer_conf *c)
{
	const struct conf_backend *b = &c->services[f->service].backends[f->backend];

	f->tunnel = -1;
	return target_addr(w, f, b->ip, b->port);
}

static bool target_tunnel(struct worker *w, struct flow *f, const struct steer_conf *c)
{
	const struct conf_tunnel *t = &c->tunnels[f->tunnel];

	if (t->type == CONF_TUNNEL_DIRECT)
		return target_addr(w, f, t->target_ip, t->target_port);
	/* VXLAN: inner addresses are the overlay's; the frame leaves by the
	 * port that reaches the VTEP. */
	unsigned port;
	uint32_t nh;
	f->vxlan = true;
	f->vni = t->vni;
	f->vtep_ip = rte_cpu_to_be_32(t->remote);
	f->vtep_mac_known = false;
	f->b.mac_known = false;
	f->b.peer_ip = rte_cpu_to_be_32(t->target_ip);
	f->b.peer_port = rte_cpu_to_be_16(t->target_port);
	f->b.local_ip = rte_cpu_to_be_32(t->source);
	if (!route_lookup(w->sh, f->vtep_ip, &port, &nh)) {
		w->st.drop[DROP_no_route]++;
		return false;
	}
	f->b.port = (uint8_t)port;
	return true;
}

void flow_send_syn(struct worker *w, struct flow *f)
{
	uint8_t opts[12];
	unsigned n = 0;
	uint16_t mss = leg_syn_mss(w->sh, f);
	uint32_t win = f->c_wnd << (f->c_ws_ok ? f->c_wscale : 0);

	/* The client's options, so the backend talks to it as it would
	 * directly (leg_take() reuses a leg only for the same options). */
	opts[n++] = 2;
	opts[n++] = 4;
	opts[n++] = (uint8_t)(mss >> 8);
	opts[n++] = (uint8_t)mss;
	if (f->sack_ok) {
		opts[n++] = 1;
		opts[n++] = 1;
		opts[n++] = 4;
		opts[n++] = 2;
	}
	if (f->c_ws_ok) {
		opts[n++] = 1;
		opts[n++] = 3;
		opts[n++] = 3;
		opts[n++] = f->c_wscale;
	}
	struct rte_mbuf *m = tcp_build(w, &f->b, f->s_isn, 0, TCP_SYN,
				       (uint16_t)(win > 65535 ? 65535 : win),
				       opts, n, NULL, 0);
	uint64_t retry = 20;      /* next hop not resolved yet: ask soon */
	if (m != NULL && flow_send_backend(w, f, m)) {
		/* f->retries: SYNs of this attempt sent before this one.
		 * RFC 6298 section 5.5: the RTO doubles with every
		 * retransmission. The first is syn_rto_ms (200 ms, Linux's
		 * floor, rather than section 2.1's 1 s: the leg is inside a
		 * datacenter, and connect_ms bounds the attempt anyway). */
		unsigned k = f->retries < SYN_BACKOFF_MAX ? f->retries : SYN_BACKOFF_MAX;
		retry = (uint64_t)w->sh->conf->dataplane.timeouts.syn_rto_ms << k;
		if (f->retries)
			w->st.cnt[CNT_syn_retransmits]++;
		if (f->retries < UINT8_MAX)
			f->retries++;
	}
	if (w->now + retry > f->conn_deadline)
		retry = f->conn_deadline > w->now ? f->conn_deadline - w->now : 0;
	flow_timer(w, f, retry);
}

/* One attempt: a new source port and ISN, the SYN. */
static void attempt(struct worker *w, struct flow *f)
{
	if (!flow_take_sport(w, f)) {
		flow_respond(w, f, 503);
		return;
	}
	f->state = FS_CONNECT;
	f->tries++;
	f->retries = 0;
	f->s_isn = isn_make(w, f->b.peer_ip, f->b.local_ip,
			    (uint32_t)f->b.local_port << 16 | f->b.peer_port);
	f->conn_deadline = w->now + w->sh->conf->dataplane.timeouts.connect_ms;
	w->st.cnt[CNT_backend_connects]++;
	f->t_conn = rte_rdtsc();
	flow_send_syn(w, f);
}

/* max_conns, split between the workers (they share nothing): each may
 * have max_conns / workers (at least 1) connections to the backend open
 * or connecting, and max_queue / workers (at least 1, or none) flows
 * waiting for one. Returns whether F may connect now; if not, it waits
 * in FS_QUEUED for up to queue_ms, or was answered 503. */
static bool admitted(struct worker *w, struct flow *f, const struct steer_conf *c)
{
	if (f->tunnel >= 0)
		return true;      /* tunnels have no limit */
	const struct conf_service *cs = &c->services[f->service];
	const struct conf_backend *b = &cs->backends[f->backend];
	unsigned nw = w->sh->n_workers;

	if (b->max_conns == 0)
		return true;
	uint32_t limit = b->max_conns / nw ? b->max_conns / nw : 1;
	uint32_t qmax = b->max_queue == 0 ? 0 : b->max_queue / nw ? b->max_queue / nw : 1;
	switch (flow_backend_admit(w, f, f->svc_key, f->b.peer_ip, f->b.peer_port,
				   limit, qmax)) {
	case ADMIT_TAKEN:
		return true;
	case ADMIT_QUEUED:
		w->st.cnt[CNT_queued]++;
		f->state = FS_QUEUED;
		flow_timer(w, f, cs->queue_ms);
		return false;
	case ADMIT_FULL:
	default:
		w->st.cnt[CNT_queue_full]++;
		flow_respond(w, f, 503);
		return false;
	}
}

/* Connect F's target (f->b is set), once its backend has room. */
static void connect_start(struct worker *w, struct flow *f)
{
	if (admitted(w, f, rs_conf(w->pub->rs)))
		attempt(w, f);
}

void flow_connect_ready(struct worker *w)
{
	struct flow *f;

	/* Each connects or is answered; one that fails at once gives its
	 * connection to the next waiting, who joins this list: bounded by
	 * the flows waiting. */
	while ((f = flow_ready_next(w)) != NULL)
		attempt(w, f);
}

void flow_queue_expire(struct worker *w, struct flow *f)
{
	if (f->bq == BQ_READY) {
		/* Admitted in this loop iteration, before its deadline came
		 * round: it connects now rather than at the iteration's end. */
		flow_ready_take(w, f);
		attempt(w, f);
		return;
	}
	flow_backend_release(w, f);
	w->st.cnt[CNT_queue_timeouts]++;
	flow_respond(w, f, 503);
}

/* The rules changed since F was decided: find its service (and tunnel)
 * again by name. Backends are retried among the service's current ones. */
static bool rebind(struct worker *w, struct flow *f, const struct steer_conf *c)
{
	int svc = -1, tun = -1;
	bool cluster = f->tunnel < 0;

	for (unsigned i = 0; i < c->n_services && svc < 0; i++)
		if (flow_name_key(c->services[i].name) == f->svc_key)
			svc = (int)i;
	if (svc < 0)
		return false;
	if (cluster) {
		/* The attempt that failed went to f->b: find that backend
		 * by address, since indexes of the new rules name other
		 * backends (-1: it is gone, nothing to skip). */
		const struct conf_service *cs = &c->services[svc];
		f->backend = -1;
		for (unsigned b = 0; b < cs->n_backends; b++)
			if (rte_cpu_to_be_32(cs->backends[b].ip) == f->b.peer_ip &&
			    rte_cpu_to_be_16(cs->backends[b].port) == f->b.peer_port)
				f->backend = (int32_t)b;
	}
	if (f->tunnel >= 0)
		for (unsigned i = 0; i < c->n_tunnels && tun < 0; i++)
			if (flow_name_key(c->tunnels[i].name) == f->tun_key)
				tun = (int)i;
	f->service = (uint16_t)svc;
	if (f->tunnel >= 0 && tun < 0) {
		/* The tunnel was removed: treat it as failed open. */
		f->tunnel = -1;
	} else {
		f->tunnel = tun;
	}
	if (f->backend >= (int32_t)c->services[svc].n_backends)
		f->backend = c->services[svc].n_backends ? 0 : -1;
	f->tried = 0;
	f->gen = w->pub->generation;
	return true;
}

/* F's request was decided with rules since replaced (it waited for its
 * leg to be quiet), so its indexes name the old rules' entries: find its
 * service and tunnel again by name, and take what Maglev picks in the new
 * rules for a cluster target (a removed tunnel: the cluster, as failed
 * open). False when the service is gone or nothing of it is left. */
static bool decision_refresh(struct worker *w, struct flow *f,
			     const struct steer_conf *c)
{
	int svc = -1, tun = -1;
	uint32_t size;

	for (unsigned i = 0; i < c->n_services && svc < 0; i++)
		if (flow_name_key(c->services[i].name) == f->svc_key)
			svc = (int)i;
	if (svc < 0)
		return false;
	for (unsigned i = 0; f->tunnel >= 0 && i < c->n_tunnels && tun < 0; i++)
		if (flow_name_key(c->tunnels[i].name) == f->tun_key)
			tun = (int)i;
	f->service = (uint16_t)svc;
	f->tunnel = tun;
	const uint16_t *t = rs_maglev(w->pub->rs, f->service, &size);
	/* health checks may have taken Maglev's pick out (as in a decision) */
	f->backend = t ? hc_pick(dp_health_load(w->pub), f->service, f->hash,
				 t[f->hash % size]) : -1;
	f->gen = w->pub->generation;
	return f->tunnel >= 0 || f->backend >= 0;
}

bool flow_target_set(struct worker *w, struct flow *f)
{
	const struct steer_conf *c = rs_conf(w->pub->rs);

	if (f->gen != w->pub->generation && !decision_refresh(w, f, c)) {
		w->st.cnt[CNT_closed_connect_failed]++;
		flow_respond(w, f, 503);
		return false;
	}
	bool ok = f->tunnel >= 0 ? target_tunnel(w, f, c) : target_backend(w, f, c);

	if (!ok) {
		flow_connect_failed(w, f);
		return false;
	}
	return true;
}

void flow_connect_start(struct worker *w, struct flow *f)
{
	connect_start(w, f);
}

void flow_connect_target(struct worker *w, struct flow *f)
{
	if (flow_target_set(w, f))
		connect_start(w, f);
}


/* A backend not tried yet, not the one that just failed and not down by
 * health checks: walk Maglev's table T (the one without the down backends,
 * when there is one) from the flow's slot with a stride (bounded), then
 * the list. -1: none. */
static int32_t untried_backend(const struct dp_pub *pub, const struct flow *f,
			       const uint16_t *t, uint32_t size)
{
	const struct conf_service *cs = &rs_conf(pub->rs)->services[f->service];
	const struct dp_health *h = dp_health_load(pub);

	for (uint32_t k = 1; k <= 64; k++) {
		uint16_t b = t[(f->hash + k * 2654435761u) % size];
		if (b == f->backend)
			continue;
		if (b >= 64 || !(f->tried & (1ull << b)))
			return b;
	}
	for (unsigned b = 0; b < cs->n_backends && b < 64; b++)
		if ((int32_t)b != f->backend && !(f->tried & (1ull << b)) &&
		    !cs->backends[b].drained && !hc_is_down(h, f->service, (int32_t)b))
			return (int32_t)b;
	return -1;
}

/* The backend of the next attempt after a failure: another one while
 * some are left untried (HAProxy's redispatch); once every live one was
 * tried, a new round starts with the one that failed last, so a service
 * with one backend left retries that one, as a kernel client would.
 * -1: nothing to try (every backend drained). */
static int32_t next_backend(const struct dp_pub *pub, struct flow *f)
{
	const struct ruleset *rs = pub->rs;
	const struct conf_service *cs = &rs_conf(rs)->services[f->service];
	const struct dp_health *h = dp_health_load(pub);
	uint32_t size;
	const uint16_t *t = rs_maglev(rs, f->service, &size);
	int32_t b;

	if (t == NULL)
		return -1;        /* every backend drained */
	if (h != NULL && f->service < h->n_svc && h->svc[f->service].maglev) {
		t = h->svc[f->service].maglev;
		size = h->svc[f->service].maglev_size;
	}
	if ((b = untried_backend(pub, f, t, size)) >= 0)
		return b;
	f->tried = f->backend >= 0 && f->backend < 64 ? 1ull << f->backend : 0;
	if ((b = untried_backend(pub, f, t, size)) >= 0)
		return b;
	if (f->backend >= 0 && (unsigned)f->backend < cs->n_backends &&
	    !cs->backends[f->backend].drained)
		return f->backend;
	return -1;
}

void flow_connect_failed(struct worker *w, struct flow *f)
{
	const struct ruleset *rs = w->pub->rs;
	const struct steer_conf *c = rs_conf(rs);
	/* A SYN went out (a source port was taken): the backend failed it,
	 * rather than our route to it. */
	bool attempted = f->b.local_port != 0;

	flow_put_sport(w, f);
	if (f->gen != w->pub->generation && !rebind(w, f, c)) {
		/* Its service is gone from the running rules. */
		w->st.cnt[CNT_closed_connect_failed]++;
		flow_respond(w, f, 503);
		return;
	}
	if (attempted && f->tunnel < 0)
		hc_connect_failed(w->sh, dp_health_load(w->pub), f->service,
				  f->backend);
	if (f->tunnel >= 0) {
		/* A dead tunnel fails open to the cluster, as Telepresence
		 * does, unless the tunnel says otherwise. */
		if ((uint32_t)f->tunnel >= c->n_tunnels ||
		    !c->tunnels[f->tunnel].fail_open) {
			w->st.cnt[CNT_closed_connect_failed]++;
			flow_respond(w, f, 502);
			return;
		}
		w->st.cnt[CNT_fail_opens]++;
		if (f->backend < 0 || !target_backend(w, f, c)) {
			w->st.cnt[CNT_closed_connect_failed]++;
			flow_respond(w, f, 503);
			return;
		}
		/* The cluster's attempts are counted from here: the
		 * tunnel's one does not use up its retries. */
		f->tries = 0;
		connect_start(w, f);
		return;
	}
	const struct conf_service *cs = &c->services[f->service];
	if (f->backend >= 0 && f->backend < 64)
		f->tried |= 1ull << f->backend;
	/* f->tries attempts were made: the first and f->tries - 1 retries. */
	int32_t next = f->tries <= cs->retries ? next_backend(w->pub, f) : -1;
	if (next < 0 || (unsigned)next >= cs->n_backends) {
		w->st.cnt[CNT_closed_connect_failed]++;
		flow_respond(w, f, 503);
		return;
	}
	w->st.cnt[CNT_backend_retries]++;
	f->backend = next;
	if (!target_backend(w, f, c)) {
		/* No route to it: counts as an attempt, so this recursion
		 * ends within retries (at most CONF_RETRIES_MAX). */
		f->tries++;
		flow_connect_failed(w, f);
		return;
	}
	connect_start(w, f);
}
