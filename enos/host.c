/* host — the enos host protocol, both ends; see host.h and
 * docs/HOST-PROTOCOL.md. */
#include "enos/host.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emulator/fabric.h"
#include "emulator/node.h"
#include "emulator/proc.h"
#include "emulator/shape.h"
#include "enos/capacity.h"
#include "enos/cli.h"
#include "util/escape.h"
#include "util/str.h"

#ifndef ENOS_COMMIT
#define ENOS_COMMIT "unknown"
#endif

/* The requests this version answers, in the order `hello` lists them. */
static const char *const requests[] = { "hello", "facts", "bye" };

const char *host_commit(void)
{
	return ENOS_COMMIT;
}

/* ---- the server ---- */

static json_t *error_reply(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static json_t *error_reply(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

/* What every hello reply carries, whether the versions agree or not. */
static json_t *hello_fields(bool ok)
{
	json_t *caps = json_array(), *o;
	struct utsname u;
	size_t i;

	if (!caps)
		return NULL;
	for (i = 0; i < sizeof(requests) / sizeof(requests[0]); i++)
		json_array_append_new(caps, json_string(requests[i]));
	if (uname(&u) < 0)
		snprintf(u.nodename, sizeof(u.nodename), "?");
	o = json_pack("{s:b, s:i, s:s, s:s, s:s, s:o}", "ok", ok, "protocol",
		      HOST_PROTOCOL, "enos", ENOS_VERSION, "commit",
		      ENOS_COMMIT, "hostname", u.nodename, "capabilities", caps);
	return o;
}

/* MemTotal and MemAvailable from /proc/meminfo, in bytes. */
static void meminfo(uint64_t *total, uint64_t *avail)
{
	char line[256];
	unsigned long long kib;
	FILE *f = fopen("/proc/meminfo", "re");

	*total = *avail = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
			*total = kib * 1024;
		else if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
			*avail = kib * 1024;
	}
	if (f)
		fclose(f);
}

static int add_backend(json_t *arr, const char *kind, const char *name,
		       int (*supported)(char *why, size_t len))
{
	char why[256] = "";
	int ok = supported ? supported(why, sizeof(why)) == 0 : 1;

	return json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:s}",
						    "kind", kind, "name", name,
						    "ok", ok, "why", why));
}

/* This host's facts: what the controller places and checks against. */
static json_t *facts_reply(void)
{
	json_t *backends = json_array();
	const struct node_ops *n;
	const struct fabric_ops *f;
	const struct shape_ops *s;
	struct utsname u;
	uint64_t total, avail;
	size_t i;
	int rc = backends ? 0 : -1;

	for (i = 0; rc == 0 && (n = node_ops_at(i)); i++)
		rc = add_backend(backends, "node", n->name, n->supported);
	for (i = 0; rc == 0 && (f = fabric_ops_at(i)); i++)
		rc = add_backend(backends, "fabric", f->name, f->supported);
	for (i = 0; rc == 0 && (s = shape_ops_at(i)); i++)
		rc = add_backend(backends, "shaping", s->name, s->supported);
	if (rc) {
		json_decref(backends);
		return NULL;
	}
	if (uname(&u) < 0)
		return error_reply("uname: %s", strerror(errno));
	meminfo(&total, &avail);
	return json_pack("{s:b, s:s, s:s, s:I, s:I, s:I, s:o}", "ok", 1,
			 "hostname", u.nodename, "kernel", u.release,
			 "cores", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
			 "memory_total_bytes", (json_int_t)total,
			 "memory_available_bytes", (json_int_t)avail,
			 "backends", backends);
}

/* A request word: printable ASCII. */
static bool line_ok(const char *line)
{
	const unsigned char *p;

	for (p = (const unsigned char *)line; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return false;
	return true;
}

char *host_reply(const char *line, int *state, bool *bye)
{
	char verb[16], *end;
	const char *arg;
	json_t *r = NULL;
	char *text;
	size_t vlen;
	long v;

	if (!line_ok(line)) {
		r = error_reply("a request is one line of printable ASCII");
		goto out;
	}
	arg = strchr(line, ' ');
	vlen = arg ? (size_t)(arg - line) : strlen(line);
	if (arg)
		arg++;
	if (vlen == 0 || vlen >= sizeof(verb)) {
		r = error_reply("empty or unknown request (this host answers hello, facts, bye)");
		goto out;
	}
	memcpy(verb, line, vlen);
	verb[vlen] = '\0';
	if (!strcmp(verb, "hello")) {
		errno = 0;
		v = arg ? strtol(arg, &end, 10) : 0;
		if (!arg || end == arg || *end || errno || v < 1) {
			r = error_reply("usage: hello PROTOCOL (a positive integer)");
		} else if (v != HOST_PROTOCOL) {
			r = hello_fields(false);
			if (r)
				json_object_set_new(r, "error", json_sprintf(
					"protocol %ld is not spoken here: this enos (%s, commit %s) speaks protocol %d",
					v, ENOS_VERSION, ENOS_COMMIT, HOST_PROTOCOL));
		} else {
			r = hello_fields(true);
			*state = 1;
		}
	} else if (arg) {
		r = error_reply("request '%s' takes no argument", verb);
	} else if (!strcmp(verb, "facts")) {
		r = *state ? facts_reply()
			   : error_reply("say 'hello %d' first", HOST_PROTOCOL);
	} else if (!strcmp(verb, "bye")) {
		r = json_pack("{s:b}", "ok", 1);
		*bye = true;
	} else {
		r = error_reply("unknown request '%s' (this host answers hello, facts, bye)",
				verb);
	}
out:
	if (!r)
		return NULL;
	text = json_dumps(r, JSON_COMPACT);
	json_decref(r);
	return text;
}

int host_serve(FILE *in, FILE *out)
{
	char line[HOST_LINE_MAX + 1];
	int state = 0, c;
	bool bye = false;
	char *reply;
	size_t len;

	while (!bye && fgets(line, sizeof(line), in)) {
		len = strlen(line);
		if (len && line[len - 1] == '\n') {
			line[--len] = '\0';
			if (len && line[len - 1] == '\r')
				line[--len] = '\0';
			reply = host_reply(line, &state, &bye);
		} else if (!feof(in)) {
			/* Too long: skip the rest of it, answer once. */
			while ((c = fgetc(in)) != EOF && c != '\n')
				;
			reply = str_printf("{\"ok\":false,\"error\":\"a request is at most %d bytes\"}",
					   HOST_LINE_MAX - 1);
		} else {
			reply = host_reply(line, &state, &bye);
		}
		if (!reply)
			return -ENOMEM;
		if (fprintf(out, "%s\n", reply) < 0 || fflush(out) != 0) {
			free(reply);
			return -EPIPE;
		}
		free(reply);
	}
	return 0;
}

/* ---- the controller ---- */

int host_ssh_argv(const struct topo_host *h, const char *ssh_config,
		  char ***argv)
{
	const char *fixed[] = { "ssh", "-o", "BatchMode=yes", "-o", NULL,
				"-o", "ServerAliveInterval=2", "-o",
				"ServerAliveCountMax=2" };
	char **v = calloc(20, sizeof(*v));
	size_t n = 0, i;
	int rc = -ENOMEM;

	if (!v)
		goto fail;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		v[n] = fixed[i] ? strdup(fixed[i])
				: str_printf("ConnectTimeout=%d", HOST_CONNECT_S);
		if (!v[n++])
			goto fail;
	}
	if (ssh_config) {
		if (!(v[n++] = strdup("-F")) || !(v[n++] = strdup(ssh_config)))
			goto fail;
	}
	/* The destination and the program were checked by the loader
	 * (topo_hosts.c): no option, nothing the remote shell reads. */
	if (!(v[n++] = strdup("--")) || !(v[n++] = strdup(h->ssh)) ||
	    !(v[n++] = strdup(h->enos)) || !(v[n++] = strdup("host")))
		goto fail;
	*argv = v;
	return 0;
fail:
	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
	return rc;
}

static void argv_free(char **v)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* "host 'h2' (root@192.0.2.2): " + FMT as an allocated message. */
static char *host_msg(const struct topo_host *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static char *host_msg(const struct topo_host *h, const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return str_printf("host '%s' (%s): %s", h->name, h->ssh, what);
}

int host_connect(const struct topo_host *h, const char *ssh_config,
		 struct host_conn *c, char **err)
{
	int sv[2] = { -1, -1 }, ep[2] = { -1, -1 }, xp[2] = { -1, -1 };
	char **argv = NULL;
	pid_t pid;
	int rc;

	memset(c, 0, sizeof(*c));
	c->host = h;
	c->io = c->err = -1;
	c->timeout_ms = HOST_TIMEOUT_MS;
	*err = NULL;
	rc = host_ssh_argv(h, ssh_config, &argv);
	if (rc)
		goto fail;
	/* A socket, not pipes: a write to an ssh that died is an error
	 * (MSG_NOSIGNAL), not a SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(ep, O_CLOEXEC) < 0 || pipe2(xp, O_CLOEXEC) < 0 ||
	    fcntl(ep[0], F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		goto fail;
	}
	if (pid == 0) {
		int e;

		proc_child_prepare();
		if (dup2(sv[1], STDIN_FILENO) < 0 ||
		    dup2(sv[1], STDOUT_FILENO) < 0 ||
		    dup2(ep[1], STDERR_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		e = errno;
		if (write(xp[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(sv[1]);
	close(ep[1]);
	close(xp[1]);
	sv[1] = ep[1] = xp[1] = -1;
	c->pid = pid;
	c->io = sv[0];
	c->err = ep[0];
	sv[0] = ep[0] = -1;
	rc = proc_exec_result(xp[0]);
	if (rc < 0) {
		*err = host_msg(h, "cannot run ssh: %s", strerror(-rc));
		host_close(c);
	}
	goto out;
fail:
	*err = host_msg(h, "cannot start ssh: %s", strerror(-rc));
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (ep[0] >= 0)
		close(ep[0]);
	if (ep[1] >= 0)
		close(ep[1]);
	if (xp[0] >= 0)
		close(xp[0]);
	if (xp[1] >= 0)
		close(xp[1]);
	argv_free(argv);
	return rc;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Keep the last bytes ssh wrote on stderr (its own errors, the remote
 * shell's, the remote enos's). */
static void tail_add(struct host_conn *c, const char *buf, size_t n)
{
	size_t keep = sizeof(c->tail) - 1;

	if (n >= keep) {
		memcpy(c->tail, buf + n - keep, keep);
		c->tail_len = keep;
	} else {
		if (c->tail_len + n > keep) {
			size_t drop = c->tail_len + n - keep;

			memmove(c->tail, c->tail + drop, c->tail_len - drop);
			c->tail_len -= drop;
		}
		memcpy(c->tail + c->tail_len, buf, n);
		c->tail_len += n;
	}
	c->tail[c->tail_len] = '\0';
}

/* The last non-empty line of stderr, escaped, as an allocated string. */
static char *tail_line(const struct host_conn *c)
{
	size_t end = c->tail_len, start;

	while (end && (c->tail[end - 1] == '\n' || c->tail[end - 1] == '\r'))
		end--;
	start = end;
	while (start && c->tail[start - 1] != '\n')
		start--;
	return escape_dup(c->tail + start, end - start);
}

/* Reap ssh if it exited, within WAIT_MS: its status, or -1. */
static int reap(struct host_conn *c, int wait_ms)
{
	double until = now_ms() + wait_ms;
	int st;

	while (c->pid > 0) {
		pid_t r = waitpid(c->pid, &st, WNOHANG);

		if (r == c->pid) {
			c->pid = 0;
			return proc_shell_status(st);
		}
		if (r < 0 || now_ms() >= until)
			break;
		proc_sleep_ms(20);
	}
	return -1;
}

/* Why the session ended before a reply: ssh's exit status and stderr. */
static int ended(struct host_conn *c, char **err)
{
	char *line;
	int status, rc;

	status = reap(c, 2000);
	/* Once it exited, stderr holds ssh's last words. */
	for (;;) {
		char buf[512];
		ssize_t n = c->err >= 0 ? read(c->err, buf, sizeof(buf)) : -1;

		if (n <= 0)
			break;
		tail_add(c, buf, (size_t)n);
	}
	line = tail_line(c);
	if (status == 255) {
		*err = host_msg(c->host, "cannot reach it over ssh: %s",
				line && *line ? line : "ssh exited with status 255");
		rc = -EHOSTUNREACH;
	} else if (status == 127) {
		*err = host_msg(c->host, "no enos there: the remote shell cannot run '%s'%s%s",
				c->host->enos, line && *line ? ": " : "",
				line ? line : "");
		rc = -ENOENT;
	} else if (status == 2 || status == 1) {
		*err = host_msg(c->host, "its '%s' does not speak the enos host protocol (exit %d%s%s): install the same enos as here (%s, commit %s)",
				c->host->enos, status, line && *line ? ": " : "",
				line ? line : "", ENOS_VERSION, ENOS_COMMIT);
		rc = -EPROTO;
	} else {
		*err = host_msg(c->host, "the session ended (ssh exit %d)%s%s",
				status, line && *line ? ": " : "",
				line ? line : "");
		rc = -ECONNRESET;
	}
	free(line);
	return rc;
}

/* Send LINE and read one reply line into *OUT (parsed). */
static int request(struct host_conn *c, const char *line, json_t **out,
		   char **err)
{
	double until = now_ms() + c->timeout_ms;
	char *req = str_printf("%s\n", line), *nl;
	size_t len, off = 0;
	json_error_t je;
	int rc = 0;

	*out = NULL;
	*err = NULL;
	if (!req)
		return -ENOMEM;
	if (c->pid <= 0 || c->io < 0) {
		free(req);
		*err = host_msg(c->host, "no session");
		return -ENOTCONN;
	}
	len = strlen(req);
	while (off < len) {
		ssize_t n = send(c->io, req + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(req);
			return ended(c, err);
		}
		off += (size_t)n;
	}
	free(req);
	while (!(nl = c->in ? memchr(c->in, '\n', c->in_len) : NULL)) {
		struct pollfd p[2] = { { c->io, POLLIN, 0 }, { c->err, POLLIN, 0 } };
		double left = until - now_ms();
		char buf[4096];
		ssize_t n;

		if (left <= 0) {
			*err = host_msg(c->host, "no answer to '%s' within %g s",
					line, c->timeout_ms / 1000.0);
			return -ETIMEDOUT;
		}
		if (poll(p, c->err >= 0 ? 2 : 1, (int)left + 1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents) {
			n = read(c->err, buf, sizeof(buf));
			if (n > 0)
				tail_add(c, buf, (size_t)n);
			else if (n == 0) {
				close(c->err);
				c->err = -1;
			}
		}
		if (!p[0].revents)
			continue;
		n = read(c->io, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ended(c, err);
		if (c->in_len + (size_t)n > HOST_REPLY_MAX) {
			*err = host_msg(c->host, "a reply longer than %u bytes",
					HOST_REPLY_MAX);
			return -EMSGSIZE;
		}
		nl = realloc(c->in, c->in_len + (size_t)n);
		if (!nl)
			return -ENOMEM;
		c->in = nl;
		memcpy(c->in + c->in_len, buf, (size_t)n);
		c->in_len += (size_t)n;
	}
	len = (size_t)(nl - c->in);
	*out = json_loadb(c->in, len, JSON_REJECT_DUPLICATES, &je);
	if (!*out || !json_is_object(*out)) {
		char *shown = escape_dup(c->in, len > 200 ? 200 : len);

		*err = host_msg(c->host, "its '%s host' answered '%s', not the enos host protocol: install the same enos as here (%s, commit %s)",
				c->host->enos, shown ? shown : "?",
				ENOS_VERSION, ENOS_COMMIT);
		free(shown);
		json_decref(*out);
		*out = NULL;
		rc = -EPROTO;
	}
	memmove(c->in, nl + 1, c->in_len - len - 1);
	c->in_len -= len + 1;
	return rc;
}

/* String member KEY of O into BUF (LEN bytes), control bytes escaped;
 * "" when absent or not a string. */
static void get_str(json_t *o, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(o, key);
	char *e;

	buf[0] = '\0';
	if (!json_is_string(v))
		return;
	e = escape_dup(json_string_value(v), json_string_length(v));
	snprintf(buf, len, "%s", e ? e : "");
	free(e);
}

/* Hello reply R into *OUT; 1 if it says ok, else 0 (WHY: its error). */
static int hello_decode(json_t *r, struct host_hello *out, char *why,
			size_t len)
{
	json_t *v = json_object_get(r, "protocol");

	memset(out, 0, sizeof(*out));
	out->protocol = json_is_integer(v) ? (long)json_integer_value(v) : -1;
	get_str(r, "enos", out->enos, sizeof(out->enos));
	get_str(r, "commit", out->commit, sizeof(out->commit));
	get_str(r, "hostname", out->hostname, sizeof(out->hostname));
	get_str(r, "error", why, len);
	return json_is_true(json_object_get(r, "ok"));
}

static uint64_t get_u64(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) > 0
	       ? (uint64_t)json_integer_value(v) : 0;
}

/* Facts reply R into *OUT, as hello_decode. */
static int facts_decode(json_t *r, struct host_facts *out, char *why,
			size_t len)
{
	json_t *arr, *b;
	size_t i;

	memset(out, 0, sizeof(*out));
	get_str(r, "error", why, len);
	get_str(r, "hostname", out->hostname, sizeof(out->hostname));
	get_str(r, "kernel", out->kernel, sizeof(out->kernel));
	out->cores = (long)get_u64(r, "cores");
	out->mem_total = get_u64(r, "memory_total_bytes");
	out->mem_available = get_u64(r, "memory_available_bytes");
	arr = json_object_get(r, "backends");
	json_array_foreach(arr, i, b) {
		struct host_backend *hb;

		if (out->n_backends == HOST_BACKENDS_MAX)
			break;
		if (!json_is_object(b))
			continue;
		hb = &out->backends[out->n_backends++];
		get_str(b, "kind", hb->kind, sizeof(hb->kind));
		get_str(b, "name", hb->name, sizeof(hb->name));
		get_str(b, "why", hb->why, sizeof(hb->why));
		hb->ok = json_is_true(json_object_get(b, "ok"));
	}
	return json_is_true(json_object_get(r, "ok"));
}

/* LINE[0..LEN) as a JSON object, or NULL. */
static json_t *load_object(const char *line, size_t len)
{
	json_error_t je;
	json_t *r = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);

	if (r && !json_is_object(r)) {
		json_decref(r);
		r = NULL;
	}
	return r;
}

int host_decode_hello(const char *line, size_t len, struct host_hello *out,
		      char *why, size_t why_len)
{
	json_t *r = load_object(line, len);
	int rc = r ? hello_decode(r, out, why, why_len) : -EPROTO;

	json_decref(r);
	return rc;
}

int host_decode_facts(const char *line, size_t len, struct host_facts *out,
		      char *why, size_t why_len)
{
	json_t *r = load_object(line, len);
	int rc = r ? facts_decode(r, out, why, why_len) : -EPROTO;

	json_decref(r);
	return rc;
}

int host_hello(struct host_conn *c, struct host_hello *out, char **err)
{
	char line[32], why[512];
	json_t *r = NULL;
	int rc, ok;

	memset(out, 0, sizeof(*out));
	snprintf(line, sizeof(line), "hello %d", HOST_PROTOCOL);
	rc = request(c, line, &r, err);
	if (rc)
		goto out;
	ok = hello_decode(r, out, why, sizeof(why));
	if (out->protocol != HOST_PROTOCOL) {
		*err = host_msg(c->host, "it speaks enos host protocol %ld (enos %s, commit %s), this enos speaks %d (enos %s, commit %s): install the same enos on every host",
				out->protocol, out->enos[0] ? out->enos : "?",
				out->commit[0] ? out->commit : "?",
				HOST_PROTOCOL, ENOS_VERSION, ENOS_COMMIT);
		rc = -EPROTO;
	} else if (!ok) {
		*err = host_msg(c->host, "hello refused: %s",
				why[0] ? why : "no reason given");
		rc = -EPROTO;
	} else if (strcmp(out->enos, ENOS_VERSION)) {
		*err = host_msg(c->host, "it runs enos %s, this is enos %s: install the same enos on every host",
				out->enos, ENOS_VERSION);
		rc = -EPROTO;
	}
out:
	json_decref(r);
	return rc;
}

int host_facts(struct host_conn *c, struct host_facts *out, char **err)
{
	char why[512];
	json_t *r = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = request(c, "facts", &r, err);
	if (rc)
		goto out;
	if (!facts_decode(r, out, why, sizeof(why))) {
		*err = host_msg(c->host, "facts refused: %s",
				why[0] ? why : "no reason given");
		rc = -EPROTO;
	}
out:
	json_decref(r);
	return rc;
}

void host_close(struct host_conn *c)
{
	if (!c)
		return;
	if (c->pid > 0 && c->io >= 0)
		send(c->io, "bye\n", 4, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (c->io >= 0)
		shutdown(c->io, SHUT_WR);
	if (c->pid > 0 && reap(c, 2000) < 0 && c->pid > 0) {
		kill(c->pid, SIGTERM);
		if (reap(c, 2000) < 0 && c->pid > 0) {
			kill(c->pid, SIGKILL);
			reap(c, 2000);
		}
	}
	if (c->io >= 0)
		close(c->io);
	if (c->err >= 0)
		close(c->err);
	free(c->in);
	c->in = NULL;
	c->in_len = 0;
	c->io = c->err = -1;
}
