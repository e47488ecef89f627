/* traffic_ports — the ports a service instance's processes serve on
 * (see traffic_ports.c). */
#ifndef EMULATOR_TRAFFIC_PORTS_H
#define EMULATOR_TRAFFIC_PORTS_H

#include <stddef.h>
#include <sys/types.h>

/* A port a process tree serves on. */
struct traffic_port {
	int proto;                      /* 6 TCP, 17 UDP */
	int port;
};

/* The ports LEADER's tree (as proc_tree_mem counts it) serves on, each
 * once, into *OUT (*N; free() it): its TCP sockets in LISTEN and its bound
 * UDP sockets that are not connected. Sockets bound to a loopback address
 * only are left out: nothing reaches them from another node. 0, -ESRCH if
 * LEADER is gone, or -errno. */
int traffic_ports_of(pid_t leader, struct traffic_port **out, size_t *n);

#endif
