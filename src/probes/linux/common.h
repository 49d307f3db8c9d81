/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers the Linux probes share: reading files under the audited root, the caches of
 * dpkg status, systemd units, processes and sockets, and the small text parsers. */
#ifndef MAMORI_LINUX_COMMON_H
#define MAMORI_LINUX_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "probes/probe.h"

/* Default cap for a configuration file; larger files are refused as "too big". */
#define ROOTFS_MAX_FILE (4u << 20)

/* Reads path (absolute, as seen inside the root) into a NUL-terminated *buf of at most max
 * bytes. Absolute symlinks resolve inside the root. Returns 0, MAMORI_ENOENT, MAMORI_EACCES,
 * MAMORI_ETOOBIG or MAMORI_EIO; on failure *buf is untouched and why names the path. */
int rootfs_read(const struct probe_ctx *ctx, const char *path, size_t max, char **buf,
		size_t *len, char *why, size_t whylen);
/* stat() under the root; follows links inside the root. */
int rootfs_stat(const struct probe_ctx *ctx, const char *path, struct stat *st);
bool rootfs_exists(const struct probe_ctx *ctx, const char *path);
/* readlink() of the last component (not followed). Returns length or a negative error. */
int rootfs_readlink(const struct probe_ctx *ctx, const char *path, char *out, size_t outlen);

/* Names in dir (not "." or ".."), matching the fnmatch pattern (NULL: all), sorted bytewise.
 * *names is a NULL-terminated array the caller frees with rootfs_names_free. A missing dir
 * gives an empty list and returns 0. */
int rootfs_list(const struct probe_ctx *ctx, const char *dir, const char *pattern, char ***names,
		size_t *count);
void rootfs_names_free(char **names);

/* Expands an absolute path whose last component may contain a glob (sshd Include, drop-ins),
 * sorted. Returns full paths like rootfs_list. */
int rootfs_glob(const struct probe_ctx *ctx, const char *pattern, char ***paths, size_t *count);

/* ---- shared caches, parsed once per scan ---- */

/* dpkg: is the package installed ("install ok installed")? 1 yes, 0 no, negative: the status
 * file could not be read (why says so). version may be NULL; else it receives a pointer
 * valid for the scan. */
int pkg_installed(struct probe_ctx *ctx, const char *name, const char **version, char *why,
		  size_t whylen);

struct dpkg_pkg {
	const char *name;
	const char *version;
	const char *arch;
	const char *source; /* source package name, or name when the stanza has none */
	int line;           /* line of the stanza in the status file */
};
/* All installed packages, sorted by name. Negative when the status file cannot be read. */
int pkg_list(struct probe_ctx *ctx, const struct dpkg_pkg **pkgs, size_t *count, char *why,
	     size_t whylen);

/* systemd: is unit enabled (a symlink in a *.wants/ or *.requires/ directory under /etc, /run
 * or /usr/lib systemd, and not masked)? 1 yes, 0 no. where receives the symlink path. */
int unit_enabled(struct probe_ctx *ctx, const char *unit, char *where, size_t wherelen);
/* Is the unit masked (linked to /dev/null in /etc or /run)? */
bool unit_masked(struct probe_ctx *ctx, const char *unit);

/* Processes: is a process whose comm equals name running? 1 yes, 0 no, negative if /proc
 * cannot be read (not live, or unreadable). */
int proc_running(struct probe_ctx *ctx, const char *comm, char *why, size_t whylen);

/* Sockets from /proc/net/{tcp,tcp6,udp,udp6}: TCP sockets in LISTEN and bound UDP sockets. */
struct listener {
	char proto[5];     /* "tcp" or "udp" */
	bool v6;
	char addr[46];     /* textual address */
	unsigned port;
	bool any_address;  /* bound to 0.0.0.0 or :: */
	bool loopback;     /* bound to 127.0.0.0/8 or ::1 */
};
/* Negative if none of the four tables can be read (why says so). */
int net_listeners(struct probe_ctx *ctx, const struct listener **ls, size_t *count, char *why,
		  size_t whylen);
/* Parses one /proc/net/{tcp,udp}[6] table (pure; fuzzed). Appends to *ls (realloc'd). */
int proc_net_parse(const char *buf, size_t len, const char *proto, bool v6, struct listener **ls,
		   size_t *count, int *bad_line);

/* ---- small parsers (pure: buffer in, callback out; fuzzed) ---- */

/* INI / keyfile: "[section]" headers, "key=value" (or "key = value") lines, '#' or ';'
 * comments. The callback gets section ("" before any header), trimmed key and value.
 * Returns 0, the callback's non-zero value, or MAMORI_EPARSE with *bad_line set. */
typedef int (*ini_fn)(const char *section, const char *key, const char *value, int line,
		      void *ud);
int ini_parse(const char *buf, size_t len, ini_fn fn, void *ud, int *bad_line);

/* Shell-style KEY=value files (os-release, /etc/default files): quotes removed, '#' comments. */
typedef int (*kv_fn)(const char *key, const char *value, int line, void *ud);
int kv_parse(const char *buf, size_t len, kv_fn fn, void *ud, int *bad_line);

/* Formats "path:line" for evidence notes. */
const char *where(char *out, size_t outlen, const char *path, int line);

#endif

#ifndef MAMORI_DPKG_PARSE
#define MAMORI_DPKG_PARSE
/* Parses a dpkg status (or apt Packages) file: calls fn for each stanza with its fields
 * Package, Version, Architecture, Source and Status (NULL when absent) and the stanza's
 * first line. Pure; fuzzed. Returns 0, fn's non-zero value, or MAMORI_EPARSE with bad_line. */
struct deb_stanza {
	const char *package, *version, *arch, *source, *status;
	int line;
};
typedef int (*deb_stanza_fn)(const struct deb_stanza *st, void *ud);
int deb_stanzas_parse(const char *buf, size_t len, deb_stanza_fn fn, void *ud, int *bad_line);
#endif
