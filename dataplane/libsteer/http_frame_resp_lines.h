/* Response heads (RFC 9112 sections 4 and 5), parsed as their bytes arrive
 * without a buffer: the router forwards each backend segment as it comes
 * and sees its bytes once. So every rule can be checked a byte at a time,
 * and the three fields that decide framing and persistence (Content-Length,
 * Transfer-Encoding, Connection) are recognised and read with a few bytes
 * of state, whatever byte a segment ends on; runs of bytes that lie whole
 * in a segment are skipped by the path's loops instead. Written once and
 * compiled once per scan path (http_frame_resp_*.c).
 *
 * The including file defines, before including this:
 *   HR(name)   the name of this path's copy of hf_resp_feed (name##_avx2)
 *   HR_ATTR    attributes of every function here (a target, or nothing)
 * and these, static and inline, with HR_ATTR; each reads only [lo, end),
 * LO the start of the bytes at hand:
 *   hr_value(lo, p, end)   first byte of [p, end) that is not HF_C_VALUE,
 *                          or end
 *   hr_tchar(lo, p, end)   first byte of [p, end) that is not HF_C_TCHAR,
 *                          or end
 *   hr_names(b, l, n, &m, &pos)  names_mask() of the field name B[0..L)
 *                          (all tchars, L < N, B[0..N) readable) into M
 *                          and POS, returning 1; or 0, not having done it
 * Every path must give the same result and leave the same state for any
 * input (tests/fuzz/resp_diff_fuzz.c checks it). */
#include <string.h>

#include "http_frame.h"
#include "http_frame-int.h"
#include "http_frame_resp-int.h"

/* The field names we act on, matched as their bytes arrive. */
static const struct hf_word names[N_OTHER] = {
	[N_CONTENT_LENGTH] = { hf_resp_name_pad[N_CONTENT_LENGTH], 14 },
	[N_TRANSFER_ENCODING] = { hf_resp_name_pad[N_TRANSFER_ENCODING], 17 },
	[N_CONNECTION] = { hf_resp_name_pad[N_CONNECTION], 10 },
};

/* The one transfer coding we decode. */
static const struct hf_word codings[1] = { { "chunked", 7 } };

/* Content-Length = 1*DIGIT: 18 digits always fit an int64_t, and no body
 * that large is real (RFC 9110 section 8.6 lets a recipient refuse what it
 * cannot handle). As http.c. */
#define CL_MAX_DIGITS 18
#define CL_AFTER_OWS 0xff         /* r->digits once trailing OWS began */

HR_ATTR static long fail(struct hf_resp *r, enum hf_error e)
{
	r->error = (uint8_t)e;
	return HF_RESP_ERROR;
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF
 * (RFC 9112 section 4), one byte C at a time. */
HR_ATTR static enum hf_error status_step(struct hf_resp *r, unsigned char c)
{
	switch (r->st) {
	case R_VERSION:
		/* HTTP-version is case-sensitive (section 2.3). A CRLF
		 * before the status line is refused: section 2.2 only lets
		 * a server ignore one before a request, and a stray line
		 * here means the previous body's length was misjudged. */
		if (c == (unsigned char)"HTTP/1."[r->pos]) {
			if (++r->pos == 7)
				r->st = R_MINOR;
			return HF_ERR_NONE;
		}
		if (r->pos == 0 && c == '\r')
			return HF_ERR_STATUS_LINE;
		return hf_bad(c, HF_ERR_VERSION);
	case R_MINOR:
		/* Only 1.0 and 1.1 have this framing. */
		if (c != '0' && c != '1')
			return hf_bad(c, HF_ERR_VERSION);
		r->minor = (uint8_t)(c - '0');
		r->st = R_SP1;
		return HF_ERR_NONE;
	case R_SP1:
		if (c == ' ') {
			r->st = R_CODE;
			r->pos = 0;
			return HF_ERR_NONE;
		}
		return hf_bad(c, c == '\r' ? HF_ERR_STATUS_LINE :
					     HF_ERR_VERSION);
	case R_CODE:
		/* status-code = 3DIGIT; 1xx..5xx are defined and 6xx..9xx
		 * are to be read as 5xx (RFC 9110 section 15), but no
		 * class starts with 0. */
		if (c < '0' || c > '9' || (r->pos == 0 && c == '0'))
			return hf_bad(c, HF_ERR_STATUS);
		r->status = (uint16_t)(r->status * 10 + (c - '0'));
		if (++r->pos == 3)
			r->st = R_SP2;
		return HF_ERR_NONE;
	case R_SP2:
		/* The SP before an empty reason phrase is required, but
		 * servers leave it out often enough, and the framing does
		 * not depend on it: "HTTP/1.1 204\r\n" is taken. */
		if (c == ' ')
			r->st = R_REASON;
		else if (c == '\r')
			r->st = R_LF;
		else
			return hf_bad(c, HF_ERR_STATUS);
		return HF_ERR_NONE;
	case R_REASON:
		/* reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ) */
		if (c == '\r')
			r->st = R_LF;
		else if (!(hf_ctype[c] & HF_C_VALUE))
			return hf_bad(c, HF_ERR_STATUS_LINE);
		return HF_ERR_NONE;
	default:
		/* R_LF: lines end in CRLF exactly (section 2.2). */
		if (c != '\n')
			return HF_ERR_BARE_CR;
		r->st = R_FIELDS + HF_F_START;
		return HF_ERR_NONE;
	}
}

/* A member M of a Transfer-Encoding list ended (RFC 9112 section 6.1):
 * chunked must be the final coding and be applied once, so any member
 * after a chunked one is an error; fields combine in order (RFC 9110
 * section 5.3). */
HR_ATTR static enum hf_error te_member(struct hf_resp *r, int m)
{
	if (m == HF_LIST_BAD)
		return HF_ERR_TRANSFER_ENCODING;
	if (m < 0)
		return HF_ERR_NONE;
	if (r->chunked)
		return HF_ERR_TRANSFER_ENCODING;
	r->chunked = m == 0;
	return HF_ERR_NONE;
}

/* A member M of a Connection list ended, or the list was unreadable: then
 * the connection is not kept, which is always safe. */
HR_ATTR static void conn_member(struct hf_resp *r, int m)
{
	if (m == HF_LIST_BAD || m == HF_W_CLOSE)
		r->conn_close = true;
	else if (m == HF_W_KEEPALIVE)
		r->conn_keepalive = true;
}

/* The colon after a field name: field F (N_* of names) begins. */
HR_ATTR static enum hf_error value_start(struct hf_resp *r, unsigned f)
{
	r->field = (uint8_t)f;
	switch (r->field) {
	case N_CONTENT_LENGTH:
		/* A list of equal values may be accepted by the RFC, but
		 * any repetition is refused, as for requests (RFC 9112
		 * section 6.3 item 5 makes an invalid one unrecoverable). */
		if (r->content_length >= 0)
			return HF_ERR_CONTENT_LENGTH;
		/* Both framings at once: an intermediary must not forward
		 * that, and we cannot remove a field (section 6.1). */
		if (r->te)
			return HF_ERR_CL_AND_TE;
		r->content_length = 0;
		r->digits = 0;
		break;
	case N_TRANSFER_ENCODING:
		/* An HTTP/1.0 message with Transfer-Encoding has faulty
		 * framing (section 6.1). */
		if (r->minor == 0)
			return HF_ERR_TRANSFER_ENCODING;
		if (r->content_length >= 0)
			return HF_ERR_CL_AND_TE;
		r->te = true;
		hf_list_init(&r->list);
		break;
	case N_CONNECTION:
		hf_list_init(&r->list);
		break;
	}
	return HF_ERR_NONE;
}

/* Byte C of the value of the field being read, from its first non-OWS. */
HR_ATTR static enum hf_error value_byte(struct hf_resp *r, unsigned char c)
{
	switch (r->field) {
	case N_CONTENT_LENGTH:
		/* 1*DIGIT, then only trailing OWS: no sign, no list. */
		if (r->digits != CL_AFTER_OWS && c >= '0' && c <= '9') {
			if (++r->digits > CL_MAX_DIGITS)
				return HF_ERR_CONTENT_LENGTH;
			r->content_length = r->content_length * 10 + (c - '0');
		} else if (hf_is_ws(c)) {
			r->digits = CL_AFTER_OWS;
		} else {
			return HF_ERR_CONTENT_LENGTH;
		}
		return HF_ERR_NONE;
	case N_TRANSFER_ENCODING:
		return te_member(r, hf_list_step(&r->list, codings, 1, c));
	case N_CONNECTION:
		conn_member(r, hf_list_step(&r->list, hf_conn_words,
					    HF_W__COUNT, c));
		return HF_ERR_NONE;
	default:
		return HF_ERR_NONE;
	}
}

/* The field line ended. */
HR_ATTR static enum hf_error value_end(struct hf_resp *r)
{
	enum hf_error e = HF_ERR_NONE;

	switch (r->field) {
	case N_CONTENT_LENGTH:
		if (r->digits == 0)
			e = HF_ERR_CONTENT_LENGTH;
		break;
	case N_TRANSFER_ENCODING:
		e = te_member(r, hf_list_end(&r->list, codings, 1));
		/* A field with no coding at all says nothing we can
		 * frame by. */
		if (e == HF_ERR_NONE && r->list.members == 0)
			e = HF_ERR_TRANSFER_ENCODING;
		break;
	case N_CONNECTION:
		conn_member(r, hf_list_end(&r->list, hf_conn_words,
					   HF_W__COUNT));
		break;
	}
	r->field = N_OTHER;
	return e;
}

/* One byte C of the field section. Returns 1 when the head ended. */
HR_ATTR static int field_step(struct hf_resp *r, unsigned char c, enum hf_error *e)
{
	uint8_t fst = (uint8_t)(r->st - R_FIELDS);
	int ev = hf_field_step(&fst, c);

	r->st = (uint8_t)(R_FIELDS + fst);
	switch (ev) {
	case HF_EV_NAME0:
		if (++r->n_fields > HF_MAX_FIELDS) {
			*e = HF_ERR_TOO_MANY_FIELDS;
			return 0;
		}
		hf_words_start(&r->names, &r->pos, N_OTHER);
		hf_words_next(&r->names, &r->pos, names, N_OTHER, c);
		break;
	case HF_EV_NAME:
		hf_words_next(&r->names, &r->pos, names, N_OTHER, c);
		break;
	case HF_EV_COLON:
		*e = value_start(r, hf_words_which(r->names, r->pos, names, N_OTHER));
		break;
	case HF_EV_VALUE:
		*e = value_byte(r, c);
		break;
	case HF_EV_EOL:
		*e = value_end(r);
		break;
	case HF_EV_END:
		return 1;
	case HF_EV_NONE:
		break;
	default:
		*e = (enum hf_error)-ev;
		break;
	}
	return 0;
}

/* ---- whole-token fast paths ----
 * When a status line or its fixed part, a field name with its colon, or
 * the blank line lies whole in the bytes at hand, it is taken in one step, leaving exactly the
 * state the byte-at-a-time path would (tests/fuzz/frame_fuzz.c feeds every
 * head whole and byte by byte and compares the final states). Anything
 * unusual — a piece that ends inside it, a byte out of place, the size
 * limit near — goes the byte path, which names the error. */

/* "HTTP/1.x NNN" then SP or CR, at B[0..N), LO the start of the bytes at
 * hand: the whole status line when its CRLF is here too, else taken up to
 * R_SP2. Returns the bytes taken (the line's, or 12) or 0. */
HR_ATTR static size_t status_fast(struct hf_resp *r, const unsigned char *lo,
				  const unsigned char *b, size_t n)
{
	if (n < 13 || memcmp(b, "HTTP/1.", 7) != 0 || (b[7] != '0' && b[7] != '1') ||
	    b[8] != ' ' || b[9] < '1' || b[9] > '9' || b[10] < '0' || b[10] > '9' ||
	    b[11] < '0' || b[11] > '9' || (b[12] != ' ' && b[12] != '\r'))
		return 0;
	r->minor = (uint8_t)(b[7] - '0');
	r->status = (uint16_t)((b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0'));
	r->pos = 3;
	/* The reason phrase is of the value class (RFC 9112 section 4),
	 * what the byte path's R_REASON runs over. */
	size_t j = b[12] == ' ' ? (size_t)(hr_value(lo, b + 13, b + n) - b) : 12;
	if (j + 1 < n && b[j] == '\r' && b[j + 1] == '\n' && j + 2 <= HF_MAX_HEAD) {
		r->st = R_FIELDS + HF_F_START;
		return j + 2;
	}
	r->st = R_SP2;
	return 12;
}

/* Which of names[] a field name B[0..L) begins, and how far the byte
 * path's comparison ran (hf_words_next(): it stops counting at the byte
 * that ruled out the last candidate). B[0..N) is readable, N > L. */
HR_ATTR static uint8_t names_mask(const unsigned char *b, size_t l, size_t n,
				  uint8_t *pos)
{
	_Static_assert(N_OTHER == 3, "names_mask's first-byte test knows three names");
	uint8_t m = 0;
	size_t last = 0;

	/* Most names start with a letter none of ours does: ruled out by
	 * their first byte. */
	unsigned char c0 = hf_lower(b[0]);
	if (c0 != 'c' && c0 != 't') {
		*pos = 1;
		return 0;
	}
	if (hr_names(b, l, n, &m, pos))
		return m;
	for (unsigned w = 0; w < N_OTHER; w++) {
		size_t k = 0;
		while (k < l && k < names[w].len &&
		       hf_lower(b[k]) == (unsigned char)names[w].s[k])
			k++;
		if (k == l)
			m |= (uint8_t)(1u << w);
		else if (k + 1 > last)
			last = k + 1;     /* ruled out by byte K */
	}
	*pos = (uint8_t)(m ? l : last);
	return m;
}

/* A field name and its colon at B[0..N), at the start of a field line,
 * LO the start of the bytes at hand: taken into the value's OWS. Returns
 * the bytes taken, or 0 (with *E set when the field itself is refused). */
HR_ATTR static size_t name_fast(struct hf_resp *r, const unsigned char *lo,
				const unsigned char *b, size_t n, enum hf_error *e)
{
	size_t l = (size_t)(hr_tchar(lo, b, b + n) - b);

	if (l == 0 || l == n || b[l] != ':' || l + 1 > HF_MAX_HEAD - r->head_len ||
	    r->n_fields >= HF_MAX_FIELDS)
		return 0;
	uint8_t mask, pos;
	mask = names_mask(b, l, n, &pos);
	unsigned f = hf_words_which(mask, pos, names, N_OTHER);
	if (f == N_OTHER) {
		/* A field we do not act on: its whole line at once when it
		 * is all here — OWS and value bytes all of the value class
		 * (SP and HTAB are in it), then CRLF. */
		size_t j = (size_t)(hr_value(lo, b + l + 1, b + n) - b);
		if (j + 1 < n && b[j] == '\r' && b[j + 1] == '\n' &&
		    j + 2 <= HF_MAX_HEAD - r->head_len) {
			r->n_fields++;
			r->names = mask;
			r->pos = pos;
			r->field = N_OTHER;
			r->head_len += (uint32_t)(j + 2);
			r->st = R_FIELDS + HF_F_START;
			return j + 2;
		}
	}
	if (f == N_CONTENT_LENGTH && r->content_length < 0 && !r->te) {
		/* Content-Length: OWS 1*DIGIT OWS CRLF, the line whole: the
		 * state the byte path leaves (value_byte(), value_end()). */
		size_t j = l + 1, d0;
		while (j < n && hf_is_ws(b[j]))
			j++;
		d0 = j;
		int64_t v = 0;
		while (j < n && j - d0 < CL_MAX_DIGITS && b[j] >= '0' && b[j] <= '9')
			v = v * 10 + (b[j++] - '0');
		size_t nd = j - d0;
		bool ows = false;
		while (j < n && hf_is_ws(b[j])) {
			j++;
			ows = true;
		}
		if (nd > 0 && j + 1 < n && b[j] == '\r' && b[j + 1] == '\n' &&
		    j + 2 <= HF_MAX_HEAD - r->head_len) {
			r->n_fields++;
			r->names = mask;
			r->pos = pos;
			r->content_length = v;
			r->digits = ows ? CL_AFTER_OWS : (uint8_t)nd;
			r->field = N_OTHER;
			r->head_len += (uint32_t)(j + 2);
			r->st = R_FIELDS + HF_F_START;
			return j + 2;
		}
	}
	r->n_fields++;
	r->names = mask;
	r->pos = pos;
	r->head_len += (uint32_t)(l + 1);
	r->st = R_FIELDS + HF_F_OWS;
	*e = value_start(r, f);
	return l + 1;
}

HR_ATTR long HR(hf_resp_feed)(struct hf_resp *r, const char *p, size_t len)
{
	const unsigned char *b = (const unsigned char *)p;
	size_t i = 0;

	if (unlikely(r->error != HF_ERR_NONE))
		return HF_RESP_ERROR;
	if (r->done)
		return 0;
	while (i < len) {
		enum hf_error e = HF_ERR_NONE;

		/* Most of a head is values of fields we do not act on:
		 * run over them, up to the head's size limit. */
		if (r->st == R_FIELDS + HF_F_VALUE && r->field == N_OTHER) {
			size_t room = HF_MAX_HEAD - r->head_len;
			size_t end = len - i < room ? len : i + room;
			size_t j = (size_t)(hr_value(b, b + i, b + end) - b);
			r->head_len += (uint32_t)(j - i);
			i = j;
			if (i == len)
				break;
		}
		if (r->st == R_FIELDS + HF_F_START) {
			/* The blank line: what field_step() does with its two
			 * bytes. */
			if (b[i] == '\r' && len - i >= 2 && b[i + 1] == '\n' &&
			    r->head_len + 2 <= HF_MAX_HEAD) {
				r->head_len += 2;
				r->st = R_FIELDS + HF_F_DONE;
				r->done = true;
				return (long)(i + 2);
			}
			size_t k = name_fast(r, b, b + i, len - i, &e);
			if (e != HF_ERR_NONE)
				return fail(r, e);
			if (k) {
				i += k;
				continue;
			}
		} else if (r->st == R_VERSION && r->pos == 0 && r->head_len == 0) {
			size_t k = status_fast(r, b, b + i, len - i);
			r->head_len += (uint32_t)k;
			i += k;
			if (k)
				continue;
		} else if (r->st == R_REASON) {
			/* reason-phrase bytes, up to the CR (or a bad one) */
			size_t room = HF_MAX_HEAD - r->head_len;
			size_t end = len - i < room ? len : i + room;
			size_t j = (size_t)(hr_value(b, b + i, b + end) - b);
			r->head_len += (uint32_t)(j - i);
			i = j;
			if (i == len)
				break;
		}
		/* The head, final CRLF included, fits the uint16_t lengths
		 * the request parser uses too. */
		if (r->head_len >= HF_MAX_HEAD)
			return fail(r, HF_ERR_HEAD_TOO_LARGE);
		r->head_len++;
		unsigned char c = b[i++];
		if (r->st < R_FIELDS) {
			e = status_step(r, c);
		} else if (field_step(r, c, &e)) {
			r->done = true;
			return (long)i;
		}
		if (e != HF_ERR_NONE)
			return fail(r, e);
	}
	return (long)i;
}
