/* SPDX-License-Identifier: Apache-2.0 */
/* The terminal report: grouped by topic (worst first), then by severity. */
#include <stdlib.h>
#include <string.h>

#include "core/guide.h"
#include "core/i18n.h"
#include "core/report.h"

#define EVIDENCE_VALUE_MAX 240

static const char *const status_color[ST_COUNT] = {"\033[32m", "\033[1;31m", "\033[33m",
						   "\033[2m", "\033[2m"};
static const enum msg status_msg[ST_COUNT] = {M_PASS, M_FAIL, M_UNKNOWN, M_NOT_APPLICABLE,
					      M_DISABLED};
static const enum msg sev_msg[SEV_COUNT] = {M_SEVERITY_INFO, M_SEVERITY_LOW, M_SEVERITY_MEDIUM,
					    M_SEVERITY_HIGH, M_SEVERITY_CRITICAL};

int evidence_line(const json_t *ev, struct buf *out)
{
	const char *fact = json_string_value(json_object_get(ev, "fact"));
	const json_t *v = json_object_get(ev, "value");
	const json_t *unk = json_object_get(ev, "unknown");
	const char *src = json_string_value(json_object_get(ev, "source"));
	json_int_t line = json_integer_value(json_object_get(ev, "line"));
	const char *note = json_string_value(json_object_get(ev, "note"));
	int r = buf_printf(out, "%s = ", fact ? fact : "?");
	if (r)
		return r;
	if (v) {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		if (s == NULL)
			return MAMORI_ENOMEM;
		size_t l = strlen(s);
		if (l > EVIDENCE_VALUE_MAX) {
			/* cut on a UTF-8 boundary */
			l = EVIDENCE_VALUE_MAX;
			while (l > 0 && ((unsigned char)s[l] & 0xC0) == 0x80)
				l--;
			r = buf_add(out, s, l) || buf_adds(out, "…");
		} else {
			r = buf_add(out, s, l);
		}
		free(s);
	} else {
		r = buf_printf(out, "? (%s)", unk ? json_string_value(unk) : "unknown");
	}
	if (r)
		return r;
	if (src || note) {
		r = buf_adds(out, "  [");
		if (!r && src)
			r = line > 0 ? buf_printf(out, "%s:%lld", src, (long long)line)
				     : buf_adds(out, src);
		if (!r && note)
			r = buf_printf(out, "%s%s", src ? "; " : "", note);
		if (!r)
			r = buf_adds(out, "]");
	}
	return r;
}

/* Worst failing severity of a topic, or -1. */
static int topic_rank(const struct findings *fs, const char *topic)
{
	int worst = -1;
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *fd = &fs->v[i];
		if (strcmp(fd->check->topic, topic))
			continue;
		int rank = fd->status == ST_FAIL ? 10 + (int)fd->check->severity
			   : fd->status == ST_UNKNOWN ? 5
						      : 0;
		if (rank > worst)
			worst = rank;
	}
	return worst;
}

static int finding_order(const struct finding *fd)
{
	/* fail (by severity, worst first), unknown, disabled, pass, not applicable */
	switch (fd->status) {
	case ST_FAIL: return 100 - (int)fd->check->severity;
	case ST_UNKNOWN: return 200;
	case ST_DISABLED: return 300;
	case ST_PASS: return 400;
	default: return 500;
	}
}

/* Indents every line of text after the first by `indent` spaces. */
static int add_indented(struct buf *b, const char *text, int indent)
{
	for (const char *p = text; *p; p++) {
		if (buf_add(b, p, 1))
			return MAMORI_ENOMEM;
		if (*p == '\n' && p[1] && buf_printf(b, "%*s", indent, ""))
			return MAMORI_ENOMEM;
	}
	return 0;
}

static int text_finding(const struct report_ctx *r, const struct finding *fd, struct buf *b)
{
	const char *L = r->lang;
	const struct check *ck = fd->check;
	const char *on = r->color ? status_color[fd->status] : "";
	const char *off = r->color ? "\033[0m" : "";
	int e = buf_printf(b, "  %s%-8s%s [%s] %s  %s%s%s\n", on, msg(L, status_msg[fd->status]),
			   off, msg(L, sev_msg[ck->severity]), ck->id, r->color ? "\033[1m" : "",
			   text_get(&ck->title, L), off);
	if (e || fd->status == ST_PASS || fd->status == ST_NOT_APPLICABLE)
		return e;
	if (fd->status == ST_DISABLED)
		return buf_printf(b, "      %s: %s\n", msg(L, M_DISABLED_BECAUSE), fd->reason);
	size_t k;
	json_t *ev;
	bool many = json_array_size(fd->evidence) > 1;
	if (many && buf_printf(b, "      %s:\n", msg(L, M_FOUND)))
		return MAMORI_ENOMEM;
	json_array_foreach(fd->evidence, k, ev)
	{
		int w = many ? buf_adds(b, "        - ") : buf_printf(b, "      %s: ", msg(L, M_FOUND));
		if (w || evidence_line(ev, b) || buf_adds(b, "\n"))
			return MAMORI_ENOMEM;
	}
	if (fd->status == ST_UNKNOWN)
		return buf_printf(b, "      %s: %s\n", msg(L, M_UNKNOWN_BECAUSE), fd->reason);
	const struct text *rem = check_remediation(ck, r->platform);
	if (buf_printf(b, "      %s: ", msg(L, M_WHY)) ||
	    add_indented(b, text_get(&ck->rationale, L), 8) || buf_adds(b, "\n"))
		return MAMORI_ENOMEM;
	if (rem && (buf_printf(b, "      %s: ", msg(L, M_FIX)) ||
		    add_indented(b, text_get(rem, L), 8) || buf_adds(b, "\n")))
		return MAMORI_ENOMEM;
	if (buf_printf(b, "      %s: ", msg(L, M_REFS)) || check_control_labels(ck, b) || buf_adds(b, "\n"))
		return MAMORI_ENOMEM;
	return 0;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct finding *x = *(const struct finding *const *)a;
	const struct finding *y = *(const struct finding *const *)b;
	int ox = finding_order(x), oy = finding_order(y);
	return ox != oy ? ox - oy : strcmp(x->check->id, y->check->id);
}

int report_text(const struct report_ctx *r, struct buf *b)
{
	const char *L = r->lang;
	const struct findings *fs = r->findings;
	char when[32];
	format_time(r->now, when, sizeof(when));
	const struct fact *host = facts_get(r->facts, "host.hostname");
	const struct fact *os = facts_get(r->facts, "os.pretty_name");
	int e = buf_printf(b, "%s%s%s\n", r->color ? "\033[1m" : "", msg(L, M_REPORT_TITLE),
			   r->color ? "\033[0m" : "");
	e = e || buf_printf(b, "%s: %s   %s: %s   %s: %s\n", msg(L, M_HOST),
			    host && json_is_string(host->value) ? json_string_value(host->value) : "?",
			    msg(L, M_OS),
			    os && json_is_string(os->value) ? json_string_value(os->value) : "?",
			    msg(L, M_GENERATED), when);
	if (!e && strcmp(r->root, "/") != 0)
		e = buf_printf(b, "%s: %s\n", msg(L, M_ROOT), r->root);
	e = e || buf_printf(b, "%s: %s   %s: %u %s, %u %s, %u %s, %u %s, %u %s\n\n",
			    msg(L, M_POLICY), r->policy->name, msg(L, M_SUMMARY), fs->count[ST_PASS],
			    msg(L, M_PASS), fs->count[ST_FAIL], msg(L, M_FAIL), fs->count[ST_UNKNOWN],
			    msg(L, M_UNKNOWN), fs->count[ST_NOT_APPLICABLE], msg(L, M_NOT_APPLICABLE),
			    fs->count[ST_DISABLED], msg(L, M_DISABLED));
	if (e)
		return MAMORI_ENOMEM;
	return report_text_findings(r, b);
}

int report_text_findings(const struct report_ctx *r, struct buf *b)
{
	const char *L = r->lang;
	const struct findings *fs = r->findings;
	int e = 0;
	/* Topics present, worst first. */
	const char *order[64];
	size_t nt = 0;
	for (size_t i = 0; i < topics_count && nt < 64; i++)
		for (size_t k = 0; k < fs->n; k++)
			if (strcmp(fs->v[k].check->topic, topics[i]) == 0) {
				order[nt++] = topics[i];
				break;
			}
	int rank[64];
	for (size_t i = 0; i < nt; i++)
		rank[i] = topic_rank(fs, order[i]);
	for (size_t i = 1; i < nt; i++) /* insertion sort: stable, a few dozen topics */
		for (size_t j = i; j > 0 && rank[j] > rank[j - 1]; j--) {
			const char *t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
			int x = rank[j];
			rank[j] = rank[j - 1];
			rank[j - 1] = x;
		}
	unsigned hidden = 0;
	const struct finding **row = calloc(fs->n ? fs->n : 1, sizeof(*row));
	if (row == NULL)
		return MAMORI_ENOMEM;
	for (size_t t = 0; t < nt; t++) {
		size_t nrow = 0;
		for (size_t k = 0; k < fs->n; k++) {
			const struct finding *fd = &fs->v[k];
			if (strcmp(fd->check->topic, order[t]))
				continue;
			if (!r->verbose && (fd->status == ST_PASS || fd->status == ST_NOT_APPLICABLE)) {
				hidden++;
				continue;
			}
			row[nrow++] = fd;
		}
		if (nrow == 0)
			continue;
		qsort(row, nrow, sizeof(*row), cmp_finding);
		e = buf_printf(b, "%s== %s ==%s\n", r->color ? "\033[1;36m" : "",
			       topic_label(L, order[t]), r->color ? "\033[0m" : "");
		for (size_t k = 0; !e && k < nrow; k++)
			e = text_finding(r, row[k], b);
		if (e || buf_adds(b, "\n")) {
			free(row);
			return MAMORI_ENOMEM;
		}
	}
	free(row);
	if (fs->count[ST_FAIL] == 0 && fs->count[ST_UNKNOWN] == 0 &&
	    buf_printf(b, "%s\n", msg(L, M_ALL_PASS)))
		return MAMORI_ENOMEM;
	if (hidden && buf_printf(b, "(%u %s)\n", hidden, msg(L, M_PASSING_HIDDEN)))
		return MAMORI_ENOMEM;
	return 0;
}
