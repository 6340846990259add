/* Rule compiler: struct steer_conf -> immutable struct ruleset.
 *
 * Exact-value matchers (the common case: developers' intercept ids) go into
 * hash tables keyed by (service, subject, value), so they never grow the
 * Hyperscan databases; prefix and regex matchers (and path prefix/regex)
 * are compiled into one block-mode database per subject. The decision side
 * is in rules_decide.c; a ruleset that differs from a running one by one
 * intercept is derived from it in rules_edit.c, with the pieces here. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "rules.h"
#include "rules-int.h"

int rs_fail(char *err, size_t errlen, const char *file, int line,
	    const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s:%d: ", file, line);

	if (n < 0 || (size_t)n >= errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int rs_subject_get(struct ruleset *rs, enum rs_subj_kind kind,
		   const char *name, uint32_t *out)
{
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
	/* Owned: a subject outlives the intercept that named it first when
	 * a derived ruleset drops that one. */
	char *copy = strdup(name);
	if (copy == NULL)
		return -ENOMEM;
	ns[rs->n_subj] = (struct rs_subject){ .kind = kind, .name = copy,
					      .len = (uint16_t)len };
	rs->n_subj++;
	if (shash_add(h, key, rs->n_subj - 1) != 0)
		return -ENOMEM;
	if (kind == RS_SUBJ_HEADER)
		rs->name_lens |= 1ull << (len < 63 ? len : 63);
	if (kind == RS_SUBJ_BAGGAGE)
		rs->any_baggage = true;
	*out = rs->n_subj - 1;
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

int rs_scan_reserve(struct ruleset *rs, uint32_t n)
{
	if (rs->n_scan + n <= rs->cap_scan)
		return 0;
	uint32_t cap = rs->cap_scan ? rs->cap_scan : 64;
	while (cap < rs->n_scan + n)
		cap *= 2;
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
	const char **src = realloc(rs->scan_src, sizeof(*src) * cap);
	if (src == NULL)
		return -ENOMEM;
	rs->scan_src = src;
	int *sl = realloc(rs->scan_line, sizeof(*sl) * cap);
	if (sl == NULL)
		return -ENOMEM;
	rs->scan_line = sl;
	rs->cap_scan = cap;
	return 0;
}

/* A prefix is compiled as a literal that must end at its own length; a
 * regex as written (unanchored unless anchored, like Telepresence's). */
uint32_t rs_scan_new(struct ruleset *rs, uint32_t owner, uint32_t subj,
		     enum conf_match_kind kind, const char *src, int line)
{
	uint32_t i = 0;

	/* An id a derived ruleset's removal left unused is taken again (no
	 * database holds it: its subject's was recompiled without it), so
	 * churn does not grow the id space and each scratch's hit[]. */
	while (i < rs->n_scan && rs->scan_subj[i] != RS_NONE)
		i++;
	if (i == rs->n_scan)
		rs->n_scan++;

	rs->scan_plen[i] = kind == CONF_MATCH_PREFIX ? (uint16_t)strlen(src) : 0;
	rs->scan_owner[i] = owner;
	rs->scan_subj[i] = subj;
	rs->scan_src[i] = src;
	rs->scan_line[i] = line;
	return i;
}

void rs_db_put(struct rs_db *d)
{
	if (d == NULL || --d->refs > 0)
		return;
	hs_free_database(d->db);
	free(d);
}

void rs_maglevs_put(struct rs_maglevs *m)
{
	if (m == NULL || --m->refs > 0)
		return;
	for (unsigned s = 0; s < m->n; s++)
		free(m->tab[s]);
	free(m);
}

int rs_compile_subject(struct ruleset *rs, uint32_t sj, const char *file,
		       char *err, size_t errlen)
{
	const char **pat = malloc(sizeof(*pat) * (rs->n_scan + 1));
	char **own = calloc(rs->n_scan + 1, sizeof(*own));
	unsigned *flags = malloc(sizeof(*flags) * (rs->n_scan + 1));
	unsigned *ids = malloc(sizeof(*ids) * (rs->n_scan + 1));
	struct rs_db *d = NULL;
	hs_compile_error_t *ce = NULL;
	unsigned n = 0;
	int ret = -ENOMEM;

	if (pat == NULL || own == NULL || flags == NULL || ids == NULL)
		goto out;
	for (uint32_t i = 0; i < rs->n_scan; i++) {
		if (rs->scan_subj[i] != sj)
			continue;
		if (rs->scan_plen[i] != 0) {
			own[n] = escape_literal(rs->scan_src[i]);
			if (own[n] == NULL)
				goto out;
			pat[n] = own[n];
		} else {
			pat[n] = rs->scan_src[i];
		}
		/* SINGLEMATCH: one report per regex and scan is all the
		 * decision needs; ALLOWEMPTY: a regex such as "x*" is legal in
		 * Telepresence. A prefix literal must report every match: only
		 * one ending at the prefix's length counts. */
		flags[n] = rs->scan_plen[i] != 0 ? 0 :
			   HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
		ids[n++] = i;
	}
	ret = 0;
	if (n > 0) {
		d = calloc(1, sizeof(*d));
		if (d == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		if (hs_compile_multi(pat, flags, ids, n, HS_MODE_BLOCK, NULL,
				     &d->db, &ce) != HS_SUCCESS) {
			if (ce->expression >= 0 && (unsigned)ce->expression < n) {
				uint32_t id = ids[ce->expression];
				const struct conf_intercept *ci =
					rs->conf->intercepts[rs->scan_owner[id]];
				ret = rs_fail(err, errlen, file, rs->scan_line[id],
					      "intercept '%s': invalid regex: %s",
					      ci->name, ce->message);
			} else {
				ret = rs_fail(err, errlen, file, 0,
					      "Hyperscan compile failed: %s", ce->message);
			}
			hs_free_compile_error(ce);
			free(d);
			d = NULL;
			goto out;
		}
		d->refs = 1;
	}
	rs_db_put(rs->subj[sj].ref);
	rs->subj[sj].ref = d;
	rs->subj[sj].db = d ? d->db : NULL;
out:
	for (unsigned i = 0; own != NULL && i < n; i++)
		free(own[i]);
	free(own);
	free(pat);
	free(flags);
	free(ids);
	return ret;
}

static int add_match(struct ruleset *rs, uint32_t owner, uint32_t svc,
		     const struct conf_matcher *cm)
{
	struct rs_match *m = &rs->match[rs->n_match];
	uint32_t subj;
	int ret;

	ret = cm->name ? rs_subject_get(rs, RS_SUBJ_HEADER, cm->name, &subj) :
			 rs_subject_get(rs, RS_SUBJ_BAGGAGE, cm->baggage, &subj);
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
		ret = rs_scan_reserve(rs, 1);
		if (ret == 0)
			m->scan_id = rs_scan_new(rs, owner, subj, cm->kind, cm->arg,
						 cm->line);
		break;
	}
	if (ret == 0)
		rs->n_match++;
	return ret;
}

/* Intercept I of RS's configuration into rs->icpt[I], its matchers at the
 * end of rs->match, its entries into the tables; rs->n_icpt must already
 * count it. Shared by rs_compile() and rs_derive(). 0 or -ENOMEM. */
int rs_add_intercept(struct ruleset *rs, uint32_t i)
{
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
		ret = add_match(rs, i, ci->service, &ci->matchers[k]);
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
		if ((ret = rs_scan_reserve(rs, 1)) != 0)
			return ret;
		ic->path_scan = rs_scan_new(rs, i, rs->path_subj,
					    ci->path_kind == CONF_PATH_PREFIX ?
					    CONF_MATCH_PREFIX : CONF_MATCH_REGEX,
					    ci->path, ci->path_line);
		break;
	}
	uint32_t klass = ci->n_matchers ? 0 : ci->path_kind != CONF_PATH_NONE ? 1 : 2;
	ic->rank = klass << RS_RANK_SHIFT | i;
	ic->preview_only = klass == 2 && ci->preview != NULL;
	if ((ret = shash_add(&rs->names, rs_key_name(ci->name), i)) != 0)
		return ret;

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

static int compile_db(struct ruleset *rs, char *err, size_t errlen)
{
	for (uint32_t sj = 0; sj < rs->n_subj; sj++) {
		int ret = rs_compile_subject(rs, sj, rs->conf->file, err, errlen);
		if (ret != 0)
			return ret;
		rs->any_db |= rs->subj[sj].db != NULL;
	}
	return 0;
}

static int build_services(struct ruleset *rs, char *err, size_t errlen)
{
	const struct steer_conf *c = rs->conf;
	uint32_t *count = calloc(c->n_services + 1, sizeof(*count));

	rs->svc = calloc(c->n_services ? c->n_services : 1, sizeof(*rs->svc));
	rs->maglevs = calloc(1, sizeof(*rs->maglevs) +
			     sizeof(rs->maglevs->tab[0]) * c->n_services);
	if (rs->svc == NULL || rs->maglevs == NULL || count == NULL) {
		free(count);
		return -ENOMEM;
	}
	rs->maglevs->refs = 1;
	rs->maglevs->n = c->n_services;
	rs->n_svc = c->n_services;
	for (uint32_t i = 0; i < rs->n_icpt; i++)
		count[rs->icpt[i].service]++;
	for (unsigned s = 0; s < c->n_services; s++) {
		const struct conf_service *cs = &c->services[s];
		struct rs_service *sv = &rs->svc[s];

		int ret = rs_maglev_build(cs, sv);
		rs->maglevs->tab[s] = sv->maglev;
		if (ret != 0) {
			free(count);
			return ret == -ENOMEM ? ret :
				rs_fail(err, errlen, c->file, cs->line,
					"service '%s': cannot build Maglev table of size %u",
					cs->name, sv->maglev_size);
		}
		sv->global = RS_NONE;
		sv->icpts = malloc(sizeof(uint32_t) * (count[s] + 1));
		if (sv->icpts == NULL) {
			free(count);
			return -ENOMEM;
		}
	}
	free(count);
	/* Each service's intercepts in rank order: the fallback walk when a
	 * request produces more candidates than the scratch holds. */
	for (uint32_t klass = 0; klass < 3; klass++)
		for (uint32_t i = 0; i < rs->n_icpt; i++)
			if (rs->icpt[i].rank >> RS_RANK_SHIFT == klass) {
				struct rs_service *sv = &rs->svc[rs->icpt[i].service];
				sv->icpts[sv->n_icpts++] = i;
				if (klass == 2 && !rs->icpt[i].preview_only &&
				    sv->global == RS_NONE)
					sv->global = i;
			}
	return 0;
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
	    shash_init(&rs->path_eq, 16) || shash_init(&rs->preview, 16) ||
	    shash_init(&rs->names, c->n_intercepts))
		return -ENOMEM;
	rs->subj = malloc(sizeof(*rs->subj));
	if (rs->subj == NULL)
		return -ENOMEM;
	rs->subj[0] = (struct rs_subject){ .kind = RS_SUBJ_PATH,
					   .name = strdup(""), .len = 0 };
	if (rs->subj[0].name == NULL)
		return -ENOMEM;
	rs->path_subj = 0;
	rs->n_subj = 1;
	rs->edit_removed = RS_NONE;
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
	struct ruleset *rs;
	int ret;

	if (errlen > 0)
		err[0] = '\0';
	rs = calloc(1, sizeof(*rs));
	if (rs == NULL) {
		snprintf(err, errlen, "%s: out of memory", c->file);
		errno = ENOMEM;
		return NULL;
	}
	rs->conf = c;
	if (c->n_intercepts >= RS_MAX_ICPTS) {
		snprintf(err, errlen, "%s: more than %u intercepts", c->file,
			 RS_MAX_ICPTS - 1);
		ret = -EINVAL;
	} else {
		ret = init_tables(rs);
	}
	for (uint32_t i = 0; ret == 0 && i < c->n_intercepts; i++)
		ret = rs_add_intercept(rs, i);
	if (ret == 0)
		ret = rs_check_conflicts(rs, err, errlen);
	if (ret == 0)
		ret = compile_db(rs, err, errlen);
	if (ret == 0)
		ret = build_services(rs, err, errlen);
	if (ret != 0) {
		if (ret == -ENOMEM)
			snprintf(err, errlen, "%s: out of memory", c->file);
		rs->conf = NULL;    /* still the caller's */
		rs_free(rs);
		errno = -ret;
		return NULL;
	}
	return rs;
}

struct ruleset *rs_ref(struct ruleset *rs)
{
	rs->extra_refs++;
	return rs;
}

void rs_free(struct ruleset *rs)
{
	if (rs == NULL)
		return;
	if (rs->extra_refs) {
		rs->extra_refs--;
		return;
	}
	if (rs->svc)
		for (unsigned s = 0; s < rs->n_svc; s++)
			free(rs->svc[s].icpts);
	free(rs->svc);
	rs_maglevs_put(rs->maglevs);
	for (uint32_t i = 0; i < rs->n_subj; i++) {
		rs_db_put(rs->subj[i].ref);
		free(rs->subj[i].name);
	}
	free(rs->scan_owner);
	free(rs->scan_plen);
	free(rs->scan_subj);
	free(rs->scan_src);
	free(rs->scan_line);
	shash_free(&rs->subj_hdr);
	shash_free(&rs->subj_bag);
	shash_free(&rs->exact);
	shash_free(&rs->present);
	shash_free(&rs->path_eq);
	shash_free(&rs->preview);
	shash_free(&rs->names);
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

int rs_find_intercept(const struct ruleset *rs, const char *name)
{
	const struct shash *h = &rs->names;

	for (uint32_t n = shash_first(h, rs_key_name(name)); n != SHASH_NONE;
	     n = h->next[n])
		if (strcmp(rs->conf->intercepts[h->vals[n]]->name, name) == 0)
			return (int)h->vals[n];
	return -1;
}

int rs_listener_find(const struct ruleset *rs, uint32_t ip, uint16_t port)
{
	const struct steer_conf *c = rs->conf;

	for (unsigned i = 0; i < c->n_listeners; i++)
		if (c->listeners[i].ip == ip && c->listeners[i].port == port)
			return (int)i;
	return -1;
}
