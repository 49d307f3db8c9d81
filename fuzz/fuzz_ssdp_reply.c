/* SPDX-License-Identifier: Apache-2.0 */
/* One SSDP answer to an M-SEARCH, then its LOCATION as a URL, resolved against a base as a
 * redirect would be. The input is copied without a terminating NUL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	struct ssdp_reply r;
	if (ssdp_reply_parse(buf, size, &r) == 0) {
		struct http_url u, v;
		char s[700];
		(void)url_kind(r.location);
		if (http_url_parse(r.location, &u) == 0) {
			http_url_format(&u, s, sizeof(s));
			if (http_url_resolve(&u, r.st, &v) == 0)
				http_url_format(&v, s, sizeof(s));
		}
	}
	free(buf);
	return 0;
}
