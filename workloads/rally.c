/* rally — import a Rally task report; see rally.h. */
#include "workloads/rally.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/escape.h"
#include "util/fs.h"
#include "util/str.h"
#include "util/strbuf.h"

/* One pass over the report. The first pass (emit == NULL) checks it and
 * fills the summary; the second emits. */
struct walk {
	const char *label;
	const char *name;               /* the caller's op name, or NULL */
	wl_emit_fn emit;
	void *arg;
	struct wl_rally_result *res;    /* filled by the first pass */
	struct wl_rally_workload *wl;   /* the workload being walked */
	struct strbuf path;             /* where we are: "tasks[0]...." */
	struct strbuf msg;              /* the error, once there is one */
	struct strbuf text;             /* the current iteration's error */
	unsigned iteration;             /* the last number given */
	char *no_data;                  /* why the first empty workload ran
					 * nothing */
};

enum jkind { J_OBJECT, J_ARRAY, J_STRING, J_NUMBER, J_BOOL };

static const char *const kind_names[] = {
	[J_OBJECT] = "an object", [J_ARRAY] = "an array",
	[J_STRING] = "a string", [J_NUMBER] = "a number",
	[J_BOOL] = "true or false",
};

/* Record the error "LABEL: PATH: FMT..." (the first one only) and return
 * RC. */
static int fail(struct walk *w, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct walk *w, int rc, const char *fmt, ...)
{
	va_list ap;

	if (w->msg.len)
		return rc;
	strbuf_addf(&w->msg, "%s: ", w->label);
	if (w->path.len)
		strbuf_addf(&w->msg, "%s: ", strbuf_str(&w->path));
	va_start(ap, fmt);
	strbuf_vaddf(&w->msg, fmt, ap);
	va_end(ap);
	return rc;
}

/* Step into FMT... (".key", "[3]"); returns the length to step back to. */
static size_t path_push(struct walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static size_t path_push(struct walk *w, const char *fmt, ...)
{
	size_t old = w->path.len;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&w->path, fmt, ap);
	va_end(ap);
	return old;
}

static void path_pop(struct walk *w, size_t old)
{
	if (w->path.buf && old <= w->path.len) {
		w->path.len = old;
		w->path.buf[old] = '\0';
	}
}

static bool is_kind(json_t *v, enum jkind k)
{
	switch (k) {
	case J_OBJECT: return json_is_object(v);
	case J_ARRAY:  return json_is_array(v);
	case J_STRING: return json_is_string(v);
	case J_NUMBER: return json_is_number(v);
	case J_BOOL:   return json_is_boolean(v);
	}
	return false;
}

/* Member KEY of object O, of kind K, into *OUT. A missing member is an
 * error when REQUIRED, else *OUT = NULL. Returns 0 or -EINVAL. */
static int member(struct walk *w, json_t *o, const char *key, enum jkind k,
		  bool required, json_t **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v) {
		if (required)
			return fail(w, -EINVAL, "'%s' is missing", key);
		return 0;
	}
	if (!is_kind(v, k))
		return fail(w, -EINVAL, "'%s' is not %s", key, kind_names[k]);
	*out = v;
	return 0;
}

/* Member KEY of O, a number >= 0, into *OUT. */
static int nonneg(struct walk *w, json_t *o, const char *key, double *out)
{
	json_t *v;
	int rc = member(w, o, key, J_NUMBER, true, &v);

	if (rc)
		return rc;
	*out = json_number_value(v);
	if (!isfinite(*out) || *out < 0)
		return fail(w, -EINVAL, "'%s' is negative (%g)", key, *out);
	return 0;
}

/* Check a name from the report that becomes an op name (OP) or is only
 * kept: no control characters, and for an op name 1..WL_OP_NAME_MAX - 1
 * bytes. WHAT names it in the message. */
static int check_name(struct walk *w, json_t *v, const char *what, bool op)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), i;

	if (op && len == 0)
		return fail(w, -EINVAL, "%s is empty", what);
	if (op && len >= WL_OP_NAME_MAX)
		return fail(w, -EINVAL, "%s is %zu bytes, longer than %d",
			    what, len, WL_OP_NAME_MAX - 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return fail(w, -EINVAL, "%s holds a control character",
				    what);
	}
	return 0;
}

/* Rally's error list of an iteration ([type, message, traceback], or []
 * when it worked) as "TYPE: MESSAGE" in w->text; w->text is empty when
 * it worked. */
static int error_text(struct walk *w, json_t *err)
{
	const char *type = "", *message = "";
	size_t i;
	json_t *v;

	strbuf_reset(&w->text);
	json_array_foreach(err, i, v) {
		if (!json_is_string(v))
			return fail(w, -EINVAL, "'error' holds something "
				    "else than strings");
		if (i == 0)
			type = json_string_value(v);
		else if (i == 1)
			message = json_string_value(v);
	}
	if (json_array_size(err) == 0)
		return 0;
	if (*type && *message)
		strbuf_addf(&w->text, "%s: %s", type, message);
	else if (*type || *message)
		strbuf_adds(&w->text, *type ? type : message);
	else
		strbuf_adds(&w->text, "failed");
	return w->text.err;
}

static int emit_op(struct walk *w, const char *name, double start,
		   double duration_s, bool ok, const char *error, bool atomic)
{
	struct wl_op op;

	memset(&op, 0, sizeof(op));
	/* Checked shorter than WL_OP_NAME_MAX by check_name. */
	memcpy(op.op, name, strlen(name) + 1);
	op.start = start;
	op.duration_ms = duration_s * 1000.0;
	op.ok = ok;
	op.error = ok ? NULL : error;
	op.iteration = w->iteration;
	op.atomic = atomic;
	return w->emit(w->arg, &op);
}

/* The atomic action A of the current iteration, at nesting DEPTH (1 for
 * the iteration's own), and its children. */
static int walk_atomic(struct walk *w, json_t *a, unsigned depth)
{
	json_t *name, *failed, *children, *c;
	double started, finished;
	size_t i, at;
	int rc;

	if (depth > WL_RALLY_DEPTH_MAX)
		return fail(w, -EINVAL, "atomic actions nested deeper than %d",
			    WL_RALLY_DEPTH_MAX);
	if (!json_is_object(a))
		return fail(w, -EINVAL, "not an object");
	if ((rc = member(w, a, "name", J_STRING, true, &name)) ||
	    (rc = check_name(w, name, "'name'", true)) ||
	    (rc = nonneg(w, a, "started_at", &started)) ||
	    (rc = nonneg(w, a, "finished_at", &finished)) ||
	    (rc = member(w, a, "failed", J_BOOL, false, &failed)) ||
	    (rc = member(w, a, "children", J_ARRAY, true, &children)))
		return rc;
	if (finished < started)
		return fail(w, -EINVAL, "'finished_at' is before 'started_at' "
			    "(by %g s)", started - finished);
	if (w->emit) {
		bool ok = !json_is_true(failed);

		rc = emit_op(w, json_string_value(name), started,
			     finished - started, ok,
			     w->text.len ? strbuf_str(&w->text) :
			     "atomic action failed", true);
		if (rc)
			return rc;
	} else {
		w->wl->atomics++;
		w->res->atomics++;
	}
	json_array_foreach(children, i, c) {
		at = path_push(w, ".children[%zu]", i);
		rc = walk_atomic(w, c, depth + 1);
		path_pop(w, at);
		if (rc)
			return rc;
	}
	return 0;
}

/* One entry of a workload's data: an iteration. OP is its op name. */
static int walk_iteration(struct walk *w, json_t *it, const char *op)
{
	json_t *err, *atomics, *a;
	double start, duration;
	size_t i, at;
	int rc;

	if (!json_is_object(it))
		return fail(w, -EINVAL, "not an object");
	if ((rc = nonneg(w, it, "timestamp", &start)) ||
	    (rc = nonneg(w, it, "duration", &duration)) ||
	    (rc = member(w, it, "error", J_ARRAY, true, &err)) ||
	    (rc = member(w, it, "atomic_actions", J_ARRAY, true, &atomics)) ||
	    (rc = error_text(w, err)))
		return rc;
	w->iteration++;
	if (w->emit) {
		rc = emit_op(w, op, start, duration, w->text.len == 0,
			     strbuf_str(&w->text), false);
		if (rc)
			return rc;
	} else {
		if (w->wl->iterations++ == 0)
			w->wl->first = w->iteration;
		w->res->iterations++;
		if (w->text.len) {
			w->wl->failed++;
			w->res->failed++;
		}
	}
	json_array_foreach(atomics, i, a) {
		at = path_push(w, ".atomic_actions[%zu]", i);
		rc = walk_atomic(w, a, 1);
		path_pop(w, at);
		if (rc)
			return rc;
	}
	return 0;
}

/* The SLA criteria of workload WL (first pass) as "C: DETAIL; ...". */
static int walk_sla(struct walk *w, json_t *wl)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *results, *sla = NULL, *c, *crit, *detail;
	size_t i, at, at2;
	int rc;

	if ((rc = member(w, wl, "sla_results", J_OBJECT, false, &results)))
		return rc;
	at = path_push(w, ".sla_results");
	if (results)
		rc = member(w, results, "sla", J_ARRAY, false, &sla);
	json_array_foreach(sla, i, c) {
		if (rc)
			break;
		at2 = path_push(w, ".sla[%zu]", i);
		if (!json_is_object(c))
			rc = fail(w, -EINVAL, "not an object");
		else if (!(rc = member(w, c, "criterion", J_STRING, true,
				       &crit)) &&
			 !(rc = member(w, c, "detail", J_STRING, false,
				       &detail))) {
			if (sb.len)
				strbuf_adds(&sb, "; ");
			escape_ctl(&sb, json_string_value(crit),
				   json_string_length(crit));
			if (detail) {
				strbuf_adds(&sb, ": ");
				escape_ctl(&sb, json_string_value(detail),
					   json_string_length(detail));
			}
		}
		path_pop(w, at2);
	}
	path_pop(w, at);
	if (!rc) {
		w->wl->sla = strbuf_detach(&sb);
		if (!w->wl->sla)
			rc = -ENOMEM;
	}
	strbuf_release(&sb);
	return rc;
}

/* Why workload WL ran no iteration, into w->no_data (first pass, first
 * such workload only): the first context whose setup failed, else the
 * first failed SLA criterion (rally's "something_went_wrong"). */
static void why_no_data(struct walk *w, json_t *wl)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *ctxs, *c, *v, *err, *e;
	size_t i, j;

	strbuf_addf(&sb, "%s: no iteration in the report: workload '",
		    w->label);
	escape_ctl(&sb, w->wl->scenario, strlen(w->wl->scenario));
	strbuf_addf(&sb, "' (%s) ran none", strbuf_str(&w->path));
	ctxs = json_object_get(wl, "contexts_results");
	json_array_foreach(ctxs, i, c) {
		v = json_object_get(c, "plugin_name");
		err = json_object_get(json_object_get(c, "setup"), "error");
		if (!json_is_array(err) || json_array_size(err) == 0)
			continue;
		strbuf_adds(&sb, ": context '");
		if (json_is_string(v))
			escape_ctl(&sb, json_string_value(v),
				   json_string_length(v));
		strbuf_adds(&sb, "' setup failed:");
		json_array_foreach(err, j, e) {
			if (j >= 2 || !json_is_string(e))
				break;
			strbuf_adds(&sb, j ? ": " : " ");
			escape_ctl(&sb, json_string_value(e),
				   json_string_length(e));
		}
		goto out;
	}
	json_array_foreach(json_object_get(json_object_get(wl, "sla_results"),
					   "sla"), i, c) {
		v = json_object_get(c, "detail");
		if (json_is_false(json_object_get(c, "success")) &&
		    json_is_string(v)) {
			strbuf_adds(&sb, ": ");
			escape_ctl(&sb, json_string_value(v),
				   json_string_length(v));
			goto out;
		}
	}
out:
	w->no_data = strbuf_detach(&sb);
}

static char *dup_str(json_t *v, const char *dflt)
{
	return strdup(v ? json_string_value(v) : dflt);
}

/* Add a workload to the summary and make it w->wl (first pass). */
static int add_workload(struct walk *w, json_t *scenario_name, json_t *title)
{
	struct wl_rally_result *r = w->res;
	struct wl_rally_workload *nw;

	nw = realloc(r->workloads, (r->n_workloads + 1) * sizeof(*nw));
	if (!nw)
		return -ENOMEM;
	r->workloads = nw;
	w->wl = &nw[r->n_workloads++];
	memset(w->wl, 0, sizeof(*w->wl));
	w->wl->scenario = dup_str(scenario_name, "");
	w->wl->title = dup_str(title, "");
	if (!w->wl->scenario || !w->wl->title)
		return -ENOMEM;
	return 0;
}

/* One workload of a subtask, TITLE being the subtask's. */
static int walk_workload(struct walk *w, json_t *wl, json_t *title,
			 size_t index)
{
	const char *key;
	json_t *scenario, *args, *sname = NULL, *pass, *data, *it, *v;
	size_t i, at;
	int rc;

	if (!json_is_object(wl))
		return fail(w, -EINVAL, "not an object");
	if ((rc = member(w, wl, "scenario", J_OBJECT, true, &scenario)))
		return rc;
	if (json_object_size(scenario) != 1)
		return fail(w, -EINVAL, "'scenario' has %zu keys, not one "
			    "(the scenario's name)", json_object_size(scenario));
	json_object_foreach(scenario, key, args)
		sname = json_string(key);
	if (!sname)
		return -ENOMEM;
	at = path_push(w, ".scenario");
	rc = check_name(w, sname, "the scenario's name", !w->name);
	path_pop(w, at);
	if (rc)
		goto out;
	if ((rc = member(w, wl, "pass_sla", J_BOOL, true, &pass)) ||
	    (rc = member(w, wl, "data", J_ARRAY, true, &data)))
		goto out;
	if (!w->emit) {
		if ((rc = add_workload(w, sname, title)) ||
		    (rc = walk_sla(w, wl)))
			goto out;
		w->wl->pass_sla = json_is_true(pass);
		if ((rc = member(w, wl, "load_duration", J_NUMBER, false, &v)))
			goto out;
		w->wl->load_duration = v ? json_number_value(v) : 0;
		if ((rc = member(w, wl, "full_duration", J_NUMBER, false, &v)))
			goto out;
		w->wl->full_duration = v ? json_number_value(v) : 0;
		if (json_array_size(data) == 0 && !w->no_data) {
			why_no_data(w, wl);
			if (!w->no_data) {
				rc = -ENOMEM;
				goto out;
			}
		}
	} else {
		w->wl = &w->res->workloads[index];
	}
	json_array_foreach(data, i, it) {
		at = path_push(w, ".data[%zu]", i);
		rc = walk_iteration(w, it, w->name ? w->name :
				    json_string_value(sname));
		path_pop(w, at);
		if (rc)
			break;
	}
out:
	json_decref(sname);
	return rc;
}

/* The whole report ROOT. */
static int walk_report(struct walk *w, json_t *root)
{
	json_t *tasks, *task, *subtasks, *sub, *workloads, *wl, *title, *v;
	size_t i, j, k, at, at2, at3, n = 0;
	int rc;

	if ((rc = member(w, root, "tasks", J_ARRAY, true, &tasks)))
		return rc;
	json_array_foreach(tasks, i, task) {
		at = path_push(w, "tasks[%zu]", i);
		if (!json_is_object(task)) {
			rc = fail(w, -EINVAL, "not an object");
			goto out;
		}
		if ((rc = member(w, task, "subtasks", J_ARRAY, true,
				 &subtasks)) ||
		    (rc = member(w, task, "pass_sla", J_BOOL, false, &v)))
			goto out;
		if (!w->emit && json_is_false(v))
			w->res->pass_sla = false;
		if (!w->emit && i == 0) {
			if ((rc = member(w, task, "uuid", J_STRING, false,
					 &v)) ||
			    (v && (rc = check_name(w, v, "'uuid'", false))))
				goto out;
			w->res->task = dup_str(v, "");
			if ((rc = member(w, task, "status", J_STRING, false,
					 &v)) ||
			    (v && (rc = check_name(w, v, "'status'", false))))
				goto out;
			w->res->status = dup_str(v, "");
			if (!w->res->task || !w->res->status) {
				rc = -ENOMEM;
				goto out;
			}
		}
		json_array_foreach(subtasks, j, sub) {
			workloads = NULL;
			at2 = path_push(w, ".subtasks[%zu]", j);
			if (!json_is_object(sub))
				rc = fail(w, -EINVAL, "not an object");
			else if (!(rc = member(w, sub, "title", J_STRING,
					       false, &title)) &&
				 !(rc = title ? check_name(w, title, "'title'",
							   false) : 0))
				rc = member(w, sub, "workloads", J_ARRAY, true,
					    &workloads);
			json_array_foreach(workloads, k, wl) {
				if (rc)
					break;
				at3 = path_push(w, ".workloads[%zu]", k);
				rc = walk_workload(w, wl, title, n++);
				path_pop(w, at3);
			}
			path_pop(w, at2);
			if (rc)
				goto out;
		}
		path_pop(w, at);
	}
	return 0;
out:
	path_pop(w, at);
	return rc;
}

/* Is ROOT a rally task report? Its "info" gives the version. */
static int check_root(struct walk *w, json_t *root)
{
	json_t *info = json_object_get(root, "info"), *fv, *rv;
	json_t *first = json_array_get(root, 0);
	int rc;

	if (json_is_object(first) && json_object_get(first, "key") &&
	    json_object_get(first, "result"))
		return fail(w, -EINVAL, "this is the deprecated `rally task "
			    "results` format, which loses the atomic actions' "
			    "start times; give `rally task report --json "
			    "--out FILE` instead");
	if (!json_is_object(root) || !json_is_object(info) ||
	    !json_is_array(json_object_get(root, "tasks")))
		return fail(w, -EINVAL, "not a rally task report (a JSON "
			    "object with 'info' and 'tasks', as `rally task "
			    "report --json` writes)");
	w->path.len = 0;
	path_push(w, "info");
	if ((rc = member(w, info, "format_version", J_STRING, true, &fv)) ||
	    (rc = member(w, info, "rally_version", J_STRING, false, &rv)) ||
	    (rv && (rc = check_name(w, rv, "'rally_version'", false))))
		return rc;
	if (strncmp(json_string_value(fv), "1.", 2) != 0) {
		strbuf_addf(&w->msg, "%s: info: unsupported format_version "
			    "'", w->label);
		escape_ctl(&w->msg, json_string_value(fv),
			   json_string_length(fv));
		strbuf_adds(&w->msg, "' (this reads rally's 1.x)");
		return -EINVAL;
	}
	w->res->rally_version = dup_str(rv, "");
	path_pop(w, 0);
	return w->res->rally_version ? 0 : -ENOMEM;
}

void wl_rally_result_release(struct wl_rally_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->n_workloads; i++) {
		free(res->workloads[i].scenario);
		free(res->workloads[i].title);
		free(res->workloads[i].sla);
	}
	free(res->workloads);
	free(res->rally_version);
	free(res->task);
	free(res->status);
	memset(res, 0, sizeof(*res));
}

int wl_rally_parse(const char *label, const char *text, size_t len,
		   const char *name, wl_emit_fn emit, void *arg,
		   struct wl_rally_result *res, char **err)
{
	struct wl_rally_result sum;
	struct walk w;
	json_error_t jerr;
	json_t *root = NULL;
	size_t nlen;
	int rc;

	memset(&sum, 0, sizeof(sum));
	memset(&w, 0, sizeof(w));
	sum.pass_sla = true;
	w.label = label;
	w.name = name;
	w.arg = arg;
	w.res = &sum;
	*err = NULL;
	if (res)
		memset(res, 0, sizeof(*res));

	if (name) {
		nlen = strlen(name);
		if (nlen == 0 || nlen >= WL_OP_NAME_MAX) {
			rc = fail(&w, -EINVAL, "the workload's name is %zu "
				  "bytes, not 1 to %d", nlen,
				  WL_OP_NAME_MAX - 1);
			goto out;
		}
	}
	if (len > WL_RALLY_FILE_MAX) {
		rc = fail(&w, -EFBIG, "larger than %u MiB",
			  WL_RALLY_FILE_MAX >> 20);
		goto out;
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* jansson quotes the offending token raw. */
		strbuf_addf(&w.msg, "%s:%d:%d: not JSON (", label, jerr.line,
			    jerr.column);
		escape_ctl(&w.msg, jerr.text, strlen(jerr.text));
		strbuf_addc(&w.msg, ')');
		rc = -EINVAL;
		goto out;
	}
	if ((rc = check_root(&w, root)) || (rc = walk_report(&w, root)))
		goto out;
	if (sum.iterations == 0) {
		if (w.no_data)
			strbuf_adds(&w.msg, w.no_data);
		else
			fail(&w, 0, "no workload in the report");
		rc = -ENODATA;
		goto out;
	}
	/* Checked whole: from here on, only EMIT can fail (its own error,
	 * no message). */
	w.emit = emit;
	w.iteration = 0;
	rc = walk_report(&w, root);
out:
	if (rc && w.msg.len)
		*err = strbuf_detach(&w.msg);
	if (!rc && res)
		*res = sum;
	else
		wl_rally_result_release(&sum);
	json_decref(root);
	strbuf_release(&w.path);
	strbuf_release(&w.msg);
	strbuf_release(&w.text);
	free(w.no_data);
	return rc;
}

int wl_rally_load(const char *path, const char *name, wl_emit_fn emit,
		  void *arg, struct wl_rally_result *res, char **err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*err = NULL;
	if (res)
		memset(res, 0, sizeof(*res));
	rc = fs_read_file(path, WL_RALLY_FILE_MAX, &text, &len);
	if (rc) {
		if (rc == -EFBIG)
			*err = str_printf("%s: larger than %u MiB", path,
					  WL_RALLY_FILE_MAX >> 20);
		else
			*err = str_printf("%s: %s", path, fs_read_error(rc));
		return rc;
	}
	rc = wl_rally_parse(path, text, len, name, emit, arg, res, err);
	free(text);
	return rc;
}
