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

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/host.h"

static int run_host(struct enos_ctx *ctx, const struct cmd_args *a)
{
	int rc = host_serve(stdin, stdout);

	(void)ctx;
	(void)a;
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
		"facts, bye), each answered by one line of JSON on stdout; docs/HOST-PROTOCOL.md\n"
		"describes them. Protocol version: 1.\n",
	.min_args = 0,
	.max_args = 0,
	.run = run_host,
};
