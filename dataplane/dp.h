/* steerd's dataplane: the types every stage shares. One struct worker per
 * polling lcore owns its flows, timers, pools and source ports; nothing in
 * it is touched by another lcore except through the rings noted below. */
#ifndef STEER_DP_H
#define STEER_DP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "counters.h"
#include "ftab.h"

struct dp_pub;
struct bconn;
struct hc_registry;
#include "http-t.h"
#include "http_frame-t.h"
#include "rules.h"

#define BURST 32
#define MAX_WORKERS 64
#define OOO_MAX 4                 /* out-of-order ranges kept per flow */
#define INJECT_ROOM 512           /* bytes of injected header lines */
#define SRC_PORT_FIRST 1024
/* The top of the port space is the main lcore's: its health checks
 * connect from these ports, and the workers pass segments to them to the
 * main lcore (worker.c), as they pass ARP. */
#define HC_PORT_COUNT 1024
#define HC_PORT_FIRST (65536 - HC_PORT_COUNT)
#define WHEEL_SLOTS 4096          /* 1 ms ticks: a 4 s horizon */
#define VXLAN_PORT 4789           /* RFC 7348 section 5 */
#define VXLAN_OVERHEAD 50         /* outer Ethernet + IPv4 + UDP + VXLAN */
#define FLOW_NONE UINT32_MAX

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

enum flow_state {
	FS_FREE,
	FS_SYN_RCVD,              /* SYN-ACK sent, waiting for the client's ACK */
	FS_HEADER,                /* collecting the request header */
	FS_QUEUED,                /* waiting for a connection of its backend
				   * (max_conns), or admitted and about to
				   * connect (flow.c) */
	FS_CONNECT,               /* SYN sent to the target */
	FS_SPLICE,                /* translating both directions */
	FS_RESPOND,               /* our own response + FIN sent to the client */
	FS_LINGER,                /* closed; absorbing stragglers */
	FS_LEG_CLOSE,             /* a backend leg left behind by a re-bind,
				   * closing (tcp_leg.c); no client side */
	FS_LEG_IDLE,              /* ... open, in the idle pool for another
				   * request to its target (tcp_leg.c) */
};

/* What the client's next bytes are, per-request routing (tcp_request.c). */
enum rq_state {
	RQ_HEADER,                /* a request header, collected in hbuf */
	RQ_BODY,                  /* the body of the decided request */
	RQ_DONE,                  /* the decided request is complete; bytes
				   * after it (in hbuf) are the next one's */
	RQ_TUNNEL,                /* no more framing: spliced to the end */
};

/* What the backend's next bytes are (tcp_response.c). */
enum rs_state {
	RS_IDLE,                  /* no response expected */
	RS_HEAD,                  /* a response head */
	RS_BODY,                  /* its body */
	RS_TUNNEL,                /* no more framing */
};

#define HOLD_MAX 64               /* frames held per worker for ARP */
#define POOL_BUCKETS 256          /* idle pool hash heads per worker */
#define PEND_MAX 8                /* requests on a leg awaiting responses */

/* Where a flow stands with its backend's connection limit (flow.c). */
enum bq_state {
	BQ_NONE,                  /* holds a connection if bslot is set */
	BQ_WAIT,                  /* in bslot's wait queue, holds none */
	BQ_READY,                 /* admitted: holds one, on the ready list */
};

/* A FIFO of flows linked through qnext/qprev (flow indexes). */
struct flow_fifo {
	uint32_t head;
	uint32_t tail;
	uint32_t len;
};

/* One side's addressing as it appears on the wire (network byte order for
 * addresses and ports, so rewriting is a copy). */
struct flow_end {
	uint32_t peer_ip;
	uint32_t local_ip;
	uint16_t peer_port;
	uint16_t local_port;
	struct rte_ether_addr peer_mac;  /* next hop (or inner target) MAC */
	uint8_t port;                    /* conf port index it leaves by */
	bool mac_known;
};

struct flow {
	/* timer wheel links */
	uint32_t tnext;
	uint32_t tprev;
	uint32_t tslot;
	uint64_t deadline;        /* ms */
	uint64_t last_active;     /* ms */
	uint64_t created;         /* ms */

	uint8_t state;
	bool c_fin;               /* client sent FIN */
	bool b_fin;               /* backend sent FIN */
	bool sack_ok;             /* client offered SACK-permitted */
	bool c_ws_ok;             /* client offered window scaling */
	uint8_t c_wscale;         /* client's shift */
	uint8_t b_wscale;         /* backend's shift */
	uint8_t retries;
	uint16_t c_mss;
	uint16_t tries;           /* connect attempts */
	int16_t status;           /* our response status, 0 none */
	bool vxlan;               /* a VXLAN tunnel's flow (fields below) */

	struct flow_end c;        /* client side: peer = client, local = listener */
	struct flow_end b;        /* backend side: peer = target, local = us */
	/* What a spliced segment reads and writes: the first five cache
	 * lines (docs/performance.md, "Dataplane in-process"; checked in
	 * flow.c). The translation, valid in FS_SPLICE: */
	uint32_t c2b;             /* add to client seq (past the buffer) */
	uint32_t b2c;             /* add to backend seq */
	/* The address and port rewrite's checksum change per direction,
	 * fixed for a leg (splice_established()): the IPv4 header's, and the
	 * TCP checksum's (the pseudo-header's addresses plus the ports). */
	uint32_t nat_ip_c2b, nat_tcp_c2b, nat_ip_b2c, nat_tcp_b2c;
	uint32_t c_wnd;           /* client's last raw window field */
	uint32_t c_acked;         /* highest ack we sent/forwarded to the client */
	uint32_t b_una;           /* backend acknowledged up to (backend space) */
	uint32_t b_wnd;           /* backend's receive window, bytes */
	uint32_t c_snd;           /* client's highest seq seen (client space) */
	uint32_t b_snd;           /* backend's highest seq seen (backend space) */
	uint32_t b_acked;         /* highest ack from the backend */
	uint32_t c_ack_rcv;       /* highest ack from the client */
	uint32_t s_nxt;           /* backend seq past what we sent it */
	bool spliced;             /* LINGER after a splice: keep translating */
	bool per_req;             /* requests are framed and decided one by one */
	uint8_t rq;               /* enum rq_state */
	uint8_t rs;               /* enum rs_state */
	uint8_t n_pend;           /* requests on this leg awaiting a response */
	bool held;                /* a decided request waits for its leg */
	int16_t err_pending;      /* our response once the current one ends */
	char *hbuf;
	uint32_t b_base;          /* backend seq of hbuf[0] */
	uint32_t rq_frame;        /* client seq framed up to */
	uint32_t rs_frame;        /* backend seq framed up to */
	uint32_t c2b_prev;        /* offset of spliced bytes below c_prev_hi */
	uint32_t c_prev_lo;       /* [c_prev_lo, c_prev_hi): spliced with c2b_prev */
	uint32_t c_prev_hi;
	uint32_t r_nxt;           /* client-space seq of the backend's next byte */
	uint32_t c_buf_end;       /* client seq just past the buffered bytes */
	struct hf_body rq_body;
	struct hf_body rs_body;
	/* where hbuf sits: hbuf[0] is client byte h_seq (see below) */
	uint32_t b_ack;           /* last ack we sent to the backend */
	uint32_t h_seq;
	uint32_t hlen;            /* contiguous client bytes (client offset) */
	uint32_t out_len;         /* client bytes of hbuf in the request being
				   * sent (header and body bytes in hbuf) */
	uint32_t hdr_end;         /* header length once complete, else 0 */
	uint32_t inj_len;         /* bytes injected at hdr_end - 2 */

	uint32_t c_isn;           /* client's ISN */
	uint32_t r_isn;           /* our ISN towards the client */
	uint32_t s_isn;           /* our ISN towards the backend */
	uint32_t b_isn;           /* backend's ISN */

	/* header buffer */
	uint32_t ooo_start[OOO_MAX];
	uint32_t ooo_end[OOO_MAX];
	uint8_t n_ooo;
	uint8_t parse_eol;        /* http_req resume state */
	uint32_t parse_scanned;

	/* decision */
	uint16_t listener;
	uint16_t service;
	int32_t intercept;
	int32_t tunnel;           /* -1: cluster backend */
	int32_t backend;
	uint64_t tried;           /* backends tried (bit per index < 64) */
	uint32_t hash;
	uint64_t gen;             /* ruleset generation the decision used */
	uint64_t t_syn;           /* TSC: client SYN (header histogram) */
	uint64_t t_conn;          /* TSC: our SYN (connect histogram) */
	uint64_t svc_key;         /* hash of the service's name */
	uint64_t tun_key;         /* hash of the tunnel's name */

	/* vxlan (tunnel >= 0 and vni_be != 0) */
	uint32_t vni;
	uint32_t vtep_ip;         /* network order */
	struct rte_ether_addr vtep_mac;
	bool vtep_mac_known;

	uint32_t b_sent;          /* buffer bytes sent to the backend */
	uint64_t conn_deadline;   /* ms: this connect attempt gives up */
	uint16_t b_mss;
	bool b_ws_ok;             /* backend agreed to window scaling */
	uint16_t resp_len;        /* our response's length (FS_RESPOND) */
	bool resp_acked;          /* the client acknowledged our response+FIN */

	/* Where the buffer and our responses sit in sequence space: hbuf[0]
	 * is client byte h_seq; our own response starts at r_base. With one
	 * request per connection these are c_isn + 1 and r_isn + 1. */
	uint32_t r_base;

	/* per-request routing (routing = "request"; tcp_request.c) */
	uint8_t pend_head;        /* bit i: pending request i was HEAD */
	bool held_switch;         /* ... for a new leg (another target) */
	bool nx_head;             /* the decided request is HEAD */
	bool nx_last;             /* ... and ends per-request routing */
	bool leg_gone;            /* the backend closed between requests */
	uint32_t c_msg_end;       /* client seq where the last request ended */
	bool resp_last;           /* the backend closes after this response */
	bool leg_only;            /* FS_LEG_CLOSE entry: no client side */
	uint32_t n_req;           /* requests on this connection */
	uint64_t t_req;           /* ms: first byte of the header being collected */
	/* waiting for a first header with a buffer: the worker's eviction
	 * list (oldest first; tcp_client.c) */
	uint32_t hq_next;
	uint32_t hq_prev;
	uint64_t t_hbuf;          /* ms: took its buffer */
	bool hq_in;
	struct hf_resp rs_head;

	/* connection limit of the backend (max_conns; flow.c) */
	uint32_t bslot;           /* its count slot; FLOW_NONE: not counted */
	uint32_t qnext;           /* links in the slot's wait queue or the */
	uint32_t qprev;           /* worker's ready list */
	uint8_t bq;               /* enum bq_state */

	/* FS_LEG_IDLE: links in the pool bucket (tcp_leg.c) and what the
	 * leg's SYN said (leg_sig()) */
	uint32_t pnext;
	uint32_t pprev;
	uint32_t sig;
} __rte_cache_aligned;

struct port_info {
	uint16_t port_id;         /* DPDK port id */
	uint32_t ip;              /* network order */
	uint32_t mask;            /* network order */
	struct rte_ether_addr mac;
	uint16_t mtu;
};

/* What every worker reads and the main lcore wrote before launch. */
struct dp_shared {
	struct port_info ports[STEER_MAX_PORTS];
	unsigned n_ports;
	unsigned n_workers;
	uint16_t ports_per_worker; /* source port range size */
	struct neigh_table *neigh;
	struct rte_ring *ctrl_ring;  /* ARP frames and resolve requests -> main */
	struct worker *workers[MAX_WORKERS];
	const struct steer_conf *conf;  /* boot config: timeouts, sizes */
	_Atomic(struct dp_pub *) pub;    /* running ruleset (publish.h) */
	struct hc_registry *hc;          /* backends' health (hc_table.h);
					  * NULL: not tracked */
	struct rte_rcu_qsbr *qsbr;       /* workers' quiescent states */
	/* decision counter slots: stable per intercept name across rulesets */
	char **slot_name;
	uint64_t *slot_base;
	uint32_t slot_hint;              /* where to look for a free slot next */
	uint32_t slot_hi;                /* one past the highest slot ever named:
					  * the walks over named slots stop there */
	const char *config_path;
	uint64_t start_ms;
	uint64_t cookie_key[2];      /* SYN cookies (set by the first worker) */
	uint64_t isn_key[2];         /* RFC 6528's F (set by the first worker) */
	struct steer_stats ctrl_st;  /* the main lcore's own counters */
	/* Owner forwarding (owner.h): bit N set while node id N answers ARP.
	 * Written by the main lcore, read relaxed by workers: a stale bit
	 * costs one segment's fate, never memory safety. */
	_Atomic uint32_t owner_live;
	uint64_t owner_probe_ms;     /* main lcore: the last probe round */
	/* The workers are polling the ports (set by the main lcore once it
	 * launched them; status reports it with quit, docs/control.md). */
	volatile bool serving;
	volatile bool quit;
};

struct tx_buf {
	uint16_t n;
	struct rte_mbuf *m[BURST];
};

struct worker {
	unsigned id;
	unsigned lcore;
	bool fwd_in;              /* the frame in hand came from another node
				   * (owner.c): never forwarded again */
	uint16_t queue;           /* rx/tx queue on every port */
	struct dp_shared *sh;
	struct rte_mempool *pool; /* packets we build */
	struct rte_mempool *hbufs;/* header buffers */
	struct rte_ring *handoff; /* packets of our flows from other workers */
	struct rte_ring *txr;     /* packets from the main lcore to send */
	struct dp_pub *pub;           /* loaded once per loop iteration */
	struct http_req req;      /* parse scratch */

	/* flows */
	struct ftab ctab;         /* client 4-tuple -> flow index */
	struct flow *flows;
	uint32_t max_flows;
	uint32_t *free_flows;     /* stack */
	uint32_t n_free;
	uint32_t *by_sport;       /* source port - sport_base -> flow */
	uint16_t sport_base;
	uint16_t sport_count;
	uint16_t *sport_fifo;     /* FIFO: longest-unused first (TIME_WAIT) */
	uint32_t sport_count_free; /* ports in the FIFO's cycle (no listeners) */
	uint32_t sport_head, sport_n;
	uint32_t n_half_open;     /* flows in FS_SYN_RCVD */
	uint64_t cookie_sent_ms;  /* last SYN answered with a cookie, 0 never */
	uint32_t hq_head, hq_tail;/* flows collecting a first header, oldest first */

	/* per-backend connection counts and wait queues (max_conns; flow.c) */
	struct rte_hash *btable;  /* backend key -> slot */
	struct bconn *bconns;     /* slots, max_flows of them */
	uint32_t *free_bconns;    /* stack */
	uint32_t n_free_bconns;
	struct flow_fifo ready;   /* admitted flows about to connect */

	/* idle backend legs by target (tcp_leg.c) */
	uint32_t idle_pool[POOL_BUCKETS];
	uint32_t n_pooled;

	/* timers */
	uint32_t wheel[WHEEL_SLOTS];
	uint64_t wheel_now;       /* ms, last tick processed */
	uint64_t now;             /* ms, this iteration */
	uint64_t isn_base_tsc;
	uint64_t ns_per_cycle_q20;  /* ns per TSC cycle, 20-bit fraction */

	/* tx */
	struct tx_buf tx[STEER_MAX_PORTS];
	/* tests: capture instead of rte_eth_tx_burst */
	struct rte_mbuf **capture;
	unsigned n_capture, cap_capture;

	/* frames waiting for their next hop's MAC, FIFO (pkt.c) */
	struct {
		struct rte_mbuf *m;
		uint64_t until;           /* ms: then dropped */
		uint32_t flow;
		uint32_t peer_ip;         /* the flow's backend side when held */
		uint16_t sport;
	} hold[HOLD_MAX];
	uint32_t hold_head, n_hold;

	/* recent neighbour resolve requests (neigh_want) */
	uint64_t want_key[64];
	uint64_t want_at[64];

	/* idle back-off */
	unsigned empty_polls;
	unsigned backoff_us;

	struct steer_stats st;
} __rte_cache_aligned;

/* The size of each worker's source port range: what lies between the
 * privileged ports and the health checks', shared out. */
static inline uint16_t dp_ports_per_worker(unsigned n_workers)
{
	return (uint16_t)((HC_PORT_FIRST - SRC_PORT_FIRST) / n_workers);
}

/* Per-mbuf metadata for packets passed between lcores. */
#define MBUF_ZONE(m) ((m)->hash.usr)   /* 0 underlay, tunnel + 1 overlay */
#define MBUF_FWD (1u << 31)   /* in MBUF_ZONE: forwarded by another node */

/* Milliseconds of the TSC clock: the workers' and the control loop's
 * time base. */
static inline uint64_t worker_ms(void)
{
	return rte_get_tsc_cycles() / (rte_get_tsc_hz() / 1000);
}

static inline void count_drop(struct worker *w, enum steer_drop d,
			      struct rte_mbuf *m)
{
	w->st.drop[d]++;
	rte_pktmbuf_free(m);
}

/* A received frame that did its work (a handshake or close step, bytes
 * acknowledged or taken into a buffer, an ARP or health-check answer
 * learnt) and is freed: counted so that every frame in is forwarded,
 * answered in place, consumed or dropped under a reason (the packet
 * fuzzer checks the sum, docs/reliability.md). */
static inline void count_consumed(struct worker *w, struct rte_mbuf *m)
{
	w->st.cnt[CNT_rx_consumed]++;
	rte_pktmbuf_free(m);
}

#endif
