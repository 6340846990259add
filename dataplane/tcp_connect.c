/* Decision and backend connect: run the rule engine over the complete
 * header, inject headers, SYN to the target from our own address and a
 * worker-owned port; on RST or timeout try the next backend (Maglev), fail
 * open from a dead tunnel to the cluster, or answer 502/503. */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>

#include "flow.h"
#include "http.h"
#include "neigh.h"
#include "pkt.h"
#include "publish.h"
#include "shash.h"
#include "stats.h"
#include "tcp.h"

#define MAX_TRIES 8               /* connect attempts per request */

static void count_decision(struct worker *w, const struct rs_decision *d)
{
	switch (d->why) {
	case RS_WHY_DEFAULT: w->st.cnt[CNT_decisions_default]++; break;
	case RS_WHY_INTERCEPT: w->st.cnt[CNT_decisions_intercept]++; break;
	case RS_WHY_PREVIEW: w->st.cnt[CNT_decisions_preview]++; break;
	}
	if (d->intercept >= 0)
		w->st.decisions[w->pub->slot[d->intercept]]++;
}

/* The physical end of what the buffer holds (contiguous and out of
 * order). */
static uint32_t buf_end(const struct flow *f)
{
	return phys(f, hbuf_extent(f));
}

/* Replace the buffer's bytes [AT, AT + OLD) (physical, inside the header)
 * with TEXT[0..LEN); bytes after them move. inj_len keeps the difference,
 * so phys() and the sequence offsets follow. */
static bool rewrite(struct flow *f, uint32_t at, uint32_t old,
		    const char *text, uint32_t len)
{
	uint32_t end = buf_end(f);

	if ((int32_t)f->inj_len + (int32_t)len - (int32_t)old > INJECT_ROOM)
		return false;
	memmove(f->hbuf + at + len, f->hbuf + at + old, end - at - old);
	memcpy(f->hbuf + at, text, len);
	f->inj_len += len - old;
	return true;
}

/* Put TEXT before the header's final CRLF; bytes after it move up. */
static bool inject(struct flow *f, const char *text, uint32_t len)
{
	return rewrite(f, f->hdr_end + f->inj_len - 2, 0, text, len);
}

/* RFC 9112 section 3.2.2: an absolute-form target's authority wins over
 * Host, and the decision used it; make the Host the backend sees say the
 * same, so no server can read the request as meant for another host. */
static bool host_agree(struct worker *w, struct flow *f)
{
	const struct http_req *r = &w->req;

	if (r->target_len == 0 || r->target[0] == '/' || r->host == NULL)
		return true;      /* origin-form, '*': Host is what we used */
	int h = http_find_field(r, "host", 4, 0);
	if (h < 0)
		return true;      /* HTTP/1.0 without Host */
	const struct http_field *hf = &r->fields[h];
	/* The authority with its port: from the host to the path. */
	const char *a = r->host;
	const char *t_end = r->target + r->target_len;
	const char *e = a;
	while (e < t_end && *e != '/' && *e != '?')
		e++;
	uint32_t alen = (uint32_t)(e - a);
	if (alen == hf->value_len && memcmp(a, hf->value, alen) == 0)
		return true;
	char text[256];
	if (alen > sizeof(text))
		return false;
	memcpy(text, a, alen);
	return rewrite(f, (uint32_t)(hf->value - f->hbuf), hf->value_len, text, alen);
}

/* Dotted quad of IP_BE into P (at most 15 bytes); returns the length.
 * By hand: sprintf cost more than the whole rule decision (bench_dp). */
static unsigned fmt_ip(char *p, uint32_t ip_be)
{
	const uint8_t *b = (const uint8_t *)&ip_be;
	unsigned n = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			p[n++] = (char)('0' + v / 100);
		if (v >= 10)
			p[n++] = (char)('0' + v / 10 % 10);
		p[n++] = (char)('0' + v % 10);
		if (i < 3)
			p[n++] = '.';
	}
	return n;
}

static bool build_injection(struct flow *f, const struct rs_decision *d)
{
	char text[INJECT_ROOM + 64];
	unsigned n = 0;

	/* The backend sees our address; X-Forwarded-For says whose request
	 * it is (appended as its own line: recipients combine repeated
	 * fields into one list, RFC 9110 section 5.3). */
	memcpy(text, "X-Forwarded-For: ", 17);
	n = 17;
	n += fmt_ip(text + n, f->c.peer_ip);
	text[n++] = '\r';
	text[n++] = '\n';
	for (unsigned i = 0; i < d->n_inject; i++) {
		const struct rs_inject *in = &d->inject[i];
		if (n + in->name_len + in->value_len + 4 > INJECT_ROOM)
			return false;
		memcpy(text + n, in->name, in->name_len);
		n += in->name_len;
		text[n++] = ':';
		text[n++] = ' ';
		memcpy(text + n, in->value, in->value_len);
		n += in->value_len;
		text[n++] = '\r';
		text[n++] = '\n';
	}
	return inject(f, text, n);
}

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
	/* A VXLAN target's segments come back wrapped in 50 more bytes. */
	uint16_t mss = (uint16_t)(w->sh->ports[f->c.port].mtu - 40 -
				  (f->vxlan ? VXLAN_OVERHEAD : 0));
	uint32_t win = f->c_wnd << (f->c_ws_ok ? f->c_wscale : 0);

	/* The client's options, so the backend talks to it as it would
	 * directly; the MSS is what the client's side can carry. */
	if (f->c_mss < mss)
		mss = f->c_mss;
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
	if (m != NULL && flow_send_backend(w, f, m))
		retry = 1000;     /* RFC 6298 section 2.1: initial RTO 1 s */
	if (w->now + retry > f->conn_deadline)
		retry = f->conn_deadline > w->now ? f->conn_deadline - w->now : 0;
	flow_timer(w, f, retry);
}

static void connect_start(struct worker *w, struct flow *f)
{
	if (!flow_take_sport(w, f)) {
		flow_respond(w, f, 503);
		return;
	}
	f->state = FS_CONNECT;
	f->tries++;
	f->s_isn = isn_make(w, f->b.peer_ip, f->b.local_ip,
			    (uint32_t)f->b.local_port << 16 | f->b.peer_port);
	f->conn_deadline = w->now + w->sh->conf->dataplane.timeouts.connect_ms;
	w->st.cnt[CNT_backend_connects]++;
	f->t_conn = rte_rdtsc();
	flow_send_syn(w, f);
}

static uint64_t name_key(const char *name)
{
	return shash_bytes(name, strlen(name), 0x6e616d65);
}

/* The rules changed since F was decided: find its service (and tunnel)
 * again by name. Backends are retried among the service's current ones. */
static bool rebind(struct worker *w, struct flow *f, const struct steer_conf *c)
{
	int svc = -1, tun = -1;
	bool cluster = f->tunnel < 0;

	for (unsigned i = 0; i < c->n_services && svc < 0; i++)
		if (name_key(c->services[i].name) == f->svc_key)
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
			if (name_key(c->tunnels[i].name) == f->tun_key)
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

int flow_decide_rules(struct worker *w, struct flow *f)
{
	const struct ruleset *rs = w->pub->rs;
	const struct steer_conf *c = rs_conf(rs);
	struct rs_decision d;

	w->st.cnt[CNT_requests]++;
	f->n_req++;
	/* The listener index is the ruleset's: one published since the SYN
	 * may have moved or dropped it. */
	int l = rs_listener_find(rs, rte_be_to_cpu_32(f->c.local_ip),
				 rte_be_to_cpu_16(f->c.local_port));
	if (l < 0)
		return 503;
	f->listener = (uint16_t)l;
	uint64_t t0 = rte_rdtsc();
	int r = rs_decide(rs, w->pub->scratch[w->id], f->listener, &w->req, f->hash, &d);
	hist_add(w, HIST_decision, rte_rdtsc() - t0);
	if (r != 0)
		return 503;
	count_decision(w, &d);
	/* Health checks may have taken the ruleset's pick out: the same
	 * flow hash in the table without the down backends. */
	d.backend = hc_pick(dp_health_load(w->pub), d.service, f->hash, d.backend);
	f->service = (uint16_t)d.service;
	f->intercept = d.intercept;
	f->tunnel = d.tunnel;
	f->backend = d.backend;
	f->gen = w->pub->generation;
	f->svc_key = name_key(c->services[d.service].name);
	f->tun_key = d.tunnel >= 0 ? name_key(c->tunnels[d.tunnel].name) : 0;
	f->tries = 0;
	f->tried = 0;
	if (d.target == RS_TARGET_NONE)
		return 503;
	if (d.target != RS_TARGET_TUNNEL)
		f->tunnel = -1;
	if (!host_agree(w, f) || !build_injection(f, &d))
		return 431;
	return 0;
}

void flow_connect_target(struct worker *w, struct flow *f)
{
	const struct steer_conf *c = rs_conf(w->pub->rs);
	bool ok = f->tunnel >= 0 ? target_tunnel(w, f, c) : target_backend(w, f, c);

	if (!ok) {
		flow_connect_failed(w, f);
		return;
	}
	connect_start(w, f);
}


/* The next backend after a failure: walk Maglev's table (the one without
 * the backends health checks found down) from the flow's slot with a
 * stride, skipping those tried; bounded. */
static int32_t next_backend(const struct dp_pub *pub, const struct flow *f,
			    unsigned n_backends)
{
	const struct ruleset *rs = pub->rs;
	const struct dp_health *h = dp_health_load(pub);
	uint32_t size;
	const uint16_t *t = rs_maglev(rs, f->service, &size);
	const struct conf_service *cs = &rs_conf(rs)->services[f->service];

	if (t == NULL)
		return -1;        /* every backend drained */
	if (h != NULL && f->service < h->n_svc && h->svc[f->service].maglev)
		t = h->svc[f->service].maglev;
	for (uint32_t k = 1; k <= 64; k++) {
		uint16_t b = t[(f->hash + k * 2654435761u) % size];
		if (b == f->backend)
			continue;
		if (b >= 64 || !(f->tried & (1ull << b)))
			return b;
	}
	for (unsigned b = 0; b < n_backends && b < 64; b++)
		if (!(f->tried & (1ull << b)) && !cs->backends[b].drained &&
		    !hc_is_down(h, f->service, (int32_t)b))
			return (int32_t)b;
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
		connect_start(w, f);
		return;
	}
	unsigned n = c->services[f->service].n_backends;
	if (f->backend >= 0 && f->backend < 64)
		f->tried |= 1ull << f->backend;
	int32_t next = f->tries < MAX_TRIES ? next_backend(w->pub, f, n) : -1;
	if (next < 0 || (unsigned)next >= n) {
		w->st.cnt[CNT_closed_connect_failed]++;
		flow_respond(w, f, 503);
		return;
	}
	w->st.cnt[CNT_backend_retries]++;
	f->backend = next;
	if (!target_backend(w, f, c)) {
		/* No route to it: counts as an attempt, so this recursion
		 * ends within MAX_TRIES. */
		f->tries++;
		flow_connect_failed(w, f);
		return;
	}
	connect_start(w, f);
}
