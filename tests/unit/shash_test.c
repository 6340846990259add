/* shash: the hash multimap behind exact-value matchers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "shash.h"

static void lowercase_hash_ignores_ascii_case_only(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		int same;
		const char *why;
	} cases[] = {
		{ "X-Telepresence-Intercept-Id", "x-telepresence-intercept-id", 1, "mixed case" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", 1, "whole alphabet, word path" },
		{ "@[`{", "@[`{", 1, "bytes around the letter ranges are kept" },
		{ "@", "`", 0, "'@' is not 'A' - 1 lowered" },
		{ "[", "{", 0, "'[' is not 'Z' + 1 lowered" },
		{ "caf\xc3\xa9", "CAF\xc3\xa9", 1, "non-ASCII bytes untouched" },
		{ "x-user", "x-usr", 0, "different strings" },
		{ "abcdefgh1", "abcdefgh2", 0, "tail byte after a full word" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ha = shash_bytes_lower(cases[i].a, strlen(cases[i].a), 7);
		uint64_t hb = shash_bytes_lower(cases[i].b, strlen(cases[i].b), 7);
		if ((ha == hb) != cases[i].same)
			fail_msg("case %zu: %s", i, cases[i].why);
		if (cases[i].same) {
			/* and equals the plain hash of the lowercase form */
			char low[64];
			size_t n = strlen(cases[i].b);
			for (size_t k = 0; k < n; k++)
				low[k] = (cases[i].b[k] >= 'A' && cases[i].b[k] <= 'Z') ?
					 (char)(cases[i].b[k] | 0x20) : cases[i].b[k];
			assert_true(hb == shash_bytes_lower(low, n, 7));
		}
	}
}

static void every_byte_lowers_like_tolower(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		for (size_t pos = 0; pos < 16; pos++) {
			char a[16], b[16];
			memset(a, 'q', sizeof(a));
			memset(b, 'q', sizeof(b));
			a[pos] = (char)c;
			b[pos] = (char)((c >= 'A' && c <= 'Z') ? c | 0x20 : c);
			assert_true(shash_bytes_lower(a, 16, 1) == shash_bytes(b, 16, 1));
		}
	}
}

static void values_of_a_key_come_back_in_insertion_order(void **state)
{
	(void)state;
	struct shash h;
	assert_int_equal(shash_init(&h, 4), 0);
	/* enough keys to force several table growths */
	for (uint32_t k = 0; k < 5000; k++)
		for (uint32_t v = 0; v < k % 4 + 1; v++)
			assert_int_equal(shash_add(&h, k * 0x9e3779b97f4a7c15ull, k * 10 + v), 0);
	for (uint32_t k = 0; k < 5000; k++) {
		uint32_t v = 0;
		for (uint32_t n = shash_first(&h, k * 0x9e3779b97f4a7c15ull); n != SHASH_NONE;
		     n = h.next[n], v++)
			assert_int_equal(h.vals[n], k * 10 + v);
		assert_int_equal(v, k % 4 + 1);
	}
	assert_int_equal(shash_first(&h, 12345), SHASH_NONE);
	shash_free(&h);
}

static void colliding_slots_probe_on(void **state)
{
	(void)state;
	struct shash h;
	assert_int_equal(shash_init(&h, 16), 0);
	/* same low bits, different keys: all land on one slot first */
	for (uint64_t k = 1; k <= 10; k++)
		assert_int_equal(shash_add(&h, k << 40, (uint32_t)k), 0);
	for (uint64_t k = 1; k <= 10; k++) {
		uint32_t n = shash_first(&h, k << 40);
		assert_int_not_equal(n, SHASH_NONE);
		assert_int_equal(h.vals[n], k);
		assert_int_equal(h.next[n], SHASH_NONE);
	}
	shash_free(&h);
}

static void empty_map_finds_nothing(void **state)
{
	(void)state;
	struct shash h;
	assert_int_equal(shash_init(&h, 0), 0);
	assert_int_equal(shash_first(&h, 0), SHASH_NONE);
	shash_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lowercase_hash_ignores_ascii_case_only),
		cmocka_unit_test(every_byte_lowers_like_tolower),
		cmocka_unit_test(values_of_a_key_come_back_in_insertion_order),
		cmocka_unit_test(colliding_slots_probe_on),
		cmocka_unit_test(empty_map_finds_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
