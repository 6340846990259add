/* The etcd key layout of a cluster (docs/scale-out.md): under
 * /steer/<cluster>/, one key per rule object, its value the object as the
 * control protocol's JSON:
 *   /steer/<cluster>/tunnels/<name>      tunnel.add's fields
 *   /steer/<cluster>/intercepts/<name>   intercept.add's fields
 *   /steer/<cluster>/nodes/<node>        {"revision": N, ...}, leased
 *   /steer/<cluster>/epoch               bumped by every steerctl write
 * Rules are keyed by name, so two developers adding intercepts at once
 * write two keys and never overwrite each other. etcd_layout.c. */
#ifndef STEER_ETCD_LAYOUT_H
#define STEER_ETCD_LAYOUT_H

#include <stddef.h>

#include "conf.h"
#include "etcd.h"

enum etcd_kind { EK_NONE = -1, EK_TUNNEL, EK_INTERCEPT, EK_NODE, EK_EPOCH };

/* "/steer/<cluster>/" into OUT; -1 if CLUSTER is not a valid name. */
int etcd_prefix(char *out, size_t len, const char *cluster);
/* The key of object NAME of KIND; -1 if it does not fit or NAME has a
 * '/'. */
int etcd_key(char *out, size_t len, const char *cluster, enum etcd_kind kind,
	     const char *name);
/* Which kind of object KEY holds under PREFIX, its name into NAME;
 * EK_NONE for a key of no kind we know (ignored by readers). */
enum etcd_kind etcd_key_kind(const char *prefix, const char *key, char *name,
			     size_t len);

/* The configuration BASE with every tunnel and intercept of KVS (a range
 * of the prefix) added, as steerd would load it, for validation: a new
 * configuration (conf_free()), or NULL with ERR naming the key at fault. */
struct steer_conf *etcd_conf_apply(const struct steer_conf *base,
				   const char *prefix,
				   const struct etcd_kv *kvs, unsigned n,
				   char *err, size_t errlen);

#endif
