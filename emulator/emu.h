/* emu — the emulator context: one per enos process, passed to every
 * emulator call. It owns the netlink socket of the host namespace and a
 * handle on that namespace, so the emulator can step into a node's
 * namespace and back. No mutable globals: everything lives here.
 */
#ifndef EMULATOR_EMU_H
#define EMULATOR_EMU_H

struct emu;

/* Open a context in the calling thread's current network namespace.
 * Returns 0 and *OUT, or a negative errno. */
int emu_open(struct emu **out);

/* Release a context; accepts NULL. */
void emu_close(struct emu *emu);

#endif
