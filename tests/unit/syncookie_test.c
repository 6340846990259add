/* SYN cookie arithmetic (dataplane/syncookie.c): SipHash-2-4 against the
 * reference vector, and cookies that round-trip, age out, and refuse a
 * change of any field they cover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "syncookie.h"

static const uint64_t key[2] = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };
static const struct cookie_tuple tup = { 0x640012c6u, 0x010012c6u, 0x1027, 0x5000 };

static void siphash_matches_the_reference_vector(void **state)
{
	(void)state;
	uint8_t m[16];

	/* the SipHash paper's key 00..0f, message 00..0f (16 bytes) */
	for (int i = 0; i < 16; i++)
		m[i] = (uint8_t)i;
	assert_int_equal(siphash24_16(key, m), 0x3f2acc7f57c29bdbull);
}

static void cookie_round_trips_its_options(void **state)
{
	(void)state;
	static const struct { uint16_t mss_in, mss_out; int8_t ws; bool sack; } c[] = {
		{ 1460, 1460, 7, true }, { 1380, 1360, -1, false }, { 536, 536, 0, true },
		{ 100, 536, 14, false }, { 9000, 1460, 14, true }, { 1440, 1440, 3, false },
	};
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct cookie_opts o = { c[i].mss_in, c[i].ws, c[i].sack }, back;
		uint32_t isn = 0xfffffff0u + i * 0x10000000u;
		uint32_t k = cookie_make(key, &tup, isn, 1000000, &o, 32);
		assert_int_equal(o.mss, c[i].mss_out);
		assert_true(cookie_check(key, &tup, isn, k, 1000000 + 5000, &back, 32));
		assert_int_equal(back.mss, c[i].mss_out);
		assert_int_equal(back.wscale, c[i].ws);
		assert_int_equal(back.sack_ok, c[i].sack);
	}
}

static void cookie_is_good_for_one_to_two_periods(void **state)
{
	(void)state;
	struct cookie_opts o = { 1460, 7, true }, back;
	uint64_t t0 = 5ull << COOKIE_PERIOD_SHIFT;           /* a period's start */
	uint64_t p = 1ull << COOKIE_PERIOD_SHIFT;
	uint32_t k = cookie_make(key, &tup, 42, t0, &o, 32);

	assert_true(cookie_check(key, &tup, 42, k, t0 + p - 1, &back, 32));
	assert_true(cookie_check(key, &tup, 42, k, t0 + 2 * p - 1, &back, 32));
	assert_false(cookie_check(key, &tup, 42, k, t0 + 2 * p, &back, 32));
	assert_false(cookie_check(key, &tup, 42, k, t0 - 1, &back, 32));   /* future */
	/* the 8-bit period wraps: still good across it */
	uint64_t w = 255ull << COOKIE_PERIOD_SHIFT;
	k = cookie_make(key, &tup, 42, w, &o, 32);
	assert_true(cookie_check(key, &tup, 42, k, w + p, &back, 32));
}

static void cookie_refuses_any_changed_field(void **state)
{
	(void)state;
	struct cookie_opts o = { 1460, 7, true }, back;
	uint32_t k = cookie_make(key, &tup, 1000, 777777, &o, 32);
	struct cookie_tuple t = tup;
	uint64_t other[2] = { key[0], key[1] ^ 1 };

	assert_true(cookie_check(key, &tup, 1000, k, 777777, &back, 32));
	for (int d = -300; d <= 300; d++)
		if (d)
			assert_false(cookie_check(key, &tup, 1000, k + (uint32_t)d, 777777, &back, 32));
	assert_false(cookie_check(key, &tup, 1001, k, 777777, &back, 32));
	assert_false(cookie_check(other, &tup, 1000, k, 777777, &back, 32));
	t.c_port ^= 1;
	assert_false(cookie_check(key, &t, 1000, k, 777777, &back, 32));
	t = tup;
	t.c_ip ^= 0x100;
	assert_false(cookie_check(key, &t, 1000, k, 777777, &back, 32));
	t = tup;
	t.l_port ^= 0x8000;
	assert_false(cookie_check(key, &t, 1000, k, 777777, &back, 32));
}

/* A cluster node's cookie (owner.h): the low 27 bits of the ISN. */
static void cookie_in_27_bits_fits_round_trips_and_refuses_changes(void **state)
{
	(void)state;
	struct cookie_opts back;
	unsigned ok = 0;
	uint32_t x = 777;

	for (unsigned i = 0; i < 64; i++) {
		struct cookie_opts o = { (uint16_t)(536 + i * 15), (int8_t)(i % 16) - 1,
					 i & 1 };
		uint32_t isn = 0xfffffff0u + i * 0x01234567u;
		uint64_t now = 1000000 + i * 70000ull;
		uint32_t k = cookie_make(key, &tup, isn, now, &o, 27);
		assert_true(k < 1u << 27);
		assert_true(cookie_check(key, &tup, isn, k, now + 5000, &back, 27));
		assert_int_equal(back.mss, o.mss);
		assert_int_equal(back.wscale, o.wscale);
		assert_int_equal(back.sack_ok, o.sack_ok);
		/* 32-bit check of a 27-bit cookie, off by one, other ISN */
		assert_false(cookie_check(key, &tup, isn, k + 1, now, &back, 27));
		assert_false(cookie_check(key, &tup, isn + 1, k, now, &back, 27));
	}
	/* 11 hash bits: 2^-18 per guess; 2^20 guesses pass about 4 */
	for (unsigned i = 0; i < 1u << 20; i++) {
		x = x * 1664525u + 1013904223u;
		ok += cookie_check(key, &tup, 1000, x & ((1u << 27) - 1), 777777, &back, 27);
	}
	assert_in_range(ok, 0, 20);
}

static void random_guesses_almost_never_pass(void **state)
{
	(void)state;
	struct cookie_opts back;
	unsigned ok = 0;
	uint32_t x = 12345;

	/* A guess passes when its top byte lands on one of the two periods
	 * accepted and its low 16 bits on the hash: 2^-23. In 2^21 tries
	 * about 0.25 pass; a check of the data bits alone would pass ~32. */
	for (unsigned i = 0; i < 1u << 21; i++) {
		x = x * 1664525u + 1013904223u;
		ok += cookie_check(key, &tup, 1000, x, 777777, &back, 32);
	}
	assert_in_range(ok, 0, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash_matches_the_reference_vector),
		cmocka_unit_test(cookie_round_trips_its_options),
		cmocka_unit_test(cookie_is_good_for_one_to_two_periods),
		cmocka_unit_test(cookie_refuses_any_changed_field),
		cmocka_unit_test(cookie_in_27_bits_fits_round_trips_and_refuses_changes),
		cmocka_unit_test(random_guesses_almost_never_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
