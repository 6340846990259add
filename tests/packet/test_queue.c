/* Connection limits (services[].backends[].max_conns): a flow whose
 * backend has max_conns connections open or connecting waits, in arrival
 * order, for one of them to end — a close, a reset, a leg left behind by a
 * re-bind — for at most queue_ms; past that, or with max_queue flows
 * waiting already, it gets 503. With two workers each keeps its share. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const struct h_sopts copts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts bopts = { .mss = 1460, .ws = WS(7), .sackok = true };

static const char req[] = "GET /q HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
static const char api[] = "GET /a HTTP/1.1\r\nHost: api.example.test\r\n\r\n";
static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
#define L(s) ((int)sizeof(s) - 1)
#define N L(req)
#define XFF 31                    /* "X-Forwarded-For: 198.18.0.100\r\n" */
#define R503 132                  /* our 503 response */

/* Service web: one backend, one connection at a time. */
static const char one[] = "{ address = \"198.18.1.10:8080\"; max_conns = 1; }";

/* An expected frame and the connection it belongs to. */
struct mx {
	struct h_conn *c;
	struct h_exp x;
};

/* One step whose frames belong to several connections: IN from FROM of
 * C (F_NONE: time only), then exactly the frames XS[0..N). */
static void step_multi(struct h_env *e, const char *desc, int64_t at,
		       struct h_conn *c, uint8_t from, const struct h_seg *in,
		       const struct mx *xs, unsigned n)
{
	bool used[H_CAP] = { false };
	char why[512], d[256];

	if (at > 0)
		h_at(e, (uint64_t)at);
	if (from == F_CLIENT)
		h_rx(e, c->c_worker, H_PORT_EDGE, h_seg_frame(e, c, F_CLIENT, in));
	else if (from == F_BACKEND)
		h_rx(e, c->b_worker, H_PORT_INNER, h_seg_frame(e, c, F_BACKEND, in));
	h_tick(e);
	h_collect(e);
	for (unsigned k = 0; k < n; k++) {
		bool found = false;
		for (unsigned q = 0; q < e->nq && !found; q++)
			if (!used[q] && h_match(e, xs[k].c, &xs[k].x, e->q[q], why, sizeof(why)))
				used[q] = found = true;
		if (!found) {
			print_error("\"%s\": expected frame %u not sent (%s)\n", desc, k + 1,
				    e->nq ? why : "no frame at all");
			for (unsigned q = 0; q < e->nq; q++) {
				struct h_pkt p;
				h_parse(e->q[q], &p);
				print_error("    sent: %s\n", h_describe(&p, d, sizeof(d)));
			}
			h_drain(e);
			fail();
		}
	}
	for (unsigned q = 0; q < e->nq; q++) {
		struct h_pkt p;
		if (used[q])
			continue;
		h_parse(e->q[q], &p);
		h_describe(&p, d, sizeof(d));
		h_drain(e);
		fail_msg("\"%s\": unexpected frame %s", desc, d);
	}
	h_drain(e);
}

#define SYN_TO(conn, t) { (conn), { X_BACKEND, .target = (t), .relearn = true, \
	.s = { .flags = SYN, .seq = S_(0), .ack = ABS(0) } } }

/* C's request at AT: acknowledged, and nothing else (it waits). */
static void request_waits(struct h_env *e, struct h_conn *c, int64_t at)
{
	h_handshake(e, c, &copts);
	const struct h_step st[] = {
		{ "request while the backend is at max_conns: ACKed, no SYN", at, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N) } } } },
	};
	h_play(e, c, st);
}

/* The backend RSTs connection C (spliced, nothing sent back yet) at AT:
 * the client gets the RST, and the flow NEXT (if any) its SYN. */
static void backend_resets(struct h_env *e, struct h_conn *c, int64_t at,
			   struct h_conn *next)
{
	const struct mx xs[] = {
		{ c, { X_CLIENT, .s = { .flags = RST, .seq = R_(1) } } },
		SYN_TO(next, T_BE0),
	};
	step_multi(e, "the backend resets a connection", at, c, F_BACKEND,
		   &(struct h_seg){ .flags = RST, .seq = B_(1) }, xs, next ? 2 : 1);
}

/* C's target answers the SYN at AT: the buffered request goes out. */
static void connected(struct h_env *e, struct h_conn *c, int64_t at)
{
	const struct h_step st[] = {
		{ "SYN-ACK: the request goes out", at, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = bopts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.exp_len = N + XFF } } } },
	};
	h_play(e, c, st);
}

static void flow_over_max_conns_waits_and_connects_when_the_first_closes(void **state)
{
	(void)state;
	struct h_params p = { .web_backends = one };
	struct h_env *e = h_env_new(&p);
	struct h_conn a, b;

	h_conn_init(&a, 42000, 0x100, 0x1000);
	h_establish(e, &a, req, T_BE0, &copts, &bopts);
	h_conn_init(&b, 42001, 0x200, 0x2000);
	request_waits(e, &b, 10);
	const struct h_step wait[] = {
		{ "more of its bytes while waiting: ACKed and buffered", 20, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + N), .ack = R_(1), .data = "x" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(2 + N) } } } },
		{ "still waiting after 1.9 s: nothing", 1909, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, &b, wait);
	h_expect_cnts(e, { CNT_queued, 1 }, { CNT_backend_connects, 1 });
	backend_resets(e, &a, 1910, &b);
	const struct h_step st[] = {
		{ "SYN-ACK: the request and the byte that came meanwhile", 1920, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = bopts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.exp_len = N + XFF + 1 } } } },
		{ "queue_ms (2 s) passes: nothing, it is connected", 2010, F_NONE, { 0 },
		  { { X_END } } },
	};
	h_play(e, &b, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_queued, 1 }, { CNT_queue_timeouts, 0 },
		      { CNT_queue_full, 0 }, { CNT_backend_connects, 2 },
		      { CNT_http_503, 0 });
	h_env_free(e);
}

static void flow_waiting_longer_than_queue_ms_gets_503(void **state)
{
	(void)state;
	struct h_params p = { .web_backends = one, .web_service = " queue_ms = 300;" };
	struct h_env *e = h_env_new(&p);
	struct h_conn a, b;

	h_conn_init(&a, 42010, 0x100, 0x1000);
	h_establish(e, &a, req, T_BE0, &copts, &bopts);
	h_conn_init(&b, 42011, 0x200, 0x2000);
	request_waits(e, &b, 10);
	const struct h_step st[] = {
		{ "299 ms: still waiting", 309, F_NONE, { 0 }, { { X_END } } },
		{ "queue_ms: 503", 310, F_NONE, { 0 },
		  { { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1),
				       .ack = C_(1 + N), .exp_len = R503 } } } },
	};
	h_play(e, &b, st);
	/* it left the queue: the next connection to end admits nobody */
	backend_resets(e, &a, 400, NULL);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_queued, 1 }, { CNT_queue_timeouts, 1 },
		      { CNT_http_503, 1 }, { CNT_backend_connects, 1 });
	h_env_free(e);
}

static void flows_beyond_max_queue_get_503_and_the_rest_connect_in_order(void **state)
{
	(void)state;
	struct h_params p = {
		.web_backends = "{ address = \"198.18.1.10:8080\"; max_conns = 1; max_queue = 2; }",
	};
	struct h_env *e = h_env_new(&p);
	struct h_conn a, b, c, d;

	h_conn_init(&a, 42020, 0x100, 0x1000);
	h_establish(e, &a, req, T_BE0, &copts, &bopts);
	h_conn_init(&b, 42021, 0x200, 0x2000);
	request_waits(e, &b, 10);
	h_conn_init(&c, 42022, 0x300, 0x3000);
	request_waits(e, &c, 20);
	h_conn_init(&d, 42023, 0x400, 0x4000);
	h_handshake(e, &d, &copts);
	const struct h_step full[] = {
		{ "two wait already (max_queue): 503 at once", 30, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N) } },
		    { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1),
				       .ack = C_(1 + N), .exp_len = R503 } } } },
	};
	h_play(e, &d, full);
	h_expect_cnts(e, { CNT_queued, 2 }, { CNT_queue_full, 1 }, { CNT_http_503, 1 });
	backend_resets(e, &a, 40, &b);      /* the first to wait goes first */
	connected(e, &b, 41);
	h_expect_cnts(e, { CNT_backend_connects, 2 });
	backend_resets(e, &b, 50, &c);
	connected(e, &c, 51);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_queued, 2 }, { CNT_queue_full, 1 },
		      { CNT_queue_timeouts, 0 }, { CNT_backend_connects, 3 });
	h_env_free(e);
}

static void client_leaving_the_queue_gives_up_its_place(void **state)
{
	(void)state;
	struct h_params p = { .web_backends = one };
	struct h_env *e = h_env_new(&p);
	struct h_conn a, b, c;

	h_conn_init(&a, 42030, 0x100, 0x1000);
	h_establish(e, &a, req, T_BE0, &copts, &bopts);
	h_conn_init(&b, 42031, 0x200, 0x2000);
	request_waits(e, &b, 10);
	h_conn_init(&c, 42032, 0x300, 0x3000);
	request_waits(e, &c, 20);
	const struct h_step gone[] = {
		{ "the first waiting client resets: its flow is gone", 30, F_CLIENT,
		  { .flags = RST, .seq = C_(1 + N) }, { { X_END } } },
	};
	h_play(e, &b, gone);
	backend_resets(e, &a, 40, &c);
	connected(e, &c, 41);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_queued, 2 }, { CNT_closed_rst_client, 1 },
		      { CNT_backend_connects, 2 }, { CNT_http_503, 0 });
	h_env_free(e);
}

/* A connect that fails gives its connection back before it retries: the
 * flow waiting gets it, and the retry waits behind. */
static void refused_connect_gives_its_connection_to_the_flow_waiting(void **state)
{
	(void)state;
	struct h_params p = { .web_backends = one };
	struct h_env *e = h_env_new(&p);
	struct h_conn a, b;

	h_conn_init(&a, 42040, 0x100, 0x1000);
	h_handshake(e, &a, &copts);
	const struct h_step st[] = {
		{ "request: SYN", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + N) } },
		    { X_BACKEND, .target = T_BE0, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &a, st);
	h_conn_init(&b, 42041, 0x200, 0x2000);
	request_waits(e, &b, 10);
	const struct mx xs[] = { SYN_TO(&b, T_BE0) };
	step_multi(e, "the backend refuses the first: the waiting flow connects", 20, &a,
		   F_BACKEND, &(struct h_seg){ .flags = RST | ACK, .ack = S_(1) }, xs, 1);
	connected(e, &b, 30);
	h_expect_cnts(e, { CNT_queued, 2 }, { CNT_backend_connects, 2 },
		      { CNT_backend_retries, 1 });
	/* b closes: the first flow's retry goes out */
	const struct mx ys[] = {
		{ &b, { X_CLIENT, .s = { .flags = RST, .seq = R_(1) } } },
		SYN_TO(&a, T_BE0),
	};
	step_multi(e, "the second's connection ends: the retry connects", 40, &b,
		   F_BACKEND, &(struct h_seg){ .flags = RST, .seq = B_(1) }, ys, 2);
	connected(e, &a, 50);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_backend_connects, 3 }, { CNT_http_503, 0 });
	h_env_free(e);
}

/* Per-request routing: a leg left behind by a re-bind counts until its
 * close is through, then its connection goes to the flow waiting. */
static void leg_left_by_a_rebind_gives_its_connection_when_closed(void **state)
{
	(void)state;
	struct h_params p = { .web_backends = one, .per_request = true };
	struct h_env *e = h_env_new(&p);
	struct h_conn a, b, old;
	char fwd[256];

	h_conn_init(&a, 42050, 0x100, 0x1000);
	h_establish(e, &a, req, T_BE0, &copts, &bopts);
	h_conn_init(&b, 42051, 0x200, 0x2000);
	request_waits(e, &b, 5);
	h_with_xff(api, a.c_ip, fwd, sizeof(fwd));
	const int f1 = N + XFF, rl = L(resp), na = L(api);
	const struct h_step st[] = {
		{ "response 1", 10, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f1), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
	};
	h_play(e, &a, st);
	old = a;
	const struct h_step sw[] = {
		{ "request 2 for api: the web leg gets our FIN, api a SYN", 11, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + N), .ack = R_(1 + rl), .data = api },
		  { { X_BACKEND, .target = T_BE0,
		      .s = { .flags = ACK | FIN, .seq = S_(1 + f1), .ack = B_(1 + rl) } },
		    { X_BACKEND, .target = T_API, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } },
		    { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + N + na) } } } },
	};
	h_play(e, &a, sw);
	const struct h_step half[] = {
		{ "web acknowledges our FIN: its close is not through, b waits", 12,
		  F_BACKEND, { .flags = ACK, .seq = B_(1 + rl), .ack = S_(2 + f1) },
		  { { X_END } } },
	};
	h_play(e, &old, half);
	const struct mx xs[] = {
		{ &old, { X_BACKEND, .s = { .flags = ACK, .seq = S_(2 + f1), .ack = B_(2 + rl) } } },
		SYN_TO(&b, T_BE0),
	};
	step_multi(e, "web's FIN: acknowledged, the leg is closed, b connects", 13, &old,
		   F_BACKEND, &(struct h_seg){ .flags = ACK | FIN, .seq = B_(1 + rl),
					       .ack = S_(2 + f1) }, xs, 2);
	connected(e, &b, 14);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_queued, 1 }, { CNT_legs_closed, 1 },
		      { CNT_backend_connects, 3 }, { CNT_http_503, 0 });
	h_drain(e);
	h_env_free(e);
}

/* Two workers: max_conns = 2 is one per worker; a flow on worker 0 waits
 * for worker 0's connection even while worker 1's is free. */
static void max_conns_is_split_between_the_workers(void **state)
{
	(void)state;
	struct h_params p = {
		.workers = 2,
		.web_backends = "{ address = \"198.18.1.10:8080\"; max_conns = 2; }",
	};
	struct h_env *e = h_env_new(&p);
	struct h_conn a, b, c;

	h_conn_init(&a, h_port_owned_by(e, 0, 42060), 0x100, 0x1000);
	h_establish(e, &a, req, T_BE0, &copts, &bopts);
	h_conn_init(&b, h_port_owned_by(e, 0, a.c_port + 1), 0x200, 0x2000);
	request_waits(e, &b, 10);
	h_conn_init(&c, h_port_owned_by(e, 1, 42060), 0x300, 0x3000);
	c.c_worker = c.b_worker = 1;
	h_handshake(e, &c, &copts);
	const struct h_step st[] = {
		{ "worker 1 has its own connection: SYN at once", 20, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + N) } },
		    { X_BACKEND, .target = T_BE0, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st);
	assert_int_equal(e->sh->workers[0]->st.cnt[CNT_queued], 1);
	assert_int_equal(e->sh->workers[1]->st.cnt[CNT_queued], 0);
	backend_resets(e, &a, 30, &b);
	connected(e, &b, 31);
	h_expect_cnts(e, { CNT_queued, 1 }, { CNT_backend_connects, 3 });
	h_drain(e);
	h_env_free(e);
}

static const struct CMUnitTest tests[] = {
	TN(flow_over_max_conns_waits_and_connects_when_the_first_closes),
	TN(flow_waiting_longer_than_queue_ms_gets_503),
	TN(flows_beyond_max_queue_get_503_and_the_rest_connect_in_order),
	TN(client_leaving_the_queue_gives_up_its_place),
	TN(refused_connect_gives_its_connection_to_the_flow_waiting),
	TN(leg_left_by_a_rebind_gives_its_connection_when_closed),
	TN(max_conns_is_split_between_the_workers),
};

H_MAIN("queue", tests)
