/* Health verdicts (hc_verdict.h): counting results in a row, and when a
 * backend goes down and comes back. */
#include <string.h>

#include "hc_verdict.h"

const char *const hc_reason_names[HC_R__COUNT] = {
#define HC_REASON_NAME(n, s) #n,
	HC_REASONS(HC_REASON_NAME)
#undef HC_REASON_NAME
};

void hc_params_of(struct hc_params *p, bool active, uint32_t rise,
		  uint32_t fall)
{
	*p = (struct hc_params){
		.active = active,
		.rise = active ? rise : 1,
		.fall = active ? fall : 1,
		/* With active checks the operator said how many failures in
		 * a row mean down; their connects are held to the same. */
		.passive_fall = active ? fall : HC_PASSIVE_FALL,
		.hold_ms = HC_PASSIVE_HOLD_MS,
	};
}

void hc_verdict_init(struct hc_verdict *v, uint64_t now)
{
	memset(v, 0, sizeof(*v));
	v->since = now;
}

static void failure(struct hc_verdict *v, enum hc_reason reason,
		    uint16_t status, uint64_t now)
{
	v->failed = true;
	v->reason = (uint8_t)reason;
	v->status = status;
	v->failed_at = now;
}

static bool set_down(struct hc_verdict *v, bool down, uint64_t now)
{
	if (v->down == down)
		return false;
	v->down = down;
	v->since = now;
	v->downs += down;
	if (!down)
		v->passive = false;
	return true;
}

bool hc_verdict_check(struct hc_verdict *v, const struct hc_params *p,
		      enum hc_reason reason, uint16_t status, uint64_t now)
{
	v->checks++;
	if (reason == HC_R_none) {
		v->fails = 0;
		v->oks++;
		return v->down && v->oks >= p->rise && set_down(v, false, now);
	}
	v->check_fails++;
	v->oks = 0;
	v->fails++;
	failure(v, reason, status, now);
	return !v->down && v->fails >= p->fall && set_down(v, true, now);
}

bool hc_verdict_passive(struct hc_verdict *v, const struct hc_params *p,
			uint32_t fails, uint64_t now)
{
	if (v->down || fails < p->passive_fall)
		return false;
	failure(v, HC_R_connect_failed, 0, now);
	/* Checks that passed before the clients failed prove nothing about
	 * now: coming back takes rise fresh ones. */
	v->oks = 0;
	v->passive = true;
	return set_down(v, true, now);
}

bool hc_verdict_tick(struct hc_verdict *v, const struct hc_params *p,
		     uint64_t now)
{
	/* Without active checks nothing else can bring it back; a service
	 * that lost its health group by a reload is in the same place. */
	if (!v->down || p->active || now - v->since < p->hold_ms)
		return false;
	v->fails = 0;
	return set_down(v, false, now);
}

const char *hc_verdict_state(const struct hc_verdict *v,
			     const struct hc_params *p)
{
	if (v->down)
		return "down";
	return p->active ? "up" : "unchecked";
}
