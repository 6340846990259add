/* The idle pool of backend legs (tcp_leg.c; dataplane.pool_max,
 * timeouts.pool_idle_ms): a leg left by a re-bind waits for another
 * request to its target instead of closing; a later request to that target,
 * on this connection or another with the same SYN options, goes on it
 * without a handshake; an idle leg closes when its time is up or when the
 * backend closes it; a first request never takes one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tcp.h"

static const struct h_sopts copts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts bopts = { .mss = 1460, .ws = WS(7), .sackok = true };

static const char req1[] = "GET /1 HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
static const char req2[] = "GET /2 HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
static const char bob2[] = "GET /b HTTP/1.1\r\nHost: web.example.test\r\nx-dev: bob\r\n\r\n";
static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
#define L(s) ((int)sizeof(s) - 1)
#define XFF 31                    /* "X-Forwarded-For: 198.18.0.100\r\n" */

static const char one_web[] = "{ address = \"198.18.1.10:8080\"; }";

static struct h_env *env_pool(unsigned idle_ms)
{
	struct h_params p = { .per_request = true, .pool_max = 16,
			      .pool_idle_ms = idle_ms, .web_backends = one_web };
	return h_env_new(&p);
}

/* What the tables know of one backend leg. */
struct leg {
	uint32_t s_isn, b_isn;
	uint16_t sport;
	uint8_t target;
};

static struct leg leg_of(const struct h_conn *c)
{
	return (struct leg){ c->s_isn, c->b_isn, c->sport, c->target };
}

static void leg_use(struct h_conn *c, const struct leg *l)
{
	c->s_isn = l->s_isn;
	c->b_isn = l->b_isn;
	c->sport = l->sport;
	c->target = l->target;
	c->s_known = c->sport_known = true;
}

static unsigned pooled(const struct h_env *e)
{
	return e->sh->workers[0]->n_pooled;
}

/* Request 1 to web, its response; request 2 to bob parks the web leg and
 * connects bob; bob answers. Leaves C on bob's leg, *WEB the web leg. */
static void web_then_bob(struct h_env *e, struct h_conn *c, struct leg *web,
			 uint32_t bob_isn)
{
	static char fwdb[256];
	const int n1 = L(req1), nb = L(bob2), f1 = n1 + XFF, rl = L(resp);

	h_establish(e, c, req1, T_BE0, &copts, &bopts);
	h_with_xff(bob2, c->c_ip, fwdb, sizeof(fwdb));
	const int fb = (int)strlen(fwdb);
	*web = leg_of(c);
	const struct h_step st[] = {
		{ "response 1", 10, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f1), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
		{ "request 2 for bob: the quiet web leg goes to the pool (no FIN), bob is connected",
		  11, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n1), .ack = R_(1 + rl), .data = bob2 },
		  { { X_BACKEND, .target = T_BOB, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } },
		    { X_CLIENT, .s = { .flags = ACK, .seq = R_(1 + rl), .ack = C_(1 + n1 + nb) } } } },
	};
	h_play(e, c, st);
	assert_int_equal(pooled(e), 1);
	c->b_isn = bob_isn;
	const struct h_step st2[] = {
		{ "bob's SYN-ACK: request 2 goes out", 12, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = bopts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwdb } } } },
		{ "bob's response", 13, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + fb), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1 + rl),
				       .ack = C_(1 + n1 + nb), .data = resp } } } },
	};
	h_play(e, c, st2);
}

static void request_back_to_a_target_takes_its_idle_leg_without_a_handshake(void **state)
{
	(void)state;
	struct h_env *e = env_pool(0);
	struct h_conn c;
	struct leg web;
	static char fwd3[256];

	h_conn_init(&c, 42000, 0x1000, 0x9000);
	web_then_bob(e, &c, &web, 0x5000);
	struct leg bob = leg_of(&c);
	h_with_xff(req2, c.c_ip, fwd3, sizeof(fwd3));
	const int n1 = L(req1), nb = L(bob2), n2 = L(req2), f1 = n1 + XFF, rl = L(resp);
	const int f3 = (int)strlen(fwd3);
	/* Request 3 is plain again: bob's leg is quiet once the client has
	 * acknowledged its response (this segment does), goes to the pool,
	 * and the web leg carries request 3 where request 1 ended. */
	leg_use(&c, &web);
	const struct h_step st[] = {
		{ "request 3 for web: on the pooled web leg, in its own sequence space", 20, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n1 + nb), .ack = R_(1 + 2 * rl), .data = req2 },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + f1), .ack = B_(1 + rl),
					.data = fwd3 } } } },
		{ "web's response continues the client's space", 21, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1 + rl), .ack = S_(1 + f1 + f3), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1 + 2 * rl),
				       .ack = C_(1 + n1 + nb + n2), .data = resp } } } },
		{ "the client's ACK reaches web translated", 22, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n1 + nb + n2), .ack = R_(1 + 3 * rl) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + f1 + f3),
					.ack = B_(1 + 2 * rl) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_requests, 3 }, { CNT_rebinds, 2 }, { CNT_pool_parked, 2 },
		      { CNT_pool_reuses, 1 }, { CNT_backend_connects, 2 },
		      { CNT_legs_closed, 0 });
	assert_int_equal(pooled(e), 1);   /* bob's */
	(void)bob;
	h_env_free(e);
}

static void idle_leg_is_closed_with_a_fin_after_pool_idle_ms(void **state)
{
	(void)state;
	struct h_env *e = env_pool(1000);
	struct h_conn c;
	struct leg web;

	h_conn_init(&c, 42001, 0x2000, 0xa000);
	web_then_bob(e, &c, &web, 0x5100);
	struct leg bob = leg_of(&c);
	const int n1 = L(req1), f1 = n1 + XFF, rl = L(resp);
	leg_use(&c, &web);
	const struct h_step st[] = {
		{ "before pool_idle_ms nothing happens", 1000, F_NONE, { 0 }, { { X_END } } },
		{ "at pool_idle_ms (parked at 11) the web leg is closed", 1012, F_NONE, { 0 },
		  { { X_BACKEND, .s = { .flags = ACK | FIN, .seq = S_(1 + f1), .ack = B_(1 + rl) } } } },
		{ "web acknowledges our FIN and sends its own", 1013, F_BACKEND,
		  { .flags = ACK | FIN, .seq = B_(1 + rl), .ack = S_(2 + f1) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(2 + f1), .ack = B_(2 + rl) } } } },
		{ "its FIN again (our ACK lost) finds no leg: RST", 1014, F_BACKEND,
		  { .flags = ACK | FIN, .seq = B_(1 + rl), .ack = S_(2 + f1) },
		  { { X_BACKEND, .s = { .flags = RST, .seq = S_(2 + f1) } } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_tcp_no_flow, 1 });
	h_expect_cnts(e, { CNT_pool_expired, 1 }, { CNT_pool_parked, 1 });
	assert_int_equal(pooled(e), 0);
	(void)bob;
	h_env_free(e);
}

static void backend_closing_an_idle_leg_is_answered_and_the_next_request_connects(void **state)
{
	(void)state;
	struct h_env *e = env_pool(0);
	struct h_conn c;
	struct leg web;

	h_conn_init(&c, 42002, 0x3000, 0xb000);
	web_then_bob(e, &c, &web, 0x5200);
	struct leg bob = leg_of(&c);
	const int n1 = L(req1), nb = L(bob2), n2 = L(req2), f1 = n1 + XFF, rl = L(resp);
	leg_use(&c, &web);
	const struct h_step st[] = {
		{ "web's keep-alive time-out: its FIN on the idle leg gets our FIN", 20, F_BACKEND,
		  { .flags = ACK | FIN, .seq = B_(1 + rl), .ack = S_(1 + f1) },
		  { { X_BACKEND, .s = { .flags = ACK | FIN, .seq = S_(1 + f1), .ack = B_(2 + rl) } } } },
		{ "web acknowledges it: the leg is gone", 21, F_BACKEND,
		  { .flags = ACK, .seq = B_(2 + rl), .ack = S_(2 + f1) },
		  { { X_END } } },
	};
	h_play(e, &c, st);
	assert_int_equal(pooled(e), 0);
	leg_use(&c, &bob);
	const struct h_step st2[] = {
		{ "request 3 for web finds no idle leg: bob's goes to the pool, web is connected",
		  22, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n1 + nb), .ack = R_(1 + 2 * rl), .data = req2 },
		  { { X_BACKEND, .target = T_BE0, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } },
		    { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + n1 + nb + n2) } } } },
	};
	h_play(e, &c, st2);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_pool_closed_backend, 1 }, { CNT_pool_reuses, 0 },
		      { CNT_backend_connects, 3 });
	assert_int_equal(pooled(e), 1);
	h_drain(e);
	h_env_free(e);
}

static void another_connection_takes_the_idle_leg_only_with_the_same_syn_options(void **state)
{
	(void)state;
	struct h_env *e = env_pool(0);
	struct h_conn a, b, d;
	struct leg web;
	static char fwd[256];
	static const struct h_sopts nosack = { .mss = 1460, .ws = WS(7) };

	h_conn_init(&a, 42003, 0x4000, 0xc000);
	web_then_bob(e, &a, &web, 0x5300);
	/* Connection B: its first request (bob) connects, though a web leg
	 * is idle; its second (web) takes A's web leg. */
	const int nb = L(bob2), n2 = L(req2), rl = L(resp), n1 = L(req1), f1 = n1 + XFF;
	h_conn_init(&b, 42004, 0x6000, 0x7000);
	h_establish(e, &b, bob2, T_BOB, &copts, &bopts);
	h_with_xff(req2, b.c_ip, fwd, sizeof(fwd));
	const struct h_step st[] = {
		{ "B's bob response", 30, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + nb + XFF), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
	};
	h_play(e, &b, st);
	leg_use(&b, &web);
	const struct h_step st2[] = {
		{ "B's request 2 goes on A's old web leg, with B's own X-Forwarded-For", 31, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + nb), .ack = R_(1 + rl), .data = req2 },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + f1), .ack = B_(1 + rl),
					.data = fwd } } } },
		{ "web's response reaches B", 32, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1 + rl), .ack = S_(1 + f1 + (int)strlen(fwd)),
		    .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1 + rl), .ack = C_(1 + nb + n2),
				       .data = resp } } } },
	};
	h_play(e, &b, st2);
	/* Connection D offers no SACK: B's bob leg (now idle, SACK agreed)
	 * is not for it. */
	h_conn_init(&d, 42005, 0x8000, 0x7100);
	h_establish(e, &d, req1, T_BE0, &nosack, &bopts);
	const struct h_step st3[] = {
		{ "D's response 1", 40, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + f1), .data = resp },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .data = resp } } } },
		{ "D's request 2 for bob connects: the idle bob leg has other options", 41, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n1), .ack = R_(1 + rl), .data = bob2 },
		  { { X_BACKEND, .target = T_BOB, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } },
		    { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + n1 + nb) } } } },
	};
	h_play(e, &d, st3);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_pool_reuses, 1 }, { CNT_backend_connects, 5 });
	h_drain(e);
	h_env_free(e);
}

static void unsolicited_bytes_on_an_idle_leg_reset_it(void **state)
{
	(void)state;
	struct h_env *e = env_pool(0);
	struct h_conn c;
	struct leg web;

	h_conn_init(&c, 42006, 0x9000, 0xd000);
	web_then_bob(e, &c, &web, 0x5400);
	const int n1 = L(req1), f1 = n1 + XFF, rl = L(resp);
	leg_use(&c, &web);
	const struct h_step st[] = {
		{ "a keep-alive probe (an old byte) is acknowledged", 20, F_BACKEND,
		  { .flags = ACK, .seq = B_(rl), .ack = S_(1 + f1), .data = "k" },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + f1), .ack = B_(1 + rl) } } } },
		{ "new bytes nobody asked for: RST, the leg is dropped", 21, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1 + rl), .ack = S_(1 + f1), .data = resp },
		  { { X_BACKEND, .s = { .flags = RST, .seq = S_(1 + f1) } } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_tcp_dup, 1 }, { DROP_resp_unsolicited, 1 });
	assert_int_equal(pooled(e), 0);
	h_env_free(e);
}

/* steerd stopping (tcp_shutdown(), run by each worker as it leaves its
 * loop): the spliced connection gets an RST on both sides, each at the
 * byte its peer expects next, and the idle leg one towards its backend. */
static void shutdown_resets_every_connection_and_idle_leg(void **state)
{
	(void)state;
	struct h_env *e = env_pool(0);
	struct h_conn c;
	struct leg web;
	static char fwdb[256];

	h_conn_init(&c, 42007, 0xa000, 0xe000);
	web_then_bob(e, &c, &web, 0x5500);
	h_with_xff(bob2, c.c_ip, fwdb, sizeof(fwdb));
	const int n1 = L(req1), f1 = n1 + XFF, rl = L(resp), fb = (int)strlen(fwdb);
	tcp_shutdown(e->sh->workers[0]);
	h_collect(e);
	unsigned seen = 0;
	struct rte_mbuf *m;
	while ((m = h_take(e)) != NULL) {
		struct h_pkt p;
		assert_true(h_parse(m, &p));
		assert_int_equal(p.flags, RST);
		if (p.dip == c.c_ip) {
			assert_int_equal(p.seq, h_sym_val(&c, R_(1 + 2 * rl)));
			seen |= 1;
		} else if (p.dip == h_target_ip(T_BOB)) {
			assert_int_equal(p.seq, h_sym_val(&c, S_(1 + fb)));
			seen |= 2;
		} else {
			assert_int_equal(p.dip, h_target_ip(web.target));
			assert_int_equal(p.sport, web.sport);
			assert_int_equal(p.seq, web.s_isn + 1 + (uint32_t)f1);
			seen |= 4;
		}
		rte_pktmbuf_free(m);
	}
	assert_int_equal(seen, 7);
	h_expect_cnts(e, { CNT_closed_shutdown, 2 }, { CNT_rst_sent, 3 });
	h_env_free(e);
}

static const struct CMUnitTest tests[] = {
	TN(request_back_to_a_target_takes_its_idle_leg_without_a_handshake),
	TN(idle_leg_is_closed_with_a_fin_after_pool_idle_ms),
	TN(backend_closing_an_idle_leg_is_answered_and_the_next_request_connects),
	TN(another_connection_takes_the_idle_leg_only_with_the_same_syn_options),
	TN(unsolicited_bytes_on_an_idle_leg_reset_it),
	TN(shutdown_resets_every_connection_and_idle_leg),
};

H_MAIN("pool", tests)
