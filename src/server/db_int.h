/* SPDX-License-Identifier: Apache-2.0 */
/* What db.c shares with the two backends (db_sqlite.c, db_pg.c). Not for the store. */
#ifndef MAMORI_SERVER_DB_INT_H
#define MAMORI_SERVER_DB_INT_H

#include <libpq-fe.h>
#include <sqlite3.h>
#include "server/db.h"

struct db_stmt {
	struct db *db;
	const struct db_query *q;
	bool active; /* stepped since the last reset */
	/* SQLite */
	sqlite3_stmt *ls;
	int pidx[DB_MAX_PARAMS + 1]; /* "$i" -> SQLite's parameter index, 0: not in the SQL */
	/* PostgreSQL: the whole result is fetched by the first step, then walked. */
	char name[16];
	int nparams;
	const char *vals[DB_MAX_PARAMS];
	int lens[DB_MAX_PARAMS];
	int fmts[DB_MAX_PARAMS];
	char ibuf[DB_MAX_PARAMS][24];
	PGresult *res;
	int row, nrows;
};

struct db {
	enum db_kind kind;
	sqlite3 *lite;
	PGconn *pg;
	struct db_stmt *cache[DB_MAX_QUERIES];
	bool retryable;
};

int db_sqlite_open(const char *path, bool writer, struct db *db, struct errbuf *e);
int db_sqlite_exec(struct db *db, const char *what, const char *sql, struct errbuf *e);
int db_sqlite_prepare(struct db_stmt *s, struct errbuf *e);
int db_sqlite_step(struct db_stmt *s, struct errbuf *e);
void db_sqlite_bind_int64(struct db_stmt *s, int i, int64_t v);
void db_sqlite_bind_text(struct db_stmt *s, int i, const char *v);
void db_sqlite_bind_blob(struct db_stmt *s, int i, const void *v, size_t len);
void db_sqlite_bind_null(struct db_stmt *s, int i);

int db_pg_open(const char *conninfo, struct db *db, struct errbuf *e);
int db_pg_check(struct db *db, struct errbuf *e);
int db_pg_exec(struct db *db, const char *what, const char *sql, struct errbuf *e);
int db_pg_prepare(struct db_stmt *s, struct errbuf *e);
int db_pg_step(struct db_stmt *s, struct errbuf *e);
int64_t db_pg_col_int64(struct db_stmt *s, int i);
/* Drops every cached statement (after a reconnect, PostgreSQL has forgotten them). */
void db_forget_statements(struct db *db);

#endif
