/* SPDX-License-Identifier: Apache-2.0 */
/* A UPnP root device description, as the router sends it: our expat parser, and the same
 * bytes through libminiupnpc's own parser (parserootdesc, which the probe also runs on it to
 * find the control URL). The input is copied without a terminating NUL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <miniupnpc/igd_desc_parse.h>
#include <miniupnpc/miniupnpc.h>

#include "probes/linux/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	struct igd_desc d;
	char why[256];
	if (igd_desc_parse(buf, size, &d, why, sizeof(why)) == 0 && d.presentation_url[0]) {
		struct http_url base, u;
		if (http_url_parse("http://192.168.1.1:5000/rootDesc.xml", &base) == 0)
			(void)http_url_resolve(&base, d.presentation_url, &u);
	}
	if (size <= IGD_DESC_MAX) {
		struct IGDdatas igd;
		memset(&igd, 0, sizeof(igd));
		parserootdesc(buf, (int)size, &igd);
	}
	free(buf);
	return 0;
}
