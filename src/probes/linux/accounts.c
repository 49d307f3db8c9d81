/* SPDX-License-Identifier: Apache-2.0 */
/* accounts.*: who has UID 0, who can log in without a password, who can become root with
 * sudo and who may do so without a password. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/accounts.h"
#include "probes/linux/common.h"
#include "probes/linux/probes.h"

/* ---- passwd, shadow, group ---- */

struct colon_state {
	int (*fields_fn)(char **f, size_t nf, int line, void *ud);
	void *ud;
	size_t want; /* fields */
	char *work;
	const char *err;
};

static int colon_line(const char *s, size_t len, int lineno, void *ud)
{
	struct colon_state *st = ud;
	if (len == 0 || s[0] == '#' || s[0] == '+' || s[0] == '-')
		return 0;
	const char *t = s;
	size_t tl = len;
	str_trim(&t, &tl);
	if (tl == 0)
		return 0;
	if (memchr(s, '\0', len)) {
		st->err = "NUL byte in line";
		return MAMORI_EPARSE;
	}
	memcpy(st->work, s, len);
	st->work[len] = '\0';
	char *f[16];
	size_t nf = 0;
	char *p = st->work;
	for (;;) {
		if (nf == 16) {
			st->err = "too many fields";
			return MAMORI_EPARSE;
		}
		f[nf++] = p;
		char *c = strchr(p, ':');
		if (c == NULL)
			break;
		*c = '\0';
		p = c + 1;
	}
	if (nf != st->want) {
		st->err = "wrong number of ':'-separated fields";
		return MAMORI_EPARSE;
	}
	if (f[0][0] == '\0') {
		st->err = "empty name";
		return MAMORI_EPARSE;
	}
	return st->fields_fn(f, nf, lineno, st->ud);
}

static int colon_parse(const char *buf, size_t len, size_t want,
		       int (*fields_fn)(char **f, size_t nf, int line, void *ud), void *ud,
		       int *bad_line, const char **err)
{
	struct colon_state st = {fields_fn, ud, want, NULL, NULL};
	st.work = malloc(ACCT_MAX_LINE + 1);
	if (st.work == NULL)
		return MAMORI_ENOMEM;
	int bad = 0;
	int r = for_each_line(buf, len, ACCT_MAX_LINE, colon_line, &st, &bad);
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

struct cb_pair {
	void *fn;
	void *ud;
	const char **err;
};

static int passwd_fields(char **f, size_t nf, int line, void *ud)
{
	struct cb_pair *cp = ud;
	(void)nf;
	struct passwd_ent e = {
	    .name = f[0], .passwd = f[1], .gecos = f[4], .home = f[5], .shell = f[6], .line = line};
	if (str_to_ll(f[2], 0, 4294967294LL, &e.uid, NULL) ||
	    str_to_ll(f[3], 0, 4294967294LL, &e.gid, NULL)) {
		*cp->err = "UID or GID is not a number";
		return MAMORI_EPARSE;
	}
	return ((passwd_fn)cp->fn)(&e, cp->ud);
}

int passwd_parse(const char *buf, size_t len, passwd_fn fn, void *ud, int *bad_line,
		 const char **err)
{
	const char *e2 = NULL;
	struct cb_pair cp = {(void *)fn, ud, &e2};
	int r = colon_parse(buf, len, 7, passwd_fields, &cp, bad_line, err);
	if (r && e2 && err)
		*err = e2;
	return r;
}

static int shadow_fields(char **f, size_t nf, int line, void *ud)
{
	struct cb_pair *cp = ud;
	(void)nf;
	struct shadow_ent e = {.name = f[0], .hash = f[1], .line = line};
	return ((shadow_fn)cp->fn)(&e, cp->ud);
}

int shadow_parse(const char *buf, size_t len, shadow_fn fn, void *ud, int *bad_line,
		 const char **err)
{
	const char *e2 = NULL;
	struct cb_pair cp = {(void *)fn, ud, &e2};
	return colon_parse(buf, len, 9, shadow_fields, &cp, bad_line, err);
}

static int group_fields(char **f, size_t nf, int line, void *ud)
{
	struct cb_pair *cp = ud;
	(void)nf;
	struct group_ent *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return MAMORI_ENOMEM;
	e->name = f[0];
	e->line = line;
	int r = 0;
	if (str_to_ll(f[2], 0, 4294967294LL, &e->gid, NULL)) {
		*cp->err = "GID is not a number";
		r = MAMORI_EPARSE;
		goto out;
	}
	for (char *p = f[3]; *p;) {
		char *c = strchr(p, ',');
		if (c)
			*c = '\0';
		if (*p) {
			if (e->nmembers >= ACCT_MAX_MEMBERS) {
				*cp->err = "too many members";
				r = MAMORI_EPARSE;
				goto out;
			}
			e->members[e->nmembers++] = p;
		}
		if (c == NULL)
			break;
		p = c + 1;
	}
	r = ((group_fn)cp->fn)(e, cp->ud);
out:
	free(e);
	return r;
}

int group_parse(const char *buf, size_t len, group_fn fn, void *ud, int *bad_line, const char **err)
{
	const char *e2 = NULL;
	struct cb_pair cp = {(void *)fn, ud, &e2};
	int r = colon_parse(buf, len, 4, group_fields, &cp, bad_line, err);
	if (r && e2 && err)
		*err = e2;
	return r;
}

bool shell_is_nologin(const char *shell)
{
	const char *base = strrchr(shell, '/');
	base = base ? base + 1 : shell;
	return strcmp(base, "nologin") == 0 || strcmp(base, "false") == 0;
}

/* ---- sudoers ---- */

static const char *const sudo_tags[] = {
    "NOPASSWD",	 "PASSWD",	"NOEXEC",     "EXEC",	      "SETENV", "NOSETENV",
    "LOG_INPUT", "NOLOG_INPUT", "LOG_OUTPUT", "NOLOG_OUTPUT", "MAIL",	"NOMAIL",
    "FOLLOW",	 "NOFOLLOW",	"INTERCEPT",  "NOINTERCEPT",  NULL};

static bool is_tag(const char *s, size_t n)
{
	for (size_t i = 0; sudo_tags[i]; i++)
		if (strlen(sudo_tags[i]) == n && strncmp(s, sudo_tags[i], n) == 0)
			return true;
	return false;
}

/* Does the word ending at colon (exclusive) name a digest algorithm ("sha256:hex cmd")? */
static bool is_digest(const char *start, const char *colon)
{
	const char *w = colon;
	while (w > start && c_isalnum((unsigned char)w[-1]))
		w--;
	size_t n = (size_t)(colon - w);
	return n == 6 && (strncmp(w, "sha224", 6) == 0 || strncmp(w, "sha256", 6) == 0 ||
			  strncmp(w, "sha384", 6) == 0 || strncmp(w, "sha512", 6) == 0);
}

struct sudo_parse {
	sudoers_fn fn;
	void *ud;
	struct sudoers_rule *rule;
	const char *err;
};

static char *skip_ws(char *s)
{
	while (*s && c_isspace((unsigned char)*s))
		s++;
	return s;
}

static void rtrim(char *s)
{
	size_t n = strlen(s);
	while (n && c_isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* Splits s at depth-0 occurrences of sep (outside parentheses and double quotes). */
static size_t split_top(char *s, char sep, char **out, size_t max)
{
	size_t n = 0;
	int depth = 0;
	bool q = false;
	out[n++] = s;
	for (char *p = s; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			q = !q;
		else if (!q && *p == '(')
			depth++;
		else if (!q && *p == ')' && depth > 0)
			depth--;
		else if (!q && depth == 0 && *p == sep) {
			*p = '\0';
			if (n == max)
				return 0;
			out[n++] = p + 1;
		}
	}
	return n;
}

static int list_items(struct sudo_parse *st, char *s, struct sudoers_rule *r)
{
	char *parts[ACCT_MAX_MEMBERS];
	size_t n = split_top(s, ',', parts, ACCT_MAX_MEMBERS);
	if (n == 0) {
		st->err = "too many list items";
		return MAMORI_EPARSE;
	}
	for (size_t i = 0; i < n; i++) {
		char *it = skip_ws(parts[i]);
		rtrim(it);
		if (*it == '\0') {
			st->err = "empty list item";
			return MAMORI_EPARSE;
		}
		r->items[r->nitems++] = it;
	}
	return 0;
}

/* "(user_list[:group_list])": does it run as root? No runas spec means root. */
static bool runas_root(const char *spec, size_t len)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%.*s", (int)len, spec);
	char *colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	char *p = buf;
	bool any = false;
	while (*p) {
		size_t l = strcspn(p, ",");
		char item[256];
		snprintf(item, sizeof(item), "%.*s", (int)(l < 255 ? l : 255), p);
		char *t = skip_ws(item);
		rtrim(t);
		if (*t) {
			any = true;
			/* An alias we cannot see into counts as root: never under-report. */
			bool alias = c_isalpha((unsigned char)t[0]) && t[0] >= 'A' && t[0] <= 'Z' &&
				     strcmp(t, "ALL") != 0;
			if (strcmp(t, "ALL") == 0 || strcmp(t, "root") == 0 ||
			    strcmp(t, "#0") == 0 || alias)
				return true;
		}
		p += l + (p[l] == ',');
	}
	return !any && colon == NULL; /* "()" is root; "(:group)" keeps the user */
}

static int userspec(struct sudo_parse *st, char *s, int line)
{
	struct sudoers_rule *r = st->rule;
	memset(r, 0, sizeof(*r));
	r->kind = SUDOERS_USERSPEC;
	r->line = line;
	/* The user list: comma-separated, spaces allowed around commas. */
	char *p = s;
	for (;;) {
		p = skip_ws(p);
		char *start = p;
		while (*p && !c_isspace((unsigned char)*p) && *p != ',' && *p != '=')
			p++;
		if (p == start) {
			st->err = "expected a user name";
			return MAMORI_EPARSE;
		}
		if (r->nitems >= ACCT_MAX_MEMBERS) {
			st->err = "too many users";
			return MAMORI_EPARSE;
		}
		char *q = skip_ws(p);
		bool more = *q == ',';
		*p = '\0';
		r->items[r->nitems++] = start;
		p = more ? q + 1 : q;
		if (!more)
			break;
	}
	/* Host list up to '=', then commands; ':' starts another "host = commands" part. */
	char *eq = strchr(p, '=');
	if (eq == NULL || eq == p) {
		st->err = "user specification without 'host = command'";
		return MAMORI_EPARSE;
	}
	char *rhs = eq + 1;
	/* Find section separators: a depth-0 ':' that does not end a tag. */
	char *sect[64];
	size_t nsect = 0;
	sect[nsect++] = rhs;
	int depth = 0;
	for (char *c = rhs; *c; c++) {
		if (*c == '(')
			depth++;
		else if (*c == ')' && depth > 0)
			depth--;
		else if (*c == ':' && depth == 0) {
			char *w = c;
			while (w > rhs && (c_isalpha((unsigned char)w[-1]) || w[-1] == '_'))
				w--;
			if (is_tag(w, (size_t)(c - w)))
				continue;
			if (is_digest(rhs, c))
				continue; /* "sha256:..." digest, not a separator */
			*c = '\0';
			if (nsect == 64) {
				st->err = "too many ':' sections";
				return MAMORI_EPARSE;
			}
			sect[nsect++] = c + 1;
		}
	}
	for (size_t si = 0; si < nsect; si++) {
		char *sec = sect[si];
		if (si > 0) {
			char *e2 = strchr(sec, '=');
			if (e2 == NULL) {
				st->err = "expected 'host = command' after ':'";
				return MAMORI_EPARSE;
			}
			sec = e2 + 1;
		}
		/* Runas and tags carry over to the following commands of the same part. */
		bool as_root = true, nopasswd = false;
		char *cm[ACCT_MAX_MEMBERS];
		size_t nc = split_top(sec, ',', cm, ACCT_MAX_MEMBERS);
		if (nc == 0) {
			st->err = "too many commands";
			return MAMORI_EPARSE;
		}
		for (size_t ci = 0; ci < nc; ci++) {
			char *c = skip_ws(cm[ci]);
			rtrim(c);
			if (*c == '(') {
				char *close = strchr(c, ')');
				if (close == NULL) {
					st->err = "unterminated '(' in runas";
					return MAMORI_EPARSE;
				}
				as_root = runas_root(c + 1, (size_t)(close - c - 1));
				c = skip_ws(close + 1);
			}
			for (;;) {
				size_t w = 0;
				while (c[w] && (c_isalpha((unsigned char)c[w]) || c[w] == '_'))
					w++;
				if (w && c[w] == ':' && is_tag(c, w)) {
					if (w == 8 && strncmp(c, "NOPASSWD", 8) == 0)
						nopasswd = true;
					else if (w == 6 && strncmp(c, "PASSWD", 6) == 0)
						nopasswd = false;
					c = skip_ws(c + w + 1);
					continue;
				}
				/* Options: ROLE=, TYPE=, CWD=, CHROOT=, TIMEOUT=, NOTBEFORE=, ...
				 */
				bool upper = w > 0;
				for (size_t k = 0; k < w; k++)
					upper &= (c[k] >= 'A' && c[k] <= 'Z') || c[k] == '_';
				if (w == 3 && strncmp(c, "sha", 3) == 0) {
					char *colon = strchr(c, ':');
					if (colon && is_digest(c, colon)) {
						while (*c && !c_isspace((unsigned char)*c))
							c++;
						c = skip_ws(c);
						continue;
					}
				}
				if (upper && c[w] == '=') {
					c += w + 1;
					while (*c && !c_isspace((unsigned char)*c))
						c++;
					c = skip_ws(c);
					continue;
				}
				break;
			}
			if (*c == '\0') {
				st->err = "missing command";
				return MAMORI_EPARSE;
			}
			char *end = c;
			while (*end && !c_isspace((unsigned char)*end))
				end++;
			*end = '\0';
			if (r->ncmnds >= ACCT_MAX_MEMBERS) {
				st->err = "too many commands";
				return MAMORI_EPARSE;
			}
			r->cmnds[r->ncmnds] = c;
			r->cmnd_as_root[r->ncmnds] = as_root;
			r->cmnd_nopasswd[r->ncmnds] = nopasswd;
			r->ncmnds++;
		}
	}
	return st->fn(r, st->ud);
}

static int sudo_logical(struct sudo_parse *st, char *s, int line)
{
	struct sudoers_rule *r = st->rule;
	s = skip_ws(s);
	rtrim(s);
	if (*s == '\0')
		return 0;
	static const struct {
		const char *word;
		enum sudoers_kind kind;
	} inc[] = {{"@includedir", SUDOERS_INCLUDEDIR},
		   {"#includedir", SUDOERS_INCLUDEDIR},
		   {"@include", SUDOERS_INCLUDE},
		   {"#include", SUDOERS_INCLUDE}};
	for (size_t i = 0; i < 4; i++) {
		size_t wl = strlen(inc[i].word);
		if (strncmp(s, inc[i].word, wl) == 0 && c_isspace((unsigned char)s[wl])) {
			memset(r, 0, sizeof(*r));
			r->kind = inc[i].kind;
			r->line = line;
			char *path = skip_ws(s + wl);
			if (*path == '"') {
				path++;
				char *q = strchr(path, '"');
				if (q == NULL) {
					st->err = "unterminated quote";
					return MAMORI_EPARSE;
				}
				*q = '\0';
			}
			if (*path == '\0') {
				st->err = "include without a path";
				return MAMORI_EPARSE;
			}
			r->path = path;
			return st->fn(r, st->ud);
		}
	}
	if (s[0] == '#' && !c_isdigit((unsigned char)s[1]))
		return 0; /* a comment */
	static const char *const aliases[] = {"User_Alias", "Runas_Alias", "Host_Alias",
					      "Cmnd_Alias", "Cmd_Alias"};
	for (size_t i = 0; i < 5; i++) {
		size_t wl = strlen(aliases[i]);
		if (strncmp(s, aliases[i], wl) != 0 || !c_isspace((unsigned char)s[wl]))
			continue;
		/* NAME = a, b : NAME2 = c */
		char *defs[64];
		size_t nd = split_top(s + wl, ':', defs, 64);
		if (nd == 0) {
			st->err = "too many alias definitions";
			return MAMORI_EPARSE;
		}
		for (size_t d = 0; d < nd; d++) {
			memset(r, 0, sizeof(*r));
			r->kind = SUDOERS_ALIAS;
			r->alias_type = aliases[i];
			r->line = line;
			char *eq = strchr(defs[d], '=');
			if (eq == NULL) {
				st->err = "alias without '='";
				return MAMORI_EPARSE;
			}
			*eq = '\0';
			char *name = skip_ws(defs[d]);
			rtrim(name);
			if (*name == '\0') {
				st->err = "alias without a name";
				return MAMORI_EPARSE;
			}
			r->alias_name = name;
			int rr = list_items(st, eq + 1, r);
			if (rr == 0)
				rr = st->fn(r, st->ud);
			if (rr)
				return rr;
		}
		return 0;
	}
	if (strncmp(s, "Defaults", 8) == 0 &&
	    (s[8] == '\0' || c_isspace((unsigned char)s[8]) || strchr(":@!>", s[8]))) {
		memset(r, 0, sizeof(*r));
		r->kind = SUDOERS_DEFAULTS;
		r->line = line;
		char *p = s + 8;
		if (*p && strchr(":@!>", *p)) {
			r->defaults_binding = *p;
			char *b = ++p;
			/* The binding ends at white space not next to a comma. */
			while (*p && !(c_isspace((unsigned char)*p) && p[-1] != ',' &&
				       *skip_ws(p) != ','))
				p++;
			if (*p)
				*p++ = '\0';
			r->binding = b;
		}
		p = skip_ws(p);
		if (*p == '\0')
			return st->fn(r, st->ud);
		int rr = list_items(st, p, r);
		return rr ? rr : st->fn(r, st->ud);
	}
	return userspec(st, s, line);
}

/* Removes a comment: '#' outside quotes that is not followed by a digit (a "#uid"). */
static void strip_comment(char *s)
{
	bool q = false;
	for (char *p = s; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			q = !q;
		else if (!q && *p == '#' && !c_isdigit((unsigned char)p[1])) {
			*p = '\0';
			return;
		}
	}
}

int sudoers_parse(const char *buf, size_t len, sudoers_fn fn, void *ud, int *bad_line,
		  const char **err)
{
	struct sudo_parse st = {.fn = fn, .ud = ud};
	char *work = malloc(ACCT_MAX_LINE + 1);
	st.rule = malloc(sizeof(*st.rule));
	if (work == NULL || st.rule == NULL) {
		free(work);
		free(st.rule);
		return MAMORI_ENOMEM;
	}
	size_t used = 0, pos = 0;
	int lineno = 0, first = 0, r = 0;
	while (pos < len && r == 0) {
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - start) : len - pos;
		pos += l + (nl ? 1 : 0);
		lineno++;
		if (memchr(start, '\0', l)) {
			st.err = "NUL byte in line";
			r = MAMORI_EPARSE;
			break;
		}
		if (used == 0)
			first = lineno;
		if (l && start[l - 1] == '\r')
			l--;
		bool cont = l && start[l - 1] == '\\';
		if (cont)
			l--;
		if (used + l + 1 > ACCT_MAX_LINE) {
			st.err = "line too long";
			r = MAMORI_EPARSE;
			break;
		}
		memcpy(work + used, start, l);
		used += l;
		if (cont) {
			work[used++] = ' ';
			continue;
		}
		work[used] = '\0';
		used = 0;
		/* "#include" and "#includedir" are directives, not comments. */
		char *s = skip_ws(work);
		if (strncmp(s, "#include", 8) != 0)
			strip_comment(s);
		r = sudo_logical(&st, s, first);
		if (r)
			lineno = first;
	}
	if (r == 0 && used > 0) {
		work[used] = '\0';
		char *s = skip_ws(work);
		if (strncmp(s, "#include", 8) != 0)
			strip_comment(s);
		r = sudo_logical(&st, s, first);
		if (r)
			lineno = first;
	}
	free(work);
	free(st.rule);
	if (r) {
		if (bad_line)
			*bad_line = lineno;
		if (err)
			*err = st.err ? st.err : "rejected";
	}
	return r;
}

bool sudoers_includedir_name_ok(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && strchr(name, '.') == NULL && name[n - 1] != '~';
}

/* ---- the probe ---- */

struct account {
	char *name;
	char *passwd;
	char *shell;
	long long uid, gid;
	int line;
	char *hash; /* from shadow; NULL when no entry */
	int shadow_line;
};

struct group {
	char *name;
	long long gid;
	char **members;
	size_t nmembers;
	int line;
};

struct alias {
	char *type, *name;
	char **items;
	size_t nitems;
};

struct grant {
	char *who;   /* user name, "%group", "ALL", ... as written */
	char *where; /* file:line */
	bool all;    /* ALL commands as root */
	bool nopasswd;
};

struct acct_state {
	struct probe_ctx *ctx;
	struct account *acc;
	size_t nacc;
	struct group *grp;
	size_t ngrp;
	struct alias *alias;
	size_t nalias;
	struct grant *grant;
	size_t ngrant;
	const char *file; /* sudoers file being read */
	int depth;
	size_t nfiles;
	char err[768];
	char err_file[512];
	int err_line;
};

static int grow(void **v, size_t n, size_t size)
{
	if (n % 16)
		return 0;
	void *nv = realloc(*v, (n + 16) * size);
	if (nv == NULL)
		return MAMORI_ENOMEM;
	*v = nv;
	return 0;
}

static int on_passwd(const struct passwd_ent *e, void *ud)
{
	struct acct_state *s = ud;
	if (grow((void **)&s->acc, s->nacc, sizeof(*s->acc)))
		return MAMORI_ENOMEM;
	struct account *a = &s->acc[s->nacc];
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(e->name);
	a->passwd = xstrdup(e->passwd);
	a->shell = xstrdup(e->shell);
	a->uid = e->uid;
	a->gid = e->gid;
	a->line = e->line;
	s->nacc++;
	return a->name && a->passwd && a->shell ? 0 : MAMORI_ENOMEM;
}

static struct account *find_acc(struct acct_state *s, const char *name)
{
	for (size_t i = 0; i < s->nacc; i++)
		if (strcmp(s->acc[i].name, name) == 0)
			return &s->acc[i];
	return NULL;
}

static int on_shadow(const struct shadow_ent *e, void *ud)
{
	struct acct_state *s = ud;
	struct account *a = find_acc(s, e->name);
	if (a == NULL || a->hash) /* the first entry is the one used */
		return 0;
	a->hash = xstrdup(e->hash);
	a->shadow_line = e->line;
	return a->hash ? 0 : MAMORI_ENOMEM;
}

static int on_group(const struct group_ent *e, void *ud)
{
	struct acct_state *s = ud;
	if (grow((void **)&s->grp, s->ngrp, sizeof(*s->grp)))
		return MAMORI_ENOMEM;
	struct group *g = &s->grp[s->ngrp];
	memset(g, 0, sizeof(*g));
	s->ngrp++;
	g->name = xstrdup(e->name);
	g->gid = e->gid;
	g->line = e->line;
	g->members = calloc(e->nmembers + 1, sizeof(char *));
	if (g->name == NULL || g->members == NULL)
		return MAMORI_ENOMEM;
	for (size_t i = 0; i < e->nmembers; i++) {
		if ((g->members[i] = xstrdup(e->members[i])) == NULL)
			return MAMORI_ENOMEM;
		g->nmembers++;
	}
	return 0;
}

static struct group *find_grp(struct acct_state *s, const char *name)
{
	for (size_t i = 0; i < s->ngrp; i++)
		if (strcmp(s->grp[i].name, name) == 0)
			return &s->grp[i];
	return NULL;
}

static int read_sudoers(struct acct_state *s, const char *path);

static int add_grant(struct acct_state *s, const char *who, int line, bool all, bool nopw)
{
	if (grow((void **)&s->grant, s->ngrant, sizeof(*s->grant)))
		return MAMORI_ENOMEM;
	struct grant *g = &s->grant[s->ngrant];
	char w[600];
	g->who = xstrdup(who);
	g->where = xstrdup(where(w, sizeof(w), s->file, line));
	g->all = all;
	g->nopasswd = nopw;
	s->ngrant++;
	return g->who && g->where ? 0 : MAMORI_ENOMEM;
}

static struct alias *find_alias(struct acct_state *s, const char *type, const char *name)
{
	for (size_t i = 0; i < s->nalias; i++)
		if (strcmp(s->alias[i].name, name) == 0 &&
		    (strcmp(s->alias[i].type, type) == 0 ||
		     (strncmp(type, "Cmnd", 4) == 0 && strncmp(s->alias[i].type, "Cmd", 3) == 0)))
			return &s->alias[i];
	return NULL;
}

/* Is cmnd ALL, or a Cmnd_Alias that contains ALL? */
static bool cmnd_all(struct acct_state *s, const char *cmnd, int depth)
{
	if (strcmp(cmnd, "ALL") == 0)
		return true;
	struct alias *a = depth < 8 ? find_alias(s, "Cmnd_Alias", cmnd) : NULL;
	if (a == NULL)
		return false;
	for (size_t i = 0; i < a->nitems; i++) {
		char first[256];
		snprintf(first, sizeof(first), "%s", a->items[i]);
		first[strcspn(first, " \t")] = '\0';
		if (cmnd_all(s, first, depth + 1))
			return true;
	}
	return false;
}

static int sudoers_include_dir(struct acct_state *s, const char *dir)
{
	char **names;
	size_t n;
	int r = rootfs_list(s->ctx, dir, NULL, &names, &n);
	if (r)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (!sudoers_includedir_name_ok(names[i]))
			continue;
		char path[1024];
		int len = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (len < 0 || (size_t)len >= sizeof(path))
			continue; /* longer than any path sudo would open */
		r = read_sudoers(s, path);
	}
	rootfs_names_free(names);
	return r;
}

static int on_sudoers(const struct sudoers_rule *r, void *ud)
{
	struct acct_state *s = ud;
	switch (r->kind) {
	case SUDOERS_INCLUDE:
	case SUDOERS_INCLUDEDIR: {
		char path[1024];
		if (r->path[0] == '/') {
			snprintf(path, sizeof(path), "%s", r->path);
		} else {
			/* Relative to the directory of the including file (sudo 1.9). */
			const char *slash = strrchr(s->file, '/');
			snprintf(path, sizeof(path), "%.*s/%s", (int)(slash ? slash - s->file : 0),
				 s->file, r->path);
		}
		const char *saved = s->file;
		int rr = r->kind == SUDOERS_INCLUDE ? read_sudoers(s, path)
						    : sudoers_include_dir(s, path);
		s->file = saved;
		if (rr && rr != MAMORI_ENOMEM && s->err[0] == '\0') {
			snprintf(s->err, sizeof(s->err), "%.300s:%d: cannot read included %.400s",
				 saved, r->line, path);
			snprintf(s->err_file, sizeof(s->err_file), "%s", saved);
			s->err_line = r->line;
		}
		return rr;
	}
	case SUDOERS_ALIAS: {
		if (grow((void **)&s->alias, s->nalias, sizeof(*s->alias)))
			return MAMORI_ENOMEM;
		struct alias *a = &s->alias[s->nalias];
		memset(a, 0, sizeof(*a));
		s->nalias++;
		a->type = xstrdup(r->alias_type);
		a->name = xstrdup(r->alias_name);
		a->items = calloc(r->nitems + 1, sizeof(char *));
		if (a->type == NULL || a->name == NULL || a->items == NULL)
			return MAMORI_ENOMEM;
		for (size_t i = 0; i < r->nitems; i++) {
			if ((a->items[i] = xstrdup(r->items[i])) == NULL)
				return MAMORI_ENOMEM;
			a->nitems++;
		}
		return 0;
	}
	case SUDOERS_DEFAULTS:
		/* "Defaults !authenticate" lets users run sudo without a password. */
		for (size_t i = 0; i < r->nitems; i++) {
			if (strcmp(r->items[i], "!authenticate") != 0)
				continue;
			const char *who =
			    r->defaults_binding == ':' && r->binding ? r->binding : "ALL";
			return add_grant(s, who, r->line, false, true);
		}
		return 0;
	case SUDOERS_USERSPEC: {
		bool all = false, nopw = false;
		for (size_t i = 0; i < r->ncmnds; i++) {
			if (r->cmnds[i][0] == '!')
				continue;
			if (r->cmnd_as_root[i] && cmnd_all(s, r->cmnds[i], 0))
				all = true;
			if (r->cmnd_nopasswd[i])
				nopw = true;
		}
		if (!all && !nopw)
			return 0;
		for (size_t i = 0; i < r->nitems; i++) {
			if (r->items[i][0] == '!')
				continue; /* a negated user is excluded, not granted */
			int rr = add_grant(s, r->items[i], r->line, all, nopw);
			if (rr)
				return rr;
		}
		return 0;
	}
	}
	return 0;
}

static int read_sudoers(struct acct_state *s, const char *path)
{
	if (++s->nfiles > 256 || s->depth >= 8) {
		snprintf(s->err, sizeof(s->err), "%s: too many or too deeply nested includes",
			 path);
		snprintf(s->err_file, sizeof(s->err_file), "%s", path);
		return MAMORI_EPARSE;
	}
	char *buf, why[512];
	size_t len;
	int r = rootfs_read(s->ctx, path, ROOTFS_MAX_FILE, &buf, &len, why, sizeof(why));
	if (r) {
		if (r != MAMORI_ENOMEM && s->err[0] == '\0') {
			snprintf(s->err, sizeof(s->err), "%s%s", why,
				 r == MAMORI_EACCES ? " (run mamori as root)" : "");
			snprintf(s->err_file, sizeof(s->err_file), "%s", path);
		}
		return r;
	}
	const char *saved = s->file;
	s->file = path;
	s->depth++;
	int bad = 0;
	const char *err = NULL;
	r = sudoers_parse(buf, len, on_sudoers, s, &bad, &err);
	s->depth--;
	s->file = saved;
	free(buf);
	if (r == MAMORI_EPARSE && s->err[0] == '\0') {
		snprintf(s->err, sizeof(s->err),
			 "%s:%d: %s (sudo refuses a sudoers file with a "
			 "syntax error)",
			 path, bad, err ? err : "syntax error");
		snprintf(s->err_file, sizeof(s->err_file), "%s", path);
		s->err_line = bad;
	}
	return r;
}

static void state_free(struct acct_state *s)
{
	for (size_t i = 0; i < s->nacc; i++) {
		free(s->acc[i].name);
		free(s->acc[i].passwd);
		free(s->acc[i].shell);
		free(s->acc[i].hash);
	}
	free(s->acc);
	for (size_t i = 0; i < s->ngrp; i++) {
		free(s->grp[i].name);
		for (size_t k = 0; k < s->grp[i].nmembers; k++)
			free(s->grp[i].members[k]);
		free(s->grp[i].members);
	}
	free(s->grp);
	for (size_t i = 0; i < s->nalias; i++) {
		free(s->alias[i].type);
		free(s->alias[i].name);
		for (size_t k = 0; k < s->alias[i].nitems; k++)
			free(s->alias[i].items[k]);
		free(s->alias[i].items);
	}
	free(s->alias);
	for (size_t i = 0; i < s->ngrant; i++) {
		free(s->grant[i].who);
		free(s->grant[i].where);
	}
	free(s->grant);
}

/* Reads and parses one of passwd/shadow/group; on failure writes the reason. */
static int load_table(struct acct_state *s, const char *path, int which, char *why, size_t whylen,
		      int *bad_line)
{
	char *buf;
	size_t len;
	*bad_line = 0;
	int r = rootfs_read(s->ctx, path, 64u << 20, &buf, &len, why, whylen);
	if (r)
		return r;
	const char *err = NULL;
	if (which == 0)
		r = passwd_parse(buf, len, on_passwd, s, bad_line, &err);
	else if (which == 1)
		r = shadow_parse(buf, len, on_shadow, s, bad_line, &err);
	else
		r = group_parse(buf, len, on_group, s, bad_line, &err);
	free(buf);
	if (r == MAMORI_EPARSE)
		snprintf(why, whylen, "%s:%d: %s", path, *bad_line, err ? err : "malformed line");
	return r;
}

struct namelist {
	json_t *arr;
	struct buf note;
};

static bool nl_has(const struct namelist *nl, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(nl->arr, i, v) if (strcmp(json_string_value(v), name) == 0) return true;
	return false;
}

/* Adds name (once) and says where it came from in the note. */
static int nl_add(struct namelist *nl, const char *name, const char *from)
{
	if (!nl_has(nl, name) && json_array_append_new(nl->arr, json_string(name)))
		return MAMORI_ENOMEM;
	return buf_printf(&nl->note, "%s%s: %s", nl->note.len ? "; " : "", name, from);
}

static int put_uid0(struct acct_state *s)
{
	struct namelist nl = {json_array(), {0}};
	buf_init(&nl.note, 1 << 16);
	if (nl.arr == NULL)
		return MAMORI_ENOMEM;
	int line = 0, r = 0;
	for (size_t i = 0; i < s->nacc && r == 0; i++) {
		if (s->acc[i].uid != 0)
			continue;
		char from[64];
		snprintf(from, sizeof(from), "/etc/passwd:%d", s->acc[i].line);
		r = nl_add(&nl, s->acc[i].name, from);
		if (line == 0 || strcmp(s->acc[i].name, "root") != 0)
			line = s->acc[i].line;
	}
	if (r == 0)
		r = facts_put(s->ctx->facts, "accounts.uid0", nl.arr, "/etc/passwd", line,
			      nl.note.data ? nl.note.data : "no account has UID 0");
	else
		json_decref(nl.arr);
	buf_free(&nl.note);
	return r;
}

static int put_empty(struct acct_state *s, int shadow_rc, const char *shadow_why)
{
	if (shadow_rc && shadow_rc != MAMORI_ENOENT)
		return facts_put_unknown(
		    s->ctx->facts, "accounts.empty_password", "/etc/shadow", 0, "%s%s", shadow_why,
		    shadow_rc == MAMORI_EACCES ? " (permission denied: run mamori as root)" : "");
	struct namelist nl = {json_array(), {0}};
	buf_init(&nl.note, 1 << 16);
	if (nl.arr == NULL)
		return MAMORI_ENOMEM;
	int r = 0, line = 0;
	const char *src = "/etc/shadow";
	struct buf nohash;
	buf_init(&nohash, 1 << 14);
	for (size_t i = 0; i < s->nacc && r == 0; i++) {
		struct account *a = &s->acc[i];
		if (shell_is_nologin(a->shell))
			continue;
		char from[128];
		if (a->passwd[0] == '\0') {
			snprintf(from, sizeof(from), "empty password field at /etc/passwd:%d",
				 a->line);
			r = nl_add(&nl, a->name, from);
			src = "/etc/passwd";
			line = a->line;
		} else if (strcmp(a->passwd, "x") == 0 && a->hash && a->hash[0] == '\0') {
			snprintf(from, sizeof(from), "empty hash at /etc/shadow:%d",
				 a->shadow_line);
			r = nl_add(&nl, a->name, from);
			src = "/etc/shadow";
			line = a->shadow_line;
		} else if (strcmp(a->passwd, "x") == 0 && a->hash == NULL) {
			/* pam_unix refuses such an account (no hash to check), so it is not a
			 * passwordless login; say so rather than count it. */
			r = buf_printf(&nohash, "%s%s", nohash.len ? ", " : "", a->name);
		}
	}
	if (r == 0 && nohash.len)
		r = buf_printf(&nl.note,
			       "%snot counted: %s (\"x\" in /etc/passwd but no /etc/shadow "
			       "entry: pam_unix refuses the login)",
			       nl.note.len ? "; " : "", nohash.data);
	if (r == 0 && shadow_rc == MAMORI_ENOENT)
		r = buf_printf(&nl.note, "%s/etc/shadow does not exist", nl.note.len ? "; " : "");
	if (r == 0)
		r = facts_put(s->ctx->facts, "accounts.empty_password", nl.arr, src, line,
			      nl.note.data
				  ? nl.note.data
				  : "every account that can log in has a password hash or is "
				    "locked");
	else
		json_decref(nl.arr);
	buf_free(&nl.note);
	buf_free(&nohash);
	return r;
}

/* Adds the members of group g (listed, or with it as primary group) to nl. */
static int add_group_members(struct acct_state *s, struct namelist *nl, const struct group *g,
			     const char *how)
{
	char from[700];
	int r = 0;
	for (size_t k = 0; k < g->nmembers && r == 0; k++) {
		struct account *a = find_acc(s, g->members[k]);
		if (a && a->uid == 0)
			continue;
		snprintf(from, sizeof(from), "%s (member of %s, /etc/group:%d)", how, g->name,
			 g->line);
		r = nl_add(nl, g->members[k], from);
	}
	for (size_t i = 0; i < s->nacc && r == 0; i++) {
		if (s->acc[i].gid != g->gid || s->acc[i].uid == 0)
			continue;
		snprintf(from, sizeof(from), "%s (primary group %s, /etc/passwd:%d)", how, g->name,
			 s->acc[i].line);
		r = nl_add(nl, s->acc[i].name, from);
	}
	return r;
}

/* Expands a sudoers user item into account names. */
static int expand_user(struct acct_state *s, struct namelist *nl, const char *who, const char *from,
		       int depth)
{
	char how[700];
	if (strcmp(who, "ALL") == 0) {
		int r = 0;
		snprintf(how, sizeof(how), "ALL at %s", from);
		for (size_t i = 0; i < s->nacc && r == 0; i++)
			if (s->acc[i].uid != 0 && !shell_is_nologin(s->acc[i].shell))
				r = nl_add(nl, s->acc[i].name, how);
		return r;
	}
	if (who[0] == '%' && who[1] != ':') {
		snprintf(how, sizeof(how), "%s at %s", who, from);
		const struct group *g = NULL;
		long long gid;
		if (who[1] == '#' && str_to_ll(who + 2, 0, 4294967294LL, &gid, NULL) == 0) {
			for (size_t i = 0; i < s->ngrp && g == NULL; i++)
				if (s->grp[i].gid == gid)
					g = &s->grp[i];
		} else {
			g = find_grp(s, who + 1);
		}
		return g ? add_group_members(s, nl, g, how) : 0;
	}
	if (who[0] == '#') {
		long long uid;
		if (str_to_ll(who + 1, 0, 4294967294LL, &uid, NULL) == 0)
			for (size_t i = 0; i < s->nacc; i++)
				if (s->acc[i].uid == uid)
					return uid == 0 ? 0 : nl_add(nl, s->acc[i].name, from);
		return nl_add(nl, who, from);
	}
	struct alias *a = depth < 8 ? find_alias(s, "User_Alias", who) : NULL;
	if (a) {
		snprintf(how, sizeof(how), "User_Alias %s at %s", who, from);
		for (size_t i = 0; i < a->nitems; i++) {
			if (a->items[i][0] == '!')
				continue;
			int r = expand_user(s, nl, a->items[i], how, depth + 1);
			if (r)
				return r;
		}
		return 0;
	}
	struct account *acc = find_acc(s, who);
	if (acc && acc->uid == 0)
		return 0; /* root is the superuser already; admin-single-uid0 covers UID 0 */
	return nl_add(nl, who, from); /* netgroups, non-Unix groups, unknown names: as written */
}

static int put_sudo(struct acct_state *s, int sudo_rc)
{
	struct namelist nl = {json_array(), {0}};
	buf_init(&nl.note, 1 << 16);
	if (nl.arr == NULL)
		return MAMORI_ENOMEM;
	int r = 0;
	static const char *const groups[] = {"sudo", "admin", "wheel"};
	for (size_t i = 0; i < 3 && r == 0; i++) {
		const struct group *g = find_grp(s, groups[i]);
		if (g)
			r = add_group_members(s, &nl, g, "sudo-capable group");
	}
	for (size_t i = 0; i < s->ngrant && r == 0; i++)
		if (s->grant[i].all)
			r = expand_user(s, &nl, s->grant[i].who, s->grant[i].where, 0);
	if (r == 0 && sudo_rc == MAMORI_ENOENT)
		r = buf_printf(&nl.note, "%s/etc/sudoers does not exist", nl.note.len ? "; " : "");
	if (r == 0)
		r = facts_put(s->ctx->facts, "accounts.sudo_users", nl.arr, "/etc/group", 0,
			      nl.note.data ? nl.note.data
					   : "no member of sudo/admin/wheel and no sudoers rule "
					     "granting ALL (root itself is not counted)");
	else
		json_decref(nl.arr);
	buf_free(&nl.note);
	if (r)
		return r;

	json_t *np = json_array();
	struct buf note;
	buf_init(&note, 1 << 16);
	if (np == NULL)
		return MAMORI_ENOMEM;
	const char *src = NULL;
	for (size_t i = 0; i < s->ngrant && r == 0; i++) {
		if (!s->grant[i].nopasswd)
			continue;
		bool dup = false;
		size_t k;
		json_t *v;
		json_array_foreach(np, k, v) dup |=
		    strcmp(json_string_value(v), s->grant[i].who) == 0;
		if (!dup && json_array_append_new(np, json_string(s->grant[i].who)))
			r = MAMORI_ENOMEM;
		if (r == 0)
			r = buf_printf(&note, "%sNOPASSWD for %s at %s", note.len ? "; " : "",
				       s->grant[i].who, s->grant[i].where);
		if (src == NULL)
			src = s->grant[i].where;
	}
	if (r == 0)
		r = facts_put(s->ctx->facts, "accounts.sudo_nopasswd", np, "/etc/sudoers", 0,
			      note.data ? note.data : "no NOPASSWD rule and no !authenticate");
	else
		json_decref(np);
	buf_free(&note);
	return r;
}

int probe_accounts_collect(struct probe_ctx *ctx)
{
	struct acct_state s = {.ctx = ctx};
	char why[768] = "";
	int bad, r;
	r = load_table(&s, "/etc/passwd", 0, why, sizeof(why), &bad);
	if (r == MAMORI_ENOMEM)
		goto out;
	if (r) {
		static const char *const names[] = {"accounts.uid0", "accounts.empty_password",
						    "accounts.sudo_users",
						    "accounts.sudo_nopasswd"};
		for (size_t i = 0; i < 4; i++)
			if ((r = facts_put_unknown(ctx->facts, names[i], "/etc/passwd", bad, "%s",
						   why)))
				break;
		goto out;
	}
	if ((r = put_uid0(&s)))
		goto out;
	char swhy[768] = "";
	int src = load_table(&s, "/etc/shadow", 1, swhy, sizeof(swhy), &bad);
	if (src == MAMORI_ENOMEM) {
		r = src;
		goto out;
	}
	if ((r = put_empty(&s, src, swhy)))
		goto out;
	int grc = load_table(&s, "/etc/group", 2, why, sizeof(why), &bad);
	if (grc == MAMORI_ENOMEM) {
		r = grc;
		goto out;
	}
	int sudo_rc = 0;
	if (grc == 0) {
		sudo_rc = read_sudoers(&s, "/etc/sudoers");
		if (sudo_rc == MAMORI_ENOMEM) {
			r = sudo_rc;
			goto out;
		}
		/* No /etc/sudoers at all: sudo is not set up; group membership still counts. */
		if (sudo_rc == MAMORI_ENOENT && strcmp(s.err_file, "/etc/sudoers") == 0)
			s.err[0] = '\0';
		else if (sudo_rc == MAMORI_ENOENT)
			sudo_rc = MAMORI_EIO;
	}
	if (grc || (sudo_rc && sudo_rc != MAMORI_ENOENT)) {
		const char *reason = grc ? why : s.err;
		const char *file = grc ? "/etc/group" : s.err_file;
		int line = grc ? bad : s.err_line;
		r = facts_put_unknown(ctx->facts, "accounts.sudo_users", file, line, "%s", reason);
		if (r == 0)
			r = facts_put_unknown(ctx->facts, "accounts.sudo_nopasswd", file, line,
					      "%s", reason);
		goto out;
	}
	r = put_sudo(&s, sudo_rc);
out:
	state_free(&s);
	return r;
}
