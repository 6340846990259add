/* Loading and validating a Steer configuration file (libconfig syntax). */
#ifndef STEER_CONF_H
#define STEER_CONF_H

#include <stddef.h>
#include <stdint.h>
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

/* Free one intercept of a configuration (conf_free() frees them all). */
void conf_intercept_free(struct conf_intercept *in);

/* ---- changing one intercept (conf_edit.c) ----
 * An intercept added or removed at runtime does not go through the text of
 * the whole configuration (conf_dump() + conf_load_string()), which costs
 * ~1 s at 100 000 intercepts: the new configuration shares every part of
 * BASE but its intercepts array. */

/* BASE with intercept DROP (an index, or -1) left out and, with ADD (the
 * libconfig group of one intercept, "{ name = ...; }"; or NULL), that one
 * appended, validated by the loader's own code for one intercept
 * (conf_load_intercept(): keys, types, names, references to BASE's
 * services and tunnels, previews.domain). What the loader checks across
 * intercepts (unique names and previews) and the rule compiler's checks
 * are rs_derive()'s. Messages name the file "intercept.add" (the line is
 * in ADD). Returns NULL with errno set (EINVAL with ERR, ENOMEM; EBUSY if
 * BASE is itself borrowed). The result borrows from BASE, which must
 * outlive it until conf_adopt(). O(intercepts) pointer copies. */
struct steer_conf *conf_derive(const struct steer_conf *base, const char *add,
			       int drop, char *err, size_t errlen);

/* NC, derived from BASE, takes over what it shares with BASE (which now
 * keeps only the intercept NC left out): call once NC is in force, before
 * BASE is freed. Does nothing when NC was not derived from BASE. */
void conf_adopt(struct steer_conf *nc, struct steer_conf *base);

/* Index of the service / tunnel / intercept named NAME, or -1. */
int conf_find_service(const struct steer_conf *c, const char *name);
int conf_find_tunnel(const struct steer_conf *c, const char *name);
int conf_find_intercept(const struct steer_conf *c, const char *name);

/* ---- writing a configuration back (conf_dump.c) ----
 * Runtime changes (intercept.add, backend.drain, ...) are applied to the
 * text of the running configuration, which is then loaded like a file: one
 * validation path for files, reloads and changes (docs/control.md, "How a
 * change is applied"). */

struct conf_overlay;

enum conf_backend_op { CONF_BE_NONE, CONF_BE_ADD, CONF_BE_REMOVE, CONF_BE_DRAIN };

struct conf_edit {
	const char *drop_intercept;   /* omit this intercept (NULL: none) */
	const char *add_intercept;    /* libconfig group text appended to intercepts, e.g. "{ name = \"x\"; ... }" */
	const char *drop_tunnel;
	const char *add_tunnel;       /* group text appended to tunnels */
	const char *backend_service;  /* service name for the backend op */
	enum conf_backend_op backend_op;
	uint32_t backend_ip;          /* host order */
	uint16_t backend_port;
	uint32_t backend_weight;      /* CONF_BE_ADD; 0 means default (1) */
	/* objects laid over the configuration (conf_overlay.h), or NULL;
	 * conf_dump() records where it wrote them */
	struct conf_overlay *overlay;
};

/* Write C as libconfig text that conf_load_string() turns back into an equal
 * configuration, applying EDIT (NULL: none) on the way. Returns a malloc'd
 * NUL-terminated string, or NULL with errno set (ENOMEM; ENOENT when EDIT
 * names an intercept/tunnel/service/backend that does not exist, with a
 * message in ERR; EINVAL for a malformed EDIT). The result is not
 * validated: load it to validate. Every key is written, defaults included
 * (but a backend's drain and a listener's routing only when not the
 * default); only line numbers differ from the original file. */
char *conf_dump(const struct steer_conf *c, const struct conf_edit *edit,
		char *err, size_t errlen);

/* S as a libconfig string literal, quotes included, into BUF (LEN bytes,
 * NUL-terminated): '"' and '\\' are escaped, other bytes (UTF-8 included)
 * pass as they are. For callers that build add_intercept/add_tunnel text
 * from untrusted input. Returns the length written (without the NUL),
 * -EINVAL if S holds a control character (< 0x20 or 0x7f), or -ENOSPC if
 * BUF is too small. */
int conf_quote(char *buf, size_t len, const char *s);

#endif
