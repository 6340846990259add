/* Backend legs without a client (per-request routing). When a request goes
 * to another target, the leg the flow was spliced to is quiet (tcp_request.c
 * waits for that) and moves to an entry of its own, which owns the leg's
 * source port from then on; the flow goes on with another leg. The entry
 * either
 *  - waits in the worker's idle pool (FS_LEG_IDLE) for a request of some
 *    client flow to the same target, which takes it over (leg_take(): no
 *    handshake, no FIN, as HAProxy's "http-reuse safe"), until
 *    timeouts.pool_idle_ms pass or the backend closes it; or
 *  - closes the leg as a client would, with a FIN (FS_LEG_CLOSE).
 * With no entry free, the leg is reset instead: the flow's own service
 * comes first.
 *
 * The pool is a hash of POOL_BUCKETS lists by target, newest first (the
 * legs used least stay at the tail and time out). A leg's TCP options were
 * the client's whose flow connected it (tcp_connect.c copies the client's
 * SYN options): it is taken only by a flow whose SYN would say the same
 * (leg_sig()), so that window scaling, SACK and MSS stay what both ends
 * agreed to. */
#include <string.h>

#include "flow.h"
#include "pkt.h"
#include "stats.h"
#include "tcp.h"

#define LEG_FIN_TRIES 3

static void leg_send(struct worker *w, struct flow *g, uint8_t flags)
{
	struct rte_mbuf *m = tcp_build(w, &g->b, g->s_nxt, g->b_snd, flags,
				       65535, NULL, 0, NULL, 0);
	if (m)
		flow_send_backend(w, g, m);
}

static void leg_rst(struct worker *w, struct flow *g)
{
	struct rte_mbuf *m = tcp_build(w, &g->b, g->s_nxt, 0, TCP_RST,
				       0, NULL, 0, NULL, 0);
	if (m && flow_send_backend(w, g, m))
		w->st.cnt[CNT_rst_sent]++;
}

/* What F's SYN to its target says (or said): MSS, SACK, window scaling. */
static uint32_t leg_sig(const struct worker *w, const struct flow *f)
{
	return (uint32_t)leg_syn_mss(w->sh, f) | (uint32_t)f->sack_ok << 16 |
	       (uint32_t)f->c_ws_ok << 17 | (uint32_t)f->c_wscale << 18;
}

static uint32_t bucket_of(const struct flow *f)
{
	uint32_t h = f->b.peer_ip * 0x9e3779b1u ^ f->b.peer_port * 0x85ebca6bu ^
		     f->vni * 0xc2b2ae35u ^ f->b.local_ip;

	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	return h >> (32 - 8) & (POOL_BUCKETS - 1);
}

/* Do legs F and G go to the same target, the same way? */
static bool same_target(const struct flow *f, const struct flow *g)
{
	return f->b.peer_ip == g->b.peer_ip && f->b.peer_port == g->b.peer_port &&
	       f->b.local_ip == g->b.local_ip && f->b.port == g->b.port &&
	       f->vxlan == g->vxlan &&
	       (!f->vxlan || (f->vni == g->vni && f->vtep_ip == g->vtep_ip));
}

static void pool_unlink(struct worker *w, struct flow *g)
{
	if (g->pprev != FLOW_NONE)
		w->flows[g->pprev].pnext = g->pnext;
	else
		w->idle_pool[bucket_of(g)] = g->pnext;
	if (g->pnext != FLOW_NONE)
		w->flows[g->pnext].pprev = g->pprev;
	g->pnext = g->pprev = FLOW_NONE;
	w->n_pooled--;
}

static void pool_push(struct worker *w, struct flow *g)
{
	uint32_t b = bucket_of(g), i = flow_index(w, g);

	g->pprev = FLOW_NONE;
	g->pnext = w->idle_pool[b];
	if (g->pnext != FLOW_NONE)
		w->flows[g->pnext].pprev = i;
	w->idle_pool[b] = i;
	w->n_pooled++;
}

/* Move F's leg to an entry of its own (the port, and F's place in the
 * backend's max_conns, go with it). NULL when no entry is free. */
static struct flow *leg_move(struct worker *w, struct flow *f)
{
	struct flow *g = flow_create_leg(w);

	if (g == NULL)
		return NULL;
	g->b = f->b;
	g->c.port = f->c.port;
	g->vxlan = f->vxlan;
	g->vni = f->vni;
	g->vtep_ip = f->vtep_ip;
	g->vtep_mac = f->vtep_mac;
	g->vtep_mac_known = f->vtep_mac_known;
	g->s_nxt = f->s_nxt;
	g->b_snd = f->b_snd;
	g->b_fin = f->b_fin;
	g->b_ack = f->b_ack;
	g->b_isn = f->b_isn;
	g->b_ws_ok = f->b_ws_ok;
	g->b_wscale = f->b_wscale;
	g->b_mss = f->b_mss;
	g->b_wnd = f->b_wnd;
	g->sack_ok = f->sack_ok;
	g->c_ws_ok = f->c_ws_ok;
	g->c_wscale = f->c_wscale;
	g->c_mss = f->c_mss;
	g->pnext = g->pprev = FLOW_NONE;
	w->by_sport[rte_be_to_cpu_16(f->b.local_port) - w->sport_base] =
		flow_index(w, g);
	f->b.local_port = 0;
	flow_backend_move(f, g);
	return g;
}

/* F has no leg now: the next request connects or takes one. */
static void unleg(struct flow *f)
{
	f->leg_gone = true;
	f->spliced = false;
	f->rs = RS_IDLE;
	f->n_pend = 0;
	f->pend_head = 0;
	f->b_fin = false;
	f->resp_last = false;
}

/* Close G's leg with a FIN (FIN-WAIT-1). */
static void leg_close(struct worker *w, struct flow *g)
{
	g->state = FS_LEG_CLOSE;
	g->retries = 0;
	leg_send(w, g, TCP_ACK | TCP_FIN);
	g->s_nxt++;
	flow_timer(w, g, 200);
}

void leg_detach(struct worker *w, struct flow *f)
{
	struct flow *g = f->b.local_port ? leg_move(w, f) : NULL;

	w->st.cnt[CNT_legs_closed]++;
	if (g == NULL && f->b.local_port) {
		leg_rst(w, f);
		flow_put_sport(w, f);
	} else if (g != NULL) {
		leg_close(w, g);
	}
	unleg(f);
}

void leg_leave(struct worker *w, struct flow *f)
{
	uint32_t max = conf_pool_max(&w->sh->conf->dataplane);

	/* Quiet (the caller's condition), open both ways, no request on its
	 * way, not counted against a max_conns (a pooled leg would hold a
	 * connection another flow may be waiting for). */
	if (f->b.local_port == 0 || f->b_fin || f->resp_last ||
	    f->bslot != FLOW_NONE || w->n_pooled >= max ||
	    f->rq == RQ_TUNNEL || !f->per_req) {
		leg_detach(w, f);
		return;
	}
	struct flow *g = leg_move(w, f);
	if (g == NULL) {
		leg_detach(w, f);
		return;
	}
	g->state = FS_LEG_IDLE;
	g->sig = leg_sig(w, f);
	pool_push(w, g);
	flow_timer(w, g, w->sh->conf->dataplane.timeouts.pool_idle_ms);
	w->st.cnt[CNT_pool_parked]++;
	unleg(f);
}

bool leg_take(struct worker *w, struct flow *f)
{
	if (w->n_pooled == 0)
		return false;
	uint32_t sig = leg_sig(w, f);
	uint32_t i = w->idle_pool[bucket_of(f)];

	while (i != FLOW_NONE) {
		struct flow *g = &w->flows[i];
		if (g->sig == sig && same_target(f, g))
			break;
		i = g->pnext;
	}
	if (i == FLOW_NONE)
		return false;
	struct flow *g = &w->flows[i];
	pool_unlink(w, g);
	f->b = g->b;
	f->vtep_mac = g->vtep_mac;
	f->vtep_mac_known = g->vtep_mac_known;
	f->b_isn = g->b_isn;
	f->b_ws_ok = g->b_ws_ok;
	f->b_wscale = g->b_wscale;
	f->b_mss = g->b_mss;
	f->b_wnd = g->b_wnd;
	w->by_sport[rte_be_to_cpu_16(g->b.local_port) - w->sport_base] =
		flow_index(w, f);
	uint32_t s_next = g->s_nxt, b_next = g->b_snd;
	g->b.local_port = 0;      /* the port is F's again */
	flow_free(w, g);
	splice_leg_begin(f, s_next, b_next);
	/* Every byte the backend sent was taken by the client before the leg
	 * was parked (quiet): the request says so, whatever ACK went last. */
	f->b_ack = b_next;
	w->st.cnt[CNT_pool_reuses]++;
	return true;
}

/* A backend segment to a leg in the pool: it may only keep it open
 * (an ACK, a window update, a keep-alive probe) or close it. */
static void idle_input(struct worker *w, struct flow *g, struct seg *s)
{
	if (s->flags & TCP_RST) {
		if (s->seq != g->b_snd) {
			/* RFC 5961 section 3.2: not the exact next byte. */
			leg_send(w, g, TCP_ACK);
			count_drop(w, DROP_tcp_bad_flags, s->m);
			return;
		}
		pool_unlink(w, g);
		w->st.cnt[CNT_pool_closed_backend]++;
		count_consumed(w, s->m);
		flow_free(w, g);
		return;
	}
	if (s->len && SEQ_LEQ(s->seq + s->len, g->b_snd)) {
		/* Sent again, or a keep-alive probe: say what we have. */
		leg_send(w, g, TCP_ACK);
		count_drop(w, DROP_tcp_dup, s->m);
		return;
	}
	if (s->len) {
		/* Bytes nobody asked for: the leg is out of step. */
		pool_unlink(w, g);
		leg_rst(w, g);
		count_drop(w, DROP_resp_unsolicited, s->m);
		flow_free(w, g);
		return;
	}
	if (s->flags & TCP_ACK)
		g->b_wnd = (uint32_t)rte_be_to_cpu_16(s->th->rx_win) << g->b_wscale;
	if ((s->flags & TCP_FIN) && s->seq == g->b_snd) {
		/* The backend's keep-alive time-out came first: close our
		 * side too (CLOSE-WAIT -> LAST-ACK). */
		pool_unlink(w, g);
		w->st.cnt[CNT_pool_closed_backend]++;
		g->b_fin = true;
		g->b_snd = s->seq + 1;
		leg_close(w, g);
	}
	count_consumed(w, s->m);
}

void leg_input(struct worker *w, struct flow *g, struct seg *s)
{
	if (!seg_csum_ok(s)) {
		count_drop(w, DROP_tcp_csum, s->m);
		return;
	}
	if (g->state == FS_LEG_IDLE) {
		idle_input(w, g, s);
		return;
	}
	if (s->flags & TCP_RST) {
		count_consumed(w, s->m);
		flow_free(w, g);
		return;
	}
	if ((s->flags & TCP_ACK) && s->ack == g->s_nxt && !g->resp_acked) {
		/* Our FIN is acknowledged: the backend's may take a while
		 * (FIN-WAIT-2). */
		g->resp_acked = true;
		flow_timer(w, g, w->sh->conf->dataplane.timeouts.linger_ms);
	}
	if (s->len && SEQ_LEQ(s->seq + s->len, g->b_snd)) {
		/* Sent again: our ACK of it (the FIN's) was lost. Say it
		 * again (RFC 9293 section 3.10.7.4), with the FIN while it is
		 * not acknowledged. */
		g->s_nxt -= !g->resp_acked;
		leg_send(w, g, (uint8_t)(TCP_ACK | (g->resp_acked ? 0 : TCP_FIN)));
		g->s_nxt += !g->resp_acked;
		count_drop(w, DROP_tcp_dup, s->m);
		return;
	}
	if (s->len) {
		/* New data on a leg we closed: nobody will read it. */
		leg_rst(w, g);
		count_drop(w, DROP_data_after_close, s->m);
		flow_free(w, g);
		return;
	}
	if (s->flags & TCP_FIN) {
		g->b_fin = true;
		g->b_snd = s->seq + 1;
		leg_send(w, g, TCP_ACK);
	}
	count_consumed(w, s->m);
	if (g->b_fin && g->resp_acked) {
		/* Both FINs are through. We closed first (or answered the
		 * backend's FIN of an idle leg), and the port goes back at
		 * once: to the end of the FIFO, ~64 000 other connections
		 * before it is used again, which is what keeps a flow that
		 * re-binds at every request from exhausting the ports. If our
		 * last ACK was lost, the backend's FIN sent again gets an RST
		 * (tcp_no_flow), which closes it just as well. */
		flow_free(w, g);
	}
}

void leg_expire(struct worker *w, struct flow *g)
{
	if (g->state == FS_LEG_IDLE) {
		/* No request came for it in pool_idle_ms. */
		pool_unlink(w, g);
		w->st.cnt[CNT_pool_expired]++;
		leg_close(w, g);
		return;
	}
	if (!g->resp_acked && ++g->retries < LEG_FIN_TRIES) {
		g->s_nxt--;
		leg_send(w, g, TCP_ACK | TCP_FIN);
		g->s_nxt++;
		w->st.cnt[CNT_retransmits]++;
		flow_timer(w, g, 200u << g->retries);
		return;
	}
	if (!(g->resp_acked && g->b_fin))
		leg_rst(w, g);
	flow_free(w, g);
}
