/* SPDX-License-Identifier: Apache-2.0 */
#include "server/metrics.h"

#include <stdatomic.h>
#include <stdint.h>

static const char *const endpoint_names[EP_COUNT] = {"reports", "enroll",  "ca",	  "devices", "summary",
						     "gate",	"metrics", "health", "session", "admin", "other"};
static const char *const reject_names[REJECT_COUNT] = {
	"malformed", "certificate", "conflict", "too_large", "media_type", "invalid", "store"};
/* Upper bounds in seconds; the last bucket is +Inf. */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				0.05,	0.1,   0.25,   0.5,   1,    2.5};
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

static atomic_uint_fast64_t reports_stored, reports_duplicate, enroll_ok, enroll_refused;
static atomic_uint_fast64_t rejected[REJECT_COUNT];
static struct {
	atomic_uint_fast64_t bucket[NBOUNDS + 1];
	atomic_uint_fast64_t count;
	atomic_uint_fast64_t micros; /* sum, in microseconds, to stay integer and atomic */
} latency[EP_COUNT];

void metrics_report_stored(void)
{
	atomic_fetch_add(&reports_stored, 1);
}
void metrics_report_duplicate(void)
{
	atomic_fetch_add(&reports_duplicate, 1);
}
void metrics_report_rejected(enum reject_reason why)
{
	atomic_fetch_add(&rejected[why], 1);
}
void metrics_enrollment(int ok)
{
	atomic_fetch_add(ok ? &enroll_ok : &enroll_refused, 1);
}

void metrics_request(enum endpoint ep, double seconds)
{
	size_t i = 0;
	while (i < NBOUNDS && seconds > bounds[i])
		i++;
	atomic_fetch_add(&latency[ep].bucket[i], 1);
	atomic_fetch_add(&latency[ep].count, 1);
	atomic_fetch_add(&latency[ep].micros, (uint_fast64_t)(seconds * 1e6));
}

int metrics_render(struct buf *out, const json_t *device_counts)
{
	buf_printf(out,
		   "# HELP mamorid_reports_received_total Reports stored (acknowledged to agents).\n"
		   "# TYPE mamorid_reports_received_total counter\n"
		   "mamorid_reports_received_total %llu\n"
		   "# HELP mamorid_reports_duplicate_total Reports sent again after they were stored.\n"
		   "# TYPE mamorid_reports_duplicate_total counter\n"
		   "mamorid_reports_duplicate_total %llu\n"
		   "# HELP mamorid_reports_rejected_total Reports refused, by reason.\n"
		   "# TYPE mamorid_reports_rejected_total counter\n",
		   (unsigned long long)atomic_load(&reports_stored),
		   (unsigned long long)atomic_load(&reports_duplicate));
	for (int i = 0; i < REJECT_COUNT; i++)
		buf_printf(out, "mamorid_reports_rejected_total{reason=\"%s\"} %llu\n", reject_names[i],
			   (unsigned long long)atomic_load(&rejected[i]));
	buf_printf(out,
		   "# HELP mamorid_enrollments_total Enrollment attempts, by result.\n"
		   "# TYPE mamorid_enrollments_total counter\n"
		   "mamorid_enrollments_total{result=\"ok\"} %llu\n"
		   "mamorid_enrollments_total{result=\"refused\"} %llu\n",
		   (unsigned long long)atomic_load(&enroll_ok),
		   (unsigned long long)atomic_load(&enroll_refused));
	if (device_counts) {
		buf_printf(out, "# HELP mamorid_devices Devices by posture status.\n"
				"# TYPE mamorid_devices gauge\n");
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)device_counts, k, v)
			buf_printf(out, "mamorid_devices{status=\"%s\"} %lld\n", k,
				   (long long)json_integer_value(v));
	}
	buf_printf(out, "# HELP mamorid_request_duration_seconds Time to answer a request.\n"
			"# TYPE mamorid_request_duration_seconds histogram\n");
	for (int ep = 0; ep < EP_COUNT; ep++) {
		uint_fast64_t cum = 0;
		for (size_t i = 0; i <= NBOUNDS; i++) {
			cum += atomic_load(&latency[ep].bucket[i]);
			if (i < NBOUNDS)
				buf_printf(out,
					   "mamorid_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n",
					   endpoint_names[ep], bounds[i], (unsigned long long)cum);
			else
				buf_printf(out,
					   "mamorid_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n",
					   endpoint_names[ep], (unsigned long long)cum);
		}
		buf_printf(out,
			   "mamorid_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n"
			   "mamorid_request_duration_seconds_count{endpoint=\"%s\"} %llu\n",
			   endpoint_names[ep], (double)atomic_load(&latency[ep].micros) / 1e6,
			   endpoint_names[ep], (unsigned long long)atomic_load(&latency[ep].count));
	}
	return out->data ? 0 : -1;
}
