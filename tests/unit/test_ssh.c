/* SPDX-License-Identifier: Apache-2.0 */
/* sshd_config parsing and the effective-configuration rules: first value wins, Include in
 * place and sorted, Match worst case, defaults, malformed and oversized input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "probes/linux/ssh.h"

struct seen {
	char kw[8][64];
	char args[8][128];
	size_t nargs[8];
	int line[8];
	size_t n;
};

static int collect(const struct sshd_line *l, void *ud)
{
	struct seen *s = ud;
	if (s->n < 8) {
		snprintf(s->kw[s->n], sizeof(s->kw[0]), "%s", l->keyword);
		size_t o = 0;
		s->args[s->n][0] = '\0';
		for (size_t i = 0; i < l->nargs && o < sizeof(s->args[0]); i++)
			o += (size_t)snprintf(s->args[s->n] + o, sizeof(s->args[0]) - o, "%s%s",
					      i ? "|" : "", l->args[i]);
		s->nargs[s->n] = l->nargs;
		s->line[s->n] = l->line;
	}
	s->n++;
	return 0;
}

static void test_tokens(void **state)
{
	(void)state;
	const char *cfg = "# comment\n"
			  "  Port=2222\n"
			  "PasswordAuthentication = no   # trailing comment\n"
			  "\n"
			  "AuthorizedKeysFile \"/etc/ssh/keys dir/%u\" .ssh/authorized_keys\r\n"
			  "Banner a\"b c\"d\n"
			  "Subsystem\tsftp\tinternal-sftp";
	struct seen s = {0};
	int bad = 0;
	const char *err = NULL;
	assert_int_equal(sshd_config_parse(cfg, strlen(cfg), collect, &s, &bad, &err), 0);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.kw[0], "Port");
	assert_string_equal(s.args[0], "2222");
	assert_int_equal(s.line[0], 2);
	assert_string_equal(s.kw[1], "PasswordAuthentication");
	assert_string_equal(s.args[1], "no");
	assert_int_equal(s.nargs[1], 1);
	assert_string_equal(s.args[2], "/etc/ssh/keys dir/%u|.ssh/authorized_keys");
	assert_string_equal(s.args[3], "ab cd");
	assert_string_equal(s.args[4], "sftp|internal-sftp");
	assert_int_equal(s.line[4], 7);
}

static void test_malformed(void **state)
{
	(void)state;
	struct seen s = {0};
	int bad = 0;
	const char *err = NULL;
	const char *q = "Port 22\nBanner \"unterminated\n";
	assert_int_equal(sshd_config_parse(q, strlen(q), collect, &s, &bad, &err), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	assert_string_equal(err, "unterminated quote");
	const char *k = "=yes\n";
	assert_int_equal(sshd_config_parse(k, strlen(k), collect, &s, &bad, &err), MAMORI_EPARSE);
	assert_int_equal(bad, 1);
	/* A line over the cap and a line with too many arguments are refused, not truncated. */
	size_t big = SSHD_MAX_LINE + 10;
	char *b = malloc(big + 1);
	assert_non_null(b);
	memset(b, 'a', big);
	b[0] = 'X';
	b[1] = ' ';
	b[big] = '\0';
	assert_int_equal(sshd_config_parse(b, big, collect, &s, &bad, &err), MAMORI_EPARSE);
	assert_string_equal(err, "line too long");
	size_t o = 0;
	o += (size_t)snprintf(b + o, big - o, "K");
	for (int i = 0; i < SSHD_MAX_ARGS + 1; i++)
		o += (size_t)snprintf(b + o, big - o, " a");
	assert_int_equal(sshd_config_parse(b, o, collect, &s, &bad, &err), MAMORI_EPARSE);
	assert_string_equal(err, "too many arguments");
	free(b);
	const char nul[] = "Port 22\0\n";
	assert_int_equal(sshd_config_parse(nul, sizeof(nul) - 1, collect, &s, &bad, &err),
			 MAMORI_EPARSE);
}

/* ---- an in-memory file tree for the loader ---- */

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

static int mem_glob(void *ud, const char *pattern, char ***paths, size_t *count)
{
	(void)ud;
	/* Only "DIR/ *.conf" style patterns and exact names are needed; the tree is sorted. */
	char **v = calloc(16, sizeof(char *));
	size_t n = 0;
	const char *star = strchr(pattern, '*');
	for (const struct memfile *f = tree; f->path && n < 15; f++) {
		bool ok;
		if (star) {
			size_t pl = (size_t)(star - pattern);
			const char *suffix = star + 1;
			size_t fl = strlen(f->path), sl = strlen(suffix);
			ok = strncmp(f->path, pattern, pl) == 0 && fl >= pl + sl &&
			     strcmp(f->path + fl - sl, suffix) == 0 &&
			     strchr(f->path + pl, '/') == NULL;
		} else {
			ok = strcmp(f->path, pattern) == 0;
		}
		if (ok)
			v[n++] = xstrdup(f->path);
	}
	*paths = v;
	*count = n;
	return 0;
}

static void mem_free(char **paths)
{
	for (size_t i = 0; paths && paths[i]; i++)
		free(paths[i]);
	free(paths);
}

static const struct sshd_loader mem_loader = {mem_read, mem_glob, mem_free, NULL};

static int load(const struct memfile *t, struct sshd_config *c)
{
	tree = t;
	memset(c, 0, sizeof(*c));
	return sshd_config_load(c, "/etc/ssh/sshd_config", &mem_loader);
}

static void test_include_first_wins(void **state)
{
	(void)state;
	static const struct memfile t[] = {
	    {"/etc/ssh/sshd_config", "PermitRootLogin no\n"
				     "Include sshd_config.d/*.conf\n"
				     "PasswordAuthentication yes\n"},
	    {"/etc/ssh/sshd_config.d/10-a.conf", "passwordauthentication NO\n"
						 "PermitRootLogin yes\n"},
	    {"/etc/ssh/sshd_config.d/20-b.conf", "PasswordAuthentication yes\nPort 2222\n"},
	    {NULL, NULL}};
	struct sshd_config c;
	assert_int_equal(load(t, &c), 0);
	const struct sshd_match_value *m;
	/* The first value read wins: 10-a.conf's "no" (case-insensitive) before the rest. */
	assert_string_equal(sshd_effective(&c, SSHD_PASSWORD_AUTH, &m), "no");
	assert_null(m);
	assert_string_equal(c.global[SSHD_PASSWORD_AUTH].file, "/etc/ssh/sshd_config.d/10-a.conf");
	/* PermitRootLogin no in the main file came first. */
	assert_string_equal(sshd_effective(&c, SSHD_PERMIT_ROOT, &m), "no");
	assert_int_equal(c.global[SSHD_PERMIT_ROOT].line, 1);
	assert_int_equal(c.nports, 1);
	assert_int_equal(c.ports[0], 2222);
	/* Defaults when unset. */
	assert_string_equal(sshd_effective(&c, SSHD_KBDINT_AUTH, &m), "yes");
	assert_string_equal(sshd_effective(&c, SSHD_USE_PAM, &m), "no");
	assert_string_equal(sshd_effective(&c, SSHD_PERMIT_EMPTY, &m), "no");
	sshd_config_free(&c);
}

static void test_match_worst_case(void **state)
{
	(void)state;
	static const struct memfile t[] = {
	    {"/etc/ssh/sshd_config", "PasswordAuthentication no\n"
				     "PermitRootLogin no\n"
				     "Include /etc/ssh/m.conf\n"
				     "Match User bob\n"
				     "  PermitRootLogin forced-commands-only\n"},
	    /* A Match in an included file ends with that file. */
	    {"/etc/ssh/m.conf", "Match Group admins\n  PasswordAuthentication yes\n"},
	    {NULL, NULL}};
	struct sshd_config c;
	assert_int_equal(load(t, &c), 0);
	const struct sshd_match_value *m;
	assert_string_equal(sshd_effective(&c, SSHD_PASSWORD_AUTH, &m), "yes");
	assert_non_null(m);
	assert_string_equal(m->file, "/etc/ssh/m.conf");
	assert_int_equal(m->line, 2);
	assert_int_equal(m->match_line, 1);
	assert_string_equal(m->criteria, "Group admins");
	assert_string_equal(sshd_effective(&c, SSHD_PERMIT_ROOT, &m), "forced-commands-only");
	assert_int_equal(m->line, 5);
	/* Global values stay what the global section said. */
	assert_string_equal(c.global[SSHD_PASSWORD_AUTH].value, "no");
	sshd_config_free(&c);
}

static void test_match_all(void **state)
{
	(void)state;
	/* "Match all" reaches every connection: later blocks and the global value cannot. */
	static const struct memfile t[] = {{"/etc/ssh/sshd_config", "PasswordAuthentication yes\n"
								    "Match all\n"
								    "PasswordAuthentication no\n"
								    "Match User x\n"
								    "PasswordAuthentication yes\n"},
					   {NULL, NULL}};
	struct sshd_config c;
	assert_int_equal(load(t, &c), 0);
	const struct sshd_match_value *m;
	assert_string_equal(sshd_effective(&c, SSHD_PASSWORD_AUTH, &m), "no");
	assert_true(m->match_all);
	sshd_config_free(&c);
}

static void test_errors(void **state)
{
	(void)state;
	struct sshd_config c;
	static const struct memfile bad_value[] = {
	    {"/etc/ssh/sshd_config", "Include x.conf\n"},
	    {"/etc/ssh/x.conf", "\n\nPermitRootLogin maybe\n"},
	    {NULL, NULL}};
	assert_int_equal(load(bad_value, &c), MAMORI_EPARSE);
	assert_string_equal(c.err_file, "/etc/ssh/x.conf");
	assert_int_equal(c.err_line, 3);
	sshd_config_free(&c);

	static const struct memfile loop[] = {{"/etc/ssh/sshd_config", "Include sshd_config\n"},
					      {NULL, NULL}};
	assert_int_equal(load(loop, &c), MAMORI_EPARSE);
	assert_non_null(strstr(c.err, "nested"));
	sshd_config_free(&c);

	static const struct memfile pam_in_match[] = {
	    {"/etc/ssh/sshd_config", "Match User a\nUsePAM yes\n"}, {NULL, NULL}};
	assert_int_equal(load(pam_in_match, &c), MAMORI_EPARSE);
	assert_int_equal(c.err_line, 2);
	sshd_config_free(&c);

	static const struct memfile extra[] = {
	    {"/etc/ssh/sshd_config", "PasswordAuthentication no yes\n"}, {NULL, NULL}};
	assert_int_equal(load(extra, &c), MAMORI_EPARSE);
	sshd_config_free(&c);

	/* A missing include is not an error for sshd; a missing main file is. */
	static const struct memfile noinc[] = {
	    {"/etc/ssh/sshd_config", "Include /etc/ssh/none/*.conf /etc/ssh/nofile\n"},
	    {NULL, NULL}};
	assert_int_equal(load(noinc, &c), 0);
	sshd_config_free(&c);
	static const struct memfile none[] = {{NULL, NULL}};
	assert_int_equal(load(none, &c), MAMORI_ENOENT);
	sshd_config_free(&c);
}

static void test_listen(void **state)
{
	(void)state;
	static const struct memfile t[] = {
	    {"/etc/ssh/sshd_config", "Port 22\nPort 22\nListenAddress [::1]:2200\n"
				     "ListenAddress 127.0.0.1:2201\nListenAddress fe80::1\n"},
	    {NULL, NULL}};
	struct sshd_config c;
	assert_int_equal(load(t, &c), 0);
	assert_int_equal(c.nports, 3);
	assert_int_equal(c.nlisten, 3);
	assert_string_equal(c.listen[0], "::1");
	assert_string_equal(c.listen[1], "127.0.0.1");
	assert_string_equal(c.listen[2], "fe80::1");
	sshd_config_free(&c);
	static const struct memfile badport[] = {{"/etc/ssh/sshd_config", "Port 70000\n"},
						 {NULL, NULL}};
	assert_int_equal(load(badport, &c), MAMORI_EPARSE);
	sshd_config_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_include_first_wins),
	    cmocka_unit_test(test_match_worst_case),
	    cmocka_unit_test(test_match_all),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_listen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
