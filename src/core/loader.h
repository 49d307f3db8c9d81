/* SPDX-License-Identifier: Apache-2.0 */
/* Shared pieces of the catalog's YAML loaders (checks, params, controls, profiles): every
 * error names the file, the line and the record being read. Internal to src/core. */
#ifndef MAMORI_LOADER_H
#define MAMORI_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "core/catalog.h"
#include "core/yamlx.h"

/* Loader state for one file. */
struct ld {
	yaml_document_t *doc;
	const char *file;
	const char *kind; /* "check", "control", ... for messages; NULL: "check" */
	const char *id;	  /* record being read, for messages */
	struct errbuf *e;
};

int ld_err(struct ld *l, const yaml_node_t *n, const char *msg, const char *arg);
int ld_oom(struct ld *l);
/* A non-empty scalar under key; absent is an error only when required. */
int ld_str(struct ld *l, const yaml_node_t *map, const char *key, bool required, char **out);
/* {en: ..., ja: ...}, both required; Japanese folded text loses the joining spaces. */
int ld_text(struct ld *l, const yaml_node_t *map, const char *key, struct text *t);
int ld_text_node(struct ld *l, const yaml_node_t *n, const char *what, struct text *t);
/* A list of non-empty scalars, NULL-terminated. */
int ld_strv(struct ld *l, const yaml_node_t *n, const char *what, char ***out, size_t *nout);
int ld_int(struct ld *l, const yaml_node_t *map, const char *key, bool required, long long min,
	   long long max, long long *out);
void ja_unfold(char *s);
bool in_list(const char *s, const char *const *list);
void text_free(struct text *t);

#endif
