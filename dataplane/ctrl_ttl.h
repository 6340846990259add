/* Intercepts that expire on a single node: ctrl_ttl.c. Main lcore only. */
#ifndef STEER_CTRL_TTL_H
#define STEER_CTRL_TTL_H

#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "json.h"

/* A request's "ttl" field T: absent (*TTL_S = 0), or whole seconds, 1 to
 * 30 days. False, with the reply's error written to W, for anything else. */
bool ctrl_ttl_arg(const struct json_node *t, uint64_t *ttl_s, struct jw *w);
/* NAME expires TTL_S seconds after NOW (ms); -1 when the table is full. */
int ctrl_ttl_set(const char *name, uint64_t ttl_s, uint64_t now);
void ctrl_ttl_forget(const char *name);
/* Seconds left (rounded up), or -1 when NAME has no ttl. */
long long ctrl_ttl_left_s(const char *name, uint64_t now);
/* intercept.renew {"name", "ttl"?} */
void ctrl_cmd_renew(struct dp_shared *sh, const struct json_node *req,
		    uint64_t now, struct jw *w);
/* Remove the intercepts whose ttl has passed. */
void ctrl_ttl_tick(struct dp_shared *sh, uint64_t now);

#endif
