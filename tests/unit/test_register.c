/* SPDX-License-Identifier: Apache-2.0 */
/* The risk register and the checklist sheet: every writer read back by register_read (CSV,
 * XLSX, YAML; English and Japanese headers), the XLSX checked by an independent reader
 * (openpyxl), and each validation rule with its exact message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/plan.h"

/* Last: its ioapi.h defines large-file macros for whatever is included after it. */
#include <minizip/zip.h>

/* --- a small guide, by hand -------------------------------------------------------------- */

static struct check ck_pw = {.id = "pw-len"}, ck_ssh = {.id = "ssh-pw"};
static const struct check *checks_pc[] = {&ck_pw, &ck_ssh};

static struct named categories[] = {
    {.id = "vulnerability", .name = {"Vulnerability management", "脆弱性管理"}},
    {.id = "account-authentication", .name = {"Accounts", "アカウント・認証管理"}},
};
static struct named roles[] = {
    {.id = "administrator", .name = {"Administrator", "システム・セキュリティ管理者"}},
    {.id = "teleworker", .name = {"Teleworker", "テレワーク勤務者"}},
};

/* Sorted by id, as guide_finish leaves them. */
static struct control controls[] = {
    {.id = "csaj-5.1.1",
     .framework = "csaj",
     .item = "5.1.1",
     .category = "vulnerability",
     .role = "administrator",
     .priority = PRIO_FIRST,
     .csaj_level = "shall",
     .title = {"Set up the PC", "PC を準備する"},
     .text = {"Supported OS, patched, antivirus running.", "サポート中の OS、最新の修正、"
							   "ウイルス対策が動作。"},
     .checks = checks_pc,
     .nchecks = 2},
    {.id = "csaj-5.1.3",
     .framework = "csaj",
     .item = "5.1.3",
     .category = "vulnerability",
     .role = "administrator",
     .priority = PRIO_NEXT,
     .csaj_level = "should",
     .title = {"Patch everything", "すべて更新"},
     .text = {"Patch, list, retire.", "更新する。"}},
    {.id = "duty-teleworker-1",
     .framework = "duty",
     .category = "account-authentication",
     .role = "teleworker",
     .priority = PRIO_OUT,
     .advanced = true,
     .title = {"Hard one", "難しい"},
     .text = {"Hard", "難しい"}},
    {.id = "jnsa-2-2",
     .framework = "jnsa",
     .category = "vulnerability",
     .role = "administrator",
     .priority = PRIO_FIRST,
     .title = {"Update before reconnecting", "戻す前に更新"},
     .text = {"Update", "更新"}},
    {.id = "mic-c-2",
     .framework = "mic",
     .item = "C-2",
     .category = "vulnerability",
     .role = "administrator",
     .priority = PRIO_NEXT,
     .title = {"Patch VPN devices", "VPN 機器の更新"},
     .text = {"Patch", "更新"}},
};

static struct guide guide = {.categories = categories,
			     .ncategories = 2,
			     .roles = roles,
			     .nroles = 2,
			     .controls = controls,
			     .ncontrols = 5};

/* Entries with every decision, every impact, a deadline, and text with commas, quotes, tabs,
 * line breaks and starts a spreadsheet would take for a formula. */
static struct entry entries[] = {
    {.control = "csaj-5.1.1",
     .state = "業者が設定済み、ウイルス対策は納品時に確認。\n\"二重\"チェック, 済\tタブ",
     .impact = {IMPACT_CRITICAL, IMPACT_SERIOUS, IMPACT_MINOR, IMPACT_MINOR},
     .decision = DECISION_WILL_DO,
     .deadline = "2026-12-31",
     .owner = "佐藤 (IT), \"情シス\""},
    {.control = "csaj-5.1.3",
     .state = "Patched monthly; WSUS, \"auto\"",
     .impact = {IMPACT_MINOR, IMPACT_NONE, IMPACT_NONE, IMPACT_CRITICAL},
     .decision = DECISION_DONE,
     .owner = "=cmd|' /C calc'!A0",
     .reason = "Note: line one\r\nline two"},
    {.control = "jnsa-2-2",
     .impact = {IMPACT_SERIOUS, IMPACT_SERIOUS, IMPACT_NONE, IMPACT_NONE},
     .decision = DECISION_NOT_NEEDED,
     .reason = "テレワーク端末なし、\n持ち出しもなし"},
    {.control = "mic-c-2", .state = "-2+3 未確認"},
};

static struct checklist_row rows[] = {
    {.control = &controls[0], .measured = {3, 3, 0, 0}, .entry = &entries[0]},
    {.control = &controls[4], .measured = {0, 0, 0, 0}, .entry = &entries[3]},
    {.control = &controls[1], .measured = {3, 1, 1, 1}, .entry = &entries[1]},
    {.control = &controls[2], .measured = {0, 0, 0, 0}, .entry = NULL},
    {.control = &controls[3], .measured = {3, 1, 0, 2}, .entry = &entries[2]},
};

static struct checklist checklist = {.guide = &guide,
				     .rows = rows,
				     .nrows = sizeof(rows) / sizeof(rows[0]),
				     .ndevices = 3,
				     .today = "2026-04-01"};

/* --- helpers ----------------------------------------------------------------------------- */

static struct risk_register *read_ok(const char *name, const char *data, size_t len)
{
	struct errbuf e = {{0}};
	struct risk_register *r = NULL;
	int rc = register_read(name, data, len, &guide, &r, &e);
	if (rc != 0)
		fail_msg("%s: %s", name, e.msg);
	assert_non_null(r);
	return r;
}

static void expect_error(const char *name, const char *data, size_t len, const char *msg)
{
	struct errbuf e = {{0}};
	struct risk_register *r = NULL;
	int rc = register_read(name, data, len, &guide, &r, &e);
	if (rc == 0)
		register_free(r);
	assert_int_not_equal(rc, 0);
	assert_null(r);
	assert_string_equal(e.msg, msg);
}

static void expect_error_prefix(const char *name, const char *data, size_t len, const char *prefix)
{
	struct errbuf e = {{0}};
	struct risk_register *r = NULL;
	int rc = register_read(name, data, len, &guide, &r, &e);
	if (rc == 0)
		register_free(r);
	assert_int_not_equal(rc, 0);
	if (strncmp(e.msg, prefix, strlen(prefix)) != 0)
		fail_msg("message \"%s\" does not start with \"%s\"", e.msg, prefix);
}

#define CSV_ERR(data, msg) expect_error("reg.csv", data, strlen(data), msg)
#define YAML_ERR(data, msg) expect_error("reg.yaml", data, strlen(data), msg)

static void same_str(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
}

/* The entry read back for a checklist row equals the one written (nothing set if none). */
static void same_entry(const struct entry *got, const struct checklist_row *row)
{
	const struct entry *want = row->entry;
	assert_non_null(got);
	assert_string_equal(got->control, row->control->id);
	if (want == NULL) {
		assert_null(got->state);
		assert_null(got->owner);
		assert_null(got->reason);
		for (int a = 0; a < AXIS_COUNT; a++)
			assert_int_equal(got->impact[a], IMPACT_NONE);
		assert_int_equal(got->decision, DECISION_NONE);
		assert_string_equal(got->deadline, "");
		return;
	}
	same_str(got->state, want->state);
	same_str(got->owner, want->owner);
	same_str(got->reason, want->reason);
	for (int a = 0; a < AXIS_COUNT; a++)
		assert_int_equal(got->impact[a], want->impact[a]);
	assert_int_equal(got->decision, want->decision);
	assert_string_equal(got->deadline, want->deadline);
}

/* Every checklist row read back, in order; sheet rows are numbered from 2 (after the header). */
static void same_register(const struct risk_register *r, bool sheet)
{
	assert_int_equal(r->nentries, checklist.nrows);
	for (size_t i = 0; i < checklist.nrows; i++) {
		same_entry(&r->entries[i], &rows[i]);
		assert_ptr_equal(register_find(r, rows[i].control->id), &r->entries[i]);
		if (sheet)
			assert_int_equal(r->entries[i].row, (int)i + 2);
	}
	assert_null(register_find(r, "csaj-9.9.9"));
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap);
	size_t got;
	while (p && (got = fread(p + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap)
			p = realloc(p, cap *= 2);
	}
	fclose(f);
	assert_non_null(p);
	*len = n;
	return p;
}

static char *temp_xlsx(void)
{
	char *path = strdup("/tmp/mamori-test-register-XXXXXX.xlsx");
	int fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	close(fd);
	return path;
}

/* A zip of the given parts, in memory (names and bodies NULL-terminated alike). minizip
 * writes each local header with the sizes in it, as Excel does: no data descriptor. */
static char *make_zip(const char *const *names, const char *const *bodies, const size_t *lens,
		      size_t *outlen)
{
	char *path = temp_xlsx();
	zipFile zf = zipOpen64(path, APPEND_STATUS_CREATE);
	assert_non_null(zf);
	for (size_t i = 0; names[i]; i++) {
		size_t len = lens ? lens[i] : strlen(bodies[i]);
		zip_fileinfo zi;
		memset(&zi, 0, sizeof(zi));
		assert_int_equal(zipOpenNewFileInZip(zf, names[i], &zi, NULL, 0, NULL, 0, NULL,
						     Z_DEFLATED, Z_DEFAULT_COMPRESSION),
				 ZIP_OK);
		assert_int_equal(zipWriteInFileInZip(zf, bodies[i], (unsigned)len), ZIP_OK);
		assert_int_equal(zipCloseFileInZip(zf), ZIP_OK);
	}
	assert_int_equal(zipClose(zf, NULL), ZIP_OK);
	char *out = slurp(path, outlen);
	unlink(path);
	free(path);
	return out;
}

#define MAIN_NS "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define REL_NS "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

static const char workbook_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<workbook xmlns=\"" MAIN_NS "\" xmlns:r=\"" REL_NS "\">"
    "<sheets><sheet name=\"Checklist\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
static const char rels_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" REL_NS "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" REL_NS "/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "</Relationships>";

/* A workbook with one sheet (rows as XML) and the shared strings given. */
static char *make_xlsx(const char *workbook, const char *sheet_rows, const char *sst, size_t *len)
{
	char *sheet = xasprintf("<worksheet xmlns=\"" MAIN_NS "\"><sheetData>%s</sheetData>"
				"</worksheet>",
				sheet_rows);
	char *strings = xasprintf("<sst xmlns=\"" MAIN_NS "\">%s</sst>", sst ? sst : "");
	assert_non_null(sheet);
	assert_non_null(strings);
	const char *names[] = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels",
			       "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", NULL};
	const char *bodies[] = {workbook ? workbook : workbook_xml, rels_xml, sheet, strings, NULL};
	char *z = make_zip(names, bodies, NULL, len);
	free(sheet);
	free(strings);
	return z;
}

/* --- words, columns and cells ------------------------------------------------------------ */

static void test_words(void **state)
{
	(void)state;
	assert_string_equal(impact_word(IMPACT_CRITICAL, "en"), "critical");
	assert_string_equal(impact_word(IMPACT_SERIOUS, "ja"), "重大");
	assert_string_equal(impact_word(IMPACT_MINOR, "ja"), "軽微");
	assert_string_equal(impact_word(IMPACT_NONE, "en"), "");
	assert_string_equal(decision_word(DECISION_WILL_DO, "en"), "will-do");
	assert_string_equal(decision_word(DECISION_DONE, "ja"), "実施済み");
	assert_string_equal(decision_word(DECISION_NOT_NEEDED, "ja"), "不要");
	assert_string_equal(decision_word(DECISION_NONE, "ja"), "");
	assert_string_equal(impact_axis_name(AXIS_ACCOUNTABILITY), "accountability");
	assert_string_equal(impact_axis_name(AXIS_CONFIDENTIALITY), "confidentiality");
	/* Keys and both languages' labels are distinct, so a header cell names one column. */
	for (int a = 0; a < COL_COUNT; a++)
		for (int b = a + 1; b < COL_COUNT; b++) {
			assert_string_not_equal(column_key(a), column_key(b));
			assert_string_not_equal(column_label(a, "en"), column_label(b, "en"));
			assert_string_not_equal(column_label(a, "ja"), column_label(b, "ja"));
		}
	assert_string_equal(column_key(COL_DEADLINE), "deadline");
	assert_string_equal(column_label(COL_DEADLINE, "ja"), "期限");
}

static char *cell(const struct checklist_row *r, enum column c, const char *lang)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	assert_int_equal(checklist_cell(&checklist, r, c, lang, &b), 0);
	return buf_take(&b);
}

#define ASSERT_CELL(row, col, lang, want)                                                          \
	do {                                                                                       \
		char *got_ = cell(row, col, lang);                                                 \
		assert_string_equal(got_, want);                                                   \
		free(got_);                                                                        \
	} while (0)

static void test_cells(void **state)
{
	(void)state;
	ASSERT_CELL(&rows[0], COL_ID, "en", "csaj-5.1.1");
	ASSERT_CELL(&rows[0], COL_PRIORITY, "en", "◎");
	ASSERT_CELL(&rows[1], COL_PRIORITY, "ja", "○");
	ASSERT_CELL(&rows[3], COL_PRIORITY, "en", "-");
	ASSERT_CELL(&rows[0], COL_FRAMEWORK, "en", "CSAJ");
	ASSERT_CELL(&rows[3], COL_FRAMEWORK, "en", "duty");
	ASSERT_CELL(&rows[3], COL_FRAMEWORK, "ja", "ベンダー対策表");
	ASSERT_CELL(&rows[1], COL_ITEM, "en", "C-2");
	ASSERT_CELL(&rows[3], COL_ITEM, "en", "");
	ASSERT_CELL(&rows[0], COL_CATEGORY, "en", "vulnerability");
	ASSERT_CELL(&rows[0], COL_CATEGORY, "ja", "脆弱性管理");
	ASSERT_CELL(&rows[3], COL_ROLE, "en", "teleworker");
	ASSERT_CELL(&rows[3], COL_ROLE, "ja", "テレワーク勤務者");
	ASSERT_CELL(&rows[0], COL_LEVEL, "en", "basic");
	ASSERT_CELL(&rows[3], COL_LEVEL, "ja", "発展対策");
	ASSERT_CELL(&rows[0], COL_LEVEL, "ja", "基本対策");
	ASSERT_CELL(&rows[0], COL_CSAJ_LEVEL, "en", "shall");
	ASSERT_CELL(&rows[2], COL_CSAJ_LEVEL, "ja", "推奨");
	ASSERT_CELL(&rows[0], COL_TITLE, "ja", "PC を準備する");
	ASSERT_CELL(&rows[0], COL_MEASURE, "en", "Supported OS, patched, antivirus running.");
	ASSERT_CELL(&rows[0], COL_CHECKS, "en", "pw-len, ssh-pw");
	ASSERT_CELL(&rows[1], COL_CHECKS, "en", "");
	ASSERT_CELL(&rows[0], COL_CONFIDENTIALITY, "ja", "極めて重大");
	ASSERT_CELL(&rows[0], COL_DECISION, "ja", "実施予定");
	ASSERT_CELL(&rows[0], COL_DECISION, "en", "will-do");
	ASSERT_CELL(&rows[0], COL_DEADLINE, "en", "2026-12-31");
	ASSERT_CELL(&rows[3], COL_STATE, "en", "");

	/* Measured: fail wins over unknown; nothing at all without scans. */
	ASSERT_CELL(&rows[0], COL_MEASURED, "en", "pass on 3 of 3 devices");
	ASSERT_CELL(&rows[0], COL_MEASURED, "ja", "3 台中 3 台で合格");
	ASSERT_CELL(&rows[2], COL_MEASURED, "en", "fail on 1 of 3 devices");
	ASSERT_CELL(&rows[2], COL_MEASURED, "ja", "3 台中 1 台で不合格");
	ASSERT_CELL(&rows[4], COL_MEASURED, "en", "unknown on 2 of 3 devices");
	ASSERT_CELL(&rows[4], COL_MEASURED, "ja", "3 台中 2 台で不明");
	ASSERT_CELL(&rows[1], COL_MEASURED, "en", "not measured");
	ASSERT_CELL(&rows[1], COL_MEASURED, "ja", "未測定");
	struct checklist_row one = {.control = &controls[0], .measured = {1, 1, 0, 0}};
	ASSERT_CELL(&one, COL_MEASURED, "en", "pass on 1 of 1 device");
	checklist.ndevices = 0;
	ASSERT_CELL(&rows[1], COL_MEASURED, "en", "");
	checklist.ndevices = 3;
}

/* --- round trips ------------------------------------------------------------------------- */

static void csv_roundtrip(const char *lang)
{
	struct buf b;
	struct errbuf e = {{0}};
	buf_init(&b, 1 << 20);
	assert_int_equal(checklist_write_csv(&checklist, lang, &b, &e), 0);
	struct risk_register *r = read_ok("checklist.csv", b.data, b.len);
	same_register(r, true);
	assert_string_equal(r->file, "checklist.csv");
	register_free(r);
	buf_free(&b);
}

static void test_csv_roundtrip_en(void **state)
{
	(void)state;
	csv_roundtrip("en");
}

static void test_csv_roundtrip_ja(void **state)
{
	(void)state;
	csv_roundtrip("ja");
	struct buf b;
	struct errbuf e = {{0}};
	buf_init(&b, 1 << 20);
	assert_int_equal(checklist_write_csv(&checklist, "ja", &b, &e), 0);
	/* A BOM for Excel, Japanese headers, every cell quoted, CRLF. */
	assert_memory_equal(b.data, "\xef\xbb\xbf\"ID\",\"優先度\",", 3 + 17);
	assert_non_null(strstr(b.data, "\"期限\",\"担当者\",\"理由・備考\"\r\n"));
	assert_non_null(strstr(b.data, "\"佐藤 (IT), \"\"情シス\"\"\""));
	/* Formula-like cells are guarded with a ' (read back without it: csv_roundtrip). */
	assert_non_null(strstr(b.data, ",\"'=cmd|' /C calc'!A0\","));
	assert_non_null(strstr(b.data, ",\"'-2+3 未確認\","));
	buf_free(&b);
}

static void xlsx_roundtrip(const char *lang)
{
	struct errbuf e = {{0}};
	char *path = temp_xlsx();
	assert_int_equal(checklist_write_xlsx(&checklist, lang, path, &e), 0);
	size_t len;
	char *data = slurp(path, &len);
	struct risk_register *r = read_ok("checklist.xlsx", data, len);
	same_register(r, true);
	register_free(r);
	free(data);
	unlink(path);
	free(path);
}

static void test_xlsx_roundtrip_en(void **state)
{
	(void)state;
	xlsx_roundtrip("en");
}

static void test_xlsx_roundtrip_ja(void **state)
{
	(void)state;
	xlsx_roundtrip("ja");
}

static void test_yaml_roundtrip(void **state)
{
	(void)state;
	struct buf b;
	struct errbuf e = {{0}};
	buf_init(&b, 1 << 20);
	assert_int_equal(checklist_write_register_yaml(&checklist, &b, &e), 0);
	struct risk_register *r = read_ok("register.yaml", b.data, b.len);
	same_register(r, false);
	assert_non_null(strstr(b.data, "  - control: csaj-5.1.1  # Set up the PC\n"));
	assert_non_null(strstr(b.data,
			       "    impact: {confidentiality: critical, integrity: serious, "
			       "availability: minor, accountability: minor}\n"));
	assert_non_null(strstr(b.data, "    deadline: 2026-12-31\n"));
	register_free(r);
	buf_free(&b);

	struct checklist none = {.guide = &guide};
	buf_init(&b, 1 << 10);
	assert_int_equal(checklist_write_register_yaml(&none, &b, &e), 0);
	r = read_ok("empty.yaml", b.data, b.len);
	assert_int_equal(r->nentries, 0);
	register_free(r);
	buf_free(&b);
}

/* The writer's XLSX as openpyxl reads it: the header and a row, cell by cell. */
static void escape_tsv(const char *s, struct buf *out)
{
	for (; *s; s++) {
		const char *rep = *s == '\\'   ? "\\\\"
				  : *s == '\t' ? "\\t"
				  : *s == '\n' ? "\\n"
				  : *s == '\r' ? "\\r"
					       : NULL;
		assert_int_equal(rep ? buf_adds(out, rep) : buf_add(out, s, 1), 0);
	}
}

static void openpyxl_check(const char *lang)
{
	const char *src = getenv("MAMORI_SOURCE_DIR");
	if (src == NULL)
		skip();
	struct errbuf e = {{0}};
	char *path = temp_xlsx();
	assert_int_equal(checklist_write_xlsx(&checklist, lang, path, &e), 0);
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/tests/tools/xlsx_read.py' '%s'", src,
		 path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	struct buf out;
	buf_init(&out, 1 << 20);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		assert_int_equal(buf_add(&out, chunk, n), 0);
	assert_int_equal(pclose(p), 0);
	unlink(path);
	free(path);

	/* Line 1: the header; line 2: the first row. */
	struct buf want;
	buf_init(&want, 1 << 20);
	for (int c = 0; c < COL_COUNT; c++) {
		if (c > 0)
			buf_adds(&want, "\t");
		escape_tsv(column_label((enum column)c, lang), &want);
	}
	buf_adds(&want, "\n");
	for (int c = 0; c < COL_COUNT; c++) {
		if (c > 0)
			buf_adds(&want, "\t");
		char *v = cell(&rows[0], (enum column)c, lang);
		escape_tsv(v, &want);
		free(v);
	}
	buf_adds(&want, "\n");
	assert_non_null(out.data);
	assert_true(out.len >= want.len);
	/* Cell by cell, so that a failure names the column. */
	const char *g = out.data, *w = want.data;
	for (int line = 0; line < 2; line++)
		for (int c = 0; c < COL_COUNT; c++) {
			size_t gl = strcspn(g, "\t\n"), wl = strcspn(w, "\t\n");
			if (gl != wl || memcmp(g, w, gl) != 0)
				fail_msg(
				    "%s line %d column %s: openpyxl read \"%.*s\", want \"%.*s\"",
				    lang, line + 1, column_key((enum column)c), (int)gl, g, (int)wl,
				    w);
			g += gl + 1;
			w += wl + 1;
		}
	/* Then one line per checklist row. */
	size_t lines = 0;
	for (size_t i = 0; i < out.len; i++)
		lines += out.data[i] == '\n';
	assert_int_equal(lines, checklist.nrows + 1);
	buf_free(&want);
	buf_free(&out);
}

static void test_xlsx_openpyxl(void **state)
{
	(void)state;
	openpyxl_check("en");
	openpyxl_check("ja");
}

/* --- sheets as people edit them ---------------------------------------------------------- */

static void test_csv_by_hand(void **state)
{
	(void)state;
	/* Reordered columns, unknown and informational ones ignored, headers in either language
	 * and any ASCII case, blank lines and rows without an id skipped, LF line ends. */
	const char csv[] = "  DEADLINE ,Notes,機密性,id,対応,Title,reason\n"
			   "\n"
			   "2026-06-30,whatever,Critical,csaj-5.1.3,Will-Do,ignored,\n"
			   ",,,,,Section 2,\n"
			   ",,,mic-c-2,,,\n"
			   ",,軽微,jnsa-2-2,not needed,,\"no devices, none\"\n"
			   ",,,csaj-5.1.1,実施済,,\n";
	struct risk_register *r = read_ok("hand.csv", csv, strlen(csv));
	assert_int_equal(r->nentries, 4);
	assert_string_equal(r->entries[0].control, "csaj-5.1.3");
	assert_int_equal(r->entries[0].row, 3);
	assert_string_equal(r->entries[0].deadline, "2026-06-30");
	assert_int_equal(r->entries[0].impact[AXIS_CONFIDENTIALITY], IMPACT_CRITICAL);
	assert_int_equal(r->entries[0].decision, DECISION_WILL_DO);
	assert_null(r->entries[0].reason);
	assert_string_equal(r->entries[1].control, "mic-c-2");
	assert_int_equal(r->entries[1].row, 5);
	assert_int_equal(r->entries[1].decision, DECISION_NONE);
	assert_int_equal(r->entries[2].decision, DECISION_NOT_NEEDED);
	assert_int_equal(r->entries[2].impact[AXIS_CONFIDENTIALITY], IMPACT_MINOR);
	assert_string_equal(r->entries[2].reason, "no devices, none");
	assert_int_equal(r->entries[3].decision, DECISION_DONE);
	register_free(r);

	/* Excel in a Japanese locale writes a text date back as YYYY/MM/DD: the same day. */
	const char slash[] = "id,decision,deadline\r\ncsaj-5.1.1,will-do,2026/12/01\r\n"
			     "mic-c-2,,2028/02/29\r\n";
	r = read_ok("slash.csv", slash, strlen(slash));
	assert_int_equal(r->nentries, 2);
	assert_string_equal(r->entries[0].deadline, "2026-12-01");
	assert_string_equal(r->entries[1].deadline, "2028-02-29");
	register_free(r);
}

static void test_xlsx_by_hand(void **state)
{
	(void)state;
	/* Shared strings with rich-text runs and a furigana guide (rPh) that is not the text; an
	 * inline string; a date typed in Excel (serial 46022 = 2025-12-31); a boolean; a note
	 * beyond the header; a formatting-only cell far to the right. */
	const char *sst = "<si><t>id</t></si>"
			  "<si><r><t>現</t></r><r><rPr><b/></rPr><t>状</t></r>"
			  "<rPh sb=\"0\" eb=\"2\"><t>ゲンジョウ</t></rPh></si>"
			  "<si><t xml:space=\"preserve\">業者_x000D_\n設定 </t></si>"
			  "<si/>";
	const char *rows_xml =
	    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"inlineStr\">"
	    "<is><t>Deadline</t></is></c><c r=\"C1\" t=\"s\"><v>1</v></c>"
	    "<c r=\"D1\" t=\"inlineStr\"><is><t>対応</t></is></c>"
	    "<c r=\"E1\" t=\"str\"><f>\"owner\"</f><v>owner</v></c></row>"
	    "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>csaj-5.1.1</t></is></c>"
	    "<c r=\"B3\" s=\"1\"><v>46022</v></c><c r=\"C3\" t=\"s\"><v>2</v></c>"
	    "<c r=\"D3\" t=\"inlineStr\"><is><t>実施予定</t></is></c>"
	    "<c r=\"E3\" t=\"b\"><v>1</v></c><c r=\"G3\" t=\"inlineStr\"><is><t>a note</t>"
	    "</is></c><c r=\"XFD3\" s=\"2\"/></row>"
	    "<row r=\"4\" spans=\"1:3\"><c r=\"A4\" t=\"s\"><v>3</v></c></row>"
	    "<row r=\"5\"><c t=\"inlineStr\"><is><t>jnsa-2-2</t></is></c><c><v>46022.75</v></c>"
	    "</row>"
	    "<row r=\"6\"><c t=\"inlineStr\"><is><t>mic-c-2</t></is></c>"
	    "<c t=\"inlineStr\"><is><t>2026/12/01</t></is></c></row>";
	size_t len;
	char *x = make_xlsx(NULL, rows_xml, sst, &len);
	struct risk_register *r = read_ok("hand.xlsx", x, len);
	assert_int_equal(r->nentries, 3);
	assert_string_equal(r->entries[0].control, "csaj-5.1.1");
	assert_int_equal(r->entries[0].row, 3);
	assert_string_equal(r->entries[0].deadline, "2025-12-31");
	assert_string_equal(r->entries[0].state, "業者\r\n設定");
	assert_string_equal(r->entries[0].owner, "TRUE");
	assert_int_equal(r->entries[0].decision, DECISION_WILL_DO);
	assert_string_equal(r->entries[1].control, "jnsa-2-2");
	assert_int_equal(r->entries[1].row, 5);
	assert_string_equal(r->entries[1].deadline, "2025-12-31");
	assert_string_equal(r->entries[2].control, "mic-c-2");
	assert_string_equal(r->entries[2].deadline, "2026-12-01"); /* typed as text, JP Excel */
	register_free(r);
	free(x);

	/* The 1904 date system, and a first sheet that is not sheet1.xml. */
	const char wb1904[] =
	    "<workbook xmlns=\"" MAIN_NS "\" xmlns:r=\"" REL_NS "\">"
	    "<workbookPr date1904=\"1\"/><sheets>"
	    "<sheet name=\"Mine\" sheetId=\"7\" r:id=\"rId9\"/>"
	    "<sheet name=\"Other\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
	const char rels9[] =
	    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	    "<Relationship Id=\"rId1\" Type=\"" REL_NS
	    "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	    "<Relationship Id=\"rId9\" Type=\"" REL_NS
	    "/worksheet\" Target=\"/xl/worksheets/../data/mine.xml\"/>"
	    "</Relationships>";
	const char mine[] = "<worksheet xmlns=\"" MAIN_NS "\"><sheetData>"
			    "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>id</t></is></c>"
			    "<c r=\"B2\" t=\"inlineStr\"><is><t>deadline</t></is></c></row>"
			    "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>mic-c-2</t></is></c>"
			    "<c r=\"B3\"><v>44560</v></c></row></sheetData></worksheet>";
	const char other[] = "<worksheet xmlns=\"" MAIN_NS "\"><sheetData><row r=\"1\">"
			     "<c r=\"A1\" t=\"inlineStr\"><is><t>nothing</t></is></c></row>"
			     "</sheetData></worksheet>";
	const char *names[] = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels",
			       "xl/worksheets/sheet1.xml", "xl/data/mine.xml", NULL};
	const char *bodies[] = {wb1904, rels9, other, mine, NULL};
	x = make_zip(names, bodies, NULL, &len);
	r = read_ok("1904.xlsx", x, len);
	assert_int_equal(r->nentries, 1);
	assert_string_equal(r->entries[0].control, "mic-c-2");
	assert_string_equal(r->entries[0].deadline, "2025-12-31");
	assert_int_equal(r->entries[0].row, 3);
	register_free(r);
	free(x);
}

/* --- validation -------------------------------------------------------------------------- */

#define HDR "id,state,integrity,decision,deadline,reason\r\n"

static void test_csv_errors(void **state)
{
	(void)state;
	CSV_ERR(HDR "csaj-9.9.9,,,,,\r\n",
		"reg.csv: row 2, column id (1): unknown control \"csaj-9.9.9\"");
	CSV_ERR(HDR "csaj-5.1.1,,,,,\r\n\r\ncsaj-5.1.1,,,,,\r\n",
		"reg.csv: row 4, column id (1): \"csaj-5.1.1\" is listed twice (first at row 2)");
	CSV_ERR(HDR "csaj-5.1.1,,huge,,,\r\n",
		"reg.csv: row 2, column integrity (3): expected critical, serious or minor "
		"(極めて重大, 重大, 軽微), got \"huge\"");
	CSV_ERR(HDR "csaj-5.1.1,,,maybe,,\r\n",
		"reg.csv: row 2, column decision (4): expected done, will-do or not-needed "
		"(実施済み, 実施予定, 不要), got \"maybe\"");
	CSV_ERR(HDR "csaj-5.1.1,,,will-do,,\r\n",
		"reg.csv: row 2, column deadline (5): required when the decision is will-do");
	CSV_ERR(HDR "csaj-5.1.1,,,不要,,\r\n",
		"reg.csv: row 2, column reason (6): required when the decision is not-needed");
	CSV_ERR("id,decision\r\ncsaj-5.1.1,will-do\r\n",
		"reg.csv: row 2, column deadline: required when the decision is will-do");
	CSV_ERR(HDR "csaj-5.1.1,,,will-do,2026-02-30,\r\n",
		"reg.csv: row 2, column deadline (5): expected a date YYYY-MM-DD, got "
		"\"2026-02-30\" (no such day)");
	/* YYYY/MM/DD is read (see test_csv_by_hand), but only as a day that exists. */
	CSV_ERR(HDR "csaj-5.1.1,,,will-do,2026/02/30,\r\n",
		"reg.csv: row 2, column deadline (5): expected a date YYYY-MM-DD, got "
		"\"2026/02/30\" (no such day)");
	CSV_ERR(HDR "csaj-5.1.1,,,will-do,2026/12-01,\r\n",
		"reg.csv: row 2, column deadline (5): expected a date YYYY-MM-DD, got "
		"\"2026/12-01\"");
	CSV_ERR(HDR "csaj-5.1.1,,,will-do,2026/1/5,\r\n",
		"reg.csv: row 2, column deadline (5): expected a date YYYY-MM-DD, got "
		"\"2026/1/5\"");
	CSV_ERR(HDR "csaj-5.1.1,,,will-do,2026.12.01,\r\n",
		"reg.csv: row 2, column deadline (5): expected a date YYYY-MM-DD, got "
		"\"2026.12.01\"");
	CSV_ERR(HDR "csaj-5.1.1,,,done,2025-02-29,\r\n",
		"reg.csv: row 2, column deadline (5): expected a date YYYY-MM-DD, got "
		"\"2025-02-29\" (no such day)");
	CSV_ERR(HDR "csaj-5.1.1,,,,,,x\r\n", "reg.csv: row 2: 7 cells, but the header row has 6");
	CSV_ERR("state,decision\r\nx,done\r\n",
		"reg.csv: row 1: the header row has no id column (\"id\" or \"ID\")");
	CSV_ERR("id,ID\r\n", "reg.csv: row 1: the column id appears twice (1 and 2)");
	CSV_ERR("", "reg.csv: empty file");
	CSV_ERR("\xef\xbb\xbf \r\n\r\n", "reg.csv: empty file");
	/* A line break inside a quoted cell stays in its row. */
	CSV_ERR(HDR "csaj-5.1.1,\"one\r\ntwo\",,,,\r\ncsaj-5.1.3,,bad,,,\r\n",
		"reg.csv: row 3, column integrity (3): expected critical, serious or minor "
		"(極めて重大, 重大, 軽微), got \"bad\"");
	CSV_ERR(HDR "csaj-5.1.1,a\"b,,,,\r\n",
		"reg.csv: row 2: malformed CSV: a quote inside a cell that is not quoted, or text "
		"after a closing quote");
	CSV_ERR(HDR "csaj-5.1.1,\"open\r\n", "reg.csv: row 2: a quoted cell is not closed");
	CSV_ERR("id\r\n\x82\xa0\r\n",
		"reg.csv: line 2: not UTF-8 text (save the sheet as \"CSV UTF-8\")");
	CSV_ERR(
	    HDR "csaj-5.1.1,\"line\nbreak \"\"q\"\"\",,,2026-1-1,\r\n",
	    "reg.csv: row 2, column deadline (5): expected a date YYYY-MM-DD, got \"2026-1-1\"");

	/* Too many columns, too long a cell. */
	struct buf b;
	buf_init(&b, 1 << 20);
	buf_adds(&b, "id");
	for (int i = 0; i < 64; i++)
		buf_adds(&b, ",x");
	CSV_ERR(b.data, "reg.csv: row 1: more than 64 columns");
	buf_reset(&b);
	buf_adds(&b, "id,state\r\ncsaj-5.1.1,");
	for (int i = 0; i < 65537; i++)
		buf_adds(&b, "a");
	CSV_ERR(b.data, "reg.csv: row 2, column 2: longer than 65536 bytes");
	buf_free(&b);
}

static void test_yaml(void **state)
{
	(void)state;
	const char ok[] =
	    "# our register\n"
	    "register:\n"
	    "  - control: csaj-5.1.1\n"
	    "    state: \"Set up by the vendor; AV checked on delivery\"\n"
	    "    impact: {confidentiality: critical, integrity: 重大, availability: minor}\n"
	    "    decision: will-do\n"
	    "    deadline: 2026-12-31\n"
	    "    owner: \"Sato (IT)\"\n"
	    "  - control: jnsa-2-2\n"
	    "    decision: not-needed\n"
	    "    reason: |\n"
	    "      No devices leave the office.\n"
	    "  - control: mic-c-2\n"
	    "    decision: ~\n"
	    "    deadline: ''\n";
	struct risk_register *r = read_ok("reg.yaml", ok, strlen(ok));
	assert_int_equal(r->nentries, 3);
	assert_int_equal(r->entries[0].row, 3);
	assert_int_equal(r->entries[0].impact[AXIS_INTEGRITY], IMPACT_SERIOUS);
	assert_int_equal(r->entries[0].impact[AXIS_ACCOUNTABILITY], IMPACT_NONE);
	assert_string_equal(r->entries[0].owner, "Sato (IT)");
	assert_string_equal(r->entries[1].reason, "No devices leave the office.");
	assert_int_equal(r->entries[2].decision, DECISION_NONE);
	register_free(r);

	YAML_ERR("# c\nregister:\n  - control: csaj-5.1.3\n    decision: done\n"
		 "  - control: jnsa-2-2\n  - control: csaj-5.1.1\n    decision: will-do\n"
		 "    deadline: 2026/12/01\n",
		 "reg.yaml:8: register entry 3 (csaj-5.1.1): deadline: expected a date YYYY-MM-DD, "
		 "got \"2026/12/01\"");
	YAML_ERR("register:\n  - control: csaj-5.1.1\n    colour: red\n",
		 "reg.yaml:3: register entry 1 (csaj-5.1.1): unknown key 'colour'");
	YAML_ERR("register:\n  - control: nope\n",
		 "reg.yaml:2: register entry 1: control: unknown control \"nope\"");
	YAML_ERR("register:\n  - control: mic-c-2\n  - control: mic-c-2\n",
		 "reg.yaml:3: register entry 2: control: \"mic-c-2\" is listed twice (first at "
		 "line 2)");
	YAML_ERR("register:\n  - state: x\n", "reg.yaml:2: register entry 1: control: required");
	YAML_ERR("register:\n  - control: csaj-5.1.1\n    impact: {confidentiality: huge}\n",
		 "reg.yaml:3: register entry 1 (csaj-5.1.1): impact: confidentiality: expected "
		 "critical, serious or minor (極めて重大, 重大, 軽微), got \"huge\"");
	YAML_ERR("register:\n  - control: csaj-5.1.1\n    impact: {secrecy: minor}\n",
		 "reg.yaml:3: register entry 1 (csaj-5.1.1): impact: unknown key 'secrecy'");
	YAML_ERR("register:\n  - control: csaj-5.1.1\n    decision: will-do\n",
		 "reg.yaml:2: register entry 1 (csaj-5.1.1): deadline: required when the decision "
		 "is will-do");
	YAML_ERR("register:\n  - control: csaj-5.1.1\n    decision: not-needed\n",
		 "reg.yaml:2: register entry 1 (csaj-5.1.1): reason: required when the decision is "
		 "not-needed");
	YAML_ERR("register:\n  - control: csaj-5.1.1\n    deadline: 2026-02-30\n",
		 "reg.yaml:3: register entry 1 (csaj-5.1.1): deadline: expected a date YYYY-MM-DD, "
		 "got \"2026-02-30\" (no such day)");
	YAML_ERR("register:\n  - control: csaj-5.1.1\n    owner: [a, b]\n",
		 "reg.yaml:3: register entry 1 (csaj-5.1.1): owner: expected text");
	YAML_ERR("register:\n  - control: csaj-5.1.1\n    owner: a\n    owner: b\n",
		 "reg.yaml:4: register entry 1 (csaj-5.1.1): owner: given twice");
	YAML_ERR("register: {}\n", "reg.yaml:1: register: expected a list of entries");
	YAML_ERR("register: []\nextra: 1\n", "reg.yaml:2: register file: unknown key 'extra'");
	YAML_ERR("register:\n  - control: [\n", "reg.yaml:3:1: did not find expected node content "
						"while parsing a flow node");
}

static void test_xlsx_errors(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	char *path = temp_xlsx();
	assert_int_equal(checklist_write_xlsx(&checklist, "en", path, &e), 0);
	size_t len;
	char *data = slurp(path, &len);
	expect_error_prefix("trunc.xlsx", data, len / 2, "trunc.xlsx: not a readable XLSX file: ");
	expect_error_prefix("trunc.xlsx", data, 30, "trunc.xlsx: not a readable XLSX file: ");
	free(data);
	unlink(path);
	free(path);

	const char *sst = "<si><t>id</t></si><si><t>decision</t></si>";
	char *x = make_xlsx(NULL,
			    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\">"
			    "<v>1</v></c></row><row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>"
			    "csaj-5.1.1</t></is></c><c r=\"B2\" t=\"s\"><v>7</v></c></row>",
			    sst, &len);
	expect_error("ss.xlsx", x, len,
		     "ss.xlsx: row 2, column B: shared string 7 does not exist (the file has 2)");
	free(x);

	x = make_xlsx(
	    NULL,
	    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"D1\" t=\"s\"><v>1</v></c>"
	    "</row><row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>csaj-5.1.1</t></is>"
	    "</c><c r=\"D3\" t=\"inlineStr\"><is><t>maybe</t></is></c></row>",
	    sst, &len);
	expect_error("bad.xlsx", x, len,
		     "bad.xlsx: row 3, column decision (D): expected done, will-do or not-needed "
		     "(実施済み, 実施予定, 不要), got \"maybe\"");
	free(x);

	x = make_xlsx(NULL,
		      "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"C1\" t=\"inlineStr\">"
		      "<is><t>期限</t></is></c></row><row r=\"2\"><c r=\"A2\" t=\"inlineStr\">"
		      "<is><t>csaj-5.1.1</t></is></c><c r=\"C2\" t=\"inlineStr\"><is><t>2026/13/01"
		      "</t></is></c></row>",
		      sst, &len);
	expect_error("date.xlsx", x, len,
		     "date.xlsx: row 2, column deadline (C): expected a date YYYY-MM-DD, got "
		     "\"2026/13/01\" (no such day)");
	free(x);

	x = make_xlsx(NULL,
		      "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
		      "<row r=\"2\"><c r=\"BM2\" t=\"inlineStr\"><is><t>x</t></is></c></row>",
		      sst, &len);
	expect_error("wide.xlsx", x, len, "wide.xlsx: row 2, column BM: more than 64 columns");
	free(x);

	x = make_xlsx(NULL,
		      "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>0</v></c></row>"
		      "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c></row>",
		      sst, &len);
	expect_error("order.xlsx", x, len, "order.xlsx: row 2 comes after row 3");
	free(x);

	x = make_xlsx(NULL, "", sst, &len);
	expect_error("blank.xlsx", x, len, "blank.xlsx: no header row: the sheet is empty");
	free(x);

	x = make_xlsx(NULL, "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c>", sst, &len);
	expect_error_prefix("broken.xlsx", x, len,
			    "broken.xlsx: xl/worksheets/sheet1.xml:1: malformed XML: ");
	free(x);

	/* A DTD could define entities (billion laughs, external files): refused outright. */
	const char *names[] = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels",
			       "xl/worksheets/sheet1.xml", NULL};
	const char *dtd_bodies[] = {workbook_xml, rels_xml,
				    "<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY a \"aaaa\">]>"
				    "<worksheet><sheetData/></worksheet>",
				    NULL};
	x = make_zip(names, dtd_bodies, NULL, &len);
	expect_error("dtd.xlsx", x, len,
		     "dtd.xlsx: xl/worksheets/sheet1.xml: a DTD or entity is not allowed");
	free(x);

	/* Each open element costs the parser memory: nesting is capped as libxml2 capped it. */
	struct buf deep;
	buf_init(&deep, 1u << 20);
	assert_int_equal(buf_adds(&deep, "<worksheet><sheetData>"), 0);
	for (int i = 0; i < 300; i++)
		assert_int_equal(buf_adds(&deep, "<a>"), 0);
	const char *deep_bodies[] = {workbook_xml, rels_xml, deep.data, NULL};
	x = make_zip(names, deep_bodies, NULL, &len);
	expect_error("deep.xlsx", x, len,
		     "deep.xlsx: xl/worksheets/sheet1.xml:1: elements nested more than 256 deep");
	free(x);
	buf_free(&deep);

	const char *no_wb[] = {"xl/worksheets/sheet1.xml", NULL};
	const char *no_wb_bodies[] = {"<worksheet/>", NULL};
	x = make_zip(no_wb, no_wb_bodies, NULL, &len);
	expect_error("nowb.xlsx", x, len, "nowb.xlsx: not an XLSX workbook: no xl/workbook.xml");
	free(x);

	/* A part that inflates past the cap (17 MiB of white space compress to little). It is
	 * the start of a well-formed sheet: the parser, fed as the part inflates, takes it all,
	 * so that only the cap can stop it. */
	size_t big = 17u << 20;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, ' ', big);
	memcpy(huge, "<worksheet>", 11);
	const char *big_bodies[] = {workbook_xml, rels_xml, huge, NULL};
	size_t lens[] = {strlen(workbook_xml), strlen(rels_xml), big};
	x = make_zip(names, big_bodies, lens, &len);
	assert_true(len < (1u << 20));
	expect_error("big.xlsx", x, len,
		     "big.xlsx: xl/worksheets/sheet1.xml: larger than 16 MiB uncompressed");
	/* The same, with the zip headers claiming 1000 bytes: reading stops at the cap. */
	const unsigned char size_le[4] = {big & 0xff, (big >> 8) & 0xff, (big >> 16) & 0xff,
					  (big >> 24) & 0xff};
	const unsigned char lie_le[4] = {1000 & 0xff, 1000 >> 8, 0, 0};
	int patched = 0;
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(x + i, size_le, 4) == 0) {
			memcpy(x + i, lie_le, 4);
			patched++;
		}
	assert_int_equal(patched, 2); /* the local header and the central directory */
	expect_error("lie.xlsx", x, len,
		     "lie.xlsx: xl/worksheets/sheet1.xml: larger than 16 MiB uncompressed");
	free(x);
	free(huge);
}

static void test_write_errors(void **state)
{
	(void)state;
	struct errbuf e = {{0}};
	assert_int_equal(checklist_write_xlsx(&checklist, "en", "/nonexistent/dir/x.xlsx", &e),
			 MAMORI_EIO);
	assert_string_equal(e.msg, "/nonexistent/dir/x.xlsx: No such file or directory");
	struct buf small;
	buf_init(&small, 100);
	assert_int_equal(checklist_write_csv(&checklist, "en", &small, &e), MAMORI_ETOOBIG);
	assert_string_equal(e.msg, "checklist CSV: too large");
	buf_free(&small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_words),
	    cmocka_unit_test(test_cells),
	    cmocka_unit_test(test_csv_roundtrip_en),
	    cmocka_unit_test(test_csv_roundtrip_ja),
	    cmocka_unit_test(test_xlsx_roundtrip_en),
	    cmocka_unit_test(test_xlsx_roundtrip_ja),
	    cmocka_unit_test(test_yaml_roundtrip),
	    cmocka_unit_test(test_xlsx_openpyxl),
	    cmocka_unit_test(test_csv_by_hand),
	    cmocka_unit_test(test_xlsx_by_hand),
	    cmocka_unit_test(test_csv_errors),
	    cmocka_unit_test(test_yaml),
	    cmocka_unit_test(test_xlsx_errors),
	    cmocka_unit_test(test_write_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
