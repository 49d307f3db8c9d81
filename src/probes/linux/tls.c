/* SPDX-License-Identifier: Apache-2.0 */
/* tls.*: the lowest TLS version the system's OpenSSL accepts by default, from openssl.cnf's
 * openssl_conf -> ssl_conf -> system_default chain (MinProtocol, CipherString @SECLEVEL) and
 * the installed OpenSSL's built-in rules. GnuTLS and NSS have their own settings (not read). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/tls.h"

#define OSSL_MAX_FILES 64
#define OSSL_MAX_DEPTH 8
#define OSSL_MAX_ITEMS 20000

/* ---- parser ---- */

struct ossl_state {
	ossl_conf_fn fn;
	void *ud;
	char *section; /* the caller's buffer, OSSL_SECTION_MAX bytes */
	char *acc;
	size_t acclen;
	int start;
};

/* Copies a value: quotes removed, backslash escapes resolved, '#' outside quotes ends it. */
static int ossl_value(const char *s, size_t len, char *out, size_t outlen)
{
	size_t o = 0;
	char q = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (q) {
			if (c == q) {
				q = 0;
				continue;
			}
			if (c == '\\' && q == '"' && i + 1 < len)
				c = s[++i];
		} else if (c == '"' || c == '\'') {
			q = c;
			continue;
		} else if (c == '#') {
			break;
		} else if (c == '\\' && i + 1 < len) {
			c = s[++i];
			c = c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
		}
		if (o + 1 >= outlen)
			return MAMORI_EPARSE;
		out[o++] = c;
	}
	if (q)
		return MAMORI_EPARSE;
	while (o && c_isspace((unsigned char)out[o - 1]))
		o--;
	out[o] = '\0';
	return 0;
}

static int ossl_logical(struct ossl_state *st)
{
	const char *s = st->acc;
	size_t len = st->acclen;
	st->acclen = 0;
	str_trim(&s, &len);
	if (len == 0 || s[0] == '#')
		return 0;
	char *val = malloc(OSSL_CONF_MAX_LINE + 1);
	if (val == NULL)
		return MAMORI_ENOMEM;
	int r = 0;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);
		const char *name = s + 1;
		size_t nl = close ? (size_t)(close - name) : 0;
		str_trim(&name, &nl);
		if (close == NULL || nl == 0 || nl >= OSSL_SECTION_MAX)
			r = MAMORI_EPARSE;
		else
			snprintf(st->section, OSSL_SECTION_MAX, "%.*s", (int)nl, name);
	} else if (s[0] == '.' && (len > 8 && memcmp(s, ".include", 8) == 0 &&
				   (c_isspace((unsigned char)s[8]) || s[8] == '='))) {
		const char *v = s + 8;
		size_t vl = len - 8;
		str_trim(&v, &vl);
		if (vl && v[0] == '=') {
			v++;
			vl--;
			str_trim(&v, &vl);
		}
		r = ossl_value(v, vl, val, OSSL_CONF_MAX_LINE + 1);
		if (r == 0 && val[0] == '\0')
			r = MAMORI_EPARSE;
		if (r == 0)
			r = st->fn(st->section, ".include", val, st->start, st->ud);
	} else if (len > 7 && memcmp(s, ".pragma", 7) == 0) {
		r = st->fn(st->section, ".pragma", "", st->start, st->ud);
	} else {
		const char *eq = memchr(s, '=', len);
		if (eq == NULL) {
			r = MAMORI_EPARSE;
		} else {
			const char *k = s;
			size_t kl = (size_t)(eq - s);
			str_trim(&k, &kl);
			const char *v = eq + 1;
			size_t vl = (size_t)(s + len - v);
			str_trim(&v, &vl);
			char key[256];
			if (kl == 0 || kl >= sizeof(key)) {
				r = MAMORI_EPARSE;
			} else {
				snprintf(key, sizeof(key), "%.*s", (int)kl, k);
				r = ossl_value(v, vl, val, OSSL_CONF_MAX_LINE + 1);
				if (r == 0)
					r = st->fn(st->section, key, val, st->start, st->ud);
			}
		}
	}
	free(val);
	return r;
}

static int ossl_line(const char *s, size_t len, int lineno, void *ud)
{
	struct ossl_state *st = ud;
	if (st->acclen == 0)
		st->start = lineno;
	size_t l = len;
	while (l && c_isspace((unsigned char)s[l - 1]))
		l--;
	/* An odd number of trailing backslashes continues the line. */
	size_t bs = 0;
	while (bs < l && s[l - 1 - bs] == '\\')
		bs++;
	bool cont = bs % 2 == 1;
	if (cont)
		l--;
	if (st->acclen + l + 1 > OSSL_CONF_MAX_LINE)
		return MAMORI_ETOOBIG;
	memcpy(st->acc + st->acclen, s, l);
	st->acclen += l;
	if (cont)
		return 0;
	return ossl_logical(st);
}

int ossl_conf_parse(const char *buf, size_t len, char *section, ossl_conf_fn fn, void *ud,
		    int *bad_line)
{
	struct ossl_state st = {.fn = fn, .ud = ud, .section = section};
	st.acc = malloc(OSSL_CONF_MAX_LINE + 1);
	if (st.acc == NULL)
		return MAMORI_ENOMEM;
	int r = for_each_line(buf, len, OSSL_CONF_MAX_LINE, ossl_line, &st, bad_line);
	if (r == 0 && st.acclen)
		r = ossl_logical(&st);
	if (r == MAMORI_EPARSE || r == MAMORI_ETOOBIG)
		*bad_line = st.start ? st.start : *bad_line;
	free(st.acc);
	return r == MAMORI_ETOOBIG ? MAMORI_EPARSE : r;
}

int tls_protocol_rank(const char *name)
{
	static const struct {
		const char *name;
		int rank;
	} t[] = {{"None", 0},	  {"SSLv3", 3},	   {"TLSv1", 10},  {"TLSv1.0", 10},
		 {"TLSv1.1", 11}, {"TLSv1.2", 12}, {"TLSv1.3", 13}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (c_strcasecmp(name, t[i].name) == 0)
			return t[i].rank;
	if (c_strncasecmp(name, "DTLSv1", 6) == 0)
		return -2;
	return -1;
}

int tls_cipher_seclevel(const char *cs)
{
	int level = -1;
	for (const char *p = cs; (p = strstr(p, "@SECLEVEL=")) != NULL; p++) {
		const char *d = p + 10;
		size_t l = strspn(d, "0123456789");
		long long v;
		const char *err;
		level = l && strn_to_ll(d, l, 0, 5, &v, &err) == 0 ? (int)v : -1;
	}
	return level;
}

/* ---- the probe ---- */

struct ossl_item {
	char *section, *name, *value;
	const char *file;
	int line;
};

struct ossl_read {
	struct probe_ctx *ctx;
	struct ossl_item *items;
	size_t n;
	char *files[OSSL_MAX_FILES];
	size_t nfiles;
	const char *cur; /* the file being parsed */
	char *cursec;	 /* its parser's current section */
	int depth;
	char why[512];
};

static int ossl_read_file(struct ossl_read * or, const char *path, char *section);

static int ossl_include(struct ossl_read * or, const char *value, const char *from, int line)
{
	char full[1024];
	/* Relative includes are looked up from the directory of the default file. */
	snprintf(full, sizeof(full), "%s%s", value[0] == '/' ? "" : "/etc/ssl/", value);
	if (or->depth >= OSSL_MAX_DEPTH) {
		snprintf(or->why, sizeof(or->why),
			 "%.300s:%d: .include nested deeper than %d (an include loop?); mamori "
			 "stops there",
			 from, line, OSSL_MAX_DEPTH);
		return MAMORI_ETOOBIG;
	}
	struct stat st;
	if (rootfs_stat(or->ctx, full, &st) != 0)
		return 0; /* OpenSSL ignores a missing include */
	or->depth++;
	int r = 0;
	char *psec = or->cursec; /* the includer's section, carried from file to file */
	if (S_ISDIR(st.st_mode)) {
		/* A directory: its *.cnf and *.conf files. */
		static const char *const pats[] = {"*.cnf", "*.conf"};
		for (size_t p = 0; p < 2 && r == 0; p++) {
			char **names = NULL;
			size_t n = 0;
			r = rootfs_list(or->ctx, full, pats[p], &names, &n);
			for (size_t i = 0; r == 0 && i < n; i++) {
				char path[1400];
				snprintf(path, sizeof(path), "%s/%s", full, names[i]);
				r = ossl_read_file(or, path, psec);
			}
			if (names)
				rootfs_names_free(names);
		}
	} else {
		r = ossl_read_file(or, full, psec);
	}
	or->depth--;
	return r;
}

static int ossl_item_fn(const char *section, const char *name, const char *value, int line,
			void *ud)
{
	struct ossl_read * or = ud;
	const char *file = or->cur;
	if (strcmp(name, ".include") == 0) {
		char *sec = or->cursec;
		int r = ossl_include(or, value, file, line);
		or->cur = file;
		or->cursec = sec;
		return r;
	}
	if (name[0] == '.')
		return 0;
	if (or->n >= OSSL_MAX_ITEMS)
		return MAMORI_ETOOBIG;
	struct ossl_item *v = realloc(or->items, (or->n + 1) * sizeof(*v));
	if (v == NULL)
		return MAMORI_ENOMEM;
	or->items = v;
	struct ossl_item *it = &v[or->n];
	it->section = xstrdup(section);
	it->name = xstrdup(name);
	it->value = xstrdup(value);
	it->file = file;
	it->line = line;
	or->n++;
	return it->section && it->name && it->value ? 0 : MAMORI_ENOMEM;
}

/* Parses path with section as its starting (and, on return, final) section. */
static int ossl_read_file(struct ossl_read * or, const char *path, char *section)
{
	if (or->nfiles >= OSSL_MAX_FILES) {
		snprintf(or->why, sizeof(or->why), "more than %d OpenSSL configuration files",
			 OSSL_MAX_FILES);
		return MAMORI_ETOOBIG;
	}
	char *buf;
	size_t len;
	int r = rootfs_read(or->ctx, path, ROOTFS_MAX_FILE, &buf, &len, or->why, sizeof(or->why));
	if (r)
		return r;
	or->files[or->nfiles] = xstrdup(path);
	if (or->files[or->nfiles] == NULL) {
		free(buf);
		return MAMORI_ENOMEM;
	}
	or->nfiles++;
	int bad = 0;
	or->cur = or->files[or->nfiles - 1];
	/* The file continues in the includer's section and leaves it where it ended. */
	char sec[OSSL_SECTION_MAX];
	snprintf(sec, sizeof(sec), "%s", section);
	char *saved = or->cursec;
	or->cursec = sec;
	r = ossl_conf_parse(buf, len, sec, ossl_item_fn, or, &bad);
	or->cursec = saved;
	snprintf(section, OSSL_SECTION_MAX, "%s", sec);
	free(buf);
	/* An include nested too deep (or a loop) already said so: keep that reason. */
	if (r == MAMORI_EPARSE && or->why[0] == '\0')
		snprintf(or->why, sizeof(or->why), "%s:%d: malformed line (expected name = value)",
			 path, bad);
	return r;
}

/* The last value of name in section (OpenSSL keeps the last); case-insensitive names for
 * SSL_CONF commands. */
static const struct ossl_item *ossl_get(const struct ossl_read * or, const char *section,
					const char *name, bool nocase)
{
	const struct ossl_item *found = NULL;
	for (size_t i = 0; i < or->n; i++)
		if (strcmp(or->items[i].section, section) == 0 &&
		    (nocase ? c_strcasecmp(or->items[i].name, name)
			    : strcmp(or->items[i].name, name)) == 0)
			found = & or->items[i];
	return found;
}

static void ossl_free(struct ossl_read * or)
{
	for (size_t i = 0; i < or->n; i++) {
		free(or->items[i].section);
		free(or->items[i].name);
		free(or->items[i].value);
	}
	free(or->items);
	for (size_t i = 0; i < or->nfiles; i++)
		free(or->files[i]);
	free(or);
}

static const char *rank_name(int rank)
{
	switch (rank) {
	case 3:
		return "SSLv3";
	case 10:
		return "TLSv1";
	case 11:
		return "TLSv1.1";
	case 12:
		return "TLSv1.2";
	case 13:
		return "TLSv1.3";
	default:
		return "none";
	}
}

static int tls_unknown_all(struct probe_ctx *ctx, const char *src, int line, const char *why,
			   bool with_version)
{
	static const char *const names[] = {"tls.openssl_version", "tls.min_protocol_configured",
					    "tls.seclevel", "tls.effective_min_protocol",
					    "tls.effective_min_protocol_rank"};
	int r = 0;
	for (size_t i = with_version ? 0 : 1; i < 5 && r == 0; i++)
		r = facts_put_unknown(ctx->facts, names[i], src, line, "%s", why);
	return r;
}

/* Records tls.openssl_version; has3 and has11 say which libraries are installed (both 0 and
 * the facts recorded unknown when neither can be told). */
static int tls_version(struct probe_ctx *ctx, int *has3, int *has11)
{
	char why[512] = "";
	const char *v3 = NULL, *v11 = NULL;
	*has3 = *has11 = 0;
	int r3 = pkg_installed(ctx, "libssl3", &v3, why, sizeof(why));
	if (r3 == MAMORI_ENOMEM)
		return r3;
	if (r3 < 0)
		return tls_unknown_all(ctx, "/var/lib/dpkg/status", 0, why, true) ? MAMORI_ENOMEM
										  : 0;
	int r11 = pkg_installed(ctx, "libssl1.1", &v11, why, sizeof(why));
	if (r11 == MAMORI_ENOMEM)
		return r11;
	if (r3 == 0) /* Ubuntu 24.04 and Debian 13 name it libssl3t64 */
		r3 = pkg_installed(ctx, "libssl3t64", &v3, why, sizeof(why));
	if (r3 == 0 && r11 == 0)
		return tls_unknown_all(ctx, "/var/lib/dpkg/status", 0,
				       "no OpenSSL library package (libssl3, libssl1.1) installed",
				       true)
			   ? MAMORI_ENOMEM
			   : 0;
	char ver[256];
	snprintf(ver, sizeof(ver), "%s%s%s%s%s", r3 ? "libssl3 " : "", r3 ? v3 : "",
		 r3 && r11 ? ", " : "", r11 ? "libssl1.1 " : "", r11 ? v11 : "");
	int r = facts_put_str(ctx->facts, "tls.openssl_version", r3 ? v3 : v11,
			      "/var/lib/dpkg/status", 0, ver);
	if (r)
		return r;
	*has3 = r3;
	*has11 = r11;
	return 0;
}

int probe_tls_collect(struct probe_ctx *ctx)
{
	static const char conf[] = "/etc/ssl/openssl.cnf";
	int r3 = 0, r11 = 0;
	struct ossl_read * or = calloc(1, sizeof(* or));
	if (or == NULL)
		return MAMORI_ENOMEM;
	or->ctx = ctx;
	char section[OSSL_SECTION_MAX] = "default";
	int r = ossl_read_file(or, conf, section);
	bool have_conf = r == 0;
	if (r == MAMORI_ENOMEM) {
		ossl_free(or);
		return r;
	}
	if (r && r != MAMORI_ENOENT) {
		/* Without the configuration nothing can be said, whatever the version. */
		r = tls_unknown_all(ctx, conf, 0, or->why, true);
		ossl_free(or);
		return r;
	}
	r = tls_version(ctx, &r3, &r11);
	if (r < 0 || r3 + r11 == 0) {
		ossl_free(or);
		return r < 0 ? r : 0;
	}
	/* openssl_conf (default section) -> ssl_conf -> system_default. */
	const struct ossl_item *chain = NULL, *minp = NULL, *cs = NULL;
	char path[600] = "";
	if (have_conf && (chain = ossl_get(or, "default", "openssl_conf", false)) != NULL) {
		const struct ossl_item *ssl = ossl_get(or, chain->value, "ssl_conf", false);
		const struct ossl_item *sd =
		    ssl ? ossl_get(or, ssl->value, "system_default", false) : NULL;
		if (sd) {
			minp = ossl_get(or, sd->value, "MinProtocol", true);
			cs = ossl_get(or, sd->value, "CipherString", true);
			snprintf(path, sizeof(path), "[%s] ssl_conf = %s, system_default = %s",
				 chain->value, ssl->value, sd->value);
		}
	}
	/* MinProtocol */
	int minrank = 0;
	if (minp) {
		minrank = tls_protocol_rank(minp->value);
		if (minrank == -1 || strchr(minp->value, '$')) {
			r = facts_put_unknown(ctx->facts, "tls.min_protocol_configured", minp->file,
					      minp->line,
					      "%s:%d: MinProtocol \"%s\" is not a protocol name",
					      minp->file, minp->line, minp->value);
			if (r == 0)
				r = tls_unknown_all(ctx, minp->file, minp->line,
						    "MinProtocol is not understood", false);
			ossl_free(or);
			return r;
		}
		if (minrank == -2)
			minrank = 0; /* a DTLS minimum does not limit TLS */
		char note[800];
		snprintf(note, sizeof(note), "MinProtocol = %s (%s)", minp->value, path);
		r = facts_put_str(ctx->facts, "tls.min_protocol_configured", minp->value,
				  minp->file, minp->line, note);
	} else {
		r = facts_put_str(
		    ctx->facts, "tls.min_protocol_configured", "none", have_conf ? conf : NULL, 0,
		    have_conf ? (path[0] ? "no MinProtocol in system_default"
					 : "no openssl_conf -> ssl_conf -> system_default chain")
			      : "no /etc/ssl/openssl.cnf");
	}
	if (r)
		goto out;
	/* Security level: @SECLEVEL in CipherString, else OpenSSL's built-in default of 1. */
	int level = cs ? tls_cipher_seclevel(cs->value) : -1;
	bool level_default = level < 0;
	if (level_default)
		level = 1;
	char lnote[800];
	snprintf(lnote, sizeof(lnote),
		 level_default ? "default (no @SECLEVEL%s%s)" : "CipherString = %s",
		 cs ? (level_default ? " in " : cs->value) : "",
		 cs && level_default ? cs->value : "");
	r = facts_put_int(ctx->facts, "tls.seclevel", level, cs && !level_default ? cs->file : NULL,
			  cs && !level_default ? cs->line : 0, lnote);
	if (r)
		goto out;
	/* OpenSSL 3 refuses TLS 1.0/1.1 from security level 1 on (their SHA-1 signatures are
	 * too weak); OpenSSL 1.1 only obeys MinProtocol. With both installed, the weaker wins. */
	int floor3 = level >= 1 ? 12 : 10;
	int eff3 = minrank > floor3 ? minrank : floor3;
	int eff11 = minrank > 10 ? minrank : 10;
	int eff = r3 && r11 ? (eff3 < eff11 ? eff3 : eff11) : r3 ? eff3 : eff11;
	char enote[900];
	snprintf(enote, sizeof(enote), "%s, @SECLEVEL=%d%s: max(MinProtocol %s, %s)%s",
		 r3 ? "OpenSSL 3" : "OpenSSL 1.1", level, level_default ? " (default)" : "",
		 minrank ? rank_name(minrank) : "none",
		 r3 ? (level >= 1 ? "TLSv1.2 as the security level is >= 1"
				  : "TLSv1 at security level 0")
		    : "TLSv1",
		 r3 && r11 ? "; libssl1.1 is also installed and allows what MinProtocol allows"
			   : "");
	const char *esrc = minp && minrank >= eff ? minp->file : cs ? cs->file : NULL;
	int eline = minp && minrank >= eff ? minp->line : cs ? cs->line : 0;
	r = facts_put_str(ctx->facts, "tls.effective_min_protocol", rank_name(eff), esrc, eline,
			  enote);
	if (r == 0)
		r = facts_put_int(ctx->facts, "tls.effective_min_protocol_rank", eff, esrc, eline,
				  enote);
out:
	ossl_free(or);
	return r;
}
