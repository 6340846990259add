/* Routing: which port and next hop reach a destination (route.c). */
#ifndef STEER_ROUTE_H
#define STEER_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"

/* Next hop for an underlay destination: the port and the address to ARP.
 * Returns false when nothing routes there. */
bool route_lookup(const struct dp_shared *sh, uint32_t dst, unsigned *port,
		  uint32_t *nexthop);

#endif
