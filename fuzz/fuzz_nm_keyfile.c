/* SPDX-License-Identifier: Apache-2.0 */
/* NetworkManager keyfiles through the Wi-Fi profile classifier (on top of ini_parse), and the
 * BlueZ info/settings keyfiles. The input is copied without a terminating NUL so that any read
 * past the end is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/bluetooth.h"
#include "probes/linux/wifi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	struct wifi_profile p;
	bool is_wifi, b;
	int bad, line;
	char why[256];
	if (nm_keyfile_parse(buf, size, &p, &is_wifi, &bad, why, sizeof(why)) == 0 && is_wifi) {
		(void)wifi_security_name(p.security);
		(void)wifi_security_uses_psk(p.security);
	}
	bt_info_paired(buf, size, &b, &bad);
	bt_settings_discoverable(buf, size, &b, &line, &bad);
	free(buf);
	return 0;
}
