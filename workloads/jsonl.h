/* jsonl — the JSON-lines results of a workload a stack declares.
 *
 * A stack's workload is a program run in a node (workloads/README.md);
 * it reports each operation as one JSON object per line on its stdout:
 *
 *   {"op":"put","start":1733580000.123456,"duration_ms":1.93,"ok":true}
 *   {"op":"boot-delete","start":1733580001.5,"duration_ms":2470.2,
 *    "ok":false,"error":"timed out"}
 *   {"op":"nova.boot_server","start":1733580001.5,"duration_ms":1790,
 *    "ok":true,"iteration":7,"atomic":true}
 *
 * key          type                    struct wl_op
 * op           string, 1..63 bytes,    op
 *              no control characters
 * start        number >= 0             start (s since the epoch)
 * duration_ms  number >= 0             duration_ms
 * ok           true or false           ok
 * error        string or null;         error (NULL when null, "" or
 *              optional                absent); a non-empty error with
 *                                      "ok":true is a bad line
 * iteration    integer 0..4294967295;  iteration (0 when absent)
 *              optional
 * atomic       true or false;          atomic (false when absent); true
 *              optional                needs an iteration >= 1: the
 *                                      operation is a part of that
 *                                      iteration, as Rally's atomic actions
 *                                      are (workloads/rally.h)
 *
 * Any other key is a bad line (with a did-you-mean), so a misspelt
 * optional key is not silently lost. NaN and infinities are not JSON: a
 * line holding them is a bad line like any text that is not JSON.
 *
 * The parser is incremental: the runner feeds it bytes as they come out
 * of the pipe, in chunks that may split a line (or a UTF-8 character)
 * anywhere, and each complete line is emitted through the wl_emit_fn as
 * soon as its newline arrives. A last line without a newline is parsed by
 * wl_jsonl_finish().
 *
 * Bad lines never stop the run: one garbled line must not lose the
 * operations around it. Each is counted and handed to the caller's
 * wl_jsonl_bad_fn with its line number and a message
 *   LABEL:LINE: what is wrong: THE LINE
 * (LABEL:LINE:COL for text that is not JSON), the line shown whole with its
 * control bytes escaped (util/escape.h), for the runner to record. A bad
 * line is not made into a wl_op: it has no trustworthy name, start or
 * duration, and a made-up one would skew the per-operation figures.
 * Blank lines are skipped (but counted as lines).
 *
 * Memory is bounded: a line longer than WL_JSONL_LINE_MAX bytes is a bad
 * line (its first bytes are quoted) and the rest of it is discarded as it
 * arrives, never buffered.
 *
 * Never prints. Not thread-safe: one parser per stream.
 */
#ifndef WORKLOADS_JSONL_H
#define WORKLOADS_JSONL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"
#include "workloads/op.h"

/* Longest line, without its newline. */
#define WL_JSONL_LINE_MAX (64 * 1024)

/* Where a bad line goes: its 1-based number LINE and the message (borrowed
 * for the call). Returns 0 to go on, or a negative errno to stop the
 * parse (wl_jsonl_feed then returns that value). */
typedef int (*wl_jsonl_bad_fn)(void *arg, unsigned long line,
			       const char *msg);

struct wl_jsonl {
	/* Set by wl_jsonl_init(); LABEL (borrowed: it must outlive the
	 * parser) names the stream in messages, e.g. "central-2: stdout of
	 * 'kv-bench'". */
	const char *label;
	wl_emit_fn emit;
	wl_jsonl_bad_fn bad;            /* NULL: bad lines only counted */
	void *arg;                      /* passed to emit and bad */

	/* Counts, for the caller to read at any time. */
	unsigned long lines;            /* lines ended so far */
	unsigned long n_ops;            /* operations emitted */
	unsigned long n_bad;            /* bad lines */

	/* Private. */
	struct strbuf part;             /* the current line so far, at most
					 * WL_JSONL_LINE_MAX bytes */
	size_t part_len;                /* its length as received, which goes
					 * past part.len when it is too long */
	bool done;                      /* wl_jsonl_finish() was called */
};

/* Make P ready to parse a stream named LABEL: each operation goes to
 * EMIT(ARG, op), each bad line to BAD(ARG, line, msg). Nothing is
 * allocated until the first partial line. */
void wl_jsonl_init(struct wl_jsonl *p, const char *label, wl_emit_fn emit,
		   wl_jsonl_bad_fn bad, void *arg);

/* Parse the LEN bytes at DATA, which follow the bytes fed before: emit
 * every line they complete and keep the incomplete rest. Returns 0;
 * -ENOMEM; -EINVAL after wl_jsonl_finish(); or the negative errno with
 * which EMIT or BAD asked to stop (their own error, reported by them; the
 * rest of DATA is then dropped). Bad lines are not failures. */
int wl_jsonl_feed(struct wl_jsonl *p, const void *data, size_t len);

/* End of the stream: parse a last line that has no newline (a program
 * killed mid-line leaves a bad one). Returns as wl_jsonl_feed(). Further
 * feeds are refused. */
int wl_jsonl_finish(struct wl_jsonl *p);

/* Free what P holds; the counts stay readable. NULL is fine. */
void wl_jsonl_release(struct wl_jsonl *p);

#endif
