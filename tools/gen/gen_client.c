/* steer-gen's client side: opens connections to the listener at a rate
 * (or as fast as the concurrency allows), sends each connection's
 * requests one after the other, each of a mix entry of its own (or all of
 * the first one's with run.classes = "connection"), checks every response
 * against the request it answers (status, body bytes, echoed id and
 * headers, the server that answered) and times it. */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "gen.h"

#define NO_CONN UINT32_MAX

int gen_client_init(struct gen *g)
{
	struct rte_hash_parameters hp = {
		.name = "gen_clients", .entries = g->max_conns * 2,
		.key_len = sizeof(struct gen_ckey), .hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	g->cc = rte_zmalloc("gen_cc", sizeof(*g->cc) * g->max_conns, 64);
	g->ch = rte_hash_create(&hp);
	if (g->cc == NULL || g->ch == NULL)
		return -1;
	for (uint32_t i = 0; i < g->max_conns; i++)
		g->cc[i].next_free = i + 1 < g->max_conns ? i + 1 : NO_CONN;
	g->c_free = 0;
	return 0;
}

static const struct gen_req *req_of(const struct gen *g, const struct gen_cconn *c,
				    struct gen_req *r)
{
	const struct gen_mix_entry *e = &g->conf->mix.entry[c->entry];

	*r = (struct gen_req){ .method = e->method, .host = e->host,
			       .path = e->path, .extra = e->extra,
			       .body = e->body,
			       .close = c->reqs == g->conf->run.requests };
	return r;
}

static void req_id(const struct gen_cconn *c, unsigned n, char *id)
{
	snprintf(id, GEN_ID_LEN + 1, "%08x-%04x", c->serial, n & 0xffff);
}

struct cfill {
	struct gen *g;
	struct gen_cconn *c;
};

/* Stream bytes of the current request; earlier ones are all acknowledged
 * (a request is sent only after the previous one is). */
static void client_fill(void *arg, uint8_t *dst, uint32_t off, uint32_t len)
{
	struct cfill *f = arg;
	struct gen_cconn *c = f->c;
	char hdr[GEN_HDR_MAX], id[GEN_ID_LEN + 1];
	struct gen_req r;
	uint32_t at = off - c->msg_start;

	req_id(c, c->reqs, id);
	size_t hl = gen_req_build(hdr, sizeof(hdr), req_of(f->g, c, &r), id);
	if (at < hl) {
		uint32_t n = (uint32_t)hl - at < len ? (uint32_t)hl - at : len;
		memcpy(dst, hdr + at, n);
		dst += n;
		at += n;
		len -= n;
	}
	if (len)
		gen_body_fill(dst, at - (uint32_t)hl, len);
}

static void client_emit(void *ctx, const struct gtcp *t, uint32_t seq,
			uint8_t flags, uint32_t off, uint32_t len)
{
	struct cfill *f = ctx;
	struct gen *g = f->g;
	struct gen_port *gp = &g->port[PORT_EDGE];

	struct rte_mbuf *m = gen_tcp_frame(g, f->c->ip,
		rte_cpu_to_be_32(g->conf->listener_ip), f->c->lport,
		rte_cpu_to_be_16(g->conf->listener_port), &gp->mac,
		&gp->router_mac, t, seq, flags, client_fill, f, off, len);
	if (m)
		gen_send(g, PORT_EDGE, m);
}

static void client_free(struct gen *g, struct gen_cconn *c)
{
	struct gen_ckey k = { .ip = c->ip, .port = c->lport };

	rte_hash_del_key(g->ch, &k);
	c->used = false;
	c->next_free = g->c_free;
	g->c_free = (uint32_t)(c - g->cc);
	g->c_active--;
}

static void client_abort(struct gen *g, struct gen_cconn *c, enum gen_error e)
{
	struct cfill f = { g, c };

	g->st.err[e]++;
	/* Until the last response is complete a request is in flight, or
	 * one could not be sent: either way a legitimate one failed. */
	if (!c->t.fin_queued)
		g->st.legit_failed++;
	if (c->t.state != GTCP_CLOSED && c->t.state != GTCP_DONE)
		client_emit(&f, &c->t, c->t.snd_nxt, GTCP_RST | GTCP_ACK, 0, 0);
	client_free(g, c);
}

/* The next request: of its own class, drawn now. client_fill() rebuilds
 * only this one, so only it needs its entry. */
static void send_request(struct gen *g, struct gen_cconn *c)
{
	char hdr[GEN_HDR_MAX], id[GEN_ID_LEN + 1];
	struct gen_req r;
	unsigned prev = c->entry;

	c->reqs++;
	c->entry = (uint8_t)gen_mix_next(&g->conf->mix, g->conf->run.per_connection,
					 prev, c->reqs, gen_rand(g));
	if (c->reqs > 1 && c->entry != prev)
		g->st.notes.class_changes++;
	req_id(c, c->reqs, id);
	c->req_hdr = (uint32_t)gen_req_build(hdr, sizeof(hdr), req_of(g, c, &r), id);
	c->msg_start = gtcp_off(&c->t, c->t.snd_end);
	gtcp_queue(&c->t, c->req_hdr + r.body);
	c->have_hdr = false;
	c->hdr_len = 0;
	c->body_left = -1;
	c->body_seen = 0;
	c->sent_tsc = g->now_tsc;
	c->deadline_ms = g->now_ms + g->conf->run.timeout_ms;
	g->st.requests++;
}

void gen_client_open(struct gen *g)
{
	const struct gen_run *run = &g->conf->run;

	if (!g->opening || !g->port[PORT_EDGE].router_known)
		return;
	for (unsigned burst = 0; burst < GEN_BURST; burst++) {
		if (g->c_active >= run->concurrency || g->c_free == NO_CONN ||
		    (run->rate && g->tokens < 1.0) ||
		    (run->connections && g->st.conns_opened >= run->connections))
			return;
		struct gen_ckey k;
		if (!gen_tuple_next(g, &k)) {
			g->st.notes.no_slot++;
			continue;
		}
		uint32_t i = g->c_free;
		struct gen_cconn *c = &g->cc[i];
		g->c_free = c->next_free;
		memset(c, 0, offsetof(struct gen_cconn, hdr));
		c->used = true;
		c->ip = k.ip;
		c->lport = k.port;
		c->serial = ++g->serial;
		c->deadline_ms = g->now_ms + run->timeout_ms;
		rte_hash_add_key_data(g->ch, &k, (void *)(uintptr_t)i);
		g->c_active++;
		g->st.conns_opened++;
		if (run->rate)
			g->tokens -= 1.0;
		struct cfill f = { g, c };
		gtcp_connect(&c->t, (uint32_t)gen_rand(g), GEN_MSS, g->now_ms,
			     client_emit, &f);
	}
}

/* A whole response header is in c->hdr[0..hl): check it against the
 * request in flight, the connection's latest. */
static bool check_header(struct gen *g, struct gen_cconn *c,
			 const struct gen_http_msg *msg)
{
	char id[GEN_ID_LEN + 1];
	bool misroute;

	req_id(c, c->reqs, id);
	struct gen_sent sent = { .entry = c->entry, .id = id,
				 .client_ip = rte_be_to_cpu_32(c->ip) };
	enum gen_error e = gen_check_response(&g->conf->mix, &sent, msg, &misroute);
	c->misrouted = misroute;
	if (misroute) {
		g->st.misroutes++;
		g->st.misroute_by_entry[c->entry]++;
	}
	if (e != GEN_ERR_NONE) {
		client_abort(g, c, e);
		return false;
	}
	c->body_left = msg->content_length;
	return true;
}

static void response_done(struct gen *g, struct gen_cconn *c)
{
	uint64_t us = (g->now_tsc - c->sent_tsc) * 1000000 / g->tsc_hz;

	gen_hist_add(&g->lat, us);
	g->st.responses++;
	if (c->misrouted)
		g->st.legit_failed++;
	else
		g->st.legit_ok++;
	g->st.responses_by_entry[c->entry]++;
	c->body_left = -1;
	c->have_hdr = false;
	if (c->reqs < g->conf->run.requests) {
		send_request(g, c);
	} else {
		gtcp_close(&c->t);
		c->deadline_ms = g->now_ms + g->conf->run.timeout_ms;
	}
}

/* New in-order response bytes. Returns false when C was freed. */
static bool consume(struct gen *g, struct gen_cconn *c, const uint8_t *p, uint32_t len)
{
	while (len) {
		/* No response is awaited once the last one is complete. */
		if (!c->have_hdr && c->t.fin_queued) {
			client_abort(g, c, GEN_ERR_extra_bytes);
			return false;
		}
		if (!c->have_hdr) {
			uint32_t room = GEN_RESP_HDR_MAX - c->hdr_len;
			uint32_t n = len < room ? len : room;
			memcpy(c->hdr + c->hdr_len, p, n);
			struct gen_http_msg msg;
			int hl = gen_http_parse(c->hdr, c->hdr_len + n, true, NULL, &msg);
			if (hl == -2 && c->hdr_len + n < GEN_RESP_HDR_MAX) {
				c->hdr_len = (uint16_t)(c->hdr_len + n);
				return true;
			}
			if (hl < 0) {
				client_abort(g, c, GEN_ERR_bad_response);
				return false;
			}
			uint32_t used = (uint32_t)hl - c->hdr_len;
			c->have_hdr = true;
			p += used;
			len -= used;
			if (!check_header(g, c, &msg))
				return false;
		} else {
			uint32_t n = (int64_t)len < c->body_left ? len : (uint32_t)c->body_left;
			if (!gen_body_check(p, c->body_seen, n)) {
				client_abort(g, c, GEN_ERR_body_corrupt);
				return false;
			}
			c->body_seen += n;
			c->body_left -= n;
			p += n;
			len -= n;
		}
		if (c->have_hdr && c->body_left == 0)
			response_done(g, c);
	}
	return true;
}

void gen_client_input(struct gen *g, const struct gtcp_seg *s, uint32_t ip,
		      uint16_t port, const uint8_t *payload)
{
	struct gen_ckey k = { .ip = ip, .port = port };
	void *data;

	if (rte_hash_lookup_data(g->ch, &k, &data) < 0) {
		struct gen_cconn gone = { .ip = ip, .lport = port };
		struct cfill f = { g, &gone };
		uint32_t seq;
		if (gtcp_timewait(s, &gone.t, &seq)) {
			g->st.notes.timewait_acks++;
			client_emit(&f, &gone.t, seq, GTCP_ACK, 0, 0);
		} else {
			g->st.notes.stray_segments++;
		}
		return;
	}
	struct gen_cconn *c = &g->cc[(uintptr_t)data];
	struct cfill f = { g, c };
	uint32_t off, len;
	unsigned ev = gtcp_input(&c->t, s, g->now_ms, client_emit, &f, &off, &len);

	if (ev & GTCP_EV_RESET) {
		client_abort(g, c, GEN_ERR_reset);
		return;
	}
	if (ev & GTCP_EV_ESTABLISHED)
		send_request(g, c);
	if ((ev & GTCP_EV_DATA) && !consume(g, c, payload + off, len))
		return;
	if (ev & GTCP_EV_PEER_FIN) {
		if (!c->t.fin_queued) {   /* a response still awaited */
			client_abort(g, c, GEN_ERR_early_close);
			return;
		}
		gtcp_close(&c->t);
	}
	gtcp_output(&c->t, g->now_ms, client_emit, &f);
	if (c->t.state == GTCP_DONE) {
		g->st.conns_done++;
		client_free(g, c);
	}
}

void gen_client_timers(struct gen *g, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct gen_cconn *c = &g->cc[g->c_scan];
		g->c_scan = g->c_scan + 1 == g->max_conns ? 0 : g->c_scan + 1;
		if (!c->used)
			continue;
		struct cfill f = { g, c };
		uint8_t was = c->t.state;
		unsigned ev = gtcp_timer(&c->t, g->now_ms, client_emit, &f);
		if (ev & GTCP_EV_RETRANSMIT)
			g->st.notes.retransmits++;
		if (ev & GTCP_EV_TIMEOUT) {
			client_abort(g, c, was == GTCP_SYN_SENT ?
				     GEN_ERR_connect_timeout : GEN_ERR_retrans_timeout);
			continue;
		}
		if (g->now_ms > c->deadline_ms)
			client_abort(g, c, GEN_ERR_stalled);
	}
}

void gen_client_abort_all(struct gen *g)
{
	for (uint32_t i = 0; i < g->max_conns; i++)
		if (g->cc[i].used)
			client_abort(g, &g->cc[i], GEN_ERR_unfinished);
}
