/* The `services` section: each service's backends (address, weight,
 * drain, connection limits), its Maglev table size, retries and queueing.
 * A service's `health` group is conf_health.c's. Called by the loader in
 * conf.c; see conf_load.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <libconfig.h>

#include "conf.h"
#include "conf_health.h"
#include "conf_load.h"
#include "conf_parse.h"
#include "maglev.h"

/* Largest explicit maglev_size: a 2^24-slot table of uint16_t is 32 MiB per
 * service, already far beyond what 65535 backends need. */
#define CONF_MAGLEV_SIZE_MAX (1u << 24)

/* Connect attempts after the first, per request: each may take
 * connect_ms, so more would keep a client waiting for minutes. */
#define CONF_RETRIES_MAX 32

/* max_conns and max_queue: far beyond what one backend accepts, small
 * enough that the per-worker shares stay meaningful. */
#define CONF_MAX_CONNS 1000000

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

int conf_load_services(struct conf_loader *l, const config_setting_t *root)
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
