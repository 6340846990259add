/* HTTP/1.x request-header parser (RFC 9112): the public entry points, the
 * character classes, and the checks of single parts (request-target, Host,
 * Content-Length, Transfer-Encoding). The line structure lives in
 * http_lines.h, compiled once per scan path (http_scan_*.c); the path is
 * chosen here, once, by CPU feature. */
#include <string.h>

#include "http.h"
#include "http-int.h"

/* Content-Length digits accepted: 18 decimal digits always fit an int64_t,
 * and no body that large is real (RFC 9110 section 8.6 lets a recipient
 * refuse values it cannot handle). */
#define HTTP_MAX_CL_DIGITS 18

#define ctype http_ctype

const uint8_t http_ctype[256] = {
	0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 00 */
	0x00, 0x02, 0x10, 0x00, 0x00, 0x10, 0x00, 0x00,  /* 08 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  /* 18 */
	0x02, 0x0f, 0x0a, 0x0b, 0x0f, 0x0f, 0x0f, 0x0f,  /* 20 */
	0x0e, 0x0e, 0x0f, 0x0f, 0x0e, 0x0f, 0x0f, 0x0a,  /* 28 */
	0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,  /* 30 */
	0x0f, 0x0f, 0x0a, 0x0e, 0x0a, 0x0e, 0x0a, 0x0a,  /* 38 */
	0x0a, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,  /* 40 */
	0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,  /* 48 */
	0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,  /* 50 */
	0x0f, 0x0f, 0x0f, 0x0a, 0x0a, 0x0a, 0x0b, 0x0f,  /* 58 */
	0x0b, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,  /* 60 */
	0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,  /* 68 */
	0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,  /* 70 */
	0x0f, 0x0f, 0x0f, 0x0a, 0x0b, 0x0a, 0x0f, 0x00,  /* 78 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* 80 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* 88 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* 90 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* 98 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* a0 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* a8 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* b0 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* b8 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* c0 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* c8 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* d0 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* d8 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* e0 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* e8 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* f0 */
	0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,  /* f8 */
};

static const struct {
	int status;
	const char *text;
} errors[HTTP_ERR__COUNT] = {
#define HTTP_ERR_ROW(n, s, t) [HTTP_ERR_##n] = { s, t },
	HTTP_ERRORS(HTTP_ERR_ROW)
#undef HTTP_ERR_ROW
};

static inline unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static inline int is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int is_hex(unsigned char c)
{
	return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

/* Case-insensitive compare of S[0..N) with the lowercase NAME[0..N). */
static int eq_lower(const unsigned char *s, const char *name, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != (unsigned char)name[i])
			return 0;
	return 1;
}

void http_req_init(struct http_req *r)
{
	/* Not memset: fields[] is 2.4 KB and only n_fields of it is ever
	 * read, so a new request on a kept-alive connection costs nothing. */
	r->scanned = 0;
	r->eol = 0;
	r->error = HTTP_ERR_NONE;
	r->method = NULL;
	r->target = NULL;
	r->path = NULL;
	r->query = NULL;
	r->host = NULL;
	r->method_len = 0;
	r->target_len = 0;
	r->path_len = 0;
	r->query_len = 0;
	r->host_len = 0;
	r->minor = 0;
	r->chunked = false;
	r->upgrade_field = false;
	r->n_conn = 0;
	r->conn_field = 0;
	r->content_length = -1;
	r->n_fields = 0;
}

/* pct-encoded = "%" HEXDIG HEXDIG (RFC 3986 section 2.1), at S[I]. */
static int pct_ok(const unsigned char *s, size_t i, size_t n)
{
	return n - i >= 3 && is_hex(s[i + 1]) && is_hex(s[i + 2]);
}

/* Check host [ ":" port ] at S[0..N) (RFC 3986 section 3.2.2 and 3.2.3, as
 * RFC 9110 section 7.2 and RFC 9112 section 3.2 use it), knowing that
 * S[0..FROM) are host bytes other than '%' (a scan path's vector run).
 * Returns the length of the host part (brackets of an IP-literal kept) or
 * -1. */
int http_host_check(const unsigned char *s, size_t n, size_t from)
{
	size_t i = from, h;

	if (n > 0 && s[0] == '[') {
		/* IP-literal: IPv6address / IPvFuture; ':' is only allowed
		 * here, so a bare "::1" fails below as a bad port. */
		for (i = 1; i < n && s[i] != ']'; i++) {
			if (!(ctype[s[i]] & C_HOST) && s[i] != ':')
				return -1;
			if (s[i] == '%' && !pct_ok(s, i, n))
				return -1;
		}
		if (i == n || i == 1)
			return -1;
		i++;
	} else {
		for (; i < n && (ctype[s[i]] & C_HOST); i++)
			if (s[i] == '%' && !pct_ok(s, i, n))
				return -1;
	}
	h = i;
	if (i == n)
		return (int)h;
	if (s[i] != ':')
		return -1;
	/* port = *DIGIT: may be empty (RFC 3986 section 3.2.3). */
	if (n - i - 1 > 5)
		return -1;
	for (i++; i < n; i++)
		if (!is_digit(s[i]))
			return -1;
	return (int)h;
}

/* Split S[0..N), which starts with '/' or '?', into path and query. An
 * empty path (absolute-form "http://a" or "http://a?q") is "/" (RFC 9112
 * section 3.2.1 asks a client to send "/" for it; we normalise alike). */
static void split_path(struct http_req *r, const unsigned char *s, size_t n)
{
	const unsigned char *q = memchr(s, '?', n);
	size_t i = q != NULL ? (size_t)(q - s) : n;

	if (i == 0) {
		r->path = "/";
		r->path_len = 1;
	} else {
		r->path = (const char *)s;
		r->path_len = (uint16_t)i;
	}
	if (i < n) {
		r->query = (const char *)s + i + 1;
		r->query_len = (uint16_t)(n - i - 1);
	} else {
		r->query = NULL;
		r->query_len = 0;
	}
}

/* Classify the request-target (RFC 9112 section 3.2) and set path, query
 * and, for absolute-form, host. */
enum http_error http_target_parse(struct http_req *r)
{
	const unsigned char *t = (const unsigned char *)r->target;
	size_t n = r->target_len;

	/* authority-form (section 3.2.3) is CONNECT's, and any CONNECT asks
	 * for a tunnel: this router is not a forward proxy. */
	if (r->method_len == 7 && memcmp(r->method, "CONNECT", 7) == 0)
		return HTTP_ERR_CONNECT;

	/* origin-form (section 3.2.1) */
	if (t[0] == '/') {
		split_path(r, t, n);
		return HTTP_ERR_NONE;
	}

	/* asterisk-form (section 3.2.4) is for OPTIONS only; methods are
	 * case-sensitive (RFC 9110 section 9.1). */
	if (n == 1 && t[0] == '*') {
		if (r->method_len != 7 || memcmp(r->method, "OPTIONS", 7) != 0)
			return HTTP_ERR_TARGET;
		r->path = r->target;
		r->path_len = 1;
		r->query = NULL;
		r->query_len = 0;
		return HTTP_ERR_NONE;
	}

	/* absolute-form (section 3.2.2), http and https only; the scheme is
	 * case-insensitive (RFC 3986 section 3.1). */
	size_t s;
	if (n >= 7 && eq_lower(t, "http://", 7))
		s = 7;
	else if (n >= 8 && eq_lower(t, "https://", 8))
		s = 8;
	else
		return HTTP_ERR_TARGET;

	size_t a = s;
	while (a < n && t[a] != '/' && t[a] != '?') {
		/* userinfo is deprecated and a recipient should treat it as
		 * an error (RFC 9110 section 4.2.4). */
		if (t[a] == '@')
			return HTTP_ERR_TARGET;
		a++;
	}
	int h = http_host_check(t + s, a - s, 0);
	/* An empty host is invalid in http(s) URIs (RFC 9110 section
	 * 4.2.1). */
	if (h <= 0)
		return HTTP_ERR_TARGET;
	/* The origin server must use the target's authority and ignore Host
	 * (RFC 9112 section 3.2.2), so we route on it too. */
	r->host = (const char *)t + s;
	r->host_len = (uint16_t)h;
	split_path(r, t + a, n - a);
	return HTTP_ERR_NONE;
}

/* Content-Length = 1*DIGIT (RFC 9110 section 8.6): no sign, no list, no
 * inner whitespace. A list of equal values may be accepted by the RFC, but
 * any repetition is refused here (RFC 9112 section 6.3 item 5 makes an
 * invalid one unrecoverable, and repetition is a smuggling vector). */
enum http_error http_content_length_parse(struct http_req *r,
					  const unsigned char *v, size_t n)
{
	int64_t cl = 0;

	if (r->content_length >= 0 || n == 0 || n > HTTP_MAX_CL_DIGITS)
		return HTTP_ERR_CONTENT_LENGTH;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(v[i]))
			return HTTP_ERR_CONTENT_LENGTH;
		cl = cl * 10 + (v[i] - '0');
	}
	r->content_length = cl;
	return HTTP_ERR_NONE;
}

/* Walk one Transfer-Encoding field's list (RFC 9112 section 6.1), fields
 * combined in order (RFC 9110 section 5.3): chunked must be the final coding
 * and be applied once, so any member after a chunked one is an error; the
 * end of the header checks that chunked was seen. Members are bare tokens:
 * no transfer coding in use takes parameters, and refusing them keeps this
 * list unambiguous. Empty members are ignored (RFC 9110 section 5.6.1), but
 * a field with no member at all is refused. */
enum http_error http_transfer_encoding_parse(struct http_req *r,
					     const unsigned char *v, size_t n)
{
	size_t i = 0;
	int members = 0;

	/* An HTTP/1.0 recipient cannot trust the framing (section 6.1). */
	if (r->minor == 0)
		return HTTP_ERR_TRANSFER_ENCODING;
	while (i < n) {
		while (i < n && (is_ows(v[i]) || v[i] == ','))
			i++;
		if (i == n)
			break;
		size_t s = i;
		while (i < n && (ctype[v[i]] & C_TCHAR))
			i++;
		if (i == s || r->chunked)
			return HTTP_ERR_TRANSFER_ENCODING;
		r->chunked = i - s == 7 && eq_lower(v + s, "chunked", 7);
		members++;
		while (i < n && is_ows(v[i]))
			i++;
		if (i < n && v[i] != ',')
			return HTTP_ERR_TRANSFER_ENCODING;
	}
	return members ? HTTP_ERR_NONE : HTTP_ERR_TRANSFER_ENCODING;
}

/* ---- the scan paths ---- */

static const struct {
	const char *name;
	http_parse_fn parse;
} paths[] = {
	{ "scalar", http_parse_scalar },
#ifdef HTTP_HAVE_X86
	{ "sse4.2", http_parse_sse42 },
	{ "avx2", http_parse_avx2 },
#endif
};

#define N_PATHS ((int)(sizeof(paths) / sizeof(paths[0])))

/* Written before main() and by tests only, so a plain load on every call:
 * no feature test per parse. */
static int path_cur;

int http_path_count(void)
{
	return N_PATHS;
}

const char *http_path_name(int i)
{
	return i >= 0 && i < N_PATHS ? paths[i].name : NULL;
}

int http_path_supported(int i)
{
	if (i == 0)
		return 1;
#ifdef HTTP_HAVE_X86
	__builtin_cpu_init();
	if (i == 1)
		return __builtin_cpu_supports("sse4.2");
	if (i == 2)
		return __builtin_cpu_supports("avx2");
#endif
	return 0;
}

int http_path_use(int i)
{
	if (i < 0 || i >= N_PATHS || !http_path_supported(i))
		return -1;
	path_cur = i;
	return 0;
}

int http_path_current(void)
{
	return path_cur;
}

/* The widest path this CPU runs, picked once at load time (the library is
 * static: this runs before main() in every program that parses). */
__attribute__((constructor)) static void path_select(void)
{
	for (int i = N_PATHS - 1; i > 0; i--)
		if (http_path_use(i) == 0)
			return;
	path_cur = 0;
}

int http_parse_with(int i, struct http_req *r, const char *buf, size_t len)
{
	if (unlikely(r->error != HTTP_ERR_NONE))
		return HTTP_ERROR;
	return paths[i].parse(r, buf, len);
}

int http_parse_request(struct http_req *r, const char *buf, size_t len)
{
	if (unlikely(r->error != HTTP_ERR_NONE))
		return HTTP_ERROR;
	return paths[path_cur].parse(r, buf, len);
}
int http_error_status(enum http_error e)
{
	if ((unsigned)e >= HTTP_ERR__COUNT)
		return 400;
	return errors[e].status;
}

const char *http_error_str(enum http_error e)
{
	if ((unsigned)e >= HTTP_ERR__COUNT)
		return "unknown error";
	return errors[e].text;
}

int http_name_eq(const struct http_field *f, const char *name, size_t len)
{
	return f->name_len == len &&
	       eq_lower((const unsigned char *)f->name, name, len);
}

int http_find_field(const struct http_req *r, const char *name, size_t len,
		    int from)
{
	for (int i = from < 0 ? 0 : from; i < r->n_fields; i++)
		if (http_name_eq(&r->fields[i], name, len))
			return i;
	return -1;
}
