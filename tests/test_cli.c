/* Unit tests of the command line (no root): help, version, usage errors,
 * `check` on good and bad topologies, `status` on an empty database, the
 * JSON writer, the topology -> world plan, and the command table: the one
 * option parser (exact names, unknown option, option of another command)
 * and what cli_run() enforces from a row (operand counts, root, the
 * experiment) before a command runs.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulator/addr.h"
#include "emulator/node.h"
#include "emulator/proc.h"
#include "emulator/world.h"
#include "enos/cli.h"
#include "enos/json.h"
#include "enos/plan.h"
#include "enos/state.h"
#include "enos/topo.h"
#include "util/fs.h"
#include "tests/suites.h"
#include "tests/testutil.h"

static struct tu_case tc;

static void case_setup(void)
{
	ck_assert_int_eq(tu_case_setup(&tc, "cliu"), 0);
}

static void case_teardown(void)
{
	tu_rmtree(tc.dir);
}

START_TEST(version_and_help)
{
	char *out = NULL;

	ck_assert_int_eq(tu_enos(&out, tc.db, "--version", NULL), 0);
	ck_assert(tu_contains(out, "enos 0."));
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "--help", NULL), 0);
	ck_assert(tu_contains(out, "usage: enos"));
	ck_assert(tu_contains(out, "  down "));
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "up", "--help", NULL), 0);
	ck_assert(tu_contains(out, "usage: enos up [--force] [--no-deploy] [--overcommit] TOPOLOGY.yaml"));
	free(out);
}
END_TEST

START_TEST(usage_errors_exit_2)
{
	char *out = NULL;

	ck_assert_int_eq(tu_enos(&out, tc.db, "bogus", NULL), 2);
	ck_assert(tu_contains(out, "'bogus' is not an enos command"));
	free(out);
	/* Exact names: no prefix matching. */
	ck_assert_int_eq(tu_enos(NULL, tc.db, "stat", NULL), 2);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "up", NULL), 2);
	ck_assert_int_eq(tu_enos(NULL, tc.db, "exec", "node-1", NULL), 2);
	ck_assert_int_eq(tu_enos(&out, tc.db, "status", "--frobnicate", NULL), 2);
	ck_assert(tu_contains(out, "unknown option '--frobnicate'"));
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "status", "--force", NULL), 2);
	ck_assert(tu_contains(out, "does not apply"));
	free(out);
	ck_assert_int_eq(tu_enos(NULL, tc.db, NULL), 2);
}
END_TEST

START_TEST(check_good_topology)
{
	char *out = NULL;
	int rc = tu_enos(&out, tc.db, "check", "topologies/etcd.yaml", NULL);

	ck_assert_msg(rc == 0, "%s", out);
	ck_assert_msg(tu_contains(out, "is valid"), "%s", out);
	ck_assert(tu_contains(out, "198.18.0.0/"));
	ck_assert(tu_contains(out, "netem"));
	free(out);
	rc = tu_enos(&out, tc.db, "check", "--json", "topologies/etcd.yaml", NULL);
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(tu_contains(out, "\"name\":\"etcd\""), "%s", out);
	ck_assert(tu_contains(out, "\"capabilities\":"));
	free(out);
}
END_TEST

/* The default experiment (`make run`) passes `enos check`: the topology,
 * the matrix, the stack's placement and memory, the workload's options.
 * Its Rally workload needs Debian's rally and python3-rally-openstack on
 * the host; without them check refuses and names them (make run installs
 * them first). */
START_TEST(check_default_experiment)
{
	char *out = NULL, buf[4096];
	int rc = tu_enos(&out, tc.db, "check", "topologies/default.yaml", NULL);
	bool rally = proc_which("rally", buf, sizeof(buf)) == 0 &&
		     access("/usr/lib/python3/dist-packages/rally_openstack", F_OK) == 0;

	ck_assert_msg(tu_contains(out, "topology 'default' (topologies/default.yaml) is valid\n"),
		      "%s", out);
	ck_assert_msg(tu_contains(out, "sites:       7 (1 central, 2 regional, 4 edge)"), "%s", out);
	ck_assert_msg(tu_contains(out, "a matrix"), "%s", out);
	ck_assert_msg(tu_contains(out, "stack 'openstack' (strategy 'central')"), "%s", out);
	ck_assert_msg(tu_contains(out, "  nova-compute           4 x"), "%s", out);
	if (rally)
		ck_assert_msg(rc == 0 && !tu_contains(out, "error:"), "%d: %s", rc, out);
	else
		ck_assert_msg(rc == 1 && tu_contains(out, "needs Debian package '"),
			      "%d: %s", rc, out);
	free(out);
}
END_TEST

/* check on a bad file prints exactly the fixture's expected message. */
START_TEST(check_bad_topology_prints_the_fixture_message)
{
	const char *yaml = "tests/fixtures/bad/unknown-key.yaml";
	char expected[1024] = "", *out = NULL;
	FILE *f = fopen("tests/fixtures/bad/unknown-key.err", "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(expected, sizeof(expected), f));
	fclose(f);
	ck_assert_int_eq(tu_enos(&out, tc.db, "check", yaml, NULL), 1);
	ck_assert_str_eq(out, expected);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "up", yaml, NULL), 1);
	ck_assert_str_eq(out, expected);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "check", "/nonexistent.yaml", NULL), 1);
	ck_assert(tu_contains(out, "/nonexistent.yaml"));
	free(out);
}
END_TEST

START_TEST(status_on_an_empty_database)
{
	char *out = NULL;

	ck_assert_int_eq(tu_enos(&out, tc.db, "status", NULL), 0);
	ck_assert(tu_contains(out, "no experiment is up"));
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "status", "--json", NULL), 0);
	ck_assert_str_eq(out, "{\"experiments\":[]}\n");
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "status", "-n", "nope", NULL), 1);
	ck_assert(tu_contains(out, "no experiment 'nope' is recorded"));
	free(out);
}
END_TEST

START_TEST(json_writer_nests_and_escapes)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	json_begin_object(&j);
	json_key_str(&j, "a", "q\"\\\n\x01");
	json_key(&j, "list");
	json_begin_array(&j);
	json_int(&j, 1);
	json_begin_object(&j);
	json_key_double(&j, "x", 0.5);
	json_end_object(&j);
	json_str(&j, NULL);
	json_end_array(&j);
	json_key_bool(&j, "ok", true);
	json_key(&j, "open");
	json_begin_array(&j);
	json_finish(&j);
	fclose(f);
	ck_assert_str_eq(buf, "{\"a\":\"q\\\"\\\\\\n\\u0001\",\"list\":[1,{\"x\":0.5},null],\"ok\":true,\"open\":[]}\n");
	free(buf);
}
END_TEST

START_TEST(plan_names_and_addresses)
{
	const char *text =
		"name: plan\n"
		"sites:\n"
		"  - {name: big, role: central, nodes: 20}\n"
		"  - {name: edge, role: edge, parent: big, count: 3, nodes: 2}\n";
	struct topology *t;
	struct world w;
	char *err = NULL, buf[32];
	size_t i;

	t = topo_load_string(text, "plan.yaml", ".", &err);
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_int_eq(plan_world(t, "eabcd", &w), 0);
	ck_assert_uint_eq(w.n_sites, 4);
	ck_assert_uint_eq(w.n_nodes, 26);
	/* 21 hosts + 2 need a /27; the edges fit a /29 each. */
	ck_assert_str_eq(prefix_format(&w.sites[0].lan, buf, sizeof(buf)), "198.18.0.0/27");
	ck_assert_str_eq(prefix_format(&w.sites[1].lan, buf, sizeof(buf)), "198.18.0.32/29");
	ck_assert_str_eq(addr_format(w.nodes[0].addr, buf, sizeof(buf)), "198.18.0.2");
	ck_assert_str_eq(addr_format(w.sites[3].gw_wan_addr, buf, sizeof(buf)), "198.19.0.4");
	ck_assert_str_eq(w.nodes[20].name, "edge-1-1");
	ck_assert_str_eq(w.nodes[20].netns, "enos.plan.edge-1-1");
	ck_assert_str_eq(w.nodes[25].ops->name, "netns");
	ck_assert_str_eq(w.sites[2].role, "edge");
	for (i = 0; i < w.n_nodes; i++) {
		ck_assert_uint_le(strlen(w.nodes[i].host_if), 15);
		ck_assert(strncmp(w.nodes[i].host_if, "eabcd", 5) == 0);
	}
	plan_release(&w);
	plan_release(&w);
	topo_free(t);
}
END_TEST

/* ---- the command table ---- */

/* Two commands whose options overlap by a substring: "all" is inside
 * "install" (the old parser's strstr() let --all through). */
struct x_opts {
	bool install, json;
	const char *samples;
};

struct y_opts {
	bool all;
};

static int runs;                /* how many times a command's run was called */
static struct cmd_args seen;    /* what the last one got */
static char seen_exp[64];

static int fake_run(struct enos_ctx *ctx, const struct cmd_args *a)
{
	(void)ctx;
	runs++;
	seen = *a;
	snprintf(seen_exp, sizeof(seen_exp), "%s", a->exp);
	return 7;
}

static const struct cmd_option x_options[] = {
	CMD_OPT_EXPERIMENT,
	CMD_OPT_BOOL("install", struct x_opts, install),
	CMD_OPT_BOOL("json", struct x_opts, json),
	CMD_OPT_STR("samples", struct x_opts, samples),
	{ 0 },
};

static const struct cmd_option y_options[] = {
	CMD_OPT_BOOL("all", struct y_opts, all),
	{ 0 },
};

static const struct enos_cmd cmd_x = {
	.name = "x", .usage = "[-n NAME] [--install] ARG", .summary = "x",
	.help = "the help of x\n", .min_args = 1, .max_args = 1,
	.options = x_options, .opts_size = sizeof(struct x_opts),
	.run = fake_run,
};

static const struct enos_cmd cmd_y = {
	.name = "y", .usage = "[--all] [ARG...]", .summary = "y", .help = "y\n",
	.flags = CMD_OPTS_ANYWHERE, .max_args = CMD_ARGS_ANY,
	.options = y_options, .opts_size = sizeof(struct y_opts),
	.run = fake_run,
};

static const struct enos_cmd cmd_root = {
	.name = "rooted", .usage = "ARG", .summary = "r", .help = "r\n",
	.flags = CMD_NEEDS_ROOT, .min_args = 1, .max_args = 1,
	.run = fake_run,
};

static const struct enos_cmd cmd_one = {
	.name = "one", .usage = "[-n NAME]", .summary = "o", .help = "o\n",
	.exp = CMD_EXP_ONE, .options = x_options,
	.opts_size = sizeof(struct x_opts), .run = fake_run,
};

static const struct enos_cmd cmd_named = {
	.name = "named", .usage = "[-n NAME]", .summary = "n", .help = "n\n",
	.exp = CMD_EXP_NAMED, .options = x_options,
	.opts_size = sizeof(struct x_opts), .run = fake_run,
};

static const struct enos_cmd *const table[] = {
	&cmd_x, &cmd_y, &cmd_root, &cmd_one, &cmd_named, NULL,
};

/* stdout and stderr of the calls between capture_begin() and
 * capture_end(), which returns them (allocated). */
static int saved_out = -1, saved_err = -1;
static char capture_path[256];

static void capture_begin(void)
{
	int fd;

	snprintf(capture_path, sizeof(capture_path), "%s/capture", tc.dir);
	fflush(stdout);
	fflush(stderr);
	fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

static char *capture_end(void)
{
	char *text = NULL;
	size_t len = 0;

	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	ck_assert_int_eq(fs_read_file(capture_path, 1 << 20, &text, &len), 0);
	return text;
}

/* Parse ARGS (NULL-terminated, ARGS[0] the command) for command C; the
 * status into *RC, the messages returned. */
static char *parse(const struct enos_cmd *c, struct cmd_args *a, void *opts,
		   int *rc, char **args)
{
	int argc = 0;

	while (args[argc])
		argc++;
	memset(a, 0, sizeof(*a));
	a->opts = opts;
	capture_begin();
	*rc = cli_parse_options(table, c, argc, args, a);
	return capture_end();
}

/* cli_run() on ARGS as user EUID, with database DB; returns the messages. */
static char *run_as(unsigned euid, const char *db, int *rc, char **args)
{
	struct enos_ctx ctx = { 0 };
	int argc = 0;

	while (args[argc])
		argc++;
	ctx.db_path = db;
	ctx.euid = euid;
	runs = 0;
	capture_begin();
	*rc = cli_run(&ctx, table, argc, args);
	state_close(ctx.st);
	return capture_end();
}

#define ARGS(...) ((char *[]){ __VA_ARGS__, NULL })

START_TEST(parser_compares_exact_names)
{
	struct x_opts xo;
	struct cmd_args a;
	char *out;
	int rc;

	/* --all is y's: x, which takes --install, refuses it by name. */
	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc, ARGS("x", "--all", "t"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert_msg(tu_contains(out, "error: option '--all' does not apply to 'enos x'"), "%s", out);
	ck_assert(tu_contains(out, "usage: enos x [-n NAME] [--install] ARG"));
	ck_assert(!xo.install);
	free(out);
	cli_args_release(&a);
	/* No abbreviations, no suffixes. */
	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc, ARGS("x", "--inst", "t"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert_msg(tu_contains(out, "error: unknown option '--inst'"), "%s", out);
	free(out);
	cli_args_release(&a);
	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc, ARGS("x", "--installs", "t"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert(tu_contains(out, "error: unknown option '--installs'"));
	free(out);
	cli_args_release(&a);
	/* The exact name is taken. */
	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc, ARGS("x", "--install", "t"));
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(out, "");
	ck_assert(xo.install);
	ck_assert_int_eq(a.argc, 1);
	ck_assert_str_eq(a.argv[0], "t");
	ck_assert_ptr_null(a.argv[1]);
	free(out);
	cli_args_release(&a);
}
END_TEST

START_TEST(parser_unknown_and_foreign_options)
{
	struct x_opts xo;
	struct y_opts yo;
	struct cmd_args a;
	char *out;
	int rc;

	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc, ARGS("x", "--frobnicate"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert(tu_contains(out, "error: unknown option '--frobnicate'"));
	ck_assert(tu_contains(out, "Try 'enos x --help' for more."));
	free(out);
	cli_args_release(&a);
	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc, ARGS("x", "-q"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert(tu_contains(out, "error: unknown option '-q'"));
	free(out);
	cli_args_release(&a);
	/* A short option of another command is named by its long name. */
	out = parse(&cmd_y, &a, memset(&yo, 0, sizeof(yo)), &rc, ARGS("y", "-n", "e"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert_msg(tu_contains(out, "error: option '--name' does not apply to 'enos y'"), "%s", out);
	free(out);
	cli_args_release(&a);
	/* A flag given a value, a value option without one. */
	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc, ARGS("x", "--json=1"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert(tu_contains(out, "error: unknown option '--json=1'"));
	free(out);
	cli_args_release(&a);
	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc, ARGS("x", "-n"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert(tu_contains(out, "error: unknown option '-n'"));
	free(out);
	cli_args_release(&a);
	/* --help and -h print the command's help on stdout. */
	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc, ARGS("x", "--json", "--help"));
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(out, "usage: enos x [-n NAME] [--install] ARG\n\nthe help of x\n");
	free(out);
	cli_args_release(&a);
	out = parse(&cmd_y, &a, memset(&yo, 0, sizeof(yo)), &rc, ARGS("y", "-h"));
	ck_assert_int_eq(rc, -1);
	ck_assert(tu_contains(out, "usage: enos y [--all] [ARG...]"));
	free(out);
	cli_args_release(&a);
}
END_TEST

START_TEST(parser_values_and_operands)
{
	struct x_opts xo;
	struct y_opts yo;
	struct cmd_args a;
	char *out;
	int rc;

	/* Every spelling of a value. */
	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc,
		    ARGS("x", "-nA", "--samples=5", "t"));
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(a.name, "A");
	ck_assert_str_eq(xo.samples, "5");
	free(out);
	cli_args_release(&a);
	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc,
		    ARGS("x", "--name", "-B", "--samples", "", "t"));
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(a.name, "-B");
	ck_assert_str_eq(xo.samples, "");
	free(out);
	cli_args_release(&a);
	/* Options stop at the first operand (exec, fault: the rest may look
	 * like options), and at "--". */
	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc,
		    ARGS("x", "node", "--json", "-x"));
	ck_assert_int_eq(rc, 0);
	ck_assert(!xo.json);
	ck_assert_int_eq(a.argc, 3);
	ck_assert_str_eq(a.argv[1], "--json");
	free(out);
	cli_args_release(&a);
	out = parse(&cmd_x, &a, memset(&xo, 0, sizeof(xo)), &rc,
		    ARGS("x", "--json", "--", "--install", "-"));
	ck_assert_int_eq(rc, 0);
	ck_assert(xo.json && !xo.install);
	ck_assert_int_eq(a.argc, 2);
	ck_assert_str_eq(a.argv[0], "--install");
	ck_assert_str_eq(a.argv[1], "-");
	free(out);
	cli_args_release(&a);
	/* CMD_OPTS_ANYWHERE: options between operands (`check TOPO --pairs`). */
	out = parse(&cmd_y, &a, memset(&yo, 0, sizeof(yo)), &rc,
		    ARGS("y", "a", "--all", "b", "--", "--all"));
	ck_assert_int_eq(rc, 0);
	ck_assert(yo.all);
	ck_assert_int_eq(a.argc, 3);
	ck_assert_str_eq(a.argv[0], "a");
	ck_assert_str_eq(a.argv[1], "b");
	ck_assert_str_eq(a.argv[2], "--all");
	free(out);
	cli_args_release(&a);
}
END_TEST

START_TEST(table_enforces_counts_root_and_experiment)
{
	char db[256], *out, *err = NULL;
	struct topology *t;
	struct state *st = NULL;
	struct world w;
	int rc;

	snprintf(db, sizeof(db), "%s/table.db", tc.dir);
	/* Operand counts: usage, and the command does not run. */
	out = run_as(0, db, &rc, ARGS("x"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert_int_eq(runs, 0);
	ck_assert_str_eq(out, "usage: enos x [-n NAME] [--install] ARG\n"
			 "Try 'enos x --help' for more.\n");
	free(out);
	out = run_as(0, db, &rc, ARGS("x", "a", "b"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert_int_eq(runs, 0);
	free(out);
	out = run_as(0, db, &rc, ARGS("x", "--install", "a"));
	ck_assert_int_eq(rc, 7);
	ck_assert_int_eq(runs, 1);
	ck_assert_int_eq(seen.argc, 1);
	ck_assert_str_eq(seen_exp, "");
	free(out);
	out = run_as(0, db, &rc, ARGS("nope"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert(tu_contains(out, "error: 'nope' is not an enos command"));
	free(out);

	/* Root: checked once, after the usage errors; --help needs none. */
	out = run_as(1000, db, &rc, ARGS("rooted", "a"));
	ck_assert_int_eq(rc, EXIT_FAIL);
	ck_assert_int_eq(runs, 0);
	ck_assert_str_eq(out, "error: enos rooted needs root (it creates network namespaces, links and bridges)\n");
	free(out);
	out = run_as(1000, db, &rc, ARGS("rooted"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert(tu_contains(out, "usage: enos rooted ARG"));
	ck_assert(!tu_contains(out, "needs root"));
	free(out);
	out = run_as(1000, db, &rc, ARGS("rooted", "--bogus", "a"));
	ck_assert_int_eq(rc, EXIT_USAGE);
	ck_assert(!tu_contains(out, "needs root"));
	free(out);
	out = run_as(1000, db, &rc, ARGS("rooted", "--help"));
	ck_assert_int_eq(rc, EXIT_OK);
	ck_assert_int_eq(runs, 0);
	ck_assert(tu_contains(out, "usage: enos rooted ARG"));
	free(out);
	out = run_as(0, db, &rc, ARGS("rooted", "a"));
	ck_assert_int_eq(rc, 7);
	ck_assert_int_eq(runs, 1);
	free(out);
	/* A command without CMD_NEEDS_ROOT runs for anyone. */
	out = run_as(1000, db, &rc, ARGS("x", "a"));
	ck_assert_int_eq(rc, 7);
	free(out);

	/* The experiment: none recorded. */
	out = run_as(0, db, &rc, ARGS("one"));
	ck_assert_int_eq(rc, EXIT_FAIL);
	ck_assert_int_eq(runs, 0);
	ck_assert(tu_contains(out, "error: no experiment is up"));
	free(out);
	out = run_as(0, db, &rc, ARGS("one", "-n", "nope"));
	ck_assert_int_eq(rc, EXIT_FAIL);
	ck_assert(tu_contains(out, "error: no experiment 'nope' is recorded"));
	free(out);
	out = run_as(0, db, &rc, ARGS("named"));
	ck_assert_int_eq(rc, 7);
	ck_assert_str_eq(seen_exp, "");
	free(out);
	out = run_as(0, db, &rc, ARGS("named", "-n", "nope"));
	ck_assert_int_eq(rc, EXIT_FAIL);
	ck_assert_int_eq(runs, 0);
	free(out);

	/* One recorded: chosen without -n, and by name. */
	t = topo_load_string("name: only\nsites:\n  - {name: c, role: central, nodes: 1}\n",
			     "only.yaml", ".", &err);
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_int_eq(plan_world(t, "eonly", &w), 0);
	ck_assert_int_eq(state_open(db, &st, &err), 0);
	ck_assert_int_eq(state_record_world(st, t, &w), 0);
	state_close(st);
	plan_release(&w);
	topo_free(t);
	out = run_as(0, db, &rc, ARGS("one"));
	ck_assert_int_eq(rc, 7);
	ck_assert_str_eq(seen_exp, "only");
	free(out);
	out = run_as(0, db, &rc, ARGS("named", "--name", "only"));
	ck_assert_int_eq(rc, 7);
	ck_assert_str_eq(seen_exp, "only");
	ck_assert_str_eq(seen.name, "only");
	free(out);
	/* Root comes before the experiment. */
	out = run_as(1000, db, &rc, ARGS("rooted", "a"));
	ck_assert_int_eq(rc, EXIT_FAIL);
	free(out);
}
END_TEST

/* The real table, through the binary: the options of one command are
 * refused by the others by exact name. */
START_TEST(real_commands_refuse_options_by_exact_name)
{
	char *out = NULL;

	ck_assert_int_eq(tu_enos(&out, tc.db, "deploy", "--all", NULL), 2);
	ck_assert_msg(tu_contains(out, "option '--all' does not apply to 'enos deploy'"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "down", "--install", NULL), 2);
	ck_assert_msg(tu_contains(out, "option '--install' does not apply to 'enos down'"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "tc", "--tes", NULL), 2);
	ck_assert(tu_contains(out, "unknown option '--tes'"));
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "wand-engine", "--help", NULL), 0);
	ck_assert(tu_contains(out, "usage: enos wand-engine --ctl PATH"));
	free(out);
	ck_assert_int_eq(tu_enos(&out, tc.db, "check", "topologies/etcd.yaml", "--pairs", NULL), 0);
	free(out);
}
END_TEST

Suite *make_cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli");

	tcase_add_unchecked_fixture(tc, case_setup, case_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, version_and_help);
	tcase_add_test(tc, usage_errors_exit_2);
	tcase_add_test(tc, check_good_topology);
	tcase_add_test(tc, check_default_experiment);
	tcase_add_test(tc, check_bad_topology_prints_the_fixture_message);
	tcase_add_test(tc, status_on_an_empty_database);
	tcase_add_test(tc, json_writer_nests_and_escapes);
	tcase_add_test(tc, plan_names_and_addresses);
	tcase_add_test(tc, parser_compares_exact_names);
	tcase_add_test(tc, parser_unknown_and_foreign_options);
	tcase_add_test(tc, parser_values_and_operands);
	tcase_add_test(tc, table_enforces_counts_root_and_experiment);
	tcase_add_test(tc, real_commands_refuse_options_by_exact_name);
	suite_add_tcase(s, tc);
	return s;
}
