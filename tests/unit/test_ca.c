/* SPDX-License-Identifier: Apache-2.0 */
/* The server's CA (src/server/ca.c) and the device's keys (src/cli/keys.c) against each other
 * and against OpenSSL's own verifier, all in temporary directories. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cli/keys.h"
#include "server/ca.h"

#define DEVICE_ID "0123456789abcdef0123456789abcdef"

/* --- helpers ----------------------------------------------------------------------------- */

struct dir {
	char path[64];
	char ca_cert[128], ca_key[128], server_cert[128], server_key[128];
};

static void dir_paths(struct dir *d)
{
	snprintf(d->ca_cert, sizeof d->ca_cert, "%s/ca.crt", d->path);
	snprintf(d->ca_key, sizeof d->ca_key, "%s/ca.key", d->path);
	snprintf(d->server_cert, sizeof d->server_cert, "%s/server.crt", d->path);
	snprintf(d->server_key, sizeof d->server_key, "%s/server.key", d->path);
}

static void dir_make(struct dir *d)
{
	snprintf(d->path, sizeof d->path, "/tmp/mamori-test-ca-XXXXXX");
	assert_non_null(mkdtemp(d->path));
	dir_paths(d);
}

static void dir_remove(struct dir *d)
{
	DIR *dh = opendir(d->path);
	assert_non_null(dh);
	struct dirent *de;
	char p[512];
	while ((de = readdir(dh)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", d->path, de->d_name);
		assert_int_equal(unlink(p), 0);
	}
	closedir(dh);
	assert_int_equal(rmdir(d->path), 0);
}

static int dir_count(const struct dir *d)
{
	DIR *dh = opendir(d->path);
	assert_non_null(dh);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(dh)) != NULL)
		n += de->d_name[0] != '.';
	closedir(dh);
	return n;
}

static int ca_open_in(const struct dir *d, const char *const *names, size_t n, struct ca **out,
		      struct errbuf *e)
{
	struct ca_paths p = {d->ca_cert, d->ca_key, d->server_cert, d->server_key, names, n};
	return ca_open(&p, out, e);
}

static struct ca *ca_new(struct dir *d)
{
	struct errbuf e = {{0}};
	struct ca *ca = NULL;
	dir_make(d);
	int rc = ca_open_in(d, NULL, 0, &ca, &e);
	if (rc != 0)
		fail_msg("ca_open: %s", e.msg);
	return ca;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = malloc(1 << 16);
	assert_non_null(buf);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static void spew(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void copy_file(const char *from, const char *to)
{
	size_t n;
	char *b = slurp(from, &n);
	spew(to, b, n);
	free(b);
}

static X509 *pem_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(x);
	return x;
}

static EVP_PKEY *pem_key(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(k);
	return k;
}

static void name_entry(X509_NAME *n, int nid, char *out, size_t len)
{
	out[0] = '\0';
	int i = X509_NAME_get_index_by_NID(n, nid, -1);
	if (i >= 0) {
		const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
		snprintf(out, len, "%.*s", ASN1_STRING_length(s),
			 (const char *)ASN1_STRING_get0_data(s));
	}
}

/* OpenSSL's verifier: x chains to ca_pem for the purpose. */
static int verify_with(X509 *x, const char *ca_pem, int purpose)
{
	X509 *ca = pem_cert(ca_pem);
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	assert_int_equal(X509_STORE_add_cert(st, ca), 1);
	assert_int_equal(X509_STORE_CTX_init(ctx, st, x, NULL), 1);
	assert_int_equal(X509_STORE_CTX_set_purpose(ctx, purpose), 1);
	int ok = X509_verify_cert(ctx);
	int err = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	X509_free(ca);
	ERR_clear_error();
	return ok == 1 ? 0 : err;
}

/* A CSR for k with CN=cn, PEM, malloc'd. */
static char *csr_for(EVP_PKEY *k, const char *cn)
{
	X509_REQ *r = X509_REQ_new();
	X509_NAME *n = X509_NAME_new();
	assert_int_equal(X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8,
						    (const unsigned char *)cn, -1, -1, 0),
			 1);
	assert_int_equal(X509_REQ_set_subject_name(r, n), 1);
	assert_int_equal(X509_REQ_set_pubkey(r, k), 1);
	/* EdDSA signs without a separate digest */
	const EVP_MD *md = EVP_PKEY_is_a(k, "ED25519") ? NULL : EVP_sha256();
	assert_true(X509_REQ_sign(r, k, md) > 0);
	BIO *b = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_X509_REQ(b, r), 1);
	char *data;
	long len = BIO_get_mem_data(b, &data);
	char *s = strndup(data, (size_t)len);
	BIO_free(b);
	X509_NAME_free(n);
	X509_REQ_free(r);
	return s;
}

static char *csr_for_keygen(const char *type, const char *param, size_t bits)
{
	EVP_PKEY *k = bits    ? EVP_PKEY_Q_keygen(NULL, NULL, type, bits)
		      : param ? EVP_PKEY_Q_keygen(NULL, NULL, type, param)
			      : EVP_PKEY_Q_keygen(NULL, NULL, type);
	assert_non_null(k);
	char *s = csr_for(k, "whatever");
	EVP_PKEY_free(k);
	return s;
}

/* A device key + CSR made by keys_make_csr in d. */
static char *device_csr(const struct dir *d, const char *name, const char *host, char *key_path,
			size_t key_path_len)
{
	struct errbuf e = {{0}};
	char *csr = NULL;
	snprintf(key_path, key_path_len, "%s/%s", d->path, name);
	if (keys_make_csr(key_path, host, &csr, &e) != 0)
		fail_msg("keys_make_csr: %s", e.msg);
	assert_non_null(csr);
	return csr;
}

/* --- ca_open: create, reopen, refuse ------------------------------------------------------ */

static void test_create_then_reopen(void **state)
{
	(void)state;
	struct dir d;
	struct errbuf e = {{0}};
	umask(022);
	struct ca *ca = ca_new(&d);
	assert_int_equal(dir_count(&d), 4); /* no temporary files left */

	struct stat st;
	assert_int_equal(stat(d.ca_key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(d.server_key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(d.ca_cert, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	/* the fingerprint is SHA-256 of the DER, lower-case */
	char fp[65];
	const char *cfp = ca_fingerprint(ca);
	assert_int_equal(strlen(cfp), 64);
	assert_int_equal(strspn(cfp, "0123456789abcdef"), 64);
	assert_int_equal(keys_cert_fingerprint(ca_cert_pem(ca), strlen(ca_cert_pem(ca)), fp, &e),
			 0);
	assert_string_equal(fp, cfp);

	/* what is served is what is on disk */
	char *files[4], *paths[4] = {d.ca_cert, d.ca_key, d.server_cert, d.server_key};
	struct stat before[4];
	for (int i = 0; i < 4; i++) {
		files[i] = slurp(paths[i], NULL);
		assert_int_equal(stat(paths[i], &before[i]), 0);
	}
	assert_string_equal(files[0], ca_cert_pem(ca));
	assert_string_equal(files[2], ca_server_cert_pem(ca));
	char *fp_before = strdup(cfp);
	ca_free(ca);

	/* reopen: same CA, nothing written */
	ca = NULL;
	assert_int_equal(ca_open_in(&d, NULL, 0, &ca, &e), 0);
	assert_string_equal(ca_fingerprint(ca), fp_before);
	assert_string_equal(ca_cert_pem(ca), files[0]);
	assert_string_equal(ca_server_cert_pem(ca), files[2]);
	for (int i = 0; i < 4; i++) {
		struct stat now;
		assert_int_equal(stat(paths[i], &now), 0);
		assert_int_equal(now.st_ino, before[i].st_ino);
		assert_int_equal(now.st_mtim.tv_sec, before[i].st_mtim.tv_sec);
		assert_int_equal(now.st_mtim.tv_nsec, before[i].st_mtim.tv_nsec);
		char *again = slurp(paths[i], NULL);
		assert_string_equal(again, files[i]);
		free(again);
		free(files[i]);
	}
	assert_int_equal(dir_count(&d), 4);
	free(fp_before);
	ca_free(ca);
	dir_remove(&d);
}

static void test_ca_certificate(void **state)
{
	(void)state;
	struct dir d;
	struct ca *ca = ca_new(&d);
	X509 *x = pem_cert(ca_cert_pem(ca));
	char cn[128], host[256] = "";
	name_entry(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
	gethostname(host, sizeof host - 1);
	char want[128];
	snprintf(want, sizeof want, "mamori CA %.54s", host[0] ? host : "mamorid");
	assert_string_equal(cn, want);
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)), 0);
	assert_int_equal(X509_check_ca(x), 1);
	assert_int_equal(X509_get_pathlen(x), 0);
	assert_int_equal(X509_get_key_usage(x), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(x);
	const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(x);
	assert_non_null(ski);
	assert_non_null(aki);
	assert_int_equal(ASN1_OCTET_STRING_cmp(ski, aki), 0);
	assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	/* ECDSA P-256, about 10 years */
	EVP_PKEY *pk = X509_get0_pubkey(x);
	char group[64];
	assert_true(EVP_PKEY_is_a(pk, "EC"));
	assert_int_equal(EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group,
							sizeof group, NULL),
			 1);
	assert_string_equal(group, "prime256v1");
	int days, secs;
	assert_int_equal(
	    ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x), X509_get0_notAfter(x)), 1);
	assert_true(days >= 3652 && days <= 3653);
	/* the key file holds the CA's key */
	char *kp = slurp(d.ca_key, NULL);
	EVP_PKEY *k = pem_key(kp);
	assert_int_equal(X509_check_private_key(x, k), 1);
	EVP_PKEY_free(k);
	free(kp);
	X509_free(x);
	ca_free(ca);
	dir_remove(&d);
}

static void test_server_certificate(void **state)
{
	(void)state;
	struct dir d;
	struct errbuf e = {{0}};
	struct ca *ca = NULL;
	static const char *const names[] = {"mamori.example", "192.0.2.10", "2001:db8::1",
					    "LOCALHOST", "127.0.0.1"};
	dir_make(&d);
	if (ca_open_in(&d, names, 5, &ca, &e) != 0)
		fail_msg("ca_open: %s", e.msg);
	X509 *x = pem_cert(ca_server_cert_pem(ca));
	assert_int_equal(verify_with(x, ca_cert_pem(ca), X509_PURPOSE_SSL_SERVER), 0);
	/* serverAuth only: no use as a client certificate */
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_SERVER);
	assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE);
	assert_int_equal(X509_check_ca(x), 0);
	assert_int_not_equal(verify_with(x, ca_cert_pem(ca), X509_PURPOSE_SSL_CLIENT), 0);
	assert_non_null(X509_get0_authority_key_id(x));

	/* the names, each once, addresses as addresses */
	GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	assert_non_null(g);
	int ndns = 0, nip = 0, localhost = 0;
	for (int i = 0; i < sk_GENERAL_NAME_num(g); i++) {
		int type;
		const ASN1_STRING *v = GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(g, i), &type);
		if (type == GEN_DNS) {
			ndns++;
			const char *s = (const char *)ASN1_STRING_get0_data(v);
			assert_null(strchr(s, ':')); /* no address as a DNS name */
			localhost += c_strcasecmp(s, "localhost") == 0;
		} else {
			assert_int_equal(type, GEN_IPADD);
			nip++;
		}
	}
	GENERAL_NAMES_free(g);
	assert_int_equal(localhost, 1);
	/* 127.0.0.1, ::1, 192.0.2.10, 2001:db8::1; localhost, mamori.example; the host name */
	char host[256] = "";
	unsigned char ip[16];
	gethostname(host, sizeof host - 1);
	bool host_is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
	assert_true(nip == 4 || (host_is_ip && nip == 5));
	assert_true(ndns == 2 || (!host_is_ip && ndns == 3));
	assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_host(x, "mamori.example", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "192.0.2.10", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "2001:db8::1", 0), 1);
	assert_int_equal(X509_check_ip_asc(x, "192.0.2.11", 0), 0);
	assert_int_equal(X509_check_host(x, "other.example", 0, 0, NULL), 0);
	if (host[0] != '\0' && !host_is_ip && strchr(host, ' ') == NULL)
		assert_int_equal(X509_check_host(x, host, 0, 0, NULL), 1);

	/* the key served with it is its key (as PKCS#8) */
	assert_non_null(strstr(ca_server_key_pem(ca), "-----BEGIN PRIVATE KEY-----"));
	EVP_PKEY *k = pem_key(ca_server_key_pem(ca));
	assert_int_equal(X509_check_private_key(x, k), 1);
	EVP_PKEY_free(k);
	X509_free(x);
	ca_free(ca);
	dir_remove(&d);
}

static void test_bad_server_name(void **state)
{
	(void)state;
	struct dir d;
	struct errbuf e = {{0}};
	struct ca *ca = NULL;
	static const char *const names[] = {"ok.example", "not a name"};
	dir_make(&d);
	assert_int_equal(ca_open_in(&d, names, 2, &ca, &e), MAMORI_EINVAL);
	assert_null(ca);
	assert_non_null(strstr(e.msg, "\"not a name\""));
	assert_int_equal(dir_count(&d), 0); /* refused before anything was made */
	dir_remove(&d);
}

/* One file of a pair without the other: an error naming the missing one, nothing made. */
static void check_half(const char *const *present_from, const char *const *present_to, int n,
		       const char *missing)
{
	struct dir d;
	struct errbuf e = {{0}};
	struct ca *ca = NULL;
	dir_make(&d);
	char to[4][160];
	for (int i = 0; i < n; i++) {
		snprintf(to[i], sizeof to[i], "%s/%s", d.path, present_to[i]);
		copy_file(present_from[i], to[i]);
	}
	assert_int_equal(ca_open_in(&d, NULL, 0, &ca, &e), MAMORI_ENOENT);
	assert_null(ca);
	char want[160];
	snprintf(want, sizeof want, "%s/%s", d.path, missing);
	if (strstr(e.msg, want) == NULL)
		fail_msg("\"%s\" does not name %s", e.msg, want);
	assert_int_equal(dir_count(&d), n);
	dir_remove(&d);
}

static void test_half_present_pairs(void **state)
{
	(void)state;
	struct dir src;
	struct ca *ca = ca_new(&src);
	ca_free(ca);
	const char *cc[] = {src.ca_cert}, *ck[] = {src.ca_key};
	check_half(cc, (const char *[]){"ca.crt"}, 1, "ca.key");
	check_half(ck, (const char *[]){"ca.key"}, 1, "ca.crt");
	const char *ca_sc[] = {src.ca_cert, src.ca_key, src.server_cert};
	check_half(ca_sc, (const char *[]){"ca.crt", "ca.key", "server.crt"}, 3, "server.key");
	const char *ca_sk[] = {src.ca_cert, src.ca_key, src.server_key};
	check_half(ca_sk, (const char *[]){"ca.crt", "ca.key", "server.key"}, 3, "server.crt");
	/* a server pair without its CA: a new CA could not have issued it */
	const char *srv[] = {src.server_cert, src.server_key};
	check_half(srv, (const char *[]){"server.crt", "server.key"}, 2, "ca.crt");
	dir_remove(&src);
}

static void expect_open_error(struct dir *d, int code, const char *needle1, const char *needle2)
{
	struct errbuf e = {{0}};
	struct ca *ca = NULL;
	int before = dir_count(d);
	int rc = ca_open_in(d, NULL, 0, &ca, &e);
	if (rc != code)
		fail_msg("ca_open gave %d (%s), expected %d", rc, e.msg, code);
	assert_null(ca);
	if (strstr(e.msg, needle1) == NULL || (needle2 && strstr(e.msg, needle2) == NULL))
		fail_msg("\"%s\" lacks \"%s\" or \"%s\"", e.msg, needle1, needle2 ? needle2 : "");
	assert_int_equal(dir_count(d), before);
	assert_int_equal(ERR_peek_error(), 0); /* the OpenSSL queue is left empty */
}

static void test_mismatches(void **state)
{
	(void)state;
	struct dir a, b, d;
	struct ca *ca = ca_new(&a);
	ca_free(ca);
	ca = ca_new(&b);
	ca_free(ca);

	/* the CA's certificate with another key */
	dir_make(&d);
	copy_file(a.ca_cert, d.ca_cert);
	copy_file(b.ca_key, d.ca_key);
	expect_open_error(&d, MAMORI_EINVAL, d.ca_cert, "does not match");
	dir_remove(&d);

	/* the server's certificate with another key */
	dir_make(&d);
	copy_file(a.ca_cert, d.ca_cert);
	copy_file(a.ca_key, d.ca_key);
	copy_file(a.server_cert, d.server_cert);
	copy_file(b.server_key, d.server_key);
	expect_open_error(&d, MAMORI_EINVAL, d.server_cert, "does not match");
	dir_remove(&d);

	/* a server pair from another CA */
	dir_make(&d);
	copy_file(a.ca_cert, d.ca_cert);
	copy_file(a.ca_key, d.ca_key);
	copy_file(b.server_cert, d.server_cert);
	copy_file(b.server_key, d.server_key);
	expect_open_error(&d, MAMORI_EINVAL, d.server_cert, "not issued by the CA");
	dir_remove(&d);

	/* garbage where a certificate should be; an encrypted key */
	dir_make(&d);
	spew(d.ca_cert, "hello\n", 6);
	copy_file(a.ca_key, d.ca_key);
	expect_open_error(&d, MAMORI_EPARSE, d.ca_cert, "not a PEM certificate");
	copy_file(a.ca_cert, d.ca_cert);
	char *kp = slurp(a.ca_key, NULL);
	EVP_PKEY *k = pem_key(kp);
	BIO *bio = BIO_new(BIO_s_mem());
	assert_int_equal(
	    PEM_write_bio_PrivateKey(bio, k, EVP_aes_128_cbc(), NULL, 0, NULL, (void *)"secret"),
	    1);
	char *enc;
	long enclen = BIO_get_mem_data(bio, &enc);
	spew(d.ca_key, enc, (size_t)enclen);
	expect_open_error(&d, MAMORI_EPARSE, d.ca_key, "unencrypted");
	BIO_free(bio);
	EVP_PKEY_free(k);
	free(kp);
	dir_remove(&d);

	dir_remove(&a);
	dir_remove(&b);
}

/* A CA made outside mamorid (no key identifiers, given by the administrator), or expired. */
static void write_own_ca(const struct dir *d, int from_days, int to_days, int is_ca)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8,
				   (const unsigned char *)"Admin's own CA", -1, -1, 0);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_time_adj_ex(X509_getm_notBefore(x), from_days, 0, NULL);
	X509_time_adj_ex(X509_getm_notAfter(x), to_days, 0, NULL);
	X509_set_pubkey(x, k);
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
						 is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	X509_add_ext(x, ex, -1);
	X509_EXTENSION_free(ex);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	BIO *b = BIO_new_file(d->ca_cert, "w");
	PEM_write_bio_X509(b, x);
	BIO_free(b);
	b = BIO_new_file(d->ca_key, "w");
	PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	BIO_free(b);
	X509_NAME_free(n);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_given_ca(void **state)
{
	(void)state;
	struct dir d;
	struct errbuf e = {{0}};
	struct ca *ca = NULL;
	/* no key identifiers: the server certificate names its issuer instead */
	dir_make(&d);
	write_own_ca(&d, -1, 30, 1);
	if (ca_open_in(&d, NULL, 0, &ca, &e) != 0)
		fail_msg("ca_open: %s", e.msg);
	assert_int_equal(dir_count(&d), 4);
	X509 *x = pem_cert(ca_server_cert_pem(ca));
	assert_int_equal(verify_with(x, ca_cert_pem(ca), X509_PURPOSE_SSL_SERVER), 0);
	X509_free(x);
	char key[160];
	char *csr = device_csr(&d, "dev.key", "pc-1", key, sizeof key);
	struct ca_issued is = {0};
	assert_int_equal(ca_sign_csr(ca, csr, strlen(csr), DEVICE_ID, "mamori device", 30, &is, &e),
			 0);
	assert_int_equal(keys_check_issued(key, is.cert_pem, ca_cert_pem(ca), &e), 0);
	ca_issued_free(&is);
	free(csr);
	ca_free(ca);
	dir_remove(&d);

	dir_make(&d);
	write_own_ca(&d, -30, -1, 1);
	expect_open_error(&d, MAMORI_EINVAL, d.ca_cert, "expired");
	dir_remove(&d);

	dir_make(&d);
	write_own_ca(&d, -1, 30, 0);
	expect_open_error(&d, MAMORI_EINVAL, d.ca_cert, "not a CA");
	dir_remove(&d);
}

/* --- issuing ------------------------------------------------------------------------------ */

static void test_sign_device_csr(void **state)
{
	(void)state;
	struct dir d;
	struct errbuf e = {{0}};
	struct ca *ca = ca_new(&d);
	char key[160];
	char *csr = device_csr(&d, "device.key", "pc-042", key, sizeof key);
	struct stat st;
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_non_null(strstr(csr, "-----BEGIN CERTIFICATE REQUEST-----"));

	struct ca_issued is = {0};
	time_t now = time(NULL);
	if (ca_sign_csr(ca, csr, strlen(csr), DEVICE_ID, "mamori device", 397, &is, &e) != 0)
		fail_msg("ca_sign_csr: %s", e.msg);
	if (keys_check_issued(key, is.cert_pem, ca_cert_pem(ca), &e) != 0)
		fail_msg("keys_check_issued: %s", e.msg);

	X509 *x = pem_cert(is.cert_pem), *cax = pem_cert(ca_cert_pem(ca));
	/* subject: the device id and the organization only; the CSR's CN is ignored */
	X509_NAME *n = X509_get_subject_name(x);
	char v[128];
	assert_int_equal(X509_NAME_entry_count(n), 2);
	name_entry(n, NID_commonName, v, sizeof v);
	assert_string_equal(v, DEVICE_ID);
	name_entry(n, NID_organizationName, v, sizeof v);
	assert_string_equal(v, "mamori device");
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(cax)), 0);
	/* a client certificate, nothing more */
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_CLIENT);
	assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE);
	assert_int_equal(X509_check_ca(x), 0);
	assert_int_equal(verify_with(x, ca_cert_pem(ca), X509_PURPOSE_SSL_CLIENT), 0);
	assert_int_not_equal(verify_with(x, ca_cert_pem(ca), X509_PURPOSE_SSL_SERVER), 0);
	assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	assert_non_null(X509_get0_authority_key_id(x));
	assert_int_equal(
	    ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x), X509_get0_subject_key_id(cax)), 0);
	X509_free(cax);

	/* the serial, as serial_to_hex and as BN_bn2hex lower-cased */
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	assert_false(BN_is_negative(bn));
	assert_false(BN_is_zero(bn));
	assert_true(BN_num_bits(bn) <= 127);
	unsigned char raw[32];
	int rawlen = BN_bn2bin(bn, raw);
	char hex[41];
	serial_to_hex(raw, (size_t)rawlen, hex);
	assert_string_equal(is.serial, hex);
	char *bnhex = BN_bn2hex(bn);
	for (char *p = bnhex; *p; p++)
		*p = (char)c_tolower((unsigned char)*p);
	assert_string_equal(is.serial, bnhex);
	OPENSSL_free(bnhex);
	BN_free(bn);

	/* validity: from five minutes ago (clock skew) to now + 397 days */
	struct tm tm;
	assert_int_equal(ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm), 1);
	assert_int_equal((int64_t)timegm(&tm), is.not_after);
	assert_true(is.not_after >= (int64_t)now + 397 * 86400 &&
		    is.not_after <= (int64_t)now + 397 * 86400 + 5);
	assert_int_equal(ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm), 1);
	assert_true((int64_t)timegm(&tm) >= (int64_t)now - 305 && timegm(&tm) <= now - 295);
	X509_free(x);
	ca_issued_free(&is);
	assert_null(is.cert_pem);
	free(csr);
	ca_free(ca);
	dir_remove(&d);
}

static void expect_csr_refused(struct ca *ca, const char *csr, size_t len, int code,
			       const char *needle)
{
	struct errbuf e = {{0}};
	struct ca_issued is = {.cert_pem = NULL, .serial = "untouched"};
	int rc = ca_sign_csr(ca, csr, len, DEVICE_ID, "mamori device", 397, &is, &e);
	if (rc != code)
		fail_msg("ca_sign_csr gave %d (%s), expected %d", rc, e.msg, code);
	if (strstr(e.msg, needle) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", e.msg, needle);
	assert_null(is.cert_pem);
	assert_string_equal(is.serial, "untouched");
	assert_int_equal(ERR_peek_error(), 0);
}

static void expect_csr_accepted(struct ca *ca, const char *csr)
{
	struct errbuf e = {{0}};
	struct ca_issued is = {0};
	if (ca_sign_csr(ca, csr, strlen(csr), DEVICE_ID, "mamori device", 397, &is, &e) != 0)
		fail_msg("ca_sign_csr: %s", e.msg);
	X509 *x = pem_cert(is.cert_pem);
	assert_int_equal(verify_with(x, ca_cert_pem(ca), X509_PURPOSE_SSL_CLIENT), 0);
	X509_free(x);
	ca_issued_free(&is);
}

static void test_csr_key_types(void **state)
{
	(void)state;
	struct dir d;
	struct ca *ca = ca_new(&d);
	char *csr = csr_for_keygen("RSA", NULL, 1024);
	expect_csr_refused(ca, csr, strlen(csr), MAMORI_EINVAL,
			   "CSR key is RSA 1024 bits; at least 2048 needed");
	free(csr);
	csr = csr_for_keygen("RSA", NULL, 2048);
	expect_csr_accepted(ca, csr);
	free(csr);
	csr = csr_for_keygen("EC", "P-384", 0);
	expect_csr_accepted(ca, csr);
	free(csr);
	csr = csr_for_keygen("EC", "P-256", 0);
	expect_csr_accepted(ca, csr);
	free(csr);
	csr = csr_for_keygen("EC", "P-521", 0);
	expect_csr_refused(ca, csr, strlen(csr), MAMORI_EINVAL, "P-256 or P-384 needed");
	free(csr);
	csr = csr_for_keygen("EC", "secp256k1", 0);
	expect_csr_refused(ca, csr, strlen(csr), MAMORI_EINVAL, "curve secp256k1");
	free(csr);
	csr = csr_for_keygen("ED25519", NULL, 0);
	expect_csr_refused(ca, csr, strlen(csr), MAMORI_EINVAL, "CSR key is ED25519");
	free(csr);
	ca_free(ca);
	dir_remove(&d);
}

/* Flips one byte of the signed part (the CSR's CN): its signature no longer verifies. */
static void test_csr_bad_signature(void **state)
{
	(void)state;
	struct dir d;
	struct ca *ca = ca_new(&d);
	char key[160];
	char *csr = device_csr(&d, "k", "tamper-me-please", key, sizeof key);
	BIO *b = BIO_new_mem_buf(csr, -1);
	X509_REQ *req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(req);
	unsigned char *der = NULL;
	int len = i2d_X509_REQ(req, &der);
	assert_true(len > 0);
	unsigned char *at = NULL;
	for (int i = 0; i + 16 <= len && at == NULL; i++)
		if (memcmp(der + i, "tamper-me-please", 16) == 0)
			at = der + i;
	assert_non_null(at);
	at[0] = 'T';
	b = BIO_new(BIO_s_mem());
	assert_true(PEM_write_bio(b, "CERTIFICATE REQUEST", "", der, len) > 0);
	char *pem;
	long plen = BIO_get_mem_data(b, &pem);
	expect_csr_refused(ca, pem, (size_t)plen, MAMORI_EINVAL, "signature does not verify");
	/* untampered, the same CSR passes */
	expect_csr_accepted(ca, csr);
	BIO_free(b);
	OPENSSL_free(der);
	X509_REQ_free(req);
	free(csr);
	ca_free(ca);
	dir_remove(&d);
}

static void test_csr_malformed(void **state)
{
	(void)state;
	struct dir d;
	struct ca *ca = ca_new(&d);
	char key[160];
	char *csr = device_csr(&d, "k", "pc", key, sizeof key);
	size_t len = strlen(csr);

	expect_csr_refused(ca, "garbage", 7, MAMORI_EPARSE, "not a PEM certificate request");
	expect_csr_refused(ca, "", 0, MAMORI_EPARSE, "empty");
	expect_csr_refused(ca, csr, len / 2, MAMORI_EPARSE, "not a PEM certificate request");
	/* the header and footer intact, the body cut short */
	char *cut = malloc(len);
	size_t head = strlen("-----BEGIN CERTIFICATE REQUEST-----\n") + 40;
	const char *foot = strstr(csr, "-----END");
	memcpy(cut, csr, head);
	memcpy(cut + head, "\n", 1);
	memcpy(cut + head + 1, foot, strlen(foot));
	expect_csr_refused(ca, cut, head + 1 + strlen(foot), MAMORI_EPARSE,
			   "not a PEM certificate request");
	free(cut);
	/* a certificate is not a request */
	const char *cp = ca_cert_pem(ca);
	expect_csr_refused(ca, cp, strlen(cp), MAMORI_EPARSE, "not a PEM certificate request");
	/* DER, not PEM */
	BIO *b = BIO_new_mem_buf(csr, -1);
	X509_REQ *req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	BIO_free(b);
	unsigned char *der = NULL;
	int dlen = i2d_X509_REQ(req, &der);
	expect_csr_refused(ca, (const char *)der, (size_t)dlen, MAMORI_EPARSE,
			   "not a PEM certificate request");
	OPENSSL_free(der);
	X509_REQ_free(req);
	/* a valid CSR padded past 16 KiB */
	size_t big = 20 * 1024;
	char *pad = malloc(big);
	memset(pad, '\n', big);
	memcpy(pad, csr, len);
	expect_csr_refused(ca, pad, big, MAMORI_ETOOBIG, "at most 16384");
	expect_csr_accepted(ca, csr);
	free(pad);
	free(csr);
	ca_free(ca);
	dir_remove(&d);
}

static void test_issue_arguments(void **state)
{
	(void)state;
	struct dir d;
	struct errbuf e = {{0}};
	struct ca *ca = ca_new(&d);
	char key[160];
	char *csr = device_csr(&d, "k", "pc", key, sizeof key);
	size_t len = strlen(csr);
	struct ca_issued is = {0};
	char long_cn[80];
	memset(long_cn, 'a', 70);
	long_cn[70] = '\0';
	assert_int_equal(ca_sign_csr(ca, csr, len, DEVICE_ID, "o", 0, &is, &e), MAMORI_EINVAL);
	assert_int_equal(ca_sign_csr(ca, csr, len, DEVICE_ID, "o", 3651, &is, &e), MAMORI_EINVAL);
	assert_int_equal(ca_sign_csr(ca, csr, len, "", "o", 30, &is, &e), MAMORI_EINVAL);
	assert_int_equal(ca_sign_csr(ca, csr, len, "a\nb", "o", 30, &is, &e), MAMORI_EINVAL);
	assert_int_equal(ca_sign_csr(ca, csr, len, long_cn, "o", 30, &is, &e), MAMORI_EINVAL);
	assert_non_null(strstr(e.msg, "common name"));
	assert_null(is.cert_pem);
	assert_int_equal(ERR_peek_error(), 0);
	/* no organization: CN only */
	assert_int_equal(ca_sign_csr(ca, csr, len, "solo", NULL, 1, &is, &e), 0);
	X509 *x = pem_cert(is.cert_pem);
	assert_int_equal(X509_NAME_entry_count(X509_get_subject_name(x)), 1);
	X509_free(x);
	ca_issued_free(&is);
	free(csr);
	ca_free(ca);
	dir_remove(&d);
}

static void test_issue_keypair(void **state)
{
	(void)state;
	struct dir d;
	struct errbuf e = {{0}};
	struct ca *ca = ca_new(&d);
	struct ca_issued is = {0};
	char *kp = NULL;
	if (ca_issue_keypair(ca, "alice", "mamori admin", 30, &is, &kp, &e) != 0)
		fail_msg("ca_issue_keypair: %s", e.msg);
	assert_non_null(kp);
	char key[160];
	snprintf(key, sizeof key, "%s/alice.key", d.path);
	spew(key, kp, strlen(kp));
	if (keys_check_issued(key, is.cert_pem, ca_cert_pem(ca), &e) != 0)
		fail_msg("keys_check_issued: %s", e.msg);
	X509 *x = pem_cert(is.cert_pem);
	char v[64];
	name_entry(X509_get_subject_name(x), NID_commonName, v, sizeof v);
	assert_string_equal(v, "alice");
	name_entry(X509_get_subject_name(x), NID_organizationName, v, sizeof v);
	assert_string_equal(v, "mamori admin");
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_CLIENT);
	EVP_PKEY *k = pem_key(kp);
	assert_true(EVP_PKEY_is_a(k, "EC"));
	assert_int_equal(EVP_PKEY_get_bits(k), 256);
	EVP_PKEY_free(k);
	X509_free(x);
	free(kp);
	ca_issued_free(&is);
	ca_free(ca);
	dir_remove(&d);
}

struct signer {
	struct ca *ca;
	const char *csr;
	char serials[50][41];
	int failures;
};

static void *sign_many(void *arg)
{
	struct signer *s = arg;
	for (int i = 0; i < 50; i++) {
		struct errbuf e;
		struct ca_issued is = {0};
		if (ca_sign_csr(s->ca, s->csr, strlen(s->csr), DEVICE_ID, "mamori device", 30, &is,
				&e) != 0) {
			s->failures++;
			continue;
		}
		memcpy(s->serials[i], is.serial, 41);
		ca_issued_free(&is);
	}
	return NULL;
}

static int cmp_serial(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* 200 certificates from four threads at once: all issued, all serials distinct. */
static void test_serials_distinct(void **state)
{
	(void)state;
	struct dir d;
	struct ca *ca = ca_new(&d);
	char key[160];
	char *csr = device_csr(&d, "k", "pc", key, sizeof key);
	static struct signer s[4];
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		memset(&s[i], 0, sizeof s[i]);
		s[i].ca = ca;
		s[i].csr = csr;
		assert_int_equal(pthread_create(&t[i], NULL, sign_many, &s[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	char all[200][41];
	for (int i = 0; i < 4; i++) {
		assert_int_equal(s[i].failures, 0);
		memcpy(all[i * 50], s[i].serials, sizeof s[i].serials);
	}
	for (int i = 0; i < 200; i++) {
		size_t n = strlen(all[i]);
		assert_true(n > 0 && n <= 32);
		assert_int_equal(strspn(all[i], "0123456789abcdef"), n);
		assert_false(n > 1 && all[i][0] == '0' && all[i][1] == '0');
	}
	qsort(all, 200, sizeof all[0], cmp_serial);
	for (int i = 1; i < 200; i++)
		assert_string_not_equal(all[i - 1], all[i]);
	free(csr);
	ca_free(ca);
	dir_remove(&d);
}

static void test_serial_to_hex(void **state)
{
	(void)state;
	char out[41];
	serial_to_hex((const unsigned char[]){0x00, 0x8f, 0x01}, 3, out);
	assert_string_equal(out, "8f01"); /* GnuTLS's DER padding byte dropped */
	serial_to_hex((const unsigned char[]){0x0a, 0xbc}, 2, out);
	assert_string_equal(out, "0abc"); /* whole bytes, as BN_bn2hex */
	serial_to_hex((const unsigned char[]){0x00}, 1, out);
	assert_string_equal(out, "0");
	serial_to_hex(NULL, 0, out);
	assert_string_equal(out, "0");
	unsigned char b[22];
	memset(b, 0xab, sizeof b);
	b[0] = 0;
	serial_to_hex(b, 21, out); /* 20 significant bytes: the most RFC 5280 allows */
	assert_int_equal(strlen(out), 40);
	serial_to_hex(b + 1, 21, out);
	assert_string_equal(out, ""); /* longer: matches no certificate of ours */
}

/* --- the device's side ---------------------------------------------------------------------- */

static void test_check_issued_refusals(void **state)
{
	(void)state;
	struct dir a, b;
	struct errbuf e = {{0}};
	struct ca *ca_a = ca_new(&a), *ca_b = ca_new(&b);
	char key1[160], key2[160];
	char *csr1 = device_csr(&a, "one.key", "pc-1", key1, sizeof key1);
	char *csr2 = device_csr(&a, "two.key", "pc-2", key2, sizeof key2);
	struct ca_issued by_b = {0}, by_a = {0};
	assert_int_equal(ca_sign_csr(ca_b, csr1, strlen(csr1), DEVICE_ID, "o", 30, &by_b, &e), 0);
	assert_int_equal(ca_sign_csr(ca_a, csr1, strlen(csr1), DEVICE_ID, "o", 30, &by_a, &e), 0);
	assert_int_equal(keys_check_issued(key1, by_a.cert_pem, ca_cert_pem(ca_a), &e), 0);

	/* another CA's certificate */
	assert_int_equal(keys_check_issued(key1, by_b.cert_pem, ca_cert_pem(ca_a), &e),
			 MAMORI_EINVAL);
	assert_non_null(strstr(e.msg, "does not verify against the CA"));
	/* a certificate for another key */
	assert_int_equal(keys_check_issued(key2, by_a.cert_pem, ca_cert_pem(ca_a), &e),
			 MAMORI_EINVAL);
	assert_non_null(strstr(e.msg, key2));
	/* the server's certificate is not a client certificate */
	char skey[160];
	snprintf(skey, sizeof skey, "%s/server.key", a.path);
	assert_int_equal(keys_check_issued(skey, ca_server_cert_pem(ca_a), ca_cert_pem(ca_a), &e),
			 MAMORI_EINVAL);
	assert_non_null(strstr(e.msg, "purpose"));
	/* missing key, garbage certificate, garbage CA */
	char nokey[160];
	snprintf(nokey, sizeof nokey, "%s/none.key", a.path);
	assert_int_equal(keys_check_issued(nokey, by_a.cert_pem, ca_cert_pem(ca_a), &e),
			 MAMORI_ENOENT);
	assert_non_null(strstr(e.msg, nokey));
	assert_int_equal(keys_check_issued(key1, "junk", ca_cert_pem(ca_a), &e), MAMORI_EPARSE);
	assert_int_equal(keys_check_issued(key1, by_a.cert_pem, "junk", &e), MAMORI_EPARSE);
	assert_int_equal(ERR_peek_error(), 0);

	ca_issued_free(&by_a);
	ca_issued_free(&by_b);
	free(csr1);
	free(csr2);
	ca_free(ca_a);
	ca_free(ca_b);
	dir_remove(&a);
	dir_remove(&b);
}

static void test_make_csr_never_overwrites(void **state)
{
	(void)state;
	struct dir d;
	struct errbuf e = {{0}};
	dir_make(&d);
	char key[160], other[160], link[160];
	snprintf(key, sizeof key, "%s/device.key", d.path);
	snprintf(other, sizeof other, "%s/other", d.path);
	snprintf(link, sizeof link, "%s/link.key", d.path);
	spew(key, "precious", 8);
	char *csr = NULL;
	assert_int_equal(keys_make_csr(key, "pc", &csr, &e), MAMORI_EINVAL);
	assert_null(csr);
	assert_non_null(strstr(e.msg, key));
	char *now = slurp(key, NULL);
	assert_string_equal(now, "precious");
	free(now);
	/* nor through a symbolic link */
	spew(other, "also precious", 13);
	assert_int_equal(symlink(other, link), 0);
	assert_int_not_equal(keys_make_csr(link, "pc", &csr, &e), 0);
	assert_null(csr);
	now = slurp(other, NULL);
	assert_string_equal(now, "also precious");
	free(now);
	/* a bad host name leaves no key file */
	char fresh[160];
	snprintf(fresh, sizeof fresh, "%s/fresh.key", d.path);
	assert_int_equal(keys_make_csr(fresh, "", &csr, &e), MAMORI_EINVAL);
	assert_int_equal(access(fresh, F_OK), -1);
	/* the CSR carries the host name and the key that was written */
	assert_int_equal(keys_make_csr(fresh, "pc-007", &csr, &e), 0);
	BIO *b = BIO_new_mem_buf(csr, -1);
	X509_REQ *req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
	BIO_free(b);
	assert_non_null(req);
	char v[64];
	name_entry(X509_REQ_get_subject_name(req), NID_commonName, v, sizeof v);
	assert_string_equal(v, "pc-007");
	char *kp = slurp(fresh, NULL);
	EVP_PKEY *k = pem_key(kp);
	assert_int_equal(EVP_PKEY_eq(k, X509_REQ_get0_pubkey(req)), 1);
	assert_int_equal(X509_REQ_verify(req, k), 1);
	assert_int_equal(EVP_PKEY_get_bits(k), 256);
	EVP_PKEY_free(k);
	free(kp);
	X509_REQ_free(req);
	free(csr);
	dir_remove(&d);
}

static void test_fingerprints(void **state)
{
	(void)state;
	struct dir d;
	struct errbuf e = {{0}};
	struct ca *ca = ca_new(&d);
	const char *fp = ca_fingerprint(ca);
	char upper_colons[200] = "", upper[65], spaced[200] = "", out[65];
	for (int i = 0; i < 64; i++)
		upper[i] = (char)(fp[i] >= 'a' ? fp[i] - 32 : fp[i]);
	upper[64] = '\0';
	for (int i = 0; i < 32; i++) {
		size_t n = strlen(upper_colons), m = strlen(spaced);
		snprintf(upper_colons + n, sizeof upper_colons - n, "%s%.2s", i ? ":" : "",
			 upper + 2 * i);
		snprintf(spaced + m, sizeof spaced - m, "%s%.2s", i % 4 ? "" : " ", fp + 2 * i);
	}
	char buf[300];
	const char *ok[] = {fp, upper, upper_colons, spaced, NULL, NULL, NULL, NULL};
	char v1[300], v2[300], v3[300], v4[300];
	snprintf(v1, sizeof v1, "sha256:%s", fp);
	snprintf(v2, sizeof v2, "SHA256=%s", upper_colons);
	snprintf(v3, sizeof v3, "sha256 Fingerprint=%s", upper_colons);
	snprintf(v4, sizeof v4, "  SHA-256: %s \n", spaced);
	ok[4] = v1, ok[5] = v2, ok[6] = v3, ok[7] = v4;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		memset(out, 'x', sizeof out);
		if (keys_parse_fingerprint(ok[i], out, &e) != 0)
			fail_msg("\"%s\": %s", ok[i], e.msg);
		assert_string_equal(out, fp);
	}

	/* what openssl prints is accepted as is */
	snprintf(buf, sizeof buf, "openssl x509 -noout -fingerprint -sha256 -in %s", d.ca_cert);
	FILE *p = popen(buf, "r");
	assert_non_null(p);
	char line[300] = "";
	assert_non_null(fgets(line, sizeof line, p));
	assert_int_equal(pclose(p), 0);
	assert_int_equal(keys_parse_fingerprint(line, out, &e), 0);
	assert_string_equal(out, fp);

	/* refused, out untouched */
	char short63[64], long65[66], nonhex[65];
	memcpy(short63, fp, 63);
	short63[63] = '\0';
	snprintf(long65, sizeof long65, "%s0", fp);
	memcpy(nonhex, fp, 65);
	nonhex[10] = 'g';
	snprintf(v1, sizeof v1, "sha256%s", fp);
	snprintf(v2, sizeof v2, "md5:%s", fp);
	snprintf(v3, sizeof v3, "%.32s-%s", fp, fp + 32);
	const char *bad[] = {short63, long65, nonhex, "", "   ", v1, v2, v3};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(out, 'x', sizeof out);
		out[64] = '\0';
		if (keys_parse_fingerprint(bad[i], out, &e) != MAMORI_EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_true(e.msg[0] != '\0');
		assert_int_equal(strspn(out, "x"), 64);
	}
	assert_int_equal(keys_parse_fingerprint(short63, out, &e), MAMORI_EINVAL);
	assert_non_null(strstr(e.msg, "63 hex digits"));
	assert_int_equal(keys_parse_fingerprint(nonhex, out, &e), MAMORI_EINVAL);
	assert_non_null(strstr(e.msg, "'g'"));

	/* keys_cert_fingerprint on garbage */
	assert_int_equal(keys_cert_fingerprint("junk", 4, out, &e), MAMORI_EPARSE);
	assert_int_equal(ERR_peek_error(), 0);
	ca_free(ca);
	dir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_then_reopen),
	    cmocka_unit_test(test_ca_certificate),
	    cmocka_unit_test(test_server_certificate),
	    cmocka_unit_test(test_bad_server_name),
	    cmocka_unit_test(test_half_present_pairs),
	    cmocka_unit_test(test_mismatches),
	    cmocka_unit_test(test_given_ca),
	    cmocka_unit_test(test_sign_device_csr),
	    cmocka_unit_test(test_csr_key_types),
	    cmocka_unit_test(test_csr_bad_signature),
	    cmocka_unit_test(test_csr_malformed),
	    cmocka_unit_test(test_issue_arguments),
	    cmocka_unit_test(test_issue_keypair),
	    cmocka_unit_test(test_serials_distinct),
	    cmocka_unit_test(test_serial_to_hex),
	    cmocka_unit_test(test_check_issued_refusals),
	    cmocka_unit_test(test_make_csr_never_overwrites),
	    cmocka_unit_test(test_fingerprints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
