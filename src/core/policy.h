/* SPDX-License-Identifier: Apache-2.0 */
/* The organization's tailoring: parameter values and checks switched off with a reason.
 * Format: docs/policy.md. */
#ifndef MAMORI_POLICY_H
#define MAMORI_POLICY_H

#include <jansson.h>

#include "core/catalog.h"
#include "core/guide.h"
#include "core/register.h"

struct disabled_check {
	char *check;
	char *reason;
};

struct policy {
	char *name;
	json_t *params; /* every catalog parameter: its default or the policy's value */
	struct disabled_check *disabled;
	size_t ndisabled;
};

/* The catalog's defaults, nothing switched off. */
int policy_default(const struct catalog *c, struct policy **out, struct errbuf *e);
/* Applies a policy file over p. Errors name the file and line; p is unchanged on error. */
int policy_apply_yaml(struct policy *p, const struct catalog *c, const char *file,
		      const char *text, size_t len, struct errbuf *e);
/* Applies a shipped profile: its parameter values, and every check that automates none of
 * the profile's controls switched off, saying so. */
int policy_apply_profile(struct policy *p, const struct catalog *c, const struct profile *pr,
			 struct errbuf *e);
/* Switches off the checks whose controls the register decided are not needed (every one of
 * the check's controls that the register lists), with the recorded reasons. */
int policy_apply_register(struct policy *p, const struct catalog *c,
			  const struct risk_register *reg, struct errbuf *e);
void policy_free(struct policy *p);
/* The reason a check is switched off, or NULL. */
const char *policy_disabled(const struct policy *p, const char *check);

#endif
