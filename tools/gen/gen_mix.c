/* Request mix and misroute classification (see gen_mix.h). */
#include <stdio.h>
#include <string.h>

#include "gen_mix.h"

unsigned gen_mix_pick(const struct gen_mix *mx, uint64_t r)
{
	uint64_t x = r % mx->total_weight;

	for (unsigned i = 0; i < mx->n_entries; i++) {
		if (x < mx->entry[i].weight)
			return i;
		x -= mx->entry[i].weight;
	}
	return mx->n_entries - 1;
}

unsigned gen_mix_next(const struct gen_mix *mx, bool per_connection,
		      unsigned prev, unsigned n, uint64_t r)
{
	return per_connection && n > 1 ? prev : gen_mix_pick(mx, r);
}

enum gen_verdict gen_mix_classify(const struct gen_mix *mx, unsigned e,
				  const char *served, size_t len)
{
	for (unsigned s = 0; s < mx->n_servers; s++) {
		const struct gen_server *sv = &mx->server[s];
		if (strlen(sv->name) != len || memcmp(sv->name, served, len) != 0)
			continue;
		return strcmp(sv->group, mx->entry[e].expect) == 0 ?
			GEN_RIGHT : GEN_MISROUTE;
	}
	return GEN_UNNAMED;
}

int gen_mix_server(const struct gen_mix *mx, uint32_t ip, uint16_t port,
		   bool vxlan, uint32_t vni)
{
	for (unsigned s = 0; s < mx->n_servers; s++) {
		const struct gen_server *sv = &mx->server[s];
		if (sv->ip == ip && sv->port == port && sv->vxlan == vxlan &&
		    (!vxlan || sv->vni == vni))
			return (int)s;
	}
	return -1;
}

int gen_mix_check(struct gen_mix *mx, char *err, size_t errlen)
{
	mx->total_weight = 0;
	for (unsigned i = 0; i < mx->n_entries; i++) {
		const struct gen_mix_entry *e = &mx->entry[i];
		bool found = false;
		for (unsigned s = 0; s < mx->n_servers; s++)
			found |= strcmp(mx->server[s].group, e->expect) == 0;
		if (!found) {
			snprintf(err, errlen, "mix entry '%s' expects group '%s', which no server is in",
				 e->name, e->expect);
			return -1;
		}
		mx->total_weight += e->weight;
	}
	if (mx->total_weight == 0) {
		snprintf(err, errlen, "the mix has no entry with a weight");
		return -1;
	}
	return 0;
}
