/* SPDX-License-Identifier: Apache-2.0 */
/* clamscan/clamdscan --log output: scan summaries and their End Date lines. */
#include <stdint.h>
#include <stdlib.h>

#include "probes/linux/antivirus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct clamlog_result res;
	int bad = 0;
	clamscan_log_parse((const char *)data, size, &res, &bad);
	return 0;
}
