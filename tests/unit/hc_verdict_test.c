/* Health verdicts: sequences of check results, connect failures and time,
 * each step with the state it must leave and whether it changed it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hc_verdict.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum ev { PASS, FAIL, PASSIVE, TICK, END };

struct step {
	enum ev ev;
	uint64_t at;              /* ms */
	uint32_t n;               /* FAIL: reason; PASSIVE: failures in a row */
	uint16_t status;          /* FAIL */
	bool changed;
	const char *state;        /* "up", "down", "unchecked" */
};

struct seq {
	const char *why;
	bool active;
	uint32_t rise, fall;
	struct step steps[16];
};

#define S(...) { __VA_ARGS__ }

static const struct seq seqs[] = {
	{ "fall failures in a row take it down, rise passes bring it back",
	  true, 2, 3, {
		S(PASS, 0, 0, 0, false, "up"),
		S(FAIL, 1000, HC_R_status, 500, false, "up"),
		S(FAIL, 2000, HC_R_timeout, 0, false, "up"),
		S(FAIL, 3000, HC_R_rst, 0, true, "down"),
		S(FAIL, 4000, HC_R_rst, 0, false, "down"),
		S(PASS, 5000, 0, 0, false, "down"),
		S(PASS, 6000, 0, 0, true, "up"),
		S(END, 0, 0, 0, false, NULL) } },
	{ "a pass in between starts the count again", true, 2, 3, {
		S(FAIL, 0, HC_R_timeout, 0, false, "up"),
		S(FAIL, 1000, HC_R_timeout, 0, false, "up"),
		S(PASS, 2000, 0, 0, false, "up"),
		S(FAIL, 3000, HC_R_timeout, 0, false, "up"),
		S(FAIL, 4000, HC_R_timeout, 0, false, "up"),
		S(FAIL, 5000, HC_R_timeout, 0, true, "down"),
		S(PASS, 6000, 0, 0, false, "down"),
		S(FAIL, 7000, HC_R_timeout, 0, false, "down"),
		S(PASS, 8000, 0, 0, false, "down"),
		S(PASS, 9000, 0, 0, true, "up"),
		S(END, 0, 0, 0, false, NULL) } },
	{ "rise = fall = 1 flips on every result", true, 1, 1, {
		S(FAIL, 0, HC_R_status, 503, true, "down"),
		S(PASS, 100, 0, 0, true, "up"),
		S(FAIL, 200, HC_R_bad_response, 0, true, "down"),
		S(END, 0, 0, 0, false, NULL) } },
	{ "passive failures take an actively checked backend down until checks pass",
	  true, 2, 3, {
		S(PASS, 0, 0, 0, false, "up"),
		S(PASSIVE, 10, 2, 0, false, "up"),
		S(PASSIVE, 20, 3, 0, true, "down"),
		S(TICK, 60000, 0, 0, false, "down"),
		S(PASS, 61000, 0, 0, false, "down"),
		S(PASS, 62000, 0, 0, true, "up"),
		S(END, 0, 0, 0, false, NULL) } },
	{ "without active checks: three connect failures, then a 10 s hold",
	  false, 0, 0, {
		S(PASSIVE, 0, 2, 0, false, "unchecked"),
		S(PASSIVE, 10, 3, 0, true, "down"),
		S(TICK, 10009, 0, 0, false, "down"),
		S(PASSIVE, 10009, 7, 0, false, "down"),
		S(TICK, 10010, 0, 0, true, "unchecked"),
		S(PASSIVE, 10020, 3, 0, true, "down"),
		S(END, 0, 0, 0, false, NULL) } },
	{ "time alone never brings back an actively checked backend", true, 2, 3, {
		S(FAIL, 0, HC_R_rst, 0, false, "up"),
		S(FAIL, 1, HC_R_rst, 0, false, "up"),
		S(FAIL, 2, HC_R_rst, 0, true, "down"),
		S(TICK, 1000000, 0, 0, false, "down"),
		S(END, 0, 0, 0, false, NULL) } },
};

static void run(const struct seq *q)
{
	struct hc_params p;
	struct hc_verdict v;

	hc_params_of(&p, q->active, q->rise, q->fall);
	hc_verdict_init(&v, 0);
	for (const struct step *s = q->steps; s->ev != END; s++) {
		bool changed = false;
		switch (s->ev) {
		case PASS:
			changed = hc_verdict_check(&v, &p, HC_R_none, 0, s->at);
			break;
		case FAIL:
			changed = hc_verdict_check(&v, &p, s->n, s->status, s->at);
			break;
		case PASSIVE:
			changed = hc_verdict_passive(&v, &p, s->n, s->at);
			break;
		case TICK:
			changed = hc_verdict_tick(&v, &p, s->at);
			break;
		case END:
			break;
		}
		if (changed != s->changed ||
		    strcmp(hc_verdict_state(&v, &p), s->state) != 0)
			fail_msg("%s: step %td at %llu ms: %s%s, want %s%s", q->why,
				 s - q->steps, (unsigned long long)s->at,
				 hc_verdict_state(&v, &p), changed ? " (changed)" : "",
				 s->state, s->changed ? " (changed)" : "");
	}
}

static void verdicts_follow_rise_fall_and_the_passive_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(seqs); i++)
		run(&seqs[i]);
}

static void the_last_failure_is_kept_with_its_reason_and_time(void **state)
{
	struct hc_params p;
	struct hc_verdict v;

	(void)state;
	hc_params_of(&p, true, 2, 3);
	hc_verdict_init(&v, 5);
	assert_false(v.failed);
	hc_verdict_check(&v, &p, HC_R_status, 500, 100);
	hc_verdict_check(&v, &p, HC_R_none, 0, 200);
	assert_true(v.failed);
	assert_int_equal(v.reason, HC_R_status);
	assert_int_equal(v.status, 500);
	assert_int_equal(v.failed_at, 100);
	assert_int_equal(v.checks, 2);
	assert_int_equal(v.check_fails, 1);
	assert_int_equal(v.oks, 1);
	hc_verdict_passive(&v, &p, 3, 300);
	assert_int_equal(v.reason, HC_R_connect_failed);
	assert_int_equal(v.failed_at, 300);
	assert_int_equal(v.oks, 0);
	assert_true(v.down && v.passive);
	assert_int_equal(v.since, 300);
	assert_int_equal(v.downs, 1);
	assert_string_equal(hc_reason_names[HC_R_connect_failed], "connect_failed");
	assert_string_equal(hc_reason_names[HC_R_bad_response], "bad_response");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verdicts_follow_rise_fall_and_the_passive_rules),
		cmocka_unit_test(the_last_failure_is_kept_with_its_reason_and_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
