/* SPDX-License-Identifier: Apache-2.0 */
/* PAM stacks and the key = value files of pam_pwquality and pam_faillock. Parsers are pure;
 * the stack loader reads files only through the loader it is given. See docs/probes/pam.md. */
#ifndef MAMORI_LINUX_PAM_H
#define MAMORI_LINUX_PAM_H

#include <stdbool.h>
#include <stddef.h>

#define PAM_MAX_ARGS 64
#define PAM_MAX_LINE 65536 /* one logical line, continuations joined */
#define PAM_MAX_DEPTH 8	   /* include / substack / @include nesting */
#define PAM_MAX_ENTRIES 1024

/* One line of a /etc/pam.d file. For "@include FILE" only include_file is set. For the
 * include/substack controls module holds the file. Pointers valid during the call. */
struct pam_line {
	const char *include_file; /* "@include FILE" */
	bool silent;		  /* "-type": no log when the module is missing */
	const char *type;	  /* as written, without '-' */
	const char *control;	  /* "required", "[success=1 default=ignore]", ... */
	const char *module;
	const char *args[PAM_MAX_ARGS];
	size_t nargs;
	int line; /* first physical line */
};
typedef int (*pam_line_fn)(const struct pam_line *l, void *ud);

/* Parses a PAM service file: comments, backslash continuation, bracketed controls and
 * arguments. Returns 0, fn's value, or MAMORI_EPARSE with *bad_line and *err set. */
int pam_conf_parse(const char *buf, size_t len, pam_line_fn fn, void *ud, int *bad_line,
		   const char **err);

/* One module line of an expanded stack. */
struct pam_entry {
	char type[16];
	char control[160];
	char module[128]; /* base name: "pam_unix.so" */
	char **args;
	size_t nargs;
	char file[256];
	int line;
};

struct pam_stack {
	struct pam_entry *v;
	size_t n;
	char err_file[256];
	int err_line;
	char err[512];
};

struct pam_loader {
	int (*read)(void *ud, const char *path, char **buf, size_t *len, char *why, size_t whylen);
	bool (*exists)(void *ud, const char *path);
	void *ud;
};

/* Expands the lines of one type ("auth", "password") of the service file at path, following
 * @include and include/substack (relative names in /etc/pam.d, then /usr/lib/pam.d).
 * Returns 0, MAMORI_ENOMEM, or another error with s->err* set. */
int pam_stack_load(struct pam_stack *s, const char *path, const char *type,
		   const struct pam_loader *ld);
void pam_stack_free(struct pam_stack *s);

/* The value of the last "name=value" argument of e, "" for a bare "name", NULL if absent. */
const char *pam_entry_arg(const struct pam_entry *e, const char *name);
/* Does a failure of this line, returning PAM code retkey ("authtok_err", "auth_err"), fail
 * the stack: required, requisite, or a bracketed control whose action for retkey (else for
 * "default") is bad or die? */
bool pam_control_enforces(const char *control, const char *retkey);

/* pwquality.conf / faillock.conf lines: '#' starts a comment anywhere, "name value",
 * "name = value" or a bare "name". With eq_ends_name (faillock) "name=value" also splits;
 * libpwquality reads "name=value" as one name. Returns 0, fn's value, or MAMORI_EPARSE. */
typedef int (*secconf_fn)(const char *name, const char *value, int line, void *ud);
int secconf_parse(const char *buf, size_t len, bool eq_ends_name, secconf_fn fn, void *ud,
		  int *bad_line);

/* Password quality settings of pam_pwquality (file then module arguments) or pam_cracklib. */
struct pwq_setting {
	long long v;
	char file[256]; /* "" when default */
	int line;
};
struct pwq_settings {
	struct pwq_setting minlen, dcredit, ucredit, lcredit, ocredit, enforcing;
};
/* Defaults of libpwquality (cracklib: minlen 9, credits 1). */
void pwq_defaults(struct pwq_settings *s, bool cracklib);
/* Applies one setting (case-insensitive name); 1 if it is one mamori tracks, 0 if another
 * known setting, MAMORI_EINVAL for a bad number, MAMORI_ENOENT for an unknown name. */
int pwq_apply(struct pwq_settings *s, bool cracklib, const char *name, const char *value,
	      const char *file, int line);
/* The shortest password a user can set: each character of a class with a positive credit
 * counts twice up to that credit, so the shortest length L is the least with
 * L + min(L, credits) >= minlen; never below 6 (libpwquality and cracklib refuse shorter). */
long long pwq_effective_min(const struct pwq_settings *s);

#endif
