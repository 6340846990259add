/* Immutable multimap from a 64-bit key hash to uint32 values, built on the
 * control plane and then only read (no locks: readers see a finished
 * table). A table for a new ruleset that differs from the running one by
 * a few entries is made by copying the running one and patching the copy
 * (shash_copy, shash_del, shash_shift, shash_add): the running one is
 * never written. Keys are hashes, so two different keys may share a slot: callers
 * verify every candidate, and a collision costs only a wasted check.
 *
 * Used by the rule engine for exact-value matchers, so looking up one of
 * 100 000 developers' intercept ids costs the same as one of ten. */
#ifndef STEER_SHASH_H
#define STEER_SHASH_H

#include <stddef.h>
#include <stdint.h>

#define SHASH_NONE UINT32_MAX

struct shash {
	uint64_t *keys;           /* slot key */
	uint32_t *heads;          /* slot's first node, SHASH_NONE: empty slot */
	uint32_t *tails;          /* slot's last node (appends stay O(1)) */
	uint32_t mask;            /* slots - 1 (a power of two) */
	uint32_t n_keys;
	uint32_t *vals;           /* node value */
	uint32_t *next;           /* node chain, SHASH_NONE ends it */
	uint32_t n_nodes;
	uint32_t cap_nodes;
	uint32_t n_free;          /* deleted nodes, reused by shash_add */
	uint32_t free_head;       /* first of them (chained by next), if n_free */
};

/* 64-bit hash of P[0..N) with SEED. shash_bytes_lower() hashes as if ASCII
 * letters were lowercase (for case-insensitive header names and hosts). */
uint64_t shash_bytes(const void *p, size_t n, uint64_t seed);
uint64_t shash_bytes_lower(const void *p, size_t n, uint64_t seed);

/* Mix two 64-bit values into one key. */
static inline uint64_t shash_mix(uint64_t a, uint64_t b)
{
	uint64_t h = (a ^ (b + 0x9e3779b97f4a7c15ull + (a << 6) + (a >> 2)));
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* Start an empty map. Returns 0 or -ENOMEM. */
int shash_init(struct shash *h, uint32_t expected);

/* Add VAL under KEY (values of one key keep their insertion order).
 * Returns 0 or -ENOMEM (the map is unchanged then). */
int shash_add(struct shash *h, uint64_t key, uint32_t val);

/* First node of KEY, or SHASH_NONE; walk with h->next[node]. */
static inline uint32_t shash_first(const struct shash *h, uint64_t key)
{
	if (h->n_keys == 0)
		return SHASH_NONE;
	for (uint32_t i = (uint32_t)key & h->mask;; i = (i + 1) & h->mask) {
		if (h->heads[i] == SHASH_NONE)
			return SHASH_NONE;
		if (h->keys[i] == key)
			return h->heads[i];
	}
}

/* Remove the first node of KEY whose value is VAL. Returns 0, or -ENOENT
 * when there is none. Values of KEY keep their order. */
int shash_del(struct shash *h, uint64_t key, uint32_t val);

/* Every value >= FROM becomes value - BY (the indexes a table holds after
 * BY entries before FROM were taken out of the array they index). */
void shash_shift(struct shash *h, uint32_t from, uint32_t by);

/* DST := a copy of SRC (DST is overwritten, not freed). 0 or -ENOMEM. */
int shash_copy(struct shash *dst, const struct shash *src);

void shash_free(struct shash *h);

#endif
