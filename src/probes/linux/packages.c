/* SPDX-License-Identifier: Apache-2.0 */
/* software.*: the asset ledger of installed software (dpkg packages, snaps, flatpaks) and
 * which installed packages no configured apt source offers. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---- the names cache ----
 * Decompressing and reading a main list costs tens of milliseconds; apt rewrites it only on
 * `apt update`. So, like apt's own pkgcache.bin, the names each list offers are kept as a
 * sorted array of 64-bit hashes in NAMES_CACHE_DIR, tied to the list's inode, size and
 * mtime. Only for the running system and only as root: an audited image is never written
 * to, and a cache that is not root's own and closed to others is ignored. */
#define NAMES_CACHE_DIR "/var/cache/mamori/apt"
#define NAMES_CACHE_MAGIC "MAMAPT1\n"
#define NAMES_CACHE_MAX (8u << 20) /* hashes; a main list has about 100 000 */

struct names_cache_header {
	char magic[8];
	uint64_t dev, ino, size, mtime_sec, mtime_nsec, count;
};

/* Hashes a name; a source name is hashed apart so "foo" the binary and "foo" the source
 * package do not stand for each other. 64-bit FNV-1a with a final mix. */
static uint64_t name_hash(const char *s, size_t len, bool source)
{
	uint64_t h = source ? 0x9E3779B97F4A7C15ULL : 1469598103934665603ULL;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDULL;
	h ^= h >> 33;
	return h;
}

struct hash_vec {
	uint64_t *v;
	size_t n, cap;
	bool failed; /* out of memory or over the cap: nothing is cached */
};

static void hash_vec_add(struct hash_vec *hv, uint64_t h)
{
	if (hv->failed)
		return;
	if (hv->n == hv->cap) {
		size_t cap = hv->cap ? hv->cap * 2 : 65536;
		uint64_t *v = cap <= NAMES_CACHE_MAX ? realloc(hv->v, cap * sizeof(*v)) : NULL;
		if (v == NULL) {
			hv->failed = true;
			return;
		}
		hv->v = v;
		hv->cap = cap;
	}
	hv->v[hv->n++] = h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool hash_in(const uint64_t *v, size_t n, uint64_t h)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == h;
}

static void cache_path(char *out, size_t len, const char *list)
{
	if (snprintf(out, len, "%s/%s.names", NAMES_CACHE_DIR, list) >= (int)len)
		out[0] = '\0';
}

/* The cached hashes of a list whose file is st, or NULL (caller frees). */
static uint64_t *cache_load(const char *list, const struct stat *st, size_t *count)
{
	char path[4096];
	cache_path(path, sizeof(path), list);
	int fd = path[0] ? open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (fd < 0)
		return NULL;
	struct stat cs;
	struct names_cache_header h;
	uint64_t *v = NULL;
	if (fstat(fd, &cs) != 0 || !S_ISREG(cs.st_mode) || cs.st_uid != 0 ||
	    (cs.st_mode & 022) != 0 || read(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, NAMES_CACHE_MAGIC, 8) != 0 || h.dev != (uint64_t)st->st_dev ||
	    h.ino != (uint64_t)st->st_ino || h.size != (uint64_t)st->st_size ||
	    h.mtime_sec != (uint64_t)st->st_mtim.tv_sec ||
	    h.mtime_nsec != (uint64_t)st->st_mtim.tv_nsec || h.count > NAMES_CACHE_MAX ||
	    (uint64_t)cs.st_size != sizeof(h) + h.count * sizeof(uint64_t))
		goto out;
	v = malloc(h.count ? h.count * sizeof(uint64_t) : 1);
	if (v && read(fd, v, h.count * sizeof(uint64_t)) != (ssize_t)(h.count * sizeof(uint64_t))) {
		free(v);
		v = NULL;
	}
	for (size_t i = 1; v && i < h.count; i++)
		if (v[i - 1] >= v[i]) { /* not what we write: ignore it */
			free(v);
			v = NULL;
		}
	if (v)
		*count = h.count;
out:
	close(fd);
	return v;
}

/* Best effort: a cache that cannot be written only costs the next scan some time. */
static void cache_store(const char *list, const struct stat *st, const uint64_t *v, size_t n)
{
	char path[4096], tmp[4200];
	cache_path(path, sizeof(path), list);
	if (path[0] == '\0' || snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return;
	mkdir("/var/cache/mamori", 0755);
	mkdir(NAMES_CACHE_DIR, 0755);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return;
	struct names_cache_header h = {
		.dev = (uint64_t)st->st_dev,
		.ino = (uint64_t)st->st_ino,
		.size = (uint64_t)st->st_size,
		.mtime_sec = (uint64_t)st->st_mtim.tv_sec,
		.mtime_nsec = (uint64_t)st->st_mtim.tv_nsec,
		.count = n,
	};
	memcpy(h.magic, NAMES_CACHE_MAGIC, 8);
	bool ok = fchmod(fd, 0644) == 0 && write(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) &&
		  write(fd, v, n * sizeof(uint64_t)) == (ssize_t)(n * sizeof(uint64_t));
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0)
		unlink(tmp);
}

/* The lists are read on a thread of their own (probe_defer): a main list is tens of megabytes
 * and the other probes need not wait for it. The job owns everything it touches. */
struct origin_job {
	struct probe_ctx *ctx; /* only for reading files under the root */
	bool use_cache;        /* the running system, as root */
	size_t ncached;        /* lists answered from the cache */
	struct hash_vec hashes; /* the names of the list being read, for the cache */
	struct origin_state os;
	struct apt_list *lists;
	size_t nlists;
	size_t nread;
	char unread[512];
	int r;
};

static void origin_job_free(struct origin_job *job)
{
	free(job->hashes.v);
	free(job->os.by_source);
	free(job->os.sources);
	free(job->os.names);
	free(job->os.by_name_ix.slot);
	free(job->os.by_source_ix.slot);
	free(job->os.offered);
	apt_lists_free(job->lists, job->nlists);
	free(job);
}

/* Marks what one cached list offers. */
static void origin_from_hashes(struct origin_state *os, const uint64_t *v, size_t n)
{
	for (size_t i = 0; i < os->npkgs; i++) {
		const struct dpkg_pkg *p = &os->pkgs[i];
		if (hash_in(v, n, name_hash(p->name, strlen(p->name), false)) ||
		    hash_in(v, n, name_hash(p->source, strlen(p->source), true)))
			os->offered[i] = true;
	}
}

/* origin_cb, and the names kept for the cache. */
static int origin_cache_cb(const char *pkg, size_t plen, const char *src, size_t slen, void *ud)
{
	struct origin_job *job = ud;
	hash_vec_add(&job->hashes, name_hash(pkg, plen, false));
	hash_vec_add(&job->hashes, name_hash(src, slen, true));
	return origin_cb(pkg, plen, src, slen, &job->os);
}

static void *origin_work(void *arg)
{
	struct origin_job *job = arg;
	for (size_t i = 0; i < job->nlists; i++) {
		char w[512];
		struct stat st;
		char lpath[4096];
		snprintf(lpath, sizeof(lpath), "%s/%s", APT_LISTS_DIR, job->lists[i].name);
		bool cacheable = job->use_cache && rootfs_stat(job->ctx, lpath, &st) == 0;
		if (cacheable) {
			size_t n;
			uint64_t *v = cache_load(job->lists[i].name, &st, &n);
			if (v) {
				origin_from_hashes(&job->os, v, n);
				free(v);
				job->nread++;
				job->ncached++;
				continue;
			}
		}
		job->hashes.n = 0;
		job->hashes.failed = false;
		int r = cacheable ? apt_list_names(job->ctx, &job->lists[i], origin_cache_cb, job, w,
						   sizeof(w))
				  : apt_list_names(job->ctx, &job->lists[i], origin_cb, &job->os, w,
						   sizeof(w));
		if (r == 0 && cacheable && !job->hashes.failed) {
			struct hash_vec *hv = &job->hashes;
			qsort(hv->v, hv->n, sizeof(*hv->v), cmp_u64);
			size_t u = 0;
			for (size_t k = 0; k < hv->n; k++)
				if (u == 0 || hv->v[u - 1] != hv->v[k])
					hv->v[u++] = hv->v[k];
			cache_store(job->lists[i].name, &st, hv->v, u);
		}
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
		char note[900];
		if (snprintf(note, sizeof(note),
			     "installed packages whose name or source package none of the %zu "
			     "package lists offers%s%s%s",
			     job->nread,
			     job->ncached ? " (names of unchanged lists from " NAMES_CACHE_DIR ")"
					  : "",
			     job->unread[0] ? "; " : "", job->unread) >= (int)sizeof(note))
			note[sizeof(note) - 1] = '\0';
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
	job->use_cache = ctx->live && geteuid() == 0;
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
