/* SPDX-License-Identifier: Apache-2.0 */
/* `mamori plan`: pick telework methods from the organization's answers, build the checklist
 * of controls for the chosen methods and roles (◎ first), show what the scans measured, and
 * the register's progress. Pure: no I/O but the writers' output buffers and files. */
#ifndef MAMORI_PLAN_H
#define MAMORI_PLAN_H

#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"
#include "core/guide.h"
#include "core/register.h"

/* What scans measured for one control: over the devices whose reports were read, how many
 * pass (all its checks pass or are not applicable), fail (some check fails), or are unknown. */
struct measured {
	int devices; /* reports in which at least one of its checks ran */
	int pass, fail, unknown;
};

struct checklist_row {
	const struct control *control;
	struct measured measured;
	const struct entry *entry; /* from --register, or NULL */
};

struct checklist {
	const struct catalog *catalog;
	const struct guide *guide;
	const char **methods; /* chosen method ids */
	size_t nmethods;
	const char **roles;
	size_t nroles;
	struct checklist_row *rows; /* ◎ first, then ○, then the rest; by category, then id */
	size_t nrows;
	int ndevices; /* scan reports read */
	const struct risk_register *reg;
	char today[11]; /* YYYY-MM-DD, for overdue deadlines */
};

/* What the organization answered (an answers file, or the interactive questions). */
struct plan_answers {
	char **methods; /* chosen method ids; empty: the best recommendation */
	size_t nmethods;
	char **roles; /* empty: every role */
	size_t nroles;
	char **frameworks; /* empty: every source */
	size_t nframeworks;
	char *devices; /* company | personal | both */
	char **data;   /* kinds of data handled: personal-info, confidential, internal, public */
	size_t ndata;
	bool all;     /* also list what the SME checklist leaves out */
	int *answers; /* per selection question of the guide: -1 unset, 0 no, 1 yes */
	size_t nanswers;
};

void plan_answers_init(struct plan_answers *a, const struct guide *g);
/* Reads `plan:` from YAML (docs/plan.md). Errors name the file, line and key. */
int plan_answers_read(struct plan_answers *a, const struct guide *g, const char *file,
		      const char *text, size_t len, struct errbuf *e);
void plan_answers_free(struct plan_answers *a);
/* The answer to question i: given, implied by devices/data, or the question's default. */
bool plan_answer(const struct plan_answers *a, const struct guide *g, size_t i);

struct method_score {
	const struct method *method;
	int score;
	int axis_points[METHOD_AXES]; /* weight x rating per axis */
	int points;		      /* from answers naming the method */
	int rank;
};
/* Scores every method (catalog/controls/selection.yaml says how), best first. */
void plan_recommend(const struct guide *g, const struct plan_answers *a,
		    struct method_score *out /* g->nmethods */);

/* The checklist of the chosen methods and roles. */
int checklist_build(struct checklist *cl, const struct catalog *c, const struct plan_answers *a,
		    const char *const *methods, size_t nmethods, const char *today,
		    struct errbuf *e);
void checklist_free(struct checklist *cl);
/* Adds one device's scan report (the JSON of `mamori scan --format json`). */
int checklist_add_scan(struct checklist *cl, const json_t *report, const char *name,
		       struct errbuf *e);
void checklist_set_register(struct checklist *cl, const struct risk_register *reg);

struct progress {
	size_t rows, automated, done, planned, overdue, not_needed, undecided;
	size_t first_open; /* ◎ rows neither done nor decided not needed */
	size_t outside;	   /* register entries for controls not in this checklist */
};
void checklist_progress(const struct checklist *cl, struct progress *p);
bool entry_overdue(const struct entry *en, const char *today);

/* Human outputs: terminal text, Markdown, self-contained HTML. */
struct plan_view {
	const struct checklist *cl;
	const struct method_score *scores; /* may be NULL */
	size_t nscores;
	const struct plan_answers *answers;
	const char *lang;
	bool color;
};
int plan_write_text(const struct plan_view *v, struct buf *out);
int plan_write_markdown(const struct plan_view *v, struct buf *out);
int plan_write_html(const struct plan_view *v, struct buf *out);

/* The sheet's columns, in order. Readers find them by header (English key or Japanese label). */
enum column {
	COL_ID,
	COL_PRIORITY,
	COL_FRAMEWORK,
	COL_ITEM,
	COL_CATEGORY,
	COL_ROLE,
	COL_LEVEL,
	COL_CSAJ_LEVEL,
	COL_TITLE,
	COL_MEASURE,
	COL_CHECKS,
	COL_MEASURED,
	COL_STATE,
	COL_CONFIDENTIALITY,
	COL_INTEGRITY,
	COL_AVAILABILITY,
	COL_ACCOUNTABILITY,
	COL_DECISION,
	COL_DEADLINE,
	COL_OWNER,
	COL_REASON,
	COL_COUNT
};
const char *column_key(enum column c);			/* "id", "priority", ... */
const char *column_label(enum column c, const char *lang); /* header text */
/* The text of a cell for row r (informational columns and the entry's values). */
int checklist_cell(const struct checklist *cl, const struct checklist_row *r, enum column c,
		   const char *lang, struct buf *out);

/* Writers. CSV and XLSX carry every column; XLSX adds drop-down lists for the words. */
int checklist_write_csv(const struct checklist *cl, const char *lang, struct buf *out,
			struct errbuf *e);
int checklist_write_xlsx(const struct checklist *cl, const char *lang, const char *path,
			 struct errbuf *e);
/* The register as YAML (the form `register_read` reads back). */
int checklist_write_register_yaml(const struct checklist *cl, struct buf *out, struct errbuf *e);

#endif
