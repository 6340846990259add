/* A health check's TCP exchange: golden sequences of segments in and
 * segments out, the result each one ends with, and the status line
 * parser over every truncation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hc_probe.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define ISS 1000u
#define IRS 500000u
#define REQ 60u                  /* request length */

/* One step: a segment in (flags 0: time passes to AT), what must be sent
 * (flags 0: nothing), and the result. */
struct step {
	uint64_t at;
	uint8_t flags;
	uint32_t seq, ack;
	const char *data;
	uint8_t tx_flags;
	uint32_t tx_seq, tx_ack;
	bool tx_req;
	bool done;
	enum hc_reason reason;
	uint16_t status;
};

struct seq {
	const char *why;
	struct step steps[8];
};

#define A HC_ACK
#define DONE(r, st) true, r, st
#define GOON false, HC_R_none, 0
#define IN(f, s, a, d) (f), (s), (a), (d)
#define TICK(t) IN(0, 0, 0, NULL)
#define OUT(f, s, a, r) (f), (s), (a), (r)
#define NONE OUT(0, 0, 0, false)

static const struct seq seqs[] = {
	{ "200 passes; the request rides on the handshake's ACK; RST ends it", {
		{ 1, IN(HC_SYN | A, IRS, ISS + 1, NULL), OUT(A | HC_PSH, ISS + 1, IRS + 1, true), GOON },
		{ 2, IN(A, IRS + 1, ISS + 1 + REQ, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		  OUT(HC_RST | A, ISS + 1 + REQ, IRS + 1 + 38, false), DONE(HC_R_none, 200) },
		{ 0 } } },
	{ "301 passes, split status line is ACKed until complete", {
		{ 1, IN(HC_SYN | A, IRS, ISS + 1, NULL), OUT(A | HC_PSH, ISS + 1, IRS + 1, true), GOON },
		{ 2, IN(A, IRS + 1, ISS + 1 + REQ, "HTTP/1.0 3"), OUT(A, ISS + 1 + REQ, IRS + 11, false), GOON },
		{ 3, IN(A, IRS + 11, ISS + 1 + REQ, "01\r\n"), OUT(HC_RST | A, ISS + 1 + REQ, IRS + 15, false),
		  DONE(HC_R_none, 301) },
		{ 0 } } },
	{ "500 fails with its status", {
		{ 1, IN(HC_SYN | A, IRS, ISS + 1, NULL), OUT(A | HC_PSH, ISS + 1, IRS + 1, true), GOON },
		{ 2, IN(A | HC_PSH | HC_FIN, IRS + 1, ISS + 1 + REQ, "HTTP/1.1 500 Internal Server Error\r\n"),
		  OUT(HC_RST | A, ISS + 1 + REQ, IRS + 1 + 36 + 1, false), DONE(HC_R_status, 500) },
		{ 0 } } },
	{ "404 fails", {
		{ 1, IN(HC_SYN | A, IRS, ISS + 1, NULL), OUT(A | HC_PSH, ISS + 1, IRS + 1, true), GOON },
		{ 2, IN(A, IRS + 1, ISS + 1 + REQ, "HTTP/1.1 404 Not Found\r\n"),
		  OUT(HC_RST | A, ISS + 1 + REQ, IRS + 25, false), DONE(HC_R_status, 404) },
		{ 0 } } },
	{ "connection refused", {
		{ 1, IN(HC_RST, 0, 0, NULL), NONE, GOON },
		{ 2, IN(HC_RST | A, 0, ISS + 5, NULL), NONE, GOON },
		{ 3, IN(HC_RST | A, 0, ISS + 1, NULL), NONE, DONE(HC_R_rst, 0) },
		{ 0 } } },
	{ "RST after the request", {
		{ 1, IN(HC_SYN | A, IRS, ISS + 1, NULL), OUT(A | HC_PSH, ISS + 1, IRS + 1, true), GOON },
		{ 2, IN(HC_RST, IRS + 1 + 70000, 0, NULL), NONE, GOON },
		{ 3, IN(HC_RST | A, IRS + 1, ISS + 1 + REQ, NULL), NONE, DONE(HC_R_rst, 0) },
		{ 0 } } },
	{ "no SYN-ACK: timeout, the half-open connection reset", {
		{ 499, TICK(499), NONE, GOON },
		{ 500, TICK(500), OUT(HC_RST, ISS + 1, 0, false), DONE(HC_R_timeout, 0) },
		{ 0 } } },
	{ "no status line: timeout", {
		{ 1, IN(HC_SYN | A, IRS, ISS + 1, NULL), OUT(A | HC_PSH, ISS + 1, IRS + 1, true), GOON },
		{ 2, IN(A, IRS + 1, ISS + 1 + REQ, "HTTP/"), OUT(A, ISS + 1 + REQ, IRS + 6, false), GOON },
		{ 500, TICK(500), OUT(HC_RST | A, ISS + 1 + REQ, IRS + 6, false), DONE(HC_R_timeout, 0) },
		{ 0 } } },
	{ "FIN before a status line: bad response", {
		{ 1, IN(HC_SYN | A, IRS, ISS + 1, NULL), OUT(A | HC_PSH, ISS + 1, IRS + 1, true), GOON },
		{ 2, IN(A | HC_FIN, IRS + 1, ISS + 1 + REQ, NULL), OUT(HC_RST | A, ISS + 1 + REQ, IRS + 2, false),
		  DONE(HC_R_bad_response, 0) },
		{ 0 } } },
	{ "not HTTP: bad response at the first wrong byte", {
		{ 1, IN(HC_SYN | A, IRS, ISS + 1, NULL), OUT(A | HC_PSH, ISS + 1, IRS + 1, true), GOON },
		{ 2, IN(A, IRS + 1, ISS + 1 + REQ, "SSH-2.0"), OUT(HC_RST | A, ISS + 1 + REQ, IRS + 8, false),
		  DONE(HC_R_bad_response, 0) },
		{ 0 } } },
	{ "HTTP/2 preface is not a 1.x status line", {
		{ 1, IN(HC_SYN | A, IRS, ISS + 1, NULL), OUT(A | HC_PSH, ISS + 1, IRS + 1, true), GOON },
		{ 2, IN(A, IRS + 1, ISS + 1 + REQ, "HTTP/2 200\r\n"), OUT(HC_RST | A, ISS + 1 + REQ, IRS + 13, false),
		  DONE(HC_R_bad_response, 0) },
		{ 0 } } },
	{ "lost ACK: the SYN-ACK again gets the request again; a gap gets a dup ACK; old bytes nothing", {
		{ 1, IN(HC_SYN | A, IRS, ISS + 1, NULL), OUT(A | HC_PSH, ISS + 1, IRS + 1, true), GOON },
		{ 2, IN(HC_SYN | A, IRS, ISS + 1, NULL), OUT(A | HC_PSH, ISS + 1, IRS + 1, true), GOON },
		{ 3, IN(A, IRS + 6, ISS + 1 + REQ, "1 200 OK\r\n"), OUT(A, ISS + 1 + REQ, IRS + 1, false), GOON },
		{ 4, IN(A, IRS + 1, ISS + 1 + REQ, "HTTP/"), OUT(A, ISS + 1 + REQ, IRS + 6, false), GOON },
		{ 5, IN(A, IRS + 1, ISS + 1 + REQ, "HTTP/"), NONE, GOON },
		{ 6, IN(A, IRS + 3, ISS + 1 + REQ, "TP/1.1 204 No"),
		  OUT(HC_RST | A, ISS + 1 + REQ, IRS + 16, false), DONE(HC_R_none, 204) },
		{ 0 } } },
	{ "a SYN-ACK that does not acknowledge our SYN is ignored", {
		{ 1, IN(HC_SYN | A, IRS, ISS + 2, NULL), NONE, GOON },
		{ 2, IN(HC_SYN, IRS, 0, NULL), NONE, GOON },
		{ 3, IN(A, IRS, ISS + 1, NULL), NONE, GOON },
		{ 500, TICK(500), OUT(HC_RST, ISS + 1, 0, false), DONE(HC_R_timeout, 0) },
		{ 0 } } },
};

static void run(const struct seq *q)
{
	struct hc_probe p;
	struct hc_tx tx;
	struct hc_result r = { 0 };

	hc_probe_start(&p, ISS, REQ, 0, 500, &tx);
	assert_true(tx.send);
	assert_int_equal(tx.flags, HC_SYN);
	assert_int_equal(tx.seq, ISS);
	for (const struct step *s = q->steps; s->at != 0; s++) {
		assert_false(r.done);
		if (s->flags == 0) {
			r = hc_probe_timeout(&p, s->at, &tx);
		} else {
			struct hc_seg g = { .flags = s->flags, .seq = s->seq, .ack = s->ack,
					    .data = s->data,
					    .len = s->data ? (uint32_t)strlen(s->data) : 0 };
			r = hc_probe_input(&p, &g, &tx);
		}
		unsigned n = (unsigned)(s - q->steps) + 1;
		if (tx.send != (s->tx_flags != 0) ||
		    (tx.send && (tx.flags != s->tx_flags || tx.seq != s->tx_seq ||
				 tx.ack != s->tx_ack || tx.req != s->tx_req)))
			fail_msg("%s: step %u: sent %s flags 0x%02x seq %u ack %u req %d, "
				 "want flags 0x%02x seq %u ack %u req %d", q->why, n,
				 tx.send ? "" : "nothing;", tx.flags, tx.seq, tx.ack, tx.req,
				 s->tx_flags, s->tx_seq, s->tx_ack, s->tx_req);
		if (r.done != s->done || r.reason != s->reason || r.status != s->status)
			fail_msg("%s: step %u: done %d reason %s status %u, want %d %s %u",
				 q->why, n, r.done, hc_reason_names[r.reason], r.status,
				 s->done, hc_reason_names[s->reason], s->status);
	}
	assert_true(r.done);
	assert_int_equal(p.state, HCP_IDLE);
	/* done: nothing more happens */
	struct hc_seg late = { .flags = HC_ACK, .seq = IRS + 1, .ack = ISS + 1 };
	r = hc_probe_input(&p, &late, &tx);
	assert_false(r.done);
	assert_false(tx.send);
	r = hc_probe_timeout(&p, 1000000, &tx);
	assert_false(r.done);
	assert_false(tx.send);
}

static void checks_follow_their_golden_exchanges(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(seqs); i++)
		run(&seqs[i]);
}

static void status_line_is_read_from_every_prefix(void **state)
{
	static const struct {
		const char *line;
		int status;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\n", 200 },
		{ "HTTP/1.0 503 Service Unavailable\r\n", 503 },
		{ "HTTP/1.1 204\r\n", 204 },
		{ "HTTP/1.1 099 x\r\n", 99 },
		{ "HTTP/1.1 20 OK\r\n", -1 },
		{ "HTTP/1.1 2000 OK\r\n", -1 },
		{ "HTTP/1.1  200 OK\r\n", -1 },
		{ "http/1.1 200 OK\r\n", -1 },
		{ "HTTP/2.0 200 OK\r\n", -1 },
		{ "HTTP/1.x 200 OK\r\n", -1 },
		{ "\r\nHTTP/1.1 200 OK\r\n", -1 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *l = cases[i].line;
		unsigned len = (unsigned)strlen(l);
		int bad_at = -1;
		for (unsigned n = 0; n <= len; n++) {
			int st = hc_status_line(l, n);
			if (n >= 13 || st == -1) {
				if (st == -1 && bad_at < 0)
					bad_at = (int)n;
				if (n >= 13 && st != cases[i].status && !(st == -1 && cases[i].status == -1))
					fail_msg("\"%s\" at %u: %d, want %d", l, n, st, cases[i].status);
			} else if (st != -2) {
				fail_msg("\"%s\" at %u: %d, want -2 (too short)", l, n, st);
			}
			/* once wrong, wrong for every longer prefix */
			if (bad_at >= 0)
				assert_int_equal(hc_status_line(l, n), -1);
		}
		assert_int_equal(bad_at >= 0, cases[i].status < 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(checks_follow_their_golden_exchanges),
		cmocka_unit_test(status_line_is_read_from_every_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
