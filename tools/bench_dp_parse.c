/* The header parse alone, for the keep-alive series' comparison: what
 * flow_parse() runs over a complete 600 B header in the flow's buffer,
 * http_req_init() and http_parse_request(), N times in a named loop. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rte_cycles.h>

#include "bench_dp.h"
#include "http.h"

static struct http_req parse_req;

/* As flow_parse() runs it over a complete header in the flow's buffer. */
static inline unsigned parse_n(const char *buf, unsigned len, unsigned n)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++) {
		http_req_init(&parse_req);
		ok += http_parse_request(&parse_req, buf, len) == (int)len;
	}
	return ok;
}

/* One name per header, so callgrind splits them. */
BENCH_LOOP unsigned bench_loop_parse_get(const char *buf, unsigned len, unsigned n);
BENCH_LOOP unsigned bench_loop_parse_bob(const char *buf, unsigned len, unsigned n);
unsigned bench_loop_parse_get(const char *buf, unsigned len, unsigned n)
{
	return parse_n(buf, len, n);
}
unsigned bench_loop_parse_bob(const char *buf, unsigned len, unsigned n)
{
	return parse_n(buf, len, n);
}

static uint64_t thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ka_parse(bool bob, unsigned n, struct sample *s)
{
	static char buf[HDR_LEN + 64];

	conn_request(bob ? REQ_BOB : REQ_GET, 1, buf);
	uint64_t cpu0 = thread_ns();
	uint64_t c0 = rte_rdtsc_precise();
	unsigned ok = bob ? bench_loop_parse_bob(buf, HDR_LEN, n) :
			    bench_loop_parse_get(buf, HDR_LEN, n);
	uint64_t c1 = rte_rdtsc_precise();
	uint64_t cpu1 = thread_ns();
	if (ok != n) {
		fprintf(stderr, "bench_dp: http_parse_request refused the %s header\n",
			bob ? "REQ_BOB" : "REQ_GET");
		exit(2);
	}
	*s = (struct sample){ .cycles = c1 - c0, .cpu_ns = cpu1 - cpu0, .frames = n };
}
