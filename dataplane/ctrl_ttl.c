/* Intercepts that expire on a single node (docs/control.md, "Intercepts
 * that expire"): intercept.add with "ttl" (seconds) notes a deadline here;
 * intercept.renew moves it (to now + the new or the same ttl); the main
 * loop's tick removes an intercept whose deadline passed, the way
 * intercept.remove does (ctrl_apply_intercept()). In a cluster the same is an etcd
 * lease (docs/scale-out.md), and this table stays empty. Main lcore only:
 * no lock. */
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "ctrl-int.h"
#include "ctrl_ttl.h"
#include "json.h"
#include "publish.h"
#include "rules.h"

#define TTL_MAX 1024

static struct {
	char name[CONF_NAME_MAX];
	uint64_t ttl_ms, deadline_ms;
} tab[TTL_MAX];
static unsigned n_tab;

static int find(const char *name)
{
	for (unsigned i = 0; i < n_tab; i++)
		if (strcmp(tab[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool ctrl_ttl_arg(const struct json_node *t, uint64_t *ttl_s, struct jw *w)
{
	long long v = 0;

	if (t != NULL && (!json_int(t, &v) || v < 1 || v > 30 * 86400)) {
		ctrl_reply_error(w, "field 'ttl' must be whole seconds, 1 to 30 days");
		return false;
	}
	*ttl_s = (uint64_t)v;
	return true;
}

int ctrl_ttl_set(const char *name, uint64_t ttl_s, uint64_t now)
{
	int i = find(name);

	if (i < 0) {
		if (n_tab == TTL_MAX)
			return -1;
		i = (int)n_tab++;
		snprintf(tab[i].name, sizeof(tab[i].name), "%s", name);
	}
	tab[i].ttl_ms = ttl_s * 1000;
	tab[i].deadline_ms = now + tab[i].ttl_ms;
	return 0;
}

void ctrl_ttl_forget(const char *name)
{
	int i = find(name);

	if (i >= 0)
		tab[i] = tab[--n_tab];
}

long long ctrl_ttl_left_s(const char *name, uint64_t now)
{
	int i = find(name);

	if (i < 0)
		return -1;
	return tab[i].deadline_ms > now ?
	       (long long)((tab[i].deadline_ms - now + 999) / 1000) : 0;
}

void ctrl_cmd_renew(struct dp_shared *sh, const struct json_node *req,
		    uint64_t now, struct jw *w)
{
	char name[CONF_NAME_MAX], err[256];
	const struct json_node *t = json_get(ctrl_nodes, req, "ttl");
	int i;

	if (!ctrl_get_str(req, "name", name, sizeof(name), true, err, sizeof(err))) {
		ctrl_reply_error(w, err);
		return;
	}
	if (conf_find_intercept(ctrl_running(sh), name) < 0) {
		snprintf(err, sizeof(err), "no intercept named '%s'", name);
		ctrl_reply_error(w, err);
		return;
	}
	uint64_t ttl_s;
	if (!ctrl_ttl_arg(t, &ttl_s, w))
		return;
	if ((i = find(name)) < 0 && t == NULL) {
		snprintf(err, sizeof(err), "intercept '%s' has no ttl; give one to set it", name);
		ctrl_reply_error(w, err);
		return;
	}
	if (ctrl_ttl_set(name, t ? ttl_s : tab[i].ttl_ms / 1000, now) < 0) {
		ctrl_reply_error(w, "too many intercepts with a ttl");
		return;
	}
	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "ttl_left_s");
	jw_int(w, ctrl_ttl_left_s(name, now));
	jw_obj_end(w);
}

void ctrl_ttl_tick(struct dp_shared *sh, uint64_t now)
{
	for (unsigned i = 0; i < n_tab;) {
		if (tab[i].deadline_ms > now) {
			i++;
			continue;
		}
		char name[CONF_NAME_MAX];
		snprintf(name, sizeof(name), "%s", tab[i].name);
		tab[i] = tab[--n_tab];
		int k = rs_find_intercept(dp_pub_load(sh)->rs, name);
		if (k < 0)
			continue;       /* gone already (a reload, a remove) */
		struct jw w;
		jw_init(&w);
		/* the same path as intercept.remove */
		ctrl_apply_intercept(sh, NULL, k, &w);
		fprintf(stderr, "steerd: intercept '%s' expired (its ttl passed): %s\n",
			name, w.buf);
		jw_free(&w);
	}
}
