/* SPDX-License-Identifier: Apache-2.0 */
/* dpkg's status file and apt's Packages lists (deb_stanzas_parse), and the split point the
 * streaming list reader cuts at. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/apt.h"

static int stanza_cb(const struct deb_stanza *st, void *ud)
{
	(void)ud;
	volatile size_t n = strlen(st->package);
	if (st->version)
		n += strlen(st->version);
	if (st->arch)
		n += strlen(st->arch);
	if (st->source)
		n += strlen(st->source);
	if (st->status)
		n += strlen(st->status);
	(void)n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	int bad;
	deb_stanzas_parse(buf, size, stanza_cb, NULL, &bad);
	size_t cut = apt_complete_stanzas(buf, size);
	if (cut > size)
		abort();
	if (cut)
		deb_stanzas_parse(buf, cut, stanza_cb, NULL, &bad);
	return 0;
}
