/* Rule engine: compile errors and decisions, table-driven. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "http.h"
#include "rules.h"

#define BASE                                                                  \
	"dataplane = { workers = 1; };\n"                                     \
	"ports = ( { name = \"edge\"; device = \"net_null0\"; address = \"198.18.0.1/24\"; } );\n" \
	"listeners = (\n"                                                     \
	"  { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n" \
	"    routes = ( { host = \"api.example.test\"; path_prefix = \"/v2/\"; service = \"api\"; },\n" \
	"               { host_suffix = \".shop.test\"; service = \"shop\"; } ); }\n" \
	");\n"                                                                \
	"services = (\n"                                                      \
	"  { name = \"web\"; backends = ( { address = \"198.18.1.10:8080\"; }, { address = \"198.18.1.11:8080\"; } ); },\n" \
	"  { name = \"api\"; backends = ( { address = \"198.18.1.12:8080\"; } ); },\n" \
	"  { name = \"shop\"; backends = ( ); }\n"                            \
	");\n"                                                                \
	"tunnels = (\n"                                                       \
	"  { name = \"alice\"; type = \"direct\"; target = \"198.18.1.20:9000\"; },\n" \
	"  { name = \"bob\"; type = \"direct\"; target = \"198.18.1.21:9000\"; }\n" \
	");\n"                                                                \
	"previews = { domain = \"preview.example.test\"; };\n"

static const char rules_conf[] = BASE
	"intercepts = (\n"
	"  { name = \"alice-web\"; service = \"web\"; tunnel = \"alice\";\n"
	"    headers = ( { name = \"x-telepresence-intercept-id\"; value = \"7f3a:alice-web\"; } );\n"
	"    preview = \"alice-7f3a\"; },\n"
	"  { name = \"bob-api\"; service = \"web\"; tunnel = \"bob\";\n"
	"    headers = ( { name = \"x-user\"; regex = \"^bob\"; } ); path_prefix = \"/api/\"; },\n"
	"  { name = \"carol-bg\"; service = \"web\"; tunnel = \"bob\";\n"
	"    headers = ( { baggage = \"devid\"; value = \"carol smith\"; } ); },\n"
	"  { name = \"two\"; service = \"web\"; tunnel = \"alice\";\n"
	"    headers = ( { name = \"x-a\"; value = \"1\"; }, { name = \"x-b\"; prefix = \"feat-\"; } ); },\n"
	"  { name = \"pres\"; service = \"web\"; tunnel = \"bob\";\n"
	"    headers = ( { name = \"x-debug-me\"; present = true; } ); },\n"
	"  { name = \"pathonly\"; service = \"web\"; tunnel = \"alice\"; path_equal = \"/only\"; },\n"
	"  { name = \"pathre\"; service = \"web\"; tunnel = \"bob\"; path_regex = \"^/items/[0-9]+$\"; },\n"
	"  { name = \"hdr-over-path\"; service = \"web\"; tunnel = \"bob\";\n"
	"    headers = ( { name = \"x-who\"; value = \"dan\"; } ); },\n"
	"  { name = \"api-dev\"; service = \"api\"; tunnel = \"bob\";\n"
	"    headers = ( { name = \"x-telepresence-intercept-id\"; value = \"7f3a:alice-web\"; } ); },\n"
	"  { name = \"bgre\"; service = \"web\"; tunnel = \"alice\";\n"
	"    headers = ( { baggage = \"team\"; regex = \"^pay\"; } ); },\n"
	"  { name = \"prev-only\"; service = \"api\"; tunnel = \"alice\"; preview = \"zed\"; }\n"
	");\n";

struct fixture {
	struct ruleset *rs;
	struct rs_scratch *s;
};

static struct ruleset *compile_text(const char *text, char *err, size_t len)
{
	struct steer_conf *c = conf_load_string(text, "test.conf", err, len);
	if (c == NULL)
		return NULL;
	struct ruleset *rs = rs_compile(c, err, len);
	if (rs == NULL)
		conf_free(c);
	return rs;
}

static int setup(void **state)
{
	static struct fixture f;
	char err[512];

	f.rs = compile_text(rules_conf, err, sizeof(err));
	if (f.rs == NULL) {
		fprintf(stderr, "compile: %s\n", err);
		return -1;
	}
	f.s = rs_scratch_alloc(f.rs, NULL);
	if (f.s == NULL)
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	rs_scratch_free(f->s);
	rs_free(f->rs);
	return 0;
}

/* Parse TEXT (a full request header) and decide. */
static void decide(struct fixture *f, const char *text, struct rs_decision *d)
{
	struct http_req req;
	http_req_init(&req);
	int n = http_parse_request(&req, text, strlen(text));
	if (n <= 0)
		fail_msg("request did not parse (%d, %s): %s", n,
			 http_error_str(req.error), text);
	assert_int_equal(rs_decide(f->rs, f->s, 0, &req, 12345, d), 0);
}

static const char *icpt_name(struct fixture *f, const struct rs_decision *d)
{
	return d->intercept < 0 ? NULL : rs_conf(f->rs)->intercepts[d->intercept]->name;
}

static const char *svc_name(struct fixture *f, const struct rs_decision *d)
{
	return rs_conf(f->rs)->services[d->service].name;
}

struct dcase {
	const char *req;
	const char *service;
	const char *intercept;    /* NULL: cluster */
	const char *why;
};

#define R(line, hdrs) "GET " line " HTTP/1.1\r\nHost: www.example.test\r\n" hdrs "\r\n"

static const struct dcase dcases[] = {
	{ R("/", ""), "web", NULL, "no header goes to the cluster" },
	{ R("/", "x-telepresence-intercept-id: 7f3a:alice-web\r\n"), "web",
	  "alice-web", "exact intercept id" },
	{ R("/", "X-Telepresence-Intercept-ID: 7f3a:alice-web\r\n"), "web",
	  "alice-web", "header names are case-insensitive" },
	{ R("/", "x-telepresence-intercept-id: 7F3A:alice-web\r\n"), "web",
	  NULL, "values are case-sensitive" },
	{ R("/", "x-telepresence-intercept-id: 7f3a:alice-we\r\n"), "web",
	  NULL, "exact means exact, not prefix" },
	{ R("/", "x-telepresence-intercept-id:   7f3a:alice-web  \r\n"), "web",
	  "alice-web", "surrounding whitespace is not part of the value" },
	{ R("/", "x-other: 1\r\nx-telepresence-intercept-id: nope\r\nx-telepresence-intercept-id: 7f3a:alice-web\r\n"),
	  "web", "alice-web", "any occurrence of a repeated header may match" },
	{ R("/api/x", "x-user: bobby\r\n"), "web", "bob-api", "regex and path prefix both hold" },
	{ R("/api/x?q=1", "x-user: bobby\r\n"), "web", "bob-api", "query string is not part of the path" },
	{ R("/other", "x-user: bobby\r\n"), "web", NULL, "all matchers must hold: path fails" },
	{ R("/api/x", "x-user: robert\r\n"), "web", NULL, "anchored regex fails" },
	{ R("/api/x", "x-user-id: bobby\r\n"), "web", NULL, "regex of another header does not count" },
	{ R("/api/x", "x-telepresence-intercept-id: bob\r\n"), "web", NULL,
	  "a value meant for x-user does not match on another header" },
	{ R("/", "baggage: devid=carol%20smith\r\n"), "web", "carol-bg", "baggage value is percent-decoded" },
	{ R("/", "baggage: a=1, devid = carol%20smith ;p=q, z=2\r\n"), "web", "carol-bg",
	  "baggage member among others, with OWS and properties" },
	{ R("/", "baggage: a=1\r\nbaggage: devid=carol%20smith\r\n"), "web", "carol-bg",
	  "baggage split over two fields" },
	{ R("/", "baggage: devid=carol\r\n"), "web", NULL, "baggage value differs" },
	{ R("/", "baggage: xdevid=carol%20smith\r\n"), "web", NULL, "baggage key must be exact" },
	{ R("/", "baggage: devid=carol%2smith\r\n"), "web", NULL, "bad percent escape skips the member" },
	{ R("/", "x-devid: carol smith\r\n"), "web", NULL, "a baggage matcher does not look at headers" },
	{ R("/", "baggage: team=payments\r\n"), "web", "bgre", "baggage regex" },
	{ R("/", "baggage: team=ops-payments\r\n"), "web", NULL, "baggage regex anchored" },
	{ R("/", "x-a: 1\r\nx-b: feat-login\r\n"), "web", "two", "exact and prefix together" },
	{ R("/", "x-a: 1\r\nx-b: login-feat-\r\n"), "web", NULL, "prefix is a prefix" },
	{ R("/", "x-a: 1\r\nx-b: feat-feat-x\r\n"), "web", "two", "prefix repeated in the value" },
	{ R("/", "x-a: 1\r\nx-b: feat-\r\n"), "web", "two", "prefix equal to the whole value" },
	{ R("/", "x-a: 1\r\nx-b: feat\r\n"), "web", NULL, "value shorter than the prefix" },
	{ R("/", "x-a: 1\r\n"), "web", NULL, "second matcher missing" },
	{ R("/", "x-b: feat-x\r\n"), "web", NULL, "first matcher missing" },
	{ R("/", "x-debug-me:\r\n"), "web", "pres", "present with an empty value" },
	{ R("/only", ""), "web", "pathonly", "path_equal" },
	{ R("/only?x=1", ""), "web", "pathonly", "path_equal strips the query" },
	{ R("/only/", ""), "web", NULL, "path_equal is not a prefix" },
	{ R("/items/42", ""), "web", "pathre", "path regex" },
	{ R("/items/42x", ""), "web", NULL, "path regex anchored at end" },
	{ R("/only", "x-who: dan\r\n"), "web", "hdr-over-path",
	  "header intercepts are tried before path-only ones, whatever the file order" },
	{ R("/only", "x-telepresence-intercept-id: 7f3a:alice-web\r\nx-who: dan\r\n"), "web",
	  "alice-web", "first match in file order among header intercepts" },
	{ "GET /v2/users HTTP/1.1\r\nHost: api.example.test\r\n\r\n", "api", NULL,
	  "listener route by host and path" },
	{ "GET /v2/users HTTP/1.1\r\nHost: API.Example.Test:80\r\n\r\n", "api", NULL,
	  "route host is case-insensitive and ignores the port" },
	{ "GET /v1/users HTTP/1.1\r\nHost: api.example.test\r\n\r\n", "web", NULL,
	  "route needs both host and path" },
	{ "GET /v2/users HTTP/1.1\r\nHost: api.example.test\r\nx-telepresence-intercept-id: 7f3a:alice-web\r\n\r\n",
	  "api", "api-dev", "intercepts are per service: the api service's one" },
	{ "GET / HTTP/1.1\r\nHost: a.shop.test\r\n\r\n", "shop", NULL, "host suffix route" },
	{ "GET / HTTP/1.1\r\nHost: alice-7f3a.preview.example.test\r\n\r\n", "web",
	  "alice-web", "preview host" },
	{ "GET / HTTP/1.1\r\nHost: ALICE-7F3A.Preview.Example.Test:8080\r\n\r\n", "web",
	  "alice-web", "preview host is case-insensitive" },
	{ "GET / HTTP/1.1\r\nHost: x.alice-7f3a.preview.example.test\r\n\r\n", "web",
	  NULL, "preview token is one label" },
	{ "GET / HTTP/1.1\r\nHost: nobody.preview.example.test\r\n\r\n", "web",
	  NULL, "unknown preview token" },
	{ "GET / HTTP/1.1\r\nHost: zed.preview.example.test\r\n\r\n", "api",
	  "prev-only", "preview selects the intercept's service" },
	{ R("/", "x-telepresence-intercept-id: zed\r\n"), "web", NULL,
	  "a preview-only intercept matches nothing else" },
	{ "GET / HTTP/1.0\r\nx-telepresence-intercept-id: 7f3a:alice-web\r\n\r\n", "web",
	  "alice-web", "HTTP/1.0 without Host still decides" },
};

static void decisions_follow_the_rules(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		struct rs_decision d;
		decide(f, c->req, &d);
		const char *got = icpt_name(f, &d);
		if (strcmp(svc_name(f, &d), c->service) != 0 ||
		    (got == NULL) != (c->intercept == NULL) ||
		    (got && strcmp(got, c->intercept) != 0))
			fail_msg("case %zu (%s): got service %s intercept %s, want %s %s",
				 i, c->why, svc_name(f, &d), got ? got : "-",
				 c->service, c->intercept ? c->intercept : "-");
		if (c->intercept) {
			assert_int_equal(d.target, RS_TARGET_TUNNEL);
			assert_int_equal(d.tunnel,
				rs_conf(f->rs)->intercepts[d.intercept]->tunnel);
		}
	}
}

static void preview_injects_the_intercept_header(void **state)
{
	struct fixture *f = *state;
	struct rs_decision d;

	decide(f, "GET / HTTP/1.1\r\nHost: alice-7f3a.preview.example.test\r\n\r\n", &d);
	assert_int_equal(d.why, RS_WHY_PREVIEW);
	assert_int_equal(d.n_inject, 1);
	assert_int_equal(d.inject[0].name_len, strlen("x-telepresence-intercept-id"));
	assert_memory_equal(d.inject[0].name, "x-telepresence-intercept-id", d.inject[0].name_len);
	assert_int_equal(d.inject[0].value_len, strlen("7f3a:alice-web"));
	assert_memory_equal(d.inject[0].value, "7f3a:alice-web", d.inject[0].value_len);

	/* Without an exact matcher on that header the intercept's name is sent. */
	decide(f, "GET / HTTP/1.1\r\nHost: zed.preview.example.test\r\n\r\n", &d);
	assert_int_equal(d.n_inject, 1);
	assert_memory_equal(d.inject[0].value, "prev-only", d.inject[0].value_len);

	/* A request that already carries the header is not given a second one. */
	decide(f, "GET / HTTP/1.1\r\nHost: alice-7f3a.preview.example.test\r\n"
		  "X-Telepresence-Intercept-Id: 7f3a:alice-web\r\n\r\n", &d);
	assert_int_equal(d.n_inject, 0);
	assert_int_equal(d.why, RS_WHY_PREVIEW);
}

static void service_without_backends_has_no_target(void **state)
{
	struct fixture *f = *state;
	struct rs_decision d;

	decide(f, "GET / HTTP/1.1\r\nHost: a.shop.test\r\n\r\n", &d);
	assert_int_equal(d.target, RS_TARGET_NONE);
	assert_int_equal(d.backend, -1);
}

static void tunnel_decisions_carry_a_fail_open_backend(void **state)
{
	struct fixture *f = *state;
	struct rs_decision d;

	decide(f, R("/", "x-telepresence-intercept-id: 7f3a:alice-web\r\n"), &d);
	assert_int_equal(d.target, RS_TARGET_TUNNEL);
	assert_true(d.backend == 0 || d.backend == 1);
}

static void cluster_backends_follow_maglev(void **state)
{
	struct fixture *f = *state;
	struct http_req req;
	const char *text = R("/", "");
	unsigned count[2] = { 0, 0 };
	uint32_t size;
	const uint16_t *table = rs_maglev(f->rs, 0, &size);

	http_req_init(&req);
	assert_true(http_parse_request(&req, text, strlen(text)) > 0);
	for (uint32_t h = 0; h < 20000; h++) {
		struct rs_decision d;
		uint32_t hash = h * 2654435761u;
		assert_int_equal(rs_decide(f->rs, f->s, 0, &req, hash, &d), 0);
		assert_int_equal(d.target, RS_TARGET_BACKEND);
		assert_int_equal(d.backend, table[hash % size]);
		count[d.backend]++;
	}
	/* Two equal backends: each near half. */
	assert_in_range(count[0], 9000, 11000);
	assert_in_range(count[1], 9000, 11000);
}

/* Drained backends keep their flows but get no new ones. */
static void drained_backends_get_no_new_flows(void **state)
{
	(void)state;
	char err[512];
	const char *text =
		"dataplane = { workers = 1; };\n"
		"ports = ( { name = \"edge\"; device = \"net_null0\"; address = \"198.18.0.1/24\"; } );\n"
		"listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
		"services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:8080\"; drain = true; },\n"
		"  { address = \"198.18.1.11:8080\"; }, { address = \"198.18.1.12:8080\"; } ); },\n"
		"  { name = \"gone\"; backends = ( { address = \"198.18.1.13:8080\"; drain = true; } ); } );\n";
	struct ruleset *rs = compile_text(text, err, sizeof(err));
	if (rs == NULL)
		fail_msg("%s", err);
	struct rs_scratch *s = rs_scratch_alloc(rs, NULL);
	assert_non_null(s);
	struct http_req r;
	const char *req = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	http_req_init(&r);
	assert_true(http_parse_request(&r, req, strlen(req)) > 0);
	unsigned seen[3] = { 0, 0, 0 };
	for (uint32_t h = 0; h < 3000; h++) {
		struct rs_decision d;
		assert_int_equal(rs_decide(rs, s, 0, &r, h * 2654435761u, &d), 0);
		assert_int_equal(d.target, RS_TARGET_BACKEND);
		assert_in_range(d.backend, 0, 2);
		seen[d.backend]++;
	}
	assert_int_equal(seen[0], 0);
	assert_true(seen[1] > 1000 && seen[2] > 1000);
	uint32_t size;
	assert_null(rs_maglev(rs, 1, &size));
	rs_scratch_free(s);
	rs_free(rs);
}

/* Health checks take a down backend out of its service's table: only the
 * slots it held change, a drained backend stays out, and with every
 * backend down there is no table to give. */
static void down_backend_leaves_the_table_and_only_its_slots_move(void **state)
{
	(void)state;
	char err[512];
	const char *text =
		"dataplane = { workers = 1; };\n"
		"ports = ( { name = \"edge\"; device = \"net_null0\"; address = \"198.18.0.1/24\"; } );\n"
		"listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
		"services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:8080\"; drain = true; },\n"
		"  { address = \"198.18.1.11:8080\"; }, { address = \"198.18.1.12:8080\"; weight = 2; },\n"
		"  { address = \"198.18.1.13:8080\"; } ); } );\n";
	struct ruleset *rs = compile_text(text, err, sizeof(err));
	if (rs == NULL)
		fail_msg("%s", err);
	uint32_t size;
	const uint16_t *base = rs_maglev(rs, 0, &size);
	uint16_t *t = malloc(sizeof(*t) * size);
	assert_non_null(t);

	bool down[4] = { false, false, true, false };
	assert_int_equal(rs_maglev_without(rs, 0, down, t), 0);
	unsigned n[4] = { 0 }, moved = 0;
	for (uint32_t e = 0; e < size; e++) {
		n[t[e]]++;
		if (base[e] != 2)
			assert_int_equal(t[e], base[e]);
		else
			moved++;
	}
	assert_int_equal(n[0], 0);
	assert_int_equal(n[2], 0);
	assert_true(moved > size / 3);          /* weight 2 of 4: about half */
	assert_true(n[1] > size / 3 && n[3] > size / 3);

	/* the drained one being "down" changes nothing */
	bool drained_down[4] = { true, false, false, false };
	assert_int_equal(rs_maglev_without(rs, 0, drained_down, t), 0);
	assert_memory_equal(t, base, sizeof(*t) * size);

	bool all[4] = { false, true, true, true };
	memset(t, 0xab, sizeof(*t) * size);
	assert_int_equal(rs_maglev_without(rs, 0, all, t), -ENOENT);
	assert_int_equal(t[0], 0xabab);
	free(t);
	rs_free(rs);
}

static void listener_lookup_by_address(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rs_listener_find(f->rs, 0xc6120001u, 80), 0);
	assert_int_equal(rs_listener_find(f->rs, 0xc6120001u, 81), -1);
	assert_int_equal(rs_listener_find(f->rs, 0xc6120002u, 80), -1);
}

/* --- compile errors ------------------------------------------------------ */

struct ecase {
	const char *intercepts;
	const char *expect;       /* substring of the message */
	const char *why;
};

#define I(name, rest) "  { name = \"" name "\"; service = \"web\"; tunnel = \"bob\"; " rest " }"
#define H(n, kind, v) "headers = ( { name = \"" n "\"; " kind " = \"" v "\"; } );"

static const struct ecase ecases[] = {
	{ I("a", H("x-u", "regex", "^(bob")), "test.conf:19: intercept 'a': invalid regex",
	  "unbalanced parenthesis, Hyperscan's message" },
	{ I("a", H("x-u", "regex", "(a)\\\\1")), "invalid regex", "backreferences are unsupported" },
	{ I("a", "path_regex = \"[\";"), "test.conf:19: intercept 'a': invalid regex", "bad path regex" },
	{ I("a", H("x-u", "value", "1")) ",\n" I("b", H("x-u", "value", "1")),
	  "test.conf:20: intercept 'b' conflicts with intercept 'a' (line 19): same service, same header matchers",
	  "identical matchers" },
	{ I("a", H("X-U", "value", "1")) ",\n" I("b", H("x-u", "value", "1")),
	  "conflicts with intercept 'a'", "header names compare case-insensitively" },
	{ I("a", H("x-u", "value", "1")) ",\n"
	  I("b", "headers = ( { name = \"x-v\"; value = \"2\"; }, { name = \"x-u\"; value = \"1\"; } );"),
	  "intercept 'b' conflicts with intercept 'a' (line 19): same service, the header matchers of one contain",
	  "a's matchers are within b's" },
	{ I("a", H("x-u", "value", "1") " path_prefix = \"/api/\";") ",\n"
	  I("b", H("x-u", "value", "1") " path_equal = \"/api/x\";"),
	  "conflicts with intercept 'a'", "prefix covers the equal path" },
	{ I("a", H("x-u", "value", "1")) ",\n" I("b", H("x-u", "value", "1") " path_prefix = \"/x\";"),
	  "conflicts", "no path overlaps every path" },
	{ I("a", "path_prefix = \"/a/\";") ",\n" I("b", "path_prefix = \"/a/b/\";"),
	  "test.conf:20: intercept 'b' conflicts with intercept 'a'", "path-only prefixes nest" },
	{ I("a", "") ",\n" I("b", ""), "conflicts", "two global intercepts" },
};

static void bad_rules_are_rejected_with_file_and_line(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ecases) / sizeof(ecases[0]); i++) {
		char text[8192], err[512] = "";
		snprintf(text, sizeof(text), "%sintercepts = (\n%s\n);\n", BASE,
			 ecases[i].intercepts);
		struct ruleset *rs = compile_text(text, err, sizeof(err));
		if (rs != NULL) {
			rs_free(rs);
			fail_msg("case %zu (%s): compiled", i, ecases[i].why);
		}
		if (strstr(err, ecases[i].expect) == NULL)
			fail_msg("case %zu (%s): message '%s' lacks '%s'", i,
				 ecases[i].why, err, ecases[i].expect);
	}
}

static const char *const ok_rules[] = {
	I("a", H("x-u", "value", "1")) ",\n" I("b", H("x-u", "value", "2")),
	I("a", H("x-u", "value", "1") " path_prefix = \"/a/\";") ",\n"
	I("b", H("x-u", "value", "1") " path_prefix = \"/b/\";"),
	I("a", "path_prefix = \"/a/\";") ",\n" I("b", H("x-u", "value", "1") " path_prefix = \"/a/\";"),
	I("a", "path_regex = \"^/a\";") ",\n" I("b", "path_regex = \"^/b\";"),
	"  { name = \"a\"; service = \"web\"; tunnel = \"bob\"; " H("x-u", "value", "1") " },\n"
	"  { name = \"b\"; service = \"api\"; tunnel = \"bob\"; " H("x-u", "value", "1") " }",
	I("a", H("x-u", "value", "1")) ",\n" I("b", H("x-u", "prefix", "1")),
};

static void distinct_rules_compile(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ok_rules) / sizeof(ok_rules[0]); i++) {
		char text[8192], err[512] = "";
		snprintf(text, sizeof(text), "%sintercepts = (\n%s\n);\n", BASE, ok_rules[i]);
		struct ruleset *rs = compile_text(text, err, sizeof(err));
		if (rs == NULL)
			fail_msg("case %zu: %s", i, err);
		rs_free(rs);
	}
}

/* Ten thousand developers' exact ids: each one finds its own intercept. */
static void many_exact_intercepts_each_find_their_own(void **state)
{
	(void)state;
	enum { N = 10000 };
	size_t cap = N * 160 + 4096, len;
	char *text = malloc(cap), err[512];
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "%sintercepts = (\n", BASE);
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
			"{ name = \"i%d\"; service = \"web\"; tunnel = \"%s\"; "
			"headers = ( { name = \"x-telepresence-intercept-id\"; value = \"s%d:i%d\"; } ); }%s\n",
			i, i % 2 ? "bob" : "alice", i * 7, i, i + 1 < N ? "," : "");
	snprintf(text + len, cap - len, ");\n");
	struct ruleset *rs = compile_text(text, err, sizeof(err));
	free(text);
	if (rs == NULL)
		fail_msg("%s", err);
	struct rs_scratch *s = rs_scratch_alloc(rs, NULL);
	assert_non_null(s);
	for (int i = 0; i < N; i += 37) {
		char req[256];
		struct http_req r;
		struct rs_decision d;
		snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: h\r\n"
			 "x-telepresence-intercept-id: s%d:i%d\r\n\r\n", i * 7, i);
		http_req_init(&r);
		assert_true(http_parse_request(&r, req, strlen(req)) > 0);
		assert_int_equal(rs_decide(rs, s, 0, &r, 1, &d), 0);
		assert_int_equal(d.intercept, i);
		assert_int_equal(d.tunnel, i % 2 ? 1 : 0);
		/* one digit off: nobody's */
		snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: h\r\n"
			 "x-telepresence-intercept-id: s%d:i%d\r\n\r\n", i * 7 + 1, i);
		http_req_init(&r);
		assert_true(http_parse_request(&r, req, strlen(req)) > 0);
		assert_int_equal(rs_decide(rs, s, 0, &r, 1, &d), 0);
		assert_int_equal(d.intercept, -1);
	}
	rs_scratch_free(s);
	rs_free(rs);
}

/* More presence candidates than the scratch holds: the fallback walk must
 * still pick the first intercept in rank order. */
static void candidate_overflow_falls_back_to_a_full_walk(void **state)
{
	(void)state;
	enum { N = 300 };
	size_t cap = N * 200 + 4096, len;
	char *text = malloc(cap), err[512];
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, "%sintercepts = (\n", BASE);
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
			"{ name = \"p%d\"; service = \"web\"; tunnel = \"bob\"; "
			"headers = ( { name = \"x-any\"; present = true; }, "
			"{ name = \"x-n\"; value = \"%d\"; } ); }%s\n",
			i, i, i + 1 < N ? "," : "");
	snprintf(text + len, cap - len, ");\n");
	struct ruleset *rs = compile_text(text, err, sizeof(err));
	free(text);
	if (rs == NULL)
		fail_msg("%s", err);
	struct rs_scratch *s = rs_scratch_alloc(rs, NULL);
	assert_non_null(s);
	const char *req = "GET / HTTP/1.1\r\nHost: h\r\nx-any: 1\r\nx-n: 299\r\n\r\n";
	struct http_req r;
	struct rs_decision d;
	http_req_init(&r);
	assert_true(http_parse_request(&r, req, strlen(req)) > 0);
	assert_int_equal(rs_decide(rs, s, 0, &r, 1, &d), 0);
	assert_int_equal(d.intercept, 299);
	rs_scratch_free(s);
	rs_free(rs);
}

static void scratch_too_small_is_refused(void **state)
{
	struct fixture *f = *state;
	char err[512];
	/* A scratch sized for a ruleset without subjects or patterns. */
	struct ruleset *small = compile_text(BASE, err, sizeof(err));
	assert_non_null(small);
	struct rs_scratch *s = rs_scratch_alloc(small, NULL);
	assert_non_null(s);
	struct http_req r;
	struct rs_decision d;
	const char *req = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	http_req_init(&r);
	assert_true(http_parse_request(&r, req, strlen(req)) > 0);
	assert_int_equal(rs_decide(f->rs, s, 0, &r, 1, &d), -1);
	/* Grown for the big one, it works. */
	assert_ptr_equal(rs_scratch_alloc(f->rs, s), s);
	assert_int_equal(rs_decide(f->rs, s, 0, &r, 1, &d), 0);
	rs_scratch_free(s);
	rs_free(small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decisions_follow_the_rules),
		cmocka_unit_test(preview_injects_the_intercept_header),
		cmocka_unit_test(service_without_backends_has_no_target),
		cmocka_unit_test(tunnel_decisions_carry_a_fail_open_backend),
		cmocka_unit_test(cluster_backends_follow_maglev),
		cmocka_unit_test(down_backend_leaves_the_table_and_only_its_slots_move),
		cmocka_unit_test(listener_lookup_by_address),
		cmocka_unit_test(scratch_too_small_is_refused),
	};
	const struct CMUnitTest plain[] = {
		cmocka_unit_test(bad_rules_are_rejected_with_file_and_line),
		cmocka_unit_test(distinct_rules_compile),
		cmocka_unit_test(many_exact_intercepts_each_find_their_own),
		cmocka_unit_test(candidate_overflow_falls_back_to_a_full_walk),
		cmocka_unit_test(drained_backends_get_no_new_flows),
	};
	int fails = cmocka_run_group_tests(tests, setup, teardown);
	return fails + cmocka_run_group_tests(plain, NULL, NULL);
}
