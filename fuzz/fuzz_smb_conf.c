/* SPDX-License-Identifier: Apache-2.0 */
/* Samba's smb.conf, and the protocol names found in it. */
#include <stdint.h>
#include <stdlib.h>

#include "probes/linux/common.h"
#include "probes/linux/samba.h"

static int cb(const char *section, const char *key, const char *value, int line, void *ud)
{
	(void)section, (void)line;
	*(int *)ud += smb_protocol_rank(value) + (key[0] == 'i');
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int bad, sum = 0;
	smb_conf_parse((const char *)data, size, NULL, cb, &sum, &bad);
	smb_conf_parse((const char *)data, size, "share", cb, &sum, &bad);
	return 0;
}
