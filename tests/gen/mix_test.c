/* Misroute classification and the mix (tools/gen/gen_mix.c), and the
 * example gen.conf loading and agreeing with itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gen_conf.h"

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

static int entry(const char *name)
{
	for (unsigned i = 0; i < c.mix.n_entries; i++)
		if (strcmp(c.mix.entry[i].name, name) == 0)
			return (int)i;
	fail_msg("no mix entry %s", name);
	return -1;
}

static void responses_are_classified_by_the_entrys_group(void **state)
{
	static const struct { const char *entry, *served; enum gen_verdict v; const char *why; } t[] = {
		{ "plain", "web-a", GEN_RIGHT, "either web backend" },
		{ "plain", "web-b", GEN_RIGHT, "either web backend" },
		{ "plain", "alice", GEN_MISROUTE, "a plain request at a developer" },
		{ "header", "alice", GEN_RIGHT, "intercept header -> vxlan developer" },
		{ "header", "web-a", GEN_MISROUTE, "intercept header at the cluster" },
		{ "baggage", "bob", GEN_RIGHT, "baggage member -> direct tunnel" },
		{ "baggage", "alice", GEN_MISROUTE, "the wrong developer" },
		{ "api", "api", GEN_RIGHT, "listener route" },
		{ "api", "web-a", GEN_MISROUTE, "route ignored" },
		{ "plain", "", GEN_UNNAMED, "no X-Served-By (the router answered)" },
		{ "plain", "web-", GEN_UNNAMED, "a prefix of a name is not the name" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum gen_verdict v = gen_mix_classify(&c.mix, (unsigned)entry(t[i].entry),
						      t[i].served, strlen(t[i].served));
		if (v != t[i].v)
			fail_msg("%s/%s: %d, want %d (%s)", t[i].entry, t[i].served, v, t[i].v, t[i].why);
	}
}

static void picks_follow_the_weights(void **state)
{
	unsigned n[GEN_MAX_MIX] = { 0 };
	(void)state;
	for (uint64_t r = 0; r < c.mix.total_weight * 10ull; r++)
		n[gen_mix_pick(&c.mix, r)]++;
	for (unsigned i = 0; i < c.mix.n_entries; i++)
		assert_int_equal(n[i], c.mix.entry[i].weight * 10);
}

/* steerd routes every request of a keep-alive connection by its own
 * header, so every request draws its own class; with classes =
 * "connection" the first request's class holds for the rest. */
static void each_request_of_a_connection_draws_its_own_entry(void **state)
{
	unsigned n[GEN_MAX_MIX] = { 0 }, prev = 0;
	(void)state;
	/* requests 1.. of one long connection: the weights, whatever came
	 * before each */
	for (uint64_t r = 0; r < c.mix.total_weight * 10ull; r++) {
		prev = gen_mix_next(&c.mix, false, prev, (unsigned)r + 1, r);
		n[prev]++;
	}
	for (unsigned i = 0; i < c.mix.n_entries; i++)
		assert_int_equal(n[i], c.mix.entry[i].weight * 10);
}

static void with_classes_per_connection_the_first_draw_holds(void **state)
{
	(void)state;
	for (uint64_t r = 0; r < c.mix.total_weight; r++) {
		unsigned first = gen_mix_next(&c.mix, true, 5, 1, r);
		assert_int_equal(first, gen_mix_pick(&c.mix, r));
		for (unsigned req = 2; req <= 10; req++)
			assert_int_equal(gen_mix_next(&c.mix, true, first, req, r * 7 + req), first);
	}
}

static void classes_parse_strictly(void **state)
{
	static const struct { const char *in; int ret; bool per_connection; } t[] = {
		{ "request", 0, false }, { "connection", 0, true },
		{ "Request", -1, false }, { "", -1, false }, { "requests", -1, false },
	};
	(void)state;
	assert_false(c.run.per_connection);   /* gen.conf: "request" */
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		bool pc = !t[i].per_connection;
		assert_int_equal(gen_parse_classes(t[i].in, &pc), t[i].ret);
		if (t[i].ret == 0)
			assert_int_equal(pc, t[i].per_connection);
	}
}

static void servers_are_found_by_address_and_overlay(void **state)
{
	(void)state;
	int a = gen_mix_server(&c.mix, 0xc6130002u, 8080, true, 42);   /* 198.19.0.2 */
	assert_true(a >= 0);
	assert_string_equal(c.mix.server[a].name, "alice");
	assert_int_equal(gen_mix_server(&c.mix, 0xc6130002u, 8080, false, 0), -1);
	assert_int_equal(gen_mix_server(&c.mix, 0xc6130002u, 8080, true, 43), -1);
	assert_int_equal(gen_mix_server(&c.mix, 0xc612010au, 8081, false, 0), -1);
}

static void an_entry_expecting_a_group_nobody_is_in_is_refused(void **state)
{
	struct gen_mix m = c.mix;
	char err[256];
	(void)state;
	strcpy(m.entry[0].expect, "nobody");
	assert_int_equal(gen_mix_check(&m, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nobody"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(responses_are_classified_by_the_entrys_group),
		cmocka_unit_test(picks_follow_the_weights),
		cmocka_unit_test(each_request_of_a_connection_draws_its_own_entry),
		cmocka_unit_test(with_classes_per_connection_the_first_draw_holds),
		cmocka_unit_test(classes_parse_strictly),
		cmocka_unit_test(servers_are_found_by_address_and_overlay),
		cmocka_unit_test(an_entry_expecting_a_group_nobody_is_in_is_refused),
	};
	return cmocka_run_group_tests(tests, load, NULL);
}
