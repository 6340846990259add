/* steerctl command lines to control requests (docs/control.md).
 *
 * Each command checks its usage here, before anything reaches steerd: the
 * shape of the command line (required and exclusive options, NAME=VALUE
 * forms, numbers and addresses in the forms docs/configuration.md gives).
 * What needs the running configuration (does the service exist, is the
 * regex valid, does the intercept conflict) is steerd's to check: it
 * validates every change exactly as a file, and its message names the
 * line.
 *
 * This file: the global options, the dispatch to the command families
 * (cli_intercept.c, cli_tunnel.c, cli_backend.c), the commands of one
 * word (stats, flows, reload, ...) and the help text. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli-int.h"

int cli_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int cmd_stats(struct argp *p, struct jw *w)
{
	static const struct optdef defs[] = {
		{ "--per-worker", 0, false }, { NULL, 0, false },
	};
	const struct optdef *d;
	const char *v;
	bool per_worker = false;
	int r;

	while ((r = argp_next(p, defs, &d, &v)) == ARG_OPT)
		per_worker = true;
	if (r == ARG_POS)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"stats: unexpected argument '%s'", v);
	if (r < 0)
		return r;
	req_begin(w, "stats");
	if (per_worker) {
		jw_key(w, "per_worker");
		jw_bool(w, true);
	}
	jw_obj_end(w);
	return 0;
}

static int cmd_flows(struct argp *p, struct jw *w)
{
	static const struct optdef defs[] = {
		{ "--limit", 0, true }, { NULL, 0, false },
	};
	const struct optdef *d;
	const char *v, *limit = NULL;
	unsigned long long n = 0;
	int r;

	while ((r = argp_next(p, defs, &d, &v)) == ARG_OPT)
		if ((r = argp_set_once(p, d, &limit, v)) != 0)
			return r;
	if (r == ARG_POS)
		return cli_errf(p->err, p->errlen, CLI_EUSAGE,
				"flows: unexpected argument '%s'", v);
	if (r < 0)
		return r;
	/* 1000: steerd's bound on one sample (docs/control.md) */
	if (limit != NULL && (r = argp_check_uint(p, "--limit", limit, 1, 1000, &n)) != 0)
		return r;
	req_begin(w, "flows");
	if (limit != NULL) {
		jw_key(w, "limit");
		jw_uint(w, n);
	}
	jw_obj_end(w);
	return 0;
}

static int cmd_reload(struct argp *p, struct jw *w)
{
	static const struct optdef none[] = { { NULL, 0, false } };
	const struct optdef *d;
	const char *v, *file = NULL;
	char *abs = NULL;
	int r;

	while ((r = argp_next(p, none, &d, &v)) == ARG_POS) {
		if (file != NULL)
			return cli_errf(p->err, p->errlen, CLI_EUSAGE,
					"reload: unexpected argument '%s'", v);
		file = v;
	}
	if (r < 0)
		return r;
	/* steerd reads the path itself, from its own working directory:
	 * send it absolute, and fail here, naming the file as the loader
	 * would, rather than with a less telling message from steerd */
	if (file != NULL && (abs = realpath(file, NULL)) == NULL)
		return cli_errf(p->err, p->errlen, CLI_EFAIL,
				"%s: cannot read: %s", file, strerror(errno));
	req_begin(w, "reload");
	req_str(w, "path", abs);
	jw_obj_end(w);
	free(abs);
	return 0;
}

int cli_request(int argc, char **argv, struct jw *out, char *err,
		size_t errlen)
{
	static const char *const none[] = { NULL };
	struct argp p = {
		.argc = argc, .argv = argv, .i = 1, .err = err, .errlen = errlen,
	};
	const char *cmd;
	int r;

	if (argc < 1)
		return cli_errf(err, errlen, CLI_EUSAGE, "missing command");
	cmd = p.what = argv[0];
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "dump") == 0)
		r = req_simple(&p, out, cmd, 0, "", none);
	else if (strcmp(cmd, "stats") == 0)
		r = cmd_stats(&p, out);
	else if (strcmp(cmd, "flows") == 0)
		r = cmd_flows(&p, out);
	else if (strcmp(cmd, "reload") == 0)
		r = cmd_reload(&p, out);
	else if (strcmp(cmd, "intercept") == 0)
		r = argp_noun(&p, out, cli_intercept_verbs);
	else if (strcmp(cmd, "tunnel") == 0)
		r = argp_noun(&p, out, cli_tunnel_verbs);
	else if (strcmp(cmd, "backend") == 0)
		r = argp_noun(&p, out, cli_backend_verbs);
	else if (strcmp(cmd, "check") == 0 || strcmp(cmd, "watch") == 0 ||
		 strcmp(cmd, "help") == 0)
		r = cli_errf(err, errlen, CLI_EUSAGE,
			     "%s: sends no request to steerd", cmd);
	else
		r = cli_errf(err, errlen, CLI_EUSAGE, "unknown command '%s'",
			     cmd);
	if (r == 0 && out->failed)
		r = cli_errf(err, errlen, CLI_EFAIL, "out of memory");
	return r;
}

int cli_file_arg(int argc, char **argv, const char **file, char *err,
		 size_t errlen)
{
	struct argp p = {
		.argc = argc, .argv = argv, .i = 1, .what = argv[0],
		.err = err, .errlen = errlen,
	};

	return argp_positionals(&p, file, 1, "FILE");
}

/* Seconds as "S", "S.F": a positive decimal number, at most a day. */
static int parse_timeout(const char *s, int *ms)
{
	char *end;
	double v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || v <= 0 || v > 86400)
		return -1;
	*ms = (int)(v * 1000 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

int cli_global(int argc, char **argv, struct cli_opts *o, char *err,
	       size_t errlen)
{
	enum { G_SOCKET, G_JSON, G_TIMEOUT, G_HELP, G_H, G_ETCD, G_CLUSTER,
	       G_CONFIG };
	static const struct optdef defs[] = {
		{ "--socket", G_SOCKET, true },
		{ "--etcd", G_ETCD, true },
		{ "--cluster", G_CLUSTER, true },
		{ "--config", G_CONFIG, true },
		{ "--json", G_JSON, false },
		{ "--timeout", G_TIMEOUT, true },
		{ "--help", G_HELP, false },
		{ "-h", G_H, false },
		{ NULL, 0, false },
	};
	struct argp p = {
		.argc = argc, .argv = argv, .i = 1, .what = "steerctl",
		.err = err, .errlen = errlen,
	};
	const struct optdef *d;
	const char *v;
	int r;

	for (;;) {
		r = argp_next(&p, defs, &d, &v);
		if (r == ARG_END)
			return argc;
		if (r == ARG_POS)
			return p.i - 1;   /* the word argp_next() stepped over */
		if (r < 0)
			return r;
		switch (d->id) {
		case G_SOCKET:
			if (*v == '\0')
				return cli_errf(err, errlen, CLI_EUSAGE, "steerctl: "
						"--socket needs a path");
			o->socket = v;
			break;
		case G_JSON:
			o->json = true;
			break;
		case G_ETCD:
		case G_CLUSTER:
		case G_CONFIG:
			if (*v == '\0')
				return cli_errf(err, errlen, CLI_EUSAGE, "steerctl: "
						"%s needs a value", d->name);
			*(d->id == G_ETCD ? &o->etcd : d->id == G_CLUSTER ?
			  &o->cluster : &o->config) = v;
			break;
		case G_TIMEOUT:
			if (parse_timeout(v, &o->timeout_ms) != 0)
				return cli_errf(err, errlen, CLI_EUSAGE,
						"steerctl: --timeout wants "
						"seconds above 0, at most "
						"86400 (got '%s')", v);
			break;
		default:
			o->help = true;
			break;
		}
	}
}

void cli_usage(FILE *out)
{
	fputs(
"usage: steerctl [--socket PATH | --etcd URLS [--cluster NAME]] [--config FILE] [--json] [--timeout S] COMMAND ...\n"
"\n"
"Talks to steerd over its control socket: --socket, else $STEER_SOCKET,\n"
"else " CLI_SOCKET_DEFAULT ". --json prints steerd's raw response;\n"
"--timeout bounds each request in seconds (default 30).\n"
"With --etcd, intercept add/remove/list/renew, tunnel add/remove/list,\n"
"backend add/remove/drain/list, dump and status --cluster read and write\n"
"the cluster's rules in etcd instead, and 'import FILE' writes FILE's\n"
"services, listeners and previews there (docs/scale-out.md); --config\n"
"names the node configuration the change is validated against, and\n"
"intercept add --ttl DURATION makes it expire.\n"
"\n"
"Commands:\n"
"  status                      version, uptime, workers, serving, ports,\n"
"                              generation, listeners\n"
"  stats [--per-worker]        non-zero counters, drops by reason, decisions\n"
"  intercept add NAME --service S --tunnel T [MATCHER]... [PATH]\n"
"                [--preview TOKEN]\n"
"      MATCHER (all must hold, at most 8):\n"
"        --header NAME=VALUE        --baggage KEY=VALUE\n"
"        --header-prefix NAME=P     --baggage-prefix KEY=P\n"
"        --header-regex NAME=RE     --baggage-regex KEY=RE\n"
"        --header-present NAME      --baggage-present KEY\n"
"      PATH (at most one): --path-equal P | --path-prefix P | --path-regex RE\n"
"      --ttl DURATION (30s, 10m, 2h): removed by itself when it passes\n"
"  intercept remove NAME\n"
"  intercept list\n"
"  intercept renew NAME [--ttl DURATION]   its TTL starts again\n"
"  tunnel add NAME --type direct --target IP:PORT [--no-fail-open]\n"
"  tunnel add NAME --type vxlan --remote IP --vni N --source IP\n"
"                --target IP:PORT [--no-fail-open]\n"
"  tunnel remove NAME          refused while an intercept uses it\n"
"  tunnel list\n"
"  backend add SERVICE IP:PORT [--weight N]\n"
"  backend remove SERVICE IP:PORT\n"
"  backend drain SERVICE IP:PORT\n"
"                              no new flows; existing ones finish\n"
"  backend list                every backend: up, down or unchecked (no\n"
"                              health checks), checks, last failure\n"
"  reload [FILE]               load FILE; without FILE, steerd reloads the\n"
"                              file it was started with\n"
"  dump                        print a configuration file that reproduces\n"
"                              the running rules\n"
"  watch FILE                  reload FILE now and whenever it changes, until\n"
"                              interrupted; waits for steerd if it is down\n"
"  flows [--limit N]           a sample of the current flows (default 20,\n"
"                              at most 1000)\n"
"  check FILE                  validate FILE offline, as steerd would\n"
"  help                        this text\n"
"\n"
"Every change is validated like a whole file: a refused one leaves the\n"
"running rules in place, and the message names the line.\n"
"Exit status: 0 success, 1 error (reason on stderr), 2 usage error.\n",
	      out);
}
