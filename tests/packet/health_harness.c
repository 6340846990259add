/* Packet-test helpers for health checks (health_harness.h). */
#include <string.h>

#include "hc_table.h"
#include "health.h"
#include "health_harness.h"
#include "publish.h"

void hh_tick(struct h_env *e)
{
	health_tick(e->sh, e->t0 + e->now);
	h_tick(e);
}

static const struct conf_service *service_of(const struct h_env *e,
					     const char *name, unsigned *idx)
{
	const struct steer_conf *c = rs_conf(dp_pub_load(e->sh)->rs);

	for (unsigned s = 0; s < c->n_services; s++)
		if (strcmp(c->services[s].name, name) == 0) {
			*idx = s;
			return &c->services[s];
		}
	return NULL;
}

const struct hc_verdict *hh_verdict(const struct h_env *e, const char *service,
				    enum h_target target)
{
	const struct dp_health *h = dp_health_load(dp_pub_load(e->sh));
	unsigned s;
	const struct conf_service *cs = service_of(e, service, &s);

	if (h == NULL || cs == NULL)
		return NULL;
	for (unsigned b = 0; b < cs->n_backends; b++)
		if (cs->backends[b].ip == h_target_ip(target) &&
		    cs->backends[b].port == h_target_port(target)) {
			uint32_t slot = h->svc[s].slot[b];
			return slot == HC_NONE ? NULL : &e->sh->hc->slot[slot].v;
		}
	return NULL;
}

const char *hh_state(const struct h_env *e, const char *service,
		     enum h_target target)
{
	const struct hc_verdict *v = hh_verdict(e, service, target);
	unsigned s;
	const struct conf_service *cs = service_of(e, service, &s);
	struct hc_params p;

	if (v == NULL || cs == NULL)
		return "untracked";
	hc_params_of(&p, cs->health.enabled, cs->health.rise, cs->health.fall);
	return hc_verdict_state(v, &p);
}
