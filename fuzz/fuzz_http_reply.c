/* SPDX-License-Identifier: Apache-2.0 */
/* An HTTP reply from the router (its description, its admin page): status, headers, a
 * chunked body decoded in place, the Location of a redirect. The input is copied without a
 * terminating NUL. */
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
	struct http_reply r;
	if (http_reply_parse(buf, size, &r) == 0) {
		/* the body must lie inside the buffer */
		volatile char sink = 0;
		for (size_t i = 0; i < r.body_len; i++)
			sink ^= r.body[i];
		(void)sink;
		struct http_url base, u;
		if (r.location[0] && http_url_parse("http://192.168.1.1/a/b", &base) == 0)
			(void)http_url_resolve(&base, r.location, &u);
	}
	free(buf);
	return 0;
}
