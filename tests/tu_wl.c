/* tu_wl — the stack workload driver of the system tests; see tu_wl.h. */
#include "tests/tu_wl.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulator/addr.h"
#include "emulator/emu.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "tests/testutil.h"
#include "util/units.h"
#include "workloads/place.h"
#include "workloads/stack.h"
#include "workloads/stackwl.h"

static int say(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int say(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int collect(void *arg, const struct wl_op *op)
{
	struct tu_wl_result *r = arg;
	struct tu_wl_op *v = realloc(r->ops, (r->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->ops = v;
	v = &r->ops[r->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->op, sizeof(v->op), "%s", op->op);
	v->start = op->start;
	v->duration_ms = op->duration_ms;
	v->ok = op->ok;
	snprintf(v->error, sizeof(v->error), "%s", op->error ? op->error : "");
	v->iteration = op->iteration;
	v->atomic = op->atomic;
	if (r->stop_after && r->n == r->stop_after)
		*r->stop = 1;
	return 0;
}

/* Sets *STOP after AFTER_S unless DONE first. */
struct stopper {
	volatile sig_atomic_t *stop;
	double after_s;
	volatile sig_atomic_t done;
};

static void *stop_later(void *arg)
{
	struct stopper *s = arg;
	double t0 = tu_now_s();

	while (!s->done && tu_now_s() - t0 < s->after_s)
		usleep(50000);
	if (!s->done)
		*s->stop = 1;
	return NULL;
}

/* Option NAME=VALUE of K into V. */
static int set_option(const struct wl_kind *k, struct wl_values *v, const char *nv)
{
	const char *eq = strchr(nv, '='), *why;
	size_t i;
	bool neg;

	for (i = 0; eq && k->options[i].name; i++) {
		const struct wl_option *o = &k->options[i];

		if (strlen(o->name) != (size_t)(eq - nv) || strncmp(o->name, nv, (size_t)(eq - nv)))
			continue;
		v->given[i] = true;
		switch (o->type) {
		case WL_OPT_COUNT:
			return units_parse_integer(eq + 1, &v->num[i], &neg);
		case WL_OPT_SIZE:
			return units_parse_memory(eq + 1, &v->num[i], &why);
		case WL_OPT_TIME:
			return units_parse_time(eq + 1, &v->num[i], &why);
		case WL_OPT_TEXT:
			v->text[i] = eq + 1;
			return 0;
		}
	}
	return -ENOENT;
}

int tu_wl_run(const char *db, const char *topo_path, const char *workload,
	      const char *site, const struct tu_wl_how *how,
	      struct tu_wl_result *res, char *why, size_t len)
{
	const char *const *opts = how->opts;
	struct stopper stopper = { 0 };
	pthread_t timer;
	bool timing = false;
	sigset_t sigs, old;
	struct topology *t = NULL;
	struct stack *s = NULL;
	struct state *st = NULL;
	struct emu *emu = NULL;
	struct world w;
	struct placement pl = { 0 };
	struct wl_kind *kinds = NULL;
	const struct wl_kind *k = NULL;
	struct wl_stack_env env;
	struct wl_values v;
	struct wl_job job;
	volatile sig_atomic_t stop = 0;
	char path[PATH_MAX], *err = NULL;
	size_t n = 0, i, s_idx;
	bool loaded = false;
	double t0;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&w, 0, sizeof(w));
	memset(&v, 0, sizeof(v));
	t = topo_load(topo_path, &err);
	if (!t) {
		say(why, len, "%s", err);
		goto out;
	}
	if (state_open(db, &st, &err) < 0 || state_load_world(st, t->name, &w) < 0) {
		say(why, len, "cannot load experiment '%s' from %s: %s", t->name, db,
		    err ? err : "no such world");
		goto out;
	}
	loaded = true;
	if (stack_find(t->stack_name, NULL, path, sizeof(path)) < 0 ||
	    !(s = stack_load(path, &err))) {
		say(why, len, "stack '%s': %s", t->stack_name, err ? err : "not found");
		goto out;
	}
	if (place_stack(s, stack_strategy_find(s, t->stack_strategy), t, &w, &pl, &err) < 0 ||
	    wl_stack_kinds(s, &kinds, &n, &err) < 0) {
		say(why, len, "%s", err);
		goto out;
	}
	for (i = 0; i < n && strcmp(kinds[i].name, workload); i++)
		;
	if (i == n) {
		say(why, len, "stack '%s' has no workload '%s'", s->name, workload);
		goto out;
	}
	k = &kinds[i];
	for (s_idx = 0; s_idx < w.n_sites && strcmp(w.sites[s_idx].name, site); s_idx++)
		;
	if (s_idx == w.n_sites || emu_open(&emu) < 0) {
		say(why, len, "no site '%s' (or no emu)", site);
		goto out;
	}
	env = (struct wl_stack_env){ .emu = emu, .t = t, .pl = &pl, .experiment = t->name,
				     .strategy = t->stack_strategy };
	if (wl_stack_kinds_bind(kinds, n, &env, &err) < 0) {
		say(why, len, "%s", err);
		goto out;
	}
	for (i = 0; k->options[i].name; i++) {
		const struct wl_option *o = &k->options[i];
		const char *w_;
		bool neg;

		if (!o->def)
			continue;
		if (o->type == WL_OPT_TEXT)
			v.text[i] = o->def;
		else if (o->type == WL_OPT_COUNT)
			units_parse_integer(o->def, &v.num[i], &neg);
		else if (o->type == WL_OPT_TIME)
			units_parse_time(o->def, &v.num[i], &w_);
		else
			units_parse_memory(o->def, &v.num[i], &w_);
	}
	for (i = 0; opts && opts[i]; i++)
		if (set_option(k, &v, opts[i]) < 0) {
			say(why, len, "bad option '%s'", opts[i]);
			goto out;
		}
	job = (struct wl_job){ .kind = k, .values = &v, .w = &w, .target_node = SIZE_MAX,
			       .target_site = SIZE_MAX, .stop = &stop };
	job.node = wl_stack_client_node(k, &w, s_idx);
	snprintf(res->client, sizeof(res->client), "%s", w.nodes[job.node].name);
	addr_format(w.nodes[job.node].addr, res->addr, sizeof(res->addr));
	snprintf(res->out_dir, sizeof(res->out_dir), "%s/%s", how->out_root, res->client);
	job.out_dir = how->out_root;    /* the kind adds the client's name */
	res->stop_after = how->stop_after_ops;
	res->stop = &stop;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	stopper = (struct stopper){ .stop = &stop, .after_s = how->stop_after_s };
	timing = how->stop_after_s > 0 && pthread_create(&timer, NULL, stop_later, &stopper) == 0;
	t0 = tu_now_s();
	res->rc = k->run(&job, collect, res, &res->err);
	res->seconds = tu_now_s() - t0;
	if (timing) {
		stopper.done = 1;
		pthread_join(timer, NULL);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	rc = 0;
out:
	free(err);
	wl_stack_kinds_free(kinds, n);
	place_release(&pl);
	stack_free(s);
	if (loaded)
		state_world_free(&w);
	if (st)
		state_close(st);
	if (emu)
		emu_close(emu);
	topo_free(t);
	return rc;
}

void tu_wl_result_release(struct tu_wl_result *res)
{
	free(res->ops);
	free(res->err);
	res->ops = NULL;
	res->err = NULL;
	res->n = 0;
}
