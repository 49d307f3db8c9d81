/* SPDX-License-Identifier: Apache-2.0 */
/* A thin database layer under the store: one SQL text for SQLite and PostgreSQL wherever the
 * dialects agree, parameters "$1".."$n" bound as typed values, rows stepped one at a time.
 * A connection is used by one thread at a time. docs/internals/STORE.md. */
#ifndef MAMORI_SERVER_DB_H
#define MAMORI_SERVER_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/util.h"

enum db_kind { DB_SQLITE, DB_PG };

/* Prepared statements are cached per connection, by id (< DB_MAX_QUERIES). */
#define DB_MAX_QUERIES 128
#define DB_MAX_PARAMS 24

enum { DB_Q_BINARY = 1 }; /* PostgreSQL: results in binary format (for BYTEA columns) */

struct db_query {
	unsigned id;
	const char *what;   /* names the operation in errors: "insert report" */
	const char *sql;    /* both backends, or SQLite only when pg_sql is set */
	const char *pg_sql; /* NULL: the same as sql */
	unsigned flags;
};

struct db;
struct db_stmt;

/* SQLite: path is a file name, created 0600 when missing; the writer sets WAL mode,
 * synchronous=FULL and foreign keys; readers are query_only. PostgreSQL: path is a libpq
 * connection URI; writer is ignored. On failure *out is untouched. */
int db_open(enum db_kind kind, const char *path, bool writer, struct db **out, struct errbuf *e);
/* Finalizes the cached statements and closes. db_close(NULL) does nothing. */
void db_close(struct db *db);
enum db_kind db_kind(const struct db *db);
/* "sqlite" or "postgresql". */
const char *db_kind_name(enum db_kind kind);

/* Reconnects a PostgreSQL connection that was lost (the cached statements go with it); does
 * nothing for SQLite or a healthy connection. */
int db_check(struct db *db, struct errbuf *e);

/* Runs SQL without parameters or rows (may hold several statements). */
int db_exec(struct db *db, const char *what, const char *sql, struct errbuf *e);

/* The cached statement for q, reset and with no bindings. It stays valid until db_close;
 * finish each use with db_done so that SQLite does not keep a read snapshot open. */
int db_prepare(struct db *db, const struct db_query *q, struct db_stmt **out, struct errbuf *e);
/* Bindings borrow the value until the next db_step; i is 1-based ("$i"). A NULL text binds
 * SQL NULL. */
void db_bind_int64(struct db_stmt *s, int i, int64_t v);
void db_bind_text(struct db_stmt *s, int i, const char *v);
void db_bind_blob(struct db_stmt *s, int i, const void *v, size_t len);
void db_bind_null(struct db_stmt *s, int i);
/* 1: a row is ready; 0: done; < 0: an error naming the backend and q->what. */
int db_step(struct db_stmt *s, struct errbuf *e);
/* Columns of the current row (0-based); text and blobs stay valid until the next step or
 * db_done. A NULL column reads as NULL text / 0. */
bool db_col_null(struct db_stmt *s, int i);
int64_t db_col_int64(struct db_stmt *s, int i);
const char *db_col_text(struct db_stmt *s, int i);
const void *db_col_blob(struct db_stmt *s, int i, size_t *len);
/* Resets the statement (keeps it cached). db_done(NULL) does nothing. */
void db_done(struct db_stmt *s);
/* Resets every cached statement of the connection. */
void db_done_all(struct db *db);

/* Whether the connection is inside a transaction (a failed statement may have ended it). */
bool db_in_transaction(struct db *db);
/* Whether the last error was a lock timeout, deadlock or serialization failure: trying again
 * may succeed. */
bool db_retryable(const struct db *db);

#endif
