/* Packet-test helpers for health checks (test_health.c): the main lcore's
 * health tick on the test's clock, and a backend's health state. Kept out
 * of harness.c, which is about the workers. */
#ifndef STEER_PACKET_HEALTH_HARNESS_H
#define STEER_PACKET_HEALTH_HARNESS_H

#include "harness.h"
#include "hc_verdict.h"

/* One loop iteration of the workers and the control ring (h_tick), the
 * main lcore's health tick at the test's time, and the workers again to
 * send what it queued. */
void hh_tick(struct h_env *e);

/* The verdict of backend TARGET (T_BE0, T_BE1, T_API) of SERVICE, or NULL
 * when it has no health slot. */
const struct hc_verdict *hh_verdict(const struct h_env *e, const char *service,
				    enum h_target target);

/* hh_verdict()'s state as "up", "down" or "unchecked". */
const char *hh_state(const struct h_env *e, const char *service,
		     enum h_target target);

/* ---- a backend answering health checks ---------------------------------- */

/* A check as the backend sees it: learnt from our SYN. */
struct hh_chk {
	enum h_target target;
	uint16_t sport;           /* ours */
	uint32_t iss;             /* our ISN */
	uint32_t irs;             /* the backend's */
	uint16_t mss;             /* our SYN's MSS option */
	uint32_t req_len;         /* learnt by hh_accept() */
	unsigned rx_worker;       /* the worker the backend's segments reach */
};

/* Take the frames sent so far: each must be a health check's SYN from the
 * inner port to a web backend. Fills OUT[0..MAX) in send order; returns
 * how many. */
unsigned hh_syns(struct h_env *e, struct hh_chk *out, unsigned max);

/* The backend of C answers the SYN: the request must come back on the
 * ACK. Returns the request (a static buffer). */
const char *hh_accept(struct h_env *e, struct hh_chk *c);

/* ... and sends LINE (a status line and whatever follows) with FIN when
 * FIN: our RST must answer it. */
void hh_respond(struct h_env *e, struct hh_chk *c, const char *line, bool fin);

/* Accept, then respond "HTTP/1.1 STATUS X" with headers and an empty body. */
void hh_serve(struct h_env *e, struct hh_chk *c, int status);

/* The backend refuses the SYN (RST|ACK). No answer from us. */
void hh_refuse(struct h_env *e, struct hh_chk *c);

#endif
