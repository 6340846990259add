/* Each service's Maglev table: built at compile time over the backends
 * that take new flows, and rebuilt on demand without the ones health
 * checks found down (rs_maglev_without), with only their flows moving.
 *
 * A backend's Maglev id is a hash of its ip:port, not its index, so its
 * preferences do not change when others come or go, and every node built
 * from the same configuration agrees on the table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"
#include "rules.h"
#include "rules-int.h"

static uint64_t backend_id(const struct conf_backend *b)
{
	return shash_mix(((uint64_t)b->ip << 16) | b->port, 0x6d61676cu);
}

struct live {
	uint64_t id;
	uint32_t weight;
	uint16_t k;
};

static int live_cmp(const void *a, const void *b)
{
	const struct live *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->k > y->k) - (x->k < y->k);
}

/* The backends of CS that take new flows, in the order of their ids, not
 * of the file: Maglev's population loop gives ties to the backend it
 * visits first, so a table built in file order would differ between two
 * nodes whose rules list the same backends in another order (one that
 * read them whole, one that saw them added one by one). Their ids and
 * weights, and their indexes in CS (MAP). Returns how many, or -1 when
 * out of memory. */
static int live_backends(const struct conf_service *cs, uint64_t *ids,
			 uint32_t *w, uint16_t *map)
{
	struct live *l = malloc(sizeof(*l) * (cs->n_backends ? cs->n_backends : 1));
	unsigned j = 0;

	if (l == NULL)
		return -1;
	for (unsigned k = 0; k < cs->n_backends; k++) {
		if (cs->backends[k].drained)
			continue;
		l[j++] = (struct live){ .id = backend_id(&cs->backends[k]),
					.weight = cs->backends[k].weight,
					.k = (uint16_t)k };
	}
	qsort(l, j, sizeof(*l), live_cmp);
	for (unsigned i = 0; i < j; i++) {
		ids[i] = l[i].id;
		w[i] = l[i].weight;
		map[i] = l[i].k;
	}
	free(l);
	return (int)j;
}

int rs_maglev_build(const struct conf_service *cs, struct rs_service *sv)
{
	size_t n = cs->n_backends ? cs->n_backends : 1;
	uint64_t *ids = malloc(sizeof(*ids) * n);
	uint32_t *w = malloc(sizeof(*w) * n);
	uint16_t *map = malloc(sizeof(*map) * n);
	int ret = -ENOMEM;

	sv->maglev = NULL;
	sv->maglev_size = cs->maglev_size ? cs->maglev_size : MAGLEV_DEFAULT_SIZE;
	if (ids == NULL || w == NULL || map == NULL)
		goto out;
	/* A drained backend keeps its flows (they hold their own address)
	 * but gets no new ones. The table holds indexes into cs->backends. */
	int n_live = live_backends(cs, ids, w, map);
	ret = n_live < 0 ? -ENOMEM : 0;
	if (n_live <= 0)
		goto out;
	ret = -ENOMEM;
	sv->maglev = malloc(sizeof(*sv->maglev) * sv->maglev_size);
	if (sv->maglev == NULL)
		goto out;
	ret = maglev_build(sv->maglev, sv->maglev_size, ids, w, (unsigned)n_live);
	for (uint32_t e = 0; ret == 0 && e < sv->maglev_size; e++)
		sv->maglev[e] = map[sv->maglev[e]];
out:
	free(ids);
	free(w);
	free(map);
	return ret;
}

const uint16_t *rs_maglev(const struct ruleset *rs, unsigned svc,
			  uint32_t *size)
{
	*size = rs->svc[svc].maglev_size;
	return rs->svc[svc].maglev;
}

int rs_maglev_without(const struct ruleset *rs, unsigned svc,
		      const bool *down, uint16_t *out)
{
	const struct conf_service *cs = &rs->conf->services[svc];
	const struct rs_service *sv = &rs->svc[svc];
	size_t n = cs->n_backends ? cs->n_backends : 1;
	uint64_t *ids = malloc(sizeof(*ids) * n);
	uint32_t *w = malloc(sizeof(*w) * n);
	uint16_t *map = malloc(sizeof(*map) * n);
	uint16_t *live_of = malloc(sizeof(*live_of) * n);
	bool *gone = malloc(sizeof(*gone) * n);
	uint16_t *t = malloc(sizeof(*t) * sv->maglev_size);
	int ret = -ENOMEM;

	if (ids == NULL || w == NULL || map == NULL || live_of == NULL ||
	    gone == NULL || t == NULL)
		goto out;
	int n_live = sv->maglev ? live_backends(cs, ids, w, map) : 0;
	ret = n_live < 0 ? -ENOMEM : -ENOENT;
	if (n_live <= 0)
		goto out;
	for (unsigned j = 0; j < (unsigned)n_live; j++) {
		live_of[map[j]] = (uint16_t)j;
		gone[j] = down[map[j]];
	}
	/* Back to the build's own index space, take the down ones out, and
	 * back to backend indexes. */
	for (uint32_t e = 0; e < sv->maglev_size; e++)
		t[e] = live_of[sv->maglev[e]];
	ret = maglev_remove(t, sv->maglev_size, ids, w, (unsigned)n_live, gone);
	if (ret != 0)
		goto out;
	for (uint32_t e = 0; e < sv->maglev_size; e++)
		out[e] = map[t[e]];
out:
	free(ids);
	free(w);
	free(map);
	free(live_of);
	free(gone);
	free(t);
	return ret;
}
