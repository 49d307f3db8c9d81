/* SPDX-License-Identifier: Apache-2.0 */
/* Sign-in primitives for mamorid's administrators: Argon2id passwords, TOTP (RFC 6238),
 * one-time recovery codes and the lockout state machine. Pure: no database, no HTTP, and no
 * clock of their own (the caller passes Unix seconds), so every rule is tested with a fake
 * clock. Numbers follow the MIC telework security guideline and OWASP's password storage
 * cheat sheet. */
#ifndef MAMORI_SERVER_AUTH_H
#define MAMORI_SERVER_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/util.h"

/* ---- Passwords ---------------------------------------------------------------------------- */

#define AUTH_PASSWORD_MIN 12	    /* characters (Unicode code points), MIC guidance */
#define AUTH_PASSWORD_MAX 1024	    /* bytes */
#define AUTH_LOCK_FAILURES 10	    /* failed sign-ins that lock the account ... */
#define AUTH_LOCK_SECONDS (30 * 60) /* ... for 30 minutes (MIC guidance numbers) */
#define AUTH_HASH_MAX 160	    /* an encoded Argon2id hash fits */

/* The cost of new hashes (OWASP's minimum for Argon2id) ... */
#define AUTH_ARGON2_M_KIB 19456
#define AUTH_ARGON2_T 2
#define AUTH_ARGON2_P 1
#define AUTH_ARGON2_SALT_BYTES 16
#define AUTH_ARGON2_TAG_BYTES 32
/* ... and the most a stored hash may ask for: a tampered row must not make the server
 * allocate gigabytes or spin for minutes. */
#define AUTH_ARGON2_M_CAP 262144
#define AUTH_ARGON2_T_CAP 10
#define AUTH_ARGON2_P_CAP 4

/* Policy check: UTF-8 valid, no control characters (C0, DEL, C1), at least AUTH_PASSWORD_MIN
 * code points, at most AUTH_PASSWORD_MAX bytes. MAMORI_EINVAL with a message naming the rule
 * broken (never the password). */
int auth_password_policy(const char *pw, struct errbuf *e);

/* Argon2id (m=19456 KiB, t=2, p=1, 16-byte random salt, 32-byte tag) encoded as
 * "$argon2id$v=19$m=19456,t=2,p=1$SALT$TAG" into out. Refuses a password longer than
 * AUTH_PASSWORD_MAX bytes but does not apply the rest of the policy (the caller does, with
 * auth_password_policy). out is written only on success. */
int auth_password_hash(const char *pw, char out[AUTH_HASH_MAX], struct errbuf *e);

/* The parameters of an encoded hash, as auth_password_verify reads them. */
struct auth_argon2_params {
	uint32_t m_kib, t, p;
};

/* Reads "$argon2id$v=19$m=M,t=T,p=P$SALT$TAG" without hashing anything: MAMORI_EPARSE when
 * the text is not that shape (other Argon2 variants and versions included), MAMORI_EINVAL when
 * a parameter is 0 or passes its cap, MAMORI_ETOOBIG when it is AUTH_HASH_MAX bytes or more.
 * *out is written only on success. */
int auth_hash_params(const char *encoded, const struct auth_argon2_params *caps,
		     struct auth_argon2_params *out, struct errbuf *e);

/* *ok = whether pw matches encoded (compared in constant time by libargon2). A wrong password
 * is return 0 with *ok = false; an encoding that auth_hash_params refuses with the caps
 * above, or that libargon2 cannot use, is an error with *ok = false, checked before any
 * memory is allocated for hashing. */
int auth_password_verify(const char *encoded, const char *pw, bool *ok, struct errbuf *e);
/* The same with other caps (the fuzz target keeps hashing cheap with tiny ones). */
int auth_password_verify_caps(const char *encoded, const char *pw,
			      const struct auth_argon2_params *caps, bool *ok, struct errbuf *e);

/* ---- TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30 s steps) with liboath -------------------------- */

#define TOTP_SECRET_BYTES 20
#define TOTP_SECRET_MIN_BYTES 16 /* RFC 4226 R6: at least 128 bits */
#define TOTP_B32_MAX 64
#define TOTP_STEP 30
#define TOTP_DIGITS 6

/* A new random secret (TOTP_SECRET_BYTES from RAND_bytes) as upper-case base32 without
 * padding. b32 is written only on success. */
int totp_secret_new(char b32[TOTP_B32_MAX], struct errbuf *e);
/* The code for the step holding now (now >= 0), for tests and the CLI. b32 must be upper-case
 * base32 (A-Z, 2-7, no padding) of at least TOTP_SECRET_MIN_BYTES. */
int totp_code(const char *b32, int64_t now, char out[7], struct errbuf *e);
/* otpauth://totp/ISSUER:ACCOUNT?secret=B32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
 * with issuer and account percent-encoded (RFC 3986 unreserved characters kept) into out;
 * MAMORI_ETOOBIG when it does not fit cap, and then out is untouched. */
int totp_uri(const char *issuer, const char *account, const char *b32, char *out, size_t cap,
	     struct errbuf *e);
/* True when code (exactly 6 ASCII digits once ASCII spaces are removed) is the code of one of
 * the steps now-1, now, now+1 AND that step is later than *last_step (each code is accepted
 * once: a replay, or an older code after a newer one, is refused); then *last_step = that
 * step. Anything malformed is false and leaves *last_step alone. A new secret starts with
 * *last_step = 0 (step 0 is 1970). */
bool totp_verify(const char *b32, const char *code, int64_t now, int64_t *last_step);

/* ---- Recovery codes ------------------------------------------------------------------------ */

/* Ten one-time codes "xxxx-xxxx-xxxx" in Crockford's base32 alphabet (0-9 and a-z without
 * i, l, o, u: no two symbols look alike), 60 random bits each. Only their hashes are stored:
 * SHA-256 hex of the normalized code. Normalizing lower-cases, drops dashes and spaces and,
 * as Crockford's decoding does, reads o as 0 and i or l as 1 (generated codes never hold
 * o, i or l, so that only forgives a misread). */
#define RECOVERY_CODES 10
#define RECOVERY_CODE_LEN 14
/* codes and hashes are written only on success; the ten codes are distinct. */
int recovery_codes_new(char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1],
		       char hashes[RECOVERY_CODES][65], struct errbuf *e);
/* The stored hash of what a person typed; false when it cannot be a recovery code (wrong
 * length or a symbol outside the alphabet after normalizing), and then out is untouched. */
bool recovery_code_hash(const char *code, char out[65]);

/* ---- Lockout (a pure state machine; the caller stores it in the admins row) ---------------- */

struct lockout {
	int failed;	      /* consecutive failures since the last success or lock */
	int64_t locked_until; /* Unix seconds; 0: never locked */
};
/* Whether sign-in is refused at now (locked_until > now). */
bool lockout_locked(const struct lockout *l, int64_t now);
/* A failed sign-in at now. While locked nothing changes (not counted, lock not extended).
 * After a lock expired, counting starts again from 0. The AUTH_LOCK_FAILURES-th consecutive
 * failure sets locked_until = now + AUTH_LOCK_SECONDS and returns true ("just locked"). */
bool lockout_failure(struct lockout *l, int64_t now);
/* A successful sign-in: back to no failures, no lock. */
void lockout_success(struct lockout *l);

#endif
