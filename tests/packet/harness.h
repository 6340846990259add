/* Packet-test harness: one or two workers on in-memory mbufs, no ports.
 *
 * A test builds an environment from a configuration text (h_env_new), then
 * plays golden sequences against it: tables of steps {desc, time, frame in,
 * frames out}. Sequence numbers in the tables are symbolic (client ISN + n,
 * our ISN towards the client + n, ...): the router's own ISNs are learnt
 * from the first frame that carries them, so a table reads like the
 * exchange on the wire. Every frame the router emits is parsed and its
 * checksums (IPv4 header, TCP with pseudo-header, inner ones for VXLAN) are
 * recomputed from scratch; any frame not in the table fails the step.
 *
 * Worker time is driven by the test (w->now), never by the clock.
 *
 * harness.c        addresses, the EAL, environments, clock, counters
 * harness_frame.c  frames built (on tools/wire/wire.h) and parsed
 * harness_play.c   golden sequences played and matched; common sequences */
#ifndef STEER_PACKET_HARNESS_H
#define STEER_PACKET_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <rte_mbuf.h>

#include "dp.h"
#include "flow.h"
#include "neigh.h"
#include "pkt.h"
#include "worker.h"

/* Golden tables are positional ({desc, at, from, in, out}) and leave
 * trailing members out on purpose: that is what makes them readable. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ---- addresses (host order) --------------------------------------------- */

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			 (uint32_t)(c) << 8 | (uint32_t)(d))

#define H_EDGE_IP IP4(198, 18, 0, 1)
#define H_INNER_IP IP4(198, 18, 1, 1)
#define H_OVL_IP IP4(198, 19, 0, 1)         /* alice's overlay source */
#define H_CLIENT_IP IP4(198, 18, 0, 100)
#define H_LISTEN_PORT 80
#define H_VTEP_IP IP4(198, 18, 1, 20)
#define H_VNI 42

enum { H_PORT_EDGE, H_PORT_INNER };

/* Where a flow's backend side goes. */
enum h_target {
	T_NONE = 0,
	T_BE0,                    /* web backend 198.18.1.10:8080 */
	T_BE1,                    /* web backend 198.18.1.11:8080 */
	T_API,                    /* api backend 198.18.1.12:8080 */
	T_BOB,                    /* direct tunnel 198.18.1.21:9000 */
	T_ALICE,                  /* vxlan tunnel: 198.19.0.2:8080 in VNI 42 */
	T__COUNT,
	/* expectations only */
	T_ANY = 100,              /* either web backend; learnt */
	T_OTHER,                  /* the web backend not used last; learnt */
};

extern const struct rte_ether_addr h_edge_mac, h_inner_mac, h_client_mac,
	h_vtep_mac, h_alice_mac, h_ovl_mac;

uint32_t h_target_ip(enum h_target t);
uint16_t h_target_port(enum h_target t);
const struct rte_ether_addr *h_target_mac(enum h_target t);
const char *h_target_name(enum h_target t);

/* ---- environment -------------------------------------------------------- */

struct h_params {
	unsigned workers;         /* default 1 */
	unsigned max_flows;       /* default 64 */
	unsigned header_max;      /* default 4096 */
	unsigned syn_ms;          /* default 3000 */
	unsigned header_ms;       /* default 3000 */
	unsigned connect_ms;      /* default 2000 */
	unsigned idle_s;          /* default 30 */
	unsigned linger_ms;       /* default 500 */
	unsigned syn_rto_ms;      /* 0: not written (the loader's 200) */
	bool bob_no_fail_open;    /* bob: fail_open = false */
	bool no_resolve;          /* skip pre-resolving the inner hosts' MACs */
	uint16_t listen_port;     /* the web listener's port (default 80) */
	bool per_request;         /* listener routing = "request" (default
				   * here: "connection", one decision per
				   * connection, as these tables were written) */
	uint16_t ports_per_worker;/* default dp_ports_per_worker() */
	const char *web_backends; /* service web's backends list (libconfig);
				   * default .10 and .11 */
	const char *syn_cookies;  /* "auto" (default), "always", "never" */
	unsigned syn_backlog;     /* default: steerd's (max_flows / 2 here) */
	unsigned header_buffers;  /* default: steerd's (max_flows here) */
	const char *web_service;  /* more keys of service web (" retries = 0;") */
	const char *services_before; /* services listed before web (each a
				   * group and a comma): moves web's index */
	int pool_max;             /* dataplane.pool_max: 0 (default here) no
				   * idle pool, a switch closes the old leg
				   * as these tables were written; > 0 that
				   * many; < 0 not written (steerd's default) */
	unsigned pool_idle_ms;    /* 0: not written (the loader's 2000) */
	const char *extra;        /* more top-level sections (e.g. cluster) */
	unsigned maglev_size;     /* web's and api's (0: not written, the
				   * loader's 65537); the packet fuzzer's
				   * reloads build small tables */
};

#define H_CAP 4096                /* captured frames per worker */

struct h_env {
	struct dp_shared *sh;
	struct ruleset *rs;       /* the boot ruleset (publication 1) */
	struct rte_mempool *pool; /* frames the test sends */
	struct rte_mbuf *cap[MAX_WORKERS][H_CAP];
	uint64_t t0;              /* w->now of "time 0" */
	uint64_t now;             /* ms since t0 */
	struct h_params p;
	/* frames taken from the captures, not yet matched */
	struct rte_mbuf *q[H_CAP];
	unsigned nq;
};

/* EAL once per process (no huge pages, no PCI, no ports). */
void h_eal_init(void);

/* Build an environment: the demo-like config with P's knobs (NULL:
 * defaults), workers with capture on, and (unless P->no_resolve) every
 * inner host's MAC resolved by ARP replies fed through the worker and the
 * control path. */
struct h_env *h_env_new(const struct h_params *p);

/* Control thread: compile the config of P (NULL: defaults; the dataplane
 * section must match the boot one) and publish it as steerd does on a
 * reload. */
void h_reload(struct h_env *e, const struct h_params *p);
/* The two halves of h_reload: compile P's config into a ruleset, and
 * publish one (the publication takes a reference: rs_ref() to keep it). */
struct ruleset *h_compile(struct h_env *e, const struct h_params *p);
void h_publish(struct h_env *e, struct ruleset *rs);

/* Free everything; fails the test if an mbuf leaked (test pool or a
 * worker's pool). Flows still active are freed with their worker, not
 * checked: a test that wants none says so (h_expect_cnts, flows_active). */
void h_env_free(struct h_env *e);

/* cmocka fixtures: *state = h_env_new(defaults) / h_env_free. */
int h_setup(void **state);
int h_setup_2w(void **state);
int h_teardown(void **state);

/* Set every worker's clock to T0 + MS. */
void h_at(struct h_env *e, uint64_t ms);

/* Frames arriving on PORT at worker WI (consumed). */
void h_rx(struct h_env *e, unsigned wi, unsigned port, struct rte_mbuf *m);

/* One loop iteration as steerd does it: every worker's rings, timers and
 * flush, the main lcore's control ring (ARP, resolve requests), then the
 * workers again so frames the control path queued go out. */
void h_tick(struct h_env *e);

/* The main lcore's control ring (ctrl_ring_poll()), on the test thread,
 * until it is empty. */
void h_control_poll(struct h_env *e);

/* Move captured frames into e->q (in worker, then emission, order). */
void h_collect(struct h_env *e);
/* Take the first collected frame (NULL if none). Caller frees. */
struct rte_mbuf *h_take(struct h_env *e);
/* Free every collected frame; return how many there were. */
unsigned h_drain(struct h_env *e);

/* Counters summed over the workers (and the main lcore's own). */
uint64_t h_cnt(const struct h_env *e, enum steer_counter c);
uint64_t h_drop(const struct h_env *e, enum steer_drop d);
/* Decisions counted for intercept I (conf index) of the running ruleset. */
uint64_t h_decisions(const struct h_env *e, unsigned intercept);

/* Assert that exactly the listed drop counters are non-zero, with those
 * values: {DROP_x, n}, ..., {-1, 0}. */
struct h_dc { int id; uint64_t n; };
void h_expect_drops_(const struct h_env *e, const struct h_dc *list,
		     const char *file, int line);
#define h_expect_drops(e, ...) \
	h_expect_drops_((e), (const struct h_dc[]){ __VA_ARGS__, { -1, 0 } }, \
			__FILE__, __LINE__)
#define NO_DROPS(e) \
	h_expect_drops_((e), (const struct h_dc[]){ { -1, 0 } }, __FILE__, __LINE__)

/* Assert counters: {CNT_x, n}, ... (only those listed are checked). */
void h_expect_cnts_(const struct h_env *e, const struct h_dc *list,
		    const char *file, int line);
#define h_expect_cnts(e, ...) \
	h_expect_cnts_((e), (const struct h_dc[]){ __VA_ARGS__, { -1, 0 } }, \
		       __FILE__, __LINE__)

/* ---- frame builders ----------------------------------------------------- */

/* TCP options as the tests speak them. ws: 0 absent, else shift + 1
 * (WS(n)); sack blocks absolute (host order). */
struct h_topts {
	uint16_t mss;             /* 0 absent */
	uint8_t ws;               /* 0 absent, else shift + 1 */
	bool sackok;
	uint8_t n_sack;
	uint32_t sack[4][2];
	bool sack_odd;            /* one NOP before SACK: edges at odd offsets */
};
#define WS(n) ((uint8_t)((n) + 1))

/* Encode O into BUF (NOP-padded to a multiple of 4); returns the length. */
unsigned h_opts_encode(const struct h_topts *o, uint8_t *buf);

struct h_tcp {
	struct rte_ether_addr src_mac, dst_mac;
	uint32_t sip, dip;        /* host order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opts;      /* raw option bytes (multiple of 4) */
	unsigned optlen;
	const void *data;
	unsigned len;
};

/* Ethernet + IPv4 + TCP with correct checksums. */
struct rte_mbuf *h_tcp_frame(struct h_env *e, const struct h_tcp *t);
/* Raw frame from bytes. */
struct rte_mbuf *h_raw_frame(struct h_env *e, const void *bytes, unsigned len);
/* Wrap INNER (an Ethernet frame) in Ethernet + IPv4 + UDP/4789 + VXLAN from
 * the VTEP to our inner port, VNI. Returns a new mbuf; INNER is freed. */
struct rte_mbuf *h_vxlan_frame(struct h_env *e, struct rte_mbuf *inner,
			       uint32_t vtep_ip, uint32_t vni);
/* ARP (op 1 request, 2 reply). Request: Ethernet broadcast. */
struct rte_mbuf *h_arp_frame(struct h_env *e, uint16_t op,
			     const struct rte_ether_addr *sha, uint32_t sip,
			     const struct rte_ether_addr *tha, uint32_t tip);
/* ICMP echo request from the client to DST with ID/SEQ and LEN payload. */
struct rte_mbuf *h_icmp_echo(struct h_env *e, uint32_t dst, uint16_t id,
			     uint16_t seq, unsigned len);

/* Internet checksum of BUF (RFC 1071), independent of DPDK's. */
uint32_t h_sum(const void *buf, size_t len, uint32_t acc);
uint16_t h_fold(uint32_t s);

/* ---- parser -------------------------------------------------------------- */

struct h_pkt {
	uint16_t port;
	struct rte_ether_addr src_mac, dst_mac;
	uint16_t ethertype;
	/* IPv4 */
	uint32_t sip, dip;        /* host order */
	uint8_t proto, ttl;
	uint16_t frag;
	/* TCP */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	struct h_topts o;
	bool o_ws_seen;
	const uint8_t *data;
	unsigned len;
	/* VXLAN: outer header fields, and the inner frame parsed above */
	bool vxlan;
	struct rte_ether_addr o_src_mac, o_dst_mac;
	uint32_t o_sip, o_dip;
	uint16_t o_sport, o_dport;
	uint32_t vni;
	/* ARP */
	uint16_t arp_op;
	struct rte_ether_addr arp_sha, arp_tha;
	uint32_t arp_sip, arp_tip;
	/* ICMP */
	uint8_t icmp_type, icmp_code;
	char err[160];            /* why parsing/checksum verification failed */
};

/* Parse M; verify every checksum from scratch. Returns false with P->err
 * set on any inconsistency. VXLAN (UDP/4789) is decapsulated into the
 * TCP/ARP fields, outer fields in o_*. */
bool h_parse(const struct rte_mbuf *m, struct h_pkt *p);
/* IP (host order) as a dotted quad in B (16 bytes); returns B. */
const char *h_ipstr(uint32_t ip, char *b);
/* One line describing P (for failure messages). */
const char *h_describe(const struct h_pkt *p, char *buf, size_t len);

/* ---- golden sequences ---------------------------------------------------- */

/* A symbolic 32-bit sequence number. Zero value: "not given" (inputs use
 * 0, expectations do not check). */
enum h_base { SB_UNSET, SB_ABS, SB_C, SB_R, SB_S, SB_B };
struct h_sym {
	uint8_t base;
	int64_t off;
};
#define ABS(n) ((struct h_sym){ SB_ABS, (n) })
#define C_(n) ((struct h_sym){ SB_C, (n) })   /* client ISN + n */
#define R_(n) ((struct h_sym){ SB_R, (n) })   /* our ISN to the client + n */
#define S_(n) ((struct h_sym){ SB_S, (n) })   /* our ISN to the backend + n */
#define B_(n) ((struct h_sym){ SB_B, (n) })   /* backend's ISN + n */

struct h_sopts {
	uint16_t mss;
	uint8_t ws;               /* WS(n) or 0 */
	bool sackok;
	uint8_t n_sack;
	struct h_sym sack[4][2];
	bool sack_odd;            /* input: one NOP before SACK (odd offsets) */
};

/* A segment in a table. */
struct h_seg {
	uint8_t flags;
	struct h_sym seq, ack;
	int32_t win;              /* input: raw field (0 means 65535 unless
				   * WIN0); expect: checked when != 0 */
	bool win0;                /* the window is really 0 */
	struct h_sopts o;
	bool chk_opts;            /* expect: compare options exactly */
	const char *data;         /* payload (NULL none) */
	int32_t len;              /* -1 or 0: strlen(data) */
	bool chk_data;            /* expect: compare payload (default when
				   * data != NULL) */
	int32_t exp_len;          /* expect: payload length only (data NULL) */
};

enum h_from { F_NONE, F_CLIENT, F_BACKEND };
enum h_to { X_END, X_CLIENT, X_BACKEND, X_ARP };

/* An expected ARP frame (X_ARP). VXLAN ones: outer 198.18.1.1 -> VTEP,
 * VNI 42, on the inner port. */
struct h_xarp {
	uint16_t op;              /* 1 request, 2 reply */
	bool vxlan;
	uint8_t port;
	uint32_t sip, tip;        /* host order */
	const struct rte_ether_addr *sha, *tha; /* tha checked for replies */
	const struct rte_ether_addr *eth_dst;   /* NULL: broadcast */
};

struct h_exp {
	uint8_t to;
	uint8_t target;           /* X_BACKEND: T_*, T_ANY, T_OTHER; 0 = the
				   * flow's current target */
	bool relearn;             /* X_BACKEND SYN: a new attempt (new source
				   * port and ISN: learn them again) */
	struct h_seg s;
	struct h_xarp arp;        /* X_ARP */
};

#define H_MAX_OUT 8

struct h_step {
	const char *desc;
	int64_t at;               /* ms since t0; 0 leaves the clock */
	uint8_t from;             /* F_NONE: only time passes */
	struct h_seg in;
	struct h_exp out[H_MAX_OUT]; /* ends at to == X_END */
	bool any_out;             /* do not check outputs (and drop them) */
};

/* One client connection as the tables see it. */
struct h_conn {
	uint32_t c_ip;
	uint16_t c_port;
	struct rte_ether_addr c_mac;
	uint32_t c_isn;
	uint32_t r_isn, s_isn, b_isn;
	bool r_known, s_known;
	uint8_t target;           /* learnt / current (T_*), T_NONE unknown */
	uint8_t prev_target;
	uint16_t sport;           /* our source port towards the target */
	bool sport_known;
	unsigned c_worker;        /* worker the client's frames reach */
	unsigned b_worker;        /* worker the target's frames reach */
	uint8_t c_ws;             /* client's shift (for info) */
};

/* The first client port from FROM whose flow (from the test client to the
 * web listener) worker WORKER owns (client_owner()). */
uint16_t h_port_owned_by(const struct h_env *e, unsigned worker, uint16_t from);

/* A connection from client port CPORT with ISN C_ISN; backend ISN B_ISN. */
void h_conn_init(struct h_conn *c, uint16_t cport, uint32_t c_isn,
		 uint32_t b_isn);

/* Resolve a symbolic value with C's learnt ISNs. */
uint32_t h_sym_val(const struct h_conn *c, struct h_sym s);

/* Build the input frame of a step. */
struct rte_mbuf *h_seg_frame(struct h_env *e, struct h_conn *c, uint8_t from,
			     const struct h_seg *s);

/* Play STEPS (N of them, or until desc == NULL when N is 0). Fails the
 * test, naming the step, on the first mismatch. */
void h_play_(struct h_env *e, struct h_conn *c, const struct h_step *steps,
	     unsigned n, const char *file, int line);
#define h_play(e, c, steps) \
	h_play_((e), (c), (steps), sizeof(steps) / sizeof((steps)[0]), \
		__FILE__, __LINE__)
/* One step built at run time. */
#define h_play1(e, c, step) h_play_((e), (c), (step), 1, __FILE__, __LINE__)

/* Match one collected frame against X for C (learns ISNs/ports). Returns
 * false with MSG filled on mismatch. */
bool h_match(struct h_env *e, struct h_conn *c, const struct h_exp *x,
	     const struct rte_mbuf *m, char *msg, size_t len);

/* Common sequences. */

/* Client handshake with OPTS: SYN -> SYN-ACK, ACK. */
void h_handshake(struct h_env *e, struct h_conn *c, const struct h_sopts *o);
/* Handshake, REQ as one segment, decision, SYN to the target, SYN-ACK
 * from it with BOPTS, the buffered request (with X-Forwarded-For) to the
 * target, its ACK: the flow is spliced. TARGET as in h_exp. */
void h_establish(struct h_env *e, struct h_conn *c, const char *req,
		 uint8_t target, const struct h_sopts *copts,
		 const struct h_sopts *bopts);

/* REQ with "X-Forwarded-For: <client>\r\n" before its final CRLF, in BUF. */
const char *h_with_xff(const char *req, uint32_t client_ip, char *buf,
		       size_t len);

/* Shorthands for tables. */
#define SYN TCP_SYN
#define ACK TCP_ACK
#define FIN TCP_FIN
#define RST TCP_RST
#define PSH TCP_PSH

/* Test binary main: argv[1] names the one test to run (meson registers
 * each test separately); no argument runs them all. */
int h_main(int argc, char **argv, const char *group,
	   const struct CMUnitTest *tests, size_t n);
#define H_MAIN(group, tests) \
	int main(int argc, char **argv) \
	{ return h_main(argc, argv, group, tests, sizeof(tests) / sizeof(tests[0])); }

#define T(name) cmocka_unit_test_setup_teardown(name, h_setup, h_teardown)
#define T2(name) cmocka_unit_test_setup_teardown(name, h_setup_2w, h_teardown)
/* Tests that build their own environment (non-default parameters). */
#define TN(name) cmocka_unit_test(name)

#define GET_WEB "GET / HTTP/1.1\r\nHost: web.example.test\r\n\r\n"

#endif
