/* SPDX-License-Identifier: Apache-2.0 */
/* The checklist as an Excel workbook: written with libxlsxwriter, read back with minizip (from
 * memory), zlib and expat, each part parsed as it is inflated. The reader trusts nothing in
 * the file: each part it reads is capped uncompressed, DTDs are refused, and only the first
 * sheet's cells are looked at. */
#include "core/plan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <expat.h>
#include <xlsxwriter.h>
#include <zlib.h>

#include "core/sheet.h"

/* Last: its ioapi.h defines large-file macros for whatever is included after it. */
#include <minizip/unzip.h>

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
/* Expat names a namespaced element or attribute "URI\x01local": no XML text can hold \x01. */
#define NS_SEP '\x01'
#define NS_SEP_STR "\x01"
#define MAX_SHARED_STRINGS 1000000
#define MAX_PART_NAME 512 /* resolve() makes shorter names */
/* The depth libxml2 stopped at; a workbook needs fewer than ten levels, and each level costs
 * expat memory that a small file could otherwise multiply. */
#define MAX_XML_DEPTH 256
#define ZIP_CHUNK 16384	 /* compressed bytes read at a time */
#define XML_CHUNK 65536u /* inflated bytes handed to expat at a time */

/* The zip file in memory, as minizip's ioapi sees it: read and seek, never write. */
struct memfile {
	const char *data;
	size_t len, pos;
};

static voidpf ZCALLBACK mem_open(voidpf opaque, const void *filename, int mode)
{
	(void)filename;
	struct memfile *m = opaque;
	if ((mode & ZLIB_FILEFUNC_MODE_READWRITEFILTER) != ZLIB_FILEFUNC_MODE_READ)
		return NULL;
	m->pos = 0;
	return m;
}

static uLong ZCALLBACK mem_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
	(void)opaque;
	struct memfile *m = stream;
	size_t n = m->len - m->pos;
	if (n > size)
		n = size;
	if (n > 0)
		memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (uLong)n;
}

static uLong ZCALLBACK mem_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
	(void)opaque;
	(void)stream;
	(void)buf;
	(void)size;
	return 0;
}

static ZPOS64_T ZCALLBACK mem_tell(voidpf opaque, voidpf stream)
{
	(void)opaque;
	return ((struct memfile *)stream)->pos;
}

static long ZCALLBACK mem_seek(voidpf opaque, voidpf stream, ZPOS64_T offset, int origin)
{
	(void)opaque;
	struct memfile *m = stream;
	size_t base;
	switch (origin) {
	case ZLIB_FILEFUNC_SEEK_SET:
		base = 0;
		break;
	case ZLIB_FILEFUNC_SEEK_CUR:
		base = m->pos;
		break;
	case ZLIB_FILEFUNC_SEEK_END:
		base = m->len;
		break;
	default:
		return -1;
	}
	/* The offset is unsigned. Past the end is an error here, not a hole as with fseek. */
	if (offset > m->len - base)
		return -1;
	m->pos = base + (size_t)offset;
	return 0;
}

static int ZCALLBACK mem_close(voidpf opaque, voidpf stream)
{
	(void)opaque;
	(void)stream;
	return 0;
}

static int ZCALLBACK mem_error(voidpf opaque, voidpf stream)
{
	(void)opaque;
	(void)stream;
	return 0;
}

struct xlsx {
	const char *name;
	struct errbuf *e;
	unzFile uf;
	bool date1904;
	struct buf pool; /* the shared strings, each NUL-terminated */
	size_t *ss_off, *ss_len;
	size_t nss, ss_cap;
};

/* What a part's reader does with each element (by local name) and each piece of text (not
 * NUL-terminated; expat may cut a text anywhere). Each returns 0, or an error code with the
 * message set, which stops the parse. */
struct xml_handlers {
	int (*start)(void *ud, const char *local, const char **atts);
	int (*end)(void *ud, const char *local);
	int (*text)(void *ud, const char *s, size_t len);
};

struct xml {
	XML_Parser p;
	struct xlsx *x;
	const char *part;
	const struct xml_handlers *h;
	void *ud;
	int depth;
	int r;	      /* the error that stopped the parser, or 0 */
	size_t total; /* bytes inflated so far */
	uLong crc;
};

static const char *local_name(const char *name)
{
	const char *sep = strrchr(name, NS_SEP);
	return sep ? sep + 1 : name;
}

/* An attribute's value, or NULL. name is "Id", or "URI" NS_SEP_STR "id" for a namespaced one;
 * the value lives as long as the handler call. */
static const char *attr(const char **atts, const char *name)
{
	for (size_t i = 0; atts[i] != NULL; i += 2)
		if (strcmp(atts[i], name) == 0)
			return atts[i + 1];
	return NULL;
}

static void xml_stop(struct xml *xm, int r)
{
	xm->r = r;
	XML_StopParser(xm->p, XML_FALSE);
}

/* Expat may still call a handler or two after XML_StopParser: each checks xm->r first. */
static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	struct xml *xm = ud;
	if (xm->r != 0)
		return;
	if (++xm->depth > MAX_XML_DEPTH) {
		xml_stop(xm, err_set(xm->x->e, MAMORI_ETOOBIG,
				     "%s: %s:%lu: elements nested more than %d deep", xm->x->name,
				     xm->part, (unsigned long)XML_GetCurrentLineNumber(xm->p),
				     MAX_XML_DEPTH));
		return;
	}
	int r = xm->h->start ? xm->h->start(xm->ud, local_name(name), atts) : 0;
	if (r != 0)
		xml_stop(xm, r);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct xml *xm = ud;
	if (xm->r != 0)
		return;
	xm->depth--;
	int r = xm->h->end ? xm->h->end(xm->ud, local_name(name)) : 0;
	if (r != 0)
		xml_stop(xm, r);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct xml *xm = ud;
	if (xm->r != 0 || xm->h->text == NULL || len <= 0)
		return;
	int r = xm->h->text(xm->ud, s, (size_t)len);
	if (r != 0)
		xml_stop(xm, r);
}

static void refuse_dtd(struct xml *xm)
{
	if (xm->r == 0)
		xml_stop(xm,
			 err_set(xm->x->e, MAMORI_EPARSE, "%s: %s: a DTD or entity is not allowed",
				 xm->x->name, xm->part));
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	refuse_dtd(ud);
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
			      int value_len, const XML_Char *base, const XML_Char *sysid,
			      const XML_Char *pubid, const XML_Char *notation)
{
	(void)name;
	(void)is_param;
	(void)value;
	(void)value_len;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	refuse_dtd(ud);
}

static int xml_init(struct xml *xm, struct xlsx *x, const char *part, const struct xml_handlers *h,
		    void *ud)
{
	*xm = (struct xml){.x = x, .part = part, .h = h, .ud = ud, .crc = crc32(0L, Z_NULL, 0)};
	xm->p = XML_ParserCreateNS(NULL, NS_SEP);
	if (xm->p == NULL)
		return err_set(x->e, MAMORI_ENOMEM, "%s: out of memory", x->name);
	XML_SetUserData(xm->p, xm);
	XML_SetElementHandler(xm->p, on_start, on_end);
	XML_SetCharacterDataHandler(xm->p, on_text);
	/* A DTD could declare entities (billion laughs, external files): refused outright. No
	 * external entity is ever loaded: expat would need a handler for that, and has none. */
	XML_SetStartDoctypeDeclHandler(xm->p, on_doctype);
	XML_SetEntityDeclHandler(xm->p, on_entity);
	XML_SetParamEntityParsing(xm->p, XML_PARAM_ENTITY_PARSING_NEVER);
	return 0;
}

/* 0, or the error that stopped the parse: a handler's, or expat's with where it happened. */
static int xml_status(struct xml *xm, enum XML_Status st)
{
	if (st != XML_STATUS_ERROR || xm->r != 0)
		return xm->r;
	enum XML_Error code = XML_GetErrorCode(xm->p);
	if (code == XML_ERROR_NO_MEMORY)
		return xm->r = err_set(xm->x->e, MAMORI_ENOMEM, "%s: out of memory", xm->x->name);
	const char *what = XML_ErrorString(code);
	xm->r = err_set(xm->x->e, MAMORI_EPARSE, "%s: %s:%lu: malformed XML: %s at column %lu",
			xm->x->name, xm->part, (unsigned long)XML_GetCurrentLineNumber(xm->p),
			what ? what : "cannot be parsed",
			(unsigned long)XML_GetCurrentColumnNumber(xm->p) + 1);
	return xm->r;
}

/* Hands inflated bytes to the parser, counting them against the cap. */
static int xml_feed(struct xml *xm, const unsigned char *s, size_t n)
{
	if (n == 0 || xm->r != 0)
		return xm->r;
	if (n > SHEET_MAX_PART - xm->total)
		return xm->r = err_set(xm->x->e, MAMORI_ETOOBIG,
				       "%s: %s: larger than %u MiB uncompressed", xm->x->name,
				       xm->part, SHEET_MAX_PART >> 20);
	xm->total += n;
	xm->crc = crc32(xm->crc, s, (uInt)n);
	return xml_status(xm, XML_Parse(xm->p, (const char *)s, (int)n, XML_FALSE));
}

static int unreadable(struct xlsx *x, const char *part, const char *why)
{
	return err_set(x->e, MAMORI_EPARSE, "%s: %s: cannot be read: %s", x->name, part, why);
}

/* Makes the part current (names compare without regard to ASCII case). Returns
 * MAMORI_ENOENT without a message when the package has no such part. */
static int part_find(struct xlsx *x, const char *part, unz_file_info64 *info)
{
	size_t want = strlen(part);
	unz_global_info64 gi;
	if (want >= MAX_PART_NAME || unzGetGlobalInfo64(x->uf, &gi) != UNZ_OK ||
	    gi.number_entry == 0)
		return MAMORI_ENOENT;
	int rc = unzGoToFirstFile(x->uf);
	while (rc == UNZ_OK) {
		char name[MAX_PART_NAME];
		rc = unzGetCurrentFileInfo64(x->uf, info, name, sizeof(name), NULL, 0, NULL, 0);
		if (rc != UNZ_OK)
			break;
		/* Equal lengths: name then holds the whole name. */
		if (info->size_filename == want && c_strncasecmp(name, part, want) == 0)
			return 0;
		rc = unzGoToNextFile(x->uf);
	}
	if (rc == UNZ_END_OF_LIST_OF_FILE)
		return MAMORI_ENOENT;
	return err_set(x->e, MAMORI_EPARSE, "%s: not a readable XLSX file: a damaged zip directory",
		       x->name);
}

/* Inflates the current part into the parser. minizip hands over the raw (deflated) bytes:
 * left to inflate, it would stop at the size the directory claims, and a file that lies
 * would come out cut short; here the cap decides, and the claim is checked at the end. */
static int part_inflate(struct xlsx *x, struct xml *xm, const unz_file_info64 *info, bool deflated)
{
	unsigned char *in = malloc(ZIP_CHUNK + XML_CHUNK);
	if (in == NULL)
		return err_set(x->e, MAMORI_ENOMEM, "%s: out of memory", x->name);
	unsigned char *out = in + ZIP_CHUNK;
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	if (deflated && inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
		free(in);
		return err_set(x->e, MAMORI_ENOMEM, "%s: out of memory", x->name);
	}
	bool ended = !deflated;
	int r = 0;
	/* Bytes after the end of the deflated stream are not read. */
	while (!(deflated && ended)) {
		int n = unzReadCurrentFile(x->uf, in, ZIP_CHUNK);
		if (n < 0) {
			r = unreadable(x, xm->part, "the zip file is damaged or cut short");
			break;
		}
		if (n == 0)
			break;
		if (!deflated) {
			if ((r = xml_feed(xm, in, (size_t)n)) != 0)
				break;
			continue;
		}
		zs.next_in = in;
		zs.avail_in = (uInt)n;
		do {
			zs.next_out = out;
			zs.avail_out = XML_CHUNK;
			int zr = inflate(&zs, Z_NO_FLUSH);
			if (zr == Z_STREAM_END)
				ended = true;
			else if (zr != Z_OK && zr != Z_BUF_ERROR)
				r = unreadable(x, xm->part,
					       zs.msg ? zs.msg : "bad compressed data");
			if (r == 0)
				r = xml_feed(xm, out, XML_CHUNK - zs.avail_out);
		} while (r == 0 && zs.avail_out == 0 && !ended);
		if (r != 0)
			break;
	}
	if (r == 0 && !ended)
		r = unreadable(x, xm->part, "the compressed data is cut short");
	if (r == 0 && (xm->total != info->uncompressed_size || xm->crc != info->crc))
		r = unreadable(x, xm->part, "its size or CRC does not match the zip directory");
	if (deflated)
		inflateEnd(&zs);
	free(in);
	return r;
}

/* Parses one part of the package as it is inflated, at most SHEET_MAX_PART bytes whatever
 * the zip directory says. Returns MAMORI_ENOENT without a message when optional and
 * absent. */
static int part_parse(struct xlsx *x, const char *part, bool optional, const struct xml_handlers *h,
		      void *ud)
{
	unz_file_info64 info;
	int r = part_find(x, part, &info);
	if (r == MAMORI_ENOENT && !optional)
		return err_set(x->e, MAMORI_EPARSE, "%s: not an XLSX workbook: no %s", x->name,
			       part);
	if (r != 0)
		return r;
	if (info.uncompressed_size > SHEET_MAX_PART)
		return err_set(x->e, MAMORI_ETOOBIG, "%s: %s: larger than %u MiB uncompressed",
			       x->name, part, SHEET_MAX_PART >> 20);
	if (info.flag & 1)
		return unreadable(x, part, "it is encrypted");
	if (info.compression_method != 0 && info.compression_method != Z_DEFLATED) {
		char why[64];
		snprintf(why, sizeof(why), "compression method %lu is not supported",
			 (unsigned long)info.compression_method);
		return unreadable(x, part, why);
	}
	if (unzOpenCurrentFile2(x->uf, NULL, NULL, 1) != UNZ_OK)
		return unreadable(x, part, "its local header does not match the zip directory");
	struct xml xm;
	if ((r = xml_init(&xm, x, part, h, ud)) == 0) {
		r = part_inflate(x, &xm, &info, info.compression_method == Z_DEFLATED);
		if (r == 0)
			r = xml_status(&xm, XML_Parse(xm.p, "", 0, XML_TRUE));
		XML_ParserFree(xm.p);
	}
	unzCloseCurrentFile(x->uf);
	return r;
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

/* --- the parts --------------------------------------------------------------------------- */

struct wb_state {
	struct xlsx *x;
	char *rid;
};

static int wb_start(void *ud, const char *local, const char **atts)
{
	struct wb_state *w = ud;
	struct xlsx *x = w->x;
	if (w->rid != NULL)
		return 0; /* only the first sheet counts, and the date system given before it */
	if (strcmp(local, "workbookPr") == 0) {
		const char *v = attr(atts, "date1904");
		x->date1904 = v && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
	} else if (strcmp(local, "sheet") == 0) {
		const char *id = attr(atts, REL_NS NS_SEP_STR "id");
		if (id == NULL)
			id = attr(atts, REL_NS_STRICT NS_SEP_STR "id");
		if (id == NULL)
			return err_set(x->e, MAMORI_EPARSE,
				       "%s: xl/workbook.xml: a sheet without r:id", x->name);
		if ((w->rid = xstrdup(id)) == NULL)
			return err_set(x->e, MAMORI_ENOMEM, "%s: out of memory", x->name);
	}
	return 0;
}

/* The first sheet's relationship id, and the date system. */
static int read_workbook(struct xlsx *x, char **rid)
{
	static const char part[] = "xl/workbook.xml";
	static const struct xml_handlers h = {.start = wb_start};
	struct wb_state w = {.x = x};
	int r = part_parse(x, part, false, &h, &w);
	if (r == 0 && w.rid == NULL)
		r = err_set(x->e, MAMORI_EPARSE, "%s: %s: the workbook has no sheet", x->name,
			    part);
	if (r != 0) {
		free(w.rid);
		return r;
	}
	*rid = w.rid;
	return 0;
}

struct rels_state {
	struct xlsx *x;
	const char *part, *rid;
	char *sheet, *strings;
};

static int rels_start(void *ud, const char *local, const char **atts)
{
	struct rels_state *rs = ud;
	if (strcmp(local, "Relationship") != 0)
		return 0;
	const char *id = attr(atts, "Id"), *target = attr(atts, "Target");
	const char *type = attr(atts, "Type"), *mode = attr(atts, "TargetMode");
	bool external = mode && strcmp(mode, "External") == 0;
	static const char ss[] = "/sharedStrings";
	size_t tl = type ? strlen(type) : 0;
	char **slot = NULL;
	if (id && strcmp(id, rs->rid) == 0 && rs->sheet == NULL)
		slot = &rs->sheet;
	else if (tl >= sizeof(ss) - 1 && strcmp(type + tl - (sizeof(ss) - 1), ss) == 0 &&
		 rs->strings == NULL)
		slot = &rs->strings;
	if (slot && (target == NULL || external || (*slot = resolve(target)) == NULL))
		return err_set(rs->x->e, MAMORI_EPARSE, "%s: %s: relationship %s: bad target",
			       rs->x->name, rs->part, id ? id : "?");
	return 0;
}

/* The parts of the first sheet and of the shared strings (NULL when there are none). */
static int read_rels(struct xlsx *x, const char *rid, char **sheet, char **strings)
{
	static const char part[] = "xl/_rels/workbook.xml.rels";
	static const struct xml_handlers h = {.start = rels_start};
	struct rels_state rs = {.x = x, .part = part, .rid = rid};
	int r = part_parse(x, part, false, &h, &rs);
	if (r == 0 && rs.sheet == NULL)
		r = err_set(x->e, MAMORI_EPARSE, "%s: %s: no part for the first sheet (%s)",
			    x->name, part, rid);
	if (r != 0) {
		free(rs.sheet);
		free(rs.strings);
		return r;
	}
	*sheet = rs.sheet;
	*strings = rs.strings;
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

struct sst_state {
	struct xlsx *x;
	const char *part;
	struct buf cur;
	bool in_si, in_t;
	int rph;
};

static int sst_start(void *ud, const char *local, const char **atts)
{
	(void)atts;
	struct sst_state *ss = ud;
	if (strcmp(local, "si") == 0) {
		buf_reset(&ss->cur);
		ss->in_si = true;
	} else if (strcmp(local, "rPh") == 0) {
		ss->rph++;
	} else if (strcmp(local, "t") == 0) {
		ss->in_t = true;
	}
	return 0;
}

static int sst_end(void *ud, const char *local)
{
	struct sst_state *ss = ud;
	if (strcmp(local, "si") == 0 && ss->in_si) {
		ss->in_si = false;
		unescape_ooxml(&ss->cur);
		return push_string(ss->x, &ss->cur);
	}
	if (strcmp(local, "rPh") == 0 && ss->rph > 0)
		ss->rph--;
	else if (strcmp(local, "t") == 0)
		ss->in_t = false;
	return 0;
}

static int sst_text(void *ud, const char *s, size_t len)
{
	struct sst_state *ss = ud;
	if (!ss->in_si || !ss->in_t || ss->rph > 0 || buf_add(&ss->cur, s, len) == 0)
		return 0;
	return err_set(ss->x->e, MAMORI_ETOOBIG, "%s: %s: string %zu is longer than %u bytes",
		       ss->x->name, ss->part, ss->x->nss, SHEET_MAX_STRING);
}

/* <si> holds <t>, or runs <r><t>; the phonetic guide <rPh><t> (furigana) is not the text. */
static int read_shared_strings(struct xlsx *x, const char *part)
{
	static const struct xml_handlers h = {.start = sst_start, .end = sst_end, .text = sst_text};
	struct sst_state ss = {.x = x, .part = part};
	buf_init(&x->pool, 2 * (size_t)SHEET_MAX_PART);
	buf_init(&ss.cur, SHEET_MAX_STRING);
	int r = part_parse(x, part, true, &h, &ss);
	buf_free(&ss.cur);
	return r == MAMORI_ENOENT ? 0 : r;
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

static int cell_start(struct sheet_state *s, const char **atts)
{
	const char *ref = attr(atts, "r"), *t = attr(atts, "t");
	int col = ref ? ref_col(ref) : s->col + 1;
	snprintf(s->type, sizeof(s->type), "%s", t ? t : "");
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

static int row_start(struct sheet_state *s, const char **atts)
{
	const char *v = attr(atts, "r");
	long long row = s->last_row + 1;
	if (v && strn_to_ll(v, strlen(v), 1, 1048576, &row, NULL) != 0)
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

/* Only <sheetData> <row> <c> and what a cell holds are looked at. */
static int sheet_start(void *ud, const char *local, const char **atts)
{
	struct sheet_state *s = ud;
	if (strcmp(local, "sheetData") == 0) {
		s->in_data = true;
	} else if (!s->in_data) {
		return 0;
	} else if (strcmp(local, "row") == 0) {
		if (s->in_row)
			return err_set(s->x->e, MAMORI_EPARSE, "%s: %s: a row inside row %d",
				       s->x->name, s->part, s->row);
		return row_start(s, atts);
	} else if (!s->in_row) {
		return 0;
	} else if (strcmp(local, "c") == 0) {
		if (s->in_cell)
			return err_set(s->x->e, MAMORI_EPARSE,
				       "%s: %s: a cell inside a cell in row %d", s->x->name,
				       s->part, s->row);
		return cell_start(s, atts);
	} else if (!s->in_cell) {
		return 0;
	} else if (strcmp(local, "v") == 0) {
		s->in_v = true;
	} else if (strcmp(local, "is") == 0) {
		s->in_is = true;
	} else if (strcmp(local, "rPh") == 0) {
		s->rph++;
	} else if (strcmp(local, "t") == 0) {
		s->in_t = true;
	}
	return 0;
}

static int sheet_end(void *ud, const char *local)
{
	struct sheet_state *s = ud;
	if (strcmp(local, "sheetData") == 0) {
		s->in_data = false;
	} else if (!s->in_data) {
		return 0;
	} else if (strcmp(local, "row") == 0) {
		return s->in_row ? row_end(s) : 0;
	} else if (!s->in_row) {
		return 0;
	} else if (strcmp(local, "c") == 0) {
		return s->in_cell ? cell_end(s) : 0;
	} else if (!s->in_cell) {
		return 0;
	} else if (strcmp(local, "v") == 0) {
		s->in_v = false;
	} else if (strcmp(local, "is") == 0) {
		s->in_is = false;
	} else if (strcmp(local, "rPh") == 0) {
		s->rph -= s->rph > 0;
	} else if (strcmp(local, "t") == 0) {
		s->in_t = false;
	}
	return 0;
}

static int sheet_text(void *ud, const char *text, size_t len)
{
	struct sheet_state *s = ud;
	if (!s->in_data || !s->in_row || !s->in_cell ||
	    !(s->in_v || (s->in_is && s->in_t && s->rph == 0)))
		return 0;
	if (buf_add(&s->val, text, len) == 0)
		return 0;
	char msg[48];
	snprintf(msg, sizeof(msg), "longer than %u bytes", SHEET_MAX_STRING);
	return cell_error(s, MAMORI_ETOOBIG, msg);
}

static int read_sheet(struct xlsx *x, const char *part, sheet_row_fn fn, void *ud)
{
	static const struct xml_handlers h = {
	    .start = sheet_start, .end = sheet_end, .text = sheet_text};
	struct sheet_state s = {.x = x, .part = part, .fn = fn, .ud = ud};
	buf_init(&s.val, SHEET_MAX_STRING);
	int r = part_parse(x, part, false, &h, &s);
	row_clear(&s);
	buf_free(&s.val);
	return r;
}

int sheet_read_xlsx(const char *name, const char *data, size_t len, sheet_row_fn fn, void *ud,
		    struct errbuf *e)
{
	struct xlsx x = {.name = name, .e = e};
	buf_init(&x.pool, 0);
	struct memfile mf = {.data = data, .len = data ? len : 0};
	zlib_filefunc64_def io = {.zopen64_file = mem_open,
				  .zread_file = mem_read,
				  .zwrite_file = mem_write,
				  .ztell64_file = mem_tell,
				  .zseek64_file = mem_seek,
				  .zclose_file = mem_close,
				  .zerror_file = mem_error,
				  .opaque = &mf};
	x.uf = unzOpen2_64(name, &io);
	if (x.uf == NULL)
		return err_set(e, MAMORI_EPARSE,
			       "%s: not a readable XLSX file: not a zip archive, or a damaged one",
			       name);
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
	unzClose(x.uf);
	return r;
}
