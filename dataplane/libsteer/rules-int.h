/* Internal layout of a compiled ruleset, shared by rules.c (compile),
 * rules_conflict.c (intercept conflicts), rules_edit.c (a ruleset derived
 * from another by one intercept) and rules_decide.c (the per-request
 * decision). Not for other users.
 *
 * A derived ruleset shares its Maglev tables and unchanged subjects'
 * databases with the one it came from (counted references, control thread
 * only); everything else here is its own. */
#ifndef STEER_RULES_INT_H
#define STEER_RULES_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
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
#define RS_SEED_NAM 0x6e616d00u

enum rs_subj_kind { RS_SUBJ_HEADER, RS_SUBJ_BAGGAGE, RS_SUBJ_PATH };

/* A compiled Hyperscan database, shared by the rulesets derived from one
 * another while their subject's patterns stay the same (rs_derive()).
 * Counted references, taken and dropped on the control thread only. */
struct rs_db {
	hs_database_t *db;
	unsigned refs;
};

/* Every service's Maglev table, shared the same way: an intercept change
 * leaves them as they are. */
struct rs_maglevs {
	unsigned refs;
	unsigned n;
	uint16_t *tab[];          /* per service, NULL: no backend takes flows */
};

/* A thing a matcher looks at: one header name, one baggage key, the path. */
struct rs_subject {
	enum rs_subj_kind kind;
	hs_database_t *db;        /* this subject's prefix/regex patterns (ref->db) */
	struct rs_db *ref;        /* owner of db, or NULL */
	char *name;               /* lowercase header name / baggage key (owned) */
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
	uint32_t rank;            /* lower wins: class << RS_RANK_SHIFT | index */
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

/* Telepresence tries intercepts with header matchers (class 0) before
 * path-only ones (1); one with neither is the service's global intercept
 * (2). File order breaks ties. A rank does not depend on how many
 * intercepts there are, so adding one at the end moves no other's. */
#define RS_RANK_SHIFT 30
#define RS_MAX_ICPTS (1u << RS_RANK_SHIFT)

struct rs_service {
	uint16_t *maglev;
	uint32_t maglev_size;
	uint32_t *icpts;          /* intercepts of this service by rank (owned) */
	uint32_t n_icpts;
	uint32_t global;          /* first global intercept, or RS_NONE */
};

/* Build SV's Maglev table over CS's backends that take new flows (not
 * drained); NULL when there are none (rules_maglev.c). 0 or -errno. */
int rs_maglev_build(const struct conf_service *cs, struct rs_service *sv);

struct ruleset {
	struct steer_conf *conf;
	struct rs_maglevs *maglevs;  /* owner of every svc[].maglev */

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
	struct shash names;       /* intercept name -> intercept (control plane) */

	/* One Hyperscan block database per subject (rs_subject.db): a value
	 * is scanned only against the patterns written for it. */
	bool any_db;
	uint64_t name_lens;       /* bit n: a header subject of length n (63: longer) */
	uint32_t n_scan;
	uint16_t *scan_plen;      /* scan id -> prefix length, 0 for a regex */
	uint32_t *scan_owner;     /* scan id -> intercept */
	uint32_t *scan_subj;      /* scan id -> subject; RS_NONE: id unused */
	const char **scan_src;    /* scan id -> prefix / regex (in the conf) */
	int *scan_line;           /* scan id -> its line, for messages */
	uint32_t cap_scan;

	/* What rs_derive() made this ruleset from, for rs_adopt(): the base's
	 * configuration, or NULL for a compiled ruleset. */
	const struct steer_conf *base_conf;
	uint32_t edit_removed;    /* intercept index of the base, or RS_NONE */
	bool edit_added;          /* the last intercept is new */

	/* references beyond the first (rs_ref()); rs_free() drops one */
	unsigned extra_refs;

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

static inline uint64_t rs_key_name(const char *name)
{
	return shash_bytes(name, strlen(name), RS_SEED_NAM);
}

static inline uint64_t rs_key_path(uint32_t svc, const char *p, size_t len)
{
	return shash_mix((uint64_t)svc << 32, shash_bytes(p, len, RS_SEED_VAL));
}

/* ---- shared by rules.c and rules_edit.c ---- */

/* Message "FILE:LINE: <fmt>" into ERR; returns -EINVAL. */
int __attribute__((format(printf, 5, 6)))
rs_fail(char *err, size_t errlen, const char *file, int line,
	const char *fmt, ...);

/* Subject id for a header name / baggage key of RS, created on first use.
 * 0 or -ENOMEM. */
int rs_subject_get(struct ruleset *rs, enum rs_subj_kind kind,
		   const char *name, uint32_t *out);

/* Room for N more scan ids. 0 or -ENOMEM. */
int rs_scan_reserve(struct ruleset *rs, uint32_t n);

/* A new scan id for SRC (a prefix when KIND is CONF_MATCH_PREFIX, else a
 * regex) of SUBJ, owned by intercept OWNER (room reserved). */
uint32_t rs_scan_new(struct ruleset *rs, uint32_t owner, uint32_t subj,
		     enum conf_match_kind kind, const char *src, int line);

/* (Re)compile subject SJ's database from the live scan ids of RS whose
 * subject it is (none: no database). Returns 0, -ENOMEM, or -EINVAL with
 * "FILE:line: intercept 'x': invalid regex: ..." in ERR. */
int rs_compile_subject(struct ruleset *rs, uint32_t sj, const char *file,
		       char *err, size_t errlen);

/* Intercept I of RS's configuration into rs->icpt[I], its matchers at the
 * end of rs->match, its entries into the tables. 0 or -ENOMEM. */
int rs_add_intercept(struct ruleset *rs, uint32_t i);

void rs_db_put(struct rs_db *d);
void rs_maglevs_put(struct rs_maglevs *m);

/* Conflicts (rules_conflict.c): every pair of RS's intercepts, or the one
 * intercept I against all others (indexes of RS; its services' intercept
 * orders must be built). 0 or -EINVAL with the message in ERR (-ENOMEM). */
int rs_check_conflicts(const struct ruleset *rs, char *err, size_t errlen);
int rs_check_conflicts_of(const struct ruleset *rs, uint32_t i, const char *file,
			  char *err, size_t errlen);

#endif
