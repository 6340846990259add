/* steer-gen's configuration: a libconfig file (tests/gen/gen.conf is the
 * example that matches tests/gen/memif.conf) whose `run` values the
 * command line may override. Pure C, no EAL. */
#ifndef STEER_GEN_CONF_H
#define STEER_GEN_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen_mix.h"
#include "gen_spoof.h"

#define GEN_MAX_EAL 32
#define GEN_SLOW_MAX 65536        /* slowloris connections, at most */

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
	/* Attack modes, added to the mix above for the run's duration. */
	unsigned syn_flood;       /* spoofed SYNs per second; 0: none */
	struct gen_cidr flood_src; /* their sources (within GEN_SPOOF_ALLOWED) */
	unsigned flood_duration_s; /* 0: as long as the run opens connections */
	unsigned slowloris;       /* connections that never finish a header */
	unsigned slowloris_interval_ms; /* between their header lines */
	int min_success_pm;       /* exit 0 when legitimate requests succeed
				     at least this often (tenths of a percent),
				     whatever failed; -1: any error fails */
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

/* A percentage 0..100 (run.min_success, --min-success) to tenths of a
 * percent, rounded to the nearest; -1 when out of range. */
int gen_parse_percent(double pct, int *permille);

/* The attack modes' limits on C (after the command line): spoofed
 * sources within GEN_SPOOF_ALLOWED and none of the clients, the listener
 * within GEN_TARGET_ALLOWED, rates and counts bounded. 0, or -1 with why
 * in ERR. */
int gen_conf_check_attacks(const struct gen_conf *c, char *err, size_t errlen);

#endif
