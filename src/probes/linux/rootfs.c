/* SPDX-License-Identifier: Apache-2.0 */
/* Reading files under the audited root. openat2(RESOLVE_IN_ROOT) makes absolute symlinks
 * inside a mounted image resolve inside the image, never on the host. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probes/linux/common.h"

static int root_open(const struct probe_ctx *ctx, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = path;
	while (*rel == '/')
		rel++;
	if (*rel == '\0')
		rel = ".";
	int fd = (int)syscall(SYS_openat2, ctx->rootfd, rel, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)
		fd = openat(ctx->rootfd, rel, flags | O_CLOEXEC);
	return fd;
}

static int errno_code(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return MAMORI_ENOENT;
	case EACCES:
	case EPERM:
		return MAMORI_EACCES;
	case ENOMEM:
		return MAMORI_ENOMEM;
	default:
		return MAMORI_EIO;
	}
}

int rootfs_read(const struct probe_ctx *ctx, const char *path, size_t max, char **buf,
		size_t *len, char *why, size_t whylen)
{
	int fd = root_open(ctx, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;
		snprintf(why, whylen, "cannot read %s: %s", path, strerror(err));
		return errno_code(err);
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(why, whylen, "cannot read %s: not a regular file", path);
		return MAMORI_EIO;
	}
	struct buf b;
	buf_init(&b, max);
	char chunk[16384];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			close(fd);
			buf_free(&b);
			snprintf(why, whylen, "cannot read %s: %s", path, strerror(err));
			return errno_code(err);
		}
		if (n == 0)
			break;
		int r = buf_add(&b, chunk, (size_t)n);
		if (r) {
			close(fd);
			snprintf(why, whylen, "cannot read %s: %s", path,
				 r == MAMORI_ETOOBIG ? "larger than the limit" : "out of memory");
			return r;
		}
	}
	close(fd);
	*len = b.len;
	*buf = buf_take(&b);
	if (*buf == NULL) {
		snprintf(why, whylen, "cannot read %s: out of memory", path);
		return MAMORI_ENOMEM;
	}
	return 0;
}

int rootfs_stat(const struct probe_ctx *ctx, const char *path, struct stat *st)
{
	int fd = root_open(ctx, path, O_PATH);
	if (fd < 0)
		return errno_code(errno);
	int r = fstat(fd, st) == 0 ? 0 : errno_code(errno);
	close(fd);
	return r;
}

bool rootfs_exists(const struct probe_ctx *ctx, const char *path)
{
	struct stat st;
	return rootfs_stat(ctx, path, &st) == 0;
}

int rootfs_readlink(const struct probe_ctx *ctx, const char *path, char *out, size_t outlen)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (slash == NULL || outlen == 0 || (size_t)(slash - path) >= sizeof(dir))
		return MAMORI_EINVAL;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	int dfd = root_open(ctx, dir[0] ? dir : "/", O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return errno_code(errno);
	ssize_t n = readlinkat(dfd, slash + 1, out, outlen - 1);
	int err = errno;
	close(dfd);
	if (n < 0)
		return errno_code(err);
	out[n] = '\0';
	return (int)n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void rootfs_names_free(char **names)
{
	if (names == NULL)
		return;
	for (size_t i = 0; names[i]; i++)
		free(names[i]);
	free(names);
}

#define ROOTFS_MAX_ENTRIES 100000

int rootfs_list(const struct probe_ctx *ctx, const char *dir, const char *pattern, char ***names,
		size_t *count)
{
	char **v = calloc(1, sizeof(char *));
	size_t n = 0;
	if (v == NULL)
		return MAMORI_ENOMEM;
	int fd = root_open(ctx, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		int err = errno;
		if (err == ENOENT || err == ENOTDIR) {
			*names = v;
			*count = 0;
			return 0;
		}
		free(v);
		return errno_code(err);
	}
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		free(v);
		return MAMORI_EIO;
	}
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (pattern && fnmatch(pattern, de->d_name, FNM_PERIOD) != 0)
			continue;
		if (n >= ROOTFS_MAX_ENTRIES) {
			r = MAMORI_ETOOBIG;
			break;
		}
		char **nv = realloc(v, (n + 2) * sizeof(char *));
		if (nv == NULL || (nv[n] = xstrdup(de->d_name)) == NULL) {
			if (nv)
				v = nv;
			r = MAMORI_ENOMEM;
			break;
		}
		v = nv;
		v[++n] = NULL;
	}
	closedir(d);
	if (r) {
		v[n] = NULL;
		rootfs_names_free(v);
		return r;
	}
	qsort(v, n, sizeof(char *), cmp_str);
	*names = v;
	*count = n;
	return 0;
}

int rootfs_glob(const struct probe_ctx *ctx, const char *pattern, char ***paths, size_t *count)
{
	const char *slash = strrchr(pattern, '/');
	if (slash == NULL)
		return MAMORI_EINVAL;
	char dir[4096];
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - pattern), pattern);
	const char *base = slash + 1;
	if (strpbrk(base, "*?[") == NULL) {
		char **v = calloc(2, sizeof(char *));
		if (v == NULL)
			return MAMORI_ENOMEM;
		size_t n = 0;
		if (rootfs_exists(ctx, pattern) && (v[n++] = xstrdup(pattern)) == NULL) {
			free(v);
			return MAMORI_ENOMEM;
		}
		*paths = v;
		*count = n;
		return 0;
	}
	char **names;
	size_t n;
	int r = rootfs_list(ctx, dir[0] ? dir : "/", base, &names, &n);
	if (r)
		return r;
	for (size_t i = 0; i < n; i++) {
		char *full = xasprintf("%s/%s", dir, names[i]);
		if (full == NULL) {
			rootfs_names_free(names);
			return MAMORI_ENOMEM;
		}
		free(names[i]);
		names[i] = full;
	}
	*paths = names;
	*count = n;
	return 0;
}

const char *where(char *out, size_t outlen, const char *path, int line)
{
	if (line > 0)
		snprintf(out, outlen, "%s:%d", path, line);
	else
		snprintf(out, outlen, "%s", path);
	return out;
}
