/* Next hop of a destination: on-link through a port's prefix, else the
 * longest matching static route whose gateway is on-link. Read-only over
 * the boot configuration; at the bottom of the packet path (pkt.c and
 * neigh.c use it). */
#include "route.h"

bool route_lookup(const struct dp_shared *sh, uint32_t dst, unsigned *port,
		  uint32_t *nexthop)
{
	for (unsigned p = 0; p < sh->n_ports; p++)
		if ((dst & sh->ports[p].mask) == (sh->ports[p].ip & sh->ports[p].mask)) {
			*port = p;
			*nexthop = dst;
			return true;
		}
	/* Static routes: longest prefix wins; the gateway must be on-link. */
	const struct steer_conf *c = sh->conf;
	int best = -1;
	for (unsigned i = 0; i < c->n_routes; i++) {
		const struct conf_route *r = &c->routes[i];
		uint32_t mask = r->plen ? rte_cpu_to_be_32(~0u << (32 - r->plen)) : 0;
		if ((dst & mask) == rte_cpu_to_be_32(r->prefix) &&
		    (best < 0 || r->plen > c->routes[best].plen))
			best = (int)i;
	}
	if (best < 0)
		return false;
	uint32_t via = rte_cpu_to_be_32(c->routes[best].via);
	for (unsigned p = 0; p < sh->n_ports; p++)
		if ((via & sh->ports[p].mask) == (sh->ports[p].ip & sh->ports[p].mask)) {
			*port = p;
			*nexthop = via;
			return true;
		}
	return false;
}
