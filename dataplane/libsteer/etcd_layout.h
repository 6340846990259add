/* The etcd key layout of a cluster (docs/scale-out.md): under
 * /steer/<cluster>/, one key per rule object, its value the object as the
 * control protocol's JSON:
 *   /steer/<cluster>/tunnels/<name>      tunnel.add's fields
 *   /steer/<cluster>/intercepts/<name>   intercept.add's fields
 *   /steer/<cluster>/services/<name>     a services[] group as JSON
 *   /steer/<cluster>/listeners/<name>    a listeners[] group as JSON
 *   /steer/<cluster>/previews            the previews group as JSON
 *   /steer/<cluster>/nodes/<node>        {"revision": N, ...}, leased
 *   /steer/<cluster>/epoch               bumped by every steerctl write
 * Rules are keyed by name, so two developers adding intercepts at once
 * write two keys and never overwrite each other. etcd_layout.c. */
#ifndef STEER_ETCD_LAYOUT_H
#define STEER_ETCD_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "etcd.h"

enum etcd_kind {
	EK_NONE = -1, EK_TUNNEL, EK_INTERCEPT, EK_NODE, EK_EPOCH,
	EK_SERVICE, EK_LISTENER, EK_PREVIEWS,
};

/* A kind that holds rules (not nodes/ or epoch). */
bool etcd_kind_is_rule(enum etcd_kind k);
/* The overlay kind of K (conf_overlay.h); -1 for previews and the rest. */
int etcd_okind(enum etcd_kind k);
/* "tunnels", "intercepts", ..., "previews": the key's directory. */
const char *etcd_kind_dir(enum etcd_kind k);
/* The rule object of KV (KIND, NAME: etcd_key_kind()'s) as one libconfig
 * group into TEXT; its "name" must be the key's last part (previews has
 * none). -1 with ERR naming the key. */
int etcd_object_text(const struct etcd_kv *kv, enum etcd_kind kind,
		     const char *name, char *text, size_t len, char *err,
		     size_t errlen);

/* "/steer/<cluster>/" into OUT; -1 if CLUSTER is not a valid name. */
int etcd_prefix(char *out, size_t len, const char *cluster);
/* The key of object NAME of KIND (NAME unused for epoch and previews);
 * -1 if it does not fit or NAME has a '/'. */
int etcd_key(char *out, size_t len, const char *cluster, enum etcd_kind kind,
	     const char *name);
/* Which kind of object KEY holds under PREFIX, its name into NAME;
 * EK_NONE for a key of no kind we know (ignored by readers). */
enum etcd_kind etcd_key_kind(const char *prefix, const char *key, char *name,
			     size_t len);

/* The configuration BASE with every rule object of KVS (a range of the
 * prefix; values NULL are skipped) laid over it, as steerd would load it,
 * for validation and dump: a new configuration (conf_free()), or NULL
 * with ERR naming the key at fault ("etcd:KEY:LINE: what"), the
 * compiler's messages too when COMPILE. */
struct steer_conf *etcd_conf_apply(const struct steer_conf *base,
				   const char *prefix,
				   const struct etcd_kv *kvs, unsigned n,
				   bool compile, char *err, size_t errlen);

#endif
