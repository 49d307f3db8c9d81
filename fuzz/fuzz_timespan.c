/* SPDX-License-Identifier: Apache-2.0 */
/* systemd time spans (journald's MaxRetentionSec=). */
#include <stdint.h>
#include <stdlib.h>

#include "probes/linux/logs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long long usec;
	if (size > 4096)
		return 0;
	timespan_parse((const char *)data, size, &usec);
	return 0;
}
