/* steerctl's pure half: command lines to control requests, and responses
 * to text for humans (docs/control.md). No sockets and no global state, so
 * tests/unit/cli_test.c runs all of it without steerd (ctrl/cli-int.h
 * says which file holds what). The socket I/O, `watch` and `check` live
 * in steerctl*.c. */
#ifndef STEER_CLI_H
#define STEER_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "json.h"

#define CLI_SOCKET_DEFAULT "/run/steer/steer.sock"
/* Long enough for a reload whose Hyperscan compile takes seconds. */
#define CLI_TIMEOUT_MS_DEFAULT 30000
/* Longest request line steerd accepts, newline included (docs/control.md). */
#define CLI_REQUEST_MAX 65536

/* cli_*() results besides 0: a usage error (steerctl exits 2) or any other
 * failure (exits 1). */
#define CLI_EUSAGE (-1)
#define CLI_EFAIL (-2)

struct cli_opts {
	const char *socket;       /* --socket, else the caller's default */
	bool json;                /* --json: print the raw response */
	int timeout_ms;           /* --timeout, whole request, in ms */
	bool help;                /* --help / -h */
	const char *etcd;         /* --etcd ENDPOINTS: rules in etcd, not a socket */
	const char *cluster;      /* --cluster NAME (default "default") */
	const char *config;       /* --config FILE: the base rules validated against */
};

/* Parse steerctl's global options at the start of ARGV (ARGV[0] is the
 * program). O must hold the defaults on entry. Returns the index of the
 * command word (ARGC when there is none), or CLI_EUSAGE with ERR (ERRLEN
 * bytes) holding one line. */
int cli_global(int argc, char **argv, struct cli_opts *o, char *err,
	       size_t errlen);

/* Build into OUT (jw_init()ed by the caller) the request for the command
 * line ARGV[0..ARGC), ARGV[0] being the command word ("status",
 * "intercept", ...). `reload FILE` resolves FILE with realpath(). Returns
 * 0; CLI_EUSAGE for bad usage, or CLI_EFAIL when FILE cannot be resolved
 * or memory runs out, with ERR holding one line. `check`, `watch` and
 * `help` send no request and are usage errors here. */
int cli_request(int argc, char **argv, struct jw *out, char *err,
		size_t errlen);

/* The FILE argument of `check FILE` / `watch FILE` (ARGV[0] the command
 * word) into *FILE. Returns 0 or CLI_EUSAGE with ERR. */
int cli_file_arg(int argc, char **argv, const char **file, char *err,
		 size_t errlen);

/* Render RESPONSE[0..LEN), the answer to protocol command CMD
 * ("intercept.list", ...), as text for humans on OUT. Strings from the
 * response are printed with control characters escaped, except the text of
 * `dump`, which is printed as is so it can be redirected to a file.
 * Returns 0; or -1 with ERR holding steerd's "error" for an ok:false
 * response, or a description of a malformed one. */
int cli_render(const char *cmd, const char *response, size_t len, FILE *out,
	       char *err, size_t errlen);

/* The "ok" member of RESPONSE: 1 true, 0 false (ERR: its "error"), -1
 * malformed (ERR says how). */
int cli_response_ok(const char *response, size_t len, char *err,
		    size_t errlen);

/* Member "generation" of an ok response, or -1. */
long long cli_response_generation(const char *response, size_t len);

/* The protocol command ("cmd") of request REQ[0..LEN) into BUF, or -1. */
int cli_request_cmd(const char *req, size_t len, char *buf, size_t buflen);

/* steerctl --help. */
void cli_usage(FILE *out);

/* FMT into ERR (ERRLEN bytes; nothing when ERR is NULL); returns RC. For
 * the one-line messages of libcli and of steerctl itself. */
int __attribute__((format(printf, 4, 5)))
cli_errf(char *err, size_t errlen, int rc, const char *fmt, ...);

#endif
