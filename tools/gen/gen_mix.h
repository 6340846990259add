/* What steer-gen sends and who may answer: the request mix (each entry
 * names the server group the rules must send it to) and the servers it
 * plays (each in one group). Classifying a response against its entry is
 * how misroutes are found. Pure C, no EAL. */
#ifndef STEER_GEN_MIX_H
#define STEER_GEN_MIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEN_MAX_MIX 32
#define GEN_MAX_SERVERS 32
#define GEN_NAME_MAX 32

struct gen_mix_entry {
	char name[GEN_NAME_MAX];
	unsigned weight;
	char method[16];
	char host[128];
	char path[128];
	char extra[256];          /* header lines, each ending in CRLF */
	char expect[GEN_NAME_MAX]; /* server group that must answer */
	char echo[128];           /* the server must have seen this value of
				     the echo header, once (previews:
				     injected); empty: it must not have
				     seen the header at all */
	uint32_t body;            /* request body bytes */
};

struct gen_server {
	char name[GEN_NAME_MAX];  /* X-Served-By */
	char group[GEN_NAME_MAX];
	uint32_t ip;              /* host order */
	uint16_t port;
	bool vxlan;               /* behind our VTEP, in overlay VNI */
	uint32_t vni;
};

struct gen_mix {
	unsigned n_entries, n_servers;
	unsigned total_weight;
	struct gen_mix_entry entry[GEN_MAX_MIX];
	struct gen_server server[GEN_MAX_SERVERS];
};

enum gen_verdict {
	GEN_RIGHT,                /* a server of the expected group */
	GEN_MISROUTE,             /* one of ours, of another group */
	GEN_UNNAMED,              /* no or unknown X-Served-By */
};

/* Entry for a uniform random number R: by weight. */
unsigned gen_mix_pick(const struct gen_mix *mx, uint64_t r);

/* Entry of request number N (1: the first) of a connection whose request
 * before it was of entry PREV, for a uniform random number R: a draw of
 * its own (steerd decides every request by its own header), or with
 * PER_CONNECTION the first request's entry for all of them. */
unsigned gen_mix_next(const struct gen_mix *mx, bool per_connection,
		      unsigned prev, unsigned n, uint64_t r);

/* Is a response naming SERVED (LEN bytes) right for entry E? */
enum gen_verdict gen_mix_classify(const struct gen_mix *mx, unsigned e,
				  const char *served, size_t len);

/* Server playing IP:PORT (host order) in VNI (0 when plain), or -1. */
int gen_mix_server(const struct gen_mix *mx, uint32_t ip, uint16_t port,
		   bool vxlan, uint32_t vni);

/* Recompute total_weight; returns -1 (with a message in ERR) when an
 * entry expects a group no server is in, or all weights are 0. */
int gen_mix_check(struct gen_mix *mx, char *err, size_t errlen);

#endif
