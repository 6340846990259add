#include <stdlib.h>
#include <string.h>

#include "publish.h"
#include "stats.h"

const char *const steer_drop_names[DROP__COUNT] = {
#define X(n, s) #n,
	STEER_DROPS(X)
#undef X
};

const char *const steer_drop_why[DROP__COUNT] = {
#define X(n, s) s,
	STEER_DROPS(X)
#undef X
};

const char *const steer_counter_names[CNT__COUNT] = {
#define X(n) #n,
	STEER_COUNTERS(X)
#undef X
};

static void add(struct steer_stats *out, const struct steer_stats *in)
{
	for (unsigned i = 0; i < DROP__COUNT; i++)
		out->drop[i] += in->drop[i];
	for (unsigned i = 0; i < CNT__COUNT; i++)
		out->cnt[i] += in->cnt[i];
	for (unsigned i = 0; i < STEER_MAX_PORTS; i++) {
		out->port_rx[i] += in->port_rx[i];
		out->port_tx[i] += in->port_tx[i];
		out->port_rx_bytes[i] += in->port_rx_bytes[i];
		out->port_tx_bytes[i] += in->port_tx_bytes[i];
	}
	for (unsigned h = 0; h < HIST__COUNT; h++) {
		for (unsigned b = 0; b <= HIST_BUCKETS; b++)
			out->hist[h][b] += in->hist[h][b];
		out->hist_ns[h] += in->hist_ns[h];
	}
	for (unsigned b = 0; b <= REQ_BUCKETS; b++)
		out->req_conn[b] += in->req_conn[b];
	out->req_conn_sum += in->req_conn_sum;
	for (unsigned i = 0; i < in->n_decisions && i < out->n_decisions; i++)
		out->decisions[i] += in->decisions[i];
}

void stats_sum(const struct dp_shared *sh, struct steer_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->n_decisions = sh->n_workers ? sh->workers[0]->st.n_decisions : 0;
	out->decisions = calloc(out->n_decisions + 1, sizeof(uint64_t));
	if (out->decisions == NULL)
		out->n_decisions = 0;
	for (unsigned w = 0; w < sh->n_workers; w++)
		add(out, &sh->workers[w]->st);
	add(out, &sh->ctrl_st);
}

void stats_release(struct steer_stats *s)
{
	free(s->decisions);
	s->decisions = NULL;
}

/* "drops": {...}, "counters": {...} of S. */
static void write_counts(FILE *f, const struct steer_stats *s)
{
	fprintf(f, "\"drops\": {");
	for (unsigned i = 0; i < DROP__COUNT; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", steer_drop_names[i],
			(unsigned long long)s->drop[i]);
	fprintf(f, "}, \"counters\": {");
	for (unsigned i = 0; i < CNT__COUNT; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", steer_counter_names[i],
			(unsigned long long)s->cnt[i]);
	fprintf(f, "}");
}

void stats_write_json(const struct dp_shared *sh, FILE *f, bool per_worker)
{
	struct steer_stats sum;
	const struct steer_conf *c = sh->conf;

	stats_sum(sh, &sum);
	fprintf(f, "{");
	write_counts(f, &sum);
	fprintf(f, ", \"ports\": {");
	for (unsigned p = 0; p < sh->n_ports && p < c->n_ports; p++)
		fprintf(f, "%s\"%s\": {\"rx_packets\": %llu, \"rx_bytes\": %llu, "
			"\"tx_packets\": %llu, \"tx_bytes\": %llu}",
			p ? ", " : "", c->ports[p].name,
			(unsigned long long)sum.port_rx[p],
			(unsigned long long)sum.port_rx_bytes[p],
			(unsigned long long)sum.port_tx[p],
			(unsigned long long)sum.port_tx_bytes[p]);
	fprintf(f, "}, \"intercepts\": {");
	const struct steer_conf *rc = rs_conf(dp_pub_load(sh)->rs);
	for (unsigned i = 0; sum.n_decisions && i < rc->n_intercepts; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", rc->intercepts[i]->name,
			(unsigned long long)dp_decisions(sh, sum.decisions, i));
	fprintf(f, "}, \"requests_per_connection\": {\"sum\": %llu, \"buckets\": [",
		(unsigned long long)sum.req_conn_sum);
	for (unsigned b = 0; b <= REQ_BUCKETS; b++)
		fprintf(f, "%s%llu", b ? ", " : "", (unsigned long long)sum.req_conn[b]);
	fprintf(f, "]}");
	if (per_worker) {
		fprintf(f, ", \"workers\": [");
		for (unsigned w = 0; w < sh->n_workers; w++) {
			fprintf(f, "%s{", w ? ", " : "");
			write_counts(f, &sh->workers[w]->st);
			fprintf(f, "}");
		}
		fprintf(f, "]");
	}
	fprintf(f, "}\n");
	fflush(f);
	stats_release(&sum);
}
