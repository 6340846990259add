/* libFuzzer target for the etcd client's readers: any bytes, as an answer
 * body (etcd_parse()) and as a raw HTTP stream fed in pieces
 * (etcd_stream_feed()/etcd_stream_take()), must parse or be refused,
 * never crash, leak or read outside the input; a parsed key-value's key
 * is a NUL-free string that fits its buffer. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct etcd_resp r;
	struct etcd_stream s;
	char *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (etcd_parse(copy, size, &r) == 0)
		for (unsigned i = 0; i < r.n_kvs; i++)
			check(strlen(r.kvs[i].key) > 0 &&
			      strlen(r.kvs[i].key) < sizeof(r.kvs[i].key));
	etcd_resp_free(&r);

	/* the same bytes as a stream, in pieces of a size the first byte picks */
	size_t step = size ? (size_t)data[0] % 17 + 1 : 1;
	etcd_stream_init(&s);
	for (size_t off = 0; off < size; off += step) {
		size_t n = size - off < step ? size - off : step;
		int rc;
		if (etcd_stream_feed(&s, copy + off, n) < 0)
			break;
		while ((rc = etcd_stream_take(&s)) == 1) {
			char *nl = memchr(s.msg, '\n', s.msg_len);
			check(nl != NULL);
			size_t ml = (size_t)(nl - s.msg);
			if (etcd_parse(s.msg, ml, &r) == 0)
				etcd_resp_free(&r);
			memmove(s.msg, s.msg + ml + 1, s.msg_len - ml - 1);
			s.msg_len -= ml + 1;
		}
		if (rc < 0)
			break;
	}
	etcd_stream_close(&s);
	free(copy);
	return 0;
}
