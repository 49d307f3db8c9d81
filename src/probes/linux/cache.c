/* SPDX-License-Identifier: Apache-2.0 */
/* What several probes read: dpkg's status, systemd's enabled units, the process table and
 * the socket tables. Each is read once per scan, on first use. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/cache.h"
#include "probes/linux/common.h"

/* ---- Debian control-file stanzas ---- */

struct deb_state {
	deb_stanza_fn fn;
	void *ud;
	struct deb_stanza cur;
	char fields[5][512];
	int start;
	bool in;
};

static int deb_flush(struct deb_state *st)
{
	if (!st->in)
		return 0;
	st->in = false;
	st->cur.line = st->start;
	int r = st->cur.package ? st->fn(&st->cur, st->ud) : 0;
	memset(&st->cur, 0, sizeof(st->cur));
	return r;
}

static int deb_line(const char *s, size_t len, int lineno, void *ud)
{
	struct deb_state *st = ud;
	if (len == 0 || (len == 1 && s[0] == '\r'))
		return deb_flush(st);
	if (!st->in) {
		st->in = true;
		st->start = lineno;
	}
	if (s[0] == ' ' || s[0] == '\t')
		return 0; /* continuation of a multi-line field */
	const char *colon = memchr(s, ':', len);
	if (colon == NULL || colon == s)
		return MAMORI_EPARSE;
	size_t kl = (size_t)(colon - s);
	/* Packages lists have ~1.5 million lines: compare lengths before bytes. */
	static const char *const names[5] = {"Package", "Version", "Architecture", "Source",
					     "Status"};
	static const size_t name_len[5] = {7, 7, 12, 6, 6};
	for (int i = 0; i < 5; i++) {
		if (kl != name_len[i] || memcmp(s, names[i], kl) != 0)
			continue;
		const char *v = colon + 1;
		size_t vl = len - kl - 1;
		str_trim(&v, &vl);
		if (vl >= sizeof(st->fields[i]))
			return MAMORI_EPARSE;
		memcpy(st->fields[i], v, vl);
		st->fields[i][vl] = '\0';
		const char **slot[5] = {&st->cur.package, &st->cur.version, &st->cur.arch,
					&st->cur.source, &st->cur.status};
		*slot[i] = st->fields[i];
		break;
	}
	return 0;
}

int deb_stanzas_parse(const char *buf, size_t len, deb_stanza_fn fn, void *ud, int *bad_line)
{
	struct deb_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return MAMORI_ENOMEM;
	st->fn = fn;
	st->ud = ud;
	/* Real lists have long lines: bookworm's librust-winapi-dev has a 75 KB Provides. */
	int r = for_each_line(buf, len, 1 << 20, deb_line, st, bad_line);
	if (r == 0)
		r = deb_flush(st);
	else if (r == MAMORI_ETOOBIG)
		r = MAMORI_EPARSE;
	free(st);
	return r;
}

/* ---- the cache ---- */

struct probe_cache {
	/* dpkg */
	int dpkg_state; /* 0 not loaded, 1 loaded, <0 error */
	char dpkg_why[256];
	struct dpkg_pkg *pkgs;
	size_t npkgs;
	char *dpkg_strings; /* one allocation per package string, freed via pkgs */
	/* systemd */
	int units_state;
	char **unit_links; /* "dir/X.wants/unit.service" */
	size_t nunit_links;
	/* processes */
	int proc_state;
	char proc_why[256];
	char **comms;
	size_t ncomms;
	/* sockets */
	int net_state;
	char net_why[256];
	struct listener *ls;
	size_t nls;
};

struct probe_cache *probe_cache_new(void)
{
	return calloc(1, sizeof(struct probe_cache));
}

void probe_cache_free(struct probe_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->npkgs; i++) {
		free((char *)c->pkgs[i].name);
		free((char *)c->pkgs[i].version);
		free((char *)c->pkgs[i].arch);
		free((char *)c->pkgs[i].source);
	}
	free(c->pkgs);
	for (size_t i = 0; i < c->nunit_links; i++)
		free(c->unit_links[i]);
	free(c->unit_links);
	for (size_t i = 0; i < c->ncomms; i++)
		free(c->comms[i]);
	free(c->comms);
	free(c->ls);
	free(c);
}

static bool status_installed(const char *status)
{
	/* "install ok installed", "hold ok installed": the third word is the state. */
	if (status == NULL)
		return false;
	const char *last = strrchr(status, ' ');
	return last && strcmp(last + 1, "installed") == 0;
}

static int dpkg_add(const struct deb_stanza *st, void *ud)
{
	struct probe_cache *c = ud;
	if (!status_installed(st->status))
		return 0;
	struct dpkg_pkg *v = realloc(c->pkgs, (c->npkgs + 1) * sizeof(*v));
	if (v == NULL)
		return MAMORI_ENOMEM;
	c->pkgs = v;
	struct dpkg_pkg *p = &c->pkgs[c->npkgs];
	char src[512];
	snprintf(src, sizeof(src), "%s", st->source ? st->source : st->package);
	char *sp = strchr(src, ' '); /* "openssl (3.0.1-1)" */
	if (sp)
		*sp = '\0';
	p->name = xstrdup(st->package);
	p->version = xstrdup(st->version ? st->version : "");
	p->arch = xstrdup(st->arch ? st->arch : "");
	p->source = xstrdup(src);
	p->line = st->line;
	c->npkgs++;
	if (!p->name || !p->version || !p->arch || !p->source)
		return MAMORI_ENOMEM;
	return 0;
}

static int cmp_pkg(const void *a, const void *b)
{
	const struct dpkg_pkg *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : strcmp(x->arch, y->arch);
}

static int dpkg_load(struct probe_ctx *ctx)
{
	struct probe_cache *c = ctx->cache;
	if (c->dpkg_state)
		return c->dpkg_state;
	char *buf;
	size_t len;
	int r = rootfs_read(ctx, "/var/lib/dpkg/status", 64u << 20, &buf, &len, c->dpkg_why,
			    sizeof(c->dpkg_why));
	if (r) {
		c->dpkg_state = r;
		return r;
	}
	int bad = 0;
	r = deb_stanzas_parse(buf, len, dpkg_add, c, &bad);
	free(buf);
	if (r) {
		snprintf(c->dpkg_why, sizeof(c->dpkg_why),
			 "/var/lib/dpkg/status:%d: malformed line (expected \"Field: value\")", bad);
		c->dpkg_state = r;
		return r;
	}
	if (c->npkgs)
		qsort(c->pkgs, c->npkgs, sizeof(*c->pkgs), cmp_pkg);
	c->dpkg_state = 1;
	return 1;
}

int pkg_list(struct probe_ctx *ctx, const struct dpkg_pkg **pkgs, size_t *count, char *why,
	     size_t whylen)
{
	int r = dpkg_load(ctx);
	if (r < 0) {
		snprintf(why, whylen, "%s", ctx->cache->dpkg_why);
		return r;
	}
	*pkgs = ctx->cache->pkgs;
	*count = ctx->cache->npkgs;
	return 0;
}

int pkg_installed(struct probe_ctx *ctx, const char *name, const char **version, char *why,
		  size_t whylen)
{
	const struct dpkg_pkg *p;
	size_t n;
	int r = pkg_list(ctx, &p, &n, why, whylen);
	if (r)
		return r;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(p[mid].name, name);
		if (c == 0) {
			if (version)
				*version = p[mid].version;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* ---- systemd ---- */

static const char *const unit_dirs[] = {"/etc/systemd/system", "/run/systemd/system",
					"/usr/lib/systemd/system", "/lib/systemd/system"};

static int units_load(struct probe_ctx *ctx)
{
	struct probe_cache *c = ctx->cache;
	if (c->units_state)
		return c->units_state;
	c->units_state = 1;
	for (size_t d = 0; d < sizeof(unit_dirs) / sizeof(unit_dirs[0]); d++) {
		char **subs;
		size_t ns;
		if (rootfs_list(ctx, unit_dirs[d], "*.wants", &subs, &ns))
			continue;
		char **reqs;
		size_t nr;
		if (rootfs_list(ctx, unit_dirs[d], "*.requires", &reqs, &nr) == 0) {
			char **all = realloc(subs, (ns + nr + 1) * sizeof(char *));
			if (all) {
				memcpy(all + ns, reqs, nr * sizeof(char *));
				all[ns + nr] = NULL;
				subs = all;
				ns += nr;
				free(reqs);
			} else {
				rootfs_names_free(reqs);
			}
		}
		for (size_t i = 0; i < ns; i++) {
			char dir[4096];
			snprintf(dir, sizeof(dir), "%s/%s", unit_dirs[d], subs[i]);
			char **units;
			size_t nu;
			if (rootfs_list(ctx, dir, NULL, &units, &nu))
				continue;
			for (size_t k = 0; k < nu; k++) {
				char **v = realloc(c->unit_links, (c->nunit_links + 1) * sizeof(char *));
				char *full = xasprintf("%s/%s", dir, units[k]);
				if (v == NULL || full == NULL) {
					free(full);
					if (v)
						c->unit_links = v;
					rootfs_names_free(units);
					rootfs_names_free(subs);
					c->units_state = MAMORI_ENOMEM;
					return c->units_state;
				}
				c->unit_links = v;
				c->unit_links[c->nunit_links++] = full;
			}
			rootfs_names_free(units);
		}
		rootfs_names_free(subs);
	}
	return 1;
}

bool unit_masked(struct probe_ctx *ctx, const char *unit)
{
	static const char *const dirs[] = {"/etc/systemd/system", "/run/systemd/system"};
	for (size_t i = 0; i < 2; i++) {
		char path[4096], target[4096];
		snprintf(path, sizeof(path), "%s/%s", dirs[i], unit);
		if (rootfs_readlink(ctx, path, target, sizeof(target)) > 0 &&
		    strcmp(target, "/dev/null") == 0)
			return true;
	}
	return false;
}

int unit_enabled(struct probe_ctx *ctx, const char *unit, char *where_out, size_t wherelen)
{
	int r = units_load(ctx);
	if (r < 0)
		return r;
	if (unit_masked(ctx, unit))
		return 0;
	struct probe_cache *c = ctx->cache;
	for (size_t i = 0; i < c->nunit_links; i++) {
		const char *base = strrchr(c->unit_links[i], '/');
		if (base && strcmp(base + 1, unit) == 0) {
			if (where_out)
				snprintf(where_out, wherelen, "%s", c->unit_links[i]);
			return 1;
		}
	}
	return 0;
}

/* ---- processes ---- */

static int proc_load(struct probe_ctx *ctx)
{
	struct probe_cache *c = ctx->cache;
	if (c->proc_state)
		return c->proc_state;
	char **names;
	size_t n;
	int r = rootfs_list(ctx, "/proc", "[0-9]*", &names, &n);
	if (r || n == 0) {
		snprintf(c->proc_why, sizeof(c->proc_why),
			 "no process table: /proc under %s %s", ctx->root,
			 r ? "cannot be read" : "lists no process");
		if (r == 0)
			rootfs_names_free(names);
		c->proc_state = r ? r : MAMORI_ENOENT;
		return c->proc_state;
	}
	for (size_t i = 0; i < n; i++) {
		char path[64], *buf, why[128];
		size_t len;
		snprintf(path, sizeof(path), "/proc/%.20s/comm", names[i]);
		if (rootfs_read(ctx, path, 256, &buf, &len, why, sizeof(why)))
			continue; /* the process may have exited */
		while (len && (buf[len - 1] == '\n'))
			buf[--len] = '\0';
		char **v = realloc(c->comms, (c->ncomms + 1) * sizeof(char *));
		if (v == NULL) {
			free(buf);
			break;
		}
		c->comms = v;
		c->comms[c->ncomms++] = buf;
	}
	rootfs_names_free(names);
	c->proc_state = 1;
	return 1;
}

int proc_running(struct probe_ctx *ctx, const char *comm, char *why, size_t whylen)
{
	int r = proc_load(ctx);
	if (r < 0) {
		snprintf(why, whylen, "%s", ctx->cache->proc_why);
		return r;
	}
	/* comm is truncated to 15 bytes by the kernel. */
	for (size_t i = 0; i < ctx->cache->ncomms; i++)
		if (strncmp(ctx->cache->comms[i], comm, 15) == 0)
			return 1;
	return 0;
}

/* ---- sockets ---- */

int net_listeners(struct probe_ctx *ctx, const struct listener **ls, size_t *count, char *why,
		  size_t whylen)
{
	struct probe_cache *c = ctx->cache;
	if (c->net_state == 0 && ctx->live && ctx->sys && ctx->sys->listeners) {
		char w[256];
		if (ctx->sys->listeners(ctx->sys->ud, &c->ls, &c->nls, w, sizeof(w)) == 0)
			c->net_state = 1;
		/* else: fall back to the /proc tables below, which say why if they fail too */
	}
	if (c->net_state == 0) {
		static const struct {
			const char *path, *proto;
			bool v6;
		} tables[] = {{"/proc/net/tcp", "tcp", false},
			      {"/proc/net/tcp6", "tcp", true},
			      {"/proc/net/udp", "udp", false},
			      {"/proc/net/udp6", "udp", true}};
		int read_ok = 0;
		c->net_state = 1;
		for (size_t i = 0; i < 4; i++) {
			char *buf, w[256];
			size_t len;
			int rr = rootfs_read(ctx, tables[i].path, 64u << 20, &buf, &len, w, sizeof(w));
			if (rr == MAMORI_ENOENT) {
				/* a kernel without IPv6 has no tcp6/udp6 */
				if (i == 0)
					snprintf(c->net_why, sizeof(c->net_why), "%s", w);
				continue;
			}
			if (rr) {
				/* a table that exists but cannot be read leaves the list incomplete:
				 * every socket check that reads it becomes unknown, never a pass */
				snprintf(c->net_why, sizeof(c->net_why), "%s", w);
				c->net_state = rr;
				break;
			}
			int bad = 0;
			int r = proc_net_parse(buf, len, tables[i].proto, tables[i].v6, &c->ls,
					       &c->nls, &bad);
			free(buf);
			if (r) {
				snprintf(c->net_why, sizeof(c->net_why),
					 "%s:%d: malformed socket table line", tables[i].path, bad);
				c->net_state = MAMORI_EPARSE;
				break;
			}
			read_ok++;
		}
		if (c->net_state == 1 && read_ok == 0)
			c->net_state = MAMORI_ENOENT;
	}
	if (c->net_state < 0) {
		snprintf(why, whylen, "%s", c->net_why);
		return c->net_state;
	}
	*ls = c->ls;
	*count = c->nls;
	return 0;
}
