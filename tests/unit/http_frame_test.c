/* HTTP/1.1 framing: tables of chunked bodies, response heads (with their
 * bodies) and requests, each input also fed at every two-way split, byte by
 * byte, in steps, against an unreadable page and in every truncated
 * prefix; the state after the same bytes must be the same however they were
 * cut. Plus the size limits and every byte value in each character class.
 * All of it runs once per response-head scan path (scalar, SSE2, AVX2) the
 * CPU has. */
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
#include "http_frame.h"
#include "http_frame_resp-int.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- chunked bodies ---- */

struct bcase {
	const char *in;           /* the body, then any bytes after it */
	size_t len;
	long ret;                 /* bytes of the body, or HF_BODY_ERROR */
	enum hf_error err;
	bool done;
	const char *why;
};

/* A complete body; NEXT follows it and must not be consumed. */
#define BODY(body, next, why_)                                                \
	{ .in = body next, .len = sizeof(body next) - 1,                     \
	  .ret = (long)sizeof(body) - 1, .done = true, .why = why_ }
/* An unfinished body: all of it consumed, not done. */
#define BODY_MORE(s, why_)                                                    \
	{ .in = s, .len = sizeof(s) - 1, .ret = (long)sizeof(s) - 1,         \
	  .why = why_ }
#define BODY_BAD(s, e, why_)                                                  \
	{ .in = s, .len = sizeof(s) - 1, .ret = HF_BODY_ERROR,               \
	  .err = HF_ERR_##e, .why = why_ }

#define END "0\r\n\r\n"

static const struct bcase bodies[] = {
	/* ---- valid ---- */
	BODY(END, "", "the smallest chunked body: only the last chunk"),
	BODY("5\r\nhello\r\n" END, "", "one chunk"),
	BODY("3\r\nabc\r\n2\r\nde\r\n1\r\nf\r\n" END, "", "several chunks"),
	BODY("A\r\n0123456789\r\n" END, "", "uppercase hex"),
	BODY("a\r\n0123456789\r\n" END, "", "lowercase hex"),
	BODY("1F\r\n0123456789abcdef0123456789abcde\r\n" END, "",
	     "two hex digits, mixed case"),
	BODY("0005\r\nhello\r\n000\r\n\r\n", "",
	     "leading zeros, and a last chunk of several zeros"),
	BODY("4\r\n\r\n\0\n\r\n" END, "",
	     "chunk data holding CRLF, NUL and LF is not looked at"),
	BODY("5;foo\r\nhello\r\n" END, "", "an extension without a value"),
	BODY("5;foo=bar\r\nhello\r\n" END, "", "an extension with a token value"),
	BODY("5 ; foo = bar ;\tbaz\t;q\r\nhello\r\n" END, "",
	     "BWS around ';' and '=', several extensions"),
	BODY("5;name=\"a b;c=d\"\r\nhello\r\n" END, "",
	     "a quoted value holding ';', '=' and SP"),
	BODY("5;n=\"a\\\"b\\\\c\\d\"\r\nhello\r\n" END, "",
	     "quoted-pairs in a quoted value"),
	BODY("5;n=\"\t\xc3\xa9\x80\xff\"\r\nhello\r\n" END, "",
	     "HTAB and obs-text in a quoted value"),
	BODY("5;n=\"\"\r\nhello\r\n" END, "", "an empty quoted value"),
	BODY("5;a;b=1;c=\"2\"\r\nhello\r\n" END, "", "a mix of extensions"),
	BODY("5;!#$%&'*+-.^_`|~09AZaz=!#$%&'*+-.^_`|~09AZaz\r\nhello\r\n" END,
	     "", "every tchar in a name and a token value"),
	BODY("0;last=yes\r\n\r\n", "", "an extension on the last chunk"),
	BODY("5\r\nhello\r\n0\r\nExpires: Wed, 21 Oct 2015 07:28:00 GMT\r\n\r\n",
	     "", "one trailer field"),
	BODY("0\r\nX-A: 1\r\nx-b:2\r\nX-C:  \t v a l \t\r\nX-Empty:\r\n\r\n", "",
	     "several trailer fields, with OWS and an empty value"),
	BODY("0\r\nX: caf\xc3\xa9 \x80\xff\r\n\r\n", "",
	     "obs-text in a trailer value"),
	BODY("0\r\nX: a:b \"c\" d=e;f\r\n\r\n", "",
	     "a trailer value may hold ':' and quotes"),
	BODY("5\r\nhello\r\n" END, "GET /next HTTP/1.1\r\nHost: a\r\n\r\n",
	     "the next request after the body is not consumed"),
	BODY(END, "\n\r\x00junk", "bytes after the end are not looked at"),
	BODY(END, END, "a second body after the first is not consumed"),

	/* ---- unfinished ---- */
	BODY_MORE("", "nothing yet"),
	BODY_MORE("5", "a size without its line end"),
	BODY_MORE("5\r\nhel", "inside chunk data"),
	BODY_MORE("5\r\nhello", "data complete, its CRLF not yet"),
	BODY_MORE("5\r\nhello\r", "half of the CRLF after the data"),
	BODY_MORE("0\r\n", "the last chunk without the end of the trailers"),
	BODY_MORE("0\r\nX: y\r\n", "a trailer without the final CRLF"),
	BODY_MORE("0\r\n\r", "half of the final CRLF"),
	BODY_MORE("5;n=\"a", "inside a quoted extension value"),

	/* ---- chunk-size (RFC 9112 section 7.1) ---- */
	BODY_BAD("\r\n", CHUNK_SIZE, "an empty size"),
	BODY_BAD("x\r\n", CHUNK_SIZE, "a size that is not hex"),
	BODY_BAD("-5\r\nhello\r\n" END, CHUNK_SIZE, "a sign"),
	BODY_BAD("+5\r\nhello\r\n" END, CHUNK_SIZE, "a plus"),
	BODY_BAD("0x5\r\nhello\r\n" END, CHUNK_SIZE, "a 0x prefix"),
	BODY_BAD(" 5\r\nhello\r\n" END, CHUNK_SIZE,
		 "whitespace before the size"),
	BODY_BAD("5x\r\nhello\r\n" END, CHUNK_SIZE, "junk after the size"),
	BODY_BAD(";a\r\n" END, CHUNK_SIZE, "an extension without a size"),
	BODY_BAD("1000000000000000\r\n", CHUNK_TOO_BIG,
		 "16 hex digits (2^60) do not fit the bound"),
	BODY_BAD("ffffffffffffffffff\r\n", CHUNK_TOO_BIG,
		 "a size that would overflow 64 bits"),

	/* ---- chunk-ext (RFC 9112 section 7.1.1) ---- */
	BODY_BAD("5 \r\nhello\r\n" END, CHUNK_EXT,
		 "BWS before CRLF is not in the grammar"),
	BODY_BAD("5;\r\nhello\r\n" END, CHUNK_EXT, "';' without a name"),
	BODY_BAD("5;=x\r\nhello\r\n" END, CHUNK_EXT, "an empty name"),
	BODY_BAD("5;a=\r\nhello\r\n" END, CHUNK_EXT, "'=' without a value"),
	BODY_BAD("5;a b\r\nhello\r\n" END, CHUNK_EXT,
		 "two names without ';'"),
	BODY_BAD("5;a=b c\r\nhello\r\n" END, CHUNK_EXT,
		 "a value with a space in it"),
	BODY_BAD("5;a@b\r\nhello\r\n" END, CHUNK_EXT, "'@' in a name"),
	BODY_BAD("5;a=b@c\r\nhello\r\n" END, CHUNK_EXT,
		 "'@' in a token value"),
	BODY_BAD("5;a=b\x7f\r\nhello\r\n" END, CHUNK_EXT, "DEL in a value"),
	BODY_BAD("5;a=\"x\r\nhello\r\n" END, CHUNK_EXT,
		 "an unterminated quoted value"),
	BODY_BAD("5;a=\"x\"y\r\nhello\r\n" END, CHUNK_EXT,
		 "junk after a quoted value"),
	BODY_BAD("5;a=\"\x01\"\r\nhello\r\n" END, CHUNK_EXT,
		 "a CTL in a quoted value"),
	BODY_BAD("5;a=\"\\\x01\"\r\nhello\r\n" END, CHUNK_EXT,
		 "a quoted-pair escaping a CTL"),
	BODY_BAD("5;a=\"\\\r\nhello\r\n" END, CHUNK_EXT,
		 "a quoted-pair escaping CR"),

	/* ---- the CRLF after chunk data ---- */
	BODY_BAD("5\r\nhelloX\r\n" END, CHUNK_CRLF,
		 "a longer chunk than its size says"),
	BODY_BAD("5\r\nhello0\r\n\r\n", CHUNK_CRLF,
		 "the next size right after the data"),
	BODY_BAD("5\r\nhello\n" END, CHUNK_CRLF, "only LF after the data"),
	BODY_BAD("5\r\nhello\rX", CHUNK_CRLF, "CR then junk after the data"),
	BODY_BAD("5\r\nhello\r\r\n", CHUNK_CRLF, "CR CR LF after the data"),

	/* ---- line endings and NUL (RFC 9112 section 2.2) ---- */
	BODY_BAD("5\rhello\r\n" END, BARE_CR, "a size line ended by CR"),
	BODY_BAD("5;a=b\rX", BARE_CR, "an extension line ended by CR"),
	BODY_BAD("0\r\n\rX", BARE_CR, "a bare CR as the final line"),
	BODY_BAD("0\r\nX: y\rZ\r\n\r\n", BARE_CR, "a bare CR in a trailer"),
	BODY_BAD("5\nhello\r\n" END, BARE_LF, "a size line ended by LF"),
	BODY_BAD("5;a\nhello\r\n" END, BARE_LF,
		 "an extension line ended by LF"),
	BODY_BAD("5;a=\"x\ny\"\r\n", BARE_LF, "LF in a quoted value"),
	BODY_BAD("0\n\n", BARE_LF, "a last chunk in LF-only lines"),
	BODY_BAD("0\r\n\n", BARE_LF, "the final line a bare LF"),
	BODY_BAD("0\r\nX: y\n\r\n", BARE_LF, "a trailer ended by LF"),
	BODY_BAD("\0", NUL, "NUL as the size"),
	BODY_BAD("5\0\r\n", NUL, "NUL after the size"),
	BODY_BAD("5;a=\"\0\"\r\n", NUL, "NUL in a quoted value"),
	BODY_BAD("0\r\nX: \0\r\n\r\n", NUL, "NUL in a trailer value"),
	BODY_BAD("0\r\nX\0: y\r\n\r\n", NUL, "NUL in a trailer name"),

	/* ---- trailer fields (RFC 9112 section 7.1.2, checked as header
	 * fields, section 5) ---- */
	BODY_BAD("0\r\n: x\r\n\r\n", FIELD_NAME, "an empty trailer name"),
	BODY_BAD("0\r\nX(y: z\r\n\r\n", FIELD_NAME, "'(' in a trailer name"),
	BODY_BAD("0\r\nX\r\n\r\n", FIELD_NAME, "a trailer line without ':'"),
	BODY_BAD("0\r\nX y: z\r\n\r\n", FIELD_NAME, "SP inside a name"),
	BODY_BAD("0\r\nX : y\r\n\r\n", FIELD_WS, "SP before the colon"),
	BODY_BAD("0\r\nX\t: y\r\n\r\n", FIELD_WS, "HTAB before the colon"),
	BODY_BAD("0\r\nX: a\x01" "b\r\n\r\n", FIELD_VALUE,
		 "a CTL in a trailer value"),
	BODY_BAD("0\r\nX: a\x7f\r\n\r\n", FIELD_VALUE,
		 "DEL in a trailer value"),
	BODY_BAD("0\r\nX: a\r\n b\r\n\r\n", OBS_FOLD, "obs-fold in trailers"),
	BODY_BAD("0\r\n\tX: a\r\n\r\n", OBS_FOLD,
		 "whitespace before the first trailer"),
};

/* ---- responses ---- */

struct rcase {
	const char *in;           /* head(s), body, bytes after it */
	size_t len;
	long ret;                 /* bytes of the heads, or HF_RESP_ERROR */
	enum hf_error err;
	const char *why;
	/* the request's method */
	bool req_head, req_connect;
	/* checked when ret >= 0 */
	long body;                /* bytes of the body */
	enum hf_kind kind;
	uint64_t length;
	uint16_t status;
	bool v10;
	bool chunked, te, close, ka;
	bool has_cl;
	int64_t cl;
	bool keep;                /* hf_resp_keepalive() */
};

#define RESP(head, body_, next, kind_, why_, ...)                             \
	{ .in = head body_ next, .len = sizeof(head body_ next) - 1,         \
	  .ret = (long)sizeof(head) - 1, .body = (long)sizeof(body_) - 1,    \
	  .kind = kind_, .why = why_, __VA_ARGS__ }
#define RESP_BAD(s, e, why_)                                                  \
	{ .in = s, .len = sizeof(s) - 1, .ret = HF_RESP_ERROR,               \
	  .err = HF_ERR_##e, .why = why_ }
#define CL(n) .has_cl = true, .cl = (n)

#define OK200 "HTTP/1.1 200 OK\r\n"
#define NEXT "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

static const struct rcase resps[] = {
	/* ---- valid ---- */
	RESP(OK200 "Content-Length: 5\r\n\r\n", "hello", NEXT, HF_LENGTH,
	     "Content-Length", .status = 200, CL(5), .length = 5,
	     .keep = true),
	RESP(OK200 "Content-Length: 0\r\n\r\n", "", NEXT, HF_LENGTH,
	     "Content-Length: 0 ends with the head", .status = 200, CL(0),
	     .keep = true),
	RESP(OK200 "Content-Length: \t 0042 \t\r\n\r\n",
	     "0123456789012345678901234567890123456789ab", NEXT, HF_LENGTH,
	     "Content-Length with OWS and leading zeros is decimal",
	     .status = 200, CL(42), .length = 42, .keep = true),
	RESP(OK200 "Transfer-Encoding: chunked\r\n\r\n",
	     "5\r\nhello\r\n0\r\n\r\n", NEXT, HF_CHUNKED, "chunked",
	     .status = 200, .chunked = true, .te = true, .keep = true),
	RESP(OK200 "Transfer-Encoding: gzip, chunked\r\n\r\n", "0\r\n\r\n",
	     NEXT, HF_CHUNKED, "a coding list ending in chunked",
	     .status = 200, .chunked = true, .te = true, .keep = true),
	RESP(OK200 "Transfer-Encoding: gzip\r\nX: y\r\n"
	     "transfer-encoding: ,chunked,\r\n\r\n", "0\r\n\r\n", NEXT,
	     HF_CHUNKED, "two Transfer-Encoding fields are one list",
	     .status = 200, .chunked = true, .te = true, .keep = true),
	RESP(OK200 "TRANSFER-ENCODING: CHUNKED\r\n\r\n", "0\r\n\r\n", NEXT,
	     HF_CHUNKED, "names and codings are case-insensitive",
	     .status = 200, .chunked = true, .te = true, .keep = true),
	RESP(OK200 "Transfer-Encoding: gzip\r\n\r\n", "\x1f\x8b...", "",
	     HF_CLOSE, "Transfer-Encoding without chunked: until close "
	     "(RFC 9112 section 6.3 item 4)", .status = 200, .te = true),
	RESP(OK200 "Content-Type: text/plain\r\n\r\n", "all of this\r\n\r\n",
	     "and this", HF_CLOSE, "no framing field: until close",
	     .status = 200),
	RESP("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n", "ok", NEXT,
	     HF_LENGTH, "HTTP/1.0 without keep-alive closes",
	     .status = 200, .v10 = true, CL(2), .length = 2),
	RESP("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
	     "Content-Length: 2\r\n\r\n", "ok", NEXT, HF_LENGTH,
	     "HTTP/1.0 with keep-alive persists", .status = 200, .v10 = true,
	     .ka = true, CL(2), .length = 2, .keep = true),
	RESP("HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n"
	     "Content-Length: 2\r\n\r\n", "ok", NEXT, HF_LENGTH,
	     "close wins over keep-alive", .status = 200, .v10 = true,
	     .ka = true, .close = true, CL(2), .length = 2),
	RESP("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", "rest",
	     "", HF_CLOSE, "keep-alive cannot save a close-delimited body",
	     .status = 200, .v10 = true, .ka = true),
	RESP(OK200 "Connection: close\r\nContent-Length: 2\r\n\r\n", "ok",
	     NEXT, HF_LENGTH, "HTTP/1.1 with Connection: close",
	     .status = 200, .close = true, CL(2), .length = 2),
	RESP(OK200 "connection: foo,\tCLOSE , bar\r\nContent-Length: 2\r\n\r\n",
	     "ok", NEXT, HF_LENGTH, "close anywhere in a Connection list",
	     .status = 200, .close = true, CL(2), .length = 2),
	RESP(OK200 "Connection: foo\r\nConnection: close\r\n"
	     "Content-Length: 2\r\n\r\n", "ok", NEXT, HF_LENGTH,
	     "Connection fields combine", .status = 200, .close = true,
	     CL(2), .length = 2),
	RESP(OK200 "Connection: closed, xclose, keep-alivex\r\n"
	     "Content-Length: 2\r\n\r\n", "ok", NEXT, HF_LENGTH,
	     "options that only start or end like close are not close",
	     .status = 200, CL(2), .length = 2, .keep = true),
	RESP(OK200 "Connection: close x\r\nContent-Length: 2\r\n\r\n", "ok",
	     NEXT, HF_LENGTH, "an unreadable Connection list means close",
	     .status = 200, .close = true, CL(2), .length = 2),
	RESP(OK200 "Connection: \"close\"\r\nContent-Length: 2\r\n\r\n", "ok",
	     NEXT, HF_LENGTH, "a quoted Connection option means close",
	     .status = 200, .close = true, CL(2), .length = 2),
	RESP(OK200 "Connection:\r\nContent-Length: 2\r\n\r\n", "ok", NEXT,
	     HF_LENGTH, "an empty Connection list", .status = 200, CL(2),
	     .length = 2, .keep = true),
	RESP(OK200 "X-Connection: close\r\nContent-Lengthx: 9\r\n"
	     "Content-Lengt: 9\r\nConnectio: close\r\nTransfer-Encodings: x\r\n"
	     "C: close\r\n\r\n", "rest", "", HF_CLOSE,
	     "names that only look like known ones are not them",
	     .status = 200),
	RESP("HTTP/1.1 304 Not Modified\r\n"
	     "Content-Length: 999999999999999999\r\n\r\n", "", NEXT,
	     HF_NONE, "18 digits of Content-Length", .status = 304,
	     CL(999999999999999999), .keep = true),
	RESP("HTTP/1.1 204 No Content\r\n\r\n", "", NEXT, HF_NONE, "204",
	     .status = 204, .keep = true),
	RESP("HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", "",
	     NEXT, HF_NONE, "304 has no body whatever its Content-Length",
	     .status = 304, CL(100), .keep = true),
	RESP("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
	     "", NEXT, HF_NONE, "304 has no body even when chunked",
	     .status = 304, .chunked = true, .te = true, .keep = true),
	RESP("HTTP/1.1 100 Continue\r\n\r\n"
	     "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
	     OK200 "Content-Length: 3\r\n\r\n", "abc", NEXT, HF_LENGTH,
	     "100 and 103, then the final response",
	     .status = 200, CL(3), .length = 3, .keep = true),
	RESP("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
	     "Connection: Upgrade\r\n\r\n", "\x81\x05hello\x88\x00", "",
	     HF_TUNNEL, "101: a tunnel after the head", .status = 101),
	RESP(OK200 "Content-Length: 1234\r\n\r\n", "", NEXT, HF_NONE,
	     "a response to HEAD has no body", .req_head = true,
	     .status = 200, CL(1234), .keep = true),
	RESP(OK200 "Transfer-Encoding: chunked\r\n\r\n", "", NEXT, HF_NONE,
	     "a chunked response to HEAD has no body", .req_head = true,
	     .status = 200, .chunked = true, .te = true, .keep = true),
	RESP("HTTP/1.1 200 Connection established\r\n\r\n", "\x16\x03\x01",
	     "", HF_TUNNEL, "2xx to CONNECT: a tunnel", .req_connect = true,
	     .status = 200),
	RESP("HTTP/1.1 407 Proxy Authentication Required\r\n"
	     "Content-Length: 4\r\n\r\n", "deny", NEXT, HF_LENGTH,
	     "a refused CONNECT has an ordinary body", .req_connect = true,
	     .status = 407, CL(4), .length = 4, .keep = true),
	RESP("HTTP/1.1 204 \r\n\r\n", "", NEXT, HF_NONE,
	     "an empty reason phrase", .status = 204, .keep = true),
	RESP("HTTP/1.1 204\r\n\r\n", "", NEXT, HF_NONE,
	     "no reason phrase and no SP before it (tolerated)",
	     .status = 204, .keep = true),
	RESP("HTTP/1.1 200 \tOK, \"fine\" \xc3\xa9\x80\r\n"
	     "Content-Length: 0\r\n\r\n", "", NEXT, HF_LENGTH,
	     "HTAB, SP, VCHAR and obs-text in the reason phrase",
	     .status = 200, CL(0), .keep = true),
	RESP("HTTP/1.1 599 x\r\nContent-Length: 1\r\n\r\n", "x", NEXT,
	     HF_LENGTH, "status 599", .status = 599, CL(1), .length = 1,
	     .keep = true),
	RESP("HTTP/1.1 999 Internal\r\n\r\n", "rest", "", HF_CLOSE,
	     "statuses up to 999 are read as 5xx (RFC 9110 section 15)",
	     .status = 999),
	RESP(OK200 "X-Empty:\r\nX-Blank: \t \r\nX-Tight:v\r\n"
	     "X-Raw: caf\xc3\xa9\x80\xff\r\n"
	     "!#$%&'*+-.^_`|~09AZaz: v\r\nContent-Length: 1\r\n\r\n", "x",
	     NEXT, HF_LENGTH, "empty values, obs-text, every tchar in a name",
	     .status = 200, CL(1), .length = 1, .keep = true),
	RESP(OK200 "Set-Cookie: a=b; Path=/; HttpOnly\r\nSet-Cookie: c=d\r\n"
	     "Content-Length: 1\r\n\r\n", "x", NEXT, HF_LENGTH,
	     "repeated ordinary fields are fine", .status = 200, CL(1),
	     .length = 1, .keep = true),

	/* ---- status line (RFC 9112 section 4) ---- */
	RESP_BAD("\r\n" OK200 "\r\n", STATUS_LINE,
		 "an empty line before the status line"),
	RESP_BAD("HTTP/1.1\r\n\r\n", STATUS_LINE, "no status code"),
	RESP_BAD("HTTP/1.1 200 O\x01K\r\n\r\n", STATUS_LINE,
		 "a CTL in the reason phrase"),
	RESP_BAD("HTTP/1.1 200 OK\x7f\r\n\r\n", STATUS_LINE,
		 "DEL in the reason phrase"),
	RESP_BAD("HTTP/1.2 200 OK\r\n\r\n", VERSION, "HTTP/1.2"),
	RESP_BAD("HTTP/2 200\r\n\r\n", VERSION, "HTTP/2"),
	RESP_BAD("http/1.1 200 OK\r\n\r\n", VERSION,
		 "the version is case-sensitive (RFC 9112 section 2.3)"),
	RESP_BAD("HTTP/1.10 200 OK\r\n\r\n", VERSION, "HTTP/1.10"),
	RESP_BAD("ICY 200 OK\r\n\r\n", VERSION, "not HTTP"),
	RESP_BAD(" HTTP/1.1 200 OK\r\n\r\n", VERSION,
		 "whitespace before the version"),
	RESP_BAD("HTTP/1.1 20 OK\r\n\r\n", STATUS, "two digits"),
	RESP_BAD("HTTP/1.1 2000 OK\r\n\r\n", STATUS, "four digits"),
	RESP_BAD("HTTP/1.1 099 X\r\n\r\n", STATUS, "a status below 100"),
	RESP_BAD("HTTP/1.1  200 OK\r\n\r\n", STATUS, "two SP before the code"),
	RESP_BAD("HTTP/1.1 2x0 OK\r\n\r\n", STATUS, "a letter in the code"),
	RESP_BAD("HTTP/1.1 200\tOK\r\n\r\n", STATUS, "HTAB after the code"),

	/* ---- field lines (RFC 9112 section 5) ---- */
	RESP_BAD(OK200 ": x\r\n\r\n", FIELD_NAME, "an empty name"),
	RESP_BAD(OK200 "X(y: z\r\n\r\n", FIELD_NAME, "'(' in a name"),
	RESP_BAD(OK200 "Content-Length\r\n\r\n", FIELD_NAME, "no colon"),
	RESP_BAD(OK200 "X Y: z\r\n\r\n", FIELD_NAME, "SP inside a name"),
	RESP_BAD(OK200 "X\xc3\xa9: z\r\n\r\n", FIELD_NAME,
		 "obs-text in a name"),
	RESP_BAD(OK200 "Content-Length : 5\r\n\r\n", FIELD_WS,
		 "SP between name and colon (RFC 9112 section 5.1)"),
	RESP_BAD(OK200 "Transfer-Encoding\t: chunked\r\n\r\n", FIELD_WS,
		 "HTAB between name and colon"),
	RESP_BAD(OK200 "X: a\x01" "b\r\n\r\n", FIELD_VALUE, "a CTL in a value"),
	RESP_BAD(OK200 "X: a\x7f\r\n\r\n", FIELD_VALUE, "DEL in a value"),
	RESP_BAD(OK200 "Connection: \x1b[31m\r\n\r\n", FIELD_VALUE,
		 "ESC in a known field's value"),
	RESP_BAD(OK200 "X: a\r\n b\r\n\r\n", OBS_FOLD, "obs-fold with SP"),
	RESP_BAD(OK200 "Content-Length: 5\r\n\t5\r\n\r\n", OBS_FOLD,
		 "obs-fold with HTAB (RFC 9112 section 5.2: a gateway "
		 "without a buffer must reject it)"),
	RESP_BAD(OK200 " X: y\r\n\r\n", OBS_FOLD,
		 "whitespace before the first field (RFC 9112 section 2.2)"),
	RESP_BAD("HTTP/1.1 200 OK\rX: y\r\n\r\n", BARE_CR,
		 "the status line ended by CR"),
	RESP_BAD(OK200 "X: a\rb\r\n\r\n", BARE_CR, "a bare CR in a value"),
	RESP_BAD(OK200 "X: a\r\n\r\r\n", BARE_CR, "CR CR LF at the end"),
	RESP_BAD("HTTP/1.1 200 OK\n\n", BARE_LF, "LF-only lines"),
	RESP_BAD(OK200 "X: y\n\r\n", BARE_LF, "a field ended by LF"),
	RESP_BAD(OK200 "X: y\r\n\n", BARE_LF, "the head ended by a bare LF"),
	RESP_BAD("\nHTTP/1.1 200 OK\r\n\r\n", BARE_LF, "a leading bare LF"),
	RESP_BAD("\0HTTP/1.1 200 OK\r\n\r\n", NUL, "a leading NUL"),
	RESP_BAD("HTTP/1.1 200 O\0K\r\n\r\n", NUL, "NUL in the reason phrase"),
	RESP_BAD(OK200 "X\0: y\r\n\r\n", NUL, "NUL in a name"),
	RESP_BAD(OK200 "X: y\0\r\n\r\n", NUL, "NUL in a value"),

	/* ---- Content-Length (RFC 9110 section 8.6, RFC 9112 6.3) ---- */
	RESP_BAD(OK200 "Content-Length: abc\r\n\r\n", CONTENT_LENGTH, "letters"),
	RESP_BAD(OK200 "Content-Length: -1\r\n\r\n", CONTENT_LENGTH, "a sign"),
	RESP_BAD(OK200 "Content-Length: +1\r\n\r\n", CONTENT_LENGTH, "a plus"),
	RESP_BAD(OK200 "Content-Length: 1 2\r\n\r\n", CONTENT_LENGTH,
		 "inner space"),
	RESP_BAD(OK200 "Content-Length: 12 34\r\n\r\n", CONTENT_LENGTH,
		 "digits after inner space"),
	RESP_BAD(OK200 "Content-Length: 5,5\r\n\r\n", CONTENT_LENGTH,
		 "a list, even of equal values"),
	RESP_BAD(OK200 "Content-Length:\r\n\r\n", CONTENT_LENGTH, "empty"),
	RESP_BAD(OK200 "Content-Length: \t\r\n\r\n", CONTENT_LENGTH,
		 "only whitespace"),
	RESP_BAD(OK200 "Content-Length: 1000000000000000000\r\n\r\n",
		 CONTENT_LENGTH, "19 digits"),
	RESP_BAD(OK200 "Content-Length: 0x10\r\n\r\n", CONTENT_LENGTH, "hex"),
	RESP_BAD(OK200 "Content-Length: 5\r\ncontent-length: 5\r\n\r\n",
		 CONTENT_LENGTH, "repeated, same value"),
	RESP_BAD(OK200 "Content-Length: 5\r\nContent-Length: 6\r\n\r\n",
		 CONTENT_LENGTH, "repeated, different values"),

	/* ---- Transfer-Encoding (RFC 9112 section 6.1) ---- */
	RESP_BAD(OK200 "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		 CL_AND_TE, "Content-Length then Transfer-Encoding"),
	RESP_BAD(OK200 "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
		 CL_AND_TE, "Transfer-Encoding then Content-Length"),
	RESP_BAD(OK200 "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n",
		 CL_AND_TE, "a non-chunked Transfer-Encoding and Content-Length"),
	RESP_BAD(OK200 "Transfer-Encoding: chunked, gzip\r\n\r\n",
		 TRANSFER_ENCODING, "chunked not last"),
	RESP_BAD(OK200 "Transfer-Encoding: chunked\r\n"
		 "Transfer-Encoding: gzip\r\n\r\n", TRANSFER_ENCODING,
		 "chunked not last across fields"),
	RESP_BAD(OK200 "Transfer-Encoding: chunked, chunked\r\n\r\n",
		 TRANSFER_ENCODING, "chunked twice"),
	RESP_BAD(OK200 "Transfer-Encoding:\r\n\r\n", TRANSFER_ENCODING,
		 "empty"),
	RESP_BAD(OK200 "Transfer-Encoding: , ,\r\n\r\n", TRANSFER_ENCODING,
		 "only empty members"),
	RESP_BAD(OK200 "Transfer-Encoding: chunk ed\r\n\r\n",
		 TRANSFER_ENCODING, "a member with a space"),
	RESP_BAD(OK200 "Transfer-Encoding: \"chunked\"\r\n\r\n",
		 TRANSFER_ENCODING, "a quoted member"),
	RESP_BAD(OK200 "Transfer-Encoding: chunked;x=1\r\n\r\n",
		 TRANSFER_ENCODING, "a member with parameters"),
	RESP_BAD("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		 TRANSFER_ENCODING, "Transfer-Encoding on HTTP/1.0"),
};

/* ---- requests (the helpers over http_parse_request()) ---- */

struct qcase {
	const char *in;
	bool keep, upgrade, head;
	enum hf_kind kind;
	uint64_t length;
	const char *why;
};

#define Q11 "GET / HTTP/1.1\r\nHost: a\r\n"
#define Q10 "GET / HTTP/1.0\r\n"

static const struct qcase reqs[] = {
	{ Q11 "\r\n", true, false, false, HF_NONE, 0,
	  "HTTP/1.1 persists by default; no body without framing" },
	{ Q11 "Connection: close\r\n\r\n", false, false, false, HF_NONE, 0,
	  "HTTP/1.1 with close" },
	{ Q11 "Connection: CLOSE\r\n\r\n", false, false, false, HF_NONE, 0,
	  "options are case-insensitive" },
	{ Q11 "Connection: keep-alive, close\r\n\r\n", false, false, false,
	  HF_NONE, 0, "close wins over keep-alive" },
	{ Q11 "Connection: foo\r\nconnection: ,close,\r\n\r\n", false, false,
	  false, HF_NONE, 0, "Connection fields combine" },
	{ Q11 "Connection: closed, enclose\r\n\r\n", true, false, false,
	  HF_NONE, 0, "options that only contain close are not close" },
	{ Q11 "Connection: close x\r\n\r\n", false, false, false, HF_NONE, 0,
	  "an unreadable Connection list means close" },
	{ Q11 "X-Connection: close\r\n\r\n", true, false, false, HF_NONE, 0,
	  "only Connection counts" },
	{ Q11 "Connection: keep-alive\r\n\r\n", true, false, false, HF_NONE, 0,
	  "HTTP/1.1 with keep-alive" },
	{ Q10 "\r\n", false, false, false, HF_NONE, 0,
	  "HTTP/1.0 closes by default" },
	{ Q10 "Connection: Keep-Alive\r\n\r\n", true, false, false, HF_NONE,
	  0, "HTTP/1.0 with keep-alive" },
	{ Q10 "Connection: keep-alive\r\nConnection: close\r\n\r\n", false,
	  false, false, HF_NONE, 0, "HTTP/1.0 with keep-alive and close" },
	{ Q10 "Connection: foo\r\nConnection: bar, keep-alive\r\n\r\n", true,
	  false, false, HF_NONE, 0, "keep-alive in a second field" },
	{ Q10 "Connection: KEEP-ALIVE\r\n\r\n", true, false, false, HF_NONE,
	  0, "keep-alive in capitals (compared a word at a time)" },
	{ Q10 "Connection: keep_alive\r\n\r\n", false, false, false, HF_NONE,
	  0, "'_' is not '-', in any case" },
	{ Q10 "Connection: keep-alivf\r\n\r\n", false, false, false, HF_NONE,
	  0, "the last byte of keep-alive counts" },
	{ Q11 "Connection: keep-aliv\xc5\r\n\r\n", false, false, false, HF_NONE,
	  0, "obs-text is no letter in any case: not keep-alive, and a list "
	  "with it is unreadable, so close" },
	{ Q10 "Keep-Alive: timeout=5\r\n\r\n", false, false, false, HF_NONE,
	  0, "a Keep-Alive field is not the keep-alive option" },
	{ Q11 "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n", true, true,
	  false, HF_NONE, 0, "a websocket upgrade" },
	{ Q11 "Connection: keep-alive, upgrade\r\nUpgrade: h2c\r\n\r\n", true,
	  true, false, HF_NONE, 0, "upgrade in a list, Upgrade after it" },
	{ Q11 "Upgrade: websocket\r\n\r\n", true, false, false, HF_NONE, 0,
	  "Upgrade without Connection: upgrade is not an upgrade" },
	{ Q11 "Connection: upgrade\r\n\r\n", true, false, false, HF_NONE, 0,
	  "Connection: upgrade without Upgrade" },
	{ Q11 "Upgrade: websocket\r\nConnection: upgrade, close\r\n\r\n",
	  false, true, false, HF_NONE, 0, "an upgrade that closes otherwise" },
	{ Q11 "Upgrade: websocket\r\nConnection: upgrade x\r\n\r\n", false,
	  false, false, HF_NONE, 0, "an unreadable list upgrades nothing" },
	{ Q10 "Upgrade: websocket\r\nConnection: upgrade, keep-alive\r\n\r\n",
	  true, false, false, HF_NONE, 0,
	  "Upgrade is ignored in HTTP/1.0 (RFC 9110 section 7.8)" },
	{ Q11 "Referer: x\r\nUser-Agent: close\r\nUPGRADE: a\r\nX: y\r\n"
	  "CONNECTION: upgrade\r\n\r\n", true, true, false, HF_NONE, 0,
	  "names of Upgrade's and Connection's lengths; any case" },
	{ Q11 "X: 1\r\nConnection: a\r\nY: 2\r\nConnection: b\r\n"
	  "connection: c, close\r\n\r\n", false, false, false, HF_NONE, 0,
	  "a third Connection field after others" },
	{ Q11 "Upgradf: websocket\r\nConnection: upgrade\r\n\r\n", true,
	  false, false, HF_NONE, 0, "a name one letter off Upgrade" },
	{ Q11 "Xpgrade: websocket\r\nConnection: upgrade\r\n\r\n", true,
	  false, false, HF_NONE, 0, "a name one letter off Upgrade, first" },
	{ "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", true, false, true, HF_NONE, 0,
	  "HEAD" },
	{ "head / HTTP/1.1\r\nHost: a\r\n\r\n", true, false, false, HF_NONE, 0,
	  "methods are case-sensitive: head is not HEAD" },
	{ "HEADER / HTTP/1.1\r\nHost: a\r\n\r\n", true, false, false, HF_NONE,
	  0, "a method starting with HEAD" },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", true,
	  false, false, HF_LENGTH, 5, "Content-Length" },
	{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", true,
	  false, false, HF_LENGTH, 0, "Content-Length: 0" },
	{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n"
	  "\r\n", true, false, false, HF_CHUNKED, 0, "chunked" },
	{ "POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\n", false, false, false,
	  HF_LENGTH, 3, "an HTTP/1.0 POST" },
};

/* ---- helpers ---- */

/* Inputs are copied to end right before an unreadable page, so reading
 * past LEN faults even where ASan would not see it. */
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
	guard_base += data;
	return 0;
}

static int guard_teardown(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	(void)state;
	munmap(guard_base - (guard_map_len - page), guard_map_len);
	return 0;
}

static const char *at_guard(const char *in, size_t len)
{
	assert_true(len <= GUARD_BYTES);
	memcpy(guard_base - len, in, len);
	return guard_base - len;
}

#define check(why, cond)                                                      \
	do {                                                                  \
		if (!(cond))                                                  \
			fail_msg("\"%s\": %s (line %d)", (why), #cond,        \
				 __LINE__);                                   \
	} while (0)

/* How an input is cut into feeds: all at once (step 0, cut 0), at CUT
 * then the rest, or STEP bytes at a time. Each feed is preceded by an
 * empty one, which must change nothing. */
struct cuts {
	size_t cut;
	size_t step;
};
static const struct cuts once = { 0, 0 };

static size_t piece(const struct cuts *k, size_t off, size_t len)
{
	if (k->step != 0)
		return len - off < k->step ? len - off : k->step;
	if (off < k->cut)
		return k->cut - off;
	return len - off;
}

/* The whole state, private parts included: after the same bytes it must
 * be the same however they were cut. */
static bool body_same(const struct hf_body *a, const struct hf_body *b)
{
	return a->left == b->left && a->line == b->line &&
	       a->trailer == b->trailer && a->kind == b->kind &&
	       a->st == b->st && a->error == b->error && a->done == b->done;
}

static bool list_same(const struct hf_list *a, const struct hf_list *b)
{
	return a->st == b->st && a->words == b->words && a->pos == b->pos &&
	       a->members == b->members;
}

static bool resp_same(const struct hf_resp *a, const struct hf_resp *b)
{
	return a->status == b->status && a->minor == b->minor &&
	       a->done == b->done && a->chunked == b->chunked &&
	       a->te == b->te && a->conn_close == b->conn_close &&
	       a->conn_keepalive == b->conn_keepalive &&
	       a->content_length == b->content_length &&
	       a->error == b->error && a->st == b->st && a->pos == b->pos &&
	       a->names == b->names && a->field == b->field &&
	       a->digits == b->digits && a->n_fields == b->n_fields &&
	       list_same(&a->list, &b->list) && a->head_len == b->head_len;
}

/* Feed IN[0..LEN) to a chunked body B cut as K. Returns the bytes it took
 * or HF_BODY_ERROR. Checks each return against its feed, and that a done
 * body takes nothing more. */
static long body_run(struct hf_body *b, const char *in, size_t len,
		     const struct cuts *k, const char *why)
{
	size_t off = 0;
	long total = 0;

	hf_body_init(b, HF_CHUNKED, 0);
	while (off < len) {
		size_t n = piece(k, off, len);
		struct hf_body before = *b;

		check(why, hf_body_feed(b, in + off, 0) == 0);
		check(why, body_same(&before, b));
		long r = hf_body_feed(b, in + off, n);
		if (r == HF_BODY_ERROR) {
			check(why, b->error != HF_ERR_NONE);
			check(why, hf_body_feed(b, in + off, n) == HF_BODY_ERROR);
			return r;
		}
		check(why, r >= 0 && (size_t)r <= n);
		check(why, (size_t)r == n || b->done);
		total += r;
		if (b->done) {
			off += (size_t)r;
			check(why, hf_body_feed(b, in + off, len - off) == 0);
			check(why, hf_body_opaque(b) == 0);
			break;
		}
		off += n;
	}
	return total;
}

/* The same, passing opaque bytes with hf_body_skip() unseen and feeding
 * the rest a byte at a time, as the dataplane may. */
static long body_run_skipping(struct hf_body *b, const char *in, size_t len)
{
	size_t off = 0;

	hf_body_init(b, HF_CHUNKED, 0);
	while (off < len && !b->done) {
		uint64_t o = hf_body_opaque(b);
		if (o > 0) {
			uint64_t n = o < len - off ? o : len - off;
			hf_body_skip(b, n);
			off += (size_t)n;
			continue;
		}
		long r = hf_body_feed(b, in + off, 1);
		if (r == HF_BODY_ERROR)
			return r;
		if (r == 0)
			break;
		off += (size_t)r;
	}
	return (long)off;
}

static void body_expect(const struct bcase *c, long ret,
			const struct hf_body *b, const char *how)
{
	if (ret != c->ret || (ret == HF_BODY_ERROR && b->error != c->err) ||
	    (ret != HF_BODY_ERROR && b->done != c->done))
		fail_msg("\"%s\" (%s): got %ld (%s, done %d), expected %ld "
			 "(%s, done %d)", c->why, how, ret,
			 hf_error_str(b->error), b->done, c->ret,
			 hf_error_str(c->err), c->done);
}

/* What a response run saw. */
struct rrun {
	long head;                /* bytes of the heads, or HF_RESP_ERROR */
	long body;                /* bytes of the body, or HF_BODY_ERROR */
	int heads;
	enum hf_kind kind;
	uint64_t length;
	struct hf_resp r;         /* the last head */
	struct hf_body b;
};

/* Feed IN[0..LEN) cut as K as the dataplane would: heads until a final
 * one (an interim 1xx other than 101 is followed by another head), then
 * its body framed by hf_resp_body_kind(). */
static void resp_run(struct rrun *o, const char *in, size_t len,
		     const struct rcase *c, const struct cuts *k)
{
	size_t off = 0;
	int phase = 0;            /* 0 heads, 1 body, 2 ended */

	memset(o, 0, sizeof(*o));
	hf_resp_init(&o->r);
	while (off < len && phase < 2) {
		size_t n = piece(k, off, len), used = 0;

		check(c->why, phase != 0 || hf_resp_feed(&o->r, in + off, 0) == 0);
		while (used < n && phase < 2) {
			const char *p = in + off + used;
			size_t m = n - used;
			long r;

			if (phase == 0) {
				r = hf_resp_feed(&o->r, p, m);
				if (r == HF_RESP_ERROR) {
					check(c->why, o->r.error != HF_ERR_NONE);
					o->head = r;
					phase = 2;
					break;
				}
				check(c->why, r >= 0 && (size_t)r <= m);
				check(c->why, (size_t)r == m || o->r.done);
				used += (size_t)r;
				o->head += r;
				if (!o->r.done)
					continue;
				o->heads++;
				o->kind = hf_resp_body_kind(&o->r, c->req_head,
							    c->req_connect,
							    &o->length);
				if (o->r.status < 200 && o->r.status != 101) {
					check(c->why, o->kind == HF_NONE);
					hf_resp_init(&o->r);
					continue;
				}
				hf_body_init(&o->b, o->kind, o->length);
				phase = o->b.done ? 2 : 1;
			} else {
				r = hf_body_feed(&o->b, p, m);
				if (r == HF_BODY_ERROR) {
					o->body = r;
					phase = 2;
					break;
				}
				check(c->why, r >= 0 && (size_t)r <= m);
				check(c->why, (size_t)r == m || o->b.done);
				used += (size_t)r;
				o->body += r;
				if (o->b.done)
					phase = 2;
			}
		}
		if (phase == 2 && o->head >= 0 && o->body >= 0) {
			/* Ended: nothing after the message is taken. */
			check(c->why, hf_resp_feed(&o->r, in + off + used,
						   len - off - used) == 0);
			check(c->why, hf_body_feed(&o->b, in + off + used,
						   len - off - used) == 0);
		}
		off += n;
	}
}

static void resp_expect(const struct rcase *c, const struct rrun *o,
			const char *how)
{
	const struct hf_resp *r = &o->r;

	if (o->head != c->ret ||
	    (o->head == HF_RESP_ERROR && r->error != c->err))
		fail_msg("\"%s\" (%s): got %ld (%s), expected %ld (%s)", c->why,
			 how, o->head, hf_error_str(r->error), c->ret,
			 hf_error_str(c->err));
	if (c->ret < 0)
		return;
	check(c->why, r->done && r->error == HF_ERR_NONE);
	check(c->why, r->status == c->status);
	check(c->why, r->minor == (c->v10 ? 0 : 1));
	check(c->why, r->chunked == c->chunked && r->te == c->te);
	check(c->why, r->conn_close == c->close);
	check(c->why, r->conn_keepalive == c->ka);
	check(c->why, r->content_length == (c->has_cl ? c->cl : -1));
	check(c->why, o->kind == c->kind);
	check(c->why, o->length == c->length);
	check(c->why, hf_resp_keepalive(r, o->kind) == c->keep);
	if (c->kind == HF_CLOSE || c->kind == HF_TUNNEL) {
		/* These never end: they take the rest. */
		check(c->why, o->body == (long)c->len - c->ret);
		check(c->why, !o->b.done);
	} else {
		check(c->why, o->body == c->body);
		check(c->why, o->b.done);
	}
}

static void rrun_same(const struct rcase *c, const struct rrun *a,
		      const struct rrun *b)
{
	check(c->why, a->head == b->head && a->body == b->body);
	check(c->why, a->heads == b->heads && a->kind == b->kind);
	check(c->why, a->length == b->length);
	check(c->why, resp_same(&a->r, &b->r));
	if (a->head >= 0)
		check(c->why, body_same(&a->b, &b->b));
}

/* ---- the tables ---- */

static struct hf_body ba, bb;
static struct rrun ra, rb;

static void tables_hold_enough_cases(void **state)
{
	int ok = 0, bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		ok += bodies[i].done;
		bad += bodies[i].ret == HF_BODY_ERROR;
	}
	assert_true(ok >= 20);
	assert_true(bad >= 40);
	ok = bad = 0;
	for (size_t i = 0; i < ARRAY_SIZE(resps); i++) {
		ok += resps[i].ret >= 0;
		bad += resps[i].ret == HF_RESP_ERROR;
	}
	assert_true(ok >= 30);
	assert_true(bad >= 50);
}

static void every_error_reason_is_covered(void **state)
{
	bool seen[HF_ERR__COUNT] = { false };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++)
		if (bodies[i].ret == HF_BODY_ERROR)
			seen[bodies[i].err] = true;
	for (size_t i = 0; i < ARRAY_SIZE(resps); i++)
		if (resps[i].ret == HF_RESP_ERROR)
			seen[resps[i].err] = true;
	/* The limits have tests of their own below. */
	seen[HF_ERR_NONE] = true;
	seen[HF_ERR_CHUNK_LINE] = true;
	seen[HF_ERR_TRAILER_TOO_LARGE] = true;
	seen[HF_ERR_HEAD_TOO_LARGE] = true;
	seen[HF_ERR_TOO_MANY_FIELDS] = true;
	for (int e = 0; e < HF_ERR__COUNT; e++)
		if (!seen[e])
			fail_msg("no case for %s", hf_error_str(e));
}

static void chunked_bodies_end_where_they_should(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		const struct bcase *c = &bodies[i];
		const char *g = at_guard(c->in, c->len);
		long r = body_run(&ba, g, c->len, &once, c->why);

		body_expect(c, r, &ba, "at once, at the guard page");
	}
}

static void chunked_bodies_give_the_same_state_however_cut(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		const struct bcase *c = &bodies[i];
		long a = body_run(&ba, c->in, c->len, &once, c->why);

		for (size_t cut = 0; cut <= c->len; cut++) {
			struct cuts k = { cut, 0 };
			long b = body_run(&bb, c->in, c->len, &k, c->why);
			body_expect(c, b, &bb, "split in two");
			check(c->why, a == b && body_same(&ba, &bb));
		}
		for (size_t step = 1; step < 9; step++) {
			struct cuts k = { 0, step };
			const char *g = at_guard(c->in, c->len);
			long b = body_run(&bb, g, c->len, &k, c->why);
			body_expect(c, b, &bb, "in steps");
			check(c->why, a == b && body_same(&ba, &bb));
		}
	}
}

static void skipping_opaque_chunk_data_gives_the_same_result(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		const struct bcase *c = &bodies[i];
		long a = body_run(&ba, c->in, c->len, &once, c->why);
		long b = body_run_skipping(&bb, at_guard(c->in, c->len),
					   c->len);

		body_expect(c, b, &bb, "skipping opaque bytes");
		check(c->why, a == b && body_same(&ba, &bb));
	}
}

static void every_truncated_chunked_body_is_consumed_and_not_done(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		const struct bcase *c = &bodies[i];

		if (!c->done)
			continue;
		for (size_t n = 0; n < (size_t)c->ret; n++) {
			long r = body_run(&ba, at_guard(c->in, n), n, &once,
					  c->why);
			check(c->why, r == (long)n);
			check(c->why, !ba.done && ba.error == HF_ERR_NONE);
		}
	}
}

static void responses_frame_their_bodies(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(resps); i++) {
		const struct rcase *c = &resps[i];

		resp_run(&ra, at_guard(c->in, c->len), c->len, c, &once);
		resp_expect(c, &ra, "at once, at the guard page");
	}
}

static void responses_give_the_same_state_however_cut(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(resps); i++) {
		const struct rcase *c = &resps[i];

		resp_run(&ra, c->in, c->len, c, &once);
		for (size_t cut = 0; cut <= c->len; cut++) {
			struct cuts k = { cut, 0 };
			resp_run(&rb, c->in, c->len, c, &k);
			resp_expect(c, &rb, "split in two");
			rrun_same(c, &ra, &rb);
		}
		for (size_t step = 1; step < 9; step++) {
			struct cuts k = { 0, step };
			resp_run(&rb, at_guard(c->in, c->len), c->len, c, &k);
			resp_expect(c, &rb, "in steps");
			rrun_same(c, &ra, &rb);
		}
	}
}

static void every_truncated_response_is_consumed_and_not_done(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(resps); i++) {
		const struct rcase *c = &resps[i];
		size_t end = (size_t)(c->ret + c->body);

		if (c->ret < 0)
			continue;
		for (size_t n = 0; n < end; n++) {
			resp_run(&ra, at_guard(c->in, n), n, c, &once);
			check(c->why, ra.head >= 0 && ra.body >= 0);
			check(c->why, (size_t)(ra.head + ra.body) == n);
			check(c->why, n >= (size_t)c->ret ? ra.r.done :
				      !ra.r.done || ra.r.status < 200);
			check(c->why, !ra.b.done);
		}
	}
}

/* On every scan path this CPU runs: each notes the Connection and Upgrade
 * fields the helpers read. */
static void request_helpers_read_the_parsed_header(void **state)
{
	static struct http_req q;
	int was = http_path_current();

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(reqs) * (size_t)http_path_count(); k++) {
		const struct qcase *c = &reqs[k % ARRAY_SIZE(reqs)];
		uint64_t length = 99;

		if (http_path_use((int)(k / ARRAY_SIZE(reqs))) != 0)
			continue;
		http_req_init(&q);
		check(c->why, http_parse_request(&q, c->in, strlen(c->in)) ==
			      (int)strlen(c->in));
		check(c->why, hf_req_keepalive(&q) == c->keep);
		check(c->why, hf_req_upgrade(&q) == c->upgrade);
		check(c->why, hf_req_last(&q) == (!c->keep || c->upgrade));
		check(c->why, hf_req_is_head(&q) == c->head);
		check(c->why, hf_req_body_kind(&q, &length) == c->kind);
		check(c->why, length == c->length);
		check(c->why, hf_req_body_kind(&q, NULL) == c->kind);
	}
	http_path_use(was);
}

/* ---- other framings ---- */

static void content_length_body_ends_after_its_bytes(void **state)
{
	static const char in[] = "helloGET / HTTP/1.1\r\n";
	struct hf_body b;

	(void)state;
	hf_body_init(&b, HF_LENGTH, 5);
	assert_false(b.done);
	assert_int_equal(hf_body_opaque(&b), 5);
	assert_int_equal(hf_body_feed(&b, in, 0), 0);
	assert_int_equal(hf_body_feed(&b, in, 2), 2);
	assert_int_equal(hf_body_opaque(&b), 3);
	assert_int_equal(hf_body_feed(&b, in + 2, sizeof(in) - 3), 3);
	assert_true(b.done);
	assert_int_equal(hf_body_opaque(&b), 0);
	assert_int_equal(hf_body_feed(&b, in + 5, sizeof(in) - 6), 0);

	/* Skipped instead of fed: the same end. */
	hf_body_init(&b, HF_LENGTH, 5);
	hf_body_skip(&b, 4);
	assert_false(b.done);
	hf_body_skip(&b, 100);    /* cut to what is left */
	assert_true(b.done);
	assert_int_equal(b.left, 0);
	assert_int_equal(hf_body_feed(&b, in, 1), 0);

	/* Lengths past 32 bits. */
	hf_body_init(&b, HF_LENGTH, 1ull << 40);
	hf_body_skip(&b, (1ull << 40) - 1);
	assert_int_equal(hf_body_opaque(&b), 1);
	assert_int_equal(hf_body_feed(&b, in, sizeof(in) - 1), 1);
	assert_true(b.done);
}

static void empty_bodies_start_done(void **state)
{
	struct hf_body b;

	(void)state;
	hf_body_init(&b, HF_NONE, 123);
	assert_true(b.done);
	assert_int_equal(hf_body_feed(&b, "x", 1), 0);
	assert_int_equal(hf_body_opaque(&b), 0);
	hf_body_init(&b, HF_LENGTH, 0);
	assert_true(b.done);
	assert_int_equal(hf_body_feed(&b, "x", 1), 0);
	hf_body_skip(&b, 1);
	assert_true(b.done);
	assert_int_equal(b.left, 0);
}

static void close_and_tunnel_bodies_take_everything_and_never_end(void **state)
{
	static const char in[] = "0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n\0\n";
	const enum hf_kind kinds[] = { HF_CLOSE, HF_TUNNEL };
	struct hf_body b;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		hf_body_init(&b, kinds[i], 5);
		assert_int_equal(hf_body_opaque(&b), UINT64_MAX);
		assert_int_equal(hf_body_feed(&b, in, sizeof(in)),
				 (long)sizeof(in));
		hf_body_skip(&b, UINT64_MAX);
		assert_false(b.done);
		assert_int_equal(hf_body_opaque(&b), UINT64_MAX);
		assert_int_equal(hf_body_feed(&b, in, 0), 0);
	}
}

static void chunk_data_is_opaque_and_framing_is_not(void **state)
{
	static const char in[] = "5;x=y\r\nhello\r\n0\r\n\r\n";
	struct hf_body b;

	(void)state;
	hf_body_init(&b, HF_CHUNKED, 0);
	assert_int_equal(hf_body_opaque(&b), 0);
	assert_int_equal(hf_body_feed(&b, in, 7), 7);
	assert_int_equal(hf_body_opaque(&b), 5);
	hf_body_skip(&b, 2);
	assert_int_equal(hf_body_opaque(&b), 3);
	/* More than the chunk holds is cut to it. */
	hf_body_skip(&b, 10);
	assert_int_equal(hf_body_opaque(&b), 0);
	assert_false(b.done);
	/* The CRLF after the data is framing, fed and checked. */
	assert_int_equal(hf_body_feed(&b, "X", 1), HF_BODY_ERROR);
	assert_int_equal(b.error, HF_ERR_CHUNK_CRLF);
	assert_int_equal(hf_body_opaque(&b), 0);
	assert_int_equal(hf_body_feed(&b, in + 12, 2), HF_BODY_ERROR);

	hf_body_init(&b, HF_CHUNKED, 0);
	assert_int_equal(hf_body_feed(&b, in, 9), 9);
	assert_int_equal(hf_body_opaque(&b), 3);
	assert_int_equal(hf_body_feed(&b, in + 9, sizeof(in) - 10),
			 (long)sizeof(in) - 10);
	assert_true(b.done);
}

/* ---- limits ---- */

static char big[70000];

/* At BIG + OFF, a chunk of one byte whose size line ("1;" + extension name
 * + CRLF) is LINE bytes long. Returns the offset after it. */
static size_t long_chunk(size_t off, size_t line)
{
	memcpy(big + off, "1;", 2);
	memset(big + off + 2, 'e', line - 4);
	memcpy(big + off + line - 2, "\r\nx\r\n", 5);
	return off + line + 3;
}

static void chunk_line_of_4096_bytes_is_the_longest(void **state)
{
	struct cuts bytes = { 0, 1 };
	struct hf_body b;
	size_t n;

	(void)state;
	n = long_chunk(0, HF_MAX_CHUNK_LINE);
	memcpy(big + n, END, 5);
	n += 5;
	assert_int_equal(body_run(&b, at_guard(big, n), n, &once, "4096"),
			 (long)n);
	assert_true(b.done);
	/* The bound is per line: two long lines are fine. */
	n = long_chunk(long_chunk(0, HF_MAX_CHUNK_LINE), HF_MAX_CHUNK_LINE);
	memcpy(big + n, END, 5);
	n += 5;
	assert_int_equal(body_run(&b, big, n, &bytes, "twice"), (long)n);
	assert_true(b.done);

	n = long_chunk(0, HF_MAX_CHUNK_LINE + 1);
	memcpy(big + n, END, 5);
	n += 5;
	assert_int_equal(body_run(&b, big, n, &once, "4097"), HF_BODY_ERROR);
	assert_int_equal(b.error, HF_ERR_CHUNK_LINE);
	assert_int_equal(body_run(&b, big, n, &bytes, "4097"), HF_BODY_ERROR);
	assert_int_equal(b.error, HF_ERR_CHUNK_LINE);
	/* The last-chunk line is bounded too. */
	n = long_chunk(0, HF_MAX_CHUNK_LINE + 1);
	big[0] = '0';
	assert_int_equal(body_run(&b, big, n, &once, "last"), HF_BODY_ERROR);
	assert_int_equal(b.error, HF_ERR_CHUNK_LINE);

	/* Leading zeros count towards the line, not the size. */
	memset(big, '0', HF_MAX_CHUNK_LINE - 3);
	big[HF_MAX_CHUNK_LINE - 3] = '1';
	n = HF_MAX_CHUNK_LINE - 2;
	memcpy(big + n, "\r\nx\r\n" END, 10);
	n += 10;
	assert_int_equal(body_run(&b, big, n, &once, "zeros"), (long)n);
	assert_true(b.done);
}

static void trailer_section_of_8192_bytes_is_the_largest(void **state)
{
	size_t n;
	struct hf_body b;

	(void)state;
	/* "0\r\n", then "X: " + value + CRLF + CRLF = 8192 bytes. */
	memcpy(big, "0\r\nX: ", 6);
	n = 3 + HF_MAX_TRAILER - 4;
	memset(big + 6, 'v', n - 6);
	memcpy(big + n, "\r\n\r\n", 4);
	n += 4;
	memcpy(big + n, "GET", 3);
	assert_int_equal(body_run(&b, at_guard(big, n + 3), n + 3, &once,
				  "8192"), (long)n);
	assert_true(b.done);

	memcpy(big, "0\r\nX: ", 6);
	n = 3 + HF_MAX_TRAILER - 3;
	memset(big + 6, 'v', n - 6);
	memcpy(big + n, "\r\n\r\n", 4);
	n += 4;
	assert_int_equal(body_run(&b, big, n, &once, "8193"), HF_BODY_ERROR);
	assert_int_equal(b.error, HF_ERR_TRAILER_TOO_LARGE);
}

static void fifteen_hex_digits_is_the_largest_chunk(void **state)
{
	static const char max[] = "fffffffffffffff\r\n";
	static const char tail[] = "\r\n0\r\n\r\n";
	struct hf_body b;

	(void)state;
	hf_body_init(&b, HF_CHUNKED, 0);
	assert_int_equal(hf_body_feed(&b, max, sizeof(max) - 1),
			 (long)sizeof(max) - 1);
	assert_int_equal(hf_body_opaque(&b), 0xfffffffffffffffull);
	hf_body_skip(&b, 0xffffffffffffffeull);
	assert_int_equal(hf_body_feed(&b, "x", 1), 1);
	assert_int_equal(hf_body_opaque(&b), 0);
	assert_int_equal(hf_body_feed(&b, tail, sizeof(tail) - 1),
			 (long)sizeof(tail) - 1);
	assert_true(b.done);

	hf_body_init(&b, HF_CHUNKED, 0);
	assert_int_equal(hf_body_feed(&b, "00000000000000000000f\r\n", 23), 23);
	assert_int_equal(hf_body_opaque(&b), 15);
}

/* A response head of exactly LEN bytes: one long field fills it. */
static size_t fill_head(size_t len)
{
	static const char head[] = OK200 "X: ";
	size_t h = sizeof(head) - 1;

	assert_true(len <= sizeof(big) && len >= h + 4);
	memcpy(big, head, h);
	memset(big + h, 'a', len - h);
	memcpy(big + len - 4, "\r\n\r\n", 4);
	return len;
}

static void response_head_of_65535_bytes_is_the_largest(void **state)
{
	struct hf_resp r;
	struct rcase c = { .why = "limit" };
	struct cuts bytes = { 0, 1 }, cut = { 40000, 0 };

	(void)state;
	size_t n = fill_head(HF_MAX_HEAD);
	hf_resp_init(&r);
	assert_int_equal(hf_resp_feed(&r, at_guard(big, n), n), (long)n);
	assert_true(r.done);
	resp_run(&ra, big, n, &c, &bytes);
	assert_int_equal(ra.head, (long)n);
	/* And with a body after it. */
	memset(big + n, 'b', 100);
	hf_resp_init(&r);
	assert_int_equal(hf_resp_feed(&r, big, n + 100), (long)n);

	n = fill_head(HF_MAX_HEAD + 1);
	hf_resp_init(&r);
	assert_int_equal(hf_resp_feed(&r, at_guard(big, n), n), HF_RESP_ERROR);
	assert_int_equal(r.error, HF_ERR_HEAD_TOO_LARGE);
	resp_run(&ra, big, n, &c, &bytes);
	assert_int_equal(ra.head, HF_RESP_ERROR);
	assert_int_equal(ra.r.error, HF_ERR_HEAD_TOO_LARGE);
	resp_run(&ra, big, n, &c, &cut);
	assert_int_equal(ra.r.error, HF_ERR_HEAD_TOO_LARGE);
	/* Still open at the limit: too large whatever comes next, and no
	 * byte past the limit was taken in. */
	n = fill_head(sizeof(big));
	hf_resp_init(&r);
	assert_int_equal(hf_resp_feed(&r, big, n), HF_RESP_ERROR);
	assert_int_equal(r.error, HF_ERR_HEAD_TOO_LARGE);
	assert_int_equal(r.head_len, HF_MAX_HEAD);
	resp_run(&ra, big, n, &c, &bytes);
	assert_int_equal(ra.r.error, HF_ERR_HEAD_TOO_LARGE);
	assert_int_equal(ra.r.head_len, HF_MAX_HEAD);
}

/* The status line, then N fields. */
static size_t fields_head(int n)
{
	size_t len = (size_t)snprintf(big, sizeof(big), "%s", OK200);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(big + len, sizeof(big) - len,
					"X-F: %d\r\n", i);
	memcpy(big + len, "\r\n", 2);
	return len + 2;
}

static void a_hundred_response_fields_are_the_most(void **state)
{
	struct hf_resp r;
	size_t n = fields_head(HF_MAX_FIELDS);

	(void)state;
	hf_resp_init(&r);
	assert_int_equal(hf_resp_feed(&r, at_guard(big, n), n), (long)n);
	assert_int_equal(r.n_fields, HF_MAX_FIELDS);
	n = fields_head(HF_MAX_FIELDS + 1);
	hf_resp_init(&r);
	assert_int_equal(hf_resp_feed(&r, at_guard(big, n), n), HF_RESP_ERROR);
	assert_int_equal(r.error, HF_ERR_TOO_MANY_FIELDS);
}

/* ---- every byte value in every class ---- */

static bool is_tchar(int c)
{
	return c > 0 && c < 0x80 &&
	       (strchr("!#$%&'*+-.^_`|~", c) != NULL ||
		(c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z'));
}

static bool is_value(int c)   /* field-vchar / SP / HTAB */
{
	return c == '\t' || c == ' ' || (c > 0x20 && c != 0x7f);
}

static bool is_qdtext(int c)
{
	return is_value(c) && c != '"' && c != '\\';
}

static bool is_hex(int c)
{
	return c > 0 && c < 0x80 && strchr("0123456789abcdefABCDEF", c);
}

/* The error C must give where it is refused. */
static enum hf_error own_error(int c, enum hf_error e)
{
	return c == 0 ? HF_ERR_NUL : c == '\n' ? HF_ERR_BARE_LF : e;
}

/* Byte C between PRE and POST is accepted iff OK(C); refused, NUL and LF
 * give their own errors, CR gives CR_ERR (a line end the next byte breaks,
 * or a byte out of place), SP and HTAB WS_ERR when set, the rest ERR. */
struct byte_ctx {
	const char *pre, *post;
	bool (*ok)(int c);
	enum hf_error err, cr_err, ws_err;
	bool resp;
	const char *what;
};

static bool is_tchar_or_colon(int c)
{
	return is_tchar(c) || c == ':';
}

static bool is_tchar_or_ws(int c)
{
	return is_tchar(c) || c == ' ' || c == '\t';
}

static void every_byte_is_judged_by_its_class(void **state)
{
	static const struct byte_ctx ctx[] = {
		{ "", "\r\n", is_hex, HF_ERR_CHUNK_SIZE, HF_ERR_CHUNK_SIZE,
		  0, false, "size" },
		{ "1;a=b", "\r\nx\r\n" END, is_tchar, HF_ERR_CHUNK_EXT,
		  HF_ERR_BARE_CR, 0, false, "token ext value" },
		{ "1;a", "=b\r\nx\r\n" END, is_tchar_or_ws, HF_ERR_CHUNK_EXT,
		  HF_ERR_BARE_CR, 0, false, "ext name" },
		{ "1;a=\"", "\"\r\nx\r\n" END, is_qdtext, HF_ERR_CHUNK_EXT,
		  HF_ERR_CHUNK_EXT, 0, false, "quoted ext value" },
		{ "1;a=\"\\", "\"\r\nx\r\n" END, is_value, HF_ERR_CHUNK_EXT,
		  HF_ERR_CHUNK_EXT, 0, false, "quoted-pair" },
		{ "0\r\nX: a", "b\r\n\r\n", is_value, HF_ERR_FIELD_VALUE,
		  HF_ERR_BARE_CR, 0, false, "trailer value" },
		{ "0\r\nX", ": a\r\n\r\n", is_tchar_or_colon,
		  HF_ERR_FIELD_NAME, HF_ERR_FIELD_NAME, HF_ERR_FIELD_WS, false,
		  "trailer name" },
		{ "HTTP/1.1 200 O", "K\r\n\r\n", is_value, HF_ERR_STATUS_LINE,
		  HF_ERR_BARE_CR, 0, true, "reason phrase" },
		{ OK200 "X-Other: ab", "cd\r\n\r\n", is_value,
		  HF_ERR_FIELD_VALUE, HF_ERR_BARE_CR, 0, true, "ordinary value" },
		{ OK200 "Connection: a", "b\r\n\r\n", is_value,
		  HF_ERR_FIELD_VALUE, HF_ERR_BARE_CR, 0, true,
		  "Connection value" },
		{ OK200 "X-O", "ther: a\r\n\r\n", is_tchar_or_colon,
		  HF_ERR_FIELD_NAME, HF_ERR_FIELD_NAME, 0, true,
		  "field name (whitespace inside it)" },
	};
	char in[128];
	struct rcase rc = { .why = "byte" };

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(ctx); k++) {
		const struct byte_ctx *x = &ctx[k];
		size_t pl = strlen(x->pre), sl = strlen(x->post);
		for (int c = 0; c < 256; c++) {
			size_t n = pl + 1 + sl;
			long ret;
			uint8_t err;

			memcpy(in, x->pre, pl);
			in[pl] = (char)c;
			memcpy(in + pl + 1, x->post, sl);
			const char *g = at_guard(in, n);
			if (x->resp) {
				struct cuts bytes = { 0, 1 };
				resp_run(&ra, g, n, &rc, &once);
				resp_run(&rb, g, n, &rc, &bytes);
				rrun_same(&rc, &ra, &rb);
				ret = ra.head;
				err = ra.r.error;
			} else {
				ret = body_run(&ba, g, n, &once, "byte");
				err = ba.error;
			}
			bool want = x->ok(c);
			enum hf_error we = own_error(c, x->err);
			if (c == '\r')
				we = x->cr_err;
			else if ((c == ' ' || c == '\t') && x->ws_err)
				we = x->ws_err;
			if ((ret >= 0) != want || (!want && err != we))
				fail_msg("byte 0x%02x in a %s: got %ld (%s)", c,
					 x->what, ret, hf_error_str(err));
		}
	}
}

/* ---- sizes, texts ---- */

static void states_fit_in_a_flow_entry(void **state)
{
	(void)state;
	printf("sizeof(struct hf_body) = %zu, sizeof(struct hf_resp) = %zu\n",
	       sizeof(struct hf_body), sizeof(struct hf_resp));
	assert_true(sizeof(struct hf_body) <= 32);
	assert_true(sizeof(struct hf_resp) <= 64);
}

static void every_error_has_its_own_text(void **state)
{
	(void)state;
	assert_string_equal(hf_error_str(HF_ERR_NONE), "no error");
	for (int e = 1; e < HF_ERR__COUNT; e++) {
		assert_non_null(hf_error_str(e));
		assert_true(strlen(hf_error_str(e)) > 0);
		for (int o = 0; o < e; o++)
			assert_string_not_equal(hf_error_str(e),
						hf_error_str(o));
	}
	assert_string_equal(hf_error_str(HF_ERR__COUNT), "unknown error");
	assert_string_equal(hf_error_str((enum hf_error)-1), "unknown error");
}

static void unfinished_head_is_framed_as_close(void **state)
{
	struct hf_resp r;
	uint64_t length = 7;

	(void)state;
	hf_resp_init(&r);
	assert_int_equal(hf_resp_feed(&r, OK200, sizeof(OK200) - 1),
			 (long)sizeof(OK200) - 1);
	assert_int_equal(hf_resp_body_kind(&r, false, false, &length),
			 HF_CLOSE);
	assert_int_equal(length, 0);
	assert_false(hf_resp_keepalive(&r, HF_LENGTH));
	/* A failed head stays failed. */
	assert_int_equal(hf_resp_feed(&r, "X : y\r\n", 7), HF_RESP_ERROR);
	assert_int_equal(hf_resp_feed(&r, "\r\n", 2), HF_RESP_ERROR);
	assert_int_equal(r.error, HF_ERR_FIELD_WS);
	assert_int_equal(hf_resp_body_kind(&r, false, false, NULL), HF_CLOSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_hold_enough_cases),
		cmocka_unit_test(every_error_reason_is_covered),
		cmocka_unit_test(chunked_bodies_end_where_they_should),
		cmocka_unit_test(chunked_bodies_give_the_same_state_however_cut),
		cmocka_unit_test(skipping_opaque_chunk_data_gives_the_same_result),
		cmocka_unit_test(every_truncated_chunked_body_is_consumed_and_not_done),
		cmocka_unit_test(responses_frame_their_bodies),
		cmocka_unit_test(responses_give_the_same_state_however_cut),
		cmocka_unit_test(every_truncated_response_is_consumed_and_not_done),
		cmocka_unit_test(request_helpers_read_the_parsed_header),
		cmocka_unit_test(content_length_body_ends_after_its_bytes),
		cmocka_unit_test(empty_bodies_start_done),
		cmocka_unit_test(close_and_tunnel_bodies_take_everything_and_never_end),
		cmocka_unit_test(chunk_data_is_opaque_and_framing_is_not),
		cmocka_unit_test(chunk_line_of_4096_bytes_is_the_longest),
		cmocka_unit_test(trailer_section_of_8192_bytes_is_the_largest),
		cmocka_unit_test(fifteen_hex_digits_is_the_largest_chunk),
		cmocka_unit_test(response_head_of_65535_bytes_is_the_largest),
		cmocka_unit_test(a_hundred_response_fields_are_the_most),
		cmocka_unit_test(every_byte_is_judged_by_its_class),
		cmocka_unit_test(states_fit_in_a_flow_entry),
		cmocka_unit_test(every_error_has_its_own_text),
		cmocka_unit_test(unfinished_head_is_framed_as_close),
	};

	/* Every test, once per response-head scan path this CPU runs
	 * (http_frame_resp-int.h), so the scalar path stays tested where a
	 * vector one is the default. */
	int failed = 0, ran = 0;
	for (int i = 0; i < hf_resp_path_count(); i++) {
		if (hf_resp_path_use(i) != 0) {
			printf("path %s: not supported by this CPU, skipped\n",
			       hf_resp_path_name(i));
			continue;
		}
		printf("path %s\n", hf_resp_path_name(i));
		failed += cmocka_run_group_tests_name(hf_resp_path_name(i), tests,
						      guard_setup,
						      guard_teardown);
		ran++;
	}
	/* The scalar path at least, whatever the CPU. */
	return ran == 0 ? 1 : failed;
}
