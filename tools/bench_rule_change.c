/* bench_rule_change: what an intercept change costs as the number of
 * intercepts grows, through the code path steerctl's requests take: the
 * control command handler (ctrl_cmd_add / ctrl_cmd_remove on a parsed JSON
 * request), the derivation of the new rules (conf_derive, rs_derive), and
 * the publication (dp_publish) up to the moment a worker decides a request
 * by the new rules. It prints numbers and never judges them; it checks that
 * every change was accepted and that the worker's decision is the one the
 * change calls for (exit 1 otherwise). docs/performance.md, "Rule changes".
 *
 * A worker thread stands in for worker_loop(): it loads the publication,
 * and whenever the generation changes decides the probe request of the
 * change under way on that publication's ruleset with its scratch, then
 * reports a quiescent state, every iteration.
 *
 * usage: bench_rule_change [--sizes N,N,...] [--reps N] [--full]
 *   --full  also time one add through the text of the whole configuration
 *           (conf_dump + conf_load_string + rs_compile, as tunnel and
 *           backend changes still go), for comparison
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "conf.h"
#include "ctrl-int.h"
#include "dp.h"
#include "http.h"
#include "json.h"
#include "neigh.h"
#include "publish.h"
#include "rules.h"
#include "flow.h"
#include "worker.h"

#define MAX_SIZES 8
#define MAX_REPS 200

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_rule_change: %s: %s\n", what, why);
	exit(2);
}

static double clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Wall clock, the time that counts; and the handler thread's CPU time,
 * which on this shared machine leaves out the time it was preempted. */
static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_put(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_put(struct sbuf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			die("vsnprintf", "failed");
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n) * 2;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			die("config", "out of memory");
	}
}

/* bench_rules' mix (docs/performance.md, "Rule engine"): 94 % exact
 * intercept ids, 2 % regexes on x-user/x-dev/x-team, 2 % prefixes on
 * x-env, 1 % path-only, 1 % baggage members. */
static char *gen_config(unsigned n)
{
	static const char *const re_hdr[] = { "x-user", "x-dev", "x-team" };
	struct sbuf b = { 0 };
	unsigned n_re = 0;

	sb_put(&b,
	       "dataplane = { workers = 1; };\n"
	       "ports = ( { name = \"edge\"; device = \"net_null0\"; address = \"198.18.0.1/24\"; },\n"
	       "          { name = \"inner\"; device = \"net_null1\"; address = \"198.18.1.1/24\"; } );\n"
	       "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
	       "services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:8080\"; },"
	       " { address = \"198.18.1.11:8080\"; } ); } );\n"
	       "tunnels = (\n");
	for (unsigned t = 0; t < 16; t++)
		sb_put(&b, "  { name = \"t%u\"; type = \"direct\"; target = \"198.18.1.%u:9000\"; }%s\n",
		       t, t + 100, t < 15 ? "," : "");
	sb_put(&b, ");\nintercepts = (\n");
	for (unsigned i = 0; i < n; i++) {
		unsigned m = i % 100;
		sb_put(&b, "  { name = \"i%u\"; service = \"web\"; tunnel = \"t%u\"; ", i, i % 16);
		if (m < 94)
			sb_put(&b, "headers = ( { name = \"x-telepresence-intercept-id\"; "
			       "value = \"%08x-4a1b-9c2d:i%u\"; } );", i * 2654435761u, i);
		else if (m < 96)
			sb_put(&b, "headers = ( { name = \"%s\"; regex = \"^dev%u-[a-z]+$\"; } );",
			       re_hdr[n_re++ % 3], i);
		else if (m < 98)
			sb_put(&b, "headers = ( { name = \"x-env\"; prefix = \"feat-%u-\"; } );", i);
		else if (m < 99)
			sb_put(&b, "path_prefix = \"/svc/p%u/\";", i);
		else
			sb_put(&b, "headers = ( { baggage = \"devid\"; value = \"d%u\"; } );", i);
		sb_put(&b, " }%s\n", i + 1 < n ? "," : "");
	}
	sb_put(&b, ");\n");
	return b.p;
}

/* The change under way, for the worker thread: the request it decides
 * and the intercept that must (or, with EXPECT "", no intercept may)
 * take it. */
struct probe {
	char text[512];
	struct http_req req;
	char expect[CONF_NAME_MAX];
	uint64_t gen;             /* the generation that must route it */
	_Atomic double seen_ms;   /* when the worker first decided it so */
	_Atomic bool wrong;
};

static struct {
	struct dp_shared *sh;
	_Atomic(struct probe *) probe;
	atomic_bool stop;
} B;

static void *worker_thread(void *arg)
{
	struct dp_shared *sh = B.sh;
	uint64_t last = 0;

	(void)arg;
	/* EAL pinned the main thread (and so this one) to its lcore: a
	 * worker has a core of its own, or the two take turns in
	 * scheduler time slices and every change waits for one. */
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN); c++)
		if ((unsigned)c != rte_lcore_id() || sysconf(_SC_NPROCESSORS_ONLN) == 1)
			CPU_SET((int)c, &cpus);
	if (pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus) != 0)
		fprintf(stderr, "bench_rule_change: worker affinity not set\n");
	rte_rcu_qsbr_thread_register(sh->qsbr, 0);
	rte_rcu_qsbr_thread_online(sh->qsbr, 0);
	while (!atomic_load_explicit(&B.stop, memory_order_relaxed)) {
		struct dp_pub *p = dp_pub_load(sh);
		struct probe *q = atomic_load_explicit(&B.probe, memory_order_acquire);
		if (p->generation != last && q != NULL && p->generation >= q->gen) {
			struct rs_decision d;
			last = p->generation;
			if (rs_decide(p->rs, p->scratch[0], 0, &q->req, 1, &d) != 0)
				atomic_store(&q->wrong, true);
			const char *got = d.intercept >= 0 ?
				rs_conf(p->rs)->intercepts[d.intercept]->name : "";
			if (strcmp(got, q->expect) != 0)
				atomic_store(&q->wrong, true);
			atomic_store_explicit(&q->seen_ms, now_ms(), memory_order_release);
		}
		rte_rcu_qsbr_quiescent(sh->qsbr, 0);
	}
	rte_rcu_qsbr_thread_offline(sh->qsbr, 0);
	return NULL;
}

/* Run control request LINE through its handler as a steerctl request
 * would, with PROBE routed as it says once the reply is due. Returns the
 * ms from the call to the worker's first decision by the new rules; *REPLY_MS
 * gets the ms to the handler's return (after the grace period and the old
 * rules freed). */
static double change(const char *line, struct probe *q, double *reply_ms,
		     double *cpu_ms)
{
	const char *jerr = NULL;
	char cmd[64], err[256];
	struct jw w;

	http_req_init(&q->req);
	if (http_parse_request(&q->req, q->text, strlen(q->text)) != (int)strlen(q->text))
		die("probe request", q->text);
	q->gen = dp_pub_load(B.sh)->generation + 1;
	atomic_store(&q->seen_ms, 0.0);
	atomic_store(&q->wrong, false);
	atomic_store_explicit(&B.probe, q, memory_order_release);

	double c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
	double t0 = now_ms();
	if (json_parse(line, strlen(line), ctrl_nodes, MAX_NODES, &jerr) < 0 ||
	    !ctrl_get_str(&ctrl_nodes[0], "cmd", cmd, sizeof(cmd), true, err, sizeof(err)))
		die("request", line);
	jw_init(&w);
	if (strcmp(cmd, "intercept.add") == 0)
		ctrl_cmd_add(B.sh, &ctrl_nodes[0], true, &w);
	else
		ctrl_cmd_remove(B.sh, &ctrl_nodes[0], true, &w);
	double t1 = now_ms();
	*cpu_ms = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
	if (w.failed || strstr(w.buf, "\"ok\":true") == NULL)
		die("change refused", w.len ? w.buf : "no reply");
	jw_free(&w);
	double seen;
	while ((seen = atomic_load_explicit(&q->seen_ms, memory_order_acquire)) == 0.0)
		;
	if (atomic_load(&q->wrong)) {
		fprintf(stderr, "WRONG DECISION after %s: want '%s'\n", line, q->expect);
		exit(1);
	}
	atomic_store_explicit(&B.probe, NULL, memory_order_release);
	*reply_ms = t1 - t0;
	return seen - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* "median max" of the N samples in V */
static void stats(double *v, unsigned n, double *med, double *max)
{
	qsort(v, n, sizeof(*v), cmp_double);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*max = v[n - 1];
}

static void env_setup(const char *text)
{
	char err[1024];
	struct dp_shared *sh = calloc(1, sizeof(*sh));
	struct steer_conf *boot = conf_load_string(text, "bench.conf", err, sizeof(err));
	struct steer_conf *c = conf_load_string(text, "bench.conf", err, sizeof(err));

	if (sh == NULL || boot == NULL || c == NULL)
		die("configuration", err);
	struct ruleset *rs = rs_compile(c, err, sizeof(err));
	if (rs == NULL)
		die("rules", err);
	sh->conf = boot;
	sh->n_workers = 1;
	sh->n_ports = 2;
	sh->ports_per_worker = dp_ports_per_worker(1);
	sh->qsbr = rte_zmalloc("brc_qsbr", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	sh->slot_name = calloc(STEER_MAX_SLOTS, sizeof(char *));
	sh->slot_base = calloc(STEER_MAX_SLOTS, sizeof(uint64_t));
	sh->neigh = neigh_create();
	sh->ctrl_ring = rte_ring_create("brc_ctrl", 4096, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (sh->qsbr == NULL || rte_rcu_qsbr_init(sh->qsbr, 1) != 0 ||
	    sh->slot_name == NULL || sh->slot_base == NULL || sh->neigh == NULL ||
	    sh->ctrl_ring == NULL)
		die("shared state", "out of memory");
	int rc = worker_create(sh, 0, rte_lcore_id(), rs);
	if (rc != 0)
		die("worker_create", strerror(-rc));
	if (dp_publish(sh, rs, err, sizeof(err)) != 0)
		die("dp_publish", err);
	B.sh = sh;
}

/* As the packet harness frees its environment (no frame was sent). */
static void env_teardown(void)
{
	struct dp_shared *sh = B.sh;
	struct worker *w = sh->workers[0];

	flow_fini(w);
	rte_mempool_free(w->pool);
	rte_ring_free(w->handoff);
	rte_ring_free(w->txr);
	rte_free(w->st.decisions);
	rte_free(w);
	rte_ring_free(sh->ctrl_ring);
	rte_free(sh->neigh);
	dp_publish_fini(sh);
	conf_free((struct steer_conf *)sh->conf);
	rte_free(sh->qsbr);
	free(sh);
}

struct result {
	unsigned n;
	double add_med, add_max, rm_med, rm_max, add_reply, rm_reply, add_cpu, rm_cpu;
	double re_add, re_rm, full_ms, derive_cpu;
};

static void bench(unsigned n, unsigned reps, bool full, struct result *r)
{
	static double add[MAX_REPS], rm[MAX_REPS], add_rep[MAX_REPS], rm_rep[MAX_REPS];
	static double add_cpu[MAX_REPS], rm_cpu[MAX_REPS];
	static struct probe q;
	char line[1024];
	pthread_t th;

	char *text = gen_config(n);
	double t0 = now_ms();
	env_setup(text);
	fprintf(stderr, "# %u intercepts: load + compile + publish %.0f ms\n", n, now_ms() - t0);
	atomic_store(&B.stop, false);
	if (pthread_create(&th, NULL, worker_thread, NULL) != 0)
		die("pthread_create", strerror(errno));

	*r = (struct result){ .n = n };
	for (unsigned k = 0; k < reps; k++) {
		/* an exact intercept id, added then removed */
		snprintf(line, sizeof(line),
			 "{\"cmd\":\"intercept.add\",\"name\":\"bench%u\",\"service\":\"web\","
			 "\"tunnel\":\"t%u\",\"headers\":[{\"name\":\"x-telepresence-intercept-id\","
			 "\"value\":\"bench-%u:new\"}]}", k, k % 16, k);
		snprintf(q.text, sizeof(q.text), "GET / HTTP/1.1\r\nHost: web.test\r\n"
			 "X-Telepresence-Intercept-Id: bench-%u:new\r\n\r\n", k);
		snprintf(q.expect, sizeof(q.expect), "bench%u", k);
		add[k] = change(line, &q, &add_rep[k], &add_cpu[k]);
		snprintf(line, sizeof(line), "{\"cmd\":\"intercept.remove\",\"name\":\"bench%u\"}", k);
		q.expect[0] = '\0';
		rm[k] = change(line, &q, &rm_rep[k], &rm_cpu[k]);
	}
	stats(add, reps, &r->add_med, &r->add_max);
	stats(rm, reps, &r->rm_med, &r->rm_max);
	double dummy;
	stats(add_rep, reps, &r->add_reply, &dummy);
	stats(rm_rep, reps, &r->rm_reply, &dummy);
	stats(add_cpu, reps, &r->add_cpu, &dummy);
	stats(rm_cpu, reps, &r->rm_cpu, &dummy);

	/* a regex on x-user: recompiles x-user's database only */
	/* the derivation alone (conf_derive + rs_derive of an exact add),
	 * not published: the work, without the wait for the worker */
	static double der[MAX_REPS];
	for (unsigned k = 0; k < reps; k++) {
		char err[1024], grp[256];
		const struct ruleset *cur = dp_pub_load(B.sh)->rs;
		snprintf(grp, sizeof(grp), "{ name = \"d%u\"; service = \"web\"; tunnel = \"t0\"; "
			 "headers = ( { name = \"x-telepresence-intercept-id\"; value = \"d:%u\"; } ); }",
			 k, k);
		double c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
		struct steer_conf *nc = conf_derive(rs_conf(cur), grp, -1, err, sizeof(err));
		struct ruleset *rs = nc ? rs_derive(cur, nc, -1, true, err, sizeof(err)) : NULL;
		der[k] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		if (rs == NULL)
			die("derive", err);
		rs_free(rs);
	}
	stats(der, reps, &r->derive_cpu, &dummy);

	double re_add[3], re_rm[3], rep, cpu;
	for (unsigned k = 0; k < 3; k++) {
		snprintf(line, sizeof(line),
			 "{\"cmd\":\"intercept.add\",\"name\":\"re%u\",\"service\":\"web\","
			 "\"tunnel\":\"t1\",\"headers\":[{\"name\":\"x-user\","
			 "\"regex\":\"^bench%u-[a-z]+$\"}]}", k, k);
		snprintf(q.text, sizeof(q.text), "GET / HTTP/1.1\r\nHost: web.test\r\n"
			 "X-User: bench%u-zed\r\n\r\n", k);
		snprintf(q.expect, sizeof(q.expect), "re%u", k);
		re_add[k] = change(line, &q, &rep, &cpu);
		snprintf(line, sizeof(line), "{\"cmd\":\"intercept.remove\",\"name\":\"re%u\"}", k);
		q.expect[0] = '\0';
		re_rm[k] = change(line, &q, &rep, &cpu);
	}
	stats(re_add, 3, &r->re_add, &dummy);
	stats(re_rm, 3, &r->re_rm, &dummy);

	if (full) {
		/* the path every change took before: the whole text */
		char err[1024];
		struct conf_edit e = { .add_intercept =
			"{ name = \"fullpath\"; service = \"web\"; tunnel = \"t0\"; "
			"headers = ( { name = \"x-telepresence-intercept-id\"; value = \"full:1\"; } ); }" };
		t0 = now_ms();
		char *t = conf_dump(rs_conf(dp_pub_load(B.sh)->rs), &e, err, sizeof(err));
		struct steer_conf *c = t ? conf_load_string(t, "running-config", err, sizeof(err)) : NULL;
		struct ruleset *rs = c ? rs_compile(c, err, sizeof(err)) : NULL;
		if (rs == NULL)
			die("full path", err);
		r->full_ms = now_ms() - t0;
		free(t);
		rs_free(rs);
	}
	atomic_store(&B.stop, true);
	pthread_join(th, NULL);
	env_teardown();
	free(text);
}

int main(int argc, char **argv)
{
	unsigned sizes[MAX_SIZES] = { 1, 10000, 100000 }, n_sizes = 3, reps = 20;
	bool full = false;
	char prefix[64];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--full") == 0) {
			full = true;
		} else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
			reps = (unsigned)atoi(argv[++i]);
			if (reps == 0 || reps > MAX_REPS)
				die("--reps", "1..200");
		} else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
			n_sizes = 0;
			for (char *t = strtok(argv[++i], ","); t && n_sizes < MAX_SIZES;
			     t = strtok(NULL, ","))
				if ((sizes[n_sizes++] = (unsigned)atoi(t)) == 0)
					die("--sizes", "numbers >= 1");
		} else {
			die("usage", "bench_rule_change [--sizes N,N,...] [--reps N] [--full]");
		}
	}
	snprintf(prefix, sizeof(prefix), "steer-brc-%d", (int)getpid());
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "--no-telemetry", "-m", "512",
			"--file-prefix", prefix, "--log-level=lib.eal:error", NULL };
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		die("EAL init failed", rte_strerror(rte_errno));

	printf("ms from the command to the first request a worker decides by it\n"
	       "(exact: median and max of %u; reply: median to the handler's return;\n"
	       "cpu: median CPU time of the handler thread; derive: median CPU time of\n"
	       "conf_derive + rs_derive alone; regex: median of 3)\n\n", reps);
	printf("%10s  %13s  %13s  %9s  %9s  %7s  %6s  %6s  %12s  %11s%s\n", "intercepts",
	       "exact_add_ms", "exact_rm_ms", "add_reply", "rm_reply", "add_cpu",
	       "rm_cpu", "derive", "regex_add_ms", "regex_rm_ms",
	       full ? "  full_add_ms" : "");
	for (unsigned i = 0; i < n_sizes; i++) {
		struct result r;
		bench(sizes[i], reps, full, &r);
		printf("%10u  %6.2f %6.2f  %6.2f %6.2f  %9.2f  %9.2f  %7.2f  %6.2f  %6.2f  %12.1f  %11.1f",
		       r.n, r.add_med, r.add_max, r.rm_med, r.rm_max, r.add_reply,
		       r.rm_reply, r.add_cpu, r.rm_cpu, r.derive_cpu, r.re_add, r.re_rm);
		if (full)
			printf("  %11.1f", r.full_ms);
		printf("\n");
		fflush(stdout);
	}
	return 0;
}
