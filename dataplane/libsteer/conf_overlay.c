/* Rule objects laid over a configuration in one load (conf_overlay.h):
 * conf_dump() leaves out what the overlay hides and writes the overlay's
 * groups after the base's, one load validates the whole, and a message
 * about one of the overlay's lines is given the object's own name. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_overlay.h"

const char *conf_okind_name(enum conf_okind k)
{
	static const char *const names[CO_KINDS] = {
		[CO_TUNNEL] = "tunnel", [CO_INTERCEPT] = "intercept",
		[CO_SERVICE] = "service", [CO_LISTENER] = "listener",
	};
	return k >= 0 && k < CO_KINDS ? names[k] : "object";
}

int conf_overlay_find(const struct steer_conf *c, enum conf_okind kind,
		      const char *name)
{
	switch (kind) {
	case CO_TUNNEL: return conf_find_tunnel(c, name);
	case CO_INTERCEPT: return conf_find_intercept(c, name);
	case CO_SERVICE: return conf_find_service(c, name);
	case CO_LISTENER:
		for (unsigned i = 0; i < c->n_listeners; i++)
			if (strcmp(c->listeners[i].name, name) == 0)
				return (int)i;
		return -1;
	default:
		return -1;
	}
}

static int cmp_hide(const void *a, const void *b)
{
	const struct conf_overlay_drop *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcmp(x->name, y->name);
}

bool conf_overlay_hides(const struct conf_overlay *ov, enum conf_okind kind,
			const char *name)
{
	const struct conf_overlay_drop key = { kind, name };

	if (ov->hide != NULL)
		return bsearch(&key, ov->hide, ov->n_hide, sizeof(key), cmp_hide) != NULL;
	for (unsigned i = 0; i < ov->n; i++)
		if (ov->o[i].kind == kind && strcmp(ov->o[i].name, name) == 0)
			return true;
	for (unsigned i = 0; i < ov->n_drop; i++)
		if (ov->drop[i].kind == kind && strcmp(ov->drop[i].name, name) == 0)
			return true;
	return false;
}

/* The sorted index of every name OV hides: O(log n) per base object
 * instead of a walk of the overlay (thousands against thousands). */
int conf_overlay_index(struct conf_overlay *ov)
{
	unsigned n = ov->n + ov->n_drop;

	free(ov->hide);
	ov->hide = malloc(sizeof(*ov->hide) * (n ? n : 1));
	if (ov->hide == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < ov->n; i++)
		ov->hide[i] = (struct conf_overlay_drop){ ov->o[i].kind, ov->o[i].name };
	for (unsigned i = 0; i < ov->n_drop; i++)
		ov->hide[ov->n + i] = ov->drop[i];
	qsort(ov->hide, n, sizeof(*ov->hide), cmp_hide);
	ov->n_hide = n;
	return 0;
}

void conf_overlay_blame(const struct conf_overlay *ov, const char *name,
			char *err, size_t errlen)
{
	size_t nl = strlen(name);
	char *end, rest[2048];
	const char *label = NULL;
	long line;
	int rel = 0;

	if (errlen == 0 || strncmp(err, name, nl) != 0 || err[nl] != ':')
		return;
	line = strtol(err + nl + 1, &end, 10);
	if (end == err + nl + 1 || *end != ':')
		return;
	for (unsigned i = 0; i < ov->n && label == NULL; i++)
		if (ov->o[i].line > 0 && line >= ov->o[i].line &&
		    line < ov->o[i].line + ov->o[i].lines) {
			label = ov->o[i].label;
			rel = (int)(line - ov->o[i].line) + 1;
		}
	if (label == NULL && ov->previews != NULL && ov->previews_line > 0 &&
	    line >= ov->previews_line &&
	    line < ov->previews_line + ov->previews_lines) {
		label = ov->previews_label;
		rel = (int)(line - ov->previews_line) + 1;
	}
	if (label == NULL)
		return;
	snprintf(rest, sizeof(rest), "%s", end + 1);
	snprintf(err, errlen, "%s:%d:%s", label, rel, rest);
}

struct steer_conf *conf_overlay_load(const struct steer_conf *base,
				     struct conf_overlay *ov, const char *name,
				     char *err, size_t errlen)
{
	struct conf_edit e = { .backend_op = CONF_BE_NONE, .overlay = ov };
	struct steer_conf *c = NULL;
	char *text;

	if (conf_overlay_index(ov) < 0) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	text = conf_dump(base, &e, err, errlen);
	if (text != NULL) {
		c = conf_load_string(text, name, err, errlen);
		if (c == NULL)
			conf_overlay_blame(ov, name, err, errlen);
		free(text);
	}
	int saved = errno;
	free(ov->hide);
	ov->hide = NULL;
	ov->n_hide = 0;
	errno = saved;
	return c;
}
