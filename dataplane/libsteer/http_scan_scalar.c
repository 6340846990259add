/* The scalar scan path: portable C, a word at a time where runs are long.
 * It is the reference the vector paths are fuzzed against, and the path
 * used on a CPU without SSE4.2. */
#include <stdint.h>
#include <string.h>

#include "http-int.h"

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

/* NUL, LF and CR are all below 0x0e: skip 4-byte words without such a
 * byte, then go to the first one (or to a HTAB). Only 4: the header cannot
 * end sooner than CRLFCRLF away, so the word is still header. */
static inline const unsigned char *hs_stop(const unsigned char *b,
					   const unsigned char *p,
					   const unsigned char *lim)
{
	(void)b;
	for (;;) {
		while (lim - p >= 4) {
			uint32_t w;
			memcpy(&w, p, sizeof(w));
			uint64_t m = has_below(w, 0x0e) & 0xffffffffu;
			if (m != 0) {
				p += skippable(m);
				goto byte;
			}
			p += 4;
		}
		if (p >= lim)
			return lim;
byte:
		if (http_ctype[*p] & C_SCAN)
			return p;
		p++;
	}
}

static inline const unsigned char *hs_value(const unsigned char *p,
					    const unsigned char *end,
					    const unsigned char *lo)
{
	(void)lo;
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
		if (!(http_ctype[*p] & C_VALUE))
			return p;
		p++;
	}
}

static inline const unsigned char *hs_target(const unsigned char *p,
					     const unsigned char *end,
					     const unsigned char *lo)
{
	(void)lo;
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
		if (!(http_ctype[*p] & C_TARGET))
			return p;
		p++;
	}
}

static inline const unsigned char *hs_name(const unsigned char *p,
					   const unsigned char *end,
					   const unsigned char *lo)
{
	(void)end;
	(void)lo;
	while (http_ctype[*p] & C_TCHAR)
		p++;
	return p;
}

static inline size_t hs_host_run(const unsigned char *s, size_t n,
				  const unsigned char *lo)
{
	(void)s;
	(void)n;
	(void)lo;
	return 0;
}

#define HS(n) n##_scalar
#define HS_ATTR
#include "http_lines.h"
