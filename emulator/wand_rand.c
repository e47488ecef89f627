/* wand_rand — the random and timing decisions of the wand engine: the
 * seeded PRNG, loss (random and Gilbert-Elliott), jitter distributions,
 * the rate queue. Pure functions over small structs, so tests/test_wand.c
 * checks them without sockets (see wand_core.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "emulator/wand_core.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void wand_rng_seed(struct wand_rng *r, uint64_t seed)
{
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t wand_rng_next(struct wand_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

double wand_rng_uniform(struct wand_rng *r)
{
	return (double)(wand_rng_next(r) >> 11) * 0x1.0p-53;
}

double wand_rng_normal(struct wand_rng *r)
{
	double u1 = 1.0 - wand_rng_uniform(r);  /* (0, 1]: log is finite */
	double u2 = wand_rng_uniform(r);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void wand_loss_set(struct wand_loss *l, double loss_pct, double burst)
{
	double p = loss_pct / 100.0;

	if (p < 0)
		p = 0;
	if (p > 1)
		p = 1;
	l->p_loss = p;
	l->p_gb = 0;
	l->p_bg = 0;
	if (burst > 1 && p > 0 && p < 1) {
		l->p_bg = 1.0 / burst;
		l->p_gb = p * l->p_bg / (1.0 - p);
		if (l->p_gb > 1)
			l->p_gb = 1;
	} else {
		l->bad = false;
	}
}

bool wand_loss_drop(struct wand_loss *l, struct wand_rng *r)
{
	if (l->p_loss <= 0)
		return false;
	if (l->p_bg <= 0)
		return wand_rng_uniform(r) < l->p_loss;
	/* The state for this packet, then whether it is lost in it. */
	if (l->bad) {
		if (wand_rng_uniform(r) < l->p_bg)
			l->bad = false;
	} else {
		if (wand_rng_uniform(r) < l->p_gb)
			l->bad = true;
	}
	return l->bad;
}

/* Pareto with alpha 3 and scale 1 has mean 1.5 and sigma sqrt(3)/2:
 * standardised here so jitter is its sigma, like netem's table. */
static double pareto_std(struct wand_rng *r)
{
	double u = 1.0 - wand_rng_uniform(r);   /* (0, 1] */
	double x = pow(u, -1.0 / 3.0);

	return (x - 1.5) / 0.8660254037844386;
}

uint64_t wand_delay_ns(const struct link_params *p, double *last,
		       struct wand_rng *r)
{
	double base = (double)p->delay_us * 1000.0, j = 0, x, c;

	if (p->jitter_us == 0)
		return p->delay_us * 1000ull;
	switch (p->dist) {
	case DIST_NORMAL:
		x = wand_rng_normal(r);
		break;
	case DIST_PARETO:
		x = pareto_std(r);
		break;
	case DIST_PARETONORMAL:
		/* iproute2's paretonormal: a quarter normal, three quarters
		 * pareto; sqrt(0.25^2 + 0.75^2) restores unit sigma. */
		x = (0.25 * wand_rng_normal(r) + 0.75 * pareto_std(r)) /
		    0.7905694150420949;
		break;
	case DIST_NONE:
	case DIST_UNIFORM:
	default:
		x = 2.0 * wand_rng_uniform(r) - 1.0;
		break;
	}
	c = p->jitter_corr_pct / 100.0;
	if (c > 0 && c <= 1) {
		x = (1.0 - c) * x + c * *last;
	}
	*last = x;
	j = x * (double)p->jitter_us * 1000.0;
	if (base + j <= 0)
		return 0;
	return (uint64_t)llround(base + j);
}

uint64_t wand_tx_ns(uint64_t bytes, uint64_t rate_bps)
{
	unsigned __int128 bits = (unsigned __int128)bytes * 8u * 1000000000u;

	if (!rate_bps)
		return 0;
	return (uint64_t)((bits + rate_bps - 1) / rate_bps);
}

int wand_rate_admit(struct wand_rate *q, uint64_t now, uint64_t bytes,
		    uint64_t rate_bps, uint32_t limit, uint64_t *depart)
{
	uint64_t start;
	int rc = 0;

	if (limit == 0)
		limit = 1;
	if (q->cap < limit) {
		/* Grow, keeping the queued departures in order. */
		uint64_t *n = malloc(sizeof(*n) * limit);
		uint32_t i;

		if (!n) {
			rc = -ENOMEM;
			goto out;
		}
		for (i = 0; i < q->count; i++)
			n[i] = q->ring[(q->head + i) % q->cap];
		free(q->ring);
		q->ring = n;
		q->cap = limit;
		q->head = 0;
	}
	/* Packets whose last bit has left are no longer queued. */
	while (q->count && q->ring[q->head] <= now) {
		q->head = (q->head + 1) % q->cap;
		q->count--;
	}
	if (q->count >= limit) {
		rc = -ENOBUFS;
		goto out;
	}
	start = q->t_free > now ? q->t_free : now;
	q->t_free = start + wand_tx_ns(bytes, rate_bps);
	q->ring[(q->head + q->count) % q->cap] = q->t_free;
	q->count++;
	*depart = q->t_free;
out:
	return rc;
}

void wand_rate_release(struct wand_rate *q)
{
	if (!q)
		return;
	free(q->ring);
	q->ring = NULL;
	q->cap = q->head = q->count = 0;
}
