/* SPDX-License-Identifier: Apache-2.0 */
/* The SQLite backend of the db layer. */
#include "server/db_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A writer waits this long for another process (mamorid device revoke) to finish. */
#define BUSY_TIMEOUT_MS 10000

static int lite_fail(struct db *db, int rc, const char *what, struct errbuf *e)
{
	int prim = rc & 0xff;
	db->retryable = prim == SQLITE_BUSY || prim == SQLITE_LOCKED;
	int code = prim == SQLITE_CONSTRAINT ? MAMORI_EINVAL
		   : prim == SQLITE_NOMEM    ? MAMORI_ENOMEM
		   : prim == SQLITE_TOOBIG   ? MAMORI_ETOOBIG
		   : prim == SQLITE_CANTOPEN || prim == SQLITE_PERM || prim == SQLITE_READONLY
		       ? MAMORI_EACCES
		       : MAMORI_EIO;
	const char *msg = db->lite != NULL ? sqlite3_errmsg(db->lite) : sqlite3_errstr(rc);
	return err_set(e, code, "sqlite: %s: %s", what, msg);
}

/* The file holds every device's security state: readable by mamorid only. */
static int create_private(const char *path, struct errbuf *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return 0;
		return err_set(e, errno == EACCES ? MAMORI_EACCES : MAMORI_EIO,
			       "sqlite: open %s: %s", path, strerror(errno));
	}
	close(fd);
	return 0;
}

int db_sqlite_open(const char *path, bool writer, struct db *db, struct errbuf *e)
{
	int rc = writer ? create_private(path, e) : 0;
	if (rc < 0)
		return rc;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	rc = sqlite3_open_v2(path, &db->lite, flags, NULL);
	if (rc != SQLITE_OK) {
		err_set(e, MAMORI_EIO, "sqlite: open %s: %s", path,
			db->lite != NULL ? sqlite3_errmsg(db->lite) : sqlite3_errstr(rc));
		return (rc & 0xff) == SQLITE_CANTOPEN ? MAMORI_EACCES : MAMORI_EIO;
	}
	sqlite3_extended_result_codes(db->lite, 1);
	sqlite3_busy_timeout(db->lite, BUSY_TIMEOUT_MS);
	/* WAL: readers never block the writer. synchronous=FULL: a commit is on disk when
	 * COMMIT returns (NORMAL could lose the last transactions on power loss). A checkpoint
	 * every 4000 pages (16 MiB) rather than 1000 writes a page that changes in many
	 * transactions (counters, index pages) to the database file once rather than often. */
	const char *setup = writer ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				     "PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768;"
				     "PRAGMA wal_autocheckpoint=4000;"
				     "PRAGMA journal_size_limit=67108864;"
				   : "PRAGMA foreign_keys=ON; PRAGMA cache_size=-8192;"
				     "PRAGMA query_only=ON;";
	if (db_sqlite_exec(db, "open", setup, e) < 0)
		return MAMORI_EIO;
	if (writer) {
		sqlite3_stmt *st = NULL;
		rc = sqlite3_prepare_v2(db->lite, "PRAGMA journal_mode", -1, &st, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		bool wal = rc == SQLITE_ROW &&
			   strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
		sqlite3_finalize(st);
		if (!wal)
			return err_set(e, MAMORI_EIO, "sqlite: open %s: cannot switch to WAL mode",
				       path);
	}
	return 0;
}

int db_sqlite_exec(struct db *db, const char *what, const char *sql, struct errbuf *e)
{
	int rc = sqlite3_exec(db->lite, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return lite_fail(db, rc, what, e);
	return 0;
}

int db_sqlite_prepare(struct db_stmt *s, struct errbuf *e)
{
	int rc =
	    sqlite3_prepare_v3(s->db->lite, s->q->sql, -1, SQLITE_PREPARE_PERSISTENT, &s->ls, NULL);
	if (rc != SQLITE_OK)
		return lite_fail(s->db, rc, s->q->what, e);
	/* "$i" by name, so that the same text works for PostgreSQL. */
	for (int i = 1; i <= DB_MAX_PARAMS; i++) {
		char name[8];
		int n = snprintf(name, sizeof(name), "$%d", i);
		if (n < 0 || (size_t)n >= sizeof(name))
			return err_set(e, MAMORI_EINVAL, "sqlite: %s: parameter name", s->q->what);
		s->pidx[i] = sqlite3_bind_parameter_index(s->ls, name);
	}
	return 0;
}

int db_sqlite_step(struct db_stmt *s, struct errbuf *e)
{
	int rc = sqlite3_step(s->ls);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return lite_fail(s->db, rc, s->q->what, e);
}

void db_sqlite_bind_int64(struct db_stmt *s, int i, int64_t v)
{
	if (s->pidx[i] > 0)
		sqlite3_bind_int64(s->ls, s->pidx[i], v);
}

void db_sqlite_bind_text(struct db_stmt *s, int i, const char *v)
{
	if (s->pidx[i] <= 0)
		return;
	if (v == NULL)
		sqlite3_bind_null(s->ls, s->pidx[i]);
	else
		sqlite3_bind_text(s->ls, s->pidx[i], v, -1, SQLITE_STATIC);
}

void db_sqlite_bind_blob(struct db_stmt *s, int i, const void *v, size_t len)
{
	if (s->pidx[i] > 0)
		sqlite3_bind_blob64(s->ls, s->pidx[i], v != NULL ? v : "", len, SQLITE_STATIC);
}

void db_sqlite_bind_null(struct db_stmt *s, int i)
{
	if (s->pidx[i] > 0)
		sqlite3_bind_null(s->ls, s->pidx[i]);
}
