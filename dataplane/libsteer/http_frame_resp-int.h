/* Internals of the response-head framer shared by its scan paths: the field
 * names it acts on, and the paths themselves (scalar, SSE2, AVX2), one of
 * which http_frame_resp.c picks at start-up. The state machine is written
 * once in http_frame_resp_lines.h and compiled per path over a few skip
 * loops, as the request parser's http_lines.h is. Not for callers outside
 * the framer and its tests. */
#ifndef STEER_HTTP_FRAME_RESP_INT_H
#define STEER_HTTP_FRAME_RESP_INT_H

#include <stddef.h>

#include "http_frame-t.h"

/* Status-line states; R_FIELDS plus an HF_F_* state after it. */
enum {
	R_VERSION,    /* "HTTP/1.", POS bytes matched */
	R_MINOR,      /* "0" or "1" */
	R_SP1,        /* the SP after HTTP-version */
	R_CODE,       /* 3DIGIT, POS of them read */
	R_SP2,        /* SP before the reason phrase, or CR */
	R_REASON,     /* reason-phrase */
	R_LF,         /* the LF ending the status line */
	R_FIELDS,     /* + HF_F_* */
};


/* The field names we act on, in this order (hf_resp.field, and bit i of
 * hf_resp.names). */
enum { N_CONTENT_LENGTH, N_TRANSFER_ENCODING, N_CONNECTION, N_OTHER };

/* Each name lowercase, padded with NULs to 32 bytes: a vector path compares
 * 32 bytes of a field name with it at once, and a NUL never equals a name
 * byte with 0x20 or'ed in, so the first mismatch is never past the name. */
#define HF_NAME_PAD 32
static const char hf_resp_name_pad[N_OTHER][HF_NAME_PAD] = {
	[N_CONTENT_LENGTH] = "content-length",
	[N_TRANSFER_ENCODING] = "transfer-encoding",
	[N_CONNECTION] = "connection",
};

/* One scan path: hf_resp_feed(). Every path gives the same result and
 * leaves the same state for any input and any split of it
 * (tests/fuzz/resp_diff_fuzz.c checks it). */
typedef long (*hf_resp_feed_fn)(struct hf_resp *r, const char *p, size_t len);

long hf_resp_feed_scalar(struct hf_resp *r, const char *p, size_t len);
#if defined(__x86_64__)
#define HF_HAVE_X86_64 1
long hf_resp_feed_sse2(struct hf_resp *r, const char *p, size_t len);
long hf_resp_feed_avx2(struct hf_resp *r, const char *p, size_t len);
#endif

/* For tests, the differential fuzzer and bench_dp: the paths this build
 * has (index 0 is the scalar one), their names, whether this CPU runs
 * them, and a way to force one for every later hf_resp_feed() (not
 * thread-safe: a plain index, written at start-up). */
int hf_resp_path_count(void);
const char *hf_resp_path_name(int i);
int hf_resp_path_supported(int i);
/* Returns 0, or -1 when I is out of range or not supported. */
int hf_resp_path_use(int i);
/* Index of the path in use. */
int hf_resp_path_current(void);
/* hf_resp_feed() with path I regardless of the one in use (I must be
 * supported). */
long hf_resp_feed_with(int i, struct hf_resp *r, const char *p, size_t len);

#endif
