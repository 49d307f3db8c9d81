/* SPDX-License-Identifier: Apache-2.0 */
/* av.*: which malware scanner is installed, whether it scans files as they are opened, how
 * old its definitions are and when a scan last finished. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "probes/linux/antivirus.h"
#include "probes/linux/common.h"
#include "probes/linux/probes.h"

/* ---- parsers ---- */

static int month_from_name(const char *s)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	for (int i = 0; i < 12; i++)
		if (memcmp(s, names + 3 * i, 3) == 0)
			return i + 1;
	return 0;
}

/* Reads exactly n digits at *p (bounded by end) as a number. */
static int digits(const char **p, const char *end, size_t n, long long *out)
{
	long long v = 0;
	if ((size_t)(end - *p) < n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!c_isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -1;
	(*p)++;
	return 0;
}

int cvd_header_parse(const char *buf, size_t len, long long *built, long long *version)
{
	static const char magic[] = "ClamAV-VDB:";
	if (len > CVD_HEADER_LEN)
		len = CVD_HEADER_LEN;
	if (len < sizeof(magic) - 1 || memcmp(buf, magic, sizeof(magic) - 1) != 0)
		return MAMORI_EPARSE;
	const char *p = buf + sizeof(magic) - 1, *end = buf + len;
	long long day, year, hh, mm, tzh, tzm, ver = 0;
	/* "14 Nov 2023 08:31 -0500" */
	size_t dl = 0;
	while (p + dl < end && dl < 3 && c_isdigit((unsigned char)p[dl]))
		dl++;
	if (dl == 0 || dl > 2 || digits(&p, end, dl, &day) || expect(&p, end, ' '))
		return MAMORI_EPARSE;
	if (end - p < 3)
		return MAMORI_EPARSE;
	int month = month_from_name(p);
	p += 3;
	if (month == 0 || expect(&p, end, ' ') || digits(&p, end, 4, &year) ||
	    expect(&p, end, ' ') || digits(&p, end, 2, &hh) || expect(&p, end, ':') ||
	    digits(&p, end, 2, &mm) || expect(&p, end, ' '))
		return MAMORI_EPARSE;
	if (p >= end || (*p != '+' && *p != '-'))
		return MAMORI_EPARSE;
	int sign = *p++ == '-' ? -1 : 1;
	if (digits(&p, end, 2, &tzh) || digits(&p, end, 2, &tzm) || expect(&p, end, ':'))
		return MAMORI_EPARSE;
	if (day < 1 || day > 31 || year < 1970 || hh > 23 || mm > 59 || tzh > 14 || tzm > 59)
		return MAMORI_EPARSE;
	size_t vl = 0;
	while (p + vl < end && c_isdigit((unsigned char)p[vl]))
		vl++;
	const char *err;
	if (vl == 0 || vl > 10 || strn_to_ll(p, vl, 1, 9999999999LL, &ver, &err) || p + vl >= end ||
	    p[vl] != ':')
		return MAMORI_EPARSE;
	*built = days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 + hh * 3600 +
		 mm * 60 - sign * (tzh * 3600 + tzm * 60);
	*version = ver;
	return 0;
}

struct clamlog_state {
	struct clamlog_result *res;
	int in_summary;
};

/* "2026:11:20 01:00:01" -> Unix seconds, read as UTC. */
static int clam_date(const char *s, size_t len, long long *out)
{
	const char *p = s, *end = s + len;
	long long y, mo, d, h, mi, sec;
	if (digits(&p, end, 4, &y) || expect(&p, end, ':') || digits(&p, end, 2, &mo) ||
	    expect(&p, end, ':') || digits(&p, end, 2, &d) || expect(&p, end, ' ') ||
	    digits(&p, end, 2, &h) || expect(&p, end, ':') || digits(&p, end, 2, &mi) ||
	    expect(&p, end, ':') || digits(&p, end, 2, &sec) || p != end)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}

static int clamlog_line(const char *s, size_t len, int lineno, void *ud)
{
	struct clamlog_state *st = ud;
	str_trim(&s, &len);
	static const char marker[] = "SCAN SUMMARY";
	if (len >= sizeof(marker) - 1 && s[0] == '-') {
		for (size_t i = 0; i + sizeof(marker) - 1 <= len; i++) {
			if (memcmp(s + i, marker, sizeof(marker) - 1) == 0) {
				st->res->summaries++;
				st->in_summary = 1;
				return 0;
			}
		}
	}
	static const char endk[] = "End Date:";
	if (!st->in_summary || len < sizeof(endk) - 1 || memcmp(s, endk, sizeof(endk) - 1) != 0)
		return 0;
	const char *v = s + sizeof(endk) - 1;
	size_t vl = len - (sizeof(endk) - 1);
	str_trim(&v, &vl);
	long long t;
	if (clam_date(v, vl, &t))
		return MAMORI_EPARSE;
	st->in_summary = 0;
	if (st->res->dated == 0 || t >= st->res->newest_end) {
		st->res->newest_end = t;
		st->res->newest_line = lineno;
	}
	st->res->dated++;
	return 0;
}

int clamscan_log_parse(const char *buf, size_t len, struct clamlog_result *res, int *bad_line)
{
	struct clamlog_result tmp = {0};
	struct clamlog_state st = {&tmp, 0};
	int r = for_each_line(buf, len, 1u << 16, clamlog_line, &st, bad_line);
	if (r == MAMORI_ETOOBIG)
		r = MAMORI_EPARSE;
	if (r == 0)
		*res = tmp;
	return r;
}

/* ---- products ---- */

struct av_product {
	const char *name, *display;
	const char *pkgs[3];
	const char *dirs[3];
	const char *procs[3];
};

/* Products other than ClamAV: we can see that they are there, not their settings. */
static const struct av_product others[] = {
    {"mdatp",
     "Microsoft Defender for Endpoint",
     {"mdatp"},
     {"/opt/microsoft/mdatp"},
     {"wdavdaemon"}},
    {"sophos",
     "Sophos",
     {"sophos-spl", "sophos-av"},
     {"/opt/sophos-spl", "/opt/sophos-av"},
     {"savd"}},
    {"eset", "ESET", {"eea", "efs", "esets"}, {"/opt/eset"}, {"esets", "esets_daemon"}},
    {"trendmicro", "Trend Micro Deep Security", {"ds-agent"}, {"/opt/ds_agent"}, {"ds_agent"}},
    {"crowdstrike",
     "CrowdStrike Falcon",
     {"falcon-sensor"},
     {"/opt/CrowdStrike"},
     {"falcond", "falcon-sensor"}},
    {"trellix",
     "Trellix (McAfee)",
     {"mfetp", "mcafeetp"},
     {"/opt/McAfee", "/opt/isec"},
     {"mfetpd"}},
    {"withsecure", "WithSecure (F-Secure)", {"f-secure-linuxsecurity"}, {"/opt/f-secure"}, {NULL}},
};
#define NOTHERS (sizeof(others) / sizeof(others[0]))

struct av_scan {
	struct probe_ctx *ctx;
	json_t *products;
	bool dpkg_ok, proc_ok;
	char dwhy[256], pwhy[256];
	/* ClamAV */
	bool clamav;
	bool clamd_running, clamd_enabled, onacc_running, onacc_enabled;
	bool onacc_paths; /* OnAccessIncludePath / OnAccessMountPath in clamd.conf */
	int onacc_line;
	char dbdir[256];
	/* others found: index into others[], running: 1 yes, 0 no, -1 unknown */
	int found[NOTHERS];
	char other_names[512];
};

static int pkg(struct av_scan *sc, const char *name, const char **ver)
{
	int r = pkg_installed(sc->ctx, name, ver, sc->dwhy, sizeof(sc->dwhy));
	if (r < 0)
		sc->dpkg_ok = false;
	return r == 1;
}

static int proc(struct av_scan *sc, const char *name)
{
	int r = proc_running(sc->ctx, name, sc->pwhy, sizeof(sc->pwhy));
	if (r < 0)
		sc->proc_ok = false;
	return r;
}

static bool enabled(struct av_scan *sc, const char *unit)
{
	char where_buf[512];
	return unit_enabled(sc->ctx, unit, where_buf, sizeof(where_buf)) == 1;
}

static int add_product(struct av_scan *sc, const char *name, const char *how, int running)
{
	json_t *o = json_pack("{s:s, s:s, s:o}", "name", name, "how", how, "running",
			      running < 0 ? json_null() : json_boolean(running));
	if (o == NULL || json_array_append_new(sc->products, o))
		return MAMORI_ENOMEM;
	return 0;
}

/* The few clamd.conf keys that matter here; "Key value" lines, '#' comments. */
static int clamd_conf_line(const char *s, size_t len, int lineno, void *ud)
{
	struct av_scan *sc = ud;
	str_trim(&s, &len);
	if (len == 0 || s[0] == '#')
		return 0;
	size_t kl = strcspn(s, " \t");
	if (kl > len)
		kl = len;
	const char *v = s + kl;
	size_t vl = len - kl;
	str_trim(&v, &vl);
	if ((kl == 19 && memcmp(s, "OnAccessIncludePath", 19) == 0) ||
	    (kl == 17 && memcmp(s, "OnAccessMountPath", 17) == 0)) {
		if (vl && !sc->onacc_paths) {
			sc->onacc_paths = true;
			sc->onacc_line = lineno;
		}
	} else if (kl == 17 && memcmp(s, "DatabaseDirectory", 17) == 0 && vl && vl < 200 &&
		   v[0] == '/') {
		snprintf(sc->dbdir, sizeof(sc->dbdir), "%.*s", (int)vl, v);
	}
	return 0;
}

static int detect_clamav(struct av_scan *sc)
{
	const char *ver = NULL, *dver = NULL;
	bool p_clamav = pkg(sc, "clamav", &ver);
	bool p_daemon = pkg(sc, "clamav-daemon", &dver);
	sc->clamd_running = proc(sc, "clamd") == 1;
	sc->onacc_running = proc(sc, "clamonacc") == 1;
	sc->clamd_enabled = enabled(sc, "clamav-daemon.service");
	sc->onacc_enabled = enabled(sc, "clamav-clamonacc.service");
	snprintf(sc->dbdir, sizeof(sc->dbdir), "/var/lib/clamav");
	char *buf;
	size_t len;
	char why[256];
	if (rootfs_read(sc->ctx, "/etc/clamav/clamd.conf", 1u << 20, &buf, &len, why,
			sizeof(why)) == 0) {
		int bad;
		for_each_line(buf, len, 1u << 16, clamd_conf_line, sc, &bad);
		free(buf);
	}
	char how[512];
	if (p_clamav || p_daemon)
		snprintf(how, sizeof(how), "package %s %s", p_clamav ? "clamav" : "clamav-daemon",
			 p_clamav ? ver : dver);
	else if (sc->clamd_running)
		snprintf(how, sizeof(how), "process clamd");
	else if (rootfs_exists(sc->ctx, "/usr/sbin/clamd"))
		snprintf(how, sizeof(how), "/usr/sbin/clamd");
	else if (rootfs_exists(sc->ctx, "/usr/bin/clamscan"))
		snprintf(how, sizeof(how), "/usr/bin/clamscan");
	else
		return 0;
	sc->clamav = true;
	return add_product(sc, "clamav", how, sc->clamd_running ? 1 : sc->proc_ok ? 0 : -1);
}

static int detect_others(struct av_scan *sc)
{
	for (size_t i = 0; i < NOTHERS; i++) {
		const struct av_product *p = &others[i];
		char how[512] = "";
		const char *ver;
		for (size_t k = 0; k < 3 && p->pkgs[k] && !how[0]; k++)
			if (pkg(sc, p->pkgs[k], &ver))
				snprintf(how, sizeof(how), "package %s %s", p->pkgs[k], ver);
		for (size_t k = 0; k < 3 && p->dirs[k] && !how[0]; k++)
			if (rootfs_exists(sc->ctx, p->dirs[k]))
				snprintf(how, sizeof(how), "%s", p->dirs[k]);
		int running = 0;
		for (size_t k = 0; k < 3 && p->procs[k]; k++) {
			int pr = proc(sc, p->procs[k]);
			if (pr == 1) {
				running = 1;
				if (!how[0])
					snprintf(how, sizeof(how), "process %s", p->procs[k]);
				break;
			}
			if (pr < 0)
				running = -1;
		}
		if (p->procs[0] == NULL)
			running = -1;
		sc->found[i] = how[0] ? running : -2;
		if (!how[0])
			continue;
		size_t l = strlen(sc->other_names);
		snprintf(sc->other_names + l, sizeof(sc->other_names) - l, "%s%s", l ? ", " : "",
			 p->display);
		int r = add_product(sc, p->name, how, running);
		if (r)
			return r;
	}
	return 0;
}

static int realtime_fact(struct av_scan *sc)
{
	struct facts *f = sc->ctx->facts;
	char note[512];
	/* Live, clamonacc must be running; in an image, enabled and configured is the most
	 * that can be seen. clamonacc without an OnAccessIncludePath refuses to start. */
	if (sc->clamav &&
	    (sc->onacc_running || (!sc->proc_ok && sc->onacc_enabled && sc->onacc_paths))) {
		snprintf(note, sizeof(note), "ClamAV on-access scanning: %s",
			 sc->onacc_running ? "clamonacc is running"
					   : "clamav-clamonacc.service is enabled and "
					     "OnAccessIncludePath is set (no process table)");
		return facts_put_bool(f, "av.realtime", true,
				      sc->onacc_paths ? "/etc/clamav/clamd.conf" : "/proc",
				      sc->onacc_paths ? sc->onacc_line : 0, note);
	}
	/* Another product whose daemon runs may well scan on access; mamori cannot see it. */
	char unknown_names[512] = "";
	for (size_t i = 0; i < NOTHERS; i++) {
		if (sc->found[i] == 1 || sc->found[i] == -1) {
			size_t l = strlen(unknown_names);
			snprintf(unknown_names + l, sizeof(unknown_names) - l, "%s%s",
				 l ? ", " : "", others[i].display);
		}
	}
	if (unknown_names[0])
		return facts_put_unknown(f, "av.realtime", NULL, 0,
					 "cannot tell whether real-time protection of %s is on: "
					 "check it in the product's own console",
					 unknown_names);
	if (sc->clamav && !sc->proc_ok && sc->onacc_enabled)
		return facts_put_unknown(f, "av.realtime", "/etc/clamav/clamd.conf", 0,
					 "clamav-clamonacc.service is enabled but clamd.conf sets "
					 "no OnAccessIncludePath, and no process table to see "
					 "clamonacc (%s)",
					 sc->pwhy);
	if (sc->clamav) {
		snprintf(note, sizeof(note),
			 "ClamAV does not scan on access: clamonacc is not %s%s; clamd %s only "
			 "scans files it is asked to",
			 sc->proc_ok ? "running" : "enabled",
			 sc->onacc_paths ? "" : " and clamd.conf sets no OnAccessIncludePath",
			 sc->clamd_running   ? "is running but"
			 : sc->clamd_enabled ? "is enabled but"
					     : "(when running)");
		return facts_put_bool(f, "av.realtime", false, "/etc/clamav/clamd.conf", 0, note);
	}
	return facts_put_bool(f, "av.realtime", false, NULL, 0, "no antivirus product found");
}

/* Reads a database header; 0 with *built, or an error with why. */
static int db_header(struct av_scan *sc, const char *path, long long *built, long long *ver,
		     char *why, size_t whylen)
{
	char *buf;
	size_t len;
	/* rootfs_read reads whole files; a daily database is tens of MB, hence the cap. */
	int r = rootfs_read(sc->ctx, path, 512u << 20, &buf, &len, why, whylen);
	if (r)
		return r;
	r = cvd_header_parse(buf, len, built, ver);
	free(buf);
	if (r)
		snprintf(why, whylen,
			 "%.400s:1: header is not \"ClamAV-VDB:DD Mon YYYY HH:MM +ZZZZ:...\"",
			 path);
	return r;
}

static long long age_days(const struct probe_ctx *ctx, long long t)
{
	long long d = ((long long)ctx->now - t) / 86400;
	return d < 0 ? 0 : d;
}

static int definitions_fact(struct av_scan *sc)
{
	struct facts *f = sc->ctx->facts;
	const char *name = "av.definitions_age_days";
	if (!sc->clamav) {
		if (sc->other_names[0])
			return facts_put_unknown(f, name, NULL, 0,
						 "mamori cannot read the definitions date of %s: "
						 "check it in the product's own console",
						 sc->other_names);
		return facts_put_unknown(f, name, NULL, 0, "no antivirus product found");
	}
	static const char *const files[] = {"daily.cld", "daily.cvd"};
	long long best = -1, best_ver = 0;
	char best_path[512] = "", why[512] = "", path[512];
	int ferr = 0;
	for (size_t i = 0; i < 2; i++) {
		long long built, ver;
		char w[512];
		snprintf(path, sizeof(path), "%s/%s", sc->dbdir, files[i]);
		int r = db_header(sc, path, &built, &ver, w, sizeof(w));
		if (r == MAMORI_ENOMEM)
			return r;
		if (r == 0 && built > best) {
			best = built;
			best_ver = ver;
			snprintf(best_path, sizeof(best_path), "%s", path);
		} else if (r && r != MAMORI_ENOENT) {
			ferr = r;
			snprintf(why, sizeof(why), "%s", w);
		}
	}
	char note[1024], date[16];
	if (best >= 0) {
		format_date(best, date, sizeof(date));
		snprintf(note, sizeof(note), "database version %lld built %s (from its header)",
			 best_ver, date);
		return facts_put_int(f, name, age_days(sc->ctx, best), best_path, 1, note);
	}
	/* A malformed header is a broken database, which ClamAV refuses as well. */
	if (ferr == MAMORI_EPARSE)
		return facts_put_unknown(f, name, NULL, 0, "%s", why);
	/* The header could not be read: the modification time is the next best thing. */
	for (size_t i = 0; ferr && i < 2; i++) {
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", sc->dbdir, files[i]);
		if (rootfs_stat(sc->ctx, path, &st) == 0 && S_ISREG(st.st_mode)) {
			format_date((long long)st.st_mtime, date, sizeof(date));
			snprintf(note, sizeof(note),
				 "header unreadable (%s); file modification time %s used instead",
				 why, date);
			return facts_put_int(f, name, age_days(sc->ctx, (long long)st.st_mtime),
					     path, 0, note);
		}
	}
	if (ferr)
		return facts_put_unknown(f, name, NULL, 0, "%s", why);
	return facts_put_unknown(f, name, NULL, 0,
				 "no ClamAV daily database (%s/daily.cvd or daily.cld): "
				 "freshclam has never downloaded definitions",
				 sc->dbdir);
}

/* A cron job or systemd unit that runs clamscan: supporting evidence of regular scans. */
static int scan_schedule(struct av_scan *sc, char *out, size_t outlen)
{
	static const char *const globs[] = {"/etc/crontab",
					    "/etc/cron.d/*",
					    "/etc/cron.daily/*",
					    "/etc/cron.weekly/*",
					    "/etc/cron.monthly/*",
					    "/var/spool/cron/crontabs/*",
					    "/etc/systemd/system/*.service"};
	out[0] = '\0';
	for (size_t g = 0; g < sizeof(globs) / sizeof(globs[0]) && !out[0]; g++) {
		char **paths;
		size_t n;
		if (rootfs_glob(sc->ctx, globs[g], &paths, &n))
			continue;
		for (size_t i = 0; i < n && !out[0]; i++) {
			char *buf, why[256];
			size_t len;
			if (rootfs_read(sc->ctx, paths[i], 1u << 20, &buf, &len, why, sizeof(why)))
				continue;
			for (char *line = buf, *next; line && *line; line = next) {
				next = strchr(line, '\n');
				if (next)
					*next++ = '\0';
				line += strspn(line, " \t");
				if (line[0] != '#' &&
				    (strstr(line, "clamscan") || strstr(line, "clamdscan"))) {
					snprintf(out, outlen, "%s", paths[i]);
					break;
				}
			}
			free(buf);
		}
		rootfs_names_free(paths);
	}
	return 0;
}

static int scan_facts(struct av_scan *sc)
{
	struct facts *f = sc->ctx->facts;
	const char *name = "av.last_full_scan_age_days";
	char sched[512];
	scan_schedule(sc, sched, sizeof(sched));
	int r = sched[0] ? facts_put_str(f, "av.scan_scheduled", sched, sched, 0,
					 "runs clamscan or clamdscan")
			 : facts_put(f, "av.scan_scheduled", json_null(), NULL, 0,
				     "no cron job or systemd unit runs clamscan");
	if (r)
		return r;
	if (!sc->clamav) {
		if (sc->other_names[0])
			return facts_put_unknown(f, name, NULL, 0,
						 "mamori cannot read the scan history of %s: check "
						 "it in the product's own console",
						 sc->other_names);
		return facts_put_unknown(f, name, NULL, 0, "no antivirus product found");
	}
	char **names;
	size_t n;
	if (rootfs_list(sc->ctx, "/var/log/clamav", "*.log*", &names, &n))
		return facts_put_unknown(f, name, NULL, 0, "cannot list /var/log/clamav");
	struct clamlog_result best = {0};
	char best_path[512] = "", bad_why[1024] = "";
	int summaries = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		if ((l > 3 && strcmp(names[i] + l - 3, ".gz") == 0) ||
		    (l > 3 && strcmp(names[i] + l - 3, ".xz") == 0) ||
		    (l > 4 && strcmp(names[i] + l - 4, ".bz2") == 0) ||
		    (l > 4 && strcmp(names[i] + l - 4, ".zst") == 0))
			continue;
		char path[512], why[256], *buf;
		size_t len;
		snprintf(path, sizeof(path), "/var/log/clamav/%s", names[i]);
		r = rootfs_read(sc->ctx, path, 256u << 20, &buf, &len, why, sizeof(why));
		if (r == MAMORI_ENOMEM)
			break;
		if (r) {
			snprintf(bad_why, sizeof(bad_why), "%s", why);
			r = 0;
			continue;
		}
		struct clamlog_result res;
		int bad = 0;
		int pr = clamscan_log_parse(buf, len, &res, &bad);
		free(buf);
		if (pr) {
			snprintf(bad_why, sizeof(bad_why),
				 "%s:%d: malformed scan summary line (expected \"End Date: "
				 "YYYY:MM:DD HH:MM:SS\")",
				 path, bad);
			continue;
		}
		summaries += res.summaries;
		if (res.dated && (best.dated == 0 || res.newest_end > best.newest_end)) {
			best = res;
			snprintf(best_path, sizeof(best_path), "%s", path);
		}
	}
	rootfs_names_free(names);
	if (r)
		return r;
	char note[1024], date[16];
	if (best.dated) {
		format_date(best.newest_end, date, sizeof(date));
		snprintf(note, sizeof(note),
			 "newest scan summary ended %s (log time read as UTC)%s%s", date,
			 sched[0] ? "; scheduled by " : "", sched);
		return facts_put_int(f, name, age_days(sc->ctx, best.newest_end), best_path,
				     best.newest_line, note);
	}
	if (bad_why[0])
		return facts_put_unknown(f, name, NULL, 0, "%s", bad_why);
	return facts_put_unknown(f, name, NULL, 0, "no scan summary found in /var/log/clamav%s%s",
				 summaries ? " with an End Date (ClamAV older than 0.104?)" : "",
				 sched[0] ? " (a scheduled scan exists, but no --log output)" : "");
}

int probe_antivirus_collect(struct probe_ctx *ctx)
{
	struct av_scan *sc = calloc(1, sizeof(*sc));
	if (sc == NULL)
		return MAMORI_ENOMEM;
	sc->ctx = ctx;
	sc->dpkg_ok = sc->proc_ok = true;
	sc->products = json_array();
	int r = sc->products ? 0 : MAMORI_ENOMEM;
	if (r == 0)
		r = detect_clamav(sc);
	if (r == 0)
		r = detect_others(sc);
	if (r) {
		json_decref(sc->products);
		free(sc);
		return r;
	}
	size_t nfound = json_array_size(sc->products);
	if (nfound == 0 && !sc->dpkg_ok) {
		/* The package list is the main evidence; without it "nothing found" proves nothing.
		 */
		static const char *const names[] = {"av.products",
						    "av.installed",
						    "av.realtime",
						    "av.definitions_age_days",
						    "av.last_full_scan_age_days",
						    "av.scan_scheduled",
						    NULL};
		json_decref(sc->products);
		for (size_t i = 0; names[i] && r == 0; i++)
			r = facts_put_unknown(ctx->facts, names[i], NULL, 0, "%s", sc->dwhy);
		free(sc);
		return r;
	}
	char note[1024] = "found:";
	size_t i;
	json_t *it;
	json_array_foreach(sc->products, i, it)
	{
		size_t l = strlen(note);
		snprintf(note + l, sizeof(note) - l, "%s %s (%s)", i ? "," : "",
			 json_string_value(json_object_get(it, "name")),
			 json_string_value(json_object_get(it, "how")));
	}
	if (nfound == 0)
		snprintf(note, sizeof(note),
			 "no ClamAV, Defender, Sophos, ESET, Trend Micro, "
			 "CrowdStrike, Trellix or WithSecure found");
	r = facts_put_bool(ctx->facts, "av.installed", nfound > 0, NULL, 0, note);
	if (r == 0) {
		snprintf(note, sizeof(note), "packages, /opt directories%s",
			 sc->proc_ok ? " and processes" : "");
		r = facts_put(ctx->facts, "av.products", sc->products, NULL, 0, note);
	} else {
		json_decref(sc->products);
	}
	if (r == 0)
		r = realtime_fact(sc);
	if (r == 0)
		r = definitions_fact(sc);
	if (r == 0)
		r = scan_facts(sc);
	free(sc);
	return r;
}
