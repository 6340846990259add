/* The same decision everywhere (docs/scale-out.md): two nodes with the
 * same rules must build the same Maglev tables and pick the same backend
 * for the same client tuple, or a flow ECMP moves between them would land
 * on another backend. Rulesets are built from the same objects written in
 * two orders (as one node reading them whole and another seeing them added
 * one by one may hold them), and in two processes: this binary runs itself
 * again with --emit and compares what the child picked with its own picks,
 * so a per-process seed or key entering the choice shows as a difference.
 * Tuples go through the dataplane's own hash (flow_choice_hash), and a
 * flow the dataplane opens is checked to carry exactly that hash. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "flow.h"
#include "harness.h"
#include "http.h"
#include "maglev.h"
#include "rules.h"

#define N_TUPLES 20000u

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

/* Backends of service web, with weights, and of service api. */
static const char *const web_be[] = {
	"{ address = \"198.18.1.10:8080\"; weight = 3; }",
	"{ address = \"198.18.1.11:8080\"; }",
	"{ address = \"198.18.1.13:8080\"; weight = 2; }",
	"{ address = \"198.18.1.14:8081\"; }",
	"{ address = \"198.18.1.15:8080\"; weight = 5; }",
	"{ address = \"198.18.1.16:8080\"; }",
	"{ address = \"198.18.1.17:9000\"; }",
};
static const char *const api_be[] = {
	"{ address = \"198.18.1.12:8080\"; }",
	"{ address = \"198.18.1.22:8080\"; }",
	"{ address = \"198.18.1.23:8080\"; weight = 2; }",
};

static void backends(char *out, size_t len, const char *const *be, unsigned n,
		     bool reversed)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		const char *b = be[reversed ? n - 1 - i : i];
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? ", " : "", b);
	}
}

/* The rules, with services and backends in file order or REVERSED. */
static struct ruleset *build(bool reversed)
{
	char web[1024], api[512], text[4096], err[256];

	backends(web, sizeof(web), web_be, 7, reversed);
	backends(api, sizeof(api), api_be, 3, reversed);
	char svc_web[1200], svc_api[700];
	snprintf(svc_web, sizeof(svc_web), "  { name = \"web\"; backends = ( %s ); }", web);
	snprintf(svc_api, sizeof(svc_api), "  { name = \"api\"; backends = ( %s ); }", api);
	snprintf(text, sizeof(text),
		 "dataplane = { };\n"
		 "ports = ( { name = \"edge\"; device = \"net_null0\"; address = \"198.18.0.1/24\"; },\n"
		 "          { name = \"inner\"; device = \"net_null1\"; address = \"198.18.1.1/24\"; } );\n"
		 "listeners = ( { name = \"web\"; address = \"198.18.0.100:80\"; default_service = \"web\";\n"
		 "    routes = ( { host = \"api.example.test\"; service = \"api\"; } ); } );\n"
		 "services = (\n%s,\n%s\n);\n",
		 reversed ? svc_api : svc_web, reversed ? svc_web : svc_api);
	struct steer_conf *c = conf_load_string(text, "same.conf", err, sizeof(err));
	if (c == NULL)
		fail_msg("config: %s", err);
	struct ruleset *rs = rs_compile(c, err, sizeof(err));
	if (rs == NULL)
		fail_msg("compile: %s", err);
	return rs;
}

static int service_index(const struct ruleset *rs, const char *name)
{
	const struct steer_conf *c = rs_conf(rs);

	for (unsigned s = 0; s < c->n_services; s++)
		if (strcmp(c->services[s].name, name) == 0)
			return (int)s;
	fail_msg("no service %s", name);
	return -1;
}

/* A backend as ip << 16 | port: what a node actually connects to, whatever
 * index it has in that node's list. */
static uint64_t backend_of(const struct ruleset *rs, unsigned svc, int32_t k)
{
	if (k < 0)
		return UINT64_MAX;
	const struct conf_backend *b = &rs_conf(rs)->services[svc].backends[k];
	return (uint64_t)b->ip << 16 | b->port;
}

/* Service NAME's Maglev table of RS as backends, into OUT (SIZE slots). */
static uint32_t table_of(const struct ruleset *rs, const char *name, uint64_t *out,
			 uint32_t cap)
{
	unsigned svc = (unsigned)service_index(rs, name);
	uint32_t size;
	const uint16_t *t = rs_maglev(rs, svc, &size);

	assert_non_null(t);
	assert_true(size <= cap);
	for (uint32_t e = 0; e < size; e++)
		out[e] = backend_of(rs, svc, t[e]);
	return size;
}

/* The I-th client tuple: many addresses and ports (network order, as the
 * dataplane hashes them). */
static void tuple(unsigned i, uint32_t *c_ip, uint16_t *c_port)
{
	*c_ip = rte_cpu_to_be_32(0xc6120a00u + (i % 251u));     /* 198.18.10.x */
	*c_port = rte_cpu_to_be_16((uint16_t)(1024u + (i * 7919u) % 64000u));
}

/* What RS picks for tuple I with a request for HOST: the backend. */
static uint64_t pick(const struct ruleset *rs, struct rs_scratch *s, unsigned i,
		     const char *host)
{
	char text[128];
	struct http_req req;
	struct rs_decision d;
	uint32_t c_ip;
	uint16_t c_port;

	snprintf(text, sizeof(text), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", host);
	http_req_init(&req);
	assert_true(http_parse_request(&req, text, strlen(text)) > 0);
	tuple(i, &c_ip, &c_port);
	uint32_t h = flow_choice_hash(c_ip, rte_cpu_to_be_32(0xc6120064u), c_port,
				      rte_cpu_to_be_16(80));
	assert_int_equal(rs_decide(rs, s, 0, &req, h, &d), 0);
	return backend_of(rs, d.service, d.backend);
}

/* FNV-1a over every pick of RS: what the child process prints. */
static uint64_t digest(const struct ruleset *rs)
{
	struct rs_scratch *s = rs_scratch_alloc(rs, NULL);
	uint64_t h = 0xcbf29ce484222325ull;

	assert_non_null(s);
	for (unsigned i = 0; i < N_TUPLES; i++) {
		uint64_t b = pick(rs, s, i, (i & 1) ? "api.example.test" : "web.example.test");
		for (unsigned k = 0; k < 8; k++) {
			h ^= (b >> (8 * k)) & 255;
			h *= 0x100000001b3ull;
		}
	}
	rs_scratch_free(s);
	return h;
}

static void tables_match_whatever_the_order_of_the_objects(void **state)
{
	(void)state;
	static uint64_t ta[MAGLEV_DEFAULT_SIZE], tb[MAGLEV_DEFAULT_SIZE];
	struct ruleset *a = build(false), *a2 = build(false), *b = build(true);
	static const char *const svcs[] = { "web", "api" };

	for (unsigned v = 0; v < 2; v++) {
		uint32_t na = table_of(a, svcs[v], ta, MAGLEV_DEFAULT_SIZE);
		uint32_t n2 = table_of(a2, svcs[v], tb, MAGLEV_DEFAULT_SIZE);
		assert_int_equal(na, n2);
		for (uint32_t e = 0; e < na; e++)
			if (ta[e] != tb[e])
				fail_msg("%s: slot %u differs between two builds of one text",
					 svcs[v], e);
		uint32_t nb = table_of(b, svcs[v], tb, MAGLEV_DEFAULT_SIZE);
		assert_int_equal(na, nb);
		for (uint32_t e = 0; e < na; e++)
			if (ta[e] != tb[e])
				fail_msg("%s: slot %u differs with the objects in another order",
					 svcs[v], e);
	}
	rs_free(a);
	rs_free(a2);
	rs_free(b);
}

static void same_tuple_gets_the_same_backend_in_both_orders(void **state)
{
	(void)state;
	struct ruleset *a = build(false), *b = build(true);
	struct rs_scratch *sa = rs_scratch_alloc(a, NULL), *sb = rs_scratch_alloc(b, NULL);
	uint64_t seen[16];
	unsigned n_seen = 0;

	assert_non_null(sa);
	assert_non_null(sb);
	for (unsigned i = 0; i < N_TUPLES; i++) {
		const char *host = (i & 1) ? "api.example.test" : "web.example.test";
		uint64_t x = pick(a, sa, i, host), y = pick(b, sb, i, host);
		if (x != y)
			fail_msg("tuple %u (%s): backend %" PRIx64 " vs %" PRIx64, i, host, x, y);
		unsigned k;
		for (k = 0; k < n_seen && seen[k] != x; k++)
			;
		if (k == n_seen && n_seen < 16)
			seen[n_seen++] = x;
	}
	/* The tuples spread over all 10 backends: agreeing on one would be
	 * no evidence. */
	assert_int_equal(n_seen, 10);
	rs_scratch_free(sa);
	rs_scratch_free(sb);
	rs_free(a);
	rs_free(b);
}

static void another_process_picks_the_same_backends(void **state)
{
	(void)state;
	char cmd[4200], line[64];
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	assert_true(n > 0);
	self[n] = '\0';
	struct ruleset *a = build(false);
	uint64_t mine = digest(a);
	rs_free(a);
	snprintf(cmd, sizeof(cmd), "'%s' --emit", self);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	bool got = fgets(line, sizeof(line), p) != NULL;
	assert_int_equal(pclose(p), 0);
	assert_true(got);
	uint64_t theirs = strtoull(line, NULL, 16);
	if (theirs != mine)
		fail_msg("this process: %016" PRIx64 ", another: %016" PRIx64, mine, theirs);
}

/* The dataplane opens a flow with the hash the tests above use. */
static void flows_carry_the_choice_hash_of_their_tuple(void **state)
{
	struct h_env *e = *state;

	for (uint16_t i = 0; i < 8; i++) {
		struct h_conn c;
		h_conn_init(&c, (uint16_t)(42100 + 17 * i), 1000u * i, 0);
		h_handshake(e, &c, &linux_opts);
		struct flow_key k = { .c_ip = rte_cpu_to_be_32(H_CLIENT_IP),
				      .l_ip = rte_cpu_to_be_32(H_EDGE_IP),
				      .c_port = rte_cpu_to_be_16(c.c_port),
				      .l_port = rte_cpu_to_be_16(H_LISTEN_PORT) };
		struct flow *f = flow_lookup_client(e->sh->workers[0], &k);
		assert_non_null(f);
		assert_int_equal(f->hash, flow_choice_hash(k.c_ip, k.l_ip, k.c_port,
							   k.l_port));
	}
}

static const struct CMUnitTest tests[] = {
	TN(tables_match_whatever_the_order_of_the_objects),
	TN(same_tuple_gets_the_same_backend_in_both_orders),
	TN(another_process_picks_the_same_backends),
	T(flows_carry_the_choice_hash_of_their_tuple),
};

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--emit") == 0) {
		/* The child of another_process_picks_the_same_backends: no EAL,
		 * no cmocka run; a failure inside exits non-zero. */
		struct ruleset *a = build(false);
		printf("%016" PRIx64 "\n", digest(a));
		rs_free(a);
		return 0;
	}
	return h_main(argc, argv, "packet_same", tests, sizeof(tests) / sizeof(tests[0]));
}
