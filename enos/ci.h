/* ci — `enos ci`: thresholds on a run's or a sweep's figures, their
 * evaluation against the results database, and the pass/fail outputs a
 * CI system reads (a table, JUnit XML, JSON).
 *
 * Three files, one prefix:
 *   ci.c       the threshold language: a `ci:` section of a topology or
 *              sweep file (ci_load, called by either loader with its
 *              struct yload) and one threshold's text (ci_threshold_parse)
 *   ci_eval.c  evaluation through struct ci_figures (where figures come
 *              from: per run, plus which sweep point a run belongs to),
 *              and the implementation of it over the state database
 *   ci_out.c   the pass/fail table, JUnit XML and JSON
 * enos/cmd/ci.c is the command. The language is described, with every
 * form, in README.md ("CI and nightly runs").
 *
 * A threshold is one string:
 *
 *   SUBJECT [at POINT] [of WHAT] [from SITE] OP VALUE [UNIT] [x REFERENCE]
 *
 *   boot-delete p50 at 100ms <= 1.5 x at 0ms
 *   tc --test worst error <= 2 %
 *   up of 1000 nodes <= 3 s
 *   kv-latency/put p99 <= 1.10 x baseline
 *
 * Nothing here prints; parsers return allocated "FILE:LINE:COL: message"
 * texts (through struct yload) and evaluation fills struct ci_result.
 */
#ifndef ENOS_CI_H
#define ENOS_CI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/yamldoc.h"

struct state;
struct strbuf;
struct yload;

#define CI_THRESHOLDS_MAX 256   /* thresholds in one ci: section */
#define CI_TEXT_MAX       512   /* bytes of one threshold's text */
#define CI_WORDS_MAX      32    /* words of one threshold */
#define CI_POINT_MAX      8     /* values after one `at` */
#define CI_NAME_MAX       64    /* a workload, op, site, stack, baseline */
#define CI_AXIS_MAX       128   /* an axis path: network.constraints[0].rtt */
#define CI_FILE_MAX       (1u << 20)

/* What a threshold measures. */
enum ci_metric {
	CI_METRIC_UP,           /* results up_seconds: bring-up time */
	CI_METRIC_READY,        /* results ready_seconds: until VMs answer */
	CI_METRIC_DEPLOY,       /* results deploy_seconds: the stack's deploy */
	CI_METRIC_TC_ERROR,     /* tc --test: |p50 - target| of each pair */
	CI_METRIC_TC_LOSS,      /* tc --test: loss of each pair */
	CI_METRIC_WORKLOAD,     /* a workload's operations (summaries) */
};

/* The statistic of a figure with several values (operations, pairs). */
enum ci_stat {
	CI_STAT_NONE,           /* up, ready, deploy: one value per run */
	CI_STAT_P50,
	CI_STAT_P90,
	CI_STAT_P99,
	CI_STAT_MEAN,
	CI_STAT_MIN,
	CI_STAT_MAX,            /* also written "worst" */
	CI_STAT_COUNT,          /* operations */
	CI_STAT_FAILURES,       /* failed operations */
	CI_STAT_RATE,           /* failed operations in % of all */
};

/* What the figure's numbers are: each has one unit inside enos. */
enum ci_dim {
	CI_DIM_TIME,            /* milliseconds */
	CI_DIM_PERCENT,         /* percent */
	CI_DIM_COUNT,           /* a plain number */
};

enum ci_cmp { CI_CMP_LE, CI_CMP_LT, CI_CMP_GE, CI_CMP_GT };

/* What the value is compared with. */
enum ci_ref {
	CI_REF_ABSOLUTE,        /* VALUE UNIT */
	CI_REF_POINT,           /* FACTOR x at POINT: the same figure there */
	CI_REF_BASELINE,        /* FACTOR x baseline: the same figure in the
				 * baseline's runs */
};

/* One value of a sweep point: `100ms` (any axis holding it) or
 * `rtt=100ms` (the axis whose path is, or ends with ".", rtt). */
struct ci_axis_value {
	char axis[CI_AXIS_MAX];         /* "" any axis */
	char value[CI_NAME_MAX];
};

/* `at V1 [V2 ...]`: the sweep point whose axes hold every value. */
struct ci_point {
	size_t n;                       /* 0: no point, the runs as a whole */
	struct ci_axis_value v[CI_POINT_MAX];
};

struct ci_subject {
	enum ci_metric metric;
	enum ci_stat stat;
	enum ci_dim dim;
	/* CI_METRIC_WORKLOAD: `NAME` (workload or op: op is "") or
	 * `WORKLOAD/OP`. */
	char workload[CI_NAME_MAX];
	char op[CI_NAME_MAX];
	char site[CI_NAME_MAX];         /* from SITE; "" every site */
	uint64_t nodes;                 /* of N nodes (up, ready); 0 any */
	char of[CI_NAME_MAX];           /* of N BACKEND nodes: the backend;
					 * deploy of STACK: the stack; "" */
};

struct ci_threshold {
	char text[CI_TEXT_MAX];         /* as written */
	struct src_pos pos;             /* where, in the file */
	struct ci_subject s;
	struct ci_point at;
	enum ci_cmp cmp;
	double value;                   /* absolute: in the dimension's unit
					 * (ms, %, count); else the factor */
	char unit[8];                   /* as written ("s", "%", "x", "") */
	enum ci_ref ref;
	struct ci_point ref_at;         /* CI_REF_POINT */
};

/* A parsed `ci:` section. */
struct ci_spec {
	char *label;                    /* the file, for messages */
	char suite[CI_NAME_MAX];        /* the JUnit testsuite's name: the
					 * file's top-level name (ci_load_file)
					 * or what the caller sets */
	char topology[4096];            /* ci_load_file: a sweep file's
					 * `topology:` as written, or "" */
	struct ci_threshold *t;
	size_t n;
	char baseline[CI_NAME_MAX];     /* a run id (digits) or a stored
					 * name; "" none */
	struct src_pos baseline_pos;
};

/* Parse the `ci:` section N of the document L is walking into *SPEC
 * (zeroed by the caller; release with ci_spec_release), so the topology
 * and the sweep loaders both read it where they meet the key:
 *
 *   ci:
 *     baseline: nightly          # optional: a run id or a stored name
 *     thresholds:
 *       - up of 1000 nodes <= 3 s
 *
 * The section's messages do not depend on L's flags (they are set for the
 * call and restored). Returns 0, or -EINVAL / -ENOMEM with the first error
 * kept in L->err as "LABEL:LINE:COL: message" pointing at the word of the
 * threshold at fault (plain one-line scalars) or at the value. */
int ci_load(struct yload *L, const yaml_node_t *n, struct ci_spec *spec);

/* Read the file PATH and parse its top-level `ci:` key (the file's other
 * keys are its own loader's). Sets spec->suite from a top-level `name:`
 * (else the file's base name), spec->topology from `topology:`. Returns 0,
 * or -errno with *ERR an allocated message. */
int ci_load_file(const char *path, struct ci_spec *spec, char **err);

void ci_spec_release(struct ci_spec *spec);

/* Parse threshold TEXT into *T (everything but text and pos). Returns 0,
 * or -EINVAL with *WHY an allocated message and *AT the byte offset in
 * TEXT of the word at fault (-ENOMEM: *WHY NULL). Pure: for ci_load, the
 * fuzz harness and the tests. */
int ci_threshold_parse(const char *text, struct ci_threshold *t,
		       size_t *at, char **why);

/* T in canonical form ("kv-latency/put p50 at 100ms <= 1.5 x at 10ms"),
 * which ci_threshold_parse reads back to the same threshold. Appends to
 * SB; returns 0 or SB's error. */
int ci_threshold_format(const struct ci_threshold *t, struct strbuf *sb);

/* The subject alone: "kv-latency/put p50 from edge-1", "up of 1000
 * nodes", "tc --test max error" (for messages). */
int ci_subject_format(const struct ci_threshold *t, struct strbuf *sb);

/* POINT as written after `at` ("100ms central"). */
int ci_point_format(const struct ci_point *p, struct strbuf *sb);

const char *ci_stat_name(enum ci_stat s);
const char *ci_cmp_name(enum ci_cmp c);

/* ---- evaluation (ci_eval.c) ---- */

/* Where a threshold's figures come from: a set of runs (a run, the runs
 * of a sweep, the runs of a baseline). */
struct ci_source {
	const int64_t *runs;
	size_t n;
	const char *label;      /* "run 12", "sweep 'nightly'", for messages */
};

/* One axis of the sweep point a run belongs to. */
struct ci_axis {
	char axis[CI_AXIS_MAX];
	char value[CI_NAME_MAX];
};

/* Where figures come from: the seam between the thresholds and the
 * storage. ci_eval_db() implements it over the state database; tests use
 * their own. Every function returns 0, -ENOENT with *WHY an allocated
 * "no ..." reason (the figure is missing: the threshold fails with it),
 * or another -errno with *WHY (the evaluation stops).
 *
 *   figure    the value of T's subject (metric, statistic, of, from) in
 *             run RUN, in the subject's unit (ms, %, count): one number
 *             per run; ci_evaluate combines the runs of a point.
 *   axes      the sweep point of RUN: *AXES (allocated, free()) of *N;
 *             none (N 0) for a run that is not part of a sweep.
 */
struct ci_figures {
	int (*figure)(void *arg, int64_t run, const struct ci_threshold *t,
		      double *value, char **why);
	int (*axes)(void *arg, int64_t run, struct ci_axis **axes, size_t *n,
		    char **why);
	void *arg;
};

enum ci_verdict { CI_PASS, CI_FAIL };

/* The outcome of one threshold. */
struct ci_result {
	const struct ci_threshold *t;
	enum ci_verdict verdict;
	double observed;        /* the subject's figure, its unit; NaN: none */
	double reference;       /* the reference's figure (relative forms);
				 * NaN: absolute, or none */
	double limit;           /* value, or factor x reference; NaN: none */
	int64_t *runs;          /* the runs the observed figure came from */
	size_t n_runs;
	char *reason;           /* why it failed (allocated), NULL on pass */
};

/* Evaluate T against SRC (its baseline BASE for `x baseline`: NULL when
 * none was given, no runs when it could not be found, its label saying
 * why) into *R. A missing figure is a failure whose
 * reason says which ("no figure for 'up of 1000 nodes' in run 12: ...").
 * How a point's runs combine (repetitions): count and failures are summed,
 * max is the largest and min the smallest run's, every other statistic
 * (and up, ready, deploy) is the median over the runs.
 * Returns 0 (R filled, pass or fail), or -errno from F with *ERR allocated
 * (release R with ci_result_release in both cases). */
int ci_evaluate(const struct ci_figures *f, const struct ci_threshold *t,
		const struct ci_source *src, const struct ci_source *base,
		struct ci_result *r, char **err);

void ci_result_release(struct ci_result *r);

/* struct ci_figures over the state database ST (borrowed): figures from
 * results (up_seconds, ready_seconds, deploy_seconds, the rtt_p50 /
 * target_rtt / loss rows tc --test and run store), workload summaries
 * (schema v6), sweep points from the run facts "axis PATH" (see
 * README.md). */
void ci_eval_db(struct state *st, struct ci_figures *f);

/* The runs of sweep NAME: the newest execution of it, its runs carrying
 * the facts sweep = NAME and sweep_id = ID. *RUNS allocated (free()).
 * Returns 0, -ENOENT (no such sweep; *WHY says so) or -errno with *WHY. */
int ci_sweep_runs(struct state *st, const char *name, int64_t **runs,
		  size_t *n, char **why);

/* The runs of baseline NAME (a run id in digits, or a name stored by
 * ci_baseline_save). 0, -ENOENT with *WHY, or -errno with *WHY. */
int ci_baseline_runs(struct state *st, const char *name, int64_t **runs,
		     size_t *n, char **why);

/* Store RUNS[0..N) as baseline NAME, replacing one of that name. */
int ci_baseline_save(struct state *st, const char *name, const int64_t *runs,
		     size_t n, char **why);

/* ---- storage (enos/state_ci.c; the tables are a migration of state.c) ----
 * Kept beside the rest of ci while issue 12's parts are built in parallel;
 * the functions follow state.h's conventions (0 or -errno, the message in
 * state_errmsg()). */

/* The runs with fact KEY = VALUE, ascending: *RUNS allocated (free()). */
int state_ci_runs_with_fact(struct state *st, const char *key,
			    const char *value, int64_t **runs, size_t *n);

/* Store RUNS[0..N) as baseline NAME (replacing it), in one transaction. */
int state_ci_baseline_put(struct state *st, const char *name,
			  const int64_t *runs, size_t n);

/* The runs of baseline NAME, ascending (*RUNS allocated, free()): 0, or
 * -ENOENT when no baseline has that name. A run deleted since is gone
 * from it (ON DELETE CASCADE). */
int state_ci_baseline_get(struct state *st, const char *name, int64_t **runs,
			  size_t *n);

/* ---- outputs (ci_out.c) ---- */

/* What was evaluated, for the outputs. */
struct ci_report {
	const struct ci_spec *spec;
	const struct ci_source *src;
	const char *baseline;           /* its name, or NULL */
	const struct ci_source *base;   /* or NULL */
	const struct ci_result *r;      /* one per spec->t */
	size_t n;
	int64_t when;                   /* unix time of the evaluation */
};

/* Passed and failed thresholds of REP. */
size_t ci_report_failed(const struct ci_report *rep);

/* The pass/fail table, then "N thresholds: P passed, F failed", to OUT. */
void ci_write_table(const struct ci_report *rep, FILE *out);

/* JUnit XML (one testsuite, one testcase per threshold, a <failure
 * message="..."> with observed and limit for each failed one) and the
 * JSON object README.md documents, to OUT. Return 0 or -EIO. */
int ci_write_junit(const struct ci_report *rep, FILE *out);
int ci_write_json(const struct ci_report *rep, FILE *out);

/* Write PATH through EMIT (ci_write_junit or ci_write_json): a
 * temporary file beside it, renamed into place (so a reader never sees
 * half a file, and a symbolic link at PATH is replaced, not followed).
 * Returns 0 or -errno. */
int ci_write_file(const char *path, const struct ci_report *rep,
		  int (*emit)(const struct ci_report *, FILE *));

/* The unit T's figures are shown in: the threshold's own, or for a ratio
 * the figure's usual one (s for up, ready, deploy; ms for other times; %;
 * "" for counts). *SCALE: how many of the dimension's unit one of it is
 * (1000 for s). */
const char *ci_display_unit(const struct ci_threshold *t, double *scale);

/* VALUE (in T's dimension unit) as T's display unit: "3.42 s", "12.1 ms",
 * "1.8 %", "12" into BUF. */
const char *ci_value_format(const struct ci_threshold *t, double value,
			    char *buf, size_t len);

#endif
