/* A set of rule objects laid over a configuration in one load: the
 * cluster's objects from etcd (docs/scale-out.md) on top of a node's own
 * rules. Each object (a tunnel, intercept, service or listener, as one
 * libconfig group; the previews group) replaces the base's object of the
 * same kind and name, or is added; named base objects can be left out.
 * The whole result is written once (conf_dump()) and loaded once, so a
 * set of thousands costs one load, not one per object; a message about a
 * line of an object names the object's label instead (its etcd key).
 * conf_overlay.c. Control thread only (malloc). */
#ifndef STEER_CONF_OVERLAY_H
#define STEER_CONF_OVERLAY_H

#include <stddef.h>

#include "conf-t.h"

enum conf_okind { CO_TUNNEL, CO_INTERCEPT, CO_SERVICE, CO_LISTENER, CO_KINDS };

/* "tunnel", "intercept", "service", "listener". */
const char *conf_okind_name(enum conf_okind k);

struct conf_overlay_obj {
	enum conf_okind kind;
	char name[CONF_NAME_MAX];
	const char *text;         /* one group: "{ name = ...; }" */
	const char *label;        /* what messages call it, e.g. "etcd:KEY" */
	int line, lines;          /* where conf_dump() wrote it (set there) */
};

/* A base object to leave out. */
struct conf_overlay_drop {
	enum conf_okind kind;
	const char *name;
};

struct conf_overlay {
	struct conf_overlay_obj *o;
	unsigned n;
	const char *previews;     /* "{ domain = ...; }" replacing the base's, or NULL */
	const char *previews_label;
	int previews_line, previews_lines;
	const struct conf_overlay_drop *drop;
	unsigned n_drop;
	/* conf_overlay_load()'s: every name above, sorted, for
	 * conf_overlay_hides() to search */
	struct conf_overlay_drop *hide;
	unsigned n_hide;
};

/* True if base object NAME of KIND is replaced or dropped by OV. */
bool conf_overlay_hides(const struct conf_overlay *ov, enum conf_okind kind,
			const char *name);

/* Index of C's object NAME of KIND, or -1. */
int conf_overlay_find(const struct steer_conf *c, enum conf_okind kind,
		      const char *name);

/* C's object IDX of KIND as one group, the text an overlay object is
 * (conf_dump.c): malloc'd, or NULL (no such object, out of memory). So
 * that a file's object a cluster's replaced can be put back. */
char *conf_dump_one(const struct steer_conf *c, enum conf_okind kind,
		    unsigned idx);

/* Build (again) OV's sorted index of hidden names: -ENOMEM or 0. Freed
 * by conf_overlay_load(), else the caller's (free(ov->hide)). */
int conf_overlay_index(struct conf_overlay *ov);

/* BASE with OV laid over it, loaded as file NAME: a new configuration, or
 * NULL (errno) with ERR, whose "NAME:LINE:" is the object's
 * "LABEL:LINE-IN-OBJECT:" when the line is one of OV's. OV's line fields
 * are set, for conf_overlay_blame() of later messages (the compiler's). */
struct steer_conf *conf_overlay_load(const struct steer_conf *base,
				     struct conf_overlay *ov, const char *name,
				     char *err, size_t errlen);

/* ERR ("NAME:LINE: what") rewritten as above when LINE is OV's. */
void conf_overlay_blame(const struct conf_overlay *ov, const char *name,
			char *err, size_t errlen);

#endif
