/* The SSE4.2 scan path: PCMPESTRI with byte ranges finds the first byte of
 * 16 that ends a run, as picohttpparser does. Compiled with a target
 * attribute so the rest of the library stays baseline x86-64; http.c only
 * calls it when the CPU has SSE4.2.
 *
 * Reads: hs_stop reads 16-byte blocks aligned to 16 that end at or before
 * LIM (an aligned block never crosses a page, so past the header it only
 * touches bytes on the page of the header's end); the structural loops
 * read unaligned blocks inside [lo, end), the last one moved back to end at
 * END. Bytes before the block's start offset are masked off. */
#include "http-int.h"

#ifdef HTTP_HAVE_X86
#include <nmmintrin.h>

#define SSE42 __attribute__((target("sse4.2")))

#define RANGES (_SIDD_UBYTE_OPS | _SIDD_CMP_RANGES)

/* The stop bytes of each loop as (low, high) ranges. */
static const char r_stop[16] = "\0\0\n\n\r\r";
#define N_STOP 6
static const char r_target[16] = "\0\x20\x7f\xff";
#define N_TARGET 4
static const char r_value[16] = "\0\x08\x0a\x1f\x7f\x7f";
#define N_VALUE 6
/* Names: the common bytes of a field name ('-', digits, letters) as
 * ranges, and PCMPESTRI with negative polarity stops on the first other
 * byte; the table then decides the rare tchars ('!', '_', ...), so the
 * result is exact with 4 ranges where tchar needs 9. */
static const char r_name[16] = "--09AZaz";
#define N_NAME 8

SSE42 static inline __m128i ranges(const char *r)
{
	return _mm_loadu_si128((const __m128i *)(const void *)r);
}

/* Bit i set iff byte i of the 16 at P is in the ranges R[0..N). */
SSE42 static inline unsigned in_mask(__m128i r, int n, const unsigned char *p,
				     int polarity)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	if (polarity)
		return (unsigned)_mm_cvtsi128_si32(_mm_cmpestrm(
			r, n, v, 16, RANGES | _SIDD_BIT_MASK |
					     _SIDD_NEGATIVE_POLARITY));
	return (unsigned)_mm_cvtsi128_si32(
		_mm_cmpestrm(r, n, v, 16, RANGES | _SIDD_BIT_MASK));
}

SSE42 static inline const unsigned char *hs_stop(const unsigned char *b,
						 const unsigned char *p,
						 const unsigned char *lim)
{
	const __m128i r = ranges(r_stop);
	const unsigned char *blk =
		(const unsigned char *)((uintptr_t)p & ~(uintptr_t)15);

	if (blk >= b && lim - blk >= 16) {
		unsigned m = in_mask(r, N_STOP, blk, 0) >> (p - blk);
		if (m != 0)
			return p + __builtin_ctz(m);
		p = blk + 16;
	} else {
		/* the buffer's first, unaligned block */
		for (; p < lim && p < blk + 16; p++)
			if (http_ctype[*p] & C_SCAN)
				return p;
	}
	while (lim - p >= 16) {
		__m128i v = _mm_load_si128((const __m128i *)(const void *)p);
		int i = _mm_cmpestri(r, N_STOP, v, 16, RANGES);
		if (i != 16)
			return p + i;
		p += 16;
	}
	for (; p < lim; p++)
		if (http_ctype[*p] & C_SCAN)
			return p;
	return lim;
}

/* First byte of [p, end) in the ranges R (or, with POLARITY, outside
 * them); one exists. Reads only [lo, end). */
SSE42 static inline const unsigned char *
find(const char *rs, int n, int polarity, const unsigned char *p,
     const unsigned char *end, const unsigned char *lo)
{
	const __m128i r = ranges(rs);

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		int i = polarity ? _mm_cmpestri(r, n, v, 16,
						RANGES | _SIDD_NEGATIVE_POLARITY) :
				   _mm_cmpestri(r, n, v, 16, RANGES);
		if (i != 16)
			return p + i;
		p += 16;
	}
	if (end - lo >= 16) {
		const unsigned char *q = end - 16;
		unsigned m = in_mask(r, n, q, polarity) >> (p - q);
		return m != 0 ? p + __builtin_ctz(m) : end;
	}
	return NULL;
}

SSE42 static inline const unsigned char *hs_target(const unsigned char *p,
						   const unsigned char *end,
						   const unsigned char *lo)
{
	const unsigned char *s = find(r_target, N_TARGET, 0, p, end, lo);
	if (s != NULL)
		return s;
	while (http_ctype[*p] & C_TARGET)
		p++;
	return p;
}

SSE42 static inline const unsigned char *hs_value(const unsigned char *p,
						  const unsigned char *end,
						  const unsigned char *lo)
{
	const unsigned char *s = find(r_value, N_VALUE, 0, p, end, lo);
	if (s != NULL)
		return s;
	while (http_ctype[*p] & C_VALUE)
		p++;
	return p;
}

SSE42 static inline const unsigned char *hs_name(const unsigned char *p,
						 const unsigned char *end,
						 const unsigned char *lo)
{
	const unsigned char *s = find(r_name, N_NAME, 1, p, end, lo);
	if (s != NULL)
		p = s;
	while (http_ctype[*p] & C_TCHAR)
		p++;
	return p;
}

/* Host bytes a vector may skip: the common ones ('-', '.', digits,
 * letters), for http_host_check(). */
static const char r_host[16] = "-.09AZaz";
#define N_HOST 8

SSE42 static inline size_t hs_host_run(const unsigned char *s, size_t n,
				       const unsigned char *lo)
{
	const __m128i r = ranges(r_host);
	const unsigned char *p = s, *end = s + n;

	while (end - p >= 16) {
		unsigned m = in_mask(r, N_HOST, p, 1);
		if (m != 0)
			return (size_t)(p - s) + __builtin_ctz(m);
		p += 16;
	}
	if (p == end)
		return n;
	if (end - lo >= 16) {
		const unsigned char *q = end - 16;
		unsigned m = in_mask(r, N_HOST, q, 1) >> (p - q);
		return m != 0 ? (size_t)(p - s) + __builtin_ctz(m) : n;
	}
	return 0;
}

#define HS(n) n##_sse42
#define HS_ATTR SSE42
#include "http_lines.h"

#endif
