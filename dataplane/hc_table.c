/* The health view of a ruleset (hc_table.h): slots found by backend, and
 * Maglev tables without the down backends. Control thread only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "hc_table.h"
#include "rules.h"
#include "shash.h"

int hc_registry_create(struct dp_shared *sh)
{
	struct hc_registry *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	/* Shared with the workers: from the EAL's memory, like the rest
	 * of what they read. */
	r->fails = rte_zmalloc("hc_fails", sizeof(*r->fails) * HC_SLOTS,
			       RTE_CACHE_LINE_SIZE);
	r->port_peer = rte_zmalloc("hc_peers", sizeof(*r->port_peer) * HC_PORT_COUNT,
				   RTE_CACHE_LINE_SIZE);
	if (r->fails == NULL || r->port_peer == NULL) {
		rte_free(r->fails);
		rte_free(r->port_peer);
		free(r);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < HC_PORT_COUNT; i++)
		r->port_slot[i] = HC_NONE;
	sh->hc = r;
	return 0;
}

void hc_registry_free(struct dp_shared *sh)
{
	if (sh->hc == NULL)
		return;
	rte_free(sh->hc->fails);
	rte_free(sh->hc->port_peer);
	free(sh->hc->slot);
	free(sh->hc);
	sh->hc = NULL;
}

static uint64_t slot_key(const char *service, uint32_t ip, uint16_t port)
{
	return shash_mix(shash_bytes(service, strlen(service), 0x68630000u),
			 (uint64_t)ip << 16 | port);
}

/* A free slot for SERVICE's backend IP:PORT, or HC_NONE when all
 * HC_SLOTS are taken. */
static uint32_t slot_new(struct hc_registry *r, const char *service,
			 uint32_t ip, uint16_t port)
{
	uint32_t s;

	if (r->n_used == HC_SLOTS)
		return HC_NONE;
	/* From the last one taken: at boot (and whenever none were given
	 * back) the free slots are all past it, so thousands of backends
	 * take their slots in linear time. */
	for (s = r->hint; s < r->cap && r->slot[s].used; s++)
		;
	if (s == r->cap && r->n_used < r->cap)
		for (s = 0; s < r->cap && r->slot[s].used; s++)
			;
	if (s == r->cap) {
		uint32_t cap = r->cap ? r->cap * 2 : 64;
		if (cap > HC_SLOTS)
			cap = HC_SLOTS;
		struct hc_slot *n = realloc(r->slot, sizeof(*n) * cap);
		if (n == NULL)
			return HC_NONE;
		memset(n + r->cap, 0, sizeof(*n) * (cap - r->cap));
		r->slot = n;
		r->cap = cap;
	}
	struct hc_slot *e = &r->slot[s];
	memset(e, 0, sizeof(*e));
	e->used = true;
	snprintf(e->service, sizeof(e->service), "%s", service);
	e->ip = ip;
	e->port = port;
	hc_verdict_init(&e->v, 0);
	/* whatever a previous owner of the slot left */
	atomic_store_explicit(&r->fails[s], 0, memory_order_relaxed);
	r->n_used++;
	r->hint = s + 1;
	return s;
}

static uint32_t slot_find(const struct hc_registry *r, const struct shash *idx,
			  const char *service, uint32_t ip, uint16_t port)
{
	for (uint32_t n = shash_first(idx, slot_key(service, ip, port));
	     n != SHASH_NONE; n = idx->next[n]) {
		const struct hc_slot *e = &r->slot[idx->vals[n]];
		if (e->ip == ip && e->port == port &&
		    strcmp(e->service, service) == 0)
			return idx->vals[n];
	}
	return HC_NONE;
}

void hc_table_free(struct dp_health *h)
{
	if (h == NULL)
		return;
	for (unsigned s = 0; s < h->n_svc; s++) {
		free((void *)h->svc[s].maglev);
		free((void *)h->svc[s].down);
		free((void *)h->svc[s].slot);
	}
	free(h);
}

/* Service S's table without its down backends, when any is down. */
static int svc_build(const struct hc_registry *r, const struct ruleset *rs,
		     unsigned s, struct dp_health_svc *hs, const uint32_t *slot)
{
	const struct conf_service *cs = &rs_conf(rs)->services[s];
	bool any = false;
	bool *down = calloc(cs->n_backends ? cs->n_backends : 1, sizeof(*down));

	if (down == NULL)
		return -ENOMEM;
	for (unsigned b = 0; b < cs->n_backends; b++) {
		down[b] = slot[b] != HC_NONE && r->slot[slot[b]].v.down;
		any |= down[b] && !cs->backends[b].drained;
	}
	const uint16_t *base = rs_maglev(rs, s, &hs->maglev_size);
	if (!any || base == NULL) {
		free(down);
		return 0;
	}
	uint16_t *t = malloc(sizeof(*t) * hs->maglev_size);
	if (t == NULL) {
		free(down);
		return -ENOMEM;
	}
	int ret = rs_maglev_without(rs, s, down, t);
	if (ret != 0) {
		free(t);
		free(down);
		/* Every backend down: use them all rather than none. A check
		 * that fails everywhere at once (a wrong path, a network
		 * fault on our side) must not take the whole service away;
		 * connect retries still walk past the dead ones. */
		return ret == -ENOENT ? 0 : ret;
	}
	hs->maglev = t;
	hs->down = down;
	return 0;
}

struct dp_health *hc_table_build(struct dp_shared *sh, const struct ruleset *rs)
{
	struct hc_registry *r = sh->hc;
	const struct steer_conf *c = rs_conf(rs);
	struct dp_health *h;
	struct shash idx;
	int ret = -ENOMEM;

	if (r == NULL) {
		errno = ENOENT;
		return NULL;
	}
	h = calloc(1, sizeof(*h) + sizeof(h->svc[0]) * c->n_services);
	if (h == NULL || shash_init(&idx, r->n_used + 16) != 0) {
		free(h);
		errno = ENOMEM;
		return NULL;
	}
	h->n_svc = c->n_services;
	for (uint32_t s = 0; s < r->cap; s++)
		if (r->slot[s].used &&
		    shash_add(&idx, slot_key(r->slot[s].service, r->slot[s].ip,
					     r->slot[s].port), s) != 0)
			goto fail;
	for (unsigned s = 0; s < c->n_services; s++) {
		const struct conf_service *cs = &c->services[s];
		uint32_t *slot = malloc(sizeof(*slot) * (cs->n_backends + 1));
		if (slot == NULL)
			goto fail;
		h->svc[s].slot = slot;
		h->svc[s].n_backends = cs->n_backends;
		for (unsigned b = 0; b < cs->n_backends; b++) {
			const struct conf_backend *be = &cs->backends[b];
			slot[b] = slot_find(r, &idx, cs->name, be->ip, be->port);
			if (slot[b] != HC_NONE)
				continue;
			slot[b] = slot_new(r, cs->name, be->ip, be->port);
			if (slot[b] != HC_NONE &&
			    shash_add(&idx, slot_key(cs->name, be->ip, be->port),
				      slot[b]) != 0)
				goto fail;
		}
		if ((ret = svc_build(r, rs, s, &h->svc[s], slot)) != 0)
			goto fail;
	}
	shash_free(&idx);
	return h;
fail:
	shash_free(&idx);
	hc_table_free(h);
	errno = -ret;
	return NULL;
}

void hc_registry_gc(struct dp_shared *sh, const struct dp_health *h)
{
	struct hc_registry *r = sh->hc;
	bool *keep;

	if (r == NULL || h == NULL || (keep = calloc(r->cap + 1, 1)) == NULL)
		return;
	for (unsigned s = 0; s < h->n_svc; s++)
		for (uint32_t b = 0; b < h->svc[s].n_backends; b++)
			if (h->svc[s].slot[b] != HC_NONE)
				keep[h->svc[s].slot[b]] = true;
	for (uint32_t s = 0; s < r->cap; s++)
		if (r->slot[s].used && !keep[s]) {
			r->slot[s].used = false;
			r->n_used--;
		}
	free(keep);
}
