/* SPDX-License-Identifier: Apache-2.0 */
/* The disk family's pure parsers: /proc/self/mountinfo, /etc/crypttab and dm UUIDs. */
#ifndef MAMORI_LINUX_DISK_H
#define MAMORI_LINUX_DISK_H

#include <stdbool.h>
#include <stddef.h>

struct mount_entry {
	unsigned major, minor;
	char mountpoint[1024]; /* octal escapes (\040) decoded */
	char fstype[64];
	char source[1024]; /* the mount source ("/dev/mapper/root", "overlay", ...) */
	int line;
};

/* Calls fn for each line of a mountinfo file. Returns 0, fn's non-zero value, or
 * MAMORI_EPARSE with *bad_line (too few fields, no " - " separator, a bad major:minor). */
typedef int (*mountinfo_fn)(const struct mount_entry *m, void *ud);
int mountinfo_parse(const char *buf, size_t len, mountinfo_fn fn, void *ud, int *bad_line);

/* Calls fn for each entry of /etc/crypttab (name, device; '#' comments). Returns 0, fn's
 * non-zero value, or MAMORI_EPARSE with *bad_line for a line with fewer than two fields. */
typedef int (*crypttab_fn)(const char *name, const char *device, int line, void *ud);
int crypttab_parse(const char *buf, size_t len, crypttab_fn fn, void *ud, int *bad_line);

/* The encryption type a device-mapper UUID names ("LUKS2", "PLAIN", ...), or NULL when the
 * device does not encrypt (LVM, multipath, dm-verity, dm-integrity, ...). */
const char *dm_uuid_crypt_type(const char *uuid, char *type, size_t typelen);

#endif
