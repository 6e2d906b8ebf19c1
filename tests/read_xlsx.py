#!/usr/bin/env python3
"""Reads an XLSX with openpyxl, a reader independent of the writer, and prints what Excel would
show as JSON: the sheet names and, for the first sheet, its freeze panes, autofilter, column
widths and every cell of every row with its value, openpyxl's data type ('s' string, 'n'
number or blank, 'd' date, 'b' bool, 'f' formula), number format and whether it is bold.

Usage: read_xlsx.py FILE.xlsx
"""

import json
import sys

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter


def cell(c):
    value = c.value
    if value is not None and not isinstance(value, str):
        # A number or a date where text was meant: shown, so that the test names it.
        value = {"not_text": repr(value)}
    return {
        "value": value,
        "type": c.data_type,
        "format": c.number_format,
        "bold": bool(c.font.b),
    }


def main(path):
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    widths = {}
    for dimension in sheet.column_dimensions.values():
        if dimension.customWidth and dimension.width:
            # One <col> element may stand for several columns.
            for index in range(dimension.min, dimension.max + 1):
                widths[get_column_letter(index)] = dimension.width
    json.dump(
        {
            "sheets": workbook.sheetnames,
            "freeze": sheet.freeze_panes,
            "autofilter": sheet.auto_filter.ref,
            "widths": widths,
            "rows": [[cell(c) for c in row] for row in sheet.iter_rows()],
        },
        sys.stdout,
        ensure_ascii=False,
    )


if __name__ == "__main__":
    main(sys.argv[1])
