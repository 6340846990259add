/* A ruleset derived from the running one by one intercept added or
 * removed (rs_derive), in O(intercepts) memory copies with small constants
 * and without recompiling what did not change:
 *
 * - shared by reference: every Hyperscan database whose subject's patterns
 *   stay the same, the services' Maglev tables, and (through the derived
 *   configuration) listeners, services, tunnels and the other intercepts;
 * - copied and patched: the intercept, matcher and scan-id arrays, the hash
 *   tables (exact values, presence, path_equal, previews, names) and each
 *   service's intercept order. A removal shifts the indexes above it down
 *   by one, which the copies absorb in one pass; an addition goes at the
 *   end, where it moves nothing (ranks are class << 30 | index).
 *
 * The result decides every request exactly as rs_compile() of the same
 * configuration would (tests/unit/rules_edit_test.c checks it); only scan
 * ids differ (a removed pattern's id is unused until an added one takes
 * it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "rules.h"
#include "rules-int.h"

#define ADD_FILE "intercept.add"

static void *dup_array(const void *src, size_t n, size_t size, size_t room)
{
	void *p = malloc(size * (n + room) + 1);

	if (p != NULL && n > 0)
		memcpy(p, src, size * n);
	return p;
}

/* Subjects and scan ids: copies; databases shared. */
static int copy_subjects(struct ruleset *rs, const struct ruleset *b)
{
	rs->subj = dup_array(b->subj, b->n_subj, sizeof(*rs->subj), 0);
	if (rs->subj == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < b->n_subj; i++) {
		rs->subj[i].ref = NULL;
		rs->subj[i].db = NULL;
		rs->subj[i].name = NULL;
	}
	rs->n_subj = b->n_subj;
	for (uint32_t i = 0; i < b->n_subj; i++) {
		rs->subj[i].name = strdup(b->subj[i].name);
		if (rs->subj[i].name == NULL)
			return -ENOMEM;
		rs->subj[i].ref = b->subj[i].ref;
		rs->subj[i].db = b->subj[i].db;
		if (rs->subj[i].ref)
			rs->subj[i].ref->refs++;
	}
	rs->path_subj = b->path_subj;
	rs->any_baggage = b->any_baggage;
	rs->name_lens = b->name_lens;
	rs->n_scan = 0;
	if (rs_scan_reserve(rs, b->n_scan + CONF_MAX_MATCHERS + 1) != 0)
		return -ENOMEM;
	rs->n_scan = b->n_scan;
	if (b->n_scan > 0) {
		memcpy(rs->scan_owner, b->scan_owner, sizeof(uint32_t) * b->n_scan);
		memcpy(rs->scan_subj, b->scan_subj, sizeof(uint32_t) * b->n_scan);
		memcpy(rs->scan_plen, b->scan_plen, sizeof(uint16_t) * b->n_scan);
		memcpy(rs->scan_src, b->scan_src, sizeof(char *) * b->n_scan);
		memcpy(rs->scan_line, b->scan_line, sizeof(int) * b->n_scan);
	}
	return 0;
}

static int copy_tables(struct ruleset *rs, const struct ruleset *b)
{
	if (shash_copy(&rs->subj_hdr, &b->subj_hdr) ||
	    shash_copy(&rs->subj_bag, &b->subj_bag) ||
	    shash_copy(&rs->exact, &b->exact) ||
	    shash_copy(&rs->present, &b->present) ||
	    shash_copy(&rs->path_eq, &b->path_eq) ||
	    shash_copy(&rs->preview, &b->preview) ||
	    shash_copy(&rs->names, &b->names))
		return -ENOMEM;
	return 0;
}

/* Take base intercept R out of the copies: its entries go, every index
 * above it moves down. TOUCHED[subject] is set where a pattern went. */
static void drop_intercept(struct ruleset *rs, const struct ruleset *b,
			   uint32_t r, bool *touched)
{
	const struct conf_intercept *ci = b->conf->intercepts[r];
	const struct rs_icpt *ic = &b->icpt[r];
	uint32_t fm = ic->first_match, nm = ic->n_match;

	for (uint32_t k = 0; k < nm; k++) {
		const struct rs_match *m = &b->match[fm + k];
		if (m->kind == CONF_MATCH_VALUE)
			shash_del(&rs->exact, rs_key_exact(ic->service, m->subject,
							   m->arg, m->arg_len), fm + k);
		else if (m->kind == CONF_MATCH_PRESENT)
			shash_del(&rs->present, rs_key_present(ic->service, m->subject),
				  fm + k);
	}
	if (ci->path_kind == CONF_PATH_EQUAL)
		shash_del(&rs->path_eq, rs_key_path(ic->service, ic->path,
						    ic->path_len), r);
	if (ci->preview)
		shash_del(&rs->preview, shash_bytes(ci->preview, strlen(ci->preview),
						    RS_SEED_PRV), r);
	shash_del(&rs->names, rs_key_name(ci->name), r);
	shash_shift(&rs->exact, fm + nm, nm);
	shash_shift(&rs->present, fm + nm, nm);
	shash_shift(&rs->path_eq, r + 1, 1);
	shash_shift(&rs->preview, r + 1, 1);
	shash_shift(&rs->names, r + 1, 1);

	/* the arrays: the part above R moves down, its indexes with it */
	memcpy(rs->match, b->match, sizeof(*rs->match) * fm);
	memcpy(rs->match + fm, b->match + fm + nm,
	       sizeof(*rs->match) * (b->n_match - fm - nm));
	rs->n_match = b->n_match - nm;
	for (uint32_t k = fm; k < rs->n_match; k++)
		rs->match[k].owner--;
	memcpy(rs->icpt, b->icpt, sizeof(*rs->icpt) * r);
	memcpy(rs->icpt + r, b->icpt + r + 1,
	       sizeof(*rs->icpt) * (b->n_icpt - r - 1));
	for (uint32_t i = r; i < b->n_icpt - 1; i++) {
		rs->icpt[i].first_match -= nm;
		rs->icpt[i].rank--;
	}
	for (uint32_t s = 0; s < rs->n_scan; s++) {
		if (rs->scan_owner[s] == r) {
			touched[rs->scan_subj[s]] = true;
			rs->scan_owner[s] = RS_NONE;
			rs->scan_subj[s] = RS_NONE;
		} else if (rs->scan_owner[s] != RS_NONE && rs->scan_owner[s] > r) {
			rs->scan_owner[s]--;
		}
	}
}

/* Each service's intercepts in rank order, without base intercept R
 * (RS_NONE: none), with room for one more; its global intercept again. */
static int copy_services(struct ruleset *rs, const struct ruleset *b, uint32_t r)
{
	rs->svc = dup_array(b->svc, b->n_svc, sizeof(*rs->svc), 0);
	if (rs->svc == NULL)
		return -ENOMEM;
	rs->n_svc = b->n_svc;
	for (uint32_t s = 0; s < rs->n_svc; s++)
		rs->svc[s].icpts = NULL;
	rs->maglevs = b->maglevs;
	rs->maglevs->refs++;
	for (uint32_t s = 0; s < rs->n_svc; s++) {
		const struct rs_service *bs = &b->svc[s];
		struct rs_service *sv = &rs->svc[s];
		uint32_t n = 0;

		sv->icpts = malloc(sizeof(uint32_t) * (bs->n_icpts + 1));
		if (sv->icpts == NULL)
			return -ENOMEM;
		for (uint32_t k = 0; k < bs->n_icpts; k++) {
			uint32_t i = bs->icpts[k];
			if (i != r)
				sv->icpts[n++] = r != RS_NONE && i > r ? i - 1 : i;
		}
		sv->n_icpts = n;
		if (bs->global == r && r != RS_NONE) {
			/* the next global intercept of the service, in order */
			sv->global = RS_NONE;
			for (uint32_t k = n; k-- > 0;) {
				const struct rs_icpt *ic = &rs->icpt[sv->icpts[k]];
				if (ic->rank >> RS_RANK_SHIFT != 2)
					break;
				if (!ic->preview_only)
					sv->global = sv->icpts[k];
			}
		} else if (bs->global != RS_NONE && r != RS_NONE && bs->global > r) {
			sv->global = bs->global - 1;
		}
	}
	return 0;
}

/* The new intercept A (the last) into its service's order: after every
 * intercept of its class or a lower one, since it has the highest index. */
static void order_added(struct ruleset *rs, uint32_t a)
{
	struct rs_service *sv = &rs->svc[rs->icpt[a].service];
	uint32_t klass = rs->icpt[a].rank >> RS_RANK_SHIFT;
	uint32_t lo = 0, hi = sv->n_icpts;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (rs->icpt[sv->icpts[mid]].rank >> RS_RANK_SHIFT <= klass)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(sv->icpts + lo + 1, sv->icpts + lo,
		sizeof(uint32_t) * (sv->n_icpts - lo));
	sv->icpts[lo] = a;
	sv->n_icpts++;
	if (klass == 2 && !rs->icpt[a].preview_only && sv->global == RS_NONE)
		sv->global = a;
}

/* What the loader checks across intercepts, for the added one A: its name
 * and preview are new (the loader's message, at A's line). */
static int check_unique(const struct ruleset *rs, uint32_t a, char *err,
			size_t errlen)
{
	const struct steer_conf *c = rs->conf;
	const struct conf_intercept *ca = c->intercepts[a];
	const struct shash *h = &rs->names;

	for (uint32_t n = shash_first(h, rs_key_name(ca->name)); n != SHASH_NONE;
	     n = h->next[n]) {
		const struct conf_intercept *o = c->intercepts[h->vals[n]];
		if (h->vals[n] != a && strcmp(o->name, ca->name) == 0)
			return rs_fail(err, errlen, ADD_FILE, ca->line,
				       "duplicate intercept '%s' (first at line %d)",
				       ca->name, o->line);
	}
	if (ca->preview == NULL)
		return 0;
	h = &rs->preview;
	for (uint32_t n = shash_first(h, shash_bytes(ca->preview, strlen(ca->preview),
						     RS_SEED_PRV));
	     n != SHASH_NONE; n = h->next[n]) {
		const struct conf_intercept *o = c->intercepts[h->vals[n]];
		if (h->vals[n] != a && strcmp(o->preview, ca->preview) == 0)
			return rs_fail(err, errlen, ADD_FILE, ca->line,
				       "duplicate preview '%s' (first at line %d)",
				       ca->preview, o->line);
	}
	return 0;
}

static int derive(struct ruleset *rs, const struct ruleset *b, uint32_t r,
		  bool added, char *err, size_t errlen)
{
	const struct steer_conf *c = rs->conf;
	uint32_t add_nm = added ? c->intercepts[c->n_intercepts - 1]->n_matchers : 0;
	bool *touched = NULL;
	int ret;

	rs->n_icpt = c->n_intercepts;
	rs->icpt = malloc(sizeof(*rs->icpt) * (rs->n_icpt + 1));
	rs->match = malloc(sizeof(*rs->match) * (b->n_match + add_nm + 1));
	if (rs->icpt == NULL || rs->match == NULL)
		return -ENOMEM;
	if ((ret = copy_subjects(rs, b)) != 0 || (ret = copy_tables(rs, b)) != 0)
		return ret;
	/* one flag per subject, with room for those the added one creates */
	touched = calloc(rs->n_subj + CONF_MAX_MATCHERS + 1, sizeof(*touched));
	if (touched == NULL)
		return -ENOMEM;
	if (r != RS_NONE) {
		drop_intercept(rs, b, r, touched);
	} else {
		memcpy(rs->match, b->match, sizeof(*rs->match) * b->n_match);
		memcpy(rs->icpt, b->icpt, sizeof(*rs->icpt) * b->n_icpt);
		rs->n_match = b->n_match;
	}
	if ((ret = copy_services(rs, b, r)) != 0)
		goto out;
	if (added) {
		uint32_t a = rs->n_icpt - 1;
		if ((ret = rs_add_intercept(rs, a)) != 0)
			goto out;
		const struct rs_icpt *ic = &rs->icpt[a];
		for (uint32_t k = 0; k < ic->n_match; k++)
			if (rs->match[ic->first_match + k].scan_id != RS_NONE)
				touched[rs->match[ic->first_match + k].subject] = true;
		if (ic->path_scan != RS_NONE)
			touched[rs->path_subj] = true;
		order_added(rs, a);
		/* the loader's order: names, then the compiler's conflicts,
		 * then regexes */
		if ((ret = check_unique(rs, a, err, errlen)) != 0 ||
		    (ret = rs_check_conflicts_of(rs, a, ADD_FILE, err, errlen)) != 0)
			goto out;
	}
	for (uint32_t sj = 0; sj < rs->n_subj; sj++)
		if (touched[sj] &&
		    (ret = rs_compile_subject(rs, sj, ADD_FILE, err, errlen)) != 0)
			goto out;
	rs->any_db = false;
	for (uint32_t sj = 0; sj < rs->n_subj; sj++)
		rs->any_db |= rs->subj[sj].db != NULL;
out:
	free(touched);
	return ret;
}

struct ruleset *rs_derive(const struct ruleset *base, struct steer_conf *nc,
			  int removed, bool added, char *err, size_t errlen)
{
	struct ruleset *rs;
	int ret = -EINVAL;

	if (errlen > 0)
		err[0] = '\0';
	if (nc->base != base->conf || nc->n_intercepts >= RS_MAX_ICPTS ||
	    removed >= (int)base->n_icpt ||
	    nc->n_intercepts != base->n_icpt - (removed >= 0) + added) {
		snprintf(err, errlen, "%s: not a configuration derived from the running one",
			 nc->file);
		errno = EINVAL;
		return NULL;
	}
	rs = calloc(1, sizeof(*rs));
	if (rs != NULL) {
		rs->conf = nc;
		rs->base_conf = base->conf;
		rs->edit_removed = removed >= 0 ? (uint32_t)removed : RS_NONE;
		rs->edit_added = added;
		rs->preview_domain = base->preview_domain;
		rs->preview_domain_len = base->preview_domain_len;
		rs->preview_header = base->preview_header;
		rs->preview_header_len = base->preview_header_len;
		ret = derive(rs, base, rs->edit_removed, added, err, errlen);
	}
	if (rs == NULL || ret != 0) {
		if (rs == NULL || ret == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", nc->file);
		if (rs != NULL)
			rs->conf = NULL;      /* still the caller's */
		rs_free(rs);
		errno = rs == NULL ? ENOMEM : -ret;
		return NULL;
	}
	return rs;
}

void rs_adopt(struct ruleset *rs, struct ruleset *old)
{
	if (rs->base_conf == NULL || rs->base_conf != old->conf)
		return;
	conf_adopt(rs->conf, old->conf);
	rs->base_conf = NULL;
}

bool rs_edit_of(const struct ruleset *rs, const struct ruleset *old,
		int *removed, bool *added)
{
	if (rs->base_conf == NULL || rs->base_conf != old->conf)
		return false;
	*removed = rs->edit_removed == RS_NONE ? -1 : (int)rs->edit_removed;
	*added = rs->edit_added;
	return true;
}
