/* SPDX-License-Identifier: Apache-2.0 */
#include "core/yamlx.h"

#include <string.h>

int yamlx_load(yaml_document_t *doc, const char *name, const char *buf, size_t len,
	       struct errbuf *e)
{
	if (len > YAMLX_MAX_INPUT)
		return err_set(e, MAMORI_ETOOBIG, "%s: larger than %u bytes", name,
			       YAMLX_MAX_INPUT);
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return err_set(e, MAMORI_ENOMEM, "%s: out of memory", name);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	int r = 0;
	if (!yaml_parser_load(&p, doc)) {
		r = err_set(e, MAMORI_EPARSE, "%s:%zu:%zu: %s%s%s", name,
			    (size_t)p.problem_mark.line + 1, (size_t)p.problem_mark.column + 1,
			    p.problem ? p.problem : "malformed YAML", p.context ? " " : "",
			    p.context ? p.context : "");
	} else if (yaml_document_get_root_node(doc) == NULL) {
		yaml_document_delete(doc);
		r = err_set(e, MAMORI_EPARSE, "%s: empty document", name);
	}
	yaml_parser_delete(&p);
	return r;
}

yaml_node_t *yamlx_root(yaml_document_t *doc)
{
	return yaml_document_get_root_node(doc);
}

bool yamlx_is_map(const yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}

bool yamlx_is_seq(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

const char *yamlx_str(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

yaml_node_t *yamlx_get(yaml_document_t *doc, const yaml_node_t *map, const char *key)
{
	if (!yamlx_is_map(map))
		return NULL;
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		const char *k = yamlx_str(yaml_document_get_node(doc, pr->key));
		if (k && strcmp(k, key) == 0)
			return yaml_document_get_node(doc, pr->value);
	}
	return NULL;
}

size_t yamlx_seq_len(const yaml_node_t *n)
{
	return yamlx_is_seq(n) ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
			       : 0;
}

yaml_node_t *yamlx_seq_at(yaml_document_t *doc, const yaml_node_t *n, size_t i)
{
	if (i >= yamlx_seq_len(n))
		return NULL;
	return yaml_document_get_node(doc, n->data.sequence.items.start[i]);
}

int yamlx_only_keys(yaml_document_t *doc, const yaml_node_t *map, const char *const *allowed,
		    const char *file, const char *what, struct errbuf *e)
{
	if (!yamlx_is_map(map))
		return err_set(e, MAMORI_EPARSE, "%s:%d: %s: expected a mapping", file,
			       yamlx_line(map), what);
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *kn = yaml_document_get_node(doc, pr->key);
		const char *k = yamlx_str(kn);
		if (k == NULL)
			return err_set(e, MAMORI_EPARSE, "%s:%d: %s: keys must be plain names", file,
				       yamlx_line(kn), what);
		bool ok = false;
		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], k) == 0)
				ok = true;
		if (!ok)
			return err_set(e, MAMORI_EPARSE, "%s:%d: %s: unknown key '%s'", file,
				       yamlx_line(kn), what, k);
	}
	return 0;
}

static json_t *scalar_to_json(const yaml_node_t *n)
{
	const char *s = yamlx_str(n);
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		long long v;
		if (str_to_ll(s, -9223372036854775807LL, 9223372036854775807LL, &v, NULL) == 0)
			return json_integer(v);
		if (strcmp(s, "true") == 0)
			return json_true();
		if (strcmp(s, "false") == 0)
			return json_false();
		if (strcmp(s, "null") == 0 || strcmp(s, "~") == 0 || s[0] == '\0')
			return json_null();
	}
	return json_stringn(s, n->data.scalar.length);
}

/* Aliases let a small document name the same node many times ("billion laughs"): the
 * conversion visits at most this many nodes. */
#define YAMLX_MAX_NODES 100000

static json_t *to_json(yaml_document_t *doc, const yaml_node_t *n, const char *file, int depth,
		       size_t *budget, struct errbuf *e)
{
	if (*budget == 0) {
		err_set(e, MAMORI_ETOOBIG, "%s:%d: too many nodes (aliases expand too far)", file,
			yamlx_line(n));
		return NULL;
	}
	(*budget)--;
	if (depth > 32) {
		err_set(e, MAMORI_EPARSE, "%s:%d: nested too deeply", file, yamlx_line(n));
		return NULL;
	}
	json_t *j = NULL;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		j = scalar_to_json(n);
		if (j == NULL)
			err_set(e, MAMORI_EPARSE, "%s:%d: not valid UTF-8", file, yamlx_line(n));
		return j;
	case YAML_SEQUENCE_NODE:
		j = json_array();
		for (size_t i = 0; j && i < yamlx_seq_len(n); i++) {
			json_t *v = to_json(doc, yamlx_seq_at(doc, n, i), file, depth + 1, budget, e);
			if (v == NULL || json_array_append_new(j, v)) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	case YAML_MAPPING_NODE:
		j = json_object();
		for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
		     j && pr < n->data.mapping.pairs.top; pr++) {
			yaml_node_t *kn = yaml_document_get_node(doc, pr->key);
			const char *k = yamlx_str(kn);
			if (k == NULL) {
				err_set(e, MAMORI_EPARSE, "%s:%d: keys must be plain names", file,
					yamlx_line(kn));
				json_decref(j);
				return NULL;
			}
			json_t *v = to_json(doc, yaml_document_get_node(doc, pr->value), file,
					    depth + 1, budget, e);
			if (v == NULL || json_object_set_new(j, k, v)) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	default:
		err_set(e, MAMORI_EPARSE, "%s:%d: empty node", file, yamlx_line(n));
		return NULL;
	}
}

json_t *yamlx_to_json(yaml_document_t *doc, const yaml_node_t *n, const char *file,
		      struct errbuf *e)
{
	if (n == NULL) {
		err_set(e, MAMORI_EPARSE, "%s: missing value", file);
		return NULL;
	}
	size_t budget = YAMLX_MAX_NODES;
	json_t *j = to_json(doc, n, file, 0, &budget, e);
	if (j == NULL && e && e->msg[0] == '\0')
		err_set(e, MAMORI_ENOMEM, "%s: out of memory", file);
	return j;
}
