/* Reading the counters: summed over workers (and the main lcore), written
 * as one JSON object. */
#ifndef STEER_STATS_H
#define STEER_STATS_H

#include <stdio.h>

#include "dp.h"

/* Sum every worker's counters into OUT (its decisions array is malloc'd:
 * free with stats_release). Reads other lcores' counters without locks: a
 * value may be a burst old, never torn (64-bit aligned stores). */
void stats_sum(const struct dp_shared *sh, struct steer_stats *out);
void stats_release(struct steer_stats *s);

/* Write the counters as JSON (one object, newline-terminated). */
void stats_write_json(const struct dp_shared *sh, FILE *f);

#endif
