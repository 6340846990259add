/* SYN cookies: see syncookie.h. */
#include <string.h>

#include "syncookie.h"

/* What a client's MSS is rounded down to: common values (RFC 879's
 * default, tunnels and PPPoE, Ethernet), ascending. */
static const uint16_t mss_table[8] = { 536, 1200, 1300, 1360, 1400, 1440,
				       1452, 1460 };

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return x << b | x >> (64 - b);
}

static inline void sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32);
	v[2] += v[3]; v[3] = rotl(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = rotl(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32);
}

static inline uint64_t le64(const uint8_t *p)
{
	uint64_t x = 0;

	for (int i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

uint64_t siphash24_16(const uint64_t key[2], const uint8_t m[16])
{
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ull, key[1] ^ 0x646f72616e646f6dull,
		key[0] ^ 0x6c7967656e657261ull, key[1] ^ 0x7465646279746573ull,
	};
	/* two message words, then the final word: the length (16) in the
	 * top byte and no tail bytes */
	uint64_t words[3] = { le64(m), le64(m + 8), (uint64_t)16 << 56 };

	for (int i = 0; i < 3; i++) {
		v[3] ^= words[i];
		sip_round(v);
		sip_round(v);
		v[0] ^= words[i];
	}
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint32_t cookie_hash(const uint64_t key[2], const struct cookie_tuple *t,
			    uint32_t extra)
{
	uint8_t m[16];

	memcpy(m, &t->c_ip, 4);
	memcpy(m + 4, &t->l_ip, 4);
	memcpy(m + 8, &t->c_port, 2);
	memcpy(m + 10, &t->l_port, 2);
	memcpy(m + 12, &extra, 4);
	return (uint32_t)siphash24_16(key, m);
}

/* The first hash takes a value no period has (t < 256). */
#define H1_EXTRA 0xffffffffu

/* The cookie's fields in BITS (27..32) bits: the period in the top 8,
 * the data in the 8 below, the hash's own bits under them. */
static inline uint32_t width_mask(unsigned bits)
{
	return bits >= 32 ? UINT32_MAX : (1u << bits) - 1;
}

uint32_t cookie_make(const uint64_t key[2], const struct cookie_tuple *t,
		     uint32_t c_isn, uint64_t now_ms, struct cookie_opts *o,
		     unsigned bits)
{
	uint32_t period = (uint32_t)(now_ms >> COOKIE_PERIOD_SHIFT) & 0xff;
	unsigned mi = 0;

	while (mi < 7 && mss_table[mi + 1] <= o->mss)
		mi++;
	o->mss = mss_table[mi];
	unsigned ws = o->wscale < 0 ? 15 : (unsigned)(o->wscale > 14 ? 14 : o->wscale);
	uint32_t data = (uint32_t)mi << 5 | ws << 1 | (o->sack_ok ? 1 : 0);
	uint32_t low = width_mask(bits - 8);

	return (cookie_hash(key, t, H1_EXTRA) + c_isn + (period << (bits - 8)) +
		((cookie_hash(key, t, period) + (data << (bits - 16))) & low)) &
	       width_mask(bits);
}

bool cookie_check(const uint64_t key[2], const struct cookie_tuple *t,
		  uint32_t c_isn, uint32_t cookie, uint64_t now_ms,
		  struct cookie_opts *o, unsigned bits)
{
	uint32_t x = (cookie - cookie_hash(key, t, H1_EXTRA) - c_isn) & width_mask(bits);
	uint32_t period = x >> (bits - 8);
	uint32_t now = (uint32_t)(now_ms >> COOKIE_PERIOD_SHIFT) & 0xff;

	if (((now - period) & 0xff) > 1)
		return false;             /* stale, or not ours */
	uint32_t y = (x - cookie_hash(key, t, period)) & width_mask(bits - 8);
	if (y & width_mask(bits - 16))
		return false;             /* the hash's own bits differ */
	uint32_t data = y >> (bits - 16);
	o->mss = mss_table[data >> 5];
	unsigned ws = data >> 1 & 15;
	o->wscale = ws == 15 ? -1 : (int8_t)ws;
	o->sack_ok = data & 1;
	return true;
}
