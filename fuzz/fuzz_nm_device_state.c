/* SPDX-License-Identifier: Apache-2.0 */
/* NetworkManager's runtime device state (/run/NetworkManager/devices/IFINDEX). The input is
 * copied without a terminating NUL so that any read past the end is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/wifi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	struct nm_device_state ds;
	int bad;
	char why[256];
	if (nm_device_state_parse(buf, size, &ds, &bad, why, sizeof(why)) == 0 &&
	    strlen(ds.connection_uuid) >= sizeof(ds.connection_uuid))
		abort();
	free(buf);
	return 0;
}
