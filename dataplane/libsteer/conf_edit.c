/* A configuration derived from another by adding or removing one
 * intercept (conf.h, "changing one intercept"): the added one is parsed on
 * its own and validated by conf_load_intercept(), the loader's code for an
 * element of the intercepts list, against the base's services, tunnels and
 * previews; everything else is shared with the base, and ownership moves
 * to the derived configuration when it is put in force (conf_adopt()). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libconfig.h>

#include "conf.h"
#include "conf_load.h"
#include "conf_parse.h"

#define ADD_FILE "intercept.add"

/* ADD parsed and validated into a new intercept, or NULL (errno, ERR). */
static struct conf_intercept *parse_one(const struct steer_conf *base,
					const char *add, char *err, size_t errlen)
{
	static const char *const top[] = { "intercepts", NULL };
	struct steer_conf view = *base;
	struct conf_loader l = { .file = ADD_FILE, .err = err, .errlen = errlen,
				 .c = &view };
	struct conf_intercept *in = NULL;
	config_setting_t *list, *e;
	config_t cfg;
	unsigned n;
	int rc;

	view.intercepts = NULL;
	view.n_intercepts = 0;
	/* as conf_load_string(): a configuration never includes files */
	if (strstr(add, "@include") != NULL) {
		errno = EINVAL;
		ld_fail_at(&l, 1, "@include is not supported: a configuration is one file");
		return NULL;
	}
	size_t len = strlen(add);
	char *text = malloc(len + 32);
	if (text == NULL) {
		errno = ENOMEM;
		ld_oom(&l);
		return NULL;
	}
	snprintf(text, len + 32, "intercepts = ( %s );", add);
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		const char *what = config_error_text(&cfg);
		rc = ld_fail_at(&l, config_error_line(&cfg) > 0 ?
				config_error_line(&cfg) : 1, "%s",
				what != NULL ? what : "syntax error");
		goto out;
	}
	config_setting_t *root = config_root_setting(&cfg);
	if ((rc = ld_check_keys(&l, root, top, "an added intercept")) != 0 ||
	    (rc = ld_get_list(&l, root, "intercepts", true, &list, &n)) != 0)
		goto out;
	if (n != 1) {
		rc = ld_fail(&l, list, "one intercept at a time, not %u", n);
		goto out;
	}
	/* The loader resolves names through sorted indexes of the base's
	 * services and tunnels (a few, not the intercepts). */
	if ((base->n_services > 0 &&
	     (rc = LD_UNIQUE_NAMES(&l, base->services, base->n_services,
				   "service", &l.services_by_name)) != 0) ||
	    (base->n_tunnels > 0 &&
	     (rc = LD_UNIQUE_NAMES(&l, base->tunnels, base->n_tunnels,
				   "tunnel", &l.tunnels_by_name)) != 0))
		goto out;
	if ((in = calloc(1, sizeof(*in))) == NULL) {
		rc = ld_oom(&l);
		goto out;
	}
	if ((rc = ld_get_elem(&l, list, 0, "intercept", &e)) == 0)
		rc = conf_load_intercept(&l, e, base->n_intercepts, in);
out:
	config_destroy(&cfg);
	free(text);
	free(l.services_by_name);
	free(l.tunnels_by_name);
	if (rc != 0) {
		conf_intercept_free(in);
		errno = -rc;
		return NULL;
	}
	return in;
}

struct steer_conf *conf_derive(const struct steer_conf *base, const char *add,
			       int drop, char *err, size_t errlen)
{
	struct conf_intercept *in = NULL;
	struct steer_conf *nc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (base->borrowed) {
		snprintf(err, errlen, "%s: configuration does not own its parts", base->file);
		errno = EBUSY;
		return NULL;
	}
	if (drop >= (int)base->n_intercepts) {
		snprintf(err, errlen, "%s: no intercept #%d", base->file, drop);
		errno = EINVAL;
		return NULL;
	}
	if (add != NULL && (in = parse_one(base, add, err, errlen)) == NULL)
		return NULL;
	unsigned n = base->n_intercepts - (drop >= 0) + (in != NULL);
	nc = malloc(sizeof(*nc));
	struct conf_intercept **a = malloc(sizeof(*a) * (n + 1));
	if (nc == NULL || a == NULL) {
		free(nc);
		free(a);
		conf_intercept_free(in);
		snprintf(err, errlen, "%s: out of memory", base->file);
		errno = ENOMEM;
		return NULL;
	}
	*nc = *base;
	unsigned k = drop >= 0 ? (unsigned)drop : base->n_intercepts;
	memcpy(a, base->intercepts, sizeof(*a) * k);
	if (k < base->n_intercepts)
		memcpy(a + k, base->intercepts + k + 1,
		       sizeof(*a) * (base->n_intercepts - k - 1));
	if (in != NULL)
		a[n - 1] = in;
	nc->intercepts = a;
	nc->n_intercepts = n;
	nc->borrowed = true;
	nc->own = in;
	nc->dropped = drop >= 0 ? base->intercepts[drop] : NULL;
	nc->base = base;
	return nc;
}

void conf_adopt(struct steer_conf *nc, struct steer_conf *base)
{
	if (nc == NULL || !nc->borrowed || nc->base != base)
		return;
	/* NC's added intercept is now one of its own like the others; BASE
	 * keeps what NC left out, to free it with itself. */
	nc->borrowed = false;
	nc->own = NULL;
	nc->base = NULL;
	base->borrowed = true;
	base->own = nc->dropped;
	nc->dropped = NULL;
}
