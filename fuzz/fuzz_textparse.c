/* SPDX-License-Identifier: Apache-2.0 */
/* The shared text parsers: INI keyfiles, KEY=value files (os-release), /proc/net tables. */
#include <stdint.h>
#include <stdlib.h>

#include "probes/linux/common.h"

static int ini_cb(const char *s, const char *k, const char *v, int line, void *ud)
{
	(void)s, (void)k, (void)v, (void)line, (void)ud;
	return 0;
}

static int kv_cb(const char *k, const char *v, int line, void *ud)
{
	(void)k, (void)v, (void)line, (void)ud;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	int bad;
	ini_parse(buf, size, ini_cb, NULL, &bad);
	kv_parse(buf, size, kv_cb, NULL, &bad);
	static const char *const protos[] = {"tcp", "udp"};
	for (int i = 0; i < 4; i++) {
		struct listener *ls = NULL;
		size_t n = 0;
		proc_net_parse(buf, size, protos[i / 2], i % 2, &ls, &n, &bad);
		free(ls);
	}
	return 0;
}
