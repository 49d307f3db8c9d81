/* SPDX-License-Identifier: Apache-2.0 */
/* An rtnetlink RTM_GETNEIGH dump as the kernel sends it (lan_rtnl_neigh_parse). The input is
 * copied to a buffer of exactly its size, at an odd address, so that a read past the end or a
 * misaligned access is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/lan.h"

static int sink(const struct lan_neigh *n, void *ud)
{
	size_t *count = ud;
	char s[64];
	lan_addr_str(n->family, n->addr, s, sizeof(s));
	*count += n->usable + (s[0] != '\0');
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf + 1, data, size);
	size_t count = 0;
	char why[256];
	lan_rtnl_neigh_parse(buf + 1, size, sink, &count, why, sizeof(why));
	free(buf);
	return 0;
}
