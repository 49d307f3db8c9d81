/* SPDX-License-Identifier: Apache-2.0 */
/* The shared pieces: numbers, dates, the bounded buffer, facts, language choice, and the
 * probes' shared parsers (INI, KEY=value, /proc/net tables, dpkg stanzas). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/i18n.h"
#include "probes/linux/common.h"

static void test_numbers(void **state)
{
	(void)state;
	long long v = 0;
	const char *err;
	assert_int_equal(str_to_ll("42", 0, 100, &v, &err), 0);
	assert_int_equal(v, 42);
	assert_int_equal(str_to_ll("-7", -10, 10, &v, &err), 0);
	assert_int_equal(v, -7);
	assert_int_not_equal(str_to_ll("101", 0, 100, &v, &err), 0);
	assert_string_equal(err, "too large");
	assert_int_not_equal(str_to_ll("-1", 0, 100, &v, &err), 0);
	assert_string_equal(err, "too small");
	assert_int_not_equal(str_to_ll("12a", 0, 100, &v, &err), 0);
	assert_int_not_equal(str_to_ll("", 0, 100, &v, &err), 0);
	assert_int_not_equal(str_to_ll("-", 0, 100, &v, &err), 0);
	assert_int_not_equal(str_to_ll("99999999999999999999", 0, 100, &v, &err), 0);
	assert_int_equal(str_to_ll("-9223372036854775808", -9223372036854775807LL - 1, 0, &v, &err), 0);
	assert_int_equal(v, -9223372036854775807LL - 1);
	assert_int_equal(v, -9223372036854775807LL - 1); /* untouched on the failures above */
}

static void test_dates(void **state)
{
	(void)state;
	long long t;
	char out[16];
	assert_int_equal(parse_date("2026-07-11", &t), 0);
	assert_int_equal(t, 1783728000LL);
	format_date(t, out, sizeof(out));
	assert_string_equal(out, "2026-07-11");
	assert_int_equal(parse_date("1970-01-01", &t), 0);
	assert_int_equal(t, 0);
	format_date(951782400LL, out, sizeof(out)); /* leap day */
	assert_string_equal(out, "2000-02-29");
	assert_int_not_equal(parse_date("2026-13-01", &t), 0);
	assert_int_not_equal(parse_date("2026-1-01", &t), 0);
	assert_int_not_equal(parse_date("yesterday!", &t), 0);
}

static void test_buf(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "abcd"), 0);
	assert_int_equal(buf_printf(&b, "%d", 123), 0);
	assert_string_equal(b.data, "abcd123");
	/* passing the maximum frees the buffer and says so */
	assert_int_equal(buf_adds(&b, "xy"), MAMORI_ETOOBIG);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	buf_init(&b, 100);
	assert_int_equal(buf_add_html(&b, "<a href=\"x\">&'</a>"), 0);
	assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
	char *s = buf_take(&b);
	assert_null(b.data);
	free(s);
	buf_free(&b);
}

static void test_facts(void **state)
{
	(void)state;
	struct facts *f = facts_new();
	assert_int_equal(facts_put_int(f, "b.x", 1, "/etc/x", 3, "default"), 0);
	assert_int_equal(facts_put_bool(f, "a.y", true, NULL, 0, NULL), 0);
	assert_int_equal(facts_put_unknown(f, "c.z", "/etc/z", 9, "malformed line %d", 9), 0);
	assert_int_equal(facts_put_int(f, "b.x", 2, "/etc/x", 4, NULL), 0); /* replaces */
	assert_int_equal(facts_count(f), 3);
	assert_string_equal(facts_at(f, 0)->name, "a.y"); /* sorted */
	const struct fact *x = facts_get(f, "b.x");
	assert_int_equal(json_integer_value(x->value), 2);
	assert_int_equal(x->line, 4);
	assert_null(x->note);
	assert_null(facts_get(f, "nope"));
	assert_null(facts_get(f, "c.z")->value);
	assert_string_equal(facts_get(f, "c.z")->reason, "malformed line 9");
	/* round trip through JSON */
	json_t *j = facts_to_json(f);
	struct facts *g = facts_new();
	struct errbuf e;
	assert_int_equal(facts_from_json(g, j, &e), 0);
	assert_int_equal(facts_count(g), 3);
	assert_string_equal(facts_get(g, "c.z")->reason, "malformed line 9");
	assert_int_equal(facts_get(g, "b.x")->line, 4);
	json_decref(j);
	json_t *badj = json_pack("{s:{s:i}}", "x.y", "line", 3);
	assert_int_not_equal(facts_from_json(g, badj, &e), 0);
	json_decref(badj);
	facts_free(g);
	/* bytes that are not UTF-8 (an SSID, a file name) are reported, not dropped */
	assert_int_equal(facts_put_str(f, "w.ssid", "caf\xe9-\xe3\x81\x82", "/etc/x\xff", 1, NULL), 0);
	assert_string_equal(json_string_value(facts_get(f, "w.ssid")->value),
			    "caf\xef\xbf\xbd-\xe3\x81\x82");
	json_t *one = fact_to_json(facts_get(f, "w.ssid"));
	assert_non_null(one);
	assert_string_equal(json_string_value(json_object_get(one, "source")), "/etc/x\xef\xbf\xbd");
	json_decref(one);
	facts_free(f);
	facts_free(NULL);
}

static void test_lang(void **state)
{
	(void)state;
	assert_string_equal(lang_from_env(NULL, NULL, "ja_JP.UTF-8"), "ja");
	assert_string_equal(lang_from_env(NULL, NULL, "en_US.UTF-8"), "en");
	assert_string_equal(lang_from_env(NULL, NULL, NULL), "en");
	assert_string_equal(lang_from_env("C", NULL, "ja_JP.UTF-8"), "en"); /* LC_ALL wins */
	assert_string_equal(lang_from_env("", "ja_JP.UTF-8", "en_US"), "ja");
	assert_string_equal(lang_from_env(NULL, NULL, "jazz"), "en");
	assert_string_equal(msg("ja", M_FIX), "対処方法");
	assert_string_equal(topic_label("en", "wifi"), "Wi-Fi");
}

struct kv {
	char s[64][3][128];
	int line[64];
	int n;
};

static int ini_collect(const char *sec, const char *k, const char *v, int line, void *ud)
{
	struct kv *c = ud;
	if (c->n >= 64)
		return 1;
	snprintf(c->s[c->n][0], 128, "%s", sec);
	snprintf(c->s[c->n][1], 128, "%s", k);
	snprintf(c->s[c->n][2], 128, "%s", v);
	c->line[c->n++] = line;
	return 0;
}

static int kv_collect(const char *k, const char *v, int line, void *ud)
{
	return ini_collect("", k, v, line, ud);
}

static void test_ini(void **state)
{
	(void)state;
	static const char txt[] = "# comment\n; also\nglobal = 1\n[wifi-security]\n"
				  "key-mgmt=wpa-psk\n  psk = a = b  \n\n[ x y ]\nk=\n";
	struct kv c = {0};
	int bad = 0;
	assert_int_equal(ini_parse(txt, strlen(txt), ini_collect, &c, &bad), 0);
	assert_int_equal(c.n, 4);
	assert_string_equal(c.s[0][0], "");
	assert_string_equal(c.s[0][1], "global");
	assert_string_equal(c.s[1][0], "wifi-security");
	assert_string_equal(c.s[2][1], "psk");
	assert_string_equal(c.s[2][2], "a = b");
	assert_int_equal(c.line[2], 6);
	assert_string_equal(c.s[3][0], "x y");
	assert_string_equal(c.s[3][2], "");
	static const char broken[] = "[ok]\na=1\nno equals sign\n";
	memset(&c, 0, sizeof(c));
	assert_int_equal(ini_parse(broken, strlen(broken), ini_collect, &c, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 3);
	assert_int_equal(ini_parse("[unclosed\n", 10, ini_collect, &c, &bad), MAMORI_EPARSE);
}

static void test_kv(void **state)
{
	(void)state;
	static const char txt[] = "NAME=\"Debian GNU/Linux\"\nVERSION_ID='12'\n# c\n"
				  "PRETTY=a\\ b # trailing\nEMPTY=\nQ=\"say \\\"hi\\\"\"\n";
	struct kv c = {0};
	int bad = 0;
	assert_int_equal(kv_parse(txt, strlen(txt), kv_collect, &c, &bad), 0);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.s[0][2], "Debian GNU/Linux");
	assert_string_equal(c.s[1][2], "12");
	assert_string_equal(c.s[2][2], "a b");
	assert_string_equal(c.s[3][2], "");
	assert_string_equal(c.s[4][2], "say \"hi\"");
	assert_int_equal(kv_parse("X=\"open\n", 8, kv_collect, &c, &bad), MAMORI_EPARSE);
	assert_int_equal(kv_parse("ok=1\nbad line\n", 14, kv_collect, &c, &bad), MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	assert_int_equal(kv_parse("=x\n", 3, kv_collect, &c, &bad), MAMORI_EPARSE);
}

static void test_proc_net(void **state)
{
	(void)state;
	static const char tcp[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"
		"   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n"
		"   1: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 2\n"
		"   2: 0100007F:0016 0100007F:C350 01 00000000:00000000 00:00000000 00000000 0 0 3\n"
		"   3: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 4\n";
	struct listener *ls = NULL;
	size_t n = 0;
	int bad = 0;
	assert_int_equal(proc_net_parse(tcp, strlen(tcp), "tcp", false, &ls, &n, &bad), 0);
	assert_int_equal(n, 2); /* the established one is not a listener; duplicates merged */
	assert_int_equal(ls[0].port, 22);
	assert_true(ls[0].any_address);
	assert_string_equal(ls[0].addr, "0.0.0.0");
	assert_int_equal(ls[1].port, 631);
	assert_true(ls[1].loopback);
	assert_string_equal(ls[1].addr, "127.0.0.1");
	free(ls);
	static const char tcp6[] =
		"  sl  local_address                         remote_address\n"
		"   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A x\n"
		"   1: 00000000000000000000000000000000:01BD 00000000000000000000000000000000:0000 0A x\n";
	ls = NULL;
	n = 0;
	assert_int_equal(proc_net_parse(tcp6, strlen(tcp6), "tcp", true, &ls, &n, &bad), 0);
	assert_int_equal(n, 2);
	assert_true(ls[0].loopback);
	assert_string_equal(ls[0].addr, "0:0:0:0:0:0:0:1");
	assert_true(ls[1].any_address);
	assert_string_equal(ls[1].addr, "::");
	free(ls);
	static const char udp[] =
		"  sl  local_address rem_address   st\n"
		"  1: 00000000:14E9 00000000:0000 07 00000000:00000000\n"
		"  2: 0A00000A:0035 0100000A:0035 01 00000000:00000000\n";
	ls = NULL;
	n = 0;
	assert_int_equal(proc_net_parse(udp, strlen(udp), "udp", false, &ls, &n, &bad), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ls[0].port, 5353);
	free(ls);
	static const char broken[] = "header\n   0: ZZZZZZZZ:0016 00000000:0000 0A\n";
	ls = NULL;
	n = 0;
	assert_int_equal(proc_net_parse(broken, strlen(broken), "tcp", false, &ls, &n, &bad),
			 MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	free(ls);
}

struct stanzas {
	char pkg[8][64], ver[8][64], status[8][64], source[8][64];
	int line[8];
	int n;
};

static int stanza_collect(const struct deb_stanza *st, void *ud)
{
	struct stanzas *s = ud;
	if (s->n >= 8)
		return 1;
	snprintf(s->pkg[s->n], 64, "%s", st->package);
	snprintf(s->ver[s->n], 64, "%s", st->version ? st->version : "");
	snprintf(s->status[s->n], 64, "%s", st->status ? st->status : "");
	snprintf(s->source[s->n], 64, "%s", st->source ? st->source : "");
	s->line[s->n++] = st->line;
	return 0;
}

static void test_deb_stanzas(void **state)
{
	(void)state;
	static const char txt[] = "Package: a\nStatus: install ok installed\nVersion: 1.0\n"
				  "Description: x\n multi\n line\n\n\n"
				  "Package: b\nSource: bsrc (2.0)\nVersion: 2.0-1\n";
	struct stanzas s = {0};
	int bad = 0;
	assert_int_equal(deb_stanzas_parse(txt, strlen(txt), stanza_collect, &s, &bad), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.pkg[0], "a");
	assert_string_equal(s.status[0], "install ok installed");
	assert_string_equal(s.pkg[1], "b");
	assert_string_equal(s.source[1], "bsrc (2.0)");
	assert_int_equal(s.line[1], 9);
	assert_int_equal(deb_stanzas_parse("Package: x\nno colon here\n", 25, stanza_collect, &s, &bad),
			 MAMORI_EPARSE);
	assert_int_equal(bad, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers), cmocka_unit_test(test_dates),
		cmocka_unit_test(test_buf),     cmocka_unit_test(test_facts),
		cmocka_unit_test(test_lang),    cmocka_unit_test(test_ini),
		cmocka_unit_test(test_kv),      cmocka_unit_test(test_proc_net),
		cmocka_unit_test(test_deb_stanzas),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
