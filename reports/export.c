/* export — CSV exports of a report; see export.h. */
#include "reports/export.h"

#include "reports/page.h"

static const char tag_head[] = "\"run\",\"series\",\"point\",\"rep\"";

static void put_tag(FILE *f, const struct export_tag *t)
{
	fprintf(f, "%lld,", (long long)t->run);
	csv_field(f, t->series);
	fputc(',', f);
	csv_field(f, t->point);
	fputc(',', f);
	if (t->rep)
		fprintf(f, "%u", t->rep);
}

void export_ops_head(FILE *f)
{
	fprintf(f, "%s,\"workload\",\"op\",\"site\",\"start\",\"duration_ms\","
		"\"ok\",\"atomic\",\"value\",\"unit\"\r\n", tag_head);
}

void export_sums_head(FILE *f)
{
	fprintf(f, "%s,\"workload\",\"op\",\"site\",\"count\",\"failures\","
		"\"min_ms\",\"p50_ms\",\"p90_ms\",\"p99_ms\",\"max_ms\","
		"\"mean_ms\",\"stddev_ms\"\r\n", tag_head);
}

void export_values_head(FILE *f)
{
	fprintf(f, "%s,\"workload\",\"op\",\"site\",\"unit\",\"n\",\"min\","
		"\"p50\",\"p90\",\"p99\",\"max\",\"mean\",\"stddev\"\r\n",
		tag_head);
}

void export_traffic_head(FILE *f)
{
	fprintf(f, "%s,\"src_site\",\"dst_site\",\"service\",\"proto\","
		"\"port\",\"packets\",\"bytes\",\"payload\"\r\n", tag_head);
}

/* ",V" for each of V[0..N). */
static void put_nums(FILE *f, const double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		fputc(',', f);
		csv_num(f, v[i]);
	}
}

void export_ops(FILE *f, const struct export_tag *t,
		const struct report_wlop *ops, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct report_wlop *o = &ops[i];
		const double v[] = { o->start, o->duration_ms };

		put_tag(f, t);
		fputc(',', f);
		csv_field(f, o->workload);
		fputc(',', f);
		csv_field(f, o->op);
		fputc(',', f);
		csv_field(f, o->site);
		put_nums(f, v, 2);
		fprintf(f, ",%d,%d,", o->ok, o->atomic);
		csv_num(f, o->value);
		fputc(',', f);
		csv_field(f, o->unit);
		fputs("\r\n", f);
	}
}

void export_sums(FILE *f, const struct export_tag *t,
		 const struct report_wlsum *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const double v[] = { s[i].min_ms, s[i].p50_ms, s[i].p90_ms,
				     s[i].p99_ms, s[i].max_ms, s[i].mean_ms,
				     s[i].stddev_ms };

		put_tag(f, t);
		fputc(',', f);
		csv_field(f, s[i].workload);
		fputc(',', f);
		csv_field(f, s[i].op);
		fputc(',', f);
		csv_field(f, s[i].site);
		fprintf(f, ",%llu,%llu", (unsigned long long)s[i].count,
			(unsigned long long)s[i].failures);
		put_nums(f, v, 7);
		fputs("\r\n", f);
	}
}

void export_values(FILE *f, const struct export_tag *t,
		   const struct report_wlvalue *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const double x[] = { v[i].min, v[i].p50, v[i].p90, v[i].p99,
				     v[i].max, v[i].mean, v[i].stddev };

		put_tag(f, t);
		fputc(',', f);
		csv_field(f, v[i].workload);
		fputc(',', f);
		csv_field(f, v[i].op);
		fputc(',', f);
		csv_field(f, v[i].site);
		fputc(',', f);
		csv_field(f, v[i].unit);
		fprintf(f, ",%zu", v[i].n);
		put_nums(f, x, 7);
		fputs("\r\n", f);
	}
}

void export_traffic(FILE *f, const struct export_tag *t,
		    const struct report_traffic *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		put_tag(f, t);
		fputc(',', f);
		csv_field(f, r[i].src);
		fputc(',', f);
		csv_field(f, r[i].dst);
		fputc(',', f);
		csv_field(f, r[i].service);
		fprintf(f, ",%d,%d,%llu,%llu,%llu\r\n", r[i].proto, r[i].port,
			(unsigned long long)r[i].packets,
			(unsigned long long)r[i].bytes,
			(unsigned long long)r[i].payload);
	}
}
