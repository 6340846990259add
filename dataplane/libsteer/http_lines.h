/* The request header's line structure (RFC 9112 sections 2.2, 3 and 5),
 * written once and compiled once per scan path. Two passes over the header:
 * a byte scan that runs as bytes arrive (CR/LF/NUL rules and the end of the
 * header), then one structural parse once the blank line is in. The second
 * pass relies on the first: inside [0, end) every CR is followed by LF,
 * there is no bare LF and no NUL, and the last line is empty, so every line
 * loop below has a byte outside its class before the end.
 *
 * The including file defines, before including this:
 *   HS(name)   the name of this path's copy of a function (name##_avx2)
 *   HS_ATTR    attributes of every function here (a target, or nothing)
 * and these, static and inline, with HS_ATTR:
 *   hs_stop(b, p, lim)     first NUL, LF or CR in [p, lim), or lim. Called
 *                          inside a run of ordinary bytes (the header cannot
 *                          end before p + 4); may read [b, lim) but no byte
 *                          past the header a read of an aligned block of up
 *                          to 64 bytes ending at or before lim would not.
 *   hs_target(p, end, lo)  first byte of [p, end) that is not C_TARGET
 *   hs_value(p, end, lo)   first byte of [p, end) that is not C_VALUE
 *   hs_name(p, end, lo)    first byte of [p, end) that is not C_TCHAR
 *   hs_host_run(s, n, lo)  how many bytes of S[0..N) from its start are host
 *                          bytes other than '%' (0 is always right)
 * The three before it know such a byte exists before END and read only
 * [lo, end). With HS_FAST defined, a fresh state first tries the one-pass
 * parse of http_fast.h, included after this file. Every path must give the same result and the same resume
 * state for any input (tests/fuzz/http_diff_fuzz.c checks it). */
#include <stdbool.h>
#include <string.h>

#include "http.h"
#include "http-int.h"

#define ctype http_ctype

static inline int is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Parse "method SP request-target SP HTTP-version CRLF" at P (RFC 9112
 * section 3): exactly one SP between the parts, no other whitespace.
 * Sets *NEXT to the first byte of the next line. */
HS_ATTR static enum http_error HS(request_line_parse)(struct http_req *r,
						      const unsigned char *p,
						      const unsigned char *end,
						      const unsigned char **next)
{
	const unsigned char *lo = p, *m = p;
	while (ctype[*p] & C_TCHAR)
		p++;
	if (*p == '\r' || (*p == ' ' && p == m))
		return HTTP_ERR_REQUEST_LINE;
	if (*p != ' ')
		return HTTP_ERR_METHOD;
	r->method = (const char *)m;
	r->method_len = (uint16_t)(p - m);

	const unsigned char *t = ++p;
	p = hs_target(p, end, lo);
	if (*p == '\r' || (*p == ' ' && p == t))
		return HTTP_ERR_REQUEST_LINE;
	if (*p != ' ')
		return HTTP_ERR_TARGET;
	r->target = (const char *)t;
	r->target_len = (uint16_t)(p - t);
	enum http_error e = http_target_parse(r);
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

/* Whether the field name S[0..N) is NAME[0..N), ignoring case, for
 * N >= 4 (http_eq_lower(): S holds tchars, and CR is none). */
HS_ATTR static inline int HS(eq_lower)(const unsigned char *s,
				       const char *name, size_t n)
{
	return http_eq_lower(s, name, n);
}

/* Connection and Upgrade fields, noted for the framer (http_frame.c reads
 * their lists): the first Connection field's index + 1 is IDX1. */
HS_ATTR static inline void HS(note_conn)(struct http_req *r,
					 const unsigned char *name, size_t n,
					 unsigned idx1)
{
	if (n == 10 && HS(eq_lower)(name, "connection", 10)) {
		if (r->n_conn == 0)
			r->conn_field = (uint16_t)idx1;
		if (r->n_conn < UINT8_MAX)
			r->n_conn++;
	} else if (n == 7 && HS(eq_lower)(name, "upgrade", 7)) {
		r->upgrade_field = true;
	}
}

/* The structural parse of BUF[0..END), END just past the blank line. */
HS_ATTR static enum http_error HS(header_parse)(struct http_req *r,
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
	r->upgrade_field = false;
	r->n_conn = 0;
	r->conn_field = 0;
	r->content_length = -1;
	r->host = NULL;
	r->host_len = 0;
	e = HS(request_line_parse)(r, buf, end, &p);
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
		p = hs_name(p, end, buf);
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
		p = hs_value(p, end, buf);
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
		if (name_len == 4 && HS(eq_lower)(name, "host", 4)) {
			/* Exactly one Host (RFC 9112 section 3.2). */
			if (host != NULL)
				return HTTP_ERR_MULTIPLE_HOST;
			int h = http_host_check(v, vn,
						 hs_host_run(v, vn, buf));
			if (h < 0)
				return HTTP_ERR_HOST;
			host = (const char *)v;
			host_len = (uint16_t)h;
		} else if (name_len == 14 &&
			   HS(eq_lower)(name, "content-length", 14)) {
			e = http_content_length_parse(r, v, vn);
		} else if (name_len == 17 &&
			   HS(eq_lower)(name, "transfer-encoding", 17)) {
			te = true;
			e = http_transfer_encoding_parse(r, v, vn);
		} else {
			HS(note_conn)(r, name, name_len, r->n_fields);
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

#ifdef HS_FAST
HS_ATTR static int HS(fast_parse)(struct http_req *r,
				  const unsigned char *b,
				  const unsigned char *lim);
#endif

HS_ATTR static int HS(fail)(struct http_req *r, enum http_error e)
{
	r->error = e;
	return HTTP_ERROR;
}

/* The two passes; out of line behind the one-pass parse, so that its
 * frame is only set up when they run. */
#ifdef HS_FAST
#define HS_SCAN_INLINE __attribute__((noinline))
#else
#define HS_SCAN_INLINE inline
#endif
HS_ATTR HS_SCAN_INLINE static int
HS(scan_parse)(struct http_req *r, const char *buf, size_t len)
{
	const unsigned char *b = (const unsigned char *)buf;
	size_t lim = len < HTTP_MAX_HEADER ? len : HTTP_MAX_HEADER;
	size_t i = r->scanned;
	unsigned eol = r->eol;

	if (unlikely(eol == 2))
		goto parse;

	/* Arrival scan (RFC 9112 section 2.2): lines end in CRLF; a bare CR
	 * or LF and NUL are refused the moment they arrive. */
	while (i < lim) {
		if (eol == 0) {
			/* Inside a run of ordinary bytes the header cannot
			 * end sooner than CRLFCRLF away: hs_stop may read
			 * ahead, and a body is never touched. */
			i = (size_t)(hs_stop(b, b + i, b + lim) - b);
			if (i == lim)
				break;
		} else if (!(ctype[b[i]] & C_SCAN)) {
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
				return HS(fail)(r, HTTP_ERR_BARE_CR);
			/* Section 2.2 says to ignore a CRLF before the
			 * request line; we refuse it on purpose, as a stray
			 * CRLF usually means the previous request's body
			 * length was misjudged. */
			if (unlikely(i == 0))
				return HS(fail)(r, HTTP_ERR_REQUEST_LINE);
			i += 2;
			if (++eol == 2) {
				r->scanned = (uint32_t)i;
				r->eol = 2;
				goto parse;
			}
		} else if (b[i] == '\n') {
			return HS(fail)(r, HTTP_ERR_BARE_LF);
		} else {
			return HS(fail)(r, HTTP_ERR_NUL);
		}
	}
	r->scanned = (uint32_t)i;
	r->eol = (uint8_t)eol;
	if (len >= HTTP_MAX_HEADER)
		return HS(fail)(r, HTTP_ERR_TOO_LARGE);
	return HTTP_INCOMPLETE;

parse:;
	enum http_error e = HS(header_parse)(r, b, b + r->scanned);
	if (e != HTTP_ERR_NONE)
		return HS(fail)(r, e);
	return (int)r->scanned;
}

/* http_parse_request() once r->error is known to be HTTP_ERR_NONE. */
HS_ATTR int HS(http_parse)(struct http_req *r, const char *buf, size_t len)
{
#ifdef HS_FAST
	/* A fresh state: try the whole header in one pass (http_fast.h);
	 * the two passes' frame is only set up when that gives up. */
	if (r->scanned == 0 && r->eol == 0) {
		const unsigned char *b = (const unsigned char *)buf;
		int n = HS(fast_parse)(r, b, b + (len < HTTP_MAX_HEADER ?
						  len : HTTP_MAX_HEADER));
		if (n > 0)
			return n;
		http_req_init(r);
	}
#endif
	return HS(scan_parse)(r, buf, len);
}

#undef HS_SCAN_INLINE
#undef ctype
