/* cgroup — a node's resource limits as Linux control groups; see cgroup.h.
 */
#include "emulator/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emulator/proc.h"
#include "util/fs.h"

#define SWEEP_WAIT_MS 2000

/* The controllers' names, in v1 mount options and v2's cgroup.controllers
 * (v2 has no cpuacct: its accounting is the cpu controller's). */
static const char *const ctrl_names[CG_N] = { "cpu", "cpuacct", "memory",
					      "pids", "freezer" };
#define FREEZE_WAIT_MS 2000

bool cgroup_limited(const struct cgroup_limits *l)
{
	return l && (l->cpu_milli || l->memory_bytes || l->pids);
}

/* Is WORD one of the comma-separated words of LIST? */
static bool has_word(const char *list, const char *word, char sep)
{
	size_t n = strlen(word);
	const char *p = list;

	while (p && *p) {
		const char *end = strchr(p, sep);
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, word, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* Field I (0-based, blank-separated) of LINE into BUF. */
static bool field(const char *line, size_t i, char *buf, size_t len)
{
	const char *p = line;
	size_t n;

	while (i--) {
		p = strchr(p, ' ');
		if (!p)
			return false;
		p++;
	}
	n = strcspn(p, " \n");
	if (n >= len)
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return true;
}

/* One mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNT OPTS [TAGS...] -
 * FSTYPE SOURCE SUPEROPTS". */
static void detect_line(const char *line, struct cgroup_host *h)
{
	char mount[CGROUP_PATH_MAX], fstype[32], super[256], path[CGROUP_PATH_MAX + 32];
	char *ctrls = NULL;
	const char *dash = strstr(line, " - ");
	size_t c, len;

	if (!dash || !field(line, 4, mount, sizeof(mount)) ||
	    !field(dash + 3, 0, fstype, sizeof(fstype)) ||
	    !field(dash + 3, 2, super, sizeof(super)))
		return;
	/* A controller a v1 hierarchy holds is v1, even when a cgroup2
	 * line came first and listed it: the kernel binds a controller to
	 * one hierarchy at a time. */
	if (!strcmp(fstype, "cgroup")) {
		h->has_v1 = true;
		for (c = 0; c < CG_N; c++) {
			if (h->version[c] == 1 || !has_word(super, ctrl_names[c], ','))
				continue;
			snprintf(h->dir[c], sizeof(h->dir[c]), "%s", mount);
			h->version[c] = 1;
		}
		return;
	}
	if (strcmp(fstype, "cgroup2") || h->unified[0])
		return;
	snprintf(h->unified, sizeof(h->unified), "%s", mount);
	/* cgroup2 freezes any cgroup (cgroup.freeze), no controller asked. */
	if (!h->version[CG_FREEZER]) {
		snprintf(h->dir[CG_FREEZER], sizeof(h->dir[CG_FREEZER]), "%s", mount);
		h->version[CG_FREEZER] = 2;
	}
	snprintf(path, sizeof(path), "%s/cgroup.controllers", mount);
	if (fs_read_file(path, 4096, &ctrls, &len) < 0)
		return;
	ctrls[strcspn(ctrls, "\n")] = '\0';
	for (c = 0; c < CG_N; c++) {
		/* v2 accounts CPU time in the cpu controller's cpu.stat. */
		const char *want = c == CG_CPUACCT ? "cpu" : ctrl_names[c];

		if (c == CG_FREEZER || h->version[c] ||
		    !has_word(ctrls, want, ' '))
			continue;
		snprintf(h->dir[c], sizeof(h->dir[c]), "%s", mount);
		h->version[c] = 2;
	}
	free(ctrls);
}

int cgroup_detect_from(const char *mountinfo, struct cgroup_host *h)
{
	const char *p = mountinfo;
	char line[1024];

	memset(h, 0, sizeof(*h));
	while (p && *p) {
		size_t n = strcspn(p, "\n");

		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			detect_line(line, h);
		}
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

/* The host's layout, read once per process: it does not change while enos
 * runs, and /proc/self/mountinfo grows with every namespace bound under
 * /run/netns (10,000 nodes: 10,000 lines, 1.5 MB), so reading it per node
 * was quadratic. Read line by line: no size bound to outgrow. */
static struct cgroup_host detected;
static int detected_rc;
static pthread_once_t detected_once = PTHREAD_ONCE_INIT;

static void detect_once(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;

	memset(&detected, 0, sizeof(detected));
	if (!f) {
		detected_rc = -errno;
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		detect_line(line, &detected);
	}
	detected_rc = ferror(f) ? -EIO : 0;
	free(line);
	fclose(f);
}

int cgroup_detect(struct cgroup_host *h)
{
	pthread_once(&detected_once, detect_once);
	*h = detected;
	if (detected_rc < 0)
		memset(h, 0, sizeof(*h));
	return detected_rc;
}

/* The controllers of H at VERSION, ", "-separated, into BUF; how many. */
static size_t list_version(const struct cgroup_host *h, int version, char *buf,
			   size_t len)
{
	size_t off = 0, n = 0, c;

	buf[0] = '\0';
	for (c = 0; c < CG_N && off < len; c++) {
		if (h->version[c] != version ||
		    (version == 2 && (c == CG_CPUACCT || c == CG_FREEZER)))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					n ? ", " : "", ctrl_names[c]);
		n++;
	}
	return n;
}

const char *cgroup_describe(const struct cgroup_host *h, char *buf, size_t len)
{
	char v1[64], v2[64], parent[CGROUP_PATH_MAX];
	size_t n1 = list_version(h, 1, v1, sizeof(v1));
	size_t n2 = list_version(h, 2, v2, sizeof(v2));
	size_t c;

	parent[0] = '\0';
	for (c = 0; c < CG_N && !parent[0]; c++) {
		const char *slash = strrchr(h->dir[c], '/');

		if (h->version[c] == 1 && slash)
			snprintf(parent, sizeof(parent), "%.*s",
				 slash == h->dir[c] ? 1 : (int)(slash - h->dir[c]),
				 h->dir[c]);
	}
	if (!n1 && !n2)
		snprintf(buf, len, "none (no cpu, memory or pids controller mounted)");
	else if (n1 && !n2 && h->unified[0])
		snprintf(buf, len, "v1 (%s as v1 hierarchies under %s; cgroup2 at %s without them)",
			 v1, parent, h->unified);
	else if (n1 && !n2)
		snprintf(buf, len, "v1 (%s as v1 hierarchies under %s)", v1, parent);
	else if (!n1)
		snprintf(buf, len, "v2 (%s in cgroup2 at %s)", v2, h->unified);
	else
		snprintf(buf, len, "mixed (%s as v1 hierarchies under %s; %s in cgroup2 at %s)",
			 v1, parent, v2, h->unified);
	return buf;
}

int cgroup_supports(const struct cgroup_host *h, const struct cgroup_limits *l,
		    char *why, size_t len)
{
	const char *missing = NULL;

	if (why && len)
		why[0] = '\0';
	if (l->cpu_milli && !h->version[CG_CPU])
		missing = "cpu";
	else if (l->memory_bytes && !h->version[CG_MEMORY])
		missing = "memory";
	else if (l->pids && !h->version[CG_PIDS])
		missing = "pids";
	if (!missing)
		return 0;
	if (why && len)
		snprintf(why, len, "%s cgroup controller (neither a v1 hierarchy nor in cgroup2's controllers%s%s)",
			 missing, h->unified[0] ? " at " : "", h->unified);
	return -ENOTSUP;
}

/* ---- the plan ---- */

static int op_add(struct cgroup_op *ops, size_t *n, enum cgroup_op_kind kind,
		  bool optional, const char *dir, const char *name,
		  const char *file, const char *value)
{
	struct cgroup_op *op;
	int w;

	if (*n >= CGROUP_OPS_MAX)
		return -E2BIG;
	op = &ops[*n];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->optional = optional;
	if (file && name)
		w = snprintf(op->path, sizeof(op->path), "%s/%s/%s", dir, name, file);
	else if (file)
		w = snprintf(op->path, sizeof(op->path), "%s/%s", dir, file);
	else
		w = snprintf(op->path, sizeof(op->path), "%s/%s", dir, name);
	if (w < 0 || (size_t)w >= sizeof(op->path))
		return -ENAMETOOLONG;
	if (value)
		snprintf(op->value, sizeof(op->value), "%s", value);
	(*n)++;
	return 0;
}

/* Has controller C's directory come before (a hierarchy holding several)? */
static bool dir_seen(const struct cgroup_host *h, size_t c)
{
	size_t k;

	for (k = 0; k < c; k++)
		if (h->version[k] && !strcmp(h->dir[k], h->dir[c]))
			return true;
	return false;
}

/* "+cpu +memory +pids": the v2 controllers enos uses, for the root's
 * cgroup.subtree_control; empty when none is v2. */
static void v2_enable(const struct cgroup_host *h, char *buf, size_t len)
{
	size_t off = 0, c;

	buf[0] = '\0';
	for (c = 0; c < CG_N && off < len; c++)
		if (h->version[c] == 2 && c != CG_CPUACCT && c != CG_FREEZER)
			off += (size_t)snprintf(buf + off, len - off, "%s+%s",
						off ? " " : "", ctrl_names[c]);
}

int cgroup_plan(const struct cgroup_host *h, const char *name,
		const struct cgroup_limits *l, struct cgroup_op *ops, size_t *n)
{
	char v[48], enable[64];
	const char *d;
	size_t c;
	int rc;

	*n = 0;
	if (!name || !*name || strchr(name, '/') || name[0] == '.')
		return -EINVAL;
	rc = cgroup_supports(h, l, NULL, 0);
	if (rc)
		return rc;
	v2_enable(h, enable, sizeof(enable));
	if (enable[0]) {
		rc = op_add(ops, n, CGROUP_WRITE, false, h->unified, NULL,
			    "cgroup.subtree_control", enable);
		if (rc)
			return rc;
	}
	for (c = 0; c < CG_N && !rc; c++)
		if (h->version[c] && !dir_seen(h, c))
			rc = op_add(ops, n, CGROUP_MKDIR, false, h->dir[c], name,
				    NULL, NULL);
	if (!rc && l->cpu_milli) {
		uint64_t quota = (uint64_t)l->cpu_milli * CGROUP_CFS_PERIOD_US / 1000;

		d = h->dir[CG_CPU];
		if (h->version[CG_CPU] == 1) {
			snprintf(v, sizeof(v), "%u", CGROUP_CFS_PERIOD_US);
			rc = op_add(ops, n, CGROUP_WRITE, false, d, name,
				    "cpu.cfs_period_us", v);
			snprintf(v, sizeof(v), "%" PRIu64, quota);
			if (!rc)
				rc = op_add(ops, n, CGROUP_WRITE, false, d, name,
					    "cpu.cfs_quota_us", v);
		} else {
			snprintf(v, sizeof(v), "%" PRIu64 " %u", quota,
				 CGROUP_CFS_PERIOD_US);
			rc = op_add(ops, n, CGROUP_WRITE, false, d, name,
				    "cpu.max", v);
		}
	}
	if (!rc && l->memory_bytes) {
		bool v1 = h->version[CG_MEMORY] == 1;

		d = h->dir[CG_MEMORY];
		snprintf(v, sizeof(v), "%" PRIu64, l->memory_bytes);
		rc = op_add(ops, n, CGROUP_WRITE, false, d, name,
			    v1 ? "memory.limit_in_bytes" : "memory.max", v);
		/* Over the limit is the OOM killer, not swap: the limit is
		 * the node's RAM. */
		if (!rc)
			rc = op_add(ops, n, CGROUP_WRITE, true, d, name,
				    v1 ? "memory.memsw.limit_in_bytes" :
					 "memory.swap.max", v1 ? v : "0");
	}
	if (!rc && l->pids) {
		snprintf(v, sizeof(v), "%" PRIu64, l->pids);
		rc = op_add(ops, n, CGROUP_WRITE, false, h->dir[CG_PIDS], name,
			    "pids.max", v);
	}
	return rc;
}

const char *cgroup_plan_text(const struct cgroup_op *ops, size_t n, char *buf,
			     size_t len)
{
	size_t off = 0, i;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		if (ops[i].kind == CGROUP_MKDIR)
			off += (size_t)snprintf(buf + off, len - off, "mkdir %s\n",
						ops[i].path);
		else
			off += (size_t)snprintf(buf + off, len - off,
						"echo '%s' > %s%s\n", ops[i].value,
						ops[i].path,
						ops[i].optional ? " (if present)" : "");
	}
	return buf;
}

static int write_file(const char *path, const char *value, bool optional)
{
	size_t len = strlen(value);
	ssize_t w;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return optional && errno == ENOENT ? 0 : -errno;
	w = write(fd, value, len);
	if (w < 0)
		rc = -errno;
	else if ((size_t)w != len)
		rc = -EIO;
	close(fd);
	return rc;
}

int cgroup_create(const struct cgroup_host *h, const char *name,
		  const struct cgroup_limits *l)
{
	struct cgroup_op ops[CGROUP_OPS_MAX];
	size_t n = 0, i;
	int rc = cgroup_plan(h, name, l, ops, &n);

	for (i = 0; !rc && i < n; i++) {
		if (ops[i].kind == CGROUP_MKDIR) {
			if (mkdir(ops[i].path, 0755) != 0 && errno != EEXIST)
				rc = -errno;
			continue;
		}
		/* v2: "+cpu" already on is fine; the write says so by
		 * succeeding. */
		rc = write_file(ops[i].path, ops[i].value, ops[i].optional);
	}
	return rc;
}

/* The path of FILE in cgroup NAME of controller C, into BUF. */
static int node_path(const struct cgroup_host *h, size_t c, const char *name,
		     const char *file, char *buf, size_t len)
{
	int w;

	if (!h->version[c])
		return -ENOTSUP;
	if (file)
		w = snprintf(buf, len, "%s/%s/%s", h->dir[c], name, file);
	else
		w = snprintf(buf, len, "%s/%s", h->dir[c], name);
	return w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
}

int cgroup_procs_open(const struct cgroup_host *h, const char *name, int *fds,
		      size_t *n)
{
	char path[CGROUP_PATH_MAX * 2];
	size_t c;
	int rc = 0;

	*n = 0;
	for (c = 0; c < CG_N && !rc; c++) {
		if (!h->version[c] || dir_seen(h, c))
			continue;
		rc = node_path(h, c, name, "cgroup.procs", path, sizeof(path));
		if (rc)
			break;
		fds[*n] = open(path, O_WRONLY | O_CLOEXEC);
		if (fds[*n] < 0)
			rc = -errno;
		else
			(*n)++;
	}
	if (rc) {
		cgroup_procs_close(fds, *n);
		*n = 0;
	}
	return rc;
}

void cgroup_procs_close(int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int cgroup_procs_join(const int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (write(fds[i], "0", 1) != 1)
			return -errno;
	return 0;
}

/* SIGKILL every process listed in DIR/cgroup.procs; how many were. */
static size_t kill_procs(const char *dir)
{
	char path[CGROUP_PATH_MAX * 2], *text = NULL, *p, *end;
	size_t len, killed = 0;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path) ||
	    fs_read_file(path, 1u << 20, &text, &len) < 0)
		return 0;
	for (p = text; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (pid > 1 && kill((pid_t)pid, SIGKILL) == 0)
			killed++;
	}
	free(text);
	return killed;
}

/* Remove cgroup directory DIR, killing what is in it: its processes are
 * a node's, and down already stopped the ones it knew. */
static int remove_dir(const char *dir)
{
	int waited = 0;

	for (;;) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		if (waited >= SWEEP_WAIT_MS)
			return -EBUSY;
		kill_procs(dir);
		proc_sleep_ms(20);
		waited += 20;
	}
}

/* Call FN on each directory of H starting with PREFIX; counts them in
 * *FOUND. The first error is returned, every directory is tried. */
static int each_dir(const struct cgroup_host *h, const char *prefix,
		    int (*fn)(const char *dir), size_t *found)
{
	char path[CGROUP_PATH_MAX * 2];
	struct dirent *e;
	size_t c, plen = strlen(prefix);
	int rc = 0;

	for (c = 0; c < CG_N; c++) {
		DIR *d;

		if (!h->version[c] || dir_seen(h, c))
			continue;
		d = opendir(h->dir[c]);
		if (!d)
			continue;
		while ((e = readdir(d))) {
			int r;

			if (strncmp(e->d_name, prefix, plen) ||
			    (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", h->dir[c],
				     e->d_name) >= (int)sizeof(path))
				continue;
			(*found)++;
			r = fn ? fn(path) : 0;
			if (r && !rc)
				rc = r;
		}
		closedir(d);
	}
	return rc;
}

/* Thaw cgroup directory DIR if it is a frozen one (v1 freezer.state, v2
 * cgroup.freeze; neither file: nothing to do). */
static int thaw_dir(const char *dir)
{
	char path[CGROUP_PATH_MAX * 2 + 16];

	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	write_file(path, "THAWED", true);
	snprintf(path, sizeof(path), "%s/cgroup.freeze", dir);
	write_file(path, "0", true);
	return 0;
}

int cgroup_sweep(const struct cgroup_host *h, const char *prefix,
		 size_t *found)
{
	size_t n = 0;
	int rc;

	if (!prefix || !*prefix)
		return -EINVAL;
	/* A frozen node's processes die of SIGKILL only once thawed, and
	 * every hierarchy's directory waits for them: thaw them all first
	 * (a node frozen by an enos that was then killed included). */
	each_dir(h, prefix, thaw_dir, &n);
	n = 0;
	rc = each_dir(h, prefix, remove_dir, &n);
	if (found)
		*found = n;
	return rc;
}

int cgroup_count(const struct cgroup_host *h, const char *prefix)
{
	size_t n = 0;

	if (!prefix || !*prefix)
		return -EINVAL;
	each_dir(h, prefix, NULL, &n);
	return (int)n;
}

/* The number after KEY at the start of a line of FILE in cgroup NAME of
 * controller C ("oom_kill 3"); KEY NULL: the file is one number. */
static int read_value(const struct cgroup_host *h, size_t c, const char *name,
		      const char *file, const char *key, uint64_t *out)
{
	char path[CGROUP_PATH_MAX * 2], *text = NULL, *p, *end;
	size_t len, klen = key ? strlen(key) : 0;
	int rc = node_path(h, c, name, file, path, sizeof(path));

	if (!rc)
		rc = fs_read_file(path, 1u << 16, &text, &len);
	if (rc)
		return rc;
	rc = -ENODATA;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (key && (strncmp(p, key, klen) || p[klen] != ' '))
			continue;
		errno = 0;
		*out = strtoull(p + klen, &end, 10);
		if (end != p + klen && !errno)
			rc = 0;
		break;
	}
	free(text);
	return rc;
}

int cgroup_cpu_usage_us(const struct cgroup_host *h, const char *name,
			uint64_t *us)
{
	uint64_t v = 0;
	int rc;

	if (h->version[CG_CPUACCT] == 1) {
		rc = read_value(h, CG_CPUACCT, name, "cpuacct.usage", NULL, &v);
		*us = v / 1000;
		return rc;
	}
	if (h->version[CG_CPU] == 2) {
		rc = read_value(h, CG_CPU, name, "cpu.stat", "usage_usec", &v);
		*us = v;
		return rc;
	}
	return -ENOTSUP;
}

int cgroup_oom_kills(const struct cgroup_host *h, const char *name,
		     uint64_t *n)
{
	*n = 0;
	if (h->version[CG_MEMORY] == 1)
		return read_value(h, CG_MEMORY, name, "memory.oom_control",
				  "oom_kill", n);
	if (h->version[CG_MEMORY] == 2)
		return read_value(h, CG_MEMORY, name, "memory.events",
				  "oom_kill", n);
	return -ENOTSUP;
}

int cgroup_memory_limit(const struct cgroup_host *h, const char *name,
			uint64_t *bytes)
{
	char path[CGROUP_PATH_MAX * 2], *text = NULL, *end;
	size_t len;
	int rc;

	*bytes = 0;
	if (h->version[CG_MEMORY] == 1) {
		rc = read_value(h, CG_MEMORY, name, "memory.limit_in_bytes",
				NULL, bytes);
		if (!rc && *bytes >= (UINT64_C(1) << 62))
			*bytes = 0;
		return rc;
	}
	if (h->version[CG_MEMORY] != 2)
		return -ENOTSUP;
	rc = node_path(h, CG_MEMORY, name, "memory.max", path, sizeof(path));
	if (!rc)
		rc = fs_read_file(path, 64, &text, &len);
	if (rc)
		return rc;
	if (strncmp(text, "max", 3)) {
		errno = 0;
		*bytes = strtoull(text, &end, 10);
		if (end == text || errno)
			rc = -ENODATA;
	}
	free(text);
	return rc;
}

bool cgroup_exists(const struct cgroup_host *h, const char *name)
{
	char path[CGROUP_PATH_MAX * 2];
	struct stat st;
	size_t c;

	for (c = 0; c < CG_N; c++)
		if (node_path(h, c, name, NULL, path, sizeof(path)) == 0 &&
		    stat(path, &st) == 0)
			return true;
	return false;
}

/* The directory of PID's cgroup in cgroup2 (under H's pids mount), from
 * /proc/PID/cgroup's "0::PATH" line, into BUF. */
static int v2_proc_dir(const struct cgroup_host *h, pid_t pid, char *buf,
		       size_t len)
{
	char path[64], *text = NULL, *p;
	size_t n;
	int rc, w;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	rc = fs_read_file(path, 1u << 16, &text, &n);
	if (rc)
		return rc == -ENOENT ? -ESRCH : rc;
	rc = -ENOTSUP;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, "0::", 3))
			continue;
		p += 3;
		w = snprintf(buf, len, "%s%.*s", h->dir[CG_PIDS],
			     (int)strcspn(p, "\n"), p);
		rc = w < 0 || (size_t)w >= len ? -ENAMETOOLONG : 0;
		break;
	}
	free(text);
	return rc;
}

int cgroup_pids_process(const struct cgroup_host *h, const char *name,
			pid_t pid, uint64_t max, char *where, size_t len)
{
	char dir[CGROUP_PATH_MAX * 2], path[CGROUP_PATH_MAX * 2 + 16];
	char value[24], *text = NULL, *end;
	uint64_t got;
	size_t n;
	int rc;

	if (where && len)
		where[0] = '\0';
	if (h->version[CG_PIDS] == 1) {
		rc = node_path(h, CG_PIDS, name, NULL, dir, sizeof(dir));
		if (!rc && mkdir(dir, 0755) < 0 && errno != EEXIST)
			rc = -errno;
	} else if (h->version[CG_PIDS] == 2) {
		rc = v2_proc_dir(h, pid, dir, sizeof(dir));
	} else {
		rc = -ENOTSUP;
	}
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/pids.max", dir);
	if (where)
		snprintf(where, len, "%s", path);
	if (access(path, F_OK) < 0)
		return errno == ENOENT ? -ENOTSUP : -errno;
	snprintf(value, sizeof(value), "%llu", (unsigned long long)max);
	rc = write_file(path, value, false);
	if (!rc && h->version[CG_PIDS] == 1) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		snprintf(value, sizeof(value), "%d", (int)pid);
		rc = write_file(path, value, false);
		if (rc == -EINVAL)
			rc = -ESRCH;
		snprintf(path, sizeof(path), "%s/pids.max", dir);
	}
	if (rc)
		return rc;
	/* Read back what the kernel holds. */
	rc = fs_read_file(path, 64, &text, &n);
	if (rc)
		return rc;
	errno = 0;
	got = strtoull(text, &end, 10);
	if (end == text || errno || got != max)
		rc = -EIO;
	free(text);
	return rc;
}

/* ---- node faults ---- */

int cgroup_plan_set(const struct cgroup_host *h, const char *name,
		    const struct cgroup_limits *l, struct cgroup_op *ops,
		    size_t *n)
{
	char v[48];
	const char *d;
	int rc = 0;

	*n = 0;
	if (!name || !*name || strchr(name, '/') || name[0] == '.')
		return -EINVAL;
	if (!h->version[CG_CPU] || !h->version[CG_MEMORY])
		return -ENOTSUP;
	d = h->dir[CG_CPU];
	if (h->version[CG_CPU] == 1) {
		if (l->cpu_milli)
			snprintf(v, sizeof(v), "%" PRIu64, (uint64_t)l->cpu_milli *
				 CGROUP_CFS_PERIOD_US / 1000);
		else
			snprintf(v, sizeof(v), "-1");
		snprintf(v + 24, sizeof(v) - 24, "%u", CGROUP_CFS_PERIOD_US);
		rc = op_add(ops, n, CGROUP_WRITE, false, d, name,
			    "cpu.cfs_period_us", v + 24);
		if (!rc)
			rc = op_add(ops, n, CGROUP_WRITE, false, d, name,
				    "cpu.cfs_quota_us", v);
	} else {
		if (l->cpu_milli)
			snprintf(v, sizeof(v), "%" PRIu64 " %u",
				 (uint64_t)l->cpu_milli * CGROUP_CFS_PERIOD_US / 1000,
				 CGROUP_CFS_PERIOD_US);
		else
			snprintf(v, sizeof(v), "max %u", CGROUP_CFS_PERIOD_US);
		rc = op_add(ops, n, CGROUP_WRITE, false, d, name, "cpu.max", v);
	}
	if (rc)
		return rc;
	d = h->dir[CG_MEMORY];
	if (h->version[CG_MEMORY] == 1) {
		if (l->memory_bytes)
			snprintf(v, sizeof(v), "%" PRIu64, l->memory_bytes);
		else
			snprintf(v, sizeof(v), "-1");
		rc = op_add(ops, n, CGROUP_WRITE, false, d, name,
			    "memory.limit_in_bytes", v);
		if (!rc)
			rc = op_add(ops, n, CGROUP_WRITE, true, d, name,
				    "memory.memsw.limit_in_bytes", v);
	} else {
		if (l->memory_bytes)
			snprintf(v, sizeof(v), "%" PRIu64, l->memory_bytes);
		else
			snprintf(v, sizeof(v), "max");
		rc = op_add(ops, n, CGROUP_WRITE, false, d, name, "memory.max",
			    v);
	}
	return rc;
}

int cgroup_set(const struct cgroup_host *h, const char *name,
	       const struct cgroup_limits *l)
{
	struct cgroup_op ops[CGROUP_OPS_MAX];
	bool again[CGROUP_OPS_MAX] = { false };
	size_t n = 0, i;
	int rc = cgroup_plan_set(h, name, l, ops, &n), r;

	if (!rc && !cgroup_exists(h, name))
		rc = -ENOENT;
	for (i = 0; !rc && i < n; i++) {
		r = write_file(ops[i].path, ops[i].value, ops[i].optional);
		if (r == -EINVAL)
			again[i] = true;
		else
			rc = r;
	}
	for (i = 0; !rc && i < n; i++)
		if (again[i])
			rc = write_file(ops[i].path, ops[i].value, ops[i].optional);
	return rc;
}

/* Does FILE of cgroup NAME (controller C) hold WANT on one of its lines
 * ("FROZEN", "frozen 1")? */
static bool file_says(const struct cgroup_host *h, size_t c, const char *name,
		      const char *file, const char *want)
{
	char path[CGROUP_PATH_MAX * 2], *text = NULL;
	size_t len;
	bool yes;

	if (node_path(h, c, name, file, path, sizeof(path)) ||
	    fs_read_file(path, 4096, &text, &len) < 0)
		return false;
	yes = strstr(text, want) != NULL;
	free(text);
	return yes;
}

int cgroup_freeze(const struct cgroup_host *h, const char *name, bool frozen)
{
	char path[CGROUP_PATH_MAX * 2];
	bool v1 = h->version[CG_FREEZER] == 1;
	const char *file = v1 ? "freezer.state" : "cgroup.freeze";
	int rc, waited;

	if (!h->version[CG_FREEZER])
		return -ENOTSUP;
	rc = node_path(h, CG_FREEZER, name, file, path, sizeof(path));
	if (!rc)
		rc = write_file(path, v1 ? (frozen ? "FROZEN" : "THAWED")
					 : (frozen ? "1" : "0"), false);
	if (rc || !frozen)
		return rc;
	/* The kernel stops the tasks one by one: wait until it says all. */
	for (waited = 0; waited < FREEZE_WAIT_MS; waited += 10) {
		if (v1 ? file_says(h, CG_FREEZER, name, file, "FROZEN")
		       : file_says(h, CG_FREEZER, name, "cgroup.events",
				   "frozen 1"))
			return 0;
		proc_sleep_ms(10);
	}
	return -ETIMEDOUT;
}

bool cgroup_frozen(const struct cgroup_host *h, const char *name)
{
	if (h->version[CG_FREEZER] == 1)
		return file_says(h, CG_FREEZER, name, "freezer.state", "FREEZING") ||
		       file_says(h, CG_FREEZER, name, "freezer.state", "FROZEN");
	if (h->version[CG_FREEZER] == 2)
		return file_says(h, CG_FREEZER, name, "cgroup.freeze", "1");
	return false;
}

int cgroup_kill(const struct cgroup_host *h, const char *name, size_t *killed)
{
	char dir[CGROUP_PATH_MAX * 2];
	size_t c, k = 0;
	bool any = false;

	for (c = 0; c < CG_N; c++) {
		if (!h->version[c] || dir_seen(h, c) ||
		    node_path(h, c, name, NULL, dir, sizeof(dir)))
			continue;
		if (access(dir, F_OK) == 0)
			any = true;
		k += kill_procs(dir);
	}
	if (killed)
		*killed = k;
	return any ? 0 : -ENOENT;
}
