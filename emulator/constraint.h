/* constraint — the WAN constraint language: what one direction between two
 * sites is given, in one table of keys with their unit, limits and
 * dependencies (topologies/README.md, "Constraint blocks"):
 *
 *   key           value                       limits          needs
 *   delay         a time (us, ms, s)          at most 3600s
 *   rtt           a time; stored as delay/2   at most 3600s
 *   jitter        a time                      at most 3600s
 *   loss          a percentage                0% to 100%
 *   rate          a tc rate (bit, kbit, ...)  > 0, at most 10tbit
 *   distribution  uniform normal pareto paretonormal         jitter
 *   correlation   a percentage                0% to 100%      jitter
 *   loss_burst    a number of packets         1 to 1000000    loss
 *   queue         an integer, packets         1 to 1000000
 *
 * One parser of a KEY and its VALUE text (constraint_set), one dependency
 * check (constraint_check), one canonical text (constraint_format). The
 * topology loader (enos/topo_network.c: a block of YAML keys, with
 * FILE:LINE:COL added), `enos fault set KEY=VALUE` (enos/fault.c) and the
 * wand control protocol (emulator/wand_ctl.c: its wire text is the
 * canonical text) all read constraints through it, so they accept and
 * refuse the same values with the same words.
 *
 * struct constraint is a written block: only the fields it gives (its CON_*
 * bits). struct link_params is what a shaping backend is handed for one
 * direction once every block has been applied in precedence order
 * (enos/resolve.c): every field, zero meaning "not shaped". Pure: no I/O.
 */
#ifndef EMULATOR_CONSTRAINT_H
#define EMULATOR_CONSTRAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;

/* Bits of struct constraint.set: which fields the block gave. */
#define CON_DELAY  (1u << 0)
#define CON_JITTER (1u << 1)
#define CON_LOSS   (1u << 2)
#define CON_RATE   (1u << 3)
#define CON_DIST   (1u << 4)
#define CON_CORR   (1u << 5)
#define CON_BURST  (1u << 6)
#define CON_QUEUE  (1u << 7)

/* Limits of the language. */
#define CON_DELAY_MAX_US (3600ull * 1000000)    /* delay, rtt, jitter */
#define CON_RATE_MAX_BPS 10000000000000ull      /* 10tbit */
#define CON_QUEUE_MAX    1000000                /* packets */
#define CON_BURST_MAX    1000000                /* mean burst, packets */

/* Jitter distributions, as netem has them (tc ... delay D J distribution
 * X). A block names one of uniform .. paretonormal; DIST_NONE is a
 * direction no block gave one: the backend's default, uniform within
 * +-jitter. */
enum jitter_dist {
	DIST_NONE,
	DIST_UNIFORM,
	DIST_NORMAL,
	DIST_PARETO,
	DIST_PARETONORMAL,
};

/* One constraint block. A block that gives `distribution` or
 * `correlation` also gives `jitter`, and one that gives `loss_burst` also
 * gives `loss` (constraint_check). */
struct constraint {
	unsigned set;           /* CON_* bits */
	uint64_t delay_us;      /* one way (`rtt` is stored halved) */
	uint64_t jitter_us;
	double loss_pct;        /* 0 .. 100 */
	uint64_t rate_bps;      /* > 0 when set */
	enum jitter_dist dist;  /* CON_DIST: jitter distribution */
	double corr_pct;        /* CON_CORR: jitter correlation, 0 .. 100 */
	double loss_burst;      /* CON_BURST: mean loss burst in packets,
				 * 1 .. CON_BURST_MAX; > 1 selects the
				 * Gilbert-Elliott model */
	uint32_t queue_pkts;    /* CON_QUEUE: rate queue bound, 1 ..
				 * CON_QUEUE_MAX packets */
};

/* One direction of one site pair as a shaping backend gets it. Zero
 * everywhere means "a plain wire". */
struct link_params {
	uint64_t delay_us;      /* one way */
	uint64_t jitter_us;
	enum jitter_dist dist;
	double jitter_corr_pct; /* 0 .. 100 */
	double loss_pct;        /* 0 .. 100, of wire (MTU-sized) packets */
	double loss_burst;      /* mean loss burst length in packets; <= 1: random
				 * loss, > 1: Gilbert-Elliott with that mean */
	uint64_t rate_bps;      /* 0: unlimited */
	uint32_t queue_pkts;    /* rate queue bound; 0: the backend's default */
};

/* The keys, in the order a block's keys are read and listed. */
enum constraint_key {
	CK_DELAY,
	CK_RTT,
	CK_JITTER,
	CK_LOSS,
	CK_RATE,
	CK_DIST,
	CK_CORR,
	CK_BURST,
	CK_QUEUE,
	CK_N
};

/* KEY's name ("delay", ..., "queue"). */
const char *constraint_key_name(enum constraint_key k);

/* Fill NAMES[0..CK_N) with the key names in table order (to build the key
 * list of a larger mapping). */
void constraint_key_names(const char **names);

/* The key called NAME, or -1. */
int constraint_key_find(const char *name);

/* What the value of K is, for "expected X for 'KEY'": "a time", "a rate",
 * "a percentage", "a string", "a number" or "an integer". */
const char *constraint_key_expects(enum constraint_key k);

/* Parse TEXT as the value of K into C and set K's CON_* bit; other fields
 * are left alone. Returns 0, or -EINVAL with *ERR an allocated message
 * that names the key and quotes the value ("delay 4000s is too large (at
 * most 3600s)", "loss 150% is out of range (0% to 100%)"), or -ENOMEM
 * (*ERR NULL). */
int constraint_set(struct constraint *c, enum constraint_key k,
		   const char *text, char **err);

/* Parse one word "KEY=VALUE" into C. *GIVEN (zero before the first word of
 * a block) holds the keys already given, as 1 << K: a key given twice is
 * "duplicate key 'loss'", delay with rtt "give 'delay' or 'rtt', not both".
 * An unknown key gets a did-you-mean. Returns as constraint_set. */
int constraint_parse_kv(struct constraint *c, const char *word,
			unsigned *given, char **err);

/* The dependencies of block C: 0, or -EINVAL with *BAD the first key that
 * lacks what it needs and *WHY a static message ("distribution needs
 * jitter", "correlation needs jitter", "loss_burst needs loss"). */
int constraint_check(const struct constraint *c, enum constraint_key *bad,
		     const char **why);

/* Check the values of C as if they had been written: each field it sets
 * must read back through constraint_set, and the dependencies hold. For
 * values read back from storage. Returns 0, or -EINVAL with *ERR
 * allocated, or -ENOMEM. */
int constraint_validate(const struct constraint *c, char **err);

/* Append the canonical text of C to SB: the fields it sets as KEY=VALUE
 * words separated by one blank, in the order delay jitter distribution
 * correlation loss loss_burst rate queue, times in us and rates in bit
 * (exact), percentages and loss_burst in the fewest digits that read back
 * the same double: "delay=25000us jitter=1500us loss=0.3% rate=100000000bit".
 * Reads back through constraint_parse_kv to the same block. Nothing is
 * appended for an empty block. */
void constraint_format(const struct constraint *c, struct strbuf *sb);

/* "none", "uniform", "normal", "pareto", "paretonormal" ("?" out of
 * range). */
const char *constraint_dist_name(enum jitter_dist d);

/* Overwrite the fields of P that C sets, and only those (`rtt` is already
 * the one-way delay). Applying the blocks of a pair in precedence order
 * onto a zeroed P resolves it. */
void constraint_apply(const struct constraint *c, struct link_params *p);

/* The block that gives exactly P's fields that are not zero (DIST_NONE
 * counts as zero): constraint_apply of it onto a zeroed link_params gives
 * P back. Dependencies are not implied: a resolved direction may keep a
 * distribution with no jitter. */
void constraint_of_params(const struct link_params *p, struct constraint *c);

#endif
