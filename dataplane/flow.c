/* Per-worker flow bookkeeping: tables, pools, timer wheel, and the
 * per-backend connection counts and wait queues of max_conns. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_random.h>

#include "flow.h"

/* A backend with max_conns, as this worker counts it: the service (its
 * name's hash: indexes change with the rules) and the address. */
struct bconn_key {
	uint64_t svc_key;
	uint32_t ip;              /* network order */
	uint16_t port;
	uint16_t pad;             /* zero: the key is hashed as bytes */
};

struct bconn {
	struct bconn_key key;
	uint32_t n;               /* connections open or connecting */
	uint32_t limit;           /* this worker's share of max_conns, as the
				   * last admission saw it */
	struct flow_fifo q;       /* flows waiting for one */
};


/* What a spliced segment reads and writes stays in the first five cache
 * lines of struct flow (dp.h; docs/performance.md, "Dataplane
 * in-process"): a reordering that moves one out fails here. */
#define FLOW_HOT(field)                                                      \
	_Static_assert(offsetof(struct flow, field) +                        \
		       sizeof(((struct flow *)0)->field) <=                  \
		       5 * RTE_CACHE_LINE_SIZE, #field " left the hot lines");
FLOW_HOT(state) FLOW_HOT(last_active) FLOW_HOT(vxlan) FLOW_HOT(c) FLOW_HOT(b)
FLOW_HOT(c2b) FLOW_HOT(nat_tcp_b2c) FLOW_HOT(s_nxt) FLOW_HOT(err_pending)
FLOW_HOT(hbuf) FLOW_HOT(c_buf_end) FLOW_HOT(rq_body) FLOW_HOT(rs_body)
FLOW_HOT(b_ack) FLOW_HOT(h_seq) FLOW_HOT(hlen) FLOW_HOT(out_len)
FLOW_HOT(hdr_end) FLOW_HOT(inj_len)
#undef FLOW_HOT

static int bconn_init(struct worker *w, uint32_t n)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = n < 8 ? 8 : n,
		.key_len = sizeof(struct bconn_key),
		.hash_func = rte_hash_crc,
		.socket_id = (int)rte_socket_id(),
		/* A slot lives while a flow entry holds one of its
		 * connections or waits in its queue, so there are never more
		 * than max_flows: with the extendable table every one of them
		 * fits (no cuckoo path can fail). */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(name, sizeof(name), "bconns%u", w->id);
	w->btable = rte_hash_create(&hp);
	w->bconns = rte_malloc("bconns", sizeof(struct bconn) * hp.entries, 0);
	w->free_bconns = rte_malloc("free_bconns", sizeof(uint32_t) * hp.entries, 0);
	if (w->btable == NULL || w->bconns == NULL || w->free_bconns == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < hp.entries; i++)
		w->free_bconns[i] = hp.entries - 1 - i;
	w->n_free_bconns = hp.entries;
	w->ready = (struct flow_fifo){ FLOW_NONE, FLOW_NONE, 0 };
	return 0;
}

static void bconn_fini(struct worker *w)
{
	rte_hash_free(w->btable);
	rte_free(w->bconns);
	rte_free(w->free_bconns);
	w->btable = NULL;
	w->bconns = NULL;
	w->free_bconns = NULL;
}

int flow_init(struct worker *w, uint32_t max_flows, uint32_t hbuf_size,
	      uint32_t n_hbufs)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	int ct = ftab_init(&w->ctab, max_flows, (int)rte_socket_id(), rte_rand());

	w->max_flows = max_flows;
	w->flows = rte_zmalloc("flows", sizeof(struct flow) * max_flows,
			       RTE_CACHE_LINE_SIZE);
	w->free_flows = rte_malloc("free_flows", sizeof(uint32_t) * max_flows, 0);
	w->sport_base = (uint16_t)(SRC_PORT_FIRST + w->id * w->sh->ports_per_worker);
	w->sport_count = w->sh->ports_per_worker;
	w->by_sport = rte_malloc("by_sport", sizeof(uint32_t) * w->sport_count, 0);
	w->sport_fifo = rte_malloc("sport_fifo", sizeof(uint16_t) * w->sport_count, 0);
	snprintf(name, sizeof(name), "hbufs%u", w->id);
	w->hbufs = rte_mempool_create(name, n_hbufs, hbuf_size, 0, 0, NULL,
				      NULL, NULL, NULL, (int)rte_socket_id(), 0);
	if (ct != 0 || w->flows == NULL || w->free_flows == NULL ||
	    w->by_sport == NULL || w->sport_fifo == NULL || w->hbufs == NULL) {
		flow_fini(w);
		return -ENOMEM;
	}
	/* Hand out low indexes first: a lightly loaded worker touches few
	 * cache lines. */
	for (uint32_t i = 0; i < max_flows; i++)
		w->free_flows[i] = max_flows - 1 - i;
	w->n_free = max_flows;
	/* A listener port in our range is never a source port: the target's
	 * reply would be taken for a client's SYN (listeners of the boot
	 * config; docs/configuration.md). */
	const struct steer_conf *c = w->sh->conf;
	uint32_t n = 0;
	for (uint32_t i = 0; i < w->sport_count; i++) {
		uint16_t p = (uint16_t)(w->sport_base + i);
		bool listener = false;
		for (unsigned l = 0; c && l < c->n_listeners; l++)
			listener |= c->listeners[l].port == p;
		w->by_sport[i] = FLOW_NONE;
		if (!listener)
			w->sport_fifo[n++] = p;
	}
	w->sport_count_free = n;
	/* Start at a varying place: a restarted steerd would otherwise reuse
	 * its predecessor's ports first, into the backends' TIME_WAIT. */
	w->sport_head = n ? (uint32_t)(rte_rdtsc() % n) : 0;
	w->sport_n = n;
	for (unsigned i = 0; i < WHEEL_SLOTS; i++)
		w->wheel[i] = FLOW_NONE;
	w->hq_head = w->hq_tail = FLOW_NONE;
	for (unsigned i = 0; i < POOL_BUCKETS; i++)
		w->idle_pool[i] = FLOW_NONE;
	w->n_pooled = 0;
	if (bconn_init(w, max_flows) != 0) {
		flow_fini(w);
		return -ENOMEM;
	}
	return 0;
}

void flow_fini(struct worker *w)
{
	ftab_fini(&w->ctab);
	rte_free(w->flows);
	rte_free(w->free_flows);
	rte_free(w->by_sport);
	rte_free(w->sport_fifo);
	rte_mempool_free(w->hbufs);
	bconn_fini(w);
	w->flows = NULL;
	w->free_flows = NULL;
	w->by_sport = NULL;
	w->sport_fifo = NULL;
	w->hbufs = NULL;
}

struct flow *flow_create(struct worker *w, const struct flow_key *k)
{
	if (unlikely(w->n_free == 0)) {
		w->st.drop[DROP_flow_table_full]++;
		return NULL;
	}
	uint32_t i = w->free_flows[--w->n_free];
	if (unlikely(ftab_add(&w->ctab, k, i) != 0)) {
		w->free_flows[w->n_free++] = i;
		w->st.drop[DROP_flow_table_full]++;
		return NULL;
	}
	struct flow *f = &w->flows[i];
	memset(f, 0, sizeof(*f));
	f->tnext = f->tprev = FLOW_NONE;
	f->tslot = FLOW_NONE;
	f->hq_next = f->hq_prev = FLOW_NONE;
	f->bslot = FLOW_NONE;
	f->intercept = -1;
	f->tunnel = -1;
	f->backend = -1;
	f->c.peer_ip = k->c_ip;
	f->c.local_ip = k->l_ip;
	f->c.peer_port = k->c_port;
	f->c.local_port = k->l_port;
	f->last_active = w->now;
	f->created = w->now;
	w->st.cnt[CNT_flows_created]++;
	w->st.cnt[CNT_flows_active]++;
	return f;
}

struct flow *flow_create_leg(struct worker *w)
{
	if (unlikely(w->n_free == 0))
		return NULL;
	struct flow *f = &w->flows[w->free_flows[--w->n_free]];
	memset(f, 0, sizeof(*f));
	f->tnext = f->tprev = FLOW_NONE;
	f->tslot = FLOW_NONE;
	f->hq_next = f->hq_prev = FLOW_NONE;
	f->state = FS_LEG_CLOSE;
	f->leg_only = true;
	f->bslot = FLOW_NONE;
	f->intercept = -1;
	f->tunnel = -1;
	f->backend = -1;
	f->last_active = w->now;
	f->created = w->now;
	return f;
}

static void timer_unlink(struct worker *w, struct flow *f)
{
	if (f->tslot == FLOW_NONE)
		return;
	if (f->tprev != FLOW_NONE)
		w->flows[f->tprev].tnext = f->tnext;
	else
		w->wheel[f->tslot] = f->tnext;
	if (f->tnext != FLOW_NONE)
		w->flows[f->tnext].tprev = f->tprev;
	f->tslot = FLOW_NONE;
	f->tnext = f->tprev = FLOW_NONE;
}

bool flow_get_hbuf(struct worker *w, struct flow *f)
{
	void *buf;

	if (f->hbuf)
		return true;
	if (unlikely(rte_mempool_get(w->hbufs, &buf) != 0))
		return false;
	f->hbuf = buf;
	f->hlen = 0;
	f->n_ooo = 0;
	f->t_hbuf = w->now;
	if (f->state == FS_HEADER) {
		/* waiting for its first header: the newest on the list */
		uint32_t i = flow_index(w, f);
		f->hq_in = true;
		f->hq_next = FLOW_NONE;
		f->hq_prev = w->hq_tail;
		if (w->hq_tail != FLOW_NONE)
			w->flows[w->hq_tail].hq_next = i;
		else
			w->hq_head = i;
		w->hq_tail = i;
	}
	return true;
}

void flow_hq_del(struct worker *w, struct flow *f)
{
	if (!f->hq_in)
		return;
	if (f->hq_prev != FLOW_NONE)
		w->flows[f->hq_prev].hq_next = f->hq_next;
	else
		w->hq_head = f->hq_next;
	if (f->hq_next != FLOW_NONE)
		w->flows[f->hq_next].hq_prev = f->hq_prev;
	else
		w->hq_tail = f->hq_prev;
	f->hq_in = false;
	f->hq_next = f->hq_prev = FLOW_NONE;
}

void flow_put_hbuf(struct worker *w, struct flow *f)
{
	flow_hq_del(w, f);
	if (f->hbuf) {
		rte_mempool_put(w->hbufs, f->hbuf);
		f->hbuf = NULL;
	}
}

void flow_free(struct worker *w, struct flow *f)
{
	struct flow_key k = { .c_ip = f->c.peer_ip, .l_ip = f->c.local_ip,
			      .c_port = f->c.peer_port, .l_port = f->c.local_port };

	timer_unlink(w, f);
	flow_put_hbuf(w, f);
	flow_put_sport(w, f);
	if (f->state == FS_SYN_RCVD)
		w->n_half_open--;
	f->state = FS_FREE;
	w->free_flows[w->n_free++] = flow_index(w, f);
	if (f->leg_only)
		return;
	if (f->n_req) {
		unsigned b = 0;
		while (b < REQ_BUCKETS && (1u << b) < f->n_req)
			b++;
		w->st.req_conn[b]++;
		w->st.req_conn_sum += f->n_req;
	}
	ftab_del(&w->ctab, &k);
	w->st.cnt[CNT_flows_active]--;
}

bool flow_take_sport(struct worker *w, struct flow *f)
{
	if (unlikely(w->sport_n == 0)) {
		w->st.drop[DROP_src_ports_full]++;
		return false;
	}
	uint16_t p = w->sport_fifo[w->sport_head];
	w->sport_head = (w->sport_head + 1) % w->sport_count_free;
	w->sport_n--;
	w->by_sport[p - w->sport_base] = flow_index(w, f);
	f->b.local_port = rte_cpu_to_be_16(p);
	return true;
}

void flow_put_sport(struct worker *w, struct flow *f)
{
	/* Without its port the leg is gone: so is its connection. */
	flow_backend_release(w, f);
	if (f->b.local_port == 0)
		return;
	uint16_t p = rte_be_to_cpu_16(f->b.local_port);
	/* FIFO: the port reused last is the one free the longest, which
	 * gives the backend's TIME_WAIT for it the most time to end. */
	w->by_sport[p - w->sport_base] = FLOW_NONE;
	w->sport_fifo[(w->sport_head + w->sport_n) % w->sport_count_free] = p;
	w->sport_n++;
	f->b.local_port = 0;
}

void flow_timer(struct worker *w, struct flow *f, uint64_t ms)
{
	timer_unlink(w, f);
	f->deadline = w->now + ms;
	/* A deadline never lands in the slot being processed now, or it
	 * would wait a whole turn of the wheel. */
	uint64_t tick = f->deadline > w->wheel_now ? f->deadline : w->wheel_now + 1;
	uint32_t slot = (uint32_t)(tick % WHEEL_SLOTS);
	uint32_t i = flow_index(w, f);

	f->tslot = slot;
	f->tprev = FLOW_NONE;
	f->tnext = w->wheel[slot];
	if (f->tnext != FLOW_NONE)
		w->flows[f->tnext].tprev = i;
	w->wheel[slot] = i;
}

void flow_timers_run(struct worker *w, void (*expire)(struct worker *, struct flow *))
{
	/* Bounded work per call: at most one turn of the wheel. */
	uint64_t until = w->now;
	if (until - w->wheel_now > WHEEL_SLOTS)
		w->wheel_now = until - WHEEL_SLOTS;
	while (w->wheel_now < until) {
		w->wheel_now++;
		uint32_t slot = (uint32_t)(w->wheel_now % WHEEL_SLOTS);
		uint32_t i = w->wheel[slot];
		while (i != FLOW_NONE) {
			struct flow *f = &w->flows[i];
			uint32_t next = f->tnext;
			if (f->deadline <= w->now) {
				timer_unlink(w, f);
				expire(w, f);
			}
			i = next;
		}
	}
}

/* ---- per-backend connection limits (max_conns) ------------------------ */

static void fifo_push(struct worker *w, struct flow_fifo *q, struct flow *f)
{
	uint32_t i = flow_index(w, f);

	f->qnext = FLOW_NONE;
	f->qprev = q->tail;
	if (q->tail != FLOW_NONE)
		w->flows[q->tail].qnext = i;
	else
		q->head = i;
	q->tail = i;
	q->len++;
}

static void fifo_unlink(struct worker *w, struct flow_fifo *q, struct flow *f)
{
	if (f->qprev != FLOW_NONE)
		w->flows[f->qprev].qnext = f->qnext;
	else
		q->head = f->qnext;
	if (f->qnext != FLOW_NONE)
		w->flows[f->qnext].qprev = f->qprev;
	else
		q->tail = f->qprev;
	f->qnext = f->qprev = FLOW_NONE;
	q->len--;
}

/* While B has room, its first waiting flows get their connection and go
 * to the ready list (tcp_ready() connects them at the end of the loop
 * iteration: nothing here calls up into the connect stage). */
static void bconn_admit_waiting(struct worker *w, struct bconn *b)
{
	while (b->q.len && b->n < b->limit) {
		struct flow *h = &w->flows[b->q.head];
		fifo_unlink(w, &b->q, h);
		b->n++;
		h->bq = BQ_READY;
		fifo_push(w, &w->ready, h);
	}
}

enum flow_admit flow_backend_admit(struct worker *w, struct flow *f,
				   uint64_t svc_key, uint32_t ip, uint16_t port,
				   uint32_t limit, uint32_t qmax)
{
	struct bconn_key k = { .svc_key = svc_key, .ip = ip, .port = port };
	struct bconn *b;
	void *data;

	flow_backend_release(w, f);
	if (rte_hash_lookup_data(w->btable, &k, &data) >= 0) {
		b = &w->bconns[(uintptr_t)data];
	} else {
		/* Never fails: see bconn_init(). Were it to, the connection
		 * would simply go uncounted. */
		if (unlikely(w->n_free_bconns == 0))
			return ADMIT_TAKEN;
		uint32_t i = w->free_bconns[--w->n_free_bconns];
		if (unlikely(rte_hash_add_key_data(w->btable, &k,
						   (void *)(uintptr_t)i) < 0)) {
			w->free_bconns[w->n_free_bconns++] = i;
			return ADMIT_TAKEN;
		}
		b = &w->bconns[i];
		*b = (struct bconn){ .key = k, .q = { FLOW_NONE, FLOW_NONE, 0 } };
	}
	uint32_t slot = (uint32_t)(b - w->bconns);
	/* A reload may have raised the limit: those waiting go first. */
	b->limit = limit;
	bconn_admit_waiting(w, b);
	if (b->q.len == 0 && b->n < limit) {
		b->n++;
		f->bslot = slot;
		f->bq = BQ_NONE;
		return ADMIT_TAKEN;
	}
	if (b->q.len < qmax) {
		fifo_push(w, &b->q, f);
		f->bslot = slot;
		f->bq = BQ_WAIT;
		return ADMIT_QUEUED;
	}
	/* B holds connections (n >= limit >= 1): it stays. */
	return ADMIT_FULL;
}

void flow_backend_release(struct worker *w, struct flow *f)
{
	uint32_t slot = f->bslot;

	if (slot == FLOW_NONE)
		return;
	struct bconn *b = &w->bconns[slot];
	switch (f->bq) {
	case BQ_WAIT:
		fifo_unlink(w, &b->q, f);
		break;
	case BQ_READY:
		fifo_unlink(w, &w->ready, f);
		b->n--;
		break;
	default:
		b->n--;
		break;
	}
	f->bslot = FLOW_NONE;
	f->bq = BQ_NONE;
	bconn_admit_waiting(w, b);
	if (b->n == 0 && b->q.len == 0) {
		rte_hash_del_key(w->btable, &b->key);
		w->free_bconns[w->n_free_bconns++] = slot;
	}
}

void flow_backend_move(struct flow *f, struct flow *g)
{
	/* Only a connected leg moves: it holds its connection, in no list. */
	g->bslot = f->bq == BQ_NONE ? f->bslot : FLOW_NONE;
	g->bq = BQ_NONE;
	if (f->bq == BQ_NONE)
		f->bslot = FLOW_NONE;
}

struct flow *flow_ready_next(struct worker *w)
{
	if (likely(w->ready.head == FLOW_NONE))
		return NULL;
	struct flow *f = &w->flows[w->ready.head];
	fifo_unlink(w, &w->ready, f);
	f->bq = BQ_NONE;
	return f;
}

void flow_ready_take(struct worker *w, struct flow *f)
{
	if (f->bq != BQ_READY)
		return;
	fifo_unlink(w, &w->ready, f);
	f->bq = BQ_NONE;
}
