/* SPDX-License-Identifier: Apache-2.0 */
#include "core/eval.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static bool has_platform(const struct check *ck, const char *platform)
{
	for (size_t i = 0; i < ck->nplatforms; i++)
		if (strcmp(ck->platforms[i], platform) == 0)
			return true;
	return false;
}

/* Adds the facts an evaluation read to the evidence array, once each. */
static int add_evidence(json_t *ev, const struct facts *f, const struct expr_result *res)
{
	for (size_t i = 0; i < res->nread; i++) {
		const char *name = res->facts_read[i];
		bool seen = false;
		size_t k;
		json_t *it;
		json_array_foreach(ev, k, it)
		{
			if (strcmp(json_string_value(json_object_get(it, "fact")), name) == 0)
				seen = true;
		}
		if (seen)
			continue;
		const struct fact *fact = facts_get(f, name);
		json_t *o = fact ? fact_to_json(fact) : json_object();
		if (o == NULL)
			return MAMORI_ENOMEM;
		if (fact == NULL)
			json_object_set_new(o, "unknown", json_string("no probe recorded this fact"));
		if (json_object_set_new(o, "fact", json_string(name)) || json_array_append_new(ev, o))
			return MAMORI_ENOMEM;
	}
	return 0;
}

/* "fact: reason; fact: reason" for the unknown facts among the evidence. */
static char *unknown_reason(const json_t *ev, const char *error)
{
	struct buf b;
	buf_init(&b, 8192);
	if (error && buf_printf(&b, "expression error at %s", error))
		return NULL;
	size_t k;
	json_t *it;
	json_array_foreach(ev, k, it)
	{
		const json_t *u = json_object_get(it, "unknown");
		if (!json_is_string(u))
			continue;
		if ((b.len && buf_adds(&b, "; ")) ||
		    buf_printf(&b, "%s: %s", json_string_value(json_object_get(it, "fact")),
			       json_string_value(u)))
			return NULL;
	}
	if (b.len == 0 && buf_adds(&b, "a value the check compares was not known"))
		return NULL;
	return buf_take(&b);
}

static int eval_one(const struct check *ck, const struct policy *p, const struct facts *f,
		    struct finding *out)
{
	struct expr_env env = {.facts = f, .params = p->params};
	out->check = ck;
	out->evidence = json_array();
	if (out->evidence == NULL)
		return MAMORI_ENOMEM;
	const char *off = policy_disabled(p, ck->id);
	if (off) {
		out->status = ST_DISABLED;
		out->reason = xstrdup(off);
		return out->reason ? 0 : MAMORI_ENOMEM;
	}
	struct expr_result res;
	if (ck->applies) {
		if (expr_eval(ck->applies, &env, &res))
			return MAMORI_ENOMEM;
		int r = add_evidence(out->evidence, f, &res);
		enum truth t = res.truth;
		if (r == 0 && t == T_UNKNOWN) {
			out->status = ST_UNKNOWN;
			out->reason = unknown_reason(out->evidence, res.error);
			if (out->reason == NULL)
				r = MAMORI_ENOMEM;
		}
		expr_result_free(&res);
		if (r)
			return r;
		if (t == T_UNKNOWN)
			return 0;
		if (t == T_FALSE) {
			out->status = ST_NOT_APPLICABLE;
			return 0;
		}
	}
	if (expr_eval(ck->expr, &env, &res))
		return MAMORI_ENOMEM;
	int r = add_evidence(out->evidence, f, &res);
	out->status = res.truth == T_TRUE ? ST_PASS : res.truth == T_FALSE ? ST_FAIL : ST_UNKNOWN;
	if (r == 0 && out->status == ST_UNKNOWN) {
		out->reason = unknown_reason(out->evidence, res.error);
		if (out->reason == NULL)
			r = MAMORI_ENOMEM;
	}
	expr_result_free(&res);
	return r;
}

int evaluate(const struct catalog *c, const struct policy *p, const struct facts *f,
	     const char *platform, const char *only, struct findings **out, struct errbuf *e)
{
	struct findings *fs = calloc(1, sizeof(*fs));
	if (fs == NULL || (fs->v = calloc(c->nchecks ? c->nchecks : 1, sizeof(*fs->v))) == NULL) {
		free(fs);
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < c->nchecks; i++) {
		const struct check *ck = &c->checks[i];
		if (!has_platform(ck, platform))
			continue;
		if (only && !topic_listed(only, ck->topic))
			continue;
		struct finding *fd = &fs->v[fs->n++];
		if (eval_one(ck, p, f, fd)) {
			findings_free(fs);
			return err_set(e, MAMORI_ENOMEM, "out of memory");
		}
		fs->count[fd->status]++;
	}
	*out = fs;
	return 0;
}

void findings_free(struct findings *fs)
{
	if (fs == NULL)
		return;
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->v[i].reason);
		json_decref(fs->v[i].evidence);
	}
	free(fs->v);
	free(fs);
}

bool findings_fail_at(const struct findings *fs, enum severity sev)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].status == ST_FAIL && fs->v[i].check->severity >= sev)
			return true;
	return false;
}
