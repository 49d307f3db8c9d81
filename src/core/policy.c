/* SPDX-License-Identifier: Apache-2.0 */
#include "core/policy.h"

#include <stdlib.h>
#include <string.h>

#include "core/yamlx.h"

int policy_default(const struct catalog *c, struct policy **out, struct errbuf *e)
{
	struct policy *p = calloc(1, sizeof(*p));
	if (p == NULL || (p->name = xstrdup("default")) == NULL ||
	    (p->params = json_deep_copy(c->defaults)) == NULL) {
		policy_free(p);
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	}
	*out = p;
	return 0;
}

void policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	free(p->name);
	json_decref(p->params);
	for (size_t i = 0; i < p->ndisabled; i++) {
		free(p->disabled[i].check);
		free(p->disabled[i].reason);
	}
	free(p->disabled);
	free(p);
}

const char *policy_disabled(const struct policy *p, const char *check)
{
	for (size_t i = 0; i < p->ndisabled; i++)
		if (strcmp(p->disabled[i].check, check) == 0)
			return p->disabled[i].reason;
	return NULL;
}

static bool same_type(const json_t *a, const json_t *b)
{
	if (json_is_boolean(a) && json_is_boolean(b))
		return true;
	return json_typeof(a) == json_typeof(b);
}

int policy_apply_yaml(struct policy *p, const struct catalog *c, const char *file,
		      const char *text, size_t len, struct errbuf *e)
{
	static const char *const keys[] = {"name", "params", "disabled", NULL};
	static const char *const dkeys[] = {"check", "reason", NULL};
	yaml_document_t doc;
	int r = yamlx_load(&doc, file, text, len, e);
	if (r)
		return r;
	json_t *params = json_deep_copy(p->params);
	struct disabled_check *dis = NULL;
	size_t ndis = 0;
	char *name = NULL;
	yaml_node_t *root = yamlx_root(&doc);
	if (params == NULL) {
		r = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	if ((r = yamlx_only_keys(&doc, root, keys, file, "policy", e)))
		goto out;
	yaml_node_t *nn = yamlx_get(&doc, root, "name");
	if (nn) {
		if (yamlx_str(nn) == NULL || !*yamlx_str(nn)) {
			r = err_set(e, MAMORI_EPARSE, "%s:%d: name: expected a text", file,
				    yamlx_line(nn));
			goto out;
		}
		name = xstrdup(yamlx_str(nn));
	}
	yaml_node_t *pm = yamlx_get(&doc, root, "params");
	if (pm) {
		if (!yamlx_is_map(pm)) {
			r = err_set(e, MAMORI_EPARSE, "%s:%d: params: expected a mapping", file,
				    yamlx_line(pm));
			goto out;
		}
		for (yaml_node_pair_t *pr = pm->data.mapping.pairs.start;
		     pr < pm->data.mapping.pairs.top; pr++) {
			yaml_node_t *kn = yaml_document_get_node(&doc, pr->key);
			const char *k = yamlx_str(kn);
			const struct param *def = k ? catalog_param(c, k) : NULL;
			if (def == NULL) {
				r = err_set(e, MAMORI_EPARSE, "%s:%d: params: unknown parameter '%s'",
					    file, yamlx_line(kn), k ? k : "?");
				goto out;
			}
			yaml_node_t *vn = yaml_document_get_node(&doc, pr->value);
			json_t *v = yamlx_to_json(&doc, vn, file, e);
			if (v == NULL) {
				r = MAMORI_EPARSE;
				goto out;
			}
			if (!same_type(v, def->def)) {
				json_decref(v);
				r = err_set(e, MAMORI_EPARSE, "%s:%d: params: %s must be of the type of its default (%s)",
					    file, yamlx_line(vn), k,
					    json_is_integer(def->def)   ? "an integer"
					    : json_is_string(def->def)  ? "a text"
					    : json_is_boolean(def->def) ? "true or false"
									 : "a list");
				goto out;
			}
			if (json_is_integer(v) && json_integer_value(v) < 0) {
				json_decref(v);
				r = err_set(e, MAMORI_EPARSE, "%s:%d: params: %s must not be negative",
					    file, yamlx_line(vn), k);
				goto out;
			}
			json_object_set_new(params, k, v);
		}
	}
	yaml_node_t *dn = yamlx_get(&doc, root, "disabled");
	if (dn) {
		if (!yamlx_is_seq(dn)) {
			r = err_set(e, MAMORI_EPARSE, "%s:%d: disabled: expected a list", file,
				    yamlx_line(dn));
			goto out;
		}
		ndis = yamlx_seq_len(dn);
		dis = calloc(ndis ? ndis : 1, sizeof(*dis));
		if (dis == NULL) {
			r = err_set(e, MAMORI_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t i = 0; i < ndis; i++) {
			yaml_node_t *it = yamlx_seq_at(&doc, dn, i);
			if ((r = yamlx_only_keys(&doc, it, dkeys, file, "disabled", e)))
				goto out;
			const char *ck = yamlx_str(yamlx_get(&doc, it, "check"));
			const char *why = yamlx_str(yamlx_get(&doc, it, "reason"));
			if (ck == NULL || catalog_find(c, ck) == NULL) {
				r = err_set(e, MAMORI_EPARSE, "%s:%d: disabled: unknown check '%s'",
					    file, yamlx_line(it), ck ? ck : "");
				goto out;
			}
			if (why == NULL || strlen(why) < 3) {
				r = err_set(e, MAMORI_EPARSE,
					    "%s:%d: disabled: %s needs a reason (who decided and why)",
					    file, yamlx_line(it), ck);
				goto out;
			}
			dis[i].check = xstrdup(ck);
			dis[i].reason = xstrdup(why);
			if (!dis[i].check || !dis[i].reason) {
				r = err_set(e, MAMORI_ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	/* Success: commit everything at once. */
	json_decref(p->params);
	p->params = params;
	params = NULL;
	if (name) {
		free(p->name);
		p->name = name;
		name = NULL;
	}
	struct disabled_check *merged = realloc(p->disabled, (p->ndisabled + ndis + 1) * sizeof(*merged));
	if (merged == NULL) {
		r = err_set(e, MAMORI_ENOMEM, "out of memory");
		goto out;
	}
	if (ndis)
		memcpy(merged + p->ndisabled, dis, ndis * sizeof(*dis));
	p->disabled = merged;
	p->ndisabled += ndis;
	free(dis);
	dis = NULL;
	ndis = 0;
out:
	for (size_t i = 0; i < ndis && dis; i++) {
		free(dis[i].check);
		free(dis[i].reason);
	}
	free(dis);
	free(name);
	json_decref(params);
	yaml_document_delete(&doc);
	return r;
}
