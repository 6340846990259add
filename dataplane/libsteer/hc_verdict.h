/* Whether a backend takes new flows: the verdict of its health checks
 * (active, by steerd's own requests) and of its clients' connects
 * (passive). A pure state machine over (results, clock), so the rules are
 * tested without packets (tests/unit/hc_verdict_test.c); the dataplane
 * feeds it (dataplane/health.c).
 *
 * The rules (docs/architecture.md, "Health checks"):
 * - a backend starts up;
 * - `fall` failed checks in a row take it down, `rise` passed ones in a
 *   row bring it back;
 * - `passive_fall` connect failures in a row (RST or connect timeout of
 *   client flows, with no successful connect in between) take it down too;
 *   it comes back after `rise` passed checks, or, when its service has no
 *   active checks, after `hold_ms`. */
#ifndef STEER_HC_VERDICT_H
#define STEER_HC_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

/* Why a check failed (or the backend went down). */
#define HC_REASONS(X)                                                        \
	X(none, "no failure")                                                 \
	X(timeout, "no complete status line within timeout_ms")               \
	X(rst, "the backend reset the check's connection")                    \
	X(status, "a status other than 2xx or 3xx")                           \
	X(bad_response, "not an HTTP/1.x status line, or closed before one")  \
	X(no_route, "no route to the backend")                                \
	X(unresolved, "the next hop did not answer ARP within timeout_ms")    \
	X(connect_failed, "client connects failed in a row (passive)")

enum hc_reason {
#define HC_REASON_ENUM(n, s) HC_R_##n,
	HC_REASONS(HC_REASON_ENUM)
#undef HC_REASON_ENUM
	HC_R__COUNT
};

extern const char *const hc_reason_names[HC_R__COUNT];

#define HC_PASSIVE_FALL 3         /* without active checks */
#define HC_PASSIVE_HOLD_MS 10000  /* down that long, without active checks */

struct hc_params {
	bool active;              /* the service has a health group */
	uint32_t rise, fall;      /* active checks */
	uint32_t passive_fall;    /* connect failures in a row */
	uint32_t hold_ms;         /* passive down, without active checks */
};

struct hc_verdict {
	bool down;
	bool passive;             /* down by passive detection */
	uint32_t oks;             /* checks passed in a row */
	uint32_t fails;           /* checks failed in a row */
	uint64_t since;           /* ms: the state began */
	/* the last failure (check or passive) */
	bool failed;              /* there was one */
	uint8_t reason;           /* enum hc_reason */
	uint16_t status;          /* HC_R_status: the status */
	uint64_t failed_at;       /* ms */
	/* totals */
	uint64_t checks;
	uint64_t check_fails;
	uint64_t downs;
};

/* The parameters of a service: active with its health group (ACTIVE,
 * RISE, FALL), passive with FALL, or with HC_PASSIVE_FALL when inactive. */
void hc_params_of(struct hc_params *p, bool active, uint32_t rise,
		  uint32_t fall);

/* A new backend at NOW: up, no history. */
void hc_verdict_init(struct hc_verdict *v, uint64_t now);

/* One active check ended at NOW: passed (REASON HC_R_none) or failed.
 * Returns true when the backend went down or came back. */
bool hc_verdict_check(struct hc_verdict *v, const struct hc_params *p,
		      enum hc_reason reason, uint16_t status, uint64_t now);

/* FAILS connect failures in a row were seen by NOW. Returns true when
 * that took the backend down. */
bool hc_verdict_passive(struct hc_verdict *v, const struct hc_params *p,
			uint32_t fails, uint64_t now);

/* Time passes: a passive down without active checks ends after hold_ms.
 * Returns true when the backend came back. */
bool hc_verdict_tick(struct hc_verdict *v, const struct hc_params *p,
		     uint64_t now);

/* "up", "down", or "unchecked" (up, with no active checks). */
const char *hc_verdict_state(const struct hc_verdict *v,
			     const struct hc_params *p);

#endif
