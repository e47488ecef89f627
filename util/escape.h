/* escape — text from outside made safe to show in a message.
 *
 * What a workload prints, what a results file holds, is hostile: a line
 * quoted whole in an error message must not move a terminal's cursor or
 * break the one-line message it is part of. Used by workloads/jsonl.c and
 * workloads/rally.c to quote what they reject, and by the matrix reader
 * (enos/matrix.c, enos/topo_network.c) to quote cells, names and paths.
 */
#ifndef UTIL_ESCAPE_H
#define UTIL_ESCAPE_H

#include <stddef.h>

struct strbuf;

/* Append DATA[0..LEN) to SB with every byte that is not printable text
 * escaped: \n, \r and \t as such, other C0 controls, DEL and bytes that are
 * not part of valid UTF-8 as \xNN, and the C1 controls U+0080..U+009F (in
 * UTF-8, C2 80..C2 9F) as \u0080..\u009f. Everything else, backslashes
 * included, is copied: the result is for reading, not for undoing. Returns
 * 0 or SB's error. */
int escape_ctl(struct strbuf *sb, const void *data, size_t len);

/* DATA[0..LEN) escaped as escape_ctl() does, whole, as a new string (free()
 * it); NULL when out of memory. For quoting a value from a file in a
 * message: what the user must fix is shown entire, and cannot drive the
 * terminal. */
char *escape_dup(const void *data, size_t len);

#endif
