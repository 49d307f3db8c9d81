/* SPDX-License-Identifier: Apache-2.0 */
/* The store tests' world (store_world.h). */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "store_world.h"

enum kind g_kind;
char g_pg_admin[512]; /* the URL of mamori_test, where databases are made */

/* ---- databases ---- */

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

PGconn *pg_admin(void)
{
	PGconn *c = PQconnectdb(g_pg_admin);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "postgresql: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

int pg_cmd(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "postgresql: %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

/* The admin URL with another database name: ".../mamori_test?..." -> ".../NAME?...". */
int pg_url(const char *name, char *out, size_t outlen)
{
	const char *p = strstr(g_pg_admin, "/mamori_test");
	if (p == NULL)
		return -1;
	int n = snprintf(out, outlen, "%.*s/%s%s", (int)(p - g_pg_admin), g_pg_admin, name,
			 p + strlen("/mamori_test"));
	return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int new_database(struct world *w)
{
	static int counter;
	if (g_kind == K_SQLITE) {
		snprintf(w->dir, sizeof(w->dir), "/tmp/mamori-store-XXXXXX");
		if (mkdtemp(w->dir) == NULL)
			return -1;
		int n = snprintf(w->url, sizeof(w->url), "sqlite:%s/mamorid.db", w->dir);
		return n > 0 && (size_t)n < sizeof(w->url) ? 0 : -1;
	}
	snprintf(w->dbname, sizeof(w->dbname), "mamori_t_%ld_%d", (long)getpid(), ++counter);
	PGconn *c = pg_admin();
	if (c == NULL)
		return -1;
	char sql[128];
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", w->dbname);
	int rc = pg_cmd(c, sql);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", w->dbname);
	if (rc == 0)
		rc = pg_cmd(c, sql);
	PQfinish(c);
	if (rc == 0)
		rc = pg_url(w->dbname, w->url, sizeof(w->url));
	return rc;
}

void drop_database(struct world *w)
{
	if (g_kind == K_SQLITE) {
		const char *suffix[] = {"", "-wal", "-shm", "-journal"};
		for (size_t i = 0; i < 4; i++) {
			char p[128];
			snprintf(p, sizeof(p), "%s/mamorid.db%s", w->dir, suffix[i]);
			unlink(p);
		}
		rmdir(w->dir);
		return;
	}
	PGconn *c = pg_admin();
	if (c == NULL)
		return;
	char sql[128];
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", w->dbname);
	pg_cmd(c, sql);
	PQfinish(c);
}

/* One number from SQL run directly on the test database (not through the store). */
long long sql_count(struct world *w, const char *sql)
{
	long long v = -1;
	if (g_kind == K_SQLITE) {
		sqlite3 *db;
		sqlite3_stmt *s;
		if (sqlite3_open_v2(w->url + 7, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
		    sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK) {
			if (sqlite3_step(s) == SQLITE_ROW)
				v = sqlite3_column_int64(s, 0);
			sqlite3_finalize(s);
		}
		sqlite3_close(db);
		return v;
	}
	PGconn *c = PQconnectdb(w->url);
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		PQclear(r);
	}
	PQfinish(c);
	return v;
}

int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	if (w == NULL || new_database(w) < 0) {
		free(w);
		return -1;
	}
	struct errbuf e = {{0}};
	if (store_open(w->url, 4, &w->st, &e) != 0) {
		fprintf(stderr, "store_open %s: %s\n", w->url, e.msg);
		drop_database(w);
		free(w);
		return -1;
	}
	*state = w;
	return 0;
}

int teardown(void **state)
{
	struct world *w = *state;
	store_close(w->st);
	drop_database(w);
	free(w);
	return 0;
}

/* ---- building reports ---- */

void rep_init(struct rep *p, const char *report_id, const char *device, int64_t gen)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "%s", report_id);
	p->r.report_id = p->id;
	p->r.device_id = device;
	p->r.generated_at = gen;
	p->r.received_at = gen + 5;
	p->r.hostname = "pc-001";
	p->r.os_name = "Debian GNU/Linux";
	p->r.os_version = "12";
	p->r.serial_number = "SN-1";
	p->r.security_updates_pending = 3;
	p->r.package_count = 1843;
	p->r.findings = p->f;
	p->r.body = "{\"report\": true}";
	p->r.body_len = strlen(p->r.body);
	p->r.status = "pass";
}

/* Adds a finding and keeps status and counts as api.c would compute them. */
void rep_add(struct rep *p, const char *check, const char *topic, const char *status)
{
	size_t i = p->r.n_findings++;
	assert_true(i < MAXF);
	snprintf(p->names[i][0], sizeof(p->names[i][0]), "%s", check);
	snprintf(p->names[i][1], sizeof(p->names[i][1]), "%s", topic);
	snprintf(p->names[i][2], sizeof(p->names[i][2]), "%s", i % 2 ? "high" : "low");
	p->f[i] = (struct store_finding){p->names[i][0], p->names[i][1], p->names[i][2], status};
	if (strcmp(status, "pass") == 0)
		p->r.n_pass++;
	else if (strcmp(status, "fail") == 0)
		p->r.n_fail++;
	else if (strcmp(status, "unknown") == 0)
		p->r.n_unknown++;
	else if (strcmp(status, "not_applicable") == 0)
		p->r.n_not_applicable++;
	p->r.status = p->r.n_fail ? "fail" : p->r.n_unknown ? "unknown" : "pass";
}

void hexid(char out[33], const char *prefix, int n)
{
	snprintf(out, 33, "%s%0*x", prefix, (int)(32 - strlen(prefix)), (unsigned)n);
}

/* Enrolls a device with a fresh token; returns the store's answer. */
int enroll(struct store *st, const char *device, const char *hostname, const char *serial)
{
	char tok[65];
	snprintf(tok, sizeof(tok), "tok-%s", device);
	struct errbuf e = {{0}};
	int rc = store_token_add(st, tok, T0 - 60, T0 + 3600, &e);
	if (rc != 0)
		return rc;
	struct store_enrollment en = {tok, device, hostname, "alice", serial, T0 + 86400 * 397, T0};
	rc = store_enroll(st, &en, &e);
	if (rc != 0)
		fprintf(stderr, "enroll %s: %s\n", device, e.msg);
	return rc;
}

int put(struct store *st, struct rep *p, struct store_put_result *res)
{
	struct errbuf e = {{0}};
	struct store_put_result dummy;
	int rc = store_report_put(st, &p->r, res != NULL ? res : &dummy, &e);
	if (rc < 0)
		fprintf(stderr, "put %s: %s\n", p->r.report_id, e.msg);
	return rc;
}

/* Checks a query's answer (j is read after the call: arguments have no order). */
void get_json(int rc, json_t **j, const char *what, const struct errbuf *e)
{
	if (rc != 0)
		fprintf(stderr, "%s: %d %s\n", what, rc, e->msg);
	assert_int_equal(rc, 0);
	assert_non_null(*j);
}

long long jint_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

const char *jstr_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

const char *backend_prefix(void)
{
	return g_kind == K_SQLITE ? "sqlite: " : "postgresql: ";
}

/* ---- groups: which backend ---- */

int group_sqlite(void **state)
{
	(void)state;
	g_kind = K_SQLITE;
	return 0;
}

int group_pg(void **state)
{
	(void)state;
	g_kind = K_PG;
	const char *f = getenv("MAMORI_TEST_PG_URL_FILE");
	FILE *fp = f != NULL ? fopen(f, "r") : NULL;
	if (fp == NULL) {
		fprintf(stderr,
			"MAMORI_TEST_PG_URL_FILE (%s): cannot read; is the pg fixture "
			"running? (ctest runs pg_start first)\n",
			f != NULL ? f : "unset");
		return -1;
	}
	char *ok = fgets(g_pg_admin, sizeof(g_pg_admin), fp);
	fclose(fp);
	if (ok == NULL)
		return -1;
	g_pg_admin[strcspn(g_pg_admin, "\r\n")] = '\0';
	PGconn *c = pg_admin();
	if (c == NULL)
		return -1;
	PQfinish(c);
	return 0;
}
