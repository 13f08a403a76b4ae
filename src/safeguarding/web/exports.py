"""CSV and XLSX files of a board's table.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some programs skip
before one of those) could be run as a formula when the file is opened in a spreadsheet, so it is written
with a leading apostrophe: the spreadsheet shows it as text. XLSX cells are written as strings or numbers,
never formulas (xlsxwriter's ``write_string``/``write_number``), and escaped the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime

import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | None


def escape_cell(value: str) -> str:
    """Text a spreadsheet will not treat as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so spreadsheets read the accents) of a header and rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(c) for c in columns])
    for row in rows:
        writer.writerow(
            [v if isinstance(v, int | float) and not isinstance(v, bool) else escape_cell(_text(v)) for v in row]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheet: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]], note: str = "") -> bytes:
    """An XLSX workbook with one sheet: an optional note line, the header, then the rows."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    ws = book.add_worksheet(sheet[:31])
    first = 0
    if note:
        ws.write_string(0, 0, escape_cell(note))
        first = 2
    for c, name in enumerate(columns):
        ws.write_string(first, c, escape_cell(name), bold)
    for r, row in enumerate(rows, start=first + 1):
        for c, value in enumerate(row):
            if isinstance(value, int | float) and not isinstance(value, bool):
                ws.write_number(r, c, value)
            elif value is not None:
                ws.write_string(r, c, escape_cell(_text(value)))
    ws.freeze_panes(first + 1, 0)
    book.close()
    return out.getvalue()
