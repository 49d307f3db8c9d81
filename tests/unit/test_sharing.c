/* SPDX-License-Identifier: Apache-2.0 */
/* exports(5) parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/sharing.h"

struct seen {
	char out[1024];
	size_t n;
};

static int collect(const char *path, int line, void *ud)
{
	struct seen *s = ud;
	s->n += (size_t)snprintf(s->out + s->n, sizeof(s->out) - s->n, "%s|%d\n", path, line);
	return 0;
}

static void test_entries(void **state)
{
	(void)state;
	const char *e = "# comment\n\n/srv/a 192.168.1.0/24(rw,sync) \\\n   *(ro)\n"
			"\"/home/x y\" host(rw) # why\n  # indented comment\n/srv/b\n";
	struct seen s = {0};
	int bad = 0;
	assert_int_equal(exports_parse(e, strlen(e), collect, &s, &bad), 0);
	assert_string_equal(s.out, "/srv/a|3\n/home/x y|5\n/srv/b|7\n");
}

static void test_malformed(void **state)
{
	(void)state;
	struct seen s = {0};
	int bad = 0;
	const char *cases[] = {"/srv/a host(rw\n", "\"/srv/a host(rw)\n", "relative host(rw)\n",
			       "/a ok(rw)\n/b host((rw))\n"};
	const int lines[] = {1, 1, 1, 2};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(exports_parse(cases[i], strlen(cases[i]), collect, &s, &bad),
				 MAMORI_EPARSE);
		assert_int_equal(bad, lines[i]);
	}
	size_t n = EXPORTS_MAX_LINE + 100;
	char *big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	big[0] = '/';
	assert_int_equal(exports_parse(big, n, collect, &s, &bad), MAMORI_EPARSE);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_entries),
					   cmocka_unit_test(test_malformed)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
