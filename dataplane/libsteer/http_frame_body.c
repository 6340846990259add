/* Message bodies: Content-Length, chunked (RFC 9112 section 7.1),
 * close-delimited and tunnels. The chunked reader is a byte-at-a-time state
 * machine over the framing (size lines, the CRLF after data, trailers) that
 * skips chunk data by count, so a flow entry carries 16 bytes of state and
 * data bytes are never read. */
#include "http_frame.h"
#include "http_frame-int.h"

/* The dataplane keeps one per direction in every flow entry. */
_Static_assert(sizeof(struct hf_body) <= 32, "struct hf_body grew past 32");

/* Chunked sub-states. A chunk-size line runs B_SIZE0 to B_LF; trailers are
 * B_TRAILER plus an HF_F_* field-line state. */
enum {
	B_SIZE0,      /* a chunk-size's first HEXDIG */
	B_SIZE,       /* in chunk-size */
	B_EXT_BWS,    /* BWS that must be followed by ';' */
	B_NAME0,      /* after ';': BWS, then a chunk-ext-name */
	B_NAME,       /* in chunk-ext-name */
	B_NAME_BWS,   /* BWS after a name: '=' or ';' next */
	B_VALUE0,     /* after '=': BWS, then a token or a quoted-string */
	B_TOKEN,      /* in a token chunk-ext-val */
	B_QUOTED,     /* in a quoted-string */
	B_QPAIR,      /* after '\' in a quoted-string */
	B_QEND,       /* after the closing '"' */
	B_LF,         /* after the CR ending the line */
	B_DATA,       /* in chunk-data: LEFT bytes to skip */
	B_DATA_CR,    /* the CR after chunk-data */
	B_DATA_LF,    /* the LF after chunk-data */
	B_TRAILER,    /* + HF_F_*: the trailer section */
};

_Static_assert(B_DATA == HF_BODY_ST_DATA, "http_frame.h's inline skip reads B_DATA");
_Static_assert(B_DATA_CR == HF_BODY_ST_DATA_CR, "http_frame.h's inline skip sets B_DATA_CR");

static long fail(struct hf_body *b, enum hf_error e)
{
	b->error = (uint8_t)e;
	return HF_BODY_ERROR;
}

static unsigned hex_value(unsigned char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)(hf_lower(c) - 'a' + 10);
}

/* After chunk-size, a chunk-ext-name or a chunk-ext-val: ';' starts another
 * extension, BWS must lead to one, CR ends the line. BWS before CRLF is not
 * in the grammar (chunk-ext puts it only before ';' and around '='), so
 * "5 \r\n" is refused; with ELSE the error for anything else. */
static enum hf_error ext_next(struct hf_body *b, unsigned char c,
			      enum hf_error e)
{
	if (c == ';')
		b->st = B_NAME0;
	else if (hf_is_ws(c))
		b->st = B_EXT_BWS;
	else if (c == '\r')
		b->st = B_LF;
	else
		return hf_bad(c, e);
	return HF_ERR_NONE;
}

/* One byte C of a chunk line: chunk-size [ chunk-ext ] CRLF, where
 * chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 * and chunk-ext-val = token / quoted-string (RFC 9112 section 7.1.1). */
static enum hf_error line_step(struct hf_body *b, unsigned char c)
{
	uint8_t cls = hf_ctype[c];

	switch (b->st) {
	case B_SIZE0:
		if (!(cls & HF_C_HEX))
			return hf_bad(c, HF_ERR_CHUNK_SIZE);
		b->left = hex_value(c);
		b->st = B_SIZE;
		return HF_ERR_NONE;
	case B_SIZE:
		if (cls & HF_C_HEX) {
			/* At most 15 hex digits of value (< 2^60), so the
			 * size never overflows and a recipient is free to
			 * refuse what it cannot count (section 7.1). Leading
			 * zeros do not count; the line bound limits them. */
			if (b->left >> 56)
				return HF_ERR_CHUNK_TOO_BIG;
			b->left = b->left << 4 | hex_value(c);
			return HF_ERR_NONE;
		}
		return ext_next(b, c, HF_ERR_CHUNK_SIZE);
	case B_EXT_BWS:
		if (c == ';')
			b->st = B_NAME0;
		else if (!hf_is_ws(c))
			return hf_bad(c, HF_ERR_CHUNK_EXT);
		return HF_ERR_NONE;
	case B_NAME0:
		if (cls & HF_C_TCHAR)
			b->st = B_NAME;
		else if (!hf_is_ws(c))
			return hf_bad(c, HF_ERR_CHUNK_EXT);
		return HF_ERR_NONE;
	case B_NAME:
		if (cls & HF_C_TCHAR)
			return HF_ERR_NONE;
		if (c == '=') {
			b->st = B_VALUE0;
			return HF_ERR_NONE;
		}
		if (hf_is_ws(c)) {
			b->st = B_NAME_BWS;
			return HF_ERR_NONE;
		}
		return ext_next(b, c, HF_ERR_CHUNK_EXT);
	case B_NAME_BWS:
		if (c == '=')
			b->st = B_VALUE0;
		else if (c == ';')
			b->st = B_NAME0;
		else if (!hf_is_ws(c))
			return hf_bad(c, HF_ERR_CHUNK_EXT);
		return HF_ERR_NONE;
	case B_VALUE0:
		if (c == '"')
			b->st = B_QUOTED;
		else if (cls & HF_C_TCHAR)
			b->st = B_TOKEN;
		else if (!hf_is_ws(c))
			return hf_bad(c, HF_ERR_CHUNK_EXT);
		return HF_ERR_NONE;
	case B_TOKEN:
		if (cls & HF_C_TCHAR)
			return HF_ERR_NONE;
		return ext_next(b, c, HF_ERR_CHUNK_EXT);
	case B_QUOTED:
		/* qdtext or quoted-pair (RFC 9110 section 5.6.4): no CTL
		 * but HTAB, so no CR or LF inside the quotes. */
		if (c == '"')
			b->st = B_QEND;
		else if (c == '\\')
			b->st = B_QPAIR;
		else if (!(cls & HF_C_QDTEXT))
			return hf_bad(c, HF_ERR_CHUNK_EXT);
		return HF_ERR_NONE;
	case B_QPAIR:
		if (!(cls & HF_C_VALUE))
			return hf_bad(c, HF_ERR_CHUNK_EXT);
		b->st = B_QUOTED;
		return HF_ERR_NONE;
	case B_QEND:
		return ext_next(b, c, HF_ERR_CHUNK_EXT);
	case B_LF:
		/* Lines end in CRLF exactly (RFC 9112 section 2.2). */
		if (c != '\n')
			return HF_ERR_BARE_CR;
		/* last-chunk = 1*("0") [ chunk-ext ] CRLF, then the
		 * trailer section. */
		b->st = b->left == 0 ? B_TRAILER + HF_F_START : B_DATA;
		return HF_ERR_NONE;
	default:
		return HF_ERR_CHUNK_SIZE;
	}
}

static long chunked_feed(struct hf_body *b, const unsigned char *p,
			 size_t len)
{
	size_t i = 0;

	while (i < len) {
		enum hf_error e = HF_ERR_NONE;

		if (b->st == B_DATA) {
			/* chunk-data is opaque: skipped, never read. */
			uint64_t n = len - i < b->left ? len - i : b->left;
			i += (size_t)n;
			b->left -= n;
			if (b->left == 0)
				b->st = B_DATA_CR;
			continue;
		}
		unsigned char c = p[i++];
		if (b->st < B_DATA) {
			/* A chunk line, CRLF included, is at most 4096 bytes:
			 * extensions are not a place to park data. */
			if (++b->line > HF_MAX_CHUNK_LINE)
				return fail(b, HF_ERR_CHUNK_LINE);
			e = line_step(b, c);
		} else if (b->st == B_DATA_CR || b->st == B_DATA_LF) {
			/* chunk = chunk-size [ chunk-ext ] CRLF chunk-data
			 * CRLF: exactly CRLF after the data, or the size
			 * was not what the sender thought it was. */
			if (c != (b->st == B_DATA_CR ? '\r' : '\n')) {
				e = HF_ERR_CHUNK_CRLF;
			} else if (b->st == B_DATA_CR) {
				b->st = B_DATA_LF;
			} else {
				b->st = B_SIZE0;
				b->line = 0;
			}
		} else {
			/* trailer-section = *( field-line CRLF ), then CRLF
			 * (section 7.1.2); each line is checked as a header
			 * field would be, the section is bounded. */
			uint8_t fst = (uint8_t)(b->st - B_TRAILER);
			int ev;

			if (++b->trailer > HF_MAX_TRAILER)
				return fail(b, HF_ERR_TRAILER_TOO_LARGE);
			ev = hf_field_step(&fst, c);
			b->st = (uint8_t)(B_TRAILER + fst);
			if (ev < 0)
				e = (enum hf_error)-ev;
			else if (ev == HF_EV_END) {
				/* The message ends here; what follows is
				 * the next message's. */
				b->done = true;
				return (long)i;
			}
		}
		if (e != HF_ERR_NONE)
			return fail(b, e);
	}
	return (long)i;
}

void hf_body_init(struct hf_body *b, enum hf_kind kind, uint64_t length)
{
	b->left = kind == HF_LENGTH ? length : 0;
	b->line = 0;
	b->trailer = 0;
	b->kind = (uint8_t)kind;
	b->st = B_SIZE0;
	b->error = HF_ERR_NONE;
	b->done = kind == HF_NONE || (kind == HF_LENGTH && length == 0);
}

long hf_body_feed(struct hf_body *b, const char *p, size_t len)
{
	if (unlikely(b->error != HF_ERR_NONE))
		return HF_BODY_ERROR;
	if (b->done)
		return 0;
	switch (b->kind) {
	case HF_NONE:
		return 0;
	case HF_LENGTH: {
		uint64_t n = len < b->left ? len : b->left;
		b->left -= n;
		b->done = b->left == 0;
		return (long)n;
	}
	case HF_CHUNKED:
		return chunked_feed(b, (const unsigned char *)p, len);
	default:
		/* HF_CLOSE, HF_TUNNEL: everything until the connection
		 * ends (RFC 9112 section 6.3 item 8). */
		return (long)len;
	}
}

