/* SPDX-License-Identifier: Apache-2.0 */
/* The access gate's decision (issue 5): whether a device may in, from its latest posture.
 * Pure: the caller reads the device and its findings and passes the clock, so the rules are
 * tested without a server or a database. */
#ifndef MAMORI_SERVER_GATE_H
#define MAMORI_SERVER_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "mamori/mamori.h"

struct gate_policy {
	enum severity min_severity; /* a failing check at or above this denies */
	int64_t max_report_age;     /* seconds; a report older than this denies */
	int64_t grace;              /* seconds a newly failing check is tolerated */
};

struct gate_device {
	bool known;
	bool revoked;
	int64_t last_generated_at; /* 0: no report yet */
};

struct gate_finding {
	const char *check;
	enum severity severity;
	bool failing;
	int64_t failing_since; /* when it began to fail (the first report that failed it) */
};

enum gate_verdict {
	GATE_ALLOW,
	GATE_ALLOW_GRACE,  /* allowed, but a check fails and its grace period runs */
	GATE_DENY_UNKNOWN, /* no such device */
	GATE_DENY_REVOKED,
	GATE_DENY_NO_REPORT,
	GATE_DENY_STALE,
	GATE_DENY_FAILING,
};

struct gate_decision {
	enum gate_verdict verdict;
	const char *code;  /* "allow", "grace", "unknown", "revoked", "no-report", "stale", "failing" */
	char reason[256];  /* for people and logs: which checks, since when, until when */
	int64_t until;     /* GATE_ALLOW_GRACE: when the first grace period ends */
};

static inline bool gate_allows(const struct gate_decision *d)
{
	return d->verdict == GATE_ALLOW || d->verdict == GATE_ALLOW_GRACE;
}

void gate_decide(const struct gate_policy *p, const struct gate_device *dev,
		 const struct gate_finding *findings, size_t n, int64_t now, struct gate_decision *out);

#endif
