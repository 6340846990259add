/* bench_rules: what a routing decision (rs_decide) and a ruleset compile
 * (rs_compile) cost as the number of intercepts grows. It prints numbers and
 * never judges timings; it does check every decision and exits 1 on a wrong
 * one. Results and the commands that produced them: docs/performance.md.
 *
 * usage: bench_rules [--quick] [--exact-only] [--sizes N,N,...]
 *   --quick       fewer decisions (a smoke run, or under callgrind)
 *   --exact-only  every intercept is an exact intercept id: the hash path
 *                 alone, without Hyperscan or baggage parsing
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "http.h"
#include "rules.h"

#define N_REQ 64                  /* request headers rotated through */
#define MAX_SIZES 16

/* The intercept mix of a cluster where most developers use Telepresence's
 * own intercept id (exact values) and a few write their own matchers. */
enum kind { K_EXACT, K_REGEX, K_PREFIX, K_PATH, K_BAGGAGE };

static bool exact_only;

static enum kind kind_of(unsigned i)
{
	unsigned m = i % 100;

	return exact_only || m < 94 ? K_EXACT : m < 96 ? K_REGEX :
	       m < 98 ? K_PREFIX : m < 99 ? K_PATH : K_BAGGAGE;
}

static const char *const regex_hdr[] = { "x-user", "x-dev", "x-team" };

/* Intercepts the requests are aimed at, by kind. */
struct set {
	unsigned n;
	unsigned *exact, n_exact;
	unsigned *xuser, n_xuser;     /* regex intercepts on x-user */
	unsigned *bag, n_bag;
	unsigned n_scan;              /* Hyperscan patterns generated */
};

struct req {
	char buf[1024];
	size_t len;
	int expect;                   /* intercept index, or -1: cluster */
	struct http_req parsed;
};

struct sbuf {
	char *p;
	size_t len, cap;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			die("vsnprintf failed");
		if ((size_t)n < b->cap - b->len)
			break;
		b->cap = (b->cap + (size_t)n) * 2;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			die("out of memory");
	}
	b->len += (size_t)n;
}

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t rng_state = 42;   /* fixed: every run sees the same requests */

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(mix64(rng_state++) % n);
}

/* A Telepresence-like session id (a UUID) for intercept I. */
static void session_of(unsigned i, char out[37])
{
	uint64_t a = mix64(i), b = mix64(a);

	snprintf(out, 37, "%08x-%04x-4%03x-a%03x-%012" PRIx64,
		 (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
		 (unsigned)a & 0xfff, (unsigned)(b >> 52),
		 (uint64_t)(b & 0xffffffffffffull));
}

/* Compile and load times are wall clock (CLOCK_MONOTONIC). Decision loops
 * use this thread's CPU time instead: on a shared machine a loop that is
 * preempted would otherwise count the other process's time as its own. */
static double now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The configuration text for N intercepts of one service; fills SET. */
static char *gen_config(unsigned n, struct set *set)
{
	struct sbuf b = { 0 };
	unsigned n_regex = 0;
	char sid[37];

	*set = (struct set){ .n = n };
	set->exact = malloc(sizeof(unsigned) * (n + 1));
	set->xuser = malloc(sizeof(unsigned) * (n + 1));
	set->bag = malloc(sizeof(unsigned) * (n + 1));
	if (!set->exact || !set->xuser || !set->bag)
		die("out of memory");
	sb_printf(&b,
		  "dataplane = { workers = 1; };\n"
		  "ports = ( { name = \"edge\"; device = \"net_null0\"; address = \"198.18.0.1/24\"; } );\n"
		  "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
		  "services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:8080\"; }, { address = \"198.18.1.11:8080\"; } ); } );\n"
		  "tunnels = (\n");
	for (unsigned t = 0; t < 16; t++)
		sb_printf(&b, "  { name = \"t%u\"; type = \"direct\"; target = \"198.18.2.%u:9000\"; }%s\n",
			  t, t + 1, t < 15 ? "," : "");
	sb_printf(&b, ");\nintercepts = (\n");
	for (unsigned i = 0; i < n; i++) {
		sb_printf(&b, "  { name = \"i%u\"; service = \"web\"; tunnel = \"t%u\"; ",
			  i, i % 16);
		switch (kind_of(i)) {
		case K_EXACT:
			session_of(i, sid);
			sb_printf(&b, "headers = ( { name = \"x-telepresence-intercept-id\"; value = \"%s:i%u\"; } );",
				  sid, i);
			set->exact[set->n_exact++] = i;
			break;
		case K_REGEX: {
			const char *h = regex_hdr[n_regex++ % 3];
			sb_printf(&b, "headers = ( { name = \"%s\"; regex = \"^dev%u-[a-z]+$\"; } );",
				  h, i);
			if (h == regex_hdr[0])
				set->xuser[set->n_xuser++] = i;
			set->n_scan++;
			break;
		}
		case K_PREFIX:
			sb_printf(&b, "headers = ( { name = \"x-env\"; prefix = \"feat-%u-\"; } );", i);
			set->n_scan++;
			break;
		case K_PATH:
			/* Alternate: path_prefix is scanned, path_equal hashed. */
			if ((i / 100) % 2 == 0) {
				sb_printf(&b, "path_prefix = \"/svc/p%u/\";", i);
				set->n_scan++;
			} else {
				sb_printf(&b, "path_equal = \"/svc/e%u\";", i);
			}
			break;
		case K_BAGGAGE:
			sb_printf(&b, "headers = ( { baggage = \"devid\"; value = \"d%u\"; } );", i);
			set->bag[set->n_bag++] = i;
			break;
		}
		sb_printf(&b, " }%s\n", i + 1 < n ? "," : "");
	}
	sb_printf(&b, ");\n");
	return b.p;
}

static const char *const ua[] = {
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
	"curl/8.5.0",
	"Go-http-client/1.1",
	"python-requests/2.31.0",
};
static const char *const path[] = {
	"/", "/api/v1/orders/1234", "/static/js/app.4f3c2a.js",
	"/api/v2/users/me?fields=name,email", "/healthz", "/cart/checkout",
	"/images/logo.svg", "/graphql",
};

/* Request R of N_REQ: 1/4 an existing intercept id, 1/4 an unknown one,
 * 1/8 a baggage member, 1/8 an x-user a regex matches, the rest plain. */
static void gen_request(const struct set *set, unsigned r, struct req *q)
{
	struct sbuf b = { 0 };
	unsigned k = r / 8, cls = r % 8, u = rnd(5), idx;
	char sid[37], devid[32] = "";

	q->expect = -1;
	sb_printf(&b, "%s %s HTTP/1.1\r\nHost: shop.example.test\r\nUser-Agent: %s\r\n",
		  r % 5 == 4 ? "POST" : "GET", path[rnd(8)], ua[u]);
	sb_printf(&b, "Accept: %s\r\n", u < 2 ?
		  "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" : "*/*");
	if (u < 2)
		sb_printf(&b, "Accept-Language: en-US,en;q=0.9,de;q=0.7\r\n");
	sb_printf(&b, "Accept-Encoding: gzip, deflate, br\r\n");
	switch (cls) {
	case 0: case 1:               /* existing id, spread over the ruleset */
		idx = set->exact[(k * 2 + cls) * set->n_exact / 16];
		session_of(idx, sid);
		sb_printf(&b, "X-Telepresence-Intercept-Id: %s:i%u\r\n", sid, idx);
		q->expect = (int)idx;
		break;
	case 2: case 3:               /* unknown id */
		session_of(set->n + r, sid);
		sb_printf(&b, "X-Telepresence-Intercept-Id: %s:i%u\r\n", sid, set->n + r);
		break;
	case 4:
		idx = set->n_bag ? set->bag[k * set->n_bag / 8] : set->n + r;
		snprintf(devid, sizeof(devid), ",devid=d%u", idx);
		q->expect = set->n_bag ? (int)idx : -1;
		break;
	case 5:
		idx = set->n_xuser ? set->xuser[k * set->n_xuser / 8] : set->n + r;
		sb_printf(&b, "X-User: dev%u-alice\r\n", idx);
		q->expect = set->n_xuser ? (int)idx : -1;
		break;
	default:                      /* plain; half say which env they hit */
		if (r % 2 == 0)
			sb_printf(&b, "X-Env: staging\r\n");
		break;
	}
	sb_printf(&b, "traceparent: 00-%016" PRIx64 "%016" PRIx64 "-%016" PRIx64 "-01\r\n",
		  mix64(r), mix64(r + 1000), mix64(r + 2000));
	if (r % 3 == 0)
		sb_printf(&b, "tracestate: rojo=00f067aa0ba902b7,congo=t61rcWkgMzE\r\n");
	sb_printf(&b, "baggage: userId=alice,serverNode=DF%%2028,isProduction=false%s\r\n",
		  devid);
	sb_printf(&b, "X-Forwarded-For: 198.18.%u.%u, 10.0.%u.%u\r\n",
		  rnd(256), rnd(256), rnd(256), rnd(256));
	/* Pad with a cookie to a size drawn from 400..800 bytes. */
	const char *tail = "\r\nConnection: keep-alive\r\n\r\n";
	size_t want = 400 + rnd(401);
	sb_printf(&b, "Cookie: sid=%016" PRIx64 "; _ga=GA1.2.1", mix64(r + 3000));
	for (size_t i = b.len + strlen(tail); i < want; i++)
		sb_printf(&b, "%c", "0123456789"[rnd(10)]);
	sb_printf(&b, "%s", tail);
	if (b.len >= sizeof(q->buf))
		die("request %u too long (%zu bytes)", r, b.len);
	memcpy(q->buf, b.p, b.len);
	q->len = b.len;
	free(b.p);

	http_req_init(&q->parsed);
	int ret = http_parse_request(&q->parsed, q->buf, q->len);
	if (ret != (int)q->len)
		die("request %u: http_parse_request returned %d (%s), want %zu:\n%.*s",
		    r, ret, http_error_str(q->parsed.error), q->len,
		    (int)q->len, q->buf);
}

/* The one assertion: an existing id goes to its intercept's tunnel, an
 * unknown one to the cluster. */
static void check(unsigned n, const struct req *q, const struct rs_decision *d)
{
	if (q->expect < 0 ? d->target == RS_TARGET_BACKEND && d->intercept == -1 :
	    d->target == RS_TARGET_TUNNEL && d->intercept == q->expect)
		return;
	fprintf(stderr, "WRONG DECISION with %u intercepts: want intercept %d, got target %d intercept %d for\n%.*s",
		n, q->expect, (int)d->target, (int)d->intercept, (int)q->len, q->buf);
	exit(1);
}

/* Request classes (by r % 8), timed apart to show what each costs. */
#define N_CLASS 5
static const char *const class_name[N_CLASS] = {
	"id_hit", "id_miss", "baggage", "x_user_regex", "plain" };
static const unsigned class_of[8] = { 0, 0, 1, 1, 2, 3, 4, 4 };

struct result {
	unsigned n, patterns;
	double compile_ms, decide_ns, parse_ns, class_ns[N_CLASS];
};

struct bench {
	struct ruleset *rs;
	struct rs_scratch *s;
	struct req req[N_REQ];
	unsigned n;
	unsigned long long decisions;   /* for callgrind: Ir / decisions */
};

/* ns per decision over ITERS decisions rotating through the requests whose
 * class bit is in MASK; with PARSE the header is parsed again each time.
 * Every decision is checked. */
static double run(struct bench *b, unsigned mask, unsigned long iters,
		  bool parse)
{
	const struct req *sel[N_REQ];
	unsigned n_sel = 0;
	struct http_req tmp;
	struct rs_decision d;

	for (unsigned r = 0; r < N_REQ; r++)
		if (mask & (1u << class_of[r % 8]))
			sel[n_sel++] = &b->req[r];
	double t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	for (unsigned long it = 0; it < iters; it++) {
		const struct req *q = sel[it % n_sel];
		const struct http_req *h = &q->parsed;
		if (parse) {
			http_req_init(&tmp);
			if (http_parse_request(&tmp, q->buf, q->len) != (int)q->len)
				die("parse failed in the loop");
			h = &tmp;
		}
		if (rs_decide(b->rs, b->s, 0, h, (uint32_t)mix64(it), &d) != 0)
			die("rs_decide: scratch too small");
		check(b->n, q, &d);
	}
	b->decisions += iters;
	return (now_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / (double)iters;
}

static void keep_min(double *best, double v)
{
	if (v < *best)
		*best = v;
}

static void bench(unsigned n, bool quick, struct result *res)
{
	static struct bench b;
	char err[512];
	struct set set;
	size_t min = SIZE_MAX, max = 0;

	char *text = gen_config(n, &set);
	double t0 = now_ns(CLOCK_MONOTONIC);
	struct steer_conf *c = conf_load_string(text, "bench.conf", err, sizeof(err));
	double load_ms = (now_ns(CLOCK_MONOTONIC) - t0) / 1e6;
	if (c == NULL)
		die("conf_load_string (%u intercepts): %s (%s)", n, err, strerror(errno));
	t0 = now_ns(CLOCK_MONOTONIC);
	b.rs = rs_compile(c, err, sizeof(err));
	*res = (struct result){ .n = n, .patterns = set.n_scan,
				.compile_ms = (now_ns(CLOCK_MONOTONIC) - t0) / 1e6,
				.decide_ns = 1e30, .parse_ns = 1e30 };
	if (b.rs == NULL)
		die("rs_compile (%u intercepts): %s (%s)", n, err, strerror(errno));
	b.s = rs_scratch_alloc(b.rs, NULL);
	if (b.s == NULL)
		die("rs_scratch_alloc: %s", strerror(errno));
	b.n = n;
	b.decisions = 0;

	rng_state = 42;
	for (unsigned r = 0; r < N_REQ; r++) {
		gen_request(&set, r, &b.req[r]);
		min = b.req[r].len < min ? b.req[r].len : min;
		max = b.req[r].len > max ? b.req[r].len : max;
	}
	/* One checked pass first, so caches and branch predictors are warm. */
	run(&b, ~0u, N_REQ, false);

	/* Best of 3: the run least disturbed by other processes. */
	unsigned long iters = quick ? 100000 : 4000000;
	for (unsigned k = 0; k < N_CLASS; k++)
		res->class_ns[k] = 1e30;
	for (int i = 0; i < (quick ? 1 : 3); i++) {
		keep_min(&res->decide_ns, run(&b, ~0u, iters, false));
		keep_min(&res->parse_ns, run(&b, ~0u, iters / 2, true));
		for (unsigned k = 0; k < N_CLASS; k++)
			keep_min(&res->class_ns[k], run(&b, 1u << k, iters / 4, false));
	}
	fprintf(stderr, "# %u intercepts: config %zu bytes, conf_load_string %.1f ms, requests %zu..%zu bytes, %llu decisions\n",
		n, strlen(text), load_ms, min, max, b.decisions);

	rs_scratch_free(b.s);
	rs_free(b.rs);
	free(text);
	free(set.exact);
	free(set.xuser);
	free(set.bag);
}

static unsigned parse_sizes(char *arg, unsigned *sizes)
{
	unsigned n = 0;
	char junk;

	for (char *t = strtok(arg, ","); t; t = strtok(NULL, ","), n++)
		if (n == MAX_SIZES || sscanf(t, "%u%c", &sizes[n], &junk) != 1 ||
		    sizes[n] == 0 || sizes[n] > 10000000)
			die("--sizes: up to %d numbers 1..10000000, comma-separated",
			    MAX_SIZES);
	return n;
}

int main(int argc, char **argv)
{
	unsigned sizes[MAX_SIZES] = { 1, 100, 10000, 100000 }, n_sizes = 4;
	struct result res[MAX_SIZES];
	const struct result *one = NULL, *big = NULL;
	bool quick = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			quick = true;
		else if (strcmp(argv[i], "--exact-only") == 0)
			exact_only = true;
		else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc)
			n_sizes = parse_sizes(argv[++i], sizes);
		else
			die("usage: %s [--quick] [--exact-only] [--sizes N,N,...]",
			    argv[0]);
	}

	printf("%10s  %11s  %10s  %9s  %15s  ratio_vs_%u\n", "intercepts",
	       "hs_patterns", "compile_ms", "decide_ns", "parse+decide_ns",
	       sizes[0]);
	for (unsigned i = 0; i < n_sizes; i++) {
		bench(sizes[i], quick, &res[i]);
		printf("%10u  %11u  %10.1f  %9.1f  %15.1f  %.2f\n", res[i].n,
		       res[i].patterns, res[i].compile_ms, res[i].decide_ns,
		       res[i].parse_ns, res[i].decide_ns / res[0].decide_ns);
		fflush(stdout);
		one = res[i].n == 1 ? &res[i] : one;
		big = res[i].n == 100000 ? &res[i] : big;
	}

	printf("\ndecide_ns by request class\n%10s", "intercepts");
	for (unsigned k = 0; k < N_CLASS; k++)
		printf("  %12s", class_name[k]);
	for (unsigned i = 0; i < n_sizes; i++) {
		printf("\n%10u", res[i].n);
		for (unsigned k = 0; k < N_CLASS; k++)
			printf("  %12.1f", res[i].class_ns[k]);
	}
	printf("\n\n");
	if (one && big)
		printf("aim: decide_ns(100000) / decide_ns(1) <= 1.5: %.2f (%s)\n",
		       big->decide_ns / one->decide_ns,
		       big->decide_ns <= 1.5 * one->decide_ns ? "met" : "missed");
	if (big)
		printf("aim: compile 100000 intercepts < 1000 ms: %.1f ms (%s)\n",
		       big->compile_ms, big->compile_ms < 1000 ? "met" : "missed");
	return 0;
}
