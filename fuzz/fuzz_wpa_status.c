/* SPDX-License-Identifier: Apache-2.0 */
/* wpa_supplicant's STATUS reply through the parser and the link classifier. The input is
 * copied without a terminating NUL so that any read past the end is caught. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/wifi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	struct wpa_status st;
	int bad;
	char why[256], note[200];
	if (wpa_status_parse(buf, size, &st, &bad, why, sizeof(why)) == 0) {
		enum wifi_sec sec;
		if (wifi_link_classify(st.key_mgmt, st.pairwise_cipher, st.group_cipher, &sec, note,
				       sizeof(note)) &&
		    sec == WIFI_SEC_WPA2_WPA3)
			abort(); /* a negotiated link is one method */
		(void)strlen(st.ssid);
	}
	free(buf);
	return 0;
}
