/* The client side before any header byte: SYN -> SYN-ACK, the handshake's
 * ACK, retransmitted SYNs, segments of no flow, half-open expiry, a full
 * flow table. */
#include <errno.h>

#include <rte_cycles.h>

#include "harness.h"
#include "csum.h"
#include "tcp.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

/* {client's SYN options, our SYN-ACK's options, why} */
static const struct {
	struct h_sopts syn, synack;
	const char *why;
} synack_cases[] = {
	{ { .mss = 1460, .ws = WS(7), .sackok = true },
	  { .mss = 1410, .ws = WS(7), .sackok = true },
	  "Linux client: MSS clamped to leave room for VXLAN, WS and SACK mirrored" },
	{ { .mss = 1460, .ws = WS(2), .sackok = false },
	  { .mss = 1410, .ws = WS(7) },
	  "no SACK offered: none in the answer; our shift is ours, not theirs" },
	{ { .mss = 1200 },
	  { .mss = 1200 },
	  "smaller client MSS is kept; no WS offered: none answered (RFC 7323 1.3)" },
	{ { 0 },
	  { .mss = 536 },
	  "no MSS option: the RFC 9293 default 536" },
	{ { .mss = 9000, .ws = WS(15), .sackok = true },
	  { .mss = 1410, .ws = WS(7), .sackok = true },
	  "jumbo MSS and an out-of-range shift" },
};

static void handshake_synack_mirrors_client_options(void **state)
{
	struct h_env *e = *state;

	for (unsigned i = 0; i < sizeof(synack_cases) / sizeof(synack_cases[0]); i++) {
		struct h_conn c;
		h_conn_init(&c, (uint16_t)(40000 + i), 1000000u * (i + 1), 0);
		struct h_step st[] = {
			{ synack_cases[i].why, 0, F_CLIENT,
			  { .flags = SYN, .seq = C_(0), .o = synack_cases[i].syn },
			  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1),
					       .win = 4096, .o = synack_cases[i].synack,
					       .chk_opts = true } } } },
			{ "the handshake's ACK: header state, nothing sent", 0, F_CLIENT,
			  { .flags = ACK, .seq = C_(1), .ack = R_(1) }, { { X_END } } },
		};
		h_play(e, &c, st);
	}
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_flows_created, 5 }, { CNT_flows_active, 5 },
		      { CNT_rst_sent, 0 });
}

static void retransmitted_syn_gets_the_same_synack(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40000, 0xfffffff0u, 0);   /* ISN about to wrap */
	const struct h_step st[] = {
		{ "SYN", 0, F_CLIENT, { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
		{ "SYN again (our SYN-ACK was lost): same ISN answered", 1000, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1),
				       .o = { .mss = 1410, .ws = WS(7), .sackok = true },
				       .chk_opts = true } } } },
		{ "ACK across the sequence wrap", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1) }, { { X_END } } },
		{ "a SYN on the established flow is dropped", 0, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = linux_opts }, { { X_END } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_syn_in_flow, 1 });
	h_expect_cnts(e, { CNT_flows_created, 1 }, { CNT_flows_active, 1 });
}

static void segment_of_no_flow_gets_rst(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40001, 5000, 0);
	/* RFC 9293 3.10.7.1: with ACK, the RST's seq is the segment's ack;
	 * without, seq 0 and ACK of everything the segment occupied. */
	const struct h_step st[] = {
		{ "stray ACK: RST with seq = its ack", 0, F_CLIENT,
		  { .flags = ACK, .seq = ABS(700), .ack = ABS(9000) },
		  { { X_CLIENT, .s = { .flags = RST, .seq = ABS(9000), .ack = ABS(0) } } } },
		{ "stray FIN|ACK with data", 0, F_CLIENT,
		  { .flags = FIN | ACK, .seq = ABS(700), .ack = ABS(123456), .data = "hello" },
		  { { X_CLIENT, .s = { .flags = RST, .seq = ABS(123456), .ack = ABS(0) } } } },
		{ "data without ACK: RST|ACK acknowledging it", 0, F_CLIENT,
		  { .flags = PSH, .seq = ABS(700), .data = "hello" },
		  { { X_CLIENT, .s = { .flags = RST | ACK, .seq = ABS(0), .ack = ABS(705) } } } },
		{ "FIN without ACK counts one more", 0, F_CLIENT,
		  { .flags = FIN, .seq = ABS(700) },
		  { { X_CLIENT, .s = { .flags = RST | ACK, .seq = ABS(0), .ack = ABS(701) } } } },
		{ "a RST is never answered", 0, F_CLIENT,
		  { .flags = RST | ACK, .seq = ABS(700), .ack = ABS(1) }, { { X_END } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_tcp_no_flow, 5 });
	h_expect_cnts(e, { CNT_rst_sent, 4 }, { CNT_flows_created, 0 },
		      { CNT_flows_active, 0 });
}

static void port_without_listener_gets_rst(void **state)
{
	struct h_env *e = *state;
	struct h_tcp t = {
		.src_mac = h_client_mac, .dst_mac = h_edge_mac,
		.sip = H_CLIENT_IP, .dip = H_EDGE_IP, .sport = 40002, .dport = 81,
		.seq = 77, .flags = TCP_SYN, .win = 1000,
	};
	struct h_pkt p;

	h_rx(e, 0, H_PORT_EDGE, h_tcp_frame(e, &t));
	h_tick(e);
	struct rte_mbuf *m = h_take(e);
	assert_non_null(m);
	assert_true(h_parse(m, &p));
	assert_int_equal(p.flags, TCP_RST | TCP_ACK);
	assert_int_equal(p.ack, 78);
	assert_int_equal(p.seq, 0);
	assert_int_equal(p.sport, 81);
	assert_int_equal(p.dport, 40002);
	assert_int_equal(p.sip, H_EDGE_IP);
	assert_int_equal(p.dip, H_CLIENT_IP);
	rte_pktmbuf_free(m);
	assert_int_equal(h_drain(e), 0);
	h_expect_drops(e, { DROP_tcp_no_listener, 1 });
	h_expect_cnts(e, { CNT_rst_sent, 1 });
}

static void half_open_flow_expires_after_syn_ms(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40003, 42, 0);
	const struct h_step st[] = {
		{ "SYN", 0, F_CLIENT, { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
		{ "just before syn_ms: still there", 2999, F_NONE, { 0 }, { { X_END } } },
		{ "syn_ms: freed silently", 3000, F_NONE, { 0 }, { { X_END } } },
		{ "the late ACK finds no flow: RST", 3001, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1) },
		  { { X_CLIENT, .s = { .flags = RST, .seq = R_(1) } } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_tcp_no_flow, 1 });
	h_expect_cnts(e, { CNT_closed_syn_timeout, 1 }, { CNT_flows_active, 0 });
}

static void rst_in_syn_received_frees_the_flow(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40004, 42, 0);
	const struct h_step st[] = {
		{ "SYN", 0, F_CLIENT, { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
		{ "client RST", 0, F_CLIENT, { .flags = RST, .seq = C_(1) }, { { X_END } } },
		{ "new SYN on the same tuple: a new flow", 10, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .ack = C_(1) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_closed_rst_client, 1 }, { CNT_flows_created, 2 },
		      { CNT_flows_active, 1 });
}

static void handshake_ack_with_wrong_number_is_dropped(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40005, 42, 0);
	const struct h_step st[] = {
		{ "SYN", 0, F_CLIENT, { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
		{ "ACK of something we never sent", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(77) }, { { X_END } } },
		{ "the right ACK still completes it", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1) }, { { X_END } } },
		{ "and data is accepted", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = "GET" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(4) } } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_tcp_bad_flags, 1 });
}

static void full_flow_table_refuses_syn_with_rst(void **state)
{
	(void)state;
	struct h_params p = { .max_flows = 2, .syn_cookies = "never" };
	struct h_env *e = h_env_new(&p);
	struct h_conn c[3];

	for (unsigned i = 0; i < 3; i++)
		h_conn_init(&c[i], (uint16_t)(41000 + i), 1000 * i, 0);
	const struct h_step ok[] = {
		{ "SYN while the table has room", 0, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
	};
	const struct h_step refused[] = {
		{ "third SYN with max_flows = 2: RST|ACK at once", 0, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = RST | ACK, .seq = ABS(0), .ack = C_(1) } } } },
	};
	const struct h_step freed[] = {
		{ "client 0 resets: its entry goes back", 0, F_CLIENT,
		  { .flags = RST, .seq = C_(1) }, { { X_END } } },
	};
	h_play(e, &c[0], ok);
	h_play(e, &c[1], ok);
	h_play(e, &c[2], refused);
	h_expect_drops(e, { DROP_flow_table_full, 1 });
	h_expect_cnts(e, { CNT_rst_sent, 1 }, { CNT_flows_active, 2 });
	h_play(e, &c[0], freed);
	h_play(e, &c[2], ok);
	h_expect_drops(e, { DROP_flow_table_full, 1 });
	h_expect_cnts(e, { CNT_flows_active, 2 }, { CNT_flows_created, 3 });
	h_env_free(e);
}

static void flow_table_holds_exactly_max_flows(void **state)
{
	(void)state;
	struct h_params p = { .max_flows = 1000, .syn_cookies = "never" };
	struct h_env *e = h_env_new(&p);

	/* the client-tuple hash must not refuse an entry before max_flows */
	for (unsigned i = 0; i < 1001; i++) {
		struct h_conn c;
		h_conn_init(&c, (uint16_t)(20000 + i * 7), i * 1000003u, 0);
		c.c_ip = IP4(198, 18, 0, 100 + i % 50);
		const struct h_step ok[] = {
			{ "SYN", 0, F_CLIENT, { .flags = SYN, .seq = C_(0), .o = linux_opts },
			  { { X_CLIENT, .s = { .flags = i < 1000 ? SYN | ACK : RST | ACK,
					       .ack = C_(1) } } } },
		};
		h_play(e, &c, ok);
	}
	h_expect_drops(e, { DROP_flow_table_full, 1 });
	h_expect_cnts(e, { CNT_flows_active, 1000 });
	h_env_free(e);
}

/* Review finding (issue 9, item 5): the ISN clock multiplied the cycles
 * since start by 10^6 in 64 bits, which wraps after 2^64 / 10^6 cycles
 * (~1.7 h at 3 GHz) and sends the clock back: RFC 6528's clock must only
 * move forward. Put the start just before that point and step over it. */
static void isn_clock_moves_forward_across_the_64_bit_wrap(void **state)
{
	struct h_env *e = *state;
	struct worker *w = e->sh->workers[0];
	uint64_t hz = rte_get_tsc_hz();

	w->isn_base_tsc = rte_get_tsc_cycles() - UINT64_MAX / 1000000 + hz / 1000;
	uint32_t a = isn_make(w, 1, 2, 3);
	rte_delay_ms(3);
	uint32_t b = isn_make(w, 1, 2, 3);
	/* 4 us ticks: about 750 in 3 ms (more if the thread was preempted,
	 * never less, never backwards). */
	assert_in_range(b - a, 700, 250000);
}

/* RFC 6528's F is keyed: the same tuples under another key give other
 * offsets between their ISNs (with a CRC, as before, the offset between two
 * tuples was the same whatever the seed: one ISN gave every other). */
static void isn_offsets_between_tuples_depend_on_the_secret(void **state)
{
	struct h_env *e = *state;
	struct worker *w = e->sh->workers[0];
	uint64_t saved[2] = { e->sh->isn_key[0], e->sh->isn_key[1] };
	unsigned same = 0;

	assert_true(saved[0] != 0 || saved[1] != 0);
	assert_false(saved[0] == e->sh->cookie_key[0] && saved[1] == e->sh->cookie_key[1]);
	for (uint32_t k = 1; k <= 8; k++) {
		/* the clock part cancels out: base fixed, calls back to back */
		w->isn_base_tsc = rte_get_tsc_cycles();
		e->sh->isn_key[0] = saved[0] ^ k;
		uint32_t d1 = isn_make(w, 1, 2, 3) - isn_make(w, 1, 2, 4);
		e->sh->isn_key[0] = saved[0] ^ (k << 8);
		uint32_t d2 = isn_make(w, 1, 2, 3) - isn_make(w, 1, 2, 4);
		/* equal only by a 2^-32 chance (or a tick between calls) */
		same += d1 - d2 < 2 || d2 - d1 < 2;
	}
	e->sh->isn_key[0] = saved[0];
	assert_true(same <= 1);
}

/* The flow's hash (Maglev's input, the VXLAN source port) must depend on
 * every field of the tuple: one client opening many connections (a load
 * balancer in front) is spread over the backends by its ports alone. */
static void flow_hash_depends_on_the_client_port(void **state)
{
	struct h_env *e = *state;
	uint32_t first = 0;
	bool differ = false;

	for (uint16_t i = 0; i < 8; i++) {
		struct h_conn c;
		h_conn_init(&c, (uint16_t)(41900 + i), 1000u * i, 0);
		h_handshake(e, &c, &linux_opts);
		struct flow_key k = { .c_ip = rte_cpu_to_be_32(H_CLIENT_IP),
				      .l_ip = rte_cpu_to_be_32(H_EDGE_IP),
				      .c_port = rte_cpu_to_be_16(c.c_port),
				      .l_port = rte_cpu_to_be_16(H_LISTEN_PORT) };
		struct flow *f = flow_lookup_client(e->sh->workers[0], &k);
		assert_non_null(f);
		if (i == 0)
			first = f->hash;
		else if (f->hash != first)
			differ = true;
	}
	assert_true(differ);
}

/* csum.h's 64-bit sum against DPDK's 16-bit one, for every length up to
 * 1 600 (a frame's payload, past the 64-byte add-with-carry blocks) at
 * every start offset 0..7 (odd lengths and unaligned starts), from a zero
 * and from a carried-in accumulator. */
static void checksum_matches_rte_raw_cksum_at_every_length_and_offset(void **state)
{
	(void)state;
	static uint8_t buf[1620];
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (unsigned i = 0; i < sizeof(buf); i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	for (unsigned off = 0; off < 8; off++)
		for (unsigned len = 0; len <= 1600; len++) {
			assert_int_equal(csum_raw(buf + off, len),
					 rte_raw_cksum(buf + off, len));
			/* an accumulator near 2^64: the first add carries */
			uint64_t s = csum_partial(buf + off, len, ~0ULL - 5);
			uint32_t r = rte_raw_cksum(buf + off, len);
			r += 0xffff - 5 + 0xffff * 3;   /* ~0 - 5 in 16-bit words */
			assert_int_equal(csum_fold64(s), csum_fold32(r));
		}
	memset(buf, 0xff, sizeof(buf));   /* every carry */
	for (unsigned len = 60; len <= 1601; len++)
		assert_int_equal(csum_raw(buf, len), rte_raw_cksum(buf, len));
}

/* The client-tuple table (ftab.c) against a plain array, through random
 * adds and deletes on keys crowded into few home slots (one client address,
 * ports close together): backward-shift deletion must never lose a key that
 * follows a hole, nor find one that is gone. */
static void flow_table_survives_churn_against_a_reference(void **state)
{
	(void)state;
	enum { MAX = 200, KEYS = 600, OPS = 40000 };
	struct ftab t;
	static struct flow_key keys[KEYS];
	static uint32_t ref[KEYS];   /* index held, or FTAB_NONE */
	uint64_t x = 88172645463325252ULL;
	unsigned held = 0;

	assert_int_equal(ftab_init(&t, MAX, SOCKET_ID_ANY, 42), 0);
	for (unsigned i = 0; i < KEYS; i++) {
		keys[i] = (struct flow_key){ .c_ip = rte_cpu_to_be_32(H_CLIENT_IP),
					     .l_ip = rte_cpu_to_be_32(H_EDGE_IP),
					     .c_port = rte_cpu_to_be_16((uint16_t)(40000 + i)),
					     .l_port = rte_cpu_to_be_16(80) };
		ref[i] = FTAB_NONE;
	}
	for (unsigned op = 0; op < OPS; op++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unsigned i = (unsigned)(x % KEYS);
		if (ref[i] == FTAB_NONE) {
			int rc = ftab_add(&t, &keys[i], op);
			if (held == MAX) {
				assert_int_equal(rc, -ENOSPC);
			} else {
				assert_int_equal(rc, 0);
				ref[i] = op;
				held++;
			}
		} else if (x & 0x100) {
			assert_int_equal(ftab_add(&t, &keys[i], 1), -EEXIST);
			assert_int_equal(ftab_del(&t, &keys[i]), ref[i]);
			ref[i] = FTAB_NONE;
			held--;
		}
		assert_int_equal(t.n, held);
		if (op % 97 == 0)
			for (unsigned k = 0; k < KEYS; k++)
				assert_int_equal(ftab_find(&t, &keys[k]), ref[k]);
	}
	for (unsigned k = 0; k < KEYS; k++)
		assert_int_equal(ftab_find(&t, &keys[k]), ref[k]);
	ftab_fini(&t);
}

/* Every frame in and out counted with its bytes, in the totals and per
 * port (the worker adds them once per burst). */
static uint64_t port_sum(const struct h_env *e, bool tx, bool bytes)
{
	const struct steer_stats *st = &e->sh->workers[0]->st;
	uint64_t n = 0;

	for (unsigned p = 0; p < e->sh->n_ports; p++)
		n += tx ? (bytes ? st->port_tx_bytes[p] : st->port_tx[p]) :
			  (bytes ? st->port_rx_bytes[p] : st->port_rx[p]);
	return n;
}

static void rx_and_tx_counters_count_every_frame_and_its_bytes(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	uint64_t rx0 = h_cnt(e, CNT_rx_packets), rxb0 = h_cnt(e, CNT_rx_bytes);
	uint64_t tx0 = h_cnt(e, CNT_tx_packets), txb0 = h_cnt(e, CNT_tx_bytes);
	uint64_t prx0 = port_sum(e, false, false), ptx0 = port_sum(e, true, false);
	uint64_t prxb0 = port_sum(e, false, true), ptxb0 = port_sum(e, true, true);

	h_conn_init(&c, 40007, 42, 0);
	const struct h_step syn[] = {
		{ "SYN", 0, F_CLIENT, { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
	};
	h_play(e, &c, syn);
	uint64_t rxb = h_cnt(e, CNT_rx_bytes) - rxb0, txb = h_cnt(e, CNT_tx_bytes) - txb0;
	assert_int_equal(h_cnt(e, CNT_rx_packets) - rx0, 1);
	assert_int_equal(h_cnt(e, CNT_tx_packets) - tx0, 1);
	/* Ethernet, IPv4, TCP and options at least */
	assert_true(rxb >= 14 + 20 + 20 + 4 && txb >= 14 + 20 + 20 + 4);
	const struct h_step st[] = {
		{ "SYN again: the same SYN-ACK", 1000, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = linux_opts },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1) } } } },
		{ "ACK with 100 bytes: our ACK", 1000, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1),
		    .data = "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa " },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(101) } } } },
	};
	h_play(e, &c, st);
	assert_int_equal(h_cnt(e, CNT_rx_packets) - rx0, 3);
	assert_int_equal(h_cnt(e, CNT_tx_packets) - tx0, 3);
	/* the two SYNs alike; the ACK is the SYN without options plus 100 */
	unsigned synopt = (unsigned)rxb - (14 + 20 + 20);
	assert_int_equal(h_cnt(e, CNT_rx_bytes) - rxb0, 2 * rxb + rxb - synopt + 100);
	assert_int_equal(h_cnt(e, CNT_tx_bytes) - txb0, 2 * txb + 14 + 20 + 20);
	assert_int_equal(port_sum(e, false, false) - prx0, 3);
	assert_int_equal(port_sum(e, true, false) - ptx0, 3);
	assert_int_equal(port_sum(e, false, true) - prxb0, h_cnt(e, CNT_rx_bytes) - rxb0);
	assert_int_equal(port_sum(e, true, true) - ptxb0, h_cnt(e, CNT_tx_bytes) - txb0);
}

static const struct CMUnitTest tests[] = {
	TN(flow_table_holds_exactly_max_flows),
	T(handshake_synack_mirrors_client_options),
	T(retransmitted_syn_gets_the_same_synack),
	T(rx_and_tx_counters_count_every_frame_and_its_bytes),
	T(segment_of_no_flow_gets_rst),
	T(port_without_listener_gets_rst),
	T(half_open_flow_expires_after_syn_ms),
	T(rst_in_syn_received_frees_the_flow),
	T(handshake_ack_with_wrong_number_is_dropped),
	TN(full_flow_table_refuses_syn_with_rst),
	T(isn_clock_moves_forward_across_the_64_bit_wrap),
	T(isn_offsets_between_tuples_depend_on_the_secret),
	T(flow_hash_depends_on_the_client_port),
	TN(flow_table_survives_churn_against_a_reference),
	TN(checksum_matches_rte_raw_cksum_at_every_length_and_offset),
};

H_MAIN("packet_client", tests)
