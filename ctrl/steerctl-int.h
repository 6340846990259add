/* What steerctl's own files share (steerctl*.c): the program's name and
 * limits, the socket exchange (steerctl_socket.c) and `watch`
 * (steerctl_watch.c), for main() in steerctl.c. */
#ifndef STEER_STEERCTL_INT_H
#define STEER_STEERCTL_INT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* The name messages start with. */
#define STEERCTL "steerctl"
/* Room for steerd's one-line errors, which may quote a config line. */
#define ERR_MAX 4096

/* ---- steerctl.c ---- */

/* Flush stdout; 0, or 1 (the exit status) with a message on stderr. */
int flush_stdout(void);

/* ---- steerctl_socket.c ---- */

/* CLOCK_MONOTONIC in ms. */
int64_t now_ms(void);

/* Wait until FD is ready for EVENTS or DEADLINE (now_ms()) passes; FD -1
 * waits for the deadline (or a signal) only. MASK, when not NULL, is the
 * signal mask while waiting (watch unblocks SIGINT and SIGTERM only
 * here). Returns 0, -ETIMEDOUT, -EINTR or -errno. */
int wait_fd(int fd, short events, int64_t deadline, const sigset_t *mask);

/* Send REQ[0..LEN) and its newline to steerd at PATH and read one response
 * line into *RESP (malloc'd, NUL-terminated, without the newline; *RESP_LEN
 * bytes), all within TIMEOUT_MS. Returns 0 or -errno with ERR (-EINTR: a
 * signal MASK lets through arrived). */
int ctl_call(const char *path, const char *req, size_t len, int timeout_ms,
	     const sigset_t *mask, char **resp, size_t *resp_len, char *err,
	     size_t errlen);

/* ---- steerctl_etcd.c ---- */

/* A command against the cluster's rules in etcd (O->etcd); exit status. */
int do_etcd(const struct cli_opts *o, int argc, char **argv);

/* ---- steerctl_watch.c ---- */

/* steerctl watch FILE until SIGINT or SIGTERM; the exit status. */
int do_watch(const struct cli_opts *o, const char *file);

#endif
