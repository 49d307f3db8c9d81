/* SPDX-License-Identifier: Apache-2.0 */
/* The firewall reach evaluator (fw_reach.c): `nft -j list ruleset` JSON in, then a few packets
 * from a LAN neighbour evaluated against it (IPv4 and IPv6, TCP and UDP, with and without the
 * destination and MAC address), so that every walk over what was loaded is exercised. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/fw_reach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	struct fwr_ruleset *rs = NULL;
	char why[256];
	int r = fwr_load(buf, size, &rs, why, sizeof(why));
	free(buf);
	if (r)
		return 0;
	static const unsigned char v4[] = {192, 168, 78, 30}, me4[] = {192, 168, 78, 10};
	static const unsigned char v6[16] = {0xfd, 0x78, [15] = 0x30};
	static const unsigned char me6[16] = {0xfd, 0x78, [15] = 0x10};
	static const unsigned ports[] = {22, 445, 5353, 9};
	for (int i = 0; i < 8; i++) {
		struct fwr_packet p = {.family = i & 1 ? 6 : 4,
				       .l4proto = i & 2 ? 17 : 6,
				       .iifname = i & 4 ? "eth0" : "wlan0",
				       .dport = ports[i % 4]};
		memcpy(p.saddr, p.family == 4 ? v4 : v6, p.family == 4 ? 4 : 16);
		memcpy(p.daddr, p.family == 4 ? me4 : me6, p.family == 4 ? 4 : 16);
		p.has_daddr = i < 4;
		p.has_smac = i >= 2;
		p.smac[0] = 2;
		p.smac[5] = 0x30;
		struct fwr_result res;
		fwr_eval(rs, &p, &res);
	}
	(void)fwr_base_chains(rs, 4);
	fwr_free(rs);
	return 0;
}
