/* One active health check as a pure TCP client state machine: SYN,
 * SYN-ACK, the request in the segment that ACKs it, the status line, RST.
 * No packets and no clock here: the caller (dataplane/health.c) gives it
 * segments and the time and sends what it asks for, so every transition
 * is unit-tested (tests/unit/hc_probe_test.c).
 *
 * Deliberately small: no retransmission (a lost segment is a failed
 * check, which `fall` absorbs), no window handling (the request is one
 * segment, and only the status line is read), and the check ends with
 * an RST, so neither side keeps TIME_WAIT state for the next check. */
#ifndef STEER_HC_PROBE_H
#define STEER_HC_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "hc_verdict.h"

#define HC_FIN 0x01
#define HC_SYN 0x02
#define HC_RST 0x04
#define HC_PSH 0x08
#define HC_ACK 0x10

#define HC_LINE_MAX 32            /* bytes of the status line kept */

enum hc_probe_state {
	HCP_IDLE,
	HCP_SYN_SENT,
	HCP_WAIT,                 /* request sent, reading the status line */
};

struct hc_probe {
	uint8_t state;            /* enum hc_probe_state */
	uint32_t iss;             /* our ISN */
	uint32_t snd_nxt;         /* past the request, once sent */
	uint32_t rcv_nxt;
	uint32_t req_len;
	uint64_t deadline;        /* ms */
	uint8_t line_len;
	char line[HC_LINE_MAX];
};

/* A segment received (host order). */
struct hc_seg {
	uint8_t flags;
	uint32_t seq, ack;
	const char *data;
	uint32_t len;
};

/* A segment to send: with REQ, the request's REQ_LEN bytes as payload. */
struct hc_tx {
	bool send;
	uint8_t flags;
	uint32_t seq, ack;
	bool req;
};

/* How the check ended. */
struct hc_result {
	bool done;
	enum hc_reason reason;    /* HC_R_none: passed */
	uint16_t status;          /* the status code, when one was read */
};

/* Start a check at NOW with ISN ISS, a request of REQ_LEN bytes and
 * TIMEOUT_MS: the SYN to send in *TX. */
void hc_probe_start(struct hc_probe *p, uint32_t iss, uint32_t req_len,
		    uint64_t now, uint32_t timeout_ms, struct hc_tx *tx);

/* Segment S arrived. *TX: what to answer (send false: nothing). Returns
 * the result (done false: the check goes on). A segment that is not for
 * the check in its state is ignored (no answer, not done). */
struct hc_result hc_probe_input(struct hc_probe *p, const struct hc_seg *s,
				struct hc_tx *tx);

/* Time NOW: past the deadline the check fails with HC_R_timeout (and
 * *TX resets the connection). */
struct hc_result hc_probe_timeout(struct hc_probe *p, uint64_t now,
				  struct hc_tx *tx);

/* The status code of an HTTP/1.x status line LINE[0..LEN) (RFC 9112
 * section 4), or -1 when it is not one; -2 when LEN is too short to
 * tell yet. */
int hc_status_line(const char *line, unsigned len);

#endif
