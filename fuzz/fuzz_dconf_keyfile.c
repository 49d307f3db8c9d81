/* SPDX-License-Identifier: Apache-2.0 */
/* GSettings schema overrides and dconf keyfiles (GVariant text values), dconf locks and
 * profiles, and KDE's kscreenlockerrc. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/screenlock.h"

static int sink(const char *kind, const char *name, int line, void *ud)
{
	(void)kind;
	(void)name;
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
	char why[256];
	struct screen_vals sv;
	memset(&sv, 0, sizeof(sv));
	screen_keyfile_parse(buf, size, false, &sv, &bad, why, sizeof(why));
	memset(&sv, 0, sizeof(sv));
	screen_keyfile_parse(buf, size, true, &sv, &bad, why, sizeof(why));
	bool locked[SCREEN_NKEYS] = {false};
	dconf_locks_parse(buf, size, locked);
	dconf_profile_parse(buf, size, sink, NULL, &bad);
	struct kde_lock k;
	memset(&k, 0, sizeof(k));
	kscreenlocker_parse(buf, size, &k, &bad, why, sizeof(why));
	/* The value parsers take a C string. */
	buf[size] = '\0';
	bool b, typed;
	long long v;
	gvariant_bool(buf, &b);
	gvariant_uint32(buf, &v, &typed);
	free(buf);
	return 0;
}
