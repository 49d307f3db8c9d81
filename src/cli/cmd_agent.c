/* SPDX-License-Identifier: Apache-2.0 */
/* mamori agent: push every --interval, retry a waiting spool with backoff (docs/agent.md). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cli/agent.h"
#include "cli/commands.h"

enum { OPT_STATE_DIR = 256, OPT_INTERVAL, OPT_RETRY, OPT_TIMEOUT };

static const struct option agent_opts[] = {{"interval", required_argument, NULL, OPT_INTERVAL},
					   {"retry", required_argument, NULL, OPT_RETRY},
					   {"timeout", required_argument, NULL, OPT_TIMEOUT},
					   {"policy", required_argument, NULL, 'p'},
					   {"state-dir", required_argument, NULL, OPT_STATE_DIR},
					   {"help", no_argument, NULL, 'h'},
					   {NULL, 0, NULL, 0}};

static const char agent_help[] =
    "usage: mamori agent [OPTIONS]\n"
    "Scans and pushes every --interval; while reports wait in the spool, tries again after\n"
    "--retry, doubling up to --interval. SIGTERM or SIGINT ends it between two steps.\n"
    "      --interval D       time between scans (default 1h)\n"
    "      --retry D          first wait before sending the spool again (default 60s)\n"
    "      --timeout D        per request (default 60s)\n"
    "  -p, --policy POLICY    apply a profile or policy file, as mamori scan (repeatable)\n"
    "      --state-dir DIR    default $MAMORI_STATE_DIR or " AGENT_STATE_DIR "\n"
    "D is a duration: 90s, 15m, 1h, 2d.\n";

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to ms milliseconds for SIGTERM or SIGINT (blocked, so none is missed between two
 * checks). Returns the signal, or 0 when the time passed. */
static int wait_signal(const sigset_t *set, long long ms)
{
	long long end = mono_ms() + ms;
	for (;;) {
		long long left = end - mono_ms();
		if (left < 0)
			left = 0;
		struct timespec ts = {.tv_sec = (time_t)(left / 1000),
				      .tv_nsec = (long)(left % 1000) * 1000000};
		int s = sigtimedwait(set, NULL, &ts);
		if (s > 0)
			return s;
		if (errno != EINTR || left == 0)
			return 0;
	}
}

/* ms scaled by a random factor in [0.75, 1.25): a fleet that lost its server does not come
 * back all at once. */
static long long jitter(long long ms)
{
	uint32_t r = 0;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)mono_ms() * 2654435761u;
	return ms * 3 / 4 + (long long)((double)(ms / 2) * (r / 4294967296.0));
}

int cmd_agent(int argc, char **argv)
{
	const char *policies[16];
	size_t npolicies = 0;
	const char *state = NULL;
	long long interval = 3600, retry = 60, timeout = 60;
	struct errbuf e = {{0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:h", agent_opts, NULL)) != -1) {
		long long *dst = NULL;
		const char *what = NULL;
		switch (c) {
		case 'p':
			if (npolicies == sizeof(policies) / sizeof(policies[0])) {
				fprintf(stderr, "mamori: --policy: at most 16\n");
				return EXIT_ERROR;
			}
			policies[npolicies++] = optarg;
			break;
		case OPT_INTERVAL:
			dst = &interval;
			what = "--interval";
			break;
		case OPT_RETRY:
			dst = &retry;
			what = "--retry";
			break;
		case OPT_TIMEOUT:
			dst = &timeout;
			what = "--timeout";
			break;
		case OPT_STATE_DIR:
			state = optarg;
			break;
		case 'h':
			fputs(agent_help, stdout);
			return EXIT_PASS;
		default:
			fputs(agent_help, stderr);
			return EXIT_ERROR;
		}
		if (dst && parse_duration(optarg, AGENT_DURATION_MAX, dst, &e)) {
			fprintf(stderr, "mamori: %s: %s\n", what, e.msg);
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mamori: unexpected argument '%s'\n", argv[optind]);
		return EXIT_ERROR;
	}
	if (retry > interval)
		retry = interval;
	agent_init();
	const char *dir = agent_state_dir(state);
	struct agent_config cfg = {0};
	if (agent_config_load(dir, &cfg, &e)) {
		agent_log("%s", e.msg);
		return EXIT_ERROR;
	}
	agent_log("agent started: device %s, server %s, a scan every %llds", cfg.device_id,
		  cfg.server, interval);
	agent_config_free(&cfg);

	/* Blocked for good: the signals wait in sigtimedwait, and a step under way (a scan, a
	 * report being sent) finishes first. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	struct timespec zero = {0};
	long long interval_ms = interval * 1000, retry_ms = retry * 1000;
	long long next_scan = mono_ms(), backoff = retry_ms;
	unsigned left = 0;
	int sig = 0;
	for (;;) {
		if ((sig = sigtimedwait(&set, NULL, &zero)) > 0)
			break;
		if (mono_ms() >= next_scan) {
			json_t *j = NULL;
			if (agent_scan(policies, npolicies, &j, &e) == 0) {
				agent_spool_report(dir, j);
				json_decref(j);
			} else {
				agent_log("scan failed: %s", e.msg);
			}
			next_scan = mono_ms() + interval_ms;
			backoff = retry_ms;
			if ((sig = sigtimedwait(&set, NULL, &zero)) > 0)
				break;
		}
		agent_flush(dir, (long)timeout, &left);
		long long now = mono_ms(), wait = next_scan > now ? next_scan - now : 0;
		if (left) {
			long long d = jitter(backoff);
			if (d < wait)
				wait = d;
			backoff = backoff * 2 > interval_ms ? interval_ms : backoff * 2;
			agent_log("trying again in %llds", (wait + 500) / 1000);
		} else {
			backoff = retry_ms;
		}
		if ((sig = wait_signal(&set, wait)) > 0)
			break;
	}
	agent_log("agent stopping (%s)", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	return EXIT_PASS;
}
