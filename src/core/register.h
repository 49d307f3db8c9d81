/* SPDX-License-Identifier: Apache-2.0 */
/* The risk register: the organization's CSAJ evaluation of each checklist item (current
 * state, impact on C/I/A/accountability, decision, deadline, owner). Read from YAML, or from
 * the CSV/XLSX checklist that `mamori plan` writes, once filled in (docs/register.md). */
#ifndef MAMORI_REGISTER_H
#define MAMORI_REGISTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/guide.h"
#include "core/util.h"

enum impact { IMPACT_NONE, IMPACT_CRITICAL, IMPACT_SERIOUS, IMPACT_MINOR };
enum impact_axis { AXIS_CONFIDENTIALITY, AXIS_INTEGRITY, AXIS_AVAILABILITY, AXIS_ACCOUNTABILITY,
		   AXIS_COUNT };
enum decision { DECISION_NONE, DECISION_DONE, DECISION_WILL_DO, DECISION_NOT_NEEDED };

struct entry {
	char *control; /* a control id of the catalog */
	char *state;   /* current state, free text, or NULL */
	enum impact impact[AXIS_COUNT];
	enum decision decision;
	char deadline[11]; /* YYYY-MM-DD, or "" */
	char *owner;
	char *reason; /* why it is not needed (required then), else a free note; or NULL */
	int row;      /* the YAML line or the sheet row it came from, for messages */
};

struct risk_register {
	char *file;
	struct entry *entries; /* in the order read */
	size_t nentries;
};

/* Reads a register: XLSX (by its zip signature), YAML (a mapping with `register:`) or CSV (a
 * header row naming the columns, in English or Japanese). Validates every row against the
 * guide: unknown or repeated control, unknown words, will-do without a deadline, not-needed
 * without a reason, malformed dates. Errors name the file, the row (or line) and the column.
 */
int register_read(const char *name, const char *data, size_t len, const struct guide *g,
		  struct risk_register **out, struct errbuf *e);
/* Whether a file is a register rather than a policy: an XLSX (zip signature), a name ending
 * in .csv or .xlsx, or YAML whose top level starts with `register:`. */
bool register_looks_like(const char *name, const char *data, size_t len);
void register_free(struct risk_register *r);
const struct entry *register_find(const struct risk_register *r, const char *control);

/* Words as written in files, in English (the YAML form) and Japanese (sheets in Japanese). */
const char *impact_word(enum impact i, const char *lang);
const char *decision_word(enum decision d, const char *lang);
const char *impact_axis_name(enum impact_axis a); /* confidentiality, ... */

#endif
