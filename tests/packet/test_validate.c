/* Input validation (each failure a named drop), Ethernet padding, ICMP
 * echo, ARP for the ports' addresses, and what the router answers for
 * overlay segments of no flow. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

/* A valid SYN from the client to the listener, as bytes. */
static unsigned base_syn(uint8_t *f)
{
	struct h_tcp t = {
		.src_mac = h_client_mac, .dst_mac = h_edge_mac,
		.sip = H_CLIENT_IP, .dip = H_EDGE_IP, .sport = 40600, .dport = 80,
		.seq = 1000, .flags = TCP_SYN, .win = 65535,
	};
	/* built by hand so the test can mutate any byte */
	memset(f, 0, 54);
	memcpy(f, &t.dst_mac, 6);
	memcpy(f + 6, &t.src_mac, 6);
	f[12] = 0x08; f[13] = 0x00;
	uint8_t *ip = f + 14, *th = f + 34;
	ip[0] = 0x45; ip[3] = 40; ip[6] = 0x40; ip[8] = 64; ip[9] = 6;
	ip[12] = 198; ip[13] = 18; ip[14] = 0; ip[15] = 100;
	ip[16] = 198; ip[17] = 18; ip[18] = 0; ip[19] = 1;
	th[0] = 40600 >> 8; th[1] = 40600 & 255; th[2] = 0; th[3] = 80;
	th[7] = 0xe8; th[6] = 0x03;       /* seq 1000 */
	th[12] = 5 << 4; th[13] = TCP_SYN; th[14] = 0xff; th[15] = 0xff;
	return 54;
}

static void csum_ip(uint8_t *f)
{
	uint8_t *ip = f + 14;
	unsigned ihl = (ip[0] & 15) * 4u;

	ip[10] = ip[11] = 0;
	uint16_t c = (uint16_t)~h_fold(h_sum(ip, ihl < 20 ? 20 : ihl, 0));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
}

static void csum_tcp(uint8_t *f, unsigned tcp_len)
{
	uint8_t *ip = f + 14, *th = f + 34, ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0; ph[9] = 6; ph[10] = (uint8_t)(tcp_len >> 8); ph[11] = (uint8_t)tcp_len;
	th[16] = th[17] = 0;
	uint16_t c = (uint16_t)~h_fold(h_sum(th, tcp_len, h_sum(ph, 12, 0)));
	th[16] = (uint8_t)(c >> 8);
	th[17] = (uint8_t)c;
}

static void valid(uint8_t *f, unsigned *len) { (void)f; (void)len; }
static void bad_ip_csum(uint8_t *f, unsigned *len) { (void)len; f[24] ^= 0x55; }
static void mf_flag(uint8_t *f, unsigned *len) { (void)len; f[20] = 0x20; csum_ip(f); }
static void frag_off(uint8_t *f, unsigned *len) { (void)len; f[20] = 0; f[21] = 8; csum_ip(f); }
static void tot_past_frame(uint8_t *f, unsigned *len) { (void)len; f[17] = 41; csum_ip(f); }
static void tot_below_ihl(uint8_t *f, unsigned *len) { (void)len; f[17] = 19; csum_ip(f); }
static void ip_opts(uint8_t *f, unsigned *len)
{
	/* IHL 6 with a 4-byte NOP option inserted */
	memmove(f + 38, f + 34, *len - 34);
	memset(f + 34, 1, 4);
	*len += 4;
	f[14] = 0x46;
	f[17] = 44;
	csum_ip(f);
}
static void ihl_small(uint8_t *f, unsigned *len) { (void)len; f[14] = 0x44; csum_ip(f); }
static void ver6(uint8_t *f, unsigned *len) { (void)len; f[14] = 0x65; csum_ip(f); }
static void proto_gre(uint8_t *f, unsigned *len) { (void)len; f[23] = 47; csum_ip(f); }
static void tcp_trunc(uint8_t *f, unsigned *len) { *len = 14 + 20 + 10; f[17] = 30; csum_ip(f); }
static void doff_past(uint8_t *f, unsigned *len) { (void)len; f[46] = 15 << 4; csum_tcp(f, 20); }
static void doff_small(uint8_t *f, unsigned *len) { (void)len; f[46] = 4 << 4; csum_tcp(f, 20); }
static void eth_runt(uint8_t *f, unsigned *len) { (void)f; *len = 10; }
static void ip_runt(uint8_t *f, unsigned *len) { (void)f; *len = 14 + 10; }
static void ipv6_type(uint8_t *f, unsigned *len) { (void)len; f[12] = 0x86; f[13] = 0xdd; }
static void other_mac(uint8_t *f, unsigned *len) { (void)len; f[5] = 0x77; }
static void not_ours(uint8_t *f, unsigned *len) { (void)len; f[33] = 2; csum_ip(f); csum_tcp(f, 20); }
static void bad_tcp_csum(uint8_t *f, unsigned *len) { (void)len; f[50] ^= 0x11; }

static const struct {
	const char *why;
	void (*mutate)(uint8_t *f, unsigned *len);
	int drop;                 /* -1: accepted (SYN-ACK) */
	bool rst;                 /* answered with RST */
} cases[] = {
	{ "the unmodified SYN is accepted", valid, -1, false },
	{ "IPv4 header checksum wrong", bad_ip_csum, DROP_ip_csum, false },
	{ "more-fragments flag", mf_flag, DROP_ip_frag, false },
	{ "non-zero fragment offset", frag_off, DROP_ip_frag, false },
	{ "total length past the frame", tot_past_frame, DROP_ip_len, false },
	{ "total length below the header", tot_below_ihl, DROP_ip_len, false },
	{ "IPv4 options", ip_opts, DROP_ip_options, false },
	{ "IHL below 5", ihl_small, DROP_ip_hdr_len, false },
	{ "version 6 in an IPv4 ethertype", ver6, DROP_ip_version, false },
	{ "protocol 47 (GRE)", proto_gre, DROP_ip_proto, false },
	{ "TCP header cut at 10 bytes", tcp_trunc, DROP_tcp_short, false },
	{ "TCP data offset past the segment", doff_past, DROP_tcp_short, false },
	{ "TCP data offset below 5", doff_small, DROP_tcp_short, false },
	{ "10-byte frame", eth_runt, DROP_eth_short, false },
	{ "IPv4 header cut at 10 bytes", ip_runt, DROP_ip_short, false },
	{ "IPv6 ethertype", ipv6_type, DROP_eth_type, false },
	{ "unicast to another MAC", other_mac, DROP_eth_dst, false },
};

static void invalid_frames_are_dropped_each_under_its_reason(void **state)
{
	struct h_env *e = *state;
	uint8_t f[128];
	char d[256];

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned len = base_syn(f);
		csum_ip(f);
		csum_tcp(f, 20);
		cases[i].mutate(f, &len);
		uint64_t before = cases[i].drop >= 0 ? h_drop(e, cases[i].drop) : 0;
		h_rx(e, 0, H_PORT_EDGE, h_raw_frame(e, f, len));
		h_tick(e);
		unsigned out = 0;
		struct rte_mbuf *m;
		while ((m = h_take(e)) != NULL) {
			struct h_pkt p;
			bool ok = h_parse(m, &p);
			out++;
			if (cases[i].drop >= 0)
				print_error("case \"%s\": unexpected frame %s\n", cases[i].why,
					    ok ? h_describe(&p, d, sizeof(d)) : p.err);
			rte_pktmbuf_free(m);
		}
		if (cases[i].drop < 0) {
			if (out != 1)
				fail_msg("case \"%s\": %u frames, expected the SYN-ACK", cases[i].why, out);
			continue;
		}
		if (out != 0 || h_drop(e, cases[i].drop) != before + 1)
			fail_msg("case \"%s\": not dropped as %s (%llu)", cases[i].why,
				 steer_drop_names[cases[i].drop],
				 (unsigned long long)h_drop(e, cases[i].drop));
	}
	/* every frame is accounted for: one accepted, the rest one drop each */
	uint64_t drops = 0;
	for (unsigned d2 = 0; d2 < DROP__COUNT; d2++)
		drops += h_drop(e, d2);
	assert_int_equal(drops, sizeof(cases) / sizeof(cases[0]) - 1);
	h_expect_cnts(e, { CNT_rx_packets, 5 + sizeof(cases) / sizeof(cases[0]) },
		      { CNT_flows_created, 1 });
}

/* One mutated SYN: expect no frame out and one drop DROP. */
static void one_drop(struct h_env *e, void (*mutate)(uint8_t *, unsigned *), int drop)
{
	uint8_t f[128];
	char d[256];
	unsigned len = base_syn(f);
	struct rte_mbuf *m;

	csum_ip(f);
	csum_tcp(f, 20);
	mutate(f, &len);
	h_rx(e, 0, H_PORT_EDGE, h_raw_frame(e, f, len));
	h_tick(e);
	while ((m = h_take(e)) != NULL) {
		struct h_pkt p;
		bool ok = h_parse(m, &p);
		print_error("unexpected frame %s\n", ok ? h_describe(&p, d, sizeof(d)) : p.err);
		rte_pktmbuf_free(m);
		fail();
	}
	h_expect_drops(e, { drop, 1 });
}

static void tcp_to_an_address_not_ours_is_dropped_without_rst(void **state)
{
	/* our MAC, but 198.18.0.2: answering would forge that host's RST */
	one_drop(*state, not_ours, DROP_ip_not_local);
}

static void syn_with_a_bad_tcp_checksum_is_dropped(void **state)
{
	one_drop(*state, bad_tcp_csum, DROP_tcp_csum);
	h_expect_cnts(*state, { CNT_flows_created, 0 });
}

/* A NIC that verified the checksums (port_setup() enables it where the
 * device can) is believed on the underlay: its GOOD lets a segment through
 * unsummed, its BAD drops one whose sum is right. */
static unsigned nic_syn(struct h_env *e, void (*mutate)(uint8_t *, unsigned *),
			uint64_t flags)
{
	uint8_t f[128];
	unsigned len = base_syn(f), out = 0;
	struct rte_mbuf *m;

	csum_ip(f);
	csum_tcp(f, 20);
	if (mutate)
		mutate(f, &len);
	m = h_raw_frame(e, f, len);
	m->ol_flags |= flags;
	h_rx(e, 0, H_PORT_EDGE, m);
	h_tick(e);
	while ((m = h_take(e)) != NULL) {
		out++;
		rte_pktmbuf_free(m);
	}
	return out;
}

static void nic_checksum_verdicts_are_believed_on_the_underlay(void **state)
{
	struct h_env *e = *state;

	/* wrong sums, checked good by the NIC: answered, nothing dropped */
	assert_int_equal(nic_syn(e, bad_tcp_csum, RTE_MBUF_F_RX_L4_CKSUM_GOOD), 1);
	assert_int_equal(nic_syn(e, bad_ip_csum, RTE_MBUF_F_RX_IP_CKSUM_GOOD), 1);
	NO_DROPS(e);
	/* right sums the NIC found bad: dropped by the NIC's word */
	assert_int_equal(nic_syn(e, NULL, RTE_MBUF_F_RX_L4_CKSUM_BAD), 0);
	assert_int_equal(nic_syn(e, NULL, RTE_MBUF_F_RX_IP_CKSUM_BAD), 0);
	h_expect_drops(e, { DROP_tcp_csum, 1 }, { DROP_ip_csum, 1 });
	/* no verdict (UNKNOWN, NONE): summed as ever */
	assert_int_equal(nic_syn(e, bad_tcp_csum, RTE_MBUF_F_RX_L4_CKSUM_NONE), 0);
	h_expect_drops(e, { DROP_tcp_csum, 2 }, { DROP_ip_csum, 1 });
}

static void corrupted_header_segment_is_not_collected(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const struct h_sopts o = { .mss = 1460 };
	static const char req[] = "GET / HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
	const int n = sizeof(req) - 1;

	h_conn_init(&c, 40601, 10, 20);
	h_handshake(e, &c, &o);
	struct rte_mbuf *m = h_seg_frame(e, &c, F_CLIENT, &(struct h_seg){
		.flags = ACK, .seq = C_(1), .ack = R_(1), .data = req });
	/* one bit flipped in transit: "GET" becomes "GEt" */
	rte_pktmbuf_mtod_offset(m, uint8_t *, 54 + 2)[0] ^= 0x20;
	h_rx(e, 0, H_PORT_EDGE, m);
	h_tick(e);
	assert_int_equal(h_drain(e), 0);
	h_expect_drops(e, { DROP_tcp_csum, 1 });
	const struct h_step st[] = {
		{ "the intact retransmission is taken", 200, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_tcp_csum, 1 });
}

static void ethernet_padding_is_not_payload(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const char req[] = "GET / HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
	const int n = sizeof(req) - 1;

	h_conn_init(&c, 40602, 10, 20);
	/* a 54-byte SYN padded to the 60-byte minimum with garbage */
	struct rte_mbuf *m = h_seg_frame(e, &c, F_CLIENT, &(struct h_seg){
		.flags = SYN, .seq = C_(0) });
	memcpy(rte_pktmbuf_append(m, 6), "\xde\xad\xbe\xef\x01\x02", 6);
	h_rx(e, 0, H_PORT_EDGE, m);
	const struct h_step st0[] = {
		{ "padded SYN: SYN-ACK", 0, F_NONE, { 0 },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
	};
	h_play(e, &c, st0);
	m = h_seg_frame(e, &c, F_CLIENT, &(struct h_seg){ .flags = ACK, .seq = C_(1), .ack = R_(1) });
	memcpy(rte_pktmbuf_append(m, 6), "GARBAG", 6);
	h_rx(e, 0, H_PORT_EDGE, m);
	h_tick(e);
	assert_int_equal(h_drain(e), 0);   /* no data: nothing to ACK */
	const struct h_step st[] = {
		{ "the header is exactly what the client sent", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
}

static void icmp_echo_request_gets_a_reply(void **state)
{
	struct h_env *e = *state;
	struct h_pkt p;
	static const struct {
		uint32_t dst;
		unsigned len;
		uint16_t id, seq;
		int drop;
		const char *why;
	} icmp[] = {
		{ H_EDGE_IP, 56, 0x4242, 0, -1, "ping the edge address" },
		{ H_INNER_IP, 33, 0x4242, 1, -1, "ping the inner address via the edge, odd length" },
		{ IP4(198, 18, 0, 7), 8, 0x4242, 2, DROP_ip_not_local, "ping someone else" },
		{ H_EDGE_IP, 0, 0, 0, -1, "a reply of all zeros: its checksum is 0xffff, "
		  "not 0x0000 (found by the packet fuzzer)" },
	};

	for (unsigned i = 0; i < sizeof(icmp) / sizeof(icmp[0]); i++) {
		struct rte_mbuf *m = h_icmp_echo(e, icmp[i].dst, icmp[i].id, icmp[i].seq,
						 icmp[i].len);
		uint8_t req[256];
		unsigned rl = rte_pktmbuf_data_len(m);
		memcpy(req, rte_pktmbuf_mtod(m, void *), rl);
		h_rx(e, 0, H_PORT_EDGE, m);
		h_tick(e);
		m = h_take(e);
		if (icmp[i].drop >= 0) {
			assert_null(m);
			continue;
		}
		assert_non_null(m);
		assert_true(h_parse(m, &p));   /* checksums verified */
		assert_int_equal(p.port, H_PORT_EDGE);
		assert_memory_equal(&p.dst_mac, &h_client_mac, 6);
		assert_memory_equal(&p.src_mac, &h_edge_mac, 6);
		assert_int_equal(p.sip, icmp[i].dst);
		assert_int_equal(p.dip, H_CLIENT_IP);
		assert_int_equal(p.icmp_type, 0);
		assert_int_equal(p.icmp_code, 0);
		/* identifier, sequence and data echoed unchanged (RFC 792) */
		assert_int_equal(rte_pktmbuf_data_len(m), rl);
		assert_memory_equal(rte_pktmbuf_mtod_offset(m, uint8_t *, 38), req + 38, rl - 38);
		rte_pktmbuf_free(m);
		assert_int_equal(h_drain(e), 0);
	}
	/* a bad ICMP checksum, and a type that is not echo */
	struct rte_mbuf *m = h_icmp_echo(e, H_EDGE_IP, 1, 1, 20);
	rte_pktmbuf_mtod_offset(m, uint8_t *, 50)[0] ^= 1;
	h_rx(e, 0, H_PORT_EDGE, m);
	m = h_icmp_echo(e, H_EDGE_IP, 1, 1, 20);
	uint8_t *ic = rte_pktmbuf_mtod_offset(m, uint8_t *, 34);
	ic[0] = 13;               /* timestamp request */
	ic[2] = ic[3] = 0;
	uint16_t cs = (uint16_t)~h_fold(h_sum(ic, 28, 0));
	ic[2] = (uint8_t)(cs >> 8);
	ic[3] = (uint8_t)cs;
	h_rx(e, 0, H_PORT_EDGE, m);
	h_tick(e);
	assert_int_equal(h_drain(e), 0);
	h_expect_drops(e, { DROP_ip_not_local, 1 }, { DROP_icmp_bad, 1 }, { DROP_icmp_other, 1 });
	h_expect_cnts(e, { CNT_icmp_echo_replies, 3 });
}

static void udp_that_is_not_vxlan_is_dropped(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	struct rte_mbuf *m;

	h_conn_init(&c, 1, 0, 0);
	m = h_vxlan_frame(e, h_arp_frame(e, 1, &h_alice_mac, IP4(198, 19, 0, 2), NULL,
					 H_OVL_IP), H_VTEP_IP, H_VNI);
	/* from the VTEP to our inner address, but to port 53 */
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	f[36] = 0x00; f[37] = 53;   /* DNS */
	h_rx(e, 0, H_PORT_INNER, m);
	h_tick(e);
	assert_int_equal(h_drain(e), 0);
	h_expect_drops(e, { DROP_udp_other, 1 });
}

static void arp_for_a_port_address_is_answered(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const struct rte_ether_addr other = {{ 2, 0xc1, 0, 0, 0, 0x99 }};
	char why[256];
	struct rte_ether_addr mac;

	h_conn_init(&c, 1, 0, 0);
	h_rx(e, 0, H_PORT_EDGE, h_arp_frame(e, 1, &other, IP4(198, 18, 0, 99), NULL, H_EDGE_IP));
	h_tick(e);
	struct rte_mbuf *m = h_take(e);
	assert_non_null(m);
	const struct h_exp x = { X_ARP, .arp = { .op = 2, .port = H_PORT_EDGE,
		.sip = H_EDGE_IP, .tip = IP4(198, 18, 0, 99), .sha = &h_edge_mac,
		.tha = &other, .eth_dst = &other } };
	if (!h_match(e, &c, &x, m, why, sizeof(why)))
		fail_msg("ARP reply: %s", why);
	rte_pktmbuf_free(m);
	assert_int_equal(h_drain(e), 0);
	/* the asker is learnt (it will talk to us next) */
	assert_true(neigh_lookup(e->sh->neigh, 0, rte_cpu_to_be_32(IP4(198, 18, 0, 99)), &mac));
	assert_memory_equal(&mac, &other, 6);

	/* for the inner address but on the edge: not ours there */
	h_rx(e, 0, H_PORT_EDGE, h_arp_frame(e, 1, &other, IP4(198, 18, 0, 98), NULL, H_INNER_IP));
	/* for someone else: neither answered nor learnt */
	h_rx(e, 0, H_PORT_EDGE, h_arp_frame(e, 1, &other, IP4(198, 18, 0, 97), NULL,
					    IP4(198, 18, 0, 50)));
	/* malformed: hardware length 8 */
	m = h_arp_frame(e, 1, &other, IP4(198, 18, 0, 96), NULL, H_EDGE_IP);
	rte_pktmbuf_mtod_offset(m, uint8_t *, 18)[0] = 8;
	h_rx(e, 0, H_PORT_EDGE, m);
	h_tick(e);
	assert_int_equal(h_drain(e), 0);
	assert_false(neigh_lookup(e->sh->neigh, 0, rte_cpu_to_be_32(IP4(198, 18, 0, 97)), &mac));
	h_expect_drops(e, { DROP_arp_bad, 1 });
	h_expect_cnts(e, { CNT_arp_replies, 1 });
}

static void backend_mac_is_resolved_by_arp_before_the_syn(void **state)
{
	(void)state;
	struct h_params pp = { .no_resolve = true };
	struct h_env *e = h_env_new(&pp);
	struct h_conn c;
	static const struct h_sopts o = { .mss = 1460, .ws = WS(7), .sackok = true };
	static const char req[] = "GET / HTTP/1.1\r\nHost: api.example.test\r\n\r\n";
	const int n = sizeof(req) - 1;

	h_conn_init(&c, 40603, 10, 20);
	h_handshake(e, &c, &o);
	const struct h_step st[] = {
		{ "api request: the backend's MAC is unknown: ARP on the inner port", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_ARP, .arp = { .op = 1, .port = H_PORT_INNER, .sip = H_INNER_IP,
				      .tip = IP4(198, 18, 1, 12), .sha = &h_inner_mac } } } },
	};
	h_play(e, &c, st);
	h_rx(e, 0, H_PORT_INNER, h_arp_frame(e, 2, h_target_mac(T_API), h_target_ip(T_API),
					      &h_inner_mac, H_INNER_IP));
	const struct h_step st2[] = {
		{ "ARP reply learnt: the held SYN goes at once", 5, F_NONE, { 0 },
		  { { X_BACKEND, .target = T_API, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st2);
	/* the first packet to a fresh next hop waited, it was not dropped */
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_arp_requests, 1 }, { CNT_decisions_default, 1 },
		      { CNT_neigh_held, 1 }, { CNT_neigh_held_sent, 1 });
	h_env_free(e);
}

/* The hold queue is bounded in time: a SYN held longer than ARP tries
 * (3 s) is dropped and counted, and so is one that finds the queue full. */
static void held_frames_are_dropped_only_past_the_hold_time_or_when_full(void **state)
{
	(void)state;
	struct h_params pp = { .no_resolve = true, .connect_ms = 4000, .max_flows = 128,
			       .header_ms = 60000 };
	struct h_env *e = h_env_new(&pp);
	static const struct h_sopts o = { .mss = 1460, .ws = WS(7), .sackok = true };
	static const char req[] = "GET / HTTP/1.1\r\nHost: api.example.test\r\n\r\n";
	struct h_conn c[HOLD_MAX + 6];

	for (unsigned i = 0; i < HOLD_MAX + 6; i++) {
		h_conn_init(&c[i], (uint16_t)(41000 + i), 1000 * i, 20);
		h_handshake(e, &c[i], &o);
		const struct h_step st = { "api request: its SYN waits for ARP", 0, F_CLIENT,
			{ .flags = ACK, .seq = C_(1), .ack = R_(1), .data = req },
			{ { 0 } }, .any_out = true };
		h_play1(e, &c[i], &st);
	}
	/* HOLD_MAX held; the rest found the queue full */
	h_expect_drops(e, { DROP_neigh_unresolved, 6 });
	h_expect_cnts(e, { CNT_neigh_held, HOLD_MAX });
	const struct h_step wait = { "2.9 s: still held (SYN retransmissions too)", 2900,
				     F_NONE, { 0 }, { { 0 } }, .any_out = true };
	h_play1(e, &c[0], &wait);
	assert_int_equal(e->sh->workers[0]->n_hold, HOLD_MAX);
	uint64_t before = h_drop(e, DROP_neigh_unresolved);
	const struct h_step late = { "3.1 s: the SYNs held at 0 are dropped", 3100,
				     F_NONE, { 0 }, { { 0 } }, .any_out = true };
	h_play1(e, &c[0], &late);
	assert_true(h_drop(e, DROP_neigh_unresolved) >= before + HOLD_MAX);
	/* every attempt gives up (503): nothing stays held */
	for (int64_t t = 3200; t <= 30000; t += 100) {
		const struct h_step on = { "until every attempt gave up", t, F_NONE, { 0 },
					   { { 0 } }, .any_out = true };
		h_play1(e, &c[0], &on);
	}
	assert_int_equal(e->sh->workers[0]->n_hold, 0);
	h_expect_cnts(e, { CNT_neigh_held_sent, 0 });
	h_env_free(e);
}

static unsigned count_arps(struct h_env *e, uint32_t tip)
{
	struct rte_mbuf *m;
	unsigned n = 0;

	h_tick(e);
	while ((m = h_take(e)) != NULL) {
		struct h_pkt p;
		assert_true(h_parse(m, &p));
		assert_int_equal(p.ethertype, 0x0806);
		assert_int_equal(p.arp_op, 1);
		assert_int_equal(p.arp_tip, tip);
		assert_int_equal(p.port, H_PORT_INNER);
		n++;
		rte_pktmbuf_free(m);
	}
	return n;
}

static void unanswered_arp_is_retried_three_times_then_rests(void **state)
{
	(void)state;
	struct h_params pp = { .no_resolve = true };
	struct h_env *e = h_env_new(&pp);
	struct dp_shared *sh = e->sh;
	const uint32_t ip = IP4(198, 18, 1, 10), nip = rte_cpu_to_be_32(ip);
	struct rte_ether_addr mac;

	/* the control thread's own clock (worker_ms), not the workers' */
	uint64_t t0 = worker_ms();
	neigh_request(sh, 0, nip, H_PORT_INNER);
	assert_int_equal(count_arps(e, ip), 1);
	neigh_request(sh, 0, nip, H_PORT_INNER);   /* asked again at once: no flood */
	assert_int_equal(count_arps(e, ip), 0);
	neigh_tick(sh, t0 + 1100);
	assert_int_equal(count_arps(e, ip), 1);
	neigh_tick(sh, t0 + 2200);
	assert_int_equal(count_arps(e, ip), 1);
	neigh_tick(sh, t0 + 3300);                 /* NEIGH_TRIES reached */
	assert_int_equal(count_arps(e, ip), 0);
	/* (starting over after the rest is not tested: neigh_request()
	 * reads the real clock, neigh_tick() is given one) */
	h_rx(e, 0, H_PORT_INNER, h_arp_frame(e, 2, h_target_mac(T_BE0), ip, &h_inner_mac,
					      H_INNER_IP));
	assert_int_equal(count_arps(e, ip), 0);
	assert_true(neigh_lookup(sh->neigh, 0, nip, &mac));
	/* reachable for NEIGH_REACHABLE_MS, then re-resolved while still used */
	neigh_tick(sh, t0 + NEIGH_REACHABLE_MS / 2);
	assert_int_equal(count_arps(e, ip), 0);
	neigh_tick(sh, worker_ms() + NEIGH_REACHABLE_MS + 10);
	assert_int_equal(count_arps(e, ip), 1);
	assert_true(neigh_lookup(sh->neigh, 0, nip, &mac));
	h_expect_cnts(e, { CNT_arp_requests, 4 });
	h_env_free(e);
}

static void overlay_segment_of_no_flow_is_never_answered_outside_the_overlay(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	char d[256];

	/* alice's machine sends a late SYN-ACK for a port of no flow, and a
	 * segment to a port outside every worker's range */
	h_conn_init(&c, 1, 0, 0);
	c.target = T_ALICE;
	c.sport = 2000;
	c.sport_known = true;
	h_rx(e, 0, H_PORT_INNER, h_seg_frame(e, &c, F_BACKEND, &(struct h_seg){
		.flags = SYN | ACK, .seq = ABS(5000), .ack = ABS(7000) }));
	c.sport = 80;
	h_rx(e, 0, H_PORT_INNER, h_seg_frame(e, &c, F_BACKEND, &(struct h_seg){
		.flags = ACK, .seq = ABS(5000), .ack = ABS(7000) }));
	h_tick(e);
	struct rte_mbuf *m;
	while ((m = h_take(e)) != NULL) {
		struct h_pkt p;
		assert_true(h_parse(m, &p));
		/* an answer, if any, goes back inside VNI 42 to the VTEP */
		bool bad = !p.vxlan || p.vni != H_VNI || p.o_dip != H_VTEP_IP ||
			   p.sip != H_OVL_IP || !(p.flags & TCP_RST);
		rte_pktmbuf_free(m);
		if (bad)
			fail_msg("overlay segment answered on the underlay: %s",
				 h_describe(&p, d, sizeof(d)));
	}
	h_expect_drops(e, { DROP_tcp_no_flow, 1 }, { DROP_tcp_no_listener, 1 });
}

static const struct CMUnitTest tests[] = {
	T(invalid_frames_are_dropped_each_under_its_reason),
	T(tcp_to_an_address_not_ours_is_dropped_without_rst),
	T(syn_with_a_bad_tcp_checksum_is_dropped),
	T(nic_checksum_verdicts_are_believed_on_the_underlay),
	T(corrupted_header_segment_is_not_collected),
	T(ethernet_padding_is_not_payload),
	T(icmp_echo_request_gets_a_reply),
	T(udp_that_is_not_vxlan_is_dropped),
	T(arp_for_a_port_address_is_answered),
	TN(backend_mac_is_resolved_by_arp_before_the_syn),
	TN(held_frames_are_dropped_only_past_the_hold_time_or_when_full),
	TN(unanswered_arp_is_retried_three_times_then_rests),
	T(overlay_segment_of_no_flow_is_never_answered_outside_the_overlay),
};

H_MAIN("packet_validate", tests)
