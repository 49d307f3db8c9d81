/* SPDX-License-Identifier: Apache-2.0 */
/* The dashboard's part of the store (store_ui.c and the counters store_put.c keeps for it):
 * filtered ledger pages, failing devices per check, per-check and report-age counters, the
 * daily rows, the risk register; the same cases on SQLite and on PostgreSQL (the private
 * instance of scripts/pg-test.sh, MAMORI_TEST_PG_URL_FILE); every test gets a new database.
 * The harness is test_store.c's. */
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

#include "server/store.h"

#include "store_world.h"

/* ---- tests ---- */

/* The counters agree with the rows they count: check_counts with the findings of devices not
 * revoked, report_hours with their latest reports. */
static void check_invariants(struct world *w)
{
	assert_int_equal(sql_count(w, "SELECT COALESCE(SUM(devices), 0) FROM check_counts"),
			 sql_count(w, "SELECT COUNT(*) FROM findings f JOIN devices d"
				      " ON d.id = f.device_id WHERE d.revoked_at IS NULL"));
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM (SELECT f.check_id, f.status,"
				      " COUNT(*) AS n FROM findings f JOIN devices d ON"
				      " d.id = f.device_id WHERE d.revoked_at IS NULL GROUP BY"
				      " f.check_id, f.status) x LEFT JOIN check_counts c ON"
				      " c.check_id = x.check_id AND c.status = x.status WHERE"
				      " c.devices IS NULL OR c.devices <> x.n"),
			 0);
	assert_int_equal(sql_count(w, "SELECT COALESCE(SUM(devices), 0) FROM report_hours"),
			 sql_count(w, "SELECT COUNT(*) FROM devices WHERE revoked_at IS NULL AND"
				      " last_generated_at IS NOT NULL"));
	assert_int_equal(sql_count(w, "SELECT COUNT(*) FROM report_hours WHERE devices <= 0"), 0);
}

static long long count_of(json_t *counts, const char *check, const char *status)
{
	json_t *c = json_object_get(counts, check);
	return c == NULL ? 0 : jint_at(c, status);
}

static void test_check_counts(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	char d[3][33], r[33];
	struct rep p;
	const char *s1[3][3] = {{"fail", "pass", "unknown"},
				{"fail", "fail", "pass"},
				{"pass", "not_applicable", "disabled"}};
	for (int i = 0; i < 3; i++) {
		hexid(d[i], "dd", i);
		assert_int_equal(enroll(st, d[i], "pc", d[i]), 0);
		hexid(r, "a1", i);
		rep_init(&p, r, d[i], T0);
		rep_add(&p, "ck-a", "firewall", s1[i][0]);
		rep_add(&p, "ck-b", "ssh", s1[i][1]);
		rep_add(&p, "ck-c", "patch", s1[i][2]);
		assert_int_equal(put(st, &p, NULL), 0);
	}
	json_t *j = NULL;
	get_json(store_check_counts(st, &j, &e), &j, "check counts", &e);
	assert_int_equal(count_of(j, "ck-a", "fail"), 2);
	assert_int_equal(count_of(j, "ck-a", "pass"), 1);
	assert_int_equal(count_of(j, "ck-b", "fail"), 1);
	assert_int_equal(count_of(j, "ck-b", "not_applicable"), 1);
	assert_int_equal(count_of(j, "ck-c", "disabled"), 1);
	json_decref(j);
	check_invariants(w);

	/* Device 1 fixes ck-a, drops ck-b, gains ck-d; device 0 sends the same again; a late
	 * (older) report of device 2 changes nothing. */
	hexid(r, "a2", 1);
	rep_init(&p, r, d[1], T0 + 100);
	rep_add(&p, "ck-a", "firewall", "pass");
	rep_add(&p, "ck-c", "patch", "pass");
	rep_add(&p, "ck-d", "usb-storage", "fail");
	assert_int_equal(put(st, &p, NULL), 0);
	hexid(r, "a2", 0);
	rep_init(&p, r, d[0], T0 + 100);
	rep_add(&p, "ck-a", "firewall", "fail");
	rep_add(&p, "ck-b", "ssh", "pass");
	rep_add(&p, "ck-c", "patch", "unknown");
	assert_int_equal(put(st, &p, NULL), 0);
	hexid(r, "a0", 2);
	rep_init(&p, r, d[2], T0 - 100);
	rep_add(&p, "ck-a", "firewall", "fail");
	assert_int_equal(put(st, &p, NULL), 0);
	get_json(store_check_counts(st, &j, &e), &j, "check counts", &e);
	assert_int_equal(count_of(j, "ck-a", "fail"), 1);
	assert_int_equal(count_of(j, "ck-a", "pass"), 2);
	assert_int_equal(count_of(j, "ck-b", "fail"), 0);
	assert_null(json_object_get(json_object_get(j, "ck-b"), "nothing"));
	assert_int_equal(count_of(j, "ck-d", "fail"), 1);
	json_decref(j);
	check_invariants(w);

	/* A revoked device leaves the counters; its later reports do not bring it back. */
	assert_int_equal(store_device_revoke(st, d[0], T0 + 200, &e), 0);
	hexid(r, "a3", 0);
	rep_init(&p, r, d[0], T0 + 300);
	rep_add(&p, "ck-a", "firewall", "fail");
	assert_int_equal(put(st, &p, NULL), 0);
	get_json(store_check_counts(st, &j, &e), &j, "check counts", &e);
	assert_int_equal(count_of(j, "ck-a", "fail"), 0);
	assert_int_equal(count_of(j, "ck-a", "pass"), 2);
	assert_int_equal(count_of(j, "ck-c", "unknown"), 0);
	json_decref(j);
	check_invariants(w);
}

static void test_stale_and_trend(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	int64_t now = (int64_t)time(NULL);
	/* Latest reports 1 h, 23 h 59 min, 24 h 1 min and 4 days old; one device never reports. */
	const int64_t age[4] = {3600, 86400 - 60, 86400 + 60, 4 * 86400};
	char d[5][33], r[33];
	struct rep p;
	for (int i = 0; i < 5; i++) {
		hexid(d[i], "5e", i);
		assert_int_equal(enroll(st, d[i], "pc", d[i]), 0);
		if (i == 4)
			break;
		hexid(r, "b1", i);
		rep_init(&p, r, d[i], now - age[i] - 7200); /* an older one first */
		rep_add(&p, "ck-a", "firewall", "pass");
		assert_int_equal(put(st, &p, NULL), 0);
		hexid(r, "b2", i);
		rep_init(&p, r, d[i], now - age[i]);
		rep_add(&p, "ck-a", "firewall", i == 1 ? "fail" : "pass");
		assert_int_equal(put(st, &p, NULL), 0);
	}
	check_invariants(w);
	store_set_max_report_age(st, 86400);
	json_t *j = NULL;
	get_json(store_fleet_counts(st, now, 86400, &j, &e), &j, "fleet counts", &e);
	assert_int_equal(jint_at(j, "stale"), 2);
	assert_int_equal(jint_at(j, "pass"), 3);
	assert_int_equal(jint_at(j, "fail"), 1);
	assert_int_equal(jint_at(j, "none"), 1);
	assert_int_equal(jint_at(j, "total"), 5);
	json_decref(j);
	get_json(store_fleet_counts(st, now, 3 * 86400, &j, &e), &j, "fleet counts", &e);
	assert_int_equal(jint_at(j, "stale"), 1);
	json_decref(j);

	/* The stale list: oldest report first, paged; the devices' report times are given. */
	struct store_device_filter f = {.stale = true, .now = now, .limit = 1};
	get_json(store_devices_query(st, &f, &j, &e), &j, "stale page", &e);
	assert_string_equal(jstr_at(json_array_get(json_object_get(j, "devices"), 0), "id"), d[3]);
	assert_string_equal(jstr_at(j, "order"), "stale");
	assert_int_equal(jint_at(j, "total"), 2);
	char next[33];
	snprintf(next, sizeof next, "%s", jstr_at(j, "next"));
	json_decref(j);
	f.after = next;
	get_json(store_devices_query(st, &f, &j, &e), &j, "stale page 2", &e);
	json_t *dev = json_array_get(json_object_get(j, "devices"), 0);
	assert_string_equal(jstr_at(dev, "id"), d[2]);
	assert_non_null(json_string_value(json_object_get(dev, "last_report_at")));
	assert_true(json_is_null(json_object_get(j, "next")));
	json_decref(j);

	/* Today's row follows the counters (written with each batch of writes). */
	char today[11];
	time_t tt = (time_t)now;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	get_json(store_trend(st, today, &j, &e), &j, "trend", &e);
	json_t *row = json_array_get(json_object_get(j, "days"), 0);
	assert_non_null(row);
	assert_string_equal(jstr_at(row, "day"), today);
	assert_int_equal(jint_at(row, "pass"), 3);
	assert_int_equal(jint_at(row, "fail"), 1);
	assert_int_equal(jint_at(row, "none"), 1);
	assert_int_equal(jint_at(row, "stale"), 2);
	assert_true(json_is_null(json_object_get(j, "before")));
	json_decref(j);
	get_json(store_trend(st, "2999-01-01", &j, &e), &j, "trend", &e);
	assert_int_equal(json_array_size(json_object_get(j, "days")), 0);
	assert_string_equal(jstr_at(json_object_get(j, "before"), "day"), today);
	json_decref(j);

	/* Revoking a stale device takes it out of the stale count and the report hours. */
	assert_int_equal(store_device_revoke(st, d[3], now, &e), 0);
	check_invariants(w);
	get_json(store_fleet_counts(st, now, 86400, &j, &e), &j, "fleet counts", &e);
	assert_int_equal(jint_at(j, "stale"), 1);
	assert_int_equal(jint_at(j, "revoked"), 1);
	json_decref(j);
}

/* Every page of a query, following next; returns the ids in order (caller frees). */
static json_t *all_pages(struct store *st, struct store_device_filter f)
{
	json_t *ids = json_array();
	char after[33] = "";
	for (int guard = 0; guard < 100; guard++) {
		struct errbuf e = {{0}};
		json_t *j = NULL;
		f.after = after[0] ? after : NULL;
		get_json(store_devices_query(st, &f, &j, &e), &j, "devices page", &e);
		size_t i;
		json_t *d;
		json_array_foreach(json_object_get(j, "devices"), i, d)
		    json_array_append_new(ids, json_string(jstr_at(d, "id")));
		json_t *next = json_object_get(j, "next");
		if (json_is_null(next)) {
			json_decref(j);
			return ids;
		}
		snprintf(after, sizeof after, "%s", json_string_value(next));
		json_decref(j);
	}
	fail_msg("paging does not end");
	return ids;
}

static bool has(json_t *ids, const char *id)
{
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) if (strcmp(json_string_value(v), id) == 0) return true;
	return false;
}

static void test_devices_query(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	int64_t now = T0 + 3600;
	/* 9 devices: i fails i % 4 checks; 7 and 8 never report; 6 is revoked. Host names
	 * "pc-a-<i>" for even i, "pc-b-<i>" for odd. */
	char d[9][33], r[33], host[32];
	struct rep p;
	for (int i = 0; i < 9; i++) {
		hexid(d[i], "de", i);
		snprintf(host, sizeof host, "pc-%c-%d", i % 2 ? 'b' : 'a', i);
		assert_int_equal(enroll(st, d[i], host, d[i]), 0);
		if (i >= 7)
			continue;
		hexid(r, "c1", i);
		rep_init(&p, r, d[i], T0 - i * 86400);
		p.r.hostname = host;
		p.r.received_at = T0 + i; /* last_seen: newest is device 6 */
		for (int k = 0; k < 4; k++) {
			char check[16];
			snprintf(check, sizeof check, "ck-%d", k);
			rep_add(&p, check, k % 2 ? "ssh" : "firewall", k < i % 4 ? "fail" : "pass");
		}
		if (i == 5)
			rep_add(&p, "ck-u", "patch", "unknown");
		assert_int_equal(put(st, &p, NULL), 0);
	}
	assert_int_equal(store_device_revoke(st, d[6], T0, &e), 0);
	check_invariants(w);

	/* Every driver pages through its whole set, each device once, in order, limit 2. */
	struct store_device_filter f = {.now = now, .limit = 2};
	json_t *ids = all_pages(st, f);
	assert_int_equal(json_array_size(ids), 9);
	assert_string_equal(json_string_value(json_array_get(ids, 0)), d[0]); /* pc-a-0 */
	json_decref(ids);

	f.status = "fail";
	ids = all_pages(st, f);
	assert_int_equal(json_array_size(ids), 4); /* 1, 2, 3, 5 (6 is revoked) */
	assert_true(has(ids, d[1]) && has(ids, d[2]) && has(ids, d[3]) && has(ids, d[5]));
	json_decref(ids);
	f.status = "none";
	ids = all_pages(st, f);
	assert_int_equal(json_array_size(ids), 2);
	assert_true(has(ids, d[7]) && has(ids, d[8]));
	json_decref(ids);
	f.status = "revoked";
	ids = all_pages(st, f);
	assert_int_equal(json_array_size(ids), 1);
	assert_true(has(ids, d[6]));
	json_decref(ids);
	f.status = "pass";
	ids = all_pages(st, f);
	assert_int_equal(json_array_size(ids), 2); /* 0, 4 */
	json_decref(ids);
	f.status = NULL;

	f.q = "pc-b";
	ids = all_pages(st, f);
	assert_int_equal(json_array_size(ids), 4); /* 1, 3, 5, 7 */
	assert_false(has(ids, d[0]));
	json_decref(ids);
	f.status = "fail";
	ids = all_pages(st, f);
	assert_int_equal(json_array_size(ids), 3); /* 1, 3, 5 */
	json_decref(ids);
	f.q = NULL;
	f.status = NULL;

	/* Worst first: fails 3 (3), 2 (2), 1 (1, 5), then the rest; revoked devices are not
	 * ranked. */
	f.sort = STORE_SORT_WORST;
	ids = all_pages(st, f);
	assert_int_equal(json_array_size(ids), 8);
	assert_string_equal(json_string_value(json_array_get(ids, 0)), d[3]);
	assert_string_equal(json_string_value(json_array_get(ids, 1)), d[2]);
	assert_false(has(ids, d[6]));
	json_decref(ids);

	/* Latest contact first, devices never seen last. */
	f.sort = STORE_SORT_LAST_SEEN;
	ids = all_pages(st, f);
	assert_int_equal(json_array_size(ids), 9);
	assert_string_equal(json_string_value(json_array_get(ids, 0)), d[6]);
	assert_string_equal(json_string_value(json_array_get(ids, 1)), d[5]);
	assert_true(has(ids, d[7]) && has(ids, d[8]));
	assert_string_equal(json_string_value(json_array_get(ids, 8)), d[7]);
	json_decref(ids);
	f.sort = STORE_SORT_HOSTNAME;

	/* Failing a topic or a check: by id, with totals from the counters. */
	f.topic = "ssh"; /* ck-1 or ck-3 fails: i % 4 >= 2 */
	ids = all_pages(st, f);
	assert_int_equal(json_array_size(ids), 2); /* 2, 3 */
	assert_true(has(ids, d[2]) && has(ids, d[3]));
	json_decref(ids);
	json_t *j = NULL;
	f.limit = 50;
	get_json(store_devices_query(st, &f, &j, &e), &j, "topic page", &e);
	assert_int_equal(jint_at(j, "total"), 2);
	assert_string_equal(jstr_at(j, "order"), "id");
	json_decref(j);
	f.topic = NULL;
	f.check = "ck-0";
	get_json(store_devices_query(st, &f, &j, &e), &j, "check page", &e);
	assert_int_equal(jint_at(j, "total"), 4);
	assert_int_equal(json_array_size(json_object_get(j, "devices")), 4);
	assert_non_null(json_string_value(
	    json_object_get(json_array_get(json_object_get(j, "devices"), 0), "failing_since")));
	json_decref(j);
	f.status = "pass"; /* two filters: no counter has the total */
	get_json(store_devices_query(st, &f, &j, &e), &j, "check page", &e);
	assert_true(json_is_null(json_object_get(j, "total")));
	assert_int_equal(json_array_size(json_object_get(j, "devices")), 0);
	json_decref(j);
	f.status = NULL;
	f.check = NULL;
	get_json(store_devices_query(st, &f, &j, &e), &j, "all", &e);
	assert_int_equal(jint_at(j, "total"), 9);
	json_decref(j);

	/* Stale at now = T0 + 1 h, max age 24 h: devices 1..5 reported a day or more before T0
	 * (6 is revoked, 0 reported at T0). */
	store_set_max_report_age(st, 86400);
	f.stale = true;
	ids = all_pages(st, (struct store_device_filter){.now = now, .stale = true, .limit = 2});
	assert_int_equal(json_array_size(ids), 5);
	assert_false(has(ids, d[0]) || has(ids, d[6]));
	assert_string_equal(json_string_value(json_array_get(ids, 0)), d[5]);
	json_decref(ids);
	f.stale = false;

	/* A walk with a small budget: pages end early (partial), and paging on still finds
	 * every match once. Host order, status pass (0 and 4) with a budget of one row. */
	f.status = NULL;
	struct store_device_filter fb = {
	    .now = now, .limit = 1, .sort = STORE_SORT_WORST, .status = "pass", .budget = 1};
	get_json(store_devices_query(st, &fb, &j, &e), &j, "budget page", &e);
	assert_true(json_is_true(json_object_get(j, "partial")));
	assert_int_equal(json_array_size(json_object_get(j, "devices")), 0);
	assert_true(json_is_string(json_object_get(j, "next")));
	json_decref(j);
	ids = all_pages(st, fb);
	assert_int_equal(json_array_size(ids), 2);
	assert_true(has(ids, d[0]) && has(ids, d[4]));
	json_decref(ids);
	fb.budget = 0;
	get_json(store_devices_query(st, &fb, &j, &e), &j, "budget page", &e);
	assert_true(json_is_false(json_object_get(j, "partial")));
	assert_int_equal(json_array_size(json_object_get(j, "devices")), 1);
	json_decref(j);

	/* Bad arguments. */
	f.after = "0123456789abcdef0123456789abcdef";
	assert_int_equal(store_devices_query(st, &f, &j, &e), STORE_NOT_FOUND);
	f.after = NULL;
	f.status = "maybe";
	assert_int_equal(store_devices_query(st, &f, &j, &e), MAMORI_EINVAL);
	f.status = NULL;
	f.limit = 0;
	assert_int_equal(store_devices_query(st, &f, &j, &e), MAMORI_EINVAL);
	(void)backend_prefix;
}

static void test_devices_failing(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	char d[5][33], r[33];
	struct rep p;
	/* x fails on 0, 1, 2; y on 2, 3; 4 fails nothing. */
	for (int i = 0; i < 5; i++) {
		hexid(d[i], "fa", i);
		assert_int_equal(enroll(st, d[i], "pc", d[i]), 0);
		hexid(r, "e1", i);
		rep_init(&p, r, d[i], T0 + i);
		rep_add(&p, "x", "firewall", i <= 2 ? "fail" : "pass");
		rep_add(&p, "y", "ssh", i == 2 || i == 3 ? "fail" : "pass");
		assert_int_equal(put(st, &p, NULL), 0);
	}
	const char *both[] = {"x", "y"};
	json_t *j = NULL, *seen = json_array();
	char after[33] = "";
	for (;;) {
		get_json(store_devices_failing(st, both, 2, after[0] ? after : NULL, 2, &j, &e), &j,
			 "failing", &e);
		size_t i;
		json_t *dv;
		json_array_foreach(json_object_get(j, "devices"), i, dv)
		{
			json_array_append_new(seen, json_string(jstr_at(dv, "id")));
			size_t nf = json_array_size(json_object_get(dv, "failing"));
			assert_int_equal(nf, strcmp(jstr_at(dv, "id"), d[2]) == 0 ? 2 : 1);
		}
		json_t *next = json_object_get(j, "next");
		if (json_is_null(next)) {
			json_decref(j);
			break;
		}
		snprintf(after, sizeof after, "%s", json_string_value(next));
		json_decref(j);
	}
	assert_int_equal(json_array_size(seen), 4);
	for (int i = 0; i < 4; i++)
		assert_string_equal(json_string_value(json_array_get(seen, (size_t)i)), d[i]);
	json_decref(seen);
	assert_int_equal(store_devices_failing(st, both, 0, NULL, 2, &j, &e), MAMORI_EINVAL);
}

static void test_register(void **state)
{
	struct world *w = *state;
	struct store *st = w->st;
	struct errbuf e = {{0}};
	json_t *j = NULL;
	get_json(store_register_list(st, &j, &e), &j, "register", &e);
	assert_int_equal(json_array_size(json_object_get(j, "entries")), 0);
	json_decref(j);
	assert_int_equal(store_register_get(st, "csaj-5.1.1", &j, &e), STORE_NOT_FOUND);
	struct store_register_entry en = {.control = "csaj-5.1.1",
					  .state = "checked on delivery",
					  .impact = {"critical", NULL, "minor", ""},
					  .decision = "will-do",
					  .deadline = "2026-12-31",
					  .owner = "Sato (IT) 佐藤",
					  .updated_by = "admin",
					  .now = T0};
	assert_int_equal(store_register_put(st, &en, NULL, &e), 0);
	get_json(store_register_get(st, "csaj-5.1.1", &j, &e), &j, "entry", &e);
	assert_string_equal(jstr_at(j, "state"), "checked on delivery");
	assert_string_equal(jstr_at(json_object_get(j, "impact"), "confidentiality"), "critical");
	assert_null(json_object_get(json_object_get(j, "impact"), "integrity"));
	assert_null(json_object_get(json_object_get(j, "impact"), "accountability"));
	assert_string_equal(jstr_at(j, "owner"), "Sato (IT) 佐藤");
	assert_string_equal(jstr_at(j, "updated_by"), "admin");
	assert_true(json_is_null(json_object_get(j, "reason")));
	json_decref(j);
	/* A second put replaces the entry. */
	en.decision = "not-needed";
	en.deadline = NULL;
	en.reason = "no such PCs";
	en.now = T0 + 10;
	assert_int_equal(store_register_put(st, &en, NULL, &e), 0);
	struct store_register_entry en2 = {.control = "mic-c-2", .decision = "done", .now = T0};
	assert_int_equal(store_register_put(st, &en2, NULL, &e), 0);
	get_json(store_register_list(st, &j, &e), &j, "register", &e);
	json_t *list = json_object_get(j, "entries");
	assert_int_equal(json_array_size(list), 2);
	json_t *first = json_array_get(list, 0);
	assert_string_equal(jstr_at(first, "control"), "csaj-5.1.1");
	assert_string_equal(jstr_at(first, "decision"), "not-needed");
	assert_true(json_is_null(json_object_get(first, "deadline")));
	assert_string_equal(jstr_at(first, "reason"), "no such PCs");
	json_decref(j);
	struct store_register_entry bad = {.control = "x", .state = "\xff", .now = T0};
	assert_int_equal(store_register_put(st, &bad, NULL, &e), MAMORI_EINVAL);
}

/* ---- groups ---- */


int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_check_counts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stale_and_trend, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_devices_query, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_devices_failing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_register, setup, teardown),
	};
	int fails = cmocka_run_group_tests_name("store_ui_sqlite", tests, group_sqlite, NULL);
	fails += cmocka_run_group_tests_name("store_ui_postgresql", tests, group_pg, NULL);
	return fails != 0;
}
