/* SPDX-License-Identifier: Apache-2.0 */
/* The pure parsers of the logs family (systemd time spans, logrotate configuration) and the
 * systemd configuration-file loader that the timesync family shares. */
#ifndef MAMORI_LINUX_LOGS_H
#define MAMORI_LINUX_LOGS_H

#include <stdbool.h>
#include <stddef.h>

#include "probes/probe.h"

/* ---- systemd time spans ("1year", "12month", "52w", "1h 30min", "3600") ---- */

#define TIMESPAN_INFINITY ((unsigned long long)-1)

/* Parses a systemd time span as parse_sec() does; a number without unit is seconds and
 * "infinity" gives TIMESPAN_INFINITY. *usec receives microseconds (saturating at about
 * 31,000 years). Returns 0 or MAMORI_EPARSE; *usec is written only on success. Pure. */
int timespan_parse(const char *s, size_t len, unsigned long long *usec);

/* ---- systemd "NAME.conf" + "NAME.conf.d/ *.conf" configuration ---- */

#define SDCONF_VALUE_MAX 1024

struct sdconf_value {
	bool set;
	char value[SDCONF_VALUE_MAX]; /* list keys: items separated by one space */
	char source[256];	      /* file of the last assignment */
	int line;
};

struct sdconf_key {
	const char *key;
	bool list; /* like NTP=: each assignment appends, an empty one resets */
};

/* Applies one file's assignments in section to out[] (one slot per key): the last one wins.
 * Returns 0 or MAMORI_EPARSE with *bad_line. Pure. */
int sdconf_apply(const char *buf, size_t len, const char *path, const char *section,
		 const struct sdconf_key *keys, size_t nkeys, struct sdconf_value *out,
		 int *bad_line);

/* Loads the effective [section] of systemd's NAME (e.g. "journald.conf") under the audited
 * root the way systemd does: the main file (first of /etc, /run, /usr/local/lib, /usr/lib
 * systemd/NAME), then the *.conf drop-ins of NAME.d in those directories, a name in an
 * earlier directory hiding the same name in a later one, applied in file-name order; a
 * drop-in linked to /dev/null or empty is skipped. files receives the files read (", "
 * separated, "" if none). Returns 0, or an error with why naming the file and line. */
int sdconf_load(struct probe_ctx *ctx, const char *name, const char *section,
		const struct sdconf_key *keys, size_t nkeys, struct sdconf_value *out, char *files,
		size_t fileslen, char *why, size_t whylen);

/* ---- logrotate ---- */

#define LR_MAX_TARGETS 4
#define LR_FILE_MAX 192

/* A directive's value and where it was set. */
struct lr_setting {
	bool set;
	long long v;
	int line;
	char file[LR_FILE_MAX];
};

/* Rotation period in hours; LR_PERIOD_SIZE when only size triggers rotation. */
#define LR_PERIOD_SIZE (-1)

struct lr_opts {
	struct lr_setting
	    period; /* hours: hourly 1, daily 24, weekly 168, monthly 720, yearly 8760 */
	struct lr_setting rotate;  /* old copies kept; -1: never removed */
	struct lr_setting maxage;  /* days */
	struct lr_setting maxsize; /* set when a maxsize directive can rotate early */
};

struct lr_match {
	bool found;
	char file[LR_FILE_MAX]; /* file of the stanza */
	int line;		/* its first line */
	char pattern[256];	/* the pattern that matched */
	struct lr_opts opts;	/* effective options of the stanza */
};

/* Parse state shared across logrotate.conf and the files it includes. */
struct lr_state {
	struct lr_opts global;
	const char *const *targets; /* log files whose stanza is wanted */
	size_t ntargets;	    /* at most LR_MAX_TARGETS */
	struct lr_match match[LR_MAX_TARGETS];
	/* Called for a top-level "include PATH"; returns 0 or an error that stops the parse. */
	int (*include)(const char *path, void *ud);
	void *ud;
	int depth;
};

/* Parses one logrotate configuration file (its name is used for evidence) into st: global
 * directives change st->global from that point on, and the first stanza whose pattern
 * matches a target records its effective options. Directives logrotate ignores are ignored.
 * Returns 0, MAMORI_EPARSE with *bad_line (bad number, stray or missing brace, unterminated
 * script), or the include callback's error. Pure apart from the callback. */
int logrotate_parse(const char *buf, size_t len, const char *file, struct lr_state *st,
		    int *bad_line);

/* How many days of rotated logs opts keep: 0 on success with *days (-1: never removed),
 * MAMORI_EINVAL with why when the retention cannot be told in days (size-based rotation). */
int logrotate_retention(const struct lr_opts *opts, long long *days, char *why, size_t whylen);

#endif
