/* Health checks: backends that fail leave their service's Maglev table
 * (new flows go to the others, flows already spliced stay) and come back;
 * passive detection from clients' connect failures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health_harness.h"
#include "health_view.h"
#include "metrics.h"

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

/* The top 1024 ports are the health checks': a segment to one is never
 * answered by a worker with an RST as a port nobody listens on; with no
 * check in progress with its sender, it is dropped as stray by the worker
 * (a flood of them cannot fill the main lcore's ring). */
static void segment_to_a_health_check_port_is_not_answered(void **state)
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

/* ---- active checks ---------------------------------------------------------- */

#define HEALTH " health = { path = \"/healthz\"; interval_ms = 1000; timeout_ms = 500; rise = 2; fall = 3; };"

static struct h_env *env_with_health(void)
{
	struct h_params p = { .web_service = HEALTH };
	return h_env_new(&p);
}

/* The checks at time MS: one SYN to each web backend (the api service
 * has no health group), into C[T_BE0] and C[T_BE1]. */
static void checks_at(struct h_env *e, uint64_t ms, struct hh_chk c[T__COUNT])
{
	struct hh_chk got[4];

	h_at(e, ms);
	hh_tick(e);
	unsigned n = hh_syns(e, got, 4);
	if (n != 2)
		fail_msg("at %llu ms: %u check SYNs, want 2", (unsigned long long)ms, n);
	memset(c, 0, sizeof(struct hh_chk) * T__COUNT);
	for (unsigned i = 0; i < n; i++) {
		assert_true(got[i].target == T_BE0 || got[i].target == T_BE1);
		assert_int_equal(c[got[i].target].target, T_NONE);
		c[got[i].target] = got[i];
	}
}

/* Open connections until one goes to TARGET; spliced there. Every other
 * one is spliced to where it went. */
static void flow_to(struct h_env *e, struct h_conn *c, uint16_t *port, uint8_t target)
{
	for (unsigned i = 0; i < 100; i++) {
		up_to_syn(e, c, (*port)++);
		splice(e, c);
		if (c->target == target)
			return;
	}
	fail_msg("no flow went to %s", h_target_name(target));
}

/* New flows: how many of N went to TARGET. */
static unsigned flows_to(struct h_env *e, uint16_t *port, unsigned n, uint8_t target)
{
	struct h_conn c;
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		up_to_syn(e, &c, (*port)++);
		splice(e, &c);
		k += c.target == target;
	}
	return k;
}

static void checks_go_to_each_backend_every_interval(void **state)
{
	struct h_env *e = env_with_health();
	struct hh_chk c[T__COUNT], prev[T__COUNT];

	(void)state;
	assert_string_equal(hh_state(e, "web", T_BE0), "up");
	assert_string_equal(hh_state(e, "api", T_API), "unchecked");
	checks_at(e, 0, c);
	for (enum h_target t = T_BE0; t <= T_BE1; t++) {
		char want[256];
		snprintf(want, sizeof(want), "GET /healthz HTTP/1.1\r\nHost: 198.18.1.%u:8080\r\n"
			 "User-Agent: steer-health\r\nConnection: close\r\n\r\n",
			 t == T_BE0 ? 10 : 11);
		assert_int_equal(c[t].mss, 1460);
		assert_string_equal(hh_accept(e, &c[t]), want);
		hh_respond(e, &c[t], "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false);
		assert_int_equal(hh_verdict(e, "web", t)->checks, 1);
	}
	assert_int_not_equal(c[T_BE0].sport, c[T_BE1].sport);
	memcpy(prev, c, sizeof(c));
	h_at(e, 999);
	hh_tick(e);
	assert_int_equal(h_drain(e), 0);
	checks_at(e, 1000, c);
	for (enum h_target t = T_BE0; t <= T_BE1; t++) {
		/* a new port for every check: nothing of the last one can
		 * still be on the wire for it */
		assert_int_not_equal(c[t].sport, prev[t].sport);
		hh_serve(e, &c[t], 204);
	}
	checks_at(e, 2000, c);
	h_expect_cnts(e, { CNT_health_checks, 4 }, { CNT_health_check_fails, 0 });
	assert_string_equal(hh_state(e, "web", T_BE0), "up");
	NO_DROPS(e);
	h_env_free(e);
}

/* backend.list and the metrics after .10 failed three checks with 500
 * and .11 passed them. */
static void expect_reported_down(struct h_env *e)
{
	struct jw w;
	size_t len;

	jw_init(&w);
	health_list_json(e->sh, &w, e->t0 + e->now + 1500);
	assert_false(w.failed);
	const char *want[] = {
		("{\"service\":\"web\",\"address\":\"198.18.1.10:8080\",\"weight\":1,"
		"\"drain\":false,\"state\":\"down\",\"checked\":true,"
		"\"consecutive_failures\":3,\"consecutive_successes\":0,\"checks\":3,"
		"\"check_failures\":3,\"downs\":1,"
		"\"last_failure\":{\"reason\":\"status\",\"status\":500,\"ago_ms\":1500}}"),
		("{\"service\":\"web\",\"address\":\"198.18.1.11:8080\",\"weight\":1,"
		"\"drain\":false,\"state\":\"up\",\"checked\":true,"
		"\"consecutive_failures\":0,\"consecutive_successes\":3,\"checks\":3,"
		"\"check_failures\":0,\"downs\":0,\"last_failure\":null}"),
		("{\"service\":\"api\",\"address\":\"198.18.1.12:8080\",\"weight\":1,"
		"\"drain\":false,\"state\":\"unchecked\",\"checked\":false,"),
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(w.buf, want[i]) == NULL)
			fail_msg("backend.list: no\n  %s\nin\n  %s", want[i], w.buf);
	jw_free(&w);

	char *m = metrics_text(e->sh, &len);
	assert_non_null(m);
	const char *mwant[] = {
		"# TYPE steer_backend_up gauge\n",
		"steer_backend_up{service=\"web\",backend=\"198.18.1.10:8080\"} 0\n",
		"steer_backend_up{service=\"web\",backend=\"198.18.1.11:8080\"} 1\n",
		"steer_backend_up{service=\"api\",backend=\"198.18.1.12:8080\"} 1\n",
		"steer_backend_checks_total{service=\"web\",backend=\"198.18.1.10:8080\",result=\"fail\"} 3\n",
		"steer_backend_checks_total{service=\"web\",backend=\"198.18.1.11:8080\",result=\"pass\"} 3\n",
		"steer_backend_downs_total{service=\"web\",backend=\"198.18.1.10:8080\"} 1\n",
		"steer_backend_consecutive_failures{service=\"web\",backend=\"198.18.1.10:8080\"} 3\n",
		"steer_backend_last_failure_timestamp_seconds{service=\"web\",backend=\"198.18.1.10:8080\",reason=\"status\",status=\"500\"} ",
		"steer_health_checks_total 6\n",
	};
	for (size_t i = 0; i < sizeof(mwant) / sizeof(mwant[0]); i++)
		if (strstr(m, mwant[i]) == NULL)
			fail_msg("metrics: no \"%s\"", mwant[i]);
	assert_null(strstr(m, "steer_backend_checks_total{service=\"api\""));
	free(m);
}

/* The brief's test: a backend failing its check gets no new flows within
 * fall x interval_ms, and gets them again after rise passed checks; a flow
 * it already had stays on it throughout. */
static void backend_failing_fall_checks_leaves_the_table_and_rise_bring_it_back(void **state)
{
	struct h_env *e = env_with_health();
	struct hh_chk c[T__COUNT];
	struct h_conn old;
	uint16_t port = 43000;

	(void)state;
	flow_to(e, &old, &port, T_BE0);
	for (unsigned i = 0; i < 3; i++) {
		checks_at(e, i * 1000, c);
		hh_serve(e, &c[T_BE0], 500);
		hh_serve(e, &c[T_BE1], 200);
		assert_string_equal(hh_state(e, "web", T_BE0), i < 2 ? "up" : "down");
	}
	expect_reported_down(e);
	const struct hc_verdict *v = hh_verdict(e, "web", T_BE0);
	assert_int_equal(v->reason, HC_R_status);
	assert_int_equal(v->status, 500);
	assert_int_equal(v->failed_at, e->t0 + 2000);
	assert_int_equal(v->fails, 3);
	/* down at the third failed check: within fall x interval_ms */
	assert_true(e->now < 3 * 1000);
	assert_int_equal(flows_to(e, &port, 20, T_BE0), 0);

	/* the flow spliced to it before keeps going there */
	const struct h_step st[] = {
		{ "a spliced flow of the down backend: still translated to it", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + (int)strlen(req)), .ack = R_(1), .data = "more" },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + (int)strlen(req) + 31),
					.ack = B_(1), .data = "more" } } } },
	};
	h_play(e, &old, st);
	assert_int_equal(old.target, T_BE0);

	checks_at(e, 3000, c);
	hh_serve(e, &c[T_BE0], 200);
	hh_serve(e, &c[T_BE1], 200);
	assert_string_equal(hh_state(e, "web", T_BE0), "down");
	assert_int_equal(flows_to(e, &port, 10, T_BE0), 0);
	checks_at(e, 4000, c);
	hh_serve(e, &c[T_BE0], 302);
	hh_serve(e, &c[T_BE1], 200);
	assert_string_equal(hh_state(e, "web", T_BE0), "up");
	assert_true(flows_to(e, &port, 20, T_BE0) > 0);
	h_expect_cnts(e, { CNT_health_checks, 10 }, { CNT_health_check_fails, 3 },
		      { CNT_backends_down, 1 });
	NO_DROPS(e);
	h_env_free(e);
}

/* No SYN-ACK within timeout_ms: the check fails (timeout) and its
 * half-open connection is reset; a refused one fails (rst). */
static void unanswered_or_refused_checks_fail(void **state)
{
	struct h_env *e = env_with_health();
	struct hh_chk c[T__COUNT];
	uint16_t port = 44000;

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		checks_at(e, i * 1000, c);
		hh_refuse(e, &c[T_BE1]);
		h_at(e, i * 1000 + 499);
		hh_tick(e);
		assert_int_equal(h_drain(e), 0);
		h_at(e, i * 1000 + 500);
		hh_tick(e);
		struct rte_mbuf *m = h_take(e);
		struct h_pkt p;
		assert_non_null(m);
		assert_true(h_parse(m, &p));
		rte_pktmbuf_free(m);
		assert_int_equal(p.flags, RST);
		assert_int_equal(p.seq, c[T_BE0].iss + 1);
		assert_int_equal(p.sport, c[T_BE0].sport);
		assert_int_equal(p.dip, h_target_ip(T_BE0));
		assert_int_equal(h_drain(e), 0);
		const struct hc_verdict *v = hh_verdict(e, "web", T_BE0);
		assert_int_equal(v->reason, HC_R_timeout);
		assert_int_equal(hh_verdict(e, "web", T_BE1)->reason, HC_R_rst);
	}
	/* both down: rather than no backend at all, both are used */
	assert_string_equal(hh_state(e, "web", T_BE0), "down");
	assert_string_equal(hh_state(e, "web", T_BE1), "down");
	assert_true(flows_to(e, &port, 20, T_BE0) > 0);
	NO_DROPS(e);
	h_env_free(e);
}

/* With a health group, connect failures in a row (fall of them) take the
 * backend down too, until rise checks pass (no 10 s hold). */
static void refused_connects_take_a_checked_backend_down_until_checks_pass(void **state)
{
	struct h_env *e = env_with_health();
	struct hh_chk c[T__COUNT];
	struct h_conn conn;
	uint16_t port = 45000;
	unsigned refused = 0;

	(void)state;
	while (refused < 3) {
		assert_true(port < 45200);
		up_to_syn(e, &conn, port++);
		if (conn.target == T_BE0) {
			refuse(e, &conn);
			refused++;
		}
		splice(e, &conn);
	}
	checks_at(e, 0, c);
	assert_string_equal(hh_state(e, "web", T_BE0), "down");
	assert_int_equal(hh_verdict(e, "web", T_BE0)->reason, HC_R_connect_failed);
	hh_serve(e, &c[T_BE0], 200);
	hh_serve(e, &c[T_BE1], 200);
	assert_string_equal(hh_state(e, "web", T_BE0), "down");
	checks_at(e, 1000, c);
	hh_serve(e, &c[T_BE0], 200);
	hh_serve(e, &c[T_BE1], 200);
	assert_string_equal(hh_state(e, "web", T_BE0), "up");
	NO_DROPS(e);
	h_env_free(e);
}

/* A check whose next hop is not resolved asks ARP for it and sends its
 * SYN once it is; unanswered, the check fails as unresolved (no RST for a
 * SYN never sent). */
static void check_waits_for_arp_and_fails_unresolved_without_it(void **state)
{
	struct h_params p = { .web_service = HEALTH, .no_resolve = true };
	struct h_env *e = h_env_new(&p);
	struct hh_chk c[4];
	struct h_pkt pk;
	unsigned arp_to[2] = { 0, 0 };

	(void)state;
	hh_tick(e);
	for (struct rte_mbuf *m; (m = h_take(e)) != NULL;) {
		assert_true(h_parse(m, &pk));
		rte_pktmbuf_free(m);
		assert_int_equal(pk.arp_op, 1);
		assert_int_equal(pk.arp_sip, H_INNER_IP);
		arp_to[pk.arp_tip == h_target_ip(T_BE1)]++;
	}
	assert_int_equal(arp_to[0], 1);
	assert_int_equal(arp_to[1], 1);
	h_rx(e, 0, H_PORT_INNER, h_arp_frame(e, 2, h_target_mac(T_BE1), h_target_ip(T_BE1),
					      &h_inner_mac, H_INNER_IP));
	h_at(e, 10);
	hh_tick(e);
	assert_int_equal(hh_syns(e, c, 4), 1);
	assert_int_equal(c[0].target, T_BE1);
	hh_serve(e, &c[0], 200);
	h_at(e, 500);
	hh_tick(e);
	assert_int_equal(h_drain(e), 0);
	const struct hc_verdict *v = hh_verdict(e, "web", T_BE0);
	assert_int_equal(v->reason, HC_R_unresolved);
	assert_int_equal(v->fails, 1);
	assert_int_equal(hh_verdict(e, "web", T_BE1)->oks, 1);
	NO_DROPS(e);
	h_env_free(e);
}

/* Only the checked backend's address and port reach the check: the
 * worker drops anyone else's segment to that port, and the rest of an
 * answer after our RST. */
static void only_the_checked_peer_reaches_the_check(void **state)
{
	struct h_env *e = env_with_health();
	struct hh_chk c[T__COUNT];

	(void)state;
	checks_at(e, 0, c);
	/* another host, to the same port of ours */
	struct h_tcp t = {
		.src_mac = *h_target_mac(T_API), .dst_mac = h_inner_mac,
		.sip = h_target_ip(T_API), .dip = H_INNER_IP,
		.sport = 8080, .dport = c[T_BE0].sport, .seq = 5, .ack = c[T_BE0].iss + 1,
		.flags = SYN | ACK, .win = 1000,
	};
	h_rx(e, 0, H_PORT_INNER, h_tcp_frame(e, &t));
	t.src_mac = *h_target_mac(T_BE0);
	t.sip = h_target_ip(T_BE0);
	t.sport = 8081;           /* the right host, another port */
	h_rx(e, 0, H_PORT_INNER, h_tcp_frame(e, &t));
	h_tick(e);
	assert_int_equal(h_drain(e), 0);
	h_expect_drops(e, { DROP_health_stray, 2 });
	assert_int_equal(rte_ring_count(e->sh->ctrl_ring), 0);
	hh_serve(e, &c[T_BE0], 200);
	hh_serve(e, &c[T_BE1], 200);
	/* after our RST: the backend's FIN is no check's */
	t.sport = 8080;
	t.flags = FIN | ACK;
	h_rx(e, 0, H_PORT_INNER, h_tcp_frame(e, &t));
	h_tick(e);
	assert_int_equal(h_drain(e), 0);
	h_expect_drops(e, { DROP_health_stray, 3 });
	assert_string_equal(hh_state(e, "web", T_BE0), "up");
	assert_int_equal(hh_verdict(e, "web", T_BE0)->checks, 1);
	h_env_free(e);
}

/* With two workers, an answer to a check reaches the main lcore from
 * whichever worker the port gave it to, without a hand-off. */
static void check_answers_reach_the_main_lcore_from_any_worker(void **state)
{
	struct h_params p = { .workers = 2, .web_service = HEALTH };
	struct h_env *e = h_env_new(&p);
	struct hh_chk c[T__COUNT];

	(void)state;
	assert_true(SRC_PORT_FIRST + 2u * e->sh->ports_per_worker <= HC_PORT_FIRST);
	checks_at(e, 0, c);
	c[T_BE0].rx_worker = 1;
	hh_serve(e, &c[T_BE0], 200);
	hh_serve(e, &c[T_BE1], 200);
	assert_int_equal(hh_verdict(e, "web", T_BE0)->checks, 1);
	assert_int_equal(hh_verdict(e, "web", T_BE1)->checks, 1);
	h_expect_cnts(e, { CNT_handoffs, 0 }, { CNT_health_checks, 2 });
	NO_DROPS(e);
	h_env_free(e);
}

static const struct CMUnitTest tests[] = {
	T(three_refused_connects_take_a_backend_out_for_ten_seconds),
	T(segment_to_a_health_check_port_is_not_answered),
	TN(checks_go_to_each_backend_every_interval),
	TN(backend_failing_fall_checks_leaves_the_table_and_rise_bring_it_back),
	TN(unanswered_or_refused_checks_fail),
	TN(refused_connects_take_a_checked_backend_down_until_checks_pass),
	TN(check_answers_reach_the_main_lcore_from_any_worker),
	TN(only_the_checked_peer_reaches_the_check),
	TN(check_waits_for_arp_and_fails_unresolved_without_it),
};

H_MAIN("health", tests)
