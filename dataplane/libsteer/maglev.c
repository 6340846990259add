/* Weighted Maglev table population (Eisenbud et al., NSDI 2016, section 3.4).
 *
 * Each backend walks its own permutation of the slots, (offset + j * skip)
 * % size, and in turn claims the first slot of it nobody holds yet. The paper
 * stores the whole n x size permutation matrix; we keep one cursor per
 * backend instead, so memory is O(n) besides the table (65535 backends x
 * 65537 slots would otherwise need 16 GiB).
 *
 * Weights: the paper gives every backend one turn per round. Here a backend
 * earns weights[i] credit per round and takes a turn for every max_weight of
 * credit, so over R rounds it takes about R * weights[i] / max_weight turns
 * and its share of the table is proportional to its weight. */
#include <errno.h>
#include <stdlib.h>

#include "maglev.h"

/* A slot nobody has claimed yet. Backend indexes are < n <=
 * MAGLEV_MAX_BACKENDS, so this value never names a backend and the table
 * itself can record which slots are free, with no side bitmap. */
#define SLOT_FREE UINT16_MAX
_Static_assert(MAGLEV_MAX_BACKENDS <= SLOT_FREE,
	       "a backend index would collide with the free-slot marker");

/* The paper's "next[i]" plus the state the weighted variant needs. */
struct maglev_cursor {
	uint32_t slot;   /* next position of this backend's permutation */
	uint32_t skip;   /* in [1, size - 1]: size is prime, so the walk
			  * visits every slot before repeating */
	uint64_t credit; /* < 2 * max_weight, so 64 bits cannot overflow */
};

/* MurmurHash3's 64-bit finalizer. The offset and skip derived from it decide
 * every table, and several steer instances behind ECMP must agree on the
 * backend for a flow: changing this function (or the seeds below) moves
 * nearly every flow on upgrade, so treat it as frozen. */
static uint64_t maglev_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* Two unrelated seeds so offset and skip are independent functions of the
 * id, as the paper's h1/h2 are. */
#define MAGLEV_SEED_OFFSET 0x9e3779b97f4a7c15ull
#define MAGLEV_SEED_SKIP   0x6a09e667f3bcc909ull

bool maglev_is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 4)
		return n >= 2;
	if (n % 2 == 0)
		return false;
	/* d <= n / d rather than d * d <= n: the square overflows near
	 * UINT32_MAX. Only called at config time, so plain trial division
	 * (at most 32768 divisions) is plenty. */
	for (d = 3; d <= n / d; d += 2)
		if (n % d == 0)
			return false;
	return true;
}

/* Returns 0 when no uint32_t prime is >= N (N > 4294967291): 0 is not
 * prime, so a caller passing the result to maglev_build() gets -EINVAL
 * instead of a silently smaller table. */
uint32_t maglev_next_prime(uint32_t n)
{
	if (n <= 2)
		return 2;
	if (n % 2 == 0)
		n++;
	for (;;) {
		if (maglev_is_prime(n))
			return n;
		if (n > UINT32_MAX - 2)
			return 0;
		n += 2;
	}
}

/* Advance CUR along its permutation to the first free slot and return it.
 * Terminates while any slot is free because the permutation covers them
 * all. */
static uint32_t maglev_cursor_claim(struct maglev_cursor *cur,
				    const uint16_t *table, uint32_t size)
{
	uint32_t slot;
	uint64_t next;

	do {
		slot = cur->slot;
		/* 64-bit sum: slot + skip can exceed UINT32_MAX for tables
		 * above 2^31 slots. */
		next = (uint64_t)slot + cur->skip;
		cur->slot = (uint32_t)(next >= size ? next - size : next);
	} while (table[slot] != SLOT_FREE);
	return slot;
}

int maglev_build(uint16_t *table, uint32_t size, const uint64_t *ids,
		 const uint32_t *weights, unsigned n)
{
	struct maglev_cursor *cur;
	uint32_t max_weight = 1, filled = 0, s;
	unsigned i;

	if (table == NULL || ids == NULL || n == 0 ||
	    n > MAGLEV_MAX_BACKENDS || size < n || !maglev_is_prime(size))
		return -EINVAL;
	if (weights != NULL) {
		for (i = 0; i < n; i++) {
			if (weights[i] == 0)
				return -EINVAL;
			if (weights[i] > max_weight)
				max_weight = weights[i];
		}
	}

	cur = calloc(n, sizeof(*cur));
	if (cur == NULL)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		uint32_t w = weights != NULL ? weights[i] : 1;

		cur[i].slot = (uint32_t)(maglev_mix(ids[i] ^ MAGLEV_SEED_OFFSET)
					 % size);
		/* size >= 2 (prime), so size - 1 >= 1. */
		cur[i].skip = (uint32_t)(maglev_mix(ids[i] ^ MAGLEV_SEED_SKIP)
					 % (size - 1)) + 1;
		/* Start every backend one turn's worth short of max_weight so
		 * all of them claim a slot in the first round: with size >= n
		 * no backend is left out of the table, however small its
		 * weight next to the others. This shifts each share by at
		 * most one slot. */
		cur[i].credit = max_weight - w;
	}

	/* Nothing is written before validation passed: a rejected build leaves
	 * the caller's table as it was. */
	for (s = 0; s < size; s++)
		table[s] = SLOT_FREE;

	/* Each round, the heaviest backends take a turn, so the loop ends
	 * after at most size rounds. */
	for (;;) {
		for (i = 0; i < n; i++) {
			cur[i].credit += weights != NULL ? weights[i] : 1;
			if (cur[i].credit < max_weight)
				continue;
			cur[i].credit -= max_weight;
			table[maglev_cursor_claim(&cur[i], table, size)] =
				(uint16_t)i;
			if (++filled == size)
				goto out;
		}
	}
out:
	free(cur);
	return 0;
}

int maglev_remove(uint16_t *table, uint32_t size, const uint64_t *ids,
		  const uint32_t *weights, unsigned n, const bool *gone)
{
	uint64_t *sub_ids;
	uint32_t *sub_w;
	uint16_t *map, *sub;
	unsigned k = 0;
	int ret = -ENOMEM;

	if (table == NULL || ids == NULL || gone == NULL || n == 0 ||
	    n > MAGLEV_MAX_BACKENDS)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		k += !gone[i];
	if (k == 0)
		return -ENOENT;
	if (k == n)
		return 0;
	sub_ids = malloc(sizeof(*sub_ids) * k);
	sub_w = malloc(sizeof(*sub_w) * k);
	map = malloc(sizeof(*map) * k);
	sub = malloc(sizeof(*sub) * size);
	if (sub_ids == NULL || sub_w == NULL || map == NULL || sub == NULL)
		goto out;
	k = 0;
	for (unsigned i = 0; i < n; i++) {
		if (gone[i])
			continue;
		sub_ids[k] = ids[i];
		sub_w[k] = weights != NULL ? weights[i] : 1;
		map[k++] = (uint16_t)i;
	}
	/* The survivors' own table decides where the gone backends' slots
	 * go: their flows spread over the others by weight, and every node
	 * that saw the same backends go reaches the same table. */
	ret = maglev_build(sub, size, sub_ids, sub_w, k);
	if (ret != 0)
		goto out;
	for (uint32_t s = 0; s < size; s++) {
		if (table[s] >= n) {
			ret = -EINVAL;    /* not a table of these backends */
			goto out;
		}
	}
	for (uint32_t s = 0; s < size; s++)
		if (gone[table[s]])
			table[s] = map[sub[s]];
out:
	free(sub_ids);
	free(sub_w);
	free(map);
	free(sub);
	return ret;
}
