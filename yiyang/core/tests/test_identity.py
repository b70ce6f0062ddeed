"""GB 11643 ID numbers: what is accepted, what is refused and why (DESIGN §4)."""

import datetime as dt

import pytest

from yiyang.core.identity import (
    InvalidIdNumber,
    mask_id_number,
    mask_phone,
    parse_id_number,
    with_check_digit,
)


def test_check_digit_follows_gb11643_weights():
    """Weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, remainder → 1 0 X 9 8 7 6 5 4 3 2."""
    body = "11010519491231002"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    expected = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    assert with_check_digit(body) == body + expected == "11010519491231002X"


def test_valid_number_derives_birth_date_and_sex():
    facts = parse_id_number(with_check_digit("52062119500315003"))
    assert facts.birth_date == dt.date(1950, 3, 15)
    assert facts.sex == "M"  # 17th digit 3 is odd
    assert parse_id_number(with_check_digit("52062119500315002")).sex == "F"


def test_lower_case_x_and_spaces_are_normalised():
    assert parse_id_number(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "请填写"),
        ("52062119500315003", "18"),
        ("5206211950031500A1", "17"),
        (with_check_digit("52062119500315003")[:-1] + "0", "校验码"),
        (with_check_digit("52062119500230003"), "不存在"),
        (with_check_digit("52062121500101003"), "不合理"),
        (with_check_digit("99999919500101003"), "地址码"),
    ],
)
def test_invalid_numbers_are_refused_with_a_chinese_reason(raw, reason):
    with pytest.raises(InvalidIdNumber) as exc:
        parse_id_number(raw, today=dt.date(2026, 11, 26))
    assert reason in str(exc.value)


def test_old_county_code_522221_is_accepted_for_an_elder_born_before_it_was_recoded():
    """The address code is where the number was issued: 江口县's pre-2011 code stays valid."""
    assert parse_id_number(with_check_digit("52222119400101003")).address_code == "522221"
    assert parse_id_number(with_check_digit("52062119400101003")).address_code == "520621"


def test_born_today_is_accepted_born_tomorrow_is_not():
    today = dt.date(2026, 11, 26)
    assert parse_id_number(with_check_digit("52062120261126003"), today=today)
    with pytest.raises(InvalidIdNumber):
        parse_id_number(with_check_digit("52062120261127003"), today=today)


def test_masks_show_first_six_and_last_four_of_an_id_and_three_plus_four_of_a_mobile():
    assert mask_id_number("520621195003150039") == "520621**********39"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0856-6622110") == "********2110"
