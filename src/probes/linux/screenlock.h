/* SPDX-License-Identifier: Apache-2.0 */
/* The screenlock family's pure parsers: GSettings schema overrides and dconf keyfiles (GVariant
 * text values), dconf locks and profiles, and KDE's kscreenlockerrc. */
#ifndef MAMORI_LINUX_SCREENLOCK_H
#define MAMORI_LINUX_SCREENLOCK_H

#include <stdbool.h>
#include <stddef.h>

/* The GNOME keys that decide the screen lock. */
enum screen_key {
	SCREEN_LOCK_ENABLED, /* org.gnome.desktop.screensaver lock-enabled (b) */
	SCREEN_IDLE_DELAY,   /* org.gnome.desktop.session idle-delay (u, seconds) */
	SCREEN_LOCK_DELAY,   /* org.gnome.desktop.screensaver lock-delay (u, seconds) */
	/* org.gnome.desktop.lockdown disable-lock-screen (b): when true GNOME Shell never locks,
	 * whatever lock-enabled says. No KDE equivalent. */
	SCREEN_LOCK_DISABLED,
	SCREEN_NKEYS
};

/* The dconf path of a key ("/org/gnome/desktop/session/idle-delay"). */
const char *screen_key_path(enum screen_key k);

/* Values set by one file: set[k] says whether key k was set, at line[k]. ignored[k] is set when
 * a dconf keyfile gives a value of the wrong GVariant type (idle-delay=900 is an int32, not a
 * uint32): dconf stores it, but GSettings ignores it. */
struct screen_vals {
	bool set[SCREEN_NKEYS];
	bool ignored[SCREEN_NKEYS];
	long long v[SCREEN_NKEYS]; /* booleans as 0/1 */
	int line[SCREEN_NKEYS];
};

/* Parses GVariant text: a boolean ("true", "false") into *b, or a uint32 ("uint32 300",
 * "@u 300", or a bare "300" whose type is then int32) into *v with *typed saying whether it
 * carried the uint32 annotation. Return 0 or MAMORI_EPARSE. */
int gvariant_bool(const char *s, bool *b);
int gvariant_uint32(const char *s, long long *v, bool *typed);

/* Applies a schema override file (dconf=false: "[org.gnome.desktop.session]" groups, values
 * parsed with the key's type) or a dconf keyfile (dconf=true: "[org/gnome/desktop/session]"
 * groups, values typed by their text). Later keys overwrite earlier ones in *out. Returns 0 or
 * MAMORI_EPARSE with *bad_line and why. */
int screen_keyfile_parse(const char *buf, size_t len, bool dconf, struct screen_vals *out,
			 int *bad_line, char *why, size_t whylen);

/* Marks in locked[] the keys a dconf locks file names (lines starting with '/'). */
void dconf_locks_parse(const char *buf, size_t len, bool locked[SCREEN_NKEYS]);

/* Calls fn for each "system-db:NAME" line of a dconf profile, highest priority first; other
 * sources (user-db, service-db, file-db) are passed with system=false. Returns 0, fn's value, or
 * MAMORI_EPARSE with *bad_line for a line that is not TYPE:NAME. */
typedef int (*dconf_db_fn)(const char *kind, const char *name, int line, void *ud);
int dconf_profile_parse(const char *buf, size_t len, dconf_db_fn fn, void *ud, int *bad_line);

/* KDE's /etc/xdg/kscreenlockerrc [Daemon] group: Autolock (b), Timeout (minutes), LockGrace
 * (seconds); SCREEN_LOCK_DISABLED is never set. immutable[] says a key is marked [$i]
 * (itself, its group or the whole file). */
struct kde_lock {
	bool set[SCREEN_NKEYS];
	long long v[SCREEN_NKEYS]; /* Autolock 0/1, Timeout in seconds, LockGrace seconds */
	int line[SCREEN_NKEYS];
	bool immutable[SCREEN_NKEYS];
};
int kscreenlocker_parse(const char *buf, size_t len, struct kde_lock *out, int *bad_line, char *why,
			size_t whylen);

#endif
