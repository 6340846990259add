/* JSON rule objects (intercepts, tunnels; any group) into libconfig group text:
 * conf_json.c. */
#ifndef STEER_CONF_JSON_H
#define STEER_CONF_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "conf_overlay.h"
#include "json.h"

/* String field KEY of object REQ (in NODES) into BUF (LEN bytes, ""
 * when absent); false with a message in ERR if it is missing but
 * REQUIRED, or not a string that fits. The control socket's fields too. */
bool conf_json_str(const struct json_node *nodes, const struct json_node *req,
		   const char *key, char *buf, size_t len, bool required,
		   char *err, size_t errlen);

/* Object REQ (in NODES) as `{ name = "..."; ... }` into TEXT (LEN bytes).
 * Only the shape is checked (types, required fields); the loader checks
 * the rest. False with a message in ERR. */
bool conf_json_intercept(const struct json_node *nodes,
			 const struct json_node *req, char *text, size_t len,
			 char *err, size_t errlen);
bool conf_json_tunnel(const struct json_node *nodes,
		      const struct json_node *req, char *text, size_t len,
		      char *err, size_t errlen);

/* Any object OBJ as a libconfig group, member by member: strings,
 * integers, booleans, objects as groups, arrays of objects as lists (the
 * JSON form of a file's group: services[], listeners[], previews;
 * docs/scale-out.md). Keys must be libconfig names; WHAT starts the
 * messages. The loader checks keys and values. */
bool conf_json_group(const struct json_node *nodes, const struct json_node *obj,
		     const char *what, char *text, size_t len, char *err,
		     size_t errlen);

/* An object of KIND: conf_json_tunnel(), _intercept() or _group(). */
bool conf_json_object(enum conf_okind kind, const struct json_node *nodes,
		      const struct json_node *obj, char *text, size_t len,
		      char *err, size_t errlen);

#endif
