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

/* Positional VAL as the command's one NAME; CLI_EUSAGE when *NAME was
 * given already. */
int argp_one_name(struct argp *p, const char **name, const char *val);

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

/* The sub-commands of a noun ("intercept add"): FN builds the request
 * for protocol command CMD. */
struct verb {
	const char *name;         /* "remove" */
	const char *cmd;          /* "intercept.remove" */
	int (*fn)(struct argp *p, struct jw *w, const char *cmd);
};

/* P->argv[1] looked up in VERBS (ended by a NULL name) and run, with
 * P->what set to "noun verb". */
int argp_noun(struct argp *p, struct jw *w, const struct verb *verbs);

/* A request's start: '{"cmd": CMD'. */
void req_begin(struct jw *w, const char *cmd);

/* Member KEY: V, left out when V is NULL. */
void req_str(struct jw *w, const char *key, const char *v);

/* Commands whose only arguments are N (at most 2) positionals named in
 * NAMES, sent as the members KEYS. */
int req_simple(struct argp *p, struct jw *w, const char *cmd, int n,
	       const char *names, const char *const *keys);

/* Verbs (struct verb) that take nothing ("list"), or one NAME sent as
 * member "name" ("remove"). */
int req_none(struct argp *p, struct jw *w, const char *cmd);
int req_name(struct argp *p, struct jw *w, const char *cmd);

/* ---- the command families: the verbs of each noun ---- */

extern const struct verb cli_intercept_verbs[];   /* cli_intercept.c */
extern const struct verb cli_tunnel_verbs[];      /* cli_tunnel.c */
extern const struct verb cli_backend_verbs[];     /* cli_backend.c */

/* ---- cli_doc.c: a parsed response, and its values as text ---- */

struct doc {
	struct json_node *nodes;
	const struct json_node *root;
};

/* Parse TEXT[0..LEN) into D, with a node array sized from the text (so a
 * dump of a large configuration or a full flow sample needs no fixed
 * limit); its root must be an object. WHAT names the text in messages.
 * Returns 0, or -1 with ERR. */
int doc_parse(struct doc *d, const char *text, size_t len, const char *what,
	      char *err, size_t errlen);
void doc_free(struct doc *d);

/* Each child C of array or object PARENT. */
#define FOR_CHILD(d, parent, c)                                         \
	for (const struct json_node *c = (parent)->first ?              \
		     &(d)->nodes[(parent)->first] : NULL;                \
	     c != NULL; c = c->next ? &(d)->nodes[c->next] : NULL)

/* Member KEY of object OBJ, or NULL. */
static inline const struct json_node *doc_get(const struct doc *d,
					      const struct json_node *obj,
					      const char *key)
{
	return json_get(d->nodes, obj, key);
}

/* N present and of type T. */
static inline bool node_is(const struct json_node *n, enum json_type t)
{
	return n != NULL && n->type == t;
}

/* Unescaped string node N (or an object member's key, with KEY) into a
 * malloc'd buffer; NULL when out of memory or N holds a NUL. */
char *node_str(const struct json_node *n, bool key);

/* Any scalar N as display text, control characters escaped (malloc'd);
 * absent or null is "-". */
char *node_text(const struct json_node *n);

/* An object member's key as display text (malloc'd). */
char *node_key(const struct json_node *n);

/* node_text(N) on OUT. */
void node_print(FILE *out, const struct json_node *n);

/* ---- cli_table.c: aligned columns ---- */

/* Rows of COLS cells, the first row the header; cells are malloc'd and
 * owned by the table. */
struct table {
	unsigned cols;
	size_t n;                 /* cells */
	size_t cap;
	char **cells;
	bool failed;
};

/* Append CELL (taken over; NULL marks the table failed). */
void tab_add(struct table *t, char *cell);
/* Append node_text(N). */
void tab_addn(struct table *t, const struct json_node *n);
/* The header row: N columns titled NAMES. */
void tab_header(struct table *t, const char *const *names, unsigned n);
/* Columns separated by two spaces, each as wide as its widest cell; the
 * last column is not padded. Returns -1 when out of memory. */
int tab_print(const struct table *t, FILE *out);
void tab_free(struct table *t);

/* ---- the renderers of one response D each: 0, or -1 (ERR) ---- */

/* cli_render_stats.c */
int render_status(const struct doc *d, FILE *out);
int render_stats(const struct doc *d, FILE *out);

/* cli_render_lists.c: one row per object of the response's list */
int render_intercepts(const struct doc *d, FILE *out, char *err,
		      size_t errlen);
int render_tunnels(const struct doc *d, FILE *out, char *err, size_t errlen);
int render_backends(const struct doc *d, FILE *out, char *err, size_t errlen);
int render_flows(const struct doc *d, FILE *out, char *err, size_t errlen);

#endif
