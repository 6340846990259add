/* steerd's responses as text for humans (docs/control.md): whether a
 * response says ok, and the dispatch of each command's answer to its
 * renderer (cli_render_stats.c, cli_render_lists.c), with the dump and
 * the one-line answers to changes here. Responses are parsed by
 * cli_doc.c, which also makes steerd's strings terminal-safe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-int.h"

static int render_dump(const struct doc *d, FILE *out, char *err,
		       size_t errlen)
{
	const struct json_node *c = doc_get(d, d->root, "config");
	char *text;
	size_t n;

	if (c == NULL || c->type != JSON_STRING)
		return cli_errf(err, errlen, -1,
				"malformed response: no 'config' text");
	/* as is: this is a configuration file to redirect somewhere */
	if ((text = node_str(c, false)) == NULL)
		return cli_errf(err, errlen, -1,
				"malformed response: bad 'config' text");
	n = strlen(text);
	fwrite(text, 1, n, out);
	if (n > 0 && text[n - 1] != '\n')
		fputc('\n', out);
	free(text);
	return 0;
}

/* What each change did, for "intercept added (generation 7)". */
static const struct {
	const char *cmd, *done;
} changes[] = {
	{ "intercept.add", "intercept added" },
	{ "intercept.remove", "intercept removed" },
	{ "intercept.renew", "intercept renewed" },
	{ "tunnel.add", "tunnel added" },
	{ "tunnel.remove", "tunnel removed" },
	{ "backend.add", "backend added" },
	{ "backend.remove", "backend removed" },
	{ "backend.drain", "backend draining" },
	{ "reload", "configuration reloaded" },
};

int cli_response_ok(const char *response, size_t len, char *err,
		    size_t errlen)
{
	const struct json_node *ok, *e;
	struct doc d;
	char *msg;

	if (doc_parse(&d, response, len, "response from steerd", err,
		      errlen) != 0)
		return -1;
	ok = doc_get(&d, d.root, "ok");
	if (ok == NULL || ok->type != JSON_BOOL) {
		doc_free(&d);
		return cli_errf(err, errlen, -1,
				    "malformed response from steerd: no 'ok'");
	}
	if (ok->boolean) {
		doc_free(&d);
		return 1;
	}
	e = doc_get(&d, d.root, "error");
	msg = e != NULL && e->type == JSON_STRING ? node_text(e) : NULL;
	cli_errf(err, errlen, -1, "%s", msg ? msg :
		 "steerd refused the request without a message");
	free(msg);
	doc_free(&d);
	return 0;
}

long long cli_response_generation(const char *response, size_t len)
{
	const struct json_node *g;
	struct doc d;
	long long v = -1;

	if (doc_parse(&d, response, len, "response", NULL, 0) != 0)
		return -1;
	g = doc_get(&d, d.root, "generation");
	if (g != NULL && g->type == JSON_NUMBER && g->number >= 0 &&
	    g->number <= 9e15)
		v = (long long)g->number;
	doc_free(&d);
	return v;
}

int cli_request_cmd(const char *req, size_t len, char *buf, size_t buflen)
{
	const struct json_node *c;
	struct doc d;
	int r = -1;

	if (doc_parse(&d, req, len, "request", NULL, 0) != 0)
		return -1;
	c = doc_get(&d, d.root, "cmd");
	if (c != NULL && c->type == JSON_STRING &&
	    json_str_copy(c, buf, buflen) >= 0)
		r = 0;
	doc_free(&d);
	return r;
}

int cli_render(const char *cmd, const char *response, size_t len, FILE *out,
	       char *err, size_t errlen)
{
	const struct json_node *g;
	struct doc d;
	int r;

	if ((r = cli_response_ok(response, len, err, errlen)) != 1)
		return -1;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (doc_parse(&d, response, len, "response from steerd", err,
		      errlen) != 0)
		return -1;
	r = 0;
	if (strcmp(cmd, "status") == 0) {
		r = render_status(&d, out);
	} else if (strcmp(cmd, "stats") == 0) {
		r = render_stats(&d, out);
	} else if (strcmp(cmd, "intercept.list") == 0) {
		r = render_intercepts(&d, out, err, errlen);
	} else if (strcmp(cmd, "tunnel.list") == 0) {
		r = render_tunnels(&d, out, err, errlen);
	} else if (strcmp(cmd, "backend.list") == 0) {
		r = render_backends(&d, out, err, errlen);
	} else if (strcmp(cmd, "flows") == 0) {
		r = render_flows(&d, out, err, errlen);
	} else if (strcmp(cmd, "dump") == 0) {
		r = render_dump(&d, out, err, errlen);
	} else {
		const char *done = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(changes); i++)
			if (strcmp(cmd, changes[i].cmd) == 0)
				done = changes[i].done;
		g = doc_get(&d, d.root, "generation");
		if (done == NULL) {
			/* a command this steerctl does not know: show it all */
			fwrite(response, 1, len, out);
			if (len == 0 || response[len - 1] != '\n')
				fputc('\n', out);
		} else if (g != NULL) {
			fprintf(out, "%s (generation ", done);
			node_print(out, g);
			fputs(")\n", out);
		} else {
			fprintf(out, "%s\n", done);
		}
	}
	if (r != 0 && err != NULL && errlen > 0 && err[0] == '\0')
		cli_errf(err, errlen, -1, "out of memory");
	doc_free(&d);
	return r;
}
