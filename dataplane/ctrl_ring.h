/* The main lcore's intake from the workers (one rte_ring): ARP frames and
 * resolve requests for neigh.c, segments to the health checks' ports for
 * health.c. */
#ifndef STEER_CTRL_RING_H
#define STEER_CTRL_RING_H

#include <stdint.h>

#include "dp.h"

/* Handle one burst of the control ring at NOW (ms). Returns how many
 * objects it took (0: the ring was empty). */
unsigned ctrl_ring_poll(struct dp_shared *sh, uint64_t now);

#endif
