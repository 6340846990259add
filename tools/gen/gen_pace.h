/* A token bucket on the TSC for paced sends (the SYN flood): integer
 * arithmetic only, so a long run sends exactly RATE per second however
 * unevenly it is polled, and a stalled loop (a progress line, a sleep)
 * catches up by at most BURST frames instead of sending a second's worth
 * at once. Pure C, no EAL: the tests drive it with a made-up clock. */
#ifndef STEER_GEN_PACE_H
#define STEER_GEN_PACE_H

#include <stdint.h>

#define GEN_PACE_MAX_RATE 10000000u   /* per second; keeps the products
					 below 2^64 for any TSC up to 2^40 Hz */

struct gen_pace {
	uint64_t rate;            /* per second, <= GEN_PACE_MAX_RATE */
	uint64_t hz;              /* clock ticks per second */
	uint64_t credit;          /* in ticks x rate: one frame is HZ */
	uint64_t cap;             /* BURST frames and a fraction */
	uint64_t last;            /* clock at the last take */
};

/* RATE frames a second (clamped to GEN_PACE_MAX_RATE) on a clock of HZ
 * ticks a second, at most BURST (>= 1) owed at once, starting empty at
 * NOW. */
void gen_pace_init(struct gen_pace *p, uint64_t rate, uint64_t hz,
		   uint32_t burst, uint64_t now);

/* Frames that may go at NOW, at most MAX; they are taken from the
 * bucket. A clock that went backwards counts as no time passed. */
uint32_t gen_pace_take(struct gen_pace *p, uint64_t now, uint32_t max);

#endif
