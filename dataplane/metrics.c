#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_mempool.h>

#include "health_view.h"
#include "ctrl_cluster.h"
#include "metrics.h"
#include "publish.h"
#include "stats.h"
#include "worker.h"

#define REQ_MAX 8192
#define CONN_MS 2000

static const char *const hist_names[HIST__COUNT] = {
#define X(n, s) #n,
	STEER_HISTS(X)
#undef X
};
static const char *const hist_help[HIST__COUNT] = {
#define X(n, s) s,
	STEER_HISTS(X)
#undef X
};

static struct {
	int listen_fd;
	struct {
		int fd;
		size_t len;
		uint64_t since;
		char req[REQ_MAX];
	} c[METRICS_FDS - 1];
} mx = { .listen_fd = -1 };

int metrics_open(struct dp_shared *sh)
{
	const char *spec = sh->conf->control.metrics;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char host[64];
	unsigned port;
	int one = 1;

	for (unsigned i = 0; i < METRICS_FDS - 1; i++)
		mx.c[i].fd = -1;
	if (spec == NULL || spec[0] == '\0')
		return 0;
	if (sscanf(spec, "%63[0-9.]:%u", host, &port) != 2 || port > 65535 ||
	    inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	sa.sin_port = htons((uint16_t)port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 8) != 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	mx.listen_fd = fd;
	return 0;
}

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	fprintf(f, "# HELP steer_%s %s\n# TYPE steer_%s counter\nsteer_%s %llu\n",
		name, help, name, name, (unsigned long long)v);
}

/* One series per worker: RSS puts a client's flow on one worker, whose
 * core, flow table and header buffers fill on their own while the sums
 * above still look healthy. The pool has no per-lcore cache (flow.c), so
 * its in-use count is its ring's, which any lcore may read. */
static void worker_metrics(const struct dp_shared *sh, FILE *f)
{
	static const struct {
		const char *name, *type, *help;
	} series[] = {
		{ "worker_busy_cycles", "counter", "TSC cycles in loop iterations that found packets." },
		{ "worker_idle_cycles", "counter", "TSC cycles in loop iterations that found none (back-off sleeps included)." },
		{ "worker_flows", "gauge", "Flows in the worker's table now." },
		{ "worker_flows_max", "gauge", "Size of the worker's flow table (dataplane.max_flows)." },
		{ "worker_header_buffers_in_use", "gauge", "Header buffers held by flows collecting a request header." },
		{ "worker_header_buffers", "gauge", "Header buffers of the worker (dataplane.header_buffers)." },
	};

	for (unsigned s = 0; s < sizeof(series) / sizeof(series[0]); s++) {
		const char *sfx = series[s].type[0] == 'c' ? "_total" : "";
		fprintf(f, "# HELP steer_%s%s %s\n# TYPE steer_%s%s %s\n",
			series[s].name, sfx, series[s].help, series[s].name, sfx,
			series[s].type);
		for (unsigned i = 0; i < sh->n_workers; i++) {
			const struct worker *w = sh->workers[i];
			uint64_t v[] = {
				w->st.cnt[CNT_busy_cycles], w->st.cnt[CNT_idle_cycles],
				w->st.cnt[CNT_flows_active], w->max_flows,
				rte_mempool_in_use_count(w->hbufs), w->hbufs->size,
			};
			fprintf(f, "steer_%s%s{worker=\"%u\"} %llu\n", series[s].name,
				sfx, i, (unsigned long long)v[s]);
		}
	}
}

char *metrics_text(const struct dp_shared *sh, size_t *len)
{
	struct steer_stats s;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		return NULL;
	stats_sum(sh, &s);
	const struct dp_pub *p = dp_pub_load(sh);
	const struct steer_conf *c = rs_conf(p->rs);

	fprintf(f, "# HELP steer_drops_total Packets dropped, by reason.\n"
		   "# TYPE steer_drops_total counter\n");
	for (unsigned i = 0; i < DROP__COUNT; i++)
		fprintf(f, "steer_drops_total{reason=\"%s\"} %llu\n",
			steer_drop_names[i], (unsigned long long)s.drop[i]);
	for (unsigned i = 0; i < CNT__COUNT; i++) {
		char name[64];
		if (i == CNT_flows_active)
			continue;
		snprintf(name, sizeof(name), "%s_total", steer_counter_names[i]);
		counter(f, name, steer_counter_names[i], s.cnt[i]);
	}
	fprintf(f, "# HELP steer_flows_active Flows in the tables now.\n"
		   "# TYPE steer_flows_active gauge\nsteer_flows_active %llu\n",
		(unsigned long long)s.cnt[CNT_flows_active]);
	fprintf(f, "# HELP steer_ruleset_generation Generation of the running ruleset.\n"
		   "# TYPE steer_ruleset_generation gauge\nsteer_ruleset_generation %llu\n",
		(unsigned long long)p->generation);
	fprintf(f, "# HELP steer_port_packets_total Packets per port and direction.\n"
		   "# TYPE steer_port_packets_total counter\n");
	for (unsigned i = 0; i < sh->n_ports; i++) {
		fprintf(f, "steer_port_packets_total{port=\"%s\",dir=\"rx\"} %llu\n",
			sh->conf->ports[i].name, (unsigned long long)s.port_rx[i]);
		fprintf(f, "steer_port_packets_total{port=\"%s\",dir=\"tx\"} %llu\n",
			sh->conf->ports[i].name, (unsigned long long)s.port_tx[i]);
	}
	fprintf(f, "# HELP steer_port_bytes_total Bytes per port and direction.\n"
		   "# TYPE steer_port_bytes_total counter\n");
	for (unsigned i = 0; i < sh->n_ports; i++) {
		fprintf(f, "steer_port_bytes_total{port=\"%s\",dir=\"rx\"} %llu\n",
			sh->conf->ports[i].name, (unsigned long long)s.port_rx_bytes[i]);
		fprintf(f, "steer_port_bytes_total{port=\"%s\",dir=\"tx\"} %llu\n",
			sh->conf->ports[i].name, (unsigned long long)s.port_tx_bytes[i]);
	}
	fprintf(f, "# HELP steer_intercept_decisions_total Requests steered by each intercept.\n"
		   "# TYPE steer_intercept_decisions_total counter\n");
	for (unsigned i = 0; s.n_decisions && i < c->n_intercepts; i++)
		fprintf(f, "steer_intercept_decisions_total{intercept=\"%s\"} %llu\n",
			c->intercepts[i]->name,
			(unsigned long long)dp_decisions(sh, s.decisions, i));
	for (unsigned h = 0; h < HIST__COUNT; h++) {
		uint64_t cum = 0;
		fprintf(f, "# HELP steer_%s_seconds Time %s.\n# TYPE steer_%s_seconds histogram\n",
			hist_names[h], hist_help[h], hist_names[h]);
		for (unsigned b = 0; b < HIST_BUCKETS; b++) {
			cum += s.hist[h][b];
			fprintf(f, "steer_%s_seconds_bucket{le=\"%.9g\"} %llu\n",
				hist_names[h], 1e-7 * (double)(1ull << b),
				(unsigned long long)cum);
		}
		cum += s.hist[h][HIST_BUCKETS];
		fprintf(f, "steer_%s_seconds_bucket{le=\"+Inf\"} %llu\n"
			   "steer_%s_seconds_sum %.9f\nsteer_%s_seconds_count %llu\n",
			hist_names[h], (unsigned long long)cum, hist_names[h],
			(double)s.hist_ns[h] * 1e-9, hist_names[h],
			(unsigned long long)cum);
	}
	uint64_t cum = 0;
	fprintf(f, "# HELP steer_requests_per_connection Requests each closed client connection carried.\n"
		   "# TYPE steer_requests_per_connection histogram\n");
	for (unsigned b = 0; b < REQ_BUCKETS; b++) {
		cum += s.req_conn[b];
		fprintf(f, "steer_requests_per_connection_bucket{le=\"%llu\"} %llu\n",
			1ull << b, (unsigned long long)cum);
	}
	cum += s.req_conn[REQ_BUCKETS];
	fprintf(f, "steer_requests_per_connection_bucket{le=\"+Inf\"} %llu\n"
		   "steer_requests_per_connection_sum %llu\n"
		   "steer_requests_per_connection_count %llu\n",
		(unsigned long long)cum, (unsigned long long)s.req_conn_sum,
		(unsigned long long)cum);
	worker_metrics(sh, f);
	ctrl_cluster_metrics(f);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	health_metrics(sh, f, worker_ms(), (double)ts.tv_sec + ts.tv_nsec * 1e-9);
	stats_release(&s);
	fclose(f);
	return buf;
}

unsigned metrics_pollfds(struct pollfd *pfd)
{
	unsigned n = 0;

	if (mx.listen_fd < 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = mx.listen_fd, .events = POLLIN };
	for (unsigned i = 0; i < METRICS_FDS - 1; i++)
		pfd[n++] = (struct pollfd){ .fd = mx.c[i].fd, .events = POLLIN };
	return n;
}

static void conn_close(unsigned i)
{
	close(mx.c[i].fd);
	mx.c[i].fd = -1;
	mx.c[i].len = 0;
}

static void respond(const struct dp_shared *sh, unsigned i)
{
	char head[256];
	size_t len = 0;
	char *body = NULL;
	const char *status = "404 Not Found";

	if (strncmp(mx.c[i].req, "GET /metrics ", 13) == 0 ||
	    strncmp(mx.c[i].req, "GET / ", 6) == 0) {
		body = metrics_text(sh, &len);
		status = body ? "200 OK" : "500 Internal Server Error";
	}
	int hl = snprintf(head, sizeof(head),
			  "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4\r\n"
			  "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			  status, body ? len : 0);
	/* Small and local: a blocking write with a short timeout is fine on
	 * the control thread. */
	struct timeval tv = { .tv_sec = 1 };
	setsockopt(mx.c[i].fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	send(mx.c[i].fd, head, (size_t)hl, MSG_NOSIGNAL);
	for (size_t off = 0; body && off < len;) {
		ssize_t n = send(mx.c[i].fd, body + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(body);
	conn_close(i);
}

void metrics_handle(struct dp_shared *sh, const struct pollfd *pfd, unsigned n)
{
	uint64_t now = worker_ms();

	if (n == 0)
		return;
	for (unsigned i = 0; i < METRICS_FDS - 1; i++) {
		if (mx.c[i].fd < 0)
			continue;
		if (pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(mx.c[i].fd, mx.c[i].req + mx.c[i].len,
					 REQ_MAX - 1 - mx.c[i].len);
			if (r <= 0) {
				conn_close(i);
				continue;
			}
			mx.c[i].len += (size_t)r;
			mx.c[i].req[mx.c[i].len] = '\0';
			if (strstr(mx.c[i].req, "\r\n\r\n") || strstr(mx.c[i].req, "\n\n"))
				respond(sh, i);
			else if (mx.c[i].len == REQ_MAX - 1)
				conn_close(i);
			continue;
		}
		if (now - mx.c[i].since > CONN_MS)
			conn_close(i);
	}
	if (pfd[0].revents & POLLIN) {
		int fd = accept4(mx.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (unsigned i = 0; i < METRICS_FDS - 1; i++)
			if (mx.c[i].fd < 0) {
				mx.c[i].fd = fd;
				mx.c[i].len = 0;
				mx.c[i].since = now;
				return;
			}
		close(fd);
	}
}

void metrics_close(void)
{
	for (unsigned i = 0; i < METRICS_FDS - 1; i++)
		if (mx.c[i].fd >= 0)
			conn_close(i);
	if (mx.listen_fd >= 0)
		close(mx.listen_fd);
	mx.listen_fd = -1;
}
