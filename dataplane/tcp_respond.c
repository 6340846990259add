/* The router's own answers on a flow's client side: the short responses
 * it writes itself (400, 405, 408, 431, 502, 503, or a bare FIN), their
 * retransmission and the client's segments while they are out, and the
 * close helpers (linger, an RST to both sides). Below every stage that
 * decides, beside tcp_client.c. */
#include <string.h>

#include "flow.h"
#include "pkt.h"
#include "stats.h"
#include "tcp.h"

/* Our responses, whole, built by the compiler: no formatting on the error
 * paths. Each row: status, reason, its body's length (checked below),
 * extra header lines. RFC 9110 section 15.5.6: only CONNECT gets 405. */
#define RESP_ALLOW "Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n"
#define OUR_RESPONSES(X)                                                     \
	X(400, "Bad Request", 23, "")                                        \
	X(405, "Method Not Allowed", 30, RESP_ALLOW)                         \
	X(408, "Request Timeout", 27, "")                                    \
	X(431, "Request Header Fields Too Large", 43, "")                    \
	X(502, "Bad Gateway", 23, "")                                        \
	X(503, "Service Unavailable", 31, "")
#define RESP_BODY(code, reason) "steer: " #code " " reason "\n"
#define RESP_TEXT(code, reason, blen, extra)                                 \
	"HTTP/1.1 " #code " " reason "\r\nContent-Type: text/plain\r\n" extra  \
	"Content-Length: " #blen "\r\nConnection: close\r\n\r\n"              \
	RESP_BODY(code, reason)
#define RESP_CHECK(code, reason, blen, extra)                                \
	_Static_assert(sizeof(RESP_BODY(code, reason)) - 1 == blen,          \
		       "Content-Length of our " #code);
OUR_RESPONSES(RESP_CHECK)

static const struct our_response {
	int status;
	unsigned len;
	const char *text;
} our_responses[] = {
#define RESP_ROW(code, reason, blen, extra)                                  \
	{ code, sizeof(RESP_TEXT(code, reason, blen, extra)) - 1,            \
	  RESP_TEXT(code, reason, blen, extra) },
	OUR_RESPONSES(RESP_ROW)
#undef RESP_ROW
	/* any other status (none is sent today) */
	{ 0, sizeof(RESP_TEXT(500, "Error", 17, "")) - 1,
	  RESP_TEXT(500, "Error", 17, "") },
};
RESP_CHECK(500, "Error", 17, "")

/* F's response: its text and length (0: a bare FIN). */
static unsigned response_text(const struct flow *f, const char **text)
{
	unsigned i = 0;

	*text = "";
	if (f->status == 0)
		return 0;
	while (our_responses[i].status != 0 && our_responses[i].status != f->status)
		i++;
	*text = our_responses[i].text;
	return our_responses[i].len;
}

static void send_response(struct worker *w, struct flow *f)
{
	const char *buf;
	unsigned n = response_text(f, &buf);
	/* Their FIN, if they sent one, takes a sequence number too; and it
	 * must fit our window (RFC 9293 3.8.6: Linux will not send a FIN
	 * into a zero window, it probes), so never advertise 0 here. */
	uint16_t win = client_window(f, w->sh->conf->dataplane.header_max);
	struct rte_mbuf *m = tcp_build(w, &f->c, f->r_base,
				       f->c_fin ? f->c_snd : f->h_seq + f->hlen,
				       TCP_ACK | TCP_PSH | TCP_FIN, win ? win : 1,
				       NULL, 0, buf, n);
	f->resp_len = (uint16_t)n;
	if (m)
		tx_send(w, f->c.port, m);
}

void flow_respond(struct worker *w, struct flow *f, int status)
{
	switch (status) {
	case 400: w->st.cnt[CNT_http_400]++; break;
	case 405: w->st.cnt[CNT_http_405]++; break;
	case 408: w->st.cnt[CNT_http_408]++; break;
	case 431: w->st.cnt[CNT_http_431]++; break;
	case 502: w->st.cnt[CNT_http_502]++; break;
	case 503: w->st.cnt[CNT_http_503]++; break;
	}
	flow_put_sport(w, f);
	flow_hq_del(w, f);        /* answered: never evicted (again) */
	f->status = (int16_t)status;
	f->state = FS_RESPOND;
	f->retries = 0;
	send_response(w, f);
	flow_timer(w, f, 200);
}

/* How a flow that ended with our own response is counted: an error
 * response, or (status 0) a plain close of a connection that sent nothing. */
static enum steer_counter respond_outcome(const struct flow *f)
{
	return f->status ? CNT_closed_http_error : CNT_closed_fin;
}

void flow_respond_input(struct worker *w, struct flow *f, struct seg *s)
{
	uint32_t our_end = f->r_base + f->resp_len + 1;

	if (s->flags & TCP_RST) {
		/* RFC 5961 section 3.2: only at the next byte we expect; in
		 * the window otherwise, a challenge ACK. */
		uint32_t nxt = f->c_fin ? f->c_snd : f->h_seq + f->hlen;
		if (s->seq != nxt) {
			if (s->seq - nxt < w->sh->conf->dataplane.header_max) {
				struct rte_mbuf *m = tcp_build(w, &f->c, our_end, nxt, TCP_ACK,
							       1, NULL, 0, NULL, 0);
				if (m)
					tx_send(w, f->c.port, m);
				count_drop(w, DROP_rst_challenged, s->m);
			} else {
				count_drop(w, DROP_tcp_out_of_window, s->m);
			}
			return;
		}
		w->st.cnt[respond_outcome(f)]++;
		flow_free(w, f);
		count_consumed(w, s->m);
		return;
	}
	if ((s->flags & TCP_ACK) && s->ack == our_end) {
		f->resp_acked = true;
		if (f->c_fin && !(s->flags & TCP_FIN)) {
			flow_linger(w, f, respond_outcome(f));
			count_consumed(w, s->m);
			return;
		}
	}
	if (s->flags & TCP_FIN) {
		/* Their FIN: acknowledge it. We are done once our response and
		 * FIN are acknowledged too; until then the response timer
		 * keeps resending them (acknowledging this FIN as well). */
		f->c_fin = true;
		f->c_snd = s->seq + s->len + 1;
		struct rte_mbuf *m = tcp_build(w, &f->c, our_end, f->c_snd, TCP_ACK,
					       0, NULL, 0, NULL, 0);
		if (m)
			tx_send(w, f->c.port, m);
		if (f->resp_acked)
			flow_linger(w, f, respond_outcome(f));
		count_consumed(w, s->m);
		return;
	}
	if (s->len)
		count_drop(w, DROP_data_after_close, s->m);
	else
		count_consumed(w, s->m);
}

void flow_linger(struct worker *w, struct flow *f, enum steer_counter why)
{
	if (f->state != FS_LINGER)
		w->st.cnt[why]++;
	flow_put_hbuf(w, f);
	/* Closed both ways or reset: the backend's connection is over,
	 * though the port stays for linger_ms. */
	flow_backend_release(w, f);
	f->state = FS_LINGER;
	flow_timer(w, f, w->sh->conf->dataplane.timeouts.linger_ms);
}

/* RST to the client at the backend's next byte, and to the backend at
 * SEQ_B (backend space). */
void flow_reset_both(struct worker *w, struct flow *f, uint32_t seq_b)
{
	struct rte_mbuf *m = tcp_build(w, &f->c, f->b_snd + f->b2c, 0, TCP_RST,
				       0, NULL, 0, NULL, 0);
	if (m) {
		tx_send(w, f->c.port, m);
		w->st.cnt[CNT_rst_sent]++;
	}
	if (f->b.local_port == 0)
		return;           /* no leg to reset */
	m = tcp_build(w, &f->b, seq_b, 0, TCP_RST, 0, NULL, 0, NULL, 0);
	if (m && flow_send_backend(w, f, m))
		w->st.cnt[CNT_rst_sent]++;
}


void flow_respond_expire(struct worker *w, struct flow *f)
{
	if (!f->resp_acked && ++f->retries <= 3) {
		send_response(w, f);
		w->st.cnt[CNT_retransmits]++;
		flow_timer(w, f, 200u << f->retries);
		return;
	}
	w->st.cnt[respond_outcome(f)]++;
	flow_free(w, f);
}

void tcp_shutdown(struct worker *w)
{
	for (uint32_t i = 0; i < w->max_flows; i++) {
		struct flow *f = &w->flows[i];
		struct rte_mbuf *m;

		switch (f->state) {
		case FS_SPLICE:
			/* Both ends, at the bytes each expects next. */
			flow_reset_both(w, f, f->per_req ? f->s_nxt : f->c_snd + f->c2b);
			break;
		case FS_HEADER:
		case FS_QUEUED:
		case FS_CONNECT:
			/* The client has had nothing from us past the
			 * handshake (or the last response): r_base. */
			m = tcp_build(w, &f->c, f->r_base, 0, TCP_RST, 0, NULL, 0, NULL, 0);
			if (m) {
				tx_send(w, f->c.port, m);
				w->st.cnt[CNT_rst_sent]++;
			}
			if (f->state == FS_CONNECT && f->b.local_port) {
				m = tcp_build(w, &f->b, f->s_isn + 1, 0, TCP_RST, 0,
					      NULL, 0, NULL, 0);
				if (m && flow_send_backend(w, f, m))
					w->st.cnt[CNT_rst_sent]++;
			}
			break;
		case FS_LEG_IDLE:
		case FS_LEG_CLOSE:
			m = tcp_build(w, &f->b, f->s_nxt, 0, TCP_RST, 0, NULL, 0, NULL, 0);
			if (m && flow_send_backend(w, f, m))
				w->st.cnt[CNT_rst_sent]++;
			break;
		default:
			/* Half-open (the client asks another node again), our
			 * own response on its way, or closed already. */
			continue;
		}
		w->st.cnt[CNT_closed_shutdown]++;
	}
	tx_flush(w);
}
