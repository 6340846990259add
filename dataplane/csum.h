/* Incremental Internet checksum update, RFC 1624 equation 3:
 * HC' = ~(~HC + ~m + m'). Values are taken raw from the packet (network
 * order as stored): one's-complement sums do not depend on byte order as long
 * as every word is taken the same way (RFC 1071 section 2(B)). */
#ifndef STEER_CSUM_H
#define STEER_CSUM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

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

/* ---- whole sums (RFC 1071) ---------------------------------------------
 * A 64-bit accumulator taking eight bytes per add with end-around carry,
 * then folded: the same one's-complement sum as rte_raw_cksum()'s 16-bit
 * loop (bytes keep their lanes: every load starts at an even offset from
 * the buffer's start), at about a quarter of its instructions. */

static inline uint64_t csum_add64(uint64_t s, uint64_t v)
{
	s += v;
	return s + (s < v);
}

#if defined(__x86_64__)
/* Add the 64 bytes at B to S in one chain of add-with-carry, each load
 * folded into its add, and the last carry added back: 9 instructions for
 * 64 bytes where the portable loop below takes about 30 (what C cannot
 * say is "add the carry of the last add"). The memory operand tells the
 * compiler which bytes are read. */
static inline uint64_t csum_add64x8(uint64_t s, const uint8_t *b)
{
	__asm__("addq (%[b]), %[s]\n\t"
		"adcq 8(%[b]), %[s]\n\t"
		"adcq 16(%[b]), %[s]\n\t"
		"adcq 24(%[b]), %[s]\n\t"
		"adcq 32(%[b]), %[s]\n\t"
		"adcq 40(%[b]), %[s]\n\t"
		"adcq 48(%[b]), %[s]\n\t"
		"adcq 56(%[b]), %[s]\n\t"
		"adcq $0, %[s]"
		: [s] "+r"(s)
		: [b] "r"(b), "m"(*(const uint8_t (*)[64])b)
		: "cc");
	return s;
}
#endif

/* Add the LEN bytes at P to the accumulator S. */
static inline uint64_t csum_partial(const void *p, size_t len, uint64_t s)
{
	const uint8_t *b = p;
	uint64_t v;
	uint32_t v4;
	uint16_t v2;

#if defined(__x86_64__)
	for (; len >= 64; b += 64, len -= 64)
		s = csum_add64x8(s, b);
#endif
	for (; len >= 32; b += 32, len -= 32) {
		uint64_t a[4];
		memcpy(a, b, 32);
		s = csum_add64(s, a[0]);
		s = csum_add64(s, a[1]);
		s = csum_add64(s, a[2]);
		s = csum_add64(s, a[3]);
	}
	for (; len >= 8; b += 8, len -= 8) {
		memcpy(&v, b, 8);
		s = csum_add64(s, v);
	}
	if (len >= 4) {
		memcpy(&v4, b, 4);
		s = csum_add64(s, v4);
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&v2, b, 2);
		s = csum_add64(s, v2);
		b += 2;
		len -= 2;
	}
	if (len)
		s = csum_add64(s, *b);   /* the high byte of a zero-padded word */
	return s;
}

/* Fold accumulator S to 16 bits (not complemented). */
static inline uint16_t csum_fold64(uint64_t s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	return csum_fold32((uint32_t)s);
}

/* rte_raw_cksum()'s result: the folded, uncomplemented sum of P[0..LEN). */
static inline uint16_t csum_raw(const void *p, size_t len)
{
	return csum_fold64(csum_partial(p, len, 0));
}

/* The IPv4 pseudo-header's share (RFC 9293 section 3.1) for protocol
 * PROTO and L4LEN bytes; SRC and DST in network order. */
static inline uint64_t csum_phdr4(uint32_t src, uint32_t dst, uint8_t proto,
				  uint32_t l4len)
{
	return (uint64_t)src + dst + rte_cpu_to_be_16(proto) +
	       rte_cpu_to_be_16((uint16_t)l4len);
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

/* The checksum field's value for a 20-byte IPv4 header whose own checksum
 * field is 0. */
static inline uint16_t ipv4_hdr20_csum(const void *hdr)
{
	return (uint16_t)~csum_raw(hdr, 20);
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
