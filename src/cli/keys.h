/* SPDX-License-Identifier: Apache-2.0 */
/* The device's side of enrollment (OpenSSL): its key, made on the device and never sent,
 * its CSR, and the CA fingerprint check. */
#ifndef MAMORI_CLI_KEYS_H
#define MAMORI_CLI_KEYS_H

#include <stddef.h>
#include "core/util.h"

/* Makes an ECDSA P-256 key and writes it as PEM to key_path (mode 0600, created
 * exclusively: an existing file is an error, never overwritten), then returns a CSR for
 * it with CN=<hostname> as PEM (malloc'd). */
int keys_make_csr(const char *key_path, const char *hostname, char **csr_pem, struct errbuf *e);
/* SHA-256 of the first certificate in pem (its DER), as 64 lower-case hex. */
int keys_cert_fingerprint(const char *pem, size_t len, char out[65], struct errbuf *e);
/* Normalises a fingerprint as an administrator may type it ("AB:CD:…", "sha256:…", spaces,
 * upper case) into 64 lower-case hex; MAMORI_EINVAL when it is not 32 bytes of hex. */
int keys_parse_fingerprint(const char *in, char out[65], struct errbuf *e);
/* Checks that cert_pem is a certificate for the key in key_path and chains to ca_pem. */
int keys_check_issued(const char *key_path, const char *cert_pem, const char *ca_pem,
		      struct errbuf *e);

#endif
