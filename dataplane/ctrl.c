/* The control socket (docs/control.md), served by the main lcore: JSON
 * lines over a Unix socket, non-blocking, bounded. This file holds the
 * socket, its clients and the dispatch of a request line to its command;
 * the commands are ctrl_show.c's (what is running), ctrl_rules.c's
 * (intercepts, tunnels, backends) and ctrl_reload.c's (how a change is
 * applied; reload, dump). Rule changes go through one path: write the
 * running configuration out as text with the change applied, load and
 * compile it like a file, publish it (publish.c). */
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
#include "conf_json.h"
#include "ctrl.h"
#include "ctrl-int.h"
#include "ctrl_ttl.h"
#include "health_view.h"
#include "json.h"
#include "metrics.h"
#include "publish.h"
#include "worker.h"

#define MAX_CLIENTS 16
#define STALL_MS 5000

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
} ctl = { .listen_fd = -1 };

/* The request being handled: one at a time, on the main lcore. */
struct json_node ctrl_nodes[MAX_NODES];

/* ---- what every command uses -------------------------------------------- */

void ctrl_reply_error(struct jw *w, const char *msg)
{
	jw_obj_begin(w);
	jw_key(w, "ok");
	jw_bool(w, false);
	jw_key(w, "error");
	jw_str(w, msg);
	jw_obj_end(w);
}

const struct steer_conf *ctrl_running(const struct dp_shared *sh)
{
	return rs_conf(dp_pub_load(sh)->rs);
}

/* String field KEY of REQ into BUF; false (and *ERR) if missing or bad. */
bool ctrl_get_str(const struct json_node *req, const char *key, char *buf,
		  size_t len, bool required, char *err, size_t errlen)
{
	return conf_json_str(ctrl_nodes, req, key, buf, len, required, err, errlen);
}

/* ---- dispatch ----------------------------------------------------------- */

static void handle(struct dp_shared *sh, const char *line, size_t len, struct jw *w)
{
	const char *jerr = NULL;
	char cmd[64], err[1024];

	if (json_parse(line, len, ctrl_nodes, MAX_NODES, &jerr) < 0) {
		snprintf(err, sizeof(err), "malformed request: %s", jerr ? jerr : "bad JSON");
		ctrl_reply_error(w, err);
		return;
	}
	const struct json_node *req = &ctrl_nodes[0];
	if (req->type != JSON_OBJECT) {
		ctrl_reply_error(w, "a request is a JSON object");
		return;
	}
	if (!ctrl_get_str(req, "cmd", cmd, sizeof(cmd), true, err, sizeof(err))) {
		ctrl_reply_error(w, err);
		return;
	}
	if (strcmp(cmd, "status") == 0) {
		ctrl_cmd_status(sh, w);
	} else if (strcmp(cmd, "stats") == 0) {
		ctrl_cmd_stats(sh, req, w);
	} else if (strcmp(cmd, "intercept.add") == 0 || strcmp(cmd, "tunnel.add") == 0) {
		ctrl_cmd_add(sh, req, cmd[0] == 'i', w);
	} else if (strcmp(cmd, "intercept.remove") == 0 ||
		   strcmp(cmd, "tunnel.remove") == 0) {
		ctrl_cmd_remove(sh, req, cmd[0] == 'i', w);
	} else if (strcmp(cmd, "intercept.renew") == 0) {
		ctrl_cmd_renew(sh, req, worker_ms(), w);
	} else if (strcmp(cmd, "intercept.list") == 0) {
		ctrl_cmd_intercept_list(sh, w);
	} else if (strcmp(cmd, "tunnel.list") == 0) {
		ctrl_cmd_tunnel_list(sh, w);
	} else if (strcmp(cmd, "backend.add") == 0) {
		ctrl_cmd_backend(sh, req, CONF_BE_ADD, w);
	} else if (strcmp(cmd, "backend.remove") == 0) {
		ctrl_cmd_backend(sh, req, CONF_BE_REMOVE, w);
	} else if (strcmp(cmd, "backend.drain") == 0) {
		ctrl_cmd_backend(sh, req, CONF_BE_DRAIN, w);
	} else if (strcmp(cmd, "backend.list") == 0) {
		health_list_json(sh, w, worker_ms());
	} else if (strcmp(cmd, "reload") == 0) {
		ctrl_cmd_reload(sh, req, w);
	} else if (strcmp(cmd, "dump") == 0) {
		ctrl_cmd_dump(sh, w);
	} else if (strcmp(cmd, "flows") == 0) {
		ctrl_cmd_flows(sh, req, w);
	} else if (strcmp(cmd, "cluster.apply") == 0) {
		ctrl_cmd_cluster_apply(sh, req, w);
	} else if (strcmp(cmd, "cluster.report") == 0) {
		ctrl_cmd_cluster_report(req, w);
	} else {
		snprintf(err, sizeof(err), "unknown command '%s'", cmd);
		ctrl_reply_error(w, err);
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
			ctrl_reply_error(&w, "request line longer than 65536 bytes");
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
