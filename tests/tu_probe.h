/* tu_probe — what several system suites do to a WAN, written once:
 * - gateways on a WAN (a namespace with wan0, the veth's other end in a
 *   host namespace) and one TCP flow measured by iperf3 between two of
 *   them (sys_wand, sys_tunnel);
 * - the checks of a world `up` with the wand engine (sys_wan, sys_lan):
 *   `tc --test` within tu_tc_tolerance(), the engine killed and restarted
 *   by `tc`, `down` leaving nothing.
 * Check-based: fails the calling test. */
#ifndef TESTS_TU_PROBE_H
#define TESTS_TU_PROBE_H

/* A gateway namespace NS whose wan0 (address CIDR, "198.19.0.1/24") is a
 * veth whose other end PORT is in namespace HOST (NULL: the caller's), all
 * up, with TCP windows large enough for a Gbit/s flow. 0, or -1 (the
 * caller cleans up what was made). */
int tu_gateway_add(const char *host, const char *port, const char *ns,
		   const char *cidr);

/* One iperf3 flow for SECS from namespace SRC to ADDR, served by iperf3 in
 * namespace DST (port 5299): the receiver's bit/s from its JSON, or -1. */
double tu_iperf(const char *src, const char *dst, const char *addr, int secs);

/* `enos tc --test --json --samples SAMPLES --tolerance tu_tc_tolerance()`
 * on DB, with EXTRA ("--interval", "5") or NULL: its output (free it);
 * fails the test unless it exits 0. */
char *tu_tc_test(const char *db, const char *samples, const char *extra,
		 const char *extra_value);

/* SIGKILL the wand engine of experiment NAME in DB: its pid (the test
 * fails if it has none). */
int tu_engine_kill(const char *db, const char *name);

/* `enos tc` on DB restarts the engine of NAME that had pid OLD: a new
 * one is recorded. */
void tu_engine_restart(const char *db, const char *name, int old);

/* `enos down -n NAME` on DB: it succeeds, no namespace of NAME nor link
 * of TAG is left, and the engine NAME had (if any) is gone. */
void tu_down_clean(const char *db, const char *name, const char *tag);

#endif
