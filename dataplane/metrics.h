/* Prometheus text exposition over HTTP at control.metrics (loopback by
 * default; never on a dataplane port), served by the main lcore. */
#ifndef STEER_METRICS_H
#define STEER_METRICS_H

#include <poll.h>

#include "dp.h"

#define METRICS_FDS 9             /* listener + 8 connections */

/* Listen on control.metrics. 0 or -errno. */
int metrics_open(struct dp_shared *sh);

/* Fill PFD with the fds to poll; returns how many. */
unsigned metrics_pollfds(struct pollfd *pfd);

/* Handle the poll results for those fds. */
void metrics_handle(struct dp_shared *sh, const struct pollfd *pfd, unsigned n);

/* The exposition text (malloc'd), for tests and the HTTP handler. */
char *metrics_text(const struct dp_shared *sh, size_t *len);

void metrics_close(void);

#endif
