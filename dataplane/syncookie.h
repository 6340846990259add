/* SYN cookies (RFC 4987 section 3.6): the ISN of our SYN-ACK carries
 * what a flow entry would have kept, so a SYN costs no state until the
 * client's ACK returns it. Pure functions, no DPDK: unit-tested alone.
 *
 * Encoding (after Linux's, with the option bits in the hash's place
 * because timestamps are not negotiated):
 *
 *   cookie = H(tuple) + client ISN + (t << 24) + ((H(tuple, t) + (data << 16)) mod 2^24)
 *
 * t is a 64-second clock (8 bits, so a cookie is good for one to two
 * periods); data is 8 bits: the client's MSS as an index into a table
 * (3), its window shift or "none" (4), SACK-permitted (1). H is SipHash-
 * 2-4 under a secret key. A blind forged ACK is accepted with
 * probability 2^-23 per try (2 periods x 256 data values in 2^32; the low
 * 16 bits are pure hash, so an ACK number off by a little never passes);
 * an accepted one costs a flow entry until header_ms, never a buffer.
 *
 * In a cluster (owner.h) the cookie is made in the low BITS = 27 bits of
 * the ISN, the node id above it: the same fields shifted down by 5, 11
 * bits of pure hash, so a blind forged ACK passes with probability 2^-18
 * per try. BITS = 32 is the encoding above. */
#ifndef STEER_SYNCOOKIE_H
#define STEER_SYNCOOKIE_H

#include <stdbool.h>
#include <stdint.h>

#define COOKIE_PERIOD_SHIFT 16    /* ms >> 16: a 65.5 s period */

struct cookie_tuple {
	uint32_t c_ip, l_ip;      /* as on the wire */
	uint16_t c_port, l_port;
};

struct cookie_opts {
	uint16_t mss;             /* the table's value at or below the client's */
	int8_t wscale;            /* -1: the client offered no window scaling */
	bool sack_ok;
};

/* SipHash-2-4 of the 16 bytes M under KEY (unit tests check the
 * reference vectors). */
uint64_t siphash24_16(const uint64_t key[2], const uint8_t m[16]);

/* The cookie for a SYN of TUPLE with client ISN C_ISN at NOW_MS and
 * options O; O->mss is rounded down to what the cookie can carry. */
uint32_t cookie_make(const uint64_t key[2], const struct cookie_tuple *t,
		     uint32_t c_isn, uint64_t now_ms, struct cookie_opts *o,
		     unsigned bits);

/* Is COOKIE (the client's ACK number - 1, its low BITS bits) one we made
 * for TUPLE and C_ISN (its sequence number - 1) in this period or the one
 * before? Then O holds the options it carried. */
bool cookie_check(const uint64_t key[2], const struct cookie_tuple *t,
		  uint32_t c_isn, uint32_t cookie, uint64_t now_ms,
		  struct cookie_opts *o, unsigned bits);

#endif
