/* SPDX-License-Identifier: Apache-2.0 */
/* wpa_supplicant.conf network blocks and its ctrl_interface. The input is copied without a
 * terminating NUL so that any read past the end is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/wifi.h"

static int sink(const struct wifi_profile *p, void *ud)
{
	(void)ud;
	(void)wifi_security_name(p->security);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	int bad, line;
	char why[256], ctrl[512], dir[256];
	if (wpa_supplicant_parse_ctrl(buf, size, sink, NULL, ctrl, sizeof(ctrl), &line, &bad, why,
				      sizeof(why)) == 0 &&
	    line)
		(void)wpa_ctrl_dir(ctrl, dir, sizeof(dir));
	free(buf);
	return 0;
}
