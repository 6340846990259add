/* Differential libFuzzer target for the request-header parser's scan
 * paths (http-int.h): the scalar path and every vector path this CPU runs
 * parse the same input, at once and in chunks whose sizes come from the
 * input itself, and must agree on everything: the return value, the error,
 * every parsed part and field (pointers and lengths), and the resume state
 * after every incomplete call. Any difference aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "http-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PATHS 8

/* Static: fields[] makes a state 2.4 KB, and the fuzzer is single-threaded. */
static struct http_req st[MAX_PATHS];

static int same(int ra, const struct http_req *a, int rb,
		const struct http_req *b)
{
	if (ra != rb || a->error != b->error || a->scanned != b->scanned ||
	    a->eol != b->eol)
		return 0;
	if (ra <= 0)
		return 1;
	return a->method == b->method && a->method_len == b->method_len &&
	       a->target == b->target && a->target_len == b->target_len &&
	       a->path == b->path && a->path_len == b->path_len &&
	       a->query == b->query && a->query_len == b->query_len &&
	       a->host == b->host && a->host_len == b->host_len &&
	       a->minor == b->minor && a->chunked == b->chunked &&
	       a->content_length == b->content_length &&
	       a->upgrade_field == b->upgrade_field && a->n_conn == b->n_conn &&
	       a->conn_field == b->conn_field &&
	       a->n_fields == b->n_fields &&
	       memcmp(a->fields, b->fields,
		      a->n_fields * sizeof(a->fields[0])) == 0;
}

/* Which paths to compare: the supported ones, at most MAX_PATHS. */
static int paths[MAX_PATHS], n_paths = -1;

static void find_paths(void)
{
	n_paths = 0;
	for (int i = 0; i < http_path_count() && n_paths < MAX_PATHS; i++)
		if (http_path_supported(i))
			paths[n_paths++] = i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ret[MAX_PATHS];

	if (n_paths < 0)
		find_paths();
	/* The vector paths read aligned blocks: vary where the input starts
	 * against a 32-byte boundary, keeping its end the allocation's end
	 * (so ASan sees any read past it). */
	size_t shift = size % 32;
	char *mem = malloc(shift + size + 1);
	if (mem == NULL)
		abort();
	char *buf = mem + shift + 1;
	memcpy(buf, data, size);

	/* At once. */
	for (int k = 0; k < n_paths; k++) {
		http_req_init(&st[k]);
		ret[k] = http_parse_with(paths[k], &st[k], buf, size);
		if (!same(ret[0], &st[0], ret[k], &st[k]))
			abort();
	}

	/* In chunks, every path given the same lengths, compared after every
	 * call (the resume state must match too). Chunk sizes come from the
	 * input's last bytes, 1 to 64 bytes each. */
	for (int k = 0; k < n_paths; k++)
		http_req_init(&st[k]);
	for (size_t n = 0, j = size;;) {
		for (int k = 0; k < n_paths; k++) {
			ret[k] = http_parse_with(paths[k], &st[k], buf, n);
			if (!same(ret[0], &st[0], ret[k], &st[k]))
				abort();
		}
		if (ret[0] != HTTP_INCOMPLETE || n == size)
			break;
		n += 1 + (j > 0 ? data[--j] % 64 : 63);
		if (n > size)
			n = size;
	}
	free(mem);
	return 0;
}
