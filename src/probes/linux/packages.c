/* SPDX-License-Identifier: Apache-2.0 */
/* software.*: the asset ledger of installed software (dpkg packages, snaps, flatpaks) and
 * which installed packages no configured apt source offers. */
#include <stdio.h>
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

struct origin_state {
	const struct dpkg_pkg *pkgs;
	size_t npkgs;
	const struct dpkg_pkg **by_source; /* pointers into pkgs, sorted by source */
	bool *offered;
};

static int cmp_by_source(const void *a, const void *b)
{
	const struct dpkg_pkg *x = *(const struct dpkg_pkg *const *)a;
	const struct dpkg_pkg *y = *(const struct dpkg_pkg *const *)b;
	return strcmp(x->source, y->source);
}

static int origin_cb(const struct deb_stanza *st, void *ud)
{
	struct origin_state *os = ud;
	size_t lo = 0, hi = os->npkgs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(os->pkgs[mid].name, st->package) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < os->npkgs && strcmp(os->pkgs[i].name, st->package) == 0; i++)
		os->offered[i] = true;
	/* A binary the archive dropped (an old kernel ABI, a renamed library) is still from
	 * this source when the source package is offered: "Source: NAME (VERSION)". */
	char src[256];
	const char *s = st->source ? st->source : st->package;
	size_t sl = strcspn(s, " ");
	if (sl >= sizeof(src))
		return 0;
	memcpy(src, s, sl);
	src[sl] = '\0';
	lo = 0;
	hi = os->npkgs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(os->by_source[mid]->source, src) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < os->npkgs && strcmp(os->by_source[i]->source, src) == 0; i++)
		os->offered[os->by_source[i] - os->pkgs] = true;
	return 0;
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
	struct apt_list *lists;
	size_t nlists;
	r = apt_lists_find(ctx, &lists, &nlists, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r)
		return facts_put_unknown(ctx->facts, fact, APT_LISTS_DIR, 0, "%s", why);
	if (nlists == 0) {
		apt_lists_free(lists, nlists);
		return facts_put_unknown(ctx->facts, fact, APT_LISTS_DIR, 0,
					 "no package lists in %s: apt update has not run, or the "
					 "lists were removed",
					 APT_LISTS_DIR);
	}
	struct origin_state os = {.pkgs = pkgs, .npkgs = npkgs};
	os.by_source = malloc((npkgs ? npkgs : 1) * sizeof(*os.by_source));
	os.offered = calloc(npkgs ? npkgs : 1, sizeof(bool));
	json_t *arr = json_array();
	char unread[512] = "";
	if (os.by_source == NULL || os.offered == NULL || arr == NULL) {
		r = MAMORI_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < npkgs; i++)
		os.by_source[i] = &pkgs[i];
	qsort(os.by_source, npkgs, sizeof(*os.by_source), cmp_by_source);
	size_t nread = 0;
	for (size_t i = 0; i < nlists; i++) {
		char w[512];
		r = apt_list_read(ctx, &lists[i], origin_cb, &os, w, sizeof(w));
		if (r == MAMORI_ENOMEM)
			goto out;
		if (r) {
			if (unread[0] == '\0')
				snprintf(unread, sizeof(unread), "%s", w);
			r = 0;
			continue;
		}
		nread++;
	}
	size_t count = 0;
	for (size_t i = 0; i < npkgs; i++) {
		if (os.offered[i])
			continue;
		/* One entry per name, even when several architectures are installed. */
		if (i > 0 && !os.offered[i - 1] && strcmp(pkgs[i - 1].name, pkgs[i].name) == 0)
			continue;
		if (json_array_append_new(arr, json_string(pkgs[i].name))) {
			r = MAMORI_ENOMEM;
			goto out;
		}
		count++;
	}
	if (unread[0] && count) {
		/* The unreadable list might offer them: say so rather than accuse. */
		r = facts_put_unknown(ctx->facts, fact, APT_LISTS_DIR, 0,
				      "%zu installed packages are in none of the readable lists, "
				      "but %s",
				      count, unread);
		goto out;
	}
	char note[640];
	snprintf(note, sizeof(note),
		 "installed packages whose name or source package none of the %zu package lists "
		 "offers%s%s",
		 nread, unread[0] ? "; " : "", unread);
	r = facts_put(ctx->facts, fact, arr, APT_LISTS_DIR, 0, note);
	arr = NULL;
out:
	json_decref(arr);
	free(os.by_source);
	free(os.offered);
	apt_lists_free(lists, nlists);
	return r;
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
