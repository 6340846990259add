/* Maglev: prime helpers, argument checks, balance, and disruption when the
 * backend set changes. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "maglev.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_TEST_BACKENDS 128

/* Ids shaped like the ones the config layer derives from ip:port
 * (10.0.x.y:8080); the sequence is deliberately regular, since Maglev must
 * not rely on ids being random. */
static uint64_t test_id(unsigned i)
{
	return (uint64_t)(0x0a000000u + i) << 16 | 8080;
}

static void fill_ids(uint64_t *ids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		ids[i] = test_id(i);
}

static uint16_t *table_new(uint32_t size)
{
	uint16_t *t = malloc(size * sizeof(*t));

	assert_non_null(t);
	return t;
}

/* ---- primes ---- */

static const struct {
	uint32_t n;
	bool prime;
	uint32_t next;
	const char *why;
} prime_cases[] = {
	{ 0, false, 2, "zero is not prime; next_prime clamps to 2" },
	{ 1, false, 2, "one is not prime" },
	{ 2, true, 2, "the only even prime" },
	{ 3, true, 3, "smallest odd prime" },
	{ 4, false, 5, "smallest composite" },
	{ 9, false, 11, "odd square: the divisor equals sqrt(n)" },
	{ 13, true, 13, "small prime" },
	{ 65536, false, 65537, "2^16, next is the default table size" },
	{ 65537, true, 65537, "default table size (Fermat prime)" },
	{ 100000, false, 100003, "round number, gap of 3" },
	{ 100003, true, 100003, "prime" },
	{ 2147483647, true, 2147483647, "Mersenne prime 2^31 - 1" },
	{ 4293001441u, false, 4293001469u,
	  "65521^2: trial division must reach the largest 16-bit prime" },
	{ 4294836225u, false, 4294836241u, "65535^2, odd composite" },
	{ 4294967279u, true, 4294967279u, "second largest 32-bit prime" },
	{ 4294967280u, false, 4294967291u, "between the two largest primes" },
	{ 4294967291u, true, 4294967291u, "largest 32-bit prime" },
	{ 4294967292u, false, 0, "no 32-bit prime follows: 0 signals it" },
	{ 4294967295u, false, 0, "UINT32_MAX = 3 * 5 * 17 * 257 * 65537" },
};

static void primes_are_recognised_across_uint32(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(prime_cases); i++) {
		uint32_t n = prime_cases[i].n;

		if (maglev_is_prime(n) != prime_cases[i].prime)
			fail_msg("is_prime(%u): %s", n, prime_cases[i].why);
		if (maglev_next_prime(n) != prime_cases[i].next)
			fail_msg("next_prime(%u) = %u, want %u: %s", n,
				 maglev_next_prime(n), prime_cases[i].next,
				 prime_cases[i].why);
	}
}

/* Cross-check trial division against a sieve for every n below 100000. */
static void is_prime_agrees_with_a_sieve(void **state)
{
	enum { LIMIT = 100000 };
	bool *composite = calloc(LIMIT, sizeof(*composite));

	(void)state;
	assert_non_null(composite);
	composite[0] = composite[1] = true;
	for (uint32_t p = 2; p * p < LIMIT; p++)
		if (!composite[p])
			for (uint32_t m = p * p; m < LIMIT; m += p)
				composite[m] = true;
	for (uint32_t n = 0; n < LIMIT; n++)
		if (maglev_is_prime(n) != !composite[n])
			fail_msg("is_prime(%u) disagrees with the sieve", n);
	free(composite);
}

/* ---- arguments ---- */

static void bad_arguments_are_rejected(void **state)
{
	enum { N = 10, BIG = MAGLEV_MAX_BACKENDS + 1 };
	uint64_t *ids = calloc(BIG, sizeof(*ids));
	uint32_t w_first0[N] = { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	uint32_t w_last0[N] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 };
	uint16_t *t = table_new(MAGLEV_DEFAULT_SIZE);
	const struct {
		uint16_t *table;
		uint32_t size;
		const uint64_t *ids;
		const uint32_t *weights;
		unsigned n;
		const char *why;
	} cases[] = {
		{ NULL, 13, ids, NULL, N, "table NULL" },
		{ t, 13, NULL, NULL, N, "ids NULL" },
		{ t, 13, ids, NULL, 0, "no backends" },
		{ t, MAGLEV_DEFAULT_SIZE, ids, NULL, BIG,
		  "more backends than a uint16_t index can name" },
		{ t, 0, ids, NULL, 1, "size 0" },
		{ t, 1, ids, NULL, 1, "size 1 is not prime" },
		{ t, 65536, ids, NULL, N, "size not prime (even)" },
		{ t, 65535, ids, NULL, N, "size not prime (odd)" },
		{ t, 7, ids, NULL, N, "size prime but smaller than n" },
		{ t, 13, ids, w_first0, N, "first weight 0" },
		{ t, 13, ids, w_last0, N, "last weight 0" },
	};

	(void)state;
	assert_non_null(ids);
	fill_ids(ids, BIG);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		/* A rejected build must not touch the table, so a failed
		 * reload can keep serving from it. */
		memset(t, 0xa5, MAGLEV_DEFAULT_SIZE * sizeof(*t));
		int rc = maglev_build(cases[i].table, cases[i].size,
				      cases[i].ids, cases[i].weights,
				      cases[i].n);
		if (rc != -EINVAL)
			fail_msg("%s: rc %d, want -EINVAL", cases[i].why, rc);
		for (uint32_t s = 0; s < MAGLEV_DEFAULT_SIZE; s++)
			if (t[s] != 0xa5a5)
				fail_msg("%s: table written at %u",
					 cases[i].why, s);
	}
	free(t);
	free(ids);
}

/* ---- balance ---- */

struct config {
	unsigned n;
	uint32_t size;
	const uint32_t *weights; /* NULL: all 1 */
	const char *why;
};

static const uint32_t w1234[] = { 1, 2, 3, 4 };
static const uint32_t w1_10[] = { 1, 10 };
static const uint32_t w5111[] = { 5, 1, 1, 1 };
static const uint32_t w_big[] = { 3000000000u, 1000000000u, 4000000000u };

static const struct config configs[] = {
	{ 1, 2, NULL, "one backend, smallest table" },
	{ 2, MAGLEV_DEFAULT_SIZE, NULL, "two equal" },
	{ 3, MAGLEV_DEFAULT_SIZE, NULL, "three equal" },
	{ 10, MAGLEV_DEFAULT_SIZE, NULL, "ten equal" },
	/* The paper sizes the table at >= 100 slots per backend for 1%
	 * balance; 65537 < 100 * 100, so also check with a table that
	 * meets that bound. */
	{ 100, MAGLEV_DEFAULT_SIZE, NULL, "hundred equal, default size" },
	{ 100, 10007, NULL, "hundred equal, 100 slots each" },
	{ 4, MAGLEV_DEFAULT_SIZE, w1234, "weights 1:2:3:4" },
	{ 2, MAGLEV_DEFAULT_SIZE, w1_10, "weights 1:10" },
	{ 4, MAGLEV_DEFAULT_SIZE, w5111, "weights 5:1:1:1" },
	{ 3, MAGLEV_DEFAULT_SIZE, w_big,
	  "weights near UINT32_MAX, credit must not overflow" },
};

static double weight_share(const struct config *c, unsigned i)
{
	double sum = 0;

	if (c->weights == NULL)
		return 1.0 / c->n;
	for (unsigned j = 0; j < c->n; j++)
		sum += c->weights[j];
	return c->weights[i] / sum;
}

/* Build C and count each backend's slots into COUNT[0..n). */
static uint16_t *build_and_count(const struct config *c, unsigned *count)
{
	uint64_t ids[MAX_TEST_BACKENDS];
	uint16_t *t = table_new(c->size);

	fill_ids(ids, c->n);
	if (maglev_build(t, c->size, ids, c->weights, c->n) != 0)
		fail_msg("%s: build failed", c->why);
	memset(count, 0, c->n * sizeof(*count));
	for (uint32_t s = 0; s < c->size; s++) {
		if (t[s] >= c->n)
			fail_msg("%s: slot %u holds %u, n = %u", c->why, s,
				 t[s], c->n);
		count[t[s]]++;
	}
	return t;
}

static void every_slot_names_a_backend_and_every_backend_appears(void **state)
{
	unsigned count[MAX_TEST_BACKENDS];

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(configs); k++) {
		free(build_and_count(&configs[k], count));
		for (unsigned i = 0; i < configs[k].n; i++)
			if (count[i] == 0)
				fail_msg("%s: backend %u has no slot",
					 configs[k].why, i);
	}
}

static void shares_follow_weights_within_one_percent(void **state)
{
	unsigned count[MAX_TEST_BACKENDS];

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(configs); k++) {
		const struct config *c = &configs[k];
		double worst = 0;

		free(build_and_count(c, count));
		for (unsigned i = 0; i < c->n; i++) {
			double got = (double)count[i] / c->size;
			double err = got - weight_share(c, i);

			if (err < 0)
				err = -err;
			if (err > worst)
				worst = err;
			if (err >= 0.01)
				fail_msg("%s: backend %u has %.4f of the "
					 "table, want %.4f", c->why, i, got,
					 weight_share(c, i));
		}
		print_message("%-50s worst share error %.5f\n", c->why,
			      worst);
	}
}

/* The boundary the size >= n rule allows: every backend gets one slot even
 * when its weight alone would round to none. */
static void table_as_small_as_the_backend_count_gives_one_slot_each(
	void **state)
{
	enum { N = 13 };
	uint32_t weights[N];
	uint64_t ids[N];
	uint16_t t[N];
	unsigned count[N] = { 0 };

	(void)state;
	fill_ids(ids, N);
	for (unsigned i = 0; i < N; i++)
		weights[i] = i == 0 ? 1000000 : 1;
	assert_int_equal(maglev_build(t, N, ids, weights, N), 0);
	for (unsigned s = 0; s < N; s++) {
		assert_true(t[s] < N);
		count[t[s]]++;
	}
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(count[i], 1);
}

static void the_largest_backend_count_fits(void **state)
{
	enum { N = MAGLEV_MAX_BACKENDS };
	uint64_t *ids = calloc(N, sizeof(*ids));
	unsigned *count = calloc(N, sizeof(*count));
	uint16_t *t = table_new(MAGLEV_DEFAULT_SIZE);

	(void)state;
	assert_non_null(ids);
	assert_non_null(count);
	fill_ids(ids, N);
	assert_int_equal(maglev_build(t, MAGLEV_DEFAULT_SIZE, ids, NULL, N), 0);
	for (uint32_t s = 0; s < MAGLEV_DEFAULT_SIZE; s++) {
		assert_true(t[s] < N);
		count[t[s]]++;
	}
	/* 65537 slots over 65535 backends: one or two each. */
	for (unsigned i = 0; i < N; i++)
		assert_in_range(count[i], 1, 2);
	free(t);
	free(count);
	free(ids);
}

/* ---- determinism ---- */

static void same_inputs_build_identical_tables(void **state)
{
	unsigned count[MAX_TEST_BACKENDS];

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(configs); k++) {
		uint16_t *a = build_and_count(&configs[k], count);
		uint16_t *b = build_and_count(&configs[k], count);

		if (memcmp(a, b, configs[k].size * sizeof(*a)) != 0)
			fail_msg("%s: two builds differ", configs[k].why);
		free(a);
		free(b);
	}
}

/* Every steer instance behind the same ECMP group must send a flow to the
 * same backend, including across an upgrade: pin a few slots so a change to
 * the id hash or the population order shows up here, not in production.
 * The expected values are this implementation's own output, recorded when
 * it was checked against the properties above. */
static void table_layout_is_stable_across_releases(void **state)
{
	static const uint16_t want[] = {
		2, 4, 8, 3, 8, 2, 5, 3, 0, 1, 9, 3, 2, 7, 1, 0,
	};
	uint64_t ids[10];
	uint16_t t[MAGLEV_DEFAULT_SIZE];

	(void)state;
	fill_ids(ids, 10);
	assert_int_equal(maglev_build(t, MAGLEV_DEFAULT_SIZE, ids, NULL, 10),
			 0);
	for (size_t s = 0; s < ARRAY_SIZE(want); s++)
		if (t[s] != want[s])
			fail_msg("slot %zu: %u, was %u", s, t[s], want[s]);
}

/* ---- disruption ---- */

struct disruption {
	double changed;  /* slots whose backend changed */
	double shuffled; /* slots moved between backends present in both */
};

/* Compare the tables built from IDS_A and IDS_B (same size, all weights 1),
 * matching backends by id since their indexes shift. */
static struct disruption compare_builds(const uint64_t *ids_a, unsigned na,
					const uint64_t *ids_b, unsigned nb,
					uint32_t size)
{
	uint16_t *ta = table_new(size), *tb = table_new(size);
	bool a_in_b[MAX_TEST_BACKENDS + 1], b_in_a[MAX_TEST_BACKENDS + 1];
	unsigned changed = 0, shuffled = 0;

	assert_int_equal(maglev_build(ta, size, ids_a, NULL, na), 0);
	assert_int_equal(maglev_build(tb, size, ids_b, NULL, nb), 0);
	for (unsigned i = 0; i < na; i++) {
		a_in_b[i] = false;
		for (unsigned j = 0; j < nb; j++)
			a_in_b[i] |= ids_a[i] == ids_b[j];
	}
	for (unsigned j = 0; j < nb; j++) {
		b_in_a[j] = false;
		for (unsigned i = 0; i < na; i++)
			b_in_a[j] |= ids_b[j] == ids_a[i];
	}
	for (uint32_t s = 0; s < size; s++) {
		if (ids_a[ta[s]] == ids_b[tb[s]])
			continue;
		changed++;
		if (a_in_b[ta[s]] && b_in_a[tb[s]])
			shuffled++;
	}
	free(ta);
	free(tb);
	return (struct disruption){ (double)changed / size,
				    (double)shuffled / size };
}

static const unsigned disruption_ns[] = { 5, 10, 50 };

/* The paper's bound is for "small" disruption; 2% of the table moving
 * between survivors is what we allow for the N = 10 case the brief names,
 * and we hold the other sizes to it too. */
#define MAX_SHUFFLED 0.02

static void check_disruption(const char *what, unsigned n, unsigned k,
			     struct disruption d, unsigned n_changed)
{
	/* One backend in or out should move about its own share, 1/N of
	 * the larger set. */
	double share = 1.0 / n_changed;

	if (d.shuffled >= MAX_SHUFFLED)
		fail_msg("%s backend %u of %u: %.4f of slots moved between "
			 "survivors", what, k, n, d.shuffled);
	if (d.changed < 0.5 * share || d.changed > 2 * share)
		fail_msg("%s backend %u of %u: %.4f of slots changed, want "
			 "about %.4f", what, k, n, d.changed, share);
}

static void removing_a_backend_moves_little_else(void **state)
{
	uint64_t all[MAX_TEST_BACKENDS], rest[MAX_TEST_BACKENDS];

	(void)state;
	for (size_t x = 0; x < ARRAY_SIZE(disruption_ns); x++) {
		unsigned n = disruption_ns[x];
		struct disruption worst = { 0, 0 }, sum = { 0, 0 };

		fill_ids(all, n);
		for (unsigned k = 0; k < n; k++) {
			unsigned m = 0;

			for (unsigned i = 0; i < n; i++)
				if (i != k)
					rest[m++] = all[i];
			struct disruption d = compare_builds(
				all, n, rest, m, MAGLEV_DEFAULT_SIZE);
			check_disruption("removing", n, k, d, n);
			if (d.shuffled > worst.shuffled)
				worst.shuffled = d.shuffled;
			if (d.changed > worst.changed)
				worst.changed = d.changed;
			sum.changed += d.changed;
			sum.shuffled += d.shuffled;
		}
		print_message("remove 1 of %2u: changed mean %.4f max %.4f "
			      "(1/N %.4f), survivor->survivor mean %.4f "
			      "max %.4f\n", n, sum.changed / n, worst.changed,
			      1.0 / n, sum.shuffled / n, worst.shuffled);
	}
}

static void adding_a_backend_moves_little_else(void **state)
{
	uint64_t before[MAX_TEST_BACKENDS], after[MAX_TEST_BACKENDS + 1];

	(void)state;
	for (size_t x = 0; x < ARRAY_SIZE(disruption_ns); x++) {
		unsigned n = disruption_ns[x];
		struct disruption worst = { 0, 0 }, sum = { 0, 0 };

		/* Insert the newcomer at every position: its index shifts
		 * the others', which must not matter. */
		fill_ids(before, n);
		for (unsigned k = 0; k <= n; k++) {
			unsigned m = 0;

			for (unsigned i = 0; i <= n; i++)
				after[i] = i == k ? test_id(1000) :
						    before[m++];
			struct disruption d = compare_builds(
				before, n, after, n + 1, MAGLEV_DEFAULT_SIZE);
			check_disruption("adding", n, k, d, n + 1);
			if (d.shuffled > worst.shuffled)
				worst.shuffled = d.shuffled;
			if (d.changed > worst.changed)
				worst.changed = d.changed;
			sum.changed += d.changed;
			sum.shuffled += d.shuffled;
		}
		print_message("add 1 to %2u: changed mean %.4f max %.4f "
			      "(1/(N+1) %.4f), survivor->survivor mean %.4f "
			      "max %.4f\n", n, sum.changed / (n + 1),
			      worst.changed, 1.0 / (n + 1),
			      sum.shuffled / (n + 1), worst.shuffled);
	}
}

/* Health checks take a backend out with maglev_remove(): only its own
 * slots change, and they spread over the others by weight. (Putting it
 * back is starting again from the full table.) */
static void removing_a_backend_for_health_moves_only_its_slots(void **state)
{
	static const uint32_t w[] = { 1, 2, 3, 4, 1, 1, 1, 1, 1, 1 };
	uint64_t ids[10];
	bool gone[10];

	(void)state;
	fill_ids(ids, 10);
	for (unsigned weighted = 0; weighted < 2; weighted++) {
		const uint32_t *wt = weighted ? w : NULL;
		for (unsigned k = 0; k < 10; k++) {
			uint32_t size = MAGLEV_DEFAULT_SIZE;
			uint16_t *full = table_new(size), *t = table_new(size);
			unsigned got[10] = { 0 }, had[10] = { 0 };

			assert_int_equal(maglev_build(full, size, ids, wt, 10), 0);
			memcpy(t, full, size * sizeof(*t));
			memset(gone, 0, sizeof(gone));
			gone[k] = true;
			assert_int_equal(maglev_remove(t, size, ids, wt, 10, gone), 0);
			for (uint32_t s = 0; s < size; s++) {
				had[full[s]]++;
				got[t[s]]++;
				if (full[s] != k && t[s] != full[s])
					fail_msg("backend %u out: slot %u moved from %u to %u",
						 k, s, full[s], t[s]);
			}
			assert_int_equal(got[k], 0);
			/* each survivor takes about its weight's part of k's
			 * slots: within 1% of the table of its fair share */
			double sum_w = 0;
			for (unsigned i = 0; i < 10; i++)
				sum_w += i == k ? 0 : (wt ? wt[i] : 1);
			for (unsigned i = 0; i < 10; i++) {
				if (i == k)
					continue;
				double want = (wt ? wt[i] : 1) / sum_w;
				double share = (double)got[i] / size;
				if (share - want > 0.01 || want - share > 0.01)
					fail_msg("backend %u out: %u has %.4f, want %.4f",
						 k, i, share, want);
				assert_true(got[i] >= had[i]);
			}
			/* nothing gone: nothing moves */
			memcpy(t, full, size * sizeof(*t));
			memset(gone, 0, sizeof(gone));
			assert_int_equal(maglev_remove(t, size, ids, wt, 10, gone), 0);
			assert_memory_equal(t, full, size * sizeof(*t));
			free(full);
			free(t);
		}
	}
}

/* Two backends out at once, in either order of going: the same table as
 * both out together, and still only their slots moved. */
static void removing_two_backends_moves_only_theirs(void **state)
{
	uint64_t ids[5];
	bool gone[5] = { false, true, false, true, false };
	uint32_t size = 1009;
	uint16_t *full = table_new(size), *t = table_new(size);

	(void)state;
	fill_ids(ids, 5);
	assert_int_equal(maglev_build(full, size, ids, NULL, 5), 0);
	memcpy(t, full, size * sizeof(*t));
	assert_int_equal(maglev_remove(t, size, ids, NULL, 5, gone), 0);
	for (uint32_t s = 0; s < size; s++) {
		assert_true(t[s] != 1 && t[s] != 3);
		if (full[s] != 1 && full[s] != 3)
			assert_int_equal(t[s], full[s]);
	}
	free(full);
	free(t);
}

static void removing_every_backend_is_refused(void **state)
{
	uint64_t ids[3];
	bool all[3] = { true, true, true }, none[3] = { false, false, false };
	uint16_t t[101], copy[101];

	(void)state;
	fill_ids(ids, 3);
	assert_int_equal(maglev_build(t, 101, ids, NULL, 3), 0);
	memcpy(copy, t, sizeof(t));
	assert_int_equal(maglev_remove(t, 101, ids, NULL, 3, all), -ENOENT);
	assert_memory_equal(t, copy, sizeof(t));
	assert_int_equal(maglev_remove(t, 101, ids, NULL, 3, none), 0);
	assert_memory_equal(t, copy, sizeof(t));
	assert_int_equal(maglev_remove(NULL, 101, ids, NULL, 3, none), -EINVAL);
	assert_int_equal(maglev_remove(t, 101, ids, NULL, 0, none), -EINVAL);
	/* a table that is not of these backends */
	t[7] = 3;
	all[0] = false;
	assert_int_equal(maglev_remove(t, 101, ids, NULL, 3, all), -EINVAL);
}

/* ---- lookup ---- */

static void lookup_spreads_hashes_by_weight(void **state)
{
	enum { HASHES = 1000000 };
	static const struct config lookup_configs[] = {
		{ 10, MAGLEV_DEFAULT_SIZE, NULL, "ten equal" },
		{ 4, MAGLEV_DEFAULT_SIZE, w1234, "weights 1:2:3:4" },
	};
	unsigned count[MAX_TEST_BACKENDS];

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(lookup_configs); k++) {
		const struct config *c = &lookup_configs[k];
		unsigned hits[MAX_TEST_BACKENDS] = { 0 };
		uint16_t *t = build_and_count(c, count);

		/* Knuth's multiplicative hash of a counter: spread, but not
		 * random, like real flow hashes of sequential ports. */
		for (uint32_t i = 0; i < HASHES; i++)
			hits[maglev_lookup(t, c->size, i * 2654435761u)]++;
		for (unsigned i = 0; i < c->n; i++) {
			double got = (double)hits[i] / HASHES;
			double want = weight_share(c, i);

			if (got - want >= 0.01 || want - got >= 0.01)
				fail_msg("%s: backend %u got %.4f of "
					 "lookups, want %.4f", c->why, i,
					 got, want);
		}
		free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(primes_are_recognised_across_uint32),
		cmocka_unit_test(is_prime_agrees_with_a_sieve),
		cmocka_unit_test(bad_arguments_are_rejected),
		cmocka_unit_test(every_slot_names_a_backend_and_every_backend_appears),
		cmocka_unit_test(removing_a_backend_for_health_moves_only_its_slots),
		cmocka_unit_test(removing_two_backends_moves_only_theirs),
		cmocka_unit_test(removing_every_backend_is_refused),
		cmocka_unit_test(shares_follow_weights_within_one_percent),
		cmocka_unit_test(table_as_small_as_the_backend_count_gives_one_slot_each),
		cmocka_unit_test(the_largest_backend_count_fits),
		cmocka_unit_test(same_inputs_build_identical_tables),
		cmocka_unit_test(table_layout_is_stable_across_releases),
		cmocka_unit_test(removing_a_backend_moves_little_else),
		cmocka_unit_test(adding_a_backend_moves_little_else),
		cmocka_unit_test(lookup_spreads_hashes_by_weight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
