/* SPDX-License-Identifier: Apache-2.0 */
/* The usb family's parsers: modprobe.d lines and /proc/modules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/mamori.h"
#include "probes/linux/usb.h"

struct seen {
	char log[2048];
};

static int record(enum modprobe_cmd cmd, const char *module, const char *rest, int line, void *ud)
{
	struct seen *s = ud;
	size_t n = strlen(s->log);
	snprintf(s->log + n, sizeof(s->log) - n, "%d:%d:%s:%s|", line, (int)cmd, module, rest);
	return 0;
}

static int parse(const char *text, struct seen *s, int *bad)
{
	char why[256];
	memset(s, 0, sizeof(*s));
	*bad = -1;
	return modprobe_parse(text, strlen(text), record, s, bad, why, sizeof(why));
}

static void test_modprobe_lines(void **state)
{
	(void)state;
	struct seen s;
	int bad;
	assert_int_equal(parse("# comment\n\n  blacklist usb-storage\ninstall uas /bin/false\n"
			       "options snd-hda-intel power_save=1\n"
			       "install usb-storage /bin/true \\\n   # continued\n"
			       "softdep usb-storage pre: uas\n",
			       &s, &bad),
			 0);
	assert_string_equal(s.log, "3:4:usb_storage:|4:2:uas:/bin/false|"
				   "5:1:snd_hda_intel:power_save=1|"
				   "6:2:usb_storage:/bin/true     # continued|"
				   "8:5:usb_storage:pre: uas|");
}

static void test_modprobe_malformed(void **state)
{
	(void)state;
	struct seen s;
	int bad;
	assert_int_equal(parse("blacklist usb-storage\nblacklst uas\n", &s, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	assert_int_equal(parse("# x\nblacklist\n", &s, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	assert_int_equal(parse("install usb-storage\n", &s, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 1);
	assert_int_equal(parse("alias\\\n\\\n", &s, &bad), MAMORI_EPARSE);
	/* Oversized: one physical line, and a continued line that grows past the cap. */
	char *big = malloc(20000);
	assert_non_null(big);
	memcpy(big, "install uas ", 12);
	memset(big + 12, 'x', 19000);
	big[19012] = '\0';
	assert_int_equal(parse(big, &s, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 1);
	size_t o = 0;
	for (int i = 0; i < 400; i++)
		o += (size_t)snprintf(big + o, 20000 - o,
				      "install uas /bin/true xxxxxxxxxxxxxxx\\\n");
	assert_int_equal(parse(big, &s, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 1);
	free(big);
}

static void test_install_blocks(void **state)
{
	(void)state;
	assert_true(modprobe_install_blocks("/bin/true"));
	assert_true(modprobe_install_blocks("/bin/false"));
	assert_true(modprobe_install_blocks("/usr/bin/false # policy"));
	assert_true(modprobe_install_blocks("true"));
	assert_true(modprobe_install_blocks("exit 1"));
	assert_false(modprobe_install_blocks("/bin/trueish"));
	assert_false(modprobe_install_blocks("/sbin/modprobe --ignore-install usb-storage"));
	assert_false(modprobe_install_blocks("/bin/true;/sbin/modprobe usb-storage"));
	assert_false(modprobe_install_blocks(""));
}

static void test_proc_modules(void **state)
{
	(void)state;
	const char *m = "ext4 1007616 1 - Live 0x0\nusb_storage 81920 1 uas, Live 0x0\n"
			"uas 32768 0 - Live 0x0\n";
	int line = 0;
	assert_int_equal(proc_modules_find(m, strlen(m), "usb_storage", &line), 1);
	assert_int_equal(line, 2);
	assert_int_equal(proc_modules_find(m, strlen(m), "usb", &line), 0);
	assert_int_equal(proc_modules_find("", 0, "uas", &line), 0);
	const char *bad = "ext4 1 1 - Live 0x0\nbroken\n";
	assert_int_equal(proc_modules_find(bad, strlen(bad), "uas", &line), MAMORI_EPARSE);
	assert_int_equal(line, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_modprobe_lines),
	    cmocka_unit_test(test_modprobe_malformed),
	    cmocka_unit_test(test_install_blocks),
	    cmocka_unit_test(test_proc_modules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
