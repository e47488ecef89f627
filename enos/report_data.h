/* report_data — gather what the report of one run needs from the results
 * database: the per-pair RTT figures regrouped into rows, the site order,
 * the faults and the facts, and the run's workloads (enos/results.h: its
 * operations, their summaries, computed and stored if missing, and its
 * traffic), into a struct report_input (reports/html.h).
 */
#ifndef ENOS_REPORT_DATA_H
#define ENOS_REPORT_DATA_H

#include "enos/results.h"
#include "enos/state.h"
#include "reports/html.h"

struct report_data {
	struct report_input in;         /* points into the arrays below */
	struct state_result *results;
	size_t n_results;
	struct report_rtt *rows;
	const char **sites;
	struct state_fault *faults;
	struct report_fault *rfaults;
	char **fact_keys;
	char **fact_values;
	struct report_fact *facts;
	struct run_info run;            /* in.experiment etc. point here */
	struct results wl;              /* the workloads, as `enos results` */
	struct report_wlop *ops;
	struct report_wlsum *sums;
	struct report_traffic *traffic;
	struct report_wlvalue *values;
};

/* Load run INFO into *D. The faults are the run's and, when it has
 * workload operations, every fault of the experiment active while they
 * ran. Returns 0 or -errno (results_errmsg says why). Release with
 * report_data_release (also after a failure). */
int report_data_load(struct state *st, const struct run_info *info,
		     struct report_data *d);
void report_data_release(struct report_data *d);

/* Write the HTML report of run RUN into results/EXP/RUN/ (DIR receives
 * that path, 512 bytes), with results.json (results_json) beside it when
 * the run has workload operations. Returns 0, -ENOENT if the run has
 * neither RTT figures nor workload operations, or -errno with *ERR (may be
 * NULL) an allocated reason (when NULL, state_errmsg says why). */
int report_data_write(struct state *st, int64_t run, char *dir, char **err);

#endif
