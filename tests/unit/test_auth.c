/* SPDX-License-Identifier: Apache-2.0 */
/* Sign-in primitives: password policy and Argon2id, TOTP against RFC 6238's vectors, recovery
 * codes, and the lockout with its own clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <argon2.h>

#include "server/auth.h"

#define NOW 1795424400 /* 2026-11-23T09:00:00Z */

/* RFC 6238 Appendix B: the SHA-1 secret "12345678901234567890". */
#define RFC_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define HASH_PREFIX "$argon2id$v=19$m=19456,t=2,p=1$"

static void policy_refuses(const char *pw, const char *why)
{
	struct errbuf e = {""};
	assert_int_equal(auth_password_policy(pw, &e), MAMORI_EINVAL);
	if (strstr(e.msg, why) == NULL)
		fail_msg("policy message \"%s\" does not say \"%s\"", e.msg, why);
}

static void test_password_policy(void **state)
{
	(void)state;
	struct errbuf e;
	policy_refuses("abcdefghijk", "shorter than 12 characters (it has 11)");
	assert_int_equal(auth_password_policy("abcdefghijkl", &e), 0);
	/* Code points, not bytes: 11 kana are 33 bytes and still too short, 12 are enough. */
	policy_refuses("\xe3\x81\x82\xe3\x81\x84\xe3\x81\x86\xe3\x81\x88\xe3\x81\x8a\xe3\x81\x8b"
		       "\xe3\x81\x8d\xe3\x81\x8f\xe3\x81\x91\xe3\x81\x93\xe3\x81\x95",
		       "it has 11");
	assert_int_equal(auth_password_policy("\xe3\x81\x82\xe3\x81\x84\xe3\x81\x86\xe3\x81\x88"
					      "\xe3\x81\x8a\xe3\x81\x8b\xe3\x81\x8d\xe3\x81\x8f"
					      "\xe3\x81\x91\xe3\x81\x93\xe3\x81\x95\xe3\x81\x97",
					      &e),
			 0);
	/* A 4-byte emoji is one character too. */
	policy_refuses("abcdefghij\xf0\x9f\x94\x91", "it has 11");
	policy_refuses("abcdefghijkl\xff", "not valid UTF-8 (byte 13)");
	policy_refuses("abcdefghijkl\xc0\xaf", "not valid UTF-8");     /* overlong '/' */
	policy_refuses("abcdefghijkl\xed\xa0\x80", "not valid UTF-8"); /* surrogate */
	policy_refuses("abcdefghijkl\xe3\x81", "not valid UTF-8");     /* cut short */
	policy_refuses("abcdef\tghijkl", "control character (character 7)");
	policy_refuses("abcdefghijkl\x7f", "control character");
	policy_refuses("abcdefghijkl\xc2\x85", "control character"); /* NEL, C1 */
	policy_refuses("", "shorter");
	policy_refuses(NULL, "no password");
	/* U+00A0 (C2 A0) is past C1 and allowed. */
	assert_int_equal(auth_password_policy("abcdefghijk\xc2\xa0", &e), 0);
	char *big = malloc(AUTH_PASSWORD_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', AUTH_PASSWORD_MAX + 1);
	big[AUTH_PASSWORD_MAX + 1] = '\0';
	policy_refuses(big, "longer than 1024 bytes");
	big[AUTH_PASSWORD_MAX] = '\0';
	assert_int_equal(auth_password_policy(big, &e), 0);
	free(big);
}

static void test_password_hash_verify(void **state)
{
	(void)state;
	struct errbuf e;
	char h1[AUTH_HASH_MAX], h2[AUTH_HASH_MAX];
	const char *pw = "correct horse battery staple";
	assert_int_equal(auth_password_hash(pw, h1, &e), 0);
	assert_int_equal(auth_password_hash(pw, h2, &e), 0);
	assert_memory_equal(h1, HASH_PREFIX, strlen(HASH_PREFIX));
	/* 16-byte salt and 32-byte tag in unpadded base64: 22 and 43 characters. */
	assert_int_equal(strlen(h1), strlen(HASH_PREFIX) + 22 + 1 + 43);
	assert_string_not_equal(h1, h2); /* random salts */

	bool ok = false;
	assert_int_equal(auth_password_verify(h1, pw, &ok, &e), 0);
	assert_true(ok);
	assert_int_equal(auth_password_verify(h2, pw, &ok, &e), 0);
	assert_true(ok);
	ok = true;
	assert_int_equal(auth_password_verify(h1, "correct horse battery stapler", &ok, &e), 0);
	assert_false(ok);
	ok = true;
	assert_int_equal(auth_password_verify(h1, "", &ok, &e), 0);
	assert_false(ok);

	/* A tag changed in one character no longer matches. */
	char bad[AUTH_HASH_MAX];
	memcpy(bad, h1, sizeof bad);
	size_t last = strlen(bad) - 2;
	bad[last] = bad[last] == 'A' ? 'B' : 'A';
	ok = true;
	assert_int_equal(auth_password_verify(bad, pw, &ok, &e), 0);
	assert_false(ok);

	/* Japanese passwords hash and verify byte for byte. */
	const char *jp = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x91\xe3\x82"
			 "\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89\xe3\x81\xa7\xe3\x81\x99";
	assert_int_equal(auth_password_hash(jp, h2, &e), 0);
	assert_int_equal(auth_password_verify(h2, jp, &ok, &e), 0);
	assert_true(ok);

	/* The hasher refuses what the policy calls too long; such a password never matches. */
	char *big = malloc(AUTH_PASSWORD_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', AUTH_PASSWORD_MAX + 1);
	big[AUTH_PASSWORD_MAX + 1] = '\0';
	memcpy(h2, "untouched", 10);
	assert_int_equal(auth_password_hash(big, h2, &e), MAMORI_EINVAL);
	assert_string_equal(h2, "untouched");
	ok = true;
	assert_int_equal(auth_password_verify(h1, big, &ok, &e), 0);
	assert_false(ok);
	free(big);
}

/* Verifying enc must fail with rc and leave *ok false, whatever it was. */
static void refused(const char *enc, int rc, const char *why)
{
	struct errbuf e = {""};
	bool ok = true;
	assert_int_equal(auth_password_verify(enc, "correct horse battery staple", &ok, &e), rc);
	assert_false(ok);
	if (strstr(e.msg, why) == NULL)
		fail_msg("\"%s\": message \"%s\" does not say \"%s\"", enc, e.msg, why);
}

static void test_password_tampered(void **state)
{
	(void)state;
	struct errbuf e;
	char h[AUTH_HASH_MAX], t[AUTH_HASH_MAX + 64];
	assert_int_equal(auth_password_hash("correct horse battery staple", h, &e), 0);
	const char *salt_tag = h + strlen(HASH_PREFIX);

	/* Other variants and versions. */
	snprintf(t, sizeof t, "$argon2i$v=19$m=19456,t=2,p=1$%s", salt_tag);
	refused(t, MAMORI_EPARSE, "not an Argon2id version 19 hash");
	snprintf(t, sizeof t, "$argon2d$v=19$m=19456,t=2,p=1$%s", salt_tag);
	refused(t, MAMORI_EPARSE, "not an Argon2id");
	snprintf(t, sizeof t, "$argon2id$v=16$m=19456,t=2,p=1$%s", salt_tag);
	refused(t, MAMORI_EPARSE, "version 19");
	/* Costs past the caps are refused before any hashing. */
	snprintf(t, sizeof t, "$argon2id$v=19$m=262145,t=2,p=1$%s", salt_tag);
	refused(t, MAMORI_EINVAL, "m=262145");
	snprintf(t, sizeof t, "$argon2id$v=19$m=4294967296,t=2,p=1$%s", salt_tag);
	refused(t, MAMORI_EINVAL, "accepted is 1 to 262144");
	snprintf(t, sizeof t, "$argon2id$v=19$m=99999999999999999999999,t=2,p=1$%s", salt_tag);
	refused(t, MAMORI_EINVAL, "m=");
	snprintf(t, sizeof t, "$argon2id$v=19$m=19456,t=11,p=1$%s", salt_tag);
	refused(t, MAMORI_EINVAL, "t=11");
	snprintf(t, sizeof t, "$argon2id$v=19$m=19456,t=2,p=5$%s", salt_tag);
	refused(t, MAMORI_EINVAL, "p=5");
	snprintf(t, sizeof t, "$argon2id$v=19$m=19456,t=0,p=1$%s", salt_tag);
	refused(t, MAMORI_EINVAL, "t=0");
	snprintf(t, sizeof t, "$argon2id$v=19$m=019456,t=2,p=1$%s", salt_tag);
	refused(t, MAMORI_EPARSE, "bad number");
	snprintf(t, sizeof t, "$argon2id$v=19$t=2,m=19456,p=1$%s", salt_tag);
	refused(t, MAMORI_EPARSE, "expected m=");
	/* Within the caps but below what Argon2 allows (m >= 8 p): libargon2 refuses it. */
	snprintf(t, sizeof t, "$argon2id$v=19$m=4,t=1,p=1$%s", salt_tag);
	refused(t, MAMORI_EINVAL, "unusable");
	/* Garbage. */
	refused("", MAMORI_EPARSE, "not an Argon2id");
	refused("hunter2", MAMORI_EPARSE, "not an Argon2id");
	refused("$argon2id$v=19$m=19456,t=2,p=1$", MAMORI_EPARSE, "bad salt");
	refused("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$", MAMORI_EPARSE, "bad tag");
	refused("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$dGFn$x", MAMORI_EPARSE, "bad tag");
	refused("$argon2id$v=19$m=19456,t=2,p=1$c2Fs!HNhbHQ$dGFnZ2luZw", MAMORI_EPARSE, "bad salt");
	refused(NULL, MAMORI_EINVAL, "no hash");
	snprintf(t, sizeof t, "%s%064d", h, 0); /* past AUTH_HASH_MAX */
	refused(t, MAMORI_ETOOBIG, "longer than");
	/* A salt shorter than Argon2's 8 bytes. */
	refused("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$dGFnZ2luZ3RhZ2dpbmc", MAMORI_EINVAL,
		"unusable");

	/* Other costs within the caps do verify (a row hashed with older parameters). */
	char cheap[AUTH_HASH_MAX];
	const unsigned char salt[16] = "0123456789abcdef";
	assert_int_equal(
	    argon2id_hash_encoded(1, 64, 2, "pw", 2, salt, sizeof salt, 16, cheap, sizeof cheap),
	    ARGON2_OK);
	bool ok = false;
	assert_int_equal(auth_password_verify(cheap, "pw", &ok, &e), 0);
	assert_true(ok);
	struct auth_argon2_params p = {0, 0, 0}, caps = {64, 1, 2};
	assert_int_equal(auth_hash_params(cheap, &caps, &p, &e), 0);
	assert_int_equal(p.m_kib, 64);
	assert_int_equal(p.t, 1);
	assert_int_equal(p.p, 2);
	caps.m_kib = 63;
	assert_int_equal(auth_password_verify_caps(cheap, "pw", &caps, &ok, &e), MAMORI_EINVAL);
	assert_false(ok);
}

static void code_at(int64_t now, const char *want)
{
	struct errbuf e;
	char out[7] = "";
	assert_int_equal(totp_code(RFC_B32, now, out, &e), 0);
	assert_string_equal(out, want);
}

static void test_totp_rfc6238(void **state)
{
	(void)state;
	/* Appendix B's SHA-1 column, last six of eight digits. */
	code_at(59, "287082");
	code_at(1111111109, "081804");
	code_at(1111111111, "050471");
	code_at(1234567890, "005924");
	code_at(2000000000, "279037");
	/* One step is 30 s: 30..59 share a code, 60 starts the next. */
	code_at(30, "287082");
	struct errbuf e;
	char out[7] = "x";
	assert_int_equal(totp_code(RFC_B32, 60, out, &e), 0);
	assert_string_not_equal(out, "287082");
	/* Secrets: lower case, padding, too short (5 bytes), not base32. */
	assert_int_equal(totp_code("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", 59, out, &e), MAMORI_EINVAL);
	assert_int_equal(totp_code(RFC_B32 "======", 59, out, &e), MAMORI_EINVAL);
	assert_int_equal(totp_code("GEZDGNBV", 59, out, &e), MAMORI_EINVAL);
	assert_non_null(strstr(e.msg, "at least 16"));
	assert_int_equal(totp_code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1", 59, out, &e), MAMORI_EINVAL);
	assert_int_equal(totp_code("", 59, out, &e), MAMORI_EINVAL);
	assert_int_equal(totp_code(NULL, 59, out, &e), MAMORI_EINVAL);
	assert_int_equal(totp_code(RFC_B32, -1, out, &e), MAMORI_EINVAL);
}

static void test_totp_verify(void **state)
{
	(void)state;
	const int64_t now = 1111111111; /* step 37037037 */
	const int64_t step = now / 30;
	int64_t last = 0;
	/* Vectors computed apart (Python hmac) for the neighbouring steps. */
	assert_true(totp_verify(RFC_B32, "050471", now, &last));
	assert_int_equal(last, step);
	/* Replay refused, in the same step and in the next one (still in the window). */
	assert_false(totp_verify(RFC_B32, "050471", now, &last));
	assert_false(totp_verify(RFC_B32, "050471", now + 30, &last));
	assert_int_equal(last, step);
	/* An older step after a newer one was accepted is refused. */
	assert_false(totp_verify(RFC_B32, "081804", now, &last));
	/* The next step's code is accepted once. */
	assert_true(totp_verify(RFC_B32, "266759", now, &last));
	assert_int_equal(last, step + 1);
	assert_false(totp_verify(RFC_B32, "266759", now + 30, &last));

	/* Window: +-1 step accepted, +-2 refused. */
	last = 0;
	assert_true(totp_verify(RFC_B32, "081804", now, &last));
	assert_int_equal(last, step - 1);
	last = 0;
	assert_false(totp_verify(RFC_B32, "731029", now, &last)); /* step - 2 */
	assert_false(totp_verify(RFC_B32, "306183", now, &last)); /* step + 2 */
	assert_int_equal(last, 0);
	/* ... and the edges of the window follow the clock: at now + 60 the code of now is
	 * two steps old. */
	assert_false(totp_verify(RFC_B32, "050471", now + 60, &last));
	assert_true(totp_verify(RFC_B32, "050471", now + 30, &last));

	/* Spaces are ignored; anything else malformed is refused. */
	last = 0;
	assert_true(totp_verify(RFC_B32, " 050 471 ", now, &last));
	last = 0;
	static const char *const bad[] = {"05047",
					  "0504711",
					  "",
					  "abcdef",
					  "05047a",
					  "050-471",
					  "050471\n",
					  ("\xef\xbc\x90"
					   "50471") /* fullwidth 0 */,
					  "+50471",
					  "-50471",
					  "       "};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (totp_verify(RFC_B32, bad[i], now, &last))
			fail_msg("code \"%s\" was accepted", bad[i]);
	assert_false(totp_verify(RFC_B32, NULL, now, &last));
	assert_false(totp_verify(NULL, "050471", now, &last));
	assert_false(totp_verify("GEZDGNBV", "050471", now, &last));
	assert_false(totp_verify(RFC_B32, "050471", now, NULL));
	assert_false(totp_verify(RFC_B32, "050471", -1, &last));
	assert_int_equal(last, 0);
	/* At the very start of time there is no step -1 to look at. */
	last = -1;
	assert_true(totp_verify(RFC_B32, "287082", 0, &last));
	assert_int_equal(last, 1);
}

static void test_totp_secret_and_uri(void **state)
{
	(void)state;
	struct errbuf e;
	char s1[TOTP_B32_MAX], s2[TOTP_B32_MAX];
	assert_int_equal(totp_secret_new(s1, &e), 0);
	assert_int_equal(totp_secret_new(s2, &e), 0);
	assert_int_equal(strlen(s1), 32); /* 20 bytes = 160 bits = 32 symbols, no padding */
	assert_string_not_equal(s1, s2);
	for (size_t i = 0; s1[i]; i++)
		assert_true((s1[i] >= 'A' && s1[i] <= 'Z') || (s1[i] >= '2' && s1[i] <= '7'));
	char code[7];
	assert_int_equal(totp_code(s1, NOW, code, &e), 0);
	int64_t last = 0;
	assert_true(totp_verify(s1, code, NOW, &last));

	char uri[256];
	assert_int_equal(totp_uri("mamori", "admin@example.jp", RFC_B32, uri, sizeof uri, &e), 0);
	assert_string_equal(uri, "otpauth://totp/mamori:admin%40example.jp?secret=" RFC_B32
				 "&issuer=mamori&algorithm=SHA1&digits=6&period=30");
	/* Spaces, reserved characters, a colon and Japanese are percent-encoded; -._~ stay. */
	assert_int_equal(totp_uri("Example Co:HQ",
				  "\xe7\xae\xa1\xe7\x90\x86\xe8\x80\x85 a-b_c.d~e/f", RFC_B32, uri,
				  sizeof uri, &e),
			 0);
	assert_string_equal(uri, "otpauth://totp/Example%20Co%3AHQ:%E7%AE%A1%E7%90%86%E8%80%85%20"
				 "a-b_c.d~e%2Ff?secret=" RFC_B32
				 "&issuer=Example%20Co%3AHQ&algorithm=SHA1&digits=6&period=30");
	/* Exactly the room it needs, then one byte less: refused, out untouched. */
	size_t need = strlen(uri) + 1;
	char exact[256];
	assert_int_equal(totp_uri("Example Co:HQ",
				  "\xe7\xae\xa1\xe7\x90\x86\xe8\x80\x85 a-b_c.d~e/f", RFC_B32,
				  exact, need, &e),
			 0);
	assert_string_equal(exact, uri);
	memcpy(exact, "untouched", 10);
	assert_int_equal(totp_uri("Example Co:HQ",
				  "\xe7\xae\xa1\xe7\x90\x86\xe8\x80\x85 a-b_c.d~e/f", RFC_B32,
				  exact, need - 1, &e),
			 MAMORI_ETOOBIG);
	assert_string_equal(exact, "untouched");
	assert_int_equal(totp_uri("", "a", RFC_B32, uri, sizeof uri, &e), MAMORI_EINVAL);
	assert_int_equal(totp_uri("i", "", RFC_B32, uri, sizeof uri, &e), MAMORI_EINVAL);
	assert_int_equal(totp_uri("i", "a", "not base32!", uri, sizeof uri, &e), MAMORI_EINVAL);
	assert_int_equal(totp_uri("i", "a", RFC_B32, uri, 0, &e), MAMORI_ETOOBIG);
}

static bool in_alphabet(char c)
{
	return c != '\0' && strchr("0123456789abcdefghjkmnpqrstvwxyz", c) != NULL;
}

static void test_recovery_codes(void **state)
{
	(void)state;
	struct errbuf e;
	char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1], hashes[RECOVERY_CODES][65];
	char again[RECOVERY_CODES][RECOVERY_CODE_LEN + 1], again_h[RECOVERY_CODES][65];
	assert_int_equal(recovery_codes_new(codes, hashes, &e), 0);
	assert_int_equal(recovery_codes_new(again, again_h, &e), 0);
	for (int i = 0; i < RECOVERY_CODES; i++) {
		const char *c = codes[i];
		assert_int_equal(strlen(c), RECOVERY_CODE_LEN);
		for (int k = 0; k < RECOVERY_CODE_LEN; k++)
			if (k == 4 || k == 9)
				assert_int_equal(c[k], '-');
			else if (!in_alphabet(c[k]))
				fail_msg("code %s: '%c' is outside the alphabet", c, c[k]);
		assert_int_equal(strlen(hashes[i]), 64);
		char h[65];
		assert_true(recovery_code_hash(c, h));
		assert_string_equal(h, hashes[i]);
		for (int j = 0; j < i; j++) {
			assert_string_not_equal(codes[j], c);
			assert_string_not_equal(hashes[j], hashes[i]);
		}
		for (int j = 0; j < RECOVERY_CODES; j++)
			assert_string_not_equal(again[j], c);
	}
	/* The stored hash is SHA-256 of the normalized code (hashlib.sha256(b"0123456789ab")). */
	static const char want[] =
	    "d407ad901895723f32d31e6515f5284beb4c01e70e56720d65099da4771f3193";
	static const char *const same[] = {"0123-4567-89ab",   "0123456789AB",	 "0123 4567 89aB",
					   " 0123-4567-89ab ", "O123-4567-89ab", /* letter O */
					   "0I23-4567-89ab",   "0l23-4567-89ab"};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		char h[65] = "";
		if (!recovery_code_hash(same[i], h))
			fail_msg("\"%s\" refused", same[i]);
		assert_string_equal(h, want);
	}
	static const char *const bad[] = {
	    "",
	    "0123-4567-89a",   /* 11 symbols */
	    "0123-4567-89abc", /* 13 */
	    "0123-4567-89au",  /* u is not in the alphabet */
	    "0123-4567-89a!",
	    "0123_4567_89ab",
	    "0123-4567-89a\xc3\xa9",
	    ("-------------------------------------------------------------"
	     "-------0123-4567-89ab")};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char h[65] = "untouched";
		if (recovery_code_hash(bad[i], h))
			fail_msg("\"%s\" accepted", bad[i]);
		assert_string_equal(h, "untouched");
	}
	char h[65];
	assert_false(recovery_code_hash(NULL, h));
}

static void test_lockout(void **state)
{
	(void)state;
	struct lockout l = {0, 0};
	int64_t t = NOW;
	for (int i = 1; i < AUTH_LOCK_FAILURES; i++) {
		assert_false(lockout_failure(&l, t++));
		assert_false(lockout_locked(&l, t));
	}
	assert_int_equal(l.failed, 9);
	const int64_t at = t;
	assert_true(lockout_failure(&l, at)); /* the 10th */
	assert_int_equal(l.locked_until, at + 1800);
	assert_true(lockout_locked(&l, at));
	assert_true(lockout_locked(&l, at + 1799));
	assert_false(lockout_locked(&l, at + 1800));
	/* Failures while locked are not counted and do not extend the lock. */
	for (int i = 0; i < 20; i++)
		assert_false(lockout_failure(&l, at + 1 + i * 60));
	assert_int_equal(l.locked_until, at + 1800);
	assert_false(lockout_locked(&l, at + 1800));
	/* After the lock ran out, counting starts again from 0: nine more do not lock. */
	for (int i = 1; i < AUTH_LOCK_FAILURES; i++)
		assert_false(lockout_failure(&l, at + 1800 + i));
	assert_int_equal(l.failed, 9);
	assert_false(lockout_locked(&l, at + 1810));
	assert_true(lockout_failure(&l, at + 1810));
	assert_int_equal(l.locked_until, at + 1810 + AUTH_LOCK_SECONDS);

	/* A success resets the count: nine, success, nine more, and no lock. */
	struct lockout m = {0, 0};
	for (int i = 1; i < AUTH_LOCK_FAILURES; i++)
		assert_false(lockout_failure(&m, NOW + i));
	lockout_success(&m);
	assert_int_equal(m.failed, 0);
	assert_int_equal(m.locked_until, 0);
	for (int i = 1; i < AUTH_LOCK_FAILURES; i++)
		assert_false(lockout_failure(&m, NOW + 100 + i));
	assert_false(lockout_locked(&m, NOW + 200));
	/* A nonsense count from a tampered row does not overflow or dodge the lock. */
	struct lockout n = {2147483647, 0};
	assert_true(lockout_failure(&n, NOW));
	assert_int_equal(n.locked_until, NOW + AUTH_LOCK_SECONDS);
	n = (struct lockout){-5, 0};
	assert_false(lockout_failure(&n, NOW));
	assert_int_equal(n.failed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_password_policy),   cmocka_unit_test(test_password_hash_verify),
	    cmocka_unit_test(test_password_tampered), cmocka_unit_test(test_totp_rfc6238),
	    cmocka_unit_test(test_totp_verify),	      cmocka_unit_test(test_totp_secret_and_uri),
	    cmocka_unit_test(test_recovery_codes),    cmocka_unit_test(test_lockout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
