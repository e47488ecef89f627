/* rtt — RTT matrix files of a run; see rtt.h. */
#include "reports/rtt.h"
#include "util/fs.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

static int write_tsv(const char *dir, const struct report_rtt *rows, size_t n)
{
	char path[4200];
	FILE *f;
	size_t i;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/rtt.tsv", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
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
	if (fclose(f) != 0)
		rc = -errno;
	return rc;
}

static int write_summary(const char *dir, const char *exp, int64_t run,
			 const struct report_rtt *rows, size_t n)
{
	double worst_p50 = 0, sum_p50 = 0, worst_loss = 0;
	char path[4200];
	FILE *f;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		sum_p50 += rows[i].p50_ms;
		if (rows[i].p50_ms > worst_p50)
			worst_p50 = rows[i].p50_ms;
		if (rows[i].loss_pct > worst_loss)
			worst_loss = rows[i].loss_pct;
	}
	snprintf(path, sizeof(path), "%s/summary.txt", dir);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "experiment %s, run %lld\n", exp, (long long)run);
	fprintf(f, "site pairs measured: %zu\n", n);
	if (n)
		fprintf(f, "RTT p50: mean %.3f ms, worst %.3f ms; worst loss %.2f %%\n",
			sum_p50 / (double)n, worst_p50, worst_loss);
	fprintf(f, "per pair: rtt.tsv\n");
	if (fclose(f) != 0)
		rc = -errno;
	return rc;
}

int report_rtt_write(const char *dir, const char *exp, int64_t run,
		     const struct report_rtt *rows, size_t n)
{
	int rc = fs_mkdir_p(dir, 0755);

	if (rc == 0)
		rc = write_tsv(dir, rows, n);
	if (rc == 0)
		rc = write_summary(dir, exp, run, rows, n);
	return rc;
}
