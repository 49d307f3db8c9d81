/* SPDX-License-Identifier: Apache-2.0 */
/* dpkg's version order, on versions from dpkg's status and apt's lists. The input is split at
 * the first newline into two versions; the order must be antisymmetric and reflexive. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/apt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	char *b = strchr(s, '\n');
	if (b)
		*b++ = '\0';
	else
		b = s;
	int ab, ba, aa;
	if (deb_version_cmp_str(s, b, &ab) == 0) {
		if (deb_version_cmp_str(b, s, &ba) || deb_version_cmp_str(s, s, &aa))
			abort();
		if ((ab < 0) != (ba > 0) || (ab == 0) != (ba == 0) || aa != 0)
			abort();
	}
	free(s);
	return 0;
}
