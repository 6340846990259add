/* A small blocking client of etcd 3.4's JSON gateway (HTTP/1.1, no gRPC):
 * the messages (etcd_msg.c: request bodies and response parsing, pure, so
 * the unit tests feed recorded responses) and the transport (etcd_http.c:
 * one request per connection, a timeout on every call, the next endpoint
 * when one does not answer). Keys and values are base64 on the wire and
 * plain bytes here; int64 fields come as JSON strings. docs/scale-out.md. */
#ifndef STEER_ETCD_H
#define STEER_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

#define ETCD_MAX_ENDPOINTS 8
#define ETCD_KEY_MAX 512
#define ETCD_NODES_MAX 16384

/* ---- etcd_msg.c: messages ---- */

/* Base64 (RFC 4648, with padding) of IN[0..N) into OUT (NUL-terminated).
 * Returns the length, or -1 if OUT is too small. */
int etcd_b64_encode(const void *in, size_t n, char *out, size_t outlen);
/* Decode; -1 on a bad character or length, or if OUT is too small (OUT is
 * NUL-terminated, so text values can be used as strings). */
int etcd_b64_decode(const char *in, size_t n, char *out, size_t outlen);

/* The end of the range that holds every key starting with PREFIX: PREFIX
 * with its last byte plus one (etcd's "range_end"). */
void etcd_prefix_end(const char *prefix, char *out, size_t outlen);

/* Request bodies, written as one JSON object into W. */
void etcd_req_range(struct jw *w, const char *key, bool prefix);
void etcd_req_put(struct jw *w, const char *key, const char *val, int64_t lease);
void etcd_req_delete(struct jw *w, const char *key);
void etcd_req_watch(struct jw *w, const char *prefix, int64_t start_rev);
void etcd_req_lease_grant(struct jw *w, int64_t ttl_s);
void etcd_req_lease_id(struct jw *w, int64_t id);   /* keepalive, revoke */

/* A txn that succeeds only if no key under PREFIX was written after
 * revision REV (every key's mod_revision < REV + 1) and, if ABSENT is not
 * NULL, that key does not exist (create_revision == 0). On success it puts
 * KEY=VAL (with LEASE, 0 for none) or, with VAL NULL, deletes KEY; and it
 * puts EPOCH_KEY (any value) so that a delete, which leaves no
 * mod_revision behind, still moves the prefix's revision for the next
 * writer's compare. */
void etcd_req_txn(struct jw *w, const char *prefix, int64_t rev,
		  const char *absent, const char *key, const char *val,
		  int64_t lease, const char *epoch_key);

/* The same with N changes: KEYS[i] put to VALS[i] (NULL: deleted), all
 * under LEASE (0: none). etcd takes at most 128 operations in a txn
 * (--max-txn-ops): N + 1 (the epoch) must stay within. */
void etcd_req_txn_n(struct jw *w, const char *prefix, int64_t rev,
		    const char *absent, const char *const *keys,
		    const char *const *vals, unsigned n, int64_t lease,
		    const char *epoch_key);

/* One key-value, decoded; VALUE is malloc'd (NUL-terminated), NULL for a
 * delete event. */
struct etcd_kv {
	char key[ETCD_KEY_MAX];
	char *value;
	size_t value_len;
	int64_t create_rev;
	int64_t mod_rev;
	int64_t lease;
};

/* A parsed response. For a watch message: EVENTS in KVS (value NULL for a
 * DELETE), CREATED, CANCELED and COMPACT_REV (> 0: the start revision was
 * compacted away, a full resync is needed). */
struct etcd_resp {
	int64_t revision;         /* header.revision */
	bool succeeded;           /* txn */
	int64_t id, ttl;          /* lease grant / keepalive (ttl 0: expired) */
	bool created, canceled;
	int64_t compact_rev;
	struct etcd_kv *kvs;
	unsigned n_kvs;
	char error[256];          /* the gateway's {"error": ...} */
};

/* Parse BODY[0..LEN) (one JSON object; a watch/keepalive stream message's
 * {"result": ...} wrapper is unwrapped). Returns 0, -EPROTO (not JSON or
 * not the shape, message in R->error), -EREMOTEIO (etcd answered an error,
 * in R->error) or -ENOMEM. Free with etcd_resp_free(). */
int etcd_parse(const char *body, size_t len, struct etcd_resp *r);
void etcd_resp_free(struct etcd_resp *r);

/* ---- etcd_http.c: transport ---- */

struct etcd_client {
	char hosts[ETCD_MAX_ENDPOINTS][256];
	uint16_t ports[ETCD_MAX_ENDPOINTS];
	unsigned n;
	unsigned cur;             /* the endpoint that answered last */
	int timeout_ms;           /* every call: connect, send and answer */
};

/* "http://host:port,host:port" (scheme optional) into C. Returns 0 or
 * -EINVAL with a message in ERR. */
int etcd_client_init(struct etcd_client *c, const char *endpoints,
		     int timeout_ms, char *err, size_t errlen);

/* POST BODY to PATH ("/v3/kv/range") on the first endpoint that answers,
 * and parse the answer into R. Returns 0, -ETIMEDOUT/-ECONNREFUSED/...
 * (no endpoint answered; ERR says which and why), or etcd_parse()'s. */
int etcd_call(struct etcd_client *c, const char *path, const char *body,
	      size_t len, struct etcd_resp *r, char *err, size_t errlen);

/* A watch stream: POST the create request and read its messages. */
struct etcd_stream {
	int fd;
	char *buf;                /* raw bytes read, not yet consumed */
	size_t len, cap;
	size_t chunk_left;        /* bytes left in the current chunk */
	bool chunked;
	char *msg;                /* the dechunked body, up to a newline */
	size_t msg_len, msg_cap;
};

int etcd_stream_open(struct etcd_client *c, const char *path,
		     const char *body, size_t len, struct etcd_stream *s,
		     char *err, size_t errlen);
/* The next message into R, waiting at most TIMEOUT_MS. Returns 0,
 * -ETIMEDOUT (nothing yet; the stream stays usable), -EPIPE (closed) or
 * an error. */
int etcd_stream_next(struct etcd_stream *s, int timeout_ms,
		     struct etcd_resp *r, char *err, size_t errlen);
void etcd_stream_close(struct etcd_stream *s);

/* Feed raw stream bytes (what etcd_stream_next() reads) and take out
 * whole messages: for the unit tests. Returns 1 with a message in
 * S->msg[0..S->msg_len), 0 when more bytes are needed, -EPROTO. */
int etcd_stream_feed(struct etcd_stream *s, const char *data, size_t n);
/* A stream state for etcd_stream_feed() without a socket (tests). */
void etcd_stream_init(struct etcd_stream *s);
int etcd_stream_take(struct etcd_stream *s);

#endif
