/* Minimal JSON (RFC 8259) for the control protocol: the parser.
 *
 * The parser is a recursive descent over (text, len) that never allocates:
 * every value becomes one node of the caller's array, linked to its parent
 * by first/next indexes, and strings point into the input. Recursion is
 * bounded by JSON_DEPTH_MAX, the work by the input length (each byte is
 * looked at a bounded number of times), the memory by MAX nodes: a client
 * of the control socket cannot make steerd use more than the caller
 * decided.
 *
 * It is strict on purpose (a control request is either exactly right or
 * refused whole): no comments, no trailing commas, no NaN/Infinity, no
 * leading zeros, no raw control characters or invalid UTF-8 in strings, no
 * lone surrogates, nothing but whitespace after the value. Duplicate member
 * names are accepted, as RFC 8259 section 4 allows; json_get() returns the
 * first.
 *
 * The writer is json_write.c's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json-int.h"

/* Nesting of arrays and objects; bounds the parser's recursion. */
#define JSON_DEPTH_MAX 32

/* Longest number we convert. RFC 8259 section 9 lets an implementation
 * limit the range and precision of numbers; no control request needs more
 * than a few digits, and the bound keeps the strtod() copy on the stack. */
#define JSON_NUMBER_MAX 256

struct jp {
	const char *p;            /* next byte */
	const char *end;
	struct json_node *nodes;
	unsigned max;
	unsigned n;               /* nodes used */
	const char *err;
};

static bool is_ws(char c)
{
	/* RFC 8259 section 2: exactly these four */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(struct jp *j)
{
	while (j->p < j->end && is_ws(*j->p))
		j->p++;
}

static int fail(struct jp *j, const char *why)
{
	if (j->err == NULL)
		j->err = why;
	return -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at P (P + 4 <= END checked by the caller), or -1. */
static long hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* Length of the well-formed UTF-8 sequence at P (< END), or 0. The table is
 * RFC 3629 section 4: no overlong forms, no surrogates (U+D800..DFFF), no
 * code point above U+10FFFF. */
unsigned json_utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	unsigned n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (unsigned i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* A string whose opening quote was just consumed: checks it (RFC 8259
 * section 7) and leaves J->p after the closing quote. */
static int scan_string(struct jp *j, const char **str, uint32_t *len,
		       bool *escaped)
{
	const char *s = j->p;

	*escaped = false;
	while (j->p < j->end) {
		unsigned char c = (unsigned char)*j->p;

		if (c == '"') {
			if ((size_t)(j->p - s) > UINT32_MAX)
				return fail(j, "string too long");
			*str = s;
			*len = (uint32_t)(j->p - s);
			j->p++;
			return 0;
		}
		if (c < 0x20)
			return fail(j, "control character in string");
		if (c >= 0x80) {
			unsigned n = json_utf8_len((const unsigned char *)j->p,
						   (const unsigned char *)j->end);

			if (n == 0)
				return fail(j, "invalid UTF-8 in string");
			j->p += n;
			continue;
		}
		j->p++;
		if (c != '\\')
			continue;
		*escaped = true;
		if (j->p >= j->end)
			break;
		c = (unsigned char)*j->p++;
		if (strchr("\"\\/bfnrt", c) != NULL && c != '\0')
			continue;
		if (c != 'u')
			return fail(j, "invalid escape in string");
		for (int i = 0; i < 4 && j->p + i < j->end; i++)
			if (hexval(j->p[i]) < 0)
				return fail(j, "invalid \\u escape in string");
		if (j->end - j->p < 4)
			break;
		long u = hex4(j->p);

		j->p += 4;
		if (u >= 0xdc00 && u <= 0xdfff)
			return fail(j, "lone low surrogate in string");
		if (u < 0xd800 || u > 0xdbff)
			continue;
		/* A high surrogate must be followed by a low one: UTF-16
		 * pairs (RFC 8259 section 7) are the only way to escape a
		 * code point above U+FFFF. */
		if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
		    (u = hex4(j->p + 2)) < 0xdc00 || u > 0xdfff)
			return fail(j, "lone high surrogate in string");
		j->p += 6;
	}
	return fail(j, "unterminated string");
}

/* RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int scan_number(struct jp *j, double *out)
{
	const char *s = j->p;
	char buf[JSON_NUMBER_MAX + 1];
	size_t n;

#define DIGIT() (j->p < j->end && *j->p >= '0' && *j->p <= '9')
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (!DIGIT())
		return fail(j, "invalid number");
	if (*j->p++ == '0' && DIGIT())
		return fail(j, "leading zero in number");
	while (DIGIT())
		j->p++;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!DIGIT())
			return fail(j, "digit expected after '.'");
		while (DIGIT())
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!DIGIT())
			return fail(j, "digit expected in exponent");
		while (DIGIT())
			j->p++;
	}
#undef DIGIT
	n = (size_t)(j->p - s);
	if (n > JSON_NUMBER_MAX)
		return fail(j, "number too long");
	/* strtod() needs a terminated string; the grammar above already
	 * rejected everything it would accept beyond JSON (hex, inf, nan,
	 * a locale's decimal comma cannot occur: steerd runs in "C"). */
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtod(buf, NULL);
	/* Overflow gives HUGE_VAL, which no writer could print back as
	 * JSON; underflow to 0 or a denormal is fine. */
	if (errno == ERANGE && (*out > 1.0 || *out < -1.0))
		return fail(j, "number out of range");
	return 0;
}

static int literal(struct jp *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return fail(j, "invalid literal");
	j->p += n;
	return 0;
}

static int new_node(struct jp *j, enum json_type type)
{
	if (j->n >= j->max)
		return fail(j, "too many values");
	memset(&j->nodes[j->n], 0, sizeof(j->nodes[j->n]));
	j->nodes[j->n].type = type;
	return (int)j->n++;
}

static int parse_value(struct jp *j, unsigned depth);

/* The members of the array or object at node IDX, whose opening bracket
 * was just consumed. */
static int parse_children(struct jp *j, int idx, unsigned depth)
{
	bool obj = j->nodes[idx].type == JSON_OBJECT;
	char close = obj ? '}' : ']';
	uint32_t prev = 0;

	if (depth >= JSON_DEPTH_MAX)
		return fail(j, "nested too deeply");
	skip_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		const char *key = NULL;
		uint32_t key_len = 0;
		bool esc;
		int c;

		if (obj) {
			skip_ws(j);
			if (j->p >= j->end || *j->p != '"')
				return fail(j, "member name expected");
			j->p++;
			if (scan_string(j, &key, &key_len, &esc) != 0)
				return -1;
			skip_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return fail(j, "':' expected");
			j->p++;
		}
		if ((c = parse_value(j, depth + 1)) < 0)
			return -1;
		j->nodes[c].key = key;
		j->nodes[c].key_len = key_len;
		if (prev == 0)
			j->nodes[idx].first = (uint32_t)c;
		else
			j->nodes[prev].next = (uint32_t)c;
		prev = (uint32_t)c;
		j->nodes[idx].n_children++;
		skip_ws(j);
		if (j->p >= j->end)
			return fail(j, obj ? "unterminated object" :
					     "unterminated array");
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		if (*j->p != ',')
			return fail(j, obj ? "',' or '}' expected" :
					     "',' or ']' expected");
		j->p++;
		/* no trailing comma: a value (or member) must follow */
	}
}

/* One value with its leading whitespace; returns its node index. */
static int parse_value(struct jp *j, unsigned depth)
{
	struct json_node *nd;
	int idx;

	skip_ws(j);
	if (j->p >= j->end)
		return fail(j, "value expected");
	switch (*j->p) {
	case '{':
	case '[':
		if ((idx = new_node(j, *j->p == '{' ? JSON_OBJECT : JSON_ARRAY)) < 0)
			return -1;
		j->p++;
		return parse_children(j, idx, depth) == 0 ? idx : -1;
	case '"':
		if ((idx = new_node(j, JSON_STRING)) < 0)
			return -1;
		nd = &j->nodes[idx];
		j->p++;
		return scan_string(j, &nd->str, &nd->str_len, &nd->escaped) == 0 ?
			idx : -1;
	case 't':
	case 'f':
		if ((idx = new_node(j, JSON_BOOL)) < 0)
			return -1;
		j->nodes[idx].boolean = *j->p == 't';
		return literal(j, *j->p == 't' ? "true" : "false") == 0 ? idx : -1;
	case 'n':
		if ((idx = new_node(j, JSON_NULL)) < 0)
			return -1;
		return literal(j, "null") == 0 ? idx : -1;
	default:
		if (*j->p != '-' && (*j->p < '0' || *j->p > '9'))
			return fail(j, "unexpected character");
		if ((idx = new_node(j, JSON_NUMBER)) < 0)
			return -1;
		return scan_number(j, &j->nodes[idx].number) == 0 ? idx : -1;
	}
}

int json_parse(const char *text, size_t len, struct json_node *nodes,
	       unsigned max, const char **err)
{
	/* the count is returned as an int */
	struct jp j = { .p = text, .end = text ? text + len : NULL,
			.nodes = nodes, .max = max < INT32_MAX ? max : INT32_MAX };

	if (text == NULL || (nodes == NULL && max > 0)) {
		fail(&j, "no input");
	} else if (parse_value(&j, 0) == 0) {
		skip_ws(&j);
		if (j.p == j.end) {
			if (err != NULL)
				*err = NULL;
			return (int)j.n;
		}
		fail(&j, "trailing characters after the value");
	}
	if (err != NULL)
		*err = j.err;
	return -1;
}

const struct json_node *json_child(const struct json_node *nodes,
				   const struct json_node *n, uint32_t i)
{
	uint32_t c;

	if (n == NULL || (n->type != JSON_ARRAY && n->type != JSON_OBJECT) ||
	    i >= n->n_children)
		return NULL;
	for (c = n->first; i > 0 && c != 0; i--)
		c = nodes[c].next;
	return c != 0 ? &nodes[c] : NULL;
}

/* The next unescaped character of a string the parser accepted: decodes
 * one byte or escape at *P (< END) into OUT as UTF-8 and returns its
 * length (1..4). */
static unsigned unescape_one(const char **p, const char *end, char out[4])
{
	const char *s = *p;
	unsigned long u;

	if (*s != '\\' || end - s < 2) {
		out[0] = *s;
		*p = s + 1;
		return 1;
	}
	*p = s + 2;
	switch (s[1]) {
	case 'b': out[0] = '\b'; return 1;
	case 'f': out[0] = '\f'; return 1;
	case 'n': out[0] = '\n'; return 1;
	case 'r': out[0] = '\r'; return 1;
	case 't': out[0] = '\t'; return 1;
	case 'u': break;
	default: out[0] = s[1]; return 1;        /* " \ / */
	}
	if (end - s < 6) {                       /* not from the parser */
		out[0] = '?';
		*p = end;
		return 1;
	}
	u = (unsigned long)hex4(s + 2);
	*p = s + 6;
	if (u >= 0xd800 && u <= 0xdbff && end - s >= 12) {
		/* the parser checked that a low surrogate follows */
		u = 0x10000 + ((u - 0xd800) << 10) +
		    ((unsigned long)hex4(s + 8) - 0xdc00);
		*p = s + 12;
	}
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xc0 | u >> 6);
		out[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	if (u < 0x10000) {
		out[0] = (char)(0xe0 | u >> 12);
		out[1] = (char)(0x80 | (u >> 6 & 0x3f));
		out[2] = (char)(0x80 | (u & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | u >> 18);
	out[1] = (char)(0x80 | (u >> 12 & 0x3f));
	out[2] = (char)(0x80 | (u >> 6 & 0x3f));
	out[3] = (char)(0x80 | (u & 0x3f));
	return 4;
}

/* True if the raw string S[0..LEN) unescapes to exactly KEY. */
static bool raw_equal(const char *s, uint32_t len, const char *key)
{
	const char *end = s + len;
	size_t klen = strlen(key);

	if (memchr(s, '\\', len) == NULL)
		return len == klen && memcmp(s, key, len) == 0;
	while (s < end) {
		char c[4];
		unsigned n = unescape_one(&s, end, c);

		if (n > klen || memcmp(c, key, n) != 0)
			return false;
		key += n;
		klen -= n;
	}
	return klen == 0;
}

const struct json_node *json_get(const struct json_node *nodes,
				 const struct json_node *obj, const char *key)
{
	if (obj == NULL || obj->type != JSON_OBJECT || key == NULL)
		return NULL;
	for (uint32_t c = obj->first; c != 0; c = nodes[c].next)
		if (raw_equal(nodes[c].key, nodes[c].key_len, key))
			return &nodes[c];
	return NULL;
}

bool json_int(const struct json_node *n, long long *v)
{
	if (n == NULL || n->type != JSON_NUMBER ||
	    !(n->number <= 9.2e18 && n->number >= -9.2e18) ||
	    n->number != (double)(long long)n->number)
		return false;
	*v = (long long)n->number;
	return true;
}

int json_str_copy(const struct json_node *n, char *buf, size_t len)
{
	const char *s, *end;
	size_t o = 0;

	if (n == NULL || n->type != JSON_STRING || buf == NULL || len == 0)
		return -1;
	s = n->str;
	end = s + n->str_len;
	while (s < end) {
		char c[4];
		unsigned k = unescape_one(&s, end, c);

		/* room for the NUL; an embedded NUL (\u0000) would silently
		 * cut the string for every C caller */
		if (len - o <= k || memchr(c, '\0', k) != NULL)
			return -1;
		memcpy(buf + o, c, k);
		o += k;
	}
	if (o > INT32_MAX)
		return -1;
	buf[o] = '\0';
	return (int)o;
}
