/* SPDX-License-Identifier: Apache-2.0 */
/* Local accounts: /etc/passwd, /etc/shadow, /etc/group and sudoers. The parsers are pure
 * (buffer in, callback out) and fuzzed. See docs/probes/accounts.md. */
#ifndef MAMORI_LINUX_ACCOUNTS_H
#define MAMORI_LINUX_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#define ACCT_MAX_LINE 65536
#define ACCT_MAX_MEMBERS 1024 /* members of one group, items of one sudoers list */

/* name:passwd:uid:gid:gecos:home:shell */
struct passwd_ent {
	const char *name, *passwd, *gecos, *home, *shell;
	long long uid, gid;
	int line;
};
/* name:hash:lastchg:min:max:warn:inactive:expire:reserved */
struct shadow_ent {
	const char *name, *hash;
	int line;
};
/* name:passwd:gid:member,member */
struct group_ent {
	const char *name;
	long long gid;
	const char *members[ACCT_MAX_MEMBERS];
	size_t nmembers;
	int line;
};
typedef int (*passwd_fn)(const struct passwd_ent *e, void *ud);
typedef int (*shadow_fn)(const struct shadow_ent *e, void *ud);
typedef int (*group_fn)(const struct group_ent *e, void *ud);

/* Blank lines, '#' comments and NIS "+"/"-" lines are skipped; any other line with the wrong
 * number of fields or a bad number is MAMORI_EPARSE with *bad_line and *err set. */
int passwd_parse(const char *buf, size_t len, passwd_fn fn, void *ud, int *bad_line,
		 const char **err);
int shadow_parse(const char *buf, size_t len, shadow_fn fn, void *ud, int *bad_line,
		 const char **err);
int group_parse(const char *buf, size_t len, group_fn fn, void *ud, int *bad_line,
		const char **err);

/* Is shell one that gives no interactive session (nologin, false)? */
bool shell_is_nologin(const char *shell);

enum sudoers_kind {
	SUDOERS_INCLUDE,    /* @include / #include: path */
	SUDOERS_INCLUDEDIR, /* @includedir / #includedir: path */
	SUDOERS_ALIAS,	    /* alias_type NAME = items */
	SUDOERS_DEFAULTS,   /* Defaults[:@!>]binding options (items) */
	SUDOERS_USERSPEC,   /* users (items) host = (runas) tags: commands */
};

/* One sudoers entry. Pointers valid during the call. */
struct sudoers_rule {
	enum sudoers_kind kind;
	const char *path;	/* include, includedir */
	const char *alias_type; /* "User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias" */
	const char *alias_name;
	char defaults_binding;		     /* 0, ':', '@', '!', '>' */
	const char *binding;		     /* Defaults binding list as written, or NULL */
	const char *items[ACCT_MAX_MEMBERS]; /* users of a user spec, alias members, Defaults
					      * options; negated items keep their '!' */
	size_t nitems;
	const char *cmnds[ACCT_MAX_MEMBERS];  /* user spec: command of each entry (first word) */
	bool cmnd_as_root[ACCT_MAX_MEMBERS];  /* ... runs as root (no runas, ALL, root, #0) */
	bool cmnd_nopasswd[ACCT_MAX_MEMBERS]; /* ... with the NOPASSWD tag in force */
	size_t ncmnds;
	int line;
};
typedef int (*sudoers_fn)(const struct sudoers_rule *r, void *ud);

/* Parses a sudoers file: continuation lines, comments (not "#include", not "#123" ids),
 * aliases, Defaults, user specifications. Returns 0, fn's value, or MAMORI_EPARSE. */
int sudoers_parse(const char *buf, size_t len, sudoers_fn fn, void *ud, int *bad_line,
		  const char **err);

/* Does sudo read this name from an @includedir directory (no '.', no trailing '~')? */
bool sudoers_includedir_name_ok(const char *name);

#endif
