/* The transport of the etcd client (etcd.h): HTTP/1.1 POST over a plain
 * TCP connection, one request per connection ("Connection: close"), every
 * step under the client's timeout (a non-blocking connect, then poll(2)
 * before each read and write). The gateway answers with Content-Length or
 * chunked; a watch is a chunked stream whose messages each end in '\n'. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "etcd.h"

int etcd_client_init(struct etcd_client *c, const char *endpoints,
		     int timeout_ms, char *err, size_t errlen)
{
	const char *p = endpoints;

	memset(c, 0, sizeof(*c));
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 2000;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char ep[300], *colon;
		unsigned long port;
		if (n == 0 || n >= sizeof(ep) || c->n == ETCD_MAX_ENDPOINTS)
			goto bad;
		memcpy(ep, p, n);
		ep[n] = '\0';
		char *h = ep;
		if (strncmp(h, "http://", 7) == 0)
			h += 7;
		else if (strstr(h, "://") != NULL)
			goto bad;      /* https would need TLS: not here */
		if ((colon = strrchr(h, ':')) == NULL || colon == h)
			goto bad;
		*colon = '\0';
		char *tail;
		port = strtoul(colon + 1, &tail, 10);
		if (*tail != '\0' || port == 0 || port > 65535 ||
		    strlen(h) >= sizeof(c->hosts[0]))
			goto bad;
		snprintf(c->hosts[c->n], sizeof(c->hosts[0]), "%s", h);
		c->ports[c->n++] = (uint16_t)port;
		p += n;
		if (*p == ',' && *++p == '\0')
			goto bad;
	}
	if (c->n > 0)
		return 0;
bad:
	snprintf(err, errlen, "etcd endpoints '%s': want http://HOST:PORT[,...] "
		 "(at most %d)", endpoints, ETCD_MAX_ENDPOINTS);
	return -EINVAL;
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int wait_fd(int fd, short ev, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	long long left = deadline - now_ms();
	int r;

	if (left < 0)
		left = 0;
	do
		r = poll(&p, 1, (int)left);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

static int connect_one(const char *host, uint16_t port, long long deadline)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai;
	char ps[8];
	int fd, r;

	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(host, ps, &hints, &ai) != 0)
		return -EHOSTUNREACH;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		freeaddrinfo(ai);
		return r;
	}
	r = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (r < 0 && errno != EINPROGRESS) {
		r = -errno;
		goto fail;
	}
	if (r < 0) {
		int e = 0;
		socklen_t el = sizeof(e);
		if ((r = wait_fd(fd, POLLOUT, deadline)) < 0)
			goto fail;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e != 0) {
			r = -e;
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return r;
}

static int send_all(int fd, const char *p, size_t n, long long deadline)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			int r = wait_fd(fd, POLLOUT, deadline);
			if (r < 0)
				return r;
			continue;
		}
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Connect to the current endpoint, else the next ones, and send the
 * request. Returns the socket or -errno (ERR names the last failure). */
static int open_request(struct etcd_client *c, const char *path,
			const char *body, size_t len, long long deadline,
			char *err, size_t errlen)
{
	int r = -ENOENT;

	for (unsigned k = 0; k < c->n; k++) {
		unsigned i = (c->cur + k) % c->n;
		char head[600];
		int fd = connect_one(c->hosts[i], c->ports[i], deadline);
		if (fd < 0) {
			r = fd;
			snprintf(err, errlen, "etcd %s:%u: %s", c->hosts[i],
				 c->ports[i], strerror(-fd));
			continue;
		}
		int hn = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: %s:%u\r\n"
				  "Content-Type: application/json\r\nContent-Length: %zu\r\n"
				  "Connection: close\r\n\r\n", path, c->hosts[i],
				  c->ports[i], len);
		if ((r = send_all(fd, head, (size_t)hn, deadline)) == 0 &&
		    (r = send_all(fd, body, len, deadline)) == 0) {
			c->cur = i;
			return fd;
		}
		snprintf(err, errlen, "etcd %s:%u: %s", c->hosts[i], c->ports[i],
			 strerror(-r));
		close(fd);
	}
	return r;
}

/* ---- the response: status line, headers, then the body ---- */

static bool grow(char **b, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 4096;
	char *p;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return true;
	if ((p = realloc(*b, n)) == NULL)
		return false;
	*b = p;
	*cap = n;
	return true;
}

int etcd_stream_feed(struct etcd_stream *s, const char *data, size_t n)
{
	if (!grow(&s->buf, &s->cap, s->len + n + 1))
		return -ENOMEM;
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return 0;
}

static void consume(struct etcd_stream *s, size_t n)
{
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
	s->buf[s->len] = '\0';
}

/* Headers once (chunk_left == SIZE_MAX until they are read), then body
 * bytes into MSG until a '\n' ends a message. */
int etcd_stream_take(struct etcd_stream *s)
{
	if (s->chunk_left == (size_t)-1) {
		char *e = s->buf ? strstr(s->buf, "\r\n\r\n") : NULL;
		if (e == NULL)
			return s->len > 16384 ? -EPROTO : 0;
		if (strncmp(s->buf, "HTTP/1.", 7) != 0)
			return -EPROTO;
		*e = '\0';
		s->chunked = strcasestr(s->buf, "\r\nTransfer-Encoding: chunked") != NULL;
		consume(s, (size_t)(e - s->buf) + 4);
		s->chunk_left = 0;
	}
	for (;;) {
		char *nl = s->msg ? memchr(s->msg, '\n', s->msg_len) : NULL;
		if (nl != NULL) {
			/* hand out MSG[0..nl); the rest moves up on the next call */
			return 1;
		}
		if (s->len == 0)
			return 0;
		size_t take = s->len;
		if (s->chunked) {
			if (s->chunk_left == 0) {
				char *eol = strstr(s->buf, "\r\n");
				char *end;
				if (eol == s->buf) {      /* the CRLF after a chunk */
					consume(s, 2);
					continue;
				}
				if (eol == NULL)
					return s->len > 32 ? -EPROTO : 0;
				unsigned long v = strtoul(s->buf, &end, 16);
				if (end == s->buf || v > (1u << 26))
					return -EPROTO;
				consume(s, (size_t)(eol - s->buf) + 2);
				if (v == 0)
					return -EPIPE;    /* the last chunk */
				s->chunk_left = v;
				continue;
			}
			if (take > s->chunk_left)
				take = s->chunk_left;
			s->chunk_left -= take;
		}
		if (!grow(&s->msg, &s->msg_cap, s->msg_len + take + 1))
			return -ENOMEM;
		memcpy(s->msg + s->msg_len, s->buf, take);
		s->msg_len += take;
		consume(s, take);
	}
}

/* Drop the message handed out by the last etcd_stream_take(). */
static void msg_done(struct etcd_stream *s)
{
	char *nl = memchr(s->msg, '\n', s->msg_len);
	size_t n = (size_t)(nl - s->msg) + 1;

	memmove(s->msg, s->msg + n, s->msg_len - n);
	s->msg_len -= n;
}

int etcd_stream_open(struct etcd_client *c, const char *path,
		     const char *body, size_t len, struct etcd_stream *s,
		     char *err, size_t errlen)
{
	etcd_stream_init(s);
	s->fd = open_request(c, path, body, len, now_ms() + c->timeout_ms,
			     err, errlen);
	return s->fd < 0 ? s->fd : 0;
}

void etcd_stream_close(struct etcd_stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s->msg);
	etcd_stream_init(s);
}

int etcd_stream_next(struct etcd_stream *s, int timeout_ms,
		     struct etcd_resp *r, char *err, size_t errlen)
{
	long long deadline = now_ms() + timeout_ms;
	char b[16384];
	int rc;

	for (;;) {
		if ((rc = etcd_stream_take(s)) == 1) {
			size_t n = (size_t)((char *)memchr(s->msg, '\n', s->msg_len) - s->msg);
			rc = etcd_parse(s->msg, n, r);
			if (rc < 0)
				snprintf(err, errlen, "%s", r->error);
			msg_done(s);
			return rc;
		}
		if (rc < 0) {
			snprintf(err, errlen, "etcd: %s", rc == -EPIPE ?
				 "the stream ended" : "a malformed HTTP answer");
			return rc;
		}
		if ((rc = wait_fd(s->fd, POLLIN, deadline)) < 0) {
			snprintf(err, errlen, "etcd: %s", strerror(-rc));
			return rc;
		}
		ssize_t n = recv(s->fd, b, sizeof(b), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "etcd: connection closed");
			return n < 0 ? -errno : -EPIPE;
		}
		if ((rc = etcd_stream_feed(s, b, (size_t)n)) < 0)
			return rc;
	}
}

int etcd_call(struct etcd_client *c, const char *path, const char *body,
	      size_t len, struct etcd_resp *r, char *err, size_t errlen)
{
	long long deadline = now_ms() + c->timeout_ms;
	struct etcd_stream s;
	char b[16384];
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = etcd_stream_open(c, path, body, len, &s, err, errlen)) < 0) {
		etcd_stream_close(&s);
		return rc;
	}
	/* read to the end (the server closes), then the body is one message */
	for (;;) {
		if ((rc = wait_fd(s.fd, POLLIN, deadline)) < 0) {
			snprintf(err, errlen, "etcd %s:%u: %s", c->hosts[c->cur],
				 c->ports[c->cur], strerror(-rc));
			goto out;
		}
		ssize_t n = recv(s.fd, b, sizeof(b), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "etcd: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if ((rc = etcd_stream_feed(&s, b, (size_t)n)) < 0)
			goto out;
	}
	rc = etcd_stream_take(&s);
	if (rc < 0 && rc != -EPIPE) {
		snprintf(err, errlen, "etcd: a malformed HTTP answer");
		goto out;
	}
	rc = etcd_parse(s.msg ? s.msg : "", s.msg_len, r);
	if (rc < 0)
		snprintf(err, errlen, "%s", r->error);
out:
	etcd_stream_close(&s);
	return rc;
}

void etcd_stream_init(struct etcd_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->chunk_left = (size_t)-1;
}
