/* steerctl backend add|remove|drain|list: the command lines to requests
 * (docs/control.md). */
#include <string.h>

#include "cli-int.h"

/* backend add|remove|drain SERVICE ADDR; only add takes --weight. */
static int cmd_backend(struct argp *p, struct jw *w, const char *cmd)
{
	static const struct optdef with_weight[] = {
		{ "--weight", 0, true }, { NULL, 0, false },
	};
	static const struct optdef none[] = { { NULL, 0, false } };
	const struct optdef *defs = strcmp(cmd, "backend.add") == 0 ?
				    with_weight : none;
	const struct optdef *d;
	const char *v, *pos[2] = { NULL, NULL }, *weight = NULL;
	unsigned long long wt = 0;
	int n = 0, r;

	while ((r = argp_next(p, defs, &d, &v)) != ARG_END) {
		if (r < 0)
			return r;
		if (r == ARG_OPT) {
			if ((r = argp_set_once(p, d, &weight, v)) != 0)
				return r;
			continue;
		}
		if (n == 2)
			return cli_errf(p->err, p->errlen, CLI_EUSAGE,
					"%s: unexpected argument '%s'", p->what,
					v);
		pos[n++] = v;
	}
	if (n < 2)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"%s: missing %s", p->what,
				n == 0 ? "SERVICE and IP:PORT" : "IP:PORT");
	if ((r = argp_check_addr(p, "backend address", pos[1], true)) != 0)
		return r;
	if (weight != NULL &&
	    (r = argp_check_uint(p, "--weight", weight, 1, 1000, &wt)) != 0)
		return r;
	req_begin(w, cmd);
	req_str(w, "service", pos[0]);
	req_str(w, "address", pos[1]);
	if (weight != NULL) {
		jw_key(w, "weight");
		jw_uint(w, wt);
	}
	jw_obj_end(w);
	return 0;
}

const struct verb cli_backend_verbs[] = {
	{ "add", "backend.add", cmd_backend },
	{ "remove", "backend.remove", cmd_backend },
	{ "drain", "backend.drain", cmd_backend },
	{ "list", "backend.list", req_none },
	{ NULL, NULL, NULL },
};
