/* Log-linear latency histogram (see gen_hist.h). */
#include <math.h>

#include "gen_hist.h"

/* Values below GEN_HIST_SUB get a bucket each; above, bucket = 16 per
 * power of two, indexed by the exponent and the next 4 bits. */
static unsigned bucket_of(uint64_t v)
{
	if (v < GEN_HIST_SUB)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v);  /* >= 4 */
	unsigned sub = (unsigned)(v >> (e - 4)) & (GEN_HIST_SUB - 1);
	return (e - 3) * GEN_HIST_SUB + sub;
}

/* Largest value that falls in bucket B. */
static uint64_t bucket_top(unsigned b)
{
	if (b < GEN_HIST_SUB)
		return b;
	unsigned e = b / GEN_HIST_SUB + 3, sub = b % GEN_HIST_SUB;
	uint64_t lo = ((uint64_t)(GEN_HIST_SUB + sub)) << (e - 4);
	return lo + (1ull << (e - 4)) - 1;
}

void gen_hist_add(struct gen_hist *h, uint64_t v)
{
	h->bucket[bucket_of(v)]++;
	h->n++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

uint64_t gen_hist_quantile(const struct gen_hist *h, double q)
{
	if (h->n == 0)
		return 0;
	uint64_t rank = (uint64_t)ceil(q * (double)h->n), seen = 0;
	if (rank == 0)
		rank = 1;
	for (unsigned b = 0; b < GEN_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank) {
			uint64_t top = bucket_top(b);
			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}

void gen_hist_merge(struct gen_hist *dst, const struct gen_hist *src)
{
	for (unsigned b = 0; b < GEN_HIST_BUCKETS; b++)
		dst->bucket[b] += src->bucket[b];
	dst->n += src->n;
	dst->sum += src->sum;
	if (src->max > dst->max)
		dst->max = src->max;
}
