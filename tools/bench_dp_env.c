/* bench_dp's environment: steerd's boot sequence without NICs (as the packet
 * tests' harness does it: EAL without huge pages, a hand-built dp_shared,
 * worker_create, dp_publish, neighbours learnt from ARP replies), two ring
 * ports (rte_eth_from_rings) where the NICs would be, and the loops the
 * benchmark times. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "bench_dp.h"
#include "conf.h"
#include "neigh.h"
#include "publish.h"
#include "rules.h"
#include "worker.h"

#define MAC(a, b, c, d, e, f) {{ 0x##a, 0x##b, 0x##c, 0x##d, 0x##e, 0x##f }}

const struct rte_ether_addr edge_mac = MAC(02, 00, 00, 00, 00, 01);
const struct rte_ether_addr inner_mac = MAC(02, 00, 00, 00, 01, 01);
const struct rte_ether_addr client_mac = MAC(02, c1, 00, 00, 00, 64);
const uint32_t backend_ip[N_BACKENDS] = { IP4(198, 18, 1, 10), IP4(198, 18, 1, 11) };
const struct rte_ether_addr backend_mac[N_BACKENDS] = {
	MAC(02, be, 00, 00, 00, 0a), MAC(02, be, 00, 00, 00, 0b),
};
const uint32_t bob_ip = IP4(198, 18, 1, 21);
const struct rte_ether_addr bob_mac = MAC(02, b0, b0, 00, 00, 15);

#define RING_SIZE 16384           /* holds a whole round (bench_dp.c) */
#define POOL_SIZE 32767           /* the peers' frames */

static void env_die(const char *what, const char *why)
{
	fprintf(stderr, "bench_dp: %s: %s\n", what, why);
	exit(2);
}

void env_eal_init(const char *prog, unsigned mem_mb, unsigned lcores)
{
	char prefix[64], mem[16], cores[16];

	snprintf(prefix, sizeof(prefix), "steer-bdp-%d", (int)getpid());
	snprintf(mem, sizeof(mem), "%u", mem_mb);
	snprintf(cores, sizeof(cores), "0-%u", lcores - 1);
	char *argv[] = { (char *)prog, "--no-huge", "--no-pci", "--no-telemetry",
			 "-l", cores, "-m", mem, "--file-prefix", prefix,
			 "--log-level=lib.eal:error", NULL };
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	if (rte_eal_init(argc, argv) < 0)
		env_die("EAL init failed", rte_strerror(rte_errno));
	/* Without huge pages EAL's memory is faulted in on first touch, one
	 * 4 KiB page at a time: fault it all in now (and what is mapped
	 * later), or the first pass over each pool pays page faults inside
	 * the timed loops. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
		fprintf(stderr, "bench_dp: mlockall: %s (page faults will be timed)\n",
			strerror(errno));
}

/* The demo-like configuration of the packet tests: one listener, a web
 * service with two backends, a direct and a VXLAN tunnel with an intercept
 * each, previews; so a decision does the work it does in the demo. Idle
 * back-off off (worker_loop's sleep is not in the measured loop anyway);
 * idle_s long so that no idle timer fires during a run. The listener's
 * routing is --routing's. */
static const char conf_fmt[] =
	"dataplane = {\n"
	"  workers = %u; max_flows = %u; header_max = 4096; idle_backoff = false;\n"
	"  pool_max = %u;\n"
	"  timeouts = { syn_ms = 5000; header_ms = 10000; connect_ms = 2000;\n"
	"               idle_s = 86400; linger_ms = %u; };\n"
	"};\n"
	"ports = (\n"
	"  { name = \"edge\";  device = \"bdp_edge\";  address = \"198.18.0.1/24\"; },\n"
	"  { name = \"inner\"; device = \"bdp_inner\"; address = \"198.18.1.1/24\"; }\n"
	");\n"
	"listeners = (\n"
	"  { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	"    routing = \"%s\";\n"
	"    routes = ( { host = \"api.example.test\"; service = \"api\"; } ); }\n"
	");\n"
	"services = (\n"
	"  { name = \"web\"; backends = ( { address = \"198.18.1.10:8080\"; },\n"
	"                                { address = \"198.18.1.11:8080\"; } ); },\n"
	"  { name = \"api\"; backends = ( { address = \"198.18.1.12:8080\"; } ); }\n"
	");\n"
	"tunnels = (\n"
	"  { name = \"alice\"; type = \"vxlan\"; remote = \"198.18.1.20\"; vni = 42;\n"
	"    source = \"198.19.0.1\"; target = \"198.19.0.2:8080\"; },\n"
	"  { name = \"bob\"; type = \"direct\"; target = \"198.18.1.21:9000\"; }\n"
	");\n"
	"intercepts = (\n"
	"  { name = \"alice-web\"; service = \"web\"; tunnel = \"alice\";\n"
	"    headers = ( { name = \"x-telepresence-intercept-id\"; value = \"7f3a:alice-web\"; } );\n"
	"    preview = \"alice-7f3a\"; },\n"
	"  { name = \"bob-web\"; service = \"web\"; tunnel = \"bob\";\n"
	"    headers = ( { name = \"x-dev\"; value = \"bob\"; } ); preview = \"bob-b0b\"; }\n"
	");\n"
	"previews = { domain = \"preview.example.test\"; };\n";

/* A ring port with N queue pairs, queue I for bench B[I]: RX from one
 * ring, TX into another (net_ring PMD). */
static uint16_t ring_port(struct bench *b, unsigned n, unsigned p, const char *name)
{
	char rname[RTE_RING_NAMESIZE];
	struct rte_eth_conf ec = { 0 };
	struct rte_ring *rx[RTE_MAX_LCORE], *tx[RTE_MAX_LCORE];
	int socket = (int)rte_socket_id();

	for (unsigned q = 0; q < n; q++) {
		snprintf(rname, sizeof(rname), "%s_rx%u", name, q);
		rx[q] = b[q].rx[p] = rte_ring_create(rname, RING_SIZE, socket,
						     RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(rname, sizeof(rname), "%s_tx%u", name, q);
		tx[q] = b[q].tx[p] = rte_ring_create(rname, RING_SIZE, socket,
						     RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (rx[q] == NULL || tx[q] == NULL)
			env_die("ring", rte_strerror(rte_errno));
	}
	int id = rte_eth_from_rings(name, rx, n, tx, n, (unsigned)socket);
	if (id < 0)
		env_die("rte_eth_from_rings", rte_strerror(rte_errno));
	/* Fast-path functions are installed by dev_start (DPDK >= 21.11). */
	if (rte_eth_dev_configure((uint16_t)id, (uint16_t)n, (uint16_t)n, &ec) != 0)
		env_die("ring port", name);
	for (unsigned q = 0; q < n; q++)
		if (rte_eth_rx_queue_setup((uint16_t)id, (uint16_t)q, 1024, (unsigned)socket,
					   NULL, b[q].pool) != 0 ||
		    rte_eth_tx_queue_setup((uint16_t)id, (uint16_t)q, 1024,
					   (unsigned)socket, NULL) != 0)
			env_die("ring port", name);
	if (rte_eth_dev_start((uint16_t)id) != 0)
		env_die("ring port", name);
	return (uint16_t)id;
}

/* steerd.c control_poll(): ARP frames and resolve requests. */
static void control_poll(struct dp_shared *sh)
{
	void *objs[64];
	unsigned n;

	while ((n = rte_ring_dequeue_burst(sh->ctrl_ring, objs, 64, NULL)) > 0)
		for (unsigned i = 0; i < n; i++) {
			uintptr_t v = (uintptr_t)objs[i];
			if (v & 1)
				neigh_request(sh, (uint32_t)(v >> 41), (uint32_t)(v >> 1),
					      (unsigned)(v >> 33) & 0xff);
			else
				neigh_input(sh, objs[i], MBUF_ZONE((struct rte_mbuf *)objs[i]));
		}
}

/* The backends and bob announce themselves (ARP replies to the inner
 * port), as the packet tests' harness does: no ARP exchange inside the
 * measurements. */
static void resolve_backends(struct bench *b)
{
	uint32_t ip[N_BACKENDS + 1];
	const struct rte_ether_addr *mac[N_BACKENDS + 1];

	for (unsigned i = 0; i < N_BACKENDS; i++) {
		ip[i] = backend_ip[i];
		mac[i] = &backend_mac[i];
	}
	ip[N_BACKENDS] = bob_ip;
	mac[N_BACKENDS] = &bob_mac;
	for (unsigned i = 0; i <= N_BACKENDS; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(b->pool);
		uint8_t *p = m ? (uint8_t *)rte_pktmbuf_append(m, 14 + 28) : NULL;
		if (p == NULL)
			env_die("ARP frame", "no mbuf");
		wire_arp_frame(p, &inner_mac, 2, mac[i], ip[i], &inner_mac, INNER_IP);
		worker_input(b->w, &m, 1, PORT_INNER);
	}
	worker_tick(b->w);
	control_poll(b->sh);
	for (unsigned i = 0; i <= N_BACKENDS; i++) {
		struct rte_ether_addr got;
		if (!neigh_lookup(b->sh->neigh, 0, rte_cpu_to_be_32(ip[i]), &got) ||
		    !rte_is_same_ether_addr(&got, mac[i]))
			env_die("neighbours", "a backend's MAC was not learnt");
	}
}

static void perf_open(struct bench *b)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_HARDWARE, .size = sizeof(a),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.exclude_kernel = 1, .exclude_hv = 1,
	};

	b->perf_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (b->perf_fd < 0)
		snprintf(b->perf_err, sizeof(b->perf_err), "%s", strerror(errno));
}

void env_create_workers(struct bench *b, unsigned n, uint32_t max_flows)
{
	static char text[8192];
	char err[1024], name[32];
	struct dp_shared *sh;

	snprintf(text, sizeof(text), conf_fmt, n, max_flows, b->pool_max, b->linger_ms,
		 b->routing == ROUTING_CONNECTION ? "connection" : "request");
	/* As steerd: the boot configuration lives for the process; the
	 * ruleset owns its own copy. */
	struct steer_conf *boot = conf_load_string(text, "bench_dp.conf", err, sizeof(err));
	struct steer_conf *c = conf_load_string(text, "bench_dp.conf", err, sizeof(err));
	if (boot == NULL || c == NULL)
		env_die("configuration", err);
	struct ruleset *rs = rs_compile(c, err, sizeof(err));
	if (rs == NULL)
		env_die("rules", err);

	sh = calloc(1, sizeof(*sh));
	if (sh == NULL)
		env_die("dp_shared", "out of memory");
	sh->conf = boot;
	sh->n_workers = n;
	sh->n_ports = N_PORTS;
	sh->ports_per_worker = dp_ports_per_worker(n);
	sh->qsbr = rte_zmalloc("bdp_qsbr", rte_rcu_qsbr_get_memsize(n), RTE_CACHE_LINE_SIZE);
	sh->slot_name = calloc(STEER_MAX_SLOTS, sizeof(char *));
	sh->slot_base = calloc(STEER_MAX_SLOTS, sizeof(uint64_t));
	sh->neigh = neigh_create();
	sh->ctrl_ring = rte_ring_create("bdp_ctrl", 4096, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (sh->qsbr == NULL || rte_rcu_qsbr_init(sh->qsbr, n) != 0 ||
	    sh->slot_name == NULL || sh->slot_base == NULL || sh->neigh == NULL ||
	    sh->ctrl_ring == NULL)
		env_die("shared state", "out of memory");
	for (unsigned i = 0; i < n; i++) {
		b[i].linger_ms = b->linger_ms;
		b[i].routing = b->routing;
		b[i].sh = sh;
		b[i].n_benches = n;
		snprintf(name, sizeof(name), i ? "bdp_peers%u" : "bdp_peers", i);
		b[i].pool = rte_pktmbuf_pool_create(name, POOL_SIZE, 256, 0,
						    RTE_MBUF_DEFAULT_BUF_SIZE,
						    (int)rte_socket_id());
		if (b[i].pool == NULL)
			env_die("peers' pool", rte_strerror(rte_errno));
	}

	static const char *const names[N_PORTS] = { "bdp_edge", "bdp_inner" };
	static const uint32_t ips[N_PORTS] = { EDGE_IP, INNER_IP };
	const struct rte_ether_addr *macs[N_PORTS] = { &edge_mac, &inner_mac };
	for (unsigned p = 0; p < N_PORTS; p++) {
		uint16_t id = ring_port(b, n, p, names[p]);
		for (unsigned i = 0; i < n; i++)
			b[i].port_id[p] = id;
		sh->ports[p] = (struct port_info){ .port_id = id,
			.ip = rte_cpu_to_be_32(ips[p]),
			.mask = rte_cpu_to_be_32(0xffffff00u), .mac = *macs[p],
			.mtu = 1500 };
	}
	unsigned lcore = rte_lcore_id();
	for (unsigned i = 0; i < n; i++) {
		int rc = worker_create(sh, i, lcore, rs);
		if (rc != 0)
			env_die("worker_create", strerror(-rc));
		b[i].w = sh->workers[i];
		b[i].now = 100000;          /* past one turn of the timer wheel */
		b[i].w->now = b[i].now;
		b[i].w->wheel_now = b[i].now;
		lcore = rte_get_next_lcore(lcore, 0, 0);
	}
	if (dp_publish(sh, rs, err, sizeof(err)) != 0)
		env_die("dp_publish", err);
	/* As worker_loop() does before its first iteration. */
	for (unsigned i = 0; i < n; i++) {
		rte_rcu_qsbr_thread_register(sh->qsbr, b[i].w->id);
		rte_rcu_qsbr_thread_online(sh->qsbr, b[i].w->id);
	}
	resolve_backends(b);
	perf_open(b);
	for (unsigned i = 1; i < n; i++) {
		/* the counter is the opening thread's: worker I's runs on
		 * another lcore */
		b[i].perf_fd = -1;
		snprintf(b[i].perf_err, sizeof(b[i].perf_err), "not on the main lcore");
	}
}

void env_create(struct bench *b, uint32_t max_flows)
{
	env_create_workers(b, 1, max_flows);
}

/* ---- the loops ------------------------------------------------------------ */

/* One iteration of worker_loop() (worker.c) per pass, minus its clock
 * (w->now is the benchmark's) and idle back-off: RX burst from every port
 * into worker_input(), worker_tick() (hand-off and TX rings, timers, TX
 * flush through rte_eth_tx_burst), the poll counter, the quiescent state
 * report, busy cycles. Ends when TOTAL frames were taken in, or when a pass
 * took none (the rings ran dry). At least one pass: with TOTAL 0 it is a
 * timer tick. */
static inline unsigned steer_loop(struct worker *w, unsigned total)
{
	struct dp_shared *sh = w->sh;
	struct rte_mbuf *pkts[BURST];
	unsigned got = 0;

	for (;;) {
		uint64_t t0 = rte_rdtsc();
		unsigned pass = 0;

		for (unsigned p = 0; p < sh->n_ports; p++) {
			uint16_t n = rte_eth_rx_burst(sh->ports[p].port_id, w->queue,
						      pkts, BURST);
			if (n) {
				worker_input(w, pkts, n, p);
				pass += n;
			}
		}
		worker_tick(w);
		w->st.cnt[CNT_polls]++;
		rte_rcu_qsbr_quiescent(sh->qsbr, w->id);
		w->st.cnt[CNT_busy_cycles] += rte_rdtsc() - t0;
		got += pass;
		if (got >= total || pass == 0)
			return got;
	}
}

/* testpmd's "io" forwarding (and "macswap", which also swaps the Ethernet
 * addresses, so it reads and writes each frame): RX burst from each port,
 * TX burst of the same mbufs to the other port, same burst size, same
 * rings. */
static inline unsigned fwd_loop(struct bench *b, unsigned total, bool macswap)
{
	struct rte_mbuf *pkts[BURST];
	unsigned got = 0;

	for (;;) {
		unsigned pass = 0;

		for (unsigned p = 0; p < N_PORTS; p++) {
			uint16_t n = rte_eth_rx_burst(b->port_id[p], b->w->queue, pkts, BURST);
			if (n == 0)
				continue;
			if (macswap)
				for (uint16_t i = 0; i < n; i++) {
					struct rte_ether_hdr *eth =
						rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
					struct rte_ether_addr a = eth->dst_addr;
					eth->dst_addr = eth->src_addr;
					eth->src_addr = a;
				}
			uint16_t sent = rte_eth_tx_burst(b->port_id[p ^ 1], b->w->queue, pkts, n);
			if (unlikely(sent < n)) {
				b->refused += n - sent;
				rte_pktmbuf_free_bulk(pkts + sent, n - sent);
			}
			pass += n;
		}
		got += pass;
		if (got >= total || pass == 0)
			return got;
	}
}

#define STEER_LOOP(name) \
	BENCH_LOOP unsigned bench_loop_##name(struct bench *b, unsigned total); \
	unsigned bench_loop_##name(struct bench *b, unsigned total) \
	{ \
		return steer_loop(b->w, total); \
	}

STEER_LOOP(steer)
/* Connection lives: one name per phase, so callgrind splits the cost. */
STEER_LOOP(conn_syn)
STEER_LOOP(conn_request)
STEER_LOOP(conn_synack)
STEER_LOOP(conn_hdr_ack)
STEER_LOOP(conn_response)
STEER_LOOP(conn_resp_ack)
STEER_LOOP(conn_client_fin)
STEER_LOOP(conn_backend_fin)
STEER_LOOP(conn_last_ack)
STEER_LOOP(conn_expire)

static unsigned (*const conn_loop[PH__COUNT])(struct bench *, unsigned) = {
	bench_loop_conn_syn, bench_loop_conn_request, bench_loop_conn_synack,
	bench_loop_conn_hdr_ack, bench_loop_conn_response, bench_loop_conn_resp_ack,
	bench_loop_conn_client_fin, bench_loop_conn_backend_fin,
	bench_loop_conn_last_ack, bench_loop_conn_expire,
};

/* Keep-alive requests: one name per step (bench_dp_ka.c). */
STEER_LOOP(ka_req)
STEER_LOOP(ka_resp)
STEER_LOOP(ka_sw_req)
STEER_LOOP(ka_sw_synack)
STEER_LOOP(ka_sw_oldfin)
STEER_LOOP(ka_sw_resp)
STEER_LOOP(ka_sw_expire)
STEER_LOOP(ka_swp_req)
STEER_LOOP(ka_swp_resp)

static unsigned (*const ka_loop[KS__COUNT])(struct bench *, unsigned) = {
	bench_loop_ka_req, bench_loop_ka_resp, bench_loop_ka_sw_req,
	bench_loop_ka_sw_synack, bench_loop_ka_sw_oldfin, bench_loop_ka_sw_resp,
	bench_loop_ka_sw_expire, bench_loop_ka_swp_req, bench_loop_ka_swp_resp,
};

/* Hand-off (bench_dp_workers.c): the wrong worker taking frames in and
 * handing them on; the owner taking them off its hand-off ring (one
 * worker_tick() per BURST of them, as worker_loop() would); the owner
 * taking the same frames from its own queues. */
STEER_LOOP(handoff_in)
STEER_LOOP(handoff_direct)
BENCH_LOOP unsigned bench_loop_handoff_out(struct bench *b, unsigned total);
unsigned bench_loop_handoff_out(struct bench *b, unsigned total)
{
	struct rte_ring *r = b->w->handoff;
	unsigned got = 0, left = rte_ring_count(r);

	while (got < total && left > 0) {
		steer_loop(b->w, 0);
		unsigned now = rte_ring_count(r);
		got += left - now;
		left = now;
	}
	return got;
}

/* Setting up (not measured): a name outside bench_loop_*. */
BENCH_LOOP unsigned setup_loop(struct bench *b, unsigned total);
unsigned setup_loop(struct bench *b, unsigned total) { return steer_loop(b->w, total); }

BENCH_LOOP unsigned bench_loop_iofwd(struct bench *b, unsigned total);
BENCH_LOOP unsigned bench_loop_macswap(struct bench *b, unsigned total);
unsigned bench_loop_iofwd(struct bench *b, unsigned total) { return fwd_loop(b, total, false); }
unsigned bench_loop_macswap(struct bench *b, unsigned total) { return fwd_loop(b, total, true); }

static uint64_t thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t instr_now(const struct bench *b)
{
	uint64_t v;

	if (b->perf_fd < 0 || read(b->perf_fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

unsigned env_run(struct bench *b, enum loop_kind k, unsigned total, struct sample *s)
{
	unsigned got;

	b->w->now = b->now;
	if (k == LOOP_SETUP)
		return setup_loop(b, total);
	uint64_t cpu0 = thread_ns();
	uint64_t i0 = instr_now(b);
	uint64_t t0 = rte_rdtsc_precise();
	switch (k) {
	case LOOP_STEER: got = bench_loop_steer(b, total); break;
	case LOOP_CONN: got = conn_loop[b->phase](b, total); break;
	case LOOP_KA: got = ka_loop[b->phase](b, total); break;
	case LOOP_IOFWD: got = bench_loop_iofwd(b, total); break;
	case LOOP_HANDOFF_IN: got = bench_loop_handoff_in(b, total); break;
	case LOOP_HANDOFF_OUT: got = bench_loop_handoff_out(b, total); break;
	case LOOP_HANDOFF_DIRECT: got = bench_loop_handoff_direct(b, total); break;
	default: got = bench_loop_macswap(b, total); break;
	}
	uint64_t t1 = rte_rdtsc_precise();
	uint64_t i1 = instr_now(b);
	uint64_t cpu1 = thread_ns();
	b->ran[k] += got;
	if (s) {
		s->cycles += t1 - t0;
		s->cpu_ns += cpu1 - cpu0;
		s->instr += i1 - i0;
		s->frames += got;
	}
	return got;
}

unsigned env_collect(struct bench *b, unsigned p, struct rte_mbuf **out, unsigned max)
{
	unsigned n = 0, k;

	while (n < max && (k = rte_ring_dequeue_burst(b->tx[p], (void **)(out + n),
						      max - n, NULL)) > 0)
		n += k;
	return n;
}

void env_feed(struct bench *b, unsigned p, struct rte_mbuf **m, unsigned n)
{
	if (b->nic_rx_cksum)
		for (unsigned i = 0; i < n; i++)
			m[i]->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD |
					  RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	if (n && rte_ring_enqueue_bulk(b->rx[p], (void **)m, n, NULL) != n)
		env_die("input ring", "full");
}

uint64_t env_drops(const struct bench *b)
{
	uint64_t n = 0;

	for (unsigned d = 0; d < DROP__COUNT; d++)
		n += b->w->st.drop[d] + b->sh->ctrl_st.drop[d];
	return n;
}

void env_print_drops(const struct bench *b)
{
	for (unsigned d = 0; d < DROP__COUNT; d++) {
		uint64_t n = b->w->st.drop[d] + b->sh->ctrl_st.drop[d];
		if (n)
			fprintf(stderr, "bench_dp: drop %s = %llu (%s)\n", steer_drop_names[d],
				(unsigned long long)n, steer_drop_why[d]);
	}
}
