/* Loading and validating a Steer configuration (libconfig 1.5 syntax; the
 * schema is docs/configuration.md).
 *
 * The loader walks the libconfig tree one section at a time and copies what
 * it has validated into a fresh struct steer_conf. The first problem stops
 * the walk: the message names the file and the line of the offending
 * setting, the half-built result is freed, and NULL is returned, so nobody
 * ever sees a partial configuration (STYLE rule 4: a bad config leaves the
 * running one in place). Sections are read in dependency order (services
 * before the listeners and intercepts that name them, previews before the
 * intercepts that need previews.domain), not in file order.
 *
 * This file is the entry point: the text or file in, the section order,
 * conf_free() and the lookups by name. Each section's loader has a file of
 * its own (conf_load.h lists them); the getters they share are here.
 *
 * Malloc is fine here: this runs on the control thread only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libconfig.h>

#include "conf.h"
#include "conf_health.h"
#include "conf_load.h"
#include "conf_parse.h"

/* Larger than any sane configuration (tens of thousands of intercepts take
 * a few MB), small enough that a wrong path such as a disk image fails fast
 * instead of eating memory. */
#define CONF_FILE_MAX (64u << 20)

/* ---- getters several sections share ---- */

/* The service named by string KEY of E, as an index. */
int ld_get_service_ref(struct conf_loader *l, const config_setting_t *e,
		       const char *key, const char *what, unsigned *out)
{
	const char *v = NULL;
	int rc = ld_get_string(l, e, key, what, true, &v), i;

	if (rc != 0)
		return rc;
	if ((i = ld_find(l->services_by_name, l->c->n_services, v)) < 0)
		return ld_fail(l, config_setting_get_member(e, key),
			       "unknown service '%.63s'", v);
	*out = (unsigned)i;
	return 0;
}

/* An optional host or host_suffix: checked, lowercased, copied. */
int ld_get_host(struct conf_loader *l, const config_setting_t *e,
		const char *key, bool suffix, char **out)
{
	const config_setting_t *s = config_setting_get_member(e, key);
	const char *v = NULL, *why;
	int rc = ld_get_string(l, e, key, NULL, false, &v);

	if (rc != 0 || v == NULL)
		return rc;
	if ((why = conf_check_host(v, suffix)) != NULL)
		return ld_invalid(l, s, key, v, why);
	if ((rc = ld_dup(l, v, out)) != 0)
		return rc;
	conf_lower(*out);
	return 0;
}

/* An optional path_* key: checked and copied. */
int ld_get_path(struct conf_loader *l, const config_setting_t *e,
		const char *key, char **out)
{
	const config_setting_t *s = config_setting_get_member(e, key);
	const char *v = NULL, *why;
	int rc = ld_get_string(l, e, key, NULL, false, &v);

	if (rc != 0 || v == NULL)
		return rc;
	if ((why = conf_check_path(v)) != NULL)
		return ld_invalid(l, s, key, v, why);
	return ld_dup(l, v, out);
}

/* ---- the loader ---- */

static int load(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "dataplane", "ports", "routes",
		"listeners", "services", "tunnels", "intercepts", "previews",
		"control", "cluster", NULL };
	int rc;

	if ((rc = ld_check_keys(l, root, keys, "the top level")) != 0 ||
	    (rc = conf_load_dataplane(l, root)) != 0 ||
	    (rc = conf_load_ports(l, root)) != 0 ||
	    (rc = conf_load_routes(l, root)) != 0 ||
	    (rc = conf_load_services(l, root)) != 0 ||
	    (rc = conf_load_tunnels(l, root)) != 0 ||
	    (rc = conf_load_listeners(l, root)) != 0 ||
	    (rc = conf_load_previews(l, root)) != 0 ||
	    (rc = conf_load_intercepts(l, root)) != 0 ||
	    (rc = conf_load_control(l, root)) != 0 ||
	    (rc = conf_load_cluster(l, root)) != 0)
		return rc;
	return 0;
}

/* libconfig 1.5 honours `@include "path"` at the start of a line. We refuse
 * it: a configuration is one file, so `steerctl watch` sees every change and
 * every message names that file; and neither a bad config nor the fuzzer
 * can make the loader open /dev/zero. The check is textual, so it also
 * catches such a line inside a block comment; that is harmless. */
static int reject_include(struct conf_loader *l, const char *text)
{
	int line = 1;

	for (const char *p = text; p != NULL; line++) {
		p += strspn(p, " \t");
		if (strncmp(p, "@include", 8) == 0)
			return ld_fail_at(l, line, "@include is not supported: a configuration is one file");
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return 0;
}

struct steer_conf *conf_load_string(const char *text, const char *name,
				    char *err, size_t errlen)
{
	struct conf_loader l = { .file = name != NULL ? name : "(string)",
				 .err = err, .errlen = errlen };
	config_t cfg;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (text == NULL) {
		ld_fail_at(&l, 1, "no configuration text");
		errno = EINVAL;
		return NULL;
	}
	if ((rc = reject_include(&l, text)) != 0) {
		errno = -rc;
		return NULL;
	}
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		int line = config_error_line(&cfg);
		const char *what = config_error_text(&cfg);

		ld_fail_at(&l, line > 0 ? line : 1, "%s",
			   what != NULL ? what : "syntax error");
		config_destroy(&cfg);
		errno = EINVAL;
		return NULL;
	}
	l.c = calloc(1, sizeof(*l.c));
	if (l.c == NULL)
		rc = ld_oom(&l);
	else if ((rc = ld_dup(&l, l.file, &l.c->file)) == 0)
		rc = load(&l, config_root_setting(&cfg));
	config_destroy(&cfg);
	free(l.services_by_name);
	free(l.tunnels_by_name);
	if (rc != 0) {
		conf_free(l.c);
		errno = -rc;
		return NULL;
	}
	return l.c;
}

/* The whole file at PATH into *BUF (NUL-terminated, *LEN bytes before the
 * NUL). Returns 0 or an errno. */
static int read_file(const char *path, char **buf, size_t *len)
{
	size_t cap = 0, got;
	char *b = NULL, *nb;
	FILE *f = fopen(path, "r");
	int e = 0;

	*len = 0;
	if (f == NULL)
		return errno;
	do {
		if (cap - *len < 4096) {
			if (cap >= CONF_FILE_MAX) {
				e = EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 16384;
			if ((nb = realloc(b, cap + 1)) == NULL) {
				e = ENOMEM;
				break;
			}
			b = nb;
		}
		got = fread(b + *len, 1, cap - *len, f);
		*len += got;
	} while (got > 0);
	if (e == 0 && ferror(f))
		e = errno != 0 ? errno : EIO;
	fclose(f);
	if (e != 0) {
		free(b);
		return e;
	}
	b[*len] = '\0';
	*buf = b;
	return 0;
}

/* Reads the file ourselves rather than with config_read_file(): one parse
 * path for files and strings, a real errno for "cannot read", and a NUL
 * byte (which would silently end libconfig's input) becomes an error. */
struct steer_conf *conf_load_file(const char *path, char *err, size_t errlen)
{
	struct conf_loader l = { .file = path, .err = err, .errlen = errlen };
	struct steer_conf *c;
	char *buf = NULL, *nul;
	size_t len = 0;
	int e = read_file(path, &buf, &len);

	if (e != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: cannot read: %s", path,
				 strerror(e));
		errno = e;
		return NULL;
	}
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		int line = 1;

		for (const char *p = buf; p < nul; p++)
			line += *p == '\n';
		ld_fail_at(&l, line, "NUL byte in the file");
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	c = conf_load_string(buf, path, err, errlen);
	e = errno;
	free(buf);
	errno = e;
	return c;
}

void conf_intercept_free(struct conf_intercept *in)
{
	if (in == NULL)
		return;
	for (unsigned j = 0; j < in->n_matchers; j++) {
		free(in->matchers[j].name);
		free(in->matchers[j].baggage);
		free(in->matchers[j].arg);
	}
	free(in->path);
	free(in->preview);
	free(in);
}

void conf_free(struct steer_conf *c)
{
	if (c == NULL)
		return;
	if (c->borrowed) {
		free(c->intercepts);
		conf_intercept_free(c->own);
		free(c);
		return;
	}
	if (c->dataplane.eal != NULL)
		for (char **a = c->dataplane.eal; *a != NULL; a++)
			free(*a);
	free(c->dataplane.eal);
	free(c->ports);
	free(c->routes);
	for (unsigned i = 0; i < c->n_listeners; i++) {
		struct conf_listener *li = &c->listeners[i];

		for (unsigned j = 0; j < li->n_routes; j++) {
			free(li->routes[j].host);
			free(li->routes[j].host_suffix);
			free(li->routes[j].path_prefix);
		}
		free(li->routes);
	}
	free(c->listeners);
	for (unsigned i = 0; i < c->n_services; i++) {
		free(c->services[i].backends);
		conf_health_free(&c->services[i].health);
	}
	free(c->services);
	free(c->tunnels);
	for (unsigned i = 0; i < c->n_intercepts; i++)
		conf_intercept_free(c->intercepts[i]);
	free(c->intercepts);
	free(c->previews.domain);
	free(c->previews.header);
	free(c->control.socket);
	free(c->control.group);
	free(c->control.metrics);
	free(c->cluster.name);
	free(c->cluster.etcd);
	free(c->cluster.node);
	free(c->file);
	free(c);
}

/* Linear: control-plane helpers (the loader resolves references through
 * sorted indexes instead). */
int conf_find_service(const struct steer_conf *c, const char *name)
{
	for (unsigned i = 0; c != NULL && i < c->n_services; i++)
		if (strcmp(c->services[i].name, name) == 0)
			return (int)i;
	return -1;
}

int conf_find_tunnel(const struct steer_conf *c, const char *name)
{
	for (unsigned i = 0; c != NULL && i < c->n_tunnels; i++)
		if (strcmp(c->tunnels[i].name, name) == 0)
			return (int)i;
	return -1;
}

int conf_find_intercept(const struct steer_conf *c, const char *name)
{
	for (unsigned i = 0; c != NULL && i < c->n_intercepts; i++)
		if (strcmp(c->intercepts[i]->name, name) == 0)
			return (int)i;
	return -1;
}
