/* One pass instead of two, for a header that is whole at its first call
 * (the common case: a request in one segment). Included after
 * http_lines.h by a scan path that defines HS_FAST and, static, inline and
 * with HS_ATTR, the page-safe loops (none reads a byte past the page of
 * the header's end, wherever it ends before LIM)
 *   hs_bname(b, p, lim), hs_btarget(b, p, lim), hs_bctl(b, p, lim)
 * returning the first byte of [p, lim) outside C_TCHAR or C_TARGET, or
 * the first CTL (HTAB included), or lim; and
 *   hs_bline(b, p, lim, &colon)
 * which sets colon to hs_bname()'s answer and returns hs_bctl() from just
 * after it, or lim when that is not a ':' ending a non-empty name; and
 *   hs_qmark(s, n, lo)
 * the index of the first '?' in S[0..N), or N, reading [lo, s + n) or as
 * the loops above do.
 *
 * It walks the lines as header_parse() does, checking on the way what the
 * arrival scan would have (no NUL, every CR followed by LF, no bare LF, no
 * CRLF at the start), and gives up (returns 0) at the first thing that is
 * not an ordinary part of a valid header: an error of any kind, or the end
 * of the bytes before the blank line. Then the state is as
 * http_req_init() left it and the two passes run from the start, so every
 * error, and every result on a header that arrives in parts, is theirs.
 * When it does finish, the header was valid for the two passes too, ending
 * at the same blank line (no line before it is empty), and the parts are
 * the same ones, found by the same rules. */

HS_ATTR static int HS(fast_parse)(struct http_req *r,
				  const unsigned char *b,
				  const unsigned char *lim)
{
	const unsigned char *p = b, *q;
	const char *host = NULL;
	uint16_t host_len = 0;
	bool absolute, te = false;
#ifdef HS_FAST_INIT
	HS_FAST_INIT;
#endif

	r->n_fields = 0;
	r->chunked = false;
	r->upgrade_field = false;
	r->n_conn = 0;
	r->conn_field = 0;
	r->content_length = -1;
	r->host = NULL;
	r->host_len = 0;

	/* method SP request-target SP HTTP-version CRLF */
	q = hs_bname(b, p, lim);
	if (q == lim || q == p || *q != ' ')
		return 0;
	r->method = (const char *)p;
	r->method_len = (uint16_t)(q - p);
	p = q + 1;
	q = hs_btarget(b, p, lim);
	if (q == lim || q == p || *q != ' ')
		return 0;
	r->target = (const char *)p;
	r->target_len = (uint16_t)(q - p);
	if (*p == '/' && (r->method_len != 7 ||
			  memcmp(r->method, "CONNECT", 7) != 0)) {
		/* origin-form, split as http_target_parse() does */
		size_t n = (size_t)(q - p), i = hs_qmark(p, n, b);
		r->path = (const char *)p;
		r->path_len = (uint16_t)i;
		r->query = i < n ? (const char *)p + i + 1 : NULL;
		r->query_len = i < n ? (uint16_t)(n - i - 1) : 0;
	} else if (http_target_parse(r) != HTTP_ERR_NONE) {
		return 0;
	}
	p = q + 1;
	if (lim - p < 10 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    (p[7] != '0' && p[7] != '1') || p[8] != '\r' || p[9] != '\n')
		return 0;
	r->minor = (uint8_t)(p[7] - '0');
	p += 10;
	absolute = r->host != NULL;

	/* The header cannot end sooner than CRLFCRLF after a field-line's
	 * first byte: with 4 bytes left after every CR the loop reads the
	 * next line's first bytes without checking LIM. */
	if (lim - p < 2)
		return 0;
	unsigned n = 0;
	while (*p != '\r') {
		const unsigned char *name = p, *colon = p;
		q = hs_bline(b, p, lim, &colon);
		for (;;) {
			if (lim - q < 4)
				return 0;
			if (likely(memcmp(q, "\r\n", 2) == 0))
				break;
			if (*q != '\t')
				return 0;
			q = hs_bctl(b, q + 1, lim);
		}
		size_t name_len = (size_t)(colon - name);
		/* OWS around the value; the CR at Q ends both loops. */
		const unsigned char *v = colon + 1, *ve = q;
		v += *v == ' ';
		while (unlikely(is_ows(*v)))
			v++;
		while (is_ows(ve[-1]) && ve > v)
			ve--;
		p = q + 2;

		if (n == HTTP_MAX_FIELDS)
			return 0;
		struct http_field *f = &r->fields[n++];
		size_t vn = (size_t)(ve - v);
		f->name = (const char *)name;
		f->name_len = (uint16_t)name_len;
		f->value = (const char *)v;
		f->value_len = (uint16_t)vn;

		/* Host, Content-Length and Transfer-Encoding have rules of
		 * their own, Connection and Upgrade are noted for the
		 * framer: one test for the other names. */
		if (likely(name_len > 17 ||
			   !((1u << name_len) & (1u << 4 | 1u << 7 | 1u << 10 |
						 1u << 14 | 1u << 17))))
			continue;
		enum http_error e = HTTP_ERR_NONE;
		if (name_len == 4 && HS(eq_lower)(name, "host", 4)) {
			if (host != NULL)
				return 0;
			int h = http_host_check(v, vn,
						hs_host_run(v, vn, b));
			if (h < 0)
				return 0;
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
			HS(note_conn)(r, name, name_len, n);
		}
		if (e != HTTP_ERR_NONE)
			return 0;
	}
	/* the blank line */
	if (p[1] != '\n')
		return 0;
	p += 2;
	r->n_fields = (uint16_t)n;

	if ((te && r->content_length >= 0) || (te && !r->chunked) ||
	    (host == NULL && r->minor == 1))
		return 0;
	if (!absolute) {
		r->host = host;
		r->host_len = host_len;
	}
	r->scanned = (uint32_t)(p - b);
	r->eol = 2;
	return (int)(p - b);
}
