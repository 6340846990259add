/* The toolkit behind the configuration loader (conf.c and the section
 * files conf_load.h lists), which keep only the schema: one function per
 * section.
 *
 * Two layers:
 * - string checks (conf_parse_*, conf_check_*): addresses, names, tokens,
 *   host names, paths. Pure functions on C strings, no allocation, no
 *   libconfig. Each returns NULL when S is acceptable, else a short reason
 *   ("port must be 1..65535"). Addresses are IPv4 in host byte order.
 * - the loader (ld_*): typed getters over libconfig settings that turn
 *   every problem into the one "file:line: what" message and return
 *   -EINVAL (-ENOMEM when out of memory), plus unknown-key and duplicate
 *   detection. The first error wins: callers return as soon as one fails.
 * Private to libsteer; not an API. */
#ifndef STEER_CONF_PARSE_H
#define STEER_CONF_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libconfig.h>

#include "conf-t.h"

/* ---- string checks ---- */

/* "a.b.c.d": strict dotted quad, each part 0..255 in decimal without a sign
 * or leading zeros, nothing after it. */
const char *conf_parse_ipv4(const char *s, uint32_t *ip);

/* "a.b.c.d/len" with MIN_LEN <= len <= 32. With HOST_BITS false the bits
 * below len must be zero (a route prefix); true allows them (a port's own
 * address within its subnet). */
const char *conf_parse_prefix(const char *s, unsigned min_len, bool host_bits,
			      uint32_t *ip, uint8_t *plen);

/* "a.b.c.d:port", port 1..65535. */
const char *conf_parse_ip_port(const char *s, uint32_t *ip, uint16_t *port);

/* Object names: [A-Za-z0-9._-]{1,63}. */
const char *conf_check_name(const char *s);

/* DPDK device names: like names, plus ':' for PCI addresses. */
const char *conf_check_device(const char *s);

/* An HTTP token (RFC 9110 section 5.6.2): header names and W3C baggage
 * keys. */
const char *conf_check_token(const char *s);

/* A DNS host name (RFC 1123 section 2.1 labels), any case, no port, no
 * trailing dot. With SUFFIX true one leading dot is allowed
 * (".example.test"). */
const char *conf_check_host(const char *s, bool suffix);

/* One DNS label: [A-Za-z0-9-]{1,63}, not starting or ending with '-'. */
const char *conf_check_label(const char *s);

/* A request path to match: starts with '/', no whitespace or control
 * characters (they cannot appear in a request-target, RFC 9112 section
 * 3.2), no '?' or '#' (paths are matched without the query string). */
const char *conf_check_path(const char *s);

/* True if S holds CR or LF: no configured string may, since some end up in
 * request headers the router writes. */
bool conf_has_crlf(const char *s);

/* Lowercase ASCII letters in place (locale-independent). */
void conf_lower(char *s);

/* ---- the loader ---- */

struct conf_loader {
	const char *file;         /* name for messages */
	char *err;                /* caller's buffer, may be NULL */
	size_t errlen;
	struct steer_conf *c;     /* being built */
	/* c's services and tunnels sorted by name (LD_UNIQUE_NAMES() with
	 * an index), so that thousands of intercepts resolve their
	 * references in O(log n) each; freed by the loader's caller */
	struct ld_key *services_by_name;
	struct ld_key *tunnels_by_name;
};

/* Room for "what" strings naming an element in messages, e.g.
 * "header matcher #3 of intercept '<63 chars>'". */
#define LD_WHAT_MAX 160

/* S's line; the root group (line 0) maps to line 1. */
int ld_line(const config_setting_t *s);

/* "file:LINE: <fmt>" into l->err; returns -EINVAL. */
int __attribute__((format(printf, 3, 4)))
ld_fail_at(struct conf_loader *l, int line, const char *fmt, ...);
#define ld_fail(l, s, ...) ld_fail_at(l, ld_line(s), __VA_ARGS__)

/* "file: out of memory"; returns -ENOMEM. */
int ld_oom(struct conf_loader *l);

/* "invalid 'KEY' "VALUE": WHY" at S's line. */
int ld_invalid(struct conf_loader *l, const config_setting_t *s,
	       const char *key, const char *value, const char *why);

/* Getters of KEY in group G. An absent optional key leaves *OUT untouched
 * (it already holds the default); an absent required one is "missing 'KEY'
 * in WHAT" at G's line. Strings point into libconfig's tree (copy them with
 * ld_dup()) and never hold CR or LF. Integers accept libconfig's int and
 * int64 alike. */
int ld_get_u32(struct conf_loader *l, const config_setting_t *g,
	       const char *key, const char *what, bool required,
	       long long lo, long long hi, uint32_t *out);
int ld_get_bool(struct conf_loader *l, const config_setting_t *g,
		const char *key, bool *out);
int ld_get_string(struct conf_loader *l, const config_setting_t *g,
		  const char *key, const char *what, bool required,
		  const char **out);
/* A string that CHECK (a conf_check_* function) accepts. */
int ld_get_checked(struct conf_loader *l, const config_setting_t *g,
		   const char *key, const char *what, bool required,
		   const char *(*check)(const char *), const char **out);
/* Required "a.b.c.d" / "a.b.c.d:port". */
int ld_get_ipv4(struct conf_loader *l, const config_setting_t *g,
		const char *key, const char *what, uint32_t *ip);
int ld_get_ip_port(struct conf_loader *l, const config_setting_t *g,
		   const char *key, const char *what, uint32_t *ip,
		   uint16_t *port);
/* The element name ("name", required, conf_check_name) into OUT. */
int ld_get_name(struct conf_loader *l, const config_setting_t *e,
		const char *what, char out[CONF_NAME_MAX]);

/* strdup() V into *DST. */
int ld_dup(struct conf_loader *l, const char *v, char **dst);

/* Group KEY of G, or *OUT NULL when absent and optional. A missing required
 * one is "missing section 'KEY'". */
int ld_get_group(struct conf_loader *l, const config_setting_t *g,
		 const char *key, bool required, config_setting_t **out);
/* List KEY of G and its length (absent: NULL, 0). Required lists must not
 * be empty. */
int ld_get_list(struct conf_loader *l, const config_setting_t *g,
		const char *key, bool required, config_setting_t **out,
		unsigned *n);
/* Element I of LIST, which must be a group; WHAT names elements ("port"). */
int ld_get_elem(struct conf_loader *l, const config_setting_t *list,
		unsigned i, const char *what, config_setting_t **out);

/* Every member of G must be named in ALLOWED (NULL-terminated). */
int ld_check_keys(struct conf_loader *l, const config_setting_t *g,
		  const char *const *allowed, const char *what);

/* "KIND 'name'" for element I (E) of a list into BUF (LD_WHAT_MAX), or
 * "KIND #N" (1-based) while its name is missing or invalid. */
void ld_describe(char *buf, const char *kind, const config_setting_t *e,
		 unsigned i);

/* Duplicate detection. Fill N keys (str, or an address via ld_key_addr()),
 * then ld_keys_unique() reports the first repeat in file order as
 * "duplicate KIND 'key' (first at line L)" and frees the array. */
struct ld_key {
	const char *str;          /* the key, or NULL: buf holds it */
	char buf[24];             /* "255.255.255.255:65535" or ".../32" */
	unsigned idx;             /* position in the file */
	int line;
};

int ld_keys_new(struct conf_loader *l, unsigned n, struct ld_key **out);
int ld_keys_unique(struct conf_loader *l, struct ld_key *k, unsigned n,
		   const char *kind);
/* "a.b.c.d<SEP><NUM>" as the key of K. */
void ld_key_addr(struct ld_key *k, unsigned idx, int line, uint32_t ip,
		 const char *sep, unsigned num);

/* The names of the N structs at ARRAY (each with char name[] and int line)
 * must be distinct. With INDEX non-NULL, *INDEX receives them sorted by
 * name, for ld_find(); the caller frees it. */
#define LD_UNIQUE_NAMES(l, array, n, kind, index) \
	ld_unique_names(l, &(array)->name[0], sizeof(*(array)), \
			(size_t)((const char *)&(array)->line - \
				 (const char *)(array)), n, kind, index)
int ld_unique_names(struct conf_loader *l, const char *base, size_t stride,
		    size_t line_off, unsigned n, const char *kind,
		    struct ld_key **index);

/* Position of NAME in an INDEX of N names from LD_UNIQUE_NAMES(), or -1. */
int ld_find(const struct ld_key *index, unsigned n, const char *name);

#endif
