/* SPDX-License-Identifier: Apache-2.0 */
/* The hash-chained audit log: a sound chain verifies; edits, removals, reordering, a re-sealed
 * edit and a removed tail are each caught and named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/audit_chain.h"

#define N 20
#define NOW 1795424400 /* 2026-11-23T09:00:00Z */

static char details[N][64];
static struct audit_entry log_[N];

/* Twenty sealed entries, each chained onto the one before. */
static void build(void)
{
	static const char *const actions[] = {"signin", "signin-failed", "lockout", "token-create"};
	for (int i = 0; i < N; i++) {
		snprintf(details[i], sizeof details[i], "{\"n\":%d}", i + 1);
		log_[i] = (struct audit_entry){
		    .seq = i + 1,
		    .at = NOW + i * 60,
		    .actor = i % 3 ? "admin" : "cli",
		    .action = actions[i % 4],
		    .target = i % 2 ? "device:0123" : "",
		    .detail = details[i],
		    .remote = i % 2 ? "192.0.2.1" : "",
		};
		audit_entry_seal(&log_[i], i ? log_[i - 1].hash : NULL);
		assert_int_equal(strlen(log_[i].hash), 64);
	}
}

/* Feeds the entries named by 1-based index in order; returns the verifier after end. */
static bool run(struct audit_verifier *v, const int *order, int n, int64_t head_seq,
		const char *head_hash)
{
	audit_verify_begin(v);
	bool ok = true;
	for (int i = 0; i < n; i++)
		ok = audit_verify_next(v, &log_[order[i] - 1]) && ok;
	return audit_verify_end(v, head_seq, head_hash) && ok;
}

static int all[N];

static void expect_fail(const struct audit_verifier *v, int64_t seq, const char *why)
{
	assert_true(v->failed);
	assert_int_equal(v->bad_seq, seq);
	if (strstr(v->why, why) == NULL)
		fail_msg("why \"%s\" does not say \"%s\"", v->why, why);
}

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < N; i++)
		all[i] = i + 1;
	build();
	return 0;
}

static void test_sound_chain(void **state)
{
	(void)state;
	struct audit_verifier v;
	assert_true(run(&v, all, N, N, log_[N - 1].hash));
	assert_false(v.failed);
	assert_int_equal(v.checked, N);
	assert_int_equal(v.last_seq, N);
	assert_string_equal(v.last_hash, log_[N - 1].hash);
	assert_string_equal(v.why, "");
	assert_string_equal(log_[0].prev, audit_genesis);
	for (int i = 1; i < N; i++)
		assert_string_equal(log_[i].prev, log_[i - 1].hash);
	/* Unknown head: a sound chain passes too, and so does an empty log. */
	assert_true(run(&v, all, N, 0, NULL));
	assert_true(run(&v, all, 0, 0, NULL));
	assert_int_equal(v.checked, 0);
}

static void test_known_answer(void **state)
{
	(void)state;
	/* The canonical form in audit_chain.h, computed apart:
	 * sha256("0"*64 + '1:1,10:1795424400,5:admin,6:signin,0:,14:{"mfa":"totp"},9:192.0.2.1,')
	 */
	struct audit_entry en = {1,	      NOW, "admin", "signin", "", "{\"mfa\":\"totp\"}",
				 "192.0.2.1", "",  ""};
	audit_entry_seal(&en, NULL);
	assert_string_equal(en.hash,
			    "55806ad544ce784c6a7d9782c47553beb685e1c1ab13566f1cb1550540c59726");
	/* A NULL field is "". */
	struct audit_entry nul = en;
	nul.target = NULL;
	audit_entry_seal(&nul, NULL);
	assert_string_equal(nul.hash, en.hash);
	/* Moving bytes between fields changes the hash (the length prefixes). */
	struct audit_entry a = en, b = en;
	a.actor = "ad";
	a.action = "minsignin";
	audit_entry_seal(&a, NULL);
	assert_string_not_equal(a.hash, en.hash);
	b.target = "1,";
	b.detail = "x";
	struct audit_entry c = en;
	c.target = "1";
	c.detail = ",x";
	audit_entry_seal(&b, NULL);
	audit_entry_seal(&c, NULL);
	assert_string_not_equal(b.hash, c.hash);
	/* Every field counts. */
	struct audit_entry d = en;
	d.at++;
	audit_entry_seal(&d, NULL);
	assert_string_not_equal(d.hash, en.hash);
	d = en;
	d.remote = "192.0.2.2";
	audit_entry_seal(&d, NULL);
	assert_string_not_equal(d.hash, en.hash);
	d = en;
	audit_entry_seal(&d, en.hash); /* another prev */
	assert_string_not_equal(d.hash, en.hash);
}

static void test_edited(void **state)
{
	(void)state;
	struct audit_verifier v;
	log_[16].detail = "{\"n\":170}";
	assert_false(run(&v, all, N, N, log_[N - 1].hash));
	expect_fail(&v, 17, "entry 17: edited (hash does not match its contents)");
	assert_int_equal(v.checked, 16);
	/* Later entries change nothing once it failed. */
	char why[sizeof v.why];
	memcpy(why, v.why, sizeof why);
	assert_false(audit_verify_next(&v, &log_[17]));
	assert_string_equal(v.why, why);
	log_[16].detail = details[16];
	assert_true(run(&v, all, N, N, log_[N - 1].hash));
	/* The time, or a hash that is not hex at all. */
	log_[3].at++;
	assert_false(run(&v, all, N, 0, NULL));
	expect_fail(&v, 4, "entry 4: edited");
	log_[3].at--;
	char saved[65];
	memcpy(saved, log_[3].hash, 65);
	log_[3].hash[10] = 'G';
	assert_false(run(&v, all, N, 0, NULL));
	expect_fail(&v, 4, "entry 4: edited");
	memcpy(log_[3].hash, saved, 65);
}

static void test_resealed(void **state)
{
	(void)state;
	struct audit_verifier v;
	/* Someone with the database edits entry 7 and seals it again onto entry 6: entry 7
	 * holds, but entry 8 still names the old hash. */
	struct audit_entry keep = log_[6];
	log_[6].actor = "nobody";
	audit_entry_seal(&log_[6], log_[5].hash);
	assert_false(run(&v, all, N, N, log_[N - 1].hash));
	expect_fail(&v, 8, "entry 8: chain broken");
	assert_int_equal(v.checked, 7);
	log_[6] = keep;
	assert_true(run(&v, all, N, 0, NULL));
}

static void test_removed(void **state)
{
	(void)state;
	struct audit_verifier v;
	int order[N];
	int n = 0;
	for (int i = 1; i <= N; i++)
		if (i != 18)
			order[n++] = i;
	assert_false(run(&v, order, n, N, log_[N - 1].hash));
	expect_fail(&v, 18, "entry 18: missing (found 19 after 17)");
	/* The first one. */
	assert_false(run(&v, all + 1, N - 1, 0, NULL));
	expect_fail(&v, 1, "entry 1: missing (the log starts at entry 2)");
	/* ... unless it was pruned on purpose and its hash kept. */
	audit_verify_begin_after(&v, 1, log_[0].hash);
	for (int i = 1; i < N; i++)
		assert_true(audit_verify_next(&v, &log_[i]));
	assert_true(audit_verify_end(&v, N, log_[N - 1].hash));
	assert_int_equal(v.checked, N - 1);
	audit_verify_begin_after(&v, 1, log_[1].hash); /* the wrong hash kept */
	assert_false(audit_verify_next(&v, &log_[1]));
	expect_fail(&v, 2, "entry 2: chain broken");
	/* Removed and the rest renumbered: the hashes cover seq. */
	struct audit_entry keep = log_[18];
	log_[18].seq = 18;
	order[17] = 19;
	assert_false(run(&v, order, 18, 0, NULL));
	expect_fail(&v, 18, "entry 18: edited");
	log_[18] = keep;
}

static void test_reordered(void **state)
{
	(void)state;
	struct audit_verifier v;
	int order[N];
	memcpy(order, all, sizeof order);
	order[4] = 6;
	order[5] = 5;
	assert_false(run(&v, order, N, N, log_[N - 1].hash));
	expect_fail(&v, 5, "entry 5: missing (found 6 after 4)");
	/* A duplicate, or going back. */
	int dup[] = {1, 2, 3, 3, 4};
	assert_false(run(&v, dup, 5, 0, NULL));
	expect_fail(&v, 3, "entry 3: out of order (found after entry 3)");
	/* Contents swapped and the seqs kept in order. */
	struct audit_entry a = log_[4], b = log_[5];
	log_[4] = b;
	log_[4].seq = 5;
	log_[5] = a;
	log_[5].seq = 6;
	assert_false(run(&v, all, N, 0, NULL));
	expect_fail(&v, 5, "entry 5: edited");
	log_[4] = a;
	log_[5] = b;
	assert_true(run(&v, all, N, N, log_[N - 1].hash));
}

static void test_tail(void **state)
{
	(void)state;
	struct audit_verifier v;
	/* Entries 18 to 20 gone: the chain itself is sound, only the head tells. */
	assert_true(run(&v, all, 17, 0, NULL));
	assert_false(run(&v, all, 17, N, log_[N - 1].hash));
	expect_fail(&v, 18,
		    "entry 18: missing (the log ends at entry 17; the recorded head is entry 20)");
	assert_false(run(&v, all, 17, N, NULL));
	expect_fail(&v, 18, "entry 18: missing");
	/* The tail replaced by other sealed entries: the seq matches, the hash does not. */
	struct audit_entry keep = log_[N - 1];
	log_[N - 1].detail = "forged";
	audit_entry_seal(&log_[N - 1], log_[N - 2].hash);
	assert_true(run(&v, all, N, N, NULL));
	assert_false(run(&v, all, N, N, keep.hash));
	expect_fail(&v, 20, "entry 20: not the recorded head");
	log_[N - 1] = keep;
	assert_false(run(&v, all, N, N, "short"));
	/* More than the head says. */
	assert_false(run(&v, all, N, N - 1, log_[N - 2].hash));
	expect_fail(&v, 20, "entry 20: past the recorded head (entry 19)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_sound_chain, setup),
	    cmocka_unit_test_setup(test_known_answer, setup),
	    cmocka_unit_test_setup(test_edited, setup),
	    cmocka_unit_test_setup(test_resealed, setup),
	    cmocka_unit_test_setup(test_removed, setup),
	    cmocka_unit_test_setup(test_reordered, setup),
	    cmocka_unit_test_setup(test_tail, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
