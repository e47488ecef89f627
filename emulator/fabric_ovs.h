/* fabric_ovs — Open vSwitch as the fabric; see fabric_ovs.c for why it
 * speaks through ovs-vsctl and ovs-ofctl.
 *
 * Besides fabric_ovs_ops this exports what enos/ needs around it: the
 * daemons (found through their pid files, started and stopped by pid),
 * partition drop rules, and the command rendering the unit tests compare.
 */
#ifndef EMULATOR_FABRIC_OVS_H
#define EMULATOR_FABRIC_OVS_H

#include <stddef.h>

#include "emulator/addr.h"
#include "emulator/fabric.h"

#define FABRIC_OVS_DB       "ovsdb-server"
#define FABRIC_OVS_SWITCHD  "ovs-vswitchd"

/* A command line being built: argv[0..n) strdup'ed, argv[n] NULL. */
struct fabric_cmd {
	char **argv;
	size_t n, cap;
	int err;                /* first allocation failure, -ENOMEM */
};

/* Release C's strings (C itself is the caller's); accepts NULL. */
void fabric_cmd_release(struct fabric_cmd *c);

/* C as one shell-like line into BUF (LEN bytes; truncated if longer). */
const char *fabric_cmd_render(const struct fabric_cmd *c, char *buf,
			      size_t len);

/* "netdev" when the kernel has no openvswitch datapath, else "system". */
const char *fabric_ovs_datapath(void);

/* The commands the ops run, into *C (initialised empty by the caller):
 *   ovs-vsctl --timeout=10 --no-wait -- --may-exist add-br B
 *     -- set bridge B datapath_type=DP ...        (one per name)
 *   ovs-vsctl --timeout=30 -- --may-exist add-port B P ...
 *   ovs-vsctl --timeout=30 [--no-wait] -- --if-exists del-br B ...
 * Return 0 or -ENOMEM. */
int fabric_ovs_bridges_cmd(struct fabric_cmd *c, const char *const *names,
			   size_t n, const char *datapath);
int fabric_ovs_ports_cmd(struct fabric_cmd *c,
			 const struct fabric_port *ports, size_t n);
int fabric_ovs_del_cmd(struct fabric_cmd *c, const char *const *names,
		       size_t n, int wait);

/* `ovs-vsctl --timeout=30 -- --if-exists del-port PORT` into *C: what
 * fabric_ovs_ops.port_del runs. Returns 0 or -ENOMEM. */
int fabric_ovs_port_del_cmd(struct fabric_cmd *c, const char *port);

/* The flow table that drops IPv4 to each of DSTS[0..N) and switches the
 * rest, as `ovs-ofctl replace-flows BRIDGE -` reads it: *TEXT allocated
 * (free()). Returns 0 or -ENOMEM. */
int fabric_ovs_flows_text(const struct prefix *dsts, size_t n, char **text);

/* `ovs-ofctl --timeout=10 replace-flows BRIDGE -` fed the flows above:
 * install exactly those drop rules on BRIDGE (N 0: none, a plain
 * switch). Returns 0 or -errno (-EIO if ovs-ofctl failed). */
int fabric_ovs_drops(const char *bridge, const struct prefix *dsts,
		     size_t n);

/* The pid of the running DAEMON (FABRIC_OVS_DB or FABRIC_OVS_SWITCHD)
 * from its pid file under /var/run/openvswitch, if that process lives and
 * its command line names DAEMON; else 0. */
int fabric_ovs_running(const char *daemon);

/* Start DAEMON detached, as the Debian init script would:
 *   ovsdb-tool create /etc/openvswitch/conf.db \
 *       /usr/share/openvswitch/vswitch.ovsschema     (if there is no db)
 *   ovsdb-server /etc/openvswitch/conf.db \
 *       --remote=punix:/var/run/openvswitch/db.sock --pidfile --detach \
 *       --log-file && ovs-vsctl --no-wait init
 *   ovs-vswitchd unix:/var/run/openvswitch/db.sock --pidfile --detach \
 *       --log-file
 * Both return once the daemon serves. *PID is its pid. Returns 0 or
 * -errno (-EIO: the command failed, see /var/log/openvswitch). */
int fabric_ovs_start(const char *daemon, int *pid);

/* Stop DAEMON's process PID (SIGTERM, then SIGKILL after 5 s) if PID is
 * alive and its command line names DAEMON; PID 0 or less: the pid in the
 * pid file. Gone already, or another program now, is success. */
int fabric_ovs_stop(const char *daemon, int pid);

#endif
