/* SPDX-License-Identifier: Apache-2.0 */
/* The pure parsers of the os, packages and patch families: distro-info CSV, dpkg version
 * order, apt Release dates, stanza splitting for the streaming list reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "probes/linux/apt.h"
#include "probes/linux/os.h"

/* ---- dpkg versions ---- */

static int vcmp(const char *a, const char *b)
{
	int c = 99;
	assert_int_equal(deb_version_cmp_str(a, b, &c), 0);
	return c < 0 ? -1 : c > 0 ? 1 : 0;
}

static void test_debversion_known_pairs(void **state)
{
	(void)state;
	/* Pairs checked against `dpkg --compare-versions`. */
	static const struct {
		const char *a, *b;
		int want;
	} pairs[] = {
	    {"1.0", "1.0", 0},
	    {"1.0", "1.1", -1},
	    {"1.10", "1.9", 1},
	    {"1.0~rc1", "1.0", -1},
	    {"1.0~rc1", "1.0~rc2", -1},
	    {"1.0~~", "1.0~", -1},
	    {"1.0~", "1.0", -1},
	    {"1.0", "1.0+b1", -1},
	    {"1.0a", "1.0", 1},
	    {"1.0a", "1.0+", -1}, /* letters sort before other marks */
	    {"1.0.", "1.0a", 1},
	    {"1:1.0", "2.0", 1},
	    {"0:1.0", "1.0", 0},
	    {"1.0-1", "1.0-1", 0},
	    {"1.0-1", "1.0-2", -1},
	    {"1.0-10", "1.0-9", 1},
	    {"1.0", "1.0-0", 0}, /* an absent revision equals "0" */
	    {"1.0-1~bpo1", "1.0-1", -1},
	    {"3.0.11-1~deb12u2", "3.0.15-1~deb12u1", -1},
	    {"1:9.2p1-2+deb12u1", "1:9.2p1-2+deb12u5", -1},
	    {"2.36-9+deb12u1", "2.36-9+deb12u9", -1},
	    {"1.5.2-6+deb12u1~rc1", "1.5.2-6+deb12u1", -1},
	    {"252.36-1~deb12u1", "252.33-1~deb12u1", 1},
	    {"20230311+deb12u1", "20250419~deb12u2", -1},
	    {"1.0.9-2+b6", "1.0.9-2+deb12u1", -1},		/* 'b' < 'd' */
	    {"2.1.12-stable-8", "2.1.12-stable-8+deb12u1", -1}, /* hyphens in upstream */
	    {"007", "7", 0},
	    {"1.002", "1.2", 0},
	    {"9999999999999999999999", "9999999999999999999998", 1}, /* digit by digit */
	    {"a", "b", -1},
	    {"~", "", 0}, /* not valid: checked below */
	};
	for (size_t i = 0; i + 1 < sizeof(pairs) / sizeof(pairs[0]); i++) {
		int got = vcmp(pairs[i].a, pairs[i].b);
		if (got != pairs[i].want)
			fail_msg("%s vs %s: got %d, want %d", pairs[i].a, pairs[i].b, got,
				 pairs[i].want);
		assert_int_equal(vcmp(pairs[i].b, pairs[i].a), -pairs[i].want);
	}
}

static void test_debversion_invalid(void **state)
{
	(void)state;
	struct deb_version v;
	static const char *const bad[] = {"",	 "   ", ":1.0", "a:1.0",	   "1:", "1.0-",
					  "1 0", "-1",	"1:-1", "99999999999:1.0", NULL};
	for (size_t i = 0; bad[i]; i++)
		if (deb_version_parse(bad[i], &v) == 0)
			fail_msg("accepted invalid version '%s'", bad[i]);
	int c;
	assert_int_equal(deb_version_cmp_str("1.0", "", &c), MAMORI_EINVAL);
	assert_int_equal(deb_version_parse(" 1:2.0-3 ", &v), 0);
	assert_int_equal(v.epoch, 1);
	assert_int_equal(v.upstream_len, 3);
	assert_memory_equal(v.upstream, "2.0", 3);
	assert_int_equal(v.revision_len, 1);
	assert_int_equal(deb_version_parse("2147483647:1", &v), 0);
	assert_int_equal(deb_version_parse("2147483648:1", &v), MAMORI_EINVAL);
}

/* ---- distro-info CSV ---- */

struct rows {
	int n;
	struct distro_row last;
	char series[8][DISTRO_FIELD_MAX];
};

static int row_cb(const struct distro_row *r, void *ud)
{
	struct rows *rs = ud;
	if (rs->n < 8)
		strncat(rs->series[rs->n], r->series, DISTRO_FIELD_MAX - 1);
	rs->n++;
	rs->last = *r;
	return 0;
}

static void test_distro_csv_debian(void **state)
{
	(void)state;
	static const char csv[] =
	    "version,codename,series,created,release,eol,eol-lts,eol-elts\n"
	    "12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-07-11,2028-06-30,"
	    "2033-06-30\n"
	    "14,Forky,forky,2025-08-09\r\n"
	    ",Sid,sid,1993-08-16\n";
	struct rows rs = {0};
	int bad = 0;
	assert_int_equal(distro_csv_parse(csv, strlen(csv), row_cb, &rs, &bad), 0);
	assert_int_equal(rs.n, 3);
	assert_string_equal(rs.series[0], "bookworm");
	assert_string_equal(rs.series[1], "forky");
	assert_string_equal(rs.last.version, "");
	assert_false(rs.last.has[DC_EOL]);
	assert_true(rs.last.has[DC_CREATED]);
	assert_int_equal(rs.last.line, 4);
}

static int keep_first(const struct distro_row *r, void *ud)
{
	struct distro_row *out = ud;
	*out = *r;
	return 1;
}

static void test_distro_csv_ubuntu_columns(void **state)
{
	(void)state;
	static const char csv[] = "version,codename,series,created,release,eol,eol-server,eol-esm,"
				  "eol-legacy\n"
				  "20.04 LTS,Focal Fossa,focal,2019-10-17,2020-04-23,2025-05-29,"
				  "2025-05-29,2030-04-23,2032-04-27\n";
	struct distro_row r;
	int bad = 0;
	assert_int_equal(distro_csv_parse(csv, strlen(csv), keep_first, &r, &bad), 1);
	assert_true(r.has[DC_EOL_ESM] && r.has[DC_EOL_LEGACY] && r.has[DC_EOL_SERVER]);
	assert_false(r.has[DC_EOL_LTS]);
	long long t;
	assert_int_equal(parse_date("2030-04-23", &t), 0);
	assert_int_equal(r.date[DC_EOL_ESM], t);
}

static void test_distro_csv_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int line;
	} cases[] = {
	    {"", 1},							/* no header */
	    {"codename,series,eol\nx,y,2020-01-01\n", 1},		/* no version column */
	    {"version,codename,series,eol\n1,A,a,2020-13-01\n", 2},	/* bad month */
	    {"version,codename,series,eol\n1,A,a,20-01-01\n", 2},	/* short date */
	    {"version,codename,series,eol\n1,A,a,2020-01-01,x\n", 2},	/* extra column */
	    {"version,codename,series,eol\n1,\"A\",a,2020-01-01\n", 2}, /* quotes */
	    {"version,codename,series,eol\n1,A,,2020-01-01\n", 2},	/* no series */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rows rs = {0};
		int bad = 0;
		int r = distro_csv_parse(cases[i].text, strlen(cases[i].text), row_cb, &rs, &bad);
		if (r != MAMORI_EPARSE || bad != cases[i].line)
			fail_msg("case %zu: r=%d line=%d", i, r, bad);
	}
	/* A line past the cap. */
	size_t n = DISTRO_LINE_MAX + 200;
	char *big = malloc(n + 64);
	assert_non_null(big);
	memcpy(big, "version,codename,series,eol\n", sizeof("version,codename,series,eol\n"));
	size_t o = strlen(big);
	memset(big + o, 'a', n);
	big[o + n] = '\0';
	struct rows rs = {0};
	int bad = 0;
	assert_int_equal(distro_csv_parse(big, strlen(big), row_cb, &rs, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	free(big);
}

/* ---- Release dates ---- */

static void test_release_date(void **state)
{
	(void)state;
	static const char inrel[] = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"
				    "Origin: Debian\nDate: Sat, 21 Nov 2026 00:53:02 UTC\n"
				    "Valid-Until: Sat, 28 Nov 2026 00:53:02 UTC\n"
				    "-----BEGIN PGP SIGNATURE-----\n\nDate: junk\n";
	long long t, want;
	int line = 0;
	assert_int_equal(apt_release_date_parse(inrel, strlen(inrel), &t, &line), 0);
	assert_int_equal(parse_date("2026-11-21", &want), 0);
	assert_int_equal(t, want + 53 * 60 + 2);
	assert_int_equal(line, 5);
	static const char zone[] = "Date: 1 Jan 2026 09:00:00 +0900\n";
	assert_int_equal(apt_release_date_parse(zone, strlen(zone), &t, &line), 0);
	assert_int_equal(parse_date("2026-01-01", &want), 0);
	assert_int_equal(t, want);
	static const char none[] = "Origin: x\n-----BEGIN PGP SIGNATURE-----\nDate: Sat, 21 Nov "
				   "2026 00:53:02 UTC\n";
	assert_int_equal(apt_release_date_parse(none, strlen(none), &t, &line), MAMORI_ENOENT);
	static const char *const bad[] = {"Date: yesterday\n",
					  "Date: Sat, 31 Feb 2026 00:00:00 UTC\n",
					  "Date: Sat, 21 Nov 2026 24:00:00 UTC\n",
					  "Date: Sat, 21 Nov 2026 00:00:00 CET\n",
					  "Date: Sat, 21 Foo 2026 00:00:00 UTC\n",
					  "Date:\n",
					  NULL};
	for (size_t i = 0; bad[i]; i++) {
		line = 0;
		if (apt_release_date_parse(bad[i], strlen(bad[i]), &t, &line) != MAMORI_EPARSE ||
		    line != 1)
			fail_msg("accepted '%s'", bad[i]);
	}
}

/* ---- stanza split for streaming ---- */

static int count_cb(const struct deb_stanza *st, void *ud)
{
	(void)st;
	(*(int *)ud)++;
	return 0;
}

static void test_complete_stanzas(void **state)
{
	(void)state;
	static const char buf[] = "Package: a\nVersion: 1\n\nPackage: b\nVers";
	size_t cut = apt_complete_stanzas(buf, strlen(buf));
	assert_int_equal(cut, strlen("Package: a\nVersion: 1\n\n"));
	assert_int_equal(apt_complete_stanzas(buf, 10), 0);
	assert_int_equal(apt_complete_stanzas("", 0), 0);
	assert_int_equal(apt_complete_stanzas("\n", 1), 0);
	int n = 0, bad = 0;
	assert_int_equal(deb_stanzas_parse(buf, cut, count_cb, &n, &bad), 0);
	assert_int_equal(n, 1);
	/* A line longer than 64 KiB, as real lists have (Provides of librust-winapi-dev). */
	size_t big = 80000;
	char *s = malloc(big + 64);
	assert_non_null(s);
	memcpy(s, "Package: x\nProvides: ", sizeof("Package: x\nProvides: "));
	size_t o = strlen(s);
	memset(s + o, 'p', big);
	memcpy(s + o + big, "\nVersion: 1\n\n", sizeof("\nVersion: 1\n\n"));
	n = 0;
	assert_int_equal(deb_stanzas_parse(s, strlen(s), count_cb, &n, &bad), 0);
	assert_int_equal(n, 1);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debversion_known_pairs),
	    cmocka_unit_test(test_debversion_invalid),
	    cmocka_unit_test(test_distro_csv_debian),
	    cmocka_unit_test(test_distro_csv_ubuntu_columns),
	    cmocka_unit_test(test_distro_csv_malformed),
	    cmocka_unit_test(test_release_date),
	    cmocka_unit_test(test_complete_stanzas),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
