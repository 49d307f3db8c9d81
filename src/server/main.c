/* SPDX-License-Identifier: Apache-2.0 */
/* mamorid: being built (issue 4). */
#include <stdio.h>
int main(void)
{
	fputs("mamorid: not built yet\n", stderr);
	return 2;
}
