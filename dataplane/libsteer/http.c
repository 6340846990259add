/* HTTP/1.x request-header parser (RFC 9112). Two passes over the header:
 * a byte scan that runs as bytes arrive (CR/LF/NUL rules and the end of the
 * header), then one structural parse once the blank line is in. The second
 * pass relies on the first: inside [0, end) every CR is followed by LF,
 * there is no bare LF and no NUL, and the last line is empty, so the line
 * loops below can stop on the first byte outside their character class
 * without checking for the end of the buffer. */
#include <string.h>

#include "http.h"

#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/* The header's lengths are uint16_t: a header that has not ended within
 * this many bytes never will. */
#define HTTP_MAX_HEADER 65535u

/* Content-Length digits accepted: 18 decimal digits always fit an int64_t,
 * and no body that large is real (RFC 9110 section 8.6 lets a recipient
 * refuse values it cannot handle). */
#define HTTP_MAX_CL_DIGITS 18

/* Character classes, one byte per octet. */
enum {
	C_TCHAR = 0x01,   /* token, RFC 9110 section 5.6.2 */
	C_VALUE = 0x02,   /* field-vchar / SP / HTAB, RFC 9110 section 5.5 */
	C_HOST = 0x04,    /* unreserved / sub-delims / '%', RFC 3986 3.2.2 */
	C_TARGET = 0x08,  /* VCHAR: what a request-target may hold */
	C_SCAN = 0x10,    /* NUL, LF, CR: the bytes the arrival scan stops on */
};

static const uint8_t ctype[256] = {
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

/* Word-at-a-time helpers for the long runs (the arrival scan, targets,
 * values): a header is mostly bytes no loop stops on, and testing a word at
 * a time cuts the parse of a 728-byte browser header from ~650 to ~370 ns
 * (gcc -O2, EPYC). They only skip words that cannot hold a stop byte; the
 * byte-level checks decide. */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

static inline uint64_t load64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* Nonzero iff a byte of W is below N (N <= 128): the borrow trick of
 * "Bit Twiddling Hacks", exact as a yes/no answer. */
static inline uint64_t has_below(uint64_t w, unsigned n)
{
	return (w - ONES * n) & ~w & HIGHS;
}

/* Nonzero iff a byte of W is a CTL (below 0x20, or DEL). */
static inline uint64_t has_ctl(uint64_t w)
{
	return has_below(w, 0x20) | has_below(w ^ (ONES * 0x7f), 1);
}

/* How many bytes of the word a has_below() mask M lets us skip. The
 * lowest flagged byte is always a true one, so on little-endian that is
 * its index; on big-endian the borrows can flag earlier bytes, so skip
 * none and let the byte loop decide. */
static inline size_t skippable(uint64_t m)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(m) / 8;
#else
	(void)m;
	return 0;
#endif
}

/* First byte at P that is not a C_VALUE byte; there is one before END. */
static const unsigned char *value_skip(const unsigned char *p,
				       const unsigned char *end)
{
	for (;;) {
		if (end - p >= 8) {
			uint64_t m = has_ctl(load64(p));
			if (m == 0) {
				p += 8;
				continue;
			}
			p += skippable(m);
		}
		/* a CTL, or the rare HTAB inside a value */
		if (!(ctype[*p] & C_VALUE))
			return p;
		p++;
	}
}

/* First byte at P that is not a C_TARGET byte; there is one before END. */
static const unsigned char *target_skip(const unsigned char *p,
					const unsigned char *end)
{
	for (;;) {
		if (end - p >= 8) {
			uint64_t w = load64(p);
			uint64_t m = has_below(w, 0x21) |
				     has_below(w ^ (ONES * 0x7f), 1) |
				     (w & HIGHS);
			if (m == 0) {
				p += 8;
				continue;
			}
			p += skippable(m);
		}
		if (!(ctype[*p] & C_TARGET))
			return p;
		p++;
	}
}

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
	r->content_length = -1;
	r->n_fields = 0;
}

/* pct-encoded = "%" HEXDIG HEXDIG (RFC 3986 section 2.1), at S[I]. */
static int pct_ok(const unsigned char *s, size_t i, size_t n)
{
	return n - i >= 3 && is_hex(s[i + 1]) && is_hex(s[i + 2]);
}

/* Check host [ ":" port ] at S[0..N) (RFC 3986 section 3.2.2 and 3.2.3, as
 * RFC 9110 section 7.2 and RFC 9112 section 3.2 use it). Returns the length
 * of the host part (brackets of an IP-literal kept) or -1. */
static int host_check(const unsigned char *s, size_t n)
{
	size_t i = 0, h;

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
	size_t i = 0;

	while (i < n && s[i] != '?')
		i++;
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
static enum http_error target_parse(struct http_req *r)
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
	int h = host_check(t + s, a - s);
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

/* Parse "method SP request-target SP HTTP-version CRLF" at P (RFC 9112
 * section 3): exactly one SP between the parts, no other whitespace.
 * Sets *NEXT to the first byte of the next line. */
static enum http_error request_line_parse(struct http_req *r,
					  const unsigned char *p,
					  const unsigned char *end,
					  const unsigned char **next)
{
	const unsigned char *m = p;
	while (ctype[*p] & C_TCHAR)
		p++;
	if (*p == '\r' || (*p == ' ' && p == m))
		return HTTP_ERR_REQUEST_LINE;
	if (*p != ' ')
		return HTTP_ERR_METHOD;
	r->method = (const char *)m;
	r->method_len = (uint16_t)(p - m);

	const unsigned char *t = ++p;
	p = target_skip(p, end);
	if (*p == '\r' || (*p == ' ' && p == t))
		return HTTP_ERR_REQUEST_LINE;
	if (*p != ' ')
		return HTTP_ERR_TARGET;
	r->target = (const char *)t;
	r->target_len = (uint16_t)(p - t);
	enum http_error e = target_parse(r);
	if (e != HTTP_ERR_NONE)
		return e;

	/* HTTP-version is case-sensitive (section 2.3); only 1.0 and 1.1
	 * have this framing. */
	const unsigned char *v = ++p;
	int sp = 0;
	while (*p != '\r')
		sp |= *p++ == ' ';
	if (p - v != 8 || memcmp(v, "HTTP/1.", 7) != 0 ||
	    (v[7] != '0' && v[7] != '1'))
		return sp ? HTTP_ERR_REQUEST_LINE : HTTP_ERR_VERSION;
	r->minor = (uint8_t)(v[7] - '0');
	*next = p + 2;
	return HTTP_ERR_NONE;
}

/* Content-Length = 1*DIGIT (RFC 9110 section 8.6): no sign, no list, no
 * inner whitespace. A list of equal values may be accepted by the RFC, but
 * any repetition is refused here (RFC 9112 section 6.3 item 5 makes an
 * invalid one unrecoverable, and repetition is a smuggling vector). */
static enum http_error content_length_parse(struct http_req *r,
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
static enum http_error transfer_encoding_parse(struct http_req *r,
					       const unsigned char *v,
					       size_t n)
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

/* The structural parse of BUF[0..END), END just past the blank line. */
static enum http_error header_parse(struct http_req *r,
				    const unsigned char *buf,
				    const unsigned char *end)
{
	const unsigned char *p;
	const char *host = NULL;
	uint16_t host_len = 0;
	bool absolute, te = false;
	enum http_error e;

	r->n_fields = 0;
	r->chunked = false;
	r->content_length = -1;
	r->host = NULL;
	r->host_len = 0;
	e = request_line_parse(r, buf, end, &p);
	if (e != HTTP_ERR_NONE)
		return e;
	absolute = r->host != NULL;

	/* field-line = field-name ":" OWS field-value OWS (section 5) */
	while (*p != '\r') {
		/* obs-fold (section 5.2), or whitespace between the start
		 * line and the first field (section 2.2): reject both. */
		if (is_ows(*p))
			return HTTP_ERR_OBS_FOLD;
		const unsigned char *name = p;
		while (ctype[*p] & C_TCHAR)
			p++;
		if (*p != ':') {
			/* No whitespace between name and colon (section 5.1):
			 * a classic smuggling vector. */
			while (p > name && is_ows(*p))
				p++;
			return *p == ':' ? HTTP_ERR_FIELD_WS :
					   HTTP_ERR_FIELD_NAME;
		}
		if (p == name)
			return HTTP_ERR_FIELD_NAME;
		size_t name_len = (size_t)(p - name);

		p++;
		while (is_ows(*p))
			p++;
		const unsigned char *v = p;
		p = value_skip(p, end);
		/* CR, NUL or another CTL: the scan ruled out the first two
		 * unless this is the end of the line. */
		if (*p != '\r')
			return *p == 0 ? HTTP_ERR_NUL : HTTP_ERR_FIELD_VALUE;
		const unsigned char *ve = p;
		while (ve > v && is_ows(ve[-1]))
			ve--;
		p += 2;

		if (r->n_fields == HTTP_MAX_FIELDS)
			return HTTP_ERR_TOO_MANY_FIELDS;
		struct http_field *f = &r->fields[r->n_fields++];
		size_t vn = (size_t)(ve - v);
		f->name = (const char *)name;
		f->name_len = (uint16_t)name_len;
		f->value = (const char *)v;
		f->value_len = (uint16_t)vn;

		e = HTTP_ERR_NONE;
		if (name_len == 4 && eq_lower(name, "host", 4)) {
			/* Exactly one Host (RFC 9112 section 3.2). */
			if (host != NULL)
				return HTTP_ERR_MULTIPLE_HOST;
			int h = host_check(v, vn);
			if (h < 0)
				return HTTP_ERR_HOST;
			host = (const char *)v;
			host_len = (uint16_t)h;
		} else if (name_len == 14 &&
			   eq_lower(name, "content-length", 14)) {
			e = content_length_parse(r, v, vn);
		} else if (name_len == 17 &&
			   eq_lower(name, "transfer-encoding", 17)) {
			te = true;
			e = transfer_encoding_parse(r, v, vn);
		}
		if (e != HTTP_ERR_NONE)
			return e;
	}

	/* Both framings at once is how requests are smuggled; section 6.1
	 * allows rejecting it. */
	if (te && r->content_length >= 0)
		return HTTP_ERR_CL_AND_TE;
	if (te && !r->chunked)
		return HTTP_ERR_TRANSFER_ENCODING;
	if (host == NULL && r->minor == 1)
		return HTTP_ERR_NO_HOST;
	if (!absolute) {
		r->host = host;
		r->host_len = host_len;
	}
	return HTTP_ERR_NONE;
}

static int fail(struct http_req *r, enum http_error e)
{
	r->error = e;
	return HTTP_ERROR;
}

int http_parse_request(struct http_req *r, const char *buf, size_t len)
{
	const unsigned char *b = (const unsigned char *)buf;
	size_t lim = len < HTTP_MAX_HEADER ? len : HTTP_MAX_HEADER;
	size_t i = r->scanned;
	unsigned eol = r->eol;

	if (unlikely(r->error != HTTP_ERR_NONE))
		return HTTP_ERROR;
	if (unlikely(eol == 2))
		goto parse;

	/* Arrival scan (RFC 9112 section 2.2): lines end in CRLF; a bare CR
	 * or LF and NUL are refused the moment they arrive. */
	while (i < lim) {
		/* NUL, LF and CR are all below 0x0e: skip 4-byte words
		 * without such a byte, then go to the first one (or to a
		 * HTAB). Only 4 and only after an ordinary byte (eol == 0):
		 * the header cannot end sooner than CRLFCRLF away, so the word
		 * is still header and a body is never touched. */
		if (eol == 0 && lim - i >= 4) {
			uint32_t w;
			memcpy(&w, b + i, sizeof(w));
			uint64_t m = has_below(w, 0x0e) & 0xffffffffu;
			if (m == 0) {
				i += 4;
				continue;
			}
			i += skippable(m);
		}
		if (!(ctype[b[i]] & C_SCAN)) {
			i++;
			eol = 0;
			continue;
		}
		if (b[i] == '\r') {
			/* Wait for the byte after a CR; at the size limit it
			 * can only end a header that is too large. */
			if (i + 1 >= lim)
				break;
			if (b[i + 1] != '\n')
				return fail(r, HTTP_ERR_BARE_CR);
			/* Section 2.2 says to ignore a CRLF before the
			 * request line; we refuse it on purpose, as a stray
			 * CRLF usually means the previous request's body
			 * length was misjudged. */
			if (unlikely(i == 0))
				return fail(r, HTTP_ERR_REQUEST_LINE);
			i += 2;
			if (++eol == 2) {
				r->scanned = (uint32_t)i;
				r->eol = 2;
				goto parse;
			}
		} else if (b[i] == '\n') {
			return fail(r, HTTP_ERR_BARE_LF);
		} else {
			return fail(r, HTTP_ERR_NUL);
		}
	}
	r->scanned = (uint32_t)i;
	r->eol = (uint8_t)eol;
	if (len >= HTTP_MAX_HEADER)
		return fail(r, HTTP_ERR_TOO_LARGE);
	return HTTP_INCOMPLETE;

parse:;
	enum http_error e = header_parse(r, b, b + r->scanned);
	if (e != HTTP_ERR_NONE)
		return fail(r, e);
	return (int)r->scanned;
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
