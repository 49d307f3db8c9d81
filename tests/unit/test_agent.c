/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's shared parts: durations, the state directory and agent.json. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/agent.h"

static void test_durations(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		long long want;
	} good[] = {
	    {"90s", 90}, {"15m", 900},	     {"1h", 3600},	  {"2d", 172800}, {"45", 45},
	    {"1s", 1},	 {"366d", 31622400}, {"8784h", 31622400}, {"0001m", 60},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		long long v = -1;
		struct errbuf e = {{0}};
		assert_int_equal(parse_duration(good[i].in, AGENT_DURATION_MAX, &v, &e), 0);
		assert_int_equal(v, good[i].want);
	}
	static const char *const bad[] = {
	    "",	   "s",	 "0s", "0",    "-5s",  "+5s",	" 5s",
	    "5 s", "5S", "5w", "1.5h", "367d", "8785h", "99999999999999999999",
	    "1hh", "h1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long long v = -1;
		struct errbuf e = {{0}};
		assert_int_equal(parse_duration(bad[i], AGENT_DURATION_MAX, &v, &e), MAMORI_EINVAL);
		assert_int_equal(v, -1); /* untouched */
		assert_true(e.msg[0] != '\0');
	}
}

static void test_state_dir(void **state)
{
	(void)state;
	unsetenv("MAMORI_STATE_DIR");
	assert_string_equal(agent_state_dir(NULL), "/var/lib/mamori");
	setenv("MAMORI_STATE_DIR", "/srv/m", 1);
	assert_string_equal(agent_state_dir(NULL), "/srv/m");
	assert_string_equal(agent_state_dir("/opt/x"), "/opt/x");
	unsetenv("MAMORI_STATE_DIR");
	char small[8];
	struct errbuf e = {{0}};
	assert_int_equal(agent_path(small, sizeof(small), "/var/lib", "x", &e), MAMORI_EINVAL);
	assert_int_equal(agent_path(small, sizeof(small), "/a", "bc", &e), 0);
	assert_string_equal(small, "/a/bc");
}

static void test_config(void **state)
{
	(void)state;
	char dir[] = "/tmp/mamori-agent-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct agent_config c = {0};
	struct errbuf e = {{0}};
	assert_int_equal(agent_config_load(dir, &c, &e), MAMORI_ENOENT);
	assert_non_null(strstr(e.msg, "mamori enroll"));

	const char bad[] = "{\"server\": \"http://plain\", \"device_id\": \"d\"}";
	assert_int_equal(agent_write_atomic(dir, "agent.json", bad, strlen(bad), 0600, &e), 0);
	assert_int_equal(agent_config_load(dir, &c, &e), MAMORI_EPARSE);
	const char broken[] = "{\"server\": ";
	assert_int_equal(agent_write_atomic(dir, "agent.json", broken, strlen(broken), 0600, &e),
			 0);
	assert_int_equal(agent_config_load(dir, &c, &e), MAMORI_EPARSE);

	const char good[] = "{\"server\": \"https://fleet.example:8443\", \"device_id\": "
			    "\"0123abcd\", \"enrolled_at\": \"2026-11-23T09:00:00Z\"}\n";
	assert_int_equal(agent_write_atomic(dir, "agent.json", good, strlen(good), 0640, &e), 0);
	char p[300];
	snprintf(p, sizeof(p), "%s/agent.json", dir);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal((size_t)st.st_size, strlen(good));
	snprintf(p, sizeof(p), "%s/.agent.json.tmp", dir);
	assert_int_not_equal(access(p, F_OK), 0); /* no temporary file left */
	assert_int_equal(agent_config_load(dir, &c, &e), 0);
	assert_string_equal(c.server, "https://fleet.example:8443");
	assert_string_equal(c.device_id, "0123abcd");
	assert_string_equal(c.enrolled_at, "2026-11-23T09:00:00Z");
	agent_config_free(&c);
	agent_config_free(&c); /* a freed config may be freed again */

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_state_dir),
	    cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
