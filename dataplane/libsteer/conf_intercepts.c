/* The `intercepts` section (header matchers, a path, a preview name) and
 * the `previews` section whose domain preview names need. Called by the
 * loader in conf.c, previews first; see conf_load.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <libconfig.h>

#include "conf.h"
#include "conf_load.h"
#include "conf_parse.h"

int conf_load_previews(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "domain", "header", NULL };
	struct conf_previews *p = &l->c->previews;
	const char *header = "x-telepresence-intercept-id";
	config_setting_t *g;
	int rc;

	if ((rc = ld_get_group(l, root, "previews", false, &g)) != 0)
		return rc;
	if (g != NULL) {
		p->line = ld_line(g);
		if ((rc = ld_check_keys(l, g, keys, "previews")) != 0 ||
		    (rc = ld_get_host(l, g, "domain", false, &p->domain)) != 0 ||
		    (rc = ld_get_checked(l, g, "header", "previews", false,
					 conf_check_token, &header)) != 0)
			return rc;
	}
	if ((rc = ld_dup(l, header, &p->header)) != 0)
		return rc;
	conf_lower(p->header);
	return 0;
}

/* Sets M's kind and argument from exactly one of value / prefix / regex /
 * present. */
static int load_match_kind(struct conf_loader *l, const config_setting_t *e,
			   struct conf_matcher *m, const char *what)
{
	static const char *const kinds[] = { "value", "prefix", "regex",
		"present" };
	static const enum conf_match_kind kind_of[] = { CONF_MATCH_VALUE,
		CONF_MATCH_PREFIX, CONF_MATCH_REGEX, CONF_MATCH_PRESENT };
	const config_setting_t *s = NULL;
	const char *v = NULL;
	unsigned k = 0;
	int rc;

	for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++) {
		const config_setting_t *t = config_setting_get_member(e, kinds[i]);

		if (t == NULL)
			continue;
		if (s != NULL)
			return ld_fail(l, t, "%s has both '%s' and '%s'; give one",
				       what, kinds[k], kinds[i]);
		s = t;
		k = i;
	}
	if (s == NULL)
		return ld_fail(l, e, "%s needs one of 'value', 'prefix', 'regex', 'present'",
			       what);
	m->kind = kind_of[k];
	if (m->kind == CONF_MATCH_PRESENT) {
		bool present = false;

		if ((rc = ld_get_bool(l, e, "present", &present)) != 0)
			return rc;
		/* "present = false" reads like "absent", which we do not
		 * implement: refuse it rather than match the opposite. */
		return present ? 0 : ld_fail(l, s, "'present' can only be true");
	}
	if ((rc = ld_get_string(l, e, kinds[k], what, true, &v)) != 0)
		return rc;
	if (*v == '\0' && m->kind != CONF_MATCH_VALUE)
		return ld_fail(l, s, "'%s' must not be empty", kinds[k]);
	return ld_dup(l, v, &m->arg);
}

static int load_matchers(struct conf_loader *l, const config_setting_t *ic,
			 struct conf_intercept *in)
{
	static const char *const keys[] = { "name", "baggage", "value",
		"prefix", "regex", "present", NULL };
	config_setting_t *list;
	unsigned n;
	int rc;

	if ((rc = ld_get_list(l, ic, "headers", false, &list, &n)) != 0 || n == 0)
		return rc;
	if (n > CONF_MAX_MATCHERS)
		return ld_fail(l, list, "at most %d header matchers per intercept",
			       CONF_MAX_MATCHERS);
	for (unsigned i = 0; i < n; i++) {
		struct conf_matcher *m = &in->matchers[i];
		const char *hdr = NULL, *bag = NULL;
		config_setting_t *e;
		char what[LD_WHAT_MAX];

		if ((rc = ld_get_elem(l, list, i, "header matcher", &e)) != 0)
			return rc;
		snprintf(what, sizeof(what), "header matcher #%u of intercept '%s'",
			 i + 1, in->name);
		in->n_matchers = i + 1;
		m->line = ld_line(e);
		if ((rc = ld_check_keys(l, e, keys, what)) != 0 ||
		    (rc = ld_get_checked(l, e, "name", what, false,
					 conf_check_token, &hdr)) != 0 ||
		    (rc = ld_get_checked(l, e, "baggage", what, false,
					 conf_check_token, &bag)) != 0)
			return rc;
		if ((hdr == NULL) == (bag == NULL))
			return ld_fail(l, e, "%s needs exactly one of 'name' (a header) and 'baggage' (a baggage key)",
				       what);
		if ((rc = load_match_kind(l, e, m, what)) != 0 ||
		    (rc = ld_dup(l, hdr != NULL ? hdr : bag,
				 hdr != NULL ? &m->name : &m->baggage)) != 0)
			return rc;
		/* Header names are case-insensitive (RFC 9110 section 5.1):
		 * store one spelling. Baggage keys are compared as written. */
		if (m->name != NULL)
			conf_lower(m->name);
	}
	return 0;
}

static int load_intercept_path(struct conf_loader *l, const config_setting_t *e,
			       struct conf_intercept *in)
{
	static const char *const keys[] = { "path_equal", "path_prefix",
		"path_regex" };
	static const enum conf_path_kind kinds[] = { CONF_PATH_EQUAL,
		CONF_PATH_PREFIX, CONF_PATH_REGEX };
	const config_setting_t *s = NULL;
	unsigned k = 0;
	const char *v = NULL;
	int rc;

	for (unsigned i = 0; i < ARRAY_SIZE(keys); i++) {
		const config_setting_t *t = config_setting_get_member(e, keys[i]);

		if (t == NULL)
			continue;
		if (s != NULL)
			return ld_fail(l, t, "intercept '%s' has both '%s' and '%s'; give at most one",
				       in->name, keys[k], keys[i]);
		s = t;
		k = i;
	}
	if (s == NULL)
		return 0;
	in->path_kind = kinds[k];
	in->path_line = ld_line(s);
	if (in->path_kind != CONF_PATH_REGEX)
		return ld_get_path(l, e, keys[k], &in->path);
	if ((rc = ld_get_string(l, e, keys[k], NULL, false, &v)) != 0)
		return rc;
	if (*v == '\0')
		return ld_fail(l, s, "'path_regex' must not be empty");
	return ld_dup(l, v, &in->path);
}

static int load_preview(struct conf_loader *l, const config_setting_t *e,
			struct conf_intercept *in)
{
	const config_setting_t *s = config_setting_get_member(e, "preview");
	const char *v = NULL;
	int rc;

	if ((rc = ld_get_checked(l, e, "preview", NULL, false, conf_check_label,
				 &v)) != 0 || v == NULL)
		return rc;
	if (l->c->previews.domain == NULL)
		return ld_fail(l, s, "'preview' needs previews.domain to be set");
	if ((rc = ld_dup(l, v, &in->preview)) != 0)
		return rc;
	/* host names compare case-insensitively (RFC 4343) */
	conf_lower(in->preview);
	return 0;
}

/* Intercept element E (#I of its list) into IN: everything about one
 * intercept but the uniqueness of its name and preview among the others.
 * Shared by the loader and conf_derive(): one validation path. */
int conf_load_intercept(struct conf_loader *l, const config_setting_t *e,
			unsigned i, struct conf_intercept *in)
{
	static const char *const keys[] = { "name", "service", "tunnel",
		"headers", "path_equal", "path_prefix", "path_regex", "preview",
		NULL };
	const char *tun = NULL;
	char what[LD_WHAT_MAX];
	int rc, t;

	ld_describe(what, "intercept", e, i);
	in->line = ld_line(e);
	if ((rc = ld_check_keys(l, e, keys, what)) != 0 ||
	    (rc = ld_get_name(l, e, what, in->name)) != 0 ||
	    (rc = ld_get_service_ref(l, e, "service", what, &in->service)) != 0 ||
	    (rc = ld_get_string(l, e, "tunnel", what, true, &tun)) != 0)
		return rc;
	if ((t = ld_find(l->tunnels_by_name, l->c->n_tunnels, tun)) < 0)
		return ld_fail(l, config_setting_get_member(e, "tunnel"),
			       "unknown tunnel '%.63s'", tun);
	in->tunnel = (unsigned)t;
	if ((rc = load_matchers(l, e, in)) != 0 ||
	    (rc = load_intercept_path(l, e, in)) != 0)
		return rc;
	return load_preview(l, e, in);
}

int conf_load_intercepts(struct conf_loader *l, const config_setting_t *root)
{
	struct steer_conf *c = l->c;
	config_setting_t *list;
	struct ld_key *k;
	unsigned n, n_prev = 0;
	int rc;

	if ((rc = ld_get_list(l, root, "intercepts", false, &list, &n)) != 0 ||
	    n == 0)
		return rc;
	if ((c->intercepts = calloc(n, sizeof(*c->intercepts))) == NULL)
		return ld_oom(l);
	for (unsigned i = 0; i < n; i++) {
		struct conf_intercept *in = calloc(1, sizeof(*in));
		config_setting_t *e;

		if (in == NULL)
			return ld_oom(l);
		c->intercepts[i] = in;
		c->n_intercepts = i + 1;
		if ((rc = ld_get_elem(l, list, i, "intercept", &e)) != 0 ||
		    (rc = conf_load_intercept(l, e, i, in)) != 0)
			return rc;
		n_prev += in->preview != NULL;
	}
	if ((rc = ld_keys_new(l, n, &k)) != 0)
		return rc;
	for (unsigned i = 0; i < n; i++)
		k[i] = (struct ld_key){ .str = c->intercepts[i]->name, .idx = i,
					.line = c->intercepts[i]->line };
	if ((rc = ld_keys_unique(l, k, n, "intercept")) != 0 ||
	    (rc = ld_keys_new(l, n_prev, &k)) != 0)
		return rc;
	n_prev = 0;
	for (unsigned i = 0; i < n; i++)
		if (c->intercepts[i]->preview != NULL)
			k[n_prev++] = (struct ld_key){
				.str = c->intercepts[i]->preview, .idx = i,
				.line = c->intercepts[i]->line };
	return ld_keys_unique(l, k, n_prev, "preview");
}
