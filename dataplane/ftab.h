/* A worker's client 4-tuple table: flow key -> flow index.
 *
 * Open addressing with linear probing over 16-byte slots that hold the key
 * itself (a lookup reads one cache line, not the flow entry), at most half
 * full (capacity: the power of two >= 2 x max_flows), deletion by backward
 * shift (no tombstones, so probe lengths never grow with churn). The hash is
 * keyed multiply-add-shift (Dietzfelbinger's universal family over the
 * key's three 32-bit words, random 64-bit multipliers per worker): clients
 * choose their addresses and ports, and must not be able to choose
 * collisions. Per worker, never shared: no locks. Replaces rte_hash here,
 * whose lookup cost ~150 instructions per client segment (docs/performance.md
 * "Dataplane in-process"). */
#ifndef STEER_FTAB_H
#define STEER_FTAB_H

#include <stdint.h>
#include <string.h>

#define FTAB_NONE UINT32_MAX

/* Network order, as taken from the packet. */
struct flow_key {
	uint32_t c_ip;
	uint32_t l_ip;
	uint16_t c_port;
	uint16_t l_port;
} __attribute__((packed));

struct ftab_slot {
	struct flow_key k;
	uint32_t idx;             /* FTAB_NONE: empty */
};

struct ftab {
	struct ftab_slot *slot;
	uint32_t mask;            /* capacity - 1 */
	uint32_t shift;           /* 64 - log2(capacity) */
	uint32_t n;               /* keys held */
	uint32_t max;             /* keys allowed (max_flows) */
	uint64_t m0, m1, m2, add; /* the hash's random key */
};

/* Size T for MAX keys on SOCKET (DPDK memory), keyed by SEED. Returns 0 or
 * -ENOMEM. */
int ftab_init(struct ftab *t, uint32_t max, int socket, uint64_t seed);
void ftab_fini(struct ftab *t);

/* Add K -> IDX. Returns 0, -EEXIST (K is there) or -ENOSPC (MAX keys). */
int ftab_add(struct ftab *t, const struct flow_key *k, uint32_t idx);
/* Remove K; returns its index or FTAB_NONE. */
uint32_t ftab_del(struct ftab *t, const struct flow_key *k);

static inline uint32_t ftab_home(const struct ftab *t, const struct flow_key *k)
{
	uint32_t ports;

	memcpy(&ports, &k->c_port, 4);
	uint64_t h = t->m0 * k->c_ip + t->m1 * k->l_ip + t->m2 * ports + t->add;
	return (uint32_t)(h >> t->shift);
}

static inline int ftab_key_eq(const struct flow_key *a, const struct flow_key *b)
{
	uint64_t a0, b0;
	uint32_t a1, b1;

	memcpy(&a0, a, 8);
	memcpy(&b0, b, 8);
	memcpy(&a1, (const char *)a + 8, 4);
	memcpy(&b1, (const char *)b + 8, 4);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* K's index, or FTAB_NONE. */
static inline uint32_t ftab_find(const struct ftab *t, const struct flow_key *k)
{
	for (uint32_t i = ftab_home(t, k);; i = (i + 1) & t->mask) {
		const struct ftab_slot *s = &t->slot[i];
		if (s->idx == FTAB_NONE)
			return FTAB_NONE;
		if (ftab_key_eq(&s->k, k))
			return s->idx;
	}
}

#endif
