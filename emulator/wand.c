/* wand — running the wand engine as a process: where its control socket
 * lives, starting it (wand_spawn) and stopping it (wand_stop). The engine
 * itself is wand_engine.c, its protocol wand_ctl.c; see wand.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emulator/proc.h"
#include "emulator/wand.h"
#include "util/fs.h"
#include "util/str.h"

#define SPAWN_TIMEOUT_MS 5000
#define STOP_TIMEOUT_MS  2000

int wand_ctl_path(const struct world *w, char *buf, size_t len)
{
	struct sockaddr_un sa;
	int n;

	if (!w || !w->name)
		return -EINVAL;
	n = snprintf(buf, len, "/run/enos/%s/wand.sock", w->name);
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The LAN ports of CFG as the engine's words "SITE:IFNAME" into *WORDS
 * (free with wand_lan_words_free). */
static int wand_lan_words(const struct wand_config *cfg, char ***words)
{
	size_t i;

	*words = calloc(cfg->n_lan_ports + 1, sizeof(**words));
	if (!*words)
		return -ENOMEM;
	for (i = 0; i < cfg->n_lan_ports; i++) {
		(*words)[i] = str_printf("%zu:%s", cfg->lan_sites[i],
					 cfg->lan_ports[i]);
		if (!(*words)[i])
			return -ENOMEM;
	}
	return 0;
}

static void wand_lan_words_free(char **words, size_t n)
{
	size_t i;

	for (i = 0; words && i < n; i++)
		free(words[i]);
	free(words);
}

int wand_spawn(const char *exe, const struct wand_config *cfg, pid_t *pid)
{
	char seed[32], rt[16];
	const char **argv = NULL;
	char **lan = NULL;
	size_t i, n = 0;
	int rc = 0, st, waited = 0;
	pid_t child = -1;

	*pid = 0;
	if (!exe || !cfg || !cfg->ctl_path || !cfg->ports || !cfg->n_ports ||
	    cfg->n_ports + cfg->n_lan_ports > WAND_MAX_PORTS)
		return -EINVAL;
	rc = fs_private_dir(cfg->ctl_path);
	if (rc)
		goto out;
	/* Another engine answering there would answer our pings too. */
	if (wand_ping(cfg->ctl_path) == 0) {
		rc = -EADDRINUSE;
		goto out;
	}
	argv = calloc(cfg->n_ports + cfg->n_lan_ports + 16, sizeof(*argv));
	rc = wand_lan_words(cfg, &lan);
	if (!argv || rc) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(seed, sizeof(seed), "%" PRIu64, cfg->seed);
	argv[n++] = exe;
	argv[n++] = "wand-engine";
	argv[n++] = "--ctl";
	argv[n++] = cfg->ctl_path;
	argv[n++] = "--seed";
	argv[n++] = seed;
	if (cfg->log_path) {
		argv[n++] = "--log";
		argv[n++] = cfg->log_path;
	}
	if (cfg->rt_priority > 0) {
		snprintf(rt, sizeof(rt), "%d", cfg->rt_priority);
		argv[n++] = "--rt";
		argv[n++] = rt;
	}
	if (cfg->tunnel) {
		argv[n++] = "--tunnel";
		argv[n++] = cfg->tunnel;
	}
	argv[n++] = "--";
	for (i = 0; i < cfg->n_ports; i++)
		argv[n++] = cfg->ports[i] ? cfg->ports[i] : "-";
	for (i = 0; i < cfg->n_lan_ports; i++)
		argv[n++] = lan[i];
	argv[n] = NULL;
	fflush(NULL);
	child = fork();
	if (child < 0) {
		rc = -errno;
		goto out;
	}
	if (child == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		setsid();
		proc_child_prepare();
		execv(exe, (char *const *)argv);
		_exit(127);
	}
	for (waited = 0; waited < SPAWN_TIMEOUT_MS; waited += 10) {
		pid_t r = waitpid(child, &st, WNOHANG);

		if (r == child) {
			rc = -(WAND_EEXITED + proc_shell_status(st));
			child = -1;
			goto out;
		}
		if (wand_ping(cfg->ctl_path) == 0)
			goto out;
		sleep_ms(10);
	}
	rc = -ETIMEDOUT;
out:
	if (rc == 0) {
		*pid = child;
	} else if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, &st, 0);
	}
	free(argv);
	wand_lan_words_free(lan, cfg->n_lan_ports);
	return rc;
}

/* Is PID a wand engine (its command line has the word "wand-engine")?
 * 0: yes, -ESRCH: gone or something else. */
static int is_engine(pid_t pid)
{
	char path[64], buf[4096];
	ssize_t r, i;
	int fd, rc = -ESRCH;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	for (i = 0; r > 0 && i < r; i += (ssize_t)strlen(buf + i) + 1) {
		buf[r] = '\0';
		if (strcmp(buf + i, "wand-engine") == 0) {
			rc = 0;
			break;
		}
	}
	return rc;
}

/* Has PID ended? Reaps it if it is our child. */
/* Has PID exited? An engine started by an earlier enos is not our child:
 * once it exits it stays a zombie until init reaps it, which counts as
 * gone (its sockets and ports are already closed). */
static bool is_zombie(pid_t pid)
{
	char path[64], buf[256];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

static bool gone(pid_t pid)
{
	int st;
	pid_t r = waitpid(pid, &st, WNOHANG);

	if (r == pid)
		return true;
	if (r < 0 && errno == ECHILD)
		return (kill(pid, 0) < 0 && errno == ESRCH) || is_zombie(pid);
	return false;
}

int wand_stop(pid_t pid)
{
	int waited, rc = 0;

	if (pid <= 0)
		return -EINVAL;
	if (gone(pid) || is_engine(pid) != 0)
		goto out;
	if (kill(pid, SIGTERM) < 0) {
		rc = errno == ESRCH ? 0 : -errno;
		goto out;
	}
	for (waited = 0; waited < STOP_TIMEOUT_MS; waited += 10) {
		if (gone(pid))
			goto out;
		sleep_ms(10);
	}
	if (is_engine(pid) == 0 && kill(pid, SIGKILL) < 0 && errno != ESRCH)
		rc = -errno;
	for (waited = 0; waited < STOP_TIMEOUT_MS && !gone(pid); waited += 10)
		sleep_ms(10);
out:
	return rc;
}
