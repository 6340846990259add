/* Packet-test harness (see harness.h): golden sequences played and
 * matched frame by frame, and the common ones (handshake, establish). */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#define MAC(a, b, c, d, e, f) {{ 0x##a, 0x##b, 0x##c, 0x##d, 0x##e, 0x##f }}

/* ---- golden sequences ---------------------------------------------------- */

uint16_t h_port_owned_by(const struct h_env *e, unsigned worker, uint16_t from)
{
	for (uint16_t p = from; p != 0; p++)
		if (client_owner(e->sh, rte_cpu_to_be_32(H_CLIENT_IP),
				 rte_cpu_to_be_32(H_EDGE_IP), rte_cpu_to_be_16(p),
				 rte_cpu_to_be_16(H_LISTEN_PORT)) == worker)
			return p;
	fail_msg("no port owned by worker %u", worker);
	return 0;
}

void h_conn_init(struct h_conn *c, uint16_t cport, uint32_t c_isn, uint32_t b_isn)
{
	memset(c, 0, sizeof(*c));
	c->c_ip = H_CLIENT_IP;
	c->c_port = cport;
	c->c_mac = h_client_mac;
	c->c_isn = c_isn;
	c->b_isn = b_isn;
}

uint32_t h_sym_val(const struct h_conn *c, struct h_sym s)
{
	switch (s.base) {
	case SB_C: return c->c_isn + (uint32_t)s.off;
	case SB_R: return c->r_isn + (uint32_t)s.off;
	case SB_S: return c->s_isn + (uint32_t)s.off;
	case SB_B: return c->b_isn + (uint32_t)s.off;
	default: return (uint32_t)s.off;
	}
}

static unsigned seg_len(const struct h_seg *s)
{
	if (s->data == NULL)
		return 0;
	return s->len > 0 ? (unsigned)s->len : (unsigned)strlen(s->data);
}

struct rte_mbuf *h_seg_frame(struct h_env *e, struct h_conn *c, uint8_t from,
			     const struct h_seg *s)
{
	uint8_t opts[40];
	struct h_topts o = { .mss = s->o.mss, .ws = s->o.ws, .sackok = s->o.sackok,
			     .n_sack = s->o.n_sack, .sack_odd = s->o.sack_odd };
	struct h_tcp t = {
		.seq = h_sym_val(c, s->seq), .ack = h_sym_val(c, s->ack),
		.flags = s->flags,
		.win = (uint16_t)(s->win0 ? 0 : s->win ? s->win : 65535),
		.opts = opts, .data = s->data, .len = seg_len(s),
	};

	for (unsigned i = 0; i < s->o.n_sack; i++) {
		o.sack[i][0] = h_sym_val(c, s->o.sack[i][0]);
		o.sack[i][1] = h_sym_val(c, s->o.sack[i][1]);
	}
	t.optlen = h_opts_encode(&o, opts);
	if (from == F_CLIENT) {
		t.src_mac = c->c_mac;
		t.dst_mac = h_edge_mac;
		t.sip = c->c_ip;
		t.dip = H_EDGE_IP;
		t.sport = c->c_port;
		t.dport = H_LISTEN_PORT;
		return h_tcp_frame(e, &t);
	}
	assert_true(c->target > T_NONE && c->target < T__COUNT);
	assert_true(c->sport_known);
	t.sport = h_target_port(c->target);
	t.dport = c->sport;
	t.sip = h_target_ip(c->target);
	if (c->target == T_ALICE) {
		t.src_mac = h_alice_mac;
		t.dst_mac = h_ovl_mac;
		t.dip = H_OVL_IP;
		return h_vxlan_frame(e, h_tcp_frame(e, &t), H_VTEP_IP, H_VNI);
	}
	t.src_mac = *h_target_mac(c->target);
	t.dst_mac = h_inner_mac;
	t.dip = H_INNER_IP;
	return h_tcp_frame(e, &t);
}

#define MERR(...) do { snprintf(msg, len, __VA_ARGS__); return false; } while (0)

static bool mac_eq(const struct rte_ether_addr *a, const struct rte_ether_addr *b)
{
	return memcmp(a, b, 6) == 0;
}

static bool sym_match(struct h_conn *c, struct h_sym s, uint32_t got,
		      bool learn_s, const char *what, char *msg, size_t len)
{
	if (s.base == SB_UNSET)
		return true;
	if (s.base == SB_R && !c->r_known) {
		c->r_isn = got - (uint32_t)s.off;
		c->r_known = true;
		return true;
	}
	if (s.base == SB_S && (!c->s_known || learn_s)) {
		c->s_isn = got - (uint32_t)s.off;
		c->s_known = true;
		return true;
	}
	uint32_t want = h_sym_val(c, s);
	if (got != want)
		MERR("%s %u, expected %u (%s%+lld)", what, got, want,
		     s.base == SB_C ? "client ISN" : s.base == SB_R ? "our ISN to client" :
		     s.base == SB_S ? "our ISN to backend" : s.base == SB_B ? "backend ISN" : "",
		     (long long)s.off);
	return true;
}

static bool match_target(struct h_conn *c, const struct h_exp *x,
			 const struct h_pkt *p, char *msg, size_t len)
{
	uint8_t want = x->target ? x->target : c->target;
	uint8_t got = T_NONE;

	for (unsigned t = T_BE0; t < T__COUNT; t++)
		if (h_target_ip(t) == p->dip && h_target_port(t) == p->dport)
			got = (uint8_t)t;
	if (got == T_NONE)
		MERR("backend-side frame to an unknown target");
	if (want == T_ANY) {
		if (got != T_BE0 && got != T_BE1)
			MERR("to %s, expected a web backend", h_target_name(got));
	} else if (want == T_OTHER) {
		if ((got != T_BE0 && got != T_BE1) || got == c->target)
			MERR("to %s, expected the web backend other than %s",
			     h_target_name(got), h_target_name(c->target));
	} else if (got != want) {
		MERR("to %s, expected %s", h_target_name(got), h_target_name(want));
	}
	if (got != c->target)
		c->prev_target = c->target;
	c->target = got;
	return true;
}

static bool match_arp(const struct h_xarp *a, const struct h_pkt *p,
		      char *msg, size_t len)
{
	static const struct rte_ether_addr bcast = MAC(ff, ff, ff, ff, ff, ff);
	char x[16], y[16];

	if (p->ethertype != 0x0806)
		MERR("not ARP");
	if (p->port != a->port)
		MERR("ARP on port %u, expected %u", p->port, a->port);
	if (p->vxlan != a->vxlan)
		MERR("ARP %s VXLAN", p->vxlan ? "in" : "not in");
	if (a->vxlan) {
		if (!mac_eq(&p->o_dst_mac, &h_vtep_mac) || !mac_eq(&p->o_src_mac, &h_inner_mac))
			MERR("VXLAN outer MACs wrong");
		if (p->o_sip != H_INNER_IP || p->o_dip != H_VTEP_IP || p->o_dport != 4789)
			MERR("VXLAN outer addressing wrong");
		if (p->vni != H_VNI)
			MERR("VNI %u", p->vni);
	}
	if (p->arp_op != a->op || p->arp_sip != a->sip || p->arp_tip != a->tip)
		MERR("ARP op %u %s -> %s, expected op %u %s -> %s", p->arp_op,
		     h_ipstr(p->arp_sip, x), h_ipstr(p->arp_tip, y), a->op,
		     h_ipstr(a->sip, x), h_ipstr(a->tip, y));
	if (!mac_eq(&p->arp_sha, a->sha) || !mac_eq(&p->src_mac, a->sha))
		MERR("ARP sender MAC wrong");
	if (!mac_eq(&p->dst_mac, a->eth_dst ? a->eth_dst : &bcast))
		MERR("ARP Ethernet destination wrong");
	if (a->op == 2 && !mac_eq(&p->arp_tha, a->tha))
		MERR("ARP reply target MAC wrong");
	return true;
}

bool h_match(struct h_env *e, struct h_conn *cc, const struct h_exp *x,
	     const struct rte_mbuf *m, char *msg, size_t len)
{
	struct h_pkt p;
	struct h_conn c = *cc;    /* learn only on a full match */
	const struct h_seg *s = &x->s;

	if (!h_parse(m, &p))
		MERR("bad frame: %s", p.err);
	if (x->to == X_ARP)
		return match_arp(&x->arp, &p, msg, len);
	if (p.ethertype != 0x0800 || p.proto != 6)
		MERR("not a TCP segment");
	if (x->to == X_CLIENT) {
		if (p.port != H_PORT_EDGE || p.vxlan)
			MERR("to the client but on port %u%s", p.port, p.vxlan ? " (vxlan)" : "");
		if (!mac_eq(&p.dst_mac, &c.c_mac) || !mac_eq(&p.src_mac, &h_edge_mac))
			MERR("client frame with wrong MACs");
		if (p.sip != H_EDGE_IP || p.dip != c.c_ip || p.sport != H_LISTEN_PORT ||
		    p.dport != c.c_port)
			MERR("not addressed listener -> client");
	} else {
		if (p.port != H_PORT_INNER)
			MERR("backend-side frame on port %u", p.port);
		if (!match_target(&c, x, &p, msg, len))
			return false;
		if (c.target == T_ALICE) {
			if (!p.vxlan)
				MERR("tunnel alice frame not VXLAN-encapsulated");
			if (!mac_eq(&p.o_dst_mac, &h_vtep_mac) || !mac_eq(&p.o_src_mac, &h_inner_mac))
				MERR("VXLAN outer MACs wrong");
			if (p.o_sip != H_INNER_IP || p.o_dip != H_VTEP_IP || p.o_dport != 4789 ||
			    p.o_sport < 49152)
				MERR("VXLAN outer addressing wrong (udp %u -> %u)", p.o_sport, p.o_dport);
			if (p.vni != H_VNI)
				MERR("VNI %u, expected %u", p.vni, H_VNI);
			if (!mac_eq(&p.src_mac, &h_ovl_mac) || !mac_eq(&p.dst_mac, &h_alice_mac))
				MERR("inner MACs wrong");
			if (p.sip != H_OVL_IP)
				MERR("inner source not the overlay address");
		} else {
			if (p.vxlan)
				MERR("unexpected VXLAN");
			if (!mac_eq(&p.dst_mac, h_target_mac(c.target)) ||
			    !mac_eq(&p.src_mac, &h_inner_mac))
				MERR("backend frame with wrong MACs");
			if (p.sip != H_INNER_IP)
				MERR("backend frame not from the inner port address");
		}
		if (!c.sport_known || x->relearn) {
			/* The flow lives on the worker that owns its tuple,
			 * whichever one the client's frames reached. */
			unsigned ppw = e->sh->ports_per_worker;
			unsigned ow = e->sh->n_workers < 2 ? 0 :
				client_owner(e->sh, rte_cpu_to_be_32(c.c_ip),
					     rte_cpu_to_be_32(H_EDGE_IP),
					     rte_cpu_to_be_16(c.c_port),
					     rte_cpu_to_be_16(H_LISTEN_PORT));
			unsigned lo = SRC_PORT_FIRST + ow * ppw;
			if (p.sport < lo || p.sport >= lo + ppw)
				MERR("source port %u outside worker %u's range [%u, %u)",
				     p.sport, ow, lo, lo + ppw);
			c.sport = p.sport;
			c.sport_known = true;
		} else if (p.sport != c.sport) {
			MERR("source port %u, expected %u", p.sport, c.sport);
		}
	}
	if (p.flags != s->flags)
		MERR("flags 0x%02x, expected 0x%02x", p.flags, s->flags);
	if (!sym_match(&c, s->seq, p.seq, x->relearn, "seq", msg, len) ||
	    !sym_match(&c, s->ack, p.ack, false, "ack", msg, len))
		return false;
	if ((s->win || s->win0) && p.win != (s->win0 ? 0 : s->win))
		MERR("window %u, expected %d", p.win, s->win0 ? 0 : s->win);
	if (s->chk_opts) {
		if (p.o.mss != s->o.mss || p.o.ws != s->o.ws || p.o.sackok != s->o.sackok ||
		    p.o.n_sack != s->o.n_sack)
			MERR("options mss %u ws %d sackok %d nsack %u, expected mss %u ws %d sackok %d nsack %u",
			     p.o.mss, p.o.ws - 1, p.o.sackok, p.o.n_sack,
			     s->o.mss, s->o.ws - 1, s->o.sackok, s->o.n_sack);
		for (unsigned i = 0; i < s->o.n_sack; i++)
			for (unsigned k = 0; k < 2; k++) {
				uint32_t want = h_sym_val(&c, s->o.sack[i][k]);
				if (p.o.sack[i][k] != want)
					MERR("SACK block %u edge %u = %u, expected %u", i, k,
					     p.o.sack[i][k], want);
			}
	}
	if (s->data) {
		unsigned n = seg_len(s);
		if (p.len != n || memcmp(p.data, s->data, n) != 0)
			MERR("payload (%u bytes) \"%.*s\", expected (%u bytes) \"%.*s\"",
			     p.len, p.len > 300 ? 300 : (int)p.len, (const char *)p.data,
			     n, n > 300 ? 300 : (int)n, s->data);
	} else if (s->exp_len) {
		if (p.len != (unsigned)s->exp_len)
			MERR("payload %u bytes, expected %d", p.len, s->exp_len);
	} else if (p.len != 0) {
		MERR("unexpected payload of %u bytes", p.len);
	}
	*cc = c;
	return true;
}

void h_play_(struct h_env *e, struct h_conn *c, const struct h_step *steps,
	     unsigned n, const char *file, int line)
{
	char msg[1024], d[256];

	for (unsigned i = 0; n ? i < n : steps[i].desc != NULL; i++) {
		const struct h_step *st = &steps[i];

		if (st->at > 0)
			h_at(e, (uint64_t)st->at);
		if (st->from == F_CLIENT)
			h_rx(e, c->c_worker, H_PORT_EDGE, h_seg_frame(e, c, F_CLIENT, &st->in));
		else if (st->from == F_BACKEND)
			h_rx(e, c->b_worker, H_PORT_INNER, h_seg_frame(e, c, F_BACKEND, &st->in));
		h_tick(e);
		h_collect(e);
		if (st->any_out) {
			h_drain(e);
			continue;
		}
		bool used[H_CAP] = { false };
		for (unsigned k = 0; k < H_MAX_OUT && st->out[k].to != X_END; k++) {
			const struct h_exp *x = &st->out[k];
			bool found = false;
			msg[0] = 0;
			for (unsigned q = 0; q < e->nq && !found; q++) {
				char m2[512];
				if (used[q])
					continue;
				if (h_match(e, c, x, e->q[q], m2, sizeof(m2))) {
					used[q] = found = true;
				} else if (msg[0] == 0) {
					struct h_pkt p;
					h_parse(e->q[q], &p);
					snprintf(msg, sizeof(msg), "%s\n      closest: %s", m2,
						 h_describe(&p, d, sizeof(d)));
				}
			}
			if (!found) {
				print_error("%s:%d: step %u \"%s\": expected frame %u (to %s) not sent: %s\n",
					    file, line, i + 1, st->desc, k + 1,
					    x->to == X_CLIENT ? "client" :
					    x->to == X_ARP ? "ARP" : "backend",
					    msg[0] ? msg : "no frame at all");
				for (unsigned q = 0; q < e->nq; q++) {
					struct h_pkt p;
					if (h_parse(e->q[q], &p))
						print_error("    sent: %s\n", h_describe(&p, d, sizeof(d)));
					else
						print_error("    sent: unparsable (%s)\n", p.err);
				}
				h_drain(e);
				_fail(file, line);
			}
		}
		bool extra = false;
		for (unsigned q = 0; q < e->nq; q++) {
			if (used[q])
				continue;
			struct h_pkt p;
			if (!h_parse(e->q[q], &p))
				print_error("%s:%d: step %u \"%s\": unparsable frame: %s\n",
					    file, line, i + 1, st->desc, p.err);
			else
				print_error("%s:%d: step %u \"%s\": unexpected frame: %s\n",
					    file, line, i + 1, st->desc,
					    h_describe(&p, d, sizeof(d)));
			extra = true;
		}
		h_drain(e);
		if (extra)
			_fail(file, line);
	}
}

/* ---- common sequences ---------------------------------------------------- */

static uint16_t min16(uint16_t a, uint16_t b) { return a < b ? a : b; }

void h_handshake(struct h_env *e, struct h_conn *c, const struct h_sopts *o)
{
	struct h_sopts want = {
		.mss = min16(o->mss ? o->mss : 536, 1500 - 40 - 50),
		.ws = o->ws ? WS(7) : 0, .sackok = o->sackok,
	};
	struct h_step st[] = {
		{ "client SYN is answered with our SYN-ACK", 0, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = *o },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1),
				       .o = want, .chk_opts = true } } } },
		{ "client ACK completes the handshake", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1) }, { { X_END } } },
	};
	c->c_ws = o->ws ? (uint8_t)(o->ws - 1) : 0;
	h_play(e, c, st);
}

const char *h_with_xff(const char *req, uint32_t ip, char *buf, size_t len)
{
	const char *end = strstr(req, "\r\n\r\n");
	char a[16];

	assert_non_null(end);
	size_t at = (size_t)(end - req) + 2;
	snprintf(buf, len, "%.*sX-Forwarded-For: %s\r\n%s", (int)at, req,
		 h_ipstr(ip, a), req + at);
	return buf;
}

void h_establish(struct h_env *e, struct h_conn *c, const char *req,
		 uint8_t target, const struct h_sopts *copts,
		 const struct h_sopts *bopts)
{
	static char fwd[8192];
	int n = (int)strlen(req);
	struct h_sopts syn_o = {
		.mss = min16(copts->mss ? copts->mss : 536, 1460),
		.ws = copts->ws, .sackok = copts->sackok,
	};

	h_handshake(e, c, copts);
	h_with_xff(req, c->c_ip, fwd, sizeof(fwd));
	int fn = (int)strlen(fwd);
	struct h_step st[] = {
		{ "the whole request header in one segment: ACKed, decided, SYN to the target",
		  0, F_CLIENT, { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = target, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0), .o = syn_o,
			     .chk_opts = true } } } },
		{ "target SYN-ACK: the buffered header goes out with X-Forwarded-For",
		  0, F_BACKEND, { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = *bopts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
		{ "target ACKs the header: forwarded to the client as an ACK of its bytes",
		  0, F_BACKEND, { .flags = ACK, .seq = B_(1), .ack = S_(1 + fn) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } } } },
	};
	h_play(e, c, st);
}
