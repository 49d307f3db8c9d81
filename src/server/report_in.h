/* SPDX-License-Identifier: Apache-2.0 */
/* Reads a report an agent sent (untrusted): checks it against the wire format of
 * docs/server.md and extracts what the ledger keeps. No I/O, so it is fuzzed directly.
 * cJSON, not jansson: this is the server's hot path, and cJSON builds a 30 KB report's tree
 * about six times faster (jansson hashes every object's keys; bench/README.md). */
#ifndef MAMORI_SERVER_REPORT_IN_H
#define MAMORI_SERVER_REPORT_IN_H

#include <cjson/cJSON.h>
#include "server/store.h"

#define REPORT_MAX_FINDINGS 1024
#define REPORT_MAX_DEPTH 32

struct report_in {
	cJSON *root;              /* owns every string below */
	struct store_report rep;  /* device_id, received_at and body are the caller's to set */
	struct store_finding *findings;
	char *inventory_json;     /* the package list, canonical, when sent */
};

/* MAMORI_EPARSE: not JSON, not UTF-8, a \u0000 escape, or nested deeper than
 * REPORT_MAX_DEPTH (answer 400);
 * MAMORI_EINVAL: JSON that is not a report, the message names the field (answer 422). */
int report_in_parse(const char *body, size_t len, struct report_in *out, struct errbuf *e);
void report_in_free(struct report_in *r);

#endif
