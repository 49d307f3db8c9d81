/* SPDX-License-Identifier: Apache-2.0 */
/* The tls family's pure parsers: OpenSSL's configuration file format and protocol names. */
#ifndef MAMORI_LINUX_TLS_H
#define MAMORI_LINUX_TLS_H

#include <stddef.h>

#define OSSL_CONF_MAX_LINE 16384 /* a logical line, continuations joined */
#define OSSL_SECTION_MAX 256	 /* bytes of the section buffer, NUL included */

/* Calls fn for each "name = value" with its section, the name
 * and the value with quotes, escapes and trailing comments handled as OpenSSL does, and the
 * line where it starts. Directives come through fn too: ".include" (value: the path, with or
 * without '='), ".pragma". Returns 0, fn's non-zero value or MAMORI_EPARSE with *bad_line (a
 * section header without ']', a line without '=', an unterminated quote, an overlong line). */
typedef int (*ossl_conf_fn)(const char *section, const char *name, const char *value, int line,
			    void *ud);
/* section (OSSL_SECTION_MAX bytes) holds the current section: "default" at the start of the
 * main file, the includer's section at the start of an included file (OpenSSL reads an
 * included file as if it stood at the .include line). The parser updates it at each header,
 * and fn may change it (after reading an included file that ends in another section). */
int ossl_conf_parse(const char *buf, size_t len, char *section, ossl_conf_fn fn, void *ud,
		    int *bad_line);

/* Ranks a MinProtocol value: "None" 0, "SSLv3" 3, "TLSv1" 10, "TLSv1.1" 11, "TLSv1.2" 12,
 * "TLSv1.3" 13 (case-insensitive, as SSL_CONF_cmd compares); DTLS names give -2 (they do not
 * apply to TLS); anything else -1. */
int tls_protocol_rank(const char *name);
/* The security level named in a CipherString ("DEFAULT:@SECLEVEL=2"): the last @SECLEVEL=N,
 * or -1 when there is none (or it is not a number 0-5). */
int tls_cipher_seclevel(const char *cipherstring);

#endif
