/* The packet-path fuzzer's world (packet_env.h). */
#include "packet_env.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_mempool.h>

#include "flow.h"
#include "rules.h"

void pe_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "packet_fuzz: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

const struct h_params pe_boot = {
	.workers = 2, .max_flows = 12, .header_buffers = 3, .syn_backlog = 3,
	.syn_cookies = "auto", .header_max = 2048,
	/* Short timeouts and few source ports: every input ends with a
	 * teardown that runs the clock until each flow has closed, a walk
	 * of the timer wheel a millisecond slot at a time (and the idle
	 * check walks every port): with steerd's defaults that walk was
	 * most of a run (45 inputs/s). Every timer still fires. */
	.syn_ms = 1000, .header_ms = 1000, .connect_ms = 500, .idle_s = 2,
	.linger_ms = 100, .ports_per_worker = 64,
	/* the fewest slots the loader takes for two backends: building
	 * 65537-slot tables at every reload would be most of the run */
	.maglev_size = 211,
	/* the idle pool on (steerd's default), as small as the table: a
	 * quarter of max_flows, idle legs closed soon */
	.pool_max = 3, .pool_idle_ms = 300,
};

static struct h_env *env;
/* the routing choice published in env; -1 after h_env_new's boot one is
 * replaced by something else (never: every publication goes through
 * pe_publish) */
static int running = -1;
/* Compiled rulesets by routing choice, kept (rs_ref) for the process: a
 * reload is then a publication only (parsing, compiling and the Maglev
 * tables were a third of the run, most of it ASan's malloc bookkeeping). */
static struct ruleset *cache[PE_ROUTINGS];

/* The input's parameters P with pe_boot's dataplane knobs. */
static struct h_params with_boot(const struct h_params *pp)
{
	struct h_params p = *pp;

	p.workers = pe_boot.workers;
	p.max_flows = pe_boot.max_flows;
	p.header_buffers = pe_boot.header_buffers;
	p.syn_backlog = pe_boot.syn_backlog;
	p.syn_cookies = pe_boot.syn_cookies;
	p.header_max = pe_boot.header_max;
	p.maglev_size = pe_boot.maglev_size;
	p.pool_max = pe_boot.pool_max;
	p.pool_idle_ms = pe_boot.pool_idle_ms;
	p.syn_ms = pe_boot.syn_ms;
	p.header_ms = pe_boot.header_ms;
	p.connect_ms = pe_boot.connect_ms;
	p.idle_s = pe_boot.idle_s;
	p.linger_ms = pe_boot.linger_ms;
	p.ports_per_worker = pe_boot.ports_per_worker;
	return p;
}

/* The harness's pre-resolved neighbours (h_env_new), again. */
static void neigh_reset(struct h_env *e)
{
	static const enum h_target hosts[] = { T_BE0, T_BE1, T_API, T_BOB };

	memset(e->sh->neigh, 0, sizeof(*e->sh->neigh));
	for (unsigned i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		h_rx(e, 0, H_PORT_INNER,
		     h_arp_frame(e, 2, h_target_mac(hosts[i]), h_target_ip(hosts[i]),
				 &h_inner_mac, H_INNER_IP));
	h_rx(e, 0, H_PORT_INNER, h_arp_frame(e, 2, &h_vtep_mac, H_VTEP_IP,
					      &h_inner_mac, H_INNER_IP));
	h_tick(e);
	h_drain(e);
}

void pe_publish(struct pe *pe, uint8_t key, const struct h_params *pp)
{
	if (cache[key] == NULL) {
		struct h_params p = with_boot(pp);
		cache[key] = h_compile(pe->e, &p);
	}
	h_publish(pe->e, rs_ref(cache[key]));
	running = key;
}

void pe_begin(struct pe *pe, uint8_t key, const struct h_params *pp)
{
	memset(pe, 0, sizeof(*pe));
	if (env == NULL) {
		struct h_params p = with_boot(pp);
		/* The harness reports through cmocka; outside a cmocka test
		 * a failed assertion must abort (libFuzzer reports it). */
		setenv("CMOCKA_TEST_ABORT", "1", 1);
		env = h_env_new(&p);
		running = key;
		pe->e = env;
	} else {
		pe->e = env;
		neigh_reset(env);
		if (running != key)
			pe_publish(pe, key, pp);
	}
	pe->trace = getenv("PACKET_FUZZ_TRACE") != NULL;
	for (unsigned i = 0; i < PE_FLOWS; i++)
		pe->flow[i].cport = (uint16_t)(40000 + i);
}

unsigned pe_sport_worker(const struct pe *pe, uint16_t sport)
{
	const struct dp_shared *sh = pe->e->sh;
	unsigned w = (unsigned)(sport - SRC_PORT_FIRST) / sh->ports_per_worker;

	return sport >= SRC_PORT_FIRST && w < sh->n_workers ? w : 0;
}

static uint32_t seg_end(const struct h_pkt *p)
{
	return p->seq + p->len + !!(p->flags & TCP_SYN) + !!(p->flags & TCP_FIN);
}

/* Later in sequence space (RFC 793's modular comparison). */
static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static void learn_client(struct pe *pe, const struct h_pkt *p)
{
	for (unsigned i = 0; i < PE_FLOWS; i++) {
		struct pe_flow *f = &pe->flow[i];
		if (f->cport != p->dport)
			continue;
		if (p->flags & TCP_SYN) {
			f->r_known = true;
			f->r_nxt = p->seq + 1;
		} else if (!f->r_known || seq_after(seg_end(p), f->r_nxt)) {
			f->r_known = true;
			f->r_nxt = seg_end(p);
		}
	}
}

static struct pe_leg *leg_find(struct pe *pe, const struct h_pkt *p)
{
	for (unsigned i = 0; i < PE_LEGS; i++) {
		struct pe_leg *l = &pe->leg[i];
		if (l->used && l->ip == p->dip && l->port == p->dport &&
		    l->sport == p->sport)
			return l;
	}
	return NULL;
}

static void learn_backend(struct pe *pe, const struct h_pkt *p)
{
	struct pe_leg *l = leg_find(pe, p);

	if ((p->flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		/* a new attempt (or a retransmission: same ISN, same state) */
		if (l == NULL) {
			l = &pe->leg[pe->n_legs++ % PE_LEGS];
			memset(l, 0, sizeof(*l));
		}
		if (!l->used || l->s_nxt != p->seq + 1) {
			l->used = true;
			l->vxlan = p->vxlan;
			l->ip = p->dip;
			l->port = p->dport;
			l->sport = p->sport;
			l->b_known = false;
			l->s_nxt = p->seq + 1;
		}
		return;
	}
	if (l != NULL && seq_after(seg_end(p), l->s_nxt))
		l->s_nxt = seg_end(p);
}

void pe_sent(struct pe *pe, const struct rte_mbuf *m, unsigned port)
{
	struct h_pkt p;

	pe->rst_in = h_parse(m, &p) && p.ethertype == 0x0800 && p.proto == 6 &&
		     (p.flags & TCP_RST);
	pe->rst_side = (uint8_t)port;
	pe->rst_ip = p.sip;
	pe->rst_port = p.sport;
}

void pe_trace(const struct pe *pe, const struct rte_mbuf *m, bool in)
{
	struct h_pkt p;
	char d[256];

	if (!pe->trace)
		return;
	if (h_parse(m, &p))
		h_describe(&p, d, sizeof(d));
	else
		snprintf(d, sizeof(d), "port %u unparsable: %s", m->port, p.err);
	fprintf(stderr, "%8llu %s %s\n", (unsigned long long)pe->e->now,
		in ? "in " : "out", d);
}

void pe_rx(struct pe *pe, unsigned wi, unsigned port, struct rte_mbuf *m)
{
	pe->frames_in++;
	h_rx(pe->e, wi % pe->e->sh->n_workers, port, m);
}

/* Drops that need not be of a frame the router received: of a frame it
 * built (a SYN, an ACK, its ARP) or of none (an event: no mbuf, no source
 * port, a request body found malformed in bytes already consumed). */
static bool pe_either_drop(unsigned d)
{
	switch (d) {
	case DROP_mbuf_alloc: case DROP_tx_full: case DROP_neigh_unresolved:
	case DROP_neigh_hold_stale: case DROP_arp_vtep_unresolved:
	case DROP_no_route: case DROP_src_ports_full: case DROP_req_framing:
		return true;
	default:
		return false;
	}
}

static void acct_snap(const struct pe *pe, struct pe_acct *a)
{
	const struct h_env *e = pe->e;

	memset(a, 0, sizeof(*a));
	a->sent = pe->frames_in;
	a->fwd = pe->fwd_in;
	a->in_use = rte_mempool_in_use_count(e->pool);
	a->consumed = h_cnt(e, CNT_rx_consumed);
	for (unsigned d = 0; d < DROP__COUNT; d++) {
		if (pe_either_drop(d))
			a->either += h_drop(e, (enum steer_drop)d);
		else
			a->drops += h_drop(e, (enum steer_drop)d);
	}
}

void pe_account_begin(struct pe *pe)
{
	acct_snap(pe, &pe->acct);
}

void pe_account_check(struct pe *pe, const char *what)
{
	struct pe_acct b, *a = &pe->acct;

	acct_snap(pe, &b);
	/* what left the test pool for good: given, minus emitted, minus
	 * still inside (e->q is drained: in use means inside the router) */
	int64_t freed = (int64_t)(b.sent - a->sent) + (int64_t)a->in_use -
			(int64_t)b.in_use - (int64_t)(b.fwd - a->fwd);
	int64_t lo = (int64_t)(b.consumed - a->consumed) + (int64_t)(b.drops - a->drops);
	int64_t hi = lo + (int64_t)(b.either - a->either);

	if (freed < lo || freed > hi)
		pe_die("%s: %lld frames freed, %lld counted consumed or dropped (+%lld that "
		       "may be the router's own): in %llu, emitted %llu, inside %llu -> %llu",
		       what, (long long)freed, (long long)lo, (long long)(hi - lo),
		       (unsigned long long)(b.sent - a->sent),
		       (unsigned long long)(b.fwd - a->fwd),
		       (unsigned long long)a->in_use, (unsigned long long)b.in_use);
	*a = b;
}

static void learn_one(struct pe *pe, const struct rte_mbuf *m)
{
	struct h_pkt p;

	pe->frames_out++;
	if (m->pool == pe->e->pool)
		pe->fwd_in++;
	pe_trace(pe, m, false);
	if (!h_parse(m, &p)) {
		bool opts = strstr(p.err, "option") || strstr(p.err, "SACK-permitted");
		if (!pe->tainted && !(opts && pe->odd_opts))
			pe_die("the router emitted a bad frame: %s", p.err);
		return;
	}
	if (p.ethertype == 0x0806) {
		if (p.arp_op == 1) {
			pe->arp_pending = true;
			pe->arp_vxlan = p.vxlan;
			pe->arp_tip = p.arp_tip;
		}
		return;
	}
	if (p.proto != 6)
		return;
	if (p.port == H_PORT_EDGE ? p.vxlan || p.sip != H_EDGE_IP || p.dip != H_CLIENT_IP :
	    p.sip != (p.vxlan ? H_OVL_IP : H_INNER_IP))
		pe_die("the router emitted a segment from an address not its own or to the wrong side");
	if ((p.flags & TCP_RST) && pe->rst_in && p.port == pe->rst_side &&
	    p.dip == pe->rst_ip && p.dport == pe->rst_port)
		pe_die("the router answered an RST with an RST");
	/* an RST's sequence number is no byte sent (and a forwarded one
	 * may be anywhere in the window) */
	if (p.flags & TCP_RST)
		return;
	if (p.port == H_PORT_EDGE)
		learn_client(pe, &p);
	else if (p.port == H_PORT_INNER)
		learn_backend(pe, &p);
}

void pe_learn(struct pe *pe)
{
	struct h_env *e = pe->e;

	h_collect(e);
	for (unsigned i = 0; i < e->nq; i++)
		learn_one(pe, e->q[i]);
	h_drain(e);
}

void pe_advance(struct pe *pe, uint64_t ms)
{
	h_at(pe->e, pe->e->now + ms);
	h_tick(pe->e);
	pe_learn(pe);
}

/* No flow open and no frame held: time passing changes nothing more
 * (the wheel has nothing to fire), so the teardown can stop early. */
static bool all_closed(const struct pe *pe)
{
	for (unsigned i = 0; i < pe->e->sh->n_workers; i++) {
		const struct worker *w = pe->e->sh->workers[i];
		if (w->n_free != w->max_flows || w->n_hold != 0)
			return false;
	}
	return true;
}

/* What must be back once every flow has closed. */
static void check_idle(struct pe *pe)
{
	struct h_env *e = pe->e;

	for (unsigned i = 0; i < e->sh->n_workers; i++) {
		struct worker *w = e->sh->workers[i];
		if (w->n_free != w->max_flows)
			pe_die("worker %u: %u flows still open after every timeout",
			       i, w->max_flows - w->n_free);
		if (rte_mempool_in_use_count(w->hbufs) != 0)
			pe_die("worker %u: %u header buffers not returned", i,
			       rte_mempool_in_use_count(w->hbufs));
		if (w->sport_n != w->sport_count_free)
			pe_die("worker %u: %u source ports not returned", i,
			       w->sport_count_free - w->sport_n);
		if (w->n_half_open != 0)
			pe_die("worker %u: %u half-open flows counted with none open",
			       i, w->n_half_open);
		if (w->n_free_bconns != (w->max_flows < 8 ? 8 : w->max_flows))
			pe_die("worker %u: %u backend connection slots not returned",
			       i, (w->max_flows < 8 ? 8 : w->max_flows) - w->n_free_bconns);
		/* no stale references to the freed entries */
		if (w->ctab.n != 0)
			pe_die("worker %u: %u client tuples still in the table", i,
			       w->ctab.n);
		if (rte_hash_count(w->btable) != 0)
			pe_die("worker %u: %d backend slots still in the table", i,
			       rte_hash_count(w->btable));
		for (uint32_t k = 0; k < w->sport_count; k++)
			if (w->by_sport[k] != FLOW_NONE)
				pe_die("worker %u: source port %u still maps to flow %u",
				       i, w->sport_base + k, w->by_sport[k]);
		for (unsigned k = 0; k < WHEEL_SLOTS; k++)
			if (w->wheel[k] != FLOW_NONE)
				pe_die("worker %u: a timer still in slot %u", i, k);
		if (w->hq_head != FLOW_NONE || w->ready.len != 0)
			pe_die("worker %u: a flow still waits for a buffer or a connection", i);
		if (w->n_hold != 0)
			pe_die("worker %u: %u frames still held for ARP", i,
			       w->n_hold);
		if (rte_mempool_in_use_count(w->pool) != 0)
			pe_die("worker %u: %u mbufs leaked", i,
			       rte_mempool_in_use_count(w->pool));
	}
	if (rte_mempool_in_use_count(e->pool) != 0)
		pe_die("%u mbufs of the fuzzer's frames leaked",
		       rte_mempool_in_use_count(e->pool));
}

/* The earliest time (ms on the workers' clock) anything is due: a flow's
 * timer or a frame held for ARP; UINT64_MAX if nothing is. */
static uint64_t next_due(const struct pe *pe)
{
	uint64_t d = UINT64_MAX;

	for (unsigned i = 0; i < pe->e->sh->n_workers; i++) {
		const struct worker *w = pe->e->sh->workers[i];
		bool free_[64] = { false };
		if (w->max_flows > 64)
			pe_die("next_due: more flows than it looks at");
		/* a flow never created has its fields zeroed, tslot too */
		for (uint32_t k = 0; k < w->n_free; k++)
			free_[w->free_flows[k]] = true;
		for (uint32_t k = 0; k < w->max_flows; k++)
			if (!free_[k] && w->flows[k].tslot != FLOW_NONE &&
			    w->flows[k].deadline < d)
				d = w->flows[k].deadline;
		for (uint32_t k = 0; k < w->n_hold; k++) {
			uint64_t u = w->hold[(w->hold_head + k) % HOLD_MAX].until;
			if (u < d)
				d = u;
		}
	}
	return d;
}

void pe_end(struct pe *pe)
{
	struct h_env *e = pe->e;
	uint64_t start = e->now;

	/* Longer than any timeout of the configuration (pe_boot's, and the
	 * request retransmissions: 15, ~70 s): the clock goes from one
	 * deadline to the next, and the wheel is moved on to just before it
	 * (nothing is due in the slots skipped, the earliest deadline being
	 * that one), instead of being walked a millisecond slot at a time.
	 * It stops as soon as all is closed. */
	pe->tainted = false;
	for (unsigned i = 0; i < 2000 && !all_closed(pe) && e->now - start < 120000; i++) {
		uint64_t d = next_due(pe), to = e->now + 4000;
		if (d <= e->t0 + e->now)
			to = e->now + 1;          /* overdue: one tick, no skip */
		else if (d - e->t0 < to)
			to = d - e->t0;
		for (unsigned k = 0; k < e->sh->n_workers && to > e->now + 1; k++) {
			struct worker *w = e->sh->workers[k];
			if (w->wheel_now + 1 < e->t0 + to)
				w->wheel_now = e->t0 + to - 1;
		}
		pe_advance(pe, to - e->now);
		pe_account_check(pe, "teardown");
	}
	check_idle(pe);
	pe->e = NULL;
}
