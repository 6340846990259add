/* Decision: one pass of the rule engine over a complete request header
 * (listener -> service -> intercepts -> target), then the injected lines
 * (X-Forwarded-For, the decision's headers) and a Host that agrees with an
 * absolute-form target, written into the buffered header. The connect
 * that follows is tcp_connect.c's. */
#include <string.h>

#include <rte_cycles.h>

#include "flow.h"
#include "http.h"
#include "publish.h"
#include "stats.h"
#include "tcp.h"

static void count_decision(struct worker *w, const struct rs_decision *d)
{
	switch (d->why) {
	case RS_WHY_DEFAULT: w->st.cnt[CNT_decisions_default]++; break;
	case RS_WHY_INTERCEPT: w->st.cnt[CNT_decisions_intercept]++; break;
	case RS_WHY_PREVIEW: w->st.cnt[CNT_decisions_preview]++; break;
	}
	if (d->intercept >= 0)
		w->st.decisions[w->pub->slot[d->intercept]]++;
}

/* The physical end of what the buffer holds (contiguous and out of
 * order). */
static uint32_t buf_end(const struct flow *f)
{
	return phys(f, hbuf_extent(f));
}

/* Replace the buffer's bytes [AT, AT + OLD) (physical, inside the header)
 * with TEXT[0..LEN); bytes after them move. inj_len keeps the difference,
 * so phys() and the sequence offsets follow. */
static bool rewrite(struct flow *f, uint32_t at, uint32_t old,
		    const char *text, uint32_t len)
{
	uint32_t end = buf_end(f);

	if ((int32_t)f->inj_len + (int32_t)len - (int32_t)old > INJECT_ROOM)
		return false;
	memmove(f->hbuf + at + len, f->hbuf + at + old, end - at - old);
	memcpy(f->hbuf + at, text, len);
	f->inj_len += len - old;
	return true;
}

/* Put TEXT before the header's final CRLF; bytes after it move up. */
static bool inject(struct flow *f, const char *text, uint32_t len)
{
	return rewrite(f, f->hdr_end + f->inj_len - 2, 0, text, len);
}

/* RFC 9112 section 3.2.2: an absolute-form target's authority wins over
 * Host, and the decision used it; make the Host the backend sees say the
 * same, so no server can read the request as meant for another host. */
static bool host_agree(struct worker *w, struct flow *f)
{
	const struct http_req *r = &w->req;

	if (r->target_len == 0 || r->target[0] == '/' || r->host == NULL)
		return true;      /* origin-form, '*': Host is what we used */
	int h = http_find_field(r, "host", 4, 0);
	if (h < 0)
		return true;      /* HTTP/1.0 without Host */
	const struct http_field *hf = &r->fields[h];
	/* The authority with its port: from the host to the path. */
	const char *a = r->host;
	const char *t_end = r->target + r->target_len;
	const char *e = a;
	while (e < t_end && *e != '/' && *e != '?')
		e++;
	uint32_t alen = (uint32_t)(e - a);
	if (alen == hf->value_len && memcmp(a, hf->value, alen) == 0)
		return true;
	char text[256];
	if (alen > sizeof(text))
		return false;
	memcpy(text, a, alen);
	return rewrite(f, (uint32_t)(hf->value - f->hbuf), hf->value_len, text, alen);
}

/* Dotted quad of IP_BE into P (at most 15 bytes); returns the length.
 * By hand: sprintf cost more than the whole rule decision (bench_dp). */
static unsigned fmt_ip(char *p, uint32_t ip_be)
{
	const uint8_t *b = (const uint8_t *)&ip_be;
	unsigned n = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			p[n++] = (char)('0' + v / 100);
		if (v >= 10)
			p[n++] = (char)('0' + v / 10 % 10);
		p[n++] = (char)('0' + v % 10);
		if (i < 3)
			p[n++] = '.';
	}
	return n;
}

static bool build_injection(struct flow *f, const struct rs_decision *d)
{
	char text[INJECT_ROOM + 64];
	unsigned n = 0;

	/* The backend sees our address; X-Forwarded-For says whose request
	 * it is (appended as its own line: recipients combine repeated
	 * fields into one list, RFC 9110 section 5.3). */
	memcpy(text, "X-Forwarded-For: ", 17);
	n = 17;
	n += fmt_ip(text + n, f->c.peer_ip);
	text[n++] = '\r';
	text[n++] = '\n';
	for (unsigned i = 0; i < d->n_inject; i++) {
		const struct rs_inject *in = &d->inject[i];
		if (n + in->name_len + in->value_len + 4 > INJECT_ROOM)
			return false;
		memcpy(text + n, in->name, in->name_len);
		n += in->name_len;
		text[n++] = ':';
		text[n++] = ' ';
		memcpy(text + n, in->value, in->value_len);
		n += in->value_len;
		text[n++] = '\r';
		text[n++] = '\n';
	}
	return inject(f, text, n);
}

int flow_decide_rules(struct worker *w, struct flow *f)
{
	const struct ruleset *rs = w->pub->rs;
	const struct steer_conf *c = rs_conf(rs);
	struct rs_decision d;

	w->st.cnt[CNT_requests]++;
	f->n_req++;
	/* The listener index is the ruleset's: one published since the SYN
	 * may have moved or dropped it. */
	int l = rs_listener_find(rs, rte_be_to_cpu_32(f->c.local_ip),
				 rte_be_to_cpu_16(f->c.local_port));
	if (l < 0)
		return 503;
	f->listener = (uint16_t)l;
	uint64_t t0 = rte_rdtsc();
	int r = rs_decide(rs, w->pub->scratch[w->id], f->listener, &w->req, f->hash, &d);
	hist_add(w, HIST_decision, rte_rdtsc() - t0);
	if (r != 0)
		return 503;
	count_decision(w, &d);
	/* Health checks may have taken the ruleset's pick out: the same
	 * flow hash in the table without the down backends. */
	d.backend = hc_pick(dp_health_load(w->pub), d.service, f->hash, d.backend);
	f->service = (uint16_t)d.service;
	f->intercept = d.intercept;
	f->tunnel = d.tunnel;
	f->backend = d.backend;
	f->gen = w->pub->generation;
	f->svc_key = flow_name_key(c->services[d.service].name);
	f->tun_key = d.tunnel >= 0 ? flow_name_key(c->tunnels[d.tunnel].name) : 0;
	f->tries = 0;
	f->tried = 0;
	if (d.target == RS_TARGET_NONE)
		return 503;
	if (d.target != RS_TARGET_TUNNEL)
		f->tunnel = -1;
	if (!host_agree(w, f) || !build_injection(f, &d))
		return 431;
	return 0;
}
