/* The AVX2 scan path of the response-head framer, 32 bytes at a time.
 * Compiled with a target attribute so the rest of the library stays
 * baseline x86-64; http_frame_resp.c only calls it when the CPU has AVX2. */
#include "http_frame_resp-int.h"

#ifdef HF_HAVE_X86_64
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

#define VW 32
#define VT __m256i
#define VOP(op) _mm256_##op
#define VSI(op) _mm256_##op##_si256
#define VATTR AVX2
#include "http_frame_resp_vec.h"

#define HR(n) n##_avx2
#define HR_ATTR AVX2
#include "http_frame_resp_lines.h"

#endif
