/* test_stackwl — unit tests of the workloads a stack declares: the
 * `workloads:` language (options typed by their defaults or the explicit
 * form, results, needs, the client node; bad files are
 * tests/fixtures/stacks/bad/wl-*.yaml in test_stack), OpenStack's four
 * Rally workloads, templates rendered for a client node (its own
 * variables, the nearest instance of a service to it, options, out_dir),
 * the kinds made of them, and a job run end to end through a stand-in node
 * backend whose spawn forks a local process (no root, no namespace): JSON
 * lines with failed operations and garbage, a non-zero exit after
 * operations, the stop flag, the timeout, a descendant that keeps stdout
 * open, a Rally report (tests/fixtures/rally/dummy-ok.json) imported with
 * its atomic actions, and a Rally run that wrote no report.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "emulator/addr.h"
#include "emulator/node.h"
#include "emulator/proc.h"
#include "enos/plan.h"
#include "enos/topo.h"
#include "tests/suites.h"
#include "tests/testutil.h"
#include "util/fs.h"
#include "util/units.h"
#include "workloads/place.h"
#include "workloads/stack.h"
#include "workloads/stackwl.h"
#include "workloads/template.h"

/* Two central nodes (the second is OpenStack's client), two regions, one
 * edge site under each. */
static const char *const topo_text =
	"name: st-wl\n"
	"sites:\n"
	"  - {name: central, role: central, nodes: 2}\n"
	"  - {name: regional, role: regional, parent: central, count: 2}\n"
	"  - {name: edge-a, role: edge, parent: regional-1, nodes: 2}\n"
	"  - {name: edge-b, role: edge, parent: regional-2}\n";

static const char *const stack_text =
	"stack: wl\n"
	"services:\n"
	"  - name: api\n"
	"    command: [\"api\"]\n"
	"  - name: cache\n"
	"    command: [\"cache\"]\n"
	"strategies:\n"
	"  spread:\n"
	"    api: {sites: \"role:central\"}\n"
	"    cache: {sites: \"role:regional\", per: site}\n"
	"workloads:\n"
	"  ops:\n"
	"    description: a script printing JSON lines\n"
	"    from: \"role:edge\"\n"
	"    service: api\n"
	"    options:\n"
	"      script: {type: text, help: the script to run}\n"
	"      times: 3\n"
	"      pause: 50ms\n"
	"      chunk: 4KiB\n"
	"      label: hello\n"
	"      retries: {default: 0, min: 0, max: 5}\n"
	"    run: [\"sh\", \"{{script}}\", \"{{out_dir}}\", \"{{times}}\", \"{{pause}}\", \"{{label}}\",\n"
	"          \"{{api.near.addr}}\", \"{{cache.near.instance}}\"]\n"
	"  slow:\n"
	"    options: {script: {type: text}}\n"
	"    run: [\"sh\", \"{{script}}\", \"{{out_dir}}\"]\n"
	"    timeout: 1s\n"
	"  rally:\n"
	"    node: 2\n"
	"    options: {script: {type: text}, times: {default: 2, help: iterations}}\n"
	"    needs: {coreutils: cp, base-files: /etc/debian_version}\n"
	"    run: [\"sh\", \"{{script}}\", \"{{out_dir}}\", \"{{node}}\", \"{{site}}\", \"{{role}}\",\n"
	"          \"{{experiment}}\", \"{{near(cache, api).addr}}\"]\n"
	"    results: {rally: \"{{out_dir}}/r.json\"}\n"
	"    report: \"{{out_dir}}/r.html\"\n"
	"  missing:\n"
	"    needs: {enos-no-such-package: enos-no-such-program, enos-other: /nonexistent/enos}\n"
	"    run: [\"true\"]\n";

/* ---- a stand-in backend: spawn is a local fork ---- */

static int local_spawn(struct emu *emu, const struct world_node *n,
		       char *const argv[], int out_fd, int err_fd, int *pid)
{
	pid_t child;
	int null;
	(void)emu;
	(void)n;

	child = fork();
	if (child < 0)
		return -errno;
	if (child == 0) {
		setsid();
		null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	*pid = child;
	return 0;
}

static const struct node_ops local_ops = { .name = "local", .spawn = local_spawn };

struct fx {
	struct topology *t;
	struct world w;
	struct stack *s;
	struct placement pl;
	struct wl_kind *kinds;
	size_t n_kinds;
	char dir[128];
	char out[192];
};

static void fx_init(struct fx *f)
{
	struct wl_stack_env env;
	char *err = NULL, path[256];
	size_t i;

	memset(f, 0, sizeof(*f));
	f->t = topo_load_string(topo_text, "wl.yaml", NULL, &err);
	ck_assert_msg(f->t != NULL, "%s", err ? err : "");
	ck_assert_int_eq(plan_world(f->t, "ewl00", &f->w), 0);
	for (i = 0; i < f->w.n_nodes; i++)
		f->w.nodes[i].ops = &local_ops;
	ck_assert_ptr_nonnull(tu_tmpdir(f->dir, sizeof(f->dir), "stackwl"));
	snprintf(f->out, sizeof(f->out), "%s/out", f->dir);
	f->s = stack_load(tu_write(f->dir, "wl.yaml", stack_text, path, sizeof(path)), &err);
	ck_assert_msg(f->s != NULL, "%s", err ? err : "");
	ck_assert_int_eq(place_stack(f->s, stack_strategy_find(f->s, "spread"), f->t, &f->w,
				     &f->pl, &err), 0);
	ck_assert_int_eq(wl_stack_kinds(f->s, &f->kinds, &f->n_kinds, &err), 0);
	ck_assert_uint_eq(f->n_kinds, 4);
	env = (struct wl_stack_env){ .t = f->t, .pl = &f->pl, .experiment = "st-wl",
				     .strategy = "spread", .stack_dir = "/stacks" };
	ck_assert_int_eq(wl_stack_kinds_bind(f->kinds, f->n_kinds, &env, &err), 0);
}

static void fx_release(struct fx *f)
{
	wl_stack_kinds_free(f->kinds, f->n_kinds);
	place_release(&f->pl);
	stack_free(f->s);
	plan_release(&f->w);
	topo_free(f->t);
	tu_rmtree(f->dir);
}

static const struct wl_kind *kind(const struct fx *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n_kinds; i++)
		if (!strcmp(f->kinds[i].name, name))
			return &f->kinds[i];
	ck_abort_msg("no kind %s", name);
	return NULL;
}

static size_t node_index(const struct fx *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->w.n_nodes && strcmp(f->w.nodes[i].name, name); i++)
		;
	ck_assert_msg(i < f->w.n_nodes, "no node %s", name);
	return i;
}

/* The defaults of K's options into V (what wl_options_parse gives a
 * workload that sets nothing), then SCRIPT as option "script". */
static void defaults(const struct wl_kind *k, struct wl_values *v, const char *script)
{
	const char *why;
	bool neg;
	size_t i;

	memset(v, 0, sizeof(*v));
	for (i = 0; k->options[i].name; i++) {
		const struct wl_option *o = &k->options[i];

		if (!strcmp(o->name, "script")) {
			v->text[i] = script;
			v->given[i] = true;
		} else if (o->type == WL_OPT_COUNT) {
			ck_assert_int_eq(units_parse_integer(o->def, &v->num[i], &neg), 0);
		} else if (o->type == WL_OPT_TIME) {
			ck_assert_int_eq(units_parse_time(o->def, &v->num[i], &why), 0);
		} else if (o->type == WL_OPT_SIZE) {
			ck_assert_int_eq(units_parse_memory(o->def, &v->num[i], &why), 0);
		} else {
			v->text[i] = o->def;
		}
	}
}

/* What a job emitted. */
struct got {
	struct wl_op ops[64];
	char errors[64][128];
	size_t n;
	size_t stop_after;              /* set *STOP after this many; 0: never */
	volatile sig_atomic_t *stop;
	int fail_at;                    /* return -ECANCELED at this op (1-based) */
};

static int collect(void *arg, const struct wl_op *op)
{
	struct got *g = arg;

	if (g->fail_at && (int)g->n + 1 == g->fail_at)
		return -ECANCELED;
	if (g->n < 64) {
		g->ops[g->n] = *op;
		snprintf(g->errors[g->n], sizeof(g->errors[0]), "%s", op->error ? op->error : "");
		g->ops[g->n].error = NULL;
	}
	g->n++;
	if (g->stop_after && g->n == g->stop_after)
		*g->stop = 1;
	return 0;
}

/* Write SCRIPT to the fixture's directory; its path into PATH. */
static const char *script(struct fx *f, const char *name, const char *text, char *path,
			  size_t len)
{
	return tu_write(f->dir, name, text, path, len);
}

/* Run workload NAME for client NODE with SCRIPT_PATH; *G gets the ops. */
static int run_job(struct fx *f, const char *name, const char *node, const char *script_path,
		   struct got *g, char **err)
{
	volatile sig_atomic_t stop = 0;
	struct wl_values v;
	const struct wl_kind *k = kind(f, name);
	struct wl_job job = { .kind = k, .values = &v, .w = &f->w, .node = node_index(f, node),
			      .target_node = SIZE_MAX, .target_site = SIZE_MAX,
			      .out_dir = f->out, .stop = &stop };

	defaults(k, &v, script_path);
	g->stop = &stop;
	return k->run(&job, collect, g, err);
}

/* The contents of NAME in the client NODE's directory into BUF. */
static const char *out_file(const struct fx *f, const char *node, const char *name, char *buf,
			    size_t len)
{
	char path[256], *text = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s/%s", f->out, node, name);
	ck_assert_msg(fs_read_file(path, 1 << 20, &text, &n) == 0, "no %s", path);
	snprintf(buf, len, "%s", text);
	free(text);
	return buf;
}

/* ---- the language ---- */

START_TEST(test_model)
{
	struct fx f;
	const struct stack_workload *sw;

	fx_init(&f);
	ck_assert_uint_eq(f.s->n_workloads, 4);
	sw = &f.s->workloads[stack_workload_index(f.s, "ops")];
	ck_assert_str_eq(sw->from, "role:edge");
	ck_assert_uint_eq(sw->node, 1);
	ck_assert_str_eq(sw->service, "api");
	ck_assert_int_eq(sw->results, STACK_WL_JSONL);
	ck_assert_uint_eq(sw->timeout_us, 0);
	ck_assert_uint_eq(sw->n_options, 6);
	/* Typed by what the default holds, or the explicit form. */
	ck_assert_int_eq(sw->options[0].type, WL_OPT_TEXT);
	ck_assert_ptr_null(sw->options[0].def);         /* required */
	ck_assert_str_eq(sw->options[0].help, "the script to run");
	ck_assert_int_eq(sw->options[1].type, WL_OPT_COUNT);
	ck_assert_uint_eq(sw->options[1].min, 1);
	ck_assert_uint_eq(sw->options[1].max, STACK_WL_COUNT_MAX);
	ck_assert_int_eq(sw->options[2].type, WL_OPT_TIME);
	ck_assert_int_eq(sw->options[3].type, WL_OPT_SIZE);
	ck_assert_int_eq(sw->options[4].type, WL_OPT_TEXT);
	ck_assert_str_eq(sw->options[4].def, "hello");
	ck_assert_int_eq(sw->options[5].type, WL_OPT_COUNT);
	ck_assert_uint_eq(sw->options[5].min, 0);
	ck_assert_uint_eq(sw->options[5].max, 5);
	sw = &f.s->workloads[stack_workload_index(f.s, "slow")];
	ck_assert_str_eq(sw->from, "role:central");     /* the default */
	ck_assert_uint_eq(sw->timeout_us, 1000000);
	sw = &f.s->workloads[stack_workload_index(f.s, "rally")];
	ck_assert_int_eq(sw->results, STACK_WL_RALLY);
	ck_assert_str_eq(sw->rally_report, "{{out_dir}}/r.json");
	ck_assert_str_eq(sw->report, "{{out_dir}}/r.html");
	ck_assert_uint_eq(sw->node, 2);
	ck_assert_uint_eq(sw->n_needs, 2);
	ck_assert_str_eq(sw->needs[1].package, "base-files");
	ck_assert_str_eq(sw->needs[1].what, "/etc/debian_version");
	ck_assert_int_eq(stack_workload_index(f.s, "nope"), -1);
	fx_release(&f);
}
END_TEST

/* A time or a size bound is written with its unit; a text option has
 * none; a workload without workloads: is fine. */
START_TEST(test_option_forms)
{
	static const char *const bad[][2] = {
		{ "{default: 5ms, min: 10ms}", "option 'x': default 5ms is out of range (10ms to 86400s)" },
		{ "{default: abc, min: 1}", "option 'x': 'min' goes with a count, size or time" },
		{ "{default: 2, max: 1s}", "option 'x': max 1s is not a count (digits)" },
		{ "{type: size, default: 3}", "option 'x': default 3 has no unit" },
		{ "{type: counter}", "unknown option type 'counter' (did you mean 'count'?)" },
		{ "{help: nothing}", "option 'x' needs a 'default' or a 'type'" },
		{ "{default: 7, max: 5}", "option 'x': default 7 is out of range (1 to 5)" },
	};
	char text[512], *err = NULL;
	struct stack *s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "stack: o\nservices:\n  - {name: a, command: [a]}\n"
			 "workloads:\n  w:\n    options: {x: %s}\n    run: [w]\n", bad[i][0]);
		s = stack_load_string(text, "o.yaml", "o", &err);
		ck_assert_msg(s == NULL, "%s loaded", bad[i][0]);
		ck_assert_msg(tu_contains(err, bad[i][1]), "%s: %s", bad[i][0], err);
		free(err);
		err = NULL;
	}
	s = stack_load_string("stack: o\nservices:\n  - {name: a, command: [a]}\n"
			      "workloads:\n  w:\n    options: {x: {default: 2s, min: 1ms, max: 1h}}\n"
			      "    run: [w]\n", "o.yaml", "o", &err);
	ck_assert_msg(s == NULL && tu_contains(err, "o.yaml:6:47: workload 'w': option 'x': max 1h "),
		      "%s", err ? err : "");
	free(err);
	s = stack_load_string("stack: o\nservices:\n  - {name: a, command: [a]}\n"
			      "workloads:\n  w:\n    options: {x: {default: 2s, min: 1ms, max: 60s}, y: {type: time}}\n"
			      "    run: [w, '{{x}}', '{{y}}']\n", "o.yaml", "o", &err);
	ck_assert_msg(s != NULL, "%s", err ? err : "");
	ck_assert_uint_eq(s->workloads[0].options[0].min, 1000);
	ck_assert_uint_eq(s->workloads[0].options[0].max, 60000000);
	ck_assert_int_eq(s->workloads[0].options[1].type, WL_OPT_TIME);
	ck_assert_ptr_null(s->workloads[0].options[1].def);
	stack_free(s);
}
END_TEST

/* OpenStack's Rally workloads: from the second central node, against
 * keystone, times and concurrency counts, Rally's report imported and its
 * HTML kept, rally needed. */
START_TEST(test_openstack_workloads)
{
	static const char *const names[][3] = {
		{ "boot-delete", "NovaServers.boot_and_delete_server", "nova-api" },
		{ "list-servers", "NovaServers.list_servers", "nova-api" },
		{ "create-delete-image", "GlanceImages.create_and_delete_image", "glance" },
		{ "keystone-token", "KeystoneBasic.authenticate_user_and_validate_token", "keystone" },
	};
	const struct stack_workload *sw;
	struct stack *s;
	char *err = NULL;
	size_t i, k;
	long w;

	s = stack_load("workloads/stacks/openstack.yaml", &err);
	ck_assert_msg(s != NULL, "%s", err ? err : "");
	ck_assert_uint_eq(s->n_workloads, 4);
	for (i = 0; i < 4; i++) {
		w = stack_workload_index(s, names[i][0]);
		ck_assert_msg(w >= 0, "no workload %s", names[i][0]);
		sw = &s->workloads[w];
		ck_assert_str_eq(sw->from, "role:central");
		ck_assert_uint_eq(sw->node, 2);
		ck_assert_str_eq(sw->service, names[i][2]);
		ck_assert_int_eq(sw->results, STACK_WL_RALLY);
		ck_assert_str_eq(sw->rally_report, "{{out_dir}}/rally.json");
		ck_assert_str_eq(sw->report, "{{out_dir}}/rally.html");
		ck_assert_uint_eq(sw->n_options, 2);
		ck_assert_str_eq(sw->options[0].name, "times");
		ck_assert_str_eq(sw->options[1].name, "concurrency");
		ck_assert_int_eq(sw->options[0].type, WL_OPT_COUNT);
		ck_assert_uint_eq(sw->options[0].min, 1);
		ck_assert_str_eq(sw->needs[0].package, "rally");
		ck_assert_str_eq(sw->needs[1].package, "python3-rally-openstack");
		for (k = 0; k < sw->run.argc && strcmp(sw->run.argv[k], names[i][1]); k++)
			;
		ck_assert_msg(k < sw->run.argc, "%s does not run %s", names[i][0], names[i][1]);
		ck_assert_msg(tu_contains(sw->run.argv[2], "/openstack/rally-task.py"), "%s",
			      sw->run.argv[2]);
	}
	/* Nova at microversion 2.1 (no nics), flavor and image tiny. */
	sw = &s->workloads[stack_workload_index(s, "boot-delete")];
	ck_assert_str_eq(sw->run.argv[7], "{\"flavor\": {\"name\": \"tiny\"}, \"image\": {\"name\": \"tiny\"}}");
	ck_assert_str_eq(sw->run.argv[8], "{\"api_versions@openstack\": {\"nova\": {\"version\": \"2.1\"}}}");
	stack_free(s);
}
END_TEST

/* ---- templates for a client node ---- */

START_TEST(test_render_for_client)
{
	struct fx f;
	struct template_env e;
	struct template_var vars[] = { { "times", "7" }, { "out_dir", "/r/x" } };
	char *out = NULL, *err = NULL, a[32], c[32];
	size_t edge_b = 0, i;

	fx_init(&f);
	e = (struct template_env){ .stack = f.s, .pl = &f.pl, .w = &f.w, .experiment = "st-wl",
				   .topo = f.t, .stack_dir = "/stacks", .strategy = "spread" };
	edge_b = node_index(&f, "edge-b-1");
	ck_assert_int_eq(template_render_node(&e, edge_b, vars, 2,
					      "{{node}} {{site}} {{role}} {{addr}} {{times}} {{out_dir}} "
					      "{{experiment}} {{stack_dir}} {{cache.near.instance}} "
					      "{{near(cache, api).site}} {{api.near.node}} {{cache.count}} "
					      "{{join(cache, ',', '{{instance}}@{{times}}')}}",
					      &out, &err), 0);
	addr_format(f.w.nodes[edge_b].addr, a, sizeof(a));
	snprintf(c, sizeof(c), "%s", a);
	{
		char want[512];

		/* edge-b sits under regional-2: its nearest cache is cache-2. */
		snprintf(want, sizeof(want),
			 "edge-b-1 edge-b edge %s 7 /r/x st-wl /stacks cache-2 regional-2 central-1 2 "
			 "cache-1@7,cache-2@7", c);
		ck_assert_str_eq(out, want);
	}
	free(out);
	/* From edge-a: regional-1's. */
	ck_assert_int_eq(template_render_node(&e, node_index(&f, "edge-a-2"), vars, 2,
					      "{{cache.near.instance}}", &out, &err), 0);
	ck_assert_str_eq(out, "cache-1");
	free(out);
	/* The nearest to a node is what place_near gives an instance there. */
	for (i = 0; i < f.pl.n; i++) {
		size_t svc = 1;

		ck_assert_int_eq(place_near(&f.pl, f.t, &f.w, i, &svc, 1),
				 place_near_node(&f.pl, f.t, &f.w, f.pl.v[i].node, &svc, 1));
	}
	/* An instance's own variables are not a client's. */
	ck_assert_int_eq(template_render_node(&e, edge_b, vars, 2, "{{conf_dir}}", &out, &err),
			 -EINVAL);
	ck_assert_msg(tu_contains(err, "'{{conf_dir}}' is a service instance's variable: node 'edge-b-1' is a client"),
		      "%s", err);
	free(err);
	ck_assert_int_eq(template_render_node(&e, edge_b, vars, 2, "{{timez}}", &out, &err), -EINVAL);
	ck_assert_str_eq(err, "unknown template variable 'timez'");
	free(err);
	fx_release(&f);
}
END_TEST

/* ---- kinds ---- */

START_TEST(test_kinds)
{
	struct fx f;
	const struct wl_kind *k;
	struct wl_values v;
	struct wl_kind *unbound = NULL;
	size_t n = 0;
	char **argv = NULL, *err = NULL, want[64];
	struct wl_job job;

	fx_init(&f);
	k = kind(&f, "ops");
	ck_assert(wl_stack_kind_is(k));
	ck_assert_str_eq(k->from, "role:edge");
	ck_assert_str_eq(k->service, "api");
	ck_assert_str_eq(k->summary, "a script printing JSON lines (stack 'wl')");
	ck_assert_str_eq(k->options[1].name, "times");
	ck_assert_int_eq(k->options[1].type, WL_OPT_COUNT);
	ck_assert_uint_eq(k->options[1].min, 1);
	ck_assert_str_eq(k->options[1].def, "3");
	ck_assert_str_eq(k->options[1].help, "a count");
	ck_assert_ptr_null(k->options[6].name);
	ck_assert_ptr_null(k->options[0].def);
	ck_assert_int_eq(k->options[3].type, WL_OPT_SIZE);

	/* The argv for edge-a-1: options as text, sizes in bytes, times in
	 * seconds, the nearest api. */
	defaults(k, &v, "/x/s.sh");
	job = (struct wl_job){ .kind = k, .values = &v, .w = &f.w,
			       .node = node_index(&f, "edge-a-1"), .out_dir = "/o" };
	ck_assert_int_eq(wl_stack_argv(&job, &argv, &err), 0);
	ck_assert_str_eq(argv[0], "sh");
	ck_assert_str_eq(argv[1], "/x/s.sh");
	ck_assert_str_eq(argv[2], "/o/edge-a-1");
	ck_assert_str_eq(argv[3], "3");
	ck_assert_str_eq(argv[4], "0.05");
	ck_assert_str_eq(argv[5], "hello");
	addr_format(f.w.nodes[f.pl.v[place_first(&f.pl, 0)].node].addr, want, sizeof(want));
	ck_assert_str_eq(argv[6], want);
	ck_assert_str_eq(argv[7], "cache-1");
	ck_assert_ptr_null(argv[8]);
	wl_stack_argv_free(argv);

	/* The client: node N of each site, else its last. */
	ck_assert_str_eq(f.w.nodes[wl_stack_client_node(kind(&f, "rally"), &f.w, 0)].name, "central-2");
	ck_assert_str_eq(f.w.nodes[wl_stack_client_node(kind(&f, "rally"), &f.w, 4)].name, "edge-b-1");
	ck_assert_str_eq(f.w.nodes[wl_stack_client_node(k, &f.w, 0)].name, "central-1");

	/* Unbound, a job cannot render. */
	ck_assert_int_eq(wl_stack_kinds(f.s, &unbound, &n, &err), 0);
	job.kind = &unbound[0];
	ck_assert_int_eq(wl_stack_argv(&job, &argv, &err), -EINVAL);
	ck_assert_str_eq(err, "workload 'ops' of stack 'wl' is not bound to a deployment");
	free(err);
	/* Placed as the topology deploys it (its strategy: the first). */
	ck_assert_int_eq(wl_stack_kinds_place(unbound, n, NULL, f.t, &f.w, &err), 0);
	ck_assert_int_eq(wl_stack_argv(&job, &argv, &err), 0);
	ck_assert_str_eq(argv[6], want);
	ck_assert_str_eq(argv[7], "cache-1");
	wl_stack_argv_free(argv);
	job.kind = &unbound[2];
	job.node = node_index(&f, "central-2");
	ck_assert_int_eq(wl_stack_argv(&job, &argv, &err), 0);
	ck_assert_str_eq(argv[6], f.w.name);            /* {{experiment}} */
	wl_stack_argv_free(argv);
	/* Placing again replaces the placement (no leak under ASan). */
	ck_assert_int_eq(wl_stack_kinds_place(unbound, n, NULL, f.t, &f.w, &err), 0);
	wl_stack_kinds_free(unbound, n);
	fx_release(&f);
}
END_TEST

/* A workload's needs name the Debian package to install. */
START_TEST(test_needs)
{
	struct fx f;
	char *err = NULL;

	fx_init(&f);
	ck_assert_int_eq(wl_stack_kind_check(kind(&f, "rally"), &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_int_eq(wl_stack_kind_check(kind(&f, "missing"), &err), -ENOENT);
	ck_assert_str_eq(err, "workload 'missing' of stack 'wl' needs Debian package "
			 "'enos-no-such-package' (no program 'enos-no-such-program' in PATH) and more: "
			 "apt-get install enos-no-such-package enos-other");
	free(err);
	fx_release(&f);
}
END_TEST

/* ---- jobs ---- */

/* JSON lines, a failed operation with its text, one line of garbage, a
 * last line without newline: every operation is emitted, the garbage is
 * counted and logged, the run is fine. */
START_TEST(test_run_jsonl)
{
	struct fx f;
	struct got g = { 0 };
	char path[256], log[4096], *err = NULL;

	fx_init(&f);
	script(&f, "ops.sh",
	       "echo \"args $*\" >&2\n"
	       "i=0\n"
	       "while [ $i -lt $2 ]; do\n"
	       "  i=$((i+1))\n"
	       "  echo '{\"op\":\"put\",\"start\":1733580000.5,\"duration_ms\":'$i',\"ok\":true}'\n"
	       "done\n"
	       "echo 'this is not json'\n"
	       "echo '{\"op\":\"get\",\"start\":1733580001,\"duration_ms\":3.5,\"ok\":false,\"error\":\"key not found\"}'\n"
	       "printf '{\"op\":\"get\",\"start\":1733580002,\"duration_ms\":1,\"ok\":true}'\n",
	       path, sizeof(path));
	ck_assert_int_eq(run_job(&f, "ops", "edge-a-1", path, &g, &err), 0);
	ck_assert_uint_eq(g.n, 5);
	ck_assert_str_eq(g.ops[0].op, "put");
	ck_assert(g.ops[2].ok && g.ops[2].duration_ms == 3);
	ck_assert_str_eq(g.ops[3].op, "get");
	ck_assert(!g.ops[3].ok);
	ck_assert_str_eq(g.errors[3], "key not found");
	ck_assert(g.ops[4].ok && g.ops[4].start == 1733580002);
	ck_assert_msg(err && tu_contains(err, "workload 'ops' on node 'edge-a-1': 1 bad line of output skipped") &&
		      tu_contains(err, "edge-a-1: stdout of 'ops':4"), "%s", err ? err : "(null)");
	free(err);
	out_file(&f, "edge-a-1", "ops.log", log, sizeof(log));
	ck_assert_msg(tu_contains(log, "enos: workload 'ops' on node 'edge-a-1': sh ") &&
		      tu_contains(log, " 3 0.05 hello ") && tu_contains(log, "args ") &&
		      tu_contains(log, "enos: edge-a-1: stdout of 'ops':4"), "%s", log);
	fx_release(&f);
}
END_TEST

/* A program that exits non-zero after reporting operations: they are
 * emitted (kept), the run fails saying so, with the log's tail. */
START_TEST(test_run_exit_status)
{
	struct fx f;
	struct got g = { 0 };
	char path[256], *err = NULL;

	fx_init(&f);
	script(&f, "fail.sh",
	       "echo '{\"op\":\"a\",\"start\":1,\"duration_ms\":1,\"ok\":true}'\n"
	       "echo '{\"op\":\"a\",\"start\":2,\"duration_ms\":1,\"ok\":true}'\n"
	       "echo 'lost the connection' >&2\n"
	       "exit 3\n", path, sizeof(path));
	ck_assert_int_eq(run_job(&f, "ops", "edge-b-1", path, &g, &err), -EIO);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_msg(tu_contains(err, "workload 'ops' on node 'edge-b-1': 'sh' exited with status 3 "
				  "after 2 operations (kept)") &&
		      tu_contains(err, "  | lost the connection"), "%s", err);
	free(err);
	err = NULL;
	script(&f, "none.sh", "echo 'no such thing' >&2\nexit 4\n", path, sizeof(path));
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(run_job(&f, "ops", "edge-b-1", path, &g, &err), -EIO);
	ck_assert_uint_eq(g.n, 0);
	ck_assert_msg(tu_contains(err, "exited with status 4 before any operation"), "%s", err);
	free(err);
	fx_release(&f);
}
END_TEST

/* The stop flag ends the program (SIGTERM to its session) at once; what
 * it reported is kept; the same for the timeout; a failed emit stops it
 * with the emit's own error. */
START_TEST(test_run_stop_timeout)
{
	struct fx f;
	struct got g = { 0 };
	char path[256], pidfile[256], *err = NULL;
	double t0;
	int pid;
	FILE *pf;

	fx_init(&f);
	snprintf(pidfile, sizeof(pidfile), "%s/sleep.pid", f.dir);
	script(&f, "forever.sh",
	       "while :; do\n"
	       "  echo '{\"op\":\"tick\",\"start\":1,\"duration_ms\":1,\"ok\":true}'\n"
	       "  sleep 0.05\n"
	       "done\n", path, sizeof(path));
	g.stop_after = 3;
	t0 = tu_now_s();
	ck_assert_int_eq(run_job(&f, "ops", "edge-a-1", path, &g, &err), -EINTR);
	ck_assert_msg(tu_now_s() - t0 < 3, "took %.1f s", tu_now_s() - t0);
	ck_assert_uint_ge(g.n, 3);
	ck_assert_ptr_null(err);

	/* slow: timeout 1s; its child sleep is in the session and goes too. */
	{
		char text[512];

		snprintf(text, sizeof(text), "sleep 30 &\necho $! > %s\nwait\n", pidfile);
		script(&f, "slow.sh", text, path, sizeof(path));
	}
	memset(&g, 0, sizeof(g));
	t0 = tu_now_s();
	ck_assert_int_eq(run_job(&f, "slow", "central-1", path, &g, &err), -ETIMEDOUT);
	ck_assert_msg(tu_now_s() - t0 < 4, "took %.1f s", tu_now_s() - t0);
	ck_assert_str_eq(err, "workload 'slow' on node 'central-1' timed out after 1 s (0 operations kept)");
	free(err);
	err = NULL;
	pf = fopen(pidfile, "r");
	ck_assert_ptr_nonnull(pf);
	ck_assert_int_eq(fscanf(pf, "%d", &pid), 1);
	fclose(pf);
	proc_sleep_ms(100);
	ck_assert_msg(!tu_alive(pid), "the session's sleep %d survived", pid);

	/* The caller's store fails at the second operation. */
	script(&f, "forever.sh",
	       "while :; do\n"
	       "  echo '{\"op\":\"tick\",\"start\":1,\"duration_ms\":1,\"ok\":true}'\n"
	       "  sleep 0.05\n"
	       "done\n", path, sizeof(path));
	memset(&g, 0, sizeof(g));
	g.fail_at = 2;
	ck_assert_int_eq(run_job(&f, "ops", "edge-a-1", path, &g, &err), -ECANCELED);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_ptr_null(err);
	fx_release(&f);
}
END_TEST

/* A program that exits while a child it left behind holds its stdout:
 * the run ends anyway (the session is killed) and keeps what came. */
START_TEST(test_run_descendant_holds_stdout)
{
	struct fx f;
	struct got g = { 0 };
	char path[256], *err = NULL;
	double t0;

	fx_init(&f);
	script(&f, "bg.sh",
	       "sleep 60 &\n"
	       "echo '{\"op\":\"x\",\"start\":1,\"duration_ms\":1,\"ok\":true}'\n"
	       "exit 0\n", path, sizeof(path));
	t0 = tu_now_s();
	ck_assert_int_eq(run_job(&f, "ops", "edge-a-1", path, &g, &err), 0);
	ck_assert_msg(tu_now_s() - t0 < 8, "took %.1f s", tu_now_s() - t0);
	ck_assert_uint_eq(g.n, 1);
	free(err);
	fx_release(&f);
}
END_TEST

/* results: rally: the report the program leaves is imported once it has
 * exited (every iteration, then its atomic actions); the report file it
 * names is kept; the client is node 2 of the central site. */
START_TEST(test_run_rally)
{
	struct fx f;
	struct got g = { 0 };
	char path[256], text[1024], buf[256], cwd[256], *err = NULL;
	size_t i, atomics = 0, iters = 0;

	fx_init(&f);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	snprintf(text, sizeof(text),
		 "echo \"rally progress on $2 $3 $4 $5 $6\"\n"
		 "cp %s/tests/fixtures/rally/dummy-ok.json \"$1/r.json\"\n"
		 "echo '<html>' > \"$1/r.html\"\n", cwd);
	script(&f, "rally.sh", text, path, sizeof(path));
	ck_assert_int_eq(run_job(&f, "rally", "central-2", path, &g, &err), 0);
	ck_assert_msg(err == NULL, "%s", err);
	for (i = 0; i < g.n; i++) {
		if (g.ops[i].atomic) {
			atomics++;
			ck_assert_uint_ge(g.ops[i].iteration, 1);
		} else {
			iters++;
			ck_assert_str_eq(g.ops[i].op, "rally");
		}
	}
	ck_assert_uint_eq(iters, 3);
	ck_assert_uint_eq(atomics, 6);          /* foo and the bar nested in it */
	out_file(&f, "central-2", "rally.log", text, sizeof(text));
	snprintf(buf, sizeof(buf), "rally progress on central-2 central central st-wl");
	ck_assert_msg(tu_contains(text, buf), "%s", text);
	ck_assert_msg(tu_contains(text, "r.json: 3 iterations, 0 failed, 6 atomic actions"), "%s", text);
	out_file(&f, "central-2", "r.html", buf, sizeof(buf));
	fx_release(&f);
}
END_TEST

/* Rally (here a stand-in) that writes no report: an error naming the
 * missing file, with the tail of the log (Rally's complaint); a stale
 * report of an earlier run is not taken for this run's. */
START_TEST(test_run_rally_no_report)
{
	struct fx f;
	struct got g = { 0 };
	char path[256], dir[256], stale[256], *err = NULL;

	fx_init(&f);
	snprintf(dir, sizeof(dir), "%s/central-2", f.out);
	ck_assert_int_eq(fs_mkdir_p(dir, 0755), 0);
	tu_write(dir, "r.json", "{}", stale, sizeof(stale));
	script(&f, "rally.sh", "echo 'Task config is invalid: platform not available' >&2\nexit 1\n",
	       path, sizeof(path));
	ck_assert_int_eq(run_job(&f, "rally", "central-2", path, &g, &err), -ENOENT);
	ck_assert_uint_eq(g.n, 0);
	ck_assert_msg(tu_contains(err, "workload 'rally' on node 'central-2': Rally wrote no report ") &&
		      tu_contains(err, "/out/central-2/r.json (the program exited with status 1)") &&
		      tu_contains(err, "  | Task config is invalid: platform not available"), "%s", err);
	free(err);
	fx_release(&f);
}
END_TEST

/* A program that cannot start fails the job with the reason. */
START_TEST(test_run_missing_needs)
{
	struct fx f;
	struct got g = { 0 };
	char *err = NULL;

	fx_init(&f);
	ck_assert_int_eq(run_job(&f, "missing", "central-1", "", &g, &err), -ENOENT);
	ck_assert_msg(tu_contains(err, "needs Debian package 'enos-no-such-package'"), "%s", err);
	free(err);
	fx_release(&f);
}
END_TEST

/* `enos check` of a topology naming a Rally workload says which Debian
 * package is missing when rally cannot be found (here: PATH without it),
 * and passes that check when it can. */
START_TEST(test_check_names_package)
{
	static const char topo[] =
		"name: oscheck\n"
		"sites:\n"
		"  - {name: central, role: central, nodes: 2}\n"
		"  - {name: edge, role: edge, parent: central, count: 2}\n"
		"stack: {name: openstack, strategy: central}\n"
		"workload: {name: boot-delete, times: 3}\n";
	char dir[128], path[256], db[192], *out = NULL, *saved, buf[256];
	int rc;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "stackwl-check"));
	tu_write(dir, "oscheck.yaml", topo, path, sizeof(path));
	snprintf(db, sizeof(db), "%s/enos.db", dir);
	saved = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", "/nonexistent", 1);
	rc = tu_enos(&out, db, "check", path, NULL);
	setenv("PATH", saved, 1);
	ck_assert_msg(rc == 1, "%d: %s", rc, out);
	ck_assert_msg(tu_contains(out, "error: workload 'boot-delete' of stack 'openstack' needs Debian "
				  "package 'rally' (no program 'rally' in PATH) and more: apt-get install "
				  "rally python3-rally-openstack") ||
		      tu_contains(out, "error: workload 'boot-delete' of stack 'openstack' needs Debian "
				  "package 'rally' (no program 'rally' in PATH): apt-get install rally"),
		      "%s", out);
	free(out);
	rc = tu_enos(&out, db, "check", path, NULL);
	if (proc_which("rally", buf, sizeof(buf)) == 0 &&
	    access("/usr/lib/python3/dist-packages/rally_openstack", F_OK) == 0)
		ck_assert_msg(rc == 0 && !tu_contains(out, "needs Debian package"), "%d: %s", rc, out);
	else
		ck_assert_msg(rc == 1 && tu_contains(out, "needs Debian package"), "%d: %s", rc, out);
	free(out);
	free(saved);
	tu_rmtree(dir);
}
END_TEST

Suite *make_stackwl_suite(void)
{
	Suite *s = suite_create("stackwl");
	TCase *lang = tcase_create("language");
	TCase *run = tcase_create("run");

	tcase_add_test(lang, test_model);
	tcase_add_test(lang, test_option_forms);
	tcase_add_test(lang, test_openstack_workloads);
	tcase_add_test(lang, test_render_for_client);
	tcase_add_test(lang, test_kinds);
	tcase_add_test(lang, test_needs);
	tcase_add_test(lang, test_check_names_package);
	suite_add_tcase(s, lang);
	tcase_set_timeout(run, 30);
	tcase_add_test(run, test_run_jsonl);
	tcase_add_test(run, test_run_exit_status);
	tcase_add_test(run, test_run_stop_timeout);
	tcase_add_test(run, test_run_descendant_holds_stdout);
	tcase_add_test(run, test_run_rally);
	tcase_add_test(run, test_run_rally_no_report);
	tcase_add_test(run, test_run_missing_needs);
	suite_add_tcase(s, run);
	return s;
}
