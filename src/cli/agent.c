/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's shared parts: state directory, scan, spool, sending. docs/agent.md. */
#include "cli/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/http_client.h"
#include "cli/scan.h"
#include "cli/spool.h"
#include "core/report.h"
#include "core/report_wire.h"

void agent_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap); /* a cut log line is still worth having */
	va_end(ap);
	fprintf(stderr, "mamori: %s\n", line);
}

static void spool_logger(const char *line)
{
	agent_log("%s", line);
}

void agent_init(void)
{
	/* a server closing the connection must not kill the agent */
	signal(SIGPIPE, SIG_IGN);
	spool_set_log(spool_logger);
}

const char *agent_state_dir(const char *opt)
{
	if (opt && opt[0])
		return opt;
	const char *env = getenv("MAMORI_STATE_DIR");
	return env && env[0] ? env : AGENT_STATE_DIR;
}

int agent_path(char *out, size_t size, const char *dir, const char *name, struct errbuf *e)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= size)
		return err_set(e, MAMORI_EINVAL, "path too long: %s/%s", dir, name);
	return 0;
}

void agent_config_free(struct agent_config *c)
{
	if (c == NULL)
		return;
	free(c->server);
	free(c->device_id);
	free(c->enrolled_at);
	*c = (struct agent_config){0};
}

int agent_config_load(const char *dir, struct agent_config *out, struct errbuf *e)
{
	char path[4096];
	int rc = agent_path(path, sizeof(path), dir, AGENT_CONFIG, e);
	if (rc)
		return rc;
	char *buf = NULL;
	size_t len = 0;
	if ((rc = read_file(path, 64u << 10, &buf, &len, e)))
		return rc == MAMORI_ENOENT ? err_set(e, rc,
						     "this machine is not enrolled (no %s): run "
						     "'mamori enroll' first",
						     path)
					   : rc;
	json_error_t je;
	json_t *j = json_loadb(buf, len, 0, &je);
	free(buf);
	struct agent_config c = {0};
	const char *server = json_string_value(json_object_get(j, "server"));
	const char *id = json_string_value(json_object_get(j, "device_id"));
	const char *at = json_string_value(json_object_get(j, "enrolled_at"));
	if (j == NULL) {
		rc = err_set(e, MAMORI_EPARSE, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		goto out;
	}
	if (server == NULL || c_strncasecmp(server, "https://", 8) != 0 || id == NULL) {
		rc = err_set(e, MAMORI_EPARSE,
			     "%s: expected \"server\" (https://...) and \"device_id\"", path);
		goto out;
	}
	c.server = xstrdup(server);
	c.device_id = xstrdup(id);
	c.enrolled_at = xstrdup(at ? at : "");
	if (c.server == NULL || c.device_id == NULL || c.enrolled_at == NULL) {
		agent_config_free(&c);
		rc = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	*out = c;
out:
	json_decref(j);
	return rc;
}

int agent_write_atomic(const char *dir, const char *name, const char *data, size_t len, mode_t mode,
		       struct errbuf *e)
{
	char path[4096], tmp[4096];
	int rc = agent_path(path, sizeof(path), dir, name, e);
	if (rc)
		return rc;
	int n = snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return err_set(e, MAMORI_EINVAL, "path too long: %s", path);
	unlink(tmp); /* left by an interrupted run */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return err_set(e, MAMORI_EIO, "cannot write %s: %s", tmp, strerror(errno));
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		p += w;
		left -= (size_t)w;
	}
	int bad = left > 0 || fsync(fd) != 0;
	bad |= close(fd) != 0;
	if (bad || rename(tmp, path) != 0) {
		rc = err_set(e, MAMORI_EIO, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd) != 0)
			rc = err_set(e, MAMORI_EIO, "fsync %s: %s", dir, strerror(errno));
		close(dfd);
	}
	return rc;
}

static void new_report_id(char out[33])
{
	unsigned char raw[16];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		/* as cmd_scan.c: never block on entropy, the id only needs to be unique */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		unsigned long long t =
		    (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
		t ^= (unsigned long long)getpid() << 40;
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)(t >> (8 * (i % 8))) ^ (unsigned char)(i * 37);
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

int agent_scan(const char *const *policies, size_t npolicies, json_t **out, struct errbuf *e)
{
	struct catalog *cat = NULL;
	struct policy *pol = NULL;
	struct facts *facts = NULL;
	struct findings *fs = NULL;
	struct scan_session *session;
	long long now = (long long)time(NULL);
	/* The home network's facts go to the server too (docs/lan.md). */
	int rc = scan_begin_net("/", now, sys_ops_live(), NULL, NET_WAIT_DEFAULT_MS, false, &session, e);
	if (rc)
		return rc;
	/* the catalog loads while the early probes' threads run, as in mamori scan */
	if ((rc = scan_load_catalog(NULL, &cat, e)) ||
	    (rc = scan_load_policy(cat, policies, npolicies, &pol, e))) {
		struct errbuf ignored;
		struct facts *unused = NULL;
		if (scan_end(session, &unused, &ignored) == 0)
			facts_free(unused);
		goto out;
	}
	if ((rc = scan_end(session, &facts, e)) ||
	    (rc = evaluate(cat, pol, facts, "linux", NULL, &fs, e)))
		goto out;
	char rid[33];
	new_report_id(rid);
	struct report_ctx ctx = {
	    .lang = "en",
	    .platform = "linux",
	    .root = "/",
	    .now = now,
	    .report_id = rid,
	    .catalog = cat,
	    .policy = pol,
	    .facts = facts,
	    .findings = fs,
	};
	json_t *j = report_json(&ctx);
	if (j == NULL) {
		rc = err_set(e, MAMORI_ENOMEM, "out of memory writing the report");
		goto out;
	}
	*out = j;
out:
	findings_free(fs);
	facts_free(facts);
	policy_free(pol);
	catalog_free(cat);
	return rc;
}

/* The hash the server acknowledged last, or "" when there is none (or it is damaged). */
static void read_known_inventory(const char *dir, char out[65])
{
	char path[4096];
	char *buf = NULL;
	size_t len = 0;
	struct errbuf ignored;
	out[0] = '\0';
	if (agent_path(path, sizeof(path), dir, AGENT_INVENTORY, &ignored) ||
	    read_file(path, 256, &buf, &len, &ignored))
		return;
	const char *p = buf;
	str_trim(&p, &len);
	bool ok = len == 64;
	for (size_t i = 0; ok && i < len; i++)
		ok = c_isdigit((unsigned char)p[i]) || (p[i] >= 'a' && p[i] <= 'f');
	if (ok) {
		memcpy(out, p, 64);
		out[64] = '\0';
	}
	free(buf);
}

int agent_spool_report(const char *state_dir, json_t *report)
{
	struct errbuf e = {{0}};
	char known[65], sha[65], spool[4096];
	read_known_inventory(state_dir, known);
	if (report_to_wire(report, known[0] ? known : NULL, sha, &e) ||
	    agent_path(spool, sizeof(spool), state_dir, AGENT_SPOOL, &e)) {
		agent_log("%s", e.msg);
		return MAMORI_EINVAL;
	}
	const char *rid = json_string_value(json_object_get(report, "report_id"));
	char *body = json_dumps(report, JSON_COMPACT);
	if (body == NULL) {
		agent_log("out of memory");
		return MAMORI_ENOMEM;
	}
	size_t len = strlen(body);
	unsigned dropped = 0;
	int rc = spool_add(spool, rid, body, len, NULL, &dropped, &e);
	free(body);
	if (rc) {
		agent_log("%s", e.msg);
		return rc;
	}
	if (dropped)
		agent_log("spool full: dropped the %u oldest report%s", dropped,
			  dropped == 1 ? "" : "s");
	agent_log("report %s spooled (%zu bytes%s)", rid, len,
		  sha[0] == '\0'	    ? ""
		  : strcmp(sha, known) == 0 ? ", package list already known to the server"
					    : ", with the package list");
	return 0;
}

struct flush_ctx {
	const char *state_dir, *spool;
	const struct agent_config *cfg;
	long timeout_s;
	struct http_client *http;
	char url[4200];
	bool refused, error;
};

/* The {"error"} text of a reply, or its first bytes. */
static void reply_reason(const struct http_response *r, char *out, size_t size)
{
	json_t *j = r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(j, "error"));
	if (msg)
		snprintf(out, size, "%s", msg);
	else
		snprintf(out, size, "%.200s", r->body && r->body[0] ? r->body : "no reason given");
	json_decref(j);
	/* the text is the server's: keep the log one line */
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

/* After an acknowledgement: remember the package list the server now has, or forget it when
 * the server asks for it again. */
static void note_inventory(struct flush_ctx *c, const char *body, size_t len,
			   const struct http_response *r)
{
	json_t *reply = r->body ? json_loadb(r->body, r->len, 0, NULL) : NULL;
	bool send_inventory = json_is_true(json_object_get(reply, "send_inventory"));
	json_decref(reply);
	struct errbuf e = {{0}};
	char path[4096];
	if (send_inventory) {
		if (agent_path(path, sizeof(path), c->state_dir, AGENT_INVENTORY, &e) == 0 &&
		    unlink(path) != 0 && errno != ENOENT)
			agent_log("cannot remove %s: %s", path, strerror(errno));
		agent_log("the server asks for the package list: the next report carries it");
		return;
	}
	json_t *rep = json_loadb(body, len, 0, NULL);
	const json_t *pk = json_object_get(json_object_get(rep, "facts"), "software.packages");
	const char *sha =
	    json_string_value(json_object_get(json_object_get(rep, "inventory"), "sha256"));
	if (json_is_array(json_object_get(pk, "value")) && sha && strlen(sha) == 64) {
		char line[66];
		snprintf(line, sizeof(line), "%s\n", sha);
		if (agent_write_atomic(c->state_dir, AGENT_INVENTORY, line, 65, 0644, &e))
			agent_log("%s", e.msg);
	}
	json_decref(rep);
}

static int send_one(void *ud, const char *report_id, const char *body, size_t len)
{
	struct flush_ctx *c = ud;
	struct errbuf e = {{0}};
	if (c->http == NULL) {
		char ca[4096], cert[4096], key[4096];
		if (agent_path(ca, sizeof(ca), c->state_dir, AGENT_CA, &e) ||
		    agent_path(cert, sizeof(cert), c->state_dir, AGENT_CERT, &e) ||
		    agent_path(key, sizeof(key), c->state_dir, AGENT_KEY, &e)) {
			agent_log("%s", e.msg);
			c->error = true;
			return -1;
		}
		struct http_tls tls = {.ca_file = ca, .cert_file = cert, .key_file = key};
		if (http_client_new(&tls, c->timeout_s, &c->http, &e)) {
			agent_log("%s", e.msg);
			c->error = true;
			return -1;
		}
	}
	struct http_response r;
	if (http_request(c->http, c->url, body, len, &r, &e)) {
		agent_log("report %s: not sent, kept in the spool: %s", report_id, e.msg);
		return -1;
	}
	char why[300];
	int rc;
	switch (r.status) {
	case 200:
	case 201: {
		json_t *j = json_loadb(r.body, r.len, 0, NULL);
		bool dup = json_is_true(json_object_get(j, "duplicate"));
		json_decref(j);
		agent_log("report %s: %s", report_id,
			  dup ? "the server had it already" : "stored by the server");
		note_inventory(c, body, len, &r);
		rc = 0;
		break;
	}
	case 400:
	case 409:
	case 413:
	case 415:
	case 422:
		reply_reason(&r, why, sizeof(why));
		agent_log("report %s: rejected by the server (%ld): %s; moved to %s/rejected/",
			  report_id, r.status, why, c->spool);
		if (spool_reject_note(c->spool, report_id, why, &e))
			agent_log("%s", e.msg);
		rc = 1;
		break;
	case 401:
	case 403:
		reply_reason(&r, why, sizeof(why));
		agent_log("the server refused this device's certificate (revoked?): %ld %s; "
			  "reports stay in the spool",
			  r.status, why);
		c->refused = true;
		rc = -1;
		break;
	default:
		/* 429, 5xx and anything unexpected: try again later, lose nothing */
		reply_reason(&r, why, sizeof(why));
		agent_log("report %s: the server answered %ld (%s); kept in the spool", report_id,
			  r.status, why);
		rc = -1;
		break;
	}
	http_response_free(&r);
	return rc;
}

enum agent_flush_result agent_flush(const char *state_dir, long timeout_s, unsigned *left)
{
	struct errbuf e = {{0}};
	struct agent_config cfg = {0};
	struct flush_ctx c = {.state_dir = state_dir, .timeout_s = timeout_s, .cfg = &cfg};
	char spool[4096];
	unsigned sent = 0, waiting = 0;
	enum agent_flush_result res = AGENT_FLUSH_ERROR;
	*left = 0;
	if (agent_config_load(state_dir, &cfg, &e) ||
	    agent_path(spool, sizeof(spool), state_dir, AGENT_SPOOL, &e)) {
		agent_log("%s", e.msg);
		return AGENT_FLUSH_ERROR;
	}
	c.spool = spool;
	int n = snprintf(c.url, sizeof(c.url), "%s/v1/reports", cfg.server);
	if (n < 0 || (size_t)n >= sizeof(c.url)) {
		agent_log("%s: server address too long", state_dir);
		goto out;
	}
	if (spool_flush(spool, send_one, &c, &sent, &waiting, &e)) {
		agent_log("%s", e.msg);
		goto out;
	}
	*left = waiting;
	if (c.error)
		res = AGENT_FLUSH_ERROR;
	else if (c.refused)
		res = AGENT_FLUSH_REFUSED;
	else if (waiting)
		res = AGENT_FLUSH_WAITING;
	else
		res = AGENT_FLUSH_EMPTY;
	if (waiting)
		agent_log("%u report%s wait%s in %s", waiting, waiting == 1 ? "" : "s",
			  waiting == 1 ? "s" : "", spool);
out:
	http_client_free(c.http);
	agent_config_free(&cfg);
	return res;
}
