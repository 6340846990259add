/* The client 4-tuple table (ftab.h): sizing, insertion, deletion. */
#include <errno.h>

#include <rte_malloc.h>

#include "ftab.h"

/* splitmix64: spreads one seed into the hash's independent multipliers. */
static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int ftab_init(struct ftab *t, uint32_t max, int socket, uint64_t seed)
{
	uint32_t bits = 4;

	while (bits < 31 && (1u << bits) < 2ull * max)
		bits++;
	*t = (struct ftab){ .mask = (1u << bits) - 1, .shift = 64 - bits, .max = max };
	t->slot = rte_malloc_socket("ftab", sizeof(*t->slot) * ((size_t)t->mask + 1),
				    RTE_CACHE_LINE_SIZE, socket);
	if (t->slot == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i <= t->mask; i++)
		t->slot[i].idx = FTAB_NONE;
	/* Odd multipliers, as the multiply-shift family asks. */
	t->m0 = mix(&seed) | 1;
	t->m1 = mix(&seed) | 1;
	t->m2 = mix(&seed) | 1;
	t->add = mix(&seed);
	return 0;
}

void ftab_fini(struct ftab *t)
{
	rte_free(t->slot);
	t->slot = NULL;
	t->n = 0;
}

int ftab_add(struct ftab *t, const struct flow_key *k, uint32_t idx)
{
	uint32_t i = ftab_home(t, k);

	for (;; i = (i + 1) & t->mask) {
		struct ftab_slot *s = &t->slot[i];
		if (s->idx == FTAB_NONE)
			break;
		if (ftab_key_eq(&s->k, k))
			return -EEXIST;
	}
	if (t->n >= t->max)
		return -ENOSPC;
	t->slot[i].k = *k;
	t->slot[i].idx = idx;
	t->n++;
	return 0;
}

uint32_t ftab_del(struct ftab *t, const struct flow_key *k)
{
	uint32_t i = ftab_home(t, k);

	for (;; i = (i + 1) & t->mask) {
		if (t->slot[i].idx == FTAB_NONE)
			return FTAB_NONE;
		if (ftab_key_eq(&t->slot[i].k, k))
			break;
	}
	uint32_t idx = t->slot[i].idx;
	/* Backward shift: move up every later key of the run whose home is
	 * not between the hole and it (cyclically), so that a lookup never
	 * meets an empty slot before its key. */
	for (uint32_t j = (i + 1) & t->mask; t->slot[j].idx != FTAB_NONE;
	     j = (j + 1) & t->mask) {
		uint32_t h = ftab_home(t, &t->slot[j].k);
		if (((j - h) & t->mask) >= ((j - i) & t->mask)) {
			t->slot[i] = t->slot[j];
			i = j;
		}
	}
	t->slot[i].idx = FTAB_NONE;
	t->n--;
	return idx;
}
