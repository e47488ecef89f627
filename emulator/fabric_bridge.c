/* fabric_bridge — the Linux bridge fabric: each switch is a kernel bridge
 * in the host namespace made through link.c, and veths join it as they are
 * created (world.c passes the bridge as their master), so attaching is
 * not a separate step. The sweep itself is world.c's: bridges are links
 * named with the tag, deleted with the rest.
 */
#include "emulator/fabric.h"

#include <errno.h>

#include <netlink/route/link.h>

#include "emulator/emu.h"
#include "emulator/link.h"

/* `ip link add NAME type bridge` and up, for each of NAMES. */
static int bridge_bridges_add(struct emu *emu, const char *const *names,
			      size_t n)
{
	struct link_batch b;
	size_t i;
	int err = 0;

	link_batch_init(&b, emu_nl(emu));
	for (i = 0; i < n && err == 0; i++)
		err = link_bridge_add(&b, names[i]);
	if (err == 0)
		err = link_batch_flush(&b);
	else
		link_batch_flush(&b);
	return err;
}

/* `ip link set PORT master BRIDGE` for each of PORTS. */
static int bridge_ports_add(struct emu *emu, const struct fabric_port *ports,
			    size_t n)
{
	int master, slave;
	size_t i;
	int err = 0;

	for (i = 0; i < n && err == 0; i++) {
		err = link_index(emu_nl(emu), ports[i].bridge, &master);
		if (err == 0)
			err = link_index(emu_nl(emu), ports[i].port, &slave);
		if (err == 0)
			err = link_errno(rtnl_link_enslave_ifindex(emu_nl(emu),
								   master,
								   slave));
	}
	return err;
}

/* Bridges are links: world.c's sweep of the tag removes them. */
static int bridge_sweep(struct emu *emu, const char *tag)
{
	(void)emu;
	(void)tag;
	return 0;
}

static int bridge_leftovers(struct emu *emu, const char *tag)
{
	(void)emu;
	(void)tag;
	return 0;
}

const struct fabric_ops fabric_bridge_ops = {
	.name = "bridge",
	.master_at_create = true,
	.ns_tx_csum_off = false,
	.bridges_add = bridge_bridges_add,
	.ports_add = bridge_ports_add,
	.sweep = bridge_sweep,
	.leftovers = bridge_leftovers,
};
