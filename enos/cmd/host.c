/* cmd_host — `enos host`: the host end of the enos host protocol
 * (enos/host.h, docs/HOST-PROTOCOL.md). The controlling enos runs it on
 * each host of a world over ssh and talks to it on stdin and stdout: one
 * request per line, one JSON reply per line, until EOF or `bye`.
 * Nothing else is written to stdout; errors of the command itself go to
 * stderr, which ssh carries back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/host.h"
#include "enos/host_part.h"

static int run_host(struct enos_ctx *ctx, const struct cmd_args *a)
{
	FILE *out = NULL;
	int fd, rc;

	(void)a;
	/* Replies go to the original stdout; anything else the code that
	 * builds a part prints goes to stderr, which ssh carries back, so a
	 * stray line can never be read as a reply. */
	fflush(stdout);
	fd = dup(STDOUT_FILENO);
	if (fd >= 0)
		out = fdopen(fd, "w");
	if (!out || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		cli_error("host protocol: %s", strerror(errno));
		return EXIT_FAIL;
	}
	rc = host_serve_with(stdin, out, host_part_serve, ctx);
	fclose(out);
	if (rc < 0 && rc != -EPIPE) {
		cli_error("host protocol: %s", strerror(-rc));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

const struct enos_cmd cmd_host = {
	.name = "host",
	.usage = "",
	.summary = "serve the enos host protocol on stdin and stdout (run by the controlling enos over ssh)",
	.help =
		"What the controlling enos runs on each host of a world spread over several, as\n"
		"'ssh -o BatchMode=yes HOST enos host'. Requests are lines on stdin (hello PROTOCOL,\n"
		"facts, up EXP LENGTH and its JSON body, down EXP TAG, state EXP TAG, rtt, bye),\n"
		"each answered by one line of JSON on stdout; docs/HOST-PROTOCOL.md describes them.\n"
		"Its part of a world is recorded in this host's state database (--db, $ENOS_DB).\n"
		"Protocol version: 2.\n",
	.min_args = 0,
	.max_args = 0,
	.run = run_host,
};
