/* traffic — counting what crosses the WAN; see traffic.h.
 *
 * The backend counts (pair, protocol, service port); this file knows the
 * stack: the service of a port is the one whose instance listens on it at
 * either end of the pair (the server of a connection is at one end), read
 * from service_ports, which deploy.c fills from each instance's sockets.
 */
#include "enos/traffic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulator/shape.h"
#include "emulator/traffic.h"
#include "emulator/world.h"
#include "enos/cli.h"
#include "enos/shaping.h"

#define SERVICE_OTHER "other"

const char *traffic_service_of(const struct service_port *ports, size_t n,
			       const char *src, const char *dst, int proto,
			       int port)
{
	const char *at_src = NULL;
	size_t i;

	if (port == 0)
		return SERVICE_OTHER;
	for (i = 0; i < n; i++) {
		if (ports[i].proto != proto || ports[i].port != port)
			continue;
		if (!strcmp(ports[i].site, dst))
			return ports[i].service;
		if (!at_src && !strcmp(ports[i].site, src))
			at_src = ports[i].service;
	}
	return at_src ? at_src : SERVICE_OTHER;
}

/* Say why counting failed with RC; WHAT: "start counting", "read". */
static void say(const struct shaped_exp *e, const char *what, int rc)
{
	const char *name = e->w.name;

	if (rc == -ENOTSUP) {
		cli_warning("this host cannot count the WAN traffic of '%s' with "
			    "shaping '%s' (no nf_tables): no traffic figures",
			    name, e->info.shaping_ops->name);
	} else if (rc == -ENOTCONN) {
		cli_error("the WAN engine of '%s' does not answer", name);
		cli_hint("'enos tc -n %s' restarts it", name);
	} else if (rc == -ENOENT) {
		cli_error("no traffic counters are armed on '%s'", name);
		cli_hint("'enos traffic start -n %s' arms them", name);
	} else {
		cli_error("cannot %s the WAN traffic of '%s': %s", what, name,
			  strerror(-rc));
	}
}

int traffic_begin(struct enos_ctx *ctx, struct shaped_exp *e)
{
	const struct shape_ops *ops = e->info.shaping_ops;
	int rc;

	if (!ops->traffic_reset) {
		say(e, "count", -ENOTSUP);
		return -ENOTSUP;
	}
	rc = cli_emu(ctx);
	if (rc < 0)
		return rc;
	rc = ops->traffic_reset(ctx->emu, &e->w);
	if (rc < 0)
		say(e, "start counting", rc);
	return rc;
}

int traffic_store(struct enos_ctx *ctx, const struct world *w, int64_t run,
		  const struct traffic_table *t,
		  const struct service_port *ports, size_t n_ports)
{
	struct traffic_count total = { 0 };
	struct traffic_row r;
	size_t i;
	int rc;

	rc = state_wlop_batch_begin(ctx->st);
	for (i = 0; i < t->n && rc == 0; i++) {
		const struct traffic_entry *x = &t->v[i];
		const char *src = w->sites[x->src].name;
		const char *dst = w->sites[x->dst].name;

		memset(&r, 0, sizeof(r));
		snprintf(r.src_site, sizeof(r.src_site), "%s", src);
		snprintf(r.dst_site, sizeof(r.dst_site), "%s", dst);
		snprintf(r.service, sizeof(r.service), "%s",
			 traffic_service_of(ports, n_ports, src, dst, x->proto,
					    x->port));
		r.proto = x->proto;
		r.port = x->port;
		r.packets = x->c.packets;
		r.bytes = x->c.bytes;
		r.payload = x->c.payload;
		traffic_count_add(&total, &x->c);
		rc = state_traffic_add(ctx->st, run, &r);
	}
	if (rc == 0)
		rc = state_result_add(ctx->st, run, "traffic_packets", NULL, NULL,
				      (double)total.packets, "packets");
	if (rc == 0)
		rc = state_result_add(ctx->st, run, TRAFFIC_METRIC_BYTES, NULL,
				      NULL, (double)total.bytes, "B");
	if (rc == 0)
		rc = state_result_add(ctx->st, run, "traffic_payload", NULL, NULL,
				      (double)total.payload, "B");
	if (rc == 0)
		rc = state_wlop_batch_end(ctx->st, true);
	else
		state_wlop_batch_end(ctx->st, false);
	if (rc < 0)
		cli_error("cannot store the traffic of run %lld: %s",
			  (long long)run, state_errmsg(ctx->st));
	return rc;
}

int traffic_end(struct enos_ctx *ctx, struct shaped_exp *e, int64_t run)
{
	const struct shape_ops *ops = e->info.shaping_ops;
	struct service_port *ports = NULL;
	struct traffic_table t;
	size_t n_ports = 0;
	int rc, e2;

	traffic_table_init(&t, e->w.n_sites);
	if (!ops->traffic_read)
		return -ENOTSUP;
	rc = cli_emu(ctx);
	if (rc < 0)
		return rc;
	rc = ops->traffic_read(ctx->emu, &e->w, &t);
	if (rc < 0)
		say(e, "read", rc);
	/* Counting ends here, whether or not the read worked. */
	e2 = ops->traffic_clear(ctx->emu, &e->w);
	if (e2 < 0 && e2 != -ENOTSUP)
		cli_warning("cannot remove the traffic counters of '%s': %s",
			    e->w.name, strerror(-e2));
	if (rc == 0 && t.lost.packets)
		cli_warning("%llu packets of '%s' found no counter (tables full): "
			    "counted in no pair", (unsigned long long)t.lost.packets,
			    e->w.name);
	if (rc == 0) {
		rc = state_service_ports(ctx->st, e->w.name, &ports, &n_ports);
		if (rc < 0)
			cli_error("cannot read the service ports of '%s': %s",
				  e->w.name, state_errmsg(ctx->st));
	}
	if (rc == 0)
		rc = traffic_store(ctx, &e->w, run, &t, ports, n_ports);
	free(ports);
	traffic_table_release(&t);
	return rc;
}

#define MAX_SERVICES 64

/* Per-service totals of ROWS, largest first, into SVC (at most MAX). */
struct svc_total {
	const char *service;
	uint64_t bytes, payload;
};

static int svc_cmp(const void *a, const void *b)
{
	const struct svc_total *x = a, *y = b;

	return x->bytes < y->bytes ? 1 : x->bytes > y->bytes ? -1 :
	       strcmp(x->service, y->service);
}

static size_t by_service(const struct traffic_row *rows, size_t n,
			 struct svc_total *svc, size_t max)
{
	size_t i, k, m = 0;

	for (i = 0; i < n; i++) {
		for (k = 0; k < m && strcmp(svc[k].service, rows[i].service); k++)
			;
		if (k == m) {
			if (m == max)
				continue;
			svc[m].service = rows[i].service;
			svc[m].bytes = svc[m].payload = 0;
			m++;
		}
		svc[k].bytes += rows[i].bytes;
		svc[k].payload += rows[i].payload;
	}
	qsort(svc, m, sizeof(*svc), svc_cmp);
	return m;
}

void traffic_print(const char *name, int64_t run, const struct traffic_row *rows,
		   size_t n, size_t max_rows)
{
	struct svc_total svc[MAX_SERVICES];
	uint64_t total = 0;
	size_t i, m, shown = max_rows && max_rows < n ? max_rows : n;

	printf("WAN traffic of '%s', run %lld:\n", name, (long long)run);
	if (n == 0) {
		printf("  nothing crossed the WAN\n");
		return;
	}
	printf("%-14s %-14s %-14s %-6s %5s %12s %14s %14s\n", "SRC", "DST",
	       "SERVICE", "PROTO", "PORT", "PACKETS", "BYTES", "PAYLOAD");
	for (i = 0; i < n; i++) {
		const char *proto = traffic_proto_name(rows[i].proto);
		char num[16];

		total += rows[i].bytes;
		if (i >= shown)
			continue;
		if (!proto) {
			snprintf(num, sizeof(num), "%d", rows[i].proto);
			proto = num;
		}
		printf("%-14s %-14s %-14s %-6s %5d %12llu %14llu %14llu\n",
		       rows[i].src_site, rows[i].dst_site, rows[i].service, proto,
		       rows[i].port, (unsigned long long)rows[i].packets,
		       (unsigned long long)rows[i].bytes,
		       (unsigned long long)rows[i].payload);
	}
	if (shown < n)
		printf("... %zu more rows ('enos traffic show' or the report has them all)\n",
		       n - shown);
	m = by_service(rows, n, svc, MAX_SERVICES);
	printf("by service:");
	for (i = 0; i < m; i++)
		printf(" %s %.1f%%", svc[i].service,
		       total ? 100.0 * (double)svc[i].bytes / (double)total : 0.0);
	printf(" of %llu bytes\n", (unsigned long long)total);
}
