/* Health checks on the main lcore (health.h). Each tick walks the
 * backends of the running ruleset: connect failures the workers counted
 * (passive detection) and the verdicts' clocks. A change of any backend's
 * state rebuilds the health view once for the tick and publishes it. */
#include <errno.h>
#include <stdio.h>

#include "health.h"
#include "hc_table.h"
#include "publish.h"

int health_init(struct dp_shared *sh)
{
	return hc_registry_create(sh);
}

void health_fini(struct dp_shared *sh)
{
	hc_registry_free(sh);
}

void health_input(struct dp_shared *sh, struct rte_mbuf *m, uint64_t now)
{
	(void)now;
	/* No check is in progress yet: nothing sends from these ports. */
	sh->ctrl_st.drop[DROP_health_stray]++;
	rte_pktmbuf_free(m);
}

/* Backend B of service CS with health slot S: true if its state changed. */
static bool backend_tick(struct dp_shared *sh, const struct conf_service *cs,
			 uint32_t s, uint64_t now)
{
	struct hc_registry *r = sh->hc;
	struct hc_slot *e = &r->slot[s];
	struct hc_params p;
	bool changed = false;

	hc_params_of(&p, cs->health.enabled, cs->health.rise, cs->health.fall);
	uint32_t fails = atomic_load_explicit(&r->fails[s], memory_order_relaxed);
	if (fails > 0) {
		changed = hc_verdict_passive(&e->v, &p, fails, now);
		/* Down, the count starts again: failures of flows that were
		 * already connecting say nothing new. */
		if (e->v.down)
			atomic_store_explicit(&r->fails[s], 0, memory_order_relaxed);
	}
	return hc_verdict_tick(&e->v, &p, now) || changed;
}

void health_tick(struct dp_shared *sh, uint64_t now)
{
	struct dp_pub *pub = dp_pub_load(sh);
	const struct dp_health *h = pub ? dp_health_load(pub) : NULL;
	bool changed = false;

	if (h == NULL)
		return;
	const struct steer_conf *c = rs_conf(pub->rs);
	for (unsigned s = 0; s < c->n_services && s < h->n_svc; s++) {
		const struct conf_service *cs = &c->services[s];
		for (unsigned b = 0; b < cs->n_backends; b++)
			if (h->svc[s].slot[b] != HC_NONE)
				changed |= backend_tick(sh, cs, h->svc[s].slot[b], now);
	}
	if (changed && dp_publish_health(sh) != 0)
		fprintf(stderr, "steerd: out of memory publishing backend health\n");
}
