"""The masked ID number beside the clear birth date is not the number (issue 15, the mask that leaks).

With the old mask (first 6 + last 4) and the birth date that every list shows, the only unknown was the
check digit's neighbour: 20 of 20 numbers in 民政's list were rebuilt. A mask that also hides the first
two sequence digits leaves several valid numbers for every elder, so none can be rebuilt from a page.
"""

from __future__ import annotations

import importlib

from stdnum.cn import ric

from yiyang.core.identity import mask_id_number, with_check_digit
from yiyang.core.models import Elder


def candidates(masked: str, birth: str) -> list[str]:
    """Every valid 18-character number that the mask and the birth date (YYYYMMDD) allow: the birth
    digits fill positions 7-14, every other hidden position tries 0-9, the check digit must hold."""
    known = masked[:6] + birth + masked[14:]
    hidden = [i for i, ch in enumerate(known) if ch == "*"]
    found = []
    for n in range(10 ** len(hidden)):
        digits = f"{n:0{len(hidden)}d}" if hidden else ""
        chars = list(known)
        for i, d in zip(hidden, digits, strict=True):
            chars[i] = d
        number = "".join(chars)
        if ric.calc_check_digit(number) == number[17]:
            found.append(number)
    return found


def test_the_mask_hides_the_birth_date_and_two_sequence_digits():
    assert mask_id_number("520621195003150039") == "520621**********39"
    # the old mask beside the birth date left exactly one number: the elder's own
    number = with_check_digit("52062119500315003")
    old_mask = number[:6] + "********" + number[-4:]
    assert candidates(old_mask, "19500315") == [number]
    assert number in candidates(mask_id_number(number), "19500315")
    assert len(candidates(mask_id_number(number), "19500315")) >= 2


def test_no_elder_in_civil_affairs_list_can_be_rebuilt_from_mask_and_birth_date(api_for):
    rows = api_for("mzj").get("/api/v1/elders", page_size=100).json()["results"]
    assert len(rows) >= 20
    for r in rows:
        birth = r["birth_date"].replace("-", "")
        assert len(candidates(r["id_number"], birth)) >= 2, r["id_number"]


def test_the_migration_rewrites_old_masks_without_decrypting(demo_db):
    elder = Elder.objects.filter(id_number_masked__regex=r"^\d{6}\*{10}").first()
    assert elder is not None
    old = elder.id_number_masked[:6] + "********" + "12" + elder.id_number_masked[-2:]
    Elder.objects.filter(pk=elder.pk).update(id_number_masked=old)
    from django.apps import apps

    migration = importlib.import_module("yiyang.core.migrations.0009_id_mask_hides_sequence")
    migration.remask(apps, None)
    elder.refresh_from_db()
    assert elder.id_number_masked == old[:6] + "*" * 10 + old[-2:]
