/* SPDX-License-Identifier: Apache-2.0 */
/* The checklist sheet: its columns and cells, the CSV and register YAML writers, and the CSV
 * reader (libcsv) that feeds register.c. XLSX is in sheet_xlsx.c. */
#include "core/plan.h"

#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "core/sheet.h"

static const struct {
	const char *key, *en, *ja;
} columns[COL_COUNT] = {
    [COL_ID] = {"id", "ID", "ID"},
    [COL_PRIORITY] = {"priority", "Priority", "優先度"},
    [COL_FRAMEWORK] = {"framework", "Source", "出典"},
    [COL_ITEM] = {"item", "Item", "項番"},
    [COL_CATEGORY] = {"category", "Category", "分類"},
    [COL_ROLE] = {"role", "Role", "対象者"},
    [COL_LEVEL] = {"level", "Level", "対策レベル"},
    [COL_CSAJ_LEVEL] = {"csaj_level", "CSAJ level", "CSAJ区分"},
    [COL_TITLE] = {"title", "Title", "項目"},
    [COL_MEASURE] = {"measure", "Measure", "対策内容"},
    [COL_CHECKS] = {"checks", "Checks", "自動チェック"},
    [COL_MEASURED] = {"measured", "Measured", "測定結果"},
    [COL_STATE] = {"state", "Current state", "現状"},
    [COL_CONFIDENTIALITY] = {"confidentiality", "Confidentiality", "機密性"},
    [COL_INTEGRITY] = {"integrity", "Integrity", "完全性"},
    [COL_AVAILABILITY] = {"availability", "Availability", "可用性"},
    [COL_ACCOUNTABILITY] = {"accountability", "Accountability", "責任追跡性"},
    [COL_DECISION] = {"decision", "Decision", "対応"},
    [COL_DEADLINE] = {"deadline", "Deadline", "期限"},
    [COL_OWNER] = {"owner", "Owner", "担当者"},
    [COL_REASON] = {"reason", "Reason / note", "理由・備考"},
};

static bool is_ja(const char *lang)
{
	return lang != NULL && strcmp(lang, "ja") == 0;
}

const char *column_key(enum column c)
{
	return (unsigned)c < COL_COUNT ? columns[c].key : "?";
}

const char *column_label(enum column c, const char *lang)
{
	if ((unsigned)c >= COL_COUNT)
		return "?";
	return is_ja(lang) ? columns[c].ja : columns[c].en;
}

void sheet_col_ref(int col, bool letters, char *out, size_t size)
{
	if (!letters || col < 1) {
		snprintf(out, size, "%d", col);
		return;
	}
	char tmp[8];
	size_t n = 0;
	for (unsigned v = (unsigned)col; v > 0 && n < sizeof(tmp); v = (v - 1) / 26)
		tmp[n++] = (char)('A' + (v - 1) % 26);
	size_t o = 0;
	while (n > 0 && o + 1 < size)
		out[o++] = tmp[--n];
	out[o] = '\0';
}

/* --- cells ------------------------------------------------------------------------------- */

static int add(struct buf *out, const char *s)
{
	return s ? buf_adds(out, s) : 0;
}

static const char *framework_name(const char *fw, bool ja)
{
	static const struct {
		const char *id, *en, *ja;
	} names[] = {{"mic", "MIC", "MIC"},
		     {"csaj", "CSAJ", "CSAJ"},
		     {"jnsa", "JNSA", "JNSA"},
		     {"duty", "duty", "ベンダー対策表"}};
	for (size_t i = 0; fw && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].id, fw) == 0)
			return ja ? names[i].ja : names[i].en;
	return fw;
}

static const char *csaj_level_name(const char *level, bool ja)
{
	static const struct {
		const char *id, *ja;
	} names[] = {{"shall", "遵守"}, {"should", "推奨"}, {"may", "許容"}, {"mixed", "混在"}};
	for (size_t i = 0; ja && level && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].id, level) == 0)
			return names[i].ja;
	return level;
}

static const char *named_name(const struct named *n, const char *id, bool ja)
{
	if (!ja || n == NULL)
		return id;
	return text_get(&n->name, "ja");
}

static int measured_cell(const struct checklist *cl, const struct measured *m, bool ja,
			 struct buf *out)
{
	if (m->devices == 0 && cl->ndevices == 0)
		return 0;
	if (m->devices == 0)
		return buf_adds(out, ja ? "未測定" : "not measured");
	/* A failure anywhere matters most, then what could not be decided. */
	int n = m->fail > 0 ? m->fail : m->unknown > 0 ? m->unknown : m->pass;
	if (ja)
		return buf_printf(out, "%d 台中 %d 台で%s", m->devices, n,
				  m->fail > 0	   ? "不合格"
				  : m->unknown > 0 ? "不明"
						   : "合格");
	return buf_printf(out, "%s on %d of %d device%s",
			  m->fail > 0	   ? "fail"
			  : m->unknown > 0 ? "unknown"
					   : "pass",
			  n, m->devices, m->devices == 1 ? "" : "s");
}

int checklist_cell(const struct checklist *cl, const struct checklist_row *r, enum column c,
		   const char *lang, struct buf *out)
{
	const struct control *ct = r->control;
	const struct entry *en = r->entry;
	bool ja = is_ja(lang);
	switch (c) {
	case COL_ID:
		return add(out, ct->id);
	case COL_PRIORITY:
		return add(out, priority_mark(ct->priority));
	case COL_FRAMEWORK:
		return add(out, framework_name(ct->framework, ja));
	case COL_ITEM:
		return add(out, ct->item);
	case COL_CATEGORY:
		return add(out, named_name(ja ? guide_category(cl->guide, ct->category) : NULL,
					   ct->category, ja));
	case COL_ROLE:
		return add(out,
			   named_name(ja ? guide_role(cl->guide, ct->role) : NULL, ct->role, ja));
	case COL_LEVEL:
		return add(out, ct->advanced ? (ja ? "発展対策" : "advanced")
					     : (ja ? "基本対策" : "basic"));
	case COL_CSAJ_LEVEL:
		return add(out, csaj_level_name(ct->csaj_level, ja));
	case COL_TITLE:
		return add(out, text_get(&ct->title, lang));
	case COL_MEASURE:
		return add(out, text_get(&ct->text, lang));
	case COL_CHECKS:
		for (size_t i = 0; i < ct->nchecks; i++) {
			int rc = (i > 0 ? buf_adds(out, ", ") : 0);
			if (rc == 0)
				rc = add(out, ct->checks[i]->id);
			if (rc)
				return rc;
		}
		return 0;
	case COL_MEASURED:
		return measured_cell(cl, &r->measured, ja, out);
	case COL_STATE:
		return en ? add(out, en->state) : 0;
	case COL_CONFIDENTIALITY:
	case COL_INTEGRITY:
	case COL_AVAILABILITY:
	case COL_ACCOUNTABILITY:
		return en ? add(out, impact_word(en->impact[c - COL_CONFIDENTIALITY], lang)) : 0;
	case COL_DECISION:
		return en ? add(out, decision_word(en->decision, lang)) : 0;
	case COL_DEADLINE:
		return en ? add(out, en->deadline) : 0;
	case COL_OWNER:
		return en ? add(out, en->owner) : 0;
	case COL_REASON:
		return en ? add(out, en->reason) : 0;
	case COL_COUNT:
		break;
	}
	return MAMORI_EINVAL;
}

/* --- CSV --------------------------------------------------------------------------------- */

#define CELL_MAX (1u << 20)

/* One field, quoted by libcsv (every field is: RFC 4180 allows it and Excel reads it). */
bool sheet_csv_needs_guard(const char *s, size_t len)
{
	if (len == 0)
		return false;
	switch (s[0]) {
	case '=': case '+': case '-': case '@': case '\t': case '\r':
		return true;
	default:
		return false;
	}
}

static int csv_field(struct buf *out, const char *s, size_t len)
{
	bool guard = sheet_csv_needs_guard(s, len);
	size_t need = csv_write(NULL, 0, s, len);
	char *tmp = malloc(need + 1);
	if (tmp == NULL)
		return MAMORI_ENOMEM;
	csv_write(tmp + guard, need, s, len);
	if (guard) { /* inside the opening quote: "'=..." */
		tmp[0] = '"';
		tmp[1] = '\'';
	}
	int r = buf_add(out, tmp, need + guard);
	free(tmp);
	return r;
}

int checklist_write_csv(const struct checklist *cl, const char *lang, struct buf *out,
			struct errbuf *e)
{
	struct buf cell;
	buf_init(&cell, CELL_MAX);
	/* Excel opens a CSV as the ANSI code page (Shift_JIS in Japan) unless it has a BOM. */
	int r = is_ja(lang) ? buf_adds(out, "\xef\xbb\xbf") : 0;
	for (int c = 0; r == 0 && c < COL_COUNT; c++) {
		const char *label = column_label((enum column)c, lang);
		r = (c > 0 ? buf_adds(out, ",") : 0);
		if (r == 0)
			r = csv_field(out, label, strlen(label));
	}
	if (r == 0)
		r = buf_adds(out, "\r\n");
	for (size_t i = 0; r == 0 && i < cl->nrows; i++) {
		for (int c = 0; r == 0 && c < COL_COUNT; c++) {
			buf_reset(&cell);
			r = checklist_cell(cl, &cl->rows[i], (enum column)c, lang, &cell);
			if (r == 0 && c > 0)
				r = buf_adds(out, ",");
			if (r == 0)
				r = csv_field(out, cell.data ? cell.data : "", cell.len);
		}
		if (r == 0)
			r = buf_adds(out, "\r\n");
	}
	buf_free(&cell);
	if (r)
		return err_set(e, r, "checklist CSV: %s",
			       r == MAMORI_ETOOBIG ? "too large" : "out of memory");
	return 0;
}

struct csv_reader {
	const char *name;
	sheet_row_fn fn;
	void *ud;
	struct errbuf *e;
	int err;
	int row; /* rows ended so far */
	int prev_term;
	struct buf text; /* the current row's cells, each NUL-terminated */
	size_t off[SHEET_MAX_COLS], len[SHEET_MAX_COLS];
	size_t ncells;
};

static void csv_on_cell(void *s, size_t len, void *ud)
{
	struct csv_reader *c = ud;
	if (c->err)
		return;
	if (c->ncells >= SHEET_MAX_COLS) {
		c->err = err_set(c->e, MAMORI_ETOOBIG, "%s: row %d: more than %d columns", c->name,
				 c->row + 1, SHEET_MAX_COLS);
		return;
	}
	if (len > SHEET_MAX_STRING) {
		c->err =
		    err_set(c->e, MAMORI_ETOOBIG, "%s: row %d, column %zu: longer than %u bytes",
			    c->name, c->row + 1, c->ncells + 1, SHEET_MAX_STRING);
		return;
	}
	/* A guard our writers put before a formula-like cell (sheet_csv_needs_guard). */
	const char *cell = s;
	if (len >= 2 && cell[0] == '\'' && sheet_csv_needs_guard(cell + 1, len - 1)) {
		cell++;
		len--;
	}
	c->off[c->ncells] = c->text.len;
	c->len[c->ncells] = len;
	int r = buf_add(&c->text, cell, len);
	if (r == 0)
		r = buf_add(&c->text, "", 1);
	if (r) {
		c->err = err_set(c->e, r, "%s: out of memory", c->name);
		return;
	}
	c->ncells++;
}

static void csv_on_row(int term, void *ud)
{
	struct csv_reader *c = ud;
	if (c->err)
		return;
	/* libcsv reports the LF of a CRLF as a line of its own. */
	if (term == '\n' && c->prev_term == '\r' && c->ncells == 0) {
		c->prev_term = 0;
		return;
	}
	c->prev_term = term;
	c->row++;
	struct sheet_cell cells[SHEET_MAX_COLS];
	for (size_t i = 0; i < c->ncells; i++)
		cells[i] = (struct sheet_cell){
		    .col = (int)i + 1, .text = c->text.data + c->off[i], .len = c->len[i]};
	struct sheet_row sr = {.row = c->row, .cells = cells, .ncells = c->ncells};
	c->err = c->fn(c->ud, &sr, c->e);
	c->ncells = 0;
	buf_reset(&c->text);
}

int sheet_read_csv(const char *name, const char *data, size_t len, sheet_row_fn fn, void *ud,
		   struct errbuf *e)
{
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	size_t bad = utf8_first_bad(data, len);
	if (bad < len) {
		int line = 1;
		for (size_t i = 0; i < bad; i++)
			line += data[i] == '\n';
		return err_set(e, MAMORI_EPARSE,
			       "%s: line %d: not UTF-8 text (save the sheet as \"CSV UTF-8\")",
			       name, line);
	}
	struct csv_reader c = {.name = name, .fn = fn, .ud = ud, .e = e};
	buf_init(&c.text, SHEET_MAX_COLS * (SHEET_MAX_STRING + 1) + 1);
	struct csv_parser p;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0)
		return err_set(e, MAMORI_ENOMEM, "%s: out of memory", name);
	size_t done = csv_parse(&p, data, len, csv_on_cell, csv_on_row, &c);
	if (c.err == 0 && done != len)
		c.err =
		    err_set(e, MAMORI_EPARSE,
			    "%s: row %d: malformed CSV: a quote inside a cell that is not quoted, "
			    "or text after a closing quote",
			    name, c.row + 1);
	if (c.err == 0 && csv_fini(&p, csv_on_cell, csv_on_row, &c) != 0 && c.err == 0)
		c.err = err_set(e, MAMORI_EPARSE, "%s: row %d: a quoted cell is not closed", name,
				c.row + 1);
	csv_free(&p);
	buf_free(&c.text);
	return c.err;
}

/* --- register YAML ----------------------------------------------------------------------- */

/* A double-quoted YAML scalar: escapes what YAML would fold or reject (control characters and
 * the Unicode line breaks NEL, LS and PS). s is UTF-8. */
static int yaml_quoted(struct buf *out, const char *s)
{
	int r = buf_adds(out, "\"");
	for (const unsigned char *p = (const unsigned char *)s; r == 0 && *p; p++) {
		char esc[8] = "";
		if (*p == '"' || *p == '\\')
			snprintf(esc, sizeof(esc), "\\%c", *p);
		else if (*p == '\n')
			memcpy(esc, "\\n", 3);
		else if (*p == '\t')
			memcpy(esc, "\\t", 3);
		else if (*p < 0x20 || *p == 0x7f)
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
		else if (p[0] == 0xc2 && p[1] == 0x85)
			memcpy(esc, "\\N", 3);
		else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
			memcpy(esc, p[2] == 0xa8 ? "\\L" : "\\P", 3);
		else if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
			memcpy(esc, "\\uFEFF", 7);
		if (esc[0] == '\0') {
			r = buf_add(out, p, 1);
			continue;
		}
		r = buf_adds(out, esc);
		/* Skip the rest of a multi-byte sequence that was escaped whole. */
		if (p[0] == 0xc2)
			p += 1;
		else if (p[0] == 0xe2 || p[0] == 0xef)
			p += 2;
	}
	return r ? r : buf_adds(out, "\"");
}

/* Ids are written plain when they cannot be mistaken for anything else. */
static int yaml_id(struct buf *out, const char *s)
{
	bool plain = c_isalnum((unsigned char)s[0]);
	for (const char *p = s; plain && *p; p++)
		plain = c_isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_';
	return plain ? buf_adds(out, s) : yaml_quoted(out, s);
}

/* A comment on one line: line breaks, YAML's Unicode ones too, become spaces. */
static int yaml_comment(struct buf *out, const char *s)
{
	int r = buf_adds(out, "  # ");
	for (const unsigned char *p = (const unsigned char *)s; r == 0 && p && *p; p++) {
		size_t skip = 0;
		if (*p == '\n' || *p == '\r')
			skip = 1;
		else if (p[0] == 0xc2 && p[1] == 0x85)
			skip = 2;
		else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
			skip = 3;
		r = buf_add(out, skip ? " " : (const char *)p, 1);
		if (skip)
			p += skip - 1;
	}
	return r;
}

static int yaml_entry(struct buf *out, const struct checklist_row *row)
{
	const struct entry *en = row->entry;
	int r = buf_adds(out, "  - control: ");
	if (r == 0)
		r = yaml_id(out, row->control->id);
	if (r == 0 && row->control->title.en)
		r = yaml_comment(out, row->control->title.en);
	if (r == 0)
		r = buf_adds(out, "\n");
	if (r || en == NULL)
		return r;
	if (en->state && (r = buf_adds(out, "    state: ")) == 0 &&
	    (r = yaml_quoted(out, en->state)) == 0)
		r = buf_adds(out, "\n");
	bool any = false;
	for (int a = 0; r == 0 && a < AXIS_COUNT; a++) {
		if (en->impact[a] == IMPACT_NONE)
			continue;
		r = buf_printf(out, "%s%s: %s", any ? ", " : "    impact: {",
			       impact_axis_name((enum impact_axis)a),
			       impact_word(en->impact[a], "en"));
		any = true;
	}
	if (r == 0 && any)
		r = buf_adds(out, "}\n");
	if (r == 0 && en->decision != DECISION_NONE)
		r = buf_printf(out, "    decision: %s\n", decision_word(en->decision, "en"));
	if (r == 0 && en->deadline[0])
		r = buf_printf(out, "    deadline: %s\n", en->deadline);
	if (r == 0 && en->owner && (r = buf_adds(out, "    owner: ")) == 0 &&
	    (r = yaml_quoted(out, en->owner)) == 0)
		r = buf_adds(out, "\n");
	if (r == 0 && en->reason && (r = buf_adds(out, "    reason: ")) == 0 &&
	    (r = yaml_quoted(out, en->reason)) == 0)
		r = buf_adds(out, "\n");
	return r;
}

int checklist_write_register_yaml(const struct checklist *cl, struct buf *out, struct errbuf *e)
{
	int r = buf_adds(out, "# The risk register: the evaluation of each checklist item "
			      "(docs/register.md).\n");
	if (r == 0)
		r = buf_adds(out, cl->nrows ? "register:\n" : "register: []\n");
	for (size_t i = 0; r == 0 && i < cl->nrows; i++)
		r = yaml_entry(out, &cl->rows[i]);
	if (r)
		return err_set(e, r, "register YAML: %s",
			       r == MAMORI_ETOOBIG ? "too large" : "out of memory");
	return 0;
}
