/* SPDX-License-Identifier: Apache-2.0 */
/* The firewall reach evaluator (fw_reach.c) on rulesets printed by the real nft 1.0.6
 * (tests/unit/fw_reach/NAME.nft -> NAME.json, regen.sh) and on hand-made JSON for what nft
 * cannot print here (iptables-nft's xt matches, loops, malformed input). The home LAN of every
 * case: the PC 192.168.78.10 / fd78::10 on eth0, the router .1, the printer .20, a TV .30. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "mamori/mamori.h"
#include "probes/linux/fw_reach.h"

static struct fwr_ruleset *load_text(const char *json)
{
	struct fwr_ruleset *rs = NULL;
	char why[256];
	int r = fwr_load(json, strlen(json), &rs, why, sizeof(why));
	if (r)
		fail_msg("fwr_load: %s", why);
	return rs;
}

static struct fwr_ruleset *load(const char *name)
{
	const char *src = getenv("MAMORI_SOURCE_DIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/tests/unit/fw_reach/%s.json", src ? src : ".", name);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return load_text(buf);
}

struct pk {
	const char *src;
	const char *proto; /* "tcp", "udp" */
	unsigned port;
	const char *iif; /* NULL: eth0 */
	const char *mac; /* NULL: unknown */
	const char *dst; /* NULL: the PC's address of the family; "-": unknown */
};

static struct fwr_result eval(const struct fwr_ruleset *rs, struct pk k)
{
	struct fwr_packet p = {0};
	struct fwr_result res;
	p.family = strchr(k.src, ':') ? 6 : 4;
	assert_int_equal(inet_pton(p.family == 4 ? AF_INET : AF_INET6, k.src, p.saddr), 1);
	const char *dst = k.dst ? k.dst : p.family == 4 ? "192.168.78.10" : "fd78::10";
	if (strcmp(dst, "-") != 0) {
		assert_int_equal(inet_pton(p.family == 4 ? AF_INET : AF_INET6, dst, p.daddr), 1);
		p.has_daddr = true;
	}
	if (k.mac) {
		unsigned v[6];
		const char *s = k.mac;
		for (int i = 0; i < 6; i++) {
			v[i] = (unsigned)strtoul(s, NULL, 16);
			s += 3;
			p.smac[i] = (unsigned char)v[i];
		}
		p.has_smac = true;
	}
	p.iifname = k.iif ? k.iif : "eth0";
	p.l4proto = strcmp(k.proto, "tcp") == 0 ? 6 : 17;
	p.dport = k.port;
	assert_int_equal(fwr_eval(rs, &p, &res), 0);
	return res;
}

/* Asserts the verdict and that why mentions text (when not NULL). */
static void expect(int line, const struct fwr_ruleset *rs, enum fwr_verdict v, const char *text,
		   struct pk k)
{
	struct fwr_result r = eval(rs, k);
	if (r.verdict != v || (text != NULL && strstr(r.why, text) == NULL))
		fail_msg("line %d: %s %s/%u: got %s (%s), expected %s with \"%s\"", line, k.src,
			 k.proto, k.port, fwr_verdict_name(r.verdict), r.why, fwr_verdict_name(v),
			 text ? text : "");
}
#define EXPECT(rs, v, text, s, pr, po, ...)                                                        \
	expect(__LINE__, rs, v, text, (struct pk){.src = s, .proto = pr, .port = po, __VA_ARGS__})

static void test_debian_default(void **state)
{
	(void)state;
	struct fwr_ruleset *rs = load("debian_default");
	EXPECT(rs, FWR_OPEN, "inet filter input: policy accept", "192.168.78.30", "tcp", 22);
	EXPECT(rs, FWR_OPEN, "inet filter input: policy accept", "192.168.78.30", "udp", 137);
	EXPECT(rs, FWR_OPEN, "inet filter input: policy accept", "fd78::30", "tcp", 445);
	assert_int_equal(fwr_base_chains(rs, 4), 1);
	assert_int_equal(fwr_base_chains(rs, 6), 1);
	fwr_free(rs);
}

static void test_empty_ruleset(void **state)
{
	(void)state;
	struct fwr_ruleset *rs =
	    load_text("{\"nftables\":[{\"metainfo\":{\"version\":\"1.0.6\"}}]}");
	EXPECT(rs, FWR_OPEN, "no IPv4 input chain filters", "192.168.78.30", "tcp", 22);
	EXPECT(rs, FWR_OPEN, "no IPv6 input chain filters", "fd78::30", "tcp", 22);
	fwr_free(rs);
}

/* A dormant table's chains are not on their hooks: its policy drop keeps nobody out. */
static void test_dormant_table(void **state)
{
	(void)state;
	static const char json[] =
	    "{\"nftables\":[{\"table\":{\"family\":\"inet\",\"name\":\"t\",\"handle\":1,"
	    "\"flags\":[\"dormant\"]}},{\"chain\":{\"family\":\"inet\",\"table\":\"t\","
	    "\"name\":\"input\",\"handle\":1,\"type\":\"filter\",\"hook\":\"input\","
	    "\"prio\":0,\"policy\":\"drop\"}}]}";
	struct fwr_ruleset *rs = load_text(json);
	EXPECT(rs, FWR_OPEN, "no IPv4 input chain filters", "192.168.78.30", "tcp", 22);
	fwr_free(rs);
	char awake[sizeof json];
	memcpy(awake, json, sizeof json);
	memcpy(strstr(awake, "[\"dormant\"]"), "[\"owner\"  ]", 11);
	rs = load_text(awake);
	EXPECT(rs, FWR_BLOCKED, NULL, "192.168.78.30", "tcp", 22);
	fwr_free(rs);
}

/* A DNAT in prerouting (Docker's published port) sends the packet to forward: the input
 * chain's drop then says nothing, and the port is unknown rather than blocked. */
static void test_dnat_before_drop(void **state)
{
	(void)state;
	struct fwr_ruleset *rs = load_text(
	    "{\"nftables\":["
	    "{\"chain\":{\"family\":\"ip\",\"table\":\"nat\",\"name\":\"prerouting\",\"handle\":1,"
	    "\"type\":\"nat\",\"hook\":\"prerouting\",\"prio\":-100,\"policy\":\"accept\"}},"
	    "{\"chain\":{\"family\":\"inet\",\"table\":\"filter\",\"name\":\"input\",\"handle\":1,"
	    "\"type\":\"filter\",\"hook\":\"input\",\"prio\":0,\"policy\":\"drop\"}},"
	    "{\"rule\":{\"family\":\"ip\",\"table\":\"nat\",\"chain\":\"prerouting\",\"handle\":2,"
	    "\"expr\":[{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"tcp\","
	    "\"field\":\"dport\"}},\"right\":8080}},{\"dnat\":{\"addr\":\"172.17.0.2\",\"port\":80}}]}}]}");
	EXPECT(rs, FWR_UNKNOWN, "statement dnat cannot be evaluated", "192.168.78.30",
	       "tcp", 8080);
	EXPECT(rs, FWR_BLOCKED, NULL, "192.168.78.30", "tcp", 22); /* the DNAT does not match */
	fwr_free(rs);
}

static void test_ufw_like(void **state)
{
	(void)state;
	struct fwr_ruleset *rs = load("ufw_like");
	/* ufw-user-input opens SSH to everyone: the TV gets in. */
	EXPECT(rs, FWR_OPEN, "inet ufw ufw-user-input, handle", "192.168.78.30", "tcp", 22);
	EXPECT(rs, FWR_OPEN, "ufw-user-input", "fd78::30", "tcp", 22);
	/* SMB goes to ufw-skip-to-policy-input, which drops. */
	EXPECT(rs, FWR_BLOCKED, "inet ufw ufw-skip-to-policy-input, handle", "192.168.78.30", "tcp",
	       445);
	/* Nothing else: the input policy. */
	EXPECT(rs, FWR_BLOCKED, "inet ufw input: policy drop", "192.168.78.30", "tcp", 3389);
	/* CUPS only from the printer. */
	EXPECT(rs, FWR_OPEN, "ufw-user-input", "192.168.78.20", "tcp", 631);
	EXPECT(rs, FWR_BLOCKED, "policy drop", "192.168.78.30", "tcp", 631);
	/* "udp sport 67": the source port of a packet that does not exist yet is unknown, and
	 * the two branches end differently (accept, or the skip chain's drop). */
	EXPECT(rs, FWR_UNKNOWN, "transport header sport", "192.168.78.1", "udp", 68);
	fwr_free(rs);
}

static void test_firewalld_like(void **state)
{
	(void)state;
	struct fwr_ruleset *rs = load("firewalld_like");
	EXPECT(rs, FWR_OPEN, "filter_IN_public_allow", "192.168.78.30", "tcp", 22);
	EXPECT(rs, FWR_BLOCKED, "inet firewalld filter_IN_public, handle 33: drop", "192.168.78.30",
	       "tcp", 445);
	/* IPv6 passes the reverse-path check (fib saddr . mark . iif oif missing). */
	EXPECT(rs, FWR_OPEN, "filter_IN_public_allow", "fd78::30", "tcp", 22);
	EXPECT(rs, FWR_BLOCKED, "filter_IN_public", "fd78::30", "udp", 546);
	EXPECT(rs, FWR_OPEN, "filter_IN_public_allow", "fe80::30", "udp", 546, .dst = "fe80::10");
	/* the zone is the same on another interface (the catch-all goto) */
	EXPECT(rs, FWR_BLOCKED, NULL, "192.168.78.30", "tcp", 3389, .iif = "wlan0");
	fwr_free(rs);
}

static void test_allowlist(void **state)
{
	(void)state;
	struct fwr_ruleset *rs = load("allowlist");
	EXPECT(rs, FWR_OPEN, "accept", "192.168.78.1", "tcp", 22);
	EXPECT(rs, FWR_OPEN, "accept", "192.168.78.20", "tcp", 445);
	EXPECT(rs, FWR_BLOCKED, "policy drop", "192.168.78.30", "tcp", 22);
	EXPECT(rs, FWR_BLOCKED, "policy drop", "192.168.78.31", "udp", 5353);
	EXPECT(rs, FWR_OPEN, "accept", "fd78::20", "tcp", 22);
	EXPECT(rs, FWR_OPEN, "accept", "fe80::1", "tcp", 53, .dst = "fe80::10");
	EXPECT(rs, FWR_BLOCKED, "policy drop", "fd78::30", "tcp", 22);
	fwr_free(rs);
}

static void test_jumps(void **state)
{
	(void)state;
	struct fwr_ruleset *rs = load("jumps");
	/* the TV goes to quarantine (goto), which drops all but VNC */
	EXPECT(rs, FWR_BLOCKED, "ip filter quarantine, handle", "192.168.78.30", "tcp", 22);
	EXPECT(rs, FWR_OPEN, "ip filter quarantine, handle", "192.168.78.30", "tcp", 5900);
	/* the rest of the LAN returns to input, where SSH is open */
	EXPECT(rs, FWR_OPEN, "ip filter input, handle", "192.168.78.20", "tcp", 22);
	EXPECT(rs, FWR_BLOCKED, "ip filter input: policy drop", "192.168.78.20", "tcp", 445);
	/* continue goes on to the next rule */
	EXPECT(rs, FWR_BLOCKED, "policy drop", "192.168.78.20", "udp", 53);
	/* "eth*" does not match wlan0: no jump at all */
	EXPECT(rs, FWR_OPEN, "ip filter input", "192.168.78.30", "tcp", 22, .iif = "wlan0");
	/* outside the LAN's /24 the lan chain accepts */
	EXPECT(rs, FWR_OPEN, "ip filter lan", "10.1.2.3", "tcp", 445);
	/* an ip table does not see IPv6 */
	EXPECT(rs, FWR_OPEN, "no IPv6 input chain", "fd78::30", "tcp", 22);
	fwr_free(rs);
}

static void test_sets(void **state)
{
	(void)state;
	struct fwr_ruleset *rs = load("sets");
	EXPECT(rs, FWR_OPEN, "inet filter lan", "192.168.78.1", "tcp", 445);
	EXPECT(rs, FWR_OPEN, "inet filter lan", "192.168.78.20", "tcp", 445);  /* /29 */
	EXPECT(rs, FWR_OPEN, "inet filter lan", "192.168.78.110", "tcp", 445); /* range */
	EXPECT(rs, FWR_OPEN, "inet filter lan", "192.168.78.30", "tcp", 443);
	EXPECT(rs, FWR_OPEN, "inet filter lan", "192.168.78.30", "tcp", 8050);
	/* ip saddr . tcp dport: each part of the concatenation */
	EXPECT(rs, FWR_OPEN, "inet filter lan, handle", "192.168.78.30", "tcp", 9090);
	EXPECT(rs, FWR_BLOCKED, "policy drop", "192.168.78.30", "tcp", 9091);
	EXPECT(rs, FWR_BLOCKED, "policy drop", "192.168.78.31", "tcp", 9090);
	EXPECT(rs, FWR_BLOCKED, "policy drop", "192.168.78.30", "tcp", 445);
	EXPECT(rs, FWR_OPEN, "inet filter lan", "192.168.78.30", "udp", 5005);
	EXPECT(rs, FWR_BLOCKED, "policy drop", "192.168.78.30", "udp", 5011);
	/* the destination matters, and is unknown here */
	EXPECT(rs, FWR_UNKNOWN, "destination address", "192.168.78.30", "udp", 5005, .dst = "-");
	/* the verdict map: lo accepts, another interface has no entry */
	EXPECT(rs, FWR_OPEN, "inet filter input", "192.168.78.30", "tcp", 445, .iif = "lo");
	EXPECT(rs, FWR_BLOCKED, "policy drop", "192.168.78.30", "tcp", 445, .iif = "wlan0");
	fwr_free(rs);
}

static void test_unknown_matches(void **state)
{
	(void)state;
	struct fwr_ruleset *rs = load("unknown");
	EXPECT(rs, FWR_UNKNOWN, "inet filter input, handle 2: meta mark cannot be evaluated",
	       "192.168.78.30", "tcp", 22);
	EXPECT(rs, FWR_UNKNOWN, "limit cannot be evaluated", "192.168.78.30", "tcp", 80);
	EXPECT(rs, FWR_UNKNOWN, "a bitwise expression", "192.168.78.30", "tcp", 443);
	/* drop if marked, else accept: unknown */
	EXPECT(rs, FWR_UNKNOWN, "meta mark", "192.168.78.30", "tcp", 8443);
	/* drop if marked, else drop: both branches agree */
	EXPECT(rs, FWR_BLOCKED, "drop", "192.168.78.30", "tcp", 9000);
	/* a false match decides even next to an unknown one */
	EXPECT(rs, FWR_BLOCKED, "policy drop", "192.168.78.30", "udp", 22);
	EXPECT(rs, FWR_BLOCKED, "policy drop", "192.168.78.30", "tcp", 23);
	fwr_free(rs);
}

static void test_multiple_base_chains(void **state)
{
	(void)state;
	struct fwr_ruleset *rs = load("multi");
	/* the early chain drops the TV, whatever the later chains say */
	EXPECT(rs, FWR_BLOCKED, "inet early input, handle 2: drop", "192.168.78.30", "tcp", 22);
	/* the printer passes every chain */
	EXPECT(rs, FWR_OPEN, "inet early input: policy accept; inet main input: policy accept",
	       "192.168.78.20", "tcp", 22);
	EXPECT(rs, FWR_BLOCKED, "inet main input, handle 2: drop", "192.168.78.20", "tcp", 5900);
	EXPECT(rs, FWR_UNKNOWN, "meta mark", "192.168.78.20", "tcp", 3389);
	/* before conntrack (raw, -300) ct state reads "invalid" and ct status never matches */
	EXPECT(rs, FWR_BLOCKED, "ip raw pre, handle 3: drop", "192.168.78.20", "tcp", 2222);
	/* a redirect rewrites the destination */
	EXPECT(rs, FWR_UNKNOWN, "statement redirect", "192.168.78.20", "tcp", 8080);
	/* the ip6 table lets only the printer in */
	EXPECT(rs, FWR_OPEN, "ip6 v6only input, handle 2: accept", "fd78::20", "tcp", 22);
	EXPECT(rs, FWR_BLOCKED, "ip6 v6only input: policy drop", "fd78::30", "tcp", 22);
	assert_int_equal(fwr_base_chains(rs, 4), 4);
	assert_int_equal(fwr_base_chains(rs, 6), 3);
	fwr_free(rs);
}

static void test_ether_and_fib(void **state)
{
	(void)state;
	struct fwr_ruleset *rs = load("ether");
	EXPECT(rs, FWR_BLOCKED, "inet filter pre, handle 5: drop", "192.168.78.30", "tcp", 22,
	       .mac = "02:00:00:00:00:30");
	EXPECT(rs, FWR_OPEN, NULL, "192.168.78.20", "tcp", 22, .mac = "02:00:00:00:00:20");
	EXPECT(rs, FWR_UNKNOWN, "ether saddr", "192.168.78.20", "tcp", 22);
	/* host, local, original, ipv4, ip and port 7 all hold */
	EXPECT(rs, FWR_BLOCKED, "inet filter input, handle 6: drop", "192.168.78.20", "tcp", 7,
	       .mac = "02:00:00:00:00:20");
	EXPECT(rs, FWR_BLOCKED, "inet filter input, handle 7: drop", "192.168.78.20", "udp", 7,
	       .mac = "02:00:00:00:00:20");
	fwr_free(rs);
}

static void test_fix_table(void **state)
{
	(void)state;
	struct fwr_ruleset *rs = load("fix_on_debian");
	EXPECT(rs, FWR_BLOCKED, "inet mamori_lan input, handle", "192.168.78.30", "tcp", 22);
	EXPECT(rs, FWR_BLOCKED, "inet mamori_lan input", "192.168.78.30", "udp", 5353);
	EXPECT(rs, FWR_BLOCKED, "inet mamori_lan input", "fd78::30", "tcp", 445);
	EXPECT(rs, FWR_BLOCKED, "inet mamori_lan input", "fe80::30", "tcp", 445, .dst = "fe80::10");
	EXPECT(rs, FWR_OPEN, NULL, "192.168.78.1", "tcp", 22);
	EXPECT(rs, FWR_OPEN, NULL, "192.168.78.20", "tcp", 9100);
	EXPECT(rs, FWR_OPEN, NULL, "fd78::20", "tcp", 631);
	EXPECT(rs, FWR_OPEN, NULL, "fe80::1", "udp", 546, .dst = "fe80::10");
	/* a host outside the LAN's subnets is not the fix's business */
	EXPECT(rs, FWR_OPEN, NULL, "10.8.0.5", "tcp", 22);
	fwr_free(rs);
}

#define J_CHAIN(fam, tab, name, extra)                                                             \
	"{\"chain\":{\"family\":\"" fam "\",\"table\":\"" tab "\",\"name\":\"" name "\"" extra "}" \
											       "}"
#define J_BASE(policy)                                                                             \
	",\"type\":\"filter\",\"hook\":\"input\",\"prio\":0,\"policy\":\"" policy "\""
#define J_RULE(fam, tab, chain, handle, expr)                                                      \
	"{\"rule\":{\"family\":\"" fam "\",\"table\":\"" tab "\",\"chain\":\"" chain               \
	"\",\"handle\":" handle ",\"expr\":[" expr "]}}"
#define J_DPORT(p)                                                                                 \
	"{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"tcp\",\"field\":"         \
	"\"dport\"}},\"right\":" p "}}"
#define J_XT(type, name) "{\"xt\":{\"type\":\"" type "\",\"name\":\"" name "\"}}"

/* iptables-nft: an xt match's options are not in the JSON. */
static void test_xt(void **state)
{
	(void)state;
	struct fwr_ruleset *rs =
	    load_text(
		"{\"nftables\":[" J_CHAIN("ip", "filter", "INPUT", J_BASE("drop")) "," J_RULE(
		    "ip", "filter", "INPUT", "6",
		    J_DPORT("23") "," J_XT(
			"target",
			"REJECT")) "," J_RULE("ip", "filter", "INPUT", "4",
					      J_XT(
						  "match",
						  "conntrack") ",{\"counter\":{}},{\"accept\":"
							       "null}") "," J_RULE("ip", "filter",
										   "INPUT", "5",
										   J_DPORT(
										       "22") ",{"
											     "\"acc"
											     "ept\""
											     ":null"
											     "}") "]}");
	/* accepted either way */
	EXPECT(rs, FWR_OPEN, "accept", "192.168.78.30", "tcp", 22);
	/* accepted by the conntrack match, or dropped by the policy */
	EXPECT(rs, FWR_UNKNOWN, "ip filter INPUT, handle 4: xt match conntrack", "192.168.78.30",
	       "tcp", 445);
	/* -j REJECT: dropped either way */
	EXPECT(rs, FWR_BLOCKED, "handle 6", "192.168.78.30", "tcp", 23);
	fwr_free(rs);
}

static void test_jump_errors(void **state)
{
	(void)state;
	/* a jump to a chain that is not there; a loop (nft refuses them, a file may not) */
	struct fwr_ruleset *rs =
	    load_text(
		"{\"nftables\":[" J_CHAIN("inet", "t", "in", J_BASE("accept")) "," J_CHAIN(
		    "inet", "t", "a",
		    "") "," J_CHAIN("inet", "t", "b",
				    "") "," J_RULE("inet", "t", "in", "1",
						   J_DPORT("22") ",{\"jump\":{\"target\":"
								 "\"nowhere\"}}") "," J_RULE("inet",
											     "t",
											     "in",
											     "2",
											     "{\"ju"
											     "mp\":"
											     "{\"ta"
											     "rget"
											     "\":"
											     "\"a\""
											     "}}") "," J_RULE("inet",
													      "t",
													      "a",
													      "3",
													      "{\"jump\":{\"target\":\"b\"}}") "," J_RULE("inet",
																			  "t",
																			  "b",
																			  "4",
																			  "{\"jump\":{\"target\":\"a\"}}") "]}");
	EXPECT(rs, FWR_UNKNOWN, "jumps to nowhere, which is not in the ruleset", "192.168.78.30",
	       "tcp", 22);
	EXPECT(rs, FWR_UNKNOWN, "jumps nested too deep", "192.168.78.30", "tcp", 23);
	fwr_free(rs);
	/* goto loops do not grow the stack: the step cap ends them */
	rs = load_text("{\"nftables\":[" J_CHAIN("inet", "t", "in", J_BASE("accept")) "," J_RULE(
	    "inet", "t", "in", "1", "{\"goto\":{\"target\":\"in\"}}") "]}");
	EXPECT(rs, FWR_UNKNOWN, "stopped after", "192.168.78.30", "tcp", 23);
	fwr_free(rs);
}

/* Many unknown rules in a row: the walk splits, but stays bounded. */
static void test_many_unknowns(void **state)
{
	(void)state;
	char *buf = malloc(1 << 20);
	assert_non_null(buf);
	size_t n = (size_t)snprintf(buf, 1 << 20,
				    "{\"nftables\":[" J_CHAIN("inet", "t", "in", J_BASE("drop")));
	for (int i = 0; i < 200; i++)
		n += (size_t)snprintf(
		    buf + n, (1 << 20) - n,
		    "," J_RULE("inet", "t", "in", "%d",
			       "{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"mark\"}},"
			       "\"right\":%d}},{\"%s\":null}"),
		    i + 1, i, i % 2 ? "accept" : "drop");
	snprintf(buf + n, (1 << 20) - n, "]}");
	struct fwr_ruleset *rs = load_text(buf);
	struct fwr_result res =
	    eval(rs, (struct pk){.src = "192.168.78.30", .proto = "tcp", .port = 22});
	assert_int_equal(res.verdict, FWR_UNKNOWN);
	assert_true(res.steps <= FWR_MAX_STEPS + 1);
	assert_non_null(strstr(res.why, "meta mark"));
	fwr_free(rs);
	free(buf);
}

static void test_malformed(void **state)
{
	(void)state;
	struct fwr_ruleset *rs = NULL;
	char why[256];
	static const char *const bad[] = {
	    "not json",
	    "{\"nftables\":3}",
	    "[1,2]",
	    "{\"nftables\":[7]}",
	    "{\"nftables\":[{\"chain\":{\"family\":\"inet\"}}]}",
	    "{\"nftables\":[" J_RULE("inet", "t", "nochain", "1", "{\"accept\":null}") "]}",
	    "{\"nftables\":[" J_CHAIN("inet", "t", "in", "") ",{\"rule\":{\"family\":\"inet\","
							     "\"table\":\"t\",\"chain\":\"in\"}}]}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rs = NULL;
		assert_int_equal(fwr_load(bad[i], strlen(bad[i]), &rs, why, sizeof(why)),
				 MAMORI_EPARSE);
		assert_null(rs);
		assert_true(why[0] != '\0');
	}
	/* odd values inside a valid ruleset are unknown, never a crash or a guess */
	rs =
	    load_text("{\"nftables\":[" J_CHAIN("inet", "t", "in", J_BASE("drop")) "," J_RULE(
		"inet", "t", "in", "1",
		"{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"ip\",\"field\":"
		"\"saddr\"}},\"right\":{\"prefix\":{\"addr\":\"x\",\"len\":99}}}},{\"accept\":"
		"null}") "," J_RULE("inet", "t", "in", "2",
				    J_DPORT(
					"\"ssh\"") ",{\"accept\":null}") "," J_RULE("inet", "t",
										    "in", "3",
										    "7,{\"accept\":"
										    "null}") "]}");
	EXPECT(rs, FWR_UNKNOWN, "an address prefix", "192.168.78.30", "tcp", 23);
	fwr_free(rs);
	/* a packet that is not TCP/UDP over IPv4/IPv6 */
	rs = load("debian_default");
	struct fwr_packet p = {.family = 5, .l4proto = 6};
	struct fwr_result res;
	assert_int_equal(fwr_eval(rs, &p, &res), MAMORI_EINVAL);
	p.family = 4;
	p.l4proto = 1;
	assert_int_equal(fwr_eval(rs, &p, &res), MAMORI_EINVAL);
	fwr_free(rs);
	fwr_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debian_default),
	    cmocka_unit_test(test_empty_ruleset),
	    cmocka_unit_test(test_dormant_table),
	    cmocka_unit_test(test_dnat_before_drop),
	    cmocka_unit_test(test_ufw_like),
	    cmocka_unit_test(test_firewalld_like),
	    cmocka_unit_test(test_allowlist),
	    cmocka_unit_test(test_jumps),
	    cmocka_unit_test(test_sets),
	    cmocka_unit_test(test_unknown_matches),
	    cmocka_unit_test(test_multiple_base_chains),
	    cmocka_unit_test(test_ether_and_fib),
	    cmocka_unit_test(test_fix_table),
	    cmocka_unit_test(test_xt),
	    cmocka_unit_test(test_jump_errors),
	    cmocka_unit_test(test_many_unknowns),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
