/* Checking a response against its request (see gen_check.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "gen_check.h"

const char *const gen_error_names[GEN_ERR__COUNT] = {
#define X(n, w) #n,
	GEN_ERRORS(X)
#undef X
};

static bool str_is(const struct gen_str *s, const char *v)
{
	return s->len == strlen(v) && memcmp(s->p, v, s->len) == 0;
}

enum gen_error gen_check_response(const struct gen_mix *mx,
				  const struct gen_sent *sent,
				  const struct gen_http_msg *msg, bool *misroute)
{
	const struct gen_mix_entry *e = &mx->entry[sent->entry];
	char ip[16];

	*misroute = false;
	if (msg->status != 200)
		return GEN_ERR_http_status;
	if (msg->content_length < 0)
		return GEN_ERR_bad_response;
	switch (gen_mix_classify(mx, sent->entry, msg->served_by.p, msg->served_by.len)) {
	case GEN_RIGHT:
		break;
	case GEN_MISROUTE:
		*misroute = true;
		break;
	case GEN_UNNAMED:
		return GEN_ERR_unnamed;
	}
	if (msg->id.len != GEN_ID_LEN || memcmp(msg->id.p, sent->id, GEN_ID_LEN) != 0)
		return GEN_ERR_id_mismatch;
	/* steerd injects a preview's intercept header into every request it
	 * routes by the preview host, and only into those: a request of an
	 * entry without an echo must not carry one (say, left over from the
	 * request before it on the connection). */
	if (e->echo[0] ? !str_is(&msg->echo, e->echo) : msg->echo.len != 0)
		return e->echo[0] ? GEN_ERR_echo_missing : GEN_ERR_echo_unexpected;
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", sent->client_ip >> 24,
		 (sent->client_ip >> 16) & 0xff, (sent->client_ip >> 8) & 0xff,
		 sent->client_ip & 0xff);
	if (!str_is(&msg->forwarded_for, ip))
		return GEN_ERR_forwarded_for;
	return GEN_ERR_NONE;
}

unsigned gen_success_permille(uint64_t succeeded, uint64_t attempted)
{
	if (succeeded >= attempted)
		return 1000;
	/* Scale both down until the product fits; the quotient moves by
	 * less than a tenth of a percent only for counts beyond 2^54. */
	while (attempted > UINT64_MAX / 1000) {
		succeeded >>= 1;
		attempted >>= 1;
	}
	unsigned pm = (unsigned)(succeeded * 1000 / attempted);
	return pm > 999 ? 999 : pm;
}

int gen_success_format(char *buf, size_t cap, uint64_t succeeded,
		       uint64_t attempted)
{
	if (attempted == 0)
		return snprintf(buf, cap, "legit success n/a (0/0)");
	unsigned pm = gen_success_permille(succeeded, attempted);
	return snprintf(buf, cap, "legit success %u.%u%% (%" PRIu64 "/%" PRIu64 ")",
			pm / 10, pm % 10, succeeded, attempted);
}
