/* SPDX-License-Identifier: Apache-2.0 */
/* time.*: which clock synchronization service starts at boot, the servers it uses, and
 * whether the kernel clock is synchronized now. Logs can only be correlated across devices
 * when their clocks agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probes/linux/common.h"
#include "probes/linux/logs.h"
#include "probes/linux/probes.h"
#include "probes/linux/timesync.h"

/* ---- the parser ---- */

struct ntpconf_state {
	ntpconf_fn fn;
	void *ud;
};

static bool is_source_keyword(const char *k)
{
	static const char *const src[] = {"server", "servers",	"pool",
					  "peer",   "refclock", "sensor"};
	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++)
		if (strcmp(k, src[i]) == 0)
			return true;
	return false;
}

static int ntpconf_line(const char *s, size_t len, int lineno, void *ud)
{
	struct ntpconf_state *st = ud;
	str_trim(&s, &len);
	if (len == 0 || strchr("#!;%", s[0]))
		return 0;
	/* A '#' after white space starts a comment (ntp.conf style). */
	for (size_t i = 1; i < len; i++) {
		if (s[i] == '#' && c_isspace((unsigned char)s[i - 1])) {
			len = i;
			break;
		}
	}
	str_trim(&s, &len);
	size_t kl = 0;
	while (kl < len && !c_isspace((unsigned char)s[kl]))
		kl++;
	if (kl >= 64)
		return MAMORI_EPARSE;
	char key[64], args[NTPCONF_MAX_LINE + 1];
	snprintf(key, sizeof(key), "%.*s", (int)kl, s);
	const char *a = s + kl;
	size_t al = len - kl;
	str_trim(&a, &al);
	snprintf(args, sizeof(args), "%.*s", (int)al, a);
	if (al == 0 && is_source_keyword(key))
		return MAMORI_EPARSE;
	return st->fn(key, args, lineno, st->ud);
}

int ntpconf_parse(const char *buf, size_t len, ntpconf_fn fn, void *ud, int *bad_line)
{
	struct ntpconf_state st = {fn, ud};
	int r = for_each_line(buf, len, NTPCONF_MAX_LINE, ntpconf_line, &st, bad_line);
	return r == MAMORI_ETOOBIG ? MAMORI_EPARSE : r;
}

/* ---- the services ---- */

struct ts_service {
	const char *name;
	const char *units[3];
	const char *proc; /* comm of the daemon */
	const char *pkg;
	const char *initd; /* SysV init script, for systems that do not boot with systemd */
};

/* Debian's systemd-timesyncd does not start when chronyd, ntpd or openntpd is installed, so
 * the full NTP daemons come first. */
static const struct ts_service services[] = {
    {"chrony", {"chrony.service", "chronyd.service", NULL}, "chronyd", "chrony", "chrony"},
    {"ntpsec", {"ntpsec.service", NULL, NULL}, "ntpd", "ntpsec", "ntpsec"},
    {"ntp", {"ntp.service", "ntpd.service", NULL}, "ntpd", "ntp", "ntp"},
    {"openntpd", {"openntpd.service", NULL, NULL}, "ntpd", "openntpd", "openntpd"},
    {"systemd-timesyncd",
     {"systemd-timesyncd.service", NULL, NULL},
     "systemd-timesyn",
     "systemd-timesyncd",
     NULL},
};
#define NSERVICES (sizeof(services) / sizeof(services[0]))

static bool systemd_present(struct probe_ctx *ctx)
{
	char why[256];
	return rootfs_exists(ctx, "/usr/lib/systemd/systemd") ||
	       rootfs_exists(ctx, "/lib/systemd/systemd") ||
	       pkg_installed(ctx, "systemd", NULL, why, sizeof(why)) == 1;
}

/* Is the service started at boot? A unit link whose unit file exists (a link left dangling
 * by a removed package starts nothing), or a SysV S-link when systemd is absent. */
static int service_enabled(struct probe_ctx *ctx, const struct ts_service *s, bool systemd,
			   char *where_out, size_t wherelen)
{
	if (systemd) {
		for (size_t i = 0; i < 3 && s->units[i]; i++) {
			int r = unit_enabled(ctx, s->units[i], where_out, wherelen);
			if (r < 0)
				return r;
			if (r == 1 && rootfs_exists(ctx, where_out))
				return 1;
		}
		return 0;
	}
	if (s->initd == NULL)
		return 0;
	char pat[128];
	snprintf(pat, sizeof(pat), "/etc/rc2.d/S[0-9][0-9]%s", s->initd);
	char **paths;
	size_t n;
	if (rootfs_glob(ctx, pat, &paths, &n))
		return 0;
	int found = n > 0;
	if (found)
		snprintf(where_out, wherelen, "%s", paths[0]);
	rootfs_names_free(paths);
	return found;
}

/* ---- servers ---- */

struct srv_collect {
	struct probe_ctx *ctx;
	json_t *list;
	char why[512];
	int depth, files;
	bool runtime_sources; /* chrony sourcedir under /run (DHCP servers) */
	bool chrony;
};

static int add_server(struct srv_collect *sc, const char *prefix, const char *args)
{
	char name[256];
	size_t l = strcspn(args, " \t");
	snprintf(name, sizeof(name), "%s%.*s", prefix, (int)(l < 200 ? l : 200), args);
	size_t i;
	json_t *it;
	json_array_foreach(sc->list, i, it)
	{
		if (strcmp(json_string_value(it), name) == 0)
			return 0;
	}
	if (json_array_size(sc->list) >= 256)
		return 0;
	return json_array_append_new(sc->list, json_string(name)) ? MAMORI_ENOMEM : 0;
}

static int conf_file(struct srv_collect *sc, const char *path);

/* chrony's confdir: *.conf (sourcedir: *.sources) of several directories, a name in an
 * earlier directory hiding the same name in a later one, read in name order. */
static int chrony_dirs(struct srv_collect *sc, const char *args, const char *pattern)
{
	enum { MAX_FILES = 256 };
	struct named {
		char name[256];
		char path[600];
	} *v = calloc(MAX_FILES, sizeof(*v));
	if (v == NULL)
		return MAMORI_ENOMEM;
	size_t nv = 0;
	for (const char *p = args; *p;) {
		p += strspn(p, " \t");
		size_t l = strcspn(p, " \t");
		if (l == 0)
			break;
		char dir[256];
		snprintf(dir, sizeof(dir), "%.*s", (int)(l < 255 ? l : 255), p);
		p += l;
		if (strncmp(dir, "/run/", 5) == 0 && strcmp(pattern, "*.sources") == 0)
			sc->runtime_sources = true;
		char **names;
		size_t n;
		if (rootfs_list(sc->ctx, dir, pattern, &names, &n))
			continue;
		for (size_t i = 0; i < n && nv < MAX_FILES; i++) {
			bool dup = false;
			for (size_t k = 0; k < nv && !dup; k++)
				dup = strcmp(v[k].name, names[i]) == 0;
			if (dup)
				continue;
			snprintf(v[nv].name, sizeof(v[nv].name), "%s", names[i]);
			snprintf(v[nv].path, sizeof(v[nv].path), "%s/%s", dir, names[i]);
			nv++;
		}
		rootfs_names_free(names);
	}
	int r = 0;
	for (size_t k = 0; k < nv && r == 0; k++)
		r = conf_file(sc, v[k].path);
	free(v);
	return r;
}

static int conf_directive(const char *key, const char *args, int line, void *ud)
{
	struct srv_collect *sc = ud;
	(void)line;
	if (strcmp(key, "server") == 0 || strcmp(key, "servers") == 0 || strcmp(key, "pool") == 0 ||
	    strcmp(key, "peer") == 0)
		return add_server(sc, "", args);
	if (strcmp(key, "refclock") == 0)
		return add_server(sc, "refclock:", args);
	if (strcmp(key, "sensor") == 0)
		return add_server(sc, "sensor:", args);
	if (sc->chrony && strcmp(key, "confdir") == 0)
		return chrony_dirs(sc, args, "*.conf");
	if (sc->chrony && strcmp(key, "sourcedir") == 0)
		return chrony_dirs(sc, args, "*.sources");
	if ((sc->chrony && strcmp(key, "include") == 0) || strcmp(key, "includefile") == 0) {
		char pat[512];
		snprintf(pat, sizeof(pat), "%.*s", (int)strcspn(args, " \t"), args);
		char **paths;
		size_t n;
		if (pat[0] != '/' || rootfs_glob(sc->ctx, pat, &paths, &n))
			return 0;
		int r = 0;
		for (size_t i = 0; i < n && r == 0; i++)
			r = conf_file(sc, paths[i]);
		rootfs_names_free(paths);
		return r;
	}
	return 0;
}

static int conf_file(struct srv_collect *sc, const char *path)
{
	if (sc->depth >= 8 || sc->files >= 256) {
		snprintf(sc->why, sizeof(sc->why), "%s: includes nested too deep or too many",
			 path);
		return MAMORI_ETOOBIG;
	}
	char *buf;
	size_t len;
	char why[512];
	int r = rootfs_read(sc->ctx, path, 1u << 20, &buf, &len, why, sizeof(why));
	if (r) {
		if (sc->why[0] == '\0')
			snprintf(sc->why, sizeof(sc->why), "%s", why);
		return r;
	}
	sc->files++;
	sc->depth++;
	int bad = 0;
	r = ntpconf_parse(buf, len, conf_directive, sc, &bad);
	sc->depth--;
	free(buf);
	if (r && sc->why[0] == '\0')
		snprintf(sc->why, sizeof(sc->why),
			 "%s:%d: malformed line (a server, pool or peer line needs a name)", path,
			 bad);
	return r;
}

static int timesyncd_servers(struct probe_ctx *ctx, json_t *list, char *src, size_t srclen,
			     char *note, size_t notelen, char *why, size_t whylen)
{
	static const struct sdconf_key keys[] = {{"NTP", true}, {"FallbackNTP", true}};
	struct sdconf_value v[2];
	char files[1024];
	int r = sdconf_load(ctx, "timesyncd.conf", "Time", keys, 2, v, files, sizeof(files), why,
			    whylen);
	if (r)
		return r;
	const char *servers;
	if (v[0].set && v[0].value[0]) {
		servers = v[0].value;
		snprintf(src, srclen, "%s", v[0].source);
		snprintf(note, notelen, "NTP= (read %.700s)", files);
	} else if (v[1].set) {
		servers = v[1].value;
		snprintf(src, srclen, "%s", v[1].source);
		snprintf(note, notelen, "no NTP= servers: FallbackNTP= is used (read %.700s)",
			 files);
	} else {
		/* Debian's compiled-in fallback list. */
		servers = "0.debian.pool.ntp.org 1.debian.pool.ntp.org 2.debian.pool.ntp.org "
			  "3.debian.pool.ntp.org";
		snprintf(src, srclen, "/etc/systemd/timesyncd.conf");
		snprintf(note, notelen,
			 "default: no NTP= or FallbackNTP= set, the compiled-in fallback servers "
			 "are used%s%.700s",
			 files[0] ? "; read " : "", files);
	}
	for (const char *p = servers; *p;) {
		p += strspn(p, " ");
		size_t l = strcspn(p, " ");
		if (l == 0)
			break;
		char one[256];
		snprintf(one, sizeof(one), "%.*s", (int)(l < 255 ? l : 255), p);
		if (json_array_append_new(list, json_string(one)))
			return MAMORI_ENOMEM;
		p += l;
	}
	return 0;
}

/* Fills list with the servers of service s. Returns 0, or an error with why. */
static int service_servers(struct probe_ctx *ctx, const struct ts_service *s, json_t *list,
			   char *src, size_t srclen, char *note, size_t notelen, char *why,
			   size_t whylen)
{
	if (strcmp(s->name, "systemd-timesyncd") == 0)
		return timesyncd_servers(ctx, list, src, srclen, note, notelen, why, whylen);
	static const struct {
		const char *service;
		const char *paths[3];
	} confs[] = {
	    {"chrony", {"/etc/chrony/chrony.conf", "/etc/chrony.conf", NULL}},
	    {"ntpsec", {"/etc/ntpsec/ntp.conf", "/etc/ntp.conf", NULL}},
	    {"ntp", {"/etc/ntp.conf", "/etc/ntpsec/ntp.conf", NULL}},
	    {"openntpd", {"/etc/openntpd/ntpd.conf", "/etc/ntpd.conf", NULL}},
	};
	const char *path = NULL;
	for (size_t i = 0; i < sizeof(confs) / sizeof(confs[0]) && path == NULL; i++) {
		if (strcmp(confs[i].service, s->name) != 0)
			continue;
		for (size_t k = 0; confs[i].paths[k] && path == NULL; k++)
			if (rootfs_exists(ctx, confs[i].paths[k]))
				path = confs[i].paths[k];
		if (path == NULL) {
			snprintf(why, whylen, "%s has no configuration file (%s)", s->name,
				 confs[i].paths[0]);
			return MAMORI_ENOENT;
		}
	}
	if (path == NULL) {
		snprintf(why, whylen, "%s: unknown service", s->name);
		return MAMORI_EINVAL;
	}
	struct srv_collect sc = {
	    .ctx = ctx, .list = list, .chrony = strcmp(s->name, "chrony") == 0};
	int r = conf_file(&sc, path);
	if (r) {
		snprintf(why, whylen, "%s", sc.why);
		return r;
	}
	snprintf(src, srclen, "%s", path);
	snprintf(note, notelen, "server, pool and peer lines of %s%s", path,
		 sc.chrony ? " and its confdir, sourcedir and include files" : "");
	if (json_array_size(list) == 0 && sc.runtime_sources && !ctx->live) {
		snprintf(why, whylen,
			 "%s: no fixed servers; chrony takes them from a sourcedir under /run "
			 "(DHCP), which an image does not have",
			 path);
		return MAMORI_ENOENT;
	}
	return 0;
}

static int clock_fact(struct probe_ctx *ctx)
{
	char why[256] = "no system call available (auditing an image)";
	if (ctx->sys && ctx->sys->clock_synchronized) {
		bool synced;
		if (ctx->sys->clock_synchronized(ctx->sys->ud, &synced, why, sizeof(why)) == 0)
			return facts_put_bool(ctx->facts, "time.synchronized", synced, "adjtimex",
					      0,
					      synced ? "the kernel clock is synchronized"
						     : "the kernel clock is not synchronized "
						       "(STA_UNSYNC set)");
	}
	/* timesyncd creates this file once it has synchronized; its absence proves nothing. */
	if (ctx->live && rootfs_exists(ctx, "/run/systemd/timesync/synchronized"))
		return facts_put_bool(ctx->facts, "time.synchronized", true,
				      "/run/systemd/timesync/synchronized", 0,
				      "systemd-timesyncd marked the clock as synchronized");
	return facts_put_unknown(ctx->facts, "time.synchronized", NULL, 0,
				 "the clock state cannot be read (%s), and "
				 "/run/systemd/timesync/synchronized is absent",
				 why);
}

int probe_timesync_collect(struct probe_ctx *ctx)
{
	bool systemd = systemd_present(ctx);
	char where_buf[1024], pwhy[256] = "", note[1024];
	const struct ts_service *chosen = NULL;
	bool enabled = false, proc_ok = true;
	char how[1200] = "";

	/* A running daemon first, then one enabled at boot, in the order above. */
	for (size_t i = 0; i < NSERVICES && chosen == NULL; i++) {
		const struct ts_service *s = &services[i];
		int pr = proc_running(ctx, s->proc, pwhy, sizeof(pwhy));
		if (pr < 0)
			proc_ok = false;
		if (pr != 1)
			continue;
		/* ntpd is the process name of ntp, ntpsec and OpenNTPD: trust the package. */
		char dwhy[256];
		if (strcmp(s->proc, "ntpd") == 0 &&
		    pkg_installed(ctx, s->pkg, NULL, dwhy, sizeof(dwhy)) == 0)
			continue;
		chosen = s;
		int e = service_enabled(ctx, s, systemd, where_buf, sizeof(where_buf));
		if (e < 0)
			return e;
		/* Without systemd the running daemon is the best evidence that it starts. */
		enabled = e == 1 || !systemd;
		snprintf(how, sizeof(how), "process %s is running; %s%s", s->proc,
			 e	   ? "enabled by "
			 : enabled ? "no systemd"
				   : "but not enabled at boot",
			 e ? where_buf : "");
	}
	for (size_t i = 0; i < NSERVICES && chosen == NULL; i++) {
		int e = service_enabled(ctx, &services[i], systemd, where_buf, sizeof(where_buf));
		if (e < 0)
			return e;
		if (e) {
			chosen = &services[i];
			enabled = true;
			snprintf(how, sizeof(how), "enabled by %s%s", where_buf,
				 proc_ok ? " (its process is not running)" : "");
		}
	}

	int r;
	if (chosen == NULL && !systemd && !proc_ok && !rootfs_exists(ctx, "/etc/rc2.d")) {
		/* Neither systemd, SysV links nor a process table: nothing to go on. */
		static const char *const names[] = {"time.sync_service", "time.sync_enabled",
						    "time.servers"};
		for (size_t i = 0; i < 3; i++) {
			r = facts_put_unknown(ctx->facts, names[i], NULL, 0,
					      "no init system found under the root (no systemd, no "
					      "/etc/rc2.d) and no process table: cannot tell which "
					      "services start (%s)",
					      pwhy);
			if (r)
				return r;
		}
		return clock_fact(ctx);
	}
	if (chosen == NULL) {
		snprintf(note, sizeof(note),
			 "none of chrony, ntpsec, ntp, openntpd or systemd-timesyncd is enabled%s",
			 proc_ok ? " or running" : "");
		r = facts_put(ctx->facts, "time.sync_service", json_null(), NULL, 0, note);
		if (r == 0)
			r = facts_put_bool(ctx->facts, "time.sync_enabled", false, NULL, 0, note);
		if (r == 0)
			r = facts_put(ctx->facts, "time.servers", json_array(), NULL, 0,
				      "no time synchronization service");
		return r ? r : clock_fact(ctx);
	}
	/* Enabled units start only when systemd is PID 1: say so when this boot differs. */
	char *init;
	size_t ilen;
	char iwhy[128];
	bool running = proc_running(ctx, chosen->proc, pwhy, sizeof(pwhy)) == 1;
	if (ctx->live && systemd &&
	    rootfs_read(ctx, "/proc/1/comm", 64, &init, &ilen, iwhy, sizeof(iwhy)) == 0) {
		init[strcspn(init, "\n")] = '\0';
		if (strcmp(init, "systemd") != 0) {
			/* nothing on this system will start the unit: enabled in name only */
			if (!running)
				enabled = false;
			size_t l = strlen(how);
			snprintf(how + l, sizeof(how) - l,
				 "; PID 1 is \"%.32s\", not systemd, so enabled units do not start%s",
				 init, running ? "" : " and the daemon is not running");
		}
		free(init);
	}
	r = facts_put_str(ctx->facts, "time.sync_service", chosen->name, NULL, 0, how);
	if (r == 0)
		r = facts_put_bool(ctx->facts, "time.sync_enabled", enabled, NULL, 0, how);
	if (r)
		return r;
	json_t *list = json_array();
	if (list == NULL)
		return MAMORI_ENOMEM;
	char src[512] = "", why[512] = "";
	r = service_servers(ctx, chosen, list, src, sizeof(src), note, sizeof(note), why,
			    sizeof(why));
	if (r == MAMORI_ENOMEM) {
		json_decref(list);
		return r;
	}
	if (r) {
		json_decref(list);
		r = facts_put_unknown(ctx->facts, "time.servers", NULL, 0, "%s", why);
	} else {
		r = facts_put(ctx->facts, "time.servers", list, src, 0, note);
	}
	return r ? r : clock_fact(ctx);
}
