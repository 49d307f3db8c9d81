/* SPDX-License-Identifier: Apache-2.0 */
/* Loads arbitrary YAML as a checks file, then as a policy over the embedded catalog. */
#include <stdint.h>
#include <stdlib.h>

#include "core/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf e;
	struct catalog *c = catalog_new();
	if (c == NULL)
		return 0;
	if (catalog_add(c, "checks/fuzz.yaml", (const char *)data, size, &e) == 0)
		catalog_finish(c, &e);
	catalog_add(c, "params.yaml", (const char *)data, size, &e);
	catalog_free(c);

	static struct catalog *base;
	if (base == NULL && catalog_load_embedded(&base, &e) != 0)
		return 0;
	struct policy *p;
	if (policy_default(base, &p, &e) == 0) {
		policy_apply_yaml(p, base, "fuzz.yaml", (const char *)data, size, &e);
		policy_free(p);
	}
	return 0;
}
