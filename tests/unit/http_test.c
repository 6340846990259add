/* HTTP/1.x request-header parser: a table of valid and invalid requests,
 * each one also fed in every prefix, byte by byte, at every split point and
 * against an unreadable page (the picohttpparser way), plus the size and
 * field-count limits. All of it runs once per scan path (scalar, SSE4.2,
 * AVX2) this CPU has. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "http.h"
#include "http-int.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct tcase {
	const char *in;           /* header, then any body bytes */
	size_t len;
	int ret;                  /* header length, HTTP_ERROR, HTTP_INCOMPLETE */
	enum http_error err;
	const char *why;
	/* checked when ret > 0; a NULL query or host means "expect NULL" */
	const char *method, *path, *query, *host;
	int n_fields;
	bool has_cl;
	int64_t cl;
	bool chunked;
	bool v10;                 /* HTTP/1.0 */
	const char *fname[2];     /* fields to look up (lowercase), ... */
	const char *fvalue[2];    /* ... and their expected values */
};

/* A complete request: HEAD is the header, BODY follows it untouched. */
#define OK(head, body, why_, ...)                                             \
	{ .in = head body, .len = sizeof(head body) - 1,                     \
	  .ret = (int)sizeof(head) - 1, .err = HTTP_ERR_NONE, .why = why_,   \
	  __VA_ARGS__ }
#define BAD(s, e, why_)                                                       \
	{ .in = s, .len = sizeof(s) - 1, .ret = HTTP_ERROR,                  \
	  .err = HTTP_ERR_##e, .why = why_ }
#define MORE(s, why_)                                                         \
	{ .in = s, .len = sizeof(s) - 1, .ret = HTTP_INCOMPLETE,             \
	  .err = HTTP_ERR_NONE, .why = why_ }
#define CL(n) .has_cl = true, .cl = (n)
#define F1(n, v) .fname = { n }, .fvalue = { v }
#define F2(n, v, n2, v2) .fname = { n, n2 }, .fvalue = { v, v2 }

#define RL "GET / HTTP/1.1\r\n"
#define HOST "Host: a.example\r\n"

static const struct tcase cases[] = {
	/* ---- valid ---- */
	OK(RL HOST "\r\n", "", "the smallest HTTP/1.1 request",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 1,
	   F1("host", "a.example")),
	OK("GET /api/v1/items?id=42&x=y HTTP/1.1\r\n"
	   "Host: api.example.com:8443\r\n"
	   "User-Agent: curl/8.5.0\r\n"
	   "Accept: */*\r\n\r\n", "",
	   "curl-like request with a port in Host and a query",
	   .method = "GET", .path = "/api/v1/items", .query = "id=42&x=y",
	   .host = "api.example.com", .n_fields = 3,
	   F2("user-agent", "curl/8.5.0", "accept", "*/*")),
	OK("GET /products/42?ref=home&utm_source=news HTTP/1.1\r\n"
	   "Host: shop.example.com\r\n"
	   "Connection: keep-alive\r\n"
	   "sec-ch-ua: \"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", "
	   "\"Not-A.Brand\";v=\"99\"\r\n"
	   "sec-ch-ua-mobile: ?0\r\n"
	   "sec-ch-ua-platform: \"Linux\"\r\n"
	   "Upgrade-Insecure-Requests: 1\r\n"
	   "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
	   "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n"
	   "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
	   "image/avif,image/webp,*/*;q=0.8\r\n"
	   "Sec-Fetch-Site: same-origin\r\n"
	   "Sec-Fetch-Mode: navigate\r\n"
	   "Sec-Fetch-User: ?1\r\n"
	   "Sec-Fetch-Dest: document\r\n"
	   "Referer: https://shop.example.com/\r\n"
	   "Accept-Encoding: gzip, deflate, br, zstd\r\n"
	   "Accept-Language: en-US,en;q=0.9,fr;q=0.8\r\n"
	   "Cookie: session=3f9a1c; theme=dark\r\n\r\n", "",
	   "browser-like request with many fields",
	   .method = "GET", .path = "/products/42",
	   .query = "ref=home&utm_source=news", .host = "shop.example.com",
	   .n_fields = 16,
	   F2("sec-fetch-user", "?1", "cookie", "session=3f9a1c; theme=dark")),
	OK("POST /v1/orders HTTP/1.1\r\n"
	   "Host: orders.internal:8080\r\n"
	   "Content-Type: application/json\r\n"
	   "Content-Length: 23\r\n"
	   "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-"
	   "00f067aa0ba902b7-01\r\n"
	   "tracestate: rojo=00f067aa0ba902b7,congo=t61rcWkgMzE\r\n"
	   "baggage: userId=alice,serverNode=DF%2028,isProduction=false\r\n"
	   "\r\n", "{\"item\":\"book\",\"qty\":1}",
	   "traced POST with a JSON body",
	   .method = "POST", .path = "/v1/orders", .host = "orders.internal",
	   .n_fields = 6, CL(23),
	   F2("traceparent",
	      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	      "baggage", "userId=alice,serverNode=DF%2028,isProduction=false")),
	OK("GET /index.html HTTP/1.0\r\n\r\n", "",
	   "HTTP/1.0 needs no Host (RFC 9112 section 3.2)",
	   .method = "GET", .path = "/index.html", .n_fields = 0, .v10 = true),
	OK("GET / HTTP/1.0\r\nHost: a.example\r\n\r\n", "",
	   "HTTP/1.0 with a Host",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 1,
	   .v10 = true),
	OK("GET /search? HTTP/1.1\r\n" HOST "\r\n", "",
	   "a target ending in '?' has an empty query, not none",
	   .method = "GET", .path = "/search", .query = "",
	   .host = "a.example", .n_fields = 1),
	OK("GET /a?b?c=/d HTTP/1.1\r\n" HOST "\r\n", "",
	   "only the first '?' splits path from query",
	   .method = "GET", .path = "/a", .query = "b?c=/d",
	   .host = "a.example", .n_fields = 1),
	OK("GET /a/b/c HTTP/1.1\r\n" HOST "\r\n", "",
	   "no '?' means no query",
	   .method = "GET", .path = "/a/b/c", .host = "a.example",
	   .n_fields = 1),
	OK("GET /a!$&'()*+,;=:@-._~%20\"<>[]{}|\\^`# HTTP/1.1\r\n" HOST "\r\n",
	   "", "the target may hold any VCHAR",
	   .method = "GET", .path = "/a!$&'()*+,;=:@-._~%20\"<>[]{}|\\^`#",
	   .host = "a.example", .n_fields = 1),
	OK("GET http://a.example/p/q?x=1 HTTP/1.1\r\n" HOST "\r\n", "",
	   "absolute-form",
	   .method = "GET", .path = "/p/q", .query = "x=1",
	   .host = "a.example", .n_fields = 1),
	OK("GET HTTPS://A.Example HTTP/1.1\r\n" HOST "\r\n", "",
	   "absolute-form: scheme is case-insensitive, empty path is \"/\"",
	   .method = "GET", .path = "/", .host = "A.Example", .n_fields = 1),
	OK("GET http://a.example:8080?x HTTP/1.1\r\n" HOST "\r\n", "",
	   "absolute-form with a port and a query but no path",
	   .method = "GET", .path = "/", .query = "x", .host = "a.example",
	   .n_fields = 1),
	OK("GET http://a.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n", "",
	   "absolute-form: the target's authority wins over Host "
	   "(RFC 9112 section 3.2.2)",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 1,
	   F1("host", "b.example")),
	OK("GET http://[2001:db8::1]:8080/x HTTP/1.1\r\n"
	   "Host: [2001:db8::1]:8080\r\n\r\n", "",
	   "absolute-form with an IPv6 authority",
	   .method = "GET", .path = "/x", .host = "[2001:db8::1]",
	   .n_fields = 1),
	OK("OPTIONS * HTTP/1.1\r\n" HOST "\r\n", "", "asterisk-form with OPTIONS",
	   .method = "OPTIONS", .path = "*", .host = "a.example",
	   .n_fields = 1),
	OK(RL HOST "X-Name: caf\xc3\xa9\r\nX-Raw: \x80\xff\r\n\r\n", "",
	   "obs-text is allowed in values",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 3,
	   F2("x-name", "caf\xc3\xa9", "x-raw", "\x80\xff")),
	OK(RL HOST "X-Empty:\r\nX-Blank: \t \r\n\r\n", "",
	   "empty values, with and without whitespace",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 3,
	   F2("x-empty", "", "x-blank", "")),
	OK(RL HOST "X-Ows: \t a \t b \t\r\nX-Tight:v\r\n\r\n", "",
	   "OWS around the value is trimmed, inside it is kept",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 3,
	   F2("x-ows", "a \t b", "x-tight", "v")),
	OK(RL "Host: [::1]:8080\r\n\r\n", "", "IPv6 Host with a port",
	   .method = "GET", .path = "/", .host = "[::1]", .n_fields = 1),
	OK(RL "Host: [fe80::1%25eth0]\r\n\r\n", "",
	   "IPv6 Host with a zone and no port",
	   .method = "GET", .path = "/", .host = "[fe80::1%25eth0]",
	   .n_fields = 1),
	OK(RL "Host: a.example:\r\n\r\n", "",
	   "empty port after ':' (RFC 3986 section 3.2.3)",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 1),
	OK(RL "Host: 192.0.2.1:80\r\n\r\n", "", "IPv4 Host with a port",
	   .method = "GET", .path = "/", .host = "192.0.2.1", .n_fields = 1),
	OK(RL "Host:\r\n\r\n", "", "an empty Host is allowed",
	   .method = "GET", .path = "/", .host = "", .n_fields = 1),
	OK(RL "hOsT: a.example\r\n\r\n", "", "field names are case-insensitive",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 1),
	OK(RL "Host: a-b_c~d.%41!$&'()*+,;=\r\n\r\n", "",
	   "Host with every unreserved, sub-delim and a pct-encoding",
	   .method = "GET", .path = "/", .host = "a-b_c~d.%41!$&'()*+,;=",
	   .n_fields = 1),
	OK("POST /upload HTTP/1.1\r\n" HOST "Content-Length: 8\r\n\r\n",
	   "\0\r\n\n\r\x01\x7f\r",
	   "body bytes (NUL, bare LF, bare CR, CTLs) are not looked at",
	   .method = "POST", .path = "/upload", .host = "a.example",
	   .n_fields = 2, CL(8)),
	OK(RL HOST "\r\n", "GET /next\nHTTP/1.1\n\n",
	   "a bare LF after the header (pipelined junk) is not an error",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 1),
	OK("POST / HTTP/1.1\r\n" HOST "Content-Length: 5\r\n\r\n",
	   "ab\r\n\r\ncd", "the first blank line ends the header",
	   .method = "POST", .path = "/", .host = "a.example", .n_fields = 2,
	   CL(5)),
	OK(RL HOST "Content-Length: 0\r\n\r\n", "", "Content-Length: 0",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 2,
	   CL(0)),
	OK(RL HOST "Content-Length: 999999999999999999\r\n\r\n", "",
	   "18 digits of Content-Length",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 2,
	   CL(999999999999999999)),
	OK(RL HOST "Content-Length: \t 0042 \t\r\n\r\n", "",
	   "Content-Length with OWS and leading zeros is decimal",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 2,
	   CL(42)),
	OK("POST /chunks HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n\r\n",
	   "5\r\nhello\r\n0\r\n\r\n", "chunked POST",
	   .method = "POST", .path = "/chunks", .host = "a.example",
	   .n_fields = 2, .chunked = true),
	OK("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: gzip, chunked\r\n\r\n",
	   "", "a list ending in chunked",
	   .method = "POST", .path = "/", .host = "a.example", .n_fields = 2,
	   .chunked = true),
	OK("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: gzip\r\n"
	   "Transfer-Encoding: chunked\r\n\r\n", "",
	   "two Transfer-Encoding fields are one list",
	   .method = "POST", .path = "/", .host = "a.example", .n_fields = 3,
	   .chunked = true),
	OK("POST / HTTP/1.1\r\n" HOST
	   "transfer-encoding: GZIP ,\tChunked\r\n\r\n", "",
	   "codings are case-insensitive, OWS around commas",
	   .method = "POST", .path = "/", .host = "a.example", .n_fields = 2,
	   .chunked = true),
	OK("POST / HTTP/1.1\r\n" HOST
	   "Transfer-Encoding: , gzip, ,chunked ,\r\n\r\n", "",
	   "empty list members are ignored (RFC 9110 section 5.6.1)",
	   .method = "POST", .path = "/", .host = "a.example", .n_fields = 2,
	   .chunked = true),
	OK("M-SEARCH /x HTTP/1.1\r\n" HOST "\r\n", "", "any token is a method",
	   .method = "M-SEARCH", .path = "/x", .host = "a.example",
	   .n_fields = 1),
	OK(RL HOST "!#$%&'*+-.^_`|~09AZaz: v\r\n\r\n", "",
	   "a field name of every tchar",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 2,
	   F1("!#$%&'*+-.^_`|~09azaz", "v")),
	OK(RL HOST "X-Q: \"a:b\", c=d;e  \r\n\r\n", "",
	   "a value may hold ':', quotes and separators",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 2,
	   F1("x-q", "\"a:b\", c=d;e")),
	OK(RL "X-A: 1\r\n" HOST "X-A: 2\r\n\r\n", "",
	   "Host need not come first; repeated fields are all kept",
	   .method = "GET", .path = "/", .host = "a.example", .n_fields = 3,
	   F1("x-a", "1")),

	/* ---- incomplete ---- */
	MORE("", "nothing yet"),
	MORE(RL HOST, "no blank line yet"),
	MORE(RL HOST "\r", "a CR at the end waits for the next byte"),
	MORE("\r", "a first CR may still be anything"),

	/* ---- bytes refused on arrival (RFC 9112 section 2.2) ---- */
	BAD("GE\0T / HTTP/1.1\r\n" HOST "\r\n", NUL, "NUL in the method"),
	BAD(RL HOST "X: a\0b\r\n\r\n", NUL, "NUL in a value"),
	BAD(RL "Ho\0st: a\r\n\r\n", NUL, "NUL in a name"),
	BAD("GET /\0", NUL, "NUL is refused before the header ends"),
	BAD("GET / HTTP/1.1\rHost: a\r\n\r\n", BARE_CR,
	    "bare CR ending the request line"),
	BAD(RL "X: a\rb\r\n" HOST "\r\n", BARE_CR, "bare CR in a value"),
	BAD(RL HOST "\r\r\n", BARE_CR, "CR CR LF at the end"),
	BAD("GET / HTTP/1.1\nHost: a\n\n", BARE_LF, "LF-only lines"),
	BAD(RL HOST "\n", BARE_LF, "header ended by a bare LF"),
	BAD(RL "X: a\nb\r\n" HOST "\r\n", BARE_LF, "bare LF in a value"),
	BAD("\nGET / HTTP/1.1\r\n" HOST "\r\n", BARE_LF, "leading bare LF"),

	/* ---- request line (RFC 9112 section 3) ---- */
	BAD("\r\n" RL HOST "\r\n", REQUEST_LINE,
	    "an empty line before the request line (deliberately strict)"),
	BAD("\r\n\r\n", REQUEST_LINE, "only a blank line"),
	BAD("GET  / HTTP/1.1\r\n" HOST "\r\n", REQUEST_LINE,
	    "two SP after the method"),
	BAD("GET /  HTTP/1.1\r\n" HOST "\r\n", REQUEST_LINE,
	    "two SP after the target"),
	BAD("GET / HTTP/1.1 \r\n" HOST "\r\n", REQUEST_LINE,
	    "SP after the version"),
	BAD("GET / HTTP/1.1 x\r\n" HOST "\r\n", REQUEST_LINE,
	    "a fourth part"),
	BAD("GET /\r\n" HOST "\r\n", REQUEST_LINE, "HTTP/0.9-style, no version"),
	BAD("GET\r\n" HOST "\r\n", REQUEST_LINE, "method only"),
	BAD(" GET / HTTP/1.1\r\n" HOST "\r\n", REQUEST_LINE,
	    "whitespace before the method"),
	BAD("G@T / HTTP/1.1\r\n" HOST "\r\n", METHOD, "'@' is not a tchar"),
	BAD("GET\t/ HTTP/1.1\r\n" HOST "\r\n", METHOD,
	    "HTAB is not a separator"),
	BAD("G\xc3\x89T / HTTP/1.1\r\n" HOST "\r\n", METHOD,
	    "obs-text in the method"),
	BAD("GET /a\x7f HTTP/1.1\r\n" HOST "\r\n", TARGET, "DEL in the target"),
	BAD("GET /caf\xc3\xa9 HTTP/1.1\r\n" HOST "\r\n", TARGET,
	    "obs-text in the target"),
	BAD("GET /a\tb HTTP/1.1\r\n" HOST "\r\n", TARGET, "HTAB in the target"),
	BAD("GET foo HTTP/1.1\r\n" HOST "\r\n", TARGET,
	    "a relative target"),
	BAD("GET * HTTP/1.1\r\n" HOST "\r\n", TARGET, "'*' without OPTIONS"),
	BAD("options * HTTP/1.1\r\n" HOST "\r\n", TARGET,
	    "methods are case-sensitive: 'options' is not OPTIONS"),
	BAD("OPTIONS *x HTTP/1.1\r\n" HOST "\r\n", TARGET,
	    "asterisk-form is exactly '*'"),
	BAD("CONNECT a.example:443 HTTP/1.1\r\n" HOST "\r\n", CONNECT,
	    "authority-form: not a forward proxy"),
	BAD("CONNECT / HTTP/1.1\r\n" HOST "\r\n", CONNECT,
	    "CONNECT with any target"),
	BAD("GET ftp://a.example/ HTTP/1.1\r\n" HOST "\r\n", TARGET,
	    "scheme other than http(s)"),
	BAD("GET http:/a HTTP/1.1\r\n" HOST "\r\n", TARGET,
	    "absolute-form without '//'"),
	BAD("GET http:///a HTTP/1.1\r\n" HOST "\r\n", TARGET,
	    "absolute-form with an empty host (RFC 9110 section 4.2.1)"),
	BAD("GET http://u@a.example/ HTTP/1.1\r\n" HOST "\r\n", TARGET,
	    "userinfo in the target (RFC 9110 section 4.2.4)"),
	BAD("GET http://a.example:x/ HTTP/1.1\r\n" HOST "\r\n", TARGET,
	    "bad port in the target"),
	BAD("GET / HTTP/1.2\r\n" HOST "\r\n", VERSION, "HTTP/1.2"),
	BAD("GET / HTTP/2.0\r\n" HOST "\r\n", VERSION, "HTTP/2.0"),
	BAD("GET / http/1.1\r\n" HOST "\r\n", VERSION,
	    "the version is case-sensitive (RFC 9112 section 2.3)"),
	BAD("GET / HTTP/1.10\r\n" HOST "\r\n", VERSION, "HTTP/1.10"),
	BAD("GET / HTTP/1\r\n" HOST "\r\n", VERSION, "HTTP/1"),
	BAD("GET / \r\n" HOST "\r\n", VERSION, "empty version"),

	/* ---- field lines (RFC 9112 section 5) ---- */
	BAD(RL ": a\r\n" HOST "\r\n", FIELD_NAME, "empty name"),
	BAD(RL "Ho(st: a\r\n\r\n", FIELD_NAME, "'(' in a name"),
	BAD(RL "Host a.example\r\n\r\n", FIELD_NAME, "no colon"),
	BAD(RL "X Y: a\r\n" HOST "\r\n", FIELD_NAME, "SP inside a name"),
	BAD(RL "X\xc3\xa9: a\r\n" HOST "\r\n", FIELD_NAME, "obs-text in a name"),
	BAD(RL "Host : a.example\r\n\r\n", FIELD_WS,
	    "SP between name and colon (RFC 9112 section 5.1)"),
	BAD(RL HOST "Content-Length\t: 5\r\n\r\n", FIELD_WS,
	    "HTAB between name and colon"),
	BAD(RL " " HOST "\r\n", OBS_FOLD,
	    "whitespace before the first field (RFC 9112 section 2.2)"),
	BAD(RL HOST "X: a\r\n b\r\n\r\n", OBS_FOLD, "obs-fold with SP"),
	BAD(RL HOST "X: a\r\n\tb\r\n\r\n", OBS_FOLD, "obs-fold with HTAB"),
	BAD(RL HOST "X: a\x01" "b\r\n\r\n", FIELD_VALUE, "CTL in a value"),
	BAD(RL HOST "X: a\x7f\r\n\r\n", FIELD_VALUE, "DEL in a value"),
	BAD(RL HOST "X: \x1b[31m\r\n\r\n", FIELD_VALUE, "ESC in a value"),
	BAD(RL HOST "X: a\x0b\r\n\r\n", FIELD_VALUE, "VT in a value"),

	/* ---- Content-Length (RFC 9110 section 8.6, RFC 9112 6.3) ---- */
	BAD(RL HOST "Content-Length: abc\r\n\r\n", CONTENT_LENGTH, "letters"),
	BAD(RL HOST "Content-Length: -1\r\n\r\n", CONTENT_LENGTH, "a sign"),
	BAD(RL HOST "Content-Length: +1\r\n\r\n", CONTENT_LENGTH, "a plus"),
	BAD(RL HOST "Content-Length: 1 2\r\n\r\n", CONTENT_LENGTH,
	    "inner space"),
	BAD(RL HOST "Content-Length: 5,5\r\n\r\n", CONTENT_LENGTH,
	    "a list, even of equal values"),
	BAD(RL HOST "Content-Length:\r\n\r\n", CONTENT_LENGTH, "empty"),
	BAD(RL HOST "Content-Length: 1000000000000000000\r\n\r\n",
	    CONTENT_LENGTH, "19 digits"),
	BAD(RL HOST "Content-Length: 99999999999999999999999\r\n\r\n",
	    CONTENT_LENGTH, "would overflow int64"),
	BAD(RL HOST "Content-Length: 0x10\r\n\r\n", CONTENT_LENGTH, "hex"),
	BAD(RL HOST "Content-Length: 5\r\ncontent-length: 5\r\n\r\n",
	    CONTENT_LENGTH, "repeated, same value"),
	BAD(RL HOST "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
	    CONTENT_LENGTH, "repeated, different values"),

	/* ---- Transfer-Encoding (RFC 9112 section 6.1) ---- */
	BAD("POST / HTTP/1.1\r\n" HOST "Content-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", CL_AND_TE,
	    "Content-Length then Transfer-Encoding"),
	BAD("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n", CL_AND_TE,
	    "Transfer-Encoding then Content-Length"),
	BAD("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: gzip\r\n\r\n",
	    TRANSFER_ENCODING, "not ending in chunked"),
	BAD("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked, gzip\r\n\r\n",
	    TRANSFER_ENCODING, "chunked not last"),
	BAD("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: gzip\r\n\r\n", TRANSFER_ENCODING,
	    "chunked not last across fields"),
	BAD("POST / HTTP/1.1\r\n" HOST
	    "Transfer-Encoding: chunked, chunked\r\n\r\n", TRANSFER_ENCODING,
	    "chunked twice"),
	BAD("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding:\r\n\r\n",
	    TRANSFER_ENCODING, "empty"),
	BAD("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: chunk ed\r\n\r\n",
	    TRANSFER_ENCODING, "a member with a space"),
	BAD("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: \"chunked\"\r\n\r\n",
	    TRANSFER_ENCODING, "a quoted member"),
	BAD("POST / HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked;x=1\r\n\r\n",
	    TRANSFER_ENCODING, "a member with parameters"),
	BAD("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
	    TRANSFER_ENCODING, "Transfer-Encoding on HTTP/1.0"),

	/* ---- Host (RFC 9112 section 3.2, RFC 3986 section 3.2.2) ---- */
	BAD(RL "\r\n", NO_HOST, "HTTP/1.1 without Host"),
	BAD(RL "X-Host: a\r\n\r\n", NO_HOST, "X-Host is not Host"),
	BAD("GET http://a.example/ HTTP/1.1\r\n\r\n", NO_HOST,
	    "absolute-form still needs Host"),
	BAD(RL HOST HOST "\r\n", MULTIPLE_HOST, "Host twice, same value"),
	BAD(RL HOST "host: b.example\r\n\r\n", MULTIPLE_HOST,
	    "Host twice, differently cased"),
	BAD(RL "Host: a b\r\n\r\n", HOST, "SP in Host"),
	BAD(RL "Host: a/b\r\n\r\n", HOST, "'/' in Host"),
	BAD(RL "Host: u@a\r\n\r\n", HOST, "userinfo in Host"),
	BAD(RL "Host: [::1\r\n\r\n", HOST, "unclosed '['"),
	BAD(RL "Host: ::1\r\n\r\n", HOST, "IPv6 without brackets"),
	BAD(RL "Host: []\r\n\r\n", HOST, "empty brackets"),
	BAD(RL "Host: [::1]x\r\n\r\n", HOST, "junk after ']'"),
	BAD(RL "Host: a:80x\r\n\r\n", HOST, "junk in the port"),
	BAD(RL "Host: a:123456\r\n\r\n", HOST, "six-digit port"),
	BAD(RL "Host: a:b:c\r\n\r\n", HOST, "two colons"),
	BAD(RL "Host: a%zz\r\n\r\n", HOST, "bad pct-encoding"),
	BAD(RL "Host: a%4\r\n\r\n", HOST, "truncated pct-encoding"),
	BAD(RL "Host: a\\b\r\n\r\n", HOST, "backslash in Host"),
	BAD(RL "Host: a\xc3\xa9\r\n\r\n", HOST, "obs-text in Host"),
};

/* ---- helpers ---- */

/* Inputs are copied to end right before an unreadable page, so reading
 * buf[len] faults even where ASan would not see it. Sized for the limit
 * tests (65535 + a few bytes). */
#define GUARD_BYTES (80u * 1024)
static char *guard_base;
static size_t guard_map_len;

static int guard_setup(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t data = (GUARD_BYTES + page - 1) / page * page;

	(void)state;
	guard_map_len = data + page;
	guard_base = mmap(NULL, guard_map_len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_base == MAP_FAILED)
		return -1;
	if (mprotect(guard_base + data, page, PROT_NONE) != 0)
		return -1;
	guard_base += data;   /* now the first unreadable byte */
	return 0;
}

static int guard_teardown(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	(void)state;
	munmap(guard_base - (guard_map_len - page), guard_map_len);
	return 0;
}

/* Copy IN[0..LEN) so that its last byte is the last readable one. */
static const char *at_guard(const char *in, size_t len)
{
	assert_true(len <= GUARD_BYTES);
	memcpy(guard_base - len, in, len);
	return guard_base - len;
}

static int parse_once(struct http_req *r, const char *buf, size_t len)
{
	http_req_init(r);
	return http_parse_request(r, buf, len);
}

/* Feed BUF[0..LEN) growing by STEP bytes (the last step may be shorter),
 * to one state, until a result other than HTTP_INCOMPLETE or the end. */
static int parse_in_steps(struct http_req *r, const char *buf, size_t len,
			  size_t step)
{
	int ret = HTTP_INCOMPLETE;

	http_req_init(r);
	for (size_t n = 0; ret == HTTP_INCOMPLETE; n += step) {
		if (n > len)
			n = len;
		ret = http_parse_request(r, buf, n);
		if (n == len)
			break;
	}
	return ret;
}

static void expect_result(const struct tcase *c, int ret,
			  const struct http_req *r, const char *how)
{
	if (ret != c->ret || (ret == HTTP_ERROR && r->error != c->err))
		fail_msg("\"%s\" (%s): got %d (%s), expected %d (%s)", c->why,
			 how, ret, ret == HTTP_ERROR ? http_error_str(r->error) :
			 "-", c->ret, c->ret == HTTP_ERROR ?
			 http_error_str(c->err) : "-");
}

#define check(c, cond)                                                        \
	do {                                                                  \
		if (!(cond))                                                  \
			fail_msg("\"%s\": %s (line %d)", (c)->why, #cond,     \
				 __LINE__);                                   \
	} while (0)

static bool str_eq(const char *p, size_t n, const char *want)
{
	return p != NULL && n == strlen(want) && memcmp(p, want, n) == 0;
}

/* P[0..N) lies inside the header BUF[0..LEN). */
static bool inside(const char *p, size_t n, const char *buf, size_t len)
{
	return p >= buf && p <= buf + len && n <= (size_t)(buf + len - p);
}

static void expect_fields(const struct tcase *c, const struct http_req *r,
			  const char *buf)
{
	size_t hl = (size_t)c->ret;

	check(c, r->error == HTTP_ERR_NONE);
	check(c, str_eq(r->method, r->method_len, c->method));
	check(c, inside(r->method, r->method_len, buf, hl));
	check(c, inside(r->target, r->target_len, buf, hl));
	check(c, str_eq(r->path, r->path_len, c->path));
	/* The one pointer allowed outside: "/" for an empty absolute path. */
	check(c, inside(r->path, r->path_len, buf, hl) ||
		 str_eq(r->path, r->path_len, "/"));
	if (c->query == NULL) {
		check(c, r->query == NULL && r->query_len == 0);
	} else {
		check(c, str_eq(r->query, r->query_len, c->query));
		check(c, inside(r->query, r->query_len, buf, hl));
	}
	if (c->host == NULL) {
		check(c, r->host == NULL && r->host_len == 0);
	} else {
		check(c, str_eq(r->host, r->host_len, c->host));
		check(c, inside(r->host, r->host_len, buf, hl));
	}
	check(c, r->minor == (c->v10 ? 0 : 1));
	check(c, r->n_fields == c->n_fields);
	check(c, r->content_length == (c->has_cl ? c->cl : -1));
	check(c, r->chunked == c->chunked);
	for (int i = 0; i < r->n_fields; i++) {
		const struct http_field *f = &r->fields[i];
		check(c, f->name_len > 0);
		check(c, inside(f->name, f->name_len, buf, hl));
		check(c, inside(f->value, f->value_len, buf, hl));
	}
	for (size_t i = 0; i < ARRAY_SIZE(c->fname) && c->fname[i]; i++) {
		int k = http_find_field(r, c->fname[i], strlen(c->fname[i]), 0);
		check(c, k >= 0);
		check(c, str_eq(r->fields[k].value, r->fields[k].value_len,
				c->fvalue[i]));
	}
}

/* Two parses of the same buffer agree on everything they report. */
static void expect_same(const struct tcase *c, int ra,
			const struct http_req *a, int rb,
			const struct http_req *b)
{
	check(c, ra == rb);
	check(c, a->error == b->error);
	if (ra <= 0)
		return;
	check(c, a->method == b->method && a->method_len == b->method_len);
	check(c, a->target == b->target && a->target_len == b->target_len);
	check(c, a->path == b->path && a->path_len == b->path_len);
	check(c, a->query == b->query && a->query_len == b->query_len);
	check(c, a->host == b->host && a->host_len == b->host_len);
	check(c, a->minor == b->minor && a->chunked == b->chunked);
	check(c, a->content_length == b->content_length);
	check(c, a->n_fields == b->n_fields);
	check(c, memcmp(a->fields, b->fields,
			a->n_fields * sizeof(a->fields[0])) == 0);
}

static struct http_req ra, rb;

/* ---- the table ---- */

static void table_holds_enough_cases(void **state)
{
	int ok = 0, bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ok += cases[i].ret > 0;
		bad += cases[i].ret == HTTP_ERROR;
	}
	assert_true(ok >= 25);
	assert_true(bad >= 40);
}

static void valid_requests_yield_their_parts(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tcase *c = &cases[i];
		int ret = parse_once(&ra, c->in, c->len);

		expect_result(c, ret, &ra, "at once");
		if (ret > 0)
			expect_fields(c, &ra, c->in);
	}
}

static void every_error_reason_is_covered(void **state)
{
	bool seen[HTTP_ERR__COUNT] = { false };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (cases[i].ret == HTTP_ERROR)
			seen[cases[i].err] = true;
	/* The two limits have tests of their own below. */
	seen[HTTP_ERR_NONE] = true;
	seen[HTTP_ERR_TOO_MANY_FIELDS] = true;
	seen[HTTP_ERR_TOO_LARGE] = true;
	for (int e = 0; e < HTTP_ERR__COUNT; e++)
		if (!seen[e])
			fail_msg("no case for %s", http_error_str(e));
}

static void every_truncated_prefix_is_incomplete(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tcase *c = &cases[i];

		if (c->ret <= 0)
			continue;
		/* A fresh state per prefix... */
		for (size_t n = 0; n < c->len; n++) {
			int ret = parse_once(&ra, c->in, n);
			if (n < (size_t)c->ret)
				check(c, ret == HTTP_INCOMPLETE);
			else
				check(c, ret == c->ret);
		}
		/* ...and one state fed every prefix in turn. */
		http_req_init(&rb);
		for (size_t n = 0; n < (size_t)c->ret; n++)
			check(c, http_parse_request(&rb, c->in, n) ==
				 HTTP_INCOMPLETE);
		int ret = http_parse_request(&rb, c->in, c->len);
		expect_result(c, ret, &rb, "after every prefix");
		expect_fields(c, &rb, c->in);
	}
}

static void byte_by_byte_gives_the_same_result_as_at_once(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tcase *c = &cases[i];
		int a = parse_once(&ra, c->in, c->len);
		int b = parse_in_steps(&rb, c->in, c->len, 1);

		expect_result(c, b, &rb, "byte by byte");
		expect_same(c, a, &ra, b, &rb);
	}
}

static void every_two_way_split_gives_the_same_result(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tcase *c = &cases[i];
		int a = parse_once(&ra, c->in, c->len);

		for (size_t cut = 0; cut <= c->len; cut++) {
			http_req_init(&rb);
			int b = http_parse_request(&rb, c->in, cut);
			if (b == HTTP_INCOMPLETE)
				b = http_parse_request(&rb, c->in, c->len);
			expect_result(c, b, &rb, "split in two");
			expect_same(c, a, &ra, b, &rb);
		}
		for (size_t step = 2; step < 9; step++) {
			int b = parse_in_steps(&rb, c->in, c->len, step);
			expect_same(c, a, &ra, b, &rb);
		}
	}
}

static void no_prefix_is_read_past_its_end(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct tcase *c = &cases[i];

		for (size_t n = 0; n <= c->len; n++) {
			const char *g = at_guard(c->in, n);
			int a = parse_once(&ra, g, n);
			int b = parse_once(&rb, c->in, n);
			check(c, a == b && ra.error == rb.error);
		}
		const char *g = at_guard(c->in, c->len);
		expect_result(c, parse_in_steps(&ra, g, c->len, 1), &ra,
			      "byte by byte at the guard page");
	}
}

static void body_past_the_header_is_never_read(void **state)
{
	static const char head[] = "POST / HTTP/1.1\r\nHost: a\r\n"
				   "Content-Length: 100\r\n\r\n";
	size_t n = sizeof(head) - 1;

	(void)state;
	/* The 100 body bytes LEN claims are in the unreadable page. */
	const char *g = at_guard(head, n);
	assert_int_equal(parse_once(&ra, g, n + 100), (int)n);
	assert_int_equal(ra.content_length, 100);
	assert_int_equal(parse_in_steps(&rb, g, n + 100, 1), (int)n);
}

/* ---- every byte value, at every offset of a long run ---- */

/* What a byte C inside a target or a value must give, byte by byte. */
static int judge(unsigned char c, bool in_value, enum http_error *err)
{
	*err = HTTP_ERR_NONE;
	if (c == 0)
		*err = HTTP_ERR_NUL;
	else if (c == '\n')
		*err = HTTP_ERR_BARE_LF;
	else if (c == '\r')
		*err = HTTP_ERR_BARE_CR;
	else if (in_value && (c == '\t' || c >= 0x20) && c != 0x7f)
		return 0;
	else if (in_value)
		*err = HTTP_ERR_FIELD_VALUE;
	else if (c > 0x20 && c < 0x7f)
		return 0;
	else if (c == ' ')   /* a fourth part in the request line */
		*err = HTTP_ERR_REQUEST_LINE;
	else
		*err = HTTP_ERR_TARGET;
	return HTTP_ERROR;
}

/* The parser skips long runs a word at a time; whatever the alignment, each
 * byte must be judged as the byte-level rules say. */
static void every_byte_at_every_offset_is_judged_alike(void **state)
{
	static const char vhead[] = RL HOST "X: ";
	static const char thead[] = "GET /";
	char in[128];

	(void)state;
	for (int part = 0; part < 2; part++) {
		const char *head = part ? vhead : thead;
		size_t h = strlen(head);
		for (size_t off = 0; off < 24; off++) {
			for (int c = 0; c < 256; c++) {
				size_t n = h;
				enum http_error want;

				memcpy(in, head, h);
				memset(in + n, 'a', 24);
				in[n + off] = (char)c;
				n += 24;
				if (part) {
					memcpy(in + n, "\r\n\r\n", 4);
					n += 4;
				} else {
					static const char rest[] =
						" HTTP/1.1\r\n" HOST "\r\n";
					memcpy(in + n, rest, sizeof(rest) - 1);
					n += sizeof(rest) - 1;
				}
				int ret = judge((unsigned char)c, part, &want);
				if (ret == 0)
					ret = (int)n;
				const char *g = at_guard(in, n);
				int a = parse_once(&ra, g, n);
				int b = parse_in_steps(&rb, g, n, 1);
				if (a != ret || b != ret ||
				    (ret < 0 && (ra.error != want ||
						 rb.error != want)))
					fail_msg("byte 0x%02x at offset %zu of "
						 "a %s: got %d (%s)", c, off,
						 part ? "value" : "target", a,
						 http_error_str(ra.error));
			}
		}
	}
}

/* ---- errors on arrival ---- */

static void bad_bytes_are_refused_as_soon_as_they_arrive(void **state)
{
	static const char nul[] = RL "X: a\0";
	static const char cr[] = RL "X: a\rb";
	static const char lf[] = RL "X: a\nb";

	(void)state;
	http_req_init(&ra);
	assert_int_equal(http_parse_request(&ra, nul, sizeof(nul) - 2),
			 HTTP_INCOMPLETE);
	assert_int_equal(http_parse_request(&ra, nul, sizeof(nul) - 1),
			 HTTP_ERROR);
	assert_int_equal(ra.error, HTTP_ERR_NUL);

	/* A CR is judged once the byte after it is in. */
	http_req_init(&ra);
	assert_int_equal(http_parse_request(&ra, cr, sizeof(cr) - 2),
			 HTTP_INCOMPLETE);
	assert_int_equal(http_parse_request(&ra, cr, sizeof(cr) - 1),
			 HTTP_ERROR);
	assert_int_equal(ra.error, HTTP_ERR_BARE_CR);

	assert_int_equal(parse_once(&ra, lf, sizeof(lf) - 2), HTTP_ERROR);
	assert_int_equal(ra.error, HTTP_ERR_BARE_LF);
}

static void a_finished_parse_returns_the_same_again(void **state)
{
	static const char ok[] = RL HOST "\r\n";
	static const char bad[] = RL "Host : a\r\n\r\n";

	(void)state;
	http_req_init(&ra);
	assert_int_equal(http_parse_request(&ra, ok, sizeof(ok) - 1),
			 (int)sizeof(ok) - 1);
	assert_int_equal(http_parse_request(&ra, ok, sizeof(ok) - 1),
			 (int)sizeof(ok) - 1);
	assert_int_equal(ra.n_fields, 1);
	http_req_init(&ra);
	assert_int_equal(http_parse_request(&ra, bad, sizeof(bad) - 1),
			 HTTP_ERROR);
	assert_int_equal(http_parse_request(&ra, bad, sizeof(bad) - 1),
			 HTTP_ERROR);
	assert_int_equal(ra.error, HTTP_ERR_FIELD_WS);
}

/* ---- limits ---- */

static char big[70000];

/* A request whose one long field fills it to LEN bytes; with END, the last
 * four of those are the CRLFCRLF that ends it. */
static void fill_request(size_t len, bool end)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
	size_t h = sizeof(head) - 1;

	assert_true(len <= sizeof(big) && len >= h + 4);
	memcpy(big, head, h);
	memset(big + h, 'a', len - h);
	if (end)
		memcpy(big + len - 4, "\r\n\r\n", 4);
}

static void header_still_open_at_65535_bytes_is_too_large(void **state)
{
	(void)state;
	fill_request(65534, false);
	assert_int_equal(parse_once(&ra, at_guard(big, 65534), 65534),
			 HTTP_INCOMPLETE);

	fill_request(65535, false);
	assert_int_equal(parse_once(&ra, at_guard(big, 65535), 65535),
			 HTTP_ERROR);
	assert_int_equal(ra.error, HTTP_ERR_TOO_LARGE);
	assert_int_equal(http_error_status(ra.error), 431);
	assert_int_equal(parse_in_steps(&ra, big, 65535, 1), HTTP_ERROR);
	assert_int_equal(ra.error, HTTP_ERR_TOO_LARGE);

	/* A CR in the last allowed byte can only start a longer header. */
	fill_request(65535, false);
	memcpy(big + 65532, "\r\n\r", 3);
	assert_int_equal(parse_once(&ra, at_guard(big, 65535), 65535),
			 HTTP_ERROR);
	assert_int_equal(ra.error, HTTP_ERR_TOO_LARGE);

	fill_request(sizeof(big), false);
	assert_int_equal(parse_once(&ra, big, sizeof(big)), HTTP_ERROR);
	assert_int_equal(ra.error, HTTP_ERR_TOO_LARGE);
	assert_int_equal(parse_in_steps(&ra, big, sizeof(big), 4096),
			 HTTP_ERROR);
	assert_int_equal(ra.error, HTTP_ERR_TOO_LARGE);
}

static void header_of_exactly_65535_bytes_is_accepted(void **state)
{
	(void)state;
	fill_request(65535, true);
	assert_int_equal(parse_once(&ra, at_guard(big, 65535), 65535), 65535);
	assert_int_equal(ra.n_fields, 2);
	assert_int_equal(ra.fields[1].value_len,
			 65535 - (sizeof("GET / HTTP/1.1\r\nHost: a\r\nX: ") - 1)
			 - 4);
	assert_int_equal(parse_in_steps(&rb, big, 65535, 1), 65535);

	/* With a body after it, LEN may exceed the limit. */
	memset(big + 65535, 'b', sizeof(big) - 65535);
	assert_int_equal(parse_once(&ra, big, sizeof(big)), 65535);
}

static void header_of_65536_bytes_is_too_large(void **state)
{
	(void)state;
	fill_request(65536, true);
	assert_int_equal(parse_once(&ra, at_guard(big, 65536), 65536),
			 HTTP_ERROR);
	assert_int_equal(ra.error, HTTP_ERR_TOO_LARGE);
	assert_int_equal(parse_in_steps(&rb, big, 65536, 1), HTTP_ERROR);
	assert_int_equal(rb.error, HTTP_ERR_TOO_LARGE);
}

static void small_header_before_a_large_body_is_fine(void **state)
{
	static const char head[] = "POST / HTTP/1.1\r\nHost: a\r\n"
				   "Content-Length: 69000\r\n\r\n";

	(void)state;
	memset(big, 'x', sizeof(big));
	memcpy(big, head, sizeof(head) - 1);
	assert_int_equal(parse_once(&ra, big, sizeof(big)),
			 (int)sizeof(head) - 1);
	assert_int_equal(ra.content_length, 69000);
}

/* Host, then N - 1 fields all named X-F. */
static size_t fields_request(int n)
{
	size_t len = (size_t)snprintf(big, sizeof(big), "%s",
				      "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 1; i < n; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len,
					"X-F: %d\r\n", i);
	memcpy(big + len, "\r\n", 2);
	return len + 2;
}

static void a_hundred_fields_are_accepted(void **state)
{
	size_t len = fields_request(HTTP_MAX_FIELDS);
	int count = 0;

	(void)state;
	assert_int_equal(parse_once(&ra, at_guard(big, len), len), (int)len);
	assert_int_equal(ra.n_fields, HTTP_MAX_FIELDS);
	assert_int_equal(parse_in_steps(&rb, big, len, 1), (int)len);
	assert_int_equal(rb.n_fields, HTTP_MAX_FIELDS);
	/* http_find_field() resumes after a match. */
	for (int k = http_find_field(&rb, "x-f", 3, 0); k >= 0;
	     k = http_find_field(&rb, "x-f", 3, k + 1)) {
		assert_int_equal(k, count + 1);
		count++;
	}
	assert_int_equal(count, HTTP_MAX_FIELDS - 1);
}

static void a_hundred_and_one_fields_are_too_many(void **state)
{
	size_t len = fields_request(HTTP_MAX_FIELDS + 1);

	(void)state;
	assert_int_equal(parse_once(&ra, at_guard(big, len), len), HTTP_ERROR);
	assert_int_equal(ra.error, HTTP_ERR_TOO_MANY_FIELDS);
	assert_int_equal(http_error_status(ra.error), 431);
	assert_int_equal(parse_in_steps(&rb, big, len, 1), HTTP_ERROR);
	assert_int_equal(rb.error, HTTP_ERR_TOO_MANY_FIELDS);
}

/* ---- error table and field lookup ---- */

static void every_error_has_a_status_and_a_text(void **state)
{
	(void)state;
	assert_int_equal(http_error_status(HTTP_ERR_NONE), 0);
	for (int e = 1; e < HTTP_ERR__COUNT; e++) {
		int want = e == HTTP_ERR_TOO_MANY_FIELDS ||
			   e == HTTP_ERR_TOO_LARGE ? 431 :
			   e == HTTP_ERR_CONNECT ? 405 : 400;
		assert_int_equal(http_error_status(e), want);
		assert_non_null(http_error_str(e));
		assert_true(strlen(http_error_str(e)) > 0);
		for (int o = 0; o < e; o++)
			assert_string_not_equal(http_error_str(e),
						http_error_str(o));
	}
	assert_string_equal(http_error_str(HTTP_ERR_BARE_CR), "bare CR");
	assert_int_equal(http_error_status(HTTP_ERR__COUNT), 400);
	assert_non_null(http_error_str(HTTP_ERR__COUNT));
	assert_non_null(http_error_str((enum http_error)-1));
}

static void name_comparison_ignores_case_only(void **state)
{
	struct http_field f = { .name = "Content-Type", .name_len = 12 };
	struct http_field caret = { .name = "^", .name_len = 1 };
	struct http_field bracket = { .name = "[", .name_len = 1 };

	(void)state;
	assert_true(http_name_eq(&f, "content-type", 12));
	assert_false(http_name_eq(&f, "content-typ", 11));
	assert_false(http_name_eq(&f, "content-typf", 12));
	assert_false(http_name_eq(&f, "content-type1", 13));
	/* Case folding is for letters only: '^' | 0x20 == '~'. */
	assert_false(http_name_eq(&caret, "~", 1));
	assert_false(http_name_eq(&bracket, "{", 1));
}

static void find_field_starts_at_from_and_misses_with_minus_one(void **state)
{
	static const char req[] = RL "X-A: 1\r\n" HOST "x-a: 2\r\n\r\n";

	(void)state;
	assert_int_equal(parse_once(&ra, req, sizeof(req) - 1),
			 (int)sizeof(req) - 1);
	assert_int_equal(http_find_field(&ra, "x-a", 3, 0), 0);
	assert_int_equal(http_find_field(&ra, "x-a", 3, 1), 2);
	assert_int_equal(http_find_field(&ra, "x-a", 3, 3), -1);
	assert_int_equal(http_find_field(&ra, "host", 4, 0), 1);
	assert_int_equal(http_find_field(&ra, "x-b", 3, 0), -1);
	assert_int_equal(http_find_field(&ra, "x-a", 3, -5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_holds_enough_cases),
		cmocka_unit_test(valid_requests_yield_their_parts),
		cmocka_unit_test(every_error_reason_is_covered),
		cmocka_unit_test(every_truncated_prefix_is_incomplete),
		cmocka_unit_test(byte_by_byte_gives_the_same_result_as_at_once),
		cmocka_unit_test(every_two_way_split_gives_the_same_result),
		cmocka_unit_test(no_prefix_is_read_past_its_end),
		cmocka_unit_test(body_past_the_header_is_never_read),
		cmocka_unit_test(every_byte_at_every_offset_is_judged_alike),
		cmocka_unit_test(bad_bytes_are_refused_as_soon_as_they_arrive),
		cmocka_unit_test(a_finished_parse_returns_the_same_again),
		cmocka_unit_test(header_still_open_at_65535_bytes_is_too_large),
		cmocka_unit_test(header_of_exactly_65535_bytes_is_accepted),
		cmocka_unit_test(header_of_65536_bytes_is_too_large),
		cmocka_unit_test(small_header_before_a_large_body_is_fine),
		cmocka_unit_test(a_hundred_fields_are_accepted),
		cmocka_unit_test(a_hundred_and_one_fields_are_too_many),
		cmocka_unit_test(every_error_has_a_status_and_a_text),
		cmocka_unit_test(name_comparison_ignores_case_only),
		cmocka_unit_test(find_field_starts_at_from_and_misses_with_minus_one),
	};

	/* Every test, once per scan path this CPU runs (http-int.h), so the
	 * scalar path stays tested where a vector one is the default. */
	int failed = 0, ran = 0;
	for (int i = 0; i < http_path_count(); i++) {
		if (http_path_use(i) != 0) {
			printf("path %s: not supported by this CPU, skipped\n",
			       http_path_name(i));
			continue;
		}
		printf("path %s\n", http_path_name(i));
		failed += cmocka_run_group_tests_name(http_path_name(i), tests,
						      guard_setup,
						      guard_teardown);
		ran++;
	}
	/* The scalar path at least, whatever the CPU. */
	return ran == 0 ? 1 : failed;
}
