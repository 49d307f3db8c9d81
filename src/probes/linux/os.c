/* SPDX-License-Identifier: Apache-2.0 */
/* os.*: which distribution and release this is (/etc/os-release) and whether the release
 * still gets security updates (distro-info-data's debian.csv / ubuntu.csv). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "probes/linux/common.h"
#include "probes/linux/os.h"
#include "probes/linux/probes.h"

/* ---- distro-info CSV (pure) ---- */

static const char *const distro_col_names[DC_COUNT] = {
    [DC_CREATED] = "created", [DC_RELEASE] = "release",	      [DC_EOL] = "eol",
    [DC_EOL_LTS] = "eol-lts", [DC_EOL_ELTS] = "eol-elts",     [DC_EOL_SERVER] = "eol-server",
    [DC_EOL_ESM] = "eol-esm", [DC_EOL_LEGACY] = "eol-legacy",
};

/* What each column of the file holds: -1 ignored, -2 version, -3 codename, -4 series, or a
 * date column index. */
enum { COL_IGNORED = -1, COL_VERSION = -2, COL_CODENAME = -3, COL_SERIES = -4 };

struct csv_state {
	distro_row_fn fn;
	void *ud;
	bool header_done;
	int ncols;
	int cols[DISTRO_MAX_COLS];
};

/* Splits one line at commas into views; returns the field count or -1 when there are too
 * many fields or a quote (distro-info never quotes). */
static int csv_split(const char *s, size_t len, const char *fs[], size_t fl[])
{
	int n = 0;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] == '"')
			return -1;
		if (i == len || s[i] == ',') {
			if (n == DISTRO_MAX_COLS)
				return -1;
			fs[n] = s + start;
			fl[n] = i - start;
			str_trim(&fs[n], &fl[n]);
			n++;
			start = i + 1;
		}
	}
	return n;
}

static int csv_header(struct csv_state *st, const char *fs[], const size_t fl[], int n)
{
	bool seen_version = false, seen_series = false;
	for (int i = 0; i < n; i++) {
		st->cols[i] = COL_IGNORED;
		if (fl[i] == 7 && memcmp(fs[i], "version", 7) == 0) {
			st->cols[i] = COL_VERSION;
			seen_version = true;
		} else if (fl[i] == 8 && memcmp(fs[i], "codename", 8) == 0) {
			st->cols[i] = COL_CODENAME;
		} else if (fl[i] == 6 && memcmp(fs[i], "series", 6) == 0) {
			st->cols[i] = COL_SERIES;
			seen_series = true;
		} else {
			for (int c = 0; c < DC_COUNT; c++)
				if (fl[i] == strlen(distro_col_names[c]) &&
				    memcmp(fs[i], distro_col_names[c], fl[i]) == 0)
					st->cols[i] = c;
		}
	}
	bool seen_eol = false;
	for (int i = 0; i < n; i++)
		seen_eol |= st->cols[i] == DC_EOL;
	if (!seen_version || !seen_series || !seen_eol)
		return MAMORI_EPARSE;
	st->ncols = n;
	st->header_done = true;
	return 0;
}

static int csv_line(const char *s, size_t len, int lineno, void *ud)
{
	struct csv_state *st = ud;
	if (len && s[len - 1] == '\r')
		len--;
	const char *fs[DISTRO_MAX_COLS];
	size_t fl[DISTRO_MAX_COLS];
	const char *t = s;
	size_t tl = len;
	str_trim(&t, &tl);
	if (tl == 0 || t[0] == '#')
		return 0;
	int n = csv_split(s, len, fs, fl);
	if (n < 0)
		return MAMORI_EPARSE;
	if (!st->header_done)
		return csv_header(st, fs, fl, n);
	if (n > st->ncols)
		return MAMORI_EPARSE;
	char text[3][DISTRO_FIELD_MAX];
	struct distro_row row = {.version = "", .codename = "", .series = "", .line = lineno};
	for (int i = 0; i < n; i++) {
		int c = st->cols[i];
		if (c == COL_IGNORED)
			continue;
		if (c < 0) {
			int k = c == COL_VERSION ? 0 : c == COL_CODENAME ? 1 : 2;
			if (fl[i] >= DISTRO_FIELD_MAX)
				return MAMORI_EPARSE;
			memcpy(text[k], fs[i], fl[i]);
			text[k][fl[i]] = '\0';
			const char **slot = k == 0   ? &row.version
					    : k == 1 ? &row.codename
						     : &row.series;
			*slot = text[k];
			continue;
		}
		if (fl[i] == 0)
			continue; /* not announced (yet) */
		char d[11];
		if (fl[i] != 10)
			return MAMORI_EPARSE;
		memcpy(d, fs[i], 10);
		d[10] = '\0';
		if (parse_date(d, &row.date[c]))
			return MAMORI_EPARSE;
		row.has[c] = true;
	}
	if (row.series[0] == '\0')
		return MAMORI_EPARSE;
	return st->fn(&row, st->ud);
}

int distro_csv_parse(const char *buf, size_t len, distro_row_fn fn, void *ud, int *bad_line)
{
	struct csv_state st = {.fn = fn, .ud = ud};
	int r = for_each_line(buf, len, DISTRO_LINE_MAX, csv_line, &st, bad_line);
	if (r == MAMORI_ETOOBIG)
		r = MAMORI_EPARSE;
	if (r == 0 && !st.header_done) {
		*bad_line = 1;
		r = MAMORI_EPARSE;
	}
	return r;
}

/* ---- os-release ---- */

struct os_field {
	const char *key;
	const char *fact;
	char value[256];
	int line;
};

enum {
	OSF_ID,
	OSF_VERSION_ID,
	OSF_CODENAME,
	OSF_PRETTY,
	OSF_ID_LIKE,
	OSF_UBUNTU_CODENAME,
	OSF_COUNT
};

static int os_release_cb(const char *key, const char *value, int line, void *ud)
{
	struct os_field *f = ud;
	for (int i = 0; i < OSF_COUNT; i++) {
		if (strcmp(key, f[i].key) == 0) {
			/* The shell semantics of the file: a later assignment wins. */
			snprintf(f[i].value, sizeof(f[i].value), "%s", value);
			f[i].line = line;
		}
	}
	return 0;
}

/* ---- support dates ---- */

struct distro_match {
	const char *codename; /* matched against series */
	const char *version;  /* matched against the version column's first word */
	bool found;
	struct distro_row row;
	char version_buf[DISTRO_FIELD_MAX], series_buf[DISTRO_FIELD_MAX];
};

static int match_cb(const struct distro_row *row, void *ud)
{
	struct distro_match *m = ud;
	bool hit;
	if (m->codename[0])
		hit = c_strcasecmp(row->series, m->codename) == 0;
	else {
		size_t vl = strcspn(row->version, " ");
		hit = m->version[0] && vl == strlen(m->version) &&
		      memcmp(row->version, m->version, vl) == 0;
	}
	if (!hit)
		return 0;
	m->found = true;
	m->row = *row;
	snprintf(m->version_buf, sizeof(m->version_buf), "%s", row->version);
	snprintf(m->series_buf, sizeof(m->series_buf), "%s", row->series);
	m->row.version = m->version_buf;
	m->row.series = m->series_buf;
	m->row.codename = "";
	return 1; /* stop at the first match */
}

static int row_richness(const struct distro_row *r)
{
	int n = 0;
	for (int i = 0; i < DC_COUNT; i++)
		n += r->has[i];
	return n;
}

/* Copies a match; its row's strings point into its own buffers. */
static void match_take(struct distro_match *dst, const struct distro_match *src)
{
	*dst = *src;
	dst->row.version = dst->version_buf;
	dst->row.series = dst->series_buf;
}

static const struct catalog_file *embedded_file(const char *name)
{
	for (size_t i = 0; i < catalog_embedded_count; i++)
		if (strcmp(catalog_embedded[i].name, name) == 0)
			return &catalog_embedded[i];
	return NULL;
}

/* Looks the release up in the root's copy and in the built-in copy, and keeps the row that
 * knows more dates (an old distro-info-data may lack the LTS date added later); the root's
 * copy wins a tie. notes receives what was ignored and why. */
static int find_release(struct probe_ctx *ctx, const char *table, struct distro_match *best,
			char *src, size_t srclen, char *notes, size_t noteslen)
{
	char path[128], builtin[128];
	snprintf(path, sizeof(path), "/usr/share/distro-info/%s.csv", table);
	snprintf(builtin, sizeof(builtin), "data/%s.csv", table);
	notes[0] = '\0';
	char *buf;
	size_t len;
	char why[256];
	int r = rootfs_read(ctx, path, 1u << 20, &buf, &len, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r == 0) {
		struct distro_match m = {.codename = best->codename, .version = best->version};
		int bad = 0;
		r = distro_csv_parse(buf, len, match_cb, &m, &bad);
		free(buf);
		if (r < 0)
			snprintf(notes, noteslen, "ignored %s:%d: malformed line; ", path, bad);
		else if (m.found) {
			match_take(best, &m);
			snprintf(src, srclen, "%s", path);
		}
	}
	const struct catalog_file *cf = embedded_file(builtin);
	if (cf) {
		struct distro_match m = {.codename = best->codename, .version = best->version};
		int bad = 0;
		r = distro_csv_parse(cf->text, cf->len, match_cb, &m, &bad);
		if (r >= 0 && m.found &&
		    (!best->found || row_richness(&m.row) > row_richness(&best->row))) {
			match_take(best, &m);
			snprintf(src, srclen, "mamori built-in %s", builtin);
		}
	}
	return 0;
}

static long long days_between(long long from, long long to)
{
	long long d = to - from;
	return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

static int put_date_or_null(struct facts *f, const char *name, bool has, long long t,
			    const char *src, int line, const char *note)
{
	if (!has)
		return facts_put(f, name, json_null(), src, line, note);
	char d[16];
	format_date(t, d, sizeof(d));
	return facts_put_str(f, name, d, src, line, note);
}

static int put_support_unknown(struct facts *f, const char *src, int line, const char *reason)
{
	static const char *const names[] = {"os.support_state", "os.eol_date",
					    "os.extended_eol_date", "os.support_days_left"};
	for (size_t i = 0; i < 4; i++) {
		int r = facts_put_unknown(f, names[i], src, line, "%s", reason);
		if (r)
			return r;
	}
	return 0;
}

static int support_facts(struct probe_ctx *ctx, const struct os_field *osf, const char *osfile)
{
	struct facts *f = ctx->facts;
	const char *id = osf[OSF_ID].value;
	bool debian = strcmp(id, "debian") == 0, ubuntu = strcmp(id, "ubuntu") == 0;
	char reason[1024];
	if (!debian && !ubuntu) {
		snprintf(reason, sizeof(reason),
			 "no support dates are known for ID=%s (%s:%d): only Debian and Ubuntu "
			 "are covered",
			 id, osfile, osf[OSF_ID].line);
		return put_support_unknown(f, osfile, osf[OSF_ID].line, reason);
	}
	/* Debian testing and unstable have no VERSION_ID and no security support dates. */
	if (debian && osf[OSF_VERSION_ID].line == 0) {
		snprintf(reason, sizeof(reason),
			 "%s has no VERSION_ID: Debian testing or unstable (%s), which has no "
			 "published security support period",
			 osfile, osf[OSF_PRETTY].value);
		return put_support_unknown(f, osfile, 0, reason);
	}
	const char *codename = osf[OSF_CODENAME].value;
	if (ubuntu && codename[0] == '\0')
		codename = osf[OSF_UBUNTU_CODENAME].value;
	struct distro_match m = {.codename = codename, .version = osf[OSF_VERSION_ID].value};
	char src[160] = "", notes[256];
	const char *table = debian ? "debian" : "ubuntu";
	int r = find_release(ctx, table, &m, src, sizeof(src), notes, sizeof(notes));
	if (r)
		return r;
	char name[192];
	snprintf(name, sizeof(name), "%s %.63s (%.63s)", debian ? "Debian" : "Ubuntu",
		 m.found ? m.row.version : osf[OSF_VERSION_ID].value,
		 m.found ? m.row.series : codename);
	if (!m.found) {
		snprintf(reason, sizeof(reason),
			 "%s%s is not listed in /usr/share/distro-info/%s.csv nor in mamori's "
			 "built-in copy",
			 notes, name, table);
		return put_support_unknown(f, osfile, 0, reason);
	}
	const struct distro_row *row = &m.row;
	if (!row->has[DC_RELEASE] || row->date[DC_RELEASE] > ctx->now) {
		snprintf(reason, sizeof(reason),
			 "%s%s is not released yet (%s:%d): a development release has no security "
			 "support period",
			 notes, name, src, row->line);
		return put_support_unknown(f, src, row->line, reason);
	}
	/* The regular end and the free extended end; the paid ones are only mentioned. */
	int ext_col = debian ? DC_EOL_LTS : DC_EOL_ESM;
	int paid_col = debian ? DC_EOL_ELTS : DC_EOL_LEGACY;
	const char *ext_name = debian ? "LTS" : "ESM (Ubuntu Pro)";
	const char *paid_name = debian ? "paid Freexian ELTS" : "paid Ubuntu Legacy support";
	const char *regular = debian ? "regular security support" : "standard support";
	bool has_eol = row->has[DC_EOL];
	long long eol = row->date[DC_EOL];
	bool has_ext = false;
	long long ext = 0;
	for (int c = 0; c < DC_COUNT; c++) {
		/* Ubuntu's older LTS servers were supported longer than desktops: that period
		 * counts as extended for a (desktop) telework PC. */
		if ((c == ext_col || (ubuntu && c == DC_EOL_SERVER)) && row->has[c] &&
		    (!has_eol || row->date[c] > eol) && (!has_ext || row->date[c] > ext)) {
			has_ext = true;
			ext = row->date[c];
		}
	}
	char eold[16] = "", extd[16] = "", paidd[16] = "", paidnote[128] = "";
	if (has_eol)
		format_date(eol, eold, sizeof(eold));
	if (has_ext)
		format_date(ext, extd, sizeof(extd));
	if (row->has[paid_col]) {
		format_date(row->date[paid_col], paidd, sizeof(paidd));
		snprintf(paidnote, sizeof(paidnote), " (%s until %s is not counted)", paid_name,
			 paidd);
	}
	const char *state;
	char note[768];
	long long days = 0;
	bool days_known = true;
	if (!has_eol) {
		state = "supported";
		days_known = false;
		snprintf(note, sizeof(note), "%s%s is released and no end of %s is announced yet",
			 notes, name, regular);
	} else if (ctx->now < eol) {
		state = "supported";
		days = days_between(ctx->now, eol);
		if (has_ext)
			snprintf(note, sizeof(note), "%s%s has %s until %s; %s until %s%s", notes,
				 name, regular, eold, ext_name, extd, paidnote);
		else
			snprintf(note, sizeof(note), "%s%s has %s until %s%s", notes, name, regular,
				 eold, paidnote);
	} else if (has_ext && ctx->now < ext) {
		state = "extended";
		days = days_between(ctx->now, ext);
		snprintf(note, sizeof(note), "%s%s left %s on %s; %s until %s%s", notes, name,
			 regular, eold, ext_name, extd, paidnote);
	} else {
		state = "ended";
		days = days_between(ctx->now, has_ext ? ext : eol);
		if (has_ext)
			snprintf(note, sizeof(note), "%s%s left %s on %s and %s on %s%s", notes,
				 name, regular, eold, ext_name, extd, paidnote);
		else
			snprintf(note, sizeof(note), "%s%s left %s on %s%s", notes, name, regular,
				 eold, paidnote);
	}
	r = facts_put_str(f, "os.support_state", state, src, row->line, note);
	if (r == 0)
		r = put_date_or_null(f, "os.eol_date", has_eol, eol, src, row->line,
				     debian ? "column eol" : "column eol");
	if (r == 0)
		r = put_date_or_null(f, "os.extended_eol_date", has_ext, ext, src, row->line,
				     debian ? "column eol-lts (volunteer LTS)"
					    : "column eol-esm or eol-server");
	if (r)
		return r;
	if (!days_known)
		return facts_put_unknown(f, "os.support_days_left", src, row->line,
					 "no end-of-life date for %s in %s:%d", name, src,
					 row->line);
	return facts_put_int(f, "os.support_days_left", days, src, row->line,
			     strcmp(state, "supported") == 0 ? "days until regular support ends"
			     : strcmp(state, "extended") == 0
				 ? "days until extended support ends"
				 : "days since all free support ended (negative)");
}

int probe_os_collect(struct probe_ctx *ctx)
{
	static const char *const paths[] = {"/etc/os-release", "/usr/lib/os-release"};
	struct os_field osf[OSF_COUNT] = {
	    [OSF_ID] = {.key = "ID", .fact = "os.id"},
	    [OSF_VERSION_ID] = {.key = "VERSION_ID", .fact = "os.version_id"},
	    [OSF_CODENAME] = {.key = "VERSION_CODENAME", .fact = "os.codename"},
	    [OSF_PRETTY] = {.key = "PRETTY_NAME", .fact = "os.pretty_name"},
	    [OSF_ID_LIKE] = {.key = "ID_LIKE", .fact = "os.id_like"},
	    [OSF_UBUNTU_CODENAME] = {.key = "UBUNTU_CODENAME", .fact = NULL},
	};
	char why[512] = "", reason[768];
	const char *file = NULL;
	int r = MAMORI_ENOENT;
	for (size_t i = 0; i < 2; i++) {
		char *buf, w[256];
		size_t len;
		r = rootfs_read(ctx, paths[i], 64u << 10, &buf, &len, w, sizeof(w));
		if (r == MAMORI_ENOMEM)
			return r;
		if (r) {
			/* os-release(5): /etc first, /usr/lib only when /etc has none. */
			size_t o = strlen(why);
			snprintf(why + o, sizeof(why) - o, "%s%s", o ? "; " : "", w);
			continue;
		}
		file = paths[i];
		int bad = 0;
		r = kv_parse(buf, len, os_release_cb, osf, &bad);
		free(buf);
		if (r) {
			snprintf(why, sizeof(why), "%s:%d: malformed line (expected KEY=value)",
				 file, bad);
			r = MAMORI_EPARSE;
		}
		break;
	}
	if (r) {
		snprintf(reason, sizeof(reason), "%s", why);
		for (int i = 0; i < OSF_COUNT; i++) {
			if (osf[i].fact &&
			    (r = facts_put_unknown(ctx->facts, osf[i].fact, file, 0, "%s", reason)))
				return r;
		}
		return put_support_unknown(ctx->facts, file, 0, reason);
	}
	/* os-release(5) defaults: ID=linux, PRETTY_NAME="Linux". */
	if (osf[OSF_ID].line == 0)
		snprintf(osf[OSF_ID].value, sizeof(osf[OSF_ID].value), "linux");
	if (osf[OSF_PRETTY].line == 0)
		snprintf(osf[OSF_PRETTY].value, sizeof(osf[OSF_PRETTY].value), "Linux");
	for (int i = 0; i < OSF_COUNT && r == 0; i++) {
		struct os_field *o = &osf[i];
		if (o->fact == NULL)
			continue;
		if (o->line)
			r = facts_put_str(ctx->facts, o->fact, o->value, file, o->line, NULL);
		else if (i == OSF_ID || i == OSF_PRETTY)
			r = facts_put_str(ctx->facts, o->fact, o->value, file, 0,
					  "default (os-release(5)): not set");
		else if (i == OSF_ID_LIKE)
			r = facts_put_str(ctx->facts, o->fact, "", file, 0, "not set");
		else
			r = facts_put_unknown(ctx->facts, o->fact, file, 0, "%s sets no %s", file,
					      o->key);
	}
	if (r)
		return r;
	return support_facts(ctx, osf, file);
}
