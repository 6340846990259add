/* bench_dp --workers 2: two workers on two lcores (one thread each), each
 * with its own queue pair on both ring ports, its own peers and clock.
 *
 *   scaling    spliced forwarding (64 B) and connection lives, on each
 *              worker alone (the other idle), then on both at once, each
 *              on its own flows (client_owner() picks which): the aggregate
 *              rate, the sum of the two workers' rates measured at the same
 *              time, against one worker's (the mean of the two alone)
 *   hand-off   spliced frames of worker 1's flows fed to worker 0 on
 *              purpose, so that every one goes over worker 1's hand-off
 *              ring, against the same frames fed to worker 1 itself: the
 *              ring's cost per handed-off frame, in ns and (callgrind,
 *              --toggle-collect='bench_loop_handoff_*') instructions
 *
 * The ratio is printed, never judged: on a machine shared with other work
 * the two threads do not get two whole cores. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "bench_dp.h"

#define N_W 2

/* What one worker's thread runs in a phase. */
struct job {
	struct bench *b;
	struct splice *sp;              /* spliced forwarding: its flows */
	struct series splice[3];        /* splice_run's io-fwd, macswap, steer */
	struct lives *l;                /* connection lives, or NULL */
	const struct workers_opts *o;
	uint32_t id;                    /* first connection number */
};

static int job_run(void *arg)
{
	struct job *j = arg;

	if (j->l)
		lives_run(j->b, j->l, j->o->conns, j->o->batch, j->id);
	else
		splice_run(j->b, j->sp, 64, j->o->rounds, j->splice);
	return 0;
}

/* Jobs J[0..n) at once, J[i] on worker i's lcore (J[0] on this one). */
static void run_together(struct job *j, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		if (rte_eal_remote_launch(job_run, &j[i], j[i].b->w->lcore) != 0)
			die("could not launch a worker's thread");
	job_run(&j[0]);
	rte_eal_mp_wait_lcore();
}

/* Job J alone on its worker's lcore, the other worker idle. */
static void run_alone(struct job *j)
{
	if (j->b->w->lcore == rte_lcore_id()) {
		job_run(j);
		return;
	}
	if (rte_eal_remote_launch(job_run, j, j->b->w->lcore) != 0)
		die("could not launch a worker's thread");
	rte_eal_wait_lcore(j->b->w->lcore);
}

/* Per second, from a series' median ns per unit. */
static double rate(const struct series *s)
{
	double m = median(s->tsc, s->n);

	return m > 0 ? 1e9 / m : 0;
}

static double rate_cpu(const struct series *s)
{
	double m = median(s->cpu, s->n);

	return m > 0 ? 1e9 / m : 0;
}

/* Each worker's rate alone (ALONE[i]) and at once (BOTH[i]); one worker's
 * rate is the mean of the two alone, so that neither core's speed skews
 * the ratio. */
static void print_scaling(const char *what, const char *unit,
			  const struct series *alone[N_W], const struct series *both[N_W])
{
	double (*const by[2])(const struct series *) = { rate, rate_cpu };
	static const char *const by_name[2] = { "by the TSC", "by thread CPU time" };

	printf("%-22s %-18s %12s %12s %12s %12s %12s %7s\n", what, unit, "w0 alone",
	       "w1 alone", "1 worker", "w0 at once", "w1 at once", "ratio");
	for (unsigned k = 0; k < 2; k++) {
		double one = 0, agg = 0;
		for (unsigned i = 0; i < N_W; i++) {
			one += by[k](alone[i]) / N_W;
			agg += by[k](both[i]);
		}
		printf("%-22s %-18s %12.0f %12.0f %12.0f %12.0f %12.0f %7.2f\n", "",
		       by_name[k], by[k](alone[0]), by[k](alone[1]), one,
		       by[k](both[0]), by[k](both[1]), one > 0 ? agg / one : 0);
	}
	printf("%-22s 2 workers at once: %.0f %s by the TSC, %.0f by thread CPU time\n", "",
	       by[0](both[0]) + by[0](both[1]), unit, by[1](both[0]) + by[1](both[1]));
}

static void print_handoff(const struct series out[3])
{
	static const char *const name[3] = { "wrong worker: in, hand on",
					     "owner: off the hand-off ring",
					     "owner: from its own queue" };
	double ns[3], cpu[3], instr[3];

	printf("\nhand-off: %u frames a round (64 B, both ways) of worker 1's flows fed "
	       "to worker 0, which hands every one to worker 1, against the same to "
	       "worker 1's own queues; %u rounds, one thread\n", out[0].sum.frames / out[0].n,
	       out[0].n);
	printf("%-30s %9s %8s %8s %9s\n", "loop", "frames", "ns/pkt", "cpu_ns", "instr/pkt");
	for (unsigned k = 0; k < 3; k++) {
		char in[32] = "-";
		double n = out[k].sum.frames ? out[k].sum.frames : 1;
		ns[k] = median(out[k].tsc, out[k].n);
		cpu[k] = median(out[k].cpu, out[k].n);
		instr[k] = out[k].sum.instr / n;
		if (out[k].sum.instr)
			snprintf(in, sizeof(in), "%.0f", instr[k]);
		printf("%-30s %9u %8.1f %8.1f %9s\n", name[k], out[k].sum.frames, ns[k],
		       cpu[k], in);
	}
	printf("hand-off cost per frame (in + off the ring - direct): %.1f ns, "
	       "%.1f ns by thread CPU time", ns[0] + ns[1] - ns[2], cpu[0] + cpu[1] - cpu[2]);
	if (out[0].sum.instr)
		printf(", %.0f instructions", instr[0] + instr[1] - instr[2]);
	printf("\n");
}

int workers_main(const char *prog, const struct workers_opts *o)
{
	static struct bench b[N_W];
	static struct splice sp[N_W];
	static struct lives l1[N_W], l2[N_W];
	struct job j[N_W];
	struct series ho[3];
	const struct series *both[N_W];
	char load0[128], load1[128];

	loadavg(load0, sizeof(load0));
	env_eal_init(prog, 1024, N_W);
	if (rte_lcore_count() < N_W)
		die("EAL gave fewer lcores than workers");
	b[0] = (struct bench){ .linger_ms = 40, .routing = o->routing };
	env_create_workers(b, N_W, o->max_flows);
	tsc_ns = 1e9 / (double)rte_get_tsc_hz();

	printf("bench_dp: %u workers, worker i on lcore i (", N_W);
	for (unsigned i = 0; i < N_W; i++)
		printf("%s%u", i ? ", " : "", b[i].w->lcore);
	printf("), TSC %.3f MHz, burst %d, two ring ports with a queue pair per "
	       "worker, routing \"%s\"\n", rte_get_tsc_hz() / 1e6, BURST,
	       o->routing == ROUTING_CONNECTION ? "connection" : "request");
	printf("rates: per second from each worker's median over runs (TSC, then "
	       "thread CPU time); 2 workers: the sum of both, measured at once\n");

	if (o->splice || o->handoff)
		for (unsigned i = 0; i < N_W; i++)
			splice_setup(&b[i], &sp[i], o->flows, o->batch);
	if (o->splice) {
		struct job alone[N_W];
		const struct series *a[N_W];
		for (unsigned i = 0; i < N_W; i++) {
			alone[i] = (struct job){ .b = &b[i], .sp = &sp[i], .o = o };
			run_alone(&alone[i]);
			a[i] = &alone[i].splice[2];
		}
		for (unsigned i = 0; i < N_W; i++)
			j[i] = (struct job){ .b = &b[i], .sp = &sp[i], .o = o };
		run_together(j, N_W);
		printf("\nspliced forwarding: %u flows per worker, 64 B both ways, "
		       "%u rounds of %u frames per worker\n", o->flows, o->rounds,
		       2 * (o->flows < WINDOW_MAX ? o->flows : WINDOW_MAX));
		for (unsigned i = 0; i < N_W; i++)
			both[i] = &j[i].splice[2];
		print_scaling("spliced frames", "frames/s", a, both);
	}
	if (o->conn) {
		/* numbers apart from the spliced flows' and each run's own
		 * (conn_next() skips those another worker owns) */
		uint32_t id = 2 * N_W * o->flows + 16, step = 2 * N_W * (o->conns + o->batch);
		const struct series *a[N_W];
		for (unsigned i = 0; i < N_W; i++) {
			struct job alone = { .b = &b[i], .l = &l1[i], .o = o, .id = id };
			run_alone(&alone);
			a[i] = &l1[i].life;
			id += step;
		}
		for (unsigned i = 0; i < N_W; i++)
			j[i] = (struct job){ .b = &b[i], .l = &l2[i], .o = o, .id = id };
		run_together(j, N_W);
		printf("\nconnection lives: %u per worker in batches of %u, linger_ms %u\n",
		       o->conns, o->batch, b[0].linger_ms);
		for (unsigned i = 0; i < N_W; i++)
			both[i] = &l2[i].life;
		print_scaling("connection lives", "lives/s", a, both);
	}
	if (o->handoff) {
		splice_handoff_run(&b[0], &b[1], &sp[1], 64, o->rounds, ho);
		print_handoff(ho);
	}

	uint64_t drops = 0;
	unsigned long long checked = 0;
	for (unsigned i = 0; i < N_W; i++) {
		drops += env_drops(&b[i]);
		checked += sp[i].checked;
	}
	loadavg(load1, sizeof(load1));
	printf("\nframes through each timed loop, warm-up included (divide callgrind's "
	       "counts by these): bench_loop_handoff_in %llu, _out %llu, _direct %llu\n",
	       (unsigned long long)b[0].ran[LOOP_HANDOFF_IN],
	       (unsigned long long)b[1].ran[LOOP_HANDOFF_OUT],
	       (unsigned long long)b[1].ran[LOOP_HANDOFF_DIRECT]);
	printf("checks: %llu spliced frames checked, %u connections checked frame by "
	       "frame, %llu drops, %u problems\n", checked,
	       l1[0].conns + l1[1].conns + l2[0].conns + l2[1].conns, (unsigned long long)drops,
	       (unsigned)problems);
	printf("load average: %s (start), %s (end)\n", load0, load1);
	if (drops != 0 || problems != 0) {
		for (unsigned i = 0; i < N_W; i++)
			env_print_drops(&b[i]);
		fprintf(stderr, "bench_dp: FAILED: the router dropped or mangled frames\n");
		return 1;
	}
	rte_eal_cleanup();
	return 0;
}
