/* rtt — RTT matrix files of a run; see rtt.h. */
#include "reports/rtt.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reports/plot.h"

int report_rtt_within(const struct report_rtt *r, double pct, double ms)
{
	if (r->cut)
		return r->loss_pct >= 100.0;
	if (isnan(r->target_ms))
		return 1;
	if (isnan(r->p50_ms))
		return 0;
	return fabs(r->p50_ms - r->target_ms) <= fmax(pct / 100.0 * r->target_ms, ms);
}

static void write_tsv(FILE *f, const struct report_rtt *rows, size_t n)
{
	size_t i;

	fprintf(f, "src\tdst\ttarget_ms\tmin_ms\tp50_ms\tp90_ms\tp99_ms\tmean_ms\tloss_pct\tsamples\n");
	for (i = 0; i < n; i++) {
		const struct report_rtt *r = &rows[i];

		fprintf(f, "%s\t%s\t", r->src, r->dst);
		if (isnan(r->target_ms))
			fputs("-\t", f);
		else
			fprintf(f, "%.3f\t", r->target_ms);
		fprintf(f, "%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.2f\t%u\n", r->min_ms,
			r->p50_ms, r->p90_ms, r->p99_ms, r->mean_ms, r->loss_pct,
			r->samples);
	}
}

static void write_summary(FILE *f, const char *exp, int64_t run,
			  const struct report_rtt *rows, size_t n)
{
	double worst_p50 = 0, sum_p50 = 0, worst_loss = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		sum_p50 += rows[i].p50_ms;
		if (rows[i].p50_ms > worst_p50)
			worst_p50 = rows[i].p50_ms;
		if (rows[i].loss_pct > worst_loss)
			worst_loss = rows[i].loss_pct;
	}
	fprintf(f, "experiment %s, run %lld\n", exp, (long long)run);
	fprintf(f, "site pairs measured: %zu\n", n);
	if (n)
		fprintf(f, "RTT p50: mean %.3f ms, worst %.3f ms; worst loss %.2f %%\n",
			sum_p50 / (double)n, worst_p50, worst_loss);
	fprintf(f, "per pair: rtt.tsv\n");
}

int report_rtt_write(const char *dir, const char *exp, int64_t run,
		     const struct report_rtt *rows, size_t n)
{
	struct plot_file pf = { 0 };
	int dfd, rc;

	/* DIR is the run's directory (enos/rundir.c made it, refusing a
	 * link); each file is written new and renamed into place, so a
	 * planted link is replaced, never followed. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	rc = plot_file_create(dfd, "rtt.tsv", &pf);
	if (rc == 0) {
		write_tsv(pf.f, rows, n);
		rc = plot_file_commit(&pf);
	}
	if (rc == 0)
		rc = plot_file_create(dfd, "summary.txt", &pf);
	if (rc == 0) {
		write_summary(pf.f, exp, run, rows, n);
		rc = plot_file_commit(&pf);
	}
	close(dfd);
	return rc;
}
