/* SPDX-License-Identifier: Apache-2.0 */
/* The bluetooth family's pure parsers: BlueZ's per-device info and per-adapter settings. */
#ifndef MAMORI_LINUX_BLUETOOTH_H
#define MAMORI_LINUX_BLUETOOTH_H

#include <stdbool.h>
#include <stddef.h>

/* Whether a /var/lib/bluetooth/ADAPTER/DEVICE/info keyfile holds a pairing key ([LinkKey],
 * [LongTermKey], [PeripheralLongTermKey] or [SlaveLongTermKey]). Returns 0, or MAMORI_EPARSE
 * with *bad_line. */
int bt_info_paired(const char *buf, size_t len, bool *paired, int *bad_line);

/* The [General] Discoverable= value of an adapter's settings file (default false) and its line
 * (0 when absent). Returns 0, or MAMORI_EPARSE with *bad_line (also for a value that is not
 * true or false). */
int bt_settings_discoverable(const char *buf, size_t len, bool *discoverable, int *line,
			     int *bad_line);

#endif
