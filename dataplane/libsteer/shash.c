#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shash.h"

/* A multiply-xorshift hash over 8-byte words: fast on short strings (header
 * values are tens of bytes) and good enough for a table whose collisions are
 * verified anyway. Not a defence against chosen keys: that would need a
 * per-boot seed, which rs_compile() passes. */
static inline uint64_t fold(uint64_t h, uint64_t w)
{
	h ^= w * 0x9e3779b97f4a7c15ull;
	h = (h << 31) | (h >> 33);
	return h * 0xbf58476d1ce4e5b9ull;
}

static inline uint64_t finish(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

uint64_t shash_bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = seed ^ (n * 0x100000001b3ull);
	uint64_t w;

	for (; n >= 8; n -= 8, s += 8) {
		memcpy(&w, s, 8);
		h = fold(h, w);
	}
	w = 0;
	memcpy(&w, s, n);
	return finish(fold(h, w));
}

uint64_t shash_bytes_lower(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = seed ^ (n * 0x100000001b3ull);
	uint64_t w;

	for (; n >= 8; n -= 8, s += 8) {
		memcpy(&w, s, 8);
		/* Lowercase 8 ASCII bytes at once: set bit 5 of each byte in
		 * 'A'..'Z' (SWAR range test; bytes >= 0x80 are left alone). */
		uint64_t hi = w & 0x8080808080808080ull;
		uint64_t x = w & ~0x8080808080808080ull;
		uint64_t ge_a = x + 0x3f3f3f3f3f3f3f3full;   /* >= 'A' sets 0x80 */
		uint64_t gt_z = x + 0x2525252525252525ull;   /* >  'Z' sets 0x80 */
		uint64_t upper = ge_a & ~gt_z & ~hi & 0x8080808080808080ull;
		h = fold(h, w | (upper >> 2));
	}
	w = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t c = s[i];
		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		w |= c << (8 * i);
	}
	return finish(fold(h, w));
}

int shash_init(struct shash *h, uint32_t expected)
{
	uint32_t slots = 16;

	memset(h, 0, sizeof(*h));
	while (slots < expected * 2u && slots < (1u << 31))
		slots <<= 1;
	h->keys = malloc(sizeof(*h->keys) * slots);
	h->heads = malloc(sizeof(*h->heads) * slots);
	h->tails = malloc(sizeof(*h->tails) * slots);
	if (h->keys == NULL || h->heads == NULL || h->tails == NULL) {
		shash_free(h);
		return -ENOMEM;
	}
	memset(h->heads, 0xff, sizeof(*h->heads) * slots);
	h->mask = slots - 1;
	return 0;
}

static int grow_slots(struct shash *h)
{
	struct shash n;
	uint32_t slots = (h->mask + 1) * 2;

	n = *h;
	n.keys = malloc(sizeof(*n.keys) * slots);
	n.heads = malloc(sizeof(*n.heads) * slots);
	n.tails = malloc(sizeof(*n.tails) * slots);
	if (n.keys == NULL || n.heads == NULL || n.tails == NULL) {
		free(n.keys);
		free(n.heads);
		free(n.tails);
		return -ENOMEM;
	}
	memset(n.heads, 0xff, sizeof(*n.heads) * slots);
	n.mask = slots - 1;
	for (uint32_t i = 0; i <= h->mask; i++) {
		if (h->heads[i] == SHASH_NONE)
			continue;
		uint32_t j = (uint32_t)h->keys[i] & n.mask;
		while (n.heads[j] != SHASH_NONE)
			j = (j + 1) & n.mask;
		n.keys[j] = h->keys[i];
		n.heads[j] = h->heads[i];
		n.tails[j] = h->tails[i];
	}
	free(h->keys);
	free(h->heads);
	free(h->tails);
	h->keys = n.keys;
	h->heads = n.heads;
	h->tails = n.tails;
	h->mask = n.mask;
	return 0;
}

int shash_add(struct shash *h, uint64_t key, uint32_t val)
{
	/* Keep the load factor at most 1/2 so probes stay short. */
	if ((h->n_keys + 1) * 2 > h->mask + 1 && grow_slots(h) != 0)
		return -ENOMEM;
	if (h->n_free == 0 && h->n_nodes == h->cap_nodes) {
		uint32_t cap = h->cap_nodes ? h->cap_nodes * 2 : 16;
		uint32_t *v = realloc(h->vals, sizeof(*v) * cap);
		if (v == NULL)
			return -ENOMEM;
		h->vals = v;
		uint32_t *nx = realloc(h->next, sizeof(*nx) * cap);
		if (nx == NULL)
			return -ENOMEM;
		h->next = nx;
		h->cap_nodes = cap;
	}
	uint32_t node;
	if (h->n_free > 0) {
		node = h->free_head;
		h->free_head = h->next[node];
		h->n_free--;
	} else {
		node = h->n_nodes++;
	}
	h->vals[node] = val;
	h->next[node] = SHASH_NONE;

	uint32_t i = (uint32_t)key & h->mask;
	while (h->heads[i] != SHASH_NONE && h->keys[i] != key)
		i = (i + 1) & h->mask;
	if (h->heads[i] == SHASH_NONE) {
		h->keys[i] = key;
		h->heads[i] = node;
		h->tails[i] = node;
		h->n_keys++;
		return 0;
	}
	/* Append so values keep insertion (file) order. */
	h->next[h->tails[i]] = node;
	h->tails[i] = node;
	return 0;
}

/* Linear probing keeps no tombstones: after emptying slot I, move back
 * every later slot of the run that may live at I (Knuth's algorithm R). */
static void slot_remove(struct shash *h, uint32_t i)
{
	uint32_t j = i;

	h->heads[i] = SHASH_NONE;
	h->n_keys--;
	for (;;) {
		j = (j + 1) & h->mask;
		if (h->heads[j] == SHASH_NONE)
			return;
		uint32_t home = (uint32_t)h->keys[j] & h->mask;
		/* J stays if its home lies cyclically in (I, J]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		h->keys[i] = h->keys[j];
		h->heads[i] = h->heads[j];
		h->tails[i] = h->tails[j];
		h->heads[j] = SHASH_NONE;
		i = j;
	}
}

int shash_del(struct shash *h, uint64_t key, uint32_t val)
{
	if (h->n_keys == 0)
		return -ENOENT;
	for (uint32_t i = (uint32_t)key & h->mask;; i = (i + 1) & h->mask) {
		if (h->heads[i] == SHASH_NONE)
			return -ENOENT;
		if (h->keys[i] != key)
			continue;
		uint32_t prev = SHASH_NONE;
		for (uint32_t n = h->heads[i]; n != SHASH_NONE;
		     prev = n, n = h->next[n]) {
			if (h->vals[n] != val)
				continue;
			if (prev == SHASH_NONE)
				h->heads[i] = h->next[n];
			else
				h->next[prev] = h->next[n];
			if (h->tails[i] == n)
				h->tails[i] = prev;
			h->vals[n] = SHASH_NONE;
			h->next[n] = h->free_head;
			h->free_head = n;
			h->n_free++;
			if (h->heads[i] == SHASH_NONE)
				slot_remove(h, i);
			return 0;
		}
		return -ENOENT;
	}
}

void shash_shift(struct shash *h, uint32_t from, uint32_t by)
{
	/* Free nodes hold SHASH_NONE, which no live value equals. */
	for (uint32_t n = 0; n < h->n_nodes; n++)
		if (h->vals[n] >= from && h->vals[n] != SHASH_NONE)
			h->vals[n] -= by;
}

int shash_copy(struct shash *dst, const struct shash *src)
{
	size_t slots = (size_t)src->mask + 1;

	*dst = *src;
	dst->keys = malloc(sizeof(*dst->keys) * slots);
	dst->heads = malloc(sizeof(*dst->heads) * slots);
	dst->tails = malloc(sizeof(*dst->tails) * slots);
	dst->vals = src->cap_nodes ? malloc(sizeof(*dst->vals) * src->cap_nodes) : NULL;
	dst->next = src->cap_nodes ? malloc(sizeof(*dst->next) * src->cap_nodes) : NULL;
	if (dst->keys == NULL || dst->heads == NULL || dst->tails == NULL ||
	    (src->cap_nodes && (dst->vals == NULL || dst->next == NULL))) {
		shash_free(dst);
		return -ENOMEM;
	}
	memcpy(dst->keys, src->keys, sizeof(*dst->keys) * slots);
	memcpy(dst->heads, src->heads, sizeof(*dst->heads) * slots);
	memcpy(dst->tails, src->tails, sizeof(*dst->tails) * slots);
	if (src->n_nodes) {
		memcpy(dst->vals, src->vals, sizeof(*dst->vals) * src->n_nodes);
		memcpy(dst->next, src->next, sizeof(*dst->next) * src->n_nodes);
	}
	return 0;
}

void shash_free(struct shash *h)
{
	free(h->keys);
	free(h->heads);
	free(h->tails);
	free(h->vals);
	free(h->next);
	memset(h, 0, sizeof(*h));
}
