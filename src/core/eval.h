/* SPDX-License-Identifier: Apache-2.0 */
/* Applies the catalog's checks, under a policy, to a device's facts: one finding per check. */
#ifndef MAMORI_EVAL_H
#define MAMORI_EVAL_H

#include <jansson.h>

#include "core/catalog.h"
#include "core/facts.h"
#include "core/policy.h"

struct finding {
	const struct check *check;
	enum status status;
	char *reason;     /* unknown: which facts could not be read and why; disabled: the
			     policy's reason; NULL otherwise */
	json_t *evidence; /* array of {"fact", "value" | "unknown", "source", "line", "note"} */
};

struct findings {
	struct finding *v;
	size_t n;
	unsigned count[ST_COUNT];
};

/* Evaluates every check for platform (only those of the topics in `only`, comma separated,
 * when not NULL). */
int evaluate(const struct catalog *c, const struct policy *p, const struct facts *f,
	     const char *platform, const char *only, struct findings **out, struct errbuf *e);
void findings_free(struct findings *fs);
/* Whether any failing finding is at or above sev. */
bool findings_fail_at(const struct findings *fs, enum severity sev);

#endif
