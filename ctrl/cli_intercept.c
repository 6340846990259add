/* steerctl intercept add|remove|list: the command lines to requests
 * (docs/control.md). Only the shape of the line is checked here; whether
 * the service and tunnel exist, the regexes compile and the intercept
 * conflicts with none is steerd's to say. */
#include <stdlib.h>
#include <string.h>

#include "conf-t.h"
#include "cli-int.h"

/* The header and baggage matcher options of `intercept add`, in the order
 * of the protocol's matcher forms; their index is their option id. */
static const struct {
	const char *subject;      /* member naming the subject */
	const char *cond;         /* member holding the condition */
} matcher_kinds[] = {
	{ "name", "value" }, { "name", "prefix" }, { "name", "regex" },
	{ "name", "present" },
	{ "baggage", "value" }, { "baggage", "prefix" }, { "baggage", "regex" },
	{ "baggage", "present" },
};

enum {
	IA_SERVICE = 100, IA_TUNNEL, IA_PATH_EQUAL, IA_PATH_PREFIX,
	IA_PATH_REGEX, IA_PREVIEW, IA_TTL,
};

/* A duration: N, Ns, Nm or Nh, 1 s to 30 days, into seconds. */
static int parse_ttl(struct argp *p, const char *v, unsigned long long *s)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 10), mul = 1;

	if (end != v && *end != '\0' && end[1] == '\0')
		mul = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : 0;
	else if (end == v || *end != '\0')
		mul = 0;
	if (mul == 0 || n == 0 || n > 30ULL * 86400 / mul)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: --ttl wants a duration like 30s, 10m or 2h "
				"(1 s to 30 days; got '%s')", p->what, v);
	*s = n * mul;
	return 0;
}

struct matcher {
	int kind;                 /* index into matcher_kinds */
	const char *subj;         /* points into argv, SUBJ_LEN bytes */
	size_t subj_len;
	const char *arg;          /* NULL for present */
};

/* One matcher option's value: "NAME=VALUE", or "NAME" for the present
 * forms. VALUE may be empty only for an exact value (docs/configuration.md:
 * prefix and regex must be non-empty). */
static int parse_matcher(struct argp *p, const struct optdef *d,
			 const char *v, struct matcher *m)
{
	const char *eq = strchr(v, '=');
	bool present = strcmp(matcher_kinds[d->id].cond, "present") == 0;
	const char *subj = strcmp(matcher_kinds[d->id].subject, "name") == 0 ?
			   "NAME" : "KEY";

	m->kind = d->id;
	m->subj = v;
	if (present) {
		if (eq != NULL || *v == '\0')
			return cli_errf(p->err, p->errlen, CLI_EUSAGE,
					"%s: %s wants a %s only (got '%s')",
					p->what, d->name, subj, v);
		m->subj_len = strlen(v);
		m->arg = NULL;
		return 0;
	}
	if (eq == NULL || eq == v)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: %s wants %s=%s (got '%s')", p->what,
				d->name, subj,
				strcmp(matcher_kinds[d->id].cond, "value") == 0 ?
				"VALUE" : "PATTERN", v);
	if (eq[1] == '\0' && strcmp(matcher_kinds[d->id].cond, "value") != 0)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: %s needs a non-empty %s after '='",
				p->what, d->name, matcher_kinds[d->id].cond);
	m->subj_len = (size_t)(eq - v);
	m->arg = eq + 1;
	return 0;
}

static int cmd_intercept_add(struct argp *p, struct jw *w,
			     const char *cmd)
{
	static const struct optdef defs[] = {
		{ "--header", 0, true },
		{ "--header-prefix", 1, true },
		{ "--header-regex", 2, true },
		{ "--header-present", 3, true },
		{ "--baggage", 4, true },
		{ "--baggage-prefix", 5, true },
		{ "--baggage-regex", 6, true },
		{ "--baggage-present", 7, true },
		{ "--service", IA_SERVICE, true },
		{ "--tunnel", IA_TUNNEL, true },
		{ "--path-equal", IA_PATH_EQUAL, true },
		{ "--path-prefix", IA_PATH_PREFIX, true },
		{ "--path-regex", IA_PATH_REGEX, true },
		{ "--preview", IA_PREVIEW, true },
		{ "--ttl", IA_TTL, true },
		{ NULL, 0, false },
	};
	struct matcher m[CONF_MAX_MATCHERS];
	const struct optdef *d, *path_opt = NULL;
	const char *v, *name = NULL, *service = NULL, *tunnel = NULL;
	const char *path = NULL, *preview = NULL, *ttl = NULL;
	unsigned long long ttl_s = 0;
	unsigned n = 0;
	int r;

	while ((r = argp_next(p, defs, &d, &v)) != ARG_END) {
		if (r < 0)
			return r;
		if (r == ARG_POS) {
			if ((r = argp_one_name(p, &name, v)) != 0)
				return r;
			continue;
		}
		switch (d->id) {
		case IA_SERVICE:
			r = argp_set_once(p, d, &service, v);
			break;
		case IA_TUNNEL:
			r = argp_set_once(p, d, &tunnel, v);
			break;
		case IA_PREVIEW:
			r = argp_set_once(p, d, &preview, v);
			break;
		case IA_TTL:
			r = argp_set_once(p, d, &ttl, v);
			if (r == 0)
				r = parse_ttl(p, v, &ttl_s);
			break;
		case IA_PATH_EQUAL:
		case IA_PATH_PREFIX:
		case IA_PATH_REGEX:
			if (path_opt == d)
				return argp_set_once(p, d, &path, v);
			if (path_opt != NULL)
				return cli_errf(p->err, p->errlen, CLI_EUSAGE,
						"%s: %s and %s exclude each "
						"other (at most one path "
						"matcher)", p->what,
						path_opt->name, d->name);
			if (*v == '\0')
				return cli_errf(p->err, p->errlen, CLI_EUSAGE,
						"%s: %s needs a non-empty "
						"value", p->what, d->name);
			path_opt = d;
			path = v;
			r = 0;
			break;
		default:
			/* the loader's bound, so the message can say it */
			if (n == CONF_MAX_MATCHERS)
				return cli_errf(p->err, p->errlen, CLI_EUSAGE,
						"%s: at most %d header and "
						"baggage matchers", p->what,
						CONF_MAX_MATCHERS);
			r = parse_matcher(p, d, v, &m[n++]);
			break;
		}
		if (r != 0)
			return r;
	}
	if (name == NULL)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: missing NAME", p->what);
	if (service == NULL)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: --service is required", p->what);
	if (tunnel == NULL)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: --tunnel is required", p->what);

	req_begin(w, cmd);
	req_str(w, "name", name);
	req_str(w, "service", service);
	req_str(w, "tunnel", tunnel);
	jw_key(w, "headers");
	jw_arr_begin(w);
	for (unsigned i = 0; i < n; i++) {
		jw_obj_begin(w);
		jw_key(w, matcher_kinds[m[i].kind].subject);
		jw_strn(w, m[i].subj, m[i].subj_len);
		jw_key(w, matcher_kinds[m[i].kind].cond);
		if (m[i].arg != NULL)
			jw_str(w, m[i].arg);
		else
			jw_bool(w, true);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (path_opt != NULL)
		/* "--path-equal" -> "path_equal" */
		req_str(w, path_opt->id == IA_PATH_EQUAL ? "path_equal" :
			   path_opt->id == IA_PATH_PREFIX ? "path_prefix" :
			   "path_regex", path);
	req_str(w, "preview", preview);
	if (ttl != NULL) {
		jw_key(w, "ttl");
		jw_uint(w, ttl_s);
	}
	jw_obj_end(w);
	return 0;
}

/* intercept renew NAME [--ttl DURATION] */
static int cmd_intercept_renew(struct argp *p, struct jw *w, const char *cmd)
{
	static const struct optdef defs[] = {
		{ "--ttl", IA_TTL, true },
		{ NULL, 0, false },
	};
	const struct optdef *d;
	const char *v, *name = NULL, *ttl = NULL;
	unsigned long long ttl_s = 0;
	int r;

	while ((r = argp_next(p, defs, &d, &v)) != ARG_END) {
		if (r < 0)
			return r;
		if (r == ARG_POS) {
			if ((r = argp_one_name(p, &name, v)) != 0)
				return r;
			continue;
		}
		if ((r = argp_set_once(p, d, &ttl, v)) != 0 ||
		    (r = parse_ttl(p, v, &ttl_s)) != 0)
			return r;
	}
	if (name == NULL)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: missing NAME", p->what);
	req_begin(w, cmd);
	req_str(w, "name", name);
	if (ttl != NULL) {
		jw_key(w, "ttl");
		jw_uint(w, ttl_s);
	}
	jw_obj_end(w);
	return 0;
}

const struct verb cli_intercept_verbs[] = {
	{ "add", "intercept.add", cmd_intercept_add },
	{ "remove", "intercept.remove", req_name },
	{ "list", "intercept.list", req_none },
	{ "renew", "intercept.renew", cmd_intercept_renew },
	{ NULL, NULL, NULL },
};
