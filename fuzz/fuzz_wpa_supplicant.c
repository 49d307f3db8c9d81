/* SPDX-License-Identifier: Apache-2.0 */
/* wpa_supplicant.conf network blocks. The input is copied without a terminating NUL so that any
 * read past the end is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/wifi.h"

static int sink(const struct wifi_profile *p, void *ud)
{
	(void)ud;
	(void)wifi_security_name(p->security);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	int bad;
	char why[256];
	wpa_supplicant_parse(buf, size, sink, NULL, &bad, why, sizeof(why));
	free(buf);
	return 0;
}
