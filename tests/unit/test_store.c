/* SPDX-License-Identifier: Apache-2.0 */
/* The store, the same cases on SQLite (a temporary file) and on PostgreSQL (the private
 * instance of scripts/pg-test.sh, named by MAMORI_TEST_PG_URL_FILE); every test gets a new
 * database. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "server/audit_chain.h"
#include "server/auth.h"
#include "server/store.h"

#include "store_world.h"

/* ---- tests ---- */

static void *open_in_thread(void *arg)
{
	struct world *w = arg;
	struct store *st = NULL;
	struct errbuf e = {{0}};
	if (store_open(w->url, 1, &st, &e) != 0) {
		fprintf(stderr, "concurrent open: %s\n", e.msg);
		return (void *)1;
	}
	store_close(st);
	return NULL;
}

static void test_migrations(void **state)
{
	struct world *w = *state;
	struct errbuf e = {{0}};
	int v = 0;
	assert_int_equal(store_schema_version(w->st, &v, &e), 0);
	/* the schema, findings.failing_since, admins and audit, the dashboard's counters and
	 * register */
	assert_int_equal(v, 4);
	assert_string_equal(store_backend(w->st), g_kind == K_SQLITE ? "sqlite" : "postgresql");
	/* Opening again, several at once, is a no-op. */
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, open_in_thread, w), 0);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		assert_null(r);
	}
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM schema_migrations"), 4);
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM status_counts"), 5);
	if (g_kind == K_SQLITE) {
		/* Durable and concurrent: WAL. */
		sqlite3 *db;
		sqlite3_stmt *s;
		assert_int_equal(sqlite3_open(w->url + 7, &db), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), 0);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
		sqlite3_finalize(s);
		sqlite3_close(db);
	}
	store_close(w->st);
	w->st = NULL;
	assert_int_equal(store_open(w->url, 2, &w->st, &e), 0);
	assert_int_equal(store_schema_version(w->st, &v, &e), 0);
	assert_int_equal(v, 4);
	/* Bad arguments. */
	struct store *st = NULL;
	assert_int_equal(store_open("", 1, &st, &e), MAMORI_EINVAL);
	assert_int_equal(store_open(w->url, 0, &st, &e), MAMORI_EINVAL);
	assert_int_equal(store_open("sqlite:", 1, &st, &e), MAMORI_EINVAL);
	assert_true(store_open("sqlite:/nonexistent-dir/x/y.db", 1, &st, &e) < 0);
	assert_non_null(strstr(e.msg, "sqlite"));
	assert_null(st);
	store_close(NULL);
}

static void test_tokens(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	assert_int_equal(store_token_add(st, "good", T0 - 10, T0 + 100, &e), 0);
	assert_int_equal(store_token_add(st, "expired", T0 - 200, T0 - 100, &e), 0);
	assert_int_equal(store_token_add(st, "edge", T0 - 200, T0, &e), 0);
	/* The same token twice is refused. */
	assert_true(store_token_add(st, "good", T0, T0 + 5, &e) < 0);
	assert_non_null(strstr(e.msg, backend_prefix()));

	struct store_enrollment en = {
	    "unknown", "d0000000000000000000000000000001", "pc-1", NULL, "0a1b", T0 + 1000, T0};
	assert_int_equal(store_enroll(st, &en, &e), STORE_GONE);
	en.token_sha256 = "expired";
	assert_int_equal(store_enroll(st, &en, &e), STORE_GONE);
	en.token_sha256 = "edge"; /* expires at now: expired */
	assert_int_equal(store_enroll(st, &en, &e), STORE_GONE);
	en.token_sha256 = "good";
	assert_int_equal(store_enroll(st, &en, &e), 0);
	/* A token enrolls once. */
	struct store_enrollment en2 = {
	    "good", "d0000000000000000000000000000002", "pc-2", NULL, "0a1c", T0 + 1000, T0 + 1};
	assert_int_equal(store_enroll(st, &en2, &e), STORE_GONE);
	/* A failed enrollment changes nothing: the device id collision keeps the token. */
	assert_int_equal(store_token_add(st, "second", T0, T0 + 100, &e), 0);
	struct store_enrollment en3 = {
	    "second", "d0000000000000000000000000000001", "pc-3", NULL, "0a1d", T0 + 1000, T0 + 1};
	assert_true(store_enroll(st, &en3, &e) < 0);
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM tokens WHERE used_at IS NULL "
				      "AND sha256 = 'second'"),
			 1);
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM certs"), 1);

	json_t *c = NULL;
	get_json(store_status_counts(st, &c, &e), &c, "status counts", &e);
	assert_int_equal(jint_at(c, "none"), 1);
	assert_int_equal(jint_at(c, "pass"), 0);
	json_decref(c);
	json_t *d = NULL;
	get_json(store_device_get(st, en.device_id, &d, &e), &d, "device", &e);
	assert_string_equal(jstr_at(d, "hostname"), "pc-1");
	assert_true(json_is_null(json_object_get(d, "status")));
	assert_true(json_is_null(json_object_get(d, "user")));
	assert_true(json_is_null(json_object_get(d, "last_seen")));
	assert_string_equal(jstr_at(d, "enrolled_at"), "2026-09-21T14:13:20Z");
	json_decref(d);
}

/* store_token_check looks without taking; store_admin_revoke revokes by admin name. */
static void test_token_check_admin_revoke(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	assert_int_equal(store_token_add(st, "t-ok", T0 - 10, T0 + 100, &e), 0);
	assert_int_equal(store_token_add(st, "t-old", T0 - 200, T0 - 1, &e), 0);
	assert_int_equal(store_token_check(st, "t-ok", T0, &e), 0);
	assert_int_equal(store_token_check(st, "t-ok", T0, &e), 0); /* not taken */
	assert_int_equal(store_token_check(st, "t-old", T0, &e), STORE_GONE);
	assert_int_equal(store_token_check(st, "t-none", T0, &e), STORE_GONE);
	struct store_enrollment en = {
	    "t-ok", "de000000000000000000000000000001", "pc", NULL, "e1", T0 + 1000, T0};
	assert_int_equal(store_enroll(st, &en, &e), 0);
	assert_int_equal(store_token_check(st, "t-ok", T0, &e), STORE_GONE);

	assert_int_equal(store_admin_cert_add(st, "a1", "alice", T0 + 99, T0, &e), 0);
	assert_int_equal(store_admin_cert_add(st, "a2", "alice", T0 + 99, T0, &e), 0);
	assert_int_equal(store_admin_cert_add(st, "b1", "bob", T0 + 99, T0, &e), 0);
	assert_int_equal(store_admin_revoke(st, "alice", T0 + 5, &e), 0);
	assert_int_equal(store_admin_revoke(st, "alice", T0 + 6, &e), STORE_NOT_FOUND);
	assert_int_equal(store_admin_revoke(st, "carol", T0 + 6, &e), STORE_NOT_FOUND);
	/* A device id is not an admin name. */
	assert_int_equal(store_admin_revoke(st, en.device_id, T0 + 6, &e), STORE_NOT_FOUND);
	struct store_cert c;
	assert_int_equal(store_cert_lookup(st, "a1", &c, &e), 0);
	assert_true(c.revoked);
	assert_int_equal(store_cert_lookup(st, "a2", &c, &e), 0);
	assert_true(c.revoked);
	assert_int_equal(store_cert_lookup(st, "b1", &c, &e), 0);
	assert_false(c.revoked);
	assert_int_equal(store_cert_lookup(st, "e1", &c, &e), 0);
	assert_false(c.revoked);
}

static void test_certs(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	const char *dev = "d1000000000000000000000000000001";
	assert_int_equal(enroll(st, dev, "pc-1", "00ff01"), 0);
	assert_int_equal(store_admin_cert_add(st, "aa01", "admin-alice", T0 + 999, T0, &e), 0);
	/* Serials are unique across kinds. */
	assert_true(store_admin_cert_add(st, "00ff01", "bob", T0 + 999, T0, &e) < 0);
	char longname[80];
	memset(longname, 'n', 70);
	longname[70] = '\0';
	assert_true(store_admin_cert_add(st, "aa02", longname, T0 + 999, T0, &e) < 0);

	struct store_cert c;
	assert_int_equal(store_cert_lookup(st, "00ff01", &c, &e), 0);
	assert_int_equal(c.kind, STORE_CERT_DEVICE);
	assert_string_equal(c.owner, dev);
	assert_false(c.revoked);
	assert_int_equal(c.not_after, T0 + 86400 * 397);
	assert_int_equal(store_cert_lookup(st, "aa01", &c, &e), 0);
	assert_int_equal(c.kind, STORE_CERT_ADMIN);
	assert_string_equal(c.owner, "admin-alice");
	assert_int_equal(c.not_after, T0 + 999);
	assert_int_equal(store_cert_lookup(st, "ffff", &c, &e), STORE_NOT_FOUND);

	assert_int_equal(store_device_revoke(st, dev, T0 + 50, &e), 0);
	assert_int_equal(store_cert_lookup(st, "00ff01", &c, &e), 0);
	assert_true(c.revoked);
	assert_int_equal(store_device_revoke(st, dev, T0 + 60, &e), 0); /* twice: fine */
	assert_int_equal(store_device_revoke(st, "d1000000000000000000000000000009", T0, &e),
			 STORE_NOT_FOUND);
	assert_int_equal(store_cert_lookup(st, "aa01", &c, &e), 0);
	assert_false(c.revoked);

	json_t *d = NULL;
	get_json(store_device_get(st, dev, &d, &e), &d, "device", &e);
	assert_string_equal(jstr_at(d, "revoked_at"), "2026-09-21T14:14:10Z");
	json_decref(d);
	json_t *s = NULL;
	get_json(store_status_counts(st, &s, &e), &s, "status counts", &e);
	assert_int_equal(jint_at(s, "revoked"), 1);
	assert_int_equal(jint_at(s, "none"), 0);
	json_decref(s);
}

static void test_report_put(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	const char *d1 = "d2000000000000000000000000000001";
	const char *d2 = "d2000000000000000000000000000002";
	assert_int_equal(enroll(st, d1, "pc-1", "01"), 0);
	assert_int_equal(enroll(st, d2, "pc-2", "02"), 0);

	struct rep p;
	rep_init(&p, "r2000000000000000000000000000001", d1, T0);
	rep_add(&p, "ssh-root", "ssh", "pass");
	rep_add(&p, "fw-on", "firewall", "fail");
	/* A body with every byte value, NUL included, comes back as it went in. */
	char body[256];
	for (int i = 0; i < 256; i++)
		body[i] = (char)i;
	p.r.body = body;
	p.r.body_len = sizeof(body);
	struct store_put_result res = {true, true};
	assert_int_equal(put(st, &p, &res), 0);
	assert_false(res.duplicate);
	assert_false(res.need_inventory);
	res.duplicate = false;
	assert_int_equal(put(st, &p, &res), 0);
	assert_true(res.duplicate);
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM reports"), 1);

	char *b = NULL;
	size_t blen = 0;
	assert_int_equal(store_report_body(st, p.r.report_id, &b, &blen, &e), 0);
	assert_int_equal(blen, sizeof(body));
	assert_memory_equal(b, body, sizeof(body));
	free(b);
	assert_int_equal(store_report_body(st, "r2000000000000000000000000000009", &b, &blen, &e),
			 STORE_NOT_FOUND);
	/* Large bodies are kept compressed when that pays (a wire report is ~30 KB of JSON),
	 * random bytes as they are; both come back as sent. */
	for (int kind = 0; kind < 2; kind++) {
		size_t len = 40000;
		char *big = malloc(len);
		assert_non_null(big);
		unsigned x = 12345;
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			big[i] =
			    kind == 0 ? "{\"fact\": \"value\", 0123}"[i % 24] : (char)(x >> 16);
		}
		struct rep z;
		char id[33];
		hexid(id, "rb", kind);
		rep_init(&z, id, d1, T0 + 1 + kind);
		z.r.body = big;
		z.r.body_len = len;
		assert_int_equal(put(st, &z, NULL), 0);
		char sql[128];
		snprintf(sql, sizeof(sql), "SELECT body_format FROM reports WHERE report_id = '%s'",
			 id);
		assert_int_equal(sql_count(w, sql), kind == 0 ? 1 : 0);
		assert_int_equal(store_report_body(st, id, &b, &blen, &e), 0);
		assert_int_equal(blen, len);
		assert_memory_equal(b, big, len);
		assert_int_equal(b[len], '\0');
		free(b);
		free(big);
	}

	/* The same id from another device. */
	struct rep q;
	rep_init(&q, p.r.report_id, d2, T0);
	rep_add(&q, "ssh-root", "ssh", "pass");
	assert_int_equal(store_report_put(st, &q.r, &res, &e), STORE_CONFLICT);
	assert_non_null(strstr(e.msg, backend_prefix()));
	/* No such device. */
	rep_init(&q, "r2000000000000000000000000000002", "d2000000000000000000000000000003", T0);
	assert_int_equal(store_report_put(st, &q.r, &res, &e), STORE_NOT_FOUND);
	/* Malformed: status, a check twice, a bad finding status, not UTF-8. */
	rep_init(&q, "r2000000000000000000000000000003", d2, T0);
	q.r.status = "great";
	assert_int_equal(store_report_put(st, &q.r, &res, &e), MAMORI_EINVAL);
	rep_init(&q, "r2000000000000000000000000000003", d2, T0);
	rep_add(&q, "a", "t", "pass");
	rep_add(&q, "a", "t", "fail");
	assert_int_equal(store_report_put(st, &q.r, &res, &e), MAMORI_EINVAL);
	assert_non_null(strstr(e.msg, "twice"));
	rep_init(&q, "r2000000000000000000000000000003", d2, T0);
	rep_add(&q, "a", "t", "sometimes");
	assert_int_equal(store_report_put(st, &q.r, &res, &e), MAMORI_EINVAL);
	rep_init(&q, "r2000000000000000000000000000003", d2, T0);
	q.r.hostname = "pc-\xff";
	assert_int_equal(store_report_put(st, &q.r, &res, &e), MAMORI_EINVAL);
	/* None of them left anything behind, and the store still works. */
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM reports"), 3);
	rep_init(&q, "r2000000000000000000000000000003", d2, T0);
	assert_int_equal(put(st, &q, &res), 0);
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM reports"), 4);
}

static void test_device_state(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	const char *d = "d3000000000000000000000000000001";
	assert_int_equal(enroll(st, d, "pc-old-name", "03"), 0);
	struct rep p;
	rep_init(&p, "r3000000000000000000000000000002", d, T0 + 100);
	rep_add(&p, "c-b", "ssh", "pass");
	rep_add(&p, "c-a", "ssh", "unknown");
	rep_add(&p, "c-c", "fw", "not_applicable");
	rep_add(&p, "c-d", "fw", "disabled");
	p.r.hostname = "pc-new";
	p.r.security_updates_pending = -1;
	assert_int_equal(put(st, &p, NULL), 0);

	json_t *j = NULL;
	get_json(store_device_get(st, d, &j, &e), &j, "device", &e);
	assert_string_equal(jstr_at(j, "id"), d);
	assert_string_equal(jstr_at(j, "hostname"), "pc-new");
	assert_string_equal(jstr_at(j, "user"), "alice");
	assert_string_equal(jstr_at(json_object_get(j, "os"), "name"), "Debian GNU/Linux");
	assert_string_equal(jstr_at(json_object_get(j, "os"), "version"), "12");
	assert_string_equal(jstr_at(j, "serial_number"), "SN-1");
	assert_string_equal(jstr_at(j, "status"), "unknown");
	json_t *counts = json_object_get(j, "counts");
	assert_int_equal(jint_at(counts, "pass"), 1);
	assert_int_equal(jint_at(counts, "fail"), 0);
	assert_int_equal(jint_at(counts, "unknown"), 1);
	assert_int_equal(jint_at(counts, "not_applicable"), 1);
	assert_int_equal(jint_at(j, "packages"), 1843);
	assert_true(json_is_null(json_object_get(j, "security_updates_pending")));
	assert_string_equal(jstr_at(j, "last_report_id"), p.r.report_id);
	assert_string_equal(jstr_at(j, "last_seen"), "2026-09-21T14:15:05Z");
	assert_true(json_is_null(json_object_get(j, "revoked_at")));
	json_decref(j);

	/* Findings: ordered by check id. */
	get_json(store_device_findings(st, d, &j, &e), &j, "findings", &e);
	assert_string_equal(jstr_at(j, "device"), d);
	assert_string_equal(jstr_at(j, "report_id"), p.r.report_id);
	json_t *fl = json_object_get(j, "findings");
	assert_int_equal(json_array_size(fl), 4);
	assert_string_equal(jstr_at(json_array_get(fl, 0), "check"), "c-a");
	assert_string_equal(jstr_at(json_array_get(fl, 0), "status"), "unknown");
	assert_string_equal(jstr_at(json_array_get(fl, 0), "topic"), "ssh");
	assert_string_equal(jstr_at(json_array_get(fl, 0), "severity"), "high");
	assert_string_equal(jstr_at(json_array_get(fl, 3), "check"), "c-d");
	assert_string_equal(jstr_at(json_array_get(fl, 3), "status"), "disabled");
	json_decref(j);

	/* An older report (spooled, late) goes into the history only. */
	struct rep old;
	rep_init(&old, "r3000000000000000000000000000001", d, T0);
	old.r.received_at = T0 + 200;
	rep_add(&old, "c-z", "ssh", "fail");
	assert_int_equal(put(st, &old, NULL), 0);
	get_json(store_device_get(st, d, &j, &e), &j, "device", &e);
	assert_string_equal(jstr_at(j, "last_report_id"), p.r.report_id);
	assert_string_equal(jstr_at(j, "status"), "unknown");
	assert_string_equal(jstr_at(j, "last_seen"), "2026-09-21T14:16:40Z");
	json_decref(j);

	/* A newer one replaces the findings: gone, changed, new. */
	struct rep n;
	rep_init(&n, "r3000000000000000000000000000003", d, T0 + 300);
	rep_add(&n, "c-b", "ssh", "fail");
	rep_add(&n, "c-e", "usb", "pass");
	assert_int_equal(put(st, &n, NULL), 0);
	get_json(store_device_findings(st, d, &j, &e), &j, "findings", &e);
	fl = json_object_get(j, "findings");
	assert_int_equal(json_array_size(fl), 2);
	assert_string_equal(jstr_at(json_array_get(fl, 0), "check"), "c-b");
	assert_string_equal(jstr_at(json_array_get(fl, 0), "status"), "fail");
	assert_string_equal(jstr_at(json_array_get(fl, 1), "check"), "c-e");
	json_decref(j);
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM device_topics"), 2);

	/* Unknown devices. */
	assert_int_equal(store_device_get(st, "nope", &j, &e), STORE_NOT_FOUND);
	assert_int_equal(store_device_findings(st, "nope", &j, &e), STORE_NOT_FOUND);
	/* A device without a report. */
	assert_int_equal(enroll(st, "d3000000000000000000000000000002", "pc-2", "04"), 0);
	get_json(store_device_findings(st, "d3000000000000000000000000000002", &j, &e), &j,
		 "findings", &e);
	assert_true(json_is_null(json_object_get(j, "report_id")));
	assert_int_equal(json_array_size(json_object_get(j, "findings")), 0);
	json_decref(j);
}

/* findings.failing_since (for the gate's grace period): set by the report that starts a
 * failure, kept while it keeps failing (even when its severity changes), cleared on a pass. */
static void test_failing_since(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	const char *d = "d3100000000000000000000000000001";
	assert_int_equal(enroll(st, d, "pc-fs", "31"), 0);
	const char *ids[] = {"r3100000000000000000000000000001", "r3100000000000000000000000000002",
			     "r3100000000000000000000000000003"};
	const char *st_a[] = {"fail", "fail", "pass"}, *st_b[] = {"pass", "fail", "fail"};
	for (int i = 0; i < 3; i++) {
		struct rep p;
		rep_init(&p, ids[i], d, T0 + 1000 * (i + 1));
		rep_add(&p, "c-a", "ssh", st_a[i]);
		rep_add(&p, "c-b", "fw", st_b[i]);
		if (i == 1)
			p.f[0].severity = "critical"; /* changed row, still failing */
		assert_int_equal(put(st, &p, NULL), 0);
		char q[256];
		snprintf(q, sizeof q,
			 "SELECT COALESCE(MAX(failing_since), -1) FROM findings WHERE device_id = '%s'"
			 " AND check_id = 'c-a'", d);
		long long a = sql_count(w, q);
		snprintf(q, sizeof q,
			 "SELECT COALESCE(MAX(failing_since), -1) FROM findings WHERE device_id = '%s'"
			 " AND check_id = 'c-b'", d);
		long long b = sql_count(w, q);
		if (i == 0) {
			assert_int_equal(a, T0 + 1000);
			assert_int_equal(b, -1);
		} else if (i == 1) {
			assert_int_equal(a, T0 + 1000);
			assert_int_equal(b, T0 + 2000);
		} else {
			assert_int_equal(a, -1);
			assert_int_equal(b, T0 + 2000);
		}
	}
}

/* The gate's one query, by device id and by certificate serial: the device, its failing checks
 * at the given severities (oldest failure first), the certificate; unknown serials, admin
 * certificates and revoked devices. */
static void test_gate_state(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	const char *d = "d3200000000000000000000000000001",
		   *quiet = "d3200000000000000000000000000002";
	const char *sev[] = {"high", "critical", NULL};
	struct store_gate_state g;
	struct errbuf e = {{0}};
	assert_int_equal(enroll(st, d, "pc-gate", "32a1"), 0);
	assert_int_equal(enroll(st, quiet, "pc-quiet", "32a2"), 0);
	assert_int_equal(store_gate_state(st, quiet, NULL, sev, &g, &e), 0);
	assert_true(g.known && !g.revoked && !g.has_cert);
	assert_int_equal(g.last_generated_at, 0);
	assert_int_equal(g.n_failing, 0);
	/* c-0 (low) and c-3 (high) fail from the first report, c-2 (high) from the second. */
	for (int i = 0; i < 2; i++) {
		struct rep p;
		rep_init(
		    &p, i ? "r3200000000000000000000000000002" : "r3200000000000000000000000000001",
		    d, T0 + 1000 * (i + 1));
		rep_add(&p, "c-0", "ssh", "fail");
		rep_add(&p, "c-2", "fw", i ? "fail" : "pass");
		rep_add(&p, "c-1", "ssh", "pass");
		rep_add(&p, "c-3", "fw", "fail");
		assert_int_equal(put(st, &p, NULL), 0);
	}
	for (int by = 0; by < 2; by++) {
		memset(&g, 0xa5, sizeof g);
		assert_int_equal(
		    store_gate_state(st, by ? NULL : d, by ? "32a1" : NULL, sev, &g, &e), 0);
		assert_true(g.known && !g.revoked);
		assert_int_equal(g.has_cert, by == 1);
		if (by) {
			assert_int_equal(g.cert.kind, STORE_CERT_DEVICE);
			assert_string_equal(g.cert.owner, d);
			assert_false(g.cert.revoked);
			assert_int_equal(g.cert.not_after, T0 + 86400 * 397);
		}
		assert_int_equal(g.last_generated_at, T0 + 2000);
		assert_int_equal(g.n_failing, 2);
		assert_int_equal(g.n_more, 0);
		assert_string_equal(g.failing[0].check, "c-3");
		assert_string_equal(g.failing[0].severity, "high");
		assert_int_equal(g.failing[0].since, T0 + 1000);
		assert_string_equal(g.failing[1].check, "c-2");
		assert_int_equal(g.failing[1].since, T0 + 2000);
	}
	const char *none[] = {NULL};
	assert_int_equal(store_gate_state(st, d, NULL, none, &g, &e), 0);
	assert_int_equal(g.n_failing, 0);
	assert_int_equal(store_gate_state(st, NULL, "ffff", sev, &g, &e), STORE_NOT_FOUND);
	assert_int_equal(
	    store_gate_state(st, "d32000000000000000000000000000ff", NULL, sev, &g, &e), 0);
	assert_false(g.known);
	/* An admin's certificate names no device. */
	assert_int_equal(store_admin_cert_add(st, "32ad", "root", T0 + 86400, T0, &e), 0);
	assert_int_equal(store_gate_state(st, NULL, "32ad", sev, &g, &e), 0);
	assert_true(g.has_cert && g.cert.kind == STORE_CERT_ADMIN && !g.known);
	/* Revoked: the device and its certificate, and no checks read. */
	assert_int_equal(store_device_revoke(st, d, T0 + 3000, &e), 0);
	assert_int_equal(store_gate_state(st, NULL, "32a1", sev, &g, &e), 0);
	assert_true(g.known && g.revoked && g.cert.revoked);
	assert_int_equal(g.n_failing, 0);
}

static void test_history_paging(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	const char *d = "d4000000000000000000000000000001";
	assert_int_equal(enroll(st, d, "pc-1", "05"), 0);
	/* received_at: 10, 20, 20, 20, 30, 40, 40 (ties across page boundaries). */
	const int64_t recv[] = {10, 20, 20, 20, 30, 40, 40};
	const size_t n = sizeof(recv) / sizeof(recv[0]);
	for (size_t i = 0; i < n; i++) {
		struct rep p;
		char id[33];
		hexid(id, "r4", (int)i);
		rep_init(&p, id, d, T0 + (int64_t)i);
		p.r.received_at = T0 + recv[i];
		assert_int_equal(put(st, &p, NULL), 0);
	}
	for (int limit = 1; limit <= 8; limit++) {
		bool seen[8] = {false};
		size_t total = 0;
		int64_t before = 0;
		char prev_time[32] = "9999";
		for (int pages = 0; pages < 20; pages++) {
			json_t *j = NULL;
			get_json(store_device_reports(st, d, before, limit, &j, &e), &j, "reports",
				 &e);
			json_t *list = json_object_get(j, "reports");
			assert_true(json_array_size(list) >= (size_t)(total < n ? 1 : 0));
			for (size_t i = 0; i < json_array_size(list); i++) {
				json_t *r = json_array_get(list, i);
				const char *id = jstr_at(r, "report_id");
				unsigned k = (unsigned)strtoul(id + 2, NULL, 16);
				assert_true(k < n);
				assert_false(seen[k]);
				seen[k] = true;
				total++;
				const char *t = jstr_at(r, "received_at");
				assert_true(strcmp(t, prev_time) <= 0); /* newest first */
				snprintf(prev_time, sizeof(prev_time), "%s", t);
				assert_int_equal(jint_at(json_object_get(r, "counts"), "pass"), 0);
				assert_string_equal(jstr_at(r, "status"), "pass");
				assert_non_null(json_object_get(r, "generated_at"));
			}
			json_t *next = json_object_get(j, "next");
			if (json_is_null(next)) {
				json_decref(j);
				break;
			}
			before = json_integer_value(next);
			json_decref(j);
		}
		assert_int_equal(total, n);
	}
	json_t *j = NULL;
	assert_int_equal(store_device_reports(st, "nope", 0, 5, &j, &e), STORE_NOT_FOUND);
	assert_int_equal(store_device_reports(st, d, 0, 0, &j, &e), MAMORI_EINVAL);
}

struct expect_topic {
	const char *topic;
	int pass, fail, unknown, na;
};

static void check_summary(struct store *st, const struct expect_topic *x, size_t nx, int devices)
{
	struct errbuf e = {{0}};
	json_t *j = NULL;
	get_json(store_topic_summary(st, &j, &e), &j, "summary", &e);
	assert_int_equal(jint_at(j, "devices"), devices);
	json_t *topics = json_object_get(j, "topics");
	if (json_array_size(topics) != nx) {
		char *dump = json_dumps(j, 0);
		fprintf(stderr, "summary: %s\n", dump);
		free(dump);
	}
	assert_int_equal(json_array_size(topics), nx);
	for (size_t i = 0; i < nx; i++) {
		json_t *t = json_array_get(topics, i);
		assert_string_equal(jstr_at(t, "topic"), x[i].topic);
		assert_int_equal(jint_at(t, "pass"), x[i].pass);
		assert_int_equal(jint_at(t, "fail"), x[i].fail);
		assert_int_equal(jint_at(t, "unknown"), x[i].unknown);
		assert_int_equal(jint_at(t, "not_applicable"), x[i].na);
	}
	json_decref(j);
}

static void check_counts(struct store *st, int pass, int fail, int unknown, int none, int revoked)
{
	struct errbuf e = {{0}};
	json_t *j = NULL;
	get_json(store_status_counts(st, &j, &e), &j, "status counts", &e);
	assert_int_equal(jint_at(j, "pass"), pass);
	assert_int_equal(jint_at(j, "fail"), fail);
	assert_int_equal(jint_at(j, "unknown"), unknown);
	assert_int_equal(jint_at(j, "none"), none);
	assert_int_equal(jint_at(j, "revoked"), revoked);
	json_decref(j);
}

static void test_topic_summary(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	const char *d1 = "d5000000000000000000000000000001";
	const char *d2 = "d5000000000000000000000000000002";
	const char *d3 = "d5000000000000000000000000000003";
	const char *d4 = "d5000000000000000000000000000004";
	assert_int_equal(enroll(st, d1, "a", "51"), 0);
	assert_int_equal(enroll(st, d2, "b", "52"), 0);
	assert_int_equal(enroll(st, d3, "c", "53"), 0);
	assert_int_equal(enroll(st, d4, "d", "54"), 0);
	check_summary(st, NULL, 0, 0);
	check_counts(st, 0, 0, 0, 4, 0);

	struct rep p;
	rep_init(&p, "r5000000000000000000000000000001", d1, T0);
	rep_add(&p, "ssh-1", "ssh", "pass");
	rep_add(&p, "ssh-2", "ssh", "pass");
	rep_add(&p, "fw-1", "fw", "fail");
	assert_int_equal(put(st, &p, NULL), 0);
	rep_init(&p, "r5000000000000000000000000000002", d2, T0);
	rep_add(&p, "ssh-1", "ssh", "unknown");
	rep_add(&p, "ssh-2", "ssh", "pass");
	rep_add(&p, "fw-1", "fw", "not_applicable");
	rep_add(&p, "wifi-1", "wifi", "disabled"); /* disabled only: no wifi state */
	assert_int_equal(put(st, &p, NULL), 0);
	rep_init(&p, "r5000000000000000000000000000003", d3, T0);
	rep_add(&p, "ssh-1", "ssh", "fail");
	rep_add(&p, "fw-1", "fw", "pass");
	rep_add(&p, "fw-2", "fw", "not_applicable");
	assert_int_equal(put(st, &p, NULL), 0);
	/* By hand: fw: d1 fail, d2 n/a, d3 pass; ssh: d1 pass, d2 unknown, d3 fail. */
	const struct expect_topic x1[] = {{"fw", 1, 1, 0, 1}, {"ssh", 1, 1, 1, 0}};
	check_summary(st, x1, 2, 3);
	check_counts(st, 0, 2, 1, 1, 0);

	/* d1 again: ssh fails now, fw passes, wifi appears. */
	rep_init(&p, "r5000000000000000000000000000004", d1, T0 + 10);
	rep_add(&p, "ssh-1", "ssh", "fail");
	rep_add(&p, "fw-1", "fw", "pass");
	rep_add(&p, "wifi-1", "wifi", "pass");
	assert_int_equal(put(st, &p, NULL), 0);
	const struct expect_topic x2[] = {
	    {"fw", 2, 0, 0, 1}, {"ssh", 0, 2, 1, 0}, {"wifi", 1, 0, 0, 0}};
	check_summary(st, x2, 3, 3);
	check_counts(st, 0, 2, 1, 1, 0);
	/* A duplicate changes nothing. */
	assert_int_equal(put(st, &p, NULL), 0);
	check_summary(st, x2, 3, 3);

	/* Revoking d3 takes it out: fw pass -1, ssh fail -1. Twice is the same. */
	struct errbuf e = {{0}};
	assert_int_equal(store_device_revoke(st, d3, T0 + 20, &e), 0);
	assert_int_equal(store_device_revoke(st, d3, T0 + 21, &e), 0);
	const struct expect_topic x3[] = {
	    {"fw", 1, 0, 0, 1}, {"ssh", 0, 1, 1, 0}, {"wifi", 1, 0, 0, 0}};
	check_summary(st, x3, 3, 2);
	check_counts(st, 0, 1, 1, 1, 1);
	/* A report of the revoked device racing with its revocation is kept, not counted. */
	rep_init(&p, "r5000000000000000000000000000005", d3, T0 + 30);
	rep_add(&p, "ssh-1", "ssh", "pass");
	assert_int_equal(put(st, &p, NULL), 0);
	check_summary(st, x3, 3, 2);
	check_counts(st, 0, 1, 1, 1, 1);
	/* Revoking a device that never reported moves it from none to revoked. */
	assert_int_equal(store_device_revoke(st, d4, T0 + 40, &e), 0);
	check_counts(st, 0, 1, 1, 0, 2);
	/* d1 back to all pass; the wifi topic goes when d1 stops reporting it. */
	rep_init(&p, "r5000000000000000000000000000006", d1, T0 + 50);
	rep_add(&p, "ssh-1", "ssh", "pass");
	rep_add(&p, "fw-1", "fw", "pass");
	assert_int_equal(put(st, &p, NULL), 0);
	const struct expect_topic x4[] = {{"fw", 1, 0, 0, 1}, {"ssh", 1, 0, 1, 0}};
	check_summary(st, x4, 2, 2);
	check_counts(st, 1, 0, 1, 0, 2);
	/* The counters equal a count over device_topics of the devices not revoked. */
	assert_int_equal(sql_count(w, "SELECT COALESCE(SUM(devices), 0) FROM topic_counts"),
			 sql_count(w, "SELECT COUNT(*) FROM device_topics t JOIN devices d ON "
				      "d.id = t.device_id WHERE d.revoked_at IS NULL"));
}

static void test_devices_page(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	/* Ledger order: hostname, then id. */
	const char *ids[] = {"d6000000000000000000000000000005", "d6000000000000000000000000000003",
			     "d6000000000000000000000000000004", "d6000000000000000000000000000001",
			     "d6000000000000000000000000000002"};
	const char *hosts[] = {"alpha", "bravo", "bravo", "charlie", "Zulu"};
	for (int i = 0; i < 5; i++)
		assert_int_equal(enroll(st, ids[i], hosts[i], ids[i] + 28), 0);
	/* Bytes order: "Zulu" < "alpha". */
	const char *order[] = {ids[4], ids[0], ids[1], ids[2], ids[3]};
	for (int limit = 1; limit <= 6; limit++) {
		const char *after = NULL;
		char next[65] = "";
		int k = 0;
		for (int page = 0; page < 10; page++) {
			json_t *j = NULL;
			get_json(store_devices_page(st, after, limit, &j, &e), &j, "page", &e);
			assert_int_equal(jint_at(j, "total"), 5);
			json_t *list = json_object_get(j, "devices");
			assert_true(json_array_size(list) <= (size_t)limit);
			for (size_t i = 0; i < json_array_size(list); i++, k++)
				assert_string_equal(jstr_at(json_array_get(list, i), "id"),
						    order[k]);
			json_t *nx = json_object_get(j, "next");
			if (json_is_null(nx)) {
				json_decref(j);
				break;
			}
			assert_string_equal(json_string_value(nx), order[k - 1]);
			snprintf(next, sizeof(next), "%s", json_string_value(nx));
			after = next;
			json_decref(j);
		}
		assert_int_equal(k, 5);
	}
	json_t *j = NULL;
	assert_int_equal(store_devices_page(st, "d6000000000000000000000000000009", 5, &j, &e),
			 STORE_NOT_FOUND);
	assert_int_equal(store_devices_page(st, NULL, 0, &j, &e), MAMORI_EINVAL);
	assert_int_equal(store_devices_page(st, NULL, 100000, &j, &e), MAMORI_EINVAL);
}

struct csv_ctx {
	int rows;
	int stop_at;
	char first[17][64];
};

static int csv_row(void *arg, const char *const *cols, size_t ncols)
{
	struct csv_ctx *c = arg;
	assert_int_equal(ncols, store_ledger_ncolumns);
	for (size_t i = 0; i < ncols; i++)
		assert_non_null(cols[i]);
	if (c->rows == 0)
		for (size_t i = 0; i < ncols && i < 17; i++)
			snprintf(c->first[i], sizeof(c->first[i]), "%s", cols[i]);
	c->rows++;
	return c->rows == c->stop_at ? 7 : 0;
}

static void test_csv_rows(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	assert_int_equal(store_ledger_ncolumns, 17);
	assert_string_equal(store_ledger_columns[0], "id");
	assert_string_equal(store_ledger_columns[2], "user");
	assert_string_equal(store_ledger_columns[16], "revoked_at");
	/* More devices than one chunk of rows. */
	for (int i = 0; i < 300; i++) {
		char id[33], host[32];
		hexid(id, "d7", i);
		snprintf(host, sizeof(host), "host-%03d", i);
		assert_int_equal(enroll(st, id, host, id + 24), 0);
	}
	struct rep p;
	rep_init(&p, "r7000000000000000000000000000001", "d7000000000000000000000000000000", T0);
	rep_add(&p, "a", "t", "fail");
	p.r.hostname = "host-000";
	p.r.package_count = -1;
	assert_int_equal(put(st, &p, NULL), 0);
	struct csv_ctx c = {0};
	assert_int_equal(store_devices_each(st, csv_row, &c, &e), 0);
	assert_int_equal(c.rows, 300);
	const char *want[17] = {"d7000000000000000000000000000000",
				"host-000",
				"alice",
				"Debian GNU/Linux",
				"12",
				"SN-1",
				"fail",
				"0",
				"1",
				"0",
				"0",
				"",
				"3",
				"r7000000000000000000000000000001",
				"2026-09-21T14:13:25Z",
				"2026-09-21T14:13:20Z",
				""};
	for (int i = 0; i < 17; i++)
		assert_string_equal(c.first[i], want[i]);
	struct csv_ctx stop = {.stop_at = 260};
	assert_int_equal(store_devices_each(st, csv_row, &stop, &e), 7);
	assert_int_equal(stop.rows, 260);
}

/* ---- 16 writers at once ---- */

#define N_THREADS 16
#define PER_THREAD 12

struct writer {
	struct store *st, *other; /* the duplicate goes to the other instance */
	int t;
	int ok, dup, fail;
};

static void *writer_main(void *arg)
{
	struct writer *wr = arg;
	char dev[33];
	hexid(dev, "d8", wr->t % 8); /* two threads per device */
	for (int i = 0; i < PER_THREAD; i++) {
		struct rep p;
		char id[33];
		hexid(id, "r8", wr->t * 1000 + i);
		rep_init(&p, id, dev, T0 + wr->t * 1000 + i);
		for (int k = 0; k < 20; k++) {
			char check[16], topic[16];
			snprintf(check, sizeof(check), "c%02d", k);
			snprintf(topic, sizeof(topic), "t%d", k % 5);
			rep_add(&p, check, topic, (k + i + wr->t) % 7 == 0 ? "fail" : "pass");
		}
		struct store_put_result res;
		for (int again = 0; again < 2; again++) { /* every report twice */
			if (put(again ? wr->other : wr->st, &p, &res) != 0)
				wr->fail++;
			else if (res.duplicate)
				wr->dup++;
			else
				wr->ok++;
		}
	}
	return NULL;
}

/* 16 threads put PER_THREAD reports each, two threads per device, every report twice; half
 * the threads write through st, half through st2 (another instance on the same database). */
static void concurrent_puts(struct world *w, struct store *st, struct store *st2)
{
	for (int d = 0; d < 8; d++) {
		char dev[33];
		hexid(dev, "d8", d);
		assert_int_equal(enroll(st, dev, "pc", dev + 24), 0);
	}
	pthread_t th[N_THREADS];
	struct writer wr[N_THREADS];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int t = 0; t < N_THREADS; t++) {
		wr[t] = (struct writer){.st = t % 2 ? st2 : st, .other = t % 2 ? st : st2, .t = t};
		assert_int_equal(pthread_create(&th[t], NULL, writer_main, &wr[t]), 0);
	}
	int ok = 0, dup = 0, fail = 0;
	for (int t = 0; t < N_THREADS; t++) {
		pthread_join(th[t], NULL);
		ok += wr[t].ok;
		dup += wr[t].dup;
		fail += wr[t].fail;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("[ info     ] %s: %d puts from %d threads in %.3f s\n", store_backend(st), ok + dup,
	       N_THREADS, s);
	assert_int_equal(fail, 0);
	assert_int_equal(ok, N_THREADS * PER_THREAD);
	assert_int_equal(dup, N_THREADS * PER_THREAD);
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM reports"), N_THREADS * PER_THREAD);
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM findings"), 8 * 20);
	/* Each device's latest is the one generated last: thread t+8, report PER_THREAD-1. */
	for (int d = 0; d < 8; d++) {
		char dev[33], want[33];
		hexid(dev, "d8", d);
		hexid(want, "r8", (d + 8) * 1000 + PER_THREAD - 1);
		struct errbuf e = {{0}};
		json_t *j = NULL;
		get_json(store_device_get(st, dev, &j, &e), &j, "device", &e);
		assert_string_equal(jstr_at(j, "last_report_id"), want);
		json_decref(j);
	}
	/* The summary against a count by hand: the latest reports' topic states. */
	int fail_n[5] = {0}, pass_n[5] = {0}, dev_fail = 0;
	for (int d = 0; d < 8; d++) {
		int t = d + 8, i = PER_THREAD - 1;
		bool any = false;
		for (int topic = 0; topic < 5; topic++) {
			bool f = false;
			for (int k = topic; k < 20; k += 5)
				f = f || (k + i + t) % 7 == 0;
			any = any || f;
			if (f)
				fail_n[topic]++;
			else
				pass_n[topic]++;
		}
		dev_fail += any;
	}
	struct expect_topic x[5];
	static const char *const names[] = {"t0", "t1", "t2", "t3", "t4"};
	for (int topic = 0; topic < 5; topic++)
		x[topic] = (struct expect_topic){names[topic], pass_n[topic], fail_n[topic], 0, 0};
	check_summary(st, x, 5, 8);
	check_counts(st, 8 - dev_fail, dev_fail, 0, 0, 0);
	check_summary(st2, x, 5, 8);
}

static void test_concurrent_puts(void **state)
{
	struct world *w = *state;
	concurrent_puts(w, w->st, w->st);
}

/* Two instances on one database (several mamorid behind a load balancer): the row locks,
 * the counter order and the savepoints keep every count right. */
static void test_two_instances(void **state)
{
	struct world *w = *state;
	struct store *st2 = NULL;
	struct errbuf e = {{0}};
	assert_int_equal(store_open(w->url, 2, &st2, &e), 0);
	concurrent_puts(w, w->st, st2);
	store_close(st2);
}

static void test_need_inventory(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	const char *d = "d9000000000000000000000000000001";
	assert_int_equal(enroll(st, d, "pc", "91"), 0);
	struct store_put_result res;
	struct rep p;
	/* No inventory named: nothing needed. */
	rep_init(&p, "r9000000000000000000000000000001", d, T0);
	assert_int_equal(put(st, &p, &res), 0);
	assert_false(res.need_inventory);
	/* Named, not stored, not sent. */
	rep_init(&p, "r9000000000000000000000000000002", d, T0 + 1);
	p.r.inventory_sha256 = "aaaa";
	assert_int_equal(put(st, &p, &res), 0);
	assert_true(res.need_inventory);
	/* The duplicate says the same. */
	assert_int_equal(put(st, &p, &res), 0);
	assert_true(res.duplicate);
	assert_true(res.need_inventory);
	/* Sent. */
	rep_init(&p, "r9000000000000000000000000000003", d, T0 + 2);
	p.r.inventory_sha256 = "aaaa";
	p.r.inventory_json = "[{\"name\":\"bash\"}]";
	p.r.inventory_len = strlen(p.r.inventory_json);
	assert_int_equal(put(st, &p, &res), 0);
	assert_false(res.need_inventory);
	/* Known now. */
	rep_init(&p, "r9000000000000000000000000000004", d, T0 + 3);
	p.r.inventory_sha256 = "aaaa";
	assert_int_equal(put(st, &p, &res), 0);
	assert_false(res.need_inventory);
	/* Another list. */
	rep_init(&p, "r9000000000000000000000000000005", d, T0 + 4);
	p.r.inventory_sha256 = "bbbb";
	assert_int_equal(put(st, &p, &res), 0);
	assert_true(res.need_inventory);
	/* The list without its hash is malformed. */
	rep_init(&p, "r9000000000000000000000000000006", d, T0 + 5);
	p.r.inventory_json = "[]";
	p.r.inventory_len = 2;
	assert_int_equal(store_report_put(st, &p.r, &res, &e), MAMORI_EINVAL);
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM inventories"), 1);
}

static void test_hostile_strings(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	char *big = malloc(10 * 1024 + 1);
	assert_non_null(big);
	for (size_t i = 0; i < 10 * 1024; i++)
		big[i] = "ab'\"\\;%_-\t"[i % 10];
	big[10 * 1024] = '\0';
	const char *hostile[] = {
	    "'; DROP TABLE devices; --",
	    "\"quoted\" and 'single' and `back`",
	    "日本語のホスト名 🖥️ Ünïcödé",
	    "$1 $2 ?1 :name @x %s %n",
	    "line\nbreak\r\nand\ttab",
	    "C:\\Windows\\ \\\" \\u0000 \x01\x1f\x7f",
	    big,
	};
	const size_t n = sizeof(hostile) / sizeof(hostile[0]);
	for (size_t i = 0; i < n; i++) {
		char id[33];
		hexid(id, "da", (int)i);
		assert_int_equal(enroll(st, id, hostile[i], id + 26), 0);
		struct rep p;
		char rid[33];
		hexid(rid, "ra", (int)i);
		rep_init(&p, rid, id, T0);
		p.r.hostname = hostile[i];
		p.r.os_name = hostile[(i + 1) % n];
		p.r.serial_number = hostile[(i + 2) % n];
		rep_add(&p, hostile[(i + 3) % n] == big ? "c'heck" : hostile[(i + 3) % n],
			"t'o\\p\"ic", "fail");
		p.r.body = hostile[i];
		p.r.body_len = strlen(hostile[i]);
		assert_int_equal(put(st, &p, NULL), 0);

		json_t *j = NULL;
		get_json(store_device_get(st, id, &j, &e), &j, "device", &e);
		assert_string_equal(jstr_at(j, "hostname"), hostile[i]);
		assert_string_equal(jstr_at(json_object_get(j, "os"), "name"),
				    hostile[(i + 1) % n]);
		assert_string_equal(jstr_at(j, "serial_number"), hostile[(i + 2) % n]);
		json_decref(j);
		get_json(store_device_findings(st, id, &j, &e), &j, "findings", &e);
		json_t *f = json_array_get(json_object_get(j, "findings"), 0);
		assert_string_equal(jstr_at(f, "check"), p.f[0].check);
		assert_string_equal(jstr_at(f, "topic"), "t'o\\p\"ic");
		json_decref(j);
		/* A later report without that check deletes it by its (hostile) id. */
		struct rep p2;
		char rid2[33];
		hexid(rid2, "rc", (int)i);
		rep_init(&p2, rid2, id, T0 + 10);
		p2.r.hostname = hostile[i];
		rep_add(&p2, "c-other", "t-other", "pass");
		assert_int_equal(put(st, &p2, NULL), 0);
		get_json(store_device_findings(st, id, &j, &e), &j, "findings", &e);
		assert_int_equal(json_array_size(json_object_get(j, "findings")), 1);
		f = json_array_get(json_object_get(j, "findings"), 0);
		assert_string_equal(jstr_at(f, "check"), "c-other");
		json_decref(j);
		char *b = NULL;
		size_t blen = 0;
		assert_int_equal(store_report_body(st, rid, &b, &blen, &e), 0);
		assert_int_equal(blen, strlen(hostile[i]));
		assert_memory_equal(b, hostile[i], blen);
		free(b);
	}
	/* Hostile lookups find nothing, and break nothing. */
	json_t *j = NULL;
	struct store_cert c;
	assert_int_equal(store_device_get(st, "' OR '1'='1", &j, &e), STORE_NOT_FOUND);
	assert_int_equal(store_cert_lookup(st, "' OR 1=1 --", &c, &e), STORE_NOT_FOUND);
	struct store_enrollment en = {
	    "' OR used_at IS NULL --", "db000000000000000000000000000001", "x", NULL, "ff", T0, T0};
	assert_int_equal(store_enroll(st, &en, &e), STORE_GONE);
	/* Not UTF-8, or too long: refused the same way on both backends. */
	en.token_sha256 = "tok-da000000000000000000000000000000";
	en.hostname = "bad\xc3\x28";
	assert_int_equal(store_enroll(st, &en, &e), MAMORI_EINVAL);
	en.hostname = "overlong \xc0\xaf";
	assert_int_equal(store_enroll(st, &en, &e), MAMORI_EINVAL);
	char *huge = malloc(70 * 1024);
	assert_non_null(huge);
	memset(huge, 'h', 70 * 1024 - 1);
	huge[70 * 1024 - 1] = '\0';
	en.hostname = huge;
	assert_int_equal(store_enroll(st, &en, &e), MAMORI_ETOOBIG);
	free(huge);
	/* The CSV carries them verbatim too. */
	struct csv_ctx cc = {0};
	assert_int_equal(store_devices_each(st, csv_row, &cc, &e), 0);
	assert_int_equal(cc.rows, (int)n);
	free(big);
}

/* ---- groups ---- */


/* ---- administrators: sign-in, lockout with the store's clock, sessions, the audit chain ---- */

static int signin_at(struct store *st, const char *name, bool pw_ok, const char *code, int64_t now,
		     int n, struct store_signin *out)
{
	char sha[65], csrf[65];
	snprintf(sha, sizeof sha, "%064d", n);
	snprintf(csrf, sizeof csrf, "%064d", n + 1);
	*out = (struct store_signin){.name = name, .password_ok = pw_ok, .code = code,
				     .session_sha256 = sha, .csrf = csrf, .remote = "192.0.2.1",
				     .now = now};
	struct errbuf e = {{0}};
	int rc = store_signin(st, out, &e);
	if (rc != 0)
		fprintf(stderr, "store_signin: %s\n", e.msg);
	return rc;
}

static int count_entry(void *ctx, const struct audit_entry *en)
{
	struct audit_verifier *v = ctx;
	return audit_verify_next(v, en) ? 0 : 1;
}

static void test_admin_signin(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	char secret[TOTP_B32_MAX], codes[RECOVERY_CODES][RECOVERY_CODE_LEN + 1],
	    hashes[RECOVERY_CODES][65];
	assert_int_equal(totp_secret_new(secret, &e), 0);
	assert_int_equal(recovery_codes_new(codes, hashes, &e), 0);
	struct store_audit_in add = {"cli:root", "admin-add", "alice", NULL, NULL, T0};
	assert_int_equal(store_admin_add(st, "alice", "$argon2id$v=19$m=19456,t=2,p=1$x$y", secret,
					 (const char(*)[65])hashes, RECOVERY_CODES, &add, &e),
			 0);
	assert_int_equal(store_admin_add(st, "alice", "h", secret, (const char(*)[65])hashes,
					 RECOVERY_CODES, &add, &e),
			 STORE_CONFLICT);
	assert_int_equal(store_admin_add(st, "bad name", "h", secret, (const char(*)[65])hashes,
					 RECOVERY_CODES, &add, &e),
			 MAMORI_EINVAL);

	/* TOTP: right code signs in and opens a session; the same code again is refused. */
	char code[7];
	int64_t now = T0 + 100;
	assert_int_equal(totp_code(secret, now, code, &e), 0);
	struct store_signin si;
	assert_int_equal(signin_at(st, "alice", true, code, now, 1, &si), 0);
	assert_int_equal(si.outcome, SIGNIN_OK);
	struct store_session ss;
	char sha[65];
	snprintf(sha, sizeof sha, "%064d", 1);
	assert_int_equal(store_session_get(st, sha, now + 10, 1800, 43200, &ss, &e), 0);
	assert_string_equal(ss.admin, "alice");
	assert_int_equal(store_session_get(st, sha, now + 1801, 1800, 43200, &ss, &e), STORE_NOT_FOUND);
	assert_int_equal(signin_at(st, "alice", true, code, now + 1, 3, &si), 0);
	assert_int_equal(si.outcome, SIGNIN_REFUSED);
	/* A recovery code once, typed in capitals. */
	char upper[RECOVERY_CODE_LEN + 1];
	for (int i = 0; i <= RECOVERY_CODE_LEN; i++)
		upper[i] = (char)toupper((unsigned char)codes[0][i]);
	assert_int_equal(signin_at(st, "alice", true, upper, now + 2, 5, &si), 0);
	assert_int_equal(si.outcome, SIGNIN_OK);
	assert_true(si.recovery_used);
	assert_int_equal(si.recovery_left, RECOVERY_CODES - 1);
	assert_int_equal(signin_at(st, "alice", true, codes[0], now + 3, 7, &si), 0);
	assert_int_equal(si.outcome, SIGNIN_REFUSED); /* failure 1 */

	/* Lockout: the 10th failure in a row locks for exactly 30 minutes. */
	for (int i = 2; i <= 9; i++) {
		assert_int_equal(signin_at(st, "alice", false, "123456", now + 10 + i, 9 + i, &si), 0);
		assert_int_equal(si.outcome, SIGNIN_REFUSED);
	}
	int64_t t10 = now + 100;
	assert_int_equal(signin_at(st, "alice", false, "123456", t10, 30, &si), 0);
	assert_int_equal(si.outcome, SIGNIN_JUST_LOCKED);
	assert_int_equal(si.locked_until, t10 + AUTH_LOCK_SECONDS);
	assert_int_equal(totp_code(secret, t10 + 1799, code, &e), 0);
	assert_int_equal(signin_at(st, "alice", true, code, t10 + 1799, 31, &si), 0);
	assert_int_equal(si.outcome, SIGNIN_LOCKED); /* the right password and code, still locked */
	assert_int_equal(totp_code(secret, t10 + 1800, code, &e), 0);
	assert_int_equal(signin_at(st, "alice", true, code, t10 + 1800, 33, &si), 0);
	assert_int_equal(si.outcome, SIGNIN_OK);

	/* Unknown and removed admins are refused; removal ends sessions. */
	assert_int_equal(signin_at(st, "nobody", true, code, t10 + 1900, 35, &si), 0);
	assert_int_equal(si.outcome, SIGNIN_REFUSED);
	struct store_audit_in rm = {"cli:root", "admin-remove", "alice", NULL, NULL, t10 + 2000};
	assert_int_equal(store_admin_disable(st, "alice", &rm, &e), 0);
	snprintf(sha, sizeof sha, "%064d", 33);
	assert_int_equal(store_session_get(st, sha, t10 + 2001, 1800, 43200, &ss, &e), STORE_NOT_FOUND);
	assert_int_equal(store_admin_disable(st, "alice", &rm, &e), STORE_NOT_FOUND);
	assert_int_equal(store_admin_unlock(st, "alice", &rm, &e), STORE_NOT_FOUND);
	/* Control characters never reach the audit log. */
	struct store_audit_in bad = {"cli:root", "admin-add", "x\x1b[1A\rforged", NULL, NULL, T0};
	assert_int_equal(store_audit(st, &bad, &e), MAMORI_EINVAL);

	/* The audit log: every step above, chained and intact; the head matches. */
	struct audit_verifier v;
	audit_verify_begin(&v);
	int64_t head;
	char head_hash[65];
	assert_int_equal(store_audit_head(st, &head, head_hash, &e), 0);
	assert_int_equal(store_audit_each(st, head, count_entry, &v, &e), 0);
	assert_true(audit_verify_end(&v, head, head_hash));
	/* add, signin, failed, signin, failed x10, lockout, refused, signin, failed, remove */
	assert_int_equal(v.checked, 19);
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM audit_log WHERE action = 'lockout'"), 1);
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM audit_log WHERE action = 'signin'"), 3);
	json_t *page = NULL;
	assert_int_equal(store_audit_page(st, 0, 5, &page, &e), 0);
	assert_int_equal(json_array_size(json_object_get(page, "entries")), 5);
	assert_int_equal(json_integer_value(json_object_get(page, "next")), 15);
	json_decref(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_certs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_token_check_admin_revoke, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_report_put, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failing_since, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gate_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_history_paging, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topic_summary, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_devices_page, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_csv_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concurrent_puts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_instances, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_need_inventory, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile_strings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_admin_signin, setup, teardown),
	};
	int fails = cmocka_run_group_tests_name("store_sqlite", tests, group_sqlite, NULL);
	fails += cmocka_run_group_tests_name("store_postgresql", tests, group_pg, NULL);
	return fails != 0;
}
