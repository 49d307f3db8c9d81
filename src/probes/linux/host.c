/* SPDX-License-Identifier: Apache-2.0 */
/* host.*: the device's identity for the report and the ledger. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"

static int first_line_fact(struct probe_ctx *ctx, const char *name, const char *const *paths)
{
	char why[512] = "";
	for (size_t i = 0; paths[i]; i++) {
		char *buf;
		size_t len;
		int r = rootfs_read(ctx, paths[i], 4096, &buf, &len, why, sizeof(why));
		if (r == MAMORI_ENOMEM)
			return r;
		if (r)
			continue;
		const char *s = buf;
		size_t l = strcspn(buf, "\n");
		str_trim(&s, &l);
		char val[256];
		snprintf(val, sizeof(val), "%.*s", (int)l, s);
		free(buf);
		if (val[0] == '\0') {
			snprintf(why, sizeof(why), "%s is empty", paths[i]);
			continue;
		}
		return facts_put_str(ctx->facts, name, val, paths[i], 1, NULL);
	}
	return facts_put_unknown(ctx->facts, name, NULL, 0, "%s", why);
}

int probe_host_collect(struct probe_ctx *ctx)
{
	static const char *const hostname[] = {"/etc/hostname", "/proc/sys/kernel/hostname", NULL};
	static const char *const machine_id[] = {"/etc/machine-id", "/var/lib/dbus/machine-id",
						 NULL};
	static const char *const product_serial[] = {"/sys/class/dmi/id/product_serial", NULL};
	static const char *const product_name[] = {"/sys/class/dmi/id/product_name", NULL};
	int r = first_line_fact(ctx, "host.hostname", hostname);
	if (r == 0)
		r = first_line_fact(ctx, "host.machine_id", machine_id);
	if (r == 0)
		r = first_line_fact(ctx, "host.serial_number", product_serial);
	if (r == 0)
		r = first_line_fact(ctx, "host.product_name", product_name);
	return r;
}
