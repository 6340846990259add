/* steerctl: the control client of steerd (docs/control.md).
 *
 * The command line is turned into the request, and the response into
 * text, by libcli (cli.h); what touches the system is here: one request
 * over the socket (steerctl_socket.c), `watch` (steerctl_watch.c) and
 * `check` (the loader and rule compiler, with no steerd at all). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "rules.h"
#include "steerctl-int.h"

static int usage_error(const char *msg)
{
	fprintf(stderr, "%s: %s\n", STEERCTL, msg);
	fprintf(stderr, "usage: %s [--socket PATH] [--json] [--timeout S] "
		"COMMAND ... (see '%s help')\n", STEERCTL, STEERCTL);
	return 2;
}

int flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: writing output: %s\n", STEERCTL,
			strerror(errno));
		return 1;
	}
	return 0;
}

/* ---- one request ---- */

static int do_request(const struct cli_opts *o, int argc, char **argv)
{
	char err[ERR_MAX], cmd[64];
	struct jw w;
	char *resp = NULL;
	size_t len = 0;
	int r, rc = 1;

	jw_init(&w);
	r = cli_request(argc, argv, &w, err, sizeof(err));
	if (r == CLI_EUSAGE) {
		jw_free(&w);
		return usage_error(err);
	}
	if (r != 0 || cli_request_cmd(w.buf, w.len, cmd, sizeof(cmd)) != 0) {
		fprintf(stderr, "%s: %s\n", STEERCTL, r ? err : "out of memory");
		goto out;
	}
	if (ctl_call(o->socket, w.buf, w.len, o->timeout_ms, NULL, &resp,
		     &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", STEERCTL, err);
		goto out;
	}
	if (o->json) {
		fwrite(resp, 1, len, stdout);
		fputc('\n', stdout);
		r = cli_response_ok(resp, len, err, sizeof(err)) == 1 ? 0 : -1;
	} else {
		r = cli_render(cmd, resp, len, stdout, err, sizeof(err));
	}
	rc = flush_stdout();
	if (r != 0) {
		/* steerd's own message ("file:line: what") as is */
		fprintf(stderr, "%s\n", err);
		rc = 1;
	}
out:
	free(resp);
	jw_free(&w);
	return rc;
}

/* ---- check ---- */

static const char *plural(unsigned n)
{
	return n == 1 ? "" : "s";
}

/* Load and compile FILE as steerd would at start; no socket involved. */
static int do_check(const char *file)
{
	char err[ERR_MAX];
	struct steer_conf *c;
	struct ruleset *rs;
	unsigned backends = 0;

	if ((c = conf_load_file(file, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (unsigned i = 0; i < c->n_services; i++)
		backends += c->services[i].n_backends;
	if ((rs = rs_compile(c, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		conf_free(c);
		return 1;
	}
	printf("%s: ok (%u port%s, %u listener%s, %u service%s, %u backend%s, "
	       "%u tunnel%s, %u intercept%s)\n", file,
	       c->n_ports, plural(c->n_ports),
	       c->n_listeners, plural(c->n_listeners),
	       c->n_services, plural(c->n_services),
	       backends, plural(backends),
	       c->n_tunnels, plural(c->n_tunnels),
	       c->n_intercepts, plural(c->n_intercepts));
	rs_free(rs);               /* and c, which it owns */
	return flush_stdout();
}

int main(int argc, char **argv)
{
	const char *env = getenv("STEER_SOCKET");
	struct cli_opts o = {
		.socket = env != NULL && *env != '\0' ? env : CLI_SOCKET_DEFAULT,
		.timeout_ms = CLI_TIMEOUT_MS_DEFAULT,
	};
	char err[ERR_MAX];
	const char *file;
	const char *cmd;
	int ci;

	if ((ci = cli_global(argc, argv, &o, err, sizeof(err))) < 0)
		return usage_error(err);
	if (o.help || (ci < argc && strcmp(argv[ci], "help") == 0)) {
		cli_usage(stdout);
		return flush_stdout();
	}
	if (ci == argc)
		return usage_error("missing command");
	cmd = argv[ci];
	if (strcmp(cmd, "check") == 0 || strcmp(cmd, "watch") == 0) {
		if (cli_file_arg(argc - ci, argv + ci, &file, err,
				 sizeof(err)) != 0)
			return usage_error(err);
		return cmd[0] == 'c' ? do_check(file) : do_watch(&o, file);
	}
	/* a cluster section in --config stands for --etcd and --cluster */
	struct steer_conf *cc = NULL;
	if (o.etcd == NULL && o.config != NULL &&
	    (cc = conf_load_file(o.config, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (cc != NULL && cc->cluster.name != NULL) {
		o.etcd = cc->cluster.etcd;
		if (o.cluster == NULL)
			o.cluster = cc->cluster.name;
	}
	if (o.etcd != NULL) {
		int rc = do_etcd(&o, argc - ci, argv + ci);
		conf_free(cc);
		return rc;
	}
	conf_free(cc);
	return do_request(&o, argc - ci, argv + ci);
}
