/* SPDX-License-Identifier: Apache-2.0 */
/* chrony, ntpd/ntpsec and OpenNTPD configuration lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/timesync.h"

static int on_directive(const char *key, const char *args, int line, void *ud)
{
	size_t *total = ud;
	*total += strlen(key) + strlen(args) + (size_t)line;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t total = 0;
	int bad = 0;
	ntpconf_parse((const char *)data, size, on_directive, &total, &bad);
	return 0;
}
