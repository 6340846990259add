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
 *                       and connects a new one; with --pool N the
 *                       old leg is parked instead and each request after
 *                       the first switch goes on an idle pooled leg:
 *                       bench_dp_ka_pool.c); and the header parse alone,
 *                       for comparison
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
 *                 [--ka-requests N] [--pool N]
 *
 * --pool N: dataplane.pool_max = N (default 0: off) and the switching
 * series runs on pooled legs instead of closing and connecting; N must
 * exceed --ka-conns (each connection parks one leg before it takes one).
 * --nic-rx-cksum: every frame the peers send carries the RX checksum
 * verdicts a NIC with checksum offload gives (IPv4 and L4 GOOD), which
 * steerd believes on the underlay: what a run costs on such a NIC.
 *        bench_dp --workers 2 [--only splice64|conn|handoff] [...]:
 *                 bench_dp_workers.c
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
#include "http-int.h"
#include "http_frame_resp-int.h"
#include "pkt.h"

#define MAX_FLOWS 65536           /* the worker's flow table */

enum mode { M_SPLICE64, M_SPLICE1460, M_CONN, M_KA, M_HANDOFF, M__COUNT };
static const char *const mode_name[M__COUNT] = { "splice64", "splice1460", "conn", "ka",
						 "handoff" };

struct opts {
	bool quick;
	bool nic_rx_cksum;        /* frames in say "checksums good", as a NIC's */
	bool run[M__COUNT];
	unsigned workers;
	enum routing routing;
	unsigned flows, rounds, conns, batch, ka_conns, ka_requests;
	unsigned pool;            /* --pool: dataplane.pool_max */
};

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--quick] [--routing request|connection]\n"
		"       [--only splice64|splice1460|conn|ka] [--flows N] [--rounds N]\n"
		"       [--conns N] [--batch N] [--ka-conns N] [--ka-requests N]\n"
		"       [--pool N (> --ka-conns; the switching series on pooled legs)]\n"
		"       [--http-path scalar|sse4.2|avx2] [--resp-path scalar|sse2|avx2]\n"
		"       [--nic-rx-cksum]\n"
		"       [--workers 2 [--only splice64|conn|handoff]]\n", prog);
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
			    .routing = ROUTING_REQUEST, .ka_conns = 1024, .ka_requests = 100,
			    .workers = 1 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--quick") == 0) {
			o->quick = true;
			continue;
		}
		if (strcmp(a, "--nic-rx-cksum") == 0) {
			o->nic_rx_cksum = true;
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
		} else if (strcmp(a, "--workers") == 0) {
			o->workers = num(v, 1, 2, argv[0]);
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
		} else if (strcmp(a, "--pool") == 0) {
			/* the worker caps it at max_flows / 4 */
			o->pool = num(v, 1, MAX_FLOWS / 4, argv[0]);
		} else if (strcmp(a, "--http-path") == 0) {
			/* the header parser's scan path (http-int.h), for
			 * every parse of the run */
			int i;
			for (i = 0; i < http_path_count() &&
				    strcmp(v, http_path_name(i)) != 0; i++)
				;
			if (http_path_use(i) != 0) {
				fprintf(stderr, "bench_dp: no scan path %s on this CPU\n", v);
				exit(2);
			}
		} else if (strcmp(a, "--resp-path") == 0) {
			/* the response-head framer's scan path
			 * (http_frame_resp-int.h), for every head of the run */
			int i;
			for (i = 0; i < hf_resp_path_count() &&
				    strcmp(v, hf_resp_path_name(i)) != 0; i++)
				;
			if (hf_resp_path_use(i) != 0) {
				fprintf(stderr, "bench_dp: no response scan path %s on this CPU\n", v);
				exit(2);
			}
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
	/* one worker: no hand-off; two: no 1460 B or keep-alive runs */
	if (o->workers == 1 ? only && o->run[M_HANDOFF] :
	    only && (o->run[M_SPLICE1460] || o->run[M_KA]))
		usage(argv[0]);
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
	/* Pooled: room in the pool for every connection's parked leg and
	 * one more; one worker, per-request routing. */
	if (o->pool && (o->pool <= o->ka_conns || o->workers > 1 ||
			o->routing != ROUTING_REQUEST))
		usage(argv[0]);
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
	static const unsigned pool_steps[] = { KS_SWP_REQ, KS_SWP_RESP };
	const unsigned *steps = r->pooled ? pool_steps : r->sw ? sw_steps : same_steps;
	unsigned n_steps = r->pooled || !r->sw ? 2 : 5;
	double reqs = (double)r->conns * r->requests;

	if (r->pooled)
		printf("switching target, pooled legs: requests alternate tunnel bob "
		       "and the web service; each parks its leg and takes an idle one "
		       "(the first switch, which connects, not timed)\n");
	else
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
	if (r->pooled)
		printf("pool_reuses %llu, backend_connects %llu\n",
		       (unsigned long long)r->pool_reuses,
		       (unsigned long long)r->backend_connects);
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
	printf("header parse alone (http_req_init + http_parse_request, %u B, %u times, "
	       "scan path %s): GET %.1f ns (cpu %.1f), with X-Dev %.1f ns (cpu %.1f)\n",
	       HDR_LEN, k->parses, http_path_name(http_path_current()), k->parse[0].cycles * tsc_ns / k->parses,
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
	if (o.workers > 1) {
		struct workers_opts w = {
			.routing = o.routing, .max_flows = MAX_FLOWS, .flows = o.flows,
			.rounds = o.rounds, .conns = o.conns, .batch = o.batch,
			.splice = o.run[M_SPLICE64], .conn = o.run[M_CONN],
			.handoff = o.run[M_HANDOFF],
		};
		return workers_main(argv[0], &w);
	}
	b.routing = o.routing;
	b.pool_max = o.pool;
	b.nic_rx_cksum = o.nic_rx_cksum;
	loadavg(load0, sizeof(load0));
	env_eal_init(argv[0], 512, 1);
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
			problems += o.pool ?
				ka_pool_run(&b, o.ka_conns, o.ka_requests,
					    id + o.ka_conns, &ka.sw) :
				ka_run(&b, true, o.ka_conns, o.ka_requests,
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
		       "bench_loop_ka_%s: %u; parses in each bench_loop_parse_get/_bob: %u\n",
		       ka.same.conns * ka.same.requests, o.pool ? "swp_*" : "sw_*",
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
