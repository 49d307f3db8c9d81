/* SPDX-License-Identifier: Apache-2.0 */
/* The sharing family's pure parser: NFS exports(5) files. */
#ifndef MAMORI_LINUX_SHARING_H
#define MAMORI_LINUX_SHARING_H

#include <stddef.h>

#define EXPORTS_MAX_LINE 8192

/* Calls fn for each export entry with its path (quotes removed) and the 1-based line where
 * it starts. '#' comments, blank lines and backslash continuations as exportfs reads them.
 * Returns 0, fn's non-zero value or MAMORI_EPARSE with *bad_line (unterminated quote,
 * unbalanced option parentheses, a line that does not start with a path). */
typedef int (*exports_fn)(const char *path, int line, void *ud);
int exports_parse(const char *buf, size_t len, exports_fn fn, void *ud, int *bad_line);

#endif
