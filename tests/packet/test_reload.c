/* A ruleset published while flows are in flight (DESIGN.md "Rules and
 * their updates"): a flow keeps the decision it was made with; a new
 * decision uses the new rules; a connect that fails after the reload
 * continues with the new rules' backends. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts be_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

static const char req[] = "GET /r HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
#define N ((int)sizeof(req) - 1)
#define FN (N + 31)

static const char only_be0[] = "{ address = \"198.18.1.10:8080\"; }";
static const char only_be1[] = "{ address = \"198.18.1.11:8080\"; }";

static void spliced_flow_keeps_its_backend_across_a_reload_that_removes_it(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40800, 1, 2);
	h_establish(e, &c, req, T_ANY, &linux_opts, &be_opts);
	struct h_params p = { .web_backends = c.target == T_BE0 ? only_be1 : only_be0 };
	h_reload(e, &p);
	const struct h_step st[] = {
		{ "after the reload: the removed backend's data still reaches the client", 10,
		  F_BACKEND, { .flags = ACK, .seq = B_(1), .ack = S_(1 + FN), .data = "still here" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N),
				       .data = "still here" } } } },
		{ "and the client's to it", 11, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + N), .ack = R_(11), .data = "more" },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN), .ack = B_(11), .data = "more" } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
}

/* Review finding (issue 9, item 2): a reload that moved a listener reset
 * its live connections, because the listener was matched before the flow
 * was looked up. Established flows keep working until they close; only
 * new connections see the listener gone. */
static void reload_moving_a_listener_keeps_its_open_connections(void **state)
{
	struct h_env *e = *state;
	struct h_conn c, d;

	h_conn_init(&c, 40820, 1, 2);
	h_establish(e, &c, req, T_ANY, &linux_opts, &be_opts);
	struct h_params p = { .listen_port = 81 };
	h_reload(e, &p);
	const struct h_step st[] = {
		{ "the backend's data still reaches the client", 10, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(1 + FN), .data = "still here" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N),
				       .data = "still here" } } } },
		{ "and the client's reaches the backend, no RST", 11, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + N), .ack = R_(11), .data = "more" },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN), .ack = B_(11), .data = "more" } } } },
		{ "its close goes through", 12, F_CLIENT,
		  { .flags = ACK | FIN, .seq = C_(1 + N + 4), .ack = R_(11) },
		  { { X_BACKEND, .s = { .flags = ACK | FIN, .seq = S_(1 + FN + 4) } } } },
	};
	h_play(e, &c, st);
	h_conn_init(&d, 40821, 5, 6);
	const struct h_step st2[] = {
		{ "a new connection to the old port: RST", 20, F_CLIENT,
		  { .flags = SYN, .seq = C_(0) },
		  { { X_CLIENT, .s = { .flags = RST | ACK, .ack = C_(1) } } } },
	};
	h_play(e, &d, st2);
	h_expect_drops(e, { DROP_tcp_no_listener, 1 });
	h_expect_cnts(e, { CNT_closed_rst_client, 0 });
}

static void new_flows_are_decided_by_the_new_rules(void **state)
{
	struct h_env *e = *state;

	struct h_params p = { .web_backends = only_be1 };
	h_reload(e, &p);
	for (unsigned i = 0; i < 8; i++) {
		struct h_conn c;
		h_conn_init(&c, (uint16_t)(40810 + i), 1, 2);
		h_establish(e, &c, req, T_BE1, &linux_opts, &be_opts);
	}
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_decisions_default, 8 });
}

static void connect_failure_after_a_reload_moves_to_a_backend_of_the_new_rules(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40820, 1, 2);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "request: SYN to a web backend", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + N) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st);
	/* the reload leaves the service only the backend not tried yet
	 * (now at index 0, whichever it was before) */
	struct h_params p = { .web_backends = c.target == T_BE0 ? only_be1 : only_be0 };
	h_reload(e, &p);
	const struct h_step st2[] = {
		{ "the first backend refuses: the one backend of the new rules is tried", 10,
		  F_BACKEND, { .flags = RST | ACK, .ack = S_(1) },
		  { { X_BACKEND, .target = T_OTHER, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st2);
	h_expect_cnts(e, { CNT_backend_retries, 1 }, { CNT_http_503, 0 });
	NO_DROPS(e);
}

static void connect_failure_after_a_reload_that_kept_only_it_gets_503(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40821, 1, 2);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "request: SYN to a web backend", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + N) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st);
	/* the new rules keep only the backend being tried, and no retries */
	struct h_params p = { .web_backends = c.target == T_BE0 ? only_be0 : only_be1,
			      .web_service = " retries = 0;" };
	h_reload(e, &p);
	const struct h_step st2[] = {
		{ "it refuses: the new rules' retries = 0 leave nothing to try, 503", 10,
		  F_BACKEND, { .flags = RST | ACK, .ack = S_(1) },
		  { { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1), .ack = C_(1 + N),
				       .exp_len = 132 } } } },
	};
	h_play(e, &c, st2);
	h_expect_cnts(e, { CNT_http_503, 1 }, { CNT_backend_connects, 1 });
	NO_DROPS(e);
}

/* Per-request routing: a request decided before a reload but connected
 * after it (it waited for the previous response) is connected by the new
 * rules' entries of its service, found by name: indexes move. */
static void request_held_across_a_reload_connects_by_the_new_rules(void **state)
{
	(void)state;
	static const char bob[] = "GET /b HTTP/1.1\r\nHost: web.example.test\r\nx-dev: bob\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const int nb = (int)sizeof(bob) - 1, rl = (int)sizeof(resp) - 1, fb = nb + 31;
	struct h_params p = { .per_request = true };
	struct h_env *e = h_env_new(&p);
	struct h_conn c;

	h_conn_init(&c, 40822, 1, 2);
	h_establish(e, &c, bob, T_BOB, &linux_opts, &be_opts);
	const struct h_step st[] = {
		{ "a request for web before bob's response: decided, held", 10, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + nb), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + nb + N) } } } },
		{ "bob's response", 11, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + fb), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
	};
	h_play(e, &c, st);
	/* a service listed before web: web's index is 1 now, and index 0
	 * names a service whose backend is api's */
	struct h_params q = {
		.per_request = true,
		.services_before = "  { name = \"first\"; backends = ( { address = \"198.18.1.12:8080\"; } ); },\n",
	};
	h_reload(e, &q);
	const struct h_step st2[] = {
		{ "the client ACKs it: bob's leg is closed, web's backend connected", 12,
		  F_CLIENT, { .flags = ACK, .seq = C_(1 + nb + N), .ack = R_(1 + rl) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + fb), .ack = B_(1 + rl) } },
		    { X_BACKEND, .target = T_BOB,
		      .s = { .flags = ACK | FIN, .seq = S_(1 + fb), .ack = B_(1 + rl) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } } },
	};
	h_play(e, &c, st2);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_rebinds, 1 }, { CNT_http_503, 0 });
	h_drain(e);
	h_env_free(e);
}

/* A lingering tuple's new SYN is a new connection only while a listener
 * takes it (tcp_client_input() looks it up for that SYN): after a reload
 * moved the listener it is a SYN in a flow. */
static void syn_on_a_lingering_tuple_after_the_listener_moved_is_dropped(void **state)
{
	struct h_env *e = *state;
	struct h_conn c, d;

	h_conn_init(&c, 40830, 1, 2);
	h_establish(e, &c, req, T_ANY, &linux_opts, &be_opts);
	struct h_params p = { .listen_port = 81 };
	h_reload(e, &p);
	const struct h_step st[] = {
		{ "client FIN: forwarded", 10, F_CLIENT,
		  { .flags = FIN | ACK, .seq = C_(1 + N), .ack = R_(1) },
		  { { X_BACKEND, .s = { .flags = FIN | ACK, .seq = S_(1 + FN), .ack = B_(1) } } } },
		{ "backend FIN|ACK: forwarded; linger", 11, F_BACKEND,
		  { .flags = FIN | ACK, .seq = B_(1), .ack = S_(2 + FN) },
		  { { X_CLIENT, .s = { .flags = FIN | ACK, .seq = R_(1), .ack = C_(2 + N) } } } },
	};
	h_play(e, &c, st);
	h_conn_init(&d, 40830, 1 + 0x10000, 3);
	const struct h_step st2[] = {
		{ "a SYN above the old sequence space: no listener now, dropped", 20,
		  F_CLIENT, { .flags = SYN, .seq = C_(0), .o = linux_opts }, { { X_END } } },
	};
	h_play(e, &d, st2);
	h_expect_drops(e, { DROP_syn_in_flow, 1 });
	h_expect_cnts(e, { CNT_flows_created, 1 });
}

static const struct CMUnitTest tests[] = {
	T(spliced_flow_keeps_its_backend_across_a_reload_that_removes_it),
	T(reload_moving_a_listener_keeps_its_open_connections),
	T(syn_on_a_lingering_tuple_after_the_listener_moved_is_dropped),
	T(new_flows_are_decided_by_the_new_rules),
	T(connect_failure_after_a_reload_moves_to_a_backend_of_the_new_rules),
	T(connect_failure_after_a_reload_that_kept_only_it_gets_503),
	TN(request_held_across_a_reload_connects_by_the_new_rules),
};

H_MAIN("packet_reload", tests)
