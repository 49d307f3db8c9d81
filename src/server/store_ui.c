/* SPDX-License-Identifier: Apache-2.0 */
/* The dashboard's reads and writes: ledger pages filtered and sorted on the server (each
 * choice walks an index, keyset paging), failing devices per check, the per-check and
 * report-age counters, the daily trend rows, and the organization's risk register.
 * docs/internals/STORE.md, docs/server.md ("Dashboard API"). */
#include "server/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/loader.h"

#define MAX_LIMIT 1000
#define MAX_FAILING_CHECKS 32
/* Sorts after every stored text: the largest valid UTF-8 character (U+10FFFF). */
#define TEXT_MAX "\xf4\x8f\xbf\xbf"
#define BIG ((int64_t)1 << 62)

#define DEV STORE_DEV_COLS ", last_generated_at"
/* What the filters compare a device with: revoked and "none" (no report yet) are states of
 * their own. */
#define STATE                                                                                      \
	"CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN status IS NULL THEN 'none'"          \
	" ELSE status END"

/* The filters that do not drive the walk, as a column (1: the row matches): the rows a page
 * walks are bounded (SCAN_BUDGET), matching or not, so a rare combination costs the same
 * as a common one; the page then ends early with a `next` to go on from. */
#define MATCH_COND(st, stale, cut)                                                                 \
	"($" st " = '' OR $" st " = " STATE ") AND ($" stale " = 0 OR (revoked_at IS NULL AND"     \
	" last_generated_at < $" cut "))"
#define MATCH(st, stale, cut) ", CASE WHEN " MATCH_COND(st, stale, cut) " THEN 1 ELSE 0 END"
#define MATCH_Q(q, qhi, st, stale, cut)                                                            \
	", CASE WHEN hostname >= $" q " AND hostname < $" qhi                                      \
	" AND " MATCH_COND(st, stale, cut) " THEN 1 ELSE 0 END"
#define SCAN_BUDGET 5000

static const struct db_query q_dev_keys = {
    Q_UI_DEV_KEYS, "list devices",
    "SELECT hostname, n_fail, last_seen, last_generated_at, revoked_at FROM devices WHERE id = $1",
    NULL, 0};
static const struct db_query q_dev_host = {
    Q_UI_DEV_HOST, "list devices",
    "SELECT " DEV MATCH("5", "6",
			"7") " FROM devices WHERE (hostname, id) > ($1, $2)"
			     " AND hostname >= $3 AND hostname < $4 ORDER BY hostname, id LIMIT $8",
    NULL, 0};
static const struct db_query q_dev_host_status = {
    Q_UI_DEV_HOST_STATUS, "list devices",
    "SELECT " DEV ", CASE WHEN $6 = 0 OR last_generated_at < $7 THEN 1 ELSE 0 END"
    " FROM devices WHERE status = $1 AND revoked_at IS NULL AND (hostname, id) > ($2, $3)"
    " AND hostname >= $4 AND hostname < $5 ORDER BY hostname, id LIMIT $8",
    NULL, 0};
static const struct db_query q_dev_host_none = {
    Q_UI_DEV_HOST_NONE, "list devices",
    "SELECT " DEV ", 1 FROM devices WHERE status IS NULL AND revoked_at IS NULL"
    " AND (hostname, id) > ($1, $2) AND hostname >= $3 AND hostname < $4"
    " ORDER BY hostname, id LIMIT $5",
    NULL, 0};
static const struct db_query q_dev_host_revoked = {
    Q_UI_DEV_HOST_REVOKED, "list devices",
    "SELECT " DEV ", 1 FROM devices WHERE revoked_at IS NOT NULL AND (hostname, id) > ($1, $2)"
    " AND hostname >= $3 AND hostname < $4 ORDER BY hostname, id LIMIT $5",
    NULL, 0};
static const struct db_query q_dev_worst = {
    Q_UI_DEV_WORST, "list devices",
    "SELECT " DEV MATCH_Q(
	"3", "4", "5", "6",
	"7") " FROM devices WHERE revoked_at IS NULL"
	     " AND (n_fail, id) < ($1, $2) ORDER BY n_fail DESC, id DESC LIMIT $8",
    NULL, 0};
static const struct db_query q_dev_seen = {
    Q_UI_DEV_SEEN, "list devices",
    "SELECT " DEV MATCH_Q(
	"3", "4", "5", "6",
	"7") " FROM devices WHERE last_seen IS NOT NULL"
	     " AND (last_seen, id) < ($1, $2) ORDER BY last_seen DESC, id DESC LIMIT $8",
    NULL, 0};
static const struct db_query q_dev_seen_null = {
    Q_UI_DEV_SEEN_NULL, "list devices",
    "SELECT " DEV MATCH_Q("2", "3", "4", "5", "6") " FROM devices WHERE last_seen IS NULL"
						   " AND id < $1 ORDER BY id DESC LIMIT $7",
    NULL, 0};
static const struct db_query q_dev_stale = {
    Q_UI_DEV_STALE, "list devices",
    "SELECT " DEV ", CASE WHEN hostname >= $4 AND hostname < $5 AND ($6 = '' OR $6 = " STATE
    ") THEN 1 ELSE 0 END FROM devices WHERE revoked_at IS NULL AND last_generated_at < $3"
    " AND (last_generated_at, id) > ($1, $2) ORDER BY last_generated_at, id LIMIT $7",
    NULL, 0};
/* device_topics has no rows of revoked devices. */
static const struct db_query q_dev_topic = {
    Q_UI_DEV_TOPIC, "list devices",
    "SELECT " DEV MATCH_Q(
	"3", "4", "5", "6",
	"7") " FROM (SELECT device_id AS fid"
	     " FROM device_topics WHERE topic = $1 AND status = 'fail' AND device_id > $2) x"
	     " JOIN devices ON devices.id = x.fid ORDER BY x.fid LIMIT $8",
    NULL, 0};
static const struct db_query q_dev_check = {
    Q_UI_DEV_CHECK, "list devices",
    "SELECT " DEV ", x.fsince" MATCH_Q(
	"3", "4", "5", "6",
	"7") " FROM (SELECT device_id AS fid,"
	     " failing_since AS fsince FROM findings WHERE check_id = $1 AND status = 'fail'"
	     " AND device_id > $2) x JOIN devices ON devices.id = x.fid WHERE revoked_at IS NULL"
	     " ORDER BY x.fid LIMIT $8",
    NULL, 0};
static const struct db_query q_total_status = {
    Q_UI_TOTAL_STATUS, "count devices", "SELECT devices FROM status_counts WHERE status = $1", NULL,
    0};
static const struct db_query q_total_topic = {
    Q_UI_TOTAL_TOPIC, "count devices",
    "SELECT devices FROM topic_counts WHERE topic = $1 AND status = 'fail'", NULL, 0};
static const struct db_query q_total_check = {
    Q_UI_TOTAL_CHECK, "count devices",
    "SELECT devices FROM check_counts WHERE check_id = $1 AND status = 'fail'", NULL, 0};
static const struct db_query q_check_counts = {
    Q_UI_CHECK_COUNTS, "read check summary",
    "SELECT check_id, status, devices FROM check_counts WHERE devices <> 0"
    " ORDER BY check_id, status",
    NULL, 0};
static const struct db_query q_stale_hours = {
    Q_STALE_HOURS, "count stale devices",
    "SELECT COALESCE(SUM(devices), 0) FROM report_hours WHERE hour < $1", NULL, 0};
static const struct db_query q_stale_edge = {
    Q_STALE_EDGE, "count stale devices",
    "SELECT COUNT(*) FROM devices WHERE revoked_at IS NULL AND last_generated_at >= $1"
    " AND last_generated_at < $2",
    NULL, 0};
#define DAILY_SUM(s) "COALESCE(SUM(CASE WHEN status = '" s "' THEN devices ELSE 0 END), 0)"
static const struct db_query q_daily_upsert = {
    Q_DAILY_UPSERT, "update daily counts",
    "INSERT INTO fleet_daily (day, n_pass, n_fail, n_unknown, n_none, n_revoked, n_stale,"
    " updated_at) SELECT CAST($1 AS TEXT), " DAILY_SUM("pass") ", " DAILY_SUM(
	"fail") ", " DAILY_SUM("unknown") ", " DAILY_SUM("none") ", " DAILY_SUM("revoked") ","
											   " CAST($"
											   "2 AS "
											   "BIGINT)"
											   ", "
											   "CAST($"
											   "3 AS "
											   "BIGINT)"
											   " FROM "
											   "status_"
											   "counts "
											   "WHERE "
											   "true"
											   " ON "
											   "CONFLIC"
											   "T "
											   "(day) "
											   "DO "
											   "UPDATE "
											   "SET "
											   "n_pass "
											   "= "
											   "exclude"
											   "d.n_"
											   "pass, "
											   "n_fail "
											   "= "
											   "exclude"
											   "d.n_"
											   "fail,"
											   " n_"
											   "unknown"
											   " = "
											   "exclude"
											   "d.n_"
											   "unknown"
											   ", "
											   "n_none "
											   "= "
											   "exclude"
											   "d.n_"
											   "none,"
											   " n_"
											   "revoked"
											   " = "
											   "exclude"
											   "d.n_"
											   "revoked"
											   ", "
											   "n_"
											   "stale "
											   "= "
											   "exclude"
											   "d.n_"
											   "stale,"
											   " update"
											   "d_at = "
											   "exclude"
											   "d."
											   "updated"
											   "_at",
    NULL, 0};
#define DAILY_COLS "day, n_pass, n_fail, n_unknown, n_none, n_revoked, n_stale"
static const struct db_query q_trend = {
    Q_UI_TREND, "read trend", "SELECT " DAILY_COLS " FROM fleet_daily WHERE day >= $1 ORDER BY day",
    NULL, 0};
static const struct db_query q_trend_before = {
    Q_UI_TREND_BEFORE, "read trend",
    "SELECT " DAILY_COLS " FROM fleet_daily WHERE day < $1 ORDER BY day DESC LIMIT 1", NULL, 0};
#define REG_COLS                                                                                   \
	"control, state, confidentiality, integrity, availability, accountability, decision,"      \
	" deadline, owner, reason, updated_at, updated_by"
static const struct db_query q_reg_list = {
    Q_UI_REG_LIST, "read register", "SELECT " REG_COLS " FROM risk_register ORDER BY control", NULL,
    0};
static const struct db_query q_reg_get = {
    Q_UI_REG_GET, "read register", "SELECT " REG_COLS " FROM risk_register WHERE control = $1",
    NULL, 0};
static const struct db_query q_reg_put = {
    Q_UI_REG_PUT, "store register entry",
    "INSERT INTO risk_register (" REG_COLS ")"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    " ON CONFLICT (control) DO UPDATE SET state = excluded.state,"
    " confidentiality = excluded.confidentiality, integrity = excluded.integrity,"
    " availability = excluded.availability, accountability = excluded.accountability,"
    " decision = excluded.decision, deadline = excluded.deadline, owner = excluded.owner,"
    " reason = excluded.reason, updated_at = excluded.updated_at,"
    " updated_by = excluded.updated_by",
    NULL, 0};

static int oom(struct store *st, const char *what, struct errbuf *e)
{
	return err_set(e, MAMORI_ENOMEM, "%s: %s: out of memory", db_kind_name(st->kind), what);
}

static int check_limit(int limit, struct errbuf *e)
{
	if (limit < 1 || limit > MAX_LIMIT)
		return err_set(e, MAMORI_EINVAL, "limit: not in [1, %d]", MAX_LIMIT);
	return 0;
}

/* One value from a query that returns one row of one number (0 when it returns none). */
static int one_int(struct db *db, const struct db_query *q, const char *a, int64_t *out,
		   struct errbuf *e)
{
	struct db_stmt *s;
	int rc = db_prepare(db, q, &s, e);
	if (rc < 0)
		return rc;
	if (a != NULL)
		db_bind_text(s, 1, a);
	rc = db_step(s, e);
	*out = rc == 1 && !db_col_null(s, 0) ? db_col_int64(s, 0) : 0;
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_stale_count(struct db *db, int64_t now, int64_t max_age, int64_t *out, struct errbuf *e)
{
	int64_t cut = now - max_age, hour = cut >= 0 ? cut / 3600 : 0, whole = 0, edge = 0;
	struct db_stmt *s;
	int rc = db_prepare(db, &q_stale_hours, &s, e);
	if (rc < 0)
		return rc;
	db_bind_int64(s, 1, hour);
	rc = db_step(s, e);
	whole = rc == 1 ? db_col_int64(s, 0) : 0;
	db_done(s);
	if (rc < 0)
		return rc;
	/* The hour the cut falls in: its devices one by one, through the age index. */
	if ((rc = db_prepare(db, &q_stale_edge, &s, e)) < 0)
		return rc;
	db_bind_int64(s, 1, hour * 3600);
	db_bind_int64(s, 2, cut);
	rc = db_step(s, e);
	edge = rc == 1 ? db_col_int64(s, 0) : 0;
	db_done(s);
	if (rc < 0)
		return rc;
	*out = whole + edge;
	return 0;
}

static void utc_day(int64_t t, char out[11])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 11, "1970-01-01");
}

int store_daily_upsert(struct store *st, struct db *db, int64_t now, struct errbuf *e)
{
	int64_t stale;
	int rc = store_stale_count(db, now, st->max_report_age, &stale, e);
	if (rc < 0)
		return rc;
	char day[11];
	utc_day(now, day);
	struct db_stmt *s;
	if ((rc = db_prepare(db, &q_daily_upsert, &s, e)) < 0)
		return rc;
	db_bind_text(s, 1, day);
	db_bind_int64(s, 2, stale);
	db_bind_int64(s, 3, now);
	rc = db_step(s, e);
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* ---- ledger pages ---- */

/* Which query drives a page. */
enum driver {
	DR_HOST,
	DR_HOST_STATUS,
	DR_HOST_NONE,
	DR_HOST_REVOKED,
	DR_WORST,
	DR_SEEN,
	DR_STALE,
	DR_TOPIC,
	DR_CHECK
};

static const char *const order_names[] = {[DR_HOST] = "hostname",
					  [DR_HOST_STATUS] = "hostname",
					  [DR_HOST_NONE] = "hostname",
					  [DR_HOST_REVOKED] = "hostname",
					  [DR_WORST] = "worst",
					  [DR_SEEN] = "last_seen",
					  [DR_STALE] = "stale",
					  [DR_TOPIC] = "id",
					  [DR_CHECK] = "id"};

static enum driver pick_driver(const struct store_device_filter *f)
{
	const char *st = f->status;
	if (f->check)
		return DR_CHECK;
	if (f->topic)
		return DR_TOPIC;
	if (st && strcmp(st, "revoked") == 0)
		return DR_HOST_REVOKED;
	if (st && strcmp(st, "none") == 0)
		return DR_HOST_NONE;
	if (f->stale)
		return DR_STALE;
	if (f->sort == STORE_SORT_WORST)
		return DR_WORST;
	if (f->sort == STORE_SORT_LAST_SEEN)
		return DR_SEEN;
	return st ? DR_HOST_STATUS : DR_HOST;
}

/* The keys of the `after` device, for the keyset conditions. */
struct keys {
	char *hostname;
	int64_t n_fail, last_seen, last_generated_at;
	bool seen_null, generated_null;
};

static int read_keys(struct store *st, struct db *db, const char *id, struct keys *k,
		     struct errbuf *e)
{
	struct db_stmt *s;
	int rc = db_prepare(db, &q_dev_keys, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, id);
	rc = db_step(s, e);
	if (rc == 1) {
		k->hostname = xstrdup(db_col_text(s, 0));
		k->n_fail = db_col_int64(s, 1);
		k->seen_null = db_col_null(s, 2);
		k->last_seen = db_col_int64(s, 2);
		k->generated_null = db_col_null(s, 3);
		k->last_generated_at = db_col_int64(s, 3);
		if (k->hostname == NULL)
			rc = oom(st, "list devices", e);
	}
	db_done(s);
	if (rc == 0)
		return err_set(e, STORE_NOT_FOUND, "%s: list devices: no device %s",
			       db_kind_name(st->kind), id);
	return rc < 0 ? rc : 0;
}

/* A page being filled: at most want devices; the id to go on from. */
struct page {
	json_t *list;
	int want, got;
	bool more;    /* there is more to see after `next` */
	bool partial; /* the walk stopped at its budget, not at a full page */
	char next[STORE_MAX_ID + 1];
};

/* Steps s (at most `cap` rows: its LIMIT), adding the rows whose match column (the last, at
 * match_col) is 1. Each device gets last_report_at (the column after the device's: when its
 * latest report was made) and extra, the next column, named (a time), unless NULL. A page
 * ends at `want` devices (`next`: the last one) or when the walk has used its `cap` rows
 * (`next`: the last row walked, matching or not). */
static int collect(struct store *st, struct db_stmt *s, struct page *pg, int64_t cap, int match_col,
		   const char *extra, struct errbuf *e)
{
	int rc;
	int64_t walked = 0;
	char last[STORE_MAX_ID + 1] = "";
	while ((rc = db_step(s, e)) == 1) {
		walked++;
		snprintf(last, sizeof last, "%s", db_col_text(s, 0));
		if (db_col_int64(s, match_col) != 1)
			continue;
		if (pg->got == pg->want) {
			pg->more = true;
			break;
		}
		json_t *d = store_device_json(s);
		if (d != NULL &&
		    (json_object_set_new(d, "last_report_at", store_jtime(s, STORE_DEV_NCOLS)) <
			 0 ||
		     (extra != NULL &&
		      json_object_set_new(d, extra, store_jtime(s, STORE_DEV_NCOLS + 1)) < 0))) {
			json_decref(d);
			d = NULL;
		}
		if (d == NULL || json_array_append_new(pg->list, d) < 0)
			return oom(st, "list devices", e);
		pg->got++;
		snprintf(pg->next, sizeof pg->next, "%s", last);
	}
	if (rc < 0)
		return rc;
	if (!pg->more && walked == cap) {
		/* The walk is spent with rows left: go on from the last row walked (those after the
		 * last shown did not match). */
		pg->more = true;
		pg->partial = pg->got < pg->want;
		snprintf(pg->next, sizeof pg->next, "%s", last);
	}
	return 0;
}

/* Binds the residual filters at $first .. $first+4. */
static void bind_residual(struct db_stmt *s, int first, const struct store_device_filter *f,
			  const char *qhi, int64_t cut)
{
	db_bind_text(s, first, f->q ? f->q : "");
	db_bind_text(s, first + 1, qhi);
	db_bind_text(s, first + 2, f->status ? f->status : "");
	db_bind_int64(s, first + 3, f->stale ? 1 : 0);
	db_bind_int64(s, first + 4, cut);
}

/* The total for the page's one filter, when a counter has it. */
static int page_total(struct store *st, struct db *db, const struct store_device_filter *f,
		      json_t **out, struct errbuf *e)
{
	int filters = (f->status != NULL) + (f->topic != NULL) + (f->check != NULL) +
		      (f->q != NULL && f->q[0] != '\0') + f->stale;
	int64_t n = 0;
	int rc = 0;
	*out = NULL;
	if (filters > 1)
		return 0;
	if (f->status)
		rc = one_int(db, &q_total_status, f->status, &n, e);
	else if (f->topic)
		rc = one_int(db, &q_total_topic, f->topic, &n, e);
	else if (f->check)
		rc = one_int(db, &q_total_check, f->check, &n, e);
	else if (f->stale)
		rc = store_stale_count(db, f->now, st->max_report_age, &n, e);
	else if (filters == 0) {
		int64_t v;
		for (int i = 0; i < DS_COUNT && rc == 0; i++) {
			rc = one_int(db, &q_total_status, store_dev_status_names[i], &v, e);
			n += v;
		}
	} else
		return 0; /* a host name prefix alone: no counter */
	if (rc < 0)
		return rc;
	if ((*out = json_integer(n)) == NULL)
		return oom(st, "list devices", e);
	return 0;
}

static int check_filter(const struct store_device_filter *f, struct errbuf *e)
{
	static const char *const states[] = {"pass", "fail", "unknown", "none", "revoked", NULL};
	int rc;
	if ((rc = check_limit(f->limit, e)) < 0)
		return rc;
	if (f->status && !in_list(f->status, states))
		return err_set(e, MAMORI_EINVAL,
			       "status: expected pass, fail, unknown, none or revoked");
	if ((rc = store_check_text("after", f->after, STORE_MAX_ID, true, e)) < 0 ||
	    (rc = store_check_text("topic", f->topic, STORE_MAX_NAME, true, e)) < 0 ||
	    (rc = store_check_text("check", f->check, STORE_MAX_NAME, true, e)) < 0 ||
	    (rc = store_check_text("q", f->q, STORE_MAX_NAME, true, e)) < 0)
		return rc;
	return 0;
}

/* Whether filters other than the driving one are evaluated along the walk. */
static bool residual(enum driver dr, const struct store_device_filter *f)
{
	bool q = f->q != NULL && f->q[0] != '\0', st = f->status != NULL;
	switch (dr) {
	case DR_HOST:
		return st || f->stale;
	case DR_HOST_STATUS:
		return f->stale;
	case DR_HOST_NONE:
	case DR_HOST_REVOKED:
		return false;
	case DR_STALE:
		return q || st;
	default:
		return q || st || f->stale;
	}
}

int store_devices_query(struct store *st, const struct store_device_filter *f, json_t **out,
			struct errbuf *e)
{
	int rc = check_filter(f, e);
	if (rc < 0)
		return rc;
	struct db *db;
	if ((rc = store_reader(st, &db, e)) < 0)
		return rc;
	struct page pg = {.list = json_array(), .want = f->limit};
	json_t *total = NULL, *res = NULL;
	struct keys k = {0};
	char qhi[STORE_MAX_NAME + 8];
	const char *q = f->q ? f->q : "";
	enum driver dr = pick_driver(f);
	int64_t cut = f->now - st->max_report_age;
	/* Without other filters every row walked is shown: the page's own size is enough. */
	int64_t cap =
	    residual(dr, f) ? (f->budget > 0 ? f->budget : SCAN_BUDGET) + f->limit : f->limit + 1;
	int match = STORE_DEV_NCOLS + (dr == DR_CHECK ? 2 : 1);
	struct db_stmt *s = NULL;
	snprintf(qhi, sizeof qhi, "%s" TEXT_MAX, q);
	if (pg.list == NULL) {
		rc = oom(st, "list devices", e);
		goto out;
	}
	if ((rc = store_run(db, &store_q_read_begin, e)) < 0)
		goto out;
	bool keyed = f->after != NULL && dr != DR_TOPIC && dr != DR_CHECK;
	if (keyed && (rc = read_keys(st, db, f->after, &k, e)) != 0)
		goto out;
	const char *after = f->after ? f->after : "";
	/* A stale page after a device whose report has gone: nothing more. Revoked devices and
	 * devices without a report are never stale. */
	if ((dr == DR_STALE && keyed && k.generated_null) ||
	    ((dr == DR_HOST_NONE || dr == DR_HOST_REVOKED) && f->stale))
		goto done;
	switch (dr) {
	case DR_HOST:
		if ((rc = db_prepare(db, &q_dev_host, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, keyed ? k.hostname : "");
		db_bind_text(s, 2, after);
		bind_residual(s, 3, f, qhi, cut);
		db_bind_int64(s, 8, cap);
		break;
	case DR_HOST_STATUS:
		if ((rc = db_prepare(db, &q_dev_host_status, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, f->status);
		db_bind_text(s, 2, keyed ? k.hostname : "");
		db_bind_text(s, 3, after);
		db_bind_text(s, 4, q);
		db_bind_text(s, 5, qhi);
		db_bind_int64(s, 6, f->stale ? 1 : 0);
		db_bind_int64(s, 7, cut);
		db_bind_int64(s, 8, cap);
		break;
	case DR_HOST_NONE:
	case DR_HOST_REVOKED:
		if ((rc =
			 db_prepare(db, dr == DR_HOST_NONE ? &q_dev_host_none : &q_dev_host_revoked,
				    &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, keyed ? k.hostname : "");
		db_bind_text(s, 2, after);
		db_bind_text(s, 3, q);
		db_bind_text(s, 4, qhi);
		db_bind_int64(s, 5, cap);
		break;
	case DR_WORST:
		if ((rc = db_prepare(db, &q_dev_worst, &s, e)) < 0)
			goto out;
		db_bind_int64(s, 1, keyed ? k.n_fail : BIG);
		db_bind_text(s, 2, keyed ? after : TEXT_MAX);
		bind_residual(s, 3, f, qhi, cut);
		db_bind_int64(s, 8, cap);
		break;
	case DR_SEEN:
		/* Newest first; devices never seen come last, by id. */
		if (!keyed || !k.seen_null) {
			if ((rc = db_prepare(db, &q_dev_seen, &s, e)) < 0)
				goto out;
			db_bind_int64(s, 1, keyed ? k.last_seen : BIG);
			db_bind_text(s, 2, keyed ? after : TEXT_MAX);
			bind_residual(s, 3, f, qhi, cut);
			db_bind_int64(s, 8, cap);
			rc = collect(st, s, &pg, cap, match, NULL, e);
			db_done(s);
			s = NULL;
			if (rc < 0 || pg.more)
				goto counted;
		}
		if ((rc = db_prepare(db, &q_dev_seen_null, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, keyed && k.seen_null ? after : TEXT_MAX);
		bind_residual(s, 2, f, qhi, cut);
		db_bind_int64(s, 7, cap);
		break;
	case DR_STALE:
		if ((rc = db_prepare(db, &q_dev_stale, &s, e)) < 0)
			goto out;
		db_bind_int64(s, 1, keyed ? k.last_generated_at : -BIG);
		db_bind_text(s, 2, after);
		db_bind_int64(s, 3, cut);
		db_bind_text(s, 4, q);
		db_bind_text(s, 5, qhi);
		db_bind_text(s, 6, f->status ? f->status : "");
		db_bind_int64(s, 7, cap);
		break;
	case DR_TOPIC:
	case DR_CHECK:
		if ((rc = db_prepare(db, dr == DR_TOPIC ? &q_dev_topic : &q_dev_check, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, dr == DR_TOPIC ? f->topic : f->check);
		db_bind_text(s, 2, after);
		bind_residual(s, 3, f, qhi, cut);
		db_bind_int64(s, 8, cap);
		break;
	}
	rc = collect(st, s, &pg, cap, match, dr == DR_CHECK ? "failing_since" : NULL, e);
	db_done(s);
	s = NULL;
counted:
	if (rc < 0)
		goto out;
done:
	if ((rc = page_total(st, db, f, &total, e)) < 0)
		goto out;
	if ((rc = store_run(db, &store_q_read_end, e)) < 0)
		goto out;
	res =
	    json_pack("{s:O, s:o, s:o, s:s, s:b}", "devices", pg.list, "next",
		      pg.more ? json_string(pg.next) : json_null(), "total",
		      total ? total : json_null(), "order", order_names[dr], "partial", pg.partial);
	total = NULL;
	if (res == NULL) {
		rc = oom(st, "list devices", e);
		goto out;
	}
	*out = res;
	rc = 0;
out:
	json_decref(pg.list);
	json_decref(total);
	free(k.hostname);
	store_reader_put(st, db);
	return rc;
}

/* ---- devices failing checks ---- */

/* One failing (device, check) row. */
struct failing_row {
	char id[STORE_MAX_ID + 1];
	size_t check; /* index into the caller's checks */
	json_t *device;
	json_t *since;
};

static int cmp_row(const void *a, const void *b)
{
	const struct failing_row *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c != 0 ? c : (x->check > y->check) - (x->check < y->check);
}

int store_devices_failing(struct store *st, const char *const *checks, size_t n, const char *after,
			  int limit, json_t **out, struct errbuf *e)
{
	int rc;
	if (n < 1 || n > MAX_FAILING_CHECKS)
		return err_set(e, MAMORI_EINVAL, "checks: 1 to %d", MAX_FAILING_CHECKS);
	if ((rc = check_limit(limit, e)) < 0 ||
	    (rc = store_check_text("after", after, STORE_MAX_ID, true, e)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if ((rc = store_check_text("check", checks[i], STORE_MAX_NAME, false, e)) < 0)
			return rc;
	/* Each check's failing devices come by id: the first limit + 1 of each, sorted together,
	 * hold the first limit + 1 devices of the union. */
	size_t cap = n * (size_t)(limit + 1), nrows = 0;
	struct failing_row *rows = calloc(cap, sizeof(*rows));
	json_t *list = json_array(), *res = NULL, *next = NULL;
	struct db *db = NULL;
	if (rows == NULL || list == NULL) {
		rc = oom(st, "list failing devices", e);
		goto out;
	}
	if ((rc = store_reader(st, &db, e)) < 0) {
		db = NULL;
		goto out;
	}
	if ((rc = store_run(db, &store_q_read_begin, e)) < 0)
		goto out;
	for (size_t c = 0; c < n; c++) {
		struct db_stmt *s;
		if ((rc = db_prepare(db, &q_dev_check, &s, e)) < 0)
			goto out;
		struct store_device_filter none = {0};
		db_bind_text(s, 1, checks[c]);
		db_bind_text(s, 2, after ? after : "");
		bind_residual(s, 3, &none, TEXT_MAX, 0);
		db_bind_int64(s, 8, limit + 1);
		while ((rc = db_step(s, e)) == 1 && nrows < cap) {
			struct failing_row *r = &rows[nrows++];
			snprintf(r->id, sizeof r->id, "%s", db_col_text(s, 0));
			r->check = c;
			r->device = store_device_json(s);
			r->since = store_jtime(s, STORE_DEV_NCOLS + 1);
			if (r->device == NULL || r->since == NULL ||
			    json_object_set_new(r->device, "last_report_at",
						store_jtime(s, STORE_DEV_NCOLS)) < 0) {
				rc = oom(st, "list failing devices", e);
				break;
			}
		}
		db_done(s);
		if (rc < 0)
			goto out;
	}
	if ((rc = store_run(db, &store_q_read_end, e)) < 0)
		goto out;
	if (nrows > 0)
		qsort(rows, nrows, sizeof(*rows), cmp_row);
	/* One device per id, with every check it fails. */
	for (size_t i = 0; i < nrows;) {
		size_t k = i;
		json_t *failing = json_array();
		for (; failing != NULL && k < nrows && strcmp(rows[k].id, rows[i].id) == 0; k++)
			if (json_array_append_new(failing, json_pack("{s:s, s:O}", "check",
								     checks[rows[k].check], "since",
								     rows[k].since)) < 0) {
				json_decref(failing);
				failing = NULL;
			}
		if (json_array_size(list) == (size_t)limit) {
			json_decref(failing);
			next = json_string(json_string_value(
			    json_object_get(json_array_get(list, (size_t)limit - 1), "id")));
			break;
		}
		if (failing == NULL ||
		    json_object_set_new(rows[i].device, "failing", failing) < 0 ||
		    json_array_append(list, rows[i].device) < 0) {
			rc = oom(st, "list failing devices", e);
			goto out;
		}
		i = k;
	}
	res = json_pack("{s:O, s:o}", "devices", list, "next", next ? next : json_null());
	next = NULL;
	if (res == NULL) {
		rc = oom(st, "list failing devices", e);
		goto out;
	}
	*out = res;
	rc = 0;
out:
	for (size_t i = 0; rows != NULL && i < nrows; i++) {
		json_decref(rows[i].device);
		json_decref(rows[i].since);
	}
	free(rows);
	json_decref(list);
	json_decref(next);
	store_reader_put(st, db);
	return rc;
}

/* ---- counters and trend ---- */

int store_check_counts(struct store *st, json_t **out, struct errbuf *e)
{
	struct db *db;
	int rc = store_reader(st, &db, e);
	if (rc < 0)
		return rc;
	json_t *res = json_object();
	struct db_stmt *s;
	if (res == NULL) {
		rc = oom(st, "read check summary", e);
		goto out;
	}
	if ((rc = db_prepare(db, &q_check_counts, &s, e)) < 0)
		goto out;
	while ((rc = db_step(s, e)) == 1) {
		const char *check = db_col_text(s, 0);
		json_t *c = json_object_get(res, check);
		if (c == NULL) {
			c = json_pack("{s:I, s:I, s:I, s:I, s:I}", "pass", (json_int_t)0, "fail",
				      (json_int_t)0, "unknown", (json_int_t)0, "not_applicable",
				      (json_int_t)0, "disabled", (json_int_t)0);
			if (c == NULL || json_object_set_new(res, check, c) < 0) {
				rc = oom(st, "read check summary", e);
				break;
			}
		}
		int k = store_status_from_name(db_col_text(s, 1));
		if (k >= 0 && json_object_set_new(c, store_status_names[k],
						  json_integer(db_col_int64(s, 2))) < 0) {
			rc = oom(st, "read check summary", e);
			break;
		}
	}
	db_done(s);
	if (rc < 0)
		goto out;
	*out = res;
	res = NULL;
	rc = 0;
out:
	json_decref(res);
	store_reader_put(st, db);
	return rc;
}

int store_fleet_counts(struct store *st, int64_t now, int64_t max_age, json_t **out,
		       struct errbuf *e)
{
	struct db *db;
	int rc = store_reader(st, &db, e);
	if (rc < 0)
		return rc;
	int64_t c[DS_COUNT] = {0}, stale = 0, total = 0;
	for (int i = 0; i < DS_COUNT && rc == 0; i++) {
		rc = one_int(db, &q_total_status, store_dev_status_names[i], &c[i], e);
		total += c[i];
	}
	if (rc == 0)
		rc = store_stale_count(db, now, max_age, &stale, e);
	store_reader_put(st, db);
	if (rc < 0)
		return rc;
	json_t *res =
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "pass", (json_int_t)c[DS_PASS], "fail",
		      (json_int_t)c[DS_FAIL], "unknown", (json_int_t)c[DS_UNKNOWN], "none",
		      (json_int_t)c[DS_NONE], "revoked", (json_int_t)c[DS_REVOKED], "stale",
		      (json_int_t)stale, "total", (json_int_t)total);
	if (res == NULL)
		return oom(st, "count devices", e);
	*out = res;
	return 0;
}

static json_t *daily_json(struct db_stmt *s)
{
	return json_pack(
	    "{s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "day", store_jstr(db_col_text(s, 0)), "pass",
	    (json_int_t)db_col_int64(s, 1), "fail", (json_int_t)db_col_int64(s, 2), "unknown",
	    (json_int_t)db_col_int64(s, 3), "none", (json_int_t)db_col_int64(s, 4), "revoked",
	    (json_int_t)db_col_int64(s, 5), "stale", (json_int_t)db_col_int64(s, 6));
}

int store_trend(struct store *st, const char *from, json_t **out, struct errbuf *e)
{
	int rc = store_check_text("from", from, 16, false, e);
	if (rc < 0)
		return rc;
	struct db *db;
	if ((rc = store_reader(st, &db, e)) < 0)
		return rc;
	json_t *days = json_array(), *before = NULL, *res = NULL;
	struct db_stmt *s;
	if (days == NULL) {
		rc = oom(st, "read trend", e);
		goto out;
	}
	if ((rc = db_prepare(db, &q_trend, &s, e)) < 0)
		goto out;
	db_bind_text(s, 1, from);
	while ((rc = db_step(s, e)) == 1)
		if (json_array_append_new(days, daily_json(s)) < 0) {
			rc = oom(st, "read trend", e);
			break;
		}
	db_done(s);
	if (rc < 0)
		goto out;
	if ((rc = db_prepare(db, &q_trend_before, &s, e)) < 0)
		goto out;
	db_bind_text(s, 1, from);
	rc = db_step(s, e);
	if (rc == 1 && (before = daily_json(s)) == NULL)
		rc = oom(st, "read trend", e);
	db_done(s);
	if (rc < 0)
		goto out;
	res = json_pack("{s:O, s:o}", "days", days, "before", before ? before : json_null());
	before = NULL;
	if (res == NULL) {
		rc = oom(st, "read trend", e);
		goto out;
	}
	*out = res;
	rc = 0;
out:
	json_decref(days);
	json_decref(before);
	store_reader_put(st, db);
	return rc;
}

/* ---- the risk register ---- */

static const char *const axis_keys[4] = {"confidentiality", "integrity", "availability",
					 "accountability"};

static json_t *register_json(struct db_stmt *s)
{
	json_t *impact = json_object();
	for (int i = 0; impact != NULL && i < 4; i++)
		if (!db_col_null(s, 2 + i) &&
		    json_object_set_new(impact, axis_keys[i], store_jstr(db_col_text(s, 2 + i))) <
			0) {
			json_decref(impact);
			impact = NULL;
		}
	if (impact == NULL)
		return NULL;
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "control",
			 store_jstr(db_col_text(s, 0)), "state", store_jstr(db_col_text(s, 1)),
			 "impact", impact, "decision", store_jstr(db_col_text(s, 6)), "deadline",
			 store_jstr(db_col_text(s, 7)), "owner", store_jstr(db_col_text(s, 8)),
			 "reason", store_jstr(db_col_text(s, 9)), "updated_at", store_jtime(s, 10),
			 "updated_by", store_jstr(db_col_text(s, 11)));
}

static int register_read_rows(struct store *st, const char *control, json_t **out, struct errbuf *e)
{
	struct db *db;
	int rc = store_reader(st, &db, e);
	if (rc < 0)
		return rc;
	json_t *list = json_array();
	struct db_stmt *s;
	if (list == NULL) {
		rc = oom(st, "read register", e);
		goto out;
	}
	if ((rc = db_prepare(db, control ? &q_reg_get : &q_reg_list, &s, e)) < 0)
		goto out;
	if (control)
		db_bind_text(s, 1, control);
	while ((rc = db_step(s, e)) == 1)
		if (json_array_append_new(list, register_json(s)) < 0) {
			rc = oom(st, "read register", e);
			break;
		}
	db_done(s);
	if (rc < 0)
		goto out;
	*out = list;
	list = NULL;
	rc = 0;
out:
	json_decref(list);
	store_reader_put(st, db);
	return rc;
}

int store_register_list(struct store *st, json_t **out, struct errbuf *e)
{
	json_t *list;
	int rc = register_read_rows(st, NULL, &list, e);
	if (rc < 0)
		return rc;
	json_t *res = json_pack("{s:o}", "entries", list);
	if (res == NULL)
		return oom(st, "read register", e);
	*out = res;
	return 0;
}

int store_register_get(struct store *st, const char *control, json_t **out, struct errbuf *e)
{
	int rc = store_check_text("control", control, STORE_MAX_NAME, false, e);
	json_t *list;
	if (rc < 0 || (rc = register_read_rows(st, control, &list, e)) < 0)
		return rc;
	if (json_array_size(list) == 0) {
		json_decref(list);
		return err_set(e, STORE_NOT_FOUND, "%s: register: no entry for %s",
			       db_kind_name(st->kind), control);
	}
	*out = json_incref(json_array_get(list, 0));
	json_decref(list);
	return 0;
}

static int register_put_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	(void)st;
	const struct store_register_entry *en = j->arg;
	struct db_stmt *s;
	int rc = db_prepare(db, &q_reg_put, &s, e);
	if (rc < 0)
		return rc;
	const char *texts[] = {en->control,   en->state,     en->impact[0], en->impact[1],
			       en->impact[2], en->impact[3], en->decision,  en->deadline,
			       en->owner,     en->reason};
	for (int i = 0; i < 10; i++)
		db_bind_text(s, i + 1, texts[i] && texts[i][0] ? texts[i] : NULL);
	db_bind_int64(s, 11, en->now);
	db_bind_text(s, 12, en->updated_by);
	rc = db_step(s, e);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_register_put(struct store *st, const struct store_register_entry *en,
		       const struct store_audit_in *a, struct errbuf *e)
{
	const char *texts[] = {en->state,     en->impact[0], en->impact[1],
			       en->impact[2], en->impact[3], en->decision,
			       en->deadline,  en->owner,     en->reason};
	int rc;
	if ((rc = store_check_text("control", en->control, STORE_MAX_NAME, false, e)) < 0 ||
	    (rc = store_check_text("updated by", en->updated_by, STORE_MAX_ACTOR, true, e)) < 0 ||
	    (a != NULL && (rc = store_audit_check(a, e)) < 0))
		return rc;
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if ((rc = store_check_text("register entry", texts[i], STORE_MAX_TEXT, true, e)) <
		    0)
			return rc;
	struct store_job j = {.run = register_put_run, .key = "", .arg = en, .audit = a};
	return store_submit(st, &j, e);
}
