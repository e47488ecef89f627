/* wand — the userspace WAN engine: one daemon per experiment that IS the WAN
 * switch between the sites' gateways.
 *
 * The kernel here has no sch_netem, so when world.wan_mode says "wand" the
 * host ends of the gateways' wan0 veths are on no bridge: the engine
 * (emulator/wand_engine.c) opens an AF_PACKET socket on each (port i =
 * site i), learns source MACs like an L2 switch, and forwards every frame
 * to the destination site's port after that ordered pair's delay, jitter,
 * loss, rate and partition (emulator/shape.h's struct link_params).
 * emulator/shape_wand.c is the wand shaping backend: it starts the engine
 * (wand_spawn, as `enos wand-engine`: enos/cmd/wand-engine.c), stops it, and
 * drives it through the control socket.
 *
 * Control protocol. A UNIX stream socket, 0600 in a 0700 directory, that
 * accepts a peer only if it is root or the engine's own user
 * (SO_PEERCRED: a refused one gets "error permission denied ..." and is
 * closed); requests are text lines of at
 * most WAND_LINE_MAX bytes and WAND_CTL_ARGS words (a longer line closes
 * the connection), dispatched by name from one table (wand_engine.c
 * ctl_cmds: name, how many words follow, function); every reply is one
 * line "ok ..." or "error MESSAGE", except `stats` whose "ok" line is
 * followed by data lines and a final "end". Sites are port indexes.
 *   ping                          -> ok pong
 *   info                          -> ok ports=N seed=S traced=K
 *                                 trace_start=US (K directions follow a
 *                                 trace, started at US, CLOCK_REALTIME
 *                                 microseconds; 0 when K is 0)
 *   reseed SEED                   -> ok seed=S: every pair's loss and
 *                                 jitter draws start again from SEED
 *                                 (each ordered pair has its own stream,
 *                                 so the Kth frame a pair carries after a
 *                                 reseed meets the same draws whatever
 *                                 else crosses the WAN)
 *   set SRC DST [KEY=VALUE ...]   replace one direction's parameters; keys
 *                                 not given are zero (a plain wire)
 *   get SRC DST                   -> ok KEY=VALUE ... cut=0|1 (the keys
 *                                 that are not zero)
 *   table N                       then N lines "SRC DST [KEY=VALUE ...]":
 *                                 the whole WAN at once; pairs not listed
 *                                 become plain wires, nothing stays cut
 *                                 unless a line says cut=1. Atomic: on a
 *                                 bad line nothing changes ("error line
 *                                 K: ..." after all N lines were read)
 *                                 A table ends every trace.
 *   trace SRC DST N START_US LOOP FIELDS
 *                                 then N lines "AT_US [delay=Xus]
 *                                 [loss=Y%]": direction SRC -> DST
 *                                 follows these steps (emulator/trace.h)
 *                                 from START_US (CLOCK_REALTIME us; the
 *                                 engine keeps the instant on its
 *                                 CLOCK_MONOTONIC), each step's values
 *                                 in force from its AT_US (0 first, then
 *                                 increasing) until the next; LOOP 1:
 *                                 again after the last, whose length is
 *                                 the interval before it; FIELDS "delay",
 *                                 "loss" or "delay,loss": what the steps
 *                                 set, the rest of the direction staying
 *                                 as `table`/`set` made it. The engine
 *                                 advances every traced direction by its
 *                                 own clock (its timer fires at the next
 *                                 step). Atomic like table ("error line
 *                                 K: ..."). `trace SRC DST 0` ends it;
 *                                 `set` on the direction, `table` and
 *                                 `reset` end it too
 *   cut SRC DST / uncut SRC DST   drop everything SRC -> DST, or stop
 *   partition A,B,... / C,D,...   cut every pair between the two groups,
 *                                 both ways
 *   heal                          uncut every pair
 *   reset                         every pair a plain wire, nothing cut
 *                                 (and every site LAN)
 *   lan SITE [KEY=VALUE ...]      -> ok ports=N: the LAN of SITE (the
 *                                 LAN ports the engine was started with
 *                                 for it) gets these parameters, keys not
 *                                 given zero; each frame meets them once,
 *                                 on its way out to the LAN port it is
 *                                 for, so between any two hosts of the
 *                                 site the delay is one-way delay (no
 *                                 cut; "error site S has no LAN ports")
 *   stats                         -> ok stats ports=N pairs=M, N lines
 *       "port I rx=F rx_bytes=B tx=F tx_bytes=B tx_errors=E rx_nobuf=E",
 *       M lines "pair S D frames=F bytes=B loss=L queue=Q cut=C nobuf=X
 *       qlen=N" (pairs that ever saw a frame), then "end"
 *   traffic                       -> ok traffic sites=N entries=M
 *       lost_packets=P lost_bytes=B lost_payload=L, then M lines
 *       "S D PROTO PORT packets=P bytes=B payload=L": what crossed S -> D
 *       since the last reset, per IP protocol and service port (port 0:
 *       other; protocol 0: not IP, or the pair's overflow bucket), then
 *       "end" (emulator/traffic.h says what is counted, and how)
 *   traffic reset                 zero the counters
 *   traffic on / traffic off      count, or not (on from the start): the
 *                                 switch bench-wan measures the cost with
 *   quit                          -> ok bye, and the engine exits
 * Several hosts. When a world spans hosts every host runs its own engine
 * over the same site indexes (the controller sends every engine the same
 * table). A site whose gateway is elsewhere has no port here (ports[i]
 * NULL; on the command line `-`); the engine opens CFG->tunnel as one
 * more packet socket instead. A frame from a local port to a remote site's
 * gateway is shaped by that pair (delay, loss, rate, cut: at the sender,
 * once) and written to the tunnel; a frame arriving from the tunnel is
 * forwarded to the local port of its destination unshaped (the sender's
 * engine shaped it), broadcasts to every local port, never back into the
 * tunnel. Which remote site a MAC belongs to is known from the start: a
 * spread world's gateways have the MACs of their addresses
 * (addr_wan_mac, emulator/addr.h; world.c sets them), so a restarted
 * engine shapes the first frame to a remote gateway. It is also learned
 * from ARP arriving through the tunnel (a gateway's ARP carries its WAN
 * transit address addr_wan(site), so sender MAC -> site). A frame to an
 * unknown MAC is flooded: one unshaped copy to the tunnel. `info` says
 * remote=R tunnel=NAME.
 * Keys: the constraint language's (emulator/constraint.h), in its
 * canonical text: delay=25000us jitter=1500us distribution=normal
 * correlation=25% loss=0.3% loss_burst=4 rate=100000000bit queue=1000
 * (times in us and rates in bit/s of Ethernet frame bytes, exact; loss is
 * of wire packets; loss_burst > 1 selects Gilbert-Elliott; no queue:
 * WAND_QUEUE_DEFAULT); and the protocol's own cut=0|1. Changes apply live:
 * frames already queued keep their release times.
 */
#ifndef EMULATOR_WAND_H
#define EMULATOR_WAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "emulator/shape.h"
#include "emulator/traffic.h"
#include "emulator/world.h"

#define WAND_QUEUE_DEFAULT 1000        /* rate queue bound, packets */
#define WAND_MAX_PORTS     1024

/* Error returned by wand_spawn() when the engine died before answering:
 * -(WAND_EEXITED + code), code being its exit status, or 128 + signal;
 * the convention of shape_ops.start (shape.h). */
#define WAND_EEXITED SHAPE_EEXITED

/* The exit code inside an error of wand_spawn(), or -1 if ERR is another
 * error. */
static inline int wand_exit_code(int err)
{
	return shape_exit_code(err);
}

struct wand_config {
	const char *ctl_path;           /* control socket to create */
	const char *log_path;           /* append-only log file, or NULL */
	uint64_t seed;                  /* of the loss/jitter draws (reseed) */
	const char *const *ports;       /* host ifnames, one per site index;
					 * NULL: the site's gateway is on
					 * another host, behind TUNNEL */
	size_t n_ports;
	/* The site LANs the engine is the switch of (a site whose `lan` it
	 * shapes, see `lan` above): host ifnames (the site's nodes' and its
	 * gateway's LAN host ends) and the site index of each. The engine
	 * gets them as words "SITE:IFNAME" after the WAN ports. */
	const char *const *lan_ports;
	const size_t *lan_sites;
	size_t n_lan_ports;
	/* The VXLAN device joining this host's WAN part to the others'
	 * (emulator/tunnel.h: TAG "x"), or NULL on one host. See "Several
	 * hosts" above. */
	const char *tunnel;
	int rt_priority;                /* SCHED_FIFO priority of the engine
					 * (1 .. 99), 0: ordinary scheduling.
					 * Its loop blocks between deadlines,
					 * so this only makes its wake-ups
					 * preempt other work on the CPU. */
};

/* Run the engine: open every port, listen on CFG->ctl_path (replacing a
 * stale socket file), forward until `quit` or SIGTERM/SIGINT. Blocks those
 * signals in the calling thread while it runs (and restores the mask).
 * Never prints; logs to CFG->log_path if set. Removes the socket file on
 * return. Returns 0 after a clean stop or -errno if it could not start. */
int wand_run(const struct wand_config *cfg);

/* The control socket path of world W: "/run/enos/<w->name>/wand.sock"
 * into BUF. Returns 0, or -ENAMETOOLONG if it does not fit in BUF or in a
 * sockaddr_un. */
int wand_ctl_path(const struct world *w, char *buf, size_t len);

/* Start the engine as `EXE wand-engine --ctl PATH --seed N [--log PATH]
 * [--rt PRIO] -- PORT...` (EXE: the enos binary, e.g. /proc/self/exe), in its own
 * session with stdio on /dev/null, after making the control socket's
 * directory 0700 (an existing one must be ours and no link: -ENOTDIR,
 * -EPERM). The engine makes the socket 0600 and accepts only root's
 * connections (SO_PEERCRED); its log is 0600. Waits (about 5 s at most) until it answers `ping`. Returns 0
 * with *PID set; -(WAND_EEXITED + code) if it exited first (it is reaped);
 * -ETIMEDOUT if it never answered (it is stopped); -EADDRINUSE if an
 * engine already answers on CFG->ctl_path; or another -errno. */
int wand_spawn(const char *exe, const struct wand_config *cfg, pid_t *pid);

/* Stop engine PID: SIGTERM, wait up to 2 s, then SIGKILL. Signals it only
 * if /proc/PID/cmdline shows a wand-engine process (a recycled pid is left
 * alone). Already gone is success. Returns 0 or -errno. */
int wand_stop(pid_t pid);

/* Client side. Each call opens a connection to CTL_PATH, sends one
 * request, reads the reply and closes; they return 0, -ENOENT/-ECONNREFUSED
 * if no engine listens, -ETIMEDOUT, -EPROTO for an unreadable reply, or
 * -EINVAL for an "error" reply or bad arguments. */

/* Connect to the control socket (5 s send/receive timeouts). *FD is the
 * caller's to close. */
int wand_client_connect(const char *ctl_path, int *fd);

/* Send REQ (LEN bytes, one or more lines) and read one reply (through
 * "end" if it is multi-line). *REPLY (may be NULL) receives it allocated,
 * NUL-terminated, also when the engine answered "error". */
int wand_request(const char *ctl_path, const char *req, size_t len,
		 char **reply);

int wand_ping(const char *ctl_path);

/* Start every pair's loss and jitter draws again from SEED (`reseed`). */
int wand_reseed(const char *ctl_path, uint64_t seed);

/* Replace the whole WAN with T (t->n must equal the engine's ports). */
int wand_apply_table(const char *ctl_path, const struct shape_table *t);

/* Make direction SRC -> DST follow ST's trace (its delay and/or loss, as
 * ST says) from START_US (CLOCK_REALTIME, us): one `trace` request with
 * every step. The direction's other fields stay as the table set them. */
int wand_apply_trace(const char *ctl_path, size_t src, size_t dst,
		     const struct shape_trace *st, uint64_t start_us);

/* The start of the traces the engine replays (`info`), 0 if none. */
int wand_trace_start(const char *ctl_path, uint64_t *start_us);

/* Replace one direction SRC -> DST with P, cut or not. */
int wand_set_pair(const char *ctl_path, size_t src, size_t dst,
		  const struct link_params *p, bool cut);

int wand_cut(const char *ctl_path, size_t src, size_t dst, bool cut);

/* Make site SITE's LAN (served by the engine) what P says (`lan`). */
int wand_lan_set(const char *ctl_path, size_t site,
		 const struct link_params *p);

/* Cut every pair between groups A[0..NA) and B[0..NB), both ways. */
int wand_partition(const char *ctl_path, const size_t *a, size_t na,
		   const size_t *b, size_t nb);
int wand_heal(const char *ctl_path);
int wand_reset(const char *ctl_path);

struct wand_port_stats {
	uint64_t rx_frames, rx_bytes;
	uint64_t tx_frames, tx_bytes, tx_errors;
	uint64_t rx_nobuf;              /* dropped: no free frame buffer */
};

struct wand_pair_stats {
	uint64_t frames, bytes;         /* forwarded wire packets/frames */
	uint64_t drop_loss, drop_queue, drop_cut, drop_nobuf;
	uint64_t qlen;                  /* frames waiting now */
};

struct wand_stats {
	size_t n_ports;
	struct wand_port_stats *ports;  /* n_ports */
	struct wand_pair_stats *pairs;  /* n_ports * n_ports, src * n + dst */
};

/* Fetch the counters. *OUT is allocated; free with wand_stats_free. */
int wand_stats(const char *ctl_path, struct wand_stats **out);
void wand_stats_free(struct wand_stats *s);

/* The traffic counters into *T (initialised here, finished: sorted and
 * merged; release it with traffic_table_release, also after a failure). */
int wand_traffic(const char *ctl_path, struct traffic_table *t);
/* Zero them. */
int wand_traffic_reset(const char *ctl_path);
/* Count (ON) or stop counting; the counts stay. */
int wand_traffic_switch(const char *ctl_path, bool on);

#endif
