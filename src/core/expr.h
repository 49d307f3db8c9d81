/* SPDX-License-Identifier: Apache-2.0 */
/* The check expression language: parse once, evaluate per device. Grammar and semantics:
 * docs/expressions.md. */
#ifndef MAMORI_EXPR_H
#define MAMORI_EXPR_H

#include <jansson.h>
#include <stddef.h>

#include "core/facts.h"
#include "core/util.h"

#define EXPR_MAX_LEN 4096
#define EXPR_MAX_DEPTH 64

struct expr;

/* Parses src. On error returns MAMORI_EPARSE, sets *col (1-based) and a message in e;
 * *out is untouched. */
int expr_parse(const char *src, struct expr **out, int *col, struct errbuf *e);
void expr_free(struct expr *x);

/* The dotted fact paths and the $parameters the expression names, in order of appearance,
 * without duplicates. Arrays of borrowed strings, valid while x lives; caller frees arrays. */
int expr_names(const struct expr *x, const char ***paths, size_t *npaths, const char ***params,
	       size_t *nparams);

enum truth { T_FALSE = 0, T_TRUE = 1, T_UNKNOWN = -1 };

struct expr_env {
	const struct facts *facts;
	const json_t *params; /* object: name -> value */
};

/* What an evaluation found out besides its verdict. */
struct expr_result {
	enum truth truth;
	const char **facts_read; /* names of the facts consulted (borrowed from env->facts) */
	size_t nread;
	char *error;   /* a type error or a missing parameter, NULL if none */
	int error_col; /* its column */
};

/* Evaluates x as a condition. Non-boolean results are a type error (truth unknown).
 * Returns 0, or MAMORI_ENOMEM. res must be freed with expr_result_free. */
int expr_eval(const struct expr *x, const struct expr_env *env, struct expr_result *res);
void expr_result_free(struct expr_result *res);

#endif
