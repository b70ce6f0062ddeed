"""居民身份证号码 (GB 11643-1999): validation and the facts derived from it (birth date, sex).

python-stdnum's ``cn.ric`` computes the check digit and knows the address-code table. We do not use
``ric.validate`` as a whole: it also refuses a number whose address code was created after the
holder's birth year. The address code is the place of registration when the number was *issued*
(1984 at the earliest), not the place of birth, so every elder in 江口县 who was re-registered under
520621 (a code created in 2011) would be refused. We accept any address code the table has ever held.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric

from . import clock

EARLIEST_BIRTH = dt.date(1890, 1, 1)


class InvalidIdNumber(ValueError):
    """Raised with a Chinese message that says what is wrong with the number."""


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    address_code: str


def normalise(raw: str) -> str:
    """Strip spaces and separators, upper-case a trailing x."""
    return ric.compact(raw or "").replace("-", "")


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdFacts:
    """Validate an 18-character ID number and derive birth date and sex from it."""
    number = normalise(raw)
    if not number:
        raise InvalidIdNumber(_("ID number is required."))
    if len(number) != 18:
        raise InvalidIdNumber(_("ID number must have 18 characters; %(n)d were given.") % {"n": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber(_("ID number must be 17 digits followed by a digit or X."))
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise InvalidIdNumber(
            _("ID number check digit is wrong (GB 11643): the last character should be %(c)s.")
            % {"c": expected}
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            _("ID number contains a birth date that does not exist: %(d)s.") % {"d": number[6:14]}
        ) from None
    today = today or clock.today()
    if birth > today or birth < EARLIEST_BIRTH:
        raise InvalidIdNumber(
            _("ID number contains an impossible birth date: %(d)s.") % {"d": birth.isoformat()}
        )
    if not numdb.get("cn/loc").info(number[:6]) or not _is_known_county(number[:6]):
        raise InvalidIdNumber(_("ID number starts with an unknown address code: %(c)s.") % {"c": number[:6]})
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdFacts(number=number, birth_date=birth, sex=sex, address_code=number[:6])


def _is_known_county(code: str) -> bool:
    info = {k: v for _part, props in numdb.get("cn/loc").info(code) for k, v in props.items()}
    return "county" in info


def with_check_digit(first17: str) -> str:
    """Complete a 17-digit body with its GB 11643 check digit (demo data, benchmarks, tests)."""
    return first17 + ric.calc_check_digit(first17 + "0")


#: characters of an ID number left visible at each end of its mask
MASK_HEAD, MASK_TAIL = 6, 2


def mask_id_number(number: str) -> str:
    """First 6 and last 2 characters visible: 520621**********3X.

    The birth date IS digits 7–14, and pages show it (or the age) beside the mask, so hiding only those
    digits hides nothing (issue 15: 20 of 20 numbers were rebuilt from 民政's list). The mask also hides
    the first two sequence digits (15–16): with the birth date known, about ten numbers fit the mask, and
    none can be told from the others without the audited reveal.
    """
    return number[:MASK_HEAD] + "*" * (len(number) - MASK_HEAD - MASK_TAIL) + number[-MASK_TAIL:]


def mask_phone(phone: str) -> str:
    """A mobile shows 3 + 4 (138****1234); a short number keeps only its last 4 visible."""
    digits = phone.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) == 11 and digits.isdigit():
        return digits[:3] + "****" + digits[-4:]
    return "*" * (len(digits) - 4) + digits[-4:]
