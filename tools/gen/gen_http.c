/* HTTP/1.1 messages of steer-gen (see gen_http.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gen_http.h"

size_t gen_req_build(char *buf, size_t cap, const struct gen_req *req,
		     const char *id)
{
	char cl[32] = "";

	if (req->body)
		snprintf(cl, sizeof(cl), "Content-Length: %u\r\n", req->body);
	int n = snprintf(buf, cap,
			 "%s %s HTTP/1.1\r\nHost: %s\r\n%s"
			 "User-Agent: steer-gen\r\nX-Gen-Id: %s\r\n%s%s\r\n",
			 req->method, req->path, req->host, req->extra, id, cl,
			 req->close ? "Connection: close\r\n" : "");
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

size_t gen_resp_build(char *buf, size_t cap, const char *served_by,
		      const char *id, const char *echo, const char *fwd,
		      uint32_t body, bool close)
{
	int n = snprintf(buf, cap,
			 "HTTP/1.1 200 OK\r\nX-Served-By: %s\r\nX-Gen-Id: %s\r\n"
			 "%s%s%s%s%s%sContent-Length: %u\r\n%s\r\n",
			 served_by, id, echo[0] ? "X-Echo: " : "", echo,
			 echo[0] ? "\r\n" : "", fwd[0] ? "X-Echo-For: " : "", fwd,
			 fwd[0] ? "\r\n" : "", body,
			 close ? "Connection: close\r\n" : "");
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

size_t gen_slow_prefix(char *buf, size_t cap, const char *host)
{
	int n = snprintf(buf, cap, "GET / HTTP/1.1\r\nHost: %s\r\n", host);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

void gen_slow_fill(uint8_t *dst, uint32_t off, uint32_t len,
		   const char *prefix, uint32_t plen)
{
	static const char line[] = GEN_SLOW_LINE;

	for (uint32_t i = 0; i < len; i++, off++)
		dst[i] = (uint8_t)(off < plen ? prefix[off] :
				   line[(off - plen) % GEN_SLOW_LINE_LEN]);
}

int gen_http_status(const char *p, size_t len)
{
	if (len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ')
		return -1;
	for (unsigned i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	return (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
}

void gen_body_fill(uint8_t *dst, uint32_t off, uint32_t len)
{
	uint8_t c = (uint8_t)('a' + off % 26);

	for (uint32_t i = 0; i < len; i++) {
		dst[i] = c;
		c = c == 'z' ? 'a' : (uint8_t)(c + 1);
	}
}

bool gen_body_check(const uint8_t *src, uint32_t off, uint32_t len)
{
	uint8_t c = (uint8_t)('a' + off % 26);

	for (uint32_t i = 0; i < len; i++) {
		if (src[i] != c)
			return false;
		c = c == 'z' ? 'a' : (uint8_t)(c + 1);
	}
	return true;
}

static bool name_is(const char *p, size_t len, const char *name)
{
	return strlen(name) == len && strncasecmp(p, name, len) == 0;
}

/* The start line [P, END): fills status or method and path. */
static int start_line(const char *p, const char *end, bool is_response,
		      struct gen_http_msg *msg)
{
	size_t len = (size_t)(end - p);

	if (is_response) {
		/* RFC 9112 section 4: HTTP-version SP 3DIGIT SP reason */
		if (len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' ||
		    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
		    p[11] < '0' || p[11] > '9' || (len > 12 && p[12] != ' '))
			return -1;
		msg->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
		return 0;
	}
	const char *sp1 = memchr(p, ' ', len);
	if (sp1 == NULL || sp1 == p)
		return -1;
	const char *sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (sp2 == NULL || sp2 == sp1 + 1 || end - sp2 - 1 != 8 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return -1;
	msg->method = (struct gen_str){ p, (size_t)(sp1 - p) };
	msg->path = (struct gen_str){ sp1 + 1, (size_t)(sp2 - sp1 - 1) };
	return 0;
}

/* Keep VAL in *DST, or GEN_REPEATED when the field came before. */
static void keep(struct gen_str *dst, struct gen_str val)
{
	if (dst->p != NULL)
		val = (struct gen_str){ GEN_REPEATED, sizeof(GEN_REPEATED) - 1 };
	*dst = val;
}

static int field(const char *p, const char *end, bool is_response,
		 const char *echo_name, struct gen_http_msg *msg)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));

	if (colon == NULL || colon == p)
		return -1;
	for (const char *q = p; q < colon; q++)
		if (*q == ' ' || *q == '\t')
			return -1;    /* RFC 9112 section 5.1: no space before ':' */
	const char *v = colon + 1, *ve = end;
	while (v < ve && (*v == ' ' || *v == '\t'))
		v++;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	struct gen_str val = { v, (size_t)(ve - v) };
	size_t nl = (size_t)(colon - p);

	if (name_is(p, nl, "content-length")) {
		if (val.len == 0 || val.len > 12 || msg->content_length >= 0)
			return -1;
		int64_t n = 0;
		for (size_t i = 0; i < val.len; i++) {
			if (v[i] < '0' || v[i] > '9')
				return -1;
			n = n * 10 + (v[i] - '0');
		}
		msg->content_length = n;
	} else if (name_is(p, nl, "connection")) {
		msg->close = val.len == 5 && strncasecmp(v, "close", 5) == 0;
	} else if (name_is(p, nl, "x-served-by")) {
		msg->served_by = val;
	} else if (name_is(p, nl, "x-gen-id")) {
		msg->id = val;
	} else if (is_response ? name_is(p, nl, "x-echo") :
		   echo_name && name_is(p, nl, echo_name)) {
		keep(&msg->echo, val);
	} else if (name_is(p, nl, is_response ? "x-echo-for" : "x-forwarded-for")) {
		keep(&msg->forwarded_for, val);
	}
	return 0;
}

int gen_http_parse(const char *buf, size_t len, bool is_response,
		   const char *echo_name, struct gen_http_msg *msg)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);

	memset(msg, 0, sizeof(*msg));
	msg->content_length = -1;
	if (end == NULL)
		return len >= GEN_HDR_MAX ? -1 : -2;
	end += 2;                 /* keep the last line's CRLF */
	const char *p = buf;
	bool first = true;
	while (p < end) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			return -1;  /* cannot happen: END ends in CRLF */
		int r = first ? start_line(p, eol, is_response, msg) :
				field(p, eol, is_response, echo_name, msg);
		if (r < 0)
			return -1;
		first = false;
		p = eol + 2;
	}
	return (int)(end - buf + 2);
}
