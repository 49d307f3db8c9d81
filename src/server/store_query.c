/* SPDX-License-Identifier: Apache-2.0 */
/* The store's reads for the API: ledger pages, one device, findings, history, summary, CSV
 * rows. Each runs on a pooled read connection, in one read transaction where it takes
 * several queries. */
#include "server/store_int.h"

#include <inttypes.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_LIMIT 1000
/* store_devices_each reads this many rows per query, without holding a connection while
 * row() runs. */
#define EACH_CHUNK 256

const char *const store_ledger_columns[] = {"id",
					    "hostname",
					    "user",
					    "os_name",
					    "os_version",
					    "serial_number",
					    "status",
					    "pass",
					    "fail",
					    "unknown",
					    "not_applicable",
					    "packages",
					    "security_updates_pending",
					    "last_report_id",
					    "last_seen",
					    "enrolled_at",
					    "revoked_at"};
const size_t store_ledger_ncolumns = sizeof(store_ledger_columns) / sizeof(store_ledger_columns[0]);

/* In the order of store_ledger_columns. */
#define DEV_COLS STORE_DEV_COLS
enum {
	C_ID,
	C_HOSTNAME,
	C_USER,
	C_OS_NAME,
	C_OS_VERSION,
	C_SERIAL,
	C_STATUS,
	C_PASS,
	C_FAIL,
	C_UNKNOWN,
	C_NA,
	C_PACKAGES,
	C_UPDATES,
	C_LAST_REPORT,
	C_LAST_SEEN,
	C_ENROLLED,
	C_REVOKED,
	C_COUNT
};
_Static_assert(sizeof(store_ledger_columns) / sizeof(store_ledger_columns[0]) == C_COUNT,
	       "DEV_COLS and store_ledger_columns differ");
_Static_assert(STORE_DEV_NCOLS == C_COUNT, "STORE_DEV_NCOLS and DEV_COLS differ");

const struct db_query store_q_read_begin = {Q_READ_BEGIN, "begin read", "BEGIN",
					    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0};
const struct db_query store_q_read_end = {Q_READ_END, "end read", "COMMIT", NULL, 0};
#define q_read_begin store_q_read_begin
#define q_read_end store_q_read_end
static const struct db_query q_device_hostname = {
    Q_DEVICE_HOSTNAME, "look up device", "SELECT hostname FROM devices WHERE id = $1", NULL, 0};
static const struct db_query q_devices_first = {
    Q_DEVICES_FIRST, "list devices",
    "SELECT " DEV_COLS " FROM devices ORDER BY hostname, id LIMIT $1", NULL, 0};
static const struct db_query q_devices_after = {Q_DEVICES_AFTER, "list devices",
						"SELECT " DEV_COLS
						" FROM devices WHERE (hostname, id) > ($1, $2)"
						" ORDER BY hostname, id LIMIT $3",
						NULL, 0};
static const struct db_query q_device_get = {
    Q_DEVICE_GET, "read device", "SELECT " DEV_COLS " FROM devices WHERE id = $1", NULL, 0};
static const struct db_query q_device_total = {
    Q_DEVICE_TOTAL, "count devices", "SELECT COALESCE(SUM(devices), 0) FROM status_counts", NULL,
    0};
static const struct db_query q_findings_list = {
    Q_FINDINGS_LIST, "read findings",
    "SELECT check_id, topic, severity, status FROM findings WHERE device_id = $1"
    " ORDER BY check_id",
    NULL, 0};
#define REPORT_COLS                                                                                \
	"report_id, generated_at, received_at, status, n_pass, n_fail, n_unknown, "                \
	"n_not_applicable"
static const struct db_query q_reports_first = {
    Q_REPORTS_FIRST, "list reports",
    "SELECT " REPORT_COLS " FROM reports WHERE device_id = $1"
    " ORDER BY received_at DESC, report_id DESC LIMIT $2",
    NULL, 0};
static const struct db_query q_reports_before = {
    Q_REPORTS_BEFORE, "list reports",
    "SELECT " REPORT_COLS " FROM reports WHERE device_id = $1 AND received_at < $2"
    " ORDER BY received_at DESC, report_id DESC LIMIT $3",
    NULL, 0};
/* Used for the ties at a page boundary: same second, smaller id. */
static const struct db_query q_reports_ties = {
    Q_REPORTS_TIES, "list reports",
    "SELECT " REPORT_COLS " FROM reports WHERE device_id = $1 AND received_at = $2"
    " AND report_id < $3 ORDER BY report_id DESC",
    NULL, 0};
static const struct db_query q_report_body = {
    Q_REPORT_BODY, "read report",
    "SELECT body, body_format, body_len FROM reports WHERE report_id = $1", NULL, DB_Q_BINARY};
static const struct db_query q_topic_counts = {
    Q_TOPIC_COUNTS, "read topic summary",
    "SELECT topic, status, devices FROM topic_counts ORDER BY topic, status", NULL, 0};
static const struct db_query q_status_counts = {
    Q_STATUS_COUNTS, "read status counts", "SELECT status, devices FROM status_counts", NULL, 0};

static int oom(struct store *st, const char *what, struct errbuf *e)
{
	return err_set(e, MAMORI_ENOMEM, "%s: %s: out of memory", db_kind_name(st->kind), what);
}

/* A JSON string; stored text is checked UTF-8 on the way in, but a database edited by hand
 * may hold anything, so malformed bytes become U+FFFD rather than failing the ledger. */
static json_t *jstr(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *j = json_string(s);
	if (j != NULL)
		return j;
	size_t len = strlen(s);
	if (len > SIZE_MAX / 3 - 1)
		return NULL;
	char *clean = malloc(len * 3 + 1);
	if (clean == NULL)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		size_t n = store_utf8_seq((const unsigned char *)s + i);
		if (n == 0) {
			memcpy(clean + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(clean + o, s + i, n);
			o += n;
			i += n;
		}
	}
	clean[o] = '\0';
	j = json_string(clean);
	free(clean);
	return j;
}

static void rfc3339(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
}

static json_t *jtime(struct db_stmt *s, int col)
{
	if (db_col_null(s, col))
		return json_null();
	char buf[32];
	rfc3339(db_col_int64(s, col), buf);
	return json_string(buf);
}

static json_t *jint(struct db_stmt *s, int col)
{
	if (db_col_null(s, col))
		return json_null();
	return json_integer(db_col_int64(s, col));
}

/* The device on the current row (DEV_COLS), as docs/server.md shows it. */
static json_t *device_json(struct db_stmt *s);

json_t *store_device_json(struct db_stmt *s)
{
	return device_json(s);
}

json_t *store_jstr(const char *s)
{
	return jstr(s);
}

json_t *store_jtime(struct db_stmt *s, int col)
{
	return jtime(s, col);
}

static json_t *device_json(struct db_stmt *s)
{
	return json_pack(
	    "{s:o, s:o, s:{s:o, s:o}, s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I},"
	    " s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", jstr(db_col_text(s, C_ID)), "hostname", jstr(db_col_text(s, C_HOSTNAME)), "os",
	    "name", jstr(db_col_text(s, C_OS_NAME)), "version", jstr(db_col_text(s, C_OS_VERSION)),
	    "serial_number", jstr(db_col_text(s, C_SERIAL)), "user", jstr(db_col_text(s, C_USER)),
	    "status", jstr(db_col_text(s, C_STATUS)), "counts", "pass",
	    (json_int_t)db_col_int64(s, C_PASS), "fail", (json_int_t)db_col_int64(s, C_FAIL),
	    "unknown", (json_int_t)db_col_int64(s, C_UNKNOWN), "not_applicable",
	    (json_int_t)db_col_int64(s, C_NA), "packages", jint(s, C_PACKAGES),
	    "security_updates_pending", jint(s, C_UPDATES), "last_report_id",
	    jstr(db_col_text(s, C_LAST_REPORT)), "last_seen", jtime(s, C_LAST_SEEN), "enrolled_at",
	    jtime(s, C_ENROLLED), "revoked_at", jtime(s, C_REVOKED));
}

static int check_id(const char *what, const char *id, struct errbuf *e)
{
	return store_check_text(what, id, STORE_MAX_ID, false, e);
}

static int check_limit(int limit, struct errbuf *e)
{
	if (limit < 1 || limit > MAX_LIMIT)
		return err_set(e, MAMORI_EINVAL, "limit: not in [1, %d]", MAX_LIMIT);
	return 0;
}

static int read_total(struct db *db, json_int_t *out, struct errbuf *e)
{
	struct db_stmt *s;
	int rc = db_prepare(db, &q_device_total, &s, e);
	if (rc < 0)
		return rc;
	rc = db_step(s, e);
	if (rc == 1) {
		*out = db_col_int64(s, 0);
		rc = 0;
	}
	db_done(s);
	return rc;
}

int store_devices_page(struct store *st, const char *after, int limit, json_t **out,
		       struct errbuf *e)
{
	int rc;
	if ((rc = check_limit(limit, e)) < 0 ||
	    (after != NULL && (rc = check_id("after", after, e)) < 0))
		return rc;
	struct db *db;
	if ((rc = store_reader(st, &db, e)) < 0)
		return rc;
	json_t *devices = json_array(), *res = NULL;
	char *host = NULL;
	struct db_stmt *s;
	if (devices == NULL) {
		rc = oom(st, "list devices", e);
		goto out;
	}
	if ((rc = store_run(db, &q_read_begin, e)) < 0)
		goto out;
	if (after != NULL) {
		if ((rc = db_prepare(db, &q_device_hostname, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, after);
		rc = db_step(s, e);
		if (rc == 1 && (host = xstrdup(db_col_text(s, 0))) == NULL)
			rc = oom(st, "list devices", e);
		db_done(s);
		if (rc < 0)
			goto out;
		if (rc == 0) {
			rc = err_set(e, STORE_NOT_FOUND, "%s: list devices: no device %s",
				     db_kind_name(st->kind), after);
			goto out;
		}
		if ((rc = db_prepare(db, &q_devices_after, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, host);
		db_bind_text(s, 2, after);
		db_bind_int64(s, 3, limit + 1);
	} else {
		if ((rc = db_prepare(db, &q_devices_first, &s, e)) < 0)
			goto out;
		db_bind_int64(s, 1, limit + 1);
	}
	int n = 0;
	json_t *next = json_null();
	while ((rc = db_step(s, e)) == 1) {
		if (n++ == limit) {
			/* One more row than asked: there is a next page. */
			json_t *last = json_array_get(devices, json_array_size(devices) - 1);
			json_decref(next);
			next = json_incref(json_object_get(last, "id"));
			break;
		}
		if (json_array_append_new(devices, device_json(s)) < 0) {
			rc = oom(st, "list devices", e);
			break;
		}
	}
	db_done(s);
	json_int_t total = 0;
	if (rc >= 0)
		rc = read_total(db, &total, e);
	if (rc >= 0)
		rc = store_run(db, &q_read_end, e);
	if (rc < 0) {
		json_decref(next);
		goto out;
	}
	res = json_pack("{s:O, s:o, s:I}", "devices", devices, "next", next, "total", total);
	if (res == NULL) {
		rc = oom(st, "list devices", e);
		goto out;
	}
	*out = res;
	rc = 0;
out:
	json_decref(devices);
	free(host);
	store_reader_put(st, db);
	return rc;
}

int store_device_get(struct store *st, const char *id, json_t **out, struct errbuf *e)
{
	int rc = check_id("device id", id, e);
	if (rc < 0)
		return rc;
	struct db *db;
	if ((rc = store_reader(st, &db, e)) < 0)
		return rc;
	struct db_stmt *s;
	if ((rc = db_prepare(db, &q_device_get, &s, e)) < 0)
		goto out;
	db_bind_text(s, 1, id);
	rc = db_step(s, e);
	if (rc == 0) {
		rc = err_set(e, STORE_NOT_FOUND, "%s: read device: no device %s",
			     db_kind_name(st->kind), id);
	} else if (rc == 1) {
		json_t *d = device_json(s);
		if (d == NULL) {
			rc = oom(st, "read device", e);
		} else {
			*out = d;
			rc = 0;
		}
	}
	db_done(s);
out:
	store_reader_put(st, db);
	return rc;
}

int store_device_findings(struct store *st, const char *id, json_t **out, struct errbuf *e)
{
	int rc = check_id("device id", id, e);
	if (rc < 0)
		return rc;
	struct db *db;
	if ((rc = store_reader(st, &db, e)) < 0)
		return rc;
	json_t *list = json_array(), *res = NULL;
	char *report = NULL;
	bool have_report = false;
	struct db_stmt *s;
	if (list == NULL) {
		rc = oom(st, "read findings", e);
		goto out;
	}
	if ((rc = store_run(db, &q_read_begin, e)) < 0)
		goto out;
	if ((rc = db_prepare(db, &q_device_get, &s, e)) < 0)
		goto out;
	db_bind_text(s, 1, id);
	rc = db_step(s, e);
	if (rc == 1 && !db_col_null(s, C_LAST_REPORT)) {
		have_report = true;
		if ((report = xstrdup(db_col_text(s, C_LAST_REPORT))) == NULL)
			rc = oom(st, "read findings", e);
	}
	db_done(s);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		rc = err_set(e, STORE_NOT_FOUND, "%s: read findings: no device %s",
			     db_kind_name(st->kind), id);
		goto out;
	}
	if ((rc = db_prepare(db, &q_findings_list, &s, e)) < 0)
		goto out;
	db_bind_text(s, 1, id);
	while ((rc = db_step(s, e)) == 1) {
		json_t *f = json_pack("{s:o, s:o, s:o, s:o}", "check", jstr(db_col_text(s, 0)),
				      "topic", jstr(db_col_text(s, 1)), "severity",
				      jstr(db_col_text(s, 2)), "status", jstr(db_col_text(s, 3)));
		if (json_array_append_new(list, f) < 0) {
			rc = oom(st, "read findings", e);
			break;
		}
	}
	db_done(s);
	if (rc >= 0)
		rc = store_run(db, &q_read_end, e);
	if (rc < 0)
		goto out;
	res = json_pack("{s:o, s:o, s:O}", "device", jstr(id), "report_id",
			have_report ? jstr(report) : json_null(), "findings", list);
	if (res == NULL) {
		rc = oom(st, "read findings", e);
		goto out;
	}
	*out = res;
	rc = 0;
out:
	json_decref(list);
	free(report);
	store_reader_put(st, db);
	return rc;
}

static json_t *report_json(struct db_stmt *s)
{
	return json_pack("{s:o, s:o, s:o, s:o, s:{s:I, s:I, s:I, s:I}}", "report_id",
			 jstr(db_col_text(s, 0)), "generated_at", jtime(s, 1), "received_at",
			 jtime(s, 2), "status", jstr(db_col_text(s, 3)), "counts", "pass",
			 (json_int_t)db_col_int64(s, 4), "fail", (json_int_t)db_col_int64(s, 5),
			 "unknown", (json_int_t)db_col_int64(s, 6), "not_applicable",
			 (json_int_t)db_col_int64(s, 7));
}

/* Newest first. A page ends at a second boundary: when the reports at the limit share their
 * received_at with later ones, those come on this page too, so that paging on the second
 * alone ("before") never skips one. */
int store_device_reports(struct store *st, const char *id, int64_t before, int limit, json_t **out,
			 struct errbuf *e)
{
	int rc;
	if ((rc = check_id("device id", id, e)) < 0 || (rc = check_limit(limit, e)) < 0)
		return rc;
	if (before < 0)
		return err_set(e, MAMORI_EINVAL, "before: negative");
	struct db *db;
	if ((rc = store_reader(st, &db, e)) < 0)
		return rc;
	json_t *list = json_array(), *res = NULL;
	char *last_id = NULL;
	struct db_stmt *s;
	if (list == NULL) {
		rc = oom(st, "list reports", e);
		goto out;
	}
	if ((rc = store_run(db, &q_read_begin, e)) < 0)
		goto out;
	if ((rc = db_prepare(db, &q_device_hostname, &s, e)) < 0)
		goto out;
	db_bind_text(s, 1, id);
	rc = db_step(s, e);
	db_done(s);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		rc = err_set(e, STORE_NOT_FOUND, "%s: list reports: no device %s",
			     db_kind_name(st->kind), id);
		goto out;
	}
	if (before > 0) {
		if ((rc = db_prepare(db, &q_reports_before, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, id);
		db_bind_int64(s, 2, before);
		db_bind_int64(s, 3, limit + 1);
	} else {
		if ((rc = db_prepare(db, &q_reports_first, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, id);
		db_bind_int64(s, 2, limit + 1);
	}
	int n = 0;
	int64_t last_t = 0;
	bool more = false, tie = false;
	while ((rc = db_step(s, e)) == 1) {
		int64_t t = db_col_int64(s, 2);
		if (n++ == limit) {
			more = true;
			tie = t == last_t;
			break;
		}
		last_t = t;
		free(last_id);
		if ((last_id = xstrdup(db_col_text(s, 0))) == NULL ||
		    json_array_append_new(list, report_json(s)) < 0) {
			rc = oom(st, "list reports", e);
			break;
		}
	}
	db_done(s);
	if (rc < 0)
		goto out;
	if (tie) {
		if ((rc = db_prepare(db, &q_reports_ties, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, id);
		db_bind_int64(s, 2, last_t);
		db_bind_text(s, 3, last_id);
		while ((rc = db_step(s, e)) == 1)
			if (json_array_append_new(list, report_json(s)) < 0) {
				rc = oom(st, "list reports", e);
				break;
			}
		db_done(s);
		if (rc < 0)
			goto out;
		/* Anything older than that second? */
		if ((rc = db_prepare(db, &q_reports_before, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, id);
		db_bind_int64(s, 2, last_t);
		db_bind_int64(s, 3, 1);
		rc = db_step(s, e);
		db_done(s);
		if (rc < 0)
			goto out;
		more = rc == 1;
	}
	if ((rc = store_run(db, &q_read_end, e)) < 0)
		goto out;
	res = json_pack("{s:O, s:o}", "reports", list, "next",
			more ? json_integer(last_t) : json_null());
	if (res == NULL) {
		rc = oom(st, "list reports", e);
		goto out;
	}
	*out = res;
	rc = 0;
out:
	json_decref(list);
	free(last_id);
	store_reader_put(st, db);
	return rc;
}

int store_report_body(struct store *st, const char *report_id, char **body, size_t *len_out,
		      struct errbuf *e)
{
	int rc = check_id("report id", report_id, e);
	if (rc < 0)
		return rc;
	struct db *db;
	if ((rc = store_reader(st, &db, e)) < 0)
		return rc;
	struct db_stmt *s;
	if ((rc = db_prepare(db, &q_report_body, &s, e)) < 0)
		goto out;
	db_bind_text(s, 1, report_id);
	rc = db_step(s, e);
	if (rc == 0) {
		rc = err_set(e, STORE_NOT_FOUND, "%s: read report: no report %s",
			     db_kind_name(st->kind), report_id);
	} else if (rc == 1) {
		size_t n;
		const char *p = db_col_blob(s, 0, &n);
		int64_t format = db_col_int64(s, 1), len = db_col_int64(s, 2);
		char *copy = NULL;
		if (len < 0 || len > INT32_MAX || (format == STORE_BODY_RAW && (size_t)len != n) ||
		    (format != STORE_BODY_RAW && format != STORE_BODY_LZ4) || n > INT32_MAX) {
			rc = err_set(e, MAMORI_EIO, "%s: read report %s: body: bad format",
				     db_kind_name(st->kind), report_id);
		} else if ((copy = malloc((size_t)len + 1)) == NULL) {
			rc = oom(st, "read report", e);
		} else if (format == STORE_BODY_LZ4 &&
			   LZ4_decompress_safe(p, copy, (int)n, (int)len) != (int)len) {
			free(copy);
			rc = err_set(e, MAMORI_EIO, "%s: read report %s: body: corrupt",
				     db_kind_name(st->kind), report_id);
		} else {
			if (format == STORE_BODY_RAW && n > 0)
				memcpy(copy, p, n);
			copy[len] = '\0';
			*body = copy;
			*len_out = (size_t)len;
			rc = 0;
		}
	}
	db_done(s);
out:
	store_reader_put(st, db);
	return rc;
}

static int read_status_counts(struct db *db, json_int_t counts[DS_COUNT], struct errbuf *e)
{
	struct db_stmt *s;
	int rc = db_prepare(db, &q_status_counts, &s, e);
	if (rc < 0)
		return rc;
	while ((rc = db_step(s, e)) == 1) {
		int k = store_dev_status_from_name(db_col_text(s, 0));
		if (k >= 0)
			counts[k] = db_col_int64(s, 1);
	}
	db_done(s);
	return rc < 0 ? rc : 0;
}

static int add_topic(json_t *topics, const char *topic, const json_int_t c[ST_COUNT])
{
	if (c[ST_PASS] == 0 && c[ST_FAIL] == 0 && c[ST_UNKNOWN] == 0 && c[ST_NOT_APPLICABLE] == 0)
		return 0; /* every device left it (revoked, or the check is gone) */
	return json_array_append_new(topics, json_pack("{s:o, s:I, s:I, s:I, s:I}", "topic",
						       jstr(topic), "pass", c[ST_PASS], "fail",
						       c[ST_FAIL], "unknown", c[ST_UNKNOWN],
						       "not_applicable", c[ST_NOT_APPLICABLE]));
}

int store_topic_summary(struct store *st, json_t **out, struct errbuf *e)
{
	struct db *db;
	int rc = store_reader(st, &db, e);
	if (rc < 0)
		return rc;
	json_t *topics = json_array(), *res = NULL;
	char *cur = NULL;
	json_int_t c[ST_COUNT] = {0};
	json_int_t dev[DS_COUNT] = {0};
	struct db_stmt *s;
	if (topics == NULL) {
		rc = oom(st, "read topic summary", e);
		goto out;
	}
	if ((rc = store_run(db, &q_read_begin, e)) < 0)
		goto out;
	if ((rc = db_prepare(db, &q_topic_counts, &s, e)) < 0)
		goto out;
	while ((rc = db_step(s, e)) == 1) {
		const char *topic = db_col_text(s, 0);
		if (cur == NULL || strcmp(cur, topic) != 0) {
			if (cur != NULL && add_topic(topics, cur, c) < 0) {
				rc = oom(st, "read topic summary", e);
				break;
			}
			free(cur);
			memset(c, 0, sizeof(c));
			if ((cur = xstrdup(topic)) == NULL) {
				rc = oom(st, "read topic summary", e);
				break;
			}
		}
		int k = store_status_from_name(db_col_text(s, 1));
		if (k >= 0)
			c[k] = db_col_int64(s, 2);
	}
	db_done(s);
	if (rc == 0 && cur != NULL && add_topic(topics, cur, c) < 0)
		rc = oom(st, "read topic summary", e);
	if (rc >= 0)
		rc = read_status_counts(db, dev, e);
	if (rc >= 0)
		rc = store_run(db, &q_read_end, e);
	if (rc < 0)
		goto out;
	res = json_pack("{s:O, s:I}", "topics", topics, "devices",
			dev[DS_PASS] + dev[DS_FAIL] + dev[DS_UNKNOWN]);
	if (res == NULL) {
		rc = oom(st, "read topic summary", e);
		goto out;
	}
	*out = res;
	rc = 0;
out:
	json_decref(topics);
	free(cur);
	store_reader_put(st, db);
	return rc;
}

int store_status_counts(struct store *st, json_t **out, struct errbuf *e)
{
	struct db *db;
	int rc = store_reader(st, &db, e);
	if (rc < 0)
		return rc;
	json_int_t c[DS_COUNT] = {0};
	rc = read_status_counts(db, c, e);
	store_reader_put(st, db);
	if (rc < 0)
		return rc;
	json_t *res =
	    json_pack("{s:I, s:I, s:I, s:I, s:I}", "pass", c[DS_PASS], "fail", c[DS_FAIL],
		      "unknown", c[DS_UNKNOWN], "none", c[DS_NONE], "revoked", c[DS_REVOKED]);
	if (res == NULL)
		return oom(st, "read status counts", e);
	*out = res;
	return 0;
}

/* One chunk of CSV rows, copied out of the connection. */
struct chunk {
	char *cells[EACH_CHUNK][C_COUNT];
	size_t n;
};

static void chunk_clear(struct chunk *c)
{
	for (size_t i = 0; i < c->n; i++)
		for (size_t k = 0; k < C_COUNT; k++)
			free(c->cells[i][k]);
	c->n = 0;
}

static char *cell(struct db_stmt *s, int col)
{
	if (db_col_null(s, col))
		return xstrdup("");
	char buf[32];
	switch (col) {
	case C_LAST_SEEN:
	case C_ENROLLED:
	case C_REVOKED:
		rfc3339(db_col_int64(s, col), buf);
		return xstrdup(buf);
	case C_PASS:
	case C_FAIL:
	case C_UNKNOWN:
	case C_NA:
	case C_PACKAGES:
	case C_UPDATES: {
		int n = snprintf(buf, sizeof(buf), "%" PRId64, db_col_int64(s, col));
		return n > 0 && (size_t)n < sizeof(buf) ? xstrdup(buf) : NULL;
	}
	default:
		return xstrdup(db_col_text(s, col));
	}
}

static int read_chunk(struct store *st, const char *host, const char *id, struct chunk *c,
		      struct errbuf *e)
{
	struct db *db;
	int rc = store_reader(st, &db, e);
	if (rc < 0)
		return rc;
	struct db_stmt *s;
	if (id == NULL) {
		if ((rc = db_prepare(db, &q_devices_first, &s, e)) < 0)
			goto out;
		db_bind_int64(s, 1, EACH_CHUNK);
	} else {
		if ((rc = db_prepare(db, &q_devices_after, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, host);
		db_bind_text(s, 2, id);
		db_bind_int64(s, 3, EACH_CHUNK);
	}
	while (c->n < EACH_CHUNK && (rc = db_step(s, e)) == 1) {
		char **row = c->cells[c->n++];
		for (int k = 0; k < C_COUNT; k++)
			row[k] = NULL;
		for (int k = 0; k < C_COUNT; k++) {
			if ((row[k] = cell(s, k)) == NULL) {
				rc = oom(st, "list devices", e);
				break;
			}
		}
		if (rc < 0)
			break;
	}
	db_done(s);
out:
	store_reader_put(st, db);
	return rc < 0 ? rc : 0;
}

int store_devices_each(struct store *st, store_row_fn row, void *ctx, struct errbuf *e)
{
	struct chunk *c = calloc(1, sizeof(*c));
	char *host = NULL, *id = NULL;
	int rc = 0;
	if (c == NULL)
		return oom(st, "list devices", e);
	for (;;) {
		if ((rc = read_chunk(st, host, id, c, e)) < 0)
			break;
		for (size_t i = 0; i < c->n && rc == 0; i++)
			rc = row(ctx, (const char *const *)c->cells[i], C_COUNT);
		if (rc != 0 || c->n < EACH_CHUNK)
			break;
		free(host);
		free(id);
		host = xstrdup(c->cells[c->n - 1][C_HOSTNAME]);
		id = xstrdup(c->cells[c->n - 1][C_ID]);
		chunk_clear(c);
		if (host == NULL || id == NULL) {
			rc = oom(st, "list devices", e);
			break;
		}
	}
	chunk_clear(c);
	free(c);
	free(host);
	free(id);
	return rc;
}
