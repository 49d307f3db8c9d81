/* SPDX-License-Identifier: Apache-2.0 */
/* Parses and evaluates arbitrary expressions against a small fact set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *src = malloc(size + 1);
	if (src == NULL)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	struct expr *x;
	int col;
	struct errbuf e;
	if (expr_parse(src, &x, &col, &e) == 0) {
		struct facts *f = facts_new();
		facts_put_bool(f, "a.b", true, NULL, 0, NULL);
		facts_put_int(f, "a.n", 5, NULL, 0, NULL);
		facts_put(f, "a.l", json_pack("[{s:s, s:i}, {s:n}, i]", "k", "v", "n", 3, "k", 7), NULL, 0,
			  NULL);
		facts_put_unknown(f, "a.u", "x", 1, "not readable");
		json_t *params = json_pack("{s:i, s:[s,s]}", "p", 12, "q", "x", "y");
		struct expr_env env = {f, params};
		struct expr_result res;
		if (expr_eval(x, &env, &res) == 0)
			expr_result_free(&res);
		json_decref(params);
		facts_free(f);
		expr_free(x);
	}
	free(src);
	return 0;
}
