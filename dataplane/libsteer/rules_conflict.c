/* Intercept conflicts: two intercepts of one service whose header
 * matcher sets are equal or one contains the other, and whose paths
 * overlap (docs/configuration.md). rs_check_conflicts() checks a whole
 * compiled ruleset; rs_check_conflicts_of() one intercept against the
 * others, through the ruleset's own tables, for a derived ruleset. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rules-int.h"

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

static int conflict(const struct ruleset *rs, const char *file, uint32_t ia,
		    uint32_t ib, char *err, size_t errlen)
{
	const struct steer_conf *c = rs->conf;
	const struct conf_intercept *a = c->intercepts[ia < ib ? ia : ib];
	const struct conf_intercept *x = c->intercepts[ia < ib ? ib : ia];
	bool same = a->n_matchers == x->n_matchers && matchers_within(a, x);

	return rs_fail(err, errlen, file, x->line,
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
int rs_check_conflicts(const struct ruleset *rs, char *err, size_t errlen)
{
	const struct steer_conf *c = rs->conf;
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
			if (!rs->icpt[i].preview_only)
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
				ret = conflict(rs, c->file, i, j, err, errlen);
				goto out;
			}
		}
	}
	for (uint32_t x = 0; x < n_plain; x++)
		for (uint32_t y = x + 1; y < n_plain; y++) {
			const struct conf_intercept *a = c->intercepts[plain[x]];
			const struct conf_intercept *d = c->intercepts[plain[y]];
			if (a->service == d->service && paths_overlap(a, d)) {
				ret = conflict(rs, c->file, plain[x], plain[y], err, errlen);
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


/* Does J conflict with I? (I has header matchers.) */
static bool conflicts_with(const struct steer_conf *c, uint32_t i, uint32_t j)
{
	const struct conf_intercept *ci = c->intercepts[i], *cj = c->intercepts[j];

	return j != i && cj->service == ci->service && cj->n_matchers > 0 &&
	       (matchers_within(cj, ci) || matchers_within(ci, cj)) &&
	       paths_overlap(ci, cj);
}

/* Every intercept that conflicts with I shares at least one of I's
 * matchers (the smaller set of the two is not empty and lies within the
 * other), so the candidates are the owners of I's matchers' entries in the
 * exact and presence tables and among the scan ids: a few lookups, not a
 * walk over every intercept. Path-only intercepts are compared with the
 * service's other path-only ones, as rs_check_conflicts() does, through its
 * rank order (rs->svc[].icpts, which must hold I already). */
int rs_check_conflicts_of(const struct ruleset *rs, uint32_t i, const char *file,
			  char *err, size_t errlen)
{
	const struct steer_conf *c = rs->conf;
	const struct conf_intercept *ci = c->intercepts[i];
	const struct rs_icpt *ic = &rs->icpt[i];

	if (ci->n_matchers == 0) {
		/* the service's path-only and global intercepts close its
		 * rank order: walk them from the end */
		const struct rs_service *sv = &rs->svc[ic->service];
		if (ic->preview_only)
			return 0;
		for (uint32_t k = sv->n_icpts; k-- > 0;) {
			uint32_t j = sv->icpts[k];
			if (rs->icpt[j].rank >> RS_RANK_SHIFT == 0)
				break;
			if (j != i && !rs->icpt[j].preview_only &&
			    paths_overlap(ci, c->intercepts[j]))
				return conflict(rs, file, i, j, err, errlen);
		}
		return 0;
	}
	for (uint32_t k = 0; k < ic->n_match; k++) {
		const struct rs_match *m = &rs->match[ic->first_match + k];
		const struct shash *h = NULL;
		uint64_t key = 0;

		switch (m->kind) {
		case CONF_MATCH_VALUE:
			h = &rs->exact;
			key = rs_key_exact(ic->service, m->subject, m->arg, m->arg_len);
			break;
		case CONF_MATCH_PRESENT:
			h = &rs->present;
			key = rs_key_present(ic->service, m->subject);
			break;
		default:
			for (uint32_t s = 0; s < rs->n_scan; s++)
				if (rs->scan_subj[s] == m->subject &&
				    (rs->scan_plen[s] != 0) == (m->kind == CONF_MATCH_PREFIX) &&
				    strcmp(rs->scan_src[s], m->arg) == 0 &&
				    conflicts_with(c, i, rs->scan_owner[s]))
					return conflict(rs, file, i, rs->scan_owner[s],
							err, errlen);
			continue;
		}
		for (uint32_t n = shash_first(h, key); n != SHASH_NONE; n = h->next[n]) {
			uint32_t j = rs->match[h->vals[n]].owner;
			if (conflicts_with(c, i, j))
				return conflict(rs, file, i, j, err, errlen);
		}
	}
	return 0;
}
