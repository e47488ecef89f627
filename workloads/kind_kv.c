/* kind_kv — the kv-latency workload kind: from each client, `times` puts
 * of `size`-byte values with `concurrency` in flight, then (gets: yes) as
 * many gets reading each key back, against one etcd member's v3 JSON
 * gateway at http://ADDR:PORT (kv.c over libcurl: no process per
 * operation). The target is the member nearest to the client, or the
 * instance `target` names; the runner resolves it into job->target_addr.
 * Keys are job->key_prefix (unique per client and run) and a number.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/addr.h"
#include "util/str.h"
#include "workloads/kinds.h"
#include "workloads/kv.h"

static const char *const yes_no[] = { "yes", "no", NULL };

/* In this order: the indexes below. */
enum { KV_TIMES, KV_SIZE, KV_CONC, KV_TARGET, KV_GETS, KV_TIMEOUT, KV_PORT };

static const struct wl_option kv_options[] = {
	[KV_TIMES] = { "times", WL_OPT_COUNT, 1, KV_TIMES_MAX, "100",
		"puts per client (and as many gets)", NULL },
	[KV_SIZE] = { "size", WL_OPT_SIZE, 0, KV_SIZE_MAX, "100",
		"bytes of each value: 100, 4KiB, ... (at most 1MiB)", NULL },
	[KV_CONC] = { "concurrency", WL_OPT_COUNT, 1, KV_CONCURRENCY_MAX, "1",
		"operations in flight per client (one connection each)", NULL },
	[KV_TARGET] = { "target", WL_OPT_TEXT, 0, 0, "nearest",
		"the member: nearest (lowest RTT from the client's site) or an instance (etcd-2)",
		NULL },
	[KV_GETS] = { "gets", WL_OPT_TEXT, 0, 0, "yes",
		"after the puts, get every key back and check its value: yes or no",
		yes_no },
	[KV_TIMEOUT] = { "timeout", WL_OPT_TIME, 1000,
		(uint64_t)KV_TIMEOUT_MAX_MS * 1000, "10s",
		"per operation, connecting included", NULL },
	[KV_PORT] = { "port", WL_OPT_COUNT, 1, 65535, "2379",
		"the member's client port", NULL },
	{ NULL, 0, 0, 0, NULL, NULL, NULL },
};

static uint64_t kv_expected(const struct wl_values *v)
{
	bool gets = strcmp(v->text[KV_GETS], "yes") == 0;

	return v->num[KV_TIMES] * (gets ? 2 : 1);
}

static int kv_kind_run(const struct wl_job *job, wl_emit_fn emit, void *arg,
		       char **err)
{
	const struct wl_values *v = job->values;
	char endpoint[64], a[32];
	struct kv_opts o;

	*err = NULL;
	if (!job->target_addr) {
		*err = str_printf("no etcd member to load");
		return -EINVAL;
	}
	snprintf(endpoint, sizeof(endpoint), "http://%s:%llu",
		 addr_format(job->target_addr, a, sizeof(a)),
		 (unsigned long long)v->num[KV_PORT]);
	kv_opts_init(&o);
	o.endpoint = endpoint;
	o.prefix = job->key_prefix;
	o.times = (unsigned)v->num[KV_TIMES];
	o.size = (size_t)v->num[KV_SIZE];
	o.concurrency = (unsigned)v->num[KV_CONC];
	o.gets = strcmp(v->text[KV_GETS], "yes") == 0;
	o.timeout_ms = (unsigned)(v->num[KV_TIMEOUT] / 1000);
	o.stop = job->stop;
	return kv_run(&o, emit, arg, NULL, err);
}

const struct wl_kind kind_kv_latency = {
	.name = "kv-latency",
	.summary = "etcd puts and gets through the v3 JSON gateway, one client per site",
	.options = kv_options,
	.from = "role:edge",
	.service = "etcd",
	.run = kv_kind_run,
	.expected = kv_expected,
};
