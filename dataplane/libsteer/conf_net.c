/* The sections that place steerd on the network: `ports` (the interfaces
 * and their addresses) and `routes` (static next hops, each on a port's
 * subnet). Called by the loader in conf.c; see conf_load.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <libconfig.h>

#include "conf.h"
#include "conf_load.h"
#include "conf_parse.h"

int conf_load_ports(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "name", "device", "address", NULL };
	struct steer_conf *c = l->c;
	config_setting_t *list;
	struct ld_key *k;
	unsigned n;
	int rc;

	if ((rc = ld_get_list(l, root, "ports", true, &list, &n)) != 0)
		return rc;
	if ((c->ports = calloc(n, sizeof(*c->ports))) == NULL)
		return ld_oom(l);
	for (unsigned i = 0; i < n; i++) {
		struct conf_port *p = &c->ports[i];
		const char *dev = NULL, *addr = NULL, *why;
		config_setting_t *e;
		char what[LD_WHAT_MAX];

		if ((rc = ld_get_elem(l, list, i, "port", &e)) != 0)
			return rc;
		ld_describe(what, "port", e, i);
		if ((rc = ld_check_keys(l, e, keys, what)) != 0 ||
		    (rc = ld_get_name(l, e, what, p->name)) != 0 ||
		    (rc = ld_get_checked(l, e, "device", what, true,
					 conf_check_device, &dev)) != 0 ||
		    (rc = ld_get_string(l, e, "address", what, true, &addr)) != 0)
			return rc;
		why = conf_parse_prefix(addr, 1, true, &p->ip, &p->plen);
		if (why != NULL)
			return ld_invalid(l, config_setting_get_member(e, "address"),
					  "address", addr, why);
		snprintf(p->device, sizeof(p->device), "%s", dev);
		p->line = ld_line(e);
		c->n_ports = i + 1;
	}
	if ((rc = LD_UNIQUE_NAMES(l, c->ports, n, "port", NULL)) != 0 ||
	    (rc = ld_keys_new(l, n, &k)) != 0)
		return rc;
	for (unsigned i = 0; i < n; i++)
		k[i] = (struct ld_key){ .str = c->ports[i].device, .idx = i,
				      .line = c->ports[i].line };
	return ld_keys_unique(l, k, n, "port device");
}

/* True if IP is on the subnet of one of the ports: a next hop must be, or
 * ARP could never resolve it. */
static bool on_port_subnet(const struct steer_conf *c, uint32_t ip)
{
	for (unsigned i = 0; i < c->n_ports; i++) {
		uint32_t mask = UINT32_MAX << (32 - c->ports[i].plen);

		if ((ip & mask) == (c->ports[i].ip & mask))
			return true;
	}
	return false;
}

int conf_load_routes(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "prefix", "via", NULL };
	struct steer_conf *c = l->c;
	config_setting_t *list;
	struct ld_key *k;
	unsigned n;
	int rc;

	if ((rc = ld_get_list(l, root, "routes", false, &list, &n)) != 0 || n == 0)
		return rc;
	if ((c->routes = calloc(n, sizeof(*c->routes))) == NULL)
		return ld_oom(l);
	for (unsigned i = 0; i < n; i++) {
		struct conf_route *r = &c->routes[i];
		const char *pfx = NULL, *why;
		config_setting_t *e;
		char what[LD_WHAT_MAX];

		if ((rc = ld_get_elem(l, list, i, "route", &e)) != 0)
			return rc;
		snprintf(what, sizeof(what), "route #%u", i + 1);
		if ((rc = ld_check_keys(l, e, keys, what)) != 0 ||
		    (rc = ld_get_string(l, e, "prefix", what, true, &pfx)) != 0)
			return rc;
		why = conf_parse_prefix(pfx, 0, false, &r->prefix, &r->plen);
		if (why != NULL)
			return ld_invalid(l, config_setting_get_member(e, "prefix"),
					  "prefix", pfx, why);
		if ((rc = ld_get_ipv4(l, e, "via", what, &r->via)) != 0)
			return rc;
		if (!on_port_subnet(c, r->via))
			return ld_fail(l, config_setting_get_member(e, "via"),
				       "'via' must be on the subnet of a port");
		r->line = ld_line(e);
		c->n_routes = i + 1;
	}
	if ((rc = ld_keys_new(l, n, &k)) != 0)
		return rc;
	for (unsigned i = 0; i < n; i++)
		ld_key_addr(&k[i], i, c->routes[i].line, c->routes[i].prefix,
			    "/", c->routes[i].plen);
	return ld_keys_unique(l, k, n, "route prefix");
}
