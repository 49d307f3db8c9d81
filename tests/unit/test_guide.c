/* SPDX-License-Identifier: Apache-2.0 */
/* The guide loader (controls, methods, threats, questions, profiles), the MIC grid, method
 * scoring, the checklist, scan reports merged into it, profiles and register decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/catalog.h"
#include "core/guide.h"
#include "core/plan.h"
#include "core/policy.h"
#include "guide_fixture.h"

static const char params_yaml[] =
	"params:\n  min_len:\n    default: 12\n    source: CSAJ 6.1.2\n    en: l\n    ja: 長さ\n";

#define CHECK(id, ctl)                                                                     \
	"  - id: " id "\n    topic: patch\n    severity: high\n    platforms: [linux]\n"     \
	"    expr: a.b\n    title: {en: t, ja: 題}\n    rationale: {en: r, ja: 理由}\n"        \
	"    remediation: {linux: {en: f, ja: 直す}}\n    controls: [" ctl "]\n"

static const char checks_yaml[] = "checks:\n" CHECK("patch-now", "csaj-5.1.3, jnsa-2-2")
	CHECK("pw-long", "csaj-6.1.2") CHECK("vpn-patched", "mic-vulnerability-administrator-2");

static struct catalog *load_with(const char *extra_name, const char *extra, struct errbuf *e,
				 int *rc)
{
	struct catalog *c = catalog_new();
	assert_non_null(c);
	*rc = catalog_add(c, "params.yaml", params_yaml, strlen(params_yaml), e);
	if (*rc == 0)
		*rc = catalog_add(c, "checks/t.yaml", checks_yaml, strlen(checks_yaml), e);
	if (*rc == 0)
		*rc = fixture_add_guide(c, e);
	if (*rc == 0 && extra)
		*rc = catalog_add(c, extra_name, extra, strlen(extra), e);
	if (*rc == 0)
		*rc = catalog_finish(c, e);
	return c;
}

static void test_grid(void **state)
{
	(void)state;
	assert_int_equal(grid_priority(GRADE_HIGH, GRADE_LOW), PRIO_FIRST);
	assert_int_equal(grid_priority(GRADE_HIGH, GRADE_MEDIUM), PRIO_NEXT);
	assert_int_equal(grid_priority(GRADE_MEDIUM, GRADE_LOW), PRIO_NEXT);
	assert_int_equal(grid_priority(GRADE_MEDIUM, GRADE_MEDIUM), PRIO_NEXT);
	assert_int_equal(grid_priority(GRADE_HIGH, GRADE_HIGH), PRIO_OUT);
	assert_int_equal(grid_priority(GRADE_LOW, GRADE_LOW), PRIO_OUT);
	assert_false(grid_advanced(GRADE_MEDIUM));
	assert_true(grid_advanced(GRADE_HIGH));
}

static void test_load_and_links(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	int rc;
	struct catalog *c = load_with(NULL, NULL, &e, &rc);
	assert_int_equal(rc, 0);
	const struct guide *g = c->guide;
	assert_int_equal(g->ncontrols, 6);
	assert_int_equal(g->nmethods, 2);
	const struct control *c2 = guide_control(g, "mic-vulnerability-administrator-2");
	assert_non_null(c2);
	assert_true(c2->level_stated);
	assert_false(c2->advanced);
	assert_int_equal(c2->priority, PRIO_NEXT);
	assert_int_equal(c2->nchecks, 1);
	assert_string_equal(c2->checks[0]->id, "vpn-patched");
	char label[96];
	assert_string_equal(control_label(c2, label, sizeof(label)), "MIC C-2");
	assert_string_equal(control_label(guide_control(g, "jnsa-2-2"), label, sizeof(label)),
			    "JNSA 2-2");
	assert_string_equal(control_label(guide_control(g, "csaj-5.1.3"), label, sizeof(label)),
			    "CSAJ 5.1.3");
	const struct control *hard = guide_control(g, "duty-teleworker-1");
	assert_int_equal(hard->priority, PRIO_OUT);
	assert_true(hard->advanced);
	assert_true(control_for_method(c2, "vpn"));
	assert_false(control_for_method(c2, "cloud"));
	const struct check *ck = catalog_find(c, "patch-now");
	assert_int_equal(ck->ncontrols, 2);
	assert_ptr_equal(ck->ctl[1], guide_control(g, "jnsa-2-2"));
	struct buf b;
	buf_init(&b, 4096);
	assert_int_equal(check_control_labels(ck, &b), 0);
	assert_string_equal(b.data, "CSAJ 5.1.3, JNSA 2-2");
	buf_free(&b);
	catalog_free(c);
}

static void expect_error(const char *name, const char *text, const char *want)
{
	struct errbuf e = {{0}};
	int rc;
	struct catalog *c = load_with(name, text, &e, &rc);
	assert_int_not_equal(rc, 0);
	if (strstr(e.msg, want) == NULL)
		fail_msg("error '%s' does not contain '%s'", e.msg, want);
	catalog_free(c);
}

#define CONTROL(body)                                                                      \
	"controls:\n  - id: mic-x-1\n    framework: mic\n    source: s\n    role: administrator\n" \
	"    title: {en: t, ja: 題}\n    text: {en: t, ja: 文}\n" body

static void test_errors(void **state)
{
	(void)state;
	expect_error("controls/x.yaml",
		     CONTROL("    category: cooking\n    importance: high\n    difficulty: low\n"),
		     "control mic-x-1: unknown category 'cooking'");
	expect_error("controls/x.yaml",
		     CONTROL("    category: vulnerability\n    importance: high\n    difficulty: high\n"
			     "    level: basic\n"),
		     "level disagrees with the grid");
	expect_error("controls/x.yaml",
		     CONTROL("    category: vulnerability\n    importance: huge\n    difficulty: low\n"),
		     "importance: expected low, medium or high");
	expect_error("controls/x.yaml",
		     CONTROL("    category: vulnerability\n    importance: high\n    difficulty: low\n"
			     "    csaj_level: shall\n"),
		     "csaj_level: required for CSAJ controls and only there");
	expect_error("controls/x.yaml",
		     CONTROL("    category: vulnerability\n    importance: high\n    difficulty: low\n"
			     "    methods: [carrier-pigeon]\n"),
		     "unknown method 'carrier-pigeon'");
	expect_error("controls/x.yaml",
		     CONTROL("    category: vulnerability\n    importance: high\n    difficulty: low\n"
			     "    threats: [meteor]\n"),
		     "unknown threat 'meteor'");
	expect_error("controls/x.yaml",
		     "controls:\n  - id: mic-x-1\n    framework: mic\n    role: administrator\n"
		     "    category: vulnerability\n    importance: high\n    difficulty: low\n"
		     "    title: {en: t, ja: 題}\n    text: {en: t, ja: 文}\n",
		     "missing key: source");
	expect_error("controls/x.yaml",
		     "controls:\n  - id: mic-x-1\n    framework: mic\n    source: s\n"
		     "    role: administrator\n    category: vulnerability\n    importance: high\n"
		     "    difficulty: low\n    title: {en: t}\n    text: {en: t, ja: 文}\n",
		     "control mic-x-1: missing key: ja");
	expect_error("controls/x.yaml",
		     "controls:\n  - id: csaj-5.1.3\n    framework: mic\n    source: s\n"
		     "    role: administrator\n    category: vulnerability\n    importance: high\n"
		     "    difficulty: low\n    title: {en: t, ja: 題}\n    text: {en: t, ja: 文}\n",
		     "duplicate id");
	expect_error("checks/more.yaml", "checks:\n" CHECK("orphan", "csaj-9.9.9"),
		     "check orphan: unknown control 'csaj-9.9.9'");
	expect_error("profiles/p.yaml",
		     "profile:\n  id: p\n  title: {en: t, ja: 題}\n  description: {en: d, ja: 説明}\n"
		     "  params: {max_len: 3}\n",
		     "profile p: unknown parameter 'max_len'");
	expect_error("profiles/p.yaml",
		     "profile:\n  id: p\n  title: {en: t, ja: 題}\n  description: {en: d, ja: 説明}\n"
		     "  select: {frameworks: [iso]}\n",
		     "unknown framework 'iso'");
}

static void test_recommend(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	int rc;
	struct catalog *c = load_with(NULL, NULL, &e, &rc);
	assert_int_equal(rc, 0);
	const struct guide *g = c->guide;
	struct plan_answers a;
	plan_answers_init(&a, g);
	struct method_score s[2];
	/* Defaults: VPN (S A B B C = 4+3+2+2+1) and cloud (B S A A D = 2+4+3+3+0) tie at 12;
	 * equal scores keep MIC's order. */
	plan_recommend(g, &a, s);
	assert_string_equal(s[0].method->id, "vpn");
	assert_int_equal(s[0].score, 12);
	assert_int_equal(s[1].score, 12);
	const char yes[] = "plan:\n  answers: {cloud-based: yes}\n";
	assert_int_equal(plan_answers_read(&a, g, "a.yaml", yes, strlen(yes), &e), 0);
	plan_recommend(g, &a, s);
	assert_string_equal(s[0].method->id, "cloud");
	assert_int_equal(s[0].score, 32);
	assert_int_equal(s[0].points, 20);
	plan_answers_free(&a);
	/* Personal devices imply the BYOD question: security control weighs 3, VPN loses 3. */
	plan_answers_init(&a, g);
	const char byod[] = "plan:\n  devices: personal\n";
	assert_int_equal(plan_answers_read(&a, g, "a.yaml", byod, strlen(byod), &e), 0);
	assert_true(plan_answer(&a, g, 1));
	plan_recommend(g, &a, s);
	assert_string_equal(s[0].method->id, "cloud");
	assert_int_equal(s[0].score, 12);
	assert_string_equal(s[1].method->id, "vpn");
	assert_int_equal(s[1].score, 4 + 3 + 2 + 2 + 3 * 1 - 3);
	plan_answers_free(&a);
	plan_answers_init(&a, g);
	const char bad[] = "plan:\n  methods: [vpn, fax]\n";
	assert_int_not_equal(plan_answers_read(&a, g, "a.yaml", bad, strlen(bad), &e), 0);
	assert_string_equal(e.msg, "a.yaml:2: methods: unknown value 'fax'");
	plan_answers_free(&a);
	plan_answers_init(&a, g);
	const char bad2[] = "plan:\n  answers:\n    cloud-based: maybe\n";
	assert_int_not_equal(plan_answers_read(&a, g, "a.yaml", bad2, strlen(bad2), &e), 0);
	assert_string_equal(e.msg, "a.yaml:3: answers: expected yes or no for cloud-based");
	plan_answers_free(&a);
	catalog_free(c);
}

static void test_checklist(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	int rc;
	struct catalog *c = load_with(NULL, NULL, &e, &rc);
	assert_int_equal(rc, 0);
	struct plan_answers a;
	plan_answers_init(&a, c->guide);
	struct checklist cl;
	const char *vpn[] = {"vpn"}, *cloud[] = {"cloud"};
	assert_int_equal(checklist_build(&cl, c, &a, vpn, 1, "2026-11-23", &e), 0);
	/* ◎ first (csaj-5.1.3, jnsa-2-2 by category then source), then ○; the hard item is out. */
	assert_int_equal(cl.nrows, 5);
	assert_string_equal(cl.rows[0].control->id, "csaj-5.1.3");
	assert_string_equal(cl.rows[1].control->id, "jnsa-2-2");
	assert_string_equal(cl.rows[2].control->id, "mic-vulnerability-administrator-2");
	assert_string_equal(cl.rows[3].control->id, "csaj-6.1.2");
	assert_string_equal(cl.rows[4].control->id, "mic-governance-risk-executive-1");
	checklist_free(&cl);
	assert_int_equal(checklist_build(&cl, c, &a, cloud, 1, "2026-11-23", &e), 0);
	assert_int_equal(cl.nrows, 4); /* C-2 is for VPN only */
	checklist_free(&cl);
	a.all = true;
	a.devices = strdup("personal");
	assert_int_equal(checklist_build(&cl, c, &a, vpn, 1, "2026-11-23", &e), 0);
	assert_int_equal(cl.nrows, 6);
	assert_string_equal(cl.rows[5].control->id, "duty-teleworker-1");
	checklist_free(&cl);
	const char *bogus[] = {"fax"};
	assert_int_not_equal(checklist_build(&cl, c, &a, bogus, 1, "2026-11-23", &e), 0);
	assert_string_equal(e.msg, "unknown telework method 'fax'");
	plan_answers_free(&a);
	catalog_free(c);
}

static void test_scans(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	int rc;
	struct catalog *c = load_with(NULL, NULL, &e, &rc);
	assert_int_equal(rc, 0);
	struct plan_answers a;
	plan_answers_init(&a, c->guide);
	struct checklist cl;
	const char *vpn[] = {"vpn"};
	assert_int_equal(checklist_build(&cl, c, &a, vpn, 1, "2026-11-23", &e), 0);
	json_t *r1 = json_pack("{s:i, s:[{s:s, s:s}, {s:s, s:s}]}", "schema_version",
			       MAMORI_REPORT_SCHEMA_VERSION, "findings", "check", "patch-now",
			       "status", "fail", "check", "pw-long", "status", "pass");
	json_t *r2 = json_pack("{s:i, s:[{s:s, s:s}, {s:s, s:s}]}", "schema_version",
			       MAMORI_REPORT_SCHEMA_VERSION, "findings", "check", "patch-now",
			       "status", "pass", "check", "pw-long", "status", "unknown");
	assert_int_equal(checklist_add_scan(&cl, r1, "r1", &e), 0);
	assert_int_equal(checklist_add_scan(&cl, r2, "r2", &e), 0);
	assert_int_equal(cl.ndevices, 2);
	const struct measured *m = &cl.rows[0].measured; /* csaj-5.1.3 <- patch-now */
	assert_int_equal(m->devices, 2);
	assert_int_equal(m->fail, 1);
	assert_int_equal(m->pass, 1);
	m = &cl.rows[3].measured; /* csaj-6.1.2 <- pw-long */
	assert_int_equal(m->unknown, 1);
	assert_int_equal(m->pass, 1);
	assert_int_equal(cl.rows[4].measured.devices, 0); /* no check: not measured */
	json_t *old = json_pack("{s:i, s:[]}", "schema_version", 1, "findings");
	assert_int_not_equal(checklist_add_scan(&cl, old, "old.json", &e), 0);
	assert_non_null(strstr(e.msg, "old.json: report schema_version is not"));
	json_t *junk = json_pack("{s:s}", "hello", "world");
	assert_int_not_equal(checklist_add_scan(&cl, junk, "junk.json", &e), 0);
	assert_string_equal(e.msg, "junk.json: not a mamori scan report (no findings list)");
	json_decref(r1);
	json_decref(r2);
	json_decref(old);
	json_decref(junk);
	checklist_free(&cl);
	plan_answers_free(&a);
	catalog_free(c);
}

static void test_profile_and_register(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	int rc;
	struct catalog *c = load_with(NULL, NULL, &e, &rc);
	assert_int_equal(rc, 0);
	struct policy *p;
	assert_int_equal(policy_default(c, &p, &e), 0);
	const struct profile *pr = guide_profile(c->guide, "jnsa-return");
	assert_non_null(pr);
	assert_int_equal(policy_apply_profile(p, c, pr, &e), 0);
	assert_string_equal(p->name, "jnsa-return");
	assert_null(policy_disabled(p, "patch-now")); /* automates jnsa-2-2 */
	assert_non_null(strstr(policy_disabled(p, "pw-long"), "not part of the profile jnsa-return"));
	assert_int_equal(json_integer_value(json_object_get(p->params, "min_len")), 14);
	policy_free(p);

	/* A policy file may start from a profile and override its values. */
	assert_int_equal(policy_default(c, &p, &e), 0);
	const char pol[] = "profile: jnsa-return\nparams: {min_len: 16}\n";
	assert_int_equal(policy_apply_yaml(p, c, "p.yaml", pol, strlen(pol), &e), 0);
	assert_int_equal(json_integer_value(json_object_get(p->params, "min_len")), 16);
	assert_non_null(policy_disabled(p, "vpn-patched"));
	const char badpol[] = "profile: iso27001\n";
	assert_int_not_equal(policy_apply_yaml(p, c, "p.yaml", badpol, strlen(badpol), &e), 0);
	assert_non_null(strstr(e.msg, "p.yaml:1: profile: expected one of mic-basic"));
	policy_free(p);

	/* Not needed for every listed control of a check: switched off with the reason. */
	struct entry entries[] = {
		{.control = "csaj-5.1.3", .decision = DECISION_NOT_NEEDED, .reason = "no PCs at home"},
		{.control = "csaj-6.1.2", .decision = DECISION_NOT_NEEDED, .reason = "SSO only"},
		{.control = "mic-vulnerability-administrator-2", .decision = DECISION_DONE},
	};
	struct risk_register reg = {.file = "reg.yaml", .entries = entries, .nentries = 3};
	assert_int_equal(policy_default(c, &p, &e), 0);
	assert_int_equal(policy_apply_register(p, c, &reg, &e), 0);
	/* patch-now also automates jnsa-2-2, which the register does not list: only listed
	 * controls count, and the one listed says not needed. */
	assert_non_null(strstr(policy_disabled(p, "patch-now"), "csaj-5.1.3: no PCs at home"));
	assert_non_null(strstr(policy_disabled(p, "pw-long"), "reg.yaml"));
	assert_null(policy_disabled(p, "vpn-patched"));
	policy_free(p);
	catalog_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grid),	      cmocka_unit_test(test_load_and_links),
		cmocka_unit_test(test_errors),	      cmocka_unit_test(test_recommend),
		cmocka_unit_test(test_checklist),     cmocka_unit_test(test_scans),
		cmocka_unit_test(test_profile_and_register),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
