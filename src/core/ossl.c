/* SPDX-License-Identifier: Apache-2.0 */
#include "core/ossl.h"

#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ossl_reason(char *buf, size_t n)
{
	unsigned long code = ERR_get_error();
	if (code == 0)
		snprintf(buf, n, "no reason given");
	else
		ERR_error_string_n(code, buf, n);
	ERR_clear_error();
	return buf;
}

int ossl_err(struct errbuf *e, int code, const char *what)
{
	char reason[256];
	return err_set(e, code, "%s (%s)", what, ossl_reason(reason, sizeof reason));
}

int ossl_no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return -1;
}

char *ossl_bio_string(BIO *b, size_t *len_out)
{
	char *data = NULL;
	long n = BIO_get_mem_data(b, &data);
	if (n < 0 || (n > 0 && data == NULL))
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (s == NULL)
		return NULL;
	if (n > 0)
		memcpy(s, data, (size_t)n);
	s[n] = '\0';
	if (len_out != NULL)
		*len_out = (size_t)n;
	return s;
}
