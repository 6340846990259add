/* Differential libFuzzer target for the response-head framer's scan paths
 * (http_frame_resp-int.h): the scalar path and every vector path this CPU
 * runs frame the same input, at once and in pieces whose sizes come from
 * the input itself, and must agree after every call on the return value
 * and the whole state. A head that ends is followed by another from the
 * bytes after it, as a 1xx and its final response are. Each piece is
 * copied to the end of an allocation of its own, at an offset against a
 * 32-byte boundary that varies with the input, so ASan sees any read past
 * the bytes a path was given. Any difference aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_frame.h"
#include "http_frame_resp-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PATHS 8

static struct hf_resp st[MAX_PATHS];

#define need(cond)                                                            \
	do {                                                                  \
		if (!(cond))                                                  \
			abort();                                              \
	} while (0)

static int same(long ra, const struct hf_resp *a, long rb,
		const struct hf_resp *b)
{
	return ra == rb && a->status == b->status && a->minor == b->minor &&
	       a->done == b->done && a->chunked == b->chunked &&
	       a->te == b->te && a->conn_close == b->conn_close &&
	       a->conn_keepalive == b->conn_keepalive &&
	       a->content_length == b->content_length &&
	       a->error == b->error && a->st == b->st && a->pos == b->pos &&
	       a->names == b->names && a->field == b->field &&
	       a->digits == b->digits && a->n_fields == b->n_fields &&
	       a->list.st == b->list.st && a->list.words == b->list.words &&
	       a->list.pos == b->list.pos &&
	       a->list.members == b->list.members &&
	       a->head_len == b->head_len;
}

/* Which paths to compare: the supported ones, at most MAX_PATHS. */
static int paths[MAX_PATHS], n_paths = -1;

static void find_paths(void)
{
	n_paths = 0;
	for (int i = 0; i < hf_resp_path_count() && n_paths < MAX_PATHS; i++)
		if (hf_resp_path_supported(i))
			paths[n_paths++] = i;
}

/* IN[0..N) fed to every path, each in its own copy; returns what path 0
 * returned, having checked that every path agrees with it. */
static long feed_all(const uint8_t *in, size_t n, size_t shift)
{
	long ret[MAX_PATHS] = { 0 };

	for (int k = 0; k < n_paths; k++) {
		char *mem = malloc(shift + n + 1);
		if (mem == NULL)
			abort();
		char *p = mem + shift + 1;
		memcpy(p, in, n);
		ret[k] = hf_resp_feed_with(paths[k], &st[k], p, n);
		free(mem);
		need(ret[k] == HF_RESP_ERROR || (ret[k] >= 0 && (size_t)ret[k] <= n));
		need(same(ret[0], &st[0], ret[k], &st[k]));
	}
	return ret[0];
}

/* Feed DATA[0..SIZE) in pieces: HOW 0 at once, else sizes of 1 to 64
 * from the input's last bytes. After a head ends, the next one starts at
 * the byte after it. */
static void run(const uint8_t *data, size_t size, int how, size_t shift)
{
	size_t off = 0, j = size;

	for (int k = 0; k < n_paths; k++)
		hf_resp_init(&st[k]);
	while (off < size) {
		size_t n = size - off;
		if (how != 0)
			n = 1 + (j > 0 ? data[--j] % 64u : 63u);
		if (n > size - off)
			n = size - off;
		long r = feed_all(data + off, n, shift);
		if (r == HF_RESP_ERROR)
			return;
		need(r > 0 || st[0].done);
		off += (size_t)r;
		if (st[0].done) {
			/* Nothing after the head is taken. */
			need(feed_all(data + off, size - off, shift) == 0);
			for (int k = 0; k < n_paths; k++)
				hf_resp_init(&st[k]);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (n_paths < 0)
		find_paths();
	/* Where a piece starts against a 32-byte boundary. */
	size_t shift = size % 32;

	run(data, size, 0, shift);
	run(data, size, 1, shift);
	return 0;
}
