/* SPDX-License-Identifier: Apache-2.0 */
#include "server/gate.h"

#include <stdio.h>
#include <string.h>

#define REASON_CHECKS 3 /* checks named in a reason; the rest are counted */

static void set(struct gate_decision *d, enum gate_verdict v, const char *code)
{
	d->verdict = v;
	d->code = code;
	d->until = 0;
	d->reason[0] = '\0';
}

/* "a, b, c and 2 more" into the reason, after prefix. */
static void name_checks(struct gate_decision *d, const char *prefix, const struct gate_finding *f,
			size_t n, const struct gate_policy *p, int64_t now, bool in_grace)
{
	size_t used = (size_t)snprintf(d->reason, sizeof d->reason, "%s", prefix);
	size_t named = 0, more = 0;
	for (size_t i = 0; i < n; i++) {
		if (!f[i].failing || f[i].severity < p->min_severity)
			continue;
		bool grace = now - f[i].failing_since < p->grace;
		if (grace != in_grace)
			continue;
		if (named == REASON_CHECKS) {
			more++;
			continue;
		}
		if (used < sizeof d->reason)
			used += (size_t)snprintf(d->reason + used, sizeof d->reason - used, "%s%s",
						 named ? ", " : "", f[i].check);
		named++;
	}
	if (more && used < sizeof d->reason)
		snprintf(d->reason + used, sizeof d->reason - used, " and %zu more", more);
}

void gate_decide(const struct gate_policy *p, const struct gate_device *dev,
		 const struct gate_finding *findings, size_t n, int64_t now, struct gate_decision *out)
{
	if (!dev->known) {
		set(out, GATE_DENY_UNKNOWN, "unknown");
		snprintf(out->reason, sizeof out->reason, "the device is not enrolled");
		return;
	}
	if (dev->revoked) {
		set(out, GATE_DENY_REVOKED, "revoked");
		snprintf(out->reason, sizeof out->reason, "the device's certificate has been revoked");
		return;
	}
	if (dev->last_generated_at <= 0) {
		set(out, GATE_DENY_NO_REPORT, "no-report");
		snprintf(out->reason, sizeof out->reason, "the device has not reported its posture yet");
		return;
	}
	int64_t age = now - dev->last_generated_at;
	if (age > p->max_report_age) {
		set(out, GATE_DENY_STALE, "stale");
		snprintf(out->reason, sizeof out->reason,
			 "the latest report is %lld h old; at most %lld h is accepted",
			 (long long)(age / 3600), (long long)(p->max_report_age / 3600));
		return;
	}
	bool deny = false, grace = false;
	int64_t until = 0;
	for (size_t i = 0; i < n; i++) {
		const struct gate_finding *f = &findings[i];
		if (!f->failing || f->severity < p->min_severity)
			continue;
		int64_t end = f->failing_since + p->grace;
		if (now >= end) {
			deny = true;
		} else {
			grace = true;
			if (until == 0 || end < until)
				until = end;
		}
	}
	if (deny) {
		set(out, GATE_DENY_FAILING, "failing");
		name_checks(out, "failing: ", findings, n, p, now, false);
		return;
	}
	if (grace) {
		set(out, GATE_ALLOW_GRACE, "grace");
		name_checks(out, "allowed in the grace period, fix before it ends: ", findings, n, p, now, true);
		out->until = until;
		return;
	}
	set(out, GATE_ALLOW, "allow");
	snprintf(out->reason, sizeof out->reason, "posture meets the policy");
}
