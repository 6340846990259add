/* Payloads for the packet-path fuzzer (packet_dict.h). */
#include "packet_dict.h"

#include <string.h>

static const char *const req_words[] = {
	/* request lines */
	"GET / HTTP/1.1\r\n",
	"POST /upload HTTP/1.1\r\n",
	"HEAD / HTTP/1.1\r\n",
	"GET /a?q=1 HTTP/1.1\r\n",
	"GET http://api.example.test/x HTTP/1.1\r\n",
	"GET / HTTP/1.0\r\n",
	"CONNECT web.example.test:443 HTTP/1.1\r\n",
	"OPTIONS * HTTP/1.1\r\n",
	"PUT /b HTTP/1.1\r\n",
	/* routing */
	"Host: web.example.test\r\n",
	"Host: api.example.test\r\n",
	"Host: alice-7f3a.preview.example.test\r\n",
	"Host: bob-b0b.preview.example.test\r\n",
	"x-telepresence-intercept-id: 7f3a:alice-web\r\n",
	"X-Telepresence-Intercept-Id: 7f3a:bob\r\n",
	"X-Dev: bob\r\n",
	"baggage: a=1, x-telepresence-intercept-id=7f3a:alice-web\r\n",
	"baggage: x-telepresence-intercept-id=7f3a%3Aalice-web;p=1,,=\r\n",
	"traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n",
	"X-Forwarded-For: 10.0.0.1\r\n",
	/* framing */
	"Content-Length: 5\r\n",
	"Content-Length: 0\r\n",
	"Content-Length: 2000\r\n",
	"Content-Length: 99999999999999999999\r\n",
	"Content-Length: 3\r\nContent-Length: 4\r\n",
	"Transfer-Encoding: chunked\r\n",
	"Transfer-Encoding: gzip, chunked\r\n",
	"Connection: close\r\n",
	"Connection: keep-alive\r\n",
	"Connection: Upgrade\r\nUpgrade: websocket\r\n",
	"Expect: 100-continue\r\n",
	/* the end of a header, bodies */
	"\r\n",
	"\r\n",
	"hello",
	"5\r\nhello\r\n0\r\n\r\n",
	"0\r\n\r\n",
	"3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n",
	"zz\r\n",
	/* malformed */
	"Bad Header\r\n",
	" folded: line\r\n",
	"Host:\r\n",
	"GET  /  HTTP/1.1\r\n",
	"G\tT / HTTP/1.1\r\n",
	"\n",
	"\r\n\r\n",
	"Name : value\r\n",
};

static const char *const resp_words[] = {
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
	"HTTP/1.1 200 OK\r\n",
	"HTTP/1.1 204 No Content\r\n\r\n",
	"HTTP/1.1 304 Not Modified\r\n\r\n",
	"HTTP/1.1 100 Continue\r\n\r\n",
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	"2\r\nhi\r\n0\r\n\r\n",
	"HTTP/1.0 200 OK\r\n\r\nuntil close",
	"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
	"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n",
	"Content-Length: 5\r\n",
	"Transfer-Encoding: chunked\r\n",
	"\r\n",
	"hello",
	"HTTX/9 bad\r\n\r\n",
	"HTTP/1.1 2000 OK\r\n\r\n",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static unsigned put(uint8_t *out, unsigned n, const void *p, unsigned len)
{
	if (n + len > PD_MAX)
		len = PD_MAX - n;
	memcpy(out + n, p, len);
	return n + len;
}

static unsigned words(struct rd *r, uint8_t *out, const char *const *w,
		      unsigned nw)
{
	unsigned count = u8(r), n = 0;

	/* most segments carry nothing or a few words */
	count = count < 128 ? 0 : (count - 128) % 12;
	for (unsigned i = 0; i < count; i++) {
		uint8_t t = u8(r);
		if (t < 0xe0) {
			n = put(out, n, w[t % nw], (unsigned)strlen(w[t % nw]));
		} else if (t < 0xf8) {
			uint8_t raw[32];
			unsigned len = u8(r) % sizeof(raw);
			for (unsigned k = 0; k < len; k++)
				raw[k] = u8(r);
			n = put(out, n, raw, len);
		} else {
			/* a long filler: segments past the MSS, bodies */
			static uint8_t fill[1400];
			unsigned len = 100 + (unsigned)(t - 0xf8) * 185;
			memset(fill, 'x', sizeof(fill));
			n = put(out, n, fill, len);
		}
	}
	return n;
}

unsigned pd_request(struct rd *r, uint8_t *out)
{
	return words(r, out, req_words, N(req_words));
}

unsigned pd_response(struct rd *r, uint8_t *out)
{
	return words(r, out, resp_words, N(resp_words));
}
