/* Weighted Maglev consistent hashing (Eisenbud et al., NSDI 2016, section
 * 3.4), with weights applied as turns per round of the population loop. */
#ifndef STEER_MAGLEV_H
#define STEER_MAGLEV_H

#include <stdbool.h>
#include <stdint.h>

#define MAGLEV_DEFAULT_SIZE 65537u
#define MAGLEV_MAX_BACKENDS 65535u

/* True if N is prime. */
bool maglev_is_prime(uint32_t n);

/* Smallest prime >= N, or 0 when there is none in uint32 (N > 4294967291). */
uint32_t maglev_next_prime(uint32_t n);

/* Fill TABLE[0..SIZE) with backend indexes in [0, N). IDS are stable
 * identities of the backends (e.g. a hash of ip:port) so a backend keeps its
 * preferences when others come or go; WEIGHTS are >= 1 (NULL: all 1).
 * SIZE must be a prime >= N. Returns 0, -EINVAL on bad arguments (TABLE is
 * then untouched) or -ENOMEM.
 * Allocates temporary memory: control plane only. */
int maglev_build(uint16_t *table, uint32_t size, const uint64_t *ids,
		 const uint32_t *weights, unsigned n);

/* Take the backends with GONE[i] out of TABLE, a table maglev_build()
 * filled from the same IDS, WEIGHTS and N, with the least disruption: only
 * their slots change, each to the backend a build over the others alone
 * puts there. A plain rebuild without them would also move a few percent
 * of the others' slots (Maglev's population is only nearly minimal,
 * section 3.4); this moves none, and undoing it (the same call with
 * nothing gone) gives back the full build. Returns 0, -ENOENT when every
 * backend is gone (TABLE untouched), -EINVAL or -ENOMEM.
 * Allocates temporary memory: control plane only. */
int maglev_remove(uint16_t *table, uint32_t size, const uint64_t *ids,
		  const uint32_t *weights, unsigned n, const bool *gone);

static inline uint16_t maglev_lookup(const uint16_t *table, uint32_t size,
				     uint32_t hash)
{
	return table[hash % size];
}

#endif
