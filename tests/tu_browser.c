/* tu_browser — a page checked in headless chromium; see tu_browser.h. */
#include "tests/tu_browser.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emulator/proc.h"
#include "tests/testutil.h"
#include "util/str.h"
#include "util/strbuf.h"

#define TIMEOUT_S 60

/* A browser being driven. */
struct cdp {
	pid_t pid;
	int in, out;                    /* we write IN (its 3), read OUT (its 4) */
	char *buf;                      /* what it sent, not yet a message */
	size_t len, cap;
	int next_id;
	char session[128];
	bool loaded;
	double deadline;
	struct tu_page_check *c;
	struct strbuf what;
};

const char *tu_browser_find(const char **why)
{
	static char path[256];

	if (proc_which("chromium", path, sizeof(path)) == 0)
		return path;
	*why = "chromium is not installed (apt-get install chromium; make deps-test)";
	return NULL;
}

static void note(struct cdp *b, const char *kind, const char *text)
{
	strbuf_addf(&b->what, "%s: %s\n", kind, text ? text : "?");
}

/* Count what event MSG says about the page. */
static void event(struct cdp *b, json_t *msg)
{
	const char *method = json_string_value(json_object_get(msg, "method"));
	json_t *p = json_object_get(msg, "params");

	if (!method)
		return;
	if (!strcmp(method, "Page.loadEventFired")) {
		b->loaded = true;
	} else if (!strcmp(method, "Network.requestWillBeSent")) {
		const char *url = json_string_value(json_object_get(
			json_object_get(p, "request"), "url"));

		b->c->requests++;
		if (!url || (strncmp(url, "file:", 5) && strncmp(url, "data:", 5))) {
			b->c->external++;
			note(b, "external request", url);
		}
	} else if (!strcmp(method, "Runtime.consoleAPICalled")) {
		const char *type = json_string_value(json_object_get(p, "type"));
		json_t *arg = json_array_get(json_object_get(p, "args"), 0);
		const char *text = json_string_value(json_object_get(arg, "value"));

		if (type && (!strcmp(type, "error") || !strcmp(type, "assert"))) {
			b->c->errors++;
			note(b, "console error", text);
		}
	} else if (!strcmp(method, "Runtime.exceptionThrown")) {
		b->c->errors++;
		note(b, "exception", json_string_value(json_object_get(
			json_object_get(p, "exceptionDetails"), "text")));
	} else if (!strcmp(method, "Log.entryAdded")) {
		json_t *e = json_object_get(p, "entry");
		const char *level = json_string_value(json_object_get(e, "level"));

		if (level && !strcmp(level, "error")) {
			char *t = str_printf("%s (%s)",
					     json_string_value(json_object_get(e, "text")),
					     json_string_value(json_object_get(e, "url")));

			b->c->errors++;
			note(b, "log error", t);
			free(t);
		}
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The next message, or NULL on timeout, end of file or error. */
static json_t *receive(struct cdp *b)
{
	for (;;) {
		char *nul = b->len ? memchr(b->buf, '\0', b->len) : NULL;

		if (nul) {
			size_t n = (size_t)(nul - b->buf) + 1;
			json_t *m = json_loads(b->buf, 0, NULL);

			memmove(b->buf, b->buf + n, b->len - n);
			b->len -= n;
			if (m)
				return m;
			continue;
		}
		{
			struct pollfd pfd = { b->out, POLLIN, 0 };
			double left = b->deadline - now_s();
			ssize_t r;

			if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
				return NULL;
			if (b->cap - b->len < 65536) {
				char *g = realloc(b->buf, b->cap + (1u << 20));

				if (!g)
					return NULL;
				b->buf = g;
				b->cap += 1u << 20;
			}
			r = read(b->out, b->buf + b->len, b->cap - b->len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return NULL;
			b->len += (size_t)r;
		}
	}
}

/* Send METHOD with PARAMS (taken; NULL: none), to the page's session
 * when SESSION, and wait for its answer: its "result" (a new reference),
 * or NULL (an error answer, a timeout). Events met meanwhile are
 * counted. */
static json_t *call(struct cdp *b, const char *method, json_t *params,
		    bool session)
{
	json_t *msg = json_object(), *ans, *res = NULL;
	int id = ++b->next_id;
	char *text;
	size_t len, off = 0;

	json_object_set_new(msg, "id", json_integer(id));
	json_object_set_new(msg, "method", json_string(method));
	json_object_set_new(msg, "params", params ? params : json_object());
	if (session)
		json_object_set_new(msg, "sessionId", json_string(b->session));
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (!text)
		return NULL;
	len = strlen(text) + 1;         /* with its NUL */
	while (off < len) {
		ssize_t w = write(b->in, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	free(text);
	if (off < len)
		return NULL;
	while ((ans = receive(b))) {
		json_t *aid = json_object_get(ans, "id");

		if (aid && json_integer_value(aid) == id) {
			res = json_object_get(ans, "result");
			if (res)
				json_incref(res);
			else {
				char *e = json_dumps(json_object_get(ans, "error"), 0);

				note(b, method, e);
				free(e);
			}
			json_decref(ans);
			return res;
		}
		event(b, ans);
		json_decref(ans);
	}
	note(b, method, "no answer");
	return NULL;
}

static int unbase64(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Write base64 text B64 decoded to PATH. */
static int write_base64(const char *path, const char *b64)
{
	FILE *f = fopen(path, "wb");
	unsigned v = 0;
	int bits = 0, d;

	if (!f)
		return -1;
	for (; *b64; b64++) {
		if ((d = unbase64((unsigned char)*b64)) < 0)
			continue;
		v = v << 6 | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			fputc((int)(v >> bits & 0xff), f);
		}
	}
	return fclose(f) == 0 ? 0 : -1;
}

/* Start BROWSER on a pipe with profile DIR. */
static int start(struct cdp *b, const char *browser, const char *dir)
{
	char *prof = str_printf("--user-data-dir=%s", dir);
	char *const argv[] = {
		(char *)browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync",
		"--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND",
		"--remote-debugging-pipe", "--window-size=1280,900", prof,
		"about:blank", NULL,
	};
	int to[2], from[2];

	if (!prof || pipe2(to, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(from, O_CLOEXEC) < 0) {
		close(to[0]);
		close(to[1]);
		return -1;
	}
	b->pid = fork();
	if (b->pid == 0) {
		int r = fcntl(to[0], F_DUPFD_CLOEXEC, 10);
		int w = fcntl(from[1], F_DUPFD_CLOEXEC, 10);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		proc_child_prepare();
		/* dup2 leaves the new descriptors open across exec. */
		if (r < 0 || w < 0 || null < 0 || dup2(r, 3) < 0 || dup2(w, 4) < 0 ||
		    dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
			_exit(127);
		execv(browser, argv);
		_exit(127);
	}
	free(prof);
	close(to[0]);
	close(from[1]);
	b->in = to[1];
	b->out = from[0];
	return b->pid > 0 ? 0 : -1;
}

static void stop(struct cdp *b)
{
	double until = now_s() + 10;
	int st;

	if (b->in >= 0) {
		json_decref(call(b, "Browser.close", NULL, false));
		close(b->in);
	}
	if (b->out >= 0)
		close(b->out);
	while (b->pid > 0 && waitpid(b->pid, &st, WNOHANG) == 0) {
		if (now_s() > until) {
			kill(b->pid, SIGKILL);
			waitpid(b->pid, &st, 0);
			break;
		}
		proc_sleep_ms(50);
	}
}

/* After the load: every image loaded, every figure drawn? */
static void inspect(struct cdp *b)
{
	static const char js[] =
		"JSON.stringify(Array.from(document.images).map(i =>"
		" [i.src.slice(0, 60), i.complete && i.naturalWidth > 0]).concat("
		"Array.from(document.querySelectorAll('svg')).filter(s =>"
		" !s.parentElement.closest('svg')).map((s, k) => {"
		" const r = s.getBoundingClientRect();"
		" return ['svg ' + k, r.width > 0 && r.height > 0]; })))";
	json_t *p = json_pack("{s:s, s:b}", "expression", js, "returnByValue", 1);
	json_t *res = call(b, "Runtime.evaluate", p, true), *v;
	const char *text = json_string_value(json_object_get(
		json_object_get(res, "result"), "value"));
	size_t i;

	v = text ? json_loads(text, 0, NULL) : NULL;
	if (!v) {
		note(b, "images", "cannot read them from the page");
		b->c->broken++;
	}
	for (i = 0; v && i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);

		b->c->images++;
		if (!json_is_true(json_array_get(e, 1))) {
			b->c->broken++;
			note(b, "not loaded", json_string_value(json_array_get(e, 0)));
		}
	}
	json_decref(v);
	json_decref(res);
}

static void screenshot(struct cdp *b, const char *path)
{
	json_t *m = call(b, "Page.getLayoutMetrics", NULL, true), *p, *shot;
	json_t *size = json_object_get(m, "cssContentSize");
	double w = json_number_value(json_object_get(size, "width"));
	double h = json_number_value(json_object_get(size, "height"));

	if (!(w > 0))
		w = 1280;
	if (!(h > 0))
		h = 900;
	if (h > 12000)
		h = 12000;
	p = json_pack("{s:s, s:b, s:{s:f, s:f, s:f, s:f, s:f}}", "format", "png",
		      "captureBeyondViewport", 1, "clip", "x", 0.0, "y", 0.0,
		      "width", w, "height", h, "scale", h > 6000 ? 0.5 : 1.0);
	shot = call(b, "Page.captureScreenshot", p, true);
	if (!json_string_value(json_object_get(shot, "data")) ||
	    write_base64(path, json_string_value(json_object_get(shot, "data"))) < 0)
		note(b, "screenshot", "not written");
	json_decref(shot);
	json_decref(m);
}

int tu_browser_check(const char *browser, const char *html,
		     const char *shot, struct tu_page_check *out, char **why)
{
	struct cdp b = { .in = -1, .out = -1, .what = STRBUF_INIT, .c = out };
	char dir[128], *url = NULL;
	json_t *r;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	b.deadline = now_s() + TIMEOUT_S;
	if (!tu_tmpdir(dir, sizeof(dir), "chromium")) {
		*why = str_printf("cannot make a profile directory");
		return -1;
	}
	if (start(&b, browser, dir) < 0) {
		*why = str_printf("cannot start %s", browser);
		goto out;
	}
	r = call(&b, "Target.createTarget", json_pack("{s:s}", "url", "about:blank"),
		 false);
	if (r) {
		json_t *a = call(&b, "Target.attachToTarget",
				 json_pack("{s:s, s:b}", "targetId",
					   json_string_value(json_object_get(r, "targetId")),
					   "flatten", 1), false);

		snprintf(b.session, sizeof(b.session), "%s",
			 json_string_value(json_object_get(a, "sessionId")) ?: "");
		json_decref(a);
		json_decref(r);
	}
	if (!b.session[0]) {
		*why = str_printf("%s answers no DevTools session: %s", browser,
				  strbuf_str(&b.what));
		goto out;
	}
	json_decref(call(&b, "Page.enable", NULL, true));
	json_decref(call(&b, "Runtime.enable", NULL, true));
	json_decref(call(&b, "Log.enable", NULL, true));
	json_decref(call(&b, "Network.enable", NULL, true));
	url = str_printf("file://%s", html);
	r = call(&b, "Page.navigate", json_pack("{s:s}", "url", url), true);
	json_decref(r);
	while (!b.loaded) {
		json_t *m = receive(&b);

		if (!m)
			break;
		event(&b, m);
		json_decref(m);
	}
	if (!b.loaded) {
		*why = str_printf("%s did not load %s in %d s: %s", browser, url,
				  TIMEOUT_S, strbuf_str(&b.what));
		goto out;
	}
	/* Late requests and messages come within a moment of the load. */
	json_decref(call(&b, "Runtime.evaluate", json_pack("{s:s, s:b}",
		"expression", "new Promise(r => setTimeout(r, 500))",
		"awaitPromise", 1), true));
	inspect(&b);
	if (shot)
		screenshot(&b, shot);
	rc = 0;
out:
	stop(&b);
	free(url);
	tu_rmtree(dir);
	out->what = strbuf_detach(&b.what);
	strbuf_release(&b.what);
	free(b.buf);
	return rc;
}

void tu_page_check_release(struct tu_page_check *c)
{
	free(c->what);
	memset(c, 0, sizeof(*c));
}
