/* calibrate — base RTT between hosts and its subtraction; see calibrate.h. */
#include "enos/calibrate.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/shape.h"
#include "reports/stats.h"
#include "util/escape.h"
#include "workloads/probe.h"

int calibrate_summary(double *v, size_t n, struct calib_base *out)
{
	size_t i, k = 0;
	double p90;
	int err;

	memset(out, 0, sizeof(*out));
	out->sent = (unsigned)n;
	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			v[k++] = v[i];
	out->received = (unsigned)k;
	if (k == 0)
		return -ENODATA;
	err = stats_sort(v, k);
	if (!err)
		err = stats_quantile(v, k, CALIBRATE_QUANTILE, &out->base_ms);
	if (!err)
		err = stats_quantile(v, k, 0.5, &out->p50_ms);
	if (!err)
		err = stats_quantile(v, k, 1.0 - CALIBRATE_QUANTILE, &p90);
	if (err)
		return err;
	out->min_ms = v[0];
	out->spread_ms = p90 - out->base_ms;
	return 0;
}

int calibrate_measure(const char *src_netns, const char *dst_netns,
		      uint32_t dst_addr, uint16_t remote_port,
		      unsigned samples, struct calib_base *out)
{
	struct probe_pair pp;
	struct probe_opts o;
	double *v;
	size_t i;
	int err;

	if (samples == 0)
		samples = CALIBRATE_SAMPLES;
	v = calloc(samples, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < samples; i++)
		v[i] = NAN;
	memset(&pp, 0, sizeof(pp));
	pp.src_netns = src_netns;
	pp.dst_netns = dst_netns;
	pp.dst_addr = dst_addr;
	pp.remote_port = remote_port;
	pp.sample_ms = v;
	memset(&o, 0, sizeof(o));
	o.samples = samples;
	o.interval_ms = CALIBRATE_INTERVAL_MS;
	o.timeout_ms = 1000;
	err = probe_rtt(&pp, 1, &o);
	if (!err)
		err = calibrate_summary(v, samples, out);
	free(v);
	return err;
}

uint64_t calibrate_oneway(uint64_t target_us, uint64_t base_us, bool *below)
{
	uint64_t half = base_us / 2;

	*below = target_us < half;
	return *below ? 0 : target_us - half;
}

int calibrate_table(struct shape_table *t, const size_t *host,
		    size_t n_hosts, const uint64_t *base_us,
		    uint64_t *offset_us, calibrate_warn_fn warn, void *arg)
{
	size_t n, a, b;
	int warned = 0;

	if (!t || !host || !base_us || n_hosts == 0)
		return -EINVAL;
	n = t->n;
	for (a = 0; a < n; a++)
		if (host[a] >= n_hosts)
			return -EINVAL;
	if (offset_us)
		memset(offset_us, 0, n * n * sizeof(*offset_us));
	for (a = 0; a < n; a++)
		for (b = a + 1; b < n; b++) {
			struct link_params *ab = &t->p[a * n + b];
			struct link_params *ba = &t->p[b * n + a];
			uint64_t base, rtt = ab->delay_us + ba->delay_us;
			uint64_t dab, dba;
			bool lo1, lo2;

			if (host[a] == host[b])
				continue;
			base = base_us[host[a] * n_hosts + host[b]];
			dab = calibrate_oneway(ab->delay_us, base, &lo1);
			dba = calibrate_oneway(ba->delay_us, base, &lo2);
			if (offset_us) {
				offset_us[a * n + b] = ab->delay_us - dab;
				offset_us[b * n + a] = ba->delay_us - dba;
			}
			ab->delay_us = dab;
			ba->delay_us = dba;
			if (lo1 || lo2) {
				warned++;
				if (warn)
					warn(arg, a, b, rtt, base);
			}
		}
	return warned;
}

int calibrate_warning(char *buf, size_t len, const char *src_site,
		      const char *dst_site, uint64_t target_rtt_us,
		      uint64_t base_us, const char *src_host,
		      const char *dst_host)
{
	char *s = escape_dup(src_site, strlen(src_site));
	char *d = escape_dup(dst_site, strlen(dst_site));
	char *hs = escape_dup(src_host, strlen(src_host));
	char *hd = escape_dup(dst_host, strlen(dst_host));
	int r = -ENOMEM;

	if (s && d && hs && hd)
		r = snprintf(buf, len, "pair '%s' -> '%s': target RTT %g ms "
			     "is below the %g ms base RTT between hosts "
			     "'%s' and '%s'", s, d, target_rtt_us / 1000.0,
			     base_us / 1000.0, hs, hd);
	free(s);
	free(d);
	free(hs);
	free(hd);
	return r;
}
