/* cmd_hosts — `enos hosts TOPOLOGY [--json]`: reach every host a
 * topology declares (`hosts:`) over ssh, as `up` will: start `enos host`
 * there (enos/host.h), check that it speaks this enos's protocol and
 * version, and show its facts (kernel, cores, memory, which backends it
 * can run) with whether its part of the world (enos/placement.h) fits its
 * available memory. Every host is started at once, so hosts that are gone
 * cost one timeout, not one each. Exit 1 naming each host that cannot be
 * reached, has no enos, or runs another version.
 *
 * $ENOS_SSH_CONFIG, when set, is handed to ssh as -F (a key and known
 * hosts of the experiment's own, as the system test does); otherwise ssh
 * reads the user's configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enos/cli.h"
#include "enos/cmd/cmd.h"
#include "enos/host.h"
#include "enos/json.h"
#include "enos/placement.h"

struct hosts_opts {
	bool json;
};

struct host_result {
	struct host_path *paths;        /* to every host, by index */
	struct host_conn conn;
	struct host_hello hello;
	struct host_facts facts;
	char *err;
	bool ok;
	int fit;                /* placement_fits, 1 when unknown */
	char fit_msg[512];
};

static void print_text(const struct topology *t, const struct placement *pl,
		       const struct host_result *r)
{
	size_t h, b, i, n;

	for (h = 0; h < t->n_hosts; h++) {
		const struct host_result *x = &r[h];

		if (!x->ok)
			continue;
		printf("host '%s' (%s, %s): enos %s, commit %s, protocol %ld\n",
		       t->hosts[h].name, t->hosts[h].ssh, x->facts.hostname,
		       x->hello.enos, x->hello.commit, x->hello.protocol);
		printf("  kernel %s, %ld core%s, %.1f GiB of %.1f GiB memory available\n",
		       x->facts.kernel, x->facts.cores,
		       x->facts.cores == 1 ? "" : "s",
		       (double)x->facts.mem_available / (1ull << 30),
		       (double)x->facts.mem_total / (1ull << 30));
		printf("  backends:");
		for (b = 0; b < x->facts.n_backends; b++)
			printf("%s %s %s%s", b ? "," : "",
			       x->facts.backends[b].kind,
			       x->facts.backends[b].name,
			       x->facts.backends[b].ok ? "" : " (no)");
		for (i = 0; i < t->n_hosts; i++) {
			const struct host_path *hp = x->paths ? &x->paths[i] : NULL;

			if (i == h || !hp || (hp->mtu < 0 && !hp->error[0]))
				continue;
			if (hp->error[0])
				printf("\n  path MTU to '%s' (%s): not found: %s",
				       t->hosts[i].name, t->hosts[i].address, hp->error);
			else
				printf("\n  path MTU to '%s' (%s): %ld, %ld inside the tunnel",
				       t->hosts[i].name, t->hosts[i].address, hp->mtu,
				       hp->inner);
		}
		printf("\n  sites:");
		for (i = 0, n = 0; i < t->n_sites; i++)
			if (pl->host_of[i] == h)
				printf("%s %s", n++ ? "," : "", t->sites[i].name);
		printf("%s\n  memory: %s%s\n", n ? "" : " none",
		       x->fit < 0 ? "DOES NOT FIT: " : "", x->fit_msg);
	}
}

static void print_json(const struct topology *t, const struct placement *pl,
		       const struct host_result *r)
{
	struct json j;
	size_t h, b, i;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_key_str(&j, "name", t->name);
	json_key_int(&j, "protocol", HOST_PROTOCOL);
	json_key(&j, "hosts");
	json_begin_array(&j);
	for (h = 0; h < t->n_hosts; h++) {
		const struct host_result *x = &r[h];

		json_begin_object(&j);
		json_key_str(&j, "name", t->hosts[h].name);
		json_key_str(&j, "ssh", t->hosts[h].ssh);
		json_key_bool(&j, "ok", x->ok);
		json_key_str(&j, "error", x->err);
		if (x->ok) {
			json_key_int(&j, "protocol", x->hello.protocol);
			json_key_str(&j, "enos", x->hello.enos);
			json_key_str(&j, "commit", x->hello.commit);
			json_key_str(&j, "hostname", x->facts.hostname);
			json_key_str(&j, "kernel", x->facts.kernel);
			json_key_int(&j, "cores", x->facts.cores);
			json_key_int(&j, "memory_total_bytes",
				     (int64_t)x->facts.mem_total);
			json_key_int(&j, "memory_available_bytes",
				     (int64_t)x->facts.mem_available);
			json_key(&j, "backends");
			json_begin_array(&j);
			for (b = 0; b < x->facts.n_backends; b++) {
				const struct host_backend *hb = &x->facts.backends[b];

				json_begin_object(&j);
				json_key_str(&j, "kind", hb->kind);
				json_key_str(&j, "name", hb->name);
				json_key_bool(&j, "ok", hb->ok);
				json_key_str(&j, "why", hb->why);
				json_end_object(&j);
			}
			json_end_array(&j);
			json_key(&j, "paths");
			json_begin_array(&j);
			for (i = 0; i < t->n_hosts; i++) {
				const struct host_path *hp = x->paths ? &x->paths[i] : NULL;

				if (i == h || !hp)
					continue;
				json_begin_object(&j);
				json_key_str(&j, "to", t->hosts[i].name);
				json_key_int(&j, "mtu", hp->mtu);
				json_key_int(&j, "inner", hp->inner);
				json_key_str(&j, "error", hp->error);
				json_end_object(&j);
			}
			json_end_array(&j);
			json_key_int(&j, "need_bytes",
				     (int64_t)pl->hosts[h].need.memory);
			json_key_bool(&j, "fits", x->fit == 0);
			json_key_str(&j, "why", x->fit_msg);
		}
		json_key(&j, "sites");
		json_begin_array(&j);
		for (i = 0; i < t->n_sites; i++)
			if (pl->host_of[i] == h)
				json_str(&j, t->sites[i].name);
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	json_finish(&j);
}

/* How long a host may take to probe its paths: up to about 8 s each,
 * side by side on every host. */
#define PATHS_TIMEOUT_MS 30000

/* Ask every host that answered for its path MTU to every other (`mtu
 * LOCAL PEER...`, all at once), into each result's paths. A host that
 * cannot say is a note, not a failure: the tunnel's MTU is checked again
 * at up. */
static void ask_paths(const struct topology *t, struct host_result *r)
{
	size_t h, i, n = t->n_hosts;
	struct host_conn **c = calloc(n, sizeof(*c));
	const char **addrs = calloc(n, sizeof(*addrs));
	struct host_path *all = calloc(n * n, sizeof(*all));

	for (h = 0; c && addrs && all && h < n; h++) {
		c[h] = r[h].ok ? &r[h].conn : NULL;
		addrs[h] = t->hosts[h].address;
	}
	if (c && addrs && all)
		host_ask_paths(c, addrs, n, all, PATHS_TIMEOUT_MS);
	for (h = 0; all && h < n; h++) {
		r[h].paths = calloc(n, sizeof(*r[h].paths));
		for (i = 0; r[h].paths && i < n; i++)
			r[h].paths[i] = all[h * n + i];
	}
	free(c);
	free(addrs);
	free(all);
}

static int run_hosts(struct enos_ctx *ctx, const struct cmd_args *a)
{
	const struct hosts_opts *o = a->opts;
	const struct topology *t = a->topo;
	const char *cfg = getenv("ENOS_SSH_CONFIG");
	struct host_result *r = NULL;
	struct placement pl = { 0 };
	size_t h, failed = 0;
	int status = EXIT_FAIL;

	(void)ctx;
	if (!t->n_hosts) {
		cli_error("topology '%s' declares no 'hosts': its world lives on this host ('enos check' shows it)",
			  t->path);
		return EXIT_FAIL;
	}
	if (cfg && !*cfg)
		cfg = NULL;
	r = calloc(t->n_hosts, sizeof(*r));
	if (!r || placement_compute(t, &pl) < 0) {
		cli_error("out of memory");
		goto out;
	}
	/* Every ssh starts first: they connect side by side. */
	for (h = 0; h < t->n_hosts; h++)
		if (host_connect(&t->hosts[h], cfg, &r[h].conn, &r[h].err) == 0)
			r[h].ok = true;
	for (h = 0; h < t->n_hosts; h++) {
		struct host_result *x = &r[h];

		if (x->ok && host_hello(&x->conn, &x->hello, &x->err) < 0)
			x->ok = false;
		if (x->ok && host_facts(&x->conn, &x->facts, &x->err) < 0)
			x->ok = false;
	}
	ask_paths(t, r);
	for (h = 0; h < t->n_hosts; h++) {
		struct host_result *x = &r[h];

		host_close(&x->conn);
		if (!x->ok) {
			failed++;
			continue;
		}
		x->fit = placement_fits(&pl, h, x->facts.mem_available,
					"available", x->facts.cores,
					x->fit_msg, sizeof(x->fit_msg));
		if (x->fit < 0)
			failed++;
		if (strcmp(x->hello.commit, host_commit()))
			fprintf(stderr, "note: host '%s' runs enos %s built from commit %s, this one from %s\n",
				t->hosts[h].name, x->hello.enos, x->hello.commit,
				host_commit());
	}
	if (o->json)
		print_json(t, &pl, r);
	else
		print_text(t, &pl, r);
	fflush(stdout);
	for (h = 0; h < t->n_hosts; h++) {
		if (r[h].err)
			cli_error("%s", r[h].err);
		else if (r[h].ok && r[h].fit < 0)
			cli_error("host '%s' cannot hold its part of '%s': %s",
				  t->hosts[h].name, t->name, r[h].fit_msg);
	}
	status = failed ? EXIT_FAIL : EXIT_OK;
out:
	for (h = 0; r && h < t->n_hosts; h++) {
		free(r[h].err);
		free(r[h].paths);
	}
	free(r);
	placement_release(&pl);
	return status;
}

static const struct cmd_option hosts_options[] = {
	CMD_OPT_BOOL("json", struct hosts_opts, json),
	{ 0 },
};

const struct enos_cmd cmd_hosts = {
	.name = "hosts",
	.usage = "[--json] TOPOLOGY.yaml",
	.summary = "reach the hosts a topology declares over ssh and show their facts",
	.help =
		"Runs 'enos host' on every host of TOPOLOGY.yaml's 'hosts:' over ssh\n"
		"(ssh -o BatchMode=yes DEST ENOS host: a key, never a password), checks that it\n"
		"speaks this enos's protocol and version, and prints its kernel, cores, memory and\n"
		"backends, and whether its part of the world (as 'enos check' places it) fits its\n"
		"available memory. Exit status 1 with one message naming each host that cannot be\n"
		"reached (within about 10 s), has no enos, runs another version, or is too small.\n"
		"$ENOS_SSH_CONFIG, when set, is given to ssh as -F.\n\n"
		"  --json   {\"hosts\":[{\"name\",\"ok\",\"error\",\"protocol\",\"enos\",\"commit\",\"kernel\",\n"
		"           \"cores\",\"memory_available_bytes\",\"backends\",\"fits\",\"sites\"}]}\n",
	.flags = CMD_OPTS_ANYWHERE | CMD_NEEDS_TOPOLOGY,
	.min_args = 1,
	.max_args = 1,
	.options = hosts_options,
	.opts_size = sizeof(struct hosts_opts),
	.run = run_hosts,
};
