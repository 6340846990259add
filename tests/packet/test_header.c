/* Header collection: in-order, out-of-order and retransmitted segments, the
 * decision once the header is complete, and our own short responses (400,
 * 408, 431) with their close sequences. */
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts be_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

/* The response the router writes (tcp_client.c), spelled out here. */
static const char *response(int status, const char *reason, char *buf, size_t len)
{
	char body[96];
	int bl = snprintf(body, sizeof(body), "steer: %d %s\n", status, reason);

	snprintf(buf, len, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
		 "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
		 status, reason, bl, body);
	return buf;
}

static void header_split_over_three_segments_is_decided_when_complete(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const char s1[] = "GET /three HTTP/1.1\r\n";
	static const char s2[] = "Host: web.example.test\r\nAccept: */*\r\n";
	static const char s3[] = "\r\n";
	const int n1 = sizeof(s1) - 1, n2 = sizeof(s2) - 1, n3 = sizeof(s3) - 1;
	char req[256], fwd[300];

	snprintf(req, sizeof(req), "%s%s%s", s1, s2, s3);
	h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd));
	h_conn_init(&c, 40100, 0x10000, 0x7000000);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "request line: ACKed, nothing else", 10, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = s1 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n1) } } } },
		{ "two fields: ACKed, still incomplete", 20, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n1), .ack = R_(1), .data = s2 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n1 + n2) } } } },
		{ "final CRLF: ACKed, decided, SYN from 198.18.1.1 with the client's options",
		  30, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + n1 + n2), .ack = R_(1), .data = s3 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n1 + n2 + n3) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0),
			     .o = { .mss = 1460, .ws = WS(7), .sackok = true },
			     .chk_opts = true } } } },
		{ "backend SYN-ACK: the buffered header, X-Forwarded-For before the final CRLF",
		  40, F_BACKEND, { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
	};
	h_play(e, &c, st);
	assert_true(c.sport >= 1024);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_decisions_default, 1 }, { CNT_backend_connects, 1 },
		      { CNT_flows_active, 1 });
}

static void out_of_order_header_bytes_are_kept_until_the_gap_fills(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const char s1[] = "GET /ooo HTTP/1.1\r\n";
	static const char s2[] = "Host: web.example.test\r\n";
	static const char s3[] = "Accept: */*\r\n\r\n";
	const int n1 = sizeof(s1) - 1, n2 = sizeof(s2) - 1, n3 = sizeof(s3) - 1;
	const int n = n1 + n2 + n3;
	char req[256], fwd[300];

	snprintf(req, sizeof(req), "%s%s%s", s1, s2, s3);
	h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd));
	h_conn_init(&c, 40101, 0xfffffff0u, 0x7000000);   /* wraps inside */
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "request line in order", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = s1 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n1) } } } },
		{ "third segment before the second: kept, duplicate ACK of the gap", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n1 + n2), .ack = R_(1), .data = s3 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n1) } } } },
		{ "the same out-of-order segment again: duplicate ACK", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n1 + n2), .ack = R_(1), .data = s3 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n1) } } } },
		{ "the gap fills: everything ACKed, the header is complete", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n1), .ack = R_(1), .data = s2 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "the request line retransmitted while connecting: duplicate ACK", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = s1 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } } } },
		{ "SYN-ACK: the reassembled header goes out whole", 0, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
	};
	h_play(e, &c, st);
	/* The kept out-of-order segment is not a drop; its copy and the
	 * retransmitted request line are. */
	h_expect_drops(e, { DROP_tcp_dup, 2 });
}

/* Found by the packet fuzzer (UBSan): a segment 2^31 bytes before the
 * header's start made flow_collect() negate INT32_MIN. It is a duplicate
 * like any other segment behind what we have. */
static void segment_half_the_sequence_space_away_is_a_duplicate(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40150, 0x1000, 0x2000);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "a byte 2^31 away: a duplicate ACK of what we have", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + 0x80000000ll), .ack = R_(1), .data = "x" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1) } } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_tcp_dup, 1 });
}

/* Found by the packet fuzzer (ASan): a client segment 2^31 + 13 bytes
 * before the buffer, its end past the buffer's in modular order, was cut
 * at the buffer's end and spliced from there: bytes from 2 GB past the
 * segment. It is a duplicate like any segment behind what we have.
 * (Per-request routing: the body is spliced while the header is held.) */
static void body_segment_half_the_sequence_space_behind_is_a_duplicate(void **state)
{
	(void)state;
	struct h_params p = { .per_request = true };
	struct h_env *e = h_env_new(&p);
	struct h_conn c;
	static const char post[] = "POST /p HTTP/1.1\r\nHost: web.example.test\r\n"
				   "Content-Length: 5\r\n\r\n";
	static const char far[] = "hello, world!";
	static char fwd[256];

	h_conn_init(&c, 41410, 0x74000, 0x85000);
	h_handshake(e, &c, &linux_opts);
	h_with_xff(post, c.c_ip, fwd, sizeof(fwd));
	const int np = (int)sizeof(post) - 1;
	/* the header stays in its buffer: the backend has not ACKed it */
	const struct h_step st[] = {
		{ "the POST header: ACKed, decided, SYN to the target", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = post },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + np) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "SYN-ACK: the header goes out", 0, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
		{ "13 bytes 2^31 + 13 behind the header: a duplicate ACK, nothing to the backend",
		  1, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1 + 0x80000000ll + 13), .ack = R_(1),
		    .data = far },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + np) } } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_tcp_dup, 1 });
	h_env_free(e);
}

static void overlapping_segment_contributes_only_its_new_bytes(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const char req[] = "GET /overlap HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
	const int n = sizeof(req) - 1;
	char fwd[300];

	h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd));
	h_conn_init(&c, 40102, 5555, 0x7000000);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "first 10 bytes", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = req, .len = 10 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(11) } } } },
		{ "bytes 5..end (repacketized retransmission)", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(6), .ack = R_(1), .data = req + 5 },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = T_ANY, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0) } } } },
		{ "SYN-ACK: header intact", 0, F_BACKEND,
		  { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = be_opts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
}

static void out_of_order_ranges_are_bounded(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const char pad[] = "xxxxxxxxxx";

	h_conn_init(&c, 40103, 777, 0);
	h_handshake(e, &c, &linux_opts);
	for (int i = 0; i < 5; i++) {
		/* five disjoint holes-apart ranges at 20, 40, ...: OOO_MAX is 4 */
		struct h_step st[] = {
			{ "disjoint out-of-order range", 0, F_CLIENT,
			  { .flags = ACK, .seq = C_(1 + 20 * (i + 1)), .ack = R_(1), .data = pad },
			  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1) } } } },
		};
		h_play1(e, &c, st);
	}
	/* four ranges kept, the fifth refused: one drop, one reason */
	h_expect_drops(e, { DROP_tcp_ooo_limit, 1 });
}

/* Play the close after one of our responses of RLEN bytes; the client's
 * next sequence number is client ISN + 1 + ACKED: it ACKs our FIN and
 * sends its own; we ACK that; linger; the entry is freed. */
static void response_close(struct h_env *e, struct h_conn *c, int rlen, int acked,
			   int64_t t)
{
	const struct h_step st[] = {
		{ "client ACKs our response and FIN", t, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + acked), .ack = R_(1 + rlen + 1) },
		  { { X_END } } },
		{ "client FIN: ACKed, linger", t + 1, F_CLIENT,
		  { .flags = FIN | ACK, .seq = C_(1 + acked), .ack = R_(1 + rlen + 1) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1 + rlen + 1),
				       .ack = C_(1 + acked + 1) } } } },
		{ "FIN retransmitted during linger: ACKed again, linger restarts "
		  "(RFC 9293 3.10.7.4, TIME-WAIT)", t + 100, F_CLIENT,
		  { .flags = FIN | ACK, .seq = C_(1 + acked), .ack = R_(1 + rlen + 1) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1 + rlen + 1),
				       .ack = C_(1 + acked + 1) } } } },
		{ "1 ms before the restarted linger ends", t + 100 + 499, F_NONE, { 0 },
		  { { X_END } } },
		{ "linger over: entry freed", t + 100 + 500, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, c, st);
	assert_int_equal(h_cnt(e, CNT_flows_active), 0);
}

static void malformed_header_gets_400_and_closes(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	/* RFC 9112 5.1: whitespace between name and colon must be rejected */
	static const char req[] = "GET / HTTP/1.1\r\nHost : web.example.test\r\n\r\n";
	const int n = sizeof(req) - 1;
	char resp[512];

	response(400, "Bad Request", resp, sizeof(resp));
	const int rl = (int)strlen(resp);
	h_conn_init(&c, 40104, 9999, 0);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "malformed header: 400, FIN, all in one segment", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1), .ack = C_(1 + n),
				       .data = resp } } } },
		{ "more client data after our response is dropped", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n), .ack = R_(1), .data = "more" },
		  { { X_END } } },
	};
	h_play(e, &c, st);
	h_expect_cnts(e, { CNT_http_400, 1 }, { CNT_flows_active, 1 });
	response_close(e, &c, rl, n, 10);
	h_expect_drops(e, { DROP_data_after_close, 1 });
	h_expect_cnts(e, { CNT_http_400, 1 }, { CNT_closed_http_error, 1 },
		      { CNT_flows_active, 0 }, { CNT_backend_connects, 0 });
}

/* RFC 9110 9.3.6 and 15.5.6: CONNECT is not proxied; the 405 names the
 * methods that are (written out here: our responses are prebuilt). */
static void connect_gets_405_with_allow(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const char req[] = "CONNECT web.example.test:443 HTTP/1.1\r\n"
				  "Host: web.example.test:443\r\n\r\n";
	static const char resp[] = "HTTP/1.1 405 Method Not Allowed\r\n"
		"Content-Type: text/plain\r\n"
		"Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n"
		"Content-Length: 30\r\nConnection: close\r\n\r\n"
		"steer: 405 Method Not Allowed\n";
	const int n = sizeof(req) - 1;

	h_conn_init(&c, 40120, 9999, 0);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "CONNECT: 405 with Allow, FIN", 0, F_CLIENT,
		  { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1), .ack = C_(1 + n),
				       .data = resp } } } },
	};
	h_play(e, &c, st);
	h_expect_cnts(e, { CNT_http_405, 1 }, { CNT_backend_connects, 0 });
	response_close(e, &c, (int)sizeof(resp) - 1, n, 10);
	h_expect_cnts(e, { CNT_closed_http_error, 1 }, { CNT_flows_active, 0 });
}

static void client_fin_before_a_complete_header_gets_400(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const char part[] = "GET / HTTP/1.1\r\nHost: web";
	const int n = sizeof(part) - 1;
	char resp[512];

	response(400, "Bad Request", resp, sizeof(resp));
	const int rl = (int)strlen(resp);
	h_conn_init(&c, 40105, 9999, 0);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "part of a header", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = part },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } } } },
		{ "client FIN: the header will never complete: 400 acknowledging the FIN",
		  0, F_CLIENT, { .flags = FIN | ACK, .seq = C_(1 + n), .ack = R_(1) },
		  { { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1),
				       .ack = C_(1 + n + 1), .data = resp } } } },
		{ "client ACKs our FIN: both closed, linger", 10, F_CLIENT,
		  { .flags = ACK, .seq = C_(1 + n + 1), .ack = R_(1 + rl + 1) }, { { X_END } } },
		{ "linger over", 10 + 500, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_http_400, 1 }, { CNT_closed_http_error, 1 },
		      { CNT_flows_active, 0 });
}

static void oversized_header_gets_431_and_closes(void **state)
{
	(void)state;
	struct h_params p = { .header_max = 1024 };
	struct h_env *e = h_env_new(&p);
	struct h_conn c;
	static char seg[3][501];
	char resp[512];

	/* a request line, then "X-Pad-N: aaaa...\r\n" fields, never the end */
	for (int i = 0; i < 3; i++) {
		int k = i == 0 ? snprintf(seg[0], sizeof(seg[0]), "GET / HTTP/1.1\r\n") : 0;
		k += snprintf(seg[i] + k, sizeof(seg[i]) - (size_t)k, "X-Pad-%d: ", i);
		while (k < 498)
			seg[i][k++] = 'a';
		seg[i][k++] = '\r';
		seg[i][k++] = '\n';
		seg[i][k] = 0;
	}
	response(431, "Request Header Fields Too Large", resp, sizeof(resp));
	const int rl = (int)strlen(resp);
	h_conn_init(&c, 40106, 31337, 0);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "500 bytes", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = seg[0] },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(501) } } } },
		{ "1000 bytes", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(501), .ack = R_(1), .data = seg[1] },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1001) } } } },
		{ "past header_max = 1024: 431 and FIN", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1001), .ack = R_(1), .data = seg[2] },
		  { { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1), .ack = C_(1025),
				       .data = resp } } } },
	};
	h_play(e, &c, st);
	h_expect_cnts(e, { CNT_http_431, 1 });
	/* the client sent 1500 bytes; its FIN comes after them */
	response_close(e, &c, rl, 1500, 10);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_http_431, 1 }, { CNT_closed_http_error, 1 },
		      { CNT_flows_active, 0 }, { CNT_backend_connects, 0 });
	h_env_free(e);
}

static void slow_header_gets_408_when_header_ms_passes(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	static const char part[] = "GET /slow HTTP/1.1\r\n";
	const int n = sizeof(part) - 1;
	char resp[512];

	response(408, "Request Timeout", resp, sizeof(resp));
	const int rl = (int)strlen(resp);
	h_conn_init(&c, 40107, 123, 0);
	h_handshake(e, &c, &linux_opts);     /* at t = 0: header_ms runs */
	const struct h_step st[] = {
		{ "part of a header", 100, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = part },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } } } },
		{ "1 ms before header_ms: nothing", 2999, F_NONE, { 0 }, { { X_END } } },
		{ "header_ms: 408 and FIN", 3000, F_NONE, { 0 },
		  { { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1), .ack = C_(1 + n),
				       .data = resp } } } },
	};
	h_play(e, &c, st);
	response_close(e, &c, rl, n, 3010);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_http_408, 1 }, { CNT_closed_http_error, 1 },
		      { CNT_flows_active, 0 });
}

static void unacknowledged_response_is_retransmitted_then_abandoned(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	char resp[512];

	response(408, "Request Timeout", resp, sizeof(resp));
	h_conn_init(&c, 40108, 123, 0);
	h_handshake(e, &c, &linux_opts);
	struct h_exp again = { X_CLIENT, .s = { .flags = ACK | PSH | FIN, .seq = R_(1),
						 .ack = C_(1), .data = resp } };
	const struct h_step st[] = {
		{ "header_ms: 408", 3000, F_NONE, { 0 }, { again } },
		{ "no ACK after 200 ms: again", 3200, F_NONE, { 0 }, { again } },
		{ "then after 400 ms", 3600, F_NONE, { 0 }, { again } },
		{ "then after 800 ms", 4400, F_NONE, { 0 }, { again } },
		{ "then given up silently", 6000, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_http_408, 1 }, { CNT_retransmits, 3 },
		      { CNT_closed_http_error, 1 }, { CNT_flows_active, 0 });
}

static void client_rst_while_collecting_frees_the_flow(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40109, 123, 0);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "part of a header", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = "GET / HTTP/1.1\r\n" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(17) } } } },
		{ "client RST: freed at once", 0, F_CLIENT,
		  { .flags = RST | ACK, .seq = C_(17), .ack = R_(1) }, { { X_END } } },
		{ "the header timer of the freed flow does not fire", 3000, F_NONE, { 0 },
		  { { X_END } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_closed_rst_client, 1 }, { CNT_flows_active, 0 },
		      { CNT_http_408, 0 });
}

/* Review finding (issue 9, item 3): before the splice a client RST was
 * accepted at any sequence number. RFC 5961 3.2: at the next byte only;
 * elsewhere in the window a challenge ACK, outside it nothing. */
static void rst_off_the_next_byte_while_collecting_gets_a_challenge_ack(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 40120, 321, 0);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "part of a header", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = "GET / HTTP/1.1\r\n" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(17) } } } },
		{ "RST 50 bytes ahead: a challenge ACK, the flow stays", 1, F_CLIENT,
		  { .flags = RST, .seq = C_(67) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(17) } } } },
		{ "RST a megabyte ahead: nothing", 2, F_CLIENT,
		  { .flags = RST, .seq = C_(1 + 0x100000) }, { { X_END } } },
		{ "the rest of the header is still taken", 3, F_CLIENT,
		  { .flags = ACK, .seq = C_(17), .ack = R_(1), .data = "Host: a\r\n" },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(26) } } } },
		{ "the RST at the next byte frees it", 4, F_CLIENT,
		  { .flags = RST, .seq = C_(26) }, { { X_END } } },
	};
	h_play(e, &c, st);
	h_expect_drops(e, { DROP_rst_challenged, 1 }, { DROP_tcp_out_of_window, 1 });
	h_expect_cnts(e, { CNT_closed_rst_client, 1 }, { CNT_flows_active, 0 });
}

static void connect_and_close_without_a_byte_gets_a_bare_fin(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	/* a health check: connect, close; not a bad request */
	h_conn_init(&c, 40110, 123, 0);
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "client FIN with no data: our FIN, no response text", 5, F_CLIENT,
		  { .flags = FIN | ACK, .seq = C_(1), .ack = R_(1) },
		  { { X_CLIENT, .s = { .flags = FIN | PSH | ACK, .seq = R_(1), .ack = C_(2) } } } },
		{ "client ACKs our FIN: linger", 6, F_CLIENT,
		  { .flags = ACK, .seq = C_(2), .ack = R_(2) }, { { X_END } } },
		{ "linger over", 506, F_NONE, { 0 }, { { X_END } } },
	};
	h_play(e, &c, st);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_http_400, 0 }, { CNT_closed_fin, 1 },
		      { CNT_closed_http_error, 0 }, { CNT_flows_active, 0 });
}

static void our_response_leaves_room_for_the_client_fin(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	struct h_pkt p;

	/* Our response ends with FIN; the close we then wait for is the
	 * client's FIN. A FIN takes a sequence number, so it must fit the
	 * window we advertise (RFC 9293 3.8.6): Linux does not send it into
	 * a zero window but probes instead, until our 200 ms timer frees the
	 * flow and its probe gets a RST. Whatever the status, the window of
	 * the response must not be 0. */
	h_conn_init(&c, 40111, 123, 0);
	h_handshake(e, &c, &linux_opts);
	h_at(e, 3000);            /* header_ms: 408 */
	h_tick(e);
	struct rte_mbuf *m = h_take(e);
	assert_non_null(m);
	assert_true(h_parse(m, &p));
	rte_pktmbuf_free(m);
	assert_int_equal(p.flags, TCP_ACK | TCP_PSH | TCP_FIN);
	assert_int_not_equal(p.win, 0);
	h_expect_cnts(e, { CNT_http_408, 1 });
}

static const struct CMUnitTest tests[] = {
	T(header_split_over_three_segments_is_decided_when_complete),
	T(out_of_order_header_bytes_are_kept_until_the_gap_fills),
	T(overlapping_segment_contributes_only_its_new_bytes),
	T(segment_half_the_sequence_space_away_is_a_duplicate),
	TN(body_segment_half_the_sequence_space_behind_is_a_duplicate),
	T(out_of_order_ranges_are_bounded),
	T(malformed_header_gets_400_and_closes),
	T(connect_gets_405_with_allow),
	T(client_fin_before_a_complete_header_gets_400),
	TN(oversized_header_gets_431_and_closes),
	T(slow_header_gets_408_when_header_ms_passes),
	T(unacknowledged_response_is_retransmitted_then_abandoned),
	T(client_rst_while_collecting_frees_the_flow),
	T(rst_off_the_next_byte_while_collecting_gets_a_challenge_ack),
	T(connect_and_close_without_a_byte_gets_a_bare_fin),
	T(our_response_leaves_room_for_the_client_fin),
};

H_MAIN("packet_header", tests)
