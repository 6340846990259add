/* Types of the HTTP/1.x request-header parser. */
#ifndef STEER_HTTP_T_H
#define STEER_HTTP_T_H

#include <stdbool.h>
#include <stdint.h>

#define HTTP_MAX_FIELDS 100       /* more header fields -> 431 */

/* Why a request header was refused. X(name, http status, text). */
#define HTTP_ERRORS(X)                                                        \
	X(NONE, 0, "no error")                                                \
	X(METHOD, 400, "invalid method")                                      \
	X(TARGET, 400, "invalid request target")                              \
	X(VERSION, 400, "unsupported or invalid HTTP version")                \
	X(REQUEST_LINE, 400, "malformed request line")                        \
	X(FIELD_NAME, 400, "invalid header field name")                       \
	X(FIELD_WS, 400, "whitespace between field name and colon")           \
	X(FIELD_VALUE, 400, "invalid character in header field value")        \
	X(OBS_FOLD, 400, "obsolete line folding")                             \
	X(BARE_CR, 400, "bare CR")                                            \
	X(BARE_LF, 400, "bare LF (lines must end in CRLF)")                   \
	X(NUL, 400, "NUL byte")                                               \
	X(CONTENT_LENGTH, 400, "invalid or repeated Content-Length")          \
	X(CL_AND_TE, 400, "both Content-Length and Transfer-Encoding")        \
	X(TRANSFER_ENCODING, 400, "Transfer-Encoding without final chunked")  \
	X(NO_HOST, 400, "HTTP/1.1 request without Host")                      \
	X(MULTIPLE_HOST, 400, "more than one Host")                           \
	X(HOST, 400, "invalid Host")                                          \
	X(CONNECT, 405, "CONNECT: not a forward proxy")                       \
	X(TOO_MANY_FIELDS, 431, "too many header fields")                     \
	X(TOO_LARGE, 431, "request header too large")

enum http_error {
#define HTTP_ERR_ENUM(n, s, t) HTTP_ERR_##n,
	HTTP_ERRORS(HTTP_ERR_ENUM)
#undef HTTP_ERR_ENUM
	HTTP_ERR__COUNT
};

struct http_field {
	const char *name;         /* points into the caller's buffer */
	const char *value;        /* leading/trailing OWS removed */
	uint16_t name_len;
	uint16_t value_len;
};

/* Parse state and result. Initialise with http_req_init(); keep it with the
 * buffer while bytes arrive. All pointers point into the caller's buffer,
 * which must stay in place (and only grow at its end) between calls. */
struct http_req {
	/* resume state */
	uint32_t scanned;         /* bytes already checked for CR/LF/NUL rules */
	uint8_t eol;              /* consecutive CRLFs seen at `scanned` */

	/* result, valid once http_parse_request() returned > 0 */
	enum http_error error;
	const char *method;
	const char *target;       /* as sent: origin-form, absolute-form, '*' */
	const char *path;         /* target up to '?' (origin-form) */
	const char *query;        /* after '?', or NULL */
	const char *host;         /* Host value without port, or NULL */
	uint16_t method_len;
	uint16_t target_len;
	uint16_t path_len;
	uint16_t query_len;
	uint16_t host_len;
	uint8_t minor;            /* HTTP/1.<minor>, 0 or 1 */
	bool chunked;             /* Transfer-Encoding ends in chunked */
	bool upgrade_field;       /* an Upgrade field is present */
	uint8_t n_conn;           /* Connection fields (up to 255) */
	uint16_t conn_field;      /* index + 1 of the first Connection field */
	int64_t content_length;   /* -1 when absent */
	uint16_t n_fields;
	struct http_field fields[HTTP_MAX_FIELDS];
};

#endif
