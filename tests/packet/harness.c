/* Packet-test harness (see harness.h): addresses, the EAL, and the
 * environment (configuration, workers, rings, clock). Frames are built and
 * parsed in harness_frame.c, golden sequences played in harness_play.c. */
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
	"  workers = %u; max_flows = %u; header_max = %u;%s%s\n"
	"  timeouts = { syn_ms = %u; header_ms = %u; connect_ms = %u;\n"
	"               idle_s = %u; linger_ms = %u;%s%s };\n"
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
	"  { name = \"web\"; backends = ( %s );%s%s },\n"
	"  { name = \"api\"; backends = ( { address = \"198.18.1.12:8080\"; } );%s }\n"
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
	"previews = { domain = \"preview.example.test\"; };\n%s";

static const char default_web[] =
	"{ address = \"198.18.1.10:8080\"; }, { address = \"198.18.1.11:8080\"; }";

static void conf_text(const struct h_params *p, char *text, size_t len)
{
	char syn[128] = "", rto[40] = "", mg[40] = "", pool[40] = "", pidle[40] = "";

	if (p->syn_cookies || p->syn_backlog || p->header_buffers)
		snprintf(syn, sizeof(syn),
			 " syn_cookies = \"%s\"; syn_backlog = %u; header_buffers = %u;",
			 p->syn_cookies ? p->syn_cookies : "auto",
			 p->syn_backlog ? p->syn_backlog : p->max_flows / 2,
			 p->header_buffers ? p->header_buffers : p->max_flows);
	if (p->syn_rto_ms)
		snprintf(rto, sizeof(rto), " syn_rto_ms = %u;", p->syn_rto_ms);
	if (p->pool_max >= 0)
		snprintf(pool, sizeof(pool), " pool_max = %d;", p->pool_max);
	if (p->pool_idle_ms)
		snprintf(pidle, sizeof(pidle), " pool_idle_ms = %u;", p->pool_idle_ms);
	if (p->maglev_size)
		snprintf(mg, sizeof(mg), " maglev_size = %u;", p->maglev_size);
	snprintf(text, len, conf_fmt, p->workers, p->max_flows, p->header_max, syn,
		 pool, p->syn_ms, p->header_ms, p->connect_ms, p->idle_s, p->linger_ms,
		 rto, pidle, p->listen_port ? p->listen_port : H_LISTEN_PORT,
		 p->per_request ? "request" : "connection",
		 p->services_before ? p->services_before : "",
		 p->web_backends ? p->web_backends : default_web,
		 p->web_service ? p->web_service : "", mg, mg,
		 p->bob_no_fail_open ? " fail_open = false;" : "",
		 p->extra ? p->extra : "");
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

struct ruleset *h_compile(struct h_env *e, const struct h_params *pp)
{
	static char text[8192];
	char err[1024];
	struct h_params p = pp ? *pp : (struct h_params){ 0 };

	(void)e;
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
	return rs;
}

void h_publish(struct h_env *e, struct ruleset *rs)
{
	char err[1024];

	/* the workers are not registered with QSBR here (worker_loop does
	 * that): the grace period is immediate, as between bursts */
	if (dp_publish(e->sh, rs, err, sizeof(err)) != 0) {
		print_error("harness: dp_publish: %s\n", err);
		fail();
	}
}

void h_reload(struct h_env *e, const struct h_params *p)
{
	h_publish(e, h_compile(e, p));
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
