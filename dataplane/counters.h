/* Every counter steerd keeps, per worker, summed on read. Each drop has a
 * named reason here: a packet is never freed without one. */
#ifndef STEER_COUNTERS_H
#define STEER_COUNTERS_H

#include <stdint.h>

/* X(name, "why") */
#define STEER_DROPS(X)                                                        \
	X(eth_short, "frame shorter than its headers")                        \
	X(eth_type, "ethertype other than IPv4/ARP")                          \
	X(eth_dst, "unicast frame for another MAC")                           \
	X(arp_bad, "malformed or non-IPv4 ARP")                               \
	X(arp_ring_full, "control thread's ARP ring full")                    \
	X(health_ring_full, "control thread's ring full (a health check's segment)") \
	X(health_bad, "segment to a health check's port with a bad checksum") \
	X(health_stray, "segment to a health check's port from no peer of a check in progress") \
	X(ip_short, "IPv4 header truncated")                                  \
	X(ip_version, "IP version other than 4")                              \
	X(ip_hdr_len, "IPv4 IHL below 5 or past the frame")                   \
	X(ip_csum, "IPv4 header checksum wrong")                              \
	X(ip_len, "IPv4 total length inconsistent with the frame")            \
	X(ip_frag, "IPv4 fragment (not reassembled)")                         \
	X(ip_options, "IPv4 options")                                         \
	X(ip_not_local, "IPv4 destination is not one of ours")                \
	X(ip_proto, "IP protocol other than TCP/UDP/ICMP")                    \
	X(icmp_bad, "ICMP too short or bad checksum")                         \
	X(icmp_other, "ICMP other than echo request")                         \
	X(udp_other, "UDP not to the VXLAN port")                             \
	X(vxlan_bad, "malformed VXLAN packet")                                \
	X(vxlan_vni, "VXLAN VNI / VTEP of no tunnel")                         \
	X(tcp_short, "TCP header truncated")                                  \
	X(tcp_csum, "TCP checksum wrong")                                     \
	X(tcp_no_listener, "TCP to a port nobody listens on (RST sent)")      \
	X(tcp_no_flow, "TCP segment of no flow (RST sent)")                   \
	X(tcp_bad_flags, "TCP flags invalid in this state")                   \
	X(tcp_out_of_window, "TCP segment outside the window")                \
	X(tcp_dup, "TCP data already acknowledged")                           \
	X(time_wait, "ACK or RST for a closed flow whose backend leg is over (TIME-WAIT)") \
	X(rst_challenged, "RST in the window but not at the next byte (challenge ACK sent, RFC 5961)")                           \
	X(tcp_ooo_limit, "out-of-order segment beyond the bound")             \
	X(flow_table_full, "SYN refused: max_flows reached")                  \
	X(hdr_buffers_full, "header bytes refused: no header buffer free and none to evict (retransmitted later)") \
	X(syn_cookie_bad, "ACK of no flow with no valid SYN cookie (RST sent)") \
	X(src_ports_full, "backend connect: no source port left")             \
	X(handoff_full, "ring to the owning worker full")                     \
	X(no_route, "no route to the destination")                            \
	X(neigh_unresolved, "next hop MAC not resolved in time, or the hold queue full") \
	X(neigh_hold_stale, "held for a next hop while its flow moved on")    \
	X(arp_vtep_unresolved, "our ARP frame inside an overlay not sent: the VTEP's own MAC not resolved yet (asked for; a request is sent again)") \
	X(mbuf_alloc, "no mbuf to build a packet")                            \
	X(tx_full, "TX queue full")                                           \
	X(syn_in_flow, "SYN on an established flow")                          \
	X(fin_early, "client FIN before the backend connected (retransmitted later)") \
	X(data_after_close, "client data after our own response")             \
	X(req_wait, "request bytes behind a request not yet delivered (retransmitted later)") \
	X(frame_ooo, "segment beyond the point HTTP framing has reached (retransmitted later)") \
	X(req_framing, "malformed chunked request body (connection reset)")   \
	X(resp_framing, "malformed response from the backend (connection reset)") \
	X(resp_unsolicited, "backend bytes with no request pending (connection reset)") \
	X(owner_no_route, "segment of another node's flow: no route to that node's address") \
	X(owner_unresolved, "segment of another node's flow: that node's MAC not resolved yet (asked for; retransmitted later)") \
	X(owner_bad, "node-to-node VXLAN from no node of the cluster, or no IPv4 TCP segment inside") \
	X(owner_client_unresolved, "segment forwarded to us: the client's next hop not resolved yet (asked for; retransmitted later)")

#define STEER_COUNTERS(X)                                                     \
	X(rx_packets) X(rx_bytes) X(tx_packets) X(tx_bytes)                   \
	X(rx_consumed)                                                        \
	X(flows_created) X(flows_active)                                      \
	X(closed_fin) X(closed_rst_client) X(closed_rst_backend)              \
	X(closed_idle) X(closed_syn_timeout) X(closed_http_error)             \
	X(closed_connect_failed) X(closed_error) X(closed_shutdown)                              \
	X(decisions_default) X(decisions_intercept) X(decisions_preview)      \
	X(backend_connects) X(backend_retries) X(syn_retransmits) X(fail_opens) \
	X(queued) X(queue_timeouts) X(queue_full)                             \
	X(http_400) X(http_405) X(http_408) X(http_431) X(http_502) X(http_503)           \
	X(requests) X(requests_same_leg) X(rebinds) X(requests_held)          \
	X(legs_closed) X(legs_backend_closed) X(sports_released_at_close)     \
	X(pool_parked) X(pool_reuses) X(pool_expired) X(pool_closed_backend)  \
	X(retransmits) X(handoffs) X(arp_requests) X(arp_replies)             \
	X(icmp_echo_replies) X(rst_sent)                                      \
	X(syn_cookies_sent) X(syn_cookies_ok) X(header_evicted)               \
	X(neigh_held) X(neigh_held_sent)                                      \
	X(health_checks) X(health_check_fails) X(backends_down)               \
	X(owner_forwarded) X(owner_received) X(owner_node_down) X(owner_id_unknown) \
	X(busy_cycles) X(idle_cycles) X(polls)

enum steer_drop {
#define DROP_ENUM(n, s) DROP_##n,
	STEER_DROPS(DROP_ENUM)
#undef DROP_ENUM
	DROP__COUNT
};

enum steer_counter {
#define CNT_ENUM(n) CNT_##n,
	STEER_COUNTERS(CNT_ENUM)
#undef CNT_ENUM
	CNT__COUNT
};

#define STEER_MAX_PORTS 8

/* Latency histograms: bucket k counts durations <= 100 ns * 2^k. */
#define HIST_BUCKETS 28
#define STEER_HISTS(X)                                                        \
	X(header, "from the client's SYN to a complete request header")      \
	X(decision, "rule engine decision")                                    \
	X(connect, "from our SYN to the target's SYN-ACK")

enum steer_hist {
#define HIST_ENUM(n, s) HIST_##n,
	STEER_HISTS(HIST_ENUM)
#undef HIST_ENUM
	HIST__COUNT
};

/* Requests per client connection: bucket k counts connections that
 * carried at most 2^k requests (k = 0..REQ_BUCKETS-1); the last, more. */
#define REQ_BUCKETS 12

struct steer_stats {
	uint64_t drop[DROP__COUNT];
	uint64_t cnt[CNT__COUNT];
	uint64_t port_rx[STEER_MAX_PORTS];
	uint64_t port_tx[STEER_MAX_PORTS];
	uint64_t port_rx_bytes[STEER_MAX_PORTS];
	uint64_t port_tx_bytes[STEER_MAX_PORTS];
	uint64_t hist[HIST__COUNT][HIST_BUCKETS + 1]; /* last: longer than all */
	uint64_t hist_ns[HIST__COUNT];   /* sum of the durations */
	uint64_t req_conn[REQ_BUCKETS + 1];
	uint64_t req_conn_sum;
	uint64_t *decisions;      /* per counter slot (publish.h) */
	uint32_t n_decisions;
};

extern const char *const steer_drop_names[DROP__COUNT];
extern const char *const steer_drop_why[DROP__COUNT];
extern const char *const steer_counter_names[CNT__COUNT];

#endif
