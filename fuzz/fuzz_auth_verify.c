/* SPDX-License-Identifier: Apache-2.0 */
/* Feeds arbitrary bytes to auth_password_verify as a stored hash (a row an attacker with the
 * database could write): "ENCODED\nPASSWORD", or all of it as ENCODED. The caps must hold,
 * every refusal must say why, and hashing stays cheap: the production entry point is only
 * called on inputs whose costs are tiny or that it must refuse before hashing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"

static const struct auth_argon2_params prod = {AUTH_ARGON2_M_CAP, AUTH_ARGON2_T_CAP,
					       AUTH_ARGON2_P_CAP};
static const struct auth_argon2_params tiny = {64, 2, 2};

static bool within(const struct auth_argon2_params *p, const struct auth_argon2_params *caps)
{
	return p->m_kib >= 1 && p->m_kib <= caps->m_kib && p->t >= 1 && p->t <= caps->t &&
	       p->p >= 1 && p->p <= caps->p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	const char *pw = "correct horse battery staple";
	char *nl = memchr(buf, '\n', size);
	if (nl != NULL) {
		*nl = '\0';
		pw = nl + 1;
	}
	struct errbuf e;
	struct auth_argon2_params p = {0, 0, 0};
	e.msg[0] = '\0';
	int prc = auth_hash_params(buf, &prod, &p, &e);
	if (prc == 0 ? !within(&p, &prod) : e.msg[0] == '\0')
		abort();

	bool ok = true;
	e.msg[0] = '\0';
	int rc = auth_password_verify_caps(buf, pw, &tiny, &ok, &e);
	if (rc != 0 && (ok || e.msg[0] == '\0'))
		abort();
	if (rc == 0) {
		/* it hashed, so the costs were within the tiny caps */
		struct auth_argon2_params q = {0, 0, 0};
		if (auth_hash_params(buf, &tiny, &q, &e) != 0 || !within(&q, &tiny))
			abort();
	}
	/* The production caps: refused before hashing, or as cheap as above and the same answer. */
	if (prc != 0 || within(&p, &tiny)) {
		bool ok2 = true;
		int rc2 = auth_password_verify(buf, pw, &ok2, &e);
		if (prc != 0 && (rc2 != prc || ok2))
			abort();
		if (prc == 0 && (rc2 != rc || ok2 != ok))
			abort();
	}
	free(buf);
	return 0;
}
