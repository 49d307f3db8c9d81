/* SPDX-License-Identifier: Apache-2.0 */
/* The usb family's pure parsers: modprobe.d configuration lines and /proc/modules. */
#ifndef MAMORI_LINUX_USB_H
#define MAMORI_LINUX_USB_H

#include <stdbool.h>
#include <stddef.h>

enum modprobe_cmd {
	MODPROBE_ALIAS,
	MODPROBE_OPTIONS,
	MODPROBE_INSTALL,
	MODPROBE_REMOVE,
	MODPROBE_BLACKLIST,
	MODPROBE_SOFTDEP,
	MODPROBE_WEAKDEP,
};

/* One command: module is the module name (for alias: the wildcard) with '-' turned into '_'
 * as kmod does; rest is what follows it, trimmed ("" when nothing). */
typedef int (*modprobe_fn)(enum modprobe_cmd cmd, const char *module, const char *rest, int line,
			   void *ud);

/* Parses a modprobe.d file like kmod: '#' comments, a trailing backslash continues the line.
 * Returns 0, fn's non-zero value, or MAMORI_EPARSE with *bad_line and why set (an unknown
 * command, a missing module name or command). */
int modprobe_parse(const char *buf, size_t len, modprobe_fn fn, void *ud, int *bad_line, char *why,
		   size_t whylen);

/* Whether an install command loads nothing: true, false, /bin/true, /bin/false, /usr/bin/true,
 * /usr/bin/false or exit (with or without arguments). */
bool modprobe_install_blocks(const char *cmd);

/* Does /proc/modules list module (exact name, underscores)? 1 yes (with *line), 0 no, or
 * MAMORI_EPARSE with *line for a line that is not "name size refcount ...". */
int proc_modules_find(const char *buf, size_t len, const char *module, int *line);

#endif
