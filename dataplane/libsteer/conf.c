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
 * Malloc is fine here: this runs on the control thread only. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <libconfig.h>

#include "conf.h"
#include "conf_health.h"
#include "conf_parse.h"
#include "maglev.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Larger than any sane configuration (tens of thousands of intercepts take
 * a few MB), small enough that a wrong path such as a disk image fails fast
 * instead of eating memory. */
#define CONF_FILE_MAX (64u << 20)

/* Largest explicit maglev_size: a 2^24-slot table of uint16_t is 32 MiB per
 * service, already far beyond what 65535 backends need. */
#define CONF_MAGLEV_SIZE_MAX (1u << 24)

/* Connect attempts after the first, per request: each may take
 * connect_ms, so more would keep a client waiting for minutes. */
#define CONF_RETRIES_MAX 32

/* max_conns and max_queue: far beyond what one backend accepts, small
 * enough that the per-worker shares stay meaningful. */
#define CONF_MAX_CONNS 1000000

/* A Unix socket path must fit sockaddr_un.sun_path with its NUL. */
#define SUN_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

/* ---- sections ---- */

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
		"connect_ms", "syn_rto_ms", "idle_s", "linger_ms", NULL };
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
	    (rc = ld_get_u32(l, g, "linger_ms", what, false, 0, 600000, &t->linger_ms)) != 0)
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

static int load_dataplane(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "eal", "workers", "max_flows",
		"header_max", "header_buffers", "timeouts", "idle_backoff",
		"idle_backoff_max_us", "syn_cookies", "syn_backlog", NULL };
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
			      .idle_s = 300, .linger_ms = 2000 },
		.idle_backoff_max_us = 100,
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
			     &d->syn_backlog)) != 0)
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

static int load_ports(struct conf_loader *l, const config_setting_t *root)
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

static int load_routes(struct conf_loader *l, const config_setting_t *root)
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

static int load_backends(struct conf_loader *l, const config_setting_t *svc,
			 struct conf_service *s)
{
	static const char *const keys[] = { "address", "weight", "drain",
		"max_conns", "max_queue", NULL };
	config_setting_t *list;
	struct ld_key *k;
	unsigned n;
	int rc;

	if ((rc = ld_get_list(l, svc, "backends", false, &list, &n)) != 0 || n == 0)
		return rc;
	if (n > MAGLEV_MAX_BACKENDS)
		return ld_fail(l, list, "at most %u backends per service",
			       MAGLEV_MAX_BACKENDS);
	if ((s->backends = calloc(n, sizeof(*s->backends))) == NULL)
		return ld_oom(l);
	for (unsigned i = 0; i < n; i++) {
		struct conf_backend *b = &s->backends[i];
		config_setting_t *e;
		char what[LD_WHAT_MAX];

		if ((rc = ld_get_elem(l, list, i, "backend", &e)) != 0)
			return rc;
		snprintf(what, sizeof(what), "backend #%u of service '%s'",
			 i + 1, s->name);
		b->weight = 1;
		b->max_queue = CONF_MAX_QUEUE;
		if ((rc = ld_check_keys(l, e, keys, what)) != 0 ||
		    (rc = ld_get_ip_port(l, e, "address", what, &b->ip, &b->port)) != 0 ||
		    (rc = ld_get_u32(l, e, "weight", what, false, 1, 1000, &b->weight)) != 0 ||
		    (rc = ld_get_bool(l, e, "drain", &b->drained)) != 0 ||
		    (rc = ld_get_u32(l, e, "max_conns", what, false, 0,
				     CONF_MAX_CONNS, &b->max_conns)) != 0 ||
		    (rc = ld_get_u32(l, e, "max_queue", what, false, 0,
				     CONF_MAX_CONNS, &b->max_queue)) != 0)
			return rc;
		/* A queue without a limit would never be used: the entry is
		 * half-configured, not quietly ignored. */
		if (b->max_conns == 0 && config_setting_get_member(e, "max_queue"))
			return ld_fail(l, config_setting_get_member(e, "max_queue"),
				       "'max_queue' needs 'max_conns' in %s", what);
		b->line = ld_line(e);
		s->n_backends = i + 1;
	}
	if ((rc = ld_keys_new(l, n, &k)) != 0)
		return rc;
	for (unsigned i = 0; i < n; i++)
		ld_key_addr(&k[i], i, s->backends[i].line, s->backends[i].ip,
			    ":", s->backends[i].port);
	return ld_keys_unique(l, k, n, "backend");
}

static int load_maglev_size(struct conf_loader *l, const config_setting_t *e,
			    struct conf_service *s, const char *what)
{
	/* Maglev's paper keeps the table >= 100x the backends so each
	 * backend's share stays within about 1% of fair. */
	uint32_t need = 100u * s->n_backends;
	const config_setting_t *m = config_setting_get_member(e, "maglev_size");
	int rc;

	s->maglev_size = need > MAGLEV_DEFAULT_SIZE ? maglev_next_prime(need) :
						      MAGLEV_DEFAULT_SIZE;
	if (m == NULL)
		return 0;
	if ((rc = ld_get_u32(l, e, "maglev_size", what, false, 2,
			     CONF_MAGLEV_SIZE_MAX, &s->maglev_size)) != 0)
		return rc;
	if (!maglev_is_prime(s->maglev_size))
		return ld_fail(l, m, "'maglev_size' must be a prime (%u is not; %u is)",
			       s->maglev_size, maglev_next_prime(s->maglev_size));
	if (s->maglev_size < need)
		return ld_fail(l, m, "'maglev_size' must be at least 100 x %u backends = %u",
			       s->n_backends, need);
	return 0;
}

static int load_services(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "name", "backends", "maglev_size",
		"retries", "queue_ms", "health", NULL };
	struct steer_conf *c = l->c;
	config_setting_t *list;
	unsigned n;
	int rc;

	if ((rc = ld_get_list(l, root, "services", true, &list, &n)) != 0)
		return rc;
	if ((c->services = calloc(n, sizeof(*c->services))) == NULL)
		return ld_oom(l);
	for (unsigned i = 0; i < n; i++) {
		struct conf_service *s = &c->services[i];
		config_setting_t *e;
		char what[LD_WHAT_MAX];

		if ((rc = ld_get_elem(l, list, i, "service", &e)) != 0)
			return rc;
		ld_describe(what, "service", e, i);
		/* counted first so conf_free() sees this one's backends */
		c->n_services = i + 1;
		s->line = ld_line(e);
		s->retries = CONF_RETRIES;
		s->queue_ms = CONF_QUEUE_MS;
		if ((rc = ld_check_keys(l, e, keys, what)) != 0 ||
		    (rc = ld_get_name(l, e, what, s->name)) != 0 ||
		    (rc = load_backends(l, e, s)) != 0 ||
		    (rc = load_maglev_size(l, e, s, what)) != 0 ||
		    (rc = ld_get_u32(l, e, "retries", what, false, 0, CONF_RETRIES_MAX,
				     &s->retries)) != 0 ||
		    (rc = ld_get_u32(l, e, "queue_ms", what, false, 10, 600000,
				     &s->queue_ms)) != 0 ||
		    (rc = conf_load_health(l, e, s, what)) != 0)
			return rc;
	}
	return LD_UNIQUE_NAMES(l, c->services, n, "service",
			       &l->services_by_name);
}

/* The vxlan-only keys are an error on a direct tunnel rather than ignored:
 * a half-converted entry would otherwise look configured. */
static int load_tunnel_vxlan(struct conf_loader *l, const config_setting_t *e,
			     struct conf_tunnel *t, const char *what)
{
	static const char *const vxlan_only[] = { "remote", "vni", "source" };
	int rc;

	if (t->type == CONF_TUNNEL_DIRECT) {
		for (unsigned i = 0; i < ARRAY_SIZE(vxlan_only); i++) {
			const config_setting_t *s =
				config_setting_get_member(e, vxlan_only[i]);
			if (s != NULL)
				return ld_fail(l, s, "'%s' is only valid in vxlan tunnels",
					       vxlan_only[i]);
		}
		return 0;
	}
	/* VNIs are 24 bits, RFC 7348 section 5. */
	if ((rc = ld_get_ipv4(l, e, "remote", what, &t->remote)) != 0 ||
	    (rc = ld_get_u32(l, e, "vni", what, true, 0, 16777215, &t->vni)) != 0 ||
	    (rc = ld_get_ipv4(l, e, "source", what, &t->source)) != 0)
		return rc;
	return 0;
}

static int load_tunnels(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "name", "type", "remote", "vni",
		"source", "target", "fail_open", NULL };
	struct steer_conf *c = l->c;
	config_setting_t *list;
	unsigned n;
	int rc;

	if ((rc = ld_get_list(l, root, "tunnels", false, &list, &n)) != 0 || n == 0)
		return rc;
	if ((c->tunnels = calloc(n, sizeof(*c->tunnels))) == NULL)
		return ld_oom(l);
	for (unsigned i = 0; i < n; i++) {
		struct conf_tunnel *t = &c->tunnels[i];
		const char *type = NULL;
		config_setting_t *e;
		char what[LD_WHAT_MAX];

		if ((rc = ld_get_elem(l, list, i, "tunnel", &e)) != 0)
			return rc;
		ld_describe(what, "tunnel", e, i);
		t->fail_open = true;
		if ((rc = ld_check_keys(l, e, keys, what)) != 0 ||
		    (rc = ld_get_name(l, e, what, t->name)) != 0 ||
		    (rc = ld_get_string(l, e, "type", what, true, &type)) != 0)
			return rc;
		if (strcmp(type, "direct") == 0)
			t->type = CONF_TUNNEL_DIRECT;
		else if (strcmp(type, "vxlan") == 0)
			t->type = CONF_TUNNEL_VXLAN;
		else
			return ld_fail(l, config_setting_get_member(e, "type"),
				       "'type' must be \"direct\" or \"vxlan\" (got \"%.40s\")",
				       type);
		if ((rc = load_tunnel_vxlan(l, e, t, what)) != 0 ||
		    (rc = ld_get_ip_port(l, e, "target", what, &t->target_ip,
					 &t->target_port)) != 0 ||
		    (rc = ld_get_bool(l, e, "fail_open", &t->fail_open)) != 0)
			return rc;
		t->line = ld_line(e);
		c->n_tunnels = i + 1;
	}
	return LD_UNIQUE_NAMES(l, c->tunnels, n, "tunnel",
			       &l->tunnels_by_name);
}

/* The service named by string KEY of E, as an index. */
static int get_service_ref(struct conf_loader *l, const config_setting_t *e,
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
static int get_host(struct conf_loader *l, const config_setting_t *e,
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
static int get_path(struct conf_loader *l, const config_setting_t *e,
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
		    (rc = get_host(l, e, "host", false, &r->host)) != 0 ||
		    (rc = get_host(l, e, "host_suffix", true, &r->host_suffix)) != 0 ||
		    (rc = get_path(l, e, "path_prefix", &r->path_prefix)) != 0)
			return rc;
		/* A route without a condition would shadow default_service
		 * and every route after it. */
		if (r->host == NULL && r->host_suffix == NULL &&
		    r->path_prefix == NULL)
			return ld_fail(l, e, "%s needs 'host', 'host_suffix' or 'path_prefix'",
				       what);
		if ((rc = get_service_ref(l, e, "service", what, &r->service)) != 0)
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

static int load_listeners(struct conf_loader *l, const config_setting_t *root)
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
		    (rc = get_service_ref(l, e, "default_service", what,
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

static int load_previews(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "domain", "header", NULL };
	struct conf_previews *p = &l->c->previews;
	const char *header = "x-telepresence-intercept-id";
	config_setting_t *g;
	int rc;

	if ((rc = ld_get_group(l, root, "previews", false, &g)) != 0)
		return rc;
	if (g != NULL) {
		p->line = ld_line(g);
		if ((rc = ld_check_keys(l, g, keys, "previews")) != 0 ||
		    (rc = get_host(l, g, "domain", false, &p->domain)) != 0 ||
		    (rc = ld_get_checked(l, g, "header", "previews", false,
					 conf_check_token, &header)) != 0)
			return rc;
	}
	if ((rc = ld_dup(l, header, &p->header)) != 0)
		return rc;
	conf_lower(p->header);
	return 0;
}

/* Sets M's kind and argument from exactly one of value / prefix / regex /
 * present. */
static int load_match_kind(struct conf_loader *l, const config_setting_t *e,
			   struct conf_matcher *m, const char *what)
{
	static const char *const kinds[] = { "value", "prefix", "regex",
		"present" };
	static const enum conf_match_kind kind_of[] = { CONF_MATCH_VALUE,
		CONF_MATCH_PREFIX, CONF_MATCH_REGEX, CONF_MATCH_PRESENT };
	const config_setting_t *s = NULL;
	const char *v = NULL;
	unsigned k = 0;
	int rc;

	for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++) {
		const config_setting_t *t = config_setting_get_member(e, kinds[i]);

		if (t == NULL)
			continue;
		if (s != NULL)
			return ld_fail(l, t, "%s has both '%s' and '%s'; give one",
				       what, kinds[k], kinds[i]);
		s = t;
		k = i;
	}
	if (s == NULL)
		return ld_fail(l, e, "%s needs one of 'value', 'prefix', 'regex', 'present'",
			       what);
	m->kind = kind_of[k];
	if (m->kind == CONF_MATCH_PRESENT) {
		bool present = false;

		if ((rc = ld_get_bool(l, e, "present", &present)) != 0)
			return rc;
		/* "present = false" reads like "absent", which we do not
		 * implement: refuse it rather than match the opposite. */
		return present ? 0 : ld_fail(l, s, "'present' can only be true");
	}
	if ((rc = ld_get_string(l, e, kinds[k], what, true, &v)) != 0)
		return rc;
	if (*v == '\0' && m->kind != CONF_MATCH_VALUE)
		return ld_fail(l, s, "'%s' must not be empty", kinds[k]);
	return ld_dup(l, v, &m->arg);
}

static int load_matchers(struct conf_loader *l, const config_setting_t *ic,
			 struct conf_intercept *in)
{
	static const char *const keys[] = { "name", "baggage", "value",
		"prefix", "regex", "present", NULL };
	config_setting_t *list;
	unsigned n;
	int rc;

	if ((rc = ld_get_list(l, ic, "headers", false, &list, &n)) != 0 || n == 0)
		return rc;
	if (n > CONF_MAX_MATCHERS)
		return ld_fail(l, list, "at most %d header matchers per intercept",
			       CONF_MAX_MATCHERS);
	for (unsigned i = 0; i < n; i++) {
		struct conf_matcher *m = &in->matchers[i];
		const char *hdr = NULL, *bag = NULL;
		config_setting_t *e;
		char what[LD_WHAT_MAX];

		if ((rc = ld_get_elem(l, list, i, "header matcher", &e)) != 0)
			return rc;
		snprintf(what, sizeof(what), "header matcher #%u of intercept '%s'",
			 i + 1, in->name);
		in->n_matchers = i + 1;
		m->line = ld_line(e);
		if ((rc = ld_check_keys(l, e, keys, what)) != 0 ||
		    (rc = ld_get_checked(l, e, "name", what, false,
					 conf_check_token, &hdr)) != 0 ||
		    (rc = ld_get_checked(l, e, "baggage", what, false,
					 conf_check_token, &bag)) != 0)
			return rc;
		if ((hdr == NULL) == (bag == NULL))
			return ld_fail(l, e, "%s needs exactly one of 'name' (a header) and 'baggage' (a baggage key)",
				       what);
		if ((rc = load_match_kind(l, e, m, what)) != 0 ||
		    (rc = ld_dup(l, hdr != NULL ? hdr : bag,
				 hdr != NULL ? &m->name : &m->baggage)) != 0)
			return rc;
		/* Header names are case-insensitive (RFC 9110 section 5.1):
		 * store one spelling. Baggage keys are compared as written. */
		if (m->name != NULL)
			conf_lower(m->name);
	}
	return 0;
}

static int load_intercept_path(struct conf_loader *l, const config_setting_t *e,
			       struct conf_intercept *in)
{
	static const char *const keys[] = { "path_equal", "path_prefix",
		"path_regex" };
	static const enum conf_path_kind kinds[] = { CONF_PATH_EQUAL,
		CONF_PATH_PREFIX, CONF_PATH_REGEX };
	const config_setting_t *s = NULL;
	unsigned k = 0;
	const char *v = NULL;
	int rc;

	for (unsigned i = 0; i < ARRAY_SIZE(keys); i++) {
		const config_setting_t *t = config_setting_get_member(e, keys[i]);

		if (t == NULL)
			continue;
		if (s != NULL)
			return ld_fail(l, t, "intercept '%s' has both '%s' and '%s'; give at most one",
				       in->name, keys[k], keys[i]);
		s = t;
		k = i;
	}
	if (s == NULL)
		return 0;
	in->path_kind = kinds[k];
	in->path_line = ld_line(s);
	if (in->path_kind != CONF_PATH_REGEX)
		return get_path(l, e, keys[k], &in->path);
	if ((rc = ld_get_string(l, e, keys[k], NULL, false, &v)) != 0)
		return rc;
	if (*v == '\0')
		return ld_fail(l, s, "'path_regex' must not be empty");
	return ld_dup(l, v, &in->path);
}

static int load_preview(struct conf_loader *l, const config_setting_t *e,
			struct conf_intercept *in)
{
	const config_setting_t *s = config_setting_get_member(e, "preview");
	const char *v = NULL;
	int rc;

	if ((rc = ld_get_checked(l, e, "preview", NULL, false, conf_check_label,
				 &v)) != 0 || v == NULL)
		return rc;
	if (l->c->previews.domain == NULL)
		return ld_fail(l, s, "'preview' needs previews.domain to be set");
	if ((rc = ld_dup(l, v, &in->preview)) != 0)
		return rc;
	/* host names compare case-insensitively (RFC 4343) */
	conf_lower(in->preview);
	return 0;
}

static int load_intercepts(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "name", "service", "tunnel",
		"headers", "path_equal", "path_prefix", "path_regex", "preview",
		NULL };
	struct steer_conf *c = l->c;
	config_setting_t *list;
	struct ld_key *k;
	unsigned n, n_prev = 0;
	int rc;

	if ((rc = ld_get_list(l, root, "intercepts", false, &list, &n)) != 0 ||
	    n == 0)
		return rc;
	if ((c->intercepts = calloc(n, sizeof(*c->intercepts))) == NULL)
		return ld_oom(l);
	for (unsigned i = 0; i < n; i++) {
		struct conf_intercept *in = &c->intercepts[i];
		const char *tun = NULL;
		config_setting_t *e;
		char what[LD_WHAT_MAX];
		int t;

		if ((rc = ld_get_elem(l, list, i, "intercept", &e)) != 0)
			return rc;
		ld_describe(what, "intercept", e, i);
		c->n_intercepts = i + 1;
		in->line = ld_line(e);
		if ((rc = ld_check_keys(l, e, keys, what)) != 0 ||
		    (rc = ld_get_name(l, e, what, in->name)) != 0 ||
		    (rc = get_service_ref(l, e, "service", what, &in->service)) != 0 ||
		    (rc = ld_get_string(l, e, "tunnel", what, true, &tun)) != 0)
			return rc;
		if ((t = ld_find(l->tunnels_by_name, c->n_tunnels, tun)) < 0)
			return ld_fail(l, config_setting_get_member(e, "tunnel"),
				       "unknown tunnel '%.63s'", tun);
		in->tunnel = (unsigned)t;
		if ((rc = load_matchers(l, e, in)) != 0 ||
		    (rc = load_intercept_path(l, e, in)) != 0 ||
		    (rc = load_preview(l, e, in)) != 0)
			return rc;
		n_prev += in->preview != NULL;
	}
	if ((rc = LD_UNIQUE_NAMES(l, c->intercepts, n, "intercept", NULL)) != 0 ||
	    (rc = ld_keys_new(l, n_prev, &k)) != 0)
		return rc;
	n_prev = 0;
	for (unsigned i = 0; i < n; i++)
		if (c->intercepts[i].preview != NULL)
			k[n_prev++] = (struct ld_key){
				.str = c->intercepts[i].preview, .idx = i,
				.line = c->intercepts[i].line };
	return ld_keys_unique(l, k, n_prev, "preview");
}

static int load_control(struct conf_loader *l, const config_setting_t *root)
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

static int load(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "dataplane", "ports", "routes",
		"listeners", "services", "tunnels", "intercepts", "previews",
		"control", NULL };
	int rc;

	if ((rc = ld_check_keys(l, root, keys, "the top level")) != 0 ||
	    (rc = load_dataplane(l, root)) != 0 ||
	    (rc = load_ports(l, root)) != 0 ||
	    (rc = load_routes(l, root)) != 0 ||
	    (rc = load_services(l, root)) != 0 ||
	    (rc = load_tunnels(l, root)) != 0 ||
	    (rc = load_listeners(l, root)) != 0 ||
	    (rc = load_previews(l, root)) != 0 ||
	    (rc = load_intercepts(l, root)) != 0 ||
	    (rc = load_control(l, root)) != 0)
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

void conf_free(struct steer_conf *c)
{
	if (c == NULL)
		return;
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
	for (unsigned i = 0; i < c->n_intercepts; i++) {
		struct conf_intercept *in = &c->intercepts[i];

		for (unsigned j = 0; j < in->n_matchers; j++) {
			free(in->matchers[j].name);
			free(in->matchers[j].baggage);
			free(in->matchers[j].arg);
		}
		free(in->path);
		free(in->preview);
	}
	free(c->intercepts);
	free(c->previews.domain);
	free(c->previews.header);
	free(c->control.socket);
	free(c->control.group);
	free(c->control.metrics);
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
		if (strcmp(c->intercepts[i].name, name) == 0)
			return (int)i;
	return -1;
}
