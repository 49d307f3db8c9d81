/* SPDX-License-Identifier: Apache-2.0 */
/* mamori push: scan, spool the report, send the spool (docs/agent.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/agent.h"
#include "cli/commands.h"
#include "cli/scan.h"

/* a report made elsewhere is at most this large (the spool's own limit is 64 MiB) */
#define REPORT_FILE_MAX (64u << 20)
#define EXIT_WAITING 3

enum { OPT_STATE_DIR = 256, OPT_NO_SCAN, OPT_TIMEOUT, OPT_REPORT };

static const struct option push_opts[] = {{"policy", required_argument, NULL, 'p'},
					  {"report", required_argument, NULL, OPT_REPORT},
					  {"no-scan", no_argument, NULL, OPT_NO_SCAN},
					  {"timeout", required_argument, NULL, OPT_TIMEOUT},
					  {"state-dir", required_argument, NULL, OPT_STATE_DIR},
					  {"help", no_argument, NULL, 'h'},
					  {NULL, 0, NULL, 0}};

static const char push_help[] =
    "usage: mamori push [OPTIONS]\n"
    "Scans this machine, adds the report to the spool and sends the spool to the server.\n"
    "  -p, --policy POLICY   apply a profile or policy file, as mamori scan (repeatable)\n"
    "      --report FILE     send this JSON report (mamori scan --format json) instead\n"
    "      --no-scan         only send what waits in the spool\n"
    "      --timeout S       per request (90s, 2m; default 60s)\n"
    "      --state-dir DIR   default $MAMORI_STATE_DIR or " AGENT_STATE_DIR "\n"
    "Exit status: 0 the spool is empty, 3 reports wait (server unreachable), 2 error.\n";

static int load_report(const char *path, json_t **out)
{
	struct errbuf e = {{0}};
	char *buf = NULL;
	size_t len = 0;
	if (read_file(path, REPORT_FILE_MAX, &buf, &len, &e)) {
		agent_log("%s", e.msg);
		return MAMORI_EIO;
	}
	json_error_t je;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (j == NULL) {
		agent_log("%s:%d:%d: %s", path, je.line, je.column, je.text);
		return MAMORI_EPARSE;
	}
	*out = j;
	return 0;
}

int cmd_push(int argc, char **argv)
{
	const char *policies[16];
	size_t npolicies = 0;
	const char *report = NULL, *state = NULL;
	bool scan = true;
	long long timeout = 60;
	struct errbuf e = {{0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:h", push_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (npolicies == sizeof(policies) / sizeof(policies[0])) {
				fprintf(stderr, "mamori: --policy: at most 16\n");
				return EXIT_ERROR;
			}
			policies[npolicies++] = optarg;
			break;
		case OPT_REPORT:
			report = optarg;
			break;
		case OPT_NO_SCAN:
			scan = false;
			break;
		case OPT_TIMEOUT:
			if (parse_duration(optarg, AGENT_DURATION_MAX, &timeout, &e)) {
				fprintf(stderr, "mamori: --timeout: %s\n", e.msg);
				return EXIT_ERROR;
			}
			break;
		case OPT_STATE_DIR:
			state = optarg;
			break;
		case 'h':
			fputs(push_help, stdout);
			return EXIT_PASS;
		default:
			fputs(push_help, stderr);
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mamori: unexpected argument '%s'\n", argv[optind]);
		return EXIT_ERROR;
	}
	if (report && npolicies) {
		fprintf(stderr, "mamori: --policy applies to a scan, not to --report\n");
		return EXIT_ERROR;
	}
	agent_init();
	const char *dir = agent_state_dir(state);
	struct agent_config cfg = {0};
	if (agent_config_load(dir, &cfg, &e)) {
		agent_log("%s", e.msg);
		return EXIT_ERROR;
	}
	agent_config_free(&cfg);
	json_t *j = NULL;
	if (report) {
		if (load_report(report, &j))
			return EXIT_ERROR;
	} else if (scan) {
		if (agent_scan(policies, npolicies, &j, &e)) {
			agent_log("scan failed: %s", e.msg);
			return EXIT_ERROR;
		}
	}
	if (j) {
		int r = agent_spool_report(dir, j);
		json_decref(j);
		if (r)
			return EXIT_ERROR;
	}
	unsigned left;
	switch (agent_flush(dir, (long)timeout, &left)) {
	case AGENT_FLUSH_EMPTY:
		return EXIT_PASS;
	case AGENT_FLUSH_WAITING:
		return EXIT_WAITING;
	default:
		return EXIT_ERROR;
	}
}
