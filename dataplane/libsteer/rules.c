/* Rule compiler: struct steer_conf -> immutable struct ruleset.
 *
 * Exact-value matchers (the common case: developers' intercept ids) go into
 * hash tables keyed by (service, subject, value), so they never grow the
 * Hyperscan database; prefix and regex matchers (and path prefix/regex) are
 * compiled into one block-mode database. The decision side is in
 * rules_decide.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "rules.h"
#include "rules-int.h"

struct build {
	struct ruleset *rs;
	char *err;
	size_t errlen;
	/* Hyperscan patterns, indexed by scan id */
	char **pat;
	unsigned *flags;
	unsigned *ids;
	int *pat_line;
	const char *const *pat_src;
	uint32_t cap_scan;
};

static int fail(struct build *b, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(b->err, b->errlen, "%s:%d: ", b->rs->conf->file, line);

	if (n < 0 || (size_t)n >= b->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(b->err + n, b->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Subject id for a header name / baggage key, created on first use. */
static int subject_get(struct build *b, enum rs_subj_kind kind,
		       const char *name, uint32_t *out)
{
	struct ruleset *rs = b->rs;
	struct shash *h = kind == RS_SUBJ_HEADER ? &rs->subj_hdr : &rs->subj_bag;
	size_t len = strlen(name);
	uint64_t key = kind == RS_SUBJ_HEADER ?
		shash_bytes_lower(name, len, RS_SEED_HDR) :
		shash_bytes(name, len, RS_SEED_BAG);

	for (uint32_t n = shash_first(h, key); n != SHASH_NONE; n = h->next[n]) {
		struct rs_subject *s = &rs->subj[h->vals[n]];
		if (s->len == len && memcmp(s->name, name, len) == 0) {
			*out = h->vals[n];
			return 0;
		}
	}
	struct rs_subject *ns = realloc(rs->subj, sizeof(*ns) * (rs->n_subj + 1));
	if (ns == NULL)
		return -ENOMEM;
	rs->subj = ns;
	ns[rs->n_subj] = (struct rs_subject){ .kind = kind, .name = name,
					      .len = (uint16_t)len };
	if (kind == RS_SUBJ_HEADER)
		rs->name_lens |= 1ull << (len < 63 ? len : 63);
	if (shash_add(h, key, rs->n_subj) != 0)
		return -ENOMEM;
	if (kind == RS_SUBJ_BAGGAGE)
		rs->any_baggage = true;
	*out = rs->n_subj++;
	return 0;
}

/* Hyperscan has no \Q..\E: escape every byte that is not alphanumeric.
 * Not anchored: an anchored literal set compiles ~40x slower; a prefix
 * holds when its literal's match ends at its own length (on_scan_match). */
static char *escape_literal(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n * 4 + 1);
	char *p = out;

	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z'))
			*p++ = (char)c;
		else
			p += sprintf(p, "\\x%02x", c);
	}
	*p = '\0';
	return out;
}

/* Add a Hyperscan pattern for SUBJ owned by intercept OWNER. A prefix is
 * compiled as an anchored literal; a regex as written (unanchored unless
 * anchored, like Telepresence's). */
static int scan_add(struct build *b, uint32_t owner, uint32_t subj,
		    enum conf_match_kind kind, const char *arg, int line,
		    uint32_t *id)
{
	struct ruleset *rs = b->rs;

	if (rs->n_scan == b->cap_scan) {
		uint32_t cap = b->cap_scan ? b->cap_scan * 2 : 64;
		char **pat = realloc(b->pat, sizeof(*pat) * cap);
		if (pat == NULL)
			return -ENOMEM;
		b->pat = pat;
		unsigned *fl = realloc(b->flags, sizeof(*fl) * cap);
		if (fl == NULL)
			return -ENOMEM;
		b->flags = fl;
		unsigned *ids = realloc(b->ids, sizeof(*ids) * cap);
		if (ids == NULL)
			return -ENOMEM;
		b->ids = ids;
		int *pl = realloc(b->pat_line, sizeof(*pl) * cap);
		if (pl == NULL)
			return -ENOMEM;
		b->pat_line = pl;
		uint32_t *so = realloc(rs->scan_owner, sizeof(*so) * cap);
		if (so == NULL)
			return -ENOMEM;
		rs->scan_owner = so;
		uint32_t *ss = realloc(rs->scan_subj, sizeof(*ss) * cap);
		if (ss == NULL)
			return -ENOMEM;
		rs->scan_subj = ss;
		uint16_t *sp = realloc(rs->scan_plen, sizeof(*sp) * cap);
		if (sp == NULL)
			return -ENOMEM;
		rs->scan_plen = sp;
		b->cap_scan = cap;
	}
	char *p = kind == CONF_MATCH_PREFIX ? escape_literal(arg) : strdup(arg);
	if (p == NULL)
		return -ENOMEM;
	uint32_t i = rs->n_scan++;
	b->pat[i] = p;
	/* SINGLEMATCH: one report per regex and scan is all the decision
	 * needs; ALLOWEMPTY: a regex such as "x*" is legal in Telepresence.
	 * A prefix literal must report every match: only one ending at the
	 * prefix's length counts. */
	b->flags[i] = kind == CONF_MATCH_PREFIX ? 0 :
		      HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
	rs->scan_plen[i] = kind == CONF_MATCH_PREFIX ? (uint16_t)strlen(arg) : 0;
	b->ids[i] = i;
	b->pat_line[i] = line;
	rs->scan_owner[i] = owner;
	rs->scan_subj[i] = subj;
	rs->subj[subj].scanned = true;
	*id = i;
	return 0;
}

static int add_match(struct build *b, uint32_t owner, uint32_t svc,
		     const struct conf_matcher *cm)
{
	struct ruleset *rs = b->rs;
	struct rs_match *m = &rs->match[rs->n_match];
	uint32_t subj;
	int ret;

	ret = cm->name ? subject_get(b, RS_SUBJ_HEADER, cm->name, &subj) :
			 subject_get(b, RS_SUBJ_BAGGAGE, cm->baggage, &subj);
	if (ret != 0)
		return ret;
	*m = (struct rs_match){ .subject = subj, .kind = cm->kind,
				.owner = owner, .scan_id = RS_NONE,
				.arg = cm->arg,
				.arg_len = cm->arg ? (uint16_t)strlen(cm->arg) : 0 };
	switch (cm->kind) {
	case CONF_MATCH_VALUE:
		ret = shash_add(&rs->exact, rs_key_exact(svc, subj, m->arg,
							  m->arg_len),
				rs->n_match);
		break;
	case CONF_MATCH_PRESENT:
		ret = shash_add(&rs->present, rs_key_present(svc, subj),
				rs->n_match);
		break;
	case CONF_MATCH_PREFIX:
	case CONF_MATCH_REGEX:
		ret = scan_add(b, owner, subj, cm->kind, cm->arg, cm->line,
			       &m->scan_id);
		break;
	}
	if (ret == 0)
		rs->n_match++;
	return ret;
}

static int add_intercept(struct build *b, uint32_t i)
{
	struct ruleset *rs = b->rs;
	const struct steer_conf *c = rs->conf;
	const struct conf_intercept *ci = c->intercepts[i];
	struct rs_icpt *ic = &rs->icpt[i];
	int ret;

	*ic = (struct rs_icpt){ .service = ci->service, .tunnel = ci->tunnel,
				.first_match = rs->n_match,
				.n_match = ci->n_matchers,
				.path_kind = ci->path_kind, .path = ci->path,
				.path_len = ci->path ? (uint16_t)strlen(ci->path) : 0,
				.path_scan = RS_NONE };
	for (unsigned k = 0; k < ci->n_matchers; k++) {
		ret = add_match(b, i, ci->service, &ci->matchers[k]);
		if (ret != 0)
			return ret;
	}
	switch (ci->path_kind) {
	case CONF_PATH_NONE:
		break;
	case CONF_PATH_EQUAL:
		ret = shash_add(&rs->path_eq,
				rs_key_path(ci->service, ic->path, ic->path_len), i);
		if (ret != 0)
			return ret;
		break;
	case CONF_PATH_PREFIX:
	case CONF_PATH_REGEX:
		ret = scan_add(b, i, rs->path_subj,
			       ci->path_kind == CONF_PATH_PREFIX ?
			       CONF_MATCH_PREFIX : CONF_MATCH_REGEX,
			       ci->path, ci->path_line, &ic->path_scan);
		if (ret != 0)
			return ret;
		break;
	}

	/* Telepresence tries intercepts with header matchers before path-only
	 * ones; an intercept with neither is a global intercept of the service
	 * and comes last. File order breaks ties. */
	uint32_t klass = ci->n_matchers ? 0 : ci->path_kind != CONF_PATH_NONE ? 1 : 2;
	ic->rank = klass * rs->n_icpt + i;
	ic->preview_only = klass == 2 && ci->preview != NULL;

	if (ci->preview) {
		size_t len = strlen(ci->preview);
		ret = shash_add(&rs->preview,
				shash_bytes(ci->preview, len, RS_SEED_PRV), i);
		if (ret != 0)
			return ret;
		/* The header injected into preview requests carries the value
		 * the intercept matches on, so the request (and whatever the
		 * service calls next, by propagation) keeps hitting it. */
		ic->inject = ci->name;
		for (unsigned k = 0; k < ci->n_matchers; k++) {
			const struct conf_matcher *m = &ci->matchers[k];
			if (m->name && m->kind == CONF_MATCH_VALUE &&
			    strcmp(m->name, c->previews.header) == 0) {
				ic->inject = m->arg;
				break;
			}
		}
		ic->inject_len = (uint16_t)strlen(ic->inject);
	}
	return 0;
}

/* One database per subject, so a header's value is scanned against its
 * own patterns only. */
static int compile_db(struct build *b)
{
	struct ruleset *rs = b->rs;
	const char **pat = malloc(sizeof(*pat) * (rs->n_scan + 1));
	unsigned *flags = malloc(sizeof(*flags) * (rs->n_scan + 1));
	unsigned *ids = malloc(sizeof(*ids) * (rs->n_scan + 1));
	int ret = 0;

	if (pat == NULL || flags == NULL || ids == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t sj = 0; sj < rs->n_subj && ret == 0; sj++) {
		unsigned n = 0;
		hs_compile_error_t *ce = NULL;

		for (uint32_t i = 0; i < rs->n_scan; i++)
			if (rs->scan_subj[i] == sj) {
				pat[n] = b->pat[i];
				flags[n] = b->flags[i];
				ids[n++] = i;
			}
		if (n == 0)
			continue;
		if (hs_compile_multi(pat, flags, ids, n, HS_MODE_BLOCK, NULL,
				     &rs->subj[sj].db, &ce) == HS_SUCCESS) {
			rs->any_db = true;
			continue;
		}
		if (ce->expression >= 0 && (unsigned)ce->expression < n) {
			uint32_t id = ids[ce->expression];
			const struct conf_intercept *ci =
				rs->conf->intercepts[rs->scan_owner[id]];
			ret = fail(b, b->pat_line[id], "intercept '%s': invalid regex: %s",
				   ci->name, ce->message);
		} else {
			ret = fail(b, 0, "Hyperscan compile failed: %s", ce->message);
		}
		hs_free_compile_error(ce);
	}
out:
	free(pat);
	free(flags);
	free(ids);
	return ret;
}

static int build_services(struct build *b)
{
	struct ruleset *rs = b->rs;
	const struct steer_conf *c = rs->conf;

	rs->svc = calloc(c->n_services ? c->n_services : 1, sizeof(*rs->svc));
	if (rs->svc == NULL)
		return -ENOMEM;
	rs->n_svc = c->n_services;
	for (unsigned s = 0; s < c->n_services; s++) {
		const struct conf_service *cs = &c->services[s];
		struct rs_service *sv = &rs->svc[s];

		int ret = rs_maglev_build(cs, sv);
		if (ret != 0)
			return ret == -ENOMEM ? ret :
				fail(b, cs->line, "service '%s': cannot build Maglev table of size %u",
				     cs->name, sv->maglev_size);
		sv->global = RS_NONE;
		sv->icpts = malloc(sizeof(uint32_t) * (c->n_intercepts + 1));
		if (sv->icpts == NULL)
			return -ENOMEM;
	}
	/* Each service's intercepts in rank order: the fallback walk when a
	 * request produces more candidates than the scratch holds. */
	for (uint32_t klass = 0; klass < 3; klass++)
		for (uint32_t i = 0; i < rs->n_icpt; i++)
			if (rs->icpt[i].rank / (rs->n_icpt ? rs->n_icpt : 1) == klass) {
				struct rs_service *sv = &rs->svc[rs->icpt[i].service];
				sv->icpts[sv->n_icpts++] = i;
				if (klass == 2 && !rs->icpt[i].preview_only &&
				    sv->global == RS_NONE)
					sv->global = i;
			}
	return 0;
}

/* --- conflicts ---------------------------------------------------------- */

static uint64_t matcher_hash(const struct conf_matcher *m)
{
	uint64_t h = m->name ? shash_bytes(m->name, strlen(m->name), 1) :
			       shash_bytes(m->baggage, strlen(m->baggage), 2);
	h = shash_mix(h, m->kind);
	if (m->arg)
		h = shash_mix(h, shash_bytes(m->arg, strlen(m->arg), 3));
	return h;
}

static bool matcher_eq(const struct conf_matcher *a, const struct conf_matcher *b)
{
	if (a->kind != b->kind || !a->name != !b->name)
		return false;
	if (strcmp(a->name ? a->name : a->baggage,
		   b->name ? b->name : b->baggage) != 0)
		return false;
	return a->arg == NULL ? b->arg == NULL :
		b->arg != NULL && strcmp(a->arg, b->arg) == 0;
}

/* Every matcher of A is one of B's. */
static bool matchers_within(const struct conf_intercept *a,
			    const struct conf_intercept *b)
{
	for (unsigned i = 0; i < a->n_matchers; i++) {
		bool found = false;
		for (unsigned j = 0; j < b->n_matchers && !found; j++)
			found = matcher_eq(&a->matchers[i], &b->matchers[j]);
		if (!found)
			return false;
	}
	return true;
}

static bool starts_with(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* Could one request path satisfy both intercepts' path matchers? Regexes
 * are only compared with each other textually: deciding whether two regexes
 * share a string is left out on purpose (see docs/configuration.md). */
static bool paths_overlap(const struct conf_intercept *a,
			  const struct conf_intercept *b)
{
	if (a->path_kind == CONF_PATH_NONE || b->path_kind == CONF_PATH_NONE)
		return true;
	if (a->path_kind == CONF_PATH_REGEX || b->path_kind == CONF_PATH_REGEX)
		return a->path_kind == b->path_kind && strcmp(a->path, b->path) == 0;
	if (a->path_kind == CONF_PATH_EQUAL && b->path_kind == CONF_PATH_EQUAL)
		return strcmp(a->path, b->path) == 0;
	if (a->path_kind == CONF_PATH_EQUAL)
		return starts_with(a->path, b->path);
	if (b->path_kind == CONF_PATH_EQUAL)
		return starts_with(b->path, a->path);
	return starts_with(a->path, b->path) || starts_with(b->path, a->path);
}

static int conflict(struct build *b, uint32_t ia, uint32_t ib)
{
	const struct steer_conf *c = b->rs->conf;
	const struct conf_intercept *a = c->intercepts[ia < ib ? ia : ib];
	const struct conf_intercept *x = c->intercepts[ia < ib ? ib : ia];
	bool same = a->n_matchers == x->n_matchers && matchers_within(a, x);

	return fail(b, x->line,
		    "intercept '%s' conflicts with intercept '%s' (line %d): same service, %s and overlapping paths",
		    x->name, a->name, a->line,
		    same ? "same header matchers" :
			   "the header matchers of one contain the other's");
}

/* Two intercepts of one service conflict when their header matcher sets
 * are equal or one contains the other and their paths overlap: then file
 * order alone would decide, and one may never match. Checked by looking up
 * every subset of each intercept's matchers (at most 2^CONF_MAX_MATCHERS)
 * among the other intercepts' full sets, so 100 000 intercepts cost 100 000
 * lookups, not 10^10 comparisons. Intercepts without header matchers are
 * compared pairwise per service (header intercepts take precedence over them,
 * so only their paths can clash). */
static int check_conflicts(struct build *b)
{
	const struct steer_conf *c = b->rs->conf;
	struct shash sets;
	uint64_t *mh = NULL;
	uint32_t *plain = NULL, n_plain = 0;
	int ret;

	ret = shash_init(&sets, c->n_intercepts);
	if (ret != 0)
		return ret;
	mh = malloc(sizeof(*mh) * (c->n_intercepts * CONF_MAX_MATCHERS + 1));
	plain = malloc(sizeof(*plain) * (c->n_intercepts + 1));
	if (mh == NULL || plain == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < c->n_intercepts; i++) {
		const struct conf_intercept *ci = c->intercepts[i];
		uint64_t sum = 0;
		for (unsigned k = 0; k < ci->n_matchers; k++) {
			mh[i * CONF_MAX_MATCHERS + k] = matcher_hash(&ci->matchers[k]);
			sum += mh[i * CONF_MAX_MATCHERS + k];
		}
		if (ci->n_matchers == 0) {
			if (!b->rs->icpt[i].preview_only)
				plain[n_plain++] = i;
			continue;
		}
		ret = shash_add(&sets, shash_mix(ci->service, sum), i);
		if (ret != 0)
			goto out;
	}
	for (uint32_t i = 0; i < c->n_intercepts; i++) {
		const struct conf_intercept *ci = c->intercepts[i];
		for (uint32_t mask = 1; mask < (1u << ci->n_matchers); mask++) {
			uint64_t sum = 0;
			for (unsigned k = 0; k < ci->n_matchers; k++)
				if (mask & (1u << k))
					sum += mh[i * CONF_MAX_MATCHERS + k];
			uint64_t key = shash_mix(ci->service, sum);
			for (uint32_t n = shash_first(&sets, key); n != SHASH_NONE;
			     n = sets.next[n]) {
				uint32_t j = sets.vals[n];
				const struct conf_intercept *cj = c->intercepts[j];
				if (j == i || cj->service != ci->service ||
				    !matchers_within(cj, ci) ||
				    !paths_overlap(ci, cj))
					continue;
				ret = conflict(b, i, j);
				goto out;
			}
		}
	}
	for (uint32_t x = 0; x < n_plain; x++)
		for (uint32_t y = x + 1; y < n_plain; y++) {
			const struct conf_intercept *a = c->intercepts[plain[x]];
			const struct conf_intercept *d = c->intercepts[plain[y]];
			if (a->service == d->service && paths_overlap(a, d)) {
				ret = conflict(b, plain[x], plain[y]);
				goto out;
			}
		}
	ret = 0;
out:
	free(mh);
	free(plain);
	shash_free(&sets);
	return ret;
}

/* --- compile ------------------------------------------------------------ */

static int init_tables(struct ruleset *rs)
{
	const struct steer_conf *c = rs->conf;
	uint32_t n_m = 0;

	for (unsigned i = 0; i < c->n_intercepts; i++)
		n_m += c->intercepts[i]->n_matchers;
	rs->n_icpt = c->n_intercepts;
	rs->icpt = calloc(c->n_intercepts + 1, sizeof(*rs->icpt));
	rs->match = calloc(n_m + 1, sizeof(*rs->match));
	if (rs->icpt == NULL || rs->match == NULL)
		return -ENOMEM;
	if (shash_init(&rs->subj_hdr, 16) || shash_init(&rs->subj_bag, 16) ||
	    shash_init(&rs->exact, n_m) || shash_init(&rs->present, 16) ||
	    shash_init(&rs->path_eq, 16) || shash_init(&rs->preview, 16))
		return -ENOMEM;
	rs->subj = malloc(sizeof(*rs->subj));
	if (rs->subj == NULL)
		return -ENOMEM;
	rs->subj[0] = (struct rs_subject){ .kind = RS_SUBJ_PATH, .name = "",
					   .len = 0 };
	rs->path_subj = 0;
	rs->n_subj = 1;
	if (c->previews.domain) {
		rs->preview_domain = c->previews.domain;
		rs->preview_domain_len = (uint16_t)strlen(c->previews.domain);
	}
	if (c->previews.header) {
		rs->preview_header = c->previews.header;
		rs->preview_header_len = (uint16_t)strlen(c->previews.header);
	}
	return 0;
}

struct ruleset *rs_compile(struct steer_conf *c, char *err, size_t errlen)
{
	struct build b = { .err = err, .errlen = errlen };
	int ret;

	if (errlen > 0)
		err[0] = '\0';
	b.rs = calloc(1, sizeof(*b.rs));
	if (b.rs == NULL) {
		snprintf(err, errlen, "%s: out of memory", c->file);
		errno = ENOMEM;
		return NULL;
	}
	b.rs->conf = c;
	ret = init_tables(b.rs);
	for (uint32_t i = 0; ret == 0 && i < c->n_intercepts; i++)
		ret = add_intercept(&b, i);
	if (ret == 0)
		ret = check_conflicts(&b);
	if (ret == 0)
		ret = compile_db(&b);
	if (ret == 0)
		ret = build_services(&b);

	for (uint32_t i = 0; i < b.rs->n_scan; i++)
		free(b.pat[i]);
	free(b.pat);
	free(b.flags);
	free(b.ids);
	free(b.pat_line);
	if (ret != 0) {
		if (ret == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", c->file);
		b.rs->conf = NULL;    /* still the caller's */
		rs_free(b.rs);
		errno = -ret;
		return NULL;
	}
	return b.rs;
}

void rs_free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	if (rs->svc)
		for (unsigned s = 0; s < rs->n_svc; s++) {
			free(rs->svc[s].maglev);
			free(rs->svc[s].icpts);
		}
	free(rs->svc);
	for (uint32_t i = 0; i < rs->n_subj; i++)
		hs_free_database(rs->subj[i].db);
	free(rs->scan_owner);
	free(rs->scan_plen);
	free(rs->scan_subj);
	shash_free(&rs->subj_hdr);
	shash_free(&rs->subj_bag);
	shash_free(&rs->exact);
	shash_free(&rs->present);
	shash_free(&rs->path_eq);
	shash_free(&rs->preview);
	free(rs->subj);
	free(rs->match);
	free(rs->icpt);
	conf_free(rs->conf);
	free(rs);
}

const struct steer_conf *rs_conf(const struct ruleset *rs)
{
	return rs->conf;
}

int rs_listener_find(const struct ruleset *rs, uint32_t ip, uint16_t port)
{
	const struct steer_conf *c = rs->conf;

	for (unsigned i = 0; i < c->n_listeners; i++)
		if (c->listeners[i].ip == ip && c->listeners[i].port == port)
			return (int)i;
	return -1;
}
