/* shape_wand — the "wand" shaping backend: the WAN is the wand engine
 * (emulator/wand*.c) switching between the gateways' WAN ports, driven
 * over its control socket at wand_ctl_path(). Starting the engine is the
 * caller's job (wand_spawn with the enos binary); these operations only
 * talk to a running one and return -ENOTCONN when none answers.
 */
#include <errno.h>

#include "emulator/shape.h"
#include "emulator/wand.h"

/* The engine's socket path for W into BUF, and whether it answers. */
static int engine(const struct world *w, char *buf, size_t len)
{
	int rc = wand_ctl_path(w, buf, len);

	if (rc)
		return rc;
	return wand_ping(buf) == 0 ? 0 : -ENOTCONN;
}

static int wand_apply(struct emu *emu, const struct world *w,
		      const struct shape_table *t)
{
	char path[128];
	int rc = engine(w, path, sizeof(path));
	(void)emu;

	if (rc)
		return rc;
	if (!t || t->n != w->n_sites)
		return -EINVAL;
	return wand_apply_table(path, t);
}

static int wand_set(struct emu *emu, const struct world *w,
		    const struct shape_table *t, size_t src, size_t dst)
{
	char path[128];
	int rc = engine(w, path, sizeof(path));
	(void)emu;

	if (rc)
		return rc;
	if (!t || src >= t->n || dst >= t->n || src == dst)
		return -EINVAL;
	return wand_set_pair(path, src, dst, shape_at(t, src, dst),
			     t->cut[src * t->n + dst]);
}

static int wand_reset_all(struct emu *emu, const struct world *w)
{
	char path[128];
	int rc = engine(w, path, sizeof(path));
	(void)emu;

	if (rc)
		return rc;
	return wand_reset(path);
}

const struct shape_ops shape_wand_ops = {
	"wand", wand_apply, wand_set, wand_reset_all,
};
