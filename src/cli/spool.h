/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's on-disk spool: reports waiting for the server's acknowledgement.
 * docs/agent.md states the rules; docs/internals/SPOOL.md the layout. */
#ifndef MAMORI_CLI_SPOOL_H
#define MAMORI_CLI_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include "core/util.h"

struct spool_limits {
	uint64_t max_bytes;   /* default 64 MiB */
	unsigned max_entries; /* default 10000 */
};

/* Adds a report (written to a temporary file, fsync'd, renamed, directory fsync'd). When the
 * spool would pass a limit, the oldest entries are dropped first (the newest posture is the
 * one that matters) and *dropped says how many. */
int spool_add(const char *dir, const char *report_id, const char *body, size_t len,
	      const struct spool_limits *lim, unsigned *dropped, struct errbuf *e);

/* Calls send() for each entry, oldest first. send returns 0 = acknowledged (the entry is
 * removed), 1 = rejected for good (moved to dir/rejected/, kept for the administrator),
 * negative = server unreachable (stop; the entry stays). Returns how many were sent in *sent
 * and whether entries remain in *left. */
typedef int (*spool_send_fn)(void *ctx, const char *report_id, const char *body, size_t len);
int spool_flush(const char *dir, spool_send_fn send, void *ctx, unsigned *sent, unsigned *left,
		struct errbuf *e);

/* For a send callback about to return 1: the server's reason, kept next to the rejected
 * report (rejected/NAME.reason). Only from within spool_flush's callback. */
int spool_reject_note(const char *dir, const char *report_id, const char *note,
		      struct errbuf *e);

/* Where the spool tells what it set aside without failing (stray files, unreadable entries
 * moved to rejected/, crash leftovers removed), one line each; NULL (the default) = nowhere.
 * Process-wide. */
typedef void (*spool_log_fn)(const char *line);
void spool_set_log(spool_log_fn fn);

#endif
