/* The control socket on the main lcore (docs/control.md). */
#ifndef STEER_CTRL_H
#define STEER_CTRL_H

#include "dp.h"

/* Create control.socket (0600, or 0660 for control.group). 0 or -errno. */
int ctrl_open(struct dp_shared *sh);

/* Serve clients and the metrics listener; waits up to TIMEOUT_MS. */
void ctrl_poll(struct dp_shared *sh, int timeout_ms);

void ctrl_close(struct dp_shared *sh);

#endif
