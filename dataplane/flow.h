/* A worker's flows: the client-tuple table, the source-port map for the
 * backend side, the free lists and the timer wheel. All per worker; nothing
 * here locks or allocates after flow_init(). */
#ifndef STEER_FLOW_H
#define STEER_FLOW_H

#include <string.h>

#include <rte_hash_crc.h>

#include "dp.h"


/* Boot: size the worker's tables (max_flows, source-port range, header
 * buffers). Returns 0 or -errno. */
int flow_init(struct worker *w, uint32_t max_flows, uint32_t hbuf_size,
	      uint32_t n_hbufs);
void flow_fini(struct worker *w);

/* The flow of a client tuple, or NULL. */
static inline struct flow *flow_lookup_client(struct worker *w,
					      const struct flow_key *k)
{
	uint32_t i = ftab_find(&w->ctab, k);

	return i == FTAB_NONE ? NULL : &w->flows[i];
}

/* The flow owning source port SPORT (host order), or NULL. */
static inline struct flow *flow_by_sport(struct worker *w, uint16_t sport)
{
	uint32_t i = (uint32_t)(sport - w->sport_base);

	if (i >= w->sport_count || w->by_sport[i] == FLOW_NONE)
		return NULL;
	return &w->flows[w->by_sport[i]];
}

/* Create a flow for client tuple K, without a header buffer (it takes one
 * when header bytes arrive). NULL (drop counted) when the table is full. */
struct flow *flow_create(struct worker *w, const struct flow_key *k);

/* An entry with no client side, for a backend leg left behind by a
 * re-bind (tcp_leg.c); NULL when the table is full. */
struct flow *flow_create_leg(struct worker *w);

/* Give F's entry, port and buffers back. */
void flow_free(struct worker *w, struct flow *f);

/* Take a source port for F's backend side (f->b.local_port). */
bool flow_take_sport(struct worker *w, struct flow *f);
/* Give F's source port back (e.g. before retrying another backend). */
void flow_put_sport(struct worker *w, struct flow *f);

/* Give F a header buffer (empty) if it has none: false when none is free.
 * A flow in FS_HEADER goes on the worker's list of flows collecting a
 * first header (w->hq_head: the one that took its buffer first). */
bool flow_get_hbuf(struct worker *w, struct flow *f);
/* Take F off that list (its header is complete, or it is closing). */
void flow_hq_del(struct worker *w, struct flow *f);
/* Connection limits (services[].backends[].max_conns): per worker, per
 * backend, a count of the connections open or connecting and a FIFO of
 * flows waiting for one. */
enum flow_admit {
	ADMIT_TAKEN,              /* F holds one of them now */
	ADMIT_QUEUED,             /* F waits at the end of the FIFO */
	ADMIT_FULL,               /* neither: the FIFO is full */
};
/* F is about to connect backend IP:PORT (network order) of the service
 * whose name hashes to SVC_KEY, of which this worker may have LIMIT (>= 1)
 * connections, with at most QMAX flows waiting. */
enum flow_admit flow_backend_admit(struct worker *w, struct flow *f,
				   uint64_t svc_key, uint32_t ip, uint16_t port,
				   uint32_t limit, uint32_t qmax);
/* F's backend connection ended, or F no longer waits for one: the count
 * goes down and the first flow waiting is admitted (it holds the
 * connection and joins the ready list). Nothing when F holds none;
 * flow_put_sport() and flow_free() call it. */
void flow_backend_release(struct worker *w, struct flow *f);
/* F's connection (if it holds one) is G's now: a leg moved to an entry
 * of its own (tcp_leg.c). */
void flow_backend_move(struct flow *f, struct flow *g);
/* The next admitted flow, off the ready list (it keeps its connection),
 * or NULL. */
struct flow *flow_ready_next(struct worker *w);
/* Take F off the ready list if it is on it (it keeps its connection). */
void flow_ready_take(struct worker *w, struct flow *f);

/* Release F's header buffer once it is no longer needed. */
void flow_put_hbuf(struct worker *w, struct flow *f);

/* Arm F's one timer for NOW + MS (replaces any earlier deadline). */
void flow_timer(struct worker *w, struct flow *f, uint64_t ms);

/* Fire every timer due by NOW; EXPIRE is called for each flow. */
void flow_timers_run(struct worker *w, void (*expire)(struct worker *, struct flow *));

/* CRC of tuple K. Not rte_hash_crc(&k, ...) on a key just built: that
 * reads the packed uint16_t fields through wider pointers, which strict
 * aliasing lets the compiler order before the stores (seen: a hash that
 * ignored the ports). memcpy() loads are alias-safe. */
static inline uint32_t flow_key_hash(const struct flow_key *k, uint32_t seed)
{
	uint64_t a;
	uint32_t b;

	memcpy(&a, k, sizeof(a));
	memcpy(&b, (const char *)k + sizeof(a), sizeof(b));
	return rte_hash_crc_4byte(b, rte_hash_crc_8byte(a, seed));
}

/* The hash a client flow's backend is picked by (rs_decide), of its tuple
 * (network order). A fixed seed, never a per-process secret like the flow
 * table's or the ISN's: every node with the same rules picks the same
 * backend for the same client tuple, so ECMP may send a flow to any of
 * them (docs/scale-out.md; tests/packet/test_same.c holds it to that). */
static inline uint32_t flow_choice_hash(uint32_t c_ip, uint32_t l_ip,
					uint16_t c_port, uint16_t l_port)
{
	return flow_key_hash(&(struct flow_key){ .c_ip = c_ip, .l_ip = l_ip,
			.c_port = c_port, .l_port = l_port }, 0x5354);
}

/* Which worker owns the client flow of a tuple (network order), when no
 * NIC hash put it on a queue: a software hash, so every segment of a flow
 * finds the same worker however the port spread them (af_packet's fanout
 * does not promise one queue per flow). */
static inline unsigned client_owner(const struct dp_shared *sh, uint32_t c_ip,
				    uint32_t l_ip, uint16_t c_port, uint16_t l_port)
{
	struct flow_key k = { .c_ip = c_ip, .l_ip = l_ip, .c_port = c_port,
			      .l_port = l_port };
	uint32_t h = flow_key_hash(&k, 0x4f776e72);

	/* A CRC is linear: its low bits may depend on few input bits. Mix
	 * before the modulo (MurmurHash3's finaliser). */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h % sh->n_workers;
}

/* Which worker owns source port P (host order). */
static inline unsigned sport_owner(const struct dp_shared *sh, uint16_t p)
{
	return (unsigned)(p - SRC_PORT_FIRST) / sh->ports_per_worker;
}

static inline uint32_t flow_index(const struct worker *w, const struct flow *f)
{
	return (uint32_t)(f - w->flows);
}

#endif
