/* SPDX-License-Identifier: Apache-2.0 */
/* The rdp family's pure parser: xrdp's listening address. */
#ifndef MAMORI_LINUX_RDP_H
#define MAMORI_LINUX_RDP_H

#include <stdbool.h>

struct rdp_bind {
	char transport[8]; /* "tcp", "vsock" or "unix" */
	char address[64];  /* "" for all interfaces */
	unsigned port;	   /* 0 for a unix socket */
	bool any_address;  /* all interfaces */
	bool loopback;	   /* 127.0.0.1 or ::1 only */
};

/* Parses the value of xrdp.ini's [Globals] port= ("3389", "tcp://:3389", "tcp://.:3389",
 * "tcp://192.168.1.5:3389", "tcp6://{::1}:3389", "vsock://-1:3389", "/run/xrdp.sock").
 * address is the older [Globals] address= value or NULL. Returns 0 or MAMORI_EPARSE. */
int rdp_xrdp_port_parse(const char *value, const char *address, struct rdp_bind *out);

#endif
