/* The TSC token bucket (see gen_pace.h). */
#include "gen_pace.h"

void gen_pace_init(struct gen_pace *p, uint64_t rate, uint64_t hz,
		   uint32_t burst, uint64_t now)
{
	p->rate = rate > GEN_PACE_MAX_RATE ? GEN_PACE_MAX_RATE : rate;
	p->hz = hz ? hz : 1;
	p->credit = 0;
	/* BURST whole frames plus the fraction of the next: capping at
	 * whole frames would throw that fraction away at every take that
	 * finds the bucket full, and a low rate would come out short. */
	p->cap = (uint64_t)(burst ? burst : 1) * p->hz + (p->hz - 1);
	p->last = now;
}

uint32_t gen_pace_take(struct gen_pace *p, uint64_t now, uint32_t max)
{
	if (p->rate == 0)
		return 0;
	uint64_t elapsed = now > p->last ? now - p->last : 0;
	p->last = now > p->last ? now : p->last;
	/* Credit grows by ELAPSED x RATE, up to the cap; comparing against
	 * the room left first means the product never overflows. */
	uint64_t room = p->cap - p->credit;
	if (elapsed > room / p->rate)
		p->credit = p->cap;
	else
		p->credit += elapsed * p->rate;
	uint64_t n = p->credit / p->hz;
	if (n > max)
		n = max;
	p->credit -= n * p->hz;
	return (uint32_t)n;
}
