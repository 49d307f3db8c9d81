/* SPDX-License-Identifier: Apache-2.0 */
/* OpenSSL's configuration file format, with the MinProtocol and CipherString helpers. */
#include <stdint.h>
#include <stdlib.h>

#include "probes/linux/common.h"
#include "probes/linux/tls.h"

static int cb(const char *section, const char *name, const char *value, int line, void *ud)
{
	(void)section, (void)name, (void)line;
	*(int *)ud += tls_protocol_rank(value) + tls_cipher_seclevel(value);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int bad, sum = 0;
	char sec[OSSL_SECTION_MAX] = "default";
	ossl_conf_parse((const char *)data, size, sec, cb, &sum, &bad);
	return 0;
}
