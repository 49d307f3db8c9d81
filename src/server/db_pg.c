/* SPDX-License-Identifier: Apache-2.0 */
/* The PostgreSQL backend of the db layer (libpq). */
#include "server/db_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpq prints server notices ("relation exists, skipping") on stderr by default; library
 * code never prints. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* The first line of a libpq message, without the "ERROR:  " the server puts in front. */
static void first_line(const char *msg, char *out, size_t outlen)
{
	if (msg == NULL)
		msg = "unknown error";
	if (strncmp(msg, "ERROR:  ", 8) == 0)
		msg += 8;
	size_t n = strcspn(msg, "\n");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, msg, n);
	out[n] = '\0';
}

static int code_of(const char *sqlstate, bool *retryable)
{
	*retryable = false;
	if (sqlstate == NULL || strlen(sqlstate) != 5)
		return MAMORI_EIO;
	if (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0 ||
	    strcmp(sqlstate, "55P03") == 0) {
		*retryable = true;
		return MAMORI_EIO;
	}
	if (strncmp(sqlstate, "23", 2) == 0 || strncmp(sqlstate, "22", 2) == 0)
		return MAMORI_EINVAL;
	if (strncmp(sqlstate, "54", 2) == 0)
		return MAMORI_ETOOBIG;
	if (strncmp(sqlstate, "28", 2) == 0 || strcmp(sqlstate, "42501") == 0)
		return MAMORI_EACCES;
	return MAMORI_EIO;
}

static int pg_fail(struct db *db, const PGresult *res, const char *what, struct errbuf *e)
{
	char line[400];
	const char *primary = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	first_line(primary != NULL ? primary : PQerrorMessage(db->pg), line, sizeof(line));
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int code = code_of(state, &db->retryable);
	return err_set(e, code, "postgresql: %s: %s", what, line);
}

static int session_setup(struct db *db, struct errbuf *e)
{
	PQsetNoticeProcessor(db->pg, quiet, NULL);
	/* Every string the store binds is UTF-8 (it checks); the server checks again. A statement
	 * that hangs (a lock held by a stuck client of the same database) fails after 30 s
	 * instead of holding the committer, and with it every agent, for ever. */
	return db_pg_exec(db, "open",
			  "SET client_encoding = 'UTF8'; SET client_min_messages = warning;"
			  " SET statement_timeout = '30s'",
			  e);
}

int db_pg_open(const char *conninfo, struct db *db, struct errbuf *e)
{
	db->pg = PQconnectdb(conninfo);
	if (db->pg == NULL)
		return err_set(e, MAMORI_ENOMEM, "postgresql: connect: out of memory");
	if (PQstatus(db->pg) != CONNECTION_OK) {
		char line[400];
		first_line(PQerrorMessage(db->pg), line, sizeof(line));
		return err_set(e, MAMORI_EIO, "postgresql: connect: %s", line);
	}
	return session_setup(db, e);
}

int db_pg_check(struct db *db, struct errbuf *e)
{
	if (PQstatus(db->pg) == CONNECTION_OK)
		return 0;
	db_forget_statements(db);
	PQreset(db->pg);
	if (PQstatus(db->pg) != CONNECTION_OK) {
		char line[400];
		first_line(PQerrorMessage(db->pg), line, sizeof(line));
		return err_set(e, MAMORI_EIO, "postgresql: reconnect: %s", line);
	}
	return session_setup(db, e);
}

int db_pg_exec(struct db *db, const char *what, const char *sql, struct errbuf *e)
{
	PGresult *res = PQexec(db->pg, sql);
	ExecStatusType t = PQresultStatus(res);
	int rc = 0;
	if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK)
		rc = pg_fail(db, res, what, e);
	PQclear(res);
	return rc;
}

int db_pg_prepare(struct db_stmt *s, struct errbuf *e)
{
	struct db *db = s->db;
	int n = snprintf(s->name, sizeof(s->name), "m%u", s->q->id);
	if (n < 0 || (size_t)n >= sizeof(s->name))
		return err_set(e, MAMORI_EINVAL, "postgresql: %s: statement name", s->q->what);
	const char *sql = s->q->pg_sql != NULL ? s->q->pg_sql : s->q->sql;
	PGresult *res = PQprepare(db->pg, s->name, sql, 0, NULL);
	int rc = 0;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_fail(db, res, s->q->what, e);
		goto out;
	}
	PQclear(res);
	res = PQdescribePrepared(db->pg, s->name);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = pg_fail(db, res, s->q->what, e);
		goto out;
	}
	s->nparams = PQnparams(res);
	if (s->nparams > DB_MAX_PARAMS)
		rc = err_set(e, MAMORI_EINVAL, "postgresql: %s: more than %d parameters",
			     s->q->what, DB_MAX_PARAMS);
out:
	PQclear(res);
	if (rc < 0) {
		/* Forget a half-made statement so that the next prepare can use the name. */
		char sql_dealloc[40];
		n = snprintf(sql_dealloc, sizeof(sql_dealloc), "DEALLOCATE %s", s->name);
		if (n > 0 && (size_t)n < sizeof(sql_dealloc) && PQstatus(db->pg) == CONNECTION_OK &&
		    PQtransactionStatus(db->pg) == PQTRANS_IDLE)
			PQclear(PQexec(db->pg, sql_dealloc));
	}
	return rc;
}

int db_pg_step(struct db_stmt *s, struct errbuf *e)
{
	if (s->res == NULL) {
		int binary = (s->q->flags & DB_Q_BINARY) != 0;
		s->res = PQexecPrepared(s->db->pg, s->name, s->nparams, s->vals, s->lens, s->fmts,
					binary);
		ExecStatusType t = PQresultStatus(s->res);
		if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
			int rc = pg_fail(s->db, s->res, s->q->what, e);
			PQclear(s->res);
			s->res = NULL;
			return rc;
		}
		s->nrows = PQntuples(s->res);
		s->row = -1;
	}
	if (s->row + 1 >= s->nrows) {
		s->row = s->nrows;
		return 0;
	}
	s->row++;
	return 1;
}

int64_t db_pg_col_int64(struct db_stmt *s, int i)
{
	if (s->res == NULL || s->row < 0 || s->row >= s->nrows || i >= PQnfields(s->res) ||
	    PQgetisnull(s->res, s->row, i))
		return 0;
	const unsigned char *v = (const unsigned char *)PQgetvalue(s->res, s->row, i);
	int len = PQgetlength(s->res, s->row, i);
	if (PQfformat(s->res, i) == 1) {
		/* Binary: network byte order int8, int4 or int2. */
		if (len != 8 && len != 4 && len != 2)
			return 0;
		uint64_t u = 0;
		for (int k = 0; k < len; k++)
			u = (u << 8) | v[k];
		if (len < 8 && (v[0] & 0x80) != 0)
			u |= ~(uint64_t)0 << (8 * len);
		return (int64_t)u;
	}
	long long out = 0;
	if (strn_to_ll((const char *)v, (size_t)len, INT64_MIN, INT64_MAX, &out, NULL) < 0)
		return 0;
	return out;
}
