/* The per-request decision: listener routes -> service -> preview host ->
 * intercepts -> target. Runs on the workers: no allocation, no locks, no
 * system calls; all memory is the ruleset's (read only) and the worker's
 * scratch.
 *
 * Cost is one pass over the header fields with a hash lookup each, one
 * exact-value lookup per interesting field, one Hyperscan block scan per
 * field whose name has prefix/regex matchers, and a check of each candidate
 * intercept those produced: independent of how many exact-value intercepts
 * exist. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "maglev.h"
#include "rules.h"
#include "rules-int.h"

#define unlikely(x) __builtin_expect(!!(x), 0)

static inline char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c;
}

static bool eq_nocase(const char *a, const char *lc, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lc[i])
			return false;
	return true;
}

/* --- scratch (control plane) -------------------------------------------- */

struct rs_scratch *rs_scratch_alloc(const struct ruleset *rs,
				    struct rs_scratch *old)
{
	struct rs_scratch *s = old;

	if (s == NULL) {
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return NULL;
	}
	if (s->cap_subj < rs->n_subj) {
		uint32_t *p = calloc(rs->n_subj, sizeof(*p));
		if (p == NULL)
			goto fail;
		free(s->seen);
		s->seen = p;
		s->cap_subj = rs->n_subj;
	}
	if (s->cap_scan < rs->n_scan) {
		uint32_t *p = calloc(rs->n_scan, sizeof(*p));
		if (p == NULL)
			goto fail;
		free(s->hit);
		s->hit = p;
		s->cap_scan = rs->n_scan;
	}
	/* Fresh arrays start at 0, so restart stamping above every old one. */
	s->gen = 0;
	memset(s->seen, 0, sizeof(*s->seen) * s->cap_subj);
	if (s->hit)
		memset(s->hit, 0, sizeof(*s->hit) * s->cap_scan);
	for (uint32_t i = 0; i < rs->n_subj; i++)
		if (rs->subj[i].db &&
		    hs_alloc_scratch(rs->subj[i].db, &s->hs) != HS_SUCCESS)
			goto fail;
	return s;
fail:
	if (old == NULL)
		rs_scratch_free(s);
	errno = ENOMEM;
	return NULL;
}

void rs_scratch_free(struct rs_scratch *s)
{
	if (s == NULL)
		return;
	hs_free_scratch(s->hs);
	free(s->seen);
	free(s->hit);
	free(s);
}

/* --- candidates --------------------------------------------------------- */

static inline void cand_add(struct rs_scratch *s, uint32_t icpt)
{
	if (s->rs->icpt[icpt].service != s->service)
		return;
	if (s->n_cand == RS_MAX_CAND) {
		s->overflow = true;
		return;
	}
	s->cand[s->n_cand++] = icpt;
}

static int on_scan_match(unsigned int id, unsigned long long from,
			 unsigned long long to, unsigned int flags, void *ctx)
{
	struct rs_scratch *s = ctx;
	uint16_t plen = s->rs->scan_plen[id];

	(void)from;
	(void)flags;
	/* A prefix is an unanchored literal: it holds only where it ends at
	 * its own length, i.e. starts at the value's first byte. */
	if (plen != 0 && to != plen)
		return 0;
	if (s->hit[id] != s->gen) {
		s->hit[id] = s->gen;
		cand_add(s, s->rs->scan_owner[id]);
	}
	return 0;
}

/* Look at one value of SUBJ: exact lookup, presence, Hyperscan. */
static void look_at(struct rs_scratch *s, uint32_t subj, const char *v,
		    uint16_t len)
{
	const struct ruleset *rs = s->rs;
	uint32_t n;

	if (s->n_items < RS_MAX_ITEMS)
		s->items[s->n_items++] = (struct rs_item){ subj, v, len };

	n = shash_first(&rs->exact, rs_key_exact(s->service, subj, v, len));
	for (; n != SHASH_NONE; n = rs->exact.next[n]) {
		const struct rs_match *m = &rs->match[rs->exact.vals[n]];
		if (m->subject == subj && m->arg_len == len &&
		    memcmp(m->arg, v, len) == 0)
			cand_add(s, m->owner);
	}
	if (s->seen[subj] != s->gen) {
		s->seen[subj] = s->gen;
		n = shash_first(&rs->present, rs_key_present(s->service, subj));
		for (; n != SHASH_NONE; n = rs->present.next[n])
			cand_add(s, rs->match[rs->present.vals[n]].owner);
	}
	if (rs->subj[subj].db) {
		/* hs_scan only fails on bad arguments, which a ruleset and its
		 * grown scratch rule out; a failure leaves fewer candidates. */
		hs_scan(rs->subj[subj].db, v, len, 0, s->hs, on_scan_match, s);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* W3C Baggage (https://www.w3.org/TR/baggage/ section 3.3): list-member =
 * key OWS "=" OWS value *( OWS ";" OWS property ), members separated by
 * commas. Values are percent-decoded into the scratch; a member with a bad
 * escape is skipped, as the spec says of invalid members. */
static void look_at_baggage(struct rs_scratch *s, const char *p, size_t len)
{
	const struct ruleset *rs = s->rs;
	const char *end = p + len;
	unsigned members = 0;

	while (p < end && members < RS_MAX_BAGGAGE) {
		const char *m_end = memchr(p, ',', (size_t)(end - p));
		if (m_end == NULL)
			m_end = end;
		members++;
		const char *k = p;
		while (k < m_end && is_ows(*k))
			k++;
		const char *eq = memchr(k, '=', (size_t)(m_end - k));
		const char *v_end = eq ? memchr(eq, ';', (size_t)(m_end - eq)) : NULL;
		if (v_end == NULL)
			v_end = m_end;
		p = m_end + 1;
		if (eq == NULL)
			continue;
		const char *k_end = eq;
		while (k_end > k && is_ows(k_end[-1]))
			k_end--;
		const char *v = eq + 1;
		while (v < v_end && is_ows(*v))
			v++;
		while (v_end > v && is_ows(v_end[-1]))
			v_end--;

		size_t klen = (size_t)(k_end - k);
		uint32_t subj = RS_NONE;
		uint32_t n = shash_first(&rs->subj_bag,
					 shash_bytes(k, klen, RS_SEED_BAG));
		for (; n != SHASH_NONE; n = rs->subj_bag.next[n]) {
			const struct rs_subject *sj = &rs->subj[rs->subj_bag.vals[n]];
			if (sj->len == klen && memcmp(sj->name, k, klen) == 0)
				subj = rs->subj_bag.vals[n];
		}
		if (subj == RS_NONE)
			continue;
		size_t vlen = (size_t)(v_end - v);
		if (s->decode_used + vlen > RS_DECODE_MAX)
			break;
		char *out = s->decode + s->decode_used;
		size_t o = 0;
		bool ok = true;
		for (const char *q = v; q < v_end; q++) {
			if (*q != '%') {
				out[o++] = *q;
				continue;
			}
			int hi = q + 2 < v_end ? hexval(q[1]) : -1;
			int lo = hi >= 0 ? hexval(q[2]) : -1;
			if (lo < 0) {
				ok = false;
				break;
			}
			out[o++] = (char)(hi << 4 | lo);
			q += 2;
		}
		if (!ok)
			continue;
		s->decode_used += (uint32_t)o;
		look_at(s, subj, out, (uint16_t)o);
	}
}

/* --- verification ------------------------------------------------------- */

static bool value_seen(const struct rs_scratch *s, const struct rs_match *m)
{
	for (uint32_t i = 0; i < s->n_items; i++) {
		const struct rs_item *it = &s->items[i];
		if (it->subject == m->subject && it->len == m->arg_len &&
		    memcmp(it->value, m->arg, m->arg_len) == 0)
			return true;
	}
	return false;
}

static bool holds(const struct rs_scratch *s, uint32_t icpt,
		  const struct http_req *req)
{
	const struct ruleset *rs = s->rs;
	const struct rs_icpt *ic = &rs->icpt[icpt];

	if (ic->preview_only)
		return false;
	for (uint32_t k = 0; k < ic->n_match; k++) {
		const struct rs_match *m = &rs->match[ic->first_match + k];
		bool ok;
		switch (m->kind) {
		case CONF_MATCH_VALUE:
			ok = value_seen(s, m);
			break;
		case CONF_MATCH_PRESENT:
			ok = s->seen[m->subject] == s->gen;
			break;
		default:
			ok = s->hit[m->scan_id] == s->gen;
			break;
		}
		if (!ok)
			return false;
	}
	switch (ic->path_kind) {
	case CONF_PATH_NONE:
		return true;
	case CONF_PATH_EQUAL:
		return req->path_len == ic->path_len &&
		       memcmp(req->path, ic->path, ic->path_len) == 0;
	default:
		return s->hit[ic->path_scan] == s->gen;
	}
}

/* --- decide ------------------------------------------------------------- */

static uint32_t pick_service(const struct ruleset *rs, unsigned listener,
			     const struct http_req *req)
{
	const struct conf_listener *l = &rs->conf->listeners[listener];

	for (unsigned i = 0; i < l->n_routes; i++) {
		const struct conf_lroute *r = &l->routes[i];
		if (r->host && (req->host == NULL ||
				strlen(r->host) != req->host_len ||
				!eq_nocase(req->host, r->host, req->host_len)))
			continue;
		if (r->host_suffix) {
			size_t n = strlen(r->host_suffix);
			if (req->host == NULL || req->host_len < n ||
			    !eq_nocase(req->host + req->host_len - n,
				       r->host_suffix, n))
				continue;
		}
		if (r->path_prefix) {
			size_t n = strlen(r->path_prefix);
			if (req->path_len < n ||
			    memcmp(req->path, r->path_prefix, n) != 0)
				continue;
		}
		return r->service;
	}
	return l->default_service;
}

/* The intercept whose preview token is the first label of a Host under
 * previews.domain, or RS_NONE. */
static uint32_t find_preview(const struct ruleset *rs, const struct http_req *req)
{
	size_t dl = rs->preview_domain_len;

	if (dl == 0 || req->host == NULL || req->host_len < dl + 2)
		return RS_NONE;
	const char *dot = req->host + req->host_len - dl - 1;
	if (*dot != '.' || !eq_nocase(dot + 1, rs->preview_domain, dl))
		return RS_NONE;
	size_t tl = (size_t)(dot - req->host);
	char tok[64];
	if (tl >= sizeof(tok))
		return RS_NONE;
	for (size_t i = 0; i < tl; i++)
		tok[i] = lower(req->host[i]);
	uint32_t n = shash_first(&rs->preview, shash_bytes(tok, tl, RS_SEED_PRV));
	for (; n != SHASH_NONE; n = rs->preview.next[n]) {
		uint32_t i = rs->preview.vals[n];
		const char *p = rs->conf->intercepts[i]->preview;
		if (strlen(p) == tl && memcmp(p, tok, tl) == 0)
			return i;
	}
	return RS_NONE;
}

static void target_cluster(const struct ruleset *rs, uint32_t svc,
			   uint32_t flow_hash, struct rs_decision *d)
{
	const struct rs_service *sv = &rs->svc[svc];

	if (sv->maglev == NULL) {
		d->backend = -1;
		return;
	}
	d->backend = maglev_lookup(sv->maglev, sv->maglev_size, flow_hash);
}

static uint32_t find_intercept(const struct ruleset *rs, struct rs_scratch *s,
			       uint32_t svc, const struct http_req *req)
{
	const struct rs_service *sv = &rs->svc[svc];
	uint32_t best = RS_NONE, n;

	s->rs = rs;
	s->service = svc;
	s->n_items = 0;
	s->n_cand = 0;
	s->overflow = false;
	s->decode_used = 0;
	/* Stamps instead of clearing: seen[] and hit[] hold the request
	 * generation they were set in. Clear only when the counter wraps. */
	if (unlikely(++s->gen == 0)) {
		memset(s->seen, 0, sizeof(*s->seen) * s->cap_subj);
		memset(s->hit, 0, sizeof(*s->hit) * s->cap_scan);
		s->gen = 1;
	}

	for (uint16_t i = 0; i < req->n_fields; i++) {
		const struct http_field *f = &req->fields[i];
		/* Most header names are nobody's subject: a length no subject
		 * has skips the hash. */
		if (!(rs->name_lens & (1ull << (f->name_len < 63 ? f->name_len : 63))))
			goto baggage;
		n = shash_first(&rs->subj_hdr,
				shash_bytes_lower(f->name, f->name_len, RS_SEED_HDR));
		for (; n != SHASH_NONE; n = rs->subj_hdr.next[n]) {
			uint32_t subj = rs->subj_hdr.vals[n];
			const struct rs_subject *sj = &rs->subj[subj];
			if (sj->len == f->name_len &&
			    eq_nocase(f->name, sj->name, sj->len)) {
				look_at(s, subj, f->value, f->value_len);
				break;
			}
		}
baggage:
		if (rs->any_baggage && f->name_len == 7 &&
		    eq_nocase(f->name, "baggage", 7))
			look_at_baggage(s, f->value, f->value_len);
	}

	n = shash_first(&rs->path_eq, rs_key_path(svc, req->path, req->path_len));
	for (; n != SHASH_NONE; n = rs->path_eq.next[n])
		cand_add(s, rs->path_eq.vals[n]);
	if (rs->subj[rs->path_subj].db)
		hs_scan(rs->subj[rs->path_subj].db, req->path, req->path_len, 0,
			s->hs, on_scan_match, s);
	if (sv->global != RS_NONE)
		cand_add(s, sv->global);

	if (unlikely(s->overflow)) {
		/* More candidates than the scratch holds (many presence
		 * matchers on one header): walk the service in rank order. */
		for (uint32_t i = 0; i < sv->n_icpts; i++)
			if (holds(s, sv->icpts[i], req))
				return sv->icpts[i];
		return RS_NONE;
	}
	for (uint32_t i = 0; i < s->n_cand; i++) {
		uint32_t c = s->cand[i];
		if ((best == RS_NONE || rs->icpt[c].rank < rs->icpt[best].rank) &&
		    holds(s, c, req))
			best = c;
	}
	return best;
}

int rs_decide(const struct ruleset *rs, struct rs_scratch *s,
	      unsigned listener, const struct http_req *req,
	      uint32_t flow_hash, struct rs_decision *d)
{
	uint32_t best = RS_NONE;

	/* A scratch not grown for this ruleset would index past its arrays. */
	if (unlikely(s->cap_subj < rs->n_subj || s->cap_scan < rs->n_scan ||
		     (rs->any_db && s->hs == NULL)))
		return -1;
	*d = (struct rs_decision){ .why = RS_WHY_DEFAULT, .intercept = -1,
				   .tunnel = -1 };
	d->service = pick_service(rs, listener, req);

	uint32_t pv = find_preview(rs, req);
	if (pv != RS_NONE) {
		const struct rs_icpt *ic = &rs->icpt[pv];
		best = pv;
		d->why = RS_WHY_PREVIEW;
		d->service = ic->service;
		if (http_find_field(req, rs->preview_header,
				    rs->preview_header_len, 0) < 0) {
			d->inject[0] = (struct rs_inject){
				.name = rs->preview_header,
				.name_len = rs->preview_header_len,
				.value = ic->inject, .value_len = ic->inject_len };
			d->n_inject = 1;
		}
	} else if (rs->svc[d->service].n_icpts > 0) {
		best = find_intercept(rs, s, d->service, req);
		if (best != RS_NONE)
			d->why = RS_WHY_INTERCEPT;
	}

	target_cluster(rs, d->service, flow_hash, d);
	if (best != RS_NONE) {
		d->intercept = (int32_t)best;
		d->tunnel = (int32_t)rs->icpt[best].tunnel;
		d->target = RS_TARGET_TUNNEL;
	} else {
		d->target = d->backend >= 0 ? RS_TARGET_BACKEND : RS_TARGET_NONE;
	}
	return 0;
}
