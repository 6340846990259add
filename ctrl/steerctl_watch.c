/* steerctl watch FILE: reload FILE now and whenever it changes, until
 * SIGINT or SIGTERM (docs/operations.md, "steerctl watch"). inotify on
 * the file's directory (and on a symlink's target's), a debounce so one
 * editor save gives one reload, and retries while steerd is down. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "steerctl-int.h"

/* watch: quiet time after the last change before reloading, so that an
 * editor's write-rename-chmod sequence gives one reload. */
#define WATCH_DEBOUNCE_MS 100
/* watch: retry interval while steerd is unreachable. */
#define WATCH_RETRY_MS 1000
/* watch: anything that can change the file or what its name points to */
#define WATCH_EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
		      IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_ONLYDIR)


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
		cli_errf(err, errlen, -1, "out of memory");
		goto out;
	}
	dir = dirname(d);
	base = basename(b);
	if (strcmp(base, "/") == 0 || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0) {
		cli_errf(err, errlen, -1, "watch: %s is not a file name", file);
		goto out;
	}
	if (realpath(dir, dir_out) == NULL) {
		cli_errf(err, errlen, -1, "watch: %s: %s", dir,
			 strerror(errno));
		goto out;
	}
	if (snprintf(buf, PATH_MAX, "%s%s%s", dir_out,
		     strcmp(dir_out, "/") == 0 ? "" : "/", base) >= PATH_MAX) {
		cli_errf(err, errlen, -1, "watch: %s: path too long", file);
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
		r = cli_errf(err, sizeof(err), -ENOMEM, "out of memory");
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

int do_watch(const struct cli_opts *o, const char *file)
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
		fprintf(stderr, "%s: %s\n", STEERCTL, err);
		return 1;
	}
	ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0 || inotify_add_watch(ifd, dir, WATCH_EVENTS |
					 IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
		fprintf(stderr, "%s: watch: %s: %s\n", STEERCTL, dir,
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
			fprintf(stderr, "%s: watch: %s\n", STEERCTL, strerror(-r));
			rc = 1;
			break;
		}
		while ((n = read(ifd, ev, sizeof(ev))) > 0) {
			for (char *p = ev; p < ev + n;) {
				const struct inotify_event *e = (void *)p;

				if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF |
					       IN_UNMOUNT)) {
					fprintf(stderr, "%s: watch: %s was "
						"removed or moved\n", STEERCTL,
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
