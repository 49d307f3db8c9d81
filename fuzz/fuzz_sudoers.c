/* SPDX-License-Identifier: Apache-2.0 */
/* sudoers: includes, aliases, Defaults and user specifications. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/accounts.h"

static int rule_cb(const struct sudoers_rule *r, void *ud)
{
	size_t *n = ud;
	for (size_t i = 0; i < r->nitems; i++)
		*n += strlen(r->items[i]);
	for (size_t i = 0; i < r->ncmnds; i++)
		*n += strlen(r->cmnds[i]) + r->cmnd_nopasswd[i] + r->cmnd_as_root[i];
	if (r->path)
		(void)sudoers_includedir_name_ok(r->path);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int bad;
	const char *err;
	size_t n = 0;
	sudoers_parse((const char *)data, size, rule_cb, &n, &bad, &err);
	return 0;
}
