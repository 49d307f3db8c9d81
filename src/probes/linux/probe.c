/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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

struct probe_job {
	pthread_t thread;
	bool threaded;
	int (*done)(struct probe_ctx *ctx, void *arg);
	void *arg;
	struct probe_job *next;
};

int probe_defer(struct probe_ctx *ctx, void *(*work)(void *arg),
		int (*done)(struct probe_ctx *ctx, void *arg), void *arg)
{
	struct probe_job *job = calloc(1, sizeof(*job));
	if (job == NULL) {
		work(arg);
		int r = done(ctx, arg);
		return r ? r : 0;
	}
	job->done = done;
	job->arg = arg;
	job->threaded = pthread_create(&job->thread, NULL, work, arg) == 0;
	if (!job->threaded)
		work(arg); /* no thread to be had: the scan is slower, not wrong */
	job->next = ctx->jobs;
	ctx->jobs = job;
	return 0;
}

/* Joins every deferred job and lets it record its facts; returns the first error. */
static int probe_jobs_finish(struct probe_ctx *ctx)
{
	int first = 0;
	while (ctx->jobs) {
		struct probe_job *job = ctx->jobs;
		ctx->jobs = job->next;
		if (job->threaded)
			pthread_join(job->thread, NULL);
		int r = job->done(ctx, job->arg);
		if (r && !first)
			first = r;
		free(job);
	}
	return first;
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

int probes_run_early(struct probe_ctx *ctx, const char *only, struct errbuf *e)
{
	int r = 0;
	for (size_t i = 0; i < probes_count && r == 0; i++) {
		if (!probes[i].early || (only && !name_in(probes[i].name, only)))
			continue;
		r = probes[i].collect(ctx);
		if (r)
			err_set(e, r, "probe %s failed: out of memory", probes[i].name);
	}
	ctx->early_done = true;
	return r;
}

int probes_run(struct probe_ctx *ctx, const char *only, struct errbuf *e)
{
	int r = 0;
	for (size_t i = 0; i < probes_count && r == 0; i++) {
		if (only && !name_in(probes[i].name, only))
			continue;
		if (probes[i].early && ctx->early_done)
			continue;
		r = probes[i].collect(ctx);
		if (r)
			err_set(e, r, "probe %s failed: out of memory", probes[i].name);
	}
	/* Always join: a thread must not outlive the scan's files and cache. */
	int rj = probe_jobs_finish(ctx);
	if (r == 0 && rj)
		r = err_set(e, rj, "a deferred probe failed: out of memory");
	return r;
}
