/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to register.c, sheet.c and sheet_xlsx.c: the CSV and XLSX readers hand the rows of
 * a sheet, one at a time, to a callback that turns them into register entries. */
#ifndef MAMORI_SHEET_H
#define MAMORI_SHEET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"

#define SHEET_MAX_INPUT (16u << 20) /* a register file, whatever its format */
#define SHEET_MAX_PART (16u << 20)  /* one XLSX part, uncompressed */
#define SHEET_MAX_ROWS 100000
#define SHEET_MAX_COLS 64
#define SHEET_MAX_STRING (64u << 10) /* one cell's text, in bytes */

struct sheet_cell {
	int col;	  /* 1-based */
	const char *text; /* NUL-terminated, as stored (not trimmed) */
	size_t len;
	bool number; /* an XLSX numeric cell: a date the user typed is one (a serial) */
};

struct sheet_row {
	int row; /* 1-based, as the spreadsheet shows it */
	const struct sheet_cell *cells;
	size_t ncells; /* CSV: every cell of the record, empty ones too; XLSX: non-empty ones */
	bool letters;  /* name columns by letter (XLSX) rather than number (CSV) */
	bool date1904; /* the workbook counts date serials from 1904-01-01 */
};

/* Returns 0 to go on, or an error code with the message set. */
typedef int (*sheet_row_fn)(void *ud, const struct sheet_row *row, struct errbuf *e);

/* Both readers call fn for each row in order, then return 0, the first error fn returned, or
 * their own error ("NAME: row 3: ..."). data is UTF-8 CSV (an optional BOM is skipped) or
 * the bytes of an XLSX file; only the first worksheet is read. */
int sheet_read_csv(const char *name, const char *data, size_t len, sheet_row_fn fn, void *ud,
		   struct errbuf *e);
int sheet_read_xlsx(const char *name, const char *data, size_t len, sheet_row_fn fn, void *ud,
		    struct errbuf *e);

/* Whether a CSV cell would be taken for a formula by a spreadsheet (it starts with = + - @, a
 * tab or a carriage return): writers put a ' before it, so that the sheet shows the text
 * rather than running it, and sheet_read_csv takes that ' away again. */
bool sheet_csv_needs_guard(const char *s, size_t len);

/* The column as messages name it: "S" (letters) or "19". out holds at least 12 bytes. */
void sheet_col_ref(int col, bool letters, char *out, size_t size);

#endif
