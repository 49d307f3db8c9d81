/* SPDX-License-Identifier: Apache-2.0 */
/* The pure parser of the timesync family: chrony, ntpd/ntpsec and OpenNTPD configuration. */
#ifndef MAMORI_LINUX_TIMESYNC_H
#define MAMORI_LINUX_TIMESYNC_H

#include <stddef.h>

/* Directives of ntp-style configuration files ("server NAME opts", "pool NAME", "confdir D
 * E", ...): fn gets the keyword and the rest of the line, trimmed ("" when there is none),
 * and the line number. Comments start with '#', '!', ';' or '%' at the start of a line and
 * with '#' after white space. A source keyword (server, servers, pool, peer, refclock,
 * sensor) without argument, a keyword longer than 63 bytes or a line longer than 4096 bytes
 * is malformed. Returns 0, fn's non-zero value, or MAMORI_EPARSE with *bad_line. Pure. */
#define NTPCONF_MAX_LINE 4096
typedef int (*ntpconf_fn)(const char *keyword, const char *args, int line, void *ud);
int ntpconf_parse(const char *buf, size_t len, ntpconf_fn fn, void *ud, int *bad_line);

#endif
