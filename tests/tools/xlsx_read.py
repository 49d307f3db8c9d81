#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Prints each row of the first sheet of an XLSX file as tab-separated values.

An independent reader (openpyxl) for the tests of mamori's XLSX writer. Empty cells print
as nothing; a backslash, tab, CR and LF in a value print as \\\\, \\t, \\r and \\n, so that
every row is one line. Dates print as YYYY-MM-DD, whole numbers without a fraction.
"""
import sys

import openpyxl


def cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d")
    s = str(v)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def main(argv):
    if len(argv) != 2:
        print("usage: xlsx_read.py FILE.xlsx", file=sys.stderr)
        return 2
    sys.stdout.reconfigure(encoding="utf-8", newline="\n")
    wb = openpyxl.load_workbook(argv[1], data_only=True)
    ws = wb.worksheets[0]
    for row in ws.iter_rows(values_only=True):
        print("\t".join(cell(v) for v in row))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
