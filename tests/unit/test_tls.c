/* SPDX-License-Identifier: Apache-2.0 */
/* openssl.cnf parsing, MinProtocol ranks and @SECLEVEL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/tls.h"

struct seen {
	char out[2048];
	size_t n;
};

static int collect(const char *section, const char *name, const char *value, int line, void *ud)
{
	struct seen *s = ud;
	s->n += (size_t)snprintf(s->out + s->n, sizeof(s->out) - s->n, "%s|%s|%s|%d\n", section,
				 name, value, line);
	return 0;
}

static void test_sections_values_directives(void **state)
{
	(void)state;
	const char *conf = "# top\n"
			   "openssl_conf = openssl_init # trailing\n"
			   ".include /etc/ssl/extra.cnf\n"
			   ".include = rel.cnf\n"
			   ".pragma dollarid:on\n"
			   "[ system_default_sect ] # note\n"
			   "CipherString = \"DEFAULT:@SECLEVEL=2\"\n"
			   "MinProtocol = TLSv1.2\\\n"
			   "\n"
			   "Quoted = 'a # b'\n";
	struct seen s = {0};
	int bad = 0;
	char sec[OSSL_SECTION_MAX] = "default";
	assert_int_equal(ossl_conf_parse(conf, strlen(conf), sec, collect, &s, &bad), 0);
	assert_string_equal(s.out, "default|openssl_conf|openssl_init|2\n"
				   "default|.include|/etc/ssl/extra.cnf|3\n"
				   "default|.include|rel.cnf|4\n"
				   "default|.pragma||5\n"
				   "system_default_sect|CipherString|DEFAULT:@SECLEVEL=2|7\n"
				   "system_default_sect|MinProtocol|TLSv1.2|8\n"
				   "system_default_sect|Quoted|a # b|10\n");
}

static void test_malformed(void **state)
{
	(void)state;
	struct seen s = {0};
	int bad = 0;
	char sec[OSSL_SECTION_MAX] = "default";
	const char *cases[] = {"a = b\nno equal sign\n", "[unterminated\n", "x = \"open\n", "[]\n",
			       ".include\n"};
	const int lines[] = {2, 1, 1, 1, 1};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad = 0;
		assert_int_equal(
		    ossl_conf_parse(cases[i], strlen(cases[i]), sec, collect, &s, &bad),
		    MAMORI_EPARSE);
		assert_int_equal(bad, lines[i]);
	}
	size_t n = OSSL_CONF_MAX_LINE + 10;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	big[0] = 'k';
	big[1] = '=';
	assert_int_equal(ossl_conf_parse(big, n, sec, collect, &s, &bad), MAMORI_EPARSE);
	free(big);
}

static void test_ranks(void **state)
{
	(void)state;
	assert_int_equal(tls_protocol_rank("TLSv1"), 10);
	assert_int_equal(tls_protocol_rank("tlsv1.2"), 12);
	assert_int_equal(tls_protocol_rank("TLSv1.3"), 13);
	assert_int_equal(tls_protocol_rank("None"), 0);
	assert_int_equal(tls_protocol_rank("DTLSv1.2"), -2);
	assert_int_equal(tls_protocol_rank("TLSv2"), -1);
	assert_int_equal(tls_cipher_seclevel("DEFAULT:@SECLEVEL=2"), 2);
	assert_int_equal(tls_cipher_seclevel("DEFAULT@SECLEVEL=1:@SECLEVEL=0"), 0);
	assert_int_equal(tls_cipher_seclevel("DEFAULT"), -1);
	assert_int_equal(tls_cipher_seclevel("@SECLEVEL=9"), -1);
	assert_int_equal(tls_cipher_seclevel("@SECLEVEL="), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sections_values_directives),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_ranks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
