/* steer-gen's configuration: a libconfig file (tests/gen/gen.conf is the
 * example that matches tests/gen/memif.conf) whose `run` values the
 * command line may override. Pure C, no EAL. */
#ifndef STEER_GEN_CONF_H
#define STEER_GEN_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen_mix.h"

#define GEN_MAX_EAL 32

struct gen_run {
	unsigned duration_s;      /* stop opening after this */
	uint64_t connections;     /* stop opening after this many; 0: no cap */
	unsigned concurrency;     /* connections open at once, at most */
	unsigned rate;            /* new connections per second; 0: flat out */
	unsigned requests;        /* per connection (keep-alive), >= 1 */
	bool per_connection;      /* classes = "connection": every request of
				     a connection is of its first one's mix
				     entry; default ("request"): each draws
				     its own */
	uint32_t response_body;   /* bytes of every response body */
	unsigned timeout_ms;      /* a request without its response: error */
};

struct gen_conf {
	char *eal[GEN_MAX_EAL];
	unsigned n_eal;
	char edge_dev[64], inner_dev[64];
	uint32_t edge_router, inner_router;       /* host order */
	uint32_t client_first, client_last;       /* client addresses */
	uint32_t listener_ip;
	uint16_t listener_port;
	uint32_t vtep_ip;                         /* 0: no VXLAN servers */
	char echo_header[64];     /* request header servers echo as X-Echo */
	struct gen_mix mix;
	struct gen_run run;
};

/* Load PATH into C (zeroed first). Returns 0, or -1 with "FILE:LINE:
 * what" in ERR. */
int gen_conf_load(struct gen_conf *c, const char *path, char *err, size_t errlen);

void gen_conf_free(struct gen_conf *c);

/* "a.b.c.d" or "a.b.c.d:port" to host order; -1 when malformed or the
 * port is missing where PORT is not NULL. */
int gen_parse_addr(const char *s, uint32_t *ip, uint16_t *port);

/* "request" or "connection" (run.classes, --classes) to *PER_CONNECTION;
 * -1 for anything else. */
int gen_parse_classes(const char *s, bool *per_connection);

#endif
