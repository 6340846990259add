/* steer-gen's own TCP: the minimal, correct subset both of its ends need
 * (RFC 9293): handshake, in-order data with cumulative ACKs, go-back-N
 * retransmission on a doubling timer, FIN in either order, RST. No
 * options but MSS, no window scaling, no SACK, no out-of-order queue: the
 * peer (steerd, over memif or a veth) rarely loses a frame, and when it
 * does, retransmission from the first unacknowledged byte is enough.
 *
 * Pure C, no EAL: the unit tests drive it with crafted segments. The
 * caller owns the bytes: a TCB only counts stream offsets, and asks the
 * caller (through an emit callback) to send "SEQ, FLAGS, stream bytes
 * [OFF, OFF+LEN)". */
#ifndef STEER_GEN_TCP_H
#define STEER_GEN_TCP_H

#include <stdbool.h>
#include <stdint.h>

#define GTCP_FIN 0x01
#define GTCP_SYN 0x02
#define GTCP_RST 0x04
#define GTCP_PSH 0x08
#define GTCP_ACK 0x10

#define GTCP_WINDOW 65535u        /* no window scaling: fits the field */
#define GTCP_RTO_MS 200u          /* first retransmission; local paths */
#define GTCP_MAX_RETRIES 6        /* 200 ms doubling: ~25 s in all */

enum gtcp_state {
	GTCP_CLOSED,              /* not in use, or reset */
	GTCP_SYN_SENT,
	GTCP_SYN_RCVD,
	GTCP_ESTABLISHED,         /* also the half-closed states: see flags */
	GTCP_DONE,                /* both FINs sent and acknowledged */
};

/* Events gtcp_input() and gtcp_timer() report (a bit set). */
#define GTCP_EV_ESTABLISHED 0x01  /* handshake completed */
#define GTCP_EV_DATA        0x02  /* new in-order bytes: *data_off, *data_len */
#define GTCP_EV_ACKED       0x04  /* snd_una moved */
#define GTCP_EV_PEER_FIN    0x08  /* the peer closed its direction */
#define GTCP_EV_DONE        0x10  /* both directions closed: free it */
#define GTCP_EV_RESET       0x20  /* acceptable RST: free it */
#define GTCP_EV_TIMEOUT     0x40  /* retries exhausted: caller sends RST */
#define GTCP_EV_BAD         0x80  /* unacceptable segment (ignored) */
#define GTCP_EV_RETRANSMIT 0x100  /* gtcp_timer() sent again */

struct gtcp {
	uint32_t iss, irs;
	uint32_t snd_una;         /* oldest unacknowledged sequence number */
	uint32_t snd_nxt;         /* next to send (moves back on timeout) */
	uint32_t snd_max;         /* highest ever sent + 1 */
	uint32_t snd_end;         /* sequence number after the last queued byte */
	uint32_t rcv_nxt;
	uint32_t snd_wnd;         /* peer's window, unscaled */
	uint64_t rto_at;          /* ms; 0: timer off */
	uint16_t rto_ms;
	uint16_t mss;             /* min(ours, peer's) */
	uint8_t state;
	uint8_t retries;
	bool fin_queued;          /* caller closed: FIN follows snd_end */
	bool fin_acked;
	bool peer_fin;
	bool ack_now;             /* an ACK is owed */
};

struct gtcp_seg {
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t mss;             /* SYN option; 0: absent */
	uint32_t len;             /* payload bytes */
};

/* Send SEQ with FLAGS carrying stream bytes [OFF, OFF+LEN) (LEN may be 0);
 * a SYN carries our MSS option. CTX is the caller's. */
typedef void (*gtcp_emit_fn)(void *ctx, const struct gtcp *t, uint32_t seq,
			     uint8_t flags, uint32_t off, uint32_t len);

/* Client: start T with ISS and our MSS, emit the SYN. */
void gtcp_connect(struct gtcp *t, uint32_t iss, uint16_t mss, uint64_t now,
		  gtcp_emit_fn emit, void *ctx);

/* Server: T answers the SYN S with ISS (SYN-ACK emitted). */
void gtcp_accept(struct gtcp *t, const struct gtcp_seg *s, uint32_t iss,
		 uint16_t mss, uint64_t now, gtcp_emit_fn emit, void *ctx);

/* Process segment S at NOW. On GTCP_EV_DATA, the new bytes are the
 * segment's payload [*data_off, *data_off + *data_len). Returns events;
 * call gtcp_output() afterwards (after queueing any answer) to send what
 * is owed. */
unsigned gtcp_input(struct gtcp *t, const struct gtcp_seg *s, uint64_t now,
		    gtcp_emit_fn emit, void *ctx, uint32_t *data_off,
		    uint32_t *data_len);

/* Queue LEN more stream bytes (the caller can produce them again until
 * they are acknowledged). */
void gtcp_queue(struct gtcp *t, uint32_t len);

/* Close our direction: FIN after the queued bytes. */
void gtcp_close(struct gtcp *t);

/* Send what the window allows, the FIN, or an owed ACK. */
void gtcp_output(struct gtcp *t, uint64_t now, gtcp_emit_fn emit, void *ctx);

/* Retransmission timer: at or after rto_at go back to snd_una and send
 * again; returns GTCP_EV_RETRANSMIT when it did, GTCP_EV_TIMEOUT when
 * retries are exhausted, else 0. */
unsigned gtcp_timer(struct gtcp *t, uint64_t now, gtcp_emit_fn emit, void *ctx);

/* Segment S came for no connection we hold. We free a TCB as soon as both
 * FINs are acknowledged, keeping no TIME-WAIT (the tables are sized for
 * the concurrency, not for a closing rate), so a FIN here is most likely
 * the peer's FIN again because our last ACK was lost; left unanswered,
 * the peer retransmits until whatever holds the tuple in between (the
 * router's linger) forgets it and resets. Answer it as TIME-WAIT would
 * (RFC 9293 section 3.10.7.4: acknowledge it): returns true with T and
 * *SEQ set so that emit(ctx, T, *SEQ, GTCP_ACK, 0, 0) sends that ACK;
 * false for any other segment (ignored). */
bool gtcp_timewait(const struct gtcp_seg *s, struct gtcp *t, uint32_t *seq);

/* Stream offset of sequence number SEQ (first data byte is offset 0). */
static inline uint32_t gtcp_off(const struct gtcp *t, uint32_t seq)
{
	return seq - t->iss - 1;
}

/* All queued bytes acknowledged. */
static inline bool gtcp_all_acked(const struct gtcp *t)
{
	/* after our FIN is acknowledged snd_una is snd_end + 1 */
	return (int32_t)(t->snd_una - t->snd_end) >= 0;
}

const char *gtcp_state_name(const struct gtcp *t);

#endif
