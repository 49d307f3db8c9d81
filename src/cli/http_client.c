/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's HTTPS client on libcurl, loaded with dlopen: only the few functions used are
 * resolved, and a scan never loads it. */
#include "cli/http_client.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "core/buf.h"

#define BODY_MAX (1u << 20)
#define CONNECT_TIMEOUT_S 10L

static struct {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
} cu;
static pthread_once_t cu_once = PTHREAD_ONCE_INIT;
static char cu_error[400]; /* empty when libcurl is ready */

/* dlsym returns void *; POSIX guarantees it converts to a function pointer. */
#define RESOLVE(h, field, sym)                                                                     \
	do {                                                                                       \
		void *p_ = dlsym(h, sym);                                                          \
		if (p_ == NULL)                                                                    \
			goto missing;                                                              \
		memcpy(&cu.field, &p_, sizeof(p_));                                                \
	} while (0)

static void load_curl(void)
{
	/* never dlclose'd: the process keeps it, as it would a linked library */
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		goto missing;
	RESOLVE(h, global_init, "curl_global_init");
	RESOLVE(h, easy_init, "curl_easy_init");
	RESOLVE(h, easy_setopt, "curl_easy_setopt");
	RESOLVE(h, easy_perform, "curl_easy_perform");
	RESOLVE(h, easy_getinfo, "curl_easy_getinfo");
	RESOLVE(h, easy_cleanup, "curl_easy_cleanup");
	RESOLVE(h, easy_strerror, "curl_easy_strerror");
	RESOLVE(h, slist_append, "curl_slist_append");
	RESOLVE(h, slist_free_all, "curl_slist_free_all");
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		snprintf(cu_error, sizeof(cu_error), "libcurl failed to initialise");
	return;
missing:;
	const char *why = dlerror();
	snprintf(cu_error, sizeof(cu_error),
		 "libcurl is needed to talk to the server (apt-get install libcurl4): %s",
		 why ? why : "not found");
}

struct http_client {
	CURL *h;
	long timeout_s;
	char errbuf[CURL_ERROR_SIZE];
};

int http_client_new(const struct http_tls *tls, long timeout_s, struct http_client **out,
		    struct errbuf *e)
{
	pthread_once(&cu_once, load_curl);
	if (cu_error[0])
		return err_set(e, MAMORI_EIO, "%s", cu_error);
	if (tls == NULL || (tls->ca_file == NULL && !tls->insecure))
		return err_set(e, MAMORI_EINVAL, "http: no CA to trust");
	if (timeout_s <= 0)
		return err_set(e, MAMORI_EINVAL, "http: the timeout must be positive");
	struct http_client *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	c->timeout_s = timeout_s;
	c->h = cu.easy_init();
	if (c->h == NULL) {
		free(c);
		return err_set(e, MAMORI_ENOMEM, "http: curl_easy_init failed");
	}
	CURLcode r = CURLE_OK;
	/* the options that stay for every request on this handle; curl copies the strings */
#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (r == CURLE_OK)                                                                 \
			r = cu.easy_setopt(c->h, opt, val);                                        \
	} while (0)
	SET(CURLOPT_ERRORBUFFER, c->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	SET(CURLOPT_TIMEOUT, timeout_s);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_USERAGENT, "mamori/" MAMORI_VERSION);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	/* only our CA: no CA directory, and CAINFO replaces the system bundle */
	SET(CURLOPT_CAPATH, (char *)NULL);
	if (tls->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		SET(CURLOPT_CAINFO, tls->ca_file);
		SET(CURLOPT_SSL_VERIFYPEER, 1L);
		SET(CURLOPT_SSL_VERIFYHOST, 2L);
	}
	if (tls->cert_file) {
		SET(CURLOPT_SSLCERT, tls->cert_file);
		SET(CURLOPT_SSLKEY, tls->key_file ? tls->key_file : tls->cert_file);
	}
#undef SET
	/* https only, also after a redirect; older libcurl lacks the option: the URL check in
	 * http_request still holds */
	if (r == CURLE_OK)
		(void)cu.easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, "https");
	if (r != CURLE_OK) {
		int rc = err_set(e, MAMORI_EIO, "http: setting up libcurl failed: %s",
				 cu.easy_strerror(r));
		http_client_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	if (c->h)
		cu.easy_cleanup(c->h);
	free(c);
}

struct sink {
	struct buf b;
	bool too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	if (buf_add(&s->b, p, size * n) != 0) {
		s->too_big = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	return size * n;
}

int http_request(struct http_client *c, const char *url, const char *body, size_t len,
		 struct http_response *out, struct errbuf *e)
{
	*out = (struct http_response){0};
	if (c_strncasecmp(url, "https://", 8) != 0)
		return err_set(e, MAMORI_EINVAL,
			       "%s: the server's address must start with https://", url);
	struct sink s = {.too_big = false};
	buf_init(&s.b, BODY_MAX);
	struct curl_slist *hdr = NULL, *h2;
	int rc = 0;
	if (body) {
		if ((h2 = cu.slist_append(hdr, "Content-Type: application/json")) == NULL)
			goto nomem;
		hdr = h2;
	}
	if ((h2 = cu.slist_append(hdr, "Expect:")) == NULL) /* no 100-continue round trip */
		goto nomem;
	hdr = h2;
	c->errbuf[0] = '\0';
	CURLcode r = cu.easy_setopt(c->h, CURLOPT_URL, url);
	if (r == CURLE_OK)
		r = cu.easy_setopt(c->h, CURLOPT_HTTPHEADER, hdr);
	if (r == CURLE_OK)
		r = cu.easy_setopt(c->h, CURLOPT_WRITEFUNCTION, on_data);
	if (r == CURLE_OK)
		r = cu.easy_setopt(c->h, CURLOPT_WRITEDATA, &s);
	if (r == CURLE_OK && body) {
		r = cu.easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		if (r == CURLE_OK)
			r = cu.easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
	} else if (r == CURLE_OK) {
		r = cu.easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
	}
	if (r == CURLE_OK)
		r = cu.easy_perform(c->h);
	if (r != CURLE_OK) {
		const char *detail = c->errbuf[0] ? c->errbuf : cu.easy_strerror(r);
		if (s.too_big)
			rc = err_set(e, MAMORI_EIO, "%s: the reply is larger than %u bytes", url,
				     BODY_MAX);
		else if (r == CURLE_PEER_FAILED_VERIFICATION)
			rc = err_set(e, MAMORI_EIO,
				     "%s: the server's certificate is not the one the mamori CA "
				     "issued for it: %s",
				     url, detail);
		else if (r == CURLE_SSL_CONNECT_ERROR)
			rc = err_set(e, MAMORI_EIO,
				     "%s: TLS handshake failed (mamori needs TLS 1.2 or newer): %s",
				     url, detail);
		else
			rc = err_set(e, MAMORI_EIO, "%s: %s", url, detail);
		goto out;
	}
	long status = 0;
	if (cu.easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status <= 0) {
		rc = err_set(e, MAMORI_EIO, "%s: no HTTP answer", url);
		goto out;
	}
	out->len = s.b.len;
	out->body = buf_take(&s.b);
	if (out->body == NULL) {
		out->len = 0;
		goto nomem;
	}
	out->status = status;
	goto out;
nomem:
	rc = err_set(e, MAMORI_ENOMEM, "out of memory");
out:
	/* the handle must not point at what is freed here */
	cu.easy_setopt(c->h, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	cu.easy_setopt(c->h, CURLOPT_POSTFIELDS, (char *)NULL);
	cu.slist_free_all(hdr);
	buf_free(&s.b);
	return rc;
}

void http_response_free(struct http_response *r)
{
	if (r == NULL)
		return;
	free(r->body);
	*r = (struct http_response){0};
}
