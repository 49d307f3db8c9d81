/* SPDX-License-Identifier: Apache-2.0 */
/* The timesync family's parser of chrony, ntpd/ntpsec and OpenNTPD configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/timesync.h"
#include "mamori/mamori.h"

struct seen {
	char out[1024];
	int n;
};

static int collect(const char *key, const char *args, int line, void *ud)
{
	struct seen *s = ud;
	size_t l = strlen(s->out);
	snprintf(s->out + l, sizeof(s->out) - l, "%d:%s=%s|", line, key, args);
	s->n++;
	return strcmp(key, "stop") == 0 ? 42 : 0;
}

static void test_ntpconf_chrony(void **state)
{
	(void)state;
	struct seen s = {{0}, 0};
	int bad = 0;
	const char *conf = "# comment\n! bang\n; semi\n%% percent\n\n"
			   "pool 2.debian.pool.ntp.org iburst\n"
			   "  server ntp.example.jp   iburst   # trailing\n"
			   "confdir /etc/chrony/conf.d /usr/share/chrony/conf.d\r\n"
			   "rtcsync\n"
			   "driftfile /var/lib/chrony#not-a-comment\n";
	assert_int_equal(ntpconf_parse(conf, strlen(conf), collect, &s, &bad), 0);
	assert_string_equal(s.out, "6:pool=2.debian.pool.ntp.org iburst|"
				   "7:server=ntp.example.jp   iburst|"
				   "8:confdir=/etc/chrony/conf.d /usr/share/chrony/conf.d|"
				   "9:rtcsync=|"
				   "10:driftfile=/var/lib/chrony#not-a-comment|");
}

static void test_ntpconf_malformed(void **state)
{
	(void)state;
	struct seen s = {{0}, 0};
	int bad = 0;
	static const char *const src[] = {"server\n",	"pool   \n", "peer # x\n",
					  "refclock\n", "servers\n", "sensor\n"};
	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		const char *t = src[i];
		char buf[64];
		snprintf(buf, sizeof(buf), "# x\n%s", t);
		assert_int_equal(ntpconf_parse(buf, strlen(buf), collect, &s, &bad), MAMORI_EPARSE);
		assert_int_equal(bad, 2);
	}
	/* A keyword of 64 bytes or more. */
	char key[80];
	memset(key, 'k', 70);
	memcpy(key + 70, " x\n", 4);
	assert_int_equal(ntpconf_parse(key, strlen(key), collect, &s, &bad), MAMORI_EPARSE);
	/* An overlong line. */
	size_t n = NTPCONF_MAX_LINE + 10;
	char *big = malloc(n);
	assert_non_null(big);
	memcpy(big, "server ", 7);
	memset(big + 7, 'a', n - 7);
	assert_int_equal(ntpconf_parse(big, n, collect, &s, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 1);
	free(big);
	/* The callback's value stops the parse. */
	const char *t = "a 1\nstop now\nb 2\n";
	memset(&s, 0, sizeof(s));
	assert_int_equal(ntpconf_parse(t, strlen(t), collect, &s, &bad), 42);
	assert_int_equal(s.n, 2);
	/* Binary junk without a source keyword is ignored, not a crash. */
	const char junk[] = "\x01\x02\x03 \xff\xfe\n\0\0server\0x\n";
	assert_int_equal(ntpconf_parse(junk, sizeof(junk) - 1, collect, &s, &bad), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ntpconf_chrony),
	    cmocka_unit_test(test_ntpconf_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
