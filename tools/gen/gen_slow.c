/* steer-gen's slowloris (--slowloris N): N connection slots from the real
 * client addresses, each holding a connection that sends a request line
 * and Host, then one header line every slowloris_interval_ms, and never
 * the empty line that would end the header. When the router ends one (a
 * 408 or another status, a RST, a FIN, or no more ACKs) the slot counts
 * how and after how long, closes, and opens the next: at once if the one
 * before lasted an interval, an interval later otherwise (a router that
 * refuses at once is not answered with a SYN storm). Opens are paced at
 * SLOW_OPEN_RATE. These connections are counted apart from the real
 * clients and never in the legitimate success rate. */
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "gen.h"

#define SLOW_OPEN_RATE 5000u      /* opens per second, all slots */

int gen_slow_init(struct gen *g)
{
	unsigned n = g->conf->run.slowloris;

	if (n == 0)
		return 0;
	struct rte_hash_parameters hp = {
		.name = "gen_slow", .entries = n * 2 < 64 ? 64 : n * 2,
		.key_len = sizeof(struct gen_ckey), .hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};
	g->lc = rte_zmalloc("gen_lc", sizeof(*g->lc) * n, 64);
	g->lh = rte_hash_create(&hp);
	if (g->lc == NULL || g->lh == NULL)
		return -1;
	/* The Host of the first mix entry: a request the router would
	 * route, were it ever finished. */
	g->slow_plen = (uint32_t)gen_slow_prefix(g->slow_prefix, sizeof(g->slow_prefix),
						 g->conf->mix.entry[0].host);
	return g->slow_plen ? 0 : -1;
}

struct lfill {
	struct gen *g;
	struct gen_lconn *c;
};

static void slow_fill(void *arg, uint8_t *dst, uint32_t off, uint32_t len)
{
	struct lfill *f = arg;

	gen_slow_fill(dst, off, len, f->g->slow_prefix, f->g->slow_plen);
}

static void slow_emit(void *ctx, const struct gtcp *t, uint32_t seq,
		      uint8_t flags, uint32_t off, uint32_t len)
{
	struct lfill *f = ctx;
	struct gen *g = f->g;
	struct gen_port *gp = &g->port[PORT_EDGE];

	struct rte_mbuf *m = gen_tcp_frame(g, f->c->ip,
		rte_cpu_to_be_32(g->conf->listener_ip), f->c->lport,
		rte_cpu_to_be_16(g->conf->listener_port), &gp->mac,
		&gp->router_mac, t, seq, flags, slow_fill, f, off, len);
	if (m)
		gen_send(g, PORT_EDGE, m);
}

/* Free C's connection; the slot opens the next at OPEN_AT. */
static void slow_free(struct gen *g, struct gen_lconn *c, uint64_t open_at)
{
	struct gen_ckey k = { .ip = c->ip, .port = c->lport };

	rte_hash_del_key(g->lh, &k);
	c->used = false;
	c->open_at_ms = open_at;
	g->l_active--;
}

/* The router ended C: count how (STATUS, else RST or FIN) and its
 * lifetime, and start closing. Returns when the next should open. */
static uint64_t slow_cut(struct gen *g, struct gen_lconn *c, bool rst)
{
	struct gen_slow_stats *st = &g->st.slow;
	int status = gen_http_status(c->st, c->st_len);
	uint64_t life = g->now_ms - c->est_ms;

	c->cut = true;
	if (status == 408)
		st->cut_408++;
	else if (status >= 0)
		st->cut_status++;
	else if (rst)
		st->cut_rst++;
	else
		st->cut_fin++;
	st->lifetime_ms += life;
	gtcp_close(&c->t);
	return life >= g->conf->run.slowloris_interval_ms ?
	       g->now_ms : g->now_ms + g->conf->run.slowloris_interval_ms;
}

static void slow_open(struct gen *g, struct gen_lconn *c)
{
	struct gen_ckey k;

	if (!gen_tuple_next(g, &k)) {
		g->st.notes.no_slot++;
		return;
	}
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->ip = k.ip;
	c->lport = k.port;
	rte_hash_add_key_data(g->lh, &k, (void *)(uintptr_t)(c - g->lc));
	g->l_active++;
	g->st.slow.opened++;
	struct lfill f = { g, c };
	gtcp_connect(&c->t, (uint32_t)gen_rand(g), GEN_MSS, g->now_ms, slow_emit, &f);
}

/* The run ended with C open: reset it, and open no other. */
static void slow_end(struct gen *g, struct gen_lconn *c)
{
	struct lfill f = { g, c };

	if (!c->cut)
		g->st.slow.open_at_end++;
	if (c->t.state != GTCP_CLOSED && c->t.state != GTCP_DONE)
		slow_emit(&f, &c->t, c->t.snd_nxt, GTCP_RST | GTCP_ACK, 0, 0);
	slow_free(g, c, UINT64_MAX);
}

bool gen_slow_input(struct gen *g, const struct gtcp_seg *s, uint32_t ip,
		    uint16_t port, const uint8_t *payload)
{
	struct gen_ckey k = { .ip = ip, .port = port };
	void *data;

	if (g->lh == NULL || rte_hash_lookup_data(g->lh, &k, &data) < 0)
		return false;
	struct gen_lconn *c = &g->lc[(uintptr_t)data];
	struct lfill f = { g, c };
	uint32_t off, len;
	uint64_t next = g->now_ms + g->conf->run.slowloris_interval_ms;
	unsigned ev = gtcp_input(&c->t, s, g->now_ms, slow_emit, &f, &off, &len);

	if (ev & GTCP_EV_RESET) {
		if (c->est_ms == 0)
			g->st.slow.refused++;
		else if (!c->cut)
			next = slow_cut(g, c, true);
		else
			next = c->open_at_ms;
		slow_free(g, c, next);
		return true;
	}
	if (ev & GTCP_EV_ESTABLISHED) {
		c->est_ms = g->now_ms ? g->now_ms : 1;
		c->next_line_ms = g->now_ms + g->conf->run.slowloris_interval_ms;
		g->st.slow.established++;
		gtcp_queue(&c->t, g->slow_plen);
	}
	if (ev & GTCP_EV_DATA) {
		uint32_t n = len < sizeof(c->st) - c->st_len ? len : sizeof(c->st) - c->st_len;
		memcpy(c->st + c->st_len, payload + off, n);
		c->st_len = (uint8_t)(c->st_len + n);
		/* A status line cuts it off even before the FIN comes. */
		if (!c->cut && gen_http_status(c->st, c->st_len) >= 0)
			c->open_at_ms = slow_cut(g, c, false);
	}
	if ((ev & GTCP_EV_PEER_FIN) && !c->cut)
		c->open_at_ms = slow_cut(g, c, false);
	gtcp_output(&c->t, g->now_ms, slow_emit, &f);
	if (c->t.state == GTCP_DONE)
		slow_free(g, c, c->open_at_ms);
	return true;
}

void gen_slow_tick(struct gen *g, unsigned n)
{
	unsigned slots = g->conf->run.slowloris;
	const unsigned interval = g->conf->run.slowloris_interval_ms;

	if (slots == 0 || !g->port[PORT_EDGE].router_known)
		return;
	/* The TSC's rate is known once the run starts, not at init. */
	if (g->slow_pace.hz == 0)
		gen_pace_init(&g->slow_pace, SLOW_OPEN_RATE, g->tsc_hz, GEN_BURST, g->now_tsc);
	uint32_t opens = g->opening ? gen_pace_take(&g->slow_pace, g->now_tsc, GEN_BURST) : 0;
	unsigned ended = 0;
	if (n > slots)
		n = slots;
	for (unsigned i = 0; i < n; i++) {
		struct gen_lconn *c = &g->lc[g->l_scan];
		g->l_scan = g->l_scan + 1 == slots ? 0 : g->l_scan + 1;
		if (c->used && !g->opening) {
			/* The run is over: a burst of resets a loop, so that
			 * thousands of them do not overflow the TX ring. */
			if (ended++ < GEN_BURST)
				slow_end(g, c);
			continue;
		}
		if (!c->used) {
			if (opens && g->now_ms >= c->open_at_ms) {
				slow_open(g, c);
				opens--;
			}
			continue;
		}
		struct lfill f = { g, c };
		uint8_t was = c->t.state;
		unsigned ev = gtcp_timer(&c->t, g->now_ms, slow_emit, &f);
		if (ev & GTCP_EV_RETRANSMIT)
			g->st.notes.retransmits++;
		if (ev & GTCP_EV_TIMEOUT) {
			if (was == GTCP_SYN_SENT)
				g->st.slow.connect_failed++;
			else if (!c->cut)
				g->st.slow.lost++;
			/* a close that never completed needs no count;
			 * no RST either, as for the real clients */
			slow_free(g, c, g->now_ms + interval);
			continue;
		}
		if (c->cut || c->t.state != GTCP_ESTABLISHED || g->now_ms < c->next_line_ms ||
		    !gtcp_all_acked(&c->t))
			continue;
		gtcp_queue(&c->t, GEN_SLOW_LINE_LEN);
		gtcp_output(&c->t, g->now_ms, slow_emit, &f);
		g->st.slow.lines_sent++;
		c->next_line_ms = g->now_ms + interval;
	}
}

void gen_slow_stop(struct gen *g)
{
	for (unsigned i = 0; i < g->conf->run.slowloris; i++)
		if (g->lc[i].used)
			slow_end(g, &g->lc[i]);
}
