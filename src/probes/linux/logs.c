/* SPDX-License-Identifier: Apache-2.0 */
/* log.*: whether logs survive a reboot and how long they are kept — journald's effective
 * configuration, the syslog daemon, and logrotate's retention for the system log files. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probes/linux/common.h"
#include "probes/linux/logs.h"
#include "probes/linux/probes.h"

/* ---- systemd time spans ---- */

/* Saturate far beyond any retention anyone configures (about 31,700 years). */
#define TS_CAP 1000000000000000000ULL

static const struct {
	const char *suffix;
	unsigned long long usec;
} ts_units[] = {
    {"seconds", 1000000ULL},
    {"second", 1000000ULL},
    {"sec", 1000000ULL},
    {"s", 1000000ULL},
    {"minutes", 60000000ULL},
    {"minute", 60000000ULL},
    {"min", 60000000ULL},
    {"m", 60000000ULL},
    {"months", 2629800000000ULL},
    {"month", 2629800000000ULL},
    {"M", 2629800000000ULL},
    {"msec", 1000ULL},
    {"ms", 1000ULL},
    {"hours", 3600000000ULL},
    {"hour", 3600000000ULL},
    {"hr", 3600000000ULL},
    {"h", 3600000000ULL},
    {"days", 86400000000ULL},
    {"day", 86400000000ULL},
    {"d", 86400000000ULL},
    {"weeks", 604800000000ULL},
    {"week", 604800000000ULL},
    {"w", 604800000000ULL},
    {"years", 31557600000000ULL},
    {"year", 31557600000000ULL},
    {"y", 31557600000000ULL},
    {"usec", 1ULL},
    {"us", 1ULL},
    {"\xc2\xb5s", 1ULL},
    {"\xce\xbcs", 1ULL},
    {"nsec", 0ULL},
    {"ns", 0ULL},
};

static unsigned long long ts_add(unsigned long long a, unsigned long long b)
{
	return (a > TS_CAP || b > TS_CAP - a) ? TS_CAP : a + b;
}

static unsigned long long ts_mul(unsigned long long a, unsigned long long b)
{
	unsigned long long r;
	if (__builtin_mul_overflow(a, b, &r) || r > TS_CAP)
		return TS_CAP;
	return r;
}

int timespan_parse(const char *s, size_t len, unsigned long long *usec)
{
	str_trim(&s, &len);
	if (len == 0)
		return MAMORI_EPARSE;
	if (len == 8 && memcmp(s, "infinity", 8) == 0) {
		*usec = TIMESPAN_INFINITY;
		return 0;
	}
	const char *p = s, *end = s + len;
	unsigned long long total = 0;
	while (p < end) {
		while (p < end && c_isspace((unsigned char)*p))
			p++;
		if (p == end)
			break;
		if (!c_isdigit((unsigned char)*p))
			return MAMORI_EPARSE;
		unsigned long long ip = 0, frac = 0, fscale = 1;
		while (p < end && c_isdigit((unsigned char)*p)) {
			ip = ts_add(ts_mul(ip, 10), (unsigned long long)(*p - '0'));
			p++;
		}
		if (p < end && *p == '.') {
			p++;
			if (p == end || !c_isdigit((unsigned char)*p))
				return MAMORI_EPARSE;
			for (; p < end && c_isdigit((unsigned char)*p); p++) {
				if (fscale < 1000000000ULL) { /* further digits cannot matter */
					frac = frac * 10 + (unsigned long long)(*p - '0');
					fscale *= 10;
				}
			}
		}
		while (p < end && c_isspace((unsigned char)*p))
			p++;
		const char *u = p;
		while (p < end && (c_isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80))
			p++;
		size_t ul = (size_t)(p - u);
		unsigned long long mult = 1000000ULL; /* no unit: seconds */
		if (ul) {
			size_t i;
			for (i = 0; i < sizeof(ts_units) / sizeof(ts_units[0]); i++)
				if (strlen(ts_units[i].suffix) == ul &&
				    memcmp(ts_units[i].suffix, u, ul) == 0)
					break;
			if (i == sizeof(ts_units) / sizeof(ts_units[0]))
				return MAMORI_EPARSE;
			mult = ts_units[i].usec;
		}
		total = ts_add(total, ts_mul(ip, mult));
		/* frac < fscale <= 1e9 and mult <= 3.2e13: the exact product may overflow, so
		 * divide first; sub-microsecond precision does not matter here. */
		total = ts_add(total, ts_mul(frac, mult / fscale));
	}
	*usec = total;
	return 0;
}

/* ---- systemd configuration files ---- */

struct sdconf_state {
	const char *path;
	const char *section;
	const struct sdconf_key *keys;
	size_t nkeys;
	struct sdconf_value *out;
};

static int sdconf_item(const char *section, const char *key, const char *value, int line, void *ud)
{
	struct sdconf_state *st = ud;
	if (strcmp(section, st->section) != 0)
		return 0;
	for (size_t i = 0; i < st->nkeys; i++) {
		if (strcmp(key, st->keys[i].key) != 0)
			continue;
		struct sdconf_value *v = &st->out[i];
		if (!st->keys[i].list || value[0] == '\0' || !v->set || v->value[0] == '\0') {
			snprintf(v->value, sizeof(v->value), "%s", value);
		} else {
			size_t l = strlen(v->value);
			snprintf(v->value + l, sizeof(v->value) - l, " %s", value);
		}
		v->set = true;
		snprintf(v->source, sizeof(v->source), "%s", st->path);
		v->line = line;
	}
	return 0;
}

int sdconf_apply(const char *buf, size_t len, const char *path, const char *section,
		 const struct sdconf_key *keys, size_t nkeys, struct sdconf_value *out,
		 int *bad_line)
{
	struct sdconf_state st = {path, section, keys, nkeys, out};
	return ini_parse(buf, len, sdconf_item, &st, bad_line);
}

#define SDCONF_MAX_DROPINS 256

struct dropin {
	char *name;
	char *path;
};

static int cmp_dropin(const void *a, const void *b)
{
	return strcmp(((const struct dropin *)a)->name, ((const struct dropin *)b)->name);
}

static void files_add(char *files, size_t fileslen, const char *path)
{
	size_t l = strlen(files);
	if (l < fileslen)
		snprintf(files + l, fileslen - l, "%s%s", l ? ", " : "", path);
}

/* Reads and applies one file; ENOENT is not an error (the file is optional). */
static int sdconf_file(struct probe_ctx *ctx, const char *path, const char *section,
		       const struct sdconf_key *keys, size_t nkeys, struct sdconf_value *out,
		       char *files, size_t fileslen, char *why, size_t whylen)
{
	char target[64];
	if (rootfs_readlink(ctx, path, target, sizeof(target)) > 0 &&
	    strcmp(target, "/dev/null") == 0)
		return 0; /* masked */
	char *buf;
	size_t len;
	int r = rootfs_read(ctx, path, 1u << 20, &buf, &len, why, whylen);
	if (r == MAMORI_ENOENT)
		return 0;
	if (r)
		return r;
	int bad = 0;
	r = sdconf_apply(buf, len, path, section, keys, nkeys, out, &bad);
	free(buf);
	if (r) {
		snprintf(why, whylen,
			 "%s:%d: malformed line (expected \"Key=value\" or \"[Section]\")", path,
			 bad);
		return r;
	}
	files_add(files, fileslen, path);
	return 0;
}

int sdconf_load(struct probe_ctx *ctx, const char *name, const char *section,
		const struct sdconf_key *keys, size_t nkeys, struct sdconf_value *out, char *files,
		size_t fileslen, char *why, size_t whylen)
{
	static const char *const dirs[] = {"/etc/systemd", "/run/systemd", "/usr/local/lib/systemd",
					   "/usr/lib/systemd", "/lib/systemd"};
	const size_t ndirs = sizeof(dirs) / sizeof(dirs[0]);
	char path[512];
	int r = 0;
	if (fileslen)
		files[0] = '\0';
	for (size_t i = 0; i < nkeys; i++)
		memset(&out[i], 0, sizeof(out[i]));
	/* The main file: the first that exists. */
	for (size_t d = 0; d < ndirs; d++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[d], name);
		char target[64];
		if (!rootfs_exists(ctx, path) &&
		    rootfs_readlink(ctx, path, target, sizeof(target)) < 0)
			continue; /* absent (a dangling link, e.g. to /dev/null in an image, is
				     kept) */
		r = sdconf_file(ctx, path, section, keys, nkeys, out, files, fileslen, why, whylen);
		if (r)
			return r;
		break;
	}
	/* Drop-ins: collect by name, the first directory wins, then apply in name order. */
	struct dropin *v = NULL;
	size_t n = 0;
	for (size_t d = 0; d < ndirs && r == 0; d++) {
		char dir[512];
		snprintf(dir, sizeof(dir), "%s/%s.d", dirs[d], name);
		char **names;
		size_t nn;
		r = rootfs_list(ctx, dir, "*.conf", &names, &nn);
		if (r) {
			snprintf(why, whylen, "cannot list %s", dir);
			break;
		}
		for (size_t i = 0; i < nn && r == 0; i++) {
			bool seen = false;
			for (size_t k = 0; k < n && !seen; k++)
				seen = strcmp(v[k].name, names[i]) == 0;
			if (seen)
				continue;
			if (n >= SDCONF_MAX_DROPINS) {
				snprintf(why, whylen, "%s: more than %d drop-ins", dir,
					 SDCONF_MAX_DROPINS);
				r = MAMORI_ETOOBIG;
				break;
			}
			struct dropin *nv = realloc(v, (n + 1) * sizeof(*nv));
			if (nv == NULL) {
				r = MAMORI_ENOMEM;
				break;
			}
			v = nv;
			v[n].name = xstrdup(names[i]);
			v[n].path = xasprintf("%s/%s", dir, names[i]);
			n++;
			if (v[n - 1].name == NULL || v[n - 1].path == NULL)
				r = MAMORI_ENOMEM;
		}
		rootfs_names_free(names);
	}
	if (r == 0 && n > 1)
		qsort(v, n, sizeof(*v), cmp_dropin);
	for (size_t i = 0; i < n && r == 0; i++)
		r = sdconf_file(ctx, v[i].path, section, keys, nkeys, out, files, fileslen, why,
				whylen);
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
	if (r == MAMORI_ENOMEM)
		snprintf(why, whylen, "out of memory");
	return r;
}

/* ---- logrotate ---- */

#define LR_MAX_PATTERNS 64
#define LR_MAX_LINE 8192

enum lr_mode { LR_TOP, LR_STANZA, LR_SCRIPT };

struct lr_parse {
	struct lr_state *st;
	const char *file;
	enum lr_mode mode, script_return;
	char patterns[LR_MAX_PATTERNS][256];
	size_t npat;
	int stanza_line;
	struct lr_opts cur;
};

static bool word_is(const char *w, size_t wl, const char *s)
{
	return strlen(s) == wl && memcmp(w, s, wl) == 0;
}

static void lr_set(const struct lr_parse *p, struct lr_setting *s, long long v, int line)
{
	s->set = true;
	s->v = v;
	s->line = line;
	snprintf(s->file, sizeof(s->file), "%s", p->file);
}

/* Splits a path list ("/a /b", quoted names allowed) into the pending patterns. */
static int lr_add_patterns(struct lr_parse *p, const char *s, size_t len)
{
	const char *end = s + len;
	while (s < end) {
		while (s < end && c_isspace((unsigned char)*s))
			s++;
		if (s == end)
			break;
		const char *w;
		size_t wl;
		if (*s == '"' || *s == '\'') {
			const char *q = memchr(s + 1, *s, (size_t)(end - s - 1));
			if (q == NULL)
				return MAMORI_EPARSE;
			w = s + 1;
			wl = (size_t)(q - w);
			s = q + 1;
		} else {
			w = s;
			while (s < end && !c_isspace((unsigned char)*s))
				s++;
			wl = (size_t)(s - w);
		}
		if (p->npat >= LR_MAX_PATTERNS || wl >= sizeof(p->patterns[0]))
			return MAMORI_EPARSE;
		memcpy(p->patterns[p->npat], w, wl);
		p->patterns[p->npat][wl] = '\0';
		p->npat++;
	}
	return 0;
}

static void lr_close_stanza(struct lr_parse *p)
{
	struct lr_state *st = p->st;
	for (size_t t = 0; t < st->ntargets && t < LR_MAX_TARGETS; t++) {
		if (st->match[t].found)
			continue; /* logrotate refuses a second entry for the same log */
		for (size_t i = 0; i < p->npat; i++) {
			if (fnmatch(p->patterns[i], st->targets[t], FNM_PATHNAME | FNM_PERIOD) != 0)
				continue;
			struct lr_match *m = &st->match[t];
			m->found = true;
			snprintf(m->file, sizeof(m->file), "%s", p->file);
			m->line = p->stanza_line;
			snprintf(m->pattern, sizeof(m->pattern), "%s", p->patterns[i]);
			m->opts = p->cur;
			break;
		}
	}
	p->npat = 0;
	p->mode = LR_TOP;
}

static int lr_int_arg(const char *a, size_t al, long long min, long long max, long long *out)
{
	const char *err;
	if (al == 0 || strn_to_ll(a, al, min, max, out, &err))
		return MAMORI_EPARSE;
	return 0;
}

static int lr_directive(struct lr_parse *p, const char *s, size_t len, int lineno)
{
	const char *w = s, *end = s + len;
	while (s < end && (c_isalnum((unsigned char)*s) || *s == '_'))
		s++;
	size_t wl = (size_t)(s - w);
	while (s < end && (c_isspace((unsigned char)*s) || *s == '='))
		s++;
	const char *a = s;
	size_t al = (size_t)(end - s);
	str_trim(&a, &al);
	struct lr_opts *o = p->mode == LR_STANZA ? &p->cur : &p->st->global;
	long long v;
	if (word_is(w, wl, "include")) {
		if (p->mode != LR_TOP || al == 0 || al >= 512)
			return MAMORI_EPARSE;
		if (al >= 2 && (a[0] == '"' || a[0] == '\'') && a[al - 1] == a[0]) {
			a++;
			al -= 2;
		}
		char path[512];
		snprintf(path, sizeof(path), "%.*s", (int)al, a);
		return p->st->include ? p->st->include(path, p->st->ud) : 0;
	}
	if (word_is(w, wl, "rotate")) {
		if (lr_int_arg(a, al, -1, 1000000, &v))
			return MAMORI_EPARSE;
		lr_set(p, &o->rotate, v, lineno);
	} else if (word_is(w, wl, "hourly")) {
		lr_set(p, &o->period, 1, lineno);
	} else if (word_is(w, wl, "daily")) {
		lr_set(p, &o->period, 24, lineno);
	} else if (word_is(w, wl, "weekly")) {
		lr_set(p, &o->period, 24 * 7, lineno);
	} else if (word_is(w, wl, "monthly")) {
		lr_set(p, &o->period, 24 * 30, lineno);
	} else if (word_is(w, wl, "yearly")) {
		lr_set(p, &o->period, 24 * 365, lineno);
	} else if (word_is(w, wl, "size")) {
		if (al == 0)
			return MAMORI_EPARSE;
		lr_set(p, &o->period, LR_PERIOD_SIZE, lineno);
	} else if (word_is(w, wl, "maxsize")) {
		if (al == 0)
			return MAMORI_EPARSE;
		lr_set(p, &o->maxsize, 1, lineno);
	} else if (word_is(w, wl, "maxage")) {
		if (lr_int_arg(a, al, 0, 100000000, &v))
			return MAMORI_EPARSE;
		lr_set(p, &o->maxage, v, lineno);
	} else if (word_is(w, wl, "postrotate") || word_is(w, wl, "prerotate") ||
		   word_is(w, wl, "firstaction") || word_is(w, wl, "lastaction") ||
		   word_is(w, wl, "preremove")) {
		p->script_return = p->mode;
		p->mode = LR_SCRIPT;
	} else if (word_is(w, wl, "endscript")) {
		return MAMORI_EPARSE;
	}
	/* Every other directive (compress, missingok, create, ...) does not change how long
	 * rotated logs are kept; logrotate itself only warns about unknown ones. */
	return 0;
}

static int lr_line(const char *s, size_t len, int lineno, void *ud)
{
	struct lr_parse *p = ud;
	str_trim(&s, &len);
	if (p->mode == LR_SCRIPT) {
		if (word_is(s, len, "endscript"))
			p->mode = p->script_return;
		return 0;
	}
	if (len == 0 || s[0] == '#')
		return 0;
	if (s[0] == '}') {
		const char *rest = s + 1;
		size_t rl = len - 1;
		str_trim(&rest, &rl);
		if (p->mode != LR_STANZA || rl != 0)
			return MAMORI_EPARSE;
		lr_close_stanza(p);
		return 0;
	}
	if (c_isalpha((unsigned char)s[0])) {
		if (p->mode == LR_TOP && p->npat)
			return MAMORI_EPARSE; /* file names not followed by "{" */
		return lr_directive(p, s, len, lineno);
	}
	if (p->mode != LR_TOP)
		return MAMORI_EPARSE; /* a file name inside a stanza */
	if (p->npat == 0)
		p->stanza_line = lineno;
	const char *brace = memchr(s, '{', len);
	size_t pl = brace ? (size_t)(brace - s) : len;
	if (lr_add_patterns(p, s, pl))
		return MAMORI_EPARSE;
	if (brace == NULL)
		return 0;
	const char *rest = brace + 1;
	size_t rl = len - pl - 1;
	str_trim(&rest, &rl);
	if (p->npat == 0 || rl != 0)
		return MAMORI_EPARSE;
	p->mode = LR_STANZA;
	p->cur = p->st->global;
	return 0;
}

int logrotate_parse(const char *buf, size_t len, const char *file, struct lr_state *st,
		    int *bad_line)
{
	struct lr_parse *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return MAMORI_ENOMEM;
	p->st = st;
	p->file = file;
	int r = for_each_line(buf, len, LR_MAX_LINE, lr_line, p, bad_line);
	if (r == MAMORI_ETOOBIG)
		r = MAMORI_EPARSE;
	if (r == 0 && (p->mode != LR_TOP || p->npat)) {
		/* An unterminated stanza or script: point at where it began. */
		if (bad_line)
			*bad_line = p->stanza_line ? p->stanza_line : 1;
		r = MAMORI_EPARSE;
	}
	free(p);
	return r;
}

static void setting_where(const struct lr_setting *s, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s:%d", s->file, s->line);
}

int logrotate_retention(const struct lr_opts *o, long long *days, char *why, size_t whylen)
{
	char w[LR_FILE_MAX + 16];
	if (!o->period.set) {
		snprintf(why, whylen,
			 "no rotation period (daily, weekly, monthly, yearly) is set in the stanza "
			 "or globally, so logrotate rotates by size and the time kept is unknown");
		return MAMORI_EINVAL;
	}
	if (o->period.v == LR_PERIOD_SIZE) {
		setting_where(&o->period, w, sizeof(w));
		snprintf(why, whylen,
			 "rotated by size only (size at %s): how many days are kept depends on "
			 "how fast the log grows",
			 w);
		return MAMORI_EINVAL;
	}
	if (o->maxsize.set) {
		setting_where(&o->maxsize, w, sizeof(w));
		snprintf(why, whylen,
			 "maxsize at %s also rotates by size: how many days are kept depends on "
			 "how fast the log grows",
			 w);
		return MAMORI_EINVAL;
	}
	long long rot = o->rotate.set ? o->rotate.v : 0; /* logrotate keeps none by default */
	long long maxage = o->maxage.set ? o->maxage.v : 0;
	long long d;
	if (rot < 0)
		d = maxage > 0 ? maxage : -1;
	else
		d = rot * o->period.v / 24;
	if (d >= 0 && maxage > 0 && maxage < d)
		d = maxage;
	*days = d;
	return 0;
}

/* ---- the probe ---- */

static int put_unknown_all(struct probe_ctx *ctx, const char *const *names, const char *why)
{
	for (size_t i = 0; names[i]; i++) {
		int r = facts_put_unknown(ctx->facts, names[i], NULL, 0, "%s", why);
		if (r)
			return r;
	}
	return 0;
}

static int journald_facts(struct probe_ctx *ctx)
{
	static const struct sdconf_key keys[] = {{"Storage", false},
						 {"MaxRetentionSec", false},
						 {"SystemMaxUse", false},
						 {"SystemMaxFiles", false}};
	enum { K_STORAGE, K_RETENTION, K_MAXUSE, K_MAXFILES, K_N };
	static const char *const names[] = {
	    "log.journal_persistent", "log.journal_max_retention_days",
	    "log.journal_system_max_use", "log.journal_system_max_files", NULL};
	struct sdconf_value *v = calloc(K_N, sizeof(*v));
	char files[1024], why[512] = "", note[2048];
	if (v == NULL)
		return MAMORI_ENOMEM;
	int r = sdconf_load(ctx, "journald.conf", "Journal", keys, K_N, v, files, sizeof(files),
			    why, sizeof(why));
	if (r) {
		free(v);
		return r == MAMORI_ENOMEM ? r : put_unknown_all(ctx, names, why);
	}
	const char *read_from = files[0] ? files : "no journald.conf or drop-in present";

	/* Storage=: journald ignores a value it does not know and keeps the default, auto. */
	const char *storage = v[K_STORAGE].set ? v[K_STORAGE].value : "auto";
	bool known = strcmp(storage, "persistent") == 0 || strcmp(storage, "volatile") == 0 ||
		     strcmp(storage, "none") == 0 || strcmp(storage, "auto") == 0;
	if (!known)
		storage = "auto";
	if (strcmp(storage, "auto") == 0) {
		struct stat st;
		bool dir = rootfs_stat(ctx, "/var/log/journal", &st) == 0 && S_ISDIR(st.st_mode);
		snprintf(note, sizeof(note),
			 "Storage=auto (%s): %s because /var/log/journal %s; read %s",
			 !v[K_STORAGE].set ? "default"
			 : known	   ? "set"
					   : "invalid value ignored",
			 dir ? "persistent" : "kept in memory only",
			 dir ? "exists" : "does not exist", read_from);
		r = facts_put_bool(ctx->facts, names[0], dir,
				   v[K_STORAGE].set ? v[K_STORAGE].source : "/var/log/journal",
				   v[K_STORAGE].set ? v[K_STORAGE].line : 0, note);
	} else {
		snprintf(note, sizeof(note), "Storage=%.64s; read %s", storage, read_from);
		r = facts_put_bool(ctx->facts, names[0], strcmp(storage, "persistent") == 0,
				   v[K_STORAGE].source, v[K_STORAGE].line, note);
	}

	/* MaxRetentionSec=: 0 (the default) means no time limit. */
	if (r == 0 && !v[K_RETENTION].set) {
		r = facts_put_int(ctx->facts, names[1], 0, NULL, 0,
				  "default: MaxRetentionSec is not set, no time limit");
	} else if (r == 0) {
		unsigned long long usec;
		const char *val = v[K_RETENTION].value;
		if (timespan_parse(val, strlen(val), &usec)) {
			r = facts_put_unknown(ctx->facts, names[1], v[K_RETENTION].source,
					      v[K_RETENTION].line,
					      "%s:%d: MaxRetentionSec=%s is not a time span",
					      v[K_RETENTION].source, v[K_RETENTION].line, val);
		} else {
			long long days = 0;
			if (usec != TIMESPAN_INFINITY && usec != 0) {
				days = (long long)(usec / 86400000000ULL);
				if (days == 0)
					days = 1; /* under a day is a limit, not "no limit" */
			}
			snprintf(note, sizeof(note), "MaxRetentionSec=%.200s%s", val,
				 days == 0 ? " (no time limit)" : "");
			r = facts_put_int(ctx->facts, names[1], days, v[K_RETENTION].source,
					  v[K_RETENTION].line, note);
		}
	}

	/* The size caps are reported as written; the defaults depend on the file system. */
	if (r == 0 && v[K_MAXUSE].set)
		r = facts_put_str(ctx->facts, names[2], v[K_MAXUSE].value, v[K_MAXUSE].source,
				  v[K_MAXUSE].line, NULL);
	else if (r == 0)
		r = facts_put(ctx->facts, names[2], json_null(), NULL, 0,
			      "default: 10% of the file system, at most 4G");
	if (r == 0 && v[K_MAXFILES].set) {
		long long n;
		const char *err;
		if (str_to_ll(v[K_MAXFILES].value, 0, 1000000000, &n, &err))
			r = facts_put_unknown(
			    ctx->facts, names[3], v[K_MAXFILES].source, v[K_MAXFILES].line,
			    "%s:%d: SystemMaxFiles=%s is not a number", v[K_MAXFILES].source,
			    v[K_MAXFILES].line, v[K_MAXFILES].value);
		else
			r = facts_put_int(ctx->facts, names[3], n, v[K_MAXFILES].source,
					  v[K_MAXFILES].line, NULL);
	} else if (r == 0) {
		r = facts_put_int(ctx->facts, names[3], 100, NULL, 0, "default");
	}
	free(v);
	return r;
}

static const struct {
	const char *name, *pkg, *unit, *proc, *bin;
} syslog_daemons[] = {
    {"rsyslog", "rsyslog", "rsyslog.service", "rsyslogd", "/usr/sbin/rsyslogd"},
    {"syslog-ng", "syslog-ng-core", "syslog-ng.service", "syslog-ng", "/usr/sbin/syslog-ng"},
    {"busybox-syslogd", "busybox-syslogd", "busybox-syslogd.service", "syslogd", NULL},
    {"inetutils-syslogd", "inetutils-syslogd", "inetutils-syslogd.service", "syslogd", NULL},
    {"sysklogd", "sysklogd", "syslogd.service", "syslogd", NULL},
};

/* Records log.syslog_daemon: the first daemon running, or installed and not masked. */
static int syslog_facts(struct probe_ctx *ctx)
{
	char pwhy[256] = "", dwhy[256] = "", note[512];
	bool dpkg_ok = true, proc_ok = true;
	for (size_t i = 0; i < sizeof(syslog_daemons) / sizeof(syslog_daemons[0]); i++) {
		const char *ver = NULL;
		int pi = pkg_installed(ctx, syslog_daemons[i].pkg, &ver, dwhy, sizeof(dwhy));
		int pr = proc_running(ctx, syslog_daemons[i].proc, pwhy, sizeof(pwhy));
		dpkg_ok = dpkg_ok && pi >= 0;
		proc_ok = proc_ok && pr >= 0;
		bool masked = unit_masked(ctx, syslog_daemons[i].unit);
		if (pr == 1) {
			snprintf(note, sizeof(note), "process %s is running",
				 syslog_daemons[i].proc);
			return facts_put_str(ctx->facts, "log.syslog_daemon",
					     syslog_daemons[i].name, "/proc", 0, note);
		}
		if (masked)
			continue;
		if (pi == 1) {
			snprintf(note, sizeof(note), "package %s %s is installed%s",
				 syslog_daemons[i].pkg, ver ? ver : "",
				 proc_ok ? ", though not running" : "");
			return facts_put_str(ctx->facts, "log.syslog_daemon",
					     syslog_daemons[i].name, "/var/lib/dpkg/status", 0,
					     note);
		}
		/* The program itself, for when the package list cannot be read. */
		if (syslog_daemons[i].bin && rootfs_exists(ctx, syslog_daemons[i].bin))
			return facts_put_str(ctx->facts, "log.syslog_daemon",
					     syslog_daemons[i].name, syslog_daemons[i].bin, 0,
					     "the program is installed");
	}
	if (!dpkg_ok)
		return facts_put_unknown(ctx->facts, "log.syslog_daemon", NULL, 0, "%s", dwhy);
	return facts_put(ctx->facts, "log.syslog_daemon", json_null(), "/var/lib/dpkg/status", 0,
			 "no syslog daemon package installed (or its unit is masked)");
}

struct lr_io {
	struct probe_ctx *ctx;
	struct lr_state *st;
	char why[512];
	int files;
};

static int lr_read_parse(struct lr_io *io, const char *path);

static bool lr_taboo(const char *name)
{
	/* logrotate's default tabooext list: package-manager leftovers and editor backups. */
	static const char *const taboo[] = {
	    ",v",	 ".cfsaved",  ".disabled", ".dpkg-bak", ".dpkg-del", ".dpkg-dist",
	    ".dpkg-new", ".dpkg-old", ".dpkg-tmp", ".rpmnew",	".rpmorig",  ".rpmsave",
	    ".swp",	 ".ucf-dist", ".ucf-new",  ".ucf-old",	"~"};
	size_t l = strlen(name);
	if (name[0] == '.')
		return true;
	for (size_t i = 0; i < sizeof(taboo) / sizeof(taboo[0]); i++) {
		size_t tl = strlen(taboo[i]);
		if (l >= tl && strcmp(name + l - tl, taboo[i]) == 0)
			return true;
	}
	return false;
}

static int lr_include(const char *path, void *ud)
{
	struct lr_io *io = ud;
	if (io->st->depth >= 8 || io->files >= 512) {
		snprintf(io->why, sizeof(io->why), "%s: includes nested too deep or too many",
			 path);
		return MAMORI_ETOOBIG;
	}
	struct stat st;
	if (rootfs_stat(io->ctx, path, &st) != 0)
		return 0; /* logrotate reports a missing include and carries on */
	if (!S_ISDIR(st.st_mode))
		return lr_read_parse(io, path);
	char **names;
	size_t n;
	if (rootfs_list(io->ctx, path, NULL, &names, &n)) {
		snprintf(io->why, sizeof(io->why), "cannot list %s", path);
		return MAMORI_EIO;
	}
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (lr_taboo(names[i]))
			continue;
		char full[1024];
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		struct stat fst;
		if (rootfs_stat(io->ctx, full, &fst) != 0 || !S_ISREG(fst.st_mode))
			continue;
		r = lr_read_parse(io, full);
	}
	rootfs_names_free(names);
	return r;
}

static int lr_read_parse(struct lr_io *io, const char *path)
{
	char *buf;
	size_t len;
	char why[512];
	int r = rootfs_read(io->ctx, path, 1u << 20, &buf, &len, why, sizeof(why));
	if (r) {
		if (io->why[0] == '\0')
			snprintf(io->why, sizeof(io->why), "%s", why);
		return r;
	}
	io->files++;
	io->st->depth++;
	int bad = 0;
	r = logrotate_parse(buf, len, path, io->st, &bad);
	io->st->depth--;
	free(buf);
	if (r && io->why[0] == '\0')
		snprintf(io->why, sizeof(io->why),
			 "%s:%d: malformed logrotate line (bad number, stray or missing brace, or "
			 "unterminated script)",
			 path, bad);
	return r;
}

static int logrotate_facts(struct probe_ctx *ctx)
{
	static const char *const targets[] = {"/var/log/syslog", "/var/log/messages",
					      "/var/log/auth.log"};
	static const char *const names[] = {"log.rotate_retention_days", "log.rotate_file", NULL};
	struct lr_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return MAMORI_ENOMEM;
	struct lr_io io = {.ctx = ctx, .st = st};
	st->targets = targets;
	st->ntargets = 3;
	st->include = lr_include;
	st->ud = &io;
	int r;
	if (!rootfs_exists(ctx, "/etc/logrotate.conf")) {
		r = put_unknown_all(ctx, names,
				    "/etc/logrotate.conf does not exist: logrotate is not set up, "
				    "so nothing shows how long the system logs are kept");
		goto out;
	}
	r = lr_read_parse(&io, "/etc/logrotate.conf");
	if (r == MAMORI_ENOMEM)
		goto out;
	if (r) {
		r = put_unknown_all(ctx, names, io.why);
		goto out;
	}
	const struct lr_match *m = NULL;
	for (size_t t = 0; t < st->ntargets && m == NULL; t++)
		if (st->match[t].found)
			m = &st->match[t];
	if (m == NULL) {
		r = facts_put(ctx->facts, names[1], json_null(), "/etc/logrotate.conf", 0,
			      "no logrotate stanza covers /var/log/syslog, /var/log/messages or "
			      "/var/log/auth.log");
		if (r == 0)
			r = facts_put_unknown(ctx->facts, names[0], "/etc/logrotate.conf", 0,
					      "no logrotate stanza (in /etc/logrotate.conf or the "
					      "files it includes) covers /var/log/syslog, "
					      "/var/log/messages or /var/log/auth.log");
		goto out;
	}
	char note[1024];
	snprintf(note, sizeof(note), "stanza for %s (pattern %s)", targets[m - st->match],
		 m->pattern);
	r = facts_put_str(ctx->facts, names[1], m->file, m->file, m->line, note);
	if (r)
		goto out;
	long long days;
	char why[512];
	if (logrotate_retention(&m->opts, &days, why, sizeof(why))) {
		r = facts_put_unknown(ctx->facts, names[0], m->file, m->line, "%s:%d: %s", m->file,
				      m->line, why);
		goto out;
	}
	const struct lr_opts *o = &m->opts;
	static const struct {
		long long hours;
		const char *name;
	} periods[] = {
	    {1, "hourly"}, {24, "daily"}, {168, "weekly"}, {720, "monthly"}, {8760, "yearly"}};
	const char *pname = "?";
	for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++)
		if (periods[i].hours == o->period.v)
			pname = periods[i].name;
	char rot[300], age[300] = "";
	if (o->rotate.set)
		snprintf(rot, sizeof(rot), "rotate %lld (%s:%d)", o->rotate.v, o->rotate.file,
			 o->rotate.line);
	else
		snprintf(rot, sizeof(rot), "rotate 0 (default)");
	if (o->maxage.set && o->maxage.v > 0)
		snprintf(age, sizeof(age), ", maxage %lld (%s:%d)", o->maxage.v, o->maxage.file,
			 o->maxage.line);
	if (days < 0)
		snprintf(note, sizeof(note), "%s: old logs are never removed (-1 = no limit)", rot);
	else
		snprintf(note, sizeof(note), "%s x %s (%s:%d)%s = %lld days", rot, pname,
			 o->period.file, o->period.line, age, days);
	r = facts_put_int(ctx->facts, names[0], days, m->file, m->line, note);
out:
	free(st);
	return r;
}

int probe_logs_collect(struct probe_ctx *ctx)
{
	int r = journald_facts(ctx);
	if (r == 0)
		r = syslog_facts(ctx);
	if (r == 0)
		r = logrotate_facts(ctx);
	return r;
}
