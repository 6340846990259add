/* What steerd exports for Prometheus (dataplane/metrics.c): the per-worker
 * series, and the alerting rules of config/prometheus checked against the
 * exposition of a running worker (rules_check.c), so that a renamed metric
 * or drop reason fails here rather than silently in an alert. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "metrics.h"
#include "rules_check.h"
#include "stats.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

/* NAME in config/prometheus of the source tree, read whole. */
static char *rules_file(const char *name)
{
	const char *src = getenv("STEER_SRC");
	char path[4096];
	char *buf = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/config/prometheus/%s", src ? src : ".", name);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot read %s (STEER_SRC names the source tree)", path);
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	for (int ch; (ch = fgetc(f)) != EOF;)
		fputc(ch, m);
	fclose(f);
	fclose(m);
	return buf;
}

static void every_metric_label_and_reason_the_rules_name_is_exported(void **state)
{
	struct h_env *e = *state;
	char err[4096];
	unsigned refs;
	size_t len;
	char *rules = rules_file("steer-rules.yml");
	char *text = metrics_text(e->sh, &len);

	assert_non_null(text);
	const struct rules_check_in in = {
		.rules = rules, .text = text, .reasons = steer_drop_names,
		.n_reasons = DROP__COUNT, .values = true,
	};
	unsigned n = rules_check(&in, err, sizeof(err), &refs);
	if (n != 0)
		fail_msg("steer-rules.yml names %u thing(s) steerd does not export:\n%s", n, err);
	/* Something was checked: a file whose names the scanner missed
	 * would pass vacuously. */
	assert_true(refs > 0);
	free(text);
	free(rules);
}

/* The promtool test feeds series steerd exports, with the labels it puts
 * on them: a test of rules on invented series proves nothing. */
static void the_rules_test_feeds_only_series_steerd_exports(void **state)
{
	struct h_env *e = *state;
	char err[4096];
	unsigned refs;
	size_t len;
	char *rules = rules_file("steer-rules.test.yml");
	char *defs = rules_file("steer-rules.yml");
	char *text = metrics_text(e->sh, &len);

	assert_non_null(text);
	const struct rules_check_in in = {
		.rules = rules, .defs = defs, .text = text,
		.reasons = steer_drop_names, .n_reasons = DROP__COUNT,
	};
	unsigned n = rules_check(&in, err, sizeof(err), &refs);
	if (n != 0)
		fail_msg("steer-rules.test.yml names %u thing(s) steerd does not export:\n%s", n, err);
	assert_true(refs > 0);
	free(text);
	free(defs);
	free(rules);
}

/* The checker itself, on snippets: each must find exactly what is wrong. */
#define REC "- record: instance_reason:steer_drops:rate5m\n" \
	    "  expr: rate(steer_drops_total[5m])\n"
static void the_check_finds_unknown_metrics_labels_and_reasons(void **state)
{
	struct h_env *e = *state;
	static const struct {
		const char *rules;
		unsigned problems;
		const char *why;
	} cases[] = {
		{ "expr: rate(steer_drops_total{reason=\"tx_full\"}[5m]) > 0", 0,
		  "a real metric with a real reason" },
		{ "expr: rate(steer_drop_total[5m])", 1, "a renamed metric" },
		{ "expr: steer_drops_total{reason=~\"tx_full|tx_ful\"}", 1,
		  "one alternative is no drop reason" },
		{ "expr: steer_drops_total{cause=\"tx_full\"}", 1,
		  "a label the metric does not carry" },
		{ "expr: steer_drops_total{reason=~\"tx_.*\"}", 1,
		  "a regex that cannot be checked word by word" },
		{ "expr: steer_port_packets_total{dir=\"rx\"} + steer_port_packets_total{dir=\"in\"}",
		  1, "a label value never exported" },
		{ "expr: sum by (instance, service) (steer_backend_up) == 0", 0,
		  "aggregation by labels that exist" },
		{ "expr: sum without (svc) (steer_backend_up)", 1,
		  "aggregation by a label no series has" },
		{ "# steer_not_a_metric in a comment\nexpr: steer_flows_active", 0,
		  "comments are not read" },
		{ "summary: \"worker {{ $labels.worker }} of {{ $labels.wrker }}\"", 1,
		  "a template naming a label no series has" },
		{ "description: \"steer_drops_total{reason=\\\"{{ $labels.reason }}\\\"}\"", 0,
		  "a templated value inside a YAML string" },
		{ "expr: histogram_quantile(0.9, rate(steer_connect_seconds_bucket[5m]))", 0,
		  "histogram buckets" },
		{ REC "- alert: A\n  expr: instance_reason:steer_drops:rate5m{reason=\"tx_full\"} > 0",
		  0, "a recording rule's series, matched on a label of what it reads" },
		{ REC "- alert: A\n  expr: instance_reason:steer_drops:rate5m{reason=\"tx_fll\"} > 0",
		  1, "a recording rule's series, matched on a reason that does not exist" },
		{ REC "- alert: A\n  expr: instance_reason:steer_drops:rate5m{worker=\"0\"} > 0",
		  1, "a recording rule's series, matched on a label its metric lacks" },
		{ "- record: a:steer_x:ratio\n  expr: a:steer_drops:rate5m / 2", 1,
		  "a recording rule read before it is defined (or never)" },
		{ "expr: steer_worker_flows / steer_worker_flowsmax", 1,
		  "a misspelt per-worker gauge" },
	};
	size_t len;
	char *text = metrics_text(e->sh, &len);

	assert_non_null(text);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[1024];
		unsigned refs;
		const struct rules_check_in in = {
			.rules = cases[i].rules, .text = text,
			.reasons = steer_drop_names, .n_reasons = DROP__COUNT,
			.values = true,
		};
		unsigned n = rules_check(&in, err, sizeof(err), &refs);
		if (n != cases[i].problems)
			fail_msg("%s: %u problem(s), want %u, in\n  %s\n%s", cases[i].why,
				 n, cases[i].problems, cases[i].rules, err);
	}
	free(text);
}

/* The value of the series written exactly as SERIES in TEXT. */
static unsigned long long series_value(const char *text, const char *series)
{
	char pat[256];

	snprintf(pat, sizeof(pat), "\n%s ", series);
	const char *p = strstr(text, pat);
	if (p == NULL)
		fail_msg("no series %s in\n%s", series, text);
	return strtoull(p + strlen(pat), NULL, 10);
}

/* One flow collecting its header on worker 1: its table and buffers show
 * it, worker 0's do not; the sizes are the configuration's. */
static void per_worker_series_show_each_workers_flows_buffers_and_cycles(void **state)
{
	(void)state;
	struct h_params p = { .workers = 2, .max_flows = 64, .header_buffers = 4 };
	struct h_env *e = h_env_new(&p);
	static const char part[] = "GET /m HTTP/1.1\r\n";
	const int n = sizeof(part) - 1;
	struct h_conn c;
	size_t len;

	/* The harness drives no polling loop: set what the loop would add. */
	e->sh->workers[1]->st.cnt[CNT_busy_cycles] = 7000;
	e->sh->workers[1]->st.cnt[CNT_idle_cycles] = 3000;
	h_conn_init(&c, h_port_owned_by(e, 1, 42100), 1000, 0);
	c.c_worker = 1;
	c.b_worker = 1;
	h_handshake(e, &c, &linux_opts);
	const struct h_step st[] = {
		{ "part of a header: worker 1 takes a buffer", 100, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1), .data = part },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } } } },
	};
	h_play(e, &c, st);

	char *text = metrics_text(e->sh, &len);
	assert_non_null(text);
	const struct {
		const char *series;
		unsigned long long v;
	} want[] = {
		{ "steer_worker_flows{worker=\"0\"}", 0 },
		{ "steer_worker_flows{worker=\"1\"}", 1 },
		{ "steer_worker_flows_max{worker=\"0\"}", 64 },
		{ "steer_worker_flows_max{worker=\"1\"}", 64 },
		{ "steer_worker_header_buffers_in_use{worker=\"0\"}", 0 },
		{ "steer_worker_header_buffers_in_use{worker=\"1\"}", 1 },
		{ "steer_worker_header_buffers{worker=\"0\"}", 4 },
		{ "steer_worker_header_buffers{worker=\"1\"}", 4 },
		{ "steer_worker_busy_cycles_total{worker=\"0\"}", 0 },
		{ "steer_worker_busy_cycles_total{worker=\"1\"}", 7000 },
		{ "steer_worker_idle_cycles_total{worker=\"1\"}", 3000 },
		{ "steer_flows_active", 1 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		unsigned long long v = series_value(text, want[i].series);
		if (v != want[i].v)
			fail_msg("%s is %llu, want %llu", want[i].series, v, want[i].v);
	}
	assert_non_null(strstr(text, "# TYPE steer_worker_busy_cycles_total counter\n"));
	assert_non_null(strstr(text, "# TYPE steer_worker_header_buffers_in_use gauge\n"));
	assert_null(strstr(text, "worker=\"2\""));
	free(text);
	h_env_free(e);
}

static const struct CMUnitTest tests[] = {
	T(every_metric_label_and_reason_the_rules_name_is_exported),
	T(the_rules_test_feeds_only_series_steerd_exports),
	T(the_check_finds_unknown_metrics_labels_and_reasons),
	TN(per_worker_series_show_each_workers_flows_buffers_and_cycles),
};

H_MAIN("metrics", tests)
