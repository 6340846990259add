/* Backends' health for people and monitoring: the control socket's
 * `backend.list` reply and the metrics' backend series (docs/control.md,
 * docs/operations.md). Main lcore only. */
#ifndef STEER_HEALTH_VIEW_H
#define STEER_HEALTH_VIEW_H

#include <stdint.h>
#include <stdio.h>

#include "dp.h"
#include "json.h"

/* The `backend.list` reply: every backend of the running rules, with its
 * state, results in a row and last failure; NOW in ms (worker_ms()). */
void health_list_json(const struct dp_shared *sh, struct jw *w, uint64_t now);

/* Prometheus text for each backend (steer_backend_*); NOW in ms, and the
 * wall clock in seconds for the last failure's timestamp. */
void health_metrics(const struct dp_shared *sh, FILE *f, uint64_t now,
		    double wall_s);

#endif
