/* bench_dp: spliced forwarding. Established flows set up by real
 * handshakes through the worker, then data segments both ways with
 * increasing sequence numbers through the worker, io-forward and macswap;
 * the worker's output checked frame by frame. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_dp.h"
#include "pkt.h"

#define SAMPLE_EVERY 16           /* frames whose checksums are recomputed */

static const char splice_resp_head[] =
	"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
	"Content-Length: 1000000000000\r\n\r\n";

/* The backend's response head to each of the N flows of C (not timed): the
 * data segments after it are its body. */
static void splice_head(struct bench *b, struct peer_conn *c, unsigned n)
{
	unsigned len = sizeof(splice_resp_head) - 1;
	struct rte_mbuf **m = xcalloc(n, sizeof(*m));

	if (rte_pktmbuf_alloc_bulk(b->pool, m, n) != 0)
		die("peers' pool exhausted");
	for (unsigned i = 0; i < n; i++) {
		struct wire_tcp s = {
			.src_mac = &backend_mac[c[i].backend], .dst_mac = &inner_mac,
			.sip = backend_of(&c[i]), .dip = INNER_IP, .sport = BACKEND_PORT,
			.dport = c[i].sport, .seq = c[i].b_isn + 1,
			.ack = c[i].s_isn + 1 + c[i].fwd_len,
			.flags = TCP_ACK | TCP_PSH, .win = 502,
			.data = splice_resp_head, .len = len,
		};
		wire_write(m[i], &s);
	}
	env_feed(b, PORT_INNER, m, n);
	if (env_run(b, LOOP_SETUP, n, NULL) != n)
		die("the worker did not take the response heads in");
	unsigned k = env_collect(b, PORT_EDGE, m, n);
	if (k != n || env_collect(b, PORT_INNER, m + k, n - k) != 0 || env_drops(b)) {
		env_print_drops(b);
		die("response heads of the spliced flows not forwarded one for one");
	}
	for (unsigned i = 0; i < n; i++) {
		struct wire_pkt p;
		if (wire_parse(m[i], true, &p) != NULL || p.len != len ||
		    memcmp(p.data, splice_resp_head, len) != 0 ||
		    p.seq != c[i].r_isn + 1 || p.dport != c[i].c_port)
			die("a response head of the spliced flows came out wrong");
	}
	rte_pktmbuf_free_bulk(m, n);
	free(m);
	for (unsigned i = 0; i < n; i++)
		c[i].b_sent = len;
}

/* Set up FLOWS established flows by real handshakes through the worker,
 * BATCH at a time (each holds a header buffer until the backend ACKs),
 * each with its response head. */
void splice_setup(struct bench *b, struct splice *sp, unsigned flows,
			 unsigned batch)
{
	sp->n = flows;
	sp->c = xcalloc(flows, sizeof(*sp->c));
	sp->by_cport = xcalloc(65536, sizeof(uint32_t));
	sp->by_sport = xcalloc(65536, sizeof(uint32_t));
	sp->seen_c = xcalloc(flows, sizeof(uint32_t));
	sp->seen_b = xcalloc(flows, sizeof(uint32_t));
	for (unsigned i = 0, id = 0; i < flows; i++) {
		id = conn_next(b, &sp->c[i], id);
		sp->c[i].kind = REQ_POST;
	}
	for (unsigned i = 0; i < flows; i += batch) {
		unsigned n = flows - i < batch ? flows - i : batch;
		if (conn_play(b, sp->c + i, n, PH_SYN, PH_ESTABLISHED, NULL, NULL) != 0)
			die("setting up the spliced flows failed");
	}
	for (unsigned i = 0; i < flows; i += WINDOW_MAX)
		splice_head(b, sp->c + i, flows - i < WINDOW_MAX ? flows - i : WINDOW_MAX);
	for (unsigned i = 0; i < flows; i++) {
		sp->by_cport[sp->c[i].c_port] = i + 1;
		sp->by_sport[sp->c[i].sport] = i + 1;
	}
	if (b->w->st.cnt[CNT_flows_active] != flows)
		die("the spliced flows are not all active");
}

static uint32_t payload_sum;
static uint8_t pattern[PAYLOAD_MAX];

/* Round R's frames into M: the client segment of each flow of the round's
 * window into M[0, w), the backend's into M[w, 2w); queued on their ports. */
static void splice_prep(struct bench *b, struct splice *sp, unsigned r, unsigned w,
			unsigned size, struct rte_mbuf **m)
{
	for (unsigned j = 0; j < w; j++) {
		const struct peer_conn *c = &sp->c[((size_t)r * w + j) % sp->n];
		struct wire_tcp s = {
			.src_mac = &client_mac, .dst_mac = &edge_mac, .sip = c->c_ip,
			.dip = EDGE_IP, .sport = c->c_port, .dport = LISTEN_PORT,
			.seq = c->c_isn + 1 + HDR_LEN + c->c_sent,
			.ack = c->r_isn + 1 + c->b_sent,
			.flags = TCP_ACK | TCP_PSH, .win = 502, .len = size,
			.data_sum = payload_sum,
		};
		wire_write(m[j], &s);
		s = (struct wire_tcp){
			.src_mac = &backend_mac[c->backend], .dst_mac = &inner_mac,
			.sip = backend_of(c), .dip = INNER_IP, .sport = BACKEND_PORT,
			.dport = c->sport, .seq = c->b_isn + 1 + c->b_sent,
			.ack = c->s_isn + 1 + c->fwd_len + c->c_sent,
			.flags = TCP_ACK | TCP_PSH, .win = 502, .len = size,
			.data_sum = payload_sum,
		};
		wire_write(m[w + j], &s);
	}
	env_feed(b, PORT_EDGE, m, w);
	env_feed(b, PORT_INNER, m + w, w);
}

static unsigned splice_problem(const char *what, unsigned flow)
{
	if (problems < 10)
		fprintf(stderr, "bench_dp: spliced frame (flow %u): %s\n", flow, what);
	return 1;
}

/* Check one frame the worker forwarded on port P in round R. */
static unsigned splice_check(struct splice *sp, const struct rte_mbuf *m, unsigned p,
			     unsigned r, unsigned size, bool csum)
{
	struct wire_pkt k;
	const char *err = wire_parse(m, csum, &k);

	if (err)
		return splice_problem(err, 0);
	uint32_t i = p == PORT_EDGE ? sp->by_cport[k.dport] : sp->by_sport[k.sport];
	if (i-- == 0)
		return splice_problem("frame of no flow", 0);
	const struct peer_conn *c = &sp->c[i];
	uint32_t *seen = p == PORT_EDGE ? &sp->seen_b[i] : &sp->seen_c[i];
	if (*seen == r + 1)
		return splice_problem("forwarded twice", i);
	*seen = r + 1;
	if (p == PORT_EDGE) {
		/* the backend's segment, rewritten towards the client */
		if (!rte_is_same_ether_addr(&k.dst_mac, &client_mac) ||
		    !rte_is_same_ether_addr(&k.src_mac, &edge_mac) ||
		    k.sip != EDGE_IP || k.dip != c->c_ip || k.sport != LISTEN_PORT)
			return splice_problem("not rewritten listener -> client", i);
		if (k.seq != c->r_isn + 1 + c->b_sent ||
		    k.ack != c->c_isn + 1 + HDR_LEN + c->c_sent)
			return splice_problem("seq/ack not translated to the client's space", i);
	} else {
		if (!rte_is_same_ether_addr(&k.dst_mac, &backend_mac[c->backend]) ||
		    !rte_is_same_ether_addr(&k.src_mac, &inner_mac) ||
		    k.sip != INNER_IP || k.dip != backend_of(c) || k.dport != BACKEND_PORT)
			return splice_problem("not rewritten inner port -> backend", i);
		if (k.seq != c->s_isn + 1 + c->fwd_len + c->c_sent ||
		    k.ack != c->b_isn + 1 + c->b_sent)
			return splice_problem("seq/ack not translated to the backend's space", i);
	}
	if (k.flags != (TCP_ACK | TCP_PSH) || k.len != size)
		return splice_problem("flags or length changed", i);
	return 0;
}

/* N frames from B's pool into M, the payload pattern of SIZE bytes written
 * once after the headers: the router never touches it. Not thread-safe the
 * first time (the pattern is written): --workers runs it alone first. */
static void frames_alloc(struct bench *b, struct rte_mbuf **m, unsigned n,
			 unsigned size)
{
	if (rte_pktmbuf_alloc_bulk(b->pool, m, n) != 0)
		die("peers' pool exhausted");
	if (pattern[0] == 0 || payload_sum != wire_sum(pattern, size, 0)) {
		for (unsigned i = 0; i < PAYLOAD_MAX; i++)
			pattern[i] = (uint8_t)('A' + i % 58);
		payload_sum = wire_sum(pattern, size, 0);
	}
	for (unsigned i = 0; i < n; i++)
		memcpy(rte_pktmbuf_mtod_offset(m[i], uint8_t *, 54), pattern, PAYLOAD_MAX);
}

/* Take the 2W frames of round R out of TO's TX rings into M; exit if any
 * is missing or a drop counter moved past DROPS. With CHECK, check each
 * (every SAMPLE_EVERY-th with checksums) and advance the flows' byte
 * counts (the worker's rounds; io-forward's frames are not rewritten). */
static void round_check(struct bench *to, struct splice *sp, unsigned r, unsigned w,
			unsigned size, struct rte_mbuf **m, uint64_t drops, bool check)
{
	unsigned n0 = env_collect(to, PORT_EDGE, m, w);
	unsigned n1 = env_collect(to, PORT_INNER, m + n0, 2 * w - n0);

	if (n0 + n1 != 2 * w || n0 != w || env_drops(to) != drops || to->refused) {
		env_print_drops(to);
		fprintf(stderr, "bench_dp: FAILED: frames lost in a round "
			"(drop counters above if the router dropped them)\n");
		exit(1);
	}
	if (!check)
		return;
	for (unsigned i = 0; i < 2 * w; i++) {
		bool csum = i % SAMPLE_EVERY == 0;
		problems += splice_check(sp, m[i], i < n0 ? PORT_EDGE : PORT_INNER,
					 r, size, csum);
		sp->checked++;
		sp->summed += csum;
	}
	for (unsigned j = 0; j < w; j++) {
		struct peer_conn *c = &sp->c[((size_t)r * w + j) % sp->n];
		c->c_sent += size;
		c->b_sent += size;
	}
}

/* One size: ROUNDS rounds (and one to warm up), each the window's frames
 * through io-forward, macswap, then the worker, prepared afresh before each
 * so that every loop starts from the same cache state. The worker's output
 * is checked and the flows' byte counts advance. */
void splice_run(struct bench *b, struct splice *sp, unsigned size,
		       unsigned rounds, struct series out[3])
{
	static const enum loop_kind kinds[3] = { LOOP_IOFWD, LOOP_MACSWAP, LOOP_STEER };
	unsigned w = sp->n < WINDOW_MAX ? sp->n : WINDOW_MAX;
	struct rte_mbuf **m = xcalloc(2 * w, sizeof(*m));

	frames_alloc(b, m, 2 * w, size);
	for (unsigned k = 0; k < 3; k++)
		series_init(&out[k], rounds);
	/* Round 0 warms up (caches, the mempool's per-lcore cache) and is
	 * checked but not counted. */
	for (unsigned r = 0; r <= rounds; r++) {
		for (unsigned k = 0; k < 3; k++) {
			struct sample s = { 0 };
			uint64_t drops = env_drops(b);

			splice_prep(b, sp, r, w, size, m);
			b->now += kinds[k] == LOOP_STEER;   /* 1 ms per round */
			if (env_run(b, kinds[k], 2 * w, &s) != 2 * w)
				problems += splice_problem("the loop did not take every frame in", 0);
			round_check(b, sp, r, w, size, m, drops, kinds[k] == LOOP_STEER);
			if (r > 0)
				series_add(&out[k], &s, 2 * w);
		}
	}
	rte_pktmbuf_free_bulk(m, 2 * w);
	free(m);
}

void splice_handoff_run(struct bench *from, struct bench *to, struct splice *sp,
			unsigned size, unsigned rounds, struct series out[3])
{
	unsigned w = sp->n < HANDOFF_WINDOW ? sp->n : HANDOFF_WINDOW;
	struct rte_mbuf **m = xcalloc(2 * w, sizeof(*m));

	frames_alloc(to, m, 2 * w, size);
	/* round numbers start again: what earlier runs saw is forgotten */
	memset(sp->seen_c, 0, sp->n * sizeof(uint32_t));
	memset(sp->seen_b, 0, sp->n * sizeof(uint32_t));
	for (unsigned k = 0; k < 3; k++)
		series_init(&out[k], rounds);
	/* Rounds 0 and 1 warm up; each round is two, direct then handed
	 * off, so that both see the same flows. */
	for (unsigned r = 0; r < 2 * (rounds + 1); r += 2) {
		struct sample s[3] = { { 0 } };
		uint64_t d_to = env_drops(to), d_from = env_drops(from);

		splice_prep(to, sp, r, w, size, m);
		to->now++;
		if (env_run(to, LOOP_HANDOFF_DIRECT, 2 * w, &s[2]) != 2 * w)
			problems += splice_problem("the direct loop did not take every frame in", 0);
		round_check(to, sp, r, w, size, m, d_to, true);

		uint64_t handed = from->w->st.cnt[CNT_handoffs];
		splice_prep(from, sp, r + 1, w, size, m);
		from->now++;
		to->now++;
		if (env_run(from, LOOP_HANDOFF_IN, 2 * w, &s[0]) != 2 * w)
			problems += splice_problem("the wrong worker did not take every frame in", 0);
		if (from->w->st.cnt[CNT_handoffs] - handed != 2 * w ||
		    rte_ring_count(from->tx[PORT_EDGE]) || rte_ring_count(from->tx[PORT_INNER]))
			problems += splice_problem("a frame for the other worker was not handed off", 0);
		if (env_run(to, LOOP_HANDOFF_OUT, 2 * w, &s[1]) != 2 * w)
			problems += splice_problem("the owner did not take every hand-off in", 0);
		round_check(to, sp, r + 1, w, size, m, d_to, true);
		if (env_drops(from) != d_from)
			problems += splice_problem("the wrong worker dropped frames", 0);
		if (r > 0)
			for (unsigned k = 0; k < 3; k++)
				series_add(&out[k], &s[k], 2 * w);
	}
	rte_pktmbuf_free_bulk(m, 2 * w);
	free(m);
}
