/* Publishing a ruleset to the workers: build -> validate -> publish ->
 * reclaim. The control thread compiles a new ruleset off the workers,
 * allocates each worker's rule scratch for it, swaps one pointer, waits for
 * every worker to pass a quiescent state (rte_rcu_qsbr) and frees the old
 * one. Workers load the pointer once per loop iteration. */
#ifndef STEER_PUBLISH_H
#define STEER_PUBLISH_H

#include "dp.h"
#include "hc_table.h"

#define STEER_MAX_SLOTS (1u << 17) /* per-intercept decision counters */

struct dp_pub {
	struct ruleset *rs;
	uint64_t generation;
	uint64_t published_ms;
	uint32_t *slot;           /* intercept index -> decision counter slot */
	struct rs_scratch *scratch[MAX_WORKERS];
	/* What health checks found for this ruleset; replaced (never
	 * changed) when a backend goes down or comes back, under the same
	 * grace period as the publication. NULL: not tracked. */
	_Atomic(struct dp_health *) health;
};

/* Control thread: make RS the running ruleset (it takes RS; on failure RS
 * is freed too). The first call (boot) needs no grace period. Returns 0 or
 * -errno with ERR set. */
int dp_publish(struct dp_shared *sh, struct ruleset *rs, char *err, size_t errlen);

/* Control thread: rebuild the running publication's health view from the
 * backends' verdicts (a backend went down or came back) and put it in
 * force; returns after the grace period. 0 or -ENOMEM (the old view stays). */
int dp_publish_health(struct dp_shared *sh);

/* Control thread: decisions counted for intercept I of the running
 * ruleset since its name was first published. */
uint64_t dp_decisions(const struct dp_shared *sh, const uint64_t *sum, uint32_t i);

/* Control thread, at exit: free the running publication. */
void dp_publish_fini(struct dp_shared *sh);

/* Workers: the publication to use for this loop iteration. */
static inline struct dp_pub *dp_pub_load(const struct dp_shared *sh)
{
	/* acquire: pairs with the release in dp_publish, so the ruleset and
	 * scratches it points to are seen fully built. */
	return atomic_load_explicit(&sh->pub, memory_order_acquire);
}

/* Workers: the health view of publication P. Loaded per use: the grace
 * period of a replacement ends at the loop iteration's quiescent report,
 * like the publication's own. */
static inline const struct dp_health *dp_health_load(const struct dp_pub *p)
{
	/* acquire: pairs with the release in dp_publish_health(). */
	return atomic_load_explicit(&p->health, memory_order_acquire);
}

#endif
