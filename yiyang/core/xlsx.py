"""Saving openpyxl workbooks without formula injection (等保: CSV/Excel injection).

openpyxl stores any string that starts with ``=`` as a live formula, and Excel and WPS treat a text cell
starting with ``+``, ``-`` or ``@`` as one when a user edits it. An elder's name, a note or an
institution's name typed as ``=HYPERLINK(...)`` must come out as the text it is. Every workbook this
project writes is saved through :func:`workbook_bytes`, which stores such cells as plain strings with
Excel's quote prefix: the text shown is unchanged and never evaluated. (openpyxl has no option for this;
OWASP's advice to prepend an apostrophe would change the visible value, the quote-prefix style does not.)
"""

from __future__ import annotations

import io

from openpyxl import Workbook

#: first characters that make a spreadsheet program read text as a formula (tab and CR too: OWASP)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(wb: Workbook) -> int:
    """Turn every text cell starting with a formula trigger into quoted text; returns how many."""
    changed = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    changed += 1
    return changed


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes, neutralised first."""
    neutralise(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
