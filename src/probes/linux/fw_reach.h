/* SPDX-License-Identifier: Apache-2.0 */
/* Does the live nftables ruleset let one concrete packet in? A small, three-valued evaluator
 * of `nft -j list ruleset` for a NEW TCP or UDP packet from a neighbour on the LAN to this PC.
 * Pure (buffer in, verdict out; no I/O) and fuzzed. Semantics and limits: docs/probes/lan.md. */
#ifndef MAMORI_LINUX_FW_REACH_H
#define MAMORI_LINUX_FW_REACH_H

#include <stdbool.h>
#include <stddef.h>

/* Caps on outside input and on the work done for one packet. */
#define FWR_JSON_MAX (32u << 20) /* bytes of `nft -j list ruleset` */
#define FWR_MAX_OBJECTS 200000	 /* tables, chains, rules, sets */
#define FWR_JUMP_DEPTH 16	 /* the kernel's jump stack (NFT_JUMP_STACK_SIZE) */
#define FWR_MAX_STEPS 100000	 /* rule visits per packet, all branches together */
#define FWR_MAX_SPLITS 64	 /* unevaluable rules that split one path */
#define FWR_EXPR_DEPTH 8	 /* nesting of a match's right-hand side */

enum fwr_verdict {
	FWR_BLOCKED, /* some chain drops or rejects the packet on every path */
	FWR_OPEN,    /* every chain that sees the packet accepts it */
	FWR_UNKNOWN, /* a rule that decides could not be evaluated: why names it */
};

/* One packet: a connection attempt (conntrack state NEW) arriving on iifname. */
struct fwr_packet {
	int family;		 /* 4 or 6 */
	unsigned char saddr[16]; /* the neighbour (4 bytes for IPv4) */
	unsigned char daddr[16]; /* this PC's address on the LAN */
	bool has_daddr;		 /* false: matches on the destination are unknown */
	unsigned char smac[6];	 /* the neighbour's MAC, for `ether saddr` */
	bool has_smac;
	const char *iifname; /* the LAN interface */
	int l4proto;	     /* 6 (TCP) or 17 (UDP) */
	unsigned dport;
};

struct fwr_result {
	enum fwr_verdict verdict;
	/* The rule or policy that decided ("inet filter input: policy drop", "inet filter input,
	 * handle 7: accept"), or for FWR_UNKNOWN the rule that could not be evaluated. */
	char why[320];
	size_t steps; /* rule visits this evaluation took */
};

struct fwr_ruleset;

/* Reads a ruleset (`nft -j list ruleset`). Returns 0, MAMORI_EPARSE (why says where),
 * MAMORI_ETOOBIG or MAMORI_ENOMEM; *out is written only on success and freed with fwr_free.
 * The ruleset keeps no pointer into buf. */
int fwr_load(const char *buf, size_t len, struct fwr_ruleset **out, char *why, size_t whylen);

/* Decides what the ruleset does with p: every base chain of the ip/ip6/inet families on the
 * prerouting and input hooks that sees p's family (filter and nat types, in hook and priority
 * order), jumps, gotos and returns followed. A match this code cannot evaluate splits the
 * walk in two (it matches / it does not); the verdict is known only when every branch agrees.
 * Returns 0, or MAMORI_EINVAL for a packet that is not IPv4/IPv6 TCP/UDP. */
int fwr_eval(const struct fwr_ruleset *rs, const struct fwr_packet *p, struct fwr_result *out);

/* How many base chains (of those fwr_eval walks) the ruleset has for family 4 or 6. */
size_t fwr_base_chains(const struct fwr_ruleset *rs, int family);

void fwr_free(struct fwr_ruleset *rs);

const char *fwr_verdict_name(enum fwr_verdict v); /* "blocked", "open", "unknown" */

#endif
