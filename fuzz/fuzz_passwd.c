/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/passwd, /etc/shadow and /etc/group lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/accounts.h"

static int pw_cb(const struct passwd_ent *e, void *ud)
{
	(void)ud;
	(void)shell_is_nologin(e->shell);
	return 0;
}

static int sh_cb(const struct shadow_ent *e, void *ud)
{
	size_t *n = ud;
	*n += strlen(e->hash);
	return 0;
}

static int gr_cb(const struct group_ent *e, void *ud)
{
	size_t *n = ud;
	for (size_t i = 0; i < e->nmembers; i++)
		*n += strlen(e->members[i]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	int bad;
	const char *err;
	size_t n = 0;
	passwd_parse(buf, size, pw_cb, NULL, &bad, &err);
	shadow_parse(buf, size, sh_cb, &n, &bad, &err);
	group_parse(buf, size, gr_cb, &n, &bad, &err);
	return 0;
}
