/* SPDX-License-Identifier: Apache-2.0 */
#include "server/audit_chain.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/util.h"

const char audit_genesis[65] = "0000000000000000000000000000000000000000000000000000000000000000";

static bool put(EVP_MD_CTX *ctx, const void *data, size_t len)
{
	return EVP_DigestUpdate(ctx, data, len) == 1;
}

/* One netstring: "LEN:BYTES,". */
static bool put_field(EVP_MD_CTX *ctx, const char *s, size_t len)
{
	char head[32];
	int n = snprintf(head, sizeof head, "%zu:", len);
	return n > 0 && (size_t)n < sizeof head && put(ctx, head, (size_t)n) && put(ctx, s, len) &&
	       put(ctx, ",", 1);
}

static bool put_str(EVP_MD_CTX *ctx, const char *s)
{
	return put_field(ctx, s ? s : "", s ? strlen(s) : 0);
}

static bool put_num(EVP_MD_CTX *ctx, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%lld", (long long)v);
	return n > 0 && (size_t)n < sizeof num && put_field(ctx, num, (size_t)n);
}

/* The hash of en chained onto prev (64 hex digits), or false if OpenSSL fails. */
static bool entry_hash(const struct audit_entry *en, const char *prev, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
		  put(ctx, prev, 64) && put_num(ctx, en->seq) && put_num(ctx, en->at) &&
		  put_str(ctx, en->actor) && put_str(ctx, en->action) && put_str(ctx, en->target) &&
		  put_str(ctx, en->detail) && put_str(ctx, en->remote) &&
		  EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32;
	EVP_MD_CTX_free(ctx);
	if (ok)
		hex_encode(md, 32, out);
	return ok;
}

/* 64 lower-case hex digits and a NUL, read no further than the array. */
static bool is_hash(const char h[65])
{
	for (int i = 0; i < 64; i++)
		if (!c_isdigit((unsigned char)h[i]) && !(h[i] >= 'a' && h[i] <= 'f'))
			return false;
	return h[64] == '\0';
}

void audit_entry_seal(struct audit_entry *en, const char prev[65])
{
	memcpy(en->prev, prev ? prev : audit_genesis, 64);
	en->prev[64] = '\0';
	if (!entry_hash(en, en->prev, en->hash))
		en->hash[0] = '\0';
}

void audit_verify_begin_after(struct audit_verifier *v, int64_t seq, const char hash[65])
{
	v->checked = 0;
	v->last_seq = seq;
	memcpy(v->last_hash, hash, 64);
	v->last_hash[64] = '\0';
	v->failed = false;
	v->bad_seq = 0;
	v->why[0] = '\0';
}

void audit_verify_begin(struct audit_verifier *v)
{
	audit_verify_begin_after(v, 0, audit_genesis);
}

__attribute__((format(printf, 3, 4))) static bool fail(struct audit_verifier *v, int64_t seq,
						       const char *fmt, ...)
{
	va_list ap;
	v->failed = true;
	v->bad_seq = seq;
	va_start(ap, fmt);
	/* The longest message fits; a cut one would still say which entry. */
	(void)vsnprintf(v->why, sizeof v->why, fmt, ap);
	va_end(ap);
	return false;
}

bool audit_verify_next(struct audit_verifier *v, const struct audit_entry *en)
{
	if (v->failed)
		return false;
	long long seq = en->seq, last = v->last_seq;
	if (seq <= last)
		return fail(v, seq, "entry %lld: out of order (found after entry %lld)", seq, last);
	if (seq != last + 1) {
		if (last == 0)
			return fail(v, 1, "entry 1: missing (the log starts at entry %lld)", seq);
		return fail(v, last + 1, "entry %lld: missing (found %lld after %lld)", last + 1,
			    seq, last);
	}
	char want[65];
	if (!is_hash(en->prev) || !is_hash(en->hash))
		return fail(v, seq, "entry %lld: edited (prev or hash is not a SHA-256 hex digest)",
			    seq);
	if (!entry_hash(en, en->prev, want))
		return fail(v, seq, "entry %lld: cannot be checked (SHA-256 failed)", seq);
	if (memcmp(want, en->hash, 64) != 0)
		return fail(v, seq, "entry %lld: edited (hash does not match its contents)", seq);
	/* Its own hash holds, yet it does not chain: the entry before was changed and re-sealed,
	 * or this one was put in another's place. */
	if (memcmp(en->prev, v->last_hash, 64) != 0)
		return fail(v, seq,
			    "entry %lld: chain broken (prev is not the hash of entry %lld: "
			    "changed and re-sealed, or replaced)",
			    seq, last);
	v->checked++;
	v->last_seq = seq;
	memcpy(v->last_hash, en->hash, 65);
	return true;
}

bool audit_verify_end(struct audit_verifier *v, int64_t head_seq, const char *head_hash)
{
	if (v->failed)
		return false;
	if (head_seq <= 0)
		return true;
	long long last = v->last_seq, head = head_seq;
	if (last < head)
		return fail(v, last + 1,
			    "entry %lld: missing (the log ends at entry %lld; the recorded head is "
			    "entry %lld)",
			    last + 1, last, head);
	if (last > head)
		return fail(v, head + 1, "entry %lld: past the recorded head (entry %lld)",
			    head + 1, head);
	if (head_hash != NULL &&
	    (strnlen(head_hash, 65) != 64 || memcmp(head_hash, v->last_hash, 64) != 0))
		return fail(v, last,
			    "entry %lld: not the recorded head (its hash differs: the tail was "
			    "replaced)",
			    last);
	return true;
}
