/* SPDX-License-Identifier: Apache-2.0 */
/* apt's package lists (/var/lib/apt/lists) and dpkg's version order, shared by the patch and
 * packages families. Implemented in patch.c. */
#ifndef MAMORI_LINUX_APT_H
#define MAMORI_LINUX_APT_H

#include <stdbool.h>
#include <stddef.h>

#include "probes/linux/common.h"

#define APT_LISTS_DIR "/var/lib/apt/lists"
/* A list may decompress to at most this much (Debian main amd64 is about 50 MB). */
#define APT_LIST_MAX_BYTES (512ull << 20)
/* One stanza of a Packages list must fit in the streaming window. */
#define APT_STANZA_MAX (1u << 20)

/* ---- dpkg versions (pure; fuzzed) ---- */

/* A parsed "[epoch:]upstream[-revision]"; upstream and revision point into the input. */
struct deb_version {
	unsigned long epoch;
	const char *upstream;
	size_t upstream_len;
	const char *revision; /* "" when there is none */
	size_t revision_len;
};
/* Parses like dpkg's parseversion: refuses what dpkg refuses (empty, embedded blanks, an
 * epoch that is not a number or is above INT_MAX, nothing after the colon, an empty
 * revision, an empty upstream). Returns 0 or MAMORI_EINVAL. */
int deb_version_parse(const char *s, struct deb_version *out);
/* dpkg's order of two parsed versions: <0, 0 or >0 (epoch, then upstream, then revision,
 * each by verrevcmp: '~' before everything, even the end; letters before other marks). */
int deb_version_cmp(const struct deb_version *a, const struct deb_version *b);
/* Parses and compares two strings; MAMORI_EINVAL when either is not a valid version. */
int deb_version_cmp_str(const char *a, const char *b, int *cmp);

/* ---- Release files (pure; fuzzed) ---- */

/* Finds the Date: field of a Release or (clear-signed) InRelease file and converts its
 * RFC 2822 value ("Sat, 21 Nov 2026 00:53:02 UTC") to Unix seconds. Returns 0 with *t and
 * *line, MAMORI_ENOENT when there is no Date field, MAMORI_EPARSE (with *line) when it is
 * malformed. */
int apt_release_date_parse(const char *buf, size_t len, long long *t, int *line);

/* ---- the lists ---- */

enum apt_comp { APT_PLAIN, APT_LZ4, APT_UNSUPPORTED };

struct apt_list {
	char *name;    /* file name in APT_LISTS_DIR */
	bool security; /* a "-security" suite (Debian, Ubuntu) */
	enum apt_comp comp;
};

/* The *_Packages lists under the root, sorted by name. A missing directory gives none.
 * Returns 0 or a negative error (why says which). Free with apt_lists_free. */
int apt_lists_find(struct probe_ctx *ctx, struct apt_list **lists, size_t *count, char *why,
		   size_t whylen);
void apt_lists_free(struct apt_list *lists, size_t count);

/* Streams every stanza of one list to fn (decompressing .lz4 on the fly, in a window of
 * APT_STANZA_MAX bytes). The stanza's line is 0: lines are counted only for the error
 * message, which names the file and the line of the uncompressed text. Returns 0, fn's
 * non-zero value, or a negative error with why set. */
int apt_list_read(struct probe_ctx *ctx, const struct apt_list *list, deb_stanza_fn fn, void *ud,
		  char *why, size_t whylen);

/* Streams the Package name and the source package name (the Source field without its
 * version, or the Package name when there is none) of every stanza of one list to fn; only
 * those two fields are read, which is what makes a full main list affordable. Returns 0,
 * fn's non-zero value, or a negative error with why set. */
typedef int (*apt_name_fn)(const char *pkg, size_t pkglen, const char *src, size_t srclen,
			   void *ud);
int apt_list_names(struct probe_ctx *ctx, const struct apt_list *list, apt_name_fn fn, void *ud,
		   char *why, size_t whylen);

/* Splits a buffer of stanzas at the last blank line: returns how many leading bytes hold
 * only complete stanzas (0 when none). Pure, for the streaming reader and its tests. */
size_t apt_complete_stanzas(const char *buf, size_t len);

#endif
