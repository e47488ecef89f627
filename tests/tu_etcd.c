/* tu_etcd — a throw-away etcd member for tests and benchmarks; see
 * tu_etcd.h.
 */
#include "tests/tu_etcd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "tests/testutil.h"

#define ETCD_START_S    20.0
#define ETCD_TRIES      3

const char *tu_etcd_missing(void)
{
	char *argv[] = { (char *)"etcd", (char *)"--version", NULL };

	if (tu_run(NULL, argv) != 0)
		return "etcd is not installed (Debian etcd-server)";
	return NULL;
}

/* A TCP port on 127.0.0.1 that was free a moment ago, or -1. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* The start of an answer: /health says {"health":"true"}. */
struct answer {
	char buf[256];
	size_t len;
};

static size_t keep_answer(char *d, size_t s, size_t n, void *p)
{
	struct answer *a = p;
	size_t k = s * n;

	if (a->len + k < sizeof(a->buf)) {
		memcpy(a->buf + a->len, d, k);
		a->len += k;
		a->buf[a->len] = '\0';
	}
	return k;
}

/* Does the member at E answer GET /health with "health":"true"? */
static int healthy(const struct tu_etcd *e)
{
	struct answer a = { "", 0 };
	char url[96];
	CURL *h = curl_easy_init();
	long status = 0;
	int ok = 0;

	if (!h)
		return 0;
	snprintf(url, sizeof(url), "%s/health", e->endpoint);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep_answer);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
	if (curl_easy_perform(h) == CURLE_OK &&
	    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
	    status == 200 && strstr(a.buf, "\"true\""))
		ok = 1;
	curl_easy_cleanup(h);
	return ok;
}

static pid_t spawn(const struct tu_etcd *e)
{
	char data[160], log[160], client[64], peer[64], cluster[80], token[48];
	pid_t pid;

	snprintf(data, sizeof(data), "%s/data", e->dir);
	snprintf(log, sizeof(log), "%s/etcd.log", e->dir);
	snprintf(client, sizeof(client), "http://127.0.0.1:%d", e->client_port);
	snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", e->peer_port);
	snprintf(cluster, sizeof(cluster), "t=%s", peer);
	snprintf(token, sizeof(token), "tu-%d", (int)getpid());
	pid = fork();
	if (pid == 0) {
		char *argv[] = {
			(char *)"etcd", (char *)"--name", (char *)"t",
			(char *)"--data-dir", data,
			(char *)"--listen-client-urls", client,
			(char *)"--advertise-client-urls", client,
			(char *)"--listen-peer-urls", peer,
			(char *)"--initial-advertise-peer-urls", peer,
			(char *)"--initial-cluster", cluster,
			(char *)"--initial-cluster-token", token,
			(char *)"--initial-cluster-state", (char *)"new",
			(char *)"--heartbeat-interval", (char *)"50",
			(char *)"--election-timeout", (char *)"500",
			NULL
		};
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* The last line of the member's log, for a failure message. */
static void log_tail(const struct tu_etcd *e, char *out, size_t len)
{
	char path[160], buf[4096];
	ssize_t n;
	int fd;
	char *p;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/etcd.log", e->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (lseek(fd, 0, SEEK_END) > (off_t)sizeof(buf) - 1)
		lseek(fd, -(off_t)sizeof(buf) + 1, SEEK_END);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	p = strrchr(buf, '\n');
	p = p ? p + 1 : buf;
	n = (ssize_t)strlen(p);
	if ((size_t)n >= len)
		n = (ssize_t)len - 1;
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
}

void tu_etcd_stop(struct tu_etcd *e)
{
	int i, st;

	if (e->pid > 0) {
		kill(e->pid, SIGTERM);
		for (i = 0; i < 100; i++) {
			if (waitpid(e->pid, &st, WNOHANG) != 0)
				break;
			usleep(50 * 1000);
		}
		if (i == 100) {
			kill(e->pid, SIGKILL);
			waitpid(e->pid, &st, 0);
		}
		e->pid = 0;
	}
	if (e->dir[0])
		tu_rmtree(e->dir);
	e->dir[0] = '\0';
}

int tu_etcd_start(struct tu_etcd *e, char *why, size_t len)
{
	char tail[256];
	int try, st;

	memset(e, 0, sizeof(*e));
	snprintf(why, len, "etcd did not start");
	for (try = 0; try < ETCD_TRIES; try++) {
		double t0 = tu_now_s();

		if (!tu_tmpdir(e->dir, sizeof(e->dir), "etcd")) {
			snprintf(why, len, "mkdtemp: %s", strerror(errno));
			e->dir[0] = '\0';
			return -1;
		}
		e->client_port = free_port();
		e->peer_port = free_port();
		if (e->client_port < 0 || e->peer_port < 0 ||
		    e->client_port == e->peer_port) {
			snprintf(why, len, "no free TCP port on 127.0.0.1");
			tu_etcd_stop(e);
			continue;
		}
		snprintf(e->endpoint, sizeof(e->endpoint), "http://127.0.0.1:%d",
			 e->client_port);
		e->pid = spawn(e);
		if (e->pid < 0) {
			snprintf(why, len, "fork: %s", strerror(errno));
			e->pid = 0;
			tu_etcd_stop(e);
			return -1;
		}
		while (tu_now_s() - t0 < ETCD_START_S) {
			if (waitpid(e->pid, &st, WNOHANG) == e->pid) {
				log_tail(e, tail, sizeof(tail));
				snprintf(why, len, "etcd exited (status %d): %s",
					 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
					 tail);
				e->pid = 0;
				break;
			}
			if (healthy(e))
				return 0;
			usleep(50 * 1000);
		}
		if (e->pid > 0) {
			log_tail(e, tail, sizeof(tail));
			snprintf(why, len, "etcd not healthy after %.0f s: %s",
				 ETCD_START_S, tail);
		}
		tu_etcd_stop(e);
	}
	return -1;
}
