/* The packet-path fuzzer's world (packet_fuzz.c): a packet-test
 * environment (tests/packet/harness.h), the connections the fuzzer plays
 * as the client and as the backends, and what it learns from the frames
 * the router emits so that sequence numbers can follow the router's.
 *
 * Client flows are slots the input picks by index; backend legs are
 * learnt from the router's SYNs (target address and port, our source
 * port), whichever client flow they belong to. */
#ifndef STEER_PACKET_ENV_H
#define STEER_PACKET_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"

#define PE_FLOWS 8                /* client flows the input can pick */
#define PE_LEGS 16                /* backend legs remembered */

struct pe_flow {
	uint16_t cport;
	uint8_t worker;           /* where its frames arrive */
	bool r_known;             /* the router's ISN towards it is known */
	uint32_t c_nxt;           /* our next sequence number */
	uint32_t r_nxt;           /* the router's next sequence number */
};

struct pe_leg {
	bool used;
	bool vxlan;               /* behind the VTEP (tunnel alice) */
	uint32_t ip;              /* target (host order) */
	uint16_t port;            /* target port */
	uint16_t sport;           /* our source port */
	bool b_known;             /* the fuzzer answered the SYN */
	uint32_t s_nxt;           /* the router's next sequence number */
	uint32_t b_nxt;           /* the backend's (our) next one */
};

struct pe {
	struct h_env *e;
	struct pe_flow flow[PE_FLOWS];
	struct pe_leg leg[PE_LEGS];
	unsigned n_legs;          /* next slot to reuse (round robin) */
	/* the last ARP request the router sent: who it asked for */
	bool arp_pending;
	bool arp_vxlan;
	uint32_t arp_tip;
	/* the last op broke a checksum or a length on purpose: what the
	 * router emits in answer may carry it (forwarded as received) */
	bool tainted;
	/* ... or carried TCP options that are malformed or cut at 40 bytes:
	 * a spliced segment keeps its options, so what the router forwards
	 * may carry them too (its checksums must still be right) */
	bool odd_opts;
	/* ... or was an RST from RST_IP:RST_PORT on RST_SIDE: never answered
	 * with an RST (RFC 9293 section 3.10.7) */
	bool rst_in;
	uint8_t rst_side;
	uint32_t rst_ip;
	uint16_t rst_port;
	uint64_t frames_out;      /* frames the router emitted */
	/* the frame accounting (pe_account_*) */
	uint64_t frames_in;       /* frames given to the router (pe_rx) */
	uint64_t fwd_in;          /* ... of them emitted: forwarded or
				   * answered in place */
	struct pe_acct {
		uint64_t sent, fwd, in_use, consumed, drops, either;
	} acct;
	bool trace;               /* PACKET_FUZZ_TRACE set: print every frame */
};

/* The dataplane section every input runs with: two workers (so the
 * hand-off paths are reachable) and tables small enough that an input can
 * fill them: the flow table, the header buffers (eviction), the half-open
 * backlog (SYN cookies). */
extern const struct h_params pe_boot;

#define PE_ROUTINGS 256          /* routing choices: one input byte */

/* Start an input: the process's environment (built with pe_boot the first
 * time: pools, rings and tables cost ~10 ms, many times a run of the ops,
 * and the dataplane names them by worker id so only one can exist), its
 * neighbour table back to the harness's pre-resolved one, the routing
 * choice KEY (the routing knobs of P; the dataplane ones are pe_boot's)
 * published unless it is the one running, and an empty model. What
 * carries over from earlier inputs: the clock (always moving forward),
 * counters, the source-port FIFO's position, the compiled rulesets; the
 * router's ISNs and SYN cookie keys come from the TSC in any case. */
void pe_begin(struct pe *pe, uint8_t key, const struct h_params *p);

/* Publish routing choice KEY (the knobs of P), as a reload does: compiled
 * the first time, the same ruleset again later (the same P for a KEY). */
void pe_publish(struct pe *pe, uint8_t key, const struct h_params *p);

/* End an input: let every timer fire (the clock far ahead, step by step,
 * dropping what the router sends), then check that every flow, header
 * buffer, source port, connection slot and mbuf is back. Aborts on a
 * leak; the environment is kept for the next input. */
void pe_end(struct pe *pe);

/* Take every frame the router emitted since the last call, check each
 * parses with right checksums (unless PE->tainted), comes from our own
 * addresses and answers no RST with an RST, learn sequence
 * numbers, legs and ARP requests from them, and free them. */
void pe_learn(struct pe *pe);

/* Give frame M to worker WI on PORT, counted for the accounting. */
void pe_rx(struct pe *pe, unsigned wi, unsigned port, struct rte_mbuf *m);

/* The frame accounting, around each op and each teardown step: every
 * frame given to the router since pe_account_begin() is, at
 * pe_account_check(), emitted (the same mbuf, forwarded or answered in
 * place), still inside (held for ARP, in a ring, kept out of order), or
 * freed; and the frames freed are exactly those counted consumed
 * (CNT_rx_consumed) or dropped under a reason, up to the drops that may
 * be of the router's own frames or of no frame (pe_either_drop). A
 * violation aborts with WHAT. */
void pe_account_begin(struct pe *pe);
void pe_account_check(struct pe *pe, const char *what);

/* Advance the clock by MS and run one loop iteration. */
void pe_advance(struct pe *pe, uint64_t ms);

/* M is about to be sent to the router on PORT: note what learning the
 * answers needs (an RST). */
void pe_sent(struct pe *pe, const struct rte_mbuf *m, unsigned port);

/* Print M (sent to the router when IN) if tracing. */
void pe_trace(const struct pe *pe, const struct rte_mbuf *m, bool in);

/* The worker owning source port SPORT. */
unsigned pe_sport_worker(const struct pe *pe, uint16_t sport);

/* Abort with a message (the fuzzer's invariant failed). */
void pe_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
