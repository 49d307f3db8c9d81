/* SPDX-License-Identifier: Apache-2.0 */
/* The one table of Linux probe families. Order does not matter: each reads what it needs
 * through the shared cache. */
#include "probes/linux/probes.h"

const struct probe probes[] = {
	{"host", "linux", probe_host_collect, "hostname, machine-id, DMI serial and model"},
	/* @probe-table: each probe family adds its row above this line */
};

const size_t probes_count = sizeof(probes) / sizeof(probes[0]);
