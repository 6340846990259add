/* Types of a compiled ruleset and of a routing decision. */
#ifndef STEER_RULES_T_H
#define STEER_RULES_T_H

#include <stdint.h>

#define RS_MAX_INJECT 2

enum rs_target {
	RS_TARGET_BACKEND,        /* a cluster backend of the service */
	RS_TARGET_TUNNEL,         /* a developer tunnel */
	RS_TARGET_NONE,           /* service has no backend: answer 503 */
};

enum rs_why {
	RS_WHY_DEFAULT,           /* no intercept matched */
	RS_WHY_INTERCEPT,         /* an intercept's matchers all held */
	RS_WHY_PREVIEW,           /* Host was <token>.<previews.domain> */
};

struct rs_inject {
	const char *name;         /* points into the ruleset */
	const char *value;
	uint16_t name_len;
	uint16_t value_len;
};

struct rs_decision {
	enum rs_target target;
	enum rs_why why;
	uint32_t service;         /* index into the ruleset's conf services */
	int32_t intercept;        /* index into conf intercepts, or -1 */
	int32_t tunnel;           /* index into conf tunnels, or -1 */
	int32_t backend;          /* index into the service's backends, or -1 */
	uint8_t n_inject;
	struct rs_inject inject[RS_MAX_INJECT];
};

#endif
