/* Packet-test helpers for health checks (test_health.c): the main lcore's
 * health tick on the test's clock, and a backend's health state. Kept out
 * of harness.c, which is about the workers. */
#ifndef STEER_PACKET_HEALTH_HARNESS_H
#define STEER_PACKET_HEALTH_HARNESS_H

#include "harness.h"
#include "hc_verdict.h"

/* The main lcore's health tick at the test's time, then one loop
 * iteration of the workers and the control ring (h_tick). */
void hh_tick(struct h_env *e);

/* The verdict of backend TARGET (T_BE0, T_BE1, T_API) of SERVICE, or NULL
 * when it has no health slot. */
const struct hc_verdict *hh_verdict(const struct h_env *e, const char *service,
				    enum h_target target);

/* hh_verdict()'s state as "up", "down" or "unchecked". */
const char *hh_state(const struct h_env *e, const char *service,
		     enum h_target target);

#endif
