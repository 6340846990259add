/* steer-gen's server side: answers as every server of the configuration
 * (cluster backends, direct tunnel gateways, developers behind the VXLAN
 * VTEP). Each request gets a 200 naming the server (X-Served-By), echoing
 * its X-Gen-Id, the echo header's value and X-Forwarded-For, with a
 * pattern body.
 *
 * A connection serves requests one after the other until either end
 * closes: we close after answering a "Connection: close" request; the
 * router closes (FIN) once a response is complete when it routes the
 * client's next request elsewhere, or when the client left. Either way
 * we answer what we hold, then close our side; only a FIN that cuts a
 * request short is an error. A connection is freed once both FINs are
 * acknowledged; the peer's FIN sent again after that (our last ACK was
 * lost) is acknowledged as TIME-WAIT would (gtcp_timewait()). */
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "gen.h"

#define NO_CONN UINT32_MAX

struct skey {
	uint32_t local_ip, peer_ip;
	uint16_t local_port, peer_port;
	uint32_t zone;            /* VNI + 1, or 0 outside overlays */
};

int gen_server_init(struct gen *g)
{
	struct rte_hash_parameters hp = {
		.name = "gen_servers", .entries = g->max_conns * 2,
		.key_len = sizeof(struct skey), .hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	g->sc = rte_zmalloc("gen_sc", sizeof(*g->sc) * g->max_conns, 64);
	g->sh = rte_hash_create(&hp);
	if (g->sc == NULL || g->sh == NULL)
		return -1;
	for (uint32_t i = 0; i < g->max_conns; i++)
		g->sc[i].next_free = i + 1 < g->max_conns ? i + 1 : NO_CONN;
	g->s_free = 0;
	return 0;
}

static const struct gen_server *server_of(const struct gen *g, const struct gen_sconn *c)
{
	return &g->conf->mix.server[c->server];
}

static struct skey key_of(const struct gen *g, const struct gen_sconn *c)
{
	const struct gen_server *sv = server_of(g, c);

	return (struct skey){ .local_ip = c->local_ip, .peer_ip = c->peer_ip,
			      .local_port = c->local_port, .peer_port = c->peer_port,
			      .zone = sv->vxlan ? sv->vni + 1 : 0 };
}

struct sfill {
	struct gen *g;
	struct gen_sconn *c;
};

/* Stream bytes of the current response (earlier ones are acknowledged:
 * the request that asked for this one acknowledged them). */
static void server_fill(void *arg, uint8_t *dst, uint32_t off, uint32_t len)
{
	struct sfill *f = arg;
	struct gen_sconn *c = f->c;
	char hdr[GEN_HDR_MAX];
	uint32_t at = off - c->msg_start;
	size_t hl = gen_resp_build(hdr, sizeof(hdr), server_of(f->g, c)->name, c->id,
				   c->echo, c->fwd, f->g->conf->run.response_body,
				   c->close_after);

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

static void server_emit(void *ctx, const struct gtcp *t, uint32_t seq,
			uint8_t flags, uint32_t off, uint32_t len)
{
	struct sfill *f = ctx;
	struct gen *g = f->g;
	struct gen_sconn *c = f->c;
	const struct gen_server *sv = server_of(g, c);
	struct rte_ether_addr src = g->port[PORT_INNER].mac;

	if (sv->vxlan)
		gen_overlay_mac(c->local_ip, &src);
	struct rte_mbuf *m = gen_tcp_frame(g, c->local_ip, c->peer_ip, c->local_port,
					   c->peer_port, &src, &c->peer_mac, t, seq,
					   flags, server_fill, f, off, len);
	if (m == NULL)
		return;
	if (sv->vxlan && !gen_vxlan_wrap(g, m, sv->vni, c->outer_peer_ip,
					 &c->outer_mac, c->peer_port)) {
		rte_pktmbuf_free(m);
		g->st.notes.mbuf_alloc_failed++;
		return;
	}
	gen_send(g, PORT_INNER, m);
}

static void server_free(struct gen *g, struct gen_sconn *c)
{
	struct skey k = key_of(g, c);

	rte_hash_del_key(g->sh, &k);
	c->used = false;
	c->next_free = g->s_free;
	g->s_free = (uint32_t)(c - g->sc);
	g->s_active--;
}

static void server_abort(struct gen *g, struct gen_sconn *c, enum gen_error e)
{
	struct sfill f = { g, c };

	g->st.err[e]++;
	if (c->t.state != GTCP_CLOSED && c->t.state != GTCP_DONE)
		server_emit(&f, &c->t, c->t.snd_nxt, GTCP_RST | GTCP_ACK, 0, 0);
	server_free(g, c);
}

static void respond(struct gen *g, struct gen_sconn *c)
{
	char hdr[GEN_HDR_MAX];

	c->resp_hdr = (uint32_t)gen_resp_build(hdr, sizeof(hdr), server_of(g, c)->name,
					       c->id, c->echo, c->fwd,
					       g->conf->run.response_body, c->close_after);
	g->st.notes.server_requests++;
	c->msg_start = gtcp_off(&c->t, c->t.snd_end);
	gtcp_queue(&c->t, c->resp_hdr + g->conf->run.response_body);
	if (c->close_after)
		gtcp_close(&c->t);
}

/* A request header's value, to echo; one too long to keep is echoed as
 * GEN_REPEATED, which no check expects either. */
static void keep_value(char *dst, size_t cap, const struct gen_str *v)
{
	if (v->len < cap)
		snprintf(dst, cap, "%.*s", (int)v->len, v->len ? v->p : "");
	else
		snprintf(dst, cap, "%s", GEN_REPEATED);
}

/* Inside a request: part of its header or body received, or the request
 * complete but not answered yet. */
static bool in_request(const struct gen_sconn *c)
{
	return c->rx_len > 0 || c->body_left > 0 || c->responding;
}

/* New in-order request bytes. Returns false when C was freed. */
static bool consume(struct gen *g, struct gen_sconn *c, const uint8_t *p, uint32_t len)
{
	while (len) {
		if (c->body_left > 0) {
			uint32_t n = (int64_t)len < c->body_left ? len : (uint32_t)c->body_left;
			c->body_left -= n;
			p += n;
			len -= n;
		} else {
			uint32_t room = GEN_REQ_HDR_MAX - c->rx_len;
			uint32_t n = len < room ? len : room;
			memcpy(c->rx + c->rx_len, p, n);
			struct gen_http_msg msg;
			int hl = gen_http_parse(c->rx, c->rx_len + n, false,
						g->conf->echo_header, &msg);
			if (hl == -2 && c->rx_len + n < GEN_REQ_HDR_MAX) {
				c->rx_len += n;
				return true;
			}
			if (hl < 0 || !gtcp_all_acked(&c->t)) {
				server_abort(g, c, GEN_ERR_server_bad_request);
				return false;
			}
			uint32_t used = (uint32_t)hl - c->rx_len;
			p += used;
			len -= used;
			c->rx_len = 0;
			snprintf(c->id, sizeof(c->id), "%.*s",
				 (int)(msg.id.len == GEN_ID_LEN ? msg.id.len : 0), msg.id.p);
			if (c->id[0] == 0)
				memset(c->id, '-', GEN_ID_LEN);
			keep_value(c->echo, sizeof(c->echo), &msg.echo);
			keep_value(c->fwd, sizeof(c->fwd), &msg.forwarded_for);
			c->close_after = msg.close;
			c->body_left = msg.content_length > 0 ? msg.content_length : 0;
			c->responding = true;
		}
		if (c->responding && c->body_left == 0) {
			c->responding = false;
			respond(g, c);
		}
	}
	return true;
}

void gen_server_input(struct gen *g, const struct gtcp_seg *s,
		      const struct rte_ether_hdr *eth, uint32_t src_ip,
		      uint32_t dst_ip, uint16_t sport, uint16_t dport,
		      int server, uint32_t outer_ip,
		      const struct rte_ether_addr *outer_mac,
		      const uint8_t *payload)
{
	const struct gen_server *sv = &g->conf->mix.server[server];
	struct skey k = { .local_ip = dst_ip, .peer_ip = src_ip, .local_port = dport,
			  .peer_port = sport, .zone = sv->vxlan ? sv->vni + 1 : 0 };
	bool syn = (s->flags & (GTCP_SYN | GTCP_ACK | GTCP_RST)) == GTCP_SYN;
	struct gen_sconn *c = NULL;
	void *data;

	if (rte_hash_lookup_data(g->sh, &k, &data) >= 0) {
		c = &g->sc[(uintptr_t)data];
		/* The router reuses a source port once its linger is over;
		 * a new SYN on the tuple replaces what we still hold. */
		if (syn && s->seq != c->t.irs) {
			g->st.notes.tuple_reused++;
			server_free(g, c);
			c = NULL;
		}
	}
	if (c == NULL && !syn) {
		struct gen_sconn gone = { .local_ip = dst_ip, .peer_ip = src_ip,
					  .local_port = dport, .peer_port = sport,
					  .server = (uint8_t)server, .peer_mac = eth->src_addr,
					  .outer_peer_ip = outer_ip };
		struct sfill f = { g, &gone };
		uint32_t seq;
		if (outer_mac)
			gone.outer_mac = *outer_mac;
		if (gtcp_timewait(s, &gone.t, &seq)) {
			g->st.notes.timewait_acks++;
			server_emit(&f, &gone.t, seq, GTCP_ACK, 0, 0);
		} else {
			g->st.notes.stray_segments++;
		}
		return;
	}
	if (c == NULL) {
		if (g->s_free == NO_CONN) {
			g->st.notes.no_slot++;
			return;
		}
		uint32_t i = g->s_free;
		c = &g->sc[i];
		g->s_free = c->next_free;
		memset(c, 0, offsetof(struct gen_sconn, rx));
		c->used = true;
		c->local_ip = dst_ip;
		c->peer_ip = src_ip;
		c->local_port = dport;
		c->peer_port = sport;
		c->server = (uint8_t)server;
		c->peer_mac = eth->src_addr;
		c->outer_peer_ip = outer_ip;
		if (outer_mac)
			c->outer_mac = *outer_mac;
		rte_hash_add_key_data(g->sh, &k, (void *)(uintptr_t)i);
		g->s_active++;
		g->st.notes.server_conns++;
		struct sfill f = { g, c };
		gtcp_accept(&c->t, s, (uint32_t)gen_rand(g),
			    sv->vxlan ? GEN_VXLAN_MSS : GEN_MSS, g->now_ms, server_emit, &f);
		return;
	}
	struct sfill f = { g, c };
	uint32_t off, len;
	unsigned ev = gtcp_input(&c->t, s, g->now_ms, server_emit, &f, &off, &len);

	if (ev & GTCP_EV_RESET) {
		/* The client's check says whether a response was lost. */
		g->st.notes.server_router_rst++;
		server_free(g, c);
		return;
	}
	if ((ev & GTCP_EV_DATA) && !consume(g, c, payload + off, len))
		return;
	if ((ev & GTCP_EV_PEER_FIN) && !c->t.fin_queued) {
		/* The router closed first. Between requests that is how it
		 * leaves a backend it no longer needs; inside one it cut the
		 * request short. The response we still send, if any, goes out
		 * before our FIN. */
		if (in_request(c)) {
			server_abort(g, c, GEN_ERR_server_truncated);
			return;
		}
		g->st.notes.server_router_fin++;
		gtcp_close(&c->t);
	}
	gtcp_output(&c->t, g->now_ms, server_emit, &f);
	if (c->t.state == GTCP_DONE)
		server_free(g, c);
}

void gen_server_timers(struct gen *g, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct gen_sconn *c = &g->sc[g->s_scan];
		g->s_scan = g->s_scan + 1 == g->max_conns ? 0 : g->s_scan + 1;
		if (!c->used)
			continue;
		struct sfill f = { g, c };
		unsigned ev = gtcp_timer(&c->t, g->now_ms, server_emit, &f);
		if (ev & GTCP_EV_TIMEOUT)
			server_abort(g, c, GEN_ERR_retrans_timeout);
		else if (ev & GTCP_EV_RETRANSMIT)
			g->st.notes.retransmits++;
	}
}
