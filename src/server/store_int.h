/* SPDX-License-Identifier: Apache-2.0 */
/* What the store's files share: the store, its write queue, the query ids. */
#ifndef MAMORI_SERVER_STORE_INT_H
#define MAMORI_SERVER_STORE_INT_H

#include <pthread.h>
#include "core/buf.h"
#include "server/db.h"
#include "server/store.h"

/* Every query has its own slot in a connection's statement cache. */
enum store_query_id {
	Q_BEGIN,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_SAVEPOINT,
	Q_RELEASE,
	Q_ROLLBACK_TO,
	Q_SCHEMA_VERSION,
	Q_TOKEN_ADD,
	Q_TOKEN_TAKE,
	Q_DEVICE_ADD,
	Q_CERT_ADD,
	Q_CERT_LOOKUP,
	Q_DEVICE_LOCK,
	Q_DEVICE_REVOKE,
	Q_CERTS_REVOKE,
	Q_TOKEN_CHECK,
	Q_GATE_DEVICE,
	Q_GATE_SERIAL,
	Q_ADMIN_REVOKE,
	Q_TOPICS_OF_DEVICE,
	Q_TOPICS_DELETE,
	Q_TOPIC_UPSERT,
	Q_TOPIC_DELETE,
	Q_TOPIC_COUNT_ADD,
	Q_STATUS_COUNT_ADD,
	Q_REPORT_OWNER,
	Q_REPORT_ADD,
	Q_FINDINGS_OF_DEVICE,
	Q_FINDING_UPSERT,
	Q_FINDING_DELETE,
	Q_FINDINGS_PUT,
	Q_FINDINGS_DELETE,
	Q_TOPICS_PUT,
	Q_TOPICS_DELETE_SOME,
	Q_DEVICE_UPDATE,
	Q_DEVICE_SEEN,
	Q_DEVICE_RENAME,
	Q_INVENTORY_OF_DEVICE,
	Q_INVENTORY_PUT,
	Q_READ_BEGIN,
	Q_READ_END,
	Q_DEVICE_HOSTNAME,
	Q_DEVICES_FIRST,
	Q_DEVICES_AFTER,
	Q_DEVICE_GET,
	Q_DEVICE_TOTAL,
	Q_FINDINGS_LIST,
	Q_REPORTS_FIRST,
	Q_REPORTS_BEFORE,
	Q_REPORTS_TIES,
	Q_REPORT_BODY,
	Q_TOPIC_COUNTS,
	Q_STATUS_COUNTS,
	Q_ADMIN_ADD,
	Q_ADMIN_GET,
	Q_ADMIN_LOCK,
	Q_ADMIN_LIST,
	Q_ADMIN_SET_LOCK,
	Q_ADMIN_SIGNED_IN,
	Q_ADMIN_SET_TOTP,
	Q_ADMIN_DISABLE,
	Q_RECOVERY_ADD,
	Q_RECOVERY_DELETE,
	Q_RECOVERY_USE,
	Q_SESSION_ADD,
	Q_SESSION_GET,
	Q_SESSION_TOUCH,
	Q_SESSION_DELETE,
	Q_SESSIONS_DELETE,
	Q_SESSIONS_EXPIRE,
	Q_AUDIT_HEAD,
	Q_AUDIT_HEAD_LOCK,
	Q_AUDIT_ADD,
	Q_AUDIT_HEAD_SET,
	Q_AUDIT_ALL,
	Q_AUDIT_PAGE,
	/* The dashboard's counters and reads (store_ui.c). */
	Q_CHECK_COUNT_ADD,
	Q_HOUR_COUNT_ADD,
	Q_HOURS_PRUNE,
	Q_DAILY_UPSERT,
	Q_STALE_HOURS,
	Q_STALE_EDGE,
	Q_UI_DEV_KEYS,
	Q_UI_DEV_HOST,
	Q_UI_DEV_HOST_STATUS,
	Q_UI_DEV_HOST_NONE,
	Q_UI_DEV_HOST_REVOKED,
	Q_UI_DEV_WORST,
	Q_UI_DEV_SEEN,
	Q_UI_DEV_SEEN_NULL,
	Q_UI_DEV_STALE,
	Q_UI_DEV_TOPIC,
	Q_UI_DEV_CHECK,
	Q_UI_CHECK_COUNTS,
	Q_UI_TREND,
	Q_UI_TREND_BEFORE,
	Q_UI_REG_LIST,
	Q_UI_REG_PUT,
	Q_UI_REG_GET,
	Q_UI_TOTAL_STATUS,
	Q_UI_TOTAL_TOPIC,
	Q_UI_TOTAL_CHECK,
	Q_COUNT
};
_Static_assert(Q_COUNT <= DB_MAX_QUERIES, "raise DB_MAX_QUERIES");

/* Caps on what the store accepts (every input has one): ids (device, report, serial, admin
 * name), free texts (a 10 KB hostname must round-trip, megabytes are an attack), the names in
 * a finding, findings per report. */
#define STORE_MAX_ID 64
#define STORE_MAX_TEXT (64 * 1024)
#define STORE_MAX_NAME 1024
#define STORE_MAX_FINDINGS 100000

/* reports.body_format: the body as received, or an LZ4 block of body_len bytes. */
enum { STORE_BODY_RAW = 0, STORE_BODY_LZ4 = 1 };

/* Device statuses, also the keys of status_counts. */
enum dev_status { DS_PASS, DS_FAIL, DS_UNKNOWN, DS_NONE, DS_REVOKED, DS_COUNT };
extern const char *const store_dev_status_names[DS_COUNT];

/* A change to the summary tables, applied once per transaction in sorted order (so that
 * instances sharing one PostgreSQL lock the counter rows in the same order): topic_counts,
 * check_counts, report_hours, then status_counts. */
enum store_delta_kind { DELTA_TOPIC, DELTA_CHECK, DELTA_HOUR, DELTA_STATUS };
struct store_delta {
	int kind;     /* enum store_delta_kind */
	char *topic;  /* the topic or check; NULL for the others */
	int64_t hour; /* DELTA_HOUR: last_generated_at / 3600 of a device's latest report */
	int status;   /* enum status (topic, check) or enum dev_status */
	int n;
};
struct store_deltas {
	struct store_delta *v;
	size_t n, cap;
};
/* topic NULL: a status_counts change. */
int store_delta_add(struct store_deltas *d, const char *topic, int status, int n);
/* A check_counts change (enum status), and a report_hours change. */
int store_delta_add_check(struct store_deltas *d, const char *check, int status, int n);
int store_delta_add_hour(struct store_deltas *d, int64_t last_generated_at, int n);
void store_deltas_free(struct store_deltas *d);

/* One write, run by the committer thread inside the batch's transaction, in a savepoint. */
struct store_job;
typedef int (*store_job_fn)(struct store *st, struct db *db, struct store_job *j, struct errbuf *e);
struct store_job {
	store_job_fn run;
	/* Appended to the audit log in the job's savepoint when run succeeds; or the job appends
	 * its own entries (audited). Either way the batch locks the audit head first, so that
	 * instances sharing a PostgreSQL take their locks in one order. */
	const struct store_audit_in *audit;
	bool audited;
	const char *key; /* device id: jobs run in key order, rows are locked in one order */
	const void *arg;
	struct store_put_result put; /* store_report_put's answer */
	struct store_deltas deltas;
	int rc;
	struct errbuf err;
	bool done;	   /* the committer's: it has its answer */
	bool finished;	   /* under q_mu: the caller may return */
	pthread_cond_t cv; /* signalled when finished */
	size_t seq;
	struct store_job *next;
};

struct store {
	enum db_kind kind;
	char *path;
	struct db *writer; /* the committer thread's */

	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	struct db **readers;
	bool *reader_busy;
	int n_readers;

	pthread_mutex_t q_mu;
	pthread_cond_t q_cv; /* work queued, or stop */
	struct store_job *q_head, *q_tail;
	bool stopping, started;
	size_t seq;
	pthread_t committer;

	int64_t max_report_age; /* seconds: older latest reports make a device stale */
};

/* Queues a job and waits until its transaction has committed (or failed). */
int store_submit(struct store *st, struct store_job *j, struct errbuf *e);
/* A read connection from the pool, and back. */
int store_reader(struct store *st, struct db **out, struct errbuf *e);
void store_reader_put(struct store *st, struct db *db);

/* Bulk parameters are JSON arrays ("[[\"a\",\"b\"],…]"), unpacked by json_each (SQLite) or
 * json_array_elements (PostgreSQL): one statement instead of one per row, which on
 * PostgreSQL is one round trip instead of dozens. */
#define STORE_MAX_JSON (64u << 20)
struct store_jlist {
	struct buf b;
	size_t n;
};
void store_jl_init(struct store_jlist *l);
/* Starts the next element (adds the comma and "[" when tuple). */
int store_jl_item(struct store_jlist *l, bool tuple);
/* Appends a JSON string, or, after the first field of a tuple, ",string". */
int store_jl_str(struct store_jlist *l, const char *s, bool first);
int store_jl_int(struct store_jlist *l, long long v);
int store_jl_end_item(struct store_jlist *l, bool tuple);
/* Closes the array; the text is l->b.data. */
int store_jl_finish(struct store_jlist *l);

/* Reads the one row q gives for the text key $1 on a pooled reader: 1 when there is one
 * (fill(s, out) has read it; fill may fail with < 0), 0 when there is none. */
typedef int (*store_fill_fn)(struct db_stmt *s, void *out, struct errbuf *e);
int store_read_row(struct store *st, const struct db_query *q, const char *key,
		   store_fill_fn fill, void *out, struct errbuf *e);

/* Runs a query that returns nothing. */
int store_run(struct db *db, const struct db_query *q, struct errbuf *e);

/* Length of the UTF-8 sequence at s, 0 when malformed. */
size_t store_utf8_seq(const unsigned char *s);
/* Checks that s is UTF-8 without overlong forms or surrogates and at most max bytes. */
int store_check_text(const char *field, const char *s, size_t max, bool may_be_null,
		     struct errbuf *e);
/* enum status for "pass" … "disabled", -1 for anything else. */
int store_status_from_name(const char *s);
extern const char *const store_status_names[ST_COUNT];
int store_dev_status_from_name(const char *s);

/* Appends an audit entry inside the caller's transaction (store_auth.c); locks the head. */
int store_audit_append(struct db *db, const struct store_audit_in *a, struct errbuf *e);
int store_audit_lock(struct db *db, struct errbuf *e);
/* Checks an audit entry's fields: sizes, UTF-8, no control characters. */
int store_audit_check(const struct store_audit_in *a, struct errbuf *e);

int store_put_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e);

/* Shared by store.c, store_put.c and store_ui.c (the same id, the same text). */
extern const struct db_query store_q_device_lock, store_q_topics_of_device,
    store_q_findings_of_device, store_q_read_begin, store_q_read_end;

/* store_ui.c: devices whose latest report is older than now - max_age (not revoked), from
 * the report_hours counters and one hour of the age index. */
int store_stale_count(struct db *db, int64_t now, int64_t max_age, int64_t *out, struct errbuf *e);
/* store_ui.c: today's fleet_daily row from the counters, in the writer's transaction. */
int store_daily_upsert(struct store *st, struct db *db, int64_t now, struct errbuf *e);

/* The ledger's columns, in the order of store_ledger_columns (store_query.c). */
#define STORE_DEV_COLS                                                                             \
	"id, hostname, user_name, os_name, os_version, serial_number, status, n_pass, n_fail,"     \
	" n_unknown, n_not_applicable, packages, security_updates_pending, last_report_id,"        \
	" last_seen, enrolled_at, revoked_at"
#define STORE_DEV_NCOLS 17
/* store_query.c: the device on the current row of a query selecting STORE_DEV_COLS. */
json_t *store_device_json(struct db_stmt *s);
/* A JSON string of s (NULL: null), malformed UTF-8 replaced by U+FFFD. */
json_t *store_jstr(const char *s);
/* RFC 3339 UTC, or null for a NULL column. */
json_t *store_jtime(struct db_stmt *s, int col);

#endif
