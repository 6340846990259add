/* steer-gen's TCP endpoint (see gen_tcp.h for what it leaves out). */
#include <string.h>

#include "gen_tcp.h"

/* Sequence-space comparisons (RFC 9293 section 3.4): modulo 2^32. */
static inline bool seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }

#define RTO_MAX_MS 6400u
#define DEFAULT_MSS 536u          /* RFC 9293 section 3.7.1: no option */

static void arm(struct gtcp *t, uint64_t now)
{
	t->rto_at = now + t->rto_ms;
}

static void start(struct gtcp *t, uint32_t iss, uint16_t mss, uint64_t now)
{
	memset(t, 0, sizeof(*t));
	t->iss = iss;
	t->snd_una = iss;
	t->snd_nxt = t->snd_max = t->snd_end = iss + 1;
	t->mss = mss;
	t->rto_ms = GTCP_RTO_MS;
	arm(t, now);
}

void gtcp_connect(struct gtcp *t, uint32_t iss, uint16_t mss, uint64_t now,
		  gtcp_emit_fn emit, void *ctx)
{
	start(t, iss, mss, now);
	t->state = GTCP_SYN_SENT;
	emit(ctx, t, iss, GTCP_SYN, 0, 0);
}

static uint16_t min_mss(uint16_t ours, uint16_t peer)
{
	if (peer == 0)
		peer = DEFAULT_MSS;
	return peer < ours ? peer : ours;
}

void gtcp_accept(struct gtcp *t, const struct gtcp_seg *s, uint32_t iss,
		 uint16_t mss, uint64_t now, gtcp_emit_fn emit, void *ctx)
{
	start(t, iss, min_mss(mss, s->mss), now);
	t->state = GTCP_SYN_RCVD;
	t->irs = s->seq;
	t->rcv_nxt = s->seq + 1;
	t->snd_wnd = s->win;
	emit(ctx, t, iss, GTCP_SYN | GTCP_ACK, 0, 0);
}

static unsigned on_rst(struct gtcp *t, const struct gtcp_seg *s)
{
	bool ok;

	if (t->state == GTCP_SYN_SENT) {
		/* RFC 9293 section 3.10.7.3: acceptable if it ACKs our SYN. */
		ok = (s->flags & GTCP_ACK) && s->ack == t->iss + 1;
	} else {
		/* RFC 5961 section 3.2: only an exact match resets; one
		 * elsewhere in the window earns a challenge ACK. */
		ok = s->seq == t->rcv_nxt;
		if (!ok && seq_gt(s->seq, t->rcv_nxt) &&
		    seq_lt(s->seq, t->rcv_nxt + GTCP_WINDOW))
			t->ack_now = true;
	}
	if (!ok)
		return GTCP_EV_BAD;
	t->state = GTCP_CLOSED;
	t->rto_at = 0;
	return GTCP_EV_RESET;
}

static unsigned on_ack(struct gtcp *t, const struct gtcp_seg *s, uint64_t now)
{
	unsigned ev = 0;

	if (seq_gt(s->ack, t->snd_max)) {
		/* RFC 9293 section 3.10.7.4: ACK of something not yet sent. */
		t->ack_now = true;
		return GTCP_EV_BAD;
	}
	if (seq_gt(s->ack, t->snd_una)) {
		t->snd_una = s->ack;
		if (seq_lt(t->snd_nxt, t->snd_una))
			t->snd_nxt = t->snd_una;
		t->retries = 0;
		t->rto_ms = GTCP_RTO_MS;
		if (t->fin_queued && s->ack == t->snd_end + 1)
			t->fin_acked = true;
		/* RFC 6298 section 5.3: restart the timer on new data ACKed. */
		if (t->snd_una == t->snd_max)
			t->rto_at = 0;
		else
			arm(t, now);
		ev |= GTCP_EV_ACKED;
	}
	t->snd_wnd = s->win;
	return ev;
}

static unsigned on_data(struct gtcp *t, const struct gtcp_seg *s,
			uint32_t *data_off, uint32_t *data_len)
{
	uint32_t seq = s->seq, len = s->len, off = 0;
	bool fin = s->flags & GTCP_FIN;
	unsigned ev = 0;

	if (len == 0 && !fin)
		return 0;
	if (seq_lt(seq, t->rcv_nxt)) {
		uint32_t skip = t->rcv_nxt - seq;
		if (skip > len) {
			/* Wholly old (a retransmission, maybe of the FIN):
			 * our ACK was lost, send it again. */
			t->ack_now = true;
			return 0;
		}
		off = skip;
		len -= skip;
		seq = t->rcv_nxt;
	}
	if (seq != t->rcv_nxt) {
		/* Out of order: not kept; the duplicate ACK tells the peer
		 * where we are (RFC 9293 section 3.10.7.4). */
		t->ack_now = true;
		return 0;
	}
	if (t->peer_fin) {
		if (len)
			return GTCP_EV_BAD;  /* data after the peer's FIN */
		return 0;
	}
	if (len) {
		t->rcv_nxt += len;
		*data_off = off;
		*data_len = len;
		ev |= GTCP_EV_DATA;
	}
	if (fin) {
		t->rcv_nxt++;
		t->peer_fin = true;
		ev |= GTCP_EV_PEER_FIN;
	}
	t->ack_now = true;
	return ev;
}

unsigned gtcp_input(struct gtcp *t, const struct gtcp_seg *s, uint64_t now,
		    gtcp_emit_fn emit, void *ctx, uint32_t *data_off,
		    uint32_t *data_len)
{
	unsigned ev = 0;

	*data_len = 0;
	*data_off = 0;
	if (t->state == GTCP_CLOSED)
		return GTCP_EV_BAD;
	if (s->flags & GTCP_RST)
		return on_rst(t, s);
	switch (t->state) {
	case GTCP_SYN_SENT:
		if (!(s->flags & GTCP_SYN) || !(s->flags & GTCP_ACK) ||
		    s->ack != t->iss + 1)
			return GTCP_EV_BAD;
		t->irs = s->seq;
		t->rcv_nxt = s->seq + 1;
		t->snd_una = t->iss + 1;
		t->snd_wnd = s->win;
		t->mss = min_mss(t->mss, s->mss);
		t->state = GTCP_ESTABLISHED;
		t->rto_at = 0;
		t->retries = 0;
		t->rto_ms = GTCP_RTO_MS;
		t->ack_now = true;
		return GTCP_EV_ESTABLISHED;
	case GTCP_SYN_RCVD:
		if ((s->flags & GTCP_SYN) && s->seq == t->irs) {
			/* The peer did not get our SYN-ACK. */
			emit(ctx, t, t->iss, GTCP_SYN | GTCP_ACK, 0, 0);
			return 0;
		}
		if (!(s->flags & GTCP_ACK) || s->ack != t->iss + 1)
			return GTCP_EV_BAD;
		t->state = GTCP_ESTABLISHED;
		t->snd_una = t->iss + 1;
		t->rto_at = 0;
		t->retries = 0;
		t->rto_ms = GTCP_RTO_MS;
		ev |= GTCP_EV_ESTABLISHED;
		break;
	default:
		if (s->flags & GTCP_SYN) {
			/* Our handshake ACK was lost: the peer repeats. */
			if (s->seq != t->irs)
				return GTCP_EV_BAD;
			t->ack_now = true;
			return 0;
		}
		if (!(s->flags & GTCP_ACK))
			return GTCP_EV_BAD;
		break;
	}
	unsigned a = on_ack(t, s, now);
	if (a & GTCP_EV_BAD)
		return ev | a;
	ev |= a | on_data(t, s, data_off, data_len);
	if (t->state == GTCP_ESTABLISHED && t->peer_fin && t->fin_acked) {
		t->state = GTCP_DONE;
		t->rto_at = 0;
		ev |= GTCP_EV_DONE;
	}
	return ev;
}

void gtcp_queue(struct gtcp *t, uint32_t len)
{
	t->snd_end += len;
}

void gtcp_close(struct gtcp *t)
{
	t->fin_queued = true;
}

void gtcp_output(struct gtcp *t, uint64_t now, gtcp_emit_fn emit, void *ctx)
{
	bool sent = false;

	if (t->state == GTCP_DONE) {
		/* The ACK of the peer's FIN that completed the close. */
		if (t->ack_now)
			emit(ctx, t, t->snd_nxt, GTCP_ACK, gtcp_off(t, t->snd_nxt), 0);
		t->ack_now = false;
		return;
	}
	if (t->state != GTCP_ESTABLISHED)
		return;
	while (seq_lt(t->snd_nxt, t->snd_end)) {
		uint32_t inflight = t->snd_nxt - t->snd_una;
		if (inflight >= t->snd_wnd)
			break;
		uint32_t n = t->snd_end - t->snd_nxt;
		if (n > t->mss)
			n = t->mss;
		if (n > t->snd_wnd - inflight)
			n = t->snd_wnd - inflight;
		uint8_t flags = GTCP_ACK;
		if (t->snd_nxt + n == t->snd_end) {
			flags |= GTCP_PSH;
			if (t->fin_queued)
				flags |= GTCP_FIN;
		}
		emit(ctx, t, t->snd_nxt, flags, gtcp_off(t, t->snd_nxt), n);
		t->snd_nxt += n + !!(flags & GTCP_FIN);
		sent = true;
	}
	if (t->fin_queued && t->snd_nxt == t->snd_end) {
		emit(ctx, t, t->snd_end, GTCP_ACK | GTCP_FIN,
		     gtcp_off(t, t->snd_end), 0);
		t->snd_nxt = t->snd_end + 1;
		sent = true;
	}
	if (sent) {
		if (seq_gt(t->snd_nxt, t->snd_max))
			t->snd_max = t->snd_nxt;
		if (t->rto_at == 0)
			arm(t, now);
	} else if (t->ack_now) {
		emit(ctx, t, t->snd_nxt, GTCP_ACK, gtcp_off(t, t->snd_nxt), 0);
	}
	t->ack_now = false;
}

unsigned gtcp_timer(struct gtcp *t, uint64_t now, gtcp_emit_fn emit, void *ctx)
{
	if (t->rto_at == 0 || now < t->rto_at)
		return 0;
	if (++t->retries > GTCP_MAX_RETRIES) {
		t->state = GTCP_CLOSED;
		t->rto_at = 0;
		return GTCP_EV_TIMEOUT;
	}
	/* RFC 6298 section 5.5: back off the timer. */
	t->rto_ms = (uint16_t)(t->rto_ms * 2 > RTO_MAX_MS ? RTO_MAX_MS : t->rto_ms * 2);
	arm(t, now);
	switch (t->state) {
	case GTCP_SYN_SENT:
		emit(ctx, t, t->iss, GTCP_SYN, 0, 0);
		break;
	case GTCP_SYN_RCVD:
		emit(ctx, t, t->iss, GTCP_SYN | GTCP_ACK, 0, 0);
		break;
	case GTCP_ESTABLISHED:
		/* Go-back-N from the first unacknowledged byte. */
		t->snd_nxt = t->snd_una;
		gtcp_output(t, now, emit, ctx);
		break;
	default:
		t->rto_at = 0;
		return 0;
	}
	return GTCP_EV_RETRANSMIT;
}

bool gtcp_timewait(const struct gtcp_seg *s, struct gtcp *t, uint32_t *seq)
{
	if ((s->flags & (GTCP_FIN | GTCP_ACK | GTCP_SYN | GTCP_RST)) !=
	    (GTCP_FIN | GTCP_ACK))
		return false;
	memset(t, 0, sizeof(*t));
	t->state = GTCP_DONE;
	t->rcv_nxt = s->seq + s->len + 1;
	/* our FIN was acknowledged: the peer's ACK field is our SND.NXT */
	t->snd_nxt = t->snd_una = t->snd_max = s->ack;
	t->iss = s->ack - 1;      /* offsets are not used: no payload */
	t->snd_end = s->ack;
	*seq = s->ack;
	return true;
}

const char *gtcp_state_name(const struct gtcp *t)
{
	switch (t->state) {
	case GTCP_CLOSED: return "CLOSED";
	case GTCP_SYN_SENT: return "SYN-SENT";
	case GTCP_SYN_RCVD: return "SYN-RECEIVED";
	case GTCP_DONE: return "DONE";
	default: break;
	}
	if (t->peer_fin && t->fin_queued)
		return t->fin_acked ? "TIME-WAIT" : "CLOSING/LAST-ACK";
	if (t->peer_fin)
		return "CLOSE-WAIT";
	if (t->fin_queued)
		return t->fin_acked ? "FIN-WAIT-2" : "FIN-WAIT-1";
	return "ESTABLISHED";
}
