/* SPDX-License-Identifier: Apache-2.0 */
/* A hash-chained audit log: each entry's hash covers the previous entry's hash and its own
 * fields, so an edited, removed or reordered entry breaks the chain, and with the head (last
 * seq and hash) kept apart, so does a removed tail. Pure: the caller reads and writes rows.
 *
 * hash = hex(SHA-256(prev || canonical)), where prev is the 64 hex digits of the previous
 * entry's hash (64 '0' for seq 1) and canonical is seq, at (both in decimal, '-' for a
 * negative at), actor, action, target, detail and remote, each as a netstring "LEN:BYTES,"
 * (LEN in decimal): no two different entries serialize alike. A NULL field counts as "". */
#ifndef MAMORI_SERVER_AUDIT_CHAIN_H
#define MAMORI_SERVER_AUDIT_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

struct audit_entry {
	int64_t seq;	    /* 1, 2, 3 ... no gaps */
	int64_t at;	    /* Unix seconds */
	const char *actor;  /* admin name, "cli", or "-" */
	const char *action; /* e.g. "signin", "signin-failed", "lockout", "token-create" */
	const char *target; /* may be "" */
	const char *detail; /* may be "" (JSON text or free text) */
	const char *remote; /* client address or "" */
	char prev[65];	    /* hash of entry seq-1; 64 '0' for seq 1 */
	char hash[65];	    /* SHA-256 hex over prev and this entry's fields */
};

/* The prev of entry 1. */
extern const char audit_genesis[65];

/* Sets en->prev to prev (audit_genesis when NULL) and en->hash from it and the fields. Only
 * when OpenSSL itself fails (out of memory) is en->hash left "" instead, which no verifier
 * accepts: a caller that must know checks en->hash[0]. */
void audit_entry_seal(struct audit_entry *en, const char prev[65]);

/* Verifies entries fed in seq order. Detects an edited entry (hash mismatch), a removed one
 * (seq gap, or prev not the previous hash), reordered ones (seq not increasing, or a gap) and,
 * with audit_verify_end, a removed tail when the caller knows the expected head. On the first
 * problem, returns false, sets failed and bad_seq, and fills why ("entry 17: edited (hash does
 * not match its contents)", "entry 18: missing (found 19 after 17)"); later calls return false
 * and change nothing. */
struct audit_verifier {
	int64_t checked;    /* entries that verified */
	int64_t last_seq;   /* the last of them (0: none) */
	char last_hash[65]; /* and its hash (audit_genesis: none) */
	bool failed;
	int64_t bad_seq; /* the entry the problem is at */
	char why[200];
};
void audit_verify_begin(struct audit_verifier *v);
/* For a log whose older entries were pruned on purpose: the first entry fed must be seq + 1
 * and chain onto hash (kept when pruning). */
void audit_verify_begin_after(struct audit_verifier *v, int64_t seq, const char hash[65]);
bool audit_verify_next(struct audit_verifier *v, const struct audit_entry *en);
/* After the last entry: false if anything failed or, when head_seq > 0, the log does not end
 * at head_seq (a removed or added tail) or, when head_hash is not NULL, not with that hash.
 * head_seq/head_hash: 0/NULL when unknown. */
bool audit_verify_end(struct audit_verifier *v, int64_t head_seq, const char *head_hash);

#endif
