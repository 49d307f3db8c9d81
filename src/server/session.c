/* SPDX-License-Identifier: Apache-2.0 */
/* Dashboard sign-in: password (Argon2id) and a second factor, sessions in a cookie, CSRF
 * tokens for every state-changing request. docs/admin.md. */
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/auth.h"
#include "server/log.h"
#include "server/server.h"

#define SIGNIN_REFUSAL                                                                             \
	"wrong name, password or code (after 10 failures in a row an account is locked for 30 "    \
	"minutes)"
/* Idle and absolute lifetimes of a session. */
#define SESSION_IDLE (30 * 60)
#define SESSION_MAX (12 * 3600)
/* Activity is written at most this often per session. */
#define SESSION_TOUCH 60
/* Argon2id takes ~19 MiB and tens of milliseconds: at most this many at once, so that a
 * flood of sign-ins cannot exhaust memory. */
#define HASHING_MAX 2

static pthread_mutex_t hashing_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hashing_cv = PTHREAD_COND_INITIALIZER;
static int hashing;

/* For unknown names a real verification against this hash is run, so that the time taken
 * does not tell which names exist. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[AUTH_HASH_MAX];

static void make_dummy(void)
{
	struct errbuf e;
	if (auth_password_hash("mamori: no such administrator", dummy_hash, &e) != 0)
		dummy_hash[0] = '\0';
}

static bool password_matches(const char *encoded, const char *pw)
{
	pthread_mutex_lock(&hashing_mu);
	while (hashing >= HASHING_MAX)
		pthread_cond_wait(&hashing_cv, &hashing_mu);
	hashing++;
	pthread_mutex_unlock(&hashing_mu);
	bool ok = false;
	struct errbuf e;
	if (auth_password_verify(encoded, pw, &ok, &e) != 0) {
		log_event(LOG_ERROR, "password check failed", "error", e.msg, NULL);
		ok = false;
	}
	pthread_mutex_lock(&hashing_mu);
	hashing--;
	pthread_cond_signal(&hashing_cv);
	pthread_mutex_unlock(&hashing_mu);
	return ok;
}

/* Sign-in attempts per client address: a bucket of RATE_BURST that refills one a second, so
 * that one address cannot spend the server's hashing or fill the audit log. A small table:
 * addresses that collide share a bucket, which only errs on the strict side. */
#define RATE_BURST 60
#define RATE_SLOTS 1024
static pthread_mutex_t rate_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char addr[48];
	int64_t last;
	int64_t tokens;
} rate[RATE_SLOTS];

static bool rate_ok(const char *addr, int64_t now)
{
	unsigned h = 2166136261u;
	for (const char *p = addr; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	pthread_mutex_lock(&rate_mu);
	size_t i = h % RATE_SLOTS;
	if (strcmp(rate[i].addr, addr) != 0) {
		snprintf(rate[i].addr, sizeof rate[i].addr, "%s", addr);
		rate[i].last = now;
		rate[i].tokens = RATE_BURST;
	}
	if (now > rate[i].last) {
		int64_t t = rate[i].tokens + (now - rate[i].last);
		rate[i].tokens = t > RATE_BURST ? RATE_BURST : t;
		rate[i].last = now;
	}
	bool ok = rate[i].tokens > 0;
	if (ok)
		rate[i].tokens--;
	pthread_mutex_unlock(&rate_mu);
	return ok;
}

static bool random_hex(char *out, size_t bytes)
{
	unsigned char raw[32];
	if (bytes > sizeof raw || RAND_bytes(raw, (int)bytes) != 1)
		return false;
	hex_encode(raw, bytes, out);
	return true;
}

static bool is_hex64(const char *s)
{
	if (s == NULL || strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!(c_isdigit((unsigned char)s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

void session_identify(struct server *s, const struct request *rq, struct peer *p)
{
	const char *id = rq->cookie ? rq->cookie(rq->conn, SESSION_COOKIE) : NULL;
	if (!is_hex64(id))
		return;
	char sha[65];
	token_hash(id, sha);
	struct store_session ss;
	struct errbuf e;
	int64_t now = (int64_t)time(NULL);
	int r = store_session_get(s->store, sha, now, SESSION_IDLE, SESSION_MAX, &ss, &e);
	if (r != 0) {
		if (r != STORE_NOT_FOUND)
			log_event(LOG_ERROR, "session lookup failed", "error", e.msg, NULL);
		return;
	}
	p->kind = PEER_ADMIN;
	p->via_session = true;
	snprintf(p->owner, sizeof p->owner, "%s", ss.admin);
	snprintf(p->csrf, sizeof p->csrf, "%s", ss.csrf);
	snprintf(p->session, sizeof p->session, "%s", sha);
	p->touch_due = now - ss.last_seen >= SESSION_TOUCH;
}

void session_touch(struct server *s, struct peer *p)
{
	if (!p->touch_due)
		return;
	p->touch_due = false;
	struct errbuf e;
	if (store_session_touch(s->store, p->session, (int64_t)time(NULL), &e) != 0)
		log_event(LOG_WARN, "session touch failed", "error", e.msg, NULL);
}

/* The Origin a browser sends must be this server itself. */
static bool same_origin(const struct request *rq)
{
	const char *origin = rq->header(rq->conn, "Origin");
	const char *site = rq->header(rq->conn, "Sec-Fetch-Site");
	if (site != NULL && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return false;
	if (origin == NULL)
		return true; /* not a browser, or a same-origin GET: the token decides */
	const char *host = rq->header(rq->conn, "Host");
	if (host == NULL || strncmp(origin, "https://", 8) != 0)
		return false;
	return strcmp(origin + 8, host) == 0;
}

bool csrf_ok(const struct request *rq, struct reply *out)
{
	if (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0)
		return true;
	if (!same_origin(rq)) {
		reply_error(out, 403, "cross-site request refused");
		return false;
	}
	if (!rq->peer->via_session)
		return true; /* a client certificate, not a cookie a browser sends by itself */
	const char *token = rq->header(rq->conn, "X-CSRF-Token");
	if (token == NULL || strlen(token) != strlen(rq->peer->csrf) ||
	    CRYPTO_memcmp(token, rq->peer->csrf, strlen(token)) != 0) {
		reply_error(out, 403, "missing or wrong CSRF token (X-CSRF-Token)");
		return false;
	}
	return true;
}

static void set_cookie(struct reply *out, const char *value, int max_age)
{
	/* __Host-: Secure, Path=/ and no Domain, so no other host can set or read it. */
	snprintf(out->set_cookie, sizeof out->set_cookie,
		 SESSION_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=%d", value,
		 max_age);
}

static void session_get(const struct request *rq, struct reply *out)
{
	const struct peer *p = rq->peer;
	if (p->kind != PEER_ADMIN) {
		reply_error(out, 401, "not signed in");
		return;
	}
	reply_json(out, 200,
		   json_pack("{s:s, s:s?, s:s}", "admin", p->owner, "csrf",
			     p->via_session ? p->csrf : NULL, "via",
			     p->via_session ? "session" : "certificate"));
}

static const char *json_str(json_t *o, const char *key, size_t max)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL && strlen(s) <= max ? s : NULL;
}

static void sign_in(struct server *s, const struct request *rq, struct reply *out)
{
	json_error_t je;
	json_t *body = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	const char *name_in = json_str(body, "name", 64);
	const char *pw = json_str(body, "password", AUTH_PASSWORD_MAX);
	const char *code = json_str(body, "code", 64);
	if (!json_is_object(body) || name_in == NULL || pw == NULL || code == NULL ||
	    name_in[0] == '\0') {
		json_decref(body);
		reply_error(out, 400,
			    "expected {\"name\", \"password\", \"code\"} as JSON strings");
		return;
	}
	int64_t now = (int64_t)time(NULL);
	if (!rate_ok(rq->peer->remote != NULL ? rq->peer->remote : "", now)) {
		json_decref(body);
		log_event(LOG_WARN, "sign-in rate limit", "remote", rq->peer->remote, NULL);
		snprintf(out->header_value, sizeof out->header_value, "%d", 1);
		out->header_name = "Retry-After";
		reply_error(out, 429,
			    "too many sign-in attempts from this address: try again later");
		return;
	}
	/* Outlives the body. A name that cannot be an admin's is recorded as "-": what a caller
	 * types must not reach the audit log as anything but a valid name. */
	char name[65];
	snprintf(name, sizeof name, "%s", store_admin_name_ok(name_in) ? name_in : "-");
	struct errbuf e = {{0}};
	struct store_admin a;
	int r = store_admin_get(s->store, name, &a, &e);
	if (r != 0 && r != STORE_NOT_FOUND) {
		json_decref(body);
		log_event(LOG_ERROR, "sign-in: cannot read the admin", "error", e.msg, NULL);
		reply_error(out, 503, "cannot check sign-ins now");
		return;
	}
	struct lockout lk = {a.failed, a.locked_until};
	bool found = r == 0 && !a.disabled;
	bool locked = found && lockout_locked(&lk, now);
	/* Every attempt costs one hash, known name or not, locked or not: the time taken must
	 * not tell which names exist. */
	pthread_once(&dummy_once, make_dummy);
	bool pw_ok =
	    password_matches(found && !locked ? a.pw_hash : dummy_hash, pw) && found && !locked;
	char id[65], sha[65], csrf[65];
	if (!random_hex(id, 32) || !random_hex(csrf, 32)) {
		json_decref(body);
		reply_error(out, 500, "no random numbers");
		return;
	}
	token_hash(id, sha);
	struct store_signin si = {.name = name,
				  .password_ok = pw_ok,
				  .code = code,
				  .session_sha256 = sha,
				  .csrf = csrf,
				  .remote = rq->peer->remote,
				  .now = now};
	r = store_signin(s->store, &si, &e);
	json_decref(body);
	if (r != 0) {
		log_event(LOG_ERROR, "sign-in failed", "error", e.msg, NULL);
		reply_error(out, r == MAMORI_EINVAL ? 400 : 503,
			    r == MAMORI_EINVAL ? e.msg : "cannot sign in now");
		return;
	}
	char until[24];
	snprintf(until, sizeof until, "%lld", (long long)si.locked_until);
	switch (si.outcome) {
	case SIGNIN_OK:
		log_event(LOG_INFO, "signed in", "admin", name, "remote", rq->peer->remote,
			  "factor", si.recovery_used ? "recovery code" : "totp", NULL);
		set_cookie(out, id, SESSION_MAX);
		reply_json(
		    out, 200,
		    json_pack("{s:s, s:s, s:i, s:o}", "admin", name, "csrf", csrf, "idle_timeout",
			      SESSION_IDLE, "recovery_left",
			      si.recovery_used ? json_integer(si.recovery_left) : json_null()));
		return;
	case SIGNIN_LOCKED:
	case SIGNIN_JUST_LOCKED:
		/* The log and the audit log say so; the caller gets the same answer as for any
		 * failure, or the lock would tell which names exist. */
		log_event(LOG_WARN,
			  si.outcome == SIGNIN_JUST_LOCKED ? "admin locked out"
							   : "sign-in refused: locked",
			  "admin", name, "remote", rq->peer->remote, "until", until, NULL);
		break;
	case SIGNIN_REFUSED:
		log_event(LOG_WARN, "sign-in failed", "admin", name, "remote", rq->peer->remote,
			  NULL);
		break;
	}
	reply_error(out, 401, SIGNIN_REFUSAL);
}

static void sign_out(struct server *s, const struct request *rq, struct reply *out)
{
	const struct peer *p = rq->peer;
	if (!p->via_session) {
		reply_error(out, 401, "not signed in with a session");
		return;
	}
	struct store_audit_in a = {p->owner, "signout", p->owner,
				   NULL,     p->remote, (int64_t)time(NULL)};
	struct errbuf e;
	if (store_session_end(s->store, p->session, &a, &e) != 0) {
		log_event(LOG_ERROR, "sign-out failed", "error", e.msg, NULL);
		reply_error(out, 503, "cannot sign out now");
		return;
	}
	set_cookie(out, "", 0);
	out->status = 204;
	out->content_type = "application/json";
	out->body = NULL;
	out->len = 0;
}

bool session_precheck(const struct request *rq, struct reply *out, size_t *body_limit)
{
	*body_limit = 0;
	if (strcmp(rq->method, "GET") == 0)
		return false;
	if (strcmp(rq->method, "POST") == 0) {
		const char *type = rq->header(rq->conn, "Content-Type");
		if (type == NULL || strncmp(type, "application/json", 16) != 0) {
			reply_error(out, 415, "send the sign-in as application/json");
			return true;
		}
		if (!same_origin(rq)) {
			reply_error(out, 403, "cross-site request refused");
			return true;
		}
		*body_limit = 4096;
		return false;
	}
	if (strcmp(rq->method, "DELETE") == 0)
		return !csrf_ok(rq, out);
	reply_error(out, 405, "method not allowed");
	return true;
}

void session_handle(struct server *s, const struct request *rq, struct reply *out)
{
	if (strcmp(rq->method, "GET") == 0)
		session_get(rq, out);
	else if (strcmp(rq->method, "POST") == 0)
		sign_in(s, rq, out);
	else if (strcmp(rq->method, "DELETE") == 0)
		sign_out(s, rq, out);
	else
		reply_error(out, 405, "method not allowed");
}
