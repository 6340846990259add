/* VXLAN framing (RFC 7348): the outer headers of a frame for a tunnel's
 * VTEP, and the MAC of our overlay address. At the bottom of the packet
 * path: pkt.c and neigh.c both use it. */
#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_vxlan.h>

#include "csum.h"
#include "vxlan.h"

void vxlan_overlay_mac(uint32_t vni, struct rte_ether_addr *mac)
{
	/* Locally administered (RFC 7042 section 2.1), one per VNI. */
	mac->addr_bytes[0] = 0x02;
	mac->addr_bytes[1] = 0x53;
	mac->addr_bytes[2] = 0x54;
	mac->addr_bytes[3] = (uint8_t)(vni >> 16);
	mac->addr_bytes[4] = (uint8_t)(vni >> 8);
	mac->addr_bytes[5] = (uint8_t)vni;
}

bool vxlan_wrap(struct rte_mbuf *m, const struct port_info *pi,
		const struct rte_ether_addr *vtep_mac, uint32_t vtep_ip,
		uint32_t vni, uint16_t sport)
{
	unsigned outer = sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) +
			 sizeof(struct rte_udp_hdr) + sizeof(struct rte_vxlan_hdr);
	uint16_t inner_len = (uint16_t)rte_pktmbuf_pkt_len(m);
	char *p = rte_pktmbuf_prepend(m, (uint16_t)outer);

	if (unlikely(p == NULL))
		return false;
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	struct rte_vxlan_hdr *vx = (struct rte_vxlan_hdr *)(udp + 1);

	eth->dst_addr = *vtep_mac;
	eth->src_addr = pi->mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(inner_len + outer - sizeof(*eth)));
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = pi->ip;
	ip->dst_addr = vtep_ip;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = ipv4_hdr20_csum(ip);
	/* The source port carries entropy so a VTEP's ECMP keeps one flow
	 * on one path; a zero UDP checksum is allowed for IPv4 (RFC 7348
	 * section 5). */
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(VXLAN_PORT);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(inner_len + sizeof(*udp) + sizeof(*vx)));
	udp->dgram_cksum = 0;
	vx->vx_flags = rte_cpu_to_be_32(0x08000000); /* I flag: VNI valid */
	vx->vx_vni = rte_cpu_to_be_32(vni << 8);
	return true;
}
