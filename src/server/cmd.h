/* SPDX-License-Identifier: Apache-2.0 */
/* mamorid's subcommands: what main.c shares with the ones in their own files. */
#ifndef MAMORI_SERVER_CMD_H
#define MAMORI_SERVER_CMD_H

#include <stddef.h>
#include "server/ca.h"
#include "server/config.h"
#include "server/store.h"

struct ctx {
	struct server_config cfg;
	char *db_url;
	struct errbuf e;
};

/* Open the configured CA / store; on failure print why and return 2. */
int open_ca(struct ctx *c, struct ca **out);
int open_store(struct ctx *c, struct store **out);

/* Who acts from the command line, for the audit log: "cli:USER". */
void cmd_actor(char *out, size_t len);

/* cmd_admin.c: mamorid admin …, mamorid audit … (exit codes: 0, 1 refused/not found, 2 error) */
int admin_cmd(struct ctx *c, int argc, char **argv);
int audit_cmd(struct ctx *c, int argc, char **argv);

#endif
