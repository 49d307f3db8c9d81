/* SPDX-License-Identifier: Apache-2.0 */
/* The pure parsers of the antivirus family: ClamAV database headers and scan logs. */
#ifndef MAMORI_LINUX_ANTIVIRUS_H
#define MAMORI_LINUX_ANTIVIRUS_H

#include <stddef.h>

/* Only the first 512 bytes of a database are its header. */
#define CVD_HEADER_LEN 512

/* Parses the header of a ClamAV .cvd/.cld database,
 * "ClamAV-VDB:14 Nov 2023 08:31 -0500:27093:...", into the build time in Unix seconds and
 * the database version. Looks at no more than CVD_HEADER_LEN bytes. Returns 0 or
 * MAMORI_EPARSE; the outputs are written only on success. */
int cvd_header_parse(const char *buf, size_t len, long long *built, long long *version);

struct clamlog_result {
	int summaries;	      /* "----------- SCAN SUMMARY -----------" blocks */
	int dated;	      /* of which had an "End Date:" line */
	long long newest_end; /* newest End Date (read as UTC), valid when dated > 0 */
	int newest_line;      /* its line */
};

/* Scans clamscan/clamdscan --log output for scan summaries and their "End Date:
 * 2026:11:20 01:00:01" lines (ClamAV >= 0.104). Lines are capped at 64 KiB. Returns 0 or
 * MAMORI_EPARSE with *bad_line (an End Date that is not a date, an overlong line); res is
 * filled on success. */
int clamscan_log_parse(const char *buf, size_t len, struct clamlog_result *res, int *bad_line);

#endif
