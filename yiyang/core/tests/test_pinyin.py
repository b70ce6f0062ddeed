"""Rules for pinyin search keys of names (DESIGN.md §4: searchable by characters and initials).

No database: ``yiyang.core.pinyin`` is pure Python on top of pypinyin and the surname table.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from yiyang.core.pinyin import (
    MAX_VARIANTS,
    SURNAME_TABLE,
    name_initials,
    name_search_keys,
    split_name,
    surname_table,
)

PINYIN_SOURCE = Path(__file__).resolve().parents[1] / "pinyin.py"


# --- plain names -----------------------------------------------------------------------------------


def test_plain_name_has_exactly_one_initials_string() -> None:
    assert name_initials("张三丰") == ["zsf"]


def test_search_keys_are_full_name_given_name_and_initials() -> None:
    assert name_search_keys("张三丰") == {"张三丰", "三丰", "zsf"}


def test_empty_or_blank_name_has_no_keys() -> None:
    assert name_initials("") == []
    assert name_search_keys("") == set()
    assert name_search_keys("   ") == set()


# --- single surnames read as surnames (DESIGN.md §4's list) ----------------------------------------


def test_polyphonic_surname_zeng_reads_z() -> None:
    # pypinyin alone says cgf; the clerk types zgf.
    assert "zgf" in name_initials("曾国藩")
    assert "cgf" not in name_initials("曾国藩")


def test_surname_shan_reads_s_not_d() -> None:
    assert "sxx" in name_initials("单雄信")
    assert all(v.startswith("s") for v in name_initials("单雄信"))


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("仇英", "qy"),  # qiú, not chóu
        ("解缙", "xj"),  # xiè, not jiě
        ("朴志明", "pzm"),  # piáo, not pǔ
        ("区丽华", "olh"),  # ōu, not qū
        ("查良镛", "zly"),  # zhā, not chá
        ("盖聂", "gn"),  # gě, not gài
        ("缪德", "md"),  # miào, not móu/miù
    ],
)
def test_surname_uses_its_surname_reading(name: str, initials: str) -> None:
    variants = name_initials(name)
    assert variants[0] == initials
    assert {v[0] for v in variants} == {initials[0]}


def test_surname_yue_le_indexes_both_readings() -> None:
    assert set(name_initials("乐嘉")) >= {"yj", "lj"}


def test_single_surname_yu_reads_y_and_also_wei() -> None:
    variants = name_initials("尉缭")
    assert variants[0] == "yl"  # DESIGN.md §4: 尉 yu
    assert "wl" in variants  # the dictionary's Wèi for the single surname is found too


def test_surname_reading_replaces_other_readings_of_the_character() -> None:
    # 曾 céng is not a surname reading, so the index does not hold it.
    assert all(v.startswith("z") for v in name_initials("曾小明"))


def test_unknown_han_surname_falls_back_to_all_readings() -> None:
    # 𠀀 is not in the table; pypinyin still reads it, so the name stays searchable.
    assert split_name("𠀀明")[0] == "𠀀"
    assert name_initials("𠀀明") != []


# --- compound surnames ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "surname", "initials"),
    [
        ("欧阳修", "欧阳", "oyx"),
        ("司马光", "司马", "smg"),
        ("诸葛亮", "诸葛", "zgl"),
        ("上官婉儿", "上官", "sgwe"),
        ("尉迟恭", "尉迟", "ycg"),  # yù chí, not wèi chí
        ("长孙无忌", "长孙", "zswj"),  # zhǎng sūn, not cháng sūn
        ("万俟卨", "万俟", "mqx"),  # mò qí, not wàn sì
    ],
)
def test_compound_surname_is_read_as_one_surname(name: str, surname: str, initials: str) -> None:
    assert split_name(name) == (surname, name[len(surname) :])
    assert name_initials(name)[0] == initials
    assert all(v.startswith(initials[: len(surname)]) for v in name_initials(name))
    assert name[len(surname) :] in name_search_keys(name)


def test_compound_surname_needs_a_given_name_after_it() -> None:
    # A two-character name that happens to spell a compound surname is surname + given name.
    assert split_name("欧阳") == ("欧", "阳")


# --- heteronyms in the given name -------------------------------------------------------------------


def test_given_name_heteronyms_are_all_indexed() -> None:
    # 乐 in a given name: lè or yuè; 长 zhǎng or cháng.
    assert set(name_initials("张长乐")) >= {"zcl", "zzl", "zcy", "zzy"}


def test_most_likely_reading_comes_first() -> None:
    assert name_initials("单雄信")[0] == "sxx"


def test_variants_are_distinct() -> None:
    variants = name_initials("李重行长乐")
    assert len(variants) == len(set(variants))


def test_variants_are_bounded() -> None:
    # Six polyphonic characters have far more than MAX_VARIANTS combinations.
    variants = name_initials("乐重行长乐朝")
    assert len(variants) == MAX_VARIANTS
    assert len(name_search_keys("乐重行长乐朝")) <= MAX_VARIANTS + 3


def test_bound_keeps_the_surname_alternative() -> None:
    # Variants that change fewer characters rank first, so 乐's second surname reading survives.
    variants = name_initials("乐重行长乐朝")
    assert {v[0] for v in variants} == {"y", "l"}


# --- characters that are not Han -------------------------------------------------------------------


def test_middle_dot_is_ignored_in_initials() -> None:
    assert name_initials("阿依古丽·买买提")[0] == "ayglmmt"
    assert all("·" not in v for v in name_initials("阿依古丽·买买提"))


def test_transliterated_name_is_found_with_or_without_the_dot() -> None:
    keys = name_search_keys("阿依古丽·买买提")
    assert {"阿依古丽·买买提", "阿依古丽买买提"} <= keys


def test_latin_letters_are_lowercased_and_kept() -> None:
    assert name_initials("张A三") == ["zas"]
    assert "张a三" in name_search_keys("张A三")


def test_full_width_letters_and_spaces_are_normalised() -> None:
    assert name_search_keys("Ｌｉ Ｌｅｉ") == {"lilei"}
    assert name_search_keys(" 张 三丰 ") == {"张三丰", "三丰", "zsf"}


def test_every_key_is_lowercase() -> None:
    for name in ["张A三", "ＬＩ", "曾国藩"]:
        assert all(key == key.lower() for key in name_search_keys(name))


# --- the surname table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surname", "reading"),
    [
        ("曾", "zeng"),
        ("单", "shan"),
        ("仇", "qiu"),
        ("解", "xie"),
        ("朴", "piao"),
        ("区", "ou"),
        ("查", "zha"),
        ("乐", "yue"),
        ("乐", "le"),
        ("盖", "ge"),
        ("缪", "miao"),
        ("尉", "yu"),
        ("尉迟", "yu chi"),
        ("长孙", "zhang sun"),
        ("万俟", "mo qi"),
        ("欧阳", "ou yang"),
        ("司马", "si ma"),
        ("诸葛", "zhu ge"),
        ("上官", "shang guan"),
    ],
)
def test_surname_table_has_the_design_readings(surname: str, reading: str) -> None:
    assert reading in surname_table()[surname]


def test_surname_table_names_its_source() -> None:
    header = [line for line in SURNAME_TABLE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    text = "\n".join(header)
    assert "pinyin-pro" in text and "surname.mjs" in text and "MIT" in text
    assert (SURNAME_TABLE.parent / "surnames.LICENSE").is_file()


def test_surname_table_is_substantial() -> None:
    table = surname_table()
    assert len(table) > 400
    assert sum(1 for s in table if len(s) == 2) > 40


def test_module_imports_only_the_standard_library_and_pypinyin() -> None:
    # Search keys are computed without a database or settings; importing Django (models, the app
    # registry) here would tie this module and these tests to them. Checked on the source, since
    # importing the ``yiyang`` package itself already loads Django through Celery.
    tree = ast.parse(PINYIN_SOURCE.read_text(encoding="utf-8"))
    top_level: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            top_level.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            # A relative import (from .models import …) is kept whole so it fails the check.
            top_level.add((node.module or "").split(".")[0] if node.level == 0 else f".{node.module}")
    assert top_level <= set(sys.stdlib_module_names) | {"pypinyin"}, top_level
