/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/linux/cache.h"
#include "probes/linux/common.h"

int probe_ctx_open(struct probe_ctx *ctx, const char *root, time_t now, const struct sys_ops *sys,
		   struct facts *facts, struct errbuf *e)
{
	memset(ctx, 0, sizeof(*ctx));
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, MAMORI_ENOENT, "--root %s: %s", root, strerror(errno));
	struct stat a, b;
	ctx->live = stat("/", &a) == 0 && fstat(fd, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino;
	ctx->root = root;
	ctx->rootfd = fd;
	ctx->now = now;
	ctx->sys = sys;
	ctx->facts = facts;
	ctx->cache = probe_cache_new();
	if (ctx->cache == NULL) {
		close(fd);
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	}
	return 0;
}

void probe_ctx_close(struct probe_ctx *ctx)
{
	if (ctx->rootfd > 0)
		close(ctx->rootfd);
	probe_cache_free(ctx->cache);
	ctx->cache = NULL;
	ctx->rootfd = -1;
}

static bool name_in(const char *name, const char *list)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == n && memcmp(p, name, n) == 0)
			return true;
		p += l + (c != NULL);
	}
	return false;
}

int probes_run(struct probe_ctx *ctx, const char *only, struct errbuf *e)
{
	for (size_t i = 0; i < probes_count; i++) {
		if (only && !name_in(probes[i].name, only))
			continue;
		int r = probes[i].collect(ctx);
		if (r)
			return err_set(e, r, "probe %s failed: out of memory", probes[i].name);
	}
	return 0;
}
