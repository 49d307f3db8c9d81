/* SPDX-License-Identifier: Apache-2.0 */
/* The antivirus family's parsers: ClamAV database headers and clamscan logs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "probes/linux/antivirus.h"

static void test_cvd_header(void **state)
{
	(void)state;
	long long built = 0, ver = 0;
	const char *h =
	    "ClamAV-VDB:14 Nov 2023 08:31 -0500:27093:2040000:90:md5:dsig:raynman:1699968660";
	assert_int_equal(cvd_header_parse(h, strlen(h), &built, &ver), 0);
	/* 2023-11-14 13:31 UTC */
	assert_int_equal(built, days_from_civil(2023, 11, 14) * 86400 + 13 * 3600 + 31 * 60);
	assert_int_equal(ver, 27093);
	const char *h2 = "ClamAV-VDB:1 Jan 2026 00:10 +0900:5:";
	assert_int_equal(cvd_header_parse(h2, strlen(h2), &built, &ver), 0);
	assert_int_equal(built, days_from_civil(2025, 12, 31) * 86400 + 15 * 3600 + 10 * 60);
	/* Padded to 512 bytes with binary data after. */
	char padded[600];
	memset(padded, ' ', sizeof(padded));
	memcpy(padded, h, strlen(h));
	padded[512] = '\x1f';
	assert_int_equal(cvd_header_parse(padded, sizeof(padded), &built, &ver), 0);
}

static void test_cvd_header_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "",
	    "ClamAV-VDB:",
	    "ClamAV-VDX:14 Nov 2023 08:31 -0500:27093:",
	    "ClamAV-VDB:yesterday:27093:",
	    "ClamAV-VDB:14 Nav 2023 08:31 -0500:27093:",
	    "ClamAV-VDB:32 Nov 2023 08:31 -0500:27093:",
	    "ClamAV-VDB:14 Nov 2023 24:31 -0500:27093:",
	    "ClamAV-VDB:14 Nov 2023 08:31 0500:27093:",
	    "ClamAV-VDB:14 Nov 2023 08:31 -0500:x:",
	    "ClamAV-VDB:14 Nov 2023 08:31 -0500:27093",
	    "ClamAV-VDB:14 Nov 1969 08:31 -0500:27093:",
	    "ClamAV-VDB:014 Nov 2023 08:31 -0500:27093:",
	    "ClamAV-VDB:14 Nov 2023 08:31 -0500:99999999999:",
	    "ClamAV-VDB:14 No",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long long built = 7, ver = 7;
		assert_int_equal(cvd_header_parse(bad[i], strlen(bad[i]), &built, &ver),
				 MAMORI_EPARSE);
		assert_int_equal(built, 7);
	}
	/* The header ends at 512 bytes: a version colon beyond it does not count. */
	char h[600];
	memset(h, '1', sizeof(h));
	memcpy(h, "ClamAV-VDB:14 Nov 2023 08:31 -0500:", 35);
	h[599] = ':';
	long long built, ver;
	assert_int_equal(cvd_header_parse(h, sizeof(h), &built, &ver), MAMORI_EPARSE);
}

static void test_clamscan_log(void **state)
{
	(void)state;
	const char *log =
	    "/a: OK\n\n----------- SCAN SUMMARY -----------\n"
	    "Scanned files: 3\nStart Date: 2026:11:13 01:00:01\n"
	    "End Date:   2026:11:13 02:00:04\n"
	    "\n----------- SCAN SUMMARY -----------\nEnd Date: 2026:11:20 01:59:58\r\n"
	    "\n----------- SCAN SUMMARY -----------\nEnd Date: 2026:10:01 00:00:00\n"
	    "End Date: not inside a summary, ignored\n";
	struct clamlog_result r;
	int bad = 0;
	assert_int_equal(clamscan_log_parse(log, strlen(log), &r, &bad), 0);
	assert_int_equal(r.summaries, 3);
	assert_int_equal(r.dated, 3);
	assert_int_equal(r.newest_end, days_from_civil(2026, 11, 20) * 86400 + 7198);
	assert_int_equal(r.newest_line, 9);
	/* A summary without dates (ClamAV < 0.104). */
	const char *old = "----------- SCAN SUMMARY -----------\nKnown viruses: 1\n";
	assert_int_equal(clamscan_log_parse(old, strlen(old), &r, &bad), 0);
	assert_int_equal(r.summaries, 1);
	assert_int_equal(r.dated, 0);
	assert_int_equal(clamscan_log_parse("", 0, &r, &bad), 0);
	assert_int_equal(r.summaries, 0);
}

static void test_clamscan_log_malformed(void **state)
{
	(void)state;
	static const char *const bad_dates[] = {"last friday",
						"2026:13:01 00:00:00",
						"2026:11:20",
						"2026-11-20 01:00:00",
						"2026:11:20 01:00:00 extra",
						"1969:01:01 00:00:00",
						"2026:11:20 25:00:00",
						""};
	for (size_t i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++) {
		char buf[256];
		snprintf(buf, sizeof(buf), "-------- SCAN SUMMARY --------\nx\nEnd Date: %s\n",
			 bad_dates[i]);
		struct clamlog_result r = {.summaries = 99};
		int bad = 0;
		assert_int_equal(clamscan_log_parse(buf, strlen(buf), &r, &bad), MAMORI_EPARSE);
		assert_int_equal(bad, 3);
		assert_int_equal(r.summaries, 99); /* untouched */
	}
	/* An overlong line. */
	size_t n = (1u << 16) + 10;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'x', n);
	struct clamlog_result r;
	int bad = 0;
	assert_int_equal(clamscan_log_parse(big, n, &r, &bad), MAMORI_EPARSE);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cvd_header),
	    cmocka_unit_test(test_cvd_header_malformed),
	    cmocka_unit_test(test_clamscan_log),
	    cmocka_unit_test(test_clamscan_log_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
