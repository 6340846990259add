/* steerctl's one exchange with steerd (docs/control.md): connect to the
 * Unix socket, write one JSON line, read one line back, all under one
 * deadline (--timeout). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "steerctl-int.h"

/* A dump of a 16 MB configuration is about that size again once escaped;
 * anything far beyond is not a response. */
#define RESPONSE_MAX (1u << 30)

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wait_fd(int fd, short events, int64_t deadline,
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

/* Connect to PATH. Returns the socket or -errno with ERR. A full listen
 * backlog (EAGAIN) is retried until DEADLINE. */
static int ctl_connect(const char *path, int64_t deadline,
		       const sigset_t *mask, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return cli_errf(err, errlen, -ENAMETOOLONG,
				"socket path too long (at most %zu bytes): %s",
				sizeof(sa.sun_path) - 1, path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return cli_errf(err, errlen, -errno, "socket: %s",
				strerror(errno));
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
		return cli_errf(err, errlen, r, "interrupted");
	return cli_errf(err, errlen, r, "cannot connect to steerd at %s: %s%s",
			path, strerror(-r),
			r == -ENOENT || r == -ECONNREFUSED ?
			" (is steerd running?)" : "");
}

int ctl_call(const char *path, const char *req, size_t len,
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
		return cli_errf(err, errlen, -EMSGSIZE,
				"request too long (%zu bytes, steerd takes at "
				"most %d)", len + 1, CLI_REQUEST_MAX);
	if ((line = malloc(len + 1)) == NULL || (buf = malloc(cap)) == NULL) {
		r = cli_errf(err, errlen, -ENOMEM, "out of memory");
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
			r = cli_errf(err, errlen, -errno,
				     "sending to steerd: %s", strerror(errno));
			goto out_fd;
		}
		if ((r = wait_fd(fd, POLLOUT, deadline, mask)) != 0)
			goto out_wait;
	}
	for (;;) {
		if (n == cap) {
			char *b;

			if (cap >= RESPONSE_MAX) {
				r = cli_errf(err, errlen, -EMSGSIZE, "response "
					     "from steerd over %u bytes",
					     RESPONSE_MAX);
				goto out_fd;
			}
			if ((b = realloc(buf, cap * 2)) == NULL) {
				r = cli_errf(err, errlen, -ENOMEM,
					     "out of memory");
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
			r = cli_errf(err, errlen, -ECONNRESET,
				     "steerd closed the connection without an "
				     "answer");
			goto out_fd;
		}
		if (errno != EAGAIN && errno != EINTR) {
			r = cli_errf(err, errlen, -errno,
				     "reading from steerd: %s",
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
		cli_errf(err, errlen, r,
			 "no answer from steerd within %d.%03d s",
			 timeout_ms / 1000, timeout_ms % 1000);
	else if (r == -EINTR)
		cli_errf(err, errlen, r, "interrupted");
	else
		cli_errf(err, errlen, r, "poll: %s", strerror(-r));
out_fd:
	close(fd);
out:
	free(line);
	free(buf);
	return r;
}
