/* SPDX-License-Identifier: Apache-2.0 */
/* The Date: field of apt's Release and InRelease files. */
#include <stdint.h>
#include <stdlib.h>

#include "probes/linux/apt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long t;
	int line;
	apt_release_date_parse((const char *)data, size, &t, &line);
	return 0;
}
