/* agent — the exec protocol of qemu nodes over virtio-serial, both ends;
 * see agent.h for the frames. The host end (agent_exec) is a client of
 * the UNIX socket libvirt binds for the node's port; the guest end
 * (agent_serve) runs in the static enos-agent binary, so this file uses
 * nothing but libc.
 */
#include "emulator/agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#define AGENT_PROBE_MS  200     /* between probes while the guest boots */
#define AGENT_IDLE_MS   50      /* guest: recheck a port with no host */
#define AGENT_CHUNK     4096

/* Frames as they come in on one descriptor. */
struct frame_reader {
	int fd;
	size_t len;             /* bytes in buf */
	size_t used;            /* bytes of buf already handed out */
	unsigned char buf[AGENT_HDR_LEN + AGENT_MAX_PAYLOAD];
};

void agent_frame_header(unsigned char hdr[AGENT_HDR_LEN], int type,
			uint32_t len)
{
	hdr[0] = (unsigned char)type;
	hdr[1] = (unsigned char)(len >> 24);
	hdr[2] = (unsigned char)(len >> 16);
	hdr[3] = (unsigned char)(len >> 8);
	hdr[4] = (unsigned char)len;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_frame(int fd, int type, const void *payload, size_t len)
{
	unsigned char hdr[AGENT_HDR_LEN];
	int err;

	if (len > AGENT_MAX_PAYLOAD)
		return -E2BIG;
	agent_frame_header(hdr, type, (uint32_t)len);
	err = write_all(fd, hdr, sizeof(hdr));
	if (err == 0 && len)
		err = write_all(fd, payload, len);
	return err;
}

int agent_argv_encode(char *const argv[], char *buf, size_t len)
{
	size_t used = 0, n;
	int i;

	for (i = 0; argv && argv[i]; i++) {
		n = strlen(argv[i]) + 1;
		if (n > len - used || used + n > AGENT_MAX_PAYLOAD)
			return -E2BIG;
		memcpy(buf + used, argv[i], n);
		used += n;
	}
	return (int)used;
}

/* Drop the frames handed out, keeping what follows them. */
static void reader_compact(struct frame_reader *r)
{
	if (r->used == 0)
		return;
	memmove(r->buf, r->buf + r->used, r->len - r->used);
	r->len -= r->used;
	r->used = 0;
}

/* The next complete frame of R: 1 with *TYPE, *PAYLOAD (into R) and
 * *PLEN; 0 if none is complete yet; -EPROTO for a length over the limit. */
static int reader_next(struct frame_reader *r, int *type,
		       const unsigned char **payload, size_t *plen)
{
	const unsigned char *p = r->buf + r->used;
	size_t avail = r->len - r->used;
	uint32_t len;

	if (avail < AGENT_HDR_LEN)
		return 0;
	len = get_be32(p + 1);
	if (len > AGENT_MAX_PAYLOAD)
		return -EPROTO;
	if (avail < AGENT_HDR_LEN + len)
		return 0;
	*type = p[0];
	*payload = p + AGENT_HDR_LEN;
	*plen = len;
	r->used += AGENT_HDR_LEN + len;
	return 1;
}

/* Read what R's descriptor has, waiting up to TIMEOUT_MS (-1: forever).
 * Returns the bytes read, 0 at end of file, -ETIMEDOUT or -errno. */
static int reader_fill(struct frame_reader *r, int timeout_ms)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	ssize_t n;
	int k;

	reader_compact(r);
	if (r->len == sizeof(r->buf))
		return -EPROTO;
	do
		k = poll(&pfd, 1, timeout_ms);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return -errno;
	if (k == 0)
		return -ETIMEDOUT;
	do
		n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	r->len += (size_t)n;
	return (int)n;
}

/* Connect to the UNIX socket PATH, retrying until DEADLINE (ms) while
 * it does not exist or does not listen yet. Returns the fd or -errno. */
static int connect_until(const char *path, int64_t deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		err = -errno;
		close(fd);
		if (err != -ENOENT && err != -ECONNREFUSED)
			return err;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;      /* not "no such program" */
		usleep(AGENT_PROBE_MS * 1000);
	}
}

/* Probe until the agent says hello or DEADLINE (ms) passes. */
static int await_hello(struct frame_reader *r, int64_t deadline)
{
	const unsigned char *payload;
	size_t plen;
	int type, err;

	for (;;) {
		int64_t left = deadline - now_ms();

		if (left <= 0)
			return -ETIMEDOUT;
		err = send_frame(r->fd, AGENT_PROBE, NULL, 0);
		if (err < 0)
			return err;
		err = reader_fill(r, left < AGENT_PROBE_MS ? (int)left :
				  AGENT_PROBE_MS);
		if (err == 0)
			return -EPIPE;
		if (err < 0 && err != -ETIMEDOUT)
			return err;
		while ((err = reader_next(r, &type, &payload, &plen)) > 0)
			if (type == AGENT_HELLO)
				return 0;
		if (err < 0)
			return err;
	}
}

/* Relay the answer to a request until its status or error frame. */
static int relay(struct frame_reader *r, int out_fd, int err_fd,
		 int *status)
{
	const unsigned char *payload;
	size_t plen;
	int type, err;

	for (;;) {
		err = reader_fill(r, -1);
		if (err == 0)
			return -EPIPE;
		if (err < 0)
			return err;
		while ((err = reader_next(r, &type, &payload, &plen)) > 0) {
			switch (type) {
			case AGENT_STDOUT:
				/* A closed stdout must not stop the command. */
				(void)write_all(out_fd, payload, plen);
				break;
			case AGENT_STDERR:
				(void)write_all(err_fd, payload, plen);
				break;
			case AGENT_STATUS:
				if (plen != 4)
					return -EPROTO;
				*status = (int)get_be32(payload);
				return 0;
			case AGENT_ERROR:
				if (plen != 4)
					return -EPROTO;
				err = (int)get_be32(payload);
				return err > 0 ? -err : -EIO;
			default:
				break;  /* hellos answering extra probes */
			}
		}
		if (err < 0)
			return err;
	}
}

int agent_exec(const char *sock_path, char *const argv[], int out_fd,
	       int err_fd, int wait_ms, int *status)
{
	int64_t deadline = now_ms() + wait_ms;
	struct frame_reader *r = NULL;
	char *req = NULL;
	int len, err;

	*status = -1;
	if (!argv || !argv[0]) {
		err = -EINVAL;
		goto out;
	}
	r = calloc(1, sizeof(*r));
	req = malloc(AGENT_MAX_PAYLOAD);
	if (!r || !req) {
		err = -ENOMEM;
		goto out;
	}
	r->fd = -1;
	len = agent_argv_encode(argv, req, AGENT_MAX_PAYLOAD);
	if (len < 0) {
		err = len;
		goto out;
	}
	err = connect_until(sock_path, deadline);
	if (err < 0)
		goto out;
	r->fd = err;
	err = await_hello(r, deadline);
	if (err == 0)
		err = send_frame(r->fd, AGENT_EXEC, req, (size_t)len);
	if (err == 0)
		err = relay(r, out_fd, err_fd, status);
out:
	if (r && r->fd >= 0)
		close(r->fd);
	free(r);
	free(req);
	return err;
}

int agent_ready(const char *sock_path, int wait_ms)
{
	int64_t deadline = now_ms() + wait_ms;
	struct frame_reader *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->fd = -1;
	err = connect_until(sock_path, deadline);
	if (err < 0)
		goto out;
	r->fd = err;
	err = await_hello(r, deadline);
out:
	if (r->fd >= 0)
		close(r->fd);
	free(r);
	/* A guest still booting: its port may hang up on a probe. */
	return err == 0 ? 1 : err == -ETIMEDOUT || err == -EPIPE ||
	       err == -ECONNRESET ? 0 : err;
}

int agent_port_find(const char *name, char *buf, size_t len)
{
	const char *base = "/sys/class/virtio-ports";
	char path[512], got[128];
	struct dirent *de;
	int err = -ENOENT;
	DIR *d = opendir(base);

	while (d && (de = readdir(d)) != NULL) {
		FILE *f;
		size_t n;

		if (de->d_name[0] == '.' ||
		    snprintf(path, sizeof(path), "%s/%s/name", base,
			     de->d_name) >= (int)sizeof(path))
			continue;
		f = fopen(path, "re");
		if (!f)
			continue;
		n = fread(got, 1, sizeof(got) - 1, f);
		fclose(f);
		got[n] = '\0';
		got[strcspn(got, "\n")] = '\0';
		if (strcmp(got, name) == 0 &&
		    snprintf(buf, len, "/dev/%s", de->d_name) < (int)len) {
			err = 0;
			break;
		}
	}
	if (d)
		closedir(d);
	return err;
}

/* The argv of an exec payload, NULL-terminated, pointing into PAYLOAD
 * (copied into a NUL-terminated block BLOCK of PLEN + 1 bytes).
 * Returns the allocated array or NULL. */
static char **argv_decode(const unsigned char *payload, size_t plen,
			  char *block)
{
	size_t n = 0, i, k = 0;
	char **argv;

	if (plen == 0 || payload[plen - 1] != '\0')
		return NULL;
	memcpy(block, payload, plen);
	block[plen] = '\0';
	for (i = 0; i < plen; i++)
		n += block[i] == '\0';
	argv = calloc(n + 1, sizeof(*argv));
	if (!argv)
		return NULL;
	for (i = 0; i < plen; i += strlen(block + i) + 1)
		argv[k++] = block + i;
	return argv;
}

/* The child of a request: its own session (so a lost host can kill the
 * whole group), stdin from /dev/null, then ARGV. Reports errno on EFD. */
static void child_exec(char **argv, int out, int err, int efd)
{
	int e, null = open("/dev/null", O_RDONLY);

	setsid();
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	e = errno;
	if (write(efd, &e, sizeof(e)) != (ssize_t)sizeof(e))
		e = 0;
	_exit(127);
}

/* Stream the child's pipes as frames onto the port FD until it exits and
 * its pipes are drained; kill its session if the host goes away. */
static void stream_child(int fd, pid_t pid, int out, int err, int *st)
{
	struct pollfd pfd[3] = {
		{ .fd = out, .events = POLLIN },
		{ .fd = err, .events = POLLIN },
		{ .fd = fd, .events = 0 },      /* POLLHUP: the host left */
	};
	char chunk[AGENT_CHUNK];
	int reaped = 0, host = 1, i;

	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (!reaped && waitpid(pid, st, WNOHANG) == pid)
			reaped = 1;
		if (poll(pfd, 3, reaped ? 0 : 100) < 0 && errno != EINTR)
			break;
		if (pfd[2].revents & (POLLHUP | POLLERR)) {
			kill(-pid, SIGKILL);
			pfd[2].fd = -1;
			host = 0;
		}
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (pfd[i].fd < 0)
				continue;
			if (!(pfd[i].revents & (POLLIN | POLLHUP))) {
				/* Exited, and nothing more is waiting: a
				 * background process may hold the pipe. */
				if (reaped)
					pfd[i].fd = -1;
				continue;
			}
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n <= 0) {
				if (n == 0 || errno != EINTR)
					pfd[i].fd = -1;
				continue;
			}
			if (host && send_frame(fd, i ? AGENT_STDERR :
					       AGENT_STDOUT, chunk,
					       (size_t)n) < 0)
				host = 0;
		}
	}
	if (!reaped)
		while (waitpid(pid, st, 0) < 0 && errno == EINTR)
			;
}

/* Run the exec request PAYLOAD and answer on the port FD. */
static int serve_exec(int fd, const unsigned char *payload, size_t plen)
{
	int out[2] = { -1, -1 }, err[2] = { -1, -1 }, efd[2] = { -1, -1 };
	unsigned char word[4];
	char *block = malloc(plen + 1);
	char **argv = block ? argv_decode(payload, plen, block) : NULL;
	int e = 0, st = 0, code, rc;
	pid_t pid = -1;
	ssize_t got;

	if (!argv) {
		e = block ? EINVAL : ENOMEM;
		goto answer;
	}
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
	    pipe2(efd, O_CLOEXEC) != 0) {
		e = errno;
		goto answer;
	}
	pid = fork();
	if (pid < 0) {
		e = errno;
		goto answer;
	}
	if (pid == 0)
		child_exec(argv, out[1], err[1], efd[1]);
	close(out[1]);
	close(err[1]);
	close(efd[1]);
	out[1] = err[1] = efd[1] = -1;
	do
		got = read(efd[0], &e, sizeof(e));
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof(e))
		e = 0;
	stream_child(fd, pid, out[0], err[0], &st);
answer:
	if (e) {
		put_be32(word, (uint32_t)e);
		rc = send_frame(fd, AGENT_ERROR, word, sizeof(word));
	} else {
		code = WIFEXITED(st) ? WEXITSTATUS(st) :
		       WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
		put_be32(word, (uint32_t)code);
		rc = send_frame(fd, AGENT_STATUS, word, sizeof(word));
	}
	for (code = 0; code < 2; code++) {
		if (out[code] >= 0)
			close(out[code]);
		if (err[code] >= 0)
			close(err[code]);
		if (efd[code] >= 0)
			close(efd[code]);
	}
	free(argv);
	free(block);
	return rc;
}

int agent_serve(int fd)
{
	struct frame_reader *r = calloc(1, sizeof(*r));
	const unsigned char *payload;
	size_t plen;
	int type, err = 0;

	if (!r)
		return -ENOMEM;
	r->fd = fd;
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		err = reader_fill(r, -1);
		if (err == 0) {
			/* No host connected: what is left of a request
			 * belongs to a host that went away. */
			r->len = r->used = 0;
			usleep(AGENT_IDLE_MS * 1000);
			continue;
		}
		if (err < 0)
			break;
		while ((err = reader_next(r, &type, &payload, &plen)) > 0) {
			if (type == AGENT_PROBE)
				send_frame(fd, AGENT_HELLO, NULL, 0);
			else if (type == AGENT_EXEC)
				serve_exec(fd, payload, plen);
		}
		if (err < 0)
			r->len = r->used = 0;   /* garbage: resynchronise */
	}
	free(r);
	return err;
}
