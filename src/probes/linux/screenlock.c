/* SPDX-License-Identifier: Apache-2.0 */
/* screen.*: does the desktop lock the screen when the user walks away, how soon, and can the
 * user switch it off? GNOME: schema defaults, vendor schema overrides, then the dconf system
 * databases named in the user profile, with their locks. KDE: /etc/xdg/kscreenlockerrc.
 * The users' own dconf databases are binary (GVDB) and are not read: an unlocked key is
 * reported as one the user may change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/probes.h"
#include "probes/linux/screenlock.h"

#define SCREEN_MAX_DBS 16
#define SCREEN_BAD 1 /* internal: a file could not be used, why/where say which */

static const char *const key_paths[SCREEN_NKEYS] = {
    "/org/gnome/desktop/screensaver/lock-enabled",
    "/org/gnome/desktop/session/idle-delay",
    "/org/gnome/desktop/screensaver/lock-delay",
    "/org/gnome/desktop/lockdown/disable-lock-screen",
};

const char *screen_key_path(enum screen_key k)
{
	return (unsigned)k < SCREEN_NKEYS ? key_paths[k] : "";
}

/* ---- GVariant text ---- */

static void trim_cstr(const char **s, size_t *n)
{
	*n = strlen(*s);
	str_trim(s, n);
}

int gvariant_bool(const char *s, bool *b)
{
	size_t n;
	trim_cstr(&s, &n);
	if (n == 4 && memcmp(s, "true", 4) == 0)
		*b = true;
	else if (n == 5 && memcmp(s, "false", 5) == 0)
		*b = false;
	else
		return MAMORI_EPARSE;
	return 0;
}

int gvariant_uint32(const char *s, long long *v, bool *typed)
{
	size_t n;
	trim_cstr(&s, &n);
	bool t = false;
	if (n > 7 && memcmp(s, "uint32", 6) == 0 && (s[6] == ' ' || s[6] == '\t')) {
		s += 7;
		n -= 7;
		t = true;
	} else if (n > 3 && memcmp(s, "@u", 2) == 0 && (s[2] == ' ' || s[2] == '\t')) {
		s += 3;
		n -= 3;
		t = true;
	}
	str_trim(&s, &n);
	for (size_t i = 0; i < n; i++)
		if (!c_isdigit((unsigned char)s[i]))
			return MAMORI_EPARSE;
	long long x;
	const char *err;
	if (n == 0 || strn_to_ll(s, n, 0, 4294967295LL, &x, &err))
		return MAMORI_EPARSE;
	*v = x;
	*typed = t;
	return 0;
}

/* ---- schema overrides and dconf keyfiles ---- */

struct kf_state {
	bool dconf;
	struct screen_vals *out;
	char *why;
	size_t whylen;
};

static int key_of(const char *section, const char *key, bool dconf)
{
	char group[256];
	if (dconf) {
		snprintf(group, sizeof(group), "%s", section);
	} else {
		/* "[org.gnome.desktop.session:ubuntu]" applies to that desktop's sessions; the
		 * Ubuntu and GNOME sessions are the ones these keys matter for, so apply it. */
		snprintf(group, sizeof(group), "%.*s", (int)strcspn(section, ":"), section);
		for (char *p = group; *p; p++)
			if (*p == '.')
				*p = '/';
	}
	for (int k = 0; k < SCREEN_NKEYS; k++) {
		const char *path = key_paths[k] + 1; /* without the leading '/' */
		const char *slash = strrchr(path, '/');
		size_t gl = (size_t)(slash - path);
		if (strlen(group) == gl && memcmp(group, path, gl) == 0 &&
		    strcmp(key, slash + 1) == 0)
			return k;
	}
	return -1;
}

static int kf_key(const char *section, const char *key, const char *value, int line, void *ud)
{
	struct kf_state *st = ud;
	int k = key_of(section, key, st->dconf);
	if (k < 0)
		return 0;
	struct screen_vals *o = st->out;
	if (k == SCREEN_LOCK_ENABLED || k == SCREEN_LOCK_DISABLED) {
		bool b;
		if (gvariant_bool(value, &b)) {
			snprintf(st->why, st->whylen, "%s=%.64s is not true or false", key, value);
			return MAMORI_EPARSE;
		}
		o->v[k] = b;
	} else {
		long long v;
		bool typed;
		if (gvariant_uint32(value, &v, &typed)) {
			snprintf(st->why, st->whylen, "%s=%.64s is not a uint32 number of seconds",
				 key, value);
			return MAMORI_EPARSE;
		}
		if (st->dconf && !typed) {
			/* dconf stores a bare number as int32; GSettings ignores a value of the
			 * wrong type and falls back to the lower layers. */
			o->ignored[k] = true;
			o->set[k] = false;
			o->line[k] = line;
			return 0;
		}
		o->v[k] = v;
	}
	o->set[k] = true;
	o->ignored[k] = false;
	o->line[k] = line;
	return 0;
}

int screen_keyfile_parse(const char *buf, size_t len, bool dconf, struct screen_vals *out,
			 int *bad_line, char *why, size_t whylen)
{
	struct kf_state st = {dconf, out, why, whylen};
	why[0] = '\0';
	int bad = 0;
	int r = ini_parse(buf, len, kf_key, &st, &bad);
	if (r) {
		*bad_line = bad;
		if (why[0] == '\0')
			snprintf(why, whylen, "malformed line (expected [group] or key=value)");
		return MAMORI_EPARSE;
	}
	return 0;
}

struct locks_state {
	bool *locked;
};

static int locks_line(const char *s, size_t n, int lineno, void *ud)
{
	struct locks_state *st = ud;
	(void)lineno;
	str_trim(&s, &n);
	for (int k = 0; k < SCREEN_NKEYS; k++)
		if (strlen(key_paths[k]) == n && memcmp(s, key_paths[k], n) == 0)
			st->locked[k] = true;
	return 0;
}

void dconf_locks_parse(const char *buf, size_t len, bool locked[SCREEN_NKEYS])
{
	struct locks_state st = {locked};
	int bad;
	/* dconf ignores anything that is not a key path; so does this. */
	(void)for_each_line(buf, len, 1u << 20, locks_line, &st, &bad);
}

struct profile_state {
	dconf_db_fn fn;
	void *ud;
};

static int profile_line(const char *s, size_t n, int lineno, void *ud)
{
	struct profile_state *st = ud;
	str_trim(&s, &n);
	if (n == 0 || s[0] == '#')
		return 0;
	const char *colon = memchr(s, ':', n);
	if (colon == NULL || colon == s || colon == s + n - 1)
		return MAMORI_EPARSE;
	char kind[32], name[256];
	size_t kl = (size_t)(colon - s), nl = n - kl - 1;
	if (kl >= sizeof(kind) || nl >= sizeof(name))
		return MAMORI_EPARSE;
	snprintf(kind, sizeof(kind), "%.*s", (int)kl, s);
	snprintf(name, sizeof(name), "%.*s", (int)nl, colon + 1);
	if (strchr(name, '/') && strcmp(kind, "file-db") != 0 && strcmp(kind, "service-db") != 0)
		return MAMORI_EPARSE;
	return st->fn(kind, name, lineno, st->ud);
}

int dconf_profile_parse(const char *buf, size_t len, dconf_db_fn fn, void *ud, int *bad_line)
{
	struct profile_state st = {fn, ud};
	int r = for_each_line(buf, len, 4096, profile_line, &st, bad_line);
	return r == MAMORI_ETOOBIG ? MAMORI_EPARSE : r;
}

/* ---- KDE ---- */

struct kde_state {
	struct kde_lock *out;
	bool file_immutable, group_immutable;
	char *why;
	size_t whylen;
};

/* KConfig booleans. */
static int kde_bool(const char *v, bool *b)
{
	if (!c_strcasecmp(v, "true") || !c_strcasecmp(v, "on") || !c_strcasecmp(v, "yes") ||
	    !strcmp(v, "1"))
		*b = true;
	else if (!c_strcasecmp(v, "false") || !c_strcasecmp(v, "off") || !c_strcasecmp(v, "no") ||
		 !strcmp(v, "0"))
		*b = false;
	else
		return MAMORI_EPARSE;
	return 0;
}

/* Whether a key or group suffix of n bytes carries KConfig's immutable flag: "[$i]", "[$ie]". */
static bool has_immutable_flag(const char *suffix, size_t n)
{
	return n >= 3 && suffix[0] == '[' && suffix[1] == '$' && memchr(suffix + 2, 'i', n - 2);
}

static int kde_key(const char *section, const char *key, const char *value, int line, void *ud)
{
	struct kde_state *st = ud;
	size_t gl = strcspn(section, "]");
	if (gl != 6 || strncmp(section, "Daemon", 6) != 0)
		return 0;
	bool group_imm =
	    section[gl] == ']' && has_immutable_flag(section + gl + 1, strlen(section + gl + 1));
	size_t kl = strcspn(key, "[");
	bool key_imm = key[kl] == '[' && has_immutable_flag(key + kl, strlen(key + kl));
	int k;
	if (kl == 8 && strncmp(key, "Autolock", 8) == 0)
		k = SCREEN_LOCK_ENABLED;
	else if (kl == 7 && strncmp(key, "Timeout", 7) == 0)
		k = SCREEN_IDLE_DELAY;
	else if (kl == 9 && strncmp(key, "LockGrace", 9) == 0)
		k = SCREEN_LOCK_DELAY;
	else
		return 0;
	struct kde_lock *o = st->out;
	long long v;
	const char *err;
	if (k == SCREEN_LOCK_ENABLED) {
		bool b;
		if (kde_bool(value, &b)) {
			snprintf(st->why, st->whylen, "Autolock=%.64s is not a boolean", value);
			return MAMORI_EPARSE;
		}
		v = b;
	} else if (str_to_ll(value, 0, 1000000, &v, &err)) {
		snprintf(st->why, st->whylen, "%.*s=%.64s is not a number", (int)kl, key, value);
		return MAMORI_EPARSE;
	} else if (k == SCREEN_IDLE_DELAY) {
		v *= 60; /* minutes */
	}
	/* KConfig: once an immutable entry is read, later ones for the key cannot change it. */
	if (o->immutable[k])
		return 0;
	o->set[k] = true;
	o->v[k] = v;
	o->line[k] = line;
	o->immutable[k] = st->file_immutable || group_imm || key_imm;
	return 0;
}

int kscreenlocker_parse(const char *buf, size_t len, struct kde_lock *out, int *bad_line, char *why,
			size_t whylen)
{
	struct kde_state st = {out, false, false, why, whylen};
	why[0] = '\0';
	/* A "[$i]" line before the first group makes the whole file immutable; "[Daemon][$i]"
	 * makes the whole group immutable, keys it does not set included. */
	const char *s = buf, *end = buf + len;
	bool before_groups = true;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		const char *t = s;
		str_trim(&t, &n);
		if (before_groups && n == 4 && memcmp(t, "[$i]", 4) == 0)
			st.file_immutable = true;
		else if (n >= 8 && memcmp(t, "[Daemon]", 8) == 0 &&
			 has_immutable_flag(t + 8, n - 8))
			st.group_immutable = true;
		if (n && t[0] == '[')
			before_groups = false;
		s = nl ? nl + 1 : end;
	}
	int bad = 0;
	int r = ini_parse(buf, len, kde_key, &st, &bad);
	if (r) {
		*bad_line = bad;
		if (why[0] == '\0')
			snprintf(why, whylen, "malformed line (expected [group] or key=value)");
		return MAMORI_EPARSE;
	}
	for (int k = 0; k < SCREEN_NKEYS; k++)
		if (st.file_immutable || st.group_immutable)
			out->immutable[k] = true;
	return 0;
}

/* ---- the effective values ---- */

struct key_result {
	long long v;
	char src[1024];
	int line;
	char how[400];
	bool locked;
};

struct lock_result {
	struct key_result k[SCREEN_NKEYS];
	char note[1024];
};

struct bad_file {
	char path[1024];
	int line;
	char why[768];
};

static int bad_set(struct bad_file *bad, const char *path, int line, const char *why)
{
	snprintf(bad->path, sizeof(bad->path), "%s", path);
	bad->line = line;
	snprintf(bad->why, sizeof(bad->why), "%s", why);
	return SCREEN_BAD;
}

/* Reads a file that may be absent: 0 read, 1 absent, SCREEN_BAD or ENOMEM otherwise. */
static int read_opt(struct probe_ctx *ctx, const char *path, char **buf, size_t *len,
		    struct bad_file *bad)
{
	char why[512];
	int r = rootfs_read(ctx, path, ROOTFS_MAX_FILE, buf, len, why, sizeof(why));
	if (r == MAMORI_ENOENT)
		return 1;
	if (r == MAMORI_ENOMEM)
		return r;
	if (r)
		return bad_set(bad, path, 0, why);
	return 0;
}

static void key_from(struct key_result *kr, long long v, const char *src, int line, const char *how)
{
	kr->v = v;
	snprintf(kr->src, sizeof(kr->src), "%s", src);
	kr->line = line;
	snprintf(kr->how, sizeof(kr->how), "%s", how);
}

static int apply_file(struct probe_ctx *ctx, const char *path, bool dconf, struct screen_vals *sv,
		      struct bad_file *bad)
{
	char *buf;
	size_t len;
	int r = read_opt(ctx, path, &buf, &len, bad);
	if (r == 1)
		return 0;
	if (r)
		return r;
	char why[256];
	int bl = 0;
	r = screen_keyfile_parse(buf, len, dconf, sv, &bl, why, sizeof(why));
	free(buf);
	if (r) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s:%d: %s", path, bl, why);
		return bad_set(bad, path, bl, msg);
	}
	return 0;
}

struct dconf_db {
	char name[256];
	struct screen_vals vals;
	char src[SCREEN_NKEYS][1024];
	bool locked[SCREEN_NKEYS];
	char lock_src[SCREEN_NKEYS][1024];
};

struct profile_dbs {
	struct dconf_db *dbs;
	size_t n;
};

static int profile_db(const char *kind, const char *name, int line, void *ud)
{
	struct profile_dbs *p = ud;
	(void)line;
	if (strcmp(kind, "system-db") != 0 || p->n >= SCREEN_MAX_DBS)
		return 0;
	snprintf(p->dbs[p->n].name, sizeof(p->dbs[p->n].name), "%s", name);
	p->n++;
	return 0;
}

/* Reads one system database's keyfiles (later names win, as `dconf update` compiles them)
 * and its locks. */
static int read_db(struct probe_ctx *ctx, struct dconf_db *db, struct bad_file *bad)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "/etc/dconf/db/%s.d", db->name);
	char **names;
	size_t n;
	int r = rootfs_list(ctx, dir, NULL, &names, &n);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r)
		return bad_set(bad, dir, 0, "cannot list the directory");
	for (size_t i = 0; i < n && r == 0; i++) {
		if (names[i][0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		struct stat st;
		if (rootfs_stat(ctx, path, &st) || !S_ISREG(st.st_mode))
			continue;
		struct screen_vals one;
		memset(&one, 0, sizeof(one));
		r = apply_file(ctx, path, true, &one, bad);
		for (int k = 0; r == 0 && k < SCREEN_NKEYS; k++) {
			if (one.set[k] || one.ignored[k]) {
				db->vals.set[k] = one.set[k];
				db->vals.ignored[k] = one.ignored[k];
				db->vals.v[k] = one.v[k];
				db->vals.line[k] = one.line[k];
				snprintf(db->src[k], sizeof(db->src[k]), "%s", path);
			}
		}
	}
	rootfs_names_free(names);
	if (r)
		return r;
	snprintf(dir, sizeof(dir), "/etc/dconf/db/%s.d/locks", db->name);
	r = rootfs_list(ctx, dir, NULL, &names, &n);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r)
		return bad_set(bad, dir, 0, "cannot list the directory");
	for (size_t i = 0; i < n && r == 0; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		char *buf;
		size_t len;
		struct stat st;
		if (rootfs_stat(ctx, path, &st) || !S_ISREG(st.st_mode))
			continue;
		r = read_opt(ctx, path, &buf, &len, bad);
		if (r == 1) {
			r = 0;
			continue;
		}
		if (r)
			break;
		bool locked[SCREEN_NKEYS] = {false};
		dconf_locks_parse(buf, len, locked);
		free(buf);
		for (int k = 0; k < SCREEN_NKEYS; k++) {
			if (locked[k] && !db->locked[k]) {
				db->locked[k] = true;
				snprintf(db->lock_src[k], sizeof(db->lock_src[k]), "%s", path);
			}
		}
	}
	rootfs_names_free(names);
	return r;
}

static int gnome_collect(struct probe_ctx *ctx, struct lock_result *res, struct bad_file *bad)
{
	/* 1. The schema's own defaults. */
	static const char *const schema = "/usr/share/glib-2.0/schemas";
	key_from(&res->k[SCREEN_LOCK_ENABLED], 1, schema, 0, "GSettings schema default");
	key_from(&res->k[SCREEN_IDLE_DELAY], 300, schema, 0, "GSettings schema default");
	key_from(&res->k[SCREEN_LOCK_DELAY], 0, schema, 0, "GSettings schema default");
	key_from(&res->k[SCREEN_LOCK_DISABLED], 0, schema, 0, "GSettings schema default");

	/* 2. Vendor overrides, in name order: later files win. */
	char **paths;
	size_t n;
	int r = rootfs_glob(ctx, "/usr/share/glib-2.0/schemas/*.gschema.override", &paths, &n);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r)
		return bad_set(bad, schema, 0, "cannot list /usr/share/glib-2.0/schemas");
	for (size_t i = 0; i < n && r == 0; i++) {
		struct screen_vals sv;
		memset(&sv, 0, sizeof(sv));
		r = apply_file(ctx, paths[i], false, &sv, bad);
		for (int k = 0; r == 0 && k < SCREEN_NKEYS; k++)
			if (sv.set[k])
				key_from(&res->k[k], sv.v[k], paths[i], sv.line[k],
					 "vendor schema override");
	}
	rootfs_names_free(paths);
	if (r)
		return r;

	/* 3. The dconf profile of user sessions names the system databases. */
	static const char *const profiles[] = {"/etc/dconf/profile/user",
					       "/usr/local/share/dconf/profile/user",
					       "/usr/share/dconf/profile/user", NULL};
	char *buf = NULL;
	size_t len;
	const char *profile = NULL;
	for (size_t i = 0; profiles[i] && profile == NULL; i++) {
		r = read_opt(ctx, profiles[i], &buf, &len, bad);
		if (r == 1)
			continue;
		if (r)
			return r;
		profile = profiles[i];
	}
	r = 0; /* no profile at all is fine: dconf then uses only the user's database */
	struct dconf_db *dbs = calloc(SCREEN_MAX_DBS, sizeof(*dbs));
	if (dbs == NULL) {
		free(buf);
		return MAMORI_ENOMEM;
	}
	struct profile_dbs pd = {dbs, 0};
	if (profile) {
		int bl = 0;
		r = dconf_profile_parse(buf, len, profile_db, &pd, &bl);
		free(buf);
		if (r) {
			char msg[600];
			snprintf(msg, sizeof(msg), "%s:%d: malformed line (expected TYPE:NAME)",
				 profile, bl);
			free(dbs);
			return bad_set(bad, profile, bl, msg);
		}
	}
	char uncompiled[320] = "";
	for (size_t i = 0; i < pd.n && r == 0; i++) {
		char compiled[512];
		snprintf(compiled, sizeof(compiled), "/etc/dconf/db/%s", dbs[i].name);
		if (!rootfs_exists(ctx, compiled)) {
			/* Keyfiles only take effect once `dconf update` compiled them. */
			snprintf(uncompiled, sizeof(uncompiled), "%.300s", compiled);
			dbs[i].name[0] = '\0';
			continue;
		}
		r = read_db(ctx, &dbs[i], bad);
	}
	if (r) {
		free(dbs);
		return r;
	}

	/* 4. Per key: a lock in a database hides the databases above it (dconf reads from the
	 * lowest-priority lock downwards); the first database with a value wins. */
	bool any_unlocked = false;
	for (int k = 0; k < SCREEN_NKEYS; k++) {
		size_t from = 0;
		struct key_result *kr = &res->k[k];
		for (size_t i = 0; i < pd.n; i++) {
			if (dbs[i].name[0] && dbs[i].locked[k]) {
				from = i;
				kr->locked = true;
			}
		}
		for (size_t i = from; i < pd.n; i++) {
			if (dbs[i].name[0] && dbs[i].vals.set[k]) {
				char how[400];
				snprintf(how, sizeof(how), "dconf system database \"%.255s\"",
					 dbs[i].name);
				key_from(kr, dbs[i].vals.v[k], dbs[i].src[k], dbs[i].vals.line[k],
					 how);
				break;
			}
			if (dbs[i].name[0] && dbs[i].vals.ignored[k]) {
				size_t hl = strlen(kr->how);
				snprintf(kr->how + hl, sizeof(kr->how) - hl,
					 " (%s:%d is ignored: write uint32 N)", dbs[i].src[k],
					 dbs[i].vals.line[k]);
			}
		}
		if (!kr->locked)
			any_unlocked = true;
	}
	free(dbs);
	snprintf(res->note, sizeof(res->note), "%s%s%s%s",
		 profile ? "" : "no dconf user profile: no system database applies",
		 uncompiled[0] ? (profile ? "" : "; ") : "",
		 uncompiled[0] ? "a system database was never compiled with `dconf update`: " : "",
		 uncompiled);
	if (any_unlocked) {
		size_t nl = strlen(res->note);
		snprintf(res->note + nl, sizeof(res->note) - nl, "%s%s", nl ? "; " : "",
			 "not locked: each user may change it in their own settings (not read)");
	}
	return 0;
}

static int kde_collect(struct probe_ctx *ctx, struct lock_result *res, struct bad_file *bad)
{
	static const char *const path = "/etc/xdg/kscreenlockerrc";
	key_from(&res->k[SCREEN_LOCK_ENABLED], 1, path, 0, "KDE default");
	key_from(&res->k[SCREEN_IDLE_DELAY], 300, path, 0, "KDE default (5 minutes)");
	key_from(&res->k[SCREEN_LOCK_DELAY], 5, path, 0, "KDE default LockGrace");
	/* KDE has no key that overrides Autolock: nothing to lock down there. */
	key_from(&res->k[SCREEN_LOCK_DISABLED], 0, "", 0, "");
	char *buf;
	size_t len;
	int r = read_opt(ctx, path, &buf, &len, bad);
	if (r == 1)
		r = 0;
	else if (r == 0) {
		struct kde_lock kl;
		memset(&kl, 0, sizeof(kl));
		char why[256];
		int bl = 0;
		r = kscreenlocker_parse(buf, len, &kl, &bl, why, sizeof(why));
		free(buf);
		if (r) {
			char msg[600];
			snprintf(msg, sizeof(msg), "%s:%d: %s", path, bl, why);
			return bad_set(bad, path, bl, msg);
		}
		for (int k = 0; k < SCREEN_NKEYS; k++) {
			if (kl.set[k])
				key_from(&res->k[k], kl.v[k], path, kl.line[k],
					 "/etc/xdg/kscreenlockerrc [Daemon]");
			res->k[k].locked = kl.immutable[k];
		}
	}
	if (r)
		return r;
	res->k[SCREEN_LOCK_DISABLED].locked = true;
	bool all = res->k[0].locked && res->k[1].locked && res->k[2].locked;
	snprintf(res->note, sizeof(res->note), "%s",
		 all ? ""
		     : "not marked immutable ([$i]): each user may change it in "
		       "~/.config/kscreenlockerrc (not read)");
	return 0;
}

/* Keeps, per key, the weaker of two desktops' settings (a user may log in to either). */
static void merge_worse(struct lock_result *a, const struct lock_result *b)
{
	const struct key_result *x = &b->k[SCREEN_LOCK_ENABLED];
	if (x->v == 0)
		a->k[SCREEN_LOCK_ENABLED] = *x;
	x = &b->k[SCREEN_IDLE_DELAY];
	long long ai = a->k[SCREEN_IDLE_DELAY].v;
	if (ai != 0 && (x->v == 0 || x->v > ai))
		a->k[SCREEN_IDLE_DELAY] = *x;
	x = &b->k[SCREEN_LOCK_DELAY];
	if (x->v > a->k[SCREEN_LOCK_DELAY].v)
		a->k[SCREEN_LOCK_DELAY] = *x;
	x = &b->k[SCREEN_LOCK_DISABLED];
	if (x->v != 0)
		a->k[SCREEN_LOCK_DISABLED] = *x;
	for (int k = 0; k < SCREEN_NKEYS; k++)
		if (!b->k[k].locked)
			a->k[k].locked = false;
	size_t nl = strlen(a->note);
	if (b->note[0])
		snprintf(a->note + nl, sizeof(a->note) - nl, "%s%s", nl ? "; " : "", b->note);
}

/* ---- the probe ---- */

/* Package queries of one scan. An unreadable dpkg database is not "not installed": the first
 * error is kept so that a verdict that depended on it can say why it is unknown. */
struct pkgq {
	struct probe_ctx *ctx;
	char why[256]; /* "" while dpkg could be read */
};

static bool installed(struct pkgq *q, const char *pkg)
{
	char why[256];
	int r = pkg_installed(q->ctx, pkg, NULL, why, sizeof(why));
	if (r < 0 && q->why[0] == '\0')
		snprintf(q->why, sizeof(q->why), "%s", why[0] ? why : "dpkg status unreadable");
	return r == 1;
}

static bool dir_has_sessions(struct probe_ctx *ctx, const char *dir)
{
	char **names;
	size_t n;
	if (rootfs_list(ctx, dir, "*.desktop", &names, &n))
		return false;
	rootfs_names_free(names);
	return n > 0;
}

/* Desktop present: a display manager, or session files a display manager would offer.
 * 1 yes, 0 no, -1 unknown (no other sign, and dpkg could not be read: q->why). */
static int desktop_present(struct pkgq *q, char *how, size_t howlen)
{
	struct probe_ctx *ctx = q->ctx;
	static const char *const dms[] = {"gdm3", "sddm", "lightdm", "lxdm", "slim", "xdm", NULL};
	for (size_t i = 0; dms[i]; i++) {
		if (installed(q, dms[i])) {
			snprintf(how, howlen, "display manager %s is installed", dms[i]);
			return true;
		}
	}
	char target[512];
	if (rootfs_readlink(ctx, "/etc/systemd/system/display-manager.service", target,
			    sizeof(target)) > 0) {
		snprintf(how, howlen, "display-manager.service is %s", target);
		return true;
	}
	static const char *const dirs[] = {"/usr/share/xsessions", "/usr/share/wayland-sessions",
					   NULL};
	for (size_t i = 0; dirs[i]; i++) {
		if (dir_has_sessions(ctx, dirs[i])) {
			snprintf(how, howlen, "desktop sessions in %s", dirs[i]);
			return true;
		}
	}
	if (q->why[0]) {
		snprintf(how, howlen,
			 "no display-manager.service link and no desktop session files, but the "
			 "display manager packages cannot be checked: %s",
			 q->why);
		return -1;
	}
	snprintf(how, howlen, "no display manager and no desktop session files");
	return 0;
}

/* Desktops whose lock settings mamori does not read, to name them in the reason. */
static const char *other_desktop(struct pkgq *q)
{
	static const struct {
		const char *pkg, *name;
	} others[] = {{"xfce4-session", "Xfce"},
		      {"mate-session-manager", "MATE"},
		      {"cinnamon-session", "Cinnamon"},
		      {"lxqt-session", "LXQt"},
		      {"lxsession", "LXDE"},
		      {"budgie-desktop", "Budgie"},
		      {"enlightenment", "Enlightenment"},
		      {"i3-wm", "i3"},
		      {"sway", "Sway"}};
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (installed(q, others[i].pkg))
			return others[i].name;
	return NULL;
}

static const char *const lock_facts[] = {"screen.lock_enabled", "screen.idle_delay_seconds",
					 "screen.lock_delay_seconds", "screen.lock_after_seconds",
					 "screen.settings_locked"};
#define N_LOCK_FACTS (sizeof(lock_facts) / sizeof(lock_facts[0]))

static int all_unknown(struct probe_ctx *ctx, const char *src, int line, const char *reason)
{
	for (size_t i = 0; i < N_LOCK_FACTS; i++) {
		int r = facts_put_unknown(ctx->facts, lock_facts[i], src, line, "%s", reason);
		if (r)
			return r;
	}
	return 0;
}

/* "; locked" or "; not locked: ..." for a key's note. */
static const char *lock_word(const struct key_result *kr)
{
	return kr->locked ? "; locked" : "; not locked: the user may override it";
}

/* screen.lock_enabled: GNOME Shell locks only when lock-enabled is true and
 * org.gnome.desktop.lockdown disable-lock-screen is false (screenShield.js refuses to lock
 * when the latter is set), so the fact is the conjunction and the evidence names both. */
static int put_lock_enabled(struct facts *f, const struct key_result *k)
{
	const struct key_result *en = &k[SCREEN_LOCK_ENABLED], *dis = &k[SCREEN_LOCK_DISABLED];
	char note[768], at[256];
	if (dis->v != 0) {
		snprintf(note, sizeof(note),
			 "org.gnome.desktop.lockdown disable-lock-screen=true (%.200s%s): GNOME "
			 "never locks the screen, whatever lock-enabled says (lock-enabled=%s: "
			 "%.150s, %s)",
			 dis->how, lock_word(dis), en->v ? "true" : "false", en->how,
			 where(at, sizeof(at), en->src, en->line));
		return facts_put_bool(f, "screen.lock_enabled", false, dis->src, dis->line, note);
	}
	if (dis->src[0] == '\0') {
		/* KDE only: no lockdown key. */
		snprintf(note, sizeof(note), "%s%s", en->how, lock_word(en));
	} else {
		snprintf(note, sizeof(note),
			 "lock-enabled=%s: %.200s%s; disable-lock-screen=false: %.150s%s (%s)",
			 en->v ? "true" : "false", en->how, lock_word(en), dis->how, lock_word(dis),
			 where(at, sizeof(at), dis->src, dis->line));
	}
	return facts_put_bool(f, "screen.lock_enabled", en->v != 0, en->src, en->line, note);
}

static int put_results(struct probe_ctx *ctx, const struct lock_result *res)
{
	struct facts *f = ctx->facts;
	char note[768];
	const struct key_result *k = res->k;
	int r;
	if ((r = put_lock_enabled(f, k)))
		return r;
	for (int i = SCREEN_IDLE_DELAY; i <= SCREEN_LOCK_DELAY; i++) {
		snprintf(note, sizeof(note), "%s%s", k[i].how, lock_word(&k[i]));
		if ((r = facts_put_int(f, lock_facts[i], k[i].v, k[i].src, k[i].line, note)))
			return r;
	}
	long long after = k[SCREEN_IDLE_DELAY].v + k[SCREEN_LOCK_DELAY].v;
	snprintf(note, sizeof(note), "idle delay %lld s + lock delay %lld s%s",
		 k[SCREEN_IDLE_DELAY].v, k[SCREEN_LOCK_DELAY].v,
		 k[SCREEN_IDLE_DELAY].v == 0 ? " (idle delay 0: the screen never blanks)" : "");
	if ((r = facts_put_int(f, "screen.lock_after_seconds", after, k[SCREEN_IDLE_DELAY].src,
			       k[SCREEN_IDLE_DELAY].line, note)))
		return r;
	bool locked = true;
	const struct key_result *first_open = NULL;
	int open_key = -1;
	for (int i = 0; i < SCREEN_NKEYS; i++) {
		if (!k[i].locked) {
			locked = false;
			if (first_open == NULL) {
				first_open = &k[i];
				open_key = i;
			}
		}
	}
	if (locked)
		snprintf(note, sizeof(note), "%s",
			 "lock-enabled, idle-delay, lock-delay and disable-lock-screen are all "
			 "locked system-wide");
	else if (strcmp(first_open->src, "/etc/xdg/kscreenlockerrc") == 0)
		snprintf(note, sizeof(note),
			 "not all of Autolock, Timeout and LockGrace are "
			 "immutable (first: %s)",
			 open_key == SCREEN_LOCK_ENABLED ? "Autolock"
			 : open_key == SCREEN_IDLE_DELAY ? "Timeout"
							 : "LockGrace");
	else
		snprintf(note, sizeof(note),
			 "not all of lock-enabled, idle-delay, lock-delay and "
			 "disable-lock-screen are locked (first: %s)",
			 screen_key_path((enum screen_key)open_key));
	size_t nl = strlen(note);
	if (res->note[0] &&
	    snprintf(note + nl, sizeof(note) - nl, "; %s", res->note) >= (int)(sizeof(note) - nl))
		note[sizeof(note) - 1] = '\0';
	return facts_put_bool(f, "screen.settings_locked", locked,
			      first_open ? first_open->src : k[0].src,
			      first_open ? first_open->line : k[0].line, note);
}

int probe_screenlock_collect(struct probe_ctx *ctx)
{
	struct facts *f = ctx->facts;
	char how[600];
	struct pkgq q = {ctx, ""};
	int present = desktop_present(&q, how, sizeof(how));
	int r = present < 0
		    ? facts_put_unknown(f, "screen.desktop_present", "/var/lib/dpkg/status", 0,
					"%s", how)
		    : facts_put_bool(f, "screen.desktop_present", present == 1, NULL, 0, how);
	if (r)
		return r;
	bool gnome = installed(&q, "gnome-shell") || rootfs_exists(ctx, "/usr/bin/gnome-shell");
	bool kde = installed(&q, "plasma-workspace") || installed(&q, "kscreenlocker") ||
		   rootfs_exists(ctx, "/usr/bin/plasmashell");
	if (!gnome && !kde && q.why[0]) {
		/* Which desktop it is (if any) was only knowable through dpkg. */
		char reason[512];
		snprintf(reason, sizeof(reason),
			 "the installed desktop cannot be told: no /usr/bin/gnome-shell or "
			 "/usr/bin/plasmashell, and %s",
			 q.why);
		if ((r = facts_put_unknown(f, "screen.desktop", "/var/lib/dpkg/status", 0, "%s",
					   reason)))
			return r;
		return all_unknown(ctx, "/var/lib/dpkg/status", 0, reason);
	}
	const char *other = (gnome || kde) ? NULL : other_desktop(&q);
	const char *desktop = gnome && kde ? "gnome+kde" : gnome ? "gnome" : kde ? "kde" : other;
	if (present == 0 && !gnome && !kde) {
		json_t *null = json_null();
		if ((r = facts_put(f, "screen.desktop", null, NULL, 0, "no desktop environment")))
			return r;
		return all_unknown(ctx, NULL, 0, "no desktop environment: no screen to lock");
	}
	if (desktop == NULL) {
		if ((r = facts_put_str(f, "screen.desktop", "unknown", NULL, 0, how)))
			return r;
		return all_unknown(ctx, NULL, 0,
				   "a desktop is present but it is neither GNOME nor KDE, the only "
				   "desktops whose lock settings mamori reads");
	}
	if ((r = facts_put_str(f, "screen.desktop", desktop, NULL, 0, NULL)))
		return r;
	if (other) {
		char reason[256];
		snprintf(reason, sizeof(reason),
			 "the %s desktop's lock settings are not read by "
			 "mamori (only GNOME and KDE)",
			 other);
		return all_unknown(ctx, NULL, 0, reason);
	}
	struct lock_result *res = calloc(2, sizeof(*res));
	if (res == NULL)
		return MAMORI_ENOMEM;
	struct bad_file bad;
	memset(&bad, 0, sizeof(bad));
	r = 0;
	if (gnome)
		r = gnome_collect(ctx, &res[0], &bad);
	if (r == 0 && kde) {
		r = kde_collect(ctx, gnome ? &res[1] : &res[0], &bad);
		if (r == 0 && gnome)
			merge_worse(&res[0], &res[1]);
	}
	if (r == 0)
		r = put_results(ctx, &res[0]);
	else if (r == SCREEN_BAD)
		r = all_unknown(ctx, bad.path, bad.line, bad.why);
	free(res);
	return r;
}
