/* SPDX-License-Identifier: Apache-2.0 */
/* Report writers: terminal text, JSON (schema/report.schema.json) and self-contained HTML. */
#ifndef MAMORI_REPORT_H
#define MAMORI_REPORT_H

#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"
#include "core/eval.h"

struct report_ctx {
	const char *lang;      /* "en" or "ja" */
	const char *platform;  /* "linux" */
	const char *root;      /* audited root */
	long long now;         /* scan time, Unix seconds */
	const char *report_id; /* 32 hex digits */
	const char *only;      /* topic filter or NULL */
	bool color;            /* ANSI colours in text */
	bool verbose;          /* text: list passing checks too */
	const struct catalog *catalog;
	const struct policy *policy;
	const struct facts *facts;
	const struct findings *findings;
};

/* The whole report as JSON; NULL on allocation failure. */
json_t *report_json(const struct report_ctx *r);
int report_text(const struct report_ctx *r, struct buf *out);
/* report_text without its header: the findings by topic, worst first. */
int report_text_findings(const struct report_ctx *r, struct buf *out);
/* `mamori lan`'s report (docs/lan.md): the home network from the router, wifi and lan facts,
 * then the findings of r->findings and the firewall rules that would fix the PC's side. */
int report_lan_text(const struct report_ctx *r, struct buf *out);
int report_html(const struct report_ctx *r, struct buf *out);

/* One finding's evidence as one line of text: "fact = value (file:line; note)". */
int evidence_line(const json_t *ev, struct buf *out);
/* ISO 8601 UTC time. */
void format_time(long long t, char *out, size_t outlen);

#endif
