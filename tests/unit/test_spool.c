/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's spool (docs/internals/SPOOL.md): order, acknowledgement, rejection, an
 * unreachable server, limits, crash leftovers, stray files, two senders at once. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/spool.h"

static char dir[256];

static char logbuf[8192];
static void capture(const char *line)
{
	size_t n = strlen(logbuf);
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", line);
}

static void rm_rf(const char *path)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mamori-spool-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	logbuf[0] = '\0';
	spool_set_log(capture);
	/* the spool itself: spool_add creates it */
	size_t n = strlen(dir);
	snprintf(dir + n, sizeof(dir) - n, "/spool");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char parent[256];
	snprintf(parent, sizeof(parent), "%s", dir);
	*strrchr(parent, '/') = '\0';
	rm_rf(parent);
	spool_set_log(NULL);
	return 0;
}

static void add(const char *id, const char *body, unsigned *dropped)
{
	struct errbuf e = {{0}};
	unsigned d = 99;
	assert_int_equal(spool_add(dir, id, body, strlen(body), NULL, &d, &e), 0);
	assert_int_equal(d, 0);
	if (dropped)
		*dropped = d;
}

/* The report ids of the entries in d (a spool or its rejected/), in name order, joined. */
static void names(const char *d, const char *suffix, char *out, size_t size)
{
	struct dirent **v;
	int n = scandir(d, &v, NULL, alphasort);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *nm = v[i]->d_name;
		size_t l = strlen(nm), sl = strlen(suffix);
		if (nm[0] != '.' && l > 17 + sl && strcmp(nm + l - sl, suffix) == 0) {
			size_t o = strlen(out);
			snprintf(out + o, size - o, "%s%.*s", o ? "," : "", (int)(l - 17 - sl),
				 nm + 17);
		}
		free(v[i]);
	}
	if (n >= 0)
		free(v);
}

struct rec {
	char seen[1024];
	const char *reject;  /* ids answered 1, "*" = all */
	const char *note_on; /* of those, the ones that leave a note */
	const char *stop_at; /* id answered -1 */
};

static int rec_send(void *ctx, const char *id, const char *body, size_t len)
{
	struct rec *r = ctx;
	assert_int_equal(strlen(body), len);
	size_t o = strlen(r->seen);
	snprintf(r->seen + o, sizeof(r->seen) - o, "%s%s", o ? "," : "", id);
	if (r->stop_at && strcmp(id, r->stop_at) == 0)
		return -1;
	if (r->reject && (strcmp(r->reject, "*") == 0 || strstr(r->reject, id))) {
		if (r->note_on && strstr(r->note_on, id)) {
			struct errbuf e = {{0}};
			assert_int_equal(spool_reject_note(dir, id,
							   "report_id used by another "
							   "device",
							   &e),
					 0);
		}
		return 1;
	}
	return 0;
}

static void test_order_and_ack(void **state)
{
	(void)state;
	add("cc", "{\"n\":1}", NULL);
	add("aa", "{\"n\":2}", NULL);
	add("bb", "{\"n\":3}", NULL);
	char got[512];
	names(dir, ".json", got, sizeof(got));
	assert_string_equal(got, "cc,aa,bb"); /* by time added, not by id */
	struct stat st;
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	struct rec r = {.seen = ""};
	unsigned sent = 99, left = 99;
	struct errbuf e = {{0}};
	assert_int_equal(spool_flush(dir, rec_send, &r, &sent, &left, &e), 0);
	assert_string_equal(r.seen, "cc,aa,bb");
	assert_int_equal(sent, 3);
	assert_int_equal(left, 0);
	names(dir, ".json", got, sizeof(got));
	assert_string_equal(got, "");
	/* nothing left: nothing sent */
	r.seen[0] = '\0';
	assert_int_equal(spool_flush(dir, rec_send, &r, &sent, &left, &e), 0);
	assert_string_equal(r.seen, "");
	assert_int_equal(sent, 0);
}

static void test_missing_spool(void **state)
{
	(void)state;
	struct rec r = {.seen = ""};
	unsigned sent = 99, left = 99;
	struct errbuf e = {{0}};
	assert_int_equal(spool_flush(dir, rec_send, &r, &sent, &left, &e), 0);
	assert_int_equal(sent, 0);
	assert_int_equal(left, 0);
	assert_string_equal(r.seen, "");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	static char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_reject_moves_with_reason(void **state)
{
	(void)state;
	add("r1", "{\"n\":1}", NULL);
	add("ok", "{\"n\":2}", NULL);
	add("r2", "{\"n\":3}", NULL);
	struct rec r = {.seen = "", .reject = "r1 r2", .note_on = "r1"};
	unsigned sent, left;
	struct errbuf e = {{0}};
	assert_int_equal(spool_flush(dir, rec_send, &r, &sent, &left, &e), 0);
	assert_string_equal(r.seen, "r1,ok,r2");
	assert_int_equal(sent, 1);
	assert_int_equal(left, 0);
	char got[512], rej[300];
	names(dir, ".json", got, sizeof(got));
	assert_string_equal(got, "");
	snprintf(rej, sizeof(rej), "%s/rejected", dir);
	names(rej, ".json", got, sizeof(got));
	assert_string_equal(got, "r1,r2");
	names(rej, ".reason", got, sizeof(got));
	assert_string_equal(got, "r1,r2");
	/* the report is kept whole, the server's reason beside it */
	struct dirent **v;
	int n = scandir(rej, &v, NULL, alphasort);
	int checked = 0;
	for (int i = 0; i < n; i++) {
		char p[600];
		snprintf(p, sizeof(p), "%s/%s", rej, v[i]->d_name);
		const char *nm = v[i]->d_name;
		const char *want = strstr(nm, "-r1.reason")   ? "report_id used by another device\n"
				   : strstr(nm, "-r2.reason") ? "rejected by the server\n"
				   : strstr(nm, "-r1.json")   ? "{\"n\":1}"
							      : NULL;
		if (want) {
			assert_string_equal(slurp(p), want);
			checked++;
		}
		free(v[i]);
	}
	free(v);
	assert_int_equal(checked, 3);
	/* rejected entries are not sent again */
	r.seen[0] = '\0';
	assert_int_equal(spool_flush(dir, rec_send, &r, &sent, &left, &e), 0);
	assert_string_equal(r.seen, "");
}

static void test_unreachable_keeps(void **state)
{
	(void)state;
	add("a", "{}", NULL);
	add("b", "{}", NULL);
	add("c", "{}", NULL);
	struct rec r = {.seen = "", .stop_at = "b"};
	unsigned sent, left;
	struct errbuf e = {{0}};
	assert_int_equal(spool_flush(dir, rec_send, &r, &sent, &left, &e), 0);
	assert_string_equal(r.seen, "a,b");
	assert_int_equal(sent, 1);
	assert_int_equal(left, 2);
	char got[512];
	names(dir, ".json", got, sizeof(got));
	assert_string_equal(got, "b,c");
	/* the server is back: the next flush starts where the last one stopped */
	r = (struct rec){.seen = ""};
	assert_int_equal(spool_flush(dir, rec_send, &r, &sent, &left, &e), 0);
	assert_string_equal(r.seen, "b,c");
	assert_int_equal(left, 0);
}

static void test_limits_drop_oldest(void **state)
{
	(void)state;
	struct spool_limits lim = {.max_entries = 3};
	struct errbuf e = {{0}};
	const char *ids[] = {"e1", "e2", "e3", "e4", "e5"};
	unsigned total = 0;
	for (size_t i = 0; i < 5; i++) {
		unsigned d = 99;
		assert_int_equal(spool_add(dir, ids[i], "0123456789", 10, &lim, &d, &e), 0);
		assert_int_equal(d, i < 3 ? 0 : 1);
		total += d;
	}
	assert_int_equal(total, 2);
	char got[512];
	names(dir, ".json", got, sizeof(got));
	assert_string_equal(got, "e3,e4,e5");
	/* by size: 35 bytes hold three of 10; one of 25 pushes out two */
	lim = (struct spool_limits){.max_bytes = 35};
	unsigned d = 99;
	assert_int_equal(spool_add(dir, "big", "0123456789012345678901234", 25, &lim, &d, &e), 0);
	assert_int_equal(d, 2);
	names(dir, ".json", got, sizeof(got));
	assert_string_equal(got, "e5,big");
}

static void test_oversized_refused(void **state)
{
	(void)state;
	add("keep", "{}", NULL);
	struct spool_limits lim = {.max_bytes = 16};
	struct errbuf e = {{0}};
	unsigned d = 99;
	assert_int_equal(spool_add(dir, "huge", "{\"x\":\"0123456789abcdef\"}", 24, &lim, &d, &e),
			 MAMORI_ETOOBIG);
	assert_non_null(strstr(e.msg, "huge"));
	assert_int_equal(d, 99); /* untouched on failure */
	char got[512];
	names(dir, ".json", got, sizeof(got));
	assert_string_equal(got, "keep");
	/* and bad input */
	assert_int_equal(spool_add(dir, "../x", "{}", 2, NULL, &d, &e), MAMORI_EINVAL);
	assert_int_equal(spool_add(dir, "", "{}", 2, NULL, &d, &e), MAMORI_EINVAL);
	assert_int_equal(spool_add(dir, "ok", "", 0, NULL, &d, &e), MAMORI_EINVAL);
}

static void touch(const char *name, const char *text)
{
	char p[600];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool present(const char *name)
{
	char p[600];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

static void test_leftovers_and_strays(void **state)
{
	(void)state;
	add("first", "{}", NULL);
	/* a crash between write and rename, and an unused note */
	touch(".tmp-0000000000000001-lost.json", "{\"half");
	touch(".note-gone", "why");
	/* not the spool's: left alone and reported */
	touch("README", "hello");
	touch("123-short.json", "{}");
	char p[600];
	snprintf(p, sizeof(p), "%s/0000000000000002-adir.json", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/0000000000000003-link.json", dir);
	assert_int_equal(symlink("/etc/hostname", p), 0);
	/* a spooled entry that is empty: set aside with a note */
	touch("0000000000000004-empty.json", "");
	logbuf[0] = '\0';
	struct rec r = {.seen = ""};
	unsigned sent, left;
	struct errbuf e = {{0}};
	assert_int_equal(spool_flush(dir, rec_send, &r, &sent, &left, &e), 0);
	assert_string_equal(r.seen, "first");
	assert_int_equal(sent, 1);
	assert_int_equal(left, 0);
	assert_false(present(".tmp-0000000000000001-lost.json"));
	assert_false(present(".note-gone"));
	assert_true(present("README"));
	assert_true(present("123-short.json"));
	assert_true(present("0000000000000002-adir.json"));
	assert_true(present("0000000000000003-link.json"));
	assert_false(present("0000000000000004-empty.json"));
	assert_true(present("rejected/0000000000000004-empty.json"));
	assert_true(present("rejected/0000000000000004-empty.reason"));
	snprintf(p, sizeof(p), "%s/rejected/0000000000000004-empty.reason", dir);
	assert_non_null(strstr(slurp(p), "empty"));
	assert_non_null(strstr(logbuf, "README"));
	assert_non_null(strstr(logbuf, "123-short.json"));
	assert_non_null(strstr(logbuf, "0000000000000002-adir.json"));
	assert_non_null(strstr(logbuf, "0000000000000003-link.json"));
	assert_non_null(strstr(logbuf, ".tmp-0000000000000001-lost.json"));
	assert_non_null(strstr(logbuf, "0000000000000004-empty.json"));
	/* a new entry sorts after every entry there, whatever the clock says */
	touch("9000000000000000-future.json", "{}");
	add("next", "{}", NULL);
	char got[512];
	names(dir, ".json", got, sizeof(got));
	assert_string_equal(got, "adir,link,future,next");
}

static void test_rejected_bounded(void **state)
{
	(void)state;
	char id[16];
	for (int i = 0; i < 105; i++) {
		snprintf(id, sizeof(id), "x%03d", i);
		add(id, "{}", NULL);
	}
	struct rec r = {.seen = "", .reject = "*"};
	unsigned sent, left;
	struct errbuf e = {{0}};
	assert_int_equal(spool_flush(dir, rec_send, &r, &sent, &left, &e), 0);
	assert_int_equal(sent, 0);
	char rej[300];
	static char got[2048];
	snprintf(rej, sizeof(rej), "%s/rejected", dir);
	names(rej, ".json", got, sizeof(got));
	assert_int_equal(strncmp(got, "x005,x006,", 10), 0); /* the oldest five went */
	size_t commas = 0;
	for (const char *s = got; *s; s++)
		commas += *s == ',';
	assert_int_equal(commas, 99);
	names(rej, ".reason", got, sizeof(got));
	assert_int_equal(strncmp(got, "x005,", 5), 0);
}

/* Two agents on one spool: each entry reaches the server once. */
static int slow_send(void *ctx, const char *id, const char *body, size_t len)
{
	(void)body;
	(void)len;
	int fd = *(int *)ctx;
	char line[80];
	int n = snprintf(line, sizeof(line), "%s\n", id);
	if (write(fd, line, (size_t)n) != n)
		return -1;
	usleep(2000);
	return 0;
}

static void test_two_flushers(void **state)
{
	(void)state;
	char id[16];
	for (int i = 0; i < 40; i++) {
		snprintf(id, sizeof(id), "c%02d", i);
		add(id, "{}", NULL);
	}
	char out[300];
	snprintf(out, sizeof(out), "%s/../sent.txt", dir);
	int fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0600);
	assert_true(fd >= 0);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		kids[k] = fork();
		assert_true(kids[k] >= 0);
		if (kids[k] == 0) {
			unsigned sent, left;
			struct errbuf e = {{0}};
			int rc = spool_flush(dir, slow_send, &fd, &sent, &left, &e);
			_exit(rc == 0 && left == 0 ? (int)sent : 255);
		}
	}
	int total = 0;
	for (int k = 0; k < 2; k++) {
		int st;
		assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
		assert_true(WIFEXITED(st));
		assert_int_not_equal(WEXITSTATUS(st), 255);
		total += WEXITSTATUS(st);
	}
	close(fd);
	assert_int_equal(total, 40);
	FILE *f = fopen(out, "r");
	assert_non_null(f);
	int count[40] = {0}, lines = 0;
	char line[80];
	while (fgets(line, sizeof(line), f)) {
		int i = (line[1] - '0') * 10 + (line[2] - '0');
		assert_true(i >= 0 && i < 40);
		count[i]++;
		lines++;
	}
	fclose(f);
	assert_int_equal(lines, 40);
	for (int i = 0; i < 40; i++)
		assert_int_equal(count[i], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_order_and_ack, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_spool, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reject_moves_with_reason, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unreachable_keeps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limits_drop_oldest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_oversized_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_leftovers_and_strays, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rejected_bounded, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_two_flushers, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
