/* SPDX-License-Identifier: Apache-2.0 */
/* The catalog and policy loaders: what they accept, and errors that name file, line, check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/policy.h"

static const char params_yaml[] = "params:\n"
				  "  min_len:\n"
				  "    default: 12\n"
				  "    source: CSAJ 6.1.2\n"
				  "    en: Minimum length\n"
				  "    ja: 最小文字数\n"
				  "  allowed:\n"
				  "    default: []\n"
				  "    source: CSAJ 9.3.3\n"
				  "    en: Allowed\n"
				  "    ja: 許可\n";

#define CHECK_HEAD                                                                                 \
	"checks:\n"                                                                                \
	"  - id: pw-len\n"                                                                         \
	"    topic: password-policy\n"                                                             \
	"    severity: high\n"                                                                     \
	"    platforms: [linux]\n"
#define CHECK_TAIL                                                                                 \
	"    title: {en: Long passwords, ja: 長いパスワード}\n"                                    \
	"    rationale: {en: Short ones fall, ja: 短いと破られる}\n"                               \
	"    remediation:\n"                                                                       \
	"      linux: {en: Set minlen, ja: minlen を設定}\n"                                       \
	"    controls: [csaj-6.1.2]\n"

static const char good_check[] = CHECK_HEAD "    expr: password.min_length >= $min_len\n" CHECK_TAIL;

static struct catalog *load(const char *checks, struct errbuf *e, int *rc)
{
	struct catalog *c = catalog_new();
	assert_non_null(c);
	assert_int_equal(catalog_add(c, "params.yaml", params_yaml, strlen(params_yaml), e), 0);
	*rc = catalog_add(c, "checks/t.yaml", checks, strlen(checks), e);
	if (*rc == 0)
		*rc = catalog_finish(c, e);
	return c;
}

static void expect_error(const char *checks, const char *want)
{
	struct errbuf e = {{0}};
	int rc;
	struct catalog *c = load(checks, &e, &rc);
	if (rc == 0)
		fail_msg("loaded, but should fail with '%s'", want);
	if (strstr(e.msg, want) == NULL)
		fail_msg("message '%s' lacks '%s'", e.msg, want);
	catalog_free(c);
}

static void test_good(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	int rc;
	struct catalog *c = load(good_check, &e, &rc);
	if (rc)
		fail_msg("%s", e.msg);
	assert_int_equal(c->nchecks, 1);
	const struct check *ck = catalog_find(c, "pw-len");
	assert_non_null(ck);
	assert_int_equal(ck->severity, SEV_HIGH);
	assert_string_equal(ck->title.ja, "長いパスワード");
	assert_int_equal(ck->ncontrols, 1);
	assert_string_equal(ck->controls[0], "csaj-6.1.2");
	assert_string_equal(text_get(&ck->title, "ja"), "長いパスワード");
	assert_string_equal(text_get(&ck->title, "fr"), "Long passwords");
	assert_non_null(check_remediation(ck, "linux"));
	assert_null(check_remediation(ck, "windows"));
	assert_int_equal(json_integer_value(json_object_get(c->defaults, "min_len")), 12);
	catalog_free(c);
}

static void test_errors(void **state)
{
	(void)state;
	/* expression errors name the file, line, check and column */
	expect_error(CHECK_HEAD "    expr: password.min_length >= \n" CHECK_TAIL,
		     "checks/t.yaml:6: check pw-len: expr, column 23");
	expect_error(CHECK_HEAD "    expr: a.b >= $nope\n" CHECK_TAIL, "unknown parameter $nope");
	expect_error(CHECK_HEAD "    expr: a.b\n    colour: red\n" CHECK_TAIL, "unknown key 'colour'");
	expect_error("checks:\n  - id: Bad_Id\n", "check id must be");
	expect_error("checks:\n  - id: x\n    topic: weather\n", "unknown topic: weather");
	expect_error(CHECK_HEAD "    expr: a.b\n"
				"    title: {en: Only English}\n",
		     "missing key: ja");
	expect_error("checks:\n  - id: x\n    topic: ssh\n    severity: dire\n", "severity must be");
	char dup[4096];
	snprintf(dup, sizeof(dup), "%s%s", good_check, good_check + strlen("checks:\n"));
	expect_error(dup, "duplicate check id");
	expect_error("checks: [unclosed", "checks/t.yaml:");
	expect_error(CHECK_HEAD "    expr: a.b\n"
				"    title: {en: a, ja: b}\n    rationale: {en: a, ja: b}\n"
				"    remediation: {windows: {en: a, ja: b}}\n    controls: [csaj-1]\n",
		     "missing for platform linux");
	expect_error(CHECK_HEAD "    expr: a.b\n"
				"    title: {en: a, ja: b}\n    rationale: {en: a, ja: b}\n"
				"    remediation: {linux: {en: a, ja: b}}\n    controls: []\n",
		     "a check must automate at least one control");
	expect_error(CHECK_HEAD "    expr: a.b\n"
				"    title: {en: a, ja: b}\n    rationale: {en: a, ja: b}\n"
				"    remediation: {linux: {en: a, ja: b}}\n"
				"    refs: {csaj: [\"6.1.2\"]}\n",
		     "unknown key 'refs'");
}

static void test_policy(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	int rc;
	struct catalog *c = load(good_check, &e, &rc);
	assert_int_equal(rc, 0);
	struct policy *p;
	assert_int_equal(policy_default(c, &p, &e), 0);
	assert_string_equal(p->name, "default");
	const char ok[] = "name: acme\nparams:\n  min_len: 14\n  allowed: [teamviewer]\n"
			  "disabled:\n  - check: pw-len\n    reason: handled by the directory (IT, 2026)\n";
	assert_int_equal(policy_apply_yaml(p, c, "acme.yaml", ok, strlen(ok), &e), 0);
	assert_string_equal(p->name, "acme");
	assert_int_equal(json_integer_value(json_object_get(p->params, "min_len")), 14);
	assert_string_equal(policy_disabled(p, "pw-len"), "handled by the directory (IT, 2026)");
	assert_null(policy_disabled(p, "other"));

	static const struct {
		const char *yaml, *want;
	} bad[] = {
		{"params:\n  min_len: twelve\n", "bad.yaml:2: params: min_len must be of the type"},
		{"params:\n  nope: 1\n", "bad.yaml:2: params: unknown parameter 'nope'"},
		{"params:\n  min_len: -3\n", "must not be negative"},
		{"disabled:\n  - check: pw-len\n", "needs a reason"},
		{"disabled:\n  - check: ghost\n    reason: because\n", "unknown check 'ghost'"},
		{"colour: red\n", "unknown key 'colour'"},
		{"params: [1, 2]\n", "params: expected a mapping"},
		{"name: [x]\n", "name: expected a text"},
		{"params:\n  min_len: 1\n   bad indent: 2\n", "bad.yaml:"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		if (policy_apply_yaml(p, c, "bad.yaml", bad[i].yaml, strlen(bad[i].yaml), &e) == 0)
			fail_msg("policy %zu accepted", i);
		if (strstr(e.msg, bad[i].want) == NULL)
			fail_msg("policy %zu: '%s' lacks '%s'", i, e.msg, bad[i].want);
	}
	/* a failed policy leaves the earlier state untouched */
	assert_int_equal(json_integer_value(json_object_get(p->params, "min_len")), 14);
	assert_int_equal(p->ndisabled, 1);
	policy_free(p);
	catalog_free(c);
}

/* The shipped catalog: loads, is big enough, covers the topics the scan must cover. */
static void test_embedded(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	struct catalog *c;
	if (catalog_load_embedded(&c, &e))
		fail_msg("embedded catalog: %s", e.msg);
	static const char *const required[] = {
		"patch", "eol", "antivirus", "disk-encryption", "firewall", "file-sharing",
		"remote-desktop", "ssh", "password-policy", "lockout", "local-admin", "screen-lock",
		"time-sync", "log-retention", "usb-storage", "wifi", "radios", "software-inventory",
		"remote-access-tool", "legacy-protocol", "tls"};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		bool found = false;
		for (size_t k = 0; k < c->nchecks; k++)
			found |= strcmp(c->checks[k].topic, required[i]) == 0;
		if (!found)
			fail_msg("no check covers topic %s", required[i]);
	}
	if (c->nchecks < 40)
		fail_msg("only %zu checks; at least 40 expected", c->nchecks);
	for (size_t k = 0; k < c->nchecks; k++) {
		const struct check *ck = &c->checks[k];
		assert_true(strlen(ck->title.en) > 0 && strlen(ck->title.ja) > 0);
		assert_true(strlen(ck->rationale.en) > 20 && strlen(ck->rationale.ja) > 10);
		const struct text *r = check_remediation(ck, "linux");
		assert_non_null(r);
		assert_true(strlen(r->en) > 20 && strlen(r->ja) > 10);
		/* Japanese text must actually be Japanese (contain non-ASCII characters) */
		bool wide = false;
		for (const char *s = ck->rationale.ja; *s; s++)
			wide |= (unsigned char)*s >= 0x80;
		if (!wide)
			fail_msg("check %s: Japanese rationale is ASCII only", ck->id);
	}
	catalog_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_embedded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
