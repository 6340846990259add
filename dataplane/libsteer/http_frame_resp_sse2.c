/* The SSE2 scan path of the response-head framer, 16 bytes at a time.
 * SSE2 is part of x86-64, so this is the path of every x86-64 CPU without
 * AVX2; no target attribute is needed. */
#include "http_frame_resp-int.h"

#ifdef HF_HAVE_X86_64
#include <emmintrin.h>

#define VW 16
#define VT __m128i
#define VOP(op) _mm_##op
#define VSI(op) _mm_##op##_si128
#define VATTR
#include "http_frame_resp_vec.h"

#define HR(n) n##_sse2
#define HR_ATTR
#include "http_frame_resp_lines.h"

#endif
