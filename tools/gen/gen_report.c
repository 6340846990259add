/* steer-gen's output: one progress line a second on stderr, and the
 * summary (text, or JSON with --json) on stdout. */
#include <inttypes.h>
#include <stdio.h>

#include "gen.h"

static uint64_t slow_cuts(const struct gen_slow_stats *sl)
{
	return sl->cut_408 + sl->cut_status + sl->cut_rst + sl->cut_fin;
}

uint64_t gen_errors(const struct gen_stats *st)
{
	uint64_t n = 0;

	for (unsigned e = 0; e < GEN_ERR__COUNT; e++)
		n += st->err[e];
	return n;
}

void gen_report_progress(const struct gen *g, const struct gen_stats *prev,
			 double secs)
{
	const struct gen_stats *st = &g->st;

	fprintf(stderr, "cps %8.0f  rps %8.0f  goodput %6.3f Gbit/s  active %6u  errors %" PRIu64 "  misroutes %" PRIu64,
		(double)(st->conns_done - prev->conns_done) / secs,
		(double)(st->responses - prev->responses) / secs,
		(double)(st->rx_bytes - prev->rx_bytes) * 8 / secs / 1e9,
		g->c_active, gen_errors(st), st->misroutes);
	if (g->conf->run.syn_flood)
		fprintf(stderr, "  flood %8.0f/s synacks %8.0f/s",
			(double)(st->flood.syns_sent - prev->flood.syns_sent) / secs,
			(double)(st->flood.synacks_seen - prev->flood.synacks_seen) / secs);
	if (g->conf->run.slowloris)
		fprintf(stderr, "  slowloris %5u cut %" PRIu64, g->l_active, slow_cuts(&st->slow));
	fputc('\n', stderr);
}

static uint64_t legit_attempted(const struct gen_stats *st)
{
	return st->legit_ok + st->legit_failed;
}

/* Average lifetime of the cut slowloris connections, in seconds. */
static double slow_life_s(const struct gen_slow_stats *sl)
{
	uint64_t n = slow_cuts(sl);
	return n ? (double)sl->lifetime_ms / (double)n / 1000.0 : 0.0;
}

static void legit_text(const struct gen *g)
{
	const struct gen_stats *st = &g->st;
	char buf[128];

	gen_success_format(buf, sizeof(buf), st->legit_ok, legit_attempted(st));
	printf("%s\n", buf);
}

/* How long the flood ran, and its SYNs a second over that time. */
static double flood_secs(const struct gen *g)
{
	if (g->conf->run.syn_flood == 0)
		return 0.0;
	return (double)(g->flooding ? g->now_ms - g->flood_ms : g->flood_ms) / 1000.0;
}

static double flood_rate(const struct gen *g)
{
	double s = flood_secs(g);
	return s > 0 ? (double)g->st.flood.syns_sent / s : 0.0;
}

static void attacks_text(const struct gen *g)
{
	const struct gen_run *r = &g->conf->run;
	const struct gen_flood_stats *f = &g->st.flood;
	const struct gen_slow_stats *sl = &g->st.slow;
	char src[24];

	if (r->syn_flood) {
		gen_cidr_format(&r->flood_src, src, sizeof(src));
		printf("syn flood    from %s at %u/s: syns_sent %" PRIu64 " in %.1f s (%.0f/s)"
		       "  synacks_seen %" PRIu64 "  rsts_seen %" PRIu64 "  other_seen %" PRIu64
		       "  tx_dropped %" PRIu64 "  alloc_failed %" PRIu64 "  refused %" PRIu64 "\n",
		       src, r->syn_flood, f->syns_sent, flood_secs(g), flood_rate(g),
		       f->synacks_seen, f->rsts_seen, f->other_seen, f->tx_dropped,
		       f->alloc_failed, f->refused);
	}
	if (r->slowloris)
		printf("slowloris    %u connections, a line every %u ms: opened %" PRIu64
		       "  established %" PRIu64 "  cut %" PRIu64 " (408 %" PRIu64 ", other status %"
		       PRIu64 ", rst %" PRIu64 ", fin %" PRIu64 ")  avg lifetime %.2f s"
		       "  lost %" PRIu64 "  refused %" PRIu64 "  connect_failed %" PRIu64
		       "  lines_sent %" PRIu64 "  open_at_end %" PRIu64 "\n",
		       r->slowloris, r->slowloris_interval_ms, sl->opened, sl->established,
		       slow_cuts(sl), sl->cut_408, sl->cut_status, sl->cut_rst, sl->cut_fin,
		       slow_life_s(sl), sl->lost, sl->refused, sl->connect_failed,
		       sl->lines_sent, sl->open_at_end);
}

static void attacks_json(const struct gen *g)
{
	const struct gen_run *r = &g->conf->run;
	const struct gen_stats *st = &g->st;
	const struct gen_flood_stats *f = &st->flood;
	const struct gen_slow_stats *sl = &st->slow;
	uint64_t att = legit_attempted(st);
	unsigned pm = gen_success_permille(st->legit_ok, att);
	char src[24];

	gen_cidr_format(&r->flood_src, src, sizeof(src));
	printf("\"legit\":{\"attempted\":%" PRIu64 ",\"succeeded\":%" PRIu64
	       ",\"success_pct\":%u.%u},", att, st->legit_ok, pm / 10, pm % 10);
	printf("\"flood\":{\"rate\":%u,\"src\":\"%s\",\"seconds\":%.3f,"
	       "\"syns_per_second\":%.1f,\"syns_sent\":%" PRIu64 ",\"synacks_seen\":%" PRIu64
	       ",\"rsts_seen\":%" PRIu64 ",\"other_seen\":%" PRIu64 ",\"tx_dropped\":%" PRIu64
	       ",\"alloc_failed\":%" PRIu64 ",\"refused\":%" PRIu64 "},",
	       r->syn_flood, src, flood_secs(g), flood_rate(g), f->syns_sent,
	       f->synacks_seen, f->rsts_seen, f->other_seen, f->tx_dropped,
	       f->alloc_failed, f->refused);
	printf("\"slowloris\":{\"connections\":%u,\"interval_ms\":%u,\"opened\":%" PRIu64
	       ",\"established\":%" PRIu64 ",\"cut\":%" PRIu64 ",\"cut_408\":%" PRIu64
	       ",\"cut_status\":%" PRIu64 ",\"cut_rst\":%" PRIu64 ",\"cut_fin\":%" PRIu64
	       ",\"avg_lifetime_s\":%.3f,\"lost\":%" PRIu64 ",\"refused\":%" PRIu64
	       ",\"connect_failed\":%" PRIu64 ",\"lines_sent\":%" PRIu64
	       ",\"open_at_end\":%" PRIu64 "},",
	       r->slowloris, r->slowloris_interval_ms, sl->opened, sl->established,
	       slow_cuts(sl), sl->cut_408, sl->cut_status, sl->cut_rst, sl->cut_fin,
	       slow_life_s(sl), sl->lost, sl->refused, sl->connect_failed, sl->lines_sent,
	       sl->open_at_end);
}

static const double quantiles[] = { 0.5, 0.9, 0.99, 0.999 };
static const char *const qnames[] = { "p50", "p90", "p99", "p99.9" };

static void summary_text(const struct gen *g, double secs)
{
	const struct gen_stats *st = &g->st;
	const struct gen_mix *mx = &g->conf->mix;

	printf("steer-gen: %.1f s, classes per %s\n", secs,
	       g->conf->run.per_connection ? "connection" : "request");
	printf("connections  opened %" PRIu64 "  completed %" PRIu64 "  (%.0f/s)\n",
	       st->conns_opened, st->conns_done, (double)st->conns_done / secs);
	printf("requests     sent %" PRIu64 "  answered %" PRIu64 "  (%.0f/s)\n",
	       st->requests, st->responses, (double)st->responses / secs);
	legit_text(g);
	attacks_text(g);
	printf("latency us  ");
	for (unsigned i = 0; i < 4; i++)
		printf(" %s %" PRIu64, qnames[i], gen_hist_quantile(&g->lat, quantiles[i]));
	printf("  max %" PRIu64 "\n", g->lat.max);
	printf("misroutes    %" PRIu64 "\n", st->misroutes);
	for (unsigned e = 0; e < mx->n_entries; e++)
		printf("  %-12s responses %" PRIu64 "  misroutes %" PRIu64 "  (expect %s)\n",
		       mx->entry[e].name, st->responses_by_entry[e],
		       st->misroute_by_entry[e], mx->entry[e].expect);
	printf("errors       %" PRIu64 "\n", gen_errors(st));
	for (unsigned e = 0; e < GEN_ERR__COUNT; e++)
		if (st->err[e])
			printf("  %-20s %" PRIu64 "\n", gen_error_names[e], st->err[e]);
	const struct gen_notes *n = &st->notes;
	printf("notes        rx %" PRIu64 " tx %" PRIu64 " tx_dropped %" PRIu64
	       " retransmits %" PRIu64 " rst_sent %" PRIu64 " stray %" PRIu64
	       " arp_answered %" PRIu64 " server_conns %" PRIu64 " tuple_reused %" PRIu64
	       " no_slot %" PRIu64 " mbuf_alloc_failed %" PRIu64 " unknown_frames %" PRIu64
	       " timewait_acks %" PRIu64 " class_changes %" PRIu64 " server_requests %" PRIu64
	       " server_router_fin %" PRIu64 " server_router_rst %" PRIu64 "\n",
	       n->rx_frames, n->tx_frames, n->tx_dropped, n->retransmits, n->rst_sent,
	       n->stray_segments, n->arp_answered, n->server_conns, n->tuple_reused,
	       n->no_slot, n->mbuf_alloc_failed, n->unknown_frames,
	       n->timewait_acks, n->class_changes, n->server_requests, n->server_router_fin,
	       n->server_router_rst);
}

static void summary_json(const struct gen *g, double secs)
{
	const struct gen_stats *st = &g->st;
	const struct gen_mix *mx = &g->conf->mix;
	const struct gen_notes *n = &st->notes;

	printf("{\"seconds\":%.3f,\"classes\":\"%s\",\"connections\":{\"opened\":%" PRIu64
	       ",\"completed\":%" PRIu64 ",\"per_second\":%.1f},", secs,
	       g->conf->run.per_connection ? "connection" : "request",
	       st->conns_opened, st->conns_done, (double)st->conns_done / secs);
	printf("\"requests\":{\"sent\":%" PRIu64 ",\"answered\":%" PRIu64 ",\"per_second\":%.1f},",
	       st->requests, st->responses, (double)st->responses / secs);
	attacks_json(g);
	printf("\"latency_us\":{");
	for (unsigned i = 0; i < 4; i++)
		printf("\"%s\":%" PRIu64 ",", qnames[i], gen_hist_quantile(&g->lat, quantiles[i]));
	printf("\"max\":%" PRIu64 "},\"misroutes\":%" PRIu64 ",\"mix\":{", g->lat.max,
	       st->misroutes);
	for (unsigned e = 0; e < mx->n_entries; e++)
		printf("%s\"%s\":{\"expect\":\"%s\",\"responses\":%" PRIu64 ",\"misroutes\":%" PRIu64 "}",
		       e ? "," : "", mx->entry[e].name, mx->entry[e].expect,
		       st->responses_by_entry[e], st->misroute_by_entry[e]);
	printf("},\"errors\":%" PRIu64 ",\"errors_by_kind\":{", gen_errors(st));
	for (unsigned e = 0; e < GEN_ERR__COUNT; e++)
		printf("%s\"%s\":%" PRIu64, e ? "," : "", gen_error_names[e], st->err[e]);
	printf("},\"notes\":{\"rx_frames\":%" PRIu64 ",\"tx_frames\":%" PRIu64
	       ",\"tx_dropped\":%" PRIu64 ",\"retransmits\":%" PRIu64 ",\"rst_sent\":%" PRIu64
	       ",\"stray_segments\":%" PRIu64 ",\"arp_answered\":%" PRIu64
	       ",\"server_conns\":%" PRIu64 ",\"tuple_reused\":%" PRIu64 ",\"no_slot\":%" PRIu64
	       ",\"mbuf_alloc_failed\":%" PRIu64 ",\"unknown_frames\":%" PRIu64
	       ",\"timewait_acks\":%" PRIu64 ",\"class_changes\":%" PRIu64
	       ",\"server_requests\":%" PRIu64
	       ",\"server_router_fin\":%" PRIu64 ",\"server_router_rst\":%" PRIu64 "}}\n",
	       n->rx_frames, n->tx_frames, n->tx_dropped, n->retransmits, n->rst_sent,
	       n->stray_segments, n->arp_answered, n->server_conns, n->tuple_reused,
	       n->no_slot, n->mbuf_alloc_failed, n->unknown_frames,
	       n->timewait_acks, n->class_changes, n->server_requests, n->server_router_fin,
	       n->server_router_rst);
}

void gen_report_summary(const struct gen *g, double secs, bool json)
{
	if (json)
		summary_json(g, secs);
	else
		summary_text(g, secs);
	fflush(stdout);
}
