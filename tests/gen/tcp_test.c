/* steer-gen's TCP (tools/gen/gen_tcp.c) on crafted segments: what it
 * sends is captured by the emit callback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "gen_tcp.h"

struct sent {
	uint32_t seq, off, len;
	uint8_t flags;
};

static struct sent out[16];
static unsigned n_out;

static void emit(void *ctx, const struct gtcp *t, uint32_t seq, uint8_t flags,
		 uint32_t off, uint32_t len)
{
	(void)ctx;
	(void)t;
	if (n_out < 16)
		out[n_out++] = (struct sent){ seq, off, len, flags };
}

static unsigned in(struct gtcp *t, uint32_t seq, uint32_t ack, uint8_t flags,
		   uint32_t len, uint64_t now, uint32_t *off, uint32_t *dlen)
{
	struct gtcp_seg s = { .seq = seq, .ack = ack, .flags = flags,
			      .win = 65535, .len = len };
	uint32_t o, l;
	return gtcp_input(t, &s, now, emit, NULL, off ? off : &o, dlen ? dlen : &l);
}

/* Client at ISS 1000 established with a server at IRS 5000. */
static void client_established(struct gtcp *t)
{
	n_out = 0;
	gtcp_connect(t, 1000, 1460, 0, emit, NULL);
	assert_int_equal(n_out, 1);
	assert_int_equal(out[0].flags, GTCP_SYN);
	assert_int_equal(out[0].seq, 1000);
	struct gtcp_seg s = { .seq = 5000, .ack = 1001, .flags = GTCP_SYN | GTCP_ACK,
			      .win = 65535, .mss = 1400 };
	uint32_t o, l;
	assert_int_equal(gtcp_input(t, &s, 1, emit, NULL, &o, &l), GTCP_EV_ESTABLISHED);
	assert_int_equal(t->mss, 1400);
	assert_int_equal(t->rcv_nxt, 5001);
	n_out = 0;
}

static void handshake_then_data_is_sent_with_the_ack(void **state)
{
	struct gtcp t;
	(void)state;
	client_established(&t);
	gtcp_queue(&t, 100);
	gtcp_output(&t, 1, emit, NULL);
	assert_int_equal(n_out, 1);
	assert_int_equal(out[0].seq, 1001);
	assert_int_equal(out[0].off, 0);
	assert_int_equal(out[0].len, 100);
	assert_true(out[0].flags & GTCP_ACK);
	assert_int_equal(in(&t, 5001, 1101, GTCP_ACK, 0, 2, NULL, NULL), GTCP_EV_ACKED);
	assert_true(gtcp_all_acked(&t));
	assert_int_equal(t.rto_at, 0);
}

static void server_accepts_and_retransmitted_syn_gets_the_same_synack(void **state)
{
	struct gtcp t;
	struct gtcp_seg syn = { .seq = 7000, .flags = GTCP_SYN, .win = 65535, .mss = 9000 };
	(void)state;
	n_out = 0;
	gtcp_accept(&t, &syn, 300, 1460, 0, emit, NULL);
	assert_int_equal(t.mss, 1460);  /* ours is smaller */
	assert_int_equal(in(&t, 7000, 0, GTCP_SYN, 0, 5, NULL, NULL), 0);
	assert_int_equal(n_out, 2);
	assert_memory_equal(&out[0], &out[1], sizeof(out[0]));
	assert_int_equal(out[1].flags, GTCP_SYN | GTCP_ACK);
	assert_int_equal(in(&t, 7001, 301, GTCP_ACK, 0, 6, NULL, NULL), GTCP_EV_ESTABLISHED);
	assert_string_equal(gtcp_state_name(&t), "ESTABLISHED");
}

static void synack_with_wrong_ack_is_refused(void **state)
{
	struct gtcp t;
	(void)state;
	gtcp_connect(&t, 1000, 1460, 0, emit, NULL);
	assert_int_equal(in(&t, 5000, 999, GTCP_SYN | GTCP_ACK, 0, 1, NULL, NULL), GTCP_EV_BAD);
	assert_int_equal(t.state, GTCP_SYN_SENT);
}

static void in_order_data_is_delivered_and_overlap_trimmed(void **state)
{
	struct gtcp t;
	uint32_t off, len;
	(void)state;
	client_established(&t);
	assert_int_equal(in(&t, 5001, 1001, GTCP_ACK, 10, 2, &off, &len), GTCP_EV_DATA);
	assert_int_equal(off, 0);
	assert_int_equal(len, 10);
	/* bytes 5..14 again plus 5 new: only the new 5 are delivered */
	assert_int_equal(in(&t, 5006, 1001, GTCP_ACK, 10, 3, &off, &len), GTCP_EV_DATA);
	assert_int_equal(off, 5);
	assert_int_equal(len, 5);
	assert_int_equal(t.rcv_nxt, 5016);
}

static void out_of_order_data_is_dropped_with_a_duplicate_ack(void **state)
{
	struct gtcp t;
	uint32_t off, len;
	(void)state;
	client_established(&t);
	assert_int_equal(in(&t, 5101, 1001, GTCP_ACK, 10, 2, &off, &len), 0);
	assert_int_equal(t.rcv_nxt, 5001);
	gtcp_output(&t, 2, emit, NULL);
	assert_int_equal(n_out, 1);
	assert_int_equal(out[0].flags, GTCP_ACK);
	assert_int_equal(out[0].len, 0);
}

static void unacked_data_is_retransmitted_from_snd_una_with_backoff(void **state)
{
	struct gtcp t;
	(void)state;
	client_established(&t);
	t.mss = 100;
	gtcp_queue(&t, 250);
	gtcp_output(&t, 10, emit, NULL);
	assert_int_equal(n_out, 3);
	assert_int_equal(t.rto_at, 10 + GTCP_RTO_MS);
	in(&t, 5001, 1101, GTCP_ACK, 0, 20, NULL, NULL);   /* first 100 acked */
	assert_int_equal(t.rto_at, 20 + GTCP_RTO_MS);
	n_out = 0;
	assert_int_equal(gtcp_timer(&t, 20 + GTCP_RTO_MS - 1, emit, NULL), 0);
	assert_int_equal(n_out, 0);
	assert_int_equal(gtcp_timer(&t, 20 + GTCP_RTO_MS, emit, NULL), GTCP_EV_RETRANSMIT);
	assert_int_equal(n_out, 2);
	assert_int_equal(out[0].seq, 1101);
	assert_int_equal(out[0].off, 100);
	assert_int_equal(out[1].off, 200);
	assert_int_equal(out[1].len, 50);
	assert_int_equal(t.rto_ms, 2 * GTCP_RTO_MS);
}

static void syn_is_retransmitted_then_given_up(void **state)
{
	struct gtcp t;
	uint64_t now = 0;
	unsigned ev = 0;
	(void)state;
	n_out = 0;
	gtcp_connect(&t, 1, 1460, 0, emit, NULL);
	for (int i = 0; i < 20 && !(ev & GTCP_EV_TIMEOUT); i++) {
		now = t.rto_at;
		ev = gtcp_timer(&t, now, emit, NULL);
	}
	assert_true(ev & GTCP_EV_TIMEOUT);
	assert_int_equal(n_out, 1 + GTCP_MAX_RETRIES);
	for (unsigned i = 0; i < n_out; i++)
		assert_int_equal(out[i].flags, GTCP_SYN);
	assert_int_equal(t.state, GTCP_CLOSED);
}

static void we_close_first_then_the_peer(void **state)
{
	struct gtcp t;
	(void)state;
	client_established(&t);
	gtcp_close(&t);
	gtcp_output(&t, 2, emit, NULL);
	assert_int_equal(out[0].flags, GTCP_ACK | GTCP_FIN);
	assert_int_equal(out[0].seq, 1001);
	assert_string_equal(gtcp_state_name(&t), "FIN-WAIT-1");
	assert_int_equal(in(&t, 5001, 1002, GTCP_ACK, 0, 3, NULL, NULL), GTCP_EV_ACKED);
	assert_string_equal(gtcp_state_name(&t), "FIN-WAIT-2");
	assert_int_equal(in(&t, 5001, 1002, GTCP_ACK | GTCP_FIN, 0, 4, NULL, NULL),
			 GTCP_EV_PEER_FIN | GTCP_EV_DONE);
	n_out = 0;
	gtcp_output(&t, 4, emit, NULL);
	assert_int_equal(n_out, 1);
	assert_int_equal(out[0].flags, GTCP_ACK);
	assert_int_equal(t.rcv_nxt, 5002);
}

static void peer_closes_first_then_we(void **state)
{
	struct gtcp t;
	(void)state;
	client_established(&t);
	assert_int_equal(in(&t, 5001, 1001, GTCP_ACK | GTCP_FIN, 0, 2, NULL, NULL),
			 GTCP_EV_PEER_FIN);
	assert_string_equal(gtcp_state_name(&t), "CLOSE-WAIT");
	gtcp_close(&t);
	gtcp_output(&t, 2, emit, NULL);
	assert_int_equal(n_out, 1);     /* the FIN carries the ACK of theirs */
	assert_int_equal(out[0].flags, GTCP_ACK | GTCP_FIN);
	assert_int_equal(in(&t, 5002, 1002, GTCP_ACK, 0, 3, NULL, NULL),
			 GTCP_EV_ACKED | GTCP_EV_DONE);
	/* their FIN again (our ACK lost): acknowledged again, not new */
	assert_int_equal(in(&t, 5001, 1002, GTCP_ACK | GTCP_FIN, 0, 4, NULL, NULL), 0);
}

/* The TCB above is gone once DONE; the peer's FIN again, when our last
 * ACK was lost, is answered as TIME-WAIT would. */
static void fin_for_a_freed_connection_is_acknowledged_as_in_time_wait(void **state)
{
	struct gtcp t;
	uint32_t seq;
	(void)state;
	struct gtcp_seg fin = { .seq = 5001, .ack = 1002, .flags = GTCP_ACK | GTCP_FIN,
				.win = 65535 };
	assert_true(gtcp_timewait(&fin, &t, &seq));
	assert_int_equal(seq, 1002);
	assert_int_equal(t.rcv_nxt, 5002);
	fin.len = 10;             /* the last data rides with the FIN */
	assert_true(gtcp_timewait(&fin, &t, &seq));
	assert_int_equal(t.rcv_nxt, 5012);
	static const uint8_t ignored[] = { GTCP_ACK, GTCP_ACK | GTCP_PSH, GTCP_FIN,
					   GTCP_RST | GTCP_ACK | GTCP_FIN, GTCP_SYN,
					   GTCP_SYN | GTCP_ACK | GTCP_FIN };
	for (size_t i = 0; i < sizeof(ignored); i++) {
		struct gtcp_seg s = { .seq = 5001, .ack = 1002, .flags = ignored[i] };
		if (gtcp_timewait(&s, &t, &seq))
			fail_msg("flags 0x%02x answered", ignored[i]);
	}
}

static void rst_resets_only_at_the_exact_sequence(void **state)
{
	struct gtcp t;
	(void)state;
	client_established(&t);
	assert_int_equal(in(&t, 5100, 0, GTCP_RST, 0, 2, NULL, NULL), GTCP_EV_BAD);
	assert_true(t.ack_now);          /* RFC 5961 challenge ACK */
	assert_int_equal(in(&t, 5001, 0, GTCP_RST, 0, 2, NULL, NULL), GTCP_EV_RESET);
	assert_int_equal(t.state, GTCP_CLOSED);
}

static void ack_of_unsent_data_is_refused(void **state)
{
	struct gtcp t;
	(void)state;
	client_established(&t);
	assert_int_equal(in(&t, 5001, 2000, GTCP_ACK, 0, 2, NULL, NULL), GTCP_EV_BAD);
	assert_int_equal(t.snd_una, 1001);
}

static void sequence_numbers_wrap(void **state)
{
	struct gtcp t;
	struct gtcp_seg syn = { .seq = 0xfffffff0u, .flags = GTCP_SYN, .win = 65535 };
	uint32_t off, len;
	(void)state;
	gtcp_accept(&t, &syn, 0xffffff00u, 1460, 0, emit, NULL);
	in(&t, 0xfffffff1u, 0xffffff01u, GTCP_ACK, 0, 1, NULL, NULL);
	assert_int_equal(in(&t, 0xfffffff1u, 0xffffff01u, GTCP_ACK, 32, 1, &off, &len),
			 GTCP_EV_DATA);
	assert_int_equal(t.rcv_nxt, 0x11);
	gtcp_queue(&t, 0x200);
	gtcp_output(&t, 1, emit, NULL);
	assert_int_equal(in(&t, 0x11, 0x101, GTCP_ACK, 0, 2, NULL, NULL), GTCP_EV_ACKED);
	assert_true(gtcp_all_acked(&t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_then_data_is_sent_with_the_ack),
		cmocka_unit_test(server_accepts_and_retransmitted_syn_gets_the_same_synack),
		cmocka_unit_test(synack_with_wrong_ack_is_refused),
		cmocka_unit_test(in_order_data_is_delivered_and_overlap_trimmed),
		cmocka_unit_test(out_of_order_data_is_dropped_with_a_duplicate_ack),
		cmocka_unit_test(unacked_data_is_retransmitted_from_snd_una_with_backoff),
		cmocka_unit_test(syn_is_retransmitted_then_given_up),
		cmocka_unit_test(we_close_first_then_the_peer),
		cmocka_unit_test(peer_closes_first_then_we),
		cmocka_unit_test(fin_for_a_freed_connection_is_acknowledged_as_in_time_wait),
		cmocka_unit_test(rst_resets_only_at_the_exact_sequence),
		cmocka_unit_test(ack_of_unsent_data_is_refused),
		cmocka_unit_test(sequence_numbers_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
