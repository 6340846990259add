/* How a change reaches the workers (docs/control.md, "How a change is
 * applied"): an edit is applied to the running configuration written out
 * as text, the text loaded like a file, and the result compiled and
 * published, unless it changes what only a restart can (needs_restart()).
 * An intercept added or removed takes the short way: the new rules are
 * derived from the running ones (ctrl_apply_intercept()). Also the two
 * commands about whole files: reload and dump. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctrl-int.h"
#include "json.h"
#include "publish.h"

static void reply_generation(struct jw *w, const struct dp_shared *sh)
{
	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "generation");
	jw_uint(w, dp_pub_load(sh)->generation);
	jw_obj_end(w);
}

static bool same_strs(char **a, unsigned na, char **b, unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* What a reload cannot change without a restart, or NULL. */
static const char *needs_restart(const struct steer_conf *boot,
				 const struct steer_conf *n)
{
	const struct conf_dataplane *a = &boot->dataplane, *b = &n->dataplane;

	if (!same_strs(a->eal, a->n_eal, b->eal, b->n_eal))
		return "dataplane.eal";
	if (a->workers != b->workers || a->max_flows != b->max_flows ||
	    a->header_max != b->header_max || a->header_buffers != b->header_buffers ||
	    a->idle_backoff != b->idle_backoff ||
	    a->idle_backoff_max_us != b->idle_backoff_max_us ||
	    a->syn_cookies != b->syn_cookies || a->syn_backlog != b->syn_backlog ||
	    memcmp(&a->timeouts, &b->timeouts, sizeof(a->timeouts)) != 0)
		return "dataplane";
	if (boot->n_ports != n->n_ports)
		return "ports";
	for (unsigned i = 0; i < n->n_ports; i++)
		if (strcmp(boot->ports[i].name, n->ports[i].name) != 0 ||
		    strcmp(boot->ports[i].device, n->ports[i].device) != 0 ||
		    boot->ports[i].ip != n->ports[i].ip ||
		    boot->ports[i].plen != n->ports[i].plen)
			return "ports";
	const struct conf_control *ca = &boot->control, *cb = &n->control;
	if (!same_str(ca->socket, cb->socket) || !same_str(ca->group, cb->group) ||
	    !same_str(ca->metrics, cb->metrics))
		return "control";
	if (boot->n_routes != n->n_routes)
		return "routes";
	for (unsigned i = 0; i < n->n_routes; i++)
		if (boot->routes[i].prefix != n->routes[i].prefix ||
		    boot->routes[i].plen != n->routes[i].plen ||
		    boot->routes[i].via != n->routes[i].via)
			return "routes";
	return NULL;
}

/* Compile NC and make it the running ruleset; reply either way. */
void ctrl_publish_conf(struct dp_shared *sh, struct steer_conf *nc, struct jw *w)
{
	ctrl_publish_conf_fix(sh, nc, NULL, w);
}

void ctrl_publish_conf_fix(struct dp_shared *sh, struct steer_conf *nc,
			   void (*fix)(char *err, size_t errlen), struct jw *w)
{
	char err[1024];
	const char *what = needs_restart(sh->conf, nc);

	if (what != NULL) {
		snprintf(err, sizeof(err),
			 "%s: changes to %s need a restart of steerd; nothing was changed",
			 nc->file, what);
		conf_free(nc);
		ctrl_reply_error(w, err);
		return;
	}
	struct ruleset *rs = rs_compile(nc, err, sizeof(err));
	if (rs == NULL) {
		conf_free(nc);
		if (fix != NULL)
			fix(err, sizeof(err));
		ctrl_reply_error(w, err);
		return;
	}
	if (dp_publish(sh, rs, err, sizeof(err)) != 0) {
		ctrl_reply_error(w, err);
		return;
	}
	reply_generation(w, sh);
}

void ctrl_apply_edit(struct dp_shared *sh, const struct conf_edit *e, struct jw *w)
{
	char err[1024];
	char *text = conf_dump(ctrl_running(sh), e, err, sizeof(err));

	if (text == NULL) {
		ctrl_reply_error(w, errno == ENOMEM ? "out of memory" : err);
		return;
	}
	struct steer_conf *nc = conf_load_string(text, "running-config", err, sizeof(err));
	free(text);
	if (nc == NULL) {
		ctrl_reply_error(w, err);
		return;
	}
	ctrl_publish_conf(sh, nc, w);
}

void ctrl_apply_intercept(struct dp_shared *sh, const char *add, int drop,
			  struct jw *w)
{
	char err[1024];
	const struct ruleset *cur = dp_pub_load(sh)->rs;
	struct steer_conf *nc = conf_derive(rs_conf(cur), add, drop, err, sizeof(err));

	if (nc == NULL) {
		ctrl_reply_error(w, err);
		return;
	}
	struct ruleset *rs = rs_derive(cur, nc, drop, add != NULL, err, sizeof(err));
	if (rs == NULL) {
		conf_free(nc);
		ctrl_reply_error(w, err);
		return;
	}
	if (dp_publish(sh, rs, err, sizeof(err)) != 0) {
		ctrl_reply_error(w, err);
		return;
	}
	reply_generation(w, sh);
}

void ctrl_cmd_reload(struct dp_shared *sh, const struct json_node *req, struct jw *w)
{
	char path[4096], err[1024];

	if (!ctrl_get_str(req, "path", path, sizeof(path), false, err, sizeof(err))) {
		ctrl_reply_error(w, err);
		return;
	}
	struct steer_conf *nc = conf_load_file(path[0] ? path : sh->config_path,
					       err, sizeof(err));
	if (nc == NULL) {
		ctrl_reply_error(w, err);
		return;
	}
	uint64_t gen = dp_pub_load(sh)->generation;
	ctrl_publish_conf(sh, nc, w);
	if (dp_pub_load(sh)->generation != gen)
		ctrl_cluster_reloaded();
}

void ctrl_cmd_dump(struct dp_shared *sh, struct jw *w)
{
	char err[256];
	char *text = conf_dump(ctrl_running(sh), NULL, err, sizeof(err));

	if (text == NULL) {
		ctrl_reply_error(w, "out of memory");
		return;
	}
	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "config");
	jw_str(w, text);
	jw_obj_end(w);
	free(text);
}
