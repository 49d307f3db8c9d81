/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/cups/printers.conf (lan_cups_printers_parse, and lan_printer_uri for each DeviceURI);
 * the whole input is also parsed as one device URI. Copied without a terminating NUL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/lan.h"

static int sink(const struct lan_printer *p, void *ud)
{
	size_t *count = ud;
	*count += strlen(p->uri) + strlen(p->host) + strlen(p->queue);
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
	lan_cups_printers_parse(buf, size, sink, &count, &bad);
	struct lan_printer p;
	lan_printer_uri(buf, size, &p);
	count += strlen(p.uri) + strlen(p.host);
	free(buf);
	return 0;
}
