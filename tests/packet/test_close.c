/* Closing spliced flows: FIN from either side first, RST from either side,
 * linger absorbing stragglers, the entry and its source port going back,
 * and the idle timeout resetting both ends. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts be_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

static const char req[] = "GET /x HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
#define N ((int)sizeof(req) - 1)
#define FN (N + 31)
static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
#define RN ((int)sizeof(resp) - 1)

/* Established, the response delivered and ACKed: at t = 12. */
static void up_and_answered(struct h_env *e, struct h_conn *c)
{
	h_establish(e, c, req, T_ANY, &linux_opts, &be_opts);
	const struct h_step st[] = {
		{ "response", 10, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + FN), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .ack = C_(1 + N),
				       .data = resp } } } },
		{ "client ACKs it", 12, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + N), .ack = R_(1 + RN) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN), .ack = B_(1 + RN) } } } },
	};
	h_play(e, c, st);
}

static void assert_port_free(struct h_env *e, const struct h_conn *c)
{
	struct worker *w = e->sh->workers[c->c_worker];

	assert_null(flow_by_sport(w, c->sport));
	assert_int_equal(w->sport_n, w->sport_count);
}

/* Every frame in is forwarded, answered in place, consumed or dropped
 * under a reason (docs/reliability.md, the packet fuzzer's accounting):
 * the client's SYN, its handshake ACK and its header, and the backend's
 * SYN-ACK are consumed; the backend's ACK of the header, the response and
 * the client's ACK of it are forwarded (the same mbufs, translated). */
static void frames_taken_in_are_counted_consumed(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	uint64_t before = h_cnt(e, CNT_rx_consumed);
	unsigned in_use = rte_mempool_in_use_count(e->pool);

	h_conn_init(&c, 40499, 0x180, 0x280);
	up_and_answered(e, &c);
	assert_int_equal(h_cnt(e, CNT_rx_consumed) - before, 4);
	NO_DROPS(e);
	assert_int_equal(rte_mempool_in_use_count(e->pool), in_use);
}

static void client_fin_first_closes_through_linger(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40500, 0x100, 0x200);
	up_and_answered(e, &c);
	const struct h_step st[] = {
		{ "client FIN: forwarded", 20, F_CLIENT,
		  { .flags = FIN | ACK, .seq = C_(1 + N), .ack = R_(1 + RN) },
		  { { X_BACKEND, .s = { .flags = FIN | ACK, .seq = S_(1 + FN), .ack = B_(1 + RN) } } } },
		{ "backend FIN|ACK: forwarded; both closed: linger", 21, F_BACKEND,
		  { .flags = FIN | ACK, .seq = B_(1 + RN), .ack = S_(2 + FN) },
		  { { X_CLIENT, .s = { .flags = FIN | ACK, .seq = R_(1 + RN), .ack = C_(2 + N) } } } },
		{ "client's last ACK is still translated during linger", 22, F_CLIENT,
		  { .flags = ACK, .seq = C_(2 + N), .ack = R_(2 + RN) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(2 + FN), .ack = B_(2 + RN) } } } },
	};
	h_play(e, &c, st);
	/* Both FINs acknowledged on the leg: its port is back already, long
	 * before linger_ms, while the flow lingers for the client. */
	assert_port_free(e, &c);
	h_expect_cnts(e, { CNT_sports_released_at_close, 1 }, { CNT_flows_active, 1 });
	const struct h_step st2[] = {
		{ "backend resends its FIN: the leg is over, RST", 300, F_BACKEND,
		  { .flags = FIN | ACK, .seq = B_(1 + RN), .ack = S_(2 + FN) },
		  { { X_BACKEND, .s = { .flags = RST, .seq = S_(2 + FN) } } } },
		{ "client resends its FIN: ACKed as in TIME-WAIT", 301, F_CLIENT,
		  { .flags = FIN | ACK, .seq = C_(1 + N), .ack = R_(2 + RN) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(2 + RN), .ack = C_(2 + N) } } } },
		{ "a duplicate last ACK: taken quietly", 302, F_CLIENT,
		  { .flags = ACK, .seq = C_(2 + N), .ack = R_(2 + RN) }, { { X_END } } },
		{ "linger_ms after both FINs: freed", 521, F_NONE, { 0 }, { { X_END } } },
		{ "a segment for the freed port gets RST", 522, F_BACKEND,
		  { .flags = ACK, .seq = B_(2 + RN), .ack = S_(2 + FN) },
		  { { X_BACKEND, .s = { .flags = RST, .seq = S_(2 + FN) } } } },
	};
	h_play(e, &c, st2);
	assert_port_free(e, &c);
	h_expect_drops(e, { DROP_tcp_no_flow, 2 }, { DROP_tcp_dup, 1 }, { DROP_time_wait, 1 });
	h_expect_cnts(e, { CNT_closed_fin, 1 }, { CNT_flows_active, 0 });
}

static void backend_fin_first_closes_through_linger(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40501, 0x100, 0x200);
	up_and_answered(e, &c);
	const struct h_step st[] = {
		{ "backend FIN: forwarded", 20, F_BACKEND,
		  { .flags = FIN | ACK, .seq = B_(1 + RN), .ack = S_(1 + FN) },
		  { { X_CLIENT, .s = { .flags = FIN | ACK, .seq = R_(1 + RN), .ack = C_(1 + N) } } } },
		{ "client ACKs it", 21, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + N), .ack = R_(2 + RN) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN), .ack = B_(2 + RN) } } } },
		{ "half-closed: the client may still send", 30, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + N), .ack = R_(2 + RN), .data = "late" },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + FN), .ack = B_(2 + RN),
					.data = "late" } } } },
		{ "client FIN: forwarded, linger", 40, F_CLIENT,
		  { .flags = FIN | ACK, .seq = C_(5 + N), .ack = R_(2 + RN) },
		  { { X_BACKEND, .s = { .flags = FIN | ACK, .seq = S_(5 + FN), .ack = B_(2 + RN) } } } },
		{ "backend's last ACK", 41, F_BACKEND,
		  { .flags = ACK, .seq = B_(2 + RN), .ack = S_(6 + FN) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(2 + RN), .ack = C_(6 + N) } } } },
	};
	h_play(e, &c, st);
	/* our FIN acknowledged, the backend's too (at 21): the port is back */
	assert_port_free(e, &c);
	h_expect_cnts(e, { CNT_sports_released_at_close, 1 }, { CNT_flows_active, 1 });
	const struct h_step st2[] = {
		{ "1 ms before linger_ms", 539, F_NONE, { 0 }, { { X_END } } },
		{ "linger_ms: freed", 540, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, &c, st2);
	assert_port_free(e, &c);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_closed_fin, 1 }, { CNT_flows_active, 0 });
}

static void client_rst_is_forwarded_and_the_flow_lingers(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40502, 0x100, 0x200);
	up_and_answered(e, &c);
	const struct h_step st[] = {
		{ "client RST: forwarded", 20, F_CLIENT,
		  { .flags = RST | ACK, .seq = C_(1 + N), .ack = R_(1 + RN) },
		  { { X_BACKEND, .s = { .flags = RST | ACK, .seq = S_(1 + FN), .ack = B_(1 + RN) } } } },
		{ "backend data in flight during linger is still translated", 30, F_BACKEND,
		  { .flags = ACK, .seq = B_(1 + RN), .ack = S_(1 + FN), .data = "more" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1 + RN), .ack = C_(1 + N),
				       .data = "more" } } } },
		{ "linger_ms: freed", 520, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, &c, st);
	assert_port_free(e, &c);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_closed_rst_client, 1 }, { CNT_flows_active, 0 });
}

static void backend_rst_is_forwarded_and_the_flow_lingers(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40503, 0x100, 0x200);
	up_and_answered(e, &c);
	const struct h_step st[] = {
		{ "backend RST: forwarded", 20, F_BACKEND,
		  { .flags = RST, .seq = B_(1 + RN) },
		  { { X_CLIENT, .s = { .flags = RST, .seq = R_(1 + RN) } } } },
		{ "linger_ms: freed", 520, F_NONE, { 0 }, { { X_END } } },
		{ "the client's next segment finds no flow: RST", 530, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + N), .ack = R_(1 + RN) },
		  { { X_CLIENT, .s = { .flags = RST, .seq = R_(1 + RN) } } } },
	};
	h_play(e, &c, st);
	assert_port_free(e, &c);
	h_expect_drops(e, { DROP_tcp_no_flow, 1 });
	h_expect_cnts(e, { CNT_closed_rst_backend, 1 }, { CNT_flows_active, 0 });
}

static void blind_rst_from_the_client_side_does_not_end_the_flow(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	/* RFC 5961 3.2: a RST out of the window must not reset a
	 * connection. The endpoints ignore it (or answer with a challenge
	 * ACK); if we passed it on but then forgot the flow after
	 * linger_ms, any off-path host knowing the client's address and
	 * port could cut spliced connections. */
	h_conn_init(&c, 40510, 0x100, 0x200);
	up_and_answered(e, &c);
	const struct h_step st[] = {
		{ "RST a gigabyte beyond the window (8 MB: 65535 << 7)", 20, F_CLIENT,
		  { .flags = RST, .seq = C_(1 + N + 0x40000000) },
		  { { X_BACKEND, .s = { .flags = RST, .seq = S_(1 + FN + 0x40000000) } } } },
		{ "linger_ms passes", 600, F_NONE, { 0 }, { { X_END } } },
		{ "the flow still translates", 1000, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1 + RN), .ack = S_(1 + FN), .data = "alive" },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1 + RN), .ack = C_(1 + N),
				       .data = "alive" } } } },
		{ "and the real RST still ends it", 1001, F_CLIENT,
		  { .flags = RST, .seq = C_(1 + N) },
		  { { X_BACKEND, .s = { .flags = RST, .seq = S_(1 + FN) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_closed_rst_client, 1 });
}

static void blind_rst_from_the_backend_side_does_not_end_the_flow(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40511, 0x100, 0x200);
	up_and_answered(e, &c);
	const struct h_step st[] = {
		{ "RST far outside the client's window", 20, F_BACKEND,
		  { .flags = RST, .seq = B_(1 + RN + 0x40000000) },
		  { { X_CLIENT, .s = { .flags = RST, .seq = R_(1 + RN + 0x40000000) } } } },
		{ "linger_ms passes", 600, F_NONE, { 0 }, { { X_END } } },
		{ "the flow still translates", 1000, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + N), .ack = R_(1 + RN), .data = "alive" },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + FN), .ack = B_(1 + RN),
					.data = "alive" } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_closed_rst_backend, 0 }, { CNT_flows_active, 1 });
}

/* Review finding (issue 9, item 3): a RST in the window but not at the
 * next byte ended a spliced flow; RFC 5961 3.2 accepts only an exact
 * match. It is passed on (the endpoint answers it with a challenge ACK,
 * spliced back), and the flow goes on. */
static void rst_in_the_window_but_not_at_the_next_byte_does_not_end_the_flow(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40512, 0x100, 0x200);
	up_and_answered(e, &c);
	const struct h_step st[] = {
		{ "client-side RST 100 bytes into the window: passed on", 20, F_CLIENT,
		  { .flags = RST, .seq = C_(1 + N + 100) },
		  { { X_BACKEND, .s = { .flags = RST, .seq = S_(1 + FN + 100) } } } },
		{ "backend-side RST 100 bytes into the window: passed on", 21, F_BACKEND,
		  { .flags = RST, .seq = B_(1 + RN + 100) },
		  { { X_CLIENT, .s = { .flags = RST, .seq = R_(1 + RN + 100) } } } },
		{ "the backend's challenge ACK reaches the client", 22, F_BACKEND,
		  { .flags = ACK, .seq = B_(1 + RN), .ack = S_(1 + FN) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1 + RN), .ack = C_(1 + N) } } } },
		{ "linger_ms passes", 600, F_NONE, { 0 }, { { X_END } } },
		{ "the flow still translates", 1000, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + N), .ack = R_(1 + RN), .data = "alive" },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + FN), .ack = B_(1 + RN),
					.data = "alive" } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_closed_rst_client, 0 }, { CNT_closed_rst_backend, 0 },
		      { CNT_flows_active, 1 });
}

static void idle_spliced_flow_is_reset_on_both_sides(void **state)
{
	(void)state;
	struct h_params p = { .idle_s = 1 };
	struct h_env *e = h_env_new(&p);
	struct h_conn c;

	h_conn_init(&c, 40504, 0x100, 0x200);
	up_and_answered(e, &c);   /* the header was ACKed at t = 0 */
	const struct h_step st[] = {
		{ "activity at 500 ms", 500, F_BACKEND,
		  { .flags = ACK, .seq = B_(1 + RN), .ack = S_(1 + FN), .data = "x" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1 + RN), .data = "x" } } } },
		{ "1 s after the header: not idle for 1 s yet", 1000, F_NONE, { 0 }, { { X_END } } },
		{ "1 ms before 1 s of silence", 1499, F_NONE, { 0 }, { { X_END } } },
		{ "1 s of silence: RST to both ends", 1500, F_NONE, { 0 },
		  { { X_CLIENT, .s = { .flags = RST, .seq = R_(2 + RN), .ack = ABS(0) } },
		    { X_BACKEND, .s = { .flags = RST, .seq = S_(1 + FN), .ack = ABS(0) } } } },
	};
	h_play(e, &c, st);
	assert_port_free(e, &c);
	NO_DROPS(e);
	/* Review finding (issue 9, item 6): both RSTs are counted. */
	h_expect_cnts(e, { CNT_closed_idle, 1 }, { CNT_flows_active, 0 }, { CNT_rst_sent, 2 });
	h_env_free(e);
}

static void idle_timeout_beyond_the_timer_wheel_horizon(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	/* idle_s = 30: a deadline 7 turns of the 4096-slot wheel away */
	h_conn_init(&c, 40508, 0x100, 0x200);
	up_and_answered(e, &c);
	for (int64_t t = 1000; t < 30012; t += 1000) {
		struct h_step st = { "quiet", t, F_NONE, { 0 }, { { X_END } } };
		h_play1(e, &c, &st);
	}
	const struct h_step st[] = {
		{ "1 ms before 30 s of silence", 30011, F_NONE, { 0 }, { { X_END } } },
		{ "30 s: RST both ways", 30012, F_NONE, { 0 },
		  { { X_CLIENT, .s = { .flags = RST, .seq = R_(1 + RN) } },
		    { X_BACKEND, .s = { .flags = RST, .seq = S_(1 + FN) } } } },
	};
	h_play(e, &c, st);
	h_expect_cnts(e, { CNT_closed_idle, 1 }, { CNT_flows_active, 0 });
	NO_DROPS(e);
}

static void idle_timeout_after_a_long_jump_in_time(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	/* the worker was descheduled for a minute: one tick catches up */
	h_conn_init(&c, 40509, 0x100, 0x200);
	up_and_answered(e, &c);
	const struct h_step st[] = {
		{ "60 s later in one step: RST both ways", 60000, F_NONE, { 0 },
		  { { X_CLIENT, .s = { .flags = RST, .seq = R_(1 + RN) } },
		    { X_BACKEND, .s = { .flags = RST, .seq = S_(1 + FN) } } } },
	};
	h_play(e, &c, st);
	h_expect_cnts(e, { CNT_closed_idle, 1 }, { CNT_flows_active, 0 });
}

static void source_port_goes_back_to_the_pool_after_linger(void **state)
{
	(void)state;
	struct h_params p = { .ports_per_worker = 1 };
	struct h_env *e = h_env_new(&p);
	struct h_conn a, b, c2;
	static const char r503[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
				   "Content-Length: 31\r\nConnection: close\r\n\r\n"
				   "steer: 503 Service Unavailable\n";

	h_conn_init(&a, 40505, 0x100, 0x200);
	up_and_answered(e, &a);
	assert_int_equal(a.sport, 1024);
	/* a second request while the only source port is taken */
	h_conn_init(&b, 40506, 0x300, 0x400);
	h_handshake(e, &b, &linux_opts);
	const struct h_step busy[] = {
		{ "no source port left: 503", 20, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N) } },
		    { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1), .ack = C_(1 + N),
				       .data = r503 } } } },
		{ "that client resets", 21, F_CLIENT,
		  { .flags = RST, .seq = C_(1 + N) }, { { X_END } } },
	};
	h_play(e, &b, busy);
	h_expect_drops(e, { DROP_src_ports_full, 1 });
	const struct h_step close_a[] = {
		{ "backend RST on the first flow", 30, F_BACKEND,
		  { .flags = RST, .seq = B_(1 + RN) },
		  { { X_CLIENT, .s = { .flags = RST, .seq = R_(1 + RN) } } } },
		{ "linger over", 530, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, &a, close_a);
	h_conn_init(&c2, 40507, 0x500, 0x600);
	h_establish(e, &c2, req, T_ANY, &linux_opts, &be_opts);
	assert_int_equal(c2.sport, 1024);
	h_expect_drops(e, { DROP_src_ports_full, 1 });
	h_expect_cnts(e, { CNT_http_503, 1 }, { CNT_backend_connects, 2 });
	h_env_free(e);
}

/* With one source port, a second connection gets it as soon as the first
 * closed by FIN both ways, long before linger_ms: the linger is the
 * client side's alone. */
static void source_port_is_reused_right_after_a_fin_close(void **state)
{
	(void)state;
	struct h_params p = { .ports_per_worker = 1 };
	struct h_env *e = h_env_new(&p);
	struct h_conn a, b;

	h_conn_init(&a, 40508, 0x100, 0x200);
	up_and_answered(e, &a);
	assert_int_equal(a.sport, 1024);
	const struct h_step close_a[] = {
		{ "client FIN", 20, F_CLIENT,
		  { .flags = FIN | ACK, .seq = C_(1 + N), .ack = R_(1 + RN) },
		  { { X_BACKEND, .s = { .flags = FIN | ACK, .seq = S_(1 + FN), .ack = B_(1 + RN) } } } },
		{ "backend FIN|ACK", 21, F_BACKEND,
		  { .flags = FIN | ACK, .seq = B_(1 + RN), .ack = S_(2 + FN) },
		  { { X_CLIENT, .s = { .flags = FIN | ACK, .seq = R_(1 + RN), .ack = C_(2 + N) } } } },
		{ "client's last ACK", 22, F_CLIENT,
		  { .flags = ACK, .seq = C_(2 + N), .ack = R_(2 + RN) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(2 + FN), .ack = B_(2 + RN) } } } },
	};
	h_play(e, &a, close_a);
	/* 30 ms later, linger_ms (500 here) far off: the next one connects */
	h_at(e, 52);
	h_conn_init(&b, 40509, 0x300, 0x400);
	h_establish(e, &b, req, T_ANY, &linux_opts, &be_opts);
	assert_int_equal(b.sport, 1024);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_sports_released_at_close, 1 }, { CNT_backend_connects, 2 },
		      { CNT_flows_active, 2 });
	h_env_free(e);
}

/* RFC 9293 3.10.7.4: a SYN with a higher sequence number on a tuple that
 * only lingers starts a new connection at once (the listener is looked up
 * for it: established segments do not look). */
static void syn_on_a_lingering_tuple_starts_a_new_connection(void **state)
{
	struct h_env *e = *state;
	struct h_conn c, d;

	h_conn_init(&c, 40502, 0x100, 0x200);
	up_and_answered(e, &c);
	const struct h_step st[] = {
		{ "client FIN: forwarded", 20, F_CLIENT,
		  { .flags = FIN | ACK, .seq = C_(1 + N), .ack = R_(1 + RN) },
		  { { X_BACKEND, .s = { .flags = FIN | ACK, .seq = S_(1 + FN), .ack = B_(1 + RN) } } } },
		{ "backend FIN|ACK: forwarded; linger", 21, F_BACKEND,
		  { .flags = FIN | ACK, .seq = B_(1 + RN), .ack = S_(2 + FN) },
		  { { X_CLIENT, .s = { .flags = FIN | ACK, .seq = R_(1 + RN), .ack = C_(2 + N) } } } },
		{ "client's last ACK", 22, F_CLIENT,
		  { .flags = ACK, .seq = C_(2 + N), .ack = R_(2 + RN) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(2 + FN), .ack = B_(2 + RN) } } } },
	};
	h_play(e, &c, st);
	h_conn_init(&d, 40502, 0x100 + 0x10000, 0x300);
	const struct h_step st2[] = {
		{ "a SYN above the old sequence space: SYN-ACK of a new flow", 30, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .ack = C_(1) } } } },
	};
	h_play(e, &d, st2);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_flows_created, 2 }, { CNT_flows_active, 1 });
}

static const struct CMUnitTest tests[] = {
	T(frames_taken_in_are_counted_consumed),
	T(client_fin_first_closes_through_linger),
	T(backend_fin_first_closes_through_linger),
	T(syn_on_a_lingering_tuple_starts_a_new_connection),
	T(client_rst_is_forwarded_and_the_flow_lingers),
	T(backend_rst_is_forwarded_and_the_flow_lingers),
	T(blind_rst_from_the_client_side_does_not_end_the_flow),
	T(blind_rst_from_the_backend_side_does_not_end_the_flow),
	T(rst_in_the_window_but_not_at_the_next_byte_does_not_end_the_flow),
	TN(idle_spliced_flow_is_reset_on_both_sides),
	T(idle_timeout_beyond_the_timer_wheel_horizon),
	T(idle_timeout_after_a_long_jump_in_time),
	TN(source_port_goes_back_to_the_pool_after_linger),
	TN(source_port_is_reused_right_after_a_fin_close),
};

H_MAIN("packet_close", tests)
