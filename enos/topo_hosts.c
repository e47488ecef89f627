/* topo_hosts — the machines a topology spreads over (issue 14): `hosts:`,
 * `placement:` and each site's `host:`. See topo_loader.h for how the
 * loader is split and topologies/README.md for the language.
 *
 * Without `hosts:` nothing changes: the world lives on this host, every
 * site's host is -1 and enos/placement.c puts them all on the one
 * implicit local host. With hosts, every value that later reaches a
 * program (the ssh destination and the remote enos, which ssh hands to
 * the remote shell as one line) is held to a character set that needs no
 * quoting, so it can never be read as an option or as shell syntax.
 */
#include "enos/topo_loader.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/suggest.h"

enum { H_NAME, H_ADDRESS, H_SSH, H_LIBVIRT, H_ENOS, H_MEMORY, H_N };
static const char *const host_keys[] = { "name", "address", "ssh", "libvirt",
					 "enos", "memory" };

enum { P_AUTO, P_N };
static const char *const placement_keys[] = { "auto" };
static const char *const placement_autos[] = { "balance" };

#define HOST_VALUE_MAX 255

static bool alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* An ssh destination ssh(1) takes as one: [USER@]HOST, or
 * ssh://[USER@]HOST[:PORT]; never an option (a leading '-'), never a
 * character a shell or ssh_config would read. */
static bool ssh_dest_ok(const char *v)
{
	const char *p = v, *at;
	size_t i;

	if (!strncmp(p, "ssh://", 6))
		p += 6;
	at = strchr(p, '@');
	if (at) {
		if (at == p || strchr(at + 1, '@'))
			return false;
		for (i = 0; p + i < at; i++)
			if (!alnum(p[i]) && !strchr("._-", p[i]))
				return false;
		if (!alnum(p[0]) && p[0] != '_')
			return false;
		p = at + 1;
	}
	if (!alnum(p[0]) && p[0] != '[')
		return false;
	for (i = 0; p[i]; i++)
		if (!alnum(p[i]) && !strchr(".-:[]", p[i]))
			return false;
	return true;
}

/* A program path the remote shell runs as written: no quoting needed. */
static bool program_ok(const char *v)
{
	size_t i;

	if (!alnum(v[0]) && v[0] != '/' && v[0] != '.')
		return false;
	for (i = 0; v[i]; i++)
		if (!alnum(v[i]) && !strchr("/._-+", v[i]))
			return false;
	return true;
}

/* A libvirt URI: SCHEME://..., scheme letters, digits and '+', no
 * whitespace or control byte. */
static bool uri_ok(const char *v)
{
	const char *sep = strstr(v, "://");
	const char *p;

	if (!sep || sep == v || !(v[0] >= 'a' && v[0] <= 'z'))
		return false;
	for (p = v; p < sep; p++)
		if (!alnum(*p) && *p != '+')
			return false;
	for (p = v; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static int get_string(struct topo_loader *L, const yaml_node_t *n,
		      const char *key, const char *what,
		      bool (*ok)(const char *), const char *expected,
		      char **out)
{
	const char *v;
	int rc = yload_str(&L->y, n, key, &v);

	if (rc)
		return rc;
	if (strlen(v) > HOST_VALUE_MAX || !ok(v))
		return yload_fail(&L->y, n, "bad %s '%s' (expected %s)", what,
				  yload_show(&L->y, v).s, expected);
	*out = yload_dup(&L->y, v);
	return *out ? 0 : -ENOMEM;
}

/* An address the kernel's vxlan device takes as its underlay end: an
 * IPv4 or IPv6 literal, not a name (a tunnel's end must not move with
 * DNS), not a wildcard or multicast address. Canonical form into *OUT. */
static int get_address(struct topo_loader *L, const yaml_node_t *n,
		       char **out)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	const char *v;
	int af = AF_INET, rc = yload_str(&L->y, n, "address", &v);
	bool bad;

	if (rc)
		return rc;
	if (inet_pton(AF_INET, v, a) != 1) {
		af = AF_INET6;
		if (inet_pton(AF_INET6, v, a) != 1)
			return yload_fail(&L->y, n,
					  "bad address '%s' (expected an IPv4 or IPv6 address, such as 192.0.2.1)",
					  yload_show(&L->y, v).s);
	}
	if (af == AF_INET)
		bad = (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0) ||
		      a[0] >= 224;
	else
		bad = a[0] == 0xff ||
		      !memcmp(a, (unsigned char[16]){ 0 }, 16);
	if (bad)
		return yload_fail(&L->y, n,
				  "bad address '%s' (a host needs a unicast address its tunnels can reach)",
				  yload_show(&L->y, v).s);
	inet_ntop(af, a, text, sizeof(text));
	*out = yload_dup(&L->y, text);
	return *out ? 0 : -ENOMEM;
}

static int get_host(struct topo_loader *L, const yaml_node_t *item,
		    struct topo_host *h)
{
	const yaml_node_t *v[H_N], *k[H_N];
	const char *name;
	int rc;

	rc = yload_map(&L->y, item, "each host", host_keys, H_N, v, k);
	if (!rc)
		rc = yload_need(&L->y, item, k[H_NAME], "name");
	if (!rc)
		rc = yload_name(&L->y, v[H_NAME], "name", "host name", &name);
	if (!rc) {
		h->pos = yamldoc_pos(v[H_NAME]);
		if (!(h->name = yload_dup(&L->y, name)))
			rc = -ENOMEM;
	}
	if (!rc)
		rc = yload_need(&L->y, item, k[H_ADDRESS], "address");
	if (!rc)
		rc = get_address(L, v[H_ADDRESS], &h->address);
	if (!rc && k[H_SSH])
		rc = get_string(L, v[H_SSH], "ssh", "ssh destination",
				ssh_dest_ok,
				"[USER@]HOST or ssh://[USER@]HOST[:PORT]",
				&h->ssh);
	else if (!rc && !(h->ssh = yload_dup(&L->y, h->address)))
		rc = -ENOMEM;
	if (!rc && k[H_LIBVIRT])
		rc = get_string(L, v[H_LIBVIRT], "libvirt", "libvirt URI",
				uri_ok,
				"a libvirt URI such as qemu+ssh://root@192.0.2.2/system",
				&h->libvirt);
	if (!rc && k[H_ENOS])
		rc = get_string(L, v[H_ENOS], "enos", "enos program",
				program_ok,
				"a program name or path of letters, digits and /._-+",
				&h->enos);
	else if (!rc && !(h->enos = yload_dup(&L->y, "enos")))
		rc = -ENOMEM;
	if (!rc && k[H_MEMORY])
		rc = yload_memory(&L->y, v[H_MEMORY], "memory", MEMORY_MAX,
				  &h->memory_bytes);
	return rc;
}

int topo_hosts_load(struct topo_loader *L, const yaml_node_t *n)
{
	struct topology *t = L->t;
	struct topo_entry *names = NULL, first, dup;
	yaml_node_item_t *it;
	size_t len, i, j;
	int rc = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return yload_fail(&L->y, n, "expected a sequence for 'hosts', got %s",
				  yload_got(&L->y, n).s);
	len = yload_seq_len(n);
	if (len == 0)
		return yload_fail(&L->y, n,
				  "'hosts' is empty: name the hosts or leave the key out (the world then lives on this host)");
	if (len > TOPO_HOSTS_MAX)
		return yload_fail(&L->y, n, "too many hosts (%zu, at most %d)",
				  len, TOPO_HOSTS_MAX);
	t->hosts = calloc(len, sizeof(*t->hosts));
	names = calloc(len, sizeof(*names));
	if (!t->hosts || !names) {
		rc = yload_nomem(&L->y);
		goto out;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		struct topo_host *h = &t->hosts[t->n_hosts++];

		rc = get_host(L, yload_node(&L->y, *it), h);
		if (rc)
			goto out;
		names[t->n_hosts - 1] = (struct topo_entry){ h->name, 0, 0,
			false, h->pos, t->n_hosts - 1 };
	}
	if (topo_sites_duplicate(names, t->n_hosts, &first, &dup)) {
		rc = yload_fail_at(&L->y, dup.pos,
				   "duplicate host '%s' (first defined at line %d)",
				   dup.name, first.pos.line);
		goto out;
	}
	/* Two hosts at one address would be one tunnel end twice. */
	for (i = 1; i < t->n_hosts; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(t->hosts[i].address, t->hosts[j].address)) {
				rc = yload_fail_at(&L->y, t->hosts[i].pos,
						   "host '%s' has the address %s of host '%s' (line %d): each host needs its own",
						   t->hosts[i].name,
						   t->hosts[i].address,
						   t->hosts[j].name,
						   t->hosts[j].pos.line);
				goto out;
			}
out:
	free(names);
	return rc;
}

/* The host named by N (a site's `host:`). */
static int host_ref(struct topo_loader *L, const yaml_node_t *n, long *out)
{
	const struct topology *t = L->t;
	const char **names = NULL, *v, *hint;
	size_t i;
	int rc = yload_name(&L->y, n, "host", "host name", &v);

	if (rc)
		return rc;
	if (!t->n_hosts)
		return yload_fail(&L->y, n,
				  "unknown host '%s': the topology declares no 'hosts'",
				  v);
	*out = topo_host_index(t, v);
	if (*out >= 0)
		return 0;
	names = calloc(t->n_hosts, sizeof(*names));
	if (!names)
		return yload_nomem(&L->y);
	for (i = 0; i < t->n_hosts; i++)
		names[i] = t->hosts[i].name;
	hint = suggest_closest(v, names, t->n_hosts);
	if (hint)
		rc = yload_fail(&L->y, n, "unknown host '%s' (did you mean '%s'?)",
				v, hint);
	else
		rc = yload_fail(&L->y, n, "unknown host '%s'", v);
	free(names);
	return rc;
}

int topo_hosts_place(struct topo_loader *L, const yaml_node_t *n,
		     const yaml_node_t *key)
{
	struct topology *t = L->t;
	const yaml_node_t *v[P_N], *k[P_N];
	size_t i, j;
	long h = -1;
	int rc = 0, mode = 0;

	if (key) {
		if (!t->n_hosts)
			return yload_fail(&L->y, key,
					  "'placement' needs 'hosts': without them the world lives on this host");
		rc = yload_map(&L->y, n, "'placement'", placement_keys, P_N,
			       v, k);
		if (!rc && !k[P_AUTO])
			rc = yload_fail(&L->y, n,
					"'placement' is empty: give 'auto: balance' or a 'host' per site");
		if (!rc)
			rc = yload_enum(&L->y, v[P_AUTO], "auto", "placement",
					placement_autos,
					N_OF(placement_autos), &mode);
		if (rc)
			return rc;
		t->placement = PLACEMENT_BALANCE;
		t->placement_pos = yamldoc_pos(key);
	}
	for (i = 0; i < L->n_groups; i++) {
		const struct topo_group *g = &L->groups[i];

		if (!g->host) {
			/* One host holds everything; among several, a site
			 * without a host needs the automatic placement. */
			if (t->n_hosts > 1 && t->placement == PLACEMENT_NONE)
				return yload_fail(&L->y, g->name_node,
						  "site '%s' has no host: give it 'host: NAME' or set 'placement: {auto: balance}'",
						  g->name);
			continue;
		}
		rc = host_ref(L, g->host, &h);
		if (rc)
			return rc;
		for (j = 0; j < g->count; j++) {
			t->sites[g->first + j].host = h;
			t->sites[g->first + j].host_pos = yamldoc_pos(g->host);
		}
	}
	return 0;
}
