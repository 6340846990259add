/* Health checks on the main lcore (docs/architecture.md, "Health
 * checks"): verdicts of each backend from its clients' connect failures
 * (counted by the workers, hc_table.h), and the health view of the
 * running ruleset rebuilt and published when a backend goes down or
 * comes back. */
#ifndef STEER_HEALTH_H
#define STEER_HEALTH_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dp.h"

/* Boot, before the first publication: health tracking for SH. 0 or
 * -ENOMEM. */
int health_init(struct dp_shared *sh);

/* At exit, after the last publication is freed. */
void health_fini(struct dp_shared *sh);

/* Main lcore: a segment a worker passed from a health check's port (its
 * mbuf is taken). */
void health_input(struct dp_shared *sh, struct rte_mbuf *m, uint64_t now);

/* Main lcore, every few ms: read the workers' connect failures, run the
 * verdicts' clocks, and publish a new health view if a backend went down
 * or came back. NOW in ms (worker_ms()). */
void health_tick(struct dp_shared *sh, uint64_t now);

#endif
