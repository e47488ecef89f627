/* rundir — where the files of experiments and runs go on the host: the one
 * place that roots them and spells their layout.
 *
 *   results/EXP/                   what the runs of experiment EXP wrote
 *   results/EXP/RUN/               run RUN's figures and report (rtt.tsv,
 *                                  summary.txt, index.html)
 *   results/EXP/RUN/services/      the logs of the service instances a
 *                                  deploy in run RUN started (INSTANCE.log)
 *   DBDIR/services/EXP/            the services' own files: INSTANCE/conf,
 *                                  INSTANCE/data (DBDIR: the directory of
 *                                  the state database)
 *
 * The two trees are rooted differently, as they always were (kept so that
 * behaviour does not change with this module):
 * - results/ is under the current directory. It is output, like a build's:
 *   it belongs to whoever ran the command, where they ran it; `enos run`
 *   and `enos report` print it relative, and users and the tests look for
 *   ./results/EXP/RUN.
 * - services/ is beside the state database. It is state: the database's
 *   services table describes what is in it and `down` removes it with
 *   those records, so it must be found again from any working directory,
 *   and two databases (the tests use one per case) never share it.
 * Every directory of both trees is made by rundir_make() or
 * rundir_services_make(), one at a time and never through a link.
 * To root results/ elsewhere later (beside the database too, or under a
 * --results option), change results_root() in rundir.c; nothing else
 * spells these paths.
 *
 * Functions write into OUT (LEN bytes) and return 0, -ENAMETOOLONG, or
 * -errno when the current directory cannot be read (absolute paths).
 */
#ifndef ENOS_RUNDIR_H
#define ENOS_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* results/EXP; with ABSOLUTE, the current directory in front (a path that
 * must hold from another working directory, such as inside a node). */
int rundir_experiment(const char *exp, bool absolute, char *out, size_t len);

/* results/EXP/RUN, absolute as rundir_experiment(). */
int rundir_run(const char *exp, int64_t run, bool absolute, char *out,
	       size_t len);

/* results/EXP/RUN/services, absolute: where the service instances of a
 * deploy in run RUN log (the services run in other working directories). */
int rundir_run_services(const char *exp, int64_t run, char *out, size_t len);

/* DBDIR/services/EXP, absolute, for the state database at DB_PATH; EXP
 * NULL: DBDIR/services, the parent of every experiment's. */
int rundir_services(const char *db_path, const char *exp, char *out,
		    size_t len);

/* Make results/EXP, then RUN below it (RUN < 0: none), then SUB below
 * that (NULL: none; "a/b" for two levels, at most three), as rundir_run() names them (ABSOLUTE likewise), and
 * write the path to OUT. Each directory is opened relative to the one
 * above with O_NOFOLLOW and made (0755) when missing: a results tree
 * often sits in a shared working directory, where anyone could have
 * planted a link to a file of root's. Refused: a symbolic link (-ELOOP),
 * not a directory (-ENOTDIR), a directory another user owns or that group
 * or others can write (-EPERM: they could plant one later; what is
 * written under it then goes by name, reports/ included). WHY (WHY_LEN
 * bytes) says which and why: "'results/fog' is a symbolic link". */
int rundir_make(const char *exp, int64_t run, const char *sub, bool absolute,
		char *out, size_t len, char *why, size_t why_len);

/* The same for DBDIR/services/EXP (DBDIR itself is the database's, taken
 * as it is); OUT absolute, as rundir_services(). */
int rundir_services_make(const char *db_path, const char *exp, char *out,
			 size_t len, char *why, size_t why_len);

#endif
