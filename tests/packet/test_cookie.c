/* SYN floods and buffer pressure (issue 9): SYN cookies (valid, stale,
 * forged; "auto" past syn_backlog; what a cookie carries), the header
 * buffer taken at the first header byte rather than at the SYN, and the
 * eviction of the slowest header collection when buffers run out. */
#include <string.h>

#include <rte_mempool.h>

#include "harness.h"
#include "tcp.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts be_opts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const char req[] = "GET /c HTTP/1.1\r\nHost: web.example.test\r\n\r\n";

static struct flow *flow_of(struct h_env *e, const struct h_conn *c)
{
	struct flow_key k = { .c_ip = rte_cpu_to_be_32(c->c_ip),
			      .l_ip = rte_cpu_to_be_32(H_EDGE_IP),
			      .c_port = rte_cpu_to_be_16(c->c_port),
			      .l_port = rte_cpu_to_be_16(H_LISTEN_PORT) };
	return flow_lookup_client(e->sh->workers[0], &k);
}

/* The request of C (handshake done) is decided and reaches a backend. */
static void request_goes_through(struct h_env *e, struct h_conn *c, int64_t at)
{
	char fwd[300];
	const int n = (int)strlen(req);

	h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd));
	const struct h_step st[] = {
		{ "the request: ACKed, decided, SYN to a backend", at, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0) } } } },
		{ "backend SYN-ACK: the buffered request goes out", 0, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
	};
	h_play(e, c, st);
}

static void cookie_handshake_keeps_nothing_until_the_ack(void **state)
{
	(void)state;
	struct h_params p = { .syn_cookies = "always" };
	struct h_env *e = h_env_new(&p);
	struct h_conn c;

	h_conn_init(&c, 42000, 0x12345678u, 0x7000000);
	const struct h_step st[] = {
		{ "SYN: a SYN-ACK with our usual options, a cookie for ISN", 0, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1),
				       .o = { .mss = 1410, .ws = WS(7), .sackok = true },
				       .chk_opts = true } } } },
	};
	h_play(e, &c, st);
	h_expect_cnts(e, { CNT_flows_created, 0 }, { CNT_flows_active, 0 },
		      { CNT_syn_cookies_sent, 1 });
	assert_null(flow_of(e, &c));
	const struct h_step ack[] = {
		{ "the handshake's ACK returns the cookie: a flow, nothing sent", 10, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1) }, { { X_END } } },
	};
	h_play(e, &c, ack);
	h_expect_cnts(e, { CNT_flows_active, 1 }, { CNT_syn_cookies_ok, 1 });
	struct flow *f = flow_of(e, &c);
	assert_non_null(f);
	assert_int_equal(f->state, FS_HEADER);
	/* what the cookie carried: the client's MSS, shift and SACK */
	assert_int_equal(f->c_mss, 1460);
	assert_true(f->c_ws_ok);
	assert_int_equal(f->c_wscale, 7);
	assert_true(f->sack_ok);
	assert_null(f->hbuf);             /* no header byte yet, no buffer */
	request_goes_through(e, &c, 20);
	NO_DROPS(e);
	h_env_free(e);
}

static void cookie_ack_carrying_the_request_opens_the_flow(void **state)
{
	(void)state;
	struct h_params p = { .syn_cookies = "always" };
	struct h_env *e = h_env_new(&p);
	struct h_conn c;

	h_conn_init(&c, 42001, 0xfffffff0u, 0x7000000);  /* ISN about to wrap */
	const struct h_step st[] = {
		{ "SYN: cookie", 0, F_CLIENT, { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
	};
	h_play(e, &c, st);
	/* the bare ACK was lost: the first data segment returns the cookie */
	request_goes_through(e, &c, 30);
	h_expect_cnts(e, { CNT_syn_cookies_ok, 1 }, { CNT_flows_active, 1 });
	NO_DROPS(e);
	h_env_free(e);
}

static void cookie_rounds_the_mss_down_and_keeps_no_shift_when_none_offered(void **state)
{
	(void)state;
	struct h_params p = { .syn_cookies = "always" };
	struct h_env *e = h_env_new(&p);
	struct h_conn c;
	const struct h_sopts o = { .mss = 1380 };

	h_conn_init(&c, 42002, 777, 0);
	const struct h_step st[] = {
		{ "SYN with MSS 1380, no WS, no SACK: the cookie's MSS is 1360", 0, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = o },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1),
				       .o = { .mss = 1360 }, .chk_opts = true } } } },
		{ "ACK", 0, F_CLIENT, { .flags = ACK, .seq = C_(1), .ack = R_(1) },
		  { { X_END } } },
	};
	h_play(e, &c, st);
	struct flow *f = flow_of(e, &c);
	assert_non_null(f);
	assert_int_equal(f->c_mss, 1360);
	assert_false(f->c_ws_ok);
	assert_false(f->sack_ok);
	NO_DROPS(e);
	h_env_free(e);
}

static void stale_cookie_is_refused_with_rst(void **state)
{
	(void)state;
	struct h_params p = { .syn_cookies = "always" };
	struct h_env *e = h_env_new(&p);
	struct h_conn c, d, late;

	h_conn_init(&c, 42003, 1000, 0);
	h_conn_init(&d, 42004, 2000, 0);
	h_conn_init(&late, 42005, 3000, 0);
	const struct h_step syn[] = {
		{ "SYN: cookie", 0, F_CLIENT, { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
	};
	h_play(e, &c, syn);
	h_play(e, &d, syn);
	const struct h_step ok[] = {
		{ "ACK 60 s later: the cookie is still good", 60000, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1) }, { { X_END } } },
	};
	h_play(e, &d, ok);
	for (int64_t t = 63000; t <= 70000; t += 100) {
		const struct h_step drain = { "d's flow: 408 at header_ms, then gone", t,
					      F_NONE, { 0 }, { { 0 } }, .any_out = true };
		h_play1(e, &d, &drain);
	}
	assert_null(flow_of(e, &d));
	/* cookies are still being sent (someone else's SYN), so the old
	 * ACK is judged as a cookie, and it is too old (> 2 periods) */
	const struct h_step later[] = {
		{ "another SYN at 139 s: cookie", 139000, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
	};
	h_play(e, &late, later);
	const struct h_step stale[] = {
		{ "ACK of the first cookie at 140 s: RST at its ack number", 140000, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1) },
		  { { X_CLIENT, .s = { .flags = RST, .seq = R_(1) } } } },
	};
	h_play(e, &c, stale);
	h_expect_drops(e, { DROP_syn_cookie_bad, 1 });
	h_expect_cnts(e, { CNT_syn_cookies_ok, 1 }, { CNT_syn_cookies_sent, 3 },
		      { CNT_rst_sent, 1 });
	assert_null(flow_of(e, &c));
	h_env_free(e);
}

static void forged_cookie_acks_are_refused(void **state)
{
	(void)state;
	struct h_params p = { .syn_cookies = "always" };
	struct h_env *e = h_env_new(&p);
	struct h_conn c, other;

	h_conn_init(&c, 42006, 5000, 0);
	h_conn_init(&other, 42007, 6000, 0);
	const struct h_step st[] = {
		{ "SYN: cookie", 0, F_CLIENT, { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
		{ "ACK one past the cookie: RST", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(2) },
		  { { X_CLIENT, .s = { .flags = RST, .seq = R_(2) } } } },
		{ "ACK from another ISN (the client's seq moved): RST", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(9), .ack = R_(1) },
		  { { X_CLIENT, .s = { .flags = RST, .seq = R_(1) } } } },
	};
	h_play(e, &c, st);
	/* a tuple that never sent a SYN, with its own "cookie" guess */
	const struct h_step guess[] = {
		{ "a blind ACK from a tuple with no SYN: RST", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = ABS(0x5eed1234) },
		  { { X_CLIENT, .s = { .flags = RST, .seq = ABS(0x5eed1234) } } } },
	};
	h_play(e, &other, guess);
	h_expect_drops(e, { DROP_syn_cookie_bad, 3 });
	h_expect_cnts(e, { CNT_flows_active, 0 }, { CNT_syn_cookies_ok, 0 },
		      { CNT_rst_sent, 3 });
	/* the right ACK still works afterwards */
	const struct h_step good[] = {
		{ "the right ACK: a flow", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1) }, { { X_END } } },
	};
	h_play(e, &c, good);
	h_expect_cnts(e, { CNT_flows_active, 1 }, { CNT_syn_cookies_ok, 1 });
	h_env_free(e);
}

static void auto_cookies_start_past_syn_backlog_and_stop_below_it(void **state)
{
	(void)state;
	struct h_params p = { .syn_backlog = 2 };
	struct h_env *e = h_env_new(&p);
	struct worker *w = e->sh->workers[0];
	struct h_conn c[4];

	for (unsigned i = 0; i < 4; i++)
		h_conn_init(&c[i], (uint16_t)(42010 + i), 10000 * (i + 1), 0);
	const struct h_step syn[] = {
		{ "SYN", 0, F_CLIENT, { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
	};
	const struct h_step ack[] = {
		{ "ACK", 0, F_CLIENT, { .flags = ACK, .seq = C_(1), .ack = R_(1) },
		  { { X_END } } },
	};
	h_play(e, &c[0], syn);
	h_play(e, &c[1], syn);
	assert_int_equal(w->n_half_open, 2);
	h_expect_cnts(e, { CNT_flows_active, 2 }, { CNT_syn_cookies_sent, 0 });
	h_play(e, &c[2], syn);    /* the backlog is full: a cookie */
	h_expect_cnts(e, { CNT_flows_active, 2 }, { CNT_syn_cookies_sent, 1 });
	h_play(e, &c[0], ack);
	h_play(e, &c[1], ack);
	h_play(e, &c[2], ack);
	assert_int_equal(w->n_half_open, 0);
	h_expect_cnts(e, { CNT_flows_active, 3 }, { CNT_syn_cookies_ok, 1 });
	h_play(e, &c[3], syn);    /* below the backlog again: a flow */
	h_expect_cnts(e, { CNT_flows_active, 4 }, { CNT_syn_cookies_sent, 1 });
	assert_int_equal(w->n_half_open, 1);
	request_goes_through(e, &c[2], 10);
	NO_DROPS(e);
	h_env_free(e);
}

static void never_mode_sends_no_cookie_past_syn_backlog(void **state)
{
	(void)state;
	struct h_params p = { .syn_cookies = "never", .syn_backlog = 1 };
	struct h_env *e = h_env_new(&p);
	struct h_conn c[2];

	for (unsigned i = 0; i < 2; i++)
		h_conn_init(&c[i], (uint16_t)(42020 + i), 1000 * (i + 1), 0);
	h_handshake(e, &c[0], &linux_opts);
	const struct h_step syn[] = {
		{ "SYN past syn_backlog: a flow all the same", 0, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
	};
	h_play(e, &c[1], syn);
	h_expect_cnts(e, { CNT_flows_active, 2 }, { CNT_syn_cookies_sent, 0 });
	NO_DROPS(e);
	h_env_free(e);
}

/* ---- header buffers ---------------------------------------------------- */

static void handshakes_take_no_header_buffer(void **state)
{
	(void)state;
	struct h_params p = { .header_buffers = 4 };
	struct h_env *e = h_env_new(&p);
	struct worker *w = e->sh->workers[0];
	struct h_conn c[9];
	static const char part[] = "GET /p HTTP/1.1\r\n";
	const int n = sizeof(part) - 1;

	for (unsigned i = 0; i < 9; i++) {
		h_conn_init(&c[i], (uint16_t)(42030 + i), 1000 * (i + 1), 0);
		h_handshake(e, &c[i], &linux_opts);
	}
	assert_int_equal(rte_mempool_avail_count(w->hbufs), 4);
	const struct h_step st[] = {
		{ "part of a header: a buffer is taken", 100, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = part },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } } } },
	};
	for (unsigned i = 0; i < 4; i++)
		h_play(e, &c[i], st);
	assert_int_equal(rte_mempool_avail_count(w->hbufs), 0);
	/* none free, and none held long enough to be evicted */
	const struct h_step refused[] = {
		{ "no buffer: the bytes are dropped, a duplicate ACK says so", 900, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = part },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1) } } } },
	};
	h_play(e, &c[4], refused);
	h_expect_drops(e, { DROP_hdr_buffers_full, 1 });
	h_expect_cnts(e, { CNT_header_evicted, 0 }, { CNT_flows_active, 9 });
	h_env_free(e);
}

static void slowest_header_is_evicted_with_408_when_buffers_run_out(void **state)
{
	(void)state;
	struct h_params p = { .header_buffers = 2 };
	struct h_env *e = h_env_new(&p);
	struct worker *w = e->sh->workers[0];
	struct h_conn a, b, c;
	static const char more[] = "GET /a HTTP/1.1\r\nHost: web.example.test\r\nAccept: */*\r\n";
	static const char less[] = "GET /b HTTP/1.1\r\n";

	h_conn_init(&a, 42040, 100, 0);
	h_conn_init(&b, 42041, 200, 0);
	h_conn_init(&c, 42042, 300, 0x7000000);
	h_handshake(e, &a, &linux_opts);
	h_handshake(e, &b, &linux_opts);
	h_handshake(e, &c, &linux_opts);
	const struct h_step sa[] = {
		{ "a: most of a header", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = more },
		  { { X_CLIENT, .s = { .flags = ACK } } } },
	};
	const struct h_step sb[] = {
		{ "b: a request line only", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = less },
		  { { X_CLIENT, .s = { .flags = ACK } } } },
	};
	h_play(e, &a, sa);
	h_play(e, &b, sb);
	/* 1.5 s on, c's request needs a buffer: b sent the least over the
	 * longest time and loses its buffer (408); c's request goes on */
	const struct h_step sc[] = {
		{ "c's request: b evicted, c decided", 1500, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { 0 } }, .any_out = true },
	};
	h_play(e, &c, sc);
	h_expect_cnts(e, { CNT_header_evicted, 1 }, { CNT_http_408, 1 },
		      { CNT_backend_connects, 1 });
	struct flow *fa = flow_of(e, &a), *fb = flow_of(e, &b), *fc = flow_of(e, &c);
	assert_non_null(fa);
	assert_non_null(fb);
	assert_non_null(fc);
	assert_int_equal(fa->state, FS_HEADER);
	assert_non_null(fa->hbuf);
	assert_int_equal(fb->state, FS_RESPOND);
	assert_null(fb->hbuf);
	assert_int_equal(fc->state, FS_CONNECT);
	assert_int_equal(rte_mempool_avail_count(w->hbufs), 0);
	NO_DROPS(e);
	h_env_free(e);
}

static void decided_headers_are_never_evicted(void **state)
{
	(void)state;
	struct h_params p = { .header_buffers = 1 };
	struct h_env *e = h_env_new(&p);
	struct h_conn a, b;
	static const char part[] = "GET /p HTTP/1.1\r\n";

	h_conn_init(&a, 42050, 100, 0x7000000);
	h_conn_init(&b, 42051, 200, 0);
	h_handshake(e, &a, &linux_opts);
	h_handshake(e, &b, &linux_opts);
	const struct h_step sa[] = {
		{ "a's whole request: decided, connecting (its buffer holds it)", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { 0 } }, .any_out = true },
	};
	h_play(e, &a, sa);
	const struct h_step sb[] = {
		{ "b at 1.1 s: no buffer, and a is not a slow header", 1100, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = part },
		  { { 0 } }, .any_out = true },
	};
	h_play(e, &b, sb);
	h_expect_cnts(e, { CNT_header_evicted, 0 });
	h_expect_drops(e, { DROP_hdr_buffers_full, 1 });
	h_env_free(e);
}

/* A header answered 408 at header_ms keeps its buffer while the answer
 * is out; it is not a slow header any more and must not be answered
 * (and counted) again by an eviction. */
static void a_header_answered_408_is_not_evicted(void **state)
{
	(void)state;
	struct h_params p = { .header_buffers = 2 };
	struct h_env *e = h_env_new(&p);
	struct h_conn a, b, c;
	static const char part[] = "GET /p HTTP/1.1\r\n";

	h_conn_init(&a, 42060, 100, 0);
	h_conn_init(&b, 42061, 200, 0);
	h_conn_init(&c, 42062, 300, 0);
	h_handshake(e, &a, &linux_opts);
	const struct h_step sa[] = {
		{ "a: part of a header", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = part },
		  { { 0 } }, .any_out = true },
		{ "header_ms: a gets 408", 3000, F_NONE, { 0 }, { { 0 } }, .any_out = true },
	};
	h_play(e, &a, sa);
	h_handshake(e, &b, &linux_opts);
	h_handshake(e, &c, &linux_opts);
	const struct h_step sb[] = {
		{ "b takes the other buffer", 3001, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = part },
		  { { 0 } }, .any_out = true },
	};
	h_play(e, &b, sb);
	const struct h_step sc[] = {
		{ "c: no buffer free, none to evict (a is answered, b is new)", 3002, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = part },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1) } } } },
	};
	h_play(e, &c, sc);
	h_expect_cnts(e, { CNT_header_evicted, 0 }, { CNT_http_408, 1 });
	h_expect_drops(e, { DROP_hdr_buffers_full, 1 });
	h_env_free(e);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(cookie_handshake_keeps_nothing_until_the_ack),
	cmocka_unit_test(cookie_ack_carrying_the_request_opens_the_flow),
	cmocka_unit_test(cookie_rounds_the_mss_down_and_keeps_no_shift_when_none_offered),
	cmocka_unit_test(stale_cookie_is_refused_with_rst),
	cmocka_unit_test(forged_cookie_acks_are_refused),
	cmocka_unit_test(auto_cookies_start_past_syn_backlog_and_stop_below_it),
	cmocka_unit_test(never_mode_sends_no_cookie_past_syn_backlog),
	cmocka_unit_test(handshakes_take_no_header_buffer),
	cmocka_unit_test(slowest_header_is_evicted_with_408_when_buffers_run_out),
	cmocka_unit_test(decided_headers_are_never_evicted),
	cmocka_unit_test(a_header_answered_408_is_not_evicted),
};

H_MAIN("cookie", tests)
