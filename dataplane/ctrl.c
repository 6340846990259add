/* The control socket (docs/control.md), served by the main lcore: JSON
 * lines over a Unix socket, non-blocking, bounded. Rule changes go through
 * one path: write the running configuration out as text with the change
 * applied, load and compile it like a file, publish it (publish.c). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "ctrl.h"
#include "health_view.h"
#include "json.h"
#include "metrics.h"
#include "publish.h"
#include "stats.h"
#include "worker.h"

#define LINE_MAX_BYTES 65536
#define MAX_CLIENTS 16
#define STALL_MS 5000
#define MAX_NODES 4096
#define STEER_VERSION "0.1.0"

struct client {
	int fd;
	char *in;                 /* LINE_MAX_BYTES + 1 */
	size_t in_len;
	bool discarding;          /* skipping the rest of an oversized line */
	char *out;
	size_t out_len;
	size_t out_off;
	uint64_t last_progress;
};

static struct {
	int listen_fd;
	struct client c[MAX_CLIENTS];
	struct json_node nodes[MAX_NODES];
} ctl = { .listen_fd = -1 };

/* ---- replies ---------------------------------------------------------- */

static void reply_error(struct jw *w, const char *msg)
{
	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, false);
	jw_key(w, "error");
	jw_str(w, msg);
	jw_obj_end(w);
}

static void reply_generation(struct jw *w, const struct dp_shared *sh)
{
	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "generation");
	jw_uint(w, dp_pub_load(sh)->generation);
	jw_obj_end(w);
}

static const struct steer_conf *running(const struct dp_shared *sh)
{
	return rs_conf(dp_pub_load(sh)->rs);
}

/* ---- request fields ----------------------------------------------------- */

/* String field KEY of REQ into BUF; false (and *ERR) if missing or bad. */
static bool get_str(const struct json_node *req, const char *key, char *buf,
		    size_t len, bool required, char *err, size_t errlen)
{
	const struct json_node *n = json_get(ctl.nodes, req, key);

	buf[0] = '\0';
	if (n == NULL) {
		if (required)
			snprintf(err, errlen, "missing field '%s'", key);
		return !required;
	}
	if (n->type != JSON_STRING || json_str_copy(n, buf, len) < 0) {
		snprintf(err, errlen, "field '%s' must be a string of at most %zu bytes",
			 key, len - 1);
		return false;
	}
	return true;
}

/* Append `KEY = "VALUE"; ` to a libconfig text. */
static bool put_kv(char *text, size_t len, const char *key, const char *value,
		   char *err, size_t errlen)
{
	char q[2 * LINE_MAX_BYTES / 8];
	size_t n = strlen(text);

	if (conf_quote(q, sizeof(q), value) < 0) {
		snprintf(err, errlen, "field '%s': control characters are not allowed", key);
		return false;
	}
	if ((size_t)snprintf(text + n, len - n, "%s = %s; ", key, q) >= len - n) {
		snprintf(err, errlen, "request too large");
		return false;
	}
	return true;
}

static bool put_raw(char *text, size_t len, const char *s, char *err, size_t errlen)
{
	size_t n = strlen(text);

	if ((size_t)snprintf(text + n, len - n, "%s", s) >= len - n) {
		snprintf(err, errlen, "request too large");
		return false;
	}
	return true;
}

/* intercept.add fields -> one libconfig group (the loader validates it). */
static bool intercept_text(const struct json_node *req, char *text, size_t len,
			   char *err, size_t errlen)
{
	static const char *const strs[] = { "name", "service", "tunnel",
		"path_equal", "path_prefix", "path_regex", "preview" };
	char v[4096];

	text[0] = '\0';
	if (!put_raw(text, len, "{ ", err, errlen))
		return false;
	for (unsigned i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (!get_str(req, strs[i], v, sizeof(v), i < 3, err, errlen))
			return false;
		if (v[0] == '\0' && json_get(ctl.nodes, req, strs[i]) == NULL)
			continue;
		if (!put_kv(text, len, strs[i], v, err, errlen))
			return false;
	}
	const struct json_node *h = json_get(ctl.nodes, req, "headers");
	if (h == NULL)
		return put_raw(text, len, "}", err, errlen);
	if (h->type != JSON_ARRAY) {
		snprintf(err, errlen, "field 'headers' must be a list of matchers");
		return false;
	}
	if (!put_raw(text, len, "headers = ( ", err, errlen))
		return false;
	for (uint32_t i = 0; i < h->n_children; i++) {
		const struct json_node *m = json_child(ctl.nodes, h, i);
		static const char *const keys[] = { "name", "baggage", "value",
						    "prefix", "regex" };
		if (m == NULL || m->type != JSON_OBJECT) {
			snprintf(err, errlen, "headers[%u] must be an object", i);
			return false;
		}
		if (!put_raw(text, len, i ? ", { " : "{ ", err, errlen))
			return false;
		for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			if (json_get(ctl.nodes, m, keys[k]) == NULL)
				continue;
			if (!get_str(m, keys[k], v, sizeof(v), true, err, errlen) ||
			    !put_kv(text, len, keys[k], v, err, errlen))
				return false;
		}
		const struct json_node *p = json_get(ctl.nodes, m, "present");
		if (p != NULL) {
			if (p->type != JSON_BOOL) {
				snprintf(err, errlen, "headers[%u].present must be true", i);
				return false;
			}
			if (!put_raw(text, len, p->boolean ? "present = true; " :
				     "present = false; ", err, errlen))
				return false;
		}
		if (!put_raw(text, len, "}", err, errlen))
			return false;
	}
	return put_raw(text, len, " ); }", err, errlen);
}

static bool tunnel_text(const struct json_node *req, char *text, size_t len,
			char *err, size_t errlen)
{
	static const char *const strs[] = { "name", "type", "target", "remote",
					    "source" };
	char v[256];

	text[0] = '\0';
	if (!put_raw(text, len, "{ ", err, errlen))
		return false;
	for (unsigned i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (json_get(ctl.nodes, req, strs[i]) == NULL && i >= 2)
			continue;
		if (!get_str(req, strs[i], v, sizeof(v), true, err, errlen) ||
		    !put_kv(text, len, strs[i], v, err, errlen))
			return false;
	}
	const struct json_node *n = json_get(ctl.nodes, req, "vni");
	if (n != NULL) {
		char num[64];
		if (n->type != JSON_NUMBER || n->number < 0 || n->number > 16777215 ||
		    n->number != (double)(long long)n->number) {
			snprintf(err, errlen, "field 'vni' must be an integer 0..16777215");
			return false;
		}
		snprintf(num, sizeof(num), "vni = %lld; ", (long long)n->number);
		if (!put_raw(text, len, num, err, errlen))
			return false;
	}
	n = json_get(ctl.nodes, req, "fail_open");
	if (n != NULL) {
		if (n->type != JSON_BOOL) {
			snprintf(err, errlen, "field 'fail_open' must be true or false");
			return false;
		}
		if (!put_raw(text, len, n->boolean ? "fail_open = true; " :
			     "fail_open = false; ", err, errlen))
			return false;
	}
	return put_raw(text, len, "}", err, errlen);
}

static bool parse_addr(const char *s, uint32_t *ip, uint16_t *port)
{
	unsigned a, b, c, d, p;
	char tail;

	if (sscanf(s, "%u.%u.%u.%u:%u%c", &a, &b, &c, &d, &p, &tail) != 5 ||
	    a > 255 || b > 255 || c > 255 || d > 255 || p == 0 || p > 65535)
		return false;
	*ip = a << 24 | b << 16 | c << 8 | d;
	*port = (uint16_t)p;
	return true;
}

/* ---- applying changes --------------------------------------------------- */

static bool same_strs(char **a, unsigned na, char **b, unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* What a reload cannot change without a restart, or NULL. */
static const char *needs_restart(const struct steer_conf *boot,
				 const struct steer_conf *n)
{
	const struct conf_dataplane *a = &boot->dataplane, *b = &n->dataplane;

	if (!same_strs(a->eal, a->n_eal, b->eal, b->n_eal))
		return "dataplane.eal";
	if (a->workers != b->workers || a->max_flows != b->max_flows ||
	    a->header_max != b->header_max || a->header_buffers != b->header_buffers ||
	    a->idle_backoff != b->idle_backoff ||
	    a->idle_backoff_max_us != b->idle_backoff_max_us ||
	    a->syn_cookies != b->syn_cookies || a->syn_backlog != b->syn_backlog ||
	    memcmp(&a->timeouts, &b->timeouts, sizeof(a->timeouts)) != 0)
		return "dataplane";
	if (boot->n_ports != n->n_ports)
		return "ports";
	for (unsigned i = 0; i < n->n_ports; i++)
		if (strcmp(boot->ports[i].name, n->ports[i].name) != 0 ||
		    strcmp(boot->ports[i].device, n->ports[i].device) != 0 ||
		    boot->ports[i].ip != n->ports[i].ip ||
		    boot->ports[i].plen != n->ports[i].plen)
			return "ports";
	const struct conf_control *ca = &boot->control, *cb = &n->control;
	if (!same_str(ca->socket, cb->socket) || !same_str(ca->group, cb->group) ||
	    !same_str(ca->metrics, cb->metrics))
		return "control";
	if (boot->n_routes != n->n_routes)
		return "routes";
	for (unsigned i = 0; i < n->n_routes; i++)
		if (boot->routes[i].prefix != n->routes[i].prefix ||
		    boot->routes[i].plen != n->routes[i].plen ||
		    boot->routes[i].via != n->routes[i].via)
			return "routes";
	return NULL;
}

/* Compile NC and make it the running ruleset; reply either way. */
static void publish_conf(struct dp_shared *sh, struct steer_conf *nc, struct jw *w)
{
	char err[1024];
	const char *what = needs_restart(sh->conf, nc);

	if (what != NULL) {
		snprintf(err, sizeof(err),
			 "%s: changes to %s need a restart of steerd; nothing was changed",
			 nc->file, what);
		conf_free(nc);
		reply_error(w, err);
		return;
	}
	struct ruleset *rs = rs_compile(nc, err, sizeof(err));
	if (rs == NULL) {
		conf_free(nc);
		reply_error(w, err);
		return;
	}
	if (dp_publish(sh, rs, err, sizeof(err)) != 0) {
		reply_error(w, err);
		return;
	}
	reply_generation(w, sh);
}

static void apply_edit(struct dp_shared *sh, const struct conf_edit *e, struct jw *w)
{
	char err[1024];
	char *text = conf_dump(running(sh), e, err, sizeof(err));

	if (text == NULL) {
		reply_error(w, errno == ENOMEM ? "out of memory" : err);
		return;
	}
	struct steer_conf *nc = conf_load_string(text, "running-config", err, sizeof(err));
	free(text);
	if (nc == NULL) {
		reply_error(w, err);
		return;
	}
	publish_conf(sh, nc, w);
}

/* ---- commands ----------------------------------------------------------- */

static void cmd_status(struct dp_shared *sh, struct jw *w)
{
	const struct steer_conf *c = running(sh);

	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "version");
	jw_str(w, STEER_VERSION);
	jw_key(w, "uptime_s");
	jw_uint(w, (worker_ms() - sh->start_ms) / 1000);
	jw_key(w, "workers");
	jw_uint(w, sh->n_workers);
	jw_key(w, "ports");
	jw_arr_begin(w);
	for (unsigned p = 0; p < sh->conf->n_ports; p++) {
		const struct conf_port *cp = &sh->conf->ports[p];
		char a[32];
		snprintf(a, sizeof(a), "%u.%u.%u.%u/%u", cp->ip >> 24, (cp->ip >> 16) & 255,
			 (cp->ip >> 8) & 255, cp->ip & 255, cp->plen);
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, cp->name);
		jw_key(w, "device");
		jw_str(w, cp->device);
		jw_key(w, "address");
		jw_str(w, a);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "generation");
	jw_uint(w, dp_pub_load(sh)->generation);
	jw_key(w, "intercepts");
	jw_uint(w, c->n_intercepts);
	jw_key(w, "config");
	jw_str(w, sh->config_path);
	jw_obj_end(w);
}

static void cmd_stats(struct dp_shared *sh, const struct json_node *req, struct jw *w)
{
	const struct json_node *pw = json_get(ctl.nodes, req, "per_worker");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL) {
		reply_error(w, "out of memory");
		return;
	}
	stats_write_json(sh, f, pw && pw->type == JSON_BOOL && pw->boolean);
	fclose(f);
	/* stats JSON is an object: splice "ok" in front of its members */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	char *whole = malloc(len + 16);
	if (whole == NULL) {
		free(buf);
		reply_error(w, "out of memory");
		return;
	}
	int n = snprintf(whole, len + 16, "{\"ok\":true,%.*s", (int)(len - 1), buf + 1);
	jw_raw(w, whole, (size_t)n);
	free(whole);
	free(buf);
}

static void put_matchers(struct jw *w, const struct conf_intercept *ci)
{
	static const char *const kinds[] = { "value", "prefix", "regex", "present" };

	jw_arr_begin(w);
	for (unsigned k = 0; k < ci->n_matchers; k++) {
		const struct conf_matcher *m = &ci->matchers[k];
		jw_obj_begin(w);
		jw_key(w, m->name ? "name" : "baggage");
		jw_str(w, m->name ? m->name : m->baggage);
		jw_key(w, kinds[m->kind]);
		if (m->kind == CONF_MATCH_PRESENT)
			jw_bool(w, true);
		else
			jw_str(w, m->arg);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void cmd_intercept_list(struct dp_shared *sh, struct jw *w)
{
	static const char *const pk[] = { NULL, "path_equal", "path_prefix", "path_regex" };
	const struct steer_conf *c = running(sh);
	struct steer_stats sum;

	stats_sum(sh, &sum);
	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "intercepts");
	jw_arr_begin(w);
	for (unsigned i = 0; i < c->n_intercepts; i++) {
		const struct conf_intercept *ci = &c->intercepts[i];
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, ci->name);
		jw_key(w, "service");
		jw_str(w, c->services[ci->service].name);
		jw_key(w, "tunnel");
		jw_str(w, c->tunnels[ci->tunnel].name);
		jw_key(w, "headers");
		put_matchers(w, ci);
		if (ci->path_kind != CONF_PATH_NONE) {
			jw_key(w, pk[ci->path_kind]);
			jw_str(w, ci->path);
		}
		if (ci->preview) {
			jw_key(w, "preview");
			jw_str(w, ci->preview);
		}
		jw_key(w, "decisions");
		jw_uint(w, sum.n_decisions ? dp_decisions(sh, sum.decisions, i) : 0);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	stats_release(&sum);
}

static void fmt_ipport(char *buf, size_t len, uint32_t ip, uint16_t port)
{
	if (port)
		snprintf(buf, len, "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 255,
			 (ip >> 8) & 255, ip & 255, port);
	else
		snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255,
			 (ip >> 8) & 255, ip & 255);
}

static void cmd_tunnel_list(struct dp_shared *sh, struct jw *w)
{
	const struct steer_conf *c = running(sh);
	char a[32];

	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "tunnels");
	jw_arr_begin(w);
	for (unsigned i = 0; i < c->n_tunnels; i++) {
		const struct conf_tunnel *t = &c->tunnels[i];
		jw_obj_begin(w);
		jw_key(w, "name");
		jw_str(w, t->name);
		jw_key(w, "type");
		jw_str(w, t->type == CONF_TUNNEL_VXLAN ? "vxlan" : "direct");
		fmt_ipport(a, sizeof(a), t->target_ip, t->target_port);
		jw_key(w, "target");
		jw_str(w, a);
		if (t->type == CONF_TUNNEL_VXLAN) {
			fmt_ipport(a, sizeof(a), t->remote, 0);
			jw_key(w, "remote");
			jw_str(w, a);
			jw_key(w, "vni");
			jw_uint(w, t->vni);
			fmt_ipport(a, sizeof(a), t->source, 0);
			jw_key(w, "source");
			jw_str(w, a);
		}
		jw_key(w, "fail_open");
		jw_bool(w, t->fail_open);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static const char *const state_names[] = {
	"free", "syn_rcvd", "header", "queued", "connect", "splice", "respond", "linger",
};

static void cmd_flows(struct dp_shared *sh, const struct json_node *req, struct jw *w)
{
	const struct json_node *ln = json_get(ctl.nodes, req, "limit");
	unsigned limit = 20, n = 0;
	const struct steer_conf *c = running(sh);
	uint64_t now = worker_ms();

	if (ln != NULL && ln->type == JSON_NUMBER && ln->number >= 1)
		limit = ln->number > 1000 ? 1000 : (unsigned)ln->number;
	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "flows");
	jw_arr_begin(w);
	/* A sample read without stopping the workers: a field may be a
	 * packet old; the flow array itself never moves. */
	for (unsigned wi = 0; wi < sh->n_workers && n < limit; wi++) {
		const struct worker *wk = sh->workers[wi];
		for (uint32_t i = 0; i < wk->max_flows && n < limit; i++) {
			struct flow f = wk->flows[i];
			char a[32];
			if (f.state == FS_FREE || f.state > FS_LINGER)
				continue;
			n++;
			jw_obj_begin(w);
			jw_key(w, "worker");
			jw_uint(w, wi);
			fmt_ipport(a, sizeof(a), rte_be_to_cpu_32(f.c.peer_ip),
				   rte_be_to_cpu_16(f.c.peer_port));
			jw_key(w, "client");
			jw_str(w, a);
			fmt_ipport(a, sizeof(a), rte_be_to_cpu_32(f.c.local_ip),
				   rte_be_to_cpu_16(f.c.local_port));
			jw_key(w, "listener");
			jw_str(w, a);
			jw_key(w, "state");
			jw_str(w, state_names[f.state]);
			if (f.hdr_end && f.service < c->n_services &&
			    f.gen == dp_pub_load(sh)->generation) {
				jw_key(w, "service");
				jw_str(w, c->services[f.service].name);
				if (f.intercept >= 0 && (uint32_t)f.intercept < c->n_intercepts) {
					jw_key(w, "intercept");
					jw_str(w, c->intercepts[f.intercept].name);
				}
				if (f.tunnel >= 0 && (uint32_t)f.tunnel < c->n_tunnels) {
					jw_key(w, "tunnel");
					jw_str(w, c->tunnels[f.tunnel].name);
				}
			}
			if (f.b.peer_ip) {
				fmt_ipport(a, sizeof(a), rte_be_to_cpu_32(f.b.peer_ip),
					   rte_be_to_cpu_16(f.b.peer_port));
				jw_key(w, "target");
				jw_str(w, a);
			}
			jw_key(w, "age_ms");
			jw_uint(w, now > f.created ? now - f.created : 0);
			jw_key(w, "idle_ms");
			jw_uint(w, now > f.last_active ? now - f.last_active : 0);
			jw_obj_end(w);
		}
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void cmd_backend(struct dp_shared *sh, const struct json_node *req,
			enum conf_backend_op op, struct jw *w)
{
	char svc[CONF_NAME_MAX], addr[64], err[256];
	struct conf_edit e = { .backend_op = op };
	const struct json_node *wt = json_get(ctl.nodes, req, "weight");

	if (!get_str(req, "service", svc, sizeof(svc), true, err, sizeof(err)) ||
	    !get_str(req, "address", addr, sizeof(addr), true, err, sizeof(err))) {
		reply_error(w, err);
		return;
	}
	if (!parse_addr(addr, &e.backend_ip, &e.backend_port)) {
		reply_error(w, "field 'address' must be a.b.c.d:port");
		return;
	}
	if (wt != NULL) {
		if (wt->type != JSON_NUMBER || wt->number < 1 || wt->number > 1000 ||
		    wt->number != (double)(long long)wt->number) {
			reply_error(w, "field 'weight' must be an integer 1..1000");
			return;
		}
		e.backend_weight = (uint32_t)wt->number;
	}
	e.backend_service = svc;
	apply_edit(sh, &e, w);
}

static void cmd_reload(struct dp_shared *sh, const struct json_node *req, struct jw *w)
{
	char path[4096], err[1024];

	if (!get_str(req, "path", path, sizeof(path), false, err, sizeof(err))) {
		reply_error(w, err);
		return;
	}
	struct steer_conf *nc = conf_load_file(path[0] ? path : sh->config_path,
					       err, sizeof(err));
	if (nc == NULL) {
		reply_error(w, err);
		return;
	}
	publish_conf(sh, nc, w);
}

static void cmd_dump(struct dp_shared *sh, struct jw *w)
{
	char err[256];
	char *text = conf_dump(running(sh), NULL, err, sizeof(err));

	if (text == NULL) {
		reply_error(w, "out of memory");
		return;
	}
	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, true);
	jw_key(w, "config");
	jw_str(w, text);
	jw_obj_end(w);
	free(text);
}

static void handle(struct dp_shared *sh, const char *line, size_t len, struct jw *w)
{
	const char *jerr = NULL;
	char cmd[64], err[1024], name[CONF_NAME_MAX];

	if (json_parse(line, len, ctl.nodes, MAX_NODES, &jerr) < 0) {
		snprintf(err, sizeof(err), "malformed request: %s", jerr ? jerr : "bad JSON");
		reply_error(w, err);
		return;
	}
	const struct json_node *req = &ctl.nodes[0];
	if (req->type != JSON_OBJECT) {
		reply_error(w, "a request is a JSON object");
		return;
	}
	if (!get_str(req, "cmd", cmd, sizeof(cmd), true, err, sizeof(err))) {
		reply_error(w, err);
		return;
	}
	if (strcmp(cmd, "status") == 0) {
		cmd_status(sh, w);
	} else if (strcmp(cmd, "stats") == 0) {
		cmd_stats(sh, req, w);
	} else if (strcmp(cmd, "intercept.add") == 0 || strcmp(cmd, "tunnel.add") == 0) {
		static char text[LINE_MAX_BYTES * 2];
		bool icpt = cmd[0] == 'i';
		if (!(icpt ? intercept_text(req, text, sizeof(text), err, sizeof(err)) :
			     tunnel_text(req, text, sizeof(text), err, sizeof(err)))) {
			reply_error(w, err);
			return;
		}
		struct conf_edit e = { .add_intercept = icpt ? text : NULL,
				       .add_tunnel = icpt ? NULL : text };
		apply_edit(sh, &e, w);
	} else if (strcmp(cmd, "intercept.remove") == 0 ||
		   strcmp(cmd, "tunnel.remove") == 0) {
		bool icpt = cmd[0] == 'i';
		if (!get_str(req, "name", name, sizeof(name), true, err, sizeof(err))) {
			reply_error(w, err);
			return;
		}
		const struct steer_conf *c = running(sh);
		if (icpt ? conf_find_intercept(c, name) < 0 : conf_find_tunnel(c, name) < 0) {
			snprintf(err, sizeof(err), "no %s named '%s'",
				 icpt ? "intercept" : "tunnel", name);
			reply_error(w, err);
			return;
		}
		if (!icpt) {
			int t = conf_find_tunnel(c, name);
			for (unsigned i = 0; i < c->n_intercepts; i++)
				if (c->intercepts[i].tunnel == (unsigned)t) {
					snprintf(err, sizeof(err),
						 "tunnel '%s' is used by intercept '%s'; remove that first",
						 name, c->intercepts[i].name);
					reply_error(w, err);
					return;
				}
		}
		struct conf_edit e = { .drop_intercept = icpt ? name : NULL,
				       .drop_tunnel = icpt ? NULL : name };
		apply_edit(sh, &e, w);
	} else if (strcmp(cmd, "intercept.list") == 0) {
		cmd_intercept_list(sh, w);
	} else if (strcmp(cmd, "tunnel.list") == 0) {
		cmd_tunnel_list(sh, w);
	} else if (strcmp(cmd, "backend.add") == 0) {
		cmd_backend(sh, req, CONF_BE_ADD, w);
	} else if (strcmp(cmd, "backend.remove") == 0) {
		cmd_backend(sh, req, CONF_BE_REMOVE, w);
	} else if (strcmp(cmd, "backend.drain") == 0) {
		cmd_backend(sh, req, CONF_BE_DRAIN, w);
	} else if (strcmp(cmd, "backend.list") == 0) {
		health_list_json(sh, w, worker_ms());
	} else if (strcmp(cmd, "reload") == 0) {
		cmd_reload(sh, req, w);
	} else if (strcmp(cmd, "dump") == 0) {
		cmd_dump(sh, w);
	} else if (strcmp(cmd, "flows") == 0) {
		cmd_flows(sh, req, w);
	} else {
		snprintf(err, sizeof(err), "unknown command '%s'", cmd);
		reply_error(w, err);
	}
}

/* ---- socket plumbing ---------------------------------------------------- */

int ctrl_open(struct dp_shared *sh)
{
	const struct conf_control *cc = &sh->conf->control;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(cc->socket) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	/* The socket's directory (e.g. /run/steer) may not exist yet. */
	char dir[sizeof(sa.sun_path)];
	snprintf(dir, sizeof(dir), "%s", cc->socket);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	strcpy(sa.sun_path, cc->socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(cc->socket);
	/* Create it unreachable, then open it up: no window in which the
	 * socket exists with looser permissions. */
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r != 0 || listen(fd, MAX_CLIENTS) != 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (cc->group) {
		struct group *g = getgrnam(cc->group);
		if (g == NULL || chown(cc->socket, (uid_t)-1, g->gr_gid) != 0 ||
		    chmod(cc->socket, 0660) != 0) {
			fprintf(stderr, "steerd: control.group '%s': no such group or cannot chown; socket stays 0600\n",
				cc->group);
		}
	}
	ctl.listen_fd = fd;
	for (unsigned i = 0; i < MAX_CLIENTS; i++)
		ctl.c[i].fd = -1;
	return 0;
}

static void client_close(struct client *c)
{
	close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void client_queue(struct client *c, const struct jw *w)
{
	const char *s = w->failed ? "{\"ok\":false,\"error\":\"out of memory\"}" : w->buf;
	size_t n = strlen(s);
	char *o = realloc(c->out, c->out_len + n + 1);

	if (o == NULL)
		return;
	c->out = o;
	memcpy(c->out + c->out_len, s, n);
	c->out[c->out_len + n] = '\n';
	c->out_len += n + 1;
}

static void client_lines(struct dp_shared *sh, struct client *c)
{
	char *nl;

	while ((nl = memchr(c->in, '\n', c->in_len)) != NULL) {
		size_t n = (size_t)(nl - c->in);
		struct jw w;
		jw_init(&w);
		if (c->discarding) {
			c->discarding = false;
			reply_error(&w, "request line longer than 65536 bytes");
		} else {
			handle(sh, c->in, n, &w);
		}
		client_queue(c, &w);
		jw_free(&w);
		memmove(c->in, nl + 1, c->in_len - n - 1);
		c->in_len -= n + 1;
	}
	if (c->in_len == LINE_MAX_BYTES) {
		/* Oversized: drop what we have, answer at its end. */
		c->discarding = true;
		c->in_len = 0;
	}
}

static void client_read(struct dp_shared *sh, struct client *c, uint64_t now)
{
	ssize_t n = read(c->fd, c->in + c->in_len, LINE_MAX_BYTES - c->in_len);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		client_close(c);
		return;
	}
	if (n < 0)
		return;
	c->in_len += (size_t)n;
	c->last_progress = now;
	client_lines(sh, c);
}

static void client_write(struct client *c, uint64_t now)
{
	ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			client_close(c);
		return;
	}
	c->out_off += (size_t)n;
	c->last_progress = now;
	if (c->out_off == c->out_len) {
		free(c->out);
		c->out = NULL;
		c->out_len = c->out_off = 0;
	}
}

void ctrl_poll(struct dp_shared *sh, int timeout_ms)
{
	struct pollfd pfd[MAX_CLIENTS + 1 + METRICS_FDS];
	int idx[MAX_CLIENTS];
	unsigned n = 0;
	uint64_t now = worker_ms();

	if (ctl.listen_fd >= 0)
		pfd[n++] = (struct pollfd){ .fd = ctl.listen_fd, .events = POLLIN };
	unsigned first_client = n;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &ctl.c[i];
		if (c->fd < 0)
			continue;
		/* A client that stalls mid-line or stops reading is cut off:
		 * it must not hold a slot (or memory) forever. */
		if ((c->in_len > 0 || c->out_len > 0) &&
		    now - c->last_progress > STALL_MS) {
			client_close(c);
			continue;
		}
		idx[n - first_client] = i;
		pfd[n++] = (struct pollfd){ .fd = c->fd,
			.events = (short)(POLLIN | (c->out_len ? POLLOUT : 0)) };
	}
	unsigned first_metrics = n;
	n += metrics_pollfds(pfd + n);
	if (poll(pfd, n, timeout_ms) <= 0)
		return;
	now = worker_ms();
	for (unsigned k = first_client; k < first_metrics; k++) {
		struct client *c = &ctl.c[idx[k - first_client]];
		if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
			client_read(sh, c, now);
		if (c->fd >= 0 && (pfd[k].revents & POLLOUT))
			client_write(c, now);
	}
	metrics_handle(sh, pfd + first_metrics, n - first_metrics);
	if (ctl.listen_fd >= 0 && (pfd[0].revents & POLLIN)) {
		int fd = accept4(ctl.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (ctl.c[i].fd < 0) {
				ctl.c[i].in = malloc(LINE_MAX_BYTES + 1);
				if (ctl.c[i].in == NULL)
					break;
				ctl.c[i].fd = fd;
				ctl.c[i].last_progress = now;
				return;
			}
		close(fd);         /* full: the client sees the connection close */
	}
}

void ctrl_close(struct dp_shared *sh)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl.c[i].fd >= 0)
			client_close(&ctl.c[i]);
	if (ctl.listen_fd >= 0) {
		close(ctl.listen_fd);
		unlink(sh->conf->control.socket);
		ctl.listen_fd = -1;
	}
}
