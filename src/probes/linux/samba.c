/* SPDX-License-Identifier: Apache-2.0 */
/* smb.*: the effective [global] settings of Samba (server and client) that decide whether
 * SMB1 and NTLMv1/LANMAN authentication are allowed. smb.conf is read as Samba reads it:
 * include directives in place, continuation lines, keys compared without case or spaces,
 * the last value winning, and the compiled-in defaults of the installed version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/samba.h"

#define SMB_PROTO_NT1 4
#define SMB_MAX_INCLUDE_DEPTH 8
#define SMB_MAX_FILES 64

/* ---- parser ---- */

struct smb_state {
	smb_conf_fn fn;
	void *ud;
	char section[256];
	char *acc;
	size_t acclen;
	int start;
};

static int smb_logical(struct smb_state *st)
{
	const char *s = st->acc;
	size_t len = st->acclen;
	st->acclen = 0;
	str_trim(&s, &len);
	if (len == 0 || s[0] == '#' || s[0] == ';')
		return 0;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (close == NULL)
			return MAMORI_EPARSE;
		const char *name = s + 1;
		size_t nl = (size_t)(close - name);
		str_trim(&name, &nl);
		if (nl >= sizeof(st->section))
			return MAMORI_EPARSE;
		for (size_t i = 0; i < nl; i++)
			st->section[i] = (char)c_tolower((unsigned char)name[i]);
		st->section[nl] = '\0';
		return 0;
	}
	const char *eq = memchr(s, '=', len);
	if (eq == NULL)
		return 0; /* Samba ignores such lines with a warning */
	char key[256];
	size_t o = 0;
	for (const char *k = s; k < eq; k++) {
		if (c_isspace((unsigned char)*k))
			continue;
		if (o + 1 >= sizeof(key))
			return MAMORI_EPARSE;
		key[o++] = (char)c_tolower((unsigned char)*k);
	}
	key[o] = '\0';
	if (o == 0)
		return 0;
	const char *v = eq + 1;
	size_t vl = len - (size_t)(v - s);
	str_trim(&v, &vl);
	char *val = xstrndup(v, vl);
	if (val == NULL)
		return MAMORI_ENOMEM;
	int r = st->fn(st->section, key, val, st->start, st->ud);
	free(val);
	return r;
}

static int smb_line(const char *s, size_t len, int lineno, void *ud)
{
	struct smb_state *st = ud;
	if (st->acclen == 0)
		st->start = lineno;
	size_t l = len;
	while (l && c_isspace((unsigned char)s[l - 1]))
		l--;
	bool cont = l > 0 && s[l - 1] == '\\';
	if (cont)
		l--;
	if (st->acclen + l + 1 > SMB_CONF_MAX_LINE)
		return MAMORI_ETOOBIG;
	memcpy(st->acc + st->acclen, s, l);
	st->acclen += l;
	if (cont) {
		st->acc[st->acclen++] = ' ';
		return 0;
	}
	return smb_logical(st);
}

int smb_conf_parse(const char *buf, size_t len, const char *start_section, smb_conf_fn fn, void *ud,
		   int *bad_line)
{
	struct smb_state st = {.fn = fn, .ud = ud};
	snprintf(st.section, sizeof(st.section), "%s", start_section ? start_section : "global");
	st.acc = malloc(SMB_CONF_MAX_LINE + 1);
	if (st.acc == NULL)
		return MAMORI_ENOMEM;
	int r = for_each_line(buf, len, SMB_CONF_MAX_LINE, smb_line, &st, bad_line);
	if (r == 0 && st.acclen)
		r = smb_logical(&st);
	if (r == MAMORI_EPARSE || r == MAMORI_ETOOBIG)
		*bad_line = st.start ? st.start : *bad_line;
	free(st.acc);
	return r == MAMORI_ETOOBIG ? MAMORI_EPARSE : r;
}

int smb_protocol_rank(const char *name)
{
	static const struct {
		const char *name;
		int rank;
	} t[] = {{"CORE", 0},	 {"COREPLUS", 1}, {"LANMAN1", 2},  {"LANMAN2", 3},  {"NT1", 4},
		 {"SMB2_02", 5}, {"SMB2_10", 6},  {"SMB2", 6},	   {"SMB2_22", 7},  {"SMB2_24", 7},
		 {"SMB3_00", 8}, {"SMB3_02", 9},  {"SMB3_10", 10}, {"SMB3_11", 10}, {"SMB3", 10}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (c_strcasecmp(name, t[i].name) == 0)
			return t[i].rank;
	return -1;
}

/* ---- the probe ---- */

enum { K_SMIN, K_CMIN, K_NTLM, K_LANMAN, K_CNTLMV2, K_CLANMAN, K_N };

struct smb_setting {
	char value[128];
	char file[256];
	int line;
};

struct smb_read {
	struct probe_ctx *ctx;
	struct smb_setting set[K_N];
	const char *file; /* the file being parsed */
	int depth, nfiles;
	char why[512];
	char note[256]; /* includes not followed */
	bool restart;
	char restart_file[256];
};

static int smb_read_file(struct smb_read *sr, const char *path, const char *section);

static int smb_setting_fn(const char *section, const char *key, const char *value, int line,
			  void *ud)
{
	struct smb_read *sr = ud;
	if (strcmp(key, "include") == 0) {
		if (strchr(value, '%')) {
			/* Per-client macros (%m, %U...): which file applies depends on the peer. */
			snprintf(sr->note, sizeof(sr->note),
				 "; %s:%d: include with %% macros not followed", sr->file, line);
			return 0;
		}
		if (sr->depth >= SMB_MAX_INCLUDE_DEPTH) {
			snprintf(sr->why, sizeof(sr->why), "%s:%d: includes nested deeper than %d",
				 sr->file, line, SMB_MAX_INCLUDE_DEPTH);
			return MAMORI_ETOOBIG;
		}
		if (strcmp(value, "registry") == 0) {
			snprintf(sr->why, sizeof(sr->why),
				 "%s:%d: settings come from the registry, which is not read",
				 sr->file, line);
			return MAMORI_EINVAL;
		}
		/* Samba skips an include whose file does not exist. */
		if (!rootfs_exists(sr->ctx, value))
			return 0;
		const char *saved = sr->file;
		sr->depth++;
		int r = smb_read_file(sr, value, section);
		sr->depth--;
		sr->file = saved;
		return r;
	}
	if (strcmp(key, "configfile") == 0 && !sr->restart && rootfs_exists(sr->ctx, value)) {
		/* Samba starts over with that file. */
		sr->restart = true;
		snprintf(sr->restart_file, sizeof(sr->restart_file), "%s", value);
		return 1;
	}
	if (strcmp(key, "configbackend") == 0 && c_strcasecmp(value, "registry") == 0) {
		snprintf(
		    sr->why, sizeof(sr->why),
		    "%s:%d: config backend = registry: the settings are in the registry, which is "
		    "not read",
		    sr->file, line);
		return MAMORI_EINVAL;
	}
	if (strcmp(section, "global") != 0)
		return 0; /* these are global-only parameters; Samba ignores them in shares */
	static const char *const keys[][2] = {{"serverminprotocol", "minprotocol"},
					      {"clientminprotocol", NULL},
					      {"ntlmauth", NULL},
					      {"lanmanauth", NULL},
					      {"clientntlmv2auth", NULL},
					      {"clientlanmanauth", NULL}};
	for (int i = 0; i < K_N; i++)
		if (strcmp(key, keys[i][0]) == 0 || (keys[i][1] && strcmp(key, keys[i][1]) == 0)) {
			snprintf(sr->set[i].value, sizeof(sr->set[i].value), "%s", value);
			snprintf(sr->set[i].file, sizeof(sr->set[i].file), "%s", sr->file);
			sr->set[i].line = line;
		}
	return 0;
}

static int smb_read_file(struct smb_read *sr, const char *path, const char *section)
{
	if (++sr->nfiles > SMB_MAX_FILES) {
		snprintf(sr->why, sizeof(sr->why), "more than %d Samba configuration files",
			 SMB_MAX_FILES);
		return MAMORI_ETOOBIG;
	}
	char *buf;
	size_t len;
	int r = rootfs_read(sr->ctx, path, ROOTFS_MAX_FILE, &buf, &len, sr->why, sizeof(sr->why));
	if (r)
		return r;
	sr->file = path;
	int bad = 0;
	r = smb_conf_parse(buf, len, section, smb_setting_fn, sr, &bad);
	free(buf);
	if (r == MAMORI_EPARSE)
		snprintf(sr->why, sizeof(sr->why),
			 "%s:%d: malformed line (a section header needs "
			 "its closing bracket)",
			 path, bad);
	return r;
}

static bool smb_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "1", "on", NULL};
	static const char *const no[] = {"no", "false", "0", "off", NULL};
	for (size_t i = 0; yes[i]; i++)
		if (c_strcasecmp(v, yes[i]) == 0)
			return *out = true;
	for (size_t i = 0; no[i]; i++)
		if (c_strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	return false;
}

/* Samba's version from the package, to pick the compiled-in defaults. 1 installed, 0 not,
 * MAMORI_ENOMEM, or MAMORI_EIO when dpkg cannot be read (dwhy says why). */
static int smb_version(struct probe_ctx *ctx, char *ver, size_t verlen, int *major, int *minor,
		       char *dwhy, size_t dwhylen)
{
	static const char *const pkgs[] = {"samba", "samba-common-bin", "smbclient", "libsmbclient",
					   NULL};
	for (size_t i = 0; pkgs[i]; i++) {
		const char *v = NULL;
		int r = pkg_installed(ctx, pkgs[i], &v, dwhy, dwhylen);
		if (r == MAMORI_ENOMEM)
			return r;
		if (r < 0)
			return MAMORI_EIO; /* the same cached error for every package */
		if (r != 1 || v == NULL)
			continue;
		snprintf(ver, verlen, "%s %s", pkgs[i], v);
		const char *p = strchr(v, ':');
		p = p ? p + 1 : v;
		long long a, b;
		const char *err;
		size_t l1 = strspn(p, "0123456789");
		if (l1 && p[l1] == '.' && strn_to_ll(p, l1, 0, 1000, &a, &err) == 0) {
			const char *q = p + l1 + 1;
			size_t l2 = strspn(q, "0123456789");
			if (l2 && strn_to_ll(q, l2, 0, 1000, &b, &err) == 0) {
				*major = (int)a;
				*minor = (int)b;
			}
		}
		return 1;
	}
	return 0;
}

/* Signs of Samba that dpkg is not needed for: its programs, an enabled service, a running
 * daemon. 1 found (sign says which), 0 none, or MAMORI_ENOMEM. */
static int smb_other_evidence(struct probe_ctx *ctx, char *sign, size_t signlen)
{
	static const char *const bins[] = {"/usr/sbin/smbd", "/usr/sbin/nmbd", "/usr/bin/smbclient",
					   "/usr/bin/testparm", NULL};
	for (size_t i = 0; bins[i]; i++) {
		if (rootfs_exists(ctx, bins[i])) {
			snprintf(sign, signlen, "%s exists", bins[i]);
			return 1;
		}
	}
	static const char *const units[] = {"smbd.service", "nmbd.service", "samba-ad-dc.service",
					    NULL};
	char at[256];
	for (size_t i = 0; units[i]; i++) {
		int r = unit_enabled(ctx, units[i], at, sizeof(at));
		if (r < 0)
			return r;
		if (r == 1) {
			snprintf(sign, signlen, "%s is enabled (%.200s)", units[i], at);
			return 1;
		}
	}
	static const char *const procs[] = {"smbd", "nmbd", "samba", NULL};
	for (size_t i = 0; procs[i]; i++) {
		char why[256];
		int r = proc_running(ctx, procs[i], why, sizeof(why));
		if (r == MAMORI_ENOMEM)
			return r;
		if (r == 1) {
			snprintf(sign, signlen, "a %s process is running", procs[i]);
			return 1;
		}
	}
	return 0;
}

/* def NULL: the compiled-in default is not known (the Samba version cannot be learned);
 * defnote then says why. */
static int put_protocol(struct probe_ctx *ctx, const char *name, const char *smb1_name,
			const char *param, const struct smb_setting *s, const char *def,
			const char *defnote)
{
	const char *v = s->value[0] ? s->value : def;
	bool dflt = s->value[0] == '\0' || c_strcasecmp(s->value, "default") == 0;
	if (dflt && def == NULL) {
		int r = facts_put_unknown(ctx->facts, name, "/var/lib/dpkg/status", 0,
					  "no %s line: its default depends on the Samba version, "
					  "%s",
					  param, defnote);
		return r ? r
			 : facts_put_unknown(ctx->facts, smb1_name, "/var/lib/dpkg/status", 0,
					     "no %s line: its default depends on the Samba "
					     "version, %s",
					     param, defnote);
	}
	if (dflt)
		v = def;
	int rank = smb_protocol_rank(v);
	if (rank < 0) {
		int r = facts_put_unknown(ctx->facts, name, s->file, s->line,
					  "%s:%d: unknown protocol \"%s\"", s->file, s->line, v);
		return r ? r
			 : facts_put_unknown(ctx->facts, smb1_name, s->file, s->line,
					     "%s:%d: unknown protocol \"%s\"", s->file, s->line, v);
	}
	char note[800];
	snprintf(note, sizeof(note), "%s = %s (%s)", param, v, dflt ? defnote : "configured");
	int r = facts_put_str(ctx->facts, name, v, dflt ? NULL : s->file, dflt ? 0 : s->line, note);
	if (r == 0)
		r = facts_put_bool(ctx->facts, smb1_name, rank <= SMB_PROTO_NT1,
				   dflt ? NULL : s->file, dflt ? 0 : s->line, note);
	return r;
}

int probe_legacy_collect(struct probe_ctx *ctx)
{
	static const char conf[] = "/etc/samba/smb.conf";
	static const char *const names[] = {"smb.server_min_protocol", "smb.server_smb1",
					    "smb.client_min_protocol", "smb.client_smb1",
					    "smb.ntlmv1_allowed",      "smb.client_ntlmv1_allowed"};
	char ver[200] = "", dwhy[256] = "";
	int major = -1, minor = -1;
	int pk = smb_version(ctx, ver, sizeof(ver), &major, &minor, dwhy, sizeof(dwhy));
	if (pk == MAMORI_ENOMEM)
		return pk;
	bool present = rootfs_exists(ctx, conf);
	int r;
	if (pk < 0 && !present) {
		/* dpkg cannot say; a Samba program, service or process still can. */
		char sign[300];
		r = smb_other_evidence(ctx, sign, sizeof(sign));
		if (r < 0)
			return r;
		if (r == 0) {
			char reason[700];
			snprintf(reason, sizeof(reason),
				 "Samba packages cannot be checked (%s), no %s, and no Samba "
				 "program, service or process",
				 dwhy, conf);
			r = facts_put_unknown(ctx->facts, "smb.installed", "/var/lib/dpkg/status",
					      0, "%s", reason);
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && r == 0; i++)
				r = facts_put_unknown(ctx->facts, names[i], "/var/lib/dpkg/status",
						      0, "%s", reason);
			return r;
		}
		char note[700];
		snprintf(note, sizeof(note),
			 "%s (Samba packages cannot be checked: %s); no %s: compiled-in defaults",
			 sign, dwhy, conf);
		r = facts_put_bool(ctx->facts, "smb.installed", true, NULL, 0, note);
		if (r)
			return r;
	} else if (!present) {
		char note[300];
		snprintf(note, sizeof(note),
			 pk ? "%s installed, no %s: compiled-in defaults"
			    : "no %s%s and no Samba package",
			 pk ? ver : conf, pk ? conf : "");
		r = facts_put_bool(ctx->facts, "smb.installed", pk == 1,
				   pk ? "/var/lib/dpkg/status" : conf, 0, note);
		if (r || !pk)
			goto absent;
	} else {
		char note[400];
		snprintf(note, sizeof(note), "configuration present%s%s%s",
			 pk < 0 ? " (Samba packages cannot be checked: " : "", pk < 0 ? dwhy : "",
			 pk < 0 ? ")" : "");
		r = facts_put_bool(ctx->facts, "smb.installed", true, conf, 0,
				   pk == 1 ? ver : note);
		if (r)
			return r;
	}
	struct smb_read *sr = calloc(1, sizeof(*sr));
	if (sr == NULL)
		return MAMORI_ENOMEM;
	sr->ctx = ctx;
	r = present ? smb_read_file(sr, conf, "global") : 0;
	if (r == 1 && sr->restart) {
		char restart[256];
		snprintf(restart, sizeof(restart), "%s", sr->restart_file);
		memset(sr->set, 0, sizeof(sr->set));
		sr->nfiles = 0;
		r = smb_read_file(sr, restart, "global");
	}
	if (r == MAMORI_ENOMEM) {
		free(sr);
		return r;
	}
	if (r) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && r != MAMORI_ENOMEM; i++)
			r = facts_put_unknown(ctx->facts, names[i], conf, 0, "%s", sr->why);
		free(sr);
		return r == MAMORI_ENOMEM ? r : 0;
	}
	/* Compiled-in defaults: Samba 4.11 raised both minimums to SMB2_02; 4.5 made NTLMv1
	 * opt-in. An unknown version is taken as current (Debian 10 already has 4.9, so say it). */
	bool old = major >= 0 && (major < 4 || (major == 4 && minor < 11));
	bool older = major >= 0 && (major < 4 || (major == 4 && minor < 5));
	/* Without dpkg the version is not known at all (unlike a Samba built from source, taken
	 * as current): the version-dependent defaults are then unknown, not guessed. */
	bool vunk = pk < 0;
	char defnote[600];
	if (vunk)
		snprintf(defnote, sizeof(defnote), "which dpkg cannot tell: %s", dwhy);
	else
		snprintf(defnote, sizeof(defnote), "default of %s%s%s",
			 ver[0] ? ver : "Samba >= 4.11", ver[0] ? "" : " (version unknown)",
			 sr->note);
	r = put_protocol(ctx, names[0], names[1], "server min protocol", &sr->set[K_SMIN],
			 vunk  ? NULL
			 : old ? "LANMAN1"
			       : "SMB2_02",
			 defnote);
	if (r == 0)
		r = put_protocol(ctx, names[2], names[3], "client min protocol", &sr->set[K_CMIN],
				 vunk  ? NULL
				 : old ? "CORE"
				       : "SMB2_02",
				 defnote);
	if (r)
		goto out;
	/* Server: NTLMv1 through "ntlm auth" (yes = ntlmv1-permitted) or LANMAN ("lanman auth"). */
	const struct smb_setting *na = &sr->set[K_NTLM], *la = &sr->set[K_LANMAN];
	bool v1 = false, lanman = false;
	const char *nv = na->value[0] ? na->value : (older ? "yes" : "ntlmv2-only");
	static const char *const v1vals[] = {"yes", "ntlmv1-permitted", "true", "1", NULL};
	static const char *const v2vals[] = {
	    "no", "ntlmv2-only", "mschapv2-and-ntlmv2-only", "disabled", "false", "0", NULL};
	int known = 0;
	for (size_t i = 0; v1vals[i]; i++)
		if (c_strcasecmp(nv, v1vals[i]) == 0)
			v1 = true, known = 1;
	for (size_t i = 0; v2vals[i]; i++)
		if (c_strcasecmp(nv, v2vals[i]) == 0)
			known = 1;
	bool lanman_yes = false, lb;
	if (la->value[0] && smb_bool(la->value, &lb))
		lanman_yes = lb;
	if (vunk && na->value[0] == '\0' && !lanman_yes) {
		/* Samba < 4.5 defaults to ntlm auth = yes. */
		r = facts_put_unknown(
		    ctx->facts, names[4], "/var/lib/dpkg/status", 0,
		    "no ntlm auth line: its default depends on the Samba version, "
		    "%s",
		    defnote);
	} else if (!known) {
		r = facts_put_unknown(ctx->facts, names[4], na->file, na->line,
				      "%s:%d: unknown ntlm auth value \"%s\"", na->file, na->line,
				      nv);
	} else if (la->value[0] && !smb_bool(la->value, &lanman)) {
		r = facts_put_unknown(ctx->facts, names[4], la->file, la->line,
				      "%s:%d: lanman auth is not a boolean: \"%s\"", la->file,
				      la->line, la->value);
	} else {
		char note[600];
		const struct smb_setting *w = lanman ? la : na;
		bool guess = vunk && na->value[0] == '\0'; /* only reached with lanman auth = yes */
		if (snprintf(note, sizeof(note), "ntlm auth = %s%s, lanman auth = %s%s",
			     guess ? "not set" : nv, na->value[0] || guess ? "" : " (default)",
			     lanman ? "yes" : "no",
			     la->value[0] ? "" : " (default)") >= (int)sizeof(note))
			note[sizeof(note) - 1] = '\0'; /* an over-long value is cut in the note */
		r = facts_put_bool(ctx->facts, names[4], v1 || lanman, w->value[0] ? w->file : NULL,
				   w->line, note);
	}
	if (r)
		goto out;
	/* Client: "client ntlmv2 auth = no" or "client lanman auth = yes" let it send v1/LM. */
	const struct smb_setting *cv2 = &sr->set[K_CNTLMV2], *cl = &sr->set[K_CLANMAN];
	bool ntlmv2 = true, clanman = false;
	if ((cv2->value[0] && !smb_bool(cv2->value, &ntlmv2)) ||
	    (cl->value[0] && !smb_bool(cl->value, &clanman))) {
		const struct smb_setting *b =
		    cv2->value[0] && !smb_bool(cv2->value, &ntlmv2) ? cv2 : cl;
		r = facts_put_unknown(ctx->facts, names[5], b->file, b->line,
				      "%s:%d: not a boolean: \"%s\"", b->file, b->line, b->value);
	} else {
		char note[400];
		const struct smb_setting *w = !ntlmv2 ? cv2 : cl;
		snprintf(note, sizeof(note), "client ntlmv2 auth = %s%s, client lanman auth = %s%s",
			 ntlmv2 ? "yes" : "no", cv2->value[0] ? "" : " (default)",
			 clanman ? "yes" : "no", cl->value[0] ? "" : " (default)");
		r = facts_put_bool(ctx->facts, names[5], !ntlmv2 || clanman,
				   w->value[0] ? w->file : NULL, w->line, note);
	}
out:
	free(sr);
	return r;
absent:
	/* No Samba: the checks do not apply; the facts say why. */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && r == 0; i++)
		r = facts_put_unknown(ctx->facts, names[i], NULL, 0,
				      "Samba is not installed (no %s)", conf);
	return r;
}
