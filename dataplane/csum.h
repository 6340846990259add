/* Incremental Internet checksum update, RFC 1624 equation 3:
 * HC' = ~(~HC + ~m + m'). Values are taken raw from the packet (network
 * order as stored): one's-complement sums do not depend on byte order as long
 * as every word is taken the same way (RFC 1071 section 2(B)). */
#ifndef STEER_CSUM_H
#define STEER_CSUM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t csum_fold32(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Replace a 16-bit word FROM by TO under the checksum at SUM (which may
 * be unaligned or a packed member). */
static inline void csum_replace2(void *sum, uint16_t from, uint16_t to)
{
	uint16_t v;
	memcpy(&v, sum, 2);
	uint32_t s = (uint16_t)~v;
	s += (uint16_t)~from;
	s += to;
	v = (uint16_t)~csum_fold32(s);
	memcpy(sum, &v, 2);
}

/* Replace a 32-bit field (two words) FROM by TO under checksum *SUM. */
static inline void csum_replace4(void *sum, uint32_t from, uint32_t to)
{
	uint16_t v;
	memcpy(&v, sum, 2);
	uint32_t s = (uint16_t)~v;
	s += (uint16_t)~(from & 0xffff);
	s += (uint16_t)~(from >> 16);
	s += to & 0xffff;
	s += to >> 16;
	v = (uint16_t)~csum_fold32(s);
	memcpy(sum, &v, 2);
}

/* Several replacements under one checksum: accumulate each word's ~m + m'
 * (RFC 1624 eqn 3 is linear in them) and fold into the checksum once,
 * instead of folding per field. ACC stays far below 2^32 for the few dozen
 * words a header can hold. */
static inline uint32_t csum_acc4(uint32_t acc, uint32_t from, uint32_t to)
{
	return acc + (uint16_t)~(from & 0xffff) + (uint16_t)~(from >> 16) +
	       (to & 0xffff) + (to >> 16);
}

static inline uint32_t csum_acc2(uint32_t acc, uint16_t from, uint16_t to)
{
	return acc + (uint16_t)~from + to;
}

static inline void csum_apply(void *sum, uint32_t acc)
{
	uint16_t v;
	memcpy(&v, sum, 2);
	v = (uint16_t)~csum_fold32((uint32_t)(uint16_t)~v + acc);
	memcpy(sum, &v, 2);
}

/* Whether a 20-byte IPv4 header (no options) sums to 0xffff, its checksum
 * included (RFC 1071): five 32-bit loads into 64 bits and one fold, where
 * rte_ipv4_cksum() walks ten 16-bit words. */
static inline bool ipv4_hdr20_csum_ok(const void *hdr)
{
	const uint8_t *p = hdr;
	uint64_t s = 0;
	uint32_t v;

	for (unsigned i = 0; i < 20; i += 4) {
		memcpy(&v, p + i, 4);
		s += v;
	}
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return csum_fold32((uint32_t)s) == 0xffff;
}

/* Load/store a 32-bit field that may be unaligned (TCP options). */
static inline uint32_t load32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline void store32(void *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

#endif
