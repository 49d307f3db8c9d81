/* SPDX-License-Identifier: Apache-2.0 */
/* password.* and lockout.*: the PAM password stack's quality module and the auth stack's
 * lockout module, with their configuration files, as Linux-PAM, libpwquality, pam_cracklib,
 * pam_passwdqc, pam_faillock and pam_tally2 read them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/apt.h"
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
	int level; /* substack nesting */
};

static int stack_file(struct pam_stack *s, const struct pam_loader *ld, const char *path,
		      const char *type, int depth, int level);

static void stack_fail(struct pam_stack *s, const char *file, int line, const char *msg)
{
	if (s->err[0])
		return;
	snprintf(s->err_file, sizeof(s->err_file), "%s", file);
	s->err_line = line;
	snprintf(s->err, sizeof(s->err), "%s", msg);
}

static int stack_include(struct stack_ctx *sc, const char *name, int line, int level)
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
	return stack_file(sc->s, sc->ld, path, sc->type, sc->depth + 1, level);
}

/* Appends a module line (or, with head, the "substack" line itself) to the stack. */
static int stack_push(struct stack_ctx *sc, const struct pam_line *l, bool head)
{
	struct pam_stack *s = sc->s;
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
	snprintf(e->module_path, sizeof(e->module_path), "%s", l->module);
	snprintf(e->file, sizeof(e->file), "%s", sc->file);
	e->line = l->line;
	e->silent = l->silent;
	e->substack_head = head;
	e->level = sc->level;
	s->n++;
	if (l->nargs && !head) {
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

static int stack_line(const struct pam_line *l, void *ud)
{
	struct stack_ctx *sc = ud;
	if (l->include_file)
		return stack_include(sc, l->include_file, l->line, sc->level);
	if (c_strcasecmp(l->type, sc->type) != 0)
		return 0;
	if (c_strcasecmp(l->control, "include") == 0)
		return stack_include(sc, l->module, l->line, sc->level);
	if (c_strcasecmp(l->control, "substack") == 0) {
		/* Linux-PAM keeps a head entry at this level; the file's lines go one deeper. */
		int r = stack_push(sc, l, true);
		return r ? r : stack_include(sc, l->module, l->line, sc->level + 1);
	}
	return stack_push(sc, l, false);
}

static int stack_file(struct pam_stack *s, const struct pam_loader *ld, const char *path,
		      const char *type, int depth, int level)
{
	char *buf, why[512];
	size_t len;
	int r = ld->read(ld->ud, path, &buf, &len, why, sizeof(why));
	if (r) {
		if (r != MAMORI_ENOMEM)
			stack_fail(s, path, 0, why);
		return r;
	}
	struct stack_ctx sc = {s, ld, type, path, depth, level};
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
	return stack_file(s, ld, path, type, 0, 0);
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

/* Return codes and actions as Linux-PAM's control syntax names them (pam_tokens.h). */
static const char *const ret_names[PAM_NRET + 1] = {"success",
						    "open_err",
						    "symbol_err",
						    "service_err",
						    "system_err",
						    "buf_err",
						    "perm_denied",
						    "auth_err",
						    "cred_insufficient",
						    "authinfo_unavail",
						    "user_unknown",
						    "maxtries",
						    "new_authtok_reqd",
						    "acct_expired",
						    "session_err",
						    "cred_unavail",
						    "cred_expired",
						    "cred_err",
						    "no_module_data",
						    "conv_err",
						    "authtok_err",
						    "authtok_recover_err",
						    "authtok_lock_busy",
						    "authtok_disable_aging",
						    "try_again",
						    "ignore",
						    "abort",
						    "authtok_expired",
						    "module_unknown",
						    "bad_item",
						    "conv_again",
						    "incomplete",
						    "default"};
static const char *const act_names[] = {"ignore", "ok", "done", "bad", "die", "reset"};
#define PAM_R_NEW_AUTHTOK_REQD 12

int pam_ret_code(const char *name)
{
	for (int i = 0; i < PAM_NRET; i++)
		if (strcmp(ret_names[i], name) == 0)
			return i;
	return -1;
}

static void ctl_fill(int act[PAM_NRET], int a)
{
	for (int i = 0; i < PAM_NRET; i++)
		if (act[i] == PAM_ACT_UNDEF)
			act[i] = a;
}

/* _pam_parse_control: "value=action" tokens; names are matched as prefixes, in table order,
 * case-sensitively, as Linux-PAM does. False on what Linux-PAM calls a parse error. */
static bool ctl_parse(int act[PAM_NRET], const char *p, const char *end)
{
	while (p < end) {
		while (p < end && c_isspace((unsigned char)*p))
			p++;
		if (p >= end)
			break;
		int ret = -1;
		size_t len = 0;
		for (int r = 0; r <= PAM_NRET; r++) {
			len = strlen(ret_names[r]);
			if ((size_t)(end - p) >= len && memcmp(ret_names[r], p, len) == 0) {
				ret = r;
				break;
			}
		}
		if (ret < 0 || (p += len) >= end)
			return false;
		while (p < end && c_isspace((unsigned char)*p))
			p++;
		if (p >= end || *p++ != '=')
			return false;
		while (p < end && c_isspace((unsigned char)*p))
			p++;
		if (p >= end)
			return false;
		int a = 1;
		for (size_t k = 0; k < sizeof(act_names) / sizeof(act_names[0]); k++) {
			size_t l = strlen(act_names[k]);
			if ((size_t)(end - p) >= l && memcmp(act_names[k], p, l) == 0) {
				a = -(int)k;
				p += l;
				break;
			}
		}
		if (a > 0) { /* a jump: a positive number */
			long long n = 0;
			if (!c_isdigit((unsigned char)*p))
				return false;
			while (p < end && c_isdigit((unsigned char)*p)) {
				n = n * 10 + (*p++ - '0');
				if (n > 2147483647LL)
					return false;
			}
			if (n == 0)
				return false;
			a = (int)n;
		}
		if (ret < PAM_NRET)
			act[ret] = a;
		else
			ctl_fill(act, a);
	}
	return true;
}

bool pam_control_actions(const char *control, int act[PAM_NRET])
{
	for (int i = 0; i < PAM_NRET; i++)
		act[i] = PAM_ACT_UNDEF;
	static const struct {
		const char *name;
		int success, ignore, rest;
	} words[] = {
	    {"required", PAM_ACT_OK, PAM_ACT_IGNORE, PAM_ACT_BAD},
	    {"requisite", PAM_ACT_OK, PAM_ACT_IGNORE, PAM_ACT_DIE},
	    {"optional", PAM_ACT_OK, PAM_ACT_IGNORE, PAM_ACT_IGNORE},
	    {"sufficient", PAM_ACT_DONE, PAM_ACT_IGNORE, PAM_ACT_IGNORE},
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (c_strcasecmp(control, words[i].name) != 0)
			continue;
		act[PAM_R_SUCCESS] = words[i].success;
		act[PAM_R_NEW_AUTHTOK_REQD] = words[i].success;
		act[PAM_R_IGNORE] = words[i].ignore;
		ctl_fill(act, words[i].rest);
		return true;
	}
	const char *p = control, *end = control + strlen(control);
	if (*p == '[') {
		const char *rb = strrchr(p, ']');
		p++;
		if (rb)
			end = rb;
	}
	bool ok = ctl_parse(act, p, end);
	for (int i = 0; i < PAM_NRET; i++)
		if (!ok || act[i] == PAM_ACT_UNDEF)
			act[i] =
			    PAM_ACT_BAD; /* Linux-PAM: "by default the default is ... failure" */
	return ok;
}

bool pam_control_enforces(const char *control, const char *retkey)
{
	int code = pam_ret_code(retkey), act[PAM_NRET];
	if (code < 0)
		return false;
	(void)pam_control_actions(control, act);
	return act[code] == PAM_ACT_BAD || act[code] == PAM_ACT_DIE;
}

/* ---- lockout: walking the auth stack as Linux-PAM's _pam_dispatch_aux does ---- */

enum pam_faillock_mode pam_faillock_mode(const struct pam_entry *e)
{
	enum pam_faillock_mode m = PAM_FL_PREAUTH; /* pam_faillock's default action */
	for (size_t i = 0; i < e->nargs; i++) {
		if (strcmp(e->args[i], "preauth") == 0)
			m = PAM_FL_PREAUTH;
		else if (strcmp(e->args[i], "authfail") == 0)
			m = PAM_FL_AUTHFAIL;
		else if (strcmp(e->args[i], "authsucc") == 0)
			m = PAM_FL_AUTHSUCC;
	}
	return m;
}

/* Modules that do not check the password (they may still succeed, fail or ignore). Any other
 * module is taken for one that checks a password: when the password is wrong it fails. */
static bool aux_module(const char *m)
{
	static const char *const aux[] = {
	    "pam_env.so",	    "pam_faildelay.so", "pam_nologin.so",    "pam_securetty.so",
	    "pam_cap.so",	    "pam_group.so",	"pam_succeed_if.so", "pam_usertype.so",
	    "pam_localuser.so",	    "pam_listfile.so",	"pam_shells.so",     "pam_time.so",
	    "pam_access.so",	    "pam_echo.so",	"pam_motd.so",	     "pam_warn.so",
	    "pam_gnome_keyring.so", "pam_kwallet.so",	"pam_kwallet5.so",   "pam_mount.so",
	    "pam_keyinit.so",	    "pam_limits.so",	"pam_loginuid.so",   "pam_systemd.so",
	    "pam_mkhomedir.so",	    "pam_umask.so",	"pam_lastlog.so",    "pam_mail.so",
	    "pam_xauth.so",	    "pam_selinux.so",	"pam_namespace.so",  "pam_rootok.so",
	    "pam_tally.so",	    "pam_tally2.so",	"pam_faillock.so",   "pam_exec.so"};
	for (size_t i = 0; i < sizeof(aux) / sizeof(aux[0]); i++)
		if (strcmp(m, aux[i]) == 0)
			return true;
	return false;
}

enum sim_kind { K_OTHER, K_CRED, K_DENY, K_PERMIT, K_PRE, K_FAIL, K_SUCC, K_TALLY, K_HEAD };
enum sim_world {
	W_NORMAL, /* unlocked account, right password: someone must get in */
	W_LOCKED, /* locked account, right password: nobody may get in */
	W_WRONG,  /* unlocked account, wrong password: the failure must be counted */
};
#define SIM_LEVELS (PAM_MAX_DEPTH + 2)
#define SIM_SEEN (1u << 14)

struct sim {
	const struct pam_stack *s;
	const bool *absent;
	int (*act)[PAM_NRET];
	unsigned char *kind;
	enum sim_world world;
	uint64_t *seen; /* visited states (key + 1), open addressing */
	size_t nseen;
	bool complex;
	bool any_success;
	bool violation;
	size_t at;
	bool reset, checked;
};

struct sim_state {
	int imp; /* -1, 0, +1: Linux-PAM's impression */
	bool ok; /* status == PAM_SUCCESS */
	int prev_level;
	signed char sub_imp[SIM_LEVELS];
	bool sub_ok[SIM_LEVELS];
	bool pre_ran, counted, reset, cred_ran;
	size_t cred_at, reset_at, succ_at;
	int succ_rank; /* 0 none, 1 permit/other, 2 a password module */
};

/* Remembers (i, state) and says whether it was seen before: the same state at the same line
 * leads to the same endings, so walking it again adds nothing. */
static bool sim_seen(struct sim *sm, size_t i, const struct sim_state *st)
{
	uint64_t k = (uint64_t)i;
	k = k * 3 + (uint64_t)(st->imp + 1);
	k = k * 2 + st->ok;
	k = k * SIM_LEVELS + (uint64_t)st->prev_level;
	k = k * 16 +
	    (uint64_t)(st->pre_ran | st->counted << 1 | st->reset << 2 | st->cred_ran << 3);
	for (int l = 1; l <= st->prev_level && l < SIM_LEVELS; l++)
		k = k * 6 + (uint64_t)((st->sub_imp[l] + 1) * 2 + st->sub_ok[l]);
	k += 1;
	size_t h = (size_t)((k * 0x9E3779B97F4A7C15ULL) >> 50) & (SIM_SEEN - 1);
	while (sm->seen[h]) {
		if (sm->seen[h] == k)
			return true;
		h = (h + 1) & (SIM_SEEN - 1);
	}
	if (++sm->nseen > SIM_SEEN * 3 / 4) {
		sm->complex = true;
		return true;
	}
	sm->seen[h] = k;
	return false;
}

static void sim_end(struct sim *sm, const struct sim_state *st)
{
	/* Linux-PAM's sanity check: success only with a positive impression. */
	bool success = st->imp > 0 && st->ok;
	if (success)
		sm->any_success = true;
	if (sm->violation)
		return;
	if (sm->world == W_LOCKED && success) {
		sm->violation = true;
		sm->at = st->succ_at;
		sm->checked = st->pre_ran;
	} else if (sm->world == W_WRONG && !success && st->cred_ran &&
		   (!st->counted || st->reset)) {
		sm->violation = true;
		sm->reset = st->counted && st->reset;
		sm->at = sm->reset ? st->reset_at : st->cred_at;
	}
}

/* The return codes a line can give in this world: one per distinct action is enough, since
 * the dispatcher looks only at the action and at whether the code is success or ignore. */
static size_t sim_outcomes(const struct sim *sm, size_t i, int *out)
{
	enum sim_kind k = sm->kind[i];
	bool locked = sm->world == W_LOCKED;
	if (sm->absent[i]) {
		out[0] = PAM_R_MODULE_UNKNOWN;
		return 1;
	}
	switch (k) {
	case K_DENY:
		out[0] = PAM_R_AUTH_ERR;
		return 1;
	case K_PERMIT:
		out[0] = PAM_R_SUCCESS;
		return 1;
	case K_PRE:
	case K_SUCC:
		out[0] = locked ? PAM_R_AUTH_ERR : PAM_R_SUCCESS;
		return 1;
	case K_FAIL: /* counts the failure and asks to be ignored, or refuses a locked one */
		out[0] = locked ? PAM_R_AUTH_ERR : PAM_R_IGNORE;
		return 1;
	case K_TALLY: /* pam_tally2 counts the attempt, then refuses a locked account */
		out[0] = locked ? PAM_R_AUTH_ERR : PAM_R_SUCCESS;
		return 1;
	default:
		break;
	}
	bool wrong_pw = k == K_CRED && sm->world == W_WRONG;
	size_t n = 0;
	if (!wrong_pw)
		out[n++] = PAM_R_SUCCESS;
	out[n++] = PAM_R_IGNORE;
	size_t fails = n;
	for (int r = 1; r < PAM_NRET; r++) {
		if (r == PAM_R_IGNORE || r == PAM_R_INCOMPLETE || r == PAM_R_CONV_AGAIN ||
		    (wrong_pw && r == PAM_R_NEW_AUTHTOK_REQD))
			continue;
		bool dup = false;
		for (size_t j = fails; j < n && !dup; j++)
			dup = sm->act[i][out[j]] == sm->act[i][r];
		if (!dup)
			out[n++] = r;
	}
	return n;
}

static void sim_walk(struct sim *sm, size_t i, struct sim_state st);

/* Continues after the line at i decided: skips the rest of its (sub)stack. */
static void sim_decided(struct sim *sm, size_t i, const struct sim_state *st)
{
	const struct pam_entry *v = sm->s->v;
	int level = v[i].level;
	size_t j = i;
	while (j + 1 < sm->s->n && v[j + 1].level >= level)
		j++;
	struct sim_state nx = *st;
	nx.prev_level = level;
	sim_walk(sm, j + 1, nx);
}

static void sim_walk(struct sim *sm, size_t i, struct sim_state st)
{
	const struct pam_entry *v = sm->s->v;
	if (sm->complex)
		return;
	if (i >= sm->s->n) {
		sim_end(sm, &st);
		return;
	}
	if (sim_seen(sm, i, &st))
		return;
	int level = v[i].level;
	if (level >= SIM_LEVELS) {
		sm->complex = true;
		return;
	}
	if (st.prev_level < level) { /* entering a substack: remember the state */
		st.sub_imp[level] = (signed char)st.imp;
		st.sub_ok[level] = st.ok;
	}
	if (sm->kind[i] == K_HEAD) {
		st.prev_level = level;
		sim_walk(sm, i + 1, st);
		return;
	}
	int outs[PAM_NRET];
	size_t nout = sim_outcomes(sm, i, outs);
	for (size_t o = 0; o < nout && !sm->complex; o++) {
		int r = outs[o], a = sm->act[i][r];
		struct sim_state nx = st;
		enum sim_kind k = sm->absent[i] ? K_OTHER : (enum sim_kind)sm->kind[i];
		if (k == K_PRE || k == K_TALLY)
			nx.pre_ran = true;
		if (k == K_FAIL || k == K_TALLY)
			nx.counted = true;
		if (k == K_SUCC && !nx.reset) {
			nx.reset = true;
			nx.reset_at = i;
		}
		if (k == K_CRED && !nx.cred_ran) {
			nx.cred_ran = true;
			nx.cred_at = i;
		}
		if (r == PAM_R_SUCCESS) {
			int rank = k == K_CRED ? 2 : 1;
			if (rank > nx.succ_rank) {
				nx.succ_rank = rank;
				nx.succ_at = i;
			}
		}
		nx.prev_level = level;
		switch (a) {
		case PAM_ACT_RESET:
			nx.imp = st.sub_imp[level];
			nx.ok = st.sub_ok[level];
			sim_walk(sm, i + 1, nx);
			break;
		case PAM_ACT_OK:
		case PAM_ACT_DONE:
			if (nx.imp == 0 || (nx.imp > 0 && nx.ok)) {
				nx.imp = 1;
				nx.ok = r == PAM_R_SUCCESS;
			}
			if (nx.imp > 0 && a == PAM_ACT_DONE)
				sim_decided(sm, i, &nx);
			else
				sim_walk(sm, i + 1, nx);
			break;
		case PAM_ACT_BAD:
		case PAM_ACT_DIE:
			if (nx.imp >= 0) {
				nx.imp = -1;
				nx.ok = r == PAM_R_SUCCESS;
			}
			if (a == PAM_ACT_DIE)
				sim_decided(sm, i, &nx);
			else
				sim_walk(sm, i + 1, nx);
			break;
		case PAM_ACT_IGNORE:
			sim_walk(sm, i + 1, nx);
			break;
		default: { /* a jump over a lines of this level, a substack counting as one */
			size_t j = i;
			int left = a;
			while (j + 1 < sm->s->n && v[j + 1].level >= level && left > 0) {
				do
					j++;
				while (j + 1 < sm->s->n && v[j + 1].level > level);
				left--;
			}
			if (left > 0) { /* "bad jump in stack" */
				nx.imp = -1;
				nx.ok = false;
			}
			sim_walk(sm, j + 1, nx);
			break;
		}
		}
	}
}

void pam_lockout_eval(const struct pam_stack *s, const bool *absent, bool tally2,
		      struct pam_lock_eval *out)
{
	memset(out, 0, sizeof(*out));
	size_t n = s->n;
	struct sim sm = {.s = s, .absent = absent};
	sm.act = calloc(n ? n : 1, sizeof(*sm.act));
	sm.kind = calloc(n ? n : 1, 1);
	sm.seen = calloc(SIM_SEEN, sizeof(uint64_t));
	if (sm.act == NULL || sm.kind == NULL || sm.seen == NULL) {
		out->verdict = PAM_LOCK_COMPLEX;
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		const struct pam_entry *e = &s->v[i];
		enum sim_kind k = K_OTHER;
		(void)pam_control_actions(e->control, sm.act[i]);
		if (e->substack_head)
			k = K_HEAD;
		else if (!tally2 && strcmp(e->module, "pam_faillock.so") == 0)
			k = (enum sim_kind[]){K_PRE, K_FAIL, K_SUCC}[pam_faillock_mode(e)];
		else if (tally2 && strcmp(e->module, "pam_tally2.so") == 0)
			k = K_TALLY;
		else if (strcmp(e->module, "pam_deny.so") == 0)
			k = K_DENY;
		else if (strcmp(e->module, "pam_permit.so") == 0)
			k = K_PERMIT;
		else if (!aux_module(e->module))
			k = K_CRED;
		sm.kind[i] = (unsigned char)k;
	}
	static const enum sim_world worlds[] = {W_NORMAL, W_LOCKED, W_WRONG};
	out->verdict = PAM_LOCK_OK;
	for (size_t w = 0; w < 3; w++) {
		sm.world = worlds[w];
		sm.any_success = sm.violation = sm.complex = false;
		memset(sm.seen, 0, SIM_SEEN * sizeof(uint64_t));
		sm.nseen = 0;
		struct sim_state st = {0};
		sim_walk(&sm, 0, st);
		if (sm.complex) {
			out->verdict = PAM_LOCK_COMPLEX;
			break;
		}
		if (sm.world == W_NORMAL && !sm.any_success) {
			out->verdict = PAM_LOCK_BROKEN;
			break;
		}
		if (sm.violation) {
			out->verdict = sm.world == W_LOCKED ? PAM_LOCK_BYPASS : PAM_LOCK_UNCOUNTED;
			out->at = sm.at;
			out->reset = sm.reset;
			out->checked = sm.checked;
			break;
		}
	}
done:
	free(sm.act);
	free(sm.kind);
	free(sm.seen);
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
static const char *const lockout_facts[] = {"lockout.module",
					    "lockout.deny",
					    "lockout.unlock_time_seconds",
					    "lockout.permanent",
					    "lockout.fail_interval_seconds",
					    NULL};

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
		if (!st->v[i].substack_head && strcmp(st->v[i].module, module) == 0)
			return &st->v[i];
	return NULL;
}

/* ---- is a module installed? ---- */

/* The directories Linux-PAM loads modules from that exist under the root. */
struct moddirs {
	char dir[16][160];
	size_t n;
};

static void moddirs_add(struct probe_ctx *ctx, struct moddirs *md, const char *dir)
{
	struct stat sb;
	if (md->n < sizeof(md->dir) / sizeof(md->dir[0]) && rootfs_stat(ctx, dir, &sb) == 0 &&
	    S_ISDIR(sb.st_mode))
		snprintf(md->dir[md->n++], sizeof(md->dir[0]), "%s", dir);
}

static int moddirs_find(struct probe_ctx *ctx, struct moddirs *md)
{
	static const char *const fixed[] = {"/lib/security", "/lib64/security", "/usr/lib/security",
					    "/usr/lib64/security"};
	static const char *const bases[] = {"/lib", "/usr/lib"};
	md->n = 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		moddirs_add(ctx, md, fixed[i]);
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		char **names = NULL;
		size_t n = 0;
		int r = rootfs_list(ctx, bases[b], "*-linux-*", &names, &n);
		if (r == MAMORI_ENOMEM)
			return r;
		for (size_t i = 0; r == 0 && i < n; i++) {
			char d[160];
			if (snprintf(d, sizeof(d), "%s/%s/security", bases[b], names[i]) <
			    (int)sizeof(d))
				moddirs_add(ctx, md, d);
		}
		rootfs_names_free(names);
	}
	return 0;
}

/* The Debian package that ships a module, for roots without module directories. */
static const char *module_package(const char *module, const char **min_version)
{
	static const struct {
		const char *module, *package, *since;
	} map[] = {
	    {"pam_pwquality.so", "libpam-pwquality", NULL},
	    {"pam_cracklib.so", "libpam-cracklib", NULL},
	    {"pam_passwdqc.so", "libpam-passwdqc", NULL},
	    {"pam_faillock.so", "libpam-modules", "1.4.0"}, /* added in Linux-PAM 1.4.0 */
	    {"pam_unix.so", "libpam-modules", NULL},
	    {"pam_deny.so", "libpam-modules", NULL},
	    {"pam_permit.so", "libpam-modules", NULL},
	    {"pam_env.so", "libpam-modules", NULL},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(module, map[i].module) == 0) {
			*min_version = map[i].since;
			return map[i].package;
		}
	return NULL;
}

enum presence { PRES_YES, PRES_NO, PRES_UNKNOWN };

/* Is the line's module installed: a file in a module directory, else (a root without module
 * directories) its package in dpkg. Linux-PAM runs a missing module as one that returns
 * module_unknown, whether or not the line starts with '-' (that only silences the log). */
static int module_presence(struct probe_ctx *ctx, const struct moddirs *md,
			   const struct pam_entry *e, enum presence *p, char *how, size_t howlen)
{
	char path[512];
	if (e->module_path[0] == '/') {
		if (rootfs_exists(ctx, e->module_path)) {
			snprintf(how, howlen, "%s exists", e->module_path);
			*p = PRES_YES;
			return 0;
		}
	} else {
		for (size_t i = 0; i < md->n; i++) {
			snprintf(path, sizeof(path), "%s/%s", md->dir[i], e->module_path);
			if (rootfs_exists(ctx, path)) {
				snprintf(how, howlen, "%s exists", path);
				*p = PRES_YES;
				return 0;
			}
		}
	}
	if (md->n > 0) {
		snprintf(how, howlen, "%s is in none of the PAM module directories (%s%s)",
			 e->module_path, md->dir[0], md->n > 1 ? ", ..." : "");
		*p = PRES_NO;
		return 0;
	}
	const char *since = NULL, *ver = NULL;
	const char *pkg = module_package(e->module, &since);
	if (pkg == NULL) {
		snprintf(how, howlen,
			 "no PAM module directory under the root, and no known package ships %s",
			 e->module);
		*p = PRES_UNKNOWN;
		return 0;
	}
	char why[512];
	int r = pkg_installed(ctx, pkg, &ver, why, sizeof(why));
	if (r == MAMORI_ENOMEM)
		return r;
	int cmp = 0;
	if (r > 0 && since && ver && deb_version_cmp_str(ver, since, &cmp) == 0 && cmp < 0) {
		snprintf(how, howlen, "package %s %s is older than %s, which added %s", pkg, ver,
			 since, e->module);
		*p = PRES_NO;
	} else if (r > 0) {
		snprintf(how, howlen,
			 "package %s is installed (no PAM module directory to look in)", pkg);
		*p = PRES_YES;
	} else if (r == 0) {
		snprintf(how, howlen, "package %s is not installed", pkg);
		*p = PRES_NO;
	} else {
		snprintf(how, howlen, "no PAM module directory under the root, and %s", why);
		*p = PRES_UNKNOWN;
	}
	return 0;
}

/* ---- password policy ---- */

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

static int put_password(struct probe_ctx *ctx, const struct moddirs *md, const struct pam_stack *st)
{
	static const char *const mods[] = {"pam_pwquality.so", "pam_cracklib.so",
					   "pam_passwdqc.so"};
	const struct pam_entry *q = NULL;
	char none[1024] = "no password quality module (pam_pwquality, pam_cracklib, pam_passwdqc) "
			  "in the password stack";
	char w[300], how[600];
	int r;
	for (size_t i = 0; i < st->n && q == NULL; i++) {
		const struct pam_entry *e = &st->v[i];
		size_t m = 0;
		while (m < 3 && (e->substack_head || strcmp(e->module, mods[m]) != 0))
			m++;
		if (m == 3)
			continue;
		enum presence pres;
		r = module_presence(ctx, md, e, &pres, how, sizeof(how));
		if (r)
			return r;
		if (pres == PRES_UNKNOWN && e->silent) {
			char why[1200];
			snprintf(
			    why, sizeof(why),
			    "%s at %s is a \"-password\" line, whose module may be missing "
			    "(Linux-PAM then runs it as \"module unknown\"), and whether it is "
			    "installed cannot be told: %s",
			    mods[m], where(w, sizeof(w), e->file, e->line), how);
			return put_unknown_list(ctx, password_facts, e->file, e->line, why);
		}
		if (pres == PRES_NO) {
			int act[PAM_NRET];
			(void)pam_control_actions(e->control, act);
			int a = act[PAM_R_MODULE_UNKNOWN];
			snprintf(none, sizeof(none),
				 "%s at %s is not installed (%s): Linux-PAM runs it as "
				 "\"module unknown\", and it checks nothing",
				 mods[m], where(w, sizeof(w), e->file, e->line), how);
			if (a == PAM_ACT_BAD || a == PAM_ACT_DIE) {
				char why[1400];
				snprintf(why, sizeof(why),
					 "%s; its control \"%s\" then makes every password change "
					 "fail, so no password length applies",
					 none, e->control);
				r = facts_put_str(ctx->facts, "password.quality_module", "none",
						  e->file, e->line, none);
				return r ? r
					 : put_unknown_list(ctx, password_facts + 1, e->file,
							    e->line, why);
			}
			if (a != PAM_ACT_IGNORE) {
				char why[1400];
				snprintf(why, sizeof(why),
					 "%s; what its control \"%s\" does then is not modelled",
					 none, e->control);
				return put_unknown_list(ctx, password_facts, e->file, e->line, why);
			}
			continue;
		}
		if (pam_control_enforces(e->control, "authtok_err")) {
			q = e;
			break;
		}
		snprintf(none, sizeof(none),
			 "%s at %s is \"%s\": a password it rejects is still accepted", mods[m],
			 where(w, sizeof(w), e->file, e->line), e->control);
	}
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

/* ---- lockout ---- */

#define FAILLOCK_MAX_TIME 604800 /* pam_faillock's MAX_TIME_INTERVAL: one week */

struct faillock_opts {
	long long deny, unlock_time, fail_interval;
	char deny_src[300], unlock_src[300], interval_src[300];
};

/* A number as pam_faillock's scanf "%u" / "%hu" reads it: leading blanks, a sign, digits
 * (anything after them ignored), a negative number wrapping around, the result cut to bits. */
static bool faillock_num(const char *v, int bits, unsigned long long *out)
{
	while (c_isspace((unsigned char)*v))
		v++;
	bool neg = *v == '-';
	if (*v == '+' || *v == '-')
		v++;
	if (!c_isdigit((unsigned char)*v))
		return false;
	unsigned long long n = 0;
	for (; c_isdigit((unsigned char)*v); v++) {
		unsigned d = (unsigned)(*v - '0');
		n = n > (~0ULL - d) / 10 ? ~0ULL : n * 10 + d; /* strtoul saturates */
	}
	if (neg)
		n = 0ULL - n;
	*out = bits >= 64 ? n : n & ((1ULL << bits) - 1);
	return true;
}

/* pam_faillock's set_conf_opt for the settings mamori reports; others are ignored, as a bad
 * value is (pam_faillock logs it and keeps the previous one). */
static void faillock_set(struct faillock_opts *o, const char *name, const char *value,
			 const char *file, int line)
{
	unsigned long long v;
	char w[300];
	where(w, sizeof(w), file, line);
	if (strcmp(name, "deny") == 0) {
		if (faillock_num(value, 16, &v)) {
			o->deny = (long long)v;
			snprintf(o->deny_src, sizeof(o->deny_src), "%s", w);
		}
	} else if (strcmp(name, "fail_interval") == 0) {
		if (faillock_num(value, 32, &v) && v <= FAILLOCK_MAX_TIME) {
			o->fail_interval = (long long)v;
			snprintf(o->interval_src, sizeof(o->interval_src), "%s", w);
		}
	} else if (strcmp(name, "unlock_time") == 0) {
		if (strcmp(value, "never") == 0)
			v = 0;
		else if (!faillock_num(value, 32, &v) || v > FAILLOCK_MAX_TIME)
			return;
		o->unlock_time = (long long)v;
		snprintf(o->unlock_src, sizeof(o->unlock_src), "%s", w);
	}
}

struct faillock_read {
	struct faillock_opts *o;
	const char *file;
};

static int faillock_cb(const char *name, const char *value, int line, void *ud)
{
	struct faillock_read *fr = ud;
	faillock_set(fr->o, name, value, fr->file, line);
	return 0;
}

/* faillock.conf (or conf=), then the line's own arguments in order, as args_parse does. */
static int faillock_settings(struct probe_ctx *ctx, const struct pam_entry *e,
			     struct faillock_opts *o, char *why, size_t whylen)
{
	*o = (struct faillock_opts){.deny = 3, .unlock_time = 600, .fail_interval = 900};
	snprintf(o->deny_src, sizeof(o->deny_src), "default");
	snprintf(o->unlock_src, sizeof(o->unlock_src), "default");
	snprintf(o->interval_src, sizeof(o->interval_src), "default");
	const char *conf = NULL;
	for (size_t i = 0; i < e->nargs; i++)
		if (strncmp(e->args[i], "conf=", 5) == 0)
			conf = e->args[i] + 5;
	char *buf;
	size_t len;
	const char *path = conf ? conf : "/etc/security/faillock.conf";
	int r = rootfs_read(ctx, path, 1 << 20, &buf, &len, why, whylen);
	if (r == MAMORI_ENOMEM)
		return r;
	if (r == 0) {
		int bad = 0;
		struct faillock_read fr = {o, path};
		r = secconf_parse(buf, len, true, faillock_cb, &fr, &bad);
		free(buf);
		if (r) {
			snprintf(why, whylen, "%s:%d: malformed line", path, bad);
			return r;
		}
	} else if (r != MAMORI_ENOENT || conf) {
		/* pam_faillock fails every call when a conf= file cannot be opened. */
		return r;
	}
	for (size_t i = 0; i < e->nargs; i++) {
		const char *a = e->args[i], *eq = strchr(a, '=');
		char name[64];
		if (strncmp(a, "conf=", 5) == 0)
			continue;
		size_t nl = eq ? (size_t)(eq - a) : strlen(a);
		if (nl >= sizeof(name))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)nl, a);
		faillock_set(o, name, eq ? eq + 1 : "", e->file, e->line);
	}
	return 0;
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

/* The lock does not work: lockout.module "none" with the reason. */
static int put_lockout_none(struct probe_ctx *ctx, const char *src, int line, const char *note)
{
	int r = facts_put_str(ctx->facts, "lockout.module", "none", src, line, note);
	if (r == 0)
		r = facts_put_int(ctx->facts, "lockout.deny", 0, src, line, note);
	if (r == 0)
		r = put_unknown_list(ctx, lockout_facts + 2, src, line, note);
	return r;
}

enum lock_order { LOCK_WORKS, LOCK_BROKEN_ORDER, LOCK_UNKNOWN };

/* Whether the auth stack really refuses a locked account and counts every wrong password,
 * over every combination of the '-auth' modules whose presence is unknown. *res says; why,
 * src and line explain anything but LOCK_WORKS. lock is the checking line (preauth or
 * pam_tally2). Returns 0 or MAMORI_ENOMEM. */
static int lockout_order(struct probe_ctx *ctx, const struct moddirs *md,
			 const struct pam_stack *st, bool tally2, const struct pam_entry *lock,
			 enum lock_order *res, char *why, size_t whylen, const char **src,
			 int *line)
{
	bool *absent = calloc(st->n ? st->n : 1, sizeof(bool));
	size_t unk[6], nunk = 0;
	char how[600], w[300], w2[300];
	int r = 0;
	*res = LOCK_UNKNOWN;
	if (absent == NULL)
		return MAMORI_ENOMEM;
	for (size_t i = 0; i < st->n; i++) {
		const struct pam_entry *e = &st->v[i];
		enum presence p;
		if (e->substack_head)
			continue;
		r = module_presence(ctx, md, e, &p, how, sizeof(how));
		if (r)
			goto out;
		absent[i] = p == PRES_NO;
		/* A line without '-' is taken as installed when that cannot be told. */
		if (p == PRES_UNKNOWN && e->silent) {
			if (nunk == sizeof(unk) / sizeof(unk[0])) {
				snprintf(why, whylen,
					 "too many \"-auth\" lines whose module may be missing "
					 "(%s at %s: %s)",
					 e->module, where(w, sizeof(w), e->file, e->line), how);
				*src = e->file;
				*line = e->line;
				goto out;
			}
			unk[nunk++] = i;
		}
	}
	/* Every combination must give the same answer; else it depends on what is installed. */
	struct pam_lock_eval first = {0};
	size_t nvar = (size_t)1 << nunk, nok = 0;
	bool mixed = false;
	for (size_t m = 0; m < nvar; m++) {
		for (size_t u = 0; u < nunk; u++)
			absent[unk[u]] = (m >> u) & 1;
		struct pam_lock_eval ev;
		pam_lockout_eval(st, absent, tally2, &ev);
		nok += ev.verdict == PAM_LOCK_OK;
		if (m == 0)
			first = ev;
		else if (ev.verdict != first.verdict)
			mixed = true;
		if (first.verdict == PAM_LOCK_COMPLEX)
			break;
	}
	for (size_t u = 0; u < nunk; u++)
		absent[unk[u]] = false;
	const struct pam_entry *at = &st->v[first.at < st->n ? first.at : 0];
	*src = at->file;
	*line = at->line;
	if (nok == nvar) {
		*res = LOCK_WORKS;
		goto out;
	}
	if (mixed) {
		const struct pam_entry *e = &st->v[unk[0]];
		(void)module_presence(ctx, md, e, &(enum presence){PRES_UNKNOWN}, how, sizeof(how));
		snprintf(why, whylen,
			 "whether %s works depends on whether the modules of the \"-auth\" lines "
			 "are installed (%s at %s), which cannot be told: %s",
			 tally2 ? "pam_tally2" : "pam_faillock", e->module,
			 where(w, sizeof(w), e->file, e->line), how);
		*src = e->file;
		*line = e->line;
		goto out;
	}
	switch (first.verdict) {
	case PAM_LOCK_BYPASS:
		if (first.checked)
			snprintf(why, whylen,
				 "with the right password a locked account still logs in: %s at %s "
				 "(\"%s\") refuses it, but the stack goes on and %s at %s (\"%s\") "
				 "lets the user in",
				 tally2 ? "pam_tally2" : "pam_faillock preauth",
				 where(w2, sizeof(w2), lock->file, lock->line), lock->control,
				 at->module, where(w, sizeof(w), at->file, at->line), at->control);
		else
			snprintf(why, whylen,
				 "with the right password a locked account still logs in: %s at %s "
				 "(\"%s\") can return success before %s runs",
				 at->module, where(w, sizeof(w), at->file, at->line), at->control,
				 tally2 ? "pam_tally2" : "pam_faillock preauth");
		break;
	case PAM_LOCK_UNCOUNTED:
		if (first.reset)
			snprintf(why, whylen,
				 "wrong passwords are never counted to the limit: pam_faillock "
				 "authsucc at %s runs after a failed password and clears the count",
				 where(w, sizeof(w), at->file, at->line));
		else
			snprintf(why, whylen,
				 "wrong passwords are not counted: when %s at %s rejects the "
				 "password, the stack ends without reaching %s",
				 at->module, where(w, sizeof(w), at->file, at->line),
				 tally2 ? "pam_tally2" : "a pam_faillock authfail line");
		break;
	case PAM_LOCK_BROKEN: {
		const struct pam_entry *miss = NULL;
		for (size_t i = 0; i < st->n && miss == NULL; i++)
			if (absent[i])
				miss = &st->v[i];
		if (miss)
			snprintf(why, whylen,
				 "the auth stack lets nobody log in, so whether it locks accounts "
				 "cannot be judged: %s at %s is not installed and Linux-PAM fails "
				 "every login there (\"%s\")",
				 miss->module, where(w2, sizeof(w2), miss->file, miss->line),
				 miss->control);
		else
			snprintf(why, whylen,
				 "the auth stack lets nobody log in (every path through %s ends in "
				 "failure), so whether it locks accounts cannot be judged",
				 where(w2, sizeof(w2), st->v[0].file, 0));
		if (miss) {
			*src = miss->file;
			*line = miss->line;
		}
		break;
	}
	default:
		snprintf(why, whylen, "the auth stack has too many paths for mamori to follow");
		break;
	}
	if (first.verdict == PAM_LOCK_BYPASS || first.verdict == PAM_LOCK_UNCOUNTED)
		*res = LOCK_BROKEN_ORDER;
out:
	free(absent);
	return r;
}

static int put_lockout(struct probe_ctx *ctx, const struct moddirs *md, const struct pam_stack *st)
{
	const struct pam_entry *pre = NULL, *fail = NULL, *tally = NULL, *any = NULL;
	for (size_t i = 0; i < st->n; i++) {
		const struct pam_entry *e = &st->v[i];
		if (e->substack_head)
			continue;
		if (strcmp(e->module, "pam_faillock.so") == 0) {
			any = any ? any : e;
			enum pam_faillock_mode m = pam_faillock_mode(e);
			if (m == PAM_FL_PREAUTH && pre == NULL)
				pre = e;
			else if (m == PAM_FL_AUTHFAIL && fail == NULL)
				fail = e;
		} else if (strcmp(e->module, "pam_tally2.so") == 0 && tally == NULL) {
			tally = e;
		}
	}
	char note[1400], w[300], why[1200] = "";
	if (any == NULL && tally == NULL)
		return put_lockout_none(ctx, NULL, 0,
					"no pam_faillock or pam_tally2 line in the auth stack");
	if (any && (pre == NULL || fail == NULL)) {
		snprintf(note, sizeof(note), "pam_faillock at %s does not lock accounts: %s",
			 where(w, sizeof(w), any->file, any->line),
			 pre == NULL ? "no preauth line refuses locked accounts"
				     : "no authfail line records failures");
		return put_lockout_none(ctx, any->file, any->line, note);
	}
	bool tally2 = any == NULL;
	const struct pam_entry *e = tally2 ? tally : pre;
	struct faillock_opts o;
	char dn[700], un[400], in[400];
	if (tally2) {
		/* pam_tally2: deny= (default 0, never) and unlock_time= (default 0). */
		unsigned long long v;
		const char *dv = pam_entry_arg(tally, "deny"),
			   *uv = pam_entry_arg(tally, "unlock_time");
		o.deny = dv && faillock_num(dv, 32, &v) ? (long long)v : 0;
		o.unlock_time = uv && faillock_num(uv, 32, &v) ? (long long)v : 0;
		snprintf(dn, sizeof(dn), "pam_tally2 at %s: deny=%lld%s",
			 where(w, sizeof(w), tally->file, tally->line), o.deny,
			 o.deny == 0 ? " (0, the default, never locks)" : "");
		snprintf(un, sizeof(un), "%s", uv ? "unlock_time on the module line" : "default 0");
	} else {
		int r = faillock_settings(ctx, pre, &o, why, sizeof(why));
		if (r == MAMORI_ENOMEM)
			return r;
		if (r)
			return put_unknown_list(ctx, lockout_facts, pre->file, pre->line, why);
		char wf[300];
		snprintf(dn, sizeof(dn),
			 "pam_faillock preauth (%s) and authfail (%s) lines; deny=%lld (%s)%s",
			 where(w, sizeof(w), pre->file, pre->line),
			 where(wf, sizeof(wf), fail->file, fail->line), o.deny, o.deny_src,
			 o.deny == 0 ? ": deny=0 never locks" : "");
		snprintf(un, sizeof(un), "unlock_time=%lld (%s)", o.unlock_time, o.unlock_src);
		snprintf(in, sizeof(in),
			 "fail_interval=%lld (%s): failures older than this no longer count",
			 o.fail_interval, o.interval_src);
	}
	const char *src = e->file;
	int line = e->line, r;
	if (o.deny > 0) {
		enum lock_order res;
		r = lockout_order(ctx, md, st, tally2, e, &res, why, sizeof(why), &src, &line);
		if (r)
			return r;
		if (res == LOCK_BROKEN_ORDER)
			return put_lockout_none(ctx, src, line, why);
		if (res == LOCK_UNKNOWN)
			return put_unknown_list(ctx, lockout_facts, src, line, why);
	}
	r = put_lockout_values(ctx, o.deny ? (tally2 ? "pam_tally2" : "pam_faillock") : "none",
			       e->file, e->line, o.deny, dn, o.unlock_time, un);
	if (r)
		return r;
	if (tally2)
		return facts_put(ctx->facts, "lockout.fail_interval_seconds", json_null(),
				 tally->file, tally->line,
				 "pam_tally2 has no interval: failures count until a successful "
				 "login");
	return facts_put_int(ctx->facts, "lockout.fail_interval_seconds", o.fail_interval, e->file,
			     e->line, in);
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
	struct moddirs md;
	int r = moddirs_find(ctx, &md);
	if (r)
		return r;
	struct pam_stack st = {0};
	r = pam_stack_load(&st, pw_path, "password", &ld);
	if (r == MAMORI_ENOMEM) {
		pam_stack_free(&st);
		return r;
	}
	if (r) {
		snprintf(reason, sizeof(reason), "%s: %s",
			 where(w, sizeof(w), st.err_file, st.err_line), st.err);
		r = put_unknown_list(ctx, password_facts, st.err_file, st.err_line, reason);
	} else {
		r = put_password(ctx, &md, &st);
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
		r = put_lockout(ctx, &md, &as);
	}
	pam_stack_free(&as);
	return r;
}
