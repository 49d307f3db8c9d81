/* SPDX-License-Identifier: Apache-2.0 */
/* mamorid's certificate authority on OpenSSL 3.0: the CA and server certificate on disk,
 * and the client certificates it issues from devices' CSRs and for admins. */
#include "server/ca.h"
#include "core/ossl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define CA_DAYS 3652	    /* 10 years */
#define SERVER_DAYS 397	    /* what browsers accept for a server certificate */
#define MAX_ISSUE_DAYS 3650 /* a client certificate outliving the CA is pointless */
#define CLOCK_SKEW 300	    /* notBefore is this far back: devices' clocks are not exact */
#define CSR_MAX 16384
#define PEM_FILE_MAX 65536
#define MAX_SERVER_NAMES 64
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192 /* bounds the work one unauthenticated CSR can cause */
#define FIELD_MAX 256	  /* bytes; OpenSSL enforces the 64-character X.520 bound itself */

struct ca {
	X509 *cert;
	EVP_PKEY *key;
	char *cert_pem, *server_cert_pem, *server_key_pem;
	size_t server_key_len;
	char fingerprint[65];
	/* Issuing touches the shared CA certificate and key (OpenSSL caches extension data in
	 * the X509 object): one at a time. */
	pthread_mutex_t lock;
};

enum cert_kind { CERT_CA, CERT_SERVER, CERT_CLIENT };

struct cert_spec {
	enum cert_kind kind;
	EVP_PKEY *subject_key; /* the public key certified */
	const char *cn, *org;  /* org may be NULL */
	GENERAL_NAMES *sans;   /* CERT_SERVER only */
	int days;
	time_t now;
};

static void wipe_free(char *p, size_t len)
{
	if (p != NULL) {
		OPENSSL_cleanse(p, len);
		free(p);
	}
}

/* 1 when path exists (as anything, even a dangling link), 0 when not, negative when it
 * cannot be told. */
static int file_exists(const char *path, struct errbuf *e)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	return err_set(e, errno_to_err(errno), "%s: %s", path, strerror(errno));
}

/* Reads a whole file of at most PEM_FILE_MAX bytes into a NUL-terminated malloc'd buffer. */
static int read_file(const char *path, char **out, size_t *out_len, struct errbuf *e)
{
	int rc = 0;
	char *buf = NULL;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_set(e, errno_to_err(errno), "%s: cannot open: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0) {
		rc = err_set(e, MAMORI_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = err_set(e, MAMORI_EINVAL, "%s: not a regular file", path);
		goto out;
	}
	buf = malloc(PEM_FILE_MAX + 1);
	if (buf == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, PEM_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_set(e, MAMORI_EIO, "%s: cannot read: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > PEM_FILE_MAX) {
			rc = err_set(e, MAMORI_ETOOBIG, "%s: larger than %d bytes", path,
				     PEM_FILE_MAX);
			goto out;
		}
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;
out:
	wipe_free(buf, PEM_FILE_MAX + 1); /* may be a key */
	close(fd);
	return rc;
}

/* Writes data to path through a temporary file created exclusively beside it, fsync'd and
 * renamed into place, then fsyncs the directory: a crash leaves no file or the whole one. */
static int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			     struct errbuf *e)
{
	int rc = 0, fd = -1;
	char tmp[PATH_MAX], dir[PATH_MAX];
	int n = snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof tmp)
		return err_set(e, MAMORI_EINVAL, "%s: path too long", path);
	n = snprintf(dir, sizeof dir, "%s", path);
	if (n < 0 || (size_t)n >= sizeof dir)
		return err_set(e, MAMORI_EINVAL, "%s: path too long", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else
		slash[slash == dir ? 1 : 0] = '\0';

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return err_set(e, errno_to_err(errno), "%s: cannot create: %s", tmp, strerror(errno));
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = err_set(e, MAMORI_EIO, "%s: cannot write: %s", tmp, strerror(errno));
			goto fail;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		rc = err_set(e, MAMORI_EIO, "%s: cannot sync: %s", tmp, strerror(errno));
		goto fail;
	}
	int c = close(fd);
	fd = -1;
	if (c != 0) {
		rc = err_set(e, MAMORI_EIO, "%s: cannot write: %s", tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		rc = err_set(e, errno_to_err(errno), "%s: cannot rename to %s: %s", tmp, path,
			     strerror(errno));
		goto fail;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0)
		rc = err_set(e, MAMORI_EIO, "%s: cannot sync the directory: %s", dir,
			     strerror(errno));
	if (dfd >= 0)
		close(dfd);
	return rc;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

static char *cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;
	if (b != NULL && PEM_write_bio_X509(b, x) == 1)
		s = ossl_bio_string(b, NULL);
	BIO_free(b);
	return s;
}

/* PKCS#8, unencrypted; the secure-memory BIO wipes its buffer when freed. */
static char *key_pem(EVP_PKEY *k, size_t *len)
{
	BIO *b = BIO_new(BIO_s_secmem());
	char *s = NULL;
	if (b != NULL && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1)
		s = ossl_bio_string(b, len);
	BIO_free(b);
	return s;
}

static int load_cert(const char *path, X509 **out, struct errbuf *e)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = read_file(path, &buf, &len, e);
	if (rc != 0)
		return rc;
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, ossl_no_password, NULL) : NULL;
	if (x == NULL) {
		char what[PATH_MAX + 64];
		snprintf(what, sizeof what, "%s: not a PEM certificate", path);
		rc = ossl_err(e, MAMORI_EPARSE, what);
	}
	BIO_free(b);
	free(buf);
	if (rc == 0)
		*out = x;
	return rc;
}

static int load_key(const char *path, EVP_PKEY **out, struct errbuf *e)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = read_file(path, &buf, &len, e);
	if (rc != 0)
		return rc;
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, ossl_no_password, NULL) : NULL;
	if (k == NULL) {
		char what[PATH_MAX + 80];
		snprintf(what, sizeof what, "%s: not an unencrypted PEM private key", path);
		rc = ossl_err(e, MAMORI_EPARSE, what);
	}
	BIO_free(b);
	wipe_free(buf, len);
	if (rc == 0)
		*out = k;
	return rc;
}

/* Loads a certificate and its key and checks that they belong together. */
static int load_pair(const char *cert_path, const char *key_path, X509 **cert, EVP_PKEY **key,
		     struct errbuf *e)
{
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	int rc = load_cert(cert_path, &x, e);
	if (rc == 0)
		rc = load_key(key_path, &k, e);
	if (rc == 0 && X509_check_private_key(x, k) != 1) {
		char what[2 * PATH_MAX + 64];
		snprintf(what, sizeof what, "%s does not match the key in %s", cert_path, key_path);
		rc = ossl_err(e, MAMORI_EINVAL, what);
	}
	if (rc == 0 && X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
		struct tm tm;
		char when[32] = "?";
		if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1)
			strftime(when, sizeof when, "%Y-%m-%d", &tm);
		rc =
		    err_set(e, MAMORI_EINVAL, "%s expired on %s: remove it and %s, or give another",
			    cert_path, when, key_path);
	}
	if (rc != 0) {
		X509_free(x);
		EVP_PKEY_free(k);
		ERR_clear_error();
		return rc;
	}
	*cert = x;
	*key = k;
	return 0;
}

/* Up to 20 bytes (RFC 5280's limit) as lower-case hex without leading zero bytes. */
void serial_to_hex(const unsigned char *bytes, size_t len, char out[41])
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;
	while (i < len && bytes[i] == 0)
		i++;
	if (i == len) {
		out[0] = '0'; /* BN_bn2hex writes zero as "0" */
		out[1] = '\0';
		return;
	}
	if (len - i > 20) {
		out[0] = '\0'; /* no certificate of this CA has such a serial: match nothing */
		return;
	}
	size_t o = 0;
	for (; i < len; i++) {
		out[o++] = hex[bytes[i] >> 4];
		out[o++] = hex[bytes[i] & 0x0f];
	}
	out[o] = '\0';
}

/* A random positive 128-bit serial, never zero; its top bit is clear so that its DER needs
 * no padding byte and it stays within 16 bytes. */
static int set_random_serial(X509 *x, char hex_out[41], struct errbuf *e)
{
	unsigned char b[16];
	bool zero;
	do {
		if (RAND_bytes(b, sizeof b) != 1)
			return ossl_err(e, MAMORI_EIO, "no random numbers for a serial");
		b[0] &= 0x7f;
		zero = true;
		for (size_t i = 0; i < sizeof b; i++)
			zero = zero && b[i] == 0;
	} while (zero);
	int rc = 0;
	BIGNUM *bn = BN_bin2bn(b, sizeof b, NULL);
	ASN1_INTEGER *ai = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	if (ai == NULL || X509_set_serialNumber(x, ai) != 1)
		rc = ossl_err(e, MAMORI_ENOMEM, "cannot set the serial");
	else
		serial_to_hex(b, sizeof b, hex_out);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return rc;
}

/* Subject texts: present, short, no control characters (they end up in logs and UIs). */
static int check_field(const char *what, const char *v, struct errbuf *e)
{
	if (v == NULL || v[0] == '\0')
		return err_set(e, MAMORI_EINVAL, "%s is empty", what);
	size_t n = strlen(v);
	if (n > FIELD_MAX)
		return err_set(e, MAMORI_EINVAL, "%s is longer than %d bytes", what, FIELD_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return err_set(e, MAMORI_EINVAL, "%s contains a control character", what);
	return 0;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value, struct errbuf *e)
{
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	if (ex == NULL || X509_add_ext(x, ex, -1) != 1) {
		X509_EXTENSION_free(ex);
		char what[128];
		snprintf(what, sizeof what, "cannot add the extension %s", OBJ_nid2sn(nid));
		return ossl_err(e, MAMORI_EIO, what);
	}
	X509_EXTENSION_free(ex);
	return 0;
}

static int add_extensions(X509 *x, const struct cert_spec *s, X509 *issuer, EVP_PKEY *issuer_key,
			  struct errbuf *e)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	/* Self-signed: the authority key id comes from the key itself. */
	if (issuer == NULL && X509V3_set_issuer_pkey(&ctx, issuer_key) != 1)
		return ossl_err(e, MAMORI_EIO, "cannot set the issuer key");
	int rc;
	if (s->kind == CERT_CA) {
		if ((rc = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0",
				  e)) ||
		    (rc = add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign", e)) ||
		    (rc = add_ext(x, &ctx, NID_subject_key_identifier, "hash", e)) ||
		    (rc = add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always", e)))
			return rc;
		return 0;
	}
	if ((rc = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE", e)) ||
	    (rc = add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature", e)) ||
	    (rc = add_ext(x, &ctx, NID_ext_key_usage,
			  s->kind == CERT_SERVER ? "serverAuth" : "clientAuth", e)) ||
	    (rc = add_ext(x, &ctx, NID_subject_key_identifier, "hash", e)) ||
	    /* issuer+serial only when a CA given by the administrator has no key id */
	    (rc = add_ext(x, &ctx, NID_authority_key_identifier, "keyid,issuer", e)))
		return rc;
	if (s->sans != NULL &&
	    X509_add1_ext_i2d(x, NID_subject_alt_name, s->sans, 0, X509V3_ADD_DEFAULT) != 1)
		return ossl_err(e, MAMORI_EIO, "cannot add the subject alternative names");
	return 0;
}

/* Makes and signs a certificate as s says; issuer NULL: self-signed with issuer_key. */
static int build_cert(const struct cert_spec *s, X509 *issuer, EVP_PKEY *issuer_key, X509 **out,
		      char serial_hex[41], struct errbuf *e)
{
	int rc = 0;
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	time_t now = s->now;
	if (x == NULL || name == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	if (X509_set_version(x, X509_VERSION_3) != 1) {
		rc = ossl_err(e, MAMORI_EIO, "cannot set the version");
		goto out;
	}
	if ((rc = set_random_serial(x, serial_hex, e)) != 0)
		goto out;
	if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
				       (const unsigned char *)s->cn, -1, -1, 0) != 1) {
		rc = ossl_err(e, MAMORI_EINVAL, "cannot use the common name");
		goto out;
	}
	if (s->org != NULL &&
	    X509_NAME_add_entry_by_NID(name, NID_organizationName, MBSTRING_UTF8,
				       (const unsigned char *)s->org, -1, -1, 0) != 1) {
		rc = ossl_err(e, MAMORI_EINVAL, "cannot use the organization");
		goto out;
	}
	if (X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) != 1 ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, -CLOCK_SKEW, &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), s->days, 0, &now) == NULL ||
	    X509_set_pubkey(x, s->subject_key) != 1) {
		rc = ossl_err(e, MAMORI_EIO, "cannot fill in the certificate");
		goto out;
	}
	if ((rc = add_extensions(x, s, issuer, issuer_key, e)) != 0)
		goto out;
	if (X509_sign(x, issuer_key, EVP_sha256()) <= 0) {
		rc = ossl_err(e, MAMORI_EIO, "cannot sign the certificate");
		goto out;
	}
out:
	X509_NAME_free(name);
	if (rc != 0) {
		X509_free(x);
		ERR_clear_error();
		return rc;
	}
	*out = x;
	return 0;
}

/* A DNS name as a SAN: letters, digits, '-', '_', '.', a leading "*." wildcard. */
static bool dns_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.' || strstr(s, "..") != NULL)
		return false;
	size_t i = (n > 2 && s[0] == '*' && s[1] == '.') ? 2 : 0;
	for (; i < n; i++)
		if (!c_isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* Adds name to the SANs (as an IP address when it is one, else as a DNS name), once. A name
 * that is neither is an error when strict, else skipped (the machine's own host name). */
static int add_san(GENERAL_NAMES *sans, const char *name, bool strict, struct errbuf *e)
{
	unsigned char ip[16];
	int iplen = 0;
	if (inet_pton(AF_INET, name, ip) == 1)
		iplen = 4;
	else if (inet_pton(AF_INET6, name, ip) == 1)
		iplen = 16;
	else if (!dns_name_ok(name) && strict)
		return err_set(e, MAMORI_EINVAL,
			       "server name \"%.200s\" is not a DNS name or address", name);
	else if (!dns_name_ok(name))
		return 0;
	for (int i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
		int type;
		const ASN1_STRING *v =
		    GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(sans, i), &type);
		const char *d = (const char *)ASN1_STRING_get0_data(v);
		int l = ASN1_STRING_length(v);
		if (iplen > 0 && type == GEN_IPADD && l == iplen &&
		    memcmp(d, ip, (size_t)iplen) == 0)
			return 0;
		if (iplen == 0 && type == GEN_DNS && (size_t)l == strlen(name) &&
		    c_strncasecmp(d, name, (size_t)l) == 0)
			return 0;
	}
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_STRING *v = iplen ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
	int ok = g != NULL && v != NULL &&
		 (iplen ? ASN1_OCTET_STRING_set(v, ip, iplen) : ASN1_STRING_set(v, name, -1)) == 1;
	if (ok) {
		GENERAL_NAME_set0_value(g, iplen ? GEN_IPADD : GEN_DNS, v);
		v = NULL;
		ok = sk_GENERAL_NAME_push(sans, g) > 0;
		if (ok)
			g = NULL;
	}
	ASN1_STRING_free(v);
	GENERAL_NAME_free(g);
	return ok ? 0 : err_set(e, MAMORI_ENOMEM, "out of memory");
}

static void host_name(char *buf, size_t n)
{
	if (gethostname(buf, n) != 0)
		buf[0] = '\0';
	buf[n - 1] = '\0';
}

static int create_ca(struct ca *ca, const struct ca_paths *p, const char *host, struct errbuf *e)
{
	int rc = 0;
	char cn[65], serial[41], *kp = NULL, *cp = NULL;
	size_t klen = 0;
	X509 *x = NULL;
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (k == NULL)
		return ossl_err(e, MAMORI_EIO, "cannot make the CA key");
	/* %.54s keeps the CN within its 64 characters */
	snprintf(cn, sizeof cn, "mamori CA %.54s", host[0] ? host : "mamorid");
	struct cert_spec s = {
	    .kind = CERT_CA, .subject_key = k, .cn = cn, .days = CA_DAYS, .now = time(NULL)};
	if ((rc = build_cert(&s, NULL, k, &x, serial, e)) != 0)
		goto out;
	kp = key_pem(k, &klen);
	cp = cert_pem(x);
	if (kp == NULL || cp == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = write_file_atomic(p->ca_key, kp, klen, 0600, e)) != 0)
		goto out;
	if ((rc = write_file_atomic(p->ca_cert, cp, strlen(cp), 0644, e)) != 0) {
		unlink(p->ca_key); /* ours, a moment old: leave no half pair */
		goto out;
	}
	ca->cert = x;
	ca->key = k;
	x = NULL;
	k = NULL;
out:
	wipe_free(kp, klen);
	free(cp);
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}

static int create_server(struct ca *ca, const struct ca_paths *p, const char *host,
			 struct errbuf *e)
{
	int rc = 0;
	char serial[41], *cp = NULL;
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	GENERAL_NAMES *sans = sk_GENERAL_NAME_new_null();
	if (sans == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	static const char *const fixed[] = {"localhost", "127.0.0.1", "::1"};
	for (size_t i = 0; i < 3 && rc == 0; i++)
		rc = add_san(sans, fixed[i], true, e);
	if (rc == 0 && host[0] != '\0')
		rc = add_san(sans, host, false, e);
	for (size_t i = 0; i < p->n_server_names && rc == 0; i++)
		rc = add_san(sans, p->server_names[i], true, e);
	if (rc != 0)
		goto out;
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (k == NULL) {
		rc = ossl_err(e, MAMORI_EIO, "cannot make the server key");
		goto out;
	}
	bool host_ok = host[0] != '\0' && strlen(host) <= 64 && dns_name_ok(host);
	struct cert_spec s = {.kind = CERT_SERVER,
			      .subject_key = k,
			      .cn = host_ok ? host : "localhost",
			      .sans = sans,
			      .days = SERVER_DAYS,
			      .now = time(NULL)};
	if ((rc = build_cert(&s, ca->cert, ca->key, &x, serial, e)) != 0)
		goto out;
	ca->server_key_pem = key_pem(k, &ca->server_key_len);
	cp = cert_pem(x);
	if (ca->server_key_pem == NULL || cp == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = write_file_atomic(p->server_key, ca->server_key_pem, ca->server_key_len, 0600,
				    e)) != 0)
		goto out;
	if ((rc = write_file_atomic(p->server_cert, cp, strlen(cp), 0644, e)) != 0) {
		unlink(p->server_key);
		goto out;
	}
	ca->server_cert_pem = cp;
	cp = NULL;
out:
	free(cp);
	X509_free(x);
	EVP_PKEY_free(k);
	GENERAL_NAMES_free(sans);
	return rc;
}

static int load_server(struct ca *ca, const struct ca_paths *p, struct errbuf *e)
{
	X509 *x = NULL;
	EVP_PKEY *k = NULL;
	int rc = load_pair(p->server_cert, p->server_key, &x, &k, e);
	if (rc != 0)
		return rc;
	if (X509_check_issued(ca->cert, x) != X509_V_OK || X509_verify(x, ca->key) != 1) {
		rc = err_set(e, MAMORI_EINVAL, "%s was not issued by the CA in %s", p->server_cert,
			     p->ca_cert);
		goto out;
	}
	ca->server_cert_pem = cert_pem(x);
	/* re-encoded as PKCS#8, which GnuTLS reads whatever form the file had */
	ca->server_key_pem = key_pem(k, &ca->server_key_len);
	if (ca->server_cert_pem == NULL || ca->server_key_pem == NULL)
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
out:
	X509_free(x);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}

/* Both files of a pair or neither: a lone one means something was lost, and making its
 * partner anew would not match it. */
static int pair_state(const char *cert, const char *key, const char *what, bool *have,
		      struct errbuf *e)
{
	int hc = file_exists(cert, e);
	if (hc < 0)
		return hc;
	int hk = file_exists(key, e);
	if (hk < 0)
		return hk;
	if (hc != hk)
		return err_set(
		    e, MAMORI_ENOENT,
		    "%s exists but %s does not: restore it, or remove both to make a new %s",
		    hc ? cert : key, hc ? key : cert, what);
	*have = hc;
	return 0;
}

int ca_open(const struct ca_paths *p, struct ca **out, struct errbuf *e)
{
	if (p == NULL || out == NULL || p->ca_cert == NULL || p->ca_key == NULL ||
	    p->server_cert == NULL || p->server_key == NULL ||
	    (p->n_server_names > 0 && p->server_names == NULL))
		return err_set(e, MAMORI_EINVAL, "ca_open: missing paths");
	if (p->n_server_names > MAX_SERVER_NAMES)
		return err_set(e, MAMORI_EINVAL, "more than %d server names", MAX_SERVER_NAMES);
	/* checked before anything is created, so that a typo leaves no half-made files */
	for (size_t i = 0; i < p->n_server_names; i++) {
		const char *n = p->server_names[i];
		unsigned char ip[16];
		if (n == NULL)
			return err_set(e, MAMORI_EINVAL, "server name %zu is missing", i + 1);
		if (inet_pton(AF_INET, n, ip) != 1 && inet_pton(AF_INET6, n, ip) != 1 &&
		    !dns_name_ok(n))
			return err_set(
			    e, MAMORI_EINVAL,
			    "server name \"%.200s\" is neither a DNS name nor an IP address", n);
	}
	ERR_clear_error();
	bool have_ca, have_server;
	int rc = pair_state(p->ca_cert, p->ca_key, "CA", &have_ca, e);
	if (rc == 0)
		rc = pair_state(p->server_cert, p->server_key, "server certificate", &have_server,
				e);
	if (rc != 0)
		return rc;
	if (!have_ca && have_server)
		return err_set(e, MAMORI_ENOENT,
			       "%s exists but the CA (%s) does not: give the CA that issued it, or "
			       "remove %s and %s to make new ones",
			       p->server_cert, p->ca_cert, p->server_cert, p->server_key);

	struct ca *ca = calloc(1, sizeof *ca);
	if (ca == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	if (pthread_mutex_init(&ca->lock, NULL) != 0) {
		free(ca);
		return err_set(e, MAMORI_ENOMEM, "cannot make a mutex");
	}
	char host[256];
	host_name(host, sizeof host);
	if (have_ca) {
		rc = load_pair(p->ca_cert, p->ca_key, &ca->cert, &ca->key, e);
		if (rc == 0 && X509_check_ca(ca->cert) == 0)
			rc = err_set(e, MAMORI_EINVAL, "%s is not a CA certificate", p->ca_cert);
	} else {
		rc = create_ca(ca, p, host, e);
	}
	if (rc == 0)
		rc = have_server ? load_server(ca, p, e) : create_server(ca, p, host, e);
	if (rc == 0) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned mdlen = 0;
		ca->cert_pem = cert_pem(ca->cert);
		if (ca->cert_pem == NULL || X509_digest(ca->cert, EVP_sha256(), md, &mdlen) != 1 ||
		    mdlen != 32)
			rc = ossl_err(e, MAMORI_ENOMEM, "cannot encode the CA certificate");
		if (rc == 0)
			hex_encode(md, 32, ca->fingerprint);
	}
	ERR_clear_error();
	if (rc != 0) {
		ca_free(ca);
		return rc;
	}
	*out = ca;
	return 0;
}

void ca_free(struct ca *ca)
{
	if (ca == NULL)
		return;
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	free(ca->cert_pem);
	free(ca->server_cert_pem);
	wipe_free(ca->server_key_pem, ca->server_key_len);
	pthread_mutex_destroy(&ca->lock);
	free(ca);
}

const char *ca_cert_pem(const struct ca *ca)
{
	return ca->cert_pem;
}

const char *ca_server_cert_pem(const struct ca *ca)
{
	return ca->server_cert_pem;
}

const char *ca_server_key_pem(const struct ca *ca)
{
	return ca->server_key_pem;
}

const char *ca_fingerprint(const struct ca *ca)
{
	return ca->fingerprint;
}

/* The keys a device may bring: ECDSA on P-256 or P-384, RSA of 2048 to 8192 bits. */
static int check_csr_key(EVP_PKEY *k, struct errbuf *e)
{
	if (EVP_PKEY_is_a(k, "EC")) {
		char group[80];
		size_t glen = 0;
		if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group,
						   sizeof group, &glen) != 1)
			return err_set(
			    e, MAMORI_EINVAL,
			    "CSR key is EC without a named curve; P-256 or P-384 needed");
		int nid = OBJ_sn2nid(group);
		if (nid == NID_undef)
			nid = EC_curve_nist2nid(group);
		if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1)
			return err_set(e, MAMORI_EINVAL,
				       "CSR key is EC on curve %s; P-256 or P-384 needed", group);
		return 0;
	}
	if (EVP_PKEY_is_a(k, "RSA")) {
		int bits = EVP_PKEY_get_bits(k);
		if (bits < RSA_MIN_BITS)
			return err_set(e, MAMORI_EINVAL,
				       "CSR key is RSA %d bits; at least %d needed", bits,
				       RSA_MIN_BITS);
		if (bits > RSA_MAX_BITS)
			return err_set(e, MAMORI_EINVAL,
				       "CSR key is RSA %d bits; at most %d accepted", bits,
				       RSA_MAX_BITS);
		return 0;
	}
	const char *t = EVP_PKEY_get0_type_name(k);
	return err_set(e, MAMORI_EINVAL,
		       "CSR key is %s; ECDSA P-256/P-384 or RSA of at least %d bits needed",
		       t ? t : "of an unknown type", RSA_MIN_BITS);
}

/* Issues a client certificate for pub; the caller has checked cn, org and days. */
static int issue(struct ca *ca, EVP_PKEY *pub, const char *cn, const char *org, int days,
		 struct ca_issued *out, struct errbuf *e)
{
	X509 *x = NULL;
	char serial[41];
	struct cert_spec s = {.kind = CERT_CLIENT,
			      .subject_key = pub,
			      .cn = cn,
			      .org = org,
			      .days = days,
			      .now = time(NULL)};
	pthread_mutex_lock(&ca->lock);
	int rc = build_cert(&s, ca->cert, ca->key, &x, serial, e);
	pthread_mutex_unlock(&ca->lock);
	if (rc != 0)
		return rc;
	char *pem = cert_pem(x);
	X509_free(x);
	if (pem == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	out->cert_pem = pem;
	memcpy(out->serial, serial, sizeof out->serial);
	out->not_after = (int64_t)s.now + (int64_t)days * 86400;
	return 0;
}

static int check_issue_args(struct ca *ca, const char *cn, const char *org, int days,
			    struct ca_issued *out, struct errbuf *e)
{
	if (ca == NULL || out == NULL)
		return err_set(e, MAMORI_EINVAL, "no CA");
	if (days < 1 || days > MAX_ISSUE_DAYS)
		return err_set(e, MAMORI_EINVAL, "validity of %d days; 1 to %d allowed", days,
			       MAX_ISSUE_DAYS);
	int rc = check_field("common name", cn, e);
	if (rc == 0 && org != NULL)
		rc = check_field("organization", org, e);
	return rc;
}

int ca_sign_csr(struct ca *ca, const char *csr_pem, size_t csr_len, const char *common_name,
		const char *organization, int days, struct ca_issued *out, struct errbuf *e)
{
	int rc = check_issue_args(ca, common_name, organization, days, out, e);
	if (rc != 0)
		return rc;
	if (csr_pem == NULL || csr_len == 0)
		return err_set(e, MAMORI_EPARSE, "empty CSR");
	if (csr_len > CSR_MAX)
		return err_set(e, MAMORI_ETOOBIG, "CSR is %zu bytes; at most %d accepted", csr_len,
			       CSR_MAX);
	ERR_clear_error();
	X509_REQ *req = NULL;
	BIO *b = BIO_new_mem_buf(csr_pem, (int)csr_len);
	if (b == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	req = PEM_read_bio_X509_REQ(b, NULL, ossl_no_password, NULL);
	if (req == NULL) {
		rc = ossl_err(e, MAMORI_EPARSE, "not a PEM certificate request");
		goto out;
	}
	EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
	if (pub == NULL) {
		rc = ossl_err(e, MAMORI_EINVAL, "the CSR's key cannot be read");
		goto out;
	}
	if ((rc = check_csr_key(pub, e)) != 0)
		goto out;
	/* proof that the device holds the key: the rest of the CSR is not used */
	if (X509_REQ_verify(req, pub) != 1) {
		rc = ossl_err(e, MAMORI_EINVAL, "the CSR's signature does not verify with its key");
		goto out;
	}
	rc = issue(ca, pub, common_name, organization, days, out, e);
out:
	X509_REQ_free(req);
	BIO_free(b);
	ERR_clear_error();
	return rc;
}

int ca_issue_keypair(struct ca *ca, const char *common_name, const char *organization, int days,
		     struct ca_issued *out, char **key_pem_out, struct errbuf *e)
{
	int rc = check_issue_args(ca, common_name, organization, days, out, e);
	if (rc != 0)
		return rc;
	if (key_pem_out == NULL)
		return err_set(e, MAMORI_EINVAL, "no place for the key");
	ERR_clear_error();
	size_t klen = 0;
	char *kp = NULL;
	struct ca_issued is = {0};
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (k == NULL) {
		rc = ossl_err(e, MAMORI_EIO, "cannot make a key");
		goto out;
	}
	if ((rc = issue(ca, k, common_name, organization, days, &is, e)) != 0)
		goto out;
	kp = key_pem(k, &klen);
	if (kp == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	*out = is;
	*key_pem_out = kp;
	is.cert_pem = NULL;
out:
	ca_issued_free(&is);
	EVP_PKEY_free(k);
	ERR_clear_error();
	return rc;
}

void ca_issued_free(struct ca_issued *is)
{
	if (is == NULL)
		return;
	free(is->cert_pem);
	memset(is, 0, sizeof *is);
}
