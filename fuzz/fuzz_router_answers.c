/* SPDX-License-Identifier: Apache-2.0 */
/* The router's answers as router_ask returns them (JSON, docs/probes/router.md) turned into
 * facts: whatever shape they have, router_record must record facts or unknowns, never crash
 * or fail but for memory. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "probes/linux/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)data, size, 0, &je);
	if (j == NULL)
		return 0;
	struct router_query q = {.ifname = "eth0", .gateway = "192.168.1.1", .wait_ms = 300};
	inet_pton(AF_INET, "192.168.1.1", &q.gw);
	inet_pton(AF_INET, "192.168.1.0", &q.nets[0]);
	inet_pton(AF_INET, "255.255.255.0", &q.masks[0]);
	q.nsubnets = 1;
	struct facts *f = facts_new();
	if (f && router_record(f, &q, j) == 0 && facts_count(f) != 6)
		abort(); /* every fact but the gateway, always */
	facts_free(f);
	json_decref(j);
	return 0;
}
