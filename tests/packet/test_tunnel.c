/* Intercepts to developer tunnels: direct (bob) and VXLAN (alice, with ARP
 * inside the overlay), dead tunnels failing open to the cluster or
 * answering 502, and VXLAN input validation. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts be_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

static const char bob_req[] = "GET /b HTTP/1.1\r\nHost: web.example.test\r\nX-Dev: bob\r\n\r\n";
static const char alice_req[] = "GET /a HTTP/1.1\r\nHost: web.example.test\r\n"
				"X-Telepresence-Intercept-Id: 7f3a:alice-web\r\n\r\n";
static const char resp200[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";

#define ALICE_IP IP4(198, 19, 0, 2)

static void intercept_header_goes_to_the_direct_tunnel(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	const int n = sizeof(bob_req) - 1, rn = sizeof(resp200) - 1;
	char fwd[256];

	h_with_xff(bob_req, H_CLIENT_IP, fwd, sizeof(fwd));
	const int fn = (int)strlen(fwd);
	h_conn_init(&c, 40300, 0x1000, 0x2000);
	h_establish(e, &c, bob_req, T_BOB, &linux_opts, &be_opts);
	const struct h_step st[] = {
		{ "bob's response is spliced to the client", 10, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + fn), .data = resp200 },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .ack = C_(1 + n),
				       .data = resp200 } } } },
		{ "client's ACK reaches bob", 11, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n), .ack = R_(1 + rn) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + fn), .ack = B_(1 + rn) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_decisions_intercept, 1 }, { CNT_decisions_default, 0 },
		      { CNT_backend_connects, 1 });
	assert_int_equal(h_decisions(e, 1), 1);   /* bob-web */
}

static void intercept_header_goes_to_the_vxlan_tunnel_after_overlay_arp(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	const int n = sizeof(alice_req) - 1, rn = sizeof(resp200) - 1;
	char fwd[256];
	struct rte_ether_addr mac;

	h_with_xff(alice_req, H_CLIENT_IP, fwd, sizeof(fwd));
	const int fn = (int)strlen(fwd);
	h_conn_init(&c, 40301, 0x1000, 0x2000);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st1[] = {
		{ "alice's header: ACK; 198.19.0.2 unknown: ARP inside VNI 42", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = alice_req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_ARP, .arp = { .op = 1, .vxlan = true, .port = H_PORT_INNER,
				      .sip = H_OVL_IP, .tip = ALICE_IP, .sha = &h_ovl_mac } } } },
	};
	h_play(e, &c, st1);
	NO_DROPS(e);              /* the SYN waits for the answer */
	h_expect_cnts(e, { CNT_neigh_held, 1 });

	/* the developer machine answers inside the overlay */
	h_rx(e, 0, H_PORT_INNER,
	     h_vxlan_frame(e, h_arp_frame(e, 2, &h_alice_mac, ALICE_IP, &h_ovl_mac, H_OVL_IP),
			   H_VTEP_IP, H_VNI));
	const struct h_step st2[] = {
		{ "the answer: the held SYN, in VXLAN from 198.19.0.1 to 198.19.0.2:8080", 5,
		  F_NONE, { 0 },
		  { { X_BACKEND, .target = T_ALICE, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0),
			     .o = { .mss = 1410, .ws = WS(7), .sackok = true },  /* 1500 - 40 - VXLAN */
			     .chk_opts = true } } } },
		{ "SYN-ACK decapsulated: the header goes out encapsulated", 30, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
		{ "alice's response reaches the client", 40, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + fn), .data = resp200 },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .ack = C_(1 + n),
				       .data = resp200 } } } },
		{ "the client's ACK reaches alice, encapsulated", 41, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n), .ack = R_(1 + rn) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + fn), .ack = B_(1 + rn) } } } },
	};
	h_play(e, &c, st2);
	assert_true(neigh_lookup(e->sh->neigh, 1, rte_cpu_to_be_32(ALICE_IP), &mac));
	assert_memory_equal(&mac, &h_alice_mac, 6);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_decisions_intercept, 1 }, { CNT_backend_connects, 1 },
		      { CNT_arp_requests, 1 }, { CNT_neigh_held_sent, 1 });
	assert_int_equal(h_decisions(e, 0), 1);   /* alice-web */
}

static void overlay_arp_for_our_source_address_is_answered_in_vxlan(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	struct h_pkt p;
	char why[256];

	h_conn_init(&c, 1, 0, 0);
	h_rx(e, 0, H_PORT_INNER,
	     h_vxlan_frame(e, h_arp_frame(e, 1, &h_alice_mac, ALICE_IP, NULL, H_OVL_IP),
			   H_VTEP_IP, H_VNI));
	h_tick(e);
	struct rte_mbuf *m = h_take(e);
	assert_non_null(m);
	const struct h_exp x = { X_ARP, .arp = { .op = 2, .vxlan = true, .port = H_PORT_INNER,
		.sip = H_OVL_IP, .tip = ALICE_IP, .sha = &h_ovl_mac, .tha = &h_alice_mac,
		.eth_dst = &h_alice_mac } };
	if (!h_match(e, &c, &x, m, why, sizeof(why)))
		fail_msg("ARP reply: %s", why);
	assert_true(h_parse(m, &p));
	assert_true(p.o_sport >= 49152);
	rte_pktmbuf_free(m);
	assert_int_equal(h_drain(e), 0);
	/* a request for another overlay address is not answered, but the
	 * sender is not learnt either (RFC 826: only when it is for us) */
	h_rx(e, 0, H_PORT_INNER,
	     h_vxlan_frame(e, h_arp_frame(e, 1, &h_alice_mac, ALICE_IP, NULL,
					  IP4(198, 19, 0, 9)), H_VTEP_IP, H_VNI));
	h_tick(e);
	assert_int_equal(h_drain(e), 0);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_arp_replies, 1 });
}

/* Review finding (issue 9, item 6): the main lcore freed its own ARP
 * replies uncounted when the VTEP's MAC was not known yet. */
static void overlay_arp_reply_to_an_unresolved_vtep_is_counted(void **state)
{
	(void)state;
	struct h_params p = { .no_resolve = true };
	struct h_env *e = h_env_new(&p);

	h_rx(e, 0, H_PORT_INNER,
	     h_vxlan_frame(e, h_arp_frame(e, 1, &h_alice_mac, ALICE_IP, NULL, H_OVL_IP),
			   H_VTEP_IP, H_VNI));
	h_tick(e);
	h_collect(e);
	h_drain(e);               /* our ARP request for the VTEP */
	h_expect_drops(e, { DROP_arp_vtep_unresolved, 1 });
	h_env_free(e);
}

static void dead_direct_tunnel_fails_open_to_a_cluster_backend(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	const int n = sizeof(bob_req) - 1;
	char fwd[256];

	h_with_xff(bob_req, H_CLIENT_IP, fwd, sizeof(fwd));
	h_conn_init(&c, 40302, 0x1000, 0x2000);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "bob's header: SYN to tunnel bob", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = bob_req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_BOB, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "the tunnel gateway refuses: fail open, SYN to a web backend", 10, F_BACKEND,
		  { .flags = RST | ACK, .ack = S_(1) },
		  { { X_BACKEND, .target = T_ANY, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0),
			     .o = { .mss = 1460, .ws = WS(7), .sackok = true }, .chk_opts = true } } } },
		{ "the cluster backend gets the same request", 20, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_fail_opens, 1 }, { CNT_backend_connects, 2 },
		      { CNT_decisions_intercept, 1 }, { CNT_closed_connect_failed, 0 });
}

static void unreachable_vxlan_tunnel_fails_open_after_connect_ms(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	const int n = sizeof(alice_req) - 1;
	unsigned arps = 0, other = 0;

	h_conn_init(&c, 40303, 0x1000, 0x2000);
	h_handshake(e, &c, &linux_opts);
	h_rx(e, 0, H_PORT_EDGE, h_seg_frame(e, &c, F_CLIENT,
		&(struct h_seg){ .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = alice_req }));
	/* nobody answers ARP in the overlay: the SYN waits in the hold queue */
	for (int t = 0; t < 2000; t += 20) {
		h_at(e, (uint64_t)t);
		h_tick(e);
		struct rte_mbuf *m;
		while ((m = h_take(e)) != NULL) {
			struct h_pkt p;
			assert_true(h_parse(m, &p));
			if (p.ethertype == 0x0806 && p.vxlan)
				arps++;
			else
				other++;        /* the client's ACK */
			rte_pktmbuf_free(m);
		}
	}
	assert_true(arps >= 1 && arps <= 3);
	assert_int_equal(other, 1);
	/* the SYN and its retransmission wait for ARP, nothing is dropped */
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_neigh_held, 4 });   /* SYN at 0, 200, 600, 1400 ms */
	const struct h_step st[] = {
		{ "connect_ms: fail open to the cluster", 2000, F_NONE, { 0 },
		  { { X_BACKEND, .target = T_ANY, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "the SYNs held for alice are dropped: their flow moved on", 2001, F_NONE,
		  { 0 }, { { X_END } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_neigh_hold_stale, 4 });
	(void)n;
	h_expect_cnts(e, { CNT_fail_opens, 1 }, { CNT_backend_connects, 2 });
}

static void dead_tunnel_without_fail_open_gets_502(void **state)
{
	(void)state;
	struct h_params pp = { .bob_no_fail_open = true };
	struct h_env *e = h_env_new(&pp);
	struct h_conn c;
	const int n = sizeof(bob_req) - 1;
	static const char resp[] = "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n"
				   "Content-Length: 23\r\nConnection: close\r\n\r\n"
				   "steer: 502 Bad Gateway\n";

	h_conn_init(&c, 40304, 0x1000, 0x2000);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "bob's header: SYN to tunnel bob", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = bob_req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_BOB, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "refused, fail_open = false: 502", 10, F_BACKEND,
		  { .flags = RST | ACK, .ack = S_(1) },
		  { { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1), .ack = C_(1 + n),
				       .data = resp } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_http_502, 1 }, { CNT_closed_connect_failed, 1 },
		      { CNT_fail_opens, 0 });
	h_env_free(e);
}

static void bad_vxlan_frames_are_dropped_by_reason(void **state)
{
	struct h_env *e = *state;
	struct rte_mbuf *m;
	uint8_t *p;

	/* {mutation, counter}: outer IP at 14, UDP at 34, VXLAN at 42 */
	m = h_vxlan_frame(e, h_arp_frame(e, 1, &h_alice_mac, ALICE_IP, NULL, H_OVL_IP),
			  H_VTEP_IP, 43);                     /* no tunnel has VNI 43 */
	h_rx(e, 0, H_PORT_INNER, m);
	m = h_vxlan_frame(e, h_arp_frame(e, 1, &h_alice_mac, ALICE_IP, NULL, H_OVL_IP),
			  IP4(198, 18, 1, 99), H_VNI);        /* VNI 42 from another VTEP */
	h_rx(e, 0, H_PORT_INNER, m);
	m = h_vxlan_frame(e, h_arp_frame(e, 1, &h_alice_mac, ALICE_IP, NULL, H_OVL_IP),
			  H_VTEP_IP, H_VNI);
	p = rte_pktmbuf_mtod(m, uint8_t *);
	p[42] = 0;                                            /* I flag clear */
	h_rx(e, 0, H_PORT_INNER, m);
	m = h_vxlan_frame(e, h_arp_frame(e, 1, &h_alice_mac, ALICE_IP, NULL, H_OVL_IP),
			  H_VTEP_IP, H_VNI);
	p = rte_pktmbuf_mtod(m, uint8_t *);
	p[39] = (uint8_t)(p[39] - 1);                         /* UDP length short by one */
	h_rx(e, 0, H_PORT_INNER, m);
	m = h_vxlan_frame(e, h_arp_frame(e, 1, &h_alice_mac, ALICE_IP, NULL, H_OVL_IP),
			  H_VTEP_IP, H_VNI);
	p = rte_pktmbuf_mtod(m, uint8_t *);
	p[37] = 0xb6;                                         /* UDP to port 4790 */
	h_rx(e, 0, H_PORT_INNER, m);
	h_tick(e);
	struct rte_mbuf *out;
	while ((out = h_take(e)) != NULL) {
		struct h_pkt pk;
		char d[256];
		bool ok = h_parse(out, &pk);
		print_error("unexpected frame: %s\n", ok ? h_describe(&pk, d, sizeof(d)) : pk.err);
		rte_pktmbuf_free(out);
		fail();
	}
	h_expect_drops(e, { DROP_vxlan_vni, 2 }, { DROP_vxlan_bad, 2 }, { DROP_udp_other, 1 });
	h_expect_cnts(e, { CNT_arp_replies, 0 });
}

static void preview_host_goes_to_the_tunnel_with_the_intercept_header_injected(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const char preq[] = "GET /p HTTP/1.1\r\nHost: Bob-B0B.preview.example.test:80\r\n"
				   "Accept: */*\r\n\r\n";
	const int n = sizeof(preq) - 1;
	char fwd[512];

	/* both injected lines before the final CRLF: X-Forwarded-For, then
	 * the preview header carrying the intercept's name (bob-web matches
	 * on x-dev, not on the preview header) */
	snprintf(fwd, sizeof(fwd), "%.*sX-Forwarded-For: 198.18.0.100\r\n"
		 "x-telepresence-intercept-id: bob-web\r\n\r\n", n - 2, preq);
	h_conn_init(&c, 40305, 0x1000, 0x2000);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "preview host: SYN to bob", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = preq },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_BOB, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "bob gets the header with both lines injected", 10, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1), .data = fwd } } } },
		{ "bob's ACK of all of it: the client sees its own bytes ACKed", 20, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(1 + (int)strlen(fwd)) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } } } },
		{ "client data after the header lands after both injected lines", 30, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n), .ack = R_(1), .data = "body" },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + (int)strlen(fwd)), .ack = B_(1),
					.data = "body" } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_decisions_preview, 1 });
	assert_int_equal(h_decisions(e, 1), 1);
}

static const struct CMUnitTest tests[] = {
	T(preview_host_goes_to_the_tunnel_with_the_intercept_header_injected),
	T(intercept_header_goes_to_the_direct_tunnel),
	T(intercept_header_goes_to_the_vxlan_tunnel_after_overlay_arp),
	T(overlay_arp_for_our_source_address_is_answered_in_vxlan),
	TN(overlay_arp_reply_to_an_unresolved_vtep_is_counted),
	T(dead_direct_tunnel_fails_open_to_a_cluster_backend),
	T(unreachable_vxlan_tunnel_fails_open_after_connect_ms),
	TN(dead_tunnel_without_fail_open_gets_502),
	T(bad_vxlan_frames_are_dropped_by_reason),
};

H_MAIN("packet_tunnel", tests)
