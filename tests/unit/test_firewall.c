/* SPDX-License-Identifier: Apache-2.0 */
/* The firewall family's parsers: nft JSON, nftables scripts, iptables-save, firewalld zones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/firewall.h"

#define CHAIN(fam, tab, name, extra)                                                               \
	"{\"chain\":{\"family\":\"" fam "\",\"table\":\"" tab "\",\"name\":\"" name "\"" extra "}" \
											       "}"
#define BASE(policy) ",\"type\":\"filter\",\"hook\":\"input\",\"prio\":0,\"policy\":\"" policy "\""
#define RULE(fam, tab, chain, expr)                                                                \
	"{\"rule\":{\"family\":\"" fam "\",\"table\":\"" tab "\",\"chain\":\"" chain               \
	"\",\"expr\":[" expr "]}}"
#define MATCH                                                                                      \
	"{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"iifname\"}},\"right\":\"lo\"}}"

static int parse(const char *s, struct fw_summary *out)
{
	char why[256];
	return fw_nft_json_parse(s, strlen(s), out, why, sizeof(why));
}

static void test_inet_policy_drop(void **state)
{
	(void)state;
	struct fw_summary s;
	assert_int_equal(
	    parse("{\"nftables\":[" CHAIN("inet", "filter", "input", BASE("drop")) "," RULE(
		      "inet", "filter", "input", MATCH ",{\"accept\":null}") "]}",
		  &s),
	    0);
	assert_true(s.v4.deny && s.v6.deny && s.v4.filtered);
	assert_string_equal(s.v4.chain, "inet filter input");
	assert_string_equal(s.backend, "nftables");
}

static void test_empty_ruleset(void **state)
{
	(void)state;
	struct fw_summary s;
	assert_int_equal(parse("{\"nftables\":[{\"metainfo\":{\"version\":\"1.0.6\"}}]}", &s), 0);
	assert_false(s.v4.filtered || s.v6.filtered || s.v4.deny || s.v6.deny);
	assert_string_equal(s.backend, "none");
}

static void test_accept_all_chain_is_not_filtering(void **state)
{
	(void)state;
	struct fw_summary s;
	assert_int_equal(
	    parse("{\"nftables\":[" CHAIN("ip", "filter", "INPUT", BASE("accept")) "]}", &s), 0);
	assert_false(s.v4.filtered);
	assert_false(s.v4.deny);
}

static void test_ipv4_only(void **state)
{
	(void)state;
	struct fw_summary s;
	assert_int_equal(
	    parse("{\"nftables\":[" CHAIN("ip", "filter", "INPUT", BASE("drop")) "]}", &s), 0);
	assert_true(s.v4.deny);
	assert_false(s.v6.deny);
	assert_string_equal(s.backend, "iptables-nft");
}

static void test_unconditional_accept_defeats_policy(void **state)
{
	(void)state;
	struct fw_summary s;
	assert_int_equal(parse("{\"nftables\":[" CHAIN("inet", "f", "in", BASE("drop")) "," RULE(
				   "inet", "f", "in", "{\"counter\":null},{\"accept\":null}") "]}",
			       &s),
			 0);
	assert_false(s.v4.deny);
	assert_true(s.v4.filtered);
}

static void test_last_rule_reject_and_jumps(void **state)
{
	(void)state;
	struct fw_summary s;
	/* policy accept, jump to a chain that falls through, then an unconditional reject */
	const char *js =
	    "{\"nftables\":[" CHAIN("inet", "fw", "in", BASE("accept")) "," CHAIN(
		"inet",
		"fw", "zones", "") "," CHAIN("inet", "fw",
					     "pub", "") "," RULE("inet", "fw", "in",
								 "{\"jump\":{\"target\":\"zones\"}"
								 "}") "," RULE("inet", "fw", "in",
									       "{\"reject\":{"
									       "\"type\":\"icmpx\"}"
									       "}") "," RULE("inet",
											     "fw",
											     "zone"
											     "s",
											     "{\"go"
											     "to\":"
											     "{\"ta"
											     "rget"
											     "\":"
											     "\"pub"
											     "\"}}") "," RULE("inet",
													      "fw",
													      "pub",
													      MATCH
													      ",{\"accept\":null}") "]}";
	assert_int_equal(parse(js, &s), 0);
	assert_true(s.v4.deny && s.v6.deny);
	/* the same with an accept-all zone chain */
	const char *js2 =
	    "{\"nftables\":[" CHAIN("inet", "fw", "in", BASE("accept")) "," CHAIN("inet", "fw", "zones", "") "," CHAIN("inet", "fw", "trusted", "") "," RULE(
		"inet", "fw", "in",
		"{\"jump\":{\"target\":\"zones\"}}") "," RULE("inet", "fw", "in",
							      "{\"reject\":null}") "," RULE("inet",
											    "fw",
											    "zones",
											    "{\"got"
											    "o\":{"
											    "\"targ"
											    "et\":"
											    "\"trus"
											    "ted\"}"
											    "}") "," RULE("inet",
													  "fw",
													  "trusted",
													  "{\"accept\":null}") "]}";
	assert_int_equal(parse(js2, &s), 0);
	assert_false(s.v4.deny);
}

static void test_jump_loop_terminates(void **state)
{
	(void)state;
	struct fw_summary s;
	const char *js = "{\"nftables\":[" CHAIN("inet", "t", "in", BASE("drop")) "," CHAIN(
	    "inet", "t", "a",
	    "") "," CHAIN("inet", "t", "b",
			  "") "," RULE("inet", "t", "in",
				       "{\"jump\":{\"target\":\"a\"}}") "," RULE("inet", "t", "a",
										 "{\"jump\":{"
										 "\"target\":\"b\"}"
										 "}") "," RULE("ine"
											       "t",
											       "t",
											       "b",
											       "{\""
											       "jum"
											       "p\""
											       ":{"
											       "\"t"
											       "arg"
											       "et"
											       "\":"
											       "\"a"
											       "\"}"
											       "}") "]}";
	assert_int_equal(parse(js, &s), 0);
	assert_false(s.v4.deny); /* a loop proves nothing */
}

static void test_malformed_json(void **state)
{
	(void)state;
	struct fw_summary s;
	char why[256];
	const char *bad[] = {"",
			     "{",
			     "[]",
			     "{\"nftables\":{}}",
			     "{\"nftables\":[1]}",
			     "{\"nftables\":[{\"chain\":{\"family\":\"inet\"}}]}",
			     ("{\"nftables\":[{\"rule\":{\"family\":\"inet\",\"table\":\"t\","
			      "\"chain\":\"nope\",\"expr\":[]}}]}")};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fw_nft_json_parse(bad[i], strlen(bad[i]), &s, why, sizeof(why)),
				 MAMORI_EPARSE);
	assert_int_equal(parse("{", &s), MAMORI_EPARSE);
	assert_int_equal(fw_nft_json_parse("{", FW_NFT_JSON_MAX + 1, &s, why, sizeof(why)),
			 MAMORI_ETOOBIG);
}

static int no_include(const char *path, int line, void *ud)
{
	(void)line;
	*(int *)ud += 1;
	return strcmp(path, "/etc/nftables.d/*.nft") == 0 ? 0 : -99;
}

static void test_nft_conf(void **state)
{
	(void)state;
	const char *conf = "#!/usr/sbin/nft -f\nflush ruleset\n"
			   "define LAN = { 192.168.1.0/24,\n 10.0.0.0/8 }\n"
			   "table inet filter {\n"
			   "  set allowed { type ipv4_addr; elements = { 1.2.3.4 } }\n"
			   "  chain input {\n"
			   "    type filter hook input priority 0; policy drop;\n"
			   "    tcp dport { 22, 80 } accept # web\n"
			   "  }\n"
			   "  chain output { type filter hook output priority 0; }\n"
			   "}\n"
			   "include \"/etc/nftables.d/*.nft\"\n";
	struct fw_nft_conf c = {0};
	int incs = 0, bad = 0, file, line;
	assert_int_equal(fw_nft_conf_parse(conf, strlen(conf), 0, &c, no_include, &incs, &bad), 0);
	assert_int_equal(incs, 1);
	struct fw_summary s;
	fw_nft_conf_summary(&c, &s, &file, &line);
	assert_true(s.v4.deny && s.v6.deny);
	assert_int_equal(line, 8);
	fw_nft_conf_free(&c);

	/* Debian's stock file: chains without policy or rules filter nothing */
	const char *stock = "table inet filter {\n chain input {\n  type filter hook input "
			    "priority filter;\n }\n}\n";
	assert_int_equal(fw_nft_conf_parse(stock, strlen(stock), 0, &c, NULL, NULL, &bad), 0);
	fw_nft_conf_summary(&c, &s, &file, &line);
	assert_false(s.v4.filtered || s.v4.deny);
	fw_nft_conf_free(&c);

	/* an unconditional accept first, and an ip-only table */
	const char *acc = "table ip t {\n chain i {\n type filter hook input priority 0\n"
			  " policy drop\n counter accept\n drop\n }\n}\n";
	assert_int_equal(fw_nft_conf_parse(acc, strlen(acc), 0, &c, NULL, NULL, &bad), 0);
	fw_nft_conf_summary(&c, &s, &file, &line);
	assert_false(s.v4.deny);
	assert_false(s.v6.filtered);
	fw_nft_conf_free(&c);

	const char *broken[] = {"table inet f {\n chain input {\n", "}\n",
				"table inet f { \"x }\n"};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(
		    fw_nft_conf_parse(broken[i], strlen(broken[i]), 0, &c, NULL, NULL, &bad),
		    MAMORI_EPARSE);
		assert_true(bad >= 1);
		fw_nft_conf_free(&c);
	}
	/* deep nesting is refused, not overflowed */
	char deep[200];
	memset(deep, '{', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	assert_int_equal(fw_nft_conf_parse(deep, strlen(deep), 0, &c, NULL, NULL, &bad),
			 MAMORI_EPARSE);
	fw_nft_conf_free(&c);
}

static void test_iptables_save(void **state)
{
	(void)state;
	bool filtered, deny;
	int line, bad;
	const char *v4 = "*nat\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n*filter\n"
			 ":INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n";
	assert_int_equal(fw_iptables_save_parse(v4, strlen(v4), &filtered, &deny, &line, &bad), 0);
	assert_true(deny && filtered);
	assert_int_equal(line, 6);
	const char *acc = "*filter\n:INPUT DROP [0:0]\n-A INPUT -m comment --comment \"all in\" -j "
			  "ACCEPT\n-A INPUT -j DROP\nCOMMIT\n";
	assert_int_equal(fw_iptables_save_parse(acc, strlen(acc), &filtered, &deny, &line, &bad),
			 0);
	assert_false(deny);
	assert_int_equal(line, 3);
	const char *rej = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n"
			  "-A INPUT -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n";
	assert_int_equal(fw_iptables_save_parse(rej, strlen(rej), &filtered, &deny, &line, &bad),
			 0);
	assert_true(deny);
	const char *broken = "*filter\n:INPUT\nCOMMIT\n";
	assert_int_equal(
	    fw_iptables_save_parse(broken, strlen(broken), &filtered, &deny, &line, &bad),
	    MAMORI_EPARSE);
	assert_int_equal(bad, 2);
	assert_int_equal(fw_iptables_save_parse("garbage\n", 8, &filtered, &deny, &line, &bad),
			 MAMORI_EPARSE);
}

static void test_zone_target(void **state)
{
	(void)state;
	char t[64];
	int line, bad;
	const char *z = "<?xml version=\"1.0\"?>\n<zone version=\"1\" target=\"DROP\">\n</zone>\n";
	assert_int_equal(fw_zone_target_parse(z, strlen(z), t, sizeof(t), &line, &bad), 0);
	assert_string_equal(t, "DROP");
	assert_int_equal(line, 2);
	const char *d = "<zone>\n<short>Public</short>\n</zone>\n";
	assert_int_equal(fw_zone_target_parse(d, strlen(d), t, sizeof(t), &line, &bad), 0);
	assert_string_equal(t, "default");
	const char *n = "<zones target=\"ACCEPT\"/>";
	assert_int_equal(fw_zone_target_parse(n, strlen(n), t, sizeof(t), &line, &bad),
			 MAMORI_EPARSE);
	const char *u = "<zone target=\"ACCEPT>\n";
	assert_int_equal(fw_zone_target_parse(u, strlen(u), t, sizeof(t), &line, &bad),
			 MAMORI_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_inet_policy_drop),
	    cmocka_unit_test(test_empty_ruleset),
	    cmocka_unit_test(test_accept_all_chain_is_not_filtering),
	    cmocka_unit_test(test_ipv4_only),
	    cmocka_unit_test(test_unconditional_accept_defeats_policy),
	    cmocka_unit_test(test_last_rule_reject_and_jumps),
	    cmocka_unit_test(test_jump_loop_terminates),
	    cmocka_unit_test(test_malformed_json),
	    cmocka_unit_test(test_nft_conf),
	    cmocka_unit_test(test_iptables_save),
	    cmocka_unit_test(test_zone_target),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
