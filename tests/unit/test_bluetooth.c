/* SPDX-License-Identifier: Apache-2.0 */
/* The bluetooth family's parsers: BlueZ device info and adapter settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mamori/mamori.h"
#include "probes/linux/bluetooth.h"

static void test_info(void **state)
{
	(void)state;
	bool p = true;
	int bad = 0;
	const char *none = "[General]\nName=Speaker\n\n[DeviceID]\nSource=1\n";
	assert_int_equal(bt_info_paired(none, strlen(none), &p, &bad), 0);
	assert_false(p);
	const char *classic = "[General]\nName=Headset\n\n[LinkKey]\nKey=00112233\nType=4\n";
	assert_int_equal(bt_info_paired(classic, strlen(classic), &p, &bad), 0);
	assert_true(p);
	const char *le = "[General]\nName=Mouse\n[PeripheralLongTermKey]\nKey=AB\n";
	assert_int_equal(bt_info_paired(le, strlen(le), &p, &bad), 0);
	assert_true(p);
	const char *broken = "[General]\nName=x\n[LinkKey\nKey=1\n";
	assert_int_equal(bt_info_paired(broken, strlen(broken), &p, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 3);
	char *big = malloc(10000);
	assert_non_null(big);
	memset(big, 'k', 9999);
	big[9999] = '\0';
	assert_int_equal(bt_info_paired(big, strlen(big), &p, &bad), MAMORI_EPARSE);
	free(big);
}

static void test_settings(void **state)
{
	(void)state;
	bool d = true;
	int line = -1, bad = 0;
	assert_int_equal(bt_settings_discoverable("", 0, &d, &line, &bad), 0);
	assert_false(d);
	assert_int_equal(line, 0);
	const char *on = "[General]\nAlias=pc\nDiscoverable=true\n";
	assert_int_equal(bt_settings_discoverable(on, strlen(on), &d, &line, &bad), 0);
	assert_true(d);
	assert_int_equal(line, 3);
	const char *other = "[Other]\nDiscoverable=true\n[General]\nDiscoverable=false\n";
	assert_int_equal(bt_settings_discoverable(other, strlen(other), &d, &line, &bad), 0);
	assert_false(d);
	const char *bad_v = "[General]\nDiscoverable=yes\n";
	assert_int_equal(bt_settings_discoverable(bad_v, strlen(bad_v), &d, &line, &bad),
			 MAMORI_EPARSE);
	assert_int_equal(bad, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_info),
	    cmocka_unit_test(test_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
