/* Payloads for the packet-path fuzzer (packet_fuzz.c): HTTP pieces a
 * client or a backend would send, chosen and strung together by the
 * input, so that segments carry requests that reach the header parser,
 * the decision and the request and response framing. */
#ifndef STEER_PACKET_DICT_H
#define STEER_PACKET_DICT_H

#include <stdint.h>

#include "packet_input.h"

#define PD_MAX 1800               /* bytes of one payload */

/* A client payload read from R into OUT: a count, then that many tokens
 * (request lines, header lines, the blank line, bodies, raw bytes from
 * the input, a long filler). Returns its length (often 0). */
unsigned pd_request(struct rd *r, uint8_t *out);

/* The same for a backend: status lines, response headers, bodies. */
unsigned pd_response(struct rd *r, uint8_t *out);

#endif
