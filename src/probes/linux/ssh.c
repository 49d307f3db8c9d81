/* SPDX-License-Identifier: Apache-2.0 */
/* ssh.*: whether an SSH server runs and its effective configuration, computed the way
 * `sshd -T` does: Include at the point of inclusion, the first value obtained wins, Match
 * blocks judged by the worst connection they can match. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/probes.h"
#include "probes/linux/ssh.h"

#define SSHD_CONFIG "/etc/ssh/sshd_config"

/* ---- the pure line parser ---- */

struct parse_state {
	sshd_line_fn fn;
	void *ud;
	char *work; /* tokens of the current line, NUL-separated */
	const char *err;
};

/* Copies one token from s (unquoting like OpenSSH's argv_split) into out; returns the bytes
 * consumed, or 0 with st->err set. */
static size_t take_token(struct parse_state *st, const char *s, size_t len, char *out,
			 size_t *outlen)
{
	size_t i = 0, j = 0;
	char quote = 0;
	for (; i < len; i++) {
		char ch = s[i];
		if (quote == 0 && c_isspace((unsigned char)ch))
			break;
		if (ch == '\\' && i + 1 < len &&
		    (s[i + 1] == '\'' || s[i + 1] == '"' || s[i + 1] == '\\' ||
		     (quote == 0 && s[i + 1] == ' '))) {
			out[j++] = s[++i];
		} else if (quote && ch == quote) {
			quote = 0;
		} else if (quote == 0 && (ch == '"' || ch == '\'')) {
			quote = ch;
		} else {
			out[j++] = ch;
		}
	}
	if (quote) {
		st->err = "unterminated quote";
		return 0;
	}
	out[j] = '\0';
	*outlen = j;
	return i;
}

static int sshd_line_cb(const char *s, size_t len, int lineno, void *ud)
{
	struct parse_state *st = ud;
	str_trim(&s, &len);
	if (len == 0 || s[0] == '#')
		return 0;
	if (memchr(s, '\0', len)) {
		st->err = "NUL byte in line";
		return MAMORI_EPARSE;
	}
	struct sshd_line l = {.line = lineno};
	char *w = st->work;
	/* The keyword ends at white space or '=' ("Port=22", "Port = 22"). */
	size_t k = 0;
	while (k < len && !c_isspace((unsigned char)s[k]) && s[k] != '=')
		k++;
	if (k == 0) {
		st->err = "missing keyword";
		return MAMORI_EPARSE;
	}
	memcpy(w, s, k);
	w[k] = '\0';
	l.keyword = w;
	w += k + 1;
	size_t i = k;
	while (i < len && c_isspace((unsigned char)s[i]))
		i++;
	if (i < len && s[i] == '=')
		i++;
	for (;;) {
		while (i < len && c_isspace((unsigned char)s[i]))
			i++;
		if (i >= len || s[i] == '#')
			break;
		if (l.nargs >= SSHD_MAX_ARGS) {
			st->err = "too many arguments";
			return MAMORI_EPARSE;
		}
		size_t olen;
		size_t used = take_token(st, s + i, len - i, w, &olen);
		if (used == 0)
			return MAMORI_EPARSE;
		l.args[l.nargs++] = w;
		w += olen + 1;
		i += used;
	}
	return st->fn(&l, st->ud);
}

int sshd_config_parse(const char *buf, size_t len, sshd_line_fn fn, void *ud, int *bad_line,
		      const char **err)
{
	/* Every token is at most as long as its text, plus one NUL each. */
	struct parse_state st = {.fn = fn, .ud = ud};
	st.work = malloc(SSHD_MAX_LINE + SSHD_MAX_ARGS + 2);
	if (st.work == NULL)
		return MAMORI_ENOMEM;
	int bad = 0;
	int r = for_each_line(buf, len, SSHD_MAX_LINE, sshd_line_cb, &st, &bad);
	free(st.work);
	if (r == MAMORI_ETOOBIG) {
		st.err = "line too long";
		r = MAMORI_EPARSE;
	}
	if (r) {
		if (bad_line)
			*bad_line = bad;
		if (err)
			*err = st.err ? st.err : "rejected";
	}
	return r;
}

/* ---- the effective configuration ---- */

static const struct {
	const char *keyword;
	enum sshd_opt opt;
} sshd_keywords[] = {
    {"passwordauthentication", SSHD_PASSWORD_AUTH},
    {"kbdinteractiveauthentication", SSHD_KBDINT_AUTH},
    /* Deprecated alias of KbdInteractiveAuthentication since OpenSSH 8.7: one slot. */
    {"challengeresponseauthentication", SSHD_KBDINT_AUTH},
    {"usepam", SSHD_USE_PAM},
    {"permitrootlogin", SSHD_PERMIT_ROOT},
    {"permitemptypasswords", SSHD_PERMIT_EMPTY},
};

const char *sshd_default(enum sshd_opt opt)
{
	switch (opt) {
	case SSHD_PASSWORD_AUTH:
	case SSHD_KBDINT_AUTH:
		return "yes";
	case SSHD_PERMIT_ROOT:
		return "prohibit-password";
	case SSHD_USE_PAM:
	case SSHD_PERMIT_EMPTY:
	case SSHD_NOPTS:
		break;
	}
	return "no";
}

/* How much a value opens: higher is worse. -1 for an unsupported value. */
static int value_rank(enum sshd_opt opt, const char *v)
{
	if (opt == SSHD_PERMIT_ROOT) {
		static const char *const order[] = {"no", "forced-commands-only",
						    "prohibit-password", "without-password", "yes"};
		static const int rank[] = {0, 1, 2, 2, 3};
		for (size_t i = 0; i < 5; i++)
			if (c_strcasecmp(v, order[i]) == 0)
				return rank[i];
		return -1;
	}
	if (c_strcasecmp(v, "yes") == 0)
		return 1;
	if (c_strcasecmp(v, "no") == 0)
		return 0;
	return -1;
}

struct load_ctx {
	struct sshd_config *c;
	const struct sshd_loader *ld;
	const char *file;
	int depth;
	bool in_match;
	bool match_all;
	char match_file[256];
	int match_line;
	char criteria[128];
};

static int load_file(struct sshd_config *c, const struct sshd_loader *ld, const char *path,
		     const struct load_ctx *parent);

static int fail_at(struct load_ctx *lc, int line, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records the first error only: that is where sshd would stop. */
static int fail_at(struct load_ctx *lc, int line, int code, const char *fmt, ...)
{
	struct sshd_config *c = lc->c;
	if (c->err[0] == '\0') {
		snprintf(c->err_file, sizeof(c->err_file), "%s", lc->file);
		c->err_line = line;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->err, sizeof(c->err), fmt, ap);
		va_end(ap);
	}
	return code;
}

static void lower_copy(char *out, size_t outlen, const char *s)
{
	size_t i = 0;
	for (; s[i] && i + 1 < outlen; i++)
		out[i] = (char)c_tolower((unsigned char)s[i]);
	out[i] = '\0';
}

static int add_port(struct load_ctx *lc, int line, const char *s, size_t n)
{
	struct sshd_config *c = lc->c;
	long long v;
	if (strn_to_ll(s, n, 1, 65535, &v, NULL))
		return fail_at(lc, line, MAMORI_EPARSE, "bad port number '%s'", s);
	for (size_t i = 0; i < c->nports; i++)
		if (c->ports[i] == (unsigned)v)
			return 0;
	if (c->nports >= SSHD_MAX_PORTS)
		return fail_at(lc, line, MAMORI_EPARSE, "%s", "too many ports");
	c->ports[c->nports++] = (unsigned)v;
	if (c->port_line == 0) {
		snprintf(c->port_file, sizeof(c->port_file), "%s", lc->file);
		c->port_line = line;
	}
	return 0;
}

/* ListenAddress host|IPv4|IPv6|[IPv6]|host:port|[IPv6]:port [rdomain domain] */
static int add_listen(struct load_ctx *lc, int line, const char *a)
{
	struct sshd_config *c = lc->c;
	const char *host = a, *port = NULL;
	size_t hl = strlen(a);
	const char *colon = strchr(a, ':');
	if (a[0] == '[') {
		const char *close = strchr(a, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return fail_at(lc, line, MAMORI_EPARSE, "bad ListenAddress '%s'", a);
		host = a + 1;
		hl = (size_t)(close - host);
		if (close[1] == ':')
			port = close + 2;
	} else if (colon && strchr(colon + 1, ':') == NULL) {
		hl = (size_t)(colon - a);
		port = colon + 1;
	}
	if (hl == 0)
		return fail_at(lc, line, MAMORI_EPARSE, "bad ListenAddress '%s'", a);
	if (port) {
		int r = add_port(lc, line, port, strlen(port));
		if (r)
			return r;
	}
	if (c->nlisten >= SSHD_MAX_LISTEN)
		return fail_at(lc, line, MAMORI_EPARSE, "%s", "too many ListenAddress lines");
	snprintf(c->listen[c->nlisten], sizeof(c->listen[0]), "%.*s", (int)hl, host);
	c->nlisten++;
	if (c->listen_line == 0) {
		snprintf(c->listen_file, sizeof(c->listen_file), "%s", lc->file);
		c->listen_line = line;
	}
	return 0;
}

static int do_include(struct load_ctx *lc, const struct sshd_line *l)
{
	if (l->nargs == 0)
		return fail_at(lc, l->line, MAMORI_EPARSE, "%s", "Include without a path");
	for (size_t a = 0; a < l->nargs; a++) {
		char pattern[4096];
		/* Relative paths are relative to /etc/ssh, as sshd does. */
		int n = l->args[a][0] == '/'
			    ? snprintf(pattern, sizeof(pattern), "%s", l->args[a])
			    : snprintf(pattern, sizeof(pattern), "/etc/ssh/%s", l->args[a]);
		if (n < 0 || (size_t)n >= sizeof(pattern))
			return fail_at(lc, l->line, MAMORI_EPARSE, "%s", "Include path too long");
		char **paths;
		size_t count;
		int r = lc->ld->glob(lc->ld->ud, pattern, &paths, &count);
		if (r == MAMORI_ENOMEM)
			return r;
		if (r)
			return fail_at(lc, l->line, r, "cannot expand Include %s", pattern);
		for (size_t i = 0; i < count && r == 0; i++)
			r = load_file(lc->c, lc->ld, paths[i], lc);
		lc->ld->free_paths(paths);
		if (r)
			return r;
	}
	return 0;
}

static int directive_cb(const struct sshd_line *l, void *ud)
{
	struct load_ctx *lc = ud;
	struct sshd_config *c = lc->c;
	char kw[48];
	lower_copy(kw, sizeof(kw), l->keyword);
	if (strcmp(kw, "include") == 0)
		return do_include(lc, l);
	if (strcmp(kw, "match") == 0) {
		if (l->nargs == 0)
			return fail_at(lc, l->line, MAMORI_EPARSE, "%s", "Match without criteria");
		lc->in_match = true;
		lc->match_all = l->nargs == 1 && c_strcasecmp(l->args[0], "all") == 0;
		snprintf(lc->match_file, sizeof(lc->match_file), "%s", lc->file);
		lc->match_line = l->line;
		size_t o = 0;
		lc->criteria[0] = '\0';
		for (size_t i = 0; i < l->nargs && o < sizeof(lc->criteria); i++) {
			int n = snprintf(lc->criteria + o, sizeof(lc->criteria) - o, "%s%s",
					 i ? " " : "", l->args[i]);
			if (n < 0)
				break;
			o += (size_t)n;
		}
		return 0;
	}
	if (strcmp(kw, "port") == 0 || strcmp(kw, "listenaddress") == 0) {
		if (lc->in_match)
			return fail_at(lc, l->line, MAMORI_EPARSE,
				       "%s is not allowed inside a Match block", l->keyword);
		if (l->nargs == 0)
			return fail_at(lc, l->line, MAMORI_EPARSE, "%s without a value",
				       l->keyword);
		if (kw[0] == 'p')
			return add_port(lc, l->line, l->args[0], strlen(l->args[0]));
		return add_listen(lc, l->line, l->args[0]);
	}
	for (size_t i = 0; i < sizeof(sshd_keywords) / sizeof(sshd_keywords[0]); i++) {
		if (strcmp(kw, sshd_keywords[i].keyword) != 0)
			continue;
		enum sshd_opt opt = sshd_keywords[i].opt;
		if (l->nargs == 0)
			return fail_at(lc, l->line, MAMORI_EPARSE, "%s without a value",
				       l->keyword);
		if (l->nargs > 1)
			return fail_at(lc, l->line, MAMORI_EPARSE, "garbage after %s value",
				       l->keyword);
		if (value_rank(opt, l->args[0]) < 0)
			return fail_at(lc, l->line, MAMORI_EPARSE, "unsupported value '%s'",
				       l->args[0]);
		if (lc->in_match) {
			if (opt == SSHD_USE_PAM)
				return fail_at(lc, l->line, MAMORI_EPARSE, "%s",
					       "UsePAM is not allowed inside a Match block");
			if (c->nmatches >= SSHD_MAX_MATCH_VALUES)
				return fail_at(lc, l->line, MAMORI_EPARSE, "%s",
					       "too many settings inside Match blocks");
			if (c->nmatches % 16 == 0) {
				struct sshd_match_value *v =
				    realloc(c->matches, (c->nmatches + 16) * sizeof(*c->matches));
				if (v == NULL)
					return MAMORI_ENOMEM;
				c->matches = v;
			}
			struct sshd_match_value *m = &c->matches[c->nmatches++];
			memset(m, 0, sizeof(*m));
			m->opt = opt;
			lower_copy(m->value, sizeof(m->value), l->args[0]);
			snprintf(m->file, sizeof(m->file), "%s", lc->file);
			m->line = l->line;
			snprintf(m->match_file, sizeof(m->match_file), "%s", lc->match_file);
			m->match_line = lc->match_line;
			snprintf(m->criteria, sizeof(m->criteria), "%s", lc->criteria);
			m->match_all = lc->match_all;
			return 0;
		}
		/* sshd keeps the first value it reads for these keywords. */
		struct sshd_value *g = &c->global[opt];
		if (!g->set) {
			g->set = true;
			lower_copy(g->value, sizeof(g->value), l->args[0]);
			snprintf(g->file, sizeof(g->file), "%s", lc->file);
			g->line = l->line;
		}
		return 0;
	}
	return 0; /* a keyword mamori does not judge */
}

static int load_file(struct sshd_config *c, const struct sshd_loader *ld, const char *path,
		     const struct load_ctx *parent)
{
	struct load_ctx lc = {.c = c, .ld = ld, .file = path};
	if (parent) {
		/* An Include inside a Match block is conditional: its lines belong to that block
		 * until the included file starts a Match of its own. */
		lc = *parent;
		lc.file = path;
		lc.depth = parent->depth + 1;
		if (lc.depth > SSHD_MAX_DEPTH)
			return fail_at(&lc, 0, MAMORI_EPARSE, "%s",
				       "Include nested too deeply (loop?)");
	}
	if (++c->nfiles > SSHD_MAX_FILES)
		return fail_at(&lc, 0, MAMORI_ETOOBIG, "%s", "too many included files");
	char *buf, why[512];
	size_t len;
	int r = ld->read(ld->ud, path, &buf, &len, why, sizeof(why));
	if (r) {
		if (r != MAMORI_ENOMEM && c->err[0] == '\0') {
			snprintf(c->err_file, sizeof(c->err_file), "%s", path);
			c->err_line = 0;
			snprintf(c->err, sizeof(c->err), "%s", why);
		}
		return r;
	}
	int bad = 0;
	const char *err = NULL;
	r = sshd_config_parse(buf, len, directive_cb, &lc, &bad, &err);
	free(buf);
	if (r == MAMORI_EPARSE && c->err[0] == '\0')
		fail_at(&lc, bad, r, "%s", err ? err : "malformed line");
	return r;
}

int sshd_config_load(struct sshd_config *c, const char *path, const struct sshd_loader *ld)
{
	return load_file(c, ld, path, NULL);
}

void sshd_config_free(struct sshd_config *c)
{
	if (c == NULL)
		return;
	free(c->matches);
	c->matches = NULL;
	c->nmatches = 0;
}

const char *sshd_effective(const struct sshd_config *c, enum sshd_opt opt,
			   const struct sshd_match_value **from)
{
	/* For one connection the first value among the Match blocks it matches wins, else the
	 * global one. Across all connections the worst is the maximum over the Match values
	 * and the global value, except that nothing after a "Match all" that sets the option
	 * is reachable. */
	const struct sshd_match_value *worst = NULL;
	int wr = -1;
	for (size_t i = 0; i < c->nmatches; i++) {
		const struct sshd_match_value *m = &c->matches[i];
		if (m->opt != opt)
			continue;
		int r = value_rank(opt, m->value);
		if (r > wr) {
			wr = r;
			worst = m;
		}
		if (m->match_all) {
			*from = worst;
			return worst->value;
		}
	}
	const char *g = c->global[opt].set ? c->global[opt].value : sshd_default(opt);
	if (value_rank(opt, g) >= wr) {
		*from = NULL;
		return g;
	}
	*from = worst;
	return worst->value;
}

/* ---- the probe ---- */

static int ld_read(void *ud, const char *path, char **buf, size_t *len, char *why, size_t whylen)
{
	return rootfs_read(ud, path, ROOTFS_MAX_FILE, buf, len, why, whylen);
}

static int ld_glob(void *ud, const char *pattern, char ***paths, size_t *count)
{
	return rootfs_glob(ud, pattern, paths, count);
}

static bool is_yes(const char *v)
{
	return strcmp(v, "yes") == 0;
}

/* How the server is started, from put_enabled: "" when it is not. */
struct ssh_run {
	bool enabled;	/* a unit is enabled or sshd runs */
	bool running;	/* an sshd process runs */
	char how[64];	/* "ssh.service is enabled" or "an sshd process is running" */
	char src[4096]; /* the unit's symlink, or /proc */
};

/* ssh.server_installed: dpkg first; but a server binary, a running sshd or (when dpkg cannot be
 * read) an enabled unit is proof enough. A dpkg that cannot be read is never "not installed":
 * without other evidence the fact is unknown. *installed is -1 when unknown. */
static int put_installed(struct probe_ctx *ctx, const struct ssh_run *run, int *installed)
{
	char why[512] = "", note[768];
	const char *ver = NULL;
	int r = pkg_installed(ctx, "openssh-server", &ver, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	static const char *const bins[] = {"/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"};
	const char *bin = NULL;
	for (size_t i = 0; i < 3 && bin == NULL; i++)
		if (rootfs_exists(ctx, bins[i]))
			bin = bins[i];
	const char *dpkg = r == 0 ? "dpkg says not installed" : why;
	if (r == 1) {
		*installed = 1;
		snprintf(note, sizeof(note), "package openssh-server %s is installed",
			 ver ? ver : "");
		return facts_put_bool(ctx->facts, "ssh.server_installed", true,
				      "/var/lib/dpkg/status", 0, note);
	}
	if (bin) {
		*installed = 1;
		snprintf(note, sizeof(note), "%s exists (package openssh-server: %s)", bin, dpkg);
		return facts_put_bool(ctx->facts, "ssh.server_installed", true, bin, 0, note);
	}
	/* A dangling ssh.service link left by a removed (not purged) package is no proof when
	 * dpkg says the package is gone; a running sshd always is. */
	if (run->running || (r < 0 && run->enabled)) {
		*installed = 1;
		snprintf(note, sizeof(note),
			 "%s, so the server is installed (package "
			 "openssh-server: %s)",
			 run->running ? "an sshd process is running" : run->how, dpkg);
		return facts_put_bool(ctx->facts, "ssh.server_installed", true,
				      run->running ? "/proc" : run->src, 0, note);
	}
	if (r < 0) {
		*installed = -1;
		return facts_put_unknown(ctx->facts, "ssh.server_installed", "/var/lib/dpkg/status",
					 0,
					 "package openssh-server: %s; no sshd binary, no enabled "
					 "ssh unit and no sshd process to tell otherwise",
					 why);
	}
	*installed = 0;
	snprintf(note, sizeof(note), "no openssh-server package (%s) and no sshd binary%s", dpkg,
		 run->enabled ? "; the enabled unit link is left over" : "");
	return facts_put_bool(ctx->facts, "ssh.server_installed", false, "/var/lib/dpkg/status", 0,
			      note);
}

static int put_enabled(struct probe_ctx *ctx, struct ssh_run *run)
{
	static const char *const units[] = {"ssh.service", "ssh.socket", "sshd.service"};
	char where_[4096];
	for (size_t i = 0; i < 3; i++) {
		int r = unit_enabled(ctx, units[i], where_, sizeof(where_));
		if (r < 0)
			return r;
		if (r == 1) {
			run->enabled = true;
			snprintf(run->how, sizeof(run->how), "%s is enabled", units[i]);
			snprintf(run->src, sizeof(run->src), "%s", where_);
			char note[128];
			snprintf(note, sizeof(note), "%s is enabled", units[i]);
			/* A running sshd also proves the server is installed. */
			char pwhy[256];
			run->running = proc_running(ctx, "sshd", pwhy, sizeof(pwhy)) == 1;
			return facts_put_bool(ctx->facts, "ssh.server_enabled", true, where_, 0,
					      note);
		}
	}
	char why[512] = "";
	int r = proc_running(ctx, "sshd", why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r == 1) {
		run->enabled = run->running = true;
		snprintf(run->how, sizeof(run->how), "an sshd process is running");
		snprintf(run->src, sizeof(run->src), "/proc");
		return facts_put_bool(ctx->facts, "ssh.server_enabled", true, "/proc", 0,
				      "an sshd process is running");
	}
	char note[768];
	snprintf(note, sizeof(note), "ssh.service, ssh.socket and sshd.service are not enabled; %s",
		 r == 0 ? "no sshd process runs" : why);
	return facts_put_bool(ctx->facts, "ssh.server_enabled", false, NULL, 0, note);
}

static int put_unknown_all(struct probe_ctx *ctx, const char *src, int line, const char *reason)
{
	static const char *const names[] = {"ssh.password_authentication",
					    "ssh.kbd_interactive_authentication",
					    "ssh.use_pam",
					    "ssh.permit_root_login",
					    "ssh.permit_empty_passwords",
					    "ssh.ports",
					    "ssh.listen_any"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int r = facts_put_unknown(ctx->facts, names[i], src, line, "%s", reason);
		if (r)
			return r;
	}
	return 0;
}

/* Evidence for one option: where its effective value came from. */
static void describe(const struct sshd_config *c, enum sshd_opt opt, const char *keyword,
		     const char *value, const struct sshd_match_value *m, const char **src,
		     int *line, char *note, size_t notelen)
{
	char w[300], mw[300];
	if (m) {
		*src = m->file;
		*line = m->line;
		snprintf(note, notelen,
			 "%s %s at %s inside \"Match %s\" (%s): connections matching it get %s",
			 keyword, value, where(w, sizeof(w), m->file, m->line), m->criteria,
			 where(mw, sizeof(mw), m->match_file, m->match_line), value);
	} else if (c->global[opt].set) {
		*src = c->global[opt].file;
		*line = c->global[opt].line;
		snprintf(note, notelen, "%s %s at %s (the first value sshd reads wins)", keyword,
			 value, where(w, sizeof(w), *src, *line));
	} else {
		*src = SSHD_CONFIG;
		*line = 0;
		snprintf(note, notelen, "default: no %s line, OpenSSH uses %s", keyword, value);
	}
}

static int put_listen_any(struct probe_ctx *ctx, const struct sshd_config *c)
{
	const struct listener *ls;
	size_t n;
	char why[512] = "", note[768];
	int r = net_listeners(ctx, &ls, &n, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	if (r >= 0) {
		bool seen = false;
		char bound[256] = "";
		size_t bl = 0;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(ls[i].proto, "tcp") != 0)
				continue;
			for (size_t p = 0; p < c->nports; p++) {
				if (ls[i].port != c->ports[p])
					continue;
				seen = true;
				if (bl < sizeof(bound)) {
					int k =
					    snprintf(bound + bl, sizeof(bound) - bl, "%s%s%s%s:%u",
						     bl ? ", " : "", ls[i].v6 ? "[" : "",
						     ls[i].addr, ls[i].v6 ? "]" : "", ls[i].port);
					bl += k > 0 ? (size_t)k : 0;
				}
				if (ls[i].any_address) {
					snprintf(note, sizeof(note),
						 "TCP port %u is bound to %s (all interfaces)",
						 ls[i].port, ls[i].addr);
					return facts_put_bool(
					    ctx->facts, "ssh.listen_any", true,
					    ls[i].v6 ? "/proc/net/tcp6" : "/proc/net/tcp", 0, note);
				}
			}
		}
		if (seen) {
			snprintf(note, sizeof(note),
				 "sshd's ports are bound only to specific addresses: %s", bound);
			return facts_put_bool(ctx->facts, "ssh.listen_any", false, "/proc/net/tcp",
					      0, note);
		}
	}
	/* Not listening now (or no socket table): how it would bind, from ListenAddress. */
	const char *prefix = r >= 0 ? "no socket on sshd's ports now; from the configuration: "
				    : "socket table unreadable; from the configuration: ";
	if (c->nlisten == 0) {
		snprintf(note, sizeof(note), "%sno ListenAddress, sshd binds all addresses",
			 prefix);
		return facts_put_bool(ctx->facts, "ssh.listen_any", true, SSHD_CONFIG, 0, note);
	}
	for (size_t i = 0; i < c->nlisten; i++) {
		const char *a = c->listen[i];
		if (strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0 || strcmp(a, "*") == 0) {
			snprintf(note, sizeof(note), "%sListenAddress %s", prefix, a);
			return facts_put_bool(ctx->facts, "ssh.listen_any", true, c->listen_file,
					      c->listen_line, note);
		}
	}
	snprintf(note, sizeof(note), "%sListenAddress names specific addresses only (%s ...)",
		 prefix, c->listen[0]);
	return facts_put_bool(ctx->facts, "ssh.listen_any", false, c->listen_file, c->listen_line,
			      note);
}

static int put_config(struct probe_ctx *ctx, const struct sshd_config *c)
{
	const struct sshd_match_value *m;
	const char *src;
	int line, r;
	char note[1024];

	const char *pw = sshd_effective(c, SSHD_PASSWORD_AUTH, &m);
	const struct sshd_match_value *pwm = m;
	const char *kbd = sshd_effective(c, SSHD_KBDINT_AUTH, &m);
	const struct sshd_match_value *kbdm = m;
	const char *pam = sshd_effective(c, SSHD_USE_PAM, &m);

	describe(c, SSHD_KBDINT_AUTH, "KbdInteractiveAuthentication", kbd, kbdm, &src, &line, note,
		 sizeof(note));
	r = facts_put_bool(ctx->facts, "ssh.kbd_interactive_authentication", is_yes(kbd), src, line,
			   note);
	describe(c, SSHD_USE_PAM, "UsePAM", pam, NULL, &src, &line, note, sizeof(note));
	if (r == 0)
		r = facts_put_bool(ctx->facts, "ssh.use_pam", is_yes(pam), src, line, note);
	if (r)
		return r;

	/* Passwords are accepted through PasswordAuthentication, or through keyboard-interactive
	 * when PAM asks for the password. */
	if (is_yes(pw) || !(is_yes(kbd) && is_yes(pam))) {
		describe(c, SSHD_PASSWORD_AUTH, "PasswordAuthentication", pw, pwm, &src, &line,
			 note, sizeof(note));
	} else {
		char base[700];
		describe(c, SSHD_KBDINT_AUTH, "KbdInteractiveAuthentication", kbd, kbdm, &src,
			 &line, base, sizeof(base));
		snprintf(note, sizeof(note),
			 "PasswordAuthentication is %s, but %s and UsePAM yes: PAM asks for the "
			 "password",
			 pw, base);
	}
	r = facts_put_bool(ctx->facts, "ssh.password_authentication",
			   is_yes(pw) || (is_yes(kbd) && is_yes(pam)), src, line, note);
	if (r)
		return r;

	const char *root = sshd_effective(c, SSHD_PERMIT_ROOT, &m);
	describe(c, SSHD_PERMIT_ROOT, "PermitRootLogin", root, m, &src, &line, note, sizeof(note));
	r = facts_put_str(ctx->facts, "ssh.permit_root_login", root, src, line, note);
	if (r)
		return r;
	const char *empty = sshd_effective(c, SSHD_PERMIT_EMPTY, &m);
	describe(c, SSHD_PERMIT_EMPTY, "PermitEmptyPasswords", empty, m, &src, &line, note,
		 sizeof(note));
	r = facts_put_bool(ctx->facts, "ssh.permit_empty_passwords", is_yes(empty), src, line,
			   note);
	if (r)
		return r;

	json_t *ports = json_array();
	if (ports == NULL)
		return MAMORI_ENOMEM;
	for (size_t i = 0; i < c->nports; i++)
		json_array_append_new(ports, json_integer(c->ports[i]));
	r = facts_put(ctx->facts, "ssh.ports", ports, c->port_line ? c->port_file : SSHD_CONFIG,
		      c->port_line, c->port_line ? NULL : "default: no Port line, port 22");
	if (r)
		return r;
	return put_listen_any(ctx, c);
}

int probe_ssh_collect(struct probe_ctx *ctx)
{
	int installed;
	struct ssh_run *run = calloc(1, sizeof(*run));
	if (run == NULL)
		return MAMORI_ENOMEM;
	int r = put_enabled(ctx, run);
	if (r == 0)
		r = put_installed(ctx, run, &installed);
	free(run);
	if (r)
		return r;
	if (installed != 1 && !rootfs_exists(ctx, SSHD_CONFIG))
		return put_unknown_all(
		    ctx, SSHD_CONFIG, 0,
		    installed == 0 ? "no SSH server is installed and " SSHD_CONFIG " does not exist"
				   : "whether an SSH server is installed is not "
				     "known, and " SSHD_CONFIG " does not exist");
	struct sshd_config *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return MAMORI_ENOMEM;
	struct sshd_loader ld = {ld_read, ld_glob, rootfs_names_free, ctx};
	r = sshd_config_load(c, SSHD_CONFIG, &ld);
	if (r == MAMORI_ENOMEM) {
		sshd_config_free(c);
		free(c);
		return r;
	}
	if (r) {
		char reason[1024], w[300];
		snprintf(reason, sizeof(reason), "%s: %s%s",
			 where(w, sizeof(w), c->err_file, c->err_line), c->err,
			 r == MAMORI_EPARSE ? " (sshd would refuse this configuration)" : "");
		r = put_unknown_all(ctx, c->err_file, c->err_line, reason);
	} else {
		if (c->nports == 0) {
			c->ports[0] = 22;
			c->nports = 1;
		}
		r = put_config(ctx, c);
	}
	sshd_config_free(c);
	free(c);
	return r;
}
