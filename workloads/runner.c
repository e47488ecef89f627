/* runner — one thread per job, operations queued back to the caller; see
 * workload.h.
 *
 * Each job runs in a thread of its own: setns(CLONE_NEWNET) is per
 * thread (emulator/netns.c), so the thread steps into its client node's
 * namespace once and everything the kind opens there (libcurl's sockets,
 * the probe's, a forked iperf3) is the node's. What a kind emits is
 * copied, its error text too, into a queue under a mutex; the caller's
 * thread takes the queue whole in wl_runner_wait() and hands each
 * operation to its take function, so only that thread touches the
 * database and the faults timeline runs between two takes. The queue is
 * bounded: a kind emitting faster than the caller stores waits (its
 * durations are taken before it emits, so waiting costs no figure).
 * Threads never print; a job's return value and message come back from
 * wl_runner_finish().
 */
#include "workloads/workload.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emulator/netns.h"
#include "emulator/node.h"
#include "util/str.h"

#define QUEUE_MAX (1u << 20)    /* operations waiting for the caller */

struct queued {
	size_t job;
	struct wl_op op;
	char *error;            /* copied */
};

struct slot {
	struct wl_runner *r;
	size_t index;
	pthread_t tid;
	bool started;           /* the thread exists (join it) */
	int rc;
	char *err;
};

struct wl_runner {
	pthread_mutex_t mu;
	pthread_cond_t more;    /* an operation was queued or a job ended */
	pthread_cond_t room;    /* the queue was taken, or closing */
	pthread_cond_t turn;    /* a job ended: one waiting for a slot may go */
	struct wl_job *jobs;    /* our copies: stop points at STOP */
	struct slot *slots;
	size_t n;
	struct queued *q;
	size_t len, cap;
	size_t ended;
	size_t running;
	bool closing;           /* finish: emit drops what comes */
	volatile sig_atomic_t stop;
};

/* wl_emit_fn of every job: copy OP into the queue. */
static int enqueue(void *arg, const struct wl_op *op)
{
	struct slot *s = arg;
	struct wl_runner *r = s->r;
	struct queued *nq;
	char *error = NULL;
	int rc = 0;

	if (op->error) {
		error = strdup(op->error);
		if (!error)
			return -ENOMEM;
	}
	pthread_mutex_lock(&r->mu);
	while (r->len >= QUEUE_MAX && !r->closing)
		pthread_cond_wait(&r->room, &r->mu);
	if (r->closing) {
		rc = -ECANCELED;
		goto out;
	}
	if (r->len == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;

		nq = realloc(r->q, cap * sizeof(*nq));
		if (!nq) {
			rc = -ENOMEM;
			goto out;
		}
		r->q = nq;
		r->cap = cap;
	}
	r->q[r->len].job = s->index;
	r->q[r->len].op = *op;
	r->q[r->len].op.error = NULL;
	r->q[r->len].error = error;
	r->len++;
	error = NULL;
	pthread_cond_signal(&r->more);
out:
	pthread_mutex_unlock(&r->mu);
	free(error);
	return rc;
}

/* Wait for a slot among the kind's max_parallel; false when stopped
 * first. */
static bool take_turn(struct wl_runner *r, const struct wl_job *job)
{
	unsigned max = job->kind->max_parallel;
	bool go;

	pthread_mutex_lock(&r->mu);
	while (max && r->running >= max && !r->stop && !r->closing)
		pthread_cond_wait(&r->turn, &r->mu);
	go = !r->stop && !r->closing;
	if (go)
		r->running++;
	pthread_mutex_unlock(&r->mu);
	return go;
}

static void *job_main(void *arg)
{
	struct slot *s = arg;
	struct wl_runner *r = s->r;
	const struct wl_job *job = &r->jobs[s->index];
	bool counted = false;
	int rc;

	if (!take_turn(r, job)) {
		rc = -EINTR;
		goto out;
	}
	counted = true;
	if (job->node != SIZE_MAX) {
		const struct world_node *n = &job->w->nodes[job->node];

		if (n->ops && n->ops->netns_empty) {
			s->err = str_printf("node '%s' is a VM (backend '%s'): workloads run from nodes whose network enos can enter",
					    n->name, n->ops->name);
			rc = -ENOTSUP;
			goto out;
		}
		rc = netns_enter(n->netns);
		if (rc < 0) {
			s->err = str_printf("cannot enter the network of node '%s': %s",
					    n->name, strerror(-rc));
			goto out;
		}
	}
	rc = job->kind->run(job, enqueue, s, &s->err);
out:
	pthread_mutex_lock(&r->mu);
	s->rc = rc;
	r->ended++;
	if (counted)
		r->running--;
	pthread_cond_broadcast(&r->more);
	pthread_cond_broadcast(&r->turn);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void runner_free(struct wl_runner *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->len; i++)
		free(r->q[i].error);
	for (i = 0; r->slots && i < r->n; i++)
		free(r->slots[i].err);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->more);
	pthread_cond_destroy(&r->room);
	pthread_cond_destroy(&r->turn);
	free(r->q);
	free(r->slots);
	free(r->jobs);
	free(r);
}

int wl_runner_start(const struct wl_job *jobs, size_t n,
		    struct wl_runner **out)
{
	struct wl_runner *r;
	size_t i;
	int rc = 0;

	*out = NULL;
	for (i = 0; i < n; i++)
		if (!jobs[i].kind || !jobs[i].kind->run || !jobs[i].values ||
		    (jobs[i].node != SIZE_MAX &&
		     (!jobs[i].w || jobs[i].node >= jobs[i].w->n_nodes)))
			return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->more, NULL);
	pthread_cond_init(&r->room, NULL);
	pthread_cond_init(&r->turn, NULL);
	r->n = n;
	r->jobs = calloc(n ? n : 1, sizeof(*r->jobs));
	r->slots = calloc(n ? n : 1, sizeof(*r->slots));
	if (!r->jobs || !r->slots) {
		runner_free(r);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		r->jobs[i] = jobs[i];
		r->jobs[i].stop = &r->stop;
		r->slots[i].r = r;
		r->slots[i].index = i;
	}
	for (i = 0; i < n; i++) {
		rc = -pthread_create(&r->slots[i].tid, NULL, job_main, &r->slots[i]);
		if (rc < 0)
			break;
		r->slots[i].started = true;
	}
	if (rc < 0) {
		/* Stop and join what started: nothing is left running. */
		pthread_mutex_lock(&r->mu);
		r->stop = 1;
		r->closing = true;
		pthread_cond_broadcast(&r->room);
		pthread_cond_broadcast(&r->turn);
		pthread_mutex_unlock(&r->mu);
		for (i = 0; i < n; i++)
			if (r->slots[i].started)
				pthread_join(r->slots[i].tid, NULL);
		runner_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* Deadline TIMEOUT_MS from now on CLOCK_REALTIME (the condvars' clock). */
static void deadline(struct timespec *ts, int timeout_ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += timeout_ms / 1000;
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int wl_runner_wait(struct wl_runner *r, int timeout_ms, wl_take_fn take,
		   void *arg)
{
	struct queued *batch;
	struct timespec ts;
	size_t len, i;
	int rc = 0;

	deadline(&ts, timeout_ms > 0 ? timeout_ms : 0);
	pthread_mutex_lock(&r->mu);
	while (r->len == 0 && r->ended < r->n && timeout_ms > 0)
		if (pthread_cond_timedwait(&r->more, &r->mu, &ts) == ETIMEDOUT)
			break;
	batch = r->q;
	len = r->len;
	r->q = NULL;
	r->len = r->cap = 0;
	pthread_cond_broadcast(&r->room);
	pthread_mutex_unlock(&r->mu);

	for (i = 0; i < len; i++) {
		struct wl_op op = batch[i].op;

		op.error = batch[i].error;
		if (rc == 0 && take)
			rc = take(arg, batch[i].job, &op);
		free(batch[i].error);
	}
	free(batch);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&r->mu);
	rc = r->ended == r->n && r->len == 0;
	pthread_mutex_unlock(&r->mu);
	return rc;
}

void wl_runner_stop(struct wl_runner *r)
{
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_cond_broadcast(&r->turn);
	pthread_mutex_unlock(&r->mu);
}

int wl_runner_finish(struct wl_runner *r, int *rcs, char **errs)
{
	size_t i;
	int first = 0;

	if (!r)
		return 0;
	/* Jobs still running (the caller gave up on them) are stopped and
	 * what they emit from now on is dropped. */
	pthread_mutex_lock(&r->mu);
	if (r->ended < r->n) {
		r->stop = 1;
		r->closing = true;
	}
	pthread_cond_broadcast(&r->room);
	pthread_cond_broadcast(&r->turn);
	pthread_mutex_unlock(&r->mu);
	for (i = 0; i < r->n; i++) {
		struct slot *s = &r->slots[i];

		if (s->started)
			pthread_join(s->tid, NULL);
		if (rcs)
			rcs[i] = s->rc;
		if (errs) {
			errs[i] = s->err;
			s->err = NULL;
		}
		if (!first && s->rc < 0 && s->rc != -EINTR)
			first = s->rc;
	}
	runner_free(r);
	return first;
}
