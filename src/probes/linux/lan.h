/* SPDX-License-Identifier: Apache-2.0 */
/* The lan family's pure parts: the kernel's routes and neighbour tables (/proc/net/route,
 * /proc/net/ipv6_route, /proc/net/arp, rtnetlink RTM_NEWNEIGH messages), CUPS printers.conf,
 * the addresses a --discover sweep may send to, and the nft rules that keep the home LAN out.
 * Each takes a buffer, does no I/O and is fuzzed. Facts: docs/probes/lan.md. */
#ifndef MAMORI_LINUX_LAN_H
#define MAMORI_LINUX_LAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAN_MAX_FILE (1u << 20)	      /* bytes of one /proc/net table or printers.conf */
#define LAN_MAX_LINE 4096	      /* bytes of one line */
#define LAN_MAX_NEIGH 2048	      /* neighbours kept per family */
#define LAN_MAX_PRINTERS 256	      /* printers read from printers.conf */
#define LAN_MAX_ADDRS 64	      /* addresses kept on the LAN interface */
#define LAN_NEIGH_DUMP_MAX (4u << 20) /* bytes of one rtnetlink neighbour dump */
/* The --discover sweep: one empty UDP datagram to the discard port of each address of the
 * PC's own IPv4 subnet, at most LAN_SWEEP_RATE a second; subnets wider than
 * /LAN_SWEEP_MIN_PREFIX (more than LAN_SWEEP_MAX addresses) are refused. */
#define LAN_SWEEP_RATE 200
#define LAN_SWEEP_MIN_PREFIX 22
#define LAN_SWEEP_MAX 1024
#define LAN_SWEEP_PORT 9
#define LAN_SWEEP_WAIT_MAX_MS 10000 /* the longest wait for answers after the sweep */

/* One address of an interface (getifaddrs), as the sys_ops if_addrs member returns them. */
struct lan_ifaddr {
	char ifname[16];
	unsigned ifindex;
	int family; /* 4 or 6 */
	unsigned char addr[16];
	unsigned prefix;
};

/* One entry of a neighbour table. */
struct lan_neigh {
	int family; /* 4 or 6 */
	unsigned char addr[16];
	unsigned char mac[6];
	bool has_mac;
	char ifname[16];  /* /proc/net/arp: the device; rtnetlink: "" (see ifindex) */
	unsigned ifindex; /* rtnetlink: the interface index; /proc/net/arp: 0 */
	/* "reachable", "stale", "delay", "probe", "permanent", "complete" (/proc/net/arp: valid,
	 * which of the first four it does not say), or "incomplete", "failed", "noarp",
	 * "none", "proxy" for the entries that are no usable neighbour. */
	const char *state;
	bool usable; /* a neighbour that answered: keep it */
	bool router; /* rtnetlink NTF_ROUTER: it sent router advertisements */
	int line;    /* /proc/net/arp: the line */
};
typedef int (*lan_neigh_fn)(const struct lan_neigh *n, void *ud);

/* /proc/net/arp: calls fn for each entry. Returns 0, fn's non-zero value, MAMORI_ETOOBIG, or
 * MAMORI_EPARSE with *bad_line set (a line that is not an entry). */
int lan_proc_arp_parse(const char *buf, size_t len, lan_neigh_fn fn, void *ud, int *bad_line);

/* The messages of an RTM_GETNEIGH dump (struct nlmsghdr + struct ndmsg + attributes), as the
 * kernel sent them, in any number of datagrams concatenated. Calls fn for each RTM_NEWNEIGH
 * entry with an address; stops at NLMSG_DONE. Returns 0, fn's non-zero value, or
 * MAMORI_EPARSE (why says at which byte) for a truncated or inconsistent message. */
int lan_rtnl_neigh_parse(const void *buf, size_t len, lan_neigh_fn fn, void *ud, char *why,
			 size_t whylen);

/* The default route of the main table, the one with the lowest metric. */
struct lan_route {
	bool found;
	char ifname[16];
	unsigned char gw[16];
	bool has_gw;
	unsigned long long metric;
	int line;
};
/* /proc/net/route (IPv4; addresses in the kernel's byte order, as it prints them) and
 * /proc/net/ipv6_route. Returns 0 (out->found false when there is no default route),
 * MAMORI_ETOOBIG, or MAMORI_EPARSE with *bad_line. */
int lan_proc_route_parse(const char *buf, size_t len, struct lan_route *out, int *bad_line);
int lan_proc_ipv6_route_parse(const char *buf, size_t len, struct lan_route *out, int *bad_line);

/* One print queue of /etc/cups/printers.conf. */
struct lan_printer {
	char queue[128];
	char uri[512];	/* the DeviceURI without its user name and password */
	char host[256]; /* host name, address literal or DNS-SD service name; "" when none */
	int family;	/* 4 or 6 when host is an address literal, else 0 */
	unsigned char addr[16];
	bool dnssd;   /* named by DNS-SD (dnssd://, or a cups-browsed implicitclass://) */
	bool network; /* the URI names a host on the network (not usb://, file:, ...) */
	int line;     /* the DeviceURI line */
};
typedef int (*lan_printer_fn)(const struct lan_printer *p, void *ud);
/* Calls fn for each <Printer>/<DefaultPrinter> block that has a DeviceURI. Returns 0, fn's
 * non-zero value, MAMORI_ETOOBIG, or MAMORI_EPARSE with *bad_line (an unclosed block, a
 * block inside a block, a line outside any block that is not a known global directive). */
int lan_cups_printers_parse(const char *buf, size_t len, lan_printer_fn fn, void *ud,
			    int *bad_line);
/* Parses one device URI into p's uri, host, family/addr, dnssd and network fields. */
void lan_printer_uri(const char *uri, size_t len, struct lan_printer *p);

/* The addresses (host byte order) a sweep of net/prefix sends to: every address of the
 * subnet but its network and broadcast addresses (a /31 has neither) and self. Returns how
 * many were written to out (at most max), or -1 when prefix is shorter than
 * LAN_SWEEP_MIN_PREFIX or longer than 32. */
int lan_sweep_targets(uint32_t net, unsigned prefix, uint32_t self, uint32_t *out, size_t max);
/* Whether a sweep of net/prefix may send to addr: inside, not network or broadcast. */
bool lan_sweep_allowed(uint32_t net, unsigned prefix, uint32_t addr);

/* The nft script that keeps the home LAN out: a table "inet mamori_lan" whose input chain
 * runs before the filter chains (priority -10) and accepts loopback, replies, IPv6 neighbour
 * discovery and the allowed hosts, then drops every other source of the LAN's subnets on
 * ifname. Its accepts only let a packet go on to the other chains; its drops are final.
 * allowed: the router and printers (family 4/6 addresses); subnets: the LAN's prefixes;
 * notes: comment lines to include (printers whose address is unknown). *out is allocated.
 * Returns 0 or MAMORI_ENOMEM. */
struct lan_host {
	int family;
	unsigned char addr[16];
	unsigned prefix; /* subnets only */
};
int lan_firewall_fix(const char *ifname, const struct lan_host *allowed, size_t nallowed,
		     const struct lan_host *subnets, size_t nsubnets, const char *const *notes,
		     size_t nnotes, char **out);

/* "192.168.1.10" or "fe80::1" (family 4 or 6) into out (at least 46 bytes). */
void lan_addr_str(int family, const unsigned char *addr, char *out, size_t outlen);

#endif
