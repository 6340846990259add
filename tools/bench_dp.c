/* bench_dp: what the dataplane costs per packet and per connection, in one
 * process on one lcore: the real worker (worker_input/worker_tick, the body
 * of worker_loop) fed from two ring ports (rte_eth_from_rings) where the
 * NICs would be, against testpmd-style io-forwarding over the same rings,
 * same mbufs, same bursts. No kernel, no second process.
 *
 *   spliced forwarding  N established flows (set up by real handshakes
 *                       through the worker), data segments both ways with
 *                       increasing sequence numbers, 64 B and 1460 B
 *                       payloads (1460: a full 1500 B IP packet)
 *   connection lives    handshake, 600 B header, decision, backend connect,
 *                       one request/response, FINs both ways, linger expiry
 *   keep-alive          requests on established connections: all to the
 *                       same target (the next header on the same backend
 *                       connection), or alternating between the web
 *                       service and a tunnel (every request closes a leg
 *                       and connects a new one); and the header parse
 *                       alone, for comparison
 *
 * The listener's routing is "request" (the default, as in steerd) or
 * "connection" (--routing). The spliced flows carry a POST whose body never
 * ends and a response with a Content-Length as long, so that in both modes
 * their data segments are body bytes (per request, framing follows them).
 *
 * It prints numbers and never judges timings (the aims are printed as met
 * or missed). It does check what the router sends, and exits 1 if a frame
 * is wrong or missing or a drop counter moved. Results and the commands
 * that produced them: docs/performance.md.
 *
 * usage: bench_dp [--quick] [--routing request|connection]
 *                 [--only splice64|splice1460|conn|ka] [--flows N]
 *                 [--rounds N] [--conns N] [--batch N] [--ka-conns N]
 *                 [--ka-requests N]
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>

#include "bench_dp.h"
#include "pkt.h"

#define MAX_FLOWS 65536           /* the worker's flow table */
#define WINDOW_MAX 4096           /* flows per round (frames: twice that) */
#define PAYLOAD_MAX 1460
#define SAMPLE_EVERY 16           /* frames whose checksums are recomputed */

enum mode { M_SPLICE64, M_SPLICE1460, M_CONN, M_KA, M__COUNT };
static const char *const mode_name[M__COUNT] = { "splice64", "splice1460", "conn", "ka" };

struct opts {
	bool quick;
	bool run[M__COUNT];
	enum routing routing;
	unsigned flows, rounds, conns, batch, ka_conns, ka_requests;
};

/* A series of timed runs of one loop: their sum, and each run's ns per
 * frame (or per connection) by the TSC (wall) and by the thread's CPU
 * time, which leaves out the time it was preempted. */
struct series {
	struct sample sum;
	double *tsc, *cpu;
	unsigned n;
};

static double tsc_ns;             /* ns per TSC cycle */
static unsigned problems;

static void die(const char *msg)
{
	fprintf(stderr, "bench_dp: %s\n", msg);
	exit(2);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL)
		die("out of memory");
	return p;
}

static void series_init(struct series *s, unsigned runs)
{
	memset(s, 0, sizeof(*s));
	s->tsc = xcalloc(runs, sizeof(double));
	s->cpu = xcalloc(runs, sizeof(double));
}

static void series_add(struct series *s, const struct sample *x, unsigned units)
{
	s->sum.cycles += x->cycles;
	s->sum.cpu_ns += x->cpu_ns;
	s->sum.instr += x->instr;
	s->sum.frames += x->frames;
	s->tsc[s->n] = (double)x->cycles * tsc_ns / units;
	s->cpu[s->n] = (double)x->cpu_ns / units;
	s->n++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *per, unsigned n)
{
	if (n == 0)
		return 0;
	double *v = xcalloc(n, sizeof(double));
	memcpy(v, per, n * sizeof(double));
	qsort(v, n, sizeof(double), cmp_double);
	double m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	return m;
}

static double minimum(const double *per, unsigned n)
{
	double m = n ? per[0] : 0;

	for (unsigned i = 1; i < n; i++)
		if (per[i] < m)
			m = per[i];
	return m;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");

	buf[0] = 0;
	if (f) {
		if (fgets(buf, (int)len, f) == NULL)
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

/* ---- spliced forwarding ------------------------------------------------- */

struct splice {
	struct peer_conn *c;
	unsigned n;
	uint32_t *by_cport;       /* client port -> flow + 1 */
	uint32_t *by_sport;       /* our source port -> flow + 1 */
	uint32_t *seen_c, *seen_b;/* round + 1 a flow's frame was last seen */
	uint64_t checked, summed; /* frames checked, with checksums */
};

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
static void splice_setup(struct bench *b, struct splice *sp, unsigned flows,
			 unsigned batch)
{
	sp->n = flows;
	sp->c = xcalloc(flows, sizeof(*sp->c));
	sp->by_cport = xcalloc(65536, sizeof(uint32_t));
	sp->by_sport = xcalloc(65536, sizeof(uint32_t));
	sp->seen_c = xcalloc(flows, sizeof(uint32_t));
	sp->seen_b = xcalloc(flows, sizeof(uint32_t));
	for (unsigned i = 0; i < flows; i++) {
		conn_init(&sp->c[i], i);
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

/* One size: ROUNDS rounds (and one to warm up), each the window's frames
 * through io-forward, macswap, then the worker, prepared afresh before each
 * so that every loop starts from the same cache state. The worker's output
 * is checked and the flows' byte counts advance. */
static void splice_run(struct bench *b, struct splice *sp, unsigned size,
		       unsigned rounds, struct series out[3])
{
	static const enum loop_kind kinds[3] = { LOOP_IOFWD, LOOP_MACSWAP, LOOP_STEER };
	unsigned w = sp->n < WINDOW_MAX ? sp->n : WINDOW_MAX;
	struct rte_mbuf **m = xcalloc(2 * w, sizeof(*m));

	if (rte_pktmbuf_alloc_bulk(b->pool, m, 2 * w) != 0)
		die("peers' pool exhausted");
	for (unsigned i = 0; i < PAYLOAD_MAX; i++)
		pattern[i] = (uint8_t)('A' + i % 58);
	payload_sum = wire_sum(pattern, size, 0);
	/* The payload is written once: the router never touches it. */
	for (unsigned i = 0; i < 2 * w; i++)
		memcpy(rte_pktmbuf_mtod_offset(m[i], uint8_t *, 54), pattern, PAYLOAD_MAX);
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
			unsigned n0 = env_collect(b, PORT_EDGE, m, w);
			unsigned n1 = env_collect(b, PORT_INNER, m + n0, 2 * w - n0);
			if (n0 + n1 != 2 * w || n0 != w || env_drops(b) != drops || b->refused) {
				env_print_drops(b);
				fprintf(stderr, "bench_dp: FAILED: frames lost in a round "
					"(drop counters above if the router dropped them)\n");
				exit(1);
			}
			if (r > 0)
				series_add(&out[k], &s, 2 * w);
			if (kinds[k] != LOOP_STEER)
				continue;
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
	}
	rte_pktmbuf_free_bulk(m, 2 * w);
	free(m);
}

/* ---- report -------------------------------------------------------------- */

static void print_head(void)
{
	printf("%-13s %7s %9s %7s %7s %7s %7s %7s %7s %9s\n", "loop", "payload",
	       "frames", "ns/pkt", "min", "mean", "cpu_ns", "cyc/pkt", "Mpps", "instr/pkt");
}

static void print_row(const char *name, unsigned size, const struct series *s)
{
	double n = s->sum.frames ? s->sum.frames : 1;
	double med = median(s->tsc, s->n);
	char instr[32] = "-";

	if (s->sum.instr)
		snprintf(instr, sizeof(instr), "%.0f", s->sum.instr / n);
	printf("%-13s %7u %9u %7.1f %7.1f %7.1f %7.1f %7.1f %7.2f %9s\n", name, size,
	       s->sum.frames, med, minimum(s->tsc, s->n), s->sum.cycles * tsc_ns / n,
	       median(s->cpu, s->n), med / tsc_ns, med > 0 ? 1000 / med : 0, instr);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--quick] [--routing request|connection]\n"
		"       [--only splice64|splice1460|conn|ka] [--flows N] [--rounds N]\n"
		"       [--conns N] [--batch N] [--ka-conns N] [--ka-requests N]\n", prog);
	exit(2);
}

static unsigned num(const char *s, unsigned lo, unsigned hi, const char *prog)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == 0 || *end != 0 || v < lo || v > hi)
		usage(prog);
	return (unsigned)v;
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	bool only = false, rounds = false, conns = false, ka_requests = false;

	*o = (struct opts){ .flows = 1000, .rounds = 1000, .conns = 204800, .batch = 1024,
			    .routing = ROUTING_REQUEST, .ka_conns = 1024, .ka_requests = 100 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--quick") == 0) {
			o->quick = true;
			continue;
		}
		if (v == NULL)
			usage(argv[0]);
		i++;
		if (strcmp(a, "--only") == 0) {
			unsigned m;
			for (m = 0; m < M__COUNT && strcmp(v, mode_name[m]) != 0; m++)
				;
			if (m == M__COUNT)
				usage(argv[0]);
			o->run[m] = only = true;
		} else if (strcmp(a, "--flows") == 0) {
			o->flows = num(v, 1, CLIENT_PORTS, argv[0]);
		} else if (strcmp(a, "--rounds") == 0) {
			o->rounds = num(v, 1, 100000000, argv[0]);
			rounds = true;
		} else if (strcmp(a, "--conns") == 0) {
			o->conns = num(v, 1, 1000000000, argv[0]);
			conns = true;
		} else if (strcmp(a, "--batch") == 0) {
			/* header buffers: min(max_flows, 2048) per worker */
			o->batch = num(v, 1, 2048, argv[0]);
		} else if (strcmp(a, "--ka-conns") == 0) {
			/* each holds a header buffer while its request is ours */
			o->ka_conns = num(v, 1, 2048, argv[0]);
		} else if (strcmp(a, "--ka-requests") == 0) {
			o->ka_requests = num(v, 1, 1000000, argv[0]);
			ka_requests = true;
		} else if (strcmp(a, "--routing") == 0) {
			if (strcmp(v, "request") == 0)
				o->routing = ROUTING_REQUEST;
			else if (strcmp(v, "connection") == 0)
				o->routing = ROUTING_CONNECTION;
			else
				usage(argv[0]);
		} else {
			usage(argv[0]);
		}
	}
	if (!only)
		for (unsigned m = 0; m < M__COUNT; m++)
			o->run[m] = true;
	if (o->quick && !rounds)
		o->rounds = 20;
	if (o->quick && !conns)
		o->conns = 4 * o->batch;
	if (o->quick && !ka_requests)
		o->ka_requests = 16;
	if (o->flows + o->batch > MAX_FLOWS - 1)
		usage(argv[0]);
	/* Keep-alive: the flows, and each connection's legs lingering after
	 * a switch (one per 4 ms of worker clock, linger_ms 40). */
	if (o->run[M_KA] && o->flows + 12 * o->ka_conns > MAX_FLOWS - 1)
		usage(argv[0]);
}

/* ---- connection lives --------------------------------------------------- */

struct lives {
	struct series steer[PH__COUNT], fwd[PH__COUNT];
	struct series life, life_fwd;   /* per batch, ns per connection */
	unsigned conns;
};

/* CONNS connection lives in batches of BATCH (after one untimed batch to
 * warm up), numbered from ID. */
static void lives_run(struct bench *b, struct lives *l, unsigned conns,
		      unsigned batch, uint32_t id)
{
	unsigned batches = (conns + batch - 1) / batch;
	struct peer_conn *cc = xcalloc(batch, sizeof(*cc));
	uint64_t closed0;

	for (unsigned p = 0; p < PH__COUNT; p++) {
		series_init(&l->steer[p], batches);
		series_init(&l->fwd[p], batches);
	}
	series_init(&l->life, batches);
	series_init(&l->life_fwd, batches);
	for (unsigned i = 0; i < batch; i++)
		conn_init(&cc[i], id++);
	problems += conn_play(b, cc, batch, PH_SYN, PH_EXPIRE, NULL, NULL);
	closed0 = b->w->st.cnt[CNT_closed_fin];
	l->conns = 0;
	for (unsigned k = 0; k < batches; k++) {
		unsigned n = conns - l->conns < batch ? conns - l->conns : batch;
		struct sample st[PH__COUNT], fw[PH__COUNT] = { { 0 } };
		struct sample s = { 0 }, f = { 0 };

		for (unsigned i = 0; i < n; i++)
			conn_init(&cc[i], id++);
		problems += conn_play(b, cc, n, PH_SYN, PH_EXPIRE, st, fw);
		for (unsigned p = 0; p < PH__COUNT; p++) {
			series_add(&l->steer[p], &st[p], n);
			series_add(&l->fwd[p], &fw[p], n);
			s.cycles += st[p].cycles;
			s.cpu_ns += st[p].cpu_ns;
			s.instr += st[p].instr;
			s.frames += st[p].frames;
			f.cycles += fw[p].cycles;
			f.cpu_ns += fw[p].cpu_ns;
			f.frames += fw[p].frames;
		}
		series_add(&l->life, &s, n);
		series_add(&l->life_fwd, &f, n);
		l->conns += n;
	}
	if (b->w->st.cnt[CNT_closed_fin] - closed0 != l->conns) {
		fprintf(stderr, "bench_dp: %llu connections closed by FIN, expected %u\n",
			(unsigned long long)(b->w->st.cnt[CNT_closed_fin] - closed0), l->conns);
		problems++;
	}
	free(cc);
}

static void lives_print(const struct lives *l, unsigned batch, unsigned linger_ms)
{
	double n = l->conns;

	printf("\nconnection lives: %u connections in batches of %u, %u frames in "
	       "and %u out each, linger_ms %u\n", l->conns, batch, PH_EXPIRE,
	       PH_EXPIRE + 1, linger_ms);
	printf("%-30s %7s %7s %7s %7s %9s\n", "phase (frame in -> out)", "ns/pkt",
	       "mean", "cpu_ns", "io-fwd", "instr/pkt");
	for (unsigned p = 0; p < PH__COUNT; p++) {
		const struct series *s = &l->steer[p];
		char instr[32] = "-";
		if (s->sum.instr)
			snprintf(instr, sizeof(instr), "%.0f", s->sum.instr / n);
		printf("%-30s %7.1f %7.1f %7.1f %7.1f %9s\n", phase_name[p],
		       median(s->tsc, s->n), s->sum.cycles * tsc_ns / n,
		       median(s->cpu, s->n), median(l->fwd[p].tsc, l->fwd[p].n), instr);
	}
	double med = median(l->life.tsc, l->life.n);
	double fmed = median(l->life_fwd.tsc, l->life_fwd.n);
	char instr[32] = "-";
	if (l->life.sum.instr)
		snprintf(instr, sizeof(instr), "%.0f", l->life.sum.instr / n);
	printf("%-13s %8s %8s %8s %8s %10s %8s\n", "per conn", "ns", "min", "mean",
	       "cpu_ns", "conns/s", "instr");
	printf("%-13s %8.1f %8.1f %8.1f %8.1f %10.0f %8s\n", "steer", med,
	       minimum(l->life.tsc, l->life.n), l->life.sum.cycles * tsc_ns / n,
	       median(l->life.cpu, l->life.n), med > 0 ? 1e9 / med : 0, instr);
	printf("%-13s %8.1f %8.1f %8.1f %8.1f %10.0f %8s\n", "io-forward", fmed,
	       minimum(l->life_fwd.tsc, l->life_fwd.n), l->life_fwd.sum.cycles * tsc_ns / n,
	       median(l->life_fwd.cpu, l->life_fwd.n), fmed > 0 ? 1e9 / fmed : 0, "-");
	printf("ratio: steer / io-forward (the same %u frames) connection rate %.4f\n",
	       PH_EXPIRE, fmed / med);
}

/* ---- keep-alive requests ------------------------------------------------ */

struct ka {
	struct ka_result same, sw;
	bool ran_sw;
	struct sample parse[2];         /* REQ_GET, REQ_BOB */
	unsigned parses;
};

static void ka_print_series(const struct ka_result *r, const struct lives *l)
{
	static const unsigned same_steps[] = { KS_REQ, KS_RESP };
	static const unsigned sw_steps[] = { KS_SW_REQ, KS_SW_SYNACK, KS_SW_OLDFIN,
					     KS_SW_RESP, KS_SW_EXPIRE };
	const unsigned *steps = r->sw ? sw_steps : same_steps;
	unsigned n_steps = r->sw ? 5 : 2;
	double reqs = (double)r->conns * r->requests;

	printf("%s: %s\n", r->sw ? "switching target" : "same target",
	       r->sw ? "requests alternate tunnel bob (X-Dev: bob) and the web "
		       "service; each closes a leg and connects a new one" :
		       "every request to the web service, on the leg it came on");
	printf("%-32s %9s %9s %9s %9s\n", "step (frame in -> out)", "ns/req",
	       "cpu_ns", "frames", "instr/req");
	for (unsigned j = 0; j < n_steps; j++) {
		const struct sample *s = &r->step[steps[j]];
		char instr[32] = "-";
		if (s->instr)
			snprintf(instr, sizeof(instr), "%.0f", s->instr / reqs);
		printf("%-32s %9.1f %9.1f %9u %9s\n", ka_step_name[steps[j]],
		       s->cycles * tsc_ns / reqs, s->cpu_ns / reqs, s->frames, instr);
	}
	uint64_t instr = 0, cycles = 0, cpu = 0;
	for (unsigned k = 0; k < KS__COUNT; k++) {
		instr += r->step[k].instr;
		cycles += r->step[k].cycles;
		cpu += r->step[k].cpu_ns;
	}
	double med = median(r->req_tsc, r->n);
	char in[32] = "-";
	if (instr)
		snprintf(in, sizeof(in), "%.0f", instr / reqs);
	printf("%-13s %8s %8s %8s %8s %10s %8s\n", "per request", "ns", "min", "mean",
	       "cpu_ns", "req/s", "instr");
	printf("%-13s %8.1f %8.1f %8.1f %8.1f %10.0f %8s\n", "steer", med,
	       minimum(r->req_tsc, r->n), cycles * tsc_ns / reqs,
	       median(r->req_cpu, r->n), med > 0 ? 1e9 / med : 0, in);
	if (l && l->conns) {
		double life = median(l->life.tsc, l->life.n);
		printf("against a connection life (%.1f ns): %.3f of it\n", life, med / life);
	}
	printf("served: web-a %llu, web-b %llu, bob %llu; frames in %.2f, out %.2f per "
	       "request; requests_same_leg %llu, rebinds %llu, legs_closed %llu\n",
	       (unsigned long long)r->served[0], (unsigned long long)r->served[1],
	       (unsigned long long)r->served[2], r->frames_in / reqs, r->frames_out / reqs,
	       (unsigned long long)r->same_leg, (unsigned long long)r->rebinds,
	       (unsigned long long)r->legs_closed);
}

static void ka_print(const struct ka *k, const struct lives *l, enum routing routing)
{
	printf("\nkeep-alive: %u connections, %u requests each after the first, %u B "
	       "headers, %u B responses (Content-Length), routing \"%s\"\n",
	       k->same.conns, k->same.requests, HDR_LEN, RESP_LEN,
	       routing == ROUTING_CONNECTION ? "connection" : "request");
	ka_print_series(&k->same, l);
	if (k->ran_sw)
		ka_print_series(&k->sw, l);
	else
		printf("switching target: not run (routing \"connection\" sends every "
		       "request of a connection where its first went)\n");
	printf("header parse alone (http_req_init + http_parse_request, %u B, %u times): "
	       "GET %.1f ns (cpu %.1f), with X-Dev %.1f ns (cpu %.1f)\n", HDR_LEN,
	       k->parses, k->parse[0].cycles * tsc_ns / k->parses,
	       (double)k->parse[0].cpu_ns / k->parses,
	       k->parse[1].cycles * tsc_ns / k->parses,
	       (double)k->parse[1].cpu_ns / k->parses);
}

int main(int argc, char **argv)
{
	static const unsigned sizes[2] = { 64, 1460 };
	static const char *const lname[3] = { "io-forward", "macswap", "steer splice" };
	struct opts o;
	struct bench b = { .linger_ms = 40 };
	char load0[128], load1[128];
	struct series res[2][3];
	bool ran[2] = { false, false };
	struct splice sp = { 0 };
	struct lives l = { 0 };
	struct ka ka = { 0 };

	parse_args(argc, argv, &o);
	b.routing = o.routing;
	loadavg(load0, sizeof(load0));
	env_eal_init(argv[0], 512);
	env_create(&b, MAX_FLOWS);
	tsc_ns = 1e9 / (double)rte_get_tsc_hz();
	uint64_t wall0 = wall_ns(), tsc0 = rte_rdtsc();

	printf("bench_dp: one worker on lcore %u (cpu %d), TSC %.3f MHz, burst %d, "
	       "two ring ports (net_ring), routing \"%s\"\n", rte_lcore_id(),
	       sched_getcpu(), rte_get_tsc_hz() / 1e6, BURST,
	       o.routing == ROUTING_CONNECTION ? "connection" : "request");
	printf("ns: median over runs by the TSC; min, mean: TSC; cpu_ns: median by "
	       "thread CPU time (no preemption)\n");
	if (b.perf_fd < 0)
		printf("instr: no hardware counter here (perf_event_open: %s); "
		       "count with callgrind\n", b.perf_err);

	if (o.run[M_SPLICE64] || o.run[M_SPLICE1460]) {
		splice_setup(&b, &sp, o.flows, o.batch);
		for (unsigned z = 0; z < 2; z++)
			if (o.run[M_SPLICE64 + z]) {
				splice_run(&b, &sp, sizes[z], o.rounds, res[z]);
				ran[z] = true;
			}
		printf("\nspliced forwarding: %u established flows, data both ways, "
		       "%u rounds of %u frames per loop\n", sp.n, o.rounds,
		       2 * (sp.n < WINDOW_MAX ? sp.n : WINDOW_MAX));
		print_head();
		for (unsigned z = 0; z < 2; z++)
			for (unsigned k = 0; ran[z] && k < 3; k++)
				print_row(lname[k], sizes[z], &res[z][k]);
		for (unsigned z = 0; z < 2; z++)
			if (ran[z])
				printf("ratio %u B: steer splice packet rate / io-forward's %.4f, "
				       "/ macswap's %.4f\n", sizes[z],
				       median(res[z][0].tsc, res[z][0].n) / median(res[z][2].tsc, res[z][2].n),
				       median(res[z][1].tsc, res[z][1].n) / median(res[z][2].tsc, res[z][2].n));
	}
	if (o.run[M_CONN]) {
		/* tuples apart from the spliced flows' */
		lives_run(&b, &l, o.conns, o.batch, o.flows);
		lives_print(&l, o.batch, b.linger_ms);
	}
	if (o.run[M_KA]) {
		/* tuples apart from the spliced flows' and the lives' */
		uint32_t id = o.flows + o.conns + o.batch;
		problems += ka_run(&b, false, o.ka_conns, o.ka_requests, id, &ka.same);
		if (o.routing == ROUTING_REQUEST) {
			problems += ka_run(&b, true, o.ka_conns, o.ka_requests,
					   id + o.ka_conns, &ka.sw);
			ka.ran_sw = true;
		}
		ka.parses = o.quick ? 20000 : 1000000;
		ka_parse(false, ka.parses, &ka.parse[0]);
		ka_parse(true, ka.parses, &ka.parse[1]);
		ka_print(&ka, &l, o.routing);
	}

	printf("\n");
	for (unsigned z = 0; z < 2; z++)
		if (ran[z]) {
			double r = median(res[z][0].tsc, res[z][0].n) /
				   median(res[z][2].tsc, res[z][2].n);
			printf("aim: spliced forwarding >= 50%% of the io-forward packet rate, "
			       "%u B: %.1f%% (%s)\n", sizes[z], 100 * r, r >= 0.5 ? "met" : "missed");
		}
	if (o.run[M_CONN]) {
		double rate = 1e9 / median(l.life.tsc, l.life.n);
		printf("aim: >= 1000000 connection lives per second per core: %.0f (%s)\n",
		       rate, rate >= 1e6 ? "met" : "missed");
	}
	printf("frames through each timed loop, warm-up included (divide callgrind's "
	       "counts by these): bench_loop_steer %llu, bench_loop_iofwd %llu, "
	       "bench_loop_macswap %llu; connections through each bench_loop_conn_*: %u\n",
	       (unsigned long long)b.ran[LOOP_STEER], (unsigned long long)b.ran[LOOP_IOFWD],
	       (unsigned long long)b.ran[LOOP_MACSWAP], l.conns);
	if (o.run[M_KA])
		printf("requests through bench_loop_ka_req/_resp: %u; through "
		       "bench_loop_ka_sw_*: %u; parses in each bench_loop_parse_get/_bob: %u\n",
		       ka.same.conns * ka.same.requests,
		       ka.ran_sw ? ka.sw.conns * ka.sw.requests : 0, ka.parses);
	loadavg(load1, sizeof(load1));
	printf("TSC against CLOCK_MONOTONIC over the run: %.5f\n",
	       (rte_rdtsc() - tsc0) * tsc_ns / (double)(wall_ns() - wall0));
	printf("checks: %llu spliced frames checked (%llu with checksums recomputed), "
	       "%u connections and %u keep-alive requests checked frame by frame, "
	       "%llu drops, %u problems\n",
	       (unsigned long long)sp.checked, (unsigned long long)sp.summed, l.conns,
	       ka.same.conns * ka.same.requests +
	       (ka.ran_sw ? ka.sw.conns * ka.sw.requests : 0),
	       (unsigned long long)env_drops(&b), problems);
	printf("load average: %s (start), %s (end)\n", load0, load1);
	if (env_drops(&b) != 0 || problems != 0) {
		env_print_drops(&b);
		fprintf(stderr, "bench_dp: FAILED: the router dropped or mangled frames\n");
		return 1;
	}
	rte_eal_cleanup();
	return 0;
}
