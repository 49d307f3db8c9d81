/* SPDX-License-Identifier: Apache-2.0 */
/* The store: opening, schema migrations, connection pool, the group-commit queue, and the
 * small writes (tokens, enrollment, certificates, revocation). docs/internals/STORE.md. */
#include "server/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Jobs per transaction: bounds how long one caller waits for the others. */
#define MAX_BATCH 256
/* A job that hit a lock timeout or deadlock is tried this many times more. */
#define MAX_RETRIES 3
#define MAX_READERS 64
/* pg_advisory_xact_lock key for migrations: "mamo" in ASCII. */
#define MIGRATION_LOCK "1835101551"
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

const char *const store_dev_status_names[DS_COUNT] = {"pass", "fail", "unknown", "none", "revoked"};
const char *const store_status_names[ST_COUNT] = {"pass", "fail", "unknown", "not_applicable",
						  "disabled"};

int store_status_from_name(const char *s)
{
	for (int i = 0; s != NULL && i < ST_COUNT; i++)
		if (strcmp(s, store_status_names[i]) == 0)
			return i;
	return -1;
}

int store_dev_status_from_name(const char *s)
{
	for (int i = 0; s != NULL && i < DS_COUNT; i++)
		if (strcmp(s, store_dev_status_names[i]) == 0)
			return i;
	return -1;
}

/* Length of the UTF-8 sequence at s, or 0 when it is malformed (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
size_t store_utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned min;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	unsigned cp = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int store_check_text(const char *field, const char *s, size_t max, bool may_be_null,
		     struct errbuf *e)
{
	if (s == NULL) {
		if (may_be_null)
			return 0;
		return err_set(e, MAMORI_EINVAL, "%s: missing", field);
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (p[i] != '\0') {
		if (i >= max)
			return err_set(e, MAMORI_ETOOBIG, "%s: longer than %zu bytes", field, max);
		size_t n = store_utf8_seq(p + i);
		if (n == 0)
			return err_set(e, MAMORI_EINVAL, "%s: not UTF-8 at byte %zu", field, i);
		i += n;
	}
	return 0;
}

/* ---- JSON lists for bulk statements ---- */

void store_jl_init(struct store_jlist *l)
{
	buf_init(&l->b, STORE_MAX_JSON);
	l->n = 0;
}

int store_jl_item(struct store_jlist *l, bool tuple)
{
	const char *sep = l->n == 0 ? (tuple ? "[[" : "[") : (tuple ? ",[" : ",");
	l->n++;
	return buf_adds(&l->b, sep);
}

int store_jl_end_item(struct store_jlist *l, bool tuple)
{
	return tuple ? buf_add(&l->b, "]", 1) : 0;
}

int store_jl_finish(struct store_jlist *l)
{
	return buf_adds(&l->b, l->n == 0 ? "[]" : "]");
}

int store_jl_int(struct store_jlist *l, long long v)
{
	return buf_printf(&l->b, ",%lld", v);
}

int store_jl_str(struct store_jlist *l, const char *s, bool first)
{
	static const char hex[] = "0123456789abcdef";
	int rc = buf_adds(&l->b, first ? "\"" : ",\"");
	const char *run = s;
	for (const char *p = s; rc == 0 && *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (p > run && (rc = buf_add(&l->b, run, (size_t)(p - run))) != 0)
			break;
		char esc[6] = {'\\', (char)c, '0', '0', hex[c >> 4], hex[c & 15]};
		if (c < 0x20) {
			esc[1] = 'u';
			rc = buf_add(&l->b, esc, 6);
		} else {
			rc = buf_add(&l->b, esc, 2);
		}
		run = p + 1;
	}
	if (rc == 0)
		rc = buf_adds(&l->b, run);
	if (rc == 0)
		rc = buf_add(&l->b, "\"", 1);
	return rc;
}

/* ---- summary deltas ---- */

int store_delta_add(struct store_deltas *d, const char *topic, int status, int n)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		struct store_delta *v = realloc(d->v, cap * sizeof(*v));
		if (v == NULL)
			return MAMORI_ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	char *t = NULL;
	if (topic != NULL && (t = xstrdup(topic)) == NULL)
		return MAMORI_ENOMEM;
	d->v[d->n++] = (struct store_delta){.kind = topic != NULL ? DELTA_TOPIC : DELTA_STATUS,
					    .topic = t,
					    .status = status,
					    .n = n};
	return 0;
}

int store_delta_add_check(struct store_deltas *d, const char *check, int status, int n)
{
	int rc = store_delta_add(d, check, status, n);
	if (rc == 0)
		d->v[d->n - 1].kind = DELTA_CHECK;
	return rc;
}

int store_delta_add_hour(struct store_deltas *d, int64_t last_generated_at, int n)
{
	int rc = store_delta_add(d, NULL, 0, n);
	if (rc == 0) {
		d->v[d->n - 1].kind = DELTA_HOUR;
		d->v[d->n - 1].hour = last_generated_at / 3600;
	}
	return rc;
}

void store_deltas_free(struct store_deltas *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].topic);
	free(d->v);
	*d = (struct store_deltas){0};
}

static int delta_copy(struct store_deltas *d, const struct store_delta *x)
{
	int rc = store_delta_add(d, x->topic, x->status, x->n);
	if (rc == 0) {
		d->v[d->n - 1].kind = x->kind;
		d->v[d->n - 1].hour = x->hour;
	}
	return rc;
}

/* Topic rows first, by (topic, status); then check rows, hour rows, and the status rows. */
static int delta_cmp(const void *a, const void *b)
{
	const struct store_delta *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->topic != NULL && y->topic != NULL) {
		int c = strcmp(x->topic, y->topic);
		if (c != 0)
			return c;
	}
	if (x->hour != y->hour)
		return x->hour < y->hour ? -1 : 1;
	return (x->status > y->status) - (x->status < y->status);
}

/* Rows are locked in the order of the list, which is sorted. */
static const struct db_query q_topic_count_add = {
    Q_TOPIC_COUNT_ADD, "update topic summary",
    "INSERT INTO topic_counts (topic, status, devices)"
    " SELECT value->>0, value->>1, value->>2 FROM json_each($1) WHERE true"
    " ON CONFLICT (topic, status) DO UPDATE SET devices = topic_counts.devices + excluded.devices",
    "INSERT INTO topic_counts (topic, status, devices)"
    " SELECT x->>0, x->>1, (x->>2)::bigint FROM json_array_elements($1::json) AS x"
    " ON CONFLICT (topic, status) DO UPDATE SET devices = topic_counts.devices + excluded.devices",
    0};
static const struct db_query q_status_count_add = {
    Q_STATUS_COUNT_ADD, "update status counts",
    "INSERT INTO status_counts (status, devices)"
    " SELECT value->>0, value->>1 FROM json_each($1) WHERE true"
    " ON CONFLICT (status) DO UPDATE SET devices = status_counts.devices + excluded.devices",
    "INSERT INTO status_counts (status, devices)"
    " SELECT x->>0, (x->>1)::bigint FROM json_array_elements($1::json) AS x"
    " ON CONFLICT (status) DO UPDATE SET devices = status_counts.devices + excluded.devices",
    0};

static const struct db_query q_check_count_add = {
    Q_CHECK_COUNT_ADD, "update check summary",
    "INSERT INTO check_counts (check_id, status, devices)"
    " SELECT value->>0, value->>1, value->>2 FROM json_each($1) WHERE true"
    " ON CONFLICT (check_id, status) DO UPDATE SET devices = check_counts.devices + "
    "excluded.devices",
    "INSERT INTO check_counts (check_id, status, devices)"
    " SELECT x->>0, x->>1, (x->>2)::bigint FROM json_array_elements($1::json) AS x"
    " ON CONFLICT (check_id, status) DO UPDATE SET devices = check_counts.devices + "
    "excluded.devices",
    0};
static const struct db_query q_hour_count_add = {
    Q_HOUR_COUNT_ADD, "update report ages",
    "INSERT INTO report_hours (hour, devices)"
    " SELECT value->>0, value->>1 FROM json_each($1) WHERE true"
    " ON CONFLICT (hour) DO UPDATE SET devices = report_hours.devices + excluded.devices",
    "INSERT INTO report_hours (hour, devices)"
    " SELECT (x->>0)::bigint, (x->>1)::bigint FROM json_array_elements($1::json) AS x"
    " ON CONFLICT (hour) DO UPDATE SET devices = report_hours.devices + excluded.devices",
    0};
/* Hours no device's latest report is in any more, among those the batch decremented (rows it
 * holds already: instances sharing a PostgreSQL take no other lock); the table stays as small
 * as the spread of the fleet's report times. */
static const struct db_query q_hours_prune = {
    Q_HOURS_PRUNE, "update report ages",
    "DELETE FROM report_hours WHERE devices = 0 AND hour IN (SELECT value FROM json_each($1))",
    "DELETE FROM report_hours WHERE devices = 0"
    " AND hour IN (SELECT x::bigint FROM json_array_elements_text($1::json) AS x)",
    0};

static int run_json(struct db *db, const struct db_query *q, struct store_jlist *l,
		    struct errbuf *e)
{
	struct db_stmt *s;
	int rc = db_prepare(db, q, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, l->b.data);
	rc = db_step(s, e);
	db_done(s);
	return rc < 0 ? rc : 0;
}

static int deltas_apply(struct db *db, struct store_deltas *d, struct errbuf *e)
{
	if (d->n == 0)
		return 0;
	qsort(d->v, d->n, sizeof(d->v[0]), delta_cmp);
	struct store_jlist topics, checks, hours, down, statuses;
	store_jl_init(&topics);
	store_jl_init(&checks);
	store_jl_init(&hours);
	store_jl_init(&down);
	store_jl_init(&statuses);
	int rc = 0;
	for (size_t i = 0; i < d->n && rc == 0;) {
		size_t k = i;
		int sum = 0;
		for (; k < d->n && delta_cmp(&d->v[i], &d->v[k]) == 0; k++)
			sum += d->v[k].n;
		const struct store_delta *x = &d->v[i];
		i = k;
		if (sum == 0)
			continue;
		switch (x->kind) {
		case DELTA_TOPIC:
		case DELTA_CHECK: {
			struct store_jlist *l = x->kind == DELTA_TOPIC ? &topics : &checks;
			rc = store_jl_item(l, true) || store_jl_str(l, x->topic, true) ||
			     store_jl_str(l, store_status_names[x->status], false) ||
			     store_jl_int(l, sum) || store_jl_end_item(l, true);
			break;
		}
		case DELTA_HOUR:
			rc = store_jl_item(&hours, true) ||
			     buf_printf(&hours.b, "%lld", (long long)x->hour) ||
			     store_jl_int(&hours, sum) || store_jl_end_item(&hours, true) ||
			     (sum < 0 && (store_jl_item(&down, false) ||
					  buf_printf(&down.b, "%lld", (long long)x->hour)));
			break;
		default:
			rc = store_jl_item(&statuses, true) ||
			     store_jl_str(&statuses, store_dev_status_names[x->status], true) ||
			     store_jl_int(&statuses, sum) || store_jl_end_item(&statuses, true);
			break;
		}
	}
	if (rc != 0 || store_jl_finish(&topics) != 0 || store_jl_finish(&checks) != 0 ||
	    store_jl_finish(&hours) != 0 || store_jl_finish(&down) != 0 ||
	    store_jl_finish(&statuses) != 0) {
		rc = err_set(e, MAMORI_ENOMEM, "%s: update summary: out of memory",
			     db_kind_name(db_kind(db)));
		goto out;
	}
	if (topics.n > 0 && (rc = run_json(db, &q_topic_count_add, &topics, e)) < 0)
		goto out;
	if (checks.n > 0 && (rc = run_json(db, &q_check_count_add, &checks, e)) < 0)
		goto out;
	if (hours.n > 0 && (rc = run_json(db, &q_hour_count_add, &hours, e)) < 0)
		goto out;
	if (down.n > 0 && (rc = run_json(db, &q_hours_prune, &down, e)) < 0)
		goto out;
	if (statuses.n > 0 && (rc = run_json(db, &q_status_count_add, &statuses, e)) < 0)
		goto out;
out:
	buf_free(&topics.b);
	buf_free(&checks.b);
	buf_free(&hours.b);
	buf_free(&down.b);
	buf_free(&statuses.b);
	return rc;
}

/* ---- connections ---- */

int store_run(struct db *db, const struct db_query *q, struct errbuf *e)
{
	struct db_stmt *s;
	int rc = db_prepare(db, q, &s, e);
	if (rc < 0)
		return rc;
	rc = db_step(s, e);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_reader(struct store *st, struct db **out, struct errbuf *e)
{
	pthread_mutex_lock(&st->pool_mu);
	int i;
	for (;;) {
		for (i = 0; i < st->n_readers && st->reader_busy[i]; i++)
			;
		if (i < st->n_readers)
			break;
		pthread_cond_wait(&st->pool_cv, &st->pool_mu);
	}
	st->reader_busy[i] = true;
	pthread_mutex_unlock(&st->pool_mu);
	int rc = db_check(st->readers[i], e);
	if (rc < 0) {
		store_reader_put(st, st->readers[i]);
		return rc;
	}
	*out = st->readers[i];
	return 0;
}

int store_read_row(struct store *st, const struct db_query *q, const char *key,
		   store_fill_fn fill, void *out, struct errbuf *e)
{
	struct db *db;
	int rc = store_reader(st, &db, e);
	if (rc < 0)
		return rc;
	struct db_stmt *s;
	if ((rc = db_prepare(db, q, &s, e)) == 0) {
		db_bind_text(s, 1, key);
		rc = db_step(s, e);
		if (rc == 1) {
			int f = fill(s, out, e);
			rc = f < 0 ? f : 1;
		}
		db_done(s);
	}
	store_reader_put(st, db);
	return rc;
}

void store_reader_put(struct store *st, struct db *db)
{
	if (db == NULL)
		return;
	db_done_all(db);
	/* A read that failed half-way may have left its transaction open. */
	if (db_in_transaction(db))
		db_exec(db, "rollback", "ROLLBACK", NULL);
	pthread_mutex_lock(&st->pool_mu);
	for (int i = 0; i < st->n_readers; i++)
		if (st->readers[i] == db)
			st->reader_busy[i] = false;
	pthread_cond_signal(&st->pool_cv);
	pthread_mutex_unlock(&st->pool_mu);
}

/* ---- group commit ---- */

static const struct db_query q_begin = {Q_BEGIN, "begin", "BEGIN IMMEDIATE", "BEGIN", 0};
static const struct db_query q_commit = {Q_COMMIT, "commit", "COMMIT", NULL, 0};
static const struct db_query q_rollback = {Q_ROLLBACK, "rollback", "ROLLBACK", NULL, 0};
static const struct db_query q_savepoint = {Q_SAVEPOINT, "savepoint", "SAVEPOINT j", NULL, 0};
static const struct db_query q_release = {Q_RELEASE, "release savepoint", "RELEASE SAVEPOINT j",
					  NULL, 0};
static const struct db_query q_rollback_to = {Q_ROLLBACK_TO, "rollback to savepoint",
					      "ROLLBACK TO SAVEPOINT j", NULL, 0};

static int job_cmp(const void *a, const void *b)
{
	const struct store_job *x = *(struct store_job *const *)a;
	const struct store_job *y = *(struct store_job *const *)b;
	int c = strcmp(x->key != NULL ? x->key : "", y->key != NULL ? y->key : "");
	if (c != 0)
		return c;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static void job_fail(struct store_job *j, int rc, const struct errbuf *e)
{
	j->rc = rc;
	j->err = *e;
	j->done = true;
	store_deltas_free(&j->deltas);
}

/* Runs one job in a savepoint. Returns 0 when the transaction is still usable (the job
 * succeeded, or failed and is done), < 0 when the transaction was lost with it. */
static int batch_one(struct store *st, struct db *db, struct store_job *j)
{
	struct errbuf e = {{0}};
	for (int tries = 0;; tries++) {
		store_deltas_free(&j->deltas);
		j->put = (struct store_put_result){0};
		int rc = store_run(db, &q_savepoint, &e);
		if (rc == 0) {
			rc = j->run(st, db, j, &e);
			if (rc == 0 && j->audit != NULL)
				rc = store_audit_append(db, j->audit, &e);
			if (rc == 0 && (rc = store_run(db, &q_release, &e)) == 0) {
				j->rc = 0;
				return 0;
			}
		}
		bool retry = rc < 0 && db_retryable(db) && tries < MAX_RETRIES;
		struct errbuf ignore;
		if (!db_in_transaction(db) || store_run(db, &q_rollback_to, &ignore) < 0 ||
		    store_run(db, &q_release, &ignore) < 0) {
			job_fail(j, rc != 0 ? rc : MAMORI_EIO, &e);
			return MAMORI_EIO;
		}
		if (!retry) {
			job_fail(j, rc, &e);
			return 0;
		}
	}
}

static void batch_fail(struct store_job **jobs, size_t n, int rc, const struct errbuf *e)
{
	for (size_t i = 0; i < n; i++)
		if (!jobs[i]->done)
			job_fail(jobs[i], rc, e);
}

static void run_batch(struct store *st, struct store_job **jobs, size_t n)
{
	struct db *db = st->writer;
	struct errbuf e = {{0}};
	struct errbuf ignore;
	struct store_deltas all = {0};
	qsort(jobs, n, sizeof(jobs[0]), job_cmp);
	int rc = db_check(db, &e);
	if (rc < 0) {
		batch_fail(jobs, n, rc, &e);
		return;
	}
	/* Each round either commits or finishes at least one job, so this ends. */
	for (int round = 0;; round++) {
		store_deltas_free(&all);
		if ((rc = store_run(db, &q_begin, &e)) < 0) {
			batch_fail(jobs, n, rc, &e);
			goto out;
		}
		bool audited = false;
		for (size_t i = 0; i < n; i++)
			audited |= !jobs[i]->done && (jobs[i]->audit != NULL || jobs[i]->audited);
		if (audited && (rc = store_audit_lock(db, &e)) < 0) {
			bool retry = db_retryable(db) && round < MAX_RETRIES;
			if (db_in_transaction(db))
				store_run(db, &q_rollback, &ignore);
			if (retry)
				continue;
			batch_fail(jobs, n, rc, &e);
			goto out;
		}
		bool lost = false;
		for (size_t i = 0; i < n && !lost; i++)
			if (!jobs[i]->done)
				lost = batch_one(st, db, jobs[i]) < 0;
		if (lost) {
			if (db_in_transaction(db))
				store_run(db, &q_rollback, &ignore);
			continue;
		}
		for (size_t i = 0; i < n && rc == 0; i++) {
			struct store_deltas *d = &jobs[i]->deltas;
			for (size_t k = 0; !jobs[i]->done && k < d->n && rc == 0; k++)
				rc = delta_copy(&all, &d->v[k]);
		}
		if (rc < 0)
			err_set(&e, rc, "%s: update summary: out of memory",
				db_kind_name(st->kind));
		if (rc == 0)
			rc = deltas_apply(db, &all, &e);
		/* The dashboard's trend: today's row follows the counters, O(1) per batch. */
		if (rc == 0 && all.n > 0)
			rc = store_daily_upsert(st, db, (int64_t)time(NULL), &e);
		if (rc == 0)
			rc = store_run(db, &q_commit, &e);
		if (rc == 0)
			break;
		bool retry = db_retryable(db) && round < MAX_RETRIES;
		if (db_in_transaction(db))
			store_run(db, &q_rollback, &ignore);
		if (!retry) {
			batch_fail(jobs, n, rc, &e);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!jobs[i]->done) {
			jobs[i]->done = true;
			store_deltas_free(&jobs[i]->deltas);
		}
	}
out:
	store_deltas_free(&all);
}

static void *committer_main(void *arg)
{
	struct store *st = arg;
	struct store_job *jobs[MAX_BATCH];
	pthread_mutex_lock(&st->q_mu);
	for (;;) {
		while (st->q_head == NULL && !st->stopping)
			pthread_cond_wait(&st->q_cv, &st->q_mu);
		if (st->q_head == NULL)
			break;
		size_t n = 0;
		while (st->q_head != NULL && n < MAX_BATCH) {
			jobs[n++] = st->q_head;
			st->q_head = st->q_head->next;
		}
		if (st->q_head == NULL)
			st->q_tail = NULL;
		pthread_mutex_unlock(&st->q_mu);
		run_batch(st, jobs, n);
		pthread_mutex_lock(&st->q_mu);
		/* Each caller has its own condition: waking only the batch's callers keeps the
		 * others (queued for the next batch) asleep. */
		for (size_t i = 0; i < n; i++) {
			jobs[i]->finished = true;
			pthread_cond_signal(&jobs[i]->cv);
		}
	}
	pthread_mutex_unlock(&st->q_mu);
	return NULL;
}

int store_submit(struct store *st, struct store_job *j, struct errbuf *e)
{
	j->done = false;
	j->finished = false;
	j->rc = 0;
	j->next = NULL;
	j->err.msg[0] = '\0';
	pthread_cond_init(&j->cv, NULL);
	pthread_mutex_lock(&st->q_mu);
	if (st->stopping) {
		pthread_mutex_unlock(&st->q_mu);
		pthread_cond_destroy(&j->cv);
		return err_set(e, MAMORI_EIO, "%s: the store is closing", db_kind_name(st->kind));
	}
	j->seq = st->seq++;
	if (st->q_tail != NULL)
		st->q_tail->next = j;
	else
		st->q_head = j;
	st->q_tail = j;
	pthread_cond_signal(&st->q_cv);
	while (!j->finished)
		pthread_cond_wait(&j->cv, &st->q_mu);
	pthread_mutex_unlock(&st->q_mu);
	pthread_cond_destroy(&j->cv);
	store_deltas_free(&j->deltas);
	if (j->rc != 0 && e != NULL)
		*e = j->err;
	return j->rc;
}

/* ---- schema ---- */

struct migration {
	const char *sqlite, *pg;
};

/* Migration 1: the whole schema. Text columns on PostgreSQL sort by bytes (COLLATE "C"), as
 * SQLite does, so that both backends page the ledger in the same order. */
static const struct migration migrations[] = {
    {
	"CREATE TABLE tokens (sha256 TEXT PRIMARY KEY, created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL, used_at INTEGER, device_id TEXT) STRICT;"
	"CREATE TABLE devices (id TEXT PRIMARY KEY, hostname TEXT NOT NULL,"
	" user_name TEXT, os_name TEXT, os_version TEXT, serial_number TEXT, status TEXT,"
	" n_pass INTEGER NOT NULL DEFAULT 0, n_fail INTEGER NOT NULL DEFAULT 0,"
	" n_unknown INTEGER NOT NULL DEFAULT 0, n_not_applicable INTEGER NOT NULL DEFAULT 0,"
	" packages INTEGER, security_updates_pending INTEGER, last_report_id TEXT,"
	" last_generated_at INTEGER, last_seen INTEGER, enrolled_at INTEGER NOT NULL,"
	" revoked_at INTEGER) STRICT;"
	"CREATE INDEX devices_ledger ON devices (hostname, id);"
	"CREATE TABLE certs (serial TEXT PRIMARY KEY, kind INTEGER NOT NULL,"
	" owner TEXT NOT NULL, not_after INTEGER NOT NULL, created_at INTEGER NOT NULL,"
	" revoked_at INTEGER) STRICT;"
	"CREATE INDEX certs_owner ON certs (owner);"
	"CREATE TABLE reports (report_id TEXT PRIMARY KEY,"
	" device_id TEXT NOT NULL REFERENCES devices (id), generated_at INTEGER NOT NULL,"
	" received_at INTEGER NOT NULL, status TEXT NOT NULL, n_pass INTEGER NOT NULL,"
	" n_fail INTEGER NOT NULL, n_unknown INTEGER NOT NULL,"
	" n_not_applicable INTEGER NOT NULL, body BLOB NOT NULL, body_format INTEGER NOT NULL,"
	" body_len INTEGER NOT NULL) STRICT;"
	"CREATE INDEX reports_device ON reports (device_id, received_at, report_id);"
	"CREATE TABLE findings (device_id TEXT NOT NULL REFERENCES devices (id),"
	" check_id TEXT NOT NULL, topic TEXT NOT NULL, severity TEXT NOT NULL,"
	" status TEXT NOT NULL, PRIMARY KEY (device_id, check_id)) STRICT, WITHOUT ROWID;"
	"CREATE TABLE device_topics (device_id TEXT NOT NULL REFERENCES devices (id),"
	" topic TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (device_id, topic))"
	" STRICT, WITHOUT ROWID;"
	"CREATE TABLE topic_counts (topic TEXT NOT NULL, status TEXT NOT NULL,"
	" devices INTEGER NOT NULL, PRIMARY KEY (topic, status)) STRICT, WITHOUT ROWID;"
	"CREATE TABLE status_counts (status TEXT PRIMARY KEY, devices INTEGER NOT NULL)"
	" STRICT, WITHOUT ROWID;"
	"INSERT INTO status_counts VALUES ('pass', 0), ('fail', 0), ('unknown', 0),"
	" ('none', 0), ('revoked', 0);"
	"CREATE TABLE inventories (device_id TEXT PRIMARY KEY REFERENCES devices (id),"
	" sha256 TEXT NOT NULL, packages BLOB NOT NULL, received_at INTEGER NOT NULL)"
	" STRICT;",

	"CREATE TABLE tokens (sha256 TEXT COLLATE \"C\" PRIMARY KEY, created BIGINT NOT NULL,"
	" expires BIGINT NOT NULL, used_at BIGINT, device_id TEXT COLLATE \"C\");"
	"CREATE TABLE devices (id TEXT COLLATE \"C\" PRIMARY KEY,"
	" hostname TEXT COLLATE \"C\" NOT NULL, user_name TEXT, os_name TEXT,"
	" os_version TEXT, serial_number TEXT, status TEXT,"
	" n_pass BIGINT NOT NULL DEFAULT 0, n_fail BIGINT NOT NULL DEFAULT 0,"
	" n_unknown BIGINT NOT NULL DEFAULT 0, n_not_applicable BIGINT NOT NULL DEFAULT 0,"
	" packages BIGINT, security_updates_pending BIGINT,"
	" last_report_id TEXT COLLATE \"C\", last_generated_at BIGINT, last_seen BIGINT,"
	" enrolled_at BIGINT NOT NULL, revoked_at BIGINT);"
	"CREATE INDEX devices_ledger ON devices (hostname, id);"
	"CREATE TABLE certs (serial TEXT COLLATE \"C\" PRIMARY KEY, kind INTEGER NOT NULL,"
	" owner TEXT COLLATE \"C\" NOT NULL, not_after BIGINT NOT NULL,"
	" created_at BIGINT NOT NULL, revoked_at BIGINT);"
	"CREATE INDEX certs_owner ON certs (owner);"
	"CREATE TABLE reports (report_id TEXT COLLATE \"C\" PRIMARY KEY,"
	" device_id TEXT COLLATE \"C\" NOT NULL REFERENCES devices (id),"
	" generated_at BIGINT NOT NULL, received_at BIGINT NOT NULL, status TEXT NOT NULL,"
	" n_pass BIGINT NOT NULL, n_fail BIGINT NOT NULL, n_unknown BIGINT NOT NULL,"
	" n_not_applicable BIGINT NOT NULL, body BYTEA NOT NULL, body_format INTEGER NOT NULL,"
	" body_len BIGINT NOT NULL);"
	"CREATE INDEX reports_device ON reports (device_id, received_at, report_id);"
	"CREATE TABLE findings (device_id TEXT COLLATE \"C\" NOT NULL REFERENCES devices (id),"
	" check_id TEXT COLLATE \"C\" NOT NULL, topic TEXT COLLATE \"C\" NOT NULL,"
	" severity TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (device_id, check_id));"
	"CREATE TABLE device_topics"
	" (device_id TEXT COLLATE \"C\" NOT NULL REFERENCES devices (id),"
	" topic TEXT COLLATE \"C\" NOT NULL, status TEXT NOT NULL,"
	" PRIMARY KEY (device_id, topic));"
	"CREATE TABLE topic_counts (topic TEXT COLLATE \"C\" NOT NULL,"
	" status TEXT COLLATE \"C\" NOT NULL, devices BIGINT NOT NULL,"
	" PRIMARY KEY (topic, status));"
	"CREATE TABLE status_counts (status TEXT COLLATE \"C\" PRIMARY KEY,"
	" devices BIGINT NOT NULL);"
	"INSERT INTO status_counts VALUES ('pass', 0), ('fail', 0), ('unknown', 0),"
	" ('none', 0), ('revoked', 0);"
	"CREATE TABLE inventories"
	" (device_id TEXT COLLATE \"C\" PRIMARY KEY REFERENCES devices (id),"
	" sha256 TEXT NOT NULL, packages BYTEA NOT NULL, received_at BIGINT NOT NULL);",
    },
    /* Migration 2: since when each failing check has failed, for the gate's grace period.
     * Rows failing before it count from their device's latest report. */
    {
	"ALTER TABLE findings ADD COLUMN failing_since INTEGER;"
	"UPDATE findings SET failing_since = (SELECT last_generated_at FROM devices"
	" WHERE devices.id = findings.device_id) WHERE status = 'fail';",

	"ALTER TABLE findings ADD COLUMN failing_since BIGINT;"
	"UPDATE findings SET failing_since = devices.last_generated_at FROM devices"
	" WHERE devices.id = findings.device_id AND findings.status = 'fail';",
    },
    /* Migration 3: administrators who sign in to the dashboard (Argon2id password, TOTP,
     * one-time recovery codes, lockout), their sessions, and the hash-chained audit log with
     * its head kept apart, so that a removed tail is noticed too. */
    {
	"CREATE TABLE admins (name TEXT PRIMARY KEY, pw_hash TEXT NOT NULL,"
	" totp_secret TEXT NOT NULL, totp_last_step INTEGER NOT NULL DEFAULT 0,"
	" failed INTEGER NOT NULL DEFAULT 0, locked_until INTEGER NOT NULL DEFAULT 0,"
	" created_at INTEGER NOT NULL, disabled_at INTEGER) STRICT;"
	"CREATE TABLE recovery_codes (admin TEXT NOT NULL REFERENCES admins (name),"
	" sha256 TEXT NOT NULL, used_at INTEGER, PRIMARY KEY (admin, sha256))"
	" STRICT, WITHOUT ROWID;"
	"CREATE TABLE sessions (sha256 TEXT PRIMARY KEY,"
	" admin TEXT NOT NULL REFERENCES admins (name), csrf TEXT NOT NULL,"
	" created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL) STRICT;"
	"CREATE INDEX sessions_admin ON sessions (admin);"
	"CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
	" actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,"
	" detail TEXT NOT NULL, remote TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL)"
	" STRICT;"
	"CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,"
	" hash TEXT NOT NULL) STRICT;"
	"INSERT INTO audit_head VALUES (1, 0, '" ZERO_HASH "');",

	"CREATE TABLE admins (name TEXT COLLATE \"C\" PRIMARY KEY, pw_hash TEXT NOT NULL,"
	" totp_secret TEXT NOT NULL, totp_last_step BIGINT NOT NULL DEFAULT 0,"
	" failed INTEGER NOT NULL DEFAULT 0, locked_until BIGINT NOT NULL DEFAULT 0,"
	" created_at BIGINT NOT NULL, disabled_at BIGINT);"
	"CREATE TABLE recovery_codes (admin TEXT COLLATE \"C\" NOT NULL REFERENCES admins (name),"
	" sha256 TEXT COLLATE \"C\" NOT NULL, used_at BIGINT, PRIMARY KEY (admin, sha256));"
	"CREATE TABLE sessions (sha256 TEXT COLLATE \"C\" PRIMARY KEY,"
	" admin TEXT COLLATE \"C\" NOT NULL REFERENCES admins (name), csrf TEXT NOT NULL,"
	" created_at BIGINT NOT NULL, last_seen BIGINT NOT NULL);"
	"CREATE INDEX sessions_admin ON sessions (admin);"
	"CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, at BIGINT NOT NULL,"
	" actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,"
	" detail TEXT NOT NULL, remote TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);"
	"CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL,"
	" hash TEXT NOT NULL);"
	"INSERT INTO audit_head VALUES (1, 0, '" ZERO_HASH "');",
    },
    /* Migration 4: the dashboard (docs/server.md, "Dashboard API"): devices per check and state
     * (check_counts, like topic_counts), devices per hour of their latest report (report_hours:
     * how many are stale is a sum over a few dozen rows), a row per day for the trend
     * (fleet_daily), the organization's risk register, and the indexes the paged lists walk
     * (partial where they can be: an index of every finding would cost each new report 55
     * scattered page writes, one of the failing ones a few). The counters start from what
     * is stored. */
    {
	"CREATE TABLE check_counts (check_id TEXT NOT NULL, status TEXT NOT NULL,"
	" devices INTEGER NOT NULL, PRIMARY KEY (check_id, status)) STRICT, WITHOUT ROWID;"
	"INSERT INTO check_counts (check_id, status, devices) SELECT f.check_id, f.status,"
	" COUNT(*) FROM findings f JOIN devices d ON d.id = f.device_id"
	" WHERE d.revoked_at IS NULL GROUP BY f.check_id, f.status;"
	"CREATE TABLE report_hours (hour INTEGER PRIMARY KEY, devices INTEGER NOT NULL) STRICT;"
	"INSERT INTO report_hours (hour, devices) SELECT last_generated_at / 3600, COUNT(*)"
	" FROM devices WHERE revoked_at IS NULL AND last_generated_at IS NOT NULL"
	" GROUP BY last_generated_at / 3600;"
	"CREATE TABLE fleet_daily (day TEXT PRIMARY KEY, n_pass INTEGER NOT NULL,"
	" n_fail INTEGER NOT NULL, n_unknown INTEGER NOT NULL, n_none INTEGER NOT NULL,"
	" n_revoked INTEGER NOT NULL, n_stale INTEGER NOT NULL, updated_at INTEGER NOT NULL)"
	" STRICT;"
	"CREATE TABLE risk_register (control TEXT PRIMARY KEY, state TEXT,"
	" confidentiality TEXT, integrity TEXT, availability TEXT, accountability TEXT,"
	" decision TEXT, deadline TEXT, owner TEXT, reason TEXT, updated_at INTEGER NOT NULL,"
	" updated_by TEXT) STRICT;"
	"CREATE INDEX findings_failing ON findings (check_id, device_id) WHERE status = 'fail';"
	"CREATE INDEX device_topics_failing ON device_topics (topic, device_id)"
	" WHERE status = 'fail';"
	"CREATE INDEX devices_status ON devices (status, hostname, id);"
	"CREATE INDEX devices_revoked ON devices (hostname, id) WHERE revoked_at IS NOT NULL;"
	"CREATE INDEX devices_worst ON devices (n_fail, id) WHERE revoked_at IS NULL;"
	"CREATE INDEX devices_seen ON devices (last_seen, id);"
	"CREATE INDEX devices_age ON devices (last_generated_at, id) WHERE revoked_at IS NULL;",

	"CREATE TABLE check_counts (check_id TEXT COLLATE \"C\" NOT NULL,"
	" status TEXT COLLATE \"C\" NOT NULL, devices BIGINT NOT NULL,"
	" PRIMARY KEY (check_id, status));"
	"INSERT INTO check_counts (check_id, status, devices) SELECT f.check_id, f.status,"
	" COUNT(*) FROM findings f JOIN devices d ON d.id = f.device_id"
	" WHERE d.revoked_at IS NULL GROUP BY f.check_id, f.status;"
	"CREATE TABLE report_hours (hour BIGINT PRIMARY KEY, devices BIGINT NOT NULL);"
	"INSERT INTO report_hours (hour, devices) SELECT last_generated_at / 3600, COUNT(*)"
	" FROM devices WHERE revoked_at IS NULL AND last_generated_at IS NOT NULL"
	" GROUP BY last_generated_at / 3600;"
	"CREATE TABLE fleet_daily (day TEXT COLLATE \"C\" PRIMARY KEY, n_pass BIGINT NOT NULL,"
	" n_fail BIGINT NOT NULL, n_unknown BIGINT NOT NULL, n_none BIGINT NOT NULL,"
	" n_revoked BIGINT NOT NULL, n_stale BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
	"CREATE TABLE risk_register (control TEXT COLLATE \"C\" PRIMARY KEY, state TEXT,"
	" confidentiality TEXT, integrity TEXT, availability TEXT, accountability TEXT,"
	" decision TEXT, deadline TEXT, owner TEXT, reason TEXT, updated_at BIGINT NOT NULL,"
	" updated_by TEXT);"
	"CREATE INDEX findings_failing ON findings (check_id, device_id) WHERE status = 'fail';"
	"CREATE INDEX device_topics_failing ON device_topics (topic, device_id)"
	" WHERE status = 'fail';"
	"CREATE INDEX devices_status ON devices (status, hostname, id);"
	"CREATE INDEX devices_revoked ON devices (hostname, id) WHERE revoked_at IS NOT NULL;"
	"CREATE INDEX devices_worst ON devices (n_fail, id) WHERE revoked_at IS NULL;"
	"CREATE INDEX devices_seen ON devices (last_seen, id);"
	"CREATE INDEX devices_age ON devices (last_generated_at, id) WHERE revoked_at IS NULL;",
    },
};
#define N_MIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static const struct db_query q_schema_version = {
    Q_SCHEMA_VERSION, "read schema version",
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL, 0};

static int read_version(struct db *db, int *out, struct errbuf *e)
{
	struct db_stmt *s;
	int rc = db_prepare(db, &q_schema_version, &s, e);
	if (rc < 0)
		return rc;
	rc = db_step(s, e);
	if (rc == 1) {
		int64_t v = db_col_int64(s, 0);
		*out = v < 0 || v > 1000000 ? -1 : (int)v;
		rc = 0;
	} else if (rc == 0) {
		rc = err_set(e, MAMORI_EIO, "%s: read schema version: no row",
			     db_kind_name(db_kind(db)));
	}
	db_done(s);
	return rc;
}

/* One transaction per migration; the version check is inside it, under the write lock
 * (SQLite) or an advisory lock (PostgreSQL), so concurrent openers apply each one once. */
static int migrate(struct db *db, struct errbuf *e)
{
	bool pg = db_kind(db) == DB_PG;
	const char *name = db_kind_name(db_kind(db));
	int rc;
	for (;;) {
		if ((rc = db_exec(db, "migrate: begin", pg ? "BEGIN" : "BEGIN IMMEDIATE", e)) < 0)
			return rc;
		if (pg && (rc = db_exec(db, "migrate: lock",
					"SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", e)) < 0)
			goto fail;
		rc = db_exec(
		    db, "migrate: create schema_migrations",
		    pg ? "CREATE TABLE IF NOT EXISTS schema_migrations"
			 " (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"
		       : "CREATE TABLE IF NOT EXISTS schema_migrations"
			 " (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT",
		    e);
		if (rc < 0)
			goto fail;
		int v = 0;
		if ((rc = read_version(db, &v, e)) < 0)
			goto fail;
		if (v < 0 || v > N_MIGRATIONS) {
			rc = err_set(e, MAMORI_EINVAL,
				     "%s: the database is at schema version %d, newer than this "
				     "mamorid knows (%d)",
				     name, v, N_MIGRATIONS);
			goto fail;
		}
		if (v == N_MIGRATIONS)
			return db_exec(db, "migrate: commit", "COMMIT", e);
		const struct migration *m = &migrations[v];
		char what[48];
		int n = snprintf(what, sizeof(what), "migration %d", v + 1);
		if (n < 0 || (size_t)n >= sizeof(what)) {
			rc = err_set(e, MAMORI_EINVAL, "%s: migration name", name);
			goto fail;
		}
		if ((rc = db_exec(db, what, pg ? m->pg : m->sqlite, e)) < 0)
			goto fail;
		char ins[96];
		n = snprintf(
		    ins, sizeof(ins),
		    "INSERT INTO schema_migrations (version, applied_at) VALUES (%d, %lld)", v + 1,
		    (long long)time(NULL));
		if (n < 0 || (size_t)n >= sizeof(ins)) {
			rc = err_set(e, MAMORI_EINVAL, "%s: migration insert", name);
			goto fail;
		}
		if ((rc = db_exec(db, what, ins, e)) < 0)
			goto fail;
		if ((rc = db_exec(db, "migrate: commit", "COMMIT", e)) < 0)
			goto fail;
	}
fail:
	db_done_all(db);
	if (db_in_transaction(db))
		db_exec(db, "migrate: rollback", "ROLLBACK", NULL);
	return rc;
}

/* ---- open / close ---- */

int store_open(const char *url, int readers, struct store **out, struct errbuf *e)
{
	if (url == NULL || url[0] == '\0')
		return err_set(e, MAMORI_EINVAL, "store: no database given");
	if (readers < 1 || readers > MAX_READERS)
		return err_set(e, MAMORI_EINVAL, "store: readers must be in [1, %d]", MAX_READERS);
	enum db_kind kind = DB_SQLITE;
	const char *path = url;
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		kind = DB_PG;
	else if (strncmp(url, "sqlite:", 7) == 0)
		path = url + 7;
	if (path[0] == '\0')
		return err_set(e, MAMORI_EINVAL, "store: %s: no file name", url);

	struct store *st = calloc(1, sizeof(*st));
	if (st == NULL)
		return err_set(e, MAMORI_ENOMEM, "store: out of memory");
	int rc = 0;
	st->kind = kind;
	st->max_report_age = 24 * 3600;
	pthread_mutex_init(&st->pool_mu, NULL);
	pthread_cond_init(&st->pool_cv, NULL);
	pthread_mutex_init(&st->q_mu, NULL);
	pthread_cond_init(&st->q_cv, NULL);
	st->path = xstrdup(path);
	st->readers = calloc((size_t)readers, sizeof(st->readers[0]));
	st->reader_busy = calloc((size_t)readers, sizeof(st->reader_busy[0]));
	if (st->path == NULL || st->readers == NULL || st->reader_busy == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "store: out of memory");
		goto fail;
	}
	if ((rc = db_open(kind, path, true, &st->writer, e)) < 0)
		goto fail;
	if ((rc = migrate(st->writer, e)) < 0)
		goto fail;
	for (; st->n_readers < readers; st->n_readers++)
		if ((rc = db_open(kind, path, false, &st->readers[st->n_readers], e)) < 0)
			goto fail;
	if (pthread_create(&st->committer, NULL, committer_main, st) != 0) {
		rc = err_set(e, MAMORI_ENOMEM, "store: cannot start the commit thread");
		goto fail;
	}
	st->started = true;
	*out = st;
	return 0;
fail:
	store_close(st);
	return rc;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->started) {
		pthread_mutex_lock(&st->q_mu);
		st->stopping = true;
		pthread_cond_broadcast(&st->q_cv);
		pthread_mutex_unlock(&st->q_mu);
		pthread_join(st->committer, NULL);
	}
	for (int i = 0; i < st->n_readers; i++)
		db_close(st->readers[i]);
	db_close(st->writer);
	free(st->readers);
	free(st->reader_busy);
	free(st->path);
	pthread_mutex_destroy(&st->pool_mu);
	pthread_cond_destroy(&st->pool_cv);
	pthread_mutex_destroy(&st->q_mu);
	pthread_cond_destroy(&st->q_cv);
	free(st);
}

void store_set_max_report_age(struct store *st, int64_t seconds)
{
	if (seconds > 0)
		st->max_report_age = seconds;
}

const char *store_backend(const struct store *st)
{
	return db_kind_name(st->kind);
}

int store_schema_version(struct store *st, int *out, struct errbuf *e)
{
	struct db *db;
	int rc = store_reader(st, &db, e);
	if (rc < 0)
		return rc;
	int v = 0;
	rc = read_version(db, &v, e);
	store_reader_put(st, db);
	if (rc == 0)
		*out = v;
	return rc;
}

/* ---- tokens, enrollment, certificates ---- */

struct token_add {
	const char *sha256;
	int64_t created, expires;
};

static const struct db_query q_token_add = {
    Q_TOKEN_ADD, "add token", "INSERT INTO tokens (sha256, created, expires) VALUES ($1, $2, $3)",
    NULL, 0};

static int token_add_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	(void)st;
	const struct token_add *t = j->arg;
	struct db_stmt *s;
	int rc = db_prepare(db, &q_token_add, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, t->sha256);
	db_bind_int64(s, 2, t->created);
	db_bind_int64(s, 3, t->expires);
	rc = db_step(s, e);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_token_add_audited(struct store *st, const char *token_sha256, int64_t created,
			    int64_t expires, const struct store_audit_in *a, struct errbuf *e)
{
	int rc = store_check_text("token", token_sha256, 128, false, e);
	if (rc < 0 || (a != NULL && (rc = store_audit_check(a, e)) < 0))
		return rc;
	struct token_add t = {token_sha256, created, expires};
	struct store_job j = {.run = token_add_run, .key = "", .arg = &t, .audit = a};
	return store_submit(st, &j, e);
}

int store_token_add(struct store *st, const char *token_sha256, int64_t created, int64_t expires,
		    struct errbuf *e)
{
	return store_token_add_audited(st, token_sha256, created, expires, NULL, e);
}

static const struct db_query q_token_take = {
    Q_TOKEN_TAKE, "take token",
    "UPDATE tokens SET used_at = $2, device_id = $3"
    " WHERE sha256 = $1 AND used_at IS NULL AND expires > $2 RETURNING sha256",
    NULL, 0};
static const struct db_query q_device_add = {
    Q_DEVICE_ADD, "add device",
    "INSERT INTO devices (id, hostname, user_name, enrolled_at) VALUES ($1, $2, $3, $4)", NULL, 0};
static const struct db_query q_cert_add = {
    Q_CERT_ADD, "add certificate",
    "INSERT INTO certs (serial, kind, owner, not_after, created_at)"
    " VALUES ($1, $2, $3, $4, $5)",
    NULL, 0};

static int cert_add(struct db *db, const char *serial, int kind, const char *owner,
		    int64_t not_after, int64_t now, struct errbuf *e)
{
	struct db_stmt *s;
	int rc = db_prepare(db, &q_cert_add, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, serial);
	db_bind_int64(s, 2, kind);
	db_bind_text(s, 3, owner);
	db_bind_int64(s, 4, not_after);
	db_bind_int64(s, 5, now);
	rc = db_step(s, e);
	db_done(s);
	return rc < 0 ? rc : 0;
}

static int enroll_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	const struct store_enrollment *en = j->arg;
	struct db_stmt *s;
	int rc = db_prepare(db, &q_token_take, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, en->token_sha256);
	db_bind_int64(s, 2, en->now);
	db_bind_text(s, 3, en->device_id);
	rc = db_step(s, e);
	db_done(s);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return err_set(e, STORE_GONE, "%s: enroll: the token is unknown, used or expired",
			       db_kind_name(st->kind));
	if ((rc = db_prepare(db, &q_device_add, &s, e)) < 0)
		return rc;
	db_bind_text(s, 1, en->device_id);
	db_bind_text(s, 2, en->hostname);
	db_bind_text(s, 3, en->user);
	db_bind_int64(s, 4, en->now);
	rc = db_step(s, e);
	db_done(s);
	if (rc < 0)
		return rc;
	if ((rc = cert_add(db, en->cert_serial, STORE_CERT_DEVICE, en->device_id,
			   en->cert_not_after, en->now, e)) < 0)
		return rc;
	if (store_delta_add(&j->deltas, NULL, DS_NONE, 1) < 0)
		return err_set(e, MAMORI_ENOMEM, "%s: enroll: out of memory",
			       db_kind_name(st->kind));
	return 0;
}

int store_enroll(struct store *st, const struct store_enrollment *en, struct errbuf *e)
{
	int rc;
	if ((rc = store_check_text("token", en->token_sha256, 128, false, e)) < 0 ||
	    (rc = store_check_text("device id", en->device_id, STORE_MAX_ID, false, e)) < 0 ||
	    (rc = store_check_text("hostname", en->hostname, STORE_MAX_TEXT, false, e)) < 0 ||
	    (rc = store_check_text("user", en->user, STORE_MAX_TEXT, true, e)) < 0 ||
	    (rc = store_check_text("certificate serial", en->cert_serial, STORE_MAX_ID, false, e)) <
		0)
		return rc;
	struct store_job j = {.run = enroll_run, .key = en->device_id, .arg = en};
	return store_submit(st, &j, e);
}

struct admin_cert {
	const char *serial, *name;
	int64_t not_after, now;
};

static int admin_cert_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	(void)st;
	const struct admin_cert *a = j->arg;
	return cert_add(db, a->serial, STORE_CERT_ADMIN, a->name, a->not_after, a->now, e);
}

int store_admin_cert_add_audited(struct store *st, const char *cert_serial, const char *name,
				 int64_t not_after, int64_t now, const struct store_audit_in *audit,
				 struct errbuf *e)
{
	int rc;
	if ((rc = store_check_text("certificate serial", cert_serial, STORE_MAX_ID, false, e)) <
		0 ||
	    (rc = store_check_text("admin name", name, STORE_MAX_ID, false, e)) < 0 ||
	    (audit != NULL && (rc = store_audit_check(audit, e)) < 0))
		return rc;
	if (name[0] == '\0')
		return err_set(e, MAMORI_EINVAL, "admin name: empty");
	struct admin_cert a = {cert_serial, name, not_after, now};
	struct store_job j = {.run = admin_cert_run, .key = "", .arg = &a, .audit = audit};
	return store_submit(st, &j, e);
}

int store_admin_cert_add(struct store *st, const char *cert_serial, const char *name,
			 int64_t not_after, int64_t now, struct errbuf *e)
{
	return store_admin_cert_add_audited(st, cert_serial, name, not_after, now, NULL, e);
}

static const struct db_query q_cert_lookup = {
    Q_CERT_LOOKUP, "look up certificate",
    "SELECT kind, owner, not_after, revoked_at FROM certs WHERE serial = $1", NULL, 0};

static int fill_cert(struct db_stmt *s, void *out, struct errbuf *e)
{
	struct store_cert c = {0};
	c.kind = db_col_int64(s, 0) == STORE_CERT_ADMIN ? STORE_CERT_ADMIN : STORE_CERT_DEVICE;
	const char *owner = db_col_text(s, 1);
	int n = snprintf(c.owner, sizeof(c.owner), "%s", owner != NULL ? owner : "");
	c.not_after = db_col_int64(s, 2);
	c.revoked = !db_col_null(s, 3);
	if (n < 0 || (size_t)n >= sizeof(c.owner))
		return err_set(e, MAMORI_EINVAL, "certificate: owner too long");
	*(struct store_cert *)out = c;
	return 0;
}

int store_cert_lookup(struct store *st, const char *cert_serial, struct store_cert *out,
		      struct errbuf *e)
{
	int rc = store_check_text("certificate serial", cert_serial, STORE_MAX_ID, false, e);
	if (rc < 0)
		return rc;
	rc = store_read_row(st, &q_cert_lookup, cert_serial, fill_cert, out, e);
	if (rc == 0)
		return err_set(e, STORE_NOT_FOUND, "%s: certificate %s: not found",
			       db_kind_name(st->kind), cert_serial);
	return rc < 0 ? rc : 0;
}

/* ---- revocation ---- */

struct revoke {
	const char *device_id;
	int64_t now;
};

static const struct db_query q_device_revoke = {
    Q_DEVICE_REVOKE, "revoke device",
    "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", NULL, 0};
static const struct db_query q_certs_revoke = {
    Q_CERTS_REVOKE, "revoke certificates",
    "UPDATE certs SET revoked_at = $2 WHERE owner = $1 AND kind = 1 AND revoked_at IS NULL", NULL,
    0};
static const struct db_query q_topics_delete = {Q_TOPICS_DELETE, "revoke device: delete topics",
						"DELETE FROM device_topics WHERE device_id = $1",
						NULL, 0};

static int revoke_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	const struct revoke *r = j->arg;
	const char *name = db_kind_name(st->kind);
	struct db_stmt *s;
	int rc = db_prepare(db, &store_q_device_lock, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, r->device_id);
	rc = db_step(s, e);
	bool revoked = rc == 1 && !db_col_null(s, 0);
	int old = rc == 1 ? store_dev_status_from_name(db_col_text(s, 1)) : -1;
	bool reported = rc == 1 && !db_col_null(s, 2);
	int64_t last = reported ? db_col_int64(s, 2) : 0;
	db_done(s);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return err_set(e, STORE_NOT_FOUND, "%s: device %s: not found", name, r->device_id);
	if (!revoked) {
		if (store_delta_add(&j->deltas, NULL, old >= 0 ? old : DS_NONE, -1) < 0 ||
		    store_delta_add(&j->deltas, NULL, DS_REVOKED, 1) < 0 ||
		    (reported && store_delta_add_hour(&j->deltas, last, -1) < 0))
			return err_set(e, MAMORI_ENOMEM, "%s: revoke: out of memory", name);
		/* Out of the per-check summary too: its findings stay, uncounted. */
		if ((rc = db_prepare(db, &store_q_findings_of_device, &s, e)) < 0)
			return rc;
		db_bind_text(s, 1, r->device_id);
		while ((rc = db_step(s, e)) == 1) {
			int fs = store_status_from_name(db_col_text(s, 3));
			if (fs >= 0 &&
			    store_delta_add_check(&j->deltas, db_col_text(s, 0), fs, -1) < 0) {
				rc = err_set(e, MAMORI_ENOMEM, "%s: revoke: out of memory", name);
				break;
			}
		}
		db_done(s);
		if (rc < 0)
			return rc;
		/* Out of the summary: every topic it counted in goes down by one. */
		if ((rc = db_prepare(db, &store_q_topics_of_device, &s, e)) < 0)
			return rc;
		db_bind_text(s, 1, r->device_id);
		while ((rc = db_step(s, e)) == 1) {
			int ts = store_status_from_name(db_col_text(s, 1));
			if (ts >= 0 && store_delta_add(&j->deltas, db_col_text(s, 0), ts, -1) < 0) {
				rc = err_set(e, MAMORI_ENOMEM, "%s: revoke: out of memory", name);
				break;
			}
		}
		db_done(s);
		if (rc < 0)
			return rc;
		struct db_stmt *d;
		if ((rc = db_prepare(db, &q_topics_delete, &d, e)) < 0)
			return rc;
		db_bind_text(d, 1, r->device_id);
		rc = db_step(d, e);
		db_done(d);
		if (rc < 0)
			return rc;
		if ((rc = db_prepare(db, &q_device_revoke, &d, e)) < 0)
			return rc;
		db_bind_text(d, 1, r->device_id);
		db_bind_int64(d, 2, r->now);
		rc = db_step(d, e);
		db_done(d);
		if (rc < 0)
			return rc;
	}
	if ((rc = db_prepare(db, &q_certs_revoke, &s, e)) < 0)
		return rc;
	db_bind_text(s, 1, r->device_id);
	db_bind_int64(s, 2, r->now);
	rc = db_step(s, e);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_device_revoke_audited(struct store *st, const char *device_id, int64_t now,
				const struct store_audit_in *a, struct errbuf *e)
{
	int rc = store_check_text("device id", device_id, STORE_MAX_ID, false, e);
	if (rc < 0 || (a != NULL && (rc = store_audit_check(a, e)) < 0))
		return rc;
	struct revoke r = {device_id, now};
	struct store_job j = {.run = revoke_run, .key = device_id, .arg = &r, .audit = a};
	return store_submit(st, &j, e);
}

int store_device_revoke(struct store *st, const char *device_id, int64_t now, struct errbuf *e)
{
	return store_device_revoke_audited(st, device_id, now, NULL, e);
}

/* ---- read-only token check, admin revocation ---- */

static const struct db_query q_token_check = {
    Q_TOKEN_CHECK, "check token",
    "SELECT 1 FROM tokens WHERE sha256 = $1 AND used_at IS NULL AND expires > $2", NULL, 0};

int store_token_check(struct store *st, const char *token_sha256, int64_t now, struct errbuf *e)
{
	int rc = store_check_text("token", token_sha256, 128, false, e);
	if (rc < 0)
		return rc;
	struct db *db;
	if ((rc = store_reader(st, &db, e)) < 0)
		return rc;
	struct db_stmt *s;
	if ((rc = db_prepare(db, &q_token_check, &s, e)) >= 0) {
		db_bind_text(s, 1, token_sha256);
		db_bind_int64(s, 2, now);
		rc = db_step(s, e);
		db_done(s);
		if (rc == 0)
			rc = err_set(e, STORE_GONE, "%s: the token is unknown, used or expired",
				     db_kind_name(st->kind));
		else if (rc == 1)
			rc = 0;
	}
	store_reader_put(st, db);
	return rc;
}

static const struct db_query q_admin_revoke = {
    Q_ADMIN_REVOKE, "revoke admin certificates",
    "UPDATE certs SET revoked_at = $2 WHERE owner = $1 AND kind = 2 AND revoked_at IS NULL"
    " RETURNING serial",
    NULL, 0};

struct admin_revoke {
	const char *name;
	int64_t now;
	int *count; /* jobs are const; the count goes back through this */
};

static int admin_revoke_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	(void)st;
	const struct admin_revoke *a = j->arg;
	struct db_stmt *s;
	int rc = db_prepare(db, &q_admin_revoke, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, a->name);
	db_bind_int64(s, 2, a->now);
	while ((rc = db_step(s, e)) == 1)
		(*a->count)++;
	db_done(s);
	if (rc < 0)
		return rc;
	/* Nothing revoked is nothing to audit: the job fails, its savepoint is rolled back. */
	return *a->count > 0 ? 0
			     : err_set(e, STORE_NOT_FOUND,
				       "no admin certificate named %s that is not revoked", a->name);
}

int store_admin_revoke_audited(struct store *st, const char *name, int64_t now,
			       const struct store_audit_in *audit, struct errbuf *e)
{
	int rc = store_check_text("admin name", name, STORE_MAX_ID, false, e);
	if (rc < 0 || (audit != NULL && (rc = store_audit_check(audit, e)) < 0))
		return rc;
	int count = 0;
	struct admin_revoke a = {name, now, &count};
	struct store_job j = {.run = admin_revoke_run, .key = "", .arg = &a, .audit = audit};
	return store_submit(st, &j, e);
}

int store_admin_revoke(struct store *st, const char *name, int64_t now, struct errbuf *e)
{
	return store_admin_revoke_audited(st, name, now, NULL, e);
}

/* ---- the gate's view of a device ---- */

/* One statement per question, so that a gate request costs one read (and, on SQLite, one
 * snapshot and its locks): the certificate, the device and its failing checks, one row per
 * failing check (or one row with them NULL). Columns: cert kind, owner, not_after,
 * revoked_at; device id, revoked_at, last_generated_at; check_id, severity, failing_since. */
#define GATE_FAILING_JOIN                                                                          \
	" LEFT JOIN findings f ON f.device_id = d.id AND f.status = 'fail'"                        \
	" AND f.severity IN ($2, $3, $4, $5, $6)"
static const struct db_query q_gate_device = {
    Q_GATE_DEVICE, "gate: read device",
    "SELECT NULL, NULL, NULL, NULL, d.id, d.revoked_at, d.last_generated_at,"
    " f.check_id, f.severity, f.failing_since FROM devices d" GATE_FAILING_JOIN
    " WHERE d.id = $1 ORDER BY f.failing_since, f.check_id",
    NULL, 0};
static const struct db_query q_gate_serial = {
    Q_GATE_SERIAL, "gate: read certificate and device",
    "SELECT c.kind, c.owner, c.not_after, c.revoked_at, d.id, d.revoked_at, d.last_generated_at,"
    " f.check_id, f.severity, f.failing_since FROM certs c"
    " LEFT JOIN devices d ON d.id = c.owner AND c.kind = 1" GATE_FAILING_JOIN
    " WHERE c.serial = $1 ORDER BY f.failing_since, f.check_id",
    NULL, 0};

/* The first row: the certificate (by serial) and the device. */
static int gate_first_row(struct db_stmt *s, const char *serial, struct store_gate_state *out,
			  struct errbuf *e)
{
	if (serial) {
		const char *owner = db_col_text(s, 1);
		int64_t kind = db_col_int64(s, 0);
		out->cert.kind = kind == STORE_CERT_ADMIN ? STORE_CERT_ADMIN : STORE_CERT_DEVICE;
		int n = snprintf(out->cert.owner, sizeof out->cert.owner, "%s", owner ? owner : "");
		if (n < 0 || (size_t)n >= sizeof out->cert.owner)
			return err_set(e, MAMORI_EINVAL, "certificate %s: owner too long", serial);
		out->cert.not_after = db_col_int64(s, 2);
		out->cert.revoked = !db_col_null(s, 3);
		out->has_cert = true;
	}
	out->known = !db_col_null(s, 4);
	out->revoked = !db_col_null(s, 5);
	out->last_generated_at = db_col_null(s, 6) ? 0 : db_col_int64(s, 6);
	return 0;
}

int store_gate_state(struct store *st, const char *device_id, const char *serial,
		     const char *const *severities, struct store_gate_state *out, struct errbuf *e)
{
	int rc = serial ? store_check_text("certificate serial", serial, STORE_MAX_ID, false, e)
			: store_check_text("device id", device_id, STORE_MAX_ID, false, e);
	if (rc < 0)
		return rc;
	memset(out, 0, sizeof *out);
	struct db *db;
	if ((rc = store_reader(st, &db, e)) < 0)
		return rc;
	struct db_stmt *s;
	if ((rc = db_prepare(db, serial ? &q_gate_serial : &q_gate_device, &s, e)) < 0)
		goto out;
	db_bind_text(s, 1, serial ? serial : device_id);
	for (int i = 0, k = 0; i < 5; i++) /* "" matches no severity */
		db_bind_text(s, 2 + i, severities[k] ? severities[k++] : "");
	bool first = true;
	while ((rc = db_step(s, e)) == 1) {
		if (first && (rc = gate_first_row(s, serial, out, e)) < 0)
			break;
		first = false;
		if (db_col_null(s, 7) || out->revoked)
			continue;
		if (out->n_failing == STORE_GATE_MAX) {
			out->n_more++;
			continue;
		}
		const char *check = db_col_text(s, 7), *sev = db_col_text(s, 8);
		snprintf(out->failing[out->n_failing].check, sizeof out->failing[0].check, "%s",
			 check ? check : "");
		snprintf(out->failing[out->n_failing].severity, sizeof out->failing[0].severity,
			 "%s", sev ? sev : "");
		out->failing[out->n_failing].since =
		    db_col_null(s, 9) ? out->last_generated_at : db_col_int64(s, 9);
		out->n_failing++;
	}
	db_done(s);
	if (rc == 0 && serial && first)
		rc = err_set(e, STORE_NOT_FOUND, "%s: certificate %s: not found",
			     db_kind_name(st->kind), serial);
out:
	store_reader_put(st, db);
	return rc; /* 0, STORE_NOT_FOUND or an error */
}
