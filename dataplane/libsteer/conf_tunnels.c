/* The `tunnels` section: where intercepted requests go, directly to a
 * target or through a VXLAN tunnel. Called by the loader in conf.c; see
 * conf_load.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libconfig.h>

#include "conf.h"
#include "conf_load.h"
#include "conf_parse.h"

/* The vxlan-only keys are an error on a direct tunnel rather than ignored:
 * a half-converted entry would otherwise look configured. */
static int load_tunnel_vxlan(struct conf_loader *l, const config_setting_t *e,
			     struct conf_tunnel *t, const char *what)
{
	static const char *const vxlan_only[] = { "remote", "vni", "source" };
	int rc;

	if (t->type == CONF_TUNNEL_DIRECT) {
		for (unsigned i = 0; i < ARRAY_SIZE(vxlan_only); i++) {
			const config_setting_t *s =
				config_setting_get_member(e, vxlan_only[i]);
			if (s != NULL)
				return ld_fail(l, s, "'%s' is only valid in vxlan tunnels",
					       vxlan_only[i]);
		}
		return 0;
	}
	/* VNIs are 24 bits, RFC 7348 section 5. */
	if ((rc = ld_get_ipv4(l, e, "remote", what, &t->remote)) != 0 ||
	    (rc = ld_get_u32(l, e, "vni", what, true, 0, 16777215, &t->vni)) != 0 ||
	    (rc = ld_get_ipv4(l, e, "source", what, &t->source)) != 0)
		return rc;
	return 0;
}

int conf_load_tunnels(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "name", "type", "remote", "vni",
		"source", "target", "fail_open", NULL };
	struct steer_conf *c = l->c;
	config_setting_t *list;
	unsigned n;
	int rc;

	if ((rc = ld_get_list(l, root, "tunnels", false, &list, &n)) != 0 || n == 0)
		return rc;
	if ((c->tunnels = calloc(n, sizeof(*c->tunnels))) == NULL)
		return ld_oom(l);
	for (unsigned i = 0; i < n; i++) {
		struct conf_tunnel *t = &c->tunnels[i];
		const char *type = NULL;
		config_setting_t *e;
		char what[LD_WHAT_MAX];

		if ((rc = ld_get_elem(l, list, i, "tunnel", &e)) != 0)
			return rc;
		ld_describe(what, "tunnel", e, i);
		t->fail_open = true;
		if ((rc = ld_check_keys(l, e, keys, what)) != 0 ||
		    (rc = ld_get_name(l, e, what, t->name)) != 0 ||
		    (rc = ld_get_string(l, e, "type", what, true, &type)) != 0)
			return rc;
		if (strcmp(type, "direct") == 0)
			t->type = CONF_TUNNEL_DIRECT;
		else if (strcmp(type, "vxlan") == 0)
			t->type = CONF_TUNNEL_VXLAN;
		else
			return ld_fail(l, config_setting_get_member(e, "type"),
				       "'type' must be \"direct\" or \"vxlan\" (got \"%.40s\")",
				       type);
		if ((rc = load_tunnel_vxlan(l, e, t, what)) != 0 ||
		    (rc = ld_get_ip_port(l, e, "target", what, &t->target_ip,
					 &t->target_port)) != 0 ||
		    (rc = ld_get_bool(l, e, "fail_open", &t->fail_open)) != 0)
			return rc;
		t->line = ld_line(e);
		c->n_tunnels = i + 1;
	}
	return LD_UNIQUE_NAMES(l, c->tunnels, n, "tunnel",
			       &l->tunnels_by_name);
}
