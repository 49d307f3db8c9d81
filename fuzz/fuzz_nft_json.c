/* SPDX-License-Identifier: Apache-2.0 */
/* The live nftables ruleset as `nft -j list ruleset` prints it. */
#include <stdint.h>
#include <stdlib.h>

#include "probes/linux/common.h"
#include "probes/linux/firewall.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_summary s;
	char why[256];
	fw_nft_json_parse((const char *)data, size, &s, why, sizeof(why));
	return 0;
}
