/* Packet-test harness (see harness.h). Frames are built and parsed byte by
 * byte here, not with DPDK's helpers, so a checksum bug shared by the
 * router and DPDK's helpers would still show. */
#include "harness.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "conf.h"
#include "ctrl_ring.h"
#include "health.h"
#include "publish.h"
#include "rules.h"
#include "wire.h"

/* ---- addresses ----------------------------------------------------------- */

#define MAC(a, b, c, d, e, f) {{ 0x##a, 0x##b, 0x##c, 0x##d, 0x##e, 0x##f }}

const struct rte_ether_addr h_edge_mac = MAC(02, 00, 00, 00, 00, 01);
const struct rte_ether_addr h_inner_mac = MAC(02, 00, 00, 00, 01, 01);
const struct rte_ether_addr h_client_mac = MAC(02, c1, 00, 00, 00, 64);
const struct rte_ether_addr h_vtep_mac = MAC(02, be, 00, 00, 00, 14);
const struct rte_ether_addr h_alice_mac = MAC(02, a1, 1c, 00, 00, 02);
/* vxlan_overlay_mac() of VNI 42, written out independently */
const struct rte_ether_addr h_ovl_mac = MAC(02, 53, 54, 00, 00, 2a);

static const struct {
	const char *name;
	uint32_t ip;
	uint16_t port;
	struct rte_ether_addr mac;
} targets[T__COUNT] = {
	[T_NONE] = { "none", 0, 0, MAC(00, 00, 00, 00, 00, 00) },
	[T_BE0] = { "web backend 198.18.1.10", IP4(198, 18, 1, 10), 8080,
		    MAC(02, be, 00, 00, 00, 0a) },
	[T_BE1] = { "web backend 198.18.1.11", IP4(198, 18, 1, 11), 8080,
		    MAC(02, be, 00, 00, 00, 0b) },
	[T_API] = { "api backend 198.18.1.12", IP4(198, 18, 1, 12), 8080,
		    MAC(02, be, 00, 00, 00, 0c) },
	[T_BOB] = { "tunnel bob 198.18.1.21", IP4(198, 18, 1, 21), 9000,
		    MAC(02, be, 00, 00, 00, 15) },
	[T_ALICE] = { "tunnel alice 198.19.0.2 (vxlan)", IP4(198, 19, 0, 2),
		      8080, MAC(02, a1, 1c, 00, 00, 02) },
};

uint32_t h_target_ip(enum h_target t) { return targets[t].ip; }
uint16_t h_target_port(enum h_target t) { return targets[t].port; }
const struct rte_ether_addr *h_target_mac(enum h_target t) { return &targets[t].mac; }
const char *h_target_name(enum h_target t)
{
	if (t == T_ANY)
		return "any web backend";
	if (t == T_OTHER)
		return "the other web backend";
	return t < T__COUNT ? targets[t].name : "?";
}

/* ---- EAL and environment --------------------------------------------------- */

static bool eal_done;
static unsigned env_serial;

void h_eal_init(void)
{
	char prefix[64];

	if (eal_done)
		return;
	snprintf(prefix, sizeof(prefix), "steer-pkt-%d", (int)getpid());
	char *argv[] = { "packet_test", "--no-huge", "--no-pci", "-m", "256",
			 "--file-prefix", prefix, "--log-level=lib.eal:error",
			 NULL };
	int argc = (int)(sizeof(argv) / sizeof(argv[0])) - 1;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "packet_test: EAL init failed: %s\n",
			rte_strerror(rte_errno));
		exit(1);
	}
	eal_done = true;
}

static const char conf_fmt[] =
	"dataplane = {\n"
	"  workers = %u; max_flows = %u; header_max = %u;%s\n"
	"  timeouts = { syn_ms = %u; header_ms = %u; connect_ms = %u;\n"
	"               idle_s = %u; linger_ms = %u;%s };\n"
	"};\n"
	"ports = (\n"
	"  { name = \"edge\";  device = \"net_null0\"; address = \"198.18.0.1/24\"; },\n"
	"  { name = \"inner\"; device = \"net_null1\"; address = \"198.18.1.1/24\"; }\n"
	");\n"
	"listeners = (\n"
	"  { name = \"web\"; address = \"198.18.0.1:%u\"; default_service = \"web\";\n"
	"    routing = \"%s\";\n"
	"    routes = ( { host = \"api.example.test\"; service = \"api\"; } ); }\n"
	");\n"
	"services = (\n%s"
	"  { name = \"web\"; backends = ( %s );%s },\n"
	"  { name = \"api\"; backends = ( { address = \"198.18.1.12:8080\"; } ); }\n"
	");\n"
	"tunnels = (\n"
	"  { name = \"alice\"; type = \"vxlan\"; remote = \"198.18.1.20\"; vni = 42;\n"
	"    source = \"198.19.0.1\"; target = \"198.19.0.2:8080\"; },\n"
	"  { name = \"bob\"; type = \"direct\"; target = \"198.18.1.21:9000\";%s }\n"
	");\n"
	"intercepts = (\n"
	"  { name = \"alice-web\"; service = \"web\"; tunnel = \"alice\";\n"
	"    headers = ( { name = \"x-telepresence-intercept-id\"; value = \"7f3a:alice-web\"; } );\n"
	"    preview = \"alice-7f3a\"; },\n"
	"  { name = \"bob-web\"; service = \"web\"; tunnel = \"bob\";\n"
	"    headers = ( { name = \"x-dev\"; value = \"bob\"; } ); preview = \"bob-b0b\"; }\n"
	");\n"
	"previews = { domain = \"preview.example.test\"; };\n";

static const char default_web[] =
	"{ address = \"198.18.1.10:8080\"; }, { address = \"198.18.1.11:8080\"; }";

static void conf_text(const struct h_params *p, char *text, size_t len)
{
	char syn[128] = "", rto[40] = "";

	if (p->syn_cookies || p->syn_backlog || p->header_buffers)
		snprintf(syn, sizeof(syn),
			 " syn_cookies = \"%s\"; syn_backlog = %u; header_buffers = %u;",
			 p->syn_cookies ? p->syn_cookies : "auto",
			 p->syn_backlog ? p->syn_backlog : p->max_flows / 2,
			 p->header_buffers ? p->header_buffers : p->max_flows);
	if (p->syn_rto_ms)
		snprintf(rto, sizeof(rto), " syn_rto_ms = %u;", p->syn_rto_ms);
	snprintf(text, len, conf_fmt, p->workers, p->max_flows, p->header_max, syn,
		 p->syn_ms, p->header_ms, p->connect_ms, p->idle_s, p->linger_ms,
		 rto, p->listen_port ? p->listen_port : H_LISTEN_PORT,
		 p->per_request ? "request" : "connection",
		 p->services_before ? p->services_before : "",
		 p->web_backends ? p->web_backends : default_web,
		 p->web_service ? p->web_service : "",
		 p->bob_no_fail_open ? " fail_open = false;" : "");
}

static void fill_defaults(struct h_params *p)
{
#define DEF(f, v) if (p->f == 0) p->f = (v)
	DEF(workers, 1);
	DEF(max_flows, 64);
	DEF(header_max, 4096);
	DEF(syn_ms, 3000);
	DEF(header_ms, 3000);
	DEF(connect_ms, 2000);
	DEF(idle_s, 30);
	DEF(linger_ms, 500);
#undef DEF
}

uint64_t h_cnt(const struct h_env *e, enum steer_counter c)
{
	uint64_t n = e->sh->ctrl_st.cnt[c];

	for (unsigned i = 0; i < e->sh->n_workers; i++)
		n += e->sh->workers[i]->st.cnt[c];
	return n;
}

uint64_t h_decisions(const struct h_env *e, unsigned intercept)
{
	const struct dp_pub *p = dp_pub_load(e->sh);
	uint32_t slot = p->slot[intercept];
	uint64_t n = 0;

	for (unsigned i = 0; i < e->sh->n_workers; i++)
		n += e->sh->workers[i]->st.decisions[slot];
	return n - e->sh->slot_base[slot];
}

uint64_t h_drop(const struct h_env *e, enum steer_drop d)
{
	uint64_t n = e->sh->ctrl_st.drop[d];

	for (unsigned i = 0; i < e->sh->n_workers; i++)
		n += e->sh->workers[i]->st.drop[d];
	return n;
}

void h_expect_drops_(const struct h_env *e, const struct h_dc *list,
		     const char *file, int line)
{
	bool bad = false;

	for (unsigned d = 0; d < DROP__COUNT; d++) {
		uint64_t want = 0;
		for (const struct h_dc *l = list; l->id >= 0; l++)
			if (l->id == (int)d)
				want = l->n;
		uint64_t got = h_drop(e, d);
		if (got != want) {
			print_error("%s:%d: drop counter %s = %llu, expected %llu\n",
				    file, line, steer_drop_names[d],
				    (unsigned long long)got, (unsigned long long)want);
			bad = true;
		}
	}
	if (bad)
		_fail(file, line);
}

void h_expect_cnts_(const struct h_env *e, const struct h_dc *list,
		    const char *file, int line)
{
	bool bad = false;

	for (const struct h_dc *l = list; l->id >= 0; l++) {
		uint64_t got = h_cnt(e, l->id);
		if (got != l->n) {
			print_error("%s:%d: counter %s = %llu, expected %llu\n",
				    file, line, steer_counter_names[l->id],
				    (unsigned long long)got, (unsigned long long)l->n);
			bad = true;
		}
	}
	if (bad)
		_fail(file, line);
}

void h_at(struct h_env *e, uint64_t ms)
{
	if (ms < e->now) {
		print_error("harness: time going backwards (%llu -> %llu)\n",
			    (unsigned long long)e->now, (unsigned long long)ms);
		fail();
	}
	e->now = ms;
	for (unsigned i = 0; i < e->sh->n_workers; i++)
		e->sh->workers[i]->now = e->t0 + ms;
}

void h_rx(struct h_env *e, unsigned wi, unsigned port, struct rte_mbuf *m)
{
	assert_non_null(m);
	assert_true(wi < e->sh->n_workers);
	worker_input(e->sh->workers[wi], &m, 1, port);
}

void h_control_poll(struct h_env *e)
{
	/* what steerd's main loop does, on the test's clock */
	while (ctrl_ring_poll(e->sh, e->t0 + e->now) > 0)
		;
}

void h_tick(struct h_env *e)
{
	for (unsigned i = 0; i < e->sh->n_workers; i++)
		worker_tick(e->sh->workers[i]);
	h_control_poll(e);
	for (unsigned i = 0; i < e->sh->n_workers; i++)
		worker_tick(e->sh->workers[i]);
}

void h_collect(struct h_env *e)
{
	for (unsigned i = 0; i < e->sh->n_workers; i++) {
		struct worker *w = e->sh->workers[i];
		for (unsigned k = 0; k < w->n_capture; k++) {
			assert_true(e->nq < H_CAP);
			e->q[e->nq++] = w->capture[k];
		}
		w->n_capture = 0;
	}
}

struct rte_mbuf *h_take(struct h_env *e)
{
	h_collect(e);
	if (e->nq == 0)
		return NULL;
	struct rte_mbuf *m = e->q[0];
	memmove(e->q, e->q + 1, sizeof(e->q[0]) * --e->nq);
	return m;
}

unsigned h_drain(struct h_env *e)
{
	h_collect(e);
	unsigned n = e->nq;
	for (unsigned i = 0; i < e->nq; i++)
		rte_pktmbuf_free(e->q[i]);
	e->nq = 0;
	return n;
}

static void resolve_inner(struct h_env *e)
{
	static const enum h_target hosts[] = { T_BE0, T_BE1, T_API, T_BOB };

	for (unsigned i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		h_rx(e, 0, H_PORT_INNER,
		     h_arp_frame(e, 2, h_target_mac(hosts[i]), h_target_ip(hosts[i]),
				 &h_inner_mac, H_INNER_IP));
	h_rx(e, 0, H_PORT_INNER, h_arp_frame(e, 2, &h_vtep_mac, H_VTEP_IP,
					      &h_inner_mac, H_INNER_IP));
	h_tick(e);
	assert_int_equal(h_drain(e), 0);
	for (unsigned i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct rte_ether_addr mac;
		assert_true(neigh_lookup(e->sh->neigh, 0,
					 rte_cpu_to_be_32(h_target_ip(hosts[i])), &mac));
		assert_memory_equal(&mac, h_target_mac(hosts[i]), 6);
	}
}

struct h_env *h_env_new(const struct h_params *pp)
{
	static char text[8192];
	char err[1024];
	char name[64];
	struct h_env *e;
	struct dp_shared *sh;

	h_eal_init();
	e = calloc(1, sizeof(*e));
	assert_non_null(e);
	if (pp)
		e->p = *pp;
	fill_defaults(&e->p);
	conf_text(&e->p, text, sizeof(text));
	/* As steerd does: the boot configuration (timeouts, sizes, ports)
	 * lives for the process; the ruleset owns its own copy. */
	struct steer_conf *boot = conf_load_string(text, "packet-test.conf", err,
						   sizeof(err));
	struct steer_conf *c = conf_load_string(text, "packet-test.conf", err,
						sizeof(err));
	if (c == NULL || boot == NULL) {
		print_error("harness: config rejected: %s\n", err);
		fail();
	}
	e->rs = rs_compile(c, err, sizeof(err));
	if (e->rs == NULL) {
		conf_free(c);
		print_error("harness: rules rejected: %s\n", err);
		fail();
	}
	sh = calloc(1, sizeof(*sh));
	assert_non_null(sh);
	e->sh = sh;
	sh->conf = boot;
	sh->n_workers = e->p.workers;
	sh->n_ports = 2;
	sh->ports_per_worker = e->p.ports_per_worker ? e->p.ports_per_worker :
			       dp_ports_per_worker(e->p.workers);
	sh->ports[0] = (struct port_info){ .port_id = 0,
		.ip = rte_cpu_to_be_32(H_EDGE_IP),
		.mask = rte_cpu_to_be_32(0xffffff00u), .mac = h_edge_mac,
		.mtu = 1500 };
	sh->ports[1] = (struct port_info){ .port_id = 1,
		.ip = rte_cpu_to_be_32(H_INNER_IP),
		.mask = rte_cpu_to_be_32(0xffffff00u), .mac = h_inner_mac,
		.mtu = 1500 };
	sh->qsbr = rte_zmalloc("hqsbr", rte_rcu_qsbr_get_memsize(e->p.workers),
			       RTE_CACHE_LINE_SIZE);
	assert_non_null(sh->qsbr);
	assert_int_equal(rte_rcu_qsbr_init(sh->qsbr, e->p.workers), 0);
	sh->slot_name = calloc(STEER_MAX_SLOTS, sizeof(char *));
	sh->slot_base = calloc(STEER_MAX_SLOTS, sizeof(uint64_t));
	assert_non_null(sh->slot_name);
	assert_non_null(sh->slot_base);
	sh->neigh = neigh_create();
	assert_non_null(sh->neigh);
	snprintf(name, sizeof(name), "hctrl%u", env_serial);
	sh->ctrl_ring = rte_ring_create(name, 4096, (int)rte_socket_id(), RING_F_SC_DEQ);
	assert_non_null(sh->ctrl_ring);
	snprintf(name, sizeof(name), "hpool%u", env_serial++);
	e->pool = rte_pktmbuf_pool_create(name, 8191, 0, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	assert_non_null(e->pool);
	e->t0 = 100000;           /* past one turn of the timer wheel */
	for (unsigned i = 0; i < e->p.workers; i++) {
		int rc = worker_create(sh, i, rte_lcore_id(), e->rs);
		if (rc != 0) {
			print_error("harness: worker_create(%u): %d\n", i, rc);
			fail();
		}
		struct worker *w = sh->workers[i];
		w->capture = e->cap[i];
		w->cap_capture = H_CAP;
		w->now = e->t0;
		w->wheel_now = e->t0;
	}
	assert_int_equal(health_init(sh), 0);
	/* the boot ruleset is publication 1, as in steerd */
	if (dp_publish(sh, e->rs, err, sizeof(err)) != 0) {
		print_error("harness: dp_publish: %s\n", err);
		fail();
	}
	if (!e->p.no_resolve)
		resolve_inner(e);
	return e;
}

void h_reload(struct h_env *e, const struct h_params *pp)
{
	static char text[8192];
	char err[1024];
	struct h_params p = pp ? *pp : (struct h_params){ 0 };

	fill_defaults(&p);
	conf_text(&p, text, sizeof(text));
	struct steer_conf *c = conf_load_string(text, "reload.conf", err, sizeof(err));
	if (c == NULL) {
		print_error("harness: reload config rejected: %s\n", err);
		fail();
	}
	struct ruleset *rs = rs_compile(c, err, sizeof(err));
	if (rs == NULL) {
		conf_free(c);
		print_error("harness: reload rules rejected: %s\n", err);
		fail();
	}
	/* the workers are not registered with QSBR here (worker_loop does
	 * that): the grace period is immediate, as between bursts */
	if (dp_publish(e->sh, rs, err, sizeof(err)) != 0) {
		print_error("harness: dp_publish: %s\n", err);
		fail();
	}
}

static void free_ring_mbufs(struct rte_ring *r)
{
	void *o;

	if (r == NULL)
		return;
	while (rte_ring_dequeue(r, &o) == 0)
		if (((uintptr_t)o & 1) == 0)
			rte_pktmbuf_free(o);
}

void h_env_free(struct h_env *e)
{
	struct dp_shared *sh;
	bool leak = false;

	if (e == NULL)
		return;
	sh = e->sh;
	h_drain(e);
	free_ring_mbufs(sh->ctrl_ring);
	for (unsigned i = 0; i < sh->n_workers; i++) {
		struct worker *w = sh->workers[i];
		if (w == NULL)
			continue;
		free_ring_mbufs(w->handoff);
		free_ring_mbufs(w->txr);
		for (unsigned p = 0; p < STEER_MAX_PORTS; p++) {
			for (unsigned k = 0; k < w->tx[p].n; k++)
				rte_pktmbuf_free(w->tx[p].m[k]);
			w->tx[p].n = 0;
		}
	}
	/* Every mbuf must be back: the router never holds one between
	 * bursts, and frees or sends every frame it receives. */
	if (rte_mempool_in_use_count(e->pool) != 0) {
		print_error("harness: %u test mbufs leaked\n",
			    rte_mempool_in_use_count(e->pool));
		leak = true;
	}
	for (unsigned i = 0; i < sh->n_workers; i++) {
		struct worker *w = sh->workers[i];
		if (w == NULL)
			continue;
		if (w->pool && rte_mempool_in_use_count(w->pool) != 0) {
			print_error("harness: worker %u: %u mbufs leaked\n", i,
				    rte_mempool_in_use_count(w->pool));
			leak = true;
		}
		flow_fini(w);
		rte_mempool_free(w->pool);
		rte_ring_free(w->handoff);
		rte_ring_free(w->txr);
		rte_free(w->st.decisions);
		rte_free(w);
	}
	rte_ring_free(sh->ctrl_ring);
	rte_free(sh->neigh);
	dp_publish_fini(sh);      /* frees the running ruleset */
	health_fini(sh);
	conf_free((struct steer_conf *)sh->conf);
	rte_free(sh->qsbr);
	rte_mempool_free(e->pool);
	free(sh);
	free(e);
	if (leak)
		fail_msg("mbuf leak");
}

int h_setup(void **state)
{
	*state = h_env_new(NULL);
	return 0;
}

int h_setup_2w(void **state)
{
	struct h_params p = { .workers = 2 };
	*state = h_env_new(&p);
	return 0;
}

int h_teardown(void **state)
{
	h_env_free(*state);
	return 0;
}

/* ---- checksums ---------------------------------------------------------- */

uint32_t h_sum(const void *buf, size_t len, uint32_t acc) { return wire_sum(buf, len, acc); }
uint16_t h_fold(uint32_t s) { return wire_fold(s); }

/* ---- builders ------------------------------------------------------------ */

unsigned h_opts_encode(const struct h_topts *o, uint8_t *b)
{
	unsigned n = 0;

	if (o->mss) {
		b[n++] = 2; b[n++] = 4;
		wire_put16(b + n, o->mss); n += 2;
	}
	if (o->sackok) {
		b[n++] = 1; b[n++] = 1; b[n++] = 4; b[n++] = 2;
	}
	if (o->ws) {
		b[n++] = 1; b[n++] = 3; b[n++] = 3; b[n++] = (uint8_t)(o->ws - 1);
	}
	if (o->n_sack) {
		b[n++] = 1;
		if (!o->sack_odd)
			b[n++] = 1;
		b[n++] = 5; b[n++] = (uint8_t)(2 + 8 * o->n_sack);
		for (unsigned i = 0; i < o->n_sack; i++) {
			wire_put32(b + n, o->sack[i][0]); n += 4;
			wire_put32(b + n, o->sack[i][1]); n += 4;
		}
	}
	while (n % 4)
		b[n++] = 1;
	return n;
}

static uint8_t *frame_alloc(struct h_env *e, unsigned len, struct rte_mbuf **mp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);

	assert_non_null(m);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(p);
	memset(p, 0, len);
	*mp = m;
	return p;
}

/* The IPv4 identification of every frame the harness builds. */
#define H_IP_ID 0x1234

struct rte_mbuf *h_tcp_frame(struct h_env *e, const struct h_tcp *t)
{
	const struct wire_tcp w = {
		.src_mac = &t->src_mac, .dst_mac = &t->dst_mac,
		.sip = t->sip, .dip = t->dip, .ip_id = H_IP_ID,
		.sport = t->sport, .dport = t->dport, .seq = t->seq, .ack = t->ack,
		.flags = t->flags, .win = t->win, .opts = t->opts, .optlen = t->optlen,
		.data = t->data ? t->data : "", .len = t->len,
	};
	struct rte_mbuf *m;

	assert_true(t->optlen % 4 == 0 && t->optlen <= 40);
	wire_tcp_frame(frame_alloc(e, wire_tcp_len(&w), &m), &w);
	return m;
}

struct rte_mbuf *h_raw_frame(struct h_env *e, const void *bytes, unsigned len)
{
	struct rte_mbuf *m;
	uint8_t *p = frame_alloc(e, len, &m);

	memcpy(p, bytes, len);
	return m;
}

struct rte_mbuf *h_vxlan_frame(struct h_env *e, struct rte_mbuf *inner,
			       uint32_t vtep_ip, uint32_t vni)
{
	unsigned il = rte_pktmbuf_pkt_len(inner);
	struct rte_mbuf *m;
	uint8_t *p = frame_alloc(e, WIRE_VXLAN_OUTER_LEN + il, &m);

	wire_vxlan_outer(p, &h_inner_mac, &h_vtep_mac, vtep_ip, H_INNER_IP,
			 H_IP_ID, 51234, vni, il);
	memcpy(p + WIRE_VXLAN_OUTER_LEN, rte_pktmbuf_mtod(inner, void *), il);
	rte_pktmbuf_free(inner);
	return m;
}

struct rte_mbuf *h_arp_frame(struct h_env *e, uint16_t op,
			     const struct rte_ether_addr *sha, uint32_t sip,
			     const struct rte_ether_addr *tha, uint32_t tip)
{
	static const struct rte_ether_addr bcast = MAC(ff, ff, ff, ff, ff, ff);
	static const struct rte_ether_addr zero = MAC(00, 00, 00, 00, 00, 00);
	struct rte_mbuf *m;
	uint8_t *p = frame_alloc(e, WIRE_ETH_LEN + WIRE_ARP_LEN, &m);

	wire_arp_frame(p, op == 1 ? &bcast : tha, op, sha, sip,
		       op == 1 ? &zero : tha, tip);
	return m;
}

struct rte_mbuf *h_icmp_echo(struct h_env *e, uint32_t dst, uint16_t id,
			     uint16_t seq, unsigned plen)
{
	struct rte_mbuf *m;
	uint8_t *p = frame_alloc(e, WIRE_ETH_LEN + WIRE_IPV4_LEN + 8 + plen, &m);

	wire_icmp_echo_frame(p, &h_edge_mac, &h_client_mac, H_CLIENT_IP, dst,
			     H_IP_ID, id, seq, plen);
	return m;
}

/* ---- parser -------------------------------------------------------------- */

#define PERR(...) do { snprintf(p->err, sizeof(p->err), __VA_ARGS__); return false; } while (0)

static bool parse_tcp_opts(const uint8_t *o, unsigned n, struct h_pkt *p)
{
	unsigned i = 0;

	while (i < n) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			PERR("TCP option %u malformed", o[i]);
		switch (o[i]) {
		case 2:
			if (o[i + 1] != 4)
				PERR("MSS option length %u", o[i + 1]);
			p->o.mss = wire_get16(o + i + 2);
			break;
		case 3:
			if (o[i + 1] != 3)
				PERR("WS option length %u", o[i + 1]);
			p->o.ws = (uint8_t)(o[i + 2] + 1);
			break;
		case 4:
			if (o[i + 1] != 2)
				PERR("SACK-permitted length %u", o[i + 1]);
			p->o.sackok = true;
			break;
		case 5:
			if ((o[i + 1] - 2) % 8 || o[i + 1] > 34)
				PERR("SACK option length %u", o[i + 1]);
			p->o.n_sack = (uint8_t)((o[i + 1] - 2) / 8);
			for (unsigned k = 0; k < p->o.n_sack; k++) {
				p->o.sack[k][0] = wire_get32(o + i + 2 + 8 * k);
				p->o.sack[k][1] = wire_get32(o + i + 6 + 8 * k);
			}
			break;
		default:
			break;
		}
		i += o[i + 1];
	}
	return true;
}

static bool parse_eth(const uint8_t *f, unsigned flen, struct h_pkt *p, bool inner);

static bool parse_ipv4(const uint8_t *ip, unsigned len, struct h_pkt *p, bool inner)
{
	if (len < 20)
		PERR("IPv4 header truncated");
	if ((ip[0] >> 4) != 4 || (ip[0] & 0xf) != 5)
		PERR("IPv4 version/IHL 0x%02x", ip[0]);
	if (h_fold(h_sum(ip, 20, 0)) != 0xffff)
		PERR("IPv4 header checksum wrong (0x%04x)", wire_get16(ip + 10));
	unsigned tot = wire_get16(ip + 2);
	if (tot != len)
		PERR("IPv4 total length %u, frame carries %u", tot, len);
	uint32_t sip = wire_get32(ip + 12), dip = wire_get32(ip + 16);
	uint8_t proto = ip[9];
	const uint8_t *l4 = ip + 20;
	unsigned l4len = tot - 20;

	if (inner || !p->vxlan) {
		p->sip = sip;
		p->dip = dip;
		p->proto = proto;
		p->ttl = ip[8];
		p->frag = wire_get16(ip + 6);
	}
	if (wire_get16(ip + 6) & 0x3fff)
		PERR("router emitted an IPv4 fragment");
	if (proto == 6) {
		if (l4len < 20)
			PERR("TCP header truncated");
		unsigned thl = (l4[12] >> 4) * 4u;
		if (thl < 20 || thl > l4len)
			PERR("TCP data offset %u", thl);
		if (h_fold(h_sum(l4, l4len, wire_pseudo_sum(sip, dip, 6, l4len))) != 0xffff)
			PERR("TCP checksum wrong (0x%04x)", wire_get16(l4 + 16));
		p->sport = wire_get16(l4);
		p->dport = wire_get16(l4 + 2);
		p->seq = wire_get32(l4 + 4);
		p->ack = wire_get32(l4 + 8);
		p->flags = l4[13];
		p->win = wire_get16(l4 + 14);
		if (!parse_tcp_opts(l4 + 20, thl - 20, p))
			return false;
		p->data = l4 + thl;
		p->len = l4len - thl;
		return true;
	}
	if (proto == 17) {
		if (l4len < 8 || wire_get16(l4 + 4) != l4len)
			PERR("UDP length %u, IP says %u", l4len >= 8 ? wire_get16(l4 + 4) : 0, l4len);
		if (wire_get16(l4 + 6) != 0 &&
		    h_fold(h_sum(l4, l4len, wire_pseudo_sum(sip, dip, 17, l4len))) != 0xffff)
			PERR("UDP checksum wrong");
		if (inner || wire_get16(l4 + 2) != 4789)
			PERR("UDP to port %u", wire_get16(l4 + 2));
		if (l4len < 16 + 14)
			PERR("VXLAN too short");
		p->vxlan = true;
		p->o_sip = sip;
		p->o_dip = dip;
		p->o_sport = wire_get16(l4);
		p->o_dport = wire_get16(l4 + 2);
		if (wire_get32(l4 + 8) != 0x08000000)
			PERR("VXLAN flags 0x%08x", wire_get32(l4 + 8));
		if (wire_get32(l4 + 12) & 0xff)
			PERR("VXLAN reserved bits set");
		p->vni = wire_get32(l4 + 12) >> 8;
		return parse_eth(l4 + 16, l4len - 16, p, true);
	}
	if (proto == 1) {
		if (l4len < 8 || h_fold(h_sum(l4, l4len, 0)) != 0xffff)
			PERR("ICMP checksum wrong");
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		p->data = l4 + 8;
		p->len = l4len - 8;
		return true;
	}
	PERR("IP protocol %u", proto);
}

static bool parse_eth(const uint8_t *f, unsigned flen, struct h_pkt *p, bool inner)
{
	if (flen < 14)
		PERR("frame of %u bytes", flen);
	if (inner) {
		p->o_dst_mac = p->dst_mac;
		p->o_src_mac = p->src_mac;
	}
	memcpy(&p->dst_mac, f, 6);
	memcpy(&p->src_mac, f + 6, 6);
	p->ethertype = wire_get16(f + 12);
	if (p->ethertype == 0x0806) {
		const uint8_t *a = f + 14;
		if (flen < 14 + 28)
			PERR("ARP truncated");
		if (wire_get16(a) != 1 || wire_get16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
			PERR("ARP not Ethernet/IPv4");
		p->arp_op = wire_get16(a + 6);
		memcpy(&p->arp_sha, a + 8, 6);
		p->arp_sip = wire_get32(a + 14);
		memcpy(&p->arp_tha, a + 18, 6);
		p->arp_tip = wire_get32(a + 24);
		return true;
	}
	if (p->ethertype != 0x0800)
		PERR("ethertype 0x%04x", p->ethertype);
	return parse_ipv4(f + 14, flen - 14, p, inner);
}

bool h_parse(const struct rte_mbuf *m, struct h_pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->port = m->port;
	if (m->nb_segs != 1) {
		snprintf(p->err, sizeof(p->err), "multi-segment mbuf");
		return false;
	}
	return parse_eth(rte_pktmbuf_mtod(m, const uint8_t *),
			 rte_pktmbuf_data_len(m), p, false);
}

static const char *ipstr(uint32_t ip, char *b)
{
	sprintf(b, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
	return b;
}

const char *h_describe(const struct h_pkt *p, char *buf, size_t len)
{
	char a[16], b[16], fl[8];
	unsigned n = 0;

	if (p->ethertype == 0x0806) {
		snprintf(buf, len, "port %u%s ARP %s who-has/is-at %s tell %s",
			 p->port, p->vxlan ? " vxlan" : "",
			 p->arp_op == 1 ? "request" : "reply",
			 ipstr(p->arp_tip, a), ipstr(p->arp_sip, b));
		return buf;
	}
	if (p->proto == 1) {
		snprintf(buf, len, "port %u ICMP type %u %s -> %s", p->port,
			 p->icmp_type, ipstr(p->sip, a), ipstr(p->dip, b));
		return buf;
	}
	if (p->flags & TCP_SYN) fl[n++] = 'S';
	if (p->flags & TCP_FIN) fl[n++] = 'F';
	if (p->flags & TCP_RST) fl[n++] = 'R';
	if (p->flags & TCP_PSH) fl[n++] = 'P';
	if (p->flags & TCP_ACK) fl[n++] = '.';
	fl[n] = 0;
	snprintf(buf, len, "port %u%s %s:%u -> %s:%u [%s] seq %u ack %u win %u len %u"
		 " mss %u ws %d sackok %d nsack %u",
		 p->port, p->vxlan ? " vxlan" : "", ipstr(p->sip, a), p->sport,
		 ipstr(p->dip, b), p->dport, fl, p->seq, p->ack, p->win, p->len,
		 p->o.mss, p->o.ws ? p->o.ws - 1 : -1, p->o.sackok, p->o.n_sack);
	return buf;
}

/* ---- golden sequences ---------------------------------------------------- */

uint16_t h_port_owned_by(const struct h_env *e, unsigned worker, uint16_t from)
{
	for (uint16_t p = from; p != 0; p++)
		if (client_owner(e->sh, rte_cpu_to_be_32(H_CLIENT_IP),
				 rte_cpu_to_be_32(H_EDGE_IP), rte_cpu_to_be_16(p),
				 rte_cpu_to_be_16(H_LISTEN_PORT)) == worker)
			return p;
	fail_msg("no port owned by worker %u", worker);
	return 0;
}

void h_conn_init(struct h_conn *c, uint16_t cport, uint32_t c_isn, uint32_t b_isn)
{
	memset(c, 0, sizeof(*c));
	c->c_ip = H_CLIENT_IP;
	c->c_port = cport;
	c->c_mac = h_client_mac;
	c->c_isn = c_isn;
	c->b_isn = b_isn;
}

uint32_t h_sym_val(const struct h_conn *c, struct h_sym s)
{
	switch (s.base) {
	case SB_C: return c->c_isn + (uint32_t)s.off;
	case SB_R: return c->r_isn + (uint32_t)s.off;
	case SB_S: return c->s_isn + (uint32_t)s.off;
	case SB_B: return c->b_isn + (uint32_t)s.off;
	default: return (uint32_t)s.off;
	}
}

static unsigned seg_len(const struct h_seg *s)
{
	if (s->data == NULL)
		return 0;
	return s->len > 0 ? (unsigned)s->len : (unsigned)strlen(s->data);
}

struct rte_mbuf *h_seg_frame(struct h_env *e, struct h_conn *c, uint8_t from,
			     const struct h_seg *s)
{
	uint8_t opts[40];
	struct h_topts o = { .mss = s->o.mss, .ws = s->o.ws, .sackok = s->o.sackok,
			     .n_sack = s->o.n_sack, .sack_odd = s->o.sack_odd };
	struct h_tcp t = {
		.seq = h_sym_val(c, s->seq), .ack = h_sym_val(c, s->ack),
		.flags = s->flags,
		.win = (uint16_t)(s->win0 ? 0 : s->win ? s->win : 65535),
		.opts = opts, .data = s->data, .len = seg_len(s),
	};

	for (unsigned i = 0; i < s->o.n_sack; i++) {
		o.sack[i][0] = h_sym_val(c, s->o.sack[i][0]);
		o.sack[i][1] = h_sym_val(c, s->o.sack[i][1]);
	}
	t.optlen = h_opts_encode(&o, opts);
	if (from == F_CLIENT) {
		t.src_mac = c->c_mac;
		t.dst_mac = h_edge_mac;
		t.sip = c->c_ip;
		t.dip = H_EDGE_IP;
		t.sport = c->c_port;
		t.dport = H_LISTEN_PORT;
		return h_tcp_frame(e, &t);
	}
	assert_true(c->target > T_NONE && c->target < T__COUNT);
	assert_true(c->sport_known);
	t.sport = h_target_port(c->target);
	t.dport = c->sport;
	t.sip = h_target_ip(c->target);
	if (c->target == T_ALICE) {
		t.src_mac = h_alice_mac;
		t.dst_mac = h_ovl_mac;
		t.dip = H_OVL_IP;
		return h_vxlan_frame(e, h_tcp_frame(e, &t), H_VTEP_IP, H_VNI);
	}
	t.src_mac = *h_target_mac(c->target);
	t.dst_mac = h_inner_mac;
	t.dip = H_INNER_IP;
	return h_tcp_frame(e, &t);
}

#define MERR(...) do { snprintf(msg, len, __VA_ARGS__); return false; } while (0)

static bool mac_eq(const struct rte_ether_addr *a, const struct rte_ether_addr *b)
{
	return memcmp(a, b, 6) == 0;
}

static bool sym_match(struct h_conn *c, struct h_sym s, uint32_t got,
		      bool learn_s, const char *what, char *msg, size_t len)
{
	if (s.base == SB_UNSET)
		return true;
	if (s.base == SB_R && !c->r_known) {
		c->r_isn = got - (uint32_t)s.off;
		c->r_known = true;
		return true;
	}
	if (s.base == SB_S && (!c->s_known || learn_s)) {
		c->s_isn = got - (uint32_t)s.off;
		c->s_known = true;
		return true;
	}
	uint32_t want = h_sym_val(c, s);
	if (got != want)
		MERR("%s %u, expected %u (%s%+lld)", what, got, want,
		     s.base == SB_C ? "client ISN" : s.base == SB_R ? "our ISN to client" :
		     s.base == SB_S ? "our ISN to backend" : s.base == SB_B ? "backend ISN" : "",
		     (long long)s.off);
	return true;
}

static bool match_target(struct h_conn *c, const struct h_exp *x,
			 const struct h_pkt *p, char *msg, size_t len)
{
	uint8_t want = x->target ? x->target : c->target;
	uint8_t got = T_NONE;

	for (unsigned t = T_BE0; t < T__COUNT; t++)
		if (h_target_ip(t) == p->dip && h_target_port(t) == p->dport)
			got = (uint8_t)t;
	if (got == T_NONE)
		MERR("backend-side frame to an unknown target");
	if (want == T_ANY) {
		if (got != T_BE0 && got != T_BE1)
			MERR("to %s, expected a web backend", h_target_name(got));
	} else if (want == T_OTHER) {
		if ((got != T_BE0 && got != T_BE1) || got == c->target)
			MERR("to %s, expected the web backend other than %s",
			     h_target_name(got), h_target_name(c->target));
	} else if (got != want) {
		MERR("to %s, expected %s", h_target_name(got), h_target_name(want));
	}
	if (got != c->target)
		c->prev_target = c->target;
	c->target = got;
	return true;
}

static bool match_arp(const struct h_xarp *a, const struct h_pkt *p,
		      char *msg, size_t len)
{
	static const struct rte_ether_addr bcast = MAC(ff, ff, ff, ff, ff, ff);
	char x[16], y[16];

	if (p->ethertype != 0x0806)
		MERR("not ARP");
	if (p->port != a->port)
		MERR("ARP on port %u, expected %u", p->port, a->port);
	if (p->vxlan != a->vxlan)
		MERR("ARP %s VXLAN", p->vxlan ? "in" : "not in");
	if (a->vxlan) {
		if (!mac_eq(&p->o_dst_mac, &h_vtep_mac) || !mac_eq(&p->o_src_mac, &h_inner_mac))
			MERR("VXLAN outer MACs wrong");
		if (p->o_sip != H_INNER_IP || p->o_dip != H_VTEP_IP || p->o_dport != 4789)
			MERR("VXLAN outer addressing wrong");
		if (p->vni != H_VNI)
			MERR("VNI %u", p->vni);
	}
	if (p->arp_op != a->op || p->arp_sip != a->sip || p->arp_tip != a->tip)
		MERR("ARP op %u %s -> %s, expected op %u %s -> %s", p->arp_op,
		     ipstr(p->arp_sip, x), ipstr(p->arp_tip, y), a->op,
		     ipstr(a->sip, x), ipstr(a->tip, y));
	if (!mac_eq(&p->arp_sha, a->sha) || !mac_eq(&p->src_mac, a->sha))
		MERR("ARP sender MAC wrong");
	if (!mac_eq(&p->dst_mac, a->eth_dst ? a->eth_dst : &bcast))
		MERR("ARP Ethernet destination wrong");
	if (a->op == 2 && !mac_eq(&p->arp_tha, a->tha))
		MERR("ARP reply target MAC wrong");
	return true;
}

bool h_match(struct h_env *e, struct h_conn *cc, const struct h_exp *x,
	     const struct rte_mbuf *m, char *msg, size_t len)
{
	struct h_pkt p;
	struct h_conn c = *cc;    /* learn only on a full match */
	const struct h_seg *s = &x->s;

	if (!h_parse(m, &p))
		MERR("bad frame: %s", p.err);
	if (x->to == X_ARP)
		return match_arp(&x->arp, &p, msg, len);
	if (p.ethertype != 0x0800 || p.proto != 6)
		MERR("not a TCP segment");
	if (x->to == X_CLIENT) {
		if (p.port != H_PORT_EDGE || p.vxlan)
			MERR("to the client but on port %u%s", p.port, p.vxlan ? " (vxlan)" : "");
		if (!mac_eq(&p.dst_mac, &c.c_mac) || !mac_eq(&p.src_mac, &h_edge_mac))
			MERR("client frame with wrong MACs");
		if (p.sip != H_EDGE_IP || p.dip != c.c_ip || p.sport != H_LISTEN_PORT ||
		    p.dport != c.c_port)
			MERR("not addressed listener -> client");
	} else {
		if (p.port != H_PORT_INNER)
			MERR("backend-side frame on port %u", p.port);
		if (!match_target(&c, x, &p, msg, len))
			return false;
		if (c.target == T_ALICE) {
			if (!p.vxlan)
				MERR("tunnel alice frame not VXLAN-encapsulated");
			if (!mac_eq(&p.o_dst_mac, &h_vtep_mac) || !mac_eq(&p.o_src_mac, &h_inner_mac))
				MERR("VXLAN outer MACs wrong");
			if (p.o_sip != H_INNER_IP || p.o_dip != H_VTEP_IP || p.o_dport != 4789 ||
			    p.o_sport < 49152)
				MERR("VXLAN outer addressing wrong (udp %u -> %u)", p.o_sport, p.o_dport);
			if (p.vni != H_VNI)
				MERR("VNI %u, expected %u", p.vni, H_VNI);
			if (!mac_eq(&p.src_mac, &h_ovl_mac) || !mac_eq(&p.dst_mac, &h_alice_mac))
				MERR("inner MACs wrong");
			if (p.sip != H_OVL_IP)
				MERR("inner source not the overlay address");
		} else {
			if (p.vxlan)
				MERR("unexpected VXLAN");
			if (!mac_eq(&p.dst_mac, h_target_mac(c.target)) ||
			    !mac_eq(&p.src_mac, &h_inner_mac))
				MERR("backend frame with wrong MACs");
			if (p.sip != H_INNER_IP)
				MERR("backend frame not from the inner port address");
		}
		if (!c.sport_known || x->relearn) {
			/* The flow lives on the worker that owns its tuple,
			 * whichever one the client's frames reached. */
			unsigned ppw = e->sh->ports_per_worker;
			unsigned ow = e->sh->n_workers < 2 ? 0 :
				client_owner(e->sh, rte_cpu_to_be_32(c.c_ip),
					     rte_cpu_to_be_32(H_EDGE_IP),
					     rte_cpu_to_be_16(c.c_port),
					     rte_cpu_to_be_16(H_LISTEN_PORT));
			unsigned lo = SRC_PORT_FIRST + ow * ppw;
			if (p.sport < lo || p.sport >= lo + ppw)
				MERR("source port %u outside worker %u's range [%u, %u)",
				     p.sport, ow, lo, lo + ppw);
			c.sport = p.sport;
			c.sport_known = true;
		} else if (p.sport != c.sport) {
			MERR("source port %u, expected %u", p.sport, c.sport);
		}
	}
	if (p.flags != s->flags)
		MERR("flags 0x%02x, expected 0x%02x", p.flags, s->flags);
	if (!sym_match(&c, s->seq, p.seq, x->relearn, "seq", msg, len) ||
	    !sym_match(&c, s->ack, p.ack, false, "ack", msg, len))
		return false;
	if ((s->win || s->win0) && p.win != (s->win0 ? 0 : s->win))
		MERR("window %u, expected %d", p.win, s->win0 ? 0 : s->win);
	if (s->chk_opts) {
		if (p.o.mss != s->o.mss || p.o.ws != s->o.ws || p.o.sackok != s->o.sackok ||
		    p.o.n_sack != s->o.n_sack)
			MERR("options mss %u ws %d sackok %d nsack %u, expected mss %u ws %d sackok %d nsack %u",
			     p.o.mss, p.o.ws - 1, p.o.sackok, p.o.n_sack,
			     s->o.mss, s->o.ws - 1, s->o.sackok, s->o.n_sack);
		for (unsigned i = 0; i < s->o.n_sack; i++)
			for (unsigned k = 0; k < 2; k++) {
				uint32_t want = h_sym_val(&c, s->o.sack[i][k]);
				if (p.o.sack[i][k] != want)
					MERR("SACK block %u edge %u = %u, expected %u", i, k,
					     p.o.sack[i][k], want);
			}
	}
	if (s->data) {
		unsigned n = seg_len(s);
		if (p.len != n || memcmp(p.data, s->data, n) != 0)
			MERR("payload (%u bytes) \"%.*s\", expected (%u bytes) \"%.*s\"",
			     p.len, p.len > 300 ? 300 : (int)p.len, (const char *)p.data,
			     n, n > 300 ? 300 : (int)n, s->data);
	} else if (s->exp_len) {
		if (p.len != (unsigned)s->exp_len)
			MERR("payload %u bytes, expected %d", p.len, s->exp_len);
	} else if (p.len != 0) {
		MERR("unexpected payload of %u bytes", p.len);
	}
	*cc = c;
	return true;
}

void h_play_(struct h_env *e, struct h_conn *c, const struct h_step *steps,
	     unsigned n, const char *file, int line)
{
	char msg[1024], d[256];

	for (unsigned i = 0; n ? i < n : steps[i].desc != NULL; i++) {
		const struct h_step *st = &steps[i];

		if (st->at > 0)
			h_at(e, (uint64_t)st->at);
		if (st->from == F_CLIENT)
			h_rx(e, c->c_worker, H_PORT_EDGE, h_seg_frame(e, c, F_CLIENT, &st->in));
		else if (st->from == F_BACKEND)
			h_rx(e, c->b_worker, H_PORT_INNER, h_seg_frame(e, c, F_BACKEND, &st->in));
		h_tick(e);
		h_collect(e);
		if (st->any_out) {
			h_drain(e);
			continue;
		}
		bool used[H_CAP] = { false };
		for (unsigned k = 0; k < H_MAX_OUT && st->out[k].to != X_END; k++) {
			const struct h_exp *x = &st->out[k];
			bool found = false;
			msg[0] = 0;
			for (unsigned q = 0; q < e->nq && !found; q++) {
				char m2[512];
				if (used[q])
					continue;
				if (h_match(e, c, x, e->q[q], m2, sizeof(m2))) {
					used[q] = found = true;
				} else if (msg[0] == 0) {
					struct h_pkt p;
					h_parse(e->q[q], &p);
					snprintf(msg, sizeof(msg), "%s\n      closest: %s", m2,
						 h_describe(&p, d, sizeof(d)));
				}
			}
			if (!found) {
				print_error("%s:%d: step %u \"%s\": expected frame %u (to %s) not sent: %s\n",
					    file, line, i + 1, st->desc, k + 1,
					    x->to == X_CLIENT ? "client" :
					    x->to == X_ARP ? "ARP" : "backend",
					    msg[0] ? msg : "no frame at all");
				for (unsigned q = 0; q < e->nq; q++) {
					struct h_pkt p;
					if (h_parse(e->q[q], &p))
						print_error("    sent: %s\n", h_describe(&p, d, sizeof(d)));
					else
						print_error("    sent: unparsable (%s)\n", p.err);
				}
				h_drain(e);
				_fail(file, line);
			}
		}
		bool extra = false;
		for (unsigned q = 0; q < e->nq; q++) {
			if (used[q])
				continue;
			struct h_pkt p;
			if (!h_parse(e->q[q], &p))
				print_error("%s:%d: step %u \"%s\": unparsable frame: %s\n",
					    file, line, i + 1, st->desc, p.err);
			else
				print_error("%s:%d: step %u \"%s\": unexpected frame: %s\n",
					    file, line, i + 1, st->desc,
					    h_describe(&p, d, sizeof(d)));
			extra = true;
		}
		h_drain(e);
		if (extra)
			_fail(file, line);
	}
}

/* ---- common sequences ---------------------------------------------------- */

static uint16_t min16(uint16_t a, uint16_t b) { return a < b ? a : b; }

void h_handshake(struct h_env *e, struct h_conn *c, const struct h_sopts *o)
{
	struct h_sopts want = {
		.mss = min16(o->mss ? o->mss : 536, 1500 - 40 - 50),
		.ws = o->ws ? WS(7) : 0, .sackok = o->sackok,
	};
	struct h_step st[] = {
		{ "client SYN is answered with our SYN-ACK", 0, F_CLIENT,
		  { .flags = SYN, .seq = C_(0), .o = *o },
		  { { X_CLIENT, .s = { .flags = SYN | ACK, .seq = R_(0), .ack = C_(1),
				       .o = want, .chk_opts = true } } } },
		{ "client ACK completes the handshake", 0, F_CLIENT,
		  { .flags = ACK, .seq = C_(1), .ack = R_(1) }, { { X_END } } },
	};
	c->c_ws = o->ws ? (uint8_t)(o->ws - 1) : 0;
	h_play(e, c, st);
}

const char *h_with_xff(const char *req, uint32_t ip, char *buf, size_t len)
{
	const char *end = strstr(req, "\r\n\r\n");
	char a[16];

	assert_non_null(end);
	size_t at = (size_t)(end - req) + 2;
	snprintf(buf, len, "%.*sX-Forwarded-For: %s\r\n%s", (int)at, req,
		 ipstr(ip, a), req + at);
	return buf;
}

void h_establish(struct h_env *e, struct h_conn *c, const char *req,
		 uint8_t target, const struct h_sopts *copts,
		 const struct h_sopts *bopts)
{
	static char fwd[8192];
	int n = (int)strlen(req);
	struct h_sopts syn_o = {
		.mss = min16(copts->mss ? copts->mss : 536, 1460),
		.ws = copts->ws, .sackok = copts->sackok,
	};

	h_handshake(e, c, copts);
	h_with_xff(req, c->c_ip, fwd, sizeof(fwd));
	int fn = (int)strlen(fwd);
	struct h_step st[] = {
		{ "the whole request header in one segment: ACKed, decided, SYN to the target",
		  0, F_CLIENT, { .flags = ACK | PSH, .seq = C_(1), .ack = R_(1), .data = req },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } },
		    { X_BACKEND, .target = target, .relearn = true,
		      .s = { .flags = SYN, .seq = S_(0), .ack = ABS(0), .o = syn_o,
			     .chk_opts = true } } } },
		{ "target SYN-ACK: the buffered header goes out with X-Forwarded-For",
		  0, F_BACKEND, { .flags = SYN | ACK, .seq = B_(0), .ack = S_(1), .o = *bopts },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1), .ack = B_(1),
					.data = fwd } } } },
		{ "target ACKs the header: forwarded to the client as an ACK of its bytes",
		  0, F_BACKEND, { .flags = ACK, .seq = B_(1), .ack = S_(1 + fn) },
		  { { X_CLIENT, .s = { .flags = ACK, .seq = R_(1), .ack = C_(1 + n) } } } },
	};
	h_play(e, c, st);
}

int h_main(int argc, char **argv, const char *group,
	   const struct CMUnitTest *tests, size_t n)
{
	if (argc > 1) {
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(tests[i].name, argv[1]) == 0)
				break;
		if (i == n) {
			fprintf(stderr, "%s: no test named %s\n", group, argv[1]);
			return 1;
		}
		cmocka_set_test_filter(argv[1]);
	}
	h_eal_init();
	int rc = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
