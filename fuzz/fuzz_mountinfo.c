/* SPDX-License-Identifier: Apache-2.0 */
/* /proc/self/mountinfo (with \ooo escapes), /etc/crypttab and device-mapper UUIDs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/disk.h"

static int sink(const struct mount_entry *m, void *ud)
{
	(void)m;
	(void)ud;
	return 0;
}

static int ct_sink(const char *name, const char *device, int line, void *ud)
{
	(void)name;
	(void)device;
	(void)line;
	(void)ud;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	int bad;
	mountinfo_parse(buf, size, sink, NULL, &bad);
	crypttab_parse(buf, size, ct_sink, NULL, &bad);
	buf[size] = '\0';
	char type[32];
	dm_uuid_crypt_type(buf, type, sizeof(type));
	free(buf);
	return 0;
}
