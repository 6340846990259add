/* Keep-alive switching on pooled legs (--pool N, routing "request"): the
 * switching series' requests (alternating tunnel bob and the web service)
 * with dataplane.pool_max = N, so a switch parks the quiet leg and the
 * next request for that target, on any connection of the batch, takes an
 * idle leg instead of connecting. The first switch (request 0, to bob)
 * connects (no leg to bob is idle yet) and is set-up, not timed; from
 * request 1 on every request must go on a pooled leg: no SYN, no FIN.
 *
 * Legs move between client connections, so the peers' state is per leg
 * (per target and our source port), not per connection: which connection
 * a request on a leg belongs to is read from the request itself (its
 * path carries the connection number), then every byte is compared. At
 * the end the clients close, the idle legs expire (FIN after
 * pool_idle_ms) and every leg must have closed both ways. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "bench_dp.h"
#include "pkt.h"

enum { PEER_WEB_A, PEER_WEB_B, PEER_BOB, N_PEERS };

struct pleg {
	uint8_t peer;
	uint16_t sport;
	uint32_t s_isn, s_rcv, b_nxt;
	uint32_t owner;           /* connection + 1 whose request it carries */
	bool fin, peer_fin;
	unsigned got;             /* request bytes this step */
	char hdr[HDR_LEN + 128];
};

struct pconn {
	uint32_t id, c_ip;
	uint16_t c_port;
	uint32_t r_isn, c_nxt, c_rcv, c_acked;
	uint8_t kind;
	bool c_fin, c_last;
	uint32_t leg;             /* slot + 1 of the leg it is on */
	unsigned got_resp;
};

struct pl_run {
	struct bench *b;
	struct pconn *c;
	unsigned n;
	uint32_t id0;
	struct pleg *leg;
	unsigned n_legs, cap;
	uint32_t *slot;           /* peer * 65536 + sport -> leg slot + 1 */
	uint32_t *by_cport;       /* client port -> connection + 1 */
	unsigned step, bad;
	bool closing, syn_ok;   /* closing; SYNs due (the first switch) */
	uint64_t out;
};

static unsigned shown;

static unsigned pl_problem(const struct pl_run *r, const struct pconn *c,
			   const char *what)
{
	if (shown++ < 10)
		fprintf(stderr, "bench_dp: pooled step \"%s\", connection %u: %s\n",
			r->step < KS__COUNT ? ka_step_name[r->step] : "set-up/close",
			c ? c->id : 0, what);
	return 1;
}

static uint32_t peer_ip(unsigned p)
{
	return p == PEER_BOB ? bob_ip : backend_ip[p];
}

static const struct rte_ether_addr *peer_mac(unsigned p)
{
	return p == PEER_BOB ? &bob_mac : &backend_mac[p];
}

static uint16_t peer_port(unsigned p)
{
	return p == PEER_BOB ? BOB_PORT : BACKEND_PORT;
}

static struct pleg *new_leg(struct pl_run *r, unsigned p, uint16_t sport)
{
	if (r->n_legs == r->cap) {
		fprintf(stderr, "bench_dp: pooled series: more legs than %u\n", r->cap);
		exit(2);
	}
	struct pleg *g = &r->leg[r->n_legs++];
	memset(g, 0, sizeof(*g));
	g->peer = (uint8_t)p;
	g->sport = sport;
	r->slot[p * 65536u + sport] = r->n_legs;
	return g;
}

/* ---- frames out ------------------------------------------------------------ */

static unsigned to_client(struct pl_run *r, const struct wire_pkt *k)
{
	uint32_t i = r->by_cport[k->dport];

	if (i == 0 || i > r->n)
		return pl_problem(r, NULL, "frame to no client of the batch");
	struct pconn *c = &r->c[i - 1];
	if (!rte_is_same_ether_addr(&k->dst_mac, &client_mac) || k->sip != EDGE_IP ||
	    k->dip != c->c_ip || k->sport != LISTEN_PORT)
		return pl_problem(r, c, "client frame not addressed listener -> client");
	if (k->flags & (TCP_SYN | TCP_RST))
		return pl_problem(r, c, "SYN or RST to the client");
	if (!(k->flags & TCP_ACK) || (int32_t)(k->ack - c->c_nxt) > 0)
		return pl_problem(r, c, "ACK to the client of bytes it never sent");
	if ((int32_t)(k->ack - c->c_acked) > 0)
		c->c_acked = k->ack;
	if (k->len) {
		if (k->seq != c->c_rcv)
			return pl_problem(r, c, "response bytes out of order");
		if (c->got_resp + k->len > RESP_LEN ||
		    memcmp(k->data, conn_response() + c->got_resp, k->len) != 0)
			return pl_problem(r, c, "response bytes not the backend's");
		c->got_resp += k->len;
		c->c_rcv += k->len;
	}
	if (k->flags & TCP_FIN) {
		if (k->seq + k->len != c->c_rcv || !r->closing || c->c_fin)
			return pl_problem(r, c, "FIN to the client");
		c->c_fin = true;
		c->c_rcv++;
	}
	return 0;
}

/* KTH_SYN: the SYN's rank in this step (SYNs follow the requests' order). */
static unsigned to_peer(struct pl_run *r, const struct wire_pkt *k, unsigned kth_syn)
{
	int p = -1;

	for (unsigned i = 0; i < N_PEERS; i++)
		if (k->dip == peer_ip(i) && k->dport == peer_port(i))
			p = (int)i;
	if (p < 0 || !rte_is_same_ether_addr(&k->dst_mac, peer_mac((unsigned)p)) ||
	    k->sip != INNER_IP)
		return pl_problem(r, NULL, "frame not addressed inner port -> backend or bob");
	if (k->flags & TCP_RST)
		return pl_problem(r, NULL, "RST to a backend");
	if (k->flags & TCP_SYN) {
		/* Only the first switch (to bob) connects. */
		if (!r->syn_ok || kth_syn >= r->n || p != PEER_BOB)
			return pl_problem(r, NULL, "SYN where a pooled leg was due");
		if (r->slot[(unsigned)p * 65536u + k->sport])
			return pl_problem(r, NULL, "SYN from a port already in use");
		struct pleg *g = new_leg(r, (unsigned)p, k->sport);
		g->s_isn = k->seq;
		g->s_rcv = k->seq + 1;
		g->owner = kth_syn + 1;
		r->c[kth_syn].leg = r->n_legs;
		return 0;
	}
	uint32_t v = r->slot[(unsigned)p * 65536u + k->sport];
	if (v == 0)
		return pl_problem(r, NULL, "backend frame on no leg of the batch");
	struct pleg *g = &r->leg[v - 1];
	if (!(k->flags & TCP_ACK) || (int32_t)(k->ack - g->b_nxt) > 0)
		return pl_problem(r, NULL, "ACK to a backend of bytes it never sent");
	if (k->len) {
		if (k->seq != g->s_rcv)
			return pl_problem(r, NULL, "request bytes out of order on a leg");
		if (g->got + k->len > sizeof(g->hdr))
			return pl_problem(r, NULL, "more request bytes than a header on a leg");
		memcpy(g->hdr + g->got, k->data, k->len);
		g->got += k->len;
		g->s_rcv += k->len;
	}
	if (k->flags & TCP_FIN) {
		if (k->seq + k->len != g->s_rcv || g->fin || !r->closing)
			return pl_problem(r, NULL, "FIN to a backend (a leg closed, not pooled)");
		g->fin = true;
		g->s_rcv++;
	}
	return 0;
}

static void pl_collect(struct pl_run *r)
{
	unsigned max = 4 * r->n + 64;
	struct rte_mbuf **out = xcalloc(max, sizeof(*out));
	unsigned syns = 0;

	for (unsigned p = 0; p < N_PORTS; p++) {
		unsigned k = env_collect(r->b, p, out, max);
		for (unsigned j = 0; j < k; j++) {
			struct wire_pkt pk;
			const char *err = wire_parse(out[j], true, &pk);
			if (err)
				r->bad += pl_problem(r, NULL, err);
			else if (p == PORT_EDGE)
				r->bad += to_client(r, &pk);
			else
				r->bad += to_peer(r, &pk, (pk.flags & TCP_SYN) ? syns++ : 0);
		}
		rte_pktmbuf_free_bulk(out, k);
		r->out += k;
	}
	free(out);
}

/* ---- checks after a step ----------------------------------------------------- */

static unsigned forwarded(const struct pconn *c, char *buf)
{
	conn_request(c->kind, c->id, buf);
	int n = sprintf(buf + HDR_LEN - 2, "X-Forwarded-For: %u.%u.%u.%u\r\n\r\n",
			c->c_ip >> 24, (c->c_ip >> 16) & 255, (c->c_ip >> 8) & 255,
			c->c_ip & 255);
	return HDR_LEN - 2 + (unsigned)n;
}

/* Every leg that received a header this step: whose is it (the number in
 * its path), the right target, every byte as forwarded. */
static void pl_check_req(struct pl_run *r, bool pooled)
{
	char want[HDR_LEN + 64];
	unsigned placed = 0;

	for (unsigned i = 0; i < r->n_legs; i++) {
		struct pleg *g = &r->leg[i];
		if (g->got == 0)
			continue;
		unsigned at = conn_request_id_at(g->peer == PEER_BOB ? REQ_BOB : REQ_GET);
		unsigned id = 0;
		for (unsigned j = 0; j < 8 && at + j < g->got; j++)
			id = id * 10 + (unsigned)(g->hdr[at + j] - '0');
		if (id < r->id0 || id - r->id0 >= r->n) {
			r->bad += pl_problem(r, NULL, "a leg received a header of no connection");
			g->got = 0;
			continue;
		}
		struct pconn *c = &r->c[id - r->id0];
		unsigned n = forwarded(c, want);
		if ((g->peer == PEER_BOB) != (c->kind == REQ_BOB))
			r->bad += pl_problem(r, c, "request on a leg to the wrong target");
		else if (g->got != n || memcmp(g->hdr, want, n) != 0)
			r->bad += pl_problem(r, c, "the leg's header is not the forwarded one");
		else if (pooled && c->leg == i + 1)
			r->bad += pl_problem(r, c, "request on the leg it just left");
		else {
			if (c->leg && r->leg[c->leg - 1].owner == id - r->id0 + 1)
				r->leg[c->leg - 1].owner = 0;
			g->owner = id - r->id0 + 1;
			c->leg = i + 1;
			placed++;
		}
		g->got = 0;
	}
	if (placed != r->n)
		r->bad += pl_problem(r, NULL, "not every request reached a leg");
}

static void pl_check_resp(struct pl_run *r)
{
	for (unsigned i = 0; i < r->n; i++) {
		const struct pconn *c = &r->c[i];
		if (c->got_resp != RESP_LEN)
			r->bad += pl_problem(r, c, "the client did not get the whole response");
		else if (c->c_acked != c->c_nxt)
			r->bad += pl_problem(r, c, "the request is not acknowledged to the client");
	}
}

/* ---- frames in ------------------------------------------------------------- */

static void seg_client(const struct pconn *c, struct wire_tcp *s)
{
	*s = (struct wire_tcp){ .src_mac = &client_mac, .dst_mac = &edge_mac,
		.sip = c->c_ip, .dip = EDGE_IP, .sport = c->c_port,
		.dport = LISTEN_PORT, .seq = c->c_nxt, .ack = c->c_rcv,
		.flags = TCP_ACK, .win = 502 };
}

static void seg_peer(const struct pleg *g, struct wire_tcp *s)
{
	*s = (struct wire_tcp){ .src_mac = peer_mac(g->peer), .dst_mac = &inner_mac,
		.sip = peer_ip(g->peer), .dip = INNER_IP, .sport = peer_port(g->peer),
		.dport = g->sport, .seq = g->b_nxt, .ack = g->s_rcv,
		.flags = TCP_ACK, .win = 502 };
}

static const uint8_t syn_opts[12] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7 };

enum { F_REQ, F_SYNACK, F_RESP };

static void pl_frame(struct pl_run *r, struct pconn *c, unsigned what, struct rte_mbuf *m)
{
	char buf[HDR_LEN];
	struct wire_tcp s;
	struct pleg *g = c->leg ? &r->leg[c->leg - 1] : NULL;

	if (what == F_REQ) {
		conn_request(c->kind, c->id, buf);
		seg_client(c, &s);
		s.flags = TCP_ACK | TCP_PSH;
		s.data = buf;
		s.len = HDR_LEN;
		c->c_nxt += HDR_LEN;
		c->got_resp = 0;
	} else if (what == F_SYNACK) {
		uint32_t isn = c->id * 2654435761u + 12345u;
		seg_peer(g, &s);
		s.flags = TCP_SYN | TCP_ACK;
		s.seq = isn;
		s.ack = g->s_isn + 1;
		s.win = 65160;
		s.opts = syn_opts;
		s.optlen = sizeof(syn_opts);
		g->b_nxt = isn + 1;
	} else {
		seg_peer(g, &s);
		s.flags = TCP_ACK | TCP_PSH;
		s.data = conn_response();
		s.len = RESP_LEN;
		g->b_nxt += RESP_LEN;
	}
	wire_write(m, &s);
}

/* Frame WHAT of every connection through the worker's loop: timed as step
 * ST into S, or set-up (S NULL). */
static void pl_step(struct pl_run *r, unsigned what, unsigned st, struct sample *s)
{
	struct bench *b = r->b;
	struct rte_mbuf **in = xcalloc(r->n, sizeof(*in));
	uint64_t drops = env_drops(b);

	if (rte_pktmbuf_alloc_bulk(b->pool, in, r->n) != 0) {
		fprintf(stderr, "bench_dp: peers' pool exhausted\n");
		exit(2);
	}
	r->step = s ? st : KS__COUNT;
	for (unsigned i = 0; i < r->n; i++)
		pl_frame(r, &r->c[i], what, in[i]);
	env_feed(b, what == F_REQ ? PORT_EDGE : PORT_INNER, in, r->n);
	b->now++;
	b->phase = st;
	if (env_run(b, s ? LOOP_KA : LOOP_SETUP, r->n, s) != r->n)
		r->bad += pl_problem(r, NULL, "the worker did not take every frame in");
	pl_collect(r);
	if (env_drops(b) != drops) {
		env_print_drops(b);
		r->bad += pl_problem(r, NULL, "drop counters moved");
	}
	free(in);
}

/* ---- closing (not timed) ----------------------------------------------------- */

/* Client FINs; then rounds of the peers' answers (a backend's FIN+ACK to
 * each FIN it got, a client's ACK of ours); when nothing is left to
 * answer, the idle legs' pool_idle_ms, then the linger. */
static void pl_close(struct pl_run *r)
{
	struct bench *b = r->b;
	unsigned max = r->n + r->n_legs;
	struct rte_mbuf **in = xcalloc(max, sizeof(*in));
	bool expired = false;

	r->closing = true;
	r->step = KS__COUNT;
	for (unsigned round = 0; round < 12; round++) {
		unsigned k = 0, port_of[2] = { 0, 0 };
		struct rte_mbuf **edge = in, **inner;
		uint64_t drops = env_drops(b);
		if (rte_pktmbuf_alloc_bulk(b->pool, in, max) != 0) {
			fprintf(stderr, "bench_dp: peers' pool exhausted\n");
			exit(2);
		}
		for (unsigned i = 0; i < r->n; i++) {
			struct pconn *c = &r->c[i];
			struct wire_tcp s;
			if (round == 0 || (c->c_fin && !c->c_last)) {
				seg_client(c, &s);
				if (round == 0) {
					s.flags = TCP_FIN | TCP_ACK;
					c->c_nxt++;
				} else {
					c->c_last = true;
				}
				wire_write(in[k++], &s);
			}
		}
		port_of[0] = k;
		inner = in + k;
		for (unsigned i = 0; round > 0 && i < r->n_legs; i++) {
			struct pleg *g = &r->leg[i];
			struct wire_tcp s;
			if (g->fin && !g->peer_fin) {
				seg_peer(g, &s);
				s.flags = TCP_FIN | TCP_ACK;
				g->b_nxt++;
				g->peer_fin = true;
				wire_write(in[k++], &s);
			}
		}
		port_of[1] = k - port_of[0];
		rte_pktmbuf_free_bulk(in + k, max - k);
		if (k == 0 && expired)
			break;
		if (k == 0) {
			b->now += b->sh->conf->dataplane.timeouts.pool_idle_ms + 1u;
			expired = true;
		} else {
			b->now++;
		}
		env_feed(b, PORT_EDGE, edge, port_of[0]);
		env_feed(b, PORT_INNER, inner, port_of[1]);
		if (env_run(b, LOOP_SETUP, k, NULL) != k)
			r->bad += pl_problem(r, NULL, "the worker did not take every frame in");
		pl_collect(r);
		if (env_drops(b) != drops) {
			env_print_drops(b);
			r->bad += pl_problem(r, NULL, "drop counters moved while closing");
		}
	}
	b->now += b->linger_ms + 1u;
	env_run(b, LOOP_SETUP, 0, NULL);
	pl_collect(r);
	for (unsigned i = 0; i < r->n; i++)
		if (!r->c[i].c_fin)
			r->bad += pl_problem(r, &r->c[i], "no FIN to the client after its own");
	for (unsigned i = 0; i < r->n_legs; i++)
		if (!r->leg[i].fin || !r->leg[i].peer_fin)
			r->bad += pl_problem(r, NULL, "a leg not closed by FINs both ways");
	free(in);
}

/* ---- the series ---------------------------------------------------------------- */

unsigned ka_pool_run(struct bench *b, unsigned conns, unsigned requests, uint32_t id,
		     struct ka_result *res)
{
	struct peer_conn *pc = xcalloc(conns, sizeof(*pc));
	struct pl_run r = { .b = b, .n = conns, .id0 = id, .cap = 2 * conns + 8 };
	const uint64_t *cnt = b->w->st.cnt;
	uint64_t active = cnt[CNT_flows_active];

	r.c = xcalloc(conns, sizeof(*r.c));
	r.leg = xcalloc(r.cap, sizeof(*r.leg));
	r.slot = xcalloc(N_PEERS * 65536u, sizeof(uint32_t));
	r.by_cport = xcalloc(65536, sizeof(uint32_t));
	memset(res, 0, sizeof(*res));
	res->sw = true;
	res->pooled = true;
	res->conns = conns;
	res->requests = requests;
	res->req_tsc = xcalloc(requests, sizeof(double));
	res->req_cpu = xcalloc(requests, sizeof(double));

	/* The connection's first request, as a connection life (bench_dp_conn.c). */
	for (unsigned i = 0; i < conns; i++)
		conn_init(&pc[i], id + i);
	r.bad += conn_play(b, pc, conns, PH_SYN, PH_RESP_ACK, NULL, NULL);
	for (unsigned i = 0; i < conns; i++) {
		const struct peer_conn *p = &pc[i];
		if (p->id != id + i) {
			fprintf(stderr, "bench_dp: pooled series: connection numbers not consecutive\n");
			exit(2);
		}
		r.c[i] = (struct pconn){ .id = p->id, .c_ip = p->c_ip, .c_port = p->c_port,
			.r_isn = p->r_isn, .c_nxt = p->c_isn + 1 + HDR_LEN,
			.c_rcv = p->r_isn + 1 + RESP_LEN, .c_acked = p->c_isn + 1 + HDR_LEN,
			.kind = REQ_GET };
		struct pleg *g = new_leg(&r, p->backend, p->sport);
		g->s_isn = p->s_isn;
		g->s_rcv = p->s_isn + 1 + p->fwd_len;
		g->b_nxt = p->b_isn + 1 + RESP_LEN;
		g->owner = i + 1;
		r.c[i].leg = r.n_legs;
		r.by_cport[p->c_port] = i + 1;
	}

	/* Request 0, to bob (set-up): the web leg is parked, bob connected. */
	for (unsigned i = 0; i < conns; i++) {
		r.c[i].kind = REQ_BOB;
		r.c[i].leg = 0;
	}
	r.syn_ok = true;
	pl_step(&r, F_REQ, KS_SWP_REQ, NULL);
	r.syn_ok = false;
	for (unsigned i = 0; i < conns; i++)
		if (r.c[i].leg == 0)
			r.bad += pl_problem(&r, &r.c[i], "no SYN to bob on the first switch");
	pl_step(&r, F_SYNACK, KS_SWP_REQ, NULL);
	pl_check_req(&r, false);
	pl_step(&r, F_RESP, KS_SWP_RESP, NULL);
	pl_check_resp(&r);

	uint64_t c0[4] = { cnt[CNT_pool_reuses], cnt[CNT_rebinds], cnt[CNT_legs_closed],
			   cnt[CNT_backend_connects] };
	uint64_t same = cnt[CNT_requests_same_leg], out0 = r.out;
	for (unsigned q = 1; q <= requests; q++) {
		struct sample s[KS__COUNT] = { { 0 } };
		uint8_t kind = q % 2 == 0 ? REQ_BOB : REQ_GET;
		for (unsigned i = 0; i < conns; i++)
			r.c[i].kind = kind;
		pl_step(&r, F_REQ, KS_SWP_REQ, &s[KS_SWP_REQ]);
		pl_check_req(&r, true);
		pl_step(&r, F_RESP, KS_SWP_RESP, &s[KS_SWP_RESP]);
		pl_check_resp(&r);
		struct sample t = { 0 };
		for (unsigned k = 0; k < KS__COUNT; k++) {
			res->step[k].cycles += s[k].cycles;
			res->step[k].cpu_ns += s[k].cpu_ns;
			res->step[k].instr += s[k].instr;
			res->step[k].frames += s[k].frames;
			t.cycles += s[k].cycles;
			t.cpu_ns += s[k].cpu_ns;
		}
		res->req_tsc[q - 1] = (double)t.cycles * 1e9 / (double)rte_get_tsc_hz() / conns;
		res->req_cpu[q - 1] = (double)t.cpu_ns / conns;
		for (unsigned i = 0; i < conns; i++)
			res->served[r.leg[r.c[i].leg - 1].peer]++;
	}
	res->n = requests;
	res->pool_reuses = cnt[CNT_pool_reuses] - c0[0];
	res->rebinds = cnt[CNT_rebinds] - c0[1];
	res->legs_closed = cnt[CNT_legs_closed] - c0[2];
	res->backend_connects = cnt[CNT_backend_connects] - c0[3];
	res->same_leg = cnt[CNT_requests_same_leg] - same;
	res->frames_in = (uint64_t)conns * requests * 2;
	res->frames_out = r.out - out0;
	if (res->pool_reuses != (uint64_t)conns * requests || res->backend_connects != 0)
		r.bad += pl_problem(&r, NULL, "a timed request did not go on a pooled leg");

	pl_close(&r);
	if (cnt[CNT_flows_active] != active)
		r.bad += pl_problem(&r, NULL, "flow entries not freed after the close");
	free(pc);
	free(r.c);
	free(r.leg);
	free(r.slot);
	free(r.by_cport);
	return r.bad;
}
