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

/* One module line of an expanded stack. A "substack" line is kept as a head entry (module =
 * the file named) followed by that file's lines one level deeper, as Linux-PAM does: a jump
 * counts the whole substack as one line, and done/die inside it end only the substack. */
struct pam_entry {
	char type[16];
	char control[160];
	char module[128];      /* base name: "pam_unix.so" */
	char module_path[256]; /* as written: "pam_unix.so" or "/lib/security/pam_unix.so" */
	char **args;
	size_t nargs;
	char file[256];
	int line;
	bool silent;	    /* "-type" */
	bool substack_head; /* the "substack" line itself: never dispatched */
	int level;	    /* substack nesting, 0 = the service's own stack */
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

/* Linux-PAM return codes in the order of its control syntax ("success", "open_err", ...). */
#define PAM_NRET 32
enum {
	PAM_R_SUCCESS = 0,
	PAM_R_AUTH_ERR = 7,
	PAM_R_AUTHTOK_ERR = 20,
	PAM_R_IGNORE = 25,
	PAM_R_MODULE_UNKNOWN = 28,
	PAM_R_CONV_AGAIN = 30,
	PAM_R_INCOMPLETE = 31,
};
/* Actions as Linux-PAM encodes them: a positive value is a jump over that many lines. */
enum {
	PAM_ACT_IGNORE = 0,
	PAM_ACT_OK = -1,
	PAM_ACT_DONE = -2,
	PAM_ACT_BAD = -3,
	PAM_ACT_DIE = -4,
	PAM_ACT_RESET = -5,
	PAM_ACT_UNDEF = -6,
};
/* The return code named by a control keyword ("auth_err"), or -1. */
int pam_ret_code(const char *name);
/* Fills act[] with the action of each return code for a control, as Linux-PAM's
 * _pam_parse_conf_file does: required/requisite/optional/sufficient (any case), or
 * "[value=action ...]" where an unset code is "bad". A control Linux-PAM cannot parse
 * (an unknown word, a bad bracket) makes every code "bad"; then false is returned. */
bool pam_control_actions(const char *control, int act[PAM_NRET]);
/* Does a failure of this line, returning PAM code retkey ("authtok_err", "auth_err"), fail
 * the stack: is the control's action for that code bad or die? */
bool pam_control_enforces(const char *control, const char *retkey);

/* ---- lockout: which lines run, in Linux-PAM's order ---- */

/* What pam_faillock does on a line: the last of preauth/authfail/authsucc, else preauth. */
enum pam_faillock_mode { PAM_FL_PREAUTH, PAM_FL_AUTHFAIL, PAM_FL_AUTHSUCC };
enum pam_faillock_mode pam_faillock_mode(const struct pam_entry *e);

enum pam_lock_verdict {
	PAM_LOCK_OK,	    /* a locked account is refused and every wrong password counts */
	PAM_LOCK_BYPASS,    /* a path reaches success without the lock being checked */
	PAM_LOCK_UNCOUNTED, /* a path rejects a password without counting it */
	PAM_LOCK_BROKEN,    /* no path lets anyone log in (the question is moot) */
	PAM_LOCK_COMPLEX,   /* too many paths to walk */
};
struct pam_lock_eval {
	enum pam_lock_verdict verdict;
	size_t at;    /* BYPASS: the line that returned success; UNCOUNTED: the password line
			 that failed (or the authsucc line that cleared the count) */
	bool reset;   /* UNCOUNTED by an authsucc line */
	bool checked; /* BYPASS: a lock check (preauth) ran on that path but was overridden */
};
/* Walks the auth stack s as Linux-PAM's dispatcher does, with every module other than
 * pam_faillock (or pam_tally2 when tally2), pam_deny and pam_permit free to return success,
 * ignore or a failure (password modules: only a failure when the password is wrong). absent[i]
 * marks lines whose module is not installed: they return module_unknown. Three cases: an
 * unlocked account with the right password must have a way in (else BROKEN); a locked account
 * with the right password must never get in (else BYPASS); an unlocked account with a wrong
 * password, once a password module has run and failed, must pass pam_faillock authfail (or
 * pam_tally2) and no authsucc (else UNCOUNTED). */
void pam_lockout_eval(const struct pam_stack *s, const bool *absent, bool tally2,
		      struct pam_lock_eval *out);

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
