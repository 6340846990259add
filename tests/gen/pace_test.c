/* The flood's pacer (tools/gen/gen_pace.c) on a made-up clock: exact
 * long-run rates however it is polled, bounded catch-up after a stall, no
 * overflow at the extremes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gen_pace.h"

#define GHZ 1000000000ull

/* Poll P from T0 for SPAN ticks in steps drawn from 1..MAX_STEP (a
 * fixed sequence), taking at most TAKE a time; returns the frames taken. */
static uint64_t run(struct gen_pace *p, uint64_t t0, uint64_t span,
		    uint64_t max_step, uint32_t take)
{
	uint64_t r = 88172645463325252ull, t = t0, n = 0;

	while (t < t0 + span) {
		r ^= r << 13; r ^= r >> 7; r ^= r << 17;
		uint64_t step = 1 + r % max_step;
		t = t + step > t0 + span ? t0 + span : t + step;
		n += gen_pace_take(p, t, take);
	}
	return n;
}

static void long_run_sends_exactly_the_rate(void **state)
{
	static const struct { uint64_t rate, hz, span, step; uint32_t burst; uint64_t want; const char *why; } t[] = {
		{ 1000, GHZ, 10 * GHZ, 1000000, 32, 10000, "1000/s for 10 s, polled every <= 1 ms" },
		{ 3, GHZ, GHZ, 1000, 1, 3, "a rate that does not divide the clock" },
		{ 3, GHZ, GHZ / 3 + 1, 100000, 1, 1, "a third of a second plus a tick: one" },
		{ 3, GHZ, GHZ / 3, 100000, 1, 0, "a third of a second minus nothing: none yet" },
		{ 100000, 2400000000ull, 24000000000ull, 50000, 64, 1000000,
		  "100k/s on a 2.4 GHz TSC for 10 s, polled at ~50k/s" },
		{ 10000000, 3000000000ull, 3000000000ull, 600, 32, 10000000,
		  "the maximum rate for a second, polled every 200 ns" },
		{ 7, 1, 5, 1, 100, 35, "a clock slower than the rate" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct gen_pace p;
		gen_pace_init(&p, t[i].rate, t[i].hz, t[i].burst, 12345);
		uint64_t n = run(&p, 12345, t[i].span, t[i].step, UINT32_MAX);
		if (n != t[i].want)
			fail_msg("case %zu: %llu, want %llu (%s)", i, (unsigned long long)n,
				 (unsigned long long)t[i].want, t[i].why);
	}
}

static void a_stall_catches_up_by_at_most_the_burst(void **state)
{
	struct gen_pace p;
	(void)state;
	gen_pace_init(&p, 1000000, GHZ, 32, 0);
	/* 5 s without a poll: 5 million owed, 32 go */
	assert_int_equal(gen_pace_take(&p, 5 * GHZ, UINT32_MAX), 32);
	assert_int_equal(gen_pace_take(&p, 5 * GHZ, UINT32_MAX), 0);
	/* then the rate again: 1 µs, one frame */
	assert_int_equal(gen_pace_take(&p, 5 * GHZ + 1000, UINT32_MAX), 1);
	/* a stall shorter than the burst loses nothing */
	assert_int_equal(gen_pace_take(&p, 5 * GHZ + 1000 + 20000, UINT32_MAX), 20);
}

static void a_take_limited_by_max_keeps_the_rest(void **state)
{
	struct gen_pace p;
	(void)state;
	gen_pace_init(&p, 1000, GHZ, 100, 0);
	assert_int_equal(gen_pace_take(&p, GHZ / 10, 30), 30);  /* 100 owed */
	assert_int_equal(gen_pace_take(&p, GHZ / 10, 30), 30);
	assert_int_equal(gen_pace_take(&p, GHZ / 10, 1000), 40);
	assert_int_equal(gen_pace_take(&p, GHZ / 10, 1000), 0);
	/* a loop that can send only 8 per poll still sends the rate */
	gen_pace_init(&p, 100000, GHZ, 64, 0);
	assert_int_equal(run(&p, 0, GHZ, 50000, 8), 100000);
}

static void zero_rate_and_a_clock_going_back_send_nothing(void **state)
{
	struct gen_pace p;
	(void)state;
	gen_pace_init(&p, 0, GHZ, 32, 0);
	assert_int_equal(gen_pace_take(&p, 100 * GHZ, UINT32_MAX), 0);
	gen_pace_init(&p, 1000, GHZ, 32, 10 * GHZ);
	assert_int_equal(gen_pace_take(&p, 5 * GHZ, UINT32_MAX), 0);
	/* and time counts again from the latest clock seen, not the earlier */
	assert_int_equal(gen_pace_take(&p, 10 * GHZ + GHZ / 100, UINT32_MAX), 10);
}

static void extreme_clocks_do_not_overflow(void **state)
{
	struct gen_pace p;
	(void)state;
	/* a rate above the maximum is clamped to it */
	gen_pace_init(&p, UINT64_MAX, 1ull << 40, 1u << 20, 0);
	assert_int_equal(p.rate, GEN_PACE_MAX_RATE);
	assert_int_equal(gen_pace_take(&p, UINT64_MAX, UINT32_MAX), 1u << 20);
	assert_int_equal(gen_pace_take(&p, UINT64_MAX, UINT32_MAX), 0);
	gen_pace_init(&p, GEN_PACE_MAX_RATE, 1ull << 40, 1u << 20, 0);
	/* one tick under a whole second: everything but the last frame is
	 * owed, capped at the burst */
	assert_int_equal(gen_pace_take(&p, (1ull << 40) - 1, UINT32_MAX), 1u << 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(long_run_sends_exactly_the_rate),
		cmocka_unit_test(a_stall_catches_up_by_at_most_the_burst),
		cmocka_unit_test(a_take_limited_by_max_keeps_the_rest),
		cmocka_unit_test(zero_rate_and_a_clock_going_back_send_nothing),
		cmocka_unit_test(extreme_clocks_do_not_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
