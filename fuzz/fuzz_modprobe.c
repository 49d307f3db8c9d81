/* SPDX-License-Identifier: Apache-2.0 */
/* modprobe.d lines (with continuations), the install-command classifier and /proc/modules. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/usb.h"

static int sink(enum modprobe_cmd cmd, const char *module, const char *rest, int line, void *ud)
{
	(void)cmd;
	(void)module;
	(void)line;
	(void)ud;
	(void)modprobe_install_blocks(rest);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	int bad, line;
	char why[256];
	modprobe_parse(buf, size, sink, NULL, &bad, why, sizeof(why));
	proc_modules_find(buf, size, "usb_storage", &line);
	free(buf);
	return 0;
}
