/* steer-gen's latency histogram (tools/gen/gen_hist.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "gen_hist.h"

static struct gen_hist h;

static void small_values_are_exact(void **state)
{
	(void)state;
	memset(&h, 0, sizeof(h));
	for (uint64_t v = 1; v <= 10; v++)
		gen_hist_add(&h, v);
	assert_int_equal(gen_hist_quantile(&h, 0.5), 5);
	assert_int_equal(gen_hist_quantile(&h, 0.9), 9);
	assert_int_equal(gen_hist_quantile(&h, 1.0), 10);
	assert_int_equal(gen_hist_quantile(&h, 0.001), 1);
}

static void percentiles_of_a_uniform_range_are_within_the_bucket_error(void **state)
{
	static const double q[] = { 0.5, 0.9, 0.99, 0.999 };
	(void)state;
	memset(&h, 0, sizeof(h));
	for (uint64_t v = 1; v <= 100000; v++)
		gen_hist_add(&h, v);
	for (unsigned i = 0; i < 4; i++) {
		double want = q[i] * 100000, got = (double)gen_hist_quantile(&h, q[i]);
		/* never below the true value, at most one bucket (1/16) above */
		if (got < want || got > want * (1 + 1.0 / 16))
			fail_msg("q%.3f: %.0f, want %.0f", q[i], got, want);
	}
	assert_int_equal(h.max, 100000);
}

static void one_outlier_shows_in_p999_only(void **state)
{
	(void)state;
	memset(&h, 0, sizeof(h));
	for (int i = 0; i < 999; i++)
		gen_hist_add(&h, 100);
	gen_hist_add(&h, 1000000);
	assert_true(gen_hist_quantile(&h, 0.99) <= 103);
	assert_true(gen_hist_quantile(&h, 0.999) <= 103);
	assert_int_equal(gen_hist_quantile(&h, 1.0), 1000000);
}

static void empty_and_merged(void **state)
{
	struct gen_hist a = { 0 }, b = { 0 };
	(void)state;
	assert_int_equal(gen_hist_quantile(&a, 0.5), 0);
	gen_hist_add(&a, 10);
	gen_hist_add(&b, 5000);
	gen_hist_merge(&a, &b);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.max, 5000);
	assert_int_equal(gen_hist_quantile(&a, 0.5), 10);
	gen_hist_add(&a, UINT64_MAX);   /* the top bucket exists */
	assert_int_equal(gen_hist_quantile(&a, 1.0), UINT64_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_values_are_exact),
		cmocka_unit_test(percentiles_of_a_uniform_range_are_within_the_bucket_error),
		cmocka_unit_test(one_outlier_shows_in_p999_only),
		cmocka_unit_test(empty_and_merged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
