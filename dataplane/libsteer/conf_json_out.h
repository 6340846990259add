/* A loaded configuration's services, listeners and previews as the JSON
 * objects etcd holds (docs/scale-out.md: the file's groups, key for key),
 * and a backend changed inside such a service object: what steerctl
 * --etcd writes (import, backend add|remove|drain). conf_json_out.c. */
#ifndef STEER_CONF_JSON_OUT_H
#define STEER_CONF_JSON_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "json.h"

/* Service / listener I of C, C's previews, as one JSON object into W.
 * Keys at their default are left out as conf_dump() leaves them out (a
 * maglev_size the loader would pick, retries, ...), so the object loads
 * back to the same group. */
void conf_json_put_service(struct jw *w, const struct steer_conf *c, unsigned i);
void conf_json_put_listener(struct jw *w, const struct steer_conf *c, unsigned i);
void conf_json_put_previews(struct jw *w, const struct steer_conf *c);

/* The service object VALUE (JSON text) with backend IP:PORT (host order)
 * added (weight WEIGHT, 0: none given), removed or drained (OP), into W.
 * Every other member is kept as it is. 0, or -ENOENT / -EEXIST /
 * -EINVAL with a message in ERR. */
int conf_json_backend_edit(const char *value, size_t len, enum conf_backend_op op,
			   uint32_t ip, uint16_t port, uint32_t weight,
			   struct jw *w, char *err, size_t errlen);

/* Node N of NODES into W as it is, members named in SKIP (NULL-ended,
 * or NULL) left out of an object at the top. */
void conf_json_copy(struct jw *w, const struct json_node *nodes,
		    const struct json_node *n, const char *const *skip);

#endif
