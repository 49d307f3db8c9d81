/* SPDX-License-Identifier: Apache-2.0 */
/* The evaluator and the report writers on a small hand-made catalog and fact set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/i18n.h"
#include "core/report.h"
#include "core/catalog.h"
#include "guide_fixture.h"

static const char params_yaml[] = "params:\n  min_len:\n    default: 12\n    source: CSAJ 6.1.2\n"
				  "    en: Minimum length\n    ja: 最小文字数\n";

#define CHECK(id, topic, sev, applies, expr)                                                       \
	"  - id: " id "\n    topic: " topic "\n    severity: " sev "\n    platforms: [linux]\n"     \
	applies "    expr: '" expr "'\n"                                                            \
	"    title: {en: Title of " id ", ja: " id " の題名}\n"                                     \
	"    rationale: {en: 'Why <" id "> matters', ja: なぜ重要か}\n"                             \
	"    remediation:\n      linux: {en: Fix " id ", ja: 直し方}\n"                              \
	"    controls: [csaj-5.1.3, jnsa-2-2]\n"

static const char checks_yaml[] =
	"checks:\n" CHECK("pw-len", "password-policy", "high", "", "password.min_length >= $min_len")
		CHECK("ssh-pw", "ssh", "critical", "    applies: ssh.installed\n",
		      "not ssh.password_auth")
			CHECK("ssh-na", "ssh", "low", "    applies: ssh.absent\n", "true")
				CHECK("pam-x", "lockout", "medium", "", "pam.deny <= 10")
					CHECK("off", "wifi", "low", "", "false");

struct world {
	struct catalog *c;
	struct policy *p;
	struct facts *f;
	struct findings *fs;
};

static int setup(void **state)
{
	static struct world w;
	struct errbuf e = {{0}};
	w.c = catalog_new();
	if (catalog_add(w.c, "params.yaml", params_yaml, strlen(params_yaml), &e) ||
	    catalog_add(w.c, "checks/t.yaml", checks_yaml, strlen(checks_yaml), &e) ||
	    fixture_add_guide(w.c, &e) || catalog_finish(w.c, &e)) {
		fprintf(stderr, "catalog: %s\n", e.msg);
		return -1;
	}
	assert_int_equal(policy_default(w.c, &w.p, &e), 0);
	const char pol[] = "disabled:\n  - check: off\n    reason: no Wi-Fi hardware\n";
	assert_int_equal(policy_apply_yaml(w.p, w.c, "p.yaml", pol, strlen(pol), &e), 0);
	w.f = facts_new();
	facts_put_int(w.f, "password.min_length", 8, "/etc/security/pwquality.conf", 11,
		      "minlen");
	facts_put_bool(w.f, "ssh.installed", true, NULL, 0, NULL);
	facts_put_bool(w.f, "ssh.absent", false, NULL, 0, NULL);
	facts_put_bool(w.f, "ssh.password_auth", false, "/etc/ssh/sshd_config", 3, NULL);
	facts_put_unknown(w.f, "pam.deny", "/etc/pam.d/common-auth", 7, "malformed line 7 of /etc/pam.d/common-auth");
	facts_put_str(w.f, "host.hostname", "pc-<1>", "/etc/hostname", 1, NULL);
	assert_int_equal(evaluate(w.c, w.p, w.f, "linux", NULL, &w.fs, &e), 0);
	*state = &w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	findings_free(w->fs);
	facts_free(w->f);
	policy_free(w->p);
	catalog_free(w->c);
	return 0;
}

static const struct finding *get(const struct world *w, const char *id)
{
	for (size_t i = 0; i < w->fs->n; i++)
		if (strcmp(w->fs->v[i].check->id, id) == 0)
			return &w->fs->v[i];
	fail_msg("no finding %s", id);
	return NULL;
}

static void test_verdicts(void **state)
{
	struct world *w = *state;
	assert_int_equal(w->fs->n, 5);
	assert_int_equal(get(w, "pw-len")->status, ST_FAIL);
	assert_int_equal(get(w, "ssh-pw")->status, ST_PASS);
	assert_int_equal(get(w, "ssh-na")->status, ST_NOT_APPLICABLE);
	const struct finding *u = get(w, "pam-x");
	assert_int_equal(u->status, ST_UNKNOWN);
	assert_non_null(strstr(u->reason, "pam.deny: malformed line 7 of /etc/pam.d/common-auth"));
	assert_int_equal(get(w, "off")->status, ST_DISABLED);
	assert_string_equal(get(w, "off")->reason, "no Wi-Fi hardware");
	assert_int_equal(w->fs->count[ST_FAIL], 1);
	assert_true(findings_fail_at(w->fs, SEV_HIGH));
	assert_false(findings_fail_at(w->fs, SEV_CRITICAL));
	/* evidence carries the raw value and where it came from */
	json_t *ev = json_array_get(get(w, "pw-len")->evidence, 0);
	assert_string_equal(json_string_value(json_object_get(ev, "fact")), "password.min_length");
	assert_int_equal(json_integer_value(json_object_get(ev, "value")), 8);
	assert_int_equal(json_integer_value(json_object_get(ev, "line")), 11);
}

static struct report_ctx ctx_for(struct world *w, const char *lang)
{
	struct report_ctx r = {.lang = lang, .platform = "linux", .root = "/", .now = 1795392000,
			       .report_id = "0123456789abcdef0123456789abcdef", .catalog = w->c,
			       .policy = w->p, .facts = w->f, .findings = w->fs};
	return r;
}

static void test_text(void **state)
{
	struct world *w = *state;
	struct report_ctx r = ctx_for(w, "en");
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(report_text(&r, &b), 0);
	assert_non_null(strstr(b.data, "password.min_length = 8  [/etc/security/pwquality.conf:11; minlen]"));
	assert_non_null(strstr(b.data, "How to fix: Fix pw-len"));
	assert_non_null(strstr(b.data, "Guidance: CSAJ 5.1.3, JNSA 2-2"));
	assert_non_null(strstr(b.data, "Could not decide: pam.deny: malformed line 7"));
	assert_non_null(strstr(b.data, "no Wi-Fi hardware"));
	assert_null(strstr(b.data, "\033[")); /* no colour unless asked */
	/* the worst topic comes first: the failing high check before the unknown one */
	assert_true(strstr(b.data, "Password policy") < strstr(b.data, "Account lockout"));
	buf_free(&b);
	r = ctx_for(w, "ja");
	buf_init(&b, 1 << 20);
	assert_int_equal(report_text(&r, &b), 0);
	assert_non_null(strstr(b.data, "対処方法: 直し方"));
	assert_non_null(strstr(b.data, "パスワードポリシー"));
	buf_free(&b);
}

static void test_html(void **state)
{
	struct world *w = *state;
	struct report_ctx r = ctx_for(w, "en");
	struct buf b;
	buf_init(&b, 1 << 20);
	assert_int_equal(report_html(&r, &b), 0);
	assert_non_null(strstr(b.data, "<!DOCTYPE html>"));
	assert_non_null(strstr(b.data, "pc-&lt;1&gt;")); /* escaped */
	assert_non_null(strstr(b.data, "Why &lt;pw-len&gt; matters"));
	assert_null(strstr(b.data, "<script"));
	buf_free(&b);
}

static void test_json(void **state)
{
	struct world *w = *state;
	struct report_ctx r = ctx_for(w, "en");
	json_t *j = report_json(&r);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "schema_version")), 2);
	assert_string_equal(json_string_value(json_object_get(j, "generated_at")),
			    "2026-11-23T00:00:00Z");
	json_t *sum = json_object_get(j, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "fail")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(sum, "fail_by_severity"), "high")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "findings")), 5);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "host"), "hostname")),
			    "pc-<1>");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
