/* steerctl tunnel add|remove|list: the command lines to requests
 * (docs/control.md). */
#include <string.h>

#include "cli-int.h"

enum { TA_TYPE, TA_TARGET, TA_REMOTE, TA_VNI, TA_SOURCE, TA_NO_FAIL_OPEN };

static int cmd_tunnel_add(struct argp *p, struct jw *w,
			  const char *cmd)
{
	static const struct optdef defs[] = {
		{ "--type", TA_TYPE, true },
		{ "--target", TA_TARGET, true },
		{ "--remote", TA_REMOTE, true },
		{ "--vni", TA_VNI, true },
		{ "--source", TA_SOURCE, true },
		{ "--no-fail-open", TA_NO_FAIL_OPEN, false },
		{ NULL, 0, false },
	};
	/* slots by option id; --no-fail-open stores a non-NULL marker */
	const char *o[TA_NO_FAIL_OPEN + 1] = { NULL };
	const struct optdef *d;
	const char *v, *name = NULL;
	unsigned long long vni = 0;
	bool vxlan;
	int r;

	while ((r = argp_next(p, defs, &d, &v)) != ARG_END) {
		if (r < 0)
			return r;
		if (r == ARG_POS) {
			if ((r = argp_one_name(p, &name, v)) != 0)
				return r;
			continue;
		}
		if ((r = argp_set_once(p, d, &o[d->id], v ? v : "")) != 0)
			return r;
	}
	if (name == NULL)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: missing NAME", p->what);
	if (o[TA_TYPE] == NULL)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: --type is required (direct or vxlan)",
				p->what);
	vxlan = strcmp(o[TA_TYPE], "vxlan") == 0;
	if (!vxlan && strcmp(o[TA_TYPE], "direct") != 0)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: --type must be direct or vxlan (got '%s')",
				p->what, o[TA_TYPE]);
	if (o[TA_TARGET] == NULL)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: --target IP:PORT is required", p->what);
	if ((r = argp_check_addr(p, "--target", o[TA_TARGET], true)) != 0)
		return r;
	for (int i = TA_REMOTE; i <= TA_SOURCE; i++) {
		if (vxlan && o[i] == NULL)
			return cli_errf(p->err, p->errlen, CLI_EUSAGE,
					"%s: a vxlan tunnel needs %s", p->what,
					defs[i].name);
		if (!vxlan && o[i] != NULL)
			return cli_errf(p->err, p->errlen, CLI_EUSAGE,
					"%s: %s is only for vxlan tunnels",
					p->what, defs[i].name);
	}
	if (vxlan) {
		if ((r = argp_check_addr(p, "--remote", o[TA_REMOTE],
					 false)) != 0 ||
		    (r = argp_check_addr(p, "--source", o[TA_SOURCE],
					 false)) != 0)
			return r;
		/* 24 bits, RFC 7348 section 5 */
		if ((r = argp_check_uint(p, "--vni", o[TA_VNI], 0, 16777215,
					 &vni)) != 0)
			return r;
	}

	req_begin(w, cmd);
	req_str(w, "name", name);
	req_str(w, "type", o[TA_TYPE]);
	req_str(w, "target", o[TA_TARGET]);
	if (vxlan) {
		req_str(w, "remote", o[TA_REMOTE]);
		jw_key(w, "vni");
		jw_uint(w, vni);
		req_str(w, "source", o[TA_SOURCE]);
	}
	if (o[TA_NO_FAIL_OPEN] != NULL) {
		jw_key(w, "fail_open");
		jw_bool(w, false);
	}
	jw_obj_end(w);
	return 0;
}

const struct verb cli_tunnel_verbs[] = {
	{ "add", "tunnel.add", cmd_tunnel_add },
	{ "remove", "tunnel.remove", req_name },
	{ "list", "tunnel.list", req_none },
	{ NULL, NULL, NULL },
};
