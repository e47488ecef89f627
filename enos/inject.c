/* inject — live faults; see inject.h. */
#include "enos/inject.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enos/cli.h"
#include "enos/fault.h"
#include "enos/shaping.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "util/crash.h"

double inject_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Rebuild E's table with every active fault and apply it. */
static int reapply(struct enos_ctx *ctx, struct shaped_exp *e)
{
	struct shape_table tab = { 0 };
	int rc = shaping_engine(ctx, &e->w, e->info.shaping_ops, false);

	if (rc == 0)
		rc = shaping_table(ctx, e->t, &e->w, true, &tab);
	if (rc == 0)
		rc = shaping_partition(ctx, e->t, &e->w, &tab);
	if (rc == 0)
		rc = shaping_apply(ctx, &e->w, e->info.shaping_ops, &tab);
	shape_table_release(&tab);
	return rc;
}

int inject_load(struct enos_ctx *ctx, const struct topology *t,
		const struct state_fault *row, struct live_fault *f,
		char **err)
{
	char **sides[2] = { NULL, NULL };
	size_t n[2] = { 0, 0 };
	int rc;

	*err = NULL;
	if (!row->structured)
		return fault_parse_line(t, row->action, row->detail, f, err);
	rc = state_fault_sites(ctx->st, row->id, sides, n);
	if (rc == 0)
		rc = fault_of_record(t, row->action, sides, n, &row->con, f,
				     err);
	state_free_names(sides[0]);
	state_free_names(sides[1]);
	return rc;
}

int inject_fault(struct enos_ctx *ctx, struct shaped_exp *e,
		 const struct live_fault *f, const char *detail, int64_t run,
		 int64_t *id)
{
	const char *action = fault_action_name(f->action);
	struct state_fault_spec spec = {
		.action = action,
		.detail = detail,
		.con = f->action == FAULT_SET ? &f->con : NULL,
	};
	const char **names[2];
	int64_t fid = 0;
	int rc;

	/* Drop rules cut without a backend; other faults need one. */
	if (!e->info.shaping_ops->shapes &&
	    !(e->t->partition == PARTITION_OPENFLOW &&
	      strcmp(action, "partition") == 0)) {
		cli_error("experiment '%s' was built with shaping '%s': faults need a shaping backend",
			  e->w.name, e->info.shaping_ops->name);
		return -EINVAL;
	}
	rc = fault_sides(e->t, f, names, spec.n_sides);
	if (rc < 0) {
		cli_error("cannot record the fault: %s", strerror(-rc));
		return rc;
	}
	spec.sides[0] = names[0];
	spec.sides[1] = names[1];
	rc = state_fault_add(ctx->st, run, e->w.name, &spec, inject_now(),
			     &fid);
	free(names[0]);
	free(names[1]);
	if (rc < 0) {
		cli_error("cannot record the fault: %s", state_errmsg(ctx->st));
		return rc;
	}
	crash_point("fault:recorded");
	rc = reapply(ctx, e);
	if (rc < 0) {
		state_fault_end(ctx->st, fid, inject_now());
		return rc;
	}
	if (id)
		*id = fid;
	return 0;
}

/* Does recorded partition F touch a site flagged in SITES? */
static bool touches(struct enos_ctx *ctx, const struct topology *t,
		    const struct state_fault *f, const bool *sites)
{
	struct live_fault lf;
	char *err = NULL;
	bool hit = false;
	size_t i;

	if (inject_load(ctx, t, f, &lf, &err) < 0) {
		free(err);
		return true;    /* no longer applies: heal it anyway */
	}
	for (i = 0; i < t->n_sites && !hit; i++)
		hit = sites[i] && (lf.group_a[i] || lf.group_b[i]);
	live_fault_release(&lf);
	return hit;
}

int inject_heal(struct enos_ctx *ctx, struct shaped_exp *e, const bool *sites,
		int64_t id, size_t *ended)
{
	struct state_fault *f = NULL;
	size_t n = 0, i, count = 0;
	double now = inject_now();
	int rc;

	rc = state_faults(ctx->st, e->w.name, 0, true, &f, &n);
	if (rc < 0) {
		cli_error("cannot read the faults of '%s': %s", e->w.name,
			  state_errmsg(ctx->st));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(f[i].action, "partition") != 0)
			continue;
		if (id > 0 ? f[i].id != id : sites && !touches(ctx, e->t, &f[i], sites))
			continue;
		state_fault_end(ctx->st, f[i].id, now);
		count++;
	}
	rc = reapply(ctx, e);
	if (ended)
		*ended = count;
out:
	free(f);
	return rc;
}

int inject_end_all(struct enos_ctx *ctx, const char *name)
{
	struct state_fault *f = NULL;
	double now = inject_now();
	size_t n = 0, i;
	int rc;

	rc = state_faults(ctx->st, name, 0, true, &f, &n);
	if (rc < 0)
		return rc;
	for (i = 0, rc = 0; i < n; i++) {
		if (f[i].node[0])
			continue;       /* a node's: enos/nodefault.c ends it */
		state_fault_end(ctx->st, f[i].id, now);
		rc++;
	}
	free(f);
	return rc;
}
