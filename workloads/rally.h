/* rally — import the results of a Rally task as workload operations.
 *
 * OpenStack's workloads run Rally (Debian's rally 3.3.0 with
 * rally-openstack 2.2.0) in a client node; once the task ends, the runner
 * asks Rally for its report (`rally task report --json --out FILE`) and
 * hands FILE here. This is the format of rally's JSON exporter
 * (rally/plugins/task/exporters/json_exporter.py, format_version 1.x):
 *
 *   {"info": {"rally_version": "3.3.0", "format_version": "1.2", ...},
 *    "tasks": [{"uuid": ..., "status": "finished", "pass_sla": false,
 *      "subtasks": [{"title": ..., "workloads": [{
 *        "scenario": {"NovaServers.boot_and_delete_server": {args}},
 *        "pass_sla": true, "sla_results": {"sla": [{"criterion": ...,
 *          "success": true, "detail": "..."}]},
 *        "load_duration": s, "full_duration": s,
 *        "contexts_results": [{"plugin_name": ..., "setup": {"error":
 *          [type, message, traceback] or []}, ...}],
 *        "data": [                            <- one entry per iteration,
 *          {"timestamp": s, "duration": s,       sorted by start
 *           "idle_duration": s,
 *           "error": [] or [type, message, traceback],
 *           "atomic_actions": [{"name": "nova.boot_server",
 *             "started_at": s, "finished_at": s, "failed": true (only
 *             when it raised), "children": [nested actions]}], ...}]}]}]}]}
 *
 * (the same rules as rally's own Task.result_has_valid_schema: an atomic
 * action has name, started_at, finished_at and children). The deprecated
 * `rally task results` format (a list of {"key", "result"}, atomic actions
 * reduced to durations) is refused with a message saying what to run.
 *
 * Every iteration of every workload becomes one wl_op:
 *   op          NAME given by the caller ("boot-delete"), or, when NAME is
 *               NULL, the workload's scenario ("NovaServers.boot_and_...")
 *   start       the iteration's timestamp
 *   duration_ms its duration (rally's: without idle_duration, the sleeps
 *               a scenario asks for)
 *   ok, error   ok when its error list is empty; else error is
 *               "TYPE: MESSAGE" (rally's traceback is left out)
 *   iteration   its number, from 1, counted over the whole report in the
 *               order of the report (so with several workloads the numbers
 *               stay unique; each workload's first number is in its
 *               summary); rally's data is sorted by start, and these are
 *               the numbers rally's HTML report shows for one workload
 * followed by one atomic wl_op per atomic action, nested ones too (parent
 * before children, each with its own name, started_at and finished_at),
 * with atomic = true and the iteration's number; ok unless rally marked it
 * failed, the error then being the iteration's ("atomic action failed" if
 * the scenario caught the exception and the iteration went on).
 *
 * A failed iteration is an operation like any other: it is kept with its
 * error text. What is refused, with -EINVAL (-ENODATA when no iteration
 * ran) and a message naming the file and the place in it, e.g.
 *   x.json: tasks[0].subtasks[0].workloads[0].data[3].atomic_actions[0]:
 *   'finished_at' is missing
 * (a path, since the JSON parser keeps no line numbers once the text is
 * parsed; syntax errors are FILE:LINE:COL): text that is not JSON (a
 * truncated file), JSON that is not a rally task report, a field of the
 * wrong type, a name that becomes an op longer than WL_OP_NAME_MAX - 1
 * bytes, control characters in a name, title, uuid, status or version (the
 * strings the summary keeps; error texts are data and are passed as rally
 * wrote them, newlines included; the SLA summary is escaped), a negative
 * duration, atomic actions nested deeper than
 * WL_RALLY_DEPTH_MAX, a file larger than WL_RALLY_FILE_MAX, and a report
 * without any iteration (the message then gives the first context whose
 * setup failed, rally's usual reason: bad credentials, a missing image).
 * The whole report is checked before the first operation is emitted, so a
 * refused file emits nothing.
 *
 * Never prints; no state between calls.
 */
#ifndef WORKLOADS_RALLY_H
#define WORKLOADS_RALLY_H

#include <stdbool.h>
#include <stddef.h>

#include "workloads/op.h"

/* Largest report read: about 100,000 boot-delete iterations. */
#define WL_RALLY_FILE_MAX (128u << 20)
/* Deepest nesting of atomic actions (rally-openstack nests two or three). */
#define WL_RALLY_DEPTH_MAX 16

/* One workload (a scenario with its runner and contexts) of the report. */
struct wl_rally_workload {
	char *scenario;         /* "NovaServers.boot_and_delete_server" */
	char *title;            /* its subtask's title; "" if none */
	unsigned first;         /* number of its first iteration (when
				 * iterations > 0) */
	unsigned iterations;    /* in the report */
	unsigned failed;        /* of which with an error */
	unsigned atomics;       /* atomic actions, nested ones included */
	bool pass_sla;
	/* Each SLA criterion as "CRITERION: DETAIL", joined with "; "
	 * (e.g. "failure_rate: Failure rate criteria 0.00% <= 50.00% <=
	 * 0.00% - Failed"); "" without criteria. */
	char *sla;
	double load_duration;   /* s, first iteration start to last end */
	double full_duration;   /* s, with the contexts' setup and cleanup */
};

/* What the report says besides its operations. */
struct wl_rally_result {
	char *rally_version;    /* "3.3.0" */
	char *task;             /* the first task's uuid */
	char *status;           /* its status: "finished", "aborted", ... */
	bool pass_sla;          /* every task passed its SLA */
	struct wl_rally_workload *workloads;
	size_t n_workloads;
	unsigned iterations;    /* over all workloads */
	unsigned failed;
	unsigned atomics;
};

/* Import the rally task report in file PATH: check it whole, then emit
 * each iteration and atomic action through EMIT(ARG, op), iterations named
 * NAME (NULL: the scenario's name), and fill *RES (may be NULL) with the
 * summary. Returns 0; -EINVAL, -ENODATA, -ENOMEM or a read error with
 * *ERR an allocated message (NULL only when out of memory); or the
 * negative errno with which EMIT asked to stop (its own error: *ERR is
 * then NULL). On failure *RES holds nothing (release it anyway or not:
 * both are fine). */
int wl_rally_load(const char *path, const char *name, wl_emit_fn emit,
		  void *arg, struct wl_rally_result *res, char **err);

/* The same for the report TEXT[0..LEN) (need not end in a NUL), named
 * LABEL in messages. */
int wl_rally_parse(const char *label, const char *text, size_t len,
		   const char *name, wl_emit_fn emit, void *arg,
		   struct wl_rally_result *res, char **err);

/* Free what RES holds and zero it; NULL is fine. */
void wl_rally_result_release(struct wl_rally_result *res);

#endif
