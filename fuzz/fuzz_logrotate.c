/* SPDX-License-Identifier: Apache-2.0 */
/* logrotate configuration: directives, stanzas, scripts, includes; then the retention. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/logs.h"

static int on_include(const char *path, void *ud)
{
	(void)ud;
	return path[0] == '!' ? -3 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const targets[] = {"/var/log/syslog", "/var/log/messages",
					      "/var/log/auth.log"};
	struct lr_state *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return 0;
	st->targets = targets;
	st->ntargets = 3;
	st->include = on_include;
	int bad = 0;
	if (logrotate_parse((const char *)data, size, "/fuzz", st, &bad) == 0) {
		for (size_t i = 0; i < 3; i++) {
			long long days;
			char why[256];
			if (st->match[i].found)
				logrotate_retention(&st->match[i].opts, &days, why, sizeof(why));
		}
		long long days;
		char why[256];
		logrotate_retention(&st->global, &days, why, sizeof(why));
	}
	free(st);
	return 0;
}
