/* SPDX-License-Identifier: Apache-2.0 */
/* libmicrohttpd over GnuTLS: TLS 1.2+ only, optional client certificates checked against our
 * CA once per connection, request bodies capped. A few event threads (epoll) serve every
 * connection; a request that may wait on the database (a report's group commit, enrollment,
 * the ledger) runs on a thread of its own while its connection is suspended, so that it
 * holds up no other connection. The gate, /healthz and /v1/ca are answered on the event
 * threads: a thread switch would cost the gate more than its one read. */
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <limits.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/util.h"
#include "server/log.h"
#include "server/server.h"

/* TLS 1.3 and 1.2 with GnuTLS's normal (secure) ciphers; nothing older. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:%SERVER_PRECEDENCE"
#define HEADER_MEMORY (64 * 1024)
#define CSP                                                                                        \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "        \
	"base-uri 'none'"
/* How much of an oversized body is read and dropped so that its client sees the 413. */
#define DISCARD_MAX ((size_t)8 << 20)

/* Per connection: the client certificate is verified once, at its first request. */
struct conn_state {
	int checked;
	struct peer peer;
};

struct pending {
	struct buf body;
	size_t limit;     /* the route's largest body */
	size_t discarded; /* bytes past the cap, or of a refused request, read and dropped */
	struct reply early; /* the answer known from the headers alone, sent after the body */
	bool has_early;
	bool answered;
	bool not_queued; /* set by a request's own thread: its reply could not be queued */
	struct peer peer;
	char remote[INET6_ADDRSTRLEN];
	struct timespec t0;
};

static void describe_status(unsigned status, char *out, size_t len)
{
	if (status & GNUTLS_CERT_EXPIRED)
		snprintf(out, len, "the client certificate has expired");
	else if (status & GNUTLS_CERT_NOT_ACTIVATED)
		snprintf(out, len, "the client certificate is not valid yet");
	else if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
		snprintf(out, len, "the client certificate was not issued by this server's CA");
	else if (status & GNUTLS_CERT_PURPOSE_MISMATCH)
		snprintf(out, len, "the certificate is not a client certificate");
	else
		snprintf(out, len, "the client certificate is not valid (GnuTLS status 0x%x)", status);
}

/* Fills p->serial for a certificate that chains to our CA, is in its validity period and is
 * meant for client authentication; otherwise p->refused says why. */
static void check_peer(struct MHD_Connection *c, struct peer *p)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return;
	gnutls_session_t tls = (gnutls_session_t)ci->tls_session;
	unsigned n = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(tls, &n);
	if (certs == NULL || n == 0)
		return; /* no certificate: fine for the public endpoints */
	gnutls_typed_vdata_st purpose = {.type = GNUTLS_DT_KEY_PURPOSE_OID,
					 .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT};
	unsigned status = 0;
	int r = gnutls_certificate_verify_peers(tls, &purpose, 1, &status);
	if (r < 0) {
		snprintf(p->refused, sizeof p->refused, "cannot verify the client certificate: %s",
			 gnutls_strerror(r));
		return;
	}
	if (status != 0) {
		describe_status(status, p->refused, sizeof p->refused);
		return;
	}
	gnutls_x509_crt_t crt;
	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	unsigned char serial[32];
	size_t slen = sizeof serial;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0 ||
	    gnutls_x509_crt_get_serial(crt, serial, &slen) < 0)
		snprintf(p->refused, sizeof p->refused, "cannot read the client certificate");
	else
		serial_to_hex(serial, slen, p->serial);
	gnutls_x509_crt_deinit(crt);
}

/* The certificate's owner and revocation come from the database on every request, so that a
 * revocation takes effect at once, on every instance. */
static void identify(struct server *s, struct conn_state *cs, struct peer *out)
{
	*out = cs->peer;
	if (out->serial[0] == '\0')
		return;
	struct store_cert cert;
	struct errbuf e;
	int r = store_cert_lookup(s->store, out->serial, &cert, &e);
	if (r == STORE_NOT_FOUND) {
		snprintf(out->refused, sizeof out->refused, "the client certificate is not known to this server");
	} else if (r != 0) {
		snprintf(out->refused, sizeof out->refused, "cannot check the certificate now");
		log_event(LOG_ERROR, "certificate lookup failed", "serial", out->serial, "error", e.msg, NULL);
	} else if (cert.revoked) {
		snprintf(out->refused, sizeof out->refused, "the client certificate has been revoked");
	} else if (cert.not_after < (int64_t)time(NULL)) {
		/* A kept-alive connection outlives the handshake's check. */
		snprintf(out->refused, sizeof out->refused, "the client certificate has expired");
	} else {
		out->kind = cert.kind == STORE_CERT_ADMIN ? PEER_ADMIN : PEER_DEVICE;
		snprintf(out->owner, sizeof out->owner, "%s", cert.owner);
	}
}

static const char *query_arg(void *conn, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)conn, MHD_GET_ARGUMENT_KIND, name);
}

static const char *header_value(void *conn, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)conn, MHD_HEADER_KIND, name);
}

static const char *cookie_value(void *conn, const char *name)
{
	return MHD_lookup_connection_value((struct MHD_Connection *)conn, MHD_COOKIE_KIND, name);
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct reply *rp)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		rp->len, rp->body ? rp->body : (char *)"", rp->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(rp->body);
		return MHD_NO;
	}
	rp->body = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				rp->content_type ? rp->content_type : "application/json");
	bool cache = false;
	for (size_t i = 0; i < rp->n_extra && i < sizeof rp->extra / sizeof rp->extra[0]; i++) {
		MHD_add_response_header(resp, rp->extra[i].name, rp->extra[i].value);
		cache = cache || c_strcasecmp(rp->extra[i].name, "Cache-Control") == 0;
	}
	if (!cache)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	/* The dashboard's pages and the API alike: nothing inline, nothing from elsewhere, never
	 * framed, HTTPS only. */
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(resp, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
	MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if (rp->header_name)
		MHD_add_response_header(resp, rp->header_name, rp->header_value);
	if (rp->set_cookie[0] != '\0')
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, rp->set_cookie);
	enum MHD_Result r = MHD_queue_response(c, rp->status, resp);
	MHD_destroy_response(resp);
	return r;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void remote_address(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (ci == NULL || ci->client_addr == NULL)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)len);
}

static enum MHD_Result too_large(struct MHD_Connection *c, struct pending *pd, const char *path)
{
	struct reply rp = {0};
	char msg[96];
	snprintf(msg, sizeof msg, "the request body is larger than %zu bytes", pd->limit);
	reply_error(&rp, MHD_HTTP_CONTENT_TOO_LARGE, msg);
	rp.endpoint = api_endpoint(path);
	if (rp.endpoint == EP_REPORTS)
		metrics_report_rejected(REJECT_TOO_LARGE);
	metrics_request(rp.endpoint, seconds_since(&pd->t0));
	pd->answered = true;
	/* Queued before the body is read: libmicrohttpd sends it and closes the connection, so
	 * the rest is never read. */
	return send_reply(c, &rp);
}

/* ---- requests on threads of their own ---- */

/* Workers are kept for a while once started: a thread that served a report before keeps its
 * malloc caches warm for the next one. One daemon per process: server_stop waits for the
 * running requests before it stops the daemon (stopping it with a connection suspended is
 * undefined), and none start once it waits. */
#define WORKER_IDLE_SECONDS 60
static pthread_mutex_t jobs_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_cv = PTHREAD_COND_INITIALIZER; /* a request finished */
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER; /* a request is queued */
static unsigned jobs_running, jobs_queued, workers_idle;
static bool jobs_stopping;
static struct job *queue_head, *queue_tail;

/* A query argument, header or cookie, copied for the worker. */
struct job_value {
	enum MHD_ValueKind kind;
	char *key, *value;
};

/* What the request's thread needs, copied: it does not touch the suspended connection until
 * it queues the reply. */
struct job {
	struct server *s;
	struct MHD_Connection *c;
	struct pending *pd;
	char *method, *path, *content_type;
	struct job_value *values; /* every one the request has (MHD caps the header block) */
	size_t n_values, cap_values;
	bool copy_failed;
	struct job *next;
};

static void job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->method);
	free(j->path);
	free(j->content_type);
	for (size_t i = 0; i < j->n_values; i++) {
		free(j->values[i].key);
		free(j->values[i].value);
	}
	free(j->values);
	free(j);
}

static enum MHD_Result job_keep_value(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct job *j = cls;
	char *k = j->n_values < j->cap_values ? xstrdup(key) : NULL;
	char *v = k && value ? xstrdup(value) : NULL;
	if (k == NULL || (value && v == NULL)) {
		free(k);
		free(v);
		j->copy_failed = true;
		return MHD_NO;
	}
	j->values[j->n_values++] = (struct job_value){kind, k, v};
	return MHD_YES;
}

/* As MHD_lookup_connection_value does it: the first of that kind whose name matches without
 * regard to case. */
static const char *job_value(const struct job *j, enum MHD_ValueKind kind, const char *name)
{
	for (size_t i = 0; i < j->n_values; i++)
		if (j->values[i].kind == kind && c_strcasecmp(j->values[i].key, name) == 0)
			return j->values[i].value;
	return NULL;
}

static const char *job_arg(void *conn, const char *name)
{
	return job_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

static const char *job_header(void *conn, const char *name)
{
	return job_value(conn, MHD_HEADER_KIND, name);
}

static const char *job_cookie(void *conn, const char *name)
{
	return job_value(conn, MHD_COOKIE_KIND, name);
}

static struct job *job_new(struct server *s, struct MHD_Connection *c, struct pending *pd,
			   const char *method, const char *url)
{
	struct job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return NULL;
	const char *ct =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	*j = (struct job){.s = s,
			  .c = c,
			  .pd = pd,
			  .method = xstrdup(method),
			  .path = xstrdup(url),
			  .content_type = ct ? xstrdup(ct) : NULL};
	/* All of them or none: a value left out could change what the handler decides. */
	const enum MHD_ValueKind kinds = MHD_GET_ARGUMENT_KIND | MHD_HEADER_KIND | MHD_COOKIE_KIND;
	int n = MHD_get_connection_values(c, kinds, NULL, NULL);
	j->cap_values = n > 0 ? (size_t)n : 0;
	j->values = j->cap_values ? calloc(j->cap_values, sizeof *j->values) : NULL;
	if (j->cap_values && j->values == NULL)
		j->copy_failed = true;
	else
		MHD_get_connection_values(c, kinds, job_keep_value, j);
	if (j->copy_failed || j->method == NULL || j->path == NULL ||
	    (ct && j->content_type == NULL)) {
		job_free(j);
		return NULL;
	}
	return j;
}

static void job_run(struct job *j)
{
	struct pending *pd = j->pd;
	struct MHD_Connection *c = j->c;
	struct reply rp = {0};
	struct request rq = {.method = j->method,
			     .path = j->path,
			     .content_type = j->content_type,
			     .arg = job_arg,
			     .header = job_header,
			     .cookie = job_cookie,
			     .conn = j,
			     .body = pd->body.data ? pd->body.data : "",
			     .body_len = pd->body.len,
			     .peer = &pd->peer};
	session_touch(j->s, &pd->peer);
	api_handle(j->s, &rq, &rp);
	metrics_request(rp.endpoint, seconds_since(&pd->t0));
	/* A suspended connection may be given its reply at any time; it goes out on resume. */
	pd->not_queued = send_reply(c, &rp) != MHD_YES;
	job_free(j);
	MHD_resume_connection(c); /* the last touch: pd may be gone as soon as it returns */
	pthread_mutex_lock(&jobs_mu);
	jobs_running--;
	pthread_cond_broadcast(&jobs_cv);
	pthread_mutex_unlock(&jobs_mu);
}

/* Under jobs_mu. */
static struct job *job_pop(void)
{
	struct job *j = queue_head;
	if (j) {
		queue_head = j->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		jobs_queued--;
	}
	return j;
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&jobs_mu);
	for (;;) {
		bool timed_out = false;
		while (queue_head == NULL && !jobs_stopping && !timed_out) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += WORKER_IDLE_SECONDS;
			workers_idle++;
			timed_out = pthread_cond_timedwait(&work_cv, &jobs_mu, &until) != 0;
			workers_idle--;
		}
		struct job *j = job_pop();
		if (j == NULL)
			break; /* stopping, or idle for long enough */
		pthread_mutex_unlock(&jobs_mu);
		job_run(j);
		pthread_mutex_lock(&jobs_mu);
	}
	pthread_mutex_unlock(&jobs_mu);
	return NULL;
}

static bool start_worker(void)
{
	pthread_attr_t at;
	pthread_t t;
	if (pthread_attr_init(&at) != 0)
		return false;
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	bool ok = pthread_create(&t, &at, worker, NULL) == 0;
	pthread_attr_destroy(&at);
	return ok;
}

/* Whether the route may wait on the database for longer than a read. */
static bool runs_apart(const char *url)
{
	return strcmp(url, "/v1/gate") != 0 && strcmp(url, "/healthz") != 0 &&
	       strcmp(url, "/v1/ca") != 0;
}

/* Hands the request to a worker; false when it is to be answered here. */
static bool run_apart(struct server *s, struct MHD_Connection *c, struct pending *pd,
		      const char *method, const char *url)
{
	if (!runs_apart(url))
		return false;
	struct job *j = job_new(s, c, pd, method, url);
	if (j == NULL)
		return false;
	pthread_mutex_lock(&jobs_mu);
	bool go = !jobs_stopping;
	if (go)
		jobs_running++;
	pthread_mutex_unlock(&jobs_mu);
	if (!go) {
		job_free(j);
		return false;
	}
	MHD_suspend_connection(c); /* before a worker can see it, so that its resume comes after */
	pthread_mutex_lock(&jobs_mu);
	if (queue_tail)
		queue_tail->next = j;
	else
		queue_head = j;
	queue_tail = j;
	jobs_queued++;
	bool more = jobs_queued > workers_idle;
	if (!more)
		pthread_cond_signal(&work_cv);
	pthread_mutex_unlock(&jobs_mu);
	if (more && !start_worker()) {
		/* No thread to be had: the oldest queued request is answered here, as before. */
		pthread_mutex_lock(&jobs_mu);
		struct job *first = job_pop();
		pthread_mutex_unlock(&jobs_mu);
		if (first)
			job_run(first);
	}
	return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **req_cls)
{
	(void)version;
	struct server *s = cls;
	struct pending *pd = *req_cls;
	if (pd == NULL) {
		/* Headers are in: who is calling, and may they use this route? Both are settled
		 * before any of the body is read or kept. */
		pd = calloc(1, sizeof *pd);
		if (pd == NULL)
			return MHD_NO;
		clock_gettime(CLOCK_MONOTONIC, &pd->t0);
		*req_cls = pd;
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		struct conn_state *cs = ci ? ci->socket_context : NULL;
		remote_address(c, pd->remote, sizeof pd->remote);
		if (cs) {
			if (!cs->checked) {
				check_peer(c, &cs->peer);
				cs->checked = 1;
			}
			identify(s, cs, &pd->peer);
		}
		pd->peer.remote = pd->remote;
		struct request rq = {.method = method, .path = url, .arg = query_arg, .header = header_value,
				     .cookie = cookie_value, .conn = c, .body = "", .body_len = 0,
				     .peer = &pd->peer};
		if (pd->peer.kind == PEER_NONE && pd->peer.refused[0] == '\0')
			session_identify(s, &rq, &pd->peer);
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		long long n = 0;
		const char *why;
		bool cl_bad = cl && str_to_ll(cl, 0, LLONG_MAX, &n, &why) != 0;
		if (api_precheck(s, &rq, &pd->early, &pd->limit)) {
			/* Refused from the headers alone. Answering now, while the client is still
			 * sending, would leave most clients with a broken pipe instead of the reason:
			 * a body of reasonable size is read and dropped first, a huge one is not. */
			if (cl_bad || (unsigned long long)n > DISCARD_MAX) {
				pd->answered = true;
				metrics_request(pd->early.endpoint, seconds_since(&pd->t0));
				return send_reply(c, &pd->early);
			}
			pd->has_early = true;
			pd->limit = 0;
			return MHD_YES;
		}
		buf_init(&pd->body, pd->limit);
		if (cl_bad || (unsigned long long)n > pd->limit + DISCARD_MAX)
			return too_large(c, pd, url);
		return MHD_YES;
	}
	if (*upload_size > 0) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (pd->answered)
			return MHD_YES;
		if (!pd->has_early && pd->discarded == 0 && n <= pd->limit - pd->body.len &&
		    buf_add(&pd->body, upload, n) == 0)
			return MHD_YES;
		/* Past the cap (chunked, or longer than announced). libmicrohttpd cannot answer in
		 * the middle of a body, and closing at once leaves most clients without the 413:
		 * drop the rest up to DISCARD_MAX so that it can be answered, then hang up. */
		buf_free(&pd->body);
		pd->discarded += n;
		return pd->discarded > DISCARD_MAX ? MHD_NO : MHD_YES;
	}
	if (pd->answered)
		return pd->not_queued ? MHD_NO : MHD_YES;
	if (pd->has_early) {
		pd->answered = true;
		metrics_request(pd->early.endpoint, seconds_since(&pd->t0));
		return send_reply(c, &pd->early);
	}
	if (pd->discarded > 0)
		return too_large(c, pd, url);
	pd->answered = true;
	if (run_apart(s, c, pd, method, url))
		return MHD_YES;
	struct reply rp = {0};
	struct request rq = {
		.method = method,
		.path = url,
		.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
		.arg = query_arg,
		.header = header_value,
		.cookie = cookie_value,
		.conn = c,
		.body = pd->body.data ? pd->body.data : "",
		.body_len = pd->body.len,
		.peer = &pd->peer,
	};
	api_handle(s, &rq, &rp);
	metrics_request(rp.endpoint, seconds_since(&pd->t0));
	return send_reply(c, &rp);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls, (void)c, (void)toe;
	struct pending *pd = *req_cls;
	if (pd == NULL)
		return;
	buf_free(&pd->body);
	free(pd->early.body); /* NULL once send_reply has handed it over */
	free(pd);
	*req_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	(void)cls, (void)c;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = calloc(1, sizeof(struct conn_state));
	} else {
		free(*socket_context);
		*socket_context = NULL;
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	size_t n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	log_event(LOG_DEBUG, "http", "detail", msg, NULL);
}

/* "ADDR:PORT", "[ADDR]:PORT" or ":PORT" (all IPv4 addresses). */
static int parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *sslen, struct errbuf *e)
{
	char host[128];
	const char *port;
	memset(ss, 0, sizeof *ss);
	if (spec[0] == '[') {
		const char *end = strchr(spec, ']');
		if (end == NULL || end[1] != ':' || (size_t)(end - spec - 1) >= sizeof host)
			goto bad;
		memcpy(host, spec + 1, (size_t)(end - spec - 1));
		host[end - spec - 1] = '\0';
		port = end + 2;
	} else {
		const char *colon = strrchr(spec, ':');
		if (colon == NULL || (size_t)(colon - spec) >= sizeof host)
			goto bad;
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		port = colon + 1;
	}
	long long p;
	const char *why;
	if (str_to_ll(port, 0, 65535, &p, &why) != 0)
		goto bad;
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (host[0] == '\0' || inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		*sslen = sizeof *v4;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		*sslen = sizeof *v6;
		return 0;
	}
bad:
	return err_set(e, MAMORI_EINVAL, "listen \"%s\": expected ADDRESS:PORT, e.g. 0.0.0.0:8443 or [::]:8443", spec);
}

int server_start(struct server *s, struct errbuf *e)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int r = parse_listen(s->cfg->listen, &ss, &sslen, e);
	if (r)
		return r;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TLS |
			 MHD_USE_ERROR_LOG;
	/* Two event threads per core: one may wait on a read while the other serves. */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cpus < 1 ? 2 : cpus > 8 ? 16 : (unsigned)cpus * 2;
	pthread_mutex_lock(&jobs_mu);
	jobs_stopping = false;
	pthread_mutex_unlock(&jobs_mu);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_HTTPS_MEM_KEY, ca_server_key_pem(s->ca), MHD_OPTION_HTTPS_MEM_CERT,
		ca_server_cert_pem(s->ca), MHD_OPTION_HTTPS_MEM_TRUST, ca_cert_pem(s->ca),
		MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)s->cfg->max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)s->cfg->max_connections_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)s->cfg->idle_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEADER_MEMORY,
		MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)s, MHD_OPTION_NOTIFY_CONNECTION,
		on_connection, (void *)s, MHD_OPTION_END);
	if (s->daemon == NULL)
		return err_set(e, MAMORI_EIO, "cannot serve HTTPS on %s (address in use, or a bad certificate or key)",
			       s->cfg->listen);
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	return 0;
}

void server_stop(struct server *s)
{
	/* Requests on their own threads finish (a report is committed and answered) first. */
	pthread_mutex_lock(&jobs_mu);
	jobs_stopping = true;
	pthread_cond_broadcast(&work_cv); /* idle workers exit */
	while (jobs_running > 0)
		pthread_cond_wait(&jobs_cv, &jobs_mu);
	pthread_mutex_unlock(&jobs_mu);
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
}
