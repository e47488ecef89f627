/* kind_rtt — the rtt workload kind: UDP echo round trips (probe.c) from
 * the client's node to one node of a target site, one operation "rtt" per
 * probe: start its send time, duration its round trip (kernel receive
 * timestamp), not ok when no reply came within `timeout`. The runner makes
 * one job per (client site, target site) pair of `from` x `to` (a site
 * never probes itself), so every operation has its pair and the pair's
 * WAN is stored beside it.
 *
 * The probe runs in rounds of about one second of probes, so that the
 * operations reach the caller as the workload goes and a stop is seen
 * within a round.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "workloads/kinds.h"
#include "workloads/probe.h"

enum { RTT_TO, RTT_SAMPLES, RTT_INTERVAL, RTT_TIMEOUT };

static const struct wl_option rtt_options[] = {
	[RTT_TO] = { "to", WL_OPT_TEXT, 0, 0, "*",
		"target sites (site names, role:ROLE, *); a site never probes itself", NULL },
	[RTT_SAMPLES] = { "samples", WL_OPT_COUNT, 1, 1000000, "20",
		"probes per site pair", NULL },
	[RTT_INTERVAL] = { "interval", WL_OPT_TIME, 1000, 10000000, "20ms",
		"between two probes of a pair", NULL },
	[RTT_TIMEOUT] = { "timeout", WL_OPT_TIME, 1000, 60000000, "1s",
		"a probe not answered by then is lost", NULL },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static uint64_t rtt_expected(const struct wl_values *v)
{
	return v->num[RTT_SAMPLES];
}

static int rtt_run(const struct wl_job *job, wl_emit_fn emit, void *arg,
		   char **err)
{
	const struct wl_values *v = job->values;
	unsigned interval_ms = (unsigned)(v->num[RTT_INTERVAL] / 1000);
	unsigned total = (unsigned)v->num[RTT_SAMPLES], done = 0, round, i;
	unsigned per_round = interval_ms >= 1000 ? 1 : 1000 / interval_ms;
	struct probe_opts po = { 0 };
	struct probe_pair p;
	double *ms = NULL, *start = NULL;
	char why[96];
	struct wl_op op;
	int rc = 0;

	*err = NULL;
	if (job->target_node == SIZE_MAX || !job->target_addr) {
		*err = str_printf("no node to probe at the target site");
		return -EINVAL;
	}
	ms = calloc(per_round, sizeof(*ms));
	start = calloc(per_round, sizeof(*start));
	if (!ms || !start) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(why, sizeof(why), "no reply within %llu ms",
		 (unsigned long long)(v->num[RTT_TIMEOUT] / 1000));
	po.interval_ms = interval_ms;
	po.timeout_ms = (unsigned)(v->num[RTT_TIMEOUT] / 1000);
	while (done < total && rc == 0) {
		if (job->stop && *job->stop) {
			rc = -EINTR;
			break;
		}
		round = total - done < per_round ? total - done : per_round;
		memset(&p, 0, sizeof(p));
		p.src_netns = NULL;     /* this thread's: the client's node */
		p.dst_netns = job->w->nodes[job->target_node].netns;
		p.dst_addr = job->target_addr;
		p.sample_ms = ms;
		p.sample_start = start;
		po.samples = round;
		rc = probe_rtt(&p, 1, &po);
		if (rc < 0) {
			*err = str_printf("the probe to '%s' failed: %s",
					  job->w->nodes[job->target_node].name,
					  strerror(-rc));
			break;
		}
		for (i = 0; i < round && rc == 0; i++) {
			memset(&op, 0, sizeof(op));
			snprintf(op.op, sizeof(op.op), "rtt");
			op.start = start[i];
			op.ok = !isnan(ms[i]);
			op.duration_ms = op.ok ? ms[i] : (double)po.timeout_ms;
			op.error = op.ok ? NULL : why;
			op.iteration = done + i + 1;
			rc = emit(arg, &op);
		}
		done += round;
	}
out:
	if (rc == -ENOMEM && !*err)
		*err = str_printf("out of memory");
	free(ms);
	free(start);
	return rc;
}

const struct wl_kind kind_rtt = {
	.name = "rtt",
	.summary = "UDP echo round trips from each client site to the target sites",
	.options = rtt_options,
	.from = "*",
	.run = rtt_run,
	.expected = rtt_expected,
};
