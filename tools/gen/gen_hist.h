/* Latency histogram: log-linear buckets (16 per power of two, HDR
 * histogram style), so any percentile is within 1/16 (6.25 %) of the
 * true value, in a fixed 8 KiB whatever the range. Values are
 * microseconds. Pure C, no EAL. */
#ifndef STEER_GEN_HIST_H
#define STEER_GEN_HIST_H

#include <stdint.h>

#define GEN_HIST_SUB 16
#define GEN_HIST_BUCKETS (64 * GEN_HIST_SUB)

struct gen_hist {
	uint64_t n;
	uint64_t max;
	uint64_t sum;
	uint64_t bucket[GEN_HIST_BUCKETS];
};

void gen_hist_add(struct gen_hist *h, uint64_t v);

/* The value at quantile Q (0 < Q <= 1): the upper edge of the bucket
 * holding the ceil(Q * n)-th smallest value, capped at the maximum seen.
 * 0 when empty. */
uint64_t gen_hist_quantile(const struct gen_hist *h, double q);

/* Add every count of SRC to DST. */
void gen_hist_merge(struct gen_hist *dst, const struct gen_hist *src);

#endif
