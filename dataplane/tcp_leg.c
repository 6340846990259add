/* Backend legs left behind by a re-bind (per-request routing): when a
 * request goes to another target, the leg the flow was spliced to is quiet
 * (tcp_request.c waits for that) and is closed as a client would close
 * it, with a FIN, in an entry of its own that owns the leg's source port
 * until the close is done. The flow itself goes on with a new leg. With no
 * entry free, the leg is reset instead: the flow's own service comes
 * first. */
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

void leg_detach(struct worker *w, struct flow *f)
{
	struct flow *g = f->b.local_port ? flow_create_leg(w) : NULL;

	w->st.cnt[CNT_legs_closed]++;
	if (g == NULL) {
		if (f->b.local_port) {
			struct rte_mbuf *m = tcp_build(w, &f->b, f->s_nxt, 0, TCP_RST,
						       0, NULL, 0, NULL, 0);
			if (m && flow_send_backend(w, f, m))
				w->st.cnt[CNT_rst_sent]++;
			flow_put_sport(w, f);
		}
	} else {
		g->b = f->b;
		g->vxlan = f->vxlan;
		g->vni = f->vni;
		g->vtep_ip = f->vtep_ip;
		g->vtep_mac = f->vtep_mac;
		g->vtep_mac_known = f->vtep_mac_known;
		g->s_nxt = f->s_nxt;
		g->b_snd = f->b_snd;
		g->b_fin = f->b_fin;
		/* The port is the leg's now, and so is its place in the
		 * backend's max_conns: it ends with the close. */
		w->by_sport[rte_be_to_cpu_16(f->b.local_port) - w->sport_base] =
			flow_index(w, g);
		f->b.local_port = 0;
		flow_backend_move(f, g);
		leg_send(w, g, TCP_ACK | TCP_FIN);
		g->s_nxt++;
		flow_timer(w, g, 200);
	}
	f->leg_gone = true;
	f->spliced = false;
	f->rs = RS_IDLE;
	f->n_pend = 0;
	f->pend_head = 0;
	f->b_fin = false;
	f->resp_last = false;
}

void leg_input(struct worker *w, struct flow *g, struct seg *s)
{
	if (!seg_csum_ok(s)) {
		count_drop(w, DROP_tcp_csum, s->m);
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
		struct rte_mbuf *m = tcp_build(w, &g->b, g->s_nxt, 0, TCP_RST,
					       0, NULL, 0, NULL, 0);
		if (m && flow_send_backend(w, g, m))
			w->st.cnt[CNT_rst_sent]++;
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
		/* Both FINs are through. We closed first, so TCP would wait
		 * in TIME-WAIT here; the leg does not: the port goes back at
		 * once (to the end of the FIFO: ~64 000 other connections
		 * before it is used again), which is what keeps a flow that
		 * re-binds at every request from exhausting the ports. If our
		 * last ACK was lost, the backend's FIN sent again gets an RST
		 * (tcp_no_flow), which closes it just as well. */
		flow_free(w, g);
	}
}

void leg_expire(struct worker *w, struct flow *g)
{
	if (!g->resp_acked && ++g->retries < LEG_FIN_TRIES) {
		g->s_nxt--;
		leg_send(w, g, TCP_ACK | TCP_FIN);
		g->s_nxt++;
		w->st.cnt[CNT_retransmits]++;
		flow_timer(w, g, 200u << g->retries);
		return;
	}
	if (!(g->resp_acked && g->b_fin)) {
		struct rte_mbuf *m = tcp_build(w, &g->b, g->s_nxt, 0, TCP_RST,
					       0, NULL, 0, NULL, 0);
		if (m && flow_send_backend(w, g, m))
			w->st.cnt[CNT_rst_sent]++;
	}
	flow_free(w, g);
}
