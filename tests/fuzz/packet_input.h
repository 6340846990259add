/* Reading the packet-path fuzzer's input (packet_fuzz.c): bytes taken
 * from the front; past the end every read is zero, so any input decodes. */
#ifndef STEER_PACKET_INPUT_H
#define STEER_PACKET_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct rd {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t u8(struct rd *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static inline uint16_t u16(struct rd *r)
{
	uint16_t hi = u8(r);
	return (uint16_t)(hi << 8 | u8(r));
}

static inline uint32_t u32(struct rd *r)
{
	uint32_t hi = u16(r);
	return hi << 16 | u16(r);
}

#endif
