/* steer-gen's output: one progress line a second on stderr, and the
 * summary (text, or JSON with --json) on stdout. */
#include <inttypes.h>
#include <stdio.h>

#include "gen.h"

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

	fprintf(stderr, "cps %8.0f  rps %8.0f  goodput %6.3f Gbit/s  active %6u  errors %" PRIu64 "  misroutes %" PRIu64 "\n",
		(double)(st->conns_done - prev->conns_done) / secs,
		(double)(st->responses - prev->responses) / secs,
		(double)(st->rx_bytes - prev->rx_bytes) * 8 / secs / 1e9,
		g->c_active, gen_errors(st), st->misroutes);
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
