/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands; main.c holds the table and the usage text made from it. */
#ifndef MAMORI_CLI_COMMANDS_H
#define MAMORI_CLI_COMMANDS_H

#include <stddef.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;
	const char *summary;
};

int cmd_scan(int argc, char **argv);
int cmd_facts(int argc, char **argv);
int cmd_lan(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
int cmd_enroll(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_agent(int argc, char **argv);

/* Writes data to path ("-" or NULL: standard output); says what failed on stderr. */
int cli_write(const char *path, const char *data, size_t len);

/* The language for output: --lang if given, else from the environment. */
const char *cli_lang(const char *forced);

#endif
