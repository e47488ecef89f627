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

#endif
