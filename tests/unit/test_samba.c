/* SPDX-License-Identifier: Apache-2.0 */
/* smb.conf parsing as Samba reads it, and protocol ranks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/samba.h"

struct seen {
	char out[2048];
	size_t n;
};

static int collect(const char *section, const char *key, const char *value, int line, void *ud)
{
	struct seen *s = ud;
	s->n += (size_t)snprintf(s->out + s->n, sizeof(s->out) - s->n, "%s|%s|%s|%d\n", section,
				 key, value, line);
	return 0;
}

static void test_keys_sections_continuations(void **state)
{
	(void)state;
	const char *conf = "; comment\n"
			   "workgroup = W\n"
			   "[Global]\n"
			   "  Server   MIN protocol = NT1\n"
			   "# comment\n"
			   "client min \\\n"
			   "   protocol = SMB2_02\n"
			   "no equals sign here\n"
			   "[ Homes ]\n"
			   "path=/x\n";
	struct seen s = {0};
	int bad = 0;
	assert_int_equal(smb_conf_parse(conf, strlen(conf), NULL, collect, &s, &bad), 0);
	assert_string_equal(s.out, "global|workgroup|W|2\n"
				   "global|serverminprotocol|NT1|4\n"
				   "global|clientminprotocol|SMB2_02|6\n"
				   "homes|path|/x|10\n");
}

static void test_start_section_for_includes(void **state)
{
	(void)state;
	struct seen s = {0};
	int bad = 0;
	assert_int_equal(smb_conf_parse("a = b", 5, "share", collect, &s, &bad), 0);
	assert_string_equal(s.out, "share|a|b|1\n");
}

static void test_malformed(void **state)
{
	(void)state;
	struct seen s = {0};
	int bad = 0;
	const char *conf = "a = b\n[global\nc = d\n";
	assert_int_equal(smb_conf_parse(conf, strlen(conf), NULL, collect, &s, &bad),
			 MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	/* an overlong logical line, built from continuations */
	size_t n = SMB_CONF_MAX_LINE * 2;
	char *big = malloc(n + 1);
	assert_non_null(big);
	for (size_t i = 0; i < n; i += 2) {
		big[i] = 'x';
		big[i + 1] = i % 64 == 62 ? '\n' : 'x';
	}
	for (size_t i = 63; i < n; i += 64)
		big[i - 1] = '\\';
	big[n] = '\0';
	assert_int_equal(smb_conf_parse(big, n, NULL, collect, &s, &bad), MAMORI_EPARSE);
	free(big);
}

static void test_protocol_rank(void **state)
{
	(void)state;
	assert_int_equal(smb_protocol_rank("nt1"), 4);
	assert_int_equal(smb_protocol_rank("CORE"), 0);
	assert_int_equal(smb_protocol_rank("SMB2"), 6);
	assert_int_equal(smb_protocol_rank("SMB2_02"), 5);
	assert_int_equal(smb_protocol_rank("smb3"), 10);
	assert_int_equal(smb_protocol_rank("SMB9"), -1);
	assert_int_equal(smb_protocol_rank(""), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys_sections_continuations),
	    cmocka_unit_test(test_start_section_for_includes),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_protocol_rank),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
