/* steer-gen: a DPDK traffic generator that plays both ends of the router
 * (clients on the edge port; backends, tunnel gateways and VXLAN
 * developers on the inner port) and checks that every response came from
 * where the rules say. On request it adds a spoofed SYN flood
 * (gen_flood.c) and slowloris connections (gen_slow.c) to that mix. One
 * lcore runs everything: poll both ports, open connections, scan timers,
 * flood, report. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "gen.h"

#define N_MBUFS 32767u
#define TIMER_SCAN 64             /* connections checked per loop, per side */
#define SLOW_SCAN 256             /* slowloris slots checked per loop */

static volatile sig_atomic_t got_quit;

static void on_signal(int sig)
{
	(void)sig;
	got_quit++;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: steer-gen -c FILE [options] [-- EAL-ARGS...]\n"
		"  -c, --config FILE      topology, servers and mix (libconfig; tests/gen/gen.conf)\n"
		"  -d, --duration S       open connections for S seconds\n"
		"  -n, --connections N    open N connections in all (0: until the duration ends)\n"
		"  -C, --concurrency N    connections open at once, at most\n"
		"  -r, --rate N           new connections per second (0: as fast as possible)\n"
		"  -R, --requests N       requests per connection (keep-alive), then FIN\n"
		"  --classes request|connection\n"
		"                         request (default): each request draws its own mix\n"
		"                         entry and its response is checked against it, as\n"
		"                         steerd routes every request by its own header;\n"
		"                         connection: all requests of a connection are of\n"
		"                         the first one's entry (steerd keeps its backend)\n"
		"  -b, --response-body N  bytes of every response body\n"
		"  --backoff              sleep after empty polls (when sharing cores)\n"
		"  --json                 summary as JSON\n"
		"Attack modes, added to the mix above while it opens connections:\n"
		"  --syn-flood RATE       spoofed SYNs per second to the listener (at most %u)\n"
		"  --flood-src CIDR       their random sources (default and limit " GEN_SPOOF_ALLOWED ";\n"
		"                         none of edge.clients); the listener must be in " GEN_TARGET_ALLOWED "\n"
		"  --flood-duration S     flood for the first S seconds only (0: all of -d)\n"
		"  --slowloris N          N connections (at most %u) from the client addresses that\n"
		"                         never finish a header, reopened when the router cuts them\n"
		"  --slowloris-interval MS  between their header lines (default 1000)\n"
		"  --min-success PCT      exit 0 when at least PCT%% of the legitimate requests\n"
		"                         succeed and none is misrouted, whatever else failed\n"
		"Exit status: 0 when no error and no misroute (or --min-success met), 1 otherwise,\n"
		"2 usage.\n", GEN_PACE_MAX_RATE, GEN_SLOW_MAX);
}

static uint64_t now_ms(const struct gen *g)
{
	return rte_rdtsc() * 1000 / g->tsc_hz;
}

/* The exit status: any error or misroute fails the run, unless
 * --min-success asked only for a legitimate success rate (under attack,
 * some failures are what is measured); a misroute or a corrupted frame
 * fails it still. */
static bool gen_failed(const struct gen *g)
{
	const struct gen_stats *st = &g->st;
	int min = g->conf->run.min_success_pm;

	if (st->misroutes || st->err[GEN_ERR_bad_checksum])
		return true;
	if (min < 0)
		return gen_errors(st) != 0;
	return gen_success_permille(st->legit_ok, st->legit_ok + st->legit_failed) <
	       (unsigned)min;
}

static int run(struct gen *g, bool backoff, bool json)
{
	const struct gen_run *r = &g->conf->run;
	struct gen_stats prev = { 0 };
	unsigned empty = 0, sleep_us = 1;

	g->tsc_hz = rte_get_tsc_hz();
	g->now_ms = now_ms(g);
	/* Learn the edge router's MAC before the clock starts. */
	uint64_t give_up = g->now_ms + 5000, last_arp = 0;
	while (!g->port[PORT_EDGE].router_known && !got_quit) {
		g->now_ms = now_ms(g);
		if (g->now_ms > give_up) {
			fprintf(stderr, "steer-gen: the edge router %s does not answer ARP\n",
				"(edge.router)");
			return 1;
		}
		if (g->now_ms - last_arp >= 100) {
			gen_arp_tick(g);
			last_arp = g->now_ms;
		}
		gen_rx(g);
		gen_tx_flush(g);
	}
	g->now_tsc = rte_rdtsc();
	uint64_t start_tsc = g->now_tsc, last_tsc = start_tsc;
	uint64_t start = now_ms(g), last_report = start, drain_at = 0;
	g->opening = true;
	gen_flood_start(g, start);
	while (1) {
		g->now_tsc = rte_rdtsc();
		g->now_ms = g->now_tsc * 1000 / g->tsc_hz;
		uint64_t rx0 = g->st.notes.rx_frames;
		gen_rx(g);
		if (g->opening && (got_quit || g->now_ms - start >= r->duration_s * 1000ull ||
				   (r->connections && g->st.conns_opened >= r->connections))) {
			g->opening = false;
			drain_at = g->now_ms;
		}
		if (r->rate) {
			g->tokens += (double)r->rate * (double)(g->now_tsc - last_tsc) /
				     (double)g->tsc_hz;
			double cap = r->rate / 100.0 + GEN_BURST;
			if (g->tokens > cap)
				g->tokens = cap;
		}
		last_tsc = g->now_tsc;
		gen_client_open(g);
		gen_client_timers(g, TIMER_SCAN);
		gen_server_timers(g, TIMER_SCAN);
		gen_slow_tick(g, SLOW_SCAN);
		gen_tx_flush(g);
		gen_flood_tick(g);
		if (g->now_ms - last_report >= 1000) {
			gen_report_progress(g, &prev, (double)(g->now_ms - last_report) / 1000);
			prev = g->st;
			last_report = g->now_ms;
		}
		if (!g->opening && g->c_active == 0 && g->l_active == 0)
			break;
		if (!g->opening && (g->now_ms - drain_at > r->timeout_ms + 1000 ||
				    got_quit > 1)) {
			gen_client_abort_all(g);
			gen_slow_stop(g);
			gen_tx_flush(g);
			break;
		}
		/* Sharing cores with the router: yield when idle, as steerd's
		 * idle_backoff does, or both spin for the same CPU. */
		if (backoff && g->st.notes.rx_frames == rx0) {
			if (++empty >= 256) {
				usleep(sleep_us);
				sleep_us = sleep_us < 64 ? sleep_us * 2 : 64;
			}
		} else {
			empty = 0;
			sleep_us = 1;
		}
	}
	double secs = (double)(rte_rdtsc() - start_tsc) / (double)g->tsc_hz;
	gen_report_summary(g, secs, json);
	return gen_failed(g) ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "connections", required_argument, NULL, 'n' },
		{ "concurrency", required_argument, NULL, 'C' },
		{ "rate", required_argument, NULL, 'r' },
		{ "requests", required_argument, NULL, 'R' },
		{ "response-body", required_argument, NULL, 'b' },
		{ "classes", required_argument, NULL, 'K' },
		{ "backoff", no_argument, NULL, 'B' },
		{ "json", no_argument, NULL, 'j' },
		{ "syn-flood", required_argument, NULL, 'F' },
		{ "flood-src", required_argument, NULL, 'S' },
		{ "flood-duration", required_argument, NULL, 'D' },
		{ "slowloris", required_argument, NULL, 'L' },
		{ "slowloris-interval", required_argument, NULL, 'I' },
		{ "min-success", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct gen_conf conf;
	static struct gen g;
	const char *path = NULL, *classes = NULL, *flood_src = NULL, *min_success = NULL;
	long v[128] = { 0 };
	bool set[128] = { false }, backoff = false, json = false;
	char err[512];
	int opt;

	while ((opt = getopt_long(argc, argv, "c:d:n:C:r:R:b:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'B': backoff = true; break;
		case 'K': classes = optarg; break;
		case 'j': json = true; break;
		case 'S': flood_src = optarg; break;
		case 'M': min_success = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'd': case 'n': case 'C': case 'r': case 'R': case 'b':
		case 'F': case 'D': case 'L': case 'I': {
			char *end;
			v[opt] = strtol(optarg, &end, 10);
			if (*end || !*optarg || v[opt] < 0 || v[opt] > 0x7fffffff) {
				fprintf(stderr, "steer-gen: '%s' is not a number\n", optarg);
				return 2;
			}
			set[opt] = true;
			break;
		}
		default: usage(stderr); return 2;
		}
	}
	if (path == NULL) {
		usage(stderr);
		return 2;
	}
	if (gen_conf_load(&conf, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "steer-gen: %s\n", err);
		return 2;
	}
	struct gen_run *r = &conf.run;
	if (set['d']) r->duration_s = (unsigned)v['d'];
	if (set['n']) r->connections = (uint64_t)v['n'];
	if (set['C']) r->concurrency = (unsigned)v['C'];
	if (set['r']) r->rate = (unsigned)v['r'];
	if (set['R']) r->requests = (unsigned)v['R'];
	if (set['b']) r->response_body = (uint32_t)v['b'];
	if (set['F']) r->syn_flood = (unsigned)v['F'];
	if (set['D']) r->flood_duration_s = (unsigned)v['D'];
	if (set['L']) r->slowloris = (unsigned)v['L'];
	if (set['I']) r->slowloris_interval_ms = (unsigned)v['I'];
	if (flood_src && gen_cidr_parse(flood_src, &r->flood_src) != 0) {
		fprintf(stderr, "steer-gen: --flood-src wants a.b.c.d/len without host bits\n");
		return 2;
	}
	if (min_success) {
		char *end;
		double pct = strtod(min_success, &end);
		if (*end || end == min_success || gen_parse_percent(pct, &r->min_success_pm) != 0) {
			fprintf(stderr, "steer-gen: --min-success wants a percentage, 0..100\n");
			return 2;
		}
	}
	/* Before EAL: a refused attack touches no device. */
	if (gen_conf_check_attacks(&conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "steer-gen: %s\n", err);
		return 2;
	}
	if (classes && gen_parse_classes(classes, &r->per_connection) != 0) {
		fprintf(stderr, "steer-gen: --classes wants request or connection\n");
		return 2;
	}
	if (r->requests == 0 || r->requests > 0xffff || r->concurrency == 0 ||
	    r->concurrency > 1000000) {
		fprintf(stderr, "steer-gen: requests must be 1..65535, concurrency 1..1000000\n");
		return 2;
	}

	char *eal_argv[GEN_MAX_EAL + 64];
	int eal_argc = 0;
	eal_argv[eal_argc++] = argv[0];
	for (unsigned i = 0; i < conf.n_eal; i++)
		eal_argv[eal_argc++] = conf.eal[i];
	for (int i = optind; i < argc && eal_argc < GEN_MAX_EAL + 63; i++)
		eal_argv[eal_argc++] = argv[i];
	eal_argv[eal_argc] = NULL;
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "steer-gen: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	int ret = 1;
	g.conf = &conf;
	g.rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid() ^ rte_rdtsc();
	/* Room for the concurrency on each side plus connections still
	 * closing: the tables never grow. */
	g.max_conns = r->concurrency * 2 + 1024;
	g.pool = rte_pktmbuf_pool_create("gen_pool", N_MBUFS, 256, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (g.pool == NULL || gen_client_init(&g) != 0 || gen_server_init(&g) != 0 ||
	    gen_slow_init(&g) != 0) {
		fprintf(stderr, "steer-gen: out of memory (raise -m in eal, or lower --concurrency)\n");
		goto out;
	}
	if (gen_ports_start(&g) != 0)
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	ret = run(&g, backoff, json);
	for (unsigned p = 0; p < GEN_N_PORTS; p++) {
		rte_eth_dev_stop(g.port[p].id);
		rte_eth_dev_close(g.port[p].id);
	}
out:
	rte_eal_cleanup();
	gen_conf_free(&conf);
	return ret;
}
