/* The configuration loader's toolkit: string checks, then typed getters
 * over libconfig settings with "file:line: what" messages; see
 * conf_parse.h.
 *
 * Character classes are spelled out in ASCII rather than taken from
 * <ctype.h>: the answer must not depend on the locale, and a byte >= 0x80
 * must not reach isalpha() as a negative int. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_parse.h"

/* ==== string checks ==== */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A decimal number of at most MAX_DIGITS digits at *SP, no sign, no leading
 * zero. Advances *SP. Returns false if there is none or it is malformed. */
static bool decimal(const char **sp, unsigned max_digits, uint32_t *out)
{
	const char *s = *sp;
	uint32_t v = 0;
	unsigned n = 0;

	while (is_digit(s[n])) {
		if (n == max_digits)
			return false;
		v = v * 10 + (uint32_t)(s[n] - '0');
		n++;
	}
	/* "010" is octal to inet_aton() and decimal to us: refuse to guess. */
	if (n == 0 || (n > 1 && s[0] == '0'))
		return false;
	*sp = s + n;
	*out = v;
	return true;
}

/* The a.b.c.d at *SP; advances *SP past it. */
static const char *dotted_quad(const char **sp, uint32_t *ip)
{
	const char *s = *sp;
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		uint32_t octet;

		if (i > 0 && *s++ != '.')
			return "expected a.b.c.d";
		if (!is_digit(*s))
			return "expected a.b.c.d";
		if (!decimal(&s, 3, &octet))
			return "parts of a.b.c.d must be decimal 0..255 without leading zeros";
		if (octet > 255)
			return "parts of a.b.c.d must be 0..255";
		v = v << 8 | octet;
	}
	*sp = s;
	*ip = v;
	return NULL;
}

const char *conf_parse_ipv4(const char *s, uint32_t *ip)
{
	const char *why = dotted_quad(&s, ip);

	if (why == NULL && *s != '\0')
		why = "unexpected characters after a.b.c.d";
	return why;
}

const char *conf_parse_prefix(const char *s, unsigned min_len, bool host_bits,
			      uint32_t *ip, uint8_t *plen)
{
	uint32_t addr, len;
	const char *why = dotted_quad(&s, &addr);

	if (why != NULL)
		return why;
	if (*s++ != '/')
		return "expected a.b.c.d/len";
	if (!decimal(&s, 2, &len) || *s != '\0' || len < min_len || len > 32)
		return min_len == 0 ? "prefix length must be 0..32" :
				      "prefix length must be 1..32";
	/* len == 0 would shift by 32, which C leaves undefined. */
	uint32_t mask = len == 0 ? 0 : UINT32_MAX << (32 - len);
	if (!host_bits && (addr & ~mask) != 0)
		return "bits after the prefix length must be zero";
	*ip = addr;
	*plen = (uint8_t)len;
	return NULL;
}

const char *conf_parse_ip_port(const char *s, uint32_t *ip, uint16_t *port)
{
	uint32_t addr, p;
	const char *why = dotted_quad(&s, &addr);

	if (why != NULL)
		return why;
	if (*s++ != ':')
		return "expected a.b.c.d:port";
	if (!decimal(&s, 5, &p) || *s != '\0' || p < 1 || p > 65535)
		return "port must be 1..65535";
	*ip = addr;
	*port = (uint16_t)p;
	return NULL;
}

static const char *check_chars(const char *s, const char *extra,
			       const char *why)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CONF_NAME_MAX)
		return "must be 1 to 63 characters long";
	for (; *s != '\0'; s++)
		if (!is_alnum(*s) && strchr(extra, *s) == NULL)
			return why;
	return NULL;
}

const char *conf_check_name(const char *s)
{
	return check_chars(s, "._-",
			   "may contain only letters, digits, '.', '_' and '-'");
}

const char *conf_check_device(const char *s)
{
	return check_chars(s, "._:-",
			   "may contain only letters, digits, '.', '_', ':' and '-'");
}

const char *conf_check_token(const char *s)
{
	/* tchar, RFC 9110 section 5.6.2 */
	static const char tchar[] = "!#$%&'*+-.^_`|~";

	if (*s == '\0')
		return "must not be empty";
	for (; *s != '\0'; s++)
		if (!is_alnum(*s) && strchr(tchar, *s) == NULL)
			return "may contain only token characters (RFC 9110 section 5.6.2)";
	return NULL;
}

/* The DNS label S[0..LEN) (RFC 1123 section 2.1: a leading digit is fine).
 * CHARS_WHY words the character error for the caller's kind of string. */
static const char *check_label(const char *s, size_t len, const char *chars_why)
{
	if (len == 0)
		return "must not contain an empty label (\"..\")";
	if (len > 63)
		return "labels must be 1 to 63 characters long";
	if (s[0] == '-' || s[len - 1] == '-')
		return "labels must not start or end with '-'";
	for (size_t i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return chars_why;
	return NULL;
}

const char *conf_check_label(const char *s)
{
	if (*s == '\0')
		return "must not be empty";
	return check_label(s, strlen(s),
			   "may contain only letters, digits and '-'");
}

const char *conf_check_host(const char *s, bool suffix)
{
	static const char host_chars[] =
		"may contain only letters, digits, '-' and '.'";
	size_t n = strlen(s);

	if (n == 0)
		return "must not be empty";
	if (strchr(s, ':') != NULL)
		return "must not contain a port";
	if (s[0] == '.') {
		if (!suffix)
			return "must not start with a dot";
		s++;
		n--;
	}
	/* RFC 1035 section 2.3.4: 255 octets on the wire, 253 as text. */
	if (n == 0 || n > 253)
		return "must be 1 to 253 characters long";
	if (s[n - 1] == '.')
		return "must not end with a dot";
	for (;;) {
		size_t len = strcspn(s, ".");
		const char *why = check_label(s, len, host_chars);

		if (why != NULL)
			return why;
		if (s[len] == '\0')
			return NULL;
		s += len + 1;
	}
}

const char *conf_check_path(const char *s)
{
	if (s[0] != '/')
		return "must start with '/'";
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == 0x7f)
			return "must not contain spaces or control characters";
		if (c == '?' || c == '#')
			return "must not contain '?' or '#' (paths are matched without the query string)";
	}
	return NULL;
}

bool conf_has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

void conf_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* ==== the loader ==== */

int ld_line(const config_setting_t *s)
{
	/* The root group has line 0: point at the top of the file instead. */
	int line = s != NULL ? (int)config_setting_source_line(s) : 0;

	return line > 0 ? line : 1;
}

/* Writes "file:LINE: <fmt>" into the caller's buffer. Returns -EINVAL so
 * callers can `return ld_fail_at(...)`. */
int ld_fail_at(struct conf_loader *l, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->err == NULL || l->errlen == 0)
		return -EINVAL;
	n = snprintf(l->err, l->errlen, "%s:%d: ", l->file, line);
	if (n < 0 || (size_t)n >= l->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int ld_oom(struct conf_loader *l)
{
	if (l->err != NULL && l->errlen > 0)
		snprintf(l->err, l->errlen, "%s: out of memory", l->file);
	return -ENOMEM;
}

/* "invalid 'KEY' "VALUE": WHY" at S's line, when a string check said WHY. */
int ld_invalid(struct conf_loader *l, const config_setting_t *s,
	       const char *key, const char *value, const char *why)
{
	return ld_fail(l, s, "invalid '%s' \"%.80s\": %s", key, value, why);
}

/* ---- typed getters ----
 * Each looks KEY up in group G. An absent optional key leaves *OUT alone (it
 * already holds the default); an absent required one is an error at G's
 * line naming WHAT, the element G describes. */

static int ld_missing(struct conf_loader *l, const config_setting_t *g,
		      const char *key, const char *what)
{
	return ld_fail(l, g, "missing '%s' in %s", key, what);
}

int ld_get_u32(struct conf_loader *l, const config_setting_t *g,
	       const char *key, const char *what, bool required,
	       long long lo, long long hi, uint32_t *out)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	long long v;

	if (s == NULL)
		return required ? ld_missing(l, g, key, what) : 0;
	/* libconfig types a literal INT64 only with an L suffix; both are
	 * integers to an operator. */
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return ld_fail(l, s, "'%s' must be an integer", key);
	v = config_setting_get_int64(s);
	if (v < lo || v > hi)
		return ld_fail(l, s, "'%s' must be between %lld and %lld (got %lld)",
			       key, lo, hi, v);
	*out = (uint32_t)v;
	return 0;
}

int ld_get_bool(struct conf_loader *l, const config_setting_t *g,
		const char *key, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return ld_fail(l, s, "'%s' must be true or false", key);
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

/* *OUT points into libconfig's tree: copy it before config_destroy(). */
int ld_get_string(struct conf_loader *l, const config_setting_t *g,
		  const char *key, const char *what, bool required,
		  const char **out)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	const char *v;

	if (s == NULL)
		return required ? ld_missing(l, g, key, what) : 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return ld_fail(l, s, "'%s' must be a string", key);
	v = config_setting_get_string(s);
	if (conf_has_crlf(v))
		return ld_fail(l, s, "'%s' must not contain CR or LF", key);
	*out = v;
	return 0;
}

/* A string checked by CHECK (one of conf_check_*), or NULL when absent. */
int ld_get_checked(struct conf_loader *l, const config_setting_t *g,
		   const char *key, const char *what, bool required,
		   const char *(*check)(const char *), const char **out)
{
	const char *v = NULL, *why;
	int rc = ld_get_string(l, g, key, what, required, &v);

	if (rc != 0 || v == NULL)
		return rc;
	why = check(v);
	if (why != NULL)
		return ld_invalid(l, config_setting_get_member(g, key), key, v, why);
	*out = v;
	return 0;
}

int ld_get_ipv4(struct conf_loader *l, const config_setting_t *g,
		const char *key, const char *what, uint32_t *ip)
{
	const char *v = NULL, *why;
	int rc = ld_get_string(l, g, key, what, true, &v);

	if (rc != 0)
		return rc;
	why = conf_parse_ipv4(v, ip);
	return why ? ld_invalid(l, config_setting_get_member(g, key), key, v, why) : 0;
}

int ld_get_ip_port(struct conf_loader *l, const config_setting_t *g,
		   const char *key, const char *what, uint32_t *ip,
		   uint16_t *port)
{
	const char *v = NULL, *why;
	int rc = ld_get_string(l, g, key, what, true, &v);

	if (rc != 0)
		return rc;
	why = conf_parse_ip_port(v, ip, port);
	return why ? ld_invalid(l, config_setting_get_member(g, key), key, v, why) : 0;
}

/* Copy V into *DST (heap). */
int ld_dup(struct conf_loader *l, const char *v, char **dst)
{
	*dst = strdup(v);
	return *dst != NULL ? 0 : ld_oom(l);
}

/* A group KEY of G, or NULL (*OUT) when absent and optional. */
int ld_get_group(struct conf_loader *l, const config_setting_t *g,
		 const char *key, bool required, config_setting_t **out)
{
	config_setting_t *s = config_setting_get_member(g, key);

	*out = NULL;
	if (s == NULL)
		return required ? ld_fail(l, g, "missing section '%s'", key) : 0;
	if (!config_setting_is_group(s))
		return ld_fail(l, s, "'%s' must be a group { ... }", key);
	*out = s;
	return 0;
}

/* A list KEY of G holding groups, and its length; absent means empty. An
 * empty array "[]" is taken as an empty list: both read as "none". */
int ld_get_list(struct conf_loader *l, const config_setting_t *g,
		const char *key, bool required, config_setting_t **out,
		unsigned *n)
{
	config_setting_t *s = config_setting_get_member(g, key);

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return required ? ld_fail(l, g, "missing section '%s'", key) : 0;
	if (!config_setting_is_list(s) &&
	    !(config_setting_is_array(s) && config_setting_length(s) == 0))
		return ld_fail(l, s, "'%s' must be a list ( { ... }, ... )", key);
	*out = s;
	*n = (unsigned)config_setting_length(s);
	if (required && *n == 0)
		return ld_fail(l, s, "'%s' must not be empty", key);
	return 0;
}

/* Element I of list LIST, which must be a group; WHAT names the list's
 * elements ("port"). */
int ld_get_elem(struct conf_loader *l, const config_setting_t *list,
		unsigned i, const char *what, config_setting_t **out)
{
	*out = config_setting_get_elem(list, i);
	if (!config_setting_is_group(*out))
		return ld_fail(l, *out, "each %s must be a group { ... }", what);
	return 0;
}

/* Every member of G must be in ALLOWED (NULL-terminated): a misspelt key
 * would otherwise silently fall back to its default. */
int ld_check_keys(struct conf_loader *l, const config_setting_t *g,
		  const char *const *allowed, const char *what)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		const char *const *a;

		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, name) == 0)
				break;
		if (*a == NULL)
			return ld_fail(l, s, "unknown key '%s' in %s", name, what);
	}
	return 0;
}

/* "KIND 'name'" for element E's messages, or "KIND #N" (1-based) while its
 * name is missing or invalid. */
void ld_describe(char *buf, const char *kind, const config_setting_t *e,
		 unsigned i)
{
	const config_setting_t *n = config_setting_get_member(e, "name");

	if (n != NULL && config_setting_type(n) == CONFIG_TYPE_STRING &&
	    conf_check_name(config_setting_get_string(n)) == NULL)
		snprintf(buf, LD_WHAT_MAX, "%s '%s'", kind,
			 config_setting_get_string(n));
	else
		snprintf(buf, LD_WHAT_MAX, "%s #%u", kind, i + 1);
}

int ld_get_name(struct conf_loader *l, const config_setting_t *e,
		const char *what, char out[CONF_NAME_MAX])
{
	const char *v = NULL;
	int rc = ld_get_checked(l, e, "name", what, true, conf_check_name, &v);

	if (rc == 0)
		snprintf(out, CONF_NAME_MAX, "%s", v);
	return rc;
}

/* ---- uniqueness ----
 * Keys are sorted, so a config with thousands of intercepts is checked in
 * O(n log n); the repeat reported is the first one in file order, as a
 * reader scanning the file would find it. */

static const char *key_str(const struct ld_key *k)
{
	return k->str != NULL ? k->str : k->buf;
}

static int key_cmp(const void *a, const void *b)
{
	const struct ld_key *x = a, *y = b;
	int c = strcmp(key_str(x), key_str(y));

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int ld_keys_new(struct conf_loader *l, unsigned n, struct ld_key **out)
{
	*out = calloc(n > 0 ? n : 1, sizeof(**out));
	return *out != NULL ? 0 : ld_oom(l);
}

/* Sorts K and reports the first repeat in file order, if any. */
static int keys_check(struct conf_loader *l, struct ld_key *k, unsigned n,
		      const char *kind)
{
	const struct ld_key *dup = NULL, *first = NULL;

	qsort(k, n, sizeof(*k), key_cmp);
	for (unsigned i = 1; i < n; i++) {
		/* only the second element of each run of equal keys */
		if (strcmp(key_str(&k[i]), key_str(&k[i - 1])) != 0 ||
		    (i >= 2 && strcmp(key_str(&k[i - 1]), key_str(&k[i - 2])) == 0))
			continue;
		if (dup == NULL || k[i].idx < dup->idx) {
			dup = &k[i];
			first = &k[i - 1];
		}
	}
	if (dup != NULL)
		return ld_fail_at(l, dup->line, "duplicate %s '%s' (first at line %d)",
				  kind, key_str(dup), first->line);
	return 0;
}

int ld_keys_unique(struct conf_loader *l, struct ld_key *k, unsigned n,
		   const char *kind)
{
	int rc = keys_check(l, k, n, kind);

	free(k);
	return rc;
}

void ld_key_addr(struct ld_key *k, unsigned idx, int line, uint32_t ip,
		 const char *sep, unsigned num)
{
	snprintf(k->buf, sizeof(k->buf), "%u.%u.%u.%u%s%u", ip >> 24,
		 (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff, sep, num);
	k->str = NULL;
	k->idx = idx;
	k->line = line;
}

int ld_unique_names(struct conf_loader *l, const char *base, size_t stride,
		    size_t line_off, unsigned n, const char *kind,
		    struct ld_key **index)
{
	struct ld_key *k;
	int rc = ld_keys_new(l, n, &k);

	if (rc != 0)
		return rc;
	for (unsigned i = 0; i < n; i++) {
		const char *e = base + i * stride;

		k[i].str = e;
		k[i].idx = i;
		memcpy(&k[i].line, e + line_off, sizeof(int));
	}
	rc = keys_check(l, k, n, kind);
	if (rc == 0 && index != NULL)
		*index = k;
	else
		free(k);
	return rc;
}

static int key_find_cmp(const void *name, const void *key)
{
	return strcmp(name, key_str(key));
}

int ld_find(const struct ld_key *index, unsigned n, const char *name)
{
	const struct ld_key *k = index != NULL ?
		bsearch(name, index, n, sizeof(*index), key_find_cmp) : NULL;

	return k != NULL ? (int)k->idx : -1;
}
