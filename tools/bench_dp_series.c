/* bench_dp: series of timed runs, their medians and how they are printed;
 * the helpers every part of the benchmark shares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_dp.h"

double tsc_ns;
_Atomic unsigned problems;

void die(const char *msg)
{
	fprintf(stderr, "bench_dp: %s\n", msg);
	exit(2);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (p == NULL)
		die("out of memory");
	return p;
}

void series_init(struct series *s, unsigned runs)
{
	memset(s, 0, sizeof(*s));
	s->tsc = xcalloc(runs, sizeof(double));
	s->cpu = xcalloc(runs, sizeof(double));
}

void series_add(struct series *s, const struct sample *x, unsigned units)
{
	s->sum.cycles += x->cycles;
	s->sum.cpu_ns += x->cpu_ns;
	s->sum.instr += x->instr;
	s->sum.frames += x->frames;
	s->tsc[s->n] = (double)x->cycles * tsc_ns / units;
	s->cpu[s->n] = (double)x->cpu_ns / units;
	s->n++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(const double *per, unsigned n)
{
	if (n == 0)
		return 0;
	double *v = xcalloc(n, sizeof(double));
	memcpy(v, per, n * sizeof(double));
	qsort(v, n, sizeof(double), cmp_double);
	double m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	free(v);
	return m;
}

double minimum(const double *per, unsigned n)
{
	double m = n ? per[0] : 0;

	for (unsigned i = 1; i < n; i++)
		if (per[i] < m)
			m = per[i];
	return m;
}

uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");

	buf[0] = 0;
	if (f) {
		if (fgets(buf, (int)len, f) == NULL)
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
}

/* ---- report -------------------------------------------------------------- */

void print_head(void)
{
	printf("%-13s %7s %9s %7s %7s %7s %7s %7s %7s %9s\n", "loop", "payload",
	       "frames", "ns/pkt", "min", "mean", "cpu_ns", "cyc/pkt", "Mpps", "instr/pkt");
}

void print_row(const char *name, unsigned size, const struct series *s)
{
	double n = s->sum.frames ? s->sum.frames : 1;
	double med = median(s->tsc, s->n);
	char instr[32] = "-";

	if (s->sum.instr)
		snprintf(instr, sizeof(instr), "%.0f", s->sum.instr / n);
	printf("%-13s %7u %9u %7.1f %7.1f %7.1f %7.1f %7.1f %7.2f %9s\n", name, size,
	       s->sum.frames, med, minimum(s->tsc, s->n), s->sum.cycles * tsc_ns / n,
	       median(s->cpu, s->n), med / tsc_ns, med > 0 ? 1000 / med : 0, instr);
}
