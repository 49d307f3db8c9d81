/* SPDX-License-Identifier: Apache-2.0 */
/* What `mamori enroll`, `push` and `agent` share: the state directory (docs/agent.md), the
 * scan that makes a report, spooling it and sending the spool. */
#ifndef MAMORI_CLI_AGENT_H
#define MAMORI_CLI_AGENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/util.h"

#define AGENT_STATE_DIR "/var/lib/mamori"
/* The files in the state directory. */
#define AGENT_CONFIG "agent.json"
#define AGENT_CA "ca.crt"
#define AGENT_KEY "device.key"
#define AGENT_CERT "device.crt"
#define AGENT_INVENTORY "inventory.sha256"
#define AGENT_SPOOL "spool"

/* --state-dir if given, else $MAMORI_STATE_DIR, else /var/lib/mamori. */
const char *agent_state_dir(const char *opt);

/* dir/name into out; MAMORI_EINVAL when it does not fit. */
int agent_path(char *out, size_t size, const char *dir, const char *name, struct errbuf *e);

/* Durations on the agent's command line: at most 366 days. */
#define AGENT_DURATION_MAX (366LL * 86400)

/* agent.json. */
struct agent_config {
	char *server; /* https://host:port, no trailing slash */
	char *device_id;
	char *enrolled_at;
};
/* Reads dir/agent.json; MAMORI_ENOENT when the machine is not enrolled. */
int agent_config_load(const char *dir, struct agent_config *out, struct errbuf *e);
void agent_config_free(struct agent_config *c);

/* Replaces dir/name with data: a temporary file, fsync, rename, fsync of dir. */
int agent_write_atomic(const char *dir, const char *name, const char *data, size_t len, mode_t mode,
		       struct errbuf *e);

/* Scans this machine as `mamori scan --format json` does, with the policies applied in order
 * (profile names or files), and returns the report (the caller owns it). */
int agent_scan(const char *const *policies, size_t npolicies, json_t **out, struct errbuf *e);

/* Turns a report into its wire form with the acknowledged inventory hash and adds it to the
 * spool. Logs what it did; returns 0 or an error (already logged). */
int agent_spool_report(const char *state_dir, json_t *report);

enum agent_flush_result {
	AGENT_FLUSH_EMPTY = 0,	 /* everything sent: the spool is empty */
	AGENT_FLUSH_WAITING = 1, /* the server could not be reached; reports wait */
	AGENT_FLUSH_REFUSED = 2, /* the server refused the device certificate */
	AGENT_FLUSH_ERROR = 3,	 /* a local error (logged) */
};
/* Sends the spool, oldest first, handling each reply as docs/agent.md says; one log line per
 * outcome. *left: reports still waiting. */
enum agent_flush_result agent_flush(const char *state_dir, long timeout_s, unsigned *left);

/* One line on stderr, "mamori: ..." (the agent's log: journald keeps it). */
void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets up what every network command needs once: SIGPIPE ignored, the spool's log. */
void agent_init(void);

#endif
