/* SPDX-License-Identifier: Apache-2.0 */
/* Data-driven verdict tests: every tests/fixtures/<case>/root is scanned and its findings
 * compared with the lines of tests/fixtures/<case>/expect/ *.txt:
 *     check-id  status  [text the finding's reason or evidence must contain]
 * The cases "good" and "bad" must list every check. Across all cases every check must pass
 * at least once and fail at least once, so no verdict goes unproven either way. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cli/scan.h"
#include "core/buf.h"
#include "core/report.h"
#include "probes/linux/lan.h"

#include <arpa/inet.h>

#define DEFAULT_NOW "2026-11-23T00:00:00Z"

struct fixture_sys {
	json_t *j;
};

static int fx_nft(void *ud, char **json, size_t *len, char *why, size_t whylen)
{
	struct fixture_sys *fs = ud;
	const json_t *err = json_object_get(fs->j, "nft_error");
	if (json_is_string(err)) {
		snprintf(why, whylen, "%s", json_string_value(err));
		return MAMORI_EACCES;
	}
	const json_t *rs = json_object_get(fs->j, "nft_ruleset");
	if (rs == NULL) {
		snprintf(why, whylen, "no nftables ruleset recorded for this fixture");
		return MAMORI_ENOENT;
	}
	*json = json_is_string(rs) ? strdup(json_string_value(rs)) : json_dumps(rs, JSON_COMPACT);
	*len = *json ? strlen(*json) : 0;
	return *json ? 0 : MAMORI_ENOMEM;
}

static int fx_clock(void *ud, bool *synced, char *why, size_t whylen)
{
	struct fixture_sys *fs = ud;
	const json_t *v = json_object_get(fs->j, "clock_synchronized");
	if (!json_is_boolean(v)) {
		snprintf(why, whylen, "no clock state recorded for this fixture");
		return MAMORI_ENOENT;
	}
	*synced = json_is_true(v);
	return 0;
}

/* sys.json "wpa_ctrl": {"/run/wpa_supplicant/wlan0": "STATUS reply" or {"error": "why"}};
 * a path not listed has no socket. */
static int fx_wpa_ctrl(void *ud, int rootfd, const char *path, const char *cmd, char **reply,
		       size_t *len, char *why, size_t whylen)
{
	struct fixture_sys *fs = ud;
	(void)rootfd;
	(void)cmd;
	const json_t *v = json_object_get(json_object_get(fs->j, "wpa_ctrl"), path);
	if (v == NULL) {
		snprintf(why, whylen, "%s: no such file", path);
		return MAMORI_ENOENT;
	}
	if (!json_is_string(v)) {
		snprintf(why, whylen, "%s", json_string_value(json_object_get(v, "error")));
		return MAMORI_EACCES;
	}
	*reply = strdup(json_string_value(v));
	*len = *reply ? strlen(*reply) : 0;
	return *reply ? 0 : MAMORI_ENOMEM;
}

/* "if_addrs": [{"ifname": "eth0", "ifindex": 2, "addr": "192.168.2.10/24"}, ...] */
static int fx_if_addrs(void *ud, struct lan_ifaddr **addrs, size_t *count, char *why,
		       size_t whylen)
{
	struct fixture_sys *fs = ud;
	const json_t *a = json_object_get(fs->j, "if_addrs"), *it;
	size_t i;
	if (!json_is_array(a)) {
		snprintf(why, whylen, "no interface addresses recorded for this fixture");
		return MAMORI_ENOENT;
	}
	struct lan_ifaddr *v = calloc(json_array_size(a) + 1, sizeof(*v));
	if (v == NULL)
		return MAMORI_ENOMEM;
	json_array_foreach(a, i, it)
	{
		char addr[64];
		const char *s = json_string_value(json_object_get(it, "addr"));
		const char *slash = s ? strchr(s, '/') : NULL;
		snprintf(v[i].ifname, sizeof(v[i].ifname), "%s",
			 json_string_value(json_object_get(it, "ifname")));
		v[i].ifindex = (unsigned)json_integer_value(json_object_get(it, "ifindex"));
		snprintf(addr, sizeof(addr), "%.*s", slash ? (int)(slash - s) : 0, s ? s : "");
		v[i].family = strchr(addr, ':') ? 6 : 4;
		v[i].prefix = slash ? (unsigned)strtoul(slash + 1, NULL, 10) : 0;
		assert_int_equal(inet_pton(v[i].family == 4 ? AF_INET : AF_INET6, addr, v[i].addr),
				 1);
	}
	*addrs = v;
	*count = json_array_size(a);
	return 0;
}

/* "neigh6_hex": the bytes of an rtnetlink neighbour dump, in hex. */
static int fx_neigh_dump(void *ud, int family, void **buf, size_t *len, char *why, size_t whylen)
{
	struct fixture_sys *fs = ud;
	const char *hex = json_string_value(json_object_get(fs->j, "neigh6_hex"));
	if (family != 6 || hex == NULL) {
		snprintf(why, whylen, "no neighbour table recorded for this fixture");
		return MAMORI_ENOENT;
	}
	size_t n = strlen(hex) / 2;
	unsigned char *b = malloc(n + 1);
	if (b == NULL)
		return MAMORI_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char two[3] = {hex[2 * i], hex[2 * i + 1], 0};
		b[i] = (unsigned char)strtoul(two, NULL, 16);
	}
	*buf = b;
	*len = n;
	return 0;
}

/* The router's answers recorded in sys.json "router" (docs/probes/router.md), for the router
 * probe's network questions: no packet is sent. */
static int fx_router(void *ud, const struct router_query *q, char **json, size_t *len, char *why,
		     size_t whylen)
{
	(void)q;
	struct fixture_sys *fs = ud;
	const json_t *rt = json_object_get(fs->j, "router");
	if (rt == NULL) {
		snprintf(why, whylen, "no router answers recorded for this fixture");
		return MAMORI_ENOENT;
	}
	*json = json_dumps(rt, JSON_COMPACT);
	*len = *json ? strlen(*json) : 0;
	return *json ? 0 : MAMORI_ENOMEM;
}

static const char *srcdir(void)
{
	const char *s = getenv("MAMORI_SOURCE_DIR");
	return s ? s : ".";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t list_dir(const char *dir, const char *suffix, char **out, size_t max)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL && n < max) {
		if (de->d_name[0] == '.')
			continue;
		size_t l = strlen(de->d_name), sl = suffix ? strlen(suffix) : 0;
		if (suffix && (l <= sl || strcmp(de->d_name + l - sl, suffix) != 0))
			continue;
		out[n++] = strdup(de->d_name);
	}
	if (d)
		closedir(d);
	qsort(out, n, sizeof(char *), cmp_str);
	return n;
}

struct tally {
	bool passed, failed;
};

static struct catalog *cat;
static struct tally *tallies;
static int failures;

static void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void complain(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	failures++;
}

static const struct finding *find(const struct findings *fs, const char *id)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].check->id, id) == 0)
			return &fs->v[i];
	return NULL;
}

static bool finding_mentions(const struct finding *fd, const char *text)
{
	if (fd->reason && strstr(fd->reason, text))
		return true;
	char *ev = json_dumps(fd->evidence, JSON_COMPACT);
	bool found = ev && strstr(ev, text);
	free(ev);
	return found;
}

static void run_case(const char *name)
{
	char dir[2048], path[4096];
	snprintf(dir, sizeof(dir), "%s/tests/fixtures/%.255s", srcdir(), name);
	snprintf(path, sizeof(path), "%s/root", dir);
	struct stat st;
	if (stat(path, &st) != 0)
		return;
	struct errbuf e = {{0}};
	long long now;
	char *buf;
	size_t len;
	char nowfile[4096];
	snprintf(nowfile, sizeof(nowfile), "%s/now", dir);
	if (read_file(nowfile, 64, &buf, &len, &e) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		assert_int_equal(parse_time(buf, &now), 0);
		free(buf);
	} else {
		assert_int_equal(parse_time(DEFAULT_NOW, &now), 0);
	}
	struct fixture_sys fsys = {0};
	char sysfile[4096];
	snprintf(sysfile, sizeof(sysfile), "%s/sys.json", dir);
	json_error_t je;
	fsys.j = json_load_file(sysfile, 0, &je);
	if (fsys.j == NULL)
		fsys.j = json_object();
	struct sys_ops ops = {.nft_ruleset_json = fx_nft,
			      .clock_synchronized = fx_clock,
			      .wpa_ctrl_request = fx_wpa_ctrl,
			      .if_addrs = fx_if_addrs,
			      .neigh_dump = fx_neigh_dump,
			      .router_ask = fx_router,
			      .ud = &fsys};
	struct facts *facts;
	if (scan_collect(path, now, &ops, NULL, &facts, &e)) {
		complain("%s: scan failed: %s\n", name, e.msg);
		json_decref(fsys.j);
		return;
	}
	struct policy *pol;
	char polfile[4096];
	snprintf(polfile, sizeof(polfile), "%s/policy.yaml", dir);
	const char *polfiles[] = {polfile};
	assert_int_equal(scan_load_policy(cat, polfiles, stat(polfile, &st) == 0 ? 1 : 0, &pol, &e), 0);
	struct findings *fs;
	assert_int_equal(evaluate(cat, pol, facts, "linux", NULL, &fs, &e), 0);

	bool *asserted = calloc(cat->nchecks, sizeof(bool));
	char expdir[3072];
	snprintf(expdir, sizeof(expdir), "%s/expect", dir);
	char *files[256];
	size_t nf = list_dir(expdir, ".txt", files, 256);
	for (size_t i = 0; i < nf; i++) {
		snprintf(path, sizeof(path), "%s/%s", expdir, files[i]);
		assert_int_equal(read_file(path, 1 << 20, &buf, &len, &e), 0);
		for (char *line = buf, *next; line && *line; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			while (*line == ' ' || *line == '\t')
				line++;
			if (*line == '#' || *line == '\0')
				continue;
			char id[128] = "", status[32] = "";
			const char *p = line;
			size_t l = strcspn(p, " \t");
			snprintf(id, sizeof(id), "%.*s", (int)l, p);
			p += l;
			p += strspn(p, " \t");
			l = strcspn(p, " \t");
			snprintf(status, sizeof(status), "%.*s", (int)l, p);
			p += l;
			p += strspn(p, " \t");
			const struct check *ck = catalog_find(cat, id);
			if (ck == NULL) {
				complain("%s/%s: unknown check %s\n", name, files[i], id);
				continue;
			}
			asserted[ck - cat->checks] = true;
			const struct finding *fd = find(fs, id);
			if (fd == NULL || strcmp(status_name(fd->status), status) != 0) {
				struct buf ev;
				buf_init(&ev, 1 << 16);
				size_t k;
				json_t *it;
				if (fd)
					json_array_foreach(fd->evidence, k, it)
					{
						buf_adds(&ev, "\n      ");
						evidence_line(it, &ev);
					}
				complain("%s: %s: expected %s, got %s%s%s%s\n", name, id, status,
					 fd ? status_name(fd->status) : "nothing",
					 fd && fd->reason ? " — " : "",
					 fd && fd->reason ? fd->reason : "", ev.data ? ev.data : "");
				buf_free(&ev);
			} else if (*p && !finding_mentions(fd, p)) {
				complain("%s: %s: %s as expected, but does not mention \"%s\": %s\n",
					 name, id, status, p, fd->reason ? fd->reason : "");
			}
		}
		free(buf);
		free(files[i]);
	}
	bool complete = strcmp(name, "good") == 0 || strcmp(name, "bad") == 0;
	for (size_t i = 0; i < cat->nchecks; i++) {
		if (complete && !asserted[i])
			complain("%s: check %s has no expectation (every check must be listed in good and bad)\n",
				 name, cat->checks[i].id);
		const struct finding *fd = find(fs, cat->checks[i].id);
		if (fd && asserted[i]) {
			tallies[i].passed |= fd->status == ST_PASS;
			tallies[i].failed |= fd->status == ST_FAIL;
		}
	}
	free(asserted);
	findings_free(fs);
	policy_free(pol);
	facts_free(facts);
	json_decref(fsys.j);
}

static void test_fixtures(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	if (scan_load_catalog(NULL, &cat, &e))
		fail_msg("catalog: %s", e.msg);
	tallies = calloc(cat->nchecks ? cat->nchecks : 1, sizeof(*tallies));
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/tests/fixtures", srcdir());
	char *cases[512];
	size_t n = list_dir(dir, NULL, cases, 512);
	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++) {
		run_case(cases[i]);
		free(cases[i]);
	}
	for (size_t i = 0; i < cat->nchecks; i++) {
		if (!tallies[i].passed)
			complain("check %s never passes in an asserted fixture\n", cat->checks[i].id);
		if (!tallies[i].failed)
			complain("check %s never fails in an asserted fixture\n", cat->checks[i].id);
	}
	free(tallies);
	catalog_free(cat);
	if (failures)
		fail_msg("%d fixture expectation(s) not met", failures);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_fixtures)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
