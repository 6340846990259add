/* Internals the HTTP framing parsers share (http_frame*.c only): character
 * classes, a field-line state machine read a byte at a time (response
 * heads and chunked trailers) and a comma-list tokenizer (Connection,
 * Transfer-Encoding). Everything works one byte at a time with a few bytes
 * of state, so a caller can stop at any byte and resume with the next. */
#ifndef STEER_HTTP_FRAME_INT_H
#define STEER_HTTP_FRAME_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "http_frame-t.h"

#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/* Character classes, one byte per octet (http_frame.c). */
enum {
	HF_C_TCHAR = 0x01,    /* token, RFC 9110 section 5.6.2 */
	HF_C_VALUE = 0x02,    /* field-vchar / SP / HTAB, RFC 9110 section 5.5;
			       * also what a quoted-pair may escape (5.6.4) */
	HF_C_HEX = 0x04,      /* HEXDIG, RFC 5234 appendix B.1 */
	HF_C_QDTEXT = 0x08,   /* qdtext, RFC 9110 section 5.6.4 */
};
extern const uint8_t hf_ctype[256];

static inline bool hf_is_ws(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline unsigned char hf_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* The error for byte C where only E's bytes may be: a NUL and a bare LF
 * are named for themselves wherever they appear (RFC 9112 section 2.2),
 * so the same input gives the same error in the head and in trailers. */
static inline enum hf_error hf_bad(unsigned char c, enum hf_error e)
{
	return c == 0 ? HF_ERR_NUL : c == '\n' ? HF_ERR_BARE_LF : e;
}

/* ---- known words, compared as their bytes arrive ---- */

struct hf_word {
	const char *s;            /* lowercase letters and '-' */
	uint8_t len;
};

/* Connection options (http_frame.c), in this order. */
enum { HF_W_CLOSE, HF_W_KEEPALIVE, HF_W_UPGRADE, HF_W__COUNT };
extern const struct hf_word hf_conn_words[HF_W__COUNT];

/* Start comparing a token with the N (<= 8) words W. */
static inline void hf_words_start(uint8_t *mask, uint8_t *pos, unsigned n)
{
	*mask = (uint8_t)((1u << n) - 1);
	*pos = 0;
}

/* Compare the next byte C of the token, case-insensitively (RFC 9110
 * section 5.1 for names; the options and codings we know are
 * case-insensitive too, sections 7.6.1 and 10.1.4). */
static inline void hf_words_next(uint8_t *mask, uint8_t *pos,
				 const struct hf_word *w, unsigned n,
				 unsigned char c)
{
	if (*mask == 0)
		return;
	c = hf_lower(c);
	for (unsigned i = 0; i < n; i++)
		if (*pos >= w[i].len || (unsigned char)w[i].s[*pos] != c)
			*mask &= (uint8_t)~(1u << i);
	(*pos)++;
}

/* Which word the whole token was, or N for none. */
static inline unsigned hf_words_which(uint8_t mask, uint8_t pos,
				      const struct hf_word *w, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if ((mask >> i & 1) && w[i].len == pos)
			return i;
	return n;
}

/* ---- comma lists of tokens (RFC 9110 section 5.6.1) ---- */

/* 1#token with OWS around the commas; empty members are ignored, as a
 * recipient must (section 5.6.1). Members are bare tokens: neither the
 * connection options nor the transfer codings we act on take parameters,
 * and refusing anything else keeps the list unambiguous. */
enum { HF_L_SEP, HF_L_TOKEN, HF_L_AFTER, HF_L_BAD };
#define HF_LIST_NOTHING (-1)      /* no member ended at this byte */
#define HF_LIST_BAD (-2)          /* not a list of tokens: the rest ignored */

static inline void hf_list_init(struct hf_list *l)
{
	l->st = HF_L_SEP;
	l->words = 0;
	l->pos = 0;
	l->members = 0;
}

static inline int hf_list_member(struct hf_list *l, const struct hf_word *w,
				 unsigned n)
{
	if (l->members < UINT8_MAX)
		l->members++;
	return (int)hf_words_which(l->words, l->pos, w, n);
}

/* Feed byte C of a field value. Returns HF_LIST_NOTHING, HF_LIST_BAD (once;
 * later bytes return HF_LIST_NOTHING), or, when a member ended, which of
 * the N words W it was (N for none of them). */
static inline int hf_list_step(struct hf_list *l, const struct hf_word *w,
			       unsigned n, unsigned char c)
{
	switch (l->st) {
	case HF_L_SEP:
		if (hf_is_ws(c) || c == ',')
			return HF_LIST_NOTHING;
		if (hf_ctype[c] & HF_C_TCHAR) {
			l->st = HF_L_TOKEN;
			hf_words_start(&l->words, &l->pos, n);
			hf_words_next(&l->words, &l->pos, w, n, c);
			return HF_LIST_NOTHING;
		}
		break;
	case HF_L_TOKEN:
		if (hf_ctype[c] & HF_C_TCHAR) {
			hf_words_next(&l->words, &l->pos, w, n, c);
			return HF_LIST_NOTHING;
		}
		if (c == ',' || hf_is_ws(c)) {
			l->st = c == ',' ? HF_L_SEP : HF_L_AFTER;
			return hf_list_member(l, w, n);
		}
		break;
	case HF_L_AFTER:
		if (hf_is_ws(c))
			return HF_LIST_NOTHING;
		if (c == ',') {
			l->st = HF_L_SEP;
			return HF_LIST_NOTHING;
		}
		break;
	default:
		return HF_LIST_NOTHING;
	}
	l->st = HF_L_BAD;
	return HF_LIST_BAD;
}

/* The field value ended: the member in progress, if any, ends too. */
static inline int hf_list_end(struct hf_list *l, const struct hf_word *w,
			      unsigned n)
{
	if (l->st != HF_L_TOKEN)
		return HF_LIST_NOTHING;
	l->st = HF_L_SEP;
	return hf_list_member(l, w, n);
}

/* ---- field lines (RFC 9112 section 5), a byte at a time ---- */

/* States of a field-line reader; F_DONE after the blank line. */
enum { HF_F_START, HF_F_NAME, HF_F_NAME_WS, HF_F_OWS, HF_F_VALUE, HF_F_LF,
       HF_F_END_LF, HF_F_DONE };

/* What a byte was, for callers that look at names and values. */
enum {
	HF_EV_NONE,       /* OWS, CR, or whitespace before a colon */
	HF_EV_NAME0,      /* the first byte of a field name */
	HF_EV_NAME,       /* a later byte of the name */
	HF_EV_COLON,      /* the colon right after the name */
	HF_EV_VALUE,      /* a byte of the value, from its first non-OWS one;
			   * trailing OWS included */
	HF_EV_EOL,        /* the LF ending a field line */
	HF_EV_END,        /* the LF of the blank line ending the section */
};

/* Feed byte C to the reader in *ST. Returns an HF_EV_* (>= 0) or minus an
 * enum hf_error. field-line = field-name ":" OWS field-value OWS CRLF. */
static inline int hf_field_step(uint8_t *st, unsigned char c)
{
	switch (*st) {
	case HF_F_START:
		if (hf_ctype[c] & HF_C_TCHAR) {
			*st = HF_F_NAME;
			return HF_EV_NAME0;
		}
		if (c == '\r') {
			*st = HF_F_END_LF;
			return HF_EV_NONE;
		}
		/* obs-fold (section 5.2), or whitespace before the first
		 * field (section 2.2): we refuse both, having no buffer in
		 * which to replace a fold with SP. */
		if (hf_is_ws(c))
			return -HF_ERR_OBS_FOLD;
		return -(int)hf_bad(c, HF_ERR_FIELD_NAME);
	case HF_F_NAME:
		if (hf_ctype[c] & HF_C_TCHAR)
			return HF_EV_NAME;
		if (c == ':') {
			*st = HF_F_OWS;
			return HF_EV_COLON;
		}
		if (hf_is_ws(c)) {
			*st = HF_F_NAME_WS;
			return HF_EV_NONE;
		}
		return -(int)hf_bad(c, HF_ERR_FIELD_NAME);
	case HF_F_NAME_WS:
		/* No whitespace between name and colon (section 5.1): a
		 * classic smuggling vector. Anything else is a bad name. */
		if (hf_is_ws(c))
			return HF_EV_NONE;
		if (c == ':')
			return -HF_ERR_FIELD_WS;
		return -(int)hf_bad(c, HF_ERR_FIELD_NAME);
	case HF_F_OWS:
		if (hf_is_ws(c))
			return HF_EV_NONE;
		if (hf_ctype[c] & HF_C_VALUE) {
			*st = HF_F_VALUE;
			return HF_EV_VALUE;
		}
		if (c == '\r') {
			*st = HF_F_LF;
			return HF_EV_NONE;
		}
		return -(int)hf_bad(c, HF_ERR_FIELD_VALUE);
	case HF_F_VALUE:
		/* No CTL but HTAB in a value (RFC 9110 section 5.5). */
		if (hf_ctype[c] & HF_C_VALUE)
			return HF_EV_VALUE;
		if (c == '\r') {
			*st = HF_F_LF;
			return HF_EV_NONE;
		}
		return -(int)hf_bad(c, HF_ERR_FIELD_VALUE);
	case HF_F_LF:
	case HF_F_END_LF:
		/* Lines end in CRLF exactly (section 2.2). */
		if (c != '\n')
			return -HF_ERR_BARE_CR;
		if (*st == HF_F_LF) {
			*st = HF_F_START;
			return HF_EV_EOL;
		}
		*st = HF_F_DONE;
		return HF_EV_END;
	default:
		return -HF_ERR_FIELD_NAME;
	}
}

#endif
