/* SPDX-License-Identifier: Apache-2.0 */
/* distro-info-data's release tables (debian.csv, ubuntu.csv), read from the audited root. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/os.h"

static int row_cb(const struct distro_row *row, void *ud)
{
	(void)ud;
	/* Touch every string so that a bad pointer shows up under ASan. */
	volatile size_t n = strlen(row->version) + strlen(row->codename) + strlen(row->series);
	(void)n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int bad;
	distro_csv_parse((const char *)data, size, row_cb, NULL, &bad);
	return 0;
}
