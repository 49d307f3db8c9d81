/* SPDX-License-Identifier: Apache-2.0 */
#include "core/plan.h"

#include <stdlib.h>
#include <string.h>

#include "core/loader.h"
#include "core/yamlx.h"

static const char *const device_answers[] = {"company", "personal", "both", NULL};
static const char *const data_kinds[] = {"personal-info", "confidential", "internal", "public",
					 NULL};
static const char *const framework_ids[] = {"mic", "csaj", "jnsa", "duty", NULL};

void plan_answers_init(struct plan_answers *a, const struct guide *g)
{
	memset(a, 0, sizeof(*a));
	a->nanswers = g->nquestions;
	a->answers = malloc((g->nquestions + 1) * sizeof(int));
	for (size_t i = 0; a->answers && i < g->nquestions; i++)
		a->answers[i] = -1;
}

void plan_answers_free(struct plan_answers *a)
{
	strv_free(a->methods, a->nmethods);
	strv_free(a->roles, a->nroles);
	strv_free(a->frameworks, a->nframeworks);
	strv_free(a->data, a->ndata);
	free(a->devices);
	free(a->answers);
	memset(a, 0, sizeof(*a));
}

bool plan_answer(const struct plan_answers *a, const struct guide *g, size_t i)
{
	if (i < a->nanswers && a->answers && a->answers[i] >= 0)
		return a->answers[i] == 1;
	const char *id = g->questions[i].id;
	/* Two questions follow from what the answers say elsewhere. */
	if (strcmp(id, "personal-devices") == 0 && a->devices)
		return strcmp(a->devices, "company") != 0;
	if (strcmp(id, "sensitive-data") == 0 && a->ndata)
		return strv_has(a->data, a->ndata, "personal-info") ||
		       strv_has(a->data, a->ndata, "confidential");
	return g->questions[i].def;
}

static int yes_no(const char *s)
{
	static const char *const yes[] = {"yes", "true", "y", "on", "はい", NULL};
	static const char *const no[] = {"no", "false", "n", "off", "いいえ", NULL};
	if (s == NULL)
		return -1;
	if (in_list(s, yes))
		return 1;
	if (in_list(s, no))
		return 0;
	return -1;
}

/* A list of ids, each in `valid` (a NULL-terminated list) or found by `find`. */
static int ld_ids(struct ld *l, const yaml_node_t *map, const char *key, const char *const *valid,
		  const struct guide *g, const void *(*find)(const struct guide *, const char *),
		  char ***out, size_t *n)
{
	yaml_node_t *x = yamlx_get(l->doc, map, key);
	if (x == NULL)
		return 0;
	if (ld_strv(l, x, key, out, n))
		return MAMORI_EPARSE;
	for (size_t i = 0; i < *n; i++) {
		bool ok = valid ? in_list((*out)[i], valid) : find(g, (*out)[i]) != NULL;
		if (!ok)
			return err_set(l->e, MAMORI_EPARSE, "%s:%d: %s: unknown value '%s'", l->file,
				       yamlx_line(yamlx_seq_at(l->doc, x, i)), key, (*out)[i]);
	}
	return 0;
}

static const void *find_method(const struct guide *g, const char *id)
{
	return guide_method(g, id);
}

static const void *find_role(const struct guide *g, const char *id)
{
	return guide_role(g, id);
}

int plan_answers_read(struct plan_answers *a, const struct guide *g, const char *file,
		      const char *text, size_t len, struct errbuf *e)
{
	static const char *const top[] = {"plan", NULL};
	static const char *const keys[] = {"methods", "roles", "frameworks", "devices", "data",
					   "include_out_of_scope", "answers", NULL};
	yaml_document_t doc;
	int r = yamlx_load(&doc, file, text, len, e);
	if (r)
		return r;
	struct ld l = {.doc = &doc, .file = file, .e = e};
	yaml_node_t *root = yamlx_root(&doc);
	yaml_node_t *p = NULL;
	if (!yamlx_is_map(root)) {
		r = ld_err(&l, root, "expected a mapping with the key plan", NULL);
		goto out;
	}
	if ((r = yamlx_only_keys(&doc, root, top, file, "top level", e)))
		goto out;
	p = yamlx_get(&doc, root, "plan");
	if (!yamlx_is_map(p)) {
		r = ld_err(&l, p ? p : root, "plan: expected a mapping", NULL);
		goto out;
	}
	if ((r = yamlx_only_keys(&doc, p, keys, file, "plan", e)) ||
	    (r = ld_ids(&l, p, "methods", NULL, g, find_method, &a->methods, &a->nmethods)) ||
	    (r = ld_ids(&l, p, "roles", NULL, g, find_role, &a->roles, &a->nroles)) ||
	    (r = ld_ids(&l, p, "frameworks", framework_ids, g, NULL, &a->frameworks,
			&a->nframeworks)) ||
	    (r = ld_ids(&l, p, "data", data_kinds, g, NULL, &a->data, &a->ndata)) ||
	    (r = ld_str(&l, p, "devices", false, &a->devices)))
		goto out;
	if (a->devices && !in_list(a->devices, device_answers)) {
		r = ld_err(&l, yamlx_get(&doc, p, "devices"),
			   "devices: expected company, personal or both, got ", a->devices);
		goto out;
	}
	yaml_node_t *all = yamlx_get(&doc, p, "include_out_of_scope");
	if (all) {
		int v = yes_no(yamlx_str(all));
		if (v < 0) {
			r = ld_err(&l, all, "include_out_of_scope: expected true or false", NULL);
			goto out;
		}
		a->all = v == 1;
	}
	yaml_node_t *ans = yamlx_get(&doc, p, "answers");
	if (ans) {
		if (!yamlx_is_map(ans)) {
			r = ld_err(&l, ans, "answers: expected a mapping of question ids to yes or no",
				   NULL);
			goto out;
		}
		for (yaml_node_pair_t *pr = ans->data.mapping.pairs.start;
		     pr < ans->data.mapping.pairs.top; pr++) {
			yaml_node_t *kn = yaml_document_get_node(&doc, pr->key);
			yaml_node_t *vn = yaml_document_get_node(&doc, pr->value);
			const char *k = yamlx_str(kn);
			size_t qi = g->nquestions;
			for (size_t i = 0; k && i < g->nquestions; i++)
				if (strcmp(g->questions[i].id, k) == 0)
					qi = i;
			if (qi == g->nquestions) {
				r = ld_err(&l, kn, "answers: unknown question ", k ? k : "?");
				goto out;
			}
			int v = yes_no(yamlx_str(vn));
			if (v < 0) {
				r = ld_err(&l, vn, "answers: expected yes or no for ", k);
				goto out;
			}
			a->answers[qi] = v;
		}
	}
out:
	yaml_document_delete(&doc);
	return r;
}

static int grade_value(char g)
{
	switch (g) {
	case 'S': return 4;
	case 'A': return 3;
	case 'B': return 2;
	case 'C': return 1;
	default: return 0;
	}
}

static int cmp_score(const void *x, const void *y)
{
	const struct method_score *a = x, *b = y;
	if (a->score != b->score)
		return b->score - a->score;
	return a->method->number - b->method->number;
}

void plan_recommend(const struct guide *g, const struct plan_answers *a, struct method_score *out)
{
	int weight[METHOD_AXES];
	for (size_t k = 0; k < METHOD_AXES; k++)
		weight[k] = 1;
	for (size_t m = 0; m < g->nmethods; m++)
		out[m] = (struct method_score){.method = &g->methods[m]};
	for (size_t i = 0; i < g->nquestions; i++) {
		const json_t *eff = g->questions[i].effect[plan_answer(a, g, i) ? 1 : 0];
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)json_object_get(eff, "axes"), k, v)
		for (size_t x = 0; x < g->naxes && x < METHOD_AXES; x++)
			if (strcmp(g->axes[x].id, k) == 0)
				weight[x] += (int)json_integer_value(v);
		json_object_foreach((json_t *)json_object_get(eff, "methods"), k, v)
		for (size_t m = 0; m < g->nmethods; m++)
			if (strcmp(g->methods[m].id, k) == 0)
				out[m].points += (int)json_integer_value(v);
	}
	for (size_t m = 0; m < g->nmethods; m++) {
		out[m].score = out[m].points;
		for (size_t x = 0; x < METHOD_AXES; x++) {
			int w = weight[x] < 0 ? 0 : weight[x];
			out[m].axis_points[x] = w * grade_value(g->methods[m].ratings[x].grade);
			out[m].score += out[m].axis_points[x];
		}
	}
	qsort(out, g->nmethods, sizeof(*out), cmp_score);
	for (size_t m = 0; m < g->nmethods; m++)
		out[m].rank = (int)m + 1;
}

static size_t framework_rank(const char *fw)
{
	for (size_t i = 0; framework_ids[i]; i++)
		if (strcmp(framework_ids[i], fw) == 0)
			return i;
	return 9;
}

/* Compares ids so that csaj-5.1.10 follows csaj-5.1.9. */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (c_isdigit(*a) && c_isdigit(*b)) {
			char *ea, *eb;
			unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static const struct guide *sort_guide;

static int cmp_row(const void *x, const void *y)
{
	const struct control *a = ((const struct checklist_row *)x)->control;
	const struct control *b = ((const struct checklist_row *)y)->control;
	const struct guide *g = sort_guide;
	if (a->priority != b->priority)
		return (int)a->priority - (int)b->priority;
	size_t ca = named_index(g->categories, g->ncategories, a->category);
	size_t cb = named_index(g->categories, g->ncategories, b->category);
	if (ca != cb)
		return ca < cb ? -1 : 1;
	size_t fa = framework_rank(a->framework), fb = framework_rank(b->framework);
	if (fa != fb)
		return fa < fb ? -1 : 1;
	return natural_cmp(a->id, b->id);
}

static bool wanted(const struct control *c, const struct plan_answers *a,
		   const char *const *methods, size_t nmethods)
{
	if (c->priority == PRIO_OUT && !a->all)
		return false;
	if (a->nroles && !strv_has(a->roles, a->nroles, c->role))
		return false;
	if (a->nframeworks && !strv_has(a->frameworks, a->nframeworks, c->framework))
		return false;
	if (c->devices && a->devices && strcmp(a->devices, "both") != 0 &&
	    strcmp(c->devices, a->devices) != 0)
		return false;
	if (c->devices && a->devices == NULL && strcmp(c->devices, "personal") == 0)
		return false; /* no answer: company-owned PCs, as CSAJ assumes */
	for (size_t i = 0; i < nmethods; i++)
		if (control_for_method(c, methods[i]))
			return true;
	return false;
}

int checklist_build(struct checklist *cl, const struct catalog *c, const struct plan_answers *a,
		    const char *const *methods, size_t nmethods, const char *today,
		    struct errbuf *e)
{
	const struct guide *g = c->guide;
	memset(cl, 0, sizeof(*cl));
	cl->catalog = c;
	cl->guide = g;
	snprintf(cl->today, sizeof(cl->today), "%s", today ? today : "");
	cl->methods = calloc(nmethods + 1, sizeof(char *));
	cl->roles = calloc(g->nroles + 1, sizeof(char *));
	cl->rows = calloc(g->ncontrols + 1, sizeof(*cl->rows));
	if (!cl->methods || !cl->roles || !cl->rows) {
		checklist_free(cl);
		return err_set(e, MAMORI_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < nmethods; i++) {
		const struct method *m = guide_method(g, methods[i]);
		if (m == NULL) {
			checklist_free(cl);
			return err_set(e, MAMORI_EINVAL, "unknown telework method '%s'", methods[i]);
		}
		cl->methods[cl->nmethods++] = m->id;
	}
	for (size_t i = 0; i < g->nroles; i++)
		if (a->nroles == 0 || strv_has(a->roles, a->nroles, g->roles[i].id))
			cl->roles[cl->nroles++] = g->roles[i].id;
	for (size_t i = 0; i < g->ncontrols; i++)
		if (wanted(&g->controls[i], a, cl->methods, cl->nmethods))
			cl->rows[cl->nrows++].control = &g->controls[i];
	sort_guide = g;
	if (cl->nrows)
		qsort(cl->rows, cl->nrows, sizeof(*cl->rows), cmp_row);
	return 0;
}

void checklist_free(struct checklist *cl)
{
	free(cl->methods);
	free(cl->roles);
	free(cl->rows);
	memset(cl, 0, sizeof(*cl));
}

int checklist_add_scan(struct checklist *cl, const json_t *report, const char *name,
		       struct errbuf *e)
{
	const json_t *fs = json_object_get(report, "findings");
	const json_t *ver = json_object_get(report, "schema_version");
	if (!json_is_object(report) || !json_is_array(fs))
		return err_set(e, MAMORI_EPARSE, "%s: not a mamori scan report (no findings list)",
			       name);
	if (!json_is_integer(ver) || json_integer_value(ver) != MAMORI_REPORT_SCHEMA_VERSION)
		return err_set(e, MAMORI_EPARSE,
			       "%s: report schema_version is not %d (rerun mamori scan --format json)",
			       name, MAMORI_REPORT_SCHEMA_VERSION);
	for (size_t r = 0; r < cl->nrows; r++) {
		const struct control *c = cl->rows[r].control;
		bool ran = false, fail = false, unknown = false;
		size_t i;
		const json_t *f;
		json_array_foreach(fs, i, f)
		{
			const char *ck = json_string_value(json_object_get(f, "check"));
			const char *st = json_string_value(json_object_get(f, "status"));
			if (ck == NULL || st == NULL)
				return err_set(e, MAMORI_EPARSE,
					       "%s: finding %zu has no check or status", name, i);
			bool mine = false;
			for (size_t k = 0; k < c->nchecks && !mine; k++)
				mine = strcmp(c->checks[k]->id, ck) == 0;
			if (!mine)
				continue;
			if (strcmp(st, "fail") == 0)
				fail = ran = true;
			else if (strcmp(st, "unknown") == 0)
				unknown = ran = true;
			else if (strcmp(st, "pass") == 0)
				ran = true;
		}
		if (!ran)
			continue;
		struct measured *m = &cl->rows[r].measured;
		m->devices++;
		if (fail)
			m->fail++;
		else if (unknown)
			m->unknown++;
		else
			m->pass++;
	}
	cl->ndevices++;
	return 0;
}

void checklist_set_register(struct checklist *cl, const struct risk_register *reg)
{
	cl->reg = reg;
	for (size_t i = 0; i < cl->nrows; i++)
		cl->rows[i].entry = reg ? register_find(reg, cl->rows[i].control->id) : NULL;
}

bool entry_overdue(const struct entry *en, const char *today)
{
	return en && en->decision == DECISION_WILL_DO && en->deadline[0] && today && today[0] &&
	       strcmp(en->deadline, today) < 0;
}

void checklist_progress(const struct checklist *cl, struct progress *p)
{
	memset(p, 0, sizeof(*p));
	p->rows = cl->nrows;
	for (size_t i = 0; i < cl->nrows; i++) {
		const struct checklist_row *r = &cl->rows[i];
		const struct entry *en = r->entry;
		if (r->control->nchecks)
			p->automated++;
		enum decision d = en ? en->decision : DECISION_NONE;
		switch (d) {
		case DECISION_DONE: p->done++; break;
		case DECISION_WILL_DO:
			p->planned++;
			if (entry_overdue(en, cl->today))
				p->overdue++;
			break;
		case DECISION_NOT_NEEDED: p->not_needed++; break;
		default: p->undecided++; break;
		}
		if (r->control->priority == PRIO_FIRST && d != DECISION_DONE &&
		    d != DECISION_NOT_NEEDED)
			p->first_open++;
	}
	if (cl->reg)
		for (size_t i = 0; i < cl->reg->nentries; i++) {
			bool in = false;
			for (size_t k = 0; k < cl->nrows && !in; k++)
				in = strcmp(cl->rows[k].control->id, cl->reg->entries[i].control) == 0;
			if (!in)
				p->outside++;
		}
}
