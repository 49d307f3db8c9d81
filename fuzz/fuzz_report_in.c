/* SPDX-License-Identifier: Apache-2.0 */
/* Reads arbitrary bytes as a report an agent sent to mamorid; a report that is accepted must
 * be one the store can take: a 32-hex id, a host name, counts that add up, known statuses. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/report_in.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf e;
	struct report_in in;
	int r = report_in_parse((const char *)data, size, &in, &e);
	if (r != 0) {
		if (in.root != NULL || e.msg[0] == '\0') /* a failure leaves nothing and says why */
			abort();
		return 0;
	}
	const struct store_report *rep = &in.rep;
	if (strlen(rep->report_id) != 32 || rep->hostname == NULL || rep->hostname[0] == '\0')
		abort();
	size_t counted = (size_t)(rep->n_pass + rep->n_fail + rep->n_unknown + rep->n_not_applicable);
	if (counted > rep->n_findings)
		abort();
	for (size_t i = 0; i < rep->n_findings; i++)
		if (rep->findings[i].check == NULL || rep->findings[i].status == NULL)
			abort();
	if ((rep->inventory_json != NULL) != (rep->inventory_len > 0))
		abort();
	report_in_free(&in);
	return 0;
}
