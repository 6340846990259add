/* The TCP stages of a flow's life (DESIGN.md "A connection's life"), top
 * to bottom: each calls only the stages below it (tcp_input.c has the
 * map). Declarations are grouped by stage in that order. */
#ifndef STEER_TCP_H
#define STEER_TCP_H

#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "csum.h"
#include "dp.h"
#include "http_frame.h"
#include "pkt.h"
#include "shash.h"

/* A parsed TCP segment, pointers into its mbuf. */
struct seg {
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	const char *data;
	uint32_t len;             /* payload bytes */
	uint32_t seq;             /* host order */
	uint32_t ack;
	uint8_t flags;
	unsigned port;            /* conf port it arrived on */
	uint32_t zone;            /* 0 underlay, tunnel + 1 overlay */
};

/* RFC 9293 section 3.1: the checksum covers the pseudo-header, header and
 * data. Checked for every segment the router takes in itself (handshake,
 * header bytes, our responses, the target's SYN-ACK, RST replies) — not for
 * spliced ones, which are rewritten incrementally so a wrong sum stays wrong
 * and the endpoint drops it, and whose bytes the router never reads. */
static inline bool seg_csum_ok(const struct seg *s)
{
	/* A NIC that checked it says so (port_setup() asks for it where the
	 * device can); its flags describe the outer frame, so only underlay
	 * segments take its word. */
	uint64_t nic = s->m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (s->zone == 0 && nic == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	if (s->zone == 0 && nic == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return false;
	uint32_t l4 = (uint32_t)((const char *)s->data - (const char *)s->th) + s->len;
	uint64_t sum = csum_phdr4(s->ip->src_addr, s->ip->dst_addr, IPPROTO_TCP, l4);

	return csum_fold64(csum_partial(s->th, l4, sum)) == 0xffff;
}

#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)


/* ---- shared inline helpers ------------------------------------------- */

/* The client-facing window shift we use for F. */
static inline uint8_t our_wscale(const struct flow *f)
{
	return f->c_ws_ok ? 7 : 0;
}

/* The window we advertise to the client: what is left of CAP bytes of
 * header buffer, in our shift. */
static inline uint16_t client_window(const struct flow *f, uint32_t cap)
{
	uint32_t free = cap > f->hlen ? cap - f->hlen : 0;
	/* Round up: a window that scales down to 0 while room is left would
	 * stall the client in zero-window probes; bytes past the cap are cut
	 * off by collect() anyway. */
	free = (free + (1u << our_wscale(f)) - 1) >> our_wscale(f);
	return (uint16_t)(free > 65535 ? 65535 : free);
}

/* Where client byte OFF (from h_seq) lives in the buffer: bytes past the
 * header moved by the injected lines (inj_len, which may also hold the
 * change of a rewritten Host) once the header was decided. */
static inline uint32_t phys(const struct flow *f, uint32_t off)
{
	return f->hdr_end && off >= f->hdr_end ? off + f->inj_len : off;
}

/* The logical end (from h_seq) of what the buffer holds, contiguous and
 * out of order. */
static inline uint32_t hbuf_extent(const struct flow *f)
{
	uint32_t end = f->hlen;

	for (unsigned i = 0; i < f->n_ooo; i++)
		if (f->ooo_end[i] > end)
			end = f->ooo_end[i];
	return end;
}

/* Bytes of the buffer that go to the backend for the request being sent
 * (with one request per connection: everything the buffer holds). */
static inline uint32_t buffered(const struct flow *f)
{
	uint32_t n = f->per_req ? f->out_len : f->hlen;

	return n + (f->hdr_end && n >= f->hdr_end ? f->inj_len : 0);
}

/* What of the buffer is on its way to the backend leg (nothing while the
 * request waits for another leg). */
static inline uint32_t owned(const struct flow *f)
{
	return f->held ? 0 : buffered(f);
}

/* How a flow remembers its service's and tunnel's names (f->svc_key,
 * f->tun_key): the indexes of a decision move when the rules change. */
static inline uint64_t flow_name_key(const char *name)
{
	return shash_bytes(name, strlen(name), 0x6e616d65);
}

/* F is spliced to a backend leg that is still there. */
static inline bool flow_leg_alive(const struct flow *f)
{
	return f->state == FS_SPLICE && !f->leg_gone && f->b.local_port != 0;
}

/* May the client be told (ACK) that we hold the buffered bytes? Not while
 * bytes spliced before them are unacknowledged: a cumulative ACK past
 * them would speak for the backend. */
static inline bool held_ackable(const struct flow *f)
{
	return !flow_leg_alive(f) || SEQ_LEQ(f->b_base, f->b_acked);
}

/* ---- tcp_input.c: the entry points ------------------------------------ */

/* Client side: a segment to listener LISTENER, or (LISTENER < 0) to an
 * address and port no listener has now, or (LISTENER_LOOKUP) not looked
 * up yet: then only a segment that needs it looks (no flow, a new SYN on a
 * lingering tuple). Returns false, S untouched, when there is no listener
 * and no flow of S's tuple; otherwise S is consumed. */
#define LISTENER_LOOKUP (-2)
bool tcp_client_input(struct worker *w, struct seg *s, int listener);
/* Backend side: a segment to one of our source ports. */
void tcp_backend_input(struct worker *w, struct seg *s);
/* A flow's timer fired. */
void tcp_expire(struct worker *w, struct flow *f);
/* End of a loop iteration: connect the flows a backend connection was
 * freed for (max_conns). */
void tcp_ready(struct worker *w);

/* ---- tcp_request.c: per-request routing, first decisions -------------- */

/* The first request's header is complete: decide and connect. */
void req_decide_first(struct worker *w, struct flow *f);
/* The decided request's header is in the buffer: record how it is framed
 * (from w->req) and which of the buffered bytes belong to it. */
void req_decided(struct worker *w, struct flow *f);
/* More bytes in the buffer while the decided request waits for its leg. */
void req_buffer_grew(struct worker *w, struct flow *f);
/* The leg is connected: the request in the buffer is on its way. */
void req_on_leg(struct worker *w, struct flow *f);
/* A client data segment of a spliced per-request flow (consumes S). */
void req_client_data(struct worker *w, struct flow *f, struct seg *s);
/* A client segment without data: false when it was consumed here. */
bool req_client_ctl(struct worker *w, struct flow *f, struct seg *s);
/* The backend's FIN on an idle leg: true when it was consumed here. */
bool req_backend_fin(struct worker *w, struct flow *f, struct seg *s);
/* The backend acknowledged the whole buffered request: drop it from the
 * buffer and go on with what follows. */
void req_delivered(struct worker *w, struct flow *f);
/* Events that may let a held request go (a response ended, an ACK). */
void req_progress(struct worker *w, struct flow *f);
/* Timer of a spliced per-request flow; false: not ours, carry on. */
bool req_expire(struct worker *w, struct flow *f);
/* Answer STATUS once the pending response is complete. */
void req_fail(struct worker *w, struct flow *f, int status);

/* ---- tcp_decide.c: rules and injection --------------------------------- */

/* Decide the request in w->req for F: 0, or the status to answer. */
int flow_decide_rules(struct worker *w, struct flow *f);

/* ---- tcp_connect.c: connect, retries, connection limits ---------------- */

/* Is the current decision's target the leg F is spliced to? */
bool flow_target_is_leg(struct worker *w, const struct flow *f);
/* Connect the current decision's target as a new leg. */
void flow_connect_target(struct worker *w, struct flow *f);
/* The same in two steps: set f->b to the target (false: F was answered
 * or went on to another attempt), then connect it. Between them a leg
 * to that target may be taken from the idle pool instead (leg_take()). */
bool flow_target_set(struct worker *w, struct flow *f);
void flow_connect_start(struct worker *w, struct flow *f);
/* The connect attempt failed (RST or timeout): next backend, fail-open,
 * or an error response. */
void flow_connect_failed(struct worker *w, struct flow *f);
/* (Re)send the SYN of the current attempt. */
void flow_send_syn(struct worker *w, struct flow *f);
/* Connect the flows admitted to a backend's connection (max_conns) since
 * the last call. */
void flow_connect_ready(struct worker *w);
/* Timer of a flow in FS_QUEUED: its queue_ms is over (503). */
void flow_queue_expire(struct worker *w, struct flow *f);

/* ---- tcp_response.c: response framing --------------------------------- */

/* Follow backend segment S's bytes. Returns false when the segment must
 * not be forwarded (S consumed, the flow may be gone). */
bool resp_backend_data(struct worker *w, struct flow *f, struct seg *s);
/* A request was handed to the leg. */
void resp_expect(struct flow *f, bool head);

/* ---- tcp_splice.c: translation ---------------------------------------- */

/* The backend's SYN-ACK (consumed): set up the translation; the caller
 * then sends the buffered request (splice_push) and arms its RTO. */
void splice_established(struct worker *w, struct flow *f, struct seg *s);
/* F's backend side (f->b) is a connected leg whose next byte from us is
 * S_NEXT and from the backend B_NEXT: set up the translation of a new
 * request on it (the backend's SYN-ACK, or a leg from the idle pool). */
void splice_leg_begin(struct flow *f, uint32_t s_next, uint32_t b_next);
/* Whether spliced segment S must be dropped for its checksum: always
 * checked where it changes our state or its bytes are read. Inline: every
 * spliced segment asks, and almost every one gets "no" from the first
 * tests.
 *
 * Spliced segments are passed on unchecked, but one that changes our own
 * state (FIN, RST, or an ACK while we still own the buffered request) is
 * believed only with a good checksum. Per request, the bytes framing reads
 * (headers, chunk-size lines) must be the ones the endpoint will take: only
 * a segment that is opaque body data from end to end goes unchecked. */
static inline bool splice_csum_bad(const struct flow *f, const struct seg *s,
				   bool to_backend)
{
	if ((s->flags & (TCP_FIN | TCP_RST)) || f->hbuf != NULL)
		return !seg_csum_ok(s);
	if (!f->per_req || s->len == 0)
		return false;
	const struct hf_body *b = to_backend ? &f->rq_body : &f->rs_body;
	uint32_t at = to_backend ? f->rq_frame : f->rs_frame;
	bool body = to_backend ? f->rq == RQ_BODY : f->rs == RS_BODY;
	if (to_backend ? f->rq == RQ_TUNNEL : f->rs == RS_TUNNEL)
		return false;
	if (body && SEQ_LEQ(s->seq, at) &&
	    (uint64_t)(s->seq + s->len - at) <= hf_body_opaque(b))
		return false;
	if (SEQ_LEQ(s->seq + s->len, at))
		return false;     /* framed already: passed on as it is */
	return !seg_csum_ok(s);
}
/* Translate a client segment towards the backend. */
void splice_to_backend(struct worker *w, struct flow *f, struct seg *s);
/* A client segment of a lingering flow whose backend leg is over (its
 * source port given back): answered here as TIME-WAIT would. */
void splice_linger_client(struct worker *w, struct flow *f, struct seg *s);
/* Translate a backend segment towards the client. Returns true when it
 * delivered a per-request flow's whole buffered request (the caller goes
 * on: req_delivered). */
bool splice_to_client(struct worker *w, struct flow *f, struct seg *s);
/* Send buffered bytes the backend's window allows. */
void splice_push(struct worker *w, struct flow *f, bool retransmit);
/* Send the client's bytes [FROM, TO) of S to the backend as a segment of
 * our own, at client sequence + C2B (S is not consumed). */
void splice_client_bytes(struct worker *w, struct flow *f, const struct seg *s,
			 uint32_t from, uint32_t to, uint32_t c2b);
/* Rewrite and forward client segment S in place with C2B. */
void splice_client_seg(struct worker *w, struct flow *f, struct seg *s,
		       uint32_t c2b);

/* ---- tcp_leg.c: backend legs without a client ------------------------- */

/* Detach F's backend leg into an entry of its own that closes it with a
 * FIN (or an RST when no entry is free); F is left without a leg. */
void leg_detach(struct worker *w, struct flow *f);
/* The same, but a leg that may carry another request (quiet, open both
 * ways, no connection limit) waits in the worker's idle pool for one
 * (dataplane.pool_max, timeouts.pool_idle_ms), as HAProxy's http-reuse
 * safe; otherwise it is closed as leg_detach() does. */
void leg_leave(struct worker *w, struct flow *f);
/* F is about to connect its target (f->b, f->vxlan... set): take an idle
 * leg to it from the pool if one fits (the same SYN options as F's own
 * would be). Then F is spliced to it (splice_leg_begin()) and true. */
bool leg_take(struct worker *w, struct flow *f);
/* Backend segment to a leg entry (idle or closing). */
void leg_input(struct worker *w, struct flow *f, struct seg *s);
/* Its timer. */
void leg_expire(struct worker *w, struct flow *f);

/* The MSS our SYN to F's target says: what the client's side can carry,
 * less VXLAN's 50 bytes for an overlay target (whose segments come back
 * wrapped). */
static inline uint16_t leg_syn_mss(const struct dp_shared *sh, const struct flow *f)
{
	uint16_t mss = (uint16_t)(sh->ports[f->c.port].mtu - 40 -
				  (f->vxlan ? VXLAN_OVERHEAD : 0));

	return f->c_mss < mss ? f->c_mss : mss;
}

/* ---- tcp_client.c: what the router itself sends and keeps ------------- */

/* Our ISN (RFC 6528: a 4 us clock plus a keyed hash of the tuple). */
uint32_t isn_make(struct worker *w, uint32_t a, uint32_t b, uint32_t ports);
/* A client segment to LISTENER with no flow. A SYN: create the flow and
 * answer SYN-ACK, or answer with a SYN cookie and keep nothing. An ACK
 * that returns a valid cookie: the new flow, in FS_HEADER, with S left
 * for the caller to take in as header bytes. Anything else: RST. NULL
 * when S was consumed. */
struct flow *flow_accept(struct worker *w, struct seg *s, unsigned listener);
/* (Re)send F's SYN-ACK. */
void flow_synack(struct worker *w, struct flow *f);
/* ACK the client's contiguous data; advertise what is left of the header
 * buffer. */
void client_ack(struct worker *w, struct flow *f);
/* Give F a header buffer when it has none: when none is free, close the
 * slowest connection still sending its first header (408) if it had its
 * buffer long enough, and take its buffer. */
bool hbuf_take(struct worker *w, struct flow *f);
#define COL_ADVANCED (-1)        /* the contiguous bytes grew */
#define COL_KEPT (-2)            /* stored out of order */
/* Store LEN bytes of DATA at client sequence SEQ in F's buffer (from
 * f->h_seq). Returns COL_ADVANCED, COL_KEPT, or the drop reason. */
int flow_collect(struct worker *w, struct flow *f, uint32_t seq,
		 const char *data, uint32_t len);
/* Drop the buffer's first N client bytes (all of a header, if it holds
 * one past them: N >= hdr_end or hdr_end == 0); what follows moves to the
 * front and h_seq moves on. */
void hbuf_drop_front(struct flow *f, uint32_t n);
/* Parse the buffered request header (resumable): > 0 its length (then
 * f->hdr_end is set and w->req holds the result), HTTP_INCOMPLETE, or
 * HTTP_ERROR with w->req.error (a full buffer is HTTP_ERR_TOO_LARGE). */
int flow_parse(struct worker *w, struct flow *f);

/* ---- tcp_respond.c: our own responses, close helpers ------------------ */

/* steerd is stopping (the worker left its loop): every connection it holds
 * gets an RST on each side that is open, so that a client of a node that
 * leaves learns it at once — even one that only receives and would never
 * send a segment another node could answer (docs/scale-out.md). Frames go
 * out before it returns. */
void tcp_shutdown(struct worker *w);

/* Answer the client with STATUS and close (400, 405, 408, 431, 502, 503;
 * 0: a bare FIN). */
void flow_respond(struct worker *w, struct flow *f, int status);
/* A client segment while our response is out (FS_RESPOND, or LINGER
 * after it). */
void flow_respond_input(struct worker *w, struct flow *f, struct seg *s);
/* FS_RESPOND's timer: resend, or give up. */
void flow_respond_expire(struct worker *w, struct flow *f);
/* Enter LINGER: keep the entry for linger_ms, then free it. */
void flow_linger(struct worker *w, struct flow *f, enum steer_counter why);
/* RST to the client at the backend's next byte and to the backend at
 * SEQ_B (backend space). */
void flow_reset_both(struct worker *w, struct flow *f, uint32_t seq_b);

#endif
