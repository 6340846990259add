/* Internal layout of a compiled ruleset, shared by rules.c (compile) and
 * rules_decide.c (the per-request decision). Not for other users. */
#ifndef STEER_RULES_INT_H
#define STEER_RULES_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <hs/hs.h>

#include "conf-t.h"
#include "http-t.h"
#include "rules-t.h"
#include "shash.h"

#define RS_NONE UINT32_MAX
#define RS_MAX_ITEMS (HTTP_MAX_FIELDS + 64) /* header fields + baggage members */
#define RS_MAX_BAGGAGE 64                   /* members looked at per request */
#define RS_DECODE_MAX 4096                  /* decoded baggage bytes per request */
#define RS_MAX_CAND 256                     /* then fall back to a full walk */

/* Seeds keep the hash domains apart. */
#define RS_SEED_HDR 0x68647200u
#define RS_SEED_BAG 0x62616700u
#define RS_SEED_VAL 0x76616c00u
#define RS_SEED_PRV 0x70727600u

enum rs_subj_kind { RS_SUBJ_HEADER, RS_SUBJ_BAGGAGE, RS_SUBJ_PATH };

/* A thing a matcher looks at: one header name, one baggage key, the path. */
struct rs_subject {
	enum rs_subj_kind kind;
	bool scanned;             /* has prefix/regex matchers: run Hyperscan */
	hs_database_t *db;        /* this subject's prefix/regex patterns */
	const char *name;         /* lowercase header name / baggage key */
	uint16_t len;
};

struct rs_match {
	uint32_t subject;
	enum conf_match_kind kind;
	uint32_t owner;           /* intercept index */
	uint32_t scan_id;         /* Hyperscan id for prefix/regex, else RS_NONE */
	const char *arg;
	uint16_t arg_len;
};

struct rs_icpt {
	uint32_t service;
	uint32_t tunnel;
	uint32_t rank;            /* lower wins: header class, path class, global */
	uint32_t first_match;     /* into ruleset.match */
	uint32_t n_match;
	enum conf_path_kind path_kind;
	const char *path;
	uint16_t path_len;
	uint32_t path_scan;       /* Hyperscan id for path prefix/regex */
	bool preview_only;        /* reachable only through its preview host */
	const char *inject;       /* previews.header value for preview requests */
	uint16_t inject_len;
};

struct rs_service {
	uint16_t *maglev;
	uint32_t maglev_size;
	uint32_t *icpts;          /* intercepts of this service by rank */
	uint32_t n_icpts;
	uint32_t global;          /* first global intercept, or RS_NONE */
};

/* Build SV's Maglev table over CS's backends that take new flows (not
 * drained); NULL when there are none (rules_maglev.c). 0 or -errno. */
int rs_maglev_build(const struct conf_service *cs, struct rs_service *sv);

struct ruleset {
	struct steer_conf *conf;

	struct rs_subject *subj;
	uint32_t n_subj;
	uint32_t path_subj;
	bool any_baggage;
	struct shash subj_hdr;    /* lowercase header name -> subject */
	struct shash subj_bag;    /* baggage key -> subject */

	struct rs_match *match;
	uint32_t n_match;
	struct rs_icpt *icpt;
	uint32_t n_icpt;
	struct rs_service *svc;
	uint32_t n_svc;

	struct shash exact;       /* (service, subject, value) -> match */
	struct shash present;     /* (service, subject) -> match */
	struct shash path_eq;     /* (service, path) -> intercept */
	struct shash preview;     /* token -> intercept */

	/* One Hyperscan block database per subject (rs_subject.db): a value
	 * is scanned only against the patterns written for it. */
	bool any_db;
	uint64_t name_lens;       /* bit n: a header subject of length n (63: longer) */
	uint32_t n_scan;
	uint16_t *scan_plen;      /* scan id -> prefix length, 0 for a regex */
	uint32_t *scan_owner;     /* scan id -> intercept */
	uint32_t *scan_subj;      /* scan id -> subject */

	const char *preview_domain;
	uint16_t preview_domain_len;
	const char *preview_header;
	uint16_t preview_header_len;
};

struct rs_item {
	uint32_t subject;
	const char *value;
	uint16_t len;
};

struct rs_scratch {
	hs_scratch_t *hs;
	uint32_t gen;             /* stamps seen[] and hit[] for one request */
	uint32_t cap_subj;
	uint32_t cap_scan;
	uint32_t *seen;           /* subject -> gen it was seen in */
	uint32_t *hit;            /* scan id -> gen it matched in */

	/* per request */
	const struct ruleset *rs;
	uint32_t service;
	uint32_t n_items;
	uint32_t n_cand;
	bool overflow;
	uint32_t decode_used;
	struct rs_item items[RS_MAX_ITEMS];
	uint32_t cand[RS_MAX_CAND];
	char decode[RS_DECODE_MAX];
};

static inline uint64_t rs_key_exact(uint32_t svc, uint32_t subj,
				    const char *v, size_t len)
{
	return shash_mix(((uint64_t)svc << 32) | subj,
			 shash_bytes(v, len, RS_SEED_VAL));
}

static inline uint64_t rs_key_present(uint32_t svc, uint32_t subj)
{
	return shash_mix(((uint64_t)svc << 32) | subj, 0x70726573u);
}

static inline uint64_t rs_key_path(uint32_t svc, const char *p, size_t len)
{
	return shash_mix((uint64_t)svc << 32, shash_bytes(p, len, RS_SEED_VAL));
}

#endif
