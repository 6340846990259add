/* libFuzzer target for the packet path: the input is decoded into a
 * sequence of operations played through real workers in a packet-test
 * environment (packet_env.h): frames from clients and from the backends
 * the router connected to, ARP, VXLAN, other protocols, clock advances
 * and reloads. Sequence numbers follow what the router last emitted on
 * each flow unless the input says otherwise, so connections really are
 * established, decided, spliced and closed; payloads come from an HTTP
 * dictionary (packet_dict.h) so that requests reach the parser.
 *
 * Invariants: no crash or sanitizer report; every frame the router emits
 * parses with right checksums (unless the op that caused it broke one on
 * purpose); and once every timer has fired every flow, header buffer,
 * source port, connection slot and mbuf is back (pe_end). A violation aborts.
 *
 * One environment for the process (packet_env.h says why and what carries
 * over between inputs); runs are reproducible up to the router's ISNs and
 * first source port (both from the TSC), which the fuzzer learns from the
 * frames rather than assumes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "packet_dict.h"
#include "packet_env.h"
#include "packet_frame.h"
#include "packet_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPS 200

/* ---- decoded pieces ----------------------------------------------------- */

/* A sequence number: usually NEXT, sometimes near it or anywhere. */
static uint32_t seq_pick(struct rd *r, unsigned mode, uint32_t next)
{
	switch (mode) {
	case 10: return next - 1 - u8(r);
	case 11: return next + 1 + u8(r);
	case 12: return next + u32(r);
	case 13: return next - 1 - u16(r);
	case 14: return next + 0x80000000u;
	default: return next;
	}
}

static uint16_t win_pick(struct rd *r, unsigned mode)
{
	switch (mode & 3) {
	case 1: return 0;
	case 2: return u16(r);
	case 3: return u8(r);
	default: return 65535;
	}
}

/* TCP options: N items of MSS, WS, SACK-permitted, SACK blocks around
 * BASE (the sequence space they acknowledge), timestamps, NOP, EOL and
 * unknown or malformed kinds. Returns the length (<= 40). */
static bool opts_odd;             /* the last opts_pick() made odd ones */

static unsigned opts_pick(struct rd *r, uint8_t *o, uint32_t base)
{
	unsigned n = 0, items = u8(r) % 8;

	opts_odd = false;

	for (unsigned i = 0; i < items && n < 40; i++) {
		uint8_t k = u8(r);
		uint8_t b[40];
		unsigned l = 0;

		switch (k % 8) {
		case 0: {
			uint16_t mss = k & 0x80 ? 1460 : u16(r);
			b[l++] = 2; b[l++] = 4;
			b[l++] = (uint8_t)(mss >> 8); b[l++] = (uint8_t)mss;
			break;
		}
		case 1:
			b[l++] = 3; b[l++] = 3; b[l++] = (uint8_t)(k & 0x80 ? 7 : u8(r) % 16);
			break;
		case 2:
			b[l++] = 4; b[l++] = 2;
			break;
		case 3: {
			unsigned nb = 1 + u8(r) % 4;
			b[l++] = 5; b[l++] = (uint8_t)(2 + 8 * nb);
			for (unsigned s = 0; s < nb; s++) {
				uint32_t left = base + (uint32_t)(int16_t)u16(r);
				uint32_t right = left + u16(r);
				for (int sh = 24; sh >= 0; sh -= 8)
					b[l++] = (uint8_t)(left >> sh);
				for (int sh = 24; sh >= 0; sh -= 8)
					b[l++] = (uint8_t)(right >> sh);
			}
			break;
		}
		case 4: {
			uint32_t ts = u32(r), ecr = u32(r);
			b[l++] = 8; b[l++] = 10;
			for (int sh = 24; sh >= 0; sh -= 8)
				b[l++] = (uint8_t)(ts >> sh);
			for (int sh = 24; sh >= 0; sh -= 8)
				b[l++] = (uint8_t)(ecr >> sh);
			break;
		}
		case 5:
			b[l++] = 1;
			break;
		case 6:
			b[l++] = 0;
			break;
		default: {
			/* any kind, any length byte (0 and 1 are malformed,
			 * past the end is truncated) */
			b[l++] = u8(r);
			uint8_t len = u8(r) % 12;
			opts_odd = true;
			b[l++] = len;
			for (unsigned x = 2; x < len && l < sizeof(b); x++)
				b[l++] = u8(r);
			break;
		}
		}
		if (n + l > 40) {
			l = 40 - n;
			opts_odd = true;
		}
		memcpy(o + n, b, l);
		n += l;
	}
	return n;
}

static enum fr_mut mut_pick(struct rd *r, uint8_t *arg)
{
	uint8_t v = u8(r);

	if (v < 208)
		return FR_OK;
	*arg = u8(r);
	return (enum fr_mut)(1 + (v - 208) % (FR__COUNT - 1));
}

/* ---- operations --------------------------------------------------------- */

static const uint8_t client_flags[16] = {
	TCP_SYN, TCP_ACK, TCP_ACK | TCP_PSH, TCP_ACK | TCP_PSH, TCP_ACK,
	TCP_FIN | TCP_ACK, TCP_RST, TCP_RST | TCP_ACK, TCP_ACK | TCP_PSH | TCP_FIN,
	TCP_SYN, TCP_ACK, TCP_ACK | TCP_PSH, 0, 0x20 | TCP_ACK, TCP_SYN | TCP_ACK,
	0xff,                     /* raw: the next byte */
};

static const uint8_t backend_flags[16] = {
	TCP_SYN | TCP_ACK, TCP_ACK, TCP_ACK | TCP_PSH, TCP_ACK | TCP_PSH,
	TCP_FIN | TCP_ACK, TCP_RST, TCP_RST | TCP_ACK, TCP_ACK | TCP_PSH | TCP_FIN,
	TCP_SYN | TCP_ACK, TCP_ACK, TCP_ACK | TCP_PSH, TCP_ACK, TCP_SYN,
	TCP_ACK | TCP_PSH, TCP_FIN | TCP_ACK, 0xff,
};

static void send_frame(struct pe *pe, unsigned wi, unsigned port,
		       const struct fr_frame *f, enum fr_mut mut)
{
	struct rte_mbuf *m = fr_mbuf(pe->e, f);

	pe->tainted = fr_mut_taints(mut);
	pe->odd_opts = opts_odd;
	opts_odd = false;
	m->port = (uint16_t)port;
	pe_sent(pe, m, port);
	pe_trace(pe, m, true);
	pe_rx(pe, wi, port, m);
}

static void op_client(struct pe *pe, struct rd *r)
{
	static uint8_t pay[PD_MAX];
	uint8_t sel = u8(r), fl = u8(r), am = u8(r), opts[40];
	struct pe_flow *f = &pe->flow[sel % PE_FLOWS];
	struct dp_shared *sh = pe->e->sh;
	struct fr_frame fr;
	uint8_t flags = client_flags[fl & 15];

	if (flags == 0xff)
		flags = u8(r);
	if (sel & 8)              /* a new tuple for this slot */
		f->cport = (uint16_t)(f->cport + PE_FLOWS);
	struct fr_tcp t = {
		.src_mac = h_client_mac, .dst_mac = h_edge_mac,
		.sip = H_CLIENT_IP, .dip = H_EDGE_IP,
		.sport = f->cport, .dport = sel & 0x80 ? 8080 : H_LISTEN_PORT,
		.flags = flags, .win = win_pick(r, am >> 3),
	};
	if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		t.seq = u32(r);
		f->r_known = false;
	} else {
		t.seq = seq_pick(r, fl >> 4, f->c_nxt);
	}
	t.ack = (am & 7) < 5 ? f->r_nxt : (am & 7) == 5 ? f->r_nxt - u8(r) :
		(am & 7) == 6 ? f->r_nxt + u8(r) : u32(r);
	t.opts = opts;
	t.optlen = opts_pick(r, opts, f->r_nxt);
	t.data = pay;
	t.len = pd_request(r, pay);
	t.mut = mut_pick(r, &t.mut_arg);
	if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN || t.seq == f->c_nxt)
		f->c_nxt = t.seq + t.len + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
	/* the worker owning the tuple, or (sel bit 4) the other one: the
	 * hand-off path */
	unsigned wi = client_owner(sh, rte_cpu_to_be_32(t.sip), rte_cpu_to_be_32(t.dip),
				   rte_cpu_to_be_16(t.sport), rte_cpu_to_be_16(t.dport));
	fr_tcp(&fr, &t);
	send_frame(pe, wi + (sel >> 4 & 1), H_PORT_EDGE, &fr, t.mut);
}

/* The MAC a target IP answers from (the harness's, or a made-up one). */
static const struct rte_ether_addr *target_mac(uint32_t ip)
{
	static const struct rte_ether_addr other = {{ 0x02, 0xbe, 0, 0, 0, 0x99 }};

	for (unsigned t = T_BE0; t < T__COUNT; t++)
		if (h_target_ip(t) == ip)
			return h_target_mac(t);
	return &other;
}

static void op_backend(struct pe *pe, struct rd *r)
{
	static uint8_t pay[PD_MAX];
	uint8_t sel = u8(r), fl = u8(r), am = u8(r), opts[40];
	struct pe_leg *l = NULL;
	struct fr_frame fr, in;
	unsigned used = 0, want;

	for (unsigned i = 0; i < PE_LEGS; i++)
		used += pe->leg[i].used;
	if (used == 0)
		return;
	want = (sel & 15) % used;
	for (unsigned i = 0; i < PE_LEGS; i++)
		if (pe->leg[i].used && want-- == 0)
			l = &pe->leg[i];
	uint8_t flags = backend_flags[fl & 15];
	if (flags == 0xff)
		flags = u8(r);
	struct fr_tcp t = {
		.src_mac = *target_mac(l->ip), .dst_mac = h_inner_mac,
		.sip = l->ip, .dip = H_INNER_IP,
		.sport = l->port, .dport = l->sport,
		.flags = flags, .win = win_pick(r, am >> 3),
	};
	if (l->vxlan) {
		t.src_mac = h_alice_mac;
		t.dst_mac = h_ovl_mac;
		t.dip = H_OVL_IP;
	}
	if ((flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) && !l->b_known) {
		t.seq = u32(r);
		l->b_known = true;
		l->b_nxt = t.seq;
	} else {
		t.seq = seq_pick(r, fl >> 4, l->b_nxt);
	}
	t.ack = (am & 7) < 5 ? l->s_nxt : (am & 7) == 5 ? l->s_nxt - u8(r) :
		(am & 7) == 6 ? l->s_nxt + u8(r) : u32(r);
	t.opts = opts;
	t.optlen = opts_pick(r, opts, l->s_nxt);
	t.data = pay;
	t.len = pd_response(r, pay);
	t.mut = mut_pick(r, &t.mut_arg);
	if (t.seq == l->b_nxt)
		l->b_nxt = t.seq + t.len + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
	/* the owner of our source port, or (sel bit 4) the other worker */
	unsigned wi = pe_sport_worker(pe, l->sport) + (sel >> 4 & 1);
	if (l->vxlan) {
		enum fr_mut tm = t.mut;
		fr_tcp(&in, &t);
		fr_vxlan(&fr, &in, 0x08000000, H_VNI, FR_OK, 0);
		send_frame(pe, wi, H_PORT_INNER, &fr, tm);
	} else {
		fr_tcp(&fr, &t);
		send_frame(pe, wi, H_PORT_INNER, &fr, t.mut);
	}
}

static void op_clock(struct pe *pe, struct rd *r)
{
	uint8_t m = u8(r);

	switch (m % 8) {
	case 0: case 1: case 2: case 3:
		pe_advance(pe, 1 + u8(r));
		break;
	case 4: case 5:
		pe_advance(pe, u16(r));
		break;
	case 6:                   /* past idle_s */
		pe_advance(pe, 30000 + (uint64_t)u16(r) * 4);
		break;
	default:                  /* one turn of the timer wheel */
		pe_advance(pe, WHEEL_SLOTS);
		break;
	}
}

static void arp_send(struct pe *pe, unsigned wi, unsigned port, bool vxlan,
		     uint16_t op, const struct rte_ether_addr *sha, uint32_t sip,
		     const struct rte_ether_addr *tha, uint32_t tip)
{
	struct rte_mbuf *m = h_arp_frame(pe->e, op, sha, sip, tha, tip);

	if (vxlan)
		m = h_vxlan_frame(pe->e, m, H_VTEP_IP, H_VNI);
	pe->tainted = false;
	pe_rx(pe, wi, port, m);
}

static void op_arp(struct pe *pe, struct rd *r)
{
	uint8_t m = u8(r), wi = m >> 7;
	struct fr_frame fr;

	switch (m % 6) {
	case 0:                   /* the answer the router asked for */
	case 1:
		if (!pe->arp_pending)
			break;
		pe->arp_pending = false;
		if (pe->arp_vxlan)
			arp_send(pe, wi, H_PORT_INNER, true, 2, &h_alice_mac,
				 pe->arp_tip, &h_ovl_mac, H_OVL_IP);
		else
			arp_send(pe, wi, H_PORT_INNER, false, 2, target_mac(pe->arp_tip),
				 pe->arp_tip, &h_inner_mac, H_INNER_IP);
		break;
	case 2:                   /* who has our address, on either side */
		arp_send(pe, wi, m & 8 ? H_PORT_INNER : H_PORT_EDGE, false, 1,
			 &h_client_mac, m & 8 ? IP4(198, 18, 1, 10) : H_CLIENT_IP,
			 NULL, m & 8 ? H_INNER_IP : H_EDGE_IP);
		break;
	case 3:                   /* overlay: who has our overlay address */
		arp_send(pe, wi, H_PORT_INNER, true, 1, &h_alice_mac,
			 IP4(198, 19, 0, 2), NULL, m & 8 ? H_OVL_IP : u32(r));
		break;
	case 4: {                 /* a reply nobody asked for, any MAC */
		struct rte_ether_addr mac = {{ 0x02, u8(r), u8(r), 0, 0, 1 }};
		arp_send(pe, wi, H_PORT_INNER, m & 8, 2, &mac,
			 IP4(198, 18, 1, 10 + u8(r) % 16), &h_inner_mac, H_INNER_IP);
		break;
	}
	default: {                /* ARP bytes from the input */
		unsigned n = 14 + u8(r) % 40;
		memset(fr.b, 0, n);
		memset(fr.b, 0xff, 6);
		memcpy(fr.b + 6, &h_client_mac, 6);
		fr.b[12] = 0x08; fr.b[13] = 0x06;
		for (unsigned i = 14; i < n; i++)
			fr.b[i] = u8(r);
		fr.len = n;
		send_frame(pe, wi, m & 8 ? H_PORT_INNER : H_PORT_EDGE, &fr, FR_OK);
		break;
	}
	}
}

static void op_other(struct pe *pe, struct rd *r)
{
	static uint8_t pay[PD_MAX];
	uint8_t m = u8(r), wi = m >> 7, opts[40];
	struct fr_frame fr, in;

	switch (m % 6) {
	case 0: {                 /* ICMP echo to either address */
		struct rte_mbuf *mb = h_icmp_echo(pe->e, m & 8 ? H_INNER_IP : H_EDGE_IP,
						  u16(r), u16(r), u8(r));
		pe->tainted = false;
		pe_rx(pe, wi, m & 8 ? H_PORT_INNER : H_PORT_EDGE, mb);
		break;
	}
	case 1: {                 /* UDP, VXLAN's port or another */
		unsigned n = u8(r) % 64;
		for (unsigned i = 0; i < n; i++)
			pay[i] = u8(r);
		fr_udp(&fr, &h_vtep_mac, &h_inner_mac, m & 8 ? H_VTEP_IP : IP4(198, 18, 1, 77),
		       H_INNER_IP, u16(r), m & 16 ? 4789 : u16(r), pay, n, m & 32);
		send_frame(pe, wi, H_PORT_INNER, &fr, FR_OK);
		break;
	}
	case 2:                   /* VXLAN, perhaps broken, around a segment */
	case 3: {
		uint8_t mu = 0;
		enum fr_mut vm = mut_pick(r, &mu);
		struct fr_tcp t = {
			.src_mac = h_alice_mac, .dst_mac = h_ovl_mac,
			.sip = IP4(198, 19, 0, 2), .dip = m & 8 ? H_OVL_IP : u32(r),
			.sport = 8080, .dport = u16(r), .flags = u8(r),
			.seq = u32(r), .ack = u32(r), .win = 1000, .opts = opts,
		};
		t.optlen = opts_pick(r, opts, t.ack);
		t.data = pay;
		t.len = pd_response(r, pay);
		fr_tcp(&in, &t);
		uint32_t flags = m & 16 ? 0x08000000 : u32(r);
		uint32_t vni = m & 32 ? H_VNI : u8(r);
		fr_vxlan(&fr, &in, flags, vni, vm, mu);
		send_frame(pe, wi, H_PORT_INNER, &fr, vm);
		break;
	}
	case 4: {                 /* TCP to an address not ours, or from one
				   * of the targets to any port of ours */
		bool edge = m & 8;
		struct fr_tcp t = {
			.src_mac = edge ? h_client_mac : h_vtep_mac,
			.dst_mac = edge ? h_edge_mac : h_inner_mac,
			.sip = edge ? H_CLIENT_IP : IP4(198, 18, 1, 10 + u8(r) % 12),
			.dip = m & 16 ? u32(r) : edge ? H_EDGE_IP : H_INNER_IP,
			.sport = edge ? u16(r) : 8080, .dport = u16(r),
			.seq = u32(r), .ack = u32(r), .flags = u8(r), .win = u16(r),
			.opts = opts,
		};
		t.optlen = opts_pick(r, opts, t.ack);
		t.mut = mut_pick(r, &t.mut_arg);
		fr_tcp(&fr, &t);
		send_frame(pe, wi, edge ? H_PORT_EDGE : H_PORT_INNER, &fr, t.mut);
		break;
	}
	default: {                /* any bytes at all */
		unsigned n = 1 + u8(r) % 96;
		for (unsigned i = 0; i < n; i++)
			fr.b[i] = u8(r);
		fr.len = n;
		send_frame(pe, wi, m & 8 ? H_PORT_INNER : H_PORT_EDGE, &fr, FR_IP_VER);
		break;
	}
	}
}

static const char *const backend_sets[] = {
	NULL,
	"{ address = \"198.18.1.10:8080\"; }",
	"{ address = \"198.18.1.11:8080\"; }, { address = \"198.18.1.12:8080\"; }",
	"{ address = \"198.18.1.13:8080\"; }, { address = \"198.18.1.10:8080\"; }",
	"{ address = \"198.18.1.10:8080\"; max_conns = 1; max_queue = 1; }",
	"{ address = \"198.18.1.10:8080\"; max_conns = 2; }, { address = \"198.18.1.11:8080\"; }",
};

static const char *const web_services[] = {
	NULL,
	" retries = 0;",
	" queue_ms = 300;",
	" retries = 5;",
};

/* Routing knobs of a configuration; the dataplane section stays. */
static void routing_pick(struct h_params *p, uint8_t b)
{
	p->per_request = b & 1;
	p->listen_port = b & 2 ? 8080 : 0;
	p->bob_no_fail_open = b & 4;
	p->web_backends = backend_sets[(b >> 3 & 3) + (b >> 7 & 1) * 2];
	p->web_service = web_services[b >> 5 & 3];
}

static void op_reload(struct pe *pe, struct rd *r)
{
	struct h_params p = pe_boot;
	uint8_t key = u8(r);

	routing_pick(&p, key);
	pe_publish(pe, key, &p);
}

static const char *const op_names[16] = {
	"client segment", "client segment", "client segment", "client segment",
	"client segment", "backend segment", "backend segment", "backend segment",
	"backend segment", "clock", "clock", "ARP", "other frame", "reload",
	"nothing", "nothing",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pe pe;
	struct rd r = { data, size };
	struct h_params p = { 0 };

	uint8_t key = u8(&r);

	routing_pick(&p, key);
	pe_begin(&pe, key, &p);
	pe_account_begin(&pe);
	for (unsigned n = 0; n < MAX_OPS && r.n > 0; n++) {
		uint8_t op = u8(&r);
		switch (op % 16) {
		case 0: case 1: case 2: case 3: case 4:
			op_client(&pe, &r);
			break;
		case 5: case 6: case 7: case 8:
			op_backend(&pe, &r);
			break;
		case 9: case 10:
			op_clock(&pe, &r);
			break;
		case 11:
			op_arp(&pe, &r);
			break;
		case 12:
			op_other(&pe, &r);
			break;
		case 13:
			op_reload(&pe, &r);
			break;
		default:
			break;
		}
		h_tick(pe.e);
		pe_learn(&pe);
		pe_account_check(&pe, op_names[op % 16]);
		pe.tainted = pe.odd_opts = pe.rst_in = false;
	}
	pe_end(&pe);
	return 0;
}
