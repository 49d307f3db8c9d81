/* SPDX-License-Identifier: Apache-2.0 */
/* mamori enroll: pin the server's CA by its fingerprint, make the device key here, get its
 * certificate with a one-time token (docs/agent.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/agent.h"
#include "cli/commands.h"
#include "cli/http_client.h"
#include "cli/keys.h"
#include "core/report.h"

enum {
	OPT_STATE_DIR = 256,
	OPT_SERVER,
	OPT_TOKEN,
	OPT_FP,
	OPT_HOSTNAME,
	OPT_USER,
	OPT_FORCE,
	OPT_TIMEOUT
};

static const struct option enroll_opts[] = {{"server", required_argument, NULL, OPT_SERVER},
					    {"token", required_argument, NULL, OPT_TOKEN},
					    {"ca-fingerprint", required_argument, NULL, OPT_FP},
					    {"hostname", required_argument, NULL, OPT_HOSTNAME},
					    {"user", required_argument, NULL, OPT_USER},
					    {"force", no_argument, NULL, OPT_FORCE},
					    {"timeout", required_argument, NULL, OPT_TIMEOUT},
					    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
					    {"help", no_argument, NULL, 'h'},
					    {NULL, 0, NULL, 0}};

static const char enroll_help[] =
    "usage: mamori enroll --server URL --token T --ca-fingerprint FP [OPTIONS]\n"
    "Enrolls this machine with a mamorid server (docs/agent.md).\n"
    "      --server URL          https://host:port of the server\n"
    "      --token T             a one-time token from 'mamorid token create'; - reads it\n"
    "                            from standard input (argv is visible in ps)\n"
    "      --ca-fingerprint FP   the server's CA fingerprint ('mamorid ca fingerprint')\n"
    "      --hostname H          the name in the ledger (default: this machine's)\n"
    "      --user U              who uses this machine, for the ledger\n"
    "      --force               enroll again; the old files are moved to old-TIME/\n"
    "      --timeout S           per request (default 60s)\n"
    "      --state-dir DIR       default $MAMORI_STATE_DIR or " AGENT_STATE_DIR "\n";

/* The files an enrollment leaves, moved aside as a whole by --force. */
static const char *const state_files[] = {AGENT_CONFIG, AGENT_CA,	 AGENT_KEY,
					  AGENT_CERT,	AGENT_INVENTORY, AGENT_SPOOL};

static int mkdir_p(const char *dir, struct errbuf *e)
{
	char p[4096];
	int n = snprintf(p, sizeof(p), "%s", dir);
	if (n <= 0 || (size_t)n >= sizeof(p))
		return err_set(e, MAMORI_EINVAL, "bad state directory '%s'", dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return err_set(e, MAMORI_EIO, "cannot create %s: %s", p, strerror(errno));
		*s = '/';
	}
	if (mkdir(p, 0700) != 0 && errno != EEXIST)
		return err_set(e, MAMORI_EIO, "cannot create %s: %s", p, strerror(errno));
	/* the device key lives here */
	if (chmod(p, 0700) != 0)
		return err_set(e, MAMORI_EIO, "cannot chmod %s: %s", p, strerror(errno));
	return 0;
}

static bool exists(const char *dir, const char *name)
{
	char p[4096];
	struct stat st;
	struct errbuf ignored;
	return agent_path(p, sizeof(p), dir, name, &ignored) == 0 && lstat(p, &st) == 0;
}

/* --force: the previous enrollment goes to dir/old-TIME/, nothing is deleted. */
static int move_aside(const char *dir, struct errbuf *e)
{
	char when[32], sub[64], old[4096];
	format_time((long long)time(NULL), when, sizeof(when));
	snprintf(sub, sizeof(sub), "old-%s", when);
	int rc = agent_path(old, sizeof(old), dir, sub, e);
	if (rc)
		return rc;
	if (mkdir(old, 0700) != 0)
		return err_set(e, MAMORI_EIO, "cannot create %s: %s", old, strerror(errno));
	for (size_t i = 0; i < sizeof(state_files) / sizeof(state_files[0]); i++) {
		char from[4096], to[4096];
		if (!exists(dir, state_files[i]))
			continue;
		if ((rc = agent_path(from, sizeof(from), dir, state_files[i], e)) ||
		    (rc = agent_path(to, sizeof(to), old, state_files[i], e)))
			return rc;
		if (rename(from, to) != 0)
			return err_set(e, MAMORI_EIO, "cannot move %s to %s: %s", from, to,
				       strerror(errno));
	}
	fprintf(stderr, "mamori: the previous enrollment was moved to %s\n", old);
	return 0;
}

/* The {"error"} of a failed reply, or its first bytes. */
static void server_error(const struct http_response *r, char *out, size_t size)
{
	json_t *j = r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(j, "error"));
	snprintf(out, size, "%.300s",
		 m ? m : (r->body && r->body[0] ? r->body : "no reason given"));
	json_decref(j);
}

struct enroll {
	const char *dir, *server, *token, *fp, *hostname, *user;
	long timeout;
	char stage[4096];
	bool stage_made;
};

static int stage_path(const struct enroll *en, const char *name, char *out, size_t size,
		      struct errbuf *e)
{
	return agent_path(out, size, en->stage, name, e);
}

/* The one certificate of a PEM reply. What is saved as ca.crt becomes the agent's only trust
 * anchor, so it must be exactly the certificate whose fingerprint was checked: a second one
 * slipped in by whoever answered before the check would be trusted too. */
static int single_cert(const char *pem, char **out, struct errbuf *e)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	const char *b = strstr(pem, "-----BEGIN");
	const char *z = b ? strstr(b, end) : NULL;
	if (b == NULL || strncmp(b, begin, sizeof(begin) - 1) != 0 || z == NULL)
		return err_set(e, MAMORI_EPARSE, "/v1/ca: the reply is not a PEM certificate");
	z += sizeof(end) - 1;
	if (strstr(z, "-----BEGIN"))
		return err_set(e, MAMORI_EPARSE,
			       "/v1/ca: the reply holds more than one PEM block; expected the CA "
			       "certificate alone");
	char *c = xasprintf("%.*s\n", (int)(z - b), b);
	if (c == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	*out = c;
	return 0;
}

/* GET /v1/ca without checks, then compare its fingerprint with the administrator's. */
static int fetch_ca(const struct enroll *en, const char *want, char **pem, struct errbuf *e)
{
	struct http_tls tls = {.insecure = 1};
	struct http_client *h = NULL;
	struct http_response r = {0};
	char url[4200], got[65], *cert = NULL;
	int rc;
	snprintf(url, sizeof(url), "%s/v1/ca", en->server);
	if ((rc = http_client_new(&tls, en->timeout, &h, e)) ||
	    (rc = http_request(h, url, NULL, 0, &r, e)))
		goto out;
	if (r.status != 200) {
		char why[400];
		server_error(&r, why, sizeof(why));
		rc = err_set(e, MAMORI_EIO, "%s: the server answered %ld: %s", url, r.status, why);
		goto out;
	}
	if ((rc = single_cert(r.body, &cert, e)) ||
	    (rc = keys_cert_fingerprint(cert, strlen(cert), got, e)))
		goto out;
	if (strcmp(got, want) != 0) {
		rc = err_set(e, MAMORI_EACCES,
			     "the server's CA fingerprint is %s, not %s as given: this is not "
			     "the server you meant (nothing was written)",
			     got, want);
		goto out;
	}
	*pem = cert;
	cert = NULL;
out:
	free(cert);
	http_response_free(&r);
	http_client_free(h);
	return rc;
}

/* The device id goes into agent.json and every log line: nothing but letters, digits, '-'. */
static bool plain_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!c_isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

/* POST /v1/enroll with the CSR, trusting only the pinned CA from now on. */
static int post_enroll(const struct enroll *en, const char *csr, json_t **reply, struct errbuf *e)
{
	char ca[4096], url[4200];
	int rc = stage_path(en, AGENT_CA, ca, sizeof(ca), e);
	if (rc)
		return rc;
	snprintf(url, sizeof(url), "%s/v1/enroll", en->server);
	json_t *req =
	    json_pack("{s:s, s:s, s:s}", "token", en->token, "csr", csr, "hostname", en->hostname);
	if (req && en->user)
		json_object_set_new(req, "user", json_string(en->user));
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (body == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	struct http_tls tls = {.ca_file = ca};
	struct http_client *h = NULL;
	struct http_response r = {0};
	if ((rc = http_client_new(&tls, en->timeout, &h, e)) ||
	    (rc = http_request(h, url, body, strlen(body), &r, e)))
		goto out;
	if (r.status != 201) {
		char why[400];
		server_error(&r, why, sizeof(why));
		rc = err_set(e, r.status == 403 ? MAMORI_EACCES : MAMORI_EIO,
			     "the server refused the enrollment (%ld): %s", r.status, why);
		goto out;
	}
	json_error_t je;
	json_t *j = json_loadb(r.body, r.len, 0, &je);
	const char *id = json_string_value(json_object_get(j, "device_id"));
	if (id == NULL || !plain_id(id) || !json_is_string(json_object_get(j, "certificate"))) {
		json_decref(j);
		rc = err_set(e, MAMORI_EPARSE,
			     "%s: the reply lacks \"device_id\" (1 to 64 letters or digits) or "
			     "\"certificate\"",
			     url);
		goto out;
	}
	*reply = j;
out:
	/* the token is a secret until used */
	explicit_bzero(body, strlen(body));
	free(body);
	http_response_free(&r);
	http_client_free(h);
	return rc;
}

static void remove_stage(struct enroll *en)
{
	if (!en->stage_made)
		return;
	const char *names[] = {AGENT_CA, AGENT_KEY, AGENT_CERT};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char p[4096];
		struct errbuf ignored;
		if (stage_path(en, names[i], p, sizeof(p), &ignored) == 0)
			unlink(p);
	}
	rmdir(en->stage);
	en->stage_made = false;
}

static int write_file(const char *path, const char *data, mode_t mode, struct errbuf *e)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		return err_set(e, MAMORI_EINVAL, "bad path %s", path);
	*slash = '\0';
	return agent_write_atomic(dir, slash + 1, data, strlen(data), mode, e);
}

static int enroll(struct enroll *en, bool force, struct errbuf *e)
{
	char want[65], key[4096], path[4096];
	char *ca_pem = NULL, *csr = NULL, *cfg_text = NULL;
	json_t *reply = NULL, *cfg = NULL;
	int rc;
	if ((rc = keys_parse_fingerprint(en->fp, want, e)))
		return rc;
	bool enrolled = exists(en->dir, AGENT_CONFIG) || exists(en->dir, AGENT_KEY) ||
			exists(en->dir, AGENT_CERT);
	if (enrolled && !force)
		return err_set(e, MAMORI_EINVAL,
			       "%s already holds an enrollment; 'mamori enroll --force' moves it "
			       "aside and enrolls again",
			       en->dir);
	if ((rc = fetch_ca(en, want, &ca_pem, e)) || (rc = mkdir_p(en->dir, e)))
		goto out;
	/* everything is made in a staging directory and moved in once the server said yes */
	int n = snprintf(en->stage, sizeof(en->stage), "%s/.enroll-%ld", en->dir, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(en->stage)) {
		rc = err_set(e, MAMORI_EINVAL, "state directory path too long");
		goto out;
	}
	if (mkdir(en->stage, 0700) != 0) {
		rc = err_set(e, MAMORI_EIO, "cannot create %s: %s", en->stage, strerror(errno));
		goto out;
	}
	en->stage_made = true;
	if ((rc = stage_path(en, AGENT_CA, path, sizeof(path), e)) ||
	    (rc = write_file(path, ca_pem, 0644, e)) ||
	    (rc = stage_path(en, AGENT_KEY, key, sizeof(key), e)) ||
	    (rc = keys_make_csr(key, en->hostname, &csr, e)) ||
	    (rc = post_enroll(en, csr, &reply, e)))
		goto out;
	const char *cert = json_string_value(json_object_get(reply, "certificate"));
	const char *id = json_string_value(json_object_get(reply, "device_id"));
	if ((rc = keys_check_issued(key, cert, ca_pem, e)) ||
	    (rc = stage_path(en, AGENT_CERT, path, sizeof(path), e)) ||
	    (rc = write_file(path, cert, 0644, e)))
		goto out;
	if (enrolled && (rc = move_aside(en->dir, e)))
		goto out;
	const char *names[] = {AGENT_CA, AGENT_KEY, AGENT_CERT};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char from[4096], to[4096];
		if ((rc = stage_path(en, names[i], from, sizeof(from), e)) ||
		    (rc = agent_path(to, sizeof(to), en->dir, names[i], e)))
			goto out;
		if (rename(from, to) != 0) {
			rc = err_set(e, MAMORI_EIO, "cannot move %s to %s: %s", from, to,
				     strerror(errno));
			goto out;
		}
	}
	char when[32];
	format_time((long long)time(NULL), when, sizeof(when));
	cfg = json_pack("{s:s, s:s, s:s}", "server", en->server, "device_id", id, "enrolled_at",
			when);
	char *dumped = cfg ? json_dumps(cfg, JSON_INDENT(2)) : NULL;
	cfg_text = dumped ? xasprintf("%s\n", dumped) : NULL;
	free(dumped);
	if (cfg_text == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	/* agent.json last: it is what makes the directory enrolled */
	if ((rc = agent_write_atomic(en->dir, AGENT_CONFIG, cfg_text, strlen(cfg_text), 0644, e)))
		goto out;
	printf("enrolled as device %s with %s\n", id, en->server);
out:
	remove_stage(en);
	free(ca_pem);
	free(csr);
	free(cfg_text);
	json_decref(cfg);
	json_decref(reply);
	return rc;
}

int cmd_enroll(int argc, char **argv)
{
	struct enroll en = {.timeout = 60};
	const char *state = NULL;
	bool force = false;
	long long timeout = 60;
	struct errbuf e = {{0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", enroll_opts, NULL)) != -1) {
		switch (c) {
		case OPT_SERVER:
			en.server = optarg;
			break;
		case OPT_TOKEN:
			en.token = optarg;
			break;
		case OPT_FP:
			en.fp = optarg;
			break;
		case OPT_HOSTNAME:
			en.hostname = optarg;
			break;
		case OPT_USER:
			en.user = optarg;
			break;
		case OPT_FORCE:
			force = true;
			break;
		case OPT_TIMEOUT:
			if (parse_duration(optarg, AGENT_DURATION_MAX, &timeout, &e)) {
				fprintf(stderr, "mamori: --timeout: %s\n", e.msg);
				return EXIT_ERROR;
			}
			en.timeout = (long)timeout;
			break;
		case OPT_STATE_DIR:
			state = optarg;
			break;
		case 'h':
			fputs(enroll_help, stdout);
			return EXIT_PASS;
		default:
			fputs(enroll_help, stderr);
			return EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mamori: unexpected argument '%s'\n", argv[optind]);
		return EXIT_ERROR;
	}
	if (en.server == NULL || en.token == NULL || en.fp == NULL) {
		fprintf(stderr, "mamori: enroll needs --server, --token and --ca-fingerprint\n");
		fputs(enroll_help, stderr);
		return EXIT_ERROR;
	}
	if (c_strncasecmp(en.server, "https://", 8) != 0) {
		fprintf(stderr, "mamori: --server: expected https://host[:port], not '%s'\n",
			en.server);
		return EXIT_ERROR;
	}
	char server[2048];
	int n = snprintf(server, sizeof(server), "%s", en.server);
	if (n < 0 || (size_t)n >= sizeof(server)) {
		fprintf(stderr, "mamori: --server: too long\n");
		return EXIT_ERROR;
	}
	while (n > 8 && server[n - 1] == '/')
		server[--n] = '\0';
	en.server = server;
	char token[512];
	if (strcmp(en.token, "-") == 0) {
		/* from standard input: a token in argv is visible to every user in ps */
		if (fgets(token, sizeof(token), stdin) == NULL) {
			fprintf(stderr, "mamori: --token -: no token on standard input\n");
			return EXIT_ERROR;
		}
		token[strcspn(token, "\r\n")] = '\0';
		en.token = token;
	}
	char host[256];
	if (en.hostname == NULL) {
		if (gethostname(host, sizeof(host)) != 0) {
			fprintf(stderr, "mamori: cannot read the host name; give --hostname\n");
			return EXIT_ERROR;
		}
		host[sizeof(host) - 1] = '\0';
		en.hostname = host;
	}
	agent_init();
	en.dir = agent_state_dir(state);
	int rc = enroll(&en, force, &e);
	explicit_bzero(token, sizeof(token));
	if (rc) {
		fprintf(stderr, "mamori: %s\n", e.msg[0] ? e.msg : "enrollment failed");
		return EXIT_ERROR;
	}
	return EXIT_PASS;
}
