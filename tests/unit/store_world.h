/* SPDX-License-Identifier: Apache-2.0 */
/* The store tests' world, shared by test_store.c and test_store_ui.c: a new database per test
 * on SQLite (a temporary file) or PostgreSQL (the private instance of scripts/pg-test.sh,
 * named by MAMORI_TEST_PG_URL_FILE), reports built finding by finding, and small asserts. */
#ifndef MAMORI_TEST_STORE_WORLD_H
#define MAMORI_TEST_STORE_WORLD_H

#include <stdint.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "server/store.h"

#define T0 1790000000LL /* 2026-09-21T14:13:20Z: the tests' "now" */

enum kind { K_SQLITE, K_PG };
extern enum kind g_kind;
extern char g_pg_admin[512]; /* the URL of mamori_test, where databases are made */

struct world {
	struct store *st;
	char url[600];
	char dir[64];	 /* SQLite: the temporary directory */
	char dbname[64]; /* PostgreSQL: the database */
};

/* ---- databases ---- */
PGconn *pg_admin(void);
int pg_cmd(PGconn *c, const char *sql);
int pg_url(const char *name, char *out, size_t outlen);
int new_database(struct world *w);
void drop_database(struct world *w);
/* The one number a query answers, on the world's database apart from the store. */
long long sql_count(struct world *w, const char *sql);
/* cmocka setup/teardown: a world with its store open (4 readers). */
int setup(void **state);
int teardown(void **state);
/* cmocka group setups: the backend (PostgreSQL: reads MAMORI_TEST_PG_URL_FILE). */
int group_sqlite(void **state);
int group_pg(void **state);

/* ---- building reports ---- */

#define MAXF 64
struct rep {
	struct store_report r;
	struct store_finding f[MAXF];
	char names[MAXF][3][128];
	char id[33];
};

void rep_init(struct rep *p, const char *report_id, const char *device, int64_t gen);
/* Adds a finding and keeps status and counts as api.c would compute them. */
void rep_add(struct rep *p, const char *check, const char *topic, const char *status);
void hexid(char out[33], const char *prefix, int n);
/* Enrolls a device with a fresh token; returns the store's answer. */
int enroll(struct store *st, const char *device, const char *hostname, const char *serial);
int put(struct store *st, struct rep *p, struct store_put_result *res);
/* Checks a query's answer (j is read after the call: arguments have no order). */
void get_json(int rc, json_t **j, const char *what, const struct errbuf *e);
long long jint_at(json_t *o, const char *key);
const char *jstr_at(json_t *o, const char *key);
const char *backend_prefix(void);

#endif
