/* Health checks: backends that fail leave their service's Maglev table
 * (new flows go to the others, flows already spliced stay) and come back;
 * passive detection from clients' connect failures. */
#include <stdio.h>
#include <string.h>

#include "health_harness.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts be_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

static const char req[] = "GET /h HTTP/1.1\r\nHost: web.example.test\r\n\r\n";

/* A connection from CPORT: handshake, the request, and our SYN to a web
 * backend, whichever the decision picked (learnt into C->target). */
static void up_to_syn(struct h_env *e, struct h_conn *c, uint16_t cport)
{
	const int n = (int)strlen(req);

	h_conn_init(c, cport, 1000 + cport, 0x50000000u + cport);
	h_handshake(e, c, &linux_opts);
	const struct h_step st[] = {
		{ "request: ACK and SYN to a web backend", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0) } } } },
	};
	h_play(e, c, st);
}

/* The target of C answers: header delivered and acknowledged, the flow
 * spliced (and quiet until idle_s). */
static void splice(struct h_env *e, struct h_conn *c)
{
	char fwd[256];
	h_with_xff(req, c->c_ip, fwd, sizeof(fwd));
	const int n = (int)strlen(req), fn = (int)strlen(fwd);
	const struct h_step st[] = {
		{ "target SYN-ACK: the header goes out", 0, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
		{ "target ACKs it", 0, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(1 + fn) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } } } },
	};
	h_play(e, c, st);
}

/* The target of C refuses the SYN: our SYN goes to the other backend. */
static void refuse(struct h_env *e, struct h_conn *c)
{
	const struct h_step st[] = {
		{ "RST|ACK of our SYN: the other backend", 0, F_BACKEND,
		  { .flags = RST | ACK, .seq = ABS(0), .ack = S_(1) },
		  { { X_BACKEND, .target = T_OTHER, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0) } } } },
	};
	h_play(e, c, st);
}

/* Without a health group: three connects refused in a row take a backend
 * out (flows that hashed to it go straight to the other), 10 s later it
 * is back. */
static void three_refused_connects_take_a_backend_out_for_ten_seconds(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	uint16_t port = 42000;
	uint8_t victim = T_NONE;
	unsigned refused = 0;

	assert_string_equal(hh_state(e, "web", T_BE0), "unchecked");
	assert_string_equal(hh_state(e, "web", T_BE1), "unchecked");
	while (refused < 3) {
		assert_true(port < 42200);
		up_to_syn(e, &c, port++);
		if (victim == T_NONE)
			victim = c.target;
		if (c.target == victim) {
			refuse(e, &c);
			refused++;
		}
		splice(e, &c);
		hh_tick(e);
		assert_string_equal(hh_state(e, "web", victim),
				    refused < 3 ? "unchecked" : "down");
		assert_int_equal(h_drain(e), 0);
	}
	uint8_t other = victim == T_BE0 ? T_BE1 : T_BE0;
	assert_string_equal(hh_state(e, "web", other), "unchecked");
	const struct hc_verdict *v = hh_verdict(e, "web", victim);
	assert_int_equal(v->reason, HC_R_connect_failed);

	/* A reload keeps what health found (the slot follows the backend's
	 * address, not its index). */
	h_reload(e, NULL);
	assert_string_equal(hh_state(e, "web", victim), "down");
	assert_true(hh_verdict(e, "web", victim) == v);
	/* Every new flow goes to the other backend at once. */
	for (unsigned i = 0; i < 20; i++) {
		up_to_syn(e, &c, port++);
		assert_int_equal(c.target, other);
		splice(e, &c);
	}
	h_at(e, e->now + 9999);
	hh_tick(e);
	assert_string_equal(hh_state(e, "web", victim), "down");
	h_at(e, e->now + 1);
	hh_tick(e);
	assert_string_equal(hh_state(e, "web", victim), "unchecked");
	/* and gets new flows again */
	unsigned back = 0;
	for (unsigned i = 0; i < 20; i++) {
		up_to_syn(e, &c, port++);
		back += c.target == victim;
		splice(e, &c);
	}
	assert_true(back > 0);
	NO_DROPS(e);
}

/* The top 1024 ports are the health checks': a segment to one goes to the
 * main lcore (here: no check in progress, so it is dropped as stray), never
 * answered by a worker with an RST as a port nobody listens on. */
static void segment_to_a_health_check_port_goes_to_the_main_lcore(void **state)
{
	struct h_env *e = *state;
	struct h_tcp t = {
		.src_mac = *h_target_mac(T_BE0), .dst_mac = h_inner_mac,
		.sip = h_target_ip(T_BE0), .dip = H_INNER_IP,
		.sport = 8080, .dport = HC_PORT_FIRST + 7, .seq = 1, .ack = 2,
		.flags = SYN | ACK, .win = 1000,
	};

	assert_int_equal(HC_PORT_FIRST, 64512);
	assert_true(SRC_PORT_FIRST + e->sh->ports_per_worker <= HC_PORT_FIRST);
	h_rx(e, 0, H_PORT_INNER, h_tcp_frame(e, &t));
	h_tick(e);
	assert_int_equal(h_drain(e), 0);
	h_expect_drops(e, { DROP_health_stray, 1 });
	/* the port below the range is a worker's: no flow there, an RST */
	t.dport = HC_PORT_FIRST - 1;
	h_rx(e, 0, H_PORT_INNER, h_tcp_frame(e, &t));
	h_tick(e);
	assert_int_equal(h_drain(e), 1);
	h_expect_drops(e, { DROP_health_stray, 1 }, { DROP_tcp_no_flow, 1 });
}

static const struct CMUnitTest tests[] = {
	T(three_refused_connects_take_a_backend_out_for_ten_seconds),
	T(segment_to_a_health_check_port_goes_to_the_main_lcore),
};

H_MAIN("health", tests)
