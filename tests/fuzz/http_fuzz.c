/* libFuzzer target for the HTTP/1.x request-header parser. Each input is
 * parsed at once, byte by byte, and in chunks whose sizes come from the
 * input itself; all three must agree, and every pointer a success returns
 * must lie in the header. Any disagreement aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Static: fields[] makes a state 2.4 KB, and the fuzzer is single-threaded. */
static struct http_req whole, bytes, chunks;

/* P[0..N) lies inside BUF[0..LEN). */
static int inside(const char *p, size_t n, const char *buf, size_t len)
{
	return p >= buf && p <= buf + len && n <= (size_t)(buf + len - p);
}

static void check_result(int ret, const struct http_req *r, const char *buf,
			 size_t size)
{
	if (ret == HTTP_INCOMPLETE) {
		/* A header still open at 65535 bytes is an error. */
		if (size >= 65535 || r->error != HTTP_ERR_NONE)
			abort();
		return;
	}
	if (ret == HTTP_ERROR) {
		if (r->error <= HTTP_ERR_NONE || r->error >= HTTP_ERR__COUNT)
			abort();
		return;
	}
	size_t hl = (size_t)ret;
	if (ret < 4 || hl > size || r->error != HTTP_ERR_NONE ||
	    memcmp(buf + hl - 4, "\r\n\r\n", 4) != 0)
		abort();
	if (!inside(r->method, r->method_len, buf, hl) || r->method_len == 0 ||
	    !inside(r->target, r->target_len, buf, hl) || r->target_len == 0)
		abort();
	/* "/" for an absolute-form target with an empty path may be static. */
	if (!inside(r->path, r->path_len, buf, hl) &&
	    !(r->path_len == 1 && r->path[0] == '/'))
		abort();
	if (r->query != NULL ? !inside(r->query, r->query_len, buf, hl) :
			       r->query_len != 0)
		abort();
	if (r->host != NULL ? !inside(r->host, r->host_len, buf, hl) :
			      r->host_len != 0 || r->minor == 1)
		abort();
	if (r->minor > 1 || r->n_fields > HTTP_MAX_FIELDS ||
	    (r->chunked && r->content_length >= 0) || r->content_length < -1)
		abort();
	for (int i = 0; i < r->n_fields; i++) {
		const struct http_field *f = &r->fields[i];
		if (f->name_len == 0 ||
		    !inside(f->name, f->name_len, buf, hl) ||
		    !inside(f->value, f->value_len, buf, hl))
			abort();
	}
}

static int same(int ra, const struct http_req *a, int rb,
		const struct http_req *b)
{
	if (ra != rb || a->error != b->error)
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
	       a->n_fields == b->n_fields &&
	       memcmp(a->fields, b->fields,
		      a->n_fields * sizeof(a->fields[0])) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	int rw, rb, rc;

	http_req_init(&whole);
	rw = http_parse_request(&whole, buf, size);
	check_result(rw, &whole, buf, size);

	http_req_init(&bytes);
	rb = HTTP_INCOMPLETE;
	for (size_t n = 0; n <= size && rb == HTTP_INCOMPLETE; n++)
		rb = http_parse_request(&bytes, buf, n);

	/* Chunk sizes from the input's own bytes, read from its end so they
	 * vary independently of the request line at its start. */
	http_req_init(&chunks);
	rc = HTTP_INCOMPLETE;
	for (size_t n = 0, k = size; rc == HTTP_INCOMPLETE; ) {
		rc = http_parse_request(&chunks, buf, n);
		if (n == size)
			break;
		n += 1 + (k > 0 ? data[--k] % 64 : 63);
		if (n > size)
			n = size;
	}

	if (!same(rw, &whole, rb, &bytes) || !same(rw, &whole, rc, &chunks))
		abort();
	return 0;
}
