/* SPDX-License-Identifier: Apache-2.0 */
/* password.* and lockout.*: the PAM password stack's quality module and the auth stack's
 * lockout module, with their configuration files, as Linux-PAM, libpwquality, pam_cracklib,
 * pam_passwdqc, pam_faillock and pam_tally2 read them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/pam.h"
#include "probes/linux/probes.h"

/* ---- the pure service-file parser ---- */

struct pam_parse {
	pam_line_fn fn;
	void *ud;
	const char *err;
};

/* Splits line (NUL-terminated, modified in place) into tokens; "[...]" is one token (with
 * "\]" escaping a bracket inside). keep_brackets keeps the brackets in the token. */
static int next_token(char **p, char **tok, bool keep_brackets, const char **err)
{
	char *s = *p;
	while (*s && c_isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return 0;
	if (*s == '[') {
		/* out never passes in: an escape writes one byte for two. */
		char *out = s, *in = s + 1;
		*tok = s;
		if (keep_brackets)
			*out++ = '[';
		for (;;) {
			if (*in == '\0') {
				*err = "unterminated '['";
				return -1;
			}
			if (in[0] == '\\' && in[1] == ']') {
				*out++ = ']';
				in += 2;
				continue;
			}
			if (*in == ']') {
				if (keep_brackets)
					*out++ = ']';
				in++;
				break;
			}
			*out++ = *in++;
		}
		/* A bracketed token may run on until white space. */
		while (*in && !c_isspace((unsigned char)*in))
			*out++ = *in++;
		if (*in)
			in++;
		*out = '\0';
		*p = in;
		return 1;
	}
	*tok = s;
	while (*s && !c_isspace((unsigned char)*s))
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return 1;
}

static int pam_logical_line(struct pam_parse *st, char *s, int lineno)
{
	struct pam_line l = {.line = lineno};
	char *tok, *p = s;
	int r = next_token(&p, &tok, false, &st->err);
	if (r <= 0)
		return r < 0 ? MAMORI_EPARSE : 0;
	if (strcmp(tok, "@include") == 0) {
		r = next_token(&p, &tok, false, &st->err);
		if (r <= 0) {
			st->err = st->err ? st->err : "@include without a file";
			return MAMORI_EPARSE;
		}
		l.include_file = tok;
		return st->fn(&l, st->ud);
	}
	if (tok[0] == '-') {
		l.silent = true;
		tok++;
	}
	static const char *const types[] = {"auth", "account", "password", "session"};
	bool ok = false;
	for (size_t i = 0; i < 4; i++)
		ok |= c_strcasecmp(tok, types[i]) == 0;
	if (!ok) {
		st->err = "unknown module type (expected auth, account, password or session)";
		return MAMORI_EPARSE;
	}
	l.type = tok;
	r = next_token(&p, &tok, true, &st->err);
	if (r <= 0) {
		st->err = st->err ? st->err : "missing control";
		return MAMORI_EPARSE;
	}
	l.control = tok;
	r = next_token(&p, &tok, false, &st->err);
	if (r <= 0) {
		st->err = st->err ? st->err : "missing module";
		return MAMORI_EPARSE;
	}
	l.module = tok;
	while ((r = next_token(&p, &tok, false, &st->err)) > 0) {
		if (l.nargs >= PAM_MAX_ARGS) {
			st->err = "too many module arguments";
			return MAMORI_EPARSE;
		}
		l.args[l.nargs++] = tok;
	}
	if (r < 0)
		return MAMORI_EPARSE;
	return st->fn(&l, st->ud);
}

int pam_conf_parse(const char *buf, size_t len, pam_line_fn fn, void *ud, int *bad_line,
		   const char **err)
{
	struct pam_parse st = {.fn = fn, .ud = ud};
	char *work = malloc(PAM_MAX_LINE + 1);
	if (work == NULL)
		return MAMORI_ENOMEM;
	size_t used = 0, pos = 0;
	int lineno = 0, first = 0, r = 0;
	while (pos < len && r == 0) {
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - start) : len - pos;
		pos += l + (nl ? 1 : 0);
		lineno++;
		const char *s = start;
		str_trim(&s, &l);
		if (memchr(s, '\0', l)) {
			st.err = "NUL byte in line";
			r = MAMORI_EPARSE;
			break;
		}
		/* Linux-PAM skips blank and comment lines, also inside a continuation. */
		if (l == 0 || s[0] == '#')
			continue;
		if (used == 0)
			first = lineno;
		bool cont = s[l - 1] == '\\';
		if (cont)
			l--;
		if (used + l + 1 > PAM_MAX_LINE) {
			st.err = "line too long";
			r = MAMORI_EPARSE;
			break;
		}
		memcpy(work + used, s, l);
		used += l;
		work[used++] = ' ';
		if (cont)
			continue;
		work[used] = '\0';
		r = pam_logical_line(&st, work, first);
		used = 0;
		if (r)
			lineno = first;
	}
	if (r == 0 && used > 0) {
		work[used] = '\0';
		r = pam_logical_line(&st, work, first);
		if (r)
			lineno = first;
	}
	free(work);
	if (r) {
		if (bad_line)
			*bad_line = lineno;
		if (err)
			*err = st.err ? st.err : "rejected";
	}
	return r;
}

/* ---- stacks ---- */

struct stack_ctx {
	struct pam_stack *s;
	const struct pam_loader *ld;
	const char *type;
	const char *file;
	int depth;
};

static int stack_file(struct pam_stack *s, const struct pam_loader *ld, const char *path,
		      const char *type, int depth);

static void stack_fail(struct pam_stack *s, const char *file, int line, const char *msg)
{
	if (s->err[0])
		return;
	snprintf(s->err_file, sizeof(s->err_file), "%s", file);
	s->err_line = line;
	snprintf(s->err, sizeof(s->err), "%s", msg);
}

static int stack_include(struct stack_ctx *sc, const char *name, int line)
{
	char path[512];
	if (name[0] == '/') {
		snprintf(path, sizeof(path), "%s", name);
	} else {
		snprintf(path, sizeof(path), "/etc/pam.d/%s", name);
		if (!sc->ld->exists(sc->ld->ud, path)) {
			char vendor[512];
			snprintf(vendor, sizeof(vendor), "/usr/lib/pam.d/%s", name);
			if (sc->ld->exists(sc->ld->ud, vendor))
				snprintf(path, sizeof(path), "%s", vendor);
		}
	}
	if (sc->depth + 1 > PAM_MAX_DEPTH) {
		stack_fail(sc->s, sc->file, line, "includes nested too deeply (loop?)");
		return MAMORI_EPARSE;
	}
	return stack_file(sc->s, sc->ld, path, sc->type, sc->depth + 1);
}

static int stack_line(const struct pam_line *l, void *ud)
{
	struct stack_ctx *sc = ud;
	struct pam_stack *s = sc->s;
	if (l->include_file)
		return stack_include(sc, l->include_file, l->line);
	if (c_strcasecmp(l->type, sc->type) != 0)
		return 0;
	if (c_strcasecmp(l->control, "include") == 0 || c_strcasecmp(l->control, "substack") == 0)
		return stack_include(sc, l->module, l->line);
	if (s->n >= PAM_MAX_ENTRIES) {
		stack_fail(s, sc->file, l->line, "too many module lines");
		return MAMORI_ETOOBIG;
	}
	if (s->n % 16 == 0) {
		struct pam_entry *v = realloc(s->v, (s->n + 16) * sizeof(*v));
		if (v == NULL)
			return MAMORI_ENOMEM;
		s->v = v;
	}
	struct pam_entry *e = &s->v[s->n];
	memset(e, 0, sizeof(*e));
	snprintf(e->type, sizeof(e->type), "%s", l->type);
	snprintf(e->control, sizeof(e->control), "%s", l->control);
	const char *base = strrchr(l->module, '/');
	snprintf(e->module, sizeof(e->module), "%s", base ? base + 1 : l->module);
	snprintf(e->file, sizeof(e->file), "%s", sc->file);
	e->line = l->line;
	s->n++;
	if (l->nargs) {
		e->args = calloc(l->nargs, sizeof(char *));
		if (e->args == NULL)
			return MAMORI_ENOMEM;
		for (size_t i = 0; i < l->nargs; i++) {
			e->args[i] = xstrdup(l->args[i]);
			if (e->args[i] == NULL)
				return MAMORI_ENOMEM;
			e->nargs++;
		}
	}
	return 0;
}

static int stack_file(struct pam_stack *s, const struct pam_loader *ld, const char *path,
		      const char *type, int depth)
{
	char *buf, why[512];
	size_t len;
	int r = ld->read(ld->ud, path, &buf, &len, why, sizeof(why));
	if (r) {
		if (r != MAMORI_ENOMEM)
			stack_fail(s, path, 0, why);
		return r;
	}
	struct stack_ctx sc = {s, ld, type, path, depth};
	int bad = 0;
	const char *err = NULL;
	r = pam_conf_parse(buf, len, stack_line, &sc, &bad, &err);
	free(buf);
	if (r == MAMORI_EPARSE)
		stack_fail(s, path, bad, err ? err : "malformed line");
	return r;
}

int pam_stack_load(struct pam_stack *s, const char *path, const char *type,
		   const struct pam_loader *ld)
{
	return stack_file(s, ld, path, type, 0);
}

void pam_stack_free(struct pam_stack *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		for (size_t k = 0; k < s->v[i].nargs; k++)
			free(s->v[i].args[k]);
		free(s->v[i].args);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

const char *pam_entry_arg(const struct pam_entry *e, const char *name)
{
	size_t nl = strlen(name);
	const char *found = NULL;
	for (size_t i = 0; i < e->nargs; i++) {
		const char *a = e->args[i];
		if (strncmp(a, name, nl) == 0 && (a[nl] == '=' || a[nl] == '\0'))
			found = a[nl] == '=' ? a + nl + 1 : a + nl;
	}
	return found;
}

/* The action for key in a "[k=v k=v]" control, copied to out; false if absent. */
static bool control_action(const char *control, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key);
	const char *p = control + 1;
	while (*p && *p != ']') {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t tl = strcspn(p, " \t]");
		if (tl > kl && c_strncasecmp(p, key, kl) == 0 && p[kl] == '=') {
			snprintf(out, outlen, "%.*s", (int)(tl - kl - 1), p + kl + 1);
			return true;
		}
		p += tl;
	}
	return false;
}

bool pam_control_enforces(const char *control, const char *retkey)
{
	if (c_strcasecmp(control, "required") == 0 || c_strcasecmp(control, "requisite") == 0)
		return true;
	if (control[0] != '[')
		return false; /* optional, sufficient: a failure is ignored */
	char act[32];
	if (!control_action(control, retkey, act, sizeof(act)) &&
	    !control_action(control, "default", act, sizeof(act)))
		return false; /* no default: ignore */
	return c_strcasecmp(act, "bad") == 0 || c_strcasecmp(act, "die") == 0;
}

/* ---- key = value files ---- */

struct secconf_state {
	bool eq_ends_name;
	secconf_fn fn;
	void *ud;
};

static int secconf_line(const char *s, size_t len, int lineno, void *ud)
{
	struct secconf_state *st = ud;
	const char *hash = memchr(s, '#', len);
	if (hash)
		len = (size_t)(hash - s);
	str_trim(&s, &len);
	if (len == 0)
		return 0;
	if (memchr(s, '\0', len))
		return MAMORI_EPARSE;
	size_t n = 0;
	while (n < len && !c_isspace((unsigned char)s[n]) && !(st->eq_ends_name && s[n] == '='))
		n++;
	size_t i = n;
	bool eq = false;
	while (i < len && (c_isspace((unsigned char)s[i]) || (!eq && s[i] == '='))) {
		eq |= s[i] == '=';
		i++;
	}
	char name[128], value[1024];
	if (n == 0 || n >= sizeof(name) || len - i >= sizeof(value))
		return MAMORI_EPARSE;
	snprintf(name, sizeof(name), "%.*s", (int)n, s);
	snprintf(value, sizeof(value), "%.*s", (int)(len - i), s + i);
	return st->fn(name, value, lineno, st->ud);
}

int secconf_parse(const char *buf, size_t len, bool eq_ends_name, secconf_fn fn, void *ud,
		  int *bad_line)
{
	struct secconf_state st = {eq_ends_name, fn, ud};
	int r = for_each_line(buf, len, 8192, secconf_line, &st, bad_line);
	return r == MAMORI_ETOOBIG ? MAMORI_EPARSE : r;
}

/* ---- password quality settings ---- */

static void set_default(struct pwq_setting *s, long long v)
{
	s->v = v;
	s->file[0] = '\0';
	s->line = 0;
}

void pwq_defaults(struct pwq_settings *s, bool cracklib)
{
	/* libpwquality: minlen 8, credits 0 (off); pam_cracklib: minlen 9, credits 1. */
	set_default(&s->minlen, cracklib ? 9 : 8);
	set_default(&s->dcredit, cracklib ? 1 : 0);
	set_default(&s->ucredit, cracklib ? 1 : 0);
	set_default(&s->lcredit, cracklib ? 1 : 0);
	set_default(&s->ocredit, cracklib ? 1 : 0);
	set_default(&s->enforcing, 1);
}

int pwq_apply(struct pwq_settings *s, bool cracklib, const char *name, const char *value,
	      const char *file, int line)
{
	static const char *const other_int[] = {
	    "difok",	  "minclass",  "maxrepeat", "maxclassrepeat", "maxsequence",
	    "gecoscheck", "dictcheck", "usercheck", "usersubstr",     "retry"};
	static const char *const other[] = {"badwords", "dictpath", "enforce_for_root",
					    "local_users_only"};
	struct pwq_setting *t = NULL;
	if (c_strcasecmp(name, "minlen") == 0)
		t = &s->minlen;
	else if (c_strcasecmp(name, "dcredit") == 0)
		t = &s->dcredit;
	else if (c_strcasecmp(name, "ucredit") == 0)
		t = &s->ucredit;
	else if (c_strcasecmp(name, "lcredit") == 0)
		t = &s->lcredit;
	else if (c_strcasecmp(name, "ocredit") == 0)
		t = &s->ocredit;
	else if (!cracklib && c_strcasecmp(name, "enforcing") == 0)
		t = &s->enforcing;
	if (t == NULL) {
		for (size_t i = 0; i < sizeof(other_int) / sizeof(other_int[0]); i++)
			if (c_strcasecmp(name, other_int[i]) == 0) {
				long long v;
				return str_to_ll(value, -2147483647LL, 2147483646LL, &v, NULL)
					   ? MAMORI_EINVAL
					   : 0;
			}
		for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
			if (c_strcasecmp(name, other[i]) == 0)
				return 0;
		return MAMORI_ENOENT;
	}
	long long v;
	if (str_to_ll(value, -2147483647LL, 2147483646LL, &v, NULL))
		return MAMORI_EINVAL;
	/* libpwquality raises a minlen below 6 to 6. */
	if (t == &s->minlen && v < 6 && !cracklib)
		v = 6;
	t->v = v;
	snprintf(t->file, sizeof(t->file), "%s", file ? file : "");
	t->line = line;
	return 1;
}

long long pwq_effective_min(const struct pwq_settings *s)
{
	long long credits = 0;
	const struct pwq_setting *c[] = {&s->dcredit, &s->ucredit, &s->lcredit, &s->ocredit};
	for (size_t i = 0; i < 4; i++)
		if (c[i]->v > 0)
			credits += c[i]->v > 1000 ? 1000 : c[i]->v;
	long long minlen = s->minlen.v > 100000 ? 100000 : s->minlen.v;
	long long l = minlen - credits;
	long long half = (minlen + 1) / 2; /* a password of L chars earns at most L credits */
	if (l < half)
		l = half;
	return l < 6 ? 6 : l;
}

/* ---- the probe ---- */

static int ld_read(void *ud, const char *path, char **buf, size_t *len, char *why, size_t whylen)
{
	return rootfs_read(ud, path, ROOTFS_MAX_FILE, buf, len, why, whylen);
}

static bool ld_exists(void *ud, const char *path)
{
	return rootfs_exists(ud, path);
}

static int put_unknown_list(struct probe_ctx *ctx, const char *const *names, const char *src,
			    int line, const char *reason)
{
	for (size_t i = 0; names[i]; i++) {
		int r = facts_put_unknown(ctx->facts, names[i], src, line, "%s", reason);
		if (r)
			return r;
	}
	return 0;
}

static const char *const password_facts[] = {"password.quality_module", "password.min_length",
					     "password.minlen_configured", NULL};
static const char *const lockout_facts[] = {
    "lockout.module", "lockout.deny", "lockout.unlock_time_seconds", "lockout.permanent", NULL};

struct pwq_read {
	struct pwq_settings *s;
	const char *file;
	int bad_line;
	char why[512];
};

static int pwq_file_cb(const char *name, const char *value, int line, void *ud)
{
	struct pwq_read *pr = ud;
	int r = pwq_apply(pr->s, false, name, value, pr->file, line);
	if (r >= 0)
		return 0;
	/* libpwquality stops reading at the first bad line; what follows is ignored. */
	pr->bad_line = line;
	snprintf(pr->why, sizeof(pr->why),
		 r == MAMORI_ENOENT
		     ? "%s:%d: unknown setting '%s': libpwquality stops reading here"
		     : "%s:%d: '%s' needs a whole number: libpwquality stops reading here",
		 pr->file, line, name);
	return MAMORI_EPARSE;
}

/* Reads pwquality.conf.d/ *.conf (sorted) and then pwquality.conf, as libpwquality does: a
 * later file overrides an earlier one, so the main file has the last word. */
static int pwq_read_files(struct probe_ctx *ctx, struct pwq_settings *s, char *why, size_t whylen,
			  char *bad_file, size_t bflen, int *bad_line)
{
	char **names = NULL;
	size_t n = 0;
	int r = rootfs_list(ctx, "/etc/security/pwquality.conf.d", "*.conf", &names, &n);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r) { /* libpwquality ignores an unreadable directory */
		names = NULL;
		n = 0;
		r = 0;
	}
	char path[512];
	for (size_t i = 0; r == 0 && i <= n; i++) {
		if (i < n) {
			/* libpwquality takes names whose first ".conf" ends the name. */
			const char *c = strstr(names[i], ".conf");
			if (c == NULL || c[5] != '\0')
				continue;
			snprintf(path, sizeof(path), "/etc/security/pwquality.conf.d/%s", names[i]);
		} else {
			snprintf(path, sizeof(path), "/etc/security/pwquality.conf");
		}
		char *buf;
		size_t len;
		int rr = rootfs_read(ctx, path, 1 << 20, &buf, &len, why, whylen);
		if (rr == MAMORI_ENOENT)
			continue;
		if (rr) {
			snprintf(bad_file, bflen, "%s", path);
			*bad_line = 0;
			r = rr;
			break;
		}
		struct pwq_read pr = {.s = s, .file = path};
		int bad = 0;
		rr = secconf_parse(buf, len, false, pwq_file_cb, &pr, &bad);
		free(buf);
		if (rr) {
			if (pr.why[0])
				snprintf(why, whylen, "%s", pr.why);
			else
				snprintf(why, whylen, "%s:%d: malformed line", path, bad);
			snprintf(bad_file, bflen, "%s", path);
			*bad_line = bad;
			r = rr;
		}
	}
	rootfs_names_free(names);
	return r;
}

static const struct pam_entry *find_module(const struct pam_stack *st, const char *module)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->v[i].module, module) == 0)
			return &st->v[i];
	return NULL;
}

static int put_unix_min(struct probe_ctx *ctx, const struct pam_stack *st, const char *why_none)
{
	const struct pam_entry *u = find_module(st, "pam_unix.so");
	char note[1024], w[300];
	if (u == NULL) {
		snprintf(note, sizeof(note), "%s, and no pam_unix.so in the password stack",
			 why_none);
		return put_unknown_list(ctx, password_facts + 1, NULL, 0, note);
	}
	long long minlen = 6;
	const char *v = pam_entry_arg(u, "minlen");
	if (v && str_to_ll(v, 0, 1000000, &minlen, NULL))
		minlen = 6; /* pam_unix ignores a value it cannot read */
	snprintf(note, sizeof(note), "%s; only pam_unix.so (%s) checks the length: %s", why_none,
		 where(w, sizeof(w), u->file, u->line),
		 v ? "minlen set on its line" : "default minlen 6");
	int r =
	    facts_put_int(ctx->facts, "password.minlen_configured", minlen, u->file, u->line, note);
	if (r == 0)
		r = facts_put_int(ctx->facts, "password.min_length", minlen, u->file, u->line,
				  note);
	return r;
}

static int put_password(struct probe_ctx *ctx, const struct pam_stack *st)
{
	static const char *const mods[] = {"pam_pwquality.so", "pam_cracklib.so",
					   "pam_passwdqc.so"};
	const struct pam_entry *q = NULL;
	char none[768] = "no password quality module (pam_pwquality, pam_cracklib, pam_passwdqc) "
			 "in the password stack";
	char w[300];
	for (size_t i = 0; i < st->n && q == NULL; i++) {
		for (size_t m = 0; m < 3; m++) {
			if (strcmp(st->v[i].module, mods[m]) != 0)
				continue;
			if (pam_control_enforces(st->v[i].control, "authtok_err")) {
				q = &st->v[i];
				break;
			}
			snprintf(none, sizeof(none),
				 "%s at %s is \"%s\": a password it rejects is still accepted",
				 mods[m], where(w, sizeof(w), st->v[i].file, st->v[i].line),
				 st->v[i].control);
		}
	}
	int r;
	if (q == NULL) {
		r = facts_put_str(ctx->facts, "password.quality_module", "none", NULL, 0, none);
		return r ? r : put_unix_min(ctx, st, none);
	}
	char note[1024];
	if (strcmp(q->module, "pam_passwdqc.so") == 0) {
		/* min=N0,N1,N2,N3,N4 (default disabled,24,11,8,7): the shortest enabled one. */
		const char *v = pam_entry_arg(q, "min");
		char list[128];
		snprintf(list, sizeof(list), "%s", v ? v : "disabled,24,11,8,7");
		long long best = -1;
		const char *p = list;
		while (*p) {
			size_t l = strcspn(p, ",");
			long long x;
			if (strn_to_ll(p, l, 0, 1000000, &x, NULL) == 0 && (best < 0 || x < best))
				best = x;
			p += l + (p[l] == ',');
		}
		r = facts_put_str(ctx->facts, "password.quality_module", "pam_passwdqc", q->file,
				  q->line, NULL);
		if (r)
			return r;
		if (best < 0)
			return put_unknown_list(ctx, password_facts + 1, q->file, q->line,
						"pam_passwdqc min= has no enabled length");
		snprintf(note, sizeof(note), "pam_passwdqc min=%s (%s): shortest enabled length",
			 list, v ? "set on its line" : "default");
		r = facts_put_int(ctx->facts, "password.minlen_configured", best, q->file, q->line,
				  note);
		return r ? r
			 : facts_put_int(ctx->facts, "password.min_length", best, q->file, q->line,
					 note);
	}
	bool cracklib = strcmp(q->module, "pam_cracklib.so") == 0;
	struct pwq_settings s;
	pwq_defaults(&s, cracklib);
	if (!cracklib) {
		char why[768] = "", bad_file[512] = "";
		int bad_line = 0;
		r = pwq_read_files(ctx, &s, why, sizeof(why), bad_file, sizeof(bad_file),
				   &bad_line);
		if (r == MAMORI_ENOMEM)
			return r;
		if (r) {
			r = facts_put_str(ctx->facts, "password.quality_module", "pam_pwquality",
					  q->file, q->line, NULL);
			return r ? r
				 : put_unknown_list(ctx, password_facts + 1, bad_file, bad_line,
						    why);
		}
	}
	/* Module arguments come after the file and override it; bad ones are ignored. */
	for (size_t i = 0; i < q->nargs; i++) {
		const char *a = q->args[i], *eq = strchr(a, '=');
		char name[64];
		if (eq == NULL || (size_t)(eq - a) >= sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(eq - a), a);
		(void)pwq_apply(&s, cracklib, name, eq + 1, q->file, q->line);
	}
	const char *modname = cracklib ? "pam_cracklib" : "pam_pwquality";
	if (!cracklib && s.enforcing.v == 0) {
		snprintf(note, sizeof(note),
			 "pam_pwquality at %s has enforcing=0 (%s): it only warns about weak "
			 "passwords",
			 where(w, sizeof(w), q->file, q->line),
			 s.enforcing.file[0] ? s.enforcing.file : "module argument");
		r = facts_put_str(ctx->facts, "password.quality_module", "none", q->file, q->line,
				  note);
		return r ? r : put_unix_min(ctx, st, note);
	}
	r = facts_put_str(ctx->facts, "password.quality_module", modname, q->file, q->line, NULL);
	if (r)
		return r;
	const char *msrc = s.minlen.file[0] ? s.minlen.file : q->file;
	int mline = s.minlen.file[0] ? s.minlen.line : q->line;
	snprintf(note, sizeof(note), "%s minlen %lld (%s)", modname, s.minlen.v,
		 s.minlen.file[0] ? where(w, sizeof(w), s.minlen.file, s.minlen.line) : "default");
	r = facts_put_int(ctx->facts, "password.minlen_configured", s.minlen.v, msrc, mline, note);
	if (r)
		return r;
	long long eff = pwq_effective_min(&s);
	const struct pam_entry *u = find_module(st, "pam_unix.so");
	long long umin = 0;
	const char *uv = u ? pam_entry_arg(u, "minlen") : NULL;
	if (uv == NULL || str_to_ll(uv, 0, 1000000, &umin, NULL))
		umin = 0;
	snprintf(note, sizeof(note),
		 "%s minlen %lld, credits d=%lld u=%lld l=%lld o=%lld: the shortest accepted "
		 "password has %lld characters",
		 modname, s.minlen.v, s.dcredit.v, s.ucredit.v, s.lcredit.v, s.ocredit.v, eff);
	if (umin > eff) {
		eff = umin;
		snprintf(note + strlen(note), sizeof(note) - strlen(note),
			 "; pam_unix minlen=%lld (%s) is longer and applies", umin,
			 where(w, sizeof(w), u->file, u->line));
	}
	return facts_put_int(ctx->facts, "password.min_length", eff, msrc, mline, note);
}

struct faillock_opts {
	long long deny, unlock_time;
	int deny_line, unlock_line; /* in the conf file; 0 when not set there */
};

static int faillock_cb(const char *name, const char *value, int line, void *ud)
{
	struct faillock_opts *o = ud;
	/* pam_faillock logs and ignores options and values it does not understand. */
	long long v;
	if (strcmp(name, "deny") == 0 && str_to_ll(value, 0, 4294967295LL, &v, NULL) == 0) {
		o->deny = v;
		o->deny_line = line;
	} else if (strcmp(name, "unlock_time") == 0) {
		if (strcmp(value, "never") == 0)
			v = 0;
		else if (str_to_ll(value, 0, 4294967295LL, &v, NULL))
			return 0;
		o->unlock_time = v;
		o->unlock_line = line;
	}
	return 0;
}

/* faillock.conf (or conf=), then the module's own arguments, which override it. */
static int faillock_settings(struct probe_ctx *ctx, const struct pam_entry *e,
			     struct faillock_opts *o, char *deny_src, char *unlock_src,
			     size_t srclen, char *why, size_t whylen)
{
	*o = (struct faillock_opts){.deny = 3, .unlock_time = 600}; /* pam_faillock defaults */
	snprintf(deny_src, srclen, "default");
	snprintf(unlock_src, srclen, "default");
	const char *conf = pam_entry_arg(e, "conf");
	if (conf == NULL || conf[0] == '\0')
		conf = "/etc/security/faillock.conf";
	char *buf;
	size_t len;
	int r = rootfs_read(ctx, conf, 1 << 20, &buf, &len, why, whylen);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r == 0) {
		int bad = 0;
		r = secconf_parse(buf, len, true, faillock_cb, o, &bad);
		free(buf);
		if (r) {
			snprintf(why, whylen, "%s:%d: malformed line", conf, bad);
			return r;
		}
		if (o->deny_line)
			where(deny_src, srclen, conf, o->deny_line);
		if (o->unlock_line)
			where(unlock_src, srclen, conf, o->unlock_line);
	} else if (r != MAMORI_ENOENT) {
		return r;
	}
	const char *v = pam_entry_arg(e, "deny");
	long long x;
	if (v && str_to_ll(v, 0, 4294967295LL, &x, NULL) == 0) {
		o->deny = x;
		where(deny_src, srclen, e->file, e->line);
	}
	v = pam_entry_arg(e, "unlock_time");
	if (v && (strcmp(v, "never") == 0 || str_to_ll(v, 0, 4294967295LL, &x, NULL) == 0)) {
		o->unlock_time = strcmp(v, "never") == 0 ? 0 : x;
		where(unlock_src, srclen, e->file, e->line);
	}
	return 0;
}

static bool has_arg(const struct pam_entry *e, const char *a)
{
	for (size_t i = 0; i < e->nargs; i++)
		if (strcmp(e->args[i], a) == 0)
			return true;
	return false;
}

static int put_lockout_values(struct probe_ctx *ctx, const char *module, const char *src, int line,
			      long long deny, const char *deny_note, long long unlock,
			      const char *unlock_note)
{
	int r = facts_put_str(ctx->facts, "lockout.module", module, src, line, NULL);
	if (r == 0)
		r = facts_put_int(ctx->facts, "lockout.deny", deny, src, line, deny_note);
	if (r == 0)
		r = facts_put_int(ctx->facts, "lockout.unlock_time_seconds", unlock, src, line,
				  unlock_note);
	if (r == 0)
		r = facts_put_bool(ctx->facts, "lockout.permanent", unlock == 0, src, line,
				   unlock == 0 ? "unlock_time 0: locked until an administrator "
						 "unlocks the account"
					       : NULL);
	return r;
}

static int put_lockout(struct probe_ctx *ctx, const struct pam_stack *st)
{
	const struct pam_entry *pre = NULL, *fail = NULL, *tally = NULL;
	for (size_t i = 0; i < st->n; i++) {
		const struct pam_entry *e = &st->v[i];
		if (strcmp(e->module, "pam_faillock.so") == 0) {
			if (has_arg(e, "preauth") && pre == NULL)
				pre = e;
			else if (has_arg(e, "authfail") && fail == NULL)
				fail = e;
		} else if (strcmp(e->module, "pam_tally2.so") == 0 && tally == NULL) {
			tally = e;
		}
	}
	char note[1024], w[300], why[768] = "";
	int r;
	if (pre && fail && pam_control_enforces(pre->control, "auth_err")) {
		struct faillock_opts o;
		char dsrc[300], usrc[300];
		r = faillock_settings(ctx, pre, &o, dsrc, usrc, sizeof(dsrc), why, sizeof(why));
		if (r == MAMORI_ENOMEM)
			return r;
		if (r)
			return put_unknown_list(ctx, lockout_facts, pre->file, pre->line, why);
		char dn[512], un[512];
		snprintf(dn, sizeof(dn),
			 "pam_faillock preauth (%s) and authfail lines; deny=%lld (%s)%s",
			 where(w, sizeof(w), pre->file, pre->line), o.deny, dsrc,
			 o.deny == 0 ? ": deny=0 never locks" : "");
		snprintf(un, sizeof(un), "unlock_time=%lld (%s)", o.unlock_time, usrc);
		return put_lockout_values(ctx, o.deny ? "pam_faillock" : "none", pre->file,
					  pre->line, o.deny, dn, o.unlock_time, un);
	}
	if (tally && pam_control_enforces(tally->control, "auth_err")) {
		long long deny = 0, unlock = 0;
		const char *v = pam_entry_arg(tally, "deny");
		if (v)
			(void)str_to_ll(v, 0, 4294967295LL, &deny, NULL);
		v = pam_entry_arg(tally, "unlock_time");
		if (v)
			(void)str_to_ll(v, 0, 4294967295LL, &unlock, NULL);
		snprintf(note, sizeof(note), "pam_tally2 at %s: deny=%lld%s",
			 where(w, sizeof(w), tally->file, tally->line), deny,
			 deny == 0 ? " (0, the default, never locks)" : "");
		return put_lockout_values(ctx, deny ? "pam_tally2" : "none", tally->file,
					  tally->line, deny, note, unlock,
					  v ? "unlock_time on the module line" : "default 0");
	}
	if (pre || fail || tally) {
		const struct pam_entry *e = pre ? pre : fail ? fail : tally;
		snprintf(note, sizeof(note), "%s at %s does not lock accounts: %s", e->module,
			 where(w, sizeof(w), e->file, e->line),
			 e == tally ? "its failure is ignored (control)"
			 : !fail    ? "no authfail line records failures"
			 : !pre	    ? "no preauth line refuses locked accounts"
				    : "its preauth line's failure is ignored (control)");
	} else {
		snprintf(note, sizeof(note),
			 "no pam_faillock or pam_tally2 line in the auth stack");
	}
	r = facts_put_str(ctx->facts, "lockout.module", "none", NULL, 0, note);
	if (r == 0)
		r = facts_put_int(ctx->facts, "lockout.deny", 0, NULL, 0, note);
	if (r == 0)
		r = put_unknown_list(ctx, lockout_facts + 2, NULL, 0, note);
	return r;
}

int probe_pam_collect(struct probe_ctx *ctx)
{
	const char *pw_path, *auth_path;
	if (rootfs_exists(ctx, "/etc/pam.d/common-password") ||
	    rootfs_exists(ctx, "/etc/pam.d/common-auth")) {
		pw_path = "/etc/pam.d/common-password";
		auth_path = "/etc/pam.d/common-auth";
	} else if (rootfs_exists(ctx, "/etc/pam.d/system-auth")) {
		pw_path = auth_path = "/etc/pam.d/system-auth";
	} else {
		int r = put_unknown_list(ctx, password_facts, "/etc/pam.d", 0,
					 "no PAM configuration: neither /etc/pam.d/common-password "
					 "nor /etc/pam.d/system-auth exists");
		return r ? r
			 : put_unknown_list(ctx, lockout_facts, "/etc/pam.d", 0,
					    "no PAM configuration: neither /etc/pam.d/common-auth "
					    "nor /etc/pam.d/system-auth exists");
	}
	struct pam_loader ld = {ld_read, ld_exists, ctx};
	char reason[1024], w[300];
	struct pam_stack st = {0};
	int r = pam_stack_load(&st, pw_path, "password", &ld);
	if (r == MAMORI_ENOMEM) {
		pam_stack_free(&st);
		return r;
	}
	if (r) {
		snprintf(reason, sizeof(reason), "%s: %s",
			 where(w, sizeof(w), st.err_file, st.err_line), st.err);
		r = put_unknown_list(ctx, password_facts, st.err_file, st.err_line, reason);
	} else {
		r = put_password(ctx, &st);
	}
	pam_stack_free(&st);
	if (r)
		return r;
	struct pam_stack as = {0};
	r = pam_stack_load(&as, auth_path, "auth", &ld);
	if (r == MAMORI_ENOMEM) {
		pam_stack_free(&as);
		return r;
	}
	if (r) {
		snprintf(reason, sizeof(reason), "%s: %s",
			 where(w, sizeof(w), as.err_file, as.err_line), as.err);
		r = put_unknown_list(ctx, lockout_facts, as.err_file, as.err_line, reason);
	} else {
		r = put_lockout(ctx, &as);
	}
	pam_stack_free(&as);
	return r;
}
