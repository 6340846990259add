/* steer-gen's HTTP messages (tools/gen/gen_http.c): what it writes parses
 * back, every truncated prefix is "incomplete", malformed input is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gen_http.h"

static void request_round_trips_and_every_prefix_is_incomplete(void **state)
{
	char buf[GEN_HDR_MAX];
	struct gen_req r = { "POST", "www.example.test", "/up?x=1",
			     "x-telepresence-intercept-id: 7f3a:alice-web\r\n", 3000, true };
	struct gen_http_msg m;
	(void)state;
	size_t n = gen_req_build(buf, sizeof(buf), &r, "0000002a-0001");
	assert_true(n > 0);
	assert_int_equal(gen_http_parse(buf, n, false, "x-telepresence-intercept-id", &m), (int)n);
	assert_int_equal(m.method.len, 4);
	assert_memory_equal(m.path.p, "/up?x=1", 7);
	assert_int_equal(m.content_length, 3000);
	assert_true(m.close);
	assert_int_equal(m.id.len, GEN_ID_LEN);
	assert_memory_equal(m.echo.p, "7f3a:alice-web", m.echo.len);
	for (size_t i = 0; i < n; i++) {
		/* each prefix alone in a heap block: ASan sees over-reads */
		char *p = malloc(i + 1);
		memcpy(p, buf, i);
		assert_int_equal(gen_http_parse(p, i, false, NULL, &m), -2);
		free(p);
	}
}

static void response_round_trips(void **state)
{
	char buf[GEN_HDR_MAX];
	struct gen_http_msg m;
	(void)state;
	size_t n = gen_resp_build(buf, sizeof(buf), "web-a", "00000001-0002", "v",
				  "198.18.0.10", 256, false);
	assert_int_equal(gen_http_parse(buf, n, true, NULL, &m), (int)n);
	assert_int_equal(m.status, 200);
	assert_int_equal(m.served_by.len, 5);
	assert_memory_equal(m.served_by.p, "web-a", 5);
	assert_memory_equal(m.id.p, "00000001-0002", GEN_ID_LEN);
	assert_memory_equal(m.echo.p, "v", 1);
	assert_int_equal(m.forwarded_for.len, 11);
	assert_memory_equal(m.forwarded_for.p, "198.18.0.10", 11);
	assert_int_equal(m.content_length, 256);
	assert_false(m.close);
	/* nothing to echo: no X-Echo or X-Echo-For line */
	n = gen_resp_build(buf, sizeof(buf), "web-a", "00000001-0002", "", "", 0, true);
	assert_int_equal(gen_http_parse(buf, n, true, NULL, &m), (int)n);
	assert_int_equal(m.echo.len, 0);
	assert_int_equal(m.forwarded_for.len, 0);
	assert_true(m.close);
}

/* steerd appends X-Forwarded-For and a preview's intercept header to
 * every request; a server must tell one line from two. */
static void request_keeps_forwarded_for_and_marks_repeated_lines(void **state)
{
	static const struct { const char *in, *echo, *fwd, *why; } t[] = {
		{ "GET / HTTP/1.1\r\nX-Forwarded-For: 198.18.0.10\r\n\r\n", "", "198.18.0.10",
		  "one line of each" },
		{ "GET / HTTP/1.1\r\nx-forwarded-for: 1.2.3.4\r\n"
		  "X-Forwarded-For: 198.18.0.10\r\n\r\n", "", GEN_REPEATED,
		  "injected twice, or after the client's own" },
		{ "GET / HTTP/1.1\r\nx-telepresence-intercept-id: a\r\n"
		  "X-Telepresence-Intercept-Id: a\r\n\r\n", GEN_REPEATED, "",
		  "intercept header injected next to the client's" },
		{ "GET / HTTP/1.1\r\nX-Forwarded-For:\r\n\r\n", "", "",
		  "an empty value is there, but empty" },
	};
	struct gen_http_msg m;
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int n = gen_http_parse(t[i].in, strlen(t[i].in), false,
				       "x-telepresence-intercept-id", &m);
		if (n != (int)strlen(t[i].in))
			fail_msg("%s: parse %d", t[i].why, n);
		if (m.echo.len != strlen(t[i].echo) ||
		    memcmp(m.echo.p ? m.echo.p : "", t[i].echo, m.echo.len) != 0 ||
		    m.forwarded_for.len != strlen(t[i].fwd) ||
		    memcmp(m.forwarded_for.p ? m.forwarded_for.p : "", t[i].fwd,
			   m.forwarded_for.len) != 0)
			fail_msg("%s: echo '%.*s' fwd '%.*s'", t[i].why, (int)m.echo.len,
				 m.echo.p ? m.echo.p : "", (int)m.forwarded_for.len,
				 m.forwarded_for.p ? m.forwarded_for.p : "");
	}
}

static void router_error_response_parses_without_served_by(void **state)
{
	const char *s = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
			"Connection: close\r\n\r\n";
	struct gen_http_msg m;
	(void)state;
	assert_int_equal(gen_http_parse(s, strlen(s), true, NULL, &m), (int)strlen(s));
	assert_int_equal(m.status, 503);
	assert_int_equal(m.served_by.len, 0);
}

static void malformed_headers_are_refused(void **state)
{
	static const struct { const char *in; bool resp; const char *why; } cases[] = {
		{ "HTTP/1.1 20 OK\r\n\r\n", true, "two-digit status" },
		{ "HTTX/1.1 200 OK\r\n\r\n", true, "not HTTP" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", true, "bad length" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", true,
		  "two lengths" },
		{ "HTTP/1.1 200 OK\r\nX-Served-By : a\r\n\r\n", true, "space before colon" },
		{ "HTTP/1.1 200 OK\r\nnocolon\r\n\r\n", true, "no colon" },
		{ "GET /\r\n\r\n", false, "no version" },
		{ "GET  HTTP/1.1\r\n\r\n", false, "empty target" },
	};
	struct gen_http_msg m;
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (gen_http_parse(cases[i].in, strlen(cases[i].in), cases[i].resp,
				   NULL, &m) != -1)
			fail_msg("accepted: %s", cases[i].why);
}

static void oversized_incomplete_header_is_an_error(void **state)
{
	char buf[GEN_HDR_MAX];
	struct gen_http_msg m;
	(void)state;
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(gen_http_parse(buf, sizeof(buf), true, NULL, &m), -1);
	assert_int_equal(gen_http_parse(buf, sizeof(buf) - 1, true, NULL, &m), -2);
}

static void body_pattern_checks_at_any_offset(void **state)
{
	uint8_t b[100];
	(void)state;
	gen_body_fill(b, 25, sizeof(b));
	assert_int_equal(b[0], 'z');
	assert_int_equal(b[1], 'a');
	assert_true(gen_body_check(b, 25, sizeof(b)));
	assert_true(gen_body_check(b + 30, 55, 70));
	assert_false(gen_body_check(b, 24, sizeof(b)));
	b[50] ^= 1;
	assert_false(gen_body_check(b, 25, sizeof(b)));
}

/* The slowloris stream: the request line and Host, then the same header
 * line forever, the same bytes at an offset however it is cut, and never
 * the empty line that would end the header. */
static void slowloris_stream_never_ends_its_header(void **state)
{
	char pre[128];
	uint8_t whole[4096], part[4096];
	(void)state;
	size_t plen = gen_slow_prefix(pre, sizeof(pre), "www.example.test");
	assert_int_equal(plen, strlen("GET / HTTP/1.1\r\nHost: www.example.test\r\n"));
	assert_int_equal(gen_slow_prefix(pre, 10, "www.example.test"), 0);
	plen = gen_slow_prefix(pre, sizeof(pre), "www.example.test");
	gen_slow_fill(whole, 0, sizeof(whole), pre, (uint32_t)plen);
	assert_memory_equal(whole, pre, plen);
	assert_memory_equal(whole + plen, GEN_SLOW_LINE, GEN_SLOW_LINE_LEN);
	assert_memory_equal(whole + plen + 7 * GEN_SLOW_LINE_LEN, GEN_SLOW_LINE,
			    GEN_SLOW_LINE_LEN);
	assert_int_equal(strlen(GEN_SLOW_LINE), GEN_SLOW_LINE_LEN);
	for (size_t i = 0; i + 4 <= sizeof(whole); i++)
		if (memcmp(whole + i, "\r\n\r\n", 4) == 0)
			fail_msg("the header ends at %zu", i);
	struct gen_http_msg m;
	assert_int_equal(gen_http_parse((const char *)whole, 1000, false, NULL, &m), -2);
	/* cut anywhere: the same bytes */
	for (uint32_t off = 0; off < 200; off += 7) {
		gen_slow_fill(part, off, 300, pre, (uint32_t)plen);
		assert_memory_equal(part, whole + off, 300);
	}
}

static void status_of_a_response_prefix(void **state)
{
	static const struct { const char *in; int want; } t[] = {
		{ "HTTP/1.1 408 Request Timeout\r\n", 408 },
		{ "HTTP/1.0 431", 431 },
		{ "HTTP/1.1 40", -1 },             /* too few bytes yet */
		{ "HTTP/2.0 200 OK", -1 },
		{ "HTTP/1.1 4x8 ", -1 },
		{ "GET / HTTP/1.1", -1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (gen_http_status(t[i].in, strlen(t[i].in)) != t[i].want)
			fail_msg("'%s': want %d", t[i].in, t[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_round_trips_and_every_prefix_is_incomplete),
		cmocka_unit_test(response_round_trips),
		cmocka_unit_test(request_keeps_forwarded_for_and_marks_repeated_lines),
		cmocka_unit_test(router_error_response_parses_without_served_by),
		cmocka_unit_test(malformed_headers_are_refused),
		cmocka_unit_test(oversized_incomplete_header_is_an_error),
		cmocka_unit_test(body_pattern_checks_at_any_offset),
		cmocka_unit_test(slowloris_stream_never_ends_its_header),
		cmocka_unit_test(status_of_a_response_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
