/* SPDX-License-Identifier: Apache-2.0 */
/* The expression language: parsing, errors with columns, three-valued evaluation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/expr.h"

static struct facts *facts;
static json_t *params;

static int setup(void **state)
{
	(void)state;
	facts = facts_new();
	facts_put_bool(facts, "ssh.password_authentication", true, "/etc/ssh/sshd_config", 3, NULL);
	facts_put_bool(facts, "ssh.server_installed", false, NULL, 0, NULL);
	facts_put_int(facts, "password.min_length", 8, NULL, 0, NULL);
	facts_put_str(facts, "os.id", "debian", NULL, 0, NULL);
	facts_put_unknown(facts, "pam.broken", "/etc/pam.d/common-auth", 4, "malformed line");
	facts_put(facts, "wifi.profiles",
		  json_pack("[{s:s, s:i}, {s:s, s:n}]", "security", "wpa2", "psk_length", 24,
			    "security", "wpa3", "psk_length"),
		  NULL, 0, NULL);
	facts_put(facts, "os.release", json_pack("{s:s}", "version_id", "12"), NULL, 0, NULL);
	facts_put(facts, "accounts.uid0", json_pack("[s]", "root"), NULL, 0, NULL);
	params = json_pack("{s:i, s:[s]}", "min_password_length", 12, "allowed", "teamviewer");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	facts_free(facts);
	json_decref(params);
	return 0;
}

/* Evaluates src; returns the truth, and writes the error message (if any). */
static enum truth eval_src(const char *src, char *err, size_t errlen)
{
	struct expr *x;
	int col;
	struct errbuf e = {{0}};
	if (expr_parse(src, &x, &col, &e) != 0)
		fail_msg("parse of '%s' failed at column %d: %s", src, col, e.msg);
	struct expr_env env = {facts, params};
	struct expr_result res;
	assert_int_equal(expr_eval(x, &env, &res), 0);
	enum truth t = res.truth;
	if (err)
		snprintf(err, errlen, "%s", res.error ? res.error : "");
	expr_result_free(&res);
	expr_free(x);
	return t;
}

static void test_basic(void **state)
{
	(void)state;
	assert_int_equal(eval_src("ssh.password_authentication", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("not ssh.password_authentication", NULL, 0), T_FALSE);
	assert_int_equal(eval_src("password.min_length >= $min_password_length", NULL, 0), T_FALSE);
	assert_int_equal(eval_src("password.min_length < 9 and os.id == \"debian\"", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("os.id != \"ubuntu\"", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("os.release.version_id == \"12\"", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("os.release.missing == null", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("\"deb\" in os.id", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("os.id in [\"debian\", \"ubuntu\"]", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("os.id not in [\"debian\"]", NULL, 0), T_FALSE);
	assert_int_equal(eval_src("count(accounts.uid0) == 1 and len(os.id) == 6", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("\"teamviewer\" in $allowed", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("(true or false) and not (false)", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("[1, 2] == [1, 2]", NULL, 0), T_TRUE);
}

static void test_lists(void **state)
{
	(void)state;
	assert_int_equal(eval_src("any(wifi.profiles, it.security == \"wpa3\")", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("all(wifi.profiles, it.security in [\"wpa2\", \"wpa3\"])", NULL, 0),
			 T_TRUE);
	/* the second profile's key length is null: not known, so the comparison is unknown */
	assert_int_equal(eval_src("all(wifi.profiles, it.psk_length >= 20)", NULL, 0), T_UNKNOWN);
	assert_int_equal(eval_src("any(wifi.profiles, it.psk_length >= 20)", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("any(wifi.profiles, it.psk_length < 20)", NULL, 0), T_UNKNOWN);
	assert_int_equal(eval_src("any(wifi.profiles, it.psk_length in [8, 9])", NULL, 0), T_UNKNOWN);
	assert_int_equal(eval_src("any(wifi.profiles, it.psk_length == null)", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("count(wifi.profiles, it.security == \"wpa2\") == 1", NULL, 0),
			 T_TRUE);
	assert_int_equal(eval_src("all([], false)", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("any([], true)", NULL, 0), T_FALSE);
	assert_int_equal(eval_src("any([[1], [2]], any(it, it == 2))", NULL, 0), T_TRUE);
}

static void test_unknown_logic(void **state)
{
	(void)state;
	assert_int_equal(eval_src("pam.broken", NULL, 0), T_UNKNOWN);
	assert_int_equal(eval_src("pam.broken and false", NULL, 0), T_FALSE);
	assert_int_equal(eval_src("pam.broken and true", NULL, 0), T_UNKNOWN);
	assert_int_equal(eval_src("pam.broken or true", NULL, 0), T_TRUE);
	assert_int_equal(eval_src("pam.broken or false", NULL, 0), T_UNKNOWN);
	assert_int_equal(eval_src("not pam.broken", NULL, 0), T_UNKNOWN);
	assert_int_equal(eval_src("pam.broken == 3", NULL, 0), T_UNKNOWN);
	/* a fact no probe recorded is unknown, never false */
	assert_int_equal(eval_src("no.such_fact == false", NULL, 0), T_UNKNOWN);
	/* the classic: no SSH server, so its unreadable config does not matter */
	assert_int_equal(eval_src("not ssh.server_installed or pam.broken", NULL, 0), T_TRUE);
}

static void test_facts_read(void **state)
{
	(void)state;
	struct expr *x;
	int col;
	struct errbuf e;
	assert_int_equal(expr_parse("not ssh.server_installed or pam.broken", &x, &col, &e), 0);
	struct expr_env env = {facts, params};
	struct expr_result res;
	assert_int_equal(expr_eval(x, &env, &res), 0);
	/* both operands are evaluated so the evidence shows every fact the check reads */
	assert_int_equal(res.nread, 2);
	assert_string_equal(res.facts_read[0], "ssh.server_installed");
	assert_string_equal(res.facts_read[1], "pam.broken");
	expr_result_free(&res);
	const char **paths, **ps;
	size_t np, nq;
	assert_int_equal(expr_names(x, &paths, &np, &ps, &nq), 0);
	assert_int_equal(np, 2);
	assert_int_equal(nq, 0);
	free(paths);
	free(ps);
	expr_free(x);
}

static void test_type_errors(void **state)
{
	(void)state;
	char err[256];
	assert_int_equal(eval_src("os.id < 3", err, sizeof(err)), T_UNKNOWN);
	assert_non_null(strstr(err, "column 7"));
	assert_int_equal(eval_src("password.min_length", err, sizeof(err)), T_UNKNOWN);
	assert_non_null(strstr(err, "condition"));
	assert_int_equal(eval_src("$nope == 1", err, sizeof(err)), T_UNKNOWN);
	assert_non_null(strstr(err, "parameter"));
	assert_int_equal(eval_src("it == 1", err, sizeof(err)), T_UNKNOWN);
	assert_int_equal(eval_src("any(os.id, true)", err, sizeof(err)), T_UNKNOWN);
	assert_int_equal(eval_src("3 in 4", err, sizeof(err)), T_UNKNOWN);
}

static void expect_parse_error(const char *src, int want_col, const char *want_msg)
{
	struct expr *x = NULL;
	int col = 0;
	struct errbuf e = {{0}};
	int r = expr_parse(src, &x, &col, &e);
	if (r == 0)
		fail_msg("'%s' parsed but should not", src);
	assert_int_equal(r, MAMORI_EPARSE);
	if (col != want_col)
		fail_msg("'%s': error at column %d, expected %d (%s)", src, col, want_col, e.msg);
	if (strstr(e.msg, want_msg) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", src, e.msg, want_msg);
	assert_null(x);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_parse_error("", 1, "end");
	expect_parse_error("a.b ==", 7, "end");
	expect_parse_error("a.b = 1", 5, "'=='");
	expect_parse_error("(a.b", 5, "')'");
	expect_parse_error("a.b and", 8, "end");
	expect_parse_error("\"open", 1, "unterminated");
	expect_parse_error("a.b == 12x", 8, "malformed number");
	expect_parse_error("any(a.b)", 8, "','");
	expect_parse_error("a.b ~ 1", 5, "unexpected character");
	expect_parse_error("a. == 1", 4, "name");
	expect_parse_error("$ == 1", 3, "parameter");
	expect_parse_error("a.b c.d", 5, "unexpected text");
	expect_parse_error("and", 1, "keyword");
	expect_parse_error("99999999999999999999 > 1", 1, "out of range");
	expect_parse_error("\"\\q\"", 2, "escape");
	expect_parse_error("A.b", 1, "unexpected character");
}

static void test_limits(void **state)
{
	(void)state;
	/* deep nesting is refused, not a stack overflow */
	char deep[400];
	size_t n = 0;
	for (int i = 0; i < 150; i++)
		deep[n++] = '(';
	deep[n++] = '1';
	deep[n] = '\0';
	struct expr *x;
	int col;
	struct errbuf e;
	assert_int_equal(expr_parse(deep, &x, &col, &e), MAMORI_EPARSE);
	assert_non_null(strstr(e.msg, "deeply"));
	char *big = malloc(EXPR_MAX_LEN + 10);
	memset(big, 'a', EXPR_MAX_LEN + 5);
	big[EXPR_MAX_LEN + 5] = '\0';
	assert_int_equal(expr_parse(big, &x, &col, &e), MAMORI_EPARSE);
	free(big);
	assert_int_equal(expr_parse("not not not not true", &x, &col, &e), 0);
	expr_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),	     cmocka_unit_test(test_lists),
		cmocka_unit_test(test_unknown_logic), cmocka_unit_test(test_facts_read),
		cmocka_unit_test(test_type_errors),  cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
