/* SPDX-License-Identifier: Apache-2.0 */
/* passwd/shadow/group lines and sudoers: includes, aliases, Defaults, user specifications,
 * runas, tags, comments versus "#uid", malformed and oversized input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "probes/linux/accounts.h"

struct seen {
	char text[16][256];
	size_t n;
};

static int pw_cb(const struct passwd_ent *e, void *ud)
{
	struct seen *s = ud;
	if (s->n < 16)
		snprintf(s->text[s->n++], 256, "%s/%s/%lld/%lld/%s@%d", e->name, e->passwd, e->uid,
			 e->gid, e->shell, e->line);
	return 0;
}

static int sh_cb(const struct shadow_ent *e, void *ud)
{
	struct seen *s = ud;
	if (s->n < 16)
		snprintf(s->text[s->n++], 256, "%s/[%s]@%d", e->name, e->hash, e->line);
	return 0;
}

static int gr_cb(const struct group_ent *e, void *ud)
{
	struct seen *s = ud;
	if (s->n >= 16)
		return 0;
	size_t o = (size_t)snprintf(s->text[s->n], 256, "%s/%lld", e->name, e->gid);
	for (size_t i = 0; i < e->nmembers && o < 256; i++)
		o += (size_t)snprintf(s->text[s->n] + o, 256 - o, "%s%s", i ? "," : ":",
				      e->members[i]);
	s->n++;
	return 0;
}

static void test_passwd(void **state)
{
	(void)state;
	const char *p = "root:x:0:0:root:/root:/bin/bash\n"
			"\n"
			"+nisuser::::::\n"
			"guest::1000:1000:::\n"
			"svc:x:999:999::/:/usr/sbin/nologin";
	struct seen s = {0};
	int bad = 0;
	const char *err = NULL;
	assert_int_equal(passwd_parse(p, strlen(p), pw_cb, &s, &bad, &err), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.text[0], "root/x/0/0//bin/bash@1");
	assert_string_equal(s.text[1], "guest//1000/1000/@4");
	assert_string_equal(s.text[2], "svc/x/999/999//usr/sbin/nologin@5");
	assert_true(shell_is_nologin("/usr/sbin/nologin"));
	assert_true(shell_is_nologin("/bin/false"));
	assert_false(shell_is_nologin(""));
	assert_false(shell_is_nologin("/bin/sh"));

	const char *short_line = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000\n";
	assert_int_equal(passwd_parse(short_line, strlen(short_line), pw_cb, &s, &bad, &err),
			 MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	const char *bad_uid = "a:x:-1:0:::/bin/sh\n";
	assert_int_equal(passwd_parse(bad_uid, strlen(bad_uid), pw_cb, &s, &bad, &err),
			 MAMORI_EPARSE);
	assert_string_equal(err, "UID or GID is not a number");
	const char *many = "a:b:c:d:e:f:g:h:i:j:k:l:m:n:o:p:q:r\n";
	assert_int_equal(passwd_parse(many, strlen(many), pw_cb, &s, &bad, &err), MAMORI_EPARSE);
}

static void test_shadow_group(void **state)
{
	(void)state;
	const char *sh = "root:$y$abc:20000:0:99999:7:::\nguest::20000:0:99999:7:::\n";
	struct seen s = {0};
	int bad = 0;
	const char *err = NULL;
	assert_int_equal(shadow_parse(sh, strlen(sh), sh_cb, &s, &bad, &err), 0);
	assert_string_equal(s.text[1], "guest/[]@2");
	const char *sh_bad = "root:*:1\n";
	assert_int_equal(shadow_parse(sh_bad, strlen(sh_bad), sh_cb, &s, &bad, &err),
			 MAMORI_EPARSE);

	const char *gr = "sudo:x:27:alice,bob\nwheel:x:10:\nodd:x:11:,a,,b,\n";
	struct seen g = {0};
	assert_int_equal(group_parse(gr, strlen(gr), gr_cb, &g, &bad, &err), 0);
	assert_string_equal(g.text[0], "sudo/27:alice,bob");
	assert_string_equal(g.text[1], "wheel/10");
	assert_string_equal(g.text[2], "odd/11:a,b");
	const char *gr_bad = "sudo:x:twenty:\n";
	assert_int_equal(group_parse(gr_bad, strlen(gr_bad), gr_cb, &g, &bad, &err), MAMORI_EPARSE);
	/* Over the line cap. */
	size_t n = ACCT_MAX_LINE + 5;
	char *big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	assert_int_equal(group_parse(big, n, gr_cb, &g, &bad, &err), MAMORI_EPARSE);
	assert_string_equal(err, "line too long");
	free(big);
}

static int su_cb(const struct sudoers_rule *r, void *ud)
{
	struct seen *s = ud;
	if (s->n >= 16)
		return 0;
	char *t = s->text[s->n++];
	size_t o = 0;
	switch (r->kind) {
	case SUDOERS_INCLUDE:
		o = (size_t)snprintf(t, 256, "include %s", r->path);
		break;
	case SUDOERS_INCLUDEDIR:
		o = (size_t)snprintf(t, 256, "includedir %s", r->path);
		break;
	case SUDOERS_ALIAS:
		o = (size_t)snprintf(t, 256, "%s %s", r->alias_type, r->alias_name);
		break;
	case SUDOERS_DEFAULTS:
		o = (size_t)snprintf(t, 256, "Defaults%c%s",
				     r->defaults_binding ? r->defaults_binding : ' ',
				     r->binding ? r->binding : "");
		break;
	case SUDOERS_USERSPEC:
		o = (size_t)snprintf(t, 256, "spec@%d", r->line);
		break;
	}
	for (size_t i = 0; i < r->nitems && o < 256; i++)
		o += (size_t)snprintf(t + o, 256 - o, "|%s", r->items[i]);
	for (size_t i = 0; i < r->ncmnds && o < 256; i++)
		o += (size_t)snprintf(t + o, 256 - o, " %s%s%s", r->cmnds[i],
				      r->cmnd_as_root[i] ? "" : "(notroot)",
				      r->cmnd_nopasswd[i] ? "(nopw)" : "");
	return 0;
}

static void test_sudoers(void **state)
{
	(void)state;
	const char *f = "# comment\n"
			"Defaults\tenv_reset\n"
			"Defaults:alice, bob !authenticate\n"
			"User_Alias ADMINS = alice, \\\n  bob : OPS = carol\n"
			"root ALL=(ALL:ALL) ALL\n"
			"%sudo, #1001  ALL = (ALL) NOPASSWD: /bin/ls, ALL, PASSWD: /bin/cat\n"
			"gina ALL=(postgres) ALL : db1 = (root) ALL # comment\n"
			"#1000 ALL=(:wheel) ALL\n"
			"sam ALL=(root) TIMEOUT=5m NOEXEC:NOPASSWD: sha256:abc /usr/bin/x\n"
			"#includedir /etc/sudoers.d\n"
			"@include \"local rules\"\n";
	struct seen s = {0};
	int bad = 0;
	const char *err = NULL;
	assert_int_equal(sudoers_parse(f, strlen(f), su_cb, &s, &bad, &err), 0);
	assert_int_equal(s.n, 11);
	assert_string_equal(s.text[0], "Defaults |env_reset");
	assert_string_equal(s.text[1], "Defaults:alice, bob|!authenticate");
	assert_string_equal(s.text[2], "User_Alias ADMINS|alice|bob");
	assert_string_equal(s.text[3], "User_Alias OPS|carol");
	assert_string_equal(s.text[4], "spec@6|root ALL");
	assert_string_equal(s.text[5], "spec@7|%sudo|#1001 /bin/ls(nopw) ALL(nopw) /bin/cat");
	assert_string_equal(s.text[6], "spec@8|gina ALL(notroot) ALL");
	assert_string_equal(s.text[7], "spec@9|#1000 ALL(notroot)");
	assert_string_equal(s.text[8], "spec@10|sam /usr/bin/x(nopw)");
	assert_string_equal(s.text[9], "includedir /etc/sudoers.d");
	assert_string_equal(s.text[10], "include local rules");

	const char *noeq = "alice ALL\n";
	assert_int_equal(sudoers_parse(noeq, strlen(noeq), su_cb, &s, &bad, &err), MAMORI_EPARSE);
	assert_int_equal(bad, 1);
	const char *runas = "alice ALL=(root ALL\n";
	assert_int_equal(sudoers_parse(runas, strlen(runas), su_cb, &s, &bad, &err), MAMORI_EPARSE);
	const char *alias = "User_Alias = x\n";
	assert_int_equal(sudoers_parse(alias, strlen(alias), su_cb, &s, &bad, &err), MAMORI_EPARSE);

	assert_true(sudoers_includedir_name_ok("dave"));
	assert_false(sudoers_includedir_name_ok("dave.bak"));
	assert_false(sudoers_includedir_name_ok("dave~"));
	assert_false(sudoers_includedir_name_ok(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_passwd),
	    cmocka_unit_test(test_shadow_group),
	    cmocka_unit_test(test_sudoers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
