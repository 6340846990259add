/* Splice: every segment rewritten both ways — addresses and ports, seq/ack
 * by the per-direction offsets, SACK blocks, windows rescaled where the
 * shifts differ, checksums (verified from scratch on every frame by the
 * harness) — and the buffered request's delivery (window, partial ACKs,
 * RTO) until the backend has it all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts be_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

static const char req[] = "GET /s HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
#define N ((int)sizeof(req) - 1)
#define XFF 31                    /* "X-Forwarded-For: 198.18.0.100\r\n" */
#define FN (N + XFF)

static void splice_translates_sequence_space_and_addresses_both_ways(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40400, 0x00001000, 0xffffff00);   /* backend ISN wraps */
	h_establish(e, &c, req, T_ANY, &linux_opts, &be_opts);
	const struct h_step st[] = {
		{ "backend data: seq into our ISN's space, ack into the client's", 10, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + FN), .data = "0123456789" },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .ack = C_(1 + N),
				       .data = "0123456789" } } } },
		{ "more, across the backend's sequence wrap", 11, F_BACKEND,
		  { .flags = ACK, .seq = B_(11), .ack = S_(1 + FN), .data = "abcdefghijklmnopqrstuvwxyz" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(11), .ack = C_(1 + N),
				       .data = "abcdefghijklmnopqrstuvwxyz" } } } },
		{ "client ACK: ack into the backend's space", 12, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + N), .ack = R_(37) },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN), .ack = B_(37) } } } },
		{ "client data past the header: seq moved by the injected bytes", 13, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + N), .ack = R_(37), .data = "next request" },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + FN), .ack = B_(37),
					.data = "next request" } } } },
		{ "backend ACKs it", 14, F_BACKEND,
		  { .flags = ACK, .seq = B_(37), .ack = S_(1 + FN + 12) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(37), .ack = C_(1 + N + 12) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_flows_active, 1 }, { CNT_retransmits, 0 });
}

static void sack_blocks_are_translated_both_ways(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static char body[3][101];

	for (int i = 0; i < 3; i++) {
		memset(body[i], 'a' + i, 100);
		body[i][100] = 0;
	}
	h_conn_init(&c, 40401, 0x7ffffff0, 0x12345678);
	h_establish(e, &c, req, T_ANY, &linux_opts, &be_opts);
	const struct h_step st[] = {
		{ "backend segment 1", 10, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(1 + FN), .data = body[0] },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .data = body[0] } } } },
		{ "backend segment 3 (2 lost)", 11, F_BACKEND,
		  { .flags = ACK, .seq = B_(201), .ack = S_(1 + FN), .data = body[2] },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(201), .data = body[2] } } } },
		{ "client dup ACK with a SACK block: edges into the backend's space", 12, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + N), .ack = R_(101),
		    .o = { .n_sack = 1, .sack = { { R_(201), R_(301) } } } },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN), .ack = B_(101),
					.o = { .n_sack = 1, .sack = { { B_(201), B_(301) } } },
					.chk_opts = true } } } },
		{ "client segments 1 and 3 of its body", 13, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + N), .ack = R_(101), .data = body[0] },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN), .data = body[0] } } } },
		{ "", 13, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + N + 200), .ack = R_(101), .data = body[2] },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN + 200), .data = body[2] } } } },
		{ "backend SACKs the client's third: edges into the client's space", 14, F_BACKEND,
		  { .flags = ACK, .seq = B_(101), .ack = S_(1 + FN + 100),
		    .o = { .n_sack = 2, .sack = { { S_(1 + FN + 200), S_(1 + FN + 300) },
						  { S_(1 + FN + 400), S_(1 + FN + 500) } } } },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(101), .ack = C_(1 + N + 100),
				       .o = { .n_sack = 2, .sack = {
					       { C_(1 + N + 200), C_(1 + N + 300) },
					       { C_(1 + N + 400), C_(1 + N + 500) } } },
				       .chk_opts = true } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
}

/* Review finding (issue 9, item 4): a SACK option after a single NOP puts
 * every edge at an odd offset from the TCP header, where a 32-bit field
 * straddles the checksum's 16-bit words; the harness recomputes every
 * checksum from scratch. */
static void sack_edges_at_odd_offsets_keep_the_checksum_right(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40402, 0x11223344, 0x55667788);
	h_establish(e, &c, req, T_ANY, &linux_opts, &be_opts);
	const struct h_step st[] = {
		{ "client ACK with odd-aligned SACK blocks", 10, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + N), .ack = R_(1),
		    .o = { .n_sack = 2, .sack_odd = true,
			   .sack = { { R_(101), R_(201) }, { R_(301), R_(401) } } } },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN), .ack = B_(1),
					.o = { .n_sack = 2, .sack = { { B_(101), B_(201) },
								      { B_(301), B_(401) } } },
					.chk_opts = true } } } },
		{ "backend ACK with odd-aligned SACK blocks", 11, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(1 + FN),
		    .o = { .n_sack = 1, .sack_odd = true,
			   .sack = { { S_(1 + FN + 100), S_(1 + FN + 300) } } } },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N),
				       .o = { .n_sack = 1, .sack = { { C_(1 + N + 100),
									 C_(1 + N + 300) } } },
				       .chk_opts = true } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
}

/* {client shift, backend shift, backend's window field -> what the
 * client must see, client's window field -> what the backend must see}.
 * Windows in segments are scaled by the sender's announced shift (RFC
 * 7323 2.2); we announce 7 to the client and the client's own to the
 * backend; scaling holds only where both ends of a connection sent WS. */
static const struct {
	uint8_t cws, bws;
	uint16_t b_win, c_sees, c_win, b_sees;
	const char *why;
} win_cases[] = {
	{ WS(2), WS(9), 100, 400, 1000, 1000,
	  "shifts 2 and 9: backend's 100<<9 bytes = 400<<7; client's passes as is" },
	{ WS(7), WS(7), 5000, 5000, 3000, 3000, "equal shifts: untouched" },
	{ WS(7), 0, 60000, 468, 1000, 65535,
	  "backend refused scaling: its 60000 bytes are 468<<7; 1000<<7 bytes cap at 65535" },
	{ 0, WS(5), 30000, 30000, 30000, 30000,
	  "client did not offer scaling: no scaling anywhere (backend's WS ignored)" },
	{ WS(0), WS(3), 1000, 62, 5000, 5000,
	  "client shift 0, backend 3: 8000 bytes = 62<<7 (rounded down)" },
	{ WS(14), WS(1), 65535, 1023, 2, 2,
	  "largest client shift: 131070 bytes = 1023<<7" },
};

static void windows_are_rescaled_when_the_shifts_differ(void **state)
{
	struct h_env *e = *state;

	for (unsigned i = 0; i < sizeof(win_cases) / sizeof(win_cases[0]); i++) {
		struct h_conn c;
		struct h_sopts co = { .mss = 1460, .ws = win_cases[i].cws, .sackok = true };
		struct h_sopts bo = { .mss = 1460, .ws = win_cases[i].bws, .sackok = true };
		h_conn_init(&c, (uint16_t)(40410 + i), 1000 * i, 0x40000000u + i);
		h_establish(e, &c, req, T_ANY, &co, &bo);
		const struct h_step st[] = {
			{ win_cases[i].why, 0, F_BACKEND,
			  { .flags = ACK, .seq = B_(1), .ack = S_(1 + FN), .win = win_cases[i].b_win,
			    .data = "x" },
			  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N),
					       .win = win_cases[i].c_sees, .data = "x" } } } },
			{ win_cases[i].why, 0, F_CLIENT,
			  { .flags = ACK, .seq = C_(1 + N), .ack = R_(2), .win = win_cases[i].c_win },
			  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN), .ack = B_(2),
						.win = win_cases[i].b_sees } } } },
		};
		h_play(e, &c, st);
	}
	NO_DROPS(e);
}

static void small_backend_window_paces_the_buffered_header(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	char fwd[256];

	h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd));
	h_conn_init(&c, 40402, 1, 2);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "request: SYN", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + N) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "SYN-ACK with a 20-byte window: 20 bytes go", 10, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .win = 20, .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1), .ack = B_(1),
					.data = fwd, .len = 20 } } } },
		{ "ACK of those, window 30 (x128): the rest goes", 20, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(21), .win = 30 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N) } },
		    { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(21), .ack = B_(1),
					.data = fwd + 20 } } } },
		{ "ACK of everything: no more retransmission", 30, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(1 + FN), .win = 30 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N) } } } },
		{ "RTO time passes quietly", 1000, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_retransmits, 0 });
}

static void partial_ack_of_the_header_is_completed_by_retransmission(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	char fwd[256];

	h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd));
	h_conn_init(&c, 40403, 1, 2);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "request: SYN", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + N) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "SYN-ACK: the header", 10, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1), .data = fwd } } } },
		{ "backend ACKs 10 bytes: the client never sees an ack below its header", 20,
		  F_BACKEND, { .flags = ACK, .seq = B_(1), .ack = S_(11) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N) } } } },
		{ "RTO (200 ms after the SYN-ACK): the unacknowledged rest again", 210, F_NONE, { 0 },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(11), .ack = B_(1),
					.data = fwd + 10 } } } },
		{ "still nothing: backed off to 400 ms", 609, F_NONE, { 0 }, { { X_END } } },
		{ "", 610, F_NONE, { 0 },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(11), .ack = B_(1),
					.data = fwd + 10 } } } },
		{ "all ACKed", 620, F_BACKEND, { .flags = ACK, .seq = B_(1), .ack = S_(1 + FN) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_retransmits, 2 });
}

/* Review finding (issue 9, item 1): one backend ACK that covers the
 * buffered header and body bytes spliced after it delivers the header; it
 * was ignored (only ACKs up to the buffer's end counted), so the header was
 * sent again 8 times and both ends reset ~32 s later. */
static void ack_past_the_header_and_into_the_body_delivers_the_header(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	char fwd[256];

	h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd));
	h_conn_init(&c, 40405, 1, 2);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "request: SYN", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + N) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "SYN-ACK: the header", 10, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1), .data = fwd } } } },
		{ "body bytes, spliced", 11, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + N), .ack = R_(1), .data = "0123456789" },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN), .data = "0123456789" } } } },
		{ "one ACK for header and body", 12, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(1 + FN + 10) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N + 10) } } } },
		{ "past the RTO: nothing is sent again", 400, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_retransmits, 0 });
}

/* Review finding (issue 9, item 6): a zero window in the backend's
 * SYN-ACK was never probed, so the buffered header never left and both
 * ends were reset ~25 s later. RFC 9293 3.8.6.1: probe it. */
static void zero_window_in_the_synack_is_probed(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	char fwd[256];

	h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd));
	h_conn_init(&c, 40406, 1, 2);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "request: SYN", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + N) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "SYN-ACK with a zero window: nothing may be sent", 10, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .win0 = true, .o = be_opts },
		  { { X_END } } },
		{ "the RTO: a one-byte probe", 210, F_NONE, { 0 },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1), .data = "G", .len = 1 } } } },
		{ "the window opens: the whole header goes", 220, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(1) },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .data = fwd } },
		    { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + N) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
}

/* Review finding (issue 9, item 6): client segments were not held to the
 * backend leg's MSS; a backend announcing less than the client's gets
 * them cut to its size. */
static void client_segment_larger_than_the_backend_mss_is_split(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const struct h_sopts small = { .mss = 536, .ws = WS(7), .sackok = true };
	static char body[1001];

	memset(body, 'b', 1000);
	h_conn_init(&c, 40407, 1, 2);
	h_establish(e, &c, req, T_ANY, &linux_opts, &small);
	const struct h_step st[] = {
		{ "1000 bytes from the client: two segments of at most 536", 10, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + N), .ack = R_(1), .data = body },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN), .exp_len = 536 } },
		    { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + FN + 536),
					.exp_len = 464 } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
}

static void client_retransmitting_its_header_after_splice_is_re_acked_locally(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40404, 1, 2);
	h_establish(e, &c, req, T_ANY, &linux_opts, &be_opts);
	const struct h_step st[] = {
		{ "backend data", 10, F_BACKEND,
		  { .flags = ACK, .seq = B_(1), .ack = S_(1 + FN), .data = "hello" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + N), .data = "hello" } } } },
		{ "client missed our ACK and resends the header: ACKed by us, not forwarded",
		  20, F_CLIENT, { .flags = ACK | PSH, .seq = C_(1), .ack = R_(6), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(6), .ack = C_(1 + N) } } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_tcp_dup, 1 });
}

static void header_larger_than_the_backend_mss_goes_out_in_mss_segments(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static char big[1300], fwd[1400];
	struct h_sopts bo = { .mss = 536, .ws = WS(7), .sackok = true };

	int k = snprintf(big, sizeof(big), "GET /big HTTP/1.1\r\nHost: web.example.test\r\nX-Long: ");
	while (k < 1200)
		big[k++] = 'L';
	memcpy(big + k, "\r\n\r\n", 5);
	const int n = (int)strlen(big);
	h_with_xff(big, H_CLIENT_IP, fwd, sizeof(fwd));
	const int fn = (int)strlen(fwd);
	h_conn_init(&c, 40406, 1, 2);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "1200-byte header in one segment: SYN", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = big },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "backend MSS 536: three segments, PSH on the last", 10, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = bo },
		  { { X_BACKEND, .s = { .flags = ACK, .seq = S_(1), .ack = B_(1), .data = fwd, .len = 536 } },
		    { X_BACKEND, .s = { .flags = ACK, .seq = S_(537), .ack = B_(1), .data = fwd + 536,
					.len = 536 } },
		    { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1073), .ack = B_(1),
					.data = fwd + 1072 } } } },
		{ "all ACKed", 20, F_BACKEND, { .flags = ACK, .seq = B_(1), .ack = S_(1 + fn) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
}

static void backend_never_acking_the_header_is_given_up_with_rst_to_both(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	char fwd[256];
	int64_t t = 10, rto = 200;

	h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd));
	h_conn_init(&c, 40407, 1, 2);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "request: SYN", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .ack = C_(1 + N) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true, .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "SYN-ACK: the header; then the backend goes silent", 10, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1), .data = fwd } } } },
	};
	h_play(e, &c, st);
	/* RTO 200 ms, doubling to a 6.4 s cap, 15 retransmissions */
	for (int i = 1; i <= 15; i++) {
		rto = 200 << (i - 1 < 5 ? i - 1 : 5);
		t += rto;
		struct h_step r = { "header retransmitted", t, F_NONE, { 0 },
			{ { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					      .data = fwd } } } };
		h_play1(e, &c, &r);
	}
	t += 6400;
	/* Giving up must not leave the client waiting for an answer that
	 * will never come: both ends hear it, as on the idle timeout. The
	 * backend's RST sits at the byte it expects (it ACKed none of ours:
	 * RFC 5961 3.2 makes anything else a challenge ACK). */
	struct h_step gone = { "give up: RST to both", t, F_NONE, { 0 },
		{ { X_CLIENT, .s = { .flags = RST, .seq = R_(1) } },
		  { X_BACKEND, .s = { .flags = RST, .seq = S_(1) } } } };
	h_play1(e, &c, &gone);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_retransmits, 15 }, { CNT_closed_error, 1 }, { CNT_flows_active, 0 });
}

/* Payload byte at stream offset OFF of direction DIR. */
static uint8_t pat(unsigned dir, uint32_t off)
{
	return (uint8_t)((off * 7u + dir * 13u) % 251u);
}

static void large_transfer_both_ways_keeps_every_byte_and_checksum(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static uint8_t buf[1460];
	const unsigned mss = 1460, down = 1200, up = 300;   /* segments */
	char d[64];

	/* ISNs chosen so both directions wrap 2^32 mid-transfer */
	h_conn_init(&c, 40405, 0xffffffffu - 100000, 0xffffffffu - 500000);
	h_establish(e, &c, req, T_ANY, &linux_opts, &be_opts);
	uint32_t b_off = 0, c_off = 0;
	int64_t t = 10;

	for (unsigned i = 0; i < down || i < up; i++, t++) {
		if (i < down) {
			for (unsigned k = 0; k < mss; k++)
				buf[k] = pat(0, b_off + k);
			snprintf(d, sizeof(d), "backend segment %u", i);
			struct h_step st = { d, t, F_BACKEND,
				{ .flags = ACK, .seq = B_(1 + b_off), .ack = S_(1 + FN + c_off),
				  .data = (const char *)buf, .len = (int32_t)mss },
				{ { X_CLIENT, .s = { .flags = ACK, .seq = R_(1 + b_off),
						     .ack = C_(1 + N + c_off),
						     .data = (const char *)buf, .len = (int32_t)mss } } } };
			h_play1(e, &c, &st);
			b_off += mss;
		}
		if (i < up) {
			for (unsigned k = 0; k < mss; k++)
				buf[k] = pat(1, c_off + k);
			snprintf(d, sizeof(d), "client segment %u", i);
			struct h_step st = { d, 0, F_CLIENT,
				{ .flags = ACK, .seq = C_(1 + N + c_off), .ack = R_(1 + b_off),
				  .data = (const char *)buf, .len = (int32_t)mss },
				{ { X_BACKEND, .s = { .flags = ACK, .seq = S_(1 + FN + c_off),
						      .ack = B_(1 + b_off),
						      .data = (const char *)buf, .len = (int32_t)mss } } } };
			h_play1(e, &c, &st);
			c_off += mss;
		}
	}
	assert_true(c.b_isn + 1 + b_off < c.b_isn);    /* did wrap */
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_flows_active, 1 }, { CNT_retransmits, 0 });
}

static const struct CMUnitTest tests[] = {
	T(splice_translates_sequence_space_and_addresses_both_ways),
	T(sack_blocks_are_translated_both_ways),
	T(sack_edges_at_odd_offsets_keep_the_checksum_right),
	T(windows_are_rescaled_when_the_shifts_differ),
	T(small_backend_window_paces_the_buffered_header),
	T(partial_ack_of_the_header_is_completed_by_retransmission),
	T(ack_past_the_header_and_into_the_body_delivers_the_header),
	T(zero_window_in_the_synack_is_probed),
	T(client_segment_larger_than_the_backend_mss_is_split),
	T(client_retransmitting_its_header_after_splice_is_re_acked_locally),
	T(large_transfer_both_ways_keeps_every_byte_and_checksum),
	T(header_larger_than_the_backend_mss_goes_out_in_mss_segments),
	T(backend_never_acking_the_header_is_given_up_with_rst_to_both),
};

H_MAIN("packet_splice", tests)
