/* SPDX-License-Identifier: Apache-2.0 */
#include "core/guide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loader.h"

static const char *const frameworks[] = {"mic", "csaj", "jnsa", "duty", NULL};
static const char *const grade_names[] = {"low", "medium", "high"};
static const char *const csaj_levels[] = {"shall", "should", "may", "mixed", NULL};
static const char *const stmt_levels[] = {"shall", "should", "may", NULL};
static const char *const level_names[] = {"basic", "advanced", NULL};
static const char *const device_kinds[] = {"company", "personal", NULL};

const char *grade_name(enum grade g)
{
	return (unsigned)g <= GRADE_HIGH ? grade_names[g] : "?";
}

const char *priority_name(enum priority p)
{
	return p == PRIO_FIRST ? "first" : p == PRIO_NEXT ? "next" : "out";
}

const char *priority_mark(enum priority p)
{
	return p == PRIO_FIRST ? "◎" : p == PRIO_NEXT ? "○" : "-";
}

/* seeds/001's grid: high importance and low difficulty is ◎; low importance or high
 * difficulty is outside the SME checklist; the rest is ○. */
enum priority grid_priority(enum grade importance, enum grade difficulty)
{
	if (importance == GRADE_LOW || difficulty == GRADE_HIGH)
		return PRIO_OUT;
	if (importance == GRADE_HIGH && difficulty == GRADE_LOW)
		return PRIO_FIRST;
	return PRIO_NEXT;
}

/* The same grid: high difficulty makes a measure advanced, whatever its importance. */
bool grid_advanced(enum grade difficulty)
{
	return difficulty == GRADE_HIGH;
}

struct guide *guide_new(void)
{
	return calloc(1, sizeof(struct guide));
}

static void named_free(struct named *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		text_free(&v[i].name);
		text_free(&v[i].description);
	}
	free(v);
}

static void control_free(struct control *c)
{
	free(c->id);
	free(c->framework);
	free(c->item);
	free(c->source);
	free(c->category);
	free(c->role);
	free(c->csaj_level);
	free(c->perspective);
	strv_free(c->methods, c->nmethods);
	free(c->devices);
	strv_free(c->threats, c->nthreats);
	text_free(&c->title);
	text_free(&c->text);
	for (size_t i = 0; i < c->nstatements; i++) {
		free(c->statements[i].level);
		text_free(&c->statements[i].text);
	}
	free(c->statements);
	for (size_t i = 0; i < c->nnotes; i++)
		text_free(&c->notes[i]);
	free(c->notes);
	free(c->checks);
	free(c->file);
}

static void profile_free(struct profile *p)
{
	free(p->id);
	text_free(&p->title);
	text_free(&p->description);
	strv_free(p->frameworks, p->nframeworks);
	strv_free(p->levels, p->nlevels);
	strv_free(p->perspectives, p->nperspectives);
	strv_free(p->controls, p->ncontrols);
	json_decref(p->params);
	free(p->file);
}

void guide_free(struct guide *g)
{
	if (g == NULL)
		return;
	named_free(g->categories, g->ncategories);
	named_free(g->roles, g->nroles);
	named_free(g->axes, g->naxes);
	named_free(g->perspectives, g->nperspectives);
	for (size_t i = 0; i < g->nmethods; i++) {
		struct method *m = &g->methods[i];
		free(m->id);
		text_free(&m->name);
		text_free(&m->description);
		text_free(&m->use_case);
		for (int k = 0; k < METHOD_AXES; k++)
			text_free(&m->ratings[k].why);
	}
	free(g->methods);
	for (size_t i = 0; i < g->nthreats; i++) {
		free(g->threats[i].id);
		text_free(&g->threats[i].name);
	}
	free(g->threats);
	for (size_t i = 0; i < g->ncontrols; i++)
		control_free(&g->controls[i]);
	free(g->controls);
	for (size_t i = 0; i < g->nquestions; i++) {
		free(g->questions[i].id);
		text_free(&g->questions[i].text);
		text_free(&g->questions[i].help);
		json_decref(g->questions[i].effect[0]);
		json_decref(g->questions[i].effect[1]);
	}
	free(g->questions);
	for (size_t i = 0; i < g->nprofiles; i++)
		profile_free(&g->profiles[i]);
	free(g->profiles);
	free(g);
}

/* Grows *v by one zeroed element; returns it or NULL. */
static void *grow(void *vp, size_t *n, size_t size)
{
	void **v = vp;
	char *p = realloc(*v, (*n + 1) * size);
	if (p == NULL)
		return NULL;
	*v = p;
	memset(p + *n * size, 0, size);
	return p + (*n)++ * size;
}

static int ld_grade(struct ld *l, const yaml_node_t *map, const char *key, enum grade *out)
{
	char *s = NULL;
	if (ld_str(l, map, key, true, &s))
		return MAMORI_EPARSE;
	int r = MAMORI_EPARSE;
	for (int i = GRADE_LOW; i <= GRADE_HIGH; i++)
		if (strcmp(s, grade_names[i]) == 0) {
			*out = (enum grade)i;
			r = 0;
		}
	if (r)
		r = ld_err(l, yamlx_get(l->doc, map, key), key, ": expected low, medium or high");
	free(s);
	return r;
}

/* A list of {id, name: {en, ja}, description?: {en, ja}, ...}; other keys are allowed by
 * `extra` and ignored. */
static int ld_named(struct ld *l, const yaml_node_t *seq, const char *what,
		    const char *const *keys, struct named **out, size_t *nout)
{
	if (!yamlx_is_seq(seq))
		return ld_err(l, seq, what, ": expected a list");
	for (size_t i = 0; i < yamlx_seq_len(seq); i++) {
		yaml_node_t *n = yamlx_seq_at(l->doc, seq, i);
		if (yamlx_only_keys(l->doc, n, keys, l->file, what, l->e))
			return MAMORI_EPARSE;
		struct named *x = grow(out, nout, sizeof(*x));
		if (x == NULL)
			return ld_oom(l);
		if (ld_str(l, n, "id", true, &x->id) || ld_text(l, n, "name", &x->name))
			return MAMORI_EPARSE;
		if (yamlx_get(l->doc, n, "description") &&
		    ld_text(l, n, "description", &x->description))
			return MAMORI_EPARSE;
	}
	return 0;
}

static int add_categories(struct guide *g, struct ld *l, const yaml_node_t *root)
{
	static const char *const top[] = {"categories", "roles", "levels", "sme_priorities",
					  "pillars", NULL};
	static const char *const keys[] = {"id", "name", "description", NULL};
	if (yamlx_only_keys(l->doc, root, top, l->file, "top level", l->e))
		return MAMORI_EPARSE;
	yaml_node_t *cat = yamlx_get(l->doc, root, "categories");
	yaml_node_t *rol = yamlx_get(l->doc, root, "roles");
	if (!cat || !rol)
		return ld_err(l, root, "expected categories and roles", NULL);
	if (ld_named(l, cat, "categories", keys, &g->categories, &g->ncategories) ||
	    ld_named(l, rol, "roles", keys, &g->roles, &g->nroles))
		return MAMORI_EPARSE;
	return 0;
}

static int add_methods(struct guide *g, struct ld *l, const yaml_node_t *root)
{
	static const char *const top[] = {"axes", "ratings_scale", "methods", NULL};
	static const char *const akeys[] = {"id", "name", "note", NULL};
	static const char *const mkeys[] = {"id",	   "number",  "name", "description",
					    "ratings", "use_case", NULL};
	static const char *const rkeys[] = {"rating", "en", "ja", NULL};
	if (yamlx_only_keys(l->doc, root, top, l->file, "top level", l->e))
		return MAMORI_EPARSE;
	yaml_node_t *axes = yamlx_get(l->doc, root, "axes");
	if (!axes || ld_named(l, axes, "axes", akeys, &g->axes, &g->naxes))
		return axes ? MAMORI_EPARSE : ld_err(l, root, "missing key: axes", NULL);
	if (g->naxes != METHOD_AXES)
		return ld_err(l, axes, "axes: expected the 5 axes of the comparison table", NULL);
	yaml_node_t *ms = yamlx_get(l->doc, root, "methods");
	if (!yamlx_is_seq(ms))
		return ld_err(l, ms ? ms : root, "methods: expected a list", NULL);
	l->kind = "method";
	for (size_t i = 0; i < yamlx_seq_len(ms); i++) {
		yaml_node_t *n = yamlx_seq_at(l->doc, ms, i);
		struct method *m = grow(&g->methods, &g->nmethods, sizeof(*m));
		if (m == NULL)
			return ld_oom(l);
		l->id = NULL;
		if (ld_str(l, n, "id", true, &m->id))
			return MAMORI_EPARSE;
		l->id = m->id;
		long long num = 0;
		if (yamlx_only_keys(l->doc, n, mkeys, l->file, m->id, l->e) ||
		    ld_int(l, n, "number", true, 1, 99, &num) || ld_text(l, n, "name", &m->name) ||
		    ld_text(l, n, "description", &m->description) ||
		    ld_text(l, n, "use_case", &m->use_case))
			return MAMORI_EPARSE;
		m->number = (int)num;
		yaml_node_t *rt = yamlx_get(l->doc, n, "ratings");
		if (!yamlx_is_map(rt))
			return ld_err(l, rt ? rt : n, "ratings: expected a mapping per axis", NULL);
		for (size_t k = 0; k < g->naxes; k++) {
			yaml_node_t *r = yamlx_get(l->doc, rt, g->axes[k].id);
			char *grade = NULL;
			if (r == NULL)
				return ld_err(l, rt, "ratings: missing axis ", g->axes[k].id);
			if (yamlx_only_keys(l->doc, r, rkeys, l->file, g->axes[k].id, l->e) ||
			    ld_str(l, r, "rating", true, &grade))
				return MAMORI_EPARSE;
			bool ok = strlen(grade) == 1 && strchr("SABCD", grade[0]);
			m->ratings[k].grade = grade[0];
			free(grade);
			if (!ok)
				return ld_err(l, r, "rating: expected one of S, A, B, C, D", NULL);
			if (ld_str(l, r, "en", true, &m->ratings[k].why.en) ||
			    ld_str(l, r, "ja", true, &m->ratings[k].why.ja))
				return MAMORI_EPARSE;
		}
		if (yamlx_seq_len(rt) > g->naxes ||
		    (size_t)(rt->data.mapping.pairs.top - rt->data.mapping.pairs.start) != g->naxes)
			return ld_err(l, rt, "ratings: unknown axis", NULL);
	}
	l->id = NULL;
	return 0;
}

static int add_threats(struct guide *g, struct ld *l, const yaml_node_t *root)
{
	static const char *const top[] = {"threats", "trouble_cases", NULL};
	static const char *const keys[] = {"id",	   "number", "name", "description", "facts",
					   "countered_by", "note", "suggested_categories", NULL};
	if (yamlx_only_keys(l->doc, root, top, l->file, "top level", l->e))
		return MAMORI_EPARSE;
	l->kind = "threat";
	for (int tc = 0; tc < 2; tc++) {
		yaml_node_t *seq = yamlx_get(l->doc, root, tc ? "trouble_cases" : "threats");
		if (!yamlx_is_seq(seq))
			return ld_err(l, seq ? seq : root, tc ? "trouble_cases" : "threats",
				      ": expected a list");
		for (size_t i = 0; i < yamlx_seq_len(seq); i++) {
			yaml_node_t *n = yamlx_seq_at(l->doc, seq, i);
			struct threat *t = grow(&g->threats, &g->nthreats, sizeof(*t));
			if (t == NULL)
				return ld_oom(l);
			t->trouble_case = tc;
			l->id = NULL;
			long long num = 0;
			if (ld_str(l, n, "id", true, &t->id))
				return MAMORI_EPARSE;
			l->id = t->id;
			if (yamlx_only_keys(l->doc, n, keys, l->file, t->id, l->e) ||
			    ld_int(l, n, "number", true, 1, 99, &num) ||
			    ld_text(l, n, "name", &t->name))
				return MAMORI_EPARSE;
			t->number = (int)num;
		}
	}
	l->id = NULL;
	return 0;
}

/* An effect is {axes: {axis: n}, methods: {method: n}}; ids are checked in guide_finish. */
static int ld_effect(struct ld *l, const yaml_node_t *q, const char *key, json_t **out)
{
	static const char *const keys[] = {"axes", "methods", NULL};
	yaml_node_t *n = yamlx_get(l->doc, q, key);
	if (n == NULL) {
		*out = json_object();
		return *out ? 0 : ld_oom(l);
	}
	if (yamlx_only_keys(l->doc, n, keys, l->file, key, l->e))
		return MAMORI_EPARSE;
	*out = yamlx_to_json(l->doc, n, l->file, l->e);
	if (*out == NULL)
		return MAMORI_EPARSE;
	const char *k;
	json_t *v;
	json_object_foreach(*out, k, v)
	{
		const char *k2;
		json_t *w;
		if (!json_is_object(v))
			return ld_err(l, n, key, ": expected mappings of ids to whole numbers");
		json_object_foreach(v, k2, w) if (!json_is_integer(w) || json_integer_value(w) < -20 ||
						  json_integer_value(w) > 20) return ld_err(l, n, key,
											   ": weights must be whole numbers from -20 to 20");
	}
	return 0;
}

static int add_selection(struct guide *g, struct ld *l, const yaml_node_t *root)
{
	static const char *const top[] = {"basis", "questions", NULL};
	static const char *const keys[] = {"id", "text", "help", "default", "yes", "no", NULL};
	if (yamlx_only_keys(l->doc, root, top, l->file, "top level", l->e))
		return MAMORI_EPARSE;
	yaml_node_t *seq = yamlx_get(l->doc, root, "questions");
	if (!yamlx_is_seq(seq))
		return ld_err(l, seq ? seq : root, "questions: expected a list", NULL);
	l->kind = "question";
	for (size_t i = 0; i < yamlx_seq_len(seq); i++) {
		yaml_node_t *n = yamlx_seq_at(l->doc, seq, i);
		struct question *q = grow(&g->questions, &g->nquestions, sizeof(*q));
		if (q == NULL)
			return ld_oom(l);
		l->id = NULL;
		if (ld_str(l, n, "id", true, &q->id))
			return MAMORI_EPARSE;
		l->id = q->id;
		char *def = NULL;
		if (yamlx_only_keys(l->doc, n, keys, l->file, q->id, l->e) ||
		    ld_text(l, n, "text", &q->text) || ld_text(l, n, "help", &q->help) ||
		    ld_str(l, n, "default", true, &def))
			return MAMORI_EPARSE;
		bool yes = strcmp(def, "yes") == 0 || strcmp(def, "true") == 0;
		bool no = strcmp(def, "no") == 0 || strcmp(def, "false") == 0;
		free(def);
		if (!yes && !no)
			return ld_err(l, yamlx_get(l->doc, n, "default"), "default: expected yes or no",
				      NULL);
		q->def = yes;
		if (ld_effect(l, n, "no", &q->effect[0]) || ld_effect(l, n, "yes", &q->effect[1]))
			return MAMORI_EPARSE;
	}
	l->id = NULL;
	return 0;
}

static int add_profile(struct guide *g, struct ld *l, const yaml_node_t *root)
{
	static const char *const top[] = {"profile", NULL};
	static const char *const keys[] = {"id", "title", "description", "select", "params", NULL};
	static const char *const skeys[] = {"frameworks", "levels", "perspectives", "controls",
					    NULL};
	if (yamlx_only_keys(l->doc, root, top, l->file, "top level", l->e))
		return MAMORI_EPARSE;
	yaml_node_t *n = yamlx_get(l->doc, root, "profile");
	if (!yamlx_is_map(n))
		return ld_err(l, n ? n : root, "profile: expected a mapping", NULL);
	struct profile *p = grow(&g->profiles, &g->nprofiles, sizeof(*p));
	if (p == NULL)
		return ld_oom(l);
	l->kind = "profile";
	l->id = NULL;
	if (ld_str(l, n, "id", true, &p->id))
		return MAMORI_EPARSE;
	l->id = p->id;
	p->line = yamlx_line(n);
	if ((p->file = xstrdup(l->file)) == NULL)
		return ld_oom(l);
	if (yamlx_only_keys(l->doc, n, keys, l->file, p->id, l->e) ||
	    ld_text(l, n, "title", &p->title) || ld_text(l, n, "description", &p->description))
		return MAMORI_EPARSE;
	yaml_node_t *sel = yamlx_get(l->doc, n, "select");
	if (sel) {
		if (yamlx_only_keys(l->doc, sel, skeys, l->file, "select", l->e))
			return MAMORI_EPARSE;
		struct {
			const char *key;
			char ***v;
			size_t *n;
		} lists[] = {{"frameworks", &p->frameworks, &p->nframeworks},
			     {"levels", &p->levels, &p->nlevels},
			     {"perspectives", &p->perspectives, &p->nperspectives},
			     {"controls", &p->controls, &p->ncontrols}};
		for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
			yaml_node_t *x = yamlx_get(l->doc, sel, lists[i].key);
			if (x && ld_strv(l, x, lists[i].key, lists[i].v, lists[i].n))
				return MAMORI_EPARSE;
		}
	}
	yaml_node_t *pm = yamlx_get(l->doc, n, "params");
	if (pm) {
		if (!yamlx_is_map(pm))
			return ld_err(l, pm, "params: expected a mapping", NULL);
		if ((p->params = yamlx_to_json(l->doc, pm, l->file, l->e)) == NULL)
			return MAMORI_EPARSE;
	} else if ((p->params = json_object()) == NULL) {
		return ld_oom(l);
	}
	l->id = NULL;
	return 0;
}

static int ld_control(struct ld *l, const yaml_node_t *n, struct control *c)
{
	static const char *const keys[] = {
		"id",	       "framework",   "item",	     "source",	 "category",
		"role",	       "importance",  "difficulty",  "level",	 "csaj_level",
		"perspective", "methods",     "devices",     "threats",	 "title",
		"text",	       "statements",  "notes",	     "numbers",	 "level_basis",
		NULL};
	static const char *const skeys[] = {"level", "en", "ja", NULL};
	l->id = NULL;
	if (ld_str(l, n, "id", true, &c->id))
		return MAMORI_EPARSE;
	l->id = c->id;
	c->line = yamlx_line(n);
	if ((c->file = xstrdup(l->file)) == NULL)
		return ld_oom(l);
	for (const char *s = c->id; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || c_isdigit(*s) || *s == '-' || *s == '.'))
			return ld_err(l, n, "control id must be [a-z0-9.-]: ", c->id);
	if (yamlx_only_keys(l->doc, n, keys, l->file, c->id, l->e) ||
	    ld_str(l, n, "framework", true, &c->framework) ||
	    ld_str(l, n, "item", false, &c->item) || ld_str(l, n, "source", true, &c->source) ||
	    ld_str(l, n, "category", true, &c->category) ||
	    ld_str(l, n, "role", true, &c->role) ||
	    ld_grade(l, n, "importance", &c->importance) ||
	    ld_grade(l, n, "difficulty", &c->difficulty) ||
	    ld_str(l, n, "csaj_level", false, &c->csaj_level) ||
	    ld_str(l, n, "perspective", false, &c->perspective) ||
	    ld_str(l, n, "devices", false, &c->devices) || ld_text(l, n, "title", &c->title) ||
	    ld_text(l, n, "text", &c->text))
		return MAMORI_EPARSE;
	if (!in_list(c->framework, frameworks))
		return ld_err(l, n, "framework: expected mic, csaj, jnsa or duty, got ", c->framework);
	if ((c->csaj_level != NULL) != (strcmp(c->framework, "csaj") == 0))
		return ld_err(l, n, "csaj_level: required for CSAJ controls and only there", NULL);
	if (c->csaj_level && !in_list(c->csaj_level, csaj_levels))
		return ld_err(l, n, "csaj_level: expected shall, should, may or mixed, got ",
			      c->csaj_level);
	if ((c->perspective != NULL) != (strcmp(c->framework, "jnsa") == 0))
		return ld_err(l, n, "perspective: required for JNSA controls and only there", NULL);
	if (c->devices && !in_list(c->devices, device_kinds))
		return ld_err(l, n, "devices: expected company or personal, got ", c->devices);
	c->advanced = grid_advanced(c->difficulty);
	c->priority = grid_priority(c->importance, c->difficulty);
	char *level = NULL;
	if (ld_str(l, n, "level", false, &level))
		return MAMORI_EPARSE;
	if (level) {
		bool known = in_list(level, level_names);
		bool adv = strcmp(level, "advanced") == 0;
		free(level);
		if (!known)
			return ld_err(l, n, "level: expected basic or advanced", NULL);
		if (adv != c->advanced)
			return ld_err(l, n,
				      "level disagrees with the grid (basic needs difficulty low or "
				      "medium; advanced needs high)",
				      NULL);
		c->level_stated = true;
	}
	yaml_node_t *x;
	if ((x = yamlx_get(l->doc, n, "methods")) && ld_strv(l, x, "methods", &c->methods, &c->nmethods))
		return MAMORI_EPARSE;
	if ((x = yamlx_get(l->doc, n, "threats")) && ld_strv(l, x, "threats", &c->threats, &c->nthreats))
		return MAMORI_EPARSE;
	if ((x = yamlx_get(l->doc, n, "statements"))) {
		if (!yamlx_is_seq(x))
			return ld_err(l, x, "statements: expected a list", NULL);
		size_t cnt = yamlx_seq_len(x);
		if ((c->statements = calloc(cnt + 1, sizeof(*c->statements))) == NULL)
			return ld_oom(l);
		for (size_t i = 0; i < cnt; i++) {
			yaml_node_t *s = yamlx_seq_at(l->doc, x, i);
			struct statement *st = &c->statements[c->nstatements++];
			if (yamlx_only_keys(l->doc, s, skeys, l->file, "statements", l->e) ||
			    ld_str(l, s, "level", true, &st->level) ||
			    ld_str(l, s, "en", true, &st->text.en) ||
			    ld_str(l, s, "ja", true, &st->text.ja))
				return MAMORI_EPARSE;
			ja_unfold(st->text.ja);
			if (!in_list(st->level, stmt_levels))
				return ld_err(l, s, "statements: level must be shall, should or may", NULL);
		}
	}
	if ((x = yamlx_get(l->doc, n, "notes"))) {
		if (!yamlx_is_seq(x))
			return ld_err(l, x, "notes: expected a list", NULL);
		size_t cnt = yamlx_seq_len(x);
		if ((c->notes = calloc(cnt + 1, sizeof(*c->notes))) == NULL)
			return ld_oom(l);
		for (size_t i = 0; i < cnt; i++)
			if (ld_text_node(l, yamlx_seq_at(l->doc, x, i), "notes", &c->notes[c->nnotes++]))
				return MAMORI_EPARSE;
	}
	return 0;
}

static int add_controls(struct guide *g, struct ld *l, const yaml_node_t *root)
{
	static const char *const top[] = {"controls", "perspectives", "levels", NULL};
	static const char *const pkeys[] = {"id", "audience", "title", "notes", NULL};
	if (yamlx_only_keys(l->doc, root, top, l->file, "top level", l->e))
		return MAMORI_EPARSE;
	yaml_node_t *ps = yamlx_get(l->doc, root, "perspectives");
	if (ps) {
		if (!yamlx_is_seq(ps))
			return ld_err(l, ps, "perspectives: expected a list", NULL);
		for (size_t i = 0; i < yamlx_seq_len(ps); i++) {
			yaml_node_t *n = yamlx_seq_at(l->doc, ps, i);
			struct named *x = grow(&g->perspectives, &g->nperspectives, sizeof(*x));
			if (x == NULL)
				return ld_oom(l);
			if (yamlx_only_keys(l->doc, n, pkeys, l->file, "perspectives", l->e) ||
			    ld_str(l, n, "id", true, &x->id) || ld_text(l, n, "title", &x->name))
				return MAMORI_EPARSE;
		}
	}
	yaml_node_t *seq = yamlx_get(l->doc, root, "controls");
	if (!yamlx_is_seq(seq))
		return ld_err(l, seq ? seq : root, "controls: expected a list", NULL);
	l->kind = "control";
	for (size_t i = 0; i < yamlx_seq_len(seq); i++) {
		struct control *c = grow(&g->controls, &g->ncontrols, sizeof(*c));
		if (c == NULL)
			return ld_oom(l);
		if (ld_control(l, yamlx_seq_at(l->doc, seq, i), c))
			return MAMORI_EPARSE;
	}
	l->id = NULL;
	return 0;
}

int guide_add(struct guide *g, struct ld *l, const yaml_node_t *root, const struct catalog *c)
{
	(void)c;
	const char *base = strrchr(l->file, '/');
	base = base ? base + 1 : l->file;
	if (!yamlx_is_map(root))
		return ld_err(l, root, "expected a mapping at the top level", NULL);
	int r;
	if (strncmp(l->file, "profiles/", 9) == 0)
		r = add_profile(g, l, root);
	else if (strcmp(base, "categories.yaml") == 0)
		r = add_categories(g, l, root);
	else if (strcmp(base, "methods.yaml") == 0)
		r = add_methods(g, l, root);
	else if (strcmp(base, "threats.yaml") == 0)
		r = add_threats(g, l, root);
	else if (strcmp(base, "selection.yaml") == 0)
		r = add_selection(g, l, root);
	else
		r = add_controls(g, l, root);
	l->kind = NULL;
	l->id = NULL;
	return r;
}

static int cmp_control(const void *a, const void *b)
{
	return strcmp(((const struct control *)a)->id, ((const struct control *)b)->id);
}

const struct control *guide_control(const struct guide *g, const char *id)
{
	if (g == NULL || g->ncontrols == 0 || id == NULL)
		return NULL;
	struct control key = {.id = (char *)id};
	return bsearch(&key, g->controls, g->ncontrols, sizeof(key), cmp_control);
}

#define FIND_BY_ID(fn, type, arr, n)                                   \
	const type *fn(const struct guide *g, const char *id)          \
	{                                                              \
		for (size_t i = 0; g && id && i < g->n; i++)           \
			if (strcmp(g->arr[i].id, id) == 0)             \
				return &g->arr[i];                     \
		return NULL;                                           \
	}
FIND_BY_ID(guide_method, struct method, methods, nmethods)
FIND_BY_ID(guide_category, struct named, categories, ncategories)
FIND_BY_ID(guide_role, struct named, roles, nroles)
FIND_BY_ID(guide_threat, struct threat, threats, nthreats)
FIND_BY_ID(guide_profile, struct profile, profiles, nprofiles)

size_t named_index(const struct named *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0)
			return i;
	return n;
}

static bool known_named(const struct named *v, size_t n, const char *id)
{
	return named_index(v, n, id) < n;
}

bool control_for_method(const struct control *c, const char *method)
{
	if (c->nmethods == 0)
		return true;
	for (size_t i = 0; i < c->nmethods; i++)
		if (strcmp(c->methods[i], method) == 0)
			return true;
	return false;
}

const char *control_label(const struct control *c, char *buf, size_t size)
{
	const char *fw = strcmp(c->framework, "mic") == 0    ? "MIC"
			 : strcmp(c->framework, "csaj") == 0 ? "CSAJ"
			 : strcmp(c->framework, "jnsa") == 0 ? "JNSA"
							     : NULL;
	if (fw && c->item)
		snprintf(buf, size, "%s %s", fw, c->item);
	else if (fw && strcmp(c->framework, "jnsa") == 0 && strncmp(c->id, "jnsa-", 5) == 0)
		snprintf(buf, size, "JNSA %s", c->id + 5);
	else
		snprintf(buf, size, "%s", c->id);
	return buf;
}

int check_control_labels(const struct check *ck, struct buf *b)
{
	size_t start = b->len;
	for (size_t i = 0; i < ck->ncontrols; i++) {
		char label[96];
		const char *s = ck->ctl && ck->ctl[i] ? control_label(ck->ctl[i], label, sizeof(label))
						       : ck->controls[i];
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++) {
			char other[96];
			const char *t = ck->ctl && ck->ctl[j]
						? control_label(ck->ctl[j], other, sizeof(other))
						: ck->controls[j];
			seen = strcmp(s, t) == 0;
		}
		if (!seen && buf_printf(b, "%s%s", b->len > start ? ", " : "", s))
			return MAMORI_ENOMEM;
	}
	return 0;
}

bool profile_selects(const struct profile *p, const struct control *ctl)
{
	if (p->ncontrols && strv_has(p->controls, p->ncontrols, ctl->id))
		return true;
	if (p->nframeworks == 0 && p->nlevels == 0 && p->nperspectives == 0)
		return p->ncontrols == 0;
	if (p->nframeworks && !strv_has(p->frameworks, p->nframeworks, ctl->framework))
		return false;
	if (p->nlevels &&
	    !strv_has(p->levels, p->nlevels, ctl->advanced ? "advanced" : "basic"))
		return false;
	if (p->nperspectives &&
	    (ctl->perspective == NULL ||
	     !strv_has(p->perspectives, p->nperspectives, ctl->perspective)))
		return false;
	return true;
}

static int link_err(struct errbuf *e, const struct control *c, const char *what, const char *id)
{
	return err_set(e, MAMORI_EPARSE, "%s:%d: control %s: unknown %s '%s'", c->file, c->line,
		       c->id, what, id);
}

static int finish_control(struct guide *g, const struct control *c, struct errbuf *e)
{
	if (!known_named(g->categories, g->ncategories, c->category))
		return link_err(e, c, "category", c->category);
	if (!known_named(g->roles, g->nroles, c->role))
		return link_err(e, c, "role", c->role);
	for (size_t i = 0; i < c->nmethods; i++)
		if (!guide_method(g, c->methods[i]))
			return link_err(e, c, "method", c->methods[i]);
	for (size_t i = 0; i < c->nthreats; i++)
		if (!guide_threat(g, c->threats[i]))
			return link_err(e, c, "threat", c->threats[i]);
	if (c->perspective && !known_named(g->perspectives, g->nperspectives, c->perspective))
		return link_err(e, c, "perspective", c->perspective);
	return 0;
}

static int finish_profile(const struct guide *g, const struct catalog *cat,
			  const struct profile *p, struct errbuf *e)
{
	for (size_t i = 0; i < p->nframeworks; i++)
		if (!in_list(p->frameworks[i], frameworks))
			return err_set(e, MAMORI_EPARSE, "%s:%d: profile %s: unknown framework '%s'",
				       p->file, p->line, p->id, p->frameworks[i]);
	for (size_t i = 0; i < p->nlevels; i++)
		if (!in_list(p->levels[i], level_names))
			return err_set(e, MAMORI_EPARSE, "%s:%d: profile %s: unknown level '%s'",
				       p->file, p->line, p->id, p->levels[i]);
	for (size_t i = 0; i < p->ncontrols; i++)
		if (!guide_control(g, p->controls[i]))
			return err_set(e, MAMORI_EPARSE, "%s:%d: profile %s: unknown control '%s'",
				       p->file, p->line, p->id, p->controls[i]);
	const char *k;
	json_t *v;
	json_object_foreach(p->params, k, v)
	{
		const struct param *def = catalog_param(cat, k);
		if (def == NULL)
			return err_set(e, MAMORI_EPARSE, "%s:%d: profile %s: unknown parameter '%s'",
				       p->file, p->line, p->id, k);
		bool same = json_typeof(v) == json_typeof(def->def) ||
			    (json_is_boolean(v) && json_is_boolean(def->def));
		if (!same)
			return err_set(e, MAMORI_EPARSE,
				       "%s:%d: profile %s: parameter %s has the wrong type", p->file,
				       p->line, p->id, k);
	}
	return 0;
}

int guide_finish(struct guide *g, struct catalog *cat, struct errbuf *e)
{
	if (g->ncontrols)
		qsort(g->controls, g->ncontrols, sizeof(*g->controls), cmp_control);
	for (size_t i = 0; i + 1 < g->ncontrols; i++)
		if (strcmp(g->controls[i].id, g->controls[i + 1].id) == 0)
			return err_set(e, MAMORI_EPARSE, "%s:%d: control %s: duplicate id (also %s:%d)",
				       g->controls[i + 1].file, g->controls[i + 1].line,
				       g->controls[i].id, g->controls[i].file, g->controls[i].line);
	for (size_t i = 0; i < g->ncontrols; i++) {
		int r = finish_control(g, &g->controls[i], e);
		if (r)
			return r;
	}
	/* Each check's controls, and the other way round. */
	for (size_t i = 0; i < cat->nchecks; i++) {
		struct check *ck = &cat->checks[i];
		free(ck->ctl);
		ck->ctl = calloc(ck->ncontrols + 1, sizeof(*ck->ctl));
		if (ck->ctl == NULL)
			return err_set(e, MAMORI_ENOMEM, "out of memory");
		for (size_t j = 0; j < ck->ncontrols; j++) {
			struct control *c = (struct control *)guide_control(g, ck->controls[j]);
			if (c == NULL && g->ncontrols == 0)
				continue; /* a catalog without controls (tests of checks alone) */
			if (c == NULL)
				return err_set(e, MAMORI_EPARSE, "%s:%d: check %s: unknown control '%s'",
					       ck->file, ck->line, ck->id, ck->controls[j]);
			ck->ctl[j] = c;
			const struct check **v =
				realloc(c->checks, (c->nchecks + 1) * sizeof(*c->checks));
			if (v == NULL)
				return err_set(e, MAMORI_ENOMEM, "out of memory");
			c->checks = v;
			c->checks[c->nchecks++] = ck;
		}
	}
	for (size_t i = 0; i < g->nquestions; i++) {
		const struct question *q = &g->questions[i];
		for (int a = 0; a < 2; a++) {
			json_t *axes = json_object_get(q->effect[a], "axes");
			json_t *ms = json_object_get(q->effect[a], "methods");
			const char *k;
			json_t *v;
			json_object_foreach(axes, k, v) if (!known_named(g->axes, g->naxes, k)) return err_set(
				e, MAMORI_EPARSE, "selection.yaml: question %s: unknown axis '%s'", q->id, k);
			json_object_foreach(ms, k, v) if (!guide_method(g, k)) return err_set(
				e, MAMORI_EPARSE, "selection.yaml: question %s: unknown method '%s'", q->id, k);
		}
	}
	for (size_t i = 0; i < g->nprofiles; i++) {
		int r = finish_profile(g, cat, &g->profiles[i], e);
		if (r)
			return r;
	}
	return 0;
}
