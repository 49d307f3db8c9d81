/* SPDX-License-Identifier: Apache-2.0 */
/* The firewall family's pure parsers: the live nftables ruleset (JSON) and the configuration
 * files a firewall loads at boot (nftables.conf, iptables-save files, firewalld zones).
 * Each takes a buffer and does no I/O, so it can be unit-tested and fuzzed. */
#ifndef MAMORI_LINUX_FIREWALL_H
#define MAMORI_LINUX_FIREWALL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Caps on outside input. */
#define FW_NFT_JSON_MAX (32u << 20) /* bytes of `nft -j list ruleset` */
#define FW_NFT_MAX_OBJECTS 200000   /* tables + chains + rules */
#define FW_JUMP_DEPTH 16	    /* nested jump/goto levels followed */

/* What one address family's input hook does with a packet no rule accepted explicitly. */
struct fw_family_view {
	bool filtered;	 /* some input-hook filter chain has rules or a drop policy */
	bool deny;	 /* some input-hook filter chain ends in drop/reject by default */
	bool unknown;	 /* no chain denies for sure, and one might: how says why */
	char chain[200]; /* "inet filter input": the chain that decided (deny) or was seen */
	char how[640];	 /* "policy drop", "last rule: reject", "policy accept, 3 rules" */
	int file, line;	 /* scripts: the file index and line that decided; live: -1, 0 */
};

struct fw_summary {
	struct fw_family_view v4, v6;
	size_t input_chains; /* input-hook filter base chains seen (ip, ip6, inet) */
	char backend[32];    /* "nftables", "iptables-nft", "ufw", "firewalld", "none" */
};

/* Loads `nft -j list ruleset` output (at most max bytes): *root, which the caller releases,
 * and its "nftables" array in *arr. Returns 0, MAMORI_ETOOBIG or MAMORI_EPARSE (why says line
 * and column). Shared by this family and fw_reach.c. */
int fw_nft_json_load(const char *buf, size_t len, size_t max, json_t **root, const json_t **arr,
		     char *why, size_t whylen);

/* Parses `nft -j list ruleset` output and decides, per address family, whether inbound
 * traffic is denied by default. Returns 0, MAMORI_EPARSE (why says line and column),
 * MAMORI_ETOOBIG or MAMORI_ENOMEM. */
int fw_nft_json_parse(const char *buf, size_t len, struct fw_summary *out, char *why,
		      size_t whylen);

/* The same decision from nftables scripts (/etc/nftables.conf and what it includes). Chains,
 * rules and `define`s are accumulated in conf across files (tables and chains may be declared
 * more than once and merge); file is the caller's index of the file, kept with each rule.
 * `include "PATH"` directives are handed to inc (which may parse them at once, recursively).
 * Returns 0, inc's non-zero value, MAMORI_ENOMEM, MAMORI_ETOOBIG or MAMORI_EPARSE with
 * *bad_line. */
struct fw_nft_chain;
struct fw_nft_rule;
struct fw_nft_def;
struct fw_nft_conf {
	struct fw_nft_chain *chains;
	size_t n;
	struct fw_nft_rule *rules;
	size_t nrules, rules_cap;
	long seq;
	struct fw_nft_def *defs;
	size_t ndefs;
};
typedef int (*fw_include_fn)(const char *path, int line, void *ud);
int fw_nft_conf_parse(const char *buf, size_t len, int file, struct fw_nft_conf *conf,
		      fw_include_fn inc, void *ud, int *bad_line);
/* Decides from the accumulated chains, following jumps and gotos as nft does. files names the
 * file indexes for the evidence (may be NULL). *file and *line: the deciding place for IPv4 (or
 * IPv6, or the first input chain), -1/0 when there is none. Returns 0 or MAMORI_ENOMEM. */
int fw_nft_conf_summary(const struct fw_nft_conf *conf, const char *const *files,
			struct fw_summary *out, int *file, int *line);
void fw_nft_conf_free(struct fw_nft_conf *conf);

/* iptables-save format (/etc/iptables/rules.v4, or rules.v6 with v6): the filter table's
 * INPUT chain, decided as the nftables scripts are (jumps to user chains followed, accepts
 * judged by their matches: -i, -s, -p, --dport(s), --ctstate ...). out->line is the deciding
 * line (out->file is -1). Returns 0, MAMORI_ENOMEM, MAMORI_ETOOBIG, or MAMORI_EPARSE with
 * *bad_line. */
int fw_iptables_save_parse(const char *buf, size_t len, bool v6, struct fw_family_view *out,
			   int *bad_line);

/* A firewalld zone file: the <zone target="..."> attribute ("default" when absent), copied
 * into target. Returns 0, or MAMORI_EPARSE with *bad_line when no <zone> element is found. */
int fw_zone_target_parse(const char *buf, size_t len, char *target, size_t targetlen, int *line,
			 int *bad_line);

#endif
