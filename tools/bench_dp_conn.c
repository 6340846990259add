/* Whole connection lives, phase by phase: every connection of a batch sends
 * its phase's frame, the frames go through the worker as one stream of
 * bursts, and every frame the router sends back is checked and learnt from
 * (its ISNs, source port, backend) before the next phase is built. The
 * peers' replies depend on what the router sent, so a phase is the unit
 * that can be prepared ahead; its frames are what the loop is timed on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_dp.h"
#include "flow.h"
#include "pkt.h"

const char *const phase_name[PH__COUNT] = {
	[PH_SYN] = "client SYN -> SYN-ACK",
	[PH_REQUEST] = "client ACK+header -> ACK, SYN",
	[PH_SYNACK] = "backend SYN-ACK -> header",
	[PH_HDR_ACK] = "backend ACK -> client",
	[PH_RESPONSE] = "backend response -> client",
	[PH_RESP_ACK] = "client ACK -> backend",
	[PH_CLIENT_FIN] = "client FIN -> backend",
	[PH_BACKEND_FIN] = "backend FIN -> client",
	[PH_LAST_ACK] = "client last ACK -> backend",
	[PH_EXPIRE] = "linger expiry (timer tick)",
};

/* Who sends each phase's frame: the port it arrives on. */
static const uint8_t phase_port[PH__COUNT] = {
	[PH_SYN] = PORT_EDGE, [PH_REQUEST] = PORT_EDGE,
	[PH_SYNACK] = PORT_INNER, [PH_HDR_ACK] = PORT_INNER,
	[PH_RESPONSE] = PORT_INNER, [PH_RESP_ACK] = PORT_EDGE,
	[PH_CLIENT_FIN] = PORT_EDGE, [PH_BACKEND_FIN] = PORT_INNER,
	[PH_LAST_ACK] = PORT_EDGE,
};

/* MSS 1460, SACK permitted, window shift 7: what Linux offers. */
static const uint8_t syn_opts[12] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7 };

static char req_tmpl[REQ__COUNT][HDR_LEN + 1];
static unsigned req_id_at[REQ__COUNT];
static char resp[RESP_LEN + 1];

/* Browser-like requests of exactly HDR_LEN bytes whose path carries the
 * connection number (so the header the router forwards names its
 * connection): a GET, the same GET with the header of intercept bob-web,
 * and a POST whose body never ends; and a RESP_LEN response. */
static void templates(void)
{
	static const char *const line[REQ__COUNT] = {
		[REQ_GET] = "GET /bench/item/00000000 HTTP/1.1\r\n",
		[REQ_BOB] = "GET /bench/item/00000000 HTTP/1.1\r\n",
		[REQ_POST] = "POST /bench/item/00000000 HTTP/1.1\r\n",
	};
	static const char *const extra[REQ__COUNT] = {
		[REQ_GET] = "",
		[REQ_BOB] = "X-Dev: bob\r\n",
		[REQ_POST] = "Content-Type: application/octet-stream\r\n"
			     "Content-Length: 1000000000000\r\n",
	};
	static const char head[] =
		"Host: web.example.test\r\n"
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
		"Accept-Language: en-US,en;q=0.5\r\n"
		"Accept-Encoding: gzip, deflate, br\r\n"
		"Connection: keep-alive\r\n"
		"Cookie: session=";
	static const char tail[] = "\r\nUpgrade-Insecure-Requests: 1\r\n\r\n";

	for (unsigned k = 0; k < REQ__COUNT; k++) {
		char *t = req_tmpl[k];
		size_t n = 0, end = HDR_LEN - strlen(tail) - strlen(extra[k]);
		n += (size_t)sprintf(t + n, "%s%s", line[k], head);
		while (n < end) {
			t[n] = "abcdefghijklmnopqrstuvwxyz0123456789"[n % 36];
			n++;
		}
		/* The intercept header (or the body's framing) just before
		 * the last field, as a browser extension would add it. */
		memcpy(t + n, "\r\n", 2);
		memcpy(t + n + 2, extra[k], strlen(extra[k]));
		memcpy(t + n + 2 + strlen(extra[k]), tail + 2, strlen(tail) - 1);
		req_id_at[k] = (unsigned)(strstr(t, "/item/") - t) + 6;
		if (strlen(t) != HDR_LEN) {
			fprintf(stderr, "bench_dp: request template %u is not %u bytes\n",
				k, HDR_LEN);
			exit(2);
		}
	}

	int h = snprintf(resp, sizeof(resp),
			 "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
			 "Cache-Control: no-cache\r\nContent-Length: %4u\r\n\r\n", 0u);
	int body = RESP_LEN - h;
	snprintf(resp, sizeof(resp),
		 "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
		 "Cache-Control: no-cache\r\nContent-Length: %4d\r\n\r\n", body);
	for (int i = h; i < RESP_LEN; i++)
		resp[i] = (char)('a' + i % 26);
	resp[RESP_LEN] = 0;
}

void conn_request(unsigned kind, uint32_t id, char *buf)
{
	char num[16];

	if (resp[0] == 0)
		templates();
	memcpy(buf, req_tmpl[kind], HDR_LEN);
	snprintf(num, sizeof(num), "%08u", id % 100000000u);
	memcpy(buf + req_id_at[kind], num, 8);
}

unsigned conn_request_id_at(unsigned kind)
{
	if (resp[0] == 0)
		templates();
	return req_id_at[kind];
}

const char *conn_response(void)
{
	if (resp[0] == 0)
		templates();
	return resp;
}

static void request_of(const struct peer_conn *c, char *buf)
{
	conn_request(c->kind, c->id, buf);
}

/* The header as the backend must receive it: X-Forwarded-For before the
 * final CRLF (tcp_connect.c build_injection). Returns its length. */
static unsigned forwarded_of(const struct peer_conn *c, char *buf)
{
	request_of(c, buf);
	int n = sprintf(buf + HDR_LEN - 2, "X-Forwarded-For: %u.%u.%u.%u\r\n\r\n",
			c->c_ip >> 24, (c->c_ip >> 16) & 255, (c->c_ip >> 8) & 255,
			c->c_ip & 255);
	return HDR_LEN - 2 + (unsigned)n;
}

static uint32_t mix32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	return x ^ (x >> 16);
}

uint32_t conn_next(const struct bench *b, struct peer_conn *c, uint32_t id)
{
	const struct dp_shared *sh = b->sh;

	for (;; id++) {
		conn_init(c, id);
		if (client_owner(sh, rte_cpu_to_be_32(c->c_ip), rte_cpu_to_be_32(EDGE_IP),
				 rte_cpu_to_be_16(c->c_port),
				 rte_cpu_to_be_16(LISTEN_PORT)) == b->w->id)
			return id + 1;
	}
}

void conn_init(struct peer_conn *c, uint32_t id)
{
	if (resp[0] == 0)
		templates();
	memset(c, 0, sizeof(*c));
	c->kind = REQ_GET;
	c->id = id;
	c->c_ip = CLIENT_NET + (id / CLIENT_PORTS) % 65536;
	c->c_port = (uint16_t)(1024 + id % CLIENT_PORTS);
	c->c_isn = mix32(id * 2 + 1);
	c->b_isn = mix32(id * 2 + 2);
}

/* ---- frames in ------------------------------------------------------------ */

static void client_seg(const struct peer_conn *c, struct wire_tcp *s)
{
	*s = (struct wire_tcp){ .src_mac = &client_mac, .dst_mac = &edge_mac,
		.sip = c->c_ip, .dip = EDGE_IP, .sport = c->c_port,
		.dport = LISTEN_PORT, .flags = TCP_ACK, .win = 502 };
}

static void backend_seg(const struct peer_conn *c, struct wire_tcp *s)
{
	*s = (struct wire_tcp){ .src_mac = &backend_mac[c->backend],
		.dst_mac = &inner_mac, .sip = backend_of(c), .dip = INNER_IP,
		.sport = BACKEND_PORT, .dport = c->sport, .flags = TCP_ACK,
		.win = 502 };
}

static void phase_frame(const struct peer_conn *c, enum phase ph, struct rte_mbuf *m)
{
	char req[HDR_LEN];
	struct wire_tcp s;
	uint32_t H = HDR_LEN, R = RESP_LEN, F = c->fwd_len;

	if (phase_port[ph] == PORT_EDGE)
		client_seg(c, &s);
	else
		backend_seg(c, &s);
	switch (ph) {
	case PH_SYN:
		s.flags = TCP_SYN;
		s.seq = c->c_isn;
		s.win = 64240;
		s.opts = syn_opts;
		s.optlen = sizeof(syn_opts);
		break;
	case PH_REQUEST:
		request_of(c, req);
		s.flags = TCP_ACK | TCP_PSH;
		s.seq = c->c_isn + 1;
		s.ack = c->r_isn + 1;
		s.data = req;
		s.len = HDR_LEN;
		break;
	case PH_SYNACK:
		s.flags = TCP_SYN | TCP_ACK;
		s.seq = c->b_isn;
		s.ack = c->s_isn + 1;
		s.win = 65160;
		s.opts = syn_opts;
		s.optlen = sizeof(syn_opts);
		break;
	case PH_HDR_ACK:
		s.seq = c->b_isn + 1;
		s.ack = c->s_isn + 1 + F;
		break;
	case PH_RESPONSE:
		s.flags = TCP_ACK | TCP_PSH;
		s.seq = c->b_isn + 1;
		s.ack = c->s_isn + 1 + F;
		s.data = resp;
		s.len = RESP_LEN;
		break;
	case PH_RESP_ACK:
		s.seq = c->c_isn + 1 + H;
		s.ack = c->r_isn + 1 + R;
		break;
	case PH_CLIENT_FIN:
		s.flags = TCP_FIN | TCP_ACK;
		s.seq = c->c_isn + 1 + H;
		s.ack = c->r_isn + 1 + R;
		break;
	case PH_BACKEND_FIN:
		s.flags = TCP_FIN | TCP_ACK;
		s.seq = c->b_isn + 1 + R;
		s.ack = c->s_isn + 2 + F;
		break;
	case PH_LAST_ACK:
		s.seq = c->c_isn + 2 + H;
		s.ack = c->r_isn + 2 + R;
		break;
	default:
		return;
	}
	wire_write(m, &s);
}

/* ---- frames out ----------------------------------------------------------- */

struct expect {
	uint8_t flags;
	uint32_t seq, ack;
	bool learn;               /* seq is the router's ISN: learn it */
	bool syn_opts;            /* check the options of a SYN */
	uint16_t mss;
	const void *data;         /* payload to compare (NULL: none) */
	unsigned len;
};

/* What connection C must receive on port P in phase PH; false: nothing. */
static bool expected(const struct peer_conn *c, enum phase ph, unsigned p,
		     struct expect *e, char *fwd)
{
	uint32_t H = HDR_LEN, R = RESP_LEN, F = c->fwd_len;

	memset(e, 0, sizeof(*e));
	e->flags = TCP_ACK;
	if (p == PORT_EDGE) {
		switch (ph) {
		case PH_SYN:
			/* Our MSS leaves room for VXLAN: 1500 - 40 - 50. */
			*e = (struct expect){ .flags = TCP_SYN | TCP_ACK, .learn = true,
				.ack = c->c_isn + 1, .syn_opts = true, .mss = 1410 };
			return true;
		case PH_REQUEST:
		case PH_HDR_ACK:
			e->seq = c->r_isn + 1;
			e->ack = c->c_isn + 1 + H;
			return true;
		case PH_RESPONSE:
			e->flags = TCP_ACK | TCP_PSH;
			e->seq = c->r_isn + 1;
			e->ack = c->c_isn + 1 + H;
			e->data = resp;
			e->len = RESP_LEN;
			return true;
		case PH_BACKEND_FIN:
			e->flags = TCP_FIN | TCP_ACK;
			e->seq = c->r_isn + 1 + R;
			e->ack = c->c_isn + 2 + H;
			return true;
		default:
			return false;
		}
	}
	switch (ph) {
	case PH_REQUEST:
		*e = (struct expect){ .flags = TCP_SYN, .learn = true, .syn_opts = true,
				      .mss = 1460 };
		return true;
	case PH_SYNACK:
		e->flags = TCP_ACK | TCP_PSH;
		e->seq = c->s_isn + 1;
		e->ack = c->b_isn + 1;
		e->len = forwarded_of(c, fwd);
		e->data = fwd;
		return true;
	case PH_RESP_ACK:
		e->seq = c->s_isn + 1 + F;
		e->ack = c->b_isn + 1 + R;
		return true;
	case PH_CLIENT_FIN:
		e->flags = TCP_FIN | TCP_ACK;
		e->seq = c->s_isn + 1 + F;
		e->ack = c->b_isn + 1 + R;
		return true;
	case PH_LAST_ACK:
		e->seq = c->s_isn + 2 + F;
		e->ack = c->b_isn + 2 + R;
		return true;
	default:
		return false;
	}
}

static _Atomic unsigned problems_shown;  /* --workers: two threads */

static unsigned problem(enum phase ph, const struct peer_conn *c, const char *what)
{
	if (problems_shown++ < 10)
		fprintf(stderr, "bench_dp: phase \"%s\", connection %u (client port %u): %s\n",
			phase_name[ph], c ? c->id : 0, c ? c->c_port : 0, what);
	return 1;
}

/* Check frame M (sent on port P in phase PH) against connection C and
 * learn from it. Returns the number of problems (0 or 1). */
static unsigned check(struct peer_conn *c, enum phase ph, unsigned p,
		      const struct wire_pkt *k)
{
	struct expect e;
	char fwd[HDR_LEN + 64], msg[160];

	if (!expected(c, ph, p, &e, fwd))
		return problem(ph, c, p == PORT_EDGE ? "unexpected frame to the client" :
				      "unexpected frame to the backend");
	if (p == PORT_EDGE) {
		if (!rte_is_same_ether_addr(&k->dst_mac, &client_mac) ||
		    !rte_is_same_ether_addr(&k->src_mac, &edge_mac) ||
		    k->sip != EDGE_IP || k->dip != c->c_ip || k->sport != LISTEN_PORT)
			return problem(ph, c, "client frame not addressed listener -> client");
	} else {
		int be = -1;
		for (unsigned i = 0; i < N_BACKENDS; i++)
			if (k->dip == backend_ip[i])
				be = (int)i;
		if (be < 0 || k->dport != BACKEND_PORT)
			return problem(ph, c, "backend frame to no backend");
		if (ph == PH_REQUEST) {
			c->backend = (uint8_t)be;
			c->sport = k->sport;
		}
		if (be != c->backend || k->sport != c->sport)
			return problem(ph, c, "backend frame of another connection");
		if (!rte_is_same_ether_addr(&k->dst_mac, &backend_mac[be]) ||
		    !rte_is_same_ether_addr(&k->src_mac, &inner_mac) || k->sip != INNER_IP)
			return problem(ph, c, "backend frame not addressed inner port -> backend");
	}
	if (k->flags != e.flags) {
		snprintf(msg, sizeof(msg), "flags 0x%02x, expected 0x%02x", k->flags, e.flags);
		return problem(ph, c, msg);
	}
	if (e.learn) {
		if (p == PORT_EDGE)
			c->r_isn = k->seq;
		else
			c->s_isn = k->seq;
	} else if (k->seq != e.seq) {
		snprintf(msg, sizeof(msg), "seq %u, expected %u", k->seq, e.seq);
		return problem(ph, c, msg);
	}
	if (k->ack != e.ack) {
		snprintf(msg, sizeof(msg), "ack %u, expected %u", k->ack, e.ack);
		return problem(ph, c, msg);
	}
	if (e.syn_opts && (k->mss != e.mss || k->ws != 7 || !k->sackok)) {
		snprintf(msg, sizeof(msg), "SYN options mss %u ws %d sackok %d", k->mss,
			 k->ws, k->sackok);
		return problem(ph, c, msg);
	}
	if (k->len != e.len || (e.len && memcmp(k->data, e.data, e.len) != 0)) {
		snprintf(msg, sizeof(msg), "payload of %u bytes, expected %u%s", k->len, e.len,
			 k->len == e.len ? " (different bytes)" : "");
		return problem(ph, c, msg);
	}
	if (ph == PH_SYNACK)
		c->fwd_len = k->len;
	return 0;
}

/* Which connection (index in C) a frame sent on port P is for: by the
 * client port towards the client, by our source port towards a backend
 * (the SYNs of PH_REQUEST come in the order of the requests: KTH). The
 * tables are the bench's (one per worker: --workers plays in parallel). */
static int conn_of(const struct bench *b, const struct peer_conn *c, unsigned n,
		   enum phase ph, unsigned p, const struct wire_pkt *k, unsigned kth)
{
	const uint32_t *slot_of_port = b->slot_of_port, *slot_of_sport = b->slot_of_sport;
	uint32_t i;

	if (p == PORT_EDGE)
		i = slot_of_port[k->dport];
	else if (ph == PH_REQUEST)
		i = kth + 1;
	else
		i = slot_of_sport[k->sport];
	if (i == 0 || i > n)
		return -1;
	i--;
	if (p == PORT_EDGE && (c[i].c_port != k->dport || c[i].c_ip != k->dip))
		return -1;
	if (p == PORT_INNER && ph != PH_REQUEST && c[i].sport != k->sport)
		return -1;
	return (int)i;
}

/* Check every frame the router sent in phase PH. */
static unsigned check_phase(struct bench *b, struct peer_conn *c, unsigned n,
			    enum phase ph)
{
	struct rte_mbuf **out = malloc(sizeof(*out) * (2 * n + 64));
	uint8_t *seen = calloc(n, N_PORTS);
	unsigned bad = 0;

	if (out == NULL || seen == NULL) {
		fprintf(stderr, "bench_dp: out of memory\n");
		exit(2);
	}
	for (unsigned p = 0; p < N_PORTS; p++) {
		unsigned k = env_collect(b, p, out, 2 * n + 64);
		for (unsigned j = 0; j < k; j++) {
			struct wire_pkt pk;
			const char *err = wire_parse(out[j], true, &pk);
			int i = err ? -1 : conn_of(b, c, n, ph, p, &pk, j);
			if (err)
				bad += problem(ph, NULL, err);
			else if (i < 0)
				bad += problem(ph, NULL, "frame for no connection of the batch");
			else if (seen[i * N_PORTS + p]++)
				bad += problem(ph, &c[i], "two frames where one was due");
			else if (check(&c[i], ph, p, &pk) != 0)
				bad++;
			else if (ph == PH_REQUEST && p == PORT_INNER)
				b->slot_of_sport[c[i].sport] = (uint32_t)i + 1;
		}
		rte_pktmbuf_free_bulk(out, k);
	}
	for (unsigned i = 0; i < n; i++)
		for (unsigned p = 0; p < N_PORTS; p++) {
			struct expect e;
			char fwd[HDR_LEN + 64];
			if (expected(&c[i], ph, p, &e, fwd) && !seen[i * N_PORTS + p])
				bad += problem(ph, &c[i], p == PORT_EDGE ? "no frame to the client" :
								   "no frame to the backend");
		}
	free(out);
	free(seen);
	return bad;
}

unsigned conn_play(struct bench *b, struct peer_conn *c, unsigned n,
		   enum phase first, enum phase last, struct sample *steer,
		   struct sample *iofwd)
{
	struct rte_mbuf **in = malloc(sizeof(*in) * (n ? n : 1));
	uint64_t active = b->w->st.cnt[CNT_flows_active];
	unsigned bad = 0;

	if (in == NULL) {
		fprintf(stderr, "bench_dp: out of memory\n");
		exit(2);
	}
	if (b->slot_of_port == NULL) {
		b->slot_of_port = calloc(65536, sizeof(uint32_t));
		b->slot_of_sport = calloc(65536, sizeof(uint32_t));
		if (b->slot_of_port == NULL || b->slot_of_sport == NULL) {
			fprintf(stderr, "bench_dp: out of memory\n");
			exit(2);
		}
	}
	for (unsigned i = 0; i < n; i++)
		b->slot_of_port[c[i].c_port] = i + 1;
	for (unsigned ph = first; ph <= last; ph++) {
		uint64_t drops = env_drops(b);
		unsigned from = phase_port[ph], total = ph == PH_EXPIRE ? 0 : n;

		if (total) {
			if (rte_pktmbuf_alloc_bulk(b->pool, in, total) != 0) {
				fprintf(stderr, "bench_dp: peers' pool exhausted\n");
				exit(2);
			}
			for (unsigned i = 0; i < total; i++)
				phase_frame(&c[i], ph, in[i]);
			env_feed(b, from, in, total);
			if (iofwd) {
				/* The same frames, same rings, same bursts, through
				 * io-forward first; then back into the input ring. */
				iofwd[ph] = (struct sample){ 0 };
				env_run(b, LOOP_IOFWD, total, &iofwd[ph]);
				unsigned k = env_collect(b, from ^ 1, in, total);
				if (k != total) {
					fprintf(stderr, "bench_dp: io-forward lost frames\n");
					exit(2);
				}
				env_feed(b, from, in, k);
			}
		}
		/* One ms of worker time per phase; linger_ms passes before the
		 * expiry tick. */
		b->now += ph == PH_EXPIRE ? b->linger_ms + 1u : 1u;
		b->phase = ph;
		if (steer)
			steer[ph] = (struct sample){ 0 };
		unsigned got = env_run(b, steer ? LOOP_CONN : LOOP_SETUP, total,
				       steer ? &steer[ph] : NULL);
		if (got != total)
			bad += problem(ph, NULL, "the worker did not take every frame in");
		bad += check_phase(b, c, n, ph);
		if (env_drops(b) != drops)
			bad += problem(ph, NULL, "drop counters moved");
	}
	if (first == PH_SYN && last == PH_EXPIRE &&
	    b->w->st.cnt[CNT_flows_active] != active)
		bad += problem(PH_EXPIRE, NULL, "flow entries not freed after linger");
	free(in);
	return bad;
}
