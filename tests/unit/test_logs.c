/* SPDX-License-Identifier: Apache-2.0 */
/* The logs family's pure parsers: systemd time spans, systemd configuration files and
 * logrotate configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/logs.h"

#define DAY 86400000000ULL

static unsigned long long span(const char *s)
{
	unsigned long long v = 12345;
	assert_int_equal(timespan_parse(s, strlen(s), &v), 0);
	return v;
}

static void test_timespan(void **state)
{
	(void)state;
	assert_int_equal(span("1year") / DAY, 365);
	assert_int_equal(span("1y") / DAY, 365);
	assert_int_equal(span("12month") / DAY, 365);
	assert_int_equal(span("12M") / DAY, 365);
	assert_int_equal(span("365d") / DAY, 365);
	assert_int_equal(span("52w") / DAY, 364);
	assert_int_equal(span("3600"), 3600000000ULL);
	assert_int_equal(span("1h 30min"), 5400000000ULL);
	assert_int_equal(span("1h30min"), 5400000000ULL);
	assert_int_equal(span("5m"), 300000000ULL); /* m is minutes, M months */
	assert_int_equal(span("1.5d"), DAY + DAY / 2);
	assert_int_equal(span("  2 weeks  "), 14 * DAY);
	assert_int_equal(span("0"), 0);
	assert_int_equal(span("500ms"), 500000ULL);
	assert_true(span("infinity") == TIMESPAN_INFINITY);
	/* Saturates instead of overflowing. */
	assert_true(span("99999999999999999999999999years") < TIMESPAN_INFINITY);
	assert_true(span("99999999999999999999999999years") >= 365 * DAY * 30000);
	unsigned long long v = 7;
	static const char *const bad[] = {"",	 "   ", "1 fortnight", "abc",	    "1..5d", "1.d",
					  "-5d", "d",	"5 d x",       "infinity2", "1y\x01"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(timespan_parse(bad[i], strlen(bad[i]), &v), MAMORI_EPARSE);
		assert_int_equal(v, 7); /* untouched on failure */
	}
	/* Not NUL-terminated: only len bytes count. */
	assert_int_equal(timespan_parse("5dXXXX", 2, &v), 0);
	assert_int_equal(v, 5 * DAY);
}

static void test_sdconf(void **state)
{
	(void)state;
	static const struct sdconf_key keys[] = {{"Storage", false}, {"NTP", true}};
	struct sdconf_value v[2];
	memset(v, 0, sizeof(v));
	const char *a = "[Journal]\nStorage=volatile\n[Time]\nNTP=a b\nStorage=ignored\n";
	int bad = 0;
	assert_int_equal(sdconf_apply(a, strlen(a), "/a", "Journal", keys, 2, v, &bad), 0);
	assert_true(v[0].set);
	assert_string_equal(v[0].value, "volatile");
	assert_string_equal(v[0].source, "/a");
	assert_int_equal(v[0].line, 2);
	assert_false(v[1].set); /* NTP is in another section */
	/* Lists append; an empty assignment resets; the last scalar assignment wins. */
	const char *b = "[Journal]\nNTP=x\nNTP=y z\n# c\n; c\nStorage=persistent\n";
	assert_int_equal(sdconf_apply(b, strlen(b), "/b", "Journal", keys, 2, v, &bad), 0);
	assert_string_equal(v[1].value, "x y z");
	assert_string_equal(v[0].value, "persistent");
	const char *c = "[Journal]\nNTP=\nNTP=q\n";
	assert_int_equal(sdconf_apply(c, strlen(c), "/c", "Journal", keys, 2, v, &bad), 0);
	assert_string_equal(v[1].value, "q");
	/* Malformed: a line without '=' and an unterminated section header. */
	const char *d = "[Journal]\nStorage persistent\n";
	assert_int_equal(sdconf_apply(d, strlen(d), "/d", "Journal", keys, 2, v, &bad),
			 MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	const char *e = "[Journal\n";
	assert_int_equal(sdconf_apply(e, strlen(e), "/e", "Journal", keys, 2, v, &bad),
			 MAMORI_EPARSE);
	/* Oversized line. */
	size_t n = 20000;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memcpy(big, "[Journal]\nNTP=", 14);
	memset(big + 14, 'a', n - 14);
	big[n] = '\0';
	assert_int_equal(sdconf_apply(big, n, "/big", "Journal", keys, 2, v, &bad), MAMORI_EPARSE);
	free(big);
}

static const char *const targets[] = {"/var/log/syslog", "/var/log/messages", "/var/log/auth.log"};

static void lr_init(struct lr_state *st)
{
	memset(st, 0, sizeof(*st));
	st->targets = targets;
	st->ntargets = 3;
}

static int lr(struct lr_state *st, const char *text, int *bad)
{
	return logrotate_parse(text, strlen(text), "/etc/logrotate.conf", st, bad);
}

static long long retention(const struct lr_match *m)
{
	long long d = -99;
	char why[256];
	assert_true(m->found);
	assert_int_equal(logrotate_retention(&m->opts, &d, why, sizeof(why)), 0);
	return d;
}

static void test_logrotate_debian(void **state)
{
	(void)state;
	struct lr_state st;
	lr_init(&st);
	int bad = 0;
	const char *conf = "# see man logrotate\nweekly\nrotate 4\ncreate\n"
			   "/var/log/syslog\n/var/log/mail.log\n/var/log/auth.log\n{\n"
			   "\tmissingok\n\tsharedscripts\n\tpostrotate\n"
			   "\t\t/usr/lib/rsyslog/rsyslog-rotate } {\n\tendscript\n}\n";
	assert_int_equal(lr(&st, conf, &bad), 0);
	assert_true(st.match[0].found);
	assert_int_equal(st.match[0].line, 5);
	assert_string_equal(st.match[0].pattern, "/var/log/syslog");
	assert_int_equal(retention(&st.match[0]), 28);
	assert_false(st.match[1].found);
	assert_true(st.match[2].found);
	assert_int_equal(st.match[0].opts.rotate.line, 3);
}

static void test_logrotate_semantics(void **state)
{
	(void)state;
	struct lr_state st;
	int bad = 0;
	/* Globals in force where the stanza begins; later ones do not reach back. */
	lr_init(&st);
	assert_int_equal(lr(&st, "monthly\nrotate 13\n/var/log/sys* {\n}\nrotate 1\ndaily\n", &bad),
			 0);
	assert_int_equal(retention(&st.match[0]), 390);
	/* The stanza overrides; maxage caps. */
	lr_init(&st);
	assert_int_equal(
	    lr(&st, "weekly\n\"/var/log/syslog\" {\n daily\n rotate 400\n maxage 90\n}\n", &bad),
	    0);
	assert_int_equal(retention(&st.match[0]), 90);
	/* rotate -1: never removed, unless maxage. */
	lr_init(&st);
	assert_int_equal(lr(&st, "/var/log/syslog {\n yearly\n rotate -1\n}\n", &bad), 0);
	assert_int_equal(retention(&st.match[0]), -1);
	lr_init(&st);
	assert_int_equal(lr(&st, "/var/log/syslog {\n yearly\n rotate -1\n maxage 400\n}\n", &bad),
			 0);
	assert_int_equal(retention(&st.match[0]), 400);
	/* No rotate: none kept. */
	lr_init(&st);
	assert_int_equal(lr(&st, "/var/log/syslog {\n yearly\n}\n", &bad), 0);
	assert_int_equal(retention(&st.match[0]), 0);
	/* The first stanza for a log wins. */
	lr_init(&st);
	assert_int_equal(lr(&st,
			    "/var/log/syslog {\n yearly\n rotate 2\n}\n"
			    "/var/log/syslog {\n daily\n rotate 1\n}\n",
			    &bad),
			 0);
	assert_int_equal(retention(&st.match[0]), 730);
	/* Brace on the pattern line with no space; two patterns on a line. */
	lr_init(&st);
	assert_int_equal(lr(&st, "/var/log/x /var/log/messages{\nweekly\nrotate 60\n}\n", &bad), 0);
	assert_int_equal(retention(&st.match[1]), 420);
}

static void test_logrotate_unknown_retention(void **state)
{
	(void)state;
	struct lr_state st;
	int bad = 0;
	long long d;
	char why[256];
	lr_init(&st);
	assert_int_equal(lr(&st, "/var/log/syslog {\n rotate 4\n}\n", &bad), 0);
	assert_int_equal(logrotate_retention(&st.match[0].opts, &d, why, sizeof(why)),
			 MAMORI_EINVAL);
	assert_non_null(strstr(why, "no rotation period"));
	lr_init(&st);
	assert_int_equal(lr(&st, "weekly\n/var/log/syslog {\n size 100M\n rotate 4\n}\n", &bad), 0);
	assert_int_equal(logrotate_retention(&st.match[0].opts, &d, why, sizeof(why)),
			 MAMORI_EINVAL);
	assert_non_null(strstr(why, "size"));
	lr_init(&st);
	assert_int_equal(lr(&st, "/var/log/syslog {\n daily\n maxsize 1G\n rotate 400\n}\n", &bad),
			 0);
	assert_int_equal(logrotate_retention(&st.match[0].opts, &d, why, sizeof(why)),
			 MAMORI_EINVAL);
	assert_non_null(strstr(why, "maxsize"));
	/* size then weekly: the last criterion wins, as in logrotate. */
	lr_init(&st);
	assert_int_equal(lr(&st, "/var/log/syslog {\n size 1M\n weekly\n rotate 60\n}\n", &bad), 0);
	assert_int_equal(retention(&st.match[0]), 420);
}

struct inc {
	char paths[4][64];
	int n;
};

static int on_include(const char *path, void *ud)
{
	struct inc *i = ud;
	if (i->n < 4)
		snprintf(i->paths[i->n++], sizeof(i->paths[0]), "%s", path);
	return strcmp(path, "/fail") == 0 ? MAMORI_EIO : 0;
}

static void test_logrotate_include(void **state)
{
	(void)state;
	struct lr_state st;
	struct inc inc = {0};
	int bad = 0;
	lr_init(&st);
	st.include = on_include;
	st.ud = &inc;
	assert_int_equal(lr(&st, "include /etc/logrotate.d\ninclude \"/etc/x y\"\n", &bad), 0);
	assert_int_equal(inc.n, 2);
	assert_string_equal(inc.paths[0], "/etc/logrotate.d");
	assert_string_equal(inc.paths[1], "/etc/x y");
	assert_int_equal(lr(&st, "weekly\ninclude /fail\n", &bad), MAMORI_EIO);
	assert_int_equal(bad, 2);
	/* include inside a stanza is an error. */
	lr_init(&st);
	assert_int_equal(lr(&st, "/var/log/syslog {\n include /x\n}\n", &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
}

static void test_logrotate_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int line;
	} cases[] = {
	    {"rotate four\n", 1},
	    {"rotate\n", 1},
	    {"rotate 99999999999999999999\n", 1},
	    {"maxage -3\n", 1},
	    {"}\n", 1},
	    {"/var/log/syslog {\n rotate 1\n", 1},	    /* unterminated stanza */
	    {"/var/log/syslog {\n postrotate\n x\n}\n", 1}, /* unterminated script */
	    {"/var/log/syslog\nweekly\n", 2},		    /* names without a brace */
	    {"/var/log/syslog {\n /var/log/x\n}\n", 2},	    /* a name inside a stanza */
	    {"{\n}\n", 1},				    /* a brace without names */
	    {"/var/log/syslog { weekly\n}\n", 1},
	    {"\"/var/log/syslog {\n}\n", 1}, /* unterminated quote */
	    {"endscript\n", 1},
	    {"/a {\n}}\n", 2},
	    {"size\n", 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lr_state st;
		int bad = 0;
		lr_init(&st);
		assert_int_equal(lr(&st, cases[i].text, &bad), MAMORI_EPARSE);
		assert_int_equal(bad, cases[i].line);
	}
	/* Oversized line and too many patterns. */
	size_t n = 10000;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	struct lr_state st;
	int bad = 0;
	lr_init(&st);
	assert_int_equal(logrotate_parse(big, n, "/big", &st, &bad), MAMORI_EPARSE);
	for (size_t i = 0; i + 3 < n; i += 3)
		memcpy(big + i, "/a ", 3);
	lr_init(&st);
	assert_int_equal(logrotate_parse(big, 3000, "/big", &st, &bad), MAMORI_EPARSE);
	free(big);
	/* Empty input is fine and finds nothing. */
	lr_init(&st);
	assert_int_equal(logrotate_parse("", 0, "/e", &st, &bad), 0);
	assert_false(st.match[0].found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timespan),
	    cmocka_unit_test(test_sdconf),
	    cmocka_unit_test(test_logrotate_debian),
	    cmocka_unit_test(test_logrotate_semantics),
	    cmocka_unit_test(test_logrotate_unknown_retention),
	    cmocka_unit_test(test_logrotate_include),
	    cmocka_unit_test(test_logrotate_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
