/* Loading and validating a Steer configuration file (libconfig syntax). */
#ifndef STEER_CONF_H
#define STEER_CONF_H

#include <stddef.h>
#include "conf-t.h"

/* Load and validate the file at PATH.
 * Returns the configuration, or NULL with errno set and ERR (ERRLEN bytes)
 * holding one line "file:line: what is wrong". The whole file is rejected on
 * the first problem; no partial result is ever returned.
 * This validates the schema (unknown keys, types, ranges, addresses, names,
 * references). Regex syntax and intercept conflicts are checked by
 * rs_compile(), which reports in the same format. */
struct steer_conf *conf_load_file(const char *path, char *err, size_t errlen);

/* Same, from TEXT; NAME is used as the file name in messages. */
struct steer_conf *conf_load_string(const char *text, const char *name,
				    char *err, size_t errlen);

/* Free a configuration returned by conf_load_*(). NULL is fine. */
void conf_free(struct steer_conf *c);

/* Index of the service / tunnel / intercept named NAME, or -1. */
int conf_find_service(const struct steer_conf *c, const char *name);
int conf_find_tunnel(const struct steer_conf *c, const char *name);
int conf_find_intercept(const struct steer_conf *c, const char *name);

#endif
