/* SPDX-License-Identifier: Apache-2.0 */
/* The guidance as data: categories, roles, telework methods, threats and the controls of
 * MIC, CSAJ, JNSA and the vendor duty table (catalog/controls/, docs/catalog.md). */
#ifndef MAMORI_GUIDE_H
#define MAMORI_GUIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <yaml.h>

#include "core/buf.h"
#include "core/catalog.h"

/* The MIC grid (importance x difficulty) and the SME checklist marks it gives. */
enum grade { GRADE_LOW, GRADE_MEDIUM, GRADE_HIGH };
enum priority { PRIO_FIRST /* ◎ */, PRIO_NEXT /* ○ */, PRIO_OUT /* not in the SME list */ };

struct named {
	char *id;
	struct text name;
	struct text description;
};

#define METHOD_AXES 5
struct rating {
	char grade; /* 'S', 'A', 'B', 'C', 'D' */
	struct text why;
};

struct method {
	char *id;
	int number;
	struct text name, description, use_case;
	struct rating ratings[METHOD_AXES]; /* in the order of guide.axes */
};

struct threat {
	char *id;
	int number;
	bool trouble_case; /* one of MIC's 15 trouble cases, else one of the 3 threats */
	struct text name;
};

struct statement {
	char *level; /* shall | should | may */
	struct text text;
};

struct control {
	char *id;
	char *framework; /* mic | csaj | jnsa | duty */
	char *item;	 /* the source's own number, or NULL */
	char *source;
	char *category;
	char *role;
	enum grade importance, difficulty;
	bool level_stated; /* the source states the level; else it follows from the grid */
	bool advanced;	   /* level: advanced (else basic) */
	enum priority priority;
	char *csaj_level;  /* shall | should | may | mixed (CSAJ only) */
	char *perspective; /* JNSA only */
	char **methods;	   /* NULL-terminated; empty: every method */
	size_t nmethods;
	char *devices; /* company | personal, or NULL for any */
	char **threats;
	size_t nthreats;
	struct text title, text;
	struct statement *statements;
	size_t nstatements;
	struct text *notes;
	size_t nnotes;
	const struct check **checks; /* the checks that automate it (from the checks' lists) */
	size_t nchecks;
	char *file;
	int line;
};

/* A question of the method-selection flow; an answer yes/no adds weight to axes of the
 * comparison table and points to methods (catalog/controls/selection.yaml). */
struct question {
	char *id;
	struct text text, help;
	bool def; /* the default answer */
	json_t *effect[2]; /* [0] when no, [1] when yes: {axes: {id: n}, methods: {id: n}} */
};

/* A shipped policy profile: which controls' checks it keeps on, and parameter values. */
struct profile {
	char *id;
	struct text title, description;
	char **frameworks, **levels, **perspectives, **controls; /* selection; empty: any */
	size_t nframeworks, nlevels, nperspectives, ncontrols;
	json_t *params; /* object, checked against the catalog's parameters */
	char *file;
	int line;
};

struct guide {
	struct named *categories, *roles, *axes, *perspectives;
	size_t ncategories, nroles, naxes, nperspectives;
	struct method *methods;
	size_t nmethods;
	struct threat *threats;
	size_t nthreats;
	struct control *controls; /* in file order until guide_finish, then sorted by id */
	size_t ncontrols;
	struct question *questions;
	size_t nquestions;
	struct profile *profiles;
	size_t nprofiles;
};

struct ld;
struct guide *guide_new(void);
void guide_free(struct guide *g);
/* Loads one file of catalog/controls/ or catalog/profiles/ (called by catalog_add). */
int guide_add(struct guide *g, struct ld *l, const yaml_node_t *root, const struct catalog *c);
/* Resolves and validates the links: categories, roles, methods, threats, the checks'
 * controls (every check automates one), levels against the grid. Sorts controls by id. */
int guide_finish(struct guide *g, struct catalog *c, struct errbuf *e);
const struct profile *guide_profile(const struct guide *g, const char *id);
/* Whether a profile keeps the control. */
bool profile_selects(const struct profile *p, const struct control *ctl);

const char *grade_name(enum grade g);
const char *priority_name(enum priority p); /* first | next | out */
const char *priority_mark(enum priority p); /* ◎ | ○ | - */
/* The MIC grid: level and SME priority from importance and difficulty. */
enum priority grid_priority(enum grade importance, enum grade difficulty);
bool grid_advanced(enum grade difficulty);

/* The position of id in v, or n. */
size_t named_index(const struct named *v, size_t n, const char *id);
const struct control *guide_control(const struct guide *g, const char *id);
const struct method *guide_method(const struct guide *g, const char *id);
const struct named *guide_category(const struct guide *g, const char *id);
const struct named *guide_role(const struct guide *g, const char *id);
const struct threat *guide_threat(const struct guide *g, const char *id);
/* Whether the control applies to the method (no methods listed: every one). */
bool control_for_method(const struct control *c, const char *method);
/* Appends the labels of the check's controls, ", "-separated, each once. */
int check_control_labels(const struct check *ck, struct buf *b);
/* A short label for reports: "MIC C-2", "CSAJ 5.1.1", "JNSA 2-2" or the id. */
const char *control_label(const struct control *c, char *buf, size_t size);

#endif
