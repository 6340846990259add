/* The scalar scan path of the response-head framer: a byte at a time
 * through the class table. It is the reference the vector paths are fuzzed
 * against, and the path of every build that is not x86-64. */
#include "http_frame-int.h"
#include "http_frame_resp-int.h"

static inline const unsigned char *hr_value(const unsigned char *lo,
					    const unsigned char *p,
					    const unsigned char *end)
{
	(void)lo;
	while (p < end && (hf_ctype[*p] & HF_C_VALUE))
		p++;
	return p;
}

static inline const unsigned char *hr_tchar(const unsigned char *lo,
					    const unsigned char *p,
					    const unsigned char *end)
{
	(void)lo;
	while (p < end && (hf_ctype[*p] & HF_C_TCHAR))
		p++;
	return p;
}

/* names_mask()'s own byte loop does it. */
static inline int hr_names(const unsigned char *b, size_t l, size_t n,
			   uint8_t *m, uint8_t *pos)
{
	(void)b, (void)l, (void)n, (void)m, (void)pos;
	return 0;
}

#define HR(n) n##_scalar
#define HR_ATTR
#include "http_frame_resp_lines.h"
