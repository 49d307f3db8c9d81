/* SPDX-License-Identifier: Apache-2.0 */
#include "server/auth.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <argon2.h>
#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* ---- Passwords ---------------------------------------------------------------------------- */

int auth_password_policy(const char *pw, struct errbuf *e)
{
	if (pw == NULL)
		return err_set(e, MAMORI_EINVAL, "no password given");
	size_t n = strnlen(pw, AUTH_PASSWORD_MAX + 1);
	if (n > AUTH_PASSWORD_MAX)
		return err_set(e, MAMORI_EINVAL, "the password is longer than %d bytes",
			       AUTH_PASSWORD_MAX);
	size_t bad = utf8_first_bad(pw, n);
	if (bad != n)
		return err_set(e, MAMORI_EINVAL, "the password is not valid UTF-8 (byte %zu)",
			       bad + 1);
	const unsigned char *s = (const unsigned char *)pw;
	size_t chars = 0;
	for (size_t i = 0; i < n; i++) {
		/* C0 and DEL, and C1 (U+0080..U+009F, which UTF-8 writes as C2 80..C2 9F):
		 * invisible, and some cannot be typed on a phone or pasted intact. */
		if (s[i] < 0x20 || s[i] == 0x7f ||
		    (s[i] == 0xc2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9f))
			return err_set(e, MAMORI_EINVAL,
				       "the password holds a control character (character %zu)",
				       chars + 1);
		if ((s[i] & 0xc0) != 0x80)
			chars++;
	}
	if (chars < AUTH_PASSWORD_MIN)
		return err_set(e, MAMORI_EINVAL,
			       "the password is shorter than %d characters (it has %zu)",
			       AUTH_PASSWORD_MIN, chars);
	return 0;
}

int auth_password_hash(const char *pw, char out[AUTH_HASH_MAX], struct errbuf *e)
{
	if (pw == NULL)
		return err_set(e, MAMORI_EINVAL, "no password given");
	size_t n = strnlen(pw, AUTH_PASSWORD_MAX + 1);
	if (n > AUTH_PASSWORD_MAX)
		return err_set(e, MAMORI_EINVAL, "the password is longer than %d bytes",
			       AUTH_PASSWORD_MAX);
	unsigned char salt[AUTH_ARGON2_SALT_BYTES];
	char enc[AUTH_HASH_MAX];
	if (RAND_bytes(salt, sizeof salt) != 1)
		return err_set(e, MAMORI_EIO, "no random bytes for a salt");
	int r = argon2id_hash_encoded(AUTH_ARGON2_T, AUTH_ARGON2_M_KIB, AUTH_ARGON2_P, pw, n, salt,
				      sizeof salt, AUTH_ARGON2_TAG_BYTES, enc, sizeof enc);
	if (r != ARGON2_OK)
		return err_set(e, r == ARGON2_MEMORY_ALLOCATION_ERROR ? MAMORI_ENOMEM : MAMORI_EIO,
			       "argon2id: %s", argon2_error_message(r));
	memcpy(out, enc, strlen(enc) + 1);
	return 0;
}

/* A parameter "name=digits" at *p, in [1, cap]; moves *p past it. */
static int hash_param(const char **p, char name, uint32_t cap, uint32_t *out, struct errbuf *e)
{
	const char *s = *p;
	if (s[0] != name || s[1] != '=')
		return err_set(e, MAMORI_EPARSE,
			       "not an Argon2id hash (expected %c= in the parameters)", name);
	s += 2;
	size_t n = 0;
	while (c_isdigit((unsigned char)s[n]))
		n++;
	/* One spelling per value: a leading zero would let two encodings mean one hash. */
	if (n == 0 || (n > 1 && s[0] == '0'))
		return err_set(e, MAMORI_EPARSE, "not an Argon2id hash (bad number after %c=)",
			       name);
	long long v;
	if (n > 10 || strn_to_ll(s, n, 1, cap, &v, NULL) != 0)
		return err_set(e, MAMORI_EINVAL, "the hash asks for %c=%.*s; accepted is 1 to %lu",
			       name, (int)(n > 12 ? 12 : n), s, (unsigned long)cap);
	*out = (uint32_t)v;
	*p = s + n;
	return 0;
}

/* Unpadded standard base64, at least one character, up to the next '$' or the end. */
static size_t b64_run(const char *s)
{
	size_t n = 0;
	while (c_isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '/')
		n++;
	return n;
}

int auth_hash_params(const char *encoded, const struct auth_argon2_params *caps,
		     struct auth_argon2_params *out, struct errbuf *e)
{
	static const char prefix[] = "$argon2id$v=19$";
	if (encoded == NULL)
		return err_set(e, MAMORI_EINVAL, "no hash given");
	if (strnlen(encoded, AUTH_HASH_MAX) >= AUTH_HASH_MAX)
		return err_set(e, MAMORI_ETOOBIG, "the hash is longer than %d bytes",
			       AUTH_HASH_MAX - 1);
	if (strncmp(encoded, prefix, sizeof prefix - 1) != 0)
		return err_set(e, MAMORI_EPARSE, "not an Argon2id version 19 hash");
	const char *p = encoded + sizeof prefix - 1;
	struct auth_argon2_params v;
	int r;
	if ((r = hash_param(&p, 'm', caps->m_kib, &v.m_kib, e)) != 0)
		return r;
	if (*p++ != ',')
		return err_set(e, MAMORI_EPARSE, "not an Argon2id hash (expected , after m=)");
	if ((r = hash_param(&p, 't', caps->t, &v.t, e)) != 0)
		return r;
	if (*p++ != ',')
		return err_set(e, MAMORI_EPARSE, "not an Argon2id hash (expected , after t=)");
	if ((r = hash_param(&p, 'p', caps->p, &v.p, e)) != 0)
		return r;
	if (*p++ != '$')
		return err_set(e, MAMORI_EPARSE, "not an Argon2id hash (expected $ after p=)");
	size_t salt = b64_run(p);
	if (salt == 0 || p[salt] != '$')
		return err_set(e, MAMORI_EPARSE, "not an Argon2id hash (bad salt)");
	p += salt + 1;
	size_t tag = b64_run(p);
	if (tag == 0 || p[tag] != '\0')
		return err_set(e, MAMORI_EPARSE, "not an Argon2id hash (bad tag)");
	*out = v;
	return 0;
}

int auth_password_verify_caps(const char *encoded, const char *pw,
			      const struct auth_argon2_params *caps, bool *ok, struct errbuf *e)
{
	*ok = false;
	if (pw == NULL)
		return err_set(e, MAMORI_EINVAL, "no password given");
	struct auth_argon2_params params;
	int r = auth_hash_params(encoded, caps, &params, e);
	if (r != 0)
		return r;
	/* auth_password_hash refuses longer ones, so none can match. */
	size_t n = strnlen(pw, AUTH_PASSWORD_MAX + 1);
	if (n > AUTH_PASSWORD_MAX)
		return 0;
	r = argon2id_verify(encoded, pw, n);
	if (r == ARGON2_OK) {
		*ok = true;
		return 0;
	}
	if (r == ARGON2_VERIFY_MISMATCH)
		return 0;
	return err_set(e, r == ARGON2_MEMORY_ALLOCATION_ERROR ? MAMORI_ENOMEM : MAMORI_EINVAL,
		       "unusable Argon2id hash: %s", argon2_error_message(r));
}

int auth_password_verify(const char *encoded, const char *pw, bool *ok, struct errbuf *e)
{
	static const struct auth_argon2_params caps = {AUTH_ARGON2_M_CAP, AUTH_ARGON2_T_CAP,
						       AUTH_ARGON2_P_CAP};
	return auth_password_verify_caps(encoded, pw, &caps, ok, e);
}

/* ---- TOTP ----------------------------------------------------------------------------------- */

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;
static int oath_init_rc;

static void oath_setup(void)
{
	oath_init_rc = oath_init();
}

static int totp_ready(struct errbuf *e)
{
	pthread_once(&oath_once, oath_setup);
	if (oath_init_rc != OATH_OK)
		return err_set(e, MAMORI_EIO, "liboath: %s", oath_strerror(oath_init_rc));
	return 0;
}

static bool b32_valid(const char *b32, size_t *len)
{
	size_t n = strnlen(b32, TOTP_B32_MAX);
	if (n == 0 || n == TOTP_B32_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((b32[i] >= 'A' && b32[i] <= 'Z') || (b32[i] >= '2' && b32[i] <= '7')))
			return false;
	*len = n;
	return true;
}

/* The key behind b32 into key (wiped by the caller); its length in *keylen. liboath's decoder
 * forgives lower case, spaces and padding, so the strict shape is checked first. */
static int secret_decode(const char *b32, unsigned char key[TOTP_B32_MAX], size_t *keylen,
			 struct errbuf *e)
{
	size_t n;
	if (b32 == NULL || !b32_valid(b32, &n))
		return err_set(e, MAMORI_EINVAL,
			       "the TOTP secret is not base32 (A-Z, 2-7, no padding, under %d "
			       "characters)",
			       TOTP_B32_MAX);
	char *raw = NULL;
	size_t rawlen = 0;
	int r = oath_base32_decode(b32, n, &raw, &rawlen);
	if (r != OATH_OK) {
		free(raw);
		return err_set(e, r == OATH_MALLOC_ERROR ? MAMORI_ENOMEM : MAMORI_EINVAL,
			       "the TOTP secret: %s", oath_strerror(r));
	}
	if (rawlen < TOTP_SECRET_MIN_BYTES || rawlen > TOTP_B32_MAX) {
		explicit_bzero(raw, rawlen);
		free(raw);
		return err_set(e, MAMORI_EINVAL,
			       "the TOTP secret is %zu bytes; at least %d are needed", rawlen,
			       TOTP_SECRET_MIN_BYTES);
	}
	memcpy(key, raw, rawlen);
	explicit_bzero(raw, rawlen);
	free(raw);
	*keylen = rawlen;
	return 0;
}

int totp_secret_new(char b32[TOTP_B32_MAX], struct errbuf *e)
{
	unsigned char key[TOTP_SECRET_BYTES];
	char *enc = NULL;
	size_t enclen = 0;
	int ret = totp_ready(e);
	if (ret != 0)
		return ret;
	if (RAND_bytes(key, sizeof key) != 1) {
		ret = err_set(e, MAMORI_EIO, "no random bytes for a TOTP secret");
		goto out;
	}
	int r = oath_base32_encode((const char *)key, sizeof key, &enc, &enclen);
	if (r != OATH_OK) {
		ret = err_set(e, r == OATH_MALLOC_ERROR ? MAMORI_ENOMEM : MAMORI_EIO, "base32: %s",
			      oath_strerror(r));
		goto out;
	}
	while (enclen > 0 && enc[enclen - 1] == '=')
		enclen--;
	if (enclen == 0 || enclen >= TOTP_B32_MAX) {
		ret = err_set(e, MAMORI_EIO, "base32: unexpected length %zu", enclen);
		goto out;
	}
	memcpy(b32, enc, enclen);
	b32[enclen] = '\0';
out:
	explicit_bzero(key, sizeof key);
	if (enc != NULL) {
		explicit_bzero(enc, strlen(enc));
		free(enc);
	}
	return ret;
}

/* Steps past this would overflow step * TOTP_STEP; real clocks are far below. */
#define TOTP_NOW_MAX ((int64_t)1 << 40)

int totp_code(const char *b32, int64_t now, char out[7], struct errbuf *e)
{
	unsigned char key[TOTP_B32_MAX];
	size_t keylen = 0;
	char code[TOTP_DIGITS + 1];
	int ret = totp_ready(e);
	if (ret != 0)
		return ret;
	if (now < 0 || now > TOTP_NOW_MAX)
		return err_set(e, MAMORI_EINVAL, "time %lld is out of range", (long long)now);
	if ((ret = secret_decode(b32, key, &keylen, e)) != 0)
		goto out;
	int r = oath_totp_generate2((const char *)key, keylen, (time_t)now, TOTP_STEP, 0,
				    TOTP_DIGITS, 0, code);
	if (r != OATH_OK) {
		ret = err_set(e, MAMORI_EIO, "TOTP: %s", oath_strerror(r));
		goto out;
	}
	memcpy(out, code, sizeof code);
out:
	explicit_bzero(key, sizeof key);
	explicit_bzero(code, sizeof code);
	return ret;
}

static bool unreserved(unsigned char c)
{
	return c_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Appends s percent-encoded (RFC 3986 unreserved characters stay) at out + *len when it fits
 * below cap; *len grows by the encoded length either way, so the caller sees what it needs. */
static void pct_put(char *out, size_t cap, size_t *len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
		const char *w = unreserved(*p) ? (const char *)p : esc;
		size_t n = unreserved(*p) ? 1 : 3;
		if (*len + n < cap)
			memcpy(out + *len, w, n);
		*len += n;
	}
}

static void raw_put(char *out, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);
	if (*len + n < cap)
		memcpy(out + *len, s, n);
	*len += n;
}

int totp_uri(const char *issuer, const char *account, const char *b32, char *out, size_t cap,
	     struct errbuf *e)
{
	size_t n;
	if (issuer == NULL || account == NULL || issuer[0] == '\0' || account[0] == '\0')
		return err_set(e, MAMORI_EINVAL, "a TOTP URI needs an issuer and an account");
	if (b32 == NULL || !b32_valid(b32, &n))
		return err_set(e, MAMORI_EINVAL, "the TOTP secret is not base32");
	/* Measured first with no room, so that out is untouched when it does not fit. */
	for (int pass = 0; pass < 2; pass++) {
		size_t room = pass == 0 ? 0 : cap, len = 0;
		raw_put(out, room, &len, "otpauth://totp/");
		pct_put(out, room, &len, issuer);
		raw_put(out, room, &len, ":");
		pct_put(out, room, &len, account);
		raw_put(out, room, &len, "?secret=");
		raw_put(out, room, &len, b32);
		raw_put(out, room, &len, "&issuer=");
		pct_put(out, room, &len, issuer);
		raw_put(out, room, &len, "&algorithm=SHA1&digits=6&period=30");
		if (pass == 0 && len >= cap)
			return err_set(e, MAMORI_ETOOBIG, "the TOTP URI needs %zu bytes; %zu given",
				       len + 1, cap);
		if (pass == 1)
			out[len] = '\0';
	}
	return 0;
}

bool totp_verify(const char *b32, const char *code, int64_t now, int64_t *last_step)
{
	if (b32 == NULL || code == NULL || last_step == NULL || now < 0 || now > TOTP_NOW_MAX)
		return false;
	char want[TOTP_DIGITS + 1];
	size_t n = 0;
	for (size_t i = 0;; i++) {
		unsigned char c = (unsigned char)code[i];
		if (c == '\0')
			break;
		if (i >= 64) /* a cap on spaces too */
			return false;
		if (c == ' ')
			continue;
		if (!c_isdigit(c) || n == TOTP_DIGITS)
			return false;
		want[n++] = (char)c;
	}
	if (n != TOTP_DIGITS)
		return false;
	want[n] = '\0';
	if (totp_ready(NULL) != 0)
		return false;
	unsigned char key[TOTP_B32_MAX];
	size_t keylen = 0;
	if (secret_decode(b32, key, &keylen, NULL) != 0)
		return false;
	int64_t step = now / TOTP_STEP, found = -1;
	bool broken = false;
	/* All three steps are computed and compared in constant time, whichever matches; the
	 * latest matching step wins, so a code never counts for an earlier step than it could. */
	for (int64_t s = step - 1; s <= step + 1; s++) {
		char got[TOTP_DIGITS + 1];
		if (s < 0)
			continue;
		if (oath_totp_generate2((const char *)key, keylen, (time_t)(s * TOTP_STEP),
					TOTP_STEP, 0, TOTP_DIGITS, 0, got) != OATH_OK)
			broken = true;
		else if (CRYPTO_memcmp(got, want, TOTP_DIGITS) == 0 && s > *last_step)
			found = s;
		explicit_bzero(got, sizeof got);
	}
	explicit_bzero(key, sizeof key);
	explicit_bzero(want, sizeof want);
	if (broken || found < 0)
		return false;
	*last_step = found;
	return true;
}

/* ---- Recovery codes ------------------------------------------------------------------------ */

/* Crockford's base32: no i, l, o or u. */
static const char recovery_alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
#define RECOVERY_SYMBOLS 12 /* 12 x 5 bits = 60 bits */

/* Normalizes what was typed into norm (RECOVERY_SYMBOLS + 1 bytes). */
static bool recovery_normalize(const char *code, char norm[RECOVERY_SYMBOLS + 1])
{
	size_t n = 0;
	for (size_t i = 0;; i++) {
		int c = (unsigned char)code[i];
		if (c == '\0')
			break;
		if (i >= 64) /* dashes and spaces are capped too */
			return false;
		if (c == '-' || c == ' ')
			continue;
		c = c_tolower(c);
		if (c == 'o')
			c = '0';
		else if (c == 'i' || c == 'l')
			c = '1';
		if (c == '\0' || strchr(recovery_alphabet, c) == NULL || n == RECOVERY_SYMBOLS)
			return false;
		norm[n++] = (char)c;
	}
	norm[n] = '\0';
	return n == RECOVERY_SYMBOLS;
}

static bool sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return false;
	hex_encode(md, 32, out);
	return true;
}

bool recovery_code_hash(const char *code, char out[65])
{
	char norm[RECOVERY_SYMBOLS + 1], hex[65];
	bool ok = code != NULL && recovery_normalize(code, norm) &&
		  sha256_hex(norm, RECOVERY_SYMBOLS, hex);
	if (ok)
		memcpy(out, hex, sizeof hex);
	explicit_bzero(norm, sizeof norm);
	return ok;
}

int recovery_codes_new(char codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1],
		       char hashes[RECOVERY_CODES][65], struct errbuf *e)
{
	char c[RECOVERY_CODES][RECOVERY_CODE_LEN + 1], h[RECOVERY_CODES][65];
	unsigned char raw[8];
	int ret = 0;
	for (int i = 0; i < RECOVERY_CODES; i++) {
		if (RAND_bytes(raw, sizeof raw) != 1) {
			ret = err_set(e, MAMORI_EIO, "no random bytes for recovery codes");
			goto out;
		}
		uint64_t v = 0;
		for (size_t k = 0; k < sizeof raw; k++)
			v = v << 8 | raw[k];
		size_t o = 0;
		for (int k = 0; k < RECOVERY_SYMBOLS; k++) {
			if (k == 4 || k == 8)
				c[i][o++] = '-';
			c[i][o++] = recovery_alphabet[v & 31];
			v >>= 5;
		}
		c[i][o] = '\0';
		if (!recovery_code_hash(c[i], h[i])) {
			ret = err_set(e, MAMORI_EIO, "SHA-256 failed");
			goto out;
		}
		/* 2^60 codes make a repeat all but impossible; draw again if one happens. */
		for (int j = 0; j < i; j++)
			if (strcmp(h[j], h[i]) == 0) {
				i--;
				break;
			}
	}
	memcpy(codes, c, sizeof c);
	memcpy(hashes, h, sizeof h);
out:
	explicit_bzero(c, sizeof c);
	explicit_bzero(raw, sizeof raw);
	return ret;
}

/* ---- Lockout -------------------------------------------------------------------------------- */

bool lockout_locked(const struct lockout *l, int64_t now)
{
	return l->locked_until > now;
}

bool lockout_failure(struct lockout *l, int64_t now)
{
	if (lockout_locked(l, now))
		return false;
	/* A lock that has run out, or a count a stored row got wrong, starts over. */
	if (l->locked_until != 0 || l->failed < 0) {
		l->failed = 0;
		l->locked_until = 0;
	}
	if (l->failed >= AUTH_LOCK_FAILURES)
		l->failed = AUTH_LOCK_FAILURES - 1;
	if (++l->failed < AUTH_LOCK_FAILURES)
		return false;
	l->failed = AUTH_LOCK_FAILURES;
	l->locked_until = now > INT64_MAX - AUTH_LOCK_SECONDS ? INT64_MAX : now + AUTH_LOCK_SECONDS;
	return true;
}

void lockout_success(struct lockout *l)
{
	l->failed = 0;
	l->locked_until = 0;
}
