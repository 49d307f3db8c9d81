/* SPDX-License-Identifier: Apache-2.0 */
/* PAM service files (pam_conf_parse, pam_control_enforces on every control) and the
 * pwquality.conf / faillock.conf key = value parser with pwq_apply. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/linux/pam.h"

static int line_cb(const struct pam_line *l, void *ud)
{
	(void)ud;
	if (l->control)
		(void)pam_control_enforces(l->control, "auth_err");
	return 0;
}

static int kv_cb(const char *name, const char *value, int line, void *ud)
{
	struct pwq_settings *s = ud;
	(void)pwq_apply(s, false, name, value, "f", line);
	(void)pwq_effective_min(s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	int bad;
	const char *err;
	pam_conf_parse(buf, size, line_cb, NULL, &bad, &err);
	struct pwq_settings s;
	pwq_defaults(&s, false);
	secconf_parse(buf, size, false, kv_cb, &s, &bad);
	secconf_parse(buf, size, true, kv_cb, &s, &bad);
	return 0;
}
