/* VXLAN framing (vxlan.c). */
#ifndef STEER_VXLAN_H
#define STEER_VXLAN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dp.h"

/* The MAC our overlay address uses on tunnel VNI (answered by ARP). */
void vxlan_overlay_mac(uint32_t vni, struct rte_ether_addr *mac);

/* Prepend outer Ethernet + IPv4 + UDP + VXLAN (RFC 7348 section 5) to the
 * inner frame M, from port PI to the VTEP. False when M has no headroom. */
bool vxlan_wrap(struct rte_mbuf *m, const struct port_info *pi,
		const struct rte_ether_addr *vtep_mac, uint32_t vtep_ip,
		uint32_t vni, uint16_t sport);

#endif
