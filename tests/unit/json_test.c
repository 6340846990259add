/* JSON parser and writer: RFC 8259 documents are accepted with the right
 * nodes and values, everything else is refused with a reason, the limits
 * hold, and what the writer produces parses back to the same values.
 * Inputs are copied into buffers of their exact size so that ASan catches
 * any read past the end. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_NODES 256

/* A literal with its length, so cases may hold NUL bytes. */
#define T(s) s, sizeof(s) - 1

struct good_case {
	const char *text;
	size_t len;
	const char *canon;        /* canonical compact form, see canon() */
	int nodes;
	const char *why;
};

static const struct good_case good[] = {
	{ T("null"), "null", 1, "literal null" },
	{ T("true"), "true", 1, "literal true" },
	{ T("false"), "false", 1, "literal false" },
	{ T("0"), "0", 1, "a single zero is not a leading zero" },
	{ T("-0"), "-0", 1, "negative zero keeps its sign" },
	{ T("123"), "123", 1, "integer" },
	{ T("-123.5e2"), "-12350", 1, "fraction and exponent" },
	{ T("1E+2"), "100", 1, "capital E and explicit plus" },
	{ T("1e-2"), "0.01", 1, "negative exponent" },
	{ T("0.5"), "0.5", 1, "zero then fraction" },
	{ T("9007199254740993"), "9007199254740992", 1,
	  "integers beyond 2^53 are rounded like any double" },
	{ T("123456789012345678901234567890"), "1.2345678901234568e+29", 1,
	  "long integer becomes a double" },
	{ T("1e-400"), "0", 1, "underflow is zero, not an error" },
	{ T("[1e308,-1.7976931348623157e308]"), "[1e+308,-1.7976931348623157e+308]", 3,
	  "largest doubles" },
	{ T("\"\""), "\"\"", 1, "empty string" },
	{ T("\"abc\""), "\"abc\"", 1, "plain string" },
	{ T("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""),
	  "\"\\\"\\\\/\\u0008\\u000c\\u000a\\u000d\\u0009\"", 1,
	  "every short escape" },
	{ T("\"\\u0041\\u00e9\\u20AC\""), "\"A\xc3\xa9\xe2\x82\xac\"", 1,
	  "\\u escapes of 1, 2 and 3 UTF-8 bytes, either case" },
	{ T("\"\\ud83d\\ude00\""), "\"\xf0\x9f\x98\x80\"", 1,
	  "a surrogate pair is one 4-byte code point" },
	{ T("\"\\uDBFF\\uDFFF\""), "\"\xf4\x8f\xbf\xbf\"", 1, "U+10FFFF, the last code point" },
	{ T("\"\\uffff\""), "\"\xef\xbf\xbf\"", 1, "a noncharacter is still a character" },
	{ T("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""),
	  "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 1, "raw UTF-8 passes" },
	{ T("\"\x7f\""), "\"\x7f\"", 1, "DEL is not a control character to JSON" },
	{ T("\"\\u0000\""), "\"\\u0000\"", 1, "an escaped NUL parses (but does not copy)" },
	{ T("[]"), "[]", 1, "empty array" },
	{ T("{}"), "{}", 1, "empty object" },
	{ T(" [ 1 , 2 , 3 ] "), "[1,2,3]", 4, "whitespace around everything" },
	{ T("\t\r\n {\"k\" : \"v\"} \n"), "{\"k\":\"v\"}", 2, "all four whitespace characters" },
	{ T("{\"a\":1,\"b\":[true,false,null]}"), "{\"a\":1,\"b\":[true,false,null]}", 6,
	  "nested array in an object" },
	{ T("[[[]]]"), "[[[]]]", 3, "nested empty arrays" },
	{ T("{\"a\":{\"b\":{\"c\":{}}}}"), "{\"a\":{\"b\":{\"c\":{}}}}", 4, "nested objects" },
	{ T("[\"a\",{\"b\":[]},3]"), "[\"a\",{\"b\":[]},3]", 5, "mixed array" },
	{ T("{\"a\":1,\"a\":2}"), "{\"a\":1,\"a\":2}", 3,
	  "duplicate names are allowed by RFC 8259 section 4" },
	{ T("{\"\\u0061b\":\"x\"}"), "{\"ab\":\"x\"}", 2, "escaped member name" },
	{ T("{\"\":0}"), "{\"\":0}", 2, "empty member name" },
	{ T("{\"cmd\":\"intercept.add\",\"name\":\"dave-web\",\"headers\":"
	    "[{\"name\":\"x-id\",\"value\":\"9c1d:dave-web\"}]}"),
	  "{\"cmd\":\"intercept.add\",\"name\":\"dave-web\",\"headers\":"
	  "[{\"name\":\"x-id\",\"value\":\"9c1d:dave-web\"}]}", 7,
	  "a control request" },
};

struct bad_case {
	const char *text;
	size_t len;
	const char *err;          /* expected substring of the message */
	const char *why;
};

static const struct bad_case bad[] = {
	{ T(""), "value expected", "empty input" },
	{ T("   "), "value expected", "only whitespace" },
	{ T("[1,]"), "unexpected character", "trailing comma in an array" },
	{ T("{\"a\":1,}"), "member name expected", "trailing comma in an object" },
	{ T("[1,,2]"), "unexpected character", "empty element" },
	{ T("[1 2]"), "',' or ']' expected", "missing comma" },
	{ T("{\"a\" 1}"), "':' expected", "missing colon" },
	{ T("{a:1}"), "member name expected", "unquoted name" },
	{ T("{'a':1}"), "member name expected", "single quotes" },
	{ T("{1:1}"), "member name expected", "a number is no name" },
	{ T("// c\n1"), "unexpected character", "line comment" },
	{ T("/* c */ 1"), "unexpected character", "block comment" },
	{ T("[1] // c"), "trailing characters", "comment after the value" },
	{ T("NaN"), "unexpected character", "NaN" },
	{ T("Infinity"), "unexpected character", "Infinity" },
	{ T("-Infinity"), "invalid number", "negative Infinity" },
	{ T("01"), "leading zero", "leading zero" },
	{ T("-01"), "leading zero", "negative leading zero" },
	{ T("1."), "digit expected after '.'", "dot without digits" },
	{ T(".5"), "unexpected character", "no integer part" },
	{ T("1e"), "digit expected in exponent", "empty exponent" },
	{ T("1e+"), "digit expected in exponent", "signed empty exponent" },
	{ T("+1"), "unexpected character", "plus sign" },
	{ T("-"), "invalid number", "lone minus" },
	{ T("0x10"), "trailing characters", "hex" },
	{ T("1e400"), "number out of range", "overflow has no JSON form" },
	{ T("\"abc"), "unterminated string", "unterminated string" },
	{ T("\"\\"), "unterminated string", "backslash at the end" },
	{ T("\"\\x41\""), "invalid escape", "\\x is not JSON" },
	{ T("\"\\'\""), "invalid escape", "\\' is not JSON" },
	{ T("\"\\u12\""), "invalid \\u escape", "short \\u" },
	{ T("\"\\u12"), "unterminated string", "\\u cut by the end" },
	{ T("\"\\ud800\""), "lone high surrogate", "high surrogate alone" },
	{ T("\"\\udc00\""), "lone low surrogate", "low surrogate alone" },
	{ T("\"\\ud800\\u0041\""), "lone high surrogate", "high surrogate then a letter" },
	{ T("\"\\ud800\\ud800\""), "lone high surrogate", "two high surrogates" },
	{ T("\"a\tb\""), "control character", "raw tab in a string" },
	{ T("\"\x01\""), "control character", "raw control character" },
	{ T("\"a\0b\""), "control character", "raw NUL in a string" },
	{ T("\"\xff\""), "invalid UTF-8", "0xff is never UTF-8" },
	{ T("\"\xc0\x80\""), "invalid UTF-8", "overlong NUL" },
	{ T("\"\xe0\x80\xaf\""), "invalid UTF-8", "overlong slash" },
	{ T("\"\xed\xa0\x80\""), "invalid UTF-8", "UTF-8-encoded surrogate" },
	{ T("\"\xf4\x90\x80\x80\""), "invalid UTF-8", "beyond U+10FFFF" },
	{ T("\"\xc3\""), "invalid UTF-8", "truncated sequence" },
	{ T("\"\x80\""), "invalid UTF-8", "lone continuation byte" },
	{ T("tru"), "invalid literal", "truncated true" },
	{ T("nul"), "invalid literal", "truncated null" },
	{ T("True"), "unexpected character", "literals are lowercase" },
	{ T("[1]x"), "trailing characters", "junk after the value" },
	{ T("{} {}"), "trailing characters", "two values" },
	{ T("["), "value expected", "unterminated array" },
	{ T("[1"), "unterminated array", "array without its bracket" },
	{ T("{\"a\":1"), "unterminated object", "object without its brace" },
	{ T("]"), "unexpected character", "closing bracket alone" },
	{ T("[1}"), "',' or ']' expected", "mismatched brackets" },
	{ T("[1,\0 2]"), "unexpected character", "NUL between values" },
	{ T("\xc2\xa0 1"), "unexpected character", "NBSP is not JSON whitespace" },
	{ T("\f1"), "unexpected character", "form feed is not JSON whitespace" },
	{ T("\xef\xbb\xbf{}"), "unexpected character", "byte order mark" },
};

/* Parse LEN bytes copied into a buffer of exactly that size. The nodes
 * point into it: with KEEP, the caller gets it to free after use. */
static int parse_exact(const char *text, size_t len, struct json_node *nodes,
		       unsigned max, const char **err, char **keep)
{
	char *b = malloc(len ? len : 1);
	int n;

	assert_non_null(b);
	memcpy(b, text, len);
	n = json_parse(b, len, nodes, max, err);
	if (keep != NULL)
		*keep = b;
	else
		free(b);
	return n;
}

/* Integers as integers, anything else in the shortest %g form that reads
 * back as V. */
static void put_number(struct jw *w, double v)
{
	char b[40];

	if (v == (double)(long long)v && v < 1e17 && v > -1e17) {
		snprintf(b, sizeof(b), "%.0f", v);
	} else {
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(b, sizeof(b), "%.*g", prec, v);
			if (strtod(b, NULL) == v)
				break;
		}
	}
	jw_raw(w, b, strlen(b));
}

/* Unescaped copy of a raw string (a key or a string node's contents). */
static int copy_raw(const char *s, uint32_t len, char *buf, size_t n)
{
	struct json_node t = { .type = JSON_STRING, .str = s, .str_len = len };

	return json_str_copy(&t, buf, n);
}

/* N written back through the writer, with values in one canonical form:
 * what a case expects, independent of the input's spelling. */
static void canon(const struct json_node *nodes, const struct json_node *n,
		  struct jw *w)
{
	static char buf[4096];
	int k;

	switch (n->type) {
	case JSON_NULL:
		jw_null(w);
		break;
	case JSON_BOOL:
		jw_bool(w, n->boolean);
		break;
	case JSON_NUMBER:
		put_number(w, n->number);
		break;
	case JSON_STRING:
		if ((k = json_str_copy(n, buf, sizeof(buf))) >= 0) {
			jw_strn(w, buf, (size_t)k);
		} else {
			/* holds \u0000: the raw form is valid JSON */
			char *q = malloc(n->str_len + 2);

			assert_non_null(q);
			q[0] = '"';
			memcpy(q + 1, n->str, n->str_len);
			q[n->str_len + 1] = '"';
			jw_raw(w, q, n->str_len + 2);
			free(q);
		}
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (n->type == JSON_ARRAY)
			jw_arr_begin(w);
		else
			jw_obj_begin(w);
		for (uint32_t i = 0; i < n->n_children; i++) {
			const struct json_node *c = json_child(nodes, n, i);

			assert_non_null(c);
			if (n->type == JSON_OBJECT) {
				assert_true(copy_raw(c->key, c->key_len, buf,
						     sizeof(buf)) >= 0);
				jw_key(w, buf);
			} else {
				assert_null(c->key);
			}
			canon(nodes, c, w);
		}
		if (n->type == JSON_ARRAY)
			jw_arr_end(w);
		else
			jw_obj_end(w);
		break;
	}
}

static void valid_documents_parse_to_the_expected_values(void **state)
{
	struct json_node nodes[MAX_NODES];
	unsigned failed = 0;

	(void)state;
	assert_true(ARRAY_SIZE(good) >= 30);
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		const struct good_case *t = &good[i];
		const char *err = "unset";
		struct jw w;
		char *b;
		int n = parse_exact(t->text, t->len, nodes, MAX_NODES, &err, &b);

		if (n < 0) {
			print_error("case %zu (%s): rejected: %s\n", i, t->why, err);
			failed++;
			free(b);
			continue;
		}
		jw_init(&w);
		canon(nodes, &nodes[0], &w);
		free(b);
		assert_false(w.failed);
		if (n != t->nodes || err != NULL || strcmp(w.buf, t->canon) != 0) {
			print_error("case %zu (%s): %d nodes, want %d\n  got  %s\n  want %s\n",
				    i, t->why, n, t->nodes, w.buf, t->canon);
			failed++;
		}
		jw_free(&w);
	}
	if (failed > 0)
		fail_msg("%u of %zu valid documents misjudged", failed, ARRAY_SIZE(good));
}

static void invalid_documents_are_rejected_with_a_reason(void **state)
{
	struct json_node nodes[MAX_NODES];
	unsigned failed = 0;

	(void)state;
	assert_true(ARRAY_SIZE(bad) >= 30);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		const struct bad_case *t = &bad[i];
		const char *err = NULL;
		int n = parse_exact(t->text, t->len, nodes, MAX_NODES, &err, NULL);

		if (n >= 0) {
			print_error("case %zu (%s): accepted\n", i, t->why);
			failed++;
		} else if (err == NULL || strstr(err, t->err) == NULL) {
			print_error("case %zu (%s): got \"%s\", want \"%s\"\n", i,
				    t->why, err ? err : "(null)", t->err);
			failed++;
		}
	}
	if (failed > 0)
		fail_msg("%u of %zu invalid documents misjudged", failed, ARRAY_SIZE(bad));
}

/* picohttpparser's discipline: every prefix of every input, each ending
 * against the end of its allocation, parses or fails without reading
 * beyond it. */
static void every_prefix_parses_or_fails_cleanly(void **state)
{
	struct json_node nodes[MAX_NODES];
	const char *err;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		for (size_t k = 0; k <= good[i].len; k++)
			if (parse_exact(good[i].text, k, nodes, MAX_NODES, &err, NULL) < 0)
				assert_non_null(err);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		for (size_t k = 0; k <= bad[i].len; k++)
			if (parse_exact(bad[i].text, k, nodes, MAX_NODES, &err, NULL) < 0)
				assert_non_null(err);
}

/* DEPTH arrays nested around a 0, or around nothing. */
static char *nested(unsigned depth, bool inner_value)
{
	char *s = malloc(2 * depth + 2);
	size_t o = 0;

	assert_non_null(s);
	for (unsigned i = 0; i < depth; i++)
		s[o++] = '[';
	if (inner_value)
		s[o++] = '0';
	for (unsigned i = 0; i < depth; i++)
		s[o++] = ']';
	s[o] = '\0';
	return s;
}

static void depth_32_parses_and_depth_33_fails(void **state)
{
	struct json_node nodes[MAX_NODES];
	const char *err;
	char *s;

	(void)state;
	s = nested(32, true);
	assert_int_equal(json_parse(s, strlen(s), nodes, MAX_NODES, &err), 33);
	free(s);
	s = nested(32, false);
	assert_int_equal(json_parse(s, strlen(s), nodes, MAX_NODES, &err), 32);
	free(s);
	s = nested(33, false);
	assert_int_equal(json_parse(s, strlen(s), nodes, MAX_NODES, &err), -1);
	assert_string_equal(err, "nested too deeply");
	free(s);
	/* objects count the same as arrays: {"a":[ is two levels */
	s = malloc(16 * 8 + 2);
	assert_non_null(s);
	s[0] = '\0';
	for (int i = 0; i < 16; i++)
		strcat(s, "{\"a\":[");
	strcat(s, "0");
	for (int i = 0; i < 16; i++)
		strcat(s, "]}");
	assert_int_equal(json_parse(s, strlen(s), nodes, MAX_NODES, &err), 33);
	free(s);
	s = malloc(16 * 8 + 16);
	assert_non_null(s);
	strcpy(s, "[");
	for (int i = 0; i < 16; i++)
		strcat(s, "{\"a\":[");
	strcat(s, "0");
	for (int i = 0; i < 16; i++)
		strcat(s, "]}");
	strcat(s, "]");
	assert_int_equal(json_parse(s, strlen(s), nodes, MAX_NODES, &err), -1);
	assert_string_equal(err, "nested too deeply");
	free(s);
	/* very deep input fails at the limit, not by exhausting the stack */
	s = nested(100000, false);
	assert_int_equal(json_parse(s, strlen(s), nodes, MAX_NODES, &err), -1);
	assert_string_equal(err, "nested too deeply");
	free(s);
}

static void node_limit_is_exact(void **state)
{
	struct json_node nodes[4];
	const char *err;

	(void)state;
	assert_int_equal(json_parse("[1,2,3]", 7, nodes, 4, &err), 4);
	assert_null(err);
	assert_int_equal(json_parse("[1,2,3]", 7, nodes, 3, &err), -1);
	assert_string_equal(err, "too many values");
	assert_int_equal(json_parse("{\"a\":{}}", 8, nodes, 1, &err), -1);
	assert_int_equal(json_parse("0", 1, NULL, 0, &err), -1);
	assert_string_equal(err, "too many values");
	assert_int_equal(json_parse("0", 1, nodes, 1, NULL), 1);
}

static void nodes_link_children_in_order(void **state)
{
	static const char doc[] = "{\"a\":[10,20,30],\"b\":{\"c\":true},\"d\":\"x\"}";
	struct json_node nodes[16];
	const struct json_node *a, *b, *d;
	const char *err;

	(void)state;
	assert_int_equal(json_parse(doc, sizeof(doc) - 1, nodes, 16, &err), 8);
	assert_int_equal(nodes[0].type, JSON_OBJECT);
	assert_int_equal(nodes[0].n_children, 3);
	assert_int_equal(nodes[0].next, 0);
	assert_null(nodes[0].key);

	a = json_get(nodes, &nodes[0], "a");
	assert_non_null(a);
	assert_int_equal(a->type, JSON_ARRAY);
	assert_int_equal(a->n_children, 3);
	assert_int_equal(a->key_len, 1);
	assert_ptr_equal(a->key, doc + 2);
	for (uint32_t i = 0; i < 3; i++)
		assert_true(json_child(nodes, a, i)->number == 10.0 * (i + 1));
	assert_null(json_child(nodes, a, 3));
	assert_null(json_child(nodes, json_child(nodes, a, 0), 0));

	b = json_get(nodes, &nodes[0], "b");
	assert_int_equal(b->type, JSON_OBJECT);
	assert_true(json_get(nodes, b, "c")->boolean);
	assert_null(json_get(nodes, b, "a"));
	assert_null(json_get(nodes, a, "a"));        /* not an object */

	d = json_get(nodes, &nodes[0], "d");
	assert_int_equal(d->type, JSON_STRING);
	assert_ptr_equal(d->str, strstr(doc, "x\""));
	assert_int_equal(d->str_len, 1);
	assert_false(d->escaped);
	assert_int_equal(d->next, 0);
	assert_ptr_equal(json_child(nodes, &nodes[0], 2), d);

	assert_null(json_get(nodes, &nodes[0], ""));
	assert_null(json_get(nodes, &nodes[0], "ab"));
}

static void json_get_compares_unescaped_names(void **state)
{
	static const char doc[] =
		"{\"a\\u0062\":1,\"\\\"q\\\"\":2,\"\\u00e9\":3,\"x\\ny\":4,\"a\":5,\"a\":6}";
	struct json_node nodes[16];
	const char *err;

	(void)state;
	assert_int_equal(json_parse(doc, sizeof(doc) - 1, nodes, 16, &err), 7);
	assert_true(json_get(nodes, &nodes[0], "ab")->number == 1);
	assert_true(json_get(nodes, &nodes[0], "\"q\"")->number == 2);
	assert_true(json_get(nodes, &nodes[0], "\xc3\xa9")->number == 3);
	assert_true(json_get(nodes, &nodes[0], "x\ny")->number == 4);
	/* of duplicates, the first */
	assert_true(json_get(nodes, &nodes[0], "a")->number == 5);
	assert_null(json_get(nodes, &nodes[0], "a\\u0062"));
	assert_null(json_get(nodes, &nodes[0], "abc"));
	assert_null(json_get(nodes, &nodes[0], "\xc3"));
}

static void str_copy_unescapes_and_checks_room(void **state)
{
	static const char doc[] = "[\"a\\tb\\u00e9\\ud83d\\ude00\",\"\\u0000\",\"abc\"]";
	struct json_node nodes[8];
	char buf[16];
	const char *err;

	(void)state;
	assert_int_equal(json_parse(doc, sizeof(doc) - 1, nodes, 8, &err), 4);
	assert_true(nodes[1].escaped);
	assert_int_equal(json_str_copy(&nodes[1], buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "a\tb\xc3\xa9\xf0\x9f\x98\x80", 10);
	/* exactly room for the string and its NUL, then one byte less */
	assert_int_equal(json_str_copy(&nodes[1], buf, 10), 9);
	assert_int_equal(json_str_copy(&nodes[1], buf, 9), -1);
	assert_int_equal(json_str_copy(&nodes[1], buf, 5), -1);
	/* an embedded NUL would cut every C string */
	assert_int_equal(json_str_copy(&nodes[2], buf, sizeof(buf)), -1);
	assert_int_equal(json_str_copy(&nodes[3], buf, 4), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(json_str_copy(&nodes[3], buf, 3), -1);
	assert_int_equal(json_str_copy(&nodes[3], buf, 0), -1);
	assert_int_equal(json_str_copy(&nodes[0], buf, sizeof(buf)), -1);
	assert_int_equal(json_str_copy(NULL, buf, sizeof(buf)), -1);
}

/* json_int: integers inside +-9.2e18 only, checked before any cast (a
 * cast out of range is undefined: UBSan reports it) */
static void int_accepts_integers_in_range_only(void **state)
{
	static const char doc[] = "[0,-7,9000000000000000000,1.5,3e23,-3e23,"
				  "1e308,\"1\",null,-9000000000000000000]";
	struct json_node nodes[16];
	const char *err;
	long long v = 42;

	(void)state;
	assert_int_equal(json_parse(doc, sizeof(doc) - 1, nodes, 16, &err), 11);
	assert_true(json_int(&nodes[1], &v));
	assert_int_equal(v, 0);
	assert_true(json_int(&nodes[2], &v));
	assert_int_equal(v, -7);
	assert_true(json_int(&nodes[3], &v));
	assert_true(v == 9000000000000000000LL);
	v = 42;
	for (int i = 4; i <= 9; i++)
		assert_false(json_int(&nodes[i], &v));
	assert_int_equal(v, 42);
	assert_true(json_int(&nodes[10], &v));
	assert_true(v == -9000000000000000000LL);
	assert_false(json_int(NULL, &v));
}

static void writer_builds_compact_nested_json(void **state)
{
	struct jw w;

	(void)state;
	jw_init(&w);
	assert_non_null(w.buf);
	assert_string_equal(w.buf, "");
	jw_obj_begin(&w);
	jw_key(&w, "ok");
	jw_bool(&w, true);
	jw_key(&w, "n");
	jw_int(&w, LLONG_MIN);
	jw_key(&w, "u");
	jw_uint(&w, ULLONG_MAX);
	jw_key(&w, "list");
	jw_arr_begin(&w);
	jw_obj_begin(&w);
	jw_obj_end(&w);
	jw_arr_begin(&w);
	jw_arr_end(&w);
	jw_null(&w);
	jw_obj_begin(&w);
	jw_key(&w, "a");
	jw_arr_begin(&w);
	jw_int(&w, 1);
	jw_int(&w, 2);
	jw_arr_end(&w);
	jw_key(&w, "b");
	jw_str(&w, "x");
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_key(&w, "raw");
	jw_raw(&w, "{\"x\":[1]}", 9);
	jw_key(&w, "f");
	jw_bool(&w, false);
	jw_obj_end(&w);
	assert_false(w.failed);
	assert_string_equal(w.buf,
		"{\"ok\":true,\"n\":-9223372036854775808,\"u\":18446744073709551615,"
		"\"list\":[{},[],null,{\"a\":[1,2],\"b\":\"x\"}],"
		"\"raw\":{\"x\":[1]},\"f\":false}");
	assert_int_equal(w.len, strlen(w.buf));
	jw_free(&w);
	assert_null(w.buf);
	jw_free(&w);
}

/* A reply may be a bare scalar: no comma before the first value. */
static void writer_handles_top_level_scalars(void **state)
{
	struct jw w;

	(void)state;
	jw_init(&w);
	jw_str(&w, "s");
	assert_string_equal(w.buf, "\"s\"");
	jw_free(&w);
	jw_init(&w);
	jw_int(&w, -5);
	assert_string_equal(w.buf, "-5");
	jw_free(&w);
}

static void writer_escapes_and_parser_unescapes_back(void **state)
{
	static const char raw[] = "q\"b\\s/\x01\x1f\n\r\t\x7f \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	struct json_node nodes[4];
	const char *err;
	char buf[64];
	struct jw w;

	(void)state;
	jw_init(&w);
	jw_str(&w, raw);
	assert_string_equal(w.buf,
		"\"q\\\"b\\\\s/\\u0001\\u001f\\u000a\\u000d\\u0009\x7f "
		"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	assert_int_equal(json_parse(w.buf, w.len, nodes, 4, &err), 1);
	assert_true(nodes[0].escaped);
	assert_int_equal(json_str_copy(&nodes[0], buf, sizeof(buf)), sizeof(raw) - 1);
	assert_string_equal(buf, raw);
	jw_free(&w);

	/* with jw_strn, a NUL is data, escaped as \u0000 */
	jw_init(&w);
	jw_strn(&w, "a\0b", 3);
	assert_string_equal(w.buf, "\"a\\u0000b\"");
	assert_int_equal(json_parse(w.buf, w.len, nodes, 4, &err), 1);
	jw_free(&w);

	/* keys are escaped the same way */
	jw_init(&w);
	jw_obj_begin(&w);
	jw_key(&w, "k\"\n");
	jw_int(&w, 1);
	jw_obj_end(&w);
	assert_string_equal(w.buf, "{\"k\\\"\\u000a\":1}");
	assert_int_equal(json_parse(w.buf, w.len, nodes, 4, &err), 2);
	assert_non_null(json_get(nodes, &nodes[0], "k\"\n"));
	jw_free(&w);
}

/* Invalid UTF-8 (a message quoting a Latin-1 config line, say) becomes
 * U+FFFD per bad byte, so the reply stays valid JSON. */
static void writer_replaces_invalid_utf8(void **state)
{
	struct json_node nodes[2];
	const char *err;
	struct jw w;

	(void)state;
	jw_init(&w);
	jw_str(&w, "caf\xe9 \xc3\xa9 \xed\xa0\x80 \xc3");
	assert_string_equal(w.buf,
		"\"caf\xef\xbf\xbd \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\"");
	assert_int_equal(json_parse(w.buf, w.len, nodes, 2, &err), 1);
	jw_free(&w);
}

/* Every valid case, written back in canonical form, parses to the same
 * canonical form: the writer's output is the parser's input. */
static void writer_output_round_trips_through_the_parser(void **state)
{
	struct json_node nodes[MAX_NODES], again[MAX_NODES];
	const char *err;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct jw w1, w2;
		char *b;
		int n = json_parse(good[i].text, good[i].len, nodes, MAX_NODES, &err);

		assert_int_equal(n, good[i].nodes);
		jw_init(&w1);
		canon(nodes, &nodes[0], &w1);
		assert_int_equal(parse_exact(w1.buf, w1.len, again, MAX_NODES, &err, &b), n);
		jw_init(&w2);
		canon(again, &again[0], &w2);
		free(b);
		assert_string_equal(w1.buf, w2.buf);
		jw_free(&w1);
		jw_free(&w2);
	}
}

static void writer_grows_for_large_documents(void **state)
{
	enum { N = 20000 };
	struct json_node *nodes = calloc(N + 1, sizeof(*nodes));
	const char *err;
	struct jw w;

	(void)state;
	assert_non_null(nodes);
	jw_init(&w);
	jw_arr_begin(&w);
	for (unsigned i = 0; i < N; i++)
		jw_str(&w, "0123456789abcdef");
	jw_arr_end(&w);
	assert_false(w.failed);
	assert_int_equal(w.len, 2 + N * 18 + (N - 1));
	assert_true(w.cap > w.len);
	assert_int_equal(json_parse(w.buf, w.len, nodes, N + 1, &err), N + 1);
	assert_int_equal(nodes[0].n_children, N);
	assert_int_equal(json_parse(w.buf, w.len, nodes, N, &err), -1);
	jw_free(&w);
	free(nodes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_documents_parse_to_the_expected_values),
		cmocka_unit_test(invalid_documents_are_rejected_with_a_reason),
		cmocka_unit_test(every_prefix_parses_or_fails_cleanly),
		cmocka_unit_test(depth_32_parses_and_depth_33_fails),
		cmocka_unit_test(node_limit_is_exact),
		cmocka_unit_test(nodes_link_children_in_order),
		cmocka_unit_test(json_get_compares_unescaped_names),
		cmocka_unit_test(str_copy_unescapes_and_checks_room),
		cmocka_unit_test(int_accepts_integers_in_range_only),
		cmocka_unit_test(writer_builds_compact_nested_json),
		cmocka_unit_test(writer_handles_top_level_scalars),
		cmocka_unit_test(writer_escapes_and_parser_unescapes_back),
		cmocka_unit_test(writer_replaces_invalid_utf8),
		cmocka_unit_test(writer_output_round_trips_through_the_parser),
		cmocka_unit_test(writer_grows_for_large_documents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
