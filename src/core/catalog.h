/* SPDX-License-Identifier: Apache-2.0 */
/* The catalog: checks and policy parameters, loaded from YAML (docs/catalog.md). */
#ifndef MAMORI_CATALOG_H
#define MAMORI_CATALOG_H

#include <jansson.h>
#include <stddef.h>

#include "core/expr.h"
#include "core/util.h"
#include "mamori/mamori.h"

/* Text written by us in both languages. */
struct text {
	char *en;
	char *ja;
};

struct remediation {
	char *platform;
	struct text text;
};

struct check {
	char *id;
	char *topic;
	enum severity severity;
	char **platforms;
	size_t nplatforms;
	char *applies_src; /* NULL: always applies */
	struct expr *applies;
	char *expr_src;
	struct expr *expr;
	struct text title, rationale;
	struct remediation *remediation;
	size_t nremediation;
	char **controls; /* the guideline controls it automates (ids) */
	size_t ncontrols;
	const struct control **ctl; /* the same, resolved by catalog_finish */
	char *file; /* where it was defined */
	int line;
};

struct param {
	char *name;
	json_t *def;
	char *source;
	struct text label;
};

struct guide;
struct control;

struct catalog {
	struct check *checks; /* sorted by topic, then id, after catalog_finish */
	size_t nchecks;
	struct param *params;
	size_t nparams;
	json_t *defaults; /* object: param name -> default value */
	struct guide *guide; /* controls, methods, threats, profiles (core/guide.h) */
	bool failed;	     /* a file failed to load: records may be half-read */
};

/* One YAML file of the catalog, compiled into the binary or read from a directory. */
struct catalog_file {
	const char *name; /* relative path, e.g. "checks/ssh.yaml" */
	const char *text;
	size_t len;
};
extern const struct catalog_file catalog_embedded[];
extern const size_t catalog_embedded_count;

struct catalog *catalog_new(void);
void catalog_free(struct catalog *c);
/* Adds one file of the catalog: params.yaml, checks/NAME.yaml, controls/NAME.yaml or
 * profiles/NAME.yaml. Other files are ignored here. Errors name the file, line and record. */
int catalog_add(struct catalog *c, const char *name, const char *text, size_t len,
		struct errbuf *e);
/* Validates across files (every $parameter and control exists, every check automates a
 * control) and sorts. */
int catalog_finish(struct catalog *c, struct errbuf *e);
/* Loads the embedded catalog. */
int catalog_load_embedded(struct catalog **out, struct errbuf *e);

const struct check *catalog_find(const struct catalog *c, const char *id);
const struct param *catalog_param(const struct catalog *c, const char *name);

extern const char *const topics[];
extern const size_t topics_count;
bool topic_valid(const char *t);
/* Whether topic is one of list's comma-separated topics ("wifi,router-exposure"). */
bool topic_listed(const char *list, const char *topic);

const char *severity_name(enum severity s);
int severity_parse(const char *s, enum severity *out);
const char *status_name(enum status s);

/* Picks the language's text, falling back to English. */
const char *text_get(const struct text *t, const char *lang);
/* The remediation for platform, or NULL. */
const struct text *check_remediation(const struct check *ck, const char *platform);

#endif
