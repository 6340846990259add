/* steerctl without a socket: every command line becomes the request
 * docs/control.md specifies (compared as parsed JSON), every bad usage is
 * refused with a reason, and sample responses (ok and error) of every
 * command render for humans, with steerd's strings made terminal-safe. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ARGS 32

static int count_args(const char *const *argv)
{
	int n = 0;

	while (n < MAX_ARGS && argv[n] != NULL)
		n++;
	return n;
}

/* ---- JSON compared by meaning ---- */

struct parsed {
	struct json_node nodes[512];
	int n;
};

static void parse_or_fail(const char *text, struct parsed *p, const char *why)
{
	const char *err = NULL;

	p->n = json_parse(text, strlen(text), p->nodes, ARRAY_SIZE(p->nodes),
			  &err);
	if (p->n < 0)
		fail_msg("%s: cannot parse %s: %s", why, text, err);
}

static char *unescaped(const struct json_node *n, bool key)
{
	struct json_node k = { .type = JSON_STRING };
	char *buf;

	if (key) {
		k.str = n->key;
		k.str_len = n->key_len;
		n = &k;
	}
	buf = malloc(n->str_len + 1);
	assert_non_null(buf);
	assert_true(json_str_copy(n, buf, n->str_len + 1) >= 0);
	return buf;
}

/* A and B (nodes of NA and NB) hold the same value: objects as sets of
 * members, arrays in order, strings unescaped. */
static bool same(const struct json_node *na, const struct json_node *a,
		 const struct json_node *nb, const struct json_node *b)
{
	bool eq = true;

	if (a->type != b->type)
		return false;
	switch (a->type) {
	case JSON_NULL:
		return true;
	case JSON_BOOL:
		return a->boolean == b->boolean;
	case JSON_NUMBER:
		return a->number == b->number;
	case JSON_STRING: {
		char *sa = unescaped(a, false), *sb = unescaped(b, false);

		eq = strcmp(sa, sb) == 0;
		free(sa);
		free(sb);
		return eq;
	}
	case JSON_ARRAY:
		if (a->n_children != b->n_children)
			return false;
		for (uint32_t i = 0; i < a->n_children && eq; i++)
			eq = same(na, json_child(na, a, i), nb,
				  json_child(nb, b, i));
		return eq;
	case JSON_OBJECT:
		if (a->n_children != b->n_children)
			return false;
		for (uint32_t c = a->first; c != 0 && eq; c = na[c].next) {
			char *k = unescaped(&na[c], true);
			const struct json_node *m = json_get(nb, b, k);

			eq = m != NULL && same(na, &na[c], nb, m);
			free(k);
		}
		return eq;
	}
	return false;
}

static void assert_json_same(const char *got, const char *want,
			     const char *why)
{
	static struct parsed g, w;

	parse_or_fail(got, &g, why);
	parse_or_fail(want, &w, why);
	if (!same(g.nodes, &g.nodes[0], w.nodes, &w.nodes[0]))
		fail_msg("%s:\n  got  %s\n  want %s", why, got, want);
}

/* ---- requests ---- */

struct req_case {
	const char *argv[MAX_ARGS];
	const char *json;
	const char *why;
};

#define IA "intercept", "add"
#define SVC_TUN "--service", "web", "--tunnel", "bob"

static const struct req_case req_cases[] = {
	{ { "status" }, "{\"cmd\":\"status\"}", "status has no fields" },
	{ { "dump" }, "{\"cmd\":\"dump\"}", "dump has no fields" },
	{ { "stats" }, "{\"cmd\":\"stats\"}",
	  "per_worker is optional and left out by default" },
	{ { "stats", "--per-worker" },
	  "{\"cmd\":\"stats\",\"per_worker\":true}", "--per-worker" },
	{ { "flows" }, "{\"cmd\":\"flows\"}",
	  "without --limit steerd's default (20) applies" },
	{ { "flows", "--limit", "5" }, "{\"cmd\":\"flows\",\"limit\":5}",
	  "--limit N" },
	{ { "flows", "--limit=1000" }, "{\"cmd\":\"flows\",\"limit\":1000}",
	  "--limit=N form, at steerd's maximum" },
	{ { "flows", "--limit", "1" }, "{\"cmd\":\"flows\",\"limit\":1}",
	  "smallest limit" },

	{ { "intercept", "list" }, "{\"cmd\":\"intercept.list\"}",
	  "intercept list" },
	{ { "intercept", "remove", "dave-web" },
	  "{\"cmd\":\"intercept.remove\",\"name\":\"dave-web\"}",
	  "intercept remove" },
	{ { "intercept", "remove", "--", "-odd" },
	  "{\"cmd\":\"intercept.remove\",\"name\":\"-odd\"}",
	  "after --, a word starting with '-' is a name" },
	{ { IA, "dave-web", SVC_TUN, "--header",
	    "x-telepresence-intercept-id=9c1d:dave-web" },
	  "{\"cmd\":\"intercept.add\",\"name\":\"dave-web\",\"service\":\"web\","
	  "\"tunnel\":\"bob\",\"headers\":[{\"name\":"
	  "\"x-telepresence-intercept-id\",\"value\":\"9c1d:dave-web\"}]}",
	  "the example session of docs/control.md" },
	{ { IA, "t", SVC_TUN, "--ttl", "90m" },
	  "{\"cmd\":\"intercept.add\",\"name\":\"t\",\"service\":\"web\","
	  "\"tunnel\":\"bob\",\"headers\":[],\"ttl\":5400}",
	  "--ttl in minutes becomes seconds" },
	{ { "intercept", "renew", "t" },
	  "{\"cmd\":\"intercept.renew\",\"name\":\"t\"}",
	  "renew without --ttl keeps the lease's length" },
	{ { "intercept", "renew", "t", "--ttl", "3s" },
	  "{\"cmd\":\"intercept.renew\",\"name\":\"t\",\"ttl\":3}",
	  "renew with a new length" },
	{ { IA, "all", SVC_TUN },
	  "{\"cmd\":\"intercept.add\",\"name\":\"all\",\"service\":\"web\","
	  "\"tunnel\":\"bob\",\"headers\":[]}",
	  "a global intercept sends an empty matcher list" },
	{ { "intercept", "add", "--service=web", "--tunnel=bob", "n" },
	  "{\"cmd\":\"intercept.add\",\"name\":\"n\",\"service\":\"web\","
	  "\"tunnel\":\"bob\",\"headers\":[]}",
	  "options before NAME, in --opt=value form" },
	{ { IA, "m", SVC_TUN,
	    "--header", "x-a=1", "--header-prefix", "x-b=pre",
	    "--header-regex", "x-c=^b(o|u)b$", "--header-present", "x-d",
	    "--baggage", "k1=v", "--baggage-prefix", "k2=p",
	    "--baggage-regex", "k3=r.*", "--baggage-present", "k4" },
	  "{\"cmd\":\"intercept.add\",\"name\":\"m\",\"service\":\"web\","
	  "\"tunnel\":\"bob\",\"headers\":["
	  "{\"name\":\"x-a\",\"value\":\"1\"},"
	  "{\"name\":\"x-b\",\"prefix\":\"pre\"},"
	  "{\"name\":\"x-c\",\"regex\":\"^b(o|u)b$\"},"
	  "{\"name\":\"x-d\",\"present\":true},"
	  "{\"baggage\":\"k1\",\"value\":\"v\"},"
	  "{\"baggage\":\"k2\",\"prefix\":\"p\"},"
	  "{\"baggage\":\"k3\",\"regex\":\"r.*\"},"
	  "{\"baggage\":\"k4\",\"present\":true}]}",
	  "every matcher form, eight of them (the limit), in command-line order" },
	{ { IA, "e", SVC_TUN, "--header", "x-a=" },
	  "{\"cmd\":\"intercept.add\",\"name\":\"e\",\"service\":\"web\","
	  "\"tunnel\":\"bob\",\"headers\":[{\"name\":\"x-a\",\"value\":\"\"}]}",
	  "an exact value may be empty (docs/configuration.md)" },
	{ { IA, "e", SVC_TUN, "--header", "x-a=b=c" },
	  "{\"cmd\":\"intercept.add\",\"name\":\"e\",\"service\":\"web\","
	  "\"tunnel\":\"bob\",\"headers\":[{\"name\":\"x-a\",\"value\":\"b=c\"}]}",
	  "the first '=' splits: header names cannot hold one, values can" },
	{ { IA, "p", SVC_TUN, "--path-prefix", "/api/", "--preview", "alice" },
	  "{\"cmd\":\"intercept.add\",\"name\":\"p\",\"service\":\"web\","
	  "\"tunnel\":\"bob\",\"headers\":[],\"path_prefix\":\"/api/\","
	  "\"preview\":\"alice\"}",
	  "--path-prefix and --preview" },
	{ { IA, "p", SVC_TUN, "--path-equal", "/healthz" },
	  "{\"cmd\":\"intercept.add\",\"name\":\"p\",\"service\":\"web\","
	  "\"tunnel\":\"bob\",\"headers\":[],\"path_equal\":\"/healthz\"}",
	  "--path-equal" },
	{ { IA, "p", SVC_TUN, "--path-regex=^/v[0-9]+/" },
	  "{\"cmd\":\"intercept.add\",\"name\":\"p\",\"service\":\"web\","
	  "\"tunnel\":\"bob\",\"headers\":[],\"path_regex\":\"^/v[0-9]+/\"}",
	  "--path-regex, '=' form keeps the rest verbatim" },

	{ { "tunnel", "add", "bob", "--type", "direct", "--target",
	    "198.18.1.21:9000" },
	  "{\"cmd\":\"tunnel.add\",\"name\":\"bob\",\"type\":\"direct\","
	  "\"target\":\"198.18.1.21:9000\"}",
	  "direct tunnel; fail_open left to steerd's default (true)" },
	{ { "tunnel", "add", "bob", "--type", "direct", "--target",
	    "198.18.1.21:9000", "--no-fail-open" },
	  "{\"cmd\":\"tunnel.add\",\"name\":\"bob\",\"type\":\"direct\","
	  "\"target\":\"198.18.1.21:9000\",\"fail_open\":false}",
	  "--no-fail-open" },
	{ { "tunnel", "add", "v", "--type", "vxlan", "--remote", "192.0.2.7",
	    "--vni", "42", "--source", "10.99.0.1", "--target",
	    "10.99.0.2:8080" },
	  "{\"cmd\":\"tunnel.add\",\"name\":\"v\",\"type\":\"vxlan\","
	  "\"target\":\"10.99.0.2:8080\",\"remote\":\"192.0.2.7\","
	  "\"vni\":42,\"source\":\"10.99.0.1\"}",
	  "vxlan tunnel with its three extra fields, vni a number" },
	{ { "tunnel", "add", "v", "--type=vxlan", "--remote=0.0.0.0",
	    "--vni=0", "--source=255.255.255.255", "--target=1.2.3.4:65535",
	    "--no-fail-open" },
	  "{\"cmd\":\"tunnel.add\",\"name\":\"v\",\"type\":\"vxlan\","
	  "\"target\":\"1.2.3.4:65535\",\"remote\":\"0.0.0.0\",\"vni\":0,"
	  "\"source\":\"255.255.255.255\",\"fail_open\":false}",
	  "range edges: vni 0, port 65535, address parts 0 and 255" },
	{ { "tunnel", "add", "v", "--type", "vxlan", "--remote", "192.0.2.7",
	    "--vni", "16777215", "--source", "10.99.0.1", "--target",
	    "10.99.0.2:1" },
	  "{\"cmd\":\"tunnel.add\",\"name\":\"v\",\"type\":\"vxlan\","
	  "\"target\":\"10.99.0.2:1\",\"remote\":\"192.0.2.7\","
	  "\"vni\":16777215,\"source\":\"10.99.0.1\"}",
	  "largest 24-bit VNI (RFC 7348), port 1" },
	{ { "tunnel", "remove", "bob" },
	  "{\"cmd\":\"tunnel.remove\",\"name\":\"bob\"}", "tunnel remove" },
	{ { "tunnel", "list" }, "{\"cmd\":\"tunnel.list\"}", "tunnel list" },
	{ { "backend", "list" }, "{\"cmd\":\"backend.list\"}", "backend list" },

	{ { "backend", "add", "web", "198.18.1.10:8080" },
	  "{\"cmd\":\"backend.add\",\"service\":\"web\","
	  "\"address\":\"198.18.1.10:8080\"}",
	  "backend add; weight left to steerd's default (1)" },
	{ { "backend", "add", "--weight", "1000", "web", "198.18.1.10:8080" },
	  "{\"cmd\":\"backend.add\",\"service\":\"web\","
	  "\"address\":\"198.18.1.10:8080\",\"weight\":1000}",
	  "--weight before the positionals, at its maximum" },
	{ { "backend", "add", "web", "198.18.1.10:8080", "--weight=1" },
	  "{\"cmd\":\"backend.add\",\"service\":\"web\","
	  "\"address\":\"198.18.1.10:8080\",\"weight\":1}",
	  "--weight=N after them" },
	{ { "backend", "remove", "web", "198.18.1.10:8080" },
	  "{\"cmd\":\"backend.remove\",\"service\":\"web\","
	  "\"address\":\"198.18.1.10:8080\"}", "backend remove" },
	{ { "backend", "drain", "web", "198.18.1.10:8080" },
	  "{\"cmd\":\"backend.drain\",\"service\":\"web\","
	  "\"address\":\"198.18.1.10:8080\"}", "backend drain" },
	{ { "reload" }, "{\"cmd\":\"reload\"}",
	  "without FILE steerd reloads the file it started with" },
};

static void every_command_line_builds_its_request(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(req_cases); i++) {
		const struct req_case *c = &req_cases[i];
		char err[256] = "";
		struct jw w;
		int r;

		jw_init(&w);
		r = cli_request(count_args(c->argv), (char **)c->argv, &w, err,
				sizeof(err));
		if (r != 0)
			fail_msg("case %zu (%s): refused: %s", i, c->why, err);
		assert_false(w.failed);
		assert_json_same(w.buf, c->json, c->why);
		jw_free(&w);
	}
}

static void requests_are_one_line_of_compact_json(void **state)
{
	const char *argv[] = { "intercept", "add", "n", "--service", "web",
			       "--tunnel", "bob", "--header", "x-a=line1\nline2",
			       NULL };
	char err[256];
	struct jw w;

	(void)state;
	jw_init(&w);
	assert_int_equal(cli_request(count_args(argv), (char **)argv, &w, err,
				     sizeof(err)), 0);
	/* the framing is one object per line: a newline in a value must be
	 * escaped, never written raw */
	assert_null(strchr(w.buf, '\n'));
	assert_json_same(w.buf,
		"{\"cmd\":\"intercept.add\",\"name\":\"n\",\"service\":\"web\","
		"\"tunnel\":\"bob\",\"headers\":[{\"name\":\"x-a\","
		"\"value\":\"line1\\nline2\"}]}", "escaped newline");
	/* compact: the writer adds no whitespace of its own */
	assert_null(strchr(w.buf, ' '));
	jw_free(&w);
}

/* Values that need JSON escaping reach steerd byte for byte. */
static void odd_values_are_escaped_and_survive_the_round_trip(void **state)
{
	static const struct {
		const char *value;
		const char *why;
	} cases[] = {
		{ "say \"hi\"", "double quotes" },
		{ "C:\\dir\\file", "backslashes" },
		{ "a\tb\rc\nd", "tab, CR and LF (steerd refuses CR/LF itself)" },
		{ "\x01\x1f\x7f", "other control characters and DEL" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "UTF-8, 2 to 4 bytes" },
		{ "</script>", "slash needs no escape" },
		{ "{\"json\":[1,2]}", "a value that is itself JSON" },
		{ "", "empty value" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		static struct parsed p;
		char arg[256], err[256], got[256];
		const struct json_node *h, *v;
		const char *argv[] = { "intercept", "add", "n", "--service",
				       "web", "--tunnel", "bob", "--header",
				       arg, "--path-regex", cases[i].value,
				       NULL };
		struct jw w;
		int n = count_args(argv);

		snprintf(arg, sizeof(arg), "x-a=%s", cases[i].value);
		if (cases[i].value[0] == '\0')
			n -= 2;           /* an empty path regex is a usage error */
		jw_init(&w);
		assert_int_equal(cli_request(n, (char **)argv, &w, err,
					     sizeof(err)), 0);
		parse_or_fail(w.buf, &p, cases[i].why);
		h = json_child(p.nodes, json_get(p.nodes, &p.nodes[0], "headers"), 0);
		v = json_get(p.nodes, h, "value");
		assert_non_null(v);
		assert_true(json_str_copy(v, got, sizeof(got)) >= 0);
		if (strcmp(got, cases[i].value) != 0)
			fail_msg("case %zu (%s): got \"%s\"", i, cases[i].why, got);
		if (n > 9) {
			v = json_get(p.nodes, &p.nodes[0], "path_regex");
			assert_true(json_str_copy(v, got, sizeof(got)) >= 0);
			assert_string_equal(got, cases[i].value);
		}
		jw_free(&w);
	}
}

static void invalid_utf8_still_makes_a_valid_request(void **state)
{
	const char *argv[] = { "intercept", "remove", "caf\xe9", NULL };
	static struct parsed p;
	char err[256];
	struct jw w;

	(void)state;
	jw_init(&w);
	assert_int_equal(cli_request(3, (char **)argv, &w, err, sizeof(err)), 0);
	/* Latin-1 from a shell: the writer substitutes U+FFFD, so the line
	 * parses and steerd can refuse the name with a message */
	parse_or_fail(w.buf, &p, "Latin-1 byte");
	assert_non_null(strstr(w.buf, "caf\xef\xbf\xbd"));
	jw_free(&w);
}

struct bad_case {
	const char *argv[MAX_ARGS];
	int rc;
	const char *err;          /* expected substring */
	const char *why;
};

#define TA "tunnel", "add", "t"
#define DIRECT "--type", "direct"
#define VXLAN_BUT(...) TA, "--type", "vxlan", __VA_ARGS__
#define U CLI_EUSAGE

static const struct bad_case bad_cases[] = {
	{ { NULL }, U, "missing command", "nothing at all" },
	{ { "frobnicate" }, U, "unknown command 'frobnicate'", "unknown command" },
	{ { "check", "f" }, U, "sends no request", "check runs offline" },
	{ { "watch", "f" }, U, "sends no request", "watch is steerctl's loop" },
	{ { "status", "extra" }, U, "status: unexpected argument 'extra'",
	  "status takes nothing" },
	{ { "dump", "--all" }, U, "dump: unknown option '--all'",
	  "dump takes no option" },
	{ { "stats", "--per-worker=yes" }, U, "--per-worker takes no value",
	  "a flag with a value" },
	{ { "stats", "--bogus" }, U, "stats: unknown option '--bogus'",
	  "unknown option" },
	{ { "stats", "now" }, U, "stats: unexpected argument 'now'",
	  "stats takes no positional" },
	{ { "flows", "--limit", "0" }, U, "--limit must be 1..1000 (got '0')",
	  "limit below range" },
	{ { "flows", "--limit", "1001" }, U, "--limit must be 1..1000",
	  "limit above steerd's maximum" },
	{ { "flows", "--limit", "ten" }, U, "--limit must be 1..1000",
	  "not a number" },
	{ { "flows", "--limit", "010" }, U, "--limit must be 1..1000",
	  "leading zero, as the config refuses them" },
	{ { "flows", "--limit", "-5" }, U, "--limit must be 1..1000",
	  "negative" },
	{ { "flows", "--limit", "99999999999999999999999" }, U,
	  "--limit must be 1..1000", "overflowing number" },
	{ { "flows", "--limit" }, U, "flows: --limit needs a value",
	  "option at the end without its value" },
	{ { "flows", "--limit", "5", "--limit", "6" }, U,
	  "--limit given twice", "single-valued option repeated" },

	{ { "intercept" }, U, "intercept: missing sub-command (add, remove, list, renew)",
	  "noun alone" },
	{ { IA, "n", SVC_TUN, "--ttl", "0s" }, U, "--ttl wants a duration",
	  "a zero ttl" },
	{ { IA, "n", SVC_TUN, "--ttl", "5d" }, U, "--ttl wants a duration",
	  "no day unit" },
	{ { IA, "n", SVC_TUN, "--ttl", "50000m" }, U, "--ttl wants a duration",
	  "beyond 30 days" },
	{ { "intercept", "renew" }, U, "intercept renew: missing NAME",
	  "renew without a name" },
	{ { "intercept", "frob" }, U, "intercept: unknown sub-command 'frob'",
	  "unknown verb" },
	{ { "intercept", "add" }, U, "intercept add: missing NAME",
	  "no name" },
	{ { IA, "n", "--tunnel", "bob" }, U, "--service is required",
	  "missing --service" },
	{ { IA, "n", "--service", "web" }, U, "--tunnel is required",
	  "missing --tunnel" },
	{ { IA, "n", "m", SVC_TUN }, U, "intercept add: unexpected argument 'm'",
	  "two names" },
	{ { IA, "n", "--service", "--tunnel", "bob" }, U,
	  "--service needs a value", "a value forgotten before the next option" },
	{ { IA, "n", SVC_TUN, "--service", "api" }, U, "--service given twice",
	  "service repeated" },
	{ { IA, "n", SVC_TUN, "--tunnel", "t2" }, U, "--tunnel given twice",
	  "tunnel repeated" },
	{ { IA, "n", SVC_TUN, "--preview", "a", "--preview", "b" }, U,
	  "--preview given twice", "preview repeated" },
	{ { IA, "n", SVC_TUN, "--path-equal", "/a", "--path-prefix", "/b" }, U,
	  "--path-equal and --path-prefix exclude each other",
	  "two path matchers" },
	{ { IA, "n", SVC_TUN, "--path-regex", "a", "--path-equal", "/b" }, U,
	  "--path-regex and --path-equal exclude each other",
	  "two path matchers, other order" },
	{ { IA, "n", SVC_TUN, "--path-prefix", "/a", "--path-prefix", "/b" }, U,
	  "--path-prefix given twice", "the same path option twice" },
	{ { IA, "n", SVC_TUN, "--path-prefix=" }, U,
	  "--path-prefix needs a non-empty value", "empty path" },
	{ { IA, "n", SVC_TUN, "--header", "x-user" }, U,
	  "--header wants NAME=VALUE (got 'x-user')", "no '='" },
	{ { IA, "n", SVC_TUN, "--header", "=alice" }, U,
	  "--header wants NAME=VALUE (got '=alice')", "empty header name" },
	{ { IA, "n", SVC_TUN, "--baggage", "devid" }, U,
	  "--baggage wants KEY=VALUE (got 'devid')", "baggage without '='" },
	{ { IA, "n", SVC_TUN, "--header-regex", "x-user" }, U,
	  "--header-regex wants NAME=PATTERN", "regex without '='" },
	{ { IA, "n", SVC_TUN, "--header-prefix", "x-user=" }, U,
	  "--header-prefix needs a non-empty prefix after '='",
	  "a prefix must not be empty" },
	{ { IA, "n", SVC_TUN, "--baggage-regex", "k=" }, U,
	  "--baggage-regex needs a non-empty regex after '='",
	  "a regex must not be empty" },
	{ { IA, "n", SVC_TUN, "--header-present", "x-user=1" }, U,
	  "--header-present wants a NAME only (got 'x-user=1')",
	  "present takes no value" },
	{ { IA, "n", SVC_TUN, "--baggage-present=" }, U,
	  "--baggage-present wants a KEY only", "empty baggage key" },
	{ { IA, "n", SVC_TUN, "--header", "a=1", "--header", "b=1",
	    "--header", "c=1", "--header", "d=1", "--header", "e=1",
	    "--header", "f=1", "--header", "g=1", "--header", "h=1",
	    "--header", "i=1" }, U, "at most 8 header and baggage matchers",
	  "nine matchers: over the loader's limit" },
	{ { IA, "n", SVC_TUN, "--headers", "a=1" }, U,
	  "unknown option '--headers'", "misspelt option is not a prefix match" },
	{ { "intercept", "remove" }, U, "intercept remove: missing NAME",
	  "remove without a name" },
	{ { "intercept", "remove", "a", "b" }, U,
	  "intercept remove: unexpected argument 'b'", "remove two" },
	{ { "intercept", "list", "all" }, U,
	  "intercept list: unexpected argument 'all'", "list takes nothing" },

	{ { TA, "--target", "1.2.3.4:5" }, U, "--type is required",
	  "no tunnel type" },
	{ { TA, "--type", "gre", "--target", "1.2.3.4:5" }, U,
	  "--type must be direct or vxlan (got 'gre')", "unknown type" },
	{ { TA, DIRECT }, U, "--target IP:PORT is required", "no target" },
	{ { "tunnel", "add", DIRECT, "--target", "1.2.3.4:5" }, U,
	  "tunnel add: missing NAME", "no tunnel name" },
	{ { TA, DIRECT, "--target", "1.2.3:80" }, U,
	  "invalid --target '1.2.3:80'", "three parts" },
	{ { TA, DIRECT, "--target", "1.2.3.4" }, U,
	  "invalid --target '1.2.3.4': expected a.b.c.d:port", "no port" },
	{ { TA, DIRECT, "--target", "1.2.3.4:0" }, U,
	  "port must be 1..65535", "port 0" },
	{ { TA, DIRECT, "--target", "1.2.3.4:65536" }, U,
	  "port must be 1..65535", "port above 65535" },
	{ { TA, DIRECT, "--target", "1.2.3.4:080" }, U,
	  "port must be 1..65535", "port with a leading zero" },
	{ { TA, DIRECT, "--target", "01.2.3.4:80" }, U,
	  "leading zero in an address part", "octal-looking part" },
	{ { TA, DIRECT, "--target", "256.2.3.4:80" }, U,
	  "address part above 255", "part out of range" },
	{ { TA, DIRECT, "--target", "1.2.3.4 :80" }, U,
	  "invalid --target", "space before the port" },
	{ { TA, DIRECT, "--target", "host.example:80" }, U,
	  "invalid --target", "names are not resolved" },
	{ { TA, DIRECT, "--target", "1.2.3.4:5", "--vni", "1" }, U,
	  "--vni is only for vxlan tunnels", "vni on a direct tunnel" },
	{ { TA, DIRECT, "--target", "1.2.3.4:5", "--remote", "1.1.1.1" }, U,
	  "--remote is only for vxlan tunnels", "remote on a direct tunnel" },
	{ { TA, DIRECT, "--target", "1.2.3.4:5", "--no-fail-open=1" }, U,
	  "--no-fail-open takes no value", "flag with a value" },
	{ { VXLAN_BUT("--vni", "1", "--source", "1.1.1.1", "--target",
		      "1.2.3.4:5") }, U, "a vxlan tunnel needs --remote",
	  "vxlan without remote" },
	{ { VXLAN_BUT("--remote", "1.1.1.1", "--source", "1.1.1.1",
		      "--target", "1.2.3.4:5") }, U,
	  "a vxlan tunnel needs --vni", "vxlan without vni" },
	{ { VXLAN_BUT("--remote", "1.1.1.1", "--vni", "1", "--target",
		      "1.2.3.4:5") }, U, "a vxlan tunnel needs --source",
	  "vxlan without source" },
	{ { VXLAN_BUT("--remote", "1.1.1", "--vni", "1", "--source",
		      "1.1.1.1", "--target", "1.2.3.4:5") }, U,
	  "invalid --remote '1.1.1'", "bad remote" },
	{ { VXLAN_BUT("--remote", "1.1.1.1", "--vni", "1", "--source",
		      "1.1.1.1:4789", "--target", "1.2.3.4:5") }, U,
	  "invalid --source '1.1.1.1:4789'", "source takes no port" },
	{ { VXLAN_BUT("--remote", "1.1.1.1", "--vni", "16777216", "--source",
		      "1.1.1.1", "--target", "1.2.3.4:5") }, U,
	  "--vni must be 0..16777215 (got '16777216')", "VNI over 24 bits" },
	{ { "tunnel", "remove" }, U, "tunnel remove: missing NAME",
	  "remove without a name" },
	{ { "tunnel", "list", "x" }, U, "tunnel list: unexpected argument",
	  "list takes nothing" },

	{ { "backend" }, U, "backend: missing sub-command (add, remove, drain, list)",
	  "noun alone" },
	{ { "backend", "list", "web" }, U, "backend list: unexpected argument",
	  "backend list takes nothing" },
	{ { "backend", "enable" }, U, "backend: unknown sub-command 'enable'",
	  "unknown verb" },
	{ { "backend", "add" }, U, "backend add: missing SERVICE and IP:PORT",
	  "nothing" },
	{ { "backend", "add", "web" }, U, "backend add: missing IP:PORT",
	  "no address" },
	{ { "backend", "add", "web", "1.2.3.4:80", "x" }, U,
	  "backend add: unexpected argument 'x'", "three positionals" },
	{ { "backend", "add", "web", "1.2.3.4" }, U,
	  "invalid backend address '1.2.3.4'", "address without port" },
	{ { "backend", "drain", "web", "1.2.3.04:80" }, U,
	  "invalid backend address", "leading zero in drain's address" },
	{ { "backend", "add", "web", "1.2.3.4:80", "--weight", "0" }, U,
	  "--weight must be 1..1000 (got '0')", "weight 0" },
	{ { "backend", "add", "web", "1.2.3.4:80", "--weight", "1001" }, U,
	  "--weight must be 1..1000", "weight above 1000" },
	{ { "backend", "remove", "web", "1.2.3.4:80", "--weight", "2" }, U,
	  "backend remove: unknown option '--weight'",
	  "only add takes a weight" },

	{ { "reload", "a", "b" }, U, "reload: unexpected argument 'b'",
	  "reload takes one file" },
	{ { "reload", "/nonexistent/steer.conf" }, CLI_EFAIL,
	  "/nonexistent/steer.conf: cannot read: No such file or directory",
	  "a missing file is an error (exit 1), not a usage error" },
};

static void bad_usages_are_refused_with_a_reason(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		char err[256] = "";
		struct jw w;
		int r;

		jw_init(&w);
		r = cli_request(count_args(c->argv), (char **)c->argv, &w, err,
				sizeof(err));
		if (r != c->rc)
			fail_msg("case %zu (%s): returned %d, want %d (%s)", i,
				 c->why, r, c->rc, err);
		if (strstr(err, c->err) == NULL)
			fail_msg("case %zu (%s): message \"%s\" lacks \"%s\"", i,
				 c->why, err, c->err);
		if (strchr(err, '\n') != NULL)
			fail_msg("case %zu (%s): message is not one line", i,
				 c->why);
		jw_free(&w);
	}
}

static void reload_sends_the_file_as_an_absolute_real_path(void **state)
{
	char dir[] = "/tmp/cli_test.XXXXXX", file[64], real[4096], want[8192];
	char cwd[4096], err[256];
	const char *argv[] = { "reload", "./steer.conf", NULL };
	struct jw w;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/steer.conf", dir);
	assert_non_null(f = fopen(file, "w"));
	fclose(f);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_non_null(realpath(file, real));

	jw_init(&w);
	assert_int_equal(cli_request(2, (char **)argv, &w, err, sizeof(err)), 0);
	/* steerd reads the path from its own working directory */
	snprintf(want, sizeof(want), "{\"cmd\":\"reload\",\"path\":\"%s\"}",
		 real);
	assert_json_same(w.buf, want, "relative path made absolute");
	assert_true(real[0] == '/');
	jw_free(&w);

	assert_int_equal(chdir(cwd), 0);
	unlink(file);
	rmdir(dir);
}

static void check_and_watch_take_exactly_one_file(void **state)
{
	static const struct {
		const char *argv[4];
		int rc;
		const char *err;
	} cases[] = {
		{ { "check", "steer.conf" }, 0, "" },
		{ { "watch", "/etc/steer.conf" }, 0, "" },
		{ { "check" }, CLI_EUSAGE, "check: missing FILE" },
		{ { "watch", "a", "b" }, CLI_EUSAGE, "watch: unexpected argument 'b'" },
		{ { "check", "--strict", "a" }, CLI_EUSAGE,
		  "check: unknown option '--strict'" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *file = NULL;
		char err[256] = "";
		int r = cli_file_arg(count_args(cases[i].argv),
				     (char **)cases[i].argv, &file, err,
				     sizeof(err));

		assert_int_equal(r, cases[i].rc);
		if (r == 0)
			assert_string_equal(file, cases[i].argv[1]);
		else
			assert_non_null(strstr(err, cases[i].err));
	}
}

static void global_options_come_before_the_command(void **state)
{
	static const struct {
		const char *argv[8];
		int rc;                  /* command index, or CLI_EUSAGE */
		const char *socket;
		bool json, help;
		int timeout_ms;
		const char *err;
		const char *why;
	} cases[] = {
		{ { "steerctl" }, 1, "/d", false, false, 7, NULL,
		  "no command: the caller reports it" },
		{ { "steerctl", "status" }, 1, "/d", false, false, 7, NULL,
		  "defaults kept" },
		{ { "steerctl", "--json", "status" }, 2, "/d", true, false, 7, NULL,
		  "--json" },
		{ { "steerctl", "--socket", "/tmp/s", "--timeout", "2.5", "stats" },
		  5, "/tmp/s", false, false, 2500, NULL, "--socket and --timeout" },
		{ { "steerctl", "--socket=/x", "--timeout=1", "dump" }, 3, "/x",
		  false, false, 1000, NULL, "'=' forms" },
		{ { "steerctl", "--timeout", "0.0001", "dump" }, 3, "/d", false,
		  false, 1, NULL, "a tiny timeout is at least 1 ms" },
		{ { "steerctl", "--help" }, 2, "/d", false, true, 7, NULL, "--help" },
		{ { "steerctl", "-h", "status" }, 2, "/d", false, true, 7, NULL, "-h" },
		{ { "steerctl", "--", "status" }, 2, "/d", false, false, 7, NULL,
		  "-- ends the global options" },
		{ { "steerctl", "status", "--json" }, 1, "/d", false, false, 7, NULL,
		  "options after the command belong to it" },
		{ { "steerctl", "--timeout", "0", "status" }, CLI_EUSAGE, NULL, false,
		  false, 0, "--timeout wants seconds above 0", "zero timeout" },
		{ { "steerctl", "--timeout", "-1", "status" }, CLI_EUSAGE, NULL,
		  false, false, 0, "--timeout wants seconds", "negative timeout" },
		{ { "steerctl", "--timeout", "soon", "status" }, CLI_EUSAGE, NULL,
		  false, false, 0, "(got 'soon')", "not a number" },
		{ { "steerctl", "--timeout", "1e9", "status" }, CLI_EUSAGE, NULL,
		  false, false, 0, "at most 86400", "absurd timeout" },
		{ { "steerctl", "--timeout", "nan", "status" }, CLI_EUSAGE, NULL,
		  false, false, 0, "--timeout wants seconds", "nan" },
		{ { "steerctl", "--socket=", "status" }, CLI_EUSAGE, NULL, false,
		  false, 0, "--socket needs a path", "empty socket path" },
		{ { "steerctl", "--socket" }, CLI_EUSAGE, NULL, false, false, 0,
		  "--socket needs a value", "socket at the end" },
		{ { "steerctl", "--sock", "/x", "status" }, CLI_EUSAGE, NULL, false,
		  false, 0, "unknown option '--sock'", "no abbreviations" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cli_opts o = { .socket = "/d", .timeout_ms = 7 };
		char err[256] = "";
		int r = cli_global(count_args(cases[i].argv),
				   (char **)cases[i].argv, &o, err, sizeof(err));

		if (r != cases[i].rc)
			fail_msg("case %zu (%s): returned %d (%s)", i,
				 cases[i].why, r, err);
		if (r < 0) {
			if (strstr(err, cases[i].err) == NULL)
				fail_msg("case %zu (%s): \"%s\"", i,
					 cases[i].why, err);
			continue;
		}
		assert_string_equal(o.socket, cases[i].socket);
		assert_int_equal(o.json, cases[i].json);
		assert_int_equal(o.help, cases[i].help);
		assert_int_equal(o.timeout_ms, cases[i].timeout_ms);
	}
}

/* ---- rendering ---- */

struct render_case {
	const char *cmd;
	const char *response;
	int rc;
	const char *has[12];      /* substrings of the output (rc 0) or err */
	const char *lacks[6];     /* must not appear in the output */
	const char *why;
};

#define STATUS_OK "{\"ok\":true,\"version\":\"0.1.0\",\"uptime_s\":93784," \
	"\"workers\":2,\"serving\":true,\"ports\":[{\"name\":\"edge\",\"device\":" \
	"\"net_af_packet0\",\"address\":\"198.18.0.1/24\"},{\"name\":\"inner\"," \
	"\"device\":\"0000:00:1f.6\",\"address\":\"198.18.1.1/24\"}]," \
	"\"generation\":7,\"intercepts\":3,\"config\":\"/etc/steer/steer.conf\"}"

#define STATS_OK "{\"ok\":true,\"drops\":{\"eth_short\":0,\"ip_csum\":3," \
	"\"tcp_no_flow\":12},\"counters\":{\"rx_packets\":1500,\"rx_bytes\":0," \
	"\"flows_created\":42},\"ports\":{\"edge\":{\"rx_packets\":10," \
	"\"rx_bytes\":1000,\"tx_packets\":9,\"tx_bytes\":900}}," \
	"\"intercepts\":{\"alice-web\":17,\"bob-api\":0}}"

#define STATS_PW "{\"ok\":true,\"drops\":{\"ip_csum\":3,\"ip_frag\":0}," \
	"\"counters\":{\"rx_packets\":1500,\"tx_packets\":0},\"ports\":{}," \
	"\"intercepts\":{},\"workers\":[" \
	"{\"drops\":{\"ip_csum\":1,\"ip_frag\":0},\"counters\":{\"rx_packets\":1000,\"tx_packets\":0}}," \
	"{\"drops\":{\"ip_csum\":2,\"ip_frag\":0},\"counters\":{\"rx_packets\":499,\"tx_packets\":0}}]}"

#define IC_LIST "{\"ok\":true,\"intercepts\":[" \
	"{\"name\":\"alice-web\",\"service\":\"web\",\"tunnel\":\"alice\"," \
	"\"headers\":[{\"name\":\"x-telepresence-intercept-id\",\"value\":\"7f3a:alice-web\"}]," \
	"\"preview\":\"alice\",\"decisions\":17}," \
	"{\"name\":\"bob-api\",\"service\":\"web\",\"tunnel\":\"bob\"," \
	"\"headers\":[{\"name\":\"x-user\",\"regex\":\"^bob\"},{\"name\":\"x-p\",\"prefix\":\"pp\"}," \
	"{\"name\":\"x-q\",\"present\":true},{\"baggage\":\"devid\",\"value\":\"carol\"}]," \
	"\"path_prefix\":\"/api/\",\"path_equal\":null,\"preview\":null,\"decisions\":0}," \
	"{\"name\":\"all\",\"service\":\"api\",\"tunnel\":\"bob\",\"headers\":[]," \
	"\"path_regex\":\"^/v[0-9]\",\"decisions\":2}]}"

#define TUN_LIST "{\"ok\":true,\"tunnels\":[" \
	"{\"name\":\"bob\",\"type\":\"direct\",\"target\":\"198.18.1.21:9000\"," \
	"\"remote\":null,\"vni\":null,\"source\":null,\"fail_open\":true}," \
	"{\"name\":\"carol\",\"type\":\"vxlan\",\"target\":\"10.99.0.2:8080\"," \
	"\"remote\":\"192.0.2.7\",\"vni\":42,\"source\":\"10.99.0.1\",\"fail_open\":false}]}"

#define BE_LIST "{\"ok\":true,\"backends\":[" \
	"{\"service\":\"web\",\"address\":\"198.18.1.10:8080\",\"weight\":1,\"drain\":false," \
	"\"state\":\"down\",\"checked\":true,\"consecutive_failures\":3," \
	"\"consecutive_successes\":0,\"checks\":12,\"check_failures\":3,\"downs\":1," \
	"\"last_failure\":{\"reason\":\"status\",\"status\":500,\"ago_ms\":3250}}," \
	"{\"service\":\"web\",\"address\":\"198.18.1.11:8080\",\"weight\":2,\"drain\":true," \
	"\"state\":\"up\",\"checked\":true,\"consecutive_failures\":0," \
	"\"consecutive_successes\":12,\"checks\":12,\"check_failures\":1,\"downs\":0," \
	"\"last_failure\":{\"reason\":\"timeout\",\"ago_ms\":125000}}," \
	"{\"service\":\"api\",\"address\":\"198.18.1.12:8080\",\"weight\":1,\"drain\":false," \
	"\"state\":\"unchecked\",\"checked\":false,\"consecutive_failures\":0," \
	"\"consecutive_successes\":0,\"checks\":0,\"check_failures\":0,\"downs\":0," \
	"\"last_failure\":null}]}"

#define FLOWS "{\"ok\":true,\"flows\":[" \
	"{\"worker\":0,\"client\":\"198.18.0.100:40000\",\"listener\":\"web\"," \
	"\"state\":\"spliced\",\"service\":\"web\",\"intercept\":\"alice-web\"," \
	"\"tunnel\":\"alice\",\"target\":\"198.18.1.20:9000\",\"age_ms\":1500}," \
	"{\"worker\":1,\"client\":\"198.18.0.101:40001\",\"listener\":\"web\"," \
	"\"state\":\"collecting\",\"service\":null,\"intercept\":null," \
	"\"tunnel\":null,\"target\":null,\"age_ms\":125000}," \
	"{\"worker\":1,\"client\":\"198.18.0.102:40002\",\"listener\":\"web\"," \
	"\"state\":\"spliced\",\"service\":\"api\",\"intercept\":null," \
	"\"tunnel\":null,\"target\":\"198.18.1.10:8080\",\"age_ms\":7}]}"

static const struct render_case render_cases[] = {
	{ "status", STATUS_OK, 0,
	  { "version     0.1.0", "uptime      1d 2h 3m 4s", "workers     2",
	    "serving     yes",
	    "generation  7", "intercepts  3", "config      /etc/steer/steer.conf",
	    "PORT   DEVICE          ADDRESS", "edge   net_af_packet0  198.18.0.1/24",
	    "inner  0000:00:1f.6    198.18.1.1/24" }, { NULL },
	  "status: every field, ports as an aligned table" },
	{ "status", "{\"ok\":true,\"version\":\"0.1.0\",\"uptime_s\":59}", 0,
	  { "uptime      59s", "workers     -", "serving     -" }, { "PORT" },
	  "missing fields show as '-', no empty port table" },
	{ "status", "{\"ok\":true,\"version\":\"0.1.0\",\"cluster\":{\"name\":\"c1\","
	  "\"node\":\"n1\",\"etcd_endpoints\":\"http://10.0.0.5:2379\",\"revision\":42,"
	  "\"etcd_last_reachable_s\":7,\"changes_refused\":1,\"last_error\":\"x: y\"}}", 0,
	  { "cluster     c1", "node        n1", "etcd        http://10.0.0.5:2379",
	    "revision    42", "etcd seen   7s ago", "refused     1", "last error  x: y" },
	  { NULL }, "a node in a cluster: steer-etcd's last report" },
	{ "status", "{\"ok\":true,\"cluster\":{\"name\":\"c1\"}}", 0,
	  { "cluster     c1", "etcd seen   -\n" }, { "s ago" },
	  "configured, no report yet: no age to show" },
	{ "status", STATUS_OK, 0, { "version" }, { "cluster" },
	  "a single node shows no cluster" },
	{ "status", "{\"ok\":false,\"error\":\"not ready\"}", -1,
	  { "not ready" }, { NULL }, "an error answer" },

	{ "stats", STATS_OK, 0,
	  { "COUNTER", "rx_packets", "1500", "flows_created", "42",
	    "ip_csum", "3", "IPv4 header checksum wrong",
	    "tcp_no_flow", "TCP segment of no flow (RST sent)",
	    "alice-web  17", "bob-api    0" },
	  { "rx_bytes ", "eth_short", "W0" },
	  "non-zero counters and drops with their reason, every intercept" },
	{ "stats", STATS_OK, 0,
	  { "PORT  RX_PACKETS  RX_BYTES  TX_PACKETS  TX_BYTES",
	    "edge  10          1000      9           900" }, { NULL },
	  "per-port counters as a table" },
	{ "stats", STATS_PW, 0,
	  { "COUNTER     TOTAL  W0    W1", "rx_packets  1500   1000  499",
	    "DROP     TOTAL  W0  W1  MEANING", "ip_csum  3      1   2" },
	  { "tx_packets", "ip_frag" },
	  "per-worker columns next to the total" },
	{ "stats", "{\"ok\":true,\"drops\":{\"ip_csum\":0},\"counters\":{\"polls\":0}}",
	  0, { "counters: all zero", "drops: none" }, { "ip_csum" },
	  "a quiet router says so" },
	{ "stats", "{\"ok\":true,\"drops\":{\"new_reason\":5}}", 0,
	  { "new_reason  5" }, { NULL },
	  "a reason this steerctl does not know still shows" },
	{ "stats", "{\"ok\":false,\"error\":\"stats unavailable\"}", -1,
	  { "stats unavailable" }, { NULL }, "stats error" },

	{ "intercept.list", IC_LIST, 0,
	  { "NAME", "SERVICE", "TUNNEL", "MATCHERS", "PATH", "PREVIEW",
	    "DECISIONS", "x-telepresence-intercept-id=7f3a:alice-web",
	    "x-user~=^bob, x-p^=pp, x-q (present), baggage[devid]=carol",
	    "prefix /api/", "regex ^/v[0-9]", "alice" },
	  { NULL }, "every matcher kind and path kind" },
	{ "intercept.list", "{\"ok\":true,\"intercepts\":[]}", 0,
	  { "no intercepts" }, { "NAME" }, "empty list" },
	{ "intercept.list", IC_LIST, 0, { "PREVIEW  DECISIONS" }, { "TTL" },
	  "no TTL column while no intercept expires" },
	{ "intercept.list", "{\"ok\":true,\"intercepts\":["
	  "{\"name\":\"a\",\"service\":\"web\",\"tunnel\":\"t\",\"headers\":[],"
	  "\"ttl_left_s\":42,\"decisions\":1},"
	  "{\"name\":\"b\",\"service\":\"web\",\"tunnel\":\"t\",\"headers\":[],"
	  "\"decisions\":2}]}", 0,
	  { "PREVIEW  TTL  DECISIONS", "42s", "-        -    2" }, { NULL },
	  "a TTL column with the time left, '-' for an intercept that does not expire" },
	{ "intercept.renew", "{\"ok\":true,\"ttl_left_s\":600}", 0,
	  { "intercept renewed" }, { NULL }, "intercept renew" },
	{ "intercept.list", "{\"ok\":true}", -1,
	  { "no 'intercepts' list" }, { NULL }, "ok without the list" },
	{ "intercept.add", "{\"ok\":true,\"generation\":2}", 0,
	  { "intercept added (generation 2)" }, { NULL }, "intercept add" },
	{ "intercept.add",
	  "{\"ok\":false,\"error\":\"steer.conf:41: intercept 'dave2' conflicts "
	  "with intercept 'dave-web' (line 40): same service, same header "
	  "matchers and overlapping paths\"}", -1,
	  { "steer.conf:41: intercept 'dave2' conflicts with intercept "
	    "'dave-web' (line 40)" }, { NULL },
	  "the refusal of docs/control.md's example, file:line kept" },
	{ "intercept.remove", "{\"ok\":true,\"generation\":3}", 0,
	  { "intercept removed (generation 3)" }, { NULL }, "intercept remove" },
	{ "intercept.remove", "{\"ok\":false,\"error\":\"unknown intercept 'x'\"}",
	  -1, { "unknown intercept 'x'" }, { NULL }, "remove of an unknown name" },

	{ "tunnel.list", TUN_LIST, 0,
	  { "NAME   TYPE    TARGET            REMOTE     VNI  SOURCE     FAIL_OPEN",
	    "bob    direct  198.18.1.21:9000  -          -    -          yes",
	    "carol  vxlan   10.99.0.2:8080    192.0.2.7  42   10.99.0.1  no" },
	  { NULL }, "direct and vxlan tunnels aligned, nulls as '-'" },
	{ "tunnel.list", "{\"ok\":true,\"tunnels\":[]}", 0, { "no tunnels" },
	  { NULL }, "no tunnels" },
	{ "tunnel.add", "{\"ok\":true,\"generation\":4}", 0,
	  { "tunnel added (generation 4)" }, { NULL }, "tunnel add" },
	{ "tunnel.remove",
	  "{\"ok\":false,\"error\":\"tunnel 'bob' is used by intercept 'alice-web'\"}",
	  -1, { "tunnel 'bob' is used by intercept 'alice-web'" }, { NULL },
	  "remove refused while in use" },

	{ "backend.list", BE_LIST, 0,
	  { "SERVICE  ADDRESS           STATE      DRAIN  FAILS  OKS  CHECKS  LAST_FAILURE",
	    "web      198.18.1.10:8080  down       no     3      0    12      status 500, 3.2s ago",
	    "web      198.18.1.11:8080  up         yes    0      12   12      timeout, 2m05s ago",
	    "api      198.18.1.12:8080  unchecked  no     0      0    0       -" },
	  { NULL }, "states, a bad status with its code, no failure as '-'" },
	{ "backend.list", "{\"ok\":true,\"backends\":[]}", 0, { "no backends" },
	  { NULL }, "no backends" },
	{ "backend.add", "{\"ok\":true,\"generation\":5}", 0,
	  { "backend added (generation 5)" }, { NULL }, "backend add" },
	{ "backend.remove", "{\"ok\":true,\"generation\":6}", 0,
	  { "backend removed (generation 6)" }, { NULL }, "backend remove" },
	{ "backend.drain", "{\"ok\":true,\"generation\":7}", 0,
	  { "backend draining (generation 7)" }, { NULL }, "backend drain" },
	{ "backend.add", "{\"ok\":false,\"error\":\"unknown service 'wbe'\"}",
	  -1, { "unknown service 'wbe'" }, { NULL }, "backend add refused" },

	{ "reload", "{\"ok\":true,\"generation\":8}", 0,
	  { "configuration reloaded (generation 8)" }, { NULL }, "reload" },
	{ "reload", "{\"ok\":false,\"error\":\"steer.conf:4: syntax error\"}",
	  -1, { "steer.conf:4: syntax error" }, { NULL }, "reload refused" },

	{ "dump", "{\"ok\":true,\"config\":\"dataplane = { };\\nports = ();\\n\"}",
	  0, { "dataplane = { };\nports = ();\n" }, { "\n\n" },
	  "the config text as is, no extra newline" },
	{ "dump", "{\"ok\":true,\"config\":\"# no newline\"}", 0,
	  { "# no newline\n" }, { NULL }, "a final newline is added" },
	{ "dump", "{\"ok\":true}", -1, { "no 'config' text" }, { NULL },
	  "dump without its text" },

	{ "flows", FLOWS, 0,
	  { "WORKER  CLIENT", "AGE", "198.18.0.100:40000", "spliced",
	    "alice-web", "1.5s", "2m05s", "7ms", "collecting" }, { NULL },
	  "flow sample with ages made readable" },
	{ "flows", "{\"ok\":true,\"flows\":[]}", 0, { "no flows" }, { NULL },
	  "no flows" },
	{ "flows", "{\"ok\":false,\"error\":\"'limit' must be 1..1000\"}", -1,
	  { "'limit' must be 1..1000" }, { NULL }, "flows refused" },

	{ "status", "{\"ok\":true,\"version\":\"\\u001b[31mred\\u009b\"}", 0,
	  { "\\x1b[31mred\\u009b" }, { "\x1b", "\xc2\x9b" },
	  "control characters (C0 and C1) from steerd never reach the terminal" },
	{ "status", "{\"ok\":false,\"error\":\"bad\\u001b]0;title\\u0007\"}", -1,
	  { "bad\\x1b]0;title\\x07" }, { NULL },
	  "error messages are escaped too" },
	{ "intercept.list", "{\"ok\":true,\"intercepts\":[{\"name\":\"caf\\u00e9\","
	  "\"service\":\"w\",\"tunnel\":\"t\",\"decisions\":1}]}", 0,
	  { "caf\xc3\xa9" }, { NULL }, "UTF-8 passes through" },
	{ "future.cmd", "{\"ok\":true,\"x\":1}", 0, { "{\"ok\":true,\"x\":1}\n" },
	  { NULL }, "an unknown command's answer is shown raw" },

	{ "status", "not json", -1, { "malformed response from steerd" },
	  { NULL }, "garbage" },
	{ "status", "[1,2]", -1, { "not a JSON object" }, { NULL },
	  "an array is not a response" },
	{ "status", "{\"version\":\"0.1.0\"}", -1, { "no 'ok'" }, { NULL },
	  "every response has ok" },
	{ "status", "{\"ok\":\"yes\"}", -1, { "no 'ok'" }, { NULL },
	  "ok must be a bool" },
	{ "status", "{\"ok\":false}", -1, { "without a message" }, { NULL },
	  "ok:false without error" },
	{ "status", "{\"ok\":true} x", -1, { "malformed" }, { NULL },
	  "trailing garbage" },
};

static char *render(const char *cmd, const char *resp, size_t len, int *rc,
		    char *err, size_t errlen)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	assert_non_null(f);
	*rc = cli_render(cmd, resp, len, f, err, errlen);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void sample_responses_render_for_humans(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(render_cases); i++) {
		const struct render_case *c = &render_cases[i];
		char err[512] = "";
		int rc;
		char *out = render(c->cmd, c->response, strlen(c->response),
				   &rc, err, sizeof(err));
		const char *where = rc == 0 ? out : err;

		if (rc != c->rc)
			fail_msg("case %zu (%s): rc %d, want %d; err \"%s\"; "
				 "output:\n%s", i, c->why, rc, c->rc, err, out);
		for (size_t k = 0; k < ARRAY_SIZE(c->has) && c->has[k]; k++)
			if (strstr(where, c->has[k]) == NULL)
				fail_msg("case %zu (%s): lacks \"%s\" in:\n%s",
					 i, c->why, c->has[k], where);
		for (size_t k = 0; k < ARRAY_SIZE(c->lacks) && c->lacks[k]; k++)
			if (strstr(out, c->lacks[k]) != NULL ||
			    strstr(err, c->lacks[k]) != NULL)
				fail_msg("case %zu (%s): has \"%s\" in:\n%s%s",
					 i, c->why, c->lacks[k], out, err);
		if (rc != 0 && out[0] != '\0')
			fail_msg("case %zu (%s): output on error:\n%s", i,
				 c->why, out);
		if (strchr(err, '\n') != NULL)
			fail_msg("case %zu (%s): error is not one line", i,
				 c->why);
		free(out);
	}
}

/* Each prefix is copied to a buffer of exactly its length, so a read past
 * the end shows under ASan. */
static void every_truncated_response_is_refused_cleanly(void **state)
{
	static const char *const samples[] = {
		STATUS_OK, STATS_PW, IC_LIST, TUN_LIST, FLOWS, BE_LIST,
	};
	static const char *const cmds[] = {
		"status", "stats", "intercept.list", "tunnel.list", "flows",
		"backend.list",
	};

	(void)state;
	for (size_t s = 0; s < ARRAY_SIZE(samples); s++) {
		size_t n = strlen(samples[s]);

		for (size_t len = 0; len < n; len++) {
			char *p = malloc(len ? len : 1), err[256] = "";
			char *out;
			int rc;

			assert_non_null(p);
			memcpy(p, samples[s], len);
			out = render(cmds[s], p, len, &rc, err, sizeof(err));
			if (rc != -1 || strstr(err, "malformed") == NULL)
				fail_msg("%s prefix %zu: rc %d \"%s\"", cmds[s],
					 len, rc, err);
			free(out);
			free(p);
		}
	}
}

static void large_dump_and_full_flow_sample_render(void **state)
{
	/* a 16 MB configuration: the dump's one string node */
	const size_t body = 16u << 20;
	struct jw w;
	char *text, *out, err[256];
	int rc;

	(void)state;
	text = malloc(body + 1);
	assert_non_null(text);
	for (size_t i = 0; i < body; i++)
		text[i] = i % 64 == 63 ? '\n' : (i % 7 == 0 ? '"' : 'a');
	text[body] = '\0';
	jw_init(&w);
	jw_obj_begin(&w);
	jw_key(&w, "ok");
	jw_bool(&w, true);
	jw_key(&w, "config");
	jw_str(&w, text);
	jw_obj_end(&w);
	assert_false(w.failed);
	out = render("dump", w.buf, w.len, &rc, err, sizeof(err));
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(out), body);
	assert_memory_equal(out, text, body);
	free(out);
	jw_free(&w);
	free(text);

	/* 1000 flows, steerd's largest sample */
	jw_init(&w);
	jw_obj_begin(&w);
	jw_key(&w, "ok");
	jw_bool(&w, true);
	jw_key(&w, "flows");
	jw_arr_begin(&w);
	for (int i = 0; i < 1000; i++) {
		char client[32];

		snprintf(client, sizeof(client), "10.0.%d.%d:%d", i / 256,
			 i % 256, 1024 + i);
		jw_obj_begin(&w);
		jw_key(&w, "worker");
		jw_int(&w, i % 4);
		jw_key(&w, "client");
		jw_str(&w, client);
		jw_key(&w, "age_ms");
		jw_int(&w, i);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	out = render("flows", w.buf, w.len, &rc, err, sizeof(err));
	assert_int_equal(rc, 0);
	{
		size_t lines = 0;

		for (char *p = out; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, 1001);  /* header and 1000 rows */
	}
	assert_non_null(strstr(out, "10.0.3.231:2023"));
	free(out);
	jw_free(&w);
}

static void response_helpers_read_ok_generation_and_cmd(void **state)
{
	static const char ok[] = "{\"ok\":true,\"generation\":12}";
	static const char bad[] = "{\"ok\":false,\"error\":\"t.conf:3: nope\"}";
	static const char req[] = "{\"cmd\":\"intercept.add\",\"name\":\"x\"}";
	char err[128], cmd[32];

	(void)state;
	assert_int_equal(cli_response_ok(ok, strlen(ok), err, sizeof(err)), 1);
	assert_int_equal(cli_response_generation(ok, strlen(ok)), 12);
	assert_int_equal(cli_response_ok(bad, strlen(bad), err, sizeof(err)), 0);
	assert_string_equal(err, "t.conf:3: nope");
	assert_int_equal(cli_response_generation(bad, strlen(bad)), -1);
	assert_int_equal(cli_response_ok("{", 1, err, sizeof(err)), -1);
	assert_int_equal(cli_request_cmd(req, strlen(req), cmd, sizeof(cmd)), 0);
	assert_string_equal(cmd, "intercept.add");
	assert_int_equal(cli_request_cmd(req, strlen(req), cmd, 5), -1);
	assert_int_equal(cli_request_cmd("{}", 2, cmd, sizeof(cmd)), -1);
}

static void usage_names_every_command(void **state)
{
	static const char *const words[] = {
		"status", "stats [--per-worker]", "intercept add", "--header NAME=VALUE",
		"--header-regex", "--header-prefix", "--header-present",
		"--baggage KEY=VALUE", "--path-equal", "--path-prefix",
		"--path-regex", "--preview", "intercept remove", "intercept list",
		"tunnel add NAME --type direct", "--type vxlan", "--no-fail-open",
		"tunnel remove", "tunnel list", "backend add", "--weight",
		"backend remove", "backend drain", "backend list", "reload [FILE]",
		"file it was started with", "dump", "watch FILE",
		"flows [--limit N]", "check FILE", "STEER_SOCKET",
		"/run/steer/steer.sock", "--timeout", "--json",
	};
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	(void)state;
	assert_non_null(f);
	cli_usage(f);
	fclose(f);
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strstr(text, words[i]) == NULL)
			fail_msg("usage lacks \"%s\"", words[i]);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_command_line_builds_its_request),
		cmocka_unit_test(requests_are_one_line_of_compact_json),
		cmocka_unit_test(odd_values_are_escaped_and_survive_the_round_trip),
		cmocka_unit_test(invalid_utf8_still_makes_a_valid_request),
		cmocka_unit_test(bad_usages_are_refused_with_a_reason),
		cmocka_unit_test(reload_sends_the_file_as_an_absolute_real_path),
		cmocka_unit_test(check_and_watch_take_exactly_one_file),
		cmocka_unit_test(global_options_come_before_the_command),
		cmocka_unit_test(sample_responses_render_for_humans),
		cmocka_unit_test(every_truncated_response_is_refused_cleanly),
		cmocka_unit_test(large_dump_and_full_flow_sample_render),
		cmocka_unit_test(response_helpers_read_ok_generation_and_cmd),
		cmocka_unit_test(usage_names_every_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
