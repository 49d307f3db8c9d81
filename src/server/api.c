/* SPDX-License-Identifier: Apache-2.0 */
/* mamorid's HTTP API (docs/server.md): routing, who may call what, and the answers. */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/catalog.h"
#include "core/sheet.h"
#include "server/api_ui.h"
#include "server/gate.h"
#include "server/log.h"
#include "server/report_in.h"
#include "server/server.h"

#define ENROLL_MAX_BODY (64 * 1024)
#define PAGE_DEFAULT 50
#define PAGE_MAX 1000

void reply_error(struct reply *out, unsigned status, const char *msg)
{
	json_t *o = json_pack("{s:s}", "error", msg);
	out->status = status;
	out->content_type = "application/json";
	out->body = o ? json_dumps(o, JSON_COMPACT) : NULL;
	out->len = out->body ? strlen(out->body) : 0;
	json_decref(o);
}

/* Takes the reference to o. */
void reply_json(struct reply *out, unsigned status, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (s == NULL) {
		reply_error(out, 500, "out of memory");
		return;
	}
	out->status = status;
	out->content_type = "application/json";
	out->body = s;
	out->len = strlen(s);
}

static void reply_text(struct reply *out, unsigned status, const char *type, char *body)
{
	if (body == NULL) {
		reply_error(out, 500, "out of memory");
		return;
	}
	out->status = status;
	out->content_type = type;
	out->body = body;
	out->len = strlen(body);
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	hex_encode(md, 32, out);
}

int token_new(char out[TOKEN_LEN + 1], char hash[65])
{
	unsigned char raw[20];
	if (RAND_bytes(raw, sizeof raw) != 1)
		return MAMORI_EIO;
	/* Base32 (RFC 4648 alphabet, lower case): easy to read out and type. */
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	for (size_t i = 0; i < 32; i++) {
		size_t bit = i * 5;
		unsigned v =
		    (unsigned)raw[bit / 8] << 8 | (bit / 8 + 1 < sizeof raw ? raw[bit / 8 + 1] : 0);
		out[i] = alphabet[(v >> (11 - bit % 8)) & 31];
	}
	out[TOKEN_LEN] = '\0';
	token_hash(out, hash);
	return 0;
}

void token_hash(const char *token, char out[65])
{
	sha256_hex(token, strlen(token), out);
}

static bool printable(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static bool hex32(const char *s)
{
	if (s == NULL || strlen(s) != 32)
		return false;
	for (size_t i = 0; i < 32; i++)
		if (!(c_isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool is_json(const struct request *rq)
{
	const char *t = rq->content_type;
	return t && c_strncasecmp(t, "application/json", 16) == 0 &&
	       (t[16] == '\0' || t[16] == ';' || t[16] == ' ');
}

/* A token the store says is gone (403), or a store that cannot answer (503). */
static void enroll_refused(struct reply *out, const struct request *rq, const char *host, int r,
			   const struct errbuf *e)
{
	metrics_enrollment(0);
	if (r == STORE_GONE) {
		log_event(LOG_WARN, "enrollment refused", "reason",
			  "token unknown, used or expired", "hostname", host, "remote",
			  rq->peer->remote, NULL);
		reply_error(out, 403, "the enrollment token is unknown, used or expired");
	} else {
		log_event(LOG_ERROR, "enrollment failed", "error", e->msg, NULL);
		reply_error(out, 503, "cannot enroll now; try again");
	}
}

static void enroll(struct server *s, const struct request *rq, struct reply *out)
{
	out->endpoint = EP_ENROLL;
	if (rq->body_len > ENROLL_MAX_BODY) {
		reply_error(out, 413, "an enrollment request is at most 64 KiB");
		return;
	}
	json_error_t je;
	json_t *o = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	const char *token = json_string_value(json_object_get(o, "token"));
	const char *csr = json_string_value(json_object_get(o, "csr"));
	const char *host = json_string_value(json_object_get(o, "hostname"));
	const char *user = json_string_value(json_object_get(o, "user"));
	json_t *juser = json_object_get(o, "user");
	struct ca_issued issued = {0};
	struct errbuf e;
	if (o == NULL) {
		reply_error(out, 400, "malformed JSON");
		goto done;
	}
	if (token == NULL || !printable(token, 256) || csr == NULL || host == NULL ||
	    !printable(host, 255) ||
	    (juser && !json_is_null(juser) && (user == NULL || !printable(user, 255)))) {
		reply_error(out, 422,
			    "expected {\"token\", \"csr\", \"hostname\"[, \"user\"]} (texts of at "
			    "most 255 bytes)");
		goto done;
	}
	/* The token first: without one, nobody gets the CA to work on a CSR. */
	char hash[65];
	token_hash(token, hash);
	int r = store_token_check(s->store, hash, (int64_t)time(NULL), &e);
	if (r) {
		enroll_refused(out, rq, host, r, &e);
		goto done;
	}
	unsigned char raw[16];
	char device_id[33];
	if (RAND_bytes(raw, sizeof raw) != 1) {
		reply_error(out, 500, "no random numbers");
		goto done;
	}
	hex_encode(raw, sizeof raw, device_id);
	r = ca_sign_csr(s->ca, csr, strlen(csr), device_id, "mamori device",
			s->cfg->device_cert_days, &issued, &e);
	if (r) {
		metrics_enrollment(0);
		reply_error(out, r == MAMORI_ENOMEM ? 500 : 400, e.msg);
		goto done;
	}
	struct store_enrollment en = {.token_sha256 = hash,
				      .device_id = device_id,
				      .hostname = host,
				      .user = user,
				      .cert_serial = issued.serial,
				      .cert_not_after = issued.not_after,
				      .now = (int64_t)time(NULL)};
	r = store_enroll(s->store, &en, &e); /* takes the token: a race for it ends here */
	if (r) {
		enroll_refused(out, rq, host, r, &e);
		goto done;
	}
	metrics_enrollment(1);
	log_event(LOG_INFO, "device enrolled", "device", device_id, "hostname", host, "serial",
		  issued.serial, "remote", rq->peer->remote, NULL);
	reply_json(out, 201,
		   json_pack("{s:s, s:s, s:s}", "device_id", device_id, "certificate",
			     issued.cert_pem, "ca", ca_cert_pem(s->ca)));
done:
	ca_issued_free(&issued);
	json_decref(o);
}

/* 401 without a certificate, 403 with one we refuse or of the wrong kind. */
static bool allowed(const struct request *rq, enum peer_kind need, struct reply *out)
{
	const struct peer *p = rq->peer;
	if (p->kind == need)
		return true;
	char msg[256];
	unsigned status = 403;
	if (p->refused[0])
		snprintf(msg, sizeof msg, "%s", p->refused);
	else if (p->kind == PEER_NONE) {
		status = 401;
		snprintf(msg, sizeof msg, "%s",
			 need == PEER_ADMIN ? "sign in, or use an admin client certificate"
					    : "a device client certificate is needed");
	} else
		snprintf(msg, sizeof msg, "%s",
			 need == PEER_ADMIN ? "this needs an admin certificate, not a device's"
					    : "only enrolled devices send reports");
	if (p->refused[0] || p->kind != PEER_NONE)
		log_event(LOG_WARN, "certificate refused", "serial",
			  p->serial[0] ? p->serial : NULL, "reason", msg, "remote", p->remote,
			  NULL);
	reply_error(out, status, msg);
	return false;
}

static void put_report(struct server *s, const struct request *rq, struct reply *out)
{
	out->endpoint = EP_REPORTS;
	if (!allowed(rq, PEER_DEVICE, out)) {
		metrics_report_rejected(REJECT_CERT);
		return;
	}
	if (!is_json(rq)) {
		metrics_report_rejected(REJECT_MEDIA_TYPE);
		reply_error(out, 415, "a report is sent as application/json");
		return;
	}
	struct report_in in;
	struct errbuf e;
	int r = report_in_parse(rq->body, rq->body_len, &in, &e);
	if (r) {
		unsigned status = r == MAMORI_EPARSE ? 400 : r == MAMORI_EINVAL ? 422 : 500;
		metrics_report_rejected(status == 400 ? REJECT_MALFORMED : REJECT_INVALID);
		log_event(LOG_WARN, "report refused", "device", rq->peer->owner, "error", e.msg,
			  NULL);
		reply_error(out, status, e.msg);
		return;
	}
	in.rep.device_id = rq->peer->owner;
	in.rep.received_at = (int64_t)time(NULL);
	in.rep.body = rq->body;
	in.rep.body_len = rq->body_len;
	struct store_put_result res = {0};
	r = store_report_put(s->store, &in.rep, &res, &e);
	if (r == STORE_CONFLICT) {
		metrics_report_rejected(REJECT_CONFLICT);
		reply_error(out, 409, "this report id was already used by another device");
	} else if (r) {
		metrics_report_rejected(REJECT_STORE);
		log_event(LOG_ERROR, "cannot store report", "device", rq->peer->owner, "report",
			  in.rep.report_id, "error", e.msg, NULL);
		reply_error(out, 503, "cannot store the report now; send it again later");
	} else {
		if (res.duplicate)
			metrics_report_duplicate();
		else
			metrics_report_stored();
		if (log_enabled(LOG_DEBUG))
			log_event(LOG_DEBUG, "report stored", "device", rq->peer->owner, "report",
				  in.rep.report_id, "status", in.rep.status, "duplicate",
				  res.duplicate ? "true" : "false", NULL);
		reply_json(out, 200,
			   json_pack("{s:s, s:b, s:b, s:b}", "report_id", in.rep.report_id,
				     "stored", 1, "duplicate", res.duplicate, "send_inventory",
				     res.need_inventory));
	}
	report_in_free(&in);
}

static int page_limit(const struct request *rq, int *limit, struct reply *out)
{
	const char *s = rq->arg(rq->conn, "limit");
	long long n = PAGE_DEFAULT;
	const char *why;
	if (s && str_to_ll(s, 1, PAGE_MAX, &n, &why) != 0) {
		reply_error(out, 400, "limit must be a number from 1 to 1000");
		return -1;
	}
	*limit = (int)n;
	return 0;
}

static void store_answer(struct reply *out, int r, json_t *o, const struct errbuf *e,
			 const char *what)
{
	if (r == 0)
		reply_json(out, 200, o);
	else if (r == STORE_NOT_FOUND)
		reply_error(out, 404, what);
	else {
		log_event(LOG_ERROR, "query failed", "error", e->msg, NULL);
		reply_error(out, 503, "the database cannot answer now");
	}
}

/* CSV field, quoted; a formula-like start gets a ' so that spreadsheets show, not run, it. */
static void csv_field(struct buf *b, const char *v, bool first)
{
	if (!first)
		buf_add(b, ",", 1);
	buf_add(b, "\"", 1);
	if (v && sheet_csv_needs_guard(v, strlen(v)))
		buf_add(b, "'", 1);
	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '"')
			buf_add(b, "\"\"", 2);
		else
			buf_add(b, p, 1);
	}
	buf_add(b, "\"", 1);
}

static int csv_row(void *ctx, const char *const *cols, size_t n)
{
	struct buf *b = ctx;
	for (size_t i = 0; i < n; i++)
		csv_field(b, cols[i], i == 0);
	buf_add(b, "\r\n", 2);
	return b->data ? 0 : MAMORI_ENOMEM;
}

static void devices_csv(struct server *s, struct reply *out)
{
	struct buf b;
	struct errbuf e;
	buf_init(&b, (size_t)1 << 30);
	int r = csv_row(&b, store_ledger_columns, store_ledger_ncolumns);
	if (r == 0)
		r = store_devices_each(s->store, csv_row, &b, &e);
	if (r) {
		buf_free(&b);
		reply_error(out, 503, "cannot export the ledger now");
		return;
	}
	reply_text(out, 200, "text/csv; charset=utf-8", buf_take(&b));
}

/* /v1/devices/{id}[/findings|/reports] */
static void device_paths(struct server *s, const struct request *rq, const char *rest,
			 struct reply *out)
{
	char id[33];
	const char *slash = strchr(rest, '/');
	size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);
	if (idlen != 32) {
		reply_error(out, 404, "no such device");
		return;
	}
	memcpy(id, rest, 32);
	id[32] = '\0';
	if (!hex32(id)) {
		reply_error(out, 404, "no such device");
		return;
	}
	json_t *o = NULL;
	struct errbuf e;
	int r;
	if (slash == NULL) {
		r = store_device_get(s->store, id, &o, &e);
	} else if (strcmp(slash, "/findings") == 0) {
		r = store_device_findings(s->store, id, &o, &e);
	} else if (strcmp(slash, "/reports") == 0) {
		int limit;
		if (page_limit(rq, &limit, out))
			return;
		long long before = 0;
		const char *b = rq->arg(rq->conn, "before");
		const char *why;
		if (b && str_to_ll(b, 1, (long long)1 << 40, &before, &why) != 0) {
			reply_error(out, 400, "before must be a time in Unix seconds");
			return;
		}
		r = store_device_reports(s->store, id, (int64_t)before, limit, &o, &e);
	} else {
		reply_error(out, 404, "no such resource");
		return;
	}
	store_answer(out, r, o, &e, "no such device");
}

static void admin_get(struct server *s, const struct request *rq, struct reply *out)
{
	const char *p = rq->path;
	json_t *o = NULL;
	struct errbuf e;
	int r;
	out->endpoint = strcmp(p, "/v1/summary") == 0 ? EP_SUMMARY : EP_DEVICES;
	if (!allowed(rq, PEER_ADMIN, out))
		return;
	if (strcmp(p, "/v1/devices.csv") == 0) {
		devices_csv(s, out);
	} else if (strncmp(p, "/v1/devices/", 12) == 0) {
		device_paths(s, rq, p + 12, out);
	} else if (strncmp(p, "/v1/reports/", 12) == 0) {
		char *body = NULL;
		size_t len = 0;
		if (!hex32(p + 12)) {
			reply_error(out, 404, "no such report");
			return;
		}
		r = store_report_body(s->store, p + 12, &body, &len, &e);
		if (r == 0) {
			out->status = 200;
			out->content_type = "application/json";
			out->body = body;
			out->len = len;
		} else {
			store_answer(out, r, NULL, &e, "no such report");
		}
	} else {
		r = store_topic_summary(s->store, &o, &e);
		store_answer(out, r, o, &e, "no summary");
	}
}

static void metrics(struct server *s, const struct request *rq, struct reply *out)
{
	out->endpoint = EP_METRICS;
	if (!s->cfg->metrics_public && !allowed(rq, PEER_ADMIN, out))
		return;
	json_t *counts = NULL;
	struct errbuf e;
	if (store_status_counts(s->store, &counts, &e) != 0)
		log_event(LOG_ERROR, "device counts for /metrics failed", "error", e.msg, NULL);
	struct buf b;
	buf_init(&b, 1 << 20);
	int r = metrics_render(&b, counts);
	json_decref(counts);
	if (r) {
		buf_free(&b);
		reply_error(out, 500, "out of memory");
		return;
	}
	reply_text(out, 200, "text/plain; version=0.0.4; charset=utf-8", buf_take(&b));
}

/* A serial as a proxy gives it (nginx's $ssl_client_serial: upper-case hex of the DER bytes)
 * in the store's form: whole bytes, leading zero bytes dropped, lower case (serial_to_hex).
 * False when it is not hex or too long. */
static bool serial_from_header(const char *h, char out[41])
{
	size_t n = strlen(h);
	if (n == 0 || n > 80)
		return false;
	char hex[82];
	size_t k = 0;
	if (n % 2) /* an odd count: the first byte lost its leading zero nibble */
		hex[k++] = '0';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];
		if (!c_isdigit(c) && !((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
		hex[k++] = (char)c_tolower(c);
	}
	hex[k] = '\0';
	const char *p = hex;
	while (p[0] == '0' && p[1] == '0' && p[2] != '\0')
		p += 2;
	if (strlen(p) > 40)
		return false;
	snprintf(out, 41, "%s", p);
	return true;
}

static bool trusted_proxy(const struct server *s, const char *remote)
{
	return remote &&
	       strv_has(s->cfg->gate_trusted_proxies, s->cfg->n_gate_trusted_proxies, remote);
}

static void gate_reply(struct reply *out, const char *device, const struct gate_decision *d)
{
	char until[32] = "";
	if (d->until > 0) {
		time_t t = (time_t)d->until;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(until, sizeof until, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	bool allow = gate_allows(d);
	reply_json(out, allow ? 200 : 403,
		   json_pack("{s:b, s:s, s:s, s:s?, s:s?}", "allow", allow, "code", d->code,
			     "reason", d->reason, "device", device, "until",
			     until[0] ? until : NULL));
	out->endpoint = EP_GATE;
	out->header_name = "X-Mamori-Gate";
	snprintf(out->header_value, sizeof out->header_value, "%s; %s", d->code, d->reason);
	/* A header value must stay on one line. */
	for (char *p = out->header_value; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
}

static void gate_error(struct reply *out, unsigned status, const char *msg)
{
	reply_error(out, status, msg);
	out->endpoint = EP_GATE;
}

static void gate_unknown(struct reply *out)
{
	struct gate_decision d;
	gate_decide(&(struct gate_policy){0}, &(struct gate_device){0}, NULL, 0, 0, &d);
	gate_reply(out, NULL, &d);
}

/* ?device=: a device id in either case (a RADIUS User-Name); false when it is none. */
static bool device_from_arg(const char *a, char out[65])
{
	size_t n = strlen(a);
	if (n != 32)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)c_tolower((unsigned char)a[i]);
	out[n] = '\0';
	return hex32(out);
}

/* GET or HEAD /v1/gate: may this device in? Identified by its client certificate, or by what a
 * trusted reverse proxy or RADIUS server verified: the serial of the device's certificate
 * (X-Mamori-Client-Serial or ?serial=), or the device id (?device=: a RADIUS server knows the
 * device by the User-Name its VPN took from the certificate). docs/gate.md. */
static void gate(struct server *s, const struct request *rq, struct reply *out)
{
	const struct peer *p = rq->peer;
	struct gate_decision d;
	struct errbuf e;
	char device[65] = "", serial[41] = "";
	const char *h = rq->header ? rq->header(rq->conn, "X-Mamori-Client-Serial") : NULL;
	const char *qs = rq->arg ? rq->arg(rq->conn, "serial") : NULL;
	const char *qd = rq->arg ? rq->arg(rq->conn, "device") : NULL;
	int given = (h != NULL) + (qs != NULL) + (qd != NULL);
	if (p->kind == PEER_DEVICE) {
		snprintf(device, sizeof device, "%s", p->owner);
	} else if (p->refused[0] && p->serial[0]) {
		d = (struct gate_decision){.verdict = GATE_DENY_REVOKED, .code = "refused"};
		snprintf(d.reason, sizeof d.reason, "%s", p->refused);
		gate_reply(out, NULL, &d);
		return;
	} else if (given && !trusted_proxy(s, p->remote)) {
		gate_error(out, 401,
			   "X-Mamori-Client-Serial, ?serial= and ?device= are believed only from "
			   "gate_trusted_proxies");
		return;
	} else if (given > 1) {
		/* Two names for the device could disagree: which one was verified? */
		gate_error(out, 400,
			   "name the device once: X-Mamori-Client-Serial, ?serial= or ?device=");
		return;
	} else if (given) {
		if (qd ? !device_from_arg(qd, device) : !serial_from_header(h ? h : qs, serial)) {
			gate_unknown(out);
			return;
		}
	} else {
		gate_error(out, 401,
			   "a device certificate, or a trusted proxy's X-Mamori-Client-Serial, is "
			   "needed");
		return;
	}
	const char *sev[SEV_COUNT + 1] = {0};
	for (int i = s->cfg->gate_min_severity, k = 0; i < SEV_COUNT; i++)
		sev[k++] = severity_name((enum severity)i);
	struct store_gate_state gs;
	int r = store_gate_state(s->store, serial[0] ? NULL : device, serial[0] ? serial : NULL,
				 sev, &gs, &e);
	if (r == STORE_NOT_FOUND || (r == 0 && gs.has_cert && gs.cert.kind != STORE_CERT_DEVICE)) {
		gate_unknown(out);
		return;
	}
	if (r != 0) {
		log_event(LOG_ERROR, "gate: cannot read the device", "device",
			  device[0] ? device : NULL, "serial", serial[0] ? serial : NULL, "error",
			  e.msg, NULL);
		gate_error(out, 503, "the database cannot answer now");
		return;
	}
	int64_t now = (int64_t)time(NULL);
	if (gs.has_cert) {
		snprintf(device, sizeof device, "%s", gs.cert.owner);
		/* The proxy checked the chain and dates, but knows nothing of revocations. */
		if (gs.cert.revoked || gs.cert.not_after < now) {
			d = (struct gate_decision){.verdict = GATE_DENY_REVOKED, .code = "refused"};
			snprintf(d.reason, sizeof d.reason, "the client certificate %s",
				 gs.cert.revoked ? "has been revoked" : "has expired");
			gate_reply(out, device, &d);
			return;
		}
	}
	struct gate_finding f[STORE_GATE_MAX];
	for (size_t i = 0; i < gs.n_failing; i++) {
		enum severity v = SEV_CRITICAL; /* an unknown name errs on the strict side */
		severity_parse(gs.failing[i].severity, &v);
		f[i] = (struct gate_finding){gs.failing[i].check, v, true, gs.failing[i].since};
	}
	struct gate_device dev = {gs.known, gs.revoked, gs.last_generated_at};
	struct gate_policy pol = {(enum severity)s->cfg->gate_min_severity,
				  s->cfg->gate_max_report_age, s->cfg->gate_grace};
	gate_decide(&pol, &dev, f, gs.n_failing, now, &d);
	gate_reply(out, gs.known ? device : NULL, &d);
}

/* ---- administrative actions (audited; CSRF-checked in api_precheck) ---- */

const struct store_audit_in *api_audit(struct api_audit *a, const struct request *rq,
					      const char *action, const char *target,
					      const char *detail)
{
	snprintf(a->actor, sizeof a->actor, "%s%s", rq->peer->via_session ? "" : "cert:",
		 rq->peer->owner);
	a->in = (struct store_audit_in){a->actor, action, target, detail, rq->peer->remote,
					(int64_t)time(NULL)};
	return &a->in;
}

static void token_create(struct server *s, const struct request *rq, struct reply *out)
{
	long long ttl = s->cfg->token_ttl;
	json_error_t je;
	json_t *body = rq->body_len > 0 ? json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je)
					: json_object();
	json_t *exp = json_object_get(body, "expires");
	struct errbuf e = {{0}};
	if (!json_is_object(body) || (exp != NULL && !json_is_string(exp)) ||
	    (exp != NULL && parse_duration(json_string_value(exp), CONFIG_DURATION_MAX, &ttl, &e) != 0)) {
		json_decref(body);
		reply_error(out, 400, e.msg[0] ? e.msg : "expected {\"expires\": \"24h\"}");
		return;
	}
	json_decref(body);
	char token[TOKEN_LEN + 1], hash[65];
	int64_t now = (int64_t)time(NULL);
	if (token_new(token, hash) != 0) {
		reply_error(out, 500, "no random numbers");
		return;
	}
	char detail[48];
	snprintf(detail, sizeof detail, "expires %lld", (long long)(now + ttl));
	/* The token itself is a secret: the log names it by the start of its hash. */
	char target[17];
	snprintf(target, sizeof target, "%.16s", hash);
	struct api_audit au;
	if (store_token_add_audited(s->store, hash, now, now + ttl,
				    api_audit(&au, rq, "token-create", target, detail), &e) != 0) {
		log_event(LOG_ERROR, "token create failed", "error", e.msg, NULL);
		reply_error(out, 503, "cannot create a token now");
		return;
	}
	reply_json(out, 201, json_pack("{s:s, s:I}", "token", token, "expires", (json_int_t)(now + ttl)));
}

static void device_revoke(struct server *s, const struct request *rq, const char *id,
			  struct reply *out)
{
	struct errbuf e;
	if (!hex32(id)) {
		reply_error(out, 404, "no such device");
		return;
	}
	struct api_audit au;
	int r = store_device_revoke_audited(s->store, id, (int64_t)time(NULL),
					    api_audit(&au, rq, "device-revoke", id, NULL), &e);
	if (r == 0) {
		log_event(LOG_INFO, "device revoked", "device", id, "by", rq->peer->owner, NULL);
		reply_json(out, 200, json_pack("{s:s, s:b}", "device", id, "revoked", 1));
		return;
	}
	store_answer(out, r, NULL, &e, "no such device");
}

static void audit_get(struct server *s, const struct request *rq, struct reply *out)
{
	int limit;
	if (page_limit(rq, &limit, out))
		return;
	long long before = 0;
	const char *b = rq->arg(rq->conn, "before"), *why;
	if (b != NULL && str_to_ll(b, 1, INT64_MAX, &before, &why) != 0) {
		reply_error(out, 400, "before must be an entry number");
		return;
	}
	json_t *o = NULL;
	struct errbuf e;
	int r = store_audit_page(s->store, before, limit, &o, &e);
	store_answer(out, r, o, &e, "no audit log");
}

static void admins_get(struct server *s, struct reply *out)
{
	json_t *o = NULL;
	struct errbuf e;
	int r = store_admin_list(s->store, &o, &e);
	store_answer(out, r, o, &e, "no admins");
}

/* /v1/devices/ID/revoke → ID, or NULL. */
static const char *revoke_target(const char *p, char id[33])
{
	size_t n = strlen(p);
	if (strncmp(p, "/v1/devices/", 12) != 0 || n != 12 + 32 + 7 || strcmp(p + 44, "/revoke") != 0)
		return NULL;
	memcpy(id, p + 12, 32);
	id[32] = '\0';
	return id;
}

/* HEAD is answered as GET (libmicrohttpd leaves the body out). */
static bool is_read(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

static bool is_admin_action(const char *method, const char *p)
{
	char id[33];
	bool get = is_read(method), post = strcmp(method, "POST") == 0;
	return (post && strcmp(p, "/v1/tokens") == 0) || (post && revoke_target(p, id) != NULL) ||
	       (get && strcmp(p, "/v1/audit") == 0) || (get && strcmp(p, "/v1/admins") == 0);
}

static void admin_action(struct server *s, const struct request *rq, struct reply *out)
{
	char id[33];
	const char *p = rq->path;
	out->endpoint = EP_ADMIN;
	if (strcmp(p, "/v1/tokens") == 0)
		token_create(s, rq, out);
	else if (revoke_target(p, id) != NULL)
		device_revoke(s, rq, id, out);
	else if (strcmp(p, "/v1/audit") == 0)
		audit_get(s, rq, out);
	else
		admins_get(s, out);
}

/* /v1/devices (filtered pages) and the other dashboard reads are api_ui.c's. */
static bool is_admin_get(const char *p)
{
	return strcmp(p, "/v1/devices.csv") == 0 || strncmp(p, "/v1/devices/", 12) == 0 ||
	       strncmp(p, "/v1/reports/", 12) == 0 || strcmp(p, "/v1/summary") == 0 ||
	       api_ui_is_admin_get(p);
}

/* A path some method answers: another method on it is a 405, not a 404. */
static bool is_known_path(const char *p)
{
	static const char *const paths[] = {"/v1/reports", "/v1/enroll", "/v1/ca",     "/healthz",
					    "/metrics",	   "/v1/gate",	 "/v1/tokens", "/v1/audit",
					    "/v1/admins",  "/v1/session"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (strcmp(p, paths[i]) == 0)
			return true;
	return is_admin_get(p) || api_ui_is_admin_put(p) || api_ui_is_asset(p);
}

enum endpoint api_endpoint(const char *path)
{
	if (strcmp(path, "/v1/reports") == 0)
		return EP_REPORTS;
	if (strcmp(path, "/v1/enroll") == 0)
		return EP_ENROLL;
	if (strcmp(path, "/v1/ca") == 0)
		return EP_CA;
	if (strcmp(path, "/v1/summary") == 0)
		return EP_SUMMARY;
	if (strcmp(path, "/v1/gate") == 0)
		return EP_GATE;
	if (is_admin_get(path))
		return EP_DEVICES;
	if (strcmp(path, "/metrics") == 0)
		return EP_METRICS;
	if (strcmp(path, "/v1/session") == 0)
		return EP_SESSION;
	if (strcmp(path, "/v1/tokens") == 0 || strcmp(path, "/v1/audit") == 0 ||
	    strcmp(path, "/v1/admins") == 0 || strstr(path, "/revoke") != NULL)
		return EP_ADMIN;
	if (strcmp(path, "/healthz") == 0)
		return EP_HEALTH;
	return EP_OTHER;
}

/* HEAD too: a reverse proxy's auth subrequest reads only the headers, and it can keep its
 * connection to us only when no body follows them (nginx auth_request). */

bool api_precheck(struct server *s, const struct request *rq, struct reply *out, size_t *body_limit)
{
	const char *p = rq->path;
	bool get = is_read(rq->method), post = strcmp(rq->method, "POST") == 0;
	bool put = strcmp(rq->method, "PUT") == 0;
	out->endpoint = api_endpoint(p);
	*body_limit = 0;
	if (strcmp(p, "/v1/session") == 0)
		return session_precheck(rq, out, body_limit);
	if (get && api_ui_is_asset(p))
		return false;
	/* A browser may be made to send a request with its cookie or certificate from another
	 * site: state changes need the same origin, and with a cookie the session's token. */
	if (!csrf_ok(rq, out))
		return true;
	if (put && api_ui_is_admin_put(p)) {
		if (!allowed(rq, PEER_ADMIN, out))
			return true;
		*body_limit = API_UI_MAX_BODY;
		return false;
	}
	if (is_admin_action(rq->method, p)) {
		if (!allowed(rq, PEER_ADMIN, out))
			return true;
		*body_limit = 4096;
		return false;
	}
	if (post && strcmp(p, "/v1/reports") == 0) {
		if (!allowed(rq, PEER_DEVICE, out)) {
			metrics_report_rejected(REJECT_CERT);
			return true;
		}
		*body_limit = (size_t)s->cfg->max_report_bytes;
		return false;
	}
	if (post && strcmp(p, "/v1/enroll") == 0) {
		*body_limit = ENROLL_MAX_BODY;
		return false;
	}
	if (get && is_admin_get(p))
		return !allowed(rq, PEER_ADMIN, out);
	if (get && strcmp(p, "/metrics") == 0)
		return !s->cfg->metrics_public && !allowed(rq, PEER_ADMIN, out);
	if (get && (strcmp(p, "/v1/ca") == 0 || strcmp(p, "/healthz") == 0))
		return false;
	if (is_read(rq->method) && strcmp(p, "/v1/gate") == 0)
		return false;
	api_handle(s, rq, out); /* 404 or 405 */
	return true;
}

void api_handle(struct server *s, const struct request *rq, struct reply *out)
{
	const char *p = rq->path;
	bool get = is_read(rq->method), post = strcmp(rq->method, "POST") == 0;
	bool put = strcmp(rq->method, "PUT") == 0;
	out->endpoint = EP_OTHER;
	if (strcmp(p, "/v1/reports") == 0 && post)
		put_report(s, rq, out);
	else if (strcmp(p, "/v1/enroll") == 0 && post)
		enroll(s, rq, out);
	else if (strcmp(p, "/v1/ca") == 0 && get) {
		out->endpoint = EP_CA;
		reply_text(out, 200, "application/x-pem-file", xstrdup(ca_cert_pem(s->ca)));
	} else if (strcmp(p, "/healthz") == 0 && get) {
		out->endpoint = EP_HEALTH;
		reply_json(out, 200,
			   json_pack("{s:s, s:s}", "status", "ok", "db", store_backend(s->store)));
	} else if (strcmp(p, "/metrics") == 0 && get)
		metrics(s, rq, out);
	else if (strcmp(p, "/v1/gate") == 0 && get)
		gate(s, rq, out);
	else if (strcmp(p, "/v1/session") == 0) {
		out->endpoint = EP_SESSION;
		session_handle(s, rq, out);
	} else if (is_admin_action(rq->method, p))
		admin_action(s, rq, out);
	else if (get && api_ui_is_asset(p))
		api_ui_asset(rq, out);
	else if ((get && api_ui_is_admin_get(p)) || (put && api_ui_is_admin_put(p))) {
		out->endpoint = EP_DEVICES;
		if (allowed(rq, PEER_ADMIN, out))
			api_ui_handle(s, rq, out);
	} else if (get && is_admin_get(p))
		admin_get(s, rq, out);
	else if (is_known_path(p))
		reply_error(out, 405, "method not allowed");
	else
		reply_error(out, 404, "no such resource");
}
