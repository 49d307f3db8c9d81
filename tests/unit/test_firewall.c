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
	fw_nft_conf_summary(&c, NULL, &s, &file, &line);
	assert_true(s.v4.deny && s.v6.deny);
	assert_int_equal(line, 8);
	fw_nft_conf_free(&c);

	/* Debian's stock file: chains without policy or rules filter nothing */
	const char *stock = "table inet filter {\n chain input {\n  type filter hook input "
			    "priority filter;\n }\n}\n";
	assert_int_equal(fw_nft_conf_parse(stock, strlen(stock), 0, &c, NULL, NULL, &bad), 0);
	fw_nft_conf_summary(&c, NULL, &s, &file, &line);
	assert_false(s.v4.filtered || s.v4.deny);
	fw_nft_conf_free(&c);

	/* an unconditional accept first, and an ip-only table */
	const char *acc = "table ip t {\n chain i {\n type filter hook input priority 0\n"
			  " policy drop\n counter accept\n drop\n }\n}\n";
	assert_int_equal(fw_nft_conf_parse(acc, strlen(acc), 0, &c, NULL, NULL, &bad), 0);
	fw_nft_conf_summary(&c, NULL, &s, &file, &line);
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

static int ipt(const char *text, bool v6, struct fw_family_view *v)
{
	int bad = 0;
	memset(v, 0, sizeof(*v));
	int r = fw_iptables_save_parse(text, strlen(text), v6, v, &bad);
	return r ? -bad : 0;
}

static void test_iptables_save(void **state)
{
	(void)state;
	struct fw_family_view v;
	const char *v4 = "*nat\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n*filter\n"
			 ":INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n";
	assert_int_equal(ipt(v4, false, &v), 0);
	assert_true(v.deny && v.filtered);
	assert_int_equal(v.line, 6);
	const char *acc = "*filter\n:INPUT DROP [0:0]\n-A INPUT -m comment --comment \"all in\" -j "
			  "ACCEPT\n-A INPUT -j DROP\nCOMMIT\n";
	assert_int_equal(ipt(acc, false, &v), 0);
	assert_false(v.deny || v.unknown);
	assert_int_equal(v.line, 3);
	const char *rej = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n"
			  "-A INPUT -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n";
	assert_int_equal(ipt(rej, false, &v), 0);
	assert_true(v.deny);
	assert_int_equal(v.line, 4);
	const char *broken = "*filter\n:INPUT\nCOMMIT\n";
	assert_int_equal(ipt(broken, false, &v), -2);
	assert_int_equal(ipt("garbage\n", false, &v), -1);
	assert_int_equal(ipt("*filter\n:INPUT DROP [0:0]\n-I INPUT 3 -j ACCEPT\n", false, &v), -3);
}

static void test_iptables_save_broad_and_chains(void **state)
{
	(void)state;
	struct fw_family_view v;
	/* a whole interface, a wide source, new connections: not default-deny */
	const char *open[] = {
	    "*filter\n:INPUT DROP [0:0]\n-A INPUT -i wlan0 -j ACCEPT\nCOMMIT\n",
	    "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 10.0.0.0/8 -j ACCEPT\nCOMMIT\n",
	    "*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate NEW -j ACCEPT\nCOMMIT\n",
	    "*filter\n:INPUT DROP [0:0]\n-A INPUT ! -i lo -j ACCEPT\nCOMMIT\n",
	    "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -j ACCEPT\nCOMMIT\n",
	};
	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
		assert_int_equal(ipt(open[i], false, &v), 0);
		assert_false(v.deny || v.unknown);
		assert_int_equal(v.line, 3);
	}
	assert_non_null(strstr(v.how, "-A INPUT -p tcp -j ACCEPT"));
	/* narrow ones: replies, loopback, ports (multiport too), ICMP, one host */
	const char *narrow =
	    "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n"
	    "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
	    "-A INPUT -i lo -j ACCEPT\n"
	    "-A INPUT -i wlan0 -p tcp -m tcp --dport 22 -j ACCEPT\n"
	    "-A INPUT -p udp -m multiport --dports 5353,60000:61000 -j ACCEPT\n"
	    "-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT\n"
	    "-A INPUT -s 192.168.1.10/32 -j ACCEPT\n"
	    "-A INPUT -m limit --limit 3/min -j LOG --log-prefix \"[DROP] \"\n"
	    "-A FORWARD -j ACCEPT\n"
	    "COMMIT\n";
	assert_int_equal(ipt(narrow, false, &v), 0);
	assert_true(v.deny);
	/* user chains: an unconditional jump to a chain that accepts all, a narrow one */
	const char *chains = "*filter\n:INPUT DROP [0:0]\n:allow-all - [0:0]\n:svc - [0:0]\n"
			     "-A INPUT -j svc\n-A INPUT -j allow-all\n"
			     "-A svc -p tcp --dport 443 -j ACCEPT\n-A svc -j RETURN\n"
			     "-A allow-all -j ACCEPT\nCOMMIT\n";
	assert_int_equal(ipt(chains, false, &v), 0);
	assert_false(v.deny || v.unknown);
	assert_non_null(strstr(v.how, "-A INPUT -j allow-all"));
	const char *svc = "*filter\n:INPUT DROP [0:0]\n:svc - [0:0]\n"
			  "-A INPUT -i wlan0 -j svc\n-A svc -p tcp --dport 443 -j ACCEPT\n"
			  "COMMIT\n";
	assert_int_equal(ipt(svc, false, &v), 0);
	assert_true(v.deny);
	/* an option this code does not read: unknown */
	const char *unk = "*filter\n:INPUT DROP [0:0]\n-A INPUT -m set --match-set lan src -j "
			  "ACCEPT\nCOMMIT\n";
	assert_int_equal(ipt(unk, false, &v), 0);
	assert_false(v.deny);
	assert_true(v.unknown);
	/* rules.v6: one host is narrow; a /64 is a whole home network, like fe80::/10 */
	assert_int_equal(ipt("*filter\n:INPUT DROP [0:0]\n-A INPUT -s 2001:db8::5/128 -j ACCEPT\n"
			     "COMMIT\n",
			     true, &v),
			 0);
	assert_true(v.deny);
	assert_int_equal(ipt("*filter\n:INPUT DROP [0:0]\n-A INPUT -s 2001:db8::/64 -j ACCEPT\n"
			     "COMMIT\n",
			     true, &v),
			 0);
	assert_false(v.deny);
	assert_int_equal(
	    ipt("*filter\n:INPUT DROP [0:0]\n-A INPUT -s fe80::/10 -j ACCEPT\nCOMMIT\n", true, &v),
	    0);
	assert_false(v.deny);
	/* counters from iptables-save -c */
	assert_int_equal(
	    ipt("*filter\n:INPUT DROP [0:0]\n[5:300] -A INPUT -i lo -j ACCEPT\nCOMMIT\n", false, &v),
	    0);
	assert_true(v.deny);
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

/* ---- accepts that let a whole interface, family or network in (CSAJ 5.1.7) ---- */

#define M(left, right) "{\"match\":{\"op\":\"==\",\"left\":" left ",\"right\":" right "}}"
#define META(k) "{\"meta\":{\"key\":\"" k "\"}}"
#define PAYLOAD(p, f) "{\"payload\":{\"protocol\":\"" p "\",\"field\":\"" f "\"}}"
#define PREFIX(a, l) "{\"prefix\":{\"addr\":\"" a "\",\"len\":" #l "}}"
#define ACCEPT "{\"accept\":null}"
#define INPUT_DROP(rules) \
	"{\"nftables\":[" CHAIN("inet", "f", "in", BASE("drop")) rules "]}"
#define R(expr) "," RULE("inet", "f", "in", expr)

static void test_live_broad_accepts(void **state)
{
	(void)state;
	struct fw_summary s;
	/* a whole interface */
	assert_int_equal(parse(INPUT_DROP(R(M(META("iifname"), "\"wlan0\"") "," ACCEPT)), &s), 0);
	assert_false(s.v4.deny || s.v6.deny || s.v4.unknown || s.v6.unknown);
	assert_non_null(strstr(s.v4.how, "`iifname \"wlan0\" accept`"));
	/* a whole family: IPv6 only */
	assert_int_equal(parse(INPUT_DROP(R(M(META("nfproto"), "\"ipv6\"") "," ACCEPT)), &s), 0);
	assert_true(s.v4.deny);
	assert_false(s.v6.deny || s.v6.unknown);
	assert_non_null(strstr(s.v6.how, "meta nfproto ipv6 accept"));
	/* a wide network (shorter than /24), in a set */
	assert_int_equal(
	    parse(INPUT_DROP(R(M(PAYLOAD("ip", "saddr"),
				 "{\"set\":[" PREFIX("10.0.0.0", 8) ",\"192.168.1.5\"]}") "," ACCEPT)),
		  &s),
	    0);
	assert_false(s.v4.deny);
	assert_true(s.v6.deny); /* an ip saddr match never matches IPv6 */
	/* IPv6 link-local /10 is wide, and so is a /64: the whole home network */
	assert_int_equal(
	    parse(INPUT_DROP(R(M(PAYLOAD("ip6", "saddr"), PREFIX("fe80::", 10)) "," ACCEPT)), &s),
	    0);
	assert_true(s.v4.deny);
	assert_false(s.v6.deny);
	assert_int_equal(parse(INPUT_DROP(R(M(PAYLOAD("ip6", "saddr"),
					       PREFIX("2001:db8:1:2::", 64)) "," ACCEPT)),
			       &s),
			 0);
	assert_false(s.v6.deny);
	/* "all but loopback", a rate limit, a wide port range, new connections */
	const char *open[] = {
	    INPUT_DROP(R("{\"match\":{\"op\":\"!=\",\"left\":" META("iif") ",\"right\":\"lo\"}},"
		       ACCEPT)),
	    INPUT_DROP(R("{\"limit\":{\"rate\":10,\"per\":\"second\"}}," ACCEPT)),
	    INPUT_DROP(R(M(PAYLOAD("tcp", "dport"), "{\"range\":[1024,65535]}") "," ACCEPT)),
	    INPUT_DROP(R(M("{\"ct\":{\"key\":\"state\"}}", "\"new\"") "," ACCEPT)),
	    INPUT_DROP(R("{\"vmap\":{\"key\":" META("iifname") ",\"data\":{\"set\":[[\"lo\","
		       "{\"accept\":null}],[\"wlan0\",{\"accept\":null}]]}}}")),
	};
	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
		assert_int_equal(parse(open[i], &s), 0);
		assert_false(s.v4.deny || s.v4.unknown);
	}
}

static void test_live_narrow_accepts_keep_deny(void **state)
{
	(void)state;
	struct fw_summary s;
	const char *js = INPUT_DROP(
	    R("{\"match\":{\"op\":\"in\",\"left\":{\"ct\":{\"key\":\"state\"}},\"right\":["
	      "\"established\",\"related\"]}}," ACCEPT)
	    R("{\"match\":{\"op\":\"in\",\"left\":{\"ct\":{\"key\":\"status\"}},\"right\":"
	      "\"dnat\"}}," ACCEPT)
		R("{\"vmap\":{\"key\":{\"ct\":{\"key\":\"state\"}},\"data\":{\"set\":[["
		  "\"established\",{\"accept\":null}],[\"invalid\",{\"drop\":null}]]}}}")
		    R(M(META("iif"), "\"lo\"") "," ACCEPT) R(M(META("l4proto"),
							       "{\"set\":[\"icmp\",\"ipv6-icmp\"]}") "," ACCEPT)
			R(M(PAYLOAD("tcp", "dport"), "{\"set\":[22,{\"range\":[60000,61000]}]}") "," ACCEPT)
			    R(M(META("iifname"), "\"wlan0\"") "," M(PAYLOAD("udp", "dport"), "631") "," ACCEPT)
				R(M(PAYLOAD("ip", "saddr"), PREFIX("192.168.1.1", 32)) "," ACCEPT)
				    R(M(PAYLOAD("ip", "saddr"), "\"192.168.1.20\"") "," ACCEPT)
					R(M(PAYLOAD("icmpv6", "type"), "\"nd-neighbor-solicit\"") "," ACCEPT)
					    R(M("{\"fib\":{\"result\":\"type\",\"flags\":[\"daddr\"]}}",
						"{\"set\":[\"broadcast\",\"multicast\"]}") "," ACCEPT)
						R(M(META("iifname"), "\"wlan0\"") ",{\"drop\":null}"));
	assert_int_equal(parse(js, &s), 0);
	assert_true(s.v4.deny && s.v6.deny);
	assert_false(s.v4.unknown);
}

static void test_live_zone_goto_trusted(void **state)
{
	(void)state;
	struct fw_summary s;
	/* firewalld: base chain rejects at the end, but wlan0 is sent to an accept-all zone */
	const char *js =
	    "{\"nftables\":[" CHAIN("inet", "fw", "in", BASE("accept")) "," CHAIN(
		"inet", "fw", "zones", "") "," CHAIN("inet", "fw", "trusted",
						     "") "," CHAIN("inet", "fw", "pub", "") ","
		RULE("inet", "fw", "in", "{\"jump\":{\"target\":\"zones\"}}") "," RULE(
		    "inet", "fw", "in", "{\"reject\":null}") ","
		"{\"rule\":{\"family\":\"inet\",\"table\":\"fw\",\"chain\":\"zones\",\"handle\":"
		"101,\"expr\":[" M(META("iifname"), "\"wlan0\"") ",{\"goto\":{\"target\":"
								 "\"trusted\"}}]}},"
		RULE("inet", "fw", "zones", "{\"goto\":{\"target\":\"pub\"}}") "," RULE(
		    "inet", "fw", "pub", M(PAYLOAD("tcp", "dport"), "22") "," ACCEPT) "," RULE("inet",
		    "fw", "trusted", "{\"counter\":null}," ACCEPT) "]}";
	assert_int_equal(parse(js, &s), 0);
	assert_false(s.v4.deny || s.v6.deny || s.v4.unknown);
	assert_non_null(strstr(s.v4.how, "`iifname \"wlan0\" goto trusted` (chain zones, handle 101)"));
	assert_non_null(strstr(s.v4.how, "then `counter accept`"));
	/* the same interface sent to the narrow zone: deny holds */
	const char *js2 =
	    "{\"nftables\":[" CHAIN("inet", "fw", "in", BASE("accept")) "," CHAIN(
		"inet", "fw", "zones", "") "," CHAIN("inet", "fw", "pub", "") "," RULE("inet",
		"fw", "in", "{\"jump\":{\"target\":\"zones\"}}") "," RULE("inet", "fw", "in",
		"{\"reject\":null}") "," RULE("inet", "fw", "zones", M(META("iifname"),
		"\"wlan0\"") ",{\"goto\":{\"target\":\"pub\"}}") "," RULE("inet", "fw", "pub",
		M(PAYLOAD("tcp", "dport"), "22") "," ACCEPT) "]}";
	assert_int_equal(parse(js2, &s), 0);
	assert_true(s.v4.deny && s.v6.deny);
}

static void test_live_unjudged_is_unknown(void **state)
{
	(void)state;
	struct fw_summary s;
	/* iptables-nft's xt compat matches hide their options */
	assert_int_equal(parse(INPUT_DROP(R("{\"xt\":{\"type\":\"match\",\"name\":\"conntrack\"}},"
					    ACCEPT)),
			       &s),
			 0);
	assert_false(s.v4.deny || s.v6.deny);
	assert_true(s.v4.unknown && s.v6.unknown);
	assert_non_null(strstr(s.v4.how, "cannot judge: xt match \"conntrack\""));
	/* a named set of sources, a mark */
	assert_int_equal(parse(INPUT_DROP(R(M(PAYLOAD("ip", "saddr"), "\"@lan\"") "," ACCEPT)), &s),
			 0);
	assert_true(s.v4.unknown && s.v6.deny);
	assert_non_null(strstr(s.v4.how, "ip saddr @lan"));
	assert_int_equal(parse(INPUT_DROP(R(M(META("mark"), "1") "," ACCEPT)), &s), 0);
	assert_true(s.v4.unknown);
	/* a port narrows it whatever the unjudged part is */
	assert_int_equal(parse(INPUT_DROP(R(M(PAYLOAD("tcp", "dport"), "22") ","
					      "{\"xt\":{\"type\":\"match\",\"name\":\"recent\"}},"
					      ACCEPT)),
			       &s),
			 0);
	assert_true(s.v4.deny && !s.v4.unknown);
	/* an open rule wins over an unknown one: definitely not default-deny */
	assert_int_equal(parse(INPUT_DROP(R(M(META("mark"), "1") "," ACCEPT) R(
			       M(META("iifname"), "\"eth0\"") "," ACCEPT)),
			       &s),
			 0);
	assert_false(s.v4.deny || s.v4.unknown);
	/* iptables-nft's -j REJECT is an xt target: it ends the chain */
	assert_int_equal(parse("{\"nftables\":[" CHAIN("ip", "filter", "INPUT", BASE("accept")) ","
			       RULE("ip", "filter", "INPUT",
				    "{\"xt\":{\"type\":\"target\",\"name\":\"REJECT\"}}") "]}",
			       &s),
			 0);
	assert_true(s.v4.deny);
	/* a second base chain that denies is enough */
	const char *two = "{\"nftables\":[" CHAIN("inet", "a", "in", BASE("drop")) "," CHAIN(
	    "inet", "b", "in", BASE("drop")) "," RULE("inet", "a", "in", M(META("iifname"),
	    "\"wlan0\"") "," ACCEPT) "," RULE("inet", "b", "in", M(PAYLOAD("tcp", "dport"),
	    "22") "," ACCEPT) "]}";
	assert_int_equal(parse(two, &s), 0);
	assert_true(s.v4.deny && s.v6.deny);
}

static int conf(const char *text, struct fw_summary *s, int *line)
{
	struct fw_nft_conf c = {0};
	int bad = 0, file, r;
	static const char *const names[] = {"/etc/nftables.conf"};
	r = fw_nft_conf_parse(text, strlen(text), 0, &c, NULL, NULL, &bad);
	if (r == 0)
		r = fw_nft_conf_summary(&c, names, s, &file, line);
	fw_nft_conf_free(&c);
	return r;
}

#define TABLE(rules)                                                                               \
	"table inet filter {\n chain input {\n  type filter hook input priority filter; policy "   \
	"drop;\n" rules " }\n}\n"

static void test_conf_broad_accepts(void **state)
{
	(void)state;
	struct fw_summary s;
	int line;
	/* the reviewer's case: a whole interface and all of IPv6 */
	assert_int_equal(conf(TABLE("  ct state established,related accept\n"
				    "  iif \"lo\" accept\n"
				    "  tcp dport 22 ip saddr 192.168.1.0/24 accept\n"
				    "  meta nfproto ipv6 accept\n"
				    "  iifname \"wlan0\" accept\n"),
			      &s, &line),
			 0);
	assert_false(s.v4.deny || s.v6.deny || s.v4.unknown || s.v6.unknown);
	assert_int_equal(s.v4.line, 8);
	assert_non_null(strstr(s.v4.how, "`iifname wlan0 accept` (/etc/nftables.conf:8)"));
	assert_non_null(strstr(s.v6.how, "`meta nfproto ipv6 accept` (/etc/nftables.conf:7)"));
	assert_int_equal(line, 8);
	/* narrow rules keep the deny */
	assert_int_equal(conf(TABLE("  ct state vmap { established : accept, related : accept, "
				    "invalid : drop }\n"
				    "  iifname \"wlan0\" tcp dport { 22, 631 } accept\n"
				    "  ip saddr 192.168.1.20 accept\n"
				    "  meta l4proto { icmp, ipv6-icmp } accept\n"
				    "  icmpv6 type nd-neighbor-solicit accept\n"
				    "  ct status dnat accept\n"
				    "  counter log prefix \"in: \" drop\n"),
			      &s, &line),
			 0);
	assert_true(s.v4.deny && s.v6.deny);
	/* open ones do not */
	const char *open[] = {TABLE("  ip saddr { 10.0.0.0/8, 192.168.1.5 } accept\n"),
			      TABLE("  iifname vmap { \"lo\" : accept, \"wlan0\" : accept }\n"),
			      TABLE("  ct state new accept\n"),
			      TABLE("  limit rate 10/second burst 5 packets accept\n"),
			      TABLE("  tcp dport 1024-65535 accept\n"),
			      TABLE("  iifname != \"lo\" counter accept\n")};
	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
		assert_int_equal(conf(open[i], &s, &line), 0);
		assert_false(s.v4.deny || s.v4.unknown);
	}
	/* unjudged: a named set, a mark, a concatenation */
	const char *unk[] = {TABLE("  ip saddr @trusted accept\n"),
			     TABLE("  meta mark 0x1 accept\n"),
			     TABLE("  ip saddr . tcp dport { 10.0.0.1 . 22 } accept\n"),
			     TABLE("  socket transparent 1 accept\n")};
	for (size_t i = 0; i < sizeof(unk) / sizeof(unk[0]); i++) {
		assert_int_equal(conf(unk[i], &s, &line), 0);
		assert_false(s.v4.deny);
		assert_true(s.v4.unknown);
		assert_int_equal(s.v4.line, 4);
	}
	/* an earlier unconditional drop makes the accept unreachable; insert puts a rule
	 * first */
	assert_int_equal(conf(TABLE("  drop\n  iifname \"wlan0\" accept\n"), &s, &line), 0);
	assert_true(s.v4.deny);
	assert_int_equal(conf(TABLE("") "add rule inet filter input iifname wlan0 accept\n"
					"insert rule inet filter input drop\n",
			      &s, &line),
			 0);
	assert_true(s.v4.deny);
	assert_int_equal(conf(TABLE("") "add rule inet filter input iifname wlan0 accept\n", &s,
			      &line),
			 0);
	assert_false(s.v4.deny);
}

static void test_conf_jumps(void **state)
{
	(void)state;
	struct fw_summary s;
	int line;
	const char *allow = "table inet filter {\n"
			    " chain input {\n"
			    "  type filter hook input priority filter; policy drop;\n"
			    "  tcp dport 22 jump allow_all\n"
			    "  jump allow_all\n"
			    " }\n"
			    " chain allow_all {\n"
			    "  accept\n"
			    " }\n"
			    "}\n";
	assert_int_equal(conf(allow, &s, &line), 0);
	assert_false(s.v4.deny || s.v4.unknown);
	assert_non_null(strstr(s.v4.how, "`jump allow_all` (/etc/nftables.conf:5), then `accept` "
					 "(/etc/nftables.conf:8)"));
	/* a chain that returns, and a conditional jump into a narrow chain */
	const char *svc = "table inet filter {\n"
			  " chain input {\n"
			  "  type filter hook input priority filter; policy drop;\n"
			  "  iifname \"wlan0\" jump svc\n"
			  "  jump svc\n"
			  " }\n"
			  " chain svc {\n"
			  "  tcp dport 443 accept\n"
			  "  return\n"
			  "  accept\n"
			  " }\n"
			  "}\n";
	assert_int_equal(conf(svc, &s, &line), 0);
	assert_true(s.v4.deny && s.v6.deny);
	/* a goto from an accept-policy chain into a chain that ends in drop */
	const char *go = "table ip t {\n chain in {\n  type filter hook input priority 0;\n"
			 "  goto z\n }\n chain z {\n  tcp dport 22 accept\n  drop\n }\n}\n";
	assert_int_equal(conf(go, &s, &line), 0);
	assert_true(s.v4.deny);
	assert_false(s.v6.filtered);
	/* a jump to a chain that does not exist proves nothing */
	const char *missing = TABLE("  jump nowhere\n");
	assert_int_equal(conf(missing, &s, &line), 0);
	assert_false(s.v4.deny);
	assert_true(s.v4.unknown);
	/* a loop (nft refuses it) terminates */
	const char *loop = "table inet t {\n chain in {\n  type filter hook input priority 0; "
			   "policy drop;\n  jump a\n }\n chain a {\n  jump b\n }\n chain b {\n"
			   "  jump a\n }\n}\n";
	assert_int_equal(conf(loop, &s, &line), 0);
	assert_false(s.v4.deny);
}

static void test_conf_defines(void **state)
{
	(void)state;
	struct fw_summary s;
	int line;
	const char *q = "define pol = \"drop\"\ndefine LAN = { 10.0.0.0/8, 172.16.0.0/12 }\n"
			"table inet filter {\n chain input {\n"
			"  type filter hook input priority filter; policy $pol;\n"
			"  ip saddr $LAN tcp dport 22 accept\n }\n}\n";
	assert_int_equal(conf(q, &s, &line), 0);
	assert_true(s.v4.deny && s.v6.deny);
	assert_string_equal(s.v4.how, "policy drop, 1 rule(s)");
	/* the same network without the port: a wide network */
	const char *wide = "define LAN = { 10.0.0.0/8, 172.16.0.0/12 }\n" TABLE("  ip saddr $LAN "
										  "accept\n");
	assert_int_equal(conf(wide, &s, &line), 0);
	assert_false(s.v4.deny || s.v4.unknown);
	assert_true(s.v6.deny);
	/* redefine wins; accept is read as accept */
	const char *re = "define pol = \"drop\"\nredefine pol = \"accept\"\n"
			 "table inet filter {\n chain input {\n"
			 "  type filter hook input priority filter; policy $pol;\n }\n}\n";
	assert_int_equal(conf(re, &s, &line), 0);
	assert_false(s.v4.deny || s.v4.unknown);
	/* a bare verdict (nft 1.0 refuses it) and an undefined variable: unknown */
	const char *bare = "define pol = drop\ntable inet filter {\n chain input {\n"
			   "  type filter hook input priority filter; policy $pol;\n }\n}\n";
	assert_int_equal(conf(bare, &s, &line), 0);
	assert_false(s.v4.deny);
	assert_true(s.v4.unknown);
	assert_non_null(strstr(s.v4.how, "bare verdict"));
	assert_int_equal(line, 4);
	const char *undef = "table inet filter {\n chain input {\n"
			    "  type filter hook input priority filter; policy $nope;\n }\n}\n";
	assert_int_equal(conf(undef, &s, &line), 0);
	assert_true(s.v4.unknown && !s.v4.deny);
	assert_non_null(strstr(s.v4.how, "no define sets it"));
	const char *undef_rule = TABLE("  iifname $WIFI $VERDICT\n");
	assert_int_equal(conf(undef_rule, &s, &line), 0);
	assert_true(s.v4.unknown && !s.v4.deny);
}

static void test_conf_long_rule(void **state)
{
	(void)state;
	/* more words than are kept: judged unknown, never a pass, and no overflow */
	char buf[8192];
	size_t off = 0;
	off += (size_t)snprintf(buf + off, sizeof(buf) - off,
				"table inet f {\n chain i {\n  type filter hook input priority 0; "
				"policy drop;\n  ip saddr { ");
	for (int i = 0; i < 400; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "10.%d.0.1, ", i % 250);
	snprintf(buf + off, sizeof(buf) - off, "10.0.0.2 } accept\n }\n}\n");
	struct fw_summary s;
	int line;
	assert_int_equal(conf(buf, &s, &line), 0);
	assert_false(s.v4.deny);
	assert_true(s.v4.unknown);
	assert_non_null(strstr(s.v4.how, "too long"));
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
	    cmocka_unit_test(test_iptables_save_broad_and_chains),
	    cmocka_unit_test(test_zone_target),
	    cmocka_unit_test(test_live_broad_accepts),
	    cmocka_unit_test(test_live_narrow_accepts_keep_deny),
	    cmocka_unit_test(test_live_zone_goto_trusted),
	    cmocka_unit_test(test_live_unjudged_is_unknown),
	    cmocka_unit_test(test_conf_broad_accepts),
	    cmocka_unit_test(test_conf_jumps),
	    cmocka_unit_test(test_conf_defines),
	    cmocka_unit_test(test_conf_long_rule),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
