/* Reading the counters: summed over workers (and the main lcore), written
 * as one JSON object. */
#ifndef STEER_STATS_H
#define STEER_STATS_H

#include <stdbool.h>
#include <stdio.h>

#include "dp.h"

/* Sum every worker's counters into OUT (its decisions array is malloc'd:
 * free with stats_release). Reads other lcores' counters without locks: a
 * value may be a burst old, never torn (64-bit aligned stores). */
void stats_sum(const struct dp_shared *sh, struct steer_stats *out);
void stats_release(struct steer_stats *s);

/* Write the counters as JSON (one object, newline-terminated), with each
 * worker's own under "workers" if PER_WORKER. */
void stats_write_json(const struct dp_shared *sh, FILE *f, bool per_worker);

/* Count a duration of CYCLES (TSC) in histogram H. */
static inline void hist_add(struct worker *w, enum steer_hist h, uint64_t cycles)
{
	uint64_t ns = (cycles * w->ns_per_cycle_q20) >> 20;
	uint64_t units = ns / 100;
	unsigned b = units ? 64 - (unsigned)__builtin_clzll(units) : 0;

	/* Past the last bound it counts only towards +Inf. */
	w->st.hist[h][b < HIST_BUCKETS ? b : HIST_BUCKETS]++;
	w->st.hist_ns[h] += ns;
}

#endif
