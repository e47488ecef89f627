/* wand-engine — `enos wand-engine --ctl PATH --seed N [--log PATH]
 * [--tunnel DEV] PORT... [SITE:LANPORT...]`: the process wand_spawn()
 * starts, which runs the wand WAN engine (emulator/wand_engine.c) on the
 * given host ports until it is told to quit or gets SIGTERM. A PORT `-`
 * is a site on another host, reached through the tunnel device DEV
 * (emulator/wand.h, "Several hosts"). Hidden: enos starts it, users do
 * not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulator/wand.h"
#include "enos/cli.h"
#include "enos/cmd/cmd.h"

/* Write our pid to PATH unless it names another process that still runs
 * (a second engine on the same socket must not take the first one's
 * file). A new file, 0600, never through a link: a stale one (its engine
 * gone) is removed first, and if another engine made it meanwhile, it is
 * that one's. Returns whether the file is ours. */
static bool pidfile_claim(const char *path)
{
	char proc[64], buf[32];
	int other = 0, fd, n;
	ssize_t got;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		got = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[got > 0 ? got : 0] = '\0';
		other = (int)strtol(buf, NULL, 10);
		snprintf(proc, sizeof(proc), "/proc/%d", other);
		if (other > 0 && other != (int)getpid() && access(proc, F_OK) == 0)
			return false;
	}
	if (unlink(path) != 0 && errno != ENOENT)
		return false;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return false;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		unlink(path);
		return false;
	}
	return close(fd) == 0;
}

struct wand_opts {
	const char *ctl, *seed, *log, *rt, *tunnel;
	struct wand_config cfg; /* set by validate_wand */
	/* The LAN ports (words "SITE:IFNAME" after the WAN's), split. */
	const char **lan_ports;
	size_t *lan_sites;
	const char *ports[WAND_MAX_PORTS]; /* argv, `-` as NULL */
};

/* Free what lan_words() allocated in O; twice is fine. */
static void wand_opts_release(struct wand_opts *o)
{
	free(o->lan_ports);
	free(o->lan_sites);
	o->lan_ports = NULL;
	o->lan_sites = NULL;
	o->cfg.lan_ports = NULL;
	o->cfg.lan_sites = NULL;
}

/* Split the words of A after the WAN ports: "SITE:IFNAME" are LAN ports
 * (emulator/wand.h, wand_config.lan_ports). Returns 0, or EXIT_USAGE with
 * nothing left allocated. */
static int lan_words(struct wand_opts *o, const struct cmd_args *a)
{
	size_t n_wan = 0, i;
	char *end;

	while (n_wan < (size_t)a->argc && !strchr(a->argv[n_wan], ':'))
		n_wan++;
	o->cfg.n_ports = n_wan;
	o->cfg.n_lan_ports = (size_t)a->argc - n_wan;
	if (!o->cfg.n_lan_ports)
		return 0;
	o->lan_ports = calloc(o->cfg.n_lan_ports, sizeof(*o->lan_ports));
	o->lan_sites = calloc(o->cfg.n_lan_ports, sizeof(*o->lan_sites));
	if (!o->lan_ports || !o->lan_sites) {
		cli_error("out of memory");
		wand_opts_release(o);
		return EXIT_USAGE;
	}
	for (i = 0; i < o->cfg.n_lan_ports; i++) {
		const char *w = a->argv[n_wan + i];

		errno = 0;
		o->lan_sites[i] = (size_t)strtoul(w, &end, 10);
		if (errno || end == w || *end != ':' || !end[1] ||
		    o->lan_sites[i] >= n_wan) {
			cli_error("'%s' is not SITE:IFNAME with SITE below %zu", w,
				  n_wan);
			wand_opts_release(o);
			return EXIT_USAGE;
		}
		o->lan_ports[i] = end + 1;
	}
	o->cfg.lan_ports = o->lan_ports;
	o->cfg.lan_sites = o->lan_sites;
	return 0;
}

static int validate_wand(const struct enos_cmd *c, struct cmd_args *a)
{
	struct wand_opts *o = a->opts;
	unsigned long long seed;
	char *end;
	long rt;
	size_t remote, i;
	int rc;

	if (o->seed) {
		errno = 0;
		seed = strtoull(o->seed, &end, 0);
		if (errno || *end || end == o->seed || o->seed[0] == '-') {
			cli_error("--seed '%s' is not an unsigned number", o->seed);
			return EXIT_USAGE;
		}
		o->cfg.seed = seed;
	}
	if (o->rt) {
		if (cli_opt_range("rt", o->rt, 0, 99, "a priority", &rt) < 0)
			return EXIT_USAGE;
		o->cfg.rt_priority = (int)rt;
	}
	if (!o->ctl)
		return cli_usage(c);
	if (a->argc > WAND_MAX_PORTS) {
		cli_error("at most %d ports", WAND_MAX_PORTS);
		return EXIT_USAGE;
	}
	o->cfg.ctl_path = o->ctl;
	o->cfg.log_path = o->log;
	rc = lan_words(o, a);
	if (rc)
		return rc;
	for (i = 0, remote = 0; i < o->cfg.n_ports; i++) {
		o->ports[i] = strcmp(a->argv[i], "-") ? a->argv[i] : NULL;
		remote += !o->ports[i];
	}
	if (remote && !o->tunnel) {
		cli_error("a port '-' (a site on another host) needs --tunnel");
		goto fail;
	}
	if (remote == o->cfg.n_ports) {
		cli_error("no port of this host");
		goto fail;
	}
	o->cfg.tunnel = o->tunnel;
	o->cfg.ports = o->ports;
	return 0;
fail:
	wand_opts_release(o);
	return EXIT_USAGE;
}

static int run_wand_engine(struct enos_ctx *ctx, const struct cmd_args *a)
{
	struct wand_opts *o = a->opts;
	char pidfile[PATH_MAX];
	bool mine;
	int rc;
	(void)ctx;

	/* The pid file lets `down` find an engine whose starter was killed
	 * before it could record the pid (enos/shaping.c). */
	snprintf(pidfile, sizeof(pidfile), "%s.pid", o->cfg.ctl_path);
	mine = pidfile_claim(pidfile);
	rc = wand_run(&o->cfg);
	if (mine)
		unlink(pidfile);
	wand_opts_release(o);
	if (rc) {
		cli_error("wand engine on '%s': %s", o->cfg.ctl_path, strerror(-rc));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static const struct cmd_option wand_options[] = {
	CMD_OPT_STR("ctl", struct wand_opts, ctl),
	CMD_OPT_STR("seed", struct wand_opts, seed),
	CMD_OPT_STR("log", struct wand_opts, log),
	CMD_OPT_STR("rt", struct wand_opts, rt),
	CMD_OPT_STR("tunnel", struct wand_opts, tunnel),
	{ 0 },
};

/* enos wand-engine --ctl PATH --seed N [--log PATH] [--rt PRIO]
 * [--tunnel DEV] [--] PORT...
 * runs until `quit` or SIGTERM: EXIT_FAIL if the engine could not start
 * (the reason goes to stderr and the log). */
const struct enos_cmd cmd_wand_engine = {
	.name = "wand-engine",
	.usage = "--ctl PATH --seed N [--log PATH] [--rt PRIO] [--tunnel DEV] -- PORT... [SITE:LANPORT...]",
	.summary = "run the wand WAN engine (started by enos itself)",
	.help =
		"The userspace WAN engine that 'up' starts for 'shaping: wand'. Not for users.\n",
	.flags = CMD_NEEDS_ROOT | CMD_HIDDEN,
	.min_args = 1,
	.max_args = CMD_ARGS_ANY,
	.options = wand_options,
	.opts_size = sizeof(struct wand_opts),
	.validate = validate_wand,
	.run = run_wand_engine,
};
