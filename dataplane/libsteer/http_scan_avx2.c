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
#include <string.h>

#include "http-int.h"

#ifdef HTTP_HAVE_X86
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))
/* CLASSES() makes both widths of every test; not all are used. */
#define AVX2_MAYBE __attribute__((target("avx2"), unused))

/* Byte classes, over 32 bytes and over 16: a bit per byte that stops a
 * loop. X pastes an intrinsic's width prefix, SI its type suffix. */
#define X32(op) _mm256_##op
#define X16(op) _mm_##op
#define BYTE(x) ((char)(x))

/* NUL, LF, CR: VPSHUFB looks the low nibble up in a table holding the
 * byte itself at 0, 10 and 13 and 0xff elsewhere; only a byte equal to its
 * entry stops (a byte >= 0x80 looks up 0, and is not 0). */
#define STOP_LUT 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, 10, -1, -1, 13, -1, -1

/* A set of bytes below 0x80 by nibbles: the low nibble looks up which
 * high nibbles (bit k for 0xk_) hold members, the high nibble looks up
 * its bit (none for 0x8_-0xf_); a byte is a member iff the two share a
 * bit. HIGH_BITS is the second table. */
#define HIGH_BITS 1, 2, 4, 8, 16, 32, 64, BYTE(0x80), 0, 0, 0, 0, 0, 0, 0, 0
/* tchar, RFC 9110 section 5.6.2 */
#define TCHAR_LUT BYTE(0xe8), BYTE(0xfc), BYTE(0xf8), BYTE(0xfc),             \
		  BYTE(0xfc), BYTE(0xfc), BYTE(0xfc), BYTE(0xfc),             \
		  BYTE(0xf8), BYTE(0xf8), BYTE(0xf4), BYTE(0x54),             \
		  BYTE(0xd0), BYTE(0x54), BYTE(0xf4), BYTE(0x70)
/* C_HOST but '%': unreserved and sub-delims, RFC 3986 section 3.2.2 */
#define HOST_LUT BYTE(0xa8), BYTE(0xfc), BYTE(0xf8), BYTE(0xf8),              \
		 BYTE(0xfc), BYTE(0xf8), BYTE(0xfc), BYTE(0xfc),              \
		 BYTE(0xfc), BYTE(0xfc), BYTE(0xf4), BYTE(0x5c),              \
		 BYTE(0x54), BYTE(0x5c), BYTE(0xd4), BYTE(0x70)

/* The tables twice over, for 32-byte lanes and 16-byte ones alike. */
static const char lut_stop[32] __attribute__((aligned(32))) = { STOP_LUT, STOP_LUT };
static const char lut_high[32] __attribute__((aligned(32))) = { HIGH_BITS, HIGH_BITS };
static const char lut_tchar[32] __attribute__((aligned(32))) = { TCHAR_LUT, TCHAR_LUT };
static const char lut_host[32] __attribute__((aligned(32))) = { HOST_LUT, HOST_LUT };

/* The constants the tests compare with, loaded from memory by an asm
 * GCC cannot see into: otherwise it folds the load back into a constant
 * and builds it again (mov, vmovd, vpbroadcastb) at every use of an
 * inlined loop, three instructions instead of one. */
#define REP8(x) x, x, x, x, x, x, x, x
#define REP32(x) { REP8(x), REP8(x), REP8(x), REP8(x) }
static const char k_09[32] __attribute__((aligned(32))) = REP32(0x09);
static const char k_0f[32] __attribute__((aligned(32))) = REP32(0x0f);
static const char k_1f[32] __attribute__((aligned(32))) = REP32(0x1f);
static const char k_21[32] __attribute__((aligned(32))) = REP32(0x21);
static const char k_7f[32] __attribute__((aligned(32))) = REP32(0x7f);

AVX2 static inline __m256i kload32(const char *p)
{
	__m256i v;
	__asm__("vmovdqa %1, %0" : "=x"(v) : "m"(*(const __m256i *)(const void *)p));
	return v;
}

/* The constants of one parse, loaded once at its start: a loop inlined
 * many times over then reads them from registers or the stack. */
struct hk {
	__m256i c09, c0f, c1f, c21, c7f, stop, high, tchar, host;
	uintptr_t safe;           /* see can32() */
};

AVX2 static inline void hk_load(struct hk *k)
{
	k->c09 = kload32(k_09);
	k->c0f = kload32(k_0f);
	k->c1f = kload32(k_1f);
	k->c21 = kload32(k_21);
	k->c7f = kload32(k_7f);
	k->stop = kload32(lut_stop);
	k->high = kload32(lut_high);
	k->tchar = kload32(lut_tchar);
	k->host = kload32(lut_host);
	k->safe = 0;
}

/* Whether 32 bytes at P lie inside [p's page) and [.., LIM). K->safe
 * caches the last P for which that holds in the page of an earlier P: the
 * loops only move forward, so one compare decides, and the page is
 * worked out again only when P leaves it. */
AVX2 static inline int can32(struct hk *k, const unsigned char *p,
			     const unsigned char *lim)
{
	uintptr_t a = (uintptr_t)p, e = (uintptr_t)lim;

	if (likely(a <= k->safe))
		return 1;
	uintptr_t pe = (a | 4095) + 1;
	if (pe < e)
		e = pe;
	k->safe = e >= 32 ? e - 32 : 0;
	return a <= k->safe;
}

#define KV32(f) (k->f)
#define KV16(f) _mm256_castsi256_si128(k->f)

#define CLASSES(V, X, SI, W)                                               \
AVX2_MAYBE static inline V load##W(const unsigned char *p)                           \
{                                                                             \
	return X(loadu_##SI)((const V *)(const void *)p);                     \
}                                                                             \
AVX2_MAYBE static inline unsigned stop##W(const struct hk *k, V v)                                       \
{                                                                             \
	const V lut = KV##W(stop);                             \
	return (unsigned)X(movemask_epi8)(                                    \
		X(cmpeq_epi8)(X(shuffle_epi8)(lut, v), v));                   \
}                                                                             \
/* Not VCHAR: below 0x21 as a signed byte (so 0x80-0xff too), or DEL. */      \
AVX2_MAYBE static inline unsigned target##W(const struct hk *k, V v)                                     \
{                                                                             \
	return (unsigned)X(movemask_epi8)(X(or_##SI)(                         \
		X(cmpgt_epi8)(KV##W(c21), v),                         \
		X(cmpeq_epi8)(v, KV##W(c7f))));                       \
}                                                                             \
/* A CTL other than HTAB: at most 0x1f unsigned and not 0x09, or DEL. */      \
AVX2_MAYBE static inline unsigned value##W(const struct hk *k, V v)                                      \
{                                                                             \
	V ctl = X(cmpeq_epi8)(X(min_epu8)(v, KV##W(c1f)), v);         \
	ctl = X(andnot_##SI)(X(cmpeq_epi8)(v, KV##W(c09)), ctl);         \
	return (unsigned)X(movemask_epi8)(                                    \
		X(or_##SI)(ctl, X(cmpeq_epi8)(v, KV##W(c7f))));       \
}                                                                             \
/* A CTL, HTAB included, or DEL: the one-pass loop's value stop, which
 * steps over a HTAB itself (rare in values, and 2 operations fewer). */ \
AVX2_MAYBE static inline unsigned ctl##W(const struct hk *k, V v)                                        \
{                                                                             \
	V c = X(cmpeq_epi8)(X(min_epu8)(v, KV##W(c1f)), v);           \
	return (unsigned)X(movemask_epi8)(                                    \
		X(or_##SI)(c, X(cmpeq_epi8)(v, KV##W(c7f))));         \
}                                                                             \
/* Not a member of the nibble set LUT. */                                     \
AVX2_MAYBE static inline unsigned outside##W(const struct hk *k, V v, V lut)                             \
{                                                                             \
	const V hi = KV##W(high);                             \
	const V nib = KV##W(c0f);                                     \
	V l = X(shuffle_epi8)(lut, X(and_##SI)(v, nib));                      \
	V h = X(shuffle_epi8)(hi, X(and_##SI)(X(srli_epi16)(v, 4), nib));     \
	return (unsigned)X(movemask_epi8)(                                    \
		X(cmpeq_epi8)(X(and_##SI)(l, h), X(setzero_##SI)()));           \
}                                                                             \
AVX2_MAYBE static inline unsigned name##W(const struct hk *k, V v)                                       \
{                                                                             \
	return outside##W(k, v, KV##W(tchar));                    \
}                                                                             \
AVX2_MAYBE static inline unsigned host##W(const struct hk *k, V v)                                       \
{                                                                             \
	return outside##W(k, v, KV##W(host));                     \
}

CLASSES(__m256i, X32, si256, 32)
CLASSES(__m128i, X16, si128, 16)

#define ALIGN_DOWN(p, n)                                                      \
	((const unsigned char *)((uintptr_t)(p) & ~(uintptr_t)((n) - 1)))

/* The page-safe loop, over the class tests MASK##32/16 and the byte test
 * STOPS(c): the first stop byte of [p, lim), or lim. Reads 32 bytes at P
 * while they lie in P's page, then only blocks aligned to their size (32,
 * then 16) inside [b, lim), then single bytes: an aligned block never
 * crosses a page, so however far the header ends before LIM, nothing past
 * the page of its last byte is touched. */
#define BFIND(mask, STOPS)                                                    \
	/* 32 bytes at a time while they lie inside P's page */               \
	while (can32(k, p, lim)) {                                            \
		unsigned m = mask##32(k, load32(p));                          \
		if (m != 0)                                                   \
			return p + __builtin_ctz(m);                          \
		p += 32;                                                      \
	}                                                                     \
	for (;;) {                                                            \
		const unsigned char *blk = ALIGN_DOWN(p, 32);                 \
		unsigned m;                                                   \
		if (blk >= b && lim - blk >= 32) {                            \
			m = mask##32(k, load32(blk)) >> (p - blk);               \
			if (m != 0)                                           \
				return p + __builtin_ctz(m);                  \
			for (p = blk + 32; lim - p >= 32; p += 32) {          \
				m = mask##32(k, load32(p));                      \
				if (m != 0)                                   \
					return p + __builtin_ctz(m);          \
			}                                                     \
		}                                                             \
		blk = ALIGN_DOWN(p, 16);                                      \
		if (blk >= b && lim - blk >= 16) {                            \
			m = mask##16(k, load16(blk)) >> (p - blk);               \
			if (m != 0)                                           \
				return p + __builtin_ctz(m);                  \
			p = blk + 16;                                         \
			continue;                                             \
		}                                                             \
		const unsigned char *e = lim - blk < 16 ? lim : blk + 16;     \
		for (; p < e; p++)                                            \
			if (STOPS(*p))                                        \
				return p;                                     \
		if (p == lim)                                                 \
			return lim;                                           \
	}

#define IS_SCAN(c) (http_ctype[c] & C_SCAN)
#define NOT_TCHAR(c) (!(http_ctype[c] & C_TCHAR))
#define NOT_VALUE(c) (!(http_ctype[c] & C_VALUE))
#define NOT_TARGET(c) (!(http_ctype[c] & C_TARGET))

AVX2 static inline const unsigned char *hs_stop(const unsigned char *b,
						const unsigned char *p,
						const unsigned char *lim)
{
	struct hk kk;
	struct hk *k = &kk;

	hk_load(&kk);
	BFIND(stop, IS_SCAN)
}

/* The same page-safe loops for the one-pass parse (http_fast.h). */
AVX2 static inline const unsigned char *hs_bname_k(struct hk *k,
						   const unsigned char *b,
						 const unsigned char *p,
						 const unsigned char *lim)
{
	BFIND(name, NOT_TCHAR)
}

#define IS_CTL(c) ((c) < 0x20 || (c) == 0x7f)

AVX2 static inline const unsigned char *hs_bctl_k(struct hk *k,
						   const unsigned char *b,
						const unsigned char *p,
						const unsigned char *lim)
{
	BFIND(ctl, IS_CTL)
}

/* A field line at P: sets *COLON to the end of its name, and returns the
 * first CTL after it (or lim), as hs_bname() and hs_bctl() would, but
 * from one load when the name and a short value are in P's first 32
 * bytes. Returns lim when the name does not end in a ':' or is empty. */
AVX2 static inline const unsigned char *hs_bline_k(struct hk *k,
						   const unsigned char *b,
						 const unsigned char *p,
						 const unsigned char *lim,
						 const unsigned char **colon)
{
	const unsigned char *c;

	if (can32(k, p, lim)) {
		__m256i v = load32(p);
		unsigned nm = name32(k, v);
		if (nm != 0) {
			unsigned i = (unsigned)__builtin_ctz(nm);
			c = p + i;
			if (*c != ':' || i == 0)
				return lim;
			*colon = c;
			unsigned vm = ctl32(k, v) & (~1u << i);
			if (vm != 0)
				return p + __builtin_ctz(vm);
			return hs_bctl_k(k, b, p + 32, lim);
		}
	}
	c = hs_bname_k(k, b, p, lim);
	if (c == lim || *c != ':' || c == p)
		return lim;
	*colon = c;
	return hs_bctl_k(k, b, c + 1, lim);
}

AVX2 static inline const unsigned char *hs_btarget_k(struct hk *k,
						   const unsigned char *b,
						   const unsigned char *p,
						   const unsigned char *lim)
{
	BFIND(target, NOT_TARGET)
}

/* The loop of the structural passes over the class test MASK: the first
 * stop byte of [p, end), which exists; reads only [lo, end). */
#define FIND(mask, table, cls)                                                \
	do {                                                                  \
		while (end - p >= 32) {                                       \
			unsigned m = mask##32(k, load32(p));                     \
			if (m != 0)                                           \
				return p + __builtin_ctz(m);                  \
			p += 32;                                              \
		}                                                             \
		if (end - lo >= 32) {                                         \
			const unsigned char *q = end - 32;                    \
			unsigned m = mask##32(k, load32(q)) >> (p - q);          \
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
	struct hk kk;
	struct hk *k = &kk;

	hk_load(&kk);
	FIND(target, http_ctype, C_TARGET);
}

AVX2 static inline const unsigned char *hs_value(const unsigned char *p,
						 const unsigned char *end,
						 const unsigned char *lo)
{
	struct hk kk;
	struct hk *k = &kk;

	hk_load(&kk);
	FIND(value, http_ctype, C_VALUE);
}

AVX2 static inline const unsigned char *hs_name(const unsigned char *p,
						const unsigned char *end,
						const unsigned char *lo)
{
	struct hk kk;
	struct hk *k = &kk;

	hk_load(&kk);
	FIND(name, http_ctype, C_TCHAR);
}

/* How many bytes of S[0..N) from the start are host bytes other than
 * '%' (those http_host_check() may skip); reads only [lo, s + n). */
AVX2 static inline size_t hs_host_run_k(const struct hk *k,
					const unsigned char *s, size_t n,
					const unsigned char *lo)
{
	const unsigned char *p = s, *end = s + n;
	unsigned m;

	while (end - p >= 32) {
		m = host32(k, load32(p));
		if (m != 0)
			return (size_t)(p - s) + __builtin_ctz(m);
		p += 32;
	}
	if (p == end)
		return n;
	if (end - lo >= 32) {
		const unsigned char *q = end - 32;
		m = host32(k, load32(q)) >> (p - q);
		return m != 0 ? (size_t)(p - s) + __builtin_ctz(m) : n;
	}
	return 0;
}

/* Index of the first '?' in S[0..N), or N; reads only [lo, s + n), or
 * 32 bytes at S that can32() allows. */
AVX2 static inline size_t hs_qmark_k(struct hk *k, const unsigned char *s,
				     size_t n, const unsigned char *lo,
				     const unsigned char *lim)
{
	const unsigned char *p = s, *end = s + n;
	const __m256i qm = _mm256_set1_epi8('?');
	unsigned m;

	/* The common short target: one page-safe load, bits past it off. */
	if (n < 32 && can32(k, s, lim)) {
		m = (unsigned)_mm256_movemask_epi8(
			    _mm256_cmpeq_epi8(load32(s), qm)) &
		    ((1u << n) - 1);
		return m != 0 ? (size_t)__builtin_ctz(m) : n;
	}

	while (end - p >= 32) {
		m = (unsigned)_mm256_movemask_epi8(
			_mm256_cmpeq_epi8(load32(p), qm));
		if (m != 0)
			return (size_t)(p - s) + __builtin_ctz(m);
		p += 32;
	}
	if (p == end)
		return n;
	if (end - lo >= 32) {
		const unsigned char *q = end - 32;
		m = (unsigned)_mm256_movemask_epi8(
			    _mm256_cmpeq_epi8(load32(q), qm)) >> (p - q);
		return m != 0 ? (size_t)(p - s) + __builtin_ctz(m) : n;
	}
	const unsigned char *q = memchr(p, '?', (size_t)(end - p));
	return q != NULL ? (size_t)(q - s) : n;
}

AVX2 static inline size_t hs_host_run(const unsigned char *s, size_t n,
				      const unsigned char *lo)
{
	struct hk k;

	hk_load(&k);
	return hs_host_run_k(&k, s, n, lo);
}

#define HS_FAST 1
#define HS(n) n##_avx2
#define HS_ATTR AVX2
#include "http_lines.h"

/* The one pass loads the constants once (HS_FAST_INIT) and hands them to
 * every loop. */
#define HS_FAST_INIT                                                          \
	struct hk hk_;                                                        \
	hk_load(&hk_)
#define hs_bname(b, p, lim) hs_bname_k(&hk_, b, p, lim)
#define hs_btarget(b, p, lim) hs_btarget_k(&hk_, b, p, lim)
#define hs_bctl(b, p, lim) hs_bctl_k(&hk_, b, p, lim)
#define hs_bline(b, p, lim, c) hs_bline_k(&hk_, b, p, lim, c)
#define hs_qmark(s, n, lo) hs_qmark_k(&hk_, s, n, lo, lim)
#undef hs_host_run
#define hs_host_run(s, n, lo) hs_host_run_k(&hk_, s, n, lo)
#include "http_fast.h"

#endif
