/* The `listeners` section: the addresses steerd accepts connections on,
 * each with its default service, its routing mode and its host and path
 * routes. Called by the loader in conf.c; see conf_load.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libconfig.h>

#include "conf.h"
#include "conf_load.h"
#include "conf_parse.h"

static int load_lroutes(struct conf_loader *l, const config_setting_t *lst,
			struct conf_listener *li)
{
	static const char *const keys[] = { "host", "host_suffix",
		"path_prefix", "service", NULL };
	config_setting_t *list;
	unsigned n;
	int rc;

	if ((rc = ld_get_list(l, lst, "routes", false, &list, &n)) != 0 || n == 0)
		return rc;
	if ((li->routes = calloc(n, sizeof(*li->routes))) == NULL)
		return ld_oom(l);
	for (unsigned i = 0; i < n; i++) {
		struct conf_lroute *r = &li->routes[i];
		config_setting_t *e;
		char what[LD_WHAT_MAX];

		if ((rc = ld_get_elem(l, list, i, "listener route", &e)) != 0)
			return rc;
		snprintf(what, sizeof(what), "route #%u of listener '%s'",
			 i + 1, li->name);
		li->n_routes = i + 1;
		r->line = ld_line(e);
		if ((rc = ld_check_keys(l, e, keys, what)) != 0 ||
		    (rc = ld_get_host(l, e, "host", false, &r->host)) != 0 ||
		    (rc = ld_get_host(l, e, "host_suffix", true, &r->host_suffix)) != 0 ||
		    (rc = ld_get_path(l, e, "path_prefix", &r->path_prefix)) != 0)
			return rc;
		/* A route without a condition would shadow default_service
		 * and every route after it. */
		if (r->host == NULL && r->host_suffix == NULL &&
		    r->path_prefix == NULL)
			return ld_fail(l, e, "%s needs 'host', 'host_suffix' or 'path_prefix'",
				       what);
		if ((rc = ld_get_service_ref(l, e, "service", what, &r->service)) != 0)
			return rc;
	}
	return 0;
}

/* The optional 'routing' of listener E into LI->routing (already
 * CONF_ROUTING_REQUEST, the default). The value is compared as written:
 * "Request" is refused rather than guessed at, like a tunnel's type. */
static int load_routing(struct conf_loader *l, const config_setting_t *e,
			struct conf_listener *li, const char *what)
{
	const config_setting_t *s = config_setting_get_member(e, "routing");
	const char *v = NULL;
	int rc;

	if (s == NULL)
		return 0;
	/* a number or a bool gets the allowed values too, not just "must be
	 * a string" */
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return ld_fail(l, s, "'routing' must be \"request\" or \"connection\"");
	if ((rc = ld_get_string(l, e, "routing", what, false, &v)) != 0)
		return rc;
	if (strcmp(v, "request") == 0)
		li->routing = CONF_ROUTING_REQUEST;
	else if (strcmp(v, "connection") == 0)
		li->routing = CONF_ROUTING_CONNECTION;
	else
		return ld_fail(l, s, "'routing' must be \"request\" or \"connection\" (got \"%.40s\")",
			       v);
	return 0;
}

int conf_load_listeners(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "name", "address",
		"default_service", "routing", "routes", NULL };
	struct steer_conf *c = l->c;
	config_setting_t *list;
	struct ld_key *k;
	unsigned n;
	int rc;

	if ((rc = ld_get_list(l, root, "listeners", true, &list, &n)) != 0)
		return rc;
	if ((c->listeners = calloc(n, sizeof(*c->listeners))) == NULL)
		return ld_oom(l);
	for (unsigned i = 0; i < n; i++) {
		struct conf_listener *li = &c->listeners[i];
		config_setting_t *e;
		char what[LD_WHAT_MAX];

		if ((rc = ld_get_elem(l, list, i, "listener", &e)) != 0)
			return rc;
		ld_describe(what, "listener", e, i);
		c->n_listeners = i + 1;
		li->line = ld_line(e);
		if ((rc = ld_check_keys(l, e, keys, what)) != 0 ||
		    (rc = ld_get_name(l, e, what, li->name)) != 0 ||
		    (rc = ld_get_ip_port(l, e, "address", what, &li->ip, &li->port)) != 0 ||
		    (rc = ld_get_service_ref(l, e, "default_service", what,
					     &li->default_service)) != 0 ||
		    (rc = load_routing(l, e, li, what)) != 0 ||
		    (rc = load_lroutes(l, e, li)) != 0)
			return rc;
	}
	if ((rc = LD_UNIQUE_NAMES(l, c->listeners, n, "listener", NULL)) != 0 ||
	    (rc = ld_keys_new(l, n, &k)) != 0)
		return rc;
	for (unsigned i = 0; i < n; i++)
		ld_key_addr(&k[i], i, c->listeners[i].line, c->listeners[i].ip,
			    ":", c->listeners[i].port);
	return ld_keys_unique(l, k, n, "listener address");
}
