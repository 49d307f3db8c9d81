/* SPDX-License-Identifier: Apache-2.0 */
/* The backend-independent half of the db layer: statement cache, bindings, columns. */
#include "server/db_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *db_kind_name(enum db_kind kind)
{
	return kind == DB_PG ? "postgresql" : "sqlite";
}

enum db_kind db_kind(const struct db *db)
{
	return db->kind;
}

int db_open(enum db_kind kind, const char *path, bool writer, struct db **out, struct errbuf *e)
{
	struct db *db = calloc(1, sizeof(*db));
	if (db == NULL)
		return err_set(e, MAMORI_ENOMEM, "%s: open: out of memory", db_kind_name(kind));
	db->kind = kind;
	int rc = kind == DB_PG ? db_pg_open(path, db, e) : db_sqlite_open(path, writer, db, e);
	if (rc < 0) {
		db_close(db);
		return rc;
	}
	*out = db;
	return 0;
}

static void stmt_free(struct db_stmt *s)
{
	if (s == NULL)
		return;
	if (s->ls != NULL)
		sqlite3_finalize(s->ls);
	PQclear(s->res);
	free(s);
}

void db_forget_statements(struct db *db)
{
	for (size_t i = 0; i < DB_MAX_QUERIES; i++) {
		stmt_free(db->cache[i]);
		db->cache[i] = NULL;
	}
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	db_forget_statements(db);
	if (db->lite != NULL)
		sqlite3_close_v2(db->lite);
	if (db->pg != NULL)
		PQfinish(db->pg);
	free(db);
}

int db_check(struct db *db, struct errbuf *e)
{
	return db->kind == DB_PG ? db_pg_check(db, e) : 0;
}

int db_exec(struct db *db, const char *what, const char *sql, struct errbuf *e)
{
	db->retryable = false;
	return db->kind == DB_PG ? db_pg_exec(db, what, sql, e) : db_sqlite_exec(db, what, sql, e);
}

static void stmt_reset(struct db_stmt *s)
{
	if (s->ls != NULL) {
		sqlite3_reset(s->ls);
		sqlite3_clear_bindings(s->ls);
	}
	if (s->res != NULL) {
		PQclear(s->res);
		s->res = NULL;
	}
	for (int i = 0; i < DB_MAX_PARAMS; i++) {
		s->vals[i] = NULL;
		s->lens[i] = 0;
		s->fmts[i] = 0;
	}
	s->row = -1;
	s->nrows = 0;
	s->active = false;
}

int db_prepare(struct db *db, const struct db_query *q, struct db_stmt **out, struct errbuf *e)
{
	if (q->id >= DB_MAX_QUERIES)
		return err_set(e, MAMORI_EINVAL, "%s: %s: query id %u out of range",
			       db_kind_name(db->kind), q->what, q->id);
	struct db_stmt *s = db->cache[q->id];
	if (s != NULL && s->q == q) {
		stmt_reset(s);
		*out = s;
		return 0;
	}
	if (s != NULL) /* two queries with one id: a programming error, but not fatal */
		return err_set(e, MAMORI_EINVAL, "%s: %s: query id %u used twice",
			       db_kind_name(db->kind), q->what, q->id);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return err_set(e, MAMORI_ENOMEM, "%s: %s: out of memory", db_kind_name(db->kind),
			       q->what);
	s->db = db;
	s->q = q;
	s->row = -1;
	int rc = db->kind == DB_PG ? db_pg_prepare(s, e) : db_sqlite_prepare(s, e);
	if (rc < 0) {
		stmt_free(s);
		return rc;
	}
	db->cache[q->id] = s;
	*out = s;
	return 0;
}

static bool param_ok(const struct db_stmt *s, int i)
{
	return i >= 1 && i <= DB_MAX_PARAMS;
}

void db_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	if (!param_ok(s, i))
		return;
	if (s->db->kind == DB_SQLITE) {
		db_sqlite_bind_int64(s, i, v);
		return;
	}
	/* Text format: PostgreSQL converts it to the parameter's inferred type. */
	int n = snprintf(s->ibuf[i - 1], sizeof(s->ibuf[i - 1]), "%" PRId64, v);
	s->vals[i - 1] = s->ibuf[i - 1];
	s->lens[i - 1] = n;
	s->fmts[i - 1] = 0;
}

void db_bind_text(struct db_stmt *s, int i, const char *v)
{
	if (!param_ok(s, i))
		return;
	if (s->db->kind == DB_SQLITE) {
		db_sqlite_bind_text(s, i, v);
		return;
	}
	s->vals[i - 1] = v;
	s->lens[i - 1] = 0;
	s->fmts[i - 1] = 0;
}

void db_bind_blob(struct db_stmt *s, int i, const void *v, size_t len)
{
	if (!param_ok(s, i))
		return;
	if (s->db->kind == DB_SQLITE) {
		db_sqlite_bind_blob(s, i, v, len);
		return;
	}
	/* Binary format, so that PostgreSQL takes the bytes as they are; "" for an empty blob
	 * because a NULL value would mean SQL NULL. */
	s->vals[i - 1] = v != NULL ? v : "";
	s->lens[i - 1] = (int)len;
	s->fmts[i - 1] = 1;
}

void db_bind_null(struct db_stmt *s, int i)
{
	if (!param_ok(s, i))
		return;
	if (s->db->kind == DB_SQLITE) {
		db_sqlite_bind_null(s, i);
		return;
	}
	s->vals[i - 1] = NULL;
	s->lens[i - 1] = 0;
	s->fmts[i - 1] = 0;
}

int db_step(struct db_stmt *s, struct errbuf *e)
{
	s->db->retryable = false;
	s->active = true;
	return s->db->kind == DB_PG ? db_pg_step(s, e) : db_sqlite_step(s, e);
}

bool db_col_null(struct db_stmt *s, int i)
{
	if (s->db->kind == DB_SQLITE)
		return sqlite3_column_type(s->ls, i) == SQLITE_NULL;
	if (s->res == NULL || s->row < 0 || s->row >= s->nrows || i >= PQnfields(s->res))
		return true;
	return PQgetisnull(s->res, s->row, i) != 0;
}

int64_t db_col_int64(struct db_stmt *s, int i)
{
	if (s->db->kind == DB_SQLITE)
		return sqlite3_column_int64(s->ls, i);
	return db_pg_col_int64(s, i);
}

const char *db_col_text(struct db_stmt *s, int i)
{
	if (db_col_null(s, i))
		return NULL;
	if (s->db->kind == DB_SQLITE)
		return (const char *)sqlite3_column_text(s->ls, i);
	return PQgetvalue(s->res, s->row, i);
}

const void *db_col_blob(struct db_stmt *s, int i, size_t *len)
{
	*len = 0;
	if (db_col_null(s, i))
		return NULL;
	if (s->db->kind == DB_SQLITE) {
		const void *p = sqlite3_column_blob(s->ls, i);
		*len = (size_t)sqlite3_column_bytes(s->ls, i);
		return p != NULL ? p : "";
	}
	*len = (size_t)PQgetlength(s->res, s->row, i);
	return PQgetvalue(s->res, s->row, i);
}

void db_done(struct db_stmt *s)
{
	if (s != NULL && s->active)
		stmt_reset(s);
}

void db_done_all(struct db *db)
{
	for (size_t i = 0; i < DB_MAX_QUERIES; i++)
		db_done(db->cache[i]);
}

bool db_in_transaction(struct db *db)
{
	if (db->kind == DB_SQLITE)
		return !sqlite3_get_autocommit(db->lite);
	PGTransactionStatusType t = PQtransactionStatus(db->pg);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

bool db_retryable(const struct db *db)
{
	return db->retryable;
}
