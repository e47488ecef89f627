/* ready — the readiness client; see ready.h. */
#include "workloads/ready.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>

/* Connect to HOST:PORT within 1 s. Returns the socket (blocking again) or
 * -1. */
static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct pollfd pfd;
	int fd = -1, err = 0;
	socklen_t len = sizeof(err);

	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (errno != EINPROGRESS || poll(&pfd, 1, 1000) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd >= 0)
		fcntl(fd, F_SETFL, 0);
	return fd;
}

int ready_tcp(const char *host, const char *port)
{
	int fd = connect_to(host, port);

	if (fd < 0)
		return READY_EXIT_NOT_YET;
	close(fd);
	return READY_EXIT_OK;
}

int ready_http(const char *url, const char *status)
{
	char host[256], port[16] = "80", req[1024], buf[64];
	const char *h, *path, *colon;
	struct timeval tv = { 2, 0 };
	ssize_t got;
	size_t hl;
	int fd, rc = READY_EXIT_NOT_YET;

	if (strncmp(url, "http://", 7))
		return READY_EXIT_USAGE;
	h = url + 7;
	path = strchr(h, '/');
	hl = path ? (size_t)(path - h) : strlen(h);
	if (hl == 0 || hl >= sizeof(host))
		return READY_EXIT_USAGE;
	snprintf(host, sizeof(host), "%.*s", (int)hl, h);
	colon = strrchr(host, ':');
	if (colon) {
		snprintf(port, sizeof(port), "%s", colon + 1);
		host[colon - host] = '\0';
	}
	fd = connect_to(host, port);
	if (fd < 0)
		return READY_EXIT_NOT_YET;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %.*s\r\n\r\n",
		 path ? path : "/", (int)hl, h);
	if (write(fd, req, strlen(req)) == (ssize_t)strlen(req)) {
		got = read(fd, buf, sizeof(buf) - 1);
		if (got >= 12) {
			buf[got] = '\0';
			rc = !strncmp(buf, "HTTP/1.", 7) && !strncmp(buf + 9, status, 3) ?
			     READY_EXIT_OK : READY_EXIT_NOT_YET;
		}
	}
	close(fd);
	return rc;
}
