/* The skip loops of the response-head framer's vector paths, written once
 * for a vector width: each class test a few compares turned into a bit
 * mask (PMOVMSKB), the first stop byte its lowest set bit. Every test is
 * exact for the bytes it passes, so the paths leave the same state as the
 * scalar one (tests/fuzz/resp_diff_fuzz.c).
 *
 * Reads: unaligned blocks inside [lo, end) only, the last one moved back
 * to end at END, its bytes before P masked off; with fewer than VW bytes
 * from LO to END, bytes. Nothing past the bytes a caller was given is
 * read: a segment ends wherever the backend cut it.
 *
 * The including file defines, before including this:
 *   VW         the width in bytes (16 or 32)
 *   VT         the vector type
 *   VOP(op)    an intrinsic of that width (_mm_##op, _mm256_##op)
 *   VSI(op)    one with the type suffix (_mm_##op##_si128, ...)
 *   VATTR      the functions' attributes (a target, or nothing) */
#include <stdint.h>

#include "http_frame-int.h"
#include "http_frame_resp-int.h"

/* A bit per byte of a block (16 of them used at VW 16). */
typedef uint32_t vmask_t;

VATTR static inline VT vload(const unsigned char *p)
{
	return VSI(loadu)((const VT *)(const void *)p);
}

/* Bit i set iff byte i of V is not HF_C_VALUE: a CTL other than HTAB (at
 * most 0x1f unsigned and not 0x09), or DEL (RFC 9110 section 5.5). */
VATTR static inline vmask_t value_stops(VT v)
{
	VT ctl = VOP(cmpeq_epi8)(VOP(min_epu8)(v, VOP(set1_epi8)(0x1f)), v);
	ctl = VSI(andnot)(VOP(cmpeq_epi8)(v, VOP(set1_epi8)(0x09)), ctl);
	VT del = VOP(cmpeq_epi8)(v, VOP(set1_epi8)(0x7f));
	return (vmask_t)VOP(movemask_epi8)(VSI(or)(ctl, del));
}

/* Bit i set iff byte i of V is none of the bytes most field names are
 * made of: letters ((c | 0x20) - 'a' at most 25 unsigned), digits, '-'.
 * The other tchars ('!', '_', ...) stop the vector and the table decides
 * them, so the test is exact with three ranges where tchar needs nine. */
VATTR static inline vmask_t name_stops(VT v)
{
	VT l = VOP(sub_epi8)(VSI(or)(v, VOP(set1_epi8)(0x20)),
			     VOP(set1_epi8)('a'));
	VT d = VOP(sub_epi8)(v, VOP(set1_epi8)('0'));
	VT ok = VSI(or)(
		VOP(cmpeq_epi8)(VOP(min_epu8)(l, VOP(set1_epi8)(25)), l),
		VOP(cmpeq_epi8)(VOP(min_epu8)(d, VOP(set1_epi8)(9)), d));
	ok = VSI(or)(ok, VOP(cmpeq_epi8)(v, VOP(set1_epi8)('-')));
	return ~(vmask_t)VOP(movemask_epi8)(ok)
#if VW == 16
	       & 0xffffu
#endif
		;
}

VATTR static inline vmask_t stops(int name, VT v)
{
	return name ? name_stops(v) : value_stops(v);
}

/* First byte of [p, end) that NAME's test (or else the value test) stops
 * on, or end; with fewer than VW bytes in [lo, end), the first byte of
 * [p, end) outside CLASS. Reads only [lo, end). */
VATTR static inline const unsigned char *find(int name, uint8_t class,
					      const unsigned char *lo,
					      const unsigned char *p,
					      const unsigned char *end)
{
	while (end - p >= VW) {
		vmask_t m = stops(name, vload(p));
		if (m != 0)
			return p + __builtin_ctz(m);
		p += VW;
	}
	if (p == end)
		return end;
	if (end - lo >= VW) {
		const unsigned char *q = end - VW;
		vmask_t m = stops(name, vload(q)) >> (p - q);
		return m != 0 ? p + __builtin_ctz(m) : end;
	}
	while (p < end && (hf_ctype[*p] & class))
		p++;
	return p;
}

VATTR static inline const unsigned char *hr_value(const unsigned char *lo,
						  const unsigned char *p,
						  const unsigned char *end)
{
	return find(0, HF_C_VALUE, lo, p, end);
}

VATTR static inline const unsigned char *hr_tchar(const unsigned char *lo,
						  const unsigned char *p,
						  const unsigned char *end)
{
	for (;;) {
		p = find(1, HF_C_TCHAR, lo, p, end);
		if (p == end || !(hf_ctype[*p] & HF_C_TCHAR))
			return p;
		p++;              /* a rare tchar: on with the vector */
	}
}

/* names_mask() over 32 bytes of the name at once: for each known name, the
 * first byte that differs is the lowest zero bit of the compare. B[0..L)
 * are tchars, and for a tchar c, c | 0x20 equals a lowercase letter only
 * when c is that letter in either case, and '-' only when c is '-' (the
 * other byte, CR, is no tchar), so the compare is hf_lower()'s. The NUL
 * padding differs from every byte, so the first difference is at most the
 * name's length: where the byte loop stops too. Only with 32 bytes at B. */
VATTR static inline int hr_names(const unsigned char *b, size_t l, size_t n,
				 uint8_t *m, uint8_t *pos)
{
	_Static_assert(HF_NAME_PAD == 32, "hr_names compares 32 bytes");
	if (n < 32)
		return 0;
	const VT lc = VOP(set1_epi8)(0x20);
	VT x0 = VSI(or)(vload(b), lc);
#if VW == 16
	VT x1 = VSI(or)(vload(b + 16), lc);
#endif
	uint8_t mask = 0;
	size_t last = 1;                  /* a name skipped below: out at byte 0 */
	for (unsigned w = 0; w < N_OTHER; w++) {
		const unsigned char *s = (const unsigned char *)hf_resp_name_pad[w];
		if (s[0] != (b[0] | 0x20))
			continue;
		vmask_t eq = (vmask_t)VOP(movemask_epi8)(VOP(cmpeq_epi8)(x0, vload(s)));
#if VW == 16
		eq |= (vmask_t)VOP(movemask_epi8)(VOP(cmpeq_epi8)(x1, vload(s + 16)))
		      << 16;
#endif
		size_t k = (size_t)__builtin_ctz(~eq);
		if (k >= l)
			mask |= (uint8_t)(1u << w);
		else if (k + 1 > last)
			last = k + 1;     /* ruled out by byte K */
	}
	*m = mask;
	*pos = (uint8_t)(mask ? l : last);
	return 1;
}
