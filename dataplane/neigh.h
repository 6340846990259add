/* Neighbour (ARP) table: written only by the main lcore, read by workers
 * without locks. An entry's key and MAC are single 64-bit atomics, so a
 * reader sees either the old or the new MAC, never half of one. Slots are
 * never removed (bounded table, expiry clears the MAC's valid bit), so a
 * reader's probe sequence stays valid while the writer works.
 *
 * Zones: 0 is the underlay (the ports' segments); tunnel index + 1 is that
 * VXLAN tunnel's overlay segment. */
#ifndef STEER_NEIGH_H
#define STEER_NEIGH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "dp.h"
#include "route.h"

#define NEIGH_SLOTS 4096          /* power of two */
#define NEIGH_VALID (1ull << 63)
#define NEIGH_REACHABLE_MS 300000 /* then re-resolve */
#define NEIGH_RETRY_MS 1000
#define NEIGH_TRIES 3

struct neigh_entry {
	_Atomic uint64_t key;     /* zone << 32 | ip (network order); 0 empty */
	_Atomic uint64_t mac;     /* NEIGH_VALID | 48-bit MAC */
	/* main lcore only */
	uint64_t expires;
	uint64_t heard;           /* ms of the last ARP from it, 0 never */
	uint64_t next_try;
	uint8_t tries;
	uint8_t port;             /* underlay port it is reached by */
	bool wanted;
};

struct neigh_table {
	struct neigh_entry e[NEIGH_SLOTS];
	uint32_t n;
};

static inline uint64_t neigh_key(uint32_t zone, uint32_t ip)
{
	return (uint64_t)zone << 32 | ip | (1ull << 62); /* never 0 */
}

static inline uint32_t neigh_slot(uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(h >> 40) & (NEIGH_SLOTS - 1);
}

/* Worker side: the MAC of IP in ZONE, if resolved. */
static inline bool neigh_lookup(const struct neigh_table *t, uint32_t zone,
				uint32_t ip, struct rte_ether_addr *mac)
{
	uint64_t key = neigh_key(zone, ip);

	for (uint32_t i = neigh_slot(key), n = 0; n < NEIGH_SLOTS;
	     i = (i + 1) & (NEIGH_SLOTS - 1), n++) {
		/* acquire: the MAC stored before the key was published is
		 * visible once the key is. */
		uint64_t k = atomic_load_explicit(&t->e[i].key, memory_order_acquire);
		if (k == 0)
			return false;
		if (k != key)
			continue;
		uint64_t m = atomic_load_explicit(&t->e[i].mac, memory_order_relaxed);
		if (!(m & NEIGH_VALID))
			return false;
		for (int b = 0; b < 6; b++)
			mac->addr_bytes[b] = (uint8_t)(m >> (8 * (5 - b)));
		return true;
	}
	return false;
}

/* Main lcore: an ARP request for IP (underlay, via PORT) now, valid entry
 * or not (owner.c's liveness probe); and when IP was last heard from (ms,
 * 0 never). */
void neigh_probe(struct dp_shared *sh, uint32_t ip, unsigned port);
uint64_t neigh_heard(struct dp_shared *sh, uint32_t ip);

/* Worker side: ask the main lcore to resolve IP in ZONE (via PORT for the
 * underlay). Cheap and lossy: a full ring just means we ask again later. */
void neigh_want(struct worker *w, uint32_t zone, uint32_t ip, unsigned port);

/* Main lcore: create the table. */
struct neigh_table *neigh_create(void);

/* Main lcore: handle one ARP frame (underlay when ZONE is 0, else the
 * decapsulated inner frame of tunnel ZONE - 1) received on PORT; answers
 * requests for our addresses and learns senders. Takes M. */
void neigh_input(struct dp_shared *sh, struct rte_mbuf *m, uint32_t zone);

/* Main lcore: a worker's resolve request. */
void neigh_request(struct dp_shared *sh, uint32_t zone, uint32_t ip,
		   unsigned port);

/* Main lcore: retries and expiry; call every few ms. */
void neigh_tick(struct dp_shared *sh, uint64_t now_ms);

/* Main lcore: gratuitous ARP for every port address. */
void neigh_announce(struct dp_shared *sh);


#endif
