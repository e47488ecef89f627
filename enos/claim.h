/* claim — which state database owns an experiment name on this host.
 *
 * Namespaces (enos.EXP.*), links and bridges (the experiment's tag, made
 * from its name), the engine's run directory (/run/enos/EXP) are named on
 * the whole host, while experiments are recorded per state database and
 * locked per database (phase_lock()). So the first database to build EXP
 * claims the name host-wide: CLAIM_DIR/EXP holds that database's absolute
 * path until its `down` of EXP succeeds. Another database's `up` or `down`
 * of EXP is refused (it would collide with, or sweep, the first one's
 * world) and told which database owns it. A claim whose database no longer
 * exists is stale and taken over. /run is a tmpfs: claims go with a reboot,
 * as the namespaces do.
 *
 * The directory is a parameter so that unit tests need no root; enos
 * passes CLAIM_DIR. Each call holds an flock on the claim file while it
 * reads and writes it.
 */
#ifndef ENOS_CLAIM_H
#define ENOS_CLAIM_H

#include <stdbool.h>
#include <stddef.h>

#define CLAIM_DIR "/run/enos/.claims"

/* Claim NAME in DIR for the database DB (an absolute path): with TAKE,
 * record DB when NAME is free or stale; without, only look. Returns 0
 * when NAME is DB's (or free, or stale: then taken if TAKE), -EBUSY with
 * OWNER (LEN bytes) the other database's path, or -errno. DIR is made
 * (0700) when missing. */
int claim_take(const char *dir, const char *name, const char *db, bool take,
	       char *owner, size_t len);

/* Give NAME's claim in DIR up if DB holds it: 0 (also when it is free or
 * another database's), or -errno. */
int claim_release(const char *dir, const char *name, const char *db);

#endif
