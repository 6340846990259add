/* The rule engine: compile a configuration into an immutable ruleset, then
 * decide where each request header goes. */
#ifndef STEER_RULES_H
#define STEER_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "conf-t.h"
#include "http-t.h"
#include "rules-t.h"

struct ruleset;
struct rs_scratch;

/* Compile C into a ruleset: validates regexes (Hyperscan's message) and
 * intercept conflicts, builds the Hyperscan database, the exact-value hash
 * tables and each service's Maglev table. On success the ruleset takes
 * ownership of C (freed by rs_free()). Returns NULL with errno set and ERR
 * holding "file:line: what" on failure; C is then still the caller's.
 * Control plane only: allocates and may take long (Hyperscan compile). */
struct ruleset *rs_compile(struct steer_conf *c, char *err, size_t errlen);

/* The ruleset of NC, derived from BASE (conf_derive(rs_conf(BASE), ...)
 * with intercept REMOVED of BASE left out (-1: none) and, with ADDED, one
 * appended): decides exactly as rs_compile(NC) would, without recompiling
 * what did not change (rules_edit.c). Validates the added intercept as
 * rs_compile() and the loader would (unique name and preview, conflicts,
 * its regexes). On success the ruleset takes NC; it shares parts with
 * BASE, which stays valid and must be freed after it is published (see
 * rs_adopt()). NULL with errno set and ERR on failure; NC is still the
 * caller's. Control plane only. */
struct ruleset *rs_derive(const struct ruleset *base, struct steer_conf *nc,
			  int removed, bool added, char *err, size_t errlen);

/* RS is in force and OLD, its base, will be freed: RS's configuration
 * takes over what it shares with OLD's (conf_adopt()). Nothing if RS was
 * not derived from OLD. */
void rs_adopt(struct ruleset *rs, struct ruleset *old);

/* Whether RS was derived from OLD; then the intercept of OLD it left out
 * (-1: none) and whether its last intercept is new. */
bool rs_edit_of(const struct ruleset *rs, const struct ruleset *old,
		int *removed, bool *added);

/* Drop a reference to RS: the last one frees RS and the configuration it
 * owns. NULL is fine. */
void rs_free(struct ruleset *rs);

/* Take another reference to RS (control thread only), dropped by one more
 * rs_free(): a ruleset is immutable, so one may be published again after
 * a publication that replaced it is gone (the packet fuzzer keeps one per
 * configuration it switches between). Returns RS. */
struct ruleset *rs_ref(struct ruleset *rs);

/* The configuration RS was compiled from. */
const struct steer_conf *rs_conf(const struct ruleset *rs);

/* Per-thread scratch for rs_decide(): allocate one per worker at boot, and
 * grow it for each new ruleset before publishing (pass the old one; it is
 * reused or replaced). Returns NULL with errno set on failure. */
struct rs_scratch *rs_scratch_alloc(const struct ruleset *rs,
				    struct rs_scratch *old);
void rs_scratch_free(struct rs_scratch *s);

/* Index of the intercept named NAME, or -1 (a hash lookup). */
int rs_find_intercept(const struct ruleset *rs, const char *name);

/* Listener index for a destination address, or -1. */
int rs_listener_find(const struct ruleset *rs, uint32_t ip, uint16_t port);

/* Decide where request REQ (complete, parsed) received on LISTENER goes.
 * FLOW_HASH picks the Maglev slot for cluster backends. Fills D. Never
 * allocates or blocks; cost does not grow with the number of exact-value
 * intercepts. Returns 0, or -1 if S is too small for RS (a bug). */
int rs_decide(const struct ruleset *rs, struct rs_scratch *s,
	      unsigned listener, const struct http_req *req,
	      uint32_t flow_hash, struct rs_decision *d);

/* Maglev table of service SVC (size entries of backend indexes), NULL
 * when no backend takes new flows. */
const uint16_t *rs_maglev(const struct ruleset *rs, unsigned svc,
			  uint32_t *size);

/* Service SVC's Maglev table with the backends DOWN[b] is true for (b an
 * index into its backends) taken out, only their flows moving
 * (maglev_remove()), into OUT (the size rs_maglev() gives). Returns 0,
 * -ENOENT when every backend that takes new flows is down (OUT untouched),
 * or -ENOMEM. Control plane only. */
int rs_maglev_without(const struct ruleset *rs, unsigned svc,
		      const bool *down, uint16_t *out);

#endif
