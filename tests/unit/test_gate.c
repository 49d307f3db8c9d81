/* SPDX-License-Identifier: Apache-2.0 */
/* The access gate's decision, with its own clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/gate.h"

#define HOUR 3600
#define NOW 1795424400 /* 2026-11-23T09:00:00Z */

static const struct gate_policy policy = {SEV_HIGH, 24 * HOUR, 12 * HOUR};
static const struct gate_device fresh = {true, false, NOW - HOUR};

static struct gate_decision decide(const struct gate_device *d, const struct gate_finding *f, size_t n,
				   int64_t now)
{
	struct gate_decision out;
	memset(&out, 0x5a, sizeof out); /* every field must be written */
	gate_decide(&policy, d, f, n, now, &out);
	return out;
}

static void test_identity_and_age(void **state)
{
	(void)state;
	struct gate_device unknown = {false, false, 0}, revoked = {true, true, NOW}, none = {true, false, 0};
	struct gate_decision d = decide(&unknown, NULL, 0, NOW);
	assert_int_equal(d.verdict, GATE_DENY_UNKNOWN);
	assert_false(gate_allows(&d));
	d = decide(&revoked, NULL, 0, NOW);
	assert_int_equal(d.verdict, GATE_DENY_REVOKED);
	assert_string_equal(d.code, "revoked");
	d = decide(&none, NULL, 0, NOW);
	assert_int_equal(d.verdict, GATE_DENY_NO_REPORT);
	d = decide(&fresh, NULL, 0, NOW);
	assert_int_equal(d.verdict, GATE_ALLOW);
	assert_true(gate_allows(&d));
	/* The age limit is inclusive: exactly 24 h old passes, one second more does not. */
	struct gate_device edge = {true, false, NOW - 24 * HOUR};
	assert_int_equal(decide(&edge, NULL, 0, NOW).verdict, GATE_ALLOW);
	d = decide(&edge, NULL, 0, NOW + 1);
	assert_int_equal(d.verdict, GATE_DENY_STALE);
	assert_non_null(strstr(d.reason, "24 h"));
}

static void test_severity_and_grace(void **state)
{
	(void)state;
	struct gate_finding f[] = {
		{"fw-on", SEV_MEDIUM, true, NOW - 48 * HOUR}, /* below the gate's severity */
		{"ssh-root", SEV_HIGH, false, 0},
		{"av-fresh", SEV_CRITICAL, true, NOW - 2 * HOUR}, /* newly failing: grace */
	};
	struct gate_decision d = decide(&fresh, f, 3, NOW);
	assert_int_equal(d.verdict, GATE_ALLOW_GRACE);
	assert_true(gate_allows(&d));
	assert_int_equal(d.until, NOW + 10 * HOUR);
	assert_non_null(strstr(d.reason, "av-fresh"));
	assert_null(strstr(d.reason, "fw-on"));
	/* When the grace period ends, the same posture is denied. */
	d = decide(&fresh, f, 3, NOW + 10 * HOUR);
	assert_int_equal(d.verdict, GATE_DENY_FAILING);
	assert_string_equal(d.code, "failing");
	assert_non_null(strstr(d.reason, "av-fresh"));
	/* One old failure denies even while another is in its grace period. */
	f[1] = (struct gate_finding){"ssh-root", SEV_HIGH, true, NOW - 13 * HOUR};
	d = decide(&fresh, f, 3, NOW);
	assert_int_equal(d.verdict, GATE_DENY_FAILING);
	assert_non_null(strstr(d.reason, "ssh-root"));
	assert_null(strstr(d.reason, "av-fresh"));
}

static void test_reason_is_bounded(void **state)
{
	(void)state;
	static char names[20][160];
	struct gate_finding f[20];
	for (int i = 0; i < 20; i++) {
		memset(names[i], 'a' + i % 26, sizeof names[i] - 1);
		names[i][sizeof names[i] - 1] = '\0';
		f[i] = (struct gate_finding){names[i], SEV_CRITICAL, true, NOW - 30 * HOUR};
	}
	struct gate_decision d = decide(&fresh, f, 20, NOW);
	assert_int_equal(d.verdict, GATE_DENY_FAILING);
	assert_true(strlen(d.reason) < sizeof d.reason);
	struct gate_finding few[5];
	for (int i = 0; i < 5; i++)
		few[i] = (struct gate_finding){"x", SEV_HIGH, true, NOW - 30 * HOUR};
	d = decide(&fresh, few, 5, NOW);
	assert_non_null(strstr(d.reason, "and 2 more"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_and_age),
		cmocka_unit_test(test_severity_and_grace),
		cmocka_unit_test(test_reason_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
