/* Packet-test helpers for health checks (health_harness.h). */
#include <stdio.h>
#include <string.h>

#include "hc_table.h"
#include "health.h"
#include "health_harness.h"
#include "publish.h"

void hh_tick(struct h_env *e)
{
	/* steerd's order: the control ring, then the health tick; then the
	 * workers send what it queued */
	h_tick(e);
	health_tick(e->sh, e->t0 + e->now);
	h_tick(e);
}

static const struct conf_service *service_of(const struct h_env *e,
					     const char *name, unsigned *idx)
{
	const struct steer_conf *c = rs_conf(dp_pub_load(e->sh)->rs);

	for (unsigned s = 0; s < c->n_services; s++)
		if (strcmp(c->services[s].name, name) == 0) {
			*idx = s;
			return &c->services[s];
		}
	return NULL;
}

const struct hc_verdict *hh_verdict(const struct h_env *e, const char *service,
				    enum h_target target)
{
	const struct dp_health *h = dp_health_load(dp_pub_load(e->sh));
	unsigned s;
	const struct conf_service *cs = service_of(e, service, &s);

	if (h == NULL || cs == NULL)
		return NULL;
	for (unsigned b = 0; b < cs->n_backends; b++)
		if (cs->backends[b].ip == h_target_ip(target) &&
		    cs->backends[b].port == h_target_port(target)) {
			uint32_t slot = h->svc[s].slot[b];
			return slot == HC_NONE ? NULL : &e->sh->hc->slot[slot].v;
		}
	return NULL;
}

const char *hh_state(const struct h_env *e, const char *service,
		     enum h_target target)
{
	const struct hc_verdict *v = hh_verdict(e, service, target);
	unsigned s;
	const struct conf_service *cs = service_of(e, service, &s);
	struct hc_params p;

	if (v == NULL || cs == NULL)
		return "untracked";
	hc_params_of(&p, cs->health.enabled, cs->health.rise, cs->health.fall);
	return hc_verdict_state(v, &p);
}

/* ---- a backend answering health checks ---------------------------------- */

static enum h_target target_of(uint32_t ip, uint16_t port)
{
	for (enum h_target t = T_BE0; t < T__COUNT; t++)
		if (h_target_ip(t) == ip && h_target_port(t) == port)
			return t;
	return T_NONE;
}

/* The one frame sent since the last call, parsed (freed). */
static void take_one(struct h_env *e, struct h_pkt *p, const char *what)
{
	static uint8_t copy[2048];
	struct rte_mbuf *m = h_take(e);

	if (m == NULL)
		fail_msg("%s: nothing sent", what);
	if (!h_parse(m, p))
		fail_msg("%s: bad frame: %s", what, p->err);
	/* the payload outlives the mbuf */
	if (p->len > sizeof(copy))
		fail_msg("%s: payload of %u bytes", what, p->len);
	memcpy(copy, p->data, p->len);
	p->data = copy;
	rte_pktmbuf_free(m);
	if (h_take(e) != NULL)
		fail_msg("%s: more than one frame sent", what);
}

static void expect_from_check(const struct h_pkt *p, const struct hh_chk *c,
			      uint8_t flags, uint32_t seq, uint32_t ack,
			      const char *what)
{
	char d[256];

	if (p->port != H_PORT_INNER || p->sip != H_INNER_IP ||
	    p->dip != h_target_ip(c->target) || p->sport != c->sport ||
	    p->dport != h_target_port(c->target) ||
	    memcmp(&p->dst_mac, h_target_mac(c->target), 6) != 0 ||
	    memcmp(&p->src_mac, &h_inner_mac, 6) != 0)
		fail_msg("%s: not from the check to %s: %s", what,
			 h_target_name(c->target), h_describe(p, d, sizeof(d)));
	if (p->flags != flags || p->seq != seq || ((flags & ACK) && p->ack != ack))
		fail_msg("%s: flags 0x%02x seq %u ack %u, want 0x%02x %u %u: %s", what,
			 p->flags, p->seq, p->ack, flags, seq, ack,
			 h_describe(p, d, sizeof(d)));
}

unsigned hh_syns(struct h_env *e, struct hh_chk *out, unsigned max)
{
	struct rte_mbuf *m;
	unsigned n = 0;
	char d[256];

	while ((m = h_take(e)) != NULL) {
		struct h_pkt p;
		if (!h_parse(m, &p))
			fail_msg("bad frame: %s", p.err);
		rte_pktmbuf_free(m);
		enum h_target t = target_of(p.dip, p.dport);
		if (p.proto != 6 || p.flags != SYN || t == T_NONE ||
		    p.port != H_PORT_INNER || p.sip != H_INNER_IP ||
		    p.sport < HC_PORT_FIRST || p.ack != 0 || p.len != 0)
			fail_msg("not a health check's SYN: %s", h_describe(&p, d, sizeof(d)));
		if (n == max)
			fail_msg("more than %u SYNs", max);
		out[n++] = (struct hh_chk){ .target = t, .sport = p.sport,
					   .iss = p.seq, .irs = 0x70000000u + p.sport,
					   .mss = p.o.mss };
	}
	return n;
}

static struct rte_mbuf *from_backend(struct h_env *e, const struct hh_chk *c,
				     uint8_t flags, uint32_t seq, uint32_t ack,
				     const char *data)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	struct h_tcp t = {
		.src_mac = *h_target_mac(c->target), .dst_mac = h_inner_mac,
		.sip = h_target_ip(c->target), .dip = H_INNER_IP,
		.sport = h_target_port(c->target), .dport = c->sport,
		.seq = seq, .ack = ack, .flags = flags, .win = 29200,
		.opts = (flags & SYN) ? mss : NULL, .optlen = (flags & SYN) ? 4 : 0,
		.data = data, .len = data ? (unsigned)strlen(data) : 0,
	};
	return h_tcp_frame(e, &t);
}

const char *hh_accept(struct h_env *e, struct hh_chk *c)
{
	static char req[1024];
	struct h_pkt p;

	h_rx(e, c->rx_worker, H_PORT_INNER, from_backend(e, c, SYN | ACK, c->irs, c->iss + 1, NULL));
	h_tick(e);
	take_one(e, &p, "the ACK of the SYN-ACK");
	expect_from_check(&p, c, ACK | PSH, c->iss + 1, c->irs + 1, "the request");
	snprintf(req, sizeof(req), "%.*s", (int)p.len, (const char *)p.data);
	c->req_len = p.len;
	return req;
}

void hh_respond(struct h_env *e, struct hh_chk *c, const char *line, bool fin)
{
	struct h_pkt p;
	uint32_t n = (uint32_t)strlen(line);

	h_rx(e, c->rx_worker, H_PORT_INNER, from_backend(e, c, ACK | PSH | (fin ? FIN : 0),
					      c->irs + 1, c->iss + 1 + c->req_len, line));
	h_tick(e);
	take_one(e, &p, "our answer to the status line");
	/* RST|ACK from past the request, acknowledging what we read */
	expect_from_check(&p, c, RST | ACK, c->iss + 1 + c->req_len,
			  c->irs + 1 + n + fin, "our answer to the status line");
}

void hh_serve(struct h_env *e, struct hh_chk *c, int status)
{
	char line[128];

	hh_accept(e, c);
	snprintf(line, sizeof(line), "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n", status);
	hh_respond(e, c, line, false);
}

void hh_refuse(struct h_env *e, struct hh_chk *c)
{
	h_rx(e, c->rx_worker, H_PORT_INNER, from_backend(e, c, RST | ACK, 0, c->iss + 1, NULL));
	h_tick(e);
	if (h_drain(e) != 0)
		fail_msg("an answer to the RST of %s", h_target_name(c->target));
}
