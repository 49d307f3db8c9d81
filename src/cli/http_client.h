/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's HTTPS client: libcurl, loaded with dlopen on first use (linked, libcurl and its
 * ~20 libraries would add ~5 MiB to every scan). */
#ifndef MAMORI_CLI_HTTP_CLIENT_H
#define MAMORI_CLI_HTTP_CLIENT_H

#include <stddef.h>
#include "core/util.h"

struct http_tls {
	const char *ca_file;   /* trust only this CA; NULL with insecure = fetch without checks */
	const char *cert_file; /* client certificate, may be NULL */
	const char *key_file;
	int insecure;          /* only for fetching /v1/ca before its fingerprint is checked */
};

struct http_response {
	long status;  /* 0 when no HTTP answer came (connection, TLS or timeout) */
	char *body;   /* malloc'd, NUL-terminated; capped at 1 MiB */
	size_t len;
};

struct http_client;
/* timeout_s: whole-request timeout. Errors name the URL and libcurl's reason. */
int http_client_new(const struct http_tls *tls, long timeout_s, struct http_client **out,
		    struct errbuf *e);
void http_client_free(struct http_client *c);
/* GET or POST (body != NULL, content type application/json). Keeps the connection for the
 * next request. A transport failure returns MAMORI_EIO with status 0; any HTTP answer
 * returns MAMORI_OK with its status. */
int http_request(struct http_client *c, const char *url, const char *body, size_t len,
		 struct http_response *out, struct errbuf *e);
void http_response_free(struct http_response *r);

#endif
