/* SPDX-License-Identifier: Apache-2.0 */
/* store_report_put: one report, its findings, the device's latest state and the summary
 * counters, in the committer's transaction. Only what changed is written: a device that
 * sends the same findings again costs a few reads and one row update. */
#include "server/store_int.h"

#include <lz4.h>
#include <stdlib.h>
#include <string.h>

/* A topic's status for one device: the worst of its findings. */
struct topic_state {
	const char *topic;
	int status; /* enum status */
};

/* What the caller's thread prepares, so that the single committer thread does less. */
struct put_arg {
	const struct store_report *r;
	const struct store_finding **by_check; /* sorted by check id, no duplicates */
	struct topic_state *topics;	       /* sorted by topic */
	size_t n_topics;
	int dev_status;	  /* enum dev_status */
	const void *body; /* as stored: the report's, or lz4 (body_format 1) */
	size_t body_stored;
	int body_format;
};

const struct db_query store_q_device_lock = {
    Q_DEVICE_LOCK, "lock device",
    "SELECT revoked_at, status, last_generated_at, hostname FROM devices WHERE id = $1",
    "SELECT revoked_at, status, last_generated_at, hostname FROM devices WHERE id = $1"
    " FOR UPDATE",
    0};
const struct db_query store_q_topics_of_device = {
    Q_TOPICS_OF_DEVICE, "read device topics",
    "SELECT topic, status FROM device_topics WHERE device_id = $1 ORDER BY topic", NULL, 0};
static const struct db_query q_report_owner = {Q_REPORT_OWNER, "look up report",
					       "SELECT device_id FROM reports WHERE report_id = $1",
					       NULL, 0};
static const struct db_query q_report_add = {
    Q_REPORT_ADD, "insert report",
    "INSERT INTO reports (report_id, device_id, generated_at, received_at, status, n_pass,"
    " n_fail, n_unknown, n_not_applicable, body, body_format, body_len)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    NULL, 0};
const struct db_query store_q_findings_of_device = {
    Q_FINDINGS_OF_DEVICE, "read findings",
    "SELECT check_id, topic, severity, status FROM findings WHERE device_id = $1"
    " ORDER BY check_id",
    NULL, 0};
/* SQLite: one statement per row (a prepared insert costs less there than unpacking JSON). */
/* failing_since: kept while a check keeps failing, the report's time when it starts to. */
#define FAILING_SINCE_UPDATE                                                                       \
	", failing_since = CASE WHEN excluded.status = 'fail' THEN COALESCE(CASE WHEN"             \
	" findings.status = 'fail' THEN findings.failing_since END, excluded.failing_since) END"
static const struct db_query q_finding_put = {
    Q_FINDING_UPSERT, "store finding",
    "INSERT INTO findings (device_id, check_id, topic, severity, status, failing_since)"
    " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (device_id, check_id) DO UPDATE"
    " SET topic = excluded.topic, severity = excluded.severity, status = excluded.status"
    FAILING_SINCE_UPDATE,
    NULL, 0};
static const struct db_query q_finding_delete = {
    Q_FINDING_DELETE, "delete finding",
    "DELETE FROM findings WHERE device_id = $1 AND check_id = $2", NULL, 0};
static const struct db_query q_topic_put = {
    Q_TOPIC_UPSERT, "store device topic",
    "INSERT INTO device_topics (device_id, topic, status) VALUES ($1, $2, $3)"
    " ON CONFLICT (device_id, topic) DO UPDATE SET status = excluded.status",
    NULL, 0};
static const struct db_query q_topic_delete = {
    Q_TOPIC_DELETE, "delete device topic",
    "DELETE FROM device_topics WHERE device_id = $1 AND topic = $2", NULL, 0};
/* PostgreSQL: one statement per list (JSON, see store_jlist): one round trip, not dozens. */
static const struct db_query q_findings_put = {
    Q_FINDINGS_PUT, "store findings",
    "INSERT INTO findings (device_id, check_id, topic, severity, status, failing_since)"
    " SELECT $1, x->>0, x->>1, x->>2, x->>3, NULLIF((x->>4)::bigint, 0)"
    " FROM json_array_elements($2::json) AS x"
    " ON CONFLICT (device_id, check_id) DO UPDATE"
    " SET topic = excluded.topic, severity = excluded.severity, status = excluded.status"
    FAILING_SINCE_UPDATE,
    NULL, 0};
static const struct db_query q_findings_delete = {
    Q_FINDINGS_DELETE, "delete findings",
    "DELETE FROM findings WHERE device_id = $1"
    " AND check_id IN (SELECT json_array_elements_text($2::json))",
    NULL, 0};
static const struct db_query q_topics_put = {
    Q_TOPICS_PUT, "store device topics",
    "INSERT INTO device_topics (device_id, topic, status)"
    " SELECT $1, x->>0, x->>1 FROM json_array_elements($2::json) AS x"
    " ON CONFLICT (device_id, topic) DO UPDATE SET status = excluded.status",
    NULL, 0};
static const struct db_query q_topics_delete = {
    Q_TOPICS_DELETE_SOME, "delete device topics",
    "DELETE FROM device_topics WHERE device_id = $1"
    " AND topic IN (SELECT json_array_elements_text($2::json))",
    NULL, 0};
static const struct db_query q_device_update = {
    Q_DEVICE_UPDATE, "update device",
    "UPDATE devices SET os_name = $2, os_version = $3, serial_number = $4,"
    " status = $5, n_pass = $6, n_fail = $7, n_unknown = $8, n_not_applicable = $9,"
    " packages = $10, security_updates_pending = $11, last_report_id = $12,"
    " last_generated_at = $13,"
    " last_seen = CASE WHEN last_seen IS NULL OR last_seen < $14 THEN $14 ELSE last_seen END"
    " WHERE id = $1",
    NULL, 0};
static const struct db_query q_device_seen = {
    Q_DEVICE_SEEN, "update device",
    "UPDATE devices SET"
    " last_seen = CASE WHEN last_seen IS NULL OR last_seen < $2 THEN $2 ELSE last_seen END"
    " WHERE id = $1",
    NULL, 0};
/* Apart, so that the ledger index is written only when the name changes. */
static const struct db_query q_device_rename = {
    Q_DEVICE_RENAME, "update device", "UPDATE devices SET hostname = $2 WHERE id = $1", NULL, 0};
static const struct db_query q_inventory_of_device = {
    Q_INVENTORY_OF_DEVICE, "read inventory", "SELECT sha256 FROM inventories WHERE device_id = $1",
    NULL, 0};
static const struct db_query q_inventory_put = {
    Q_INVENTORY_PUT, "store inventory",
    "INSERT INTO inventories (device_id, sha256, packages, received_at)"
    " VALUES ($1, $2, $3, $4) ON CONFLICT (device_id) DO UPDATE"
    " SET sha256 = excluded.sha256, packages = excluded.packages,"
    " received_at = excluded.received_at",
    NULL, 0};

static int rank(int status)
{
	switch (status) {
	case ST_FAIL:
		return 3;
	case ST_UNKNOWN:
		return 2;
	case ST_PASS:
		return 1;
	case ST_NOT_APPLICABLE:
		return 0;
	default:
		return -1;
	}
}

static void int_or_null(struct db_stmt *s, int i, int64_t v)
{
	if (v < 0)
		db_bind_null(s, i);
	else
		db_bind_int64(s, i, v);
}

static int oom(struct store *st, struct errbuf *e)
{
	return err_set(e, MAMORI_ENOMEM, "%s: store report: out of memory", db_kind_name(st->kind));
}

/* need_inventory: the report names a package list this device has not stored. */
static int inventory_missing(struct db *db, const struct store_report *r, bool *need,
			     struct errbuf *e)
{
	*need = false;
	if (r->inventory_sha256 == NULL)
		return 0;
	struct db_stmt *s;
	int rc = db_prepare(db, &q_inventory_of_device, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, r->device_id);
	rc = db_step(s, e);
	if (rc >= 0) {
		const char *have = rc == 1 ? db_col_text(s, 0) : NULL;
		*need = have == NULL || strcmp(have, r->inventory_sha256) != 0;
		rc = 0;
	}
	db_done(s);
	return rc;
}

static int run_text2(struct db *db, const struct db_query *q, const char *a, const char *b,
		     struct errbuf *e)
{
	struct db_stmt *s;
	int rc = db_prepare(db, q, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, a);
	db_bind_text(s, 2, b);
	rc = db_step(s, e);
	db_done(s);
	return rc < 0 ? rc : 0;
}

/* What a sync changes: rows to delete (keys, copied) and to upsert (indices into the
 * report's sorted findings or topics). */
struct changes {
	char **gone;
	size_t n_gone;
	size_t *ups;
	size_t n_ups;
};

static int gone_add(struct changes *c, const char *key)
{
	char **v = realloc(c->gone, (c->n_gone + 1) * sizeof(*v));
	if (v == NULL)
		return MAMORI_ENOMEM;
	c->gone = v;
	if ((v[c->n_gone] = xstrdup(key)) == NULL)
		return MAMORI_ENOMEM;
	c->n_gone++;
	return 0;
}

static void changes_free(struct changes *c)
{
	strv_free(c->gone, c->n_gone);
	free(c->ups);
	*c = (struct changes){0};
}

/* Deletions run first, so that rows that came in another order than expected would still
 * end right, only with more writes. */
static int apply_changes(struct store *st, struct db *db, const struct put_arg *a,
			 const struct changes *c, bool topics, struct errbuf *e)
{
	const char *dev = a->r->device_id;
	struct db_stmt *s;
	int rc = 0;
	if (db_kind(db) == DB_SQLITE) {
		for (size_t k = 0; k < c->n_gone; k++)
			if ((rc = run_text2(db, topics ? &q_topic_delete : &q_finding_delete, dev,
					    c->gone[k], e)) < 0)
				return rc;
		for (size_t k = 0; k < c->n_ups; k++) {
			if ((rc = db_prepare(db, topics ? &q_topic_put : &q_finding_put, &s, e)) <
			    0)
				return rc;
			db_bind_text(s, 1, dev);
			if (topics) {
				const struct topic_state *t = &a->topics[c->ups[k]];
				db_bind_text(s, 2, t->topic);
				db_bind_text(s, 3, store_status_names[t->status]);
			} else {
				const struct store_finding *f = a->by_check[c->ups[k]];
				db_bind_text(s, 2, f->check);
				db_bind_text(s, 3, f->topic);
				db_bind_text(s, 4, f->severity);
				db_bind_text(s, 5, f->status);
				if (strcmp(f->status, "fail") == 0)
					db_bind_int64(s, 6, a->r->generated_at);
				else
					db_bind_null(s, 6);
			}
			rc = db_step(s, e);
			db_done(s);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	struct store_jlist gone, ups;
	store_jl_init(&gone);
	store_jl_init(&ups);
	for (size_t k = 0; k < c->n_gone && rc == 0; k++)
		rc = store_jl_item(&gone, false) || store_jl_str(&gone, c->gone[k], true);
	for (size_t k = 0; k < c->n_ups && rc == 0; k++) {
		rc = store_jl_item(&ups, true);
		if (topics) {
			const struct topic_state *t = &a->topics[c->ups[k]];
			rc = rc || store_jl_str(&ups, t->topic, true) ||
			     store_jl_str(&ups, store_status_names[t->status], false);
		} else {
			const struct store_finding *f = a->by_check[c->ups[k]];
			rc = rc || store_jl_str(&ups, f->check, true) ||
			     store_jl_str(&ups, f->topic, false) ||
			     store_jl_str(&ups, f->severity, false) ||
			     store_jl_str(&ups, f->status, false) ||
			     store_jl_int(&ups, strcmp(f->status, "fail") == 0 ? a->r->generated_at : 0);
		}
		rc = rc || store_jl_end_item(&ups, true);
	}
	if (rc != 0 || store_jl_finish(&gone) != 0 || store_jl_finish(&ups) != 0) {
		rc = oom(st, e);
		goto out;
	}
	if (c->n_gone > 0 && (rc = run_text2(db, topics ? &q_topics_delete : &q_findings_delete,
					     dev, gone.b.data, e)) < 0)
		goto out;
	if (c->n_ups > 0 &&
	    (rc = run_text2(db, topics ? &q_topics_put : &q_findings_put, dev, ups.b.data, e)) < 0)
		goto out;
out:
	buf_free(&gone.b);
	buf_free(&ups.b);
	return rc;
}

/* A finding's state entering (+1) or leaving (-1) the per-check counters; d NULL: the device
 * is not counted (revoked). */
static int check_delta(struct store_deltas *d, const char *check, const char *status, int n)
{
	int k = store_status_from_name(status);
	return d == NULL || k < 0 ? 0 : store_delta_add_check(d, check, k, n);
}

/* Brings the device's findings rows to the report's: one merge of two lists sorted by check
 * id (the rows come in primary-key byte order), then the changes only. fresh: the device has
 * never reported, there is nothing to read. Each changed state goes into d (may be NULL). */
static int findings_sync(struct store *st, struct db *db, const struct put_arg *a, bool fresh,
			 struct store_deltas *d, struct errbuf *e)
{
	const struct store_report *r = a->r;
	struct changes c = {0};
	struct db_stmt *s;
	int rc = 0;
	size_t i = 0;
	if (r->n_findings > 0 && (c.ups = malloc(r->n_findings * sizeof(*c.ups))) == NULL)
		return oom(st, e);
	if (!fresh) {
		if ((rc = db_prepare(db, &store_q_findings_of_device, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, r->device_id);
		while ((rc = db_step(s, e)) == 1) {
			const char *check = db_col_text(s, 0), *old = db_col_text(s, 3);
			int cmp = -1;
			while (i < r->n_findings &&
			       (cmp = strcmp(a->by_check[i]->check, check)) < 0) {
				if (check_delta(d, a->by_check[i]->check, a->by_check[i]->status,
						1) < 0)
					rc = oom(st, e);
				c.ups[c.n_ups++] = i++;
			}
			if (rc < 0)
				break;
			if (i < r->n_findings && cmp == 0) {
				const struct store_finding *f = a->by_check[i];
				bool moved = strcmp(f->status, old) != 0;
				if (strcmp(f->topic, db_col_text(s, 1)) != 0 ||
				    strcmp(f->severity, db_col_text(s, 2)) != 0 || moved)
					c.ups[c.n_ups++] = i;
				if (moved && (check_delta(d, check, old, -1) < 0 ||
					      check_delta(d, check, f->status, 1) < 0)) {
					rc = oom(st, e);
					break;
				}
				i++;
			} else if (gone_add(&c, check) < 0 || check_delta(d, check, old, -1) < 0) {
				rc = oom(st, e);
				break;
			}
		}
		db_done(s);
		if (rc < 0)
			goto out;
	}
	for (; i < r->n_findings; i++) {
		if (check_delta(d, a->by_check[i]->check, a->by_check[i]->status, 1) < 0) {
			rc = oom(st, e);
			goto out;
		}
		c.ups[c.n_ups++] = i;
	}
	rc = apply_changes(st, db, a, &c, false, e);
out:
	changes_free(&c);
	return rc;
}

/* The same for the device's per-topic states, noting each change in the job's deltas. */
static int topics_sync(struct store *st, struct db *db, const struct put_arg *a, bool fresh,
		       struct store_deltas *d, struct errbuf *e)
{
	struct changes c = {0};
	struct db_stmt *s;
	int rc = 0;
	size_t i = 0;
	if (a->n_topics > 0 && (c.ups = malloc(a->n_topics * sizeof(*c.ups))) == NULL)
		return oom(st, e);
	if (!fresh) {
		if ((rc = db_prepare(db, &store_q_topics_of_device, &s, e)) < 0)
			goto out;
		db_bind_text(s, 1, a->r->device_id);
		while ((rc = db_step(s, e)) == 1) {
			const char *topic = db_col_text(s, 0);
			int old = store_status_from_name(db_col_text(s, 1));
			int cmp = -1;
			while (i < a->n_topics && (cmp = strcmp(a->topics[i].topic, topic)) < 0)
				c.ups[c.n_ups++] = i++;
			if (i < a->n_topics && cmp == 0) {
				if (old != a->topics[i].status) {
					c.ups[c.n_ups++] = i;
					if (old >= 0 && store_delta_add(d, topic, old, -1) < 0)
						rc = oom(st, e);
				}
				i++;
			} else if (gone_add(&c, topic) < 0 ||
				   (old >= 0 && store_delta_add(d, topic, old, -1) < 0)) {
				rc = oom(st, e);
			}
			if (rc < 0)
				break;
		}
		db_done(s);
		if (rc < 0)
			goto out;
	}
	while (i < a->n_topics)
		c.ups[c.n_ups++] = i++;
	/* Every upserted topic counts for its new state. */
	for (size_t k = 0; k < c.n_ups; k++) {
		const struct topic_state *t = &a->topics[c.ups[k]];
		if (store_delta_add(d, t->topic, t->status, 1) < 0) {
			rc = oom(st, e);
			goto out;
		}
	}
	rc = apply_changes(st, db, a, &c, true, e);
out:
	changes_free(&c);
	return rc;
}

static int device_update(struct db *db, const struct store_report *r, struct errbuf *e)
{
	struct db_stmt *s;
	int rc = db_prepare(db, &q_device_update, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, r->device_id);
	db_bind_text(s, 2, r->os_name);
	db_bind_text(s, 3, r->os_version);
	db_bind_text(s, 4, r->serial_number);
	db_bind_text(s, 5, r->status);
	db_bind_int64(s, 6, r->n_pass);
	db_bind_int64(s, 7, r->n_fail);
	db_bind_int64(s, 8, r->n_unknown);
	db_bind_int64(s, 9, r->n_not_applicable);
	int_or_null(s, 10, r->package_count);
	int_or_null(s, 11, r->security_updates_pending);
	db_bind_text(s, 12, r->report_id);
	db_bind_int64(s, 13, r->generated_at);
	db_bind_int64(s, 14, r->received_at);
	rc = db_step(s, e);
	db_done(s);
	return rc < 0 ? rc : 0;
}

int store_put_run(struct store *st, struct db *db, struct store_job *j, struct errbuf *e)
{
	const struct put_arg *a = j->arg;
	const struct store_report *r = a->r;
	const char *name = db_kind_name(st->kind);
	struct db_stmt *s;

	/* The device row first: on PostgreSQL it is locked, so two instances never interleave
	 * the diffs below for one device. */
	int rc = db_prepare(db, &store_q_device_lock, &s, e);
	if (rc < 0)
		return rc;
	db_bind_text(s, 1, r->device_id);
	rc = db_step(s, e);
	bool revoked = rc == 1 && !db_col_null(s, 0);
	int old_status = rc == 1 ? store_dev_status_from_name(db_col_text(s, 1)) : -1;
	bool fresh = rc == 1 && db_col_null(s, 2);
	int64_t old_generated = fresh || rc != 1 ? 0 : db_col_int64(s, 2);
	bool latest = rc == 1 && (fresh || r->generated_at >= db_col_int64(s, 2));
	bool renamed = rc == 1 && strcmp(db_col_text(s, 3), r->hostname) != 0;
	db_done(s);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return err_set(e, STORE_NOT_FOUND, "%s: store report: device %s not found", name,
			       r->device_id);

	if ((rc = db_prepare(db, &q_report_owner, &s, e)) < 0)
		return rc;
	db_bind_text(s, 1, r->report_id);
	rc = db_step(s, e);
	bool same = rc == 1 && strcmp(db_col_text(s, 0), r->device_id) == 0;
	db_done(s);
	if (rc < 0)
		return rc;
	if (rc == 1 && !same)
		return err_set(e, STORE_CONFLICT,
			       "%s: store report: report %s belongs to another device", name,
			       r->report_id);
	if (rc == 1) {
		j->put.duplicate = true;
		return inventory_missing(db, r, &j->put.need_inventory, e);
	}

	if ((rc = db_prepare(db, &q_report_add, &s, e)) < 0)
		return rc;
	db_bind_text(s, 1, r->report_id);
	db_bind_text(s, 2, r->device_id);
	db_bind_int64(s, 3, r->generated_at);
	db_bind_int64(s, 4, r->received_at);
	db_bind_text(s, 5, r->status);
	db_bind_int64(s, 6, r->n_pass);
	db_bind_int64(s, 7, r->n_fail);
	db_bind_int64(s, 8, r->n_unknown);
	db_bind_int64(s, 9, r->n_not_applicable);
	db_bind_blob(s, 10, a->body, a->body_stored);
	db_bind_int64(s, 11, a->body_format);
	db_bind_int64(s, 12, (int64_t)r->body_len);
	rc = db_step(s, e);
	db_done(s);
	if (rc < 0)
		return rc;

	/* A report older than the device's latest (a spooled one arriving late) goes into the
	 * history only. */
	if (!latest) {
		if ((rc = db_prepare(db, &q_device_seen, &s, e)) < 0)
			return rc;
		db_bind_text(s, 1, r->device_id);
		db_bind_int64(s, 2, r->received_at);
		rc = db_step(s, e);
		db_done(s);
		if (rc < 0)
			return rc;
		return inventory_missing(db, r, &j->put.need_inventory, e);
	}

	/* A revoked device left the summary; a report that raced with the revocation is kept
	 * but does not bring it back. */
	if ((rc = findings_sync(st, db, a, fresh, revoked ? NULL : &j->deltas, e)) < 0)
		return rc;
	if (!revoked) {
		if ((rc = topics_sync(st, db, a, fresh, &j->deltas, e)) < 0)
			return rc;
		/* The device moves to the hour of its new latest report (stale devices). */
		if ((!fresh && store_delta_add_hour(&j->deltas, old_generated, -1) < 0) ||
		    store_delta_add_hour(&j->deltas, r->generated_at, 1) < 0)
			return oom(st, e);
		int old = old_status >= 0 ? old_status : DS_NONE;
		if (old != a->dev_status &&
		    (store_delta_add(&j->deltas, NULL, old, -1) < 0 ||
		     store_delta_add(&j->deltas, NULL, a->dev_status, 1) < 0))
			return oom(st, e);
	}
	if ((rc = device_update(db, r, e)) < 0)
		return rc;
	if (renamed && (rc = run_text2(db, &q_device_rename, r->device_id, r->hostname, e)) < 0)
		return rc;
	if (r->inventory_json != NULL) {
		if ((rc = db_prepare(db, &q_inventory_put, &s, e)) < 0)
			return rc;
		db_bind_text(s, 1, r->device_id);
		db_bind_text(s, 2, r->inventory_sha256);
		db_bind_blob(s, 3, r->inventory_json, r->inventory_len);
		db_bind_int64(s, 4, r->received_at);
		rc = db_step(s, e);
		db_done(s);
		return rc < 0 ? rc : 0;
	}
	return inventory_missing(db, r, &j->put.need_inventory, e);
}

static int by_check(const void *a, const void *b)
{
	const struct store_finding *x = *(const struct store_finding *const *)a;
	const struct store_finding *y = *(const struct store_finding *const *)b;
	return strcmp(x->check, y->check);
}

static int by_topic(const void *a, const void *b)
{
	const struct store_finding *x = *(const struct store_finding *const *)a;
	const struct store_finding *y = *(const struct store_finding *const *)b;
	return strcmp(x->topic, y->topic);
}

static int check_report(const struct store_report *r, struct errbuf *e)
{
	int rc;
	if ((rc = store_check_text("report id", r->report_id, STORE_MAX_ID, false, e)) < 0 ||
	    (rc = store_check_text("device id", r->device_id, STORE_MAX_ID, false, e)) < 0 ||
	    (rc = store_check_text("hostname", r->hostname, STORE_MAX_TEXT, false, e)) < 0 ||
	    (rc = store_check_text("os name", r->os_name, STORE_MAX_TEXT, true, e)) < 0 ||
	    (rc = store_check_text("os version", r->os_version, STORE_MAX_TEXT, true, e)) < 0 ||
	    (rc = store_check_text("serial number", r->serial_number, STORE_MAX_TEXT, true, e)) <
		0 ||
	    (rc = store_check_text("inventory sha256", r->inventory_sha256, 128, true, e)) < 0)
		return rc;
	int ds = store_dev_status_from_name(r->status);
	if (ds != DS_PASS && ds != DS_FAIL && ds != DS_UNKNOWN)
		return err_set(e, MAMORI_EINVAL, "report status: not pass, fail or unknown");
	if (r->n_pass < 0 || r->n_fail < 0 || r->n_unknown < 0 || r->n_not_applicable < 0)
		return err_set(e, MAMORI_EINVAL, "report counts: negative");
	if (r->body == NULL)
		return err_set(e, MAMORI_EINVAL, "report body: missing");
	if (r->body_len > INT32_MAX || r->inventory_len > INT32_MAX)
		return err_set(e, MAMORI_ETOOBIG, "report: larger than 2 GiB");
	if (r->inventory_json != NULL && r->inventory_sha256 == NULL)
		return err_set(e, MAMORI_EINVAL, "inventory: sent without its sha256");
	if (r->n_findings > STORE_MAX_FINDINGS)
		return err_set(e, MAMORI_ETOOBIG, "report: more than %d findings",
			       STORE_MAX_FINDINGS);
	if (r->n_findings > 0 && r->findings == NULL)
		return err_set(e, MAMORI_EINVAL, "report findings: missing");
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct store_finding *f = &r->findings[i];
		if ((rc = store_check_text("finding check", f->check, STORE_MAX_NAME, false, e)) <
			0 ||
		    (rc = store_check_text("finding topic", f->topic, STORE_MAX_NAME, false, e)) <
			0 ||
		    (rc = store_check_text("finding severity", f->severity, STORE_MAX_NAME, false,
					   e)) < 0)
			return rc;
		if (store_status_from_name(f->status) < 0)
			return err_set(e, MAMORI_EINVAL, "finding %s: unknown status", f->check);
	}
	return 0;
}

int store_report_put(struct store *st, const struct store_report *r, struct store_put_result *out,
		     struct errbuf *e)
{
	int rc = check_report(r, e);
	if (rc < 0)
		return rc;
	struct put_arg a = {.r = r, .dev_status = store_dev_status_from_name(r->status)};
	const struct store_finding **by_t = NULL;
	char *z = NULL;
	size_t n = r->n_findings;
	if (n > 0) {
		a.by_check = malloc(n * sizeof(*a.by_check));
		by_t = malloc(n * sizeof(*by_t));
		a.topics = malloc(n * sizeof(*a.topics));
		if (a.by_check == NULL || by_t == NULL || a.topics == NULL) {
			rc = err_set(e, MAMORI_ENOMEM, "store report: out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		a.by_check[i] = by_t[i] = &r->findings[i];
	if (n > 0) {
		qsort(a.by_check, n, sizeof(*a.by_check), by_check);
		qsort(by_t, n, sizeof(*by_t), by_topic);
	}
	for (size_t i = 1; i < n; i++) {
		if (strcmp(a.by_check[i - 1]->check, a.by_check[i]->check) == 0) {
			rc = err_set(e, MAMORI_EINVAL, "report: check %s appears twice",
				     a.by_check[i]->check);
			goto out;
		}
	}
	/* Topic state: the worst finding; disabled ones do not count, a topic with nothing
	 * else has no state. */
	for (size_t i = 0; i < n;) {
		size_t k = i;
		int worst = -1;
		for (; k < n && strcmp(by_t[k]->topic, by_t[i]->topic) == 0; k++) {
			int s = store_status_from_name(by_t[k]->status);
			if (rank(s) > rank(worst))
				worst = s;
		}
		if (worst >= 0)
			a.topics[a.n_topics++] = (struct topic_state){by_t[i]->topic, worst};
		i = k;
	}
	/* Compressed here, in the caller's thread, so that the one committer writes a third of
	 * the bytes (a 30 KB wire report is about 10 KB in LZ4). */
	a.body = r->body;
	a.body_stored = r->body_len;
	a.body_format = STORE_BODY_RAW;
	if (r->body_len >= 512 && r->body_len <= LZ4_MAX_INPUT_SIZE) {
		int bound = LZ4_compressBound((int)r->body_len);
		if ((z = malloc((size_t)bound)) == NULL) {
			rc = err_set(e, MAMORI_ENOMEM, "store report: out of memory");
			goto out;
		}
		int zn = LZ4_compress_default(r->body, z, (int)r->body_len, bound);
		if (zn > 0 && (size_t)zn < r->body_len - r->body_len / 8) {
			a.body = z;
			a.body_stored = (size_t)zn;
			a.body_format = STORE_BODY_LZ4;
		}
	}
	struct store_job j = {.run = store_put_run, .key = r->device_id, .arg = &a};
	if ((rc = store_submit(st, &j, e)) == 0)
		*out = j.put;
out:
	free(z);
	free(a.by_check);
	free(by_t);
	free(a.topics);
	return rc;
}
