/* shape_wand — the "wand" shaping backend: the WAN is the wand engine
 * (emulator/wand*.c) switching between the gateways' WAN ports, a process
 * of its own per experiment. As shape.h says, the caller starts it through
 * start (and records the pid), checks alive, and stops it by pid; apply,
 * set_pair and reset only talk to a running engine over its control socket
 * at wand_ctl_path() and return -ENOTCONN when none answers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emulator/shape.h"
#include "emulator/traffic.h"
#include "emulator/tunnel.h"
#include "emulator/wand.h"

/* The engine's socket path for W into BUF, and whether it answers. */
static int engine(const struct world *w, char *buf, size_t len)
{
	int rc = wand_ctl_path(w, buf, len);

	if (rc)
		return rc;
	return wand_ping(buf) == 0 ? 0 : -ENOTCONN;
}

/* Each site whose LAN the engine switches gets T's lan. */
static int wand_apply_lans(const char *path, const struct world *w,
			   const struct shape_table *t)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < w->n_sites && rc == 0; i++)
		if (w->sites[i].lan_engine)
			rc = wand_lan_set(path, i, &t->lan[i]);
	return rc;
}

/* CLOCK_REALTIME now, in us. */
static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* The table, then one `trace` request per traced direction, all from
 * the same start: T's, else the one the engine replays from already (a
 * fault re-applying the table keeps the traces' clock), else now. */
static int wand_apply(struct emu *emu, const struct world *w,
		      const struct shape_table *t)
{
	uint64_t start = 0;
	char path[128];
	size_t i;
	int rc = engine(w, path, sizeof(path));
	(void)emu;

	if (rc)
		return rc;
	if (!t || t->n != w->n_sites)
		return -EINVAL;
	if (shape_table_traced(t)) {
		start = t->trace_start_us;
		if (!start && (rc = wand_trace_start(path, &start)) < 0)
			return rc;
		if (!start)
			start = now_us();
	}
	rc = wand_apply_table(path, t);
	for (i = 0; rc == 0 && t->tr && i < t->n * t->n; i++)
		if (t->tr[i].trace && (t->tr[i].delay || t->tr[i].loss) &&
		    i / t->n != i % t->n)
			rc = wand_apply_trace(path, i / t->n, i % t->n,
					      &t->tr[i], start);
	return rc ? rc : wand_apply_lans(path, w, t);
}

static int wand_trace_start_of(struct emu *emu, const struct world *w,
			       uint64_t *start_us)
{
	char path[128];
	int rc = engine(w, path, sizeof(path));
	(void)emu;

	*start_us = 0;
	if (rc)
		return rc;
	return wand_trace_start(path, start_us);
}

static int wand_set(struct emu *emu, const struct world *w,
		    const struct shape_table *t, size_t src, size_t dst)
{
	char path[128];
	int rc = engine(w, path, sizeof(path));
	(void)emu;

	if (rc)
		return rc;
	if (!t || src >= t->n || dst >= t->n || src == dst)
		return -EINVAL;
	return wand_set_pair(path, src, dst, shape_at(t, src, dst),
			     t->cut[src * t->n + dst]);
}

static int wand_reset_all(struct emu *emu, const struct world *w)
{
	char path[128];
	int rc = engine(w, path, sizeof(path));
	(void)emu;

	if (rc)
		return rc;
	return wand_reset(path);
}

static int wand_reseed_all(struct emu *emu, const struct world *w,
			   uint64_t seed)
{
	char path[128];
	int rc = engine(w, path, sizeof(path));
	(void)emu;

	if (rc)
		return rc;
	return wand_reseed(path, seed);
}

/* The engine always counts; reset zeroes its table. */
static int wand_traffic_zero(struct emu *emu, const struct world *w)
{
	char path[128];
	int rc = engine(w, path, sizeof(path));
	(void)emu;

	if (rc)
		return rc;
	return wand_traffic_reset(path);
}

static int wand_traffic_read(struct emu *emu, const struct world *w,
			     struct traffic_table *t)
{
	char path[128];
	int rc = engine(w, path, sizeof(path));
	(void)emu;

	traffic_table_init(t, w->n_sites);
	if (rc)
		return rc;
	rc = wand_traffic(path, t);
	if (rc == 0 && t->n_sites != w->n_sites)
		rc = -EPROTO;   /* another world's engine */
	return rc;
}

static int wand_traffic_clear(struct emu *emu, const struct world *w)
{
	(void)emu;
	(void)w;
	return 0;
}

/* The engine's log beside its control socket CTL ("wand.sock" ->
 * "wand.log") into BUF. */
static void log_path(const char *ctl, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s.log", (int)(strlen(ctl) - 5), ctl);
}

/* The LAN ports of W: for each site whose lan the engine shapes, its
 * gateway's LAN host end and its nodes' host ends, into PORTS and SITES
 * (room for every site and node); returns how many. */
static size_t lan_ports(const struct world *w, const char **ports,
			size_t *sites)
{
	size_t i, n = 0;

	for (i = 0; i < w->n_sites; i++) {
		if (!w->sites[i].lan_engine)
			continue;
		sites[n] = i;
		ports[n++] = w->sites[i].gw_lan_host;
	}
	for (i = 0; i < w->n_nodes; i++) {
		if (w->nodes[i].site >= w->n_sites ||
		    !w->sites[w->nodes[i].site].lan_engine)
			continue;
		sites[n] = w->nodes[i].site;
		ports[n++] = w->nodes[i].host_if;
	}
	return n;
}

/* One port per site, port I on gateway I's WAN host end; then the LAN
 * ports of the sites whose lan it shapes. */
static int wand_start(const struct world *w, const char *exe, int *pid,
		      char *log, size_t len)
{
	const char **ports = NULL, **lports = NULL;
	size_t *lsites = NULL;
	struct wand_config cfg = { 0 };
	char tun[WORLD_IFNAMSIZ];
	char ctl[108];
	pid_t child = 0;
	size_t i;
	int rc;

	if (len)
		log[0] = '\0';
	rc = wand_ctl_path(w, ctl, sizeof(ctl));
	if (rc < 0)
		goto out;
	log_path(ctl, log, len);
	ports = calloc(w->n_sites + 1, sizeof(*ports));
	lports = calloc(w->n_sites + w->n_nodes + 1, sizeof(*lports));
	lsites = calloc(w->n_sites + w->n_nodes + 1, sizeof(*lsites));
	if (!ports || !lports || !lsites) {
		rc = -ENOMEM;
		goto out;
	}
	/* A site built by another host has no port here: its frames go
	 * through the world's tunnel (wand.h, "Several hosts"). */
	for (i = 0; i < w->n_sites; i++) {
		ports[i] = w->sites[i].remote ? NULL : w->sites[i].gw_wan_host;
		if (w->sites[i].remote)
			cfg.tunnel = tunnel_ifname(w->tag, tun, sizeof(tun));
	}
	cfg.ctl_path = ctl;
	cfg.log_path = log;
	/* Until the experiment's seed is given (reseed, at up: the
	 * topology's `seed:`). */
	cfg.seed = 1;
	/* Real-time wake-ups: the engine blocks between deadlines, so this
	 * only makes its releases preempt other work (measured: tails of a
	 * few ms without it on a loaded host). */
	cfg.rt_priority = 10;
	cfg.ports = ports;
	cfg.n_ports = w->n_sites;
	cfg.n_lan_ports = lan_ports(w, lports, lsites);
	cfg.lan_ports = lports;
	cfg.lan_sites = lsites;
	rc = wand_spawn(exe, &cfg, &child);
	if (rc == 0)
		*pid = (int)child;
out:
	free(ports);
	free(lports);
	free(lsites);
	return rc;
}

static int wand_alive(const struct world *w)
{
	char ctl[108];
	int rc = wand_ctl_path(w, ctl, sizeof(ctl));

	if (rc < 0)
		return rc;
	return wand_ping(ctl) == 0;
}

static int wand_stop_pid(int pid)
{
	return wand_stop((pid_t)pid);
}

/* Does /proc/PID/cmdline hold the argument CTL (NAME's control socket)? */
static bool runs_engine_of(int pid, const char *ctl)
{
	char path[64], buf[8192];
	size_t len, off;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	for (off = 0; off < len; off += strlen(buf + off) + 1)
		if (strcmp(buf + off, ctl) == 0)
			return true;
	return false;
}

/* The engine writes its pid to CTL.pid (enos/cmd_wand.c); its files are
 * CTL, CTL.pid and the log, in /run/enos/NAME. */
static int wand_sweep(const char *name)
{
	struct world w = { 0 };
	char ctl[108], file[160], dir[160];
	int pid = 0, rc;
	FILE *f;

	w.name = name;
	rc = wand_ctl_path(&w, ctl, sizeof(ctl));
	if (rc < 0)
		return rc;
	snprintf(file, sizeof(file), "%s.pid", ctl);
	f = fopen(file, "r");
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	if (pid > 0 && runs_engine_of(pid, ctl)) {
		rc = wand_stop(pid);
		if (rc < 0)
			return rc;
	}
	unlink(file);
	unlink(ctl);
	log_path(ctl, file, sizeof(file));
	unlink(file);
	snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(ctl, '/') - ctl), ctl);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

const struct shape_ops shape_wand_ops = {
	.name = "wand",
	.wan_mode = WAN_WAND,
	.shapes = true,
	.lan = true,
	.lan_engine = true,
	.apply = wand_apply,
	.set_pair = wand_set,
	.reset = wand_reset_all,
	.reseed = wand_reseed_all,
	.trace_start = wand_trace_start_of,
	.start = wand_start,
	.alive = wand_alive,
	.stop = wand_stop_pid,
	.sweep = wand_sweep,
	.traffic_reset = wand_traffic_zero,
	.traffic_read = wand_traffic_read,
	.traffic_clear = wand_traffic_clear,
};
