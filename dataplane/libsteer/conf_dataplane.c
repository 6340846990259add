/* The sections that configure steerd itself rather than the traffic it
 * routes: `dataplane` (EAL arguments, workers, table sizes, timeouts, SYN
 * cookies) and `control` (the control socket and the metrics endpoint).
 * Called by the loader in conf.c; see conf_load.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <libconfig.h>

#include "conf.h"
#include "conf_load.h"
#include "conf_parse.h"

/* A Unix socket path must fit sockaddr_un.sun_path with its NUL. */
#define SUN_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

static int load_eal(struct conf_loader *l, const config_setting_t *dp)
{
	struct conf_dataplane *d = &l->c->dataplane;
	const config_setting_t *s = config_setting_get_member(dp, "eal");
	unsigned n = 0;
	int rc;

	if (s != NULL) {
		if (!config_setting_is_array(s) && !config_setting_is_list(s))
			return ld_fail(l, s, "'eal' must be an array [ \"...\", ... ] of strings");
		n = (unsigned)config_setting_length(s);
	}
	/* Always a valid argv tail, even when empty. */
	d->eal = calloc(n + 1, sizeof(*d->eal));
	if (d->eal == NULL)
		return ld_oom(l);
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, i);
		const char *v;

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return ld_fail(l, e, "'eal' must be an array of strings");
		v = config_setting_get_string(e);
		if (conf_has_crlf(v))
			return ld_fail(l, e, "'eal' arguments must not contain CR or LF");
		if ((rc = ld_dup(l, v, &d->eal[i])) != 0)
			return rc;
		d->n_eal = i + 1;
	}
	return 0;
}

static int load_timeouts(struct conf_loader *l, const config_setting_t *dp)
{
	static const char *const keys[] = { "syn_ms", "header_ms",
		"connect_ms", "syn_rto_ms", "idle_s", "linger_ms", "pool_idle_ms", NULL };
	static const char what[] = "dataplane.timeouts";
	struct conf_timeouts *t = &l->c->dataplane.timeouts;
	config_setting_t *g;
	int rc;

	if ((rc = ld_get_group(l, dp, "timeouts", false, &g)) != 0 || g == NULL)
		return rc;
	if ((rc = ld_check_keys(l, g, keys, what)) != 0 ||
	    (rc = ld_get_u32(l, g, "syn_ms", what, false, 100, 600000, &t->syn_ms)) != 0 ||
	    (rc = ld_get_u32(l, g, "header_ms", what, false, 100, 600000, &t->header_ms)) != 0 ||
	    (rc = ld_get_u32(l, g, "connect_ms", what, false, 10, 600000, &t->connect_ms)) != 0 ||
	    (rc = ld_get_u32(l, g, "syn_rto_ms", what, false, 10, 60000, &t->syn_rto_ms)) != 0 ||
	    (rc = ld_get_u32(l, g, "idle_s", what, false, 1, 86400, &t->idle_s)) != 0 ||
	    (rc = ld_get_u32(l, g, "linger_ms", what, false, 0, 600000, &t->linger_ms)) != 0 ||
	    (rc = ld_get_u32(l, g, "pool_idle_ms", what, false, 10, 600000,
			     &t->pool_idle_ms)) != 0)
		return rc;
	return 0;
}

/* The optional 'syn_cookies' of the dataplane group: "auto" (default),
 * "always" or "never", compared as written. */
static int load_syn_cookies(struct conf_loader *l, const config_setting_t *g,
			    struct conf_dataplane *d)
{
	static const char *const names[] = { "auto", "always", "never" };
	const config_setting_t *s = config_setting_get_member(g, "syn_cookies");
	const char *v = NULL;
	int rc;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return ld_fail(l, s, "'syn_cookies' must be \"auto\", \"always\" or \"never\"");
	if ((rc = ld_get_string(l, g, "syn_cookies", "dataplane", false, &v)) != 0)
		return rc;
	for (unsigned i = 0; i < 3; i++)
		if (strcmp(v, names[i]) == 0) {
			d->syn_cookies = (uint8_t)i;
			return 0;
		}
	return ld_fail(l, s, "'syn_cookies' must be \"auto\", \"always\" or \"never\" (got \"%.40s\")",
		       v);
}

int conf_load_dataplane(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "eal", "workers", "max_flows",
		"header_max", "header_buffers", "timeouts", "idle_backoff",
		"idle_backoff_max_us", "syn_cookies", "syn_backlog", "pool_max", NULL };
	static const char what[] = "dataplane";
	struct conf_dataplane *d = &l->c->dataplane;
	uint32_t workers = 1;
	config_setting_t *g;
	int rc;

	*d = (struct conf_dataplane){
		.max_flows = 65536,
		.header_max = 16384,
		.timeouts = { .syn_ms = 5000, .header_ms = 10000,
			      .connect_ms = 2000, .syn_rto_ms = CONF_SYN_RTO_MS,
			      .idle_s = 300, .linger_ms = 2000,
			      .pool_idle_ms = CONF_POOL_IDLE_MS },
		.idle_backoff_max_us = 100,
		.pool_max = CONF_POOL_DEFAULT,
	};
	if ((rc = ld_get_group(l, root, "dataplane", true, &g)) != 0 ||
	    (rc = ld_check_keys(l, g, keys, what)) != 0 ||
	    (rc = load_eal(l, g)) != 0 ||
	    (rc = ld_get_u32(l, g, "workers", what, false, 1, 128, &workers)) != 0 ||
	    (rc = ld_get_u32(l, g, "max_flows", what, false, 1, 16777216, &d->max_flows)) != 0 ||
	    (rc = ld_get_u32(l, g, "header_max", what, false, 256, 65535, &d->header_max)) != 0 ||
	    (rc = ld_get_u32(l, g, "header_buffers", what, false, 1, 16777216,
			     &d->header_buffers)) != 0 ||
	    (rc = load_timeouts(l, g)) != 0 ||
	    (rc = ld_get_bool(l, g, "idle_backoff", &d->idle_backoff)) != 0 ||
	    (rc = ld_get_u32(l, g, "idle_backoff_max_us", what, false, 1, 10000,
			     &d->idle_backoff_max_us)) != 0 ||
	    (rc = load_syn_cookies(l, g, d)) != 0 ||
	    (rc = ld_get_u32(l, g, "syn_backlog", what, false, 1, 16777216,
			     &d->syn_backlog)) != 0 ||
	    (rc = ld_get_u32(l, g, "pool_max", what, false, 0, 16777216,
			     &d->pool_max)) != 0)
		return rc;
	d->workers = workers;
	/* A flow holds a header buffer until its target acknowledged the
	 * request: no more are useful than flows, and by default a worker
	 * keeps 2048 (35 MB at the default header_max). */
	if (d->header_buffers == 0 || d->header_buffers > d->max_flows)
		d->header_buffers = d->max_flows < 2048 ? d->max_flows : 2048;
	/* Half-open flows before cookies: by default 1024, at most half the
	 * table, so a flood of SYNs never takes more than that from it. */
	if (d->syn_backlog == 0)
		d->syn_backlog = d->max_flows / 2 < 1024 ? d->max_flows / 2 : 1024;
	if (d->syn_backlog == 0 || d->syn_backlog > d->max_flows)
		d->syn_backlog = d->max_flows;
	return 0;
}

int conf_load_control(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "socket", "group", "metrics", NULL };
	static const char what[] = "control";
	struct conf_control *ct = &l->c->control;
	const char *sock = "/run/steer/steer.sock", *group = NULL;
	const char *metrics = "127.0.0.1:9870";
	config_setting_t *g;
	uint32_t ip;
	uint16_t port;
	int rc;

	if ((rc = ld_get_group(l, root, "control", false, &g)) != 0)
		return rc;
	if (g != NULL) {
		const config_setting_t *s = config_setting_get_member(g, "socket");
		const config_setting_t *m = config_setting_get_member(g, "metrics");

		if ((rc = ld_check_keys(l, g, keys, what)) != 0 ||
		    (rc = ld_get_string(l, g, "socket", what, false, &sock)) != 0 ||
		    (rc = ld_get_checked(l, g, "group", what, false,
					 conf_check_name, &group)) != 0)
			return rc;
		if (s != NULL && (*sock == '\0' || strlen(sock) >= SUN_PATH_MAX))
			return ld_fail(l, s, "'socket' must be a path of 1 to %zu characters",
				       SUN_PATH_MAX - 1);
		if (m != NULL) {
			if ((rc = ld_get_ip_port(l, g, "metrics", what, &ip, &port)) != 0)
				return rc;
			metrics = config_setting_get_string(m);
		}
	}
	if ((rc = ld_dup(l, sock, &ct->socket)) != 0 ||
	    (rc = ld_dup(l, metrics, &ct->metrics)) != 0 ||
	    (group != NULL && (rc = ld_dup(l, group, &ct->group)) != 0))
		return rc;
	return 0;
}
