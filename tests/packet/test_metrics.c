/* What steerd exports for Prometheus (dataplane/metrics.c): the per-worker
 * series. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "metrics.h"
#include "stats.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

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
	TN(per_worker_series_show_each_workers_flows_buffers_and_cycles),
};

H_MAIN("metrics", tests)
