/* SPDX-License-Identifier: Apache-2.0 */
/* The running mamorid: configuration, storage, CA and the HTTPS daemon together. */
#ifndef MAMORI_SERVER_SERVER_H
#define MAMORI_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "server/ca.h"
#include "server/config.h"
#include "server/metrics.h"
#include "server/store.h"

struct MHD_Daemon;

struct server {
	const struct server_config *cfg;
	struct store *store;
	struct ca *ca;
	struct MHD_Daemon *daemon;
	unsigned port; /* the bound port (the configured one may be 0) */
};

/* Who is calling, from the TLS client certificate. */
enum peer_kind { PEER_NONE, PEER_DEVICE, PEER_ADMIN };
struct peer {
	enum peer_kind kind;
	char owner[65];   /* device id or admin name */
	char serial[41];
	char refused[160]; /* why a presented certificate is not accepted, "" when none */
	const char *remote;
	/* An admin signed in to the dashboard (session cookie) rather than by certificate. */
	bool via_session;
	char csrf[65];
	char session[65]; /* the session's SHA-256 */
	bool touch_due;	  /* the session's last activity is to be recorded (session_touch) */
};

struct request {
	const char *method;
	const char *path;
	const char *content_type;
	const char *(*arg)(void *conn, const char *name);    /* query arguments */
	const char *(*header)(void *conn, const char *name); /* request headers */
	const char *(*cookie)(void *conn, const char *name); /* request cookies */
	void *conn;
	const char *body;
	size_t body_len;
	const struct peer *peer;
};

struct reply {
	unsigned status;
	const char *content_type;
	char *body; /* malloc'd */
	size_t len;
	enum endpoint endpoint;
	const char *header_name; /* one extra response header, or NULL */
	char header_value[320];
	char set_cookie[200]; /* a Set-Cookie header, "" for none */
	/* More response headers, names and values static or pointing into the reply (the
	 * dashboard's assets and downloads). A Cache-Control among them replaces no-store. */
	struct {
		const char *name, *value;
	} extra[10];
	size_t n_extra;
	char extra_value[160]; /* storage for one of them (ETag, Content-Disposition) */
};

/* Starts serving HTTPS on cfg->listen (api.c answers); returns once it is listening. */
int server_start(struct server *s, struct errbuf *e);
void server_stop(struct server *s);

/* api.c, before the body is read: true with *out filled when the answer is known already
 * (no such route, wrong method, a certificate that may not call it); otherwise the largest
 * body the route takes (0: none). */
bool api_precheck(struct server *s, const struct request *rq, struct reply *out, size_t *body_limit);
enum endpoint api_endpoint(const char *path);
/* api.c: answers one request (never fails: errors become 4xx/5xx replies). */
void api_handle(struct server *s, const struct request *rq, struct reply *out);
/* Enrollment tokens: 32 base32 characters (160 bits); the database keeps only the SHA-256. */
#define TOKEN_LEN 32
int token_new(char out[TOKEN_LEN + 1], char hash[65]);
void token_hash(const char *token, char out[65]);
/* An API action's audit entry, stored in the action's transaction (api.c). The actor is the
 * signed-in administrator, or "cert:NAME" for an admin certificate: the two are different
 * people. */
struct api_audit {
	char actor[STORE_MAX_ACTOR + 1];
	struct store_audit_in in;
};
const struct store_audit_in *api_audit(struct api_audit *a, const struct request *rq,
				       const char *action, const char *target, const char *detail);
/* A JSON error reply {"error": msg}. */
void reply_error(struct reply *out, unsigned status, const char *msg);
/* A JSON reply; takes o (NULL: 500). */
void reply_json(struct reply *out, unsigned status, json_t *o);

/* session.c: the dashboard's sign-in (docs/dashboard.md). */
#define SESSION_COOKIE "__Host-mamori"
/* A valid session cookie makes an anonymous caller that session's admin. */
void session_identify(struct server *s, const struct request *rq, struct peer *p);
/* Records the session's activity when session_identify found it due: a write, so it is done
 * on the request's worker thread, never on an event thread (a busy database would stall
 * every connection of that thread). */
void session_touch(struct server *s, struct peer *p);
/* State-changing requests: same origin, and the session's CSRF token when signed in by
 * cookie; false with *out filled (403) when refused. */
bool csrf_ok(const struct request *rq, struct reply *out);
/* /v1/session: GET who am I, POST sign in, DELETE sign out. */
bool session_precheck(const struct request *rq, struct reply *out, size_t *body_limit);
void session_handle(struct server *s, const struct request *rq, struct reply *out);

#endif
