/* main — the enos command line: global options, the command table, and
 * dispatch (git's cmd_struct + run_builtin). Each command parses and
 * validates everything before it touches the kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "emulator/emu.h"
#include "enos/cli.h"
#include "enos/cmd_wand.h"
#include "enos/state.h"

static const struct enos_cmd cmds[] = {
	{ "check", cmd_check, "[--json] [--pairs] TOPOLOGY.yaml",
	  "validate a topology, show its plan and this host's capabilities",
	  "Validates TOPOLOGY.yaml without touching the system and prints its sites by role,\n"
	  "nodes, site pairs and address plan, then what this host can do (netem, Open vSwitch,\n"
	  "libvirt LXC and QEMU, KVM or TCG), each found or missing with the reason.\n"
	  "Exit status 1 and one FILE:LINE:COL message if the topology is invalid.\n"
	  "With a stack, places it by its strategy and compares the memory its instances\n"
	  "need (the stack file's per-service figures) with this host's MemAvailable:\n"
	  "exit status 1 with both numbers if it cannot fit.\n\n"
	  "  --json   machine-readable output\n"
	  "  --pairs  the resolved WAN instead of the plan: one row per ordered site pair with\n"
	  "           delay, jitter (distribution, correlation), loss (burst), rate, queue and\n"
	  "           target RTT; with --json, a \"pairs\" array is added\n", 0 },
	{ "up", cmd_up, "[--force] [--no-deploy] TOPOLOGY.yaml",
	  "build the topology's sites and nodes",
	  "Records the planned world in the state database, then builds it: a network\n"
	  "namespace per node and per site gateway, a LAN bridge per site, a WAN bridge,\n"
	  "addresses from 198.18.0.0/15 and routes. On any failure or interruption what was\n"
	  "built is removed again. Then the topology's stack, if any, is deployed (see\n"
	  "'enos deploy'); if that fails the world stays up.\n\n"
	  "  --force      take an experiment of the same name down first\n"
	  "  --no-deploy  do not deploy the topology's stack\n", CMD_NEEDS_ROOT },
	{ "status", cmd_status, "[-n NAME] [--json]",
	  "show experiments, their sites, nodes and addresses",
	  "Without -n shows the only experiment, or every recorded one.\n\n"
	  "  -n, --name NAME  the experiment\n"
	  "  --json           {\"name\",\"sites\":[{\"name\",\"role\",\"prefix\"}],\"nodes\":[{\"name\",\"site\",\"backend\",\"address\"}]}\n", 0 },
	{ "exec", cmd_exec, "[-n NAME] NODE -- COMMAND [ARG...]",
	  "run a command inside a node",
	  "Runs COMMAND inside NODE's namespaces and exits with its exit status\n"
	  "(128 + N if it died of signal N, 127 if there is no such program).\n\n"
	  "  -n, --name NAME  the experiment (may be omitted when only one is up)\n", CMD_NEEDS_ROOT },
	{ "down", cmd_down, "[-n NAME | --all]",
	  "remove everything an experiment made",
	  "Removes the experiment's namespaces, links and bridges from the recorded state\n"
	  "plus a sweep of its name prefix, and forgets it (its results stay). Works after\n"
	  "a crash or SIGKILL of 'enos up'; already gone is success.\n\n"
	  "  -n, --name NAME  the experiment (may be omitted when only one is up)\n"
	  "  --all            every recorded experiment\n", CMD_NEEDS_ROOT },
	{ "run", cmd_run, "[--keep] [--samples N] TOPOLOGY.yaml",
	  "up, measure every site pair, record the results, down",
	  "Brings the topology up, measures the RTT between every ordered pair of sites\n"
	  "with a UDP echo probe (one node per site), stores the figures in the results\n"
	  "database, writes results/NAME/RUN/, and takes the experiment down.\n\n"
	  "  --keep       leave the experiment up afterwards\n"
	  "  --samples N  probes per site pair (default 20)\n", CMD_NEEDS_ROOT },
	{ "tc", cmd_tc, "[-n NAME] [--reset | --test [--json] [--samples N] [--interval MS] [--tolerance PCT[,MS]] | --timeline]",
	  "apply, reset or measure the WAN; run the faults timeline",
	  "Without options applies the topology's WAN constraints again through the backend\n"
	  "chosen at 'up' (netem or the wand engine, restarting the engine if it died) and\n"
	  "ends active faults.\n\n"
	  "  --reset            make the WAN a plain wire\n"
	  "  --test             measure the RTT of every ordered site pair with a UDP echo probe\n"
	  "                     (kernel timestamps), store min/p50/p90/p99/mean/loss with the\n"
	  "                     target, print target vs measured, exit 1 if a pair is outside\n"
	  "                     the bound\n"
	  "  --json             with --test: {\"pairs\":[{\"src\",\"dst\",\"target_rtt_ms\",\"p50_ms\",\n"
	  "                     \"p90_ms\",\"p99_ms\",\"loss_pct\",\"samples\"}],\"backend\"}\n"
	  "  --samples N        probes per pair (default 50)\n"
	  "  --interval MS      between a pair's probes (default 20)\n"
	  "  --tolerance P[,MS] the bound on |p50 - target|: max(P %, MS ms) (default 2,0.5)\n"
	  "  --timeline         run the topology's faults: list, each at its time\n"
	  "  -n, --name NAME    the experiment\n", CMD_NEEDS_ROOT },
	{ "fault", cmd_fault, "[-n NAME] partition A,B [/ C,D] | heal [A,B] | set SRC DST KEY=VALUE... | list [--all]",
	  "inject or remove faults live",
	  "  partition A,B / C,D   drop everything between the two groups of sites, both ways\n"
	  "  partition A,B         cut A,B from every other site\n"
	  "  heal [A,B]            end the partitions (touching A,B), restoring the WAN\n"
	  "  set SRC DST K=V...    change the pair both ways: delay, rtt, jitter, distribution,\n"
	  "                        correlation, loss, loss_burst, rate, queue (e.g. loss=5%)\n"
	  "  list [--all]          the active (or all) faults with their times\n"
	  "Sites are names, base names of counted sites, or role:X; SRC/DST may be '*'.\n"
	  "Every fault is recorded with the time it was applied and removed.\n", CMD_NEEDS_ROOT },
	{ "deploy", cmd_deploy, "[-n NAME] [--install]",
	  "deploy the topology's stack on an experiment that is up",
	  "Deploys the stack the topology names (stack: {name, strategy}) from\n"
	  "workloads/stacks/NAME.yaml (or $ENOS_STACKS_DIR): places its services by the\n"
	  "strategy, writes their files, runs their setup steps, starts each service inside\n"
	  "its node in dependency order, waits until each is ready and runs its post steps.\n"
	  "Logs go to results/NAME/RUN/services/INSTANCE.log; pids are recorded. Stores the\n"
	  "deploy time and the stack's RSS in the run. Refuses a stack whose memory figures\n"
	  "do not fit in this host's available memory.\n\n"
	  "  -n, --name NAME  the experiment (may be omitted when only one is up)\n"
	  "  --install        apt-get install the stack's packages first\n", CMD_NEEDS_ROOT },
	{ "services", cmd_services, "[-n NAME] [--json]",
	  "list the service instances of an experiment",
	  "Lists each instance with its service, node, site, address, pid, state\n"
	  "(starting, running, failed, stopped), uptime and RSS. An instance whose process\n"
	  "died is shown as failed with its exit status; enos never restarts one by itself.\n\n"
	  "  -n, --name NAME  the experiment\n"
	  "  --json           {\"services\":[{\"name\",\"service\",\"node\",\"site\",\"address\",\"pid\",\n"
	  "                   \"state\",\"exit_status\",\"uptime_s\",\"rss_bytes\",\"log\"}]}\n", 0 },
	{ "service", cmd_service, "[-n NAME] {start|stop|restart} INSTANCE",
	  "start, stop or restart one service instance",
	  "  stop     SIGTERM, then SIGKILL after 5 s; the instance is recorded as stopped\n"
	  "  start    start it again in its node (no setup steps) and wait until it is ready\n"
	  "  restart  stop, then start\n"
	  "  -n, --name NAME  the experiment\n", CMD_NEEDS_ROOT },
	{ "probe-ready", cmd_probe_ready, "tcp HOST PORT | http URL STATUS",
	  "readiness probe run inside a node (used by enos itself)",
	  "Exits 0 when HOST:PORT accepts a TCP connection, or URL answers STATUS.\n",
	  CMD_HIDDEN },
	{ "wand-engine", cmd_wand_engine, "--ctl PATH --seed N [--log PATH] [--rt PRIO] -- PORT...",
	  "run the wand WAN engine (started by enos itself)",
	  "The userspace WAN engine that 'up' starts for 'shaping: wand'. Not for users.\n",
	  CMD_NEEDS_ROOT | CMD_HIDDEN },
	{ "report", cmd_report, "[-n NAME] [RUN]",
	  "write the HTML report of a run",
	  "Writes results/NAME/RUN/index.html from the results database: the topology\n"
	  "summary, the target and measured RTT matrices as gnuplot heatmaps (PNG and SVG),\n"
	  "the error of every site pair, and the faults applied. RUN defaults to the\n"
	  "newest measured run; reports work after 'enos down' too.\n\n"
	  "  -n, --name NAME  the experiment\n", 0 },
};

const struct enos_cmd *cli_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

static void print_help(FILE *out)
{
	size_t i;

	fprintf(out, "usage: enos [--db PATH] COMMAND [ARGS]\n\n"
		"enos builds emulated edge and fog worlds from a topology file.\n\n"
		"commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!(cmds[i].flags & CMD_HIDDEN))
			fprintf(out, "  %-8s %s%s\n", cmds[i].name, cmds[i].summary,
				cmds[i].flags & CMD_NEEDS_ROOT ? " (root)" : "");
	fprintf(out, "\noptions:\n"
		"  --db PATH    the state and results database (default $ENOS_DB or %s)\n"
		"  --version    print the version\n"
		"  --help       this text; 'enos COMMAND --help' for a command\n",
		STATE_DEFAULT_PATH);
}

/* Flush stdout and report a failed write (git's check on exit). */
static int finish(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "error: cannot write to standard output: %s\n",
			strerror(errno));
		return EXIT_FAIL;
	}
	return status;
}

/* The probe and the world builder hold a descriptor per pair or node:
 * raise the soft limit to the hard one, as servers do. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct enos_ctx ctx = { 0 };
	const struct enos_cmd *cmd;
	int i = 1, status;

	ctx.db_path = getenv("ENOS_DB");
	if (!ctx.db_path || !*ctx.db_path)
		ctx.db_path = STATE_DEFAULT_PATH;
	ctx.progress = isatty(STDERR_FILENO);
	raise_fd_limit();
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_help(stdout);
			return finish(EXIT_OK);
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("enos %s\n", ENOS_VERSION);
			return finish(EXIT_OK);
		} else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
			ctx.db_path = argv[++i];
		} else {
			fprintf(stderr, "error: unknown option '%s'\n", argv[i]);
			print_help(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	cmd = cli_find_cmd(argv[i]);
	if (!cmd) {
		fprintf(stderr, "error: '%s' is not an enos command\n", argv[i]);
		fprintf(stderr, "Try 'enos --help'.\n");
		return EXIT_USAGE;
	}
	status = cmd->fn(&ctx, argc - i, argv + i);
	emu_close(ctx.emu);
	state_close(ctx.st);
	return finish(status);
}
