/* What steer-gen counts as a failed check, and the check of a response
 * header against the request it answers. Pure C, no EAL: the unit tests
 * feed it responses that gen_resp_build() wrote. */
#ifndef STEER_GEN_CHECK_H
#define STEER_GEN_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen_http.h"
#include "gen_mix.h"

/* Errors by kind: X(name, what). Every one is a failed check. */
#define GEN_ERRORS(X) \
	X(connect_timeout, "SYN never answered") \
	X(reset, "connection reset by the router") \
	X(retrans_timeout, "data never acknowledged") \
	X(stalled, "no response within timeout_ms") \
	X(bad_response, "response header malformed or too long") \
	X(http_status, "response status not 200") \
	X(body_corrupt, "response body bytes wrong") \
	X(id_mismatch, "response echoes another request's X-Gen-Id") \
	X(echo_missing, "server did not see the expected (injected) header, once") \
	X(echo_unexpected, "server saw the echo header on a request of an entry without one") \
	X(forwarded_for, "server did not see one X-Forwarded-For naming the client") \
	X(unnamed, "response from no server of ours") \
	X(extra_bytes, "bytes after the response, or after a FIN") \
	X(early_close, "peer closed before the last response") \
	X(server_bad_request, "a server got a malformed request") \
	X(server_truncated, "the router closed a server connection inside a request") \
	X(bad_checksum, "frame with a wrong IP or TCP checksum") \
	X(unfinished, "connection still open when the run ended")

enum gen_error {
#define X(n, w) GEN_ERR_##n,
	GEN_ERRORS(X)
#undef X
	GEN_ERR__COUNT,
	GEN_ERR_NONE = GEN_ERR__COUNT, /* what a check returns when it passed */
};
extern const char *const gen_error_names[GEN_ERR__COUNT];

/* The request a response answers. */
struct gen_sent {
	unsigned entry;           /* its mix entry (its class) */
	const char *id;           /* its X-Gen-Id, GEN_ID_LEN chars */
	uint32_t client_ip;       /* host order: what X-Forwarded-For names */
};

/* Check response header MSG against SENT, the request it answers, never
 * against another request of the same connection: each request of a
 * keep-alive connection has its own class, and steerd decides and
 * injects for each one. *MISROUTE is set when a server of another group
 * than SENT's entry expects answered (counted, not an error). Returns
 * the first failed check, or GEN_ERR_NONE. */
enum gen_error gen_check_response(const struct gen_mix *mx,
				  const struct gen_sent *sent,
				  const struct gen_http_msg *msg, bool *misroute);

/* The legitimate success rate: SUCCEEDED of ATTEMPTED requests in tenths
 * of a percent, rounded down, so that 1000 (100.0%) means every one did
 * and a single failure never prints as 100.0%. 1000 when none were
 * attempted (nothing failed); SUCCEEDED above ATTEMPTED counts as all. */
unsigned gen_success_permille(uint64_t succeeded, uint64_t attempted);

/* "legit success 99.7% (2991/3000)" (or "legit success n/a (0/0)") into
 * BUF of CAP bytes. Returns what snprintf() returns. */
int gen_success_format(char *buf, size_t cap, uint64_t succeeded,
		       uint64_t attempted);

#endif
