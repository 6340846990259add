/* The worker's entry points (worker.c). */
#ifndef STEER_WORKER_H
#define STEER_WORKER_H

#include "dp.h"

/* Boot: allocate worker I (pools, rings, flow tables, rule scratch) for
 * LCORE into sh->workers[I]. Returns 0 or -ENOMEM. */
int worker_create(struct dp_shared *sh, unsigned i, unsigned lcore,
		  struct ruleset *rs);

/* Frames received on conf port PORT (consumed). */
void worker_input(struct worker *w, struct rte_mbuf **pkts, unsigned n,
		  unsigned port);

/* Rings, timers due at w->now, TX flush: one loop iteration without RX
 * (packet tests drive the worker with this). */
void worker_tick(struct worker *w);

/* lcore entry: poll until sh->quit. */
int worker_loop(void *arg);

/* Milliseconds of the TSC clock. */

#endif
