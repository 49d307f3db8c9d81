/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/net/arp (lan_proc_arp_parse). The input is copied without a terminating NUL so that
 * any read past the end is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/lan.h"

static int sink(const struct lan_neigh *n, void *ud)
{
	size_t *count = ud;
	*count += n->usable + (n->state[0] != '\0');
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	size_t count = 0;
	int bad;
	lan_proc_arp_parse(buf, size, sink, &count, &bad);
	free(buf);
	return 0;
}
