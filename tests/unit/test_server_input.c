/* SPDX-License-Identifier: Apache-2.0 */
/* What mamorid reads from outside: reports (report_in), its configuration, durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/report_wire.h"
#include "server/config.h"
#include "server/report_in.h"

#define ID "0123456789abcdef0123456789abcdef"
#define FINDING(check, topic, status)                                                              \
	"{\"check\":\"" check "\",\"topic\":\"" topic "\",\"severity\":\"high\",\"status\":\"" status "\"}"

static const char good[] =
	"{\"schema_version\":2,\"report_id\":\"" ID "\",\"generated_at\":\"2026-11-23T09:00:00Z\","
	"\"host\":{\"hostname\":\"pc-042\",\"os\":\"Debian GNU/Linux 12 (bookworm)\"},"
	"\"facts\":{\"os.version_id\":{\"value\":\"12\"},\"host.serial_number\":{\"unknown\":\"x\"},"
	"\"patch.security_pending_count\":{\"value\":4},\"software.package_count\":{\"value\":800}},"
	"\"findings\":[" FINDING("fw-on", "firewall", "pass") "," FINDING("ssh-root", "ssh", "fail") ","
	FINDING("av-on", "antivirus", "unknown") "," FINDING("wifi-wpa", "wifi", "not_applicable") "]}";

static int parse(const char *s, struct report_in *in, struct errbuf *e)
{
	return report_in_parse(s, strlen(s), in, e);
}

static void test_good_report(void **state)
{
	(void)state;
	struct report_in in;
	struct errbuf e;
	assert_int_equal(parse(good, &in, &e), 0);
	assert_string_equal(in.rep.report_id, ID);
	assert_string_equal(in.rep.hostname, "pc-042");
	assert_string_equal(in.rep.os_name, "Debian GNU/Linux 12 (bookworm)");
	assert_string_equal(in.rep.os_version, "12");
	assert_null(in.rep.serial_number); /* unknown facts are left out, not refused */
	assert_int_equal(in.rep.security_updates_pending, 4);
	assert_int_equal(in.rep.package_count, 800);
	assert_int_equal(in.rep.generated_at, 1795424400);
	assert_int_equal(in.rep.n_findings, 4);
	assert_int_equal(in.rep.n_pass, 1);
	assert_int_equal(in.rep.n_fail, 1);
	assert_int_equal(in.rep.n_unknown, 1);
	assert_int_equal(in.rep.n_not_applicable, 1);
	assert_string_equal(in.rep.status, "fail");
	assert_null(in.rep.inventory_sha256);
	report_in_free(&in);
}

/* Replaces the first occurrence of from in good with to. */
static char *variant(const char *from, const char *to)
{
	const char *at = strstr(good, from);
	assert_non_null(at);
	size_t n = strlen(good) - strlen(from) + strlen(to) + 1;
	char *s = malloc(n);
	assert_non_null(s);
	snprintf(s, n, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	return s;
}

static void expect(const char *from, const char *to, int code, const char *msg)
{
	char *s = variant(from, to);
	struct report_in in;
	struct errbuf e = {{0}};
	int r = parse(s, &in, &e);
	if (r != code || strstr(e.msg, msg) == NULL)
		fail_msg("%s -> %s: got %d \"%s\", expected %d \"%s\"", from, to, r, e.msg, code, msg);
	assert_null(in.root);
	free(s);
}

static void test_refused(void **state)
{
	(void)state;
	expect("\"schema_version\":2", "\"schema_version\":1", MAMORI_EINVAL, "schema_version");
	expect(ID, "0123", MAMORI_EINVAL, "report_id");
	expect(ID, "0123456789ABCDEF0123456789ABCDEF", MAMORI_EINVAL, "report_id");
	expect("2026-11-23T09:00:00Z", "yesterday", MAMORI_EINVAL, "generated_at");
	expect("2026-11-23T09:00:00Z", "2026-13-23T09:00:00Z", MAMORI_EINVAL, "generated_at");
	expect("\"pc-042\"", "\"\"", MAMORI_EINVAL, "host.hostname");
	expect("\"pc-042\"", "\"pc\\n042\"", MAMORI_EINVAL, "host.hostname");
	expect("\"pc-042\"", "42", MAMORI_EINVAL, "host.hostname");
	expect("\"os.version_id\":{\"value\":\"12\"}", "\"os.version_id\":{\"value\":\"12\",\"value\":\"13\"}",
	       MAMORI_EINVAL, "os.version_id");
	expect("\"os.version_id\":{\"value\":\"12\"}", "\"os.version_id\":\"12\"", MAMORI_EINVAL, "os.version_id");
	expect("\"status\":\"pass\"", "\"status\":\"maybe\"", MAMORI_EINVAL, "unknown status");
	expect("\"severity\":\"high\"", "\"severity\":\"urgent\"", MAMORI_EINVAL, "unknown severity");
	expect("\"check\":\"fw-on\"", "\"check\":\"FW ON\"", MAMORI_EINVAL, "check or topic");
	expect("\"check\":\"av-on\"", "\"check\":\"fw-on\"", MAMORI_EINVAL, "appears twice");
	expect("\"findings\":[", "\"findings\":{\"a\":[", MAMORI_EPARSE, "malformed JSON");
	expect("\"findings\":[", "\"x\":1,\"findings\":5,\"y\":[", MAMORI_EINVAL, "findings");
	expect("\"facts\":{", "\"facts\":[{", MAMORI_EPARSE, "malformed");
	expect("{\"schema_version\"", "[{\"schema_version\"", MAMORI_EPARSE, "malformed");
	expect("\"report_id\"", "\"schema_version\":2,\"report_id\"", MAMORI_EINVAL, "appears twice");
	expect("\"os.version_id\"", "\"os.id\":{},\"os.id\"", MAMORI_EINVAL, "fact \"os.id\" appears twice");
}

static void test_hostile_shapes(void **state)
{
	(void)state;
	struct report_in in;
	struct errbuf e;
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_int_equal(report_in_parse(deep, sizeof deep, &in, &e), MAMORI_EPARSE);
	assert_non_null(strstr(e.msg, "deeper"));
	/* Brackets inside strings do not count as nesting. */
	char *s = variant("\"pc-042\"", "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"");
	assert_int_equal(parse(s, &in, &e), 0);
	report_in_free(&in);
	free(s);
	assert_int_equal(report_in_parse("", 0, &in, &e), MAMORI_EPARSE);
	assert_int_equal(report_in_parse("{\"a\":\"\\u0000\"}", 13, &in, &e), MAMORI_EPARSE);
	assert_int_equal(report_in_parse("{\"a\":\"\xff\"}", 8, &in, &e), MAMORI_EPARSE);
	assert_non_null(strstr(e.msg, "UTF-8"));
	assert_int_equal(report_in_parse("{} x", 4, &in, &e), MAMORI_EPARSE);
	assert_int_equal(report_in_parse("{\"a\":\"x\x01y\"}", 10, &in, &e), MAMORI_EPARSE);
	assert_non_null(strstr(e.msg, "control character"));
	/* Escapes are decoded: a host name with an accent. */
	s = variant("\"pc-042\"", "\"pc-\\u00e9\"");
	assert_int_equal(parse(s, &in, &e), 0);
	assert_string_equal(in.rep.hostname, "pc-\xc3\xa9");
	report_in_free(&in);
	free(s);
	/* Too many findings. */
	size_t n = 1100, cap = n * 96 + 512;
	char *big = malloc(cap);
	size_t o = (size_t)snprintf(big, cap, "{\"schema_version\":2,\"report_id\":\"" ID "\","
				   "\"generated_at\":\"2026-11-23T09:00:00Z\",\"host\":{\"hostname\":\"h\"},\"findings\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(big + o, cap - o, "%s{\"check\":\"c%zu\",\"topic\":\"t\",\"severity\":\"low\",\"status\":\"pass\"}",
				      i ? "," : "", i);
	snprintf(big + o, cap - o, "]}");
	assert_int_equal(parse(big, &in, &e), MAMORI_EINVAL);
	assert_non_null(strstr(e.msg, "1024"));
	free(big);
}

static void test_inventory(void **state)
{
	(void)state;
	json_t *pk = json_loads("[{\"name\":\"openssh-server\",\"version\":\"1:9.2p1-2\"},{\"name\":\"bash\",\"version\":\"5.2\"}]", 0, NULL);
	char sha[65];
	struct errbuf e;
	assert_int_equal(inventory_sha256(pk, sha, &e), 0);
	char *list = json_dumps(pk, JSON_COMPACT);
	char facts[1024], inv[200];
	snprintf(facts, sizeof facts, "\"facts\":{\"software.packages\":{\"value\":%s},", list);
	snprintf(inv, sizeof inv, "\"inventory\":{\"sha256\":\"%s\",\"count\":2},\"findings\":[", sha);
	char *a = variant("\"facts\":{", facts);
	const char *at = strstr(a, "\"findings\":[");
	size_t n = strlen(a) + strlen(inv) + 1;
	char *s = malloc(n);
	snprintf(s, n, "%.*s%s%s", (int)(at - a), a, inv, at + strlen("\"findings\":["));
	struct report_in in;
	assert_int_equal(parse(s, &in, &e), 0);
	assert_string_equal(in.rep.inventory_sha256, sha);
	assert_non_null(in.rep.inventory_json);
	assert_int_equal(in.rep.package_count, 2);
	report_in_free(&in);
	/* A list that does not match its hash is refused. */
	s[strstr(s, "bash") - s] = 'd';
	assert_int_equal(parse(s, &in, &e), MAMORI_EINVAL);
	assert_non_null(strstr(e.msg, "does not match"));
	/* A list without "inventory" is refused too. */
	assert_int_equal(parse(a, &in, &e), MAMORI_EINVAL);
	free(s);
	free(a);
	free(list);
	json_decref(pk);
}

static void test_config(void **state)
{
	(void)state;
	struct server_config c;
	struct errbuf e;
	assert_int_equal(config_init(&c, &e), 0);
	assert_string_equal(c.listen, "0.0.0.0:8443");
	assert_int_equal(c.max_report_bytes, 4 << 20);
	const char yaml[] = "listen: \"127.0.0.1:9443\"\ndb: postgresql://m@db/mamori\ntls:\n  ca_cert: /x/ca.crt\n"
			    "server_names: [a.example, 10.0.0.1]\ntoken_ttl: 2h\nmetrics_public: false\n"
			    "log_format: text\nmax_report_bytes: 65536\n";
	assert_int_equal(config_load(&c, "t.yaml", yaml, sizeof yaml - 1, &e), 0);
	assert_string_equal(c.listen, "127.0.0.1:9443");
	assert_string_equal(c.db, "postgresql://m@db/mamori");
	assert_string_equal(c.ca_cert, "/x/ca.crt");
	assert_int_equal(c.n_server_names, 2);
	assert_int_equal(c.token_ttl, 7200);
	assert_false(c.metrics_public);
	assert_int_equal(c.log_format, LOG_TEXT);
	assert_int_equal(c.max_report_bytes, 65536);
	const char *bad[][2] = {{"lissten: x\n", "t.yaml:1"},
				{"max_report_bytes: 10\n", "max_report_bytes"},
				{"token_ttl: forever\n", "token_ttl"},
				{"metrics_public: maybe\n", "metrics_public"},
				{"log_format: xml\n", "log_format"},
				{"tls: {ca: x}\n", "ca"},
				{"- a\n", "mapping"}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		e.msg[0] = '\0';
		if (config_load(&c, "t.yaml", bad[i][0], strlen(bad[i][0]), &e) == 0 || strstr(e.msg, bad[i][1]) == NULL)
			fail_msg("%s: \"%s\"", bad[i][0], e.msg);
	}
	config_free(&c);
}

static void test_duration(void **state)
{
	(void)state;
	long long v;
	struct errbuf e;
	assert_int_equal(parse_duration("90s", CONFIG_DURATION_MAX, &v, &e), 0);
	assert_int_equal(v, 90);
	assert_int_equal(parse_duration("15m", CONFIG_DURATION_MAX, &v, &e), 0);
	assert_int_equal(v, 900);
	assert_int_equal(parse_duration("24h", CONFIG_DURATION_MAX, &v, &e), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(parse_duration("7d", CONFIG_DURATION_MAX, &v, &e), 0);
	assert_int_equal(v, 7 * 86400);
	assert_int_equal(parse_duration("30", CONFIG_DURATION_MAX, &v, &e), 0);
	assert_int_equal(v, 30);
	const char *bad[] = {"", "h", "0s", "-1h", "1w", "1.5h", "99999999999d", " 1h"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (parse_duration(bad[i], CONFIG_DURATION_MAX, &v, &e) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_report), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_hostile_shapes), cmocka_unit_test(test_inventory),
		cmocka_unit_test(test_config), cmocka_unit_test(test_duration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
