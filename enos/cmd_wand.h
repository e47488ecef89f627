/* cmd_wand — `enos wand-engine`, the hidden command that runs the wand
 * WAN engine (emulator/wand.h) in the process wand_spawn() started.
 */
#ifndef ENOS_CMD_WAND_H
#define ENOS_CMD_WAND_H

struct enos_ctx;

/* enos wand-engine --ctl PATH --seed N [--log PATH] [--rt PRIO] [--] PORT...
 * Runs until `quit` or SIGTERM. Returns EXIT_OK, EXIT_FAIL (the engine
 * could not start; the reason goes to stderr and the log) or EXIT_USAGE. */
int cmd_wand_engine(struct enos_ctx *ctx, int argc, char **argv);

#endif
