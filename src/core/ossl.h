/* SPDX-License-Identifier: Apache-2.0 */
/* OpenSSL helpers the agent's keys (cli/keys.c) and the server's CA (server/ca.c) share. */
#ifndef MAMORI_CORE_OSSL_H
#define MAMORI_CORE_OSSL_H

#include <openssl/bio.h>
#include <stddef.h>
#include "core/util.h"

/* OpenSSL's first queued reason into buf, then empties this thread's queue so that the next
 * call starts clean. */
const char *ossl_reason(char *buf, size_t n);
/* err_set with "what (OpenSSL's reason)". */
int ossl_err(struct errbuf *e, int code, const char *what);
/* A pem_password_cb that never prompts: agent and server run unattended. */
int ossl_no_password(char *buf, int size, int rwflag, void *u);
/* A malloc'd NUL-terminated copy of a memory BIO's contents; its length in *len_out if not
 * NULL. NULL when memory runs out. */
char *ossl_bio_string(BIO *b, size_t *len_out);

#endif
