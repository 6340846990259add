/* The AVX2 scan path: 32 bytes at a time, each class test a couple of
 * compares turned into a bit mask (VPMOVMSKB), the first stop byte its
 * lowest set bit. Compiled with a target attribute so the rest of the
 * library stays baseline x86-64; http.c only calls it when the CPU has
 * AVX2.
 *
 * Reads: hs_stop reads blocks aligned to their size (32, then 16 for the
 * tail) that end at or before LIM: an aligned block never crosses a page,
 * so past the header it only touches bytes on the page of the header's
 * end. The structural loops read unaligned blocks inside [lo, end), the
 * last one moved back to end at END, its bytes before P masked off. */
#include "http-int.h"

#ifdef HTTP_HAVE_X86
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

/* Byte classes over 32 bytes: a bit per byte that stops the loop. */

/* NUL, LF, CR: VPSHUFB looks the low nibble up in a table holding the
 * byte itself at 0, 10 and 13 and 0xff elsewhere; only a byte equal to its
 * entry stops (a byte >= 0x80 looks up 0, and is not 0). */
#define STOP_LUT 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, 10, -1, -1, 13, -1, -1

AVX2 static inline unsigned stop32(__m256i v)
{
	const __m256i lut = _mm256_setr_epi8(STOP_LUT, STOP_LUT);
	return (unsigned)_mm256_movemask_epi8(
		_mm256_cmpeq_epi8(_mm256_shuffle_epi8(lut, v), v));
}

AVX2 static inline unsigned stop16(__m128i v)
{
	const __m128i lut = _mm_setr_epi8(STOP_LUT);
	return (unsigned)_mm_movemask_epi8(
		_mm_cmpeq_epi8(_mm_shuffle_epi8(lut, v), v));
}

/* Not VCHAR: below 0x21 as a signed byte (so 0x80-0xff too), or DEL. */
AVX2 static inline unsigned target32(__m256i v)
{
	return (unsigned)_mm256_movemask_epi8(_mm256_or_si256(
		_mm256_cmpgt_epi8(_mm256_set1_epi8(0x21), v),
		_mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f))));
}

/* A CTL other than HTAB: at most 0x1f unsigned and not 0x09, or DEL. */
AVX2 static inline unsigned value32(__m256i v)
{
	__m256i ctl = _mm256_cmpeq_epi8(
		_mm256_min_epu8(v, _mm256_set1_epi8(0x1f)), v);
	ctl = _mm256_andnot_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(9)),
				  ctl);
	return (unsigned)_mm256_movemask_epi8(_mm256_or_si256(
		ctl, _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f))));
}

/* Not a tchar, exactly: the low nibble looks up which high nibbles (bit
 * k for 0xk_, k < 8) hold tchars, the high nibble looks up its bit (none
 * for 0x8_-0xf_); a byte is a tchar iff the two share a bit. Rows from
 * RFC 9110 section 5.6.2: 2_ "!#$%&'*+-.", 3_ digits, 4_-5_ letters and
 * "^_", 6_-7_ "`", letters, "|~". */
AVX2 static inline unsigned name32(__m256i v)
{
#define B(x) ((char)(x))
#define NAME_LO B(0xe8), B(0xfc), B(0xf8), B(0xfc), B(0xfc), B(0xfc),        \
		B(0xfc), B(0xfc), B(0xf8), B(0xf8), B(0xf4), B(0x54),        \
		B(0xd0), B(0x54), B(0xf4), B(0x70)
#define NAME_HI 1, 2, 4, 8, 16, 32, 64, B(0x80), 0, 0, 0, 0, 0, 0, 0, 0
	const __m256i lo = _mm256_setr_epi8(NAME_LO, NAME_LO);
	const __m256i hi = _mm256_setr_epi8(NAME_HI, NAME_HI);
	const __m256i nib = _mm256_set1_epi8(0x0f);
	__m256i l = _mm256_shuffle_epi8(lo, _mm256_and_si256(v, nib));
	__m256i h = _mm256_shuffle_epi8(
		hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
	return (unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
		_mm256_and_si256(l, h), _mm256_setzero_si256()));
#undef NAME_LO
#undef B
#undef NAME_HI
}

AVX2 static inline __m256i load32(const unsigned char *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

#define ALIGN_DOWN(p, n)                                                      \
	((const unsigned char *)((uintptr_t)(p) & ~(uintptr_t)((n) - 1)))

AVX2 static inline const unsigned char *hs_stop(const unsigned char *b,
						const unsigned char *p,
						const unsigned char *lim)
{
	for (;;) {
		const unsigned char *blk = ALIGN_DOWN(p, 32);
		unsigned m;

		if (blk >= b && lim - blk >= 32) {
			m = stop32(load32(blk)) >> (p - blk);
			if (m != 0)
				return p + __builtin_ctz(m);
			for (p = blk + 32; lim - p >= 32; p += 32) {
				m = stop32(load32(p));
				if (m != 0)
					return p + __builtin_ctz(m);
			}
		}
		/* The buffer's first block, or the last one: a 16-byte
		 * aligned block if it fits, else byte by byte to the next
		 * 16-byte boundary. */
		blk = ALIGN_DOWN(p, 16);
		if (blk >= b && lim - blk >= 16) {
			m = stop16(_mm_loadu_si128((const __m128i *)(const void *)blk)) >>
			    (p - blk);
			if (m != 0)
				return p + __builtin_ctz(m);
			p = blk + 16;
			continue;
		}
		const unsigned char *e = lim - blk < 16 ? lim : blk + 16;
		for (; p < e; p++)
			if (http_ctype[*p] & C_SCAN)
				return p;
		if (p == lim)
			return lim;
	}
}

/* The loop of the structural passes, over the class test MASK: the first
 * stop byte of [p, end), which exists; reads only [lo, end). */
#define FIND(mask, table, cls)                                                \
	do {                                                                  \
		while (end - p >= 32) {                                       \
			unsigned m = mask(load32(p));                         \
			if (m != 0)                                           \
				return p + __builtin_ctz(m);                  \
			p += 32;                                              \
		}                                                             \
		if (end - lo >= 32) {                                         \
			const unsigned char *q = end - 32;                    \
			unsigned m = mask(load32(q)) >> (p - q);              \
			return m != 0 ? p + __builtin_ctz(m) : end;           \
		}                                                             \
		while (table[*p] & (cls))                                     \
			p++;                                                  \
		return p;                                                     \
	} while (0)

AVX2 static inline const unsigned char *hs_target(const unsigned char *p,
						  const unsigned char *end,
						  const unsigned char *lo)
{
	FIND(target32, http_ctype, C_TARGET);
}

AVX2 static inline const unsigned char *hs_value(const unsigned char *p,
						 const unsigned char *end,
						 const unsigned char *lo)
{
	FIND(value32, http_ctype, C_VALUE);
}

AVX2 static inline const unsigned char *hs_name(const unsigned char *p,
						const unsigned char *end,
						const unsigned char *lo)
{
	FIND(name32, http_ctype, C_TCHAR);
}

#define HS(n) n##_avx2
#define HS_ATTR AVX2
#include "http_lines.h"

#endif
