/* bench_dp: the in-process dataplane benchmark (bench_dp.c). Declarations
 * shared by its files:
 *   bench_dp_env.c   EAL, configuration, the worker, the ring ports, and
 *                    the timed loops (the worker's, io-forward, macswap)
 *   bench_dp_wire.c  frames the synthetic peers write and read, on mbufs
 *                    (built by tools/wire, their own checksum code)
 *   bench_dp_conn.c  whole connection lives, phase by phase
 *   bench_dp_ka.c    keep-alive connections, request by request
 *   bench_dp_series.c  series of timed runs, medians, the splice table
 *   bench_dp_splice.c  spliced forwarding: flows set up, rounds, checks
 *   bench_dp_lives.c   connection lives, batch by batch, and their report
 *   bench_dp_workers.c  --workers 2: scaling, and the hand-off's cost
 *   bench_dp.c       main: options, the keep-alive report, the summary */
#ifndef STEER_BENCH_DP_H
#define STEER_BENCH_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dp.h"
#include "wire.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			 (uint32_t)(c) << 8 | (uint32_t)(d))

/* Addresses (host order) of the configuration bench_dp_env.c writes. */
#define EDGE_IP IP4(198, 18, 0, 1)
#define INNER_IP IP4(198, 18, 1, 1)
#define LISTEN_PORT 80
#define BACKEND_PORT 8080
#define CLIENT_NET IP4(10, 1, 0, 0)
#define CLIENT_PORTS 60000u       /* client ports per client address */

enum { PORT_EDGE, PORT_INNER, N_PORTS };

extern const struct rte_ether_addr edge_mac, inner_mac, client_mac;

/* The web service's backends (Maglev picks one per connection). */
#define N_BACKENDS 2
extern const uint32_t backend_ip[N_BACKENDS];
extern const struct rte_ether_addr backend_mac[N_BACKENDS];

/* The direct tunnel "bob" (198.18.1.21:9000 on the inner port's subnet):
 * requests with "X-Dev: bob" go there (intercept bob-web). */
#define BOB_PORT 9000
extern const uint32_t bob_ip;
extern const struct rte_ether_addr bob_mac;

/* listeners[].routing of the configuration (--routing). */
enum routing { ROUTING_REQUEST, ROUTING_CONNECTION };

/* Which timed loop runs the frames in the input rings. LOOP_CONN and
 * LOOP_KA are the worker's loop too, named after the phase or step in
 * bench.phase. */
enum loop_kind { LOOP_STEER, LOOP_CONN, LOOP_KA, LOOP_IOFWD, LOOP_MACSWAP,
		 LOOP_HANDOFF_IN, LOOP_HANDOFF_OUT, LOOP_HANDOFF_DIRECT, LOOP_SETUP };

struct bench {
	struct dp_shared *sh;
	struct worker *w;
	struct rte_mempool *pool;       /* frames the peers send */
	struct rte_ring *rx[N_PORTS];   /* the ring ports' RX queues: we fill */
	struct rte_ring *tx[N_PORTS];   /* ... and TX queues: we drain */
	uint16_t port_id[N_PORTS];
	uint64_t now;                   /* worker clock, ms */
	uint32_t linger_ms;
	bool nic_rx_cksum;              /* --nic-rx-cksum (env_feed) */
	uint32_t pool_max;        /* dataplane.pool_max: 0 (the switching
				   * series close every old leg) unless
				   * --pool */
	enum routing routing;
	unsigned phase;                 /* LOOP_CONN: enum phase; LOOP_KA: enum ka_step */
	uint64_t ran[LOOP_SETUP];       /* frames through each timed loop */
	uint64_t refused;               /* io-forward: frames TX refused */
	int perf_fd;                    /* instructions counter, -1 none */
	uint32_t *slot_of_port, *slot_of_sport; /* bench_dp_conn.c's */
	unsigned n_benches;             /* --workers: benches (one per worker)
					 * in the array this one is in */
	char perf_err[96];
};

/* One timed run of a loop: TSC cycles, thread CPU time, instructions. */
struct sample {
	uint64_t cycles;
	uint64_t cpu_ns;
	uint64_t instr;                 /* 0: not counted */
	unsigned frames;
};

/* Named, never inlined or cloned: callgrind --toggle-collect='bench_loop_*'
 * counts exactly what the timers bracket. */
#define BENCH_LOOP __attribute__((noinline, noclone, used))

/* ---- bench_dp_env.c ----------------------------------------------------- */

/* EAL without huge pages, PCI or ports, on LCORES lcores (0..LCORES-1),
 * its memory locked and faulted in; exits on failure. */
void env_eal_init(const char *prog, unsigned mem_mb, unsigned lcores);

/* Configuration, ruleset, shared state, one worker on this lcore, two ring
 * ports in place of the NICs, the backends' MACs learnt from ARP replies.
 * MAX_FLOWS sizes the flow table. Exits on failure. */
void env_create(struct bench *b, uint32_t max_flows);

/* The same with N workers (--workers), worker I on the I-th lcore: B is an
 * array of N benches, one per worker, each with its own queue pair on both
 * ring ports, its own input pool and clock; B[0]'s linger_ms and routing
 * configure them all. */
void env_create_workers(struct bench *b, unsigned n, uint32_t max_flows);

/* Feed every input ring through loop K until TOTAL frames were taken in;
 * returns the frames taken (less than TOTAL only if the rings ran dry).
 * LOOP_SETUP is the worker's loop too, not timed, under a name that
 * callgrind's --toggle-collect='bench_loop_*' leaves out. Every timed loop
 * counts the frames it ran in S (and in bench.ran, warm-up included). */
unsigned env_run(struct bench *b, enum loop_kind k, unsigned total,
		 struct sample *s);

/* Drain port P's TX ring into OUT (at most MAX); returns the count. */
unsigned env_collect(struct bench *b, unsigned p, struct rte_mbuf **out,
		     unsigned max);

/* Queue N frames on port P's RX ring; exits if they do not fit. */
void env_feed(struct bench *b, unsigned p, struct rte_mbuf **m, unsigned n);

/* Sum of every drop counter (worker and main lcore). */
uint64_t env_drops(const struct bench *b);
/* Print every non-zero drop counter to stderr. */
void env_print_drops(const struct bench *b);

/* ---- bench_dp_wire.c ---------------------------------------------------- */

/* Write S as Ethernet + IPv4 + TCP into M from its start, checksums
 * complete (wire.h: a NULL S->data leaves the payload already in M). */
void wire_write(struct rte_mbuf *m, const struct wire_tcp *s);

/* A frame the router sent, parsed. */
struct wire_pkt {
	struct rte_ether_addr src_mac, dst_mac;
	uint32_t sip, dip;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t mss;                   /* 0: absent */
	int ws;                         /* -1: absent */
	bool sackok;
	const uint8_t *data;
	unsigned len;
};

/* Parse M as Ethernet + IPv4 + TCP. With CSUM, the IPv4 and TCP checksums
 * are verified from scratch. Returns NULL, or what is wrong. */
const char *wire_parse(const struct rte_mbuf *m, bool csum, struct wire_pkt *p);

/* ---- bench_dp_conn.c ---------------------------------------------------- */

/* The request headers the peers send, all HDR_LEN bytes, browser-like. */
enum req_kind {
	REQ_GET,                  /* GET, no body: the web service */
	REQ_BOB,                  /* the same with "X-Dev: bob": tunnel bob */
	REQ_POST,                 /* POST with Content-Length 10^12: a body
				   * that never ends (spliced forwarding) */
	REQ__COUNT
};

/* The steps of a connection's life the benchmark plays, in order. */
enum phase {
	PH_SYN,                   /* client SYN -> our SYN-ACK */
	PH_REQUEST,               /* client ACK + 600 B header -> ACK, SYN to the backend */
	PH_SYNACK,                /* backend SYN-ACK -> the buffered header */
	PH_HDR_ACK,               /* backend ACKs it -> forwarded to the client */
	PH_RESPONSE,              /* backend response -> client */
	PH_RESP_ACK,              /* client ACKs it -> backend */
	PH_CLIENT_FIN,            /* client FIN -> backend */
	PH_BACKEND_FIN,           /* backend FIN -> client; both closed: linger */
	PH_LAST_ACK,              /* client ACKs the backend's FIN -> backend */
	PH_EXPIRE,                /* linger_ms passes: the entries are freed */
	PH__COUNT
};
#define PH_ESTABLISHED PH_HDR_ACK /* last phase of the splice set-up */

extern const char *const phase_name[PH__COUNT];

#define HDR_LEN 600               /* request header bytes */
#define RESP_LEN 1000             /* response bytes (with Content-Length) */
#define BODY_LEN 1000000000000ull /* REQ_POST's Content-Length, and the
				   * response's of the spliced flows */

/* One connection as its two peers (client and backend) see it. */
struct peer_conn {
	uint32_t c_ip;                  /* host order */
	uint16_t c_port;
	uint32_t c_isn, b_isn;          /* chosen by the peers */
	uint32_t r_isn, s_isn;          /* learnt: our ISNs (client, backend side) */
	uint16_t sport;                 /* learnt: our source port */
	uint8_t backend;                /* learnt: index in backend_ip */
	uint32_t fwd_len;               /* learnt: header + injected lines */
	uint32_t c_sent, b_sent;        /* payload bytes after the exchange */
	uint32_t id;                    /* connection number */
	uint8_t kind;                   /* enum req_kind of its request */
};

/* Client tuple and ISNs of connection number ID; its request is a GET. */
void conn_init(struct peer_conn *c, uint32_t id);
/* conn_init() for the first connection number from ID whose client flow
 * B's worker owns (client_owner(): every one with one worker); returns the
 * number after it. */
uint32_t conn_next(const struct bench *b, struct peer_conn *c, uint32_t id);

/* The request of kind KIND for connection number ID, HDR_LEN bytes, into
 * BUF (the path carries the number). */
void conn_request(unsigned kind, uint32_t id, char *buf);
/* Where in that request the 8-digit connection number is. */
unsigned conn_request_id_at(unsigned kind);

/* The response the backends send (RESP_LEN bytes, Content-Length). */
const char *conn_response(void);

/* Play phases FIRST..LAST for the N connections of C. Through LOOP_SETUP
 * when STEER is NULL (set-up), else timed through LOOP_CONN with each
 * phase's run in STEER[phase] and, if IOFWD is not NULL, the same frames
 * through LOOP_IOFWD first, in IOFWD[phase]. Every frame the router
 * sends is checked. Returns the number of problems found (0: all good),
 * each printed to stderr. */
unsigned conn_play(struct bench *b, struct peer_conn *c, unsigned n,
		   enum phase first, enum phase last, struct sample *steer,
		   struct sample *iofwd);

/* The address of the backend the router chose for C (host order). */
static inline uint32_t backend_of(const struct peer_conn *c)
{
	return backend_ip[c->backend];
}

/* ---- bench_dp_ka.c ------------------------------------------------------ */

/* The steps of one request on an established keep-alive connection. The
 * client's request carries its ACK of the previous response, and the
 * backend's response its ACK of the request, as when a client sends its
 * next request as soon as a response is in (wrk, browsers). */
enum ka_step {
	KS_REQ,                   /* same target: header -> on the same leg */
	KS_RESP,                  /* same target: response -> client */
	KS_SW_REQ,                /* another target: header -> FIN, SYN */
	KS_SW_SYNACK,             /* new leg's SYN-ACK -> the header */
	KS_SW_OLDFIN,             /* old leg's FIN+ACK -> ACK */
	KS_SW_RESP,               /* new leg's response -> client */
	KS_SW_EXPIRE,             /* after the last request: linger of the
				   * last legs closed */
	KS_SWP_REQ,               /* pooled (--pool): header -> on an idle leg */
	KS_SWP_RESP,              /* pooled: response -> client */
	KS__COUNT
};

extern const char *const ka_step_name[KS__COUNT];

/* One series of keep-alive requests: CONNS connections, REQUESTS requests
 * each after the first (which set the connection up), every one to the web
 * service (SWITCH false) or alternating tunnel bob and the web service
 * (SWITCH true: every request changes target). */
struct ka_result {
	bool sw, pooled;                /* pooled: ka_pool_run()'s */
	unsigned conns, requests;
	struct sample step[KS__COUNT];  /* sums over the series */
	double *req_tsc, *req_cpu;      /* per request number: ns per request */
	unsigned n;
	uint64_t served[3];             /* requests web-a, web-b, bob answered */
	uint64_t frames_in, frames_out;
	uint64_t rebinds, legs_closed, same_leg;  /* the worker's counters */
	uint64_t pool_reuses, backend_connects;
};

/* Run one series on connection numbers from ID. Returns the problems
 * found (0: every frame as expected), each printed to stderr. */
unsigned ka_run(struct bench *b, bool sw, unsigned conns, unsigned requests,
		uint32_t id, struct ka_result *r);

/* bench_dp_ka_pool.c: the switching series with the idle pool on (the
 * worker created with pool_max > 0, --pool): from the second request on,
 * each request on a pooled leg (bench_loop_ka_swp_req, _swp_resp). */
unsigned ka_pool_run(struct bench *b, unsigned conns, unsigned requests, uint32_t id,
		     struct ka_result *r);

/* bench_dp_parse.c: the header parse alone for the same requests:
 * http_req_init() and http_parse_request() over the REQ_GET header
 * (REQ_BOB with BOB) N times (bench_loop_parse_get, bench_loop_parse_bob),
 * timed into S. */
void ka_parse(bool bob, unsigned n, struct sample *s);

/* ---- bench_dp_series.c -------------------------------------------------- */

/* A series of timed runs of one loop: their sum, and each run's ns per
 * frame (or per connection) by the TSC (wall) and by the thread's CPU
 * time, which leaves out the time it was preempted. */
struct series {
	struct sample sum;
	double *tsc, *cpu;
	unsigned n;
};

extern double tsc_ns;             /* ns per TSC cycle */
extern _Atomic unsigned problems; /* frames wrong or missing, all parts */

/* Print MSG and exit 2. */
void die(const char *msg);
/* calloc that dies on failure (N 0: one byte). */
void *xcalloc(size_t n, size_t size);
void series_init(struct series *s, unsigned runs);
/* Add one run of UNITS frames (or connections). */
void series_add(struct series *s, const struct sample *x, unsigned units);
double median(const double *per, unsigned n);
double minimum(const double *per, unsigned n);
uint64_t wall_ns(void);
/* /proc/loadavg's line into BUF. */
void loadavg(char *buf, size_t len);
/* The spliced forwarding table: its head, and a row per loop and size. */
void print_head(void);
void print_row(const char *name, unsigned size, const struct series *s);

/* ---- bench_dp_splice.c -------------------------------------------------- */

#define WINDOW_MAX 4096           /* flows per round (frames: twice that) */
#define PAYLOAD_MAX 1460

struct splice {
	struct peer_conn *c;
	unsigned n;
	uint32_t *by_cport;       /* client port -> flow + 1 */
	uint32_t *by_sport;       /* our source port -> flow + 1 */
	uint32_t *seen_c, *seen_b;/* round + 1 a flow's frame was last seen */
	uint64_t checked, summed; /* frames checked, with checksums */
};

/* Set up FLOWS established flows by real handshakes through the worker,
 * BATCH at a time, each with its response head. */
void splice_setup(struct bench *b, struct splice *sp, unsigned flows,
		  unsigned batch);
/* ROUNDS rounds (and one to warm up) of SIZE-byte payloads through
 * io-forward, macswap and the worker (OUT[0..2]), checked. */
void splice_run(struct bench *b, struct splice *sp, unsigned size,
		unsigned rounds, struct series out[3]);

/* Flows per hand-off round: its 2 x 1024 frames fit the owner's hand-off
 * ring (4096) whole. */
#define HANDOFF_WINDOW 1024
/* The hand-off's cost: rounds of SIZE-byte payloads on SP's flows (owned
 * by TO's worker), each fed once to TO's own queues (OUT[2], loop
 * bench_loop_handoff_direct) and once to FROM's, whose worker hands every
 * frame to TO's (OUT[0], bench_loop_handoff_in), which then takes them off
 * its hand-off ring (OUT[1], bench_loop_handoff_out); every frame checked.
 * On the calling thread, one worker after the other. */
void splice_handoff_run(struct bench *from, struct bench *to, struct splice *sp,
			unsigned size, unsigned rounds, struct series out[3]);

/* ---- bench_dp_lives.c --------------------------------------------------- */

struct lives {
	struct series steer[PH__COUNT], fwd[PH__COUNT];
	struct series life, life_fwd;   /* per batch, ns per connection */
	unsigned conns;
};

/* CONNS connection lives in batches of BATCH (after one untimed batch to
 * warm up), numbered from ID. */
void lives_run(struct bench *b, struct lives *l, unsigned conns,
	       unsigned batch, uint32_t id);
void lives_print(const struct lives *l, unsigned batch, unsigned linger_ms);

/* ---- bench_dp_workers.c ------------------------------------------------- */

struct workers_opts {
	enum routing routing;
	uint32_t max_flows;             /* per worker */
	unsigned flows, rounds, conns, batch;
	bool splice, conn, handoff;     /* which parts run */
};

/* bench_dp --workers 2: its EAL, environment, runs and report; returns
 * the exit status. */
int workers_main(const char *prog, const struct workers_opts *o);

#endif
