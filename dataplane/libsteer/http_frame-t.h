/* Types of the HTTP/1.1 framing parsers: message bodies (Content-Length,
 * chunked, close-delimited, tunnels) and response heads. */
#ifndef STEER_HTTP_FRAME_T_H
#define STEER_HTTP_FRAME_T_H

#include <stdbool.h>
#include <stdint.h>

#define HF_MAX_CHUNK_LINE 4096u   /* chunk-size line, CRLF included */
#define HF_MAX_TRAILER 8192u      /* trailer section, final CRLF included */
#define HF_MAX_HEAD 65535u        /* response head, final CRLF included */
#define HF_MAX_FIELDS 100         /* as HTTP_MAX_FIELDS for requests */

/* Why a body or a response head was refused. X(name, text). */
#define HF_ERRORS(X)                                                          \
	X(NONE, "no error")                                                   \
	X(CHUNK_SIZE, "invalid chunk size")                                   \
	X(CHUNK_TOO_BIG, "chunk size of more than 15 hex digits")             \
	X(CHUNK_EXT, "invalid chunk extension")                               \
	X(CHUNK_LINE, "chunk-size line longer than 4096 bytes")               \
	X(CHUNK_CRLF, "chunk data not followed by CRLF")                      \
	X(TRAILER_TOO_LARGE, "trailer section larger than 8192 bytes")        \
	X(STATUS_LINE, "malformed status line")                               \
	X(VERSION, "unsupported or invalid HTTP version")                     \
	X(STATUS, "invalid status code")                                      \
	X(FIELD_NAME, "invalid header field name")                            \
	X(FIELD_WS, "whitespace between field name and colon")                \
	X(FIELD_VALUE, "invalid character in header field value")             \
	X(OBS_FOLD, "obsolete line folding")                                  \
	X(BARE_CR, "bare CR")                                                 \
	X(BARE_LF, "bare LF (lines must end in CRLF)")                        \
	X(NUL, "NUL byte")                                                    \
	X(CONTENT_LENGTH, "invalid or repeated Content-Length")               \
	X(CL_AND_TE, "both Content-Length and Transfer-Encoding")             \
	X(TRANSFER_ENCODING, "invalid Transfer-Encoding")                     \
	X(HEAD_TOO_LARGE, "response head larger than 65535 bytes")            \
	X(TOO_MANY_FIELDS, "more than 100 header fields")

enum hf_error {
#define HF_ERR_ENUM(n, t) HF_ERR_##n,
	HF_ERRORS(HF_ERR_ENUM)
#undef HF_ERR_ENUM
	HF_ERR__COUNT
};

/* How a message body is delimited (RFC 9112 section 6.3). */
enum hf_kind {
	HF_NONE,      /* no body: the message ends with its head */
	HF_LENGTH,    /* Content-Length bytes */
	HF_CHUNKED,   /* chunked (RFC 9112 section 7.1) */
	HF_CLOSE,     /* response only: until the server closes */
	HF_TUNNEL,    /* response only: 101, or 2xx to CONNECT; what follows
		       * the head is not HTTP */
};

/* The two chunked sub-states the inline helpers in http_frame.h know:
 * in chunk data, and on the CR after it (http_frame_body.c checks). */
#define HF_BODY_ST_DATA 12
#define HF_BODY_ST_DATA_CR 13

/* Body framing state of one request or response body. Small (16 bytes):
 * it lives in every flow entry. */
struct hf_body {
	uint64_t left;       /* HF_LENGTH: body bytes left; HF_CHUNKED: in
			      * chunk data, its bytes left; on a chunk-size
			      * line, the size read so far */
	uint16_t line;       /* bytes seen of the current chunk-size line */
	uint16_t trailer;    /* bytes seen of the trailer section */
	uint8_t kind;        /* enum hf_kind */
	uint8_t st;          /* chunked sub-state (private; http_frame.h's
			      * inline opaque/skip read HF_BODY_ST_DATA*) */
	uint8_t error;       /* enum hf_error once hf_body_feed() failed */
	bool done;           /* the message ended */
};

/* A comma-separated list of tokens read a byte at a time (RFC 9110 section
 * 5.6.1), each member compared with a few known words. Private. */
struct hf_list {
	uint8_t st;          /* between members, in one, after one, bad */
	uint8_t words;       /* known words the member can still be */
	uint8_t pos;         /* bytes of the member compared */
	uint8_t members;     /* members of this field (saturates) */
};

/* Response head, parsed as its bytes arrive with no buffer: the router
 * sees each segment's bytes once, in order. Small (32 bytes): it lives in
 * every flow entry. */
struct hf_resp {
	/* result, valid once done */
	uint16_t status;          /* 100..999 */
	uint8_t minor;            /* HTTP/1.<minor>: 0 or 1 */
	bool done;                /* head complete (final CRLF consumed) */
	bool chunked;             /* Transfer-Encoding's final coding is chunked */
	bool te;                  /* Transfer-Encoding present */
	bool conn_close;          /* Connection lists close (or is unreadable) */
	bool conn_keepalive;      /* Connection lists keep-alive */
	int64_t content_length;   /* -1 when absent */
	uint8_t error;            /* enum hf_error */

	/* private: resume state */
	uint8_t st;               /* status-line or field-line state */
	uint8_t pos;              /* status-line bytes, or name bytes, matched */
	uint8_t names;            /* known names the field name can still be */
	uint8_t field;            /* known field whose value is being read */
	uint8_t digits;           /* Content-Length digits; 0xff: after OWS */
	uint8_t n_fields;
	struct hf_list list;      /* Transfer-Encoding or Connection value */
	uint32_t head_len;        /* bytes of the head so far */
};

#endif
