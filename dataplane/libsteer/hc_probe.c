/* One health check's TCP exchange (hc_probe.h). */
#include <string.h>

#include "hc_probe.h"

/* "HTTP/1.1 200" and the byte after it. */
#define STATUS_LINE_MIN 13

int hc_status_line(const char *line, unsigned len)
{
	/* RFC 9112 section 4: HTTP-version SP 3DIGIT SP [reason]. A missing
	 * reason with its SP also missing is common enough to take. Only
	 * major version 1 speaks this grammar. */
	static const char shape[] = "HTTP/1.d ddd";

	for (unsigned i = 0; i < len && i < sizeof(shape) - 1; i++) {
		char c = line[i];
		if (shape[i] == 'd' ? (c < '0' || c > '9') : c != shape[i])
			return -1;
	}
	if (len < STATUS_LINE_MIN)
		return -2;
	if (line[12] != ' ' && line[12] != '\r')
		return -1;
	return (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
}

static struct hc_result finish(struct hc_probe *p, enum hc_reason reason,
			       uint16_t status)
{
	p->state = HCP_IDLE;
	return (struct hc_result){ .done = true, .reason = reason,
				   .status = status };
}

/* Our end of an established check: RST at our next sequence number. */
static void reset(const struct hc_probe *p, struct hc_tx *tx)
{
	*tx = (struct hc_tx){ .send = true, .flags = HC_RST | HC_ACK,
			      .seq = p->snd_nxt, .ack = p->rcv_nxt };
}

void hc_probe_start(struct hc_probe *p, uint32_t iss, uint32_t req_len,
		    uint64_t now, uint32_t timeout_ms, struct hc_tx *tx)
{
	memset(p, 0, sizeof(*p));
	p->state = HCP_SYN_SENT;
	p->iss = iss;
	p->snd_nxt = iss + 1;
	p->req_len = req_len;
	p->deadline = now + timeout_ms;
	*tx = (struct hc_tx){ .send = true, .flags = HC_SYN, .seq = iss };
}

static struct hc_result syn_sent(struct hc_probe *p, const struct hc_seg *s,
				 struct hc_tx *tx)
{
	bool acks_syn = (s->flags & HC_ACK) && s->ack == p->iss + 1;

	/* RFC 9293 section 3.10.7.3: in SYN-SENT an RST is acceptable only
	 * with an ACK of our SYN (the connection was refused). */
	if (s->flags & HC_RST)
		return acks_syn ? finish(p, HC_R_rst, 0) : (struct hc_result){ 0 };
	if (!(s->flags & HC_SYN) || !acks_syn)
		return (struct hc_result){ 0 };
	p->rcv_nxt = s->seq + 1;
	p->snd_nxt = p->iss + 1 + p->req_len;
	p->state = HCP_WAIT;
	/* The request rides on the ACK that completes the handshake. */
	*tx = (struct hc_tx){ .send = true, .flags = HC_ACK | HC_PSH,
			      .seq = p->iss + 1, .ack = p->rcv_nxt, .req = true };
	return (struct hc_result){ 0 };
}

static struct hc_result waiting(struct hc_probe *p, const struct hc_seg *s,
				struct hc_tx *tx)
{
	if (s->flags & HC_RST) {
		/* Anywhere in a window's worth from what we expect: we are
		 * not worth a blind attacker's effort, and being strict here
		 * (RFC 5961) would only turn the backend's RST into a
		 * timeout. */
		return (uint32_t)(s->seq - p->rcv_nxt) < 65535 ?
			finish(p, HC_R_rst, 0) : (struct hc_result){ 0 };
	}
	if (s->flags & HC_SYN) {
		/* The SYN-ACK again: our ACK with the request was lost. */
		if ((s->flags & HC_ACK) && s->ack == p->iss + 1 &&
		    s->seq + 1 == p->rcv_nxt)
			*tx = (struct hc_tx){ .send = true, .flags = HC_ACK | HC_PSH,
					      .seq = p->iss + 1, .ack = p->rcv_nxt,
					      .req = true };
		return (struct hc_result){ 0 };
	}
	if (!(s->flags & HC_ACK))
		return (struct hc_result){ 0 };
	int32_t off = (int32_t)(p->rcv_nxt - s->seq);
	bool fin = (s->flags & HC_FIN) != 0;
	if (off < 0) {
		/* A gap: ask for what we miss. */
		*tx = (struct hc_tx){ .send = true, .flags = HC_ACK,
				      .seq = p->snd_nxt, .ack = p->rcv_nxt };
		return (struct hc_result){ 0 };
	}
	if ((uint32_t)off > s->len || ((uint32_t)off == s->len && !fin))
		return (struct hc_result){ 0 };   /* nothing new */
	uint32_t take = s->len - (uint32_t)off;
	uint32_t room = HC_LINE_MAX - p->line_len;
	uint32_t keep = take < room ? take : room;
	if (keep > 0) {
		memcpy(p->line + p->line_len, s->data + off, keep);
		p->line_len = (uint8_t)(p->line_len + keep);
	}
	p->rcv_nxt += take + fin;
	int st = hc_status_line(p->line, p->line_len);
	if (st == -2 && !fin) {
		*tx = (struct hc_tx){ .send = true, .flags = HC_ACK,
				      .seq = p->snd_nxt, .ack = p->rcv_nxt };
		return (struct hc_result){ 0 };
	}
	reset(p, tx);
	if (st < 0)
		return finish(p, HC_R_bad_response, 0);
	return finish(p, st >= 200 && st < 400 ? HC_R_none : HC_R_status,
		      (uint16_t)st);
}

struct hc_result hc_probe_input(struct hc_probe *p, const struct hc_seg *s,
				struct hc_tx *tx)
{
	*tx = (struct hc_tx){ 0 };
	switch (p->state) {
	case HCP_SYN_SENT:
		return syn_sent(p, s, tx);
	case HCP_WAIT:
		return waiting(p, s, tx);
	default:
		return (struct hc_result){ 0 };
	}
}

struct hc_result hc_probe_timeout(struct hc_probe *p, uint64_t now,
				  struct hc_tx *tx)
{
	*tx = (struct hc_tx){ 0 };
	if (p->state == HCP_IDLE || now < p->deadline)
		return (struct hc_result){ 0 };
	if (p->state == HCP_SYN_SENT)
		/* A SYN-ACK may be on its way: the RST clears the half-open
		 * connection it made (RFC 9293 section 3.10.7.4). */
		*tx = (struct hc_tx){ .send = true, .flags = HC_RST,
				      .seq = p->iss + 1 };
	else
		reset(p, tx);
	return finish(p, HC_R_timeout, 0);
}
