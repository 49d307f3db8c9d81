/* SPDX-License-Identifier: Apache-2.0 */
/* The smaller network configuration parsers: nftables scripts, iptables-save files, firewalld
 * zone files, NFS exports and xrdp's port= value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/common.h"
#include "probes/linux/firewall.h"
#include "probes/linux/rdp.h"
#include "probes/linux/sharing.h"

static int inc(const char *path, int line, void *ud)
{
	(void)path, (void)line, (void)ud;
	return 0;
}

static int exp_cb(const char *path, int line, void *ud)
{
	(void)path, (void)line, (void)ud;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	int bad, file, line;
	struct fw_nft_conf c = {0};
	struct fw_summary s;
	fw_nft_conf_parse(buf, size, 0, &c, inc, NULL, &bad);
	fw_nft_conf_summary(&c, NULL, &s, &file, &line);
	fw_nft_conf_free(&c);
	struct fw_family_view v;
	fw_iptables_save_parse(buf, size, false, &v, &bad);
	fw_iptables_save_parse(buf, size, true, &v, &bad);
	char target[64];
	fw_zone_target_parse(buf, size, target, sizeof(target), &line, &bad);
	exports_parse(buf, size, exp_cb, NULL, &bad);
	char *z = malloc(size + 1);
	if (z == NULL)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	struct rdp_bind b;
	rdp_xrdp_port_parse(z, size > 4 ? z + size - 4 : NULL, &b);
	free(z);
	return 0;
}
