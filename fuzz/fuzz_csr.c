/* SPDX-License-Identifier: Apache-2.0 */
/* Feeds arbitrary bytes to ca_sign_csr as an enrolling device's CSR (the one input of the CA
 * that comes from the network), with a CA made once in a temporary directory. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "server/ca.h"

static struct ca *ca;

static void ca_done(void)
{
	ca_free(ca);
}

/* The CA lives in memory once opened: its files are removed at once. */
static struct ca *get_ca(void)
{
	if (ca != NULL)
		return ca;
	char dir[] = "/tmp/mamori-fuzz-csr-XXXXXX", p[4][64];
	if (mkdtemp(dir) == NULL)
		abort();
	static const char *const names[] = {"ca.crt", "ca.key", "server.crt", "server.key"};
	for (int i = 0; i < 4; i++)
		snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
	struct ca_paths paths = {p[0], p[1], p[2], p[3], NULL, 0};
	struct errbuf e;
	int rc = ca_open(&paths, &ca, &e);
	for (int i = 0; i < 4; i++)
		unlink(p[i]);
	rmdir(dir);
	if (rc != 0) {
		fprintf(stderr, "fuzz_csr: %s\n", e.msg);
		abort();
	}
	atexit(ca_done);
	return ca;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf e;
	struct ca_issued is = {.cert_pem = NULL};
	e.msg[0] = '\0';
	if (ca_sign_csr(get_ca(), (const char *)data, size, "0123456789abcdef0123456789abcdef",
			"mamori device", 397, &is, &e) != 0) {
		/* a refusal leaves nothing, says why, and leaves OpenSSL's queue empty */
		if (is.cert_pem != NULL || e.msg[0] == '\0' || ERR_peek_error() != 0)
			abort();
		return 0;
	}
	/* an issued certificate parses, and its serial is the one reported */
	BIO *b = BIO_new_mem_buf(is.cert_pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	if (x == NULL)
		abort();
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	char hex[41];
	serial_to_hex(ASN1_STRING_get0_data(sn), (size_t)ASN1_STRING_length(sn), hex);
	if (strcmp(hex, is.serial) != 0 || is.not_after <= 0)
		abort();
	X509_free(x);
	BIO_free(b);
	ca_issued_free(&is);
	return 0;
}
