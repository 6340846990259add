/* services[].health: active health checks of a service's backends.
 *
 *   health = { path = "/healthz"; interval_ms = 1000; timeout_ms = 500;
 *              rise = 2; fall = 3; };
 *
 * plus the optional `port` (check another port than the backend's) and
 * `host` (the Host header; default the backend's ip:port). Every key but
 * `path` has a default. The check is an HTTP/1.1 GET of `path` sent in a
 * single TCP segment, which is why the path is bounded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_health.h"

#define INTERVAL_MIN 100          /* below, checks crowd the main lcore */
#define INTERVAL_MAX 3600000      /* an hour */

/* A request-target in origin form (RFC 9112 section 3.2.1): '/', then no
 * whitespace or control characters; a query is fine, a fragment is never
 * sent (RFC 9110 section 4.2.4). */
static const char *check_target(const char *s)
{
	if (s[0] != '/')
		return "must start with '/'";
	if (strlen(s) > CONF_HEALTH_PATH_MAX)
		return "must be at most 200 characters";
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c >= 0x7f)
			return "must not contain spaces, control or non-ASCII characters";
		if (c == '#')
			return "must not contain '#' (a fragment is not sent)";
	}
	return NULL;
}

static const char *check_host(const char *s)
{
	return conf_check_host(s, false);
}

int conf_load_health(struct conf_loader *l, const config_setting_t *svc,
		     struct conf_service *s, const char *svc_what)
{
	static const char *const keys[] = { "path", "interval_ms",
		"timeout_ms", "rise", "fall", "port", "host", NULL };
	struct conf_health *h = &s->health;
	config_setting_t *g;
	const char *path = NULL, *host = NULL;
	char what[LD_WHAT_MAX];
	uint32_t port = 0;
	int rc;

	if ((rc = ld_get_group(l, svc, "health", false, &g)) != 0 || g == NULL)
		return rc;
	snprintf(what, sizeof(what), "health of %s", svc_what);
	*h = (struct conf_health){ .enabled = true, .interval_ms = 1000,
				   .rise = 2, .fall = 3, .line = ld_line(g) };
	if ((rc = ld_check_keys(l, g, keys, what)) != 0 ||
	    (rc = ld_get_checked(l, g, "path", what, true, check_target, &path)) != 0 ||
	    (rc = ld_get_u32(l, g, "interval_ms", what, false, INTERVAL_MIN,
			     INTERVAL_MAX, &h->interval_ms)) != 0)
		return rc;
	/* The default timeout leaves room for the next check whatever the
	 * interval; an explicit one must end before the next check starts. */
	h->timeout_ms = h->interval_ms / 2 < 500 ? h->interval_ms / 2 : 500;
	if ((rc = ld_get_u32(l, g, "timeout_ms", what, false, 1,
			     h->interval_ms - 1, &h->timeout_ms)) != 0 ||
	    (rc = ld_get_u32(l, g, "rise", what, false, 1, 100, &h->rise)) != 0 ||
	    (rc = ld_get_u32(l, g, "fall", what, false, 1, 100, &h->fall)) != 0 ||
	    (rc = ld_get_u32(l, g, "port", what, false, 1, 65535, &port)) != 0 ||
	    (rc = ld_get_checked(l, g, "host", what, false, check_host, &host)) != 0)
		return rc;
	h->port = (uint16_t)port;
	if ((rc = ld_dup(l, path, &h->path)) != 0)
		return rc;
	if (host != NULL) {
		if ((rc = ld_dup(l, host, &h->host)) != 0)
			return rc;
		conf_lower(h->host);
	}
	return 0;
}

int conf_health_format(const struct conf_health *h, char *buf, size_t len)
{
	char path[2 * CONF_HEALTH_PATH_MAX + 3], host[2 * 256 + 3];
	int n;

	if (!h->enabled) {
		if (len == 0)
			return -ENOSPC;
		buf[0] = '\0';
		return 0;
	}
	if (conf_quote(path, sizeof(path), h->path) < 0)
		return -ENOSPC;
	n = snprintf(buf, len, " health = { path = %s; interval_ms = %u;"
		     " timeout_ms = %u; rise = %u; fall = %u;", path,
		     h->interval_ms, h->timeout_ms, h->rise, h->fall);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	if (h->port) {
		int k = snprintf(buf + n, len - (size_t)n, " port = %u;", h->port);
		if (k < 0 || (size_t)k >= len - (size_t)n)
			return -ENOSPC;
		n += k;
	}
	if (h->host) {
		if (conf_quote(host, sizeof(host), h->host) < 0)
			return -ENOSPC;
		int k = snprintf(buf + n, len - (size_t)n, " host = %s;", host);
		if (k < 0 || (size_t)k >= len - (size_t)n)
			return -ENOSPC;
		n += k;
	}
	if ((size_t)n + 4 >= len)
		return -ENOSPC;
	memcpy(buf + n, " };", 4);
	return n + 3;
}

void conf_health_free(struct conf_health *h)
{
	free(h->path);
	free(h->host);
	h->path = h->host = NULL;
}
