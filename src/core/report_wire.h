/* SPDX-License-Identifier: Apache-2.0 */
/* The report as the agent sends it (docs/server.md "The report on the wire"), and the package
 * inventory's hash both ends compute the same way. */
#ifndef MAMORI_CORE_REPORT_WIRE_H
#define MAMORI_CORE_REPORT_WIRE_H

#include <jansson.h>
#include <stdbool.h>
#include "core/util.h"

/* SHA-256 (64 lower-case hex) of the canonical JSON (compact, keys sorted) of a package list. */
int inventory_sha256(const json_t *packages, char out[65], struct errbuf *e);

/* Turns a full report (report_json) into the wire form in place: drops finding texts, drops
 * evidence values equal to the fact's value, sets "inventory" {sha256, count} and removes
 * facts["software.packages"].value when its hash equals known_sha256 (may be NULL). Writes the
 * inventory hash to sha256_out ("" when the report has no package list). */
int report_to_wire(json_t *report, const char *known_sha256, char sha256_out[65],
		   struct errbuf *e);

#endif
