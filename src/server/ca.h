/* SPDX-License-Identifier: Apache-2.0 */
/* mamorid's small certificate authority (OpenSSL): creates or loads the CA and the server
 * certificate, signs the devices' CSRs and the admins' certificates. */
#ifndef MAMORI_SERVER_CA_H
#define MAMORI_SERVER_CA_H

#include <stddef.h>
#include <stdint.h>
#include "core/util.h"

struct ca;

struct ca_paths {
	const char *ca_cert, *ca_key;         /* created when both are missing */
	const char *server_cert, *server_key; /* created when both are missing */
	const char *const *server_names;      /* extra SANs (DNS names or IP addresses) */
	size_t n_server_names;
};
/* Loads the CA and server certificate, creating what is missing (keys 0600, ECDSA P-256;
 * CA 10 years, server 397 days; SANs: localhost, 127.0.0.1, ::1, the host name and
 * server_names). A file that exists but cannot be read or does not match its key is an
 * error naming the file; nothing is overwritten. */
int ca_open(const struct ca_paths *paths, struct ca **out, struct errbuf *e);
void ca_free(struct ca *ca);

/* PEM texts, owned by ca. */
const char *ca_cert_pem(const struct ca *ca);
const char *ca_server_cert_pem(const struct ca *ca);
const char *ca_server_key_pem(const struct ca *ca);
/* SHA-256 of the CA certificate's DER, 64 lower-case hex. */
const char *ca_fingerprint(const struct ca *ca);

struct ca_issued {
	char *cert_pem;     /* malloc'd */
	char serial[41];    /* lower-case hex, as the store keys it */
	int64_t not_after;  /* Unix seconds */
};
/* Checks the CSR (PEM, at most 16 KiB; ECDSA P-256/P-384 or RSA of 2048 to 8192 bits;
 * self-signature valid) and issues a client certificate CN=<common_name>, O=<organization>
 * (NULL: none), valid `days` (1 to 3650) from now, with a random 128-bit serial, clientAuth
 * only. The CSR's subject and extensions are ignored. Errors: MAMORI_ETOOBIG (size),
 * MAMORI_EPARSE (not a PEM CSR), MAMORI_EINVAL (key type or signature refused, bad
 * arguments). Thread-safe; out is written only on success. */
int ca_sign_csr(struct ca *ca, const char *csr_pem, size_t csr_len, const char *common_name,
		const char *organization, int days, struct ca_issued *out, struct errbuf *e);
/* Makes a new key and a client certificate for it (for admin certificates): key_pem is
 * malloc'd too. */
int ca_issue_keypair(struct ca *ca, const char *common_name, const char *organization, int days,
		     struct ca_issued *out, char **key_pem, struct errbuf *e);
void ca_issued_free(struct ca_issued *is);

/* Certificate serials, wherever they appear (store keys, logs), are written as the
 * big-endian magnitude in lower-case hex without leading zero bytes: OpenSSL's BN_bn2hex
 * lower-cased, and GnuTLS's gnutls_x509_crt_get_serial bytes with leading 0x00 dropped. Zero
 * is "0"; more than 20 significant bytes (RFC 5280's limit, never issued here) give "". */
void serial_to_hex(const unsigned char *bytes, size_t len, char out[41]);

#endif
