/* Keep-alive connections, request by request (routing = "request"; with
 * "connection" only the same-target series runs, spliced byte for byte).
 * A batch of connections is set up by a connection life's first phases
 * (bench_dp_conn.c, not timed); then each makes REQUESTS more requests,
 * step by step across the batch as the connection lives go phase by
 * phase, every step's frames one timed run of the worker's loop; then
 * they close (not timed).
 *
 * The peers here are TCP-aware rather than scripted frame by frame: what
 * the router sends may come as several segments and with pure ACKs in
 * between, so each peer checks addresses, that every byte arrives once
 * and in order, and that no ACK covers bytes not sent; at the end of a
 * step what must have arrived is compared byte for byte (the forwarded
 * header with its X-Forwarded-For line, the response). A SYN must go to
 * the request's target, and the leg left behind must get a FIN after all
 * its bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "bench_dp.h"
#include "pkt.h"

const char *const ka_step_name[KS__COUNT] = {
	[KS_REQ] = "request -> backend (same leg)",
	[KS_RESP] = "response -> client",
	[KS_SW_REQ] = "request -> FIN old, SYN new",
	[KS_SW_SYNACK] = "new SYN-ACK -> request",
	[KS_SW_OLDFIN] = "old FIN+ACK -> ACK",
	[KS_SW_RESP] = "response -> client",
	[KS_SW_EXPIRE] = "last legs' linger expiry",
	[KS_SWP_REQ] = "request -> on a pooled leg",
	[KS_SWP_RESP] = "response -> client",
};

enum { PEER_WEB_A, PEER_WEB_B, PEER_BOB, N_PEERS };

/* One backend connection (leg) as its peer sees it. */
struct leg {
	uint8_t peer;             /* PEER_* */
	uint16_t sport;           /* our source port */
	uint32_t s_isn;           /* ours, learnt from the SYN */
	uint32_t s_rcv;           /* next byte the peer expects from us */
	uint32_t b_nxt;           /* the peer's next sequence number */
	bool live;                /* SYN seen (and not yet closed) */
	bool fin;                 /* our FIN came */
	bool peer_fin;            /* the peer sent its FIN */
	bool fin_acked;           /* we acknowledged the peer's FIN */
};

struct kconn {
	uint32_t id, c_ip;
	uint16_t c_port;
	uint32_t c_isn, r_isn;
	uint32_t c_nxt;           /* the client's next sequence number */
	uint32_t c_rcv;           /* next byte the client expects from us */
	uint32_t c_acked;         /* highest ACK we sent the client */
	uint8_t kind;             /* this request's enum req_kind */
	bool c_fin;               /* our FIN to the client came */
	struct leg leg, old;
	unsigned got_hdr, got_resp;
	char hdr[HDR_LEN + 128];  /* what the current leg received */
};

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	return x ^ (x >> 16);
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

/* ---- checking ------------------------------------------------------------ */

struct ka_run {
	struct bench *b;
	struct kconn *c;
	unsigned n;
	unsigned step;
	uint32_t *by_cport;       /* client port -> conn + 1 */
	uint32_t *by_sport;       /* our source port -> (conn + 1) << 1 | old */
	unsigned bad;
	uint64_t out;             /* frames the router sent */
};

static unsigned shown;

static unsigned ka_problem(const struct ka_run *r, const struct kconn *c, const char *what)
{
	if (shown++ < 10)
		fprintf(stderr, "bench_dp: keep-alive step \"%s\", connection %u: %s\n",
			ka_step_name[r->step], c ? c->id : 0, what);
	return 1;
}

/* A frame to the client. */
static unsigned to_client(struct ka_run *r, const struct wire_pkt *k)
{
	uint32_t i = r->by_cport[k->dport];
	char msg[128];

	if (i == 0 || i > r->n)
		return ka_problem(r, NULL, "frame to no client of the batch");
	struct kconn *c = &r->c[i - 1];
	if (!rte_is_same_ether_addr(&k->dst_mac, &client_mac) ||
	    !rte_is_same_ether_addr(&k->src_mac, &edge_mac) ||
	    k->sip != EDGE_IP || k->dip != c->c_ip || k->sport != LISTEN_PORT)
		return ka_problem(r, c, "client frame not addressed listener -> client");
	if (k->flags & (TCP_SYN | TCP_RST)) {
		snprintf(msg, sizeof(msg), "flags 0x%02x to the client", k->flags);
		return ka_problem(r, c, msg);
	}
	if (!(k->flags & TCP_ACK) || (int32_t)(k->ack - c->c_nxt) > 0)
		return ka_problem(r, c, "ACK to the client of bytes it never sent");
	if ((int32_t)(k->ack - c->c_acked) > 0)
		c->c_acked = k->ack;
	if (k->len) {
		if (k->seq != c->c_rcv) {
			snprintf(msg, sizeof(msg), "response bytes at %u, expected %u",
				 k->seq - c->r_isn, c->c_rcv - c->r_isn);
			return ka_problem(r, c, msg);
		}
		if (c->got_resp + k->len > RESP_LEN ||
		    memcmp(k->data, conn_response() + c->got_resp, k->len) != 0)
			return ka_problem(r, c, "response bytes not the backend's");
		c->got_resp += k->len;
		c->c_rcv += k->len;
	}
	if (k->flags & TCP_FIN) {
		if (k->seq + k->len != c->c_rcv || r->step != KS__COUNT)
			return ka_problem(r, c, "FIN to the client");
		c->c_fin = true;
		c->c_rcv++;
	}
	return 0;
}

/* A frame to a backend or to bob. */
static unsigned to_peer(struct ka_run *r, const struct wire_pkt *k, unsigned kth_syn)
{
	char msg[128];
	int p = -1;

	for (unsigned i = 0; i < N_PEERS; i++)
		if (k->dip == peer_ip(i) && k->dport == peer_port(i))
			p = (int)i;
	if (p < 0 || !rte_is_same_ether_addr(&k->dst_mac, peer_mac((unsigned)p)) ||
	    !rte_is_same_ether_addr(&k->src_mac, &inner_mac) || k->sip != INNER_IP)
		return ka_problem(r, NULL, "frame not addressed inner port -> backend or bob");
	if (k->flags & TCP_RST)
		return ka_problem(r, NULL, "RST to a backend");
	if (k->flags & TCP_SYN) {
		/* SYNs come in the order of the requests that caused them. */
		if (r->step != KS_SW_REQ || kth_syn >= r->n)
			return ka_problem(r, NULL, "SYN where none was due");
		struct kconn *c = &r->c[kth_syn];
		bool want_bob = c->kind == REQ_BOB;
		if ((p == PEER_BOB) != want_bob) {
			snprintf(msg, sizeof(msg), "request %s connected to %s",
				 want_bob ? "for bob" : "for the web service",
				 p == PEER_BOB ? "bob" : "a web backend");
			return ka_problem(r, c, msg);
		}
		if (c->leg.live)
			return ka_problem(r, c, "SYN while the old leg is still the flow's");
		if (k->mss == 0 || k->ws != 7 || !k->sackok)
			return ka_problem(r, c, "SYN without the client's options");
		c->leg = (struct leg){ .peer = (uint8_t)p, .sport = k->sport,
				       .s_isn = k->seq, .s_rcv = k->seq + 1, .live = true };
		r->by_sport[k->sport] = (uint32_t)(kth_syn + 1) << 1;
		c->got_hdr = 0;
		return 0;
	}
	uint32_t v = r->by_sport[k->sport];
	if (v >> 1 == 0 || v >> 1 > r->n)
		return ka_problem(r, NULL, "backend frame from no leg of the batch");
	struct kconn *c = &r->c[(v >> 1) - 1];
	struct leg *g = (v & 1) ? &c->old : &c->leg;
	if (g->peer != p || g->sport != k->sport)
		return ka_problem(r, c, "backend frame on another leg's port");
	if (!(k->flags & TCP_ACK) || (int32_t)(k->ack - g->b_nxt) > 0)
		return ka_problem(r, c, "ACK to a backend of bytes it never sent");
	if (k->len) {
		if (v & 1)
			return ka_problem(r, c, "data on the leg left behind");
		if (k->seq != g->s_rcv) {
			snprintf(msg, sizeof(msg), "request bytes at %u, expected %u",
				 k->seq - g->s_isn, g->s_rcv - g->s_isn);
			return ka_problem(r, c, msg);
		}
		if (c->got_hdr + k->len > sizeof(c->hdr))
			return ka_problem(r, c, "more request bytes than a header");
		memcpy(c->hdr + c->got_hdr, k->data, k->len);
		c->got_hdr += k->len;
		g->s_rcv += k->len;
	}
	if (k->flags & TCP_FIN) {
		if (k->seq + k->len != g->s_rcv || g->fin)
			return ka_problem(r, c, "FIN to a backend not after its last byte");
		g->fin = true;
		g->s_rcv++;
		if (!(v & 1) && r->step != KS__COUNT)
			return ka_problem(r, c, "FIN on the flow's own leg");
	}
	if (g->peer_fin && k->ack == g->b_nxt)
		g->fin_acked = true;
	return 0;
}

/* Check every frame the router sent in this step. */
static void ka_collect(struct ka_run *r)
{
	struct rte_mbuf **out = malloc(sizeof(*out) * (4 * r->n + 64));
	unsigned syns = 0;

	if (out == NULL) {
		fprintf(stderr, "bench_dp: out of memory\n");
		exit(2);
	}
	for (unsigned p = 0; p < N_PORTS; p++) {
		unsigned k = env_collect(r->b, p, out, 4 * r->n + 64);
		for (unsigned j = 0; j < k; j++) {
			struct wire_pkt pk;
			const char *err = wire_parse(out[j], true, &pk);
			if (err)
				r->bad += ka_problem(r, NULL, err);
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

/* The header the leg must have received: the request, then (per request)
 * X-Forwarded-For before the final CRLF. */
static unsigned forwarded(const struct ka_run *r, const struct kconn *c, char *buf)
{
	conn_request(c->kind, c->id, buf);
	if (r->b->routing == ROUTING_CONNECTION)
		return HDR_LEN;
	int n = sprintf(buf + HDR_LEN - 2, "X-Forwarded-For: %u.%u.%u.%u\r\n\r\n",
			c->c_ip >> 24, (c->c_ip >> 16) & 255, (c->c_ip >> 8) & 255,
			c->c_ip & 255);
	return HDR_LEN - 2 + (unsigned)n;
}

/* What must be true of C once step ST has run. */
static unsigned ka_check_conn(struct ka_run *r, struct kconn *c, unsigned st)
{
	char want[HDR_LEN + 64], msg[128];

	switch (st) {
	case KS_REQ:
	case KS_SW_SYNACK: {
		unsigned n = forwarded(r, c, want);
		if (c->got_hdr != n || memcmp(c->hdr, want, n) != 0) {
			snprintf(msg, sizeof(msg), "the leg received %u header bytes, "
				 "expected %u%s", c->got_hdr, n,
				 c->got_hdr == n ? " (different bytes)" : "");
			return ka_problem(r, c, msg);
		}
		return 0;
	}
	case KS_SW_REQ:
		if (!c->leg.live || c->leg.b_nxt != 0)
			return ka_problem(r, c, "no SYN to the request's target");
		if (!c->old.fin)
			return ka_problem(r, c, "no FIN on the leg left behind");
		return 0;
	case KS_SW_OLDFIN:
		if (!c->old.fin_acked)
			return ka_problem(r, c, "the old leg's FIN was not acknowledged");
		return 0;
	case KS_RESP:
	case KS_SW_RESP:
		if (c->got_resp != RESP_LEN) {
			snprintf(msg, sizeof(msg), "the client received %u response "
				 "bytes, expected %u", c->got_resp, RESP_LEN);
			return ka_problem(r, c, msg);
		}
		/* The header was acknowledged to the client by now. */
		if (c->c_acked != c->c_nxt)
			return ka_problem(r, c, "the request is not acknowledged to the client");
		return 0;
	default:
		return 0;
	}
}

/* ---- frames in ----------------------------------------------------------- */

static void seg_from_client(const struct kconn *c, struct wire_tcp *s)
{
	*s = (struct wire_tcp){ .src_mac = &client_mac, .dst_mac = &edge_mac,
		.sip = c->c_ip, .dip = EDGE_IP, .sport = c->c_port,
		.dport = LISTEN_PORT, .seq = c->c_nxt, .ack = c->c_rcv,
		.flags = TCP_ACK, .win = 502 };
}

static void seg_from_peer(const struct leg *g, struct wire_tcp *s)
{
	*s = (struct wire_tcp){ .src_mac = peer_mac(g->peer), .dst_mac = &inner_mac,
		.sip = peer_ip(g->peer), .dip = INNER_IP, .sport = peer_port(g->peer),
		.dport = g->sport, .seq = g->b_nxt, .ack = g->s_rcv,
		.flags = TCP_ACK, .win = 502 };
}

/* MSS 1460, SACK permitted, window shift 7: what Linux offers. */
static const uint8_t syn_opts[12] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7 };

/* C's frame of step ST into M (the peers' state moves past it). */
static void ka_frame(struct kconn *c, unsigned st, unsigned req, struct rte_mbuf *m)
{
	char buf[HDR_LEN];
	struct wire_tcp s;

	switch (st) {
	case KS_REQ:
	case KS_SW_REQ:
		conn_request(c->kind, c->id, buf);
		seg_from_client(c, &s);
		s.flags = TCP_ACK | TCP_PSH;
		s.data = buf;
		s.len = HDR_LEN;
		wire_write(m, &s);
		c->c_nxt += HDR_LEN;
		c->got_resp = 0;
		c->got_hdr = 0;
		return;
	case KS_SW_SYNACK: {
		uint32_t isn = mix32(c->id * 977u + req * 2u + 7u);
		seg_from_peer(&c->leg, &s);
		s.flags = TCP_SYN | TCP_ACK;
		s.seq = isn;
		s.ack = c->leg.s_isn + 1;
		s.win = 65160;
		s.opts = syn_opts;
		s.optlen = sizeof(syn_opts);
		wire_write(m, &s);
		c->leg.b_nxt = isn + 1;
		return;
	}
	case KS_SW_OLDFIN:
		seg_from_peer(&c->old, &s);
		s.flags = TCP_FIN | TCP_ACK;
		wire_write(m, &s);
		c->old.b_nxt++;
		c->old.peer_fin = true;
		return;
	case KS_RESP:
	case KS_SW_RESP:
		seg_from_peer(&c->leg, &s);
		s.flags = TCP_ACK | TCP_PSH;
		s.data = conn_response();
		s.len = RESP_LEN;
		wire_write(m, &s);
		c->leg.b_nxt += RESP_LEN;
		return;
	default:
		return;
	}
}

static unsigned step_port(unsigned st)
{
	return st == KS_REQ || st == KS_SW_REQ ? PORT_EDGE : PORT_INNER;
}

/* One step for every connection of R: frames in, one run of the worker's
 * loop (timed into S unless S is NULL), every frame out checked, then
 * what must hold afterwards. */
static void ka_step(struct ka_run *r, unsigned st, unsigned req, struct sample *s)
{
	struct bench *b = r->b;
	struct rte_mbuf **in = malloc(sizeof(*in) * (r->n ? r->n : 1));
	uint64_t drops = env_drops(b);
	unsigned total = st == KS_SW_EXPIRE ? 0 : r->n;

	if (in == NULL || (total && rte_pktmbuf_alloc_bulk(b->pool, in, total) != 0)) {
		fprintf(stderr, "bench_dp: peers' pool exhausted\n");
		exit(2);
	}
	r->step = st;
	if (st == KS_SW_REQ)
		for (unsigned i = 0; i < r->n; i++) {
			/* The leg about to be left behind. */
			struct kconn *c = &r->c[i];
			c->old = c->leg;
			c->old.fin = c->old.peer_fin = c->old.fin_acked = false;
			r->by_sport[c->old.sport] = (uint32_t)(i + 1) << 1 | 1;
			c->leg.live = false;
		}
	for (unsigned i = 0; i < total; i++)
		ka_frame(&r->c[i], st, req, in[i]);
	env_feed(b, step_port(st), in, total);
	b->now += st == KS_SW_EXPIRE ? b->linger_ms + 1u : 1u;
	b->phase = st;
	unsigned got = env_run(b, s ? LOOP_KA : LOOP_SETUP, total, s);
	if (got != total)
		r->bad += ka_problem(r, NULL, "the worker did not take every frame in");
	ka_collect(r);
	for (unsigned i = 0; i < r->n; i++)
		r->bad += ka_check_conn(r, &r->c[i], st);
	if (env_drops(b) != drops) {
		env_print_drops(b);
		r->bad += ka_problem(r, NULL, "drop counters moved");
	}
	free(in);
}

/* ---- closing (not timed) --------------------------------------------------- */

/* Client FIN, the backend's FIN+ACK, the client's last ACK, linger: as a
 * connection life ends, with the peers' own sequence numbers. */
static void ka_close(struct ka_run *r)
{
	struct bench *b = r->b;
	struct rte_mbuf **in = malloc(sizeof(*in) * (r->n ? r->n : 1));

	if (in == NULL) {
		fprintf(stderr, "bench_dp: out of memory\n");
		exit(2);
	}
	r->step = KS__COUNT;
	for (unsigned k = 0; k < 4; k++) {
		unsigned total = k == 3 ? 0 : r->n;
		uint64_t drops = env_drops(b);
		if (total && rte_pktmbuf_alloc_bulk(b->pool, in, total) != 0) {
			fprintf(stderr, "bench_dp: peers' pool exhausted\n");
			exit(2);
		}
		for (unsigned i = 0; i < total; i++) {
			struct kconn *c = &r->c[i];
			struct wire_tcp s;
			if (k == 1) {
				seg_from_peer(&c->leg, &s);
				s.flags = TCP_FIN | TCP_ACK;
				c->leg.b_nxt++;
				c->leg.peer_fin = true;
			} else {
				seg_from_client(c, &s);
				if (k == 0) {
					s.flags = TCP_FIN | TCP_ACK;
					c->c_nxt++;
				}
			}
			wire_write(in[i], &s);
		}
		env_feed(b, k == 1 ? PORT_INNER : PORT_EDGE, in, total);
		b->now += k == 3 ? b->linger_ms + 1u : 1u;
		if (env_run(b, LOOP_SETUP, total, NULL) != total)
			r->bad += ka_problem(r, NULL, "the worker did not take every frame in");
		ka_collect(r);
		if (env_drops(b) != drops) {
			env_print_drops(b);
			r->bad += ka_problem(r, NULL, "drop counters moved while closing");
		}
	}
	for (unsigned i = 0; i < r->n; i++) {
		const struct kconn *c = &r->c[i];
		if (!c->leg.fin || !c->c_fin || !c->leg.fin_acked)
			r->bad += ka_problem(r, c, "connection not closed by FINs both ways");
	}
	free(in);
}

/* ---- a series ------------------------------------------------------------- */

static double *xcalloc_d(unsigned n)
{
	double *p = calloc(n ? n : 1, sizeof(double));

	if (p == NULL) {
		fprintf(stderr, "bench_dp: out of memory\n");
		exit(2);
	}
	return p;
}

unsigned ka_run(struct bench *b, bool sw, unsigned conns, unsigned requests,
		uint32_t id, struct ka_result *res)
{
	struct peer_conn *pc = calloc(conns, sizeof(*pc));
	struct kconn *kc = calloc(conns, sizeof(*kc));
	struct ka_run r = { .b = b, .c = kc, .n = conns };
	const uint64_t *cnt = b->w->st.cnt;
	uint64_t active = cnt[CNT_flows_active];

	r.by_cport = calloc(65536, sizeof(uint32_t));
	r.by_sport = calloc(65536, sizeof(uint32_t));
	if (pc == NULL || kc == NULL || r.by_cport == NULL || r.by_sport == NULL) {
		fprintf(stderr, "bench_dp: out of memory\n");
		exit(2);
	}
	memset(res, 0, sizeof(*res));
	res->sw = sw;
	res->conns = conns;
	res->requests = requests;
	res->req_tsc = xcalloc_d(requests);
	res->req_cpu = xcalloc_d(requests);

	/* The first request: a connection life up to the client's ACK of
	 * the response (bench_dp_conn.c, through the untimed loop). */
	for (unsigned i = 0; i < conns; i++)
		conn_init(&pc[i], id + i);
	r.bad += conn_play(b, pc, conns, PH_SYN, PH_RESP_ACK, NULL, NULL);
	for (unsigned i = 0; i < conns; i++) {
		const struct peer_conn *p = &pc[i];
		kc[i] = (struct kconn){ .id = p->id, .c_ip = p->c_ip, .c_port = p->c_port,
			.c_isn = p->c_isn, .r_isn = p->r_isn,
			.c_nxt = p->c_isn + 1 + HDR_LEN, .c_rcv = p->r_isn + 1 + RESP_LEN,
			.c_acked = p->c_isn + 1 + HDR_LEN, .kind = REQ_GET };
		kc[i].leg = (struct leg){ .peer = p->backend, .sport = p->sport,
			.s_isn = p->s_isn, .s_rcv = p->s_isn + 1 + p->fwd_len,
			.b_nxt = p->b_isn + 1 + RESP_LEN, .live = true };
		r.by_cport[p->c_port] = i + 1;
		r.by_sport[p->sport] = (i + 1) << 1;
	}
	uint64_t rebinds = cnt[CNT_rebinds], legs = cnt[CNT_legs_closed];
	uint64_t same = cnt[CNT_requests_same_leg];
	uint64_t out0 = r.out;

	for (unsigned q = 0; q < requests; q++) {
		struct sample s[KS__COUNT] = { { 0 } };
		static const unsigned same_steps[] = { KS_REQ, KS_RESP };
		static const unsigned sw_steps[] = { KS_SW_REQ, KS_SW_SYNACK,
						     KS_SW_OLDFIN, KS_SW_RESP };
		const unsigned *steps = sw ? sw_steps : same_steps;
		unsigned n_steps = sw ? 4 : 2;
		/* Switching: odd requests go to bob, even ones back to the
		 * web service (the first, the set-up one, went there). */
		uint8_t kind = sw && q % 2 == 0 ? REQ_BOB : REQ_GET;

		for (unsigned i = 0; i < conns; i++)
			kc[i].kind = kind;
		for (unsigned j = 0; j < n_steps; j++)
			ka_step(&r, steps[j], q, &s[steps[j]]);
		if (sw && q + 1 == requests)
			ka_step(&r, KS_SW_EXPIRE, q, &s[KS_SW_EXPIRE]);
		struct sample t = { 0 };
		for (unsigned k = 0; k < KS__COUNT; k++) {
			res->step[k].cycles += s[k].cycles;
			res->step[k].cpu_ns += s[k].cpu_ns;
			res->step[k].instr += s[k].instr;
			res->step[k].frames += s[k].frames;
			t.cycles += s[k].cycles;
			t.cpu_ns += s[k].cpu_ns;
		}
		res->req_tsc[q] = (double)t.cycles * 1e9 / (double)rte_get_tsc_hz() / conns;
		res->req_cpu[q] = (double)t.cpu_ns / conns;
		for (unsigned i = 0; i < conns; i++)
			res->served[kc[i].leg.peer]++;
	}
	res->n = requests;
	res->rebinds = cnt[CNT_rebinds] - rebinds;
	res->legs_closed = cnt[CNT_legs_closed] - legs;
	res->same_leg = cnt[CNT_requests_same_leg] - same;
	res->frames_in = (uint64_t)conns * requests * (sw ? 4 : 2);
	res->frames_out = r.out - out0;

	ka_close(&r);
	if (cnt[CNT_flows_active] != active)
		r.bad += ka_problem(&r, NULL, "flow entries not freed after the close");
	free(pc);
	free(kc);
	free(r.by_cport);
	free(r.by_sport);
	return r.bad;
}
