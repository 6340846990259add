/* What steerctl's etcd files share: the context of one command, the
 * checked write (steerctl_etcd.c) and the commands on services,
 * listeners and previews (steerctl_etcd_rules.c). */
#ifndef STEER_STEERCTL_ETCD_INT_H
#define STEER_STEERCTL_ETCD_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "etcd.h"
#include "etcd_layout.h"
#include "steerctl-int.h"

/* Keys one write may change: etcd's txn takes 128 operations, one is
 * the epoch's. */
#define CHANGES_MAX 126

struct ectx {
	struct etcd_client c;
	const struct cli_opts *o;
	const char *cluster;
	char prefix[ETCD_KEY_MAX];
	char err[ERR_MAX];
};

/* One key to write: VAL (malloc'd JSON) or NULL to delete it. */
struct change {
	char key[ETCD_KEY_MAX];
	char *val;
};

/* The changes to make, from the prefix as it is now (CUR): into CH, *N
 * of them (at most CHANGES_MAX). 0, or < 0 with X->err. Called again
 * after a lost race, on the new read. */
typedef int (*make_fn)(struct ectx *x, const struct etcd_resp *cur,
		       struct change *ch, unsigned *n, void *arg);

/* Read the prefix, MAKE the changes, validate the rule set they make
 * (the node file of --config with every object in etcd, loaded and
 * compiled) and write them in one txn compared on the revision read;
 * retried a few times on a lost race. ABSENT: a key that must not exist
 * (or NULL). The exit status, with the message printed. */
int write_changes(struct ectx *x, const char *what, make_fn make, void *arg,
		  int64_t lease, const char *absent);
/* Message "steerctl: WHAT: X->err"; returns 1. */
int fail(struct ectx *x, const char *what);
int call(struct ectx *x, const char *path, struct jw *w, struct etcd_resp *r);
int range_prefix(struct ectx *x, struct etcd_resp *r);
/* The node configuration of --config, or NULL with X->err. */
struct steer_conf *etcd_node_conf(struct ectx *x);

/* ---- steerctl_etcd_rules.c ---- */

/* import FILE: its services, listeners and previews into etcd. */
int etcd_import(struct ectx *x, const char *file);
/* dump: the configuration a node runs: --config with etcd's objects. */
int etcd_dump(struct ectx *x);
/* backend add|remove|drain|list, REQ the request cli_request() built. */
int etcd_backend(struct ectx *x, const char *req, size_t len);

#endif
