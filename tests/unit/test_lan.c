/* SPDX-License-Identifier: Apache-2.0 */
/* The lan family's pure parts: /proc/net/arp, rtnetlink neighbour dumps, /proc/net/route and
 * ipv6_route, CUPS printers.conf and device URIs, the sweep's addresses, the nft fix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/mamori.h"
#include "probes/linux/lan.h"

/* ---- /proc/net/arp ---- */

struct got {
	struct lan_neigh v[16];
	size_t n;
};

static int collect(const struct lan_neigh *n, void *ud)
{
	struct got *g = ud;
	if (g->n < 16)
		g->v[g->n++] = *n;
	return 0;
}

static const char *astr(const struct lan_neigh *n)
{
	static char s[64];
	lan_addr_str(n->family, n->addr, s, sizeof(s));
	return s;
}

static void test_arp(void **state)
{
	(void)state;
	static const char t[] =
	    "IP address       HW type     Flags       HW address            Mask     Device\n"
	    "192.168.78.1     0x1         0x2         02:00:00:00:00:01     *        eth0\n"
	    "192.168.78.30    0x1         0x0         00:00:00:00:00:00     *        eth0\n"
	    "192.168.78.20    0x1         0x6         02:00:00:00:00:20     *        eth0\n"
	    "192.168.78.99    0x1         0xc         00:00:00:00:00:00     *        eth0\n"
	    "172.17.0.2       0x1         0x2         02:42:ac:11:00:02     *        docker0\n";
	struct got g = {0};
	int bad = 0;
	assert_int_equal(lan_proc_arp_parse(t, sizeof(t) - 1, collect, &g, &bad), 0);
	assert_int_equal(g.n, 5);
	assert_string_equal(astr(&g.v[0]), "192.168.78.1");
	assert_string_equal(g.v[0].state, "complete");
	assert_true(g.v[0].usable && g.v[0].has_mac);
	assert_int_equal(g.v[0].mac[5], 1);
	assert_string_equal(g.v[0].ifname, "eth0");
	assert_int_equal(g.v[0].line, 2);
	assert_string_equal(g.v[1].state, "incomplete");
	assert_false(g.v[1].usable || g.v[1].has_mac);
	assert_string_equal(g.v[2].state, "permanent");
	assert_true(g.v[2].usable);
	assert_string_equal(g.v[3].state, "proxy");
	assert_false(g.v[3].usable);
	assert_string_equal(g.v[4].ifname, "docker0");

	/* an empty table is the header alone */
	g.n = 0;
	assert_int_equal(
	    lan_proc_arp_parse(t, (size_t)(strchr(t, '\n') - t) + 1, collect, &g, &bad), 0);
	assert_int_equal(g.n, 0);
	static const char *const bad_tables[] = {
	    "h\n192.168.78.1 0x1 0x2 02:00:00:00:00:01 *\n",	    /* 5 fields */
	    "h\n192.168.78.300 0x1 0x2 02:00:00:00:00:01 * eth0\n", /* bad address */
	    "h\n192.168.78.1 0x1 0xzz 02:00:00:00:00:01 * eth0\n",  /* bad flags */
	    "h\n192.168.78.1 0x1 0x2 02:00:00:00:00:01 * averyveryverylongname0\n",
	};
	for (size_t i = 0; i < sizeof(bad_tables) / sizeof(bad_tables[0]); i++) {
		bad = 0;
		assert_int_equal(
		    lan_proc_arp_parse(bad_tables[i], strlen(bad_tables[i]), collect, &g, &bad),
		    MAMORI_EPARSE);
		assert_int_equal(bad, 2);
	}
}

/* ---- rtnetlink ---- */

struct nlbuf {
	unsigned char b[4096];
	size_t n;
};

static void put_attr(struct nlbuf *m, unsigned short type, const void *d, size_t len)
{
	struct rtattr a = {.rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type};
	memcpy(m->b + m->n, &a, sizeof(a));
	memcpy(m->b + m->n + RTA_LENGTH(0), d, len);
	m->n += RTA_SPACE(len);
}

static void put_neigh(struct nlbuf *m, int family, const char *addr, const unsigned char *mac,
		      unsigned state, unsigned flags, int ifindex)
{
	size_t start = m->n;
	struct nlmsghdr h = {.nlmsg_type = RTM_NEWNEIGH, .nlmsg_flags = NLM_F_MULTI};
	struct ndmsg nd = {.ndm_family = (unsigned char)(family == 6 ? AF_INET6 : AF_INET),
			   .ndm_ifindex = ifindex,
			   .ndm_state = (unsigned short)state,
			   .ndm_flags = (unsigned char)flags};
	m->n += NLMSG_HDRLEN;
	memcpy(m->b + m->n, &nd, sizeof(nd));
	m->n += NLMSG_ALIGN(sizeof(nd));
	unsigned char a[16];
	assert_int_equal(inet_pton(family == 6 ? AF_INET6 : AF_INET, addr, a), 1);
	put_attr(m, NDA_DST, a, family == 6 ? 16 : 4);
	if (mac)
		put_attr(m, NDA_LLADDR, mac, 6);
	h.nlmsg_len = (unsigned)(m->n - start);
	memcpy(m->b + start, &h, sizeof(h));
}

static void put_done(struct nlbuf *m)
{
	struct nlmsghdr h = {.nlmsg_len = NLMSG_LENGTH(4), .nlmsg_type = NLMSG_DONE};
	memcpy(m->b + m->n, &h, sizeof(h));
	memset(m->b + m->n + NLMSG_HDRLEN, 0, 4);
	m->n += NLMSG_SPACE(4);
}

static void test_rtnl(void **state)
{
	(void)state;
	static const unsigned char mac1[6] = {2, 0, 0, 0, 0, 1}, mac20[6] = {2, 0, 0, 0, 0, 0x20};
	struct nlbuf m = {0};
	put_neigh(&m, 6, "fe80::1", mac1, NUD_REACHABLE, NTF_ROUTER, 2);
	put_neigh(&m, 6, "fd78::20", mac20, NUD_STALE, 0, 2);
	put_neigh(&m, 6, "fd78::30", NULL, NUD_FAILED, 0, 2);
	put_neigh(&m, 6, "ff02::1", NULL, NUD_NOARP, 0, 2);
	put_neigh(&m, 6, "fd78::40", mac20, NUD_DELAY, NTF_PROXY, 2);
	put_neigh(&m, 6, "fd78::50", mac20, NUD_PERMANENT, 0, 3);
	put_neigh(&m, 6, "fd78::60", mac20, NUD_INCOMPLETE, 0, 3);
	put_neigh(&m, 4, "192.168.78.1", mac1, NUD_PROBE, 0, 2);
	size_t before_done = m.n;
	put_done(&m);
	put_neigh(&m, 6, "fd78::70", mac20, NUD_REACHABLE, 0, 2); /* after DONE: not read */
	struct got g = {0};
	char why[256];
	assert_int_equal(lan_rtnl_neigh_parse(m.b, m.n, collect, &g, why, sizeof(why)), 0);
	assert_int_equal(g.n, 8);
	assert_string_equal(astr(&g.v[0]), "fe80::1");
	assert_string_equal(g.v[0].state, "reachable");
	assert_true(g.v[0].usable && g.v[0].router && g.v[0].has_mac);
	assert_int_equal(g.v[0].ifindex, 2);
	assert_string_equal(g.v[1].state, "stale");
	assert_true(g.v[1].usable && !g.v[1].router);
	assert_string_equal(g.v[2].state, "failed");
	assert_false(g.v[2].usable || g.v[2].has_mac);
	assert_string_equal(g.v[3].state, "noarp");
	assert_false(g.v[3].usable);
	assert_string_equal(g.v[4].state, "proxy");
	assert_false(g.v[4].usable);
	assert_string_equal(g.v[5].state, "permanent");
	assert_true(g.v[5].usable);
	assert_string_equal(g.v[6].state, "incomplete");
	assert_int_equal(g.v[7].family, 4);
	assert_string_equal(g.v[7].state, "probe");

	/* every truncation of the dump: an error or fewer entries, never a read past it */
	for (size_t cut = 0; cut < before_done; cut++) {
		g.n = 0;
		int r = lan_rtnl_neigh_parse(m.b, cut, collect, &g, why, sizeof(why));
		assert_true(r == 0 || r == MAMORI_EPARSE);
		assert_true(g.n <= 8);
	}
	/* a length field past the end */
	struct nlbuf x = {0};
	put_neigh(&x, 6, "fd78::20", mac20, NUD_STALE, 0, 2);
	struct nlmsghdr h;
	memcpy(&h, x.b, sizeof(h));
	h.nlmsg_len += 100;
	memcpy(x.b, &h, sizeof(h));
	assert_int_equal(lan_rtnl_neigh_parse(x.b, x.n, collect, &g, why, sizeof(why)),
			 MAMORI_EPARSE);
	assert_non_null(strstr(why, "out of bounds"));
	/* an IPv6 entry with a 4-byte address */
	struct nlbuf y = {0};
	put_neigh(&y, 4, "192.168.78.1", mac1, NUD_STALE, 0, 2);
	y.b[NLMSG_HDRLEN] = AF_INET6;
	assert_int_equal(lan_rtnl_neigh_parse(y.b, y.n, collect, &g, why, sizeof(why)),
			 MAMORI_EPARSE);
	/* an error answer */
	struct nlbuf e = {0};
	struct nlmsghdr eh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct nlmsgerr)),
			      .nlmsg_type = NLMSG_ERROR};
	memcpy(e.b, &eh, sizeof(eh));
	e.n = NLMSG_SPACE(sizeof(struct nlmsgerr));
	assert_int_equal(lan_rtnl_neigh_parse(e.b, e.n, collect, &g, why, sizeof(why)),
			 MAMORI_EPARSE);
}

/* ---- routes ---- */

static void test_route4(void **state)
{
	(void)state;
	/* 0101A8C0 is 192.168.1.1 as a little-endian kernel prints it */
	static const char t[] =
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	    "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
	    "eth0\t00000000\t014EA8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
	    "eth0\t004EA8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
	    "tun0\t00000000\t00000000\t0201\t0\t0\t0\t00000000\t0\t0\t0\n";
	struct lan_route r;
	int bad = 0;
	assert_int_equal(lan_proc_route_parse(t, sizeof(t) - 1, &r, &bad), 0);
	assert_true(r.found && r.has_gw);
	assert_string_equal(r.ifname, "eth0"); /* the lowest metric; tun0's reject route skipped */
	assert_int_equal(r.metric, 100);
	assert_int_equal(r.line, 3);
	char s[64];
	lan_addr_str(4, r.gw, s, sizeof(s));
	uint32_t probe = 1;
	if (*(unsigned char *)&probe == 1)
		assert_string_equal(s, "192.168.78.1");
	/* no default route */
	assert_int_equal(lan_proc_route_parse(t, (size_t)(strchr(t, '\n') - t) + 1, &r, &bad), 0);
	assert_false(r.found);
	/* One parser with router.c's: the header must be the kernel's. */
	static const char badt[] = "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\t"
				   "Window\tIRTT\neth0\t00000000\t0101A8C0\t0003\t0\t0\tx\t00000000\t0\t0\t0\n";
	assert_int_equal(lan_proc_route_parse(badt, sizeof(badt) - 1, &r, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	assert_int_equal(lan_proc_route_parse("h\n", 2, &r, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 1);
}

static void test_route6(void **state)
{
	(void)state;
	static const char t[] =
	    "fd780000000000000000000000000000 40 00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
	    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
	    "fe800000000000000000000000000001 00000400 00000001 00000000 00000003    wlan0\n"
	    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
	    "fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n"
	    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
	    "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n";
	struct lan_route r = {0};
	int bad = 0;
	assert_int_equal(lan_proc_ipv6_route_parse(t, sizeof(t) - 1, &r, &bad), 0);
	assert_true(r.found && r.has_gw);
	assert_string_equal(r.ifname, "wlan0"); /* the first of two equal metrics */
	char s[64];
	lan_addr_str(6, r.gw, s, sizeof(s));
	assert_string_equal(s, "fe80::1");
	/* restricted to the IPv4 default's interface */
	memset(&r, 0, sizeof(r));
	snprintf(r.ifname, sizeof(r.ifname), "eth0");
	assert_int_equal(lan_proc_ipv6_route_parse(t, sizeof(t) - 1, &r, &bad), 0);
	assert_true(r.found);
	assert_string_equal(r.ifname, "eth0");
	assert_int_equal(r.line, 3);
	memset(&r, 0, sizeof(r));
	snprintf(r.ifname, sizeof(r.ifname), "lo");
	assert_int_equal(lan_proc_ipv6_route_parse(t, sizeof(t) - 1, &r, &bad), 0);
	assert_false(r.found); /* lo's default is a reject route */
	static const char badt[] = "0000 00 0000\n";
	memset(&r, 0, sizeof(r));
	assert_int_equal(lan_proc_ipv6_route_parse(badt, sizeof(badt) - 1, &r, &bad),
			 MAMORI_EPARSE);
}

/* ---- CUPS ---- */

struct printers {
	struct lan_printer v[8];
	size_t n;
};

static int pcollect(const struct lan_printer *p, void *ud)
{
	struct printers *g = ud;
	if (g->n < 8)
		g->v[g->n++] = *p;
	return 0;
}

static void test_cups(void **state)
{
	(void)state;
	static const char t[] =
	    "# Printer configuration file for CUPS v2.4.2\n"
	    "# Written by cupsd\n"
	    "NextPrinterId 5\n"
	    "<DefaultPrinter Office>\n"
	    "PrinterId 1\n"
	    "Info Office laser\n"
	    "DeviceURI ipp://192.168.78.20/ipp/print\n"
	    "State Idle\n"
	    "</DefaultPrinter>\n"
	    "<Printer Brother>\n"
	    "DeviceURI dnssd://Brother%20HL-L2350DW._ipp._tcp.local/?uuid=e3248000\n"
	    "</Printer>\n"
	    "<Printer Usb>\n"
	    "DeviceURI usb://HP/LaserJet?serial=1\n"
	    "</Printer>\n"
	    "<Printer NoUri>\n"
	    "Info nothing\n"
	    "</Printer>\n"
	    "<Printer Smb>\n"
	    "  DeviceURI smb://alice:s3cret@WORKGROUP/nas.local/laser\n"
	    "</Printer>\n";
	struct printers g = {0};
	int bad = 0;
	assert_int_equal(lan_cups_printers_parse(t, sizeof(t) - 1, pcollect, &g, &bad), 0);
	assert_int_equal(g.n, 4);
	assert_string_equal(g.v[0].queue, "Office");
	assert_string_equal(g.v[0].uri, "ipp://192.168.78.20/ipp/print");
	assert_int_equal(g.v[0].family, 4);
	assert_true(g.v[0].network && !g.v[0].dnssd);
	assert_int_equal(g.v[0].line, 7);
	assert_string_equal(g.v[1].host, "Brother HL-L2350DW._ipp._tcp.local");
	assert_true(g.v[1].dnssd && g.v[1].network);
	assert_int_equal(g.v[1].family, 0);
	assert_false(g.v[2].network);
	/* the password never leaves the parser */
	assert_string_equal(g.v[3].queue, "Smb");
	assert_null(strstr(g.v[3].uri, "s3cret"));
	assert_null(strstr(g.v[3].uri, "alice"));
	assert_string_equal(g.v[3].uri, "smb://WORKGROUP/nas.local/laser");
	assert_string_equal(g.v[3].host, "nas.local"); /* WORKGROUP is the workgroup */

	static const char *const bad_files[] = {
	    "<Printer A>\nDeviceURI ipp://h/\n",		  /* unclosed */
	    "<Printer A>\n<Printer B>\n</Printer>\n</Printer>\n", /* nested */
	    "</Printer>\n",					  /* a close without an open */
	    "<Printer A>\n</Class>\n",				  /* another close */
	    "<Printer A\n",					  /* no '>' */
	};
	for (size_t i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++)
		assert_int_equal(
		    lan_cups_printers_parse(bad_files[i], strlen(bad_files[i]), pcollect, &g, &bad),
		    MAMORI_EPARSE);
}

static void uri(const char *u, const char *want_uri, const char *host, int family, bool dnssd,
		bool network)
{
	struct lan_printer p;
	lan_printer_uri(u, strlen(u), &p);
	if (strcmp(p.uri, want_uri) || strcmp(p.host, host) || p.family != family ||
	    p.dnssd != dnssd || p.network != network)
		fail_msg("%s: got uri=%s host=%s family=%d dnssd=%d network=%d", u, p.uri, p.host,
			 p.family, p.dnssd, p.network);
}

static void test_printer_uris(void **state)
{
	(void)state;
	uri("ipps://printer.lan:631/ipp/print", "ipps://printer.lan:631/ipp/print", "printer.lan",
	    0, false, true);
	uri("socket://192.168.78.20:9100", "socket://192.168.78.20:9100", "192.168.78.20", 4, false,
	    true);
	uri("lpd://192.168.78.20/queue", "lpd://192.168.78.20/queue", "192.168.78.20", 4, false,
	    true);
	uri("http://[fd78::20]:631/ipp", "http://[fd78::20]:631/ipp", "fd78::20", 6, false, true);
	uri("ipp://[fe80::20%25eth0]/ipp", "ipp://[fe80::20%25eth0]/ipp", "fe80::20%eth0", 6, false,
	    true);
	uri("ipp://user:pw@192.168.78.20/ipp", "ipp://192.168.78.20/ipp", "192.168.78.20", 4, false,
	    true);
	uri("ipp://localhost:60000/ipp/print", "ipp://localhost:60000/ipp/print", "localhost", 0,
	    false, false);
	uri("ipp://127.0.0.1/ipp", "ipp://127.0.0.1/ipp", "127.0.0.1", 4, false, false);
	uri("implicitclass://Office/", "implicitclass://Office/", "Office", 0, true, true);
	uri("beh:/1/3/5/socket://192.168.78.20:9100", "socket://192.168.78.20:9100",
	    "192.168.78.20", 4, false, true);
	uri("hp:/net/HP_LaserJet?ip=192.168.78.21", "hp:/net/HP_LaserJet?ip=192.168.78.21",
	    "192.168.78.21", 4, false, true);
	uri("hp:/net/HP_LaserJet?zc=HPB0227A", "hp:/net/HP_LaserJet?zc=HPB0227A", "HPB0227A", 0,
	    true, true);
	uri("hp:/usb/HP_LaserJet?serial=X", "hp:/usb/HP_LaserJet?serial=X", "", 0, false, false);
	uri("file:/dev/null", "file:/dev/null", "", 0, false, false);
	uri("cups-pdf:/", "cups-pdf:/", "", 0, false, false);
	uri("nonsense", "nonsense", "", 0, false, false);
	uri("smb://nas/laser", "smb://nas/laser", "nas", 0, false, true);
	uri("smb://bob@192.168.78.5:445/laser", "smb://192.168.78.5:445/laser", "192.168.78.5", 4,
	    false, true);
	uri("custom://u:p@host/x", "custom://host/x", "", 0, false, false);
	uri("beh:/1/3/5/ipp://u:p@192.168.78.20/", "ipp://192.168.78.20/", "192.168.78.20", 4,
	    false, true);
	uri("ipp://[fd78::20/broken", "ipp://[fd78::20/broken", "", 0, false, false);
}

/* ---- the sweep ---- */

static uint32_t ip4(const char *s)
{
	unsigned char a[4];
	assert_int_equal(inet_pton(AF_INET, s, a), 1);
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static void test_sweep_targets(void **state)
{
	(void)state;
	static uint32_t t[LAN_SWEEP_MAX];
	uint32_t net = ip4("192.168.78.0"), self = ip4("192.168.78.10");
	int n = lan_sweep_targets(ip4("192.168.78.77"), 24, self, t, LAN_SWEEP_MAX);
	assert_int_equal(n, 253); /* 256 - network - broadcast - self */
	assert_int_equal(t[0], net + 1);
	assert_int_equal(t[n - 1], net + 254);
	for (int i = 0; i < n; i++) {
		assert_true(t[i] != self && t[i] != net && t[i] != net + 255);
		assert_true(lan_sweep_allowed(net, 24, t[i]));
	}
	/* /22 is the widest: 1024 addresses, 1021 to send to */
	n = lan_sweep_targets(ip4("10.0.4.1"), 22, ip4("10.0.4.1"), t, LAN_SWEEP_MAX);
	assert_int_equal(n, 1021);
	assert_int_equal(t[0], ip4("10.0.4.2"));
	assert_int_equal(t[n - 1], ip4("10.0.7.254"));
	assert_int_equal(lan_sweep_targets(ip4("10.0.0.1"), 21, 0, t, LAN_SWEEP_MAX), -1);
	assert_int_equal(lan_sweep_targets(ip4("10.0.0.1"), 16, 0, t, LAN_SWEEP_MAX), -1);
	assert_int_equal(lan_sweep_targets(ip4("10.0.0.1"), 33, 0, t, LAN_SWEEP_MAX), -1);
	/* a /31 has two hosts and no broadcast; a /32 nobody else */
	n = lan_sweep_targets(ip4("10.0.0.0"), 31, ip4("10.0.0.0"), t, LAN_SWEEP_MAX);
	assert_int_equal(n, 1);
	assert_int_equal(t[0], ip4("10.0.0.1"));
	assert_int_equal(lan_sweep_targets(ip4("10.0.0.5"), 32, ip4("10.0.0.5"), t, 8), 0);
	/* max caps the output */
	assert_int_equal(lan_sweep_targets(net, 24, self, t, 10), 10);
	/* the guard the sender applies to every address */
	assert_false(lan_sweep_allowed(net, 24, ip4("192.168.79.1")));
	assert_false(lan_sweep_allowed(net, 24, ip4("8.8.8.8")));
	assert_false(lan_sweep_allowed(net, 24, net));
	assert_false(lan_sweep_allowed(net, 24, ip4("192.168.78.255")));
	assert_false(lan_sweep_allowed(ip4("10.0.0.0"), 8, ip4("10.0.0.1")));
	assert_true(lan_sweep_allowed(net, 24, ip4("192.168.78.254")));
}

/* ---- the fix ---- */

static struct lan_host host(const char *s, unsigned prefix)
{
	struct lan_host h = {.prefix = prefix};
	h.family = strchr(s, ':') ? 6 : 4;
	assert_int_equal(inet_pton(h.family == 6 ? AF_INET6 : AF_INET, s, h.addr), 1);
	return h;
}

static void test_fix(void **state)
{
	(void)state;
	/* The inputs of tests/unit/fw_reach/fix_on_debian.nft, whose table must be exactly what
	 * the generator writes (test_fw_reach.c evaluates it as nft loaded it). */
	const struct lan_host allowed[] = {host("192.168.78.1", 0), host("fe80::1", 0),
					   host("192.168.78.20", 0), host("fd78::20", 0)};
	const struct lan_host subnets[] = {host("192.168.78.10", 24), host("fd78::10", 64),
					   host("fe80::", 10)};
	char *fix = NULL;
	assert_int_equal(lan_firewall_fix("eth0", allowed, 4, subnets, 3, NULL, 0, &fix), 0);
	const char *src = getenv("MAMORI_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/unit/fw_reach/fix_on_debian.nft", src ? src : ".");
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char file[16384];
	size_t n = fread(file, 1, sizeof(file) - 1, f);
	fclose(f);
	file[n] = '\0';
	if (strstr(file, fix) == NULL)
		fail_msg("the generated fix is not in fix_on_debian.nft:\n%s", fix);
	free(fix);

	/* IPv4 only, a printer without an address: a comment, no ip6 rules */
	const struct lan_host a4[] = {host("10.0.0.1", 0)};
	const struct lan_host s4[] = {host("10.0.0.77", 22)};
	const char *notes[] = {"printer \"X\": its address is unknown"};
	assert_int_equal(lan_firewall_fix("wlan0", a4, 1, s4, 1, notes, 1, &fix), 0);
	assert_non_null(strstr(fix, "# printer \"X\": its address is unknown\n"));
	assert_non_null(strstr(fix, "\t\tip saddr 10.0.0.1 accept\n"));
	assert_non_null(strstr(fix, "\t\tiifname \"wlan0\" ip saddr 10.0.0.0/22 drop\n"));
	assert_null(strstr(fix, "ip6"));
	assert_null(strstr(fix, "icmpv6"));
	free(fix);
	/* Two addresses in one subnet (a stable and a temporary IPv6 address, say) give one
	 * element: nft refuses an anonymous set that holds one interval twice. */
	const struct lan_host s2[] = {host("10.0.0.77", 24), host("10.0.0.78", 24),
				      host("fd00::1:2", 64), host("fd00::abcd", 64), host("fe80::", 10)};
	assert_int_equal(lan_firewall_fix("eth0", a4, 1, s2, 5, NULL, 0, &fix), 0);
	assert_non_null(strstr(fix, "\t\tiifname \"eth0\" ip saddr 10.0.0.0/24 drop\n"));
	assert_non_null(strstr(fix, "\t\tiifname \"eth0\" ip6 saddr { fd00::/64, fe80::/10 } drop\n"));
	free(fix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arp),		  cmocka_unit_test(test_rtnl),
	    cmocka_unit_test(test_route4),	  cmocka_unit_test(test_route6),
	    cmocka_unit_test(test_cups),	  cmocka_unit_test(test_printer_uris),
	    cmocka_unit_test(test_sweep_targets), cmocka_unit_test(test_fix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
