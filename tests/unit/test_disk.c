/* SPDX-License-Identifier: Apache-2.0 */
/* The disk family's parsers: mountinfo, crypttab and device-mapper UUIDs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mamori/mamori.h"
#include "probes/linux/disk.h"

struct mounts {
	struct mount_entry m[4];
	int n;
};

static int keep(const struct mount_entry *m, void *ud)
{
	struct mounts *ms = ud;
	if (ms->n < 4)
		ms->m[ms->n++] = *m;
	return 0;
}

static void test_mountinfo(void **state)
{
	(void)state;
	const char *mi = "28 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw\n"
			 "49 28 259:3 / /home\\040(old) rw master:2 propagate_from:1 - ext4 "
			 "/dev/nvme0n1p3 rw\n"
			 "\n"
			 "60 28 0:45 / /run/user/1000 rw - tmpfs tmpfs rw,size=1k\n";
	struct mounts ms;
	memset(&ms, 0, sizeof(ms));
	int bad = 0;
	assert_int_equal(mountinfo_parse(mi, strlen(mi), keep, &ms, &bad), 0);
	assert_int_equal(ms.n, 3);
	assert_int_equal(ms.m[0].major, 253);
	assert_int_equal(ms.m[0].minor, 1);
	assert_string_equal(ms.m[0].mountpoint, "/");
	assert_string_equal(ms.m[0].fstype, "ext4");
	assert_string_equal(ms.m[0].source, "/dev/mapper/vg-root");
	assert_string_equal(ms.m[1].mountpoint, "/home (old)");
	assert_int_equal(ms.m[1].line, 2);
	assert_int_equal(ms.m[2].major, 0);
	assert_int_equal(ms.m[2].line, 4);
}

static void test_mountinfo_malformed(void **state)
{
	(void)state;
	static const char *const bad_inputs[] = {
	    "28 1 253:1 / / rw,relatime shared:1\n",	 /* no " - " */
	    "28 1 253 / / rw - ext4 /dev/x rw\n",	 /* no minor */
	    "28 1 a:b / / rw - ext4 /dev/x rw\n",	 /* not numbers */
	    "28 1 253:1 / / rw - ext4\n",		 /* no source */
	    "28 1 99999999:1 / / rw - ext4 /dev/x rw\n", /* out of range */
	    "28\n",
	};
	for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
		struct mounts ms;
		memset(&ms, 0, sizeof(ms));
		int bad = 0;
		assert_int_equal(
		    mountinfo_parse(bad_inputs[i], strlen(bad_inputs[i]), keep, &ms, &bad),
		    MAMORI_EPARSE);
		assert_int_equal(bad, 1);
	}
	/* A line past the cap is refused. */
	char *big = malloc(40000);
	assert_non_null(big);
	memset(big, 'x', 39999);
	big[39999] = '\0';
	struct mounts ms;
	int bad = 0;
	assert_int_equal(mountinfo_parse(big, strlen(big), keep, &ms, &bad), MAMORI_EPARSE);
	free(big);
	/* Escapes at the very end of a field do not read past it. */
	const char *edge = "1 1 8:1 / /a\\04 rw - ext4 /dev/sda\\1 rw\n";
	memset(&ms, 0, sizeof(ms));
	assert_int_equal(mountinfo_parse(edge, strlen(edge), keep, &ms, &bad), 0);
	assert_string_equal(ms.m[0].mountpoint, "/a\\04");
	assert_string_equal(ms.m[0].source, "/dev/sda\\1");
}

static int count_ct(const char *name, const char *device, int line, void *ud)
{
	(void)name;
	(void)device;
	(void)line;
	(*(int *)ud)++;
	return 0;
}

static void test_crypttab(void **state)
{
	(void)state;
	const char *ct = "# name dev key opts\n\nsda3_crypt UUID=1234 none luks,discard\n"
			 "swap /dev/sdb2 /dev/urandom swap\n";
	int n = 0, bad = 0;
	assert_int_equal(crypttab_parse(ct, strlen(ct), count_ct, &n, &bad), 0);
	assert_int_equal(n, 2);
	const char *broken = "sda3_crypt UUID=1234 none luks\nlonely\n";
	n = 0;
	assert_int_equal(crypttab_parse(broken, strlen(broken), count_ct, &n, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
}

static void test_dm_uuid(void **state)
{
	(void)state;
	char t[32];
	assert_non_null(dm_uuid_crypt_type("CRYPT-LUKS2-abc-name", t, sizeof(t)));
	assert_string_equal(t, "LUKS2");
	assert_non_null(dm_uuid_crypt_type("CRYPT-PLAIN-name", t, sizeof(t)));
	assert_non_null(dm_uuid_crypt_type("CRYPT-BITLK-abc-name", t, sizeof(t)));
	assert_null(dm_uuid_crypt_type("CRYPT-VERITY-abc-root", t, sizeof(t)));
	assert_null(dm_uuid_crypt_type("CRYPT-INTEGRITY-abc", t, sizeof(t)));
	assert_null(dm_uuid_crypt_type("CRYPT-SUBDEV-abc", t, sizeof(t)));
	assert_null(dm_uuid_crypt_type("LVM-abcdef", t, sizeof(t)));
	assert_null(dm_uuid_crypt_type("", t, sizeof(t)));
	assert_null(dm_uuid_crypt_type("CRYPT-", t, sizeof(t)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mountinfo),
	    cmocka_unit_test(test_mountinfo_malformed),
	    cmocka_unit_test(test_crypttab),
	    cmocka_unit_test(test_dm_uuid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
