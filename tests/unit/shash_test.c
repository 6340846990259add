/* shash: the hash multimap behind exact-value matchers. */
#include <errno.h>
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

/* A model: per key, its values in order. Keys share low bits so that runs
 * of probed slots form and deletions must move entries back. */
#define M_KEYS 64
#define M_VALS 64

struct model {
	uint32_t v[M_KEYS][M_VALS];
	unsigned n[M_KEYS];
};

static uint64_t model_key(unsigned k)
{
	return ((uint64_t)k << 40) | (k % 5);   /* 5 home slots for 64 keys */
}

static void model_check(const struct shash *h, const struct model *m,
			unsigned step)
{
	unsigned n_keys = 0;

	for (unsigned k = 0; k < M_KEYS; k++) {
		unsigned i = 0;
		n_keys += m->n[k] > 0;
		for (uint32_t n = shash_first(h, model_key(k)); n != SHASH_NONE;
		     n = h->next[n], i++)
			if (i >= m->n[k] || h->vals[n] != m->v[k][i])
				fail_msg("step %u: key %u value #%u is %u, want %s %u",
					 step, k, i, h->vals[n],
					 i >= m->n[k] ? "none, past" : "",
					 i >= m->n[k] ? m->n[k] : m->v[k][i]);
		if (i != m->n[k])
			fail_msg("step %u: key %u has %u values, want %u", step, k, i,
				 m->n[k]);
	}
	assert_int_equal(h->n_keys, n_keys);
}

static void deletes_shifts_and_copies_agree_with_a_model(void **state)
{
	(void)state;
	static struct model m;
	struct shash h, c;
	uint64_t r = 1;

	memset(&m, 0, sizeof(m));
	assert_int_equal(shash_init(&h, 4), 0);
	for (unsigned step = 0; step < 20000; step++) {
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		unsigned k = (unsigned)(r >> 33) % M_KEYS, op = (unsigned)(r >> 50) % 10;
		uint32_t val = (uint32_t)(r >> 20) % 1000;
		if (op < 5 && m.n[k] < M_VALS) {
			assert_int_equal(shash_add(&h, model_key(k), val), 0);
			m.v[k][m.n[k]++] = val;
		} else if (op < 9) {
			/* delete an existing value (or a missing one: -ENOENT) */
			unsigned at = m.n[k] ? (unsigned)(r >> 8) % (m.n[k] + 1) : 0;
			if (at == m.n[k]) {
				uint32_t missing = 5000 + val;
				assert_int_equal(shash_del(&h, model_key(k), missing), -ENOENT);
			} else {
				uint32_t dv = m.v[k][at];
				unsigned first = 0;
				while (m.v[k][first] != dv)
					first++;
				assert_int_equal(shash_del(&h, model_key(k), dv), 0);
				memmove(&m.v[k][first], &m.v[k][first + 1],
					(m.n[k] - first - 1) * sizeof(uint32_t));
				m.n[k]--;
			}
		} else {
			/* shift values >= 500 down by 3, into a copy; the
			 * original must not change */
			assert_int_equal(shash_copy(&c, &h), 0);
			shash_shift(&c, 500, 3);
			model_check(&h, &m, step);
			for (unsigned a = 0; a < M_KEYS; a++)
				for (unsigned b = 0; b < m.n[a]; b++)
					if (m.v[a][b] >= 500)
						m.v[a][b] -= 3;
			shash_free(&h);
			h = c;
		}
		model_check(&h, &m, step);
	}
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
		cmocka_unit_test(deletes_shifts_and_copies_agree_with_a_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
