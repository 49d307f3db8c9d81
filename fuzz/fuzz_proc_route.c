/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/net/route and /proc/net/ipv6_route (lan_proc_route_parse, lan_proc_ipv6_route_parse):
 * the same bytes through both, the IPv6 one also restricted to an interface. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/lan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	struct lan_route r = {0};
	int bad;
	lan_proc_route_parse(buf, size, &r, &bad);
	memset(&r, 0, sizeof(r));
	lan_proc_ipv6_route_parse(buf, size, &r, &bad);
	memset(&r, 0, sizeof(r));
	memcpy(r.ifname, "eth0", 5);
	lan_proc_ipv6_route_parse(buf, size, &r, &bad);
	free(buf);
	return 0;
}
