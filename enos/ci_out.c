/* ci_out — what `enos ci` tells people and CI systems: the pass/fail
 * table on stdout, JUnit XML as Jenkins and GitLab read it (one
 * testsuite, one testcase per threshold, a <failure message="..."> with
 * the observed figure and the limit), and a JSON object whose shape
 * README.md documents.
 *
 * Every text shown comes from a file or the database and is hostile:
 * each goes through escape_ctl (no control character, valid UTF-8), then
 * through the escaping of its format (XML entities, JSON's own), so a
 * threshold or an operation named `<x>&"'` still gives a well-formed
 * document. Files are written beside their path and renamed into place.
 */
#include "enos/ci.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "enos/json.h"
#include "util/escape.h"
#include "util/str.h"
#include "util/strbuf.h"

/* S made safe to show: control characters and bytes that are not UTF-8
 * escaped (util/escape.h). Allocated; NULL when out of memory. */
static char *clean(const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_adds(&sb, "");
	escape_ctl(&sb, s ? s : "", s ? strlen(s) : 0);
	return strbuf_detach(&sb);
}

size_t ci_report_failed(const struct ci_report *rep)
{
	size_t i, n = 0;

	for (i = 0; i < rep->n; i++)
		n += rep->r[i].verdict != CI_PASS;
	return n;
}

/* "12, 13, 14" */
static void runs_text(struct strbuf *sb, const int64_t *runs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		strbuf_addf(sb, "%s%lld", i ? ", " : "", (long long)runs[i]);
}

/* ---- the table ---- */

#define TEXT_COLUMN_MAX 56

void ci_write_table(const struct ci_report *rep, FILE *out)
{
	char obs[64], lim[64], *text;
	size_t i, failed = ci_report_failed(rep);
	int w = 9;

	for (i = 0; i < rep->n; i++) {
		int len = (int)strlen(rep->r[i].t->text);

		if (len > w)
			w = len > TEXT_COLUMN_MAX ? TEXT_COLUMN_MAX : len;
	}
	fprintf(out, "%-6s %-*s %12s %12s\n", "RESULT", w, "THRESHOLD",
		"OBSERVED", "LIMIT");
	for (i = 0; i < rep->n; i++) {
		const struct ci_result *r = &rep->r[i];

		text = clean(r->t->text);
		fprintf(out, "%-6s %-*s %12s %12s\n",
			r->verdict == CI_PASS ? "pass" : "FAIL", w,
			text ? text : "?",
			ci_value_format(r->t, r->observed, obs, sizeof(obs)),
			ci_value_format(r->t, r->limit, lim, sizeof(lim)));
		free(text);
		if (r->reason) {
			text = clean(r->reason);
			fprintf(out, "%-6s %s\n", "", text ? text : "?");
			free(text);
		}
	}
	fprintf(out, "%zu threshold%s: %zu passed, %zu failed\n", rep->n,
		rep->n == 1 ? "" : "s", rep->n - failed, failed);
}

/* ---- JUnit XML ---- */

/* Append S (cleaned) to SB with XML's five special characters as
 * entities: fit for text and for attribute values in double quotes. */
static void xml_add(struct strbuf *sb, const char *s)
{
	char *c = clean(s);
	const char *p;

	if (!c) {
		sb->err = sb->err ? sb->err : -ENOMEM;
		return;
	}
	for (p = c; *p; p++) {
		switch (*p) {
		case '&': strbuf_adds(sb, "&amp;"); break;
		case '<': strbuf_adds(sb, "&lt;"); break;
		case '>': strbuf_adds(sb, "&gt;"); break;
		case '"': strbuf_adds(sb, "&quot;"); break;
		case '\'': strbuf_adds(sb, "&apos;"); break;
		default: strbuf_addc(sb, *p);
		}
	}
	free(c);
}

static void xml_property(struct strbuf *sb, const char *name,
			 const char *value)
{
	strbuf_addf(sb, "      <property name=\"%s\" value=\"", name);
	xml_add(sb, value);
	strbuf_adds(sb, "\"/>\n");
}

/* What a testcase's output and failure body say: observed, limit, runs. */
static void case_details(struct strbuf *sb, const struct ci_result *r)
{
	struct strbuf d = STRBUF_INIT;
	char a[64], b[64], c[64];

	strbuf_addf(&d, "observed %s, limit %s",
		    ci_value_format(r->t, r->observed, a, sizeof(a)),
		    ci_value_format(r->t, r->limit, b, sizeof(b)));
	if (!isnan(r->reference))
		strbuf_addf(&d, " (%g x %s)", r->t->value,
			    ci_value_format(r->t, r->reference, c, sizeof(c)));
	if (r->n_runs) {
		strbuf_adds(&d, "; runs ");
		runs_text(&d, r->runs, r->n_runs);
	}
	xml_add(sb, strbuf_str(&d));
	if (d.err)
		sb->err = d.err;
	strbuf_release(&d);
}

static void junit_case(struct strbuf *sb, const struct ci_report *rep,
		       const struct ci_result *r)
{
	strbuf_adds(sb, "    <testcase classname=\"enos.ci.");
	xml_add(sb, rep->spec->suite);
	strbuf_adds(sb, "\" name=\"");
	xml_add(sb, r->t->text);
	strbuf_adds(sb, "\" time=\"0\">\n");
	if (r->verdict != CI_PASS) {
		strbuf_adds(sb, "      <failure type=\"threshold\" message=\"");
		xml_add(sb, r->reason ? r->reason : "failed");
		strbuf_adds(sb, "\">");
		xml_add(sb, r->t->text);
		strbuf_adds(sb, "\n");
		xml_add(sb, rep->spec->label ? rep->spec->label : "");
		strbuf_addf(sb, ":%d:%d\n", r->t->pos.line, r->t->pos.col);
		case_details(sb, r);
		strbuf_adds(sb, "</failure>\n");
	}
	strbuf_adds(sb, "      <system-out>");
	case_details(sb, r);
	strbuf_adds(sb, "</system-out>\n    </testcase>\n");
}

int ci_write_junit(const struct ci_report *rep, FILE *out)
{
	struct strbuf sb = STRBUF_INIT, runs = STRBUF_INIT;
	size_t failed = ci_report_failed(rep), i;
	char stamp[32];
	time_t when = (time_t)rep->when;
	struct tm tm;
	int rc = 0;

	if (!gmtime_r(&when, &tm) ||
	    !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(stamp, sizeof(stamp), "1970-01-01T00:00:00");
	strbuf_addf(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<testsuites name=\"enos ci\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n"
		    "  <testsuite name=\"", rep->n, failed);
	xml_add(&sb, rep->spec->suite);
	strbuf_addf(&sb, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"0\" timestamp=\"%s\">\n"
		    "    <properties>\n", rep->n, failed, stamp);
	xml_property(&sb, "file", rep->spec->label ? rep->spec->label : "");
	xml_property(&sb, "source", rep->src->label ? rep->src->label : "");
	runs_text(&runs, rep->src->runs, rep->src->n);
	xml_property(&sb, "runs", strbuf_str(&runs));
	if (rep->baseline) {
		xml_property(&sb, "baseline", rep->baseline);
		strbuf_reset(&runs);
		if (rep->base)
			runs_text(&runs, rep->base->runs, rep->base->n);
		xml_property(&sb, "baseline_runs", strbuf_str(&runs));
	}
	strbuf_adds(&sb, "    </properties>\n");
	for (i = 0; i < rep->n; i++)
		junit_case(&sb, rep, &rep->r[i]);
	strbuf_adds(&sb, "  </testsuite>\n</testsuites>\n");
	if (sb.err || runs.err)
		rc = -ENOMEM;
	else if (fputs(strbuf_str(&sb), out) == EOF)
		rc = -EIO;
	strbuf_release(&sb);
	strbuf_release(&runs);
	return rc;
}

/* ---- JSON ---- */

static const char *const metric_json[] = {
	[CI_METRIC_UP] = "up", [CI_METRIC_READY] = "ready",
	[CI_METRIC_DEPLOY] = "deploy", [CI_METRIC_TC_ERROR] = "tc --test error",
	[CI_METRIC_TC_LOSS] = "tc --test loss", [CI_METRIC_WORKLOAD] = "workload",
};

static const char *const ref_json[] = {
	[CI_REF_ABSOLUTE] = "absolute", [CI_REF_POINT] = "point",
	[CI_REF_BASELINE] = "baseline",
};

/* KEY: S cleaned, or null for NULL or "". */
static void json_text(struct json *j, const char *key, const char *s)
{
	char *c = s && *s ? clean(s) : NULL;

	json_key_str(j, key, c);
	free(c);
}

static void json_runs(struct json *j, const char *key, const int64_t *runs,
		      size_t n)
{
	size_t i;

	json_key(j, key);
	json_begin_array(j);
	for (i = 0; i < n; i++)
		json_int(j, runs[i]);
	json_end_array(j);
}

static void json_point(struct json *j, const char *key,
		       const struct ci_point *pt)
{
	struct strbuf sb = STRBUF_INIT;

	ci_point_format(pt, &sb);
	json_text(j, key, pt->n ? strbuf_str(&sb) : NULL);
	strbuf_release(&sb);
}

/* A figure in T's display unit, at full precision. */
static double shown(const struct ci_threshold *t, double v)
{
	double scale;

	ci_display_unit(t, &scale);
	return v / scale;
}

static void json_result(struct json *j, const struct ci_result *r)
{
	const struct ci_threshold *t = r->t;
	struct strbuf sb = STRBUF_INIT;
	double scale;

	json_begin_object(j);
	json_text(j, "threshold", t->text);
	ci_threshold_format(t, &sb);
	json_text(j, "canonical", strbuf_str(&sb));
	strbuf_release(&sb);
	json_key_int(j, "line", t->pos.line);
	json_key_int(j, "column", t->pos.col);
	json_key_str(j, "metric", metric_json[t->s.metric]);
	json_text(j, "workload", t->s.metric == CI_METRIC_WORKLOAD ?
		  t->s.workload : NULL);
	json_text(j, "op", t->s.op);
	json_text(j, "site", t->s.site);
	json_key_str(j, "statistic", t->s.stat == CI_STAT_NONE ? NULL :
		     ci_stat_name(t->s.stat));
	if (t->s.nodes)
		json_key_int(j, "nodes", (int64_t)t->s.nodes);
	else
		json_key_str(j, "nodes", NULL);
	json_text(j, "of", t->s.of);
	json_point(j, "at", &t->at);
	json_key_str(j, "comparison", ci_cmp_name(t->cmp));
	json_key_double(j, "value", shown(t, t->ref == CI_REF_ABSOLUTE ?
					  t->value : NAN));
	if (t->ref != CI_REF_ABSOLUTE)
		json_key_double(j, "factor", t->value);
	else
		json_key_str(j, "factor", NULL);
	json_key_str(j, "reference", ref_json[t->ref]);
	json_point(j, "reference_at", &t->ref_at);
	/* The unit the figures below are in: the threshold's own, or the
	 * figure's usual one for a ratio. */
	json_key_str(j, "unit", ci_display_unit(t, &scale));
	json_key_double(j, "observed", shown(t, r->observed));
	json_key_double(j, "limit", shown(t, r->limit));
	json_key_double(j, "reference_value", shown(t, r->reference));
	json_key_str(j, "result", r->verdict == CI_PASS ? "pass" : "fail");
	json_text(j, "reason", r->reason);
	json_runs(j, "runs", r->runs, r->n_runs);
	json_end_object(j);
}

int ci_write_json(const struct ci_report *rep, FILE *out)
{
	size_t failed = ci_report_failed(rep), i;
	struct json j;

	json_init(&j, out);
	json_begin_object(&j);
	json_key_int(&j, "version", 1);
	json_text(&j, "file", rep->spec->label);
	json_text(&j, "suite", rep->spec->suite);
	json_text(&j, "source", rep->src->label);
	json_runs(&j, "runs", rep->src->runs, rep->src->n);
	json_key(&j, "baseline");
	if (rep->baseline) {
		json_begin_object(&j);
		json_text(&j, "name", rep->baseline);
		if (rep->base)
			json_runs(&j, "runs", rep->base->runs, rep->base->n);
		else
			json_runs(&j, "runs", NULL, 0);
		json_end_object(&j);
	} else {
		json_null(&j);
	}
	json_key_int(&j, "time", rep->when);
	json_key_int(&j, "total", (int64_t)rep->n);
	json_key_int(&j, "passed", (int64_t)(rep->n - failed));
	json_key_int(&j, "failed", (int64_t)failed);
	json_key_bool(&j, "ok", failed == 0);
	json_key(&j, "thresholds");
	json_begin_array(&j);
	for (i = 0; i < rep->n; i++)
		json_result(&j, &rep->r[i]);
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
	return ferror(out) ? -EIO : 0;
}

/* ---- files ---- */

int ci_write_file(const char *path, const struct ci_report *rep,
		  int (*emit)(const struct ci_report *, FILE *))
{
	const char *slash = strrchr(path, '/');
	char *tmp;
	FILE *f = NULL;
	int fd, rc;

	/* Beside PATH, so the rename stays on one file system. */
	tmp = slash ? str_printf("%.*s/.%s.XXXXXX", (int)(slash - path), path,
				 slash + 1)
		    : str_printf(".%s.XXXXXX", path);
	if (!tmp)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		free(tmp);
		return rc;
	}
	/* An artefact for a CI server to read, like a build's. */
	if (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		rc = -errno;
		close(fd);
		goto out;
	}
	rc = emit(rep, f);
	if (fflush(f) != 0 && rc == 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
out:
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
