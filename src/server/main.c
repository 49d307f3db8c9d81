/* SPDX-License-Identifier: Apache-2.0 */
/* mamorid: the fleet server (docs/server.md). Subcommands share the configuration. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/ca.h"
#include "server/cmd.h"
#include "server/config.h"
#include "server/log.h"
#include "server/server.h"
#include "server/store.h"

#define CONFIG_MAX_BYTES (1 << 20)

static void usage(FILE *f)
{
	fputs("usage: mamorid [OPTIONS]                   serve HTTPS (docs/server.md)\n"
	      "       mamorid token create [--expires 24h] print a one-time enrollment token\n"
	      "       mamorid device list                  the device ledger\n"
	      "       mamorid device revoke ID             revoke a device's certificate now\n"
	      "       mamorid admin-cert NAME --out DIR    a client certificate for the admin API\n"
	      "       mamorid admin-cert revoke NAME       revoke NAME's admin certificates now\n"
	      "       mamorid admin add NAME [--password-stdin]  a dashboard administrator\n"
	      "       mamorid admin list|unlock NAME|remove NAME|totp-reset NAME\n"
	      "       mamorid audit verify [--head SEQ:HASH]  check the audit log's hash chain\n"
	      "       mamorid audit list [--limit N]       the newest audit entries\n"
	      "       mamorid ca fingerprint               the CA's SHA-256 fingerprint\n"
	      "options (before or after the subcommand):\n"
	      "  -c, --config FILE     configuration (default " CONFIG_DEFAULT_PATH " if present)\n"
	      "      --db URL          sqlite:PATH or postgresql://… (default sqlite in the data dir)\n"
	      "      --data-dir DIR    keys, certificates and the SQLite file (default /var/lib/mamorid)\n"
	      "      --listen ADDR:PORT  default 0.0.0.0:8443\n"
	      "  -h, --help\n",
	      f);
}

static int read_config(struct ctx *c, const char *path, bool required)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !required)
			return 0;
		fprintf(stderr, "mamorid: %s: %s\n", path, strerror(errno));
		return 2;
	}
	char *buf = malloc(CONFIG_MAX_BYTES + 1);
	ssize_t n = buf ? read(fd, buf, CONFIG_MAX_BYTES + 1) : -1;
	close(fd);
	if (n < 0 || n > CONFIG_MAX_BYTES) {
		fprintf(stderr, "mamorid: %s: cannot read it, or it is larger than 1 MiB\n", path);
		free(buf);
		return 2;
	}
	int r = config_load(&c->cfg, path, buf, (size_t)n, &c->e);
	free(buf);
	if (r) {
		fprintf(stderr, "mamorid: %s\n", c->e.msg);
		return 2;
	}
	return 0;
}

static int mkdir_private(const char *dir)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "mamorid: cannot create %s: %s\n", dir, strerror(errno));
		return 2;
	}
	return 0;
}

int open_ca(struct ctx *c, struct ca **out)
{
	const struct server_config *cfg = &c->cfg;
	char *paths[4] = {config_path(cfg, cfg->ca_cert, "ca.crt"), config_path(cfg, cfg->ca_key, "ca.key"),
			  config_path(cfg, cfg->cert, "server.crt"), config_path(cfg, cfg->key, "server.key")};
	int r = 2;
	if (paths[0] && paths[1] && paths[2] && paths[3] && mkdir_private(cfg->data_dir) == 0) {
		struct ca_paths cp = {paths[0], paths[1], paths[2], paths[3],
				      (const char *const *)cfg->server_names, cfg->n_server_names};
		r = ca_open(&cp, out, &c->e);
		if (r) {
			fprintf(stderr, "mamorid: %s\n", c->e.msg);
			r = 2;
		}
	}
	for (int i = 0; i < 4; i++)
		free(paths[i]);
	return r;
}

int open_store(struct ctx *c, struct store **out)
{
	const struct server_config *cfg = &c->cfg;
	char *url = cfg->db ? xstrdup(cfg->db) : xasprintf("sqlite:%s/mamorid.db", cfg->data_dir);
	if (url == NULL)
		return 2;
	if (cfg->db == NULL && mkdir_private(cfg->data_dir) != 0) {
		free(url);
		return 2;
	}
	int r = store_open(url, cfg->db_readers, out, &c->e);
	free(url);
	if (r) {
		fprintf(stderr, "mamorid: %s\n", c->e.msg);
		return 2;
	}
	return 0;
}

/* The host part of "ADDR:PORT" for the URLs mamorid prints; a wildcard address becomes this
 * machine's name, an IPv6 address gets its brackets back. */
/* A command-line action's audit entry, stored with the action itself. */
struct cli_audit {
	char actor[64];
	struct store_audit_in in;
};

static const struct store_audit_in *cli_audit(struct cli_audit *a, const char *action,
					      const char *target, const char *detail)
{
	cmd_actor(a->actor, sizeof a->actor);
	a->in = (struct store_audit_in){a->actor, action, target, detail, NULL, (int64_t)time(NULL)};
	return &a->in;
}

static void listen_host(const char *listen, char *out, size_t len)
{
	const char *colon = strrchr(listen, ':');
	size_t n = colon ? (size_t)(colon - listen) : strlen(listen);
	if (n == 0 || (n == 7 && strncmp(listen, "0.0.0.0", 7) == 0) ||
	    (n == 4 && strncmp(listen, "[::]", 4) == 0)) {
		if (gethostname(out, len) != 0 || out[0] == '\0')
			snprintf(out, len, "localhost");
		out[len - 1] = '\0';
		return;
	}
	snprintf(out, len, "%.*s", (int)n, listen);
}

static int serve(struct ctx *c)
{
	struct server s = {.cfg = &c->cfg};
	int rc = open_ca(c, &s.ca);
	if (rc == 0)
		rc = open_store(c, &s.store);
	if (rc == 0) /* the dashboard's daily rows count stale devices as the gate does */
		store_set_max_report_age(s.store, c->cfg.gate_max_report_age);
	/* Signals are taken by sigwait in this thread; the daemon's threads inherit the mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (rc == 0 && server_start(&s, &c->e) != 0) {
		fprintf(stderr, "mamorid: %s\n", c->e.msg);
		rc = 2;
	}
	if (rc == 0) {
		char port[16], version[16], host[256], base[300], ledger[340], csv[340], summary[340], metrics[340];
		snprintf(port, sizeof port, "%u", s.port);
		snprintf(version, sizeof version, "%s", MAMORI_VERSION);
		listen_host(c->cfg.listen, host, sizeof host);
		snprintf(base, sizeof base, "https://%s:%u", host, s.port);
		snprintf(ledger, sizeof ledger, "%s/v1/devices", base);
		snprintf(csv, sizeof csv, "%s/v1/devices.csv", base);
		snprintf(summary, sizeof summary, "%s/v1/summary", base);
		snprintf(metrics, sizeof metrics, "%s/metrics", base);
		log_event(LOG_INFO, "listening", "listen", c->cfg.listen, "port", port, "db",
			  store_backend(s.store), "ca_fingerprint", ca_fingerprint(s.ca), "ledger",
			  ledger, "csv", csv, "summary", summary, "metrics", metrics, "version", version,
			  NULL);
		int sig = 0;
		while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
			log_event(LOG_INFO, "SIGHUP ignored: restart to reload the configuration", NULL);
		log_event(LOG_INFO, "stopping", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL);
	}
	server_stop(&s);
	store_close(s.store);
	ca_free(s.ca);
	return rc;
}

static int token_create(struct ctx *c, int argc, char **argv)
{
	long long ttl = c->cfg.token_ttl;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--expires") == 0 && i + 1 < argc) {
			if (parse_duration(argv[++i], CONFIG_DURATION_MAX, &ttl, &c->e) != 0) {
				fprintf(stderr, "mamorid: --expires: %s\n", c->e.msg);
				return 2;
			}
		} else {
			fprintf(stderr, "mamorid: token create: unexpected %s\n", argv[i]);
			return 2;
		}
	}
	struct store *st = NULL;
	int rc = open_store(c, &st);
	if (rc)
		return rc;
	char token[TOKEN_LEN + 1], hash[65], until[32], target[17];
	int64_t now = (int64_t)time(NULL);
	time_t t = (time_t)(now + ttl);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(until, sizeof until, "%Y-%m-%dT%H:%M:%SZ", &tm);
	struct cli_audit au;
	int r = token_new(token, hash);
	if (r == 0) {
		snprintf(target, sizeof target, "%.16s", hash);
		r = store_token_add_audited(st, hash, now, now + ttl,
					    cli_audit(&au, "token-create", target, until), &c->e);
	}
	if (r != 0) {
		fprintf(stderr, "mamorid: cannot create a token: %s\n", c->e.msg);
		rc = 2;
	} else {
		printf("%s\n", token);
		fprintf(stderr, "one device may enroll with this token until %s\n", until);
	}
	store_close(st);
	return rc;
}

static int device_cmd(struct ctx *c, int argc, char **argv)
{
	struct store *st = NULL;
	if (argc < 1 || (strcmp(argv[0], "list") != 0 && strcmp(argv[0], "revoke") != 0) ||
	    (strcmp(argv[0], "revoke") == 0 && argc != 2) || (strcmp(argv[0], "list") == 0 && argc != 1)) {
		usage(stderr);
		return 2;
	}
	int rc = open_store(c, &st);
	if (rc)
		return rc;
	if (strcmp(argv[0], "revoke") == 0) {
		struct cli_audit au;
		int r = store_device_revoke_audited(st, argv[1], (int64_t)time(NULL),
						    cli_audit(&au, "device-revoke", argv[1], NULL), &c->e);
		if (r == STORE_NOT_FOUND) {
			fprintf(stderr, "mamorid: no device %s\n", argv[1]);
			rc = 1;
		} else if (r) {
			fprintf(stderr, "mamorid: %s\n", c->e.msg);
			rc = 2;
		} else {
			printf("revoked %s: its certificate is refused from now on\n", argv[1]);
		}
		store_close(st);
		return rc;
	}
	printf("%-32s  %-24s  %-7s  %-20s  %s\n", "ID", "HOST", "STATUS", "LAST SEEN", "OS");
	char *after = NULL;
	for (;;) {
		json_t *page = NULL;
		if (store_devices_page(st, after, 1000, &page, &c->e) != 0) {
			fprintf(stderr, "mamorid: %s\n", c->e.msg);
			rc = 2;
			break;
		}
		size_t i;
		json_t *d;
		json_array_foreach(json_object_get(page, "devices"), i, d) {
			const char *seen = json_string_value(json_object_get(d, "last_seen"));
			const char *os = json_string_value(json_object_get(json_object_get(d, "os"), "name"));
			bool revoked = json_is_string(json_object_get(d, "revoked_at"));
			const char *status = json_string_value(json_object_get(d, "status"));
			printf("%-32s  %-24s  %-7s  %-20s  %s\n",
			       json_string_value(json_object_get(d, "id")),
			       json_string_value(json_object_get(d, "hostname")),
			       revoked ? "revoked" : status ? status : "-", seen ? seen : "never",
			       os ? os : "-");
		}
		const char *next = json_string_value(json_object_get(page, "next"));
		free(after);
		after = next ? xstrdup(next) : NULL;
		json_decref(page);
		if (after == NULL)
			break;
	}
	free(after);
	store_close(st);
	return rc;
}

static int write_file(const char *path, const char *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "mamorid: cannot create %s: %s\n", path, strerror(errno));
		return 2;
	}
	size_t len = strlen(data);
	ssize_t w = write(fd, data, len);
	int ok = w == (ssize_t)len && fsync(fd) == 0;
	close(fd);
	if (!ok) {
		fprintf(stderr, "mamorid: cannot write %s\n", path);
		return 2;
	}
	return 0;
}

static int admin_revoke(struct ctx *c, const char *name)
{
	struct store *st = NULL;
	int rc = open_store(c, &st);
	if (rc)
		return rc;
	struct cli_audit au;
	int r = store_admin_revoke_audited(st, name, (int64_t)time(NULL),
					   cli_audit(&au, "admin-cert-revoke", name, NULL), &c->e);
	if (r == STORE_NOT_FOUND) {
		fprintf(stderr, "mamorid: %s\n", c->e.msg);
		rc = 1;
	} else if (r) {
		fprintf(stderr, "mamorid: %s\n", c->e.msg);
		rc = 2;
	} else {
		printf("revoked the admin certificates of %s: refused from now on\n", name);
	}
	store_close(st);
	return rc;
}

static int admin_cert(struct ctx *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[0], "revoke") == 0)
		return admin_revoke(c, argv[1]);
	const char *name = NULL, *out = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (name == NULL && argv[i][0] != '-')
			name = argv[i];
		else {
			usage(stderr);
			return 2;
		}
	}
	bool name_ok = name && strlen(name) > 0 && strlen(name) <= 64;
	for (const char *p = name; name_ok && *p; p++)
		name_ok = c_isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.';
	if (!name_ok || out == NULL) {
		fprintf(stderr, "mamorid: admin-cert NAME --out DIR (NAME: letters, digits, - _ ., at most 64)\n");
		return 2;
	}
	struct ca *ca = NULL;
	struct store *st = NULL;
	struct ca_issued is = {0};
	char *key = NULL, *paths[3] = {xasprintf("%s/%s.key", out, name), xasprintf("%s/%s.crt", out, name),
				       xasprintf("%s/ca.crt", out)};
	bool written = false;
	int rc = paths[0] && paths[1] && paths[2] ? 0 : 2;
	if (rc == 0)
		rc = open_ca(c, &ca);
	if (rc == 0)
		rc = open_store(c, &st);
	if (rc == 0 && (mkdir(out, 0700) != 0 && errno != EEXIST)) {
		fprintf(stderr, "mamorid: cannot create %s: %s\n", out, strerror(errno));
		rc = 2;
	}
	if (rc == 0 && ca_issue_keypair(ca, name, "mamori admin", c->cfg.device_cert_days, &is, &key, &c->e) != 0) {
		fprintf(stderr, "mamorid: %s\n", c->e.msg);
		rc = 2;
	}
	/* The files first (never over existing ones), then the database: a certificate the
	 * database knows always has its key on disk. */
	if (rc == 0) {
		rc = write_file(paths[0], key, 0600);
		if (rc == 0 && (rc = write_file(paths[1], is.cert_pem, 0644)) != 0)
			unlink(paths[0]);
		written = rc == 0;
		if (rc == 0 && access(paths[2], F_OK) != 0)
			rc = write_file(paths[2], ca_cert_pem(ca), 0644);
	}
	struct cli_audit au;
	if (rc == 0 && store_admin_cert_add_audited(st, is.serial, name, is.not_after, (int64_t)time(NULL),
						    cli_audit(&au, "admin-cert-issue", name, is.serial),
						    &c->e) != 0) {
		fprintf(stderr, "mamorid: %s\n", c->e.msg);
		rc = 2;
	}
	if (rc == 0)
		printf("%s\n%s\n%s\n", paths[1], paths[0], paths[2]);
	else if (written) {
		unlink(paths[0]);
		unlink(paths[1]);
	}
	for (int i = 0; i < 3; i++)
		free(paths[i]);
	free(key);
	ca_issued_free(&is);
	store_close(st);
	ca_free(ca);
	return rc;
}

int main(int argc, char **argv)
{
	struct ctx c = {0};
	if (config_init(&c.cfg, &c.e) != 0)
		return 2;
	const char *config = NULL, *db = NULL, *data_dir = NULL, *listen = NULL;
	/* Shared options may come before or after the subcommand; everything else is the
	 * subcommand's. */
	char *rest[64];
	int nrest = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0 ? &config
				    : strcmp(a, "--db") == 0				  ? &db
				    : strcmp(a, "--data-dir") == 0			  ? &data_dir
				    : strcmp(a, "--listen") == 0			  ? &listen
											  : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (slot) {
			if (i + 1 >= argc) {
				fprintf(stderr, "mamorid: %s needs a value\n", a);
				return 2;
			}
			*slot = argv[++i];
		} else if (nrest < (int)(sizeof rest / sizeof rest[0])) {
			rest[nrest++] = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (nrest > 0 && rest[0][0] == '-') {
		fprintf(stderr, "mamorid: unknown option %s\n", rest[0]);
		usage(stderr);
		return 2;
	}
	int rc = read_config(&c, config ? config : CONFIG_DEFAULT_PATH, config != NULL);
	if (rc == 0 && ((db && config_set(&c.cfg.db, db, &c.e)) ||
			(data_dir && config_set(&c.cfg.data_dir, data_dir, &c.e)) ||
			(listen && config_set(&c.cfg.listen, listen, &c.e))))
		rc = 2;
	if (rc == 0) {
		log_setup(c.cfg.log_format, c.cfg.log_level);
		if (nrest == 0 || strcmp(rest[0], "serve") == 0)
			rc = nrest <= 1 ? serve(&c) : (usage(stderr), 2);
		else if (strcmp(rest[0], "token") == 0 && nrest >= 2 && strcmp(rest[1], "create") == 0)
			rc = token_create(&c, nrest - 2, rest + 2);
		else if (strcmp(rest[0], "device") == 0)
			rc = device_cmd(&c, nrest - 1, rest + 1);
		else if (strcmp(rest[0], "admin") == 0)
			rc = admin_cmd(&c, nrest - 1, rest + 1);
		else if (strcmp(rest[0], "audit") == 0)
			rc = audit_cmd(&c, nrest - 1, rest + 1);
		else if (strcmp(rest[0], "admin-cert") == 0)
			rc = admin_cert(&c, nrest - 1, rest + 1);
		else if (strcmp(rest[0], "ca") == 0 && nrest == 2 && strcmp(rest[1], "fingerprint") == 0) {
			struct ca *ca = NULL;
			rc = open_ca(&c, &ca);
			if (rc == 0)
				printf("%s\n", ca_fingerprint(ca));
			ca_free(ca);
		} else {
			usage(stderr);
			rc = 2;
		}
	}
	config_free(&c.cfg);
	return rc;
}
