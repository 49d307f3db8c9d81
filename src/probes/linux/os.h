/* SPDX-License-Identifier: Apache-2.0 */
/* The os family's pure parser: distro-info-data's release tables (debian.csv, ubuntu.csv). */
#ifndef MAMORI_LINUX_OS_H
#define MAMORI_LINUX_OS_H

#include <stdbool.h>
#include <stddef.h>

/* The date columns distro-info-data uses. Debian: eol-lts (volunteer LTS), eol-elts (paid
 * Freexian ELTS). Ubuntu: eol-server (older LTS servers), eol-esm (Ubuntu Pro),
 * eol-legacy (paid Legacy add-on). */
enum distro_col {
	DC_CREATED,
	DC_RELEASE,
	DC_EOL,
	DC_EOL_LTS,
	DC_EOL_ELTS,
	DC_EOL_SERVER,
	DC_EOL_ESM,
	DC_EOL_LEGACY,
	DC_COUNT
};

#define DISTRO_FIELD_MAX 64 /* version, codename and series are short */
#define DISTRO_LINE_MAX 1024
#define DISTRO_MAX_COLS 16

struct distro_row {
	const char *version;	  /* "12", "24.04 LTS", "" for sid */
	const char *codename;	  /* "Bookworm" */
	const char *series;	  /* "bookworm" */
	long long date[DC_COUNT]; /* Unix seconds at 00:00 UTC; valid when has[i] */
	bool has[DC_COUNT];
	int line; /* 1-based line in the file */
};

/* Parses a distro-info CSV: a header line naming the columns (version, codename, series and
 * known date columns; unknown columns are ignored), then one release per line. Empty
 * trailing fields are absent dates. Quoted fields are not used by distro-info and are
 * refused. Calls fn for each row; returns 0, fn's non-zero value, or MAMORI_EPARSE with
 * *bad_line set (a missing header column, a bad date, too many columns, a line too long). */
typedef int (*distro_row_fn)(const struct distro_row *row, void *ud);
int distro_csv_parse(const char *buf, size_t len, distro_row_fn fn, void *ud, int *bad_line);

#endif
