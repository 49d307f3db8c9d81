/* SPDX-License-Identifier: Apache-2.0 */
/* The apt names cache gives the same answer as reading the lists, and a cache file that is
 * not root's own and closed to others is ignored. Runs on this machine (live, as root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/scan.h"

#define CACHE_DIR "/var/cache/mamori/apt"

static char *unknown_origin(void)
{
	struct facts *f;
	struct errbuf e;
	assert_int_equal(scan_collect("/", 0, NULL, "packages", &f, &e), 0);
	const struct fact *x = facts_get(f, "software.unknown_origin");
	assert_non_null(x);
	char *s = x->value ? json_dumps(x->value, JSON_COMPACT) : strdup(x->reason);
	facts_free(f);
	return s;
}

static void clear_cache(void)
{
	DIR *d = opendir(CACHE_DIR);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		char p[4096];
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", CACHE_DIR, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
}

static void test_cache_same_answer(void **state)
{
	(void)state;
	if (geteuid() != 0 || access("/var/lib/apt/lists", R_OK) != 0)
		skip();
	clear_cache();
	char *cold = unknown_origin(); /* reads the lists, writes the cache */
	char *warm = unknown_origin(); /* reads the cache */
	assert_string_equal(cold, warm);
	/* Replace every cache with one that offers nothing. Closed to others it is believed
	 * (so the test can tell), writable by others it is not. */
	char *empty_trusted = NULL, *empty_loose = NULL;
	for (int round = 0; round < 2; round++) {
		DIR *d = opendir(CACHE_DIR);
		assert_non_null(d);
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", CACHE_DIR, de->d_name);
			FILE *f = fopen(p, "r+b");
			assert_non_null(f);
			unsigned char head[56];
			assert_int_equal(fread(head, 1, sizeof(head), f), sizeof(head));
			memset(head + 48, 0, 8); /* count = 0 */
			rewind(f);
			assert_int_equal(fwrite(head, 1, sizeof(head), f), sizeof(head));
			fclose(f);
			assert_int_equal(truncate(p, sizeof(head)), 0);
			assert_int_equal(chmod(p, round == 0 ? 0644 : 0666), 0);
		}
		closedir(d);
		if (round == 0)
			empty_trusted = unknown_origin();
		else
			empty_loose = unknown_origin();
		if (round == 0) {
			clear_cache();
			free(unknown_origin()); /* fresh caches for round 1 */
		}
	}
	assert_string_not_equal(empty_trusted, cold); /* the cache is really used */
	assert_string_equal(empty_loose, cold);       /* ... but not one others could write */
	clear_cache();
	free(cold);
	free(warm);
	free(empty_trusted);
	free(empty_loose);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_cache_same_answer)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
