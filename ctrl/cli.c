/* steerctl command lines to control requests (docs/control.md).
 *
 * Each command checks its usage here, before anything reaches steerd: the
 * shape of the command line (required and exclusive options, NAME=VALUE
 * forms, numbers and addresses in the forms docs/configuration.md gives).
 * What needs the running configuration (does the service exist, is the
 * regex valid, does the intercept conflict) is steerd's to check: it
 * validates every change exactly as a file, and its message names the
 * line. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf-t.h"
#include "cli.h"

static int __attribute__((format(printf, 4, 5)))
errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* ---- command-line walking ---- */

struct optdef {
	const char *name;         /* "--service" */
	int id;
	bool value;               /* takes a value: "--x V" or "--x=V" */
};

/* Walks the words after the command words: options (any order, values
 * from the next word or after '=') and positionals; "--" ends options. */
struct argp {
	int argc;
	char **argv;
	int i;
	bool dashdash;
	const char *what;         /* "intercept add", for messages */
	char *err;
	size_t errlen;
	char what_buf[32];
};

enum { ARG_END, ARG_OPT, ARG_POS };

/* The next word: ARG_OPT with *DEF (and *VAL for an option with a value),
 * ARG_POS with *VAL, ARG_END, or CLI_EUSAGE with the message in P->err. */
static int argp_next(struct argp *p, const struct optdef *defs,
		     const struct optdef **def, const char **val)
{
	const char *a;
	size_t n;

	for (;;) {
		if (p->i >= p->argc)
			return ARG_END;
		a = p->argv[p->i++];
		if (p->dashdash || a[0] != '-' || a[1] == '\0') {
			*val = a;
			return ARG_POS;
		}
		if (strcmp(a, "--") != 0)
			break;
		p->dashdash = true;
	}
	n = strcspn(a, "=");
	for (const struct optdef *d = defs; d->name != NULL; d++) {
		if (strlen(d->name) != n || strncmp(a, d->name, n) != 0)
			continue;
		*def = d;
		*val = NULL;
		if (!d->value) {
			if (a[n] == '=')
				return errf(p->err, p->errlen, CLI_EUSAGE,
					    "%s: %s takes no value", p->what,
					    d->name);
			return ARG_OPT;
		}
		if (a[n] == '=') {
			*val = a + n + 1;
			return ARG_OPT;
		}
		/* "--service --tunnel t" forgot a value; a value that really
		 * starts with "--" can still be given as --service=--x */
		if (p->i >= p->argc || strncmp(p->argv[p->i], "--", 2) == 0)
			return errf(p->err, p->errlen, CLI_EUSAGE,
				    "%s: %s needs a value", p->what, d->name);
		*val = p->argv[p->i++];
		return ARG_OPT;
	}
	return errf(p->err, p->errlen, CLI_EUSAGE, "%s: unknown option '%s'",
		    p->what, a);
}

/* Collect exactly N positionals into POS, refusing any option (commands
 * without options). */
static int argp_positionals(struct argp *p, const char **pos, int n,
			    const char *names)
{
	static const struct optdef none[] = { { NULL, 0, false } };
	const struct optdef *d;
	const char *v;
	int k = 0, r;

	while ((r = argp_next(p, none, &d, &v)) == ARG_POS) {
		if (k == n)
			return errf(p->err, p->errlen, CLI_EUSAGE,
				    "%s: unexpected argument '%s'", p->what, v);
		pos[k++] = v;
	}
	if (r < 0)
		return r;
	if (k < n)
		return errf(p->err, p->errlen, CLI_EUSAGE, "%s: missing %s",
			    p->what, names);
	return 0;
}

/* A single-valued option given a second time. */
static int set_once(struct argp *p, const struct optdef *d, const char **slot,
		    const char *val)
{
	if (*slot != NULL)
		return errf(p->err, p->errlen, CLI_EUSAGE, "%s: %s given twice",
			    p->what, d->name);
	*slot = val;
	return 0;
}

/* ---- values ---- */

/* Decimal S (no sign, no leading zero, as in the config) in LO..HI. */
static const char *parse_uint(const char *s, unsigned long long lo,
			      unsigned long long hi, unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0')
		return "empty";
	if (s[0] == '0' && s[1] != '\0')
		return "leading zero";
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return "not a decimal number";
		if (v > (ULLONG_MAX - 9) / 10)
			return "out of range";
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v < lo || v > hi)
		return "out of range";
	*out = v;
	return NULL;
}

/* Strict dotted quad S[0..N), the loader's rule (docs/configuration.md,
 * "Addresses"): decimal parts 0..255, no sign, no leading zeros (010 is
 * octal to inet_aton(): refuse to guess). */
static const char *parse_ipv4(const char *s, size_t n)
{
	const char *end = s + n;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part > 0) {
			if (s >= end || *s != '.')
				return "expected a.b.c.d";
			s++;
		}
		for (; s < end && *s >= '0' && *s <= '9'; s++, digits++)
			v = v * 10 + (unsigned)(*s - '0');
		if (digits == 0 || digits > 3)
			return "expected a.b.c.d";
		if (digits > 1 && s[-(int)digits] == '0')
			return "leading zero in an address part";
		if (v > 255)
			return "address part above 255";
	}
	return s == end ? NULL : "expected a.b.c.d";
}

/* "a.b.c.d:port", port 1..65535. */
static const char *parse_ip_port(const char *s)
{
	const char *colon = strrchr(s, ':');
	unsigned long long port;
	const char *why;

	if (colon == NULL)
		return "expected a.b.c.d:port";
	if ((why = parse_ipv4(s, (size_t)(colon - s))) != NULL)
		return why;
	if (parse_uint(colon + 1, 1, 65535, &port) != NULL)
		return "port must be 1..65535";
	return NULL;
}

static int check_addr(struct argp *p, const char *what, const char *v,
		      bool with_port)
{
	const char *why = with_port ? parse_ip_port(v) : parse_ipv4(v, strlen(v));

	if (why != NULL)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "%s: invalid %s '%s': %s", p->what, what, v, why);
	return 0;
}

static int check_uint(struct argp *p, const char *what, const char *v,
		      unsigned long long lo, unsigned long long hi,
		      unsigned long long *out)
{
	if (parse_uint(v, lo, hi, out) != NULL)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "%s: %s must be %llu..%llu (got '%s')", p->what,
			    what, lo, hi, v);
	return 0;
}

/* ---- commands ---- */

static void begin(struct jw *w, const char *cmd)
{
	jw_obj_begin(w);
	jw_key(w, "cmd");
	jw_str(w, cmd);
}

static void member_str(struct jw *w, const char *key, const char *v)
{
	if (v == NULL)
		return;
	jw_key(w, key);
	jw_str(w, v);
}

/* Commands whose only arguments are N positionals named in NAMES, sent as
 * the members KEYS. */
static int simple(struct argp *p, struct jw *w, const char *cmd, int n,
		  const char *names, const char *const *keys)
{
	const char *pos[2] = { NULL, NULL };
	int r;

	if ((r = argp_positionals(p, pos, n, names)) != 0)
		return r;
	begin(w, cmd);
	for (int i = 0; i < n; i++)
		member_str(w, keys[i], pos[i]);
	jw_obj_end(w);
	return 0;
}

static int cmd_stats(struct argp *p, struct jw *w)
{
	static const struct optdef defs[] = {
		{ "--per-worker", 0, false }, { NULL, 0, false },
	};
	const struct optdef *d;
	const char *v;
	bool per_worker = false;
	int r;

	while ((r = argp_next(p, defs, &d, &v)) == ARG_OPT)
		per_worker = true;
	if (r == ARG_POS)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "stats: unexpected argument '%s'", v);
	if (r < 0)
		return r;
	begin(w, "stats");
	if (per_worker) {
		jw_key(w, "per_worker");
		jw_bool(w, true);
	}
	jw_obj_end(w);
	return 0;
}

static int cmd_flows(struct argp *p, struct jw *w)
{
	static const struct optdef defs[] = {
		{ "--limit", 0, true }, { NULL, 0, false },
	};
	const struct optdef *d;
	const char *v, *limit = NULL;
	unsigned long long n = 0;
	int r;

	while ((r = argp_next(p, defs, &d, &v)) == ARG_OPT)
		if ((r = set_once(p, d, &limit, v)) != 0)
			return r;
	if (r == ARG_POS)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "flows: unexpected argument '%s'", v);
	if (r < 0)
		return r;
	/* 1000: steerd's bound on one sample (docs/control.md) */
	if (limit != NULL && (r = check_uint(p, "--limit", limit, 1, 1000, &n)) != 0)
		return r;
	begin(w, "flows");
	if (limit != NULL) {
		jw_key(w, "limit");
		jw_uint(w, n);
	}
	jw_obj_end(w);
	return 0;
}

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
	IA_PATH_REGEX, IA_PREVIEW,
};

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
			return errf(p->err, p->errlen, CLI_EUSAGE,
				    "%s: %s wants a %s only (got '%s')",
				    p->what, d->name, subj, v);
		m->subj_len = strlen(v);
		m->arg = NULL;
		return 0;
	}
	if (eq == NULL || eq == v)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "%s: %s wants %s=%s (got '%s')", p->what, d->name,
			    subj, strcmp(matcher_kinds[d->id].cond, "value") == 0 ?
			    "VALUE" : "PATTERN", v);
	if (eq[1] == '\0' && strcmp(matcher_kinds[d->id].cond, "value") != 0)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "%s: %s needs a non-empty %s after '='", p->what,
			    d->name, matcher_kinds[d->id].cond);
	m->subj_len = (size_t)(eq - v);
	m->arg = eq + 1;
	return 0;
}

static int cmd_intercept_add(struct argp *p, struct jw *w)
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
		{ NULL, 0, false },
	};
	struct matcher m[CONF_MAX_MATCHERS];
	const struct optdef *d, *path_opt = NULL;
	const char *v, *name = NULL, *service = NULL, *tunnel = NULL;
	const char *path = NULL, *preview = NULL;
	unsigned n = 0;
	int r;

	while ((r = argp_next(p, defs, &d, &v)) != ARG_END) {
		if (r < 0)
			return r;
		if (r == ARG_POS) {
			if (name != NULL)
				return errf(p->err, p->errlen, CLI_EUSAGE,
					    "%s: unexpected argument '%s'",
					    p->what, v);
			name = v;
			continue;
		}
		switch (d->id) {
		case IA_SERVICE:
			r = set_once(p, d, &service, v);
			break;
		case IA_TUNNEL:
			r = set_once(p, d, &tunnel, v);
			break;
		case IA_PREVIEW:
			r = set_once(p, d, &preview, v);
			break;
		case IA_PATH_EQUAL:
		case IA_PATH_PREFIX:
		case IA_PATH_REGEX:
			if (path_opt == d)
				return set_once(p, d, &path, v);
			if (path_opt != NULL)
				return errf(p->err, p->errlen, CLI_EUSAGE,
					    "%s: %s and %s exclude each other "
					    "(at most one path matcher)",
					    p->what, path_opt->name, d->name);
			if (*v == '\0')
				return errf(p->err, p->errlen, CLI_EUSAGE,
					    "%s: %s needs a non-empty value",
					    p->what, d->name);
			path_opt = d;
			path = v;
			r = 0;
			break;
		default:
			/* the loader's bound, so the message can say it */
			if (n == CONF_MAX_MATCHERS)
				return errf(p->err, p->errlen, CLI_EUSAGE,
					    "%s: at most %d header and baggage "
					    "matchers", p->what,
					    CONF_MAX_MATCHERS);
			r = parse_matcher(p, d, v, &m[n++]);
			break;
		}
		if (r != 0)
			return r;
	}
	if (name == NULL)
		return errf(p->err, p->errlen, CLI_EUSAGE, "%s: missing NAME",
			    p->what);
	if (service == NULL)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "%s: --service is required", p->what);
	if (tunnel == NULL)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "%s: --tunnel is required", p->what);

	begin(w, "intercept.add");
	member_str(w, "name", name);
	member_str(w, "service", service);
	member_str(w, "tunnel", tunnel);
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
		member_str(w, path_opt->id == IA_PATH_EQUAL ? "path_equal" :
			      path_opt->id == IA_PATH_PREFIX ? "path_prefix" :
			      "path_regex", path);
	member_str(w, "preview", preview);
	jw_obj_end(w);
	return 0;
}

enum { TA_TYPE, TA_TARGET, TA_REMOTE, TA_VNI, TA_SOURCE, TA_NO_FAIL_OPEN };

static int cmd_tunnel_add(struct argp *p, struct jw *w)
{
	static const struct optdef defs[] = {
		{ "--type", TA_TYPE, true },
		{ "--target", TA_TARGET, true },
		{ "--remote", TA_REMOTE, true },
		{ "--vni", TA_VNI, true },
		{ "--source", TA_SOURCE, true },
		{ "--no-fail-open", TA_NO_FAIL_OPEN, false },
		{ NULL, 0, false },
	};
	/* slots by option id; --no-fail-open stores a non-NULL marker */
	const char *o[TA_NO_FAIL_OPEN + 1] = { NULL };
	const struct optdef *d;
	const char *v, *name = NULL;
	unsigned long long vni = 0;
	bool vxlan;
	int r;

	while ((r = argp_next(p, defs, &d, &v)) != ARG_END) {
		if (r < 0)
			return r;
		if (r == ARG_POS) {
			if (name != NULL)
				return errf(p->err, p->errlen, CLI_EUSAGE,
					    "%s: unexpected argument '%s'",
					    p->what, v);
			name = v;
			continue;
		}
		if ((r = set_once(p, d, &o[d->id], v ? v : "")) != 0)
			return r;
	}
	if (name == NULL)
		return errf(p->err, p->errlen, CLI_EUSAGE, "%s: missing NAME",
			    p->what);
	if (o[TA_TYPE] == NULL)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "%s: --type is required (direct or vxlan)", p->what);
	vxlan = strcmp(o[TA_TYPE], "vxlan") == 0;
	if (!vxlan && strcmp(o[TA_TYPE], "direct") != 0)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "%s: --type must be direct or vxlan (got '%s')",
			    p->what, o[TA_TYPE]);
	if (o[TA_TARGET] == NULL)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "%s: --target IP:PORT is required", p->what);
	if ((r = check_addr(p, "--target", o[TA_TARGET], true)) != 0)
		return r;
	for (int i = TA_REMOTE; i <= TA_SOURCE; i++) {
		if (vxlan && o[i] == NULL)
			return errf(p->err, p->errlen, CLI_EUSAGE,
				    "%s: a vxlan tunnel needs %s", p->what,
				    defs[i].name);
		if (!vxlan && o[i] != NULL)
			return errf(p->err, p->errlen, CLI_EUSAGE,
				    "%s: %s is only for vxlan tunnels", p->what,
				    defs[i].name);
	}
	if (vxlan) {
		if ((r = check_addr(p, "--remote", o[TA_REMOTE], false)) != 0 ||
		    (r = check_addr(p, "--source", o[TA_SOURCE], false)) != 0)
			return r;
		/* 24 bits, RFC 7348 section 5 */
		if ((r = check_uint(p, "--vni", o[TA_VNI], 0, 16777215, &vni)) != 0)
			return r;
	}

	begin(w, "tunnel.add");
	member_str(w, "name", name);
	member_str(w, "type", o[TA_TYPE]);
	member_str(w, "target", o[TA_TARGET]);
	if (vxlan) {
		member_str(w, "remote", o[TA_REMOTE]);
		jw_key(w, "vni");
		jw_uint(w, vni);
		member_str(w, "source", o[TA_SOURCE]);
	}
	if (o[TA_NO_FAIL_OPEN] != NULL) {
		jw_key(w, "fail_open");
		jw_bool(w, false);
	}
	jw_obj_end(w);
	return 0;
}

/* backend add|remove|drain SERVICE ADDR; only add takes --weight. */
static int cmd_backend(struct argp *p, struct jw *w, const char *cmd,
		       bool weight_ok)
{
	static const struct optdef with_weight[] = {
		{ "--weight", 0, true }, { NULL, 0, false },
	};
	static const struct optdef none[] = { { NULL, 0, false } };
	const struct optdef *d;
	const char *v, *pos[2] = { NULL, NULL }, *weight = NULL;
	unsigned long long wt = 0;
	int n = 0, r;

	while ((r = argp_next(p, weight_ok ? with_weight : none, &d, &v)) != ARG_END) {
		if (r < 0)
			return r;
		if (r == ARG_OPT) {
			if ((r = set_once(p, d, &weight, v)) != 0)
				return r;
			continue;
		}
		if (n == 2)
			return errf(p->err, p->errlen, CLI_EUSAGE,
				    "%s: unexpected argument '%s'", p->what, v);
		pos[n++] = v;
	}
	if (n < 2)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "%s: missing %s", p->what,
			    n == 0 ? "SERVICE and IP:PORT" : "IP:PORT");
	if ((r = check_addr(p, "backend address", pos[1], true)) != 0)
		return r;
	if (weight != NULL &&
	    (r = check_uint(p, "--weight", weight, 1, 1000, &wt)) != 0)
		return r;
	begin(w, cmd);
	member_str(w, "service", pos[0]);
	member_str(w, "address", pos[1]);
	if (weight != NULL) {
		jw_key(w, "weight");
		jw_uint(w, wt);
	}
	jw_obj_end(w);
	return 0;
}

static int cmd_reload(struct argp *p, struct jw *w)
{
	static const struct optdef none[] = { { NULL, 0, false } };
	const struct optdef *d;
	const char *v, *file = NULL;
	char *abs = NULL;
	int r;

	while ((r = argp_next(p, none, &d, &v)) == ARG_POS) {
		if (file != NULL)
			return errf(p->err, p->errlen, CLI_EUSAGE,
				    "reload: unexpected argument '%s'", v);
		file = v;
	}
	if (r < 0)
		return r;
	/* steerd reads the path itself, from its own working directory:
	 * send it absolute, and fail here, naming the file as the loader
	 * would, rather than with a less telling message from steerd */
	if (file != NULL && (abs = realpath(file, NULL)) == NULL)
		return errf(p->err, p->errlen, CLI_EFAIL, "%s: cannot read: %s",
			    file, strerror(errno));
	begin(w, "reload");
	member_str(w, "path", abs);
	jw_obj_end(w);
	free(abs);
	return 0;
}

/* The sub-commands of a noun ("intercept add"). */
struct verb {
	const char *name;
	int (*fn)(struct argp *p, struct jw *w);
};

static int ic_remove(struct argp *p, struct jw *w)
{
	static const char *const keys[] = { "name" };

	return simple(p, w, "intercept.remove", 1, "NAME", keys);
}

static int ic_list(struct argp *p, struct jw *w)
{
	return simple(p, w, "intercept.list", 0, "", NULL);
}

static int tn_remove(struct argp *p, struct jw *w)
{
	static const char *const keys[] = { "name" };

	return simple(p, w, "tunnel.remove", 1, "NAME", keys);
}

static int tn_list(struct argp *p, struct jw *w)
{
	return simple(p, w, "tunnel.list", 0, "", NULL);
}

static int be_add(struct argp *p, struct jw *w)
{
	return cmd_backend(p, w, "backend.add", true);
}

static int be_remove(struct argp *p, struct jw *w)
{
	return cmd_backend(p, w, "backend.remove", false);
}

static int be_drain(struct argp *p, struct jw *w)
{
	return cmd_backend(p, w, "backend.drain", false);
}

static int be_list(struct argp *p, struct jw *w)
{
	return simple(p, w, "backend.list", 0, "", NULL);
}

static const struct verb intercept_verbs[] = {
	{ "add", cmd_intercept_add }, { "remove", ic_remove },
	{ "list", ic_list }, { NULL, NULL },
};
static const struct verb tunnel_verbs[] = {
	{ "add", cmd_tunnel_add }, { "remove", tn_remove },
	{ "list", tn_list }, { NULL, NULL },
};
static const struct verb backend_verbs[] = {
	{ "add", be_add }, { "remove", be_remove }, { "drain", be_drain },
	{ "list", be_list }, { NULL, NULL },
};

static int noun(struct argp *p, struct jw *w, const struct verb *verbs,
		const char *choices)
{
	const char *noun = p->argv[0];

	if (p->argc < 2)
		return errf(p->err, p->errlen, CLI_EUSAGE,
			    "%s: missing sub-command (%s)", noun, choices);
	for (const struct verb *v = verbs; v->name != NULL; v++) {
		if (strcmp(p->argv[1], v->name) != 0)
			continue;
		snprintf(p->what_buf, sizeof(p->what_buf), "%s %s", noun,
			 v->name);
		p->what = p->what_buf;
		p->i = 2;
		return v->fn(p, w);
	}
	return errf(p->err, p->errlen, CLI_EUSAGE,
		    "%s: unknown sub-command '%s' (%s)", noun, p->argv[1],
		    choices);
}

int cli_request(int argc, char **argv, struct jw *out, char *err,
		size_t errlen)
{
	static const char *const none[] = { NULL };
	struct argp p = {
		.argc = argc, .argv = argv, .i = 1, .err = err, .errlen = errlen,
	};
	const char *cmd;
	int r;

	if (argc < 1)
		return errf(err, errlen, CLI_EUSAGE, "missing command");
	cmd = p.what = argv[0];
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "dump") == 0)
		r = simple(&p, out, cmd, 0, "", none);
	else if (strcmp(cmd, "stats") == 0)
		r = cmd_stats(&p, out);
	else if (strcmp(cmd, "flows") == 0)
		r = cmd_flows(&p, out);
	else if (strcmp(cmd, "reload") == 0)
		r = cmd_reload(&p, out);
	else if (strcmp(cmd, "intercept") == 0)
		r = noun(&p, out, intercept_verbs, "add, remove, list");
	else if (strcmp(cmd, "tunnel") == 0)
		r = noun(&p, out, tunnel_verbs, "add, remove, list");
	else if (strcmp(cmd, "backend") == 0)
		r = noun(&p, out, backend_verbs, "add, remove, drain, list");
	else if (strcmp(cmd, "check") == 0 || strcmp(cmd, "watch") == 0 ||
		 strcmp(cmd, "help") == 0)
		r = errf(err, errlen, CLI_EUSAGE,
			 "%s: sends no request to steerd", cmd);
	else
		r = errf(err, errlen, CLI_EUSAGE, "unknown command '%s'", cmd);
	if (r == 0 && out->failed)
		r = errf(err, errlen, CLI_EFAIL, "out of memory");
	return r;
}

int cli_file_arg(int argc, char **argv, const char **file, char *err,
		 size_t errlen)
{
	struct argp p = {
		.argc = argc, .argv = argv, .i = 1, .what = argv[0],
		.err = err, .errlen = errlen,
	};

	return argp_positionals(&p, file, 1, "FILE");
}

/* Seconds as "S", "S.F": a positive decimal number, at most a day. */
static int parse_timeout(const char *s, int *ms)
{
	char *end;
	double v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || v <= 0 || v > 86400)
		return -1;
	*ms = (int)(v * 1000 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

int cli_global(int argc, char **argv, struct cli_opts *o, char *err,
	       size_t errlen)
{
	enum { G_SOCKET, G_JSON, G_TIMEOUT, G_HELP, G_H };
	static const struct optdef defs[] = {
		{ "--socket", G_SOCKET, true },
		{ "--json", G_JSON, false },
		{ "--timeout", G_TIMEOUT, true },
		{ "--help", G_HELP, false },
		{ "-h", G_H, false },
		{ NULL, 0, false },
	};
	struct argp p = {
		.argc = argc, .argv = argv, .i = 1, .what = "steerctl",
		.err = err, .errlen = errlen,
	};
	const struct optdef *d;
	const char *v;
	int r;

	for (;;) {
		r = argp_next(&p, defs, &d, &v);
		if (r == ARG_END)
			return argc;
		if (r == ARG_POS)
			return p.i - 1;   /* the word argp_next() stepped over */
		if (r < 0)
			return r;
		switch (d->id) {
		case G_SOCKET:
			if (*v == '\0')
				return errf(err, errlen, CLI_EUSAGE,
					    "steerctl: --socket needs a path");
			o->socket = v;
			break;
		case G_JSON:
			o->json = true;
			break;
		case G_TIMEOUT:
			if (parse_timeout(v, &o->timeout_ms) != 0)
				return errf(err, errlen, CLI_EUSAGE,
					    "steerctl: --timeout wants seconds "
					    "above 0, at most 86400 (got '%s')",
					    v);
			break;
		default:
			o->help = true;
			break;
		}
	}
}

void cli_usage(FILE *out)
{
	fputs(
"usage: steerctl [--socket PATH] [--json] [--timeout S] COMMAND ...\n"
"\n"
"Talks to steerd over its control socket: --socket, else $STEER_SOCKET,\n"
"else " CLI_SOCKET_DEFAULT ". --json prints steerd's raw response;\n"
"--timeout bounds each request in seconds (default 30).\n"
"\n"
"Commands:\n"
"  status                      version, uptime, workers, ports, generation\n"
"  stats [--per-worker]        non-zero counters, drops by reason, decisions\n"
"  intercept add NAME --service S --tunnel T [MATCHER]... [PATH]\n"
"                [--preview TOKEN]\n"
"      MATCHER (all must hold, at most 8):\n"
"        --header NAME=VALUE        --baggage KEY=VALUE\n"
"        --header-prefix NAME=P     --baggage-prefix KEY=P\n"
"        --header-regex NAME=RE     --baggage-regex KEY=RE\n"
"        --header-present NAME      --baggage-present KEY\n"
"      PATH (at most one): --path-equal P | --path-prefix P | --path-regex RE\n"
"  intercept remove NAME\n"
"  intercept list\n"
"  tunnel add NAME --type direct --target IP:PORT [--no-fail-open]\n"
"  tunnel add NAME --type vxlan --remote IP --vni N --source IP\n"
"                --target IP:PORT [--no-fail-open]\n"
"  tunnel remove NAME          refused while an intercept uses it\n"
"  tunnel list\n"
"  backend add SERVICE IP:PORT [--weight N]\n"
"  backend remove SERVICE IP:PORT\n"
"  backend drain SERVICE IP:PORT\n"
"                              no new flows; existing ones finish\n"
"  backend list                every backend: up, down or unchecked (no\n"
"                              health checks), checks, last failure\n"
"  reload [FILE]               load FILE; without FILE, steerd reloads the\n"
"                              file it was started with\n"
"  dump                        print a configuration file that reproduces\n"
"                              the running rules\n"
"  watch FILE                  reload FILE now and whenever it changes, until\n"
"                              interrupted; waits for steerd if it is down\n"
"  flows [--limit N]           a sample of the current flows (default 20,\n"
"                              at most 1000)\n"
"  check FILE                  validate FILE offline, as steerd would\n"
"  help                        this text\n"
"\n"
"Every change is validated like a whole file: a refused one leaves the\n"
"running rules in place, and the message names the line.\n"
"Exit status: 0 success, 1 error (reason on stderr), 2 usage error.\n",
	      out);
}
