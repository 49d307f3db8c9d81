/* SPDX-License-Identifier: Apache-2.0 */
/* Thin helpers over libyaml's document API that keep line numbers for error messages. */
#ifndef MAMORI_YAMLX_H
#define MAMORI_YAMLX_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "core/util.h"

#define YAMLX_MAX_INPUT (8u << 20)

/* Parses buf into doc. name is used in messages ("catalog/checks/ssh.yaml:12: ..."). */
int yamlx_load(yaml_document_t *doc, const char *name, const char *buf, size_t len,
	       struct errbuf *e);

static inline int yamlx_line(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 0;
}

yaml_node_t *yamlx_root(yaml_document_t *doc);
/* Value of key in a mapping node, or NULL. */
yaml_node_t *yamlx_get(yaml_document_t *doc, const yaml_node_t *map, const char *key);
/* The scalar's text if n is a scalar, else NULL. */
const char *yamlx_str(const yaml_node_t *n);
bool yamlx_is_map(const yaml_node_t *n);
bool yamlx_is_seq(const yaml_node_t *n);
size_t yamlx_seq_len(const yaml_node_t *n);
yaml_node_t *yamlx_seq_at(yaml_document_t *doc, const yaml_node_t *n, size_t i);
/* Checks that every key of map is in the NULL-terminated allowed list. */
int yamlx_only_keys(yaml_document_t *doc, const yaml_node_t *map, const char *const *allowed,
		    const char *file, const char *what, struct errbuf *e);
/* Converts a node to JSON: plain scalars that look like integers, true/false and null get
 * those types; quoted scalars stay strings. Returns NULL on failure with e set. */
json_t *yamlx_to_json(yaml_document_t *doc, const yaml_node_t *n, const char *file,
		      struct errbuf *e);

#endif
