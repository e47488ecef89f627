/* testutil — helpers shared by the suites: run a program and capture its
 * output, run the enos binary against a private state database, make and
 * remove temporary directories and a case's directory and database, count
 * an experiment's kernel leftovers, libvirt domains, OVS ports, files and
 * recorded daemons, and tell a live process from a zombie.
 */
#ifndef TESTS_TESTUTIL_H
#define TESTS_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

/* Run ARGV (NULL-terminated), wait, return its exit status (128 + signal
 * if killed, -1 if it could not run). *OUT (may be NULL) receives stdout
 * and stderr together, allocated. */
int tu_run(char **out, char *const argv[]);

/* Run a command built from FMT, words separated by single spaces (no
 * quoting: for the ip/tc/sysctl lines the tests run), output discarded.
 * Returns its exit status (128 + signal if killed), or -1. */
int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The enos binary the tests run: $ENOS_BIN, else build/bin/enos. */
const char *tu_enos_bin(void);

/* Run the enos binary ($ENOS_BIN) with --db DB and the NULL-terminated
 * arguments that follow. */
int tu_enos(char **out, const char *db, ...) __attribute__((sentinel));

/* tu_enos with the binary BIN (NULL: tu_enos_bin()) and the arguments in
 * AP: for the benchmarks' own wrappers. */
int tu_enos_v(char **out, const char *bin, const char *db, va_list ap);

/* Start enos in the background (stdout/stderr to /dev/null); returns pid. */
pid_t tu_enos_spawn(const char *db, ...) __attribute__((sentinel));

/* mkdtemp under /tmp into BUF; returns BUF or NULL. rm -rf with tu_rmtree. */
char *tu_tmpdir(char *buf, size_t len, const char *what);
void tu_rmtree(const char *dir);

/* Write TEXT to DIR/NAME, return the path in BUF. */
const char *tu_write(const char *dir, const char *name, const char *text,
		     char *buf, size_t len);

/* Kernel objects left by experiment NAME with link tag TAG: entries of
 * /run/netns starting with "enos.NAME." plus links starting with TAG. */
int tu_leftovers(const char *name, const char *tag);

/* Entries of /run/netns starting with "enos.NAME.". */
int tu_netns_count(const char *name);

/* Extra milliseconds timing assertions allow: 0 normally; under `make
 * asan` (ENOS_SANITIZED=1) the engine and the probe are instrumented and
 * several times slower, and those runs are for memory and UB errors, not
 * for timing, so delays may be late by up to 20 ms and rates 30 % low. */
double tu_slack_ms(void);

/* The fraction of a rate a rate assertion accepts as its floor: 1, or 0.7
 * in a sanitized build. */
double tu_rate_floor(void);

/* A system case's private directory and state database: tu_case_setup()
 * makes DIR (a tu_tmpdir named after WHAT) with DB = DIR/enos.db, 0 or -1
 * (the caller asserts: benchmarks link this file without Check);
 * tu_case_teardown() runs `enos down --all` on DB, so a failed case leaves
 * nothing, then removes DIR. */
struct tu_case {
	char dir[128];
	char db[192];
};
int tu_case_setup(struct tu_case *c, const char *what);
void tu_case_teardown(const struct tu_case *c);

/* `enos --db DB exec -n NAME NODE -- ARGS...`: its status, output into
 * *OUT (may be NULL). */
#define tu_exec(out, db, name, node, ...) \
	tu_enos(out, db, "exec", "-n", name, node, "--", __VA_ARGS__, NULL)

/* Is PID a live process? A zombie is not: PID 1 here reaps nobody, so a
 * stopped daemon stays one until its parent goes. */
int tu_alive(int pid);

/* The pids recorded in state database DB for experiment NAME whose
 * process name starts with one of PREFIXES (NULL-terminated), or, with
 * PREFIXES NULL, every positive pid; into OUT (up to MAX). Returns how
 * many, or -1 if the database could not be read. */
int tu_recorded_pids(const char *db, const char *name,
		     const char *const *prefixes, int *out, size_t max);

/* Domains of libvirt URI (`virsh -q -c URI list --all --name`) named
 * "enos.NAME." (0 when no libvirtd runs). */
int tu_domains(const char *uri, const char *name);

/* Entries of directory DIR whose name starts with "enos.NAME." */
int tu_files_of(const char *dir, const char *name);

/* Ports in OVSDB (`ovs-vsctl --bare -- --columns=name list Port`) whose
 * name holds TAG, counted by occurrence (0 if no ovsdb-server runs). */
int tu_ovs_ports(const char *tag);

/* Point $ENOS_AGENT (unless set) at the enos-agent beside the enos
 * binary the tests run, as enos itself finds it. */
void tu_agent_env(void);

/* CLOCK_MONOTONIC in seconds. */
double tu_now_s(void);

/* Does TEXT contain NEEDLE? */
int tu_contains(const char *text, const char *needle);

#endif
