/* SPDX-License-Identifier: Apache-2.0 */
/* software.*: the asset ledger of installed software (dpkg packages, snaps, flatpaks) and
 * which installed packages no configured apt source offers. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/apt.h"
#include "probes/linux/common.h"
#include "probes/linux/probes.h"

#define DPKG_STATUS "/var/lib/dpkg/status"
#define SNAPS_DIR "/var/lib/snapd/snaps"
#define FLATPAK_DIR "/var/lib/flatpak/app"

static int packages_facts(struct probe_ctx *ctx)
{
	const struct dpkg_pkg *p;
	size_t n;
	char why[512];
	int r = pkg_list(ctx, &p, &n, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r) {
		r = facts_put_unknown(ctx->facts, "software.packages", DPKG_STATUS, 0, "%s", why);
		return r ? r
			 : facts_put_unknown(ctx->facts, "software.package_count", DPKG_STATUS, 0,
					     "%s", why);
	}
	json_t *arr = json_array();
	if (arr == NULL)
		return MAMORI_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "name", p[i].name,
							 "version", p[i].version, "arch", p[i].arch,
							 "source", p[i].source))) {
			json_decref(arr);
			return MAMORI_ENOMEM;
		}
	}
	r = facts_put(ctx->facts, "software.packages", arr, DPKG_STATUS, 0,
		      "stanzas whose Status is installed");
	if (r)
		return r;
	return facts_put_int(ctx->facts, "software.package_count", (long long)n, DPKG_STATUS, 0,
			     n ? "installed packages"
			       : "the status file lists no installed package");
}

static int snaps_fact(struct probe_ctx *ctx)
{
	char **names;
	size_t n;
	if (rootfs_list(ctx, SNAPS_DIR, "*.snap", &names, &n))
		return facts_put_unknown(ctx->facts, "software.snaps", SNAPS_DIR, 0,
					 "cannot list %s", SNAPS_DIR);
	json_t *arr = json_array();
	if (arr == NULL) {
		rootfs_names_free(names);
		return MAMORI_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		/* "NAME_REVISION.snap"; snap names have no '_', so the last one splits. */
		size_t l = strlen(names[i]) - strlen(".snap");
		const char *us = NULL;
		for (size_t k = l; k > 0; k--)
			if (names[i][k - 1] == '_') {
				us = names[i] + k - 1;
				break;
			}
		if (us == NULL || us == names[i] || (size_t)(us - names[i]) + 1 >= l)
			continue;
		json_t *o = json_pack("{s:s%, s:s%}", "name", names[i], (size_t)(us - names[i]),
				      "revision", us + 1, l - (size_t)(us - names[i]) - 1);
		if (json_array_append_new(arr, o)) {
			json_decref(arr);
			rootfs_names_free(names);
			return MAMORI_ENOMEM;
		}
	}
	rootfs_names_free(names);
	return facts_put(ctx->facts, "software.snaps", arr, SNAPS_DIR, 0,
			 "NAME_REVISION.snap files (none when snapd is not used)");
}

static int flatpaks_fact(struct probe_ctx *ctx)
{
	char **names;
	size_t n;
	if (rootfs_list(ctx, FLATPAK_DIR, NULL, &names, &n))
		return facts_put_unknown(ctx->facts, "software.flatpaks", FLATPAK_DIR, 0,
					 "cannot list %s", FLATPAK_DIR);
	json_t *arr = json_array();
	if (arr == NULL) {
		rootfs_names_free(names);
		return MAMORI_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		if (names[i][0] == '.')
			continue;
		/* "current" points at ARCH/BRANCH of the deployed build. */
		char path[4096], target[256];
		snprintf(path, sizeof(path), "%s/%s/current", FLATPAK_DIR, names[i]);
		int l = rootfs_readlink(ctx, path, target, sizeof(target));
		char *slash = l > 0 ? strchr(target, '/') : NULL;
		json_t *o;
		if (slash) {
			*slash = '\0';
			o = json_pack("{s:s, s:s, s:s}", "name", names[i], "arch", target, "branch",
				      slash + 1);
		} else {
			o = json_pack("{s:s, s:n, s:n}", "name", names[i], "arch", "branch");
		}
		if (json_array_append_new(arr, o)) {
			json_decref(arr);
			rootfs_names_free(names);
			return MAMORI_ENOMEM;
		}
	}
	rootfs_names_free(names);
	return facts_put(ctx->facts, "software.flatpaks", arr, FLATPAK_DIR, 0,
			 "system-wide installs (per-user ~/.local/share/flatpak not read)");
}

/* ---- installed packages no apt list offers ---- */

/* An open-addressing index from a name to the first of its run in a sorted key array: the
 * main list has tens of thousands of stanzas to look up, nearly all of them misses. */
struct name_index {
	size_t *slot; /* key index + 1; 0 = empty */
	size_t mask;
};

struct origin_state {
	const struct dpkg_pkg *pkgs;
	size_t npkgs;
	const struct dpkg_pkg **by_source; /* pointers into pkgs, sorted by source */
	const char **sources;              /* by_source[i]->source */
	const char **names;                /* pkgs[i].name */
	struct name_index by_name_ix, by_source_ix;
	bool *offered;
};

static int cmp_by_source(const void *a, const void *b)
{
	const struct dpkg_pkg *x = *(const struct dpkg_pkg *const *)a;
	const struct dpkg_pkg *y = *(const struct dpkg_pkg *const *)b;
	return strcmp(x->source, y->source);
}

/* Orders a NUL-terminated key against the counted name (s, len). */
static int key_cmp(const char *k, const char *s, size_t len)
{
	int c = strncmp(k, s, len);
	return c ? c : k[len] != '\0';
}

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static int index_build(struct name_index *ix, const char *const *keys, size_t n)
{
	size_t cap = 64;
	while (cap < n * 4)
		cap *= 2;
	ix->slot = calloc(cap, sizeof(size_t));
	if (ix->slot == NULL)
		return MAMORI_ENOMEM;
	ix->mask = cap - 1;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(keys[i - 1], keys[i]) == 0)
			continue; /* only the first of a run */
		size_t h = (size_t)fnv1a(keys[i], strlen(keys[i])) & ix->mask;
		while (ix->slot[h])
			h = (h + 1) & ix->mask;
		ix->slot[h] = i + 1;
	}
	return 0;
}

/* The first index of the run of keys equal to (s, len), or (size_t)-1. */
static size_t index_find(const struct name_index *ix, const char *const *keys, const char *s,
			 size_t len)
{
	for (size_t h = (size_t)fnv1a(s, len) & ix->mask; ix->slot[h]; h = (h + 1) & ix->mask)
		if (key_cmp(keys[ix->slot[h] - 1], s, len) == 0)
			return ix->slot[h] - 1;
	return (size_t)-1;
}

static int origin_cb(const char *pkg, size_t plen, const char *src, size_t slen, void *ud)
{
	struct origin_state *os = ud;
	size_t i = index_find(&os->by_name_ix, os->names, pkg, plen);
	for (; i < os->npkgs && key_cmp(os->names[i], pkg, plen) == 0; i++)
		os->offered[i] = true;
	/* A binary the archive dropped (an old kernel ABI, a renamed library) is still from
	 * this source when the source package is offered. */
	i = index_find(&os->by_source_ix, os->sources, src, slen);
	for (; i < os->npkgs && key_cmp(os->sources[i], src, slen) == 0; i++)
		os->offered[os->by_source[i] - os->pkgs] = true;
	return 0;
}

/* The lists are read on a thread of their own (probe_defer): a main list is tens of megabytes
 * and the other probes need not wait for it. The job owns everything it touches. */
struct origin_job {
	struct probe_ctx *ctx; /* only for reading files under the root */
	struct origin_state os;
	struct apt_list *lists;
	size_t nlists;
	size_t nread;
	char unread[512];
	int r;
};

static void origin_job_free(struct origin_job *job)
{
	free(job->os.by_source);
	free(job->os.sources);
	free(job->os.names);
	free(job->os.by_name_ix.slot);
	free(job->os.by_source_ix.slot);
	free(job->os.offered);
	apt_lists_free(job->lists, job->nlists);
	free(job);
}

static void *origin_work(void *arg)
{
	struct origin_job *job = arg;
	for (size_t i = 0; i < job->nlists; i++) {
		char w[512];
		int r = apt_list_names(job->ctx, &job->lists[i], origin_cb, &job->os, w, sizeof(w));
		if (r == MAMORI_ENOMEM) {
			job->r = r;
			return NULL;
		}
		if (r) {
			if (job->unread[0] == '\0')
				snprintf(job->unread, sizeof(job->unread), "%s", w);
			continue;
		}
		job->nread++;
	}
	return NULL;
}

static int origin_done(struct probe_ctx *ctx, void *arg)
{
	const char *fact = "software.unknown_origin";
	struct origin_job *job = arg;
	const struct origin_state *os = &job->os;
	int r = job->r;
	json_t *arr = r ? NULL : json_array();
	if (r == 0 && arr == NULL)
		r = MAMORI_ENOMEM;
	size_t count = 0;
	for (size_t i = 0; r == 0 && i < os->npkgs; i++) {
		if (os->offered[i])
			continue;
		/* One entry per name, even when several architectures are installed. */
		if (i > 0 && !os->offered[i - 1] &&
		    strcmp(os->pkgs[i - 1].name, os->pkgs[i].name) == 0)
			continue;
		if (json_array_append_new(arr, json_string(os->pkgs[i].name)))
			r = MAMORI_ENOMEM;
		count++;
	}
	if (r == 0 && job->unread[0] && count) {
		/* The unreadable list might offer them: say so rather than accuse. */
		r = facts_put_unknown(ctx->facts, fact, APT_LISTS_DIR, 0,
				      "%zu installed packages are in none of the readable lists, "
				      "but %s",
				      count, job->unread);
	} else if (r == 0) {
		char note[640];
		snprintf(note, sizeof(note),
			 "installed packages whose name or source package none of the %zu package "
			 "lists offers%s%s",
			 job->nread, job->unread[0] ? "; " : "", job->unread);
		r = facts_put(ctx->facts, fact, arr, APT_LISTS_DIR, 0, note);
		arr = NULL;
	}
	json_decref(arr);
	origin_job_free(job);
	return r;
}

static int origin_fact(struct probe_ctx *ctx)
{
	const char *fact = "software.unknown_origin";
	const struct dpkg_pkg *pkgs;
	size_t npkgs;
	char why[768];
	int r = pkg_list(ctx, &pkgs, &npkgs, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r)
		return facts_put_unknown(ctx->facts, fact, DPKG_STATUS, 0, "%s", why);
	struct origin_job *job = calloc(1, sizeof(*job));
	if (job == NULL)
		return MAMORI_ENOMEM;
	job->ctx = ctx;
	r = apt_lists_find(ctx, &job->lists, &job->nlists, why, sizeof(why));
	if (r) {
		free(job);
		if (r == MAMORI_ENOMEM)
			return r;
		return facts_put_unknown(ctx->facts, fact, APT_LISTS_DIR, 0, "%s", why);
	}
	if (job->nlists == 0) {
		origin_job_free(job);
		return facts_put_unknown(ctx->facts, fact, APT_LISTS_DIR, 0,
					 "no package lists in %s: apt update has not run, or the "
					 "lists were removed",
					 APT_LISTS_DIR);
	}
	struct origin_state *os = &job->os;
	os->pkgs = pkgs;
	os->npkgs = npkgs;
	size_t n = npkgs ? npkgs : 1;
	os->by_source = malloc(n * sizeof(*os->by_source));
	os->offered = calloc(n, sizeof(bool));
	os->sources = malloc(n * sizeof(*os->sources));
	os->names = malloc(n * sizeof(*os->names));
	if (os->by_source == NULL || os->offered == NULL || os->sources == NULL ||
	    os->names == NULL) {
		origin_job_free(job);
		return MAMORI_ENOMEM;
	}
	for (size_t i = 0; i < npkgs; i++)
		os->by_source[i] = &pkgs[i];
	qsort(os->by_source, npkgs, sizeof(*os->by_source), cmp_by_source);
	for (size_t i = 0; i < npkgs; i++) {
		os->sources[i] = os->by_source[i]->source;
		os->names[i] = pkgs[i].name;
	}
	if (index_build(&os->by_name_ix, os->names, npkgs) ||
	    index_build(&os->by_source_ix, os->sources, npkgs)) {
		origin_job_free(job);
		return MAMORI_ENOMEM;
	}
	return probe_defer(ctx, origin_work, origin_done, job);
}

int probe_packages_collect(struct probe_ctx *ctx)
{
	int r = packages_facts(ctx);
	if (r == 0)
		r = snaps_fact(ctx);
	if (r == 0)
		r = flatpaks_fact(ctx);
	if (r == 0)
		r = origin_fact(ctx);
	return r;
}
