/* SPDX-License-Identifier: Apache-2.0 */
/* The checklist as an Excel workbook: written with libxlsxwriter, read back with libzip and
 * libxml2's streaming reader. The reader trusts nothing in the file: each part it reads is
 * capped uncompressed, DTDs are refused, and only the first sheet's cells are looked at. */
#include "core/plan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/xmlreader.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "core/sheet.h"

static bool is_ja(const char *lang)
{
	return lang != NULL && strcmp(lang, "ja") == 0;
}

/* --- writing ----------------------------------------------------------------------------- */

/* Column widths in characters; the long texts wrap. */
static const double widths[COL_COUNT] = {
    [COL_ID] = 14,	     [COL_PRIORITY] = 7,	 [COL_FRAMEWORK] = 9,
    [COL_ITEM] = 8,	     [COL_CATEGORY] = 18,	 [COL_ROLE] = 14,
    [COL_LEVEL] = 10,	     [COL_CSAJ_LEVEL] = 10,	 [COL_TITLE] = 36,
    [COL_MEASURE] = 60,	     [COL_CHECKS] = 24,		 [COL_MEASURED] = 18,
    [COL_STATE] = 32,	     [COL_CONFIDENTIALITY] = 11, [COL_INTEGRITY] = 11,
    [COL_AVAILABILITY] = 11, [COL_ACCOUNTABILITY] = 11,	 [COL_DECISION] = 12,
    [COL_DEADLINE] = 12,     [COL_OWNER] = 14,		 [COL_REASON] = 32,
};

/* What each column holds, for the About sheet. */
static const struct {
	const char *en, *ja;
} about[COL_COUNT] = {
    [COL_ID] = {"The control's id in mamori's catalog. Required: rows without an id are "
		"skipped, and each control may appear once.",
		"mamori のカタログでの対策の ID。必須です。ID のない行は読み飛ばします。"
		"同じ対策は 1 行だけにしてください。"},
    [COL_PRIORITY] = {"◎ do first (important and easy to do), ○ next, - not in the MIC "
		      "checklist for small businesses.",
		      "◎ 最優先（重要で取り組みやすい）、○ 次に実施、- 総務省の中小企業向け"
		      "チェックリストの対象外。"},
    [COL_FRAMEWORK] = {"Where the control comes from: the MIC guideline, the CSAJ policy, the "
		       "JNSA checklist, or the vendor's table of duties (duty).",
		       "対策の出典：総務省ガイドライン（MIC）、CSAJ ポリシー、JNSA チェック"
		       "リスト、ベンダー対策表。"},
    [COL_ITEM] = {"The source's own number for it.", "出典での項番。"},
    [COL_CATEGORY] = {"The MIC countermeasure category.", "総務省ガイドラインの対策分類。"},
    [COL_ROLE] = {"Who carries it out: executive, administrator or teleworker.",
		  "実施する人：経営者、システム・セキュリティ管理者、テレワーク勤務者。"},
    [COL_LEVEL] = {"basic or advanced measure.", "基本対策または発展対策。"},
    [COL_CSAJ_LEVEL] = {"How strongly CSAJ words it: shall, should or may (mixed when the "
			"policy has several).",
			"CSAJ の区分：遵守、推奨、許容（複数ある場合は混在）。"},
    [COL_TITLE] = {"The control in a few words.", "対策の要約。"},
    [COL_MEASURE] = {"What the control asks for.", "対策の内容。"},
    [COL_CHECKS] = {"The mamori checks that measure it on a device.",
		    "端末上でこの対策を確認する mamori のチェック。"},
    [COL_MEASURED] = {"What the scans found: pass, fail or unknown on N of M devices.",
		      "スキャンの結果：M 台中 N 台で合格・不合格・不明。"},
    [COL_STATE] = {"Your words: how it is done today.", "現在の実施状況を記入してください。"},
    [COL_CONFIDENTIALITY] = {"Impact on confidentiality if it is not done: critical, serious "
			     "or minor.",
			     "実施しない場合の機密性への影響：極めて重大、重大、軽微。"},
    [COL_INTEGRITY] = {"Impact on integrity: critical, serious or minor.",
		       "完全性への影響：極めて重大、重大、軽微。"},
    [COL_AVAILABILITY] = {"Impact on availability: critical, serious or minor.",
			  "可用性への影響：極めて重大、重大、軽微。"},
    [COL_ACCOUNTABILITY] = {"Impact on accountability (who did what can be proven): "
			    "critical, serious or minor.",
			    "責任追跡性（誰が何をしたかを証明できること）への影響：極めて重大、"
			    "重大、軽微。"},
    [COL_DECISION] = {"done, will-do (give a deadline) or not-needed (give a reason). Empty: "
		      "not decided yet.",
		      "実施済み、実施予定（期限を記入）、不要（理由を記入）。空欄は未判断。"},
    [COL_DEADLINE] = {"YYYY-MM-DD. Required when the decision is will-do.",
		      "YYYY-MM-DD 形式。対応が実施予定のときは必須。"},
    [COL_OWNER] = {"Who is responsible for it.", "責任者・担当者。"},
    [COL_REASON] = {"Why it is not needed (required then), or any note.",
		    "不要とした理由（不要のときは必須）、またはメモ。"},
};

struct xwriter {
	lxw_workbook *wb;
	lxw_error err;
	int row, col; /* where err happened */
};

static void put(struct xwriter *w, lxw_worksheet *ws, int row, int col, const char *s,
		lxw_format *f)
{
	if (w->err != LXW_NO_ERROR)
		return;
	lxw_error r = worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, s, f);
	if (r != LXW_NO_ERROR) {
		w->err = r;
		w->row = row;
		w->col = col;
	}
}

static void list_validation(struct xwriter *w, lxw_worksheet *ws, int col, int last_row,
			    const char *const *words, const char *title)
{
	char *list[4];
	for (int i = 0; i < 3; i++)
		list[i] = (char *)words[i];
	list[3] = NULL;
	lxw_data_validation dv = {0};
	dv.validate = LXW_VALIDATION_TYPE_LIST;
	dv.value_list = list;
	dv.error_title = (char *)title;
	if (w->err == LXW_NO_ERROR)
		w->err = worksheet_data_validation_range(ws, 1, (lxw_col_t)col, (lxw_row_t)last_row,
							 (lxw_col_t)col, &dv);
}

static void merged(struct xwriter *w, lxw_worksheet *ws, int row, const char *s, lxw_format *f)
{
	if (w->err == LXW_NO_ERROR)
		w->err = worksheet_merge_range(ws, (lxw_row_t)row, 0, (lxw_row_t)row, 1, s, f);
}

static void write_about(struct xwriter *w, lxw_worksheet *ws, bool ja, lxw_format *bold,
			lxw_format *head, lxw_format *wrap)
{
	const char *lang = ja ? "ja" : "en";
	worksheet_set_column(ws, 0, 0, 20, NULL);
	worksheet_set_column(ws, 1, 1, 90, wrap);
	put(w, ws, 0, 0,
	    ja ? "mamori テレワーク・セキュリティ チェックリスト"
	       : "mamori telework security checklist",
	    bold);
	/* Excel does not fit the height of merged cells to their text. */
	worksheet_set_row(ws, 1, 48, NULL);
	merged(w, ws, 1,
	       ja ? "「現状」から「理由・備考」までの列を記入し、mamori plan --register "
		    "でこのファイルを読み込ませてください。読み込むのは ID とそれらの列だけで、"
		    "ほかの列は参考情報です。列の順序は変えても構いません。"
		  : "Fill in the columns from Current state to Reason / note and give this file to "
		    "mamori plan --register. Only the id and those columns are read back; the "
		    "others are for information. The columns may be moved.",
	       wrap);
	put(w, ws, 3, 0, ja ? "列" : "Column", head);
	put(w, ws, 3, 1, ja ? "内容" : "What it holds", head);
	for (int c = 0; c < COL_COUNT; c++) {
		put(w, ws, 4 + c, 0, column_label((enum column)c, lang), wrap);
		put(w, ws, 4 + c, 1, ja ? about[c].ja : about[c].en, wrap);
	}
	merged(w, ws, 5 + COL_COUNT,
	       ja ? "英語の語（critical, will-do など）も読み込めます。"
		  : "Words in Japanese (極めて重大, 実施予定, ...) are read as well.",
	       wrap);
}

/* Writes the workbook to tmp; messages name path, where it is going. */
static int write_workbook(const struct checklist *cl, const char *lang, const char *tmp,
			  const char *path, struct errbuf *e)
{
	bool ja = is_ja(lang);
	struct xwriter w = {.wb = workbook_new(tmp)};
	if (w.wb == NULL)
		return err_set(e, MAMORI_ENOMEM, "%s: cannot start the workbook", path);
	lxw_worksheet *ws = workbook_add_worksheet(w.wb, ja ? "チェックリスト" : "Checklist");
	lxw_worksheet *info = workbook_add_worksheet(w.wb, ja ? "説明" : "About");
	lxw_format *bold = workbook_add_format(w.wb);
	lxw_format *head = workbook_add_format(w.wb);
	lxw_format *top = workbook_add_format(w.wb);
	lxw_format *wrap = workbook_add_format(w.wb);
	lxw_format *center = workbook_add_format(w.wb);
	lxw_format *text = workbook_add_format(w.wb);
	if (!ws || !info || !bold || !head || !top || !wrap || !center || !text) {
		workbook_close(w.wb);
		return err_set(e, MAMORI_ENOMEM, "%s: out of memory", path);
	}
	format_set_bold(bold);
	format_set_bold(head);
	format_set_text_wrap(head);
	format_set_align(head, LXW_ALIGN_VERTICAL_TOP);
	format_set_bg_color(head, 0xDDEBF7);
	format_set_bottom(head, LXW_BORDER_THIN);
	format_set_align(top, LXW_ALIGN_VERTICAL_TOP);
	format_set_text_wrap(wrap);
	format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);
	format_set_align(center, LXW_ALIGN_CENTER);
	format_set_align(center, LXW_ALIGN_VERTICAL_TOP);
	/* Text, so that a date typed there stays YYYY-MM-DD instead of becoming a serial. */
	format_set_num_format(text, "@");
	format_set_align(text, LXW_ALIGN_VERTICAL_TOP);

	lxw_format *fmt[COL_COUNT];
	for (int c = 0; c < COL_COUNT; c++) {
		switch (c) {
		case COL_TITLE:
		case COL_MEASURE:
		case COL_STATE:
		case COL_REASON:
		case COL_CATEGORY:
		case COL_CHECKS:
			fmt[c] = wrap;
			break;
		case COL_PRIORITY:
		case COL_CONFIDENTIALITY:
		case COL_INTEGRITY:
		case COL_AVAILABILITY:
		case COL_ACCOUNTABILITY:
		case COL_DECISION:
			fmt[c] = center;
			break;
		case COL_DEADLINE:
			fmt[c] = text;
			break;
		default:
			fmt[c] = top;
		}
		worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, widths[c], fmt[c]);
		put(&w, ws, 0, c, column_label((enum column)c, lang), head);
	}

	struct buf cell;
	buf_init(&cell, 1u << 20);
	int r = 0;
	for (size_t i = 0; r == 0 && i < cl->nrows && i < LXW_ROW_MAX - 1; i++)
		for (int c = 0; r == 0 && c < COL_COUNT; c++) {
			buf_reset(&cell);
			r = checklist_cell(cl, &cl->rows[i], (enum column)c, lang, &cell);
			if (r == 0)
				put(&w, ws, (int)i + 1, c, cell.data ? cell.data : "", fmt[c]);
		}
	buf_free(&cell);

	int last = (int)cl->nrows;
	worksheet_freeze_panes(ws, 1, 0);
	if (w.err == LXW_NO_ERROR)
		w.err = worksheet_autofilter(ws, 0, 0, (lxw_row_t)last, COL_COUNT - 1);
	if (last > 0) {
		static const char *const impact_en[] = {"critical", "serious", "minor"};
		static const char *const impact_ja[] = {"極めて重大", "重大", "軽微"};
		static const char *const decision_en[] = {"done", "will-do", "not-needed"};
		static const char *const decision_ja[] = {"実施済み", "実施予定", "不要"};
		for (int c = COL_CONFIDENTIALITY; c <= COL_ACCOUNTABILITY; c++)
			list_validation(&w, ws, c, last, ja ? impact_ja : impact_en,
					column_label((enum column)c, lang));
		list_validation(&w, ws, COL_DECISION, last, ja ? decision_ja : decision_en,
				column_label(COL_DECISION, lang));
		lxw_data_validation dv = {0};
		dv.validate = LXW_VALIDATION_TYPE_ANY;
		dv.input_title = (char *)column_label(COL_DEADLINE, lang);
		dv.input_message = (char *)(ja ? "YYYY-MM-DD（実施予定のときは必須）"
					       : "YYYY-MM-DD (required for will-do)");
		if (w.err == LXW_NO_ERROR)
			w.err = worksheet_data_validation_range(ws, 1, COL_DEADLINE,
								(lxw_row_t)last, COL_DEADLINE, &dv);
	}
	write_about(&w, info, ja, bold, head, wrap);

	lxw_error closed = workbook_close(w.wb);
	if (r != 0 || w.err != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
		if (r != 0)
			return err_set(e, r, "%s: out of memory", path);
		if (w.err == LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED)
			return err_set(
			    e, MAMORI_ETOOBIG,
			    "%s: row %d, column %s: longer than Excel's 32767 characters", path,
			    w.row + 1, column_key((enum column)w.col));
		return err_set(e, MAMORI_EIO, "%s: %s", path,
			       lxw_strerror(w.err != LXW_NO_ERROR ? w.err : closed));
	}
	return 0;
}

int checklist_write_xlsx(const struct checklist *cl, const char *lang, const char *path,
			 struct errbuf *e)
{
	/* Into a new file beside path, renamed over it when complete: a failure leaves the old
	 * file as it was. Creating it here also gives a reason when the directory is not
	 * writable; libxlsxwriter would only say so on stderr. */
	static unsigned counter;
	char tmp[4096];
	int fd = -1;
	for (int tries = 0; fd < 0 && tries < 100; tries++) {
		int n = snprintf(tmp, sizeof(tmp), "%s.tmp%ld-%u", path, (long)getpid(), counter++);
		if (n < 0 || (size_t)n >= sizeof(tmp))
			return err_set(e, MAMORI_EINVAL, "%s: name too long", path);
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			return err_set(e, MAMORI_EIO, "%s: %s", path, strerror(errno));
	}
	if (fd < 0)
		return err_set(e, MAMORI_EIO, "%s: cannot create a temporary file", path);
	close(fd);
	int r = write_workbook(cl, lang, tmp, path, e);
	if (r == 0 && rename(tmp, path) != 0)
		r = err_set(e, MAMORI_EIO, "%s: %s", path, strerror(errno));
	if (r != 0)
		unlink(tmp);
	return r;
}

/* --- reading ----------------------------------------------------------------------------- */

#define REL_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define REL_NS_STRICT "http://purl.oclc.org/ooxml/officeDocument/relationships"
#define MAX_SHARED_STRINGS 1000000

struct xlsx {
	const char *name;
	struct errbuf *e;
	zip_t *za;
	bool date1904;
	struct buf pool; /* the shared strings, each NUL-terminated */
	size_t *ss_off, *ss_len;
	size_t nss, ss_cap;
};

/* One part of the package, whole, at most SHEET_MAX_PART bytes uncompressed. Returns
 * MAMORI_ENOENT without a message when optional and absent. */
static int part_read(struct xlsx *x, const char *part, bool optional, struct buf *out)
{
	zip_stat_t st;
	zip_stat_init(&st);
	if (zip_stat(x->za, part, ZIP_FL_NOCASE, &st) != 0) {
		if (optional)
			return MAMORI_ENOENT;
		return err_set(x->e, MAMORI_EPARSE, "%s: not an XLSX workbook: no %s", x->name,
			       part);
	}
	if ((st.valid & ZIP_STAT_SIZE) && st.size > SHEET_MAX_PART)
		return err_set(x->e, MAMORI_ETOOBIG, "%s: %s: larger than %u MiB uncompressed",
			       x->name, part, SHEET_MAX_PART >> 20);
	zip_file_t *zf = zip_fopen_index(x->za, st.index, 0);
	if (zf == NULL)
		return err_set(x->e, MAMORI_EPARSE, "%s: %s: cannot be read: %s", x->name, part,
			       zip_strerror(x->za));
	/* The size in the directory is the writer's word: stop at the cap whatever it says. */
	buf_init(out, SHEET_MAX_PART);
	char chunk[16384];
	int r = 0;
	for (;;) {
		zip_int64_t n = zip_fread(zf, chunk, sizeof(chunk));
		if (n < 0) {
			r = err_set(x->e, MAMORI_EPARSE, "%s: %s: cannot be read: %s", x->name,
				    part, zip_file_strerror(zf));
			break;
		}
		if (n == 0)
			break;
		if ((r = buf_add(out, chunk, (size_t)n)) != 0) {
			r = err_set(x->e, r, "%s: %s: larger than %u MiB uncompressed", x->name,
				    part, SHEET_MAX_PART >> 20);
			break;
		}
	}
	zip_fclose(zf);
	if (r)
		buf_free(out);
	return r;
}

struct xml {
	xmlTextReaderPtr r;
	const char *name, *part;
	bool failed;
	int line;
	char msg[200];
};

#if LIBXML_VERSION >= 21200
static void xml_on_error(void *arg, const xmlError *err)
#else
static void xml_on_error(void *arg, xmlErrorPtr err)
#endif
{
	struct xml *x = arg;
	if (x->failed || err == NULL || err->level < XML_ERR_ERROR)
		return;
	x->failed = true;
	x->line = err->line;
	snprintf(x->msg, sizeof(x->msg), "%s", err->message ? err->message : "malformed XML");
	/* One line: libxml2 puts the offending bytes on a second one. */
	size_t n = strlen(x->msg);
	while (n > 0 && c_isspace((unsigned char)x->msg[n - 1]))
		x->msg[--n] = '\0';
	for (char *p = x->msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

static int xml_open(struct xml *x, struct xlsx *xl, const char *part, const struct buf *b)
{
	memset(x, 0, sizeof(*x));
	x->name = xl->name;
	x->part = part;
	/* No network, no external DTD, no entity substitution, no "huge" mode. */
	x->r = xmlReaderForMemory(b->data ? b->data : "", (int)b->len, NULL, NULL, XML_PARSE_NONET);
	if (x->r == NULL)
		return err_set(xl->e, MAMORI_ENOMEM, "%s: %s: cannot be parsed", xl->name, part);
	xmlTextReaderSetStructuredErrorHandler(x->r, xml_on_error, x);
	return 0;
}

static void xml_close(struct xml *x)
{
	if (x->r)
		xmlFreeTextReader(x->r);
	x->r = NULL;
}

/* The next node: 1, or 0 at the end, or an error. */
static int xml_next(struct xml *x, struct errbuf *e)
{
	int rc = xmlTextReaderRead(x->r);
	if (rc == 1) {
		int t = xmlTextReaderNodeType(x->r);
		if (t == XML_READER_TYPE_DOCUMENT_TYPE || t == XML_READER_TYPE_ENTITY_REFERENCE ||
		    t == XML_READER_TYPE_ENTITY)
			return err_set(e, MAMORI_EPARSE, "%s: %s: a DTD or entity is not allowed",
				       x->name, x->part);
		return 1;
	}
	if (rc == 0 && !x->failed)
		return 0;
	return err_set(e, MAMORI_EPARSE, "%s: %s:%d: malformed XML: %s", x->name, x->part,
		       x->failed ? x->line : 0, x->failed ? x->msg : "cannot be read");
}

static const char *local_name(struct xml *x)
{
	const xmlChar *n = xmlTextReaderConstLocalName(x->r);
	return n ? (const char *)n : "";
}

static bool is_elem(struct xml *x, const char *local)
{
	return xmlTextReaderNodeType(x->r) == XML_READER_TYPE_ELEMENT &&
	       strcmp(local_name(x), local) == 0;
}

static bool is_end(struct xml *x, const char *local)
{
	return xmlTextReaderNodeType(x->r) == XML_READER_TYPE_END_ELEMENT &&
	       strcmp(local_name(x), local) == 0;
}

static bool is_text(struct xml *x)
{
	int t = xmlTextReaderNodeType(x->r);
	return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA ||
	       t == XML_READER_TYPE_WHITESPACE || t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE;
}

/* An attribute's value (caller frees with xmlFree), or NULL. */
static char *attr(struct xml *x, const char *name)
{
	return (char *)xmlTextReaderGetAttribute(x->r, (const xmlChar *)name);
}

static int add_text(struct xml *x, struct buf *b)
{
	const xmlChar *v = xmlTextReaderConstValue(x->r);
	return v ? buf_adds(b, (const char *)v) : 0;
}

static size_t utf8_put(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | (cp >> 12));
	out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

static int hexval(char c)
{
	if (c_isdigit((unsigned char)c))
		return c - '0';
	c = (char)c_tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* OOXML writes characters XML cannot hold as _xHHHH_, and a literal "_x" as _x005F_x. */
static void unescape_ooxml(struct buf *b)
{
	if (b->data == NULL)
		return;
	size_t o = 0;
	for (size_t i = 0; i < b->len;) {
		if (b->len - i >= 7 && b->data[i] == '_' && b->data[i + 1] == 'x' &&
		    b->data[i + 6] == '_') {
			int h0 = hexval(b->data[i + 2]), h1 = hexval(b->data[i + 3]);
			int h2 = hexval(b->data[i + 4]), h3 = hexval(b->data[i + 5]);
			if (h0 >= 0 && h1 >= 0 && h2 >= 0 && h3 >= 0) {
				unsigned cp = (unsigned)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
				if (cp != 0 && (cp < 0xd800 || cp > 0xdfff)) {
					o += utf8_put(b->data + o, cp); /* at most 3 of the 7 */
					i += 7;
					continue;
				}
			}
		}
		b->data[o++] = b->data[i++];
	}
	b->len = o;
	b->data[o] = '\0';
}

/* Resolves a relationship target against xl/ into a part name; NULL if it leaves the
 * package or is too long. */
static char *resolve(const char *target)
{
	char path[512];
	size_t n = 0;
	const char *s = target;
	if (*s == '/') {
		s++;
	} else {
		memcpy(path, "xl", 2);
		n = 2;
	}
	while (*s) {
		const char *end = strchr(s, '/');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		if (len == 0 || (len == 1 && s[0] == '.')) {
			/* nothing */
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			if (n == 0)
				return NULL;
			while (n > 0 && path[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else {
			if (n + 1 + len >= sizeof(path))
				return NULL;
			if (n > 0)
				path[n++] = '/';
			memcpy(path + n, s, len);
			n += len;
		}
		s += len + (end ? 1 : 0);
	}
	return n ? xstrndup(path, n) : NULL;
}

/* The first sheet's relationship id, and the date system. */
static int read_workbook(struct xlsx *x, char **rid)
{
	static const char part[] = "xl/workbook.xml";
	struct buf b;
	int r = part_read(x, part, false, &b);
	if (r)
		return r;
	struct xml xm;
	if ((r = xml_open(&xm, x, part, &b)) != 0) {
		buf_free(&b);
		return r;
	}
	*rid = NULL;
	while (*rid == NULL && (r = xml_next(&xm, x->e)) == 1) {
		if (is_elem(&xm, "workbookPr")) {
			char *v = attr(&xm, "date1904");
			x->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
			xmlFree(v);
		} else if (is_elem(&xm, "sheet")) {
			xmlChar *id = xmlTextReaderGetAttributeNs(xm.r, (const xmlChar *)"id",
								  (const xmlChar *)REL_NS);
			if (id == NULL)
				id = xmlTextReaderGetAttributeNs(xm.r, (const xmlChar *)"id",
								 (const xmlChar *)REL_NS_STRICT);
			if (id == NULL) {
				r = err_set(x->e, MAMORI_EPARSE, "%s: %s: a sheet without r:id",
					    x->name, part);
				break;
			}
			*rid = xstrdup((const char *)id);
			xmlFree(id);
			if (*rid == NULL)
				r = err_set(x->e, MAMORI_ENOMEM, "%s: out of memory", x->name);
		}
	}
	xml_close(&xm);
	buf_free(&b);
	if (r < 0) {
		free(*rid);
		*rid = NULL;
		return r;
	}
	if (*rid == NULL)
		return err_set(x->e, MAMORI_EPARSE, "%s: %s: the workbook has no sheet", x->name,
			       part);
	return 0;
}

/* The parts of the first sheet and of the shared strings (NULL when there are none). */
static int read_rels(struct xlsx *x, const char *rid, char **sheet, char **strings)
{
	static const char part[] = "xl/_rels/workbook.xml.rels";
	struct buf b;
	int r = part_read(x, part, false, &b);
	if (r)
		return r;
	struct xml xm;
	if ((r = xml_open(&xm, x, part, &b)) != 0) {
		buf_free(&b);
		return r;
	}
	*sheet = *strings = NULL;
	while ((r = xml_next(&xm, x->e)) == 1) {
		if (!is_elem(&xm, "Relationship"))
			continue;
		char *id = attr(&xm, "Id"), *target = attr(&xm, "Target");
		char *type = attr(&xm, "Type"), *mode = attr(&xm, "TargetMode");
		bool external = mode && strcmp(mode, "External") == 0;
		static const char ss[] = "/sharedStrings";
		size_t tl = type ? strlen(type) : 0;
		char **slot = NULL;
		if (id && strcmp(id, rid) == 0 && *sheet == NULL)
			slot = sheet;
		else if (tl >= sizeof(ss) - 1 && strcmp(type + tl - (sizeof(ss) - 1), ss) == 0 &&
			 *strings == NULL)
			slot = strings;
		if (slot && (target == NULL || external || (*slot = resolve(target)) == NULL))
			r = err_set(x->e, MAMORI_EPARSE, "%s: %s: relationship %s: bad target",
				    x->name, part, id ? id : "?");
		xmlFree(id);
		xmlFree(target);
		xmlFree(type);
		xmlFree(mode);
		if (r < 0)
			break;
	}
	xml_close(&xm);
	buf_free(&b);
	if (r == 0 && *sheet == NULL)
		r = err_set(x->e, MAMORI_EPARSE, "%s: %s: no part for the first sheet (%s)",
			    x->name, part, rid);
	if (r < 0) {
		free(*sheet);
		free(*strings);
		*sheet = *strings = NULL;
		return r;
	}
	return 0;
}

static int push_string(struct xlsx *x, const struct buf *s)
{
	if (x->nss == x->ss_cap) {
		if (x->nss >= MAX_SHARED_STRINGS)
			return err_set(x->e, MAMORI_ETOOBIG, "%s: more than %d shared strings",
				       x->name, MAX_SHARED_STRINGS);
		size_t cap = x->ss_cap ? x->ss_cap * 2 : 256;
		size_t *off = realloc(x->ss_off, cap * sizeof(*off));
		if (off == NULL)
			return err_set(x->e, MAMORI_ENOMEM, "%s: out of memory", x->name);
		x->ss_off = off;
		size_t *len = realloc(x->ss_len, cap * sizeof(*len));
		if (len == NULL)
			return err_set(x->e, MAMORI_ENOMEM, "%s: out of memory", x->name);
		x->ss_len = len;
		x->ss_cap = cap;
	}
	x->ss_off[x->nss] = x->pool.len;
	x->ss_len[x->nss] = s->len;
	int r = buf_add(&x->pool, s->data ? s->data : "", s->len);
	if (r == 0)
		r = buf_add(&x->pool, "", 1);
	if (r)
		return err_set(x->e, r, "%s: out of memory", x->name);
	x->nss++;
	return 0;
}

/* <si> holds <t>, or runs <r><t>; the phonetic guide <rPh><t> (furigana) is not the text. */
static int read_shared_strings(struct xlsx *x, const char *part)
{
	struct buf b;
	int r = part_read(x, part, true, &b);
	if (r == MAMORI_ENOENT)
		return 0;
	if (r)
		return r;
	struct xml xm;
	if ((r = xml_open(&xm, x, part, &b)) != 0) {
		buf_free(&b);
		return r;
	}
	buf_init(&x->pool, 2 * (size_t)SHEET_MAX_PART);
	struct buf cur;
	buf_init(&cur, SHEET_MAX_STRING);
	bool in_si = false, in_t = false;
	int rph = 0;
	while ((r = xml_next(&xm, x->e)) == 1) {
		bool empty = xmlTextReaderIsEmptyElement(xm.r) == 1;
		if (is_elem(&xm, "si")) {
			buf_reset(&cur);
			in_si = !empty;
			if (empty)
				r = push_string(x, &cur);
		} else if (is_end(&xm, "si") && in_si) {
			in_si = false;
			unescape_ooxml(&cur);
			r = push_string(x, &cur);
		} else if (is_elem(&xm, "rPh") && !empty) {
			rph++;
		} else if (is_end(&xm, "rPh") && rph > 0) {
			rph--;
		} else if (is_elem(&xm, "t")) {
			in_t = !empty;
		} else if (is_end(&xm, "t")) {
			in_t = false;
		} else if (in_si && in_t && rph == 0 && is_text(&xm)) {
			if (add_text(&xm, &cur) != 0)
				r = err_set(x->e, MAMORI_ETOOBIG,
					    "%s: %s: string %zu is longer than %u bytes", x->name,
					    part, x->nss, SHEET_MAX_STRING);
		}
		if (r < 0)
			break;
	}
	buf_free(&cur);
	xml_close(&xm);
	buf_free(&b);
	return r < 0 ? r : 0;
}

struct sheet_state {
	struct xlsx *x;
	const char *part;
	sheet_row_fn fn;
	void *ud;
	bool in_data, in_row, in_cell, in_v, in_is, in_t;
	int rph;
	int row, last_row, col;
	char type[12];
	struct buf val;
	struct sheet_cell cells[SHEET_MAX_COLS];
	char *own[SHEET_MAX_COLS];
	size_t ncells;
};

static int cell_error(struct sheet_state *s, int code, const char *what)
{
	char ref[16];
	sheet_col_ref(s->col, true, ref, sizeof(ref));
	return err_set(s->x->e, code, "%s: row %d, column %s: %s", s->x->name, s->row, ref, what);
}

/* Parses the letters of a cell reference ("AB12") into a column. */
static int ref_col(const char *ref)
{
	int col = 0;
	size_t i = 0;
	for (; ref[i] >= 'A' && ref[i] <= 'Z'; i++) {
		if (i >= 3)
			return -1;
		col = col * 26 + (ref[i] - 'A' + 1);
	}
	if (i == 0 || col > 16384)
		return -1;
	for (; ref[i]; i++)
		if (!c_isdigit((unsigned char)ref[i]))
			return -1;
	return col;
}

static int cell_start(struct sheet_state *s, struct xml *xm)
{
	char *ref = attr(xm, "r"), *t = attr(xm, "t");
	int col = ref ? ref_col(ref) : s->col + 1;
	snprintf(s->type, sizeof(s->type), "%s", t ? t : "");
	xmlFree(ref);
	xmlFree(t);
	if (col < 1 || col > 16384)
		return err_set(s->x->e, MAMORI_EPARSE, "%s: row %d: a cell with a bad reference",
			       s->x->name, s->row);
	s->col = col;
	s->in_cell = true;
	buf_reset(&s->val);
	return 0;
}

static int cell_end(struct sheet_state *s)
{
	struct xlsx *x = s->x;
	s->in_cell = s->in_v = s->in_is = s->in_t = false;
	s->rph = 0;
	const char *text = s->val.data ? s->val.data : "";
	size_t len = s->val.len;
	bool number = false, shared = false;
	if (len == 0)
		return 0; /* formatting only */
	if (strcmp(s->type, "s") == 0) {
		long long idx;
		if (strn_to_ll(text, len, 0, LLONG_MAX, &idx, NULL) != 0)
			return cell_error(s, MAMORI_EPARSE, "a bad shared string index");
		if ((unsigned long long)idx >= x->nss) {
			char msg[96];
			snprintf(msg, sizeof(msg),
				 "shared string %lld does not exist (the file has %zu)", idx,
				 x->nss);
			return cell_error(s, MAMORI_EPARSE, msg);
		}
		text = x->pool.data + x->ss_off[idx];
		len = x->ss_len[idx];
		shared = true;
	} else if (strcmp(s->type, "b") == 0) {
		text = len == 1 && text[0] == '1' ? "TRUE" : "FALSE";
		len = strlen(text);
	} else if (strcmp(s->type, "inlineStr") == 0) {
		unescape_ooxml(&s->val);
		text = s->val.data;
		len = s->val.len;
	} else if (strcmp(s->type, "d") == 0) {
		const char *tpos = memchr(text, 'T', len);
		if (tpos)
			len = (size_t)(tpos - text);
	} else if (s->type[0] == '\0' || strcmp(s->type, "n") == 0) {
		number = true;
	}
	if (len == 0)
		return 0;
	if (s->col > SHEET_MAX_COLS) {
		char msg[48];
		snprintf(msg, sizeof(msg), "more than %d columns", SHEET_MAX_COLS);
		return cell_error(s, MAMORI_ETOOBIG, msg);
	}
	size_t slot = s->ncells;
	for (size_t i = 0; i < s->ncells; i++)
		if (s->cells[i].col == s->col)
			slot = i;
	char *copy = NULL;
	if (!shared && (copy = xstrndup(text, len)) == NULL)
		return err_set(x->e, MAMORI_ENOMEM, "%s: out of memory", x->name);
	if (slot == s->ncells)
		s->ncells++;
	else
		free(s->own[slot]);
	s->own[slot] = copy;
	s->cells[slot] = (struct sheet_cell){
	    .col = s->col, .text = copy ? copy : text, .len = len, .number = number};
	return 0;
}

static void row_clear(struct sheet_state *s)
{
	for (size_t i = 0; i < s->ncells; i++) {
		free(s->own[i]);
		s->own[i] = NULL;
	}
	s->ncells = 0;
}

static int row_start(struct sheet_state *s, struct xml *xm)
{
	char *v = attr(xm, "r");
	long long row = s->last_row + 1;
	int bad = v ? strn_to_ll(v, strlen(v), 1, 1048576, &row, NULL) : 0;
	xmlFree(v);
	if (bad)
		return err_set(s->x->e, MAMORI_EPARSE,
			       "%s: %s: a row with a bad number (after row %d)", s->x->name,
			       s->part, s->last_row);
	if (row <= s->last_row)
		return err_set(s->x->e, MAMORI_EPARSE, "%s: row %lld comes after row %d",
			       s->x->name, row, s->last_row);
	s->row = (int)row;
	s->col = 0;
	s->in_row = true;
	return 0;
}

static int row_end(struct sheet_state *s)
{
	s->in_row = false;
	s->last_row = s->row;
	int r = 0;
	if (s->ncells > 0) {
		struct sheet_row sr = {.row = s->row,
				       .cells = s->cells,
				       .ncells = s->ncells,
				       .letters = true,
				       .date1904 = s->x->date1904};
		r = s->fn(s->ud, &sr, s->x->e);
	}
	row_clear(s);
	return r;
}

static int sheet_node(struct sheet_state *s, struct xml *xm)
{
	struct errbuf *e = s->x->e;
	bool empty = xmlTextReaderIsEmptyElement(xm->r) == 1;
	int r = 0;
	if (is_elem(xm, "sheetData")) {
		s->in_data = !empty;
	} else if (is_end(xm, "sheetData")) {
		s->in_data = false;
	} else if (!s->in_data) {
		return 0;
	} else if (is_elem(xm, "row")) {
		if (s->in_row)
			return err_set(e, MAMORI_EPARSE, "%s: %s: a row inside row %d", s->x->name,
				       s->part, s->row);
		if ((r = row_start(s, xm)) == 0 && empty)
			r = row_end(s);
	} else if (is_end(xm, "row")) {
		r = s->in_row ? row_end(s) : 0;
	} else if (!s->in_row) {
		return 0;
	} else if (is_elem(xm, "c")) {
		if (s->in_cell)
			return err_set(e, MAMORI_EPARSE, "%s: %s: a cell inside a cell in row %d",
				       s->x->name, s->part, s->row);
		if ((r = cell_start(s, xm)) == 0 && empty)
			r = cell_end(s);
	} else if (is_end(xm, "c")) {
		r = s->in_cell ? cell_end(s) : 0;
	} else if (!s->in_cell) {
		return 0;
	} else if (is_elem(xm, "v")) {
		s->in_v = !empty;
	} else if (is_end(xm, "v")) {
		s->in_v = false;
	} else if (is_elem(xm, "is")) {
		s->in_is = !empty;
	} else if (is_end(xm, "is")) {
		s->in_is = false;
	} else if (is_elem(xm, "rPh")) {
		s->rph += !empty;
	} else if (is_end(xm, "rPh")) {
		s->rph -= s->rph > 0;
	} else if (is_elem(xm, "t")) {
		s->in_t = !empty;
	} else if (is_end(xm, "t")) {
		s->in_t = false;
	} else if (is_text(xm) && (s->in_v || (s->in_is && s->in_t && s->rph == 0))) {
		if (add_text(xm, &s->val) != 0) {
			char msg[48];
			snprintf(msg, sizeof(msg), "longer than %u bytes", SHEET_MAX_STRING);
			r = cell_error(s, MAMORI_ETOOBIG, msg);
		}
	}
	return r;
}

static int read_sheet(struct xlsx *x, const char *part, sheet_row_fn fn, void *ud)
{
	struct buf b;
	int r = part_read(x, part, false, &b);
	if (r)
		return r;
	struct xml xm;
	if ((r = xml_open(&xm, x, part, &b)) != 0) {
		buf_free(&b);
		return r;
	}
	struct sheet_state s = {.x = x, .part = part, .fn = fn, .ud = ud};
	buf_init(&s.val, SHEET_MAX_STRING);
	while ((r = xml_next(&xm, x->e)) == 1)
		if ((r = sheet_node(&s, &xm)) != 0)
			break;
	row_clear(&s);
	buf_free(&s.val);
	xml_close(&xm);
	buf_free(&b);
	return r < 0 ? r : 0;
}

int sheet_read_xlsx(const char *name, const char *data, size_t len, sheet_row_fn fn, void *ud,
		    struct errbuf *e)
{
	struct xlsx x = {.name = name, .e = e};
	buf_init(&x.pool, 0);
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
	if (src == NULL) {
		zip_error_fini(&ze);
		return err_set(e, MAMORI_ENOMEM, "%s: out of memory", name);
	}
	x.za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	if (x.za == NULL) {
		int r = err_set(e, MAMORI_EPARSE, "%s: not a readable XLSX file: %s", name,
				zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return r;
	}
	zip_error_fini(&ze);
	char *rid = NULL, *sheet = NULL, *strings = NULL;
	int r = read_workbook(&x, &rid);
	if (r == 0)
		r = read_rels(&x, rid, &sheet, &strings);
	if (r == 0)
		r = read_shared_strings(&x, strings ? strings : "xl/sharedStrings.xml");
	if (r == 0)
		r = read_sheet(&x, sheet, fn, ud);
	free(rid);
	free(sheet);
	free(strings);
	free(x.ss_off);
	free(x.ss_len);
	buf_free(&x.pool);
	zip_discard(x.za);
	return r;
}
