/* test_traffic — traffic counting without root: the service port of a
 * packet, what a frame counts as (TCP/UDP, IPv4/IPv6, GSO superframes,
 * fragments, not IP, truncated), the engine's counter (insertion, the
 * cap and the pairs' overflow bucket, reset), the `traffic` reply's text
 * both ways (and what a bad reply is), the gateways' nftables elements,
 * the ports a process serves on, and the mapping of counted ports to the
 * services of a stack as stored in a run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emulator/proc.h"
#include "emulator/traffic.h"
#include "emulator/traffic_nft.h"
#include "emulator/traffic_ports.h"
#include "emulator/wand.h"
#include "emulator/wand_core.h"
#include "enos/cli.h"
#include "enos/state.h"
#include "enos/traffic.h"
#include "tests/suites.h"
#include "tests/testutil.h"

START_TEST(test_service_port)
{
	static const struct { uint16_t sport, dport, want; } cases[] = {
		{ 40000, 2379, 2379 },  /* client -> server */
		{ 2379, 40000, 2379 },  /* server -> client */
		{ 2380, 2380, 2380 },   /* both below: the source's */
		{ 123, 53, 123 },
		{ 40000, 50000, 0 },    /* both ephemeral: other */
		{ 32767, 32768, 32767 },
		{ 32768, 32767, 32767 },
		{ 0, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(traffic_service_port(cases[i].sport, cases[i].dport) ==
			      cases[i].want, "%u -> %u", cases[i].sport, cases[i].dport);
}
END_TEST

/* A frame into F: VNET bytes of virtio-net header (GSO_SIZE > 0: a
 * superframe), Ethernet, IPv4 or IPv6, then PROTO (6: TCP with a 32-byte
 * header, 17: UDP, else no L4 header) from SPORT to DPORT with PAYLOAD
 * bytes. Returns its length. */
static size_t make_frame(uint8_t *f, size_t vnet, bool v6, uint8_t proto,
			 uint16_t sport, uint16_t dport, size_t payload,
			 uint16_t gso_size)
{
	size_t l3 = vnet + 14, iph = v6 ? 40 : 20, l4 = l3 + iph;
	size_t l4h = proto == 6 ? 32 : proto == 17 ? 8 : 0;
	size_t len = l4 + l4h + payload, ipl = len - l3;
	uint8_t *ip = f + l3, *th = f + l4;

	memset(f, 0, len);
	if (vnet) {
		struct virtio_net_hdr vh = { 0 };

		if (gso_size) {
			vh.gso_type = proto == 17 ? 5 /* UDP_L4 */ :
				      v6 ? VIRTIO_NET_HDR_GSO_TCPV6 :
				      VIRTIO_NET_HDR_GSO_TCPV4;
			vh.gso_size = gso_size;
		}
		memcpy(f, &vh, sizeof(vh));
	}
	f[vnet + 12] = v6 ? 0x86 : 0x08;
	f[vnet + 13] = v6 ? 0xdd : 0x00;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((ipl - 40) >> 8);
		ip[5] = (uint8_t)(ipl - 40);
		ip[6] = proto;
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)(ipl >> 8);
		ip[3] = (uint8_t)ipl;
		ip[9] = proto;
	}
	if (l4h) {
		th[0] = (uint8_t)(sport >> 8);
		th[1] = (uint8_t)sport;
		th[2] = (uint8_t)(dport >> 8);
		th[3] = (uint8_t)dport;
		if (proto == 6)
			th[12] = 8 << 4;
	}
	return len;
}

START_TEST(test_classify)
{
	static uint8_t f[70000];
	struct traffic_frame tf;
	size_t len;

	/* A TCP segment to etcd: 14 + 20 + 32 + 100 on the wire. */
	len = make_frame(f, WAND_VNET_LEN, false, 6, 40000, 2379, 100, 0);
	traffic_classify(f, len, WAND_VNET_LEN, &tf);
	ck_assert_uint_eq(tf.proto, 6);
	ck_assert_uint_eq(tf.port, 2379);
	ck_assert_uint_eq(tf.c.packets, 1);
	ck_assert_uint_eq(tf.c.bytes, 14 + 20 + 32 + 100);
	ck_assert_uint_eq(tf.c.payload, 100);

	/* A pure ACK padded to 60 bytes: the padding is no payload. */
	len = make_frame(f, 0, false, 6, 2379, 40000, 0, 0);
	traffic_classify(f, 60, 0, &tf);
	ck_assert_uint_eq(tf.port, 2379);
	ck_assert_uint_eq(tf.c.bytes, 60);
	ck_assert_uint_eq(tf.c.payload, 0);

	/* UDP over IPv6 from an ephemeral port to DNS. */
	len = make_frame(f, WAND_VNET_LEN, true, 17, 50000, 53, 40, 0);
	traffic_classify(f, len, WAND_VNET_LEN, &tf);
	ck_assert_uint_eq(tf.proto, 17);
	ck_assert_uint_eq(tf.port, 53);
	ck_assert_uint_eq(tf.c.bytes, 14 + 40 + 8 + 40);
	ck_assert_uint_eq(tf.c.payload, 40);

	/* A superframe of 10000 bytes cut at 1448: the 7 wire packets it
	 * makes, each with its own headers. */
	len = make_frame(f, WAND_VNET_LEN, false, 6, 40000, 5201, 10000, 1448);
	traffic_classify(f, len, WAND_VNET_LEN, &tf);
	ck_assert_uint_eq(tf.port, 5201);
	ck_assert_uint_eq(tf.c.packets, 7);
	ck_assert_uint_eq(tf.c.payload, 10000);
	ck_assert_uint_eq(tf.c.bytes, 10000 + 7 * (14 + 20 + 32));
	/* One that fits one packet is one packet. */
	len = make_frame(f, WAND_VNET_LEN, false, 6, 40000, 5201, 1000, 1448);
	traffic_classify(f, len, WAND_VNET_LEN, &tf);
	ck_assert_uint_eq(tf.c.packets, 1);
	ck_assert_uint_eq(tf.c.bytes, len - WAND_VNET_LEN);

	/* Both ports ephemeral: other. */
	len = make_frame(f, WAND_VNET_LEN, false, 6, 40000, 50000, 10, 0);
	traffic_classify(f, len, WAND_VNET_LEN, &tf);
	ck_assert_uint_eq(tf.proto, 6);
	ck_assert_uint_eq(tf.port, 0);

	/* ICMP: the protocol, port 0, the IP payload. */
	len = make_frame(f, 0, false, 1, 0, 0, 64, 0);
	traffic_classify(f, len, 0, &tf);
	ck_assert_uint_eq(tf.proto, 1);
	ck_assert_uint_eq(tf.port, 0);
	ck_assert_uint_eq(tf.c.payload, 64);

	/* A later IPv4 fragment of UDP: no port, all payload. */
	len = make_frame(f, 0, false, 17, 50000, 53, 200, 0);
	f[14 + 6] = 0x00;
	f[14 + 7] = 0x10;       /* offset 128 bytes */
	traffic_classify(f, len, 0, &tf);
	ck_assert_uint_eq(tf.proto, 17);
	ck_assert_uint_eq(tf.port, 0);
	ck_assert_uint_eq(tf.c.payload, 208);

	/* Behind a VLAN tag. */
	len = make_frame(f, 0, false, 6, 40000, 2380, 10, 0);
	memmove(f + 16, f + 12, len - 12);
	f[12] = 0x81;
	f[13] = 0x00;
	traffic_classify(f, len + 4, 0, &tf);
	ck_assert_uint_eq(tf.port, 2380);
	ck_assert_uint_eq(tf.c.payload, 10);

	/* ARP, and frames cut short: counted as not IP, never read past. */
	memset(f, 0, 60);
	f[12] = 0x08;
	f[13] = 0x06;
	traffic_classify(f, 42, 0, &tf);
	ck_assert_uint_eq(tf.proto, 0);
	ck_assert_uint_eq(tf.c.packets, 1);
	ck_assert_uint_eq(tf.c.bytes, 42);
	len = make_frame(f, WAND_VNET_LEN, false, 6, 40000, 2379, 100, 0);
	traffic_classify(f, WAND_VNET_LEN + 20, WAND_VNET_LEN, &tf);
	ck_assert_uint_eq(tf.proto, 0);
	traffic_classify(f, WAND_VNET_LEN + 14 + 20 + 10, WAND_VNET_LEN, &tf);
	ck_assert_uint_eq(tf.proto, 6);
	ck_assert_uint_eq(tf.port, 0);
	traffic_classify(f, 4, WAND_VNET_LEN, &tf);
	ck_assert_uint_eq(tf.c.bytes, 0);
}
END_TEST

/* Sum of every count of TC, lost included. */
static struct traffic_count counter_sum(const struct traffic_counter *tc,
					size_t *keys)
{
	struct traffic_count sum = tc->lost, c;
	size_t pos = 0, s, d;
	uint16_t port;
	uint8_t proto;

	*keys = 0;
	while (traffic_counter_next(tc, &pos, &s, &d, &proto, &port, &c)) {
		traffic_count_add(&sum, &c);
		(*keys)++;
	}
	return sum;
}

START_TEST(test_counter)
{
	struct traffic_counter tc;
	struct traffic_count one = { 1, 100, 60 }, c, sum;
	size_t pos = 0, s, d, keys, i, found = 0;
	uint16_t port;
	uint8_t proto;

	ck_assert_uint_eq(traffic_counter_slots(2), 4096);
	ck_assert_uint_eq(traffic_counter_slots(1024), 262144);
	ck_assert_int_eq(traffic_counter_init(&tc, 3, 100), 0);
	ck_assert_uint_eq(tc.n_slots, 128);
	traffic_counter_add(&tc, 0, 1, 6, 2379, &one);
	traffic_counter_add(&tc, 0, 1, 6, 2379, &one);
	traffic_counter_add(&tc, 1, 0, 6, 2379, &one);
	traffic_counter_add(&tc, 2, 1, 17, 53, &one);
	traffic_counter_add(&tc, 2, 1, 0, 0, &one);
	while (traffic_counter_next(&tc, &pos, &s, &d, &proto, &port, &c)) {
		if (s == 0 && d == 1) {
			ck_assert_uint_eq(proto, 6);
			ck_assert_uint_eq(port, 2379);
			ck_assert_uint_eq(c.packets, 2);
			ck_assert_uint_eq(c.bytes, 200);
			ck_assert_uint_eq(c.payload, 120);
		}
		found++;
	}
	ck_assert_uint_eq(found, 4);
	traffic_counter_reset(&tc);
	sum = counter_sum(&tc, &keys);
	ck_assert_uint_eq(keys, 0);
	ck_assert_uint_eq(sum.packets, 0);
	traffic_counter_release(&tc);

	/* The cap: 48 of 64 slots for keys, then a pair's overflow key. */
	ck_assert_int_eq(traffic_counter_init(&tc, 2, 64), 0);
	for (i = 0; i < 100; i++)
		traffic_counter_add(&tc, 0, 1, 6, (uint16_t)(1000 + i), &one);
	sum = counter_sum(&tc, &keys);
	ck_assert_uint_eq(sum.packets, 100);
	ck_assert_uint_eq(keys, 49);
	ck_assert_uint_eq(tc.lost.packets, 0);
	for (pos = 0; traffic_counter_next(&tc, &pos, &s, &d, &proto, &port, &c); )
		if (proto == 0 && port == 0)
			ck_assert_uint_eq(c.packets, 100 - 48);
	traffic_counter_release(&tc);

	/* Overflow keys of many pairs fill the rest; then frames are lost,
	 * but still counted. */
	ck_assert_int_eq(traffic_counter_init(&tc, 100, 64), 0);
	for (i = 0; i < 99 * 3; i++)
		traffic_counter_add(&tc, 0, 1 + i % 99, 6, (uint16_t)(100 + i), &one);
	sum = counter_sum(&tc, &keys);
	ck_assert_uint_eq(sum.packets, 99 * 3);
	ck_assert_uint_le(keys, 63);
	ck_assert_uint_gt(tc.lost.packets, 0);
	traffic_counter_release(&tc);
	ck_assert_int_eq(traffic_counter_init(&tc, 70000, 64), -EINVAL);
	traffic_counter_release(NULL);
}
END_TEST

START_TEST(test_table_merge)
{
	struct traffic_table t;
	struct traffic_count a = { 1, 100, 50 }, b = { 2, 300, 200 };
	const struct traffic_entry *e;

	traffic_table_init(&t, 3);
	ck_assert_int_eq(traffic_table_add(&t, 2, 0, 6, 80, &a), 0);
	ck_assert_int_eq(traffic_table_add(&t, 0, 1, 6, 80, &a), 0);
	ck_assert_int_eq(traffic_table_add(&t, 2, 0, 6, 80, &b), 0);
	ck_assert_int_eq(traffic_table_add(&t, 1, 1, 6, 80, &b), -EINVAL);
	ck_assert_int_eq(traffic_table_add(&t, 3, 1, 6, 80, &b), -EINVAL);
	traffic_table_finish(&t);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(t.v[0].src, 0);
	e = traffic_table_find(&t, 2, 0, 6, 80);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->c.packets, 3);
	ck_assert_uint_eq(e->c.bytes, 400);
	ck_assert_uint_eq(e->c.payload, 250);
	ck_assert_ptr_null(traffic_table_find(&t, 2, 0, 17, 80));
	traffic_table_release(&t);
	ck_assert_str_eq(traffic_proto_name(6), "tcp");
	ck_assert_ptr_null(traffic_proto_name(47));
}
END_TEST

/* The engine's reply for TC, as cmd_traffic writes it. */
static char *reply_of(const struct traffic_counter *tc)
{
	size_t cap = 1 << 16, used = 0, pos = 0, s, d, keys;
	char *buf = malloc(cap);
	struct traffic_count c;
	uint16_t port;
	uint8_t proto;

	ck_assert_ptr_nonnull(buf);
	counter_sum(tc, &keys);
	used += (size_t)snprintf(buf, cap, "ok traffic sites=%zu entries=%zu "
				 "lost_packets=%llu lost_bytes=%llu lost_payload=%llu\n",
				 tc->n_sites, keys,
				 (unsigned long long)tc->lost.packets,
				 (unsigned long long)tc->lost.bytes,
				 (unsigned long long)tc->lost.payload);
	while (traffic_counter_next(tc, &pos, &s, &d, &proto, &port, &c))
		used += (size_t)wand_traffic_format(buf + used, cap - used, s, d,
						    proto, port, &c);
	snprintf(buf + used, cap - used, "end\n");
	return buf;
}

START_TEST(test_text_roundtrip)
{
	struct traffic_counter tc;
	struct traffic_count big = { 12345678901ull, 98765432109876ull, 5 };
	struct traffic_count c = { 3, 300, 100 };
	const struct traffic_entry *e;
	struct traffic_table t;
	char *reply, line[160];
	size_t i;
	static const char *const bad[] = {
		"",
		"ok stats ports=2 pairs=0\nend\n",
		"ok traffic sites=2 entries=1 lost_packets=0 lost_bytes=0 lost_payload=0\nend\n",
		"ok traffic sites=2 entries=0 lost_packets=0 lost_bytes=0 lost_payload=0\n",
		"ok traffic sites=2 entries=1 lost_packets=0 lost_bytes=0 lost_payload=0\n"
		"0 2 6 80 packets=1 bytes=1 payload=1\nend\n",
		"ok traffic sites=2 entries=1 lost_packets=0 lost_bytes=0 lost_payload=0\n"
		"1 1 6 80 packets=1 bytes=1 payload=1\nend\n",
		"ok traffic sites=2 entries=1 lost_packets=0 lost_bytes=0 lost_payload=0\n"
		"0 1 6 65536 packets=1 bytes=1 payload=1\nend\n",
		"ok traffic sites=2 entries=1 lost_packets=0 lost_bytes=0 lost_payload=0\n"
		"0 1 256 80 packets=1 bytes=1 payload=1\nend\n",
		"ok traffic sites=2 entries=1 lost_packets=0 lost_bytes=0 lost_payload=0\n"
		"0 1 6 80 packets=-1 bytes=1 payload=1\nend\n",
		"ok traffic sites=2 entries=1 lost_packets=0 lost_bytes=0 lost_payload=0\n"
		"0 1 6 80 bytes=1 packets=1 payload=1\nend\n",
		"ok traffic sites=2 entries=1 lost_packets=0 lost_bytes=0 lost_payload=0\n"
		"0 1 6 80 packets=1 bytes=1 payload=1 extra\nend\n",
		"ok traffic sites=0 entries=0 lost_packets=0 lost_bytes=0 lost_payload=0\nend\n",
		"ok traffic sites=5000 entries=0 lost_packets=0 lost_bytes=0 lost_payload=0\nend\n",
	};

	ck_assert_int_eq(traffic_counter_init(&tc, 4, 64), 0);
	traffic_counter_add(&tc, 0, 3, 6, 2379, &big);
	traffic_counter_add(&tc, 3, 0, 6, 2379, &c);
	traffic_counter_add(&tc, 1, 2, 17, 53, &c);
	traffic_counter_add(&tc, 2, 1, 0, 0, &c);
	tc.lost = c;
	reply = reply_of(&tc);
	ck_assert_int_eq(wand_traffic_parse(reply, &t), 0);
	ck_assert_uint_eq(t.n_sites, 4);
	ck_assert_uint_eq(t.n, 4);
	e = traffic_table_find(&t, 0, 3, 6, 2379);
	ck_assert_ptr_nonnull(e);
	ck_assert(e->c.packets == big.packets && e->c.bytes == big.bytes &&
		  e->c.payload == big.payload);
	e = traffic_table_find(&t, 2, 1, 0, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->c.bytes, 300);
	ck_assert_uint_eq(t.lost.packets, 3);
	traffic_table_release(&t);
	free(reply);
	traffic_counter_release(&tc);

	wand_traffic_format(line, sizeof(line), 1, 0, 6, 5201, &c);
	ck_assert_str_eq(line, "1 0 6 5201 packets=3 bytes=300 payload=100\n");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(wand_traffic_parse(bad[i], &t) == -EPROTO, "%s", bad[i]);
		ck_assert_uint_eq(t.n, 0);
		traffic_table_release(&t);
	}
}
END_TEST

START_TEST(test_nft_element)
{
	uint8_t key[TRAFFIC_NFT_KEY_LEN] = { 0 };
	struct traffic_count c;
	uint16_t port;
	uint8_t proto;

	/* TCP to port 2379, IPv4 without options, TCP with timestamps. */
	key[0] = 6;
	key[4] = 2379 >> 8;
	key[5] = 2379 & 0xff;
	key[8] = 0x45;
	key[12] = 8 << 4;
	traffic_nft_element(key, 10, 10 * 52 + 5000, &proto, &port, &c);
	ck_assert_uint_eq(proto, 6);
	ck_assert_uint_eq(port, 2379);
	ck_assert_uint_eq(c.packets, 10);
	ck_assert_uint_eq(c.bytes, 10 * 52 + 5000 + 10 * 14);
	ck_assert_uint_eq(c.payload, 5000);
	/* UDP: the rule stores 0x20 (8 bytes). */
	key[0] = 17;
	key[12] = 0x20;
	traffic_nft_element(key, 2, 2 * 28 + 100, &proto, &port, &c);
	ck_assert_uint_eq(c.payload, 100);
	/* Counters that make no sense never go negative. */
	traffic_nft_element(key, 5, 10, &proto, &port, &c);
	ck_assert_uint_eq(c.payload, 0);
}
END_TEST

/* The ports this process serves on: a TCP listener and a bound UDP socket
 * on every address; a loopback-only listener and a connected UDP socket
 * are left out. */
static int sock_on(int type, uint32_t addr, uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, type, 0);

	ck_assert_int_ge(fd, 0);
	sa.sin_addr.s_addr = htonl(addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(fd, 1), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

START_TEST(test_tree_ports)
{
	struct sockaddr_in peer = { .sin_family = AF_INET };
	struct traffic_port *v = NULL;
	uint16_t tcp, udp, lo, conn;
	int fds[4];
	size_t n = 0, i;
	bool got_tcp = false, got_udp = false;

	fds[0] = sock_on(SOCK_STREAM, INADDR_ANY, &tcp);
	fds[1] = sock_on(SOCK_DGRAM, INADDR_ANY, &udp);
	fds[2] = sock_on(SOCK_STREAM, INADDR_LOOPBACK, &lo);
	fds[3] = sock_on(SOCK_DGRAM, INADDR_ANY, &conn);
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	peer.sin_port = htons(9);
	ck_assert_int_eq(connect(fds[3], (struct sockaddr *)&peer, sizeof(peer)), 0);
	ck_assert_int_eq(traffic_ports_of(getpid(), &v, &n), 0);
	for (i = 0; i < n; i++) {
		got_tcp |= v[i].proto == 6 && v[i].port == tcp;
		got_udp |= v[i].proto == 17 && v[i].port == udp;
		ck_assert(!(v[i].proto == 6 && v[i].port == lo));
		ck_assert(!(v[i].proto == 17 && v[i].port == conn));
	}
	ck_assert_msg(got_tcp && got_udp, "tcp %u udp %u among %zu ports", tcp, udp, n);
	free(v);
	for (i = 0; i < 4; i++)
		close(fds[i]);
	ck_assert_int_eq(traffic_ports_of(-1, &v, &n), -ESRCH);
}
END_TEST

/* A tree without a socket (a service between its start and its listen):
 * no port, and no empty set handed to qsort (UBSan under make asan found
 * it in sys_nodefault). */
START_TEST(test_tree_without_sockets)
{
	struct traffic_port *v = NULL;
	size_t n = 1;
	pid_t child;
	int st;

	fflush(NULL);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		close_range(3, ~0u, 0);
		pause();
		_exit(0);
	}
	usleep(50 * 1000);
	ck_assert_int_eq(traffic_ports_of(child, &v, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(v);
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
}
END_TEST

START_TEST(test_service_of)
{
	struct service_port ports[] = {
		{ "etcd-1", "etcd", "regional-1", 6, 2379 },
		{ "etcd-1", "etcd", "regional-1", 6, 2380 },
		{ "etcd-2", "etcd", "regional-2", 6, 2379 },
		{ "api-1", "api", "edge-1", 6, 8080 },
		{ "dns-1", "dns", "regional-2", 17, 53 },
	};
	size_t n = sizeof(ports) / sizeof(ports[0]);

	ck_assert_str_eq(traffic_service_of(ports, n, "edge-1", "regional-1", 6, 2379), "etcd");
	ck_assert_str_eq(traffic_service_of(ports, n, "regional-1", "edge-1", 6, 2379), "etcd");
	ck_assert_str_eq(traffic_service_of(ports, n, "regional-1", "regional-2", 6, 2380), "etcd");
	/* Not at either end of the pair. */
	ck_assert_str_eq(traffic_service_of(ports, n, "edge-1", "edge-2", 6, 2379), "other");
	/* The server at the destination wins over one at the source. */
	ck_assert_str_eq(traffic_service_of(ports, n, "edge-1", "regional-2", 6, 8080), "api");
	ck_assert_str_eq(traffic_service_of(ports, n, "edge-1", "regional-2", 17, 53), "dns");
	ck_assert_str_eq(traffic_service_of(ports, n, "edge-1", "regional-2", 6, 53), "other");
	ck_assert_str_eq(traffic_service_of(ports, n, "edge-1", "regional-1", 6, 0), "other");
	ck_assert_str_eq(traffic_service_of(NULL, 0, "a", "b", 6, 2379), "other");
}
END_TEST

/* traffic_store: rows per pair, service and port, added up, totals. */
START_TEST(test_store)
{
	struct service_port ports[] = { { "etcd-1", "etcd", "r", 6, 2379 } };
	struct world_site sites[2] = { { .name = "e" }, { .name = "r" } };
	struct world w = { .name = "tr", .sites = sites, .n_sites = 2 };
	struct traffic_count a = { 10, 1000, 600 }, b = { 5, 500, 100 };
	struct enos_ctx ctx = { 0 };
	struct state_result *res = NULL;
	struct traffic_row *rows = NULL;
	struct traffic_table t;
	char dir[128], path[192], *err = NULL;
	size_t n = 0, i;
	int64_t run = 0;
	double total = -1;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "traffic"));
	snprintf(path, sizeof(path), "%s/enos.db", dir);
	ck_assert_int_eq(state_open(path, &ctx.st, &err), 0);
	ck_assert_int_eq(state_run_begin(ctx.st, "tr", "traffic", 0, false, &run), 0);
	traffic_table_init(&t, 2);
	traffic_table_add(&t, 0, 1, 6, 2379, &a);
	traffic_table_add(&t, 1, 0, 6, 2379, &b);
	traffic_table_add(&t, 0, 1, 6, 5201, &b);
	traffic_table_add(&t, 0, 1, 6, 0, &b);
	traffic_table_finish(&t);
	ck_assert_int_eq(traffic_store(&ctx, &w, run, &t, ports, 1), 0);
	/* Storing again adds up. */
	ck_assert_int_eq(traffic_store(&ctx, &w, run, &t, ports, 1), 0);
	ck_assert_int_eq(state_traffic(ctx.st, run, &rows, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(rows[0].service, "etcd");      /* largest first */
	ck_assert_str_eq(rows[0].src_site, "e");
	ck_assert_str_eq(rows[0].dst_site, "r");
	ck_assert_uint_eq(rows[0].bytes, 2000);
	ck_assert_uint_eq(rows[0].payload, 1200);
	for (i = 1; i < n; i++)
		ck_assert_str_eq(rows[i].service,
				 rows[i].src_site[0] == 'r' ? "etcd" : "other");
	ck_assert_int_eq(state_results(ctx.st, run, &res, &n), 0);
	for (i = 0; i < n; i++)
		if (!strcmp(res[i].metric, TRAFFIC_METRIC_BYTES))
			total = res[i].value;   /* the last store's total */
	ck_assert(total == 2500);
	free(res);
	free(rows);
	traffic_table_release(&t);
	state_close(ctx.st);
	tu_rmtree(dir);
}
END_TEST

/* `enos traffic` refuses bad usage before touching anything. */
START_TEST(test_cli_usage)
{
	char dir[128], db[192], *out = NULL;

	ck_assert_ptr_nonnull(tu_tmpdir(dir, sizeof(dir), "traffic-cli"));
	snprintf(db, sizeof(db), "%s/enos.db", dir);
	ck_assert_int_eq(tu_enos(&out, db, "traffic", NULL), 2);
	free(out);
	ck_assert_int_eq(tu_enos(&out, db, "traffic", "count", NULL), 2);
	ck_assert_msg(tu_contains(out, "unknown action 'count'"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(&out, db, "traffic", "start", "--json", NULL), 2);
	ck_assert_msg(tu_contains(out, "--json goes with stop and show"), "%s", out);
	free(out);
	ck_assert_int_eq(tu_enos(&out, db, "traffic", "show", "stop", NULL), 2);
	free(out);
	/* No experiment to show. */
	ck_assert_int_eq(tu_enos(&out, db, "traffic", "show", NULL), 1);
	free(out);
	ck_assert_int_eq(tu_enos(&out, db, "traffic", "--help", NULL), 0);
	ck_assert_msg(tu_contains(out, "start | stop [--json] | show [--json]"), "%s", out);
	free(out);
	tu_rmtree(dir);
}
END_TEST

Suite *make_traffic_suite(void)
{
	Suite *s = suite_create("traffic");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_service_port);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_counter);
	tcase_add_test(tc, test_table_merge);
	tcase_add_test(tc, test_text_roundtrip);
	tcase_add_test(tc, test_nft_element);
	tcase_add_test(tc, test_tree_ports);
	tcase_add_test(tc, test_tree_without_sockets);
	tcase_add_test(tc, test_service_of);
	tcase_add_test(tc, test_store);
	tcase_add_test(tc, test_cli_usage);
	suite_add_tcase(s, tc);
	return s;
}
