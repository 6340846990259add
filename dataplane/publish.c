#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_rcu_qsbr.h>

#include "publish.h"
#include "shash.h"
#include "worker.h"

static void pub_free(struct dp_pub *p, unsigned n_workers, bool keep_rs)
{
	if (p == NULL)
		return;
	for (unsigned i = 0; i < n_workers; i++)
		rs_scratch_free(p->scratch[i]);
	if (!keep_rs)
		rs_free(p->rs);
	hc_table_free(atomic_load_explicit(&p->health, memory_order_relaxed));
	free(p->slot);
	free(p);
}

static uint64_t slot_sum(const struct dp_shared *sh, uint32_t slot)
{
	uint64_t s = 0;

	for (unsigned w = 0; w < sh->n_workers; w++)
		s += sh->workers[w]->st.decisions[slot];
	return s;
}

/* Give every intercept of C a counter slot: the slot its name already has,
 * or a free one whose count so far becomes its baseline. Names no longer
 * present give their slots back (after the new ruleset is in force, since
 * in-flight decisions of the old one still count into them). */
static int assign_slots(struct dp_shared *sh, const struct steer_conf *c,
			uint32_t *slot, bool *keep)
{
	struct shash names;
	uint32_t next_free = 0;

	if (shash_init(&names, c->n_intercepts) != 0)
		return -ENOMEM;
	for (uint32_t s = 0; s < sh->slot_hi; s++)
		if (sh->slot_name[s] &&
		    shash_add(&names, shash_bytes(sh->slot_name[s],
						  strlen(sh->slot_name[s]), 0), s) != 0) {
			shash_free(&names);
			return -ENOMEM;
		}
	for (uint32_t i = 0; i < c->n_intercepts; i++) {
		const char *name = c->intercepts[i]->name;
		uint32_t n = shash_first(&names, shash_bytes(name, strlen(name), 0));
		slot[i] = STEER_MAX_SLOTS;
		for (; n != SHASH_NONE; n = names.next[n])
			if (strcmp(sh->slot_name[names.vals[n]], name) == 0) {
				slot[i] = names.vals[n];
				break;
			}
		if (slot[i] == STEER_MAX_SLOTS) {
			while (next_free < STEER_MAX_SLOTS &&
			       (sh->slot_name[next_free] || keep[next_free]))
				next_free++;
			if (next_free == STEER_MAX_SLOTS) {
				shash_free(&names);
				return -ENOSPC;
			}
			sh->slot_name[next_free] = strdup(name);
			if (sh->slot_name[next_free] == NULL) {
				shash_free(&names);
				return -ENOMEM;
			}
			sh->slot_base[next_free] = slot_sum(sh, next_free);
			if (sh->slot_hi <= next_free)
				sh->slot_hi = next_free + 1;
			slot[i] = next_free++;
		}
		keep[slot[i]] = true;
	}
	shash_free(&names);
	return 0;
}

/* The slots of a ruleset derived from OLD's by one intercept: OLD's, less
 * the removed one's (*GONE, given back after the grace period), plus a free
 * one for the added one. O(intercepts) copies, no names hashed. */
static int edit_slots(struct dp_shared *sh, const struct dp_pub *old,
		      const struct steer_conf *c, int removed, bool added,
		      uint32_t *slot, uint32_t *gone)
{
	uint32_t n_old = c->n_intercepts - added + (removed >= 0);
	uint32_t k = removed >= 0 ? (uint32_t)removed : n_old;

	memcpy(slot, old->slot, sizeof(*slot) * k);
	if (k < n_old)
		memcpy(slot + k, old->slot + k + 1, sizeof(*slot) * (n_old - k - 1));
	*gone = removed >= 0 ? old->slot[removed] : STEER_MAX_SLOTS;
	if (!added)
		return 0;
	/* A new name has no slot (names leave with their intercepts). Start
	 * where the last search ended: slots are taken in order. */
	for (uint32_t t = 0; t < STEER_MAX_SLOTS; t++) {
		uint32_t s = (sh->slot_hint + t) % STEER_MAX_SLOTS;
		if (sh->slot_name[s] != NULL)
			continue;
		const char *name = c->intercepts[c->n_intercepts - 1]->name;
		if ((sh->slot_name[s] = strdup(name)) == NULL)
			return -ENOMEM;
		sh->slot_base[s] = slot_sum(sh, s);
		if (sh->slot_hi <= s)
			sh->slot_hi = s + 1;
		slot[c->n_intercepts - 1] = s;
		sh->slot_hint = s + 1;
		return 0;
	}
	return -ENOSPC;
}

int dp_publish(struct dp_shared *sh, struct ruleset *rs, char *err, size_t errlen)
{
	struct dp_pub *old = atomic_load_explicit(&sh->pub, memory_order_relaxed);
	const struct steer_conf *c = rs_conf(rs);
	struct dp_pub *p = calloc(1, sizeof(*p));
	bool *keep = NULL;
	uint32_t gone = STEER_MAX_SLOTS;
	int removed = -1, ret = -ENOMEM;
	bool added = false;
	bool edit = old != NULL && rs_edit_of(rs, old->rs, &removed, &added);

	if (p == NULL || (!edit && (keep = calloc(STEER_MAX_SLOTS, sizeof(bool))) == NULL))
		goto fail;
	p->rs = rs;
	p->generation = old ? old->generation + 1 : 1;
	p->published_ms = worker_ms();
	p->slot = calloc(c->n_intercepts + 1, sizeof(uint32_t));
	if (p->slot == NULL)
		goto fail;
	for (unsigned i = 0; i < sh->n_workers; i++) {
		p->scratch[i] = rs_scratch_alloc(rs, NULL);
		if (p->scratch[i] == NULL)
			goto fail;
	}
	/* The new rules come into force with what checks already know
	 * about their backends: a backend down stays down across a reload. */
	struct dp_health *h = hc_table_build(sh, rs);
	if (h == NULL && errno != ENOENT)
		goto fail;
	atomic_store_explicit(&p->health, h, memory_order_relaxed);
	ret = edit ? edit_slots(sh, old, c, removed, added, p->slot, &gone) :
		     assign_slots(sh, c, p->slot, keep);
	if (ret != 0) {
		if (ret == -ENOSPC)
			snprintf(err, errlen, "no decision counter slot left (%u intercept names in use)",
				 STEER_MAX_SLOTS);
		goto fail;
	}
	/* release: workers that load P see the ruleset, the scratches and the
	 * slots fully written. */
	atomic_store_explicit(&sh->pub, p, memory_order_release);
	if (old != NULL) {
		/* Grace period: every worker has finished the loop iteration
		 * that may still use OLD. */
		rte_rcu_qsbr_synchronize(sh->qsbr, RTE_QSBR_THRID_INVALID);
		/* A derived ruleset's configuration takes over what it
		 * shares with the old one before that is freed. */
		rs_adopt(rs, old->rs);
		pub_free(old, sh->n_workers, false);
	}
	hc_registry_gc(sh, h);
	for (uint32_t s = 0; keep != NULL && s < sh->slot_hi; s++)
		if (sh->slot_name[s] && !keep[s]) {
			free(sh->slot_name[s]);
			sh->slot_name[s] = NULL;
		}
	if (gone < STEER_MAX_SLOTS) {
		free(sh->slot_name[gone]);
		sh->slot_name[gone] = NULL;
	}
	free(keep);
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory publishing the ruleset");
	if (p)
		pub_free(p, sh->n_workers, false);
	else
		rs_free(rs);
	free(keep);
	return ret;
}

int dp_publish_health(struct dp_shared *sh)
{
	struct dp_pub *p = atomic_load_explicit(&sh->pub, memory_order_relaxed);
	struct dp_health *h = hc_table_build(sh, p->rs);

	if (h == NULL)
		return errno == ENOENT ? 0 : -ENOMEM;
	/* release: workers that load H see its tables fully written. */
	struct dp_health *old = atomic_exchange_explicit(&p->health, h,
							 memory_order_release);
	rte_rcu_qsbr_synchronize(sh->qsbr, RTE_QSBR_THRID_INVALID);
	hc_table_free(old);
	return 0;
}

uint64_t dp_decisions(const struct dp_shared *sh, const uint64_t *sum, uint32_t i)
{
	const struct dp_pub *p = atomic_load_explicit(&sh->pub, memory_order_acquire);
	uint32_t s = p->slot[i];

	return sum[s] - sh->slot_base[s];
}

void dp_publish_fini(struct dp_shared *sh)
{
	struct dp_pub *p = atomic_load_explicit(&sh->pub, memory_order_relaxed);

	atomic_store_explicit(&sh->pub, NULL, memory_order_relaxed);
	pub_free(p, sh->n_workers, false);
	for (uint32_t s = 0; sh->slot_name && s < STEER_MAX_SLOTS; s++)
		free(sh->slot_name[s]);
	free(sh->slot_name);
	free(sh->slot_base);
	sh->slot_name = NULL;
	sh->slot_base = NULL;
}
