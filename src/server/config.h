/* SPDX-License-Identifier: Apache-2.0 */
/* mamorid's configuration: one YAML file with documented defaults (docs/server.md). */
#ifndef MAMORI_SERVER_CONFIG_H
#define MAMORI_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "core/util.h"

enum log_format { LOG_JSON, LOG_TEXT };
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

struct server_config {
	char *listen;   /* "ADDR:PORT" or "[ADDR]:PORT" */
	char *data_dir;
	char *db;       /* NULL: sqlite:<data_dir>/mamorid.db */
	char *ca_cert, *ca_key, *cert, *key; /* NULL: <data_dir>/ca.crt, … */
	char **server_names;
	size_t n_server_names;
	int device_cert_days;
	long long token_ttl;        /* seconds */
	long long max_report_bytes;
	int max_connections;
	int max_connections_per_ip; /* 0: no limit */
	int idle_timeout;           /* seconds a connection may stay silent */
	int db_readers;
	bool metrics_public;
	/* The access gate (docs/gate.md). */
	int gate_min_severity;       /* enum severity: a failing check at or above this denies */
	long long gate_max_report_age; /* seconds */
	long long gate_grace;          /* seconds a newly failing check is tolerated */
	char **gate_trusted_proxies;   /* addresses whose X-Mamori-Client-Serial is believed */
	size_t n_gate_trusted_proxies;
	enum log_format log_format;
	enum log_level log_level;
};

#define CONFIG_DEFAULT_PATH "/etc/mamori/mamorid.yaml"

/* Sets the defaults. */
int config_init(struct server_config *c, struct errbuf *e);
/* Applies a YAML file on top; unknown keys and bad values are errors naming file:line. */
int config_load(struct server_config *c, const char *path, const char *buf, size_t len,
		struct errbuf *e);
void config_free(struct server_config *c);

/* Replaces *slot with a copy of value. */
int config_set(char **slot, const char *value, struct errbuf *e);
/* The path of a file in the data directory (malloc'd), or a copy of the configured one. */
char *config_path(const struct server_config *c, const char *configured, const char *name);

/* Durations in the configuration and on mamorid's command line: at most 10 years. */
#define CONFIG_DURATION_MAX (10LL * 366 * 86400)

#endif
