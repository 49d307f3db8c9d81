/* SPDX-License-Identifier: Apache-2.0 */
/* The device's key and CSR for enrollment, and the checks of what the server sends back. */
#include "cli/keys.h"
#include "core/ossl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#define KEY_FILE_MAX 65536
#define PEM_MAX (1 << 20)   /* certificates from the server */
#define FINGERPRINT_MAX 512 /* typed or pasted by an administrator */

/* Writes the key PEM to path, created exclusively (never replacing a file), mode 0600,
 * fsync'd with its directory. A failed write removes the file it created. */
static int write_key_file(const char *path, const char *data, size_t len, struct errbuf *e)
{
	int rc = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return err_set(e, MAMORI_EINVAL, "%s already exists: never overwritten",
				       path);
		return err_set(e, errno_to_err(errno), "%s: cannot create: %s", path,
			       strerror(errno));
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = err_set(e, MAMORI_EIO, "%s: cannot write: %s", path, strerror(errno));
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		rc = err_set(e, MAMORI_EIO, "%s: cannot sync: %s", path, strerror(errno));
		goto fail;
	}
	int c = close(fd);
	fd = -1;
	if (c != 0) {
		rc = err_set(e, MAMORI_EIO, "%s: cannot write: %s", path, strerror(errno));
		goto fail;
	}
	char dir[PATH_MAX];
	int n = snprintf(dir, sizeof dir, "%s", path);
	if (n > 0 && (size_t)n < sizeof dir) {
		char *slash = strrchr(dir, '/');
		if (slash == NULL)
			snprintf(dir, sizeof dir, ".");
		else
			slash[slash == dir ? 1 : 0] = '\0';
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd); /* best effort: the key file itself is synced */
			close(dfd);
		}
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(path);
	return rc;
}

int keys_make_csr(const char *key_path, const char *hostname, char **csr_pem, struct errbuf *e)
{
	if (key_path == NULL || key_path[0] == '\0' || csr_pem == NULL)
		return err_set(e, MAMORI_EINVAL, "keys_make_csr: missing arguments");
	if (hostname == NULL || hostname[0] == '\0' || strlen(hostname) > 64)
		return err_set(e, MAMORI_EINVAL, "host name \"%.80s\": 1 to 64 bytes needed",
			       hostname ? hostname : "");
	for (const char *p = hostname; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(e, MAMORI_EINVAL, "host name contains a control character");
	ERR_clear_error();
	int rc = 0;
	char *kp = NULL, *csr = NULL;
	size_t klen = 0;
	X509_REQ *req = NULL;
	X509_NAME *name = NULL;
	BIO *kb = NULL, *cb = NULL;
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (k == NULL) {
		rc = ossl_err(e, MAMORI_EIO, "cannot make a key");
		goto out;
	}
	req = X509_REQ_new();
	name = X509_NAME_new();
	if (req == NULL || name == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	if (X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
				       (const unsigned char *)hostname, -1, -1, 0) != 1 ||
	    X509_REQ_set_subject_name(req, name) != 1 || X509_REQ_set_pubkey(req, k) != 1 ||
	    X509_REQ_sign(req, k, EVP_sha256()) <= 0) {
		rc = ossl_err(e, MAMORI_EINVAL, "cannot make the certificate request");
		goto out;
	}
	cb = BIO_new(BIO_s_mem());
	kb = BIO_new(BIO_s_secmem()); /* wipes its buffer when freed */
	if (cb == NULL || kb == NULL || PEM_write_bio_X509_REQ(cb, req) != 1 ||
	    PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (csr = ossl_bio_string(cb, NULL)) == NULL || (kp = ossl_bio_string(kb, &klen)) == NULL) {
		rc = ossl_err(e, MAMORI_ENOMEM, "cannot encode the key or request");
		goto out;
	}
	/* last, so that any failure before leaves no key file behind */
	if ((rc = write_key_file(key_path, kp, klen, e)) != 0)
		goto out;
	*csr_pem = csr;
	csr = NULL;
out:
	if (kp != NULL) {
		OPENSSL_cleanse(kp, klen);
		free(kp);
	}
	free(csr);
	BIO_free(kb);
	BIO_free(cb);
	X509_NAME_free(name);
	X509_REQ_free(req);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}

static X509 *read_cert(const char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, ossl_no_password, NULL) : NULL;
	BIO_free(b);
	return x;
}

int keys_cert_fingerprint(const char *pem, size_t len, char out[65], struct errbuf *e)
{
	if (pem == NULL || len == 0)
		return err_set(e, MAMORI_EPARSE, "no certificate");
	if (len > PEM_MAX)
		return err_set(e, MAMORI_ETOOBIG, "certificate text larger than %d bytes", PEM_MAX);
	ERR_clear_error();
	X509 *x = read_cert(pem, len);
	if (x == NULL)
		return ossl_err(e, MAMORI_EPARSE, "not a PEM certificate");
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	int ok = X509_digest(x, EVP_sha256(), md, &n) == 1 && n == 32;
	X509_free(x);
	if (!ok)
		return ossl_err(e, MAMORI_EIO, "cannot hash the certificate");
	hex_encode(md, 32, out);
	ERR_clear_error();
	return 0;
}

static int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = c_tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int keys_parse_fingerprint(const char *in, char out[65], struct errbuf *e)
{
	if (in == NULL)
		return err_set(e, MAMORI_EINVAL, "no fingerprint");
	size_t len = strnlen(in, FINGERPRINT_MAX + 1);
	if (len > FINGERPRINT_MAX)
		return err_set(e, MAMORI_EINVAL, "fingerprint longer than %d characters",
			       FINGERPRINT_MAX);
	const char *p = in, *end = in + len;
	while (p < end && c_isspace((unsigned char)*p))
		p++;
	/* "sha256:…", "SHA256=…", "SHA-256: …" and openssl's "sha256 Fingerprint=…" */
	size_t plen = 0;
	if ((size_t)(end - p) >= 7 && c_strncasecmp(p, "sha-256", 7) == 0)
		plen = 7;
	else if ((size_t)(end - p) >= 6 && c_strncasecmp(p, "sha256", 6) == 0)
		plen = 6;
	if (plen > 0) {
		p += plen;
		while (p < end && c_isspace((unsigned char)*p))
			p++;
		if ((size_t)(end - p) >= 11 && c_strncasecmp(p, "fingerprint", 11) == 0)
			p += 11;
		while (p < end && c_isspace((unsigned char)*p))
			p++;
		if (p == end || (*p != ':' && *p != '='))
			return err_set(e, MAMORI_EINVAL,
				       "fingerprint: expected ':' or '=' after \"sha256\"");
		p++;
	}
	char hex[65];
	size_t n = 0;
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == ':' || c_isspace(c))
			continue;
		int v = hex_value(c);
		if (v < 0)
			return err_set(e, MAMORI_EINVAL,
				       "fingerprint: '%c' at position %zu is not a hex digit",
				       c >= 0x20 && c < 0x7f ? c : '?', (size_t)(p - in) + 1);
		if (n < 64)
			hex[n] = "0123456789abcdef"[v];
		n++;
	}
	if (n != 64)
		return err_set(e, MAMORI_EINVAL,
			       "fingerprint has %zu hex digits; a SHA-256 fingerprint has 64", n);
	hex[64] = '\0';
	memcpy(out, hex, 65);
	return 0;
}

static int read_key_file(const char *path, EVP_PKEY **out, struct errbuf *e)
{
	int rc = 0;
	char *buf = NULL;
	size_t len = 0;
	BIO *b = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_set(e, errno_to_err(errno), "%s: cannot open: %s", path, strerror(errno));
	buf = malloc(KEY_FILE_MAX + 1);
	if (buf == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + len, KEY_FILE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = err_set(e, MAMORI_EIO, "%s: cannot read: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > KEY_FILE_MAX) {
			rc = err_set(e, MAMORI_ETOOBIG, "%s: larger than %d bytes", path,
				     KEY_FILE_MAX);
			goto out;
		}
	}
	b = BIO_new_mem_buf(buf, (int)len);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, ossl_no_password, NULL) : NULL;
	if (k == NULL) {
		char reason[256];
		rc = err_set(e, MAMORI_EPARSE, "%s: not an unencrypted PEM private key (%s)", path,
			     ossl_reason(reason, sizeof reason));
		goto out;
	}
	*out = k;
out:
	BIO_free(b);
	if (buf != NULL) {
		OPENSSL_cleanse(buf, KEY_FILE_MAX + 1);
		free(buf);
	}
	close(fd);
	return rc;
}

int keys_check_issued(const char *key_path, const char *cert_pem, const char *ca_pem,
		      struct errbuf *e)
{
	if (key_path == NULL || cert_pem == NULL || ca_pem == NULL)
		return err_set(e, MAMORI_EINVAL, "keys_check_issued: missing arguments");
	size_t cert_len = strnlen(cert_pem, PEM_MAX + 1), ca_len = strnlen(ca_pem, PEM_MAX + 1);
	if (cert_len > PEM_MAX || ca_len > PEM_MAX)
		return err_set(e, MAMORI_ETOOBIG, "certificate text larger than %d bytes", PEM_MAX);
	ERR_clear_error();
	int rc = 0, ncas = 0;
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	BIO *b = NULL;
	if ((rc = read_key_file(key_path, &k, e)) != 0)
		goto out;
	x = read_cert(cert_pem, cert_len);
	if (x == NULL) {
		rc = ossl_err(e, MAMORI_EPARSE, "the issued certificate is not PEM");
		goto out;
	}
	if (X509_check_private_key(x, k) != 1) {
		char what[PATH_MAX + 64];
		snprintf(what, sizeof what, "the issued certificate is not for the key in %s",
			 key_path);
		rc = ossl_err(e, MAMORI_EINVAL, what);
		goto out;
	}
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	b = BIO_new_mem_buf(ca_pem, (int)ca_len);
	if (store == NULL || ctx == NULL || b == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	/* every certificate in ca_pem is a trust anchor (normally there is one) */
	X509 *ca;
	while ((ca = PEM_read_bio_X509(b, NULL, ossl_no_password, NULL)) != NULL) {
		int ok = X509_STORE_add_cert(store, ca);
		X509_free(ca);
		if (ok != 1) {
			rc = ossl_err(e, MAMORI_ENOMEM, "cannot use the CA certificate");
			goto out;
		}
		ncas++;
	}
	ERR_clear_error(); /* the loop ends on "no start line" */
	if (ncas == 0) {
		rc = err_set(e, MAMORI_EPARSE, "the CA certificate is not PEM");
		goto out;
	}
	if (X509_STORE_CTX_init(ctx, store, x, NULL) != 1 ||
	    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) != 1) {
		rc = ossl_err(e, MAMORI_ENOMEM, "cannot set up the verification");
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		int err = X509_STORE_CTX_get_error(ctx);
		const char *why = X509_verify_cert_error_string(err);
		rc = err_set(e, MAMORI_EINVAL, "the certificate does not verify against the CA: %s",
			     why);
		goto out;
	}
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}
