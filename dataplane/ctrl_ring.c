/* The control ring's consumer (ctrl_ring.h). A resolve request travels as
 * a tagged integer (bit 0 set; neigh_want()); everything else is an mbuf
 * the worker checked up to its Ethernet type. */
#include <rte_ring.h>

#include "ctrl_ring.h"
#include "health.h"
#include "neigh.h"

unsigned ctrl_ring_poll(struct dp_shared *sh, uint64_t now)
{
	void *objs[64];
	unsigned n = rte_ring_dequeue_burst(sh->ctrl_ring, objs, 64, NULL);

	for (unsigned i = 0; i < n; i++) {
		uintptr_t v = (uintptr_t)objs[i];
		if (v & 1) {
			neigh_request(sh, (uint32_t)(v >> 41), (uint32_t)(v >> 1),
				      (unsigned)(v >> 33) & 0xff);
			continue;
		}
		struct rte_mbuf *m = objs[i];
		const struct rte_ether_hdr *eth =
			rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
			neigh_input(sh, m, MBUF_ZONE(m));
		else
			health_input(sh, m, now);
	}
	return n;
}
