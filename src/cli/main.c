/* SPDX-License-Identifier: Apache-2.0 */
/* mamori: the command-line tool. One table of subcommands; usage is made from it. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "mamori/mamori.h"

static const struct command commands[] = {
	{"scan", cmd_scan, "[--format text|json|html] [-o FILE] [--html FILE] [--root DIR] [--policy PROFILE|FILE] [--only TOPIC] [--fail-on SEVERITY] [--lang ja|en] [--verbose]",
	 "scan this machine (or a root filesystem) and report the findings"},
	{"facts", cmd_facts, "[--root DIR] [--probe NAME,...] [--net-wait MS [--discover]] [-o FILE]",
	 "print the facts the probes collected, as JSON"},
	{"explain", cmd_explain, "CHECK|CONTROL [--lang ja|en]",
	 "print one check (what it reads, why, how to fix) or one guideline control in full"},
	{"lan", cmd_lan, "[--discover] [--wait MS] [--format text|json] [-o FILE] [--lang ja|en]",
	 "the home network around this PC: router, Wi-Fi, other devices; what to change"},
	{"plan", cmd_plan, "[--answers FILE] [--method ID]... [--scan REPORT.json]... [--register FILE] [--format text|markdown|html|csv|xlsx|yaml] [-o FILE]",
	 "choose telework methods, build the guideline checklist, track the risk register"},
	{"catalog", cmd_catalog, "stats [--format text|json] [--lang ja|en]",
	 "what the guideline catalog holds: controls per category, role, level, priority"},
	{"enroll", cmd_enroll, "--server URL --token T --ca-fingerprint FP [--hostname H] [--user U] [--force] [--state-dir DIR]",
	 "enroll this machine with a mamorid server (its device certificate)"},
	{"push", cmd_push, "[--policy PROFILE|FILE]... [--report FILE] [--no-scan] [--timeout S] [--state-dir DIR]",
	 "scan, spool the report and send the spool to the server"},
	{"agent", cmd_agent, "[--interval 1h] [--retry 60s] [--policy PROFILE|FILE]... [--state-dir DIR]",
	 "push every --interval, retrying while the server is unreachable"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: mamori COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n           %s\n", commands[i].name, commands[i].summary,
			commands[i].args);
	fprintf(out, "\nExit status: 0 all checks pass, 1 some fail at or above --fail-on, 2 error.\n"
		     "Run 'mamori COMMAND --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_PASS;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("mamori %s\n", MAMORI_VERSION);
		return EXIT_PASS;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "mamori: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_ERROR;
}
