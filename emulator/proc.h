/* proc — what /proc says about a process, and stopping one safely.
 *
 * The service supervisor (enos/deploy.c) records each service's pid with
 * its start time (/proc/PID/stat field 22, clock ticks since boot) and
 * never signals a pid whose start time differs: pids are reused. PID 1 on
 * some hosts (this one) never reaps orphans, so a service that died after
 * its starter exited stays a zombie; its exit status is still readable in
 * field 52 (exit_code, Linux 3.5+). Never prints.
 */
#ifndef EMULATOR_PROC_H
#define EMULATOR_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_info {
	char state;                     /* R, S, D, Z, X, ... */
	unsigned long long starttime;   /* field 22 */
	bool has_exit;                  /* a zombie: exit status known */
	int exit_status;                /* shell convention: 128 + signal */
	uint64_t rss_bytes;             /* field 24 x page size */
	int ppid;                       /* field 4 */
	int session;                    /* field 6, in the caller's pid namespace */
};

/* The memory of a service instance: every process of its tree. */
struct proc_mem {
	uint64_t rss_bytes;             /* summed RSS (shared pages counted in each) */
	uint64_t pss_bytes;             /* summed PSS (/proc/PID/smaps_rollup) */
	unsigned n_procs;               /* processes counted */
	bool has_pss;                   /* every one's smaps_rollup was read */
};

/* Read /proc/PID/stat into *OUT. 0, or -ESRCH if there is no such
 * process, or -errno. */
int proc_info(pid_t pid, struct proc_info *out);

/* The memory of LEADER's process tree into *OUT: LEADER, every process of
 * its session (spawn makes each service a session leader: setsid) and every
 * descendant that left it (a daemon calling setsid again), as
 * `ps -e -o pid,ppid,sid,rss` filtered by sid or ancestry, plus
 * `grep Pss /proc/PID/smaps_rollup` of each. 0, or -ESRCH if LEADER is
 * gone, or -errno. */
int proc_tree_mem(pid_t leader, struct proc_mem *out);

/* The pids of LEADER's tree, as proc_tree_mem counts it, into *PIDS (*N;
 * free() it). 0, -ESRCH if LEADER is gone, or -errno. */
int proc_tree_pids(pid_t leader, int **pids, size_t *n);

/* Is PID alive as the process that started at STARTTIME (not gone, not a
 * zombie, not a reused pid)? Reaps PID first if it is our child, storing
 * its exit status in *STATUS (may be NULL; -1 when unknown). */
bool proc_alive(pid_t pid, unsigned long long starttime, int *status);

/* Stop PID if it still is the process that started at STARTTIME: SIGTERM,
 * wait up to GRACE_MS, then SIGKILL and wait up to 2 s more
 * (`kill PID; sleep ...; kill -9 PID`). Gone already is success.
 * Returns 0 or -errno (-ETIMEDOUT: still there after SIGKILL). */
int proc_stop(pid_t pid, unsigned long long starttime, int grace_ms);

/* The network namespace inode of PID (`stat -L -c %i /proc/PID/ns/net`),
 * or 0. */
unsigned long long proc_netns_ino(pid_t pid);

/* Stop (as proc_stop, by TERM then KILL) every process whose network
 * namespace is one of INOS[0..N) and whose pid namespace is the caller's:
 * the sweep that finds service processes a killed `enos deploy` started
 * but never recorded (those inside an lxc node's pid namespace end with
 * its domain). Stores how many there
 * were in *FOUND (may be NULL). Returns 0 or -errno. */
int proc_sweep_netns(const unsigned long long *inos, size_t n, int grace_ms,
		     size_t *found);

/* NAME in $PATH (unset or empty: /usr/local/bin, /usr/bin, /bin,
 * /usr/sbin, /sbin), as `command -v NAME`: its path into BUF (LEN bytes).
 * Returns 0 or -ENOENT. */
int proc_which(const char *name, char *buf, size_t len);

/* Sleep MS milliseconds (`sleep 0.MS`); a signal may cut it short. */
void proc_sleep_ms(int ms);

/* The daemon helpers below serve daemons found through a pid file
 * (fabric_ovs.c's Open vSwitch, virt.c's libvirt): no start time is
 * recorded for them, so a pid counts as the daemon only while its command
 * line names the program. */

/* The pid in pid file PATH (`cat PATH`): 0 when there is no file or it
 * holds no plausible pid. */
pid_t proc_pidfile(const char *path);

/* Does /proc/PID/cmdline start with a program called PROG, in any
 * directory (`tr '\0' ' ' </proc/PID/cmdline`)? */
bool proc_runs(pid_t pid, const char *prog);

/* Has PID exited (`kill -0 PID`, then the state in /proc/PID/stat)? A
 * daemon is seldom our child and PID 1 here reaps nobody, so a zombie
 * counts as gone. */
bool proc_gone(pid_t pid);

/* The pid of the running PROG from pid file PIDFILE if that process
 * lives and its command line names PROG; else 0. */
pid_t proc_daemon_pid(const char *pidfile, const char *prog);

/* Stop PROG's process PID (PID 0 or less: the pid in PIDFILE) if it lives
 * and its command line names PROG: `kill PID`, wait up to WAIT_MS, then
 * `kill -9 PID` if it still is PROG, and wait up to WAIT_MS again,
 * reaping it if it is our child. Gone already, or another program now,
 * is success. Returns 0 or -errno. */
int proc_daemon_stop(const char *pidfile, const char *prog, pid_t pid,
		     int wait_ms);

/* In a forked child before exec: unblock every signal, and mark every
 * descriptor above stderr close-on-exec (close_range(2) with
 * CLOSE_RANGE_CLOEXEC, so a pipe that reports exec's errno still works).
 * The caller may hold signals (enos up holds SIGTERM while it builds): a
 * daemon that inherits that never gets the SIGTERM that stops it. And a
 * program that inherits the caller's descriptors (a database, a lock
 * such as flock(1)'s, a control socket) keeps them open for as long as it
 * lives. */
void proc_child_prepare(void);

/* A wait status in the shell's convention: the exit code, 128 + the
 * signal, or -1. */
int proc_shell_status(int st);

/* After fork() of a child that writes its errno to a CLOEXEC pipe when
 * its exec fails: read ERR_FD until the exec closed it. Returns 0 if the
 * program runs, else the child's -errno (-EIO if it sent 0). */
int proc_exec_result(int err_fd);

/* waitpid(PID) through EINTR; its status, as proc_shell_status(), into
 * *STATUS. Returns 0 or -errno. */
int proc_wait_status(pid_t pid, int *status);

#endif
