/* What health checks found, as the workers see it: per service of the
 * running ruleset, a Maglev table without the backends that are down
 * (only their flows moved), and each backend's health slot.
 *
 * A slot follows a backend (service name and ip:port) across rulesets, so
 * its verdict survives a reload; it holds the main lcore's state of the
 * backend (hc_slot) and one counter the workers share: connect failures
 * in a row (passive detection). The view (struct dp_health) belongs to a
 * publication (publish.h) and is replaced, RCU-style, when a backend goes
 * down or comes back; it is never changed in place. */
#ifndef STEER_HC_TABLE_H
#define STEER_HC_TABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dp.h"
#include "hc_probe.h"
#include "hc_verdict.h"

#define HC_SLOTS 65536            /* backends whose health is tracked */
#define HC_NONE UINT32_MAX        /* an untracked backend: always up */

struct dp_health_svc {
	const uint16_t *maglev;   /* without the down backends; NULL: the
				   * ruleset's own (none down, or all down) */
	uint32_t maglev_size;
	const bool *down;         /* per backend; NULL: none avoided */
	const uint32_t *slot;     /* per backend: health slot or HC_NONE */
	uint32_t n_backends;
};

struct dp_health {
	unsigned n_svc;
	struct dp_health_svc svc[];
};

#define HC_REQ_MAX 600           /* a check's request: path and host bounded */

/* A backend's active check: the one in progress, or when the next starts
 * (health.c). */
struct hc_check {
	struct hc_probe probe;
	uint64_t next;            /* ms */
	uint16_t sport;           /* ours, host order */
	uint32_t ip;              /* where it goes, network order */
	uint16_t port;            /* network order */
	uint8_t out;              /* conf port it leaves by */
	uint32_t nexthop;         /* network order */
	bool syn_pending;         /* next hop being resolved: SYN not sent */
	uint16_t req_len;
	char req[HC_REQ_MAX];
};

/* The main lcore's state of one backend. */
struct hc_slot {
	bool used;
	char service[CONF_NAME_MAX];
	uint32_t ip;              /* host order */
	uint16_t port;
	struct hc_verdict v;
	struct hc_check chk;
};

struct hc_registry {
	struct hc_slot *slot;     /* cap of them; in use: used */
	uint32_t cap;
	uint32_t n_used;
	uint32_t hint;            /* where to look for a free slot first */
	/* Workers: connect failures in a row, per slot. Relaxed atomics
	 * throughout: a count off by one in a race between a failure and a
	 * success on two workers changes nothing that matters, and no other
	 * data hangs on it. */
	_Atomic uint32_t *fails;
	/* The health checks' ports (HC_PORT_FIRST + i): the slot whose
	 * check uses it, or HC_NONE. An entry is only believed when that
	 * slot's check is in progress on that port (a slot given back
	 * mid-check leaves a stale entry, which is then free). */
	uint32_t port_slot[HC_PORT_COUNT];
	uint32_t next_port;
	/* Shared: the peer each port's check talks to (hc_peer_key()), 0
	 * for none, so that workers pass the main lcore only what answers a
	 * check in progress and a flood to these ports cannot crowd ARP
	 * out of the control ring. Relaxed: a stale entry lets one segment
	 * through to the main lcore, which checks again. */
	_Atomic uint64_t *port_peer;
};

static inline uint64_t hc_peer_key(uint32_t ip_be, uint16_t port_be)
{
	return 1ull << 48 | (uint64_t)ip_be << 16 | port_be;
}

/* Workers: does the check on our port DPORT (host order) talk to
 * IP_BE:PORT_BE? */
static inline bool hc_port_expects(const struct dp_shared *sh, uint16_t dport,
				   uint32_t ip_be, uint16_t port_be)
{
	return sh->hc != NULL &&
	       atomic_load_explicit(&sh->hc->port_peer[dport - HC_PORT_FIRST],
				    memory_order_relaxed) == hc_peer_key(ip_be, port_be);
}

/* Boot: the registry for SH (sh->hc). 0 or -ENOMEM. */
int hc_registry_create(struct dp_shared *sh);
void hc_registry_free(struct dp_shared *sh);

/* Control thread: the view of RS from the registry's verdicts, taking
 * slots for backends new to it (up, with no history). NULL with errno:
 * ENOMEM; or ENOENT when SH has no registry (no health tracking). */
struct dp_health *hc_table_build(struct dp_shared *sh, const struct ruleset *rs);

void hc_table_free(struct dp_health *h);

/* Control thread, once H is the running view and no worker can hold an
 * older one: give back the slots H does not name. */
void hc_registry_gc(struct dp_shared *sh, const struct dp_health *h);

/* ---- workers ------------------------------------------------------------ */

/* The backend of service SVC for FLOW_HASH: DEFAULT_B (the ruleset's
 * pick), unless health took that backend out. */
static inline int32_t hc_pick(const struct dp_health *h, unsigned svc,
			      uint32_t flow_hash, int32_t default_b)
{
	if (h == NULL || svc >= h->n_svc || h->svc[svc].maglev == NULL)
		return default_b;
	return h->svc[svc].maglev[flow_hash % h->svc[svc].maglev_size];
}

/* Is backend B of SVC down (to be skipped by a retry)? */
static inline bool hc_is_down(const struct dp_health *h, unsigned svc,
			      int32_t b)
{
	return h != NULL && svc < h->n_svc && h->svc[svc].down != NULL &&
	       b >= 0 && h->svc[svc].down[b];
}

/* A connect to backend B of SVC failed (RST or timeout) / succeeded. */
static inline void hc_connect_failed(const struct dp_shared *sh,
				     const struct dp_health *h, unsigned svc,
				     int32_t b)
{
	if (h == NULL || svc >= h->n_svc || b < 0)
		return;
	uint32_t s = h->svc[svc].slot[b];
	if (s != HC_NONE)
		atomic_fetch_add_explicit(&sh->hc->fails[s], 1, memory_order_relaxed);
}

static inline void hc_connected(const struct dp_shared *sh,
				const struct dp_health *h, unsigned svc,
				int32_t b)
{
	if (h == NULL || svc >= h->n_svc || b < 0)
		return;
	uint32_t s = h->svc[svc].slot[b];
	/* Load first: the common case writes nothing, so workers connecting
	 * to one healthy backend do not pass its cache line around. */
	if (s != HC_NONE &&
	    atomic_load_explicit(&sh->hc->fails[s], memory_order_relaxed) != 0)
		atomic_store_explicit(&sh->hc->fails[s], 0, memory_order_relaxed);
}

#endif
