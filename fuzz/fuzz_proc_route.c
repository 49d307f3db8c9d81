/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/net/route and /proc/net/ipv6_route: router.c's parser with the default route and the
 * subnets of its interface, lan.c's default routes over it, and the IPv6 parser on the same
 * bytes (also restricted to an interface). The input is copied without a terminating NUL so
 * that any read past the end is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/lan.h"
#include "probes/linux/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	struct route4 *r;
	size_t n;
	int bad;
	char why[256];
	if (proc_route_parse(buf, size, &r, &n, &bad, why, sizeof(why)) == 0) {
		long d = route_default(r, n, NULL, NULL);
		if (d >= 0) {
			struct router_query q = {.gw = r[d].gateway};
			q.nsubnets =
			    route_subnets(r, n, r[d].ifname, q.nets, q.masks, ROUTER_MAX_SUBNETS);
			(void)router_on_subnet(&q, 0x0100007f);
		}
		free(r);
	}
	struct lan_route lr = {0};
	lan_proc_route_parse(buf, size, &lr, &bad);
	memset(&lr, 0, sizeof(lr));
	lan_proc_ipv6_route_parse(buf, size, &lr, &bad);
	memset(&lr, 0, sizeof(lr));
	memcpy(lr.ifname, "eth0", 5);
	lan_proc_ipv6_route_parse(buf, size, &lr, &bad);
	free(buf);
	return 0;
}
