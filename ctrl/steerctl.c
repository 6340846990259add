/* steerctl: the control client of steerd (docs/control.md).
 *
 * One request per connection: connect to the Unix socket, write one JSON
 * line, read one line back, all under one deadline (--timeout). The
 * command line is turned into the request, and the response into text, by
 * cli.c; this file holds what touches the system: the socket, `watch`
 * (inotify and signals) and `check` (the loader and rule compiler, with no
 * steerd at all). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "rules.h"

/* Room for steerd's one-line errors, which may quote a config line. */
#define ERR_MAX 4096
/* A dump of a 16 MB configuration is about that size again once escaped;
 * anything far beyond is not a response. */
#define RESPONSE_MAX (1u << 30)
/* watch: quiet time after the last change before reloading, so that an
 * editor's write-rename-chmod sequence gives one reload. */
#define WATCH_DEBOUNCE_MS 100
/* watch: retry interval while steerd is unreachable. */
#define WATCH_RETRY_MS 1000
/* watch: anything that can change the file or what its name points to */
#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
		      IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_ONLYDIR)

static const char *prog = "steerctl";

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until FD is ready for EVENTS or DEADLINE (now_ms()) passes. MASK,
 * when not NULL, is the signal mask while waiting (watch unblocks SIGINT
 * and SIGTERM only here). Returns 0, -ETIMEDOUT, -EINTR or -errno. */
static int wait_fd(int fd, short events, int64_t deadline,
		   const sigset_t *mask)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left = deadline - now_ms();
	struct timespec ts;
	int n;

	if (left <= 0)
		return -ETIMEDOUT;
	ts.tv_sec = left / 1000;
	ts.tv_nsec = left % 1000 * 1000000;
	n = ppoll(fd >= 0 ? &p : NULL, fd >= 0 ? 1 : 0, &ts, mask);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	return 0;
}

static int __attribute__((format(printf, 4, 5)))
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Connect to PATH. Returns the socket or -errno with ERR. A full listen
 * backlog (EAGAIN) is retried until DEADLINE. */
static int ctl_connect(const char *path, int64_t deadline,
		       const sigset_t *mask, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(err, errlen, -ENAMETOOLONG,
			    "socket path too long (at most %zu bytes): %s",
			    sizeof(sa.sun_path) - 1, path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail(err, errlen, -errno, "socket: %s", strerror(errno));
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		r = -errno;
		if (r == -EAGAIN && now_ms() < deadline) {
			int64_t next = now_ms() + 10;

			r = wait_fd(-1, 0, next < deadline ? next : deadline,
				    mask);
			if (r == -ETIMEDOUT)
				continue;
		}
		break;
	}
	close(fd);
	if (r == -EINTR)
		return fail(err, errlen, r, "interrupted");
	return fail(err, errlen, r, "cannot connect to steerd at %s: %s%s",
		    path, strerror(-r),
		    r == -ENOENT || r == -ECONNREFUSED ?
		    " (is steerd running?)" : "");
}

/* Send REQ[0..LEN) and its newline to steerd at PATH and read one response
 * line into *RESP (malloc'd, NUL-terminated, without the newline; *RESP_LEN
 * bytes), all within TIMEOUT_MS. Returns 0 or -errno with ERR (-EINTR: a
 * signal MASK lets through arrived). */
static int ctl_call(const char *path, const char *req, size_t len,
		    int timeout_ms, const sigset_t *mask, char **resp,
		    size_t *resp_len, char *err, size_t errlen)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t off = 0, cap = 64 * 1024, n = 0;
	char *line = NULL, *buf = NULL, *nl = NULL;
	int fd, r = 0;
	ssize_t k;

	*resp = NULL;
	if (len + 1 > CLI_REQUEST_MAX)
		return fail(err, errlen, -EMSGSIZE,
			    "request too long (%zu bytes, steerd takes at most "
			    "%d)", len + 1, CLI_REQUEST_MAX);
	if ((line = malloc(len + 1)) == NULL || (buf = malloc(cap)) == NULL) {
		r = fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	memcpy(line, req, len);
	line[len] = '\n';
	if ((fd = ctl_connect(path, deadline, mask, err, errlen)) < 0) {
		r = fd;
		goto out;
	}
	while (off < len + 1) {
		k = send(fd, line + off, len + 1 - off, MSG_NOSIGNAL);
		if (k > 0) {
			off += (size_t)k;
			continue;
		}
		if (k < 0 && errno != EAGAIN && errno != EINTR) {
			r = fail(err, errlen, -errno, "sending to steerd: %s",
				 strerror(errno));
			goto out_fd;
		}
		if ((r = wait_fd(fd, POLLOUT, deadline, mask)) != 0)
			goto out_wait;
	}
	for (;;) {
		if (n == cap) {
			char *b;

			if (cap >= RESPONSE_MAX) {
				r = fail(err, errlen, -EMSGSIZE,
					 "response from steerd over %u bytes",
					 RESPONSE_MAX);
				goto out_fd;
			}
			if ((b = realloc(buf, cap * 2)) == NULL) {
				r = fail(err, errlen, -ENOMEM, "out of memory");
				goto out_fd;
			}
			buf = b;
			cap *= 2;
		}
		k = recv(fd, buf + n, cap - n, 0);
		if (k > 0) {
			nl = memchr(buf + n, '\n', (size_t)k);
			n += (size_t)k;
			if (nl != NULL)
				break;
			continue;
		}
		if (k == 0) {
			r = fail(err, errlen, -ECONNRESET,
				 "steerd closed the connection without an "
				 "answer");
			goto out_fd;
		}
		if (errno != EAGAIN && errno != EINTR) {
			r = fail(err, errlen, -errno, "reading from steerd: %s",
				 strerror(errno));
			goto out_fd;
		}
		if ((r = wait_fd(fd, POLLIN, deadline, mask)) != 0)
			goto out_wait;
	}
	*nl = '\0';
	*resp_len = (size_t)(nl - buf);
	*resp = buf;
	buf = NULL;
	goto out_fd;
out_wait:
	if (r == -ETIMEDOUT)
		fail(err, errlen, r, "no answer from steerd within %d.%03d s",
		     timeout_ms / 1000, timeout_ms % 1000);
	else if (r == -EINTR)
		fail(err, errlen, r, "interrupted");
	else
		fail(err, errlen, r, "poll: %s", strerror(-r));
out_fd:
	close(fd);
out:
	free(line);
	free(buf);
	return r;
}

static int usage_error(const char *msg)
{
	fprintf(stderr, "%s: %s\n", prog, msg);
	fprintf(stderr, "usage: %s [--socket PATH] [--json] [--timeout S] "
		"COMMAND ... (see '%s help')\n", prog, prog);
	return 2;
}

static int flush_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: writing output: %s\n", prog,
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
		fprintf(stderr, "%s: %s\n", prog, r ? err : "out of memory");
		goto out;
	}
	if (ctl_call(o->socket, w.buf, w.len, o->timeout_ms, NULL, &resp,
		     &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
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

/* ---- watch ---- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* What the watched path (symlinks followed) looked like at a reload; a
 * change in any of these means the file may have new contents. */
struct file_sig {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

static void file_sig(const char *path, struct file_sig *s)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	if (stat(path, &st) != 0)
		return;
	s->exists = true;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime = st.st_mtim;
	s->ctime = st.st_ctim;
}

static bool file_sig_equal(const struct file_sig *a, const struct file_sig *b)
{
	return a->exists == b->exists && a->dev == b->dev &&
	       a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* "2025-01-31 12:00:00.123 " on stdout. */
static void stamp(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s.%03ld ", buf, ts.tv_nsec / 1000000);
}

/* The path steerd is asked to read: FILE's directory resolved, its last
 * component kept, so that a symlink swapped to a new version (a
 * Kubernetes ConfigMap volume, say) is followed at each reload. Into
 * BUF (PATH_MAX), with the directory into DIR_OUT (PATH_MAX). */
static int watch_path(const char *file, char *buf, char *dir_out,
		      char *err, size_t errlen)
{
	char *d = strdup(file), *b = strdup(file);
	char *dir, *base;
	int r = -1;

	if (d == NULL || b == NULL) {
		fail(err, errlen, -1, "out of memory");
		goto out;
	}
	dir = dirname(d);
	base = basename(b);
	if (strcmp(base, "/") == 0 || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0) {
		fail(err, errlen, -1, "watch: %s is not a file name", file);
		goto out;
	}
	if (realpath(dir, dir_out) == NULL) {
		fail(err, errlen, -1, "watch: %s: %s", dir, strerror(errno));
		goto out;
	}
	if (snprintf(buf, PATH_MAX, "%s%s%s", dir_out,
		     strcmp(dir_out, "/") == 0 ? "" : "/", base) >= PATH_MAX) {
		fail(err, errlen, -1, "watch: %s: path too long", file);
		goto out;
	}
	r = 0;
out:
	free(d);
	free(b);
	return r;
}

/* One reload of PATH; prints its line unless steerd stays unreachable
 * (*DOWN tracks that, so an outage is reported once). Returns 0 when
 * steerd answered, -EINTR, or another -errno to retry later. */
static int watch_reload(const struct cli_opts *o, const char *path,
			const sigset_t *mask, bool *down)
{
	char err[ERR_MAX], *resp = NULL;
	size_t len = 0;
	struct jw w;
	int r;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_key(&w, "cmd");
	jw_str(&w, "reload");
	jw_key(&w, "path");
	jw_str(&w, path);
	jw_obj_end(&w);
	if (w.failed)
		r = fail(err, sizeof(err), -ENOMEM, "out of memory");
	else
		r = ctl_call(o->socket, w.buf, w.len, o->timeout_ms, mask,
			     &resp, &len, err, sizeof(err));
	jw_free(&w);
	if (r == -EINTR)
		return r;
	if (r != 0) {
		if (!*down) {
			stamp();
			printf("steerd unavailable: %s; retrying every second\n",
			       err);
		}
		*down = true;
		return r;
	}
	*down = false;
	stamp();
	if (o->json)
		printf("%s\n", resp);
	else if (cli_response_ok(resp, len, err, sizeof(err)) == 1)
		printf("applied generation %lld\n",
		       cli_response_generation(resp, len));
	else
		printf("refused: %s\n", err);
	free(resp);
	return 0;
}

/* PATH a symlink into another directory: edits of its target happen
 * there, so watch that directory too (again after each change, as the
 * link may have been swapped). Best effort: without it only such edits
 * go unseen. The stat() comparison sorts out which events matter. */
static void watch_target(int ifd, const char *path, const char *dir)
{
	char real[PATH_MAX], *rd;

	if (realpath(path, real) == NULL)
		return;
	rd = dirname(real);
	if (strcmp(rd, dir) != 0)
		inotify_add_watch(ifd, rd, WATCH_EVENTS);
}

static int do_watch(const struct cli_opts *o, const char *file)
{
	char path[PATH_MAX], dir[PATH_MAX], err[ERR_MAX];
	/* inotify_event alignment, as in inotify(7) */
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, wait_mask;
	struct file_sig last = { 0 }, cur;
	int64_t debounce = 0, next_try = 0;
	bool pending = true, down = false;
	int ifd, r, rc = 0;

	if (watch_path(file, path, dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0 || inotify_add_watch(ifd, dir, WATCH_EVENTS |
					 IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		fprintf(stderr, "%s: watch: %s: %s\n", prog, dir,
			strerror(errno));
		if (ifd >= 0)
			close(ifd);
		return 1;
	}
	watch_target(ifd, path, dir);

	/* SIGINT/SIGTERM stay blocked except while waiting in ppoll(), so
	 * a signal is never lost between checking `stop` and sleeping */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("watching %s (steerd at %s)\n", path, o->socket);

	while (!stop) {
		int64_t now = now_ms(), until = -1;
		ssize_t n;

		if (debounce != 0 && now >= debounce) {
			debounce = 0;
			file_sig(path, &cur);
			watch_target(ifd, path, dir);
			/* a file missing mid-save is waited for */
			if (cur.exists && !file_sig_equal(&cur, &last))
				pending = true;
		}
		if (pending && now >= next_try) {
			file_sig(path, &last);
			r = watch_reload(o, path, &wait_mask, &down);
			if (r == -EINTR)
				break;
			if (r == 0)
				pending = false;
			else
				next_try = now_ms() + WATCH_RETRY_MS;
			continue;
		}
		if (debounce != 0)
			until = debounce;
		if (pending && (until < 0 || next_try < until))
			until = next_try;
		r = wait_fd(ifd, POLLIN, until < 0 ? INT64_MAX : until,
			    &wait_mask);
		if (r == -EINTR || r == -ETIMEDOUT)
			continue;
		if (r != 0) {
			fprintf(stderr, "%s: watch: %s\n", prog, strerror(-r));
			rc = 1;
			break;
		}
		while ((n = read(ifd, ev, sizeof(ev))) > 0) {
			for (char *p = ev; p < ev + n;) {
				const struct inotify_event *e = (void *)p;

				if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF |
					       IN_UNMOUNT)) {
					fprintf(stderr, "%s: watch: %s was "
						"removed or moved\n", prog,
						dir);
					rc = 1;
					stop = 1;
				}
				p += sizeof(*e) + e->len;
			}
			debounce = now_ms() + WATCH_DEBOUNCE_MS;
		}
	}
	close(ifd);
	return rc;
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
	return do_request(&o, argc - ci, argv + ci);
}
