"""Pinyin search keys for people's names.

Why this exists: staff in a township clinic find an elder by typing pinyin initials (张三丰 → "zsf")
on a phone or a shared PC without a Chinese input method at hand. Two things make the naive
``pypinyin`` answer wrong:

* surnames have readings of their own (曾 zēng not céng, 单 shàn, 仇 qiú, 解 xiè, 朴 piáo, 区 ōu,
  查 zhā, 盖 gě, 缪 miào, 尉迟 yùchí, 万俟 mòqí …) and pypinyin 0.55 has no surname mode, so the
  surname is read from ``data/surnames.tsv`` (a table with its source, built by
  ``scripts/build_surnames.py``);
* given names contain polyphonic characters whose reading in a name is anyone's guess, so every
  reading is indexed (bounded by ``MAX_VARIANTS``) and a search typed either way finds the person.

This module is pure Python on top of pypinyin and must stay free of Django imports: it is used by
the models' search-key maintenance and tested without a database.
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache
from pathlib import Path

from pypinyin import Style, lazy_pinyin, pinyin

#: upper bound on initials variants per name, so a long name full of polyphonic characters cannot
#: blow up the search index (4 characters with 3 readings each would already be 81)
MAX_VARIANTS = 16
#: how many reading combinations are looked at before ranking; keeps the work bounded too
_MAX_COMBINATIONS = 4096

SURNAME_TABLE = Path(__file__).resolve().parent / "data" / "surnames.tsv"

#: separators in transliterated names (阿依古丽·买买提) and other marks that are not part of a name
_NAME_SEPARATORS = frozenset("·・•‧∙.-‐-—_'’")


def _strip_tones(syllable: str) -> str:
    """'zhǎng' → 'zhang', 'lǚ' → 'lü'; the table keeps tone marks, keys do not."""
    decomposed = unicodedata.normalize("NFD", syllable)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch) or ch == "\u0308")
    return unicodedata.normalize("NFC", kept).lower()


@lru_cache(maxsize=1)
def surname_table() -> dict[str, tuple[str, ...]]:
    """Surname → its readings as a surname, toneless, syllables separated by spaces.

    For example 乐 → ("yue", "le"), 尉迟 → ("yu chi",). Read once from ``data/surnames.tsv``.
    """
    table: dict[str, tuple[str, ...]] = {}
    with SURNAME_TABLE.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or not line.strip() or line.startswith("surname\t"):
                continue
            surname, readings, _source = line.rstrip("\n").split("\t")
            table[surname] = tuple(
                " ".join(_strip_tones(s) for s in reading.split()) for reading in readings.split("/")
            )
    return table


def normalise_name(name: str) -> str:
    """NFKC (full-width letters and spaces become ASCII) and no whitespace, as the search box does."""
    return "".join(unicodedata.normalize("NFKC", name or "").split())


def _is_separator(ch: str) -> bool:
    return ch in _NAME_SEPARATORS or unicodedata.category(ch)[0] in "PZSC"


def split_name(name: str) -> tuple[str, str]:
    """Split a name into (surname, given name).

    A compound surname from the table wins when something follows it (欧阳修 → 欧阳, 修); otherwise a
    Han name's first character is its surname, whether or not the table knows it. Names with a
    separator (阿依古丽·买买提) or not starting with a Han character have no Chinese surname: the
    surname part is empty.
    """
    name = normalise_name(name)
    if not name or any(_is_separator(ch) for ch in name) or not _is_han(name[0]):
        return "", name
    table = surname_table()
    for length in _compound_lengths():
        head = name[:length]
        if len(name) > length and head in table:
            return head, name[length:]
    return name[0], name[1:]


@lru_cache(maxsize=1)
def _compound_lengths() -> tuple[int, ...]:
    """Lengths of the table's compound surnames, longest first (today only 2)."""
    return tuple(sorted({len(s) for s in surname_table() if len(s) > 1}, reverse=True))


def _is_han(ch: str) -> bool:
    """A CJK ideograph (any block, including 〇): the characters pypinyin can read."""
    return ch == "〇" or unicodedata.name(ch, "").startswith(("CJK UNIFIED", "CJK COMPATIBILITY IDEOGRAPH"))


def _char_initials(ch: str) -> list[str]:
    """Every reading's first letter of one Han character, pypinyin's most common reading first."""
    readings = pinyin(ch, style=Style.FIRST_LETTER, heteronym=True, errors="ignore")
    letters = readings[0] if readings else []
    return list(dict.fromkeys(r.lower() for r in letters if r.isascii() and r.isalpha()))


def _given_name_slots(given: str) -> list[list[str]]:
    """One list of alternatives per kept character of the given name, the likely reading first.

    The likely reading comes from pypinyin's phrase-aware ``lazy_pinyin`` over each run of Han
    characters; the others from every heteronym of the character alone. Latin letters and digits are
    kept as themselves (lowercased); separators and other marks are dropped.
    """
    slots: list[list[str]] = []
    for is_han, run_chars in itertools.groupby(given, key=_is_han):
        run = "".join(run_chars)
        if not is_han:
            slots.extend([ch.lower()] for ch in run if ch.isascii() and ch.isalnum())
            continue
        likely = lazy_pinyin(run, style=Style.FIRST_LETTER, errors="ignore")
        aligned = len(likely) == len(run)
        for index, ch in enumerate(run):
            options = _char_initials(ch)
            if aligned and likely[index].isascii() and likely[index].isalpha():
                first = likely[index].lower()
                options = [first, *(o for o in options if o != first)]
            if options:
                slots.append(options)
    return slots


def _surname_slots(surname: str) -> list[list[str]]:
    """Slots for the surname: its table readings if known, else the character's readings."""
    if not surname:
        return []
    readings = surname_table().get(surname)
    if readings is None:
        return _given_name_slots(surname)
    # Every reading of a compound surname has as many syllables as it has characters.
    syllables = [reading.split() for reading in readings]
    return [list(dict.fromkeys(reading[i][0] for reading in syllables)) for i in range(len(surname))]


def name_initials(name: str) -> list[str]:
    """Every distinct pinyin-initials string of ``name``, most likely first, at most ``MAX_VARIANTS``.

    张三丰 → ["zsf"]; 曾国藩 → ["zgf"] (surname reading); 乐嘉 → ["yj", "lj"]. Variants that differ
    from the most likely reading in fewer characters come first, so a bound that cuts the list
    drops the least likely combinations, not a surname's second reading.
    """
    surname, given = split_name(name)
    slots = _surname_slots(surname) + _given_name_slots(given)
    if not slots:
        return []
    combos = itertools.islice(itertools.product(*(range(len(s)) for s in slots)), _MAX_COMBINATIONS)
    ranked = sorted(combos, key=lambda picks: (sum(1 for p in picks if p), picks))
    variants = ("".join(slot[p] for slot, p in zip(slots, picks, strict=True)) for picks in ranked)
    return list(itertools.islice(dict.fromkeys(variants), MAX_VARIANTS))


def name_search_keys(name: str) -> set[str]:
    """The lowercase keys a search index stores for a name (matched by prefix).

    The full name (whitespace removed; also without separators if it has any, since people rarely
    type the ·), the given name without the surname, so 三丰 finds 张三丰, and every initials
    variant from ``name_initials``.
    """
    full = normalise_name(name).lower()
    if not full:
        return set()
    bare = "".join(ch for ch in full if not _is_separator(ch))
    if not bare:
        return set()
    keys = {full, bare}
    surname, given = split_name(full)
    if surname and given:
        keys.add(given)
    keys.update(name_initials(full))
    keys.discard("")
    return keys
