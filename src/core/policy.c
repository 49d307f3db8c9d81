/* SPDX-License-Identifier: Apache-2.0 */
#include "core/policy.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
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

/* Adds (or replaces the reason of) a switched-off check. */
static int disable(struct policy *p, const char *check, char *reason, struct errbuf *e)
{
	if (reason == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	for (size_t i = 0; i < p->ndisabled; i++)
		if (strcmp(p->disabled[i].check, check) == 0) {
			free(p->disabled[i].reason);
			p->disabled[i].reason = reason;
			return 0;
		}
	struct disabled_check *v = realloc(p->disabled, (p->ndisabled + 1) * sizeof(*v));
	char *id = xstrdup(check);
	if (v == NULL || id == NULL) {
		if (v)
			p->disabled = v;
		free(id);
		free(reason);
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	}
	p->disabled = v;
	p->disabled[p->ndisabled].check = id;
	p->disabled[p->ndisabled].reason = reason;
	p->ndisabled++;
	return 0;
}

int policy_apply_profile(struct policy *p, const struct catalog *c, const struct profile *pr,
			 struct errbuf *e)
{
	const char *k;
	json_t *v;
	json_object_foreach(pr->params, k, v)
	{
		if (catalog_param(c, k) == NULL)
			return err_set(e, MAMORI_EINVAL, "profile %s: unknown parameter %s", pr->id, k);
		if (json_object_set(p->params, k, v))
			return err_set(e, MAMORI_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < c->nchecks; i++) {
		const struct check *ck = &c->checks[i];
		bool kept = false;
		for (size_t j = 0; j < ck->ncontrols && !kept; j++)
			kept = ck->ctl && ck->ctl[j] && profile_selects(pr, ck->ctl[j]);
		if (!kept && disable(p, ck->id,
				     xasprintf("not part of the profile %s (%s)", pr->id, pr->title.en),
				     e))
			return MAMORI_ENOMEM;
	}
	char *name = xstrdup(pr->id);
	if (name == NULL)
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	free(p->name);
	p->name = name;
	return 0;
}

int policy_apply_register(struct policy *p, const struct catalog *c,
			  const struct risk_register *reg, struct errbuf *e)
{
	for (size_t i = 0; i < c->nchecks; i++) {
		const struct check *ck = &c->checks[i];
		size_t listed = 0, not_needed = 0;
		struct buf why;
		buf_init(&why, 64u << 10);
		for (size_t j = 0; j < ck->ncontrols; j++) {
			const struct entry *en = register_find(reg, ck->controls[j]);
			if (en == NULL)
				continue;
			listed++;
			if (en->decision != DECISION_NOT_NEEDED)
				continue;
			not_needed++;
			buf_printf(&why, "%s%s: %s", why.len ? "; " : "", en->control,
				   en->reason ? en->reason : "");
		}
		int r = 0;
		if (listed && listed == not_needed)
			r = disable(p, ck->id,
				    xasprintf("not needed according to the risk register %s (%s)",
					      reg->file ? reg->file : "", why.data ? why.data : ""),
				    e);
		buf_free(&why);
		if (r)
			return r;
	}
	return 0;
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
	static const char *const keys[] = {"name", "profile", "params", "disabled", NULL};
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
	const struct profile *prof = NULL;
	yaml_node_t *pn = yamlx_get(&doc, root, "profile");
	if (pn) {
		const char *pid = yamlx_str(pn);
		prof = pid ? guide_profile(c->guide, pid) : NULL;
		if (prof == NULL) {
			r = err_set(e, MAMORI_EPARSE,
				    "%s:%d: profile: expected one of mic-basic, mic-advanced, csaj, "
				    "jnsa-return, got '%s'",
				    file, yamlx_line(pn), pid ? pid : "");
			goto out;
		}
		/* The profile's values come first; the file's own params override them. */
		json_t *merged = json_deep_copy(params);
		if (merged == NULL || json_object_update(merged, prof->params)) {
			json_decref(merged);
			r = err_set(e, MAMORI_ENOMEM, "out of memory");
			goto out;
		}
		json_decref(params);
		params = merged;
	}
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
	if (prof && (r = policy_apply_profile(p, c, prof, e)))
		goto out;
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
