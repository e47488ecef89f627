/* traffic_ports — the ports a service instance serves on, so that the
 * traffic counted on a port can be named by the service listening on it
 * (enos/traffic.c; deploy.c records them once an instance is ready).
 *
 * Its process tree (proc_tree_pids: the leader, its session, and what
 * left the session) owns some sockets, whose inodes are the links of
 * /proc/PID/fd/N ("socket:[INODE]"); the tables of the tree's network
 * namespace (/proc/PID/net/{tcp,tcp6,udp,udp6}) say which of them listen
 * and where: `ss -tlnup` for those processes, without parsing ss.
 * Never prints.
 */
#include "emulator/traffic_ports.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emulator/proc.h"

struct inode_set {
	unsigned long long *v;
	size_t n, cap;
};

static int inode_add(struct inode_set *s, unsigned long long ino)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		unsigned long long *nv = realloc(s->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = nc;
	}
	s->v[s->n++] = ino;
	return 0;
}

static int ull_cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* The socket inodes among PID's descriptors (`ls -l /proc/PID/fd`,
 * "socket:[INODE]") into S. A process gone meanwhile adds none. */
static int socket_inodes(int pid, struct inode_set *s)
{
	char path[64], link[64];
	unsigned long long ino;
	struct dirent *de;
	ssize_t len;
	DIR *d;
	int rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)) && rc == 0) {
		if (de->d_name[0] == '.')
			continue;
		len = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%llu]", &ino) == 1)
			rc = inode_add(s, ino);
	}
	closedir(d);
	return rc;
}

/* Is the address of HEX (8 or 32 hex digits, as /proc/net/{tcp,udp}{,6}
 * prints it: 32-bit words in host order) a loopback address? */
static bool loopback(const char *hex)
{
	uint8_t b[16];
	size_t len = strlen(hex), w;
	char word[9];

	if (len != 8 && len != 32)
		return false;
	for (w = 0; w < len / 8; w++) {
		uint32_t v;

		memcpy(word, hex + 8 * w, 8);
		word[8] = '\0';
		v = (uint32_t)strtoul(word, NULL, 16);
		memcpy(b + 4 * w, &v, 4);
	}
	if (len == 8)
		return b[0] == 127;
	for (w = 0; w < 15 && b[w] == 0; w++)
		;
	if (w == 15 && b[15] == 1)
		return true;            /* ::1 */
	for (w = 0; w < 10 && b[w] == 0; w++)
		;
	return w == 10 && b[10] == 0xff && b[11] == 0xff && b[12] == 127;
}

/* Add (PROTO, PORT) to *OUT (*N, room *CAP) unless it is there. */
static int port_add(struct traffic_port **out, size_t *n, size_t *cap, int proto,
		    int port)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*out)[i].proto == proto && (*out)[i].port == port)
			return 0;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct traffic_port *nv = realloc(*out, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*out = nv;
		*cap = nc;
	}
	(*out)[(*n)++] = (struct traffic_port){ proto, port };
	return 0;
}

#define TCP_LISTEN 0x0A
#define TCP_CLOSE  0x07         /* an unconnected UDP socket */

/* The ports of the sockets INOS (sorted) in table FILE of PID's network
 * namespace ("tcp", "udp6", ...): TCP in LISTEN, UDP bound and not
 * connected, neither on loopback only. */
static int ports_in(int pid, const char *file, int proto,
		    const struct inode_set *inos, struct traffic_port **out,
		    size_t *n, size_t *cap)
{
	char path[64], line[512], local[40];
	unsigned long long ino;
	unsigned port, state;
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, file);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && rc == 0) {
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*s %39[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*u %*u %llu",
			   local, &port, &state, &ino) != 4)
			continue;       /* the header line */
		if (port == 0 || port > 65535 || loopback(local) ||
		    !bsearch(&ino, inos->v, inos->n, sizeof(ino), ull_cmp))
			continue;
		if (proto == 6 ? state != TCP_LISTEN : state != TCP_CLOSE)
			continue;
		rc = port_add(out, n, cap, proto, (int)port);
	}
	fclose(f);
	return rc;
}

int traffic_ports_of(pid_t leader, struct traffic_port **out, size_t *n)
{
	static const struct { const char *file; int proto; } tables[] = {
		{ "tcp", 6 }, { "tcp6", 6 }, { "udp", 17 }, { "udp6", 17 },
	};
	struct inode_set inos = { 0 };
	unsigned long long *nets = NULL, net;
	int *pids = NULL;
	size_t np = 0, i, k, t, n_nets = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = proc_tree_pids(leader, &pids, &np);
	if (rc < 0)
		return rc;
	nets = calloc(np ? np : 1, sizeof(*nets));
	if (!nets)
		rc = -ENOMEM;
	for (i = 0; i < np && rc == 0; i++)
		rc = socket_inodes(pids[i], &inos);
	/* No socket at all: nothing to sort (qsort wants an array). */
	if (rc == 0 && inos.n)
		qsort(inos.v, inos.n, sizeof(*inos.v), ull_cmp);
	/* Each network namespace of the tree once (a tree is in one). */
	for (i = 0; i < np && rc == 0 && inos.n; i++) {
		net = proc_netns_ino(pids[i]);
		for (k = 0; k < n_nets && nets[k] != net; k++)
			;
		if (!net || k < n_nets)
			continue;
		nets[n_nets++] = net;
		for (t = 0; t < sizeof(tables) / sizeof(tables[0]) && rc == 0; t++)
			rc = ports_in(pids[i], tables[t].file, tables[t].proto,
				      &inos, out, n, &cap);
	}
	if (rc) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	free(nets);
	free(inos.v);
	free(pids);
	return rc;
}
