"""Excel exports never turn typed text into a live formula (issue 15: Excel formula neutralisation).

A note or a name typed as ``=HYPERLINK("http://evil/…")`` or ``+cmd|' /C calc'!A0`` must open in Excel or
WPS as the text it is: stored as a string with the quote prefix, the visible value unchanged.
"""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from yiyang.core.models import Institution
from yiyang.core.xlsx import workbook_bytes

PAYLOADS = ['=HYPERLINK("http://evil.example/","点我")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1"]


def _reopen(data: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(data)).active
    return [tuple((c.value, c.data_type, c.quotePrefix) for c in row) for row in ws.iter_rows()]


def test_text_that_looks_like_a_formula_is_written_as_quoted_text():
    wb = Workbook()
    wb.active.append([*PAYLOADS, "张三", 5, -3])
    (row,) = _reopen(workbook_bytes(wb))
    for (value, data_type, quoted), payload in zip(row[: len(PAYLOADS)], PAYLOADS, strict=True):
        assert (value, data_type, quoted) == (payload, "s", True)
    # ordinary text and real numbers are left as they were
    assert row[len(PAYLOADS) :] == (("张三", "s", False), (5, "n", False), (-3, "n", False))


def test_the_elder_export_quotes_an_institution_name_typed_as_a_formula(client_for, sj_elder):
    institution = sj_elder.managing_institution
    Institution.objects.filter(pk=institution.pk).update(name='=HYPERLINK("http://evil.example/")')
    r = client_for("wjj").get("/elders/export.xlsx", {"q": sj_elder.name})
    assert r.status_code == 200
    cells = [c for row in _reopen(r.content)[1:] for c in row if c[0] == '=HYPERLINK("http://evil.example/")']
    assert cells and all(c[1:] == ("s", True) for c in cells)
