/* Two workers: each owns half the source ports; a backend reply that the
 * NIC hands to the other worker goes over that worker's hand-off ring to
 * the owner, plain or VXLAN-decapsulated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ring.h>

#include "harness.h"
#include "publish.h"
#include "stats.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts be_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

static const char req[] = "GET /m HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
#define N ((int)sizeof(req) - 1)
#define FN (N + 31)

static void backend_reply_on_the_other_worker_is_handed_to_the_owner(void **state)
{
	struct h_env *e = *state;
	struct worker *w0 = e->sh->workers[0], *w1 = e->sh->workers[1];
	struct h_conn c;
	char fwd[256], why[512];

	h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd));
	h_conn_init(&c, h_port_owned_by(e, 0, 40700), 0x100, 0x200);
	c.c_worker = 0;           /* RSS put the client on worker 0 */
	c.b_worker = 1;           /* and the backend's replies on worker 1 */
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "request: SYN from a worker 0 port", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + N) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st);
	assert_true(c.sport < SRC_PORT_FIRST + e->sh->ports_per_worker);

	/* the SYN-ACK arrives at worker 1: only queued for worker 0 */
	h_rx(e, 1, H_PORT_INNER, h_seg_frame(e, &c, F_BACKEND, &(struct h_seg){
		.flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts }));
	assert_int_equal(rte_ring_count(w0->handoff), 1);
	assert_int_equal(w1->st.cnt[CNT_handoffs], 1);
	assert_int_equal(w1->n_capture, 0);
	/* worker 1's own loop iteration does not touch it */
	worker_tick(w1);
	assert_int_equal(rte_ring_count(w0->handoff), 1);
	assert_int_equal(w1->n_capture, 0);
	/* worker 0 takes it from its ring and answers */
	worker_tick(w0);
	assert_int_equal(rte_ring_count(w0->handoff), 0);
	assert_int_equal(w0->n_capture, 1);
	const struct h_exp x = { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
						    .data = fwd } };
	struct rte_mbuf *m = h_take(e);
	bool ok = h_match(e, &c, &x, m, why, sizeof(why));
	rte_pktmbuf_free(m);
	if (!ok)
		fail_msg("header after hand-off: %s", why);

	const struct h_step st2[] = {
		{ "backend data via worker 1 reaches the client via worker 0", 10, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + FN), .data = "pong" },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .ack = C_(1 + N),
				       .data = "pong" } } } },
		{ "client FIN", 20, F_CLIENT, { .flags = FIN | ACK, .seq = C_(1 + N), .ack = R_(5) },
		  { { X_BACKEND, .s = { .flags = FIN | ACK, .seq = S_(1 + FN), .ack = B_(5) } } } },
		{ "backend FIN via worker 1", 21, F_BACKEND,
		  { .flags = FIN | ACK, .seq = B_(5), .ack = S_(2 + FN) },
		  { { X_CLIENT, .s = { .flags = FIN | ACK, .seq = R_(5), .ack = C_(2 + N) } } } },
		{ "linger over on worker 0", 521, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, &c, st2);
	NO_DROPS(e);
	assert_int_equal(w0->st.cnt[CNT_flows_created], 1);
	assert_int_equal(w1->st.cnt[CNT_flows_created], 0);
	assert_int_equal(w1->st.cnt[CNT_handoffs], 3);
	h_expect_cnts(e, { CNT_flows_active, 0 }, { CNT_closed_fin, 1 });
}

static void flows_on_worker_1_connect_from_its_own_ports(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, h_port_owned_by(e, 1, 40701), 0x100, 0x200);
	c.c_worker = 1;
	c.b_worker = 0;
	h_establish(e, &c, req, T_ANY, &linux_opts, &be_opts);
	assert_true(c.sport >= SRC_PORT_FIRST + e->sh->ports_per_worker);
	NO_DROPS(e);
	assert_int_equal(e->sh->workers[1]->st.cnt[CNT_flows_created], 1);
	assert_int_equal(e->sh->workers[0]->st.cnt[CNT_handoffs], 2);
}

static void vxlan_reply_on_the_other_worker_keeps_its_zone_across_the_hand_off(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const char areq[] = "GET /a HTTP/1.1\r\nHost: web.example.test\r\n"
				   "x-telepresence-intercept-id: 7f3a:alice-web\r\n\r\n";
	const int n = sizeof(areq) - 1;
	char fwd[256];

	h_with_xff(areq, H_CLIENT_IP, fwd, sizeof(fwd));
	const int fn = (int)strlen(fwd);
	/* alice's MAC known already: ARP reply through worker 1 */
	h_rx(e, 1, H_PORT_INNER,
	     h_vxlan_frame(e, h_arp_frame(e, 2, &h_alice_mac, IP4(198, 19, 0, 2), &h_ovl_mac,
					  H_OVL_IP), H_VTEP_IP, H_VNI));
	h_tick(e);
	assert_int_equal(h_drain(e), 0);
	h_conn_init(&c, h_port_owned_by(e, 0, 40702), 0x100, 0x200);
	c.c_worker = 0;
	c.b_worker = 1;
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "alice's header: SYN in VXLAN", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = areq },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_ALICE, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "encapsulated SYN-ACK at worker 1: decapsulated, handed off, header out", 10,
		  F_BACKEND, { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1), .data = fwd } } } },
		{ "alice's data to the client", 20, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(1 + fn), .data = "hi" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n), .data = "hi" } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	assert_int_equal(e->sh->workers[1]->st.cnt[CNT_handoffs], 2);
}

static void counters_are_summed_over_workers(void **state)
{
	struct h_env *e = *state;
	struct h_conn a, b;
	struct steer_stats sum;
	char *json = NULL;
	size_t jl = 0;

	h_conn_init(&a, h_port_owned_by(e, 0, 40703), 1, 2);
	h_establish(e, &a, req, T_ANY, &linux_opts, &be_opts);
	h_conn_init(&b, h_port_owned_by(e, 1, 40704), 1, 2);
	b.c_worker = b.b_worker = 1;
	h_establish(e, &b, "GET / HTTP/1.1\r\nHost: w\r\nX-Dev: bob\r\n\r\n", T_BOB,
		    &linux_opts, &be_opts);
	stats_sum(e->sh, &sum);
	assert_int_equal(sum.cnt[CNT_flows_created], 2);
	assert_int_equal(sum.cnt[CNT_flows_active], 2);
	assert_int_equal(sum.cnt[CNT_decisions_default], 1);
	assert_int_equal(sum.cnt[CNT_decisions_intercept], 1);
	assert_int_equal(sum.cnt[CNT_rx_packets], h_cnt(e, CNT_rx_packets));
	assert_int_equal(dp_decisions(e->sh, sum.decisions, 1), 1);   /* bob-web */
	assert_int_equal(dp_decisions(e->sh, sum.decisions, 0), 0);
	assert_int_equal(sum.port_rx[H_PORT_EDGE], 6);
	stats_release(&sum);
	FILE *f = open_memstream(&json, &jl);
	stats_write_json(e->sh, f, true);
	fclose(f);
	assert_non_null(strstr(json, "\"flows_created\": 2"));
	assert_non_null(strstr(json, "\"bob-web\": 1"));
	assert_non_null(strstr(json, "\"edge\": {\"rx_packets\": 6"));
	assert_non_null(strstr(json, "\"workers\": [{"));
	free(json);
}

/* Issue 9 (two workers lose big uploads): a client segment the port puts
 * on the worker that does not own its flow is handed to the owner over its
 * ring — the SYN, so the flow is created there, and every later segment —
 * never reset. */
static void client_segments_on_the_wrong_worker_are_handed_to_the_owner(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, h_port_owned_by(e, 0, 40710), 0x100, 0x200);
	c.c_worker = 1;           /* the port's hash put it on worker 1 */
	c.b_worker = 0;
	h_establish(e, &c, req, T_ANY, &linux_opts, &be_opts);
	const struct h_step st[] = {
		{ "client data via worker 1: spliced by worker 0", 10, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + N), .ack = R_(1), .data = "upload" },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + FN), .data = "upload" } } } },
	};
	h_play(e, &c, st);
	assert_true(c.sport < SRC_PORT_FIRST + e->sh->ports_per_worker);
	NO_DROPS(e);
	assert_int_equal(e->sh->workers[0]->st.cnt[CNT_flows_created], 1);
	assert_int_equal(e->sh->workers[1]->st.cnt[CNT_flows_created], 0);
	assert_int_equal(e->sh->workers[1]->st.cnt[CNT_handoffs], 4);   /* SYN, ACK, header, data */
	h_expect_cnts(e, { CNT_rst_sent, 0 });
}

static const struct CMUnitTest tests[] = {
	T2(backend_reply_on_the_other_worker_is_handed_to_the_owner),
	T2(flows_on_worker_1_connect_from_its_own_ports),
	T2(vxlan_reply_on_the_other_worker_keeps_its_zone_across_the_hand_off),
	T2(counters_are_summed_over_workers),
	T2(client_segments_on_the_wrong_worker_are_handed_to_the_owner),
};

H_MAIN("packet_multi", tests)
