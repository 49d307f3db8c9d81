/* SPDX-License-Identifier: Apache-2.0 */
/* Counters and latency histograms for /metrics (Prometheus text format 0.0.4). */
#ifndef MAMORI_SERVER_METRICS_H
#define MAMORI_SERVER_METRICS_H

#include <jansson.h>
#include "core/buf.h"

enum endpoint {
	EP_REPORTS,
	EP_ENROLL,
	EP_CA,
	EP_DEVICES,
	EP_SUMMARY,
	EP_GATE,
	EP_METRICS,
	EP_HEALTH,
	EP_SESSION,
	EP_ADMIN,
	EP_OTHER,
	EP_COUNT
};

enum reject_reason {
	REJECT_MALFORMED,  /* 400 */
	REJECT_CERT,       /* 401/403: no, bad, unknown or revoked certificate */
	REJECT_CONFLICT,   /* 409 */
	REJECT_TOO_LARGE,  /* 413 */
	REJECT_MEDIA_TYPE, /* 415 */
	REJECT_INVALID,    /* 422 */
	REJECT_STORE,      /* 5xx: the database failed */
	REJECT_COUNT
};

void metrics_report_stored(void);
void metrics_report_duplicate(void);
void metrics_report_rejected(enum reject_reason why);
void metrics_enrollment(int ok);
void metrics_request(enum endpoint ep, double seconds);
/* Writes all metrics; device_counts is store_status_counts()'s object (may be NULL). */
int metrics_render(struct buf *out, const json_t *device_counts);

#endif
