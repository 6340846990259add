/* The response check (tools/gen/gen_check.c) on responses gen_resp_build()
 * wrote, over the mix of the example gen.conf: each request of a
 * keep-alive connection is checked against its own entry and id, and
 * steerd's injected lines must be on every request that needs them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gen_check.h"
#include "gen_conf.h"

#define CLIENT 0xc612000au        /* 198.18.0.10 */
#define INTERCEPT "7f3a:alice-web"

static struct gen_conf c;

static int load(void **state)
{
	char path[4096], err[512];
	const char *src = getenv("STEER_SRC");
	(void)state;
	snprintf(path, sizeof(path), "%s/tests/gen/gen.conf", src ? src : ".");
	if (gen_conf_load(&c, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static unsigned entry(const char *name)
{
	for (unsigned i = 0; i < c.mix.n_entries; i++)
		if (strcmp(c.mix.entry[i].name, name) == 0)
			return i;
	fail_msg("no mix entry %s", name);
	return 0;
}

/* What a server answered, checked against request N of a connection
 * whose requests are of the entries in CONN[]. */
struct answer {
	unsigned req;             /* 1-based: the request answered */
	const char *served, *echo, *fwd;
	unsigned id_of;           /* the request whose id it echoes */
	enum gen_error want;
	bool misroute;
	const char *why;
};

static const char *const conn[] = { "plain", "preview", "plain", "header",
				    "baggage", "preview", "api", "post" };

static void id_of(unsigned n, char *id)
{
	snprintf(id, GEN_ID_LEN + 1, "%08x-%04x", 0x2au, n);
}

static void run(const struct answer *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char buf[GEN_HDR_MAX], id[GEN_ID_LEN + 1], sent_id[GEN_ID_LEN + 1];
		struct gen_http_msg m;
		bool mis;

		id_of(t[i].id_of, id);
		id_of(t[i].req, sent_id);
		size_t len = gen_resp_build(buf, sizeof(buf), t[i].served, id, t[i].echo,
					    t[i].fwd, 256, false);
		assert_int_equal(gen_http_parse(buf, len, true, NULL, &m), (int)len);
		struct gen_sent s = { .entry = entry(conn[t[i].req - 1]), .id = sent_id,
				      .client_ip = CLIENT };
		enum gen_error e = gen_check_response(&c.mix, &s, &m, &mis);
		if (e != t[i].want || mis != t[i].misroute)
			fail_msg("request %u (%s): %s%s, want %s%s (%s)", t[i].req,
				 conn[t[i].req - 1],
				 e == GEN_ERR_NONE ? "ok" : gen_error_names[e],
				 mis ? " + misroute" : "",
				 t[i].want == GEN_ERR_NONE ? "ok" : gen_error_names[t[i].want],
				 t[i].misroute ? " + misroute" : "", t[i].why);
	}
}

static void every_request_is_checked_against_its_own_entry(void **state)
{
	static const struct answer t[] = {
		{ 1, "web-a", "", "198.18.0.10", 1, GEN_ERR_NONE, false, "plain at web" },
		{ 2, "alice", INTERCEPT, "198.18.0.10", 2, GEN_ERR_NONE, false,
		  "preview after plain: at the developer, injected" },
		{ 3, "web-b", "", "198.18.0.10", 3, GEN_ERR_NONE, false,
		  "plain again, the other backend is as right" },
		{ 4, "alice", INTERCEPT, "198.18.0.10", 4, GEN_ERR_NONE, false,
		  "the client's own intercept header" },
		{ 5, "bob", "", "198.18.0.10", 5, GEN_ERR_NONE, false, "baggage at bob" },
		{ 6, "alice", INTERCEPT, "198.18.0.10", 6, GEN_ERR_NONE, false,
		  "second preview of the connection: injected again" },
		{ 7, "api", "", "198.18.0.10", 7, GEN_ERR_NONE, false, "listener route" },
		{ 8, "web-a", "", "198.18.0.10", 8, GEN_ERR_NONE, false, "POST at web" },
	};
	(void)state;
	run(t, sizeof(t) / sizeof(t[0]));
}

/* A router that kept the first request's decision for the connection:
 * each answer is right for the request before, wrong for its own. */
static void an_answer_right_for_the_request_before_is_a_misroute(void **state)
{
	static const struct answer t[] = {
		{ 2, "web-a", "", "198.18.0.10", 2, GEN_ERR_echo_missing, true,
		  "preview sent where the plain request before it went" },
		{ 3, "alice", INTERCEPT, "198.18.0.10", 3, GEN_ERR_echo_unexpected, true,
		  "plain sent to the preview's developer, header and all" },
		{ 5, "alice", "", "198.18.0.10", 5, GEN_ERR_NONE, true,
		  "baggage at the header request's developer" },
		{ 7, "alice", INTERCEPT, "198.18.0.10", 7, GEN_ERR_echo_unexpected, true,
		  "api request kept on the preview's tunnel" },
	};
	(void)state;
	run(t, sizeof(t) / sizeof(t[0]));
}

/* steerd injects on every request now: a line missing on request 6 is as
 * wrong as on request 2, and one left over from an earlier request is
 * wrong too. */
static void injected_lines_are_checked_on_every_request(void **state)
{
	static const struct answer t[] = {
		{ 6, "alice", "", "198.18.0.10", 6, GEN_ERR_echo_missing, false,
		  "later preview request not injected" },
		{ 6, "alice", GEN_REPEATED, "198.18.0.10", 6, GEN_ERR_echo_missing, false,
		  "intercept header twice" },
		{ 3, "web-a", INTERCEPT, "198.18.0.10", 3, GEN_ERR_echo_unexpected, false,
		  "the preview's injection leaked into the next request" },
		{ 3, "web-a", "", "", 3, GEN_ERR_forwarded_for, false,
		  "no X-Forwarded-For on a later request" },
		{ 3, "web-a", "", GEN_REPEATED, 3, GEN_ERR_forwarded_for, false,
		  "X-Forwarded-For twice" },
		{ 1, "web-a", "", "198.18.0.11", 1, GEN_ERR_forwarded_for, false,
		  "another client's address" },
		{ 1, "web-a", "", "198.18.0.1", 1, GEN_ERR_forwarded_for, false,
		  "a prefix of ours is not ours" },
	};
	(void)state;
	run(t, sizeof(t) / sizeof(t[0]));
}

static void answers_to_another_request_or_from_nobody_are_errors(void **state)
{
	static const struct answer t[] = {
		{ 3, "web-a", "", "198.18.0.10", 2, GEN_ERR_id_mismatch, false,
		  "the previous request's response again" },
		{ 3, "web-a", "", "198.18.0.10", 4, GEN_ERR_id_mismatch, false,
		  "a later request's id" },
		{ 3, "steerd", "", "198.18.0.10", 3, GEN_ERR_unnamed, false,
		  "no server of ours" },
	};
	struct gen_http_msg m;
	bool mis;
	(void)state;
	run(t, sizeof(t) / sizeof(t[0]));
	const char *r503 = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
	assert_true(gen_http_parse(r503, strlen(r503), true, NULL, &m) > 0);
	struct gen_sent s = { .entry = entry("plain"), .id = "0000002a-0001",
			      .client_ip = CLIENT };
	assert_int_equal(gen_check_response(&c.mix, &s, &m, &mis), GEN_ERR_http_status);
	assert_false(mis);
}

static void legit_success_rate_is_printed_rounded_down(void **state)
{
	static const struct { uint64_t ok, att; unsigned pm; const char *out, *why; } t[] = {
		{ 2991, 3000, 997, "legit success 99.7% (2991/3000)", "the example" },
		{ 3000, 3000, 1000, "legit success 100.0% (3000/3000)", "all of them" },
		{ 2999, 3000, 999, "legit success 99.9% (2999/3000)",
		  "one failure is never 100.0%" },
		{ 2970, 3000, 990, "legit success 99.0% (2970/3000)", "exactly the e2e's bar" },
		{ 2969, 3000, 989, "legit success 98.9% (2969/3000)", "just under it" },
		{ 0, 5, 0, "legit success 0.0% (0/5)", "none" },
		{ 1, 3, 333, "legit success 33.3% (1/3)", "a third" },
		{ 2, 3, 666, "legit success 66.6% (2/3)", "two thirds, not 66.7" },
		{ 0, 0, 1000, "legit success n/a (0/0)", "nothing attempted" },
		{ UINT64_MAX - 1, UINT64_MAX, 999,
		  "legit success 99.9% (18446744073709551614/18446744073709551615)",
		  "counts whose product with 1000 overflows" },
		{ UINT64_MAX / 2, UINT64_MAX, 499,
		  "legit success 49.9% (9223372036854775807/18446744073709551615)",
		  "half of the largest count" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char buf[128];
		unsigned pm = gen_success_permille(t[i].ok, t[i].att);
		int n = gen_success_format(buf, sizeof(buf), t[i].ok, t[i].att);
		if (pm != t[i].pm || strcmp(buf, t[i].out) != 0 || n != (int)strlen(t[i].out))
			fail_msg("%u '%s', want %u '%s' (%s)", pm, buf, t[i].pm, t[i].out, t[i].why);
	}
	char small[8];
	gen_success_format(small, sizeof(small), 1, 2);
	assert_string_equal(small, "legit s");   /* truncated, terminated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_request_is_checked_against_its_own_entry),
		cmocka_unit_test(an_answer_right_for_the_request_before_is_a_misroute),
		cmocka_unit_test(injected_lines_are_checked_on_every_request),
		cmocka_unit_test(answers_to_another_request_or_from_nobody_are_errors),
		cmocka_unit_test(legit_success_rate_is_printed_rounded_down),
	};
	return cmocka_run_group_tests(tests, load, NULL);
}
