/* SPDX-License-Identifier: Apache-2.0 */
/* PAM service files, stacks with includes, controls, pwquality/faillock files, credits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "probes/linux/pam.h"

struct seen {
	char text[16][256];
	int line[16];
	size_t n;
};

static int collect(const struct pam_line *l, void *ud)
{
	struct seen *s = ud;
	if (s->n >= 16)
		return 0;
	char *t = s->text[s->n];
	size_t o = 0;
	if (l->include_file)
		o += (size_t)snprintf(t, 256, "@include %s", l->include_file);
	else
		o += (size_t)snprintf(t, 256, "%s%s|%s|%s", l->silent ? "-" : "", l->type,
				      l->control, l->module);
	for (size_t i = 0; i < l->nargs && o < 256; i++)
		o += (size_t)snprintf(t + o, 256 - o, "|%s", l->args[i]);
	s->line[s->n++] = l->line;
	return 0;
}

static void test_parse(void **state)
{
	(void)state;
	const char *f = "# comment\n"
			"auth\t[success=1 default=ignore]\tpam_unix.so nullok\n"
			"-session optional pam_systemd.so\n"
			"password requisite pam_pwquality.so \\\n"
			"   retry=3 \\\n"
			"   minlen=12\n"
			"@include common-account\n"
			"auth required pam_exec.so [cmd arg\\]x] quiet\n";
	struct seen s = {0};
	int bad = 0;
	const char *err = NULL;
	assert_int_equal(pam_conf_parse(f, strlen(f), collect, &s, &bad, &err), 0);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.text[0], "auth|[success=1 default=ignore]|pam_unix.so|nullok");
	assert_int_equal(s.line[0], 2);
	assert_string_equal(s.text[1], "-session|optional|pam_systemd.so");
	assert_string_equal(s.text[2], "password|requisite|pam_pwquality.so|retry=3|minlen=12");
	assert_int_equal(s.line[2], 4);
	assert_string_equal(s.text[3], "@include common-account");
	assert_string_equal(s.text[4], "auth|required|pam_exec.so|cmd arg]x|quiet");
}

static void test_parse_errors(void **state)
{
	(void)state;
	struct seen s = {0};
	int bad = 0;
	const char *err = NULL;
	const char *t = "auth required pam_unix.so\nauht required pam_unix.so\n";
	assert_int_equal(pam_conf_parse(t, strlen(t), collect, &s, &bad, &err), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	const char *b = "auth [default=die pam_faillock.so\n";
	assert_int_equal(pam_conf_parse(b, strlen(b), collect, &s, &bad, &err), MAMORI_EPARSE);
	const char *m = "auth required\n";
	assert_int_equal(pam_conf_parse(m, strlen(m), collect, &s, &bad, &err), MAMORI_EPARSE);
	assert_string_equal(err, "missing module");
	/* A logical line over the cap, built from continuations, is refused. */
	size_t n = 200000;
	char *big = malloc(n + 1);
	assert_non_null(big);
	for (size_t i = 0; i < n; i += 4)
		memcpy(big + i, "ab\\\n", 4);
	big[n] = '\0';
	assert_int_equal(pam_conf_parse(big, n, collect, &s, &bad, &err), MAMORI_EPARSE);
	free(big);
}

static void test_controls(void **state)
{
	(void)state;
	assert_true(pam_control_enforces("required", "auth_err"));
	assert_true(pam_control_enforces("Requisite", "auth_err"));
	assert_false(pam_control_enforces("optional", "auth_err"));
	assert_false(pam_control_enforces("sufficient", "auth_err"));
	assert_true(pam_control_enforces("[default=die]", "auth_err"));
	assert_true(
	    pam_control_enforces("[success=ok authtok_err=bad default=ignore]", "authtok_err"));
	assert_false(pam_control_enforces("[success=1 default=ignore]", "auth_err"));
	/* Linux-PAM: a code a bracketed control leaves unset is "bad". */
	assert_true(pam_control_enforces("[success=ok]", "auth_err"));
	/* A control Linux-PAM cannot parse makes every code "bad". */
	assert_true(pam_control_enforces("requried", "auth_err"));
	assert_true(pam_control_enforces("[success=ok default=ignre]", "auth_err"));

	int act[PAM_NRET];
	assert_true(pam_control_actions("[success=1 default=ignore]", act));
	assert_int_equal(act[PAM_R_SUCCESS], 1);
	assert_int_equal(act[PAM_R_AUTH_ERR], PAM_ACT_IGNORE);
	assert_int_equal(act[PAM_R_MODULE_UNKNOWN], PAM_ACT_IGNORE);
	/* default=die also covers the ignore code: pam_faillock authfail returns it. */
	assert_true(pam_control_actions("[default=die]", act));
	assert_int_equal(act[PAM_R_IGNORE], PAM_ACT_DIE);
	assert_true(
	    pam_control_actions("[ success = done  new_authtok_reqd=done default=ignore ]", act));
	assert_int_equal(act[PAM_R_SUCCESS], PAM_ACT_DONE);
	assert_int_equal(act[PAM_R_AUTH_ERR], PAM_ACT_IGNORE);
	assert_true(pam_control_actions("Required", act));
	assert_int_equal(act[PAM_R_IGNORE], PAM_ACT_IGNORE);
	assert_int_equal(act[PAM_R_MODULE_UNKNOWN], PAM_ACT_BAD);
	assert_true(pam_control_actions("sufficient", act));
	assert_int_equal(act[PAM_R_SUCCESS], PAM_ACT_DONE);
	assert_int_equal(act[PAM_R_AUTH_ERR], PAM_ACT_IGNORE);
	/* Names are case-sensitive; a jump of 0, a missing '=' or a huge jump are errors. */
	assert_false(pam_control_actions("[Success=ok]", act));
	assert_int_equal(act[PAM_R_SUCCESS], PAM_ACT_BAD);
	assert_false(pam_control_actions("[success=0]", act));
	assert_false(pam_control_actions("[success ok]", act));
	assert_false(pam_control_actions("[success=99999999999]", act));
	assert_false(pam_control_actions("[successful=ok]", act));
	assert_int_equal(pam_ret_code("module_unknown"), PAM_R_MODULE_UNKNOWN);
	assert_int_equal(pam_ret_code("default"), -1);
}

struct memfile {
	const char *path, *text;
};
static const struct memfile *tree;

static int mem_read(void *ud, const char *path, char **buf, size_t *len, char *why, size_t wl)
{
	(void)ud;
	for (const struct memfile *f = tree; f->path; f++)
		if (strcmp(f->path, path) == 0) {
			*buf = xstrdup(f->text);
			*len = strlen(f->text);
			return 0;
		}
	snprintf(why, wl, "cannot read %s: No such file or directory", path);
	return MAMORI_ENOENT;
}

static bool mem_exists(void *ud, const char *path)
{
	(void)ud;
	for (const struct memfile *f = tree; f->path; f++)
		if (strcmp(f->path, path) == 0)
			return true;
	return false;
}

static void test_stack(void **state)
{
	(void)state;
	static const struct memfile t[] = {
	    {"/etc/pam.d/sshd", "@include common-auth\n"
				"account include common-account\n"
				"auth substack extra\n"
				"auth required pam_env.so\n"},
	    {"/etc/pam.d/common-auth", "auth required pam_faillock.so preauth\n"
				       "password required pam_unix.so\n"},
	    {"/etc/pam.d/common-account", "account required pam_unix.so\n"},
	    {"/usr/lib/pam.d/extra", "auth optional /lib/security/pam_cap.so\n"},
	    {NULL, NULL}};
	tree = t;
	struct pam_loader ld = {mem_read, mem_exists, NULL};
	struct pam_stack s = {0};
	assert_int_equal(pam_stack_load(&s, "/etc/pam.d/sshd", "auth", &ld), 0);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.v[0].module, "pam_faillock.so");
	assert_string_equal(s.v[0].file, "/etc/pam.d/common-auth");
	assert_string_equal(pam_entry_arg(&s.v[0], "preauth"), "");
	assert_null(pam_entry_arg(&s.v[0], "deny"));
	assert_int_equal(s.v[0].level, 0);
	/* The substack line stays as a head; its lines go one level deeper. */
	assert_true(s.v[1].substack_head);
	assert_string_equal(s.v[1].module, "extra");
	assert_int_equal(s.v[1].level, 0);
	assert_string_equal(s.v[2].module, "pam_cap.so");
	assert_string_equal(s.v[2].module_path, "/lib/security/pam_cap.so");
	assert_string_equal(s.v[2].file, "/usr/lib/pam.d/extra");
	assert_int_equal(s.v[2].level, 1);
	assert_false(s.v[2].silent);
	assert_string_equal(s.v[3].module, "pam_env.so");
	assert_int_equal(s.v[3].level, 0);
	pam_stack_free(&s);

	static const struct memfile loop[] = {{"/etc/pam.d/a", "@include a\n"}, {NULL, NULL}};
	tree = loop;
	struct pam_stack l = {0};
	assert_int_not_equal(pam_stack_load(&l, "/etc/pam.d/a", "auth", &ld), 0);
	assert_non_null(strstr(l.err, "nested"));
	pam_stack_free(&l);

	static const struct memfile missing[] = {{"/etc/pam.d/a", "auth include nope\n"},
						 {NULL, NULL}};
	tree = missing;
	struct pam_stack m = {0};
	assert_int_equal(pam_stack_load(&m, "/etc/pam.d/a", "auth", &ld), MAMORI_ENOENT);
	pam_stack_free(&m);
}

struct kv {
	char text[8][200];
	size_t n;
};

static int kv_collect(const char *name, const char *value, int line, void *ud)
{
	struct kv *k = ud;
	(void)line;
	if (k->n < 8)
		snprintf(k->text[k->n++], 200, "%s=%s", name, value);
	return 0;
}

static void test_secconf(void **state)
{
	(void)state;
	const char *f = "# c\nminlen = 14 # trailing\n  deny=5\nflag\nunlock_time   never\n";
	struct kv k = {0};
	int bad = 0;
	assert_int_equal(secconf_parse(f, strlen(f), false, kv_collect, &k, &bad), 0);
	assert_int_equal(k.n, 4);
	assert_string_equal(k.text[0], "minlen=14");
	assert_string_equal(k.text[1], "deny=5="); /* libpwquality: one name, no value */
	assert_string_equal(k.text[2], "flag=");
	assert_string_equal(k.text[3], "unlock_time=never");
	struct kv k2 = {0};
	assert_int_equal(secconf_parse(f, strlen(f), true, kv_collect, &k2, &bad), 0);
	assert_string_equal(k2.text[1], "deny=5"); /* faillock splits at '=' */
	char *big = malloc(10000);
	assert_non_null(big);
	memset(big, 'x', 9999);
	big[9999] = '\0';
	assert_int_equal(secconf_parse(big, 9999, true, kv_collect, &k2, &bad), MAMORI_EPARSE);
	free(big);
}

static void test_pwquality(void **state)
{
	(void)state;
	struct pwq_settings s;
	pwq_defaults(&s, false);
	assert_int_equal(pwq_effective_min(&s), 8);
	assert_int_equal(pwq_apply(&s, false, "MinLen", "14", "f", 1), 1);
	assert_int_equal(pwq_effective_min(&s), 14);
	assert_int_equal(pwq_apply(&s, false, "dcredit", "1", "f", 2), 1);
	assert_int_equal(pwq_apply(&s, false, "ucredit", "-1", "f", 3), 1); /* a minimum */
	assert_int_equal(pwq_effective_min(&s), 13);
	assert_int_equal(pwq_apply(&s, false, "minlen", "3", "f", 4), 1);
	assert_int_equal(s.minlen.v, 6); /* raised to libpwquality's floor */
	assert_int_equal(pwq_effective_min(&s), 6);
	assert_int_equal(pwq_apply(&s, false, "minlen=3", "", "f", 5), MAMORI_ENOENT);
	assert_int_equal(pwq_apply(&s, false, "minlen", "x", "f", 5), MAMORI_EINVAL);
	assert_int_equal(pwq_apply(&s, false, "difok", "5", "f", 5), 0);
	assert_int_equal(pwq_apply(&s, false, "enforce_for_root", "", "f", 5), 0);
	/* Large credits: a password of L characters earns at most L. */
	pwq_defaults(&s, false);
	pwq_apply(&s, false, "minlen", "16", NULL, 0);
	pwq_apply(&s, false, "dcredit", "6", NULL, 0);
	pwq_apply(&s, false, "ocredit", "6", NULL, 0);
	assert_int_equal(pwq_effective_min(&s), 8);
	/* pam_cracklib: minlen 9 and credits of 1 by default. */
	pwq_defaults(&s, true);
	assert_int_equal(s.minlen.v, 9);
	assert_int_equal(pwq_effective_min(&s), 6);
}

/* Loads /etc/pam.d/main (auth lines) from the given tree and judges its lockout. */
static struct pam_lock_eval lock_eval(const struct memfile *t, const bool *absent, bool tally2,
				      size_t *n)
{
	tree = t;
	struct pam_loader ld = {mem_read, mem_exists, NULL};
	struct pam_stack s = {0};
	assert_int_equal(pam_stack_load(&s, "/etc/pam.d/main", "auth", &ld), 0);
	bool none[64] = {false};
	assert_true(s.n <= 64);
	struct pam_lock_eval ev;
	pam_lockout_eval(&s, absent ? absent : none, tally2, &ev);
	if (n)
		*n = s.n;
	pam_stack_free(&s);
	return ev;
}

/* A tree holding only /etc/pam.d/main. */
#define STACK(text) ((const struct memfile[]){{"/etc/pam.d/main", (text)}, {NULL, NULL}})

static void test_lockout_order(void **state)
{
	(void)state;
	/* mamori's good fixture: pam_unix jumps over authfail and pam_deny on success. */
	struct pam_lock_eval ev = lock_eval(STACK("auth required pam_faillock.so preauth\n"
						  "auth [success=2 default=ignore] pam_unix.so\n"
						  "auth [default=die] pam_faillock.so authfail\n"
						  "auth requisite pam_deny.so\n"
						  "auth required pam_permit.so\n"
						  "auth optional pam_cap.so\n"),
					    NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_OK);
	/* pam_faillock(8)'s Debian layout, with authsucc as the success exit. */
	ev = lock_eval(STACK("auth requisite pam_faillock.so preauth\n"
			     "auth [success=1 default=ignore] pam_unix.so\n"
			     "auth [default=die] pam_faillock.so authfail\n"
			     "auth sufficient pam_faillock.so authsucc\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_OK);
	/* RHEL's system-auth. */
	ev = lock_eval(STACK("auth required pam_env.so\n"
			     "auth required pam_faillock.so preauth silent\n"
			     "auth sufficient pam_unix.so nullok\n"
			     "auth [default=die] pam_faillock.so authfail\n"
			     "auth required pam_deny.so\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_OK);
	/* A sufficient pam_unix before preauth: the right password ends the stack first. */
	ev = lock_eval(STACK("auth sufficient pam_unix.so\n"
			     "auth required pam_faillock.so preauth\n"
			     "auth [default=die] pam_faillock.so authfail\n"
			     "auth requisite pam_deny.so\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_BYPASS);
	assert_int_equal(ev.at, 0);
	assert_false(ev.checked);
	/* A jump on success placed before preauth skips it. */
	ev = lock_eval(STACK("auth [success=1 default=ignore] pam_unix.so\n"
			     "auth requisite pam_faillock.so preauth\n"
			     "auth required pam_permit.so\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_BYPASS);
	/* ... and with authfail after it, the jump lands on authfail, whose "ignore" dies. */
	ev = lock_eval(STACK("auth [success=1 default=ignore] pam_unix.so\n"
			     "auth requisite pam_faillock.so preauth\n"
			     "auth [default=die] pam_faillock.so authfail\n"
			     "auth required pam_permit.so\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_BROKEN);
	/* An optional preauth: its refusal is ignored. */
	ev = lock_eval(STACK("auth optional pam_faillock.so preauth\n"
			     "auth [success=2 default=ignore] pam_unix.so\n"
			     "auth [default=die] pam_faillock.so authfail\n"
			     "auth requisite pam_deny.so\n"
			     "auth required pam_permit.so\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_BYPASS);
	assert_true(ev.checked);
	assert_int_equal(ev.at, 1);
	/* pam_deny before authfail: a wrong password ends the stack uncounted. */
	ev = lock_eval(STACK("auth required pam_faillock.so preauth\n"
			     "auth [success=2 default=ignore] pam_unix.so\n"
			     "auth requisite pam_deny.so\n"
			     "auth [default=die] pam_faillock.so authfail\n"
			     "auth required pam_permit.so\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_UNCOUNTED);
	assert_int_equal(ev.at, 1);
	assert_false(ev.reset);
	/* authsucc on every path clears the count. */
	ev = lock_eval(STACK("auth required pam_faillock.so preauth\n"
			     "auth required pam_faillock.so authsucc\n"
			     "auth [success=2 default=ignore] pam_unix.so\n"
			     "auth [default=die] pam_faillock.so authfail\n"
			     "auth requisite pam_deny.so\n"
			     "auth required pam_permit.so\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_UNCOUNTED);
	assert_true(ev.reset);
	assert_int_equal(ev.at, 1);
	/* authfail before pam_unix with default=die: its "ignore" dies, nobody gets in. */
	ev = lock_eval(STACK("auth required pam_faillock.so preauth\n"
			     "auth [default=die] pam_faillock.so authfail\n"
			     "auth [success=2 default=ignore] pam_unix.so\n"
			     "auth requisite pam_deny.so\n"
			     "auth required pam_permit.so\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_BROKEN);
	/* A jump past the end of the stack is "bad jump": no way in. */
	ev = lock_eval(STACK("auth required pam_faillock.so preauth\n"
			     "auth [success=5 default=ignore] pam_unix.so\n"
			     "auth [default=die] pam_faillock.so authfail\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_BROKEN);
	/* authselect's sssd profile (RHEL 8/9) with faillock. */
	ev = lock_eval(STACK("auth required pam_env.so\n"
			     "auth required pam_faildelay.so delay=2000000\n"
			     "auth required pam_faillock.so preauth silent\n"
			     "auth [default=1 ignore=ignore success=ok] pam_usertype.so isregular\n"
			     "auth [default=1 ignore=ignore success=ok] pam_localuser.so\n"
			     "auth sufficient pam_unix.so nullok\n"
			     "auth [default=1 ignore=ignore success=ok] pam_usertype.so isregular\n"
			     "auth sufficient pam_sss.so forward_pass\n"
			     "auth required pam_faillock.so authfail\n"
			     "auth required pam_deny.so\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_OK);
	/* A preauth whose failure is ignored by its bracketed control. */
	ev = lock_eval(STACK("auth [default=ignore success=ok] pam_faillock.so preauth\n"
			     "auth [success=2 default=ignore] pam_unix.so\n"
			     "auth [default=die] pam_faillock.so authfail\n"
			     "auth requisite pam_deny.so\n"
			     "auth required pam_permit.so\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_BYPASS);
	assert_true(ev.checked);
	/* A reset after preauth's refusal wipes it out. */
	ev = lock_eval(STACK("auth required pam_faillock.so preauth\n"
			     "auth [success=reset default=ignore] pam_env.so\n"
			     "auth [success=2 default=ignore] pam_unix.so\n"
			     "auth [default=die] pam_faillock.so authfail\n"
			     "auth requisite pam_deny.so\n"
			     "auth required pam_permit.so\n"),
		       NULL, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_BYPASS);
	/* pam_tally2 checks and counts on one line. */
	ev = lock_eval(STACK("auth required pam_tally2.so deny=3 onerr=fail\n"
			     "auth [success=1 default=ignore] pam_unix.so\n"
			     "auth requisite pam_deny.so\n"),
		       NULL, true, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_OK);
	ev = lock_eval(STACK("auth sufficient pam_unix.so\n"
			     "auth required pam_tally2.so deny=3\n"
			     "auth required pam_deny.so\n"),
		       NULL, true, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_BYPASS);
}

static void test_lockout_missing_module(void **state)
{
	(void)state;
	/* A missing module returns module_unknown; a requisite preauth then fails every login. */
	bool absent[8] = {true};
	size_t n;
	struct pam_lock_eval ev = lock_eval(STACK("-auth requisite pam_faillock.so preauth\n"
						  "auth [success=1 default=ignore] pam_unix.so\n"
						  "-auth [default=die] pam_faillock.so authfail\n"
						  "-auth sufficient pam_faillock.so authsucc\n"),
					    absent, false, &n);
	assert_int_equal(n, 4);
	assert_int_equal(ev.verdict, PAM_LOCK_BROKEN);
	/* A missing preauth that is ignored: the lock is not checked. */
	bool absent2[8] = {true};
	ev = lock_eval(STACK("-auth [default=ignore] pam_faillock.so preauth\n"
			     "auth [success=2 default=ignore] pam_unix.so\n"
			     "auth [default=die] pam_faillock.so authfail\n"
			     "auth requisite pam_deny.so\n"
			     "auth required pam_permit.so\n"),
		       absent2, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_BYPASS);
	assert_false(ev.checked);
	/* authsucc checks the lock too: with it as the success exit a missing preauth is not
	 * a way in. */
	ev = lock_eval(STACK("-auth [default=ignore] pam_faillock.so preauth\n"
			     "auth [success=1 default=ignore] pam_unix.so\n"
			     "auth [default=die] pam_faillock.so authfail\n"
			     "auth sufficient pam_faillock.so authsucc\n"),
		       absent2, false, NULL);
	assert_int_equal(ev.verdict, PAM_LOCK_OK);
}

static void test_lockout_substack(void **state)
{
	(void)state;
	/* done inside a substack ends only the substack: preauth in the parent still runs. */
	static const struct memfile sub[] = {
	    {"/etc/pam.d/main", "auth substack inner\n"
				"auth requisite pam_faillock.so preauth\n"
				"auth required pam_permit.so\n"},
	    {"/etc/pam.d/inner", "auth sufficient pam_unix.so\n"
				 "auth [default=die] pam_faillock.so authfail\n"},
	    {NULL, NULL}};
	assert_int_equal(lock_eval(sub, NULL, false, NULL).verdict, PAM_LOCK_OK);
	/* The same lines included: sufficient ends the whole stack before preauth. */
	static const struct memfile inc[] = {
	    {"/etc/pam.d/main", "auth include inner\n"
				"auth requisite pam_faillock.so preauth\n"
				"auth required pam_permit.so\n"},
	    {"/etc/pam.d/inner", "auth sufficient pam_unix.so\n"
				 "auth [default=die] pam_faillock.so authfail\n"},
	    {NULL, NULL}};
	assert_int_equal(lock_eval(inc, NULL, false, NULL).verdict, PAM_LOCK_BYPASS);
	/* A jump counts a whole substack as one line. */
	static const struct memfile jump[] = {
	    {"/etc/pam.d/main", "auth required pam_faillock.so preauth\n"
				"auth [success=1 default=ignore] pam_unix.so\n"
				"auth substack failpath\n"
				"auth required pam_permit.so\n"},
	    {"/etc/pam.d/failpath", "auth [default=die] pam_faillock.so authfail\n"
				    "auth requisite pam_deny.so\n"},
	    {NULL, NULL}};
	assert_int_equal(lock_eval(jump, NULL, false, NULL).verdict, PAM_LOCK_OK);
}

static void test_faillock_mode(void **state)
{
	(void)state;
	char *a1[] = {"preauth", "silent"}, *a2[] = {"authfail", "deny=3"},
	     *a3[] = {"preauth", "authsucc"}, *a4[] = {"deny=3"};
	struct pam_entry e = {.args = a1, .nargs = 2};
	assert_int_equal(pam_faillock_mode(&e), PAM_FL_PREAUTH);
	e.args = a2;
	assert_int_equal(pam_faillock_mode(&e), PAM_FL_AUTHFAIL);
	e.args = a3; /* the last one wins */
	assert_int_equal(pam_faillock_mode(&e), PAM_FL_AUTHSUCC);
	e.args = a4;
	e.nargs = 1; /* none: pam_faillock defaults to preauth */
	assert_int_equal(pam_faillock_mode(&e), PAM_FL_PREAUTH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_controls),
	    cmocka_unit_test(test_stack),
	    cmocka_unit_test(test_secconf),
	    cmocka_unit_test(test_pwquality),
	    cmocka_unit_test(test_lockout_order),
	    cmocka_unit_test(test_lockout_missing_module),
	    cmocka_unit_test(test_lockout_substack),
	    cmocka_unit_test(test_faillock_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
