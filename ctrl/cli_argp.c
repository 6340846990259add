/* Walking steerctl's command-line words (struct argp, cli-int.h), the
 * checks of the values they carry (numbers and addresses in the forms
 * docs/configuration.md gives), and the pieces every request is built
 * from. */
#include <limits.h>
#include <string.h>

#include "cli-int.h"

/* ---- command-line walking ---- */

int argp_next(struct argp *p, const struct optdef *defs,
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
				return cli_errf(p->err, p->errlen, CLI_EUSAGE,
						"%s: %s takes no value",
						p->what, d->name);
			return ARG_OPT;
		}
		if (a[n] == '=') {
			*val = a + n + 1;
			return ARG_OPT;
		}
		/* "--service --tunnel t" forgot a value; a value that really
		 * starts with "--" can still be given as --service=--x */
		if (p->i >= p->argc || strncmp(p->argv[p->i], "--", 2) == 0)
			return cli_errf(p->err, p->errlen, CLI_EUSAGE,
					"%s: %s needs a value", p->what,
					d->name);
		*val = p->argv[p->i++];
		return ARG_OPT;
	}
	return cli_errf(p->err, p->errlen, CLI_EUSAGE,
			"%s: unknown option '%s'", p->what, a);
}

int argp_positionals(struct argp *p, const char **pos, int n,
		     const char *names)
{
	static const struct optdef none[] = { { NULL, 0, false } };
	const struct optdef *d;
	const char *v;
	int k = 0, r;

	while ((r = argp_next(p, none, &d, &v)) == ARG_POS) {
		if (k == n)
			return cli_errf(p->err, p->errlen, CLI_EUSAGE,
					"%s: unexpected argument '%s'", p->what,
					v);
		pos[k++] = v;
	}
	if (r < 0)
		return r;
	if (k < n)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE, "%s: missing %s",
				p->what, names);
	return 0;
}

int argp_one_name(struct argp *p, const char **name, const char *val)
{
	if (*name != NULL)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: unexpected argument '%s'", p->what, val);
	*name = val;
	return 0;
}

int argp_set_once(struct argp *p, const struct optdef *d, const char **slot,
		  const char *val)
{
	if (*slot != NULL)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: %s given twice", p->what, d->name);
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

int argp_check_addr(struct argp *p, const char *what, const char *v,
		    bool with_port)
{
	const char *why = with_port ? parse_ip_port(v) : parse_ipv4(v, strlen(v));

	if (why != NULL)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: invalid %s '%s': %s", p->what, what, v,
				why);
	return 0;
}

int argp_check_uint(struct argp *p, const char *what, const char *v,
		    unsigned long long lo, unsigned long long hi,
		    unsigned long long *out)
{
	if (parse_uint(v, lo, hi, out) != NULL)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: %s must be %llu..%llu (got '%s')", p->what,
				what, lo, hi, v);
	return 0;
}

/* ---- requests ---- */

void req_begin(struct jw *w, const char *cmd)
{
	jw_obj_begin(w);
	jw_key(w, "cmd");
	jw_str(w, cmd);
}

void req_str(struct jw *w, const char *key, const char *v)
{
	if (v == NULL)
		return;
	jw_key(w, key);
	jw_str(w, v);
}

int req_simple(struct argp *p, struct jw *w, const char *cmd, int n,
	       const char *names, const char *const *keys)
{
	const char *pos[2] = { NULL, NULL };
	int r;

	if ((r = argp_positionals(p, pos, n, names)) != 0)
		return r;
	req_begin(w, cmd);
	for (int i = 0; i < n; i++)
		req_str(w, keys[i], pos[i]);
	jw_obj_end(w);
	return 0;
}

int req_none(struct argp *p, struct jw *w, const char *cmd)
{
	return req_simple(p, w, cmd, 0, "", NULL);
}

int req_name(struct argp *p, struct jw *w, const char *cmd)
{
	static const char *const keys[] = { "name" };

	return req_simple(p, w, cmd, 1, "NAME", keys);
}

int argp_noun(struct argp *p, struct jw *w, const struct verb *verbs)
{
	const char *noun = p->argv[0];
	char choices[64];
	size_t n = 0;

	/* "add, remove, list" for the messages */
	choices[0] = '\0';
	for (const struct verb *v = verbs; v->name != NULL; v++) {
		int k = snprintf(choices + n, sizeof(choices) - n, "%s%s",
				 n ? ", " : "", v->name);

		if (k < 0 || (size_t)k >= sizeof(choices) - n)
			break;
		n += (size_t)k;
	}
	if (p->argc < 2)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: missing sub-command (%s)", noun, choices);
	for (const struct verb *v = verbs; v->name != NULL; v++) {
		if (strcmp(p->argv[1], v->name) != 0)
			continue;
		snprintf(p->what_buf, sizeof(p->what_buf), "%s %s", noun,
			 v->name);
		p->what = p->what_buf;
		p->i = 2;
		return v->fn(p, w, v->cmd);
	}
	return cli_errf(p->err, p->errlen, CLI_EUSAGE,
			"%s: unknown sub-command '%s' (%s)", noun, p->argv[1],
			choices);
}
