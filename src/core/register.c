/* SPDX-License-Identifier: Apache-2.0 */
/* The risk register: YAML, or the checklist sheet filled in (CSV or XLSX), turned into entries
 * and validated against the guide. The sheet readers themselves are in sheet.c and
 * sheet_xlsx.c; this file owns the words, the header matching and every rule on an entry. */
#include "core/register.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/plan.h"
#include "core/sheet.h"
#include "core/yamlx.h"

static const char *const impact_en[] = {"", "critical", "serious", "minor"};
static const char *const impact_ja[] = {"", "極めて重大", "重大", "軽微"};
static const char *const decision_en[] = {"", "done", "will-do", "not-needed"};
static const char *const decision_ja[] = {"", "実施済み", "実施予定", "不要"};
/* Spellings people type that mean the same; accepted on reading, never written. */
static const char *const decision_alias[] = {"", "実施済", "will do", "not needed"};
static const char *const axis_names[] = {"confidentiality", "integrity", "availability",
					 "accountability"};

static bool is_ja(const char *lang)
{
	return lang != NULL && strcmp(lang, "ja") == 0;
}

const char *impact_word(enum impact i, const char *lang)
{
	if ((unsigned)i > IMPACT_MINOR)
		return "";
	return is_ja(lang) ? impact_ja[i] : impact_en[i];
}

const char *decision_word(enum decision d, const char *lang)
{
	if ((unsigned)d > DECISION_NOT_NEEDED)
		return "";
	return is_ja(lang) ? decision_ja[d] : decision_en[d];
}

const char *impact_axis_name(enum impact_axis a)
{
	return (unsigned)a < AXIS_COUNT ? axis_names[a] : "?";
}

void register_free(struct risk_register *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nentries; i++) {
		free(r->entries[i].control);
		free(r->entries[i].state);
		free(r->entries[i].owner);
		free(r->entries[i].reason);
	}
	free(r->entries);
	free(r->file);
	free(r);
}

const struct entry *register_find(const struct risk_register *r, const char *control)
{
	if (r == NULL || control == NULL)
		return NULL;
	for (size_t i = 0; i < r->nentries; i++)
		if (strcmp(r->entries[i].control, control) == 0)
			return &r->entries[i];
	return NULL;
}

/* --- words and dates ------------------------------------------------------------------- */

static bool word_eq(const char *s, size_t len, const char *w)
{
	/* ASCII case folding only: the Japanese words compare byte for byte. */
	return *w != '\0' && strlen(w) == len && c_strncasecmp(s, w, len) == 0;
}

/* The index of the word in the tables (0 for empty), or -1. s is trimmed. */
static int parse_word(const char *s, size_t len, const char *const *en, const char *const *ja,
		      const char *const *alias, int n)
{
	if (len == 0)
		return 0;
	for (int i = 1; i < n; i++)
		if (word_eq(s, len, en[i]) || word_eq(s, len, ja[i]) ||
		    (alias && word_eq(s, len, alias[i])))
			return i;
	return -1;
}

static bool leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Whether s is shaped like a date with sep between the parts: NNNN?NN?NN, digits only. */
static bool date_shape(const char *s, size_t len, char sep)
{
	if (len != 10 || s[4] != sep || s[7] != sep)
		return false;
	/* strn_to_ll takes a sign: "-1" must not pass as a month. */
	for (size_t i = 0; i < len; i++)
		if (i != 4 && i != 7 && !c_isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* YYYY-MM-DD naming a day that exists, years 1900 to 9999; in a sheet, YYYY/MM/DD too, which
 * is what Excel in a Japanese locale writes back. Writes the date as YYYY-MM-DD into out. */
static bool date_valid(const char *s, size_t len, bool sheet, char out[11])
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	long long y, m, d;
	if (!date_shape(s, len, '-') && !(sheet && date_shape(s, len, '/')))
		return false;
	if (strn_to_ll(s, 4, 1900, 9999, &y, NULL) || strn_to_ll(s + 5, 2, 1, 12, &m, NULL) ||
	    strn_to_ll(s + 8, 2, 1, 31, &d, NULL))
		return false;
	if (d > mdays[m - 1] + (m == 2 && leap(y)))
		return false;
	memcpy(out, s, 10);
	out[4] = out[7] = '-';
	out[10] = '\0';
	return true;
}

/* An Excel date serial (a date typed into a cell) to YYYY-MM-DD. The 1900 system counts
 * 1900-01-01 as 1 and has a 29 February 1900 (serial 60) that never was; the 1904 system
 * counts from 1904-01-01 as 0. A time of day (the fraction) is dropped. */
static bool serial_date(const char *s, size_t len, bool date1904, char out[11])
{
	size_t i = 0;
	while (i < len && c_isdigit((unsigned char)s[i]))
		i++;
	long long serial;
	if (i == 0 || strn_to_ll(s, i, 0, 2958465, &serial, NULL))
		return false;
	if (i < len) {
		if (s[i] != '.' || i + 1 == len)
			return false;
		for (size_t j = i + 1; j < len; j++)
			if (!c_isdigit((unsigned char)s[j]))
				return false;
	}
	long long days; /* from 1970-01-01 */
	if (date1904)
		days = days_from_civil(1904, 1, 1) + serial;
	else if (serial >= 61)
		days = days_from_civil(1899, 12, 30) + serial;
	else if (serial >= 1 && serial < 60)
		days = days_from_civil(1899, 12, 31) + serial;
	else
		return false;
	if (days > days_from_civil(9999, 12, 31))
		return false;
	format_date(days * 86400, out, 11);
	return true;
}

/* Copies user text into a message: at most about 60 bytes, control characters escaped, cut
 * on a character boundary. */
static const char *quote(const char *s, size_t len, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (o + 8 >= size || (o >= 60 && (c & 0xc0) != 0x80)) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
			const char *esc = c == '\n'   ? "\\n"
					  : c == '\t' ? "\\t"
					  : c == '\r' ? "\\r"
					  : c == '"'  ? "\\\""
					  : c == '\\' ? "\\\\"
						      : NULL;
			if (esc) {
				memcpy(out + o, esc, 2);
				o += 2;
			} else {
				int n = snprintf(out + o, size - o, "\\x%02x", c);
				o += n > 0 ? (size_t)n : 0;
			}
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

/* --- reading entries --------------------------------------------------------------------- */

struct reader {
	const char *name;
	const struct guide *g;
	struct risk_register *reg;
	size_t cap;
	bool sheet, letters, date1904;
	bool have_header;
	size_t header_cells;
	int col[COL_COUNT];		/* the sheet column of each of ours, 0 if absent */
	int by_col[SHEET_MAX_COLS + 1]; /* ours for each sheet column, -1 if none */
};

/* Where a message points: a YAML line and entry, or a sheet row and column. */
struct loc {
	int line;	     /* YAML line, or sheet row */
	int entry;	     /* YAML: 1-based entry number, 0 outside entries */
	const char *control; /* YAML: the entry's control when known */
	const char *field;   /* YAML key or column key, or NULL */
	int col;	     /* sheet column, 0 when the sheet has none */
};

__attribute__((format(printf, 5, 6))) static int
fail(const struct reader *rd, const struct loc *l, struct errbuf *e, int code, const char *fmt, ...)
{
	char msg[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rd->sheet) {
		char ref[16];
		if (l->field && l->col > 0) {
			sheet_col_ref(l->col, rd->letters, ref, sizeof(ref));
			return err_set(e, code, "%s: row %d, column %s (%s): %s", rd->name, l->line,
				       l->field, ref, msg);
		}
		if (l->field)
			return err_set(e, code, "%s: row %d, column %s: %s", rd->name, l->line,
				       l->field, msg);
		return err_set(e, code, "%s: row %d: %s", rd->name, l->line, msg);
	}
	if (l->entry == 0)
		return err_set(e, code, "%s:%d: %s%s%s", rd->name, l->line,
			       l->field ? l->field : "", l->field ? ": " : "", msg);
	return err_set(e, code, "%s:%d: register entry %d%s%.80s%s: %s%s%s", rd->name, l->line,
		       l->entry, l->control ? " (" : "", l->control ? l->control : "",
		       l->control ? ")" : "", l->field ? l->field : "", l->field ? ": " : "", msg);
}

static struct entry *new_entry(struct reader *rd, int line)
{
	struct risk_register *r = rd->reg;
	if (r->nentries == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 32;
		struct entry *p = realloc(r->entries, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		r->entries = p;
		rd->cap = cap;
	}
	struct entry *en = &r->entries[r->nentries++];
	memset(en, 0, sizeof(*en));
	en->row = line;
	return en;
}

/* The entry's control: a control of the guide, listed once. en is the last entry. */
static int set_control(struct reader *rd, struct entry *en, const char *s, size_t len,
		       const struct loc *l, struct errbuf *e)
{
	char q[80];
	str_trim(&s, &len);
	if (len == 0)
		return fail(rd, l, e, MAMORI_EPARSE, "required");
	if (len > 256 || memchr(s, '\0', len))
		return fail(rd, l, e, MAMORI_EPARSE, "unknown control \"%s\"",
			    quote(s, len, q, sizeof(q)));
	char *id = xstrndup(s, len);
	if (id == NULL)
		return err_set(e, MAMORI_ENOMEM, "%s: out of memory", rd->name);
	if (guide_control(rd->g, id) == NULL) {
		fail(rd, l, e, MAMORI_EPARSE, "unknown control \"%s\"",
		     quote(s, len, q, sizeof(q)));
		free(id);
		return MAMORI_EPARSE;
	}
	/* At most one entry per control of the guide, so this stays small. */
	for (size_t i = 0; i + 1 < rd->reg->nentries; i++)
		if (strcmp(rd->reg->entries[i].control, id) == 0) {
			fail(rd, l, e, MAMORI_EPARSE, "\"%s\" is listed twice (first at %s %d)", id,
			     rd->sheet ? "row" : "line", rd->reg->entries[i].row);
			free(id);
			return MAMORI_EPARSE;
		}
	en->control = id;
	return 0;
}

/* One evaluation field (the columns from COL_STATE on) from its text. */
static int set_field(struct reader *rd, struct entry *en, enum column c, const char *s, size_t len,
		     bool number, const struct loc *l, struct errbuf *e)
{
	char q[80];
	str_trim(&s, &len);
	if (len > SHEET_MAX_STRING)
		return fail(rd, l, e, MAMORI_ETOOBIG, "longer than %u bytes", SHEET_MAX_STRING);
	if (memchr(s, '\0', len))
		return fail(rd, l, e, MAMORI_EPARSE, "contains a NUL character");
	switch (c) {
	case COL_STATE:
	case COL_OWNER:
	case COL_REASON: {
		char **slot = c == COL_STATE   ? &en->state
			      : c == COL_OWNER ? &en->owner
					       : &en->reason;
		free(*slot);
		*slot = NULL;
		if (len == 0)
			return 0;
		if ((*slot = xstrndup(s, len)) == NULL)
			return err_set(e, MAMORI_ENOMEM, "%s: out of memory", rd->name);
		return 0;
	}
	case COL_CONFIDENTIALITY:
	case COL_INTEGRITY:
	case COL_AVAILABILITY:
	case COL_ACCOUNTABILITY: {
		int w = parse_word(s, len, impact_en, impact_ja, NULL, 4);
		if (w < 0)
			return fail(rd, l, e, MAMORI_EPARSE,
				    "expected critical, serious or minor (%s, %s, %s), got \"%s\"",
				    impact_ja[1], impact_ja[2], impact_ja[3],
				    quote(s, len, q, sizeof(q)));
		en->impact[c - COL_CONFIDENTIALITY] = (enum impact)w;
		return 0;
	}
	case COL_DECISION: {
		int w = parse_word(s, len, decision_en, decision_ja, decision_alias, 4);
		if (w < 0)
			return fail(rd, l, e, MAMORI_EPARSE,
				    "expected done, will-do or not-needed (%s, %s, %s), got \"%s\"",
				    decision_ja[1], decision_ja[2], decision_ja[3],
				    quote(s, len, q, sizeof(q)));
		en->decision = (enum decision)w;
		return 0;
	}
	case COL_DEADLINE:
		en->deadline[0] = '\0';
		if (len == 0)
			return 0;
		if (number) {
			if (!serial_date(s, len, rd->date1904, en->deadline))
				return fail(rd, l, e, MAMORI_EPARSE,
					    "expected a date YYYY-MM-DD, got the number %s",
					    quote(s, len, q, sizeof(q)));
			return 0;
		}
		if (!date_valid(s, len, rd->sheet, en->deadline)) {
			char sep = len == 10 ? s[4] : '\0';
			bool shape = (sep == '-' || (rd->sheet && sep == '/')) && s[7] == sep;
			return fail(rd, l, e, MAMORI_EPARSE,
				    "expected a date YYYY-MM-DD, got \"%s\"%s",
				    quote(s, len, q, sizeof(q)), shape ? " (no such day)" : "");
		}
		return 0;
	default:
		return 0;
	}
}

/* Rules across fields, once the entry is complete. */
static int check_entry(struct reader *rd, const struct entry *en, struct loc *deadline,
		       struct loc *reason, struct errbuf *e)
{
	if (en->decision == DECISION_WILL_DO && en->deadline[0] == '\0')
		return fail(rd, deadline, e, MAMORI_EPARSE,
			    "required when the decision is will-do");
	if (en->decision == DECISION_NOT_NEEDED && en->reason == NULL)
		return fail(rd, reason, e, MAMORI_EPARSE,
			    "required when the decision is not-needed");
	return 0;
}

/* --- sheets ------------------------------------------------------------------------------ */

static bool header_is(enum column c, const char *s, size_t len)
{
	return word_eq(s, len, column_key(c)) || word_eq(s, len, column_label(c, "en")) ||
	       word_eq(s, len, column_label(c, "ja"));
}

static int read_header(struct reader *rd, const struct sheet_row *sr, struct errbuf *e)
{
	rd->have_header = true;
	rd->header_cells = sr->ncells;
	for (size_t i = 0; i < sr->ncells; i++) {
		const struct sheet_cell *cell = &sr->cells[i];
		const char *s = cell->text;
		size_t len = cell->len;
		str_trim(&s, &len);
		for (int c = 0; c < COL_COUNT; c++) {
			if (!header_is((enum column)c, s, len))
				continue;
			if (rd->col[c] != 0) {
				char a[16], b[16];
				sheet_col_ref(rd->col[c], rd->letters, a, sizeof(a));
				sheet_col_ref(cell->col, rd->letters, b, sizeof(b));
				struct loc l = {.line = sr->row};
				return fail(rd, &l, e, MAMORI_EPARSE,
					    "the column %s appears twice (%s and %s)",
					    column_key((enum column)c), a, b);
			}
			rd->col[c] = cell->col;
			rd->by_col[cell->col] = c;
			break;
		}
	}
	if (rd->col[COL_ID] == 0) {
		struct loc l = {.line = sr->row};
		return fail(rd, &l, e, MAMORI_EPARSE,
			    "the header row has no id column (\"%s\" or \"%s\")",
			    column_key(COL_ID), column_label(COL_ID, "ja"));
	}
	return 0;
}

static int on_row(void *ud, const struct sheet_row *sr, struct errbuf *e)
{
	struct reader *rd = ud;
	rd->letters = sr->letters;
	rd->date1904 = sr->date1904;
	bool any = false;
	for (size_t i = 0; i < sr->ncells && !any; i++) {
		const char *s = sr->cells[i].text;
		size_t len = sr->cells[i].len;
		str_trim(&s, &len);
		any = len > 0;
	}
	if (!any)
		return 0;
	struct loc row = {.line = sr->row};
	if (sr->row > SHEET_MAX_ROWS)
		return fail(rd, &row, e, MAMORI_ETOOBIG, "more than %d rows", SHEET_MAX_ROWS);
	if (!rd->have_header)
		return read_header(rd, sr, e);
	if (!sr->letters && sr->ncells > rd->header_cells)
		return fail(rd, &row, e, MAMORI_EPARSE, "%zu cells, but the header row has %zu",
			    sr->ncells, rd->header_cells);

	const struct sheet_cell *cell[COL_COUNT] = {0};
	for (size_t i = 0; i < sr->ncells; i++) {
		int col = sr->cells[i].col;
		if (col >= 1 && col <= SHEET_MAX_COLS && rd->by_col[col] >= 0)
			cell[rd->by_col[col]] = &sr->cells[i];
	}
	const struct sheet_cell *id = cell[COL_ID];
	const char *s = id ? id->text : "";
	size_t len = id ? id->len : 0;
	str_trim(&s, &len);
	if (len == 0)
		return 0; /* a blank line or a note: no control to evaluate */

	struct entry *en = new_entry(rd, sr->row);
	if (en == NULL)
		return err_set(e, MAMORI_ENOMEM, "%s: out of memory", rd->name);
	struct loc l = {.line = sr->row, .field = column_key(COL_ID), .col = rd->col[COL_ID]};
	int r = set_control(rd, en, s, len, &l, e);
	for (int c = COL_STATE; r == 0 && c < COL_COUNT; c++) {
		if (cell[c] == NULL)
			continue;
		l.field = column_key((enum column)c);
		l.col = rd->col[c];
		r = set_field(rd, en, (enum column)c, cell[c]->text, cell[c]->len, cell[c]->number,
			      &l, e);
	}
	if (r)
		return r;
	struct loc dl = {.line = sr->row, .field = "deadline", .col = rd->col[COL_DEADLINE]};
	struct loc rl = {.line = sr->row, .field = "reason", .col = rd->col[COL_REASON]};
	return check_entry(rd, en, &dl, &rl, e);
}

/* --- YAML -------------------------------------------------------------------------------- */

static const char *const entry_keys[] = {"control",  "state", "impact", "decision",
					 "deadline", "owner", "reason", NULL};

/* A scalar's text, with a plain ~ or null read as empty; NULL if n is not a scalar. */
static const char *scalar(const yaml_node_t *n, size_t *len)
{
	const char *s = yamlx_str(n);
	if (s == NULL)
		return NULL;
	*len = n->data.scalar.length;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (strcmp(s, "~") == 0 || strcmp(s, "null") == 0))
		*len = 0;
	return s;
}

/* Each key at most once: libyaml keeps repeated keys and yamlx_get would see the first. */
static int no_repeats(struct reader *rd, yaml_document_t *doc, const yaml_node_t *map,
		      const char *const *keys, struct loc *l, struct errbuf *e)
{
	bool seen[8] = {false};
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *kn = yaml_document_get_node(doc, p->key);
		const char *k = yamlx_str(kn);
		for (size_t i = 0; k && keys[i] && i < 8; i++)
			if (strcmp(keys[i], k) == 0) {
				if (seen[i]) {
					l->line = yamlx_line(kn);
					l->field = keys[i];
					return fail(rd, l, e, MAMORI_EPARSE, "given twice");
				}
				seen[i] = true;
			}
	}
	return 0;
}

static int read_yaml_impact(struct reader *rd, yaml_document_t *doc, yaml_node_t *n,
			    struct entry *en, struct loc *l, struct errbuf *e)
{
	static const char *const axes[] = {"confidentiality", "integrity", "availability",
					   "accountability", NULL};
	char what[160];
	l->line = yamlx_line(n);
	l->field = "impact";
	if (!yamlx_is_map(n))
		return fail(rd, l, e, MAMORI_EPARSE,
			    "expected a mapping of confidentiality, integrity, availability and "
			    "accountability");
	snprintf(what, sizeof(what), "register entry %d (%.80s): impact", l->entry,
		 l->control ? l->control : "?");
	if (yamlx_only_keys(doc, n, axes, rd->name, what, e))
		return MAMORI_EPARSE;
	int r = no_repeats(rd, doc, n, axes, l, e);
	for (int a = 0; r == 0 && a < AXIS_COUNT; a++) {
		yaml_node_t *v = yamlx_get(doc, n, axes[a]);
		if (v == NULL)
			continue;
		char field[40];
		snprintf(field, sizeof(field), "impact: %s", axes[a]);
		l->line = yamlx_line(v);
		l->field = field;
		size_t len;
		const char *s = scalar(v, &len);
		if (s == NULL)
			return fail(rd, l, e, MAMORI_EPARSE, "expected critical, serious or minor");
		r = set_field(rd, en, (enum column)(COL_CONFIDENTIALITY + a), s, len, false, l, e);
	}
	return r;
}

static int read_yaml_entry(struct reader *rd, yaml_document_t *doc, yaml_node_t *n, int index,
			   struct errbuf *e)
{
	struct loc l = {.line = yamlx_line(n), .entry = index};
	if (!yamlx_is_map(n))
		return fail(rd, &l, e, MAMORI_EPARSE,
			    "expected a mapping with control, state, ...");
	yaml_node_t *cn = yamlx_get(doc, n, "control");
	size_t idlen = 0;
	const char *id = scalar(cn, &idlen);
	l.control = id && idlen > 0 && idlen <= 256 ? id : NULL;
	char what[160];
	snprintf(what, sizeof(what), "register entry %d%s%.80s%s", index, l.control ? " (" : "",
		 l.control ? l.control : "", l.control ? ")" : "");
	if (yamlx_only_keys(doc, n, entry_keys, rd->name, what, e))
		return MAMORI_EPARSE;
	int r = no_repeats(rd, doc, n, entry_keys, &l, e);
	if (r)
		return r;
	l.line = cn ? yamlx_line(cn) : yamlx_line(n);
	l.field = "control";
	if (cn == NULL)
		return fail(rd, &l, e, MAMORI_EPARSE, "required");
	if (id == NULL)
		return fail(rd, &l, e, MAMORI_EPARSE, "expected a control id");

	struct entry *en = new_entry(rd, yamlx_line(n));
	if (en == NULL)
		return err_set(e, MAMORI_ENOMEM, "%s: out of memory", rd->name);
	struct loc cl = l;
	cl.control = NULL; /* the message quotes it */
	if ((r = set_control(rd, en, id, idlen, &cl, e)) != 0)
		return r;
	static const struct {
		const char *key;
		enum column col;
	} fields[] = {{"state", COL_STATE},
		      {"decision", COL_DECISION},
		      {"deadline", COL_DEADLINE},
		      {"owner", COL_OWNER},
		      {"reason", COL_REASON}};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		yaml_node_t *v = yamlx_get(doc, n, fields[i].key);
		if (v == NULL)
			continue;
		l.line = yamlx_line(v);
		l.field = fields[i].key;
		size_t len;
		const char *s = scalar(v, &len);
		if (s == NULL)
			return fail(rd, &l, e, MAMORI_EPARSE, "expected text");
		if ((r = set_field(rd, en, fields[i].col, s, len, false, &l, e)) != 0)
			return r;
	}
	yaml_node_t *imp = yamlx_get(doc, n, "impact");
	if (imp && (r = read_yaml_impact(rd, doc, imp, en, &l, e)) != 0)
		return r;
	struct loc dl = l, rl = l;
	dl.line = rl.line = yamlx_line(n);
	dl.field = "deadline";
	rl.field = "reason";
	return check_entry(rd, en, &dl, &rl, e);
}

static int read_yaml(struct reader *rd, yaml_document_t *doc, struct errbuf *e)
{
	static const char *const top[] = {"register", NULL};
	yaml_node_t *root = yamlx_root(doc);
	if (yamlx_only_keys(doc, root, top, rd->name, "register file", e))
		return MAMORI_EPARSE;
	yaml_node_t *list = yamlx_get(doc, root, "register");
	struct loc l = {.line = yamlx_line(list), .field = "register"};
	if (!yamlx_is_seq(list))
		return fail(rd, &l, e, MAMORI_EPARSE, "expected a list of entries");
	size_t n = yamlx_seq_len(list);
	for (size_t i = 0; i < n; i++) {
		if (i >= SHEET_MAX_ROWS)
			return fail(rd, &l, e, MAMORI_ETOOBIG, "more than %d entries",
				    SHEET_MAX_ROWS);
		int r = read_yaml_entry(rd, doc, yamlx_seq_at(doc, list, i), (int)i + 1, e);
		if (r)
			return r;
	}
	return 0;
}

/* Whether text that failed to load as YAML was meant to be YAML: its first line that is
 * not blank or a comment starts a document or the register key. */
static bool looks_like_yaml(const char *s, size_t len)
{
	size_t i = 0;
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len) {
		while (i < len && c_isspace((unsigned char)s[i]))
			i++;
		if (i < len && s[i] == '#') {
			while (i < len && s[i] != '\n')
				i++;
			continue;
		}
		break;
	}
	static const char *const starts[] = {"register:", "---", "%YAML"};
	for (size_t k = 0; k < 3; k++) {
		size_t n = strlen(starts[k]);
		if (len - i >= n && memcmp(s + i, starts[k], n) == 0)
			return true;
	}
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

bool register_looks_like(const char *name, const char *data, size_t len)
{
	if (ends_with(name, ".csv") || ends_with(name, ".xlsx"))
		return true;
	if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0)
		return true;
	for (size_t i = 0; i + 9 <= len; i++)
		if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, "register:", 9) == 0)
			return true;
	return false;
}

static bool blank(const char *s, size_t len)
{
	size_t i = len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	for (; i < len; i++)
		if (!c_isspace((unsigned char)s[i]))
			return false;
	return true;
}

/* YAML when it loads as a mapping with `register:`; 1 when it is not YAML at all (a CSV). */
static int try_yaml(struct reader *rd, const char *data, size_t len, struct errbuf *e)
{
	yaml_document_t doc;
	struct errbuf ye;
	bool meant = looks_like_yaml(data, len);
	if (yamlx_load(&doc, rd->name, data, len, &ye) != 0) {
		if (!meant)
			return 1;
		*e = ye;
		return MAMORI_EPARSE;
	}
	int r = 1;
	yaml_node_t *root = yamlx_root(&doc);
	if (yamlx_is_map(root) && yamlx_get(&doc, root, "register") != NULL)
		r = read_yaml(rd, &doc, e);
	else if (meant)
		r = err_set(e, MAMORI_EPARSE, "%s:%d: expected a mapping with the key register",
			    rd->name, yamlx_line(root));
	yaml_document_delete(&doc);
	return r;
}

int register_read(const char *name, const char *data, size_t len, const struct guide *g,
		  struct risk_register **out, struct errbuf *e)
{
	if (data == NULL)
		len = 0;
	if (len > SHEET_MAX_INPUT)
		return err_set(e, MAMORI_ETOOBIG, "%s: larger than %u bytes", name,
			       SHEET_MAX_INPUT);
	struct reader rd = {.name = name, .g = g};
	for (size_t i = 0; i <= SHEET_MAX_COLS; i++)
		rd.by_col[i] = -1;
	rd.reg = calloc(1, sizeof(*rd.reg));
	if (rd.reg == NULL || (rd.reg->file = xstrdup(name)) == NULL) {
		register_free(rd.reg);
		return err_set(e, MAMORI_ENOMEM, "%s: out of memory", name);
	}
	int r;
	if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0) {
		rd.sheet = rd.letters = true;
		r = sheet_read_xlsx(name, data, len, on_row, &rd, e);
	} else if (blank(data, len)) {
		r = err_set(e, MAMORI_EPARSE, "%s: empty file", name);
	} else if ((r = try_yaml(&rd, data, len, e)) == 1) {
		rd.sheet = true;
		r = sheet_read_csv(name, data, len, on_row, &rd, e);
	}
	if (r == 0 && rd.sheet && !rd.have_header)
		r = err_set(e, MAMORI_EPARSE, "%s: no header row: the sheet is empty", name);
	if (r != 0) {
		register_free(rd.reg);
		return r;
	}
	*out = rd.reg;
	return 0;
}
