/* bench_dp: connection lives, batch after batch, timed phase by phase
 * (bench_dp_conn.c plays them), and their report. */
#include <stdio.h>
#include <stdlib.h>

#include "bench_dp.h"

/* CONNS connection lives in batches of BATCH (after one untimed batch to
 * warm up), numbered from ID. */
void lives_run(struct bench *b, struct lives *l, unsigned conns,
		      unsigned batch, uint32_t id)
{
	unsigned batches = (conns + batch - 1) / batch;
	struct peer_conn *cc = xcalloc(batch, sizeof(*cc));
	uint64_t closed0;

	for (unsigned p = 0; p < PH__COUNT; p++) {
		series_init(&l->steer[p], batches);
		series_init(&l->fwd[p], batches);
	}
	series_init(&l->life, batches);
	series_init(&l->life_fwd, batches);
	for (unsigned i = 0; i < batch; i++)
		id = conn_next(b, &cc[i], id);
	problems += conn_play(b, cc, batch, PH_SYN, PH_EXPIRE, NULL, NULL);
	closed0 = b->w->st.cnt[CNT_closed_fin];
	l->conns = 0;
	for (unsigned k = 0; k < batches; k++) {
		unsigned n = conns - l->conns < batch ? conns - l->conns : batch;
		struct sample st[PH__COUNT], fw[PH__COUNT] = { { 0 } };
		struct sample s = { 0 }, f = { 0 };

		for (unsigned i = 0; i < n; i++)
			id = conn_next(b, &cc[i], id);
		problems += conn_play(b, cc, n, PH_SYN, PH_EXPIRE, st, fw);
		for (unsigned p = 0; p < PH__COUNT; p++) {
			series_add(&l->steer[p], &st[p], n);
			series_add(&l->fwd[p], &fw[p], n);
			s.cycles += st[p].cycles;
			s.cpu_ns += st[p].cpu_ns;
			s.instr += st[p].instr;
			s.frames += st[p].frames;
			f.cycles += fw[p].cycles;
			f.cpu_ns += fw[p].cpu_ns;
			f.frames += fw[p].frames;
		}
		series_add(&l->life, &s, n);
		series_add(&l->life_fwd, &f, n);
		l->conns += n;
	}
	if (b->w->st.cnt[CNT_closed_fin] - closed0 != l->conns) {
		fprintf(stderr, "bench_dp: %llu connections closed by FIN, expected %u\n",
			(unsigned long long)(b->w->st.cnt[CNT_closed_fin] - closed0), l->conns);
		problems++;
	}
	free(cc);
}

void lives_print(const struct lives *l, unsigned batch, unsigned linger_ms)
{
	double n = l->conns;

	printf("\nconnection lives: %u connections in batches of %u, %u frames in "
	       "and %u out each, linger_ms %u\n", l->conns, batch, PH_EXPIRE,
	       PH_EXPIRE + 1, linger_ms);
	printf("%-30s %7s %7s %7s %7s %9s\n", "phase (frame in -> out)", "ns/pkt",
	       "mean", "cpu_ns", "io-fwd", "instr/pkt");
	for (unsigned p = 0; p < PH__COUNT; p++) {
		const struct series *s = &l->steer[p];
		char instr[32] = "-";
		if (s->sum.instr)
			snprintf(instr, sizeof(instr), "%.0f", s->sum.instr / n);
		printf("%-30s %7.1f %7.1f %7.1f %7.1f %9s\n", phase_name[p],
		       median(s->tsc, s->n), s->sum.cycles * tsc_ns / n,
		       median(s->cpu, s->n), median(l->fwd[p].tsc, l->fwd[p].n), instr);
	}
	double med = median(l->life.tsc, l->life.n);
	double fmed = median(l->life_fwd.tsc, l->life_fwd.n);
	char instr[32] = "-";
	if (l->life.sum.instr)
		snprintf(instr, sizeof(instr), "%.0f", l->life.sum.instr / n);
	printf("%-13s %8s %8s %8s %8s %10s %8s\n", "per conn", "ns", "min", "mean",
	       "cpu_ns", "conns/s", "instr");
	printf("%-13s %8.1f %8.1f %8.1f %8.1f %10.0f %8s\n", "steer", med,
	       minimum(l->life.tsc, l->life.n), l->life.sum.cycles * tsc_ns / n,
	       median(l->life.cpu, l->life.n), med > 0 ? 1e9 / med : 0, instr);
	printf("%-13s %8.1f %8.1f %8.1f %8.1f %10.0f %8s\n", "io-forward", fmed,
	       minimum(l->life_fwd.tsc, l->life_fwd.n), l->life_fwd.sum.cycles * tsc_ns / n,
	       median(l->life_fwd.cpu, l->life_fwd.n), fmed > 0 ? 1e9 / fmed : 0, "-");
	printf("ratio: steer / io-forward (the same %u frames) connection rate %.4f\n",
	       PH_EXPIRE, fmed / med);
}
