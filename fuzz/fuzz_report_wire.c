/* SPDX-License-Identifier: Apache-2.0 */
/* Reads arbitrary bytes as a JSON report (as `mamori push --report FILE` does) and turns it
 * into its wire form twice: once with no inventory known, once with the hash the first pass
 * gave, which must leave the package list out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/report_wire.h"

static bool hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (j == NULL)
		return 0;
	json_t *again = json_deep_copy(j);
	json_t *before = json_deep_copy(j);
	struct errbuf e = {{0}};
	char sha[65] = "x", sha2[65] = "x";
	if (again == NULL || before == NULL)
		abort();
	if (report_to_wire(j, NULL, sha, &e) != 0) {
		/* a failure says why and changes nothing */
		if (e.msg[0] == '\0' || !json_equal(j, before) || strcmp(sha, "x") != 0)
			abort();
		goto out;
	}
	if (sha[0] != '\0' && !hex64(sha))
		abort();
	size_t i;
	json_t *fd;
	json_array_foreach(json_object_get(j, "findings"), i, fd)
	{
		if (json_object_get(fd, "title") || json_object_get(fd, "rationale") ||
		    json_object_get(fd, "remediation"))
			abort();
	}
	json_t *pk = json_object_get(json_object_get(again, "facts"), "software.packages");
	if (report_to_wire(again, sha[0] ? sha : NULL, sha2, &e) != 0 || strcmp(sha, sha2) != 0)
		abort();
	if (sha[0] && (json_object_get(pk, "value") != NULL ||
		       !json_is_string(json_object_get(pk, "omitted"))))
		abort();
	char *s = json_dumps(again, JSON_COMPACT);
	if (s == NULL)
		abort();
	free(s);
out:
	json_decref(before);
	json_decref(again);
	json_decref(j);
	return 0;
}
