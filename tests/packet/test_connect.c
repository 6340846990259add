/* Backend connect: the SYN after the decision, its retransmission, RST and
 * timeout -> the other backend (or the only one again) up to the
 * service's retries, then 503, bytes that arrive while connecting, stray
 * answers to abandoned attempts. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts be_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

static const char req[] = "GET /c HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
#define REQ_LEN ((int)sizeof(req) - 1)

static const char *response(int status, const char *reason, char *buf, size_t len)
{
	char body[96];
	int bl = snprintf(body, sizeof(body), "steer: %d %s\n", status, reason);

	snprintf(buf, len, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
		 "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
		 status, reason, bl, body);
	return buf;
}

/* Handshake and the whole request at t = 0: SYN to a web backend. */
static void up_to_syn(struct h_env *e, struct h_conn *c, const char *r)
{
	const int n = (int)strlen(r);

	h_handshake(e, c, &linux_opts);
	const struct h_step st[] = {
		{ "request: ACK and SYN to a web backend", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = r },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0),
			     .o = { .mss = 1460, .ws = WS(7), .sackok = true },
			     .chk_opts = true } } } },
	};
	h_play(e, c, st);
}

static void backend_rst_during_connect_moves_to_the_other_backend(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	char fwd[256];

	h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd));
	h_conn_init(&c, 40200, 1000, 0x50000000);
	up_to_syn(e, &c, req);
	uint16_t first_port = c.sport;
	uint8_t first = c.target;
	const struct h_step st[] = {
		{ "RST without ACK in SYN-SENT is not acceptable (RFC 9293 3.10.7.3)", 10,
		  F_BACKEND, { .flags = RST, .seq = ABS(0) }, { { X_END } } },
		{ "SYN-ACK acknowledging something else: <SEQ=SEG.ACK><CTL=RST>, SYN again (RFC 9293 3.10.7.3)",
		  10, F_BACKEND, { .flags = SYN | ACK, .seq = B_(0), .ack = S_(5) },
		  { { X_BACKEND, .s = { .flags = RST, .seq = S_(5), .ack = ABS(0) } },
		    { X_BACKEND, .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0),
					.o = { .mss = 1460, .ws = WS(7), .sackok = true },
					.chk_opts = true } } } },
		{ "RST|ACK of our SYN: connection refused -> SYN to the other backend", 10,
		  F_BACKEND, { .flags = RST | ACK, .seq = ABS(0), .ack = S_(1) },
		  { { X_BACKEND, .target = T_OTHER, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0),
			     .o = { .mss = 1460, .ws = WS(7), .sackok = true },
			     .chk_opts = true } } } },
		{ "the other backend answers: header sent", 20, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
	};
	h_play(e, &c, st);
	assert_int_not_equal(c.target, first);
	assert_int_not_equal(c.sport, first_port);
	h_expect_drops(e, { DROP_tcp_bad_flags, 2 });
	h_expect_cnts(e, { CNT_backend_connects, 2 }, { CNT_backend_retries, 1 },
		      { CNT_flows_active, 1 }, { CNT_rst_sent, 1 });
}

static void connect_timeout_retransmits_then_moves_on(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40201, 1000, 0x50000000);
	up_to_syn(e, &c, req);
	const struct h_step st[] = {
		{ "no answer for 199 ms: nothing", 199, F_NONE, { 0 }, { { X_END } } },
		{ "syn_rto_ms = 200: the same SYN again", 200, F_NONE, { 0 },
		  { { X_BACKEND, .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0),
				       .o = { .mss = 1460, .ws = WS(7), .sackok = true },
				       .chk_opts = true } } } },
		{ "399 ms later: nothing", 599, F_NONE, { 0 }, { { X_END } } },
		{ "400 ms after it (RFC 6298 5.5: the RTO doubles): again", 600, F_NONE, { 0 },
		  { { X_BACKEND, .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0) } } } },
		{ "799 ms later: nothing", 1399, F_NONE, { 0 }, { { X_END } } },
		{ "800 ms after it: again", 1400, F_NONE, { 0 },
		  { { X_BACKEND, .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0) } } } },
		{ "the next RTO (1.6 s) is past connect_ms: nothing until then", 1999,
		  F_NONE, { 0 }, { { X_END } } },
		{ "connect_ms = 2 s: give up, SYN to the other backend", 2000, F_NONE, { 0 },
		  { { X_BACKEND, .target = T_OTHER, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0) } } } },
		{ "which answers", 2010, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.exp_len = REQ_LEN + 31 } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_backend_connects, 2 }, { CNT_backend_retries, 1 },
		      { CNT_syn_retransmits, 3 });
}

/* syn_rto_ms sets the first RTO; each attempt starts from it again. */
static void syn_rto_ms_sets_the_first_retransmission_of_every_attempt(void **state)
{
	(void)state;
	struct h_params p = { .syn_rto_ms = 50, .connect_ms = 300 };
	struct h_env *e = h_env_new(&p);
	struct h_conn c;

	h_conn_init(&c, 40208, 1000, 0x50000000);
	up_to_syn(e, &c, req);
	const struct h_step st[] = {
		{ "49 ms: nothing", 49, F_NONE, { 0 }, { { X_END } } },
		{ "50 ms: SYN again", 50, F_NONE, { 0 },
		  { { X_BACKEND, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "100 ms after it: again", 150, F_NONE, { 0 },
		  { { X_BACKEND, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "200 ms after that is past connect_ms: the other backend", 300,
		  F_NONE, { 0 },
		  { { X_BACKEND, .target = T_OTHER, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "its first retransmission is 50 ms later again", 350, F_NONE, { 0 },
		  { { X_BACKEND, .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_syn_retransmits, 3 });
	h_env_free(e);
}

static void late_synack_to_an_abandoned_port_gets_rst(void **state)
{
	struct h_env *e = *state;
	struct h_conn c, old;

	h_conn_init(&c, 40202, 1000, 0x50000000);
	up_to_syn(e, &c, req);
	old = c;
	const struct h_step st[] = {
		{ "connect_ms: SYN to the other backend", 2000, F_NONE, { 0 },
		  { { X_BACKEND, .target = T_OTHER, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } },
		  .any_out = false },
	};
	/* the SYN retransmissions are not what this test is about */
	static const uint64_t resent[] = { 200, 600, 1400 };
	for (unsigned i = 0; i < 3; i++) {
		h_at(e, resent[i]);
		h_tick(e);
	}
	assert_int_equal(h_drain(e), 3);
	h_play(e, &c, st);
	const struct h_step late[] = {
		{ "the first backend's SYN-ACK arrives late: its port has no flow", 2001,
		  F_BACKEND, { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = RST, .seq = S_(1), .ack = ABS(0) } } } },
	};
	h_play(e, &old, late);
	h_expect_drops(e, { DROP_tcp_no_flow, 1 });
	h_expect_cnts(e, { CNT_rst_sent, 1 }, { CNT_flows_active, 1 });
}

static void every_backend_refusing_gets_503(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	char resp[512];

	response(503, "Service Unavailable", resp, sizeof(resp));
	const int rl = (int)strlen(resp);
	h_conn_init(&c, 40203, 1000, 0x50000000);
	up_to_syn(e, &c, req);
	const struct h_step st[] = {
		{ "first backend refuses: the other one", 10, F_BACKEND,
		  { .flags = RST | ACK, .ack = S_(1) },
		  { { X_BACKEND, .target = T_OTHER, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "the other refuses too: both tried, the first again (retry 2 of 3)", 12,
		  F_BACKEND, { .flags = RST | ACK, .ack = S_(1) },
		  { { X_BACKEND, .target = T_OTHER, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "and the second again (retry 3 of 3)", 14, F_BACKEND,
		  { .flags = RST | ACK, .ack = S_(1) },
		  { { X_BACKEND, .target = T_OTHER, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "retries used up: 503 and FIN to the client", 20, F_BACKEND,
		  { .flags = RST | ACK, .ack = S_(1) },
		  { { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1),
				       .ack = C_(1 + REQ_LEN), .data = resp } } } },
		{ "client ACKs", 30, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + REQ_LEN), .ack = R_(1 + rl + 1) }, { { X_END } } },
		{ "client FIN: ACKed", 31, F_CLIENT,
		  { .flags = FIN | ACK, .seq = C_(1 + REQ_LEN), .ack = R_(1 + rl + 1) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1 + rl + 1),
				       .ack = C_(2 + REQ_LEN) } } } },
		{ "linger over", 531, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_http_503, 1 }, { CNT_closed_connect_failed, 1 },
		      { CNT_backend_connects, 4 }, { CNT_backend_retries, 3 },
		      { CNT_flows_active, 0 });
}

/* The symptom of issue 9: a service down to one backend whose accept
 * queue overflowed. Refused or silent, it is tried again, from a new
 * port, until the service's retries are used up. */
static void only_backend_is_tried_again_until_retries_are_used_up(void **state)
{
	(void)state;
	struct h_params p = { .web_backends = "{ address = \"198.18.1.10:8080\"; }" };
	struct h_env *e = h_env_new(&p);
	struct h_conn c;
	uint16_t ports[4];

	h_conn_init(&c, 40209, 1000, 0x50000000);
	up_to_syn(e, &c, req);
	assert_int_equal(c.target, T_BE0);
	ports[0] = c.sport;
	const struct h_step refused = {
		"it refuses: the same backend again, from a new port", 10, F_BACKEND,
		{ .flags = RST | ACK, .ack = S_(1) },
		{ { X_BACKEND, .target = T_BE0, .relearn = true,
		    .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0),
			   .o = { .mss = 1460, .ws = WS(7), .sackok = true },
			   .chk_opts = true } } } };
	h_play1(e, &c, &refused);
	ports[1] = c.sport;
	const struct h_step silent = {
		"silent for connect_ms: the same backend again", 2010, F_NONE, { 0 },
		{ { X_BACKEND, .target = T_BE0, .relearn = true,
		    .s = { .flags = SYN, .seq = S_(0) } } } };
	h_play1(e, &c, &silent);
	ports[2] = c.sport;
	struct h_step again = refused;
	again.at = 2020;
	again.desc = "refused: the third retry";
	h_play1(e, &c, &again);
	ports[3] = c.sport;
	const struct h_step st[] = {
		{ "refused once more: retries (3) used up, 503", 2030, F_BACKEND,
		  { .flags = RST | ACK, .ack = S_(1) },
		  { { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1),
				       .ack = C_(1 + REQ_LEN), .exp_len = 132 } } } },
	};
	h_play(e, &c, st);
	for (unsigned i = 1; i < 4; i++)
		assert_int_not_equal(ports[i], ports[i - 1]);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_http_503, 1 }, { CNT_closed_connect_failed, 1 },
		      { CNT_backend_connects, 4 }, { CNT_backend_retries, 3 });
	h_env_free(e);
}

static void every_backend_silent_gets_503_after_two_connect_timeouts(void **state)
{
	(void)state;
	struct h_params p = { .web_service = " retries = 1;" };
	struct h_env *e = h_env_new(&p);
	struct h_conn c;
	char resp[512];

	response(503, "Service Unavailable", resp, sizeof(resp));
	h_conn_init(&c, 40204, 1000, 0x50000000);
	up_to_syn(e, &c, req);
#define RESENT(t) { "SYN retransmitted", (t), F_NONE, { 0 }, \
		  { { X_BACKEND, .s = { .flags = SYN, .seq = S_(0) } } } }
	const struct h_step st[] = {
		RESENT(200), RESENT(600), RESENT(1400),
		{ "timeout: the other backend", 2000, F_NONE, { 0 },
		  { { X_BACKEND, .target = T_OTHER, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } } },
		RESENT(2200), RESENT(2600), RESENT(3400),
		{ "timeout again, and retries = 1 is used up: 503", 4000, F_NONE, { 0 },
		  { { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1),
				       .ack = C_(1 + REQ_LEN), .data = resp } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_http_503, 1 }, { CNT_closed_connect_failed, 1 },
		      { CNT_backend_connects, 2 }, { CNT_syn_retransmits, 6 });
	h_env_free(e);
#undef RESENT
}

static void body_bytes_while_connecting_follow_the_header(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const char post[] = "POST /p HTTP/1.1\r\nHost: web.example.test\r\n"
				   "Content-Length: 10\r\n\r\nhello";
	const int n = sizeof(post) - 1;
	char fwd[512];

	h_with_xff(post, H_CLIENT_IP, fwd, sizeof(fwd));
	strcat(fwd, "world");
	h_conn_init(&c, 40205, 1000, 0x50000000);
	up_to_syn(e, &c, post);
	const struct h_step st[] = {
		{ "rest of the body while connecting: ACKed and buffered", 5, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n), .ack = R_(1), .data = "world" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n + 5) } } } },
		{ "client FIN while connecting: not taken yet", 6, F_CLIENT,
		  { .flags = FIN | ACK, .seq = C_(1 + n + 5), .ack = R_(1) }, { { X_END } } },
		{ "SYN-ACK: header + injected line + whole body", 10, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
		{ "the client's FIN, retransmitted now, is spliced through", 100, F_CLIENT,
		  { .flags = FIN | ACK, .seq = C_(1 + n + 5), .ack = R_(1) },
		  { { X_BACKEND, .s = { .flags = FIN | ACK, .seq = S_(1 + (int)strlen(fwd)),
					.ack = B_(1) } } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_fin_early, 1 });
}

/* A retransmission that covers the complete header and more (Linux
 * collapses segments when it retransmits) must add only the new bytes:
 * the injected lines already sit where the header ended. */
static void retransmission_overlapping_the_header_keeps_the_injected_lines(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const char post[] = "POST /p HTTP/1.1\r\nHost: web.example.test\r\n"
				   "Content-Length: 10\r\n\r\nhello";
	static const char both[] = "POST /p HTTP/1.1\r\nHost: web.example.test\r\n"
				   "Content-Length: 10\r\n\r\nhelloworld";
	const int n = sizeof(post) - 1;
	char fwd[512];

	h_with_xff(post, H_CLIENT_IP, fwd, sizeof(fwd));
	strcat(fwd, "world");
	h_conn_init(&c, 40207, 1000, 0x50000000);
	up_to_syn(e, &c, post);
	const struct h_step st[] = {
		{ "header and whole body again in one segment: only the new 5 bytes taken",
		  5, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = both },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n + 5) } } } },
		{ "SYN-ACK: header + injected line + whole body, nothing else", 10, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
	};
	h_play(e, &c, st);
}

static void backend_synack_retransmitted_resends_the_header(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	char fwd[256];

	h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd));
	h_conn_init(&c, 40206, 1000, 0x50000000);
	up_to_syn(e, &c, req);
	const struct h_step st[] = {
		{ "SYN-ACK: header", 10, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
		{ "SYN-ACK again (our header was lost): header again", 20, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
		{ "no ACK within 200 ms: we retransmit it ourselves", 210, F_NONE, { 0 },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
		{ "backend ACKs it: forwarded to the client", 300, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(1 + (int)strlen(fwd)) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + REQ_LEN) } } } },
		{ "and our retransmission timer is off", 2000, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_tcp_dup, 1 });
	h_expect_cnts(e, { CNT_retransmits, 2 });
}

/* Seen in e2e (a burst at backlog-5 backends, two workers): a backend
 * whose accept queue is full drops the ACK that ends its handshake, and
 * the data with it, and sends its SYN-ACK again, seconds apart, until its
 * queue has room. It is alive: each SYN-ACK it sends restarts our count
 * of retransmissions, so the flow is not reset while the backend still
 * wants it (it was, after 8 retransmissions, ~32 s). */
static void backend_resending_its_synack_keeps_the_request_alive(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40570, 0x5000, 0x6000);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "request: SYN to a backend", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + REQ_LEN) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0) } } } },
		{ "SYN-ACK: the request goes out (and is lost)", 10, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { 0 } }, .any_out = true },
	};
	h_play(e, &c, st);
	for (int64_t t = 100; t <= 60000; t += 100) {
		/* the backend's kernel: SYN-ACK again at 1, 3, 7, 15, 31 s */
		bool synack = t == 1000 || t == 3000 || t == 7000 || t == 15000 ||
			      t == 31000;
		const struct h_step tick = { "time passes", t, synack ? F_BACKEND : F_NONE,
			{ .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
			{ { 0 } }, .any_out = true };
		h_play1(e, &c, &tick);
	}
	/* 29 s after its last SYN-ACK: not given up on yet */
	h_expect_cnts(e, { CNT_closed_error, 0 }, { CNT_flows_active, 1 });
}

static const struct CMUnitTest tests[] = {
	T(backend_rst_during_connect_moves_to_the_other_backend),
	T(connect_timeout_retransmits_then_moves_on),
	TN(syn_rto_ms_sets_the_first_retransmission_of_every_attempt),
	T(late_synack_to_an_abandoned_port_gets_rst),
	T(every_backend_refusing_gets_503),
	TN(only_backend_is_tried_again_until_retries_are_used_up),
	TN(every_backend_silent_gets_503_after_two_connect_timeouts),
	T(body_bytes_while_connecting_follow_the_header),
	T(retransmission_overlapping_the_header_keeps_the_injected_lines),
	T(backend_synack_retransmitted_resends_the_header),
	T(backend_resending_its_synack_keeps_the_request_alive),
};

H_MAIN("packet_connect", tests)
