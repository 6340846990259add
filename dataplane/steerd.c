/* steerd: the DPDK primary process. Loads and compiles the configuration,
 * starts EAL with the config's arguments, brings up the ports, launches one
 * polling worker per lcore, and runs the control loop (ARP, stats, signals)
 * on the main lcore until SIGINT/SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "conf.h"
#include "ctrl.h"
#include "ctrl_ring.h"
#include "ctrl_ttl.h"
#include "metrics.h"
#include "dp.h"
#include "flow.h"
#include "health.h"
#include "neigh.h"
#include "owner.h"
#include "publish.h"
#include "stats.h"
#include "worker.h"

#define RX_DESC 1024
#define TX_DESC 1024

static volatile sig_atomic_t got_quit;
static volatile sig_atomic_t got_dump;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_dump = 1;
	else
		got_quit = 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: steerd -c FILE [--check] [--stats-file PATH] [-- EAL-ARGS...]\n"
		   "  -c, --config FILE    configuration (libconfig; docs/configuration.md)\n"
		   "  --check              validate the configuration and exit\n"
		   "  --stats-file PATH    where SIGUSR1 and exit write counters (JSON);\n"
		   "                       default: standard error\n");
}

static void write_stats(const struct dp_shared *sh, const char *path)
{
	if (path == NULL) {
		stats_write_json(sh, stderr, true);
		return;
	}
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "steerd: %s: %s\n", tmp, strerror(errno));
		return;
	}
	stats_write_json(sh, f, true);
	fclose(f);
	/* rename: a reader never sees half a file */
	if (rename(tmp, path) != 0)
		fprintf(stderr, "steerd: %s: %s\n", path, strerror(errno));
}

static int port_setup(struct dp_shared *sh, unsigned i, const struct conf_port *cp)
{
	struct port_info *pi = &sh->ports[i];
	struct rte_eth_conf ec = { 0 };
	struct rte_eth_dev_info info;
	uint16_t id;
	int ret;

	if (rte_eth_dev_get_port_by_name(cp->device, &id) != 0) {
		fprintf(stderr, "steerd: %s:%d: port '%s': no DPDK device '%s' (add a --vdev or PCI address to dataplane.eal)\n",
			sh->conf->file, cp->line, cp->name, cp->device);
		return -ENODEV;
	}
	ret = rte_eth_dev_info_get(id, &info);
	if (ret != 0)
		return ret;
	if (info.max_rx_queues < sh->n_workers || info.max_tx_queues < sh->n_workers) {
		fprintf(stderr, "steerd: port '%s' has %u rx / %u tx queues, %u workers need one each (net_af_packet: qpairs=%u)\n",
			cp->name, info.max_rx_queues, info.max_tx_queues,
			sh->n_workers, sh->n_workers);
		return -EINVAL;
	}
	if (sh->n_workers > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_TCP)) {
		ec.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		ec.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_TCP & info.flow_type_rss_offloads;
	}
	/* Checksums the NIC verifies are not summed again (seg_csum_ok(),
	 * ipv4_input()): most NICs can; the virtual devices cannot. */
	ec.rxmode.offloads = info.rx_offload_capa &
		(RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM);
	ret = rte_eth_dev_configure(id, (uint16_t)sh->n_workers, (uint16_t)sh->n_workers, &ec);
	if (ret != 0)
		return ret;
	for (unsigned q = 0; q < sh->n_workers; q++) {
		struct worker *w = sh->workers[q];
		ret = rte_eth_rx_queue_setup(id, (uint16_t)q, RX_DESC,
					     (unsigned)rte_eth_dev_socket_id(id), NULL, w->pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(id, (uint16_t)q, TX_DESC,
						     (unsigned)rte_eth_dev_socket_id(id), NULL);
		if (ret != 0)
			return ret;
	}
	ret = rte_eth_dev_start(id);
	if (ret != 0)
		return ret;
	pi->port_id = id;
	pi->ip = rte_cpu_to_be_32(cp->ip);
	pi->mask = cp->plen ? rte_cpu_to_be_32(~0u << (32 - cp->plen)) : 0;
	rte_eth_macaddr_get(id, &pi->mac);
	if (rte_eth_dev_get_mtu(id, &pi->mtu) != 0 || pi->mtu < 576 || pi->mtu > 9000)
		pi->mtu = 1500;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "stats-file", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *stats_file = NULL;
	bool check = false;
	int opt;
	char err[1024];

	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'k': check = true; break;
		case 's': stats_file = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (config == NULL) {
		usage(stderr);
		return 2;
	}
	struct steer_conf *c = conf_load_file(config, err, sizeof(err));
	if (c == NULL) {
		fprintf(stderr, "steerd: %s\n", err);
		return 1;
	}
	struct ruleset *rs = rs_compile(c, err, sizeof(err));
	if (rs == NULL) {
		fprintf(stderr, "steerd: %s\n", err);
		conf_free(c);
		return 1;
	}
	if (check) {
		printf("%s: ok (%u listeners, %u services, %u tunnels, %u intercepts)\n",
		       config, c->n_listeners, c->n_services, c->n_tunnels, c->n_intercepts);
		rs_free(rs);
		return 0;
	}

	/* EAL: argv[0], the config's arguments, then anything after "--". */
	int eal_argc = 0;
	char **eal_argv = calloc((size_t)(c->dataplane.n_eal + (unsigned)argc + 2), sizeof(char *));
	if (eal_argv == NULL)
		return 1;
	eal_argv[eal_argc++] = argv[0];
	for (unsigned i = 0; i < c->dataplane.n_eal; i++)
		eal_argv[eal_argc++] = c->dataplane.eal[i];
	for (int i = optind; i < argc; i++)
		eal_argv[eal_argc++] = argv[i];
	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "steerd: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}

	int ret = 1;
	unsigned n_workers = c->dataplane.workers;
	if (rte_lcore_count() < n_workers + 1) {
		fprintf(stderr, "steerd: %u workers need %u lcores (main + workers), EAL has %u: add e.g. \"--lcores=0-%u@(0-%u)\" to dataplane.eal\n",
			n_workers, n_workers + 1, rte_lcore_count(), n_workers,
			(unsigned)sysconf(_SC_NPROCESSORS_ONLN) - 1);
		goto out;
	}
	if (c->n_ports > STEER_MAX_PORTS) {
		fprintf(stderr, "steerd: at most %u ports\n", STEER_MAX_PORTS);
		goto out;
	}
	struct dp_shared *sh = rte_zmalloc("shared", sizeof(*sh), RTE_CACHE_LINE_SIZE);
	if (sh == NULL)
		goto out;
	/* The dataplane section (timeouts, sizes, ports, routes) is fixed for
	 * the process's life; the ruleset's own copy goes with the ruleset
	 * when a reload replaces it. */
	sh->conf = conf_load_file(config, err, sizeof(err));
	if (sh->conf == NULL) {
		fprintf(stderr, "steerd: %s\n", err);
		goto out;
	}
	sh->n_workers = n_workers;
	sh->n_ports = c->n_ports;
	sh->ports_per_worker = dp_ports_per_worker(n_workers);
	sh->config_path = config;
	sh->start_ms = worker_ms();
	size_t qsz = rte_rcu_qsbr_get_memsize(n_workers);
	sh->qsbr = rte_zmalloc("qsbr", qsz, RTE_CACHE_LINE_SIZE);
	sh->slot_name = calloc(STEER_MAX_SLOTS, sizeof(char *));
	sh->slot_base = calloc(STEER_MAX_SLOTS, sizeof(uint64_t));
	if (sh->qsbr == NULL || rte_rcu_qsbr_init(sh->qsbr, n_workers) != 0 ||
	    sh->slot_name == NULL || sh->slot_base == NULL)
		goto out;
	sh->neigh = neigh_create();
	sh->ctrl_ring = rte_ring_create("ctrl", 4096, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (sh->neigh == NULL || sh->ctrl_ring == NULL || health_init(sh) != 0)
		goto out;

	unsigned lcore = rte_get_main_lcore();
	for (unsigned i = 0; i < n_workers; i++) {
		lcore = rte_get_next_lcore(lcore, 1, 0);
		if (worker_create(sh, i, lcore, rs) != 0) {
			fprintf(stderr, "steerd: worker %u: out of memory (raise -m in dataplane.eal, or lower max_flows)\n", i);
			goto out;
		}
	}
	/* The boot ruleset is publication 1: workers find it in place. */
	if (dp_publish(sh, rs, err, sizeof(err)) != 0) {
		fprintf(stderr, "steerd: %s\n", err);
		goto out;
	}
	for (unsigned p = 0; p < c->n_ports; p++) {
		int r = port_setup(sh, p, &c->ports[p]);
		if (r != 0) {
			if (r != -ENODEV && r != -EINVAL)
				fprintf(stderr, "steerd: port '%s': %s\n", c->ports[p].name,
					rte_strerror(-r));
			goto out;
		}
	}

	int cr = ctrl_open(sh);
	if (cr != 0) {
		fprintf(stderr, "steerd: control socket %s: %s\n", sh->conf->control.socket,
			strerror(-cr));
		goto out;
	}
	cr = metrics_open(sh);
	if (cr != 0) {
		fprintf(stderr, "steerd: metrics listener %s: %s\n", sh->conf->control.metrics,
			strerror(-cr));
		ctrl_close(sh);
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	for (unsigned i = 0; i < n_workers; i++)
		rte_eal_remote_launch(worker_loop, sh->workers[i], sh->workers[i]->lcore);
	sh->serving = true;
	neigh_announce(sh);
	fprintf(stderr, "steerd: serving %s with %u worker(s) on %u port(s)\n",
		config, n_workers, c->n_ports);

	uint64_t last_tick = 0;
	while (!got_quit) {
		uint64_t now = worker_ms();
		ctrl_ring_poll(sh, now);
		if (now - last_tick >= 10) {
			neigh_tick(sh, now);
			owner_tick(sh, now);
			health_tick(sh, now);
			ctrl_ttl_tick(sh, now);
			last_tick = now;
		}
		if (got_dump) {
			got_dump = 0;
			write_stats(sh, stats_file);
		}
		ctrl_poll(sh, 1);
	}
	sh->serving = false;
	ctrl_close(sh);
	metrics_close();
	sh->quit = true;
	rte_eal_mp_wait_lcore();
	write_stats(sh, stats_file);
	for (unsigned p = 0; p < sh->n_ports; p++) {
		rte_eth_dev_stop(sh->ports[p].port_id);
		rte_eth_dev_close(sh->ports[p].port_id);
	}
	dp_publish_fini(sh);
	health_fini(sh);
	ret = 0;
out:
	rte_eal_cleanup();
	return ret;
}
