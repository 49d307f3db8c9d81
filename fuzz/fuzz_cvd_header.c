/* SPDX-License-Identifier: Apache-2.0 */
/* The header of ClamAV .cvd/.cld databases. */
#include <stdint.h>
#include <stdlib.h>

#include "probes/linux/antivirus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long built, version;
	cvd_header_parse((const char *)data, size, &built, &version);
	return 0;
}
