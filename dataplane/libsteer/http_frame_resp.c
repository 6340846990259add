/* Response heads (RFC 9112 sections 4 and 5): the state's reset, what a
 * complete head says about its body and its connection, and the choice of
 * scan path. The framer itself, which sees a backend segment's bytes once
 * as they arrive, is http_frame_resp_lines.h, compiled per path
 * (http_frame_resp_scalar.c, _sse2.c, _avx2.c); the path is chosen here,
 * once, by CPU feature, as the request parser's is (http.c). */
#include "http_frame.h"
#include "http_frame-int.h"
#include "http_frame_resp-int.h"

/* The dataplane keeps one in every flow entry. */
_Static_assert(sizeof(struct hf_resp) <= 64, "struct hf_resp grew past 64");

void hf_resp_init(struct hf_resp *r)
{
	r->status = 0;
	r->minor = 0;
	r->done = false;
	r->chunked = false;
	r->te = false;
	r->conn_close = false;
	r->conn_keepalive = false;
	r->content_length = -1;
	r->error = HF_ERR_NONE;
	r->st = R_VERSION;
	r->pos = 0;
	r->names = 0;
	r->field = N_OTHER;
	r->digits = 0;
	r->n_fields = 0;
	hf_list_init(&r->list);
	r->head_len = 0;
}

/* ---- the scan paths ---- */

static const struct {
	const char *name;
	hf_resp_feed_fn feed;
} paths[] = {
	{ "scalar", hf_resp_feed_scalar },
#ifdef HF_HAVE_X86_64
	{ "sse2", hf_resp_feed_sse2 },
	{ "avx2", hf_resp_feed_avx2 },
#endif
};

#define N_PATHS ((int)(sizeof(paths) / sizeof(paths[0])))

/* Written before main() and by tests only, so a plain load on every call:
 * no feature test per segment. */
static int path_cur;

int hf_resp_path_count(void)
{
	return N_PATHS;
}

const char *hf_resp_path_name(int i)
{
	return i >= 0 && i < N_PATHS ? paths[i].name : NULL;
}

int hf_resp_path_supported(int i)
{
	if (i == 0)
		return 1;
#ifdef HF_HAVE_X86_64
	/* SSE2 is part of x86-64 itself. */
	if (i == 1)
		return 1;
	__builtin_cpu_init();
	if (i == 2)
		return __builtin_cpu_supports("avx2");
#endif
	return 0;
}

int hf_resp_path_use(int i)
{
	if (i < 0 || i >= N_PATHS || !hf_resp_path_supported(i))
		return -1;
	path_cur = i;
	return 0;
}

int hf_resp_path_current(void)
{
	return path_cur;
}

/* The widest path this CPU runs, picked once at load time (the library is
 * static: this runs before main() in every program that frames). */
__attribute__((constructor)) static void path_select(void)
{
	for (int i = N_PATHS - 1; i > 0; i--)
		if (hf_resp_path_use(i) == 0)
			return;
	path_cur = 0;
}

long hf_resp_feed_with(int i, struct hf_resp *r, const char *p, size_t len)
{
	return paths[i].feed(r, p, len);
}

long hf_resp_feed(struct hf_resp *r, const char *p, size_t len)
{
	return paths[path_cur].feed(r, p, len);
}

enum hf_kind hf_resp_body_kind(const struct hf_resp *r, bool req_head,
			       bool req_connect, uint64_t *length)
{
	enum hf_kind k;
	uint64_t n = 0;

	/* RFC 9112 section 6.3, in its order; 101 first, as a switch of
	 * protocols follows the head whatever the method (RFC 9110 section
	 * 15.2.2). */
	if (!r->done || r->error != HF_ERR_NONE)
		k = HF_CLOSE;
	else if (r->status == 101)
		k = HF_TUNNEL;
	else if (r->status < 200)
		k = HF_NONE;              /* item 1: interim, a head follows */
	else if (req_connect && r->status < 300)
		k = HF_TUNNEL;            /* item 2 */
	else if (req_head || r->status == 204 || r->status == 304)
		k = HF_NONE;              /* item 1 */
	else if (r->chunked)
		k = HF_CHUNKED;           /* item 4 */
	else if (r->te)
		k = HF_CLOSE;             /* item 4: a response ends at close */
	else if (r->content_length >= 0) {
		k = HF_LENGTH;            /* item 6 */
		n = (uint64_t)r->content_length;
	} else
		k = HF_CLOSE;             /* item 8 */
	if (length != NULL)
		*length = n;
	return k;
}

bool hf_resp_keepalive(const struct hf_resp *r, enum hf_kind k)
{
	/* A close-delimited body ends the connection, a tunnel is no
	 * longer HTTP; otherwise RFC 9112 section 9.3 in its order. */
	if (k == HF_CLOSE || k == HF_TUNNEL || !r->done || r->conn_close)
		return false;
	return r->minor >= 1 || r->conn_keepalive;
}
