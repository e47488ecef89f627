/* suggest — "did you mean" for misspelt keys, values and names.
 *
 * Used by topo.c for unknown keys, enum values (role, backend, fabric,
 * shaping, fault action) and site names in selectors; usable by the command
 * table for misspelt commands. Pure computation.
 */
#ifndef UTIL_SUGGEST_H
#define UTIL_SUGGEST_H

#include <stddef.h>

/* Longest word compared; longer words never get a suggestion. */
#define SUGGEST_MAX_LEN 64

/* Edit distance between A and B counting insertions, deletions,
 * substitutions and swaps of adjacent characters (optimal string alignment),
 * or SIZE_MAX if either is longer than SUGGEST_MAX_LEN. */
size_t suggest_distance(const char *a, const char *b);

/* The candidate among CANDS[0..N) closest to WORD when it is close enough to
 * be a typo (distance at most 2 and at most half the candidate's length),
 * else NULL. Ties go to the earlier candidate. Returns one of CANDS. */
const char *suggest_closest(const char *word, const char *const *cands,
			    size_t n);

#endif
