/* SPDX-License-Identifier: Apache-2.0 */
/* xrdp's port= forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/rdp.h"

static void test_forms(void **state)
{
	(void)state;
	struct rdp_bind b;
	assert_int_equal(rdp_xrdp_port_parse("3389", NULL, &b), 0);
	assert_true(b.any_address);
	assert_int_equal(b.port, 3389);
	assert_int_equal(rdp_xrdp_port_parse("3389", "127.0.0.1", &b), 0);
	assert_false(b.any_address);
	assert_true(b.loopback);
	assert_int_equal(rdp_xrdp_port_parse("tcp://:50123", NULL, &b), 0);
	assert_true(b.any_address);
	assert_int_equal(b.port, 50123);
	assert_int_equal(rdp_xrdp_port_parse("tcp://.:3389", NULL, &b), 0);
	assert_true(b.loopback);
	assert_false(b.any_address);
	assert_string_equal(b.address, "127.0.0.1");
	assert_int_equal(rdp_xrdp_port_parse("tcp://192.168.1.5:3389", NULL, &b), 0);
	assert_false(b.any_address || b.loopback);
	assert_string_equal(b.address, "192.168.1.5");
	assert_int_equal(rdp_xrdp_port_parse("tcp6://{fc00::1}:3390", NULL, &b), 0);
	assert_string_equal(b.address, "fc00::1");
	assert_int_equal(b.port, 3390);
	assert_int_equal(rdp_xrdp_port_parse("tcp6://:3389", NULL, &b), 0);
	assert_true(b.any_address);
	assert_int_equal(rdp_xrdp_port_parse("vsock://-1:3389", NULL, &b), 0);
	assert_string_equal(b.transport, "vsock");
	assert_int_equal(rdp_xrdp_port_parse("/run/xrdp/xrdp.sock", NULL, &b), 0);
	assert_string_equal(b.transport, "unix");
}

static void test_bad(void **state)
{
	(void)state;
	struct rdp_bind b;
	const char *bad[] = {
	    "",
	    "abc",
	    "0",
	    "65536",
	    "udp://:3389",
	    "tcp://:",
	    "tcp://x",
	    "tcp://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(rdp_xrdp_port_parse(bad[i], NULL, &b), MAMORI_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_forms),
					   cmocka_unit_test(test_bad)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
