/* SPDX-License-Identifier: Apache-2.0 */
/* The wire form of a report (docs/server.md "The report on the wire") on a real report made
 * by `mamori scan --format json` (the fuzz corpus keeps it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/report_wire.h"

static json_t *real;

static int setup(void **state)
{
	(void)state;
	const char *src = getenv("MAMORI_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/fuzz/corpus/fuzz_report_wire/real-report.json",
		 src ? src : ".");
	json_error_t je;
	real = json_load_file(path, 0, &je);
	if (real == NULL) {
		fprintf(stderr, "%s: %s\n", path, je.text);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(real);
	return 0;
}

static json_t *copy(void)
{
	json_t *j = json_deep_copy(real);
	assert_non_null(j);
	return j;
}

static json_t *packages(json_t *r)
{
	return json_object_get(json_object_get(json_object_get(r, "facts"), "software.packages"),
			       "value");
}

static void test_texts_gone_shape_kept(void **state)
{
	(void)state;
	json_t *r = copy();
	char sha[65];
	struct errbuf e = {{0}};
	assert_int_equal(report_to_wire(r, NULL, sha, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(r, "schema_version")), 2);
	assert_string_equal(json_string_value(json_object_get(r, "report_id")),
			    json_string_value(json_object_get(real, "report_id")));
	json_t *fs = json_object_get(r, "findings");
	assert_int_equal(json_array_size(fs), json_array_size(json_object_get(real, "findings")));
	assert_true(json_array_size(fs) > 10);
	size_t i;
	json_t *fd;
	json_array_foreach(fs, i, fd)
	{
		assert_null(json_object_get(fd, "title"));
		assert_null(json_object_get(fd, "rationale"));
		assert_null(json_object_get(fd, "remediation"));
		assert_true(json_is_string(json_object_get(fd, "check")));
		assert_true(json_is_string(json_object_get(fd, "status")));
		assert_true(json_is_string(json_object_get(fd, "severity")));
		/* guideline links come from the server's catalog */
		assert_null(json_object_get(fd, "controls"));
		assert_null(json_object_get(fd, "refs"));
		assert_true(json_is_array(json_object_get(fd, "evidence")));
	}
	/* everything but findings and the new inventory is as it was */
	const char *k;
	json_t *v;
	json_object_foreach(real, k, v)
	{
		if (strcmp(k, "findings") && strcmp(k, "facts"))
			assert_true(json_equal(v, json_object_get(r, k)));
	}
	assert_true(json_equal(json_object_get(r, "facts"), json_object_get(real, "facts")));
	json_decref(r);
}

static void test_evidence_dedup(void **state)
{
	(void)state;
	json_t *r = copy();
	json_t *facts = json_object_get(r, "facts");
	/* make one evidence value differ from its fact: it must stay */
	json_t *changed = NULL, *fd;
	size_t i, k, with_value = 0;
	json_array_foreach(json_object_get(r, "findings"), i, fd)
	{
		json_t *ev;
		json_array_foreach(json_object_get(fd, "evidence"), k, ev)
		{
			const char *f = json_string_value(json_object_get(ev, "fact"));
			if (json_object_get(ev, "value") == NULL ||
			    json_object_get(json_object_get(facts, f), "value") == NULL)
				continue;
			with_value++;
			if (changed == NULL) {
				changed = ev;
				json_object_set_new(ev, "value",
						    json_string("not the fact's value"));
			}
		}
	}
	assert_non_null(changed);
	assert_true(with_value > 5);
	char sha[65];
	struct errbuf e = {{0}};
	assert_int_equal(report_to_wire(r, NULL, sha, &e), 0);
	size_t kept = 0, dropped = 0;
	json_array_foreach(json_object_get(r, "findings"), i, fd)
	{
		json_t *ev;
		json_array_foreach(json_object_get(fd, "evidence"), k, ev)
		{
			const char *f = json_string_value(json_object_get(ev, "fact"));
			assert_non_null(f);
			if (json_object_get(json_object_get(facts, f), "value") == NULL)
				continue;
			if (json_object_get(ev, "value")) {
				kept++;
				assert_ptr_equal(ev, changed);
			} else {
				dropped++;
				/* what is left besides the name differs from the fact */
				const char *key;
				json_t *mine;
				json_object_foreach(ev, key, mine)
				{
					if (strcmp(key, "fact") != 0)
						assert_false(json_equal(
							mine, json_object_get(json_object_get(facts, f), key)));
				}
			}
		}
	}
	assert_int_equal(kept, 1);
	assert_string_equal(json_string_value(json_object_get(changed, "value")),
			    "not the fact's value");
	assert_int_equal(dropped, with_value - 1);
	json_decref(r);
}

static void test_inventory_hash(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	char a[65], b[65], c[65];
	/* the canonical form: compact, keys sorted, UTF-8 as is; this hash is what Python's
	 * json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False) gives */
	json_t *l1 = json_loads("[{\"name\":\"a\",\"version\":\"1.0\",\"arch\":\"amd64\"},"
				"{\"version\":\"2\",\"arch\":\"all\",\"name\":\"b\\u00e9\"}]",
				0, NULL);
	json_t *l2 = json_loads("[{\"arch\":\"amd64\",\"version\":\"1.0\",\"name\":\"a\"},"
				"{\"name\":\"b\\u00e9\",\"arch\":\"all\",\"version\":\"2\"}]",
				0, NULL);
	json_t *l3 =
	    json_loads("[{\"name\":\"a\",\"version\":\"1.1\",\"arch\":\"amd64\"}]", 0, NULL);
	assert_non_null(l1);
	assert_non_null(l2);
	assert_non_null(l3);
	assert_int_equal(inventory_sha256(l1, a, &e), 0);
	assert_int_equal(inventory_sha256(l2, b, &e), 0);
	assert_int_equal(inventory_sha256(l3, c, &e), 0);
	assert_string_equal(a, "9a10c6d89973fd6fb0e744cdc125b127f5d5999d95d870a04f5d087a15016338");
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	json_t *obj = json_object();
	assert_int_equal(inventory_sha256(obj, c, &e), MAMORI_EINVAL);
	json_decref(obj);
	json_decref(l1);
	json_decref(l2);
	json_decref(l3);

	/* the real report: the hash its package list has (same Python), and the count */
	json_t *r = copy();
	char sha[65];
	assert_int_equal(report_to_wire(r, NULL, sha, &e), 0);
	assert_string_equal(sha,
			    "fe189ec6006e0f7d7dfb76c9d9ac1750015d26b7ca9e21978f163c70a4a6a0af");
	json_t *inv = json_object_get(r, "inventory");
	assert_string_equal(json_string_value(json_object_get(inv, "sha256")), sha);
	assert_int_equal(json_integer_value(json_object_get(inv, "count")), 851);
	assert_int_equal(json_array_size(packages(r)), 851);
	json_decref(r);

	/* key order inside the report's packages does not change the hash */
	r = copy();
	json_t *pk = packages(r), *p;
	size_t i;
	json_array_foreach(pk, i, p)
	{
		json_t *name = json_incref(json_object_get(p, "name"));
		json_object_del(p, "name");
		json_object_set_new(p, "name", name); /* now last instead of first */
	}
	char sha2[65];
	assert_int_equal(report_to_wire(r, NULL, sha2, &e), 0);
	assert_string_equal(sha, sha2);
	json_decref(r);
}

static void test_omitted_only_when_known(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	char sha[65], sha2[65];
	json_t *r = copy();
	assert_int_equal(
	    report_to_wire(r, "0000000000000000000000000000000000000000000000000000000000000000",
			   sha, &e),
	    0);
	json_t *pk = json_object_get(json_object_get(r, "facts"), "software.packages");
	assert_non_null(json_object_get(pk, "value"));
	assert_null(json_object_get(pk, "omitted"));
	json_decref(r);

	r = copy();
	assert_int_equal(report_to_wire(r, sha, sha2, &e), 0);
	assert_string_equal(sha, sha2);
	pk = json_object_get(json_object_get(r, "facts"), "software.packages");
	assert_null(json_object_get(pk, "value"));
	assert_string_equal(json_string_value(json_object_get(pk, "omitted")), "inventory");
	/* source and note stay */
	const json_t *orig = json_object_get(json_object_get(real, "facts"), "software.packages");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)orig, k, v)
	{
		if (strcmp(k, "value"))
			assert_true(json_equal(v, json_object_get(pk, k)));
	}
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(r, "inventory"), "count")), 851);
	/* again on the wire form: no list to hash, the inventory it names stays */
	char sha3[65];
	json_t *before = json_deep_copy(r);
	assert_int_equal(report_to_wire(r, sha, sha3, &e), 0);
	assert_string_equal(sha3, "");
	assert_true(json_equal(before, r));
	json_decref(before);
	json_decref(r);

	/* no package list at all */
	r = copy();
	json_object_del(json_object_get(r, "facts"), "software.packages");
	assert_int_equal(report_to_wire(r, sha, sha3, &e), 0);
	assert_string_equal(sha3, "");
	assert_null(json_object_get(r, "inventory"));
	json_decref(r);
}

static void test_not_a_report(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "[]",
	    "{\"schema_version\":1,\"report_id\":\"ab\",\"findings\":[],\"facts\":{}}",
	    "{\"schema_version\":2,\"findings\":[],\"facts\":{}}",
	    "{\"schema_version\":2,\"report_id\":\"../../etc/x\",\"findings\":[],\"facts\":{}}",
	    "{\"schema_version\":2,\"report_id\":\"\",\"findings\":[],\"facts\":{}}",
	    "{\"schema_version\":2,\"report_id\":\"ab\",\"findings\":{},\"facts\":{}}",
	    "{\"schema_version\":2,\"report_id\":\"ab\",\"findings\":[],\"facts\":[]}",
	    "{\"schema_version\":2,\"report_id\":\"ab\",\"findings\":[],\"facts\":{\"x\":1}}",
	    "{\"schema_version\":2,\"report_id\":\"ab\",\"findings\":[1],\"facts\":{}}",
	    "{\"schema_version\":2,\"report_id\":\"ab\",\"findings\":[{\"title\":\"t\","
	    "\"evidence\":{}}],\"facts\":{}}",
	    "{\"schema_version\":2,\"report_id\":\"ab\",\"findings\":[{\"title\":\"t\","
	    "\"evidence\":[2]}],\"facts\":{}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = json_loads(bad[i], 0, NULL);
		assert_non_null(j);
		json_t *before = json_deep_copy(j);
		struct errbuf e = {{0}};
		char sha[65] = "untouched";
		assert_int_equal(report_to_wire(j, NULL, sha, &e), MAMORI_EPARSE);
		assert_true(e.msg[0] != '\0');
		assert_string_equal(sha, "untouched");
		assert_true(json_equal(before, j)); /* a failing call changes nothing */
		json_decref(before);
		json_decref(j);
	}
	/* the smallest report that is one */
	json_t *j = json_loads("{\"schema_version\":2,\"report_id\":\"ab-1_C\",\"findings\":[{"
			       "\"title\":\"t\",\"evidence\":[{\"fact\":\"f\",\"value\":1}]}],"
			       "\"facts\":{\"f\":{\"value\":1}}}",
			       0, NULL);
	struct errbuf e = {{0}};
	char sha[65];
	assert_int_equal(report_to_wire(j, NULL, sha, &e), 0);
	json_t *want =
	    json_loads("{\"schema_version\":2,\"report_id\":\"ab-1_C\",\"findings\":[{"
		       "\"evidence\":[{\"fact\":\"f\"}]}],\"facts\":{\"f\":{\"value\":1}}}",
		       0, NULL);
	assert_true(json_equal(want, j));
	json_decref(want);
	json_decref(j);
}

static size_t dumped_size(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	assert_non_null(s);
	size_t n = strlen(s);
	free(s);
	return n;
}

static void test_sizes(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	char sha[65], sha2[65];
	json_t *first = copy(), *later = copy();
	assert_int_equal(report_to_wire(first, NULL, sha, &e), 0);
	assert_int_equal(report_to_wire(later, sha, sha2, &e), 0);
	size_t full = dumped_size(real), w1 = dumped_size(first), w2 = dumped_size(later);
	printf("report: %zu bytes; on the wire %zu with the package list, %zu without\n", full, w1,
	       w2);
	assert_true(w1 < full);
	assert_true(w2 * 4 < full); /* the point of the wire form */
	json_decref(first);
	json_decref(later);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_texts_gone_shape_kept),
	    cmocka_unit_test(test_evidence_dedup),
	    cmocka_unit_test(test_inventory_hash),
	    cmocka_unit_test(test_omitted_only_when_known),
	    cmocka_unit_test(test_not_a_report),
	    cmocka_unit_test(test_sizes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
