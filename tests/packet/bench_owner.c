/* bench_owner: what owner forwarding costs per segment, on the packet
 * test harness (one worker, in-memory frames, no ports). Prints numbers;
 * asserts nothing about them (docs/scale-out.md "Measured").
 *
 *   build/tests/bench_owner [ROUNDS]
 *
 * Four paths, each ROUNDS x 1000 segments through worker_input() and the
 * worker's flush (frames built before the clock starts, freed after):
 *   splice      a client ACK of a spliced flow, at its owner (the baseline)
 *   owner_rx    the same ACK arriving in node-to-node VXLAN from a peer
 *   forward     an ACK of no flow here naming a live peer: wrapped, sent
 *   rst         the same ACK with no cluster: today's RST
 * Per segment: nanoseconds (TSC), and user-space instructions where
 * perf_event_open(2) has a hardware counter. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>

#include <rte_cycles.h>

#include "harness.h"
#include "owner.h"

#define BATCH 1000
#define PEER_IP IP4(198, 18, 1, 2)
static const struct rte_ether_addr peer_mac = { { 0x02, 0x0e, 0, 0, 0, 0x02 } };
static int perf_fd = -1;

static const char *cluster(unsigned self, unsigned other)
{
	static char t[512];

	snprintf(t, sizeof(t),
		 "cluster = { name = \"c1\"; etcd = \"127.0.0.1:2379\"; id = %u;\n"
		 "  nodes = ( { id = %u; address = \"198.18.1.1\"; },\n"
		 "            { id = %u; address = \"198.18.1.2\"; } ); };\n",
		 self, self, other);
	return t;
}

static uint64_t instructions(void)
{
	uint64_t v = 0;

	if (perf_fd < 0 || read(perf_fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

enum path { P_SPLICE, P_OWNER_RX, P_FORWARD, P_RST };
static const char *const path_name[] = { "splice", "owner_rx", "forward", "rst" };

static struct rte_mbuf *frame(struct h_env *e, struct h_conn *c, enum path p)
{
	struct h_seg s = { .flags = ACK, .seq = C_(1), .ack = R_(1) };

	if (p == P_FORWARD || p == P_RST)
		s.ack = ABS(owner_isn(2, 0x0123456) + 1);
	struct rte_mbuf *m = h_seg_frame(e, c, F_CLIENT, &s);
	return p == P_OWNER_RX ? h_vxlan_frame(e, m, PEER_IP, OWNER_VNI) : m;
}

static void run(enum path p, unsigned rounds)
{
	static struct rte_mbuf *in[BATCH];
	struct h_params hp = { 0 };
	struct h_conn c;

	if (p != P_RST)
		hp.extra = p == P_FORWARD ? cluster(1, 2) : cluster(2, 1);
	struct h_env *e = h_env_new(&hp);
	struct worker *w = e->sh->workers[0];
	h_conn_init(&c, 40000, 0x11110000u, 0x7000000);
	if (p == P_SPLICE || p == P_OWNER_RX) {
		static const struct h_sopts o = { .mss = 1460, .ws = WS(7), .sackok = true };
		h_establish(e, &c, GET_WEB, T_ANY, &o, &o);
	} else {
		c.r_isn = 0;
		c.r_known = true;
	}
	if (p == P_FORWARD) {
		h_rx(e, 0, H_PORT_INNER, h_arp_frame(e, 2, &peer_mac, PEER_IP,
						      &h_inner_mac, H_INNER_IP));
		h_control_poll(e);
		owner_tick(e->sh, worker_ms());
	}
	h_tick(e);
	h_drain(e);
	uint64_t cyc = 0, ins = 0, n = 0, out = 0;
	for (unsigned r = 0; r < rounds; r++) {
		for (unsigned i = 0; i < BATCH; i++)
			in[i] = frame(e, &c, p);
		uint64_t i0 = instructions(), t0 = rte_rdtsc();
		for (unsigned i = 0; i < BATCH; i++)
			worker_input(w, &in[i], 1, p == P_OWNER_RX ? H_PORT_INNER : H_PORT_EDGE);
		tx_flush(w);
		cyc += rte_rdtsc() - t0;
		ins += instructions() - i0;
		n += BATCH;
		out += h_drain(e);
	}
	double ns = (double)cyc * 1e9 / (double)rte_get_tsc_hz() / (double)n;
	printf("%-9s %8.1f ns/seg", path_name[p], ns);
	if (perf_fd >= 0)
		printf("  %7.1f instr/seg", (double)ins / (double)n);
	printf("  (%llu segments, %llu frames out)\n", (unsigned long long)n,
	       (unsigned long long)out);
	h_env_free(e);
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)atoi(argv[1]) : 50;
	struct perf_event_attr a = {
		.type = PERF_TYPE_HARDWARE, .size = sizeof(a),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.exclude_kernel = 1, .exclude_hv = 1,
	};

	perf_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (perf_fd < 0)
		printf("instr: no hardware counter here (perf_event_open: %s)\n",
		       strerror(errno));
	/* three passes: the first warms caches and the pools */
	for (unsigned pass = 0; pass < 3; pass++) {
		printf("pass %u\n", pass + 1);
		for (enum path p = P_SPLICE; p <= P_RST; p++)
			run(p, rounds ? rounds : 1);
	}
	return 0;
}
