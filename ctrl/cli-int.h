/* What libcli's files share (ctrl/cli*.c only). The request side:
 * cli.c dispatches a command line to its family (cli_intercept.c,
 * cli_tunnel.c, cli_backend.c), all of which walk their words with
 * cli_argp.c. The response side: cli_render.c dispatches a response to
 * its renderer (cli_render_stats.c, cli_render_lists.c), all of which
 * read the parsed response with cli_doc.c and print it with
 * cli_table.c. */
#ifndef STEER_CLI_INT_H
#define STEER_CLI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- cli.c ---- */

/* FMT into ERR (ERRLEN bytes; nothing when ERR is NULL); returns RC. */
int __attribute__((format(printf, 4, 5)))
cli_errf(char *err, size_t errlen, int rc, const char *fmt, ...);

/* ---- cli_argp.c: command-line words ---- */

struct optdef {
	const char *name;         /* "--service" */
	int id;
	bool value;               /* takes a value: "--x V" or "--x=V" */
};

/* Walks the words after the command words: options (any order, values
 * from the next word or after '=') and positionals; "--" ends options. */
struct argp {
	int argc;
	char **argv;
	int i;
	bool dashdash;
	const char *what;         /* "intercept add", for messages */
	char *err;
	size_t errlen;
	char what_buf[32];
};

enum { ARG_END, ARG_OPT, ARG_POS };

/* The next word: ARG_OPT with *DEF (and *VAL for an option with a value),
 * ARG_POS with *VAL, ARG_END, or CLI_EUSAGE with the message in P->err. */
int argp_next(struct argp *p, const struct optdef *defs,
	      const struct optdef **def, const char **val);

/* Collect exactly N positionals into POS, refusing any option (commands
 * without options). NAMES names them for the message when some are
 * missing. Returns 0 or CLI_EUSAGE. */
int argp_positionals(struct argp *p, const char **pos, int n,
		     const char *names);

/* Option D's value VAL into *SLOT; CLI_EUSAGE when it was given before. */
int argp_set_once(struct argp *p, const struct optdef *d, const char **slot,
		  const char *val);

/* V an address "a.b.c.d" (with WITH_PORT, "a.b.c.d:port") as the loader
 * takes it; else CLI_EUSAGE with a message naming WHAT. */
int argp_check_addr(struct argp *p, const char *what, const char *v,
		    bool with_port);

/* V a decimal number in LO..HI into *OUT; else CLI_EUSAGE naming WHAT. */
int argp_check_uint(struct argp *p, const char *what, const char *v,
		    unsigned long long lo, unsigned long long hi,
		    unsigned long long *out);

/* The sub-commands of a noun ("intercept add"). */
struct verb {
	const char *name;
	int (*fn)(struct argp *p, struct jw *w);
};

/* P->argv[1] looked up in VERBS (CHOICES lists them for messages) and
 * run, with P->what set to "noun verb". */
int argp_noun(struct argp *p, struct jw *w, const struct verb *verbs,
	      const char *choices);

/* A request's start: '{"cmd": CMD'. */
void req_begin(struct jw *w, const char *cmd);

/* Member KEY: V, left out when V is NULL. */
void req_str(struct jw *w, const char *key, const char *v);

/* Commands whose only arguments are N (at most 2) positionals named in
 * NAMES, sent as the members KEYS. */
int req_simple(struct argp *p, struct jw *w, const char *cmd, int n,
	       const char *names, const char *const *keys);

/* ---- the command families: P->argv[0] is the noun ---- */

int cli_intercept(struct argp *p, struct jw *w);  /* cli_intercept.c */
int cli_tunnel(struct argp *p, struct jw *w);     /* cli_tunnel.c */
int cli_backend(struct argp *p, struct jw *w);    /* cli_backend.c */

#endif
