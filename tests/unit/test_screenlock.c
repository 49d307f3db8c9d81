/* SPDX-License-Identifier: Apache-2.0 */
/* The screenlock family's parsers: GVariant text, schema overrides, dconf keyfiles, locks,
 * profiles and KDE's kscreenlockerrc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/mamori.h"
#include "probes/linux/screenlock.h"

static void test_gvariant(void **state)
{
	(void)state;
	bool b, typed;
	long long v;
	assert_int_equal(gvariant_bool(" true ", &b), 0);
	assert_true(b);
	assert_int_equal(gvariant_bool("false", &b), 0);
	assert_false(b);
	assert_int_equal(gvariant_bool("1", &b), MAMORI_EPARSE);
	assert_int_equal(gvariant_bool("'true'", &b), MAMORI_EPARSE);
	assert_int_equal(gvariant_uint32("uint32 300", &v, &typed), 0);
	assert_int_equal(v, 300);
	assert_true(typed);
	assert_int_equal(gvariant_uint32("@u 0", &v, &typed), 0);
	assert_true(typed);
	assert_int_equal(gvariant_uint32("900", &v, &typed), 0);
	assert_false(typed);
	assert_int_equal(gvariant_uint32("uint32 4294967295", &v, &typed), 0);
	assert_int_equal(gvariant_uint32("uint32 4294967296", &v, &typed), MAMORI_EPARSE);
	assert_int_equal(gvariant_uint32("uint32 -5", &v, &typed), MAMORI_EPARSE);
	assert_int_equal(gvariant_uint32("uint32", &v, &typed), MAMORI_EPARSE);
	assert_int_equal(gvariant_uint32("'300'", &v, &typed), MAMORI_EPARSE);
	assert_int_equal(gvariant_uint32("", &v, &typed), MAMORI_EPARSE);
}

static void test_override_and_dconf(void **state)
{
	(void)state;
	struct screen_vals sv;
	char why[256];
	int bad = 0;
	memset(&sv, 0, sizeof(sv));
	const char *ov = "[org.gnome.desktop.session]\nidle-delay=600\n"
			 "[org.gnome.desktop.screensaver:ubuntu]\nlock-enabled=false\n"
			 "[org.gnome.desktop.interface]\nclock-format='24h'\n";
	assert_int_equal(screen_keyfile_parse(ov, strlen(ov), false, &sv, &bad, why, sizeof(why)),
			 0);
	assert_true(sv.set[SCREEN_IDLE_DELAY]);
	assert_int_equal(sv.v[SCREEN_IDLE_DELAY], 600);
	assert_true(sv.set[SCREEN_LOCK_ENABLED]);
	assert_int_equal(sv.v[SCREEN_LOCK_ENABLED], 0);
	assert_false(sv.set[SCREEN_LOCK_DELAY]);

	memset(&sv, 0, sizeof(sv));
	const char *db = "[org/gnome/desktop/session]\nidle-delay=900\n"
			 "[org/gnome/desktop/screensaver]\nlock-delay=uint32 30\n"
			 "[org.gnome.desktop.session]\nidle-delay=uint32 1\n";
	assert_int_equal(screen_keyfile_parse(db, strlen(db), true, &sv, &bad, why, sizeof(why)),
			 0);
	assert_false(sv.set[SCREEN_IDLE_DELAY]); /* int32: ignored by GSettings */
	assert_true(sv.ignored[SCREEN_IDLE_DELAY]);
	assert_int_equal(sv.line[SCREEN_IDLE_DELAY], 2);
	assert_true(sv.set[SCREEN_LOCK_DELAY]);
	assert_int_equal(sv.v[SCREEN_LOCK_DELAY], 30);

	const char *broken = "[org/gnome/desktop/session]\nidle-delay=uint32 soon\n";
	assert_int_equal(
	    screen_keyfile_parse(broken, strlen(broken), true, &sv, &bad, why, sizeof(why)),
	    MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	const char *nokey = "[org/gnome/desktop/session]\njunk\n";
	assert_int_equal(
	    screen_keyfile_parse(nokey, strlen(nokey), true, &sv, &bad, why, sizeof(why)),
	    MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	char *big = malloc(20000);
	assert_non_null(big);
	memcpy(big, "[a]\nk=", 6);
	memset(big + 6, 'v', 19000);
	big[19006] = '\0';
	assert_int_equal(screen_keyfile_parse(big, strlen(big), true, &sv, &bad, why, sizeof(why)),
			 MAMORI_EPARSE);
	free(big);
}

static void test_locks(void **state)
{
	(void)state;
	bool locked[SCREEN_NKEYS] = {false};
	const char *l = "# locks\n/org/gnome/desktop/session/idle-delay\n"
			"  /org/gnome/desktop/screensaver/lock-delay  \n"
			"/org/gnome/desktop/screensaver/lock-enabled-not\n";
	dconf_locks_parse(l, strlen(l), locked);
	assert_true(locked[SCREEN_IDLE_DELAY]);
	assert_true(locked[SCREEN_LOCK_DELAY]);
	assert_false(locked[SCREEN_LOCK_ENABLED]);
	assert_false(locked[SCREEN_LOCK_DISABLED]);
	const char *l2 = "/org/gnome/desktop/lockdown/disable-lock-screen\n";
	dconf_locks_parse(l2, strlen(l2), locked);
	assert_true(locked[SCREEN_LOCK_DISABLED]);
	assert_string_equal(screen_key_path(SCREEN_LOCK_DISABLED),
			    "/org/gnome/desktop/lockdown/disable-lock-screen");
}

/* org.gnome.desktop.lockdown disable-lock-screen: a boolean in both file kinds; a value that
 * is not a boolean is malformed; other lockdown keys are not read. */
static void test_lockdown(void **state)
{
	(void)state;
	struct screen_vals sv;
	char why[256];
	int bad = 0;
	memset(&sv, 0, sizeof(sv));
	const char *db = "[org/gnome/desktop/lockdown]\ndisable-command-line=true\n"
			 "disable-lock-screen=true\n";
	assert_int_equal(screen_keyfile_parse(db, strlen(db), true, &sv, &bad, why, sizeof(why)),
			 0);
	assert_true(sv.set[SCREEN_LOCK_DISABLED]);
	assert_int_equal(sv.v[SCREEN_LOCK_DISABLED], 1);
	assert_int_equal(sv.line[SCREEN_LOCK_DISABLED], 3);
	assert_false(sv.set[SCREEN_LOCK_ENABLED]);

	memset(&sv, 0, sizeof(sv));
	const char *ov = "[org.gnome.desktop.lockdown:GNOME]\ndisable-lock-screen=false\n";
	assert_int_equal(screen_keyfile_parse(ov, strlen(ov), false, &sv, &bad, why, sizeof(why)),
			 0);
	assert_true(sv.set[SCREEN_LOCK_DISABLED]);
	assert_int_equal(sv.v[SCREEN_LOCK_DISABLED], 0);

	/* The dconf path does not match in an override (dots) and vice versa. */
	memset(&sv, 0, sizeof(sv));
	const char *wrong = "[org.gnome.desktop.lockdown]\ndisable-lock-screen=true\n";
	assert_int_equal(
	    screen_keyfile_parse(wrong, strlen(wrong), true, &sv, &bad, why, sizeof(why)), 0);
	assert_false(sv.set[SCREEN_LOCK_DISABLED]);

	const char *broken = "[org/gnome/desktop/lockdown]\ndisable-lock-screen=1\n";
	assert_int_equal(
	    screen_keyfile_parse(broken, strlen(broken), true, &sv, &bad, why, sizeof(why)),
	    MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	assert_non_null(strstr(why, "disable-lock-screen"));

	/* KDE has no such key: never set. */
	struct kde_lock k;
	memset(&k, 0, sizeof(k));
	const char *kde = "[Daemon]\ndisable-lock-screen=true\nAutolock=true\n";
	assert_int_equal(kscreenlocker_parse(kde, strlen(kde), &k, &bad, why, sizeof(why)), 0);
	assert_false(k.set[SCREEN_LOCK_DISABLED]);
}

struct dbs {
	char log[512];
};

static int log_db(const char *kind, const char *name, int line, void *ud)
{
	struct dbs *d = ud;
	size_t n = strlen(d->log);
	snprintf(d->log + n, sizeof(d->log) - n, "%d:%s:%s|", line, kind, name);
	return 0;
}

static void test_profile(void **state)
{
	(void)state;
	struct dbs d;
	memset(&d, 0, sizeof(d));
	int bad = 0;
	const char *p = "user-db:user\n# comment\nsystem-db:local\nsystem-db:site\n"
			"file-db:/etc/dconf/db/extra\n";
	assert_int_equal(dconf_profile_parse(p, strlen(p), log_db, &d, &bad), 0);
	assert_string_equal(d.log, "1:user-db:user|3:system-db:local|4:system-db:site|"
				   "5:file-db:/etc/dconf/db/extra|");
	const char *broken = "user-db:user\nsystem-db\n";
	assert_int_equal(dconf_profile_parse(broken, strlen(broken), log_db, &d, &bad),
			 MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	const char *slash = "system-db:../../etc\n";
	assert_int_equal(dconf_profile_parse(slash, strlen(slash), log_db, &d, &bad),
			 MAMORI_EPARSE);
}

static void test_kde(void **state)
{
	(void)state;
	struct kde_lock k;
	char why[256];
	int bad = 0;
	memset(&k, 0, sizeof(k));
	const char *a = "[Daemon]\nAutolock[$i]=true\nTimeout=10\nLockGrace=30\n";
	assert_int_equal(kscreenlocker_parse(a, strlen(a), &k, &bad, why, sizeof(why)), 0);
	assert_int_equal(k.v[SCREEN_LOCK_ENABLED], 1);
	assert_true(k.immutable[SCREEN_LOCK_ENABLED]);
	assert_int_equal(k.v[SCREEN_IDLE_DELAY], 600);
	assert_false(k.immutable[SCREEN_IDLE_DELAY]);
	assert_int_equal(k.v[SCREEN_LOCK_DELAY], 30);

	memset(&k, 0, sizeof(k));
	const char *file = "[$i]\n[Daemon]\nAutolock=false\n";
	assert_int_equal(kscreenlocker_parse(file, strlen(file), &k, &bad, why, sizeof(why)), 0);
	assert_int_equal(k.v[SCREEN_LOCK_ENABLED], 0);
	assert_true(k.immutable[SCREEN_IDLE_DELAY]);

	memset(&k, 0, sizeof(k));
	const char *imm_first = "[Daemon]\nTimeout[$i]=5\nTimeout=60\n";
	assert_int_equal(
	    kscreenlocker_parse(imm_first, strlen(imm_first), &k, &bad, why, sizeof(why)), 0);
	assert_int_equal(k.v[SCREEN_IDLE_DELAY], 300); /* the immutable entry sticks */

	memset(&k, 0, sizeof(k));
	const char *broken = "[Daemon]\nTimeout=soon\n";
	assert_int_equal(kscreenlocker_parse(broken, strlen(broken), &k, &bad, why, sizeof(why)),
			 MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	const char *b2 = "[Daemon]\nAutolock=perhaps\n";
	assert_int_equal(kscreenlocker_parse(b2, strlen(b2), &k, &bad, why, sizeof(why)),
			 MAMORI_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gvariant), cmocka_unit_test(test_override_and_dconf),
	    cmocka_unit_test(test_locks),    cmocka_unit_test(test_profile),
	    cmocka_unit_test(test_kde),	     cmocka_unit_test(test_lockdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
