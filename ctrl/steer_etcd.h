/* steer-etcd, the companion that makes one steerd follow a cluster's
 * rules in etcd (docs/scale-out.md): steer_etcd.c runs the follow loop,
 * steer_etcd_set.c keeps the set of objects and hands it to steerd. */
#ifndef STEER_STEER_ETCD_H
#define STEER_STEER_ETCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcd.h"

#include "etcd_layout.h"

/* Objects in a set; steerd takes up to 200 000 in one apply. */
#define SET_MAX 200000
/* One cluster.apply part stays under steerd's line (64 KiB) and request
 * (4096 JSON nodes) limits. */
#define PART_BYTES 49152
#define PART_NODES 3000

/* One rule object as etcd holds it. */
struct obj {
	char key[ETCD_KEY_MAX];
	char *value;              /* JSON text, malloc'd */
	enum etcd_kind kind;
};

/* The objects steerd runs (GOOD), and what a refused change left out. */
struct objset {
	struct obj *o;
	unsigned n, cap;
};

struct follower {
	const char *socket;
	const char *cluster;
	const char *node;
	const char *endpoints;
	char prefix[ETCD_KEY_MAX];
	int timeout_ms;
	struct etcd_client c;
	struct objset good;
	int64_t revision;         /* the last revision handled */
	uint64_t refused;
	int64_t last_ok_ms;       /* CLOCK_MONOTONIC ms etcd last answered; 0 never */
	char last_error[512];
};

/* The set GOOD with KEY set to VALUE (NULL: deleted) handed to steerd in
 * one cluster.apply; on success GOOD becomes it. Returns 0, or -1 (the
 * change is refused, counted and logged: GOOD and steerd unchanged). */
int set_change(struct follower *f, const char *key, const char *value);
/* A full resync: GOOD becomes KVS, all at once if steerd takes it, else
 * one object at a time so that only the bad ones are left out. */
void set_resync(struct follower *f, const struct etcd_kv *kvs, unsigned n);
/* GOOD again, to a steerd that lost it (restarted, reloaded). */
void set_reapply(struct follower *f);
/* The cluster.apply requests that carry S, in order, into PARTS (each
 * malloc'd; *N of them, at least one): each under PART_BYTES and
 * PART_NODES unless one object alone is larger. REV is the revision.
 * 0, or -ENOMEM. */
int set_parts(const struct objset *s, long long rev, char ***parts, unsigned *n);
/* One request to steerd; 0 and its {"ok": true}, or -1 with ERR. */
int steerd_call(struct follower *f, const char *req, size_t len, char *err,
		size_t errlen);

#endif
