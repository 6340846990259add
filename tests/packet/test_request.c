/* Per-request routing (listeners[].routing = "request"): requests on one
 * keep-alive connection decided one by one — the same leg for the same
 * target, a new leg (the old one closed with a FIN) for another, responses
 * framed so that a switch waits for the current one to end, injection on
 * every request, and the bytes of a body never decided on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const struct h_sopts copts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts bopts = { .mss = 1460, .ws = WS(7), .sackok = true };

static const char req1[] = "GET /1 HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
static const char req2[] = "GET /2 HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
static const char bob2[] = "GET /b HTTP/1.1\r\nHost: web.example.test\r\nx-dev: bob\r\n\r\n";
static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
#define L(s) ((int)sizeof(s) - 1)
#define XFF 31                    /* "X-Forwarded-For: 198.18.0.100\r\n" */

static struct h_env *env_req(void)
{
	struct h_params p = { .per_request = true };
	return h_env_new(&p);
}

static void second_request_for_the_same_target_goes_on_the_same_leg(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;
	static char fwd2[256];

	h_conn_init(&c, 41000, 0x1000, 0x9000);
	h_establish(e, &c, req1, T_ANY, &copts, &bopts);
	h_with_xff(req2, c.c_ip, fwd2, sizeof(fwd2));
	const int n1 = L(req1), n2 = L(req2), f1 = n1 + XFF, f2 = (int)strlen(fwd2), rl = L(resp);
	const struct h_step st[] = {
		{ "response 1, framed by its Content-Length", 10, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f1), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .ack = C_(1 + n1),
				       .data = resp } } } },
		{ "request 2: decided on its own, sent on the same leg with its own X-Forwarded-For",
		  11, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n1), .ack = R_(1 + rl), .data = req2 },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + f1), .ack = B_(1 + rl),
					.data = fwd2 } } } },
		{ "the backend's ACK of it is the client's (no ACK of ours went)", 12, F_BACKEND,
		  { .flags = ACK, .seq = B_(1 + rl), .ack = S_(1 + f1 + f2) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1 + rl), .ack = C_(1 + n1 + n2) } } } },
		{ "response 2 follows in the client's space", 12, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1 + rl), .ack = S_(1 + f1 + f2), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1 + rl),
				       .ack = C_(1 + n1 + n2), .data = resp } } } },
		{ "client ACK translated into the backend's space", 13, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n1 + n2), .ack = R_(1 + 2 * rl) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + f1 + f2),
					.ack = B_(1 + 2 * rl) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_requests, 2 }, { CNT_requests_same_leg, 1 },
		      { CNT_rebinds, 0 }, { CNT_backend_connects, 1 });
	h_env_free(e);
}

static void request_for_another_target_gets_a_new_leg_and_the_old_one_a_fin(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;
	static char fwdb[256];

	h_conn_init(&c, 41001, 0x2000, 0xa000);
	h_establish(e, &c, req1, T_ANY, &copts, &bopts);
	h_with_xff(bob2, c.c_ip, fwdb, sizeof(fwdb));
	const int n1 = L(req1), nb = L(bob2), f1 = n1 + XFF, fb = (int)strlen(fwdb), rl = L(resp);
	const uint8_t web = c.target;
	const struct h_step st[] = {
		{ "response 1", 10, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f1), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
		{ "request 2 for bob: the web leg is quiet, so it is closed and bob connected",
		  11, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n1), .ack = R_(1 + rl), .data = bob2 },
		  { { X_BACKEND, .target = web,
		      .s = { .flags = ACK | FIN, .seq = S_(1 + f1), .ack = B_(1 + rl) } },
		    { X_BACKEND, .target = T_BOB, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } },
		    { X_CLIENT, .s = { .flags = ACK, .seq = R_(1 + rl), .ack = C_(1 + n1 + nb) } } } },
	};
	h_play(e, &c, st);
	c.b_isn = 0x5000;         /* bob's ISN */
	const struct h_step st2[] = {
		{ "bob's SYN-ACK: request 2 goes out with its own X-Forwarded-For", 12, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = bopts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwdb } } } },
		{ "bob's response continues the client's sequence space", 13, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + fb), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1 + rl),
				       .ack = C_(1 + n1 + nb), .data = resp } } } },
		{ "client ACK reaches bob", 14, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n1 + nb), .ack = R_(1 + 2 * rl) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + fb), .ack = B_(1 + rl) } } } },
	};
	h_play(e, &c, st2);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_requests, 2 }, { CNT_rebinds, 1 }, { CNT_legs_closed, 1 },
		      { CNT_backend_connects, 2 }, { CNT_decisions_intercept, 1 });
	h_drain(e);
	h_env_free(e);
}

static void pipelined_request_for_another_target_waits_for_the_response(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;

	h_conn_init(&c, 41002, 0x3000, 0xb000);
	h_establish(e, &c, req1, T_ANY, &copts, &bopts);
	const int n1 = L(req1), nb = L(bob2), f1 = n1 + XFF, rl = L(resp);
	const uint8_t web = c.target;
	const struct h_step st[] = {
		{ "request 2 for bob before response 1: held, nothing sent yet", 10, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n1), .ack = R_(1), .data = bob2 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n1 + nb) } } } },
		{ "response 1 arrives: passed on; the client has not acknowledged it yet",
		  11, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f1), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
		{ "the client's ACK of it goes to the web leg, which is then quiet: the switch",
		  12, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n1 + nb), .ack = R_(1 + rl) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + f1), .ack = B_(1 + rl) } },
		    { X_BACKEND, .target = web,
		      .s = { .flags = ACK | FIN, .seq = S_(1 + f1), .ack = B_(1 + rl) } },
		    { X_BACKEND, .target = T_BOB, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_requests, 2 }, { CNT_requests_held, 1 }, { CNT_rebinds, 1 });
	h_drain(e);
	h_env_free(e);
}

static void post_body_holding_an_intercept_header_is_not_decided_on(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;
	static const char post[] = "POST /p HTTP/1.1\r\nHost: web.example.test\r\n"
				   "Content-Length: 55\r\n\r\n";
	/* 55 bytes that look like a request for bob. */
	static const char body[] = "GET /b HTTP/1.1\r\nHost: web.example.test\r\nx-dev: bob\r\n\r\n";
	static char fwd2[256];

	h_conn_init(&c, 41003, 0x4000, 0xc000);
	h_establish(e, &c, post, T_ANY, &copts, &bopts);
	h_with_xff(req2, c.c_ip, fwd2, sizeof(fwd2));
	const int np = L(post), nbd = L(body), n2 = L(req2), fp = np + XFF, rl = L(resp);
	assert_int_equal(nbd, 55);
	const struct h_step st[] = {
		{ "the body is spliced, not looked at", 10, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + np), .ack = R_(1), .data = body },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + fp), .ack = B_(1),
					.data = body } } } },
		{ "backend ACKs it and responds", 11, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + fp + nbd), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .ack = C_(1 + np + nbd),
				       .data = resp } } } },
		{ "the next request is a request: same target, same leg", 12, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + np + nbd), .ack = R_(1 + rl), .data = req2 },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + fp + nbd),
					.ack = B_(1 + rl), .data = fwd2 } } } },
		{ "the backend's ACK of it reaches the client translated", 13, F_BACKEND,
		  { .flags = ACK, .seq = B_(1 + rl), .ack = S_(1 + fp + nbd + (int)strlen(fwd2)) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1 + rl),
				       .ack = C_(1 + np + nbd + n2) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_requests, 2 }, { CNT_decisions_intercept, 0 }, { CNT_rebinds, 0 });
	h_env_free(e);
}

static void chunked_request_then_a_request(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;
	static const char post[] = "POST /c HTTP/1.1\r\nHost: web.example.test\r\n"
				   "Transfer-Encoding: chunked\r\n\r\n";
	static const char chunks[] = "5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n";
	static char fwd2[256];

	h_conn_init(&c, 41004, 0x5000, 0xd000);
	h_establish(e, &c, post, T_ANY, &copts, &bopts);
	h_with_xff(bob2, c.c_ip, fwd2, sizeof(fwd2));
	const int np = L(post), nc = L(chunks), nb = L(bob2), fp = np + XFF, rl = L(resp);
	const uint8_t web = c.target;
	const struct h_step st[] = {
		{ "the chunked body (an extension, a trailer) is spliced", 10, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + np), .ack = R_(1), .data = chunks },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + fp), .data = chunks } } } },
		{ "backend ACKs and responds", 11, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + fp + nc), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .ack = C_(1 + np + nc),
				       .data = resp } } } },
		{ "the request after the last chunk is decided: bob", 12, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + np + nc), .ack = R_(1 + rl), .data = bob2 },
		  { { X_BACKEND, .target = web, .s = { .flags = ACK | FIN } },
		    { X_BACKEND, .target = T_BOB, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } },
		    { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + np + nc + nb) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_requests, 2 }, { CNT_rebinds, 1 });
	h_drain(e);
	h_env_free(e);
}

static void backend_fin_between_requests_is_not_passed_to_the_client(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;

	h_conn_init(&c, 41005, 0x6000, 0xe000);
	h_establish(e, &c, req1, T_ANY, &copts, &bopts);
	const int n1 = L(req1), f1 = n1 + XFF, rl = L(resp);
	const struct h_step st[] = {
		{ "response 1", 10, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f1), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
		{ "client ACKs it", 11, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n1), .ack = R_(1 + rl) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + f1), .ack = B_(1 + rl) } } } },
		{ "the backend's keep-alive ends: its FIN is answered by us, not passed on",
		  12, F_BACKEND,
		  { .flags = ACK | FIN, .seq = B_(1 + rl), .ack = S_(1 + f1) },
		  { { X_BACKEND, .s = { .flags = ACK | FIN, .seq = S_(1 + f1), .ack = B_(2 + rl) } } } },
		{ "the next request gets a new connection to the same service", 13, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n1), .ack = R_(1 + rl), .data = req2 },
		  { { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } },
		    { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + n1 + L(req2)) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_legs_backend_closed, 1 }, { CNT_backend_connects, 2 });
	h_drain(e);
	h_env_free(e);
}

static void malformed_second_request_gets_400_after_the_first_response(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;
	static const char bad[] = "GET /x HTTP/1.1\r\nHost: a\r\nBad Field: x\r\n\r\n";

	h_conn_init(&c, 41006, 0x7000, 0xf000);
	h_establish(e, &c, req1, T_ANY, &copts, &bopts);
	const int n1 = L(req1), f1 = n1 + XFF, rl = L(resp), nb = L(bad);
	const uint8_t web = c.target;
	const struct h_step st[] = {
		{ "a malformed request before response 1: nothing answered yet", 10, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n1), .ack = R_(1), .data = bad },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + n1 + nb) } } } },
		{ "response 1 is passed on", 11, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f1), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
		{ "once the client has it: the leg is closed and our 400 follows it", 12, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n1 + nb), .ack = R_(1 + rl) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + f1), .ack = B_(1 + rl) } },
		    { X_BACKEND, .target = web, .s = { .flags = ACK | FIN } },
		    { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1 + rl),
				       .ack = C_(1 + n1 + nb), .exp_len = 116 } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_http_400, 1 });
	h_drain(e);
	h_env_free(e);
}


/* A response of each framing kind (RFC 9112 section 6.3), then a request
 * for bob on the same connection: the switch happens at once exactly when
 * the response was complete; otherwise the request is held. */
static const struct {
	const char *req;
	const char *resp;
	bool complete;
	const char *why;
} kinds[] = {
	{ req1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	  true, "chunked, last chunk and empty trailer" },
	{ req1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n",
	  false, "chunked without the final CRLF" },
	{ "HEAD /1 HTTP/1.1\r\nHost: web.example.test\r\n\r\n",
	  "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", true,
	  "a response to HEAD has no body whatever its Content-Length" },
	{ req1, "HTTP/1.1 204 No Content\r\n\r\n", true, "204" },
	{ req1, "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n", true,
	  "304 has no body" },
	{ req1, "HTTP/1.1 100 Continue\r\n\r\n", false, "100 Continue is interim" },
	{ req1, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	  true, "100 Continue, then the final response" },
	{ req1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", false,
	  "Content-Length not yet reached" },
	{ req1, "HTTP/1.1 200 OK\r\n\r\nabc", false, "close-delimited: ends only with a FIN" },
};

static void each_response_framing_ends_where_rfc_9112_says(void **state)
{
	(void)state;
	struct h_env *e = env_req();

	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct h_conn c;
		int n1 = (int)strlen(kinds[i].req), rl = (int)strlen(kinds[i].resp);
		int nb = L(bob2);

		h_conn_init(&c, (uint16_t)(41100 + i), 0x10000 * (i + 1), 0x20000 * (i + 1));
		h_establish(e, &c, kinds[i].req, T_ANY, &copts, &bopts);
		uint8_t web = c.target;
		struct h_step st[] = {
			{ kinds[i].why, 0, F_BACKEND,
			  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + n1 + XFF),
			    .data = kinds[i].resp },
			  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1),
					       .data = kinds[i].resp } } } },
			{ kinds[i].why, 0, F_CLIENT,
			  { .flags = ACK | PSH, .seq = C_(1 + n1), .ack = R_(1 + rl), .data = bob2 },
			  { { X_BACKEND, .target = web, .s = { .flags = ACK | FIN } },
			    { X_BACKEND, .target = T_BOB, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } },
			    { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + n1 + nb) } } } },
		};
		if (!kinds[i].complete) {
			struct h_exp held[] = {
				{ X_BACKEND, .s = { .flags = ACK, .ack = B_(1 + rl) } },
				{ X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + n1 + nb) } },
				{ X_END },
			};
			memcpy(st[1].out, held, sizeof(held));
		}
		h_play(e, &c, st);
		h_drain(e);
	}
	NO_DROPS(e);
	h_env_free(e);
}

static void three_pipelined_requests_in_one_segment_go_to_three_targets(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;
	static const char api3[] = "GET /v2/3 HTTP/1.1\r\nHost: api.example.test\r\n\r\n";
	static char three[512], f1[256], f2[256], f3[256];

	snprintf(three, sizeof(three), "%s%s%s", req1, bob2, api3);
	h_conn_init(&c, 41200, 0x30000, 0x40000);
	h_handshake(e, &c, &copts);
	h_with_xff(req1, c.c_ip, f1, sizeof(f1));
	h_with_xff(bob2, c.c_ip, f2, sizeof(f2));
	h_with_xff(api3, c.c_ip, f3, sizeof(f3));
	const int n = (int)strlen(three), l1 = (int)strlen(f1), l2 = (int)strlen(f2);
	const int rl = L(resp);
	const struct h_step st[] = {
		{ "three requests in one segment: all acknowledged, the first decided", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = three },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "web's SYN-ACK: only the first request goes", 1, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = bopts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1), .data = f1 } } } },
		{ "web ACKs it: the second (bob) is decided and held for the first response",
		  2, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(1 + l1) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } } } },
		{ "response 1", 3, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + l1), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
	};
	h_play(e, &c, st);
	uint8_t web = c.target;
	const struct h_step st2[] = {
		{ "the client has it: web closed, bob connected", 4, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n), .ack = R_(1 + rl) },
		  { { X_BACKEND, .s = { .flags = ACK, .ack = B_(1 + rl) } },
		    { X_BACKEND, .target = web, .s = { .flags = ACK | FIN } },
		    { X_BACKEND, .target = T_BOB, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st2);
	c.b_isn = 0x77000;
	const struct h_step st3[] = {
		{ "bob's SYN-ACK: the second request", 5, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = bopts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .data = f2 } } } },
		{ "bob ACKs and answers", 6, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + l2), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1 + rl), .data = resp } } } },
		{ "the client has it: bob closed, api connected", 7, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n), .ack = R_(1 + 2 * rl) },
		  { { X_BACKEND, .s = { .flags = ACK, .ack = B_(1 + rl) } },
		    { X_BACKEND, .target = T_BOB, .s = { .flags = ACK | FIN } },
		    { X_BACKEND, .target = T_API, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st3);
	c.b_isn = 0x99000;
	const struct h_step st4[] = {
		{ "api's SYN-ACK: the third request", 8, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = bopts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .data = f3 } } } },
		{ "api answers, in the client's space after the other two", 9, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + (int)strlen(f3)), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1 + 2 * rl), .ack = C_(1 + n),
				       .data = resp } } } },
	};
	h_play(e, &c, st4);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_requests, 3 }, { CNT_rebinds, 2 }, { CNT_legs_closed, 2 },
		      { CNT_backend_connects, 3 });
	h_drain(e);
	h_env_free(e);
}

static void upgrade_101_then_raw_bytes_are_spliced_undecided(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;
	static const char up[] = "GET /ws HTTP/1.1\r\nHost: web.example.test\r\n"
				 "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
	static const char r101[] = "HTTP/1.1 101 Switching Protocols\r\n"
				   "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n";

	h_conn_init(&c, 41300, 0x50000, 0x60000);
	h_establish(e, &c, up, T_ANY, &copts, &bopts);
	const int n = L(up), f = n + XFF, rl = L(r101), nb = L(bob2);
	const struct h_step st[] = {
		{ "101", 1, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f), .data = r101 },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = r101 } } } },
		{ "bytes that read like a request for bob: spliced to the same backend", 2, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n), .ack = R_(1 + rl), .data = bob2 },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + f), .ack = B_(1 + rl),
					.data = bob2 } } } },
		{ "raw bytes back", 3, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1 + rl), .ack = S_(1 + f + nb), .data = "\x81\x02hi" },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1 + rl), .ack = C_(1 + n + nb),
				       .data = "\x81\x02hi" } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_requests, 1 }, { CNT_decisions_intercept, 0 });
	h_env_free(e);
}

static void backend_rst_mid_response_ends_the_client_connection(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;
	static const char part[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc";

	h_conn_init(&c, 41400, 0x70000, 0x80000);
	h_establish(e, &c, req1, T_ANY, &copts, &bopts);
	const int n = L(req1), f = n + XFF, pl = L(part);
	const struct h_step st[] = {
		{ "a part of the response", 1, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f), .data = part },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = part } } } },
		{ "the backend dies: its RST reaches the client, never another backend", 2, F_BACKEND,
		  { .flags = RST | ACK, .seq = B_(1 + pl), .ack = S_(1 + f) },
		  { { X_CLIENT, .s = { .flags = RST | ACK, .seq = R_(1 + pl) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_closed_rst_backend, 1 }, { CNT_backend_connects, 1 });
	h_env_free(e);
}

/* Found by the packet fuzzer: an RST may carry bytes (RFC 9293 3.5.3:
 * diagnostic, never delivered as data). They are neither a response nor
 * a request, and the RST that carries them is forwarded, never answered
 * with one (RFC 9293 3.10.7). */
static void backend_rst_carrying_bytes_is_forwarded_not_framed(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;
	static const char junk[] = "connection reset\r\n";

	h_conn_init(&c, 41405, 0x71000, 0x82000);
	h_establish(e, &c, req1, T_ANY, &copts, &bopts);
	const int n = L(req1), f = n + XFF;
	const struct h_step st[] = {
		{ "the backend resets with bytes on the RST: forwarded as they are", 1, F_BACKEND,
		  { .flags = RST | ACK, .seq = B_(1), .ack = S_(1 + f), .data = junk },
		  { { X_CLIENT, .s = { .flags = RST | ACK, .seq = R_(1), .ack = C_(1 + n),
				       .data = junk } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_closed_rst_backend, 1 }, { CNT_rst_sent, 0 });
	h_env_free(e);
}

static void client_rst_carrying_bytes_is_forwarded_not_framed(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;
	static const char junk[] = "GET /x HTTP/1.1\r\n\r\n";

	h_conn_init(&c, 41406, 0x72000, 0x83000);
	h_establish(e, &c, req1, T_ANY, &copts, &bopts);
	const int n = L(req1), f = n + XFF;
	const struct h_step st[] = {
		{ "the client resets with bytes on the RST: forwarded, no request", 1, F_CLIENT,
		  { .flags = RST | ACK, .seq = C_(1 + n), .ack = R_(1), .data = junk },
		  { { X_BACKEND, .s = { .flags = RST | ACK, .seq = S_(1 + f), .ack = B_(1),
					.data = junk } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_closed_rst_client, 1 }, { CNT_rst_sent, 0 });
	h_env_free(e);
}

/* Seen in e2e (metrics): a client that read only part of a response and
 * closed its socket sends an RST (RFC 9293 3.6.1: unread data); the flow
 * must end with it, not wait for idle_s with its leg gone. */
static void client_rst_after_a_response_ends_the_flow(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
	static const char body[] = "hello";

	h_conn_init(&c, 41410, 0x90000000u, 0x81000);  /* ISN in the upper half */
	h_establish(e, &c, req1, T_ANY, &copts, &bopts);
	const int n = L(req1), f = n + XFF, hl = L(head), bl = L(body);
	const struct h_step st[] = {
		{ "the response's head", 1, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f), .data = head },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = head } } } },
		{ "its body", 1, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1 + hl), .ack = S_(1 + f), .data = body },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1 + hl), .data = body } } } },
		{ "the client ACKs both", 2, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n), .ack = R_(1 + hl + bl) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + f), .ack = B_(1 + hl + bl) } } } },
		{ "then resets (it had not read the body): the RST reaches the backend", 700,
		  F_CLIENT, { .flags = RST | ACK, .seq = C_(1 + n), .ack = R_(1 + hl + bl) },
		  { { X_BACKEND, .s = { .flags = RST | ACK, .seq = S_(1 + f) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_closed_rst_client, 1 });
	h_env_free(e);
}

static void absolute_form_target_wins_and_the_forwarded_host_agrees(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c;
	static const char abs1[] = "GET http://api.example.test/v2/a HTTP/1.1\r\nHost: w.test\r\n\r\n";
	static const char abs2[] = "GET http://api.example.test/v2/b HTTP/1.1\r\nHost: w.test\r\n\r\n";
	static char want1[256], want2[256];

	h_conn_init(&c, 41500, 0x90000, 0xa0000);
	h_handshake(e, &c, &copts);
	h_with_xff("GET http://api.example.test/v2/a HTTP/1.1\r\nHost: api.example.test\r\n\r\n",
		   c.c_ip, want1, sizeof(want1));
	h_with_xff("GET http://api.example.test/v2/b HTTP/1.1\r\nHost: api.example.test\r\n\r\n",
		   c.c_ip, want2, sizeof(want2));
	const int n1 = L(abs1), n2 = L(abs2), w1 = (int)strlen(want1), rl = L(resp);
	const struct h_step st[] = {
		{ "routed on the target's host (api), not Host (web)", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = abs1 },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + n1) } },
		    { X_BACKEND, .target = T_API, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "forwarded with Host rewritten to the target's authority", 1, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = bopts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .data = want1 } } } },
		{ "its response", 2, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + w1), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .ack = C_(1 + n1),
				       .data = resp } } } },
		{ "the next one on the same leg, offsets counting the longer Host", 3, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n1), .ack = R_(1 + rl), .data = abs2 },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + w1), .data = want2 } } } },
		{ "the backend's ACK of it reaches the client translated", 4, F_BACKEND,
		  { .flags = ACK, .seq = B_(1 + rl), .ack = S_(1 + w1 + (int)strlen(want2)) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1 + rl), .ack = C_(1 + n1 + n2) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_requests_same_leg, 1 });
	h_env_free(e);
}

static void idle_keepalive_is_closed_quietly_and_a_partial_header_gets_408(void **state)
{
	(void)state;
	struct h_params p = { .per_request = true, .idle_s = 2, .header_ms = 1000 };
	struct h_env *e = h_env_new(&p);
	struct h_conn c, d;
	static const char partial[] = "GET /slow HT";

	h_conn_init(&c, 41600, 0xb0000, 0xc0000);
	h_establish(e, &c, req1, T_ANY, &copts, &bopts);
	const int n = L(req1), f = n + XFF, rl = L(resp);
	uint8_t web = c.target;
	const struct h_step st[] = {
		{ "response", 10, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
		{ "client ACK", 11, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n), .ack = R_(1 + rl) },
		  { { X_BACKEND, .s = { .flags = ACK, .ack = B_(1 + rl) } } } },
		{ "idle_s later: a FIN to both sides, no RST and no 408", 2100, F_NONE, {},
		  { { X_BACKEND, .target = web, .s = { .flags = ACK | FIN, .seq = S_(1 + f) } },
		    { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1 + rl), .ack = C_(1 + n),
				       .exp_len = 0 } } } },
		{ "the client closes too", 2110, F_CLIENT,
		  { .flags = ACK | FIN, .seq = C_(1 + n), .ack = R_(2 + rl) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(2 + rl), .ack = C_(2 + n) } } } },
		{ "so does the backend: the leg's entry acknowledges its FIN", 2120, F_BACKEND,
		  { .flags = ACK | FIN, .seq = B_(1 + rl), .ack = S_(2 + f) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(2 + f), .ack = B_(2 + rl) } } } },
	};
	h_play(e, &c, st);
	h_expect_cnts(e, { CNT_http_408, 0 }, { CNT_rst_sent, 0 });

	h_conn_init(&d, 41601, 0xd0000, 0xe0000);
	h_at(e, 3000);
	h_establish(e, &d, req1, T_ANY, &copts, &bopts);
	web = d.target;
	const struct h_step st2[] = {
		{ "response", 3010, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
		{ "a few bytes of the next request", 3020, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n), .ack = R_(1 + rl), .data = partial },
		  { { X_BACKEND, .s = { .flags = ACK, .ack = B_(1 + rl) } },
		    { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + n + L(partial)) } } } },
		{ "header_ms later: 408 after the leg is closed", 4100, F_NONE, {},
		  { { X_BACKEND, .target = web, .s = { .flags = ACK | FIN } },
		    { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1 + rl), .exp_len = 124 } } } },
	};
	h_play(e, &d, st2);
	h_expect_cnts(e, { CNT_http_408, 1 });
	h_drain(e);
	h_env_free(e);
}

/* A 408 waiting for a response that never ends (the backend stalls
 * mid-body) must not hold the flow for ever: the expired header timer
 * leaves the idle timer in its place, and idle_s after the last segment
 * both sides get an RST as any idle spliced flow does. Found by the packet
 * fuzzer (tests/fuzz/packet_fuzz.c): the flow had no timer at all. */
static void stalled_response_with_a_408_pending_is_reset_after_idle_s(void **state)
{
	(void)state;
	struct h_params p = { .per_request = true, .idle_s = 2, .header_ms = 1000 };
	struct h_env *e = h_env_new(&p);
	struct h_conn c;
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello";
	static const char partial[] = "GET /slow HT";

	h_conn_init(&c, 41650, 0xb8000, 0xc8000);
	h_establish(e, &c, req1, T_ANY, &copts, &bopts);
	const int n = L(req1), f = n + XFF, hl = L(head);
	const struct h_step st[] = {
		{ "half of the response body, then the backend stalls", 10, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f), .data = head },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = head } } } },
		{ "a few bytes of the next request", 20, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n), .ack = R_(1 + hl), .data = partial },
		  { { X_BACKEND, .s = { .flags = ACK, .ack = B_(1 + hl) } },
		    { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + n + L(partial)) } } } },
		{ "header_ms later: the 408 waits for the response to end", 1100, F_NONE, {},
		  { { X_END } } },
		{ "idle_s after the last segment: an RST to both sides", 2100, F_NONE, {},
		  { { X_BACKEND, .s = { .flags = RST, .seq = S_(1 + f) } },
		    { X_CLIENT, .s = { .flags = RST, .seq = R_(1 + hl) } } } },
	};
	h_play(e, &c, st);
	h_expect_cnts(e, { CNT_closed_idle, 1 }, { CNT_flows_active, 0 },
		      { CNT_http_408, 0 });
	h_env_free(e);
}

/* The old leg, closing, meets what a backend does when our ACKs were lost:
 * its response sent again is acknowledged again (with our FIN), never
 * reset; once both FINs are through its port is free at once. */
static void closing_leg_acknowledges_a_retransmission_and_frees_its_port(void **state)
{
	(void)state;
	struct h_env *e = env_req();
	struct h_conn c, old;

	h_conn_init(&c, 41700, 0xf0000, 0xf8000);
	h_establish(e, &c, req1, T_ANY, &copts, &bopts);
	const int n1 = L(req1), nb = L(bob2), f1 = n1 + XFF, rl = L(resp);
	const struct h_step st[] = {
		{ "response 1", 10, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f1), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
	};
	h_play(e, &c, st);
	old = c;
	const struct h_step sw[] = {
		{ "request for bob: web's leg gets our FIN", 11, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n1), .ack = R_(1 + rl), .data = bob2 },
		  { { X_BACKEND, .target = old.target,
		      .s = { .flags = ACK | FIN, .seq = S_(1 + f1), .ack = B_(1 + rl) } },
		    { X_BACKEND, .target = T_BOB, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } },
		    { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + n1 + nb) } } } },
	};
	h_play(e, &c, sw);
	assert_non_null(flow_by_sport(e->sh->workers[0], old.sport));  /* the leg's */
	const struct h_step st2[] = {
		{ "web never saw an ACK: it sends its response again", 12, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f1), .data = resp },
		  { { X_BACKEND, .s = { .flags = ACK | FIN, .seq = S_(1 + f1), .ack = B_(1 + rl) } } } },
		{ "web takes our FIN and sends its own: acknowledged", 13, F_BACKEND,
		  { .flags = ACK | FIN, .seq = B_(1 + rl), .ack = S_(2 + f1) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(2 + f1), .ack = B_(2 + rl) } } } },
	};
	h_play(e, &old, st2);
	struct worker *w = e->sh->workers[0];
	assert_null(flow_by_sport(w, old.sport));
	h_expect_drops(e, { DROP_tcp_dup, 1 });
	h_expect_cnts(e, { CNT_rst_sent, 0 });
	h_drain(e);
	h_env_free(e);
}

static const struct CMUnitTest tests[] = {
	TN(second_request_for_the_same_target_goes_on_the_same_leg),
	TN(request_for_another_target_gets_a_new_leg_and_the_old_one_a_fin),
	TN(pipelined_request_for_another_target_waits_for_the_response),
	TN(post_body_holding_an_intercept_header_is_not_decided_on),
	TN(chunked_request_then_a_request),
	TN(backend_fin_between_requests_is_not_passed_to_the_client),
	TN(malformed_second_request_gets_400_after_the_first_response),
	TN(each_response_framing_ends_where_rfc_9112_says),
	TN(three_pipelined_requests_in_one_segment_go_to_three_targets),
	TN(upgrade_101_then_raw_bytes_are_spliced_undecided),
	TN(backend_rst_mid_response_ends_the_client_connection),
	TN(backend_rst_carrying_bytes_is_forwarded_not_framed),
	TN(client_rst_carrying_bytes_is_forwarded_not_framed),
	TN(client_rst_after_a_response_ends_the_flow),
	TN(absolute_form_target_wins_and_the_forwarded_host_agrees),
	TN(idle_keepalive_is_closed_quietly_and_a_partial_header_gets_408),
	TN(stalled_response_with_a_408_pending_is_reset_after_idle_s),
	TN(closing_leg_acknowledges_a_retransmission_and_frees_its_port),
};

H_MAIN("request", tests)
