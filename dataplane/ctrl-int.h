/* What the control socket's files share (ctrl*.c only): the request
 * being handled, the helpers every command uses, and each command's entry
 * point for the dispatch in ctrl.c. A command writes exactly one reply,
 * an object with "ok", into W. Main lcore only. */
#ifndef STEER_CTRL_INT_H
#define STEER_CTRL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "dp.h"
#include "json.h"

/* A request line's limit, and so the limit of text built from one. */
#define LINE_MAX_BYTES 65536
#define MAX_NODES 4096

/* The parsed request (ctrl.c): REQ arguments below point into it. */
extern struct json_node ctrl_nodes[MAX_NODES];

/* ---- ctrl.c ---- */

/* {"ok": false, "error": MSG} */
void ctrl_reply_error(struct jw *w, const char *msg);
/* The running configuration (the published ruleset's). */
const struct steer_conf *ctrl_running(const struct dp_shared *sh);
/* String field KEY of REQ into BUF; false (and *ERR) if missing or bad. */
bool ctrl_get_str(const struct json_node *req, const char *key, char *buf,
		  size_t len, bool required, char *err, size_t errlen);

/* ---- ctrl_show.c: what is running ---- */

void ctrl_cmd_status(struct dp_shared *sh, struct jw *w);
void ctrl_cmd_stats(struct dp_shared *sh, const struct json_node *req,
		    struct jw *w);
void ctrl_cmd_intercept_list(struct dp_shared *sh, struct jw *w);
void ctrl_cmd_tunnel_list(struct dp_shared *sh, struct jw *w);
void ctrl_cmd_flows(struct dp_shared *sh, const struct json_node *req,
		    struct jw *w);

/* ---- ctrl_rules.c: rule changes ---- */

/* intercept.add (ICPT true) or tunnel.add */
void ctrl_cmd_add(struct dp_shared *sh, const struct json_node *req, bool icpt,
		  struct jw *w);
/* intercept.remove (ICPT true) or tunnel.remove */
void ctrl_cmd_remove(struct dp_shared *sh, const struct json_node *req,
		     bool icpt, struct jw *w);
/* backend.add, backend.remove, backend.drain */
void ctrl_cmd_backend(struct dp_shared *sh, const struct json_node *req,
		      enum conf_backend_op op, struct jw *w);

/* ---- ctrl_reload.c: applying changes ---- */

/* The running configuration with E applied, loaded, compiled and
 * published; replies either way. */
void ctrl_apply_edit(struct dp_shared *sh, const struct conf_edit *e,
		     struct jw *w);
/* Compile NC (which it takes) and publish it; replies either way. */
void ctrl_publish_conf(struct dp_shared *sh, struct steer_conf *nc,
		       struct jw *w);
/* The same, FIX (or NULL) rewriting the compiler's message first. */
void ctrl_publish_conf_fix(struct dp_shared *sh, struct steer_conf *nc,
			   void (*fix)(char *err, size_t errlen), struct jw *w);
/* The running rules with intercept DROP (an index, or -1) removed and/or
 * the intercept group text ADD (or NULL) appended: derived from the running
 * ones (conf_derive(), rs_derive()) rather than recompiled, and published;
 * replies either way. */
void ctrl_apply_intercept(struct dp_shared *sh, const char *add, int drop,
			  struct jw *w);
void ctrl_cmd_reload(struct dp_shared *sh, const struct json_node *req,
		     struct jw *w);
void ctrl_cmd_dump(struct dp_shared *sh, struct jw *w);

/* ---- ctrl_cluster.c: the rules of a cluster, from steer-etcd ---- */

/* cluster.apply: the full set of etcd's rule objects, in parts */
void ctrl_cmd_cluster_apply(struct dp_shared *sh, const struct json_node *req,
			    struct jw *w);
/* A reload published the file alone: the next cluster.report asks
 * steer-etcd for the set again. */
void ctrl_cluster_reloaded(void);
/* True while a cluster.apply is in force; *REV (if not NULL) the etcd
 * revision of the last one since steerd started, 0 before the first. */
bool ctrl_cluster_applied(long long *rev);

/* ---- ctrl_cluster_report.c ---- */

/* cluster.report: steer-etcd's state, for status and metrics */
void ctrl_cmd_cluster_report(const struct json_node *req, struct jw *w);
/* The "cluster" member of status: steer-etcd's last report, or what C's
 * cluster section says when none came; nothing for a single node. */
void ctrl_cluster_status(const struct steer_conf *c, struct jw *w);

#endif
