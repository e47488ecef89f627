/* state — the SQLite database that holds enos's state and results.
 *
 * One file (default /var/lib/enos/enos.db, or $ENOS_DB, or --db) holds every
 * experiment that is up or half-built, its sites, nodes and addresses, every
 * kernel object it will create (written before the object is created, so a
 * crash cannot hide one), its runs, and the figures measured in them.
 * Schema versioned (PRAGMA user_version, v10: hosts), WAL mode, foreign keys on.
 *
 * Functions return 0 or a negative errno; on failure the SQLite message is
 * kept and state_errmsg() returns it, so callers can report it once.
 */
#ifndef ENOS_STATE_H
#define ENOS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulator/constraint.h"
#include "emulator/world.h"

struct state;
struct topology;
struct shape_ops;

#define STATE_DEFAULT_PATH "/var/lib/enos/enos.db"

/* Experiment status, as stored. */
#define EXP_CREATING "creating"   /* recorded, being built (or crashed) */
#define EXP_UP       "up"
#define EXP_FAILED   "failed"     /* up failed; needs down */
#define EXP_DOWN     "removing"   /* down in progress (or crashed) */

/* Kinds of kernel object in the objects table. */
enum obj_kind { OBJ_NETNS, OBJ_LINK, OBJ_BRIDGE, OBJ_PROCESS };

struct exp_info {
	char name[64];
	char tag[WORLD_TAG_LEN + 1];
	char status[16];
	char topo_path[4096];
	char shaping[16];       /* backend chosen, as recorded */
	const struct shape_ops *shaping_ops;    /* the same, resolved */
	int64_t created;        /* unix time */
	size_t n_sites;
	size_t n_nodes;
};

/* Open (creating it and its directory if needed) the database at PATH.
 * Returns 0 and *OUT, or -errno with *ERR an allocated message. */
int state_open(const char *path, struct state **out, char **err);
void state_close(struct state *st);
const char *state_errmsg(const struct state *st);

/* A tag for NAME that no other recorded experiment uses (world_tag with
 * increasing salt). Writes WORLD_TAG_LEN + 1 bytes. */
int state_pick_tag(struct state *st, const char *name, char *tag);

/* Record experiment W (from topology T) with status EXP_CREATING: the
 * experiment, its sites, nodes, addresses, short-name mapping and every
 * kernel object world_up() will create, in one transaction.
 * -EEXIST if an experiment of that name is recorded. */
int state_record_world(struct state *st, const struct topology *t,
		       const struct world *w);

int state_set_status(struct state *st, const char *name, const char *status);
int state_set_shaping(struct state *st, const char *name, const char *shaping);

/* Look up experiment NAME: 0, or -ENOENT. */
int state_get(struct state *st, const char *name, struct exp_info *out);

/* Names of all recorded experiments, sorted. *NAMES is a NULL-terminated
 * allocated array (free with state_free_names). */
int state_list(struct state *st, char ***names, size_t *n);
void state_free_names(char **names);

/* Rebuild the world of experiment NAME from the database. *W and its
 * arrays and strings are allocated; release with state_world_free(). */
int state_load_world(struct state *st, const char *name, struct world *w);
void state_world_free(struct world *w);

/* Forget experiment NAME (after a successful down). Its runs and results
 * stay: results outlive the world that produced them. */
int state_forget(struct state *st, const char *name);

/* Runs and results. A run is one execution of a phase sequence. */
int state_run_begin(struct state *st, const char *name, const char *kind,
		    uint64_t seed, bool has_seed, int64_t *run_id);
int state_run_end(struct state *st, int64_t run_id, const char *outcome);

/* Store one measured figure of RUN: METRIC between SRC and DST (either may
 * be NULL), VALUE in UNIT. */
int state_result_add(struct state *st, int64_t run_id, const char *metric,
		     const char *src, const char *dst, double value,
		     const char *unit);

/* Record a fact about the host for RUN (kernel, capability, version). */
int state_fact_add(struct state *st, int64_t run_id, const char *key,
		   const char *value);

/* Record/forget a process enos started for NAME (daemons, engines). */
int state_process_add(struct state *st, const char *name, const char *what,
		      int pid);

/* The processes recorded for NAME: *PIDS (free()) and *WHATS (NULL-
 * terminated, state_free_names()) of *N entries, oldest first. */
int state_processes(struct state *st, const char *name, int **pids,
		    char ***whats, size_t *n);

/* Forget process PID of NAME; not recorded is success. */
int state_process_forget(struct state *st, const char *name, int pid);

/* Another recorded experiment than NAME whose fabric is FABRIC ("ovs"):
 * 0 and its name in OTHER (LEN bytes), -ENOENT if none, or -errno. */
int state_fabric_peer(struct state *st, const char *name, const char *fabric,
		      char *other, size_t len);

/* Another recorded experiment than NAME with a node on libvirt (a backend
 * whose node_ops.needs has BACKEND_NEEDS_LIBVIRT): 0 and its name in OTHER
 * (LEN bytes), -ENOENT if none, or -errno. */
int state_libvirt_peer(struct state *st, const char *name, char *other,
		       size_t len);

/* Hand the processes WHAT recorded for FROM over to experiment TO (a
 * daemon FROM started that TO still uses). Returns 0 or -errno. */
int state_process_move(struct state *st, const char *from, const char *to,
		       const char *what);

/* One recorded kernel object. */
struct state_object {
	enum obj_kind kind;
	char name[WORLD_NETNS_MAX];
};

/* "netns", "link", "bridge", "process" ("?" if out of range). */
const char *state_obj_kind_name(enum obj_kind k);

/* Record one more object of NAME (before creating it); twice is success. */
int state_object_add(struct state *st, const char *name, enum obj_kind kind,
		     const char *object);

/* The objects recorded for NAME in creation order (remove in reverse):
 * *OBJS is an allocated array of *N, free with free(). */
int state_objects(struct state *st, const char *name,
		  struct state_object **objs, size_t *n);

/* A run as recorded. */
struct run_info {
	int64_t id;
	char experiment[64];
	char kind[16];
	int64_t started;        /* unix time */
	int64_t ended;          /* 0 while running */
	char outcome[16];
	bool has_seed;          /* the run was given a seed: */
	uint64_t seed;          /* the topology's, as recorded */
};

/* Run ID: 0, -ENOENT, or -errno. */
int state_run_get(struct state *st, int64_t id, struct run_info *out);

/* The newest run of experiment NAME that has a result for METRIC (any run
 * if METRIC is NULL): 0 and *ID, -ENOENT, or -errno. */
int state_run_latest(struct state *st, const char *name, const char *metric,
		     int64_t *id);

/* One stored figure. value is NaN where NULL was stored. */
struct state_result {
	char metric[32];
	char src[64];
	char dst[64];
	double value;
	char unit[16];
};

/* All results of RUN in insertion order: *ROWS is allocated (free()). */
int state_results(struct state *st, int64_t run, struct state_result **rows,
		  size_t *n);

/* The facts of RUN sorted by key: *KEYS and *VALUES are NULL-terminated
 * allocated arrays of *N (free each with state_free_names()). */
int state_facts(struct state *st, int64_t run, char ***keys, char ***values,
		size_t *n);

/* A fault applied to an experiment, live or by a timeline. Schema v5
 * stores what it does: its action, its two sides (site names; a partition
 * cuts every pair between them both ways, a set changes every pair from
 * one side to the other both ways, as a symmetric rule) and, for a set,
 * its constraint fields. detail is only the text `enos fault list` shows.
 * Rows written by schema v4 have only their text (structured false): the
 * caller parses it (enos/inject.c). */
struct state_fault {
	int64_t id;
	int64_t run;            /* 0 if none */
	char action[16];        /* "partition", "set" */
	char detail[256];       /* as `enos fault` took it, for display */
	double applied;         /* unix time, fractional */
	double removed;         /* NaN while active */
	bool structured;        /* v5: con and state_fault_sites hold it */
	struct constraint con;  /* set: the fields it changes (checked by
				 * constraint_validate when read) */
	/* v10, node faults (cpu, memory, freeze, crash, stress): the node
	 * ("" for a WAN fault), the amount (cpu: host cores x 1000, memory:
	 * bytes, stress: workers; 0 otherwise) and a stress's pid (0). */
	char node[64];
	int64_t amount;
	int pid;
};

/* A fault to record: SIDES[i][0..N_SIDES[i]) are the site names of side
 * i; CON the fields of a set (NULL for a partition). */
struct state_fault_spec {
	const char *action;             /* "partition", "set" */
	const char *detail;             /* display text */
	const char *const *sides[2];
	size_t n_sides[2];
	const struct constraint *con;
	const char *node;               /* a node fault's node, else NULL */
	int64_t amount;                 /* a node fault's amount */
};

/* Record fault F of NAME applied at APPLIED (unix time), in RUN (0: none),
 * in one transaction; *ID (may be NULL) is its id. */
int state_fault_add(struct state *st, int64_t run, const char *name,
		    const struct state_fault_spec *f, double applied,
		    int64_t *id);
/* Record PID as the load generator of stress fault ID. */
int state_fault_set_pid(struct state *st, int64_t id, int pid);
/* Mark fault ID removed at REMOVED; ending an ended fault is success. */
int state_fault_end(struct state *st, int64_t id, double removed);
/* Faults of NAME (RUN 0: all runs; ACTIVE_ONLY: not yet removed), oldest
 * first: *ROWS is allocated (free()). -EBADMSG if a row's constraint
 * fields do not pass constraint_validate. */
int state_faults(struct state *st, const char *name, int64_t run,
		 bool active_only, struct state_fault **rows, size_t *n);
/* The two sides of structured fault ID: SIDES[i] a NULL-terminated
 * allocated array of N[i] site names (free each with state_free_names). */
int state_fault_sites(struct state *st, int64_t id, char **sides[2],
		      size_t n[2]);

/* One service instance of the deployed stack (schema v4). State is one of
 * "starting", "running", "failed", "stopped"; pid 0: none yet. */
struct service_row {
	char instance[64];
	char service[64];
	char stack[64];
	char strategy[64];
	char node[64];
	char site[64];
	char address[32];
	int pid;
	unsigned long long starttime;   /* /proc/PID/stat field 22 */
	char state[16];
	bool has_exit;
	int exit_status;                /* shell convention: 128 + signal */
	double started;                 /* unix time */
	char log_path[4096];
	char dir[4096];
	int64_t seq;                    /* deploy order */
};

/* Record instance R of experiment NAME (replacing a row of the same
 * instance). Returns 0, -ENOENT (no experiment NAME) or -errno. */
int state_service_put(struct state *st, const char *name,
		      const struct service_row *r);

/* Set the pid, start time, state and exit status (if HAS_EXIT) of
 * INSTANCE of NAME; "starting" also sets its start time to now.
 * Returns 0, -ENOENT (no such instance) or -errno. */
int state_service_set(struct state *st, const char *name,
		      const char *instance, int pid,
		      unsigned long long starttime, const char *state,
		      bool has_exit, int exit_status);

/* The instances of NAME in deploy order: *ROWS (free()) of *N. */
int state_services(struct state *st, const char *name,
		   struct service_row **rows, size_t *n);

/* Forget every instance of NAME (after they were stopped). */
int state_services_forget(struct state *st, const char *name);

/* ---- workloads (schema v6; enos/state_workload.c) ---- */

/* One operation of a workload as stored. Strings are borrowed when
 * writing; state_wlops() allocates them (free with state_wlops_free). */
struct wlop_row {
	int64_t id;                     /* set when read */
	const char *workload;           /* as run: "kv-latency", "boot-delete" */
	const char *op;                 /* "put", "nova.boot_server", ... */
	unsigned iteration;             /* 0: not part of one */
	bool atomic;                    /* a part of iteration ITERATION */
	const char *site, *node;        /* the client */
	const char *target_site;        /* where what it addressed runs, or NULL */
	const char *target;             /* the instance (or site) it addressed, or NULL */
	double start;                   /* unix time, fractional */
	double duration_ms;
	bool ok;
	const char *error;              /* NULL when ok */
	double value;                   /* NaN: none (throughput: bit/s) */
	const char *unit;               /* of value, or NULL */
	double rtt_ms, loss_pct;        /* the pair's WAN at start; NaN: no pair */
	const int64_t *faults;          /* ids of the faults active at start */
	size_t n_faults;
};

/* Store operations of RUN. Many at once go faster between
 * state_wlop_batch_begin() and state_wlop_batch_end() (one transaction;
 * end with OK false rolls back what the batch added). Returns 0 or -errno. */
int state_wlop_batch_begin(struct state *st);
int state_wlop_add(struct state *st, int64_t run, const struct wlop_row *r);
int state_wlop_batch_end(struct state *st, bool ok);

/* The operations of RUN (WORKLOAD NULL: every workload), by start: *ROWS
 * allocated with every string and fault list (state_wlops_free()). */
int state_wlops(struct state *st, int64_t run, const char *workload,
		struct wlop_row **rows, size_t *n);
void state_wlops_free(struct wlop_row *rows, size_t n);

/* The newest run with workload operations of experiment NAME (NULL: of
 * any experiment): 0 and *ID, -ENOENT (message kept), or -errno. */
int state_wl_run_latest(struct state *st, const char *name, int64_t *id);

/* Per run, workload, op and client site (site "*": every site). */
struct wl_summary_row {
	char workload[64];
	char op[64];
	char site[64];
	uint64_t count;
	uint64_t failures;
	double min_ms, p50_ms, p90_ms, p99_ms, max_ms, mean_ms, stddev_ms;
};

/* Store (replacing) summary R of RUN; read RUN's in workload, op, site
 * order (*ROWS free()). */
int state_wl_summary_put(struct state *st, int64_t run,
			 const struct wl_summary_row *r);
int state_wl_summaries(struct state *st, int64_t run,
		       struct wl_summary_row **rows, size_t *n);

/* Bytes that crossed the WAN during RUN from SRC_SITE to DST_SITE for
 * SERVICE ("other" when no service listens on the port), on PROTO (6 TCP,
 * 17 UDP, 0 other) PORT (the service side's; 0 when unknown). */
struct traffic_row {
	char src_site[64];
	char dst_site[64];
	char service[64];
	int proto;
	int port;
	uint64_t packets;
	uint64_t bytes;                 /* as on the wire (Ethernet frames) */
	uint64_t payload;               /* L4 payload bytes */
};

/* Store (adding to a row of the same key) traffic R of RUN; read RUN's by
 * bytes, largest first (*ROWS free()). */
int state_traffic_add(struct state *st, int64_t run,
		      const struct traffic_row *r);
int state_traffic(struct state *st, int64_t run, struct traffic_row **rows,
		  size_t *n);

/* A port a service instance of experiment NAME listens on (recorded at
 * deploy; forgotten with the instances). */
struct service_port {
	char instance[64];
	char service[64];               /* the instance's service, when read */
	char site[64];                  /* its node's site, when read */
	int proto;                      /* 6 TCP, 17 UDP */
	int port;
};
int state_service_port_add(struct state *st, const char *name,
			   const char *instance, int proto, int port);
/* The ports of NAME's instances, joined with their service and site (*ROWS
 * free()). */
int state_service_ports(struct state *st, const char *name,
			struct service_port **rows, size_t *n);

/* ---- sweeps (schema v7; enos/state_sweep.c) ----
 *
 * A sweep (enos/sweep.h) is recorded by name with the files it was read
 * from, its axes, each point's values and its (point, repetition) pairs in
 * run order. A pair is pending, running, done or failed; every run made
 * for it is kept (sweep_runs). Each change is one transaction, so a kill
 * -9 between any two statements leaves a consistent record: a pair is
 * marked running before its step starts, and done (with its run ended)
 * in one transaction after; state_sweep_recover() turns what a kill left
 * running back into pending and ends its runs as failed. Points and
 * repetitions count from 0 here (enos shows them from 1). */

/* Pair status, as stored. */
#define SWEEP_PENDING "pending"
#define SWEEP_RUNNING "running"
#define SWEEP_DONE    "done"
#define SWEEP_FAILED  "failed"

/* The kind of the runs a sweep makes (runs.kind). */
#define SWEEP_RUN_KIND "sweep"

struct sweep_record {
	int64_t id;
	char name[64];
	char path[4096];        /* the sweep file */
	char hash[17];          /* sweep_hash() in hex */
	char experiment[64];    /* the topology's name */
	uint64_t seed;
	unsigned repeat;
	char order[16];         /* "shuffled", "sequential" */
	int64_t created;        /* unix time */
};

/* One pair. Read: label allocated (state_sweep_pairs_free). Written
 * (struct sweep_save): point, rep, seed and label; seq is its index. */
struct sweep_pair_row {
	size_t point;
	unsigned rep;
	size_t seq;             /* position in the run order */
	uint64_t seed;
	char status[16];
	int64_t run;            /* the last run made for it, 0: none */
	int64_t started;        /* unix time, 0: never */
	int64_t ended;
	char *label;            /* "PATH=VALUE, ..." of its point */
};

/* What state_sweep_save() records. */
struct sweep_save {
	const struct sweep_record *rec;         /* id and created are set by save */
	const char *text;                       /* the sweep file as read */
	const char *topology;                   /* the topology file as read */
	const char *const *axes;                /* paths, file order */
	size_t n_axes;
	const char *const *values;              /* n_points x n_axes value texts, point-major */
	size_t n_points;
	const struct sweep_pair_row *pairs;     /* run order */
	size_t n_pairs;
};

/* Record sweep SV in one transaction, replacing any sweep of its name.
 * KEEP_DONE: a pair of the replaced sweep that was done and has the same
 * label and repetition as a new one stays done, with its seed, run and
 * times (a resume --force of a changed file loses no finished work).
 * *ID (may be NULL) gets the sweep's id. Returns 0 or -errno. */
int state_sweep_save(struct state *st, const struct sweep_save *sv,
		     bool keep_done, int64_t *id);

/* Sweep NAME: 0, -ENOENT, or -errno. */
int state_sweep_get(struct state *st, const char *name,
		    struct sweep_record *out);

/* The pairs of sweep ID in run order (*ROWS allocated,
 * state_sweep_pairs_free()). */
int state_sweep_pairs(struct state *st, int64_t id,
		      struct sweep_pair_row **rows, size_t *n);
void state_sweep_pairs_free(struct sweep_pair_row *rows, size_t n);

/* The text of the sweep file and of the topology file sweep ID was read
 * from, as recorded (*TEXT and *TOPOLOGY allocated, free(); "" when not
 * stored). Returns 0, -ENOENT, or -errno. */
int state_sweep_texts(struct state *st, int64_t id, char **text,
		      char **topology);

/* The axes of sweep ID (*AXES: paths in file order, NULL-terminated,
 * state_free_names(), *N_AXES of them) and each point's value texts
 * (*VALUES: N_POINTS x N_AXES, point-major, NULL-terminated,
 * state_free_names()). Returns 0 or -errno (-EBADMSG: a point misses a
 * value). */
int state_sweep_points(struct state *st, int64_t id, char ***axes,
		       size_t *n_axes, char ***values, size_t *n_points);

/* After a kill: every pair of sweep ID left running goes back to pending,
 * and the runs made for it that never ended (also those whose id it never
 * recorded: runs of kind SWEEP_RUN_KIND of its experiment started since
 * the pair started) end as "failed". *N (may be NULL): how many pairs.
 * One transaction. Returns 0 or -errno. */
int state_sweep_recover(struct state *st, int64_t id, size_t *n);

/* Pair (POINT, REP) of sweep ID starts: pending or failed -> running.
 * -EALREADY if it is done or running. */
int state_sweep_pair_start(struct state *st, int64_t id, size_t point,
			   unsigned rep);

/* Pair (POINT, REP), which is running, ends with STATUS (SWEEP_DONE,
 * SWEEP_FAILED, or SWEEP_PENDING when it was abandoned) and RUN (0: the
 * step opened none) ending as OUTCOME ("ok", "failed", "interrupted"; an
 * outcome the step wrote itself is kept). Runs of kind SWEEP_RUN_KIND of
 * the experiment started since the pair started are recorded as its runs
 * too, and any of them still open ends "failed". One transaction:
 * -ESTALE if the pair was not running (it is never done twice). */
int state_sweep_pair_finish(struct state *st, int64_t id, size_t point,
			    unsigned rep, int64_t run, const char *status,
			    const char *outcome);

/* The runs made for pair (POINT, REP) of sweep ID, oldest first: *RUNS
 * (free()) and their outcomes (*OUTCOMES, NULL-terminated,
 * state_free_names(); "" while open). */
int state_sweep_runs(struct state *st, int64_t id, size_t point,
		     unsigned rep, int64_t **runs, char ***outcomes,
		     size_t *n);

/* What past runs of experiment EXP took, for estimates: the mean of their
 * up_seconds, of their deploy_seconds of stack STACK (NULL: skipped) with
 * strategy STRATEGY (NULL: any), and of their workloads' spans (first
 * operation's start to the last one's end), each with how many runs it
 * averages (0: NaN mean). */
struct run_history {
	double up_s, deploy_s, workload_s;
	size_t n_up, n_deploy, n_workload;
};
int state_history(struct state *st, const char *exp, const char *stack,
		  const char *strategy, struct run_history *h);

/* Experiment NAME now runs the topology at PATH (a sweep changed its WAN
 * or stack on the world that is up): what `enos tc` and faults read. */
int state_set_topo_path(struct state *st, const char *name,
			const char *path);

/* ---- a world spread over several hosts (issue 14; state_hosts.c) ---- */

/* Host statuses, as stored. */
#define HOST_PLANNED     "planned"      /* recorded, its part not yet sent */
#define HOST_UP          "up"           /* its part is built */
#define HOST_FAILED      "failed"       /* its part failed: needs down */
#define HOST_UNREACHABLE "unreachable"  /* not reached by the last command:
					 * its objects stay recorded */
#define HOST_DOWN        "down"         /* its part is removed */

/* One host of a recorded experiment. */
struct state_host {
	char name[64];
	char address[64];
	char ssh[256];
	char enos[256];
	char status[16];
	char error[512];        /* why the last command failed there, or "" */
	size_t n_sites, n_nodes, n_objects;     /* recorded on it */
};

/* Record the hosts of experiment NAME (recorded by state_record_world
 * just before, in the same order as its sites): N_HOSTS hosts (NAMES,
 * ADDRESSES, SSH, ENOS, each N_HOSTS strings), every one HOST_PLANNED, and
 * HOST_OF[site] the index of the host that builds each site, which gives
 * each site, its nodes and its objects their host ('*' for the WAN bridge,
 * which every host has). One transaction. Returns 0 or -errno. */
int state_hosts_record(struct state *st, const char *name, size_t n_hosts,
		       const char *const *names, const char *const *addresses,
		       const char *const *ssh, const char *const *enos,
		       const size_t *host_of);

/* The hosts of NAME in their order: *HOSTS (free()) of *N; *N is 0 for
 * an experiment on this host alone. */
int state_hosts(struct state *st, const char *name, struct state_host **hosts,
		size_t *n);

/* Set host HOST of NAME to STATUS, with ERROR (NULL: none). */
int state_host_set_status(struct state *st, const char *name,
			  const char *host, const char *status,
			  const char *error);

/* The host that builds site IDX of NAME ("" when NAME is on this host
 * alone) into BUF (LEN bytes). */
int state_site_host(struct state *st, const char *name, size_t idx,
		    char *buf, size_t len);

#endif
